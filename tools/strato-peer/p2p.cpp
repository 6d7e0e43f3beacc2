#include "tools/strato-peer/p2p.hpp"

#include <algorithm>
#include <array>

#include "crypto/datagram.hpp"
#include "crypto/random.hpp"
#include "dataplane/engine/handshake.hpp"
#include "dataplane/engine/keying.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/wire/packet.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/startup.hpp"

namespace strato::peer {

namespace {

constexpr time_us first_retransmit = 500 * session::ms;
constexpr time_us retransmit_step = 500 * session::ms;
constexpr time_us close_wait = 1 * session::seconds;
constexpr std::size_t max_links = 256;

std::uint32_t random_session_id() {
    std::array<std::uint8_t, 4> b{};
    std::uint32_t id = 0;
    for (int i = 0; i < 8 && id == 0; ++i) {
        if (!crypto::random_bytes(b)) b = {0x51, 0x7e, 0x0a, static_cast<std::uint8_t>(i + 1)};
        id = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    }
    return id == 0 ? 1 : id;
}

// Up to 60 printable characters of a message, for the listener's log.
std::string printable(wire::bytes m) {
    std::string s;
    for (std::size_t i = 0; i < m.size() && i < 60; ++i) s.push_back(m[i] >= 0x20 && m[i] < 0x7f ? static_cast<char>(m[i]) : '.');
    if (m.size() > 60) s += "...";
    return s;
}

struct opened_startup {
    std::vector<std::uint8_t> plain;
    wire::bytes packet;  // from the flags byte
    wire::chunk_view first;
};

bool open_startup(wire::bytes d, opened_startup& o) {
    if (d.size() < wire::min_datagram || d.size() > wire::max_datagram) return false;
    const auto* key = crypto::default_aes_key();
    if (key == nullptr) return false;
    o.plain.assign(d.size(), 0);
    auto p = crypto::open(d, o.plain, crypto::open_params{key, nullptr, 0, false});
    if (!p.ok()) return false;
    o.packet = p->packet;
    auto pk = wire::parse_packet(p->packet);
    if (!pk.ok()) return false;
    wire::chunk_reader r(pk->chunks);
    return r.next(o.first);
}

} // namespace

std::string address_text(const wire::socket_address& a) {
    char buf[64];
    const auto n = wire::format_address(a, buf, sizeof buf);
    return std::string(buf, n);
}

std::optional<std::uint8_t> startup_chunk_type(wire::bytes datagram) {
    if (datagram.size() < wire::min_datagram || wire::session_id_of(datagram) != 0) return std::nullopt;
    opened_startup o;
    if (!open_startup(datagram, o)) return std::nullopt;
    return o.first.type;
}

std::string make_listener_identity(crypto::dh_group group, initiator_identity& id, crypto::server_certificate& cert) {
    keying_choice c;
    c.group = group;
    c.form = certificate_form::ephemeral;
    if (auto e = generate_identity(c, id); !e.empty()) return e;
    std::array<std::uint8_t, crypto::certificate_randomness_size> r{};
    if (!crypto::random_bytes(r)) return "the random generator failed";
    std::vector<crypto::dh_group> groups(crypto::default_certificate_groups.begin(), crypto::default_certificate_groups.end());
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    if (crypto::build_server_certificate(r, groups, cert) != wire::drop_reason::none) return "cannot build the certificate";
    id.certificate.assign(cert.bytes_view().begin(), cert.bytes_view().end());
    id.peer_id = cert.fingerprint;
    return "";
}

// ---- responder -----------------------------------------------------------

struct peer_responder::link final : session::session_app, session::packet_sink {
    peer_responder* owner = nullptr;
    session::session s;
    session::session_stats stats{};
    addressed_out* out = nullptr;
    wire::socket_address from;
    std::uint32_t isid = 0;
    std::vector<std::uint8_t> rikeying;
    std::map<std::uint64_t, std::vector<std::uint8_t>> metadata;  // receiving flow -> its metadata
    std::map<std::uint64_t, std::uint64_t> echo;                  // receiving flow -> our return flow
    std::string name;

