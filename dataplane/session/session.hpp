#pragma once
// One RTMFP session in S_OPEN and after (RFC 7016 §3.5-3.6): the I/O-free
// engine shared by the server (responder, mode 2) and strato-peer
// (initiator, mode 1). The caller opens datagrams, feeds plaintexts to
// on_plaintext()/on_packet(), and calls poll() to get what must be sent;
// time is always passed in. All memory is one arena allocated by prepare().
#include <cstdint>
#include <memory>
#include <optional>

#include "crypto/aes.hpp"
#include "crypto/sha.hpp"
#include "dataplane/session/app.hpp"
#include "dataplane/session/config.hpp"
#include "dataplane/session/mobility.hpp"
#include "dataplane/session/recv_flow.hpp"
#include "dataplane/session/send_flow.hpp"
#include "dataplane/session/timing.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::session {

// Session keys and the per-direction HMAC / SSEQ choice (RFC 7425 §4.6, §4.7.3).
struct session_keys {
    crypto::aes_key encrypt;
    crypto::aes_key decrypt;
    crypto::hmac_key hmac_send;
    crypto::hmac_key hmac_recv;
    std::size_t hmac_send_length = 0;  // 0: we send the checksum instead
    std::size_t hmac_recv_length = 0;  // 0: the peer sends the checksum
    bool sseq_send = false;
    bool sseq_recv = false;
};

enum class session_state : std::uint8_t {
    unused,           // slot not started
    open,             // S_OPEN
    nearclose,        // S_NEARCLOSE: we sent Close
    farclose_linger,  // S_FARCLOSE_LINGER: the peer sent Close
    closed,           // S_CLOSED
};

struct session_params {
    std::uint32_t near_id = 0;              // our session ID (the peer puts it on its packets)
    std::uint32_t far_id = 0;               // the peer's session ID (we scramble it onto ours)
    wire::socket_address far_address;       // DESTADDR
    bool initiator = false;                 // mode 1 if we opened the session, else 2
    const crypto::hmac_key* mobility_secret = nullptr;  // null: no mobility checks (DESTADDR never moves)
};

class alignas(64) session {
public:
    session() = default;
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Bytes of arena one session needs under this config.
    static std::size_t arena_bytes(const session_config& c) noexcept;
    // Allocates the arena (init time, not per packet). False on a bad config.
    [[nodiscard]] bool prepare(const session_config& c, session_stats* stats);
    // Starts an S_OPEN session in a prepared slot.
    void start(const session_params& p, const session_keys& k, session_app* app, time_us now) noexcept;

    // A decrypted, verified plaintext (crypto::open / open_datagram): SSEQ
    // anti-replay, then on_packet.
    wire::drop_reason on_plaintext(const wire::plaintext_view& p, const wire::socket_address& from, time_us now) noexcept;
    // A parsed packet of this session.
    wire::drop_reason on_packet(const wire::packet_view& p, const wire::socket_address& from, time_us now) noexcept;
    // Timers, then every packet due now, each handed to the sink.
    void poll(time_us now, packet_sink& out) noexcept;
    // Earliest time poll() has something to do (for the caller's timer wheel).
    time_us next_wakeup(time_us now) const noexcept;

    // Opens a sending flow with its metadata and optional return association
    // (a flow ID we receive from the peer, RFC 7016 §2.3.11.1.2). 0 on failure.
    std::uint64_t open_flow(wire::bytes metadata, std::optional<std::uint64_t> return_flow = std::nullopt) noexcept;
    [[nodiscard]] send_status send(std::uint64_t flow_id, wire::bytes message) noexcept;
    bool can_send(std::uint64_t flow_id, std::size_t size) const noexcept;
    bool close_flow(std::uint64_t flow_id) noexcept;
    // Back-pressure on a receiving flow: a zero window until resumed.
    bool pause_receiving(std::uint64_t flow_id, bool paused) noexcept;
    // Orderly close (S_NEARCLOSE) / abrupt close (one Close Ack, then S_CLOSED).
    void close(time_us now) noexcept;
    // A Forwarded IHello (RFC 7016 §2.3.3) in its own packet to the far end:
    // an introducer telling this session's peer that `reply_address` wants to
    // reach it. Not flow data: never acknowledged or retransmitted (the
    // initiator's IHello retransmissions drive retries). False if not open.
    bool send_forwarded_ihello(time_us now, packet_sink& out, wire::bytes epd, const wire::socket_address& reply_address,
                               wire::bytes tag) noexcept;
    void abort() noexcept;
    // Back to an unused slot (session_table); keeps the arena.
    void retire() noexcept { state_ = session_state::unused; }

