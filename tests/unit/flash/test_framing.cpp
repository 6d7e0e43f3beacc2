// Flow metadata signatures, RTMP framing and the GC group messages.
#include <boost/test/unit_test.hpp>

#include <array>

#include "dataplane/flash/group.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "tests/unit/flash/common.hpp"
#include "tests/unit/flash/golden.hpp"

using namespace strato;
using namespace strato::flash;
using wire::drop_reason;
using test::from_hex;
using test::to_hex;
using test::view;

BOOST_AUTO_TEST_SUITE(framing)

BOOST_AUTO_TEST_CASE(tc_metadata) {
    struct {
        const char* hex;
        std::uint64_t sid;
        bool rxi;
    } cases[] = {{"54430400", 0, false}, {"54430405", 5, false}, {"54430505", 5, true}, {"5443048100", 128, false}};
    for (auto& c : cases) {
        auto b = from_hex(c.hex);
        auto m = read_flow_metadata(view(b));
        BOOST_REQUIRE(m.ok());
        BOOST_TEST((m->signature == flow_signature::tc));
        BOOST_TEST(m->stream_id == c.sid);
        BOOST_TEST(m->receive_intent == c.rxi);
        std::array<std::uint8_t, 16> buf{};
        wire::writer w(buf);
        write_tc_metadata(w, c.sid, c.rxi);
        BOOST_TEST(to_hex(w.written()) == to_hex(view(b)));
    }
}

BOOST_AUTO_TEST_CASE(gc_gr_and_unknown_metadata) {
    auto gc = from_hex("4743");
    auto m = read_flow_metadata(view(gc));
    BOOST_REQUIRE(m.ok());
    BOOST_TEST((m->signature == flow_signature::gc));
    std::array<std::uint8_t, 4> buf{};
    wire::writer w(buf);
    write_gc_metadata(w);
    BOOST_TEST(to_hex(w.written()) == "4743");

    auto gr = from_hex("47521c");
    auto g = read_flow_metadata(view(gr));
    BOOST_REQUIRE(g.ok());
    BOOST_TEST((g->signature == flow_signature::gr));
    BOOST_TEST(g->gr_kind == 0x1c);

    for (const char* hex : {"", "54", "4142", "ffff00"}) {
        auto b = from_hex(hex);
        auto u = read_flow_metadata(view(b));
        BOOST_REQUIRE(u.ok());
        BOOST_TEST((u->signature == flow_signature::unknown));
    }
}

BOOST_AUTO_TEST_CASE(malformed_metadata) {
    // No SID flag, missing flags, missing or overlong stream ID, trailing
    // bytes, GC with extra bytes, GR without its kind byte.
    for (const char* hex : {"54430000", "54430100", "5443", "544304", "54430481", "5443040000", "544304ffffffffffffffffff7f",
                            "474300", "4752"}) {
        auto b = from_hex(hex);
        BOOST_TEST(read_flow_metadata(view(b)).error() == drop_reason::bad_metadata, hex);
    }
}

BOOST_AUTO_TEST_CASE(rtmp_framing) {
    auto b = from_hex("14 0000002a 0200017a");
    auto m = read_rtmp_message(view(b));
    BOOST_REQUIRE(m.ok());
    BOOST_TEST(m->type == rtmp_type::command_amf0);
    BOOST_TEST(m->timestamp == 42u);
    BOOST_TEST(m->body.size() == 4u);
    auto p = amf_payload(*m);
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->size() == 4u);
    std::array<std::uint8_t, 8> buf{};
    wire::writer w(buf);
    write_rtmp_header(w, rtmp_type::command_amf0, 42);
    BOOST_TEST(to_hex(w.written()) == "140000002a");

    for (std::size_t n = 0; n < rtmp_header_size; ++n)
        BOOST_TEST(read_rtmp_message(view(b).first(n)).error() == drop_reason::truncated);

    auto amf3 = from_hex("11 00000000 01 05");
    BOOST_TEST(amf_payload(*read_rtmp_message(view(amf3))).error() == drop_reason::bad_rtmp_message);
    auto empty3 = from_hex("11 00000000");
    BOOST_TEST(amf_payload(*read_rtmp_message(view(empty3))).error() == drop_reason::truncated);
    auto audio = from_hex("08 00000000 aa");
    BOOST_TEST(amf_payload(*read_rtmp_message(view(audio))).error() == drop_reason::bad_rtmp_message);
    BOOST_TEST(is_chunk_stream_control(1));
    BOOST_TEST(!is_chunk_stream_control(4));
}

BOOST_AUTO_TEST_CASE(group_join_current_form) {
    auto b = from_hex(test::golden::group_join);
    auto j = read_group_join(view(b));
    BOOST_REQUIRE(j.ok());
    BOOST_TEST(!j->legacy);
    BOOST_TEST(to_hex(j->id) == "c3ab09fc9d3fd2fe3f4f82762c530b96f2eb1c49d9fe615f48f250545b731dc9");
    std::array<std::uint8_t, 64> buf{};
    wire::writer w(buf);
    write_group_join(w, j->id);
    BOOST_TEST(to_hex(w.written()) == to_hex(view(b)));
    std::uint8_t id[32];
    group_id_of(*j, nullptr, id);
    BOOST_TEST(to_hex(id) == to_hex(j->id));

    for (std::size_t n = 0; n < b.size(); ++n)
        BOOST_TEST(read_group_join(view(b).first(n)).error() == drop_reason::bad_group_join);
}

namespace {
std::size_t hashed_size = 0;
void fake_sha256(wire::bytes in, std::uint8_t (&out)[32]) noexcept {
    hashed_size = in.size();
    for (auto& x : out) x = 0xee;
}
} // namespace

BOOST_AUTO_TEST_CASE(group_join_legacy_form) {
    auto b = from_hex("01 05 10 47 3a 30 31");  // L = 5: kind 0x10, then "G:01"
    auto j = read_group_join(view(b));
    BOOST_REQUIRE(j.ok());
    BOOST_TEST(j->legacy);
    BOOST_TEST(wire::as_text(j->groupspec) == "G:01");
    std::uint8_t id[32];
    group_id_of(*j, fake_sha256, id);
    BOOST_TEST(hashed_size == 4u);
    BOOST_TEST(id[0] == 0xee);
    auto big = from_hex("01 8101 10");  // L = 129 but nothing follows
    BOOST_TEST(read_group_join(view(big)).error() == drop_reason::bad_group_join);
}

BOOST_AUTO_TEST_CASE(malformed_group_joins) {
    for (const char* hex : {"", "02 21 15", "01 00", "01 21 16 " /* wrong kind */, "01 20 15", "01 ffffffffffffffffffff7f 15"}) {
        auto b = from_hex(hex);
        if (std::string_view(hex) == "01 21 16 ") b.resize(35, 0xab);
        if (std::string_view(hex) == "01 20 15") b.resize(35, 0xab);  // L = 32: 31-byte ID
        BOOST_TEST(read_group_join(view(b)).error() == drop_reason::bad_group_join, hex);
    }
}

BOOST_AUTO_TEST_CASE(group_member_message) {
    std::array<std::uint8_t, 33> pid{};
    pid.fill(0x5a);
    std::array<std::uint8_t, 64> buf{};
    wire::writer w(buf);
    write_group_member(w, wire::bytes(pid).first(32));
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(w.size() == 33u);
    BOOST_TEST(buf[0] == group_member_code);
    wire::writer w2(buf);
    write_group_member(w2, pid);  // 33 bytes is not a peer ID
    BOOST_TEST(!w2.ok());
}

BOOST_AUTO_TEST_SUITE_END()
