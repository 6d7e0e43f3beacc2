#pragma once
// Flow metadata signatures of the Flash profile (RFC 7425 §5.1.1; protocol
// reference §6.1). Every flow's user metadata (User Data option 0x00) starts
// with a two-byte signature saying what the flow carries. The server accepts
// "TC" (RTMP messages) and "GC" (NetGroup server channel) and rejects the rest.
#include <cstdint>

#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

enum class flow_signature : std::uint8_t {
    tc,       // "TC": RTMP message flow (RFC 7425 §5.1.1)
    gc,       // "GC": NetGroup server channel (Cumulus/Mona/librtmfp, not in the RFC)
    gr,       // "GR" + kind: peer-to-peer NetGroup flows; a server never accepts these
    unknown,  // anything else: reject the flow with Flow Exception code 0
};

// RFC 7425 §5.1.1 TC flags.
inline constexpr std::uint8_t tc_flag_sid = 0x04;  // stream ID present (MUST be set)
inline constexpr std::uint8_t tc_flag_rxi = 0x01;  // receive intent: network arrival order

struct flow_metadata {
    flow_signature signature = flow_signature::unknown;
    std::uint8_t tc_flags = 0;     // raw flags byte (reserved bits kept, not judged)
    bool receive_intent = false;   // RXI: deliver in network order instead of queuing order
    std::uint64_t stream_id = 0;   // TC only; 0 = the NetConnection control flow
    std::uint8_t gr_kind = 0;      // GR only: the third byte (0x1c, 0x1d, 0x11, ...)
};

// Unknown signatures are not an error here: the caller rejects the flow and
// counts it. Malformed TC/GC/GR metadata is bad_metadata.
[[nodiscard]] wire::result<flow_metadata> read_flow_metadata(wire::bytes metadata) noexcept;

// "54 43 flags VLU(streamID)": SID is always set because RFC 7425 §5.1.1
// says a receiver should reject a TC flow without it.
void write_tc_metadata(wire::writer& w, std::uint64_t stream_id, bool receive_intent = false) noexcept;
// Exactly "47 43" (protocol reference §7.2-7.3).
void write_gc_metadata(wire::writer& w) noexcept;

} // namespace strato::flash
