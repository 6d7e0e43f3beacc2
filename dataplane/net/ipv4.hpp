#pragma once
// IPv4 header validation for a host (RFC 791, RFC 1122 §3.2.1) and the
// header we write into replies.
#include <cstddef>
#include <cstdint>

#include "dataplane/net/config.hpp"
#include "dataplane/net/types.hpp"
#include "dataplane/wire/drop_reason.hpp"

namespace strato::net {

inline constexpr std::size_t ipv4_header_size = 20;  // without options
// IANA protocol numbers.
inline constexpr std::uint8_t ip_protocol_icmp = 1;
inline constexpr std::uint8_t ip_protocol_udp = 17;

struct ipv4_packet {
    ipv4_address source;
    ipv4_address destination;
    std::uint8_t protocol = 0;
    std::uint8_t ttl = 0;
    std::uint16_t header_size = 0;   // IHL * 4; options are skipped, not interpreted
    std::uint16_t total_length = 0;  // header + payload; frame padding beyond it is ignored
};

// p: the IPv4 header, len: bytes from there to the end of the frame.
// checksum_verified: the NIC already checked the header checksum.
// Rejects: truncated (the frame ends before the datagram does),
// bad_ipv4_header (version, IHL < 5, total length < IHL, bad source),
// bad_ipv4_checksum, ip_fragment (MF or an offset: no reassembly here),
// not_for_us (destination is not one of our addresses).
[[nodiscard]] wire::drop_reason parse_ipv4(const l3_config& cfg, const std::uint8_t* p, std::size_t len,
                                           bool checksum_verified, ipv4_packet& out) noexcept;

// Writes a 20-byte header: no options, DF set, ID 0 (RFC 6864 §4.1: the ID
// of an atomic datagram carries no meaning), DSCP/ECN 0. With
// compute_checksum false the checksum field is left 0 for the NIC.
void write_ipv4_header(std::uint8_t* p, const ipv4_address& src, const ipv4_address& dst, std::uint8_t protocol,
                       std::uint16_t total_length, std::uint8_t ttl, bool compute_checksum) noexcept;

} // namespace strato::net
