// The pieces of the session scenarios that need no server: identities from
// the precomputed DH pool (a fresh peer ID per handshake although keys are
// shared, the key travelling in the SKIC) and the command line of the
// session scenarios (what is refused, and why).
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/keying.hpp"
#include "tools/strato-load/identity_pool.hpp"
#include "tools/strato-load/options.hpp"

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
}

BOOST_AUTO_TEST_CASE(session_scenarios_refuse_with_the_reason) {
    struct refusal {
        std::vector<std::string> args;
        std::string names;
    };
    const std::vector<refusal> cases = {
        {{"joins", "--target", target}, "NetGroup"},
        {{"handshake", "--target", target, "--backend", "dpdk", "--dpdk-device", "net_null0"}, "kernel sockets only"},
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
