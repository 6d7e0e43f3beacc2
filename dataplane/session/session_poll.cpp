// Transmit side of the session engine: timers (RTO, keepalive, idle, close,
// lingers) and packet assembly. One packet carries, in order: Close Ack /
// Close, Ping Reply, Flow Exceptions and due acks, Buffer Probes, a keepalive
// Ping, retransmissions and new data, then any other pending ack.
#include <algorithm>

#include "dataplane/session/session.hpp"
#include "dataplane/wire/chunks.hpp"

namespace strato::session {

namespace {
constexpr std::size_t mss = wire::max_plain_packet;
}

wire::packet_builder session::begin(time_us now) noexcept {
    // P4: TS on every packet; TSE when the echo changed (RFC 7016 §3.5.2.2).
    // Neither TC nor TCR: the engine does not prioritise real-time data.
    const std::uint8_t mode = initiator_ ? 1 : 2;
    static thread_local std::uint8_t buffer[datagram_buffer];
    const std::optional<std::uint64_t> sseq = keys_.sseq_send ? std::optional<std::uint64_t>{sseq_next_++}
                                                              : std::nullopt;
    return wire::packet_builder({buffer, sizeof buffer}, mode, timing::timestamp(now), timing_.echo_for_send(now),
                                keys_.hmac_send_length == 0, sseq);
}

void session::emit(wire::packet_builder& b, const wire::socket_address& to, packet_sink& out) noexcept {
    if (!b.finish()) {
        stats_->drop(wire::drop_reason::length_overrun);  // cannot happen: every write checks room()
        return;
    }
    ++stats_->packets_out;
    out.send(*this, to, b);
}

void session::send_single(time_us now, packet_sink& out, const wire::socket_address& to, std::uint8_t chunk,
                          wire::bytes message) noexcept {
    wire::packet_builder b = begin(now);
    if (chunk == static_cast<std::uint8_t>(wire::chunk_type::ping)) wire::write_ping(b.body(), {message});
    else wire::write_ping_reply(b.body(), {message});
    emit(b, to, out);
}

bool session::send_forwarded_ihello(time_us now, packet_sink& out, wire::bytes epd,
                                   const wire::socket_address& reply_address, wire::bytes tag) noexcept {
    if (state_ != session_state::open) return false;
    wire::packet_builder b = begin(now);
    wire::write_forwarded_ihello(b.body(), wire::forwarded_ihello{epd, reply_address, tag});
    if (!b.body().ok()) return false;
    emit(b, far_address_, out);
    return true;
}

void session::timers(time_us now) noexcept {
    for (std::size_t i = 0; i < config_.max_recv_flows; ++i) recv_[i].expire(now);
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) send_[i].expire(now);
    switch (state_) {
    case session_state::nearclose:
        if (now >= close_deadline_) state_ = session_state::closed;  // give up after 90 s
        return;
    case session_state::farclose_linger:
        if (now >= close_deadline_) state_ = session_state::closed;  // 19 s
        return;
    case session_state::open: break;
    default: return;
    }
    // Idle timeout: nothing at all received for that long.
    if (config_.idle_timeout && now - last_rx_ >= config_.idle_timeout) {
        ++stats_->idle_timeouts;
        state_ = session_state::closed;
        end(close_reason::idle_timeout);
        return;
    }
    // RFC 7016 §3.5.2.2 retransmission timer: everything in flight is lost.
    if (rto_deadline_ && now >= rto_deadline_) {
        ++stats_->timeouts;
        for (std::size_t i = 0; i < config_.max_send_flows; ++i) send_[i].on_timeout();
        timing_.backoff();
        cwnd_ = config_.cwnd_initial_packets * mss;
        rto_deadline_ = 0;
    }
}

bool session::has_work(time_us now) const noexcept {
    if (close_ack_pending_) return true;
    if (state_ == session_state::nearclose) return now >= close_send_at_;
    if (state_ != session_state::open) return false;
    if (ping_reply_pending_ && ping_from_.same_endpoint(far_address_)) return true;
    if (refused_count_) return true;
    if (config_.keepalive_idle && now - last_rx_ >= config_.keepalive_idle && now >= keepalive_at_) return true;
    for (std::size_t i = 0; i < config_.max_recv_flows; ++i) {
        if (recv_[i].state() != recv_state::free && recv_[i].ack_due(now)) return true;
    }
    const std::size_t flight = bytes_in_flight();
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) {
        if (send_[i].probe_due(now)) return true;
        if (flight < cwnd_ && send_[i].wants_to_send(now)) return true;
    }
    return false;
}

