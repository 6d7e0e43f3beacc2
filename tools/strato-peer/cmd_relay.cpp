// strato-peer relay rtmfp://HOST[:PORT]/APP PEER_ID MESSAGE: connects like
// `connect`, then sends tcserver's relay command (rtmfp-cpp test/tcserver.md)
// through the server to the peer whose peer ID is PEER_ID, transactional so
// the server acknowledges each (_result) or says why not (_error
// NetConnection.Call.Failed). With --wait-reply it then waits for onRelay
// messages from that peer (e.g. `listen --relay-echo` answering). Peers that
// cannot reach each other directly talk this way.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/strato-peer/amf_text.hpp"
#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/peer_io.hpp"

namespace strato::peer {

namespace {

constexpr std::string_view cmd = "relay";
constexpr const char* usage_text =
    "usage: strato-peer relay rtmfp://HOST[:PORT]/APP PEER_ID MESSAGE [--count N] [--wait-reply]\n"
    "       [--timeout MS] [--json] [-4|-6]";
// Transaction IDs of our relays start here (1 is connect, 2 createStream).
constexpr double first_relay_transaction = 3;
constexpr std::uint64_t window = 2;

} // namespace

int relay_command(args a) {
    std::vector<std::string> positional;
    std::uint64_t count = 1, timeout_ms = 5000;
    bool json = false, wait_reply = false;
    int family = AF_UNSPEC;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        if (s == "--count" || s == "--timeout") {
            if (i + 1 >= a.size()) return usage_error(cmd, std::string(s) + " needs a value");
            const char* v = a[++i];
            auto n = s == "--count" ? parse_number(v, 1, 100000) : parse_number(v, 1, 600000);
            if (!n) return usage_error(cmd, std::string(s) + ": \"" + v + "\" is not a valid number");
            (s == "--count" ? count : timeout_ms) = *n;
        } else if (s == "--wait-reply") {
            wait_reply = true;
        } else if (s == "--json") {
            json = true;
        } else if (s == "-4") {
            family = AF_INET;
        } else if (s == "-6") {
            family = AF_INET6;
        } else if (!s.empty() && s[0] == '-') {
            return usage_error(cmd, "unknown option \"" + std::string(s) + "\"\n" + usage_text);
        } else {
            positional.emplace_back(s);
        }
    }
    if (positional.size() != 3) return usage_error(cmd, usage_text);
    rtmfp_uri uri;
    if (auto e = parse_rtmfp_uri(positional[0], uri); !e.empty())
        return usage_error(cmd, "bad URI \"" + positional[0] + "\": " + e);
    // Sent as given: the server judges the ID (the tests send bad ones on purpose).
    const std::string target = positional[1];
    const std::string message = positional[2];
    if (message.size() > 1100) return usage_error(cmd, "MESSAGE: longer than 1100 bytes (the server relays at most 1200 bytes of arguments)");
    endpoint server;
    if (auto e = resolve_server(uri, family, server); !e.empty()) return usage_error(cmd, e);

    udp_transport t;
    std::string e = t.open(server);
    if (e.empty()) e = t.connect_to(server);
    if (!e.empty()) {
        std::fprintf(stderr, "strato-peer relay: %s\n", e.c_str());
        return exit_timeout;
    }
    transport_out out;
    out.t = &t;
    out.to = server;

