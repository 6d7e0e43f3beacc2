// strato-peer's connection state machine against an in-memory server built
// from the same libraries stratod uses (engine keying, the session engine as
// responder, engine::netconnection), under a fake clock: default options,
// HMAC+SSEQ, group 14, ephemeral certificates, Cookie Change, a rejected app,
// lost packets (retransmission), a silent server (timeout) and a server that
// answers a Ping with garbage.
#include <boost/test/unit_test.hpp>

#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/engine/counters.hpp"
#include "dataplane/engine/keying.hpp"
#include "dataplane/engine/netconnection.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/amf_text.hpp"
#include "tools/strato-peer/connection.hpp"

using namespace strato;
using namespace strato::peer;
using session::ms;
using session::seconds;

namespace {

using bytes_vec = std::vector<std::uint8_t>;

bytes_vec seal_startup(wire::packet_builder& b, std::uint32_t sid) {
    BOOST_REQUIRE(b.finish());
    auto n = crypto::seal(b, sid, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
    BOOST_REQUIRE(n.ok());
    return bytes_vec(b.datagram().data(), b.datagram().data() + *n);
}

struct loop_server final : session::session_app, session::packet_sink, engine::flow_io, engine::netconnection_events {
    crypto::server_certificate cert;
    bytes_vec cookie = bytes_vec(64, 0xc0);
    bytes_vec changed_cookie = bytes_vec(64, 0xc1);
    bytes_vec rikeying_cache;
    bool cookie_change = false;  // answer the first IIKeying with Cookie Change
    std::uint32_t rsid = 0x0a0b0c0d;
    std::deque<bytes_vec> to_client;
    session::session s;
    session::session_stats stats;
    bool started = false;
    std::array<engine::app_rule, 1> apps{};
    engine::netconnection_policy policy;
    engine::lcore_counters counters{};
    std::optional<engine::netconnection> nc;
    session::time_us now = 0;
    std::size_t iikeyings = 0, connected = 0, disconnected = 0, peer_infos = 0;
    std::vector<wire::socket_address> peer_addresses;
    crypto::session_features features;
    wire::socket_address client_addr = wire::socket_address::v4(0xc6120002, 40000);

    loop_server() {
        std::array<std::uint8_t, 64> r{};
        r.fill(0x42);
        BOOST_REQUIRE(crypto::build_server_certificate(r, crypto::default_certificate_groups, cert) == wire::drop_reason::none);
        apps[0].path = "app";
        policy.apps = apps;
        BOOST_REQUIRE(s.prepare(session::session_config{}, &stats));
    }

    void on_datagram(const bytes_vec& d) {
        const auto sid = wire::session_id_of(d);
        if (sid == 0) {
            bytes_vec plain(d.size());
            auto p = crypto::open(d, plain, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
            if (!p) return;
            auto pk = wire::parse_packet(p->packet);
            if (!pk) return;
            wire::chunk_reader r(pk->chunks);
            wire::chunk_view c;
            if (!r.next(c)) return;
            if (c.type == 0x30) on_ihello(c.value);
            if (c.type == 0x38) on_iikeying(c.value);
            return;
        }
        if (!started || sid != rsid) return;
        bytes_vec out(d.size());
        auto p = s.open_datagram(d, out);
        if (!p) return;
        (void)s.on_plaintext(*p, client_addr, now);
    }
    void on_ihello(wire::bytes v) {
        auto ih = wire::parse_ihello(v);
        BOOST_REQUIRE(ih.ok());
        std::array<std::uint8_t, 1400> buf{};
        wire::packet_builder b(buf, wire::startup_flags, 1, std::nullopt);
        wire::write_rhello(b.body(), wire::rhello{ih->tag, cookie, cert.bytes_view()});
        to_client.push_back(seal_startup(b, 0));
    }
    void on_iikeying(wire::bytes v) {
        ++iikeyings;
        auto k = wire::parse_iikeying(v);
        BOOST_REQUIRE(k.ok());
        if (cookie_change && wire::equal(k->cookie, cookie)) {
            std::array<std::uint8_t, 400> buf{};
            wire::packet_builder b(buf, wire::startup_flags, 1, std::nullopt);
            wire::write_rhello_cookie_change(b.body(), wire::rhello_cookie_change{cookie, changed_cookie});
            to_client.push_back(seal_startup(b, k->initiator_session_id));
            return;
        }
        if (cookie_change) BOOST_REQUIRE(wire::equal(k->cookie, changed_cookie));
        if (started) {  // a retransmission: resend the cached RIKeying (protocol reference §3.10)
            to_client.push_back(rikeying_cache);
            return;
        }
        const std::uint64_t groups = (1u << 2) | (1u << 5) | (1u << 14);
        auto req = std::make_unique<engine::keying_request>();
        BOOST_REQUIRE(engine::prepare_keying(*k, client_addr, {groups, false, false}, *req) == wire::drop_reason::none);
        crypto::dh_keypair kp;
        BOOST_REQUIRE(crypto::dh_generate(req->group, 256, kp) == crypto::dh_error::ok);
        auto res = std::make_unique<engine::keying_result>();
        engine::complete_keying(*req, kp, *res);
        BOOST_REQUIRE(res->status == wire::drop_reason::none);
        features = res->features;
        std::array<std::uint8_t, 1400> buf{};
        const auto n = engine::write_rikeying_packet(buf, rsid, res->skrc_bytes(), 1);
        BOOST_REQUIRE(n > 0u);
        auto sealed = crypto::seal(buf, n, k->initiator_session_id, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
        BOOST_REQUIRE(sealed.ok());
        rikeying_cache.assign(buf.data(), buf.data() + *sealed);
        to_client.push_back(rikeying_cache);

        session::session_keys sk;
        BOOST_REQUIRE(crypto::make_aes_key(res->keys.encrypt_aes(), sk.encrypt));
        BOOST_REQUIRE(crypto::make_aes_key(res->keys.decrypt_aes(), sk.decrypt));
        BOOST_REQUIRE(crypto::make_hmac_key(res->keys.hmac_send_key, sk.hmac_send));
        BOOST_REQUIRE(crypto::make_hmac_key(res->keys.hmac_recv_key, sk.hmac_recv));
        sk.hmac_send_length = features.send_hmac ? features.send_hmac_length : 0;
        sk.hmac_recv_length = features.recv_hmac ? features.recv_hmac_length : 0;
        sk.sseq_send = features.send_sseq;
        sk.sseq_recv = features.recv_sseq;
        session::session_params p;
        p.near_id = rsid;
        p.far_id = k->initiator_session_id;
        p.far_address = client_addr;
        p.initiator = false;
        s.start(p, sk, this, now);
        nc.emplace(policy, *this, *this, counters);
        started = true;
    }

    // session_app -> netconnection
    bool on_new_flow(session::session&, std::uint64_t f, wire::bytes m, std::optional<std::uint64_t> r) noexcept override {
        return nc->on_new_flow(f, m, r);
    }
    void on_message(session::session&, std::uint64_t f, wire::bytes m) noexcept override { nc->on_message(f, m); }
    void on_flow_closed(session::session&, std::uint64_t f, bool sending, session::flow_end) noexcept override {
        nc->on_flow_closed(f, sending);
    }
    void on_session_closed(session::session&, session::close_reason) noexcept override { nc->on_session_closed(); }
    void send(session::session& ss, const wire::socket_address&, wire::packet_builder& pkt) noexcept override {
        auto n = ss.seal_packet(pkt);
        if (n.ok()) to_client.emplace_back(pkt.datagram().data(), pkt.datagram().data() + *n);
    }
    // flow_io -> session
    std::optional<std::uint64_t> open_flow(wire::bytes m, std::optional<std::uint64_t> r) noexcept override {
        const auto id = s.open_flow(m, r);
        if (id == 0) return std::nullopt;
        return id;
    }
    bool send(std::uint64_t f, wire::bytes m) noexcept override { return s.send(f, m) == session::send_status::ok; }
    void close_flow(std::uint64_t f) noexcept override { (void)s.close_flow(f); }
    void close_session() noexcept override { s.close(now); }
    // events
    bool admit(std::uint16_t) noexcept override { return true; }
    void on_connected(std::uint16_t) noexcept override { ++connected; }
    void on_peer_info(std::span<const wire::socket_address> a) noexcept override {
        ++peer_infos;
        peer_addresses.assign(a.begin(), a.end());
    }
    void on_disconnected(std::uint16_t) noexcept override { ++disconnected; }
    // relay: every target is this same client (a peer relaying to itself),
    // delivered with a fixed sender ID, unless relay_answer says otherwise.
    engine::relay_outcome relay_answer = engine::relay_outcome::queued;
    std::vector<std::string> relay_targets;
    engine::relay_outcome on_relay(const flash::relay_peer_id& target, wire::bytes args) noexcept override {
        static constexpr char digits[] = "0123456789abcdef";
        std::string hex;
        for (auto b : target) hex += {digits[b >> 4], digits[b & 15]};
        relay_targets.push_back(hex);
        if (relay_answer != engine::relay_outcome::queued) return relay_answer;
        std::array<std::uint8_t, 32> sender{};
        sender.fill(0x11);
        return nc->deliver_relay(sender, args) ? engine::relay_outcome::queued : engine::relay_outcome::busy;
    }
};

struct client_queue final : datagram_out {
    std::deque<bytes_vec> q;
    void send(wire::bytes d) noexcept override { q.emplace_back(d.begin(), d.end()); }
};

struct loop {
    loop_server server;
    client_queue to_server;
    std::optional<connection> client;
    session::time_us now = 5000 * seconds;
    int drop_to_server = 0;  // drop the next N client datagrams
    int drop_to_client = 0;
    int drop_keyed_to_client = 0;  // drop the next N datagrams to a non-zero session ID (RIKeying first)
    bool silent = false;
    // Polls after which the client said it was due again at once: strato-peer
    // connect then spins without reading its socket (next_wakeup drives it).
    std::size_t busy_polls = 0;

    std::function<void()> each_tick;  // called once per simulated millisecond

    explicit loop(const std::string& uri = "rtmfp://198.18.0.1/app", keying_choice k = {}, session::time_us stay = 0,
                  bool create_stream = false, std::function<void(connect_options&)> customize = {}) {
        connect_options o;
        BOOST_REQUIRE(parse_rtmfp_uri(uri, o.uri) == "");
        o.server = wire::socket_address::v4(0xc6120001, 1935);
        o.keying = k;
        o.peer_info = {"198.18.0.2:40000"};
        o.stay = stay;
        o.create_stream = create_stream;
        o.timeout = 5 * seconds;
        if (customize) customize(o);
        client.emplace(std::move(o));
    }
    outcome run(session::time_us limit = 60 * seconds) {
        server.now = now;
        client->begin(now, to_server);
        const auto end = now + limit;
        while (client->result() == outcome::pending && now < end) {
            now += 1 * ms;
            server.now = now;
            while (!to_server.q.empty()) {
                auto d = std::move(to_server.q.front());
                to_server.q.pop_front();
                if (drop_to_server > 0) {
                    --drop_to_server;
                    continue;
                }
                if (!silent) server.on_datagram(d);
            }
            if (server.started) server.s.poll(now, server);
            while (!server.to_client.empty()) {
                auto d = std::move(server.to_client.front());
                server.to_client.pop_front();
                if (drop_to_client > 0) {
                    --drop_to_client;
                    continue;
                }
                if (drop_keyed_to_client > 0 && wire::session_id_of(d) != 0) {
                    --drop_keyed_to_client;
                    continue;
                }
                client->on_datagram(d, now, to_server);
            }
            if (each_tick) each_tick();
            client->poll(now, to_server);
            if (client->result() == outcome::pending && client->next_wakeup(now) <= now) ++busy_polls;
        }
        return client->result();
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(connect_default_options) {
    loop l;
    BOOST_TEST((l.run() == outcome::ok));
    const auto& r = l.client->report();
    BOOST_TEST(r.connect_code == "NetConnection.Connect.Success");
    BOOST_TEST(r.object_encoding == 3.0);
    BOOST_TEST(r.keepalive_server_ms == 15000u);
    BOOST_TEST(r.close_acked);
    BOOST_TEST(r.ihellos_sent == 1u);
    BOOST_TEST(r.iikeyings_sent == 1u);
    BOOST_TEST(r.rhello_size == 180u);
    BOOST_TEST(r.rikeying_size == 164u);
    BOOST_TEST(r.far_id == 0x0a0b0c0du);
    BOOST_TEST(r.have_fingerprint);
    BOOST_TEST((r.server_fingerprint == l.server.cert.fingerprint));
    BOOST_TEST(r.server_hmac == "none");
    BOOST_TEST(l.server.connected == 1u);
    BOOST_TEST(l.server.peer_infos == 1u);
    BOOST_REQUIRE(l.server.peer_addresses.size() == 1u);
    BOOST_TEST(l.server.peer_addresses[0].port == 40000u);
    BOOST_TEST(l.server.disconnected == 1u);
    // The server got our Close: S_FARCLOSE_LINGER (19 s) after a Close Ack.
    BOOST_TEST((l.server.s.state() == session::session_state::farclose_linger));
}

BOOST_AUTO_TEST_CASE(connect_hmac_sseq_stay_and_stream) {
    keying_choice k;
    k.require_hmac = k.require_sseq = true;
    loop l("rtmfp://198.18.0.1/app", k, 40 * seconds, true);
    BOOST_TEST((l.run(120 * seconds) == outcome::ok));
    const auto& r = l.client->report();
    BOOST_TEST(l.server.features.send_hmac);
    BOOST_TEST(l.server.features.recv_hmac);
    BOOST_TEST(l.server.features.send_sseq);
    BOOST_TEST(l.server.features.recv_sseq);
    BOOST_TEST(r.features == "hmac send=16 recv=16, sseq send=yes recv=yes");
    BOOST_REQUIRE(r.stream_id.has_value());
    BOOST_TEST(*r.stream_id >= 1.0);
    BOOST_TEST(r.close_acked);
    // 40 s of stay: keepalive pings kept the session open on both ends.
    BOOST_TEST(r.packets_out > 4u);
    BOOST_TEST(l.server.disconnected == 1u);
}

BOOST_AUTO_TEST_CASE(create_stream_without_stay_is_never_due_at_once) {
    // --create-stream with no --stay: the stay has run out when the connect
    // result arrives, but the client must still wait for the createStream
    // result. next_wakeup() used to return the elapsed stay, so the real loop
    // (cmd_connect) never slept, never read its socket, and retransmitted
    // setPeerInfo while the server's acks and _result went unread.
    loop l("rtmfp://198.18.0.1/app", {}, 0, true);
    BOOST_TEST((l.run() == outcome::ok));
    BOOST_TEST(l.busy_polls == 0u);
    const auto& r = l.client->report();
    BOOST_REQUIRE(r.stream_id.has_value());
    BOOST_TEST(*r.stream_id >= 1.0);
    BOOST_TEST(r.close_acked);
}

BOOST_AUTO_TEST_CASE(connect_group_14_ephemeral) {
    keying_choice k;
    k.group = crypto::dh_group::modp2048;
    k.form = certificate_form::ephemeral;
    loop l("rtmfp://198.18.0.1/app", k);
    BOOST_TEST((l.run() == outcome::ok));
    BOOST_TEST(l.client->report().skrc_size == 7u + 4u + 256u);
}

BOOST_AUTO_TEST_CASE(connect_group_16_not_offered) {
    keying_choice k;
    k.group = crypto::dh_group::modp4096;
    loop l("rtmfp://198.18.0.1/app", k);
    BOOST_TEST((l.run() == outcome::protocol_failure));
    BOOST_TEST(l.client->report().failed_check == "RHello certificate group");
}

BOOST_AUTO_TEST_CASE(cookie_change_resends_iikeying_once) {
    loop l;
    l.server.cookie_change = true;
    BOOST_TEST((l.run() == outcome::ok));
    BOOST_TEST(l.client->report().cookie_changes == 1u);
    BOOST_TEST(l.server.iikeyings == 2u);
}

BOOST_AUTO_TEST_CASE(unknown_app_is_rejected) {
    loop l("rtmfp://198.18.0.1/nosuchapp");
    BOOST_TEST((l.run() == outcome::rejected));
    BOOST_TEST(l.client->report().connect_code == "NetConnection.Connect.InvalidApp");
}

BOOST_AUTO_TEST_CASE(lost_startup_packets_are_retransmitted) {
    loop l;
    l.drop_to_server = 1;  // the first IHello
    l.drop_to_client = 0;
    BOOST_TEST((l.run() == outcome::ok));
    BOOST_TEST(l.client->report().ihellos_sent == 2u);

    loop m;
    m.drop_to_client = 1;        // the first RHello: IHello retried
    m.drop_keyed_to_client = 1;  // the first RIKeying: IIKeying retried, the server resends nothing new
    BOOST_TEST((m.run() == outcome::ok));
    BOOST_TEST(m.client->report().ihellos_sent == 2u);
    BOOST_TEST(m.client->report().iikeyings_sent == 2u);
}

BOOST_AUTO_TEST_CASE(silent_server_times_out) {
    loop l;
    l.silent = true;
    BOOST_TEST((l.run() == outcome::timeout));
    // 1 s, then +1.5 s per try within the 5 s deadline: sends at 0, 1, 3.5.
    BOOST_TEST(l.client->report().ihellos_sent == 3u);
}

BOOST_AUTO_TEST_CASE(garbage_never_crashes_the_client) {
    loop l;
    l.client->begin(l.now, l.to_server);
    std::vector<std::uint8_t> junk(300);
    for (std::size_t n = 0; n < junk.size(); n += 13) {
        for (std::size_t i = 0; i < n; ++i) junk[i] = static_cast<std::uint8_t>(i * 31 + n);
        l.client->on_datagram({junk.data(), n}, l.now, l.to_server);
    }
    BOOST_TEST((l.client->result() == outcome::pending || l.client->result() == outcome::protocol_failure));
}

BOOST_AUTO_TEST_CASE(handshake_only_closes_under_the_session_keys) {
    // strato-load's handshake scenario: no NetConnection; the Close right
    // after RIKeying is answered with a Close Ack sealed with the new keys.
    loop l;
    connect_options o;
    BOOST_REQUIRE(parse_rtmfp_uri("rtmfp://198.18.0.1/app", o.uri) == "");
    o.server = wire::socket_address::v4(0xc6120001, 1935);
    o.timeout = 5 * seconds;
    o.handshake_only = true;
    l.client.emplace(std::move(o));
    BOOST_TEST((l.run() == outcome::ok));
    const auto& r = l.client->report();
    BOOST_TEST(r.close_acked);
    BOOST_TEST(r.far_id == 0x0a0b0c0du);
    BOOST_TEST(r.handshake_ms >= 0.0);
    BOOST_TEST(r.connect_code.empty());
    BOOST_TEST(l.server.connected == 0u);
    BOOST_TEST(l.server.peer_infos == 0u);
    BOOST_TEST((l.server.s.state() == session::session_state::farclose_linger));
}

BOOST_AUTO_TEST_CASE(compact_session_connects_and_closes) {
    // strato-load's sessions: two flows each way and small buffers are
    // enough for connect, _result, setPeerInfo and the orderly close.
    loop l;
    connect_options o;
    BOOST_REQUIRE(parse_rtmfp_uri("rtmfp://198.18.0.1/app", o.uri) == "");
    o.server = wire::socket_address::v4(0xc6120001, 1935);
    o.peer_info = {"198.18.0.2:40000"};
    o.timeout = 5 * seconds;
    o.compact_session = true;
    l.client.emplace(std::move(o));
    BOOST_TEST((l.run() == outcome::ok));
    BOOST_TEST(l.client->report().connect_code == "NetConnection.Connect.Success");
    BOOST_TEST(l.client->report().close_acked);
    BOOST_TEST(l.server.peer_infos == 1u);
    BOOST_TEST(session::session::arena_bytes(client_session_config(true)) * 8 <
               session::session::arena_bytes(client_session_config(false)));
}

// strato-peer's relay through the real session engine and NetConnection:
// the command it builds is routed (here back to itself), the onRelay it
// gets is parsed with its sender and arguments, and the server's answers
// (_result, Call.Failed) reach on_call_answer.
BOOST_AUTO_TEST_CASE(relay_round_trip_and_failure_answer) {
    std::vector<std::string> relayed;
    std::vector<call_answer> answers;
    loop l("rtmfp://198.18.0.1/app", {}, 2 * seconds, false, [&](connect_options& o) {
        o.on_relay = [&](std::string_view sender, wire::bytes args) {
            relayed.push_back(std::string(sender) + " " + amf_values_text(args));
        };
        o.on_call_answer = [&](const call_answer& a) { answers.push_back(a); };
    });
    const std::string target(64, 'a');
    int step = 0;
    l.each_tick = [&] {
        if (l.client->current_phase() != phase::connected) return;
        if (step == 0) {
            const auto m = relay_message(3, target, "hi there");
            BOOST_REQUIRE(l.client->call(wire::bytes{m.data(), m.size()}));
            step = 1;
        } else if (step == 1 && answers.size() == 1) {
            l.server.relay_answer = engine::relay_outcome::unknown_peer;
            const auto m = relay_message(4, target, "anyone?");
            BOOST_REQUIRE(l.client->call(wire::bytes{m.data(), m.size()}));
            step = 2;
        }
    };
    BOOST_TEST((l.run() == outcome::ok));
    BOOST_TEST(l.server.relay_targets == std::vector<std::string>({target, target}));
    BOOST_REQUIRE(relayed.size() == 1u);
    BOOST_TEST(relayed[0] == std::string(64, '1') + " \"hi there\"");
    BOOST_REQUIRE(answers.size() == 2u);
    BOOST_TEST(answers[0].name == "_result");
    BOOST_TEST(answers[0].transaction_id == 3.0);
    BOOST_TEST(!answers[0].error);
    BOOST_TEST(answers[1].name == "_error");
    BOOST_TEST(answers[1].transaction_id == 4.0);
    BOOST_TEST(answers[1].error);
    BOOST_TEST(answers[1].code == "NetConnection.Call.Failed");
    BOOST_TEST(answers[1].description == "relay target is not connected");
}

BOOST_AUTO_TEST_CASE(amf_values_are_printed_readably) {
    std::vector<std::uint8_t> b(256);
    wire::writer w(b);
    flash::amf0_writer a(w);
    a.string("x\"y");
    a.number(5);
    a.boolean(true);
    a.null();
    a.object_begin();
    a.key("k");
    a.number(1.5);
    a.object_end();
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(amf_values_text(w.written()) == "\"x\\\"y\", 5, true, null, {k: 1.5}");
    const std::vector<std::uint8_t> cut = {0x02, 0x00, 0x10, 0x41};
    BOOST_TEST(amf_values_text(wire::bytes{cut.data(), cut.size()}).starts_with("<malformed: "));
}
