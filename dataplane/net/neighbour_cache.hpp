#pragma once
// Per-lcore IP -> MAC table for packets we originate (a reply can simply go
// back to the request's source MAC). Each worker owns its own table, so there
// is no sharing and no locking; a neighbour may be learned once per lcore.
//
// Open addressing over caller-provided storage (allocated once at init, on
// the lcore's NUMA node): an entry lives within probe_window slots of its
// hash, lookups scan that window and nothing else, so the cost per lookup
// is bounded and deletion needs no tombstones. When the window is full the
// least recently seen entry in it is replaced; entries older than max_age
// count as free.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/config.hpp"
#include "dataplane/net/types.hpp"
#include "dataplane/wire/drop_reason.hpp"

namespace strato::net {

struct neighbour_entry {
    // IPv4 is stored IPv4-mapped (RFC 4291 §2.5.5.2) so one key type serves both.
    std::array<std::uint8_t, 16> ip{};
    mac_address mac;
    bool used = false;
    std::uint64_t last_seen = 0;
};

class neighbour_cache {
public:
    static constexpr std::size_t probe_window = 8;

    // storage.size() is rounded down to a power of two. max_age and the
    // `now` arguments are in the caller's clock unit (e.g. TSC cycles).
    neighbour_cache(std::span<neighbour_entry> storage, std::uint64_t max_age, std::uint64_t seed = 0) noexcept;
    neighbour_cache(const neighbour_cache&) = delete;
    neighbour_cache& operator=(const neighbour_cache&) = delete;

    // Insert or refresh.
    void learn(const ipv4_address& ip, const mac_address& mac, std::uint64_t now) noexcept;
    void learn(const ipv6_address& ip, const mac_address& mac, std::uint64_t now) noexcept;
    // Refresh only an entry that already exists (RFC 826 "merge" flag,
    // RFC 4861 §7.2.5 override); returns whether there was one.
    bool update(const ipv4_address& ip, const mac_address& mac, std::uint64_t now) noexcept;
    bool update(const ipv6_address& ip, const mac_address& mac, std::uint64_t now) noexcept;

    [[nodiscard]] bool lookup(const ipv4_address& ip, std::uint64_t now, mac_address& out) const noexcept;
    [[nodiscard]] bool lookup(const ipv6_address& ip, std::uint64_t now, mac_address& out) const noexcept;

    void forget(const ipv4_address& ip) noexcept;
    void forget(const ipv6_address& ip) noexcept;
    void clear() noexcept;

    std::size_t capacity() const noexcept { return mask_ + 1; }
    std::size_t size(std::uint64_t now) const noexcept;  // live entries, O(capacity)
    std::uint64_t evictions() const noexcept { return evictions_; }

private:
    using key = std::array<std::uint8_t, 16>;
    static key map(const ipv4_address& ip) noexcept;
    std::size_t home(const key& k) const noexcept;
    bool live(const neighbour_entry& e, std::uint64_t now) const noexcept;
    neighbour_entry* find(const key& k) noexcept;
    const neighbour_entry* find(const key& k) const noexcept;
    void learn(const key& k, const mac_address& mac, std::uint64_t now) noexcept;
    bool update(const key& k, const mac_address& mac, std::uint64_t now) noexcept;
    bool lookup(const key& k, std::uint64_t now, mac_address& out) const noexcept;

    neighbour_entry* slots_ = nullptr;
    std::size_t mask_ = 0;
    std::size_t window_ = 0;
    std::uint64_t max_age_ = 0;
    std::uint64_t seed_ = 0;
    std::uint64_t evictions_ = 0;
};

namespace detail {
template <std::size_t N>
struct neighbour_storage {
    std::array<neighbour_entry, N> storage_{};
};
} // namespace detail

// A cache that carries its own slots, e.g. as a member of the lcore context.
template <std::size_t N>
class fixed_neighbour_cache : private detail::neighbour_storage<N>, public neighbour_cache {
    static_assert(N >= neighbour_cache::probe_window && (N & (N - 1)) == 0, "N: a power of two >= 8");

public:
    explicit fixed_neighbour_cache(std::uint64_t max_age, std::uint64_t seed = 0) noexcept
        : neighbour_cache(std::span<neighbour_entry>(this->storage_), max_age, seed) {}
};

// The next hop towards dst: dst itself when it is on-link, otherwise the
// configured gateway (all zero when there is none).
ipv4_address next_hop(const l3_config& cfg, const ipv4_address& dst) noexcept;
ipv6_address next_hop(const l3_config& cfg, const ipv6_address& dst) noexcept;

// The MAC to send a packet for dst to. no_neighbour when the next hop is not
// known (yet): the caller then sends build_arp_request() or
// build_neighbor_solicitation() for next_hop(cfg, dst) and drops or parks
// the packet.
[[nodiscard]] wire::drop_reason resolve(const l3_config& cfg, const neighbour_cache& cache,
                                        const ipv4_address& dst, std::uint64_t now, mac_address& out) noexcept;
[[nodiscard]] wire::drop_reason resolve(const l3_config& cfg, const neighbour_cache& cache,
                                        const ipv6_address& dst, std::uint64_t now, mac_address& out) noexcept;

} // namespace strato::net
