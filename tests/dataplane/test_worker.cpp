#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "control/config.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/net/arp.hpp"
#include "dataplane/net/checksum.hpp"
#include "dataplane/net/ndp.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/stratod/api_backend.hpp"
#include "dataplane/stratod/runtime.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tests/dataplane/dataplane_fixture.hpp"
#include "tests/support/hex.hpp"

using namespace strato;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {

using strato::test::client_mac;
using strato::test::dataplane_fixture;
using strato::test::server_mac;
using strato::test::v4;

// A default-key startup datagram holding one chunk written by `write`.
template <class Write>
std::vector<std::uint8_t> startup_datagram(Write write) {
    std::array<std::uint8_t, 1024> buf{};
    wire::packet_builder b(buf, wire::startup_flags, 0x1234, std::nullopt);
    write(b.body());
    BOOST_REQUIRE(b.finish());
    crypto::aes_key key;
    BOOST_REQUIRE(crypto::make_aes_key(crypto::default_session_key, key));
    auto sealed = crypto::seal(b, 0, crypto::seal_params{&key, nullptr, 0});
    BOOST_REQUIRE(sealed.ok());
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*sealed)};
}

std::vector<std::uint8_t> ihello(const std::vector<std::uint8_t>& tag) {
    const auto epd = from_hex("1c0a72746d66703a2f2f3139382e31382e302e313a313933352f617070");  // rtmfp://198.18.0.1:1935/app
    return startup_datagram([&](wire::writer& w) { wire::write_ihello(w, wire::ihello{epd, tag}); });
}

// An IHello whose EPD is a peer ID (one fingerprint option, RFC 7425 §4.4.2).
std::vector<std::uint8_t> intro_ihello(const control::peer_id& id, const std::vector<std::uint8_t>& tag) {
    std::vector<std::uint8_t> epd(2 + id.size());
    epd[0] = 0x21;
    epd[1] = 0x0f;
    std::memcpy(epd.data() + 2, id.data(), id.size());
    return startup_datagram([&](wire::writer& w) { wire::write_ihello(w, wire::ihello{epd, tag}); });
}

control::peer_id make_peer_id(std::uint8_t seed) {
    control::peer_id id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(seed * 31 + i * 7 + 1);
    return id;
}

// Puts an introducible peer in the directory, as the control thread does
// after connect + setPeerInfo. Its session (on worker 0, numbered after the
// ID: one session holds one peer) does not exist, so the Forwarded IHello is
// counted as unknown_peer ("gone").
void register_peer(stratod::runtime& rt, const control::peer_id& id, const wire::socket_address& public_address,
                   std::span<const wire::socket_address> privates) {
    control::peer_record r;
    r.id = id;
    r.public_address = public_address;
    r.introducible = true;
    r.lcore = 0;
    r.session_id = 1000u + id[0];
    for (std::size_t i = 0; i < privates.size(); ++i) r.private_addresses[i] = privates[i];
    r.private_count = static_cast<std::uint8_t>(privates.size());
    BOOST_REQUIRE(rt.directory().insert_or_update(r).ok());
}

// The Redirect in a frame sent back by the worker (payload at `offset`).
wire::redirect open_redirect(const std::vector<std::uint8_t>& frame, std::size_t offset,
                             std::array<std::uint8_t, 1500>& plain) {
    crypto::aes_key key;
    BOOST_REQUIRE(crypto::make_aes_key(crypto::default_session_key, key));
    const wire::bytes dgram{frame.data() + offset, frame.size() - offset};
    auto opened = crypto::open(dgram, plain, crypto::open_params{&key, nullptr, 0, false});
    BOOST_REQUIRE(opened.ok());
    auto pkt = wire::parse_packet(opened->packet);
    BOOST_REQUIRE(pkt.ok());
    wire::chunk_reader cr(pkt->chunks);
    wire::chunk_view c;
    BOOST_REQUIRE(cr.next(c));
    BOOST_REQUIRE(c.type == 0x71u);
    auto r = wire::parse_redirect(c.value);
    BOOST_REQUIRE(r.ok());
    return *r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(worker)

BOOST_AUTO_TEST_CASE(arp_request_gets_exact_reply) {
    dataplane_fixture f;
    std::array<std::uint8_t, 64> req{};
    const auto n = net::build_arp_request(f.client, v4(198, 18, 0, 1), false, 0, req);
    BOOST_REQUIRE(n > 0);
    BOOST_REQUIRE(f.port.inject(std::span<const std::uint8_t>(req.data(), n)));
    auto out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    // Ethernet to the client, ARP reply (op 2) "198.18.0.1 is at 02:..:01".
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(out[0].data(), 42)) ==
               "020000000002" "020000000001" "0806" "0001080006040002" "020000000001" "c6120001" "020000000002" "c6120002");
    BOOST_TEST(f.stage_count(engine::stage::arp_replied) == 1u);
}

