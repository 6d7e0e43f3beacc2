#pragma once
// Reading the RTMP commands a rendezvous server receives on its TC flows
// (RFC 7425 §5.3; protocol reference §6.5-6.8). Input is the AMF value
// sequence of a command message (see amf_payload() in rtmp.hpp): name,
// transaction ID, command object (null; omitted by librtmfp, errata #6/#9),
// arguments. Strings are views into the packet.
#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/flash/amf0.hpp"
#include "dataplane/wire/address.hpp"

namespace strato::flash {

enum class command_kind : std::uint8_t {
    connect,
    set_peer_info,
    create_stream,
    delete_stream,
    play,
    publish,
    relay,  // tcserver's message relay by connection (peer) ID
    other,  // answer with _error NetConnection.Call.Failed (§6.8)
};

command_kind classify_command(std::string_view name) noexcept;

// Name and transaction ID, with a reader positioned on the next value (the
// command object or the first argument).
struct command_view {
    std::string_view name{};
    double transaction_id = 0;
    command_kind kind = command_kind::other;
    amf0_reader args{};
};

// The name must be a string and the transaction ID a number (RFC 7425 §5.3
// via the RTMP command layout); otherwise bad_amf.
[[nodiscard]] wire::result<command_view> read_command(wire::bytes amf, amf0_limits limits = {}) noexcept;

// RFC 7425 §5.3.1 / RTMP connect command object. Unknown members (including
// nested objects and arrays, e.g. rtmfp-cpp's FourCC maps) are skipped;
// known members with an unexpected type are ignored rather than fatal.
struct connect_command {
    double transaction_id = 0;
    std::string_view app{}, tc_url{}, flash_ver{}, swf_url{}, page_url{};
    bool has_object_encoding = false;
    double object_encoding = 0;  // 3 = AMF3, 0 = AMF0; echo it in _result (§6.5)
    bool fpad = false;
    double capabilities = 0, audio_codecs = 0, video_codecs = 0, video_function = 0;
    std::uint32_t unknown_members = 0;
    wire::bytes extra_args{};  // arguments after the command object, undecoded
};

// The command object must be an object (or ECMA array); anything else is bad_amf.
[[nodiscard]] wire::result<connect_command> read_connect(command_view c) noexcept;

// RFC 7425 §5.3.3: zero or more "IPv4:port" / "[IPv6]:port" strings.
inline constexpr std::size_t max_peer_info_addresses = 16;

struct set_peer_info_command {
    double transaction_id = 0;
    wire::socket_address addresses[max_peer_info_addresses]{};
    std::size_t address_count = 0;
    std::uint32_t malformed = 0;        // non-strings and unparsable strings, skipped
    std::uint32_t over_capacity = 0;    // valid addresses beyond the array
};

// Filtering of loopback/link-local/etc. is policy and left to the caller
// (socket_address::is_unusable_candidate).
[[nodiscard]] wire::result<set_peer_info_command> read_set_peer_info(command_view c) noexcept;

// createStream: transaction ID and optional null (errata #9).
struct create_stream_command {
    double transaction_id = 0;
};
[[nodiscard]] wire::result<create_stream_command> read_create_stream(command_view c) noexcept;

// deleteStream: transaction ID, optional null, stream ID (a number).
struct delete_stream_command {
    double transaction_id = 0;
    double stream_id = 0;
};
[[nodiscard]] wire::result<delete_stream_command> read_delete_stream(command_view c) noexcept;

// play / publish: transaction ID, optional null, stream name (a string), and
// for publish the optional publishing type ("live", "record", "append").
struct stream_name_command {
    double transaction_id = 0;
    std::string_view name{};
    std::string_view publish_type{};
};
[[nodiscard]] wire::result<stream_name_command> read_play(command_view c) noexcept;
[[nodiscard]] wire::result<stream_name_command> read_publish(command_view c) noexcept;

// relay (rtmfp-cpp tcserver): transaction ID (0: no answer expected),
// optional null, the target's connection ID as a string, then any AMF0
// values, relayed verbatim. An RTMFP client's connection ID is its peer ID
// (RFC 7425 §4.3.2) in hex: 64 digits, either case. A target that is not a
// string is bad_amf, one that is not 64 hex digits relay_bad_target; the
// arguments must be whole AMF0 values (bad_amf otherwise) and at most
// max_relay_args bytes (relay_too_large), so that the onRelay built from
// them fits one handoff buffer and is well formed for its receiver.
inline constexpr std::size_t relay_peer_id_size = 32;
inline constexpr std::size_t max_relay_args = 1200;
using relay_peer_id = std::array<std::uint8_t, relay_peer_id_size>;

struct relay_command {
    double transaction_id = 0;
    relay_peer_id target{};
    wire::bytes args{};
};
[[nodiscard]] wire::result<relay_command> read_relay(command_view c) noexcept;

// 64 hex digits (either case) -> 32 bytes; false for anything else.
bool parse_peer_id_hex(std::string_view text, relay_peer_id& out) noexcept;

} // namespace strato::flash
