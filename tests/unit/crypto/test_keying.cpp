// Certificates and keying components, from real capture bytes and malformed input.
#include <boost/test/unit_test.hpp>

#include "tests/support/capture_fixtures.hpp"
#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/keying.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "util.hpp"

using namespace strato;
using namespace strato::crypto;
using wire::drop_reason;

namespace {

// Opens a captured startup datagram with the default key and returns the
// value of its first chunk (copied, so the views stay valid).
struct startup_chunk {
    test::buf plain;
    std::uint8_t type = 0;
    wire::bytes value;
};

startup_chunk first_chunk(std::string_view hexdata) {
    startup_chunk c;
    const test::buf d = test::unhex(hexdata);
    c.plain.resize(d.size());
    const auto p = open(test::view(d), {c.plain.data(), c.plain.size()}, {default_aes_key()});
    BOOST_REQUIRE(p.ok());
    const auto pk = wire::parse_packet(p->packet);
    BOOST_REQUIRE(pk.ok());
    wire::chunk_reader r(pk->chunks);
    wire::chunk_view ch;
    BOOST_REQUIRE(r.next(ch));
    c.type = ch.type;
    c.value = ch.value;
    return c;
}

test::buf cat(std::initializer_list<test::buf> parts) {
    test::buf out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keying)

BOOST_AUTO_TEST_CASE(server_certificates_from_captures) {
    const auto mona = first_chunk(fixtures::mona_rhello);
    BOOST_REQUIRE(mona.type == 0x70);
    const auto rh = wire::parse_rhello(mona.value);
    BOOST_REQUIRE(rh.ok());
    BOOST_TEST(rh->cookie.size() == 64u);
    BOOST_TEST(rh->certificate.size() == 77u);
    BOOST_TEST(test::hex(rh->certificate.first(4)) == "010a410e");
    const auto c = parse_certificate(rh->certificate);
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(c->accepts_ancillary_data);
    BOOST_TEST(!c->is_static());
    BOOST_TEST(c->offers_ephemeral(2));
    BOOST_TEST(c->offers_ephemeral(5));
    BOOST_TEST(c->offers_ephemeral(14));
    BOOST_TEST(!c->offers_ephemeral(16));
    BOOST_TEST(c->extra_randomness.size() == 64u);
    BOOST_TEST(c->canonical.size() == 77u);
    // Our builder reproduces the Mona certificate from its randomness.
    server_certificate ours;
    BOOST_REQUIRE(build_server_certificate(std::span<const std::uint8_t, 64>(c->extra_randomness.data(), 64),
                                           default_certificate_groups, ours) == drop_reason::none);
    BOOST_TEST(test::hex(ours.bytes_view()) == test::hex(rh->certificate));
    BOOST_TEST(test::hex_of(ours.fingerprint) == test::hex_of(c->peer_id));

    const auto tc = first_chunk(fixtures::tcserver_rhello);
    const auto rh2 = wire::parse_rhello(tc.value);
    BOOST_REQUIRE(rh2.ok());
    BOOST_TEST(rh2->certificate.size() == 77u);
    const auto c2 = parse_certificate(rh2->certificate);
    BOOST_REQUIRE(c2.ok());
    BOOST_TEST(c2->accepts_ancillary_data);
    BOOST_TEST(c2->offers_ephemeral(16));
    BOOST_TEST(c2->offers_ephemeral(14));
    BOOST_TEST(c2->offers_ephemeral(2));
    BOOST_TEST(!c2->offers_ephemeral(5));
}

BOOST_AUTO_TEST_CASE(librtmfp_iikeying) {
    const auto ch = first_chunk(fixtures::librtmfp_iikeying);
    BOOST_REQUIRE(ch.type == 0x38);
    const auto ik = wire::parse_iikeying(ch.value);
    BOOST_REQUIRE(ik.ok());
    BOOST_TEST(ik->certificate.size() == 132u);
    BOOST_TEST(test::hex(ik->certificate.first(4)) == "81021d02");
    const auto c = parse_certificate(ik->certificate);
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(c->is_static());
    BOOST_TEST(c->static_key_count == 1u);
    const static_dh_key* k = c->static_key_for(2);
    BOOST_REQUIRE(k != nullptr);
    BOOST_TEST(k->public_key.size() == 128u);
    BOOST_TEST(dh_public_key_valid(dh_group::modp1024, k->public_key));
    // Peer ID = SHA-256 of all 132 bytes, header included (P13).
    BOOST_TEST(test::hex_of(c->peer_id) == test::hex_of(sha256(ik->certificate)));

    BOOST_TEST(ik->skic.size() == 76u);
    BOOST_TEST(test::hex(ik->skic.first(5)) == "021d02410e");
    BOOST_TEST(test::hex(ik->skic.last(7)) == "031a020a021e02");
    const auto kc = parse_keying_component(ik->skic);
    BOOST_REQUIRE(kc.ok());
    BOOST_TEST(kc->has_group_select);
    BOOST_TEST(kc->group_select == 2u);
    BOOST_TEST(!kc->has_ephemeral_key);
    BOOST_TEST(kc->extra_randomness.size() == 64u);
    BOOST_TEST(kc->hmac.flags == neg_sor);
    BOOST_TEST(kc->hmac.hmac_length == 10);
    BOOST_TEST(kc->sseq.flags == neg_sor);
}

BOOST_AUTO_TEST_CASE(rtmfpcpp_iikeying_and_answer) {
    const auto ch = first_chunk(fixtures::rtmfpcpp_iikeying);
    const auto ik = wire::parse_iikeying(ch.value);
    BOOST_REQUIRE(ik.ok());
    BOOST_TEST(ik->certificate.size() == 908u);
    const auto c = parse_certificate(ik->certificate);
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(c->static_key_count == 3u);
    BOOST_TEST(c->static_key_for(16)->public_key.size() == 512u);
    BOOST_TEST(c->static_key_for(14)->public_key.size() == 256u);
    BOOST_TEST(c->static_key_for(2)->public_key.size() == 128u);
    const auto kc = parse_keying_component(ik->skic);
    BOOST_REQUIRE(kc.ok());
    BOOST_TEST(kc->group_select == 16u);
    BOOST_TEST(kc->hmac.flags == (neg_snd | neg_sor | neg_req));
    BOOST_TEST(kc->hmac.hmac_length == 16);
    BOOST_TEST(kc->sseq.flags == (neg_snd | neg_sor | neg_req));

    // The client REQuests: we answer SOR (+16) and both directions carry both.
    dh_keypair server;
    BOOST_REQUIRE(dh_generate(dh_group::modp4096, 256, server) == dh_error::ok);
    std::uint8_t skrc[600];
    wire::writer w({skrc, sizeof skrc});
    keying_component near_kc;
    BOOST_REQUIRE(write_server_skrc(w, server, *kc, &near_kc));
    BOOST_TEST(test::hex(w.written().first(11)) == "031a0210021e0284020d10");
    BOOST_TEST(w.size() == 11u + 512u);
    const auto f = resolve_features(near_kc, *kc);
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(f->send_hmac);
    BOOST_TEST(f->send_hmac_length == 16);
    BOOST_TEST(f->recv_hmac);
    BOOST_TEST(f->recv_hmac_length == 16);
    BOOST_TEST(f->send_sseq);
    BOOST_TEST(f->recv_sseq);
}

BOOST_AUTO_TEST_CASE(server_skrcs_from_captures) {
    // MonaServer2's SKRC: the layout librtmfp requires.
    const auto mona = first_chunk(fixtures::mona_rikeying);
    const auto rk = wire::parse_rikeying(mona.value);
    BOOST_REQUIRE(rk.ok());
    BOOST_TEST(rk->skrc.size() == 139u);
    BOOST_TEST(test::hex(rk->skrc.first(11)) == "031a0000021e0081020d02");
    const auto kc = parse_keying_component(rk->skrc);
    BOOST_REQUIRE(kc.ok());
    BOOST_TEST(kc->hmac.present);
    BOOST_TEST(kc->hmac.flags == 0);
    BOOST_TEST(kc->sseq.present);
    BOOST_TEST(kc->has_ephemeral_key);
    BOOST_TEST(kc->ephemeral_group == 2u);
    BOOST_TEST(kc->ephemeral_key.size() == 128u);
    // tcserver's: SSEQ first, flags 07.
    const auto tc = first_chunk(fixtures::tcserver_rikeying);
    const auto rk2 = wire::parse_rikeying(tc.value);
    BOOST_REQUIRE(rk2.ok());
    const auto kc2 = parse_keying_component(rk2->skrc);
    BOOST_REQUIRE(kc2.ok());
    BOOST_TEST(kc2->hmac.flags == 7);
    BOOST_TEST(kc2->hmac.hmac_length == 16);
    BOOST_TEST(kc2->sseq.flags == 7);
    BOOST_TEST(kc2->ephemeral_group == 16u);
    BOOST_TEST(kc2->ephemeral_key.size() == 512u);
}

BOOST_AUTO_TEST_CASE(certificate_canonical_section_and_marker) {
    const test::buf cert = cat({test::unhex("010a021502"), test::unhex("00"), test::unhex("02150e"),
                                test::unhex("050e0102030400")});
    const auto c = parse_certificate(test::view(cert));
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(c->canonical.size() == 5u);
    BOOST_TEST(c->offers_ephemeral(2));
    BOOST_TEST(!c->offers_ephemeral(14));  // after the marker: ignored
    BOOST_TEST(c->extra_randomness.size() == 4u);
    BOOST_TEST(test::hex_of(c->peer_id) == test::hex_of(sha256(test::view(cert).first(5))));
    const auto fp = certificate_fingerprint(test::view(cert));
    BOOST_REQUIRE(fp.ok());
    BOOST_TEST(test::hex_of(*fp) == test::hex_of(c->peer_id));
}

BOOST_AUTO_TEST_CASE(malformed_certificates) {
    auto reason = [](const test::buf& b) {
        const auto r = parse_certificate(test::view(b));
        return r.ok() ? drop_reason::none : r.error();
    };
    // Both static and ephemeral; neither; empty.
    BOOST_TEST(reason(test::unhex("010a021502 05 1d 02 aabbcc")) == drop_reason::bad_certificate);
    BOOST_TEST(reason(test::unhex("010a 410e" + std::string(128, 'a'))) == drop_reason::bad_certificate);
    BOOST_TEST(reason({}) == drop_reason::bad_certificate);
    // Option overruns its field; VLU length never ends.
    BOOST_TEST(reason(test::unhex("010a 05 15 02")) == drop_reason::bad_certificate);
    BOOST_TEST(reason(test::unhex("010a ffffffff")) == drop_reason::bad_certificate);
    // DH option without group, static key without key.
    BOOST_TEST(reason(test::unhex("010a 01 15")) == drop_reason::bad_certificate);
    BOOST_TEST(reason(test::unhex("02 1d 02")) == drop_reason::bad_certificate);
    // Every truncation of the librtmfp certificate is rejected.
    const auto ch = first_chunk(fixtures::librtmfp_iikeying);
    const auto ik = wire::parse_iikeying(ch.value);
    BOOST_REQUIRE(ik.ok());
    for (std::size_t n = 0; n < ik->certificate.size(); ++n)
        BOOST_TEST(!parse_certificate(ik->certificate.first(n)).ok(), "truncated at " << n);
    // Builder refuses invalid certificates.
    std::array<std::uint8_t, 64> rnd{};
    server_certificate sc;
    BOOST_TEST(build_server_certificate(rnd, std::span<const dh_group>{}, sc) == drop_reason::bad_certificate);
    const dh_group dup[2] = {dh_group::modp1024, dh_group::modp1024};
    BOOST_TEST(build_server_certificate(rnd, dup, sc) == drop_reason::bad_certificate);
    const dh_group custom[3] = {dh_group::modp4096, dh_group::modp2048, dh_group::modp1024};
    BOOST_REQUIRE(build_server_certificate(rnd, custom, sc) == drop_reason::none);
    BOOST_TEST(sc.size == 77u);
    BOOST_TEST(test::hex(sc.bytes_view().last(9)) == "02151002150e021502");
    const auto back = parse_certificate(sc.bytes_view());
    BOOST_REQUIRE(back.ok());
    BOOST_TEST(back->offers_ephemeral(16));
}

BOOST_AUTO_TEST_CASE(malformed_keying_components) {
    auto reason = [](const test::buf& b) {
        const auto r = parse_keying_component(test::view(b));
        return r.ok() ? drop_reason::none : r.error();
    };
    BOOST_TEST(reason(test::unhex("031a0203")) == drop_reason::bad_keying_component);  // SOR, length 3
    BOOST_TEST(reason(test::unhex("031a0221")) == drop_reason::bad_keying_component);  // length 33
    BOOST_TEST(reason(test::unhex("031a000a")) == drop_reason::bad_keying_component);  // no flags, length 10
    BOOST_TEST(reason(test::unhex("031a0104")) == drop_reason::bad_keying_component);  // REQ only: length must be 0
    BOOST_TEST(reason(test::unhex("031a0100")) == drop_reason::none);
    BOOST_TEST(reason(test::unhex("031a0420")) == drop_reason::none);                  // SND, 32
    BOOST_TEST(reason(test::unhex("021a02")) == drop_reason::bad_keying_component);    // missing length
    BOOST_TEST(reason(test::unhex("011e")) == drop_reason::bad_keying_component);      // missing flags
    BOOST_TEST(reason(test::unhex("020d02")) == drop_reason::bad_keying_component);    // key missing
    BOOST_TEST(reason(test::unhex("011d")) == drop_reason::bad_keying_component);      // group missing
    BOOST_TEST(reason(test::unhex("05 0e 0102")) == drop_reason::bad_keying_component);  // overrun
    BOOST_TEST(reason(test::unhex("03 7f 0102")) == drop_reason::none);                // unknown type ignored
    BOOST_TEST(reason({}) == drop_reason::none);
    const test::buf skic = test::unhex(
        "021d02410ea5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
        "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5031a020a021e02");
    for (std::size_t n = 1; n < skic.size(); ++n) {
        const auto r = parse_keying_component(test::view(skic).first(n));
        // A cut inside an option is an overrun; a cut between options is a shorter, valid component.
        if (!r.ok()) BOOST_TEST(r.error() == drop_reason::bad_keying_component);
    }
    BOOST_TEST(!parse_keying_component(test::view(skic).first(10)).ok());
}

BOOST_AUTO_TEST_CASE(negotiation_resolution) {
    keying_component a, b;
    auto set = [](keying_component& k, std::uint8_t hf, std::uint8_t hl, std::uint8_t sf) {
        k.hmac = {true, hf, hl};
        k.sseq = {true, sf, 0};
    };
    set(a, neg_sor, 10, neg_sor);
    set(b, 0, 0, 0);
    auto f = resolve_features(a, b);
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(!f->send_hmac);
    BOOST_TEST(!f->recv_hmac);
    set(a, neg_snd, 12, 0);
    set(b, neg_sor, 20, neg_sor | neg_req);
    f = resolve_features(a, b);
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(f->send_hmac);
    BOOST_TEST(f->send_hmac_length == 12);
    BOOST_TEST(!f->recv_hmac);   // b has SOR but a did not REQuest
    BOOST_TEST(!f->send_sseq);   // b REQuests but a has neither SND nor SOR
    BOOST_TEST(f->recv_sseq == false);
    // a REQuires an HMAC from b, which can never send one: reject.
    set(a, neg_req, 0, 0);
    set(b, 0, 0, 0);
    BOOST_TEST(!resolve_features(a, b).ok());
    set(b, neg_sor, 16, 0);
    f = resolve_features(a, b);
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(f->recv_hmac);
    BOOST_TEST(f->recv_hmac_length == 16);
    // Server answers.
    BOOST_TEST(server_hmac_answer({true, neg_sor, 10}).flags == 0);
    BOOST_TEST(server_hmac_answer({true, neg_req, 0}).flags == neg_sor);
    BOOST_TEST(server_hmac_answer({true, neg_req, 0}).hmac_length == server_hmac_length);
    BOOST_TEST(server_sseq_answer({true, neg_req | neg_snd, 0}).flags == neg_sor);
}

BOOST_AUTO_TEST_SUITE_END()
