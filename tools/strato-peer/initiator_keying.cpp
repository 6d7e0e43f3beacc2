#include "tools/strato-peer/initiator_keying.hpp"

#include <array>
#include <cstdio>

#include "crypto/certificate.hpp"
#include "crypto/datagram.hpp"
#include "crypto/random.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::peer {

namespace {

// RFC 7016 §2.1.3: option = VLU length | VLU type | value.
void put_option(wire::writer& w, std::uint64_t type, wire::bytes value) {
    w.vlu(wire::vlu_size(type) + value.size());
    w.vlu(type);
    w.put(value);
}

// A VLU group ID followed by a key, as one option value.
void put_key_option(wire::writer& w, std::uint64_t type, std::uint64_t group, wire::bytes key) {
    w.vlu(wire::vlu_size(type) + wire::vlu_size(group) + key.size());
    w.vlu(type);
    w.vlu(group);
    w.put(key);
}

void put_negotiation(wire::writer& w, const keying_choice& c) {
    // RFC 7425 §4.5.2.4: flags, then VLU hmacLength.
    const std::uint8_t hflags = c.require_hmac ? (crypto::neg_snd | crypto::neg_sor | crypto::neg_req) : crypto::neg_sor;
    const std::uint8_t hlen = c.require_hmac ? strict_hmac_length : flash_hmac_length;
    const std::uint8_t hmac[2] = {hflags, hlen};
    put_option(w, crypto::kc_hmac_negotiation, {hmac, 2});
    // RFC 7425 §4.5.2.5: flags only.
    const std::uint8_t sflags = c.require_sseq ? (crypto::neg_snd | crypto::neg_sor | crypto::neg_req) : crypto::neg_sor;
    put_option(w, crypto::kc_sseq_negotiation, {&sflags, 1});
}

std::string hex_of(wire::bytes b, std::size_t max = 16) {
    std::string s;
    char buf[4];
    for (std::size_t i = 0; i < b.size() && i < max; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", b[i]);
        s += buf;
    }
    if (b.size() > max) s += "...";
    return s;
}

} // namespace

bool make_identity(const keying_choice& c, const crypto::dh_keypair& dh, wire::bytes skic_randomness,
                   wire::bytes cert_randomness, initiator_identity& out) {
    if (dh.group != c.group || skic_randomness.size() != extra_randomness_size) return false;
    out.dh = dh;
    out.choice = c;
    const auto group_id = static_cast<std::uint64_t>(c.group);
    std::vector<std::uint8_t> buf(2 * crypto::dh_max_prime_bytes + 256);

    wire::writer cw(buf);
    if (c.form == certificate_form::static_key) {
        // RFC 7425 §4.3.3.5: Static DH Public Key; Flash writes nothing else,
        // so the whole field is the canonical section (reference §3.8).
        put_key_option(cw, crypto::cert_static_key, group_id, dh.public_key());
    } else {
        if (cert_randomness.size() != extra_randomness_size) return false;
        // Extra Randomness first so every NetConnection gets its own peer ID
        // even though the key is not in the certificate (RFC 7425 §4.3.3.3).
        put_option(cw, crypto::cert_extra_randomness, cert_randomness);
        const std::uint8_t g = static_cast<std::uint8_t>(group_id);
        put_option(cw, crypto::cert_ephemeral_group, {&g, 1});
    }
    if (!cw.ok()) return false;
    out.certificate.assign(buf.begin(), buf.begin() + static_cast<long>(cw.size()));

    wire::writer sw(buf);
    if (c.form == certificate_form::static_key) {
        // RFC 7425 §4.5.2.3: a static-key initiator names the group it uses.
        const std::uint8_t g = static_cast<std::uint8_t>(group_id);
        put_option(sw, crypto::kc_dh_group_select, {&g, 1});
    } else {
        put_key_option(sw, crypto::kc_ephemeral_public_key, group_id, dh.public_key());
    }
    put_option(sw, crypto::kc_extra_randomness, skic_randomness);
    put_negotiation(sw, c);
    if (!sw.ok()) return false;
    out.skic.assign(buf.begin(), buf.begin() + static_cast<long>(sw.size()));

    auto fp = crypto::certificate_fingerprint(out.certificate);
    if (!fp.ok()) return false;
    out.peer_id = *fp;
    return true;
}

