#include "tools/strato-peer/connection.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "crypto/certificate.hpp"
#include "crypto/random.hpp"
#include "dataplane/flash/amf0.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/command.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "dataplane/flash/user_control.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/startup.hpp"

namespace strato::peer {

namespace {

// RFC 7016 §3.5.1.1.1: retransmit IHello/IIKeying with at least 1.5 s more
// per try; the first retry after 1 s keeps a lost packet on a LAN cheap.
constexpr time_us first_retransmit = 1 * session::seconds;
constexpr time_us retransmit_step = 1500 * session::ms;
// After FIN on the control flow, how long to wait for its acknowledgement
// before closing the session anyway.
constexpr time_us flow_close_wait = 1 * session::seconds;
constexpr double connect_transaction = 1;
constexpr double create_stream_transaction = 2;


std::string ms_text(time_us t) { return std::to_string(t / session::ms) + " ms"; }

bool is_number(const std::string& s) {
    if (s.empty() || s.size() > 15) return false;
    std::size_t i = (s[0] == '-') ? 1 : 0;
    bool digits = false, dot = false;
    for (; i < s.size(); ++i) {
        if (s[i] >= '0' && s[i] <= '9') digits = true;
        else if (s[i] == '.' && !dot) dot = true;
        else return false;
    }
    return digits;
}

} // namespace

session::session_config client_session_config(bool compact) {
    session::session_config c;
    // The server advises 15 s (Set Keepalive Timers); pinging a little more
    // often keeps a NAT binding and the server's idle timer fresh.
    c.keepalive_idle = 10 * session::seconds;
    c.idle_timeout = 60 * session::seconds;
    if (compact) {
        // The engine's lower bounds: 2 MSS queued, 1 MSS of stash.
        c.max_recv_flows = 2;
        c.max_send_flows = 2;
        c.recv_message_max = 4 * 1024;
        c.recv_stash_bytes = 2 * 1024;
        c.send_flow_bytes = 4 * 1024;
        c.send_flow_fragments = 8;
    }
    return c;
}

wire::socket_address to_socket_address(const endpoint& e) {
    if (e.family() == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&e.addr);
        std::uint8_t ip[16];
        std::memcpy(ip, &a->sin6_addr, 16);
        return wire::socket_address::v6(ip, ntohs(a->sin6_port));
    }
    const auto* a = reinterpret_cast<const sockaddr_in*>(&e.addr);
    return wire::socket_address::v4(ntohl(a->sin_addr.s_addr), ntohs(a->sin_port));
}

connection::connection(connect_options o) : o_(std::move(o)) {}

void connection::step(std::string text) { report_.steps.push_back(std::move(text)); }

void connection::finish(outcome o, std::string check, std::string detail) {
    if (outcome_ != outcome::pending) return;
    outcome_ = o;
    report_.failed_check = std::move(check);
    report_.error = std::move(detail);
    phase_ = phase::done;
    // Giving up on an open session (timeout, bad answer): still send one
    // Close so the server does not keep it until its idle timeout.
    if (session_started_ && session_.state() == session::session_state::open && out_ != nullptr) {
        session_.close(last_now_);
        session_.poll(last_now_, *this);
    }
    if (session_started_) {
        report_.packets_in = stats_.packets_in;
        report_.packets_out = stats_.packets_out;
        report_.retransmissions = stats_.retransmissions;
    }
}

void connection::fail_unreachable(const std::string& why) {
    finish(outcome::timeout, "", "server unreachable: " + why);
}

