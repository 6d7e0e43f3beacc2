// Answer writers, byte for byte against KAT-7 and the capture transcripts.
#include <boost/test/unit_test.hpp>

#include <array>
#include <string>

#include "dataplane/flash/replies.hpp"
#include "dataplane/flash/user_control.hpp"
#include "tests/unit/flash/common.hpp"
#include "tests/unit/flash/golden.hpp"

using namespace strato;
using namespace strato::flash;
using wire::drop_reason;
using test::to_hex;
namespace golden = test::golden;

namespace {
std::string hex(const char* h) { return to_hex(test::from_hex(h)); }
const std::string rtmp20 = "1400000000";
} // namespace

BOOST_AUTO_TEST_SUITE(replies)

BOOST_AUTO_TEST_CASE(kat7_connect_result) {
    std::array<std::uint8_t, 256> buf{};
    wire::writer w(buf);
    write_connect_result(w, {});  // tx 1, "Connection succeeded.", objectEncoding 3
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(w.size() == 145u);
    BOOST_TEST(to_hex(w.written()) == hex(golden::kat7_connect_result));
}

BOOST_AUTO_TEST_CASE(monaserver2_connect_result) {
    std::array<std::uint8_t, 256> buf{};
    wire::writer w(buf);
    write_connect_result(w, {.transaction_id = 0, .description = "Connection succeeded"});
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(w.size() == 144u);
    BOOST_TEST(to_hex(w.written()) == rtmp20 + hex(golden::mona_connect_result));
}

BOOST_AUTO_TEST_CASE(connect_result_extra_members) {
    std::array<std::uint8_t, 512> buf{};
    wire::writer w(buf);
    const std::uint8_t map[] = {0x03, 0x00, 0x01, 0x2a, 0x00, 0x40, 0x10, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x09};
    const amf0_member extra[] = {amf0_member::num("capsEx", 0), amf0_member::str("connectionID", "ab"),
                                 amf0_member::flag("f", true), amf0_member::encoded("audioFourCcInfoMap", map)};
    write_connect_result(w, {.transaction_id = 1, .description = "x", .object_encoding = 0, .extra = extra});
    BOOST_REQUIRE(w.ok());
    amf0_reader r(w.written().subspan(5));
    amf0_value v;
    std::size_t members = 0;
    while (!r.at_end()) {
        BOOST_REQUIRE(r.next(v) == drop_reason::none);
        if (r.depth() >= 1 && !v.key.empty()) ++members;
        if (v.key == "audioFourCcInfoMap") BOOST_REQUIRE(r.skip(v) == drop_reason::none);
    }
    BOOST_TEST(members == 8u);
}

BOOST_AUTO_TEST_CASE(error_bodies) {
    // MonaServer2's _error (errata #2) with level and code in the usual order.
    const std::string expected = rtmp20 + hex(
        "0200065f6572726f72 000000000000000000 05 03"
        "0005 6c6576656c 020005 6572726f72"
        "0004 636f6465 020019 4e6574436f6e6e656374696f6e2e43616c6c2e4661696c6564"
        "000b 6465736372697074696f6e 0200364e6f204d6574686f6420636c69656e742073657450656572496e666f20666f756e"
        "6420696e206170706c69636174696f6e206170702f 000009");
    std::array<std::uint8_t, 256> buf{};
    wire::writer w(buf);
    write_error(w, 0, status::call_failed, "No Method client setPeerInfo found in application app/");
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(w.size() == 5u + 142u);
    BOOST_TEST(to_hex(w.written()) == expected);

    for (auto code : {status::connect_rejected, status::connect_invalid_app, status::connect_failed}) {
        wire::writer w2(buf);
        write_error(w2, 1, code, "no");
        BOOST_REQUIRE(w2.ok());
        auto c = read_command(w2.written().subspan(5));
        BOOST_REQUIRE(c.ok());
        BOOST_TEST(c->name == "_error");
        amf0_value v;
        BOOST_REQUIRE(c->args.next(v) == drop_reason::none);  // null
        BOOST_REQUIRE(c->args.next(v) == drop_reason::none);  // {
        BOOST_REQUIRE(c->args.next(v) == drop_reason::none);
        BOOST_TEST(v.text == "error");
        BOOST_REQUIRE(c->args.next(v) == drop_reason::none);
        BOOST_TEST(v.text == code);
    }
}

BOOST_AUTO_TEST_CASE(create_stream_results) {
    std::array<std::uint8_t, 64> buf{};
    wire::writer w(buf);
    write_create_stream_result(w, 0, 1);
    BOOST_TEST(to_hex(w.written()) == rtmp20 + hex(golden::mona_create_stream_result));
    wire::writer w2(buf);
    write_create_stream_result(w2, 2, 1);
    BOOST_TEST(to_hex(w2.written()) == rtmp20 + hex(golden::tcserver_create_stream_result));
}

BOOST_AUTO_TEST_CASE(on_status) {
    std::array<std::uint8_t, 256> buf{};
    wire::writer w(buf);
    write_on_status(w, {.code = "NetStream.Play.Reset", .description = "Playing and resetting stream1"});
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(to_hex(w.written()) == rtmp20 + hex(golden::mona_on_status_reset));

    wire::writer w2(buf);
    const amf0_member extra[] = {amf0_member::str("hashname", "h")};
    write_on_status(w2, {.level = status::level_error, .code = status::play_failed,
                         .description = "no media", .details = "s1", .extra = extra});
    BOOST_REQUIRE(w2.ok());
    std::size_t n = 0;
    BOOST_TEST(test::walk_amf0(w2.written().subspan(5), {}, &n) == drop_reason::none);
    BOOST_TEST(n == 3u + 1u + 5u + 1u);  // name, tx, null, {, 5 members, end
}

BOOST_AUTO_TEST_CASE(user_control_messages) {
    std::array<std::uint8_t, 32> buf{};
    wire::writer w(buf);
    write_set_keepalive_timers(w, 15000, 10000);
    BOOST_TEST(to_hex(w.written()) == "04000000000029" "00003a98" "00002710");
    wire::writer w2(buf);
    write_stream_begin(w2, 1);
    BOOST_TEST(to_hex(w2.written()) == "0400000000" "0000" "00000001");
    auto u = read_user_control(w2.written().subspan(5));
    BOOST_REQUIRE(u.ok());
    BOOST_TEST(u->event == user_control_event::stream_begin);
    BOOST_TEST(u->data.size() == 4u);
    const std::uint8_t one[] = {0x00};
    BOOST_TEST(read_user_control(one).error() == drop_reason::truncated);
}

BOOST_AUTO_TEST_CASE(writers_report_overflow) {
    std::array<std::uint8_t, 100> buf{};
    wire::writer w(buf);
    write_connect_result(w, {});
    BOOST_TEST(!w.ok());
}

BOOST_AUTO_TEST_SUITE_END()
