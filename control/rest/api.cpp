#include "control/rest/api.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "control/rest/metrics.hpp"

namespace strato::rest {
namespace json = boost::json;
namespace {

constexpr route_description routes[] = {
    {"GET", "/v1/health", false},
    {"GET", "/v1/stats", false},
    {"GET", "/v1/peers", false},
    {"GET", "/v1/peers/{peer_id}", false},
    {"DELETE", "/v1/peers/{peer_id}", true},
    {"GET", "/v1/groups", false},
    {"GET", "/v1/groups/{group_id}", false},
    // The config and the apps list carry secrets (rest.token, developer
    // keys), so reading them needs the token too.
    {"GET", "/v1/config", true},
    {"PUT", "/v1/config", true},
    {"GET", "/v1/apps", true},
    {"POST", "/v1/apps", true},
    {"DELETE", "/v1/apps", true},
    {"GET", "/metrics", false},
    {"GET", "/v1/openapi.json", false},
};

// A failure a handler reports; handle() turns it into the JSON error.
struct api_error {
    unsigned status;
    std::string code;
    std::string message;
    std::string field;      // the offending field or parameter, when one
    json::array details;    // per-field errors (config validation)
};

[[noreturn]] void fail(unsigned status, std::string code, std::string message, std::string field = {}) {
    throw api_error{status, std::move(code), std::move(message), std::move(field), {}};
}

http_response make_json(unsigned status, const json::value& body, const http_request& req) {
    http_response res{static_cast<http::status>(status), req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.body() += '\n';
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

json::object error_object(std::string_view code, std::string_view message) {
    return json::object{{"code", code}, {"message", message}};
}

// ---- request pieces --------------------------------------------------------

std::string percent_decode(std::string_view in, std::string_view name) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%') {
            unsigned v = 0;
            if (i + 2 >= in.size()) {
                fail(400, "invalid_parameter", std::string(name) + ": bad percent escape", std::string(name));
            }
            const auto r = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
            if (r.ec != std::errc{} || r.ptr != in.data() + i + 3) {
                fail(400, "invalid_parameter", std::string(name) + ": bad percent escape", std::string(name));
            }
            out += static_cast<char>(v);
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

using query_map = std::map<std::string, std::string, std::less<>>;

query_map parse_query(std::string_view query, std::initializer_list<std::string_view> allowed) {
    query_map out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) continue;
        const auto eq = part.find('=');
        auto name = percent_decode(part.substr(0, eq), "query");
        auto value = eq == std::string_view::npos ? std::string{} : percent_decode(part.substr(eq + 1), name);
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            fail(400, "unknown_parameter", name + ": unknown query parameter", name);
        }
        if (!out.emplace(name, std::move(value)).second) {
            fail(400, "invalid_parameter", name + ": given more than once", name);
        }
    }
    return out;
}

page_request page_from(const query_map& q) {
    page_request p;
    if (auto it = q.find("app"); it != q.end()) {
        if (it->second.empty()) fail(400, "invalid_parameter", "app: must not be empty", "app");
        p.app_ = it->second;
    }
    if (auto it = q.find("cursor"); it != q.end()) p.cursor_ = it->second;
    p.limit_ = default_page_limit;
    if (auto it = q.find("limit"); it != q.end()) {
        std::uint32_t v = 0;
        const auto& s = it->second;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size() || v < 1 || v > max_page_limit) {
            fail(400, "invalid_parameter",
                 "limit: \"" + s + "\" is not an integer from 1 to " + std::to_string(max_page_limit), "limit");
        }
        p.limit_ = v;
    }
    return p;
}

bool is_hex_id(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
           });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// ---- JSON shapes -----------------------------------------------------------

json::object port_json(const port_counters& p) {
    return {{"rx_packets", p.rx_packets_}, {"rx_bytes", p.rx_bytes_},
            {"tx_packets", p.tx_packets_}, {"tx_bytes", p.tx_bytes_}};
}

