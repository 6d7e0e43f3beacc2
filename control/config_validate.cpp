#include "control/config_validate.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "control/config_values.hpp"

namespace strato::control {

bool validation_context::bad(std::string_view path) const {
    // A boundary after the shorter one: "ports" covers "ports[0].ipv4",
    // "rest.token" does not cover "rest.token_file".
    const auto covers = [](std::string_view shorter, std::string_view longer) {
        return longer.starts_with(shorter) &&
               (longer.size() == shorter.size() || longer[shorter.size()] == '.' ||
                longer[shorter.size()] == '[');
    };
    return std::any_of(bad_.begin(), bad_.end(), [&](const std::string& b) {
        return covers(b, path) || covers(path, b);
    });
}

namespace {

// DPDK's default RTE_MAX_ETHPORTS.
constexpr std::size_t max_ports = 32;
// RTE_PKTMBUF_HEADROOM, Ethernet header, one 802.1Q tag.
constexpr std::uint32_t mbuf_headroom = 128;
constexpr std::uint32_t ethernet_header = 14;
constexpr std::uint32_t vlan_tag = 4;

struct checker {
    stratod_config& c_;
    const validation_context& ctx_;
    std::vector<config_error>& errors_;

    void error(std::string path, std::string message) {
        errors_.push_back(config_error{std::move(path), std::move(message), 0});
    }
    bool bad(std::string_view path) const { return ctx_.bad(path); }

    static std::string port_path(std::size_t i) { return "ports[" + std::to_string(i) + "]"; }

    void ports() {
        if (ctx_.bad_exact("ports")) {
            // Not an array of tables: reported already.
        } else if (c_.ports_.empty()) {
            error("ports", "at least one [[ports]] entry is required");
        } else if (c_.ports_.size() > max_ports) {
            error("ports", std::to_string(c_.ports_.size()) + " entries, at most " +
                               std::to_string(max_ports) + " (RTE_MAX_ETHPORTS)");
        }
        // First user of each device, address and MAC, for "already used by".
        std::map<std::string, std::size_t> devices;
        std::map<std::string, std::size_t> addresses;
        std::map<std::string, std::size_t> macs;
        const auto unique = [&](std::map<std::string, std::size_t>& seen, const std::string& v,
                                std::size_t i, const std::string& path) {
            const auto [it, inserted] = seen.emplace(v, i);
            if (inserted) return;
            error(path, values::quote(v) + (it->second == i
                                                ? std::string(" is listed twice")
                                                : " is already used by " + port_path(it->second)));
        };
        for (std::size_t i = 0; i < c_.ports_.size(); ++i) {
            const auto& p = c_.ports_[i];
            const auto path = port_path(i);
            if (!bad(path + ".device") && !p.device_.empty()) {
                unique(devices, p.device_, i, path + ".device");
            }
            if (!bad(path + ".ipv4") && !bad(path + ".ipv6") && p.ipv4_.empty() &&
                p.ipv6_.empty()) {
                error(path, "has no address; give at least one in ipv4 or ipv6");
            }
            // Same address with another prefix length is still the same
            // address: compare without the length.
            for (const auto& a : p.ipv4_) {
                const auto text = to_string(a);
                unique(addresses, text.substr(0, text.find('/')), i, path + ".ipv4");
            }
            for (const auto& a : p.ipv6_) {
                const auto text = to_string(a);
                unique(addresses, text.substr(0, text.find('/')), i, path + ".ipv6");
            }
            if (p.mac_) unique(macs, to_string(*p.mac_), i, path + ".mac");
            const auto frame = p.mtu_ + ethernet_header + (p.vlan_ ? vlan_tag : 0);
            if (!bad(path + ".mtu") && !bad("mempool.mbuf_data_size") &&
                c_.mempool_.mbuf_data_size_ < mbuf_headroom + frame) {
                error(path + ".mtu",
                      std::to_string(p.mtu_) + " needs mempool.mbuf_data_size of at least " +
                          std::to_string(mbuf_headroom + frame) + " (128 headroom + frame), not " +
                          std::to_string(c_.mempool_.mbuf_data_size_));
            }
        }
    }

    bool is_worker(std::uint32_t lcore) const {
        const auto& l = c_.workers_.lcores_;
        return std::find(l.begin(), l.end(), lcore) != l.end();
    }

