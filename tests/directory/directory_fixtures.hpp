#pragma once
// Deterministic peers for the directory tests: every field derives from the
// peer number k and a stamp, and connect_time carries a checksum of the
// rest, so a reader can tell a consistent copy from a torn one.
#include <cstdint>
#include <cstring>

#include <rte_malloc.h>

#include "control/directory/peer_directory.hpp"

namespace strato::control::test {

inline peer_id make_id(std::uint32_t k) {
    peer_id id{};
    std::memcpy(id.data(), &k, sizeof k);
    for (std::size_t i = 4; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(k * 31 + i * 7);
    return id;
}

inline std::uint32_t id_number(const peer_id& id) {
    std::uint32_t k = 0;
    std::memcpy(&k, id.data(), sizeof k);
    return k;
}

// An address that names (k, stamp, i) and whose port repeats the stamp.
inline wire::socket_address make_address(std::uint32_t k, std::uint32_t stamp, std::uint8_t i) {
    wire::socket_address a;
    a.ipv6 = true;
    a.origin = i == 0 ? wire::address_origin::observed : wire::address_origin::local;
    std::memcpy(a.ip.data(), &k, 4);
    std::memcpy(a.ip.data() + 4, &stamp, 4);
    a.ip[8] = i;
    for (std::size_t j = 9; j < 16; ++j) a.ip[j] = static_cast<std::uint8_t>(k ^ stamp ^ j);
    a.port = static_cast<std::uint16_t>(stamp ^ i);
    return a;
}

inline bool address_ok(const wire::socket_address& a, std::uint32_t k, std::uint8_t i, std::uint32_t& stamp) {
    std::uint32_t k2 = 0;
    std::memcpy(&k2, a.ip.data(), 4);
    std::memcpy(&stamp, a.ip.data() + 4, 4);
    if (k2 != k || a.ip[8] != i || !a.ipv6 || a.port != static_cast<std::uint16_t>(stamp ^ i)) return false;
    for (std::size_t j = 9; j < 16; ++j)
        if (a.ip[j] != static_cast<std::uint8_t>(k ^ stamp ^ j)) return false;
    return true;
}

inline std::uint32_t checksum(const peer_record& r) {
    // FNV-1a over the fields that insert_or_update writes together.
    std::uint32_t h = 2166136261u;
    auto mixin = [&](const void* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            h ^= static_cast<const std::uint8_t*>(p)[i];
            h *= 16777619u;
        }
    };
    mixin(r.id.data(), r.id.size());
    mixin(r.public_address.ip.data(), 16);
    mixin(&r.public_address.port, 2);
    mixin(&r.session_id, 4);
    mixin(&r.lcore, 2);
    mixin(&r.app_index, 2);
    return h;
}

inline constexpr std::uint16_t test_apps = 5;

inline peer_record make_record(std::uint32_t k, std::uint32_t stamp) {
    peer_record r;
    r.id = make_id(k);
    r.public_address = make_address(k, stamp, 0);
    r.lcore = static_cast<std::uint16_t>(k & 1);
    r.session_id = k * 2 + 1;
    r.app_index = static_cast<std::uint16_t>(k % test_apps);
    r.last_activity = stamp;
    r.connect_time = checksum(r);
    return r;
}

// setPeerInfo addresses for (k, stamp): count 1..8 from the stamp.
inline std::uint8_t private_count_for(std::uint32_t stamp) { return static_cast<std::uint8_t>(stamp % 8 + 1); }

inline void make_private(std::uint32_t k, std::uint32_t stamp, wire::socket_address* out, std::uint8_t& n) {
    n = private_count_for(stamp);
    for (std::uint8_t i = 0; i < n; ++i) out[i] = make_address(k, stamp, static_cast<std::uint8_t>(i + 1));
}

// True when the view is one whole record, as some write made it.
inline bool view_consistent(const peer_view& v) {
    if ((v.version & 1) != 0) return false;
    std::uint32_t k = id_number(v.id);
    if (v.id != make_id(k)) return false;
    std::uint32_t stamp = 0;
    if (!address_ok(v.public_address, k, 0, stamp)) return false;
    if (v.connect_time != checksum(v)) return false;
    if (v.session_id != k * 2 + 1 || v.app_index != k % test_apps || v.lcore != (k & 1)) return false;
    if (!v.introducible) return v.private_count == 0;
    std::uint32_t s2 = 0;
    if (v.private_count == 0 || v.private_count > max_private_addresses) return false;
    for (std::uint8_t i = 0; i < v.private_count; ++i) {
        std::uint32_t s = 0;
        if (!address_ok(v.private_addresses[i], k, static_cast<std::uint8_t>(i + 1), s)) return false;
        if (i == 0) s2 = s;
        if (s != s2) return false;
    }
    return v.private_count == private_count_for(s2);
}

inline std::uint64_t heap_allocated() {
    std::uint64_t total = 0;
    for (unsigned i = 0; i < rte_socket_count(); ++i) {
        rte_malloc_socket_stats st{};
        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0) total += st.heap_allocsz_bytes;
    }
    return total;
}

} // namespace strato::control::test
