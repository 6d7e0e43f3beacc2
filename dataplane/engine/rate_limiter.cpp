#include "dataplane/wire/mix.hpp"
#include "dataplane/engine/rate_limiter.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace strato::engine {

rate_limiter::rate_limiter(const rate_limit_config& cfg, std::uint64_t ticks_per_second)
    : cfg_(cfg),
      ticks_per_second_(std::max<std::uint64_t>(ticks_per_second, 1)),
      mask_(std::bit_ceil(std::max<std::uint32_t>(cfg.buckets, 16)) - 1),
      buckets_(new bucket[mask_ + 1]) {
    reconfigure(cfg);
}

void rate_limiter::reconfigure(const rate_limit_config& cfg) noexcept {
    const std::uint32_t buckets = cfg_.buckets;  // fixed at construction
    cfg_ = cfg;
    cfg_.buckets = buckets;
    const std::uint64_t per_second = std::max<std::uint32_t>(cfg_.per_second, 1);
    idle_ticks_ = ticks_per_second_ * std::clamp<std::uint64_t>(cfg_.burst, 1, 4000000) / per_second + 1;
    __extension__ using u128 = unsigned __int128;
    milli_per_tick_q32_ = static_cast<std::uint64_t>((static_cast<u128>(cfg_.per_second) * 1000u << 32) / ticks_per_second_);
    set_prefix_masks();
}

void rate_limiter::set_prefix_masks() noexcept {
    // Per byte of the address: the bits a prefix of that length keeps.
    const auto fill = [](std::uint8_t* mask, std::size_t n, unsigned bits) {
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned have = static_cast<unsigned>(i * 8);
            const unsigned keep = have >= bits ? 0u : std::min(8u, bits - have);
            mask[i] = static_cast<std::uint8_t>(0xff00u >> keep);
        }
    };
    std::uint8_t m4[8] = {}, m6[16] = {};
    fill(m4, 4, cfg_.ipv4_prefix);
    fill(m6, 16, cfg_.ipv6_prefix);
    std::memcpy(&mask_v4_, m4, 8);
    std::memcpy(&mask_v6_[0], m6, 8);
    std::memcpy(&mask_v6_[1], m6 + 8, 8);
}

std::uint64_t rate_limiter::prefix_key(const wire::socket_address& a) const noexcept {
    // The address masked to the configured prefix (whole words, masks made
    // at configuration), then mixed.
    std::uint64_t lo = 0, hi = 0;
    if (a.ipv6) {
        std::memcpy(&lo, a.ip.data(), 8);
        std::memcpy(&hi, a.ip.data() + 8, 8);
        return wire::mix64(wire::mix64((lo & mask_v6_[0]) ^ 0x9e3779b97f4a7c15ull) ^ (hi & mask_v6_[1])) | 1;
    }
    std::memcpy(&lo, a.ip.data(), 4);
    return wire::mix64((lo & mask_v4_) ^ 0x6a09e667f3bcc909ull) | 1;  // never 0, which marks an unused bucket
}

bool rate_limiter::allow(const wire::socket_address& source, std::uint64_t now) noexcept {
    return allow_key(prefix_key(source), now);
}

bool rate_limiter::allow_key(std::uint64_t key, std::uint64_t now) noexcept {
    key |= 1;  // never 0, which marks an unused bucket
    bucket& b = buckets_[(key >> 1) & mask_];  // bit 0 is always set
    // Milli-tokens in 32 bits: bursts above 4 million are all "unlimited".
    const std::uint32_t full = std::clamp<std::uint32_t>(cfg_.burst, 1, 4000000) * 1000u;
    if (b.key != key) {
        // Take over a bucket only once its owner has gone quiet; otherwise the
        // two prefixes share it (conservative: a collision never adds tokens).
        if (b.key == 0 || now - b.last >= idle_ticks_) {
            b.key = key;
            b.tokens_milli = full;
            b.last = now;
        }
    }
    if (now > b.last) {
        const std::uint64_t elapsed = std::min(now - b.last, idle_ticks_);  // bounded: no overflow below
        // Fixed-point multiply instead of a 64-bit division per packet.
        __extension__ using u128 = unsigned __int128;
        const auto add = static_cast<std::uint64_t>((static_cast<u128>(elapsed) * milli_per_tick_q32_) >> 32);
        if (add > 0) {
            b.tokens_milli = static_cast<std::uint32_t>(std::min<std::uint64_t>(full, b.tokens_milli + add));
            b.last = now;
        }
    }
    b.tokens_milli = std::min(b.tokens_milli, full);  // a lowered burst (reconfigure) applies at once
    if (b.tokens_milli < 1000u) return false;
    b.tokens_milli -= 1000u;
    return true;
}

} // namespace strato::engine
