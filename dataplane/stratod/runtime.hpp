#pragma once
// The running dataplane after EAL start: server identity, ports, shared
// read-only state and the workers. main() and the in-process tests and
// benchmarks drive it the same way: setup, launch, (run), stop, teardown.
#include <memory>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "crypto/certificate.hpp"
#include "dataplane/engine/counters.hpp"
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
    bool quit_requested() const noexcept { return shared_ && shared_->quit.load(); }

private:
    crypto::server_certificate certificate_;
    std::unique_ptr<shared_state> shared_;
    std::vector<port_runtime> ports_;
    std::vector<std::unique_ptr<worker_context>> workers_;
    bool launched_ = false;
    bool ports_up_ = false;
};

} // namespace strato::stratod
