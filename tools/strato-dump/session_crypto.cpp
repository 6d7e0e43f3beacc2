#include "tools/strato-dump/session_crypto.hpp"

#include "crypto/flash_keys.hpp"

namespace strato::dump {

using wire::drop_reason;

const datagram_opener::expanded* datagram_opener::keys_for(const direction_keys& k) {
    auto& slot = cache_[&k];
    if (!slot) {
        auto e = std::make_unique<expanded>();
        if (!crypto::make_aes_key(std::span<const std::uint8_t, 16>(k.aes_key), e->aes)) return nullptr;
        if (k.hmac_len && !crypto::make_hmac_key(wire::bytes(k.hmac_key), e->hmac)) return nullptr;
        slot = std::move(e);
    }
    return slot.get();
}

drop_reason datagram_opener::open_default(wire::bytes datagram, opened_datagram& out) {
    const crypto::aes_key* key = crypto::default_aes_key();
    // Without IPsec-MB nothing can be decrypted; say so per packet.
    if (!key) return drop_reason::bad_checksum;
    crypto::open_params p;
    p.key = key;
    return open(datagram, p, out);
}

drop_reason datagram_opener::open_session(wire::bytes datagram, const direction_keys& k, opened_datagram& out) {
    const expanded* e = keys_for(k);
    if (!e) return drop_reason::bad_checksum;
    crypto::open_params p;
    p.key = &e->aes;
    p.hmac = k.hmac_len ? &e->hmac : nullptr;
    p.hmac_length = k.hmac_len;
    p.sseq = k.sseq;
    out.hmac_len = k.hmac_len;
    return open(datagram, p, out);
}

drop_reason datagram_opener::open(wire::bytes datagram, const crypto::open_params& p, opened_datagram& out) {
    out.plain.assign(datagram.size(), 0);
    auto v = crypto::open(datagram, out.plain, p);
    if (!v) return v.error();
    out.view = *v;
    out.hmac_len = p.hmac_length;
    return drop_reason::none;
}

} // namespace strato::dump
