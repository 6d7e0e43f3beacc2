#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tests/support/hex.hpp"

using namespace strato::wire;
using strato::test::from_hex;
using strato::test::to_hex;

BOOST_AUTO_TEST_SUITE(packet)

// KAT-2, protocol reference §8.2.
BOOST_AUTO_TEST_CASE(kat2_checksum) {
    BOOST_TEST(checksum(from_hex("0102030405060708090a0b0c0d0e")) == 0xcec7u);
    BOOST_TEST(checksum(from_hex("010203")) == 0xfefau);
}

// The word-at-a-time sum against the definition, at every length and offset
// the fast loop distinguishes (odd byte low-order, RFC 7425 §4.7.3.1).
BOOST_AUTO_TEST_CASE(checksum_matches_definition) {
    std::vector<std::uint8_t> backing(700);
    std::uint32_t x = 12345;
    for (auto& b : backing) b = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 16);
    for (std::size_t offset = 0; offset < 4; ++offset)
        for (std::size_t n = 0; n + offset <= backing.size(); n += (n < 70 ? 1 : 37)) {
            std::uint32_t sum = 0;
            std::size_t i = 0;
            for (; i + 1 < n; i += 2) sum += (std::uint32_t{backing[offset + i]} << 8) | backing[offset + i + 1];
            if (i < n) sum += backing[offset + i];
            while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
            BOOST_TEST(checksum(bytes{backing.data() + offset, n}) == static_cast<std::uint16_t>(~sum));
        }
}

// KAT-3: the plaintext of a default-key IHello, built with the packet builder.
BOOST_AUTO_TEST_CASE(kat3_ihello_plaintext) {
    const auto epd = from_hex("180a72746d66703a2f2f6578616d706c652e636f6d2f617070");
    const auto tag = from_hex("000102030405060708090a0b0c0d0e0f");
    std::array<std::uint8_t, 256> buf{};
    packet_builder b(buf, startup_flags, 0x1234, std::nullopt);
    write_ihello(b.body(), ihello{epd, tag});
    BOOST_REQUIRE(b.finish());
    BOOST_TEST(to_hex(b.plaintext()) ==
               "907d0b123430002a19180a72746d66703a2f2f6578616d706c652e636f6d2f61"
               "7070000102030405060708090a0b0c0d0e0fffffffffffffffffffffffffffff");
    BOOST_TEST(b.datagram().size() == 4u + 64u);

    auto opened = open_plaintext(b.plaintext(), false, true);
    BOOST_REQUIRE(opened.ok());
    auto pkt = parse_packet(opened->packet);
    BOOST_REQUIRE(pkt.ok());
    BOOST_TEST((pkt->header.mode() == packet_mode::startup));
    BOOST_TEST(*pkt->header.timestamp == 0x1234u);
    BOOST_TEST(!pkt->header.timestamp_echo.has_value());
    chunk_reader chunks(pkt->chunks);
    chunk_view c;
    BOOST_REQUIRE(chunks.next(c));
    BOOST_TEST(c.type == 0x30u);
    auto ih = parse_ihello(c.value);
    BOOST_REQUIRE(ih.ok());
    BOOST_TEST(to_hex(ih->epd) == to_hex(epd));
    BOOST_TEST(to_hex(ih->tag) == to_hex(tag));
    BOOST_TEST(!chunks.next(c));
    BOOST_TEST((chunks.error() == drop_reason::none));
}

BOOST_AUTO_TEST_CASE(kat3_session_id_descrambles_to_zero) {
    const auto dgram = from_hex(
        "e32963fcaf9de7cf4cb484334925f02e4765f214f9ec4d5c1c066f8ac025fa54"
        "89aa32bdd08fed4403a3c332cb69b0ee5b26ae9e936d7f0005439d1dc31f6520"
        "8cb2d6a3");
    BOOST_TEST(session_id_of(dgram) == 0u);
    auto copy = dgram;
    scramble_session_id(copy, 0x01020304);
    BOOST_TEST(session_id_of(copy) == 0x01020304u);
    scramble_session_id(copy, 0);
    BOOST_TEST(to_hex(copy) == to_hex(dgram));
}

