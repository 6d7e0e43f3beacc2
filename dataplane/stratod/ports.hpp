#pragma once
// EAL arguments and port bring-up from the validated config. Every check that
// can fail without touching a device runs in plan_ports(); only then are
// ports configured.
#include <cstdint>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/udp.hpp"

struct rte_mempool;

namespace strato::stratod {

// The EAL command line: argv[0], the config's EAL args, a device argument per
// port (-a PCI or --vdev=...), the lcore list unless given, then extra args.
std::vector<std::string> build_eal_args(const control::stratod_config& cfg, const std::vector<std::string>& extra);

// The DPDK device name of a configured device (the vdev name before the first
// comma, or the PCI address).
std::string device_name(const control::port_config& p);

struct port_runtime {
    std::uint16_t port_id = 0;
    std::string name;
    std::uint16_t rx_queues = 1;
    std::uint16_t tx_queues = 1;
    bool rss = false;
    net::checksum_mode checksum = net::checksum_mode::software;
    net::l3_config l3;
    rte_mempool* pool = nullptr;
};

struct queue_plan {
    std::uint32_t lcore = 0;
    std::uint16_t port_index = 0;
    std::uint16_t queue = 0;
};

// Brings every port up: mempool, queues (RSS when the device can spread UDP
// over the configured queues, one queue otherwise), offloads, start. On
// failure returns false with a message naming the port and the reason.
// `queues` is updated when a device cannot do RSS (its queues collapse to 0).
[[nodiscard]] bool start_ports(const control::stratod_config& cfg, std::vector<port_runtime>& ports,
                               std::vector<queue_plan>& queues, std::string& error);
void stop_ports(const std::vector<port_runtime>& ports);

} // namespace strato::stratod
