#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/engine/keying.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tests/support/capture_fixtures.hpp"
#include "tests/support/hex.hpp"

using namespace strato;
using namespace strato::engine;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {

// KAT-4 of the protocol reference §8.2.
const char* kat4_y = "ed03f582b535374f101b07ae465df70411e6ca2075e8fc729dcf7c3b6e2781a5"
                     "ed03f582b535374f101b07ae465df70411e6ca2075e8fc729dcf7c3b6e2781a5";
const char* kat4_client_pub =
    "f7b41e3c3003c03414c4d8be2a8d46656797291e2dcb9b652bc31542d3083c83"
    "78cb92ffce777023b3cc08d3dc5c23570952ada0803b6e670afe69fbeb9a6d4d"
    "26396251864a15bc7f760944c780feabc597f9591582cf80b0897cad870b7d46"
    "dc964ab1fa1463fe7d0657e61184ed818b9c5f6bcb0aa0cadb25471cce53db59";
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

constexpr std::uint64_t groups_2_5_14 = (1u << 2) | (1u << 5) | (1u << 14);

struct kat4_iikeying {
    std::vector<std::uint8_t> cookie = std::vector<std::uint8_t>(64, 0x33);
    std::vector<std::uint8_t> certificate = from_hex(std::string("81021d02") + kat4_client_pub);
    std::vector<std::uint8_t> skic = from_hex(kat4_skic);
    std::vector<std::uint8_t> signature{0x58};
    wire::iikeying chunk() const { return wire::iikeying{0x01020304, cookie, certificate, skic, {}, signature}; }
};

wire::socket_address client_address() {
    wire::socket_address a;
    BOOST_REQUIRE(wire::parse_address_text("198.19.1.11:46705", a));
    return a;
}

// The IIKeying chunk of a captured startup datagram.
struct captured_iikeying {
    std::vector<std::uint8_t> datagram;
    std::array<std::uint8_t, 2048> plain{};
    wire::iikeying k;
    explicit captured_iikeying(std::string_view hex) : datagram(from_hex(hex)) {
        auto opened = crypto::open(datagram, plain, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
        BOOST_REQUIRE(opened.ok());
        auto pkt = wire::parse_packet(opened->packet);
        BOOST_REQUIRE(pkt.ok());
        wire::chunk_reader r(pkt->chunks);
        wire::chunk_view c;
        BOOST_REQUIRE(r.next(c));
        BOOST_REQUIRE(c.type == 0x38);
        auto parsed = wire::parse_iikeying(c.value);
        BOOST_REQUIRE(parsed.ok());
        k = *parsed;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(keying)

BOOST_AUTO_TEST_CASE(kat4_end_to_end) {
    kat4_iikeying in;
    auto req = std::make_unique<keying_request>();
    BOOST_REQUIRE((prepare_keying(in.chunk(), client_address(), {groups_2_5_14, false, false}, *req) ==
                   wire::drop_reason::none));
    BOOST_TEST((req->group == crypto::dh_group::modp1024));
    BOOST_TEST(req->initiator_session_id == 0x01020304u);
    BOOST_TEST(to_hex(req->peer_id) == "66b9083d4df0f3c11b8d61b2b91fb8c9f4ea530b40c94075208ea6aa3c054668");

    crypto::dh_keypair server;
    BOOST_REQUIRE((crypto::dh_from_private(crypto::dh_group::modp1024, from_hex(kat4_y), server) == crypto::dh_error::ok));
    auto result = std::make_unique<keying_result>();
    complete_keying(*req, server, *result);
    BOOST_REQUIRE((result->status == wire::drop_reason::none));
    BOOST_TEST(to_hex(result->skrc_bytes()) == kat4_skrc);  // the exact legacy layout librtmfp requires
    BOOST_TEST(to_hex(result->keys.encrypt_key) == "e1161acb870fbc0ffeed1599ce44c81389a00e096e140be4c515a61c66dd91cc");
    BOOST_TEST(to_hex(result->keys.decrypt_key) == "c079fdd85b17b9eb1020af2b63c66114ad5dd31c7ff0618b60542062931ee08b");
    BOOST_TEST(to_hex(result->keys.near_nonce) == "162c5cb5b350f605ce832539ec7bcff974fdb70b858db404510ee9f997b57ccc");
    BOOST_TEST(to_hex(result->keys.far_nonce) == "9a3abc94cb2b3e9cdb5971c5742cd12f3182a5eb62b2501a3a8399d8d3eb21ed");
    // A Flash-style client offers only SOR: nobody sends HMACs or SSEQ.
    BOOST_TEST(!result->features.send_hmac);
    BOOST_TEST(!result->features.recv_hmac);
    BOOST_TEST(!result->features.send_sseq);

    std::array<std::uint8_t, 1024> dgram{};
    const auto n = write_rikeying_packet(dgram, 0x00000001, result->skrc_bytes(), 0x1234);
    BOOST_TEST(n == 164u);  // protocol reference §3.11: RIKeying for group 2
    auto opened_plain = wire::open_plaintext(wire::bytes{dgram.data() + 4, n - 4}, false, true);
    BOOST_REQUIRE(opened_plain.ok());
    auto pkt = wire::parse_packet(opened_plain->packet);
    BOOST_REQUIRE(pkt.ok());
    wire::chunk_reader r(pkt->chunks);
    wire::chunk_view c;
    BOOST_REQUIRE(r.next(c));
    auto rk = wire::parse_rikeying(c.value);
    BOOST_REQUIRE(rk.ok());
    BOOST_TEST(rk->responder_session_id == 1u);
    BOOST_TEST(to_hex(rk->signature) == "58");
    BOOST_TEST(to_hex(rk->skrc) == kat4_skrc);
}

BOOST_AUTO_TEST_CASE(captured_clients_choose_their_groups) {
    captured_iikeying librtmfp(fixtures::librtmfp_iikeying);
    auto req = std::make_unique<keying_request>();
    BOOST_REQUIRE((prepare_keying(librtmfp.k, client_address(), {groups_2_5_14, false, false}, *req) ==
                   wire::drop_reason::none));
    BOOST_TEST((req->group == crypto::dh_group::modp1024));
    BOOST_TEST(req->client_key_size == 128u);

    // rtmfp-cpp selects group 16 (its certificate holds 16, 14 and 2).
    captured_iikeying rtmfpcpp(fixtures::rtmfpcpp_iikeying);
    BOOST_TEST((prepare_keying(rtmfpcpp.k, client_address(), {groups_2_5_14, false, false}, *req) ==
                wire::drop_reason::unsupported_dh_group));
    const std::uint64_t with_16 = groups_2_5_14 | (1u << 16);
    BOOST_REQUIRE((prepare_keying(rtmfpcpp.k, client_address(), {with_16, false, false}, *req) ==
                   wire::drop_reason::none));
    BOOST_TEST((req->group == crypto::dh_group::modp4096));
    crypto::dh_keypair server;
    BOOST_REQUIRE((crypto::dh_generate(crypto::dh_group::modp4096, 256, server) == crypto::dh_error::ok));
    auto result = std::make_unique<keying_result>();
    complete_keying(*req, server, *result);
    BOOST_REQUIRE((result->status == wire::drop_reason::none));
    // rtmfp-cpp requires HMAC and SSEQ (SND+SOR+REQ): we answer SOR and send both.
    BOOST_TEST(result->features.send_hmac);
    BOOST_TEST(result->features.recv_hmac);
    BOOST_TEST(result->features.send_sseq);
    BOOST_TEST(result->features.recv_sseq);
}

BOOST_AUTO_TEST_CASE(bad_keying_input_is_rejected_with_reasons) {
    auto req = std::make_unique<keying_request>();
    const keying_policy policy{groups_2_5_14, false, false};
    {
        kat4_iikeying in;
        in.certificate = from_hex("05021d02");  // truncated option
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), policy, *req) == wire::drop_reason::bad_certificate));
    }
    {
        kat4_iikeying in;
        in.skic = from_hex("410ea5");  // option overruns
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), policy, *req) == wire::drop_reason::bad_keying_component));
    }
    {
        kat4_iikeying in;
        in.skic = from_hex("410e" + std::string(128, 'a'));  // no group select from a static-key client
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), policy, *req) == wire::drop_reason::bad_keying_component));
    }
    {
        kat4_iikeying in;
        in.skic[2] = 0x05;  // selects group 5, for which the certificate has no key
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), policy, *req) == wire::drop_reason::unsupported_dh_group));
    }
    {
        kat4_iikeying in;
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), {1u << 14, false, false}, *req) ==
                    wire::drop_reason::unsupported_dh_group));  // group 2 not advertised
    }
    {
        kat4_iikeying in;
        in.certificate = from_hex("81021d02" + std::string(254, '0') + "01");  // public key 1
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), policy, *req) == wire::drop_reason::bad_public_key));
    }
    {
        kat4_iikeying in;  // offers HMAC on request only: fine unless we require it sent always
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), {groups_2_5_14, true, false}, *req) ==
                    wire::drop_reason::none));
        in.skic = from_hex(std::string("021d02410e") + std::string(128, 'a') + "031a0000021e00");
        BOOST_TEST((prepare_keying(in.chunk(), client_address(), {groups_2_5_14, true, false}, *req) ==
                    wire::drop_reason::bad_keying_component));
    }
}

BOOST_AUTO_TEST_SUITE_END()