    bool on_new_flow(session::session&, std::uint64_t flow_id, wire::bytes m, std::optional<std::uint64_t>) noexcept override {
        if (metadata.size() >= 64) return false;
        metadata[flow_id].assign(m.begin(), m.end());
        ++owner->stats_.flows;
        owner->note(name + ": new flow " + std::to_string(flow_id) + " metadata " + to_hex(m));
        return true;
    }
    void on_message(session::session&, std::uint64_t flow_id, wire::bytes m) noexcept override {
        ++owner->stats_.messages;
        owner->stats_.bytes += m.size();
        owner->note(name + ": flow " + std::to_string(flow_id) + " message " + std::to_string(m.size()) + " bytes \"" +
                    printable(m) + "\"");
        if (owner->on_message) owner->on_message(m);
        auto it = echo.find(flow_id);
        if (it == echo.end()) {
            const auto& meta = metadata[flow_id];
            const auto id = s.open_flow(meta, flow_id);  // return association (RFC 7016 §2.3.11.1.2)
            if (id == 0) {
                ++owner->stats_.dropped;
                return;
            }
            it = echo.emplace(flow_id, id).first;
        }
        if (s.send(it->second, m) == session::send_status::ok) ++owner->stats_.echoed;
        else ++owner->stats_.dropped;
    }
    void on_flow_closed(session::session&, std::uint64_t flow_id, bool sending, session::flow_end) noexcept override {
        if (sending) return;
        // The peer finished its flow: finish our echo flow too.
        if (auto it = echo.find(flow_id); it != echo.end()) (void)s.close_flow(it->second);
    }
    void on_session_closed(session::session&, session::close_reason why) noexcept override {
        owner->note(name + ": session closed (" +
                    (why == session::close_reason::remote ? std::string("peer sent Close")
                     : why == session::close_reason::idle_timeout ? std::string("idle timeout")
                                                                  : std::string("ended")) + ")");
    }
    void send(session::session& ss, const wire::socket_address& to, wire::packet_builder& packet) noexcept override {
        auto n = ss.seal_packet(packet);
        if (n.ok() && out != nullptr) out->send_to(to, packet.datagram().first(*n));
    }
};

peer_responder::peer_responder(const crypto::server_certificate& cert, crypto::dh_group group) : cert_(cert), group_(group) {
    std::array<std::uint8_t, crypto::cookie_secret_size> secret{};
    ready_ = crypto::random_bytes(secret) && cookies_.init(secret);
}

peer_responder::~peer_responder() = default;

bool peer_responder::on_datagram(wire::bytes d, const wire::socket_address& from, time_us now, addressed_out& out) {
    if (d.size() < wire::min_datagram) return false;
    const std::uint32_t sid = wire::session_id_of(d);
    if (sid == 0) {
        opened_startup o;
        if (!open_startup(d, o)) {
            ++stats_.dropped;
            return true;
        }
        if (o.first.type == static_cast<std::uint8_t>(wire::chunk_type::ihello)) ++stats_.ihellos;
        answer_startup(o.packet, from, now, out);
        return true;
    }
    auto it = links_.find(sid);
    if (it == links_.end()) return false;
    link& l = *it->second;
    l.out = &out;
    std::vector<std::uint8_t> plain(d.size());
    auto p = l.s.open_datagram(d, plain);
    if (!p.ok()) {
        // A retransmitted IIKeying is a startup packet; anything else under
        // this session ID that does not open with its keys is dropped.
        ++stats_.dropped;
        return true;
    }
    (void)l.s.on_plaintext(*p, from, now);
    l.s.poll(now, l);
    return true;
}

void peer_responder::answer_startup(wire::bytes packet, const wire::socket_address& from, time_us now, addressed_out& out) {
    if (!ready_) return;
    std::array<std::uint8_t, engine::max_rhello_datagram + 64> reply{};
    engine::handshake_context ctx{&cert_, &cookies_};
    const auto r = engine::handle_startup_packet(ctx, packet, from, static_cast<std::uint32_t>(now / session::seconds),
                                                 session::ticks_of(now), reply, counters_);
    switch (r.action) {
    case engine::startup_action::reply: {
        auto n = crypto::seal(reply, r.reply_size, r.reply_session_id, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
        if (!n.ok()) return;
        out.send_to(from, {reply.data(), *n});
        ++stats_.rhellos_sent;
        note("sent RHello/Cookie Change to " + address_text(from));
        return;
    }
    case engine::startup_action::keying:
        on_iikeying(packet, from, now, out);
        return;
    case engine::startup_action::introduction:
        note("IHello from " + address_text(from) + " names another peer: ignored");
        return;
    case engine::startup_action::none:
        ++stats_.dropped;
        return;
    }
}

void peer_responder::on_forwarded_ihello(const wire::forwarded_ihello& f, time_us now, addressed_out& out) {
    ++stats_.fihellos;
    if (f.reply_address.is_unusable_candidate() && f.reply_address.port == 0) return;
    note("Forwarded IHello: reply address " + address_text(f.reply_address) + ", tag " + to_hex(f.tag));
    // RFC 7016 §3.5.1.6: handle it like an IHello from the reply address.
    const auto d = build_ihello(f.epd, f.tag, session::ticks_of(now));
    if (d.empty()) return;
    opened_startup o;
    if (!open_startup(d, o)) return;
    answer_startup(o.packet, f.reply_address, now, out);
}

void peer_responder::on_iikeying(wire::bytes packet, const wire::socket_address& from, time_us now, addressed_out& out) {
    ++stats_.iikeyings;
    auto pk = wire::parse_packet(packet);
    if (!pk.ok()) return;
    wire::chunk_reader cr(pk->chunks);
    wire::chunk_view c;
    if (!cr.next(c) || c.type != static_cast<std::uint8_t>(wire::chunk_type::iikeying)) return;
    auto k = wire::parse_iikeying(c.value);
    if (!k.ok()) return;
    // A retransmission of a keying we already answered: the same RIKeying.
    for (auto& [sid, l] : links_) {
        if (l->isid == k->initiator_session_id && l->from.same_endpoint(from) && l->s.state() == session::session_state::open) {
            out.send_to(from, l->rikeying);
            return;
        }
    }
    if (links_.size() >= max_links) {
        ++stats_.dropped;
        return;
    }
    std::uint64_t groups = 0;
    if (auto cv = crypto::parse_certificate(cert_.bytes_view()); cv.ok()) groups = cv->ephemeral_group_mask;
    auto req = std::make_unique<engine::keying_request>();
    if (auto e = engine::prepare_keying(*k, from, {groups, false, false}, *req); e != wire::drop_reason::none) {
        note("IIKeying from " + address_text(from) + " refused");
        ++stats_.dropped;
        return;
    }
    crypto::dh_keypair kp;
    if (crypto::dh_generate(req->group, 0, kp) != crypto::dh_error::ok) return;
    auto res = std::make_unique<engine::keying_result>();
    engine::complete_keying(*req, kp, *res);
    if (res->status != wire::drop_reason::none) {
        ++stats_.dropped;
        return;
    }
    session::session_keys keys;
    bool ok = crypto::make_aes_key(res->keys.encrypt_aes(), keys.encrypt) && crypto::make_aes_key(res->keys.decrypt_aes(), keys.decrypt);
    if (res->features.send_hmac) {
        ok = ok && crypto::make_hmac_key(res->keys.hmac_send_key, keys.hmac_send);
        keys.hmac_send_length = res->features.send_hmac_length;
    }
    if (res->features.recv_hmac) {
        ok = ok && crypto::make_hmac_key(res->keys.hmac_recv_key, keys.hmac_recv);
        keys.hmac_recv_length = res->features.recv_hmac_length;
    }
    keys.sseq_send = res->features.send_sseq;
    keys.sseq_recv = res->features.recv_sseq;
    std::uint32_t sid = random_session_id();
    while (links_.count(sid)) sid = random_session_id();
    auto l = std::make_unique<link>();
    l->owner = this;
    l->out = &out;
    l->from = from;
    l->isid = k->initiator_session_id;
    l->name = "peer " + to_hex(req->peer_id).substr(0, 16) + " at " + address_text(from);
    session::session_config cfg;
    if (!ok || !l->s.prepare(cfg, &l->stats)) return;
    std::array<std::uint8_t, 1500> buf{};
    const auto n = engine::write_rikeying_packet(buf, sid, res->skrc_bytes(), session::ticks_of(now));
    if (n == 0) return;
    auto sealed = crypto::seal(buf, n, k->initiator_session_id, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
    if (!sealed.ok()) return;
    l->rikeying.assign(buf.data(), buf.data() + *sealed);
    session::session_params p;
    p.near_id = sid;
    p.far_id = k->initiator_session_id;
    p.far_address = from;
    p.initiator = false;
    l->s.start(p, keys, l.get(), now);
    out.send_to(from, l->rikeying);
    ++stats_.rikeyings_sent;
    ++stats_.sessions;
    note("IIKeying from " + address_text(from) + ": peer ID " + to_hex(req->peer_id) + ", sent RIKeying (SKRC " +
         std::to_string(res->skrc_size) + " bytes), session " + std::to_string(sid) + " open");
    links_.emplace(sid, std::move(l));
}

void peer_responder::poll(time_us now, addressed_out& out) {
    for (auto it = links_.begin(); it != links_.end();) {
        link& l = *it->second;
        l.out = &out;
        l.s.poll(now, l);
        if (l.s.closed()) it = links_.erase(it);
        else ++it;
    }
}

time_us peer_responder::next_wakeup(time_us now) const {
    time_us t = now + 200 * session::ms;
    for (const auto& [sid, l] : links_) t = std::min(t, l->s.next_wakeup(now));
    return std::max(t, now);
}

void peer_responder::close_all(time_us now, addressed_out& out) {
    for (auto& [sid, l] : links_) {
        l->out = &out;
        if (l->s.state() == session::session_state::open) l->s.close(now);
        l->s.poll(now, *l);
    }
}

// ---- caller --------------------------------------------------------------

peer_caller::peer_caller(call_options o) : o_(std::move(o)) {}

void peer_caller::finish(outcome o, std::string check, std::string detail) {
    if (outcome_ != outcome::pending) return;
    outcome_ = o;
    report_.failed_check = std::move(check);
    report_.error = std::move(detail);
    phase_ = call_phase::done;
    if (session_started_) {
        if (session_.state() == session::session_state::open && out_ != nullptr) {
            session_.close(last_now_);
            session_.poll(last_now_, *this);
        }
        report_.packets_in = stats_.packets_in;
        report_.packets_out = stats_.packets_out;
    }
}

void peer_caller::begin(time_us now, addressed_out& out) {
    out_ = &out;
    last_now_ = now;
    started_ = now;
    if (auto e = generate_identity(o_.keying, id_); !e.empty()) {
        finish(outcome::protocol_failure, "local keying", e);
        return;
    }
    report_.peer_id = id_.peer_id;
    rtmfp_uri none;
    epd_ = make_epd(epd_form::peer_id, none, o_.target);
    tag_.resize(16);
    if (!crypto::random_bytes(tag_)) {
        finish(outcome::protocol_failure, "local keying", "the random generator failed");
        return;
    }
    step("our peer ID " + to_hex(id_.peer_id));
    phase_ = call_phase::ihello_sent;
    deadline_ = now + o_.timeout;
    retransmit_interval_ = first_retransmit;
    send_ihellos(now, out);
}

void peer_caller::send_ihellos(time_us now, addressed_out& out) {
    const auto d = build_ihello(epd_, tag_, session::ticks_of(now));
    if (d.empty()) {
        finish(outcome::protocol_failure, "local", "the IHello does not fit");
        return;
    }
    // The introducer first (it re-sends the Forwarded IHello for every
    // retransmission), then every candidate it gave us.
    out.send_to(o_.introducer, d);
    ++report_.ihellos_sent;
    for (const auto& c : report_.candidates) {
        out.send_to(c, d);
        ++report_.ihellos_sent;
    }
    if (report_.ihellos_sent == 1)
        step("sent IHello (canonical EPD " + to_hex(epd_) + ") to the introducer " + address_text(o_.introducer));
    retransmit_at_ = now + retransmit_interval_;
    retransmit_interval_ += retransmit_step;
}

void peer_caller::send_iikeying(time_us now, addressed_out& out) {
    const auto d = build_iikeying(report_.near_id, cookie_, id_, session::ticks_of(now));
    if (d.empty()) {
        finish(outcome::protocol_failure, "local", "the IIKeying does not fit one packet");
        return;
    }
    out.send_to(*report_.responder, d);
    if (report_.iikeyings_sent++ == 0) step("sent IIKeying to " + address_text(*report_.responder));
    retransmit_at_ = now + retransmit_interval_;
    retransmit_interval_ += retransmit_step;
}

void peer_caller::on_datagram(wire::bytes d, const wire::socket_address& from, time_us now, addressed_out& out) {
    out_ = &out;
    last_now_ = now;
    if (d.size() < wire::min_datagram || d.size() > wire::max_datagram) return;
    const std::uint32_t sid = wire::session_id_of(d);
    if (sid == 0) {
        on_startup(d, from, now, out);
        return;
    }
    if (sid != report_.near_id || report_.near_id == 0) return;
    if (phase_ == call_phase::keying_sent) {
        if (!report_.responder || !from.same_endpoint(*report_.responder)) return;
        startup_reply r;
        if (!open_startup_reply(d, report_.near_id, r).empty()) return;
        if (r.chunk_type == static_cast<std::uint8_t>(wire::chunk_type::rhello_cookie_change)) {
            auto cc = wire::parse_rhello_cookie_change(r.value);
            if (!cc.ok() || !wire::equal(cc->old_cookie, cookie_)) return;
            cookie_.assign(cc->new_cookie.begin(), cc->new_cookie.end());
            step("Cookie Change from the peer, resending IIKeying");
            send_iikeying(now, out);
            return;
        }
        if (r.chunk_type != static_cast<std::uint8_t>(wire::chunk_type::rikeying)) return;
        initiator_keys k;
        if (auto e = complete_initiator_keying(id_, r.value, k); !e.empty()) {
            finish(outcome::protocol_failure, "peer RIKeying", e);
            return;
        }
        session::session_keys keys;
        if (!engine_keys(k, keys) || !session_.prepare(session::session_config{}, &stats_)) {
            finish(outcome::protocol_failure, "local session", "cannot set up the session engine");
            return;
        }
        session::session_params p;
        p.near_id = report_.near_id;
        p.far_id = k.responder_session_id;
        p.far_address = *report_.responder;
        p.initiator = true;
        session_.start(p, keys, this, now);
        session_started_ = true;
        report_.far_id = k.responder_session_id;
        report_.handshake_ms = double(now - started_) / double(session::ms);
        report_.direct = !report_.responder->same_endpoint(o_.introducer);
        step("RIKeying: SKRC " + std::to_string(k.skrc.size()) + " bytes, " + describe_features(k.features) +
             "; session open with " + address_text(*report_.responder) + " after " +
             std::to_string(static_cast<long long>(report_.handshake_ms)) + " ms");
        std::array<std::uint8_t, 16> meta{};
        wire::writer mw(meta);
        flash::write_tc_metadata(mw, 1);  // TC 04 01: a stream flow, as a NetStream publisher would open
        flow_ = session_.open_flow(mw.written());
        if (flow_ == 0) {
            finish(outcome::protocol_failure, "local session", "cannot open a flow");
            return;
        }
        for (const auto& m : o_.messages) {
            const wire::bytes b{reinterpret_cast<const std::uint8_t*>(m.data()), m.size()};
            if (session_.send(flow_, b) != session::send_status::ok) {
                finish(outcome::protocol_failure, "local session", "cannot queue a message");
                return;
            }
            ++report_.sent;
        }
        step("sent " + std::to_string(report_.sent) + " message(s) on flow " + std::to_string(flow_) + " (TC 04 01)");
        opened_at_ = now;
        phase_ = call_phase::open;
        deadline_ = now + o_.timeout;
        session_.poll(now, *this);
        return;
    }
    if (!session_started_) return;
    if (!from.same_endpoint(session_.far_address())) {
        ++report_.packets_from_other;
        return;
    }
    std::vector<std::uint8_t> plain(d.size());
    auto p = session_.open_datagram(d, plain);
    if (!p.ok()) return;
    (void)session_.on_plaintext(*p, from, now);
    poll(now, out);
}

void peer_caller::on_startup(wire::bytes d, const wire::socket_address& from, time_us now, addressed_out& out) {
    if (phase_ != call_phase::ihello_sent) return;
    opened_startup o;
    if (!open_startup(d, o)) return;
    if (o.first.type == static_cast<std::uint8_t>(wire::chunk_type::redirect)) {
        auto r = wire::parse_redirect(o.first.value);
        if (!r.ok() || !wire::equal(r->tag_echo, tag_)) return;
        ++report_.redirects;
        std::string list;
        std::vector<wire::socket_address> fresh;
        for (std::size_t i = 0; i < r->address_count; ++i) {
            const auto& a = r->addresses[i];
            list += (list.empty() ? "" : ", ") + address_text(a) + " origin " + std::to_string(static_cast<int>(a.origin));
            if (a.ipv6 != o_.introducer.ipv6 || a.port == 0 || report_.candidates.size() >= wire::max_redirect_addresses) continue;
            bool known = false;
            for (const auto& c : report_.candidates) known = known || c.same_endpoint(a);
            if (!known) {
                report_.candidates.push_back(a);
                fresh.push_back(a);
            }
        }
        if (r->address_count == 0) {
            // Implied Redirect: the responder is where this came from.
            bool known = false;
            for (const auto& c : report_.candidates) known = known || c.same_endpoint(from);
            if (!known) report_.candidates.push_back(from), fresh.push_back(from);
            list = "(implied: " + address_text(from) + ")";
        }
        step("Redirect from " + address_text(from) + ": " + list);
        const auto ih = build_ihello(epd_, tag_, session::ticks_of(now));
        for (const auto& a : fresh) {
            out.send_to(a, ih);
            ++report_.ihellos_sent;
        }
        return;
    }
    if (o.first.type != static_cast<std::uint8_t>(wire::chunk_type::rhello)) return;
    auto r = check_rhello(d, tag_);
    if (!r.ok()) return;  // not an answer to our tag, or malformed: others may still answer
    if (r.fingerprint != o_.target) {
        step("RHello from " + address_text(from) + " with another fingerprint " + to_hex(r.fingerprint) + ": ignored");
        return;
    }
    auto cert = crypto::parse_certificate(r.certificate);
    if (!cert.ok() || !(cert->offers_ephemeral(static_cast<std::uint64_t>(o_.keying.group)) ||
                        cert->static_key_for(static_cast<std::uint64_t>(o_.keying.group)) != nullptr)) {
        finish(outcome::protocol_failure, "peer RHello certificate", "the peer's certificate does not offer our DH group");
        return;
    }
    report_.responder = from;
    cookie_ = r.cookie;
    step("RHello from " + address_text(from) + ": fingerprint = the peer ID, cookie " + std::to_string(r.cookie.size()) + " bytes");
    report_.near_id = random_session_id();
    phase_ = call_phase::keying_sent;
    deadline_ = now + o_.timeout;
    retransmit_interval_ = first_retransmit;
    send_iikeying(now, out);
}

bool peer_caller::on_new_flow(session::session&, std::uint64_t, wire::bytes, std::optional<std::uint64_t> return_flow) noexcept {
    return return_flow && *return_flow == flow_;
}

void peer_caller::on_message(session::session&, std::uint64_t, wire::bytes m) noexcept {
    const std::size_t i = report_.echoed + report_.mismatched;
    if (i < o_.messages.size() && m.size() == o_.messages[i].size() &&
        std::equal(m.begin(), m.end(), reinterpret_cast<const std::uint8_t*>(o_.messages[i].data())))
        ++report_.echoed;
    else
        ++report_.mismatched;
}

void peer_caller::on_session_closed(session::session&, session::close_reason why) noexcept {
    if (why == session::close_reason::local) return;
    closed_ = true;
}

void peer_caller::send(session::session& s, const wire::socket_address& to, wire::packet_builder& packet) noexcept {
    auto n = s.seal_packet(packet);
    if (n.ok() && out_ != nullptr) out_->send_to(to, packet.datagram().first(*n));
}

void peer_caller::poll(time_us now, addressed_out& out) {
    out_ = &out;
    last_now_ = now;
    switch (phase_) {
    case call_phase::ihello_sent:
    case call_phase::keying_sent:
        if (now >= deadline_) {
            if (phase_ == call_phase::ihello_sent)
                finish(outcome::timeout, "",
                       report_.redirects == 0 ? "no Redirect and no RHello (unknown peer?)"
                                              : "Redirect received but no RHello from the peer (" +
                                                    std::to_string(report_.candidates.size()) + " candidates)");
            else finish(outcome::timeout, "", "no RIKeying from the peer");
            return;
        }
        if (now >= retransmit_at_) {
            if (phase_ == call_phase::ihello_sent) send_ihellos(now, out);
            else send_iikeying(now, out);
        }
        return;
    case call_phase::open:
        session_.poll(now, *this);
        if (report_.mismatched > 0) {
            finish(outcome::protocol_failure, "echo", "an echoed message differs from what was sent");
            return;
        }
        if (closed_) {
            finish(outcome::protocol_failure, "session", "the peer closed the session before every echo came back");
            return;
        }
        if (report_.echoed == report_.sent) {
            report_.echo_ms = double(now - opened_at_) / double(session::ms);
            step("all " + std::to_string(report_.echoed) + " echo(es) received after " +
                 std::to_string(static_cast<long long>(report_.echo_ms)) + " ms; closing");
            (void)session_.close_flow(flow_);
            session_.close(now);
            session_.poll(now, *this);
            phase_ = call_phase::closing;
            deadline_ = now + close_wait;
            return;
        }
        if (now >= deadline_) finish(outcome::timeout, "", std::to_string(report_.echoed) + " of " + std::to_string(report_.sent) + " echoes");
        return;
    case call_phase::closing:
        session_.poll(now, *this);
        if (session_.closed() || now >= deadline_) {
            step(session_.closed() ? "session closed" : "no Close Ack; leaving");
            report_.packets_in = stats_.packets_in;
            report_.packets_out = stats_.packets_out;
            if (!report_.direct) {
                finish(outcome::protocol_failure, "direct", "the session ended on the introducer's address");
                return;
            }
            outcome_ = outcome::ok;
            phase_ = call_phase::done;
        }
        return;
    default:
        return;
    }
}

time_us peer_caller::next_wakeup(time_us now) const {
    time_us t = now + 50 * session::ms;
    switch (phase_) {
    case call_phase::ihello_sent:
    case call_phase::keying_sent:
        t = std::min(retransmit_at_, deadline_);
        break;
    case call_phase::open:
    case call_phase::closing:
        t = std::min({t, session_.next_wakeup(now), deadline_});
        break;
    default:
        break;
    }
    return std::max(t, now);
}

} // namespace strato::peer
