#include "tools/strato-load/reply_checker.hpp"

#include <cstring>

#include "crypto/certificate.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/startup.hpp"

namespace strato::load {

reply_kind reply_checker::precheck(wire::bytes d) noexcept {
    // RFC 7016 §2.2.2: SSID + whole cipher blocks.
    if (d.size() < wire::min_datagram || d.size() > wire::max_datagram ||
        (d.size() - wire::session_id_size) % wire::cipher_block != 0)
        return reply_kind::bad_framing;
    if (wire::session_id_of(d) != 0) return reply_kind::nonzero_session_id;
    return reply_kind::valid;
}

check_result reply_checker::match_tag(wire::bytes tag, std::uint32_t now_ns) noexcept {
    check_result r;
    std::uint32_t peer = 0, nonce = 0;
    if (!codec_.read(tag, peer, nonce) || peer >= peers_.size()) {
        r.kind = reply_kind::tag_unknown;
        return r;
    }
    r.peer = peer;
    peer_state& s = peers_[peer];
    if (s.nonce == 0 || s.nonce != nonce) {
        r.kind = reply_kind::tag_stale;
        return r;
    }
    s.nonce = 0;  // answered: a second copy of this reply is stale
    r.latency_ns = now_ns - s.sent_ns;
    return r;
}

reply_kind reply_checker::check_certificate(wire::bytes certificate) noexcept {
    if (certificate.size() != peer::expected_certificate_size) return reply_kind::bad_certificate;
    // The certificate is per server instance: once one has passed every
    // check, the same bytes need no parse and no SHA-256 again.
    if (have_certificate_) {
        if (certificate.size() == certificate_size_ &&
            std::memcmp(certificate.data(), certificate_.data(), certificate_size_) == 0)
            return reply_kind::valid;
        auto fp = crypto::certificate_fingerprint(certificate);
        if (fp.ok() && *fp == fingerprint_) return reply_kind::valid;  // same canonical part
        return reply_kind::fingerprint_changed;
    }
    auto cert = crypto::parse_certificate(certificate);
    // RFC 7425 §4.3.3: Flash selects a server whose certificate accepts
    // ancillary data and offers ephemeral DH group 2.
    if (!cert.ok() || !cert->accepts_ancillary_data || !cert->offers_ephemeral(2)) return reply_kind::bad_certificate;
    auto fp = crypto::certificate_fingerprint(certificate);
    if (!fp.ok()) return reply_kind::bad_certificate;
    if (have_pinned_ && *fp != pinned_) return reply_kind::fingerprint_changed;
    fingerprint_ = *fp;
    std::memcpy(certificate_.data(), certificate.data(), certificate.size());
    certificate_size_ = certificate.size();
    have_certificate_ = true;
    return reply_kind::valid;
}

check_result reply_checker::check(const wire::plaintext_view& plain, std::size_t datagram_size,
                                  std::uint32_t now_ns) noexcept {
    check_result r;
    auto packet = wire::parse_packet(plain.packet);
    if (!packet.ok() || packet->header.flags != wire::startup_flags) {
        r.kind = reply_kind::bad_flags;
        return r;
    }
    wire::chunk_reader chunks(packet->chunks);
    wire::chunk_view first, extra;
    const auto want = static_cast<std::uint8_t>(echo_ ? wire::chunk_type::ihello : wire::chunk_type::rhello);
    if (!chunks.next(first) || first.type != want || chunks.next(extra) || chunks.error() != wire::drop_reason::none) {
        r.kind = reply_kind::not_rhello;
        return r;
    }
    if (echo_) {
        auto ih = wire::parse_ihello(first.value);
        if (!ih.ok()) {
            r.kind = reply_kind::malformed_rhello;
            return r;
        }
        return match_tag(ih->tag, now_ns);
    }
    auto rh = wire::parse_rhello(first.value);
    if (!rh.ok()) {
        r.kind = reply_kind::malformed_rhello;
        return r;
    }
    r = match_tag(rh->tag_echo, now_ns);
    if (r.kind != reply_kind::valid) return r;
    if (rh->cookie.size() != peer::expected_cookie_size) {
        r.kind = reply_kind::bad_cookie;
        return r;
    }
    if (const auto k = check_certificate(rh->certificate); k != reply_kind::valid) {
        r.kind = k;
        return r;
    }
    // Issue 4: nothing beyond cookie, certificate and cipher-block padding.
    if (datagram_size != peer::expected_rhello_size(rh->tag_echo.size())) r.kind = reply_kind::bad_size;
    return r;
}

} // namespace strato::load
