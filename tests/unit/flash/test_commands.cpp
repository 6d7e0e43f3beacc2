// Command readers against the golden messages of the capture transcripts.
#include <boost/test/unit_test.hpp>

#include <array>
#include <string>

#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/command.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "tests/unit/flash/common.hpp"
#include "tests/unit/flash/golden.hpp"

using namespace strato;
using namespace strato::flash;
using wire::drop_reason;
using test::from_hex;
using test::view;
namespace golden = test::golden;

namespace {
command_view command_of(const std::vector<std::uint8_t>& b) {
    auto c = read_command(view(b));
    BOOST_REQUIRE(c.ok());
    return *c;
}
} // namespace

BOOST_AUTO_TEST_SUITE(commands)

BOOST_AUTO_TEST_CASE(librtmfp_connect) {
    auto b = from_hex(golden::librtmfp_connect);
    auto c = command_of(b);
    BOOST_TEST(c.name == "connect");
    BOOST_TEST((c.kind == command_kind::connect));
    BOOST_TEST(c.transaction_id == 0.0);
    auto r = read_connect(c);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->app == "live");  // errata #7: app need not match tcUrl
    BOOST_TEST(r->flash_ver == "WIN 20,0,0,286");
    BOOST_TEST(r->swf_url == "");
    BOOST_TEST(r->tc_url == "rtmfp://198.18.0.1:1935/app");
    BOOST_TEST(r->fpad == false);
    BOOST_TEST(r->capabilities == 235.0);
    BOOST_TEST(r->audio_codecs == 3575.0);
    BOOST_TEST(r->video_codecs == 252.0);
    BOOST_TEST(r->video_function == 1.0);
    BOOST_TEST(r->page_url == "");
    BOOST_TEST(r->has_object_encoding);
    BOOST_TEST(r->object_encoding == 3.0);
    BOOST_TEST(r->unknown_members == 0u);
    BOOST_TEST(r->extra_args.empty());
}

BOOST_AUTO_TEST_CASE(rtmfpcpp_connect_with_nested_members) {
    auto b = from_hex(golden::rtmfpcpp_connect);
    auto c = command_of(b);
    BOOST_TEST(c.transaction_id == 1.0);
    auto r = read_connect(c);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->app == "app");
    BOOST_TEST(r->tc_url == "rtmfp://198.18.0.1:1935/app");
    BOOST_TEST(r->audio_codecs == 65535.0);
    BOOST_TEST(r->video_codecs == 65535.0);
    BOOST_TEST(r->object_encoding == 0.0);
    // audioFourCcInfoMap, capsEx, fourCcList, videoFourCcInfoMap
    BOOST_TEST(r->unknown_members == 4u);
    BOOST_TEST(r->flash_ver.empty());
}

BOOST_AUTO_TEST_CASE(connect_in_amf3_command_form) {
    // Type 17: format byte 00, then the same AMF0 values (RFC 7425 §5.1.2).
    auto msg = from_hex(std::string("11 00000000 00") + golden::librtmfp_connect);
    auto m = read_rtmp_message(view(msg));
    BOOST_REQUIRE(m.ok());
    BOOST_TEST(m->type == rtmp_type::command_amf3);
    auto p = amf_payload(*m);
    BOOST_REQUIRE(p.ok());
    auto c = read_command(*p);
    BOOST_REQUIRE(c.ok());
    auto r = read_connect(*c);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->app == "live");
}

BOOST_AUTO_TEST_CASE(connect_extra_arguments_are_kept_as_bytes) {
    auto b = from_hex("020007636f6e6e656374 003ff0000000000000 03 0003 617070 020001 61 000009 0200017a 05");
    auto r = read_connect(command_of(b));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(test::to_hex(r->extra_args) == "0200017a05");
}

BOOST_AUTO_TEST_CASE(librtmfp_set_peer_info_without_null) {
    auto b = from_hex(golden::librtmfp_set_peer_info);
    BOOST_TEST(b.size() == 43u);
    auto c = command_of(b);
    BOOST_TEST((c.kind == command_kind::set_peer_info));
    auto r = read_set_peer_info(c);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->transaction_id == 0.0);
    BOOST_REQUIRE(r->address_count == 1u);
    BOOST_TEST(r->malformed == 0u);
    BOOST_TEST(!r->addresses[0].ipv6);
    BOOST_TEST(r->addresses[0].ipv4_host_order() == 0xc613010bu);
    BOOST_TEST(r->addresses[0].port == 46705);
    BOOST_TEST((r->addresses[0].origin == wire::address_origin::local));
}

BOOST_AUTO_TEST_CASE(rtmfpcpp_set_peer_info_with_null_and_no_address) {
    auto b = from_hex(golden::rtmfpcpp_set_peer_info);
    auto r = read_set_peer_info(command_of(b));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->address_count == 0u);
    BOOST_TEST(r->malformed == 0u);
}

BOOST_AUTO_TEST_CASE(set_peer_info_protocol_reference_example) {
    // §6.6 example: null, IPv4 and IPv6 strings.
    auto b = from_hex("02000b 73657450656572496e666f 00 0000000000000000 05"
                      "020012 3139322e3136382e312e32303a3530303030"
                      "020013 5b323030313a6462383a3a325d3a3530303032");
    auto r = read_set_peer_info(command_of(b));
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE(r->address_count == 2u);
    BOOST_TEST(r->addresses[0].port == 50000);
    BOOST_TEST(r->addresses[1].ipv6);
    BOOST_TEST(r->addresses[1].port == 50002);
}

