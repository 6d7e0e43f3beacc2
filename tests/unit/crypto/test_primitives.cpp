// IPsec-MB against OpenSSL on random inputs (AES-128-CBC, SHA-256, HMAC).
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include <cstring>

#include "crypto/aes.hpp"
#include "crypto/sha.hpp"
#include "util.hpp"

using namespace strato::crypto;

BOOST_AUTO_TEST_SUITE(primitives)

BOOST_AUTO_TEST_CASE(aes_single_matches_openssl) {
    std::mt19937_64 rng(1);
    for (std::size_t len = 16; len <= 1504; len += 16) {
        const test::buf key = test::random_buf(rng, 16), pt = test::random_buf(rng, len);
        aes_key k;
        BOOST_REQUIRE(make_aes_key(std::span<const std::uint8_t, 16>(key.data(), 16), k));
        evp_aes128_cbc ref;
        BOOST_REQUIRE(ref.set_key(std::span<const std::uint8_t, 16>(key.data(), 16)));
        test::buf a(len), b(len), back(len);
        BOOST_REQUIRE(aes_cbc_encrypt(k, test::view(pt), {a.data(), a.size()}));
        BOOST_REQUIRE(ref.encrypt(test::view(pt), {b.data(), b.size()}));
        BOOST_TEST(a == b, "encrypt len " << len);
        BOOST_REQUIRE(aes_cbc_decrypt(k, test::view(a), {back.data(), back.size()}));
        BOOST_TEST(back == pt, "decrypt len " << len);
        BOOST_REQUIRE(ref.decrypt(test::view(b), {back.data(), back.size()}));
        BOOST_TEST(back == pt);
        // In place.
        test::buf ip = pt;
        BOOST_REQUIRE(aes_cbc_encrypt(k, test::view(ip), {ip.data(), ip.size()}));
        BOOST_TEST(ip == b);
    }
}

BOOST_AUTO_TEST_CASE(aes_burst_mixed_keys_and_sizes) {
    std::mt19937_64 rng(2);
    for (std::size_t burst : {1u, 3u, 8u, 17u, 32u, 64u, 65u, 150u}) {
        std::vector<aes_key> keys(4);
        std::vector<test::buf> raw(4);
        for (std::size_t i = 0; i < 4; ++i) {
            raw[i] = test::random_buf(rng, 16);
            BOOST_REQUIRE(make_aes_key(std::span<const std::uint8_t, 16>(raw[i].data(), 16), keys[i]));
        }
        std::vector<test::buf> pt(burst), ct(burst);
        std::vector<aes_op> ops(burst);
        for (std::size_t i = 0; i < burst; ++i) {
            pt[i] = test::random_buf(rng, 16 * (1 + rng() % 80));
            ct[i] = pt[i];
            ops[i] = {&keys[i % 4], ct[i].data(), ct[i].data(), ct[i].size()};
        }
        BOOST_REQUIRE(aes_cbc_encrypt_burst(ops));
        for (std::size_t i = 0; i < burst; ++i) {
            evp_aes128_cbc ref;
            BOOST_REQUIRE(ref.set_key(std::span<const std::uint8_t, 16>(raw[i % 4].data(), 16)));
            test::buf expect(pt[i].size());
            BOOST_REQUIRE(ref.encrypt(test::view(pt[i]), {expect.data(), expect.size()}));
            BOOST_TEST(ct[i] == expect, "burst " << burst << " packet " << i);
        }
        BOOST_REQUIRE(aes_cbc_decrypt_burst(ops));
        for (std::size_t i = 0; i < burst; ++i) BOOST_TEST(ct[i] == pt[i]);
    }
}

BOOST_AUTO_TEST_CASE(aes_rejects_bad_lengths) {
    aes_key k;
    const std::array<std::uint8_t, 16> raw{};
    BOOST_REQUIRE(make_aes_key(raw, k));
    std::uint8_t b[40]{};
    BOOST_TEST(!aes_cbc_encrypt(k, {b, 0}, {b, 40}));
    BOOST_TEST(!aes_cbc_encrypt(k, {b, 17}, {b, 40}));
    BOOST_TEST(!aes_cbc_decrypt(k, {b, 32}, {b, 16}));
    const aes_op ops[2] = {{&k, b, b, 16}, {&k, b, b, 20}};
    BOOST_TEST(!aes_cbc_encrypt_burst(ops));
}

BOOST_AUTO_TEST_CASE(sha256_matches_openssl) {
    std::mt19937_64 rng(3);
    for (std::size_t len : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u, 132u, 1000u, 4096u}) {
        const test::buf m = test::random_buf(rng, len);
        digest ref{};
        unsigned int n = 0;
        BOOST_REQUIRE(EVP_Digest(m.data(), m.size(), ref.data(), &n, EVP_sha256(), nullptr) == 1);
        BOOST_TEST(test::hex_of(sha256(test::view(m))) == test::hex_of(ref), "len " << len);
    }
    // FIPS 180-2 "abc".
    const std::string_view abc = "abc";
    BOOST_TEST(test::hex_of(sha256(strato::wire::as_bytes(abc))) ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(hmac_matches_openssl) {
    std::mt19937_64 rng(4);
    // RFC 4231 test case 2.
    const std::string_view jefe = "Jefe", what = "what do ya want for nothing?";
    BOOST_TEST(test::hex_of(hmac_sha256(strato::wire::as_bytes(jefe), strato::wire::as_bytes(what))) ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    for (std::size_t klen : {0u, 1u, 16u, 32u, 63u, 64u, 65u, 128u, 256u}) {
        const test::buf key = test::random_buf(rng, klen);
        hmac_key hk;
        BOOST_REQUIRE(make_hmac_key(test::view(key), hk));
        std::vector<test::buf> msgs;
        for (std::size_t len = 1; len < 300; len += 1 + rng() % 23) msgs.push_back(test::random_buf(rng, len));
        msgs.push_back(test::random_buf(rng, 1500));
        std::vector<digest> out(msgs.size());
        std::vector<hmac_op> ops;
        for (std::size_t i = 0; i < msgs.size(); ++i)
            ops.push_back({&hk, msgs[i].data(), msgs[i].size(), out[i].data()});
        BOOST_REQUIRE(hmac_sha256_burst(ops));
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            const digest ref = hmac_sha256(test::view(key), test::view(msgs[i]));
            BOOST_TEST(test::hex_of(out[i]) == test::hex_of(ref), "klen " << klen << " mlen " << msgs[i].size());
            digest one{};
            BOOST_REQUIRE(hmac_sha256(hk, test::view(msgs[i]), one));
            BOOST_TEST(test::hex_of(one) == test::hex_of(ref));
        }
    }
}

BOOST_AUTO_TEST_CASE(constant_time_equal) {
    const std::uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};
    BOOST_TEST(equal_ct(a, a, 4));
    BOOST_TEST(!equal_ct(a, b, 4));
    BOOST_TEST(equal_ct(a, b, 3));
}

BOOST_AUTO_TEST_SUITE_END()
