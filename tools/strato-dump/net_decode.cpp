#include "tools/strato-dump/net_decode.hpp"

#include <cstring>

namespace strato::dump {

using wire::drop_reason;

namespace {
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86dd;
constexpr std::uint16_t ethertype_vlan = 0x8100;
constexpr std::uint16_t ethertype_qinq = 0x88a8;
constexpr std::uint8_t ip_proto_udp = 17;

wire::result<udp_datagram> decode_udp_header(wire::reader& in, udp_datagram d) noexcept {
    std::uint16_t sport = 0, dport = 0, len = 0, sum = 0;
    if (in.u16(sport) != drop_reason::none || in.u16(dport) != drop_reason::none ||
        in.u16(len) != drop_reason::none || in.u16(sum) != drop_reason::none)
        return drop_reason::bad_udp_length;
    if (len < 8 || len - 8u > in.remaining()) return drop_reason::bad_udp_length;
    d.src.port = sport;
    d.dst.port = dport;
    (void)in.take(len - 8u, d.payload);
    return d;
}
} // namespace

wire::result<udp_datagram> decode_udp(wire::bytes frame) noexcept {
    wire::reader in(frame);
    if (in.skip(12) != drop_reason::none) return drop_reason::bad_ethernet;
    std::uint16_t type = 0;
    if (in.u16(type) != drop_reason::none) return drop_reason::bad_ethernet;
    // Up to two VLAN tags (802.1Q, 802.1ad).
    for (int tags = 0; (type == ethertype_vlan || type == ethertype_qinq) && tags < 2; ++tags) {
        if (in.skip(2) != drop_reason::none || in.u16(type) != drop_reason::none) return drop_reason::bad_ethernet;
    }
    udp_datagram d;
    if (type == ethertype_ipv4) {
        const wire::bytes ip = in.rest();
        if (ip.size() < 20 || (ip[0] >> 4) != 4) return drop_reason::bad_ipv4_header;
        const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
        const std::size_t total = (std::size_t{ip[2]} << 8) | ip[3];
        if (ihl < 20 || total < ihl || total > ip.size()) return drop_reason::bad_ipv4_header;
        const unsigned frag = ((unsigned{ip[6]} << 8) | ip[7]) & 0x3fffu;  // MF + offset
        if (frag != 0) return drop_reason::ip_fragment;
        if (ip[9] != ip_proto_udp) return drop_reason::unsupported_ip_protocol;
        std::memcpy(d.src.ip.data(), ip.data() + 12, 4);
        std::memcpy(d.dst.ip.data(), ip.data() + 16, 4);
        wire::reader udp(ip.subspan(ihl, total - ihl));
        return decode_udp_header(udp, d);
    }
    if (type == ethertype_ipv6) {
        const wire::bytes ip = in.rest();
        if (ip.size() < 40 || (ip[0] >> 4) != 6) return drop_reason::bad_ipv6_header;
        const std::size_t payload = (std::size_t{ip[4]} << 8) | ip[5];
        if (payload > ip.size() - 40) return drop_reason::bad_ipv6_header;
        // Extension headers are not walked: RTMFP traffic never carries them.
        if (ip[6] != ip_proto_udp) return drop_reason::unsupported_ip_protocol;
        d.src.ipv6 = d.dst.ipv6 = true;
        std::memcpy(d.src.ip.data(), ip.data() + 8, 16);
        std::memcpy(d.dst.ip.data(), ip.data() + 24, 16);
        wire::reader udp(ip.subspan(40, payload));
        return decode_udp_header(udp, d);
    }
    return drop_reason::unsupported_ethertype;
}

} // namespace strato::dump