    std::uint64_t acked = 0, failed = 0, replies = 0;
    std::string first_error;
    connect_options co;
    co.uri = uri;
    co.server = to_socket_address(server);
    co.keying.form = certificate_form::ephemeral;
    co.stay = 31ull * 86400 * session::seconds;  // until done; stop_staying() below
    co.timeout = timeout_ms * session::ms;
    co.on_call_answer = [&](const call_answer& ans) {
        if (ans.transaction_id < first_relay_transaction && ans.name != "onStatus") return;
        if (ans.error) {
            ++failed;
            const std::string text = "relay failed: " + ans.code + ": " + ans.description;
            if (first_error.empty()) first_error = text;
            emit_event(json, "relay_failed", text);
        } else if (ans.name == "_result") {
            ++acked;
        }
    };
    co.on_relay = [&](std::string_view sender, wire::bytes amf) {
        ++replies;
        emit_event(json, "on_relay", "onRelay from " + std::string(sender) + ": " + amf_values_text(amf));
    };
    connection c(std::move(co));
    if (!json) std::printf("relay %s -> %s\n", uri.text.c_str(), format_endpoint(server).c_str());
    time_us now = now_us();
    c.begin(now, out);
    std::vector<std::uint8_t> buf(65536);
    std::uint64_t sent = 0;
    time_us done_deadline = 0, connected_at = 0;
    bool finishing = false;
    // The peer directory learns of a new connection from the control thread
    // a few milliseconds after connect (it drains worker events every 5 ms):
    // replies addressed to us need it, so --wait-reply gives it that time.
    const time_us settle = wait_reply ? 100 * session::ms : 0;
    while (c.result() == outcome::pending) {
        now = now_us();
        if (c.current_phase() == phase::connected && connected_at == 0) connected_at = now;
        if (c.current_phase() == phase::connected && sent < count && now >= connected_at + settle) {
            // At most `window` unanswered relays: the server keeps a few
            // unacknowledged messages per flow (its answers included) and
            // refuses more rather than queue without bound.
            for (; sent < count && sent - acked - failed < window; ++sent) {
                const auto m = relay_message(first_relay_transaction + static_cast<double>(sent), target,
                                             count == 1 ? message : message + " #" + std::to_string(sent + 1));
                if (m.empty() || !c.call(wire::bytes{m.data(), m.size()})) break;  // send buffer full: next round
            }
            if (sent == count) {
                emit_event(json, "sent", "sent " + std::to_string(count) + " relay" + (count == 1 ? "" : "s") + " to " + target);
                done_deadline = now + timeout_ms * session::ms;
            }
        }
        const bool answered = sent == count && acked + failed >= count;
        const bool replied = !wait_reply || replies >= acked;
        if (!finishing && sent == count && ((answered && replied) || now >= done_deadline)) {
            finishing = true;
            c.stop_staying(now);
        }
        const time_us wake = c.next_wakeup(now);
        const auto deadline = steady::now() + std::chrono::microseconds(wake > now ? wake - now : 0);
        auto r = t.receive(buf, std::min(deadline, steady::now() + std::chrono::milliseconds(50)));
        now = now_us();
        if (r.status == receive_status::error) {
            c.fail_unreachable(r.error);
            break;
        }
        if (r.status == receive_status::datagram && same_endpoint(r.from, server) && r.length <= buf.size())
            c.on_datagram({buf.data(), r.length}, now, out);
        c.poll(now, out);
        auto& rep = c.report();
        for (; rep.steps_printed < rep.steps.size(); ++rep.steps_printed)
            if (!json) emit_event(false, "server", rep.steps[rep.steps_printed]);
    }
    const auto& rep = c.report();
    const bool ok = c.result() == outcome::ok && acked == count && (!wait_reply || replies >= count);
    if (json) {
        json_object j;
        j.text("event", "summary").text("peer_id", to_hex(rep.peer_id)).text("target", target);
        j.number("sent", sent).number("acknowledged", acked).number("failed", failed).number("replies", replies);
        j.text("result", ok ? "ok" : "failed");
        if (!first_error.empty()) j.text("error", first_error);
        else if (!rep.error.empty()) j.text("error", rep.failed_check + ": " + rep.error);
        std::printf("%s\n", j.finish().c_str());
    } else {
        std::printf("relay: %llu sent, %llu acknowledged, %llu failed, %llu onRelay replies%s%s\n",
                    static_cast<unsigned long long>(sent), static_cast<unsigned long long>(acked),
                    static_cast<unsigned long long>(failed), static_cast<unsigned long long>(replies),
                    first_error.empty() ? "" : "; ", first_error.c_str());
    }
    std::fflush(stdout);
    switch (c.result()) {
    case outcome::ok: return ok ? exit_ok : (acked + failed < count || (wait_reply && replies < count) ? exit_timeout : exit_protocol);
    case outcome::rejected: return exit_rejected;
    case outcome::timeout: return exit_timeout;
    default: return exit_protocol;
    }
}

} // namespace strato::peer
