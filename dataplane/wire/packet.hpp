#pragma once
// RTMFP datagram framing (RFC 7016 §2.2, RFC 7425 §4.7):
//   datagram  = scrambled session ID (4) | ciphertext (16*n) | [HMAC]
//   plaintext = [session sequence number VLU] | [checksum u16] | packet | 0xFF padding
//   packet    = flags | [timestamp u16] | [timestamp echo u16] | chunk*
// This file is crypto-free: it builds and checks plaintexts; crypto/ encrypts.
#include <cstdint>
#include <optional>

#include "dataplane/wire/bytes.hpp"

namespace strato::wire {

// RFC 7016 §2.2.4 header flag bits.
inline constexpr std::uint8_t flag_time_critical = 0x80;
inline constexpr std::uint8_t flag_time_critical_reverse = 0x40;
inline constexpr std::uint8_t flag_timestamp = 0x08;
inline constexpr std::uint8_t flag_timestamp_echo = 0x04;
inline constexpr std::uint8_t mode_mask = 0x03;

enum class packet_mode : std::uint8_t { forbidden = 0, initiator = 1, responder = 2, startup = 3 };

// Startup packets carry exactly TS + startup mode: legacy peers (Cumulus,
// Mona, librtmfp) reject any other flags byte (protocol reference P4).
inline constexpr std::uint8_t startup_flags = flag_timestamp | 0x03;  // 0x0b

inline constexpr std::size_t session_id_size = 4;
inline constexpr std::size_t cipher_block = 16;
// RFC 7016 §2.2.2: an encrypted packet shorter than 16 bytes cannot exist in
// the Flash profile, so a datagram must be at least 4 + 16.
inline constexpr std::size_t min_datagram = session_id_size + cipher_block;
// Largest plain packet we send: UDP payload <= 1232 for IPv6 minimum MTU.
inline constexpr std::size_t max_plain_packet = 1200;
// Largest datagram we accept (rtmfp-cpp decrypts up to 8 KiB).
inline constexpr std::size_t max_datagram = 8192;

// RFC 7425 §4.7.3.1: ones'-complement sum of big-endian 16-bit words; an odd
// last byte is the low byte of a word whose high byte is zero.
std::uint16_t checksum(bytes b) noexcept;

// RFC 7016 §2.2.2: session ID = SSID ^ W0 ^ W1 of the ciphertext.
std::uint32_t session_id_of(bytes datagram) noexcept;
// Writes the scrambled session ID into the first 4 bytes of an encrypted datagram.
void scramble_session_id(mutable_bytes datagram, std::uint32_t session_id) noexcept;

struct packet_header {
    std::uint8_t flags = 0;
    std::optional<std::uint16_t> timestamp;
    std::optional<std::uint16_t> timestamp_echo;
    packet_mode mode() const noexcept { return static_cast<packet_mode>(flags & mode_mask); }
};

struct packet_view {
    packet_header header;
    bytes chunks;  // chunk area including trailing padding
};

// Parses the plain packet (after SSEQ and checksum fields).
result<packet_view> parse_packet(bytes plain) noexcept;

struct chunk_view {
    std::uint8_t type = 0;
    bytes value;
};

// RFC 7016 §2.2.4/§2.3: while 3 bytes remain read type|length; a length past
// the end means the rest is padding. Type 0x00 and 0xFF chunks are padding.
class chunk_reader {
public:
    explicit chunk_reader(bytes chunks) noexcept : in_(chunks) {}
    [[nodiscard]] bool next(chunk_view& out) noexcept;
    // After next() returned false: bad_padding when the trailing bytes were
    // not 0xFF filler (a length overrun or junk), none otherwise.
    drop_reason error() const noexcept { return error_; }

private:
    reader in_;
    drop_reason error_ = drop_reason::none;
};

struct plaintext_view {
    std::optional<std::uint64_t> session_sequence_number;
    bytes packet;  // from the flags byte to the end, padding included
};

// Splits a decrypted plaintext. With checksum_mode the 16-bit checksum is
// verified over everything after it (RFC 7425 §4.7.3.1).
result<plaintext_view> open_plaintext(bytes plaintext, bool has_sseq, bool checksum_mode) noexcept;

// Builds a datagram in place: 4 bytes for the SSID, [SSEQ], [checksum],
// header, chunks; finish() pads with 0xFF to the cipher block and fills the
// checksum. The caller then encrypts plaintext() and scrambles the SSID.
class packet_builder {
public:
    packet_builder(mutable_bytes datagram, std::uint8_t flags, std::optional<std::uint16_t> timestamp,
                   std::optional<std::uint16_t> timestamp_echo, bool checksum_mode = true,
                   std::optional<std::uint64_t> sseq = std::nullopt) noexcept;
    writer& body() noexcept { return w_; }
    // Room left for chunks while staying within max_plain_packet.
    std::size_t room() const noexcept;
    // Returns false if the buffer overflowed at any point.
    [[nodiscard]] bool finish() noexcept;
    mutable_bytes plaintext() const noexcept { return w_.buffer().subspan(session_id_size, w_.size() - session_id_size); }
    mutable_bytes datagram() const noexcept { return w_.buffer().first(w_.size()); }

private:
    writer w_;
    std::size_t checksum_at_ = 0;
    std::size_t packet_at_ = 0;
    bool checksum_mode_;
};

} // namespace strato::wire
