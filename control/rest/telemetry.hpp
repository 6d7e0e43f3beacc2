#pragma once
// DPDK telemetry commands for `dpdk-telemetry.py` (and any client of the
// telemetry socket):
//   /strato/stats            totals, per stage, per drop reason; ",N" for lcore N
//   /strato/peers            peer count, per app; ",<peer_id>" for one peer
//   /strato/groups           group count, per app; ",<group_id>" for one group
// The callbacks run on DPDK's telemetry thread (control side) and only call
// the api_backend, like the REST server does.
#include "control/rest/backend.hpp"

namespace strato::rest {

// Registers the commands (once per process; DPDK has no unregister) and
// points them at backend. Returns 0, or a negative errno from DPDK.
int register_telemetry(api_backend& backend);
// Detaches the backend before it is destroyed; commands then answer an error.
void detach_telemetry() noexcept;

}  // namespace strato::rest