BOOST_AUTO_TEST_CASE(icmp_echo_gets_exact_reply) {
    dataplane_fixture f;
    // IPv4 echo request 198.18.0.2 -> 198.18.0.1, id 0x1234 seq 1, payload "strato".
    std::vector<std::uint8_t> frame;
    frame = from_hex("020000000001020000000002080045000022abcd400040010000c6120002c6120001"
                     "080000001234000173747261746f");
    const auto ipsum = net::checksum_finish(net::checksum_add(frame.data() + 14, 20));
    frame[24] = static_cast<std::uint8_t>(ipsum >> 8);
    frame[25] = static_cast<std::uint8_t>(ipsum);
    const auto icsum = net::checksum_finish(net::checksum_add(frame.data() + 34, frame.size() - 34));
    frame[36] = static_cast<std::uint8_t>(icsum >> 8);
    frame[37] = static_cast<std::uint8_t>(icsum);
    BOOST_REQUIRE(f.port.inject(frame));
    auto out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    const auto& r = out[0];
    BOOST_REQUIRE(r.size() >= frame.size());
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(r.data(), 12)) == "020000000002020000000001");
    BOOST_TEST(r[34] == 0u);  // echo reply
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(r.data() + 26, 8)) == "c6120001c6120002");
    BOOST_TEST(net::checksum_finish(net::checksum_add(r.data() + 14, 20)) == 0u);
    BOOST_TEST(net::checksum_finish(net::checksum_add(r.data() + 34, frame.size() - 34)) == 0u);
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(r.data() + 38, frame.size() - 38)) ==
               to_hex(std::span<const std::uint8_t>(frame.data() + 38, frame.size() - 38)));
}

BOOST_AUTO_TEST_CASE(neighbor_solicitation_gets_advertisement) {
    dataplane_fixture f;
    std::array<std::uint8_t, 128> ns{};
    const net::ipv6_address target{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const auto n = net::build_neighbor_solicitation(f.client, target, false, 0, ns);
    BOOST_REQUIRE(n > 0);
    BOOST_REQUIRE(f.port.inject(std::span<const std::uint8_t>(ns.data(), n)));
    auto out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0][14 + 40] == 136u);  // ICMPv6 Neighbor Advertisement
    BOOST_TEST(f.stage_count(engine::stage::nd_replied) == 1u);
}

