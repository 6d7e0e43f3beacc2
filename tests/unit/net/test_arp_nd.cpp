// ARP (RFC 826), Neighbor Discovery (RFC 4861) and the neighbour cache.
#include <boost/test/unit_test.hpp>

#include "dataplane/net/arp.hpp"
#include "dataplane/net/ndp.hpp"
#include "dataplane/net/neighbour_cache.hpp"
#include "tests/unit/net/harness.hpp"

using namespace strato::net;
using namespace net_test;
using strato::wire::drop_reason;

namespace {
const mac_address zero_mac{};
const vlan_tag vlan10{true, 0x200a};  // PCP 1, VID 10
} // namespace

BOOST_AUTO_TEST_SUITE(arp_suite)

BOOST_AUTO_TEST_CASE(request_for_us_becomes_reply_in_place) {
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        auto cfg = make_config();
        fixed_neighbour_cache<64> cache(1000);
        classify_context ctx{&cache, 5, 0};
        buf req = cat({eth(broadcast_mac, peer_mac, 0x0806, v), arp(1, peer_mac, peer_ip4, zero_mac, our_ip4)});
        auto o = run(cfg, req, 0, ctx);
        BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::reply));
        buf want = cat({eth(peer_mac, our_mac, 0x0806, v), arp(2, our_mac, our_ip4, peer_mac, peer_ip4)});
        BOOST_TEST(o.bytes == want, boost::test_tools::per_element());
        mac_address m;
        BOOST_TEST(cache.lookup(peer_ip4, 6, m));
        BOOST_TEST((m == peer_mac));
    }
}

BOOST_AUTO_TEST_CASE(second_address_is_answered_too) {
    auto cfg = make_config();
    ipv4_address asker{{198, 19, 0, 5}};
    buf req = cat({eth(broadcast_mac, peer_mac, 0x0806), arp(1, peer_mac, asker, zero_mac, our_ip4b)});
    auto o = run(cfg, req);
    BOOST_TEST(o.bytes == cat({eth(peer_mac, our_mac, 0x0806), arp(2, our_mac, our_ip4b, peer_mac, asker)}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(padded_request_reply_drops_padding) {
    auto cfg = make_config();
    buf req = cat({eth(broadcast_mac, peer_mac, 0x0806), arp(1, peer_mac, peer_ip4, zero_mac, our_ip4), buf(18, 0)});
    auto o = run(cfg, req);
    BOOST_TEST(o.c.reply_length == 42);
}

BOOST_AUTO_TEST_CASE(ignored_arp_has_a_reason) {
    auto cfg = make_config();
    fixed_neighbour_cache<64> cache(1000);
    classify_context ctx{&cache, 1, 0};
    ipv4_address other{{198, 18, 0, 77}};
    // Request for another host: not for us, and not learned.
    auto o = run(cfg, cat({eth(broadcast_mac, peer_mac, 0x0806), arp(1, peer_mac, peer_ip4, zero_mac, other)}), 0, ctx);
    BOOST_TEST((o.c.reason == drop_reason::not_for_us));
    mac_address m;
    BOOST_TEST(!cache.lookup(peer_ip4, 1, m));
    // Gratuitous ARP of an unknown host: ignored, not learned.
    o = run(cfg, cat({eth(broadcast_mac, peer_mac, 0x0806), arp(1, peer_mac, peer_ip4, zero_mac, peer_ip4)}), 0, ctx);
    BOOST_TEST((o.c.reason == drop_reason::not_for_us));
    BOOST_TEST(!cache.lookup(peer_ip4, 1, m));
    // Gratuitous ARP of a known host (failover): RFC 826 merge refreshes it.
    cache.learn(peer_ip4, our_mac, 0);
    mac_address moved{{0x02, 0, 0, 0, 0, 0x99}};
    o = run(cfg, cat({eth(broadcast_mac, moved, 0x0806), arp(2, moved, peer_ip4, zero_mac, peer_ip4)}), 0, ctx);
    BOOST_TEST((o.c.reason == drop_reason::not_for_us));
    BOOST_TEST(cache.lookup(peer_ip4, 1, m));
    BOOST_TEST((m == moved));
}

BOOST_AUTO_TEST_CASE(reply_to_us_is_learned_and_consumed) {
    auto cfg = make_config();
    fixed_neighbour_cache<64> cache(1000);
    classify_context ctx{&cache, 3, 0};
    auto o = run(cfg, cat({eth(our_mac, peer_mac, 0x0806), arp(2, peer_mac, peer_ip4, our_mac, our_ip4)}), 0, ctx);
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::consumed));
    mac_address m;
    BOOST_TEST(cache.lookup(peer_ip4, 3, m));
    BOOST_TEST((m == peer_mac));
}

BOOST_AUTO_TEST_CASE(malformed) {
    auto cfg = make_config();
    buf good = cat({eth(broadcast_mac, peer_mac, 0x0806), arp(1, peer_mac, peer_ip4, zero_mac, our_ip4)});
    auto bad = good;
    bad[15] = 6;  // hardware type 6
    BOOST_TEST((reason_of(cfg, bad) == drop_reason::bad_arp));
    bad = good;
    bad[18] = 8;  // hlen
    BOOST_TEST((reason_of(cfg, bad) == drop_reason::bad_arp));
    bad = good;
    bad[21] = 3;  // opcode 3 (RARP)
    BOOST_TEST((reason_of(cfg, bad) == drop_reason::bad_arp));
    bad = good;
    bad[22] = 0x01;  // group sender MAC
    BOOST_TEST((reason_of(cfg, bad) == drop_reason::bad_arp));
    // Someone claims our address.
    BOOST_TEST((reason_of(cfg, cat({eth(broadcast_mac, peer_mac, 0x0806),
                                    arp(1, peer_mac, our_ip4, zero_mac, our_ip4b)})) == drop_reason::bad_arp));
    // Unicast to someone else's MAC.
    BOOST_TEST((reason_of(cfg, cat({eth(peer_mac, peer_mac, 0x0806), arp(1, peer_mac, peer_ip4, zero_mac, our_ip4)})) ==
                drop_reason::not_for_us));
}

BOOST_AUTO_TEST_CASE(probe_is_answered_not_learned) {
    auto cfg = make_config();
    fixed_neighbour_cache<64> cache(1000);
    classify_context ctx{&cache, 1, 0};
    auto o = run(cfg, cat({eth(broadcast_mac, peer_mac, 0x0806), arp(1, peer_mac, ipv4_address{}, zero_mac, our_ip4)}),
                 0, ctx);
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::reply));
    BOOST_TEST(cache.size(1) == 0u);
}

