#pragma once
// Sealing and opening RTMFP datagrams in the Flash profile (RFC 7425 §4.7,
// RFC 7016 §2.2.2; protocol reference §1.3-1.5):
//   datagram = scrambled session ID (4) | AES-128-CBC(plaintext) | [HMAC]
// The plaintext (SSEQ, checksum, packet, 0xFF padding) is built by
// wire::packet_builder and checked by wire::open_plaintext; this layer only
// adds the cryptography. Per-packet path: no allocation, no exceptions.
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/aes.hpp"
#include "crypto/sha.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::crypto {

struct seal_params {
    const aes_key* key = nullptr;     // default key or the session ENCRYPT key
    const hmac_key* hmac = nullptr;   // HMAC_SEND_KEY when we send HMACs (else checksum mode)
    std::size_t hmac_length = 0;      // the length we advertised (4..32)
};

struct open_params {
    const aes_key* key = nullptr;     // default key or the session DECRYPT key
    const hmac_key* hmac = nullptr;   // HMAC_RECV_KEY when the peer sends HMACs
    std::size_t hmac_length = 0;      // the length the peer advertised
    bool sseq = false;                // the peer sends session sequence numbers
};

// buffer[0, length) holds 4 SSID bytes and a plaintext whose size is a
// multiple of 16 (packet_builder::finish() output); buffer must have room for
// the HMAC after it. Encrypts in place, appends the HMAC, scrambles the SSID
// with session_id. Returns the datagram length.
wire::result<std::size_t> seal(mutable_bytes buffer, std::size_t length, std::uint32_t session_id,
                               const seal_params& p) noexcept;
// Same, for a finished packet_builder (its buffer supplies the HMAC room).
wire::result<std::size_t> seal(wire::packet_builder& b, std::uint32_t session_id, const seal_params& p) noexcept;

// Checks lengths, verifies the HMAC first (if any), decrypts into out
// (out.size() >= datagram.size() - 4 - hmac; out may alias datagram+4), then
// opens the plaintext (SSEQ, checksum). Views point into out.
wire::result<wire::plaintext_view> open(bytes datagram, mutable_bytes out, const open_params& p) noexcept;
// Decrypts in place (the ciphertext after the SSID is overwritten).
wire::result<wire::plaintext_view> open_in_place(mutable_bytes datagram, const open_params& p) noexcept;

// Bursts: one call for N packets, keys may differ per packet. Each job gets
// its own status; one bad packet never fails the others.
struct seal_job {
    std::uint8_t* buffer = nullptr;
    std::size_t capacity = 0;
    std::size_t length = 0;         // in: SSID + plaintext; out: datagram length
    std::uint32_t session_id = 0;
    seal_params params;
    wire::drop_reason status = wire::drop_reason::none;
};
void seal_burst(std::span<seal_job> jobs) noexcept;

struct open_job {
    const std::uint8_t* datagram = nullptr;
    std::size_t length = 0;
    std::uint8_t* out = nullptr;    // room for length - 4 bytes; may be datagram + 4
    open_params params;
    wire::plaintext_view plain;     // valid when status == none
    wire::drop_reason status = wire::drop_reason::none;
};
void open_burst(std::span<open_job> jobs) noexcept;

} // namespace strato::crypto
