#pragma once
// What the L2/L3 stage decided about one frame, in a form the worker can act
// on without looking at the bytes again.
#include <cstddef>
#include <cstdint>

#include "dataplane/wire/address.hpp"
#include "dataplane/wire/drop_reason.hpp"

namespace strato::net {

enum class verdict : std::uint8_t {
    drop,      // free the buffer, count `reason`
    reply,     // the buffer now holds a reply of reply_length bytes: send it out the same port
    consumed,  // handled without a reply (e.g. a neighbour learned from an ARP reply): free it
    udp,       // a datagram for one of our ports: hand `udp` to the RTMFP engine
};

// A UDP datagram addressed to us. Offsets count from the start of the frame;
// 32-bit because a 64 KiB IPv6 payload plus headers does not fit 16 bits.
struct udp_datagram {
    wire::socket_address source;       // the remote peer (origin: observed)
    wire::socket_address destination;  // our address and listening port
    std::uint32_t payload_offset = 0;
    std::uint32_t payload_length = 0;
    // Where the payload of a reply built by finish_udp_reply() goes: replies
    // carry no IPv4 options or IPv6 extension headers, so this is
    // payload_offset minus their size.
    std::uint32_t reply_payload_offset = 0;
    std::uint16_t l2_size = 0;         // 14, or 18 with a VLAN tag
    std::uint16_t vlan_tci = 0;
    bool has_vlan = false;
    bool ipv6 = false;
};

struct classification {
    verdict kind = verdict::drop;
    wire::drop_reason reason = wire::drop_reason::none;  // for verdict::drop
    std::uint32_t reply_length = 0;                      // for verdict::reply
    udp_datagram udp{};                                  // for verdict::udp

    static classification dropped(wire::drop_reason r) noexcept {
        classification c;
        c.reason = r;
        return c;
    }
    static classification replied(std::size_t length) noexcept {
        classification c;
        c.kind = verdict::reply;
        c.reply_length = static_cast<std::uint32_t>(length);
        return c;
    }
    static classification absorbed() noexcept {
        classification c;
        c.kind = verdict::consumed;
        return c;
    }
};

} // namespace strato::net
