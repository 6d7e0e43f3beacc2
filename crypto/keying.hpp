#pragma once
// Session key components SKIC/SKRC (RFC 7425 §4.5), HMAC and session
// sequence number negotiation (§4.5.2.4-5, §4.6.4, §4.6.6; protocol
// reference §1.5) and the server's SKRC in the legacy layout (§3.6).
#include <cstddef>
#include <cstdint>

#include "crypto/dh.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::crypto {

// RFC 7425 §4.5.2 keying component option types.
inline constexpr std::uint64_t kc_ephemeral_public_key = 0x0d;
inline constexpr std::uint64_t kc_extra_randomness = 0x0e;
inline constexpr std::uint64_t kc_hmac_negotiation = 0x1a;
inline constexpr std::uint64_t kc_dh_group_select = 0x1d;
inline constexpr std::uint64_t kc_sseq_negotiation = 0x1e;

// Negotiation flags (RFC 7425 §4.5.2.4-5); bits 7..3 reserved.
inline constexpr std::uint8_t neg_snd = 0x04;  // will always send
inline constexpr std::uint8_t neg_sor = 0x02;  // will send on request
inline constexpr std::uint8_t neg_req = 0x01;  // requests the other end to send

inline constexpr std::uint8_t min_hmac_length = 4;
inline constexpr std::uint8_t max_hmac_length = 32;
// What we advertise when a client REQuests an HMAC from us (rtmfp-cpp's length).
inline constexpr std::uint8_t server_hmac_length = 16;

struct negotiation {
    bool present = false;
    std::uint8_t flags = 0;
    std::uint8_t hmac_length = 0;  // HMAC only
    bool will_send(const negotiation& other) const noexcept {
        return (flags & neg_snd) || ((flags & neg_sor) && (other.flags & neg_req));
    }
};

struct keying_component {
    bool has_ephemeral_key = false;
    std::uint64_t ephemeral_group = 0;
    bytes ephemeral_key;
    bool has_group_select = false;
    std::uint64_t group_select = 0;
    bytes extra_randomness;
    negotiation hmac;
    negotiation sseq;
};

// Walks the options filling the component (first occurrence of each type
// wins; unknown types ignored). bad_keying_component for a malformed option,
// an empty public key, or an HMAC length outside 4..32 when SND or SOR is
// set / non-zero when both are clear.
wire::result<keying_component> parse_keying_component(bytes component) noexcept;

// What each direction carries, from this end's point of view.
struct session_features {
    bool send_hmac = false;
    std::uint8_t send_hmac_length = 0;  // the length WE advertised
    bool recv_hmac = false;
    std::uint8_t recv_hmac_length = 0;  // the length the PEER advertised
    bool send_sseq = false;
    bool recv_sseq = false;
};

// §1.5 resolution: I send iff my SND, or my SOR and the peer's REQ; the
// peer sends iff its SND, or its SOR and my REQ. Fails
// (bad_keying_component) when I REQuest something the peer can never send.
wire::result<session_features> resolve_features(const keying_component& near_end,
                                                const keying_component& far_end) noexcept;

// The negotiation the server answers a client with (protocol reference P6):
// flags 0 (the legacy `03 1a 00 00` / `02 1e 00` that librtmfp insists on)
// unless the client REQuests, in which case SOR (+ length 16 for HMAC).
negotiation server_hmac_answer(const negotiation& client) noexcept;
negotiation server_sseq_answer(const negotiation& client) noexcept;

// Server SKRC in the exact Cumulus/Mona layout librtmfp requires (§3.6):
//   03 1a <f> <len> | 02 1e <f> | <VLU len> 0d <group> <public key, prime length>
// e.g. `03 1a 00 00 02 1e 00 81 02 0d 02 <128>` for group 2. Also returns
// the component as a parsed struct for resolve_features().
[[nodiscard]] bool write_server_skrc(wire::writer& w, const dh_keypair& server, const keying_component& client,
                                     keying_component* near_out = nullptr) noexcept;

} // namespace strato::crypto
