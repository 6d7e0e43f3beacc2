#include "dataplane/net/udp.hpp"

#include <cstring>

#include "dataplane/net/checksum.hpp"

namespace strato::net {

using wire::drop_reason;

namespace {

std::uint16_t finish_udp(std::uint32_t pseudo, const std::uint8_t* udp, std::size_t udp_length) noexcept {
    // Sum the header without its checksum field, then the data.
    std::uint32_t acc = checksum_add(udp, 6, pseudo);
    acc = checksum_add(udp + udp_header_size, udp_length - udp_header_size, acc);
    const std::uint16_t c = checksum_finish(acc);
    return c == 0 ? 0xffff : c;
}

wire::socket_address to_socket_address(const std::uint8_t* ip, bool v6, std::uint16_t port,
                                       wire::address_origin origin) noexcept {
    wire::socket_address a;
    a.ipv6 = v6;
    a.origin = origin;
    std::memcpy(a.ip.data(), ip, v6 ? 16 : 4);
    a.port = port;
    return a;
}

// Common tail: l4 points at the UDP header, ip_payload is what the IP layer
// says follows it; pseudo is the pseudo-header sum without the length.
classification finish_parse(const l3_config& cfg, const ethernet_frame& eth, const std::uint8_t* frame,
                            const std::uint8_t* l4, std::size_t ip_payload, bool v6, bool checksum_verified,
                            const std::uint8_t* src_ip, const std::uint8_t* dst_ip, std::size_t stripped) noexcept {
    if (ip_payload < udp_header_size) return classification::dropped(drop_reason::bad_udp_length);
    const std::uint16_t udp_len = load_u16(l4 + 4);
    if (udp_len < udp_header_size || udp_len > ip_payload) return classification::dropped(drop_reason::bad_udp_length);
    const std::uint16_t field = load_u16(l4 + 6);
    // RFC 768: zero = not computed; RFC 8200 §8.1: mandatory over IPv6.
    if (field == 0 && v6) return classification::dropped(drop_reason::bad_udp_checksum);
    if (field != 0 && !checksum_verified) {
        const std::uint32_t pseudo =
            v6 ? pseudo_header_sum(load_ipv6(src_ip), load_ipv6(dst_ip), ip_protocol_udp, udp_len)
               : pseudo_header_sum(load_ipv4(src_ip), load_ipv4(dst_ip), ip_protocol_udp, udp_len);
        if (checksum_fold(checksum_add(l4, udp_len, pseudo)) != 0xffff)
            return classification::dropped(drop_reason::bad_udp_checksum);
    }
    const std::uint16_t dst_port = load_u16(l4 + 2);
    if (!is_listen_port(cfg, dst_port)) return classification::dropped(drop_reason::closed_udp_port);

    classification c;
    c.kind = verdict::udp;
    udp_datagram& d = c.udp;
    d.source = to_socket_address(src_ip, v6, load_u16(l4), wire::address_origin::observed);
    d.destination = to_socket_address(dst_ip, v6, dst_port, wire::address_origin::local);
    d.payload_offset = static_cast<std::uint32_t>(l4 - frame + udp_header_size);
    d.payload_length = static_cast<std::uint32_t>(udp_len - udp_header_size);
    d.reply_payload_offset = static_cast<std::uint32_t>(d.payload_offset - stripped);
    d.l2_size = eth.header_size;
    d.vlan_tci = eth.vlan_tci;
    d.has_vlan = eth.has_vlan;
    d.ipv6 = v6;
    return c;
}

} // namespace

std::uint16_t udp_checksum(const ipv4_address& src, const ipv4_address& dst, const std::uint8_t* udp,
                           std::size_t udp_length) noexcept {
    return finish_udp(pseudo_header_sum(src, dst, ip_protocol_udp, static_cast<std::uint16_t>(udp_length)), udp,
                      udp_length);
}

std::uint16_t udp_checksum(const ipv6_address& src, const ipv6_address& dst, const std::uint8_t* udp,
                           std::size_t udp_length) noexcept {
    return finish_udp(pseudo_header_sum(src, dst, ip_protocol_udp, static_cast<std::uint32_t>(udp_length)), udp,
                      udp_length);
}

classification handle_udp(const l3_config& cfg, const ethernet_frame& eth, const std::uint8_t* frame,
                          const ipv4_packet& ip, bool checksum_verified) noexcept {
    const std::uint8_t* l3 = frame + eth.header_size;
    return finish_parse(cfg, eth, frame, l3 + ip.header_size, ip.total_length - ip.header_size, false,
                        checksum_verified, l3 + 12, l3 + 16, ip.header_size - ipv4_header_size);
}

classification handle_udp(const l3_config& cfg, const ethernet_frame& eth, const std::uint8_t* frame,
                          const ipv6_packet& ip, bool checksum_verified) noexcept {
    const std::uint8_t* l3 = frame + eth.header_size;
    return finish_parse(cfg, eth, frame, l3 + ip.upper_offset, ip.upper_length, true, checksum_verified, l3 + 8,
                        l3 + 24, ip.upper_offset - ipv6_header_size);
}

udp_frame write_udp_headers(const udp_route& route, std::span<std::uint8_t> frame, std::size_t payload_length,
                            checksum_mode mode) noexcept {
    const bool v6 = route.destination.ipv6;
    if (route.source.ipv6 != v6) return {};
    const std::size_t l3_len = v6 ? ipv6_header_size : ipv4_header_size;
    const std::size_t udp_len = udp_header_size + payload_length;
    // IPv4 total length and the UDP length are 16-bit fields.
    if (udp_len + (v6 ? 0 : l3_len) > 0xffff) return {};
    const std::size_t offset = udp_payload_offset(route.has_vlan, v6);
    if (frame.size() < offset || frame.size() - offset < payload_length) return {};

    std::uint8_t* f = frame.data();
    const std::size_t l2_len =
        write_ethernet(f, route.destination_mac, route.source_mac, v6 ? ethertype_ipv6 : ethertype_ipv4,
                       route.has_vlan, route.vlan_tci);
    std::uint8_t* l3 = f + l2_len;
    std::uint8_t* l4 = l3 + l3_len;
    store_u16(l4, route.source.port);
    store_u16(l4 + 2, route.destination.port);
    store_u16(l4 + 4, static_cast<std::uint16_t>(udp_len));
    store_u16(l4 + 6, 0);
    const bool software = mode == checksum_mode::software;
    if (v6) {
        const ipv6_address src = load_ipv6(route.source.ip.data());
        const ipv6_address dst = load_ipv6(route.destination.ip.data());
        write_ipv6_header(l3, src, dst, ip_protocol_udp, static_cast<std::uint16_t>(udp_len), route.ttl);
        store_u16(l4 + 6, software ? udp_checksum(src, dst, l4, udp_len)
                                   : checksum_fold(pseudo_header_sum(src, dst, ip_protocol_udp,
                                                                     static_cast<std::uint32_t>(udp_len))));
    } else {
        const ipv4_address src = load_ipv4(route.source.ip.data());
        const ipv4_address dst = load_ipv4(route.destination.ip.data());
        write_ipv4_header(l3, src, dst, ip_protocol_udp, static_cast<std::uint16_t>(l3_len + udp_len), route.ttl,
                          software);
        store_u16(l4 + 6, software ? udp_checksum(src, dst, l4, udp_len)
                                   : checksum_fold(pseudo_header_sum(src, dst, ip_protocol_udp,
                                                                     static_cast<std::uint16_t>(udp_len))));
    }
    udp_frame out;
    out.frame_length = static_cast<std::uint32_t>(offset + payload_length);
    out.l2_length = static_cast<std::uint8_t>(l2_len);
    out.l3_length = static_cast<std::uint8_t>(l3_len);
    return out;
}

udp_frame finish_udp_reply(const l3_config& cfg, const udp_datagram& d, std::span<std::uint8_t> frame,
                           std::size_t payload_length, checksum_mode mode) noexcept {
    if (frame.size() < ethernet_header_size) return {};
    udp_route route;
    route.source_mac = cfg.mac;
    // The requester's MAC: the Ethernet header is never overwritten by the payload.
    route.destination_mac = load_mac(frame.data() + 6);
    route.has_vlan = d.has_vlan;
    route.vlan_tci = d.vlan_tci;
    route.source = d.destination;
    route.destination = d.source;
    route.ttl = cfg.reply_ttl;
    return write_udp_headers(route, frame, payload_length, mode);
}

} // namespace strato::net
