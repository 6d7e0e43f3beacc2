#include "tools/strato-peer/peer_io.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "tools/strato-peer/connection.hpp"

namespace strato::peer {

time_us now_us() {
    return static_cast<time_us>(
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now().time_since_epoch()).count());
}

endpoint to_endpoint(const wire::socket_address& a) {
    endpoint e;
    if (a.ipv6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(&e.addr);
        s->sin6_family = AF_INET6;
        std::memcpy(&s->sin6_addr, a.ip.data(), 16);
        s->sin6_port = htons(a.port);
        e.length = sizeof(sockaddr_in6);
    } else {
        auto* s = reinterpret_cast<sockaddr_in*>(&e.addr);
        s->sin_family = AF_INET;
        s->sin_addr.s_addr = htonl(a.ipv4_host_order());
        s->sin_port = htons(a.port);
        e.length = sizeof(sockaddr_in);
    }
    return e;
}

void socket_sender::send_to(const wire::socket_address& to, wire::bytes d) noexcept {
    ++datagrams;
    if (t == nullptr) return;
    auto e = t->send(to_endpoint(to), d);
    if (!e.empty() && error.empty()) error = e;
}

std::string local_address_toward(const endpoint& server, std::uint16_t port) {
    const int fd = ::socket(server.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "";
    endpoint local;
    local.length = sizeof local.addr;
    std::string out;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&server.addr), server.length) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local.addr), &local.length) == 0) {
        auto a = to_socket_address(local);
        a.port = port;
        out = address_text(a);
    }
    ::close(fd);
    return out;
}

std::uint16_t local_port(const udp_transport& t) {
    const endpoint e = t.local();
    if (e.length == 0) return 0;
    return to_socket_address(e).port;
}

void transport_out::send(wire::bytes d) noexcept {
    auto e = t->send(to, d);
    if (!e.empty() && error.empty()) error = e;
}

} // namespace strato::peer
