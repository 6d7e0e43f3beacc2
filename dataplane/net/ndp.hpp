#pragma once
// IPv6 Neighbor Discovery (RFC 4861) for a host: answer Neighbor
// Solicitations for our addresses, learn from solicitations and
// advertisements, and solicit neighbours we need.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/classification.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/ethernet.hpp"
#include "dataplane/net/ipv6.hpp"
#include "dataplane/net/neighbour_cache.hpp"

namespace strato::net {

// RFC 4861 §4.3, §4.4, §4.6.1.
inline constexpr std::uint8_t nd_neighbor_solicitation = 135;
inline constexpr std::uint8_t nd_neighbor_advertisement = 136;
inline constexpr std::uint8_t nd_option_source_link_layer = 1;
inline constexpr std::uint8_t nd_option_target_link_layer = 2;
inline constexpr std::uint8_t nd_hop_limit = 255;       // RFC 4861 §7.1: proves the sender is on-link
inline constexpr std::size_t nd_message_size = 24;       // type .. target address
inline constexpr std::size_t nd_link_layer_option_size = 8;  // Ethernet, RFC 4861 §4.6.1
inline constexpr std::uint8_t na_flag_router = 0x80;
inline constexpr std::uint8_t na_flag_solicited = 0x40;
inline constexpr std::uint8_t na_flag_override = 0x20;

// Called by handle_icmpv6 once the ICMPv6 checksum is known good. A
// solicitation for one of our addresses becomes an advertisement in place
// (with our Target Link-Layer Address option; capacity must leave room for
// it: 8 bytes more than a solicitation without options). Validation per
// RFC 4861 §7.1.1 fails with bad_icmp (hop limit, code, length, options,
// multicast target, DAD rules); a target that is not ours is not_for_us.
classification handle_neighbor_solicitation(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                                            std::size_t capacity, const ipv6_packet& ip,
                                            neighbour_cache* cache, std::uint64_t now) noexcept;

// RFC 4861 §7.1.2 validation, then §7.2.5 in miniature: a solicited
// advertisement sent to us teaches us the target's MAC; an unsolicited one
// with the Override flag refreshes an entry we already have. consumed.
classification handle_neighbor_advertisement(const l3_config& cfg, const ethernet_frame& eth,
                                             std::uint8_t* frame, const ipv6_packet& ip,
                                             neighbour_cache* cache, std::uint64_t now) noexcept;

// Writes a multicast Neighbor Solicitation for target (to its solicited-node
// group, with our Source Link-Layer Address option). Returns the frame
// length, 0 when out is too small or no IPv6 address is configured.
std::size_t build_neighbor_solicitation(const l3_config& cfg, const ipv6_address& target, bool has_vlan,
                                        std::uint16_t vlan_tci, std::span<std::uint8_t> out) noexcept;

} // namespace strato::net
