#include "dataplane/session/timing.hpp"

#include <algorithm>

namespace strato::session {

void timing::on_receive(std::optional<std::uint16_t> ts, std::optional<std::uint16_t> echo, time_us now) noexcept {
    // RFC 7016 §3.5.2.2: TS_RX is the last *different* timestamp, TS_RX_TIME
    // when it changed, so the echo grows with the time we held it.
    if (ts && (!has_ts_rx_ || *ts != ts_rx_)) {
        has_ts_rx_ = true;
        ts_rx_ = *ts;
        ts_rx_time_ = now;
    }
    if (echo && (!has_echo_rx_ || *echo != last_echo_rx_)) {
        has_echo_rx_ = true;
        last_echo_rx_ = *echo;
        // Modulo 65536; samples above 32767 ticks are invalid (P9).
        const auto rtt_ticks = static_cast<std::uint16_t>(ticks_of(now) - *echo);
        if (rtt_ticks <= 32767) add_rtt_sample(time_us{rtt_ticks} * tick);
    }
}

std::optional<std::uint16_t> timing::echo_for_send(time_us now) noexcept {
    if (!has_ts_rx_) return std::nullopt;
    if (now - ts_rx_time_ > ts_echo_validity) {
        has_ts_rx_ = false;
        return std::nullopt;
    }
    const auto echo = static_cast<std::uint16_t>(ts_rx_ + (now - ts_rx_time_) / tick);
    if (has_echo_sent_ && echo == last_echo_sent_) return std::nullopt;
    has_echo_sent_ = true;
    last_echo_sent_ = echo;
    return echo;
}

void timing::add_rtt_sample(time_us rtt) noexcept {
    // RFC 7016 §3.5.2.2 (after RFC 6298): SRTT/RTTVAR smoothing.
    if (!has_srtt_) {
        has_srtt_ = true;
        srtt_ = rtt;
        rttvar_ = rtt / 2;
    } else {
        const time_us diff = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
        rttvar_ = (3 * rttvar_ + diff) / 4;
        srtt_ = (7 * srtt_ + rtt) / 8;
    }
    const time_us mrto = srtt_ + 4 * rttvar_ + mrto_slack;
    erto_ = std::clamp(mrto, erto_min, erto_max);
}

void timing::backoff() noexcept {
    // x1.4142 in integers: 14142 / 10000.
    erto_ = std::min(erto_max, erto_ * 14142 / 10000);
}

} // namespace strato::session
