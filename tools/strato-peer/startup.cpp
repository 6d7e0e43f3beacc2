#include "tools/strato-peer/startup.hpp"

#include <array>
#include <cstdio>

#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tools/strato-peer/hex.hpp"

namespace strato::peer {

namespace {

void put_option(wire::writer& w, std::uint64_t type, wire::bytes value) {
    w.vlu(wire::vlu_size(type) + value.size());
    w.vlu(type);
    w.put(value);
}

std::string fmt(const char* f, unsigned long long a, unsigned long long b = 0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, f, a, b);
    return buf;
}

std::size_t round_up(std::size_t n, std::size_t to) noexcept { return (n + to - 1) / to * to; }

} // namespace

std::vector<std::uint8_t> make_epd(epd_form form, const rtmfp_uri& uri, wire::bytes peer_id) {
    std::vector<std::uint8_t> out(16 + uri.text.size() + peer_id.size());
    wire::writer w(out);
    switch (form) {
    case epd_form::uri:
        put_option(w, wire::epd_ancillary_data, wire::as_bytes(uri.text));
        break;
    case epd_form::path:
        put_option(w, wire::epd_ancillary_data, wire::as_bytes(uri.app));
        break;
    case epd_form::hostname:
        put_option(w, wire::epd_required_hostname, wire::as_bytes(uri.host));
        break;
    case epd_form::peer_id:
        put_option(w, wire::epd_fingerprint, peer_id);
        break;
    }
    out.resize(w.size());
    return out;
}

std::vector<std::uint8_t> build_ihello(wire::bytes epd, wire::bytes tag, std::uint16_t timestamp) {
    std::vector<std::uint8_t> buf(wire::max_plain_packet + wire::session_id_size + crypto::aes_block);
    // RFC 7016 §2.2.4: startup packets carry a timestamp and the startup
    // mode, nothing else (flags 0x0b, what every client sends).
    wire::packet_builder b(buf, wire::startup_flags, timestamp, std::nullopt);
    wire::write_ihello(b.body(), wire::ihello{epd, tag});
    if (b.body().size() > wire::max_plain_packet || !b.finish()) return {};
    const auto* key = crypto::default_aes_key();
    if (key == nullptr) return {};
    auto sealed = crypto::seal(b, 0, crypto::seal_params{key, nullptr, 0});
    if (!sealed.ok()) return {};
    buf.resize(*sealed);
    return buf;
}

std::size_t expected_rhello_size(std::size_t tag_size) noexcept {
    const std::size_t chunk = wire::vlu_size(tag_size) + tag_size + wire::vlu_size(expected_cookie_size) +
                              expected_cookie_size + expected_certificate_size;
    const std::size_t plain = 2 /* checksum */ + 1 /* flags */ + 2 /* timestamp */ + 3 /* chunk header */ + chunk;
    return wire::session_id_size + round_up(plain, crypto::aes_block);
}

