#pragma once
// The small table of I/O backends the generator runs on (Knot DNS style):
// kernel UDP sockets with sendmmsg/recvmmsg, or a DPDK port on which the
// generator crafts Ethernet/IPv4/UDP itself. Both move bursts of RTMFP
// datagrams; the generator never sees which one it has.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dataplane/wire/address.hpp"
#include "tools/strato-load/options.hpp"

namespace strato::load {

struct tx_datagram {
    const std::uint8_t* data = nullptr;
    std::uint16_t length = 0;
    std::uint32_t source_ip = 0;    // host order; dpdk only (kernel: the socket's)
    std::uint16_t source_port = 0;  // dpdk only
    std::uint16_t socket = 0;       // kernel only: which socket sends it
};

struct rx_datagram {
    const std::uint8_t* data = nullptr;
    std::uint16_t length = 0;
    std::uint32_t destination_ip = 0;  // host order; 0 when the backend cannot tell
};

struct backend_counters {
    std::uint64_t tx_failed = 0;   // handed to the backend but not sent (ring or socket buffer full)
    std::uint64_t rx_other = 0;    // frames/datagrams that were not from the target
    std::uint64_t arp_replies = 0; // dpdk: ARP requests we answered
};

class io_backend {
public:
    virtual ~io_backend() = default;
    // Sends what it can; returns how many went out (the rest: tx_failed).
    virtual std::size_t send(std::span<const tx_datagram> burst) noexcept = 0;
    // Fills up to out.size() datagrams from the target. They stay valid
    // until the next receive() call.
    virtual std::size_t receive(std::span<rx_datagram> out) noexcept = 0;
    virtual const backend_counters& counters() const noexcept = 0;
    virtual unsigned sockets() const noexcept { return 1; }
    // The address the target sees for socket i (a listener's setPeerInfo);
    // false when the backend cannot tell.
    virtual bool local_address(unsigned /*socket*/, wire::socket_address& /*out*/) const noexcept { return false; }
};

// Both return nullptr with `error` set when setup fails.
std::unique_ptr<io_backend> make_kernel_backend(const load_options& o, std::string& error);
std::unique_ptr<io_backend> make_dpdk_backend(const load_options& o, std::string& error);

} // namespace strato::load
