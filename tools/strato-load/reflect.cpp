#include "tools/strato-load/reflect.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

namespace strato::load {

int run_reflector(const load_options& o, volatile const int& stop_flag) {
    std::vector<peer::endpoint> eps;
    if (auto e = peer::resolve(o.listen_host, o.listen_port, eps); !e.empty()) {
        std::fprintf(stderr, "strato-load: --listen: %s\n", e.c_str());
        return exit_usage;
    }
    const int fd = ::socket(eps.front().family(), SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    int size = 8 << 20;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&eps.front().addr), eps.front().length) != 0) {
        std::fprintf(stderr, "strato-load: reflect on %s:%u: %s\n", o.listen_host.c_str(), o.listen_port,
                     std::strerror(errno));
        return exit_runtime;
    }
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    constexpr std::size_t burst = 64, slot = 2048;
    std::vector<std::uint8_t> buffers(burst * slot);
    std::array<mmsghdr, burst> msgs{};
    std::array<iovec, burst> iov{};
    std::array<sockaddr_storage, burst> from{};
    std::printf("reflecting on %s:%u\n", o.listen_host.c_str(), o.listen_port);
    std::fflush(stdout);
    const auto t0 = std::chrono::steady_clock::now();
    unsigned long long echoed = 0;
    while (!stop_flag) {
        if (o.duration > 0 && std::chrono::steady_clock::now() - t0 > std::chrono::duration<double>(o.duration)) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        for (std::size_t i = 0; i < burst; ++i) {
            iov[i] = iovec{buffers.data() + i * slot, slot};
            msgs[i] = mmsghdr{};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        const int n = ::recvmmsg(fd, msgs.data(), burst, MSG_DONTWAIT, nullptr);
        if (n <= 0) continue;
        // Send back exactly what came in: lengths become the iov lengths.
        for (int i = 0; i < n; ++i) iov[static_cast<std::size_t>(i)].iov_len = msgs[static_cast<std::size_t>(i)].msg_len;
        int done = 0;
        while (done < n) {
            const int rc = ::sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(n - done), 0);
            if (rc <= 0) break;
            done += rc;
        }
        echoed += static_cast<unsigned long long>(done);
    }
    ::close(fd);
    std::printf("reflected %llu datagrams\n", echoed);
    return exit_ok;
}

} // namespace strato::load
