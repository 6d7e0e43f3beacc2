#include "dataplane/stratod/ring_port.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>

namespace strato::stratod {

ring_port::ring_port(const std::string& name, unsigned ring_size, unsigned mbufs, unsigned tx_queues) {
    const int socket = static_cast<int>(rte_socket_id());
    rx_ = rte_ring_create((name + "_rx").c_str(), ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ = rte_ring_create((name + "_tx").c_str(), ring_size, socket, tx_queues > 1 ? RING_F_SC_DEQ : RING_F_SP_ENQ | RING_F_SC_DEQ);
    pool_ = rte_pktmbuf_pool_create((name + "_in").c_str(), mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (!rx_ || !tx_ || !pool_) return;
    tx_queues = std::max(1u, std::min(tx_queues, 16u));
    rte_ring* tx[16];
    for (unsigned i = 0; i < tx_queues; ++i) tx[i] = tx_;
    port_id_ = rte_eth_from_rings(name.c_str(), &rx_, 1, tx, tx_queues, static_cast<unsigned>(socket));
    char dev[RTE_ETH_NAME_MAX_LEN];
    if (port_id_ >= 0 && rte_eth_dev_get_name_by_port(static_cast<std::uint16_t>(port_id_), dev) == 0) device_name_ = dev;
}

ring_port::~ring_port() {
    rte_mbuf* m = nullptr;
    if (rx_) while (rte_ring_dequeue(rx_, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
    if (tx_) while (rte_ring_dequeue(tx_, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
    // The ethdev itself is closed by the runtime's teardown; rings and pool
    // go with this object.
    rte_ring_free(rx_);
    rte_ring_free(tx_);
    rte_mempool_free(pool_);
}

bool ring_port::inject(std::span<const std::uint8_t> frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) return false;
    char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size()));
    if (!p) {
        rte_pktmbuf_free(m);
        return false;
    }
    std::memcpy(p, frame.data(), frame.size());
    if (rte_ring_enqueue(rx_, m) != 0) {
        rte_pktmbuf_free(m);
        return false;
    }
    return true;
}

std::vector<std::vector<std::uint8_t>> ring_port::collect(std::size_t want, unsigned timeout_ms) {
    std::vector<std::vector<std::uint8_t>> out;
    const std::uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() * timeout_ms / 1000;
    while (true) {
        rte_mbuf* m = nullptr;
        while (rte_ring_dequeue(tx_, reinterpret_cast<void**>(&m)) == 0) {
            const auto* d = rte_pktmbuf_mtod(m, const std::uint8_t*);
            out.emplace_back(d, d + rte_pktmbuf_data_len(m));
            rte_pktmbuf_free(m);
        }
        if (out.size() >= want || rte_get_tsc_cycles() > deadline) break;
        rte_delay_us_sleep(200);
    }
    return out;
}

} // namespace strato::stratod