BOOST_AUTO_TEST_CASE(build_request_exact) {
    auto cfg = make_config();
    std::uint8_t out[64];
    std::size_t n = build_arp_request(cfg, gw_ip4, false, 0, out);
    BOOST_TEST(bytes_of(out, n) == cat({eth(broadcast_mac, our_mac, 0x0806), arp(1, our_mac, our_ip4, zero_mac, gw_ip4)}),
               boost::test_tools::per_element());
    n = build_arp_request(cfg, ipv4_address{{198, 19, 1, 1}}, true, 0x200a, out);
    BOOST_TEST(bytes_of(out, n) == cat({eth(broadcast_mac, our_mac, 0x0806, vlan10),
                                        arp(1, our_mac, our_ip4b, zero_mac, ipv4_address{{198, 19, 1, 1}})}),
               boost::test_tools::per_element());
    BOOST_TEST(build_arp_request(cfg, gw_ip4, false, 0, std::span<std::uint8_t>(out, 41)) == 0u);
    // Our request, answered by a host that owns the target, makes a reply we learn from.
    l3_config gw = make_config();
    gw.mac = peer_mac;
    gw.ipv4[0] = {gw_ip4, 24};
    gw.ipv4_count = 1;
    n = build_arp_request(cfg, gw_ip4, false, 0, out);
    auto o = run(gw, bytes_of(out, n));
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::reply));
    fixed_neighbour_cache<8> cache(10);
    o = run(cfg, o.bytes, 0, classify_context{&cache, 0, 0});
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::consumed));
    mac_address m;
    BOOST_TEST((resolve(cfg, cache, far_ip4, 0, m) == drop_reason::no_neighbour));  // far_ip4 is on-link via our_ip4b/16
    BOOST_TEST((resolve(cfg, cache, ipv4_address{{198, 51, 100, 1}}, 0, m) == drop_reason::none));  // via gateway
    BOOST_TEST((m == peer_mac));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ndp_suite)

