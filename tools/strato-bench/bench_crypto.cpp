// Crypto benchmarks: AES-128-CBC (IPsec-MB bursts vs OpenSSL EVP), HMAC,
// seal/open bursts, cookies, Diffie-Hellman.
#include <array>
#include <cstdint>
#include <vector>

#include "bench.hpp"
#include "crypto/aes.hpp"
#include "crypto/cookie.hpp"
#include "crypto/datagram.hpp"
#include "crypto/dh.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/keying.hpp"
#include "crypto/sha.hpp"

using namespace strato;
using namespace strato::crypto;

namespace {

constexpr std::size_t burst = 32;
constexpr aes128_raw_key raw_key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

const aes_key& key() {
    static const aes_key k = [] {
        aes_key x;
        (void)make_aes_key(raw_key, x);
        return x;
    }();
    return k;
}

// 32 packets of `size` bytes and their preallocated burst descriptors.
template <std::size_t Size>
struct packets {
    std::vector<std::uint8_t> data = std::vector<std::uint8_t>(burst * Size, 0x5a);
    std::array<aes_op, burst> ops{};
    packets() {
        for (std::size_t i = 0; i < burst; ++i) ops[i] = {&key(), &data[i * Size], &data[i * Size], Size};
    }
};

template <std::size_t Size>
void imb_encrypt() {
    static packets<Size> p;
    bench::keep(aes_cbc_encrypt_burst(p.ops));
    bench::clobber();
}

template <std::size_t Size>
void imb_decrypt() {
    static packets<Size> p;
    bench::keep(aes_cbc_decrypt_burst(p.ops));
    bench::clobber();
}

template <std::size_t Size>
void evp_encrypt() {
    static packets<Size> p;
    static evp_aes128_cbc ctx;
    static const bool keyed = ctx.set_key(raw_key);
    bench::keep(keyed);
    for (std::size_t i = 0; i < burst; ++i) {
        std::uint8_t* b = &p.data[i * Size];
        bench::keep(ctx.encrypt({b, Size}, {b, Size}));
    }
    bench::clobber();
}

const cookie_jar& jar() {
    static const cookie_jar j = [] {
        cookie_jar x;
        std::array<std::uint8_t, cookie_secret_size> s{};
        s.fill(0x42);
        (void)x.init(s);
        return x;
    }();
    return j;
}

const wire::socket_address from = wire::socket_address::v4(0xc6130b0b, 46705);

struct dh_fixture {
    dh_keypair peer, own_short, own_full;
    explicit dh_fixture(dh_group g) {
        (void)dh_generate(g, 256, peer);
        (void)dh_generate(g, 256, own_short);
        (void)dh_generate(g, 0, own_full);
    }
};

template <dh_group G, std::size_t Bits>
void dh_keypair_bench() {
    dh_keypair k;
    bench::keep(dh_generate(G, Bits, k));
    bench::keep(k.public_key_buf[0]);
}

template <dh_group G, bool Short>
void dh_secret_bench() {
    static dh_fixture f(G);
    std::uint8_t s[dh_max_prime_bytes];
    std::size_t n = 0;
    bench::keep(dh_shared_secret(Short ? f.own_short : f.own_full, f.peer.public_key(), {s, sizeof s}, n));
    bench::keep(n);
}

}  // namespace

static bench::registrar r1("aes.imb_encrypt_64B_burst32", burst, imb_encrypt<64>);
static bench::registrar r2("aes.imb_encrypt_128B_burst32", burst, imb_encrypt<128>);
static bench::registrar r3("aes.imb_encrypt_192B_burst32", burst, imb_encrypt<192>);
static bench::registrar r4("aes.imb_decrypt_128B_burst32", burst, imb_decrypt<128>);
static bench::registrar r5("aes.evp_encrypt_64B", burst, evp_encrypt<64>);
static bench::registrar r6("aes.evp_encrypt_128B", burst, evp_encrypt<128>);
static bench::registrar r7("aes.evp_encrypt_192B", burst, evp_encrypt<192>);

STRATO_BENCH("hmac.imb_128B_burst32", burst) {
    static hmac_key k = [] {
        hmac_key x;
        const std::array<std::uint8_t, 32> raw{9};
        (void)make_hmac_key(raw, x);
        return x;
    }();
    static std::vector<std::uint8_t> msgs(burst * 128, 1);
    static std::array<digest, burst> out;
    std::array<hmac_op, burst> ops;
    for (std::size_t i = 0; i < burst; ++i) ops[i] = {&k, &msgs[i * 128], 128, out[i].data()};
    bench::keep(hmac_sha256_burst(ops));
    bench::clobber();
}

STRATO_BENCH("datagram.seal_128B_burst32", burst) {
    // Checksum mode with the default key: what every startup reply costs.
    static std::vector<std::uint8_t> bufs(burst * 160, 0x5a);
    std::array<seal_job, burst> jobs;
    for (std::size_t i = 0; i < burst; ++i)
        jobs[i] = {&bufs[i * 160], 160, 4 + 128, 0x01020304, {default_aes_key()}, wire::drop_reason::none};
    seal_burst(jobs);
    bench::keep(jobs[0].status);
    bench::clobber();
}

