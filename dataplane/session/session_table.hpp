#pragma once
// Preallocated sessions of one owner (lcore). A session ID is
//   owner (owner_bits) | generation | slot index (slot_bits)
// so a worker that receives a packet for another lcore's session hands it
// over by owner_of(id), and a stale ID never reaches a reused slot: the
// generation changes on every reuse, and free slots are reused in FIFO order
// so an ID stays dead as long as possible (RFC 7016 §3.5.5: keep closed IDs
// reserved for a while).
#include <cstdint>
#include <memory>

#include "dataplane/session/session.hpp"

namespace strato::session {

struct table_config {
    std::uint32_t capacity = 1024;  // sessions on this owner
    std::uint32_t owner = 0;        // lcore index
    std::uint8_t owner_bits = 6;    // up to 64 owners
    session_config session{};
};

class session_table {
public:
    session_table() = default;
    session_table(const session_table&) = delete;
    session_table& operator=(const session_table&) = delete;

    // Allocates every slot (init time). False with a bad config: capacity 0,
    // owner not representable, or fewer than 4 generation bits left.
    [[nodiscard]] bool init(const table_config& c);

    // A fresh S_OPEN session with a new near ID; nullptr when full (counted).
    session* create(session_params p, const session_keys& k, session_app* app, time_us now) noexcept;
    // The session for an ID of this owner, or nullptr (stale, foreign, free).
    session* lookup(std::uint32_t id) noexcept;
    // Returns a session's slot (any state) to the free FIFO.
    void release(session* s) noexcept;
    // Polls every live session and releases the ones that reached S_CLOSED.
    void poll_all(time_us now, packet_sink& out) noexcept;

    std::uint32_t owner_of(std::uint32_t id) const noexcept { return id >> (32 - owner_bits_); }
    static std::uint32_t owner_of(std::uint32_t id, std::uint8_t owner_bits) noexcept { return id >> (32 - owner_bits); }
    std::size_t active() const noexcept { return active_; }
    std::size_t capacity() const noexcept { return capacity_; }
    session_stats& stats() noexcept { return stats_; }
    // Memory per session: the session object plus its arena.
    std::size_t bytes_per_session() const noexcept { return bytes_per_session(config_.session); }
    static std::size_t bytes_per_session(const session_config& c) noexcept {
        return sizeof(session) + session::arena_bytes(c) + 64 + sizeof(std::uint32_t) * 2;
    }

private:
    std::uint32_t id_of(std::uint32_t slot) const noexcept;

    table_config config_{};
    session_stats stats_{};
    std::unique_ptr<session[]> slots_;
    std::unique_ptr<std::uint32_t[]> generation_;
    std::unique_ptr<std::uint32_t[]> free_;  // FIFO ring of free slot indices
    std::uint32_t capacity_ = 0;
    std::uint32_t free_head_ = 0;
    std::uint32_t free_count_ = 0;
    std::size_t active_ = 0;
    std::uint8_t owner_bits_ = 0;
    std::uint8_t slot_bits_ = 0;
    std::uint8_t generation_bits_ = 0;
};

} // namespace strato::session
