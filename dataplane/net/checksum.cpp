#include "dataplane/net/checksum.hpp"

namespace strato::net {

std::uint32_t checksum_add(const std::uint8_t* p, std::size_t n, std::uint32_t acc) noexcept {
    // 64-bit accumulator: 2^48 words before it could overflow, far beyond any
    // frame, so carries are folded only once (RFC 1071 §2(B) deferred carries).
    std::uint64_t sum = acc;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
        sum += static_cast<std::uint32_t>((p[i + 2] << 8) | p[i + 3]);
        sum += static_cast<std::uint32_t>((p[i + 4] << 8) | p[i + 5]);
        sum += static_cast<std::uint32_t>((p[i + 6] << 8) | p[i + 7]);
    }
    for (; i + 2 <= n; i += 2) sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
    if (i < n) sum += static_cast<std::uint32_t>(p[i] << 8);
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
