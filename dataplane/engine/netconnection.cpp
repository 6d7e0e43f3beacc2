#include "dataplane/engine/netconnection.hpp"

#include <array>

#include "dataplane/flash/group.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/replies.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "dataplane/flash/user_control.hpp"

namespace strato::engine {

using wire::drop_reason;

std::string_view description_of(connect_refusal r) noexcept {
    switch (r) {
    case connect_refusal::none: return "";
    case connect_refusal::unknown_app: return "unknown application";
    case connect_refusal::bad_developer_key: return "bad developer key";
    case connect_refusal::quota_full: return "application is full";
    case connect_refusal::malformed: return "malformed connect";
    }
    return "";
}

std::string_view description_of(relay_outcome r) noexcept {
    switch (r) {
    case relay_outcome::queued: return "";
    case relay_outcome::unknown_peer: return "relay target is not connected";
    case relay_outcome::rate_limited: return "relay rate limit exceeded";
    case relay_outcome::busy: return "relay target is busy";
    }
    return "";
}

std::string_view tc_url_path(std::string_view url) noexcept {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    const auto slash = url.find('/', scheme + 3);
    if (slash == std::string_view::npos) return {};
    auto path = url.substr(slash + 1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    return path;
}

connect_refusal match_app(std::span<const app_rule> apps, std::string_view path, std::uint16_t& app_index) noexcept {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (apps.empty()) {
        app_index = 0;
        return connect_refusal::none;
    }
    std::size_t best = apps.size();
    for (std::size_t i = 0; i < apps.size(); ++i) {
        const auto rule = apps[i].path;
        const bool matches = path == rule || (path.size() > rule.size() && path.starts_with(rule) && path[rule.size()] == '/');
        if (matches && (best == apps.size() || rule.size() > apps[best].path.size())) best = i;
    }
    if (best == apps.size()) return connect_refusal::unknown_app;
    const auto& rule = apps[best];
    app_index = static_cast<std::uint16_t>(best);
    if (rule.developer_key_count == 0) return connect_refusal::none;
    auto rest = path.size() > rule.path.size() ? path.substr(rule.path.size() + 1) : std::string_view{};
    rest = rest.substr(0, rest.find('/'));
    for (std::size_t k = 0; k < rule.developer_key_count; ++k)
        if (rest == rule.developer_keys[k]) return connect_refusal::none;
    return connect_refusal::bad_developer_key;
}

namespace {
// Messages the server sends are small (a _result is 145 bytes).
constexpr std::size_t reply_buffer = 512;

std::array<std::uint8_t, 8> tc_metadata(std::size_t& size) noexcept {
    std::array<std::uint8_t, 8> b{};
    wire::writer w(b);
    flash::write_tc_metadata(w, 0);
    size = w.size();
    return b;
}
} // namespace

bool netconnection::on_new_flow(std::uint64_t flow, wire::bytes metadata, std::optional<std::uint64_t>) noexcept {
    auto md = flash::read_flow_metadata(metadata);
    if (!md.ok()) {
        counters_->drop(md.error());
        return false;
    }
    switch (md->signature) {
    case flash::flow_signature::tc:
        if (md->stream_id == 0 && !control_flow_) {
            control_flow_ = flow;  // RFC 7425 §5.3.1: the NetConnection control flow
            return true;
        }
        // Stream flows and further control flows only once connected.
        if (state_ == state::connected) return true;
        counters_->drop(drop_reason::bad_metadata);
        return false;
    case flash::flow_signature::gc:
        if (state_ == state::connected) return true;
        counters_->drop(drop_reason::bad_group_join);  // join without connect
        return false;
    default:
        // GR flows are peer to peer only; anything else is not for a server
        // (RFC 7425 §5.1.1: reject unknown signatures).
        counters_->drop(drop_reason::bad_metadata);
        return false;
    }
}

void netconnection::on_message(std::uint64_t flow, wire::bytes message) noexcept {
    if (state_ == state::closed) return;
    if (control_flow_ && flow == *control_flow_) {
        auto m = flash::read_rtmp_message(message);
        if (!m.ok()) {
            counters_->drop(m.error());
            return;
        }
        if (flash::is_command(m->type)) {
            auto amf = flash::amf_payload(*m);
            if (!amf.ok()) {
                counters_->drop(amf.error());
                return;
            }
            handle_command(*amf);
        }
        // User control (e.g. SetBufferLength) and chunk-stream control are ignored (RFC 7425 §5.1).
        return;
    }
    // A GC flow: one join message per flow (protocol reference §7.2).
    if (state_ == state::connected) {
        auto j = flash::read_group_join(message);
        if (!j.ok()) {
            counters_->drop(j.error());
            return;
        }
        events_->on_group_join(flow, message);
    }
}

bool netconnection::reply(wire::bytes message) noexcept {
    if (!return_flow_) return false;
    if (!io_->send(*return_flow_, message)) {
        counters_->drop(drop_reason::tx_full);
        return false;
    }
    return true;
}

void netconnection::handle_command(wire::bytes amf) noexcept {
    auto cmd = flash::read_command(amf);
    if (!cmd.ok()) {
        counters_->drop(cmd.error());
        return;
    }
    if (cmd->kind == flash::command_kind::relay) {  // the hot one: its own buffers, nothing zeroed
        if (state_ == state::connected) handle_relay(*cmd);
        else counters_->drop(drop_reason::unknown_command);
        return;
    }
    std::array<std::uint8_t, reply_buffer> buf{};
    wire::writer w(buf);
    switch (cmd->kind) {
    case flash::command_kind::connect: {
        auto c = flash::read_connect(*cmd);
        if (!c.ok()) {
            counters_->drop(c.error());
            return;
        }
        handle_connect(*c);
        return;
    }
    case flash::command_kind::set_peer_info: {
        if (state_ != state::connected) return;
        auto p = flash::read_set_peer_info(*cmd);
        if (!p.ok()) {
            counters_->drop(p.error());
            return;
        }
        // RFC 7425 §5.3.3: replace the list; keep only addresses worth
        // handing to other peers (protocol reference P18).
        address_count_ = 0;
        for (std::size_t i = 0; i < p->address_count && address_count_ < addresses_.size(); ++i) {
            if (p->addresses[i].is_unusable_candidate()) continue;
            bool dup = false;
            for (std::size_t k = 0; k < address_count_; ++k) dup |= addresses_[k].same_endpoint(p->addresses[i]);
            if (!dup) addresses_[address_count_++] = p->addresses[i];
        }
        introducible_ = true;
        events_->on_peer_info({addresses_.data(), address_count_});
        if (p->transaction_id != 0) {
            flash::write_create_stream_result(w, p->transaction_id, 0);  // _result, tx, null, (no stream): acknowledge
            if (w.ok()) reply(w.written());
        }
        return;
    }
    case flash::command_kind::create_stream: {
        if (state_ != state::connected) return;
        auto c = flash::read_create_stream(*cmd);
        if (!c.ok()) {
            counters_->drop(c.error());
            return;
        }
        // Answered even for transaction 0: librtmfp sends 0 and waits (errata #9).
        flash::write_create_stream_result(w, c->transaction_id, next_stream_id_++);
        if (w.ok()) reply(w.written());
        return;
    }
    case flash::command_kind::delete_stream: {
        auto c = flash::read_delete_stream(*cmd);
        if (c.ok() && c->transaction_id != 0) {
            flash::write_create_stream_result(w, c->transaction_id, c->stream_id);
            if (w.ok()) reply(w.written());
        }
        return;
    }
    case flash::command_kind::relay: return;  // handled above
    default:
        // Unknown calls (and play/publish: no media here yet): _error when an
        // answer is expected (protocol reference §6.8).
        if (cmd->transaction_id != 0 && state_ == state::connected) {
            flash::write_error(w, cmd->transaction_id, flash::status::call_failed, "Method not found");
            if (w.ok()) reply(w.written());
        }
        counters_->drop(drop_reason::unknown_command);
        return;
    }
}

void netconnection::handle_connect(const flash::connect_command& c) noexcept {
    if (state_ != state::awaiting_connect || !control_flow_) {
        counters_->drop(drop_reason::unknown_command);  // a second connect on one session
        return;
    }
    // The return flow first: both _result and _error travel on it
    // (RFC 7425 §5.3.2).
    std::size_t md_size = 0;
    const auto md = tc_metadata(md_size);
    return_flow_ = io_->open_flow(wire::bytes{md.data(), md_size}, *control_flow_);
    if (!return_flow_) {
        counters_->drop(drop_reason::table_full);
        io_->close_session();
        return;
    }
    // The authoritative application is tcUrl's path; librtmfp's `app` may
    // disagree with it (errata #7), so it is only the fallback.
    auto path = tc_url_path(c.tc_url);
    if (path.empty()) path = c.app;
    std::uint16_t app = 0;
    connect_refusal refusal = match_app(policy_->apps, path, app);
    if (refusal == connect_refusal::none && !events_->admit(app)) refusal = connect_refusal::quota_full;

    std::array<std::uint8_t, reply_buffer> buf{};
    wire::writer w(buf);
    if (refusal != connect_refusal::none) {
        flash::write_error(w, c.transaction_id,
                           refusal == connect_refusal::unknown_app ? flash::status::connect_invalid_app
                                                                   : flash::status::connect_rejected,
                           description_of(refusal));
        if (w.ok()) reply(w.written());
        io_->close_flow(*return_flow_);
        state_ = state::closed;
        return;
    }
    flash::write_connect_result(w, flash::connect_result_params{
                                       c.transaction_id, "Connection succeeded.",
                                       c.has_object_encoding ? c.object_encoding : 0.0, {}});
    if (!w.ok() || !reply(w.written())) return;
    // RFC 7425 §5.3.4: advise keepalive periods right away (as MonaServer2 does).
    std::array<std::uint8_t, 32> ka{};
    wire::writer kw(ka);
    flash::write_set_keepalive_timers(kw, policy_->keepalive_server_ms, policy_->keepalive_peer_ms);
    if (kw.ok()) reply(kw.written());
    state_ = state::connected;
    app_index_ = app;
    events_->on_connected(app);
}

void netconnection::handle_relay(const flash::command_view& c) noexcept {
    std::array<std::uint8_t, reply_buffer> buf;  // written before read: no zeroing per relay
    wire::writer w(buf);
    auto r = flash::read_relay(c);
    if (!r.ok()) {
        counters_->drop(r.error());
        // tcserver ignores a malformed relay; we tell the sender why, in
        // the form tcserver uses for failed calls.
        std::string_view why = "malformed relay";
        if (r.error() == drop_reason::relay_bad_target) why = "relay target is not a 64-hex-digit peer ID";
        else if (r.error() == drop_reason::relay_too_large) why = "relay message too large";
        flash::write_call_failed(w, c.transaction_id, why);
        if (w.ok()) reply(w.written());
        return;
    }
    const relay_outcome o = events_->on_relay(r->target, r->args);
    if (o == relay_outcome::queued) {
        // Non-transactional by convention; acknowledged only when asked (tcserver).
        if (r->transaction_id > 0) flash::write_call_acknowledged(w, r->transaction_id);
    } else {
        flash::write_call_failed(w, r->transaction_id, description_of(o));
    }
    if (w.ok() && w.size() > 0) reply(w.written());
}

bool netconnection::deliver_relay(std::span<const std::uint8_t, 32> sender, wire::bytes args) noexcept {
    if (state_ != state::connected || args.size() > flash::max_relay_args) return false;
    std::array<std::uint8_t, flash::max_relay_args + 128> buf;  // written before read: no zeroing per message
    wire::writer w(buf);
    flash::write_on_relay(w, sender, args);
    return w.ok() && reply(w.written());
}

void netconnection::disconnect() noexcept {
    if (state_ == state::connected) events_->on_disconnected(app_index_);
    state_ = state::closed;
    introducible_ = false;
}

void netconnection::on_flow_closed(std::uint64_t flow, bool sending) noexcept {
    // RFC 7425 §5.3.6: the client's control flow ending (FIN or exception),
    // or our return flow rejected, ends the NetConnection.
    const bool control = (!sending && control_flow_ && flow == *control_flow_) ||
                         (sending && return_flow_ && flow == *return_flow_);
    if (control) {
        disconnect();
        if (return_flow_) io_->close_flow(*return_flow_);
        return;
    }
    if (!sending) events_->on_group_leave(flow);
}

void netconnection::on_session_closed() noexcept { disconnect(); }

} // namespace strato::engine
