// The generator's allocation-free reply checker against strato-peer's
// check_rhello (the byte-for-byte reference): the same datagrams, the same
// verdicts, and the per-peer bookkeeping (tags, stale replies, latency).
#include <boost/test/unit_test.hpp>

#include <array>
#include <optional>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-load/reply_checker.hpp"
#include "tools/strato-peer/startup.hpp"

namespace {

using namespace strato;
using load::reply_kind;

crypto::server_certificate make_certificate(std::uint8_t fill) {
    std::array<std::uint8_t, crypto::certificate_randomness_size> rnd{};
    rnd.fill(fill);
    crypto::server_certificate c;
    BOOST_REQUIRE(crypto::build_server_certificate(rnd, crypto::default_certificate_groups, c) ==
                  wire::drop_reason::none);
    return c;
}

struct rhello_spec {
    std::vector<std::uint8_t> tag;
    std::size_t cookie_size = 64;
    wire::bytes certificate;
    std::uint8_t flags = wire::startup_flags;
    bool extra_chunk = false;
    std::uint32_t session_id = 0;
};

std::vector<std::uint8_t> seal_rhello(const rhello_spec& s) {
    std::vector<std::uint8_t> buf(1500);
    wire::packet_builder b(buf, s.flags, std::uint16_t{1}, std::nullopt);
    std::vector<std::uint8_t> cookie(s.cookie_size, 0xab);
    wire::write_rhello(b.body(), wire::rhello{s.tag, cookie, s.certificate});
    if (s.extra_chunk) wire::write_ping(b.body(), wire::ping{});
    BOOST_REQUIRE(b.finish());
    auto sealed = crypto::seal(b, s.session_id, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
    BOOST_REQUIRE(sealed.ok());
    buf.resize(*sealed);
    return buf;
}

struct fixture {
    std::vector<load::peer_state> peers = std::vector<load::peer_state>(1000);
    load::tag_codec codec{0x1234'5678'9abc'def0ull};
    load::reply_checker checker{peers, codec, false};
    crypto::server_certificate cert = make_certificate(0x11);

    std::vector<std::uint8_t> request(std::uint32_t peer, std::uint32_t nonce, std::uint32_t sent_ns,
                                      std::size_t tag_size = 16) {
        peers[peer] = load::peer_state{sent_ns, nonce};
        std::vector<std::uint8_t> tag(tag_size);
        codec.write(peer, nonce, tag);
        return tag;
    }

    load::check_result run(const std::vector<std::uint8_t>& d, std::uint32_t now) {
        load::check_result r;
        r.kind = load::reply_checker::precheck(d);
        if (r.kind != reply_kind::valid) return r;
        std::vector<std::uint8_t> out(d.size());
        auto opened = crypto::open(d, out, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
        if (!opened.ok()) {
            r.kind = reply_kind::undecryptable;
            return r;
        }
        return checker.check(*opened, d.size(), now);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(load_reply_checker)

BOOST_AUTO_TEST_CASE(tag_codec_round_trip_and_rejection) {
    load::tag_codec c(42);
    for (std::size_t size : {16u, 17u, 33u, 64u}) {
        std::vector<std::uint8_t> tag(size);
        c.write(123456, 0xdeadbeef, tag);
        std::uint32_t peer = 0, nonce = 0;
        BOOST_TEST(c.read(tag, peer, nonce));
        BOOST_TEST(peer == 123456u);
        BOOST_TEST(nonce == 0xdeadbeefu);
        tag.back() ^= 1;
        BOOST_TEST(!c.read(tag, peer, nonce));
    }
    std::vector<std::uint8_t> tag(16);
    c.write(1, 2, tag);
    std::uint32_t p = 0, n = 0;
    BOOST_TEST(!load::tag_codec(43).read(tag, p, n));  // another run's key
}

BOOST_FIXTURE_TEST_CASE(valid_reply_agrees_with_check_rhello, fixture) {
    auto tag = request(7, 99, 1000);
    auto d = seal_rhello({tag, 64, cert.bytes_view()});
    auto reference = peer::check_rhello(d, tag);
    BOOST_TEST(reference.ok(), reference.failed_check);
    auto r = run(d, 5000);
    BOOST_TEST(static_cast<int>(r.kind) == static_cast<int>(reply_kind::valid));
    BOOST_TEST(r.peer == 7u);
    BOOST_TEST(r.latency_ns == 4000u);
    BOOST_TEST(peers[7].nonce == 0u);  // answered
    BOOST_TEST(checker.has_fingerprint());
    BOOST_TEST(checker.fingerprint() == cert.fingerprint);
    // The same reply again: the request is no longer in flight.
    BOOST_TEST(static_cast<int>(run(d, 6000).kind) == static_cast<int>(reply_kind::tag_stale));
}

BOOST_FIXTURE_TEST_CASE(latency_wraps_with_32_bit_send_times, fixture) {
    auto tag = request(3, 5, 0xffff'ff00u);
    auto r = run(seal_rhello({tag, 64, cert.bytes_view()}), 0x100u);
    BOOST_TEST(static_cast<int>(r.kind) == static_cast<int>(reply_kind::valid));
    BOOST_TEST(r.latency_ns == 0x200u);
}

BOOST_FIXTURE_TEST_CASE(every_mismatch_is_caught_by_both, fixture) {
    const auto other = make_certificate(0x22);
    // Each case: a fresh request, a reply that fails one check.
    // check_rhello sees one reply at a time, so only the certificate
    // change across replies is ours alone.
    auto expect = [&](const char* what, reply_kind want, const std::vector<std::uint8_t>& d,
                      const std::vector<std::uint8_t>& tag) {
        BOOST_TEST_CONTEXT(what) {
            auto ref = peer::check_rhello(d, tag);
            if (want != reply_kind::fingerprint_changed) BOOST_TEST(!ref.ok());
            auto r = run(d, 10);
            BOOST_TEST(load::reply_kind_names[static_cast<std::size_t>(r.kind)] ==
                       load::reply_kind_names[static_cast<std::size_t>(want)]);
        }
    };
    // First a valid one pins the certificate.
    auto t0 = request(0, 1, 0);
    BOOST_TEST(static_cast<int>(run(seal_rhello({t0, 64, cert.bytes_view()}), 1).kind) ==
               static_cast<int>(reply_kind::valid));

    auto t1 = request(1, 11, 0);
    expect("cookie of 63 bytes", reply_kind::bad_cookie, seal_rhello({t1, 63, cert.bytes_view()}), t1);
    auto t2 = request(2, 12, 0);
    expect("another server's certificate", reply_kind::fingerprint_changed, seal_rhello({t2, 64, other.bytes_view()}),
           t2);
    auto t3 = request(3, 13, 0);
    expect("flags 0x8b (time critical)", reply_kind::bad_flags, seal_rhello({t3, 64, cert.bytes_view(), 0x8b}), t3);
    auto t4 = request(4, 14, 0);
    expect("a ping after the RHello", reply_kind::not_rhello, seal_rhello({t4, 64, cert.bytes_view(), 0x0b, true}), t4);
    auto t5 = request(5, 15, 0);
    expect("session ID 5", reply_kind::nonzero_session_id, seal_rhello({t5, 64, cert.bytes_view(), 0x0b, false, 5}),
           t5);
    auto t6 = request(6, 16, 0);
    auto foreign = t6;
    foreign[10] ^= 0x40;
    expect("a tag we never sent", reply_kind::tag_unknown, seal_rhello({foreign, 64, cert.bytes_view()}), t6);
    auto t7 = request(7, 17, 0);
    auto d = seal_rhello({t7, 64, cert.bytes_view()});
    d.resize(d.size() - 3);
    expect("truncated datagram", reply_kind::bad_framing, d, t7);
    auto t8 = request(8, 18, 0);
    d = seal_rhello({t8, 64, cert.bytes_view()});
    d[d.size() - 1] ^= 1;
    expect("corrupted ciphertext", reply_kind::undecryptable, d, t8);
    auto t9 = request(9, 19, 0);
    auto short_cert = std::vector<std::uint8_t>(cert.bytes_view().begin(), cert.bytes_view().end() - 3);
    expect("certificate of 74 bytes", reply_kind::bad_certificate, seal_rhello({t9, 64, short_cert}), t9);
}

BOOST_FIXTURE_TEST_CASE(superseded_request_makes_its_reply_stale, fixture) {
    auto old_tag = request(9, 100, 0);
    auto d = seal_rhello({old_tag, 64, cert.bytes_view()});
    request(9, 101, 50);  // the peer sent again before the reply came
    BOOST_TEST(static_cast<int>(run(d, 60).kind) == static_cast<int>(reply_kind::tag_stale));
}

BOOST_AUTO_TEST_CASE(echo_mode_accepts_our_ihello) {
    std::vector<load::peer_state> peers(10);
    load::tag_codec codec(5);
    load::reply_checker checker(peers, codec, true);
    std::vector<std::uint8_t> tag(16);
    peers[4] = {100, 77};
    codec.write(4, 77, tag);
    auto d = peer::build_ihello(std::vector<std::uint8_t>{0x05, 0x0a, 'a', 'p', 'p', '1'}, tag, 1);
    BOOST_REQUIRE(!d.empty());
    std::vector<std::uint8_t> out(d.size());
    auto opened = crypto::open(d, out, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
    BOOST_REQUIRE(opened.ok());
    auto r = checker.check(*opened, d.size(), 150);
    BOOST_TEST(static_cast<int>(r.kind) == static_cast<int>(reply_kind::valid));
    BOOST_TEST(r.latency_ns == 50u);
}

BOOST_AUTO_TEST_SUITE_END()
