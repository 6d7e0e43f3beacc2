#pragma once
// ICMP echo for IPv4 (RFC 792) and IPv6 (RFC 4443 §4), answered in place,
// and the ICMPv6 dispatch to Neighbor Discovery.
#include <cstddef>
#include <cstdint>

#include "dataplane/net/classification.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/ethernet.hpp"
#include "dataplane/net/ipv4.hpp"
#include "dataplane/net/ipv6.hpp"
#include "dataplane/net/neighbour_cache.hpp"

namespace strato::net {

// RFC 792 / RFC 4443 message types.
inline constexpr std::uint8_t icmp_echo_reply = 0;
inline constexpr std::uint8_t icmp_echo_request = 8;
inline constexpr std::uint8_t icmpv6_echo_request = 128;
inline constexpr std::uint8_t icmpv6_echo_reply = 129;
inline constexpr std::size_t icmp_header_size = 8;

// frame: the whole frame; ip: its validated IPv4 header. An echo request
// becomes an echo reply in place (IP options are dropped from the reply).
// bad_icmp for short messages, bad checksums and non-zero echo codes;
// unsupported_ip_protocol for the other ICMP types, which we do not act on.
classification handle_icmpv4(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                             const ipv4_packet& ip) noexcept;

// The same for ICMPv6, which also carries Neighbor Discovery: Neighbor
// Solicitations and Advertisements go to ndp.hpp. capacity: writable bytes
// from frame (a Neighbor Advertisement may be longer than the solicitation).
classification handle_icmpv6(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                             std::size_t capacity, const ipv6_packet& ip, neighbour_cache* cache,
                             std::uint64_t now) noexcept;

} // namespace strato::net
