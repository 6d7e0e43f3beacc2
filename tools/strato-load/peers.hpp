#pragma once
// Simulated peers: the only state kept per peer is what a reply must be
// matched against, 8 bytes, so 100 million peers fit in 800 MB and a million
// in 8 MB. Everything else a peer has (its tag, its source address and port)
// is derived from its index and the request nonce when needed.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/wire/bytes.hpp"
#include "dataplane/wire/mix.hpp"

namespace strato::load {

struct peer_state {
    // Low 32 bits of the send time in ns (the latency of a reply is the
    // wrapping difference, exact up to 4.29 s).
    std::uint32_t sent_ns = 0;
    // The random nonce of the request in flight; 0 = nothing outstanding.
    std::uint32_t nonce = 0;
};
static_assert(sizeof(peer_state) == 8, "per-peer state must stay compact");

inline constexpr std::size_t min_tag_size = 16;
inline constexpr std::size_t max_tag_size = 64;  // stratod refuses longer tags

// Tags that look random on the wire but carry the peer index and nonce, so
// a reply is matched without a lookup table (RFC 7016 §3.5.1.1: the tag is
// opaque to the responder, which echoes it). Layout:
//   nonce (4) | peer ^ mix(key, nonce) (4) | keyed PRF of (peer, nonce) (rest)
// A reply whose PRF bytes do not match was not made from one of our tags.
class tag_codec {
public:
    explicit tag_codec(std::uint64_t key) noexcept : key_(key) {}
    void write(std::uint32_t peer, std::uint32_t nonce, wire::mutable_bytes tag) const noexcept;
    // False when the tag is too short, too long or its PRF bytes do not match.
    [[nodiscard]] bool read(wire::bytes tag, std::uint32_t& peer, std::uint32_t& nonce) const noexcept;

private:
    std::uint64_t key_;
};

// splitmix64 of x (one step from state x): cheap, well mixed, and not a
// security boundary here.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept { return wire::splitmix64_next(x); }

// A small non-cryptographic PRNG for nonces, garbage bytes and choices in
// the packet loop (xorshift64*).
class fast_random {
public:
    explicit fast_random(std::uint64_t seed) noexcept : s_(seed ? seed : 0x2545f4914f6cdd1dull) {}
    std::uint64_t next() noexcept {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545f4914f6cdd1dull;
    }
    std::uint32_t nonzero32() noexcept {
        for (;;) {
            const auto v = static_cast<std::uint32_t>(next() >> 32);
            if (v != 0) return v;
        }
    }
    void fill(wire::mutable_bytes out) noexcept;

private:
    std::uint64_t s_;
};

} // namespace strato::load
