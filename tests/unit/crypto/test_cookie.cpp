// Stateless cookies (protocol reference §3.4).
#include <boost/test/unit_test.hpp>

#include <vector>

#include "crypto/cookie.hpp"
#include "crypto/sha.hpp"
#include "dataplane/wire/address.hpp"
#include "util.hpp"

using namespace strato;
using namespace strato::crypto;

namespace {

std::array<std::uint8_t, 32> secret_of(std::uint8_t seed) {
    std::array<std::uint8_t, 32> s;
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(seed * 31 + i);
    return s;
}

const wire::socket_address client = wire::socket_address::v4(0xc6130b0b, 46705, wire::address_origin::observed);

}  // namespace

BOOST_AUTO_TEST_SUITE(cookies)

BOOST_AUTO_TEST_CASE(ok_and_layout) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(1)));
    std::array<std::uint8_t, 64> c;
    BOOST_REQUIRE(jar.make(client, 1000, c));
    BOOST_TEST(c[0] == 0);
    BOOST_TEST((c[1] << 24 | c[2] << 16 | c[3] << 8 | c[4]) == 1000);
    BOOST_TEST(jar.verify(c, client, 1000) == cookie_status::ok);
    BOOST_TEST(jar.verify(c, client, 1000 + cookie_lifetime_s) == cookie_status::ok);
    // The origin flag is not part of the endpoint.
    wire::socket_address other_origin = client;
    other_origin.origin = wire::address_origin::unknown;
    BOOST_TEST(jar.verify(c, other_origin, 1001) == cookie_status::ok);
    // Two cookies differ (8 random bytes).
    std::array<std::uint8_t, 64> d;
    BOOST_REQUIRE(jar.make(client, 1000, d));
    BOOST_TEST(test::hex_of(c) != test::hex_of(d));
}

BOOST_AUTO_TEST_CASE(expired_and_future) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(2)));
    std::array<std::uint8_t, 64> c;
    BOOST_REQUIRE(jar.make(client, 5000, c));
    BOOST_TEST(jar.verify(c, client, 5000 + cookie_lifetime_s + 1) == cookie_status::expired);
    BOOST_TEST(jar.verify(c, client, 4999) == cookie_status::expired);
    BOOST_TEST(to_drop_reason(cookie_status::expired) == wire::drop_reason::expired_cookie);
}

BOOST_AUTO_TEST_CASE(malformed) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(3)));
    std::array<std::uint8_t, 65> c{};
    BOOST_REQUIRE(jar.make(client, 10, std::span<std::uint8_t, 64>(c.data(), 64)));
    BOOST_TEST(jar.verify({c.data(), 63}, client, 10) == cookie_status::malformed);
    BOOST_TEST(jar.verify({c.data(), 65}, client, 10) == cookie_status::malformed);
    BOOST_TEST(jar.verify({}, client, 10) == cookie_status::malformed);
    BOOST_TEST(to_drop_reason(cookie_status::malformed) == wire::drop_reason::bad_cookie);
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_is_rejected) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(4)));
    std::array<std::uint8_t, 64> c;
    BOOST_REQUIRE(jar.make(client, 777, c));
    for (std::size_t i = 0; i < c.size(); ++i) {
        for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
            auto f = c;
            f[i] ^= mask;
            const cookie_status s = jar.verify(f, client, 777);
            BOOST_TEST((s != cookie_status::ok), "byte " << i);
            if (i == 0) BOOST_TEST((s == cookie_status::unknown_generation));
            else if (i < 5) BOOST_TEST((s == cookie_status::forged || s == cookie_status::expired));
            else if (i < 37) BOOST_TEST((s == cookie_status::forged), "byte " << i);
            // MAC_B damaged alone is indistinguishable from another address.
            else BOOST_TEST((s == cookie_status::wrong_address), "byte " << i);
        }
    }
    // A cookie from another server (another secret) is a forgery.
    cookie_jar other;
    BOOST_REQUIRE(other.init(secret_of(5)));
    BOOST_TEST((other.verify(c, client, 777) == cookie_status::forged));
}

BOOST_AUTO_TEST_CASE(wrong_address) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(6)));
    std::array<std::uint8_t, 64> c;
    BOOST_REQUIRE(jar.make(client, 50, c));
    const auto other_port = wire::socket_address::v4(0xc6130b0b, 46706);
    const auto other_ip = wire::socket_address::v4(0xc6130b0c, 46705);
    const std::uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const auto v6 = wire::socket_address::v6(ip6, 46705);
    BOOST_TEST((jar.verify(c, other_port, 50) == cookie_status::wrong_address));
    BOOST_TEST((jar.verify(c, other_ip, 50) == cookie_status::wrong_address));
    BOOST_TEST((jar.verify(c, v6, 50) == cookie_status::wrong_address));
    BOOST_TEST(to_drop_reason(cookie_status::wrong_address) == wire::drop_reason::cookie_wrong_address);
    // And an IPv6 cookie verifies for its own address.
    BOOST_REQUIRE(jar.make(v6, 50, c));
    BOOST_TEST((jar.verify(c, v6, 51) == cookie_status::ok));
}