json::object named(const std::vector<std::string>& names, const std::vector<std::uint64_t>& values,
                   bool skip_none) {
    json::object o;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        if (skip_none && names[i] == "none") continue;
        o[names[i]] = values[i];
    }
    return o;
}

json::object stats_json(const stats_snapshot& s) {
    std::vector<port_counters> port_sum(s.ports_.size());
    std::vector<std::uint64_t> stage_sum(s.stage_names_.size()), drop_sum(s.drop_reason_names_.size());
    json::array lcores;
    std::uint64_t rx = 0, tx = 0, drops = 0, sessions = 0;
    for (const auto& l : s.lcores_) {
        std::uint64_t lrx = 0, ltx = 0, ldrops = 0;
        json::array ports;
        for (std::size_t p = 0; p < l.ports_.size(); ++p) {
            lrx += l.ports_[p].rx_packets_;
            ltx += l.ports_[p].tx_packets_;
            if (p < port_sum.size()) {
                port_sum[p].rx_packets_ += l.ports_[p].rx_packets_;
                port_sum[p].rx_bytes_ += l.ports_[p].rx_bytes_;
                port_sum[p].tx_packets_ += l.ports_[p].tx_packets_;
                port_sum[p].tx_bytes_ += l.ports_[p].tx_bytes_;
            }
            auto pj = port_json(l.ports_[p]);
            pj["port"] = p;
            ports.push_back(std::move(pj));
        }
        for (std::size_t i = 0; i < l.stages_.size() && i < stage_sum.size(); ++i) stage_sum[i] += l.stages_[i];
        for (std::size_t i = 0; i < l.drops_.size() && i < drop_sum.size(); ++i) {
            drop_sum[i] += l.drops_[i];
            ldrops += l.drops_[i];
        }
        rx += lrx;
        tx += ltx;
        drops += ldrops;
        sessions += l.sessions_;
        lcores.push_back(json::object{{"lcore", l.lcore_},
                                      {"rx_packets", lrx},
                                      {"tx_packets", ltx},
                                      {"drops", ldrops},
                                      {"sessions", l.sessions_},
                                      {"ports", std::move(ports)},
                                      {"stages", named(s.stage_names_, l.stages_, false)},
                                      {"drop_reasons", named(s.drop_reason_names_, l.drops_, true)}});
    }
    json::array ports;
    for (std::size_t p = 0; p < s.ports_.size(); ++p) {
        auto pj = port_json(port_sum[p]);
        pj["port"] = s.ports_[p].port_;
        pj["device"] = s.ports_[p].device_;
        pj["link_up"] = s.ports_[p].link_up_;
        ports.push_back(std::move(pj));
    }
    json::array apps;
    for (const auto& a : s.apps_) apps.push_back(json::object{{"app", a.app_}, {"peers", a.peers_}, {"groups", a.groups_}});
    return {{"uptime_seconds", s.uptime_seconds_},
            {"workers", s.lcores_.size()},
            {"totals", json::object{{"rx_packets", rx}, {"tx_packets", tx}, {"drops", drops},
                                    {"sessions", sessions}, {"peers", s.peers_}, {"groups", s.groups_}}},
            {"stages", named(s.stage_names_, stage_sum, false)},
            {"drop_reasons", named(s.drop_reason_names_, drop_sum, true)},
            {"ports", std::move(ports)},
            {"lcores", std::move(lcores)},
            {"apps", std::move(apps)}};
}

json::object peer_json(const peer_info& p) {
    json::array priv;
    for (const auto& a : p.private_addresses_) priv.push_back(json::string(a));
    return {{"peer_id", p.peer_id_},     {"app", p.app_},
            {"public_address", p.public_address_}, {"private_addresses", std::move(priv)},
            {"introducible", p.introducible_},     {"lcore", p.lcore_},
            {"session_id", p.session_id_},         {"connect_time", p.connect_time_},
            {"last_activity", p.last_activity_}};
}

