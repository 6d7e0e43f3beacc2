#include "crypto/sha.hpp"

#include <immintrin.h>
#include <intel-ipsec-mb.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

#include "crypto/imb.hpp"

namespace strato::crypto {

namespace {
constexpr std::size_t sha256_block = 64;

// ---------------------------------------------------------------------------
// HMAC-SHA256 from the precomputed ipad/opad states on SHA-NI, several
// messages interleaved. The job API costs ~90 cycles per compression for the
// one- and two-block messages of cookies (its manager bookkeeping dominates);
// four independent SHA-NI streams in lockstep hide the latency of
// SHA256RNDS2 and cost ~48 cycles per compression here. Written from FIPS
// 180-4 §6.2.2; the tests cross-check it against OpenSSL for every length
// class and burst shape.

// FIPS 180-4 §4.2.2.
alignas(16) constexpr std::uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

constexpr std::size_t ni_lanes = 4;

// Chaining state as IPsec-MB keeps it (and hmac_key stores it): eight
// 32-bit words a..h in host order.
struct alignas(16) sha_state {
    std::uint32_t h[8];
};

// One compression of one 64-byte block per lane, N lanes interleaved so the
// round instructions of different lanes overlap.
template <std::size_t N>
__attribute__((target("sha,sse4.1,ssse3"))) void compress_ni(sha_state* const* st,
                                                             const std::uint8_t* const* block) noexcept {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abef[N], cdgh[N], abef0[N], cdgh0[N], w[N][4];
#pragma GCC unroll 4
    for (std::size_t l = 0; l < N; ++l) {
        // SHA256RNDS2 wants the state as {a,b,e,f} and {c,d,g,h}, high to low.
        const __m128i dcba = _mm_shuffle_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(st[l]->h)), 0xb1);
        const __m128i efgh = _mm_shuffle_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(st[l]->h + 4)), 0x1b);
        abef[l] = abef0[l] = _mm_alignr_epi8(dcba, efgh, 8);
        cdgh[l] = cdgh0[l] = _mm_blend_epi16(efgh, dcba, 0xf0);
#pragma GCC unroll 4
        for (std::size_t q = 0; q < 4; ++q)
            w[l][q] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block[l] + 16 * q)), bswap);
    }
#pragma GCC unroll 16
    for (std::size_t i = 0; i < 16; ++i) {
        const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(sha256_k + 4 * i));
#pragma GCC unroll 4
        for (std::size_t l = 0; l < N; ++l) {
            if (i >= 4) {
                // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time.
                __m128i x = _mm_sha256msg1_epu32(w[l][i % 4], w[l][(i + 1) % 4]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[l][(i + 3) % 4], w[l][(i + 2) % 4], 4));
                w[l][i % 4] = _mm_sha256msg2_epu32(x, w[l][(i + 3) % 4]);
            }
            const __m128i wk = _mm_add_epi32(w[l][i % 4], k);
            cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], wk);
            abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], _mm_shuffle_epi32(wk, 0x0e));
        }
    }
#pragma GCC unroll 4
    for (std::size_t l = 0; l < N; ++l) {
        const __m128i feba = _mm_shuffle_epi32(_mm_add_epi32(abef[l], abef0[l]), 0x1b);
        const __m128i dchg = _mm_shuffle_epi32(_mm_add_epi32(cdgh[l], cdgh0[l]), 0xb1);
        _mm_store_si128(reinterpret_cast<__m128i*>(st[l]->h), _mm_blend_epi16(feba, dchg, 0xf0));
        _mm_store_si128(reinterpret_cast<__m128i*>(st[l]->h + 4), _mm_alignr_epi8(dchg, feba, 8));
    }
}

void compress_lanes(sha_state* const* st, const std::uint8_t* const* block, std::size_t n) noexcept {
    switch (n) {
    case 1: compress_ni<1>(st, block); break;
    case 2: compress_ni<2>(st, block); break;
    case 3: compress_ni<3>(st, block); break;
    case 4: compress_ni<4>(st, block); break;
    default: break;
    }
}

void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}

// Host-order state words to the big-endian digest bytes, 32 bytes.
__attribute__((target("ssse3"))) void store_digest(std::uint8_t* out, const sha_state& s) noexcept {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(s.h)), bswap));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16),
                     _mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(s.h + 4)), bswap));
}

