#include "crypto/cookie.hpp"

#include <cstring>

#include "crypto/imb.hpp"
#include "crypto/random.hpp"

namespace strato::crypto {

namespace {

constexpr std::size_t fields_size = 13;  // generation, time, random
constexpr std::size_t mac_a_at = 13, mac_a_size = 24;
constexpr std::size_t mac_b_at = 37, mac_b_size = 27;
static_assert(mac_b_at + mac_b_size == cookie_size);
static_assert(mac_a_at + mac_a_size == mac_b_at);

// Message buffers live on the stack: MAC_A covers 1 + 13 bytes, MAC_B
// 1 + 37 + at most 19 address bytes.
struct mac_inputs {
    std::uint8_t a[1 + fields_size];
    std::uint8_t b[1 + mac_b_at + 19];
    std::size_t b_size = 0;
};

void fill_a(mac_inputs& m, const std::uint8_t* fields) noexcept {
    m.a[0] = 0x01;
    std::memcpy(m.a + 1, fields, fields_size);
}

bool fill_b(mac_inputs& m, const std::uint8_t* fields, const wire::socket_address& from) noexcept {
    m.b[0] = 0x02;
    std::memcpy(m.b + 1, fields, mac_b_at);  // fields and MAC_A
    // The RFC 7016 §2.1.5 encoding, origin cleared: the origin describes how
    // an address was learned, not the endpoint, and must not change the MAC.
    wire::socket_address endpoint = from;
    endpoint.origin = wire::address_origin::unknown;
    wire::writer w({m.b + 1 + mac_b_at, sizeof m.b - 1 - mac_b_at});
    wire::write_address(w, endpoint);
    if (!w.ok()) return false;
    m.b_size = 1 + mac_b_at + w.size();
    return true;
}

} // namespace

std::string_view name_of(cookie_status s) noexcept {
    switch (s) {
    case cookie_status::ok: return "ok";
    case cookie_status::malformed: return "malformed";
    case cookie_status::unknown_generation: return "unknown_generation";
    case cookie_status::expired: return "expired";
    case cookie_status::forged: return "forged";
    case cookie_status::wrong_address: return "wrong_address";
    }
    return "invalid";
}

wire::drop_reason to_drop_reason(cookie_status s) noexcept {
    switch (s) {
    case cookie_status::ok: return wire::drop_reason::none;
    case cookie_status::expired: return wire::drop_reason::expired_cookie;
    case cookie_status::wrong_address: return wire::drop_reason::cookie_wrong_address;
    default: return wire::drop_reason::bad_cookie;
    }
}

bool cookie_jar::init(std::span<const std::uint8_t, cookie_secret_size> secret, std::uint32_t lifetime_s,
                      std::uint8_t generation) noexcept {
    previous_ = slot{};
    current_ = slot{};
    lifetime_ = lifetime_s;
    if (!make_hmac_key(secret, current_.key)) return false;
    current_.live = true;
    current_.generation = generation;
    return true;
}

bool cookie_jar::rotate(std::span<const std::uint8_t, cookie_secret_size> secret) noexcept {
    return rotate(secret, static_cast<std::uint8_t>(current_.generation + 1));
}

bool cookie_jar::rotate(std::span<const std::uint8_t, cookie_secret_size> secret, std::uint8_t generation) noexcept {
    slot next;
    if (!make_hmac_key(secret, next.key)) return false;
    next.live = true;
    next.generation = generation;
    previous_ = current_;
    current_ = next;
    return true;
}

const cookie_jar::slot* cookie_jar::find(std::uint8_t generation) const noexcept {
    if (current_.live && current_.generation == generation) return &current_;
    if (previous_.live && previous_.generation == generation) return &previous_;
    return nullptr;
}

bool cookie_jar::make(const wire::socket_address& from, std::uint32_t now_s,
                      std::span<std::uint8_t, cookie_size> out) const noexcept {
    if (!current_.live) return false;
    std::uint8_t* c = out.data();
    c[0] = current_.generation;
    c[1] = static_cast<std::uint8_t>(now_s >> 24);
    c[2] = static_cast<std::uint8_t>(now_s >> 16);
    c[3] = static_cast<std::uint8_t>(now_s >> 8);
    c[4] = static_cast<std::uint8_t>(now_s);
    if (!random_bytes({c + 5, 8})) return false;
    mac_inputs m;
    fill_a(m, c);
    alignas(16) std::uint8_t mac[sha256_size];
    if (!hmac_sha256(current_.key, {m.a, sizeof m.a}, mac)) return false;
    std::memcpy(c + mac_a_at, mac, mac_a_size);
    if (!fill_b(m, c, from)) return false;
    if (!hmac_sha256(current_.key, {m.b, m.b_size}, mac)) return false;
    std::memcpy(c + mac_b_at, mac, mac_b_size);
    return true;
}

bool cookie_jar::make_burst(std::span<cookie_request> requests, std::uint32_t now_s) const noexcept {
    for (cookie_request& r : requests) r.ok = false;
    if (!current_.live) return true;
    for (std::size_t base = 0; base < requests.size(); base += max_burst) {
        const std::size_t n = requests.size() - base < max_burst ? requests.size() - base : max_burst;
        cookie_request* req = requests.data() + base;
        // One draw from the random pool for the whole burst.
        std::uint8_t random[max_burst * 8];
        if (!random_bytes({random, n * 8})) return false;
        mac_inputs m[max_burst];
        hmac_op ops[max_burst];
        alignas(16) std::uint8_t mac[max_burst][sha256_size];
        for (std::size_t i = 0; i < n; ++i) {
            std::uint8_t* c = req[i].out;
            c[0] = current_.generation;
            c[1] = static_cast<std::uint8_t>(now_s >> 24);
            c[2] = static_cast<std::uint8_t>(now_s >> 16);
            c[3] = static_cast<std::uint8_t>(now_s >> 8);
            c[4] = static_cast<std::uint8_t>(now_s);
            std::memcpy(c + 5, random + 8 * i, 8);
            fill_a(m[i], c);
            ops[i] = hmac_op{&current_.key, m[i].a, sizeof m[i].a, mac[i]};
        }
        std::memset(random, 0, n * 8);  // as random_bytes does for its pool
        if (!hmac_sha256_burst({ops, n})) continue;
        std::size_t nb = 0;
        std::uint8_t index[max_burst];
        for (std::size_t i = 0; i < n; ++i) {
            std::uint8_t* c = req[i].out;
            std::memcpy(c + mac_a_at, mac[i], mac_a_size);
            if (!fill_b(m[i], c, *req[i].from)) continue;
            index[nb] = static_cast<std::uint8_t>(i);
            ops[nb++] = hmac_op{&current_.key, m[i].b, m[i].b_size, mac[i]};
        }
        if (!hmac_sha256_burst({ops, nb})) continue;
        for (std::size_t j = 0; j < nb; ++j) {
            cookie_request& r = req[index[j]];
            std::memcpy(r.out + mac_b_at, mac[index[j]], mac_b_size);
            r.ok = true;
        }
    }
    return true;
}

void cookie_jar::verify_burst(std::span<cookie_check> checks, std::uint32_t now_s) const noexcept {
    for (std::size_t base = 0; base < checks.size(); base += max_burst) {
        const std::size_t n = checks.size() - base < max_burst ? checks.size() - base : max_burst;
        cookie_check* chk = checks.data() + base;
        mac_inputs m[max_burst];
        hmac_op ops[max_burst];
        alignas(16) std::uint8_t mac[max_burst][sha256_size];
        std::uint8_t index[max_burst];
        std::size_t nb = 0;
        // Cheap checks, then MAC_B of every survivor in one burst.
        for (std::size_t i = 0; i < n; ++i) {
            cookie_check& k = chk[i];
            if (k.cookie.size() != cookie_size) {
                k.status = cookie_status::malformed;
                continue;
            }
            const std::uint8_t* c = k.cookie.data();
            const slot* s = find(c[0]);
            if (s == nullptr) {
                k.status = cookie_status::unknown_generation;
                continue;
            }
            const std::uint32_t issued = (std::uint32_t{c[1]} << 24) | (std::uint32_t{c[2]} << 16) |
                                         (std::uint32_t{c[3]} << 8) | std::uint32_t{c[4]};
            if (issued > now_s || now_s - issued > lifetime_) {
                k.status = cookie_status::expired;
                continue;
            }
            if (!fill_b(m[i], c, *k.from)) {
                k.status = cookie_status::malformed;
                continue;
            }
            k.status = cookie_status::forged;  // until a MAC says otherwise
            index[nb] = static_cast<std::uint8_t>(i);
            ops[nb++] = hmac_op{&s->key, m[i].b, m[i].b_size, mac[i]};
        }
        if (nb == 0 || !hmac_sha256_burst({ops, nb})) continue;
        // MAC_A only for the failures, to tell an address change from a forgery.
        std::size_t na = 0;
        for (std::size_t j = 0; j < nb; ++j) {
            const std::size_t i = index[j];
            const std::uint8_t* c = chk[i].cookie.data();
            if (equal_ct(mac[i], c + mac_b_at, mac_b_size)) {
                chk[i].status = cookie_status::ok;
                continue;
            }
            fill_a(m[i], c);
            index[na] = static_cast<std::uint8_t>(i);
            ops[na++] = hmac_op{&find(c[0])->key, m[i].a, sizeof m[i].a, mac[i]};
        }
        if (na == 0 || !hmac_sha256_burst({ops, na})) continue;
        for (std::size_t j = 0; j < na; ++j) {
            const std::size_t i = index[j];
            if (equal_ct(mac[i], chk[i].cookie.data() + mac_a_at, mac_a_size))
                chk[i].status = cookie_status::wrong_address;
        }
    }
}

cookie_status cookie_jar::verify(bytes cookie, const wire::socket_address& from, std::uint32_t now_s) const noexcept {
    // Cheap checks first (protocol reference §3.4 order).
    if (cookie.size() != cookie_size) return cookie_status::malformed;
    const std::uint8_t* c = cookie.data();
    const slot* s = find(c[0]);
    if (s == nullptr) return cookie_status::unknown_generation;
    const std::uint32_t issued = (std::uint32_t{c[1]} << 24) | (std::uint32_t{c[2]} << 16) |
                                 (std::uint32_t{c[3]} << 8) | std::uint32_t{c[4]};
    if (issued > now_s || now_s - issued > lifetime_) return cookie_status::expired;
    mac_inputs m;
    if (!fill_b(m, c, from)) return cookie_status::malformed;
    alignas(16) std::uint8_t mac[sha256_size];
    // MAC_B covers every other byte, so a correct MAC_B alone accepts the
    // cookie (one HMAC); MAC_A only classifies a failure.
    if (!hmac_sha256(s->key, {m.b, m.b_size}, mac)) return cookie_status::forged;
    if (equal_ct(mac, c + mac_b_at, mac_b_size)) return cookie_status::ok;
    fill_a(m, c);
    if (!hmac_sha256(s->key, {m.a, sizeof m.a}, mac)) return cookie_status::forged;
    return equal_ct(mac, c + mac_a_at, mac_a_size) ? cookie_status::wrong_address : cookie_status::forged;
}

} // namespace strato::crypto
