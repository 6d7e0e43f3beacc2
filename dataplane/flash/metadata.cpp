#include "dataplane/flash/metadata.hpp"

namespace strato::flash {

using wire::drop_reason;

wire::result<flow_metadata> read_flow_metadata(wire::bytes metadata) noexcept {
    flow_metadata m;
    if (metadata.size() < 2) return m;  // too short to carry any signature: unknown
    const std::uint8_t s0 = metadata[0], s1 = metadata[1];
    if (s0 == 0x54 && s1 == 0x43) {  // "TC", RFC 7425 §5.1.1
        wire::reader in(metadata.subspan(2));
        std::uint8_t flags = 0;
        if (in.u8(flags) != drop_reason::none) return drop_reason::bad_metadata;
        // The SID flag is a MUST for senders; a TC flow without a stream ID
        // cannot be bound to a NetStream, so reject it (§5.1.1 SHOULD).
        if (!(flags & tc_flag_sid)) return drop_reason::bad_metadata;
        std::uint64_t sid = 0;
        if (in.vlu(sid) != drop_reason::none) return drop_reason::bad_metadata;
        // Nothing is defined after the stream ID; bytes there mean the peer
        // speaks something we do not understand.
        if (!in.empty()) return drop_reason::bad_metadata;
        m.signature = flow_signature::tc;
        m.tc_flags = flags;
        m.receive_intent = (flags & tc_flag_rxi) != 0;
        m.stream_id = sid;
        return m;
    }
    if (s0 == 0x47 && s1 == 0x43) {  // "GC": exactly two bytes (protocol reference §7.2)
        if (metadata.size() != 2) return drop_reason::bad_metadata;
        m.signature = flow_signature::gc;
        return m;
    }
    if (s0 == 0x47 && s1 == 0x52) {  // "GR xx": librtmfp P2P NetGroup flows
        if (metadata.size() < 3) return drop_reason::bad_metadata;
        m.signature = flow_signature::gr;
        m.gr_kind = metadata[2];
        return m;
    }
    return m;
}

void write_tc_metadata(wire::writer& w, std::uint64_t stream_id, bool receive_intent) noexcept {
    w.u8(0x54);
    w.u8(0x43);
    w.u8(static_cast<std::uint8_t>(tc_flag_sid | (receive_intent ? tc_flag_rxi : 0)));
    w.vlu(stream_id);
}

void write_gc_metadata(wire::writer& w) noexcept {
    w.u8(0x47);
    w.u8(0x43);
}

} // namespace strato::flash
