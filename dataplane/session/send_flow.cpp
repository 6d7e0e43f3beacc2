#include "dataplane/session/send_flow.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/wire/chunks.hpp"

namespace strato::session {

namespace {
enum : std::uint8_t { st_unsent = 0, st_in_flight = 1, st_lost = 2, st_acked = 3 };
// Assumed peer window before its first ack (RFC 7016 §3.6.2.7 leaves it to
// us); the congestion window is the tighter bound anyway.
constexpr std::uint64_t initial_peer_window = 8 * block_size;
// Header (flags, TS, TSE) + chunk header + flags + three 9-byte VLUs + marker.
constexpr std::size_t user_data_overhead = 5 + 3 + 1 + 3 * 9 + 1;
} // namespace

struct send_flow::fragment {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t waste = 0;  // ring bytes skipped before it (wrap)
    std::uint8_t flags = 0;   // FRA, ABN, FIN
    std::uint8_t status = st_unsent;
    std::uint8_t naks = 0;
    std::uint64_t tsn = 0;    // transmission sequence number of its last send
    time_us sent_at = 0;
};

std::size_t send_flow::fragment_size() noexcept { return sizeof(fragment); }

send_flow::fragment& send_flow::at(std::size_t k) noexcept { return frags_[(head_ + k) % frag_cap_]; }
const send_flow::fragment& send_flow::at(std::size_t k) const noexcept { return frags_[(head_ + k) % frag_cap_]; }

void send_flow::bind(std::uint8_t* storage, std::uint32_t capacity, void* fragments,
                     std::uint16_t fragment_capacity) noexcept {
    storage_ = storage;
    capacity_ = capacity;
    frags_ = static_cast<fragment*>(fragments);
    frag_cap_ = fragment_capacity;
    release();
}

void send_flow::release() noexcept {
    state_ = send_state::free;
    acked_once_ = fin_queued_ = false;
    flow_id_ = 0;
    head_seq_ = 1;  // RFC 7016 §2.3.11: sequence numbers start at 1
    peer_window_ = initial_peer_window;
    in_flight_ = 0;
    probe_at_ = probe_interval_ = linger_until_ = 0;
    options_len_ = fragment_max_ = 0;
    tail_ = used_ = 0;
    head_ = count_ = 0;
}

void send_flow::open(std::uint64_t flow_id, wire::bytes options) noexcept {
    release();
    state_ = send_state::open;
    flow_id_ = flow_id;
    const std::size_t n = std::min(options.size(), max_flow_options);
    if (n) std::memcpy(options_, options.data(), n);
    options_len_ = static_cast<std::uint16_t>(n);
    // Every fragment must fit a packet together with the options, which ride
    // on the flow's first chunk of every packet until acknowledged (§3.6.2.3).
    fragment_max_ = static_cast<std::uint16_t>(wire::max_plain_packet - user_data_overhead - n);
}

bool send_flow::push(std::uint8_t flags, wire::bytes data) noexcept {
    if (count_ >= frag_cap_) return false;
    const auto len = static_cast<std::uint32_t>(data.size());
    std::uint32_t waste = 0;
    if (used_ == 0) tail_ = 0;
    if (tail_ + len > capacity_) waste = capacity_ - tail_;
    if (used_ + waste + len > capacity_) return false;
    if (waste) tail_ = 0;
    if (len) std::memcpy(storage_ + tail_, data.data(), len);
    at(count_) = fragment{tail_, len, waste, flags, st_unsent, 0, 0, 0};
    ++count_;
    tail_ += len;
    used_ += waste + len;
    return true;
}

bool send_flow::can_send(std::size_t size) const noexcept {
    if (state_ != send_state::open || fragment_max_ == 0) return false;
    const std::size_t n = size == 0 ? 1 : (size + fragment_max_ - 1) / fragment_max_;
    // One fragment is always kept for the FIN (close() must not fail).
    if (count_ + n + 1 > frag_cap_) return false;
    std::size_t t = used_ == 0 ? 0 : tail_, u = used_, left = size;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t l = std::min<std::size_t>(left, fragment_max_);
        std::size_t waste = 0;
        if (t + l > capacity_) waste = capacity_ - t, t = 0;
        u += waste + l;
        if (u > capacity_) return false;
        t += l;
        left -= l;
    }
    return true;
}

