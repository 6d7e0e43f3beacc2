#pragma once
// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
// complement sum of the data taken as big-endian 16-bit words. Sums are kept
// unfolded in 32 bits while they are accumulated and folded once at the end.
#include <cstddef>
#include <cstdint>

#include "dataplane/net/types.hpp"
#include "dataplane/wire/ones_complement.hpp"

namespace strato::net {

// Folds the carries back in (RFC 1071 §2(C)); the result is not complemented.
constexpr std::uint16_t checksum_fold(std::uint64_t sum) noexcept {
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

// Adds n bytes at p to acc (an odd trailing byte is padded with zero,
// RFC 1071 §4.1). Callers chain calls for discontiguous pieces, each
// piece but the last of even length. Inline: most calls sum a few
// fixed-size header fields several times per packet.
inline std::uint32_t checksum_add(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) noexcept {
    const std::size_t even = n & ~std::size_t{1};
    std::uint64_t sum = std::uint64_t{acc} + wire::ones_complement_sum_even(p, even);
    if (even < n) sum += static_cast<std::uint32_t>(p[even] << 8);
    // 16 bits plus at most one carry: fits the next call's 32-bit acc.
    return checksum_fold(sum);
}

// The value to put in a checksum field covering data summing to acc.
constexpr std::uint16_t checksum_finish(std::uint32_t acc) noexcept {
    return static_cast<std::uint16_t>(~checksum_fold(acc));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') when one 16-bit word m of the
// covered data becomes m'. Never produces 0x0000 from a non-zero-sum block,
// which is the flaw of the RFC 1141 formula.
constexpr std::uint16_t checksum_update(std::uint16_t hc, std::uint16_t old_word,
                                        std::uint16_t new_word) noexcept {
    std::uint32_t sum = static_cast<std::uint16_t>(~hc);
    sum += static_cast<std::uint16_t>(~old_word);
    sum += new_word;
    return static_cast<std::uint16_t>(~checksum_fold(sum));
}

// Pseudo-header sums for the transport checksums.
// RFC 768 / RFC 793: source, destination, zero, protocol, transport length.
std::uint32_t pseudo_header_sum(const ipv4_address& src, const ipv4_address& dst, std::uint8_t protocol,
                                std::uint16_t length) noexcept;
// RFC 8200 §8.1: source, destination, 32-bit upper-layer length, three zero
// bytes, next header.
std::uint32_t pseudo_header_sum(const ipv6_address& src, const ipv6_address& dst, std::uint8_t next_header,
                                std::uint32_t length) noexcept;

} // namespace strato::net
