// strato-peer connect rtmfp://HOST[:PORT]/APP: a real RFC 7016/7425
// initiator (connection.cpp) over a kernel UDP socket: handshake, session,
// NetConnection connect, setPeerInfo, optional stay, orderly close.
// --count N --parallel P runs N such clients, P at a time, each on its own
// socket (own port), for "many clients connect, stay, leave" tests.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/peer_io.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/transport.hpp"

namespace strato::peer {

namespace {

constexpr std::string_view cmd = "connect";
constexpr const char* usage_text =
    "usage: strato-peer connect rtmfp://HOST[:PORT]/APP [--stay SECONDS] [--dh-group 2|5|14|16]\n"
    "       [--certificate static|ephemeral] [--hmac] [--sseq] [--timeout MS] [--json]\n"
    "       [--connect-arg K=V]... [--create-stream] [--count N] [--parallel P] [-4|-6]";

struct cli_options {
    std::string uri_text;
    keying_choice keying;
    std::uint64_t stay_s = 0;
    std::uint64_t timeout_ms = 5000;
    std::uint64_t count = 1;
    std::uint64_t parallel = 1;
    bool json = false;
    bool create_stream = false;
    misbehaviour misbehave = misbehaviour::none;
    int family = AF_UNSPEC;
    std::vector<std::pair<std::string, std::string>> connect_args;
};

int parse_options(args a, cli_options& o) {
    bool have_uri = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        auto value = [&]() -> const char* { return i + 1 < a.size() ? a[++i] : nullptr; };
        auto need = [&]() { return usage_error(cmd, std::string(s) + " needs a value"); };
        auto number = [&](std::uint64_t min, std::uint64_t max, std::uint64_t& out) -> int {
            const char* v = value();
            if (!v) return need();
            auto n = parse_number(v, min, max);
            if (!n)
                return usage_error(cmd, std::string(s) + ": \"" + v + "\" is not " + std::to_string(min) + ".." +
                                            std::to_string(max));
            out = *n;
            return exit_ok;
        };
        if (s == "--stay") {
            if (int rc = number(0, 86400, o.stay_s)) return rc;
        } else if (s == "--timeout") {
            if (int rc = number(1, 600000, o.timeout_ms)) return rc;
        } else if (s == "--count") {
            if (int rc = number(1, 100000, o.count)) return rc;
        } else if (s == "--parallel") {
            if (int rc = number(1, 1024, o.parallel)) return rc;
        } else if (s == "--dh-group") {
            std::uint64_t g = 0;
            if (int rc = number(1, 16, g)) return rc;
            crypto::dh_group dg;
            // Group 1 exists in the DH library but RFC 7425 §4.2 never lists it.
            if (g == 1 || !crypto::dh_group_from_id(g, dg))
                return usage_error(cmd, "--dh-group: " + std::to_string(g) + " is not 2, 5, 14 or 16");
            o.keying.group = dg;
        } else if (s == "--certificate") {
            const char* v = value();
            if (!v) return need();
            const std::string_view f = v;
            if (f == "static") o.keying.form = certificate_form::static_key;
            else if (f == "ephemeral") o.keying.form = certificate_form::ephemeral;
            else return usage_error(cmd, "--certificate: \"" + std::string(f) + "\" is not static or ephemeral");
        } else if (s == "--hmac") {
            o.keying.require_hmac = true;
        } else if (s == "--sseq") {
            o.keying.require_sseq = true;
        } else if (s == "--json") {
            o.json = true;
        } else if (s == "--misbehave") {
            // Test-only: see misbehaviour in connection.hpp.
            const char* v = value();
            if (!v) return need();
            const std::string_view m = v;
            if (m == "bad-cookie") o.misbehave = misbehaviour::bad_cookie;
            else if (m == "unsupported-group") o.misbehave = misbehaviour::unsupported_group;
            else if (m == "session-garbage") o.misbehave = misbehaviour::session_garbage;
            else return usage_error(cmd, "--misbehave: \"" + std::string(m) + "\" is not bad-cookie, unsupported-group or session-garbage");
        } else if (s == "--create-stream") {
            o.create_stream = true;
        } else if (s == "-4") {
            o.family = AF_INET;
        } else if (s == "-6") {
            o.family = AF_INET6;
        } else if (s == "--connect-arg") {
            const char* v = value();
            if (!v) return need();
            const std::string kv = v;
            const auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0)
                return usage_error(cmd, "--connect-arg: \"" + kv + "\" is not KEY=VALUE");
            o.connect_args.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        } else if (!s.empty() && s[0] == '-') {
            return usage_error(cmd, "unknown option \"" + std::string(s) + "\"\n" + usage_text);
        } else if (have_uri) {
            return usage_error(cmd, "more than one URI given");
        } else {
            o.uri_text = std::string(s);
            have_uri = true;
        }
    }
    if (!have_uri) return usage_error(cmd, usage_text);
    if (o.parallel > o.count) o.parallel = o.count;
    return exit_ok;
}

time_us now_us() {
    return static_cast<time_us>(
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now().time_since_epoch()).count());
}


