// UDP (RFC 768) over IPv4 and IPv6, the reply helper, and robustness sweeps
// over every frame kind: truncation at every length and random corruption.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <random>

#include "dataplane/net/udp.hpp"
#include "tests/unit/net/harness.hpp"

using namespace strato::net;
using namespace net_test;
using strato::wire::drop_reason;

namespace {
const vlan_tag vlan10{true, 0x200a};
const buf hello = text("RTMFP hello payload");

buf udp_v4(vlan_tag v = {}, const buf& payload = hello, ip4_opts o = {}) {
    return cat({eth(our_mac, peer_mac, 0x0800, v),
                ipv4(peer_ip4, our_ip4, 17, udp4(peer_ip4, our_ip4, peer_port, our_port, payload), o)});
}
buf udp_v6(vlan_tag v = {}, const buf& payload = hello, const buf& ext = {}, unsigned first_next = 0xffff) {
    return cat({eth(our_mac, peer_mac, 0x86dd, v),
                ipv6(peer_ip6, our_ip6, 17, udp6(peer_ip6, our_ip6, peer_port, our_port, payload), 64, ext, first_next)});
}
bool is_udp(const outcome& o) { return o.c.kind == verdict::udp; }

// Writes a reply payload where the helper says, finishes it, returns the frame.
buf reply_with(const l3_config& cfg, const buf& request, const buf& payload, checksum_mode mode,
               udp_frame* info = nullptr) {
    buf storage(request.size() + 64);
    std::copy(request.begin(), request.end(), storage.begin());
    auto c = classify(cfg, storage, request.size());
    BOOST_REQUIRE(c.kind == verdict::udp);
    std::copy(payload.begin(), payload.end(), storage.begin() + c.udp.reply_payload_offset);
    udp_frame f = finish_udp_reply(cfg, c.udp, storage, payload.size(), mode);
    if (info) *info = f;
    storage.resize(f.frame_length);
    return storage;
}
} // namespace

BOOST_AUTO_TEST_SUITE(udp)

BOOST_AUTO_TEST_CASE(ipv4_datagram_for_us) {
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        auto cfg = make_config();
        buf f = udp_v4(v);
        auto o = run(cfg, f);
        BOOST_REQUIRE(is_udp(o));
        const auto& d = o.c.udp;
        const std::size_t l2 = v.present ? 18 : 14;
        BOOST_TEST(d.payload_offset == l2 + 28);
        BOOST_TEST(d.reply_payload_offset == l2 + 28);
        BOOST_TEST(d.payload_length == hello.size());
        BOOST_TEST(bytes_of(f.data() + d.payload_offset, d.payload_length) == hello);
        BOOST_TEST(!d.source.ipv6);
        BOOST_TEST(d.source.port == peer_port);
        BOOST_TEST(d.destination.port == our_port);
        BOOST_TEST(std::memcmp(d.source.ip.data(), peer_ip4.bytes.data(), 4) == 0);
        BOOST_TEST(std::memcmp(d.destination.ip.data(), our_ip4.bytes.data(), 4) == 0);
        BOOST_TEST(d.has_vlan == v.present);
        BOOST_TEST(d.vlan_tci == v.tci);
        BOOST_TEST(d.l2_size == l2);
    }
}

BOOST_AUTO_TEST_CASE(ipv6_datagram_for_us) {
    auto cfg = make_config();
    buf f = udp_v6(vlan10);
    auto o = run(cfg, f);
    BOOST_REQUIRE(is_udp(o));
    BOOST_TEST(o.c.udp.source.ipv6);
    BOOST_TEST(std::memcmp(o.c.udp.source.ip.data(), peer_ip6.bytes.data(), 16) == 0);
    BOOST_TEST(o.c.udp.payload_offset == 18u + 48u);
    BOOST_TEST(bytes_of(f.data() + o.c.udp.payload_offset, o.c.udp.payload_length) == hello);
}

