#include "dataplane/engine/keying.hpp"

#include <cstring>

#include "crypto/certificate.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::engine {

using wire::drop_reason;

namespace {
std::uint64_t fnv1a(wire::bytes b) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (auto x : b) h = (h ^ x) * 0x100000001b3ull;
    return h;
}
} // namespace

drop_reason prepare_keying(const wire::iikeying& k, const wire::socket_address& from, const keying_policy& policy,
                           keying_request& out) noexcept {
    auto cert = crypto::parse_certificate(k.certificate);
    if (!cert.ok()) return drop_reason::bad_certificate;
    auto skic = crypto::parse_keying_component(k.skic);
    if (!skic.ok()) return drop_reason::bad_keying_component;
    if (k.skic.size() > max_skic_size) return drop_reason::bad_keying_component;

    // RFC 7425 §4.6.1: a static-key initiator (Flash) selects the group in
    // its SKIC and its key is the certificate's; an ephemeral one sends its
    // key in the SKIC and the key's group is the group.
    std::uint64_t group_id = 0;
    wire::bytes client_key;
    if (cert->is_static()) {
        if (!skic->has_group_select) return drop_reason::bad_keying_component;
        group_id = skic->group_select;
        const auto* sk = cert->static_key_for(group_id);
        if (!sk) return drop_reason::unsupported_dh_group;
        client_key = sk->public_key;
    } else {
        if (!skic->has_ephemeral_key) return drop_reason::bad_keying_component;
        group_id = skic->ephemeral_group;
        client_key = skic->ephemeral_key;
    }
    crypto::dh_group group;
    if (group_id >= 64 || !((policy.advertised_groups >> group_id) & 1u) || !crypto::dh_group_from_id(group_id, group))
        return drop_reason::unsupported_dh_group;
    // §4.6.2: 2^24 <= key <= p - 2^24 with enough one and zero bits.
    if (client_key.size() > crypto::dh_max_prime_bytes || !crypto::dh_public_key_valid(group, client_key))
        return drop_reason::bad_public_key;
    // §1.5 of the protocol reference: a client that can never send what we
    // require is refused here rather than with a session that fails later.
    const bool client_can_hmac = skic->hmac.flags & (crypto::neg_snd | crypto::neg_sor);
    const bool client_can_sseq = skic->sseq.flags & (crypto::neg_snd | crypto::neg_sor);
    if ((policy.require_hmac && !client_can_hmac) || (policy.require_sseq && !client_can_sseq))
        return drop_reason::bad_keying_component;

    out.from = from;
    out.initiator_session_id = k.initiator_session_id;
    out.group = group;
    out.client_key_size = static_cast<std::uint16_t>(client_key.size());
    std::memcpy(out.client_key.data(), client_key.data(), client_key.size());
    out.skic_size = static_cast<std::uint16_t>(k.skic.size());
    std::memcpy(out.skic.data(), k.skic.data(), k.skic.size());
    out.peer_id = cert->peer_id;
    out.certificate_digest = crypto::sha256(k.certificate);
    out.skic_hash = fnv1a(k.skic);
    return drop_reason::none;
}

void complete_keying(const keying_request& request, const crypto::dh_keypair& server, keying_result& out) noexcept {
    out.status = drop_reason::none;
    if (server.group != request.group) {
        out.status = drop_reason::unsupported_dh_group;
        return;
    }
    std::array<std::uint8_t, crypto::dh_max_prime_bytes> secret{};
    std::size_t secret_size = 0;
    if (crypto::dh_shared_secret(server, request.client_public_key(), secret, secret_size) != crypto::dh_error::ok) {
        out.status = drop_reason::bad_public_key;
        return;
    }
    auto client = crypto::parse_keying_component(request.skic_bytes());
    if (!client.ok()) {
        out.status = drop_reason::bad_keying_component;
        return;
    }
    wire::writer w(out.skrc);
    crypto::keying_component near_end;
    if (!crypto::write_server_skrc(w, server, *client, &near_end) || !w.ok()) {
        out.status = drop_reason::bad_keying_component;
        return;
    }
    out.skrc_size = static_cast<std::uint16_t>(w.size());
    auto features = crypto::resolve_features(near_end, *client);
    if (!features.ok()) {
        out.status = features.error();
        return;
    }
    out.features = *features;
    out.keys = crypto::derive_session_keys(wire::bytes{secret.data(), secret_size}, out.skrc_bytes(),
                                           request.skic_bytes());
}

std::size_t write_rikeying_packet(wire::mutable_bytes datagram, std::uint32_t responder_session_id, wire::bytes skrc,
                                  std::uint16_t now_ticks) noexcept {
    static constexpr std::uint8_t signature[] = {0x58};  // "X": librtmfp requires exactly this (P5)
    wire::packet_builder b(datagram, wire::startup_flags, now_ticks, std::nullopt);
    wire::write_rikeying(b.body(), wire::rikeying{responder_session_id, skrc, wire::bytes{signature, 1}});
    if (!b.finish()) return 0;
    return b.datagram().size();
}

} // namespace strato::engine
