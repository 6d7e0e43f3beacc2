#include "tools/strato-peer/transport.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace strato::peer {

udp_transport::~udp_transport() {
    if (fd_ >= 0) ::close(fd_);
}

std::string udp_transport::open(const endpoint& toward) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::socket(toward.family(), SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
    // A burst of RHellos (--count) must not overflow a small default buffer.
    int size = 1 << 20;
    (void)::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    return "";
}

std::string udp_transport::connect_to(const endpoint& server) {
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&server.addr), server.length) != 0)
        return std::string("connect ") + format_endpoint(server) + ": " + std::strerror(errno);
    return "";
}

std::string udp_transport::send(const endpoint& to, wire::bytes datagram) {
    for (;;) {
        const auto n = ::sendto(fd_, datagram.data(), datagram.size(), 0,
                                reinterpret_cast<const sockaddr*>(&to.addr), to.length);
        if (n >= 0) {
            if (static_cast<std::size_t>(n) != datagram.size()) return "short send";
            return "";
        }
        if (errno == EINTR) continue;
        return std::string("sendto ") + format_endpoint(to) + ": " + std::strerror(errno);
    }
}

received udp_transport::receive(wire::mutable_bytes buffer, steady::time_point deadline) {
    received r;
    for (;;) {
        // A deadline already due still looks at the socket (poll with 0): a
        // caller whose timers are due at once must not starve its receiving.
        const auto left = std::max<std::chrono::milliseconds::rep>(
            0, std::chrono::ceil<std::chrono::milliseconds>(deadline - steady::now()).count());
        pollfd p{fd_, POLLIN, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left));
        if (rc < 0) {
            if (errno == EINTR) continue;
            r.status = receive_status::error;
            r.error = std::string("poll: ") + std::strerror(errno);
            return r;
        }
        if (rc == 0) {
            if (left == 0) return r;  // timeout
            continue;                 // re-check the deadline
        }
        socklen_t len = sizeof r.from.addr;
        const auto n = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_TRUNC,
                                  reinterpret_cast<sockaddr*>(&r.from.addr), &len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            r.status = receive_status::error;
            r.error = std::strerror(errno);
            return r;
        }
        r.from.length = len;
        r.status = receive_status::datagram;
        // MSG_TRUNC reports the real size: a datagram bigger than the buffer
        // is still seen (and rejected) at its true length.
        r.length = static_cast<std::size_t>(n);
        return r;
    }
}

endpoint udp_transport::local() const {
    endpoint e;
    e.length = sizeof e.addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&e.addr), &e.length) != 0) e.length = 0;
    return e;
}

} // namespace strato::peer
