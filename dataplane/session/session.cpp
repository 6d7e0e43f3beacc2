// Receive path and flow API of the session engine (RFC 7016 §3.5-3.6).
#include "dataplane/session/session.hpp"

#include <algorithm>
#include <new>

#include "crypto/datagram.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/option.hpp"

namespace strato::session {

using wire::drop_reason;

namespace {
constexpr std::size_t align_up(std::size_t n) noexcept { return (n + 63) & ~std::size_t{63}; }
constexpr std::size_t mss = wire::max_plain_packet;

struct arena_layout {
    std::size_t recv_objects, send_objects, per_recv, per_send, total;
};
arena_layout layout_of(const session_config& c) noexcept {
    arena_layout l{};
    l.recv_objects = align_up(sizeof(recv_flow) * c.max_recv_flows);
    l.send_objects = align_up(sizeof(send_flow) * c.max_send_flows);
    l.per_recv = align_up(sizeof(recv_flow::entry) * recv_seq_window) + align_up(c.recv_stash_bytes) +
                 align_up(c.recv_message_max);
    l.per_send = align_up(send_flow::fragment_size() * c.send_flow_fragments) + align_up(c.send_flow_bytes);
    l.total = l.recv_objects + l.send_objects + l.per_recv * c.max_recv_flows + l.per_send * c.max_send_flows;
    return l;
}
} // namespace

std::size_t session::arena_bytes(const session_config& c) noexcept { return layout_of(c).total; }

bool session::prepare(const session_config& c, session_stats* stats) {
    // Bounds that keep the engine's arithmetic sound.
    if (stats == nullptr || c.max_recv_flows == 0 || c.max_send_flows == 0 || c.send_flow_fragments < 2 ||
        c.send_flow_fragments > recv_seq_window || c.send_flow_bytes < 2 * mss || c.recv_stash_bytes < mss ||
        c.recv_message_max == 0 || c.cwnd_initial_packets == 0 || c.cwnd_max_packets < c.cwnd_initial_packets ||
        c.max_packets_per_poll == 0)
        return false;
    config_ = c;
    stats_ = stats;
    const arena_layout l = layout_of(c);
    // Plain new[] (so unique_ptr's delete[] matches) with 64 bytes of slack
    // to start the arena on a cache line.
    arena_.reset(new std::uint8_t[l.total + 64]);
    auto* p = reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(arena_.get()) + 63) & ~std::uintptr_t{63});
    recv_ = new (p) recv_flow[c.max_recv_flows];
    p += l.recv_objects;
    send_ = new (p) send_flow[c.max_send_flows];
    p += l.send_objects;
    for (std::size_t i = 0; i < c.max_recv_flows; ++i) {
        std::uint8_t* entries = p;
        std::uint8_t* stash = entries + align_up(sizeof(recv_flow::entry) * recv_seq_window);
        std::uint8_t* assembly = stash + align_up(c.recv_stash_bytes);
        recv_[i].bind(stash, c.recv_stash_bytes, assembly, c.recv_message_max, entries);
        p += l.per_recv;
    }
    for (std::size_t i = 0; i < c.max_send_flows; ++i) {
        std::uint8_t* frags = p;
        std::uint8_t* storage = frags + align_up(send_flow::fragment_size() * c.send_flow_fragments);
        send_[i].bind(storage, c.send_flow_bytes, frags, c.send_flow_fragments);
        p += l.per_send;
    }
    state_ = session_state::unused;
    return true;
}

void session::start(const session_params& p, const session_keys& k, session_app* app, time_us now) noexcept {
    for (std::size_t i = 0; i < config_.max_recv_flows; ++i) recv_[i].release();
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) send_[i].release();
    keys_ = k;
    app_ = app;
    mobility_secret_ = p.mobility_secret;
    state_ = session_state::open;
    initiator_ = p.initiator;
    near_id_ = p.near_id;
    far_id_ = p.far_id;
    far_address_ = p.far_address;
    sseq_next_ = 0;
    replay_ = replay_window{};
    timing_ = timing{};
    packet_serial_ = tsn_ = 0;
    next_send_flow_id_ = 1;
    cwnd_ = config_.cwnd_initial_packets * mss;
    rto_deadline_ = last_loss_ = 0;
    last_rx_ = now;
    keepalive_at_ = 0;
    close_deadline_ = close_send_at_ = 0;
    close_ack_pending_ = ping_reply_pending_ = mobility_pending_ = false;
    ping_len_ = 0;
    mobility_next_ = mobility_accepted_ts_ = 0;
    refused_count_ = 0;
    user = nullptr;
}