void connection::begin(time_us now, datagram_out& out) {
    out_ = &out;
    started_ = now;
    if (o_.identity) id_ = *o_.identity;
    else if (auto e = generate_identity(o_.keying, id_); !e.empty()) {
        finish(outcome::protocol_failure, "local keying", e);
        return;
    }
    report_.peer_id = id_.peer_id;
    step("identity: " + std::string(o_.keying.form == certificate_form::static_key ? "static" : "ephemeral") +
         " certificate (" + std::to_string(id_.certificate.size()) + " bytes), DH group " +
         std::to_string(static_cast<int>(o_.keying.group)) + ", peer ID " + to_hex(id_.peer_id));
    epd_ = make_epd(epd_form::uri, o_.uri, {});
    report_.tag.resize(16);
    if (!crypto::random_bytes(report_.tag)) {
        finish(outcome::protocol_failure, "local keying", "the random generator failed");
        return;
    }
    phase_ = phase::ihello_sent;
    phase_deadline_ = now + o_.timeout;
    retransmit_interval_ = first_retransmit;
    send_ihello(now, out);
}

void connection::send_ihello(time_us now, datagram_out& out) {
    const auto d = build_ihello(epd_, report_.tag, session::ticks_of(now));
    if (d.empty()) {
        finish(outcome::protocol_failure, "local", "the URI does not fit an IHello");
        return;
    }
    out.send(d);
    if (report_.ihellos_sent++ == 0)
        step("sent IHello " + std::to_string(d.size()) + " bytes, EPD " + to_hex(epd_) + ", tag " + to_hex(report_.tag));
    else
        step("resent IHello (try " + std::to_string(report_.ihellos_sent) + ")");
    retransmit_at_ = now + retransmit_interval_;
    retransmit_interval_ += retransmit_step;
}

void connection::send_iikeying(time_us now, datagram_out& out) {
    std::vector<std::uint8_t> cookie = cookie_;
    if (o_.misbehave == misbehaviour::bad_cookie && cookie.size() > 20) cookie[20] ^= 0x5a;
    const auto d = build_iikeying(report_.near_id, cookie, id_, session::ticks_of(now));
    if (d.empty()) {
        finish(outcome::protocol_failure, "local", "the IIKeying does not fit one packet");
        return;
    }
    out.send(d);
    if (report_.iikeyings_sent++ == 0)
        step("sent IIKeying " + std::to_string(d.size()) + " bytes: ISID " + to_hex(std::array<std::uint8_t, 4>{
                 static_cast<std::uint8_t>(report_.near_id >> 24), static_cast<std::uint8_t>(report_.near_id >> 16),
                 static_cast<std::uint8_t>(report_.near_id >> 8), static_cast<std::uint8_t>(report_.near_id)}) +
             ", SKIC " + std::to_string(id_.skic.size()) + " bytes");
    else
        step("resent IIKeying (try " + std::to_string(report_.iikeyings_sent) + ")");
    retransmit_at_ = now + retransmit_interval_;
    retransmit_interval_ += retransmit_step;
}

void connection::on_datagram(wire::bytes d, time_us now, datagram_out& out) {
    out_ = &out;
    last_now_ = now;
    if (d.size() < wire::min_datagram) return;  // never judged: too short to be RTMFP
    const std::uint32_t sid = wire::session_id_of(d);
    switch (phase_) {
    case phase::ihello_sent:
        if (sid == 0) on_rhello(d, now, out);
        return;
    case phase::keying_sent:
        if (sid == report_.near_id) on_startup_reply(d, now, out);
        return;  // late RHellos (retransmitted IHellos) are ignored
    case phase::connecting:
    case phase::connected:
    case phase::closing: {
        if (sid != report_.near_id || !session_started_) return;
        std::vector<std::uint8_t> plain(d.size());
        auto p = session_.open_datagram(d, plain);
        // A retransmitted RIKeying (default key) fails here and is ignored,
        // as is anything not sealed with our session keys.
        if (!p.ok()) return;
        if (o_.on_forwarded_ihello) {
            // RFC 7016 §2.3.3: an introducer's Forwarded IHello rides in an
            // ordinary session packet; hand every one to the responder.
            if (auto pk = wire::parse_packet(p->packet); pk.ok()) {
                wire::chunk_reader cr(pk->chunks);
                wire::chunk_view c;
                while (cr.next(c))
                    if (c.type == static_cast<std::uint8_t>(wire::chunk_type::forwarded_ihello))
                        if (auto f = wire::parse_forwarded_ihello(c.value); f.ok()) o_.on_forwarded_ihello(*f);
            }
        }
        (void)session_.on_plaintext(*p, o_.server, now);
        flush(now, out);
        return;
    }
    default:
        return;
    }
}

