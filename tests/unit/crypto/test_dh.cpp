// Diffie-Hellman: agreement in every group, P12 encodings, RFC 7425 §4.6.2
// public key validation.
#include <boost/test/unit_test.hpp>

#include <openssl/bn.h>

#include "crypto/dh.hpp"
#include "util.hpp"

using namespace strato::crypto;

namespace {

std::size_t bit_length(strato::wire::bytes b) {
    for (std::size_t i = 0; i < b.size(); ++i)
        if (b[i]) {
            std::size_t bits = 8;
            while (!(b[i] & (1u << (bits - 1)))) --bits;
            return (b.size() - i - 1) * 8 + bits;
        }
    return 0;
}

// Big-endian bytes of a BIGNUM expression built by f, padded to n bytes.
template <class F>
test::buf bn_bytes(std::size_t n, F f) {
    BIGNUM* b = BN_new();
    f(b);
    test::buf out(n);
    BN_bn2binpad(b, out.data(), static_cast<int>(n));
    BN_free(b);
    return out;
}

const std::array<dh_group, 5> all_groups{dh_group::modp768, dh_group::modp1024, dh_group::modp1536,
                                         dh_group::modp2048, dh_group::modp4096};

}  // namespace

BOOST_AUTO_TEST_SUITE(dh)

BOOST_AUTO_TEST_CASE(group_ids) {
    dh_group g{};
    for (std::uint64_t id : {1u, 2u, 5u, 14u, 16u}) {
        BOOST_TEST(dh_group_from_id(id, g));
        BOOST_TEST(static_cast<std::uint64_t>(g) == id);
    }
    for (std::uint64_t id : {0u, 3u, 4u, 15u, 17u, 18u, 255u}) BOOST_TEST(!dh_group_from_id(id, g));
    BOOST_TEST(dh_prime_bytes(dh_group::modp768) == 96u);
    BOOST_TEST(dh_prime_bytes(dh_group::modp4096) == 512u);
}

BOOST_AUTO_TEST_CASE(both_ends_agree_every_group) {
    for (dh_group g : all_groups) {
        for (std::size_t bits : {std::size_t{256}, std::size_t{0}}) {
            dh_keypair a, b;
            BOOST_REQUIRE(dh_generate(g, bits, a) == dh_error::ok);
            BOOST_REQUIRE(dh_generate(g, bits, b) == dh_error::ok);
            BOOST_TEST(a.public_key().size() == dh_prime_bytes(g));
            BOOST_TEST(dh_public_key_valid(g, a.public_key()));
            if (bits) BOOST_TEST(bit_length(a.private_exponent()) == bits);
            std::uint8_t sa[512], sb[512];
            std::size_t la = 0, lb = 0;
            BOOST_REQUIRE(dh_shared_secret(a, b.public_key(), {sa, sizeof sa}, la) == dh_error::ok);
            BOOST_REQUIRE(dh_shared_secret(b, a.public_key(), {sb, sizeof sb}, lb) == dh_error::ok);
            BOOST_TEST(test::hex({sa, la}) == test::hex({sb, lb}), "group " << int(g) << " bits " << bits);
            BOOST_TEST(sa[0] != 0);
            BOOST_TEST(test::hex(a.public_key()) != test::hex(b.public_key()));
        }
    }
}