    // Sealing helpers with this session's keys (RFC 7425 §4.7).
    wire::result<std::size_t> seal_packet(wire::packet_builder& b) const noexcept;
    wire::result<wire::plaintext_view> open_datagram(wire::bytes datagram, wire::mutable_bytes out) const noexcept;

    session_state state() const noexcept { return state_; }
    bool closed() const noexcept { return state_ == session_state::closed; }
    std::uint32_t near_id() const noexcept { return near_id_; }
    std::uint32_t far_id() const noexcept { return far_id_; }
    const wire::socket_address& far_address() const noexcept { return far_address_; }
    const timing& times() const noexcept { return timing_; }
    std::size_t cwnd() const noexcept { return cwnd_; }
    std::size_t bytes_in_flight() const noexcept;
    const session_config& config() const noexcept { return config_; }
    session_stats& stats() noexcept { return *stats_; }
    const recv_flow* find_recv(std::uint64_t flow_id) const noexcept;
    const send_flow* find_send(std::uint64_t flow_id) const noexcept;
    void* user = nullptr;  // owner's cookie (e.g. the application's per-session state)

private:
    recv_flow* recv(std::uint64_t flow_id) noexcept;
    send_flow* sendf(std::uint64_t flow_id) noexcept;
    void on_user_data(const wire::user_data& ud, std::uint64_t serial, time_us now) noexcept;
    void on_data_chunk(std::uint64_t flow_id, const data_chunk& c, recv_flow* f, std::uint64_t serial,
                       time_us now) noexcept;
    void on_ack(acked_ranges& a, time_us now) noexcept;
    void on_close_request(time_us now) noexcept;
    void on_close_ack() noexcept;
    void abort_flows() noexcept;
    void end(close_reason why) noexcept;
    void timers(time_us now) noexcept;
    bool has_work(time_us now) const noexcept;
    bool build_packet(time_us now, packet_sink& out) noexcept;
    void send_single(time_us now, packet_sink& out, const wire::socket_address& to, std::uint8_t chunk,
                     wire::bytes message) noexcept;
    wire::packet_builder begin(time_us now) noexcept;
    void emit(wire::packet_builder& b, const wire::socket_address& to, packet_sink& out) noexcept;

    session_config config_{};
    session_stats* stats_ = nullptr;
    session_app* app_ = nullptr;
    std::unique_ptr<std::uint8_t[]> arena_;
    recv_flow* recv_ = nullptr;
    send_flow* send_ = nullptr;

    session_keys keys_{};
    const crypto::hmac_key* mobility_secret_ = nullptr;
    session_state state_ = session_state::unused;
    bool initiator_ = false;
    std::uint32_t near_id_ = 0;
    std::uint32_t far_id_ = 0;
    wire::socket_address far_address_{};
    std::uint64_t sseq_next_ = 0;
    replay_window replay_;
    timing timing_;
    std::uint64_t packet_serial_ = 0;  // received packets, for ack pacing
    std::uint64_t tsn_ = 0;            // transmission sequence number (§3.6.2.5)
    std::uint64_t next_send_flow_id_ = 1;

    // congestion (RFC 7016 §3.5.2)
    std::size_t cwnd_ = 0;
    time_us rto_deadline_ = 0;
    time_us last_loss_ = 0;

    // liveness and close
    time_us last_rx_ = 0;
    time_us keepalive_at_ = 0;
    time_us close_deadline_ = 0;   // NEARCLOSE give-up / FARCLOSE linger end
    time_us close_send_at_ = 0;    // next Close in NEARCLOSE
    bool close_ack_pending_ = false;

    // Ping Reply owed (P7: exact echo), to the address the Ping came from.
    bool ping_reply_pending_ = false;
    std::uint8_t ping_len_ = 0;
    std::uint8_t ping_echo_[max_ping_echo]{};
    wire::socket_address ping_from_{};

    // address mobility
    bool mobility_pending_ = false;
    wire::socket_address mobility_to_{};
    time_us mobility_next_ = 0;
    time_us mobility_accepted_ts_ = 0;

    // Flow Exceptions for new flows we had no slot for (sent once, no state).
    static constexpr std::size_t refused_max = 4;
    std::uint64_t refused_[refused_max]{};
    std::uint8_t refused_count_ = 0;
};

} // namespace strato::session