void connection::on_rhello(wire::bytes d, time_us now, datagram_out& out) {
    auto r = check_rhello(d, report_.tag);
    if (!r.ok()) {
        std::string detail;
        for (const auto& s : r.steps)
            if (!s.ok) detail = s.detail;
        finish(outcome::protocol_failure, "RHello " + r.failed_check, detail);
        return;
    }
    report_.rhello_size = d.size();
    report_.server_fingerprint = r.fingerprint;
    report_.have_fingerprint = true;
    auto cert = crypto::parse_certificate(r.certificate);
    const auto g = static_cast<std::uint64_t>(o_.keying.group);
    if (!cert.ok() || (!cert->offers_ephemeral(g) && o_.misbehave != misbehaviour::unsupported_group)) {
        finish(outcome::protocol_failure, "RHello certificate group",
               "the server certificate does not offer DH group " + std::to_string(g));
        return;
    }
    step("RHello " + std::to_string(d.size()) + " bytes: tag echoed, cookie " + std::to_string(r.cookie.size()) +
         " bytes, certificate " + std::to_string(r.certificate.size()) + " bytes offers group " + std::to_string(g) +
         ", server fingerprint " + to_hex(r.fingerprint));
    cookie_ = r.cookie;
    // Our receive session ID: random and non-zero (0 is the startup pseudo-session).
    std::array<std::uint8_t, 4> idb{};
    do {
        if (!crypto::random_bytes(idb)) idb = {0x5e, 0x55, 0x10, 0x01};
        report_.near_id = (std::uint32_t{idb[0]} << 24) | (std::uint32_t{idb[1]} << 16) | (std::uint32_t{idb[2]} << 8) | idb[3];
    } while (report_.near_id == 0);
    phase_ = phase::keying_sent;
    phase_deadline_ = now + o_.timeout;
    retransmit_interval_ = first_retransmit;
    send_iikeying(now, out);
}

void connection::on_startup_reply(wire::bytes d, time_us now, datagram_out& out) {
    startup_reply r;
    if (auto e = open_startup_reply(d, report_.near_id, r); !e.empty()) return;  // not for us, or not startup
    if (r.chunk_type == static_cast<std::uint8_t>(wire::chunk_type::rhello_cookie_change)) {
        auto cc = wire::parse_rhello_cookie_change(r.value);
        if (!cc.ok() || !wire::equal(cc->old_cookie, cookie_)) return;  // RFC 7016 §3.5.1.2: must name our cookie
        if (cookie_changed_) return;  // at most once per session
        cookie_changed_ = true;
        ++report_.cookie_changes;
        cookie_.assign(cc->new_cookie.begin(), cc->new_cookie.end());
        step("RHello Cookie Change: new cookie " + std::to_string(cookie_.size()) + " bytes, resending IIKeying");
        retransmit_interval_ = first_retransmit;
        send_iikeying(now, out);
        return;
    }
    if (r.chunk_type != static_cast<std::uint8_t>(wire::chunk_type::rikeying)) return;
    initiator_keys k;
    if (auto e = complete_initiator_keying(id_, r.value, k); !e.empty()) {
        const auto colon = e.find(':');
        finish(outcome::protocol_failure, e.substr(0, colon), colon == std::string::npos ? e : e.substr(colon + 2));
        return;
    }
    report_.rikeying_size = d.size();
    report_.skrc_size = k.skrc.size();
    report_.far_id = k.responder_session_id;
    report_.features = describe_features(k.features);
    report_.server_hmac = describe_negotiation(k.skrc_parsed.hmac, true);
    report_.server_sseq = describe_negotiation(k.skrc_parsed.sseq, false);
    report_.handshake_ms = double(now - started_) / double(session::ms);
    step("RIKeying " + std::to_string(d.size()) + " bytes: RSID " + std::to_string(k.responder_session_id) + ", SKRC " +
         std::to_string(k.skrc.size()) + " bytes (hmac " + report_.server_hmac + ", sseq " + report_.server_sseq +
         "), DH secret " + std::to_string(k.dh_secret_size) + " bytes");
    step("negotiated: " + report_.features);
    start_session(k, now);
    flush(now, out);
}