std::string local_text(const endpoint& e) {
    if (e.length == 0) return "";
    auto a = to_socket_address(e);
    char buf[64];
    const auto n = wire::format_address(a, buf, sizeof buf);
    return std::string(buf, n);
}

int exit_of(outcome o) {
    switch (o) {
    case outcome::ok: return exit_ok;
    case outcome::protocol_failure: return exit_protocol;
    case outcome::timeout: return exit_timeout;
    case outcome::rejected: return exit_rejected;
    case outcome::pending: return exit_timeout;
    }
    return exit_protocol;
}

const char* result_name(outcome o) {
    switch (o) {
    case outcome::ok: return "ok";
    case outcome::protocol_failure: return "protocol_failure";
    case outcome::timeout: return "timeout";
    case outcome::rejected: return "rejected";
    case outcome::pending: return "pending";
    }
    return "?";
}

// Runs one client to completion on its own socket. `live` prints the steps
// as they happen (single client, text mode).
outcome run_one(const cli_options& o, const rtmfp_uri& uri, const endpoint& server, bool live, connection_report& rep,
                std::string& local) {
    udp_transport t;
    connect_options co;
    co.uri = uri;
    co.server = to_socket_address(server);
    co.keying = o.keying;
    co.connect_args = o.connect_args;
    co.create_stream = o.create_stream;
    co.misbehave = o.misbehave;
    co.stay = o.stay_s * session::seconds;
    co.timeout = o.timeout_ms * session::ms;
    if (auto e = t.open(server); !e.empty()) {
        rep.error = e;
        return outcome::timeout;
    }
    if (auto e = t.connect_to(server); !e.empty()) {
        rep.error = e;
        return outcome::timeout;
    }
    local = local_text(t.local());
    // RFC 7425 §5.3.3: our own socket address; a wildcard bind would say nothing.
    if (!local.empty()) co.peer_info.push_back(local);
    connection c(std::move(co));
    transport_out out;
    out.t = &t;
    out.to = server;
    auto print_new = [&] {
        auto& r = c.report();
        for (; r.steps_printed < r.steps.size(); ++r.steps_printed)
            if (live) std::printf("  %s\n", r.steps[r.steps_printed].c_str());
        if (live) std::fflush(stdout);
    };
    c.begin(now_us(), out);
    print_new();
    std::vector<std::uint8_t> buf(65536);
    while (c.result() == outcome::pending) {
        if (!out.error.empty()) {
            c.fail_unreachable(out.error);
            break;
        }
        const time_us now = now_us();
        const time_us wake = c.next_wakeup(now);
        const auto deadline = steady::now() + std::chrono::microseconds(wake > now ? wake - now : 0);
        auto r = t.receive(buf, deadline);
        if (r.status == receive_status::error) {
            c.fail_unreachable(r.error);
            break;
        }
        if (r.status == receive_status::datagram && same_endpoint(r.from, server) && r.length <= buf.size())
            c.on_datagram({buf.data(), r.length}, now_us(), out);
        c.poll(now_us(), out);
        print_new();
    }
    print_new();
    rep = c.report();
    return c.result();
}

std::string report_json(const cli_options& o, const rtmfp_uri& uri, const endpoint& server, const connection_report& r,
                        outcome res, const std::string& local) {
    json_object j;
    j.text("command", "connect").text("uri", uri.text).text("server", format_endpoint(server)).text("local", local);
    j.number("dh_group", static_cast<std::uint64_t>(o.keying.group));
    j.text("certificate", o.keying.form == certificate_form::static_key ? "static" : "ephemeral");
    j.raw("hmac_required", o.keying.require_hmac ? "true" : "false");
    j.raw("sseq_required", o.keying.require_sseq ? "true" : "false");
    j.text("peer_id", to_hex(r.peer_id));
    if (r.have_fingerprint) j.text("server_fingerprint", to_hex(r.server_fingerprint));
    else j.raw("server_fingerprint", "null");
    j.number("ihellos_sent", r.ihellos_sent).number("iikeyings_sent", r.iikeyings_sent).number("cookie_changes", r.cookie_changes);
    j.number("rhello_size", r.rhello_size).number("rikeying_size", r.rikeying_size).number("skrc_size", r.skrc_size);
    j.number("near_session_id", r.near_id).number("far_session_id", r.far_id);
    j.text("server_hmac", r.server_hmac).text("server_sseq", r.server_sseq).text("features", r.features);
    j.text("connect_code", r.connect_code).text("connect_description", r.connect_description);
    if (r.object_encoding >= 0) j.number("object_encoding", static_cast<std::uint64_t>(r.object_encoding));
    j.number("keepalive_server_ms", r.keepalive_server_ms).number("keepalive_peer_ms", r.keepalive_peer_ms);
    if (r.stream_id) j.number("stream_id", static_cast<std::uint64_t>(*r.stream_id));
    j.number("handshake_ms", static_cast<std::uint64_t>(r.handshake_ms));
    j.number("connect_ms", static_cast<std::uint64_t>(r.connect_ms));
    j.raw("close_acked", r.close_acked ? "true" : "false");
    j.number("packets_in", r.packets_in).number("packets_out", r.packets_out).number("retransmissions", r.retransmissions);
    if (r.failed_check.empty()) j.raw("failed_check", "null");
    else j.text("failed_check", r.failed_check);
    if (!r.error.empty()) j.text("error", r.error);
    std::string steps = "[";
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        if (i) steps.push_back(',');
        steps += json_string(r.steps[i]);
    }
    steps.push_back(']');
    j.raw("steps", steps);
    j.text("result", result_name(res)).number("exit_code", static_cast<std::uint64_t>(exit_of(res)));
    return j.finish();
}