send_status send_flow::send(wire::bytes message) noexcept {
    if (state_ != send_state::open || fragment_max_ == 0) return send_status::no_flow;
    const std::size_t n = message.empty() ? 1 : (message.size() + fragment_max_ - 1) / fragment_max_;
    if (n + 1 > frag_cap_ || message.size() + fragment_max_ > capacity_) return send_status::too_large;
    if (!can_send(message.size())) return send_status::would_block;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t off = i * fragment_max_;
        const std::size_t l = std::min<std::size_t>(message.size() - off, fragment_max_);
        auto f = wire::fragment_control::whole;
        if (n > 1) f = i == 0 ? wire::fragment_control::first
                     : i + 1 == n ? wire::fragment_control::last : wire::fragment_control::middle;
        (void)push(static_cast<std::uint8_t>(f), message.subspan(off, l));
    }
    return send_status::ok;
}

void send_flow::close() noexcept {
    if (state_ != send_state::open) return;
    state_ = send_state::closing;
    fin_queued_ = true;
    if (count_ > 0 && at(count_ - 1).status == st_unsent) {
        at(count_ - 1).flags |= wire::ud_final;
    } else {
        (void)push(wire::ud_abandon | wire::ud_final, {});  // slot reserved by can_send
    }
}

void send_flow::on_exception() noexcept {
    if (state_ != send_state::open && state_ != send_state::closing) return;
    // RFC 7016 §3.6.2.10: abandon all queued data; the FSN moves past it.
    const std::uint64_t next = head_seq_ + count_;
    head_ = count_ = 0;
    tail_ = used_ = 0;
    in_flight_ = 0;
    head_seq_ = next;
    state_ = send_state::closing;
    fin_queued_ = true;
    (void)push(wire::ud_abandon | wire::ud_final, {});
}

void send_flow::mark_acked(fragment& f, ack_result& r, std::uint64_t& highest_tsn) noexcept {
    if (f.status == st_in_flight) in_flight_ -= f.length;
    if (f.status == st_in_flight || f.status == st_lost) {
        r.acked_bytes += f.length;
        r.progress = true;
        highest_tsn = std::max(highest_tsn, f.tsn);
        f.status = st_acked;
    }
    // An "ack" for a fragment never sent is hostile or a bug: ignored.
}

void send_flow::release_front() noexcept {
    while (count_ > 0 && at(0).status == st_acked) {
        const fragment& f = at(0);
        used_ -= f.waste + f.length;
        head_ = static_cast<std::uint16_t>((head_ + 1) % frag_cap_);
        --count_;
        ++head_seq_;
    }
}

ack_result send_flow::on_ack(acked_ranges& ack, time_us now, time_us erto, session_stats& stats) noexcept {
    ack_result r;
    if (state_ != send_state::open && state_ != send_state::closing) return r;
    acked_once_ = true;
    std::uint64_t highest_tsn = 0;
    const std::uint64_t last_seq = head_seq_ + count_;  // one past the newest
    const std::uint64_t cum = std::min(ack.info().cumulative_ack, last_seq - 1);
    for (std::uint64_t s = head_seq_; s <= cum; ++s) mark_acked(at(s - head_seq_), r, highest_tsn);
    wire::ack_range range{};
    while (ack.next(range)) {
        if (range.first >= last_seq) break;
        const std::uint64_t first = std::max(range.first, head_seq_);
        const std::uint64_t last = std::min(range.last, last_seq - 1);
        for (std::uint64_t s = first; s <= last && s >= head_seq_; ++s) mark_acked(at(s - head_seq_), r, highest_tsn);
    }
    // TSN method: each fragment in flight sent before the newest one this
    // ack covers was passed over once more.
    if (r.progress) {
        for (std::size_t k = 0; k < count_; ++k) {
            fragment& f = at(k);
            if (f.status != st_in_flight || f.tsn >= highest_tsn) continue;
            if (++f.naks >= 3) {
                f.status = st_lost;
                in_flight_ -= f.length;
                r.loss = true;
                ++stats.fast_retransmits;
            }
        }
    }
    release_front();
    // RFC 7016 §3.6.2.9: the window in 1024-byte blocks; zero pauses us.
    peer_window_ = std::min<std::uint64_t>(ack.info().blocks, 1u << 20) * block_size;
    if (peer_window_ == 0) {
        if (probe_at_ == 0) {
            probe_interval_ = std::max(probe_min, erto);
            probe_at_ = now + probe_interval_;
        }
    } else {
        probe_at_ = probe_interval_ = 0;
    }
    if (state_ == send_state::closing && count_ == 0) {
        state_ = send_state::complete;
        linger_until_ = now + send_flow_linger;
        r.completed = true;
    }
    return r;
}