void connection::start_session(const initiator_keys& k, time_us now) {
    session::session_keys keys;
    if (!engine_keys(k, keys) || !session_.prepare(o_.session.value_or(client_session_config(o_.compact_session)), &stats_)) {
        finish(outcome::protocol_failure, "local session", "cannot set up the session engine");
        return;
    }
    session::session_params p;
    p.near_id = report_.near_id;
    p.far_id = k.responder_session_id;
    p.far_address = o_.server;
    p.initiator = true;  // RFC 7016 §2.2.4: mode 1 on every packet we send
    session_.start(p, keys, this, now);
    session_started_ = true;
    step("session open (S_OPEN, initiator mode 1) after " + std::to_string(static_cast<long long>(report_.handshake_ms)) + " ms");
    if (o_.handshake_only) {
        phase_ = phase::closing;
        phase_deadline_ = now + o_.timeout;
        session_close_sent_ = true;
        session_.close(now);
        step("handshake only: sent Close under the session keys");
        return;
    }
    phase_ = phase::connecting;
    phase_deadline_ = now + o_.timeout;
    send_connect();
}

void connection::send_connect() {
    // RFC 7425 §5.3.1: the NetConnection control flow is TC, stream 0, no
    // return association.
    std::uint8_t meta[16];
    wire::writer mw(meta);
    flash::write_tc_metadata(mw, 0);
    if (o_.group_join_before_connect) {
        // Opened first so its data leaves ahead of connect.
        static constexpr std::uint8_t gc_metadata[] = {0x47, 0x43};
        for (const auto& j : o_.group_joins) {
            const std::uint64_t gf = session_.open_flow(wire::bytes{gc_metadata, sizeof gc_metadata});
            if (gf != 0 && session_.send(gf, j) == session::send_status::ok)
                step("sent group join before connect on GC flow " + std::to_string(gf));
        }
        session_.poll(last_now_, *this);  // its own packet, ahead of connect
    }
    control_flow_ = session_.open_flow(mw.written());
    if (control_flow_ == 0) {
        finish(outcome::protocol_failure, "local session", "cannot open the control flow");
        return;
    }
    std::vector<std::uint8_t> buf(4096);
    wire::writer w(buf);
    flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
    flash::amf0_writer a(w);
    a.string("connect");
    a.number(connect_transaction);
    a.object_begin();
    // The members librtmfp sends (protocol reference §6.5), overridable.
    std::vector<std::pair<std::string, std::string>> members = {
        {"app", o_.uri.app},         {"flashVer", "LNX 20,0,0,286"}, {"swfUrl", ""},
        {"tcUrl", o_.uri.text},      {"fpad", "false"},             {"capabilities", "235"},
        {"audioCodecs", "3575"},     {"videoCodecs", "252"},        {"videoFunction", "1"},
        {"pageUrl", ""},             {"objectEncoding", "3"},
    };
    for (const auto& [k, v] : o_.connect_args) {
        bool replaced = false;
        for (auto& m : members)
            if (m.first == k) m.second = v, replaced = true;
        if (!replaced) members.emplace_back(k, v);
    }
    for (const auto& [k, v] : members) {
        a.key(k);
        if (v == "true" || v == "false") a.boolean(v == "true");
        else if (is_number(v) && k != "app" && k != "tcUrl") a.number(std::strtod(v.c_str(), nullptr));
        else a.string(v);
    }
    a.object_end();
    if (!w.ok() || session_.send(control_flow_, w.written()) != session::send_status::ok) {
        finish(outcome::protocol_failure, "local session", "cannot queue connect");
        return;
    }
    step("sent connect (transaction 1) app \"" + o_.uri.app + "\" tcUrl \"" + o_.uri.text + "\" on flow " +
         std::to_string(control_flow_) + " (TC 04 00)");
}

