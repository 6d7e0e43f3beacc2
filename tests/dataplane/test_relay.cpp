// Message relay across worker lcores, through the real runtime: two ring
// ports, each polled by its own worker (port 0 by lcore 1, port 1 by lcore
// 2). strato-peer's client core connects peer A through port 0 and peer B
// through port 1, so their sessions live on different lcores; B's relay to
// A must reach A's NetConnection through lcore 1's handoff ring, and A's
// answer come back through lcore 2's.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control/config.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/directory_feed.hpp"
#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/stratod/runtime.hpp"
#include "tools/strato-peer/amf_text.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/hex.hpp"

using namespace strato;

namespace {

session::time_us real_now() {
    return static_cast<session::time_us>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now().time_since_epoch())
                                             .count());
}

// One client on one ring port: datagrams wrapped in Ethernet/IPv4/UDP and
// injected; frames the worker transmits unwrapped and fed back.
struct wired_client final : peer::datagram_out {
    stratod::ring_port* port = nullptr;
    net::mac_address client_mac, server_mac;
    wire::socket_address client, server;
    std::optional<peer::connection> c;
    std::vector<std::string> relayed;   // "sender: values"
    std::vector<peer::call_answer> answers;

    void send(wire::bytes d) noexcept override {
        std::vector<std::uint8_t> f(net::udp_payload_offset(false, false) + d.size());
        std::memcpy(f.data() + net::udp_payload_offset(false, false), d.data(), d.size());
        net::udp_route r;
        r.source_mac = client_mac;
        r.destination_mac = server_mac;
        r.source = client;
        r.destination = server;
        (void)net::write_udp_headers(r, f, d.size(), net::checksum_mode::software);
        (void)port->inject(f);
    }
    void start(const std::string& uri, session::time_us now) {
        peer::connect_options o;
        BOOST_REQUIRE(peer::parse_rtmfp_uri(uri, o.uri) == "");
        o.server = server;
        o.peer_info = {};
        o.stay = 60 * session::seconds;
        o.timeout = 10 * session::seconds;
        o.on_relay = [this](std::string_view sender, wire::bytes args) {
            relayed.push_back(std::string(sender) + ": " + peer::amf_values_text(args));
        };
        o.on_call_answer = [this](const peer::call_answer& a) { answers.push_back(a); };
        c.emplace(std::move(o));
        c->begin(now, *this);
    }
    void pump(session::time_us now) {
        for (auto& f : port->collect(0, 0)) {
            const std::size_t off = net::udp_payload_offset(false, false);
            if (f.size() <= off || f[12] != 0x08 || f[13] != 0x00 || f[23] != 17) continue;  // IPv4 UDP only
            const std::size_t udp_len = static_cast<std::size_t>(f[off - 4]) << 8 | f[off - 3];
            if (udp_len < 8 || off + udp_len - 8 > f.size()) continue;
            c->on_datagram(wire::bytes{f.data() + off, udp_len - 8}, now, *this);
        }
        c->poll(now, *this);
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(relay_crosses_worker_lcores_through_handoff_rings) {
    stratod::ring_port p0("rl0", 4096, 4095, 2), p1("rl1", 4096, 4095, 2);
    BOOST_REQUIRE(p0.ok());
    BOOST_REQUIRE(p1.ok());
    const std::string text =
        "[[ports]]\ndevice = \"" + p0.device_name() + "\"\nipv4 = [\"198.18.0.1/24\"]\nmac = \"02:00:00:00:00:01\"\n"
        "[[ports]]\ndevice = \"" + p1.device_name() + "\"\nipv4 = [\"198.18.1.1/24\"]\nmac = \"02:00:00:00:01:01\"\n"
        "[workers]\nmain_lcore = 0\nlcores = [1, 2]\ntx_drain_us = 50\n"
        "[[workers.queues]]\nlcore = 1\nport = 0\nqueue = 0\n"
        "[[workers.queues]]\nlcore = 2\nport = 1\nqueue = 0\n"
        "[mempool]\nmbufs_per_port = 4095\ncache_size = 64\n"
        "[sessions]\nmax_sessions_per_lcore = 64\n"
        "[server]\ncertificate_dh_groups = [2, 5, 14]\nlog_level = \"error\"\n";
    auto parsed = control::parse_config_text(text, "test");
    BOOST_REQUIRE_MESSAGE(parsed.ok(), control::format_errors(parsed.errors_));
    stratod::runtime rt;
    std::string error;
    BOOST_REQUIRE_MESSAGE(rt.setup(*parsed.config_, error), error);
    BOOST_REQUIRE_MESSAGE(rt.launch(error), error);
    stratod::directory_feed_stats feed;

    wired_client a, b;
    a.port = &p0;
    a.client_mac = net::mac_address{{0x02, 0, 0, 0, 0, 0x02}};
    a.server_mac = net::mac_address{{0x02, 0, 0, 0, 0, 0x01}};
    a.client = wire::socket_address::v4(0xc6120002u, 40000);
    a.server = wire::socket_address::v4(0xc6120001u, 1935);
    b.port = &p1;
    b.client_mac = net::mac_address{{0x02, 0, 0, 0, 1, 0x02}};
    b.server_mac = net::mac_address{{0x02, 0, 0, 0, 1, 0x01}};
    b.client = wire::socket_address::v4(0xc6120102u, 40001);
    b.server = wire::socket_address::v4(0xc6120101u, 1935);

    session::time_us now = real_now();
    a.start("rtmfp://198.18.0.1/app", now);
    b.start("rtmfp://198.18.1.1/app", now);
    const auto step = [&] {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        now = real_now();
        a.pump(now);
        b.pump(now);
        rt.drain_events([&](const stratod::peer_event& e) { stratod::apply_peer_event(rt.directory(), e, feed); });
    };
    const auto until = [&](auto done, int ms) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (!done() && std::chrono::steady_clock::now() < end) step();
        return done();
    };
    BOOST_REQUIRE(until([&] { return a.c->current_phase() == peer::phase::connected &&
                                     b.c->current_phase() == peer::phase::connected; }, 20000));
    // Both in the directory (the control side's job here), on different lcores.
    control::peer_id ida, idb;
    std::memcpy(ida.data(), a.c->report().peer_id.data(), ida.size());
    std::memcpy(idb.data(), b.c->report().peer_id.data(), idb.size());
    control::peer_view va, vb;
    BOOST_REQUIRE(until([&] { return rt.directory().lookup(ida, va) && rt.directory().lookup(idb, vb); }, 2000));
    BOOST_TEST(va.lcore != vb.lcore);

    const std::string a_hex = peer::to_hex(a.c->report().peer_id), b_hex = peer::to_hex(b.c->report().peer_id);
    const auto m = peer::relay_message(3, a_hex, "across lcores");
    BOOST_REQUIRE(b.c->call(wire::bytes{m.data(), m.size()}));
    BOOST_REQUIRE(until([&] { return !a.relayed.empty() && !b.answers.empty(); }, 5000));
    BOOST_TEST(a.relayed[0] == b_hex + ": \"across lcores\"");
    BOOST_TEST(b.answers[0].name == "_result");
    BOOST_TEST(b.answers[0].transaction_id == 3.0);
    const auto back = peer::relay_message(0, b_hex, "and back");
    BOOST_REQUIRE(a.c->call(wire::bytes{back.data(), back.size()}));
    BOOST_REQUIRE(until([&] { return !b.relayed.empty(); }, 5000));
    BOOST_TEST(b.relayed[0] == a_hex + ": \"and back\"");
    const auto t = rt.totals();
    BOOST_TEST(t.stages[static_cast<std::size_t>(engine::stage::relay_handed_over)] == 2u);
    BOOST_TEST(t.stages[static_cast<std::size_t>(engine::stage::relay_delivered)] == 2u);
    rt.stop();
    rt.teardown();
}
