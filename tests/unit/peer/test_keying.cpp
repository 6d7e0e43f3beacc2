// strato-peer's initiator keying against KAT-4 (protocol reference §8.2): with
// the KAT client exponent and SKIC randomness, our certificate, peer ID and
// SKIC bytes and the keys derived from the KAT SKRC must match exactly.
#include <boost/test/unit_test.hpp>

#include <array>
#include <string>
#include <vector>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tests/support/hex.hpp"
#include "tools/strato-peer/initiator_keying.hpp"

using namespace strato;
using namespace strato::peer;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {

const char* kat4_x = "2fa8523bc273576f1b2b3a7146365e7f90567065c0e9ec647c7833418ac4fa4a"
                     "2fa8523bc273576f1b2b3a7146365e7f90567065c0e9ec647c7833418ac4fa4a";
const char* kat4_client_pub =
    "f7b41e3c3003c03414c4d8be2a8d46656797291e2dcb9b652bc31542d3083c83"
    "78cb92ffce777023b3cc08d3dc5c23570952ada0803b6e670afe69fbeb9a6d4d"
    "26396251864a15bc7f760944c780feabc597f9591582cf80b0897cad870b7d46"
    "dc964ab1fa1463fe7d0657e61184ed818b9c5f6bcb0aa0cadb25471cce53db59";
const char* kat4_peer_id = "66b9083d4df0f3c11b8d61b2b91fb8c9f4ea530b40c94075208ea6aa3c054668";
const char* kat4_skic =
    "021d02410ea5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
    "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
    "a5a5a5a5a5031a020a021e02";
const char* kat4_skrc =
    "031a0000021e0081020d02392c0b9bc9b82d19a0c3dab1a7dbed3725bac66ac1"
    "16bc10746fc10fccc25b92908923bcf20951864b109970e56e55488618e22b70"
    "4ce2c4b95c4ad12f7b37a321c9ca09b5bc017af17e6074343c46be184c59741a"
    "57692a60ec290169406a4343f30483dee1d4ad0a22fca0da3da516577902940d"
    "b37fe17970725436131a97";

initiator_identity kat4_identity(keying_choice c = {}) {
    crypto::dh_keypair kp;
    BOOST_REQUIRE(crypto::dh_from_private(c.group, from_hex(kat4_x), kp) == crypto::dh_error::ok);
    const std::vector<std::uint8_t> randomness(64, 0xa5);
    initiator_identity id;
    BOOST_REQUIRE(make_identity(c, kp, randomness, randomness, id));
    return id;
}

// RIKeying value: RSID | VLU length | SKRC | signature.
std::vector<std::uint8_t> rikeying_value(std::uint32_t rsid, const std::vector<std::uint8_t>& skrc,
                                         std::vector<std::uint8_t> sig = {0x58}) {
    std::vector<std::uint8_t> buf(2048);
    wire::writer w(buf);
    w.u32(rsid);
    w.vlu_prefixed(skrc);
    w.put(sig);
    buf.resize(w.size());
    return buf;
}

} // namespace

BOOST_AUTO_TEST_CASE(kat4_certificate_peer_id_and_skic) {
    const auto id = kat4_identity();
    BOOST_TEST(to_hex(id.dh.public_key()) == kat4_client_pub);
    BOOST_TEST(to_hex(id.certificate) == std::string("81021d02") + kat4_client_pub);
    BOOST_TEST(id.certificate.size() == 132u);
    BOOST_TEST(to_hex(id.peer_id) == kat4_peer_id);
    BOOST_TEST(to_hex(id.skic) == kat4_skic);
    BOOST_TEST(id.skic.size() == 76u);
}

