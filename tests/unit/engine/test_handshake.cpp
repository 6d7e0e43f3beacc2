#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/engine/handshake.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tests/support/hex.hpp"

using namespace strato;
using namespace strato::engine;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {

struct fixture {
    crypto::server_certificate cert;
    crypto::cookie_jar jar;
    handshake_context ctx;
    lcore_counters counters;
    wire::socket_address client;
    std::array<std::uint8_t, 512> reply{};

    fixture() {
        std::array<std::uint8_t, 64> randomness;
        randomness.fill(0x5a);
        BOOST_REQUIRE((crypto::build_server_certificate(randomness, crypto::default_certificate_groups, cert) ==
                       wire::drop_reason::none));
        std::array<std::uint8_t, 32> secret;
        secret.fill(7);
        BOOST_REQUIRE(jar.init(secret));
        ctx = handshake_context{&cert, &jar};
        BOOST_REQUIRE(wire::parse_address_text("198.19.1.11:46705", client));
    }

    // A startup packet (flags 0x0b, timestamp) holding one chunk.
    std::vector<std::uint8_t> startup_packet(std::uint8_t type, const std::vector<std::uint8_t>& value) {
        std::vector<std::uint8_t> p;
        p.reserve(6 + value.size());
        for (std::uint8_t b : {std::uint8_t{0x0b}, std::uint8_t{0xd5}, std::uint8_t{0x21}, type,
                               static_cast<std::uint8_t>(value.size() >> 8), static_cast<std::uint8_t>(value.size())})
            p.push_back(b);
        for (auto b : value) p.push_back(b);
        return p;
    }

    startup_outcome handle(const std::vector<std::uint8_t>& packet, const wire::socket_address& from,
                           std::uint32_t now = 1000) {
        return handle_startup_packet(ctx, packet, from, now, 0x1234, reply, counters);
    }

    // The single chunk of a reply built by the responder.
    wire::chunk_view reply_chunk(const startup_outcome& o) {
        BOOST_REQUIRE(o.reply_size > 4);
        BOOST_REQUIRE((o.reply_size - 4) % 16 == 0);
        auto plain = wire::open_plaintext(wire::bytes{reply.data() + 4, o.reply_size - 4}, false, true);
        BOOST_REQUIRE(plain.ok());
        auto pkt = wire::parse_packet(plain->packet);
        BOOST_REQUIRE(pkt.ok());
        BOOST_TEST(pkt->header.flags == 0x0bu);  // exactly TS + startup (P4)
        wire::chunk_reader r(pkt->chunks);
        wire::chunk_view c;
        BOOST_REQUIRE(r.next(c));
        return c;
    }
};

const char* librtmfp_ihello = "05040a617070a95a3e269534599a49438be0108e193a";  // EPD "app", 16-byte tag

} // namespace

BOOST_AUTO_TEST_SUITE(handshake)

BOOST_AUTO_TEST_CASE(ihello_gets_a_180_byte_rhello) {
    fixture f;
    auto o = f.handle(f.startup_packet(0x30, from_hex(librtmfp_ihello)), f.client);
    BOOST_REQUIRE((o.action == startup_action::reply));
    BOOST_TEST(o.reply_session_id == 0u);
    BOOST_TEST(o.reply_size == 180u);  // protocol reference §3.3, as MonaServer2 sends
    auto c = f.reply_chunk(o);
    BOOST_TEST(c.type == 0x70u);
    auto rh = wire::parse_rhello(c.value);
    BOOST_REQUIRE(rh.ok());
    BOOST_TEST(to_hex(rh->tag_echo) == "a95a3e269534599a49438be0108e193a");
    BOOST_TEST(rh->cookie.size() == 64u);  // librtmfp accepts nothing else (P5)
    BOOST_TEST(rh->certificate.size() == 77u);
    BOOST_TEST(to_hex(rh->certificate) == to_hex(f.cert.bytes_view()));
    BOOST_TEST((f.jar.verify(rh->cookie, f.client, 1000) == crypto::cookie_status::ok));
    BOOST_TEST(read(f.counters.stages[static_cast<std::size_t>(stage::rhello_sent)]) == 1u);
}