BOOST_AUTO_TEST_CASE(checksum_rules) {
    auto cfg = make_config();
    // IPv4: zero means "none".
    buf f = udp_v4();
    set16(f, 14 + 20 + 6, 0);
    BOOST_TEST(is_udp(run(cfg, f)));
    // Wrong.
    f = udp_v4();
    f[14 + 20 + 6] ^= 0x40;
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_checksum));
    f = udp_v4();
    f.back() ^= 1;
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_checksum));
    // IPv6: zero is invalid (RFC 8200 §8.1).
    f = udp_v6();
    set16(f, 14 + 40 + 6, 0);
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_checksum));
    f = udp_v6();
    f.back() ^= 1;
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_checksum));
    classify_context ctx;
    ctx.rx_offload = rx_l4_checksum_good;
    BOOST_TEST(is_udp(run(cfg, f, 0, ctx)));
    // Payload whose checksum computes to 0 is sent as 0xffff and accepted.
    for (unsigned x = 0; x < 0x10000; ++x) {
        buf p{static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
        buf u = udp_raw(peer_port, our_port, p);
        if (ref_checksum(cat({pseudo4(peer_ip4, our_ip4, 17, u.size()), u})) != 0) continue;
        buf frame = udp_v4({}, p);
        BOOST_TEST(get16(frame, 14 + 20 + 6) == 0xffffu);
        BOOST_TEST(is_udp(run(cfg, frame)));
        break;
    }
}

BOOST_AUTO_TEST_CASE(length_and_port_rules) {
    auto cfg = make_config();
    buf f = udp_v4();
    set16(f, 14 + 20 + 4, 7);
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_length));
    f = udp_v4();
    set16(f, 14 + 20 + 4, static_cast<unsigned>(8 + hello.size() + 1));
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_length));
    f = udp_v6();
    set16(f, 14 + 40 + 4, static_cast<unsigned>(8 + hello.size() + 1));
    BOOST_TEST((reason_of(cfg, f) == drop_reason::bad_udp_length));
    // IP payload too short for a UDP header.
    BOOST_TEST((reason_of(cfg, cat({eth(our_mac, peer_mac, 0x0800), ipv4(peer_ip4, our_ip4, 17, buf{1, 2, 3, 4})})) ==
                drop_reason::bad_udp_length));
    // Closed port (the checksum is right).
    buf closed = cat({eth(our_mac, peer_mac, 0x0800),
                      ipv4(peer_ip4, our_ip4, 17, udp4(peer_ip4, our_ip4, peer_port, 1937, hello))});
    BOOST_TEST((reason_of(cfg, closed) == drop_reason::closed_udp_port));
    // From the unspecified address: nobody to answer.
    const ipv6_address unspecified{};
    BOOST_TEST((reason_of(cfg, cat({eth(our_mac, peer_mac, 0x86dd),
                                    ipv6(unspecified, our_ip6, 17, udp6(unspecified, our_ip6, peer_port, our_port, hello))})) ==
                drop_reason::bad_ipv6_header));
    // Second listening port works.
    buf other = cat({eth(our_mac, peer_mac, 0x86dd),
                     ipv6(peer_ip6, our_ip6, 17, udp6(peer_ip6, our_ip6, peer_port, 1936, hello))});
    BOOST_TEST(is_udp(run(cfg, other)));
    // A UDP length shorter than the IP payload: the tail is ignored.
    buf u = udp4(peer_ip4, our_ip4, peer_port, our_port, hello);
    buf padded = cat({eth(our_mac, peer_mac, 0x0800), ipv4(peer_ip4, our_ip4, 17, cat({u, buf{0xaa, 0xbb}}))});
    auto o = run(cfg, padded);
    BOOST_REQUIRE(is_udp(o));
    BOOST_TEST(o.c.udp.payload_length == hello.size());
}

