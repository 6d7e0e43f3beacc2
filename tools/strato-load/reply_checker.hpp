#pragma once
// Checks every reply the generator receives, in the packet loop: the same
// checks as strato-peer's check_rhello (framing, session ID 0, default-key
// decryption and checksum, flags 0x0b, a single RHello chunk, tag echo,
// 64-byte cookie, 77-byte certificate a Flash client accepts, stable
// fingerprint, exact size), but without allocating and without text: each
// failure is a counter of its kind. check_rhello stays the reference; the
// unit tests hold the two to the same verdicts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/sha.hpp"
#include "dataplane/wire/packet.hpp"
#include "tools/strato-load/peers.hpp"

namespace strato::load {

enum class reply_kind : std::uint8_t {
    valid,
    bad_framing,          // not 4 + 16*n bytes (>= 20)
    nonzero_session_id,   // startup replies use session ID 0
    undecryptable,        // checksum or padding wrong under the default key
    bad_flags,            // not exactly 0x0b
    not_rhello,           // no chunk, another chunk type, or more than one chunk
    malformed_rhello,     // the RHello layout does not parse
    tag_unknown,          // the echoed tag is none of ours
    tag_stale,            // ours, but not the request in flight (late or duplicate)
    bad_cookie,           // not 64 bytes
    bad_certificate,      // not 77 bytes, does not parse, or not acceptable to Flash
    fingerprint_changed,  // another server certificate than the first reply's
    bad_size,             // more than cookie, certificate and block padding
    count_
};
inline constexpr std::size_t reply_kind_count = static_cast<std::size_t>(reply_kind::count_);
inline constexpr std::array<std::string_view, reply_kind_count> reply_kind_names{
    "valid",     "bad_framing", "nonzero_session_id", "undecryptable",      "bad_flags", "not_rhello", "malformed_rhello",
    "tag_unknown", "tag_stale", "bad_cookie",         "bad_certificate", "fingerprint_changed", "bad_size"};

struct check_result {
    reply_kind kind = reply_kind::valid;
    std::uint32_t peer = 0;        // meaningful from tag_stale on
    std::uint32_t latency_ns = 0;  // for valid replies
};

class reply_checker {
public:
    // echo: the target is a reflector that returns our IHellos unchanged;
    // an echoed IHello carrying an outstanding tag counts as valid (this
    // measures the generator's own ceiling with the same per-reply work).
    reply_checker(std::span<peer_state> peers, const tag_codec& codec, bool echo) noexcept
        : peers_(peers), codec_(codec), echo_(echo) {}

    // Before decryption: framing and session ID. valid means "open it".
    static reply_kind precheck(wire::bytes datagram) noexcept;
    // After a successful default-key open of a datagram of datagram_size
    // bytes. Marks the matched request answered.
    check_result check(const wire::plaintext_view& plain, std::size_t datagram_size, std::uint32_t now_ns) noexcept;

    // The fingerprint (SHA-256 of the certificate) of the first valid
    // certificate seen; all later ones must carry the same certificate.
    bool has_fingerprint() const noexcept { return have_certificate_; }
    const crypto::digest& fingerprint() const noexcept { return fingerprint_; }
    // Pins the expected fingerprint up front (e.g. from stratod's ready line).
    void expect_fingerprint(const crypto::digest& fp) noexcept {
        pinned_ = fp;
        have_pinned_ = true;
    }

private:
    check_result match_tag(wire::bytes tag, std::uint32_t now_ns) noexcept;
    reply_kind check_certificate(wire::bytes certificate) noexcept;

    std::span<peer_state> peers_;
    tag_codec codec_;
    bool echo_;
    bool have_certificate_ = false;
    bool have_pinned_ = false;
    std::array<std::uint8_t, 128> certificate_{};
    std::size_t certificate_size_ = 0;
    crypto::digest fingerprint_{};
    crypto::digest pinned_{};
};

} // namespace strato::load
