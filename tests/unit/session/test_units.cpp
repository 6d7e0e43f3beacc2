// Pieces of the engine on their own: ack encoding (golden bytes), timing,
// anti-replay, mobility tokens, the session table's IDs.
#include <boost/test/unit_test.hpp>

#include "dataplane/session/ack.hpp"
#include "dataplane/session/mobility.hpp"
#include "dataplane/session/session_table.hpp"
#include "dataplane/session/timing.hpp"
#include "harness.hpp"

using namespace strato;
using namespace strato::session;
using namespace strato::session::test;
using session_t = strato::session::session;

BOOST_AUTO_TEST_SUITE(session_units)

BOOST_AUTO_TEST_CASE(golden_range_ack_monaserver2) {
    // librtmfp-monaserver2-connect.txt line 24: RangeAck len=5 flowID=2
    // bufferBlocksAvailable=65407 cumulativeAck=1 -> 51 0005 02 83fe7f 01.
    std::uint8_t buf[64];
    wire::writer w({buf, sizeof buf});
    BOOST_REQUIRE(write_ack(w, sizeof buf, 2, 65407, 1, received_set{}));
    const bytes_vec expect{0x51, 0x00, 0x05, 0x02, 0x83, 0xfe, 0x7f, 0x01};
    BOOST_TEST(bytes_vec(w.written().begin(), w.written().end()) == expect, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ack_forms_and_round_trip) {
    // Protocol reference §5.3 example: flow 5, 127 blocks, 0..16, 18, 21-24.
    received_set s;  // bit i = 16 + 1 + i
    s.set(1);        // 18
    for (int q = 21; q <= 24; ++q) s.set(static_cast<std::size_t>(q - 17));
    std::uint8_t buf[64];
    wire::writer r({buf, sizeof buf});
    BOOST_REQUIRE(write_ack(r, sizeof buf, 5, 127, 16, s, ack_form::ranges));
    const bytes_vec ranges{0x51, 0x00, 0x07, 0x05, 0x7f, 0x10, 0x00, 0x00, 0x01, 0x03};
    BOOST_TEST(bytes_vec(r.written().begin(), r.written().end()) == ranges, boost::test_tools::per_element());
    s.set(27 - 17);
    s.set(28 - 17);
    std::uint8_t buf2[64];
    wire::writer b({buf2, sizeof buf2});
    BOOST_REQUIRE(write_ack(b, sizeof buf2, 5, 127, 16, s, ack_form::bitmap));
    const bytes_vec bitmap{0x50, 0x00, 0x05, 0x05, 0x7f, 0x10, 0x79, 0x06};
    BOOST_TEST(bytes_vec(b.written().begin(), b.written().end()) == bitmap, boost::test_tools::per_element());
    // Shortest picks the bitmap here (8 bytes vs 12), and it decodes back.
    std::uint8_t buf3[64];
    wire::writer sh({buf3, sizeof buf3});
    BOOST_REQUIRE(write_ack(sh, sizeof buf3, 5, 127, 16, s));
    BOOST_TEST(buf3[0] == 0x50);
    auto parsed = wire::parse_data_ack_bitmap(wire::bytes{buf3 + 3, sh.size() - 3});
    BOOST_REQUIRE(parsed.ok());
    acked_ranges it(*parsed);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
    wire::ack_range x{};
    while (it.next(x)) got.push_back({x.first, x.last});
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> want{{18, 18}, {21, 24}, {27, 28}};
    BOOST_TEST((got == want));
    // No room: nothing written.
    wire::writer tiny({buf, sizeof buf});
    BOOST_TEST(!write_ack(tiny, 4, 5, 127, 16, s));
    BOOST_TEST(tiny.size() == 0u);
}

BOOST_AUTO_TEST_CASE(timestamp_echo_and_erto) {
    timing t;
    BOOST_TEST(t.erto() == erto_initial);
    BOOST_TEST(!t.echo_for_send(0).has_value());
    // TS 1000 at t0; 40 ms later the echo is 1010 (4 ms ticks, P9).
    const time_us t0 = 500 * seconds;
    t.on_receive(std::uint16_t{1000}, std::nullopt, t0);
    BOOST_TEST(*t.echo_for_send(t0 + 40 * ms) == 1010);
    BOOST_TEST(!t.echo_for_send(t0 + 41 * ms).has_value());  // unchanged echo is not resent
    BOOST_TEST(*t.echo_for_send(t0 + 44 * ms) == 1011);
    // Wraps modulo 65536.
    timing w;
    w.on_receive(std::uint16_t{65535}, std::nullopt, t0);
    BOOST_TEST(*w.echo_for_send(t0 + 8 * ms) == 1);
    // Forgotten after 128 s.
    BOOST_TEST(!t.echo_for_send(t0 + 129 * seconds).has_value());
    // RTT from an echo: our tick now minus the echo.
    timing r;
    const time_us now = 1000 * seconds;
    r.on_receive(std::nullopt, static_cast<std::uint16_t>(ticks_of(now) - 25), now);  // 100 ms
    BOOST_TEST(r.has_rtt());
    BOOST_TEST(r.srtt() == 100 * ms);
    BOOST_TEST(r.erto() == 100 * ms + 4 * 50 * ms + 200 * ms);
    // An echo from "the future" (> 32767 ticks back) is no sample.
    timing bad;
    bad.on_receive(std::nullopt, static_cast<std::uint16_t>(ticks_of(now) + 5), now);
    BOOST_TEST(!bad.has_rtt());
    // Minimum 250 ms; backoff x1.4142 up to 10 s.
    timing m;
    for (int i = 0; i < 20; ++i) m.add_rtt_sample(1 * ms);
    BOOST_TEST(m.erto() == erto_min);
    timing k;
    k.backoff();
    BOOST_TEST(k.erto() == 4242600u);
    for (int i = 0; i < 10; ++i) k.backoff();
    BOOST_TEST(k.erto() == erto_max);
}

BOOST_AUTO_TEST_CASE(replay_window_64) {
    replay_window w;
    BOOST_TEST(w.accept(0));
    BOOST_TEST(!w.accept(0));
    BOOST_TEST(w.accept(5));
    BOOST_TEST(w.accept(3));
    BOOST_TEST(!w.accept(3));
    BOOST_TEST(w.accept(100));
    BOOST_TEST(w.accept(37));   // 63 behind: still inside
    BOOST_TEST(!w.accept(36));  // 64 behind: too old
    BOOST_TEST(!w.accept(5));
}

BOOST_AUTO_TEST_CASE(mobility_token) {
    crypto::hmac_key key, other;
    const std::uint8_t s1[32] = {9}, s2[32] = {10};
    BOOST_REQUIRE(crypto::make_hmac_key({s1, 32}, key));
    BOOST_REQUIRE(crypto::make_hmac_key({s2, 32}, other));
    const auto to = addr(0xc0000201, 5000);
    std::uint8_t m[mobility_message_size];
    const time_us t = 77 * seconds;
    make_mobility_check(key, 42, to, t, m);
    time_us ts = 0;
    BOOST_TEST(verify_mobility_reply(key, 42, to, {m, sizeof m}, t + seconds, 0, ts));
    BOOST_TEST(ts == t);
    BOOST_TEST(!verify_mobility_reply(other, 42, to, {m, sizeof m}, t + seconds, 0, ts));           // wrong secret
    BOOST_TEST(!verify_mobility_reply(key, 43, to, {m, sizeof m}, t + seconds, 0, ts));             // other session
    BOOST_TEST(!verify_mobility_reply(key, 42, addr(0xc0000201, 5001), {m, sizeof m}, t + seconds, 0, ts));
    BOOST_TEST(!verify_mobility_reply(key, 42, to, {m, sizeof m}, t + 121 * seconds, 0, ts));       // stale
    BOOST_TEST(!verify_mobility_reply(key, 42, to, {m, sizeof m}, t + seconds, t, ts));             // not newer
    BOOST_TEST(!verify_mobility_reply(key, 42, to, {m, sizeof m - 1}, t + seconds, 0, ts));
    m[12] ^= 1;
    BOOST_TEST(!verify_mobility_reply(key, 42, to, {m, sizeof m}, t + seconds, 0, ts));
}

BOOST_AUTO_TEST_CASE(table_ids_owner_generation) {
    table_config c;
    c.capacity = 4;
    c.owner = 5;
    c.session.max_recv_flows = 2;
    c.session.max_send_flows = 2;
    session_table t;
    BOOST_REQUIRE(t.init(c));
    recorder app;
    session_keys k = make_keys(1, false, false, false);
    session_params p{0, 9, addr(1, 1), false, nullptr};
    session_t* s[4];
    for (auto& x : s) {
        x = t.create(p, k, &app, 0);
        BOOST_REQUIRE(x);
        BOOST_TEST(t.owner_of(x->near_id()) == 5u);
        BOOST_TEST(session_table::owner_of(x->near_id(), 6) == 5u);
        BOOST_TEST(x->near_id() != 0u);
        BOOST_TEST(t.lookup(x->near_id()) == x);
    }
    BOOST_TEST(t.create(p, k, &app, 0) == nullptr);  // full, counted
    BOOST_TEST(t.stats().drops[static_cast<std::size_t>(wire::drop_reason::table_full)] == 1u);
    const std::uint32_t old = s[1]->near_id();
    t.release(s[1]);
    BOOST_TEST(t.lookup(old) == nullptr);
    session_t* again = t.create(p, k, &app, 0);
    BOOST_REQUIRE(again == s[1]);              // the only free slot
    BOOST_TEST(again->near_id() != old);       // new generation
    BOOST_TEST(t.lookup(old) == nullptr);      // stale ID never reaches the reused slot
    BOOST_TEST(t.lookup(again->near_id()) == again);
    BOOST_TEST(t.lookup(again->near_id() ^ 0x80000000u) == nullptr);  // other owner
    BOOST_TEST(t.active() == 4u);
    BOOST_TEST_MESSAGE("bytes per session (2+2 flows, defaults): " << t.bytes_per_session());
    BOOST_TEST(t.bytes_per_session() < 128u * 1024u);
    table_config bad = c;
    bad.owner = 64;
    session_table t2;
    BOOST_TEST(!t2.init(bad));
}

BOOST_AUTO_TEST_SUITE_END()
