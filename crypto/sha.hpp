#pragma once
// SHA-256 and HMAC-SHA256 (RFC 6234, RFC 2104): one-shot helpers for the
// handshake (fingerprints, key derivation) and a precomputed-key HMAC through
// IPsec-MB for the per-packet HMAC of RFC 7425 §4.7.3.2 and for cookies.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/wire/bytes.hpp"

namespace strato::crypto {

using wire::bytes;
using wire::mutable_bytes;

inline constexpr std::size_t sha256_size = 32;
using digest = std::array<std::uint8_t, sha256_size>;

// SHA-256 through IPsec-MB (SHA-NI); no allocation.
digest sha256(bytes data) noexcept;
// HMAC-SHA256 through OpenSSL, key first. Any key length (a DH secret is
// 96..512 bytes). Not for the packet path.
digest hmac_sha256(bytes key, bytes message) noexcept;

// HMAC key with the inner and outer SHA-256 states precomputed (the hash of
// key^ipad and key^opad blocks), so each MAC costs two compressions per
// 64-byte block of message plus one, and nothing is allocated.
struct alignas(32) hmac_key {
    alignas(16) std::uint8_t ipad[sha256_size]{};
    alignas(16) std::uint8_t opad[sha256_size]{};
};

[[nodiscard]] bool make_hmac_key(bytes key, hmac_key& out) noexcept;

struct hmac_op {
    const hmac_key* key = nullptr;
    const std::uint8_t* message = nullptr;
    std::size_t length = 0;  // >= 1: IPsec-MB refuses empty messages
    std::uint8_t* out = nullptr;  // 32 bytes
};

// All ops through the IPsec-MB job API (the SHA lanes run several messages
// at once). Fails if any message is empty.
[[nodiscard]] bool hmac_sha256_burst(std::span<const hmac_op> ops) noexcept;
[[nodiscard]] bool hmac_sha256(const hmac_key& key, bytes message, std::span<std::uint8_t, sha256_size> out) noexcept;

// Constant-time comparison of n bytes (MACs must not leak a prefix length).
bool equal_ct(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept;

} // namespace strato::crypto