BOOST_AUTO_TEST_CASE(rotation) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(7)));
    std::array<std::uint8_t, 64> g0, g1;
    BOOST_REQUIRE(jar.make(client, 100, g0));
    BOOST_REQUIRE(jar.rotate(secret_of(8)));
    BOOST_TEST(jar.generation() == 1);
    BOOST_REQUIRE(jar.make(client, 101, g1));
    BOOST_TEST(g1[0] == 1);
    BOOST_TEST((jar.verify(g0, client, 102) == cookie_status::ok));  // previous accepted
    BOOST_TEST((jar.verify(g1, client, 102) == cookie_status::ok));
    BOOST_REQUIRE(jar.rotate(secret_of(9)));
    BOOST_TEST((jar.verify(g0, client, 103) == cookie_status::unknown_generation));  // older rejected
    BOOST_TEST((jar.verify(g1, client, 103) == cookie_status::ok));
    // Generation index wraps without reviving old secrets.
    for (int i = 0; i < 300; ++i) BOOST_REQUIRE(jar.rotate(secret_of(static_cast<std::uint8_t>(i))));
    BOOST_TEST((jar.verify(g1, client, 104) != cookie_status::ok));
}

// The SHA-NI HMAC lanes against OpenSSL: every message length from 1 to
// 200 bytes (one, two and more blocks, both sides of the 55/56 padding
// edge), in bursts of every size from 1 to 9 (partial and full 4-lane
// groups) with lengths mixed inside each group.
BOOST_AUTO_TEST_CASE(hmac_lanes_match_openssl) {
    std::mt19937_64 rng(11);
    const test::buf raw = test::random_buf(rng, 32);
    hmac_key hk;
    BOOST_REQUIRE(make_hmac_key(test::view(raw), hk));
    std::vector<test::buf> msgs;
    for (std::size_t len = 1; len <= 200; ++len) msgs.push_back(test::random_buf(rng, len));
    for (std::size_t burst = 1; burst <= 9; ++burst) {
        for (std::size_t base = 0; base < msgs.size(); base += burst) {
            std::vector<hmac_op> ops;
            std::vector<digest> out(burst);
            for (std::size_t i = 0; i < burst && base + i < msgs.size(); ++i) {
                // Interleave short and long messages in one group.
                const test::buf& m = msgs[(i % 2) ? msgs.size() - 1 - (base + i) : base + i];
                ops.push_back({&hk, m.data(), m.size(), out[i].data()});
            }
            BOOST_REQUIRE(hmac_sha256_burst(ops));
            for (std::size_t i = 0; i < ops.size(); ++i) {
                const digest ref = hmac_sha256(test::view(raw), {ops[i].message, ops[i].length});
                BOOST_TEST(test::hex_of(out[i]) == test::hex_of(ref), "burst " << burst << " len " << ops[i].length);
            }
        }
    }
}

namespace {

// MAC_A and MAC_B recomputed with OpenSSL from the raw secret and the
// documented layout (crypto/cookie.hpp).
void check_layout_with_openssl(std::span<const std::uint8_t, 64> c, std::span<const std::uint8_t, 32> secret,
                               const wire::socket_address& from) {
    std::uint8_t a[14];
    a[0] = 0x01;
    std::memcpy(a + 1, c.data(), 13);
    const digest mac_a = hmac_sha256(wire::bytes{secret.data(), secret.size()}, wire::bytes{a, sizeof a});
    BOOST_TEST(std::memcmp(mac_a.data(), c.data() + 13, 24) == 0);
    std::uint8_t b[1 + 37 + 19];
    b[0] = 0x02;
    std::memcpy(b + 1, c.data(), 37);
    wire::socket_address endpoint = from;
    endpoint.origin = wire::address_origin::unknown;
    wire::writer w({b + 38, 19});
    wire::write_address(w, endpoint);
    BOOST_REQUIRE(w.ok());
    const digest mac_b = hmac_sha256(wire::bytes{secret.data(), secret.size()}, wire::bytes{b, 38 + w.size()});
    BOOST_TEST(std::memcmp(mac_b.data(), c.data() + 37, 27) == 0);
}

const std::uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};

} // namespace

