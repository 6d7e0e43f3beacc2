#include "dataplane/stratod/ports.hpp"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/stratod/log.hpp"

namespace strato::stratod {

std::string device_name(const control::port_config& p) {
    if (p.kind_ == control::device_kind::pci) return p.device_;
    return p.device_.substr(0, p.device_.find(','));
}

std::vector<std::string> build_eal_args(const control::stratod_config& cfg, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"stratod"};
    bool has_lcores = false;
    for (const auto& a : cfg.eal_.args_) {
        if (a == "-l" || a.rfind("-l", 0) == 0 || a.rfind("--lcores", 0) == 0 || a == "-c") has_lcores = true;
        args.push_back(a);
    }
    for (const auto& a : extra)
        if (a == "-l" || a.rfind("--lcores", 0) == 0 || a == "-c") has_lcores = true;
    for (const auto& p : cfg.ports_) {
        if (p.kind_ == control::device_kind::pci) {
            args.push_back("-a");
            args.push_back(p.device_);
        } else {
            args.push_back("--vdev=" + p.device_);
        }
    }
    if (!has_lcores) {
        std::string list = std::to_string(cfg.workers_.main_lcore_);
        for (auto l : cfg.workers_.lcores_) {
            list += ',';
            list += std::to_string(l);
        }
        args.push_back("-l");
        args.push_back(list);
        args.push_back("--main-lcore=" + std::to_string(cfg.workers_.main_lcore_));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

namespace {

net::l3_config l3_of(const control::stratod_config& cfg, const control::port_config& p, const rte_ether_addr& mac) {
    net::l3_config l3;
    std::memcpy(l3.mac.bytes.data(), mac.addr_bytes, 6);
    for (const auto& a : p.ipv4_) {
        if (l3.ipv4_count == net::l3_config::max_ipv4) break;
        auto& slot = l3.ipv4[l3.ipv4_count++];
        std::memcpy(slot.address.bytes.data(), a.address_.data(), 4);
        slot.prefix_len = a.length_;
    }
    for (const auto& a : p.ipv6_) {
        if (l3.ipv6_count == net::l3_config::max_ipv6) break;
        auto& slot = l3.ipv6[l3.ipv6_count++];
        std::memcpy(slot.address.bytes.data(), a.address_.data(), 16);
        slot.prefix_len = a.length_;
    }
    for (auto port : cfg.server_.udp_ports_) {
        if (l3.udp_port_count == net::l3_config::max_udp_ports) break;
        l3.udp_ports[l3.udp_port_count++] = port;
    }
    return l3;
}

} // namespace

bool start_ports(const control::stratod_config& cfg, std::vector<port_runtime>& ports, std::vector<queue_plan>& queues,
                 std::string& error) {
    const std::uint16_t workers = static_cast<std::uint16_t>(cfg.workers_.lcores_.size());
    for (std::size_t i = 0; i < cfg.ports_.size(); ++i) {
        const auto& pc = cfg.ports_[i];
        port_runtime rt;
        rt.name = device_name(pc);
        const std::string where = "ports[" + std::to_string(i) + "] (" + pc.device_ + "): ";
        if (rte_eth_dev_get_port_by_name(rt.name.c_str(), &rt.port_id) != 0) {
            error = where + "no such DPDK device after EAL start (check the device string and drivers)";
            return false;
        }
        rte_eth_dev_info info{};
        if (int rc = rte_eth_dev_info_get(rt.port_id, &info); rc != 0) {
            error = where + "cannot read device info: " + rte_strerror(-rc);
            return false;
        }
        std::uint16_t wanted_rx = 0;
        for (const auto& q : queues)
            if (q.port_index == i) wanted_rx = std::max<std::uint16_t>(wanted_rx, static_cast<std::uint16_t>(q.queue + 1));
        wanted_rx = std::max<std::uint16_t>(wanted_rx, 1);

        rte_eth_conf conf{};
        const std::uint64_t rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
        if (wanted_rx > 1 && rss_hf != 0) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
            rt.rss = true;
        } else if (wanted_rx > 1) {
            log(log_level::warn, "%sdevice %s cannot spread UDP with RSS; using one RX queue", where.c_str(),
                info.driver_name);
            wanted_rx = 1;
            std::erase_if(queues, [&](const queue_plan& q) { return q.port_index == i && q.queue != 0; });
        }
        if (wanted_rx > info.max_rx_queues) {
            error = where + std::to_string(wanted_rx) + " RX queues wanted, the device has " +
                    std::to_string(info.max_rx_queues);
            return false;
        }
        // Each worker owns one TX queue on every port: no locks on TX.
        if (workers > info.max_tx_queues) {
            error = where + std::to_string(workers) + " workers need as many TX queues, the device has " +
                    std::to_string(info.max_tx_queues) + " (for net_af_packet set qpairs=N)";
            return false;
        }
        rt.rx_queues = wanted_rx;
        rt.tx_queues = workers;
        const std::uint64_t cksum = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
        if ((info.tx_offload_capa & cksum) == cksum) {
            conf.txmode.offloads |= cksum;
            rt.checksum = net::checksum_mode::offload;
        }
        if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_CHECKSUM;

        if (int rc = rte_eth_dev_configure(rt.port_id, rt.rx_queues, rt.tx_queues, &conf); rc != 0) {
            error = where + "configure failed: " + rte_strerror(-rc);
            return false;
        }
        std::uint16_t nb_rxd = 1024, nb_txd = 1024;
        (void)rte_eth_dev_adjust_nb_rx_tx_desc(rt.port_id, &nb_rxd, &nb_txd);
        const int socket = rte_eth_dev_socket_id(rt.port_id);
        const unsigned sock = socket < 0 ? 0u : static_cast<unsigned>(socket);
        const std::string pool_name = "strato_" + rt.name;
        rte_mempool* pool = rte_pktmbuf_pool_create(pool_name.c_str(), cfg.mempool_.mbufs_per_port_,
                                                    std::min<std::uint32_t>(cfg.mempool_.cache_size_, RTE_MEMPOOL_CACHE_MAX_SIZE),
                                                    0, static_cast<std::uint16_t>(cfg.mempool_.mbuf_data_size_),
                                                    static_cast<int>(sock));
        rt.pool = pool;
        if (!pool) {
            error = where + "cannot create a pool of " + std::to_string(cfg.mempool_.mbufs_per_port_) +
                    " mbufs: " + rte_strerror(rte_errno) + " (lower mempool.mbufs_per_port or give EAL more memory)";
            return false;
        }
        for (std::uint16_t q = 0; q < rt.rx_queues; ++q) {
            rte_eth_rxconf rxq = info.default_rxconf;
            rxq.offloads = conf.rxmode.offloads;
            if (int rc = rte_eth_rx_queue_setup(rt.port_id, q, nb_rxd, sock, &rxq, pool); rc != 0) {
                error = where + "RX queue " + std::to_string(q) + " setup failed: " + rte_strerror(-rc);
                return false;
            }
        }
        for (std::uint16_t q = 0; q < rt.tx_queues; ++q) {
            rte_eth_txconf txq = info.default_txconf;
            txq.offloads = conf.txmode.offloads;
            if (int rc = rte_eth_tx_queue_setup(rt.port_id, q, nb_txd, sock, &txq); rc != 0) {
                error = where + "TX queue " + std::to_string(q) + " setup failed: " + rte_strerror(-rc);
                return false;
            }
        }
        if (pc.mac_) {
            rte_ether_addr m{};
            std::memcpy(m.addr_bytes, pc.mac_->bytes_.data(), 6);
            // Virtual ports (ring, af_packet) have no MAC filter to program;
            // the configured MAC is still the one we answer and send with.
            if (int rc = rte_eth_dev_default_mac_addr_set(rt.port_id, &m); rc != 0)
                log(log_level::debug, "%sdevice keeps its MAC filter (%s); answering as the configured MAC",
                    where.c_str(), rte_strerror(-rc));
        }
        if (pc.mtu_ != 1500) (void)rte_eth_dev_set_mtu(rt.port_id, pc.mtu_);
        if (int rc = rte_eth_dev_start(rt.port_id); rc != 0) {
            error = where + "start failed: " + rte_strerror(-rc);
            return false;
        }
        rte_ether_addr mac{};
        (void)rte_eth_macaddr_get(rt.port_id, &mac);
        if (pc.mac_) std::memcpy(mac.addr_bytes, pc.mac_->bytes_.data(), 6);
        rt.l3 = l3_of(cfg, pc, mac);
        char macs[RTE_ETHER_ADDR_FMT_SIZE];
        rte_ether_format_addr(macs, sizeof macs, &mac);
        log(log_level::info, "port %zu %s: driver %s, mac %s, %u RX queue(s)%s, %u TX queue(s), checksums %s", i,
            rt.name.c_str(), info.driver_name, macs, rt.rx_queues, rt.rss ? " with RSS" : "", rt.tx_queues,
            rt.checksum == net::checksum_mode::offload ? "offloaded" : "in software");
        ports.push_back(rt);
    }
    return true;
}

void stop_ports(const std::vector<port_runtime>& ports) {
    for (const auto& p : ports) {
        (void)rte_eth_dev_stop(p.port_id);
        (void)rte_eth_dev_close(p.port_id);
        rte_mempool_free(p.pool);
    }
}

} // namespace strato::stratod
