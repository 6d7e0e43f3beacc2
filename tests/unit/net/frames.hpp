#pragma once
// Test-side frame builders and a reference checksum, written independently
// of dataplane/net (plain vectors, the RFC 1071 definition taken literally)
// so that the library is checked against something it does not share code with.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "dataplane/net/config.hpp"

namespace net_test {

using buf = std::vector<std::uint8_t>;

inline buf cat(std::initializer_list<buf> parts) {
    buf out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline void put16(buf& b, unsigned v) {
    b.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
    b.push_back(static_cast<std::uint8_t>(v & 0xff));
}

inline void set16(buf& b, std::size_t at, unsigned v) {
    b.at(at) = static_cast<std::uint8_t>((v >> 8) & 0xff);
    b.at(at + 1) = static_cast<std::uint8_t>(v & 0xff);
}

inline unsigned get16(const buf& b, std::size_t at) { return (unsigned{b.at(at)} << 8) | b.at(at + 1); }

// RFC 1071 §1 literally: add 16-bit words (odd byte padded), fold the
// carries, complement.
inline std::uint16_t ref_checksum(const buf& data) {
    unsigned long sum = 0;
    for (std::size_t i = 0; i < data.size(); i += 2) {
        unsigned hi = data[i];
        unsigned lo = i + 1 < data.size() ? data[i + 1] : 0u;
        sum += (hi << 8) | lo;
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

inline buf bytes_of(const std::uint8_t* p, std::size_t n) { return buf(p, p + n); }
template <class A>
buf bytes_of(const A& a) {
    return buf(a.bytes.begin(), a.bytes.end());
}

// Addresses from the documentation / benchmarking ranges only.
inline const strato::net::mac_address our_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
inline const strato::net::mac_address peer_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline const strato::net::ipv4_address our_ip4{{198, 18, 0, 1}};
inline const strato::net::ipv4_address our_ip4b{{198, 19, 7, 1}};
inline const strato::net::ipv4_address peer_ip4{{198, 18, 0, 2}};
inline const strato::net::ipv4_address far_ip4{{198, 19, 200, 9}};
inline const strato::net::ipv4_address gw_ip4{{198, 18, 0, 254}};
inline const strato::net::ipv6_address our_ip6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline const strato::net::ipv6_address peer_ip6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
inline const strato::net::ipv6_address far_ip6{{0x20, 0x01, 0x0d, 0xb8, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}};
inline const strato::net::ipv6_address gw_ip6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe}};
inline const strato::net::ipv6_address our_sn6{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1}};
inline const strato::net::ipv6_address all_nodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
constexpr std::uint16_t our_port = 1935;
constexpr std::uint16_t peer_port = 50000;

inline strato::net::l3_config make_config() {
    strato::net::l3_config c;
    c.mac = our_mac;
    c.ipv4[0] = {our_ip4, 24};
    c.ipv4[1] = {our_ip4b, 16};
    c.ipv4_count = 2;
    c.ipv6[0] = {our_ip6, 64};
    c.ipv6_count = 1;
    c.udp_ports[0] = our_port;
    c.udp_ports[1] = 1936;
    c.udp_port_count = 2;
    c.ipv4_gateway = gw_ip4;
    c.ipv6_gateway = gw_ip6;
    return c;
}

struct vlan_tag {
    bool present = false;
    unsigned tci = 0;
};

inline buf eth(const strato::net::mac_address& dst, const strato::net::mac_address& src, unsigned type,
               vlan_tag vlan = {}) {
    buf b = cat({bytes_of(dst), bytes_of(src)});
    if (vlan.present) {
        put16(b, 0x8100);
        put16(b, vlan.tci);
    }
    put16(b, type);
    return b;
}

inline buf arp(unsigned op, const strato::net::mac_address& sha, const strato::net::ipv4_address& spa,
               const strato::net::mac_address& tha, const strato::net::ipv4_address& tpa) {
    buf b;
    put16(b, 1);
    put16(b, 0x0800);
    b.push_back(6);
    b.push_back(4);
    put16(b, op);
    return cat({b, bytes_of(sha), bytes_of(spa), bytes_of(tha), bytes_of(tpa)});
}

struct ip4_opts {
    unsigned ttl = 64;
    unsigned id = 0;
    unsigned flags_frag = 0x4000;
    buf options{};       // multiple of 4
    int total_adjust = 0;
};

inline buf ipv4(const strato::net::ipv4_address& src, const strato::net::ipv4_address& dst, unsigned proto,
                const buf& payload, ip4_opts o = {}) {
    buf h;
    h.push_back(static_cast<std::uint8_t>(0x40 | ((20 + o.options.size()) / 4)));
    h.push_back(0);
    put16(h, static_cast<unsigned>(static_cast<int>(20 + o.options.size() + payload.size()) + o.total_adjust));
    put16(h, o.id);
    put16(h, o.flags_frag);
    h.push_back(static_cast<std::uint8_t>(o.ttl));
    h.push_back(static_cast<std::uint8_t>(proto));
    put16(h, 0);
    h = cat({h, bytes_of(src), bytes_of(dst), o.options});
    set16(h, 10, ref_checksum(h));
    return cat({h, payload});
}

inline buf ipv6(const strato::net::ipv6_address& src, const strato::net::ipv6_address& dst, unsigned next,
                const buf& payload, unsigned hop = 64, const buf& ext = {}, unsigned first_next = 0xffff) {
    buf h{0x60, 0, 0, 0};
    put16(h, static_cast<unsigned>(ext.size() + payload.size()));
    h.push_back(static_cast<std::uint8_t>(first_next == 0xffff ? next : first_next));
    h.push_back(static_cast<std::uint8_t>(hop));
    return cat({h, bytes_of(src), bytes_of(dst), ext, payload});
}

inline buf pseudo4(const strato::net::ipv4_address& s, const strato::net::ipv4_address& d, unsigned proto,
                   std::size_t len) {
    buf p = cat({bytes_of(s), bytes_of(d)});
    p.push_back(0);
    p.push_back(static_cast<std::uint8_t>(proto));
    put16(p, static_cast<unsigned>(len));
    return p;
}

inline buf pseudo6(const strato::net::ipv6_address& s, const strato::net::ipv6_address& d, unsigned next,
                   std::size_t len) {
    buf p = cat({bytes_of(s), bytes_of(d)});
    put16(p, static_cast<unsigned>(len >> 16));
    put16(p, static_cast<unsigned>(len & 0xffff));
    p.push_back(0);
    p.push_back(0);
    p.push_back(0);
    p.push_back(static_cast<std::uint8_t>(next));
    return p;
}

inline buf udp_raw(unsigned sport, unsigned dport, const buf& payload) {
    buf u;
    put16(u, sport);
    put16(u, dport);
    put16(u, static_cast<unsigned>(8 + payload.size()));
    put16(u, 0);
    return cat({u, payload});
}

inline std::uint16_t nonzero(std::uint16_t c) { return c == 0 ? 0xffff : c; }

inline buf udp4(const strato::net::ipv4_address& s, const strato::net::ipv4_address& d, unsigned sport,
                unsigned dport, const buf& payload) {
    buf u = udp_raw(sport, dport, payload);
    set16(u, 6, nonzero(ref_checksum(cat({pseudo4(s, d, 17, u.size()), u}))));
    return u;
}

inline buf udp6(const strato::net::ipv6_address& s, const strato::net::ipv6_address& d, unsigned sport,
                unsigned dport, const buf& payload) {
    buf u = udp_raw(sport, dport, payload);
    set16(u, 6, nonzero(ref_checksum(cat({pseudo6(s, d, 17, u.size()), u}))));
    return u;
}

inline buf icmp4(unsigned type, unsigned code, const buf& body) {
    buf m{static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(code), 0, 0};
    m = cat({m, body});
    set16(m, 2, ref_checksum(m));
    return m;
}

inline buf icmp6(const strato::net::ipv6_address& s, const strato::net::ipv6_address& d, unsigned type,
                 unsigned code, const buf& body) {
    buf m{static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(code), 0, 0};
    m = cat({m, body});
    set16(m, 2, ref_checksum(cat({pseudo6(s, d, 58, m.size()), m})));
    return m;
}

// Echo body: identifier, sequence, data.
inline buf echo_body(unsigned id, unsigned seq, const buf& data) {
    buf b;
    put16(b, id);
    put16(b, seq);
    return cat({b, data});
}

// RFC 4861 §4.3 / §4.4 bodies (after type, code, checksum).
inline buf ns_body(const strato::net::ipv6_address& target, const strato::net::mac_address* sllao) {
    buf b{0, 0, 0, 0};
    b = cat({b, bytes_of(target)});
    if (sllao) b = cat({b, buf{1, 1}, bytes_of(*sllao)});
    return b;
}
inline buf na_body(unsigned flags, const strato::net::ipv6_address& target, const strato::net::mac_address* tllao) {
    buf b{static_cast<std::uint8_t>(flags), 0, 0, 0};
    b = cat({b, bytes_of(target)});
    if (tllao) b = cat({b, buf{2, 1}, bytes_of(*tllao)});
    return b;
}

inline buf text(const char* s) {
    buf b;
    while (*s) b.push_back(static_cast<std::uint8_t>(*s++));
    return b;
}

} // namespace net_test
