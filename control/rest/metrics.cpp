#include "control/rest/metrics.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace strato::rest {
namespace {

using labels = std::vector<std::pair<std::string_view, std::string>>;

// Each family is written whole (HELP, TYPE, then its samples) because the
// format requires a family's samples to be contiguous.
class writer {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
        name_ = name;
    }
    void sample(const labels& l, std::uint64_t value) {
        out_ += name_;
        if (!l.empty()) {
            out_ += '{';
            bool first = true;
            for (const auto& [k, v] : l) {
                if (!first) out_ += ',';
                first = false;
                out_ += k;
                out_ += "=\"";
                out_ += escape_label_value(v);
                out_ += '"';
            }
            out_ += '}';
        }
        out_ += ' ';
        out_ += std::to_string(value);
        out_ += '\n';
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
    std::string_view name_;
};

std::string num(std::uint64_t v) { return std::to_string(v); }

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string render_metrics(const stats_snapshot& s, const health_status& health,
                           const server_counters* counters) {
    writer w;
    w.family("strato_up", "gauge", "1 when stratod reports healthy, 0 when degraded.");
    w.sample({}, health.ok_ ? 1 : 0);
    w.family("strato_uptime_seconds", "gauge", "Seconds since stratod started.");
    w.sample({}, s.uptime_seconds_);
    w.family("strato_workers", "gauge", "Worker lcores polling ports.");
    w.sample({}, s.lcores_.size());

    struct port_field {
        std::string_view name, help;
        std::uint64_t port_counters::*member;
    };
    static constexpr port_field port_fields[] = {
        {"strato_rx_packets_total", "Packets received, by worker lcore and port.", &port_counters::rx_packets_},
        {"strato_rx_bytes_total", "Bytes received, by worker lcore and port.", &port_counters::rx_bytes_},
        {"strato_tx_packets_total", "Packets sent, by worker lcore and port.", &port_counters::tx_packets_},
        {"strato_tx_bytes_total", "Bytes sent, by worker lcore and port.", &port_counters::tx_bytes_},
    };
    for (const auto& f : port_fields) {
        w.family(f.name, "counter", f.help);
        for (const auto& l : s.lcores_) {
            for (std::size_t p = 0; p < l.ports_.size(); ++p) {
                w.sample({{"lcore", num(l.lcore_)}, {"port", num(p)}}, l.ports_[p].*f.member);
            }
        }
    }

    w.family("strato_stage_packets_total", "counter",
             "Packets that went through a processing stage, by worker lcore and stage.");
    for (const auto& l : s.lcores_) {
        for (std::size_t i = 0; i < l.stages_.size() && i < s.stage_names_.size(); ++i) {
            w.sample({{"lcore", num(l.lcore_)}, {"stage", s.stage_names_[i]}}, l.stages_[i]);
        }
    }
    w.family("strato_drops_total", "counter", "Packets dropped, by worker lcore and reason.");
    for (const auto& l : s.lcores_) {
        for (std::size_t i = 0; i < l.drops_.size() && i < s.drop_reason_names_.size(); ++i) {
            // Reason "none" is the enum's zero value, never a real drop.
            if (s.drop_reason_names_[i] == "none") continue;
            w.sample({{"lcore", num(l.lcore_)}, {"reason", s.drop_reason_names_[i]}}, l.drops_[i]);
        }
    }
    w.family("strato_sessions", "gauge", "Sessions owned by each worker lcore.");
    for (const auto& l : s.lcores_) w.sample({{"lcore", num(l.lcore_)}}, l.sessions_);

    w.family("strato_port_up", "gauge", "1 when the port's link is up.");
    for (const auto& p : s.ports_) w.sample({{"port", num(p.port_)}, {"device", p.device_}}, p.link_up_ ? 1 : 0);

    w.family("strato_peers", "gauge", "Peers in the directory, by app.");
    for (const auto& a : s.apps_) w.sample({{"app", a.app_}}, a.peers_);
    w.family("strato_groups", "gauge", "Groups in the group table, by app.");
    for (const auto& a : s.apps_) w.sample({{"app", a.app_}}, a.groups_);
    w.family("strato_peers_all", "gauge", "Peers in the directory, all apps.");
    w.sample({}, s.peers_);
    w.family("strato_groups_all", "gauge", "Groups in the group table, all apps.");
    w.sample({}, s.groups_);

    if (counters != nullptr) {
        const auto ld = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
        w.family("strato_rest_requests_total", "counter", "REST requests answered, by status class.");
        w.sample({{"class", "2xx"}}, ld(counters->requests_2xx));
        w.sample({{"class", "4xx"}}, ld(counters->requests_4xx));
        w.sample({{"class", "5xx"}}, ld(counters->requests_5xx));
        w.family("strato_rest_rejected_connections_total", "counter",
                 "REST connections refused because rest.max_connections were open.");
        w.sample({}, ld(counters->rejected_connections));
        w.family("strato_rest_timeouts_total", "counter", "REST clients cut off for being too slow.");
        w.sample({}, ld(counters->timeouts));
        w.family("strato_rest_oversized_total", "counter", "REST requests refused for size (413, 431).");
        w.sample({}, ld(counters->oversized));
        w.family("strato_rest_open_connections", "gauge", "REST connections open now.");
        w.sample({}, ld(counters->open_connections));
    }
    return w.take();
}

}  // namespace strato::rest
