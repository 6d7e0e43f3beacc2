// Internet checksum primitives against the literal RFC 1071 definition.
#include <boost/test/unit_test.hpp>

#include <random>

#include "dataplane/net/checksum.hpp"
#include "tests/unit/net/frames.hpp"

using namespace strato::net;
using namespace net_test;

BOOST_AUTO_TEST_SUITE(checksum)

BOOST_AUTO_TEST_CASE(rfc1071_example) {
    // RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
    const buf d{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    BOOST_TEST(checksum_fold(checksum_add(d.data(), d.size())) == 0xddf2);
    BOOST_TEST(checksum_finish(checksum_add(d.data(), d.size())) == ref_checksum(d));
}

BOOST_AUTO_TEST_CASE(random_lengths_match_reference) {
    std::mt19937 rng(7);
    for (std::size_t n = 0; n < 300; ++n) {
        buf d(n);
        for (auto& b : d) b = static_cast<std::uint8_t>(rng());
        BOOST_TEST(checksum_finish(checksum_add(d.data(), d.size())) == ref_checksum(d));
        // Chained over two pieces, the first of even length.
        std::size_t cut = (n / 3) & ~std::size_t{1};
        std::uint32_t acc = checksum_add(d.data(), cut);
        BOOST_TEST(checksum_finish(checksum_add(d.data() + cut, n - cut, acc)) == ref_checksum(d));
    }
}

BOOST_AUTO_TEST_CASE(unaligned_starts_match_reference) {
    // The summing loop loads whole words; frames start at any offset.
    std::mt19937 rng(9);
    buf backing(1600);
    for (auto& b : backing) b = static_cast<std::uint8_t>(rng());
    for (std::size_t offset = 0; offset < 8; ++offset)
        for (std::size_t n : {0u, 1u, 2u, 3u, 15u, 16u, 17u, 63u, 64u, 65u, 1500u}) {
            const buf d(backing.begin() + static_cast<long>(offset), backing.begin() + static_cast<long>(offset + n));
            BOOST_TEST(checksum_finish(checksum_add(backing.data() + offset, n)) == ref_checksum(d));
        }
}

BOOST_AUTO_TEST_CASE(all_ones_data) {
    buf d(4000, 0xff);
    BOOST_TEST(checksum_finish(checksum_add(d.data(), d.size())) == ref_checksum(d));
}

BOOST_AUTO_TEST_CASE(incremental_update_matches_full) {
    std::mt19937 rng(11);
    for (int i = 0; i < 2000; ++i) {
        buf d(20);
        for (auto& b : d) b = static_cast<std::uint8_t>(rng());
        set16(d, 10, 0);
        set16(d, 10, ref_checksum(d));
        const unsigned old_word = get16(d, 0);
        const unsigned new_word = rng() & 0xffff;
        std::uint16_t updated = checksum_update(static_cast<std::uint16_t>(get16(d, 10)),
                                                static_cast<std::uint16_t>(old_word),
                                                static_cast<std::uint16_t>(new_word));
        set16(d, 0, new_word);
        set16(d, 10, updated);
        // The updated block verifies (sums to all ones).
        BOOST_TEST(ref_checksum(d) == 0);
    }
}

BOOST_AUTO_TEST_CASE(pseudo_headers_match_reference) {
    buf body = text("pseudo header body!");
    std::uint32_t s4 = pseudo_header_sum(peer_ip4, our_ip4, 17, static_cast<std::uint16_t>(body.size()));
    BOOST_TEST(checksum_finish(checksum_add(body.data(), body.size(), s4)) ==
               ref_checksum(cat({pseudo4(peer_ip4, our_ip4, 17, body.size()), body})));
    std::uint32_t s6 = pseudo_header_sum(peer_ip6, our_ip6, 58, static_cast<std::uint32_t>(body.size()));
    BOOST_TEST(checksum_finish(checksum_add(body.data(), body.size(), s6)) ==
               ref_checksum(cat({pseudo6(peer_ip6, our_ip6, 58, body.size()), body})));
}

BOOST_AUTO_TEST_SUITE_END()
