#include "dataplane/net/checksum.hpp"

#include "dataplane/wire/ones_complement.hpp"

namespace strato::net {

std::uint32_t checksum_add(const std::uint8_t* p, std::size_t n, std::uint32_t acc) noexcept {
    const std::size_t even = n & ~std::size_t{1};
    std::uint64_t sum = std::uint64_t{acc} + wire::ones_complement_sum_even(p, even);
    if (even < n) sum += static_cast<std::uint32_t>(p[even] << 8);  // RFC 1071 §4.1: pad with zero
    // Fold to 16 bits plus at most one carry so the result fits the
    // 32-bit accumulator of the next call.
    return checksum_fold(sum);
}

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
