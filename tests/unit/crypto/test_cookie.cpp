// Stateless cookies (protocol reference §3.4).
#include <boost/test/unit_test.hpp>

#include "crypto/cookie.hpp"
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

BOOST_AUTO_TEST_SUITE_END()
