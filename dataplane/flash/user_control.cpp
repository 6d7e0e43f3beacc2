#include "dataplane/flash/user_control.hpp"

#include "dataplane/flash/rtmp.hpp"

namespace strato::flash {

wire::result<user_control> read_user_control(wire::bytes body) noexcept {
    wire::reader in(body);
    user_control u;
    if (in.u16(u.event) != wire::drop_reason::none) return wire::drop_reason::truncated;
    u.data = in.take_rest();
    return u;
}

void write_stream_begin(wire::writer& w, std::uint32_t stream_id) noexcept {
    write_rtmp_header(w, rtmp_type::user_control, 0);
    w.u16(user_control_event::stream_begin);
    w.u32(stream_id);
}

void write_set_keepalive_timers(wire::writer& w, std::uint32_t server_ms, std::uint32_t peer_ms) noexcept {
    write_rtmp_header(w, rtmp_type::user_control, 0);
    w.u16(user_control_event::set_keepalive_timers);
    w.u32(server_ms);
    w.u32(peer_ms);
}

} // namespace strato::flash
