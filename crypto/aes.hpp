#pragma once
// AES-128-CBC with a zero IV, the cipher of the Flash profile (RFC 7425 §4.1,
// §4.7): every datagram is encrypted on its own, the IV is 16 zero bytes and
// is never sent. IPsec-MB does the per-packet work in bursts; OpenSSL EVP is
// kept as the reference for cross-check tests and benchmarks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/wire/bytes.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace strato::crypto {

using wire::bytes;
using wire::mutable_bytes;

inline constexpr std::size_t aes_block = 16;
using aes128_raw_key = std::array<std::uint8_t, 16>;

// Both key schedules, expanded once per key (a session key lives as long as
// the session; the default key forever). 16-byte alignment is what IPsec-MB
// asks of expanded keys.
struct alignas(64) aes_key {
    alignas(16) std::uint8_t enc[16 * 11]{};
    alignas(16) std::uint8_t dec[16 * 11]{};
    aes128_raw_key raw{};
};

// Expands the schedules with the calling thread's IPsec-MB manager.
// Returns false only if IPsec-MB is unavailable.
[[nodiscard]] bool make_aes_key(std::span<const std::uint8_t, 16> key, aes_key& out) noexcept;

// One packet of a burst. length must be a non-zero multiple of 16;
// src == dst (in place) is allowed.
struct aes_op {
    const aes_key* key = nullptr;
    const std::uint8_t* src = nullptr;
    std::uint8_t* dst = nullptr;
    std::size_t length = 0;
};

// Encrypts/decrypts every op; returns false (and processes nothing) if any
// length is not a multiple of 16 or IPsec-MB is unavailable. Any burst size;
// IPsec-MB sees slices of max_burst.
[[nodiscard]] bool aes_cbc_encrypt_burst(std::span<const aes_op> ops) noexcept;
[[nodiscard]] bool aes_cbc_decrypt_burst(std::span<const aes_op> ops) noexcept;

// Single packet helpers; out.size() must be >= in.size(); in place allowed.
[[nodiscard]] bool aes_cbc_encrypt(const aes_key& key, bytes in, mutable_bytes out) noexcept;
[[nodiscard]] bool aes_cbc_decrypt(const aes_key& key, bytes in, mutable_bytes out) noexcept;

// OpenSSL EVP reference with padding disabled on both directions (protocol
// reference P1: with padding on, OpenSSL 3 holds back the last block).
// Keeps its contexts so that a benchmark measures the cipher, not malloc.
class evp_aes128_cbc {
public:
    evp_aes128_cbc() noexcept;
    ~evp_aes128_cbc();
    evp_aes128_cbc(const evp_aes128_cbc&) = delete;
    evp_aes128_cbc& operator=(const evp_aes128_cbc&) = delete;

    [[nodiscard]] bool set_key(std::span<const std::uint8_t, 16> key) noexcept;
    [[nodiscard]] bool encrypt(bytes in, mutable_bytes out) noexcept;
    [[nodiscard]] bool decrypt(bytes in, mutable_bytes out) noexcept;

private:
    EVP_CIPHER_CTX* enc_ = nullptr;
    EVP_CIPHER_CTX* dec_ = nullptr;
};

} // namespace strato::crypto
