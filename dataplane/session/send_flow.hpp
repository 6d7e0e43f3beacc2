#pragma once
// A sending flow (RFC 7016 §3.6.2): messages cut into fragments held in
// fixed storage (a byte ring and a fragment ring, slices of the session
// arena), transmission with metadata until acknowledged, acknowledgement and
// NAK processing (TSN method, §3.6.2.5), the peer's window with zero-window
// probes (§3.6.2.9.1), FIN and F_COMPLETE_LINGER.
#include <cstdint>

#include "dataplane/session/ack.hpp"
#include "dataplane/session/config.hpp"
#include "dataplane/wire/bytes.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::session {

enum class send_state : std::uint8_t {
    free,
    open,
    closing,    // FIN queued; waiting for everything to be acknowledged
    complete,   // F_COMPLETE_LINGER: ID not reused for 130 s
};

enum class send_status : std::uint8_t {
    ok,
    would_block,  // not enough free storage now; retry after acknowledgements
    too_large,    // can never fit this flow's storage
    no_flow,      // unknown, closing or closed flow, or session not open
};

// What one acknowledgement did, for the session's congestion control.
struct ack_result {
    std::size_t acked_bytes = 0;
    bool loss = false;          // a fragment reached 3 NAKs
    bool progress = false;      // something new was acknowledged
    bool completed = false;     // everything incl. FIN acknowledged
};

class send_flow {
    struct fragment;

public:
    void bind(std::uint8_t* storage, std::uint32_t capacity, void* fragments, std::uint16_t fragment_capacity) noexcept;
    // options: the encoded metadata and return association options (no marker).
    void open(std::uint64_t flow_id, wire::bytes options) noexcept;
    void release() noexcept;

    [[nodiscard]] send_status send(wire::bytes message) noexcept;
    bool can_send(std::size_t size) const noexcept;
    // Queues FIN (RFC 7016 §3.6.2.3): on the last unsent fragment, else as an
    // extra abandoned chunk.
    void close() noexcept;
    // Flow Exception Report from the receiver: abandon everything, close.
    void on_exception() noexcept;

    // Applies one ack chunk: acknowledged fragments are freed, the peer's
    // window taken, and fragments sent before the newest acknowledged one get
    // a NAK each (3 NAKs = lost, RFC 7016 §3.6.2.5).
    ack_result on_ack(acked_ranges& ack, time_us now, time_us erto, session_stats& stats) noexcept;
    // ERTO expired: everything in flight is lost.
    void on_timeout() noexcept;

    // Something to send now (lost fragments, new ones the window allows, a probe)?
    bool wants_to_send(time_us now) const noexcept;
    // Writes fragments into the packet while they fit and cwnd_room allows.
    // Returns the bytes newly put in flight.
    std::size_t write_fragments(wire::packet_builder& b, std::uint64_t tsn, time_us now, std::size_t cwnd_room,
                                session_stats& stats) noexcept;
    // Zero-window probe due? Writes a Buffer Probe and backs off.
    bool probe_due(time_us now) const noexcept;
    [[nodiscard]] bool write_probe(wire::packet_builder& b, time_us now, time_us erto, session_stats& stats) noexcept;
    void expire(time_us now) noexcept;

    send_state state() const noexcept { return state_; }
    std::uint64_t flow_id() const noexcept { return flow_id_; }
    std::size_t in_flight() const noexcept { return in_flight_; }
    std::uint64_t peer_window() const noexcept { return peer_window_; }
    bool acknowledged_once() const noexcept { return acked_once_; }
    std::size_t queued_fragments() const noexcept { return count_; }
    std::size_t storage_used() const noexcept { return used_; }
    std::size_t fragment_max() const noexcept { return fragment_max_; }
    time_us linger_until() const noexcept { return linger_until_; }
    // Earliest send time of anything in flight (for the session's RTO timer).
    bool oldest_in_flight(time_us& at) const noexcept;

private:
    fragment& at(std::size_t k) noexcept;
    const fragment& at(std::size_t k) const noexcept;
    void mark_acked(fragment& f, ack_result& r, std::uint64_t& highest_tsn) noexcept;
    bool window_allows(std::size_t len) const noexcept;
    void release_front() noexcept;
    [[nodiscard]] bool push(std::uint8_t flags, wire::bytes data) noexcept;

    send_state state_ = send_state::free;
    bool acked_once_ = false;    // options stop after the first ack (§3.6.2.3)
    bool fin_queued_ = false;
    std::uint64_t flow_id_ = 0;
    std::uint64_t head_seq_ = 1;  // sequence number of fragment 0 in the ring
    std::uint64_t peer_window_ = 0;
    std::size_t in_flight_ = 0;
    time_us probe_at_ = 0;
    time_us probe_interval_ = 0;
    time_us linger_until_ = 0;
    std::uint8_t options_[max_flow_options]{};
    std::uint16_t options_len_ = 0;
    std::uint16_t fragment_max_ = 0;
    // byte ring
    std::uint8_t* storage_ = nullptr;
    std::uint32_t capacity_ = 0;
    std::uint32_t tail_ = 0;
    std::uint32_t used_ = 0;
    // fragment ring
    fragment* frags_ = nullptr;
    std::uint16_t frag_cap_ = 0;
    std::uint16_t head_ = 0;
    std::uint16_t count_ = 0;

public:
    static std::size_t fragment_size() noexcept;  // bytes per fragment record (arena accounting)
};

} // namespace strato::session
