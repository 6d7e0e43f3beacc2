#pragma once
// Cookie secrets without shared mutable state: the secret of epoch e is
// HMAC-SHA256(master, e), where e = seconds / rotation period. Every worker
// rotates its own cookie_jar when the epoch changes and all of them hold the
// same secrets, so a cookie made on one lcore verifies on any other.
#include <array>
#include <cstdint>

#include "crypto/cookie.hpp"
#include "crypto/sha.hpp"

namespace strato::stratod {

struct cookie_schedule {
    std::array<std::uint8_t, 32> master{};
    std::uint32_t rotation_seconds = 600;
    std::uint32_t lifetime_seconds = 120;

    std::uint64_t epoch_of(std::uint32_t seconds) const noexcept { return seconds / rotation_seconds; }

    std::array<std::uint8_t, crypto::cookie_secret_size> secret_for(std::uint64_t epoch) const noexcept {
        std::uint8_t msg[8];
        for (int i = 0; i < 8; ++i) msg[i] = static_cast<std::uint8_t>(epoch >> (56 - 8 * i));
        const auto d = crypto::hmac_sha256(wire::bytes{master.data(), master.size()}, wire::bytes{msg, 8});
        std::array<std::uint8_t, crypto::cookie_secret_size> s{};
        for (std::size_t i = 0; i < s.size(); ++i) s[i] = d[i];
        return s;
    }
};

// Per-lcore: the jar plus the epoch it was last rotated to.
struct lcore_cookies {
    crypto::cookie_jar jar;
    std::uint64_t epoch = 0;

    [[nodiscard]] bool start(const cookie_schedule& s, std::uint32_t now_seconds) noexcept {
        epoch = s.epoch_of(now_seconds);
        if (!jar.init(s.secret_for(epoch), s.lifetime_seconds, generation_of(epoch))) return false;
        return true;
    }
    // A cookie's generation byte names its epoch: lcores that took a reload
    // at slightly different times still agree on (generation, secret).
    static std::uint8_t generation_of(std::uint64_t epoch) noexcept { return static_cast<std::uint8_t>(epoch); }

    // A reload changed the period or the lifetime: switch to the new
    // schedule's epoch now. The secret in use stays the previous one, so a
    // cookie made a moment ago still verifies; every lcore derives the same
    // new secret.
    void reschedule(const cookie_schedule& s, std::uint32_t now_seconds) noexcept {
        jar.set_lifetime(s.lifetime_seconds);
        const std::uint64_t e = s.epoch_of(now_seconds);
        if (e != epoch) {
            epoch = e;
            (void)jar.rotate(s.secret_for(epoch), generation_of(epoch));
        }
    }
    // Cheap check every poll loop; rotates at most once per period.
    void maybe_rotate(const cookie_schedule& s, std::uint32_t now_seconds) noexcept {
        const std::uint64_t e = s.epoch_of(now_seconds);
        while (epoch < e) {
            ++epoch;
            (void)jar.rotate(s.secret_for(epoch), generation_of(epoch));
        }
    }
};

} // namespace strato::stratod
