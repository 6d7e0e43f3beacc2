#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "dataplane/engine/stream_table.hpp"
#include "tests/support/hex.hpp"

using namespace strato;
using namespace strato::engine;
using strato::test::from_hex;
using strato::test::to_hex;
using wire::drop_reason;

namespace {

// A subscriber whose NetStream flow holds `room` messages.
struct fake_sink : stream_sink {
    std::size_t room = 1000;
    std::vector<std::string> got;  // hex
    std::vector<std::uint8_t> unpublished;
    bool send_stream_message(std::uint8_t, wire::bytes m) noexcept override {
        if (got.size() >= room) return false;
        got.push_back(to_hex(m));
        return true;
    }
    void on_stream_unpublished(std::uint8_t slot) noexcept override { unpublished.push_back(slot); }
};

// RTMP messages: type, timestamp, FLV tag body.
const std::string keyframe = "0900000000" "1700";     // frame type 1, AVC
const std::string interframe = "0900000021" "2701";   // frame type 2
const std::string audio = "0800000010" "af01";
const std::string metadata = "1200000000" "02000a6f6e4d65746144617461";  // "onMetaData"

std::uint64_t drops(const lcore_counters& c, drop_reason r) { return c.drops[static_cast<std::size_t>(r)]; }

} // namespace

BOOST_AUTO_TEST_SUITE(stream_table_suite)

BOOST_AUTO_TEST_CASE(keyframe_is_video_frame_type_one) {
    BOOST_TEST(is_video_keyframe(from_hex(keyframe)));
    BOOST_TEST(!is_video_keyframe(from_hex(interframe)));
    BOOST_TEST(!is_video_keyframe(from_hex("0800000000" "1700")));  // audio with the same first byte
    BOOST_TEST(!is_video_keyframe(from_hex("0900000000")));        // no payload
    BOOST_TEST(!is_video_keyframe({}));
}

BOOST_AUTO_TEST_CASE(names_are_unique_per_app_and_play_needs_a_publisher) {
    lcore_counters c;
    stream_table t(4, 8, c);
    fake_sink a, b, p;
    std::uint32_t ia = 0, ib = 0, ip = 0;
    BOOST_TEST((t.subscribe(0, "cam", p, 0, ip) == play_result::not_found));
    BOOST_TEST(drops(c, drop_reason::stream_not_found) == 1u);
    BOOST_TEST((t.publish(0, "cam", a, 0, ia) == publish_result::ok));
    BOOST_TEST((t.publish(0, "cam", b, 1, ib) == publish_result::name_in_use));
    BOOST_TEST(drops(c, drop_reason::stream_name_in_use) == 1u);
    BOOST_TEST((t.publish(1, "cam", b, 1, ib) == publish_result::ok));  // another app: another namespace
    BOOST_TEST(ia != ib);
    BOOST_TEST((t.publish(0, "", b, 2, ib) == publish_result::bad_name));
    BOOST_TEST((t.publish(0, std::string(max_stream_name + 1, 'x'), b, 2, ib) == publish_result::bad_name));
    BOOST_TEST((t.subscribe(0, "cam", p, 3, ip) == play_result::ok));
    BOOST_TEST(ip == ia);
    BOOST_TEST(t.subscriber_count(ia) == 1u);
    BOOST_TEST(t.stream_count() == 2u);
}

BOOST_AUTO_TEST_CASE(tables_and_subscriber_lists_are_bounded) {
    lcore_counters c;
    stream_table t(2, 2, c);
    fake_sink s;
    std::uint32_t i = 0;
    BOOST_TEST((t.publish(0, "a", s, 0, i) == publish_result::ok));
    BOOST_TEST((t.publish(0, "b", s, 1, i) == publish_result::ok));
    BOOST_TEST((t.publish(0, "c", s, 2, i) == publish_result::table_full));
    BOOST_TEST((t.subscribe(0, "a", s, 3, i) == play_result::ok));
    BOOST_TEST((t.subscribe(0, "a", s, 4, i) == play_result::ok));
    BOOST_TEST((t.subscribe(0, "a", s, 5, i) == play_result::full));
    t.unsubscribe(i, s, 3);
    BOOST_TEST(t.subscriber_count(i) == 1u);
    BOOST_TEST((t.subscribe(0, "a", s, 5, i) == play_result::ok));
}

