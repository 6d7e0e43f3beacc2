// libFuzzer target for the keying parsers: certificates, keying components
// (with the §1.5 resolution and the server SKRC builder) and cookie checks.
// Every input must be rejected or accepted without reading out of bounds.
#include <cstddef>
#include <cstdint>

#include "crypto/certificate.hpp"
#include "crypto/cookie.hpp"
#include "crypto/keying.hpp"

using namespace strato;
using namespace strato::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const wire::bytes in{data, size};

    if (auto c = parse_certificate(in); c.ok()) {
        // Views must lie inside the input.
        if (c->canonical.size() > size) __builtin_trap();
        for (std::size_t i = 0; i < c->static_key_count; ++i)
            if (c->static_keys[i].public_key.data() < data ||
                c->static_keys[i].public_key.data() + c->static_keys[i].public_key.size() > data + size)
                __builtin_trap();
    }
    (void)certificate_fingerprint(in);

    if (auto k = parse_keying_component(in); k.ok()) {
        keying_component server;
        (void)resolve_features(server, *k);
        (void)resolve_features(*k, *k);
        dh_keypair fake;  // no modexp here: a zero key of the group-2 length
        fake.size = 128;
        std::uint8_t skrc[600];
        wire::writer w({skrc, sizeof skrc});
        keying_component near_kc;
        if (!write_server_skrc(w, fake, *k, &near_kc)) __builtin_trap();
        (void)resolve_features(near_kc, *k);
    }

    static cookie_jar jar = [] {
        cookie_jar j;
        std::uint8_t secret[cookie_secret_size] = {1, 2, 3};
        (void)j.init(secret);
        return j;
    }();
    const auto from = wire::socket_address::v4(0x0a000001, 1935);
    const cookie_status s = jar.verify(in, from, 100);
    // Random bytes never make a valid cookie.
    if (s == cookie_status::ok) __builtin_trap();
    return 0;
}
