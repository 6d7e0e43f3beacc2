#pragma once
// The initiator's half of RTMFP keying (RFC 7016 §3.5.1.2-3, RFC 7425 §4.3-4.6):
// our certificate and SKIC, the IIKeying datagram, the startup replies
// (RIKeying, RHello Cookie Change) under the default key, the SKRC checks
// and the session keys. I/O-free so the unit tests check it against KAT-4.
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/dh.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/keying.hpp"
#include "crypto/sha.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::peer {

enum class certificate_form : std::uint8_t {
    static_key,  // Flash/librtmfp: `<len> 1d <group> <public key>`, peer ID = SHA-256 of it
    ephemeral,   // rtmfp-cpp style: `02 15 <group>` options, the key travels in the SKIC's 0x0d
};

struct keying_choice {
    crypto::dh_group group = crypto::dh_group::modp1024;
    certificate_form form = certificate_form::static_key;
    // false: SOR only (`03 1a 02 0a`, `02 1e 02`, what librtmfp offers);
    // true: SND+SOR+REQ (`03 1a 07 10`, `02 1e 07`, rtmfp-cpp's defaults).
    bool require_hmac = false;
    bool require_sseq = false;
};

inline constexpr std::size_t extra_randomness_size = 64;
inline constexpr std::uint8_t signature_byte = 0x58;  // "X": no password scheme (RFC 7425 §4.3.5)
inline constexpr std::uint8_t flash_hmac_length = 10;   // librtmfp's SOR length
inline constexpr std::uint8_t strict_hmac_length = 16;  // rtmfp-cpp's length

// One NetConnection's identity (RFC 7425 §5.3 asks for a fresh certificate
// per NetConnection, so the peer ID changes on every connect).
struct initiator_identity {
    crypto::dh_keypair dh;
    keying_choice choice;
    std::vector<std::uint8_t> certificate;
    std::vector<std::uint8_t> skic;
    crypto::digest peer_id{};
};

// Builds certificate and SKIC around a given key pair. skic_randomness is the
// SKIC's Extra Randomness (64 bytes); cert_randomness (64 bytes) makes an
// ephemeral certificate, and so the peer ID, unique (unused for static).
[[nodiscard]] bool make_identity(const keying_choice& c, const crypto::dh_keypair& dh, wire::bytes skic_randomness,
                                 wire::bytes cert_randomness, initiator_identity& out);
// Fresh key pair and randomness. Empty string on success, else why not.
std::string generate_identity(const keying_choice& c, initiator_identity& out);

// A whole IIKeying datagram (startup flags 0x0b, session ID 0, default key);
// empty if it does not fit one packet.
std::vector<std::uint8_t> build_iikeying(std::uint32_t initiator_session_id, wire::bytes cookie,
                                         const initiator_identity& id, std::uint16_t timestamp);

// A startup reply addressed to our new session: default key, SSID scrambled
// with our ISID (RFC 7016 §2.2.3), flags 0x0b, one startup chunk.
struct startup_reply {
    std::uint8_t chunk_type = 0;
    std::vector<std::uint8_t> value;
};
// Empty string on success, else the failed check.
std::string open_startup_reply(wire::bytes datagram, std::uint32_t expected_session_id, startup_reply& out);

// What RIKeying gave us.
struct initiator_keys {
    std::uint32_t responder_session_id = 0;
    crypto::keying_component skrc_parsed;  // views into `skrc`
    std::vector<std::uint8_t> skrc;
    crypto::session_keys keys;              // SKNC = our SKIC, SKFC = the SKRC
    crypto::session_features features;
    std::size_t dh_secret_size = 0;
};

// SKRC layout the server promises (protocol reference §3.6): `03 1a <f> <len>`,
// `02 1e <f>`, then `<VLU> 0d <our group> <public key of the prime length>`.
// Empty string on success, else "check: detail".
std::string check_skrc(wire::bytes skrc, crypto::dh_group group, crypto::keying_component& out);

// RIKeying value (RFC 7016 §2.3.8) -> checks, DH, negotiation (§1.5) and keys.
std::string complete_initiator_keying(const initiator_identity& id, wire::bytes rikeying_value, initiator_keys& out);

// The session engine's key material for this end (mode 1).
[[nodiscard]] bool engine_keys(const initiator_keys& k, session::session_keys& out);

// "hmac=send/10 recv/16 sseq=send recv" style text for reports.
std::string describe_features(const crypto::session_features& f);
std::string describe_negotiation(const crypto::negotiation& n, bool hmac);

} // namespace strato::peer
