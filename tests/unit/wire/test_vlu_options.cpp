#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>

#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"
#include "dataplane/wire/option.hpp"
#include "tests/support/hex.hpp"

using namespace strato::wire;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {
std::string encode_vlu(std::uint64_t v) {
    std::array<std::uint8_t, 16> buf{};
    writer w(buf);
    w.vlu(v);
    BOOST_REQUIRE(w.ok());
    return to_hex(w.written());
}
} // namespace

BOOST_AUTO_TEST_SUITE(vlu)

// KAT-1, protocol reference §8.2.
BOOST_AUTO_TEST_CASE(kat1_encodings_round_trip) {
    const std::pair<std::uint64_t, const char*> table[] = {
        {0, "00"}, {1, "01"}, {127, "7f"}, {128, "8100"}, {300, "822c"}, {16383, "ff7f"},
        {16384, "818000"}, {2097151, "ffff7f"}, {2097152, "81808000"},
        {4294967295ull, "8fffffff7f"}, {18446744073709551615ull, "81ffffffffffffffff7f"},
    };
    for (auto [value, hex] : table) {
        BOOST_TEST(encode_vlu(value) == hex);
        BOOST_TEST(vlu_size(value) * 2 == std::string(hex).size());
        auto b = from_hex(hex);
        reader r(b);
        std::uint64_t back = 1;
        BOOST_TEST((r.vlu(back) == drop_reason::none));
        BOOST_TEST(back == value);
        BOOST_TEST(r.empty());
    }
}

BOOST_AUTO_TEST_CASE(non_minimal_encodings_decode) {
    auto b = from_hex("808005");
    reader r(b);
    std::uint64_t v = 0;
    BOOST_TEST((r.vlu(v) == drop_reason::none));
    BOOST_TEST(v == 5u);
}

BOOST_AUTO_TEST_CASE(overflow_is_rejected_not_wrapped) {
    // 2^64 = 82 80 80 80 80 80 80 80 80 00
    auto b = from_hex("82808080808080808000");
    reader r(b);
    std::uint64_t v = 7;
    BOOST_TEST((r.vlu(v) == drop_reason::vlu_overflow));
    BOOST_TEST(v == 7u);
    BOOST_TEST(r.position() == 0u);
}

BOOST_AUTO_TEST_CASE(truncated_vlu_leaves_reader_untouched) {
    auto b = from_hex("8180");
    reader r(b);
    std::uint64_t v = 0;
    BOOST_TEST((r.vlu(v) == drop_reason::truncated));
    BOOST_TEST(r.position() == 0u);
}

BOOST_AUTO_TEST_CASE(writer_overflow_is_sticky) {
    std::array<std::uint8_t, 2> buf{};
    writer w(buf);
    w.u16(0x1234);
    BOOST_TEST(w.ok());
    w.u8(1);
    BOOST_TEST(!w.ok());
    w.u8(2);
    BOOST_TEST(w.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(walks_options_and_markers) {
    // Cumulus-layout server certificate head: 01 0a | 02 15 02 | 00 | 02 15 05
    auto b = from_hex("010a 021502 00 021505");
    option_reader r(b);
    option o;
    BOOST_REQUIRE(r.next(o));
    BOOST_TEST(!o.marker);
    BOOST_TEST(o.type == 0x0au);
    BOOST_TEST(o.value.empty());
    BOOST_REQUIRE(r.next(o));
    BOOST_TEST(o.type == 0x15u);
    BOOST_TEST(to_hex(o.value) == "02");
    BOOST_TEST(to_hex(o.encoded) == "021502");
    BOOST_REQUIRE(r.next(o));
    BOOST_TEST(o.marker);
    BOOST_REQUIRE(r.next(o));
    BOOST_TEST(to_hex(o.value) == "05");
    BOOST_TEST(!r.next(o));
    BOOST_TEST((r.error() == drop_reason::none));
}

BOOST_AUTO_TEST_CASE(overrunning_option_is_an_error) {
    auto b = from_hex("05 15 02");
    BOOST_TEST((check_options(b) == drop_reason::bad_option));
}

BOOST_AUTO_TEST_CASE(write_option_matches_wire_form) {
    std::array<std::uint8_t, 8> buf{};
    writer w(buf);
    const std::uint8_t two[] = {0x02};
    write_option(w, 0x1d, two);
    write_marker(w);
    BOOST_TEST(to_hex(w.written()) == "021d0200");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(addresses)

BOOST_AUTO_TEST_CASE(ipv4_and_ipv6_round_trip) {
    for (const char* hex : {"02cb007105c350", "01c0a80114c350", "8220010db8000000000000000000000001ea60"}) {
        auto b = from_hex(hex);
        reader r(b);
        socket_address a;
        BOOST_REQUIRE((read_address(r, a) == drop_reason::none));
        BOOST_TEST(r.empty());
        std::array<std::uint8_t, 32> buf{};
        writer w(buf);
        write_address(w, a);
        BOOST_TEST(to_hex(w.written()) == hex);
    }
}

BOOST_AUTO_TEST_CASE(truncated_address_is_rejected_without_consuming) {
    auto b = from_hex("8220010db8");
    reader r(b);
    socket_address a;
    BOOST_TEST((read_address(r, a) == drop_reason::bad_address));
    BOOST_TEST(r.position() == 0u);
}

BOOST_AUTO_TEST_CASE(text_forms) {
    socket_address a;
    BOOST_REQUIRE(parse_address_text("198.19.1.11:46705", a));
    BOOST_TEST(!a.ipv6);
    BOOST_TEST(a.port == 46705u);
    BOOST_TEST(a.ipv4_host_order() == 0xc613010bu);
    char buf[64];
    BOOST_TEST(std::string(buf, format_address(a, buf, sizeof buf)) == "198.19.1.11:46705");
    BOOST_REQUIRE(parse_address_text("[2001:db8::2]:50002", a));
    BOOST_TEST(a.ipv6);
    BOOST_TEST(std::string(buf, format_address(a, buf, sizeof buf)) == "[2001:db8::2]:50002");
    for (const char* bad : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.300:1", "2001:db8::1:80",
                            "[2001:db8::1]80", "[zz::1]:80", "1.2.3.4:8x"})
        BOOST_TEST(!parse_address_text(bad, a), bad);
}

BOOST_AUTO_TEST_CASE(unusable_candidates) {
    socket_address a;
    for (const char* t : {"127.0.0.1:5", "169.254.1.1:5", "0.0.0.0:5", "198.18.0.1:0", "224.0.0.1:5", "[::1]:5", "[fe80::1]:5", "[ff02::1]:5"}) {
        BOOST_REQUIRE(parse_address_text(t, a));
        BOOST_TEST(a.is_unusable_candidate(), t);
    }
    BOOST_REQUIRE(parse_address_text("198.18.0.2:1935", a));
    BOOST_TEST(!a.is_unusable_candidate());
}

BOOST_AUTO_TEST_SUITE_END()
