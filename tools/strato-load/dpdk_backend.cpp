// The DPDK backend: its own EAL (a unique --file-prefix, so it runs beside
// stratod on one host), one port with one RX and one TX queue. It writes
// Ethernet/IPv4/UDP itself, so every packet can carry any source address
// and port of the configured prefixes (the spoofed scenario needs that),
// answers ARP for the legitimate prefix (stratod then reaches our peers the
// normal way) and resolves the server's MAC with ARP unless given.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/net/udp.hpp"
#include "tools/strato-load/backend.hpp"

namespace strato::load {

namespace {

constexpr std::size_t max_burst = 256;
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_arp = 0x0806;
constexpr std::size_t arp_frame = 14 + 28;

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void put16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

// RFC 826 Ethernet/IPv4 ARP, padded to the 60-byte Ethernet minimum.
std::size_t write_arp(std::uint8_t* f, std::uint16_t op, const net::mac_address& eth_dst, const net::mac_address& sha,
                      std::uint32_t spa, const net::mac_address& tha, std::uint32_t tpa) noexcept {
    std::memset(f, 0, 60);
    std::memcpy(f, eth_dst.bytes.data(), 6);
    std::memcpy(f + 6, sha.bytes.data(), 6);
    put16(f + 12, ethertype_arp);
    std::uint8_t* a = f + 14;
    put16(a, 1);
    put16(a + 2, ethertype_ipv4);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    std::memcpy(a + 8, sha.bytes.data(), 6);
    put32(a + 14, spa);
    std::memcpy(a + 18, tha.bytes.data(), 6);
    put32(a + 24, tpa);
    return 60;
}

class dpdk_backend final : public io_backend {
public:
    ~dpdk_backend() override {
        release_held();
        if (started_) {
            (void)rte_eth_dev_stop(port_);
            (void)rte_eth_dev_close(port_);
        }
        if (eal_) (void)rte_eal_cleanup();
    }