BOOST_AUTO_TEST_CASE(ihello_gets_rhello_from_the_worker) {
    dataplane_fixture f;
    const auto tag = from_hex("00112233445566778899aabbccddeeff");
    BOOST_REQUIRE(f.port.inject(f.udp_frame(ihello(tag))));
    auto out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    const auto& r = out[0];
    BOOST_REQUIRE(r.size() == 42u + 180u);  // Ethernet + IPv4 + UDP + 180-byte RHello
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(r.data(), 12)) == "020000000002020000000001");
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(r.data() + 26, 12)) == "c6120001c6120002" "078f9c40");
    // UDP checksum over the pseudo-header must verify (software mode on ring ports).
    const std::uint32_t pseudo = net::pseudo_header_sum(v4(198, 18, 0, 1), v4(198, 18, 0, 2), 17, 188);
    BOOST_TEST(net::checksum_finish(net::checksum_add(r.data() + 34, 188, pseudo)) == 0u);

    const wire::bytes dgram{r.data() + 42, 180};
    BOOST_TEST(wire::session_id_of(dgram) == 0u);
    crypto::aes_key key;
    BOOST_REQUIRE(crypto::make_aes_key(crypto::default_session_key, key));
    std::array<std::uint8_t, 256> plain{};
    auto opened = crypto::open(dgram, plain, crypto::open_params{&key, nullptr, 0, false});
    BOOST_REQUIRE(opened.ok());
    auto pkt = wire::parse_packet(opened->packet);
    BOOST_REQUIRE(pkt.ok());
    BOOST_TEST(pkt->header.flags == 0x0bu);
    wire::chunk_reader cr(pkt->chunks);
    wire::chunk_view c;
    BOOST_REQUIRE(cr.next(c));
    auto rh = wire::parse_rhello(c.value);
    BOOST_REQUIRE(rh.ok());
    BOOST_TEST(to_hex(rh->tag_echo) == to_hex(tag));
    BOOST_TEST(rh->cookie.size() == 64u);
    BOOST_TEST(to_hex(rh->certificate) == to_hex(f.rt.certificate().bytes_view()));
    BOOST_TEST(f.stage_count(engine::stage::rhello_sent) == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_datagrams_are_counted_and_dropped) {
    dataplane_fixture f;
    // Too short, misaligned, garbage (fails the checksum after decryption),
    // non-zero session ID, wrong EPD, and a bad UDP checksum.
    BOOST_REQUIRE(f.port.inject(f.udp_frame(std::vector<std::uint8_t>(12, 0xab))));
    BOOST_REQUIRE(f.port.inject(f.udp_frame(std::vector<std::uint8_t>(4 + 16 + 5, 0xab))));
    auto garbage = from_hex("00000000 000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f");
    wire::scramble_session_id(garbage, 0);  // a startup packet that will not decrypt to a valid checksum
    BOOST_REQUIRE(f.port.inject(f.udp_frame(garbage)));
    auto session = f.udp_frame(std::vector<std::uint8_t>(4 + 32, 0x11));
    BOOST_REQUIRE(f.port.inject(session));
    const auto hostname_epd = startup_datagram([&](wire::writer& w) {
        const auto epd = from_hex("0400616263");
        const auto tag = from_hex("00112233445566778899aabbccddeeff");
        wire::write_ihello(w, wire::ihello{epd, tag});
    });
    BOOST_REQUIRE(f.port.inject(f.udp_frame(hostname_epd)));
    auto bad_sum = f.udp_frame(ihello(from_hex("00112233445566778899aabbccddeeff")));
    bad_sum[40] ^= 0x55;
    BOOST_REQUIRE(f.port.inject(bad_sum));
    // The worker still answers afterwards.
    BOOST_REQUIRE(f.port.inject(f.udp_frame(ihello(from_hex("ffeeddccbbaa99887766554433221100")))));
    auto out = f.port.collect(1, 2000);
    BOOST_TEST(out.size() == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::datagram_too_short) == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::datagram_misaligned) == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::bad_checksum) == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::unknown_session) == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::not_for_us) == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::bad_udp_checksum) == 1u);
    BOOST_TEST(f.stage_count(engine::stage::rhello_sent) == 1u);
}

BOOST_AUTO_TEST_CASE(handshake_replies_are_rate_limited_per_prefix) {
    dataplane_fixture f("[handshake]\nrate_limit_per_second = 1\nrate_limit_burst = 5\n");
    for (int i = 0; i < 20; ++i) {
        std::vector<std::uint8_t> tag(16, static_cast<std::uint8_t>(i));
        BOOST_REQUIRE(f.port.inject(f.udp_frame(ihello(tag), static_cast<std::uint16_t>(40000 + i))));
    }
    auto out = f.port.collect(5, 2000);
    BOOST_TEST(out.size() == 5u);
    BOOST_TEST(f.drops(wire::drop_reason::rate_limited) == 15u);
}

