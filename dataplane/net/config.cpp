#include "dataplane/net/config.hpp"

namespace strato::net {

int find_ipv4(const l3_config& cfg, const ipv4_address& addr) noexcept {
    for (std::size_t i = 0; i < cfg.ipv4_count && i < l3_config::max_ipv4; ++i)
        if (cfg.ipv4[i].address == addr) return static_cast<int>(i);
    return -1;
}

int find_ipv6(const l3_config& cfg, const ipv6_address& addr) noexcept {
    for (std::size_t i = 0; i < cfg.ipv6_count && i < l3_config::max_ipv6; ++i)
        if (cfg.ipv6[i].address == addr) return static_cast<int>(i);
    return -1;
}

int find_solicited_node(const l3_config& cfg, const ipv6_address& addr) noexcept {
    for (std::size_t i = 0; i < cfg.ipv6_count && i < l3_config::max_ipv6; ++i)
        if (solicited_node(cfg.ipv6[i].address) == addr) return static_cast<int>(i);
    return -1;
}

bool is_listen_port(const l3_config& cfg, std::uint16_t port) noexcept {
    for (std::size_t i = 0; i < cfg.udp_port_count && i < l3_config::max_udp_ports; ++i)
        if (cfg.udp_ports[i] == port) return true;
    return false;
}

bool on_link(const l3_config& cfg, const ipv4_address& addr) noexcept {
    for (std::size_t i = 0; i < cfg.ipv4_count && i < l3_config::max_ipv4; ++i)
        if (same_prefix(cfg.ipv4[i].address.bytes, addr.bytes, cfg.ipv4[i].prefix_len)) return true;
    return false;
}

bool on_link(const l3_config& cfg, const ipv6_address& addr) noexcept {
    // RFC 4861 §5.2: fe80::/64 is always on-link.
    if (addr.bytes[0] == 0xfe && (addr.bytes[1] & 0xc0) == 0x80) return true;
    for (std::size_t i = 0; i < cfg.ipv6_count && i < l3_config::max_ipv6; ++i)
        if (same_prefix(cfg.ipv6[i].address.bytes, addr.bytes, cfg.ipv6[i].prefix_len)) return true;
    return false;
}

ipv4_address source_for(const l3_config& cfg, const ipv4_address& dst) noexcept {
    for (std::size_t i = 0; i < cfg.ipv4_count && i < l3_config::max_ipv4; ++i)
        if (same_prefix(cfg.ipv4[i].address.bytes, dst.bytes, cfg.ipv4[i].prefix_len))
            return cfg.ipv4[i].address;
    return cfg.ipv4_count ? cfg.ipv4[0].address : ipv4_address{};
}

ipv6_address source_for(const l3_config& cfg, const ipv6_address& dst) noexcept {
    for (std::size_t i = 0; i < cfg.ipv6_count && i < l3_config::max_ipv6; ++i)
        if (same_prefix(cfg.ipv6[i].address.bytes, dst.bytes, cfg.ipv6[i].prefix_len))
            return cfg.ipv6[i].address;
    return cfg.ipv6_count ? cfg.ipv6[0].address : ipv6_address{};
}

} // namespace strato::net
