#include "dataplane/engine/handshake.hpp"

#include <cstring>

#include "crypto/imb.hpp"
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

// What phase 1 decided for one item; phases 2-4 finish it.
enum class plan_kind : std::uint8_t {
    done,           // outcome final
    check_cookie,   // IIKeying: verify its cookie
    rhello,         // IHello for us: make a cookie, build an RHello
    cookie_change,  // IIKeying cookie for another address: fresh cookie, Cookie Change
};

struct plan {
    plan_kind kind = plan_kind::done;
    wire::bytes echo;                 // the IHello tag, or the IIKeying cookie
    std::uint32_t initiator_session_id = 0;
    std::uint8_t cookie[crypto::cookie_size];
};

void decide_ihello(const handshake_context& ctx, wire::bytes value, plan& p, startup_outcome& out,
                   lcore_counters& c) noexcept {
    c.count(stage::ihello);
    auto ih = wire::parse_ihello(value);
    if (!ih.ok()) {
        out = drop(c, ih.error());
        return;
    }
    switch (match_epd(ih->epd, *ctx.certificate)) {
    case epd_match::ours:
        break;
    case epd_match::peer_id:
        c.count(stage::ihello_peer_id);
        out = startup_outcome{startup_action::introduction, drop_reason::none, 0, 0};
        return;
    case epd_match::not_ours:
        out = drop(c, drop_reason::not_for_us);
        return;
    case epd_match::malformed:
        out = drop(c, drop_reason::bad_option);
        return;
    }
    if (ih->tag.empty() || ih->tag.size() > max_tag_size) {
        out = drop(c, drop_reason::value_out_of_range);
        return;
    }
    p.kind = plan_kind::rhello;
    p.echo = ih->tag;
}

void decide_iikeying(wire::bytes value, plan& p, startup_outcome& out, lcore_counters& c) noexcept {
    c.count(stage::iikeying);
    auto k = wire::parse_iikeying(value);
    if (!k.ok()) {
        out = drop(c, k.error());
        return;
    }
    p.kind = plan_kind::check_cookie;
    p.echo = k->cookie;
    p.initiator_session_id = k->initiator_session_id;
}

// Phase 1: everything but crypto.
void decide(const handshake_context& ctx, wire::bytes packet, plan& p, startup_outcome& out,
            lcore_counters& c) noexcept {
    p.kind = plan_kind::done;
    out = startup_outcome{};
    c.count(stage::rtmfp_startup);
    auto pk = wire::parse_packet(packet);
    if (!pk.ok()) {
        out = drop(c, pk.error());
        return;
    }
    if (pk->header.mode() != wire::packet_mode::startup) {
        out = drop(c, drop_reason::bad_mode);
        return;
    }
    // One startup chunk per datagram is answered (rtmfp-cpp does the same):
    // a datagram full of IHellos must not multiply the replies.
    wire::chunk_reader chunks(pk->chunks);
    wire::chunk_view ch;
    if (!chunks.next(ch)) {
        out = drop(c, drop_reason::malformed_chunk);
        return;
    }
    switch (static_cast<wire::chunk_type>(ch.type)) {
    case wire::chunk_type::ihello:
        return decide_ihello(ctx, ch.value, p, out, c);
    case wire::chunk_type::iikeying:
        return decide_iikeying(ch.value, p, out, c);
    default:
        // A server never initiates, so RHello, Redirect, RIKeying and
        // Cookie Change addressed to it are not ours to act on.
        out = drop(c, wire::is_startup_chunk(ch.type) ? drop_reason::not_for_us : drop_reason::bad_mode);
        return;
    }
}