recv_flow* session::recv(std::uint64_t flow_id) noexcept {
    for (std::size_t i = 0; i < config_.max_recv_flows; ++i) {
        if (recv_[i].state() != recv_state::free && recv_[i].flow_id() == flow_id) return &recv_[i];
    }
    return nullptr;
}
send_flow* session::sendf(std::uint64_t flow_id) noexcept {
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) {
        if (send_[i].state() != send_state::free && send_[i].flow_id() == flow_id) return &send_[i];
    }
    return nullptr;
}
const recv_flow* session::find_recv(std::uint64_t flow_id) const noexcept {
    return const_cast<session*>(this)->recv(flow_id);
}
const send_flow* session::find_send(std::uint64_t flow_id) const noexcept {
    return const_cast<session*>(this)->sendf(flow_id);
}

std::size_t session::bytes_in_flight() const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) n += send_[i].in_flight();
    return n;
}

// ---- receive -----------------------------------------------------------------

drop_reason session::on_plaintext(const wire::plaintext_view& p, const wire::socket_address& from,
                                  time_us now) noexcept {
    if (state_ == session_state::unused || state_ == session_state::closed) return drop_reason::unknown_session;
    if (keys_.sseq_recv) {
        // RFC 7425 §4.7.3.3: a sequence number seen before, or older than the window, is a replay.
        if (!p.session_sequence_number) {
            stats_->drop(drop_reason::truncated);
            return drop_reason::truncated;
        }
        if (!replay_.accept(*p.session_sequence_number)) {
            ++stats_->replays;
            stats_->drop(drop_reason::value_out_of_range);
            return drop_reason::value_out_of_range;
        }
    }
    auto pkt = wire::parse_packet(p.packet);
    if (!pkt) {
        stats_->drop(pkt.error());
        return pkt.error();
    }
    return on_packet(*pkt, from, now);
}

