// strato-peer listen/call pieces (p2p.hpp) over an in-memory network with a
// fake introducer: the caller's IHello naming the listener gets a Redirect
// (listener's address) and the listener a Forwarded IHello (caller's
// address), as stratod's introduction stage does; then keying, a direct
// session and echoes. Also: no introducer answer (timeout), a Redirect with a
// useless candidate (the Forwarded IHello's RHello still wins), garbage at
// the listener.
#include <boost/test/unit_test.hpp>

#include <array>
#include <deque>
#include <string>
#include <vector>

#include "crypto/datagram.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tools/strato-peer/p2p.hpp"

using namespace strato;
using namespace strato::peer;
using session::ms;
using session::seconds;

namespace {

using bytes_vec = std::vector<std::uint8_t>;

struct packet {
    wire::socket_address from, to;
    bytes_vec data;
};

struct node_out final : addressed_out {
    std::deque<packet>* net = nullptr;
    wire::socket_address self;
    void send_to(const wire::socket_address& to, wire::bytes d) noexcept override {
        net->push_back({self, to, bytes_vec(d.begin(), d.end())});
    }
};

struct network {
    std::deque<packet> q;
    wire::socket_address introducer = wire::socket_address::v4(0xc6120001, 1935);
    wire::socket_address caller_addr = wire::socket_address::v4(0xc6120003, 40003);
    wire::socket_address listener_addr = wire::socket_address::v4(0xc6120002, 40002);
    crypto::server_certificate cert;
    initiator_identity listener_id;
    std::optional<peer_responder> responder;
    std::optional<peer_caller> caller;
    node_out caller_out, listener_out, intro_out;
    session::time_us now = 7000 * seconds;
    bool introducer_silent = false;
    bool redirect_to_nowhere = false;  // Redirect lists only an unreachable address
    std::size_t redirects = 0, fihellos = 0, datagrams_to_introducer = 0, session_datagrams_to_introducer = 0;

    network() {
        BOOST_REQUIRE(make_listener_identity(crypto::dh_group::modp1024, listener_id, cert).empty());
        BOOST_REQUIRE(cert.fingerprint == listener_id.peer_id);
        responder.emplace(cert, crypto::dh_group::modp1024);
        BOOST_REQUIRE(responder->ready());
        caller_out.net = listener_out.net = intro_out.net = &q;
        caller_out.self = caller_addr;
        listener_out.self = listener_addr;
        intro_out.self = introducer;
    }

