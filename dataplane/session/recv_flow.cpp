#include "dataplane/session/recv_flow.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/session/app.hpp"
#include "dataplane/wire/chunks.hpp"

namespace strato::session {

namespace {
constexpr std::uint64_t window = recv_seq_window;
wire::fragment_control fra(std::uint8_t flags) noexcept {
    return static_cast<wire::fragment_control>(flags & wire::ud_fragment_mask);
}
} // namespace

void recv_flow::bind(std::uint8_t* stash, std::uint32_t stash_cap, std::uint8_t* assembly, std::uint32_t assembly_cap,
                     void* entries) noexcept {
    stash_ = stash;
    stash_cap_ = stash_cap;
    assembly_ = assembly;
    assembly_cap_ = assembly_cap;
    entries_ = static_cast<entry*>(entries);
    release();
}

void recv_flow::release() noexcept {
    state_ = recv_state::free;
    paused_ = ack_now_ = assembling_ = false;
    data_packets_ = 0;
    flow_id_ = cum_ = fin_seq_ = last_serial_ = 0;
    ack_deadline_ = linger_until_ = last_activity_ = 0;
    stash_bump_ = stash_live_ = assembly_len_ = 0;
    for (std::size_t i = 0; i < window; ++i) entries_[i] = entry{};
}

void recv_flow::open(std::uint64_t flow_id, bool rejected, time_us now) noexcept {
    release();
    state_ = rejected ? recv_state::rejected : recv_state::open;
    flow_id_ = flow_id;
    last_activity_ = now;
    ack_now_ = true;  // RFC 7016 §3.6.3.4.1: ack a new flow immediately
}

void recv_flow::set_paused(bool p) noexcept {
    if (paused_ && !p) ack_now_ = true;  // reopen the window at once
    paused_ = p;
}

std::uint64_t recv_flow::window_blocks() const noexcept {
    if (paused_) return 0;
    // What the stash can still take: in-window data always fits. At least one
    // block unless paused (RFC 7016 §3.6.3.5, deadlock avoidance; P8).
    return std::max<std::uint64_t>(1, (stash_cap_ - stash_live_) / block_size);
}

void recv_flow::reject(recv_context& ctx) noexcept {
    if (state_ != recv_state::open) return;
    state_ = recv_state::rejected;
    assembling_ = false;
    assembly_len_ = 0;
    ack_now_ = true;
    ++ctx.stats.flows_rejected;
    ctx.app.on_flow_closed(ctx.owner, flow_id_, false, flow_end::rejected);
}

void recv_flow::expire(time_us now) noexcept {
    if (state_ == recv_state::complete && now >= linger_until_ && !ack_pending()) release();
    // A rejected flow whose sender never finishes it is forgotten after the
    // receiving linger of inactivity, so it cannot pin the slot forever.
    else if (state_ == recv_state::rejected && now - last_activity_ >= recv_flow_linger) release();
}

void recv_flow::deliver(wire::bytes m, recv_context& ctx) noexcept {
    ++ctx.stats.messages_in;
    ctx.app.on_message(ctx.owner, flow_id_, m);
}

// RFC 7016 §3.6.3.3: reassemble FRA first/middle/last with contiguous
// sequence numbers; an abandoned or missing piece discards the message.
void recv_flow::handle(std::uint8_t flags, wire::bytes data, recv_context& ctx) noexcept {
    if (state_ != recv_state::open) return;
    if (flags & wire::ud_abandon) {
        if (assembling_) ++ctx.stats.partial_messages_dropped;
        assembling_ = false;
        assembly_len_ = 0;
        return;
    }
    const auto f = fra(flags);
    if ((f == wire::fragment_control::whole || f == wire::fragment_control::first) && assembling_) {
        ++ctx.stats.partial_messages_dropped;
        assembling_ = false;
        assembly_len_ = 0;
    }
    if (f == wire::fragment_control::whole) {
        if (data.size() > assembly_cap_) {
            ++ctx.stats.messages_too_large;
            ctx.stats.drop(wire::drop_reason::length_overrun);
            reject(ctx);
            return;
        }
        deliver(data, ctx);
        return;
    }
    if (f != wire::fragment_control::first && !assembling_) return;  // orphan piece of a dropped message
    if (data.size() > assembly_cap_ - assembly_len_) {
        // RFC 7016 §5: a message past our bound is abuse; refuse the flow.
        ++ctx.stats.messages_too_large;
        ctx.stats.drop(wire::drop_reason::length_overrun);
        reject(ctx);
        return;
    }
    if (!data.empty()) std::memcpy(assembly_ + assembly_len_, data.data(), data.size());
    assembly_len_ += static_cast<std::uint32_t>(data.size());
    assembling_ = true;
    if (f == wire::fragment_control::last) {
        assembling_ = false;
        const std::uint32_t n = assembly_len_;
        assembly_len_ = 0;
        deliver({assembly_, n}, ctx);
    }
}

void recv_flow::compact() noexcept {
    // Stash entries by offset, then slide each down: no allocation, O(window^2)
    // worst case on a 128-entry ring, and only when the stash is fragmented.
    std::uint16_t order[recv_seq_window];
    std::size_t n = 0;
    for (std::size_t i = 0; i < window; ++i) {
        if (!entries_[i].present || entries_[i].length == 0) continue;
        std::size_t j = n++;
        while (j > 0 && entries_[order[j - 1]].offset > entries_[i].offset) {
            order[j] = order[j - 1];
            --j;
        }
        order[j] = static_cast<std::uint16_t>(i);
    }
    std::uint32_t at = 0;
    for (std::size_t k = 0; k < n; ++k) {
        entry& e = entries_[order[k]];
        if (e.offset != at) std::memmove(stash_ + at, stash_ + e.offset, e.length);
        e.offset = at;
        at += e.length;
    }
    stash_bump_ = at;
}

bool recv_flow::stash(std::uint64_t seq, std::uint8_t flags, wire::bytes data, recv_context& ctx) noexcept {
    entry& e = entries_[seq % window];
    // A rejected flow only tracks sequence numbers.
    const std::size_t len = state_ == recv_state::open ? data.size() : 0;
    if (len > stash_cap_ - stash_bump_) {
        if (len <= stash_cap_ - stash_live_) compact();
        if (len > stash_cap_ - stash_bump_) {
            ++ctx.stats.stash_full;
            ctx.stats.drop(wire::drop_reason::table_full);
            return false;
        }
    }
    if (len) std::memcpy(stash_ + stash_bump_, data.data(), len);
    e = entry{stash_bump_, static_cast<std::uint32_t>(len), flags, true};
    stash_bump_ += static_cast<std::uint32_t>(len);
    stash_live_ += static_cast<std::uint32_t>(len);
    return true;
}

void recv_flow::take(entry& e, recv_context& ctx) noexcept {
    const entry copy = e;
    e.present = false;
    stash_live_ -= copy.length;
    // The bytes stay valid until the next stash(): nothing stashes while the
    // app runs, because app callbacks cannot feed packets back in.
    handle(copy.flags, {stash_ + copy.offset, copy.length}, ctx);
    if (stash_live_ == 0) stash_bump_ = 0;
}

void recv_flow::drain(recv_context& ctx) noexcept {
    while (alive()) {
        entry& e = entries_[(cum_ + 1) % window];
        if (!e.present) break;
        ++cum_;
        take(e, ctx);
    }
}

void recv_flow::apply_fsn(std::uint64_t fsn, recv_context& ctx) noexcept {
    // RFC 7016 §3.6.3.3: the sender will not send anything <= FSN again, so
    // what is still missing there is abandoned; what arrived is still used.
    const std::uint64_t stop = fsn - cum_ > window ? cum_ + window : fsn;
    while (alive() && cum_ < stop) {
        entry& e = entries_[(cum_ + 1) % window];
        ++cum_;
        if (e.present) {
            take(e, ctx);
        } else {
            if (assembling_) ++ctx.stats.partial_messages_dropped;
            assembling_ = false;
            assembly_len_ = 0;
        }
    }
    if (alive() && fsn > cum_) {
        // Everything in the tracked window was below the FSN; jump.
        cum_ = fsn;
        for (std::size_t i = 0; i < window; ++i) entries_[i] = entry{};
        stash_bump_ = stash_live_ = 0;
        assembling_ = false;
        assembly_len_ = 0;
    }
}

void recv_flow::check_complete(recv_context& ctx) noexcept {
    if (!alive() || fin_seq_ == 0 || cum_ < fin_seq_) return;
    const bool was_open = state_ == recv_state::open;
    state_ = recv_state::complete;
    linger_until_ = ctx.now + recv_flow_linger;
    ack_now_ = true;
    if (was_open) ctx.app.on_flow_closed(ctx.owner, flow_id_, false, flow_end::finished);
}

void recv_flow::on_data(const data_chunk& c, recv_context& ctx) noexcept {
    last_activity_ = ctx.now;
    const std::uint64_t seq = c.sequence_number;
    if (state_ == recv_state::complete || seq <= cum_ || (seq - cum_ <= window && entries_[seq % window].present)) {
        // RFC 7016 §3.6.3.4.1: duplicates are acknowledged at once.
        ++ctx.stats.duplicates;
        ack_now_ = true;
        if (state_ != recv_state::complete && c.fsn > cum_) {
            apply_fsn(c.fsn, ctx);
            drain(ctx);
            check_complete(ctx);
        }
        return;
    }
    if (fin_seq_ && seq > fin_seq_) {
        ctx.stats.drop(wire::drop_reason::value_out_of_range);  // data past FIN
        return;
    }
    if (seq - cum_ > window && c.fsn > cum_ && !paused_) {
        // The FSN alone may bring a far chunk into the window (an FSN jump).
        apply_fsn(c.fsn, ctx);
        drain(ctx);
        if (!alive()) return;
    }
    if (seq - cum_ > window) {
        ++ctx.stats.out_of_window;
        ctx.stats.drop(wire::drop_reason::value_out_of_range);
        ack_now_ = true;
        return;
    }
    if (paused_) {
        ack_now_ = true;  // tells the sender the window is zero
        return;
    }
    if (c.flags & wire::ud_final) fin_seq_ = seq;
    const bool gap_before = seq != cum_ + 1;
    if (!gap_before) {
        ++cum_;
        handle(c.flags, c.data, ctx);
    } else if (!stash(seq, c.flags, c.data, ctx)) {
        if (fin_seq_ == seq) fin_seq_ = 0;
        return;  // not acknowledged: the sender will retransmit it
    }
    if (c.fsn > cum_) apply_fsn(c.fsn, ctx);
    drain(ctx);
    check_complete(ctx);
    if (!alive() && state_ != recv_state::complete) return;
    // RFC 7016 §3.6.3.4.1 immediate acks: gap, FIN, abandonment; otherwise
    // every second packet with data, or within 200 ms.
    const bool gap_after = entries_[(cum_ + 1) % window].present == false && stash_live_ > 0;
    if (gap_before || gap_after || (c.flags & (wire::ud_final | wire::ud_abandon)) || state_ != recv_state::open) {
        ack_now_ = true;
    } else if (ctx.packet_serial != last_serial_) {
        last_serial_ = ctx.packet_serial;
        if (++data_packets_ >= 2) ack_now_ = true;
        else if (!ack_deadline_) ack_deadline_ = ctx.now + delack_timeout;
    }
}

bool recv_flow::write_ack(wire::writer& w, std::size_t room, ack_form form) noexcept {
    received_set above;
    for (std::size_t i = 1; i < window; ++i) {
        if (entries_[(cum_ + 1 + i) % window].present) above.set(i);
    }
    // RFC 7016 §3.6.3.7: a rejected flow's acks follow a Flow Exception Report.
    const bool exception = state_ == recv_state::rejected;
    const std::size_t exc_size = exception ? 3 + wire::vlu_size(flow_id_) + 1 : 0;
    if (exc_size >= room) return false;
    std::uint8_t tmp[256 + recv_seq_window * 2];
    wire::writer t({tmp, sizeof tmp});
    if (exception) wire::write_flow_exception_report(t, {flow_id_, 0});
    if (!::strato::session::write_ack(t, room - exc_size, flow_id_, exception ? 1 : window_blocks(), cum_, above, form)) return false;
    if (t.size() > room) return false;
    w.put(t.written());
    ack_now_ = false;
    ack_deadline_ = 0;
    data_packets_ = 0;
    return true;
}

} // namespace strato::session
