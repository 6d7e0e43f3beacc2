#pragma once
// IIKeying → RIKeying (RFC 7016 §3.5.1.2-3, RFC 7425 §4.3-4.6), split so that
// the expensive Diffie-Hellman never runs in a worker's poll loop:
//  1. prepare_keying (worker, cheap): parse certificate and SKIC, choose the
//     group and the client's public key, validate it, apply the HMAC/SSEQ
//     policy, copy everything into a self-contained request;
//  2. complete_keying (DH service thread): shared secret with a server key
//     pair generated ahead of time, SKRC, session keys;
//  3. write_rikeying_packet (worker): the RIKeying plaintext, sealed with the
//     default key and scrambled with the initiator's session ID.
#include <array>
#include <cstdint>

#include "crypto/dh.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/keying.hpp"
#include "crypto/sha.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/chunks.hpp"

namespace strato::engine {

// An SKIC holds at most an ephemeral key of the largest group plus a few
// small options; rtmfp-cpp and librtmfp send 76 bytes.
inline constexpr std::size_t max_skic_size = crypto::dh_max_prime_bytes + 256;
// SKRC: negotiation options + VLU length + 0d + group + public key.
inline constexpr std::size_t max_skrc_size = crypto::dh_max_prime_bytes + 32;

struct keying_policy {
    std::uint64_t advertised_groups = 0;  // bit n: group n is in our certificate
    bool require_hmac = false;            // refuse clients that can never send HMACs
    bool require_sseq = false;
};

struct keying_request {
    wire::socket_address from;
    std::uint32_t initiator_session_id = 0;
    crypto::dh_group group = crypto::dh_group::modp1024;
    std::uint16_t client_key_size = 0;
    std::uint16_t skic_size = 0;
    std::uint16_t port_index = 0;
    crypto::digest peer_id{};             // fingerprint of the client certificate (RFC 7425 §4.3.2)
    crypto::digest certificate_digest{};  // SHA-256 of the whole certificate: "overrides" check (§4.3.7)
    std::uint64_t skic_hash = 0;          // coalesces retransmitted IIKeyings
    std::uint64_t received_tsc = 0;
    std::array<std::uint8_t, crypto::dh_max_prime_bytes> client_key{};
    std::array<std::uint8_t, max_skic_size> skic{};

    wire::bytes client_public_key() const noexcept { return {client_key.data(), client_key_size}; }
    wire::bytes skic_bytes() const noexcept { return {skic.data(), skic_size}; }
};

// Cheap checks in the RFC's order; on success `out` holds copies of every
// byte it needs (the packet buffer may be reused). Reasons: bad_certificate,
// bad_keying_component, unsupported_dh_group, bad_public_key.
wire::drop_reason prepare_keying(const wire::iikeying& k, const wire::socket_address& from,
                                 const keying_policy& policy, keying_request& out) noexcept;

struct keying_result {
    wire::drop_reason status = wire::drop_reason::none;
    std::uint16_t skrc_size = 0;
    std::array<std::uint8_t, max_skrc_size> skrc{};
    crypto::session_keys keys;
    crypto::session_features features;

    wire::bytes skrc_bytes() const noexcept { return {skrc.data(), skrc_size}; }
};

// The expensive half: DH shared secret (no leading zeros, §4.6.2), SKRC in
// the legacy layout (per-client HMAC/SSEQ answer, P6), key derivation with
// SKNC = SKRC and SKFC = SKIC (§4.6.3). `server` must be of request.group.
void complete_keying(const keying_request& request, const crypto::dh_keypair& server, keying_result& out) noexcept;

// RIKeying (RFC 7016 §2.3.8) with signature 58, in a startup packet (flags
// 0x0b) built into `datagram`; returns its size (SSID included) or 0.
std::size_t write_rikeying_packet(wire::mutable_bytes datagram, std::uint32_t responder_session_id,
                                  wire::bytes skrc, std::uint16_t now_ticks) noexcept;

} // namespace strato::engine