void print_failure(outcome res, const connection_report& r) {
    switch (res) {
    case outcome::protocol_failure:
        std::fprintf(stderr, "strato-peer connect: protocol failure: check \"%s\" failed: %s\n", r.failed_check.c_str(),
                     r.error.c_str());
        break;
    case outcome::timeout:
        std::fprintf(stderr, "strato-peer connect: %s\n", r.error.c_str());
        break;
    case outcome::rejected:
        std::fprintf(stderr, "strato-peer connect: connect rejected: %s\n", r.error.c_str());
        break;
    default:
        break;
    }
}

} // namespace

int connect_command(args a) {
    cli_options o;
    if (int rc = parse_options(a, o); rc != exit_ok) return rc;
    rtmfp_uri uri;
    if (auto e = parse_rtmfp_uri(o.uri_text, uri); !e.empty())
        return usage_error(cmd, "bad URI \"" + o.uri_text + "\": " + e);
    endpoint server;
    if (auto e = resolve_server(uri, o.family, server); !e.empty()) return usage_error(cmd, e);

    if (o.count == 1) {
        if (!o.json) std::printf("connect %s -> %s\n", uri.text.c_str(), format_endpoint(server).c_str());
        connection_report r;
        std::string local;
        const outcome res = run_one(o, uri, server, !o.json, r, local);
        if (o.json) {
            std::printf("%s\n", report_json(o, uri, server, r, res, local).c_str());
        } else {
            std::printf("peer ID %s\n", to_hex(r.peer_id).c_str());
            if (r.have_fingerprint) std::printf("server fingerprint %s\n", to_hex(r.server_fingerprint).c_str());
            if (!r.features.empty()) std::printf("features: %s\n", r.features.c_str());
            if (!r.connect_code.empty()) std::printf("connect: %s\n", r.connect_code.c_str());
            std::printf("connect: %s\n", result_name(res));
            print_failure(res, r);
        }
        return exit_of(res);
    }

    // Many clients: P threads, each taking the next client index until N.
    std::atomic<std::uint64_t> next{0};
    std::mutex print_lock;
    std::vector<outcome> results(o.count, outcome::pending);
    std::vector<connection_report> reports(o.count);
    auto worker = [&] {
        for (;;) {
            const std::uint64_t i = next.fetch_add(1);
            if (i >= o.count) return;
            std::string local;
            results[i] = run_one(o, uri, server, false, reports[i], local);
            const auto& r = reports[i];
            std::lock_guard<std::mutex> g(print_lock);
            if (o.json) {
                std::printf("%s\n", report_json(o, uri, server, r, results[i], local).c_str());
            } else {
                std::printf("client %llu %s: %s peer %s%s%s\n", static_cast<unsigned long long>(i), local.c_str(),
                            result_name(results[i]), to_hex(r.peer_id).c_str(), r.error.empty() ? "" : " - ",
                            (r.failed_check.empty() ? r.error : r.failed_check + ": " + r.error).c_str());
            }
            std::fflush(stdout);
        }
    };
    std::vector<std::thread> threads;
    for (std::uint64_t p = 0; p < o.parallel; ++p) threads.emplace_back(worker);
    for (auto& th : threads) th.join();
    std::uint64_t ok = 0, proto = 0, timeouts = 0, rejected = 0;
    for (auto r : results) {
        if (r == outcome::ok) ++ok;
        else if (r == outcome::protocol_failure) ++proto;
        else if (r == outcome::rejected) ++rejected;
        else ++timeouts;
    }
    int rc = exit_ok;
    if (proto) rc = exit_protocol;
    else if (timeouts) rc = exit_timeout;
    else if (rejected) rc = exit_rejected;
    if (o.json) {
        json_object j;
        j.text("command", "connect").text("summary", "clients").number("count", o.count).number("parallel", o.parallel);
        j.number("ok", ok).number("protocol_failure", proto).number("timeout", timeouts).number("rejected", rejected);
        j.number("exit_code", static_cast<std::uint64_t>(rc));
        std::printf("%s\n", j.finish().c_str());
    } else {
        std::printf("connect: %llu clients (%llu at a time): %llu ok, %llu protocol failures, %llu timeouts, %llu rejected\n",
                    static_cast<unsigned long long>(o.count), static_cast<unsigned long long>(o.parallel),
                    static_cast<unsigned long long>(ok), static_cast<unsigned long long>(proto),
                    static_cast<unsigned long long>(timeouts), static_cast<unsigned long long>(rejected));
    }
    return rc;
}

} // namespace strato::peer
