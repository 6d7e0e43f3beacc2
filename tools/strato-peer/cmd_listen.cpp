// strato-peer listen rtmfp://HOST[:PORT]/APP: registers with the server like
// `connect` (session and NetConnection kept open, setPeerInfo with our socket
// address) and, on the same UDP socket, answers peers as an RTMFP responder
// (p2p.cpp): IHellos naming our peer ID, directly or forwarded by the server
// (Forwarded IHello, RFC 7016 §3.5.1.6), IIKeying -> RIKeying, responder
// sessions whose every message is echoed back on a return flow.
// Datagrams are demultiplexed by session ID: 0 = startup (RHello from the
// server goes to the connection, the rest to the responder), the server
// session's ID, each peer session's ID.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "tools/strato-peer/amf_text.hpp"
#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/p2p.hpp"
#include "tools/strato-peer/peer_io.hpp"

namespace strato::peer {

namespace {

constexpr std::string_view cmd = "listen";
constexpr const char* usage_text =
    "usage: strato-peer listen rtmfp://HOST[:PORT]/APP [--duration SECONDS] [--timeout MS] [--relay-echo] [--json] [-4|-6]";

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

} // namespace

int listen_command(args a) {
    std::string uri_text;
    std::uint64_t duration_s = 0, timeout_ms = 5000;
    bool json = false, have_uri = false, relay_echo = false;
    int family = AF_UNSPEC;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        if (s == "--duration" || s == "--timeout") {
            if (i + 1 >= a.size()) return usage_error(cmd, std::string(s) + " needs a value");
            const char* v = a[++i];
            auto n = s == "--duration" ? parse_number(v, 0, 31 * 86400) : parse_number(v, 1, 600000);
            if (!n) return usage_error(cmd, std::string(s) + ": \"" + v + "\" is not a valid number");
            (s == "--duration" ? duration_s : timeout_ms) = *n;
        } else if (s == "--json") {
            json = true;
        } else if (s == "--relay-echo") {
            relay_echo = true;
        } else if (s == "-4") {
            family = AF_INET;
        } else if (s == "-6") {
            family = AF_INET6;
        } else if (!s.empty() && s[0] == '-') {
            return usage_error(cmd, "unknown option \"" + std::string(s) + "\"\n" + usage_text);
        } else if (have_uri) {
            return usage_error(cmd, "more than one URI given");
        } else {
            uri_text = std::string(s);
            have_uri = true;
        }
    }
    if (!have_uri) return usage_error(cmd, usage_text);
    rtmfp_uri uri;
    if (auto e = parse_rtmfp_uri(uri_text, uri); !e.empty()) return usage_error(cmd, "bad URI \"" + uri_text + "\": " + e);
    endpoint server;
    if (auto e = resolve_server(uri, family, server); !e.empty()) return usage_error(cmd, e);
    const wire::socket_address server_addr = to_socket_address(server);

    udp_transport t;
    if (auto e = t.open(server); !e.empty()) {
        std::fprintf(stderr, "strato-peer listen: %s\n", e.c_str());
        return exit_timeout;
    }
    initiator_identity id;
    crypto::server_certificate cert;
    if (auto e = make_listener_identity(crypto::dh_group::modp1024, id, cert); !e.empty()) {
        std::fprintf(stderr, "strato-peer listen: %s\n", e.c_str());
        return exit_protocol;
    }
    peer_responder responder(cert, crypto::dh_group::modp1024);
    socket_sender sender;
    sender.t = &t;
    sender_out to_server;
    to_server.s = &sender;
    to_server.to = server_addr;
    time_us now = now_us();

