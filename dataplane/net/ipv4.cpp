#include "dataplane/net/ipv4.hpp"

#include "dataplane/net/checksum.hpp"

namespace strato::net {

using wire::drop_reason;

drop_reason parse_ipv4(const l3_config& cfg, const std::uint8_t* p, std::size_t len, bool checksum_verified,
                       ipv4_packet& out) noexcept {
    if (len < ipv4_header_size) return drop_reason::truncated;
    if ((p[0] >> 4) != 4) return drop_reason::bad_ipv4_header;
    const std::size_t ihl = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    if (ihl < ipv4_header_size) return drop_reason::bad_ipv4_header;  // RFC 791: IHL >= 5
    if (len < ihl) return drop_reason::truncated;
    const std::uint16_t total = load_u16(p + 2);
    if (total < ihl) return drop_reason::bad_ipv4_header;
    if (total > len) return drop_reason::truncated;
    // RFC 1071: summing a header that includes its own checksum gives 0xffff.
    if (!checksum_verified && checksum_fold(checksum_add(p, ihl)) != 0xffff)
        return drop_reason::bad_ipv4_checksum;
    // RFC 791: MF flag (bit 2 of the flags) or a non-zero fragment offset.
    if ((load_u16(p + 6) & 0x3fff) != 0) return drop_reason::ip_fragment;
    out.source = load_ipv4(p + 12);
    out.destination = load_ipv4(p + 16);
    if (find_ipv4(cfg, out.destination) < 0) return drop_reason::not_for_us;
    if (!is_unicast_source(out.source)) return drop_reason::bad_ipv4_header;
    out.protocol = p[9];
    out.ttl = p[8];
    out.header_size = static_cast<std::uint16_t>(ihl);
    out.total_length = total;
    return drop_reason::none;
}

void write_ipv4_header(std::uint8_t* p, const ipv4_address& src, const ipv4_address& dst, std::uint8_t protocol,
                       std::uint16_t total_length, std::uint8_t ttl, bool compute_checksum) noexcept {
    p[0] = 0x45;  // version 4, IHL 5
    p[1] = 0;
    store_u16(p + 2, total_length);
    store_u16(p + 4, 0);
    store_u16(p + 6, 0x4000);  // DF
    p[8] = ttl;
    p[9] = protocol;
    store_u16(p + 10, 0);
    store(p + 12, src);
    store(p + 16, dst);
    if (compute_checksum) store_u16(p + 10, checksum_finish(checksum_add(p, ipv4_header_size)));
}

} // namespace strato::net