bool connection::on_new_flow(session::session&, std::uint64_t flow_id, wire::bytes metadata,
                             std::optional<std::uint64_t> return_flow) noexcept {
    auto m = flash::read_flow_metadata(metadata);
    // The server answers on a TC return flow associated to our control flow
    // (RFC 7425 §5.3.2); nothing else is expected from a rendezvous server.
    if (m.ok() && m->signature == flash::flow_signature::gc && o_.on_group_message) {
        server_group_flows_.push_back(flow_id);
        return true;
    }
    if (!m.ok() || m->signature != flash::flow_signature::tc) return false;
    if (!return_flow_ && return_flow && *return_flow == control_flow_) return_flow_ = flow_id;
    return true;
}

std::uint64_t connection::open_group_flow(wire::bytes join_message) noexcept {
    if (!return_flow_) return 0;
    static constexpr std::uint8_t gc_metadata[] = {0x47, 0x43};
    const std::uint64_t flow = session_.open_flow(wire::bytes{gc_metadata, sizeof gc_metadata}, *return_flow_);
    if (flow == 0) return 0;
    if (session_.send(flow, join_message) != session::send_status::ok) return 0;
    group_flows_.push_back(flow);
    return flow;
}

void connection::on_message(session::session&, std::uint64_t flow, wire::bytes message) noexcept {
    if (std::find(server_group_flows_.begin(), server_group_flows_.end(), flow) != server_group_flows_.end()) {
        o_.on_group_message(flow, message);
        return;
    }
    auto m = flash::read_rtmp_message(message);
    if (!m.ok()) return;
    if (m->type == flash::rtmp_type::user_control) {
        auto uc = flash::read_user_control(m->body);
        if (uc.ok() && uc->event == flash::user_control_event::set_keepalive_timers && uc->data.size() >= 8) {
            wire::reader r(uc->data);
            std::uint32_t a = 0, b = 0;
            if (r.u32(a) == wire::drop_reason::none && r.u32(b) == wire::drop_reason::none) {
                report_.keepalive_server_ms = a;
                report_.keepalive_peer_ms = b;
                step("Set Keepalive Timers: server " + std::to_string(a) + " ms, peer " + std::to_string(b) + " ms");
            }
        }
        return;
    }
    if (o_.on_media && (m->type == flash::rtmp_type::audio || m->type == flash::rtmp_type::video ||
                        m->type == flash::rtmp_type::data_amf0 || m->type == flash::rtmp_type::data_amf3)) {
        o_.on_media(m->type, m->timestamp, m->body);
        return;
    }
    if (!flash::is_command(m->type)) return;
    auto amf = flash::amf_payload(*m);
    if (amf.ok()) on_command(*amf);
}

namespace {
// The first object's level/code/description, wherever it is among the arguments.
void read_info_object(flash::amf0_reader args, call_answer& out) {
    flash::amf0_value v;
    int depth = 0;
    while (args.next(v) == wire::drop_reason::none) {
        if (v.is_begin()) {
            if (depth == 0 && (v.type == flash::amf0_type::object_begin || v.type == flash::amf0_type::ecma_array_begin)) {
                depth = 1;
                continue;
            }
            if (args.skip(v) != wire::drop_reason::none) return;
            continue;
        }
        if (v.type == flash::amf0_type::end) {
            if (depth == 1) return;
            continue;
        }
        if (depth != 1 || v.type != flash::amf0_type::string) continue;
        if (v.key == "code") out.code = std::string(v.text);
        else if (v.key == "description") out.description = std::string(v.text);
        else if (v.key == "level" && v.text == "error") out.error = true;
    }
}

// onRelay, 0, null, {sender: "<hex>"}, args...: the sender and the rest.
bool read_on_relay(flash::amf0_reader args, std::string& sender, wire::bytes& rest) {
    flash::amf0_value v;
    if (args.next(v) != wire::drop_reason::none) return false;
    if (v.is_nullish() && args.next(v) != wire::drop_reason::none) return false;
    if (v.type != flash::amf0_type::object_begin) return false;
    for (;;) {
        if (args.next(v) != wire::drop_reason::none) return false;
        if (v.type == flash::amf0_type::end) break;
        if (v.key == "sender" && v.type == flash::amf0_type::string) sender = std::string(v.text);
        if (args.skip(v) != wire::drop_reason::none) return false;
    }
    rest = args.rest();
    return true;
}
} // namespace