    connect_options co;
    co.uri = uri;
    co.server = server_addr;
    co.keying.form = certificate_form::ephemeral;
    co.identity = id;
    co.stay = (duration_s == 0 ? 31ull * 86400 : duration_s) * session::seconds;
    co.timeout = timeout_ms * session::ms;
    std::string local;
    co.on_forwarded_ihello = [&](const wire::forwarded_ihello& f) { responder.on_forwarded_ihello(f, now, sender); };
    // onRelay messages through the server (tcserver's relay): printed, and
    // with --relay-echo the same arguments relayed back to their sender.
    std::uint64_t relayed_in = 0;
    std::vector<std::vector<std::uint8_t>> echoes;
    co.on_relay = [&](std::string_view from, wire::bytes amf) {
        ++relayed_in;
        emit_event(json, "on_relay", "onRelay from " + std::string(from) + ": " + amf_values_text(amf));
        if (!relay_echo) return;
        std::vector<std::uint8_t> m(amf.size() + from.size() + 64);
        wire::writer w(m);
        flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
        flash::amf0_writer aw(w);
        aw.string("relay");
        aw.number(0);
        aw.null();
        aw.string(from);
        aw.raw(amf);
        if (w.ok()) echoes.emplace_back(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(w.size()));
    };
    connection c(std::move(co));

    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    if (!json) std::printf("listen %s -> %s\n", uri.text.c_str(), format_endpoint(server).c_str());
    emit_event(json, "peer_id", "peer ID " + to_hex(id.peer_id));
    bool registered = false;
    c.begin(now, to_server);
    // The first IHello bound the socket: now its port is known.
    local = local_address_toward(server, local_port(t));
    if (!local.empty()) c.set_peer_info({local});
    std::vector<std::uint8_t> buf(65536);
    auto flush_events = [&] {
        auto& r = c.report();
        for (; r.steps_printed < r.steps.size(); ++r.steps_printed) emit_event(json, "server", r.steps[r.steps_printed]);
        auto& ev = responder.events();
        for (const auto& e : ev) emit_event(json, "peer", e.text);
        ev.clear();
    };
    flush_events();
    while (c.result() == outcome::pending) {
        now = now_us();
        if (stop_requested) {
            c.stop_staying(now);
            stop_requested = 0;
        }
        const time_us wake = std::min(c.next_wakeup(now), responder.next_wakeup(now));
        const auto deadline = steady::now() + std::chrono::microseconds(wake > now ? wake - now : 0);
        auto r = t.receive(buf, std::min(deadline, steady::now() + std::chrono::milliseconds(200)));
        now = now_us();
        if (r.status == receive_status::datagram && r.length <= buf.size()) {
            const wire::bytes d{buf.data(), r.length};
            const auto from = to_socket_address(r.from);
            const bool from_server = from.same_endpoint(server_addr);
            const std::uint32_t sid = d.size() >= wire::min_datagram ? wire::session_id_of(d) : 0xffffffffu;
            if (sid == 0) {
                const auto type = startup_chunk_type(d);
                if (from_server && type && (*type == 0x70 || *type == 0x71)) c.on_datagram(d, now, to_server);
                else responder.on_datagram(d, from, now, sender);
            } else if (from_server && sid == c.report().near_id) {
                c.on_datagram(d, now, to_server);
            } else if (sid != 0xffffffffu) {
                (void)responder.on_datagram(d, from, now, sender);
            }
        }
        for (const auto& m : echoes) (void)c.call(wire::bytes{m.data(), m.size()});
        echoes.clear();
        c.poll(now, to_server);
        responder.poll(now, sender);
        if (!registered && c.current_phase() == phase::connected) {
            registered = true;
            emit_event(json, "registered", "registered as " + to_hex(id.peer_id) + " (setPeerInfo " + local + ")");
        }
        flush_events();
    }
    now = now_us();
    responder.close_all(now, sender);
    flush_events();
    const auto& st = responder.stats();
    const auto& rep = c.report();
    const outcome res = c.result();
    if (json) {
        json_object j;
        j.text("event", "summary").text("peer_id", to_hex(id.peer_id)).text("local", local);
        j.number("ihellos", st.ihellos).number("fihellos", st.fihellos).number("rhellos_sent", st.rhellos_sent);
        j.number("iikeyings", st.iikeyings).number("sessions", st.sessions).number("flows", st.flows);
        j.number("messages", st.messages).number("echoed", st.echoed).number("bytes", st.bytes).number("dropped", st.dropped);
        j.number("relayed_in", relayed_in);
        j.text("result", res == outcome::ok ? "ok" : "failed");
        if (!rep.error.empty()) j.text("error", rep.failed_check + ": " + rep.error);
        std::printf("%s\n", j.finish().c_str());
    } else {
        std::printf("listen: %llu IHellos, %llu Forwarded IHellos, %llu sessions, %llu messages echoed%s%s\n",
                    static_cast<unsigned long long>(st.ihellos), static_cast<unsigned long long>(st.fihellos),
                    static_cast<unsigned long long>(st.sessions), static_cast<unsigned long long>(st.echoed),
                    rep.error.empty() ? "" : "; ", rep.error.c_str());
    }
    std::fflush(stdout);
    switch (res) {
    case outcome::ok: return exit_ok;
    case outcome::rejected: return exit_rejected;
    case outcome::timeout: return exit_timeout;
    default: return exit_protocol;
    }
}

} // namespace strato::peer
