#pragma once
// The one 64-bit integer mixer for hash tables and synthetic IDs: the
// splitmix64 finaliser (Steele, Lea, Flood 2014; Stafford's "Mix13"
// constants). Not a defence against chosen keys: tables fed by remote
// input add a per-process seed or hash with SHA-256 first.
#include <cstdint>

namespace strato::wire {

constexpr std::uint64_t mix64(std::uint64_t h) noexcept {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

// splitmix64: the next value of a cheap deterministic generator (benchmarks,
// load generation; never keys or nonces).
constexpr std::uint64_t splitmix64_next(std::uint64_t& state) noexcept {
    state += 0x9e3779b97f4a7c15ull;
    return mix64(state);
}

} // namespace strato::wire