bool connection::call(wire::bytes rtmp_message) {
    if (phase_ != phase::connected) return false;
    return session_.send(control_flow_, rtmp_message) == session::send_status::ok;
}

std::optional<std::uint64_t> connection::open_stream_flow(std::uint32_t stream_id) {
    if (phase_ != phase::connected) return std::nullopt;
    std::array<std::uint8_t, 16> md{};
    wire::writer w(md);
    flash::write_tc_metadata(w, stream_id);
    const auto id = session_.open_flow(w.written());
    if (id == 0) return std::nullopt;
    return id;
}

bool connection::send_on(std::uint64_t flow, wire::bytes rtmp_message) {
    if (phase_ != phase::connected) return false;
    return session_.send(flow, rtmp_message) == session::send_status::ok;
}

void connection::on_command(wire::bytes amf) {
    auto c = flash::read_command(amf);
    if (!c.ok()) return;
    if (c->name == "onRelay") {
        std::string sender;
        wire::bytes rest;
        if (o_.on_relay && read_on_relay(c->args, sender, rest)) o_.on_relay(sender, rest);
        return;
    }
    const bool is_result = c->name == "_result", is_error = c->name == "_error";
    if (phase_ == phase::connected && o_.on_call_answer && (is_result || is_error || c->name == "onStatus") &&
        !(awaiting_stream_ && c->transaction_id == create_stream_transaction)) {
        call_answer a;
        a.transaction_id = c->transaction_id;
        a.name = std::string(c->name);
        a.error = is_error;
        read_info_object(c->args, a);
        o_.on_call_answer(a);
        return;
    }
    if (!is_result && !is_error) return;
    if (awaiting_stream_ && c->transaction_id == create_stream_transaction) {
        // _result, 2, null, <stream ID>
        flash::amf0_value v;
        auto args = c->args;
        while (args.next(v) == wire::drop_reason::none) {
            if (v.type == flash::amf0_type::number) {
                report_.stream_id = v.number;
                break;
            }
            if (v.is_begin() && args.skip(v) != wire::drop_reason::none) break;
        }
        awaiting_stream_ = false;
        if (is_result && report_.stream_id) step("createStream: _result stream " + std::to_string(static_cast<long long>(*report_.stream_id)));
        else step("createStream: " + std::string(c->name) + " without a stream ID");
        return;
    }
    if (phase_ != phase::connecting || c->transaction_id != connect_transaction) return;
    // _result/_error, 1, null, { level, code, description, objectEncoding }
    auto args = c->args;
    flash::amf0_value v;
    int depth = 0;
    while (args.next(v) == wire::drop_reason::none) {
        if (v.is_begin()) {
            if (depth == 0 && (v.type == flash::amf0_type::object_begin || v.type == flash::amf0_type::ecma_array_begin)) {
                depth = 1;
                continue;
            }
            if (args.skip(v) != wire::drop_reason::none) break;
            continue;
        }
        if (v.type == flash::amf0_type::end) {
            if (depth == 1) break;
            continue;
        }
        if (depth != 1) continue;
        if (v.key == "code" && v.type == flash::amf0_type::string) report_.connect_code = std::string(v.text);
        else if (v.key == "description" && v.type == flash::amf0_type::string) report_.connect_description = std::string(v.text);
        else if (v.key == "level" && v.type == flash::amf0_type::string) report_.connect_level = std::string(v.text);
        else if (v.key == "objectEncoding" && v.type == flash::amf0_type::number) report_.object_encoding = v.number;
    }
    pending_result_ = is_result ? 1 : 2;
}

