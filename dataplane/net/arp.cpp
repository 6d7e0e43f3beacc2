#include "dataplane/net/arp.hpp"

namespace strato::net {

using wire::drop_reason;

namespace {
// Offsets inside the ARP packet (RFC 826, Ethernet hardware, IPv4 protocol).
constexpr std::size_t hrd = 0, pro = 2, hln = 4, pln = 5, op = 6, sha = 8, spa = 14, tha = 18, tpa = 24;
} // namespace

classification handle_arp(const l3_config& cfg, const ethernet_frame& eth, std::uint8_t* frame,
                          std::size_t len, neighbour_cache* cache, std::uint64_t now) noexcept {
    if (eth.destination != cfg.mac && eth.destination != broadcast_mac)
        return classification::dropped(drop_reason::not_for_us);
    if (len < eth.header_size + arp_packet_size) return classification::dropped(drop_reason::truncated);
    std::uint8_t* a = frame + eth.header_size;
    if (load_u16(a + hrd) != arp_hrd_ethernet || load_u16(a + pro) != ethertype_ipv4 || a[hln] != 6 ||
        a[pln] != 4)
        return classification::dropped(drop_reason::bad_arp);
    const std::uint16_t opcode = load_u16(a + op);
    if (opcode != arp_op_request && opcode != arp_op_reply) return classification::dropped(drop_reason::bad_arp);

    const mac_address sender_mac = load_mac(a + sha);
    const ipv4_address sender_ip = load_ipv4(a + spa);
    const ipv4_address target_ip = load_ipv4(a + tpa);
    // A group sender hardware address would turn our reply into a broadcast.
    if (is_group(sender_mac)) return classification::dropped(drop_reason::bad_arp);
    // Someone else claims one of our addresses: never learn it, never answer.
    if (find_ipv4(cfg, sender_ip) >= 0) return classification::dropped(drop_reason::bad_arp);

    // RFC 5227 §1.1: a probe has sender 0.0.0.0; it gets an answer but
    // teaches us nothing.
    const bool sender_known = sender_ip != ipv4_address{};
    // RFC 826 "merge_flag": refresh an existing entry whoever the target is.
    bool merged = false;
    if (cache && sender_known) merged = cache->update(sender_ip, sender_mac, now);

    const int ours = find_ipv4(cfg, target_ip);
    // Gratuitous ARP (sender == target) and requests for other hosts stop here.
    if (ours < 0) return classification::dropped(drop_reason::not_for_us);

    // Learn only on-link senders: an off-link address in ARP is bogus, and
    // this keeps strangers from filling the table.
    if (cache && sender_known && !merged && on_link(cfg, sender_ip)) cache->learn(sender_ip, sender_mac, now);

    if (opcode == arp_op_reply) return classification::absorbed();

    // RFC 826: swap sender and target, put our hardware address in as the
    // sender, set the opcode to reply, send it to the requester.
    store_u16(a + op, arp_op_reply);
    store(a + tha, sender_mac);
    store(a + tpa, sender_ip);
    store(a + sha, cfg.mac);
    store(a + spa, target_ip);
    store(frame, eth.source);
    store(frame + 6, cfg.mac);
    return classification::replied(eth.header_size + arp_packet_size);
}

std::size_t build_arp_request(const l3_config& cfg, const ipv4_address& target, bool has_vlan,
                              std::uint16_t vlan_tci, std::span<std::uint8_t> out) noexcept {
    const std::size_t l2 = has_vlan ? ethernet_header_size + vlan_tag_size : ethernet_header_size;
    if (cfg.ipv4_count == 0 || out.size() < l2 + arp_packet_size) return 0;
    std::uint8_t* f = out.data();
    write_ethernet(f, broadcast_mac, cfg.mac, ethertype_arp, has_vlan, vlan_tci);
    std::uint8_t* a = f + l2;
    store_u16(a + hrd, arp_hrd_ethernet);
    store_u16(a + pro, ethertype_ipv4);
    a[hln] = 6;
    a[pln] = 4;
    store_u16(a + op, arp_op_request);
    store(a + sha, cfg.mac);
    store(a + spa, source_for(cfg, target));
    store(a + tha, mac_address{});  // RFC 826: not known yet, ignored by the target
    store(a + tpa, target);
    return l2 + arp_packet_size;
}

} // namespace strato::net
