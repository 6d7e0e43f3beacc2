#pragma once
// Token buckets per source prefix, limiting handshake replies (an RHello is
// up to 5x its IHello: an unlimited responder is a reflection amplifier).
// Fixed memory chosen at start-up, per lcore, no locks and no allocation per
// packet: a spoofed flood from any number of sources cannot grow it.
#include <cstdint>
#include <memory>

#include "dataplane/wire/address.hpp"

namespace strato::engine {

struct rate_limit_config {
    std::uint32_t per_second = 1000;  // sustained replies per prefix
    std::uint32_t burst = 2000;       // bucket depth
    std::uint8_t ipv4_prefix = 24;
    std::uint8_t ipv6_prefix = 64;
    std::uint32_t buckets = 65536;    // rounded up to a power of two
    bool operator==(const rate_limit_config&) const = default;
};

class rate_limiter {
public:
    // ticks_per_second: the unit of `now` (TSC Hz in the dataplane).
    rate_limiter(const rate_limit_config& cfg, std::uint64_t ticks_per_second);
    // Takes one token for the source's prefix; false when the bucket is empty.
    [[nodiscard]] bool allow(const wire::socket_address& source, std::uint64_t now) noexcept;
    // The same for any other identity (a peer ID): `key` must already be a
    // well-mixed hash (a SHA-256 peer ID's first bytes are).
    [[nodiscard]] bool allow_key(std::uint64_t key, std::uint64_t now) noexcept;
    // New rate, burst and prefixes (live reload), keeping the buckets: a
    // bucket fuller than the new burst is cut down at its next use.
    void reconfigure(const rate_limit_config& cfg) noexcept;
    // Starts fetching the bucket allow_key(key) will use (bursts: overlap the
    // cache misses of many packets).
    void prefetch_key(std::uint64_t key) const noexcept { __builtin_prefetch(&buckets_[((key | 1) >> 1) & mask_]); }
    // The same for allow(source); returns the key for allow_key.
    std::uint64_t prefetch(const wire::socket_address& source) const noexcept {
        const std::uint64_t key = prefix_key(source);
        prefetch_key(key);
        return key;
    }
    const rate_limit_config& config() const noexcept { return cfg_; }
    std::size_t bucket_count() const noexcept { return mask_ + 1; }
    std::size_t memory_bytes() const noexcept { return bucket_count() * sizeof(bucket); }

private:
    struct bucket {
        std::uint64_t key = 0;       // prefix hash, 0 = unused
        std::uint64_t last = 0;      // tick of the last refill
        std::uint32_t tokens_milli = 0;
        std::uint32_t pad_ = 0;
    };
    std::uint64_t prefix_key(const wire::socket_address& a) const noexcept;
    void set_prefix_masks() noexcept;

    rate_limit_config cfg_;
    std::uint64_t ticks_per_second_;
    std::uint64_t idle_ticks_;  // an untouched bucket this long is full again
    std::uint64_t milli_per_tick_q32_ = 0;  // refill rate, milli-tokens per tick in 32.32 fixed point
    std::size_t mask_;
    std::unique_ptr<bucket[]> buckets_;
    std::uint64_t mask_v4_ = 0;       // prefix masks over the address bytes as loaded
    std::uint64_t mask_v6_[2] = {0, 0};
};

} // namespace strato::engine
