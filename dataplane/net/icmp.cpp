#include "dataplane/net/icmp.hpp"

#include <cstring>

#include "dataplane/net/checksum.hpp"
#include "dataplane/net/ndp.hpp"

namespace strato::net {

using wire::drop_reason;

classification handle_icmpv4(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                             const ipv4_packet& ip) noexcept {
    std::uint8_t* l3 = frame + eth.header_size;
    std::uint8_t* msg = l3 + ip.header_size;
    const std::size_t msg_len = ip.total_length - ip.header_size;
    if (msg_len < icmp_header_size) return classification::dropped(drop_reason::bad_icmp);
    // RFC 792: the checksum covers the whole ICMP message.
    if (checksum_fold(checksum_add(msg, msg_len)) != 0xffff) return classification::dropped(drop_reason::bad_icmp);
    if (msg[0] != icmp_echo_request) return classification::dropped(drop_reason::unsupported_ip_protocol);
    if (msg[1] != 0) return classification::dropped(drop_reason::bad_icmp);

    // RFC 792: echo reply = the request with type 0; only the type word
    // changes, so patch the checksum incrementally (RFC 1624) instead of
    // summing the data again.
    const std::uint16_t old_word = load_u16(msg);
    msg[0] = icmp_echo_reply;
    store_u16(msg + 2, checksum_update(load_u16(msg + 2), old_word, load_u16(msg)));
    // Options (record route, timestamps, source routes) are not echoed: move
    // the message up against a plain 20-byte header.
    if (ip.header_size != ipv4_header_size) {
        std::memmove(l3 + ipv4_header_size, msg, msg_len);
    }
    const std::size_t total = ipv4_header_size + msg_len;
    write_ipv4_header(l3, ip.destination, ip.source, ip_protocol_icmp, static_cast<std::uint16_t>(total),
                      cfg.reply_ttl, true);
    reverse_ethernet(frame, cfg.mac);
    return classification::replied(eth.header_size + total);
}

namespace {

classification echo_v6(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                       const ipv6_packet& ip) noexcept {
    // RFC 4443 §4.1: echo requests to a multicast group may be answered, but
    // ours are the ND groups only, and we do not.
    if (ip.multicast_destination) return classification::dropped(drop_reason::not_for_us);
    // RFC 4291 §2.5.2: only Neighbor Discovery may come from the unspecified address.
    if (is_unspecified(ip.source)) return classification::dropped(drop_reason::bad_ipv6_header);
    std::uint8_t* l3 = frame + eth.header_size;
    std::uint8_t* msg = l3 + ip.upper_offset;
    if (msg[1] != 0) return classification::dropped(drop_reason::bad_icmp);
    // RFC 4443 §4.2. Swapping source and destination leaves the
    // pseudo-header sum unchanged, so again only the type word is patched.
    const std::uint16_t old_word = load_u16(msg);
    msg[0] = icmpv6_echo_reply;
    store_u16(msg + 2, checksum_update(load_u16(msg + 2), old_word, load_u16(msg)));
    // Extension headers are not echoed.
    if (ip.upper_offset != ipv6_header_size) std::memmove(l3 + ipv6_header_size, msg, ip.upper_length);
    write_ipv6_header(l3, ip.destination, ip.source, ip_protocol_icmpv6, ip.upper_length, cfg.reply_ttl);
    reverse_ethernet(frame, cfg.mac);
    return classification::replied(eth.header_size + ipv6_header_size + ip.upper_length);
}

} // namespace

classification handle_icmpv6(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                             std::size_t capacity, const ipv6_packet& ip, neighbour_cache* cache,
                             std::uint64_t now) noexcept {
    const std::uint8_t* msg = frame + eth.header_size + ip.upper_offset;
    if (ip.upper_length < 4) return classification::dropped(drop_reason::bad_icmp);
    // RFC 4443 §2.3: the checksum includes the RFC 8200 §8.1 pseudo-header.
    std::uint32_t sum = pseudo_header_sum(ip.source, ip.destination, ip_protocol_icmpv6, ip.upper_length);
    if (checksum_fold(checksum_add(msg, ip.upper_length, sum)) != 0xffff)
        return classification::dropped(drop_reason::bad_icmp);
    switch (msg[0]) {
    case icmpv6_echo_request:
        if (ip.upper_length < icmp_header_size) return classification::dropped(drop_reason::bad_icmp);
        return echo_v6(cfg, eth, frame, ip);
    case nd_neighbor_solicitation:
        return handle_neighbor_solicitation(cfg, eth, frame, capacity, ip, cache, now);
    case nd_neighbor_advertisement:
        return handle_neighbor_advertisement(cfg, eth, frame, ip, cache, now);
    default:
        if (ip.multicast_destination) return classification::dropped(drop_reason::not_for_us);
        return classification::dropped(drop_reason::unsupported_ip_protocol);
    }
}

} // namespace strato::net