BOOST_AUTO_TEST_CASE(kat5_ping_plaintext) {
    std::array<std::uint8_t, 64> buf{};
    packet_builder b(buf, 0x02, 0x0100, std::nullopt);
    write_ping(b.body(), ping{});
    BOOST_REQUIRE(b.finish());
    BOOST_TEST(to_hex(b.plaintext()) == "f5fd0a0100010000ffffffffffffffff");
}

BOOST_AUTO_TEST_CASE(header_with_echo_and_sequence_number) {
    std::array<std::uint8_t, 64> buf{};
    packet_builder b(buf, 0x02, 7, 9, false, 300);
    write_session_close_ack(b.body());
    BOOST_REQUIRE(b.finish());
    BOOST_TEST(b.plaintext().size() % 16 == 0u);
    auto opened = open_plaintext(b.plaintext(), true, false);
    BOOST_REQUIRE(opened.ok());
    BOOST_TEST(*opened->session_sequence_number == 300u);
    auto pkt = parse_packet(opened->packet);
    BOOST_REQUIRE(pkt.ok());
    BOOST_TEST(pkt->header.flags == 0x0eu);
    BOOST_TEST(*pkt->header.timestamp_echo == 9u);
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_detected) {
    std::array<std::uint8_t, 64> buf{};
    packet_builder b(buf, 0x02, 1, std::nullopt);
    write_ping(b.body(), ping{});
    BOOST_REQUIRE(b.finish());
    auto pt = b.plaintext();
    for (std::size_t i = 0; i < pt.size(); ++i) {
        std::vector<std::uint8_t> copy(pt.begin(), pt.end());
        copy[i] ^= 0x01;
        auto r = open_plaintext(copy, false, true);
        BOOST_TEST((r.error() == drop_reason::bad_checksum), "byte " << i);
    }
}

BOOST_AUTO_TEST_CASE(mode_zero_is_forbidden) {
    BOOST_TEST((parse_packet(from_hex("08 0001 010000")).error() == drop_reason::bad_mode));
    BOOST_TEST((parse_packet(from_hex("0b 12")).error() == drop_reason::truncated));
    BOOST_TEST((parse_packet(from_hex("0f 1234 56")).error() == drop_reason::truncated));
}

BOOST_AUTO_TEST_CASE(chunk_walk_follows_padding_rule) {
    // Ping, a type-0 padding chunk, Ping Reply "ab", then 0xFF filler.
    auto b = from_hex("010000 000001ee 410001ab ffffff ff");
    chunk_reader r(b);
    chunk_view c;
    BOOST_REQUIRE(r.next(c));
    BOOST_TEST(c.type == 0x01u);
    BOOST_REQUIRE(r.next(c));
    BOOST_TEST(c.type == 0x41u);
    BOOST_TEST(to_hex(c.value) == "ab");
    BOOST_TEST(!r.next(c));
    BOOST_TEST((r.error() == drop_reason::none));
}

BOOST_AUTO_TEST_CASE(non_ff_trailing_bytes_are_bad_padding) {
    auto b = from_hex("010000 10 0fff 0000");  // a user data header claiming 4095 bytes
    chunk_reader r(b);
    chunk_view c;
    BOOST_REQUIRE(r.next(c));
    BOOST_TEST(!r.next(c));
    BOOST_TEST((r.error() == drop_reason::bad_padding));
}

BOOST_AUTO_TEST_CASE(builder_reports_overflow) {
    std::array<std::uint8_t, 24> buf{};
    packet_builder b(buf, 0x02, 1, std::nullopt);
    const std::vector<std::uint8_t> big(64, 0x11);
    write_ping(b.body(), ping{big});
    BOOST_TEST(!b.finish());
}

BOOST_AUTO_TEST_SUITE_END()
