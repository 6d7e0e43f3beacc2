// Hostile input: every truncation, overrunning lengths, VLU overflow, unknown
// chunk types. Run under ASan/UBSan in CI, so an out-of-bounds read fails here.
#include <boost/test/unit_test.hpp>

#include <set>
#include <vector>

#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tests/support/hex.hpp"

using namespace strato::wire;
using strato::test::from_hex;

namespace {

struct sample {
    std::uint8_t type;
    const char* value_hex;
    // Prefixes shorter than this must fail (fixed fields are missing).
    std::size_t min_valid;
};

const sample samples[] = {
    {0x30, "05040a617070a95a3e269534599a49438be0108e193a", 6},
    {0x0f, "22210ff41c15a7b80f2938703205463fa7f7e81b93c7b60495554434ac759d9a78e0eb02c613010ba58f57d60d859375ef611d569c65d9418f85", 42},
    {0x70, "0400010203 04aabbccdd 010a", 10},
    {0x71, "1057d60d859375ef611d569c65d9418f8502c613010cb9c7", 17},
    {0x79, "03aabbcc ddeeff00", 4},
    {0x38, "02000000 03aabbcc 04021d0201 05021d0241ff 58", 19},
    {0x78, "00000001 07031a0000021e00 58", 12},
    {0x7f, "80 05 00 aabb", 3},
    {0x10, "80 010101 0500544304 00 020a02 00 14000000000200", 14},
    {0x11, "80 0300 4743 00 01", 6},
    {0x50, "027f107906", 3},
    {0x51, "027f1000000103", 3},
    {0x18, "8100", 2},
    {0x5e, "0300", 2},
};

} // namespace

BOOST_AUTO_TEST_SUITE(malformed)

BOOST_AUTO_TEST_CASE(truncation_at_every_byte) {
    for (const auto& s : samples) {
        const auto full = from_hex(s.value_hex);
        BOOST_REQUIRE_MESSAGE(check_chunk(chunk_view{s.type, full}) == drop_reason::none,
                              "sample of type " << int(s.type) << " must parse");
        for (std::size_t n = 0; n < full.size(); ++n) {
            // A fresh heap copy of exactly n bytes, so ASan sees any over-read.
            std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
            const drop_reason r = check_chunk(chunk_view{s.type, prefix});
            if (n < s.min_valid) {
                BOOST_TEST((r != drop_reason::none), "type " << int(s.type) << " prefix " << n);
            }
            static const std::set<drop_reason> allowed{drop_reason::none, drop_reason::malformed_chunk,
                                                       drop_reason::bad_address, drop_reason::bad_option,
                                                       drop_reason::value_out_of_range};
            BOOST_TEST(allowed.count(r) == 1u, "type " << int(s.type) << " prefix " << n << " gave " << name_of(r));
        }
    }
}

BOOST_AUTO_TEST_CASE(overrunning_lengths) {
    BOOST_TEST((parse_ihello(from_hex("20 0a61")).error() == drop_reason::malformed_chunk));
    BOOST_TEST((parse_rhello(from_hex("01aa 40 0102")).error() == drop_reason::malformed_chunk));
    BOOST_TEST((parse_iikeying(from_hex("00000001 01aa 8100 01")).error() == drop_reason::malformed_chunk));
    BOOST_TEST((parse_user_data(from_hex("80 010101 09 00 5443")).error() == drop_reason::bad_option));
    // An option list without its marker.
    BOOST_TEST((parse_user_data(from_hex("80 010101 0500544304")).error() == drop_reason::bad_option));
}

BOOST_AUTO_TEST_CASE(vlu_overflow_has_its_own_reason) {
    BOOST_TEST((parse_user_data(from_hex("00 82808080808080808000 01 01")).error() == drop_reason::vlu_overflow));
    BOOST_TEST((parse_buffer_probe(from_hex("82808080808080808000")).error() == drop_reason::vlu_overflow));
    BOOST_TEST((parse_data_ack_ranges(from_hex("01 82808080808080808000 01")).error() == drop_reason::vlu_overflow));
}

BOOST_AUTO_TEST_CASE(user_data_sequence_rules) {
    BOOST_TEST((parse_user_data(from_hex("00 01 00 00")).error() == drop_reason::value_out_of_range));  // seq 0
    BOOST_TEST((parse_user_data(from_hex("00 01 02 03")).error() == drop_reason::value_out_of_range));  // offset > seq
}

BOOST_AUTO_TEST_CASE(redirect_limits) {
    std::vector<std::uint8_t> v{0x01, 0xaa};
    for (int i = 0; i < 25; ++i)
        for (auto b : from_hex("02c613010cb9c7")) v.push_back(b);
    BOOST_TEST((parse_redirect(v).error() == drop_reason::value_out_of_range));
    BOOST_TEST((parse_redirect(from_hex("01aa 02c61301")).error() == drop_reason::bad_address));
}

BOOST_AUTO_TEST_CASE(unknown_chunk_types) {
    const std::uint8_t payload[] = {1, 2, 3};
    for (int t : {0x02, 0x20, 0x31, 0x7e, 0x80, 0xfe})
        BOOST_TEST((check_chunk(chunk_view{static_cast<std::uint8_t>(t), payload}) == drop_reason::unknown_chunk), t);
    BOOST_TEST((check_chunk(chunk_view{0xec, payload}) == drop_reason::none));
}

BOOST_AUTO_TEST_CASE(short_datagrams) {
    const auto d = from_hex("01020304 0506");
    BOOST_TEST(session_id_of(d) == (0x01020304u ^ 0x05060000u));
    BOOST_TEST(session_id_of(from_hex("0102")) == 0u);
    BOOST_TEST((open_plaintext(from_hex("ff"), false, true).error() == drop_reason::truncated));
    BOOST_TEST((open_plaintext(from_hex("ffff"), false, true).error() == drop_reason::truncated));  // valid sum, no packet
    BOOST_TEST((open_plaintext(from_hex("0000 0b"), false, true).error() == drop_reason::bad_checksum));
    BOOST_TEST((open_plaintext(from_hex("82808080808080808000"), true, true).error() == drop_reason::vlu_overflow));
}

BOOST_AUTO_TEST_SUITE_END()
