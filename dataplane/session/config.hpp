#pragma once
// Limits, timers and counters of the RTMFP session engine (RFC 7016 §3.5-3.6).
// Every bound that decides memory is here, so that bytes per session follow
// from the config alone (session::arena_bytes).
#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/wire/drop_reason.hpp"

namespace strato::session {

// Microseconds from any origin, passed in by the caller: the engine never
// reads a clock, so tests drive it with a fake one.
using time_us = std::uint64_t;
inline constexpr time_us ms = 1000;
inline constexpr time_us seconds = 1000 * ms;

// RFC 7016 §3.5.2.2: the header timestamp runs at 250 Hz (4 ms per tick,
// protocol reference P9), 16 bits, wrapping.
inline constexpr time_us tick = 4 * ms;
constexpr std::uint16_t ticks_of(time_us t) noexcept { return static_cast<std::uint16_t>(t / tick); }

// RFC 7016 §3.5.2.2 retransmission timeout.
inline constexpr time_us erto_initial = 3 * seconds;
inline constexpr time_us erto_min = 250 * ms;
inline constexpr time_us erto_max = 10 * seconds;
inline constexpr time_us mrto_slack = 200 * ms;      // MRTO = SRTT + 4*RTTVAR + 200 ms
inline constexpr time_us ts_echo_validity = 128 * seconds;
// RFC 7016 §3.6.3.4.1: delayed acknowledgement.
inline constexpr time_us delack_timeout = 200 * ms;
// RFC 7016 §3.5.5 close timers.
inline constexpr time_us nearclose_interval = 5 * seconds;
inline constexpr time_us nearclose_giveup = 90 * seconds;
inline constexpr time_us farclose_linger_time = 19 * seconds;
// RFC 7016 §3.6.2.11 / §3.6.3.8 flow lingers.
inline constexpr time_us send_flow_linger = 130 * seconds;
inline constexpr time_us recv_flow_linger = 120 * seconds;
// RFC 7016 §3.6.2.9.1 zero-window probing: max(1 s, ERTO) backing off to max(60 s, ERTO).
inline constexpr time_us probe_min = 1 * seconds;
inline constexpr time_us probe_max = 60 * seconds;
// RFC 7016 §3.5.4.2 address mobility: one check per second, replies valid 120 s.
inline constexpr time_us mobility_interval = 1 * seconds;
inline constexpr time_us mobility_validity = 120 * seconds;

// RFC 7016 §2.3.13: the window is counted in 1024-byte blocks.
inline constexpr std::size_t block_size = 1024;
// Sequence numbers a receiving flow tracks beyond its cumulative ack; chunks
// further out are dropped unacknowledged (the sender retransmits them).
inline constexpr std::size_t recv_seq_window = 128;
// Largest Ping we echo byte for byte (P7); larger ones are counted and dropped.
inline constexpr std::size_t max_ping_echo = 128;
// Flow metadata plus return association we keep for a sending flow.
inline constexpr std::size_t max_flow_options = 256;
// Plaintext datagram buffer: SSID, SSEQ VLU, checksum, 1200-byte packet,
// padding to the cipher block, and room for the largest HMAC.
inline constexpr std::size_t datagram_buffer = 4 + 10 + 2 + 1200 + 16 + 32;

struct session_config {
    // Receiving flows (RFC 7016 §3.6.3); new flows past this are refused.
    std::uint16_t max_recv_flows = 8;
    std::uint32_t recv_message_max = 16 * 1024;  // largest reassembled message
    std::uint32_t recv_stash_bytes = 8 * 1024;   // out-of-order fragments per flow
    // Sending flows (RFC 7016 §3.6.2).
    std::uint16_t max_send_flows = 8;
    std::uint32_t send_flow_bytes = 16 * 1024;   // queued, unacknowledged bytes per flow
    std::uint16_t send_flow_fragments = 64;      // queued fragments per flow (<= recv_seq_window)
    // Congestion window in packets (RFC 7016 §3.5.2 requires one; rtmfp-cpp CWND_INIT = 3 MSS).
    std::uint16_t cwnd_initial_packets = 3;
    std::uint16_t cwnd_max_packets = 16;
    // Liveness (protocol reference §5.7): ping after keepalive_idle of silence, at
    // ERTO backoff; close after idle_timeout with nothing received. 0 = off.
    time_us keepalive_idle = 30 * seconds;
    time_us idle_timeout = 120 * seconds;
    // Packets one poll() may emit (a burst bound; the rest waits for the next poll).
    std::uint16_t max_packets_per_poll = 32;
};

// Per-owner counters: one writer (the lcore that owns the sessions).
struct session_stats {
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t timeouts = 0;            // ERTO expiries
    std::uint64_t fast_retransmits = 0;    // 3 NAKs
    std::uint64_t flows_rejected = 0;      // Flow Exceptions we sent
    std::uint64_t flows_refused_full = 0;  // new flows past max_recv_flows
    std::uint64_t messages_too_large = 0;
    std::uint64_t partial_messages_dropped = 0;
    std::uint64_t stash_full = 0;          // out-of-order chunk dropped for lack of room
    std::uint64_t out_of_window = 0;       // chunk beyond recv_seq_window
    std::uint64_t duplicates = 0;
    std::uint64_t replays = 0;             // SSEQ seen before or too old
    std::uint64_t buffer_probes_sent = 0;
    std::uint64_t mobility_checks = 0;
    std::uint64_t address_changes = 0;
    std::uint64_t idle_timeouts = 0;
    std::array<std::uint64_t, wire::drop_reason_count> drops{};
    void drop(wire::drop_reason r) noexcept { ++drops[static_cast<std::size_t>(r)]; }
};

} // namespace strato::session
