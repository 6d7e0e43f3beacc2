// Hostile input: truncation at every byte of every golden message,
// overrunning lengths, nesting bombs, huge counts, unknown markers. Built
// with ASan/UBSan in CI, so any read outside the buffer fails here too.
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

#include "dataplane/flash/command.hpp"
#include "tests/unit/flash/common.hpp"
#include "tests/unit/flash/golden.hpp"

using namespace strato;
using namespace strato::flash;
using wire::drop_reason;
using test::from_hex;
using test::view;
namespace golden = test::golden;

namespace {

// Runs the command reader that matches the message's name.
drop_reason parse_command(wire::bytes b) {
    auto c = read_command(b);
    if (!c) return c.error();
    switch (c->kind) {
    case command_kind::connect: return read_connect(*c).error();
    case command_kind::set_peer_info: return read_set_peer_info(*c).error();
    case command_kind::create_stream: return read_create_stream(*c).error();
    case command_kind::delete_stream: return read_delete_stream(*c).error();
    case command_kind::play: return read_play(*c).error();
    case command_kind::publish: return read_publish(*c).error();
    case command_kind::relay: return read_relay(*c).error();
    case command_kind::other: break;
    }
    return test::walk_amf0(c->args.rest());
}

// Offsets at which a top-level value ends: a prefix cut there is a valid,
// shorter value sequence.
std::set<std::size_t> value_boundaries(wire::bytes b) {
    std::set<std::size_t> out{0};
    amf0_reader r(b);
    amf0_value v;
    while (!r.at_end()) {
        BOOST_REQUIRE(r.next(v) == drop_reason::none);
        if (r.depth() == 0) out.insert(r.position());
    }
    return out;
}

struct golden_message {
    const char* name;
    const char* hex;
    // Prefix lengths the command reader accepts (shorter valid commands).
    std::set<std::size_t> valid_prefixes;
};

} // namespace

BOOST_AUTO_TEST_SUITE(malformed)

