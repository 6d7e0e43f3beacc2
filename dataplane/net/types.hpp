#pragma once
// Link and network layer address types, stored in network byte order exactly
// as they appear on the wire so that parsing is a copy and comparison is a
// memcmp, never a byte swap.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace strato::net {

struct mac_address {
    std::array<std::uint8_t, 6> bytes{};
    friend bool operator==(const mac_address&, const mac_address&) = default;
};

struct ipv4_address {
    std::array<std::uint8_t, 4> bytes{};
    friend bool operator==(const ipv4_address&, const ipv4_address&) = default;
};

struct ipv6_address {
    std::array<std::uint8_t, 16> bytes{};
    friend bool operator==(const ipv6_address&, const ipv6_address&) = default;
};

inline constexpr mac_address broadcast_mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
// RFC 4291 §2.7.1: ff02::1, the link-local all-nodes group.
inline constexpr ipv6_address all_nodes_ipv6{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

// IEEE 802: the I/G bit (lowest bit of the first octet) marks group addresses.
constexpr bool is_group(const mac_address& m) noexcept { return (m.bytes[0] & 0x01u) != 0; }

inline mac_address load_mac(const std::uint8_t* p) noexcept {
    mac_address m;
    std::memcpy(m.bytes.data(), p, 6);
    return m;
}
inline ipv4_address load_ipv4(const std::uint8_t* p) noexcept {
    ipv4_address a;
    std::memcpy(a.bytes.data(), p, 4);
    return a;
}
inline ipv6_address load_ipv6(const std::uint8_t* p) noexcept {
    ipv6_address a;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
}
inline void store(std::uint8_t* p, const mac_address& m) noexcept { std::memcpy(p, m.bytes.data(), 6); }
inline void store(std::uint8_t* p, const ipv4_address& a) noexcept { std::memcpy(p, a.bytes.data(), 4); }
inline void store(std::uint8_t* p, const ipv6_address& a) noexcept { std::memcpy(p, a.bytes.data(), 16); }

inline std::uint16_t load_u16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline void store_u16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

// RFC 1122 §3.2.1.3: a host must not answer datagrams whose source is not a
// plausible unicast address (0/8, 127/8, class D/E, limited broadcast).
constexpr bool is_unicast_source(const ipv4_address& a) noexcept {
    const std::uint8_t first = a.bytes[0];
    return first != 0 && first != 127 && first < 224;
}

// RFC 4291 §2.7: ff00::/8 is multicast.
constexpr bool is_multicast(const ipv6_address& a) noexcept { return a.bytes[0] == 0xff; }
constexpr bool is_unspecified(const ipv6_address& a) noexcept {
    for (auto b : a.bytes)
        if (b != 0) return false;
    return true;
}

// RFC 4291 §2.7.1: ff02::1:ffXX:XXXX, the low 24 bits of the unicast address.
constexpr ipv6_address solicited_node(const ipv6_address& a) noexcept {
    return ipv6_address{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a.bytes[13], a.bytes[14],
                         a.bytes[15]}};
}

// RFC 2464 §7: IPv6 multicast maps to 33:33 followed by the low 32 bits.
constexpr mac_address multicast_mac(const ipv6_address& group) noexcept {
    return mac_address{{0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]}};
}

// True when the first prefix_len bits of a and b agree.
template <std::size_t N>
constexpr bool same_prefix(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b,
                           unsigned prefix_len) noexcept {
    if (prefix_len > N * 8) prefix_len = N * 8;
    std::size_t whole = prefix_len / 8;
    for (std::size_t i = 0; i < whole; ++i)
        if (a[i] != b[i]) return false;
    unsigned rest = prefix_len % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

} // namespace strato::net
