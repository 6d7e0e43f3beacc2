#pragma once
// Stateless RHello cookies (RFC 7016 §3.5.1.1.2, §3.5.1.2; protocol
// reference §3.4). 64 bytes, because librtmfp accepts no other length (P5):
//   0      secret generation index
//   1-4    issue time, seconds, big-endian
//   5-12   8 random bytes
//   13-36  MAC_A = HMAC-SHA256(secret[g], 01 | bytes 0-12)[0..24)
//   37-63  MAC_B = HMAC-SHA256(secret[g], 02 | bytes 0-36 | encoded address)[0..27)
// MAC_A proves "made by us"; MAC_B binds the initiator's address and port, so
// a good MAC_A with a bad MAC_B means "ours, but for another address" and
// earns an RHello Cookie Change (RFC 7016 §3.5.1.2) instead of silence.
// MAC_B also covers MAC_A, so a good MAC_B authenticates all 64 bytes and the
// common case costs one HMAC (the protocol reference's MAC_B covers bytes
// 0-12 only, which would leave MAC_A malleable when only MAC_B is checked).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/sha.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::crypto {

inline constexpr std::size_t cookie_size = 64;
// RFC 7016 §3.5.1.1.2 asks for at least 95 s (the open timeout); 120 s margin.
inline constexpr std::uint32_t cookie_lifetime_s = 120;
inline constexpr std::size_t cookie_secret_size = 32;

enum class cookie_status : std::uint8_t {
    ok = 0,
    malformed,           // not 64 bytes
    unknown_generation,  // neither the current nor the previous secret
    expired,             // older than the lifetime, or issued in the future
    forged,              // MAC_A wrong: not ours
    wrong_address,       // ours, for another address → RHello Cookie Change
};

std::string_view name_of(cookie_status s) noexcept;
wire::drop_reason to_drop_reason(cookie_status s) noexcept;

// One cookie to make in a burst: in `from` and `out` (cookie_size bytes);
// out `ok`.
struct cookie_request {
    const wire::socket_address* from = nullptr;
    std::uint8_t* out = nullptr;
    bool ok = false;
};

// One cookie to check in a burst: in `cookie` and `from`; out `status`.
struct cookie_check {
    bytes cookie;
    const wire::socket_address* from = nullptr;
    cookie_status status = cookie_status::malformed;
};

// The secrets of one listening address. Rotate on the control plane and
// publish copies to the workers (it is a plain value type, ~200 bytes).
class cookie_jar {
public:
    // Installs the first secret as generation 0. False without IPsec-MB.
    [[nodiscard]] bool init(std::span<const std::uint8_t, cookie_secret_size> secret,
                            std::uint32_t lifetime_s = cookie_lifetime_s, std::uint8_t generation = 0) noexcept;
    // The current secret becomes the previous one (still accepted, so that a
    // rotation every >= lifetime seconds never rejects a live cookie); the
    // new one gets the next generation index.
    [[nodiscard]] bool rotate(std::span<const std::uint8_t, cookie_secret_size> secret) noexcept;
    // The same with the new secret's generation chosen by the caller (lcores
    // that derive it from the epoch agree whatever their rotation history).
    [[nodiscard]] bool rotate(std::span<const std::uint8_t, cookie_secret_size> secret, std::uint8_t generation) noexcept;
    std::uint8_t generation() const noexcept { return current_.generation; }
    // A new lifetime (live reload) for cookies checked from now on.
    void set_lifetime(std::uint32_t lifetime_s) noexcept { lifetime_ = lifetime_s; }
    std::uint32_t lifetime() const noexcept { return lifetime_; }

    // Two HMACs (MAC_B needs MAC_A); false if randomness or IPsec-MB fails.
    [[nodiscard]] bool make(const wire::socket_address& from, std::uint32_t now_s,
                            std::span<std::uint8_t, cookie_size> out) const noexcept;
    // One HMAC (MAC_B) when the cookie is good, a second (MAC_A) only to
    // tell a forgery from an address change. No allocation.
    cookie_status verify(bytes cookie, const wire::socket_address& from, std::uint32_t now_s) const noexcept;

    // The same, for a burst: one refill of random bytes, then all MAC_As in
    // one HMAC burst and all MAC_Bs in another (so the SHA lanes stay full).
    // Every cookie equals what make() would give for the same random bytes,
    // and every status what verify() returns. Returns false only if the
    // random source fails (then no request is ok). No allocation.
    [[nodiscard]] bool make_burst(std::span<cookie_request> requests, std::uint32_t now_s) const noexcept;
    void verify_burst(std::span<cookie_check> checks, std::uint32_t now_s) const noexcept;

private:
    struct slot {
        bool live = false;
        std::uint8_t generation = 0;
        hmac_key key;
    };
    const slot* find(std::uint8_t generation) const noexcept;
    slot current_;
    slot previous_;
    std::uint32_t lifetime_ = cookie_lifetime_s;
};

} // namespace strato::crypto
