// The pieces of the session scenarios that need no server: identities from
// the precomputed DH pool (a fresh peer ID per handshake although keys are
// shared, the key travelling in the SKIC), the command line of the session
// scenarios (what is refused, and why), and the session generator fed
// garbage (every datagram counted unroutable, nothing crashes, every
// handshake times out and is counted so).
#include <boost/test/unit_test.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/keying.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-load/identity_pool.hpp"
#include "tools/strato-load/options.hpp"
#include "tools/strato-load/sessions.hpp"

namespace {

using namespace strato;

std::string parse(std::vector<std::string> args, load::load_options& o) {
    std::vector<char*> argv;
    static char name[] = "strato-load";
    argv.push_back(name);
    for (auto& a : args) argv.push_back(a.data());
    return load::parse_options(static_cast<int>(argv.size()), argv.data(), o);
}

const std::string target = "rtmfp://198.18.0.1:1935/app";

} // namespace

BOOST_AUTO_TEST_CASE(pool_identities_share_keys_but_not_peer_ids) {
    load::identity_pool pool;
    BOOST_REQUIRE(pool.prepare(peer::keying_choice{}, 2, 42) == "");
    BOOST_TEST(pool.size() == 2u);
    // The pool always builds the ephemeral form: the key is not in the
    // certificate, so sharing it does not share the peer ID.
    BOOST_TEST((pool.choice().form == peer::certificate_form::ephemeral));
    std::vector<peer::initiator_identity> ids(5);
    std::set<std::string> peer_ids, keys;
    for (auto& id : ids) {
        BOOST_REQUIRE(pool.make(id));
        peer_ids.insert(std::string(id.peer_id.begin(), id.peer_id.end()));
        keys.insert(std::string(id.dh.public_key().begin(), id.dh.public_key().end()));
        // RFC 7425 §4.3.3: a certificate offering ephemeral DH group 2.
        auto cert = crypto::parse_certificate(id.certificate);
        BOOST_REQUIRE(cert.ok());
        BOOST_TEST(cert->offers_ephemeral(2));
        // The SKIC carries the pool key as the Ephemeral DH Public Key.
        auto skic = crypto::parse_keying_component(id.skic);
        BOOST_REQUIRE(skic.ok());
        BOOST_TEST(skic->has_ephemeral_key);
        BOOST_TEST(skic->ephemeral_group == 2u);
        BOOST_TEST(wire::equal(skic->ephemeral_key, id.dh.public_key()));
        BOOST_TEST(skic->extra_randomness.size() == peer::extra_randomness_size);
    }
    BOOST_TEST(peer_ids.size() == ids.size());
    BOOST_TEST(keys.size() == 2u);  // round robin over the two pool keys
    BOOST_TEST(wire::equal(ids[0].dh.public_key(), ids[2].dh.public_key()));
    BOOST_TEST(!wire::equal(ids[0].dh.public_key(), ids[1].dh.public_key()));
}

BOOST_AUTO_TEST_CASE(empty_pool_is_refused) {
    load::identity_pool pool;
    BOOST_TEST(pool.prepare(peer::keying_choice{}, 0, 1) != "");
    peer::initiator_identity id;
    BOOST_TEST(!pool.make(id));
}

BOOST_AUTO_TEST_CASE(session_scenarios_parse) {
    load::load_options o;
    BOOST_TEST(parse({"handshake", "--target", target, "--concurrency", "1000", "--dh-pool", "8", "--timeout", "2.5"}, o) ==
               "");
    BOOST_TEST((o.what == load::scenario::handshake));
    BOOST_TEST(load::is_session_scenario(o.what));
    BOOST_TEST(o.concurrency == 1000u);
    BOOST_TEST(o.dh_pool == 8u);
    BOOST_TEST(o.session_timeout == 2.5);

    load::load_options c;
    BOOST_TEST(parse({"connect", "--target", target, "--keep", "--rate", "max"}, c) == "");
    BOOST_TEST((c.what == load::scenario::connect));
    BOOST_TEST(c.keep);
    BOOST_TEST(c.rate == 0.0);

    load::load_options i;
    BOOST_TEST(parse({"introductions", "--target", target, "--listeners", "100", "--peers", "1000000"}, i) == "");
    BOOST_TEST((i.what == load::scenario::introductions));
    BOOST_TEST(i.listeners == 100u);
    BOOST_TEST(!load::is_session_scenario(load::scenario::ihello));

    load::load_options j;
    BOOST_TEST(parse({"joins", "--target", target}, j) == "");
    BOOST_TEST((j.what == load::scenario::joins));
    BOOST_TEST(load::is_session_scenario(j.what));
    BOOST_TEST(j.groups == 16u);  // defaults: stratod's own bootstrap caps
    BOOST_TEST(j.bootstrap_max == 6u);
    BOOST_TEST(j.notify_neighbours == 1u);
    BOOST_TEST(parse({"joins", "--target", target, "--concurrency", "500", "--groups", "50", "--bootstrap-max", "16",
                      "--notify-neighbours", "0"},
                     j) == "");
    BOOST_TEST(j.concurrency == 500u);
    BOOST_TEST(j.groups == 50u);
    BOOST_TEST(j.bootstrap_max == 16u);
    BOOST_TEST(j.notify_neighbours == 0u);
}

