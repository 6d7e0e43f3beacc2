#pragma once
// The running dataplane after EAL start: server identity, ports, shared
// read-only state and the workers. main() and the in-process tests and
// benchmarks drive it the same way: setup, launch, (run), stop, teardown.
#include <rte_malloc.h>
#include <rte_ring.h>

#include <memory>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "control/directory/peer_directory.hpp"
#include "crypto/certificate.hpp"
#include "dataplane/engine/counters.hpp"
#include "dataplane/engine/netconnection.hpp"
#include "dataplane/stratod/dh_service.hpp"
#include "dataplane/stratod/group_service.hpp"
#include "dataplane/stratod/ports.hpp"
#include "dataplane/stratod/worker.hpp"

namespace strato::stratod {

class runtime {
public:
    runtime() = default;
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;
    ~runtime();

    // Certificate, cookie master secret, ports, per-lcore state. The EAL must
    // be running. On failure, error says what and where; nothing is left
    // started.
    [[nodiscard]] bool setup(const control::stratod_config& cfg, std::string& error);
    [[nodiscard]] bool launch(std::string& error);
    // Asks workers to drain and waits for them.
    void stop();
    // Stops and closes the ports (after stop()).
    void teardown();

    engine::counters_total totals() const noexcept;
    const crypto::server_certificate& certificate() const noexcept { return certificate_; }
    std::string fingerprint_hex() const;
    const std::vector<port_runtime>& ports() const noexcept { return ports_; }
    std::size_t worker_count() const noexcept { return workers_.size(); }
    // Per-worker state for the control side (REST, telemetry): counters are
    // read with engine::read (relaxed), `running` with a load.
    const std::vector<std::unique_ptr<worker_context>>& workers() const noexcept { return workers_; }
    // The config the dataplane runs with (apps by index, as in peer records).
    const control::stratod_config& config() const noexcept { return config_; }
    bool quit_requested() const noexcept { return shared_ && shared_->quit.load(); }
    // The peer directory: written by the control thread only (apply_events),
    // read lock-free by the workers (introductions).
    control::peer_directory& directory() noexcept { return *directory_; }
    const control::peer_directory& directory() const noexcept { return *directory_; }
    // NetGroups: written by the control thread (apply each peer event),
    // read by REST under groups().mutex().
    group_service& groups() noexcept { return *groups_; }
    const group_service& groups() const noexcept { return *groups_; }
    // Control thread: workers' peer events (directory updates), in order per worker.
    template <class Fn>
    std::size_t drain_events(Fn&& fn) {
        std::size_t n = 0;
        for (auto& w : workers_) {
            void* p = nullptr;
            while (w->sessions && rte_ring_dequeue(w->sessions->event_ring(), &p) == 0) {
                fn(*static_cast<const peer_event*>(p));
                rte_free(p);
                ++n;
            }
        }
        return n;
    }
    std::size_t sessions_active() const noexcept;
    // Control thread: the reloadable settings of `cfg` (rate limits, cookie
    // schedule) to every worker, each switching to all of them at once
    // within a drain interval, and the apps' max_peers quotas (apps with an
    // unchanged path and position). cfg must have passed validation.
    void apply_live(const control::stratod_config& cfg);
    // Session engine counters of every worker, summed (read after stop(), or
    // as a relaxed snapshot while running).
    session::session_stats session_totals() const noexcept;
    std::size_t bytes_per_session() const noexcept { return bytes_per_session_; }
    const dh_service& keying() const noexcept { return dh_; }

private:
    crypto::server_certificate certificate_;
    std::unique_ptr<shared_state> shared_;
    std::vector<port_runtime> ports_;
    std::vector<std::unique_ptr<worker_context>> workers_;
    // Apps and policies the workers read; they point into config_.
    control::stratod_config config_;
    std::vector<engine::app_rule> app_rules_;
    engine::netconnection_policy nc_policy_;
    dh_service dh_;
    std::unique_ptr<control::peer_directory> directory_;
    // Every published reload, kept until teardown: a worker may still read
    // the previous one (they are a few hundred bytes; reloads are rare).
    std::vector<std::unique_ptr<live_settings>> live_;
    std::unique_ptr<group_service> groups_;
    std::size_t bytes_per_session_ = 0;
    bool launched_ = false;
    bool ports_up_ = false;
};

} // namespace strato::stratod
