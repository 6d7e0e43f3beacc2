#pragma once
// Header timestamps, timestamp echo and the retransmission timeout
// (RFC 7016 §3.5.2.2; protocol reference §1.6, P4, P9).
#include <cstdint>
#include <optional>

#include "dataplane/session/config.hpp"

namespace strato::session {

class timing {
public:
    // A received packet's header fields (TS optional: accept packets without it, P4).
    void on_receive(std::optional<std::uint16_t> ts, std::optional<std::uint16_t> echo, time_us now) noexcept;
    // TS for an outgoing packet: always present (P4).
    static std::uint16_t timestamp(time_us now) noexcept { return ticks_of(now); }
    // Echo for an outgoing packet, or nothing: forgotten after 128 s, and only
    // sent when it differs from the last echo sent (RFC 7016 §3.5.2.2).
    std::optional<std::uint16_t> echo_for_send(time_us now) noexcept;

    time_us erto() const noexcept { return erto_; }
    bool has_rtt() const noexcept { return has_srtt_; }
    time_us srtt() const noexcept { return srtt_; }
    time_us rttvar() const noexcept { return rttvar_; }
    // Retransmission timeout: ERTO x 1.4142, at most 10 s.
    void backoff() noexcept;
    // An RTT sample in microseconds (also usable by tests).
    void add_rtt_sample(time_us rtt) noexcept;

private:
    bool has_ts_rx_ = false;
    std::uint16_t ts_rx_ = 0;
    time_us ts_rx_time_ = 0;
    bool has_echo_sent_ = false;
    std::uint16_t last_echo_sent_ = 0;
    bool has_echo_rx_ = false;
    std::uint16_t last_echo_rx_ = 0;
    bool has_srtt_ = false;
    time_us srtt_ = 0;
    time_us rttvar_ = 0;
    time_us erto_ = erto_initial;
};

// RFC 7425 §4.7.3.3: anti-replay window over session sequence numbers, 64
// wide (the RFC asks for at least 32; protocol reference §1.5 uses 64).
class replay_window {
public:
    // True when sseq is new; records it.
    [[nodiscard]] bool accept(std::uint64_t sseq) noexcept {
        if (!any_) {
            any_ = true;
            highest_ = sseq;
            bits_ = 1;
            return true;
        }
        if (sseq > highest_) {
            const std::uint64_t shift = sseq - highest_;
            bits_ = shift >= 64 ? 0 : bits_ << shift;
            bits_ |= 1;
            highest_ = sseq;
            return true;
        }
        const std::uint64_t age = highest_ - sseq;
        if (age >= 64) return false;
        const std::uint64_t bit = std::uint64_t{1} << age;
        if (bits_ & bit) return false;
        bits_ |= bit;
        return true;
    }

private:
    bool any_ = false;
    std::uint64_t highest_ = 0;
    std::uint64_t bits_ = 0;  // bit i: highest_ - i seen
};

} // namespace strato::session
