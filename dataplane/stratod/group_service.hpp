#pragma once
// The control thread's side of NetGroups (issue 7): applies the workers'
// group_join / group_leave / disconnected events to the group table and
// sends each answer back to the owning worker as a group_marker command on
// its handoff ring (one for the joiner's member list, one per ring
// neighbour told about the newcomer). The table is written only here; the
// REST threads read it under `mutex()` (never a worker lcore).
#include <rte_mempool.h>

#include <mutex>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "control/directory/peer_directory.hpp"
#include "control/groups/group_table.hpp"
#include "dataplane/stratod/session_stage.hpp"

namespace strato::stratod {

struct group_service_stats {
    std::uint64_t answers_sent = 0;
    std::uint64_t notifications_sent = 0;
    std::uint64_t commands_lost = 0;  // no mbuf or the worker's ring was full
};

class group_service {
public:
    // handoff: each worker's ring by worker index; pool: mbufs for commands.
    [[nodiscard]] bool init(const control::stratod_config& cfg, const control::peer_directory& directory,
                            std::vector<rte_ring*> handoff, rte_mempool* pool, std::string& error);
    // Control thread: every peer event goes through here (non-group events are ignored
    // except disconnected, which ends the session's memberships).
    void apply(const peer_event& e);

    std::mutex& mutex() const noexcept { return mutex_; }
    // Under mutex() for threads other than the control thread.
    const control::group_table& table() const noexcept { return table_; }
    const group_service_stats& stats() const noexcept { return stats_; }

    // Table limits and bootstrap rules from the config (also the benchmark's).
    static control::group_limits limits_of(const control::stratod_config& cfg);
    static std::vector<control::app_group_rules> rules_of(const control::stratod_config& cfg);

private:
    void send_command(std::uint16_t worker, const group_command& c);

    mutable std::mutex mutex_;
    control::group_table table_;
    const control::peer_directory* directory_ = nullptr;
    std::vector<rte_ring*> handoff_;
    rte_mempool* pool_ = nullptr;
    group_service_stats stats_;
};

} // namespace strato::stratod
