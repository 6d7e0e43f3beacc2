#pragma once
// Address mobility check (RFC 7016 §3.5.4.2; protocol reference §5.1): a
// Ping to the new address whose message the peer must echo (P7) and which
// only we can have made: marker | timestamp | keyed hash over marker,
// timestamp, session ID and the address it was sent to.
#include <cstdint>

#include "crypto/sha.hpp"
#include "dataplane/session/config.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::session {

inline constexpr std::uint8_t mobility_marker = 'M';
inline constexpr std::size_t mobility_tag_size = 16;
inline constexpr std::size_t mobility_message_size = 1 + 8 + mobility_tag_size;

// Writes the Ping message for a check of `to` at `now` into out.
void make_mobility_check(const crypto::hmac_key& secret, std::uint32_t session_id, const wire::socket_address& to,
                         time_us now, std::uint8_t (&out)[mobility_message_size]) noexcept;

// Is `echo` (a Ping Reply message from `from`) one of our checks for this
// session and address, made at most 120 s ago and after `newer_than`?
// Returns its timestamp through ts.
[[nodiscard]] bool verify_mobility_reply(const crypto::hmac_key& secret, std::uint32_t session_id,
                                         const wire::socket_address& from, wire::bytes echo, time_us now,
                                         time_us newer_than, time_us& ts) noexcept;

} // namespace strato::session
