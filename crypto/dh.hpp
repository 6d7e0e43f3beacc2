#pragma once
// Diffie-Hellman over the MODP groups of RFC 2409 §6.1-6.2 and RFC 3526
// (group IDs as in RFC 7425 §4.2 / IKE). OpenSSL BIGNUM with a Montgomery
// context per group and a constant-time modexp; no deprecated DH_* API.
// Handshake path only (tens of microseconds per modexp): allocation is fine
// here, exceptions are not, so every call returns a dh_error.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/wire/bytes.hpp"

namespace strato::crypto {

using wire::bytes;
using wire::mutable_bytes;

enum class dh_group : std::uint8_t {
    modp768 = 1,    // RFC 2409 §6.1 (weak; never advertise it)
    modp1024 = 2,   // RFC 2409 §6.2, mandatory in RFC 7425 §4.2
    modp1536 = 5,   // RFC 3526 §2
    modp2048 = 14,  // RFC 3526 §3
    modp4096 = 16,  // RFC 3526 §5
};

enum class dh_error : std::uint8_t {
    ok = 0,
    unsupported_group,
    bad_exponent_size,
    bad_public_key,   // fails RFC 7425 §4.6.2 checks
    buffer_too_small,
    internal,         // OpenSSL failure (allocation, RNG)
};

inline constexpr std::size_t dh_max_prime_bytes = 512;  // group 16

// Maps a wire group ID (VLU in options 0x15/0x1d/0x0d) to a supported group.
[[nodiscard]] bool dh_group_from_id(std::uint64_t id, dh_group& out) noexcept;
// Prime length in bytes: 96, 128, 192, 256, 512.
std::size_t dh_prime_bytes(dh_group g) noexcept;

// A key pair. The public key is left-padded to the prime length (protocol
// reference P12: legacy parsers expect exactly 128 bytes for group 2).
struct dh_keypair {
    dh_group group = dh_group::modp1024;
    std::array<std::uint8_t, dh_max_prime_bytes> private_key{};  // big-endian, prime length
    std::array<std::uint8_t, dh_max_prime_bytes> public_key_buf{};
    std::size_t size = 0;  // prime length in bytes
    bytes public_key() const noexcept { return {public_key_buf.data(), size}; }
    bytes private_exponent() const noexcept { return {private_key.data(), size}; }
};

// exponent_bits == 0: a full-length exponent, uniform in [2, p-2].
// Otherwise a random exponent of exactly exponent_bits bits (short
// exponents, e.g. 256, trade a little margin for ~3x speed; RFC 3526 §8
// recommends at least twice the symmetric strength).
[[nodiscard]] dh_error dh_generate(dh_group g, std::size_t exponent_bits, dh_keypair& out) noexcept;
// Derives the pair from a given private exponent (tests, KAT-4).
[[nodiscard]] dh_error dh_from_private(dh_group g, bytes private_exponent, dh_keypair& out) noexcept;

// RFC 7425 §4.6.2: 2^24 <= y <= p - 2^24, and at least 16 one bits and 16
// zero bits (leading zeros not counted). Any input length is accepted.
[[nodiscard]] bool dh_public_key_valid(dh_group g, bytes peer_public) noexcept;

// Shared secret as a big-endian integer with NO leading zero bytes (RFC 7425
// §4.6.2). out must hold the prime length; length receives the size used.
// Validates the peer key first.
[[nodiscard]] dh_error dh_shared_secret(const dh_keypair& own, bytes peer_public, mutable_bytes out,
                                        std::size_t& length) noexcept;

} // namespace strato::crypto