// memcpy of n < 64 bytes without a library call: two overlapping moves of
// the largest power of two that fits.
void copy_small(std::uint8_t* d, const std::uint8_t* s, std::size_t n) noexcept {
    if (n >= 32) {
        std::memcpy(d, s, 32);
        std::memcpy(d + n - 32, s + n - 32, 32);
    } else if (n >= 16) {
        std::memcpy(d, s, 16);
        std::memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        std::memcpy(d, s, 8);
        std::memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        std::memcpy(d, s, 4);
        std::memcpy(d + n - 4, s + n - 4, 4);
    } else {
        for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
    }
}

// The outer block after the 32-byte inner digest: 0x80, zeros, and the bit
// length of key^opad block plus digest, (64 + 32) * 8 = 0x300.
alignas(16) constexpr std::uint8_t outer_tail[32] = {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                     0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x00};

// Up to ni_lanes HMACs. Full message blocks are read in place; the last one
// or two blocks (message tail, 0x80, zeros, bit length) are built here.
void hmac_lanes_ni(const hmac_op* ops, std::size_t n) noexcept {
    sha_state state[ni_lanes];
    alignas(16) std::uint8_t tail[ni_lanes][2 * sha256_block];
    std::size_t full[ni_lanes], blocks[ni_lanes], most = 0;
    for (std::size_t l = 0; l < n; ++l) {
        const hmac_op& op = ops[l];
        std::memcpy(state[l].h, op.key->ipad, sha256_size);
        full[l] = op.length / sha256_block;
        const std::size_t rest = op.length % sha256_block;
        const std::size_t tail_blocks = rest + 9 <= sha256_block ? 1 : 2;
        blocks[l] = full[l] + tail_blocks;
        most = blocks[l] > most ? blocks[l] : most;
        std::uint8_t* t = tail[l];
        std::memset(t, 0, sizeof tail[l]);
        copy_small(t, op.message + full[l] * sha256_block, rest);
        t[rest] = 0x80;
        // RFC 2104: the inner hash also covers the 64-byte key^ipad block.
        const std::size_t end = tail_blocks * sha256_block;
        const std::uint64_t bits = (static_cast<std::uint64_t>(op.length) + sha256_block) * 8;
        store_be32(t + end - 8, static_cast<std::uint32_t>(bits >> 32));
        store_be32(t + end - 4, static_cast<std::uint32_t>(bits));
    }
    sha_state* lane_state[ni_lanes];
    const std::uint8_t* lane_block[ni_lanes];
    for (std::size_t b = 0; b < most; ++b) {
        std::size_t k = 0;
        for (std::size_t l = 0; l < n; ++l) {
            if (b >= blocks[l]) continue;
            lane_state[k] = &state[l];
            lane_block[k++] = b < full[l] ? ops[l].message + b * sha256_block : tail[l] + (b - full[l]) * sha256_block;
        }
        compress_lanes(lane_state, lane_block, k);
    }
    // Outer hash: opad state, then one block holding the inner digest.
    for (std::size_t l = 0; l < n; ++l) {
        std::uint8_t* t = tail[l];
        store_digest(t, state[l]);
        std::memcpy(t + sha256_size, outer_tail, sizeof outer_tail);
        std::memcpy(state[l].h, ops[l].key->opad, sha256_size);
        lane_state[l] = &state[l];
        lane_block[l] = t;
    }
    compress_lanes(lane_state, lane_block, n);
    for (std::size_t l = 0; l < n; ++l) store_digest(ops[l].out, state[l]);
}

bool hmac_burst_ni(std::span<const hmac_op> ops) noexcept {
    for (std::size_t i = 0; i < ops.size(); i += ni_lanes)
        hmac_lanes_ni(ops.data() + i, ops.size() - i < ni_lanes ? ops.size() - i : ni_lanes);
    return true;
}

} // namespace

digest sha256(bytes data) noexcept {
    digest d{};
    if (imb_context* c = thread_imb()) {
        IMB_SHA256(c->hash_mgr, data.data(), data.size(), d.data());
    } else {
        unsigned int n = 0;
        (void)EVP_Digest(data.data(), data.size(), d.data(), &n, EVP_sha256(), nullptr);
    }
    return d;
}

