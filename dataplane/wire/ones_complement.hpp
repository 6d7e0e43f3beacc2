#pragma once
// The one's complement sum behind both checksums on the fast path: the
// Internet checksum (RFC 1071, dataplane/net) and the RTMFP checksum
// (RFC 7425 §4.7.3.1, wire::checksum). Native-endian 32-bit loads into a
// 64-bit accumulator, folded once and byte-swapped at the end: the sum is
// byte-order independent (RFC 1071 §2(B)), so this equals the sum of
// big-endian 16-bit words, at four bytes per add instead of two.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace strato::wire {

// The folded (16-bit, not complemented) sum of the big-endian 16-bit words of
// p[0, n); n must be even.
inline std::uint16_t ones_complement_sum_even(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t a = 0, b = 0;
    std::size_t i = 0;
    // Two accumulators of 32-bit words: 2^32 adds before either could
    // overflow, far beyond any frame.
    for (; i + 16 <= n; i += 16) {
        std::uint32_t w[4];
        std::memcpy(w, p + i, 16);
        a += w[0];
        b += w[1];
        a += w[2];
        b += w[3];
    }
    for (; i + 4 <= n; i += 4) {
        std::uint32_t w;
        std::memcpy(&w, p + i, 4);
        a += w;
    }
    if (i + 2 <= n) {
        std::uint16_t w;
        std::memcpy(&w, p + i, 2);
        b += w;
    }
    std::uint64_t sum = a + b;  // cannot overflow: each is < 2^62
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    auto folded = static_cast<std::uint16_t>(sum);
    if constexpr (std::endian::native == std::endian::little) folded = static_cast<std::uint16_t>(folded << 8 | folded >> 8);
    return folded;
}

} // namespace strato::wire
