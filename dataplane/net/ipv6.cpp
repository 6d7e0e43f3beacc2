#include "dataplane/net/ipv6.hpp"

namespace strato::net {

using wire::drop_reason;

namespace {

// RFC 8200 §4.2: walk the TLV-encoded options of a Hop-by-Hop or
// Destination Options header (h: the header, n: its full length).
drop_reason check_options(const std::uint8_t* h, std::size_t n) noexcept {
    std::size_t i = 2;
    while (i < n) {
        const std::uint8_t type = h[i];
        if (type == 0) {  // Pad1
            ++i;
            continue;
        }
        if (i + 2 > n) return drop_reason::bad_ipv6_header;
        const std::size_t opt_len = h[i + 1];
        if (i + 2 + opt_len > n) return drop_reason::bad_ipv6_header;
        // PadN (1) and Router Alert (5, RFC 2711) need nothing from a host.
        // For anything else the two high-order bits say what to do with an
        // unrecognised option: 00 skip it, otherwise discard the packet (we
        // send no ICMP Parameter Problem).
        if (type != 1 && type != 5 && (type & 0xc0) != 0) return drop_reason::bad_ipv6_header;
        i += 2 + opt_len;
    }
    return drop_reason::none;
}

} // namespace

drop_reason parse_ipv6(const l3_config& cfg, const std::uint8_t* p, std::size_t len, ipv6_packet& out) noexcept {
    if (len < ipv6_header_size) return drop_reason::truncated;
    if ((p[0] >> 4) != 6) return drop_reason::bad_ipv6_header;
    const std::uint16_t payload_length = load_u16(p + 4);
    // Zero means a Jumbo Payload option (RFC 2675), which Ethernet never carries.
    if (payload_length == 0) return drop_reason::bad_ipv6_header;
    if (ipv6_header_size + payload_length > len) return drop_reason::truncated;
    out.source = load_ipv6(p + 8);
    out.destination = load_ipv6(p + 24);
    out.hop_limit = p[7];
    // RFC 4291 §2.7: multicast addresses must not be used as source.
    if (is_multicast(out.source)) return drop_reason::bad_ipv6_header;
    out.multicast_destination = false;
    if (find_ipv6(cfg, out.destination) < 0) {
        if (out.destination != all_nodes_ipv6 && find_solicited_node(cfg, out.destination) < 0)
            return drop_reason::not_for_us;
        out.multicast_destination = true;
    }

    const std::size_t end = ipv6_header_size + payload_length;
    std::size_t at = ipv6_header_size;
    std::uint8_t next = p[6];
    for (unsigned n = 0;; ++n) {
        switch (next) {
        case ipv6_hop_by_hop:
        case ipv6_routing:
        case ipv6_destination_options: {
            if (n == ipv6_max_extension_headers) return drop_reason::bad_ipv6_header;
            // RFC 8200 §4.3: Hop-by-Hop only immediately after the IPv6 header.
            if (next == ipv6_hop_by_hop && n != 0) return drop_reason::bad_ipv6_header;
            if (at + 8 > end) return drop_reason::bad_ipv6_header;
            const std::uint8_t* h = p + at;
            // RFC 8200 §4.3-4.6: Hdr Ext Len in 8-octet units, not counting the first 8.
            const std::size_t size = (static_cast<std::size_t>(h[1]) + 1) * 8;
            if (at + size > end) return drop_reason::bad_ipv6_header;
            if (next == ipv6_routing) {
                // RFC 8200 §4.4: Segments Left > 0 means the packet is to
                // be forwarded to another node; we are not a router.
                if (h[3] != 0) return drop_reason::not_for_us;
            } else if (auto r = check_options(h, size); r != drop_reason::none) {
                return r;
            }
            next = h[0];
            at += size;
            continue;
        }
        case ipv6_fragment:
            return drop_reason::ip_fragment;
        case ipv6_no_next_header:
            return drop_reason::unsupported_ip_protocol;
        default:
            break;
        }
        break;
    }
    out.next_header = next;
    out.upper_offset = static_cast<std::uint16_t>(at);
    out.upper_length = static_cast<std::uint16_t>(end - at);
    return drop_reason::none;
}

void write_ipv6_header(std::uint8_t* p, const ipv6_address& src, const ipv6_address& dst,
                       std::uint8_t next_header, std::uint16_t payload_length, std::uint8_t hop_limit) noexcept {
    p[0] = 0x60;
    p[1] = 0;
    p[2] = 0;
    p[3] = 0;
    store_u16(p + 4, payload_length);
    p[6] = next_header;
    p[7] = hop_limit;
    store(p + 8, src);
    store(p + 24, dst);
}

} // namespace strato::net
