// IPv4 (RFC 791) and IPv6 (RFC 8200) validation, ICMP echo (RFC 792, RFC 4443).
#include <boost/test/unit_test.hpp>

#include "tests/unit/net/harness.hpp"

using namespace strato::net;
using namespace net_test;
using strato::wire::drop_reason;

namespace {
const vlan_tag vlan10{true, 0x200a};
const buf ping_data = text("strato ping data 0123456789");

buf ping4(ip4_opts o = {}, vlan_tag v = {}) {
    return cat({eth(our_mac, peer_mac, 0x0800, v),
                ipv4(peer_ip4, our_ip4, 1, icmp4(8, 0, echo_body(0x1234, 7, ping_data)), o)});
}
buf ping6(vlan_tag v = {}, const buf& ext = {}, unsigned first_next = 0xffff) {
    return cat({eth(our_mac, peer_mac, 0x86dd, v),
                ipv6(peer_ip6, our_ip6, 58, icmp6(peer_ip6, our_ip6, 128, 0, echo_body(0x4321, 9, ping_data)), 57, ext,
                     first_next)});
}
bool is_reply(const outcome& o) { return o.c.kind == verdict::reply; }
} // namespace

BOOST_AUTO_TEST_SUITE(icmp_echo)

BOOST_AUTO_TEST_CASE(ipv4_echo_reply_exact) {
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        auto cfg = make_config();
        ip4_opts o;
        o.ttl = 3;
        o.id = 0xbeef;
        auto out = run(cfg, ping4(o, v));
        BOOST_TEST(is_reply(out));
        buf want = cat({eth(peer_mac, our_mac, 0x0800, v),
                        ipv4(our_ip4, peer_ip4, 1, icmp4(0, 0, echo_body(0x1234, 7, ping_data)))});
        BOOST_TEST(out.bytes == want, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(ipv4_options_are_skipped_and_not_echoed) {
    auto cfg = make_config();
    ip4_opts o;
    o.options = {0x01, 0x01, 0x01, 0x00};  // NOP NOP NOP EOL
    auto out = run(cfg, ping4(o));
    buf want = cat({eth(peer_mac, our_mac, 0x0800), ipv4(our_ip4, peer_ip4, 1, icmp4(0, 0, echo_body(0x1234, 7, ping_data)))});
    BOOST_TEST(out.bytes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ipv6_echo_reply_exact) {
    for (vlan_tag v : {vlan_tag{}, vlan10}) {
        auto cfg = make_config();
        auto out = run(cfg, ping6(v));
        buf want = cat({eth(peer_mac, our_mac, 0x86dd, v),
                        ipv6(our_ip6, peer_ip6, 58, icmp6(our_ip6, peer_ip6, 129, 0, echo_body(0x4321, 9, ping_data)))});
        BOOST_TEST(out.bytes == want, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(ipv6_extension_headers_are_walked_and_dropped_from_reply) {
    auto cfg = make_config();
    // Hop-by-hop (PadN 4) -> destination options (Pad1 x6) -> routing (type 0? no: type 3, segments left 0) -> ICMPv6
    buf hbh{60, 0, 1, 4, 0, 0, 0, 0};
    buf dst{43, 0, 0, 0, 0, 0, 0, 0};
    buf rt{58, 0, 3, 0, 0, 0, 0, 0};
    auto out = run(cfg, ping6({}, cat({hbh, dst, rt}), 0));
    buf want = cat({eth(peer_mac, our_mac, 0x86dd),
                    ipv6(our_ip6, peer_ip6, 58, icmp6(our_ip6, peer_ip6, 129, 0, echo_body(0x4321, 9, ping_data)))});
    BOOST_TEST(out.bytes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(icmp_rejections) {
    auto cfg = make_config();
    buf p = ping4();
    p[14 + 20 + 2] ^= 0x10;  // checksum
    BOOST_TEST((reason_of(cfg, p) == drop_reason::bad_icmp));
    BOOST_TEST((reason_of(cfg, cat({eth(our_mac, peer_mac, 0x0800),
                                    ipv4(peer_ip4, our_ip4, 1, icmp4(8, 1, echo_body(1, 1, {})))})) ==
                drop_reason::bad_icmp));
    BOOST_TEST((reason_of(cfg, cat({eth(our_mac, peer_mac, 0x0800), ipv4(peer_ip4, our_ip4, 1, buf{8, 0, 0xf7, 0xff})})) ==
                drop_reason::bad_icmp));  // shorter than 8 bytes
    // Destination unreachable and other types: not acted on.
    BOOST_TEST((reason_of(cfg, cat({eth(our_mac, peer_mac, 0x0800),
                                    ipv4(peer_ip4, our_ip4, 1, icmp4(3, 3, buf(28, 0)))})) ==
                drop_reason::unsupported_ip_protocol));
    buf q = ping6();
    q[14 + 40 + 5] ^= 0x01;  // payload byte, checksum now wrong
    BOOST_TEST((reason_of(cfg, q) == drop_reason::bad_icmp));
    // Echo request to a solicited-node group is not answered.
    BOOST_TEST((reason_of(cfg, cat({eth(multicast_mac(our_sn6), peer_mac, 0x86dd),
                                    ipv6(peer_ip6, our_sn6, 58,
                                         icmp6(peer_ip6, our_sn6, 128, 0, echo_body(1, 1, {})))})) ==
                drop_reason::not_for_us));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipv4_validation)

BOOST_AUTO_TEST_CASE(header_rejections) {
    auto cfg = make_config();
    buf good = ping4();
    BOOST_TEST(is_reply(run(cfg, good)));
    auto with = [&](std::size_t at, std::uint8_t v, bool fix_checksum = true) {
        buf b = good;
        b[14 + at] = v;
        if (fix_checksum) {
            std::size_t ihl = std::min<std::size_t>((b[14] & 0x0f) * 4u, b.size() - 14);
            set16(b, 24, 0);
            set16(b, 24, ref_checksum(buf(b.begin() + 14, b.begin() + 14 + static_cast<long>(ihl))));
        }
        return reason_of(cfg, b);
    };
    BOOST_TEST((with(0, 0x55) == drop_reason::bad_ipv4_header));  // version 5
    BOOST_TEST((with(0, 0x44) == drop_reason::bad_ipv4_header));  // IHL 4
    BOOST_TEST((with(0, 0x40) == drop_reason::bad_ipv4_header));  // IHL 0
    BOOST_TEST((with(0, 0x4f) == drop_reason::truncated));  // IHL 15: header longer than the datagram
    BOOST_TEST((with(3, 19) == drop_reason::bad_ipv4_header));  // total length below the header
    BOOST_TEST((with(2, 0x10) == drop_reason::truncated));       // total length beyond the frame
    BOOST_TEST((with(10, 0x11, false) == drop_reason::bad_ipv4_checksum));
    BOOST_TEST((with(6, 0x20) == drop_reason::ip_fragment));     // MF
    BOOST_TEST((with(7, 0x01) == drop_reason::ip_fragment));     // offset 8
    BOOST_TEST((with(6, 0x5f) == drop_reason::ip_fragment));     // DF + offset
    BOOST_TEST((with(19, 0x63) == drop_reason::not_for_us));     // destination 198.18.0.99
    BOOST_TEST((with(12, 224) == drop_reason::bad_ipv4_header)); // multicast source
    BOOST_TEST((with(12, 127) == drop_reason::bad_ipv4_header)); // loopback source
    BOOST_TEST((with(9, 6) == drop_reason::unsupported_ip_protocol));  // TCP
    // TTL of the request does not matter; the reply's TTL is fresh.
    buf ttl0 = good;
    ttl0[14 + 8] = 0;
    set16(ttl0, 24, 0);
    set16(ttl0, 24, ref_checksum(buf(ttl0.begin() + 14, ttl0.begin() + 34)));
    auto o = run(cfg, ttl0);
    BOOST_TEST(is_reply(o));
    BOOST_TEST(o.bytes[14 + 8] == 64);
}

BOOST_AUTO_TEST_CASE(link_layer_rejections) {
    auto cfg = make_config();
    buf b = ping4();
    std::copy(broadcast_mac.bytes.begin(), broadcast_mac.bytes.end(), b.begin());
    BOOST_TEST((reason_of(cfg, b) == drop_reason::not_for_us));  // broadcast is for ARP only
    b = ping4();
    b[5] = 0x09;
    BOOST_TEST((reason_of(cfg, b) == drop_reason::not_for_us));  // another MAC
    b = ping4();
    b[6] = 0x03;
    BOOST_TEST((reason_of(cfg, b) == drop_reason::bad_ethernet));  // group source MAC
    b = ping4({}, vlan10);
    set16(b, 16, 0x8100);
    BOOST_TEST((reason_of(cfg, b) == drop_reason::bad_ethernet));  // second tag
    b = ping4();
    set16(b, 12, 0x88a8);
    BOOST_TEST((reason_of(cfg, b) == drop_reason::unsupported_ethertype));
    set16(b, 12, 0x0100);
    BOOST_TEST((reason_of(cfg, b) == drop_reason::unsupported_ethertype));  // 802.3 length
}

BOOST_AUTO_TEST_CASE(nic_verified_checksum_is_trusted) {
    auto cfg = make_config();
    buf b = ping4();
    b[14 + 10] ^= 0xff;
    classify_context ctx;
    ctx.rx_offload = rx_ipv4_checksum_good;
    BOOST_TEST(is_reply(run(cfg, b, 0, ctx)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipv6_validation)

BOOST_AUTO_TEST_CASE(header_rejections) {
    auto cfg = make_config();
    buf good = ping6();
    BOOST_TEST(is_reply(run(cfg, good)));
    buf b = good;
    b[14] = 0x40;
    BOOST_TEST((reason_of(cfg, b) == drop_reason::bad_ipv6_header));  // version 4
    b = good;
    set16(b, 18, 0);
    BOOST_TEST((reason_of(cfg, b) == drop_reason::bad_ipv6_header));  // jumbo
    b = good;
    set16(b, 18, get16(good, 18) + 1);
    BOOST_TEST((reason_of(cfg, b) == drop_reason::truncated));
    b = good;
    b[14 + 8] = 0xff;
    BOOST_TEST((reason_of(cfg, b) == drop_reason::bad_ipv6_header));  // multicast source
    b = good;
    b[14 + 39] = 0x55;
    BOOST_TEST((reason_of(cfg, b) == drop_reason::not_for_us));
    // Payload length shorter than the frame: the rest is padding, ignored.
    b = cat({good, buf(6, 0)});
    BOOST_TEST(is_reply(run(cfg, b)));
}

BOOST_AUTO_TEST_CASE(extension_header_rejections) {
    auto cfg = make_config();
    // A Fragment header (even an atomic one).
    BOOST_TEST((reason_of(cfg, ping6({}, buf{58, 0, 0, 0, 0, 0, 0, 1}, 44)) == drop_reason::ip_fragment));
    // Routing header with segments left: not our packet to keep.
    BOOST_TEST((reason_of(cfg, ping6({}, buf{58, 0, 4, 1, 0, 0, 0, 0}, 43)) == drop_reason::not_for_us));
    // Unknown option whose type says "discard".
    BOOST_TEST((reason_of(cfg, ping6({}, buf{58, 0, 0x80, 4, 0, 0, 0, 0}, 60)) == drop_reason::bad_ipv6_header));
    // Unknown option whose type says "skip" is fine.
    BOOST_TEST(is_reply(run(cfg, ping6({}, buf{58, 0, 0x1e, 4, 0, 0, 0, 0}, 60))));
    // Option overrunning its header.
    BOOST_TEST((reason_of(cfg, ping6({}, buf{58, 0, 1, 5, 0, 0, 0, 0}, 60)) == drop_reason::bad_ipv6_header));
    // Hop-by-hop not first.
    BOOST_TEST((reason_of(cfg, ping6({}, cat({buf{0, 0, 1, 4, 0, 0, 0, 0}, buf{58, 0, 1, 4, 0, 0, 0, 0}}), 60)) ==
                drop_reason::bad_ipv6_header));
    // Header length beyond the payload.
    BOOST_TEST((reason_of(cfg, ping6({}, buf{58, 9, 1, 4, 0, 0, 0, 0}, 60)) == drop_reason::bad_ipv6_header));
    // A chain longer than the bound.
    buf chain;
    for (int i = 0; i < 9; ++i) chain = cat({chain, buf{static_cast<std::uint8_t>(i == 8 ? 58 : 60), 0, 1, 4, 0, 0, 0, 0}});
    BOOST_TEST((reason_of(cfg, ping6({}, chain, 60)) == drop_reason::bad_ipv6_header));
    chain.resize(8 * 8);
    chain[7 * 8] = 58;
    BOOST_TEST(is_reply(run(cfg, ping6({}, chain, 60))));  // eight is fine
    // No Next Header, and an unknown upper layer.
    BOOST_TEST((reason_of(cfg, ping6({}, {}, 59)) == drop_reason::unsupported_ip_protocol));
    BOOST_TEST((reason_of(cfg, ping6({}, {}, 6)) == drop_reason::unsupported_ip_protocol));
}

BOOST_AUTO_TEST_SUITE_END()
