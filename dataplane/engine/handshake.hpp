#pragma once
// The stateless startup responder (RFC 7016 §3.5.1, RFC 7425 §4): answers an
// IHello that selects this server with an RHello (cookie + certificate), and
// an IIKeying whose cookie was made for another address with an RHello Cookie
// Change. Nothing is remembered per IHello: the cookie carries it all.
// I/O-free and allocation-free; the worker feeds it decrypted plaintexts and
// seals what it builds in bursts.
#include <cstdint>
#include <span>

#include "crypto/certificate.hpp"
#include "crypto/cookie.hpp"
#include "dataplane/engine/counters.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::engine {

// Largest tag we echo. RFC 7016 sets no limit; Flash-style clients send 16
// bytes and rtmfp-cpp 16 as well. Longer tags would only grow the reflection
// ratio, so they are refused.
inline constexpr std::size_t max_tag_size = 64;
// An RHello with a 16-byte tag, 64-byte cookie and 77-byte certificate is a
// 180-byte datagram (protocol reference §3.3). With the largest tag we accept
// and a certificate listing all five groups it stays under this bound, which
// the tests enforce.
inline constexpr std::size_t max_rhello_datagram = 4 + 16 * 15;

struct handshake_context {
    const crypto::server_certificate* certificate = nullptr;
    const crypto::cookie_jar* cookies = nullptr;
};

enum class startup_action : std::uint8_t {
    none,            // nothing to send (dropped or counted)
    reply,           // reply plaintext built; seal with the default key
    introduction,    // IHello names a peer ID: for the introduction stage
    keying,          // IIKeying with a good cookie: for the session stage
};

struct startup_outcome {
    startup_action action = startup_action::none;
    wire::drop_reason reason = wire::drop_reason::none;
    std::uint32_t reply_session_id = 0;  // scramble the reply's SSID with this
    std::size_t reply_size = 0;          // bytes of the reply datagram (SSID included)
};

// Handles one startup packet (session ID 0, default key already removed and
// checksum verified). `packet` starts at the flags byte. The reply is built
// into `reply` (4 SSID bytes, checksum, packet, 0xFF padding) ready to be
// encrypted from offset 4. `reply` must not overlap `packet`.
startup_outcome handle_startup_packet(const handshake_context& ctx, wire::bytes packet,
                                      const wire::socket_address& from, std::uint32_t now_seconds,
                                      std::uint16_t now_ticks, wire::mutable_bytes reply,
                                      lcore_counters& counters) noexcept;

// One startup packet of a burst: `packet`, `from` and `reply` as for
// handle_startup_packet; `outcome` is written.
struct startup_item {
    wire::bytes packet;
    const wire::socket_address* from = nullptr;
    wire::mutable_bytes reply;
    startup_outcome outcome;
};

// handle_startup_packet for a whole RX burst, in phases so the crypto runs
// in bursts: parse and decide every packet; check every IIKeying cookie in
// one verify burst; make every cookie (RHello and Cookie Change) in one make
// burst (one random refill); build every reply. Outcomes and counters are
// those of handle_startup_packet on each item. No allocation.
void handle_startup_burst(const handshake_context& ctx, std::span<startup_item> items, std::uint32_t now_seconds,
                          std::uint16_t now_ticks, lcore_counters& counters) noexcept;

// RFC 7425 §4.4.3: does this EPD select our certificate? A Fingerprint option
// alone decides; otherwise Ancillary Data selects a certificate that accepts
// it. Required Hostname never matches (our certificate names no host).
enum class epd_match : std::uint8_t { ours, peer_id, not_ours, malformed };
epd_match match_epd(wire::bytes epd, const crypto::server_certificate& cert) noexcept;

} // namespace strato::engine