BOOST_AUTO_TEST_CASE(kat4_keys_mirror_the_server) {
    const auto id = kat4_identity();
    initiator_keys k;
    BOOST_REQUIRE(complete_initiator_keying(id, rikeying_value(0x01020304, from_hex(kat4_skrc)), k) == "");
    BOOST_TEST(k.responder_session_id == 0x01020304u);
    BOOST_TEST(k.dh_secret_size == 128u);
    // The client's encrypt key is the server's decrypt key and so on (KAT-4
    // lists the server's view).
    BOOST_TEST(to_hex(k.keys.encrypt_key) == "c079fdd85b17b9eb1020af2b63c66114ad5dd31c7ff0618b60542062931ee08b");
    BOOST_TEST(to_hex(k.keys.decrypt_key) == "e1161acb870fbc0ffeed1599ce44c81389a00e096e140be4c515a61c66dd91cc");
    BOOST_TEST(to_hex(k.keys.near_nonce) == "9a3abc94cb2b3e9cdb5971c5742cd12f3182a5eb62b2501a3a8399d8d3eb21ed");
    BOOST_TEST(to_hex(k.keys.far_nonce) == "162c5cb5b350f605ce832539ec7bcff974fdb70b858db404510ee9f997b57ccc");
    BOOST_TEST(to_hex(k.keys.hmac_send_key) == "663819a1ee51c6bd3132b53d5a1454a372eaa33bfd6567382f5282c8f43f4527");
    BOOST_TEST(to_hex(k.keys.hmac_recv_key) == "05a97660905887f55935076fb8fb7726ff8b8a1045248efcab6ef9e907539f8d");
    // SOR against flags 0: neither side sends HMACs or SSEQ.
    BOOST_TEST(!k.features.send_hmac);
    BOOST_TEST(!k.features.recv_hmac);
    BOOST_TEST(!k.features.send_sseq);
    BOOST_TEST(!k.features.recv_sseq);

    // KAT-5: the server's Ping must open with the keys handed to the engine.
    session::session_keys ek;
    BOOST_REQUIRE(engine_keys(k, ek));
    const auto dgram = from_hex("cda8704490444dfb5cee3ebb8e242941049656b1");
    std::array<std::uint8_t, 64> out{};
    auto p = crypto::open(dgram, out, crypto::open_params{&ek.decrypt, nullptr, 0, false});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(to_hex(p->packet).substr(0, 12) == "0a0100010000");
    BOOST_TEST(wire::session_id_of(dgram) == 0x01020304u);
}

BOOST_AUTO_TEST_CASE(strict_and_ephemeral_components) {
    keying_choice strict;
    strict.require_hmac = strict.require_sseq = true;
    auto id = kat4_identity(strict);
    // rtmfp-cpp's defaults: SND+SOR+REQ, HMAC length 16.
    BOOST_TEST(to_hex(id.skic).substr(id.skic.size() * 2 - 14) == "031a0710021e07");

    keying_choice eph;
    eph.form = certificate_form::ephemeral;
    eph.group = crypto::dh_group::modp2048;
    crypto::dh_keypair kp;
    BOOST_REQUIRE(crypto::dh_generate(eph.group, 256, kp) == crypto::dh_error::ok);
    const std::vector<std::uint8_t> r(64, 0x11);
    initiator_identity e;
    BOOST_REQUIRE(make_identity(eph, kp, r, r, e));
    // 41 0e <64> then 02 15 0e; the SKIC starts with `82 02 0d 0e <256>`.
    BOOST_TEST(e.certificate.size() == 66u + 3u);
    BOOST_TEST(to_hex(e.certificate).substr(0, 4) == "410e");
    BOOST_TEST(to_hex(e.certificate).substr(132) == "02150e");
    BOOST_TEST(to_hex(e.skic).substr(0, 8) == "82020d0e");
    auto parsed = crypto::parse_keying_component(e.skic);
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST(parsed->has_ephemeral_key);
    BOOST_TEST(parsed->ephemeral_key.size() == 256u);
}

