#include "tools/strato-load/peers.hpp"

#include <cstring>

namespace strato::load {

namespace {

void put32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
std::uint32_t get32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Fills out with the PRF stream of (key, peer, nonce).
void prf(std::uint64_t key, std::uint32_t peer, std::uint32_t nonce, std::uint8_t* out, std::size_t n) noexcept {
    std::uint64_t state = mix64(key ^ ((std::uint64_t{peer} << 32) | nonce));
    for (std::size_t i = 0; i < n; i += 8) {
        state = mix64(state);
        std::uint8_t word[8];
        std::memcpy(word, &state, 8);
        std::memcpy(out + i, word, n - i < 8 ? n - i : 8);
    }
}

} // namespace

void tag_codec::write(std::uint32_t peer, std::uint32_t nonce, wire::mutable_bytes tag) const noexcept {
    if (tag.size() < min_tag_size) return;
    put32(tag.data(), nonce);
    put32(tag.data() + 4, peer ^ static_cast<std::uint32_t>(mix64(key_ + nonce)));
    prf(key_, peer, nonce, tag.data() + 8, tag.size() - 8);
}

bool tag_codec::read(wire::bytes tag, std::uint32_t& peer, std::uint32_t& nonce) const noexcept {
    if (tag.size() < min_tag_size || tag.size() > max_tag_size) return false;
    nonce = get32(tag.data());
    peer = get32(tag.data() + 4) ^ static_cast<std::uint32_t>(mix64(key_ + nonce));
    std::uint8_t expect[max_tag_size];
    prf(key_, peer, nonce, expect, tag.size() - 8);
    return std::memcmp(expect, tag.data() + 8, tag.size() - 8) == 0;
}

void fast_random::fill(wire::mutable_bytes out) noexcept {
    std::size_t i = 0;
    while (i < out.size()) {
        const std::uint64_t v = next();
        const std::size_t n = out.size() - i < 8 ? out.size() - i : 8;
        std::memcpy(out.data() + i, &v, n);
        i += n;
    }
}

} // namespace strato::load
