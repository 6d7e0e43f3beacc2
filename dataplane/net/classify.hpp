#pragma once
// The L2/L3 entry point of a worker: one received frame in, one decision
// out. I/O-free and allocation-free; the DPDK worker calls it on mbuf data.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/classification.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/neighbour_cache.hpp"

namespace strato::net {

// Checksums the NIC has already verified (from DPDK's
// RTE_MBUF_F_RX_IP_CKSUM_GOOD / RTE_MBUF_F_RX_L4_CKSUM_GOOD).
inline constexpr std::uint8_t rx_ipv4_checksum_good = 0x01;
inline constexpr std::uint8_t rx_l4_checksum_good = 0x02;

struct classify_context {
    neighbour_cache* neighbours = nullptr;  // learn ARP/ND senders here when set
    std::uint64_t now = 0;                  // in the cache's clock unit
    std::uint8_t rx_offload = 0;            // rx_*_checksum_good bits
};

// buffer: writable bytes from the start of the frame (for an mbuf: data_len
// plus tailroom); len: the received frame's length (<= buffer.size()).
//  - verdict::reply: ARP reply, ICMP/ICMPv6 echo reply or Neighbor
//    Advertisement built in place; send reply_length bytes back out.
//  - verdict::udp: a datagram for one of our listening ports.
//  - verdict::consumed: an ARP reply or Neighbor Advertisement we learned from.
//  - verdict::drop: reason names why.
// Never reads or writes outside buffer[0, max(len, reply_length)).
classification classify(const l3_config& cfg, std::span<std::uint8_t> buffer, std::size_t len,
                        const classify_context& ctx = {}) noexcept;

// Convenience form when the buffer holds exactly the frame.
inline classification classify(const l3_config& cfg, std::uint8_t* frame, std::size_t len) noexcept {
    return classify(cfg, std::span<std::uint8_t>(frame, len), len);
}

} // namespace strato::net
