#include "crypto/aes.hpp"

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>

#include <cstring>

#include "crypto/imb.hpp"

namespace strato::crypto {

namespace {

// RFC 7425 §4.7: the IV is all zeros for every packet.
alignas(16) constexpr std::uint8_t zero_iv[16]{};

bool lengths_ok(std::span<const aes_op> ops) noexcept {
    for (const aes_op& op : ops)
        if (op.length == 0 || op.length % aes_block != 0 || op.key == nullptr) return false;
    return true;
}

bool cbc_burst(std::span<const aes_op> ops, IMB_CIPHER_DIRECTION dir) noexcept {
    if (!lengths_ok(ops)) return false;
    imb_context* c = thread_imb();
    if (c == nullptr) return false;
    while (!ops.empty()) {
        const std::size_t n = ops.size() < max_burst ? ops.size() : max_burst;
        for (std::size_t i = 0; i < n; ++i) {
            IMB_JOB& j = c->jobs[i];
            const aes_op& op = ops[i];
            j.enc_keys = op.key->enc;
            j.dec_keys = op.key->dec;
            j.key_len_in_bytes = IMB_KEY_128_BYTES;
            j.src = op.src;
            j.dst = op.dst;
            j.cipher_start_src_offset_in_bytes = 0;
            j.msg_len_to_cipher_in_bytes = op.length;
            j.iv = zero_iv;
            j.iv_len_in_bytes = sizeof zero_iv;
            j.cipher_mode = IMB_CIPHER_CBC;
            j.cipher_direction = dir;
        }
        // Lengths and keys were checked above, so the unchecked entry point
        // is safe; debug builds let IPsec-MB validate every job as well.
#ifdef NDEBUG
        const std::uint32_t done = IMB_SUBMIT_CIPHER_BURST_NOCHECK(c->mgr, c->jobs, static_cast<std::uint32_t>(n),
                                                                   IMB_CIPHER_CBC, dir, IMB_KEY_128_BYTES);
#else
        const std::uint32_t done = IMB_SUBMIT_CIPHER_BURST(c->mgr, c->jobs, static_cast<std::uint32_t>(n),
                                                           IMB_CIPHER_CBC, dir, IMB_KEY_128_BYTES);
#endif
        if (done != n) return false;
        ops = ops.subspan(n);
    }
    return true;
}

} // namespace

bool make_aes_key(std::span<const std::uint8_t, 16> key, aes_key& out) noexcept {
    imb_context* c = thread_imb();
    if (c == nullptr) return false;
    std::memcpy(out.raw.data(), key.data(), 16);
    IMB_AES_KEYEXP_128(c->mgr, key.data(), out.enc, out.dec);
    return true;
}

bool aes_cbc_encrypt_burst(std::span<const aes_op> ops) noexcept { return cbc_burst(ops, IMB_DIR_ENCRYPT); }
bool aes_cbc_decrypt_burst(std::span<const aes_op> ops) noexcept { return cbc_burst(ops, IMB_DIR_DECRYPT); }

bool aes_cbc_encrypt(const aes_key& key, bytes in, mutable_bytes out) noexcept {
    if (out.size() < in.size()) return false;
    const aes_op op{&key, in.data(), out.data(), in.size()};
    return cbc_burst({&op, 1}, IMB_DIR_ENCRYPT);
}

bool aes_cbc_decrypt(const aes_key& key, bytes in, mutable_bytes out) noexcept {
    if (out.size() < in.size()) return false;
    const aes_op op{&key, in.data(), out.data(), in.size()};
    return cbc_burst({&op, 1}, IMB_DIR_DECRYPT);
}

evp_aes128_cbc::evp_aes128_cbc() noexcept : enc_(EVP_CIPHER_CTX_new()), dec_(EVP_CIPHER_CTX_new()) {}

evp_aes128_cbc::~evp_aes128_cbc() {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
}

bool evp_aes128_cbc::set_key(std::span<const std::uint8_t, 16> key) noexcept {
    if (!enc_ || !dec_) return false;
    if (EVP_EncryptInit_ex(enc_, EVP_aes_128_cbc(), nullptr, key.data(), zero_iv) != 1) return false;
    if (EVP_DecryptInit_ex(dec_, EVP_aes_128_cbc(), nullptr, key.data(), zero_iv) != 1) return false;
    // P1: raw CBC, every block in and out.
    EVP_CIPHER_CTX_set_padding(enc_, 0);
    EVP_CIPHER_CTX_set_padding(dec_, 0);
    return true;
}

bool evp_aes128_cbc::encrypt(bytes in, mutable_bytes out) noexcept {
    if (in.empty() || in.size() % aes_block || out.size() < in.size()) return false;
    int n = 0;
    // Re-arm the IV: each datagram is a fresh CBC chain.
    if (EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, zero_iv) != 1) return false;
    if (EVP_EncryptUpdate(enc_, out.data(), &n, in.data(), static_cast<int>(in.size())) != 1) return false;
    return static_cast<std::size_t>(n) == in.size();
}

bool evp_aes128_cbc::decrypt(bytes in, mutable_bytes out) noexcept {
    if (in.empty() || in.size() % aes_block || out.size() < in.size()) return false;
    int n = 0;
    if (EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, zero_iv) != 1) return false;
    if (EVP_DecryptUpdate(dec_, out.data(), &n, in.data(), static_cast<int>(in.size())) != 1) return false;
    return static_cast<std::size_t>(n) == in.size();
}

} // namespace strato::crypto
