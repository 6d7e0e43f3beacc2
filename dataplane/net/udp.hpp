#pragma once
// UDP (RFC 768) over IPv4 and IPv6: validate datagrams for our ports, and
// write the headers of datagrams we send, replies included.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/classification.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/ethernet.hpp"
#include "dataplane/net/ipv4.hpp"
#include "dataplane/net/ipv6.hpp"
#include "dataplane/wire/address.hpp"

namespace strato::net {

inline constexpr std::size_t udp_header_size = 8;

// The checksum field value for a UDP datagram (header + data, udp_length
// bytes at udp, its checksum field zero or not: it is skipped). RFC 768: a
// computed 0 is sent as 0xffff, since 0 means "no checksum" over IPv4.
std::uint16_t udp_checksum(const ipv4_address& src, const ipv4_address& dst, const std::uint8_t* udp,
                           std::size_t udp_length) noexcept;
std::uint16_t udp_checksum(const ipv6_address& src, const ipv6_address& dst, const std::uint8_t* udp,
                           std::size_t udp_length) noexcept;

// Validate a received datagram whose IP header is already validated.
// bad_udp_length: shorter than its header, or longer than the IP payload
// (a shorter one is trimmed, the rest is link padding);
// bad_udp_checksum: wrong, or zero over IPv6 (RFC 8200 §8.1), unless
// checksum_verified (the NIC checked it); closed_udp_port.
classification handle_udp(const l3_config& cfg, const ethernet_frame& eth, const std::uint8_t* frame,
                          const ipv4_packet& ip, bool checksum_verified) noexcept;
classification handle_udp(const l3_config& cfg, const ethernet_frame& eth, const std::uint8_t* frame,
                          const ipv6_packet& ip, bool checksum_verified) noexcept;

enum class checksum_mode : std::uint8_t {
    software,  // compute the IPv4 header and UDP checksums here
    // Leave them to the NIC (DPDK RTE_MBUF_F_TX_IPV4 | _IP_CKSUM | _UDP_CKSUM):
    // IPv4 header checksum 0, UDP checksum field = the folded pseudo-header
    // sum, not complemented, as the NIC expects (rte_ipv4/ipv6_phdr_cksum).
    offload,
};

// Where the headers of a datagram go and what they say.
struct udp_route {
    mac_address source_mac;
    mac_address destination_mac;
    bool has_vlan = false;
    std::uint16_t vlan_tci = 0;
    wire::socket_address source;       // same family as destination
    wire::socket_address destination;
    std::uint8_t ttl = 64;             // TTL or hop limit
};

// Sizes of what was written: frame_length 0 means it did not fit (or the
// families differ); l2_length/l3_length are what DPDK's mbuf l2_len/l3_len
// need for checksum offload.
struct udp_frame {
    std::uint32_t frame_length = 0;
    std::uint8_t l2_length = 0;
    std::uint8_t l3_length = 0;
};

// Offset of the UDP payload in a frame written by write_udp_headers().
constexpr std::size_t udp_payload_offset(bool has_vlan, bool ipv6) noexcept {
    return ethernet_header_size + (has_vlan ? vlan_tag_size : 0) + (ipv6 ? ipv6_header_size : ipv4_header_size) +
           udp_header_size;
}

// Writes Ethernet (+tag), IPv4/IPv6 and UDP headers in front of the
// payload_length bytes the caller placed at udp_payload_offset(); computes
// or prepares the checksums per mode. For packets we originate.
udp_frame write_udp_headers(const udp_route& route, std::span<std::uint8_t> frame, std::size_t payload_length,
                            checksum_mode mode) noexcept;

// Turns the received datagram d (still in frame) into a reply: the caller
// first writes the new payload (payload_length bytes) at
// d.reply_payload_offset, then calls this to swap MACs, addresses and ports,
// write the lengths, a fresh TTL/hop limit (cfg.reply_ttl) and the
// checksums. Needs only the Ethernet header and d, so the payload may
// overwrite the old IP options, extension headers and UDP header.
udp_frame finish_udp_reply(const l3_config& cfg, const udp_datagram& d, std::span<std::uint8_t> frame,
                           std::size_t payload_length, checksum_mode mode) noexcept;

} // namespace strato::net
