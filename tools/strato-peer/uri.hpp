#pragma once
// Server addresses on the command line: rtmfp://HOST[:PORT]/APP URIs and
// HOST:PORT endpoints, resolved with the system resolver.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strato::peer {

// RFC 7425 §5.3.1: Flash connects to rtmfp://host[:port]/app; 1935 when no
// port is given (the RTMFP/RTMP default the servers use).
inline constexpr std::uint16_t default_rtmfp_port = 1935;

struct rtmfp_uri {
    std::string text;  // the URI exactly as given (the Flash-form EPD)
    std::string host;  // without brackets for IPv6 literals
    std::uint16_t port = default_rtmfp_port;
    std::string app;   // everything after the first '/' past the authority
};

// Returns an empty string on success, else why the URI is not usable.
std::string parse_rtmfp_uri(std::string_view text, rtmfp_uri& out);

// "host:port" or "[v6]:port"; the port is required.
std::string parse_host_port(std::string_view text, std::string& host, std::uint16_t& port);

struct endpoint {
    sockaddr_storage addr{};
    socklen_t length = 0;
    int family() const noexcept { return addr.ss_family; }
};

// Resolves host (name or literal) for UDP; every address found, IPv4 and
// IPv6 in resolver order. Empty string on success, else the resolver's error.
std::string resolve(const std::string& host, std::uint16_t port, std::vector<endpoint>& out);

// The server of a URI: resolved, kept to `family` (AF_UNSPEC: any), the
// first address. Empty string on success, else a message for the user.
std::string resolve_server(const rtmfp_uri& uri, int family, endpoint& out);

std::string format_endpoint(const endpoint& e);
// Same address and port (replies must come from where the request went).
bool same_endpoint(const endpoint& a, const endpoint& b) noexcept;

} // namespace strato::peer