BOOST_AUTO_TEST_CASE(set_peer_info_counts_malformed_and_caps_the_list) {
    std::array<std::uint8_t, 2048> buf{};
    wire::writer w(buf);
    amf0_writer a(w);
    a.string("setPeerInfo");
    a.number(0);
    a.null();
    a.string("not an address");
    a.number(5);
    a.object_begin();
    a.key("x");
    a.string("1.2.3.4:5");
    a.object_end();
    a.string("1.2.3.4:99999");
    for (int i = 0; i < 20; ++i) a.string("10.0.0.1:" + std::to_string(1000 + i));
    BOOST_REQUIRE(w.ok());
    auto r = read_set_peer_info(*read_command(w.written()));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->malformed == 4u);
    BOOST_TEST(r->address_count == max_peer_info_addresses);
    BOOST_TEST(r->over_capacity == 4u);
    BOOST_TEST(r->addresses[15].port == 1015);
}

BOOST_AUTO_TEST_CASE(set_peer_info_with_amf3_strings) {
    // Type 17 with a string switched to AMF3 (RFC 7425 §5.3.3 note).
    auto msg = from_hex("11 00000000 00 02000b73657450656572496e666f 00 0000000000000000 05"
                        "11 06 13 312e322e332e343a35");
    auto m = read_rtmp_message(view(msg));
    BOOST_REQUIRE(m.ok());
    auto p = amf_payload(*m);
    BOOST_REQUIRE(p.ok());
    auto r = read_set_peer_info(*read_command(*p));
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE(r->address_count == 1u);
    BOOST_TEST(r->addresses[0].port == 5);
}

BOOST_AUTO_TEST_CASE(create_stream_with_and_without_null) {
    auto a = from_hex(golden::librtmfp_create_stream);
    auto ra = read_create_stream(command_of(a));
    BOOST_REQUIRE(ra.ok());
    BOOST_TEST(ra->transaction_id == 0.0);
    auto b = from_hex(golden::rtmfpcpp_create_stream);
    auto rb = read_create_stream(command_of(b));
    BOOST_REQUIRE(rb.ok());
    BOOST_TEST(rb->transaction_id == 2.0);
}

BOOST_AUTO_TEST_CASE(delete_stream_with_and_without_null) {
    auto a = from_hex("02000c 64656c65746553747265616d 00 0000000000000000 05 00 3ff0000000000000");
    auto ra = read_delete_stream(command_of(a));
    BOOST_REQUIRE(ra.ok());
    BOOST_TEST(ra->stream_id == 1.0);
    auto b = from_hex("02000c 64656c65746553747265616d 00 4000000000000000 00 4008000000000000");
    auto rb = read_delete_stream(command_of(b));
    BOOST_REQUIRE(rb.ok());
    BOOST_TEST(rb->transaction_id == 2.0);
    BOOST_TEST(rb->stream_id == 3.0);
    auto bad = from_hex("02000c 64656c65746553747265616d 00 4000000000000000 05 020001 31");
    BOOST_TEST(read_delete_stream(command_of(bad)).error() == drop_reason::bad_amf);
}

BOOST_AUTO_TEST_CASE(play_and_publish_names) {
    auto a = from_hex(golden::librtmfp_play);
    auto ra = read_play(command_of(a));
    BOOST_REQUIRE(ra.ok());
    BOOST_TEST(ra->name == "stream1");
    auto b = from_hex(golden::rtmfpcpp_play);
    auto rb = read_play(command_of(b));
    BOOST_REQUIRE(rb.ok());
    BOOST_TEST(rb->name == "live");
    auto p = from_hex("020007 7075626c697368 00 0000000000000000 05 020003 616263 020004 6c697665");
    auto rp = read_publish(command_of(p));
    BOOST_REQUIRE(rp.ok());
    BOOST_TEST(rp->name == "abc");
    BOOST_TEST(rp->publish_type == "live");
}

BOOST_AUTO_TEST_CASE(generic_command_and_kind_mismatch) {
    auto b = from_hex("020007 46435075626c697368 00 4010000000000000 05");
    auto c = read_command(view(b));
    BOOST_REQUIRE(!c.ok());  // length 7 for a 9-byte name: the name reads "FCPubli"...
    auto g = from_hex("020009 46435075626c697368 00 4010000000000000 05");
    auto c2 = read_command(view(g));
    BOOST_REQUIRE(c2.ok());
    BOOST_TEST(c2->name == "FCPublish");
    BOOST_TEST((c2->kind == command_kind::other));
    BOOST_TEST(c2->transaction_id == 4.0);
    BOOST_TEST(read_connect(*c2).error() == drop_reason::unknown_command);
    BOOST_TEST(read_set_peer_info(*c2).error() == drop_reason::unknown_command);
    BOOST_TEST(read_create_stream(*c2).error() == drop_reason::unknown_command);
    BOOST_TEST(read_delete_stream(*c2).error() == drop_reason::unknown_command);
    BOOST_TEST(read_play(*c2).error() == drop_reason::unknown_command);
    BOOST_TEST(read_publish(*c2).error() == drop_reason::unknown_command);
}

BOOST_AUTO_TEST_CASE(server_messages_parse_too) {
    // The server-side golden bodies read back with the generic reader,
    // including tcserver's _result with nested maps and a strict array.
    for (const char* hex : {golden::tcserver_connect_result, golden::mona_connect_result, golden::mona_error,
                            golden::mona_create_stream_result, golden::mona_on_status_reset}) {
        auto b = from_hex(hex);
        BOOST_TEST(test::walk_amf0(view(b)) == drop_reason::none);
        BOOST_TEST(read_command(view(b)).ok());
    }
}

BOOST_AUTO_TEST_SUITE_END()