BOOST_AUTO_TEST_CASE(skrc_checks) {
    const auto good = from_hex(kat4_skrc);
    crypto::keying_component kc;
    BOOST_TEST(check_skrc(good, crypto::dh_group::modp1024, kc) == "");

    auto bad_prefix = good;
    std::swap(bad_prefix[0], bad_prefix[4]);  // SSEQ option first
    std::swap(bad_prefix[1], bad_prefix[5]);
    BOOST_TEST(check_skrc(bad_prefix, crypto::dh_group::modp1024, kc).rfind("SKRC", 0) == 0u);

    BOOST_TEST(check_skrc(good, crypto::dh_group::modp2048, kc).rfind("SKRC group", 0) == 0u);

    // Key shortened by one byte (the Cumulus/Mona bug the reference warns about).
    std::vector<std::uint8_t> short_key = from_hex("031a0000021e00");
    std::vector<std::uint8_t> key(good.begin() + 11, good.end() - 1);
    short_key.push_back(0x81);
    short_key.push_back(0x01);
    short_key.push_back(0x0d);
    short_key.push_back(0x02);
    short_key.insert(short_key.end(), key.begin(), key.end());
    BOOST_TEST(check_skrc(short_key, crypto::dh_group::modp1024, kc).rfind("SKRC key length", 0) == 0u);

    BOOST_TEST(check_skrc(from_hex("031a0000021e00410e00"), crypto::dh_group::modp1024, kc) != "");
    BOOST_TEST(check_skrc(from_hex("031a"), crypto::dh_group::modp1024, kc) != "");
    BOOST_TEST(check_skrc({}, crypto::dh_group::modp1024, kc) != "");

    // A client that REQuires HMAC refuses flags 0 (RFC 7425 §4.5.2.4).
    keying_choice strict;
    strict.require_hmac = true;
    initiator_keys k;
    const auto e = complete_initiator_keying(kat4_identity(strict), rikeying_value(7, good), k);
    BOOST_TEST(e.rfind("negotiation", 0) == 0u);
    // Signature other than 58 / empty, and RSID 0.
    BOOST_TEST(complete_initiator_keying(kat4_identity(), rikeying_value(7, good, {0x01, 0x02}), k) != "");
    BOOST_TEST(complete_initiator_keying(kat4_identity(), rikeying_value(0, good), k) != "");
    BOOST_TEST(complete_initiator_keying(kat4_identity(), rikeying_value(7, good, {}), k) == "");
    // Truncated values never crash.
    auto v = rikeying_value(7, good);
    for (std::size_t n = 0; n < v.size(); n += 7)
        (void)complete_initiator_keying(kat4_identity(), {v.data(), n}, k);
}

BOOST_AUTO_TEST_CASE(iikeying_datagram_layout) {
    const auto id = kat4_identity();
    const std::vector<std::uint8_t> cookie(64, 0x33);
    const auto d = build_iikeying(0x11223344, cookie, id, 0x1234);
    // Protocol reference §3.11: a Flash-style IIKeying is a 308-byte datagram.
    BOOST_TEST(d.size() == 308u);
    BOOST_TEST(wire::session_id_of(d) == 0u);
    std::vector<std::uint8_t> plain(d.size());
    auto p = crypto::open(d, plain, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
    BOOST_REQUIRE(p.ok());
    auto pkt = wire::parse_packet(p->packet);
    BOOST_REQUIRE(pkt.ok());
    BOOST_TEST(pkt->header.flags == 0x0b);
    wire::chunk_reader r(pkt->chunks);
    wire::chunk_view c;
    BOOST_REQUIRE(r.next(c));
    BOOST_TEST(c.type == 0x38);
    BOOST_TEST(c.value.size() == 281u);
    auto k = wire::parse_iikeying(c.value);
    BOOST_REQUIRE(k.ok());
    BOOST_TEST(k->initiator_session_id == 0x11223344u);
    BOOST_TEST(to_hex(k->skic) == kat4_skic);
    BOOST_TEST(to_hex(k->signature) == "58");
}
