#include "dataplane/flash/rtmp.hpp"

namespace strato::flash {

using wire::drop_reason;

wire::result<rtmp_message> read_rtmp_message(wire::bytes message) noexcept {
    wire::reader in(message);
    rtmp_message m;
    if (in.u8(m.type) != drop_reason::none || in.u32(m.timestamp) != drop_reason::none)
        return drop_reason::truncated;
    m.body = in.take_rest();
    return m;
}

wire::result<wire::bytes> amf_payload(const rtmp_message& m) noexcept {
    switch (m.type) {
    case rtmp_type::data_amf0:
    case rtmp_type::shared_object_amf0:
    case rtmp_type::command_amf0:
        return m.body;
    case rtmp_type::data_amf3:
    case rtmp_type::shared_object_amf3:
    case rtmp_type::command_amf3:
        if (m.body.empty()) return drop_reason::truncated;
        // Only format 0 is defined; anything else is not AMF we can read.
        if (m.body[0] != 0) return drop_reason::bad_rtmp_message;
        return m.body.subspan(1);
    default:
        return drop_reason::bad_rtmp_message;
    }
}

void write_rtmp_header(wire::writer& w, std::uint8_t type, std::uint32_t timestamp) noexcept {
    w.u8(type);
    w.u32(timestamp);
}

} // namespace strato::flash