digest hmac_sha256(bytes key, bytes message) noexcept {
    digest d{};
    unsigned int n = 0;
    static constexpr std::uint8_t empty = 0;
    (void)HMAC(EVP_sha256(), key.empty() ? &empty : key.data(), static_cast<int>(key.size()),
               message.empty() ? &empty : message.data(), message.size(), d.data(), &n);
    return d;
}

bool make_hmac_key(bytes key, hmac_key& out) noexcept {
    imb_context* c = thread_imb();
    if (c == nullptr) return false;
    // RFC 2104 §2: keys longer than the block are hashed first.
    alignas(16) std::uint8_t k[sha256_block]{};
    if (key.size() > sha256_block) {
        const digest d = sha256(key);
        std::memcpy(k, d.data(), d.size());
    } else if (!key.empty()) {
        std::memcpy(k, key.data(), key.size());
    }
    alignas(16) std::uint8_t block[sha256_block];
    for (std::size_t i = 0; i < sha256_block; ++i) block[i] = static_cast<std::uint8_t>(k[i] ^ 0x36);
    IMB_SHA256_ONE_BLOCK(c->hash_mgr, block, out.ipad);
    for (std::size_t i = 0; i < sha256_block; ++i) block[i] = static_cast<std::uint8_t>(k[i] ^ 0x5c);
    IMB_SHA256_ONE_BLOCK(c->hash_mgr, block, out.opad);
    return true;
}

bool hmac_sha256_burst(std::span<const hmac_op> ops) noexcept {
    imb_context* c = thread_imb();
    if (c == nullptr) return false;
    for (const hmac_op& op : ops)
        if (op.key == nullptr || op.out == nullptr || op.message == nullptr || op.length == 0) return false;
    if (c->sha_ni) return hmac_burst_ni(ops);
    // The classic job API (get_next/submit/flush): the multi-buffer manager
    // runs several messages in its SHA lanes at once and hands jobs back as
    // they finish. (The 1.3 hash-burst entry point gave wrong tags for
    // single jobs in our cross-check, so it is not used.)
    IMB_MGR* m = c->hash_mgr;
    std::size_t completed = 0;
    bool failed = false;
    auto reap = [&](IMB_JOB* j) {
        for (; j != nullptr; j = IMB_GET_COMPLETED_JOB(m)) {
            ++completed;
            if (j->status != IMB_STATUS_COMPLETED) failed = true;
        }
    };
    for (const hmac_op& op : ops) {
        IMB_JOB* j = IMB_GET_NEXT_JOB(m);
        j->cipher_mode = IMB_CIPHER_NULL;
        j->cipher_direction = IMB_DIR_ENCRYPT;
        j->chain_order = IMB_ORDER_HASH_CIPHER;
        j->hash_alg = IMB_AUTH_HMAC_SHA_256;
        j->src = op.message;
        j->dst = nullptr;
        j->msg_len_to_cipher_in_bytes = 0;
        j->cipher_start_src_offset_in_bytes = 0;
        j->hash_start_src_offset_in_bytes = 0;
        j->msg_len_to_hash_in_bytes = op.length;
        j->auth_tag_output = op.out;
        j->auth_tag_output_len_in_bytes = sha256_size;
        j->u.HMAC._hashed_auth_key_xor_ipad = op.key->ipad;
        j->u.HMAC._hashed_auth_key_xor_opad = op.key->opad;
        reap(IMB_SUBMIT_JOB(m));
    }
    reap(IMB_FLUSH_JOB(m));
    while (IMB_JOB* j = IMB_FLUSH_JOB(m)) reap(j);
    return !failed && completed == ops.size();
}

bool hmac_sha256(const hmac_key& key, bytes message, std::span<std::uint8_t, sha256_size> out) noexcept {
    const hmac_op op{&key, message.data(), message.size(), out.data()};
    return hmac_sha256_burst({&op, 1});
}

bool equal_ct(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
    std::uint8_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = static_cast<std::uint8_t>(acc | (a[i] ^ b[i]));
    return acc == 0;
}

} // namespace strato::crypto
