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
}

std::uint64_t rate_limiter::prefix_key(const wire::socket_address& a) const noexcept {
    // Mask the address to the configured prefix, then mix (splitmix64).
    std::uint8_t ip[16] = {};
    const unsigned bits = a.ipv6 ? cfg_.ipv6_prefix : cfg_.ipv4_prefix;
    const std::size_t n = a.ip_size();
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned have = static_cast<unsigned>(i * 8);
        if (have >= bits) break;
        const unsigned keep = std::min(8u, bits - have);
        ip[i] = static_cast<std::uint8_t>(a.ip[i] & static_cast<std::uint8_t>(0xff00u >> keep));
    }
    std::uint64_t h = a.ipv6 ? 0x9e3779b97f4a7c15ull : 0x6a09e667f3bcc909ull;
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, ip + i, std::min<std::size_t>(8, n - i));
        h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9ull;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebull;
        h ^= h >> 31;
    }
    return h | 1;  // never 0, which marks an unused bucket
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