BOOST_AUTO_TEST_CASE(truncation_at_every_byte) {
    const golden_message messages[] = {
        {"librtmfp connect", golden::librtmfp_connect, {}},
        {"rtmfp-cpp connect", golden::rtmfpcpp_connect, {}},
        {"librtmfp setPeerInfo", golden::librtmfp_set_peer_info, {23}},
        {"rtmfp-cpp setPeerInfo", golden::rtmfpcpp_set_peer_info, {23}},
        {"librtmfp createStream", golden::librtmfp_create_stream, {}},
        {"rtmfp-cpp createStream", golden::rtmfpcpp_create_stream, {24}},
        {"librtmfp play", golden::librtmfp_play, {}},
        {"rtmfp-cpp play", golden::rtmfpcpp_play, {}},
        {"tcserver _result", golden::tcserver_connect_result, {19, 20}},
        {"Mona _result", golden::mona_connect_result, {19, 20}},
        {"Mona _error", golden::mona_error, {18, 19}},
        {"Mona createStream _result", golden::mona_create_stream_result, {19, 20}},
        {"Mona onStatus", golden::mona_on_status_reset, {20, 21}},
    };
    for (const auto& m : messages) {
        auto full = from_hex(m.hex);
        BOOST_TEST_CONTEXT(m.name) {
            BOOST_TEST(parse_command(view(full)) == drop_reason::none);
            const auto bounds = value_boundaries(view(full));
            for (std::size_t n = 0; n < full.size(); ++n) {
                // Copy the prefix so ASan sees the real end of the buffer.
                std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
                const drop_reason cmd = parse_command(view(cut));
                const drop_reason amf = test::walk_amf0(view(cut));
                BOOST_TEST_CONTEXT("prefix " << n) {
                    if (m.valid_prefixes.count(n)) {
                        BOOST_TEST(cmd == drop_reason::none);
                    } else {
                        BOOST_TEST((cmd == drop_reason::truncated || cmd == drop_reason::length_overrun));
                    }
                    if (bounds.count(n)) {
                        BOOST_TEST(amf == drop_reason::none);
                    } else {
                        BOOST_TEST((amf == drop_reason::truncated || amf == drop_reason::length_overrun));
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(overrunning_lengths) {
    const char* cases[] = {
        "02 0010 41",               // string longer than the input
        "0c ffffffff 41",           // long string
        "0f 00000005 3c3e",         // XML document
        "10 0009 41",               // typed object class name
        "03 00ff 61",               // object key
        "08 00000001 0005 6162",    // ECMA array key
        "0a 00000003 05 05",        // strict array count above the bytes left
        "11 06 ff 41",              // AMF3 string U29 length
        "11 0c 0f aa",              // AMF3 byte array
        "11 0d 07 00 00000001",     // AMF3 vector<int> of 3 with one element
        "11 09 ffffff7f 01",        // AMF3 array with about 2^28 dense elements
        "11 0a c0808003 01",        // AMF3 object with 2^24 sealed members in inline traits
        "11 11 ffffff7f 00",        // AMF3 dictionary
    };
    for (const char* hex : cases) {
        auto b = from_hex(hex);
        BOOST_TEST(test::walk_amf0(view(b)) == drop_reason::length_overrun, hex);
    }
}

BOOST_AUTO_TEST_CASE(nesting_bombs) {
    std::vector<std::uint8_t> objects, arrays, ecma, amf3;
    for (int i = 0; i < 100000; ++i) {
        for (auto x : {0x03, 0x00, 0x01, 0x61}) objects.push_back(static_cast<std::uint8_t>(x));
        for (auto x : {0x0a, 0x00, 0x00, 0x00, 0x01}) arrays.push_back(static_cast<std::uint8_t>(x));
        for (auto x : {0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x61}) ecma.push_back(static_cast<std::uint8_t>(x));
    }
    amf3.push_back(0x11);
    for (int i = 0; i < 100000; ++i)
        for (auto x : {0x09, 0x03, 0x01}) amf3.push_back(static_cast<std::uint8_t>(x));
    amf3.push_back(0x01);
    for (auto* b : {&objects, &arrays, &ecma, &amf3})
        BOOST_TEST(test::walk_amf0(view(*b)) == drop_reason::amf_too_deep);

    // Depth exactly at the limit is fine, one more is not.
    auto nest = [](int depth) {
        std::vector<std::uint8_t> b;
        // push_back, not insert(initializer_list): GCC 12 warns falsely on the latter.
        for (int i = 0; i < depth; ++i)
            for (auto x : {0x0a, 0, 0, 0, 1}) b.push_back(static_cast<std::uint8_t>(x));
        b.push_back(0x05);
        return b;
    };
    amf0_limits lim{.max_depth = 4, .max_members = 16};
    BOOST_TEST(test::walk_amf0(view(nest(4)), lim) == drop_reason::none);
    BOOST_TEST(test::walk_amf0(view(nest(5)), lim) == drop_reason::amf_too_deep);
    // AMF3 nesting shares the budget with the AMF0 containers around it.
    auto mixed = from_hex("0a00000001 0a00000001 11 09 03 01 09 03 01 09 03 01 01");
    BOOST_TEST(test::walk_amf0(view(mixed), lim) == drop_reason::amf_too_deep);
    auto mixed_ok = from_hex("0a00000001 0a00000001 11 09 03 01 01");
    BOOST_TEST(test::walk_amf0(view(mixed_ok), lim) == drop_reason::none);
    // A limit above the hard cap is clamped.
    BOOST_TEST(test::walk_amf0(view(nest(40)), {.max_depth = 1000}) == drop_reason::amf_too_deep);
}

BOOST_AUTO_TEST_CASE(huge_counts) {
    auto strict = from_hex("0a ffffffff 05 05 05");
    BOOST_TEST(test::walk_amf0(view(strict)) == drop_reason::length_overrun);
    // Within the bytes but above max_members.
    std::vector<std::uint8_t> many{0x0a, 0, 0, 0x13, 0x88};  // 5000 elements
    many.insert(many.end(), 5000, 0x05);
    BOOST_TEST(test::walk_amf0(view(many)) == drop_reason::bad_amf);
    std::vector<std::uint8_t> members{0x03};
    for (int i = 0; i < 5000; ++i)
        for (auto x : {0x00, 0x01, 0x61, 0x05}) members.push_back(static_cast<std::uint8_t>(x));
    for (auto x : {0x00, 0x00, 0x09}) members.push_back(static_cast<std::uint8_t>(x));
    BOOST_TEST(test::walk_amf0(view(members)) == drop_reason::bad_amf);
    BOOST_TEST(test::walk_amf0(view(members), {.max_depth = 4, .max_members = 5000}) == drop_reason::none);
}

BOOST_AUTO_TEST_CASE(unknown_markers) {
    for (const char* hex : {"04", "09", "0e", "12", "ff", "03 0001 61 04", "11 12", "11 ff",
                            "11 0a 07 01",      // AMF3 externalizable traits
                            "11 0a 01",         // AMF3 traits reference with no traits seen
                            "11 09 01 03 61 12"}) {
        auto b = from_hex(hex);
        BOOST_TEST(test::walk_amf0(view(b)) == drop_reason::bad_amf, hex);
    }
}

BOOST_AUTO_TEST_CASE(wrong_command_shapes) {
    // Name not a string, transaction ID not a number, connect without object.
    for (const char* hex : {"00 0000000000000000", "020007636f6e6e656374 05",
                            "020007636f6e6e656374 00 3ff0000000000000 05",
                            "020007636f6e6e656374 00 3ff0000000000000 020001 61",
                            "020004706c6179 00 0000000000000000 05 00 0000000000000000"}) {
        auto b = from_hex(hex);
        BOOST_TEST(parse_command(view(b)) == drop_reason::bad_amf, hex);
    }
    // Known connect fields with unexpected types are ignored, not fatal.
    auto odd = from_hex("020007636f6e6e656374 00 3ff0000000000000 03 0003 617070 00 4000000000000000 000009");
    auto c = read_command(view(odd));
    BOOST_REQUIRE(c.ok());
    auto r = read_connect(*c);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->app.empty());
    BOOST_TEST(r->unknown_members == 1u);
}

BOOST_AUTO_TEST_CASE(errors_are_sticky) {
    auto b = from_hex("04 05");
    amf0_reader r(view(b));
    amf0_value v;
    BOOST_TEST(r.next(v) == drop_reason::bad_amf);
    BOOST_TEST(r.next(v) == drop_reason::bad_amf);
    BOOST_TEST(r.error() == drop_reason::bad_amf);
}

BOOST_AUTO_TEST_SUITE_END()
