#include "dataplane/session/session_table.hpp"

#include <bit>

namespace strato::session {

bool session_table::init(const table_config& c) {
    if (c.capacity == 0 || c.owner_bits == 0 || c.owner_bits > 16 || c.owner >= (1u << c.owner_bits)) return false;
    const auto slot_bits = static_cast<std::uint8_t>(std::max(1, static_cast<int>(std::bit_width(c.capacity - 1))));
    if (32 - c.owner_bits - slot_bits < 4) return false;
    config_ = c;
    capacity_ = c.capacity;
    owner_bits_ = c.owner_bits;
    slot_bits_ = slot_bits;
    generation_bits_ = static_cast<std::uint8_t>(32 - owner_bits_ - slot_bits_);
    slots_.reset(new session[capacity_]);
    generation_.reset(new std::uint32_t[capacity_]);
    free_.reset(new std::uint32_t[capacity_]);
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        if (!slots_[i].prepare(c.session, &stats_)) return false;
        generation_[i] = 1;  // never 0, so owner 0 / slot 0 never makes ID 0 (startup)
        free_[i] = i;
    }
    free_head_ = 0;
    free_count_ = capacity_;
    active_ = 0;
    return true;
}

std::uint32_t session_table::id_of(std::uint32_t slot) const noexcept {
    return (config_.owner << (32 - owner_bits_)) | (generation_[slot] << slot_bits_) | slot;
}

session* session_table::create(session_params p, const session_keys& k, session_app* app, time_us now) noexcept {
    if (free_count_ == 0) {
        stats_.drop(wire::drop_reason::table_full);
        return nullptr;
    }
    const std::uint32_t slot = free_[free_head_];
    free_head_ = (free_head_ + 1) % capacity_;
    --free_count_;
    ++active_;
    p.near_id = id_of(slot);
    slots_[slot].start(p, k, app, now);
    return &slots_[slot];
}

session* session_table::lookup(std::uint32_t id) noexcept {
    if (owner_of(id) != config_.owner) return nullptr;
    const std::uint32_t slot = id & ((1u << slot_bits_) - 1);
    if (slot >= capacity_ || id_of(slot) != id) return nullptr;
    session& s = slots_[slot];
    if (s.state() == session_state::unused) return nullptr;
    return &s;
}

void session_table::release(session* s) noexcept {
    const auto slot = static_cast<std::uint32_t>(s - slots_.get());
    if (slot >= capacity_ || s->state() == session_state::unused) return;
    s->abort();     // tells the app if it was still open
    s->retire();    // lookups miss from now on; the arena stays for reuse
    std::uint32_t g = (generation_[slot] + 1) & ((1u << generation_bits_) - 1);
    generation_[slot] = g == 0 ? 1 : g;
    free_[(free_head_ + free_count_) % capacity_] = slot;
    ++free_count_;
    --active_;
}

void session_table::poll_all(time_us now, packet_sink& out) noexcept {
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        session& s = slots_[i];
        if (s.state() == session_state::unused) continue;
        s.poll(now, out);
        if (s.closed()) release(&s);
    }
}

} // namespace strato::session