json::object group_json(const group_info& g, bool members) {
    json::object o{{"group_id", g.group_id_}, {"app", g.app_}, {"member_count", g.member_count_}};
    if (members) {
        json::array m;
        for (const auto& id : g.members_) m.push_back(json::string(id));
        o["members"] = std::move(m);
    }
    return o;
}

json::value cursor_json(const std::string& c) { return c.empty() ? json::value(nullptr) : json::value(c); }

json::object app_json(const app_spec& a) {
    json::array keys;
    for (const auto& k : a.developer_keys_) keys.push_back(json::string(k));
    json::object o{{"path", a.path_}, {"developer_keys", std::move(keys)}};
    o["max_peers"] = a.max_peers_ ? json::value(*a.max_peers_) : json::value(nullptr);
    o["max_handshakes_per_second"] =
        a.max_handshakes_per_second_ ? json::value(*a.max_handshakes_per_second_) : json::value(nullptr);
    return o;
}

json::array changes_json(const std::vector<control::config_change>& changes) {
    json::array out;
    for (const auto& c : changes) {
        out.push_back(json::object{{"field", c.path_}, {"old", c.old_value_}, {"new", c.new_value_}});
    }
    return out;
}

[[noreturn]] void fail_config(const std::vector<control::config_error>& errors) {
    api_error e{400, "invalid_config", std::to_string(errors.size()) + " error(s) in the configuration", {}, {}};
    for (const auto& err : errors) {
        json::object d{{"field", err.path_}, {"reason", err.message_}};
        if (err.line_ != 0) d["line"] = err.line_;
        e.details.push_back(std::move(d));
    }
    if (!errors.empty()) e.message += ": " + errors.front().text() + (errors.size() > 1 ? " (and more)" : "");
    throw e;
}

// ---- JSON bodies -----------------------------------------------------------

json::object parse_object(const http_request& req) {
    const auto type = req[http::field::content_type];
    if (!type.empty() && !lower(type).starts_with("application/json")) {
        fail(415, "unsupported_media_type", "expected Content-Type: application/json");
    }
    boost::system::error_code ec;
    auto v = json::parse(req.body(), ec);
    if (ec) fail(400, "invalid_json", "body is not valid JSON: " + ec.message());
    if (!v.is_object()) fail(400, "invalid_json", "body must be a JSON object");
    return std::move(v.as_object());
}

void check_fields(const json::object& o, std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : o) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end()) {
            fail(400, "unknown_field", std::string(k) + ": unknown field", std::string(k));
        }
    }
}

std::optional<std::uint32_t> optional_u32(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64() && v->as_int64() >= 0 && v->as_int64() <= 0xffffffffLL) {
        return static_cast<std::uint32_t>(v->as_int64());
    }
    if (v->is_uint64() && v->as_uint64() <= 0xffffffffULL) return static_cast<std::uint32_t>(v->as_uint64());
    fail(400, "invalid_field", std::string(name) + ": must be an integer from 0 to 4294967295",
         std::string(name));
}

app_spec app_from(const json::object& o) {
    check_fields(o, {"path", "developer_keys", "max_peers", "max_handshakes_per_second"});
    app_spec a;
    const auto* path = o.if_contains("path");
    if (path == nullptr) fail(400, "missing_field", "path: required", "path");
    if (!path->is_string()) fail(400, "invalid_field", "path: must be a string", "path");
    a.path_ = std::string(path->as_string());
    if (const auto* keys = o.if_contains("developer_keys"); keys != nullptr && !keys->is_null()) {
        if (!keys->is_array()) fail(400, "invalid_field", "developer_keys: must be an array of strings", "developer_keys");
        for (std::size_t i = 0; i < keys->as_array().size(); ++i) {
            const auto& k = keys->as_array()[i];
            const auto field = "developer_keys[" + std::to_string(i) + "]";
            if (!k.is_string()) fail(400, "invalid_field", field + ": must be a string", field);
            a.developer_keys_.emplace_back(k.as_string());
        }
    }
    a.max_peers_ = optional_u32(o, "max_peers");
    a.max_handshakes_per_second_ = optional_u32(o, "max_handshakes_per_second");
    return a;
}