BOOST_AUTO_TEST_CASE(session_scenarios_refuse_with_the_reason) {
    struct refusal {
        std::vector<std::string> args;
        std::string names;
    };
    const std::vector<refusal> cases = {
        {{"joins", "--target", target, "--keep"}, "--keep: joins always keeps its sessions open"},
        {{"joins", "--target", target, "--groups", "0"}, "--groups: \"0\" is out of range"},
        {{"joins", "--target", target, "--groups", "300", "--concurrency", "256"}, "--groups: more than --concurrency"},
        {{"joins", "--target", target, "--bootstrap-max", "17"}, "--bootstrap-max: \"17\" is out of range"},
        {{"joins", "--target", target, "--notify-neighbours", "9"}, "--notify-neighbours: \"9\" is out of range"},
        {{"joins", "--target", target, "--listeners", "4"}, "--listeners: only for the introductions scenario"},
        {{"connect", "--target", target, "--groups", "4"}, "--groups, --bootstrap-max, --notify-neighbours: only for"},
        {{"introductions", "--target", target, "--bootstrap-max", "4"}, "only for the joins scenario"},
        {{"joinz", "--target", target}, "unknown scenario \"joinz\"; available: ihello, mix, spoofed, reflect, "
                                        "handshake, connect, introductions, joins"},
        {{"handshake", "--target", target, "--backend", "dpdk"}, "--dpdk-device DEV is required"},
        {{"handshake", "--target", target, "--keep"}, "--keep: only for the connect scenario"},
        {{"connect", "--target", target, "--listeners", "4"}, "--listeners: only for the introductions scenario"},
        {{"introductions", "--target", target, "--listeners", "300", "--concurrency", "256"}, "--listeners: more than"},
        {{"introductions", "--target", target, "--sockets", "1"}, "--sockets"},
        {{"handshake", "--target", target, "--dh-pool", "0"}, "--dh-pool: \"0\" is out of range"},
        {{"connect", "--target", target, "--concurrency", "x"}, "--concurrency: \"x\" is not"},
        {{"connect", "--target", target, "--timeout", "0"}, "--timeout: \"0\" is out of range"},
        {{"handshake"}, "--target"},
    };
    for (const auto& r : cases) {
        load::load_options o;
        const auto e = parse(r.args, o);
        BOOST_TEST_CONTEXT(r.args[0] << " ... -> " << e) { BOOST_TEST(e.find(r.names) != std::string::npos); }
    }
}

// ---- the session generator against a hostile network ----------------------

namespace {

// Swallows every datagram the generator sends and answers with garbage:
// random bytes, and well-sealed startup packets (RHello, Redirect) whose
// tags belong to nobody.
class garbage_backend final : public load::io_backend {
public:
    std::vector<std::vector<std::uint8_t>> queue;
    std::size_t next = 0;
    std::size_t sent = 0;

