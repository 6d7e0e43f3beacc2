#include "crypto/certificate.hpp"

#include <cstring>

#include "dataplane/wire/option.hpp"

namespace strato::crypto {

using wire::drop_reason;

wire::drop_reason build_server_certificate(std::span<const std::uint8_t, certificate_randomness_size> randomness,
                                           std::span<const dh_group> groups, server_certificate& out) noexcept {
    out = server_certificate{};
    if (groups.empty() || groups.size() > max_certificate_groups) return drop_reason::bad_certificate;
    for (std::size_t i = 0; i < groups.size(); ++i)
        for (std::size_t j = i + 1; j < groups.size(); ++j)
            if (groups[i] == groups[j]) return drop_reason::bad_certificate;
    wire::writer w(out.buf);
    // Accepts Ancillary Data: without it a Flash URI EPD never selects us (P14).
    wire::write_option(w, cert_accepts_ancillary_data, {});
    // Extra Randomness makes the fingerprint unique per instance.
    wire::write_option(w, cert_extra_randomness, randomness);
    for (dh_group g : groups) {
        const std::uint8_t id = static_cast<std::uint8_t>(g);
        wire::write_option(w, cert_ephemeral_group, {&id, 1});
    }
    if (!w.ok()) return drop_reason::bad_certificate;
    out.size = w.size();
    const auto fp = certificate_fingerprint(out.bytes_view());
    if (!fp) return fp.error();
    out.fingerprint = *fp;
    return drop_reason::none;
}

wire::result<bytes> certificate_canonical_section(bytes certificate) noexcept {
    wire::option_reader r(certificate);
    wire::option o;
    std::size_t end = certificate.size();
    while (r.next(o)) {
        if (o.marker) {
            end = static_cast<std::size_t>(o.encoded.data() - certificate.data());
            break;
        }
    }
    if (r.error() != drop_reason::none) return drop_reason::bad_certificate;
    return certificate.first(end);
}

wire::result<digest> certificate_fingerprint(bytes certificate) noexcept {
    const auto c = certificate_canonical_section(certificate);
    if (!c) return c.error();
    return sha256(*c);
}

const static_dh_key* certificate_view::static_key_for(std::uint64_t group_id) const noexcept {
    for (std::size_t i = 0; i < static_key_count; ++i)
        if (static_keys[i].group_id == group_id) return &static_keys[i];
    return nullptr;
}

wire::result<certificate_view> parse_certificate(bytes certificate) noexcept {
    certificate_view v;
    wire::option_reader r(certificate);
    wire::option o;
    bool canonical = true;
    bool has_static = false;
    std::size_t canonical_end = certificate.size();
    while (r.next(o)) {
        if (o.marker) {
            if (canonical) canonical_end = static_cast<std::size_t>(o.encoded.data() - certificate.data());
            canonical = false;
            continue;
        }
        if (o.type == cert_extra_randomness) {
            if (v.extra_randomness.empty()) v.extra_randomness = o.value;
            continue;
        }
        // The remaining types count only inside the canonical section
        // (RFC 7425 §4.3.3); outside it they are ignored like unknown ones.
        if (!canonical) continue;
        switch (o.type) {
        case cert_hostname:
            if (!v.has_hostname) v.hostname = o.value;
            v.has_hostname = true;
            break;
        case cert_accepts_ancillary_data:
            v.accepts_ancillary_data = true;
            break;
        case cert_ephemeral_group: {
            wire::reader in(o.value);
            std::uint64_t g = 0;
            if (in.vlu(g) != drop_reason::none) return drop_reason::bad_certificate;
            if (g < 64) v.ephemeral_group_mask |= std::uint64_t{1} << g;
            v.has_ephemeral = true;
            break;
        }
        case cert_static_key: {
            wire::reader in(o.value);
            std::uint64_t g = 0;
            if (in.vlu(g) != drop_reason::none || in.empty()) return drop_reason::bad_certificate;
            has_static = true;
            if (v.static_key_count < max_static_keys) v.static_keys[v.static_key_count++] = {g, in.rest()};
            break;
        }
        default:
            break;  // unknown options are ignored (RFC 7425 §4.3.3)
        }
    }
    if (r.error() != drop_reason::none) return drop_reason::bad_certificate;
    // Static and ephemeral keys are exclusive; one kind is required
    // (RFC 7425 §4.3.3.4-5, P14).
    if (has_static == v.has_ephemeral) return drop_reason::bad_certificate;
    v.canonical = certificate.first(canonical_end);
    v.peer_id = sha256(v.canonical);
    return v;
}

} // namespace strato::crypto
