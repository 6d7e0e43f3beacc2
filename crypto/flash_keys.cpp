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

session_keys derive_session_keys(bytes dh_secret, bytes sknc, bytes skfc) noexcept {
    session_keys k;
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
