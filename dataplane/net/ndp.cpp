#include "dataplane/net/ndp.hpp"

#include "dataplane/net/checksum.hpp"

namespace strato::net {

using wire::drop_reason;

namespace {

// RFC 4861 §4.6: walks the options after the fixed part; every option must
// have a non-zero length and fit. Remembers the first link-layer option of
// the wanted type (length 1 for Ethernet, RFC 4861 §4.6.1).
bool walk_options(const std::uint8_t* p, std::size_t n, std::uint8_t wanted, const std::uint8_t*& lla) noexcept {
    lla = nullptr;
    std::size_t i = 0;
    while (i < n) {
        if (i + 2 > n) return false;
        const std::size_t size = static_cast<std::size_t>(p[i + 1]) * 8;
        if (size == 0 || i + size > n) return false;
        if (p[i] == wanted && !lla && size == nd_link_layer_option_size) lla = p + i + 2;
        i += size;
    }
    return true;
}

} // namespace

classification handle_neighbor_solicitation(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                                            std::size_t capacity, const ipv6_packet& ip,
                                            neighbour_cache* cache, std::uint64_t now) noexcept {
    std::uint8_t* l3 = frame + eth.header_size;
    const std::uint8_t* msg = l3 + ip.upper_offset;
    // RFC 4861 §7.1.1 validity checks.
    if (ip.hop_limit != nd_hop_limit || msg[1] != 0 || ip.upper_length < nd_message_size)
        return classification::dropped(drop_reason::bad_icmp);
    const ipv6_address target = load_ipv6(msg + 8);
    if (is_multicast(target)) return classification::dropped(drop_reason::bad_icmp);
    const std::uint8_t* sllao = nullptr;
    if (!walk_options(msg + nd_message_size, ip.upper_length - nd_message_size, nd_option_source_link_layer,
                      sllao))
        return classification::dropped(drop_reason::bad_icmp);
    if (sllao && is_group(load_mac(sllao))) return classification::dropped(drop_reason::bad_icmp);
    const bool dad = is_unspecified(ip.source);
    // A DAD probe goes to the solicited-node group and carries no SLLAO.
    if (dad && (!ip.multicast_destination || sllao)) return classification::dropped(drop_reason::bad_icmp);
    // ff02::1 is not a valid destination for a solicitation.
    if (ip.multicast_destination && ip.destination == all_nodes_ipv6)
        return classification::dropped(drop_reason::bad_icmp);
    if (find_ipv6(cfg, target) < 0) return classification::dropped(drop_reason::not_for_us);

    // RFC 4861 §7.2.3: learn the sender's link-layer address from its SLLAO.
    if (cache && sllao && !dad) cache->learn(ip.source, load_mac(sllao), now);

    // RFC 4861 §7.2.4: reply to the source, or to all-nodes for DAD, with
    // S set only in the unicast case. The TLLA option is mandatory when the
    // solicitation was multicast and may be left out otherwise, which is
    // what we do when the buffer has no room for it.
    const std::size_t l2 = eth.header_size;
    bool with_tlla = capacity >= l2 + ipv6_header_size + nd_message_size + nd_link_layer_option_size;
    if (!with_tlla && (ip.multicast_destination || capacity < l2 + ipv6_header_size + nd_message_size))
        return classification::dropped(drop_reason::truncated);
    const mac_address dst_mac = dad ? multicast_mac(all_nodes_ipv6) : (sllao ? load_mac(sllao) : eth.source);
    const ipv6_address dst_ip = dad ? all_nodes_ipv6 : ip.source;
    const std::uint16_t icmp_len =
        static_cast<std::uint16_t>(nd_message_size + (with_tlla ? nd_link_layer_option_size : 0));

    write_ipv6_header(l3, target, dst_ip, ip_protocol_icmpv6, icmp_len, nd_hop_limit);
    std::uint8_t* na = l3 + ipv6_header_size;
    na[0] = nd_neighbor_advertisement;
    na[1] = 0;
    store_u16(na + 2, 0);
    // We are a host (R clear); our address is ours, so O is set.
    na[4] = static_cast<std::uint8_t>(na_flag_override | (dad ? 0 : na_flag_solicited));
    na[5] = na[6] = na[7] = 0;
    store(na + 8, target);
    if (with_tlla) {
        na[24] = nd_option_target_link_layer;
        na[25] = 1;
        store(na + 26, cfg.mac);
    }
    const std::uint32_t sum = pseudo_header_sum(target, dst_ip, ip_protocol_icmpv6, icmp_len);
    store_u16(na + 2, checksum_finish(checksum_add(na, icmp_len, sum)));
    store(frame, dst_mac);
    store(frame + 6, cfg.mac);
    return classification::replied(l2 + ipv6_header_size + icmp_len);
}

classification handle_neighbor_advertisement(const l3_config& cfg, const ethernet_frame& eth,
                                             std::uint8_t* frame, const ipv6_packet& ip,
                                             neighbour_cache* cache, std::uint64_t now) noexcept {
    const std::uint8_t* msg = frame + eth.header_size + ip.upper_offset;
    // RFC 4861 §7.1.2 validity checks.
    if (ip.hop_limit != nd_hop_limit || msg[1] != 0 || ip.upper_length < nd_message_size)
        return classification::dropped(drop_reason::bad_icmp);
    const ipv6_address target = load_ipv6(msg + 8);
    if (is_multicast(target)) return classification::dropped(drop_reason::bad_icmp);
    const bool solicited = (msg[4] & na_flag_solicited) != 0;
    if (ip.multicast_destination && solicited) return classification::dropped(drop_reason::bad_icmp);
    const std::uint8_t* tllao = nullptr;
    if (!walk_options(msg + nd_message_size, ip.upper_length - nd_message_size, nd_option_target_link_layer,
                      tllao))
        return classification::dropped(drop_reason::bad_icmp);
    // Someone advertising one of our own addresses: a duplicate, not a neighbour.
    if (find_ipv6(cfg, target) >= 0) return classification::dropped(drop_reason::not_for_us);
    if (cache && tllao) {
        const mac_address mac = load_mac(tllao);
        if (is_group(mac)) return classification::dropped(drop_reason::bad_icmp);
        if (solicited && !ip.multicast_destination && on_link(cfg, target))
            cache->learn(target, mac, now);
        else if (msg[4] & na_flag_override)
            (void)cache->update(target, mac, now);
    }
    return classification::absorbed();
}

std::size_t build_neighbor_solicitation(const l3_config& cfg, const ipv6_address& target, bool has_vlan,
                                        std::uint16_t vlan_tci, std::span<std::uint8_t> out) noexcept {
    const std::size_t l2 = has_vlan ? ethernet_header_size + vlan_tag_size : ethernet_header_size;
    constexpr std::size_t icmp_len = nd_message_size + nd_link_layer_option_size;
    if (cfg.ipv6_count == 0 || out.size() < l2 + ipv6_header_size + icmp_len) return 0;
    std::uint8_t* f = out.data();
    const ipv6_address group = solicited_node(target);
    const ipv6_address src = source_for(cfg, target);
    write_ethernet(f, multicast_mac(group), cfg.mac, ethertype_ipv6, has_vlan, vlan_tci);
    write_ipv6_header(f + l2, src, group, ip_protocol_icmpv6, icmp_len, nd_hop_limit);
    std::uint8_t* ns = f + l2 + ipv6_header_size;
    ns[0] = nd_neighbor_solicitation;
    ns[1] = 0;
    store_u16(ns + 2, 0);
    ns[4] = ns[5] = ns[6] = ns[7] = 0;
    store(ns + 8, target);
    ns[24] = nd_option_source_link_layer;
    ns[25] = 1;
    store(ns + 26, cfg.mac);
    const std::uint32_t sum = pseudo_header_sum(src, group, ip_protocol_icmpv6, icmp_len);
    store_u16(ns + 2, checksum_finish(checksum_add(ns, icmp_len, sum)));
    return l2 + ipv6_header_size + icmp_len;
}

} // namespace strato::net