BOOST_AUTO_TEST_CASE(rtmfp_cpp_uri_epd_and_own_fingerprint_select_us) {
    fixture f;
    const std::string uri = "rtmfp://198.18.0.1:1935/app";
    std::vector<std::uint8_t> v{static_cast<std::uint8_t>(uri.size() + 2), static_cast<std::uint8_t>(uri.size() + 1), 0x0a};
    v.insert(v.end(), uri.begin(), uri.end());
    for (int i = 0; i < 16; ++i) v.push_back(static_cast<std::uint8_t>(i));
    BOOST_TEST((f.handle(f.startup_packet(0x30, v), f.client).action == startup_action::reply));

    std::vector<std::uint8_t> by_fp{0x22, 0x21, 0x0f};
    by_fp.insert(by_fp.end(), f.cert.fingerprint.begin(), f.cert.fingerprint.end());
    for (int i = 0; i < 16; ++i) by_fp.push_back(0xaa);
    BOOST_TEST((f.handle(f.startup_packet(0x30, by_fp), f.client).action == startup_action::reply));
}

BOOST_AUTO_TEST_CASE(peer_id_ihello_is_left_for_introductions) {
    fixture f;
    std::vector<std::uint8_t> v{0x22, 0x21, 0x0f};
    for (int i = 0; i < 32; ++i) v.push_back(static_cast<std::uint8_t>(i));
    for (int i = 0; i < 16; ++i) v.push_back(0xbb);
    auto o = f.handle(f.startup_packet(0x30, v), f.client);
    BOOST_TEST((o.action == startup_action::introduction));
    BOOST_TEST(read(f.counters.stages[static_cast<std::size_t>(stage::ihello_peer_id)]) == 1u);
}

BOOST_AUTO_TEST_CASE(epds_that_do_not_select_us_are_dropped_with_a_reason) {
    fixture f;
    // Required Hostname only: our certificate carries no hostname.
    auto o = f.handle(f.startup_packet(0x30, from_hex("05 0400616263 00112233445566778899aabbccddeeff")), f.client);
    BOOST_TEST((o.reason == wire::drop_reason::not_for_us));
    // Empty EPD selects nothing.
    o = f.handle(f.startup_packet(0x30, from_hex("00 00112233445566778899aabbccddeeff")), f.client);
    BOOST_TEST((o.reason == wire::drop_reason::not_for_us));
    // Malformed EPD option.
    o = f.handle(f.startup_packet(0x30, from_hex("02 090a 00112233")), f.client);
    BOOST_TEST((o.reason == wire::drop_reason::bad_option));
    // No tag, and a tag longer than we echo.
    o = f.handle(f.startup_packet(0x30, from_hex("05040a617070")), f.client);
    BOOST_TEST((o.reason == wire::drop_reason::value_out_of_range));
    std::vector<std::uint8_t> long_tag = from_hex("05040a617070");
    long_tag.resize(long_tag.size() + max_tag_size + 1, 0x11);
    o = f.handle(f.startup_packet(0x30, long_tag), f.client);
    BOOST_TEST((o.reason == wire::drop_reason::value_out_of_range));
    BOOST_TEST(read(f.counters.drops[static_cast<std::size_t>(wire::drop_reason::not_for_us)]) == 2u);
}