void connection::after_connect(time_us now) {
    report_.connect_ms = double(now - started_) / double(session::ms);
    step("connect result: " + report_.connect_code + " (\"" + report_.connect_description + "\") after " +
         std::to_string(static_cast<long long>(report_.connect_ms)) + " ms");
    // RFC 7425 §5.3.3: setPeerInfo right after a successful connect (MUST).
    std::vector<std::uint8_t> buf(2048);
    wire::writer w(buf);
    flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
    flash::amf0_writer a(w);
    a.string("setPeerInfo");
    a.number(0);
    a.null();
    std::string listed;
    for (const auto& s : o_.peer_info) {
        a.string(s);
        listed += (listed.empty() ? "" : " ") + s;
    }
    if (!w.ok() || session_.send(control_flow_, w.written()) != session::send_status::ok) {
        finish(outcome::protocol_failure, "local session", "cannot queue setPeerInfo");
        return;
    }
    step("sent setPeerInfo [" + listed + "]");
    for (const auto& j : o_.group_join_before_connect ? decltype(o_.group_joins){} : o_.group_joins) {
        const std::uint64_t gf = open_group_flow(j);
        step(gf ? "sent group join on GC flow " + std::to_string(gf) : std::string("cannot open a GC flow"));
    }
    if (o_.create_stream) {
        wire::writer cw(buf);
        flash::write_rtmp_header(cw, flash::rtmp_type::command_amf0, 0);
        flash::amf0_writer ca(cw);
        ca.string("createStream");
        ca.number(create_stream_transaction);
        ca.null();
        if (cw.ok() && session_.send(control_flow_, cw.written()) == session::send_status::ok) {
            awaiting_stream_ = true;
            step("sent createStream (transaction 2)");
        }
    }
    if (o_.misbehave == misbehaviour::session_garbage && out_ != nullptr) {
        // Random-looking blocks under the server's session ID: it must fail
        // decryption there, be counted, and leave this session alone.
        std::vector<std::uint8_t> junk(4 + 48);
        for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 73 + 19);
        wire::scramble_session_id(junk, report_.far_id);
        out_->send(junk);
        step("sent 52 bytes of garbage under session ID " + std::to_string(report_.far_id));
    }
    phase_ = phase::connected;
    phase_deadline_ = now + o_.timeout;
    stay_until_ = now + o_.stay;
    if (o_.stay > 0) step("staying " + ms_text(o_.stay));
}

void connection::begin_close(time_us now) {
    phase_ = phase::closing;
    phase_deadline_ = now + o_.timeout;
    // RFC 7425 §5.3.6: orderly close = FIN on the control flow first, then
    // the session (RFC 7016 §3.5.5 Close / Close Ack).
    if (session_.close_flow(control_flow_)) {
        flow_close_until_ = now + flow_close_wait;
        step("closing: FIN on the control flow");
    } else {
        flow_close_until_ = now;
    }
}

void connection::on_flow_closed(session::session&, std::uint64_t flow_id, bool sending, session::flow_end) noexcept {
    if (sending && flow_id == control_flow_) control_flow_done_ = true;
}

void connection::on_session_closed(session::session&, session::close_reason why) noexcept {
    if (why == session::close_reason::local) return;
    if (phase_ == phase::closing && session_close_sent_) return;
    report_.closed_by_server = true;
    server_close_reason_ = why;
}

void connection::send(session::session& s, const wire::socket_address&, wire::packet_builder& packet) noexcept {
    auto n = s.seal_packet(packet);
    if (!n.ok() || out_ == nullptr) return;
    out_->send(packet.datagram().first(*n));
}