bool session::build_packet(time_us now, packet_sink& out) noexcept {
    if (!has_work(now)) return false;
    wire::packet_builder b = begin(now);
    wire::writer& w = b.body();
    bool data = false;
    if (close_ack_pending_) {
        wire::write_session_close_ack(w);
        close_ack_pending_ = false;
    }
    if (state_ == session_state::nearclose && now >= close_send_at_) {
        wire::write_session_close_request(w);
        close_send_at_ = now + nearclose_interval;  // RFC 7016 §3.5.5: every 5 s
    }
    if (state_ == session_state::open) {
        if (ping_reply_pending_ && ping_from_.same_endpoint(far_address_) && b.room() >= 3u + ping_len_) {
            wire::write_ping_reply(w, {{ping_echo_, ping_len_}});
            ping_reply_pending_ = false;
        }
        while (refused_count_ && b.room() >= 3 + 10 + 1) {
            wire::write_flow_exception_report(w, {refused_[--refused_count_], 0});
            ++stats_->flows_rejected;
        }
        for (std::size_t i = 0; i < config_.max_recv_flows; ++i) {
            recv_flow& f = recv_[i];
            if (f.state() != recv_state::free && f.ack_due(now)) (void)f.write_ack(w, b.room());
        }
        for (std::size_t i = 0; i < config_.max_send_flows; ++i) {
            if (send_[i].probe_due(now)) (void)send_[i].write_probe(b, now, timing_.erto(), *stats_);
        }
        if (config_.keepalive_idle && now - last_rx_ >= config_.keepalive_idle && now >= keepalive_at_ &&
            b.room() >= 3) {
            // RFC 7016 §3.5.4.1: an empty Ping, no more than once per ERTO;
            // unanswered ones back ERTO off like data.
            wire::write_ping(w, {});
            if (keepalive_at_) timing_.backoff();
            keepalive_at_ = now + timing_.erto();
        }
        const std::uint64_t tsn = ++tsn_;
        // Round-robin start so one busy flow does not starve the others.
        const std::size_t n = config_.max_send_flows;
        for (std::size_t k = 0; k < n; ++k) {
            send_flow& f = send_[(tsn + k) % n];
            const std::size_t flight = bytes_in_flight();
            if (flight >= cwnd_) break;
            if (!f.wants_to_send(now)) continue;
            if (f.write_fragments(b, tsn, now, cwnd_ - flight, *stats_)) data = true;
        }
        // Piggyback any other pending ack (RFC 7016 §3.6.3.4).
        for (std::size_t i = 0; i < config_.max_recv_flows; ++i) {
            recv_flow& f = recv_[i];
            if (f.state() != recv_state::free && f.ack_pending()) (void)f.write_ack(w, b.room());
        }
    }
    if (data && rto_deadline_ == 0) rto_deadline_ = now + timing_.erto();
    emit(b, far_address_, out);
    return true;
}

void session::poll(time_us now, packet_sink& out) noexcept {
    if (state_ == session_state::unused) return;
    if (state_ == session_state::closed) {
        if (close_ack_pending_) {
            // Abrupt close: one Close Ack (RFC 7016 §3.5.5).
            wire::packet_builder b = begin(now);
            wire::write_session_close_ack(b.body());
            close_ack_pending_ = false;
            emit(b, far_address_, out);
        }
        return;
    }
    timers(now);
    if (state_ == session_state::open && ping_reply_pending_ && !ping_from_.same_endpoint(far_address_)) {
        // The Ping came from another address (e.g. the peer's mobility check): answer there.
        ping_reply_pending_ = false;
        send_single(now, out, ping_from_, static_cast<std::uint8_t>(wire::chunk_type::ping_reply),
                    {ping_echo_, ping_len_});
    }
    if (state_ == session_state::open && mobility_pending_ && mobility_secret_) {
        mobility_pending_ = false;
        std::uint8_t msg[mobility_message_size];
        make_mobility_check(*mobility_secret_, near_id_, mobility_to_, now, msg);
        ++stats_->mobility_checks;
        send_single(now, out, mobility_to_, static_cast<std::uint8_t>(wire::chunk_type::ping), {msg, sizeof msg});
    }
    for (std::size_t i = 0; i < config_.max_packets_per_poll; ++i) {
        if (!build_packet(now, out)) break;
    }
}

time_us session::next_wakeup(time_us now) const noexcept {
    if (state_ == session_state::unused || state_ == session_state::closed) return close_ack_pending_ ? now : UINT64_MAX;
    if (has_work(now)) return now;
    time_us t = UINT64_MAX;
    auto at = [&](time_us x) { if (x && x < t) t = x; };
    if (state_ != session_state::open) {
        at(close_deadline_);
        if (state_ == session_state::nearclose) at(close_send_at_);
        return t;
    }
    at(rto_deadline_);
    if (config_.idle_timeout) at(last_rx_ + config_.idle_timeout);
    if (config_.keepalive_idle) at(std::max(last_rx_ + config_.keepalive_idle, keepalive_at_));
    for (std::size_t i = 0; i < config_.max_recv_flows; ++i) {
        at(recv_[i].ack_deadline());
        if (recv_[i].state() == recv_state::complete) at(recv_[i].linger_until());
    }
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) {
        if (send_[i].state() == send_state::complete) at(send_[i].linger_until());
    }
    return t;
}

} // namespace strato::session
