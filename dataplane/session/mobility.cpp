#include "dataplane/session/mobility.hpp"

namespace strato::session {

namespace {
bool tag_of(const crypto::hmac_key& secret, std::uint32_t session_id, const wire::socket_address& a,
            const std::uint8_t* head, std::uint8_t (&tag)[crypto::sha256_size]) noexcept {
    // marker + timestamp | session ID | family, IP, port (origin excluded:
    // the same endpoint must hash the same whatever its origin bits).
    std::uint8_t msg[1 + 8 + 4 + 1 + 16 + 2];
    wire::writer w({msg, sizeof msg});
    w.put({head, 9});
    w.u32(session_id);
    w.u8(a.ipv6 ? 6 : 4);
    w.put({a.ip.data(), a.ip_size()});
    w.u16(a.port);
    return crypto::hmac_sha256(secret, w.written(), std::span<std::uint8_t, crypto::sha256_size>(tag));
}
} // namespace

void make_mobility_check(const crypto::hmac_key& secret, std::uint32_t session_id, const wire::socket_address& to,
                         time_us now, std::uint8_t (&out)[mobility_message_size]) noexcept {
    wire::writer w({out, sizeof out});
    w.u8(mobility_marker);
    w.u64(now);
    std::uint8_t tag[crypto::sha256_size]{};
    (void)tag_of(secret, session_id, to, out, tag);
    w.put({tag, mobility_tag_size});
}

bool verify_mobility_reply(const crypto::hmac_key& secret, std::uint32_t session_id, const wire::socket_address& from,
                           wire::bytes echo, time_us now, time_us newer_than, time_us& ts) noexcept {
    if (echo.size() != mobility_message_size || echo[0] != mobility_marker) return false;
    wire::reader r(echo.subspan(1, 8));
    std::uint64_t t = 0;
    if (r.u64(t) != wire::drop_reason::none) return false;
    // Not from the future, not stale, not older than the last accepted one.
    if (t > now || now - t > mobility_validity || t <= newer_than) return false;
    std::uint8_t tag[crypto::sha256_size]{};
    if (!tag_of(secret, session_id, from, echo.data(), tag)) return false;
    if (!crypto::equal_ct(tag, echo.data() + 9, mobility_tag_size)) return false;
    ts = t;
    return true;
}

} // namespace strato::session