BOOST_AUTO_TEST_CASE(leading_zero_secret_is_stripped) {
    // About one secret in 256 starts with a zero byte; search for one.
    dh_keypair fixed;
    BOOST_REQUIRE(dh_generate(dh_group::modp768, 64, fixed) == dh_error::ok);
    bool found = false;
    for (int i = 0; i < 20000 && !found; ++i) {
        dh_keypair other;
        BOOST_REQUIRE(dh_generate(dh_group::modp768, 64, other) == dh_error::ok);
        std::uint8_t s1[96], s2[96];
        std::size_t l1 = 0, l2 = 0;
        BOOST_REQUIRE(dh_shared_secret(fixed, other.public_key(), {s1, sizeof s1}, l1) == dh_error::ok);
        if (l1 == 96) continue;
        found = true;
        BOOST_TEST(l1 < 96u);
        BOOST_TEST(s1[0] != 0);  // minimal encoding: no leading zero byte (RFC 7425 §4.6.2)
        BOOST_REQUIRE(dh_shared_secret(other, fixed.public_key(), {s2, sizeof s2}, l2) == dh_error::ok);
        BOOST_TEST(test::hex({s1, l1}) == test::hex({s2, l2}));
    }
    BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(public_key_is_left_padded) {
    // A private exponent whose public key is short: search small exponents
    // until 2^x mod p has a leading zero byte (P12: still emitted at 128 bytes).
    bool found = false;
    for (std::uint32_t x = 1100; x < 200000 && !found; ++x) {
        const std::uint8_t e[4] = {static_cast<std::uint8_t>(x >> 24), static_cast<std::uint8_t>(x >> 16),
                                   static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
        dh_keypair k;
        BOOST_REQUIRE(dh_from_private(dh_group::modp1024, {e, 4}, k) == dh_error::ok);
        if (k.public_key()[0] != 0) continue;
        found = true;
        BOOST_TEST(k.public_key().size() == 128u);
    }
    BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(exponent_sizes) {
    dh_keypair k;
    BOOST_TEST(dh_generate(dh_group::modp1024, 32, k) == dh_error::bad_exponent_size);
    BOOST_TEST(dh_generate(dh_group::modp1024, 1024, k) == dh_error::bad_exponent_size);
    BOOST_TEST(dh_generate(dh_group::modp1024, 160, k) == dh_error::ok);
    BOOST_TEST(bit_length(k.private_exponent()) == 160u);
    BOOST_TEST(dh_generate(static_cast<dh_group>(3), 256, k) == dh_error::unsupported_group);
    const std::uint8_t one = 1;
    BOOST_TEST(dh_from_private(dh_group::modp1024, {&one, 1}, k) == dh_error::bad_exponent_size);
}

BOOST_AUTO_TEST_CASE(public_key_validation) {
    const dh_group g = dh_group::modp1024;
    auto valid = [&](const test::buf& b) { return dh_public_key_valid(g, test::view(b)); };
    auto p_minus = [](unsigned long v) {
        return [v](BIGNUM* b) {
            BN_get_rfc2409_prime_1024(b);
            BN_sub_word(b, v);
        };
    };
    auto p_plus = [](unsigned long v) {
        return [v](BIGNUM* b) {
            BN_get_rfc2409_prime_1024(b);
            BN_add_word(b, v);
        };
    };
    BOOST_TEST(!valid(test::buf(128, 0)));                      // 0
    BOOST_TEST(!valid(bn_bytes(128, [](BIGNUM* b) { BN_one(b); })));
    BOOST_TEST(valid(bn_bytes(128, p_minus(1u << 24))));         // p - 2^24: upper bound, inclusive
    BOOST_TEST(!valid(bn_bytes(128, p_minus((1u << 24) - 1))));  // p - 2^24 + 1
    BOOST_TEST(!valid(bn_bytes(128, p_minus(1))));
    BOOST_TEST(!valid(bn_bytes(128, p_plus(0))));                // p
    BOOST_TEST(!valid(bn_bytes(129, p_plus(12345))));            // > p
    // Bit counts: 16 ones needed (15 fail), 16 zeros needed (15 fail).
    auto shifted = [](unsigned long v, int s) {
        return [v, s](BIGNUM* b) {
            BN_set_word(b, v);
            BN_lshift(b, b, s);
        };
    };
    BOOST_TEST(!valid(bn_bytes(128, shifted(0x7fff, 40))));  // 15 ones
    BOOST_TEST(valid(bn_bytes(128, shifted(0xffff, 40))));   // 16 ones, 40 zeros
    auto ones_with_zeros = [](int zeros) {
        return [zeros](BIGNUM* b) {
            BN_zero(b);
            for (int i = 0; i < 60; ++i) BN_set_bit(b, i);
            for (int i = 0; i < zeros; ++i) BN_clear_bit(b, 1 + i);
        };
    };
    BOOST_TEST(!valid(bn_bytes(128, ones_with_zeros(15))));
    BOOST_TEST(valid(bn_bytes(128, ones_with_zeros(16))));
    // Any input length: short and zero-padded forms of a valid key are valid.
    dh_keypair k;
    BOOST_REQUIRE(dh_generate(g, 256, k) == dh_error::ok);
    test::buf longer(40, 0);
    longer.insert(longer.end(), k.public_key().begin(), k.public_key().end());
    BOOST_TEST(valid(longer));
    BOOST_TEST(!dh_public_key_valid(g, {}));
    // The shared secret refuses an invalid key.
    std::uint8_t s[128];
    std::size_t len = 99;
    const test::buf bad = bn_bytes(128, p_minus(1));
    BOOST_TEST(dh_shared_secret(k, test::view(bad), {s, sizeof s}, len) == dh_error::bad_public_key);
    BOOST_TEST(len == 0u);
    BOOST_TEST(dh_shared_secret(k, k.public_key(), {s, 64}, len) == dh_error::buffer_too_small);
}

BOOST_AUTO_TEST_SUITE_END()
