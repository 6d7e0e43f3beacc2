#pragma once
// RTMP messages carried in RTMFP flow messages (RFC 7425 §5.1.2; protocol
// reference §6.2): u8 type | u32 timestamp | body. The stream ID comes from
// the flow metadata and the length from the RTMFP message, so neither is on
// the wire here.
#include <cstdint>

#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

// RTMP message type IDs (RFC 7425 §5.1.2 refers to the RTMP specification).
namespace rtmp_type {
inline constexpr std::uint8_t set_chunk_size = 1;   // chunk-stream control: ignored on RTMFP (§5.1)
inline constexpr std::uint8_t abort_message = 2;
inline constexpr std::uint8_t acknowledgement = 3;
inline constexpr std::uint8_t user_control = 4;
inline constexpr std::uint8_t window_ack_size = 5;
inline constexpr std::uint8_t set_peer_bandwidth = 6;
inline constexpr std::uint8_t audio = 8;
inline constexpr std::uint8_t video = 9;
inline constexpr std::uint8_t data_amf3 = 15;
inline constexpr std::uint8_t shared_object_amf3 = 16;
inline constexpr std::uint8_t command_amf3 = 17;
inline constexpr std::uint8_t data_amf0 = 18;
inline constexpr std::uint8_t shared_object_amf0 = 19;
inline constexpr std::uint8_t command_amf0 = 20;
inline constexpr std::uint8_t aggregate = 22;
} // namespace rtmp_type

inline constexpr std::size_t rtmp_header_size = 5;

struct rtmp_message {
    std::uint8_t type = 0;
    std::uint32_t timestamp = 0;
    wire::bytes body{};
};

// Chunk-stream control types (1, 2, 3, 5, 6) MUST be ignored on RTMFP
// (RFC 7425 §5.1); the caller checks this after framing succeeds.
constexpr bool is_chunk_stream_control(std::uint8_t type) noexcept {
    return type == 1 || type == 2 || type == 3 || type == 5 || type == 6;
}
constexpr bool is_command(std::uint8_t type) noexcept {
    return type == rtmp_type::command_amf0 || type == rtmp_type::command_amf3;
}

// Fewer than 5 bytes: truncated.
[[nodiscard]] wire::result<rtmp_message> read_rtmp_message(wire::bytes message) noexcept;

// The AMF0 value sequence of a data, shared object or command message. The
// AMF3 forms (15, 16, 17) start with a format byte that must be 0
// (RFC 7425 §5.1.2; protocol reference §6.2); the values after it are AMF0
// with optional 0x11 switches. Other types: bad_rtmp_message.
[[nodiscard]] wire::result<wire::bytes> amf_payload(const rtmp_message& m) noexcept;

void write_rtmp_header(wire::writer& w, std::uint8_t type, std::uint32_t timestamp = 0) noexcept;

} // namespace strato::flash
