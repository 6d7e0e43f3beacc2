// Kernel UDP sockets: works anywhere, no DPDK. Many source ports come from
// many sockets (each bound to its own ephemeral port); bursts go out with one
// sendmmsg per socket and come back with recvmmsg on the sockets epoll says
// are readable, so the syscall count per packet stays near 1/batch.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "tools/strato-load/backend.hpp"

namespace strato::load {

namespace {

constexpr std::size_t max_burst = 256;
constexpr std::size_t rx_slot = 2048;

class kernel_backend final : public io_backend {
public:
    ~kernel_backend() override {
        for (int fd : fds_) ::close(fd);
        if (epoll_ >= 0) ::close(epoll_);
    }

    std::string open(const load_options& o) {
        std::vector<peer::endpoint> targets;
        if (auto e = peer::resolve(o.target.host, o.target.port, targets); !e.empty()) return "--target: " + e;
        target_ = targets.front();
        sockaddr_storage local{};
        socklen_t local_len = 0;
        if (!o.bind_host.empty()) {
            std::vector<peer::endpoint> b;
            if (auto e = peer::resolve(o.bind_host, 0, b); !e.empty()) return "--bind: " + e;
            local = b.front().addr;
            local_len = b.front().length;
            if (local.ss_family != target_.family()) return "--bind: not the address family of --target";
        }
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) return std::string("epoll_create1: ") + std::strerror(errno);
        for (unsigned i = 0; i < o.sockets; ++i) {
            const int fd = ::socket(target_.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
            if (fd < 0) return std::string("socket: ") + std::strerror(errno);
            fds_.push_back(fd);
            // A few ms of replies at full rate must fit while we are sending.
            int size = 4 << 20;
            (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
            (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
            if (local_len != 0 && ::bind(fd, reinterpret_cast<const sockaddr*>(&local), local_len) != 0)
                return std::string("bind ") + o.bind_host + ": " + std::strerror(errno);
            // connect() pins the target: the kernel filters other senders and
            // sendmmsg needs no address per message.
            if (::connect(fd, reinterpret_cast<const sockaddr*>(&target_.addr), target_.length) != 0)
                return std::string("connect: ") + std::strerror(errno);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u32 = i;
            if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) return std::string("epoll_ctl: ") + std::strerror(errno);
        }
        rx_buffers_.resize(max_burst * rx_slot);
        return "";
    }

    std::size_t send(std::span<const tx_datagram> burst) noexcept override {
        std::size_t sent = 0, i = 0;
        // Consecutive datagrams for the same socket go out in one sendmmsg.
        while (i < burst.size()) {
            const std::uint16_t s = burst[i].socket;
            std::size_t n = 0;
            while (i + n < burst.size() && burst[i + n].socket == s && n < max_burst) {
                iov_[n] = iovec{const_cast<std::uint8_t*>(burst[i + n].data), burst[i + n].length};
                tx_msgs_[n] = mmsghdr{};
                tx_msgs_[n].msg_hdr.msg_iov = &iov_[n];
                tx_msgs_[n].msg_hdr.msg_iovlen = 1;
                ++n;
            }
            const int fd = fds_[s % fds_.size()];
            std::size_t done = 0;
            while (done < n) {
                const int rc = ::sendmmsg(fd, tx_msgs_.data() + done, static_cast<unsigned>(n - done), 0);
                if (rc < 0) {
                    if (errno == EINTR) continue;
                    break;  // EAGAIN (buffer full) or ECONNREFUSED (ICMP): the rest is lost
                }
                done += static_cast<std::size_t>(rc);
            }
            sent += done;
            counters_.tx_failed += n - done;
            i += n;
        }
        return sent;
    }

    std::size_t receive(std::span<rx_datagram> out) noexcept override {
        if (out.size() > max_burst) out = out.first(max_burst);
        std::array<epoll_event, 64> ready;
        const int nready = ::epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 0);
        std::size_t got = 0;
        for (int r = 0; r < nready && got < out.size(); ++r) {
            const int fd = fds_[ready[static_cast<std::size_t>(r)].data.u32];
            const std::size_t want = out.size() - got;
            for (std::size_t k = 0; k < want; ++k) {
                rx_iov_[k] = iovec{rx_buffers_.data() + (got + k) * rx_slot, rx_slot};
                rx_msgs_[k] = mmsghdr{};
                rx_msgs_[k].msg_hdr.msg_iov = &rx_iov_[k];
                rx_msgs_[k].msg_hdr.msg_iovlen = 1;
            }
            const int rc = ::recvmmsg(fd, rx_msgs_.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
            if (rc <= 0) continue;  // EAGAIN, or an ICMP error reported on the socket
            for (int k = 0; k < rc; ++k) {
                const auto& m = rx_msgs_[static_cast<std::size_t>(k)];
                if (m.msg_hdr.msg_flags & MSG_TRUNC) {
                    ++counters_.rx_other;
                    continue;
                }
                out[got++] = rx_datagram{static_cast<const std::uint8_t*>(m.msg_hdr.msg_iov->iov_base),
                                         static_cast<std::uint16_t>(m.msg_len), 0};
            }
        }
        return got;
    }

    const backend_counters& counters() const noexcept override { return counters_; }
    unsigned sockets() const noexcept override { return static_cast<unsigned>(fds_.size()); }
    bool local_address(unsigned socket, wire::socket_address& out) const noexcept override {
        // connect() picked the source address, so getsockname names it.
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        if (::getsockname(fds_[socket % fds_.size()], reinterpret_cast<sockaddr*>(&a), &len) != 0) return false;
        if (a.ss_family == AF_INET) {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
            out = wire::socket_address::v4(ntohl(v4->sin_addr.s_addr), ntohs(v4->sin_port));
            return true;
        }
        if (a.ss_family == AF_INET6) {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
            std::uint8_t ip[16];
            std::memcpy(ip, &v6->sin6_addr, 16);
            out = wire::socket_address::v6(ip, ntohs(v6->sin6_port));
            return true;
        }
        return false;
    }

private:
    peer::endpoint target_;
    std::vector<int> fds_;
    int epoll_ = -1;
    std::array<mmsghdr, max_burst> tx_msgs_{};
    std::array<iovec, max_burst> iov_{};
    std::array<mmsghdr, max_burst> rx_msgs_{};
    std::array<iovec, max_burst> rx_iov_{};
    std::vector<std::uint8_t> rx_buffers_;
    backend_counters counters_;
};

} // namespace

std::unique_ptr<io_backend> make_kernel_backend(const load_options& o, std::string& error) {
    auto b = std::make_unique<kernel_backend>();
    error = b->open(o);
    if (!error.empty()) return nullptr;
    return b;
}

} // namespace strato::load