STRATO_BENCH("datagram.open_128B_hmac16_burst32", burst) {
    // HMAC mode (rtmfp-cpp peers): verify 32 HMACs, then decrypt.
    static hmac_key k = [] {
        hmac_key x;
        const std::array<std::uint8_t, 32> raw{7};
        (void)make_hmac_key(raw, x);
        return x;
    }();
    static std::vector<std::uint8_t> bufs(burst * 160, 0x5a);
    static std::vector<std::uint8_t> out(burst * 160);
    std::array<open_job, burst> jobs;
    for (std::size_t i = 0; i < burst; ++i) {
        jobs[i].datagram = &bufs[i * 160];
        jobs[i].length = 4 + 128 + 16;
        jobs[i].out = &out[i * 160];
        jobs[i].params = {&key(), &k, 16, false};
    }
    open_burst(jobs);  // tags are wrong: every packet costs its HMAC and stops there
    bench::keep(jobs[0].status);
    bench::clobber();
}

STRATO_BENCH("cookie.make", 1) {
    std::array<std::uint8_t, cookie_size> c;
    bench::keep(jar().make(from, 1000, c));
    bench::keep(c[40]);
}

STRATO_BENCH("cookie.verify_ok", 1) {
    static const std::array<std::uint8_t, cookie_size> c = [] {
        std::array<std::uint8_t, cookie_size> x;
        (void)jar().make(from, 1000, x);
        return x;
    }();
    bench::clobber();
    bench::keep(jar().verify(c, from, 1001));
}

STRATO_BENCH("cookie.verify_forged", 1) {
    static const std::array<std::uint8_t, cookie_size> c = [] {
        std::array<std::uint8_t, cookie_size> x;
        (void)jar().make(from, 1000, x);
        x[20] ^= 1;
        return x;
    }();
    bench::clobber();
    bench::keep(jar().verify(c, from, 1001));
}

STRATO_BENCH("cookie.make_burst32", burst) {
    // What the worker does per RX burst: one random refill, 32 MAC_As, 32 MAC_Bs.
    static std::array<std::array<std::uint8_t, cookie_size>, burst> out;
    std::array<cookie_request, burst> reqs;
    for (std::size_t i = 0; i < burst; ++i) reqs[i] = {&from, out[i].data(), false};
    bench::keep(jar().make_burst(reqs, 1000));
    bench::keep(reqs[7].ok);
    bench::clobber();
}

STRATO_BENCH("cookie.verify_ok_burst32", burst) {
    static const std::array<std::array<std::uint8_t, cookie_size>, burst> c = [] {
        std::array<std::array<std::uint8_t, cookie_size>, burst> x;
        for (auto& k : x) (void)jar().make(from, 1000, k);
        return x;
    }();
    std::array<cookie_check, burst> checks;
    for (std::size_t i = 0; i < burst; ++i) checks[i] = {{c[i].data(), cookie_size}, &from, cookie_status::malformed};
    jar().verify_burst(checks, 1001);
    bench::keep(checks[5].status);
    bench::clobber();
}

STRATO_BENCH("startup.crypto_floor_burst32", burst) {
    // The crypto of one IHello->RHello, per packet, as the worker does it per
    // RX burst: open 32 IHellos (4 + 64 bytes, default key), make 32 cookies,
    // seal 32 RHellos (4 + 176 bytes). Everything else the worker does per
    // packet comes on top of this.
    static std::vector<std::uint8_t> in(burst * 68, 0x5a), plain(burst * 64), out(burst * 192, 0x33);
    static std::array<std::array<std::uint8_t, cookie_size>, burst> cookies;
    std::array<open_job, burst> opens;
    std::array<cookie_request, burst> reqs;
    std::array<seal_job, burst> seals;
    for (std::size_t i = 0; i < burst; ++i) {
        opens[i].datagram = &in[i * 68];
        opens[i].length = 68;
        opens[i].out = &plain[i * 64];
        opens[i].params = {default_aes_key(), nullptr, 0, false};
        reqs[i] = {&from, cookies[i].data(), false};
        seals[i] = {&out[i * 192], 192, 4 + 176, 0x01020304, {default_aes_key()}, wire::drop_reason::none};
    }
    open_burst(opens);
    bench::keep(jar().make_burst(reqs, 1000));
    seal_burst(seals);
    bench::keep(seals[0].status);
    bench::clobber();
}

STRATO_BENCH("flash.derive_session_keys", 1) {
    static const std::vector<std::uint8_t> secret(128, 0x33), skic(76, 0xa5), skrc(139, 0x5a);
    const session_keys k = derive_session_keys({secret.data(), secret.size()}, {skrc.data(), skrc.size()},
                                               {skic.data(), skic.size()});
    bench::keep(k.encrypt_key[0]);
}

static bench::registrar d1("dh.group2_keypair_256bit", 1, dh_keypair_bench<dh_group::modp1024, 256>);
static bench::registrar d2("dh.group2_keypair_full", 1, dh_keypair_bench<dh_group::modp1024, 0>);
static bench::registrar d3("dh.group2_secret_256bit", 1, dh_secret_bench<dh_group::modp1024, true>);
static bench::registrar d4("dh.group2_secret_full", 1, dh_secret_bench<dh_group::modp1024, false>);
static bench::registrar d5("dh.group14_keypair_256bit", 1, dh_keypair_bench<dh_group::modp2048, 256>);
static bench::registrar d6("dh.group14_keypair_full", 1, dh_keypair_bench<dh_group::modp2048, 0>);
static bench::registrar d7("dh.group14_secret_256bit", 1, dh_secret_bench<dh_group::modp2048, true>);
static bench::registrar d8("dh.group14_secret_full", 1, dh_secret_bench<dh_group::modp2048, false>);
