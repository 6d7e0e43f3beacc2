#pragma once
// What the L2/L3 stage needs to know about this port: our link address, our
// IP addresses, the UDP ports we listen on. A plain value, copied into each
// lcore's context, so the per-packet code reads it without sharing.
#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/net/types.hpp"

namespace strato::net {

struct ipv4_interface {
    ipv4_address address;
    std::uint8_t prefix_len = 24;
};

struct ipv6_interface {
    ipv6_address address;
    std::uint8_t prefix_len = 64;
};

struct l3_config {
    static constexpr std::size_t max_ipv4 = 4;
    static constexpr std::size_t max_ipv6 = 4;
    static constexpr std::size_t max_udp_ports = 4;

    mac_address mac;
    std::array<ipv4_interface, max_ipv4> ipv4{};
    std::uint8_t ipv4_count = 0;
    std::array<ipv6_interface, max_ipv6> ipv6{};
    std::uint8_t ipv6_count = 0;
    std::array<std::uint16_t, max_udp_ports> udp_ports{};
    std::uint8_t udp_port_count = 0;

    // Next hop for destinations outside every configured prefix; the
    // all-zero address means "none" (only on-link peers are reachable).
    ipv4_address ipv4_gateway;
    ipv6_address ipv6_gateway;

    // TTL / hop limit written into every reply we build (RFC 1700 default 64).
    std::uint8_t reply_ttl = 64;
};

// Index of addr among our IPv4 addresses, or -1.
int find_ipv4(const l3_config& cfg, const ipv4_address& addr) noexcept;
int find_ipv6(const l3_config& cfg, const ipv6_address& addr) noexcept;
// Index of the IPv6 address whose solicited-node group is addr, or -1.
int find_solicited_node(const l3_config& cfg, const ipv6_address& addr) noexcept;
bool is_listen_port(const l3_config& cfg, std::uint16_t port) noexcept;
// Inside one of our prefixes, i.e. reachable without the gateway.
bool on_link(const l3_config& cfg, const ipv4_address& addr) noexcept;
bool on_link(const l3_config& cfg, const ipv6_address& addr) noexcept;
// The address of ours to send from towards dst: the first one sharing its
// prefix, otherwise the first configured (RFC 6724 in miniature).
ipv4_address source_for(const l3_config& cfg, const ipv4_address& dst) noexcept;
ipv6_address source_for(const l3_config& cfg, const ipv6_address& dst) noexcept;

} // namespace strato::net
