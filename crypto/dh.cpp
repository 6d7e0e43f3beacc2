#include "crypto/dh.hpp"

#include <openssl/bn.h>

#include <memory>

namespace strato::crypto {

namespace {

struct bn_free_t { void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); } };
struct ctx_free_t { void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); } };
using bn_ptr = std::unique_ptr<BIGNUM, bn_free_t>;
using ctx_ptr = std::unique_ptr<BN_CTX, ctx_free_t>;

// Prime, generator and Montgomery context of one group, built once and then
// only read (safe to share between threads).
struct group_params {
    BIGNUM* p = nullptr;
    BIGNUM* g = nullptr;
    BIGNUM* p_minus_2 = nullptr;
    BIGNUM* upper = nullptr;  // p - 2^24
    BIGNUM* lower = nullptr;  // 2^24
    BN_MONT_CTX* mont = nullptr;
    std::size_t bytes = 0;
    bool ok = false;
};

group_params make_params(BIGNUM* (*prime)(BIGNUM*)) noexcept {
    group_params gp;
    ctx_ptr ctx(BN_CTX_new());
    gp.p = prime(nullptr);
    gp.g = BN_new();
    gp.p_minus_2 = BN_new();
    gp.upper = BN_new();
    gp.lower = BN_new();
    gp.mont = BN_MONT_CTX_new();
    if (!ctx || !gp.p || !gp.g || !gp.p_minus_2 || !gp.upper || !gp.lower || !gp.mont) return gp;
    // All of these groups use generator 2 (RFC 2409 §6, RFC 3526).
    if (!BN_set_word(gp.g, 2) || !BN_copy(gp.p_minus_2, gp.p) || !BN_sub_word(gp.p_minus_2, 2)) return gp;
    if (!BN_set_word(gp.lower, 1u << 24) || !BN_sub(gp.upper, gp.p, gp.lower)) return gp;
    if (!BN_MONT_CTX_set(gp.mont, gp.p, ctx.get())) return gp;
    gp.bytes = static_cast<std::size_t>(BN_num_bytes(gp.p));
    gp.ok = true;
    return gp;
}

const group_params* params(dh_group g) noexcept {
    // Function-local statics: built on first use, thread-safe (C++11 magic statics).
    switch (g) {
    case dh_group::modp768: { static const group_params p = make_params(BN_get_rfc2409_prime_768); return p.ok ? &p : nullptr; }
    case dh_group::modp1024: { static const group_params p = make_params(BN_get_rfc2409_prime_1024); return p.ok ? &p : nullptr; }
    case dh_group::modp1536: { static const group_params p = make_params(BN_get_rfc3526_prime_1536); return p.ok ? &p : nullptr; }
    case dh_group::modp2048: { static const group_params p = make_params(BN_get_rfc3526_prime_2048); return p.ok ? &p : nullptr; }
    case dh_group::modp4096: { static const group_params p = make_params(BN_get_rfc3526_prime_4096); return p.ok ? &p : nullptr; }
    }
    return nullptr;
}

bool valid_public(const group_params& gp, const BIGNUM* y) noexcept {
    if (BN_cmp(y, gp.lower) < 0 || BN_cmp(y, gp.upper) > 0) return false;
    const int bits = BN_num_bits(y);
    int ones = 0;
    for (int i = 0; i < bits; ++i) ones += BN_is_bit_set(y, i);
    return ones >= 16 && bits - ones >= 16;
}

dh_error finish_pair(const group_params& gp, dh_group g, const BIGNUM* x, dh_keypair& out) noexcept {
    ctx_ptr ctx(BN_CTX_new());
    bn_ptr y(BN_new());
    if (!ctx || !y) return dh_error::internal;
    if (!BN_mod_exp_mont_consttime(y.get(), gp.g, x, gp.p, ctx.get(), gp.mont)) return dh_error::internal;
    out.group = g;
    out.size = gp.bytes;
    if (BN_bn2binpad(x, out.private_key.data(), static_cast<int>(gp.bytes)) < 0) return dh_error::internal;
    if (BN_bn2binpad(y.get(), out.public_key_buf.data(), static_cast<int>(gp.bytes)) < 0) return dh_error::internal;
    return dh_error::ok;
}

} // namespace

bool dh_group_from_id(std::uint64_t id, dh_group& out) noexcept {
    switch (id) {
    case 1: case 2: case 5: case 14: case 16:
        out = static_cast<dh_group>(id);
        return true;
    default:
        return false;
    }
}