rhello_result check_rhello(wire::bytes datagram, wire::bytes tag) {
    rhello_result r;
    r.size = datagram.size();
    auto pass = [&](const char* name, std::string detail) { r.steps.push_back({name, true, std::move(detail)}); };
    auto fail = [&](const char* name, std::string detail) {
        r.steps.push_back({name, false, std::move(detail)});
        r.failed_check = name;
        return r;
    };

    // RFC 7016 §2.2.2: SSID + whole cipher blocks.
    if (datagram.size() < wire::min_datagram || (datagram.size() - wire::session_id_size) % crypto::aes_block != 0 ||
        datagram.size() > wire::max_datagram)
        return fail("datagram framing", fmt("%llu bytes is not 4 + a multiple of 16 (at least 20)", datagram.size()));
    pass("datagram framing", fmt("%llu bytes = 4 + %llu cipher blocks", datagram.size(),
                                 (datagram.size() - wire::session_id_size) / crypto::aes_block));

    if (const auto sid = wire::session_id_of(datagram); sid != 0)
        return fail("session id", fmt("%08llx, startup replies use session ID 0", sid));
    pass("session id", "0 (startup)");

    const auto* key = crypto::default_aes_key();
    if (key == nullptr) return fail("default-key decryption", "IPsec-MB is unavailable on this machine");
    std::vector<std::uint8_t> plain(datagram.size());
    auto opened = crypto::open(datagram, plain, crypto::open_params{key, nullptr, 0, false});
    pass("default-key decryption", "AES-128-CBC with \"Adobe Systems 02\"");
    if (!opened.ok()) {
        if (opened.error() == wire::drop_reason::bad_checksum) return fail("checksum", "16-bit checksum mismatch");
        return fail("checksum", std::string("plaintext rejected: ") + std::string(wire::name_of(opened.error())));
    }
    pass("checksum", "RFC 7425 §4.7.3.1 ones'-complement sum matches");

    auto packet = wire::parse_packet(opened->packet);
    if (!packet.ok()) return fail("flags", std::string("packet header: ") + std::string(wire::name_of(packet.error())));
    if (packet->header.flags != wire::startup_flags)
        return fail("flags", fmt("0x%02llx, expected exactly 0x0b (timestamp, startup mode)", packet->header.flags));
    pass("flags", fmt("0x0b, timestamp %llu", packet->header.timestamp.value_or(0)));

    wire::chunk_reader chunks(packet->chunks);
    wire::chunk_view first, extra;
    if (!chunks.next(first)) return fail("single RHello chunk", "no chunk in the packet");
    if (first.type != static_cast<std::uint8_t>(wire::chunk_type::rhello))
        return fail("single RHello chunk", fmt("first chunk is type 0x%02llx, expected RHello 0x70", first.type));
    if (chunks.next(extra))
        return fail("single RHello chunk", fmt("another chunk (type 0x%02llx) follows the RHello", extra.type));
    if (chunks.error() != wire::drop_reason::none)
        return fail("single RHello chunk", "bytes after the chunk are not 0xFF padding");
    auto rh = wire::parse_rhello(first.value);
    if (!rh.ok()) return fail("single RHello chunk", std::string("RHello layout: ") + std::string(wire::name_of(rh.error())));
    pass("single RHello chunk", fmt("%llu bytes of chunk value, 0xFF padding after it", first.value.size()));

    r.tag_echo.assign(rh->tag_echo.begin(), rh->tag_echo.end());
    if (!tag.empty()) {
        if (!wire::equal(rh->tag_echo, tag))
            return fail("tag echo", "echoed " + to_hex(rh->tag_echo) + ", sent " + to_hex(tag));
        pass("tag echo", fmt("%llu bytes, identical", tag.size()));
    }

    r.cookie.assign(rh->cookie.begin(), rh->cookie.end());
    if (rh->cookie.size() != expected_cookie_size)
        return fail("cookie", fmt("%llu bytes, expected exactly %llu", rh->cookie.size(), expected_cookie_size));
    pass("cookie", "64 bytes");

    r.certificate.assign(rh->certificate.begin(), rh->certificate.end());
    if (rh->certificate.size() != expected_certificate_size)
        return fail("certificate", fmt("%llu bytes, expected exactly %llu", rh->certificate.size(), expected_certificate_size));
    auto cert = crypto::parse_certificate(rh->certificate);
    if (!cert.ok()) return fail("certificate", std::string("does not parse: ") + std::string(wire::name_of(cert.error())));
    if (!cert->accepts_ancillary_data)
        return fail("certificate", "no Accepts Ancillary Data option: Flash clients would not select it");
    if (!cert->offers_ephemeral(2)) return fail("certificate", "does not offer ephemeral DH group 2");
    std::string groups;
    for (std::uint64_t g = 1; g < 64; ++g)
        if (cert->offers_ephemeral(g)) groups += (groups.empty() ? "" : ",") + std::to_string(g);
    pass("certificate", "77 bytes, accepts ancillary data, DH groups " + groups);

    auto fp = crypto::certificate_fingerprint(rh->certificate);
    if (!fp.ok()) return fail("certificate", "no canonical section");
    r.fingerprint = *fp;

    // Issue 4 item 5: nothing beyond the cookie, the certificate and the
    // cipher-block padding, so the reflection ratio is the least possible.
    const auto bound = expected_rhello_size(rh->tag_echo.size());
    if (datagram.size() != bound)
        return fail("datagram size", fmt("%llu bytes, expected exactly %llu for this tag", datagram.size(), bound));
    pass("datagram size", fmt("%llu bytes, the bound for this tag (%llu)", datagram.size(), bound));
    return r;
}

} // namespace strato::peer
