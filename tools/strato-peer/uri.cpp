#include "tools/strato-peer/uri.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstdio>
#include <cstring>

namespace strato::peer {

namespace {

// Splits an authority "host", "host:port", "[v6]" or "[v6]:port".
std::string split_authority(std::string_view a, std::string& host, std::uint16_t& port, bool port_required) {
    std::string_view port_text;
    bool has_port = false;
    if (!a.empty() && a.front() == '[') {
        const auto close = a.find(']');
        if (close == std::string_view::npos) return "unterminated '[' in IPv6 address";
        host = std::string(a.substr(1, close - 1));
        const auto rest = a.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return "unexpected text after ']'";
            port_text = rest.substr(1);
            has_port = true;
        }
        if (host.find(':') == std::string::npos) return "brackets are only for IPv6 addresses";
    } else {
        const auto colon = a.rfind(':');
        if (colon != std::string_view::npos) {
            if (a.find(':') != colon) return "IPv6 addresses must be written in brackets, e.g. [2001:db8::1]";
            host = std::string(a.substr(0, colon));
            port_text = a.substr(colon + 1);
            has_port = true;
        } else {
            host = std::string(a);
        }
    }
    if (host.empty()) return "missing host";
    for (char c : host)
        if (c <= ' ' || c == '/' || c == '@' || c == '?' || c == '#' || static_cast<unsigned char>(c) >= 0x7f)
            return "invalid character in host";
    if (!has_port) return port_required ? "missing port" : "";
    if (port_text.empty() || port_text.size() > 5) return "port must be a number from 1 to 65535";
    unsigned long v = 0;
    for (char c : port_text) {
        if (c < '0' || c > '9') return "port must be a number from 1 to 65535";
        v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v == 0 || v > 65535) return "port must be a number from 1 to 65535";
    port = static_cast<std::uint16_t>(v);
    return "";
}

} // namespace

std::string parse_rtmfp_uri(std::string_view text, rtmfp_uri& out) {
    constexpr std::string_view scheme = "rtmfp://";
    if (text.size() < scheme.size() || text.substr(0, scheme.size()) != scheme)
        return "must start with rtmfp://";
    const auto rest = text.substr(scheme.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "missing /APP after the host";
    out.text = std::string(text);
    out.port = default_rtmfp_port;
    if (auto e = split_authority(rest.substr(0, slash), out.host, out.port, false); !e.empty()) return e;
    out.app = std::string(rest.substr(slash + 1));
    if (out.app.empty()) return "missing application name after '/'";
    // The URI travels in one EPD option; keep it far below any datagram size.
    if (text.size() > 512) return "longer than 512 bytes";
    return "";
}

std::string parse_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
    return split_authority(text, host, port, true);
}

std::string resolve(const std::string& host, std::uint16_t port, std::vector<endpoint>& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    addrinfo* list = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0)
        return ::gai_strerror(rc);
    for (auto* a = list; a; a = a->ai_next) {
        if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) || a->ai_addrlen > sizeof(sockaddr_storage)) continue;
        endpoint e;
        std::memcpy(&e.addr, a->ai_addr, a->ai_addrlen);
        e.length = a->ai_addrlen;
        out.push_back(e);
    }
    ::freeaddrinfo(list);
    if (out.empty()) return "no IPv4 or IPv6 address";
    return "";
}

std::string resolve_server(const rtmfp_uri& uri, int family, endpoint& out) {
    std::vector<endpoint> found;
    if (auto e = resolve(uri.host, uri.port, found); !e.empty()) return "cannot resolve host \"" + uri.host + "\": " + e;
    if (family != AF_UNSPEC) {
        std::erase_if(found, [&](const endpoint& ep) { return ep.family() != family; });
        if (found.empty())
            return "host \"" + uri.host + "\" has no " + (family == AF_INET ? "IPv4" : "IPv6") + " address";
    }
    out = found.front();
    return "";
}

std::string format_endpoint(const endpoint& e) {
    char ip[INET6_ADDRSTRLEN] = "?";
    char text[INET6_ADDRSTRLEN + 16];
    if (e.family() == AF_INET) {
        const auto* s = reinterpret_cast<const sockaddr_in*>(&e.addr);
        ::inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip);
        std::snprintf(text, sizeof text, "%s:%u", ip, unsigned{ntohs(s->sin_port)});
    } else {
        const auto* s = reinterpret_cast<const sockaddr_in6*>(&e.addr);
        ::inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip);
        std::snprintf(text, sizeof text, "[%s]:%u", ip, unsigned{ntohs(s->sin6_port)});
    }
    return text;
}

bool same_endpoint(const endpoint& a, const endpoint& b) noexcept {
    if (a.family() != b.family()) return false;
    if (a.family() == AF_INET) {
        const auto* x = reinterpret_cast<const sockaddr_in*>(&a.addr);
        const auto* y = reinterpret_cast<const sockaddr_in*>(&b.addr);
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.addr);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.addr);
    return x->sin6_port == y->sin6_port && std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

} // namespace strato::peer
