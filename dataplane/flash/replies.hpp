#pragma once
// The server's answers to commands (RFC 7425 §5.3.2; protocol reference
// §6.5-6.8). Every writer emits a whole RTMP message: type 20 (AMF0
// command), timestamp 0, then name, transaction ID, null command object and
// the info object. The server emits only AMF0 (§6.4).
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/flash/amf0_writer.hpp"

namespace strato::flash {

// Status codes and levels used in info objects (RFC 7425 §5.3.2; Flash
// NetStatusEvent codes).
namespace status {
inline constexpr std::string_view level_status = "status";
inline constexpr std::string_view level_error = "error";
inline constexpr std::string_view connect_success = "NetConnection.Connect.Success";
inline constexpr std::string_view connect_rejected = "NetConnection.Connect.Rejected";
inline constexpr std::string_view connect_invalid_app = "NetConnection.Connect.InvalidApp";
inline constexpr std::string_view connect_failed = "NetConnection.Connect.Failed";
inline constexpr std::string_view call_failed = "NetConnection.Call.Failed";
inline constexpr std::string_view play_failed = "NetStream.Play.Failed";
inline constexpr std::string_view publish_bad_name = "NetStream.Publish.BadName";
} // namespace status

struct connect_result_params {
    double transaction_id = 1;  // echo the client's, whatever it is (§6.5)
    std::string_view description = "Connection succeeded.";
    double object_encoding = 3;  // echo the client's value (§6.5 policy)
    std::span<const amf0_member> extra{};  // written after objectEncoding
};

// "_result", tx, null, {level: "status", code: "NetConnection.Connect.Success",
// description, objectEncoding, extra...}. With the defaults and tx 1 this is
// KAT-7 (145 bytes); with tx 0 and "Connection succeeded" MonaServer2's 144.
void write_connect_result(wire::writer& w, const connect_result_params& p) noexcept;

// "_error", tx, null, {level: "error", code, description}: connect
// rejection (Rejected, InvalidApp, Failed) or a failed call (Call.Failed).
void write_error(wire::writer& w, double transaction_id, std::string_view code,
                 std::string_view description) noexcept;

// "_result", tx, null, streamID (RFC 7425 §5.3.2 createStream; errata #9:
// answer even for transaction 0).
void write_create_stream_result(wire::writer& w, double transaction_id, double stream_id) noexcept;

// "onStatus", 0, null, {level, code, description, [details], extra...}
// (sent on the stream's return flow; transaction ID 0 as both reference
// servers do).
struct on_status_params {
    std::string_view level = status::level_status;
    std::string_view code{};
    std::string_view description{};
    std::string_view details{};  // written as "details" when not empty
    std::span<const amf0_member> extra{};
};
void write_on_status(wire::writer& w, const on_status_params& p) noexcept;

// A failed call in tcserver's form: "_error", tx, null, {level "error",
// code NetConnection.Call.Failed, description} when the caller gave a
// transaction ID, else "onStatus", 0, null, {same}.
void write_call_failed(wire::writer& w, double transaction_id, std::string_view description) noexcept;

// tcserver's acknowledgement of a transactional call that has no value:
// "_result", tx, null, undefined.
void write_call_acknowledged(wire::writer& w, double transaction_id) noexcept;

// "onRelay", 0, null, {sender: "<64 lower-case hex digits>"}, args (AMF0
// values copied as given), as tcserver delivers a relayed message.
void write_on_relay(wire::writer& w, std::span<const std::uint8_t, 32> sender, wire::bytes args) noexcept;

} // namespace strato::flash