BOOST_AUTO_TEST_CASE(make_burst_matches_layout_and_verify) {
    cookie_jar jar;
    const auto secret = secret_of(12);
    BOOST_REQUIRE(jar.init(secret));
    // More than one slice of max_burst, IPv4 and IPv6 mixed.
    constexpr std::size_t n = 150;
    std::vector<wire::socket_address> from;
    for (std::size_t i = 0; i < n; ++i)
        from.push_back(i % 3 == 2 ? wire::socket_address::v6(ip6_a, static_cast<std::uint16_t>(1000 + i))
                                  : wire::socket_address::v4(0xc6120000u + static_cast<std::uint32_t>(i),
                                                             static_cast<std::uint16_t>(2000 + i)));
    std::vector<std::array<std::uint8_t, 64>> out(n);
    std::vector<cookie_request> reqs(n);
    for (std::size_t i = 0; i < n; ++i) reqs[i] = {&from[i], out[i].data(), false};
    BOOST_REQUIRE(jar.make_burst(reqs, 4242));
    for (std::size_t i = 0; i < n; ++i) {
        BOOST_TEST(reqs[i].ok);
        BOOST_TEST(out[i][0] == 0);
        BOOST_TEST((out[i][1] << 24 | out[i][2] << 16 | out[i][3] << 8 | out[i][4]) == 4242);
        BOOST_TEST((jar.verify(out[i], from[i], 4243) == cookie_status::ok), "cookie " << i);
        check_layout_with_openssl(out[i], secret, from[i]);
        if (i > 0) BOOST_TEST(test::hex_of(out[i]) != test::hex_of(out[i - 1]));  // own random bytes
    }
    // An empty burst is fine; a jar without secrets makes nothing.
    BOOST_TEST(jar.make_burst({}, 1));
    cookie_jar empty;
    BOOST_TEST(empty.make_burst({reqs.data(), 3}, 1));
    BOOST_TEST(!reqs[0].ok);
}

BOOST_AUTO_TEST_CASE(verify_burst_equals_verify) {
    cookie_jar jar;
    BOOST_REQUIRE(jar.init(secret_of(13)));
    const auto v6 = wire::socket_address::v6(ip6_a, 5000);
    const auto other = wire::socket_address::v4(0xc6130b0c, 46705);
    std::array<std::uint8_t, 64> old_gen, good, good6, expired, wrong_addr, forged_a, forged_b, unknown_gen;
    std::array<std::uint8_t, 65> long_one{};
    BOOST_REQUIRE(jar.make(client, 900, old_gen));
    BOOST_REQUIRE(jar.rotate(secret_of(14)));
    BOOST_REQUIRE(jar.make(client, 1000, good));
    BOOST_REQUIRE(jar.make(v6, 1000, good6));
    BOOST_REQUIRE(jar.make(client, 1000 - cookie_lifetime_s - 5, expired));
    BOOST_REQUIRE(jar.make(other, 1000, wrong_addr));
    BOOST_REQUIRE(jar.make(client, 1000, forged_a));
    forged_a[20] ^= 0x10;  // MAC_A
    BOOST_REQUIRE(jar.make(client, 1000, forged_b));
    forged_b[50] ^= 0x01;  // MAC_B alone: reads as another address
    BOOST_REQUIRE(jar.make(client, 1000, unknown_gen));
    unknown_gen[0] = 7;
    cookie_jar stranger;
    BOOST_REQUIRE(stranger.init(secret_of(15)));
    std::array<std::uint8_t, 64> foreign;
    BOOST_REQUIRE(stranger.make(client, 1000, foreign));

    struct item {
        wire::bytes cookie;
        const wire::socket_address* from;
    };
    const std::vector<item> kinds = {
        {good, &client},       {good6, &v6},          {old_gen, &client},      {expired, &client},
        {wrong_addr, &client}, {forged_a, &client},   {forged_b, &client},     {unknown_gen, &client},
        {foreign, &client},    {good, &v6},           {good6, &client},        {{long_one.data(), 65}, &client},
        {{good.data(), 63}, &client}, {{}, &client},
    };
    // Every mix: each kind at every position of bursts of several sizes,
    // including more than one max_burst slice.
    std::mt19937_64 rng(16);
    for (std::size_t size : {1u, 3u, 4u, 5u, 14u, 64u, 65u, 130u}) {
        std::vector<cookie_check> checks(size);
        for (std::size_t i = 0; i < size; ++i) {
            const item& it = kinds[(i + rng()) % kinds.size()];
            checks[i] = {it.cookie, it.from, cookie_status::malformed};
        }
        jar.verify_burst(checks, 1001);
        for (std::size_t i = 0; i < size; ++i)
            BOOST_TEST((checks[i].status == jar.verify(checks[i].cookie, *checks[i].from, 1001)),
                       "size " << size << " index " << i);
    }
    // And each kind once, against its expected status.
    std::vector<cookie_check> all;
    for (const item& it : kinds) all.push_back({it.cookie, it.from, cookie_status::ok});
    jar.verify_burst(all, 1001);
    const cookie_status expect[] = {
        cookie_status::ok,        cookie_status::ok,     cookie_status::ok,
        cookie_status::expired,   cookie_status::wrong_address, cookie_status::forged,
        cookie_status::wrong_address, cookie_status::unknown_generation, cookie_status::forged,
        cookie_status::wrong_address, cookie_status::wrong_address, cookie_status::malformed,
        cookie_status::malformed, cookie_status::malformed,
    };
    for (std::size_t i = 0; i < all.size(); ++i) BOOST_TEST((all[i].status == expect[i]), "kind " << i);
}

BOOST_AUTO_TEST_SUITE_END()
