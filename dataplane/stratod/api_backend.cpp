#include "dataplane/stratod/api_backend.hpp"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "dataplane/stratod/log.hpp"

namespace strato::stratod {
namespace {

std::string hex_of(const control::peer_id& id) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(id.size() * 2, '0');
    for (std::size_t i = 0; i < id.size(); ++i) {
        s[2 * i] = digits[id[i] >> 4];
        s[2 * i + 1] = digits[id[i] & 0xf];
    }
    return s;
}

bool parse_hex_id(std::string_view hex, control::peer_id& out) {
    if (hex.size() != out.size() * 2) return false;
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(hex[2 * i]);
        const int lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

std::string address_of(const wire::socket_address& a) {
    char buf[64];
    const std::size_t n = wire::format_address(a, buf, sizeof buf);
    return std::string(buf, std::min(n, sizeof buf - 1));
}

// Seconds since the epoch for a dataplane time (seconds since start).
std::uint64_t wall_seconds(std::uint32_t dataplane_seconds, std::chrono::steady_clock::time_point started) {
    const auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const std::int64_t t = now - up + dataplane_seconds;
    return t > 0 ? static_cast<std::uint64_t>(t) : 0;
}

}  // namespace

api_backend::api_backend(runtime& dp, std::string config_text)
    : dp_(dp),
      store_(std::move(config_text),
             [this](const control::stratod_config& o, const control::stratod_config& n, const control::config_diff&) {
                 apply_hook(o, n);
             }) {
    stats_interval_ = store_.config().server_.stats_interval_seconds_;
    // A QSBR thread ID of our own: the highest one that is no EAL lcore
    // (workers report with their lcore IDs).
    for (unsigned id = RTE_MAX_LCORE; id-- > 0;) {
        if (rte_lcore_is_enabled(id)) continue;
        if (dp_.directory().register_reader(id)) {
            rte_rcu_qsbr_thread_offline(dp_.directory().qsbr(), id);
            reader_id_ = id;
            reader_registered_ = true;
        }
        break;
    }
    if (!reader_registered_) log(log_level::warn, "REST: cannot register a peer directory reader; peers unavailable");
}

api_backend::~api_backend() {
    if (reader_registered_) dp_.directory().unregister_reader(reader_id_);
}

void api_backend::on_token_change(std::function<void(std::string)> sink) {
    std::lock_guard lock(token_mutex_);
    token_sink_ = std::move(sink);
}

bool api_backend::live_reloadable(std::string_view path) noexcept {
    return path == "server.log_level" || path == "server.stats_interval_seconds" || path == "rest.token" ||
           path == "rest.token_file" || reaches_workers(path);
}

// Rate limits and the cookie schedule: the workers take them over through
// runtime::apply_live. The bucket tables keep their size until a restart.
bool api_backend::reaches_workers(std::string_view path) noexcept {
    return (path.starts_with("handshake.") && path != "handshake.rate_limit_buckets") ||
           (path.starts_with("introduction.") && path != "introduction.buckets") ||
           (path.starts_with("apps[") && path.ends_with("].max_peers"));
}

namespace {
bool same_app_quotas(const control::stratod_config& a, const control::stratod_config& b) {
    if (a.apps_.size() != b.apps_.size()) return false;
    for (std::size_t i = 0; i < a.apps_.size(); ++i)
        if (a.apps_[i].max_peers_ != b.apps_[i].max_peers_) return false;
    return true;
}
}  // namespace

void api_backend::apply_hook(const control::stratod_config& o, const control::stratod_config& n) {
    if (live_settings_of(o) != live_settings_of(n) || !same_app_quotas(o, n)) {
        dp_.apply_live(n);
        log(log_level::info, "config: rate limits, cookie schedule and app quotas handed to the workers");
    }
    if (o.server_.log_level_ != n.server_.log_level_) {
        log_threshold().store(static_cast<int>(n.server_.log_level_));
        log(log_level::info, "config: log level now %d", static_cast<int>(n.server_.log_level_));
    }
    if (o.server_.stats_interval_seconds_ != n.server_.stats_interval_seconds_) {
        stats_interval_ = n.server_.stats_interval_seconds_;
        log(log_level::info, "config: stats interval now %u s", n.server_.stats_interval_seconds_);
    }
    if (o.rest_.token_ != n.rest_.token_) {
        std::lock_guard lock(token_mutex_);
        if (token_sink_) token_sink_(n.rest_.token_);
        log(log_level::info, "config: REST token replaced");
    }
}

template <class Fn>
auto api_backend::read_directory(Fn&& fn) {
    if (!reader_registered_) throw std::runtime_error("peer directory unavailable");
    std::lock_guard lock(directory_mutex_);
    auto& dir = dp_.directory();
    rte_rcu_qsbr_thread_online(dir.qsbr(), reader_id_);
    struct offline {
        control::peer_directory& d;
        unsigned id;
        ~offline() { rte_rcu_qsbr_thread_offline(d.qsbr(), id); }
    } guard{dir, reader_id_};
    return fn(static_cast<const control::peer_directory&>(dir));
}

std::string api_backend::app_path(std::uint16_t app_index) const {
    const auto& apps = dp_.config().apps_;
    return app_index < apps.size() ? apps[app_index].path_ : std::string();
}

rest::peer_info api_backend::to_info(const control::peer_view& v) const {
    rest::peer_info p;
    p.peer_id_ = hex_of(v.id);
    p.app_ = app_path(v.app_index);
    p.public_address_ = address_of(v.public_address);
    for (std::size_t i = 0; i < v.private_count && i < v.private_addresses.size(); ++i)
        p.private_addresses_.push_back(address_of(v.private_addresses[i]));
    p.introducible_ = v.introducible;
    const auto& workers = dp_.workers();
    p.lcore_ = v.lcore < workers.size() ? workers[v.lcore]->lcore_id : v.lcore;
    p.session_id_ = v.session_id;
    p.connect_time_ = wall_seconds(v.connect_time, started_);
    p.last_activity_ = wall_seconds(v.last_activity, started_);
    return p;
}

rest::health_status api_backend::health() {
    rest::health_status h;
    const auto& ports = dp_.ports();
    for (std::size_t p = 0; p < ports.size(); ++p) {
        rte_eth_link link{};
        if (rte_eth_link_get_nowait(ports[p].port_id, &link) != 0 || link.link_status != RTE_ETH_LINK_UP)
            h.reasons_.push_back("port " + std::to_string(p) + " (" + ports[p].name + "): link down");
    }
    for (const auto& w : dp_.workers())
        if (!w->running.load(std::memory_order_acquire))
            h.reasons_.push_back("lcore " + std::to_string(w->lcore_id) + ": worker not running");
    h.ok_ = h.reasons_.empty();
    return h;
}

rest::stats_snapshot api_backend::stats() {
    rest::stats_snapshot s;
    s.uptime_seconds_ = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
    for (auto n : engine::stage_names) s.stage_names_.emplace_back(n);
    for (auto n : wire::drop_reason_names) s.drop_reason_names_.emplace_back(n);
    const auto& ports = dp_.ports();
    for (std::size_t p = 0; p < ports.size(); ++p) {
        rte_eth_link link{};
        const bool up = rte_eth_link_get_nowait(ports[p].port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
        s.ports_.push_back(rest::port_info{static_cast<std::uint16_t>(p), ports[p].name, up});
    }
    for (const auto& w : dp_.workers()) {
        rest::lcore_stats l;
        l.lcore_ = w->lcore_id;
        const auto& c = w->counters;
        for (std::size_t p = 0; p < ports.size() && p < engine::max_ports; ++p)
            l.ports_.push_back(rest::port_counters{engine::read(c.rx_packets[p]), engine::read(c.rx_bytes[p]),
                                                   engine::read(c.tx_packets[p]), engine::read(c.tx_bytes[p])});
        for (const auto& v : c.stages) l.stages_.push_back(engine::read(v));
        for (const auto& v : c.drops) l.drops_.push_back(engine::read(v));
        // A gauge the worker writes plainly; a word-sized read, possibly stale.
        l.sessions_ = w->sessions ? w->sessions->table().active() : 0;
        s.lcores_.push_back(std::move(l));
    }
    const auto& dir = dp_.directory();
    s.peers_ = dir.count();
    const auto& apps = dp_.config().apps_;
    std::lock_guard lock(dp_.groups().mutex());
    const auto& groups = dp_.groups().table();
    s.groups_ = groups.group_count();
    for (std::size_t i = 0; i < apps.size(); ++i)
        s.apps_.push_back(rest::app_count{apps[i].path_, dir.app_count(static_cast<std::uint16_t>(i)),
                                          groups.app_groups(static_cast<std::uint16_t>(i))});
    return s;
}

rest::lookup_status api_backend::peers(const rest::page_request& request, rest::peers_page& out) {
    std::uint64_t cursor = 0;
    if (!request.cursor_.empty()) {
        const char* b = request.cursor_.data();
        const char* e = b + request.cursor_.size();
        const auto r = std::from_chars(b, e, cursor);
        if (r.ec != std::errc() || r.ptr != e) return rest::lookup_status::bad_cursor;
    }
    std::optional<std::uint16_t> app;
    if (request.app_) {
        const auto& apps = dp_.config().apps_;
        const auto it = std::find_if(apps.begin(), apps.end(), [&](const auto& a) { return a.path_ == *request.app_; });
        if (it == apps.end()) return rest::lookup_status::ok;  // no such app: no peers
        app = static_cast<std::uint16_t>(it - apps.begin());
    }
    std::vector<control::peer_view> views(std::clamp<std::uint32_t>(request.limit_, 1, rest::max_page_limit));
    const auto r = read_directory([&](const control::peer_directory& d) { return d.page(app, cursor, views); });
    for (std::uint32_t i = 0; i < r.count; ++i) out.peers_.push_back(to_info(views[i]));
    out.next_cursor_ = r.done ? std::string() : std::to_string(r.next_cursor);
    return rest::lookup_status::ok;
}

std::optional<rest::peer_info> api_backend::peer(std::string_view peer_id_hex) {
    control::peer_id id{};
    if (!parse_hex_id(peer_id_hex, id)) return std::nullopt;
    control::peer_view v{};
    if (!read_directory([&](const control::peer_directory& d) { return d.lookup(id, v); })) return std::nullopt;
    return to_info(v);
}

rest::kick_status api_backend::kick_peer(std::string_view peer_id_hex) {
    control::peer_id id{};
    if (!parse_hex_id(peer_id_hex, id)) return rest::kick_status::not_found;
    control::peer_view v{};
    if (!read_directory([&](const control::peer_directory& d) { return d.lookup(id, v); }))
        return rest::kick_status::not_found;
    const auto& workers = dp_.workers();
    if (v.lcore >= workers.size() || !workers[v.lcore]->sessions || dp_.ports().empty())
        return rest::kick_status::not_found;
    // The owning worker closes the session itself (session_stage::poll).
    rte_mbuf* m = rte_pktmbuf_alloc(dp_.ports()[0].pool);
    if (!m) throw std::runtime_error("kick: no mbuf available");
    std::memcpy(rte_pktmbuf_mtod(m, void*), &v.session_id, sizeof v.session_id);
    m->port = kick_marker;
    if (rte_ring_enqueue(workers[v.lcore]->sessions->handoff_ring(), m) != 0) {
        rte_pktmbuf_free(m);
        throw std::runtime_error("kick: the worker's ring is full");
    }
    log(log_level::info, "REST: closing session %u of peer %.16s... on lcore %u", v.session_id,
        std::string(peer_id_hex).c_str(), workers[v.lcore]->lcore_id);
    return rest::kick_status::closing;
}

// The group table, read under its owner's mutex (the control thread holds
// it only while applying one event).
rest::lookup_status api_backend::groups(const rest::page_request& request, rest::groups_page& out) {
    std::uint64_t cursor = 0;
    if (!request.cursor_.empty()) {
        const char* b = request.cursor_.data();
        const char* e = b + request.cursor_.size();
        const auto r = std::from_chars(b, e, cursor);
        if (r.ec != std::errc() || r.ptr != e || cursor > (1ull << 32)) return rest::lookup_status::bad_cursor;
    }
    std::optional<std::uint16_t> app;
    if (request.app_) {
        const auto& apps = dp_.config().apps_;
        const auto it = std::find_if(apps.begin(), apps.end(), [&](const auto& a) { return a.path_ == *request.app_; });
        if (it == apps.end()) return rest::lookup_status::ok;  // no such app: no groups
        app = static_cast<std::uint16_t>(it - apps.begin());
    }
    std::vector<control::group_summary> page;
    std::uint64_t next = 0;
    {
        std::lock_guard lock(dp_.groups().mutex());
        next = dp_.groups().table().page(cursor, std::clamp<std::uint32_t>(request.limit_, 1, rest::max_page_limit),
                                         page, app, 1u << 16);
    }
    for (const auto& g : page) {
        rest::group_info info;
        info.group_id_ = hex_of(g.id);
        info.app_ = app_path(g.app);
        info.member_count_ = g.members;
        out.groups_.push_back(std::move(info));
    }
    out.next_cursor_ = next == 0 ? std::string() : std::to_string(next);
    return rest::lookup_status::ok;
}

std::optional<rest::group_info> api_backend::group(std::string_view group_id_hex) {
    control::group_id id{};
    if (!parse_hex_id(group_id_hex, id)) return std::nullopt;
    control::group_summary g;
    std::vector<control::member_peer_id> members;
    {
        std::lock_guard lock(dp_.groups().mutex());
        const auto& t = dp_.groups().table();
        if (!t.find_any_app(id, g)) return std::nullopt;
        (void)t.members_of(g.app, id, members);
    }
    rest::group_info info;
    info.group_id_ = hex_of(id);
    info.app_ = app_path(g.app);
    info.member_count_ = g.members;
    for (const auto& m : members) info.members_.push_back(hex_of(m));
    return info;
}

std::string api_backend::config_toml() { return store_.text(); }
boost::json::value api_backend::config_json() { return store_.json(); }

rest::config_apply_result api_backend::apply_config(std::string_view toml_text, bool dry_run) {
    auto r = store_.apply(toml_text, dry_run);
    // The schema calls more keys reloadable than this stratod takes live yet.
    // An app quota applies live only while the apps keep their paths and
    // positions (runtime::apply_live matches them that way).
    const auto reshapes_apps = [](const control::config_change& c) {
        return c.path_.starts_with("apps") && !c.path_.ends_with("].max_peers") &&
               !c.path_.ends_with("].developer_keys") && !c.path_.ends_with("].max_handshakes_per_second");
    };
    const bool apps_reshaped = std::any_of(r.applied_.begin(), r.applied_.end(), reshapes_apps) ||
                               std::any_of(r.restart_required_.begin(), r.restart_required_.end(), reshapes_apps);
    auto keep = std::stable_partition(r.applied_.begin(), r.applied_.end(), [&](const control::config_change& c) {
        return live_reloadable(c.path_) && !(apps_reshaped && c.path_.starts_with("apps"));
    });
    r.restart_required_.insert(r.restart_required_.end(), std::make_move_iterator(keep),
                               std::make_move_iterator(r.applied_.end()));
    r.applied_.erase(keep, r.applied_.end());
    return r;
}

std::vector<rest::app_spec> api_backend::apps() { return store_.apps(); }

// The workers read their app rules without a lock: a new or removed app is
// remembered in the configured file and takes effect at the next restart.
rest::app_change_result api_backend::add_app(const rest::app_spec& app) {
    auto r = store_.add_app(app);
    if (r.status_ == rest::app_change_status::done)
        log(log_level::warn, "apps: \"%s\" added to the configuration; restart stratod to serve it", app.path_.c_str());
    return r;
}

rest::app_change_result api_backend::remove_app(std::string_view path) {
    auto r = store_.remove_app(path);
    if (r.status_ == rest::app_change_status::done)
        log(log_level::warn, "apps: \"%s\" removed from the configuration; restart stratod to stop serving it",
            std::string(path).c_str());
    return r;
}

}  // namespace strato::stratod
