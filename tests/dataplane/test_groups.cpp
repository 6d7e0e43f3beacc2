// NetGroup joins through the real dataplane (issue 7): two strato-peer client
// cores (tools/strato-peer/connection, I/O-free) connect over the ring port,
// send setPeerInfo and a GC join (protocol reference §7.2); the test plays
// the control thread (peer events -> directory and group table) and checks
// the exact `0b <peer ID>` messages each receives on the server's GC flow.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <memory>

#include "dataplane/stratod/directory_feed.hpp"
#include "tests/dataplane/dataplane_fixture.hpp"
#include "tests/support/hex.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/groupspec.hpp"

using namespace strato;
using strato::test::to_hex;

namespace {

session::time_us now_us() {
    return static_cast<session::time_us>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now().time_since_epoch())
                                             .count());
}

struct client final : peer::datagram_out {
    test::dataplane_fixture* f = nullptr;
    std::uint16_t port = 0;
    std::unique_ptr<peer::connection> c;
    std::vector<std::string> group_messages;  // hex
    std::vector<std::uint64_t> group_flows;
    void send(wire::bytes d) noexcept override {
        (void)f->port.inject(f->udp_frame(std::vector<std::uint8_t>(d.begin(), d.end()), port));
    }
};

std::unique_ptr<client> make_client(test::dataplane_fixture& f, std::uint16_t port, std::vector<std::uint8_t> join,
                                    bool before_connect = false) {
    auto cl = std::make_unique<client>();
    cl->f = &f;
    cl->port = port;
    peer::connect_options o;
    BOOST_REQUIRE(peer::parse_rtmfp_uri("rtmfp://198.18.0.1:1935/app", o.uri).empty());
    o.server = wire::socket_address::v4(0xc6120001u, 1935);
    o.peer_info = {"198.18.0.2:" + std::to_string(port)};
    o.stay = 30 * session::seconds;
    o.group_joins = {std::move(join)};
    o.group_join_before_connect = before_connect;
    client* raw = cl.get();
    o.on_group_message = [raw](std::uint64_t flow, wire::bytes m) {
        raw->group_messages.push_back(to_hex(m));
        raw->group_flows.push_back(flow);
    };
    cl->c = std::make_unique<peer::connection>(std::move(o));
    return cl;
}

// Runs the clients and the "control thread" until done() or the deadline.
template <class Done>
bool run(test::dataplane_fixture& f, std::vector<client*> clients, Done done, unsigned ms = 5000) {
    control::peer_directory& dir = f.rt.directory();
    stratod::directory_feed_stats feed;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < deadline) {
        for (auto* c : clients) c->c->poll(now_us(), *c);
        for (const auto& frame : f.port.collect(1, 5)) {
            if (frame.size() < 42) continue;
            const std::uint16_t dport = static_cast<std::uint16_t>(frame[36] << 8 | frame[37]);
            for (auto* c : clients)
                if (c->port == dport)
                    c->c->on_datagram(wire::bytes{frame.data() + 42, frame.size() - 42}, now_us(), *c);
        }
        f.rt.drain_events([&](const stratod::peer_event& e) {
            stratod::apply_peer_event(dir, e, feed);
            f.rt.groups().apply(e);
        });
        dir.reclaim();
        if (done()) return true;
    }
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(groups)

BOOST_AUTO_TEST_CASE(gc_join_gets_exact_member_messages_both_ways) {
    test::dataplane_fixture f;
    std::array<std::uint8_t, 32> gid{};
    gid.fill(0x42);
    auto a = make_client(f, 40001, peer::group_join_message(gid));
    auto b = make_client(f, 40002, peer::group_join_message(gid));
    a->c->begin(now_us(), *a);
    BOOST_REQUIRE(run(f, {a.get()}, [&] {
        return a->c->current_phase() == peer::phase::connected && f.rt.groups().table().membership_count() == 1;
    }));
    BOOST_TEST(a->group_messages.empty());  // alone in the group: nobody to learn
    b->c->begin(now_us(), *b);
    BOOST_REQUIRE(run(f, {a.get(), b.get()}, [&] { return !a->group_messages.empty() && !b->group_messages.empty(); }));
    const std::string a_id = to_hex(a->c->identity().peer_id), b_id = to_hex(b->c->identity().peer_id);
    // The newcomer learns the member; the member is told about the newcomer.
    BOOST_TEST(b->group_messages == std::vector<std::string>{"0b" + a_id});
    BOOST_TEST(a->group_messages == std::vector<std::string>{"0b" + b_id});
    BOOST_TEST(f.rt.groups().table().group_count() == 1u);
    BOOST_TEST(f.rt.groups().table().membership_count() == 2u);

    // FIN on b's GC flow: b leaves, the group stays with a.
    BOOST_REQUIRE(b->c->group_flows().size() == 1u);
    BOOST_REQUIRE(b->c->close_group_flow(b->c->group_flows()[0]));
    BOOST_REQUIRE(run(f, {a.get(), b.get()}, [&] { return f.rt.groups().table().membership_count() == 1; }));
    // a's NetConnection ends (session closed by stop): the empty group goes.
    a->c->stop_staying(now_us());
    BOOST_REQUIRE(run(f, {a.get(), b.get()}, [&] { return f.rt.groups().table().group_count() == 0; }));
}

BOOST_AUTO_TEST_CASE(malformed_join_is_counted_and_joins_nothing) {
    test::dataplane_fixture f;
    auto a = make_client(f, 40003, {0x01, 0x21, 0x15, 0xaa});
    a->c->begin(now_us(), *a);
    BOOST_REQUIRE(run(f, {a.get()}, [&] { return f.drops(wire::drop_reason::bad_group_join) == 1; }));
    BOOST_TEST(f.rt.groups().table().membership_count() == 0u);
}

BOOST_AUTO_TEST_CASE(join_before_connect_is_refused_and_counted) {
    test::dataplane_fixture f;
    std::array<std::uint8_t, 32> gid{};
    gid.fill(0x43);
    auto a = make_client(f, 40004, peer::group_join_message(gid), true);
    a->c->begin(now_us(), *a);
    const bool refused = run(f, {a.get()}, [&] {
        return f.drops(wire::drop_reason::bad_group_join) == 1 && a->c->current_phase() == peer::phase::connected;
    }, 3000);
    for (const auto& s : a->c->report().steps) BOOST_TEST_MESSAGE(s);
    BOOST_TEST(refused);
    BOOST_TEST((a->c->current_phase() == peer::phase::connected));  // the NetConnection itself is fine
    BOOST_TEST(f.rt.groups().table().membership_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
