// Datagram seal/open (RFC 7425 §4.7), single and burst, checksum and HMAC modes.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "tests/support/capture_fixtures.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "util.hpp"

using namespace strato;
using namespace strato::crypto;
using wire::drop_reason;

namespace {

struct keys {
    aes_key aes;
    hmac_key mac;
    test::buf raw_mac;
    keys(std::uint8_t seed) {
        std::array<std::uint8_t, 16> k;
        for (std::size_t i = 0; i < 16; ++i) k[i] = static_cast<std::uint8_t>(seed + i);
        BOOST_REQUIRE(make_aes_key(k, aes));
        raw_mac.assign(32, seed);
        BOOST_REQUIRE(make_hmac_key(test::view(raw_mac), mac));
    }
};

// A session packet with one ping chunk of n bytes.
std::size_t build(std::uint8_t* buf, std::size_t cap, std::size_t n, bool checksum_mode,
                  std::optional<std::uint64_t> sseq = std::nullopt) {
    wire::packet_builder b({buf, cap}, 0x0a, std::uint16_t{7}, std::nullopt, checksum_mode, sseq);
    b.body().u8(0x01);
    b.body().u16(static_cast<std::uint16_t>(n));
    for (std::size_t i = 0; i < n; ++i) b.body().u8(static_cast<std::uint8_t>(i));
    BOOST_REQUIRE(b.finish());
    return b.datagram().size();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(datagram)

BOOST_AUTO_TEST_CASE(captured_startup_datagrams_open) {
    const std::pair<std::string_view, std::uint32_t> all[] = {
        {fixtures::librtmfp_ihello, 0},    {fixtures::mona_rhello, 0},       {fixtures::librtmfp_iikeying, 0},
        {fixtures::mona_rikeying, 0x02000000}, {fixtures::rtmfpcpp_ihello, 0}, {fixtures::tcserver_rhello, 0},
        {fixtures::rtmfpcpp_iikeying, 0},  {fixtures::tcserver_rikeying, 0x02000000}};
    for (const auto& [hexdata, sid] : all) {
        test::buf d = test::unhex(hexdata);
        BOOST_TEST(wire::session_id_of(test::view(d)) == sid);
        const auto p = open_in_place({d.data(), d.size()}, {default_aes_key()});
        BOOST_REQUIRE(p.ok());
        BOOST_TEST(p->packet[0] == 0x0b);  // startup flags (P4)
    }
}

BOOST_AUTO_TEST_CASE(checksum_mode_round_trip_and_reference) {
    keys k(1);
    evp_aes128_cbc ref;
    BOOST_REQUIRE(ref.set_key(k.aes.raw));
    for (std::size_t n = 0; n < 400; n += 7) {
        std::uint8_t buf[512], copy[512], out[512];
        const std::size_t len = build(buf, sizeof buf, n, true);
        std::memcpy(copy, buf, len);
        const auto sealed = seal({buf, sizeof buf}, len, 0xdeadbeef, {&k.aes});
        BOOST_REQUIRE(sealed.ok());
        BOOST_TEST(*sealed == len);
        BOOST_TEST(wire::session_id_of({buf, len}) == 0xdeadbeefu);
        // Same ciphertext as OpenSSL.
        std::uint8_t ct[512];
        BOOST_REQUIRE(ref.encrypt({copy + 4, len - 4}, {ct, sizeof ct}));
        BOOST_TEST(std::memcmp(ct, buf + 4, len - 4) == 0);
        const auto p = open({buf, len}, {out, sizeof out}, {&k.aes});
        BOOST_REQUIRE(p.ok());
        BOOST_TEST(std::memcmp(p->packet.data(), copy + 6, len - 6) == 0);
        // A flipped ciphertext bit fails the checksum.
        buf[len - 1] ^= 1;
        BOOST_TEST(open({buf, len}, {out, sizeof out}, {&k.aes}).error() == drop_reason::bad_checksum);
    }
}

BOOST_AUTO_TEST_CASE(hmac_and_sseq_mode) {
    keys k(2);
    for (std::size_t mac_len : {4u, 10u, 16u, 32u}) {
        std::uint8_t buf[512], out[512];
        const std::size_t len = build(buf, sizeof buf, 50, false, 300);
        const auto sealed = seal({buf, sizeof buf}, len, 0x01020304, {&k.aes, &k.mac, mac_len});
        BOOST_REQUIRE(sealed.ok());
        BOOST_TEST(*sealed == len + mac_len);
        // The tag is the first mac_len bytes of HMAC-SHA256 over the cipher blocks.
        const digest ref = hmac_sha256(test::view(k.raw_mac), {buf + 4, len - 4});
        BOOST_TEST(std::memcmp(ref.data(), buf + len, mac_len) == 0);
        const open_params op{&k.aes, &k.mac, mac_len, true};
        const auto p = open({buf, *sealed}, {out, sizeof out}, op);
        BOOST_REQUIRE(p.ok());
        BOOST_TEST(p->session_sequence_number.value() == 300u);
        BOOST_TEST(p->packet[0] == 0x0a);
        // Tampering anywhere in the cipher blocks or the tag: bad_hmac.
        for (std::size_t i = 4; i < *sealed; i += 5) {
            buf[i] ^= 0x40;
            BOOST_TEST(open({buf, *sealed}, {out, sizeof out}, op).error() == drop_reason::bad_hmac);
            buf[i] ^= 0x40;
        }
        // Expecting a different length makes the framing misaligned.
        const open_params wrong{&k.aes, &k.mac, mac_len == 16 ? 10u : 16u, true};
        BOOST_TEST(!open({buf, *sealed}, {out, sizeof out}, wrong).ok());
    }
}

BOOST_AUTO_TEST_CASE(length_checks) {
    keys k(3);
    std::uint8_t buf[64]{}, out[64];
    BOOST_TEST(open({buf, 19}, {out, sizeof out}, {&k.aes}).error() == drop_reason::datagram_too_short);
    BOOST_TEST(open({buf, 0}, {out, sizeof out}, {&k.aes}).error() == drop_reason::datagram_too_short);
    BOOST_TEST(open({buf, 21}, {out, sizeof out}, {&k.aes}).error() == drop_reason::datagram_misaligned);
    BOOST_TEST(open({buf, 29}, {out, sizeof out}, {&k.aes, &k.mac, 10}).error() == drop_reason::datagram_too_short);
    BOOST_TEST(open({buf, 31}, {out, sizeof out}, {&k.aes, &k.mac, 10}).error() == drop_reason::datagram_misaligned);
    BOOST_TEST(open({buf, 36}, {out, 8}, {&k.aes}).error() == drop_reason::truncated);
    BOOST_TEST(seal({buf, sizeof buf}, 19, 1, {&k.aes}).error() == drop_reason::datagram_too_short);
    BOOST_TEST(seal({buf, sizeof buf}, 21, 1, {&k.aes}).error() == drop_reason::datagram_misaligned);
    BOOST_TEST(seal({buf, 40}, 36, 1, {&k.aes, &k.mac, 10}).error() == drop_reason::truncated);
    BOOST_TEST(seal({buf, sizeof buf}, 36, 1, {&k.aes, &k.mac, 3}).error() == drop_reason::value_out_of_range);
}

BOOST_AUTO_TEST_CASE(bursts_match_single) {
    keys k1(4), k2(5);
    constexpr std::size_t n = 100;  // more than one IPsec-MB slice
    std::vector<test::buf> bufs(n), expect(n), outs(n);
    std::vector<seal_job> sj(n);
    for (std::size_t i = 0; i < n; ++i) {
        bufs[i].resize(600);
        const bool hmac = i % 3 == 0;
        std::size_t len = build(bufs[i].data(), bufs[i].size(), (i * 37) % 300, !hmac);
        if (i == 7) len = 19;  // one bad job must not spoil the others
        expect[i] = bufs[i];
        const seal_params p = hmac ? seal_params{&k2.aes, &k2.mac, 16} : seal_params{&k1.aes};
        if (i != 7) {
            const auto r = seal({expect[i].data(), expect[i].size()}, len, static_cast<std::uint32_t>(i), p);
            BOOST_REQUIRE(r.ok());
            expect[i].resize(*r);
        }
        sj[i] = {bufs[i].data(), bufs[i].size(), len, static_cast<std::uint32_t>(i), p, drop_reason::none};
    }
    seal_burst(sj);
    std::vector<open_job> oj(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == 7) {
            BOOST_TEST(sj[i].status == drop_reason::datagram_too_short);
            continue;
        }
        BOOST_REQUIRE(sj[i].status == drop_reason::none);
        BOOST_TEST(test::hex({bufs[i].data(), sj[i].length}) == test::hex(test::view(expect[i])));
        outs[i].resize(600);
        const bool hmac = i % 3 == 0;
        oj[i].datagram = bufs[i].data();
        oj[i].length = sj[i].length;
        oj[i].out = i % 2 ? bufs[i].data() + 4 : outs[i].data();  // in place and separate
        oj[i].params = hmac ? open_params{&k2.aes, &k2.mac, 16, false} : open_params{&k1.aes};
    }
    oj[7] = oj[8];
    oj[7].params = {&k1.aes, &k2.mac, 16, false};  // wrong expectation: fails alone
    open_burst(oj);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == 7) {
            BOOST_TEST(oj[i].status != drop_reason::none);
            continue;
        }
        BOOST_REQUIRE(oj[i].status == drop_reason::none);
        BOOST_TEST(oj[i].plain.packet[0] == 0x0a);
        BOOST_TEST(oj[i].plain.packet[3] == 0x01);
    }
}

BOOST_AUTO_TEST_SUITE_END()
