#pragma once
// Ethernet II framing with at most one IEEE 802.1Q tag. The tag is left in the
// buffer untouched so that replies built in place go out on the same VLAN.
#include <cstddef>
#include <cstdint>

#include "dataplane/net/types.hpp"
#include "dataplane/wire/drop_reason.hpp"

namespace strato::net {

inline constexpr std::size_t ethernet_header_size = 14;
inline constexpr std::size_t vlan_tag_size = 4;

// IEEE registry values.
inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint16_t ethertype_vlan = 0x8100;   // IEEE 802.1Q C-tag
inline constexpr std::uint16_t ethertype_qinq = 0x88a8;   // IEEE 802.1ad S-tag
inline constexpr std::uint16_t ethertype_ipv6 = 0x86dd;

struct ethernet_frame {
    mac_address destination;
    mac_address source;
    std::uint16_t ethertype = 0;    // of the payload, after any tag
    std::uint16_t vlan_tci = 0;     // PCP, DEI and VID, valid when has_vlan
    bool has_vlan = false;
    std::uint8_t header_size = 0;   // 14 or 18: where the L3 header starts
};

// Parses the L2 header. Rejects runts, a second tag (QinQ is not supported)
// and group source addresses (IEEE 802.3 §3.2.3: a source is always an
// individual address), which would also make any reply a broadcast.
[[nodiscard]] wire::drop_reason parse_ethernet(const std::uint8_t* frame, std::size_t len,
                                               ethernet_frame& out) noexcept;

// Writes an L2 header (with a tag when has_vlan) at frame; returns its size.
std::size_t write_ethernet(std::uint8_t* frame, const mac_address& dst, const mac_address& src,
                           std::uint16_t ethertype, bool has_vlan, std::uint16_t vlan_tci) noexcept;

// Turns a received frame's header around in place: the sender becomes the
// destination and we become the source; the tag, if any, stays.
inline void reverse_ethernet(std::uint8_t* frame, const mac_address& ours) noexcept {
    std::uint8_t* dst = frame;
    const std::uint8_t* src = frame + 6;
    for (int i = 0; i < 6; ++i) dst[i] = src[i];
    store(frame + 6, ours);
}

} // namespace strato::net