void send_flow::on_timeout() noexcept {
    for (std::size_t k = 0; k < count_; ++k) {
        fragment& f = at(k);
        if (f.status == st_in_flight) f.status = st_lost;
    }
    in_flight_ = 0;
}

bool send_flow::window_allows(std::size_t len) const noexcept {
    if (peer_window_ == 0) return false;
    // One fragment may always go when nothing is outstanding, so a window
    // smaller than a fragment still makes progress.
    return in_flight_ == 0 || in_flight_ + len <= peer_window_;
}

bool send_flow::wants_to_send(time_us now) const noexcept {
    if (state_ != send_state::open && state_ != send_state::closing) return false;
    if (probe_due(now)) return true;
    for (std::size_t k = 0; k < count_; ++k) {
        if (at(k).status == st_lost) return true;
    }
    for (std::size_t k = 0; k < count_; ++k) {
        const fragment& f = at(k);
        if (f.status == st_unsent) return window_allows(f.length);
    }
    return false;
}

bool send_flow::probe_due(time_us now) const noexcept {
    return (state_ == send_state::open || state_ == send_state::closing) && peer_window_ == 0 && probe_at_ &&
           now >= probe_at_ && in_flight_ == 0 && count_ > 0;
}

bool send_flow::write_probe(wire::packet_builder& b, time_us now, time_us erto, session_stats& stats) noexcept {
    if (b.room() < 3 + wire::vlu_size(flow_id_)) return false;
    wire::write_buffer_probe(b.body(), {flow_id_});
    ++stats.buffer_probes_sent;
    // RFC 7016 §3.6.2.9.1: back off towards max(60 s, ERTO).
    probe_interval_ = std::min(std::max(probe_max, erto), probe_interval_ * 2);
    probe_at_ = now + probe_interval_;
    return true;
}

std::size_t send_flow::write_fragments(wire::packet_builder& b, std::uint64_t tsn, time_us now,
                                       std::size_t cwnd_room, session_stats& stats) noexcept {
    if (state_ != send_state::open && state_ != send_state::closing) return 0;
    const std::uint64_t fsn = head_seq_ - 1;  // nothing below head_seq_ is ever sent again
    std::size_t added = 0;
    bool first = true;
    std::uint64_t prev = 0;
    // Retransmissions first, then new data.
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t k = 0; k < count_; ++k) {
            fragment& f = at(k);
            if (f.status != (pass == 0 ? st_lost : st_unsent)) continue;
            if (f.length > cwnd_room - added) return added;
            if (pass == 1 && !window_allows(f.length)) return added;
            const std::uint64_t seq = head_seq_ + k;
            const bool next = !first && seq == prev + 1;
            const bool opts = first && !acked_once_ && options_len_ > 0;
            const std::size_t size = next ? 4 + f.length
                                          : 4 + wire::vlu_size(flow_id_) + wire::vlu_size(seq) +
                                                wire::vlu_size(seq - fsn) + (opts ? options_len_ + 1u : 0u) + f.length;
            if (size > b.room()) return added;
            const wire::bytes data{storage_ + f.offset, f.length};
            if (next) {
                wire::write_next_user_data(b.body(), {f.flags, {}, data});
            } else {
                wire::user_data c;
                c.flags = f.flags;
                c.flow_id = flow_id_;
                c.sequence_number = seq;
                c.fsn_offset = seq - fsn;
                c.options = opts ? wire::bytes{options_, options_len_} : wire::bytes{};
                c.data = data;
                wire::write_user_data(b.body(), c);
            }
            if (f.status == st_lost) ++stats.retransmissions;
            f.status = st_in_flight;
            f.tsn = tsn;
            f.sent_at = now;
            f.naks = 0;
            in_flight_ += f.length;
            added += f.length;
            first = false;
            prev = seq;
        }
    }
    return added;
}

bool send_flow::oldest_in_flight(time_us& at_time) const noexcept {
    bool any = false;
    for (std::size_t k = 0; k < count_; ++k) {
        const fragment& f = at(k);
        if (f.status != st_in_flight) continue;
        if (!any || f.sent_at < at_time) at_time = f.sent_at;
        any = true;
    }
    return any;
}

void send_flow::expire(time_us now) noexcept {
    if (state_ == send_state::complete && now >= linger_until_) release();
}

} // namespace strato::session
