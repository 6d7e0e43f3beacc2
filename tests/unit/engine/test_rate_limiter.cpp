#include <boost/test/unit_test.hpp>

#include "dataplane/engine/rate_limiter.hpp"

using namespace strato::engine;
using strato::wire::socket_address;

namespace {
socket_address v4(const char* text) {
    socket_address a;
    BOOST_REQUIRE(strato::wire::parse_address_text(text, a));
    return a;
}
} // namespace

BOOST_AUTO_TEST_SUITE(rate_limiting)

BOOST_AUTO_TEST_CASE(burst_then_sustained_rate) {
    rate_limiter rl({.per_second = 10, .burst = 5, .ipv4_prefix = 24, .ipv6_prefix = 64, .buckets = 64}, 1000);
    const auto a = v4("198.18.1.7:1000");
    int allowed = 0;
    for (int i = 0; i < 20; ++i) allowed += rl.allow(a, 0);
    BOOST_TEST(allowed == 5);  // the bucket depth
    // 10 per second at 1000 ticks per second: one token every 100 ticks.
    BOOST_TEST(!rl.allow(a, 50));
    BOOST_TEST(rl.allow(a, 100));
    BOOST_TEST(!rl.allow(a, 150));
    allowed = 0;
    for (std::uint64_t t = 200; t < 1200; t += 10) allowed += rl.allow(a, t);
    BOOST_TEST(allowed == 10);
}

BOOST_AUTO_TEST_CASE(prefix_is_shared_other_prefixes_are_not) {
    rate_limiter rl({.per_second = 1, .burst = 2, .ipv4_prefix = 24, .ipv6_prefix = 64, .buckets = 1 << 12}, 1000);
    BOOST_TEST(rl.allow(v4("198.18.1.1:1"), 0));
    BOOST_TEST(rl.allow(v4("198.18.1.200:9"), 0));  // same /24
    BOOST_TEST(!rl.allow(v4("198.18.1.3:1"), 0));
    BOOST_TEST(rl.allow(v4("198.18.2.1:1"), 0));  // another /24
    BOOST_TEST(rl.allow(v4("[2001:db8:1:2::1]:5"), 0));
    BOOST_TEST(rl.allow(v4("[2001:db8:1:2::99]:5"), 0));
    BOOST_TEST(!rl.allow(v4("[2001:db8:1:2:ffff::1]:5"), 0));  // same /64
}

BOOST_AUTO_TEST_CASE(memory_is_fixed_whatever_the_sources) {
    rate_limiter rl({.per_second = 100, .burst = 100, .ipv4_prefix = 32, .ipv6_prefix = 128, .buckets = 1000}, 1000);
    const auto before = rl.memory_bytes();
    BOOST_TEST(rl.bucket_count() == 1024u);
    for (std::uint32_t i = 0; i < 200000; ++i)
        (void)rl.allow(socket_address::v4(0xc6120000u + i, 1), i);
    BOOST_TEST(rl.memory_bytes() == before);
}

BOOST_AUTO_TEST_CASE(huge_idle_gaps_do_not_overflow) {
    rate_limiter rl({.per_second = 1000000, .burst = 1000000, .ipv4_prefix = 24, .ipv6_prefix = 64, .buckets = 16},
                    3'000'000'000ull);
    const auto a = v4("198.18.9.9:1");
    BOOST_TEST(rl.allow(a, 1));
    BOOST_TEST(rl.allow(a, ~0ull / 2));
}

BOOST_AUTO_TEST_CASE(keys_have_their_own_buckets) {
    rate_limiter rl({.per_second = 1, .burst = 3, .ipv4_prefix = 32, .ipv6_prefix = 128, .buckets = 1 << 12}, 1000);
    const std::uint64_t peer_a = 0x0123456789abcdefull, peer_b = 0xfedcba9876543210ull;
    int a = 0, b = 0;
    for (int i = 0; i < 10; ++i) a += rl.allow_key(peer_a, 0);
    for (int i = 0; i < 10; ++i) b += rl.allow_key(peer_b, 0);
    BOOST_TEST(a == 3);
    BOOST_TEST(b == 3);
    BOOST_TEST(!rl.allow_key(peer_a, 999));
    BOOST_TEST(rl.allow_key(peer_a, 1000));  // one token per second
    // Key 0 is a legal identity too (bit 0 is forced, never "unused").
    BOOST_TEST(rl.allow_key(0, 0));
}

BOOST_AUTO_TEST_CASE(reconfigure_applies_to_existing_buckets) {
    rate_limiter rl({.per_second = 1, .burst = 100, .ipv4_prefix = 24, .ipv6_prefix = 64, .buckets = 64}, 1000);
    const auto a = v4("198.18.3.3:1");
    BOOST_TEST(rl.allow(a, 0));  // 99 tokens left
    rl.reconfigure({.per_second = 1000, .burst = 2, .ipv4_prefix = 24, .ipv6_prefix = 64, .buckets = 1 << 20});
    BOOST_TEST(rl.bucket_count() == 64u);  // the table keeps its size
    int allowed = 0;
    for (int i = 0; i < 10; ++i) allowed += rl.allow(a, 0);
    BOOST_TEST(allowed == 2);  // cut down to the new burst at once
    BOOST_TEST(rl.allow(a, 1));  // 1000 per second: one per tick
    BOOST_TEST(rl.config().per_second == 1000u);
}

BOOST_AUTO_TEST_CASE(bursts_beyond_32_bit_milli_tokens_do_not_wrap) {
    rate_limiter rl({.per_second = 10000000, .burst = 10000000, .ipv4_prefix = 24, .ipv6_prefix = 64, .buckets = 16},
                    1000);
    const auto a = v4("198.18.4.4:1");
    int allowed = 0;
    for (int i = 0; i < 100000; ++i) allowed += rl.allow(a, 0);
    BOOST_TEST(allowed == 100000);
}

BOOST_AUTO_TEST_SUITE_END()
