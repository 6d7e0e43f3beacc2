#pragma once
// An ethdev backed by two rte_rings, for in-process tests and benchmarks:
// the test (or a feeder lcore) enqueues frames the worker will receive, and
// dequeues what the worker transmits. Exact bytes in, exact bytes out.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

struct rte_ring;
struct rte_mempool;
struct rte_mbuf;

namespace strato::stratod {

class ring_port {
public:
    // The ring PMD names the device "net_ring_<name>": use device_name() as
    // the config's device.
    // tx_queues > 1: that many TX queues sharing one (multi-producer) TX
    // ring, so that several workers can transmit on the port.
    ring_port(const std::string& name, unsigned ring_size = 4096, unsigned mbufs = 8191, unsigned tx_queues = 1);
    ~ring_port();
    ring_port(const ring_port&) = delete;
    ring_port& operator=(const ring_port&) = delete;

    bool ok() const noexcept { return port_id_ >= 0; }
    std::uint16_t port_id() const noexcept { return static_cast<std::uint16_t>(port_id_); }
    const std::string& device_name() const noexcept { return device_name_; }
    rte_ring* rx_ring() const noexcept { return rx_; }
    rte_ring* tx_ring() const noexcept { return tx_; }
    rte_mempool* pool() const noexcept { return pool_; }

    // Copies a frame into an mbuf and queues it for the worker to receive.
    bool inject(std::span<const std::uint8_t> frame);
    // Waits up to timeout_ms for at least `want` transmitted frames; returns all collected.
    std::vector<std::vector<std::uint8_t>> collect(std::size_t want, unsigned timeout_ms);

private:
    rte_ring* rx_ = nullptr;
    rte_ring* tx_ = nullptr;
    rte_mempool* pool_ = nullptr;
    int port_id_ = -1;
    std::string device_name_;
};

} // namespace strato::stratod
