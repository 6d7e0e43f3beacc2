// tcserver's relay / onRelay (rtmfp-cpp test/tcserver.md, "Relaying and
// Broadcasting Messages") and the call-failure forms, byte for byte. The
// expected bytes are spelled out value by value from the AMF0 encoding.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cctype>
#include <cstdio>
#include <string>

#include "dataplane/flash/command.hpp"
#include "dataplane/flash/replies.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "tests/unit/flash/common.hpp"

using namespace strato;
using namespace strato::flash;
using wire::drop_reason;
using test::from_hex;
using test::to_hex;

namespace {

// The sender ID of tcserver.md's examples (an RTMFP peer ID, 32 bytes).
const std::string doc_id = "6965c14b8964ee016451bc44140504f1a67178cfca3a64b2df16683dd263c176";

// AMF0 string value: 02, u16 length, the bytes (hex of the ASCII text).
std::string amf_string(const std::string& s) {
    char len[5];
    std::snprintf(len, sizeof len, "%04zx", s.size());
    return "02" + std::string(len) + to_hex(wire::as_bytes(s));
}
const std::string amf_null = "05";
const std::string amf_zero = "000000000000000000";     // number 0.0
const std::string amf_five = "004014000000000000";     // number 5.0
const std::string rtmp20 = "1400000000";               // AMF0 command, timestamp 0

wire::result<relay_command> parse(const std::string& hex, std::vector<std::uint8_t>& keep) {
    keep = from_hex(hex);
    auto c = read_command(test::view(keep));
    if (!c) return c.error();
    BOOST_TEST((c->kind == command_kind::relay));
    return read_relay(*c);
}

} // namespace

BOOST_AUTO_TEST_SUITE(relay)

BOOST_AUTO_TEST_CASE(tcserver_relay_shape_is_read) {
    // "relay", 0.0, NULL, "<target>", "this is a relay message", 5.0
    const std::string args = amf_string("this is a relay message") + amf_five;
    std::vector<std::uint8_t> keep;
    auto r = parse(amf_string("relay") + amf_zero + amf_null + amf_string(doc_id) + args, keep);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->transaction_id == 0.0);
    BOOST_TEST(to_hex(r->target) == doc_id);
    BOOST_TEST(to_hex(r->args) == args);
}

BOOST_AUTO_TEST_CASE(relay_without_null_upper_case_and_no_arguments) {
    std::string upper = doc_id;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::vector<std::uint8_t> keep;
    // librtmfp-style (no command object), transaction 3, no arguments at all.
    auto r = parse(amf_string("relay") + "004008000000000000" + amf_string(upper), keep);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->transaction_id == 3.0);
    BOOST_TEST(to_hex(r->target) == doc_id);
    BOOST_TEST(r->args.empty());
}

BOOST_AUTO_TEST_CASE(bad_targets_are_named) {
    std::vector<std::uint8_t> keep;
    const std::string head = amf_string("relay") + amf_zero + amf_null;
    // tcserver.md's 24-byte (RTMP) connection ID cannot be an RTMFP peer.
    BOOST_TEST(parse(head + amf_string("1f9a5f4769fef5884d321e969b6ef7b64fe8db5f11c12637"), keep).error() ==
               drop_reason::relay_bad_target);
    BOOST_TEST(parse(head + amf_string(doc_id.substr(0, 63) + "g"), keep).error() == drop_reason::relay_bad_target);
    BOOST_TEST(parse(head + amf_string(doc_id + "00"), keep).error() == drop_reason::relay_bad_target);
    BOOST_TEST(parse(head + amf_five, keep).error() == drop_reason::bad_amf);     // a number, not a string
    BOOST_TEST(parse(head, keep).error() == drop_reason::truncated);             // no target at all
}

BOOST_AUTO_TEST_CASE(arguments_must_be_whole_values_within_the_cap) {
    std::vector<std::uint8_t> keep;
    const std::string head = amf_string("relay") + amf_zero + amf_null + amf_string(doc_id);
    // A string claiming 16 bytes with 2 present.
    BOOST_TEST(parse(head + "0200106869", keep).error() != drop_reason::none);
    // An object never closed.
    BOOST_TEST(parse(head + "030001610005", keep).error() != drop_reason::none);
    // A stray object end at the top level.
    BOOST_TEST(parse(head + "000009", keep).error() != drop_reason::none);
    // Exactly at the cap is fine, one byte over is not.
    const std::string at_cap = amf_string(std::string(max_relay_args - 3, 'x'));
    BOOST_TEST(parse(head + at_cap, keep).ok());
    const std::string over = amf_string(std::string(max_relay_args - 2, 'x'));
    BOOST_TEST(parse(head + over, keep).error() == drop_reason::relay_too_large);
}

BOOST_AUTO_TEST_CASE(on_relay_matches_tcserver_delivery) {
    // "onRelay", 0.0, NULL, {sender: "<sender>"}, "this is a relay message", 5.0
    const auto sender = from_hex(doc_id);
    std::array<std::uint8_t, 32> id{};
    std::copy(sender.begin(), sender.end(), id.begin());
    const std::string args = amf_string("this is a relay message") + amf_five;
    const auto args_bytes = from_hex(args);
    std::array<std::uint8_t, 512> buf{};
    wire::writer w(buf);
    write_on_relay(w, id, test::view(args_bytes));
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(to_hex(w.written()) == rtmp20 + amf_string("onRelay") + amf_zero + amf_null + "03" + "0006" +
                                          to_hex(wire::as_bytes(std::string("sender"))) + amf_string(doc_id) +
                                          "000009" + args);
}

BOOST_AUTO_TEST_CASE(call_failure_forms) {
    const std::string info = "03" "0005" + to_hex(wire::as_bytes(std::string("level"))) + amf_string("error") +
                             "0004" + to_hex(wire::as_bytes(std::string("code"))) +
                             amf_string("NetConnection.Call.Failed") + "000b" +
                             to_hex(wire::as_bytes(std::string("description"))) + amf_string("nope") + "000009";
    std::array<std::uint8_t, 256> buf{};
    {
        wire::writer w(buf);
        write_call_failed(w, 0, "nope");  // no transaction: onStatus, as tcserver answers unknown calls
        BOOST_REQUIRE(w.ok());
        BOOST_TEST(to_hex(w.written()) == rtmp20 + amf_string("onStatus") + amf_zero + amf_null + info);
    }
    {
        wire::writer w(buf);
        write_call_failed(w, 5, "nope");
        BOOST_REQUIRE(w.ok());
        BOOST_TEST(to_hex(w.written()) == rtmp20 + amf_string("_error") + amf_five + amf_null + info);
    }
    {
        wire::writer w(buf);
        write_call_acknowledged(w, 5);  // "_result", 5, null, undefined
        BOOST_REQUIRE(w.ok());
        BOOST_TEST(to_hex(w.written()) == rtmp20 + amf_string("_result") + amf_five + amf_null + "06");
    }
}

BOOST_AUTO_TEST_SUITE_END()