std::string generate_identity(const keying_choice& c, initiator_identity& out) {
    crypto::dh_keypair dh;
    if (auto e = crypto::dh_generate(c.group, 0, dh); e != crypto::dh_error::ok)
        return "cannot generate a DH key pair for group " + std::to_string(static_cast<int>(c.group));
    std::array<std::uint8_t, extra_randomness_size> r1{}, r2{};
    if (!crypto::random_bytes(r1) || !crypto::random_bytes(r2)) return "the random generator failed";
    if (!make_identity(c, dh, r1, r2, out)) return "cannot build the certificate and SKIC";
    return "";
}

std::vector<std::uint8_t> build_iikeying(std::uint32_t initiator_session_id, wire::bytes cookie,
                                         const initiator_identity& id, std::uint16_t timestamp) {
    std::vector<std::uint8_t> buf(wire::max_plain_packet + wire::session_id_size + 2 * crypto::aes_block);
    wire::packet_builder b(buf, wire::startup_flags, timestamp, std::nullopt);
    const std::uint8_t sig = signature_byte;
    wire::iikeying k;
    k.initiator_session_id = initiator_session_id;
    k.cookie = cookie;
    k.certificate = id.certificate;
    k.skic = id.skic;
    k.signature = {&sig, 1};
    wire::write_iikeying(b.body(), k);
    if (b.body().size() > wire::max_plain_packet + wire::session_id_size + 2 || !b.finish()) return {};
    const auto* key = crypto::default_aes_key();
    if (key == nullptr) return {};
    // RFC 7016 §2.2.3: IIKeying travels in the startup pseudo-session (ID 0).
    auto sealed = crypto::seal(b, 0, crypto::seal_params{key, nullptr, 0});
    if (!sealed.ok()) return {};
    buf.resize(*sealed);
    return buf;
}

std::string open_startup_reply(wire::bytes datagram, std::uint32_t expected_session_id, startup_reply& out) {
    if (datagram.size() < wire::min_datagram || (datagram.size() - wire::session_id_size) % crypto::aes_block != 0 ||
        datagram.size() > wire::max_datagram)
        return "datagram framing";
    if (wire::session_id_of(datagram) != expected_session_id) return "session id";
    const auto* key = crypto::default_aes_key();
    if (key == nullptr) return "default key unavailable";
    std::vector<std::uint8_t> plain(datagram.size());
    auto opened = crypto::open(datagram, plain, crypto::open_params{key, nullptr, 0, false});
    if (!opened.ok()) return "default-key checksum";
    auto packet = wire::parse_packet(opened->packet);
    if (!packet.ok()) return "packet header";
    // RFC 7016 §2.2.4: startup chunks are only valid in mode 3.
    if ((packet->header.flags & wire::mode_mask) != 3) return "startup mode";
    wire::chunk_reader chunks(packet->chunks);
    wire::chunk_view c;
    if (!chunks.next(c)) return "no chunk";
    out.chunk_type = c.type;
    out.value.assign(c.value.begin(), c.value.end());
    return "";
}

std::string check_skrc(wire::bytes skrc, crypto::dh_group group, crypto::keying_component& out) {
    auto parsed = crypto::parse_keying_component(skrc);
    if (!parsed.ok()) return "SKRC parse: " + std::string(wire::name_of(parsed.error())) + " (" + hex_of(skrc) + ")";
    // librtmfp refuses anything but HMAC then SSEQ negotiation at the front
    // (protocol reference §3.6, P6); strato promises that layout for all clients.
    if (skrc.size() < 7 || skrc[0] != 0x03 || skrc[1] != 0x1a || skrc[4] != 0x02 || skrc[5] != 0x1e)
        return "SKRC prefix: expected 03 1a <f> <len> 02 1e <f>, got " + hex_of(skrc, 7);
    if (!parsed->has_ephemeral_key) return "SKRC key: no Ephemeral DH Public Key (0x0d) option";
    if (parsed->ephemeral_group != static_cast<std::uint64_t>(group))
        return "SKRC group: key for group " + std::to_string(parsed->ephemeral_group) + ", we selected " +
               std::to_string(static_cast<int>(group));
    // §3.6: the key is left-padded to the prime length for legacy parsers.
    if (parsed->ephemeral_key.size() != crypto::dh_prime_bytes(group))
        return "SKRC key length: " + std::to_string(parsed->ephemeral_key.size()) + " bytes, expected " +
               std::to_string(crypto::dh_prime_bytes(group));
    out = *parsed;
    return "";
}