BOOST_AUTO_TEST_CASE(rhello_never_exceeds_its_bound) {
    // Largest tag we echo, certificate with every group: the worst amplification case.
    fixture f;
    std::array<std::uint8_t, 64> randomness{};
    const crypto::dh_group all[] = {crypto::dh_group::modp768, crypto::dh_group::modp1024, crypto::dh_group::modp1536,
                                    crypto::dh_group::modp2048, crypto::dh_group::modp4096};
    BOOST_REQUIRE((crypto::build_server_certificate(randomness, all, f.cert) == wire::drop_reason::none));
    std::vector<std::uint8_t> v = from_hex("05040a617070");
    v.resize(v.size() + max_tag_size, 0x11);
    auto o = f.handle(f.startup_packet(0x30, v), f.client);
    BOOST_REQUIRE((o.action == startup_action::reply));
    BOOST_TEST(o.reply_size <= max_rhello_datagram);
}

BOOST_AUTO_TEST_CASE(iikeying_cookie_checks) {
    fixture f;
    auto o = f.handle(f.startup_packet(0x30, from_hex(librtmfp_ihello)), f.client);
    auto rh = wire::parse_rhello(f.reply_chunk(o).value);
    BOOST_REQUIRE(rh.ok());
    const std::vector<std::uint8_t> cookie(rh->cookie.begin(), rh->cookie.end());

    auto iikeying = [&](const std::vector<std::uint8_t>& ck) {
        std::vector<std::uint8_t> v = from_hex("02000000 40");
        v.insert(v.end(), ck.begin(), ck.end());
        for (auto b : from_hex("04021d0201 05021d0241ff 58")) v.push_back(b);
        return f.startup_packet(0x38, v);
    };
    // Same address: goes on to keying.
    BOOST_TEST((f.handle(iikeying(cookie), f.client).action == startup_action::keying));
    // Another address: RHello Cookie Change scrambled with the ISID.
    wire::socket_address moved;
    BOOST_REQUIRE(wire::parse_address_text("198.19.1.11:50000", moved));
    o = f.handle(iikeying(cookie), moved);
    BOOST_REQUIRE((o.action == startup_action::reply));
    BOOST_TEST(o.reply_session_id == 0x02000000u);
    auto c = f.reply_chunk(o);
    BOOST_TEST(c.type == 0x79u);
    auto cc = wire::parse_rhello_cookie_change(c.value);
    BOOST_REQUIRE(cc.ok());
    BOOST_TEST(to_hex(cc->old_cookie) == to_hex(cookie));
    BOOST_TEST((f.jar.verify(cc->new_cookie, moved, 1000) == crypto::cookie_status::ok));
    // Expired and forged cookies are dropped with their reasons.
    BOOST_TEST((f.handle(iikeying(cookie), f.client, 1000 + 3600).reason == wire::drop_reason::expired_cookie));
    // A changed field or MAC: never accepted. (MAC_A itself is not covered by
    // MAC_B, so flipping it alone changes nothing that matters.)
    for (std::size_t i : {0u, 3u, 7u, 12u}) {
        auto forged = cookie;
        forged[i] ^= 1;
        const auto r = f.handle(iikeying(forged), f.client);
        BOOST_TEST((r.action == startup_action::none), "byte " << i);
        BOOST_TEST((r.reason != wire::drop_reason::none), "byte " << i);
    }
    // A damaged address MAC (bytes 37-63) on an otherwise authentic cookie
    // reads as "made for another address": the sender gets a fresh cookie for
    // its own address, never a session.
    for (std::size_t i : {40u, 63u}) {
        auto damaged = cookie;
        damaged[i] ^= 1;
        const auto r = f.handle(iikeying(damaged), f.client);
        BOOST_TEST((r.action == startup_action::reply), "byte " << i);
        BOOST_TEST(f.reply_chunk(r).type == 0x79u);
    }
}

BOOST_AUTO_TEST_CASE(wrong_mode_and_other_startup_chunks) {
    fixture f;
    auto p = f.startup_packet(0x30, from_hex(librtmfp_ihello));
    p[0] = 0x09;  // initiator mode
    BOOST_TEST((f.handle(p, f.client).reason == wire::drop_reason::bad_mode));
    BOOST_TEST((f.handle(f.startup_packet(0x70, from_hex("0100 0100")), f.client).reason == wire::drop_reason::not_for_us));
    BOOST_TEST((f.handle(f.startup_packet(0x30, from_hex("ff")), f.client).reason == wire::drop_reason::malformed_chunk));
    BOOST_TEST((f.handle(from_hex("0b1234ffff"), f.client).reason == wire::drop_reason::malformed_chunk));
}