drop_reason session::on_packet(const wire::packet_view& p, const wire::socket_address& from, time_us now) noexcept {
    if (state_ == session_state::unused || state_ == session_state::closed) return drop_reason::unknown_session;
    // RFC 7016 §2.2.4: the peer marks its packets with the other mode.
    const auto expected = initiator_ ? wire::packet_mode::responder : wire::packet_mode::initiator;
    if (p.header.mode() != expected) {
        stats_->drop(drop_reason::bad_mode);
        return drop_reason::bad_mode;
    }
    ++stats_->packets_in;
    ++packet_serial_;
    timing_.on_receive(p.header.timestamp, p.header.timestamp_echo, now);
    last_rx_ = now;
    keepalive_at_ = 0;

    wire::chunk_reader chunks(p.chunks);
    wire::chunk_view c;
    // Next User Data continues the previous User Data in this packet (§2.3.12).
    bool have_base = false;
    std::uint64_t base_flow = 0, base_seq = 0, base_fsn = 0;
    while (chunks.next(c)) {
        const auto type = static_cast<wire::chunk_type>(c.type);
        if (wire::is_startup_chunk(c.type)) {
            stats_->drop(drop_reason::bad_mode);  // startup chunk in a session packet: ignored
            continue;
        }
        if (type == wire::chunk_type::session_close_request) {
            on_close_request(now);
            continue;
        }
        if (type == wire::chunk_type::session_close_ack) {
            on_close_ack();
            continue;
        }
        if (state_ != session_state::open) continue;  // only close chunks matter after S_OPEN
        switch (type) {
        case wire::chunk_type::ping: {
            if (c.value.size() > max_ping_echo) {
                stats_->drop(drop_reason::value_out_of_range);
                break;
            }
            std::copy(c.value.begin(), c.value.end(), ping_echo_);
            ping_len_ = static_cast<std::uint8_t>(c.value.size());
            ping_from_ = from;
            ping_reply_pending_ = true;
            break;
        }
        case wire::chunk_type::ping_reply: {
            time_us ts = 0;
            if (mobility_secret_ &&
                verify_mobility_reply(*mobility_secret_, near_id_, from, c.value, now, mobility_accepted_ts_, ts)) {
                mobility_accepted_ts_ = ts;
                mobility_pending_ = false;
                if (!from.same_endpoint(far_address_)) {
                    far_address_ = from;
                    ++stats_->address_changes;
                    app_->on_address_changed(*this, from);
                }
            }
            break;  // any other reply just proves liveness (last_rx_)
        }
        case wire::chunk_type::user_data: {
            auto ud = wire::parse_user_data(c.value);
            if (!ud) {
                stats_->drop(ud.error());
                have_base = false;
                break;
            }
            have_base = true;
            base_flow = ud->flow_id;
            base_seq = ud->sequence_number;
            base_fsn = ud->forward_sequence_number();
            on_user_data(*ud, packet_serial_, now);
            break;
        }
        case wire::chunk_type::next_user_data: {
            auto nud = wire::parse_next_user_data(c.value);
            if (!nud) {
                stats_->drop(nud.error());
                have_base = false;
                break;
            }
            if (!have_base || base_seq == UINT64_MAX) {
                stats_->drop(drop_reason::missing_next_user_data_base);
                break;
            }
            ++base_seq;
            recv_flow* f = recv(base_flow);
            if (f) on_data_chunk(base_flow, {nud->flags, base_seq, base_fsn, nud->data}, f, packet_serial_, now);
            break;
        }
        case wire::chunk_type::data_ack_bitmap: {
            auto a = wire::parse_data_ack_bitmap(c.value);
            if (!a) {
                stats_->drop(a.error());
                break;
            }
            acked_ranges r(*a);
            on_ack(r, now);
            break;
        }
        case wire::chunk_type::data_ack_ranges: {
            auto a = wire::parse_data_ack_ranges(c.value);
            if (!a) {
                stats_->drop(a.error());
                break;
            }
            acked_ranges r(*a);
            on_ack(r, now);
            break;
        }
        case wire::chunk_type::buffer_probe: {
            auto b = wire::parse_buffer_probe(c.value);
            if (!b) {
                stats_->drop(b.error());
                break;
            }
            if (recv_flow* f = recv(b->flow_id)) f->on_probe();  // unknown flows: ignore (§3.6.3.6)
            break;
        }
        case wire::chunk_type::flow_exception_report: {
            auto e = wire::parse_flow_exception_report(c.value);
            if (!e) {
                stats_->drop(e.error());
                break;
            }
            send_flow* f = sendf(e->flow_id);
            if (f && (f->state() == send_state::open || f->state() == send_state::closing)) {
                f->on_exception();
                app_->on_flow_closed(*this, e->flow_id, true, flow_end::rejected);
            }
            break;
        }
        case wire::chunk_type::padding0:
        case wire::chunk_type::padding1:
        case wire::chunk_type::ecn_report:
            break;
        default:
            stats_->drop(drop_reason::unknown_chunk);  // FIHello, Forwarded IHello, unknown: ignored
            break;
        }
    }
    if (chunks.error() != drop_reason::none) stats_->drop(chunks.error());
    // RFC 7016 §3.5.4.2: an authenticated packet from a new address does not
    // move DESTADDR; it triggers a check, at most one per second.
    if (state_ == session_state::open && mobility_secret_ && !from.same_endpoint(far_address_) &&
        now >= mobility_next_) {
        mobility_pending_ = true;
        mobility_to_ = from;
        mobility_next_ = now + mobility_interval;
    }
    return drop_reason::none;
}