// PUT /v1/config takes the TOML text as is (application/toml, text/plain or
// no Content-Type) or wrapped as {"toml": "..."} (application/json).
std::string config_text_from(const http_request& req) {
    const auto type = lower(req[http::field::content_type]);
    if (type.starts_with("application/json")) {
        auto o = parse_object(req);
        check_fields(o, {"toml"});
        const auto* t = o.if_contains("toml");
        if (t == nullptr) fail(400, "missing_field", "toml: required", "toml");
        if (!t->is_string()) fail(400, "invalid_field", "toml: must be a string", "toml");
        return std::string(t->as_string());
    }
    if (!type.empty() && !type.starts_with("application/toml") && !type.starts_with("text/plain")) {
        fail(415, "unsupported_media_type", "expected Content-Type application/toml, text/plain or application/json");
    }
    return req.body();
}

bool flag_from(const query_map& q, std::string_view name) {
    auto it = q.find(name);
    if (it == q.end()) return false;
    if (it->second == "true" || it->second == "1" || it->second.empty()) return true;
    if (it->second == "false" || it->second == "0") return false;
    fail(400, "invalid_parameter", std::string(name) + ": must be true or false", std::string(name));
}

// ---- routing ---------------------------------------------------------------

// Splits "/v1/peers/abc" against "/v1/peers/{peer_id}"; fills the template
// parameter on a match.
bool match(std::string_view pattern, std::string_view path, std::string& param) {
    while (!pattern.empty() || !path.empty()) {
        if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        const auto pe = std::min(pattern.find('/'), pattern.size());
        const auto se = std::min(path.find('/'), path.size());
        const auto ps = pattern.substr(0, pe), ss = path.substr(0, se);
        if (ps.starts_with('{')) {
            if (ss.empty()) return false;
            param = std::string(ss);
        } else if (ps != ss) {
            return false;
        }
        pattern.remove_prefix(pe);
        path.remove_prefix(se);
    }
    return true;
}

std::string_view bearer(const http_request& req) {
    const auto h = req[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (h.size() < scheme.size() || lower(h.substr(0, scheme.size())) != "bearer ") return {};
    return h.substr(scheme.size());
}

}  // namespace

std::span<const route_description> served_routes() { return routes; }

void server_counters::count_status(unsigned status) noexcept {
    auto& c = status >= 500 ? requests_5xx : status >= 400 ? requests_4xx : requests_2xx;
    c.fetch_add(1, std::memory_order_relaxed);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // Every byte of the presented value is visited whatever the content, so
    // timing says nothing about how many leading bytes matched.
    unsigned diff = a.size() == b.size() ? 0u : 1u;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto expected = b.empty() ? 0 : static_cast<unsigned char>(b[i % b.size()]);
        diff |= static_cast<unsigned>(static_cast<unsigned char>(a[i]) ^ expected);
    }
    volatile unsigned sink = diff;
    return sink == 0;
}

void token_holder::set(std::string token) {
    std::lock_guard lock(mutex_);
    token_ = std::move(token);
}

bool token_holder::configured() const {
    std::lock_guard lock(mutex_);
    return !token_.empty();
}

bool token_holder::matches(std::string_view presented) const {
    std::lock_guard lock(mutex_);
    return !token_.empty() && constant_time_equal(presented, token_);
}

