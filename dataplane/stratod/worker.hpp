#pragma once
// One worker lcore: run to completion over the (port, queue) pairs it owns.
// Everything it touches per packet is in its own context; the only shared
// things are read-only (server certificate, cookie schedule, L3 config) and
// the quit flag.
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/certificate.hpp"
#include "dataplane/engine/counters.hpp"
#include "dataplane/engine/rate_limiter.hpp"
#include "dataplane/net/config.hpp"
#include "dataplane/net/neighbour_cache.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/clock.hpp"
#include "dataplane/stratod/cookie_secrets.hpp"
#include "control/config.hpp"
#include "control/directory/peer_directory.hpp"
#include "dataplane/stratod/session_stage.hpp"

namespace strato::stratod {

inline constexpr std::uint16_t max_burst = 256;

struct rx_queue_ref {
    std::uint16_t port_id = 0;
    std::uint16_t port_index = 0;  // index in the config (counter slot)
    std::uint16_t queue = 0;
};

// What a reload changes while the workers run (PUT /v1/config, SIGHUP):
// published whole through shared_state::live, each worker switching to it
// between two bursts, so a worker never mixes old and new values.
struct live_settings {
    engine::rate_limit_config handshake_limits;
    engine::rate_limit_config introduction_initiator_limits;
    engine::rate_limit_config introduction_target_limits;
    std::uint32_t cookie_rotation_seconds = 600;
    std::uint32_t cookie_lifetime_seconds = 120;
    bool operator==(const live_settings&) const = default;
};

// What every worker shares, read-only once workers start.
struct shared_state {
    const crypto::server_certificate* certificate = nullptr;
    cookie_schedule cookies;
    engine::rate_limit_config rate_limits;
    // Introductions: buckets per initiator prefix and per target peer ID.
    engine::rate_limit_config introduction_initiator_limits;
    engine::rate_limit_config introduction_target_limits;
    std::array<net::l3_config, engine::max_ports> l3{};  // by port index
    std::array<std::uint16_t, engine::max_ports> port_ids{};
    std::array<net::checksum_mode, engine::max_ports> checksum_modes{};
    std::array<rte_mempool*, engine::max_ports> pools{};  // for packets we originate (RIKeying, session output)
    std::uint16_t port_count = 0;
    // Sessions: handoff ring of each worker (by worker index = session ID
    // owner), connected peers per app against the apps' quotas.
    static constexpr std::size_t max_workers = 64;
    static constexpr std::size_t max_apps = 64;
    std::array<rte_ring*, max_workers> handoff{};
    std::array<std::atomic<std::uint32_t>, max_apps> app_peers{};
    std::array<std::atomic<std::uint32_t>, max_apps> app_limits{};  // 0: no quota; a reload may change them
    control::peer_directory* directory = nullptr;  // lock-free reads; workers report quiescence each loop
    std::uint16_t burst = 32;
    std::uint32_t tx_drain_us = 100;
    clock time;
    std::atomic<bool> quit{false};
    // The latest reload (null: none yet). Never freed while workers run.
    std::atomic<const live_settings*> live{nullptr};
};

struct alignas(64) worker_context {
    unsigned lcore_id = 0;
    std::uint16_t index = 0;  // position among workers: session ID owner bits
    std::vector<rx_queue_ref> queues;
    std::uint16_t tx_queue = 0;  // this worker's TX queue on every port
    shared_state* shared = nullptr;
    engine::lcore_counters counters;
    std::unique_ptr<engine::rate_limiter> limiter;
    std::unique_ptr<engine::rate_limiter> introduction_initiator_limiter;
    std::unique_ptr<engine::rate_limiter> introduction_target_limiter;
    std::unique_ptr<net::neighbour_entry[]> neighbour_storage;
    std::unique_ptr<net::neighbour_cache> neighbours;
    lcore_cookies cookies;
    std::array<rte_eth_dev_tx_buffer*, engine::max_ports> tx{};  // per port
    std::unique_ptr<session_stage> sessions;
    std::atomic<bool> running{false};
};

// The two introduction limiters' settings from [introduction].
engine::rate_limit_config introduction_initiator_limits(const control::introduction_config& c) noexcept;
engine::rate_limit_config introduction_target_limits(const control::introduction_config& c) noexcept;

// The reloadable settings of a config.
live_settings live_settings_of(const control::stratod_config& c) noexcept;

// Prepares per-lcore state that allocates (before the poll loop starts).
// Returns false with a message on stderr.
[[nodiscard]] bool prepare_worker(worker_context& w, unsigned socket_id);
// Queues a UDP frame written by net::finish_udp_reply/write_udp_headers for
// TX on this worker's queue: frame lengths, checksum offload flags when the
// port does them, TX counters. The one way packets leave a worker.
void transmit_udp_frame(worker_context& w, std::uint16_t port_index, rte_mbuf* m, const net::udp_frame& f, bool ipv6,
                        net::checksum_mode mode) noexcept;
// The lcore entry point (rte_eal_remote_launch): polls until shared->quit.
int worker_main(void* arg);

} // namespace strato::stratod