void session::on_user_data(const wire::user_data& ud, std::uint64_t serial, time_us now) noexcept {
    const data_chunk chunk{ud.flags, ud.sequence_number, ud.forward_sequence_number(), ud.data};
    // RFC 7016 §2.3.11: fsnOffset 0 only on an abandoned chunk (an FSN update).
    if (ud.fsn_offset == 0 && !ud.abandoned()) {
        stats_->drop(drop_reason::value_out_of_range);
        return;
    }
    if (recv_flow* f = recv(ud.flow_id)) {
        on_data_chunk(ud.flow_id, chunk, f, serial, now);
        return;
    }
    // RFC 7016 §3.6.3.1 new receiving flow.
    auto opts = wire::parse_user_data_options(ud.options);
    if (!opts) {
        stats_->drop(opts.error());
        return;
    }
    bool accept = opts->has_metadata && !opts->has_unknown_critical;
    if (!opts->has_metadata) stats_->drop(drop_reason::bad_metadata);
    if (opts->has_unknown_critical) stats_->drop(drop_reason::bad_option);
    if (accept && opts->has_return_association) {
        const send_flow* assoc = sendf(opts->return_flow_id);
        accept = assoc && assoc->state() == send_state::open;
        if (!accept) stats_->drop(drop_reason::value_out_of_range);
    }
    recv_flow* slot = nullptr;
    for (std::size_t i = 0; i < config_.max_recv_flows && !slot; ++i) {
        if (recv_[i].state() == recv_state::free) slot = &recv_[i];
    }
    if (!slot) {
        // No room: refuse without state (RFC 7016 §5 bounds abusive peers).
        ++stats_->flows_refused_full;
        stats_->drop(drop_reason::table_full);
        if (refused_count_ < refused_max) refused_[refused_count_++] = ud.flow_id;
        return;
    }
    if (accept) {
        const auto ret = opts->has_return_association ? std::optional<std::uint64_t>{opts->return_flow_id}
                                                      : std::nullopt;
        accept = app_->on_new_flow(*this, ud.flow_id, opts->metadata, ret);
        if (state_ != session_state::open) return;  // the app closed the session
    }
    if (!accept) ++stats_->flows_rejected;
    slot->open(ud.flow_id, !accept, now);
    on_data_chunk(ud.flow_id, chunk, slot, serial, now);
}

void session::on_data_chunk(std::uint64_t, const data_chunk& c, recv_flow* f, std::uint64_t serial,
                            time_us now) noexcept {
    recv_context ctx{*this, *app_, *stats_, now, serial};
    f->on_data(c, ctx);
}

void session::on_ack(acked_ranges& a, time_us now) noexcept {
    send_flow* f = sendf(a.info().flow_id);
    if (!f) return;
    const ack_result r = f->on_ack(a, now, timing_.erto(), *stats_);
    const std::size_t cap = config_.cwnd_max_packets * mss;
    if (r.loss) {
        // Halve once per round trip at most (RFC 7016 §3.5.2, TCP-compatible).
        const time_us rtt = timing_.has_rtt() ? timing_.srtt() : timing_.erto();
        if (last_loss_ == 0 || now - last_loss_ >= rtt) {
            cwnd_ = std::max(mss, cwnd_ / 2);
            last_loss_ = now;
        }
    } else if (r.acked_bytes) {
        // Congestion avoidance: about one MSS per window of acknowledged data.
        cwnd_ = std::min(cap, cwnd_ + std::max<std::size_t>(1, r.acked_bytes * mss / cwnd_));
    }
    if (r.progress) rto_deadline_ = bytes_in_flight() ? now + timing_.erto() : 0;
    if (r.completed) app_->on_flow_closed(*this, f->flow_id(), true, flow_end::finished);
}

// ---- flows API -----------------------------------------------------------------

std::uint64_t session::open_flow(wire::bytes metadata, std::optional<std::uint64_t> return_flow) noexcept {
    if (state_ != session_state::open) return 0;
    std::uint8_t opts[max_flow_options];
    wire::writer w({opts, sizeof opts});
    wire::write_option(w, wire::option_user_metadata, metadata);
    if (return_flow) {
        std::uint8_t v[48];  // roomy: GCC -O3 warns on a 10-byte VLU buffer
        wire::writer vw({v, sizeof v});
        vw.vlu(*return_flow);
        wire::write_option(w, wire::option_return_flow_association, vw.written());
    }
    if (!w.ok()) return 0;  // metadata too long for max_flow_options
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) {
        if (send_[i].state() != send_state::free) continue;
        // Flow IDs are never reused within a session, so a lingering ID in
        // the peer cannot be confused with a new flow (§3.6.2.11).
        const std::uint64_t id = next_send_flow_id_++;
        send_[i].open(id, w.written());
        return id;
    }
    stats_->drop(drop_reason::table_full);
    return 0;
}