http_response error_response(unsigned status, std::string_view code, std::string_view message,
                             unsigned http_version, bool keep_alive) {
    http_response res{static_cast<http::status>(status), http_version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = json::serialize(json::object{{"error", error_object(code, message)}}) + "\n";
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

http_response api_router::handle(const http_request& req) noexcept {
    http_response res;
    try {
        try {
            const std::string_view target = req.target();
            const auto qpos = target.find('?');
            const auto path = target.substr(0, qpos);
            const auto query = qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
            const std::string_view method = req.method_string();

            const route_description* route = nullptr;
            std::string param;
            std::string allow;
            for (const auto& r : routes) {
                std::string p;
                if (!match(r.path, path, p)) continue;
                if (r.method == method || (method == "HEAD" && r.method == "GET")) {
                    route = &r;
                    param = std::move(p);
                    break;
                }
                if (!allow.empty()) allow += ", ";
                allow += r.method;
            }
            if (route == nullptr) {
                if (allow.empty()) fail(404, "not_found", "no route for " + std::string(path));
                res = error_response(405, "method_not_allowed",
                                     std::string(method) + " is not allowed on " + std::string(path) +
                                         " (allowed: " + allow + ")",
                                     req.version(), req.keep_alive());
                res.set(http::field::allow, allow);
                counters_.count_status(405);
                return res;
            }
            if (route->needs_token) {
                const auto presented = bearer(req);
                if (presented.empty()) {
                    res = error_response(401, "unauthorized",
                                         "this call needs Authorization: Bearer <rest.token>",
                                         req.version(), req.keep_alive());
                    res.set(http::field::www_authenticate, "Bearer realm=\"strato\"");
                    counters_.count_status(401);
                    return res;
                }
                if (!token_.matches(presented)) {
                    fail(403, "forbidden", token_.configured() ? "the bearer token is wrong"
                                                                : "rest.token is not set: mutating calls are disabled");
                }
            }
            const std::string_view rp = route->path;
            const std::string_view rm = route->method;

            if (rp == "/v1/health") {
                parse_query(query, {});
                const auto h = backend_.health();
                json::array reasons;
                for (const auto& r : h.reasons_) reasons.push_back(json::string(r));
                res = make_json(h.ok_ ? 200 : 503,
                                json::object{{"status", h.ok_ ? "ok" : "degraded"}, {"reasons", std::move(reasons)}}, req);
            } else if (rp == "/v1/stats") {
                parse_query(query, {});
                res = make_json(200, stats_json(backend_.stats()), req);
            } else if (rp == "/v1/peers" || rp == "/v1/groups") {
                const auto page = page_from(parse_query(query, {"app", "cursor", "limit"}));
                json::array items;
                std::string next;
                lookup_status st;
                if (rp == "/v1/peers") {
                    peers_page out;
                    st = backend_.peers(page, out);
                    for (const auto& p : out.peers_) items.push_back(peer_json(p));
                    next = std::move(out.next_cursor_);
                } else {
                    groups_page out;
                    st = backend_.groups(page, out);
                    for (const auto& g : out.groups_) items.push_back(group_json(g, false));
                    next = std::move(out.next_cursor_);
                }
                if (st == lookup_status::bad_cursor) fail(400, "invalid_parameter", "cursor: not a cursor this server issued", "cursor");
                const auto key = rp == "/v1/peers" ? "peers" : "groups";
                res = make_json(200, json::object{{key, std::move(items)}, {"next_cursor", cursor_json(next)}}, req);
            } else if (rp == "/v1/peers/{peer_id}") {
                parse_query(query, {});
                if (!is_hex_id(param)) fail(400, "invalid_parameter", "peer_id: must be 64 hex digits", "peer_id");
                const auto id = lower(param);
                if (rm == "GET") {
                    auto p = backend_.peer(id);
                    if (!p) fail(404, "not_found", "peer " + id + " is not connected");
                    res = make_json(200, peer_json(*p), req);
                } else {
                    if (backend_.kick_peer(id) == kick_status::not_found) fail(404, "not_found", "peer " + id + " is not connected");
                    res = make_json(202, json::object{{"peer_id", id}, {"status", "closing"}}, req);
                }
            } else if (rp == "/v1/groups/{group_id}") {
                parse_query(query, {});
                if (!is_hex_id(param)) fail(400, "invalid_parameter", "group_id: must be 64 hex digits", "group_id");
                const auto id = lower(param);
                auto g = backend_.group(id);
                if (!g) fail(404, "not_found", "group " + id + " does not exist");
                res = make_json(200, group_json(*g, true), req);
            } else if (rp == "/v1/config" && rm == "GET") {
                parse_query(query, {});
                res = make_json(200, json::object{{"toml", backend_.config_toml()}, {"config", backend_.config_json()}}, req);
            } else if (rp == "/v1/config") {
                const bool dry_run = flag_from(parse_query(query, {"dry_run"}), "dry_run");
                const auto text = config_text_from(req);
                const auto r = backend_.apply_config(text, dry_run);
                if (!r.valid_) fail_config(r.errors_);
                res = make_json(200, json::object{{"dry_run", dry_run},
                                                  {"applied", changes_json(r.applied_)},
                                                  {"restart_required", changes_json(r.restart_required_)}}, req);
            } else if (rp == "/v1/apps" && rm == "GET") {
                parse_query(query, {});
                json::array apps;
                for (const auto& a : backend_.apps()) apps.push_back(app_json(a));
                res = make_json(200, json::object{{"apps", std::move(apps)}}, req);
            } else if (rp == "/v1/apps" && rm == "POST") {
                parse_query(query, {});
                const auto app = app_from(parse_object(req));
                for (const auto& a : backend_.apps()) {
                    if (a.path_ == app.path_) fail(409, "conflict", "path: app \"" + app.path_ + "\" already exists", "path");
                }
                const auto r = backend_.add_app(app);
                if (r.status_ == app_change_status::invalid) fail_config(r.errors_);
                res = make_json(201, json::object{{"app", app_json(app)}}, req);
            } else if (rp == "/v1/apps") {
                const auto q = parse_query(query, {"path"});
                const auto it = q.find("path");
                if (it == q.end() || it->second.empty()) fail(400, "missing_parameter", "path: required", "path");
                const auto r = backend_.remove_app(it->second);
                if (r.status_ == app_change_status::not_found) fail(404, "not_found", "app \"" + it->second + "\" does not exist");
                if (r.status_ == app_change_status::invalid) fail_config(r.errors_);
                res = make_json(200, json::object{{"removed", it->second}}, req);
            } else if (rp == "/metrics") {
                parse_query(query, {});
                res = http_response{http::status::ok, req.version()};
                res.set(http::field::content_type, metrics_content_type);
                res.body() = render_metrics(backend_.stats(), backend_.health(), &counters_);
                res.keep_alive(req.keep_alive());
                res.prepare_payload();
            } else {  // /v1/openapi.json
                parse_query(query, {});
                res = http_response{http::status::ok, req.version()};
                res.set(http::field::content_type, "application/json");
                res.body() = std::string(openapi_document());
                res.keep_alive(req.keep_alive());
                res.prepare_payload();
            }
        } catch (api_error& e) {
            json::object err = error_object(e.code, e.message);
            if (!e.field.empty()) err["field"] = e.field;
            if (!e.details.empty()) err["details"] = std::move(e.details);
            res = make_json(e.status, json::object{{"error", std::move(err)}}, req);
        } catch (const std::exception& e) {
            res = make_json(500, json::object{{"error", error_object("internal", e.what())}}, req);
        } catch (...) {
            res = make_json(500, json::object{{"error", error_object("internal", "unexpected failure")}}, req);
        }
        if (req.method() == http::verb::head) {
            // Same headers as GET, no body.
            const auto length = res.body().size();
            res.body().clear();
            res.content_length(length);
        }
        counters_.count_status(res.result_int());
        return res;
    } catch (...) {
        // Only allocation failure gets here; answer without allocating much.
        http_response last{http::status::internal_server_error, 11};
        last.keep_alive(false);
        return last;
    }
}

}  // namespace strato::rest
