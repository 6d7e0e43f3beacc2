#include "control/rest/telemetry.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <rte_telemetry.h>

namespace strato::rest {
namespace {

// DPDK 22.11 callbacks take no user pointer, hence one process-wide backend.
std::atomic<api_backend*> current{nullptr};

void add_u64(rte_tel_data* d, const std::string& name, std::uint64_t v) {
    // Names longer than the telemetry limit are skipped, not truncated into
    // a misleading key.
    if (name.size() < RTE_TEL_MAX_STRING_LEN) rte_tel_data_add_dict_u64(d, name.c_str(), v);
}

void add_string(rte_tel_data* d, const char* name, const std::string& v) {
    rte_tel_data_add_dict_string(d, name, v.substr(0, RTE_TEL_MAX_STRING_LEN - 1).c_str());
}

int stats_cmd(const char*, const char* params, rte_tel_data* d) noexcept {
    try {
        auto* b = current.load();
        if (b == nullptr) return -ENODEV;
        const auto s = b->stats();
        const bool one = params != nullptr && *params != '\0';
        const auto wanted = one ? std::strtoul(params, nullptr, 10) : 0ul;
        std::vector<std::uint64_t> stages(s.stage_names_.size()), drops(s.drop_reason_names_.size());
        std::uint64_t rx = 0, tx = 0, dropped = 0, sessions = 0;
        bool found = !one;
        for (const auto& l : s.lcores_) {
            if (one && l.lcore_ != wanted) continue;
            found = true;
            for (const auto& p : l.ports_) {
                rx += p.rx_packets_;
                tx += p.tx_packets_;
            }
            for (std::size_t i = 0; i < l.stages_.size() && i < stages.size(); ++i) stages[i] += l.stages_[i];
            for (std::size_t i = 0; i < l.drops_.size() && i < drops.size(); ++i) {
                drops[i] += l.drops_[i];
                dropped += l.drops_[i];
            }
            sessions += l.sessions_;
        }
        if (!found) return -EINVAL;
        rte_tel_data_start_dict(d);
        if (one) add_u64(d, "lcore", wanted);
        else {
            add_u64(d, "uptime_seconds", s.uptime_seconds_);
            add_u64(d, "workers", s.lcores_.size());
            add_u64(d, "peers", s.peers_);
            add_u64(d, "groups", s.groups_);
        }
        add_u64(d, "rx_packets", rx);
        add_u64(d, "tx_packets", tx);
        add_u64(d, "drops", dropped);
        add_u64(d, "sessions", sessions);
        for (std::size_t i = 0; i < stages.size(); ++i) add_u64(d, "stage." + s.stage_names_[i], stages[i]);
        for (std::size_t i = 0; i < drops.size(); ++i) {
            if (s.drop_reason_names_[i] != "none") add_u64(d, "drop." + s.drop_reason_names_[i], drops[i]);
        }
        return 0;
    } catch (...) {
        return -ENOMEM;
    }
}

// Counts per app, as one nested dict.
int counts(rte_tel_data* d, bool peers) {
    auto* b = current.load();
    if (b == nullptr) return -ENODEV;
    const auto s = b->stats();
    rte_tel_data_start_dict(d);
    add_u64(d, "total", peers ? s.peers_ : s.groups_);
    auto* apps = rte_tel_data_alloc();
    if (apps == nullptr) return 0;
    rte_tel_data_start_dict(apps);
    for (const auto& a : s.apps_) add_u64(apps, a.app_, peers ? a.peers_ : a.groups_);
    if (rte_tel_data_add_dict_container(d, "apps", apps, 0) != 0) rte_tel_data_free(apps);
    return 0;
}

int peers_cmd(const char*, const char* params, rte_tel_data* d) noexcept {
    try {
        if (params == nullptr || *params == '\0') return counts(d, true);
        auto* b = current.load();
        if (b == nullptr) return -ENODEV;
        const auto p = b->peer(params);
        if (!p) return -ENOENT;
        rte_tel_data_start_dict(d);
        add_string(d, "peer_id", p->peer_id_);
        add_string(d, "app", p->app_);
        add_string(d, "public_address", p->public_address_);
        add_u64(d, "lcore", p->lcore_);
        add_u64(d, "session_id", p->session_id_);
        add_u64(d, "introducible", p->introducible_ ? 1 : 0);
        add_u64(d, "connect_time", p->connect_time_);
        add_u64(d, "last_activity", p->last_activity_);
        return 0;
    } catch (...) {
        return -ENOMEM;
    }
}

int groups_cmd(const char*, const char* params, rte_tel_data* d) noexcept {
    try {
        if (params == nullptr || *params == '\0') return counts(d, false);
        auto* b = current.load();
        if (b == nullptr) return -ENODEV;
        const auto g = b->group(params);
        if (!g) return -ENOENT;
        rte_tel_data_start_dict(d);
        add_string(d, "group_id", g->group_id_);
        add_string(d, "app", g->app_);
        add_u64(d, "member_count", g->member_count_);
        return 0;
    } catch (...) {
        return -ENOMEM;
    }
}

}  // namespace

int register_telemetry(api_backend& backend) {
    current.store(&backend);
    static std::once_flag once;
    static int result = 0;
    std::call_once(once, [] {
        const struct {
            const char* name;
            telemetry_cb fn;
            const char* help;
        } commands[] = {
            {"/strato/stats", stats_cmd, "strato totals, per stage and drop reason. Parameters: int lcore (optional)"},
            {"/strato/peers", peers_cmd, "strato peer count, per app. Parameters: string peer_id (optional)"},
            {"/strato/groups", groups_cmd, "strato group count, per app. Parameters: string group_id (optional)"},
        };
        for (const auto& c : commands) {
            if (const int rc = rte_telemetry_register_cmd(c.name, c.fn, c.help); rc != 0 && result == 0) result = rc;
        }
    });
    return result;
}

void detach_telemetry() noexcept { current.store(nullptr); }

}  // namespace strato::rest
