#include "crypto/sha.hpp"

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

#include "crypto/imb.hpp"

namespace strato::crypto {

namespace {
constexpr std::size_t sha256_block = 64;
}

digest sha256(bytes data) noexcept {
    digest d{};
    if (imb_context* c = thread_imb()) {
        IMB_SHA256(c->mgr, data.data(), data.size(), d.data());
    } else {
        unsigned int n = 0;
        (void)EVP_Digest(data.data(), data.size(), d.data(), &n, EVP_sha256(), nullptr);
    }
    return d;
}

digest hmac_sha256(bytes key, bytes message) noexcept {
    digest d{};
    unsigned int n = 0;
    static constexpr std::uint8_t empty = 0;
    (void)HMAC(EVP_sha256(), key.empty() ? &empty : key.data(), static_cast<int>(key.size()),
               message.empty() ? &empty : message.data(), message.size(), d.data(), &n);
    return d;
}

bool make_hmac_key(bytes key, hmac_key& out) noexcept {
    imb_context* c = thread_imb();
    if (c == nullptr) return false;
    // RFC 2104 §2: keys longer than the block are hashed first.
    alignas(16) std::uint8_t k[sha256_block]{};
    if (key.size() > sha256_block) {
        const digest d = sha256(key);
        std::memcpy(k, d.data(), d.size());
    } else if (!key.empty()) {
        std::memcpy(k, key.data(), key.size());
    }
    alignas(16) std::uint8_t block[sha256_block];
    for (std::size_t i = 0; i < sha256_block; ++i) block[i] = static_cast<std::uint8_t>(k[i] ^ 0x36);
    IMB_SHA256_ONE_BLOCK(c->mgr, block, out.ipad);
    for (std::size_t i = 0; i < sha256_block; ++i) block[i] = static_cast<std::uint8_t>(k[i] ^ 0x5c);
    IMB_SHA256_ONE_BLOCK(c->mgr, block, out.opad);
    return true;
}

bool hmac_sha256_burst(std::span<const hmac_op> ops) noexcept {
    imb_context* c = thread_imb();
    if (c == nullptr) return false;
    for (const hmac_op& op : ops)
        if (op.key == nullptr || op.out == nullptr || (op.message == nullptr && op.length != 0)) return false;
    static constexpr std::uint8_t empty = 0;
    while (!ops.empty()) {
        const std::size_t n = ops.size() < max_burst ? ops.size() : max_burst;
        for (std::size_t i = 0; i < n; ++i) {
            IMB_JOB& j = c->jobs[i];
            const hmac_op& op = ops[i];
            j.src = op.message ? op.message : &empty;
            j.hash_start_src_offset_in_bytes = 0;
            j.msg_len_to_hash_in_bytes = op.length;
            j.auth_tag_output = op.out;
            j.auth_tag_output_len_in_bytes = sha256_size;
            j.u.HMAC._hashed_auth_key_xor_ipad = op.key->ipad;
            j.u.HMAC._hashed_auth_key_xor_opad = op.key->opad;
            j.hash_alg = IMB_AUTH_HMAC_SHA_256;
        }
#ifdef NDEBUG
        const std::uint32_t done =
            IMB_SUBMIT_HASH_BURST_NOCHECK(c->mgr, c->jobs, static_cast<std::uint32_t>(n), IMB_AUTH_HMAC_SHA_256);
#else
        const std::uint32_t done =
            IMB_SUBMIT_HASH_BURST(c->mgr, c->jobs, static_cast<std::uint32_t>(n), IMB_AUTH_HMAC_SHA_256);
#endif
        if (done != n) return false;
        ops = ops.subspan(n);
    }
    return true;
}

bool hmac_sha256(const hmac_key& key, bytes message, std::span<std::uint8_t, sha256_size> out) noexcept {
    const hmac_op op{&key, message.data(), message.size(), out.data()};
    return hmac_sha256_burst({&op, 1});
}

bool equal_ct(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
    std::uint8_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = static_cast<std::uint8_t>(acc | (a[i] ^ b[i]));
    return acc == 0;
}

} // namespace strato::crypto