std::size_t dh_prime_bytes(dh_group g) noexcept {
    switch (g) {
    case dh_group::modp768: return 96;
    case dh_group::modp1024: return 128;
    case dh_group::modp1536: return 192;
    case dh_group::modp2048: return 256;
    case dh_group::modp4096: return 512;
    }
    return 0;
}

dh_error dh_generate(dh_group g, std::size_t exponent_bits, dh_keypair& out) noexcept {
    const group_params* gp = params(g);
    if (gp == nullptr) return dh_error::unsupported_group;
    if (exponent_bits != 0 && (exponent_bits < 64 || exponent_bits >= gp->bytes * 8)) return dh_error::bad_exponent_size;
    bn_ptr x(BN_new());
    if (!x) return dh_error::internal;
    for (;;) {
        if (exponent_bits == 0) {
            // Uniform in [2, p-2]: [0, p-3) shifted by 2.
            bn_ptr range(BN_dup(gp->p_minus_2));
            if (!range || !BN_sub_word(range.get(), 1)) return dh_error::internal;
            if (!BN_priv_rand_range(x.get(), range.get()) || !BN_add_word(x.get(), 2)) return dh_error::internal;
        } else {
            // Top bit set so the exponent really has exponent_bits bits.
            if (!BN_priv_rand(x.get(), static_cast<int>(exponent_bits), BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY))
                return dh_error::internal;
        }
        if (dh_error e = finish_pair(*gp, g, x.get(), out); e != dh_error::ok) return e;
        // Our own key must pass the checks the peer applies (RFC 7425 §4.6.2);
        // astronomically unlikely to fail, so just draw again.
        if (dh_public_key_valid(g, out.public_key())) return dh_error::ok;
    }
}

dh_error dh_from_private(dh_group g, bytes private_exponent, dh_keypair& out) noexcept {
    const group_params* gp = params(g);
    if (gp == nullptr) return dh_error::unsupported_group;
    bn_ptr x(BN_bin2bn(private_exponent.data(), static_cast<int>(private_exponent.size()), nullptr));
    if (!x) return dh_error::internal;
    if (BN_cmp(x.get(), gp->p_minus_2) > 0 || BN_is_zero(x.get()) || BN_is_one(x.get())) return dh_error::bad_exponent_size;
    return finish_pair(*gp, g, x.get(), out);
}

bool dh_public_key_valid(dh_group g, bytes peer_public) noexcept {
    const group_params* gp = params(g);
    if (gp == nullptr || peer_public.empty() || peer_public.size() > dh_max_prime_bytes * 2) return false;
    bn_ptr y(BN_bin2bn(peer_public.data(), static_cast<int>(peer_public.size()), nullptr));
    return y && valid_public(*gp, y.get());
}

dh_error dh_shared_secret(const dh_keypair& own, bytes peer_public, mutable_bytes out, std::size_t& length) noexcept {
    length = 0;
    const group_params* gp = params(own.group);
    if (gp == nullptr || own.size != gp->bytes) return dh_error::unsupported_group;
    if (out.size() < gp->bytes) return dh_error::buffer_too_small;
    if (peer_public.empty() || peer_public.size() > dh_max_prime_bytes * 2) return dh_error::bad_public_key;
    ctx_ptr ctx(BN_CTX_new());
    bn_ptr y(BN_bin2bn(peer_public.data(), static_cast<int>(peer_public.size()), nullptr));
    bn_ptr x(BN_bin2bn(own.private_key.data(), static_cast<int>(own.size), nullptr));
    bn_ptr s(BN_new());
    if (!ctx || !y || !x || !s) return dh_error::internal;
    if (!valid_public(*gp, y.get())) return dh_error::bad_public_key;
    BN_set_flags(x.get(), BN_FLG_CONSTTIME);
    if (!BN_mod_exp_mont_consttime(s.get(), y.get(), x.get(), gp->p, ctx.get(), gp->mont)) return dh_error::internal;
    // BN_bn2bin writes the minimal big-endian form: no leading zero bytes,
    // exactly what RFC 7425 §4.6.2 asks for (P12).
    const int n = BN_bn2bin(s.get(), out.data());
    if (n <= 0) return dh_error::internal;
    length = static_cast<std::size_t>(n);
    return dh_error::ok;
}

} // namespace strato::crypto