namespace {
buf ns_frame(const ipv6_address& src, const ipv6_address& dst, const ipv6_address& target, const mac_address* sllao,
             unsigned hop = 255, vlan_tag v = {}) {
    return cat({eth(multicast_mac(dst), peer_mac, 0x86dd, v),
                ipv6(src, dst, 58, icmp6(src, dst, 135, 0, ns_body(target, sllao)), hop)});
}
} // namespace

BOOST_AUTO_TEST_CASE(multicast_solicitation_gets_advertisement) {
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        auto cfg = make_config();
        fixed_neighbour_cache<64> cache(1000);
        auto o = run(cfg, ns_frame(peer_ip6, our_sn6, our_ip6, &peer_mac, 255, v), 0, classify_context{&cache, 2, 0});
        BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::reply));
        buf want = cat({eth(peer_mac, our_mac, 0x86dd, v),
                        ipv6(our_ip6, peer_ip6, 58, icmp6(our_ip6, peer_ip6, 136, 0, na_body(0x60, our_ip6, &our_mac)),
                             255)});
        BOOST_TEST(o.bytes == want, boost::test_tools::per_element());
        mac_address m;
        BOOST_TEST(cache.lookup(peer_ip6, 2, m));
        BOOST_TEST((m == peer_mac));
    }
}

