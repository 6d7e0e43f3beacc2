#include "dataplane/wire/address.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace strato::wire {

socket_address socket_address::v4(std::uint32_t host_order_ip, std::uint16_t p,
                                   address_origin o) noexcept {
    socket_address a;
    a.origin = o;
    a.port = p;
    a.ip[0] = static_cast<std::uint8_t>(host_order_ip >> 24);
    a.ip[1] = static_cast<std::uint8_t>(host_order_ip >> 16);
    a.ip[2] = static_cast<std::uint8_t>(host_order_ip >> 8);
    a.ip[3] = static_cast<std::uint8_t>(host_order_ip);
    return a;
}

socket_address socket_address::v6(const std::uint8_t (&ip16)[16], std::uint16_t p,
                                   address_origin o) noexcept {
    socket_address a;
    a.ipv6 = true;
    a.origin = o;
    a.port = p;
    std::memcpy(a.ip.data(), ip16, 16);
    return a;
}

std::uint32_t socket_address::ipv4_host_order() const noexcept {
    return (std::uint32_t{ip[0]} << 24) | (std::uint32_t{ip[1]} << 16) |
           (std::uint32_t{ip[2]} << 8) | std::uint32_t{ip[3]};
}

bool socket_address::same_endpoint(const socket_address& o) const noexcept {
    return ipv6 == o.ipv6 && port == o.port &&
           std::memcmp(ip.data(), o.ip.data(), ip_size()) == 0;
}

bool socket_address::is_unusable_candidate() const noexcept {
    if (port == 0) return true;
    if (!ipv6) {
        const std::uint32_t a = ipv4_host_order();
        return a == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe /* 169.254/16 */ ||
               (a >> 28) == 0xe /* multicast */ || a == 0xffffffffu;
    }
    static constexpr std::uint8_t zero[16] = {};
    if (std::memcmp(ip.data(), zero, 16) == 0) return true;  // ::
    if (std::memcmp(ip.data(), zero, 15) == 0 && ip[15] == 1) return true;  // ::1
    if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) return true;  // fe80::/10
    if (ip[0] == 0xff) return true;                            // multicast
    return false;
}

drop_reason read_address(reader& in, socket_address& out) noexcept {
    const std::size_t start = in.position();
    std::uint8_t flags = 0;
    if (in.u8(flags) != drop_reason::none) return drop_reason::bad_address;
    socket_address a;
    a.ipv6 = (flags & 0x80) != 0;
    a.origin = static_cast<address_origin>(flags & 0x03);
    bytes ipb;
    if (in.take(a.ip_size(), ipb) != drop_reason::none || in.u16(a.port) != drop_reason::none) {
        // rewind so that the caller sees the field untouched
        reader back(in.whole());
        (void)back.skip(start);
        in = back;
        return drop_reason::bad_address;
    }
    std::memcpy(a.ip.data(), ipb.data(), ipb.size());
    out = a;
    return drop_reason::none;
}

void write_address(writer& w, const socket_address& a) noexcept {
    w.u8(static_cast<std::uint8_t>((a.ipv6 ? 0x80 : 0x00) | (static_cast<std::uint8_t>(a.origin) & 0x03)));
    w.put(bytes{a.ip.data(), a.ip_size()});
    w.u16(a.port);
}

namespace {
bool parse_port(std::string_view s, std::uint16_t& port) noexcept {
    if (s.empty() || s.size() > 5) return false;
    std::uint32_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}
} // namespace

bool parse_address_text(std::string_view text, socket_address& out) noexcept {
    char buf[64];
    socket_address a;
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return false;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        a.ipv6 = true;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return false;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return false;
    }
    if (host.empty() || host.size() >= sizeof buf || !parse_port(port, a.port)) return false;
    std::memcpy(buf, host.data(), host.size());
    buf[host.size()] = '\0';
    if (inet_pton(a.ipv6 ? AF_INET6 : AF_INET, buf, a.ip.data()) != 1) return false;
    out = a;
    return true;
}

std::size_t format_address(const socket_address& a, char* buf, std::size_t size) noexcept {
    char host[INET6_ADDRSTRLEN];
    if (!inet_ntop(a.ipv6 ? AF_INET6 : AF_INET, a.ip.data(), host, sizeof host)) return 0;
    int n = a.ipv6 ? std::snprintf(buf, size, "[%s]:%u", host, unsigned{a.port})
                   : std::snprintf(buf, size, "%s:%u", host, unsigned{a.port});
    if (n < 0 || static_cast<std::size_t>(n) >= size) return 0;
    return static_cast<std::size_t>(n);
}

} // namespace strato::wire