    std::size_t send(std::span<const load::tx_datagram> burst) noexcept override {
        sent += burst.size();
        return burst.size();
    }
    std::size_t receive(std::span<load::rx_datagram> out) noexcept override {
        std::size_t n = 0;
        while (n < out.size() && n < 4 && next < queue.size()) {
            out[n++] = load::rx_datagram{queue[next].data(), static_cast<std::uint16_t>(queue[next].size()), 0};
            ++next;
        }
        return n;
    }
    const load::backend_counters& counters() const noexcept override { return counters_; }
    unsigned sockets() const noexcept override { return 2; }
    bool local_address(unsigned socket, wire::socket_address& out) const noexcept override {
        out = wire::socket_address::v4(0xc6120002, static_cast<std::uint16_t>(40000 + socket));
        return true;
    }

private:
    load::backend_counters counters_;
};

std::vector<std::uint8_t> sealed_startup(std::uint8_t chunk, const std::vector<std::uint8_t>& tag) {
    std::vector<std::uint8_t> buf(1536);
    wire::packet_builder b(buf, wire::startup_flags, 1, std::nullopt);
    const std::vector<std::uint8_t> cookie(64, 0xc0), cert(77, 0x01);
    if (chunk == 0x70) {
        wire::write_rhello(b.body(), wire::rhello{tag, cookie, cert});
    } else {
        wire::redirect r;
        r.tag_echo = tag;
        r.addresses[0] = wire::socket_address::v4(0xc6120009, 1935);
        r.address_count = 1;
        wire::write_redirect(b.body(), r);
    }
    BOOST_REQUIRE(b.finish());
    auto n = crypto::seal(b, 0, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
    BOOST_REQUIRE(n.ok());
    buf.resize(*n);
    return buf;
}

} // namespace

BOOST_AUTO_TEST_CASE(garbage_is_unroutable_and_handshakes_time_out) {
    load::load_options o;
    BOOST_REQUIRE(parse({"handshake", "--target", target, "--rate", "40", "--duration", "0.2", "--warmup", "0",
                         "--drain", "0", "--timeout", "0.2", "--concurrency", "8", "--dh-pool", "2", "--quiet"},
                        o) == "");
    garbage_backend io;
    load::fast_random r(7);
    for (std::size_t i = 0; i < 300; ++i) {
        std::vector<std::uint8_t> d(r.next() % 200);
        r.fill(d);
        io.queue.push_back(std::move(d));
    }
    std::vector<std::uint8_t> tag(16, 0x42);
    io.queue.push_back(sealed_startup(0x70, tag));  // an RHello for no handshake of ours
    io.queue.push_back(sealed_startup(0x71, tag));  // a Redirect outside the introductions scenario
    load::session_generator g(o, io);
    BOOST_REQUIRE(g.prepare() == "");
    auto res = std::make_unique<load::session_result>();
    volatile int stop = 0;
    g.run(*res, stop);
    const auto& t = res->total;
    BOOST_TEST(io.next == io.queue.size());
    BOOST_TEST(t.datagrams_received == io.queue.size());
    BOOST_TEST(t.unroutable == io.queue.size());
    BOOST_TEST(t.started >= 4u);
    BOOST_TEST(t.succeeded == 0u);
    BOOST_TEST(t.timed_out == t.started);
    BOOST_TEST(t.unfinished == 0u);
    BOOST_TEST(res->failures["timeout"] == t.started);
    BOOST_TEST(t.datagrams_sent >= t.started);  // IHellos (and their retransmissions) went out
    BOOST_TEST(io.sent == t.datagrams_sent);
}

// joins: starts stop at --concurrency (the sessions would stay), not counted
// as behind schedule; garbage never reaches the member checks.
BOOST_AUTO_TEST_CASE(joins_start_concurrency_sessions_and_survive_garbage) {
    load::load_options o;
    BOOST_REQUIRE(parse({"joins", "--target", target, "--rate", "100", "--duration", "0.2", "--warmup", "0", "--drain",
                         "0", "--timeout", "0.2", "--concurrency", "4", "--groups", "2", "--dh-pool", "2", "--quiet"},
                        o) == "");
    garbage_backend io;
    load::fast_random r(11);
    for (std::size_t i = 0; i < 100; ++i) {
        std::vector<std::uint8_t> d(r.next() % 200);
        r.fill(d);
        io.queue.push_back(std::move(d));
    }
    load::session_generator g(o, io);
    BOOST_REQUIRE(g.prepare() == "");
    auto res = std::make_unique<load::session_result>();
    volatile int stop = 0;
    g.run(*res, stop);
    const auto& t = res->total;
    BOOST_TEST(t.unroutable == io.queue.size());
    BOOST_TEST(t.started == 4u);  // 20 due at 100/s, capped at --concurrency
    BOOST_TEST(res->behind_schedule == 0u);
    BOOST_TEST(t.timed_out == 4u);
    BOOST_TEST(t.succeeded == 0u);
    BOOST_TEST(t.member_messages == 0u);
    BOOST_TEST(t.members_over_cap == 0u);
    BOOST_TEST(t.joins_with_members == 0u);
    BOOST_TEST(res->latency.count() == 0u);
}