    void workers() {
        auto& w = c_.workers_;
        if (bad("workers.lcores") || bad("workers.main_lcore")) return;
        if (is_worker(w.main_lcore_)) {
            error("workers.lcores", std::to_string(w.main_lcore_) +
                                        " is the main lcore (workers.main_lcore); workers "
                                        "must be other lcores");
            return;
        }
        // Queue rules need a trustworthy port count (no entry dropped for
        // not being a table) and each port's rx_queues.
        if (ctx_.bad_exact("ports") || ctx_.bad_exact("ports[]") || bad("workers.queues")) return;
        for (std::size_t i = 0; i < c_.ports_.size(); ++i) {
            if (bad(port_path(i) + ".rx_queues")) return;
        }
        if (w.queues_.empty()) {
            automatic_queues();
        } else {
            explicit_queues();
        }
        std::sort(w.resolved_queues_.begin(), w.resolved_queues_.end(),
                  [](const auto& a, const auto& b) {
                      return std::tie(a.lcore_, a.port_, a.queue_) <
                             std::tie(b.lcore_, b.port_, b.queue_);
                  });
    }

    // Worker lcore k polls queue k of every port.
    void automatic_queues() {
        auto& w = c_.workers_;
        const auto n = static_cast<std::uint16_t>(w.lcores_.size());
        for (std::size_t i = 0; i < c_.ports_.size(); ++i) {
            auto& p = c_.ports_[i];
            if (p.rx_queues_ != 0 && p.rx_queues_ != n) {
                error(port_path(i) + ".rx_queues",
                      std::to_string(p.rx_queues_) + " differs from the " + std::to_string(n) +
                          " worker lcores; automatic assignment gives each worker one queue of "
                          "every port (list [[workers.queues]] to choose otherwise)");
                continue;
            }
            p.rx_queues_ = n;
            for (std::uint16_t k = 0; k < n; ++k) {
                w.resolved_queues_.push_back(
                    queue_assignment{w.lcores_[k], static_cast<std::uint16_t>(i), k});
            }
        }
    }

    void explicit_queues() {
        auto& w = c_.workers_;
        bool ok = true;
        // Ports without rx_queues get as many as their highest assigned queue.
        std::vector<std::uint16_t> needed(c_.ports_.size(), 0);
        std::map<std::pair<std::uint16_t, std::uint16_t>, std::uint32_t> pollers;
        for (std::size_t q = 0; q < w.queues_.size(); ++q) {
            const auto& a = w.queues_[q];
            const auto path = "workers.queues[" + std::to_string(q) + "]";
            if (!is_worker(a.lcore_)) {
                error(path + ".lcore",
                      std::to_string(a.lcore_) + " is not one of workers.lcores");
                ok = false;
            }
            if (a.port_ >= c_.ports_.size()) {
                const auto n = c_.ports_.size();
                error(path + ".port", std::to_string(a.port_) + " names no port ([[ports]] has " +
                                          std::to_string(n) + (n == 1 ? " entry)" : " entries)"));
                ok = false;
                continue;
            }
            const auto& p = c_.ports_[a.port_];
            if (p.rx_queues_ != 0 && a.queue_ >= p.rx_queues_) {
                error(path + ".queue", std::to_string(a.queue_) + " is not below " +
                                           port_path(a.port_) + ".rx_queues (" +
                                           std::to_string(p.rx_queues_) + ")");
                ok = false;
                continue;
            }
            needed[a.port_] = std::max(needed[a.port_], static_cast<std::uint16_t>(a.queue_ + 1));
            const auto [it, inserted] = pollers.emplace(std::pair{a.port_, a.queue_}, a.lcore_);
            if (!inserted) {
                error(path, "port " + std::to_string(a.port_) + " queue " +
                                std::to_string(a.queue_) + " is already polled by lcore " +
                                std::to_string(it->second));
                ok = false;
            }
        }
        if (!ok) return;
        for (std::size_t i = 0; i < c_.ports_.size(); ++i) {
            auto& p = c_.ports_[i];
            if (p.rx_queues_ == 0) p.rx_queues_ = std::max<std::uint16_t>(needed[i], 1);
            for (std::uint16_t k = 0; k < p.rx_queues_; ++k) {
                if (!pollers.contains({static_cast<std::uint16_t>(i), k})) {
                    // Unpolled queues would silently lose the flows RSS puts there.
                    error("workers.queues", port_path(i) + " queue " + std::to_string(k) +
                                                " is polled by no lcore");
                    ok = false;
                }
            }
        }
        for (const auto lcore : w.lcores_) {
            const bool polls = std::any_of(pollers.begin(), pollers.end(),
                                           [&](const auto& kv) { return kv.second == lcore; });
            if (!polls) {
                error("workers.lcores",
                      std::to_string(lcore) + " polls no queue in [[workers.queues]]");
                ok = false;
            }
        }
        if (ok) w.resolved_queues_ = w.queues_;
    }

