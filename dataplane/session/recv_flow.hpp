#pragma once
// A receiving flow (RFC 7016 §3.6.3): sequence tracking, fragment reassembly
// in sequence order, FSN and abandonment, FIN, acknowledgement scheduling
// and the advertised window. Memory is a caller-provided slice of the
// session arena: an out-of-order stash and one message assembly buffer.
#include <cstdint>

#include "dataplane/session/ack.hpp"
#include "dataplane/session/config.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::session {

class session;
class session_app;

enum class recv_state : std::uint8_t {
    free,
    open,
    rejected,  // Flow Exception sent; data acknowledged and discarded until FIN
    complete,  // RF_COMPLETE_LINGER (RFC 7016 §3.6.3.8): ID not reused for 120 s
};

// One User Data or Next User Data chunk, decoded.
struct data_chunk {
    std::uint8_t flags = 0;
    std::uint64_t sequence_number = 0;
    std::uint64_t fsn = 0;  // forward sequence number
    wire::bytes data;
};

struct recv_context {
    session& owner;
    session_app& app;
    session_stats& stats;
    time_us now;
    std::uint64_t packet_serial;  // which received packet this chunk came in
};

class recv_flow {
public:
    // Binds the flow to its slice of the session arena (once, at creation).
    void bind(std::uint8_t* stash, std::uint32_t stash_cap, std::uint8_t* assembly, std::uint32_t assembly_cap,
              void* entries) noexcept;
    void open(std::uint64_t flow_id, bool rejected, time_us now) noexcept;
    void release() noexcept;

    // Takes one data chunk. Delivers complete messages to the app, in order.
    void on_data(const data_chunk& c, recv_context& ctx) noexcept;
    // Buffer Probe (RFC 7016 §3.6.3.6): ack now.
    void on_probe() noexcept { ack_now_ = true; }
    // Application back-pressure: a paused flow advertises a zero window and
    // drops new data (RFC 7016 §3.6.3.5).
    void set_paused(bool p) noexcept;
    // Rejects an open flow (message too large, app refusal later).
    void reject(recv_context& ctx) noexcept;
    // Lingering flows go free after their timer.
    void expire(time_us now) noexcept;

    bool ack_due(time_us now) const noexcept { return ack_now_ || (ack_deadline_ && now >= ack_deadline_); }
    bool ack_pending() const noexcept { return ack_now_ || ack_deadline_ != 0; }
    time_us ack_deadline() const noexcept { return ack_now_ ? 0 : ack_deadline_; }
    // Writes [Flow Exception] + ack. False if it did not fit (nothing written).
    [[nodiscard]] bool write_ack(wire::writer& w, std::size_t room, ack_form form = ack_form::shortest) noexcept;
    std::uint64_t window_blocks() const noexcept;

    recv_state state() const noexcept { return state_; }
    std::uint64_t flow_id() const noexcept { return flow_id_; }
    std::uint64_t cumulative_ack() const noexcept { return cum_; }
    time_us linger_until() const noexcept { return linger_until_; }
    std::uint32_t stash_used() const noexcept { return stash_live_; }

    struct entry {
        std::uint32_t offset = 0;
        std::uint32_t length = 0;
        std::uint8_t flags = 0;
        bool present = false;
    };

private:
    void handle(std::uint8_t flags, wire::bytes data, recv_context& ctx) noexcept;
    void deliver(wire::bytes m, recv_context& ctx) noexcept;
    [[nodiscard]] bool stash(std::uint64_t seq, std::uint8_t flags, wire::bytes data, recv_context& ctx) noexcept;
    void take(entry& e, recv_context& ctx) noexcept;
    void drain(recv_context& ctx) noexcept;
    void apply_fsn(std::uint64_t fsn, recv_context& ctx) noexcept;
    void check_complete(recv_context& ctx) noexcept;
    void compact() noexcept;
    bool alive() const noexcept { return state_ == recv_state::open || state_ == recv_state::rejected; }

    recv_state state_ = recv_state::free;
    bool paused_ = false;
    bool ack_now_ = false;
    bool assembling_ = false;
    std::uint8_t data_packets_ = 0;  // packets with data since the last ack
    std::uint64_t flow_id_ = 0;
    std::uint64_t cum_ = 0;      // every sequence number <= cum_ is received or abandoned
    std::uint64_t fin_seq_ = 0;  // 0: no FIN seen
    std::uint64_t last_serial_ = 0;
    time_us ack_deadline_ = 0;
    time_us linger_until_ = 0;
    time_us last_activity_ = 0;
    entry* entries_ = nullptr;  // recv_seq_window, indexed by seq % window
    std::uint8_t* stash_ = nullptr;
    std::uint32_t stash_cap_ = 0;
    std::uint32_t stash_bump_ = 0;
    std::uint32_t stash_live_ = 0;
    std::uint8_t* assembly_ = nullptr;
    std::uint32_t assembly_cap_ = 0;
    std::uint32_t assembly_len_ = 0;
};

} // namespace strato::session