std::string complete_initiator_keying(const initiator_identity& id, wire::bytes rikeying_value, initiator_keys& out) {
    auto rk = wire::parse_rikeying(rikeying_value);
    if (!rk.ok()) return "RIKeying layout: " + std::string(wire::name_of(rk.error()));
    if (rk->responder_session_id == 0) return "RIKeying session id: 0 is the startup pseudo-session";
    // RFC 7016 §2.3.8 allows an empty signature; everyone sends 58.
    if (!(rk->signature.empty() || (rk->signature.size() == 1 && rk->signature[0] == signature_byte)))
        return "RIKeying signature: " + hex_of(rk->signature) + ", expected 58 or nothing";
    out.responder_session_id = rk->responder_session_id;
    out.skrc.assign(rk->skrc.begin(), rk->skrc.end());
    if (auto e = check_skrc(out.skrc, id.choice.group, out.skrc_parsed); !e.empty()) return e;

    auto near = crypto::parse_keying_component(id.skic);
    if (!near.ok()) return "own SKIC does not parse";
    auto f = crypto::resolve_features(*near, out.skrc_parsed);
    if (!f.ok())
        return "negotiation: we require " + std::string(id.choice.require_hmac ? "HMAC " : "") +
               (id.choice.require_sseq ? "SSEQ " : "") + "but the server offers hmac " +
               describe_negotiation(out.skrc_parsed.hmac, true) + ", sseq " +
               describe_negotiation(out.skrc_parsed.sseq, false);
    out.features = *f;

    std::array<std::uint8_t, crypto::dh_max_prime_bytes> secret{};
    std::size_t len = 0;
    const auto e = crypto::dh_shared_secret(id.dh, out.skrc_parsed.ephemeral_key, secret, len);
    if (e == crypto::dh_error::bad_public_key) return "DH: the server's public key fails the RFC 7425 §4.6.2 checks";
    if (e != crypto::dh_error::ok) return "DH: shared secret failed";
    out.dh_secret_size = len;
    // RFC 7425 §4.6.3: for the initiator SKNC = SKIC, SKFC = SKRC.
    out.keys = crypto::derive_session_keys({secret.data(), len}, id.skic, out.skrc);
    return "";
}

bool engine_keys(const initiator_keys& k, session::session_keys& out) {
    if (!crypto::make_aes_key(k.keys.encrypt_aes(), out.encrypt) || !crypto::make_aes_key(k.keys.decrypt_aes(), out.decrypt) ||
        !crypto::make_hmac_key(k.keys.hmac_send_key, out.hmac_send) ||
        !crypto::make_hmac_key(k.keys.hmac_recv_key, out.hmac_recv))
        return false;
    out.hmac_send_length = k.features.send_hmac ? k.features.send_hmac_length : 0;
    out.hmac_recv_length = k.features.recv_hmac ? k.features.recv_hmac_length : 0;
    out.sseq_send = k.features.send_sseq;
    out.sseq_recv = k.features.recv_sseq;
    return true;
}

std::string describe_negotiation(const crypto::negotiation& n, bool hmac) {
    if (!n.present) return "absent";
    std::string s;
    if (n.flags & crypto::neg_snd) s += "SND+";
    if (n.flags & crypto::neg_sor) s += "SOR+";
    if (n.flags & crypto::neg_req) s += "REQ+";
    if (s.empty()) s = "none";
    else s.pop_back();
    if (hmac && n.hmac_length) {
        s += '/';
        s += std::to_string(n.hmac_length);
    }
    return s;
}

std::string describe_features(const crypto::session_features& f) {
    std::string s = "hmac send=";
    s += f.send_hmac ? std::to_string(f.send_hmac_length) : "no";
    s += " recv=";
    s += f.recv_hmac ? std::to_string(f.recv_hmac_length) : "no";
    s += ", sseq send=";
    s += f.send_sseq ? "yes" : "no";
    s += " recv=";
    s += f.recv_sseq ? "yes" : "no";
    return s;
}

} // namespace strato::peer