BOOST_AUTO_TEST_CASE(introduction_gets_redirect_within_three_times_the_ihello) {
    dataplane_fixture f;
    const auto id = make_peer_id(1);
    const wire::socket_address privates[] = {wire::socket_address::v4(0xc6130102u, 6000)};
    register_peer(f.rt, id, wire::socket_address::v4(0xc6120007u, 5000), privates);
    const auto tag = from_hex("00112233445566778899aabbccddeeff");
    const auto ihello = intro_ihello(id, tag);
    BOOST_REQUIRE(f.port.inject(f.udp_frame(ihello)));
    auto out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    const std::size_t offset = net::udp_payload_offset(false, false);
    BOOST_TEST(to_hex(std::span<const std::uint8_t>(out[0].data() + 26, 12)) == "c6120001c6120002" "078f9c40");
    BOOST_TEST(out[0].size() - offset <= 3 * ihello.size());
    std::array<std::uint8_t, 1500> plain{};
    const auto r = open_redirect(out[0], offset, plain);
    BOOST_TEST(to_hex(r.tag_echo) == to_hex(tag));
    BOOST_REQUIRE(r.address_count == 2u);
    BOOST_TEST(r.addresses[0].ipv4_host_order() == 0xc6120007u);
    BOOST_TEST((r.addresses[0].origin == wire::address_origin::observed));
    BOOST_TEST(r.addresses[1].ipv4_host_order() == 0xc6130102u);
    BOOST_TEST((r.addresses[1].origin == wire::address_origin::local));
    BOOST_TEST(f.stage_count(engine::stage::introduction) == 1u);
    BOOST_TEST(f.stage_count(engine::stage::redirect_sent) == 1u);
    // The target's session (77) does not exist: the Forwarded IHello is counted, not sent.
    BOOST_TEST(f.drops(wire::drop_reason::unknown_peer) == 1u);
}

BOOST_AUTO_TEST_CASE(unknown_and_malformed_peer_ids_are_counted_and_disturb_nothing) {
    dataplane_fixture f;
    const auto tag = from_hex("00112233445566778899aabbccddeeff");
    for (std::uint8_t i = 0; i < 5; ++i) BOOST_REQUIRE(f.port.inject(f.udp_frame(intro_ihello(make_peer_id(i), tag))));
    // A fingerprint option of 31 bytes is no peer ID at all.
    const auto short_id = startup_datagram([&](wire::writer& w) {
        std::vector<std::uint8_t> epd(2 + 31, 0x42);
        epd[0] = 0x20;
        epd[1] = 0x0f;
        wire::write_ihello(w, wire::ihello{epd, tag});
    });
    BOOST_REQUIRE(f.port.inject(f.udp_frame(short_id)));
    // An ordinary IHello afterwards is still answered.
    BOOST_REQUIRE(f.port.inject(f.udp_frame(ihello(tag))));
    auto out = f.port.collect(2, 1000);
    BOOST_TEST(out.size() == 1u);
    BOOST_TEST(f.drops(wire::drop_reason::unknown_peer) == 5u);
    BOOST_TEST(f.drops(wire::drop_reason::bad_option) == 1u);
    BOOST_TEST(f.stage_count(engine::stage::rhello_sent) == 1u);
    BOOST_TEST(f.stage_count(engine::stage::redirect_sent) == 0u);
}

BOOST_AUTO_TEST_CASE(introductions_are_limited_per_initiator_address) {
    dataplane_fixture f("[introduction]\nper_initiator_per_second = 1\nper_initiator_burst = 3\n");
    const auto id = make_peer_id(9);
    register_peer(f.rt, id, wire::socket_address::v4(0xc6120007u, 5000), {});
    for (int i = 0; i < 10; ++i) {
        std::vector<std::uint8_t> tag(16, static_cast<std::uint8_t>(i));
        BOOST_REQUIRE(f.port.inject(f.udp_frame(intro_ihello(id, tag), static_cast<std::uint16_t>(41000 + i))));
    }
    // Another address is not affected by the first one's flood.
    BOOST_REQUIRE(f.port.inject(f.udp_frame(intro_ihello(id, std::vector<std::uint8_t>(16, 0xee)), 41000, 0xc6120003u)));
    auto out = f.port.collect(5, 2000);
    BOOST_TEST(out.size() == 4u);
    BOOST_TEST(f.drops(wire::drop_reason::introduction_initiator_limited) == 7u);
    BOOST_TEST(f.stage_count(engine::stage::redirect_sent) == 4u);
}