send_status session::send(std::uint64_t flow_id, wire::bytes message) noexcept {
    if (state_ != session_state::open) return send_status::no_flow;
    send_flow* f = sendf(flow_id);
    if (!f) return send_status::no_flow;
    const send_status s = f->send(message);
    if (s == send_status::ok) ++stats_->messages_out;
    return s;
}

bool session::can_send(std::uint64_t flow_id, std::size_t size) const noexcept {
    const send_flow* f = find_send(flow_id);
    return state_ == session_state::open && f && f->can_send(size);
}

bool session::close_flow(std::uint64_t flow_id) noexcept {
    send_flow* f = sendf(flow_id);
    if (!f || f->state() != send_state::open) return false;
    f->close();
    return true;
}

bool session::pause_receiving(std::uint64_t flow_id, bool paused) noexcept {
    recv_flow* f = recv(flow_id);
    if (!f) return false;
    f->set_paused(paused);
    return true;
}

// ---- close (RFC 7016 §3.5.5) ------------------------------------------------------

void session::abort_flows() noexcept {
    for (std::size_t i = 0; i < config_.max_recv_flows; ++i) {
        recv_flow& f = recv_[i];
        const bool tell = f.state() == recv_state::open;
        const std::uint64_t id = f.flow_id();
        f.release();
        if (tell) app_->on_flow_closed(*this, id, false, flow_end::aborted);
    }
    for (std::size_t i = 0; i < config_.max_send_flows; ++i) {
        send_flow& f = send_[i];
        const bool tell = f.state() == send_state::open || f.state() == send_state::closing;
        const std::uint64_t id = f.flow_id();
        f.release();
        if (tell) app_->on_flow_closed(*this, id, true, flow_end::aborted);
    }
    rto_deadline_ = 0;
    refused_count_ = 0;
    ping_reply_pending_ = mobility_pending_ = false;
}

void session::end(close_reason why) noexcept {
    abort_flows();
    app_->on_session_closed(*this, why);
}

void session::close(time_us now) noexcept {
    if (state_ != session_state::open) return;
    state_ = session_state::nearclose;
    close_deadline_ = now + nearclose_giveup;
    close_send_at_ = now;
    end(close_reason::local);
}

void session::abort() noexcept {
    if (state_ == session_state::unused || state_ == session_state::closed) return;
    const bool was_open = state_ == session_state::open;
    close_ack_pending_ = true;  // sent by the next poll, even in S_CLOSED
    state_ = session_state::closed;
    if (was_open) end(close_reason::abuse);
}

void session::on_close_request(time_us now) noexcept {
    close_ack_pending_ = true;  // P17: a Close is answered with a Close Ack in every state
    if (state_ != session_state::open) return;
    state_ = session_state::farclose_linger;
    close_deadline_ = now + farclose_linger_time;
    end(close_reason::remote);
}

void session::on_close_ack() noexcept {
    const bool was_open = state_ == session_state::open;
    state_ = session_state::closed;
    if (was_open) end(close_reason::close_ack);
}

// ---- sealing ------------------------------------------------------------------

wire::result<std::size_t> session::seal_packet(wire::packet_builder& b) const noexcept {
    crypto::seal_params p{&keys_.encrypt, keys_.hmac_send_length ? &keys_.hmac_send : nullptr,
                          keys_.hmac_send_length};
    return crypto::seal(b, far_id_, p);
}

wire::result<wire::plaintext_view> session::open_datagram(wire::bytes datagram, wire::mutable_bytes out) const noexcept {
    crypto::open_params p{&keys_.decrypt, keys_.hmac_recv_length ? &keys_.hmac_recv : nullptr,
                          keys_.hmac_recv_length, keys_.sseq_recv};
    return crypto::open(datagram, out, p);
}

} // namespace strato::session
