// Known-answer tests KAT-2..KAT-6 of protocol reference §8.2, byte for byte.
#include <boost/test/unit_test.hpp>

#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/dh.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/keying.hpp"
#include "dataplane/wire/packet.hpp"
#include "util.hpp"

using namespace strato;
using namespace strato::crypto;
using test::hex;
using test::hex_of;
using test::unhex;

namespace {

const test::buf kat4_x = unhex(
    "2fa8523bc273576f1b2b3a7146365e7f90567065c0e9ec647c7833418ac4fa4a"
    "2fa8523bc273576f1b2b3a7146365e7f90567065c0e9ec647c7833418ac4fa4a");
const test::buf kat4_y = unhex(
    "ed03f582b535374f101b07ae465df70411e6ca2075e8fc729dcf7c3b6e2781a5"
    "ed03f582b535374f101b07ae465df70411e6ca2075e8fc729dcf7c3b6e2781a5");
constexpr std::string_view kat4_client_pub =
    "f7b41e3c3003c03414c4d8be2a8d46656797291e2dcb9b652bc31542d3083c83"
    "78cb92ffce777023b3cc08d3dc5c23570952ada0803b6e670afe69fbeb9a6d4d"
    "26396251864a15bc7f760944c780feabc597f9591582cf80b0897cad870b7d46"
    "dc964ab1fa1463fe7d0657e61184ed818b9c5f6bcb0aa0cadb25471cce53db59";
constexpr std::string_view kat4_server_pub =
    "392c0b9bc9b82d19a0c3dab1a7dbed3725bac66ac116bc10746fc10fccc25b92"
    "908923bcf20951864b109970e56e55488618e22b704ce2c4b95c4ad12f7b37a3"
    "21c9ca09b5bc017af17e6074343c46be184c59741a57692a60ec290169406a43"
    "43f30483dee1d4ad0a22fca0da3da516577902940db37fe17970725436131a97";
constexpr std::string_view kat4_secret =
    "d7faad7575c6fe0b8f794d08e1657f2d01d274cc7653c9eedbb425beda95a46c"
    "9a810dfa9883e1c2bec756a1ecdf0eaa111c75de8121fe9e998620b9a0f3ffea"
    "2428deb8a406d7952280e996e0209d3599afd5b38b547bdde76d608dc6c287df"
    "1d4f2ef9dcef9cb17bb669511ce386c86322130c060c3ca33fac9ace1660318d";
constexpr std::string_view kat4_skic =
    "021d02410ea5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
    "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
    "a5a5a5a5a5031a020a021e02";
constexpr std::string_view kat4_skrc =
    "031a0000021e0081020d02392c0b9bc9b82d19a0c3dab1a7dbed3725bac66ac1"
    "16bc10746fc10fccc25b92908923bcf20951864b109970e56e55488618e22b70"
    "4ce2c4b95c4ad12f7b37a321c9ca09b5bc017af17e6074343c46be184c59741a"
    "57692a60ec290169406a4343f30483dee1d4ad0a22fca0da3da516577902940d"
    "b37fe17970725436131a97";

struct kat4_state {
    dh_keypair client, server;
    session_keys server_keys;
};

kat4_state kat4() {
    kat4_state s;
    BOOST_REQUIRE(dh_from_private(dh_group::modp1024, test::view(kat4_x), s.client) == dh_error::ok);
    BOOST_REQUIRE(dh_from_private(dh_group::modp1024, test::view(kat4_y), s.server) == dh_error::ok);
    const test::buf secret = unhex(kat4_secret);
    const test::buf skic = unhex(kat4_skic), skrc = unhex(kat4_skrc);
    s.server_keys = derive_session_keys(test::view(secret), test::view(skrc), test::view(skic));
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kat)

BOOST_AUTO_TEST_CASE(kat2_checksum) {
    const test::buf a = unhex("0102030405060708090a0b0c0d0e");
    BOOST_TEST(wire::checksum(test::view(a)) == 0xcec7);
    const test::buf b = unhex("010203");
    BOOST_TEST(wire::checksum(test::view(b)) == 0xfefa);
}

BOOST_AUTO_TEST_CASE(kat3_ihello_default_key) {
    std::uint8_t buf[256];
    wire::packet_builder b({buf, sizeof buf}, wire::startup_flags, std::uint16_t{0x1234}, std::nullopt);
    const test::buf epd = unhex("180a72746d66703a2f2f6578616d706c652e636f6d2f617070");
    const test::buf tag = unhex("000102030405060708090a0b0c0d0e0f");
    b.body().u8(0x30);
    b.body().u16(static_cast<std::uint16_t>(1 + epd.size() + tag.size()));
    b.body().vlu(epd.size());
    b.body().put(test::view(epd));
    b.body().put(test::view(tag));
    BOOST_REQUIRE(b.finish());
    BOOST_TEST(hex(b.plaintext()) ==
               "907d0b123430002a19180a72746d66703a2f2f6578616d706c652e636f6d2f61"
               "7070000102030405060708090a0b0c0d0e0fffffffffffffffffffffffffffff");
    const auto n = seal(b, 0, {default_aes_key()});
    BOOST_REQUIRE(n.ok());
    BOOST_TEST(hex({buf, *n}) ==
               "e32963fcaf9de7cf4cb484334925f02e4765f214f9ec4d5c1c066f8ac025fa54"
               "89aa32bdd08fed4403a3c332cb69b0ee5b26ae9e936d7f0005439d1dc31f6520"
               "8cb2d6a3");
    BOOST_TEST(wire::session_id_of({buf, *n}) == 0u);
    // And back, through open() into a separate buffer.
    std::uint8_t plain[256];
    const auto p = open({buf, *n}, {plain, sizeof plain}, {default_aes_key()});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(hex(p->packet).substr(0, 10) == "0b12343000");
}

BOOST_AUTO_TEST_CASE(kat4_dh_and_keys) {
    const kat4_state s = kat4();
    BOOST_TEST(hex(s.client.public_key()) == kat4_client_pub);
    BOOST_TEST(hex(s.server.public_key()) == kat4_server_pub);
    std::uint8_t secret_c[512], secret_s[512];
    std::size_t lc = 0, ls = 0;
    BOOST_REQUIRE(dh_shared_secret(s.client, s.server.public_key(), {secret_c, sizeof secret_c}, lc) == dh_error::ok);
    BOOST_REQUIRE(dh_shared_secret(s.server, s.client.public_key(), {secret_s, sizeof secret_s}, ls) == dh_error::ok);
    BOOST_TEST(hex({secret_c, lc}) == kat4_secret);
    BOOST_TEST(hex({secret_s, ls}) == kat4_secret);

    // Client certificate, peer ID, canonical EPD, group address.
    test::buf cert = unhex("81021d02");
    const test::buf cpub = unhex(kat4_client_pub);
    cert.insert(cert.end(), cpub.begin(), cpub.end());
    const auto cv = parse_certificate(test::view(cert));
    BOOST_REQUIRE(cv.ok());
    BOOST_TEST(hex_of(cv->peer_id) == "66b9083d4df0f3c11b8d61b2b91fb8c9f4ea530b40c94075208ea6aa3c054668");
    test::buf epd = unhex("210f");
    epd.insert(epd.end(), cv->peer_id.begin(), cv->peer_id.end());
    BOOST_TEST(test::hex(test::view(epd)) == "210f66b9083d4df0f3c11b8d61b2b91fb8c9f4ea530b40c94075208ea6aa3c054668");
    BOOST_TEST(hex_of(sha256(test::view(epd))) == "d82f81fda978fe0e7a9e5b8966e8a1ae96d25d94af9cb6350d855d96be6031dc");

    // SKIC parses; the server SKRC is the exact legacy layout.
    const test::buf skic = unhex(kat4_skic);
    const auto kc = parse_keying_component(test::view(skic));
    BOOST_REQUIRE(kc.ok());
    BOOST_TEST(kc->has_group_select);
    BOOST_TEST(kc->group_select == 2u);
    BOOST_TEST(kc->extra_randomness.size() == 64u);
    BOOST_TEST(kc->hmac.flags == neg_sor);
    BOOST_TEST(kc->hmac.hmac_length == 10);
    BOOST_TEST(kc->sseq.flags == neg_sor);
    std::uint8_t skrc[300];
    wire::writer w({skrc, sizeof skrc});
    keying_component near_kc;
    BOOST_REQUIRE(write_server_skrc(w, s.server, *kc, &near_kc));
    BOOST_TEST(hex(w.written()) == kat4_skrc);
    BOOST_TEST(w.size() == 139u);
    // Nobody REQuests or SeNDs: plain checksum mode both ways.
    const auto f = resolve_features(near_kc, *kc);
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(!f->send_hmac);
    BOOST_TEST(!f->recv_hmac);
    BOOST_TEST(!f->send_sseq);
    BOOST_TEST(!f->recv_sseq);

    const session_keys& k = s.server_keys;
    BOOST_TEST(hex_of(k.encrypt_key) == "e1161acb870fbc0ffeed1599ce44c81389a00e096e140be4c515a61c66dd91cc");
    BOOST_TEST(hex(k.encrypt_aes()) == "e1161acb870fbc0ffeed1599ce44c813");
    BOOST_TEST(hex_of(k.decrypt_key) == "c079fdd85b17b9eb1020af2b63c66114ad5dd31c7ff0618b60542062931ee08b");
    BOOST_TEST(hex(k.decrypt_aes()) == "c079fdd85b17b9eb1020af2b63c66114");
    BOOST_TEST(hex_of(k.near_nonce) == "162c5cb5b350f605ce832539ec7bcff974fdb70b858db404510ee9f997b57ccc");
    BOOST_TEST(hex_of(k.far_nonce) == "9a3abc94cb2b3e9cdb5971c5742cd12f3182a5eb62b2501a3a8399d8d3eb21ed");
    BOOST_TEST(hex_of(k.hmac_send_key) == "05a97660905887f55935076fb8fb7726ff8b8a1045248efcab6ef9e907539f8d");
    BOOST_TEST(hex_of(k.hmac_recv_key) == "663819a1ee51c6bd3132b53d5a1454a372eaa33bfd6567382f5282c8f43f4527");

    // The client's view is the mirror image.
    const test::buf skrc_b = unhex(kat4_skrc), secret = unhex(kat4_secret);
    const session_keys ck = derive_session_keys(test::view(secret), test::view(skic), test::view(skrc_b));
    BOOST_TEST(hex_of(ck.encrypt_key) == hex_of(k.decrypt_key));
    BOOST_TEST(hex_of(ck.decrypt_key) == hex_of(k.encrypt_key));
    BOOST_TEST(hex_of(ck.hmac_send_key) == hex_of(k.hmac_recv_key));
    BOOST_TEST(hex_of(ck.near_nonce) == hex_of(k.far_nonce));
}

BOOST_AUTO_TEST_CASE(kat5_server_ping) {
    const kat4_state s = kat4();
    aes_key enc;
    BOOST_REQUIRE(make_aes_key(s.server_keys.encrypt_aes(), enc));
    std::uint8_t buf[64];
    wire::packet_builder b({buf, sizeof buf}, 0x0a, std::uint16_t{0x0100}, std::nullopt);
    b.body().u8(0x01);
    b.body().u16(0);
    BOOST_REQUIRE(b.finish());
    BOOST_TEST(hex(b.plaintext()) == "f5fd0a0100010000ffffffffffffffff");
    const auto n = seal(b, 0x01020304, {&enc});
    BOOST_REQUIRE(n.ok());
    BOOST_TEST(hex({buf, *n}) == "cda8704490444dfb5cee3ebb8e242941049656b1");
    BOOST_TEST(wire::session_id_of({buf, *n}) == 0x01020304u);
    // The client decrypts it with its DECRYPT key (= the server's ENCRYPT key).
    const auto p = open_in_place({buf, *n}, {&enc});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(hex(p->packet) == "0a0100010000ffffffffffffffff");
}

BOOST_AUTO_TEST_CASE(kat6_fingerprint) {
    std::array<std::uint8_t, 64> rnd;
    rnd.fill(0x5a);
    server_certificate c;
    BOOST_REQUIRE(build_server_certificate(rnd, default_certificate_groups, c) == wire::drop_reason::none);
    BOOST_TEST(c.size == 77u);
    BOOST_TEST(hex(c.bytes_view()) ==
               "010a410e5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
               "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
               "5a5a5a5a02150202150502150e");
    BOOST_TEST(hex_of(c.fingerprint) == "14ac1ebf4b44d759f27b11f1d85fdb5d8eddefa3e9305a900e9460c0e5a860e8");
    const auto parsed = parse_certificate(c.bytes_view());
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST(hex_of(parsed->peer_id) == hex_of(c.fingerprint));
}

BOOST_AUTO_TEST_SUITE_END()
