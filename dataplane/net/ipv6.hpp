#pragma once
// IPv6 header validation for a host (RFC 8200): fixed header, payload
// length, and a bounded walk over the extension headers a host must process
// on its way to the upper-layer header.
#include <cstddef>
#include <cstdint>

#include "dataplane/net/config.hpp"
#include "dataplane/net/types.hpp"
#include "dataplane/wire/drop_reason.hpp"

namespace strato::net {

inline constexpr std::size_t ipv6_header_size = 40;
// IANA protocol numbers (RFC 8200 §4).
inline constexpr std::uint8_t ipv6_hop_by_hop = 0;
inline constexpr std::uint8_t ipv6_routing = 43;
inline constexpr std::uint8_t ipv6_fragment = 44;
inline constexpr std::uint8_t ipv6_no_next_header = 59;
inline constexpr std::uint8_t ipv6_destination_options = 60;
inline constexpr std::uint8_t ip_protocol_icmpv6 = 58;
// Bound on the extension-header walk; real traffic carries one or two.
inline constexpr unsigned ipv6_max_extension_headers = 8;

struct ipv6_packet {
    ipv6_address source;
    ipv6_address destination;
    std::uint8_t next_header = 0;     // the upper-layer protocol after the walk
    std::uint8_t hop_limit = 0;
    std::uint16_t upper_offset = 0;   // from the start of the IPv6 header
    std::uint16_t upper_length = 0;   // upper-layer header + data
    // The destination is a group we listen to: the solicited-node group of
    // one of our addresses, or all-nodes. Only Neighbor Discovery may use it.
    bool multicast_destination = false;
};

// p: the IPv6 header, len: bytes from there to the end of the frame.
// Rejects: truncated (frame shorter than 40 + payload length),
// bad_ipv6_header (version, jumbo/zero payload length, multicast source,
// malformed or unknown-must-discard options, too many extension headers,
// hop-by-hop not first), ip_fragment (a Fragment header),
// not_for_us (neither our unicast address nor one of our groups, or
// a routing header with segments left), unsupported_ip_protocol (No Next
// Header, or an unknown header in the chain).
[[nodiscard]] wire::drop_reason parse_ipv6(const l3_config& cfg, const std::uint8_t* p, std::size_t len,
                                           ipv6_packet& out) noexcept;

// Writes a 40-byte header with traffic class and flow label 0.
void write_ipv6_header(std::uint8_t* p, const ipv6_address& src, const ipv6_address& dst,
                       std::uint8_t next_header, std::uint16_t payload_length, std::uint8_t hop_limit) noexcept;

} // namespace strato::net
