// One function per command: build the request, print a table (or the raw
// JSON with --json), map HTTP errors to exit codes.
#include "tools/stratoctl/commands.hpp"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>

namespace stratoctl {
namespace json = boost::json;
namespace {

std::string str(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_null()) return "-";
    return json::serialize(v);
}

// Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on
// `"literal" + std::string&&`.
std::string join(const json::array& items, std::string_view separator) {
    std::string out;
    for (const auto& x : items) {
        if (!out.empty()) out += separator;
        out += str(x);
    }
    return out;
}

// Left-aligned columns sized to their widest cell.
void table(std::ostream& out, const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
    for (const auto& r : rows) {
        for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            out << (i + 1 < cells.size() ? std::string(cells[i]).append(width[i] - cells[i].size() + 2, ' ') : cells[i]);
        }
        out << '\n';
    };
    line(head);
    for (const auto& r : rows) line(r);
}

struct call {
    response res;
    json::value body;   // null when not JSON
};

call send(client& c, std::string_view method, const std::string& target, const std::string& body = {},
          std::string_view type = {}) {
    call k{c.request(method, target, body, type), nullptr};
    boost::system::error_code ec;
    k.body = json::parse(k.res.body, ec);
    if (ec) k.body = nullptr;
    return k;
}

// Prints stratod's refusal; returns the exit code for it.
int refused(const call& k, const options& o, std::ostream& err) {
    std::string code = "error", message = k.res.body;
    std::vector<std::string> details;
    if (k.body.is_object() && k.body.as_object().contains("error")) {
        const auto& e = k.body.at("error");
        code = str(e.at("code"));
        message = str(e.at("message"));
        if (const auto* d = e.as_object().if_contains("details"); d != nullptr && d->is_array()) {
            for (const auto& x : d->as_array()) {
                std::string line = "  " + str(x.at("field")) + ": " + str(x.at("reason"));
                if (x.as_object().contains("line")) line += " (line " + str(x.at("line")) + ")";
                details.push_back(std::move(line));
            }
        }
    }
    if (code == "invalid_config") {
        err << "stratoctl: the configuration is invalid (" << details.size() << " error(s)):\n";
        for (const auto& d : details) err << d << '\n';
        return exit_invalid_config;
    }
    err << "stratoctl: stratod refused (" << k.res.status << " " << code << "): " << message << '\n';
    if (k.res.status == 401 && o.token.empty()) err << "stratoctl: set STRATO_TOKEN or pass --token-file FILE\n";
    return exit_refused;
}

bool ok(const call& k) { return k.res.status >= 200 && k.res.status < 300; }

void need(const options& o, std::size_t n, std::string_view usage) {
    if (o.words.size() != n) throw usage_error(std::string("usage: stratoctl ") + std::string(usage));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error(path + ": cannot be read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string page_query(const options& o) {
    std::string q;
    const auto add = [&](std::string_view k, const std::string& v) {
        q += q.empty() ? '?' : '&';
        q += k;
        q += '=';
        q += percent_encode(v);
    };
    if (o.app) add("app", *o.app);
    if (o.cursor) add("cursor", *o.cursor);
    if (o.limit) add("limit", std::to_string(*o.limit));
    return q;
}

void print_changes(std::ostream& out, const json::value& body, bool dry_run) {
    const auto& applied = body.at("applied").as_array();
    const auto& restart = body.at("restart_required").as_array();
    if (applied.empty() && restart.empty()) out << "no changes\n";
    for (const auto& c : applied) {
        out << (dry_run ? "would apply " : "applied ") << str(c.at("field")) << ": " << str(c.at("old")) << " -> "
            << str(c.at("new")) << '\n';
    }
    for (const auto& c : restart) {
        out << "needs a restart " << str(c.at("field")) << ": " << str(c.at("old")) << " -> " << str(c.at("new")) << '\n';
    }
}

int stats(const options& o, client& c, std::ostream& out, std::ostream& err) {
    need(o, 1, "stats");
    const auto k = send(c, "GET", "/v1/stats");
    if (!ok(k)) return refused(k, o, err);
    if (o.json) return out << k.res.body, exit_ok;
    const auto& s = k.body;
    const auto& t = s.at("totals");
    out << "uptime " << str(s.at("uptime_seconds")) << " s, " << str(s.at("workers")) << " workers, peers "
        << str(t.at("peers")) << ", groups " << str(t.at("groups")) << ", sessions " << str(t.at("sessions")) << "\n"
        << "rx " << str(t.at("rx_packets")) << "  tx " << str(t.at("tx_packets")) << "  drops " << str(t.at("drops"))
        << "\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : s.at("lcores").as_array()) {
        rows.push_back({str(l.at("lcore")), str(l.at("rx_packets")), str(l.at("tx_packets")), str(l.at("drops")),
                        str(l.at("sessions"))});
    }
    table(out, {"LCORE", "RX", "TX", "DROPS", "SESSIONS"}, rows);
    rows.clear();
    for (const auto& p : s.at("ports").as_array()) {
        rows.push_back({str(p.at("port")), str(p.at("device")), p.at("link_up").as_bool() ? "up" : "down",
                        str(p.at("rx_packets")), str(p.at("rx_bytes")), str(p.at("tx_packets")), str(p.at("tx_bytes"))});
    }
    out << '\n';
    table(out, {"PORT", "DEVICE", "LINK", "RX", "RX_BYTES", "TX", "TX_BYTES"}, rows);
    rows.clear();
    for (const auto& [name, v] : s.at("drop_reasons").as_object()) {
        if (v.to_number<std::uint64_t>() != 0) rows.push_back({std::string(name), str(v)});
    }
    if (!rows.empty()) {
        out << '\n';
        table(out, {"DROP_REASON", "COUNT"}, rows);
    }
    return exit_ok;
}