BOOST_AUTO_TEST_CASE(reply_ipv4_exact) {
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        auto cfg = make_config();
        const buf answer = text("a longer RTMFP answer payload");
        ip4_opts in;
        in.ttl = 9;
        in.id = 0x7777;
        buf got = reply_with(cfg, udp_v4(v, hello, in), answer, checksum_mode::software);
        buf want = cat({eth(peer_mac, our_mac, 0x0800, v),
                        ipv4(our_ip4, peer_ip4, 17, udp4(our_ip4, peer_ip4, our_port, peer_port, answer))});
        BOOST_TEST(got == want, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(reply_ipv4_with_options_compacts_headers) {
    auto cfg = make_config();
    ip4_opts in;
    in.options = {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00};
    buf req = udp_v4({}, hello, in);
    auto o = run(cfg, req);
    BOOST_REQUIRE(is_udp(o));
    BOOST_TEST(o.c.udp.payload_offset == 14u + 28u + 8u);
    BOOST_TEST(o.c.udp.reply_payload_offset == 14u + 28u);
    const buf answer = text("ok");
    buf got = reply_with(cfg, req, answer, checksum_mode::software);
    buf want = cat({eth(peer_mac, our_mac, 0x0800), ipv4(our_ip4, peer_ip4, 17, udp4(our_ip4, peer_ip4, our_port, peer_port, answer))});
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reply_ipv6_exact_including_extension_headers) {
    auto cfg = make_config();
    const buf answer = text("v6 answer");
    for (bool with_ext : {false, true}) {
        buf req = with_ext ? udp_v6(vlan10, hello, buf{17, 0, 1, 4, 0, 0, 0, 0}, 60) : udp_v6(vlan10);
        buf got = reply_with(cfg, req, answer, checksum_mode::software);
        buf want = cat({eth(peer_mac, our_mac, 0x86dd, vlan10),
                        ipv6(our_ip6, peer_ip6, 17, udp6(our_ip6, peer_ip6, our_port, peer_port, answer))});
        BOOST_TEST(got == want, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(reply_with_checksum_offload) {
    auto cfg = make_config();
    const buf answer = text("offloaded");
    udp_frame info;
    buf got = reply_with(cfg, udp_v4(vlan10), answer, checksum_mode::offload, &info);
    BOOST_TEST(info.l2_length == 18);
    BOOST_TEST(info.l3_length == 20);
    BOOST_TEST(get16(got, 18 + 10) == 0u);  // IPv4 header checksum left to the NIC
    // UDP field: folded pseudo-header sum, not complemented.
    unsigned phdr = static_cast<std::uint16_t>(~ref_checksum(pseudo4(our_ip4, peer_ip4, 17, 8 + answer.size())));
    BOOST_TEST(get16(got, 18 + 20 + 6) == phdr);
    got = reply_with(cfg, udp_v6(), answer, checksum_mode::offload, &info);
    BOOST_TEST(info.l3_length == 40);
    phdr = static_cast<std::uint16_t>(~ref_checksum(pseudo6(our_ip6, peer_ip6, 17, 8 + answer.size())));
    BOOST_TEST(get16(got, 14 + 40 + 6) == phdr);
}

BOOST_AUTO_TEST_CASE(originated_datagram_and_limits) {
    udp_route r;
    r.source_mac = our_mac;
    r.destination_mac = peer_mac;
    r.source.port = our_port;
    std::memcpy(r.source.ip.data(), our_ip4.bytes.data(), 4);
    r.destination.port = 4000;
    std::memcpy(r.destination.ip.data(), far_ip4.bytes.data(), 4);
    r.ttl = 33;
    buf frame(udp_payload_offset(false, false) + 3);
    frame[42] = 'a';
    frame[43] = 'b';
    frame[44] = 'c';
    udp_frame f = write_udp_headers(r, frame, 3, checksum_mode::software);
    BOOST_TEST(f.frame_length == 45u);
    ip4_opts o;
    o.ttl = 33;
    buf want = cat({eth(peer_mac, our_mac, 0x0800), ipv4(our_ip4, far_ip4, 17, udp4(our_ip4, far_ip4, our_port, 4000, text("abc")), o)});
    BOOST_TEST(frame == want, boost::test_tools::per_element());
    // Does not fit; mixed families.
    BOOST_TEST(write_udp_headers(r, std::span<std::uint8_t>(frame.data(), 44), 3, checksum_mode::software).frame_length == 0u);
    r.destination.ipv6 = true;
    BOOST_TEST(write_udp_headers(r, frame, 3, checksum_mode::software).frame_length == 0u);
    // Too long for the 16-bit length fields.
    r.destination.ipv6 = false;
    std::vector<std::uint8_t> big(70000);
    BOOST_TEST(write_udp_headers(r, big, 65536 - 28, checksum_mode::software).frame_length == 0u);
    BOOST_TEST(write_udp_headers(r, big, 65535 - 28, checksum_mode::software).frame_length == 65535u + 14u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(robustness)

namespace {
std::vector<buf> corpus() {
    const mac_address zero{};
    std::vector<buf> all;
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        all.push_back(cat({eth(broadcast_mac, peer_mac, 0x0806, v), arp(1, peer_mac, peer_ip4, zero, our_ip4)}));
        all.push_back(cat({eth(our_mac, peer_mac, 0x0800, v),
                           ipv4(peer_ip4, our_ip4, 1, icmp4(8, 0, echo_body(1, 2, text("ping"))))}));
        all.push_back(cat({eth(our_mac, peer_mac, 0x86dd, v),
                           ipv6(peer_ip6, our_ip6, 58, icmp6(peer_ip6, our_ip6, 128, 0, echo_body(1, 2, text("ping"))))}));
        all.push_back(cat({eth(multicast_mac(our_sn6), peer_mac, 0x86dd, v),
                           ipv6(peer_ip6, our_sn6, 58, icmp6(peer_ip6, our_sn6, 135, 0, ns_body(our_ip6, &peer_mac)), 255)}));
        all.push_back(udp_v4(v));
        all.push_back(udp_v6(v));
        all.push_back(udp_v6(v, hello, buf{17, 0, 1, 4, 0, 0, 0, 0}, 0));
    }
    return all;
}
} // namespace

BOOST_AUTO_TEST_CASE(every_frame_kind_is_accepted_whole) {
    auto cfg = make_config();
    for (const auto& f : corpus()) {
        auto o = run(cfg, f);
        BOOST_TEST((o.c.kind == verdict::reply || o.c.kind == verdict::udp));
    }
}

BOOST_AUTO_TEST_CASE(truncation_at_every_length) {
    auto cfg = make_config();
    for (const auto& f : corpus()) {
        for (std::size_t n = 0; n < f.size(); ++n) {
            auto o = run(cfg, buf(f.begin(), f.begin() + static_cast<long>(n)));
            BOOST_TEST((o.c.kind == verdict::drop && o.c.reason == drop_reason::truncated),
                       "length " << n << " of " << f.size() << ": " << strato::wire::name_of(o.c.reason));
        }
    }
}

BOOST_AUTO_TEST_CASE(random_corruption_stays_in_bounds) {
    // Run under the sanitizer build: exact-size buffers make any stray access visible.
    auto cfg = make_config();
    std::mt19937 rng(1234);
    fixed_neighbour_cache<64> cache(100);
    for (const auto& f : corpus()) {
        for (int i = 0; i < 3000; ++i) {
            buf g = f;
            int flips = 1 + static_cast<int>(rng() % 4);
            for (int k = 0; k < flips; ++k) g[rng() % g.size()] = static_cast<std::uint8_t>(rng());
            if (rng() % 4 == 0) g.resize(rng() % (g.size() + 1));
            std::size_t extra = rng() % 2 ? 0 : 16;
            auto o = run(cfg, g, extra, classify_context{&cache, static_cast<std::uint64_t>(i), 0});
            if (o.c.kind == verdict::reply) BOOST_TEST(o.c.reply_length <= g.size() + extra);
            if (o.c.kind == verdict::udp)
                BOOST_TEST(std::size_t{o.c.udp.payload_offset} + o.c.udp.payload_length <= g.size());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
