#include "dataplane/net/ethernet.hpp"

namespace strato::net {

using wire::drop_reason;

drop_reason parse_ethernet(const std::uint8_t* frame, std::size_t len, ethernet_frame& out) noexcept {
    if (len < ethernet_header_size) return drop_reason::truncated;
    out.destination = load_mac(frame);
    out.source = load_mac(frame + 6);
    if (is_group(out.source)) return drop_reason::bad_ethernet;
    std::uint16_t type = load_u16(frame + 12);
    out.has_vlan = false;
    out.vlan_tci = 0;
    out.header_size = ethernet_header_size;
    if (type == ethertype_vlan) {
        if (len < ethernet_header_size + vlan_tag_size) return drop_reason::truncated;
        out.has_vlan = true;
        out.vlan_tci = load_u16(frame + 14);
        out.header_size = ethernet_header_size + vlan_tag_size;
        type = load_u16(frame + 16);
        // One tag only: a stacked tag would need the outer one to mean something.
        if (type == ethertype_vlan || type == ethertype_qinq) return drop_reason::bad_ethernet;
    }
    // IEEE 802.3 §3.2.6: values below 0x0600 are 802.3 lengths (LLC frames).
    if (type < 0x0600) return drop_reason::unsupported_ethertype;
    out.ethertype = type;
    return drop_reason::none;
}

std::size_t write_ethernet(std::uint8_t* frame, const mac_address& dst, const mac_address& src,
                           std::uint16_t ethertype, bool has_vlan, std::uint16_t vlan_tci) noexcept {
    store(frame, dst);
    store(frame + 6, src);
    if (has_vlan) {
        store_u16(frame + 12, ethertype_vlan);
        store_u16(frame + 14, vlan_tci);
        store_u16(frame + 16, ethertype);
        return ethernet_header_size + vlan_tag_size;
    }
    store_u16(frame + 12, ethertype);
    return ethernet_header_size;
}

} // namespace strato::net
