#include "dataplane/net/classify.hpp"

#include "dataplane/net/arp.hpp"
#include "dataplane/net/ethernet.hpp"
#include "dataplane/net/icmp.hpp"
#include "dataplane/net/ipv4.hpp"
#include "dataplane/net/ipv6.hpp"
#include "dataplane/net/udp.hpp"

namespace strato::net {

using wire::drop_reason;

classification classify(const l3_config& cfg, std::span<std::uint8_t> buffer, std::size_t len,
                        const classify_context& ctx) noexcept {
    if (len > buffer.size()) len = buffer.size();
    std::uint8_t* frame = buffer.data();
    ethernet_frame eth;
    if (auto r = parse_ethernet(frame, len, eth); r != drop_reason::none) return classification::dropped(r);
    const std::uint8_t* l3 = frame + eth.header_size;
    const std::size_t l3_len = len - eth.header_size;

    switch (eth.ethertype) {
    case ethertype_arp:
        return handle_arp(cfg, eth, frame, len, ctx.neighbours, ctx.now);

    case ethertype_ipv4: {
        // Broadcast is for ARP only; IPv4 must come to our MAC.
        if (eth.destination != cfg.mac) return classification::dropped(drop_reason::not_for_us);
        ipv4_packet ip;
        if (auto r = parse_ipv4(cfg, l3, l3_len, (ctx.rx_offload & rx_ipv4_checksum_good) != 0, ip);
            r != drop_reason::none)
            return classification::dropped(r);
        switch (ip.protocol) {
        case ip_protocol_udp:
            return handle_udp(cfg, eth, frame, ip, (ctx.rx_offload & rx_l4_checksum_good) != 0);
        case ip_protocol_icmp:
            return handle_icmpv4(cfg, eth, frame, ip);
        default:
            return classification::dropped(drop_reason::unsupported_ip_protocol);
        }
    }

    case ethertype_ipv6: {
        // Our MAC, or an RFC 2464 §7 multicast MAC (33:33:...) for ND; which
        // groups are ours is decided on the IPv6 destination.
        if (eth.destination != cfg.mac &&
            !(eth.destination.bytes[0] == 0x33 && eth.destination.bytes[1] == 0x33))
            return classification::dropped(drop_reason::not_for_us);
        ipv6_packet ip;
        if (auto r = parse_ipv6(cfg, l3, l3_len, ip); r != drop_reason::none) return classification::dropped(r);
        switch (ip.next_header) {
        case ip_protocol_udp:
            if (ip.multicast_destination) return classification::dropped(drop_reason::not_for_us);
            // RFC 4291 §2.5.2: the unspecified address is no one to answer.
            if (is_unspecified(ip.source)) return classification::dropped(drop_reason::bad_ipv6_header);
            return handle_udp(cfg, eth, frame, ip, (ctx.rx_offload & rx_l4_checksum_good) != 0);
        case ip_protocol_icmpv6:
            return handle_icmpv6(cfg, eth, frame, buffer.size(), ip, ctx.neighbours, ctx.now);
        default:
            if (ip.multicast_destination) return classification::dropped(drop_reason::not_for_us);
            return classification::dropped(drop_reason::unsupported_ip_protocol);
        }
    }

    default:
        return classification::dropped(drop_reason::unsupported_ethertype);
    }
}

} // namespace strato::net
