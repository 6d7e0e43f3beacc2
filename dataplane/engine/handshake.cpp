#include "dataplane/engine/handshake.hpp"

#include <cstring>

#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::engine {

using wire::drop_reason;

epd_match match_epd(wire::bytes epd, const crypto::server_certificate& cert) noexcept {
    auto e = wire::parse_epd(epd);
    if (!e.ok()) return epd_match::malformed;
    if (e->has_fingerprint) {
        return std::memcmp(e->fingerprint.data(), cert.fingerprint.data(), cert.fingerprint.size()) == 0
                   ? epd_match::ours
                   : epd_match::peer_id;
    }
    if (e->has_required_hostname) return epd_match::not_ours;
    return e->has_ancillary_data ? epd_match::ours : epd_match::not_ours;
}

namespace {

startup_outcome drop(lcore_counters& c, drop_reason r) noexcept {
    c.drop(r);
    return startup_outcome{startup_action::none, r, 0, 0};
}

startup_outcome answer_ihello(const handshake_context& ctx, wire::bytes value, const wire::socket_address& from,
                              std::uint32_t now_seconds, std::uint16_t now_ticks, wire::mutable_bytes reply,
                              lcore_counters& c) noexcept {
    c.count(stage::ihello);
    auto ih = wire::parse_ihello(value);
    if (!ih.ok()) return drop(c, ih.error());
    switch (match_epd(ih->epd, *ctx.certificate)) {
    case epd_match::ours:
        break;
    case epd_match::peer_id:
        c.count(stage::ihello_peer_id);
        return startup_outcome{startup_action::introduction, drop_reason::none, 0, 0};
    case epd_match::not_ours:
        return drop(c, drop_reason::not_for_us);
    case epd_match::malformed:
        return drop(c, drop_reason::bad_option);
    }
    if (ih->tag.empty() || ih->tag.size() > max_tag_size) return drop(c, drop_reason::value_out_of_range);

    std::uint8_t cookie[crypto::cookie_size];
    if (!ctx.cookies->make(from, now_seconds, std::span<std::uint8_t, crypto::cookie_size>(cookie)))
        return drop(c, drop_reason::bad_cookie);
    wire::packet_builder b(reply, wire::startup_flags, now_ticks, std::nullopt);
    wire::write_rhello(b.body(), wire::rhello{ih->tag, wire::bytes{cookie, sizeof cookie}, ctx.certificate->bytes_view()});
    if (!b.finish()) return drop(c, drop_reason::tx_full);
    c.count(stage::rhello_sent);
    return startup_outcome{startup_action::reply, drop_reason::none, 0, b.datagram().size()};
}

startup_outcome answer_iikeying(const handshake_context& ctx, wire::bytes value, const wire::socket_address& from,
                                std::uint32_t now_seconds, std::uint16_t now_ticks, wire::mutable_bytes reply,
                                lcore_counters& c) noexcept {
    c.count(stage::iikeying);
    auto k = wire::parse_iikeying(value);
    if (!k.ok()) return drop(c, k.error());
    const auto status = ctx.cookies->verify(k->cookie, from, now_seconds);
    if (status == crypto::cookie_status::ok)
        return startup_outcome{startup_action::keying, drop_reason::none, 0, 0};
    if (status != crypto::cookie_status::wrong_address) return drop(c, crypto::to_drop_reason(status));

    // RFC 7016 §3.5.1.2: authentic and fresh, but for another address: hand
    // out a cookie for this one, scrambled with the initiator's session ID.
    std::uint8_t fresh[crypto::cookie_size];
    if (!ctx.cookies->make(from, now_seconds, std::span<std::uint8_t, crypto::cookie_size>(fresh)))
        return drop(c, drop_reason::bad_cookie);
    wire::packet_builder b(reply, wire::startup_flags, now_ticks, std::nullopt);
    wire::write_rhello_cookie_change(b.body(), wire::rhello_cookie_change{k->cookie, wire::bytes{fresh, sizeof fresh}});
    if (!b.finish()) return drop(c, drop_reason::tx_full);
    c.count(stage::cookie_change_sent);
    return startup_outcome{startup_action::reply, drop_reason::none, k->initiator_session_id, b.datagram().size()};
}

} // namespace

startup_outcome handle_startup_packet(const handshake_context& ctx, wire::bytes packet,
                                      const wire::socket_address& from, std::uint32_t now_seconds,
                                      std::uint16_t now_ticks, wire::mutable_bytes reply,
                                      lcore_counters& c) noexcept {
    c.count(stage::rtmfp_startup);
    auto p = wire::parse_packet(packet);
    if (!p.ok()) return drop(c, p.error());
    if (p->header.mode() != wire::packet_mode::startup) return drop(c, drop_reason::bad_mode);
    // One startup chunk per datagram is answered (rtmfp-cpp does the same):
    // a datagram full of IHellos must not multiply the replies.
    wire::chunk_reader chunks(p->chunks);
    wire::chunk_view ch;
    while (chunks.next(ch)) {
        switch (static_cast<wire::chunk_type>(ch.type)) {
        case wire::chunk_type::ihello:
            return answer_ihello(ctx, ch.value, from, now_seconds, now_ticks, reply, c);
        case wire::chunk_type::iikeying:
            return answer_iikeying(ctx, ch.value, from, now_seconds, now_ticks, reply, c);
        default:
            // A server never initiates, so RHello, Redirect, RIKeying and
            // Cookie Change addressed to it are not ours to act on.
            return drop(c, wire::is_startup_chunk(ch.type) ? drop_reason::not_for_us : drop_reason::bad_mode);
        }
    }
    return drop(c, drop_reason::malformed_chunk);
}

} // namespace strato::engine
