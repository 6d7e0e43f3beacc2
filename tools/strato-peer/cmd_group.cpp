// strato-peer group join rtmfp://HOST[:PORT]/APP GROUP_SPEC: registers with
// the server like `listen` (same socket answers peers), joins a NetGroup on
// a GC flow (protocol reference §7.2), prints every member ID the server
// sends (`0b <peer ID>`, §7.3), and posts: a post goes to every known member
// over a direct P2P session opened through the server's introduction
// (p2p.cpp peer_caller, one socket per call); a member that receives a post
// it has not seen forwards it the same way (flooding with duplicate
// suppression by origin and sequence). stratod only does rendezvous.
//
// Output, one fact per line for scripts:
//   group <id hex> / peer-id <hex> / joined / member <hex> / left / rejoined
//   posted <text> / post <origin hex> <seq> <text> / summary members=N posts=M
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/groupspec.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/p2p.hpp"
#include "tools/strato-peer/peer_io.hpp"

namespace strato::peer {

namespace {

constexpr std::string_view cmd = "group";
constexpr const char* usage_text =
    "usage: strato-peer group join rtmfp://HOST[:PORT]/APP GROUP_SPEC [--duration S] [--expect N]\n"
    "       [--post TEXT] [--post-after S] [--expect-posts N] [--leave-after S] [--rejoin-after S]\n"
    "       [--legacy] [--raw-join HEX] [--repeat-join N] [--join-before-connect] [--timeout MS] [-4|-6]\n"
    "  GROUP_SPEC: a groupspec \"G:...\" or a 64-hex-digit group ID";

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

void line(const std::string& text) {
    std::printf("%s\n", text.c_str());
    std::fflush(stdout);
}

// One post delivery to one member: its own socket and caller.
struct delivery {
    std::unique_ptr<udp_transport> t;
    socket_sender sender;
    std::unique_ptr<peer_caller> caller;
};

} // namespace

int group_command(args a) {
    if (a.empty() || std::string_view(a[0]) != "join") return usage_error(cmd, usage_text);
    std::vector<std::string> positional;
    std::string post_text, raw_join;
    std::uint64_t duration_s = 10, expect = 0, expect_posts = 0, timeout_ms = 5000;
    std::uint64_t post_after_s = 2, leave_after_s = 0, rejoin_after_s = 0, repeat_join = 0;
    bool legacy = false, join_before_connect = false;
    int family = AF_UNSPEC;
    for (std::size_t i = 1; i < a.size(); ++i) {
        const std::string_view s = a[i];
        auto value = [&]() -> const char* { return i + 1 < a.size() ? a[++i] : nullptr; };
        if (s == "--duration" || s == "--expect" || s == "--expect-posts" || s == "--timeout" || s == "--post-after" ||
            s == "--leave-after" || s == "--rejoin-after" || s == "--repeat-join") {
            const char* v = value();
            if (!v) return usage_error(cmd, std::string(s) + " needs a value");
            auto n = parse_number(v, 0, 86400000);
            if (!n) return usage_error(cmd, std::string(s) + ": \"" + v + "\" is not a valid number");
            if (s == "--duration") duration_s = *n;
            else if (s == "--expect") expect = *n;
            else if (s == "--expect-posts") expect_posts = *n;
            else if (s == "--timeout") timeout_ms = std::max<std::uint64_t>(*n, 1);
            else if (s == "--post-after") post_after_s = *n;
            else if (s == "--leave-after") leave_after_s = *n;
            else if (s == "--repeat-join") repeat_join = std::min<std::uint64_t>(*n, 1000);
            else rejoin_after_s = *n;
        } else if (s == "--post" || s == "--raw-join") {
            const char* v = value();
            if (!v) return usage_error(cmd, std::string(s) + " needs a value");
            (s == "--post" ? post_text : raw_join) = v;
            if (post_text.size() > 1000) return usage_error(cmd, "--post: longer than 1000 bytes");
        } else if (s == "--legacy") {
            legacy = true;
        } else if (s == "--join-before-connect") {
            join_before_connect = true;
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
    std::array<std::uint8_t, 32> gid{};
    std::string hashed;
    if (auto e = group_id_of_spec(positional[1], gid, hashed); !e.empty()) return usage_error(cmd, "GROUP_SPEC: " + e);
    if (legacy && hashed.empty()) return usage_error(cmd, "--legacy needs a groupspec (G:...), not a raw ID");
    std::vector<std::uint8_t> join = legacy ? legacy_group_join_message(hashed) : group_join_message(gid);
    if (!raw_join.empty()) {
        auto raw = parse_hex(raw_join);
        if (!raw || raw->empty()) return usage_error(cmd, "--raw-join: \"" + raw_join + "\" is not hex");
        join = *raw;  // deliberately malformed joins for the server's robustness tests
    }
    endpoint server;
    if (auto e = resolve_server(uri, family, server); !e.empty()) return usage_error(cmd, e);
    const wire::socket_address server_addr = to_socket_address(server);

    udp_transport t;
    if (auto e = t.open(server); !e.empty()) {
        std::fprintf(stderr, "strato-peer group: %s\n", e.c_str());
        return exit_timeout;
    }
    initiator_identity id;
    crypto::server_certificate cert;
    if (auto e = make_listener_identity(crypto::dh_group::modp1024, id, cert); !e.empty()) {
        std::fprintf(stderr, "strato-peer group: %s\n", e.c_str());
        return exit_protocol;
    }
    peer_responder responder(cert, crypto::dh_group::modp1024);
    socket_sender sender;
    sender.t = &t;
    sender_out to_server;
    to_server.s = &sender;
    to_server.to = server_addr;
    time_us now = now_us();

    std::set<crypto::digest> members;
    std::vector<crypto::digest> member_order;
    std::set<std::string> seen_posts;  // "origin seq"
    std::vector<std::string> received_posts;
    std::vector<delivery> deliveries;
    std::uint64_t post_seq = 0, deliveries_ok = 0, deliveries_failed = 0;
    const std::string self_hex = to_hex(id.peer_id);

    const auto deliver = [&](const std::string& message, const crypto::digest& skip) {
        for (const auto& m : member_order) {
            if (m == skip || m == id.peer_id) continue;
            delivery d;
            d.t = std::make_unique<udp_transport>();
            if (!d.t->open(server).empty()) {
                ++deliveries_failed;
                continue;
            }
            d.sender.t = d.t.get();
            call_options o;
            o.introducer = server_addr;
            o.target = m;
            o.timeout = timeout_ms * session::ms;
            o.messages = {message};
            d.caller = std::make_unique<peer_caller>(std::move(o));
            d.caller->begin(now, d.sender);
            deliveries.push_back(std::move(d));
        }
    };
    // "post <origin hex> <seq> <text>": new ones are printed and forwarded.
    const auto on_post = [&](std::string_view m) {
        if (m.substr(0, 5) != "post ") return;
        const auto a1 = m.find(' ', 5);
        const auto a2 = a1 == std::string_view::npos ? a1 : m.find(' ', a1 + 1);
        if (a2 == std::string_view::npos) return;
        const std::string key(m.substr(5, a2 - 5));
        if (!seen_posts.insert(key).second) return;
        received_posts.emplace_back(m);
        line(std::string(m));
        crypto::digest origin{};
        if (auto o = parse_hex(m.substr(5, a1 - 5)); o && o->size() == origin.size())
            std::copy(o->begin(), o->end(), origin.begin());
        deliver(std::string(m), origin);
    };
    responder.on_message = [&](wire::bytes m) {
        on_post(std::string_view(reinterpret_cast<const char*>(m.data()), m.size()));
    };

    connect_options co;
    co.uri = uri;
    co.server = server_addr;
    co.keying.form = certificate_form::ephemeral;
    co.identity = id;
    co.stay = duration_s * session::seconds;
    co.timeout = timeout_ms * session::ms;
    co.on_forwarded_ihello = [&](const wire::forwarded_ihello& f) { responder.on_forwarded_ihello(f, now, sender); };
    co.group_joins = {join};
    co.group_join_before_connect = join_before_connect;
    co.on_group_message = [&](std::uint64_t, wire::bytes m) {
        if (m.size() != 33 || m[0] != 0x0b) {
            line("unexpected group message " + to_hex(m));
            return;
        }
        crypto::digest p{};
        std::copy(m.begin() + 1, m.end(), p.begin());
        if (members.insert(p).second) {
            member_order.push_back(p);
            line("member " + to_hex(wire::bytes{p.data(), p.size()}));
        }
    };
    connection c(std::move(co));

    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    line("group " + to_hex(wire::bytes{gid.data(), gid.size()}));
    line("peer-id " + self_hex);
    c.begin(now, to_server);
    const std::string local = local_address_toward(server, local_port(t));
    if (!local.empty()) c.set_peer_info({local});
    std::vector<std::uint8_t> buf(65536);
    time_us joined_at = 0, left_at = 0;
    bool posted = false, rejoined = false;
    while (c.result() == outcome::pending) {
        now = now_us();
        if (stop_requested) {
            c.stop_staying(now);
            stop_requested = 0;
        }
        time_us wake = std::min(c.next_wakeup(now), responder.next_wakeup(now));
        if (!deliveries.empty()) wake = std::min(wake, now + 5 * session::ms);
        const auto deadline = steady::now() + std::chrono::microseconds(wake > now ? std::min<time_us>(wake - now, 50000) : 0);
        auto r = t.receive(buf, deadline);
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
        for (auto& d : deliveries) {
            auto dr = d.t->receive(buf, steady::now());
            if (dr.status == receive_status::datagram && dr.length <= buf.size())
                d.caller->on_datagram({buf.data(), dr.length}, to_socket_address(dr.from), now_us(), d.sender);
            d.caller->poll(now_us(), d.sender);
        }
        for (auto it = deliveries.begin(); it != deliveries.end();) {
            if (it->caller->result() == outcome::pending) {
                ++it;
                continue;
            }
            if (it->caller->result() == outcome::ok) ++deliveries_ok;
            else ++deliveries_failed;
            it = deliveries.erase(it);
        }
        c.poll(now, to_server);
        responder.poll(now, sender);
        if (joined_at == 0 && c.current_phase() == phase::connected) {
            joined_at = now;
            line("joined");
            // Join flood (robustness tests): the same join again and again on our GC flow.
            std::uint64_t sent = 0;
            for (; sent < repeat_join && !c.group_flows().empty(); ++sent)
                if (!c.send_on_group_flow(c.group_flows().back(), join)) break;
            if (repeat_join) line("repeated join " + std::to_string(sent) + " times");
        }
        if (joined_at != 0 && c.current_phase() == phase::connected) {
            if (leave_after_s != 0 && left_at == 0 && now >= joined_at + leave_after_s * session::seconds &&
                !c.group_flows().empty()) {
                left_at = now;  // FIN on our GC flow: the leave (protocol reference §7.4)
                if (c.close_group_flow(c.group_flows().back())) line("left");
            }
            if (left_at != 0 && rejoin_after_s != 0 && !rejoined && now >= left_at + rejoin_after_s * session::seconds) {
                rejoined = c.open_group_flow(join) != 0;
                if (rejoined) line("rejoined");
            }
            if (!post_text.empty() && !posted && now >= joined_at + post_after_s * session::seconds) {
                posted = true;
                const std::string m = "post " + self_hex + " " + std::to_string(++post_seq) + " " + post_text;
                seen_posts.insert(self_hex + " " + std::to_string(post_seq));
                line("posted " + post_text + " to " + std::to_string(member_order.size()) + " members");
                deliver(m, id.peer_id);
            }
        }
    }
    now = now_us();
    responder.close_all(now, sender);
    const auto& rep = c.report();
    std::printf("summary members=%zu posts=%zu deliveries_ok=%llu deliveries_failed=%llu%s%s\n", members.size(),
                received_posts.size(), static_cast<unsigned long long>(deliveries_ok),
                static_cast<unsigned long long>(deliveries_failed), rep.error.empty() ? "" : " error=",
                rep.error.c_str());
    std::fflush(stdout);
    if (c.result() == outcome::rejected) return exit_rejected;
    if (c.result() != outcome::ok) return c.result() == outcome::timeout ? exit_timeout : exit_protocol;
    if (members.size() < expect || received_posts.size() < expect_posts) return exit_timeout;
    return exit_ok;
}

} // namespace strato::peer
