#pragma once
// RTMP User Control messages (type 4) on TC flows (protocol reference §6.3;
// RFC 7425 §5.2 and §5.3.4): u16 event type | event data.
#include <cstdint>

#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

namespace user_control_event {
inline constexpr std::uint16_t stream_begin = 0;
inline constexpr std::uint16_t stream_eof = 1;
inline constexpr std::uint16_t stream_dry = 2;
inline constexpr std::uint16_t set_buffer_length = 3;
inline constexpr std::uint16_t stream_is_recorded = 4;
inline constexpr std::uint16_t ping_request = 6;
inline constexpr std::uint16_t ping_response = 7;
inline constexpr std::uint16_t flow_sync = 0x22;             // RFC 7425 §5.2
inline constexpr std::uint16_t set_keepalive_timers = 0x29;  // RFC 7425 §5.3.4
} // namespace user_control_event

struct user_control {
    std::uint16_t event = 0;
    wire::bytes data{};
};

// Body of a type-4 message (after the RTMP header).
[[nodiscard]] wire::result<user_control> read_user_control(wire::bytes body) noexcept;

// Whole RTMP messages (header 04 00000000 included; timestamps are ignored
// for user control, so 0).
void write_stream_begin(wire::writer& w, std::uint32_t stream_id) noexcept;
// 04 00000000 0029 <server ms> <peer ms>, e.g. 15 s / 10 s as MonaServer2.
void write_set_keepalive_timers(wire::writer& w, std::uint32_t server_ms, std::uint32_t peer_ms) noexcept;

} // namespace strato::flash