BOOST_AUTO_TEST_CASE(introductions_are_limited_per_target_peer) {
    dataplane_fixture f("[introduction]\nper_target_per_second = 1\nper_target_burst = 2\n");
    const auto busy = make_peer_id(3), other = make_peer_id(4);
    register_peer(f.rt, busy, wire::socket_address::v4(0xc6120007u, 5000), {});
    register_peer(f.rt, other, wire::socket_address::v4(0xc6120008u, 5000), {});
    // Six initiators (distinct addresses) ask for the same target.
    for (std::uint32_t i = 0; i < 6; ++i)
        BOOST_REQUIRE(f.port.inject(f.udp_frame(intro_ihello(busy, std::vector<std::uint8_t>(16, 1)), 40000, 0xc6120010u + i)));
    BOOST_REQUIRE(f.port.inject(f.udp_frame(intro_ihello(other, std::vector<std::uint8_t>(16, 2)), 40000, 0xc6120020u)));
    auto out = f.port.collect(4, 2000);
    BOOST_TEST(out.size() == 3u);
    BOOST_TEST(f.drops(wire::drop_reason::introduction_target_limited) == 4u);
    BOOST_TEST(f.stage_count(engine::stage::redirect_sent) == 3u);
    BOOST_TEST(f.drops(wire::drop_reason::unknown_peer) == 3u);  // the three Forwarded IHellos (no session)
}

BOOST_AUTO_TEST_CASE(ipv6_redirect_is_trimmed_to_three_times_a_minimal_ihello) {
    dataplane_fixture f;
    const auto id = make_peer_id(5);
    const std::uint8_t pub[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    std::array<wire::socket_address, 8> privates{};
    for (std::size_t i = 0; i < privates.size(); ++i) {
        std::uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(10 + i)};
        privates[i] = wire::socket_address::v6(ip, static_cast<std::uint16_t>(6000 + i));
    }
    register_peer(f.rt, id, wire::socket_address::v6(pub, 5000), privates);
    const std::size_t offset = net::udp_payload_offset(false, true);

    // No tag: the smallest IHello naming a peer (52 bytes). Nine IPv6
    // candidates would make a 196-byte Redirect; seven fit in 156.
    const auto small = intro_ihello(id, {});
    BOOST_REQUIRE(small.size() == 52u);
    BOOST_REQUIRE(f.port.inject(f.udp6_frame(small, 40000, 2)));
    auto out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].size() - offset <= 3 * small.size());
    std::array<std::uint8_t, 1500> plain{};
    auto r = open_redirect(out[0], offset, plain);
    BOOST_TEST(r.address_count == 7u);
    BOOST_TEST(r.addresses[0].ipv6);
    BOOST_TEST(r.addresses[0].port == 5000u);  // the observed address is kept first
    BOOST_TEST((r.addresses[0].origin == wire::address_origin::observed));

    // A 64-byte tag pays for all nine.
    const auto big = intro_ihello(id, std::vector<std::uint8_t>(64, 0x33));
    BOOST_REQUIRE(f.port.inject(f.udp6_frame(big, 40001, 3)));
    out = f.port.collect(1, 2000);
    BOOST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].size() - offset <= 3 * big.size());
    r = open_redirect(out[0], offset, plain);
    BOOST_TEST(r.address_count == 9u);
    BOOST_TEST(f.stage_count(engine::stage::redirect_sent) == 2u);
}

