#include "control/rest/fake_backend.hpp"

#include <cstdio>

namespace strato::rest {
namespace {

// Cursor = the last ID returned, so pages stay stable while peers come and go.
template <typename Map, typename Item, typename Filter>
lookup_status page_of(const Map& map, const page_request& r, std::vector<Item>& out, std::string& next,
                      Filter keep) {
    if (!r.cursor_.empty() && r.cursor_.size() != 64) return lookup_status::bad_cursor;
    std::string last;
    for (auto it = r.cursor_.empty() ? map.begin() : map.upper_bound(r.cursor_); it != map.end(); ++it) {
        if (r.app_ && it->second.app_ != *r.app_) continue;
        if (out.size() == r.limit_) {  // another match exists: resume after the last one returned
            next = last;
            break;
        }
        out.push_back(keep(it->second));
        last = it->first;
    }
    return lookup_status::ok;
}

}  // namespace

fake_backend::fake_backend(std::string config_text, std::uint32_t lcores, std::uint16_t ports)
    : store_(std::move(config_text)) {
    stats_.stage_names_ = {"udp_received", "ihello", "rhello_sent"};
    stats_.drop_reason_names_ = {"none", "bad_checksum", "rate_limited", "weird \"quoted\"\\reason"};
    for (std::uint16_t p = 0; p < ports; ++p) {
        stats_.ports_.push_back(port_info{p, "net_null" + std::to_string(p), true});
    }
    for (std::uint32_t l = 0; l < lcores; ++l) {
        lcore_stats s;
        s.lcore_ = l + 1;
        s.ports_.resize(ports);
        s.stages_.resize(stats_.stage_names_.size());
        s.drops_.resize(stats_.drop_reason_names_.size());
        stats_.lcores_.push_back(std::move(s));
    }
}

std::string fake_backend::make_id(std::uint64_t n) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(n));
    return std::string(48, 'a') + buf;
}

void fake_backend::add_peer(peer_info p) {
    std::lock_guard lock(mutex_);
    peers_[p.peer_id_] = std::move(p);
}

bool fake_backend::remove_peer(const std::string& id) {
    std::lock_guard lock(mutex_);
    return peers_.erase(id) != 0;
}

void fake_backend::add_group(group_info g) {
    std::lock_guard lock(mutex_);
    g.member_count_ = g.members_.size();
    groups_[g.group_id_] = std::move(g);
}

void fake_backend::set_health(health_status h) {
    std::lock_guard lock(mutex_);
    health_ = std::move(h);
}

void fake_backend::mutate(std::uint64_t step) {
    std::lock_guard lock(mutex_);
    for (auto& l : stats_.lcores_) {
        for (auto& p : l.ports_) {
            p.rx_packets_ += step;
            p.rx_bytes_ += step * 60;
            p.tx_packets_ += step;
            p.tx_bytes_ += step * 180;
        }
        for (auto& s : l.stages_) s += step;
        l.drops_[1] += 1;
        l.sessions_ = peers_.size();
    }
    const auto id = make_id(1000000 + step);
    peers_[id] = peer_info{id, "live", "198.51.100.1:" + std::to_string(1024 + step % 60000), {}, true,
                           1, static_cast<std::uint32_t>(step), step, step};
    peers_.erase(make_id(1000000 + step - (step > 50 ? 50 : 0)));
}

std::size_t fake_backend::peer_count() {
    std::lock_guard lock(mutex_);
    return peers_.size();
}

std::vector<std::string> fake_backend::kicked() {
    std::lock_guard lock(mutex_);
    return kicked_;
}

health_status fake_backend::health() {
    std::lock_guard lock(mutex_);
    return health_;
}

stats_snapshot fake_backend::stats() {
    std::lock_guard lock(mutex_);
    auto s = stats_;
    s.peers_ = peers_.size();
    s.groups_ = groups_.size();
    std::map<std::string, app_count> apps;
    for (const auto& [id, p] : peers_) {
        apps[p.app_].app_ = p.app_;
        ++apps[p.app_].peers_;
    }
    for (const auto& [id, g] : groups_) {
        apps[g.app_].app_ = g.app_;
        ++apps[g.app_].groups_;
    }
    for (auto& [name, a] : apps) s.apps_.push_back(a);
    return s;
}

lookup_status fake_backend::peers(const page_request& request, peers_page& out) {
    std::lock_guard lock(mutex_);
    return page_of(peers_, request, out.peers_, out.next_cursor_, [](const peer_info& p) { return p; });
}

std::optional<peer_info> fake_backend::peer(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(std::string(id));
    if (it == peers_.end()) return std::nullopt;
    return it->second;
}

kick_status fake_backend::kick_peer(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(std::string(id));
    if (it == peers_.end()) return kick_status::not_found;
    kicked_.emplace_back(id);
    peers_.erase(it);
    return kick_status::closing;
}

lookup_status fake_backend::groups(const page_request& request, groups_page& out) {
    std::lock_guard lock(mutex_);
    return page_of(groups_, request, out.groups_, out.next_cursor_, [](const group_info& g) {
        auto copy = g;
        copy.members_.clear();
        return copy;
    });
}

std::optional<group_info> fake_backend::group(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = groups_.find(std::string(id));
    if (it == groups_.end()) return std::nullopt;
    return it->second;
}

std::string fake_backend::config_toml() { return store_.text(); }
boost::json::value fake_backend::config_json() { return store_.json(); }
config_apply_result fake_backend::apply_config(std::string_view text, bool dry_run) {
    return store_.apply(text, dry_run);
}
std::vector<app_spec> fake_backend::apps() { return store_.apps(); }
app_change_result fake_backend::add_app(const app_spec& app) { return store_.add_app(app); }
app_change_result fake_backend::remove_app(std::string_view path) { return store_.remove_app(path); }

}  // namespace strato::rest
