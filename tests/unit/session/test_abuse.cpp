// A hostile peer meets hard bounds: counted, refused, memory unchanged.
#include <boost/test/unit_test.hpp>

#include "harness.hpp"

using namespace strato;
using namespace strato::session;
using namespace strato::session::test;

namespace {
const std::uint8_t tc_meta[] = {0x54, 0x43, 0x04, 0x00};
void inject_data(fake_net& n, std::uint64_t flow, std::uint64_t seq, std::uint64_t fsn_off, std::uint8_t flags,
                 wire::bytes data, bool meta = true) {
    injector p(n.now);
    std::uint8_t opts[16];
    wire::writer ow({opts, sizeof opts});
    if (meta) wire::write_option(ow, wire::option_user_metadata, {tc_meta, 4});
    wire::user_data ud;
    ud.flags = flags;
    ud.flow_id = flow;
    ud.sequence_number = seq;
    ud.fsn_offset = fsn_off;
    ud.options = ow.written();
    ud.data = data;
    wire::write_user_data(p.w(), ud);
    BOOST_REQUIRE(p.into(n.b, n.addr_a, n.now) == wire::drop_reason::none);
}
} // namespace

BOOST_AUTO_TEST_SUITE(session_abuse)

BOOST_AUTO_TEST_CASE(too_many_flows) {
    fake_net n;
    n.cut = true;
    const std::uint8_t d[] = {1};
    for (std::uint64_t id = 1; id <= 100; ++id) inject_data(n, id, 1, 1, 0, {d, 1});
    BOOST_TEST(n.app_b.new_flows.size() == n.b.config().max_recv_flows);
    BOOST_TEST(n.stats_b.flows_refused_full == 100u - n.b.config().max_recv_flows);
    BOOST_TEST(n.stats_b.drops[static_cast<std::size_t>(wire::drop_reason::table_full)] >= 92u);
    n.b.poll(n.now, n);  // refused flows get a (bounded) Flow Exception each
    BOOST_TEST(n.b.state() == session_state::open);
}

BOOST_AUTO_TEST_CASE(huge_fragmented_message_is_refused) {
    session_config c;
    c.recv_message_max = 4096;
    fake_net n(c);
    n.cut = true;
    const bytes_vec chunk = pattern(1000, 1);
    inject_data(n, 1, 1, 1, static_cast<std::uint8_t>(wire::fragment_control::first), {chunk.data(), chunk.size()});
    for (std::uint64_t s = 2; s <= 10; ++s)
        inject_data(n, 1, s, s, static_cast<std::uint8_t>(wire::fragment_control::middle), {chunk.data(), chunk.size()}, false);
    BOOST_TEST(n.stats_b.messages_too_large == 1u);
    BOOST_TEST(n.app_b.messages.empty());
    BOOST_REQUIRE(n.b.find_recv(1));
    BOOST_TEST(n.b.find_recv(1)->state() == recv_state::rejected);
    BOOST_TEST(n.app_b.closed_flows.size() == 1u);
    BOOST_TEST(n.app_b.closed_flows[0].why == flow_end::rejected);
}

BOOST_AUTO_TEST_CASE(out_of_order_flood_is_bounded) {
    session_config c;
    c.recv_stash_bytes = 4096;
    fake_net n(c);
    n.cut = true;
    const bytes_vec chunk = pattern(1000, 2);
    inject_data(n, 1, 1, 1, 0, {chunk.data(), chunk.size()});
    // A gap at 2, then far more out-of-order data than the stash holds.
    for (std::uint64_t s = 3; s <= 40; ++s) inject_data(n, 1, s, s - 1, 0, {chunk.data(), chunk.size()}, false);
    BOOST_TEST(n.stats_b.stash_full > 0u);
    BOOST_TEST(n.b.find_recv(1)->stash_used() <= 4096u);
    // Far beyond the tracked window: dropped unacknowledged.
    inject_data(n, 1, 100000, 99999, 0, {chunk.data(), chunk.size()}, false);
    BOOST_TEST(n.stats_b.out_of_window == 1u);
    // The gap fills: what was stashed is delivered in order.
    inject_data(n, 1, 2, 1, 0, {chunk.data(), chunk.size()}, false);
    BOOST_TEST(n.app_b.messages.size() >= 2u + 3u);
    // A forward sequence number far ahead abandons the rest without a long loop.
    inject_data(n, 1, 1ull << 60, 1, wire::ud_abandon, {}, false);
    BOOST_TEST(n.b.find_recv(1)->cumulative_ack() == (1ull << 60));
    BOOST_TEST(n.b.state() == session_state::open);
}

