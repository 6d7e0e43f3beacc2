#pragma once
// Flash profile session keys (RFC 7425 §4.6.3-4.6.5, protocol reference §3.7).
#include <array>
#include <cstdint>

#include "crypto/aes.hpp"
#include "crypto/sha.hpp"

namespace strato::crypto {

// RFC 7425 §4.1: the Default Session Key is the UTF-8 text "Adobe Systems 02".
inline constexpr aes128_raw_key default_session_key{'A', 'd', 'o', 'b', 'e', ' ', 'S', 'y',
                                                     's', 't', 'e', 'm', 's', ' ', '0', '2'};

// The default key, expanded once per thread (IPsec-MB schedules). nullptr
// only if IPsec-MB is unavailable.
const aes_key* default_aes_key() noexcept;

// Everything derived from one keying exchange, seen from this end.
// SKNC = the keying component this end sent, SKFC = the one it received
// (for the server: SKNC = SKRC, SKFC = SKIC).
struct session_keys {
    digest encrypt_key{};    // HMAC(DH, HMAC(SKFC, SKNC)); AES key = first 16 bytes
    digest decrypt_key{};    // HMAC(DH, HMAC(SKNC, SKFC))
    digest hmac_send_key{};  // HMAC(DH, ENCRYPT_KEY), full 32 bytes as message
    digest hmac_recv_key{};  // HMAC(DH, DECRYPT_KEY)
    digest near_nonce{};     // HMAC(DH, SKNC)
    digest far_nonce{};      // HMAC(DH, SKFC)

    std::span<const std::uint8_t, 16> encrypt_aes() const noexcept { return std::span<const std::uint8_t, 16>(encrypt_key.data(), 16); }
    std::span<const std::uint8_t, 16> decrypt_aes() const noexcept { return std::span<const std::uint8_t, 16>(decrypt_key.data(), 16); }
};

// dh_secret: big-endian without leading zero bytes (RFC 7425 §4.6.2);
// sknc/skfc: the raw component bytes without their VLU length prefixes.
session_keys derive_session_keys(bytes dh_secret, bytes sknc, bytes skfc) noexcept;

} // namespace strato::crypto
