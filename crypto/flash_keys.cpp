#include "crypto/flash_keys.hpp"

namespace strato::crypto {

const aes_key* default_aes_key() noexcept {
    struct holder {
        aes_key key;
        bool ok = false;
        holder() noexcept { ok = make_aes_key(default_session_key, key); }
    };
    thread_local holder h;
    return h.ok ? &h.key : nullptr;
}

namespace {
// The same six HMACs on keys expanded once (three key schedules instead of
// twelve), through the per-thread SHA-NI/IPsec-MB path: key derivation runs
// once per handshake on the DH service thread, next to the modexp.
bool derive_fast(bytes dh_secret, bytes sknc, bytes skfc, session_keys& k) noexcept {
    hmac_key dh, near_key, far_key;
    if (!make_hmac_key(dh_secret, dh) || !make_hmac_key(sknc, near_key) || !make_hmac_key(skfc, far_key)) return false;
    digest inner_enc{}, inner_dec{};
    return hmac_sha256(far_key, sknc, inner_enc) && hmac_sha256(near_key, skfc, inner_dec) &&
           hmac_sha256(dh, inner_enc, k.encrypt_key) && hmac_sha256(dh, inner_dec, k.decrypt_key) &&
           hmac_sha256(dh, k.encrypt_key, k.hmac_send_key) && hmac_sha256(dh, k.decrypt_key, k.hmac_recv_key) &&
           hmac_sha256(dh, sknc, k.near_nonce) && hmac_sha256(dh, skfc, k.far_nonce);
}
} // namespace

session_keys derive_session_keys(bytes dh_secret, bytes sknc, bytes skfc) noexcept {
    session_keys k;
    if (!dh_secret.empty() && !sknc.empty() && !skfc.empty() && derive_fast(dh_secret, sknc, skfc, k)) return k;
    // RFC 7425 §4.6.3: the inner HMAC is keyed with the FAR component for our
    // encrypt key (pitfall P15: swapping them yields keys that decrypt nothing).
    const digest inner_enc = hmac_sha256(skfc, sknc);
    const digest inner_dec = hmac_sha256(sknc, skfc);
    k.encrypt_key = hmac_sha256(dh_secret, inner_enc);
    k.decrypt_key = hmac_sha256(dh_secret, inner_dec);
    // RFC 7425 §4.6.4: HMAC keys from the full 32-byte encrypt/decrypt keys.
    k.hmac_send_key = hmac_sha256(dh_secret, k.encrypt_key);
    k.hmac_recv_key = hmac_sha256(dh_secret, k.decrypt_key);
    // RFC 7425 §4.6.5: session nonces.
    k.near_nonce = hmac_sha256(dh_secret, sknc);
    k.far_nonce = hmac_sha256(dh_secret, skfc);
    return k;
}

} // namespace strato::crypto