    std::string open(const load_options& o) {
        o_ = &o;
        if (!parse_ipv4(o.target.host, server_ip_)) return "--target: not an IPv4 literal";
        if (std::uint64_t{o.source_port_base} + o.ports_per_address > 65536)
            return "--source-port-base + --ports-per-address exceeds 65535";
        // EAL: no hugepages, a prefix of our own so stratod's runtime files
        // are never touched, the one device we are given.
        const bool pci = o.dpdk_device.find("net_") != 0;
        args_ = {"strato-load", "-l", std::to_string(o.lcore), "--no-huge", "-m", "512",
                 "--file-prefix", "strato-load-" + std::to_string(::getpid()), "--log-level", "*:warning"};
        if (pci) {
            args_.insert(args_.end(), {"-a", o.dpdk_device});
        } else {
            args_.insert(args_.end(), {"--no-pci", "--vdev", o.dpdk_device});
        }
        for (const auto& a : o.eal_args) args_.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args_) argv.push_back(a.data());
        if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
            return std::string("EAL init failed: ") + rte_strerror(rte_errno);
        eal_ = true;
        if (rte_eth_dev_count_avail() == 0) return "--dpdk-device " + o.dpdk_device + ": no port came up";
        // Our EAL sees exactly the one device we asked for.
        port_ = static_cast<std::uint16_t>(rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER));
        pool_ = rte_pktmbuf_pool_create("strato_load", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
        if (!pool_) return std::string("mbuf pool: ") + rte_strerror(rte_errno);
        rte_eth_conf conf{};
        if (int rc = rte_eth_dev_configure(port_, 1, 1, &conf); rc != 0)
            return std::string("port configure: ") + rte_strerror(-rc);
        std::uint16_t nrx = 2048, ntx = 2048;
        (void)rte_eth_dev_adjust_nb_rx_tx_desc(port_, &nrx, &ntx);
        const int sock = rte_eth_dev_socket_id(port_);
        const unsigned s = sock < 0 ? 0u : static_cast<unsigned>(sock);
        if (int rc = rte_eth_rx_queue_setup(port_, 0, nrx, s, nullptr, pool_); rc != 0)
            return std::string("RX queue: ") + rte_strerror(-rc);
        if (int rc = rte_eth_tx_queue_setup(port_, 0, ntx, s, nullptr); rc != 0)
            return std::string("TX queue: ") + rte_strerror(-rc);
        if (int rc = rte_eth_dev_start(port_); rc != 0) return std::string("port start: ") + rte_strerror(-rc);
        started_ = true;
        (void)rte_eth_promiscuous_enable(port_);
        rte_ether_addr m{};
        (void)rte_eth_macaddr_get(port_, &m);
        std::memcpy(mac_.bytes.data(), m.addr_bytes, 6);
        if (!o.server_mac.empty()) {
            unsigned b[6];
            (void)std::sscanf(o.server_mac.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
            for (int i = 0; i < 6; ++i) server_mac_.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(b[i]);
            return "";
        }
        return resolve_server();
    }

    std::size_t send(std::span<const tx_datagram> burst) noexcept override {
        if (burst.size() > max_burst) burst = burst.first(max_burst);
        rte_mbuf* m[max_burst];
        const auto n = static_cast<unsigned>(burst.size());
        if (rte_pktmbuf_alloc_bulk(pool_, m, n) != 0) {
            counters_.tx_failed += n;
            return 0;
        }
        constexpr std::size_t off = net::udp_payload_offset(false, false);
        std::size_t ready = 0;
        for (unsigned i = 0; i < n; ++i) {
            const tx_datagram& d = burst[i];
            auto* frame = rte_pktmbuf_mtod(m[i], std::uint8_t*);
            if (d.length == 0 || off + d.length > rte_pktmbuf_tailroom(m[i])) {
                rte_pktmbuf_free(m[i]);
                continue;
            }
            std::memcpy(frame + off, d.data, d.length);
            net::udp_route route;
            route.source_mac = mac_;
            route.destination_mac = server_mac_;
            route.source = wire::socket_address::v4(d.source_ip, d.source_port);
            route.destination = wire::socket_address::v4(server_ip_, o_->target.port);
            const auto f = net::write_udp_headers(route, std::span<std::uint8_t>(frame, off + d.length), d.length,
                                                  net::checksum_mode::software);
            if (f.frame_length == 0) {
                rte_pktmbuf_free(m[i]);
                continue;
            }
            m[i]->data_len = static_cast<std::uint16_t>(f.frame_length);
            m[i]->pkt_len = f.frame_length;
            m[ready++] = m[i];
        }
        // A full TX ring is backpressure, not loss: retry briefly so an
        // open-loop run settles at what the port carries.
        std::uint16_t sent = 0;
        for (int attempt = 0; attempt < 64 && sent < ready; ++attempt)
            sent = static_cast<std::uint16_t>(sent + rte_eth_tx_burst(port_, 0, m + sent, static_cast<std::uint16_t>(ready - sent)));
        for (std::size_t i = sent; i < ready; ++i) rte_pktmbuf_free(m[i]);
        counters_.tx_failed += ready - sent;
        return sent;
    }

    std::size_t receive(std::span<rx_datagram> out) noexcept override {
        release_held();
        if (out.size() > max_burst) out = out.first(max_burst);
        rte_mbuf* m[max_burst];
        const std::uint16_t n = rte_eth_rx_burst(port_, 0, m, static_cast<std::uint16_t>(out.size()));
        std::size_t got = 0;
        for (std::uint16_t i = 0; i < n; ++i) {
            const auto* f = rte_pktmbuf_mtod(m[i], const std::uint8_t*);
            const std::size_t len = rte_pktmbuf_data_len(m[i]);
            if (len >= arp_frame && be16(f + 12) == ethertype_arp) {
                handle_arp(f);
                rte_pktmbuf_free(m[i]);
                continue;
            }
            // IPv4 (no options) UDP from the server's address and port.
            if (len < 42 || be16(f + 12) != ethertype_ipv4 || (f[14] >> 4) != 4 || f[14 + 9] != 17) {
                ++counters_.rx_other;
                rte_pktmbuf_free(m[i]);
                continue;
            }
            const std::size_t ihl = (f[14] & 0x0fu) * 4u;
            const std::uint8_t* udp = f + 14 + ihl;
            if (14 + ihl + 8 > len || be32(f + 14 + 12) != server_ip_ || be16(udp) != o_->target.port) {
                ++counters_.rx_other;
                rte_pktmbuf_free(m[i]);
                continue;
            }
            const std::size_t ulen = be16(udp + 4);
            if (ulen < 8 || 14 + ihl + ulen > len) {
                ++counters_.rx_other;
                rte_pktmbuf_free(m[i]);
                continue;
            }
            out[got++] = rx_datagram{udp + 8, static_cast<std::uint16_t>(ulen - 8), be32(f + 14 + 16)};
            held_[held_count_++] = m[i];
        }
        return got;
    }

    const backend_counters& counters() const noexcept override { return counters_; }
    // The session scenarios' "sockets": source endpoints from --source-prefix,
    // --ports-per-address ports per address, as the ihello peers use them.
    unsigned sockets() const noexcept override { return o_->sockets; }
    bool local_address(unsigned socket, wire::socket_address& out) const noexcept override {
        out = wire::socket_address::v4(o_->source_prefix.at(socket / o_->ports_per_address),
                                       static_cast<std::uint16_t>(o_->source_port_base + socket % o_->ports_per_address));
        return true;
    }

private:
    void release_held() noexcept {
        if (held_count_) rte_pktmbuf_free_bulk(held_, static_cast<unsigned>(held_count_));
        held_count_ = 0;
    }

    bool ours(std::uint32_t ip) const noexcept {
        return ip - o_->source_prefix.base < o_->source_prefix.size();
    }

    void handle_arp(const std::uint8_t* f) noexcept {
        const std::uint8_t* a = f + 14;
        if (be16(a) != 1 || be16(a + 2) != ethertype_ipv4 || a[4] != 6 || a[5] != 4) return;
        const std::uint16_t op = be16(a + 6);
        const std::uint32_t spa = be32(a + 14), tpa = be32(a + 24);
        const auto sha = net::load_mac(a + 8);
        if (op == 2 && spa == server_ip_) {
            server_mac_ = sha;
            have_server_mac_ = true;
        }
        if (op == 1 && ours(tpa)) {  // proxy ARP for the whole legitimate prefix
            send_arp(2, sha, tpa, sha, spa);
            ++counters_.arp_replies;
        }
    }

    void send_arp(std::uint16_t op, const net::mac_address& dst, std::uint32_t spa, const net::mac_address& tha,
                  std::uint32_t tpa) noexcept {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (!m) return;
        const auto len = write_arp(rte_pktmbuf_mtod(m, std::uint8_t*), op, dst, mac_, spa, tha, tpa);
        m->data_len = static_cast<std::uint16_t>(len);
        m->pkt_len = static_cast<std::uint32_t>(len);
        if (rte_eth_tx_burst(port_, 0, &m, 1) != 1) rte_pktmbuf_free(m);
    }

    std::string resolve_server() {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        auto next_request = std::chrono::steady_clock::now();
        rx_datagram scratch[32];
        while (!have_server_mac_) {
            const auto now = std::chrono::steady_clock::now();
            if (now > deadline) return "no ARP reply from " + o_->target.host + " in 5 s (give --server-mac?)";
            if (now >= next_request) {
                send_arp(1, net::broadcast_mac, o_->source_prefix.at(0), net::mac_address{}, server_ip_);
                next_request = now + std::chrono::milliseconds(200);
            }
            (void)receive(std::span<rx_datagram>(scratch, 32));
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        release_held();
        return "";
    }

    const load_options* o_ = nullptr;
    std::vector<std::string> args_;
    bool eal_ = false;
    bool started_ = false;
    std::uint16_t port_ = 0;
    rte_mempool* pool_ = nullptr;
    net::mac_address mac_;
    net::mac_address server_mac_;
    bool have_server_mac_ = false;
    std::uint32_t server_ip_ = 0;
    rte_mbuf* held_[max_burst]{};
    std::size_t held_count_ = 0;
    backend_counters counters_;
};

} // namespace

std::unique_ptr<io_backend> make_dpdk_backend(const load_options& o, std::string& error) {
    auto b = std::make_unique<dpdk_backend>();
    error = b->open(o);
    if (!error.empty()) return nullptr;
    return b;
}

} // namespace strato::load
