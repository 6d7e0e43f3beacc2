#pragma once
// Flash profile certificates (RFC 7425 §4.3): the server's own certificate
// (built once per instance) and the parser for initiator certificates.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/dh.hpp"
#include "crypto/sha.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::crypto {

// RFC 7425 §4.3.3 certificate option types.
inline constexpr std::uint64_t cert_hostname = 0x00;
inline constexpr std::uint64_t cert_accepts_ancillary_data = 0x0a;
inline constexpr std::uint64_t cert_extra_randomness = 0x0e;
inline constexpr std::uint64_t cert_ephemeral_group = 0x15;
inline constexpr std::uint64_t cert_static_key = 0x1d;

inline constexpr std::size_t certificate_randomness_size = 64;
inline constexpr std::size_t max_certificate_groups = 5;  // 1, 2, 5, 14, 16
// The groups Cumulus/Mona advertise, in their order (protocol reference §3.3).
inline constexpr std::array<dh_group, 3> default_certificate_groups{dh_group::modp1024, dh_group::modp1536,
                                                                   dh_group::modp2048};

struct server_certificate {
    std::array<std::uint8_t, 2 + 2 + certificate_randomness_size + 3 * max_certificate_groups> buf{};
    std::size_t size = 0;
    digest fingerprint{};  // the server's peer ID (RFC 7425 §4.3.2)
    bytes bytes_view() const noexcept { return {buf.data(), size}; }
};

// Cumulus/Mona layout, 77 bytes with the default groups (librtmfp reads
// exactly 77 bytes, P5):
//   01 0a | 41 0e <64 random> | 02 15 <g> per group
// No marker, so the whole certificate is the canonical section. Fails
// (bad_certificate) with no group or a repeated group: a certificate with no
// DH option is rejected by clients (RFC 7425 §4.3.3.4-5, P14).
[[nodiscard]] wire::drop_reason build_server_certificate(std::span<const std::uint8_t, certificate_randomness_size> randomness,
                                                         std::span<const dh_group> groups,
                                                         server_certificate& out) noexcept;

// The canonical section: every option before the first marker, the marker
// excluded (RFC 7425 §4.3.1 pseudocode; rtmfp-cpp includes it, D1).
wire::result<bytes> certificate_canonical_section(bytes certificate) noexcept;
// SHA-256 of the canonical section = fingerprint = peer ID (§4.3.2, P13).
wire::result<digest> certificate_fingerprint(bytes certificate) noexcept;

struct static_dh_key {
    std::uint64_t group_id = 0;
    bytes public_key;
};

inline constexpr std::size_t max_static_keys = 8;

// A parsed initiator (or responder) certificate; views into the input.
struct certificate_view {
    bytes canonical;
    digest peer_id{};
    bool accepts_ancillary_data = false;
    bool has_hostname = false;
    bytes hostname;
    bytes extra_randomness;  // first 0x0e option, anywhere
    static_dh_key static_keys[max_static_keys];
    std::size_t static_key_count = 0;   // stored (the first max_static_keys)
    std::uint64_t ephemeral_group_mask = 0;  // bit n = group n offered (n < 64)
    bool has_ephemeral = false;
    bool is_static() const noexcept { return static_key_count > 0; }
    const static_dh_key* static_key_for(std::uint64_t group_id) const noexcept;
    bool offers_ephemeral(std::uint64_t group_id) const noexcept {
        return group_id < 64 && (ephemeral_group_mask >> group_id) & 1u;
    }
};

// Rejects (bad_certificate) malformed options, a DH option without a group,
// a static key option without a key, and static + ephemeral or neither
// (RFC 7425 §4.3.3.4-5; rtmfp-cpp does the same). Unknown options are ignored.
wire::result<certificate_view> parse_certificate(bytes certificate) noexcept;

} // namespace strato::crypto
