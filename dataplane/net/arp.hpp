#pragma once
// ARP for IPv4 over Ethernet (RFC 826): answer requests for our addresses in
// place, learn who asked, and build our own requests.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/classification.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/ethernet.hpp"
#include "dataplane/net/neighbour_cache.hpp"

namespace strato::net {

inline constexpr std::size_t arp_packet_size = 28;  // RFC 826 for Ethernet/IPv4
inline constexpr std::uint16_t arp_hrd_ethernet = 1;
inline constexpr std::uint16_t arp_op_request = 1;
inline constexpr std::uint16_t arp_op_reply = 2;

// frame/len: the whole frame, eth: its parsed L2 header (ethertype ARP).
// cache may be null (nothing is learned then).
//  - request for one of our addresses: reply built in place, sender learned;
//  - reply addressed to us: sender learned, consumed;
//  - anything else (gratuitous ARP, requests for other hosts): not_for_us,
//    after refreshing the sender if it is already cached (RFC 826 merge).
classification handle_arp(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                          std::size_t len, neighbour_cache* cache, std::uint64_t now) noexcept;

// Writes a broadcast who-has request for target into out (from the address
// of ours that shares its prefix). Returns the frame length, 0 when out is
// too small or no IPv4 address is configured.
std::size_t build_arp_request(const l3_config& cfg, const ipv4_address& target, bool has_vlan,
                              std::uint16_t vlan_tci, std::span<std::uint8_t> out) noexcept;

} // namespace strato::net