int peers(const options& o, client& c, std::ostream& out, std::ostream& err) {
    if (o.words.size() < 2) throw usage_error("usage: stratoctl peers list|show ID|kick ID");
    const auto& sub = o.words[1];
    if (sub == "list") {
        need(o, 2, "peers list [--app A] [--limit N] [--cursor C]");
        const auto k = send(c, "GET", "/v1/peers" + page_query(o));
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        std::vector<std::vector<std::string>> rows;
        for (const auto& p : k.body.at("peers").as_array()) {
            rows.push_back({str(p.at("peer_id")), str(p.at("app")), str(p.at("public_address")), str(p.at("lcore")),
                            p.at("introducible").as_bool() ? "yes" : "no"});
        }
        table(out, {"PEER_ID", "APP", "PUBLIC_ADDRESS", "LCORE", "INTRODUCIBLE"}, rows);
        if (!k.body.at("next_cursor").is_null()) out << "more: --cursor " << str(k.body.at("next_cursor")) << '\n';
        return exit_ok;
    }
    if (sub == "show" || sub == "kick") {
        need(o, 3, std::string("peers ") + sub + " PEER_ID");
        const auto k = send(c, sub == "show" ? "GET" : "DELETE", "/v1/peers/" + percent_encode(o.words[2]));
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        if (sub == "kick") return out << "peer " << str(k.body.at("peer_id")) << ": closing\n", exit_ok;
        for (const auto& [name, v] : k.body.as_object()) {
            std::string value;
            if (v.is_array()) {
                value = join(v.as_array(), ", ");
            } else {
                value = str(v);
            }
            out << std::left << std::setw(18) << (std::string(name) + ":") << value << '\n';
        }
        return exit_ok;
    }
    throw usage_error("unknown command: peers " + sub + " (list, show, kick)");
}

int groups(const options& o, client& c, std::ostream& out, std::ostream& err) {
    if (o.words.size() < 2) throw usage_error("usage: stratoctl groups list|show ID");
    const auto& sub = o.words[1];
    if (sub == "list") {
        need(o, 2, "groups list [--app A] [--limit N] [--cursor C]");
        const auto k = send(c, "GET", "/v1/groups" + page_query(o));
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        std::vector<std::vector<std::string>> rows;
        for (const auto& g : k.body.at("groups").as_array()) {
            rows.push_back({str(g.at("group_id")), str(g.at("app")), str(g.at("member_count"))});
        }
        table(out, {"GROUP_ID", "APP", "MEMBERS"}, rows);
        if (!k.body.at("next_cursor").is_null()) out << "more: --cursor " << str(k.body.at("next_cursor")) << '\n';
        return exit_ok;
    }
    if (sub == "show") {
        need(o, 3, "groups show GROUP_ID");
        const auto k = send(c, "GET", "/v1/groups/" + percent_encode(o.words[2]));
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        out << "group_id: " << str(k.body.at("group_id")) << "\napp: " << str(k.body.at("app"))
            << "\nmembers: " << str(k.body.at("member_count")) << '\n';
        for (const auto& m : k.body.at("members").as_array()) out << "  " << str(m) << '\n';
        return exit_ok;
    }
    throw usage_error("unknown command: groups " + sub + " (list, show)");
}