BOOST_AUTO_TEST_CASE(reload_lowers_introduction_limits_on_running_workers) {
    dataplane_fixture f;
    const auto id = make_peer_id(11);
    register_peer(f.rt, id, wire::socket_address::v4(0xc6120007u, 5000), {});
    const auto ask = [&](int count, std::uint8_t round) {
        for (int i = 0; i < count; ++i) {
            std::vector<std::uint8_t> tag(16, static_cast<std::uint8_t>(round * 16 + i));
            BOOST_REQUIRE(f.port.inject(f.udp_frame(intro_ihello(id, tag), static_cast<std::uint16_t>(42000 + i))));
        }
    };
    ask(5, 0);
    BOOST_TEST(f.port.collect(5, 2000).size() == 5u);  // defaults: 100/s, burst 200

    auto parsed = control::parse_config_text(
        "[[ports]]\ndevice = \"" + f.port.device_name() + "\"\nipv4 = [\"198.18.0.1/24\"]\n"
        "[introduction]\nper_initiator_per_second = 1\nper_initiator_burst = 2\n", "reload");
    BOOST_REQUIRE_MESSAGE(parsed.ok(), control::format_errors(parsed.errors_));
    f.rt.apply_live(*parsed.config_);
    for (int i = 0; i < 200 && f.stage_count(engine::stage::config_applied) == 0; ++i) ::usleep(5000);
    BOOST_REQUIRE(f.stage_count(engine::stage::config_applied) == 1u);
    // The same initiator's bucket (195 tokens left) is cut to the new burst.
    ask(5, 1);
    BOOST_TEST(f.port.collect(5, 1000).size() == 2u);
    BOOST_TEST(f.drops(wire::drop_reason::introduction_initiator_limited) == 3u);
}

BOOST_AUTO_TEST_CASE(cookie_reschedule_keeps_cookies_just_made) {
    stratod::cookie_schedule s;
    for (std::size_t i = 0; i < s.master.size(); ++i) s.master[i] = static_cast<std::uint8_t>(i * 13 + 5);
    s.rotation_seconds = 600;
    s.lifetime_seconds = 120;
    stratod::lcore_cookies c, other;  // two lcores, started together
    BOOST_REQUIRE(c.start(s, 1000));
    BOOST_REQUIRE(other.start(s, 1000));
    const auto from = wire::socket_address::v4(0xc6120002u, 40000);
    std::array<std::uint8_t, crypto::cookie_size> before{};
    BOOST_REQUIRE(c.jar.make(from, 1000, before));
    // A reload: a 30-second period and a 95-second lifetime.
    s.rotation_seconds = 30;
    s.lifetime_seconds = 95;
    c.reschedule(s, 1010);
    BOOST_TEST(c.epoch == 1010u / 30u);
    BOOST_TEST(c.jar.lifetime() == 95u);
    BOOST_TEST((c.jar.verify(before, from, 1010) == crypto::cookie_status::ok));
    BOOST_TEST((c.jar.verify(before, from, 1000 + 96) == crypto::cookie_status::expired));
    // The other lcore takes the reload a little later: it accepts what
    // either made before and after (the generation byte names the epoch).
    other.reschedule(s, 1012);
    BOOST_TEST((other.jar.verify(before, from, 1012) == crypto::cookie_status::ok));
    std::array<std::uint8_t, crypto::cookie_size> after{};
    BOOST_REQUIRE(c.jar.make(from, 1011, after));
    BOOST_TEST((other.jar.verify(after, from, 1012) == crypto::cookie_status::ok));
    // Past the next boundary both rotate on the new period in step.
    c.maybe_rotate(s, 1021);
    other.maybe_rotate(s, 1022);
    std::array<std::uint8_t, crypto::cookie_size> later{};
    BOOST_REQUIRE(c.jar.make(from, 1021, later));
    BOOST_TEST((other.jar.verify(later, from, 1022) == crypto::cookie_status::ok));
    BOOST_TEST((other.jar.verify(after, from, 1022) == crypto::cookie_status::ok));  // the previous epoch's
}

BOOST_AUTO_TEST_CASE(reload_reaches_workers_for_limits_and_cookies_only) {
    using stratod::api_backend;
    for (const char* live : {"handshake.rate_limit_per_second", "handshake.rate_limit_burst",
                             "handshake.rate_limit_ipv4_prefix", "handshake.cookie_secret_rotation_seconds",
                             "handshake.cookie_lifetime_seconds", "introduction.per_initiator_per_second",
                             "introduction.per_target_burst", "introduction.initiator_ipv6_prefix",
                             "apps[0].max_peers", "server.log_level", "rest.token"})
        BOOST_TEST(api_backend::live_reloadable(live), live);
    for (const char* restart : {"handshake.rate_limit_buckets", "introduction.buckets", "sessions.max_peers",
                                "apps", "apps[0].path", "apps[0].developer_keys", "workers.lcores"})
        BOOST_TEST(!api_backend::live_reloadable(restart), restart);
}

BOOST_AUTO_TEST_SUITE_END()
