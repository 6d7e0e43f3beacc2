// strato-peer call rtmfp://HOST[:PORT]/APP PEER_ID: asks the server for an
// introduction (IHello with the canonical EPD `21 0f <peer ID>` sent to the
// server, RFC 7425 §5.4.1), sends IHellos to every Redirect candidate, keys
// with whichever answers with an RHello whose certificate fingerprint is the
// peer ID, sends messages on a TC 04 01 flow and waits for their echoes
// (p2p.cpp peer_caller). Reports where the session ended: data that went to
// the server's address would not be direct.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/p2p.hpp"
#include "tools/strato-peer/peer_io.hpp"

namespace strato::peer {

namespace {

constexpr std::string_view cmd = "call";
constexpr const char* usage_text =
    "usage: strato-peer call rtmfp://HOST[:PORT]/APP PEER_ID [--message TEXT] [--count N] [--timeout MS]\n"
    "       [--dh-group 2|5|14] [--certificate static|ephemeral] [--json] [-4|-6]";

} // namespace

int call_command(args a) {
    std::vector<std::string> positional;
    std::string message = "hello from strato-peer call";
    std::uint64_t count = 1, timeout_ms = 10000;
    bool json = false;
    int family = AF_UNSPEC;
    keying_choice keying;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        auto value = [&]() -> const char* { return i + 1 < a.size() ? a[++i] : nullptr; };
        if (s == "--message") {
            const char* v = value();
            if (!v) return usage_error(cmd, "--message needs a value");
            message = v;
            if (message.size() > 60000) return usage_error(cmd, "--message: longer than 60000 bytes");
        } else if (s == "--count" || s == "--timeout" || s == "--dh-group") {
            const char* v = value();
            if (!v) return usage_error(cmd, std::string(s) + " needs a value");
            auto n = s == "--count" ? parse_number(v, 1, 10000) : s == "--timeout" ? parse_number(v, 1, 600000) : parse_number(v, 2, 14);
            if (!n) return usage_error(cmd, std::string(s) + ": \"" + v + "\" is not a valid number");
            if (s == "--count") count = *n;
            else if (s == "--timeout") timeout_ms = *n;
            else {
                crypto::dh_group g;
                if ((*n != 2 && *n != 5 && *n != 14) || !crypto::dh_group_from_id(*n, g))
                    return usage_error(cmd, "--dh-group: " + std::string(v) + " is not 2, 5 or 14");
                keying.group = g;
            }
        } else if (s == "--certificate") {
            const char* v = value();
            if (!v) return usage_error(cmd, "--certificate needs a value");
            const std::string_view f = v;
            if (f == "static") keying.form = certificate_form::static_key;
            else if (f == "ephemeral") keying.form = certificate_form::ephemeral;
            else return usage_error(cmd, "--certificate: \"" + std::string(f) + "\" is not static or ephemeral");
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
    if (positional.size() != 2) return usage_error(cmd, usage_text);
    rtmfp_uri uri;
    if (auto e = parse_rtmfp_uri(positional[0], uri); !e.empty())
        return usage_error(cmd, "bad URI \"" + positional[0] + "\": " + e);
    auto target = parse_hex(positional[1]);
    if (!target || target->size() != crypto::sha256_size)
        return usage_error(cmd, "PEER_ID \"" + positional[1] + "\" is not 64 hex digits (a SHA-256 peer ID)");
    endpoint server;
    if (auto e = resolve_server(uri, family, server); !e.empty()) return usage_error(cmd, e);

    call_options o;
    o.introducer = to_socket_address(server);
    std::copy(target->begin(), target->end(), o.target.begin());
    o.keying = keying;
    o.timeout = timeout_ms * session::ms;
    for (std::uint64_t i = 0; i < count; ++i) o.messages.push_back(count == 1 ? message : message + " #" + std::to_string(i + 1));

    udp_transport t;
    if (auto e = t.open(server); !e.empty()) {
        std::fprintf(stderr, "strato-peer call: %s\n", e.c_str());
        return exit_timeout;
    }
    socket_sender sender;
    sender.t = &t;
    peer_caller c(std::move(o));
    if (!json) std::printf("call %s -> %s peer %s\n", uri.text.c_str(), format_endpoint(server).c_str(), positional[1].c_str());
    auto print_new = [&] {
        auto& r = c.report();
        for (; r.steps_printed < r.steps.size(); ++r.steps_printed)
            if (!json) std::printf("  %s\n", r.steps[r.steps_printed].c_str());
        std::fflush(stdout);
    };
    c.begin(now_us(), sender);
    print_new();
    std::vector<std::uint8_t> buf(65536);
    while (c.result() == outcome::pending) {
        const time_us now = now_us();
        const time_us wake = c.next_wakeup(now);
        const auto deadline = steady::now() + std::chrono::microseconds(wake > now ? wake - now : 0);
        auto r = t.receive(buf, deadline);
        if (r.status == receive_status::datagram && r.length <= buf.size())
            c.on_datagram({buf.data(), r.length}, to_socket_address(r.from), now_us(), sender);
        c.poll(now_us(), sender);
        print_new();
    }
    print_new();
    const auto& rep = c.report();
    const outcome res = c.result();
    const int rc = res == outcome::ok ? exit_ok : res == outcome::timeout ? exit_timeout : exit_protocol;
    const std::string responder = rep.responder ? address_text(*rep.responder) : "";
    const std::string server_text = address_text(to_socket_address(server));
    if (json) {
        json_object j;
        j.text("command", "call").text("uri", uri.text).text("server", server_text).text("target", positional[1]);
        j.text("peer_id", to_hex(rep.peer_id));
        std::string cands = "[";
        for (std::size_t i = 0; i < rep.candidates.size(); ++i) {
            if (i) cands.push_back(',');
            cands += json_string(address_text(rep.candidates[i]));
        }
        j.raw("candidates", cands + "]");
        j.number("redirects", rep.redirects).number("ihellos_sent", rep.ihellos_sent).number("iikeyings_sent", rep.iikeyings_sent);
        if (rep.responder) j.text("responder", responder);
        else j.raw("responder", "null");
        j.raw("direct", rep.direct ? "true" : "false");
        j.number("sent", rep.sent).number("echoed", rep.echoed).number("mismatched", rep.mismatched);
        j.number("handshake_ms", static_cast<std::uint64_t>(rep.handshake_ms)).number("echo_ms", static_cast<std::uint64_t>(rep.echo_ms));
        j.number("packets_in", rep.packets_in).number("packets_out", rep.packets_out);
        j.number("packets_from_other", rep.packets_from_other).number("datagrams_sent", sender.datagrams);
        if (!rep.failed_check.empty()) j.text("failed_check", rep.failed_check);
        if (!rep.error.empty()) j.text("error", rep.error);
        std::string steps = "[";
        for (std::size_t i = 0; i < rep.steps.size(); ++i) {
            if (i) steps.push_back(',');
            steps += json_string(rep.steps[i]);
        }
        j.raw("steps", steps + "]");
        j.number("exit_code", static_cast<std::uint64_t>(rc));
        std::printf("%s\n", j.finish().c_str());
    } else {
        if (rep.responder)
            std::printf("session with %s (server %s): %s\n", responder.c_str(), server_text.c_str(),
                        rep.direct ? "direct" : "NOT direct (the server's address)");
        std::printf("echoes: %zu of %zu\n", rep.echoed, rep.sent);
        if (res != outcome::ok)
            std::fprintf(stderr, "strato-peer call: %s%s%s\n", rep.failed_check.c_str(), rep.failed_check.empty() ? "" : ": ",
                         rep.error.c_str());
    }
    return rc;
}

} // namespace strato::peer