BOOST_AUTO_TEST_CASE(sender_back_pressure) {
    session_config c;
    c.send_flow_bytes = 8 * 1024;
    c.send_flow_fragments = 16;
    fake_net n(c);
    n.cut = true;
    const std::uint64_t f = n.a.open_flow({tc_meta, 4});
    const bytes_vec big = pattern(9000, 1), mid = pattern(3000, 2);
    BOOST_TEST(n.a.send(f, {big.data(), big.size()}) == send_status::too_large);
    BOOST_TEST(n.a.send(f, {mid.data(), mid.size()}) == send_status::ok);
    BOOST_TEST(n.a.send(f, {mid.data(), mid.size()}) == send_status::ok);
    BOOST_TEST(n.a.send(f, {mid.data(), mid.size()}) == send_status::would_block);
    BOOST_TEST(!n.a.can_send(f, 3000));
    BOOST_TEST(n.a.send(999, {mid.data(), mid.size()}) == send_status::no_flow);
    // Storage frees as acks come in.
    n.cut = false;
    n.run(20 * seconds);
    BOOST_TEST(n.a.can_send(f, 3000));
    BOOST_TEST(n.app_b.messages.size() == 2u);
}

BOOST_AUTO_TEST_CASE(bad_packets_are_counted) {
    fake_net n;
    // Mode 2 towards the responder: dropped.
    injector p(n.now, 2);
    wire::write_ping(p.w(), {});
    BOOST_TEST(p.into(n.b, n.addr_a, n.now) == wire::drop_reason::bad_mode);
    // Next User Data without a User Data before it.
    injector q(n.now);
    wire::write_next_user_data(q.w(), {0, {}, {}});
    BOOST_TEST(q.into(n.b, n.addr_a, n.now) == wire::drop_reason::none);
    BOOST_TEST(n.stats_b.drops[static_cast<std::size_t>(wire::drop_reason::missing_next_user_data_base)] == 1u);
    // Acks and probes for flows that do not exist, an exception for nothing.
    injector r(n.now);
    const std::uint8_t ranges[] = {0x7f, 0x7f};
    wire::write_data_ack_ranges(r.w(), {77, 0, 1ull << 62, {ranges, 2}});
    wire::write_buffer_probe(r.w(), {78});
    wire::write_flow_exception_report(r.w(), {79, 0});
    BOOST_TEST(r.into(n.b, n.addr_a, n.now) == wire::drop_reason::none);
    BOOST_TEST(n.b.state() == session_state::open);
    // After close, packets are refused.
    n.b.abort();
    injector s(n.now);
    wire::write_ping(s.w(), {});
    BOOST_TEST(s.into(n.b, n.addr_a, n.now) == wire::drop_reason::unknown_session);
}

BOOST_AUTO_TEST_CASE(memory_per_session_is_stated) {
    const session_config server{};  // defaults: 8+8 flows, 8 KiB stash, 16 KiB messages, 16 KiB send
    session_config small;
    small.max_recv_flows = 4;
    small.max_send_flows = 4;
    small.recv_message_max = 4096;
    small.recv_stash_bytes = 2048;
    small.send_flow_bytes = 4096;
    small.send_flow_fragments = 16;
    BOOST_TEST_MESSAGE("session object " << sizeof(strato::session::session) << " B; arena default "
                       << strato::session::session::arena_bytes(server) << " B, small "
                       << strato::session::session::arena_bytes(small) << " B");
    BOOST_TEST(strato::session::session::arena_bytes(small) < 64u * 1024u);
}

BOOST_AUTO_TEST_SUITE_END()