    void introducer_receive(const packet& p) {
        ++datagrams_to_introducer;
        if (wire::session_id_of(p.data) != 0) {
            ++session_datagrams_to_introducer;
            return;
        }
        if (introducer_silent) return;
        bytes_vec plain(p.data.size());
        auto o = crypto::open(p.data, plain, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
        BOOST_REQUIRE(o.ok());
        auto pk = wire::parse_packet(o->packet);
        BOOST_REQUIRE(pk.ok());
        wire::chunk_reader r(pk->chunks);
        wire::chunk_view c;
        BOOST_REQUIRE(r.next(c));
        BOOST_REQUIRE(c.type == 0x30);
        auto ih = wire::parse_ihello(c.value);
        BOOST_REQUIRE(ih.ok());
        // Canonical EPD naming the listener: 21 0f <peer ID>.
        BOOST_REQUIRE(ih->epd.size() == 34u);
        BOOST_REQUIRE(std::equal(ih->epd.begin() + 2, ih->epd.end(), listener_id.peer_id.begin()));
        wire::redirect rd;
        rd.tag_echo = ih->tag;
        rd.addresses[0] = redirect_to_nowhere ? wire::socket_address::v4(0xc6130909, 9) : listener_addr;
        rd.addresses[0].origin = wire::address_origin::observed;
        rd.address_count = 1;
        std::array<std::uint8_t, 1400> buf{};
        wire::packet_builder b(buf, wire::startup_flags, 1, std::nullopt);
        wire::write_redirect(b.body(), rd);
        BOOST_REQUIRE(b.finish());
        auto n = crypto::seal(b, 0, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
        BOOST_REQUIRE(n.ok());
        intro_out.send_to(p.from, b.datagram().first(*n));
        ++redirects;
        // The Forwarded IHello that stratod sends inside the listener's session.
        ++fihellos;
        responder->on_forwarded_ihello(wire::forwarded_ihello{ih->epd, p.from, ih->tag}, now, listener_out);
    }

    outcome run(std::vector<std::string> messages, session::time_us timeout = 10 * seconds) {
        call_options o;
        o.introducer = introducer;
        o.target = listener_id.peer_id;
        o.messages = std::move(messages);
        o.timeout = timeout;
        caller.emplace(std::move(o));
        caller->begin(now, caller_out);
        for (int i = 0; i < 200000 && caller->result() == outcome::pending; ++i) {
            while (!q.empty()) {
                packet p = std::move(q.front());
                q.pop_front();
                if (p.to.same_endpoint(introducer)) introducer_receive(p);
                else if (p.to.same_endpoint(caller_addr)) caller->on_datagram(p.data, p.from, now, caller_out);
                else if (p.to.same_endpoint(listener_addr)) (void)responder->on_datagram(p.data, p.from, now, listener_out);
                // anything else: lost
            }
            caller->poll(now, caller_out);
            responder->poll(now, listener_out);
            if (q.empty()) now = std::min(caller->next_wakeup(now), responder->next_wakeup(now)) + 1 * ms;
        }
        // Let the listener see the Close.
        for (int i = 0; i < 100 && !q.empty(); ++i) {
            packet p = std::move(q.front());
            q.pop_front();
            if (p.to.same_endpoint(listener_addr)) (void)responder->on_datagram(p.data, p.from, now, listener_out);
            else if (p.to.same_endpoint(caller_addr)) caller->on_datagram(p.data, p.from, now, caller_out);
            responder->poll(now, listener_out);
        }
        return caller->result();
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(p2p)

BOOST_AUTO_TEST_CASE(introduced_call_echoes_directly) {
    network n;
    BOOST_TEST((n.run({"one", "two", std::string(3000, 'x')}) == outcome::ok));
    auto& r = n.caller->report();
    BOOST_TEST(r.redirects >= 1u);
    BOOST_REQUIRE(r.responder.has_value());
    BOOST_TEST(r.responder->same_endpoint(n.listener_addr));
    BOOST_TEST(r.direct);
    BOOST_TEST(r.sent == 3u);
    BOOST_TEST(r.echoed == 3u);
    BOOST_TEST(r.mismatched == 0u);
    BOOST_TEST(n.session_datagrams_to_introducer == 0u);  // no data through the introducer
    const auto& s = n.responder->stats();
    BOOST_TEST(s.sessions == 1u);
    BOOST_TEST(s.fihellos >= 1u);
    BOOST_TEST(s.messages == 3u);
    BOOST_TEST(s.echoed == 3u);
}

BOOST_AUTO_TEST_CASE(forwarded_ihello_alone_is_enough) {
    // The Redirect names an address nobody answers at: the listener's RHello
    // to the caller (sent for the Forwarded IHello) must carry the call.
    network n;
    n.redirect_to_nowhere = true;
    BOOST_TEST((n.run({"via fihello"}) == outcome::ok));
    BOOST_TEST(n.caller->report().echoed == 1u);
    BOOST_TEST(n.caller->report().responder->same_endpoint(n.listener_addr));
}

BOOST_AUTO_TEST_CASE(no_introduction_times_out) {
    network n;
    n.introducer_silent = true;
    BOOST_TEST((n.run({"nobody"}, 3 * seconds) == outcome::timeout));
    BOOST_TEST(n.caller->report().redirects == 0u);
    BOOST_TEST(n.caller->report().ihellos_sent >= 2u);  // retransmitted
}

BOOST_AUTO_TEST_CASE(listener_survives_garbage) {
    network n;
    const wire::socket_address from = wire::socket_address::v4(0xc6120009, 999);
    std::vector<std::uint8_t> junk(100);
    for (std::size_t len : {0u, 3u, 4u, 20u, 36u, 100u}) {
        for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 31 + len);
        (void)n.responder->on_datagram({junk.data(), len}, from, n.now, n.listener_out);
        wire::scramble_session_id(junk, 0);
        (void)n.responder->on_datagram({junk.data(), len}, from, n.now, n.listener_out);
    }
    // A Forwarded IHello with an unusable reply address and a foreign EPD.
    const std::uint8_t epd[] = {0x21, 0x0f, 1, 2, 3};
    n.responder->on_forwarded_ihello(wire::forwarded_ihello{{epd, sizeof epd}, wire::socket_address{}, {}}, n.now, n.listener_out);
    BOOST_TEST(n.responder->stats().sessions == 0u);
    // Still answers a real call afterwards.
    BOOST_TEST((n.run({"after garbage"}) == outcome::ok));
}

BOOST_AUTO_TEST_SUITE_END()