BOOST_AUTO_TEST_CASE(sealed_rhello_decrypts_with_the_default_key) {
    fixture f;
    auto o = f.handle(f.startup_packet(0x30, from_hex(librtmfp_ihello)), f.client);
    BOOST_REQUIRE((o.action == startup_action::reply));
    crypto::aes_key key;
    BOOST_REQUIRE(crypto::make_aes_key(crypto::default_session_key, key));
    std::vector<std::uint8_t> plain(f.reply.begin() + 4, f.reply.begin() + static_cast<std::ptrdiff_t>(o.reply_size));
    wire::mutable_bytes body{f.reply.data() + 4, o.reply_size - 4};
    BOOST_REQUIRE(crypto::aes_cbc_encrypt(key, body, body));
    wire::scramble_session_id(wire::mutable_bytes{f.reply.data(), o.reply_size}, 0);
    BOOST_TEST(wire::session_id_of(wire::bytes{f.reply.data(), o.reply_size}) == 0u);
    std::vector<std::uint8_t> back(o.reply_size - 4);
    BOOST_REQUIRE(crypto::aes_cbc_decrypt(key, body, back));
    BOOST_TEST(to_hex(back) == to_hex(plain));
}

// handle_startup_burst against handle_startup_packet, one packet at a time:
// the same outcome, the same counters, and replies that differ only in their
// (random) fresh cookies, for bursts mixing every kind of startup packet,
// including good, moved (wrong_address), expired and forged IIKeying cookies.
BOOST_AUTO_TEST_CASE(burst_equals_one_at_a_time) {
    fixture f;
    // A cookie for the client, to build IIKeyings from.
    auto o = f.handle(f.startup_packet(0x30, from_hex(librtmfp_ihello)), f.client);
    auto rh = wire::parse_rhello(f.reply_chunk(o).value);
    BOOST_REQUIRE(rh.ok());
    const std::vector<std::uint8_t> cookie(rh->cookie.begin(), rh->cookie.end());
    auto iikeying = [&](const std::vector<std::uint8_t>& ck) {
        std::vector<std::uint8_t> v = from_hex("02000000 40");
        v.insert(v.end(), ck.begin(), ck.end());
        for (auto b : from_hex("04021d0201 05021d0241ff 58")) v.push_back(b);
        return f.startup_packet(0x38, v);
    };
    wire::socket_address moved, v6;
    BOOST_REQUIRE(wire::parse_address_text("198.19.1.11:50000", moved));
    BOOST_REQUIRE(wire::parse_address_text("[2001:db8::5]:1935", v6));
    auto forged_a = cookie, forged_b = cookie, stale_gen = cookie;
    forged_a[7] ^= 1;     // a field under MAC_A: forged
    forged_b[50] ^= 1;    // MAC_B alone: reads as another address
    stale_gen[0] ^= 0x40;  // unknown generation
    std::vector<std::uint8_t> peer_id{0x22, 0x21, 0x0f};
    for (int i = 0; i < 32; ++i) peer_id.push_back(static_cast<std::uint8_t>(i));
    for (int i = 0; i < 16; ++i) peer_id.push_back(0xbb);
    auto bad_mode = f.startup_packet(0x30, from_hex(librtmfp_ihello));
    bad_mode[0] = 0x09;

    struct kind {
        std::vector<std::uint8_t> packet;
        const wire::socket_address* from;
    };
    const std::vector<kind> kinds = {
        {f.startup_packet(0x30, from_hex(librtmfp_ihello)), &f.client},
        {f.startup_packet(0x30, from_hex(librtmfp_ihello)), &v6},
        {iikeying(cookie), &f.client},
        {iikeying(cookie), &moved},
        {iikeying(cookie), &v6},
        {iikeying(forged_a), &f.client},
        {iikeying(forged_b), &f.client},
        {iikeying(stale_gen), &f.client},
        {f.startup_packet(0x30, peer_id), &f.client},
        {f.startup_packet(0x30, from_hex("05 0400616263 00112233445566778899aabbccddeeff")), &f.client},
        {f.startup_packet(0x30, from_hex("05040a617070")), &f.client},
        {f.startup_packet(0x70, from_hex("0100 0100")), &f.client},
        {f.startup_packet(0x30, from_hex("ff")), &f.client},
        {bad_mode, &f.client},
    };
    constexpr std::size_t slot = 256;
    for (std::uint32_t now : {1000u, 1000u + crypto::cookie_lifetime_s + 1}) {  // fresh, then all expired
        for (std::size_t size : {1u, 5u, 14u, 64u, 65u, 150u}) {
            std::vector<std::uint8_t> burst_replies(size * slot), single_replies(size * slot);
            std::vector<startup_item> items(size);
            std::vector<startup_outcome> singles(size);
            lcore_counters burst_counters, single_counters;
            for (std::size_t i = 0; i < size; ++i) {
                const kind& k = kinds[(i * 5 + size) % kinds.size()];
                items[i] = startup_item{wire::bytes{k.packet.data(), k.packet.size()}, k.from,
                                        wire::mutable_bytes{burst_replies.data() + i * slot, slot}, {}};
                singles[i] = handle_startup_packet(f.ctx, items[i].packet, *k.from, now, 0x1234,
                                                   wire::mutable_bytes{single_replies.data() + i * slot, slot},
                                                   single_counters);
            }
            handle_startup_burst(f.ctx, items, now, 0x1234, burst_counters);
            for (std::size_t i = 0; i < size; ++i) {
                const startup_outcome& b = items[i].outcome;
                const startup_outcome& s1 = singles[i];
                BOOST_TEST((b.action == s1.action), "size " << size << " item " << i);
                BOOST_TEST((b.reason == s1.reason), "size " << size << " item " << i);
                BOOST_TEST(b.reply_session_id == s1.reply_session_id);
                BOOST_TEST(b.reply_size == s1.reply_size);
                if (b.action != startup_action::reply) continue;
                // Same reply but for the fresh cookie: compare parsed fields.
                std::copy_n(burst_replies.begin() + static_cast<std::ptrdiff_t>(i * slot), b.reply_size, f.reply.begin());
                const auto cb = f.reply_chunk(b);
                std::copy_n(single_replies.begin() + static_cast<std::ptrdiff_t>(i * slot), s1.reply_size, f.reply.begin());
                const auto cs = f.reply_chunk(s1);
                BOOST_TEST(cb.type == cs.type);
                if (cb.type == 0x70u) {
                    auto rb = wire::parse_rhello(cb.value);
                    BOOST_REQUIRE(rb.ok());
                    BOOST_TEST(to_hex(rb->tag_echo) == "a95a3e269534599a49438be0108e193a");
                    BOOST_TEST(to_hex(rb->certificate) == to_hex(f.cert.bytes_view()));
                    BOOST_TEST((f.jar.verify(rb->cookie, *items[i].from, now) == crypto::cookie_status::ok));
                } else {
                    auto cc = wire::parse_rhello_cookie_change(cb.value);
                    BOOST_REQUIRE(cc.ok());
                    BOOST_TEST(cc->old_cookie.size() == 64u);
                    BOOST_TEST((f.jar.verify(cc->new_cookie, *items[i].from, now) == crypto::cookie_status::ok));
                }
            }
            BOOST_TEST(burst_counters.stages == single_counters.stages);
            BOOST_TEST(burst_counters.drops == single_counters.drops);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