BOOST_AUTO_TEST_CASE(fan_out_reaches_every_subscriber_unchanged) {
    lcore_counters c;
    stream_table t(4, 64, c);
    fake_sink pub;
    std::vector<fake_sink> subs(50);
    std::uint32_t index = 0, i = 0;
    BOOST_REQUIRE((t.publish(0, "cam", pub, 0, index) == publish_result::ok));
    for (auto& s : subs) BOOST_REQUIRE((t.subscribe(0, "cam", s, 1, i) == play_result::ok));
    auto r = t.fan_out(index, from_hex(keyframe));
    BOOST_TEST(r.sent == 50u);
    BOOST_TEST(r.dropped == 0u);
    for (const auto& s : subs) {
        BOOST_REQUIRE(s.got.size() == 1u);
        BOOST_TEST(s.got[0] == keyframe);
    }
    BOOST_TEST(c.stages[static_cast<std::size_t>(stage::stream_frames_out)] == 50u);
    BOOST_TEST(pub.got.empty());  // a publisher does not hear itself
}

BOOST_AUTO_TEST_CASE(a_backlogged_subscriber_skips_to_the_next_keyframe_without_stalling_others) {
    lcore_counters c;
    stream_table t(4, 8, c);
    fake_sink pub, fast, slow;
    slow.room = 2;
    std::uint32_t index = 0, i = 0;
    BOOST_REQUIRE((t.publish(0, "cam", pub, 0, index) == publish_result::ok));
    BOOST_REQUIRE((t.subscribe(0, "cam", fast, 0, i) == play_result::ok));
    BOOST_REQUIRE((t.subscribe(0, "cam", slow, 0, i) == play_result::ok));
    t.fan_out(index, from_hex(keyframe));
    t.fan_out(index, from_hex(interframe));
    // slow's flow is full from here: this frame fails and it starts waiting.
    auto r = t.fan_out(index, from_hex(interframe));
    BOOST_TEST(r.sent == 1u);
    BOOST_TEST(drops(c, drop_reason::stream_subscriber_backlog) == 1u);
    slow.room = 100;  // the flow drained
    // Audio and inter frames are skipped while waiting; metadata is not.
    t.fan_out(index, from_hex(audio));
    t.fan_out(index, from_hex(interframe));
    t.fan_out(index, from_hex(metadata));
    BOOST_TEST(drops(c, drop_reason::stream_awaiting_keyframe) == 2u);
    BOOST_REQUIRE(slow.got.size() == 3u);
    BOOST_TEST(slow.got[2] == metadata);
    t.fan_out(index, from_hex(keyframe));
    t.fan_out(index, from_hex(audio));
    BOOST_REQUIRE(slow.got.size() == 5u);
    BOOST_TEST(slow.got[3] == keyframe);
    BOOST_TEST(slow.got[4] == audio);
    BOOST_TEST(fast.got.size() == 8u);  // never held back
}

BOOST_AUTO_TEST_CASE(unpublish_tells_subscribers_and_frees_the_name) {
    lcore_counters c;
    stream_table t(1, 8, c);
    fake_sink pub, s1, s2, other;
    std::uint32_t index = 0, i = 0;
    BOOST_REQUIRE((t.publish(0, "cam", pub, 0, index) == publish_result::ok));
    BOOST_REQUIRE((t.subscribe(0, "cam", s1, 2, i) == play_result::ok));
    BOOST_REQUIRE((t.subscribe(0, "cam", s2, 3, i) == play_result::ok));
    t.unpublish(index);
    BOOST_TEST(s1.unpublished == std::vector<std::uint8_t>{2});
    BOOST_TEST(s2.unpublished == std::vector<std::uint8_t>{3});
    BOOST_TEST(t.stream_count() == 0u);
    BOOST_TEST(t.fan_out(index, from_hex(keyframe)).sent == 0u);
    BOOST_TEST((t.publish(0, "cam", other, 0, i) == publish_result::ok));  // the one slot is free again
    BOOST_TEST(t.subscriber_count(i) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
