#include "crypto/keying.hpp"

#include "dataplane/wire/option.hpp"

namespace strato::crypto {

using wire::drop_reason;

namespace {

bool parse_negotiation(bytes value, bool with_length, negotiation& out) noexcept {
    wire::reader in(value);
    std::uint8_t flags = 0;
    if (in.u8(flags) != drop_reason::none) return false;
    out.present = true;
    out.flags = static_cast<std::uint8_t>(flags & (neg_snd | neg_sor | neg_req));
    if (!with_length) return true;
    std::uint64_t len = 0;
    if (in.vlu(len) != drop_reason::none) return false;
    // RFC 7425 §4.5.2.4: 4..32 if SND or SOR, else exactly 0.
    if (out.flags & (neg_snd | neg_sor)) {
        if (len < min_hmac_length || len > max_hmac_length) return false;
    } else if (len != 0) {
        return false;
    }
    out.hmac_length = static_cast<std::uint8_t>(len);
    return true;
}

} // namespace

wire::result<keying_component> parse_keying_component(bytes component) noexcept {
    keying_component k;
    wire::option_reader r(component);
    wire::option o;
    while (r.next(o)) {
        if (o.marker) continue;
        switch (o.type) {
        case kc_ephemeral_public_key: {
            if (k.has_ephemeral_key) break;
            wire::reader in(o.value);
            if (in.vlu(k.ephemeral_group) != drop_reason::none || in.empty()) return drop_reason::bad_keying_component;
            k.ephemeral_key = in.rest();
            k.has_ephemeral_key = true;
            break;
        }
        case kc_extra_randomness:
            if (k.extra_randomness.empty()) k.extra_randomness = o.value;
            break;
        case kc_dh_group_select: {
            if (k.has_group_select) break;
            wire::reader in(o.value);
            if (in.vlu(k.group_select) != drop_reason::none) return drop_reason::bad_keying_component;
            k.has_group_select = true;
            break;
        }
        case kc_hmac_negotiation:
            if (!k.hmac.present && !parse_negotiation(o.value, true, k.hmac)) return drop_reason::bad_keying_component;
            break;
        case kc_sseq_negotiation:
            if (!k.sseq.present && !parse_negotiation(o.value, false, k.sseq)) return drop_reason::bad_keying_component;
            break;
        default:
            break;  // RFC 7425 §4.5.1: unknown options are ignored
        }
    }
    if (r.error() != drop_reason::none) return drop_reason::bad_keying_component;
    return k;
}

wire::result<session_features> resolve_features(const keying_component& near_end,
                                                const keying_component& far_end) noexcept {
    session_features f;
    f.send_hmac = near_end.hmac.will_send(far_end.hmac);
    f.send_hmac_length = f.send_hmac ? near_end.hmac.hmac_length : 0;
    f.recv_hmac = far_end.hmac.will_send(near_end.hmac);
    f.recv_hmac_length = f.recv_hmac ? far_end.hmac.hmac_length : 0;
    f.send_sseq = near_end.sseq.will_send(far_end.sseq);
    f.recv_sseq = far_end.sseq.will_send(near_end.sseq);
    // A sender with a zero length cannot send an HMAC (guards hand-made structs).
    if ((f.send_hmac && f.send_hmac_length < min_hmac_length) || (f.recv_hmac && f.recv_hmac_length < min_hmac_length))
        return drop_reason::bad_keying_component;
    // §1.5: I require it but the other side will never send it → reject.
    if ((near_end.hmac.flags & neg_req) && !f.recv_hmac) return drop_reason::bad_keying_component;
    if ((near_end.sseq.flags & neg_req) && !f.recv_sseq) return drop_reason::bad_keying_component;
    return f;
}

negotiation server_hmac_answer(const negotiation& client) noexcept {
    if (client.flags & neg_req) return {true, neg_sor, server_hmac_length};
    return {true, 0, 0};
}

negotiation server_sseq_answer(const negotiation& client) noexcept {
    if (client.flags & neg_req) return {true, neg_sor, 0};
    return {true, 0, 0};
}

bool write_server_skrc(wire::writer& w, const dh_keypair& server, const keying_component& client,
                       keying_component* near_out) noexcept {
    const negotiation h = server_hmac_answer(client.hmac);
    const negotiation s = server_sseq_answer(client.sseq);
    const std::size_t start = w.size();
    // HMAC negotiation first, then SSEQ, then the key: librtmfp checks the
    // first 7 bytes literally (P5).
    w.vlu(1 + 1 + wire::vlu_size(h.hmac_length));
    w.vlu(kc_hmac_negotiation);
    w.u8(h.flags);
    w.vlu(h.hmac_length);
    w.vlu(2);
    w.vlu(kc_sseq_negotiation);
    w.u8(s.flags);
    const std::uint64_t group = static_cast<std::uint64_t>(server.group);
    const bytes key = server.public_key();  // already padded to the prime length (P12)
    w.vlu(wire::vlu_size(kc_ephemeral_public_key) + wire::vlu_size(group) + key.size());
    w.vlu(kc_ephemeral_public_key);
    w.vlu(group);
    w.put(key);
    if (!w.ok()) return false;
    if (near_out) {
        auto parsed = parse_keying_component(w.written().subspan(start));
        if (!parsed) return false;
        *near_out = *parsed;
    }
    return true;
}

} // namespace strato::crypto
