#include "dataplane/wire/mix.hpp"
#include "dataplane/net/neighbour_cache.hpp"

#include <cstring>

namespace strato::net {

using wire::drop_reason;

neighbour_cache::neighbour_cache(std::span<neighbour_entry> storage, std::uint64_t max_age,
                                 std::uint64_t seed) noexcept
    : slots_(storage.data()), max_age_(max_age), seed_(seed) {
    std::size_t n = 1;
    while (n * 2 <= storage.size()) n *= 2;
    if (storage.empty()) {
        // Degenerate: nothing can be stored; every lookup misses.
        slots_ = nullptr;
        mask_ = 0;
        window_ = 0;
        return;
    }
    mask_ = n - 1;
    window_ = n < probe_window ? n : probe_window;
    clear();
}

neighbour_cache::key neighbour_cache::map(const ipv4_address& ip) noexcept {
    key k{};
    k[10] = 0xff;
    k[11] = 0xff;
    std::memcpy(k.data() + 12, ip.bytes.data(), 4);
    return k;
}

std::size_t neighbour_cache::home(const key& k) const noexcept {
    // Fold the 128-bit key into 64 bits, then the splitmix64 finaliser so
    // that every key bit reaches the low bits used as the slot index. The
    // seed keeps the layout from being predictable to whoever chooses the
    // addresses.
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, k.data(), 8);
    std::memcpy(&b, k.data() + 8, 8);
    return static_cast<std::size_t>(wire::mix64((a ^ seed_) * 0x9e3779b97f4a7c15ull ^ b)) & mask_;
}

bool neighbour_cache::live(const neighbour_entry& e, std::uint64_t now) const noexcept {
    return e.used && now - e.last_seen <= max_age_;
}

neighbour_entry* neighbour_cache::find(const key& k) noexcept {
    if (!slots_) return nullptr;
    std::size_t h = home(k);
    for (std::size_t i = 0; i < window_; ++i) {
        neighbour_entry& e = slots_[(h + i) & mask_];
        if (e.used && e.ip == k) return &e;
    }
    return nullptr;
}

const neighbour_entry* neighbour_cache::find(const key& k) const noexcept {
    return const_cast<neighbour_cache*>(this)->find(k);
}

void neighbour_cache::learn(const key& k, const mac_address& mac, std::uint64_t now) noexcept {
    if (!slots_) return;
    std::size_t h = home(k);
    neighbour_entry* free_slot = nullptr;
    neighbour_entry* oldest = nullptr;
    for (std::size_t i = 0; i < window_; ++i) {
        neighbour_entry& e = slots_[(h + i) & mask_];
        if (e.used && e.ip == k) {
            e.mac = mac;
            e.last_seen = now;
            return;
        }
        if (!live(e, now)) {
            if (!free_slot) free_slot = &e;
        } else if (!oldest || e.last_seen < oldest->last_seen) {
            oldest = &e;
        }
    }
    neighbour_entry* slot = free_slot;
    if (!slot) {
        slot = oldest;
        ++evictions_;
    }
    slot->ip = k;
    slot->mac = mac;
    slot->used = true;
    slot->last_seen = now;
}

bool neighbour_cache::update(const key& k, const mac_address& mac, std::uint64_t now) noexcept {
    neighbour_entry* e = find(k);
    if (!e) return false;
    e->mac = mac;
    e->last_seen = now;
    return true;
}

bool neighbour_cache::lookup(const key& k, std::uint64_t now, mac_address& out) const noexcept {
    const neighbour_entry* e = find(k);
    if (!e || !live(*e, now)) return false;
    out = e->mac;
    return true;
}

void neighbour_cache::learn(const ipv4_address& ip, const mac_address& mac, std::uint64_t now) noexcept {
    learn(map(ip), mac, now);
}
void neighbour_cache::learn(const ipv6_address& ip, const mac_address& mac, std::uint64_t now) noexcept {
    learn(ip.bytes, mac, now);
}
bool neighbour_cache::update(const ipv4_address& ip, const mac_address& mac, std::uint64_t now) noexcept {
    return update(map(ip), mac, now);
}
bool neighbour_cache::update(const ipv6_address& ip, const mac_address& mac, std::uint64_t now) noexcept {
    return update(ip.bytes, mac, now);
}
bool neighbour_cache::lookup(const ipv4_address& ip, std::uint64_t now, mac_address& out) const noexcept {
    return lookup(map(ip), now, out);
}
bool neighbour_cache::lookup(const ipv6_address& ip, std::uint64_t now, mac_address& out) const noexcept {
    return lookup(ip.bytes, now, out);
}

void neighbour_cache::forget(const ipv4_address& ip) noexcept {
    if (auto* e = find(map(ip))) e->used = false;
}
void neighbour_cache::forget(const ipv6_address& ip) noexcept {
    if (auto* e = find(ip.bytes)) e->used = false;
}

void neighbour_cache::clear() noexcept {
    if (!slots_) return;
    for (std::size_t i = 0; i <= mask_; ++i) slots_[i] = neighbour_entry{};
}

std::size_t neighbour_cache::size(std::uint64_t now) const noexcept {
    if (!slots_) return 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i <= mask_; ++i) n += live(slots_[i], now) ? 1 : 0;
    return n;
}

ipv4_address next_hop(const l3_config& cfg, const ipv4_address& dst) noexcept {
    return on_link(cfg, dst) ? dst : cfg.ipv4_gateway;
}

ipv6_address next_hop(const l3_config& cfg, const ipv6_address& dst) noexcept {
    return on_link(cfg, dst) ? dst : cfg.ipv6_gateway;
}

drop_reason resolve(const l3_config& cfg, const neighbour_cache& cache, const ipv4_address& dst,
                    std::uint64_t now, mac_address& out) noexcept {
    ipv4_address hop = next_hop(cfg, dst);
    if (hop == ipv4_address{}) return drop_reason::no_neighbour;
    return cache.lookup(hop, now, out) ? drop_reason::none : drop_reason::no_neighbour;
}

drop_reason resolve(const l3_config& cfg, const neighbour_cache& cache, const ipv6_address& dst,
                    std::uint64_t now, mac_address& out) noexcept {
    ipv6_address hop = next_hop(cfg, dst);
    if (is_unspecified(hop)) return drop_reason::no_neighbour;
    return cache.lookup(hop, now, out) ? drop_reason::none : drop_reason::no_neighbour;
}

} // namespace strato::net
