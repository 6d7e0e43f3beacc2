#pragma once
// An in-memory api_backend for tests: peers, groups and counters kept in
// ordinary containers under one mutex, the config in a real config_store
// (so PUT /v1/config and apps edits validate exactly like stratod's).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "control/rest/backend.hpp"
#include "control/rest/config_store.hpp"

namespace strato::rest {

class fake_backend final : public api_backend {
public:
    // config_text must be a valid config (std::invalid_argument otherwise).
    explicit fake_backend(std::string config_text, std::uint32_t lcores = 2, std::uint16_t ports = 1);

    // ---- test controls
    void add_peer(peer_info p);
    bool remove_peer(const std::string& id);
    void add_group(group_info g);
    void set_health(health_status h);
    // Counters move, a peer connects and another leaves; for the concurrency test.
    void mutate(std::uint64_t step);
    std::size_t peer_count();
    std::vector<std::string> kicked();
    static std::string make_id(std::uint64_t n);   // 64 hex digits

    // ---- api_backend
    health_status health() override;
    stats_snapshot stats() override;
    lookup_status peers(const page_request& request, peers_page& out) override;
    std::optional<peer_info> peer(std::string_view peer_id_hex) override;
    kick_status kick_peer(std::string_view peer_id_hex) override;
    lookup_status groups(const page_request& request, groups_page& out) override;
    std::optional<group_info> group(std::string_view group_id_hex) override;
    std::string config_toml() override;
    boost::json::value config_json() override;
    config_apply_result apply_config(std::string_view toml_text, bool dry_run) override;
    std::vector<app_spec> apps() override;
    app_change_result add_app(const app_spec& app) override;
    app_change_result remove_app(std::string_view path) override;

    config_store& store() { return store_; }

private:
    std::mutex mutex_;
    config_store store_;
    health_status health_;
    stats_snapshot stats_;
    std::map<std::string, peer_info> peers_;     // ordered: the cursor is the last ID
    std::map<std::string, group_info> groups_;
    std::vector<std::string> kicked_;
};

}  // namespace strato::rest
