// strato-peer's group IDs (protocol reference §7.2, errata 7.2).
#include <boost/test/unit_test.hpp>

#include "tests/support/hex.hpp"
#include "tools/strato-peer/groupspec.hpp"

using namespace strato::peer;
using strato::test::to_hex;

BOOST_AUTO_TEST_SUITE(groupspec)

BOOST_AUTO_TEST_CASE(capture_groupspec_hashes_to_the_captured_id) {
    // librtmfp-monaserver2-netgroup: version-2 groupspec, ID hashed twice.
    std::array<std::uint8_t, 32> id{};
    std::string hashed;
    BOOST_TEST(group_id_of_spec("G:027f02010101000103010c050e74657374011b00", id, hashed).empty());
    BOOST_TEST(hashed == "G:027f02010101000103010c050e74657374011b");
    BOOST_TEST(to_hex(id) == "c3ab09fc9d3fd2fe3f4f82762c530b96f2eb1c49d9fe615f48f250545b731dc9");
    BOOST_TEST(to_hex(group_join_message(id)) == "012115" + to_hex(id));
    const auto legacy = legacy_group_join_message(hashed);
    BOOST_TEST(legacy.size() == 3 + hashed.size());
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(legacy.data(), 3)) == "012910");  // L = 41, kind 10
}

BOOST_AUTO_TEST_CASE(raw_ids_and_bad_specs) {
    std::array<std::uint8_t, 32> id{};
    std::string hashed;
    BOOST_TEST(group_id_of_spec(std::string(64, 'a'), id, hashed).empty());
    BOOST_TEST(id[0] == 0xaa);
    BOOST_TEST(hashed.empty());
    BOOST_TEST(!group_id_of_spec("G:0101", id, hashed).empty());  // no terminator
    BOOST_TEST(!group_id_of_spec("G:057f", id, hashed).empty());  // truncated entry
    BOOST_TEST(!group_id_of_spec("G:zz00", id, hashed).empty());
    BOOST_TEST(!group_id_of_spec(std::string(63, 'a'), id, hashed).empty());
    BOOST_TEST(group_id_of_spec("G:" + std::string(5000, '0'), id, hashed).find("at most 4096") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