// Phase 4: one reply from a made cookie.
void build(const handshake_context& ctx, const plan& p, std::uint16_t now_ticks, wire::mutable_bytes reply,
           startup_outcome& out, lcore_counters& c) noexcept {
    wire::packet_builder b(reply, wire::startup_flags, now_ticks, std::nullopt);
    const wire::bytes cookie{p.cookie, sizeof p.cookie};
    if (p.kind == plan_kind::rhello) {
        wire::write_rhello(b.body(), wire::rhello{p.echo, cookie, ctx.certificate->bytes_view()});
        if (!b.finish()) {
            out = drop(c, drop_reason::tx_full);
            return;
        }
        c.count(stage::rhello_sent);
        out = startup_outcome{startup_action::reply, drop_reason::none, 0, b.datagram().size()};
        return;
    }
    // RFC 7016 §3.5.1.2: authentic and fresh, but for another address: hand
    // out a cookie for this one, scrambled with the initiator's session ID.
    wire::write_rhello_cookie_change(b.body(), wire::rhello_cookie_change{p.echo, cookie});
    if (!b.finish()) {
        out = drop(c, drop_reason::tx_full);
        return;
    }
    c.count(stage::cookie_change_sent);
    out = startup_outcome{startup_action::reply, drop_reason::none, p.initiator_session_id, b.datagram().size()};
}

void handle_slice(const handshake_context& ctx, startup_item* items, std::size_t n, std::uint32_t now_seconds,
                  std::uint16_t now_ticks, lcore_counters& c) noexcept {
    plan plans[crypto::max_burst];
    std::uint8_t index[crypto::max_burst];

    for (std::size_t i = 0; i < n; ++i) decide(ctx, items[i].packet, plans[i], items[i].outcome, c);

    // Phase 2: every IIKeying cookie in one verify burst.
    crypto::cookie_check checks[crypto::max_burst];
    std::size_t nc = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (plans[i].kind != plan_kind::check_cookie) continue;
        index[nc] = static_cast<std::uint8_t>(i);
        checks[nc++] = crypto::cookie_check{plans[i].echo, items[i].from, crypto::cookie_status::malformed};
    }
    if (nc > 0) {
        ctx.cookies->verify_burst({checks, nc}, now_seconds);
        for (std::size_t j = 0; j < nc; ++j) {
            plan& p = plans[index[j]];
            startup_outcome& out = items[index[j]].outcome;
            const auto status = checks[j].status;
            if (status == crypto::cookie_status::ok) {
                p.kind = plan_kind::done;
                out = startup_outcome{startup_action::keying, drop_reason::none, 0, 0};
            } else if (status == crypto::cookie_status::wrong_address) {
                p.kind = plan_kind::cookie_change;
            } else {
                p.kind = plan_kind::done;
                out = drop(c, crypto::to_drop_reason(status));
            }
        }
    }

    // Phase 3: every cookie to hand out in one make burst.
    crypto::cookie_request requests[crypto::max_burst];
    std::size_t nm = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (plans[i].kind != plan_kind::rhello && plans[i].kind != plan_kind::cookie_change) continue;
        index[nm] = static_cast<std::uint8_t>(i);
        requests[nm++] = crypto::cookie_request{items[i].from, plans[i].cookie, false};
    }
    if (nm == 0) return;
    if (!ctx.cookies->make_burst({requests, nm}, now_seconds))
        for (std::size_t j = 0; j < nm; ++j) requests[j].ok = false;

    // Phase 4: the replies.
    for (std::size_t j = 0; j < nm; ++j) {
        startup_item& it = items[index[j]];
        if (!requests[j].ok) {
            it.outcome = drop(c, drop_reason::bad_cookie);
            continue;
        }
        build(ctx, plans[index[j]], now_ticks, it.reply, it.outcome, c);
    }
}

} // namespace

void handle_startup_burst(const handshake_context& ctx, std::span<startup_item> items, std::uint32_t now_seconds,
                          std::uint16_t now_ticks, lcore_counters& c) noexcept {
    for (std::size_t base = 0; base < items.size(); base += crypto::max_burst) {
        const std::size_t n = items.size() - base < crypto::max_burst ? items.size() - base : crypto::max_burst;
        handle_slice(ctx, items.data() + base, n, now_seconds, now_ticks, c);
    }
}

startup_outcome handle_startup_packet(const handshake_context& ctx, wire::bytes packet,
                                      const wire::socket_address& from, std::uint32_t now_seconds,
                                      std::uint16_t now_ticks, wire::mutable_bytes reply,
                                      lcore_counters& c) noexcept {
    startup_item item{packet, &from, reply, {}};
    handle_startup_burst(ctx, {&item, 1}, now_seconds, now_ticks, c);
    return item.outcome;
}

} // namespace strato::engine
