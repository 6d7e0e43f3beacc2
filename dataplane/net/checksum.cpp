#include "dataplane/net/checksum.hpp"

namespace strato::net {

std::uint32_t pseudo_header_sum(const ipv4_address& src, const ipv4_address& dst, std::uint8_t protocol,
                                std::uint16_t length) noexcept {
    std::uint32_t acc = checksum_add(src.bytes.data(), 4);
    acc = checksum_add(dst.bytes.data(), 4, acc);
    return acc + protocol + length;
}

std::uint32_t pseudo_header_sum(const ipv6_address& src, const ipv6_address& dst, std::uint8_t next_header,
                                std::uint32_t length) noexcept {
    std::uint32_t acc = checksum_add(src.bytes.data(), 16);
    acc = checksum_add(dst.bytes.data(), 16, acc);
    return acc + (length >> 16) + (length & 0xffffu) + next_header;
}

} // namespace strato::net