BOOST_AUTO_TEST_CASE(unicast_solicitation_without_option) {
    auto cfg = make_config();
    buf ns = cat({eth(our_mac, peer_mac, 0x86dd),
                  ipv6(peer_ip6, our_ip6, 58, icmp6(peer_ip6, our_ip6, 135, 0, ns_body(our_ip6, nullptr)), 255)});
    // With room: full advertisement with TLLA.
    auto o = run(cfg, ns, 8);
    buf want = cat({eth(peer_mac, our_mac, 0x86dd),
                    ipv6(our_ip6, peer_ip6, 58, icmp6(our_ip6, peer_ip6, 136, 0, na_body(0x60, our_ip6, &our_mac)), 255)});
    BOOST_TEST(o.bytes == want, boost::test_tools::per_element());
    // Without room: RFC 4861 §7.2.4 lets a unicast reply omit the option.
    o = run(cfg, ns, 0);
    want = cat({eth(peer_mac, our_mac, 0x86dd),
                ipv6(our_ip6, peer_ip6, 58, icmp6(our_ip6, peer_ip6, 136, 0, na_body(0x60, our_ip6, nullptr)), 255)});
    BOOST_TEST(o.bytes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dad_probe_is_defended_to_all_nodes) {
    auto cfg = make_config();
    buf ns = ns_frame(ipv6_address{}, our_sn6, our_ip6, nullptr);
    auto o = run(cfg, ns, 8);
    buf want = cat({eth(mac_address{{0x33, 0x33, 0, 0, 0, 1}}, our_mac, 0x86dd),
                    ipv6(our_ip6, all_nodes, 58, icmp6(our_ip6, all_nodes, 136, 0, na_body(0x20, our_ip6, &our_mac)), 255)});
    BOOST_TEST(o.bytes == want, boost::test_tools::per_element());
    // Multicast reply needs the option: without room, no reply.
    BOOST_TEST((run(cfg, ns, 0).c.reason == drop_reason::truncated));
    // DAD with an SLLAO is invalid.
    BOOST_TEST((reason_of(cfg, ns_frame(ipv6_address{}, our_sn6, our_ip6, &peer_mac)) == drop_reason::bad_icmp));
}

BOOST_AUTO_TEST_CASE(invalid_solicitations) {
    auto cfg = make_config();
    // RFC 4861 §7.1.1: hop limit must be 255 (proves the sender is on-link).
    for (unsigned hop : {254u, 64u, 1u, 0u})
        BOOST_TEST((reason_of(cfg, ns_frame(peer_ip6, our_sn6, our_ip6, &peer_mac, hop)) == drop_reason::bad_icmp));
    // Bad checksum.
    buf ns = ns_frame(peer_ip6, our_sn6, our_ip6, &peer_mac);
    ns[14 + 40 + 2] ^= 1;
    BOOST_TEST((reason_of(cfg, ns) == drop_reason::bad_icmp));
    // Non-zero code.
    buf body = ns_body(our_ip6, &peer_mac);
    BOOST_TEST((reason_of(cfg, cat({eth(multicast_mac(our_sn6), peer_mac, 0x86dd),
                                    ipv6(peer_ip6, our_sn6, 58, icmp6(peer_ip6, our_sn6, 135, 1, body), 255)})) ==
                drop_reason::bad_icmp));
    // Zero-length option.
    body = ns_body(our_ip6, nullptr);
    body = cat({body, buf{1, 0, 0, 0, 0, 0, 0, 0}});
    BOOST_TEST((reason_of(cfg, cat({eth(multicast_mac(our_sn6), peer_mac, 0x86dd),
                                    ipv6(peer_ip6, our_sn6, 58, icmp6(peer_ip6, our_sn6, 135, 0, body), 255)})) ==
                drop_reason::bad_icmp));
    // Multicast target.
    BOOST_TEST((reason_of(cfg, ns_frame(peer_ip6, our_sn6, all_nodes, &peer_mac)) == drop_reason::bad_icmp));
    // Target not ours (but in the same solicited-node group would be: use another group).
    BOOST_TEST((reason_of(cfg, ns_frame(peer_ip6, our_ip6, far_ip6, &peer_mac)) == drop_reason::not_for_us));
    // Another solicited-node group than ours.
    BOOST_TEST((reason_of(cfg, ns_frame(peer_ip6, solicited_node(far_ip6), far_ip6, &peer_mac)) ==
                drop_reason::not_for_us));
}

BOOST_AUTO_TEST_CASE(advertisements_teach_us) {
    auto cfg = make_config();
    fixed_neighbour_cache<64> cache(1000);
    classify_context ctx{&cache, 9, 0};
    // Solicited, unicast to us: learned.
    buf na = cat({eth(our_mac, peer_mac, 0x86dd),
                  ipv6(gw_ip6, our_ip6, 58, icmp6(gw_ip6, our_ip6, 136, 0, na_body(0x60, gw_ip6, &peer_mac)), 255)});
    auto o = run(cfg, na, 0, ctx);
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::consumed));
    mac_address m;
    BOOST_TEST((resolve(cfg, cache, ipv6_address{{0x20, 0x01, 0x0d, 0xb8, 0xff}}, 9, m) == drop_reason::none));
    BOOST_TEST((m == peer_mac));
    // Unsolicited override to all-nodes: refreshes the known entry.
    mac_address moved{{0x02, 0, 0, 0, 0, 0x77}};
    buf una = cat({eth(multicast_mac(all_nodes), moved, 0x86dd),
                   ipv6(gw_ip6, all_nodes, 58, icmp6(gw_ip6, all_nodes, 136, 0, na_body(0x20, gw_ip6, &moved)), 255)});
    o = run(cfg, una, 0, ctx);
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::consumed));
    BOOST_TEST(cache.lookup(gw_ip6, 9, m));
    BOOST_TEST((m == moved));
    // Solicited flag on a multicast advertisement is invalid; bad hop limit too.
    buf bad = cat({eth(multicast_mac(all_nodes), moved, 0x86dd),
                   ipv6(gw_ip6, all_nodes, 58, icmp6(gw_ip6, all_nodes, 136, 0, na_body(0x60, gw_ip6, &moved)), 255)});
    BOOST_TEST((reason_of(cfg, bad) == drop_reason::bad_icmp));
    bad = cat({eth(our_mac, peer_mac, 0x86dd),
               ipv6(gw_ip6, our_ip6, 58, icmp6(gw_ip6, our_ip6, 136, 0, na_body(0x60, gw_ip6, &peer_mac)), 64)});
    BOOST_TEST((reason_of(cfg, bad) == drop_reason::bad_icmp));
}