    void server() {
        const auto& groups = c_.server_.certificate_dh_groups_;
        if (!bad("server.certificate_dh_groups") &&
            std::find(groups.begin(), groups.end(), 2) == groups.end()) {
            std::string list = "[";
            for (std::size_t i = 0; i < groups.size(); ++i) {
                list += (i ? ", " : "") + std::to_string(groups[i]);
            }
            error("server.certificate_dh_groups",
                  list + "] does not include 2, the group every client implements");
        }
    }

    void mempool() {
        const auto& m = c_.mempool_;
        if (bad("mempool")) return;
        // rte_mempool_create refuses cache_size * 1.5 > n.
        if (std::uint64_t{m.cache_size_} * 3 > std::uint64_t{m.mbufs_per_port_} * 2) {
            error("mempool.cache_size",
                  std::to_string(m.cache_size_) +
                      " is more than mempool.mbufs_per_port / 1.5 (" +
                      std::to_string(std::uint64_t{m.mbufs_per_port_} * 2 / 3) + ")");
        }
    }

    void sessions() {
        const auto& s = c_.sessions_;
        if (bad("sessions.idle_timeout_seconds") || bad("sessions.keepalive_server_ms")) return;
        // One lost keepalive must not close a healthy session.
        if (std::uint64_t{s.idle_timeout_seconds_} * 1000 < 2 * std::uint64_t{s.keepalive_server_ms_}) {
            error("sessions.idle_timeout_seconds",
                  std::to_string(s.idle_timeout_seconds_) +
                      " is less than twice sessions.keepalive_server_ms (" +
                      std::to_string(s.keepalive_server_ms_) + " ms)");
        }
    }

    void apps() {
        std::map<std::string, std::size_t> paths;
        for (std::size_t i = 0; i < c_.apps_.size(); ++i) {
            const auto& a = c_.apps_[i];
            const auto path = "apps[" + std::to_string(i) + "]";
            if (!bad(path + ".path") && !a.path_.empty()) {
                const auto [it, inserted] = paths.emplace(a.path_, i);
                if (!inserted) {
                    error(path + ".path", values::quote(a.path_) + " is already used by apps[" +
                                              std::to_string(it->second) + "]");
                }
            }
            if (a.group_bootstrap_neighbours_ == 0 && a.group_bootstrap_random_ == 0 &&
                !bad(path + ".group_bootstrap_neighbours") && !bad(path + ".group_bootstrap_random")) {
                error(path + ".group_bootstrap_neighbours",
                      "is 0 and so is group_bootstrap_random: a joining group member would learn nobody");
            }
            if (a.max_group_members_ && !bad("sessions.max_group_memberships") &&
                *a.max_group_members_ > c_.sessions_.max_group_memberships_) {
                error(path + ".max_group_members", std::to_string(*a.max_group_members_) +
                                                       " exceeds sessions.max_group_memberships (" +
                                                       std::to_string(c_.sessions_.max_group_memberships_) + ")");
            }
            if (a.max_peers_ && !bad("sessions.max_peers") &&
                *a.max_peers_ > c_.sessions_.max_peers_) {
                error(path + ".max_peers", std::to_string(*a.max_peers_) +
                                               " exceeds sessions.max_peers (" +
                                               std::to_string(c_.sessions_.max_peers_) + ")");
            }
        }
    }

    void rest() {
        auto& r = c_.rest_;
        if (!r.token_file_ || bad("rest.token_file")) return;
        if (!r.token_.empty() || bad("rest.token")) {
            error("rest.token_file", "cannot be used together with rest.token");
            return;
        }
        // Read now: a token file that cannot be used must stop the start or
        // the reload, like any other bad value.
        const auto& file = *r.token_file_;
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        if (in) text << in.rdbuf();
        if (!in || in.bad()) {
            error("rest.token_file",
                  values::quote(file) + " cannot be read (" + std::strerror(errno) + ")");
            return;
        }
        auto token = text.str();
        if (token.ends_with('\n')) token.pop_back();
        if (token.ends_with('\r')) token.pop_back();
        if (auto p = values::check_token(token)) {
            error("rest.token_file", "the token in " + values::quote(file) + " " + p->reason_);
            return;
        }
        r.token_ = std::move(token);
    }
};

}  // namespace

void validate_cross_fields(stratod_config& config, const validation_context& ctx,
                           std::vector<config_error>& errors) {
    checker c{config, ctx, errors};
    c.ports();
    c.workers();
    c.server();
    c.mempool();
    c.sessions();
    c.apps();
    c.rest();
}

}  // namespace strato::control
