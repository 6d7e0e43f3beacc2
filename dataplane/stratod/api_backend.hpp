#pragma once
// stratod's rest::api_backend over the running dataplane: statistics from the
// per-lcore counters (relaxed reads), peers from the peer directory (as a
// QSBR reader of its own, online only while it reads), kicks posted to the
// owning worker's handoff ring, config and apps through rest::config_store.
//
// Thread-safe: called from the REST I/O threads, the DPDK telemetry thread
// and the control thread (SIGHUP). Never blocks a worker: the only lock a
// directory read takes is this object's own, which no worker touches.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "control/rest/backend.hpp"
#include "control/rest/config_store.hpp"
#include "dataplane/stratod/runtime.hpp"

namespace strato::stratod {

class api_backend final : public rest::api_backend {
public:
    // config_text: the validated file stratod started with (std::invalid_argument
    // otherwise). dp must be set up; it must outlive this object.
    api_backend(runtime& dp, std::string config_text);
    ~api_backend() override;
    api_backend(const api_backend&) = delete;
    api_backend& operator=(const api_backend&) = delete;

    rest::health_status health() override;
    rest::stats_snapshot stats() override;

    rest::lookup_status peers(const rest::page_request& request, rest::peers_page& out) override;
    std::optional<rest::peer_info> peer(std::string_view peer_id_hex) override;
    rest::kick_status kick_peer(std::string_view peer_id_hex) override;

    rest::lookup_status groups(const rest::page_request& request, rest::groups_page& out) override;
    std::optional<rest::group_info> group(std::string_view group_id_hex) override;

    std::string config_toml() override;
    boost::json::value config_json() override;
    rest::config_apply_result apply_config(std::string_view toml_text, bool dry_run) override;

    std::vector<rest::app_spec> apps() override;
    rest::app_change_result add_app(const rest::app_spec& app) override;
    rest::app_change_result remove_app(std::string_view path) override;

    // Reloadable settings the control thread reads.
    std::uint32_t stats_interval_seconds() const noexcept { return stats_interval_.load(std::memory_order_relaxed); }
    // Called (under the store's lock) when rest.token changes: the server's set_token.
    void on_token_change(std::function<void(std::string)> sink);

    // The settings a running stratod takes; every other change is reported
    // as restart_required.
    static bool live_reloadable(std::string_view path) noexcept;
    // Rate limits, cookie schedule, app quotas: applied by the workers
    // (runtime::apply_live).
    static bool reaches_workers(std::string_view path) noexcept;

private:
    void apply_hook(const control::stratod_config& old_config, const control::stratod_config& new_config);
    // Runs fn while this thread is an online QSBR reader of the directory.
    template <class Fn>
    auto read_directory(Fn&& fn);
    std::string app_path(std::uint16_t app_index) const;
    rest::peer_info to_info(const control::peer_view& v) const;

    runtime& dp_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::atomic<std::uint32_t> stats_interval_{5};
    std::mutex token_mutex_;
    std::function<void(std::string)> token_sink_;
    std::mutex directory_mutex_;
    unsigned reader_id_ = 0;
    bool reader_registered_ = false;
    rest::config_store store_;  // last: its hook uses the members above
};

} // namespace strato::stratod