void connection::flush(time_us now, datagram_out& out) {
    out_ = &out;
    last_now_ = now;
    if (!session_started_) return;
    session_.poll(now, *this);
    if (pending_result_ != 0 && phase_ == phase::connecting) {
        const int r = pending_result_;
        pending_result_ = 0;
        if (r == 2) {
            step("connect rejected: " + report_.connect_code + " (\"" + report_.connect_description + "\")");
            finish(outcome::rejected, "", report_.connect_code + ": " + report_.connect_description);
            return;
        }
        if (report_.connect_code != "NetConnection.Connect.Success") {
            finish(outcome::protocol_failure, "connect result",
                   "_result with code \"" + report_.connect_code + "\", expected NetConnection.Connect.Success");
            return;
        }
        after_connect(now);
        session_.poll(now, *this);
    }
    if (report_.closed_by_server && phase_ != phase::done && !(phase_ == phase::closing && session_close_sent_)) {
        const char* why = server_close_reason_ == session::close_reason::remote       ? "the server sent Close"
                          : server_close_reason_ == session::close_reason::close_ack  ? "the server sent Close Ack"
                          : server_close_reason_ == session::close_reason::idle_timeout ? "idle timeout (nothing received)"
                                                                                      : "session aborted";
        if (phase_ == phase::connecting)
            finish(outcome::protocol_failure, "session", std::string(why) + " before the connect result");
        else
            finish(outcome::protocol_failure, "session", std::string(why) + " while connected");
    }
}

void connection::poll(time_us now, datagram_out& out) {
    out_ = &out;
    last_now_ = now;
    switch (phase_) {
    case phase::ihello_sent:
    case phase::keying_sent:
        if (now >= phase_deadline_) {
            finish(outcome::timeout, "",
                   phase_ == phase::ihello_sent
                       ? "no valid RHello within " + ms_text(o_.timeout) + " (" + std::to_string(report_.ihellos_sent) + " IHellos)"
                       : "no RIKeying within " + ms_text(o_.timeout) + " (" + std::to_string(report_.iikeyings_sent) + " IIKeyings)");
            return;
        }
        if (now >= retransmit_at_) {
            if (phase_ == phase::ihello_sent) send_ihello(now, out);
            else send_iikeying(now, out);
        }
        return;
    case phase::connecting:
        flush(now, out);
        if (phase_ == phase::connecting && now >= phase_deadline_)
            finish(outcome::timeout, "", "no connect result within " + ms_text(o_.timeout));
        return;
    case phase::connected:
        flush(now, out);
        if (phase_ != phase::connected) return;
        if (awaiting_stream_ && now >= phase_deadline_) {
            finish(outcome::timeout, "", "no createStream result within " + ms_text(o_.timeout));
            return;
        }
        if (now >= stay_until_ && !awaiting_stream_) {
            begin_close(now);
            flush(now, out);
        }
        return;
    case phase::closing:
        flush(now, out);
        if (phase_ != phase::closing) return;
        if (!session_close_sent_ && (control_flow_done_ || now >= flow_close_until_)) {
            session_close_sent_ = true;
            session_.close(now);
            step(std::string("closing: ") + (control_flow_done_ ? "control flow complete, " : "") + "sent Close");
            session_.poll(now, *this);
        }
        if (session_close_sent_ && session_.closed()) {
            report_.close_acked = true;
            step("session closed (Close Ack received)");
            finish(outcome::ok, "", "");
        } else if (now >= phase_deadline_) {
            step("no Close Ack within " + ms_text(o_.timeout) + "; leaving anyway");
            finish(outcome::ok, "", "");
        }
        return;
    default:
        return;
    }
}

time_us connection::next_wakeup(time_us now) const {
    time_us t = now + 50 * session::ms;
    switch (phase_) {
    case phase::ihello_sent:
    case phase::keying_sent:
        t = std::min(retransmit_at_, phase_deadline_);
        break;
    case phase::connecting:
    case phase::connected:
    case phase::closing:
        t = std::min(t, session_.next_wakeup(now));
        t = std::min(t, phase_deadline_);
        // The stay only starts counting once the createStream result is in
        // (poll() closes on it only then): while awaiting it, a stay that
        // has already run out must not make us due at once, for ever.
        if (phase_ == phase::connected && !awaiting_stream_) t = std::min(t, stay_until_);
        break;
    default:
        break;
    }
    return std::max(t, now);
}

} // namespace strato::peer
