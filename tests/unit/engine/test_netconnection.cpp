#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "dataplane/engine/netconnection.hpp"
#include "tests/support/hex.hpp"

using namespace strato;
using namespace strato::engine;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {

// librtmfp-monaserver2-connect #5, #8, #13: RTMP type 20 bodies as captured.
const std::string librtmfp_connect =
    "1400000000"
    "020007636f6e6e6563740000000000000000000300036170700200046c6976650008666c61736856657202000e57494e2032302c30"
    "2c302c323836000673776655726c0200000005746355726c02001b72746d66703a2f2f3139382e31382e302e313a313933352f61"
    "70700004667061640100000c6361706162696c697469657300406d600000000000000b617564696f436f646563730040abee00000"
    "00000000b766964656f436f6465637300406f800000000000000d766964656f46756e6374696f6e003ff000000000000000077061"
    "676555726c020000000e6f626a656374456e636f64696e67004008000000000000000009";
const std::string librtmfp_set_peer_info =
    "1400000000"
    "02000b73657450656572496e666f0000000000000000000200113139382e31392e312e31313a3436373035";
const std::string librtmfp_create_stream = "1400000000" "02000c63726561746553747265616d000000000000000000";

struct fake_io : flow_io {
    struct opened { std::string metadata; std::optional<std::uint64_t> assoc; };
    std::vector<opened> flows;
    std::vector<std::pair<std::uint64_t, std::string>> sent;
    std::vector<std::uint64_t> closed;
    bool session_closed = false;
    std::optional<std::uint64_t> open_flow(wire::bytes md, std::optional<std::uint64_t> assoc) noexcept override {
        flows.push_back({to_hex(md), assoc});
        return flows.size();  // our flow IDs 1, 2, ...
    }
    bool send(std::uint64_t flow, wire::bytes m) noexcept override {
        sent.emplace_back(flow, to_hex(m));
        return true;
    }
    void close_flow(std::uint64_t flow) noexcept override { closed.push_back(flow); }
    void close_session() noexcept override { session_closed = true; }
};

struct fake_events : netconnection_events {
    bool full = false;
    int connected = 0, disconnected = 0;
    std::vector<std::string> addresses;
    std::vector<std::string> joins;
    bool admit(std::uint16_t) noexcept override { return !full; }
    void on_connected(std::uint16_t) noexcept override { ++connected; }
    void on_peer_info(std::span<const wire::socket_address> a) noexcept override {
        addresses.clear();
        for (const auto& x : a) {
            char buf[64];
            addresses.emplace_back(buf, wire::format_address(x, buf, sizeof buf));
        }
    }
    void on_disconnected(std::uint16_t) noexcept override { ++disconnected; }
    void on_group_join(std::uint64_t, wire::bytes g) noexcept override { joins.push_back(to_hex(g)); }
    relay_outcome relay_answer = relay_outcome::queued;
    std::vector<std::pair<std::string, std::string>> relays;  // target, args (hex)
    relay_outcome on_relay(const flash::relay_peer_id& target, wire::bytes args) noexcept override {
        relays.emplace_back(to_hex(target), to_hex(args));
        return relay_answer;
    }
};

struct fixture {
    std::vector<app_rule> apps;
    netconnection_policy policy;
    fake_io io;
    fake_events events;
    lcore_counters counters;
    netconnection nc{policy, io, events, counters};
    fixture() { policy.apps = apps; }
    explicit fixture(std::vector<app_rule> rules) : apps(std::move(rules)) { policy.apps = apps; }

    void connect_librtmfp() {
        BOOST_REQUIRE(nc.on_new_flow(2, from_hex("54430400"), std::nullopt));
        nc.on_message(2, from_hex(librtmfp_connect));
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(netconnection_server)

BOOST_AUTO_TEST_CASE(librtmfp_connect_gets_result_and_keepalive_on_a_return_flow) {
    fixture f;
    f.connect_librtmfp();
    BOOST_REQUIRE(f.io.flows.size() == 1u);
    BOOST_TEST(f.io.flows[0].metadata == "54430400");  // TC, SID, stream 0
    BOOST_TEST(*f.io.flows[0].assoc == 2u);            // associated to the client's control flow
    BOOST_REQUIRE(f.io.sent.size() == 2u);
    // _result, transaction 0 echoed, null, status object with objectEncoding 3 echoed.
    BOOST_TEST(f.io.sent[0].second ==
               "14000000000200075f726573756c74000000000000000000050300056c6576656c020006737461747573"
               "0004636f646502001d4e6574436f6e6e656374696f6e2e436f6e6e6563742e53756363657373000b6465"
               "736372697074696f6e020015436f6e6e656374696f6e207375636365656465642e000e6f626a656374456e"
               "636f64696e67004008000000000000000009");
    BOOST_TEST(f.io.sent[1].second == "04000000000029" "00003a98" "00002710");  // Set Keepalive 15 s / 10 s
    BOOST_TEST(f.events.connected == 1);
    BOOST_TEST((f.nc.current_state() == netconnection::state::connected));
}

BOOST_AUTO_TEST_CASE(set_peer_info_without_null_and_create_stream) {
    fixture f;
    f.connect_librtmfp();
    f.nc.on_message(2, from_hex(librtmfp_set_peer_info));
    BOOST_TEST(f.nc.introducible());
    BOOST_REQUIRE(f.events.addresses.size() == 1u);
    BOOST_TEST(f.events.addresses[0] == "198.19.1.11:46705");
    BOOST_TEST(f.io.sent.size() == 2u);  // transaction 0: no answer
    f.nc.on_message(2, from_hex(librtmfp_create_stream));
    BOOST_REQUIRE(f.io.sent.size() == 3u);
    // _result, 0, null, 1 (MonaServer2 answers librtmfp's transaction-0 createStream too).
    BOOST_TEST(f.io.sent[2].second == "1400000000" "0200075f726573756c74" "000000000000000000" "05" "003ff0000000000000");
}

BOOST_AUTO_TEST_CASE(unusable_peer_addresses_are_dropped) {
    fixture f;
    f.connect_librtmfp();
    // setPeerInfo, 0, null, "127.0.0.1:5", "[fe80::1]:5", "198.18.5.5:7000", "198.18.5.5:7000"
    std::string m = "1400000000" "02000b73657450656572496e666f" "000000000000000000" "05";
    for (std::string a : {"127.0.0.1:5", "[fe80::1]:5", "198.18.5.5:7000", "198.18.5.5:7000"}) {
        char len[5];
        std::snprintf(len, sizeof len, "%04zx", a.size());
        m += "02" + std::string(len) + to_hex(wire::as_bytes(a));
    }
    f.nc.on_message(2, from_hex(m));
    BOOST_REQUIRE(f.events.addresses.size() == 1u);
    BOOST_TEST(f.events.addresses[0] == "198.18.5.5:7000");
}

BOOST_AUTO_TEST_CASE(unknown_app_and_developer_keys) {
    std::vector<app_rule> rules(2);
    rules[0].path = "live";
    rules[1].path = "multicast";
    rules[1].developer_keys[0] = "k1";
    rules[1].developer_key_count = 1;
    std::uint16_t idx = 9;
    BOOST_TEST((match_app(rules, "live", idx) == connect_refusal::none));
    BOOST_TEST(idx == 0u);
    BOOST_TEST((match_app(rules, "/live/extra", idx) == connect_refusal::none));
    BOOST_TEST((match_app(rules, "multicast/k1", idx) == connect_refusal::none));
    BOOST_TEST(idx == 1u);
    BOOST_TEST((match_app(rules, "multicast/k2", idx) == connect_refusal::bad_developer_key));
    BOOST_TEST((match_app(rules, "multicast", idx) == connect_refusal::bad_developer_key));
    BOOST_TEST((match_app(rules, "app", idx) == connect_refusal::unknown_app));
    BOOST_TEST((match_app(rules, "livestream", idx) == connect_refusal::unknown_app));
    BOOST_TEST(tc_url_path("rtmfp://198.18.0.1:1935/app") == "app");
    BOOST_TEST(tc_url_path("rtmfp://h/multicast/k1/") == "multicast/k1");
    BOOST_TEST(tc_url_path("rtmfp://h") == "");

    // librtmfp's tcUrl names "app", which the rules do not list: InvalidApp, and nothing more.
    fixture f(rules);
    f.connect_librtmfp();
    BOOST_REQUIRE(f.io.sent.size() == 1u);
    BOOST_TEST(f.io.sent[0].second.find(to_hex(wire::as_bytes("NetConnection.Connect.InvalidApp"))) != std::string::npos);
    BOOST_TEST(f.events.connected == 0);
    BOOST_TEST((f.nc.current_state() == netconnection::state::closed));
}

BOOST_AUTO_TEST_CASE(quota_full_is_rejected) {
    fixture f;
    f.events.full = true;
    f.connect_librtmfp();
    BOOST_REQUIRE(f.io.sent.size() == 1u);
    BOOST_TEST(f.io.sent[0].second.find(to_hex(wire::as_bytes("NetConnection.Connect.Rejected"))) != std::string::npos);
    BOOST_TEST(f.io.sent[0].second.find(to_hex(wire::as_bytes("application is full"))) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(flows_the_server_refuses) {
    fixture f;
    BOOST_TEST(!f.nc.on_new_flow(3, from_hex("4743"), 1));          // GC before connect
    BOOST_TEST(!f.nc.on_new_flow(4, from_hex("47521c"), std::nullopt));  // GR is peer to peer
    BOOST_TEST(!f.nc.on_new_flow(5, from_hex("6d65746164617461"), std::nullopt));  // "metadata"
    BOOST_TEST(!f.nc.on_new_flow(6, from_hex("5443"), std::nullopt));  // TC without flags
    f.connect_librtmfp();
    BOOST_TEST(f.nc.on_new_flow(3, from_hex("4743"), 1));
    f.nc.on_message(3, from_hex("012115c3ab09fc9d3fd2fe3f4f82762c530b96f2eb1c49d9fe615f48f250545b731dc9"));
    BOOST_TEST(f.events.joins.size() == 1u);
    BOOST_TEST(f.nc.on_new_flow(7, from_hex("54430401"), 1));  // a stream flow once connected
}

BOOST_AUTO_TEST_CASE(unknown_calls_and_disconnect) {
    fixture f;
    f.connect_librtmfp();
    // "relay", 5, null: an unknown call with a transaction ID gets _error Call.Failed.
    f.nc.on_message(2, from_hex("1400000000" "020005" + to_hex(wire::as_bytes("relay")) + "004014000000000000" "05"));
    BOOST_REQUIRE(f.io.sent.size() == 3u);
    BOOST_TEST(f.io.sent[2].second.find(to_hex(wire::as_bytes("NetConnection.Call.Failed"))) != std::string::npos);
    // Garbage on the control flow is counted, nothing is sent.
    f.nc.on_message(2, from_hex("14000000000299"));
    BOOST_TEST(f.io.sent.size() == 3u);
    // The client's control flow ends: the NetConnection is over.
    f.nc.on_flow_closed(2, false);
    BOOST_TEST(f.events.disconnected == 1);
    BOOST_REQUIRE(f.io.closed.size() == 1u);
    BOOST_TEST(f.io.closed[0] == 1u);
    f.nc.on_session_closed();
    BOOST_TEST(f.events.disconnected == 1);  // only once
}


// ---- relay (tcserver's message relay by peer ID) ---------------------------

namespace {
const std::string relay_target = "6965c14b8964ee016451bc44140504f1a67178cfca3a64b2df16683dd263c176";
// "relay", tx, null, "<relay_target>", "hi"
std::string relay_message(const std::string& tx_number_hex, const std::string& target = relay_target) {
    return "1400000000" "020005" "72656c6179" + tx_number_hex + "05" "020040" + to_hex(wire::as_bytes(target)) +
           "020002" "6869";
}
const std::string tx0 = "000000000000000000", tx5 = "004014000000000000";
// onStatus/_error info object {level "error", code NetConnection.Call.Failed, description ...}: prefix.
const std::string call_failed_info =
    "0300056c6576656c0200056572726f72" "0004636f6465020019" "4e6574436f6e6e656374696f6e2e43616c6c2e4661696c6564";
} // namespace

BOOST_AUTO_TEST_CASE(relay_is_routed_and_acknowledged_only_when_transactional) {
    fixture f;
    f.connect_librtmfp();
    f.nc.on_message(2, from_hex(relay_message(tx0)));
    BOOST_REQUIRE(f.events.relays.size() == 1u);
    BOOST_TEST(f.events.relays[0].first == relay_target);
    BOOST_TEST(f.events.relays[0].second == "0200026869");  // the arguments, verbatim
    BOOST_TEST(f.io.sent.size() == 2u);                     // tcserver: non-transactional, no answer
    f.nc.on_message(2, from_hex(relay_message(tx5)));
    BOOST_REQUIRE(f.io.sent.size() == 3u);
    BOOST_TEST(f.io.sent[2].first == 1u);  // on the control return flow
    BOOST_TEST(f.io.sent[2].second == "1400000000" "0200075f726573756c74" + tx5 + "05" "06");
}

BOOST_AUTO_TEST_CASE(relay_to_an_unknown_peer_fails_in_tcservers_call_failure_form) {
    fixture f;
    f.connect_librtmfp();
    f.events.relay_answer = relay_outcome::unknown_peer;
    f.nc.on_message(2, from_hex(relay_message(tx0)));
    BOOST_REQUIRE(f.io.sent.size() == 3u);
    // onStatus, 0, null, {level error, code NetConnection.Call.Failed, description}
    BOOST_TEST(f.io.sent[2].second.starts_with("1400000000" "0200086f6e537461747573" + tx0 + "05" + call_failed_info));
    f.events.relay_answer = relay_outcome::rate_limited;
    f.nc.on_message(2, from_hex(relay_message(tx5)));
    BOOST_REQUIRE(f.io.sent.size() == 4u);
    BOOST_TEST(f.io.sent[3].second.starts_with("1400000000" "0200065f6572726f72" + tx5 + "05" + call_failed_info));
    BOOST_TEST(f.io.sent[3].second.find(to_hex(wire::as_bytes(std::string("relay rate limit exceeded")))) != std::string::npos);
    f.events.relay_answer = relay_outcome::busy;  // the target's return flow is full
    f.nc.on_message(2, from_hex(relay_message(tx5)));
    BOOST_REQUIRE(f.io.sent.size() == 5u);
    BOOST_TEST(f.io.sent[4].second.find(to_hex(wire::as_bytes(std::string("relay target is busy")))) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_relay_is_counted_and_answered_without_routing) {
    fixture f;
    f.connect_librtmfp();
    f.nc.on_message(2, from_hex(relay_message(tx5, relay_target.substr(0, 62) + "zz")));
    BOOST_TEST(f.events.relays.empty());
    BOOST_TEST(f.counters.drops[static_cast<std::size_t>(wire::drop_reason::relay_bad_target)] == 1u);
    BOOST_REQUIRE(f.io.sent.size() == 3u);
    BOOST_TEST(f.io.sent[2].second.starts_with("1400000000" "0200065f6572726f72" + tx5 + "05" + call_failed_info));
}

BOOST_AUTO_TEST_CASE(relay_before_connect_is_ignored) {
    fixture f;
    BOOST_REQUIRE(f.nc.on_new_flow(2, from_hex("54430400"), std::nullopt));
    f.nc.on_message(2, from_hex(relay_message(tx5)));
    BOOST_TEST(f.events.relays.empty());
    BOOST_TEST(f.io.sent.empty());
    BOOST_TEST(!f.nc.deliver_relay(std::array<std::uint8_t, 32>{}, {}));
}

BOOST_AUTO_TEST_CASE(delivered_relay_is_on_relay_on_the_return_flow) {
    fixture f;
    f.connect_librtmfp();
    std::array<std::uint8_t, 32> sender{};
    const auto id = from_hex(relay_target);
    std::copy(id.begin(), id.end(), sender.begin());
    const auto args = from_hex("0200026869");
    BOOST_TEST(f.nc.deliver_relay(sender, wire::bytes{args.data(), args.size()}));
    BOOST_REQUIRE(f.io.sent.size() == 3u);
    BOOST_TEST(f.io.sent[2].first == 1u);
    BOOST_TEST(f.io.sent[2].second == "1400000000" "0200076f6e52656c6179" + tx0 + "05" "03" "000673656e646572" "020040" +
                                          to_hex(wire::as_bytes(relay_target)) + "000009" "0200026869");
}
BOOST_AUTO_TEST_SUITE_END()