BOOST_AUTO_TEST_CASE(build_solicitation_exact_and_round_trip) {
    auto cfg = make_config();
    std::uint8_t out[128];
    std::size_t n = build_neighbor_solicitation(cfg, gw_ip6, true, 0x200a, out);
    ipv6_address group = solicited_node(gw_ip6);
    buf want = cat({eth(mac_address{{0x33, 0x33, 0xff, 0x00, 0xff, 0xfe}}, our_mac, 0x86dd, vlan10),
                    ipv6(our_ip6, group, 58, icmp6(our_ip6, group, 135, 0, ns_body(gw_ip6, &our_mac)), 255)});
    BOOST_TEST(bytes_of(out, n) == want, boost::test_tools::per_element());
    BOOST_TEST(build_neighbor_solicitation(cfg, gw_ip6, true, 0x200a, std::span<std::uint8_t>(out, 89)) == 0u);
    // The gateway (a host running the same code) answers; we learn from the answer.
    l3_config gw = make_config();
    gw.mac = peer_mac;
    gw.ipv6[0] = {gw_ip6, 64};
    auto o = run(gw, bytes_of(out, n));
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::reply));
    fixed_neighbour_cache<8> cache(10);
    o = run(cfg, o.bytes, 0, classify_context{&cache, 0, 0});
    BOOST_TEST(static_cast<int>(o.c.kind) == static_cast<int>(verdict::consumed));
    mac_address m;
    BOOST_TEST((resolve(cfg, cache, far_ip6, 0, m) == drop_reason::none));
    BOOST_TEST((m == peer_mac));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(neighbour_cache_suite)

namespace {
ipv4_address v4(unsigned i) {
    return ipv4_address{{198, 18, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}};
}
mac_address mac_of(unsigned i) {
    return mac_address{{0x02, 0, 0, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}};
}
} // namespace

BOOST_AUTO_TEST_CASE(learn_lookup_expire) {
    fixed_neighbour_cache<16> cache(100);
    mac_address m;
    BOOST_TEST(!cache.lookup(peer_ip4, 0, m));
    cache.learn(peer_ip4, peer_mac, 10);
    cache.learn(peer_ip6, our_mac, 10);
    BOOST_TEST(cache.lookup(peer_ip4, 110, m));
    BOOST_TEST((m == peer_mac));
    BOOST_TEST(cache.lookup(peer_ip6, 50, m));
    BOOST_TEST((m == our_mac));
    BOOST_TEST(!cache.lookup(peer_ip4, 111, m));  // older than max_age
    BOOST_TEST(cache.size(50) == 2u);
    // IPv4 and its IPv4-mapped IPv6 form share a key, on purpose and harmlessly.
    ipv6_address mapped{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 2}};
    BOOST_TEST(cache.lookup(mapped, 50, m));
    cache.forget(peer_ip4);
    BOOST_TEST(!cache.lookup(peer_ip4, 50, m));
    BOOST_TEST(!cache.update(peer_ip4, peer_mac, 50));
    BOOST_TEST(cache.update(peer_ip6, peer_mac, 60));
    BOOST_TEST(cache.lookup(peer_ip6, 60, m));
    BOOST_TEST((m == peer_mac));
}

BOOST_AUTO_TEST_CASE(bounded_and_replaces_oldest) {
    fixed_neighbour_cache<64> cache(1'000'000);
    for (unsigned i = 0; i < 1000; ++i) cache.learn(v4(i), mac_of(i), i);
    BOOST_TEST(cache.size(1000) <= 64u);
    BOOST_TEST(cache.size(1000) >= 48u);  // windows of 8 fill up well
    BOOST_TEST(cache.evictions() >= 1000u - 64u);
    // The most recent entries survive; every hit maps to its own MAC.
    mac_address m;
    unsigned recent_hits = 0;
    for (unsigned i = 990; i < 1000; ++i) recent_hits += cache.lookup(v4(i), 1000, m) ? 1 : 0;
    BOOST_TEST(recent_hits == 10u);
    for (unsigned i = 0; i < 1000; ++i)
        if (cache.lookup(v4(i), 1000, m)) BOOST_TEST((m == mac_of(i)));
}

BOOST_AUTO_TEST_CASE(external_storage_and_degenerate_sizes) {
    std::array<neighbour_entry, 12> slots{};  // rounded down to 8
    neighbour_cache cache(slots, 10, 42);
    BOOST_TEST(cache.capacity() == 8u);
    neighbour_cache empty(std::span<neighbour_entry>{}, 10);
    empty.learn(peer_ip4, peer_mac, 0);
    mac_address m;
    BOOST_TEST(!empty.lookup(peer_ip4, 0, m));
    std::array<neighbour_entry, 2> two{};
    neighbour_cache tiny(two, 10);
    for (unsigned i = 0; i < 5; ++i) tiny.learn(v4(i), mac_of(i), i);
    BOOST_TEST(tiny.size(5) == 2u);
    BOOST_TEST(tiny.lookup(v4(4), 5, m));
}

BOOST_AUTO_TEST_SUITE_END()