int config(const options& o, client& c, std::ostream& out, std::ostream& err) {
    if (o.words.size() < 2) throw usage_error("usage: stratoctl config get|check FILE|apply FILE");
    const auto& sub = o.words[1];
    if (sub == "get") {
        need(o, 2, "config get");
        const auto k = send(c, "GET", "/v1/config");
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        return out << str(k.body.at("toml")), exit_ok;
    }
    if (sub == "check" || sub == "apply") {
        need(o, 3, std::string("config ") + sub + " FILE");
        const bool dry = sub == "check";
        const auto k = send(c, "PUT", dry ? "/v1/config?dry_run=true" : "/v1/config", read_file(o.words[2]),
                            "application/toml");
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        if (dry) out << o.words[2] << ": configuration is valid\n";
        print_changes(out, k.body, dry);
        return exit_ok;
    }
    throw usage_error("unknown command: config " + sub + " (get, check, apply)");
}

int apps(const options& o, client& c, std::ostream& out, std::ostream& err) {
    if (o.words.size() < 2) throw usage_error("usage: stratoctl apps list|add PATH|remove PATH");
    const auto& sub = o.words[1];
    if (sub == "list") {
        need(o, 2, "apps list");
        const auto k = send(c, "GET", "/v1/apps");
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        std::vector<std::vector<std::string>> rows;
        for (const auto& a : k.body.at("apps").as_array()) {
            const auto keys = join(a.at("developer_keys").as_array(), ",");
            rows.push_back({str(a.at("path")), keys.empty() ? "-" : keys, str(a.at("max_peers")),
                            str(a.at("max_handshakes_per_second"))});
        }
        table(out, {"PATH", "DEVELOPER_KEYS", "MAX_PEERS", "MAX_HANDSHAKES_PER_SECOND"}, rows);
        return exit_ok;
    }
    if (sub == "add") {
        need(o, 3, "apps add PATH [--key K]... [--max-peers N] [--max-handshakes N]");
        json::object body{{"path", o.words[2]}};
        json::array keys;
        for (const auto& k : o.keys) keys.push_back(json::string(k));
        body["developer_keys"] = std::move(keys);
        if (o.max_peers) body["max_peers"] = *o.max_peers;
        if (o.max_handshakes) body["max_handshakes_per_second"] = *o.max_handshakes;
        const auto k = send(c, "POST", "/v1/apps", json::serialize(body), "application/json");
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        return out << "app " << o.words[2] << ": added\n", exit_ok;
    }
    if (sub == "remove") {
        need(o, 3, "apps remove PATH");
        const auto k = send(c, "DELETE", "/v1/apps?path=" + percent_encode(o.words[2]));
        if (!ok(k)) return refused(k, o, err);
        if (o.json) return out << k.res.body, exit_ok;
        return out << "app " << o.words[2] << ": removed\n", exit_ok;
    }
    throw usage_error("unknown command: apps " + sub + " (list, add, remove)");
}

}  // namespace

int run(const options& o, client& c, std::ostream& out, std::ostream& err) {
    if (o.words.empty()) throw usage_error("no command (stratoctl --help lists them)");
    const auto& cmd = o.words[0];
    if (cmd == "stats") return stats(o, c, out, err);
    if (cmd == "peers") return peers(o, c, out, err);
    if (cmd == "groups") return groups(o, c, out, err);
    if (cmd == "config") return config(o, c, out, err);
    if (cmd == "apps") return apps(o, c, out, err);
    throw usage_error("unknown command: " + cmd + " (stratoctl --help lists them)");
}

}  // namespace stratoctl
