// Hostile plaintexts: the chunks of the golden captures with random bytes
// changed, sealed again under the default key, must decode or be reported
// with a reason, never crash (the ASan/UBSan build runs this too).
#include <boost/test/unit_test.hpp>

#include <random>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "tests/unit/dump/fixtures.hpp"
#include "tools/strato-dump/decoder.hpp"

using namespace strato;
using namespace strato::dump;
using namespace strato::dump::test;

namespace {

// Ethernet + IPv4 + UDP around a payload; checksums are not checked by the dump.
pcap_frame frame_of(wire::bytes payload, std::uint64_t number) {
    pcap_frame f;
    f.number = number;
    f.ts_usec = number;
    const std::size_t ip_len = 20 + 8 + payload.size();
    f.data = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
              0x45, 0, static_cast<std::uint8_t>(ip_len >> 8), static_cast<std::uint8_t>(ip_len), 0, 0, 0, 0, 64, 17,
              0, 0, 198, 19, 1, 11, 198, 18, 0, 1,
              0xb1, 0x29, 0x07, 0x8f, static_cast<std::uint8_t>((ip_len - 20) >> 8),
              static_cast<std::uint8_t>(ip_len - 20), 0, 0};
    f.data.insert(f.data.end(), payload.begin(), payload.end());
    return f;
}

} // namespace

BOOST_AUTO_TEST_CASE(mutated_chunks_never_crash) {
    const crypto::aes_key* key = crypto::default_aes_key();
    BOOST_REQUIRE_MESSAGE(key, "IPsec-MB unavailable");
    std::mt19937 rng(7016);
    std::vector<pcap_frame> frames;
    std::uint64_t n = 0;
    for (const char* name : capture_names) {
        const auto c = decode_file(capture_file(name, ".pcap"), capture_file(name, ".keys"));
        for (const auto& p : c.packets) {
            for (int round = 0; round < 3; ++round) {
                std::vector<std::uint8_t> buf(9000);
                wire::packet_builder b(buf, wire::startup_flags, std::uint16_t{1}, std::nullopt);
                for (auto ch : p.chunks) {
                    // Keep the 3-byte header mostly intact so the chunk parsers,
                    // not the chunk walk, see the damage; sometimes hit it too.
                    const std::size_t flips = 1 + rng() % 4;
                    for (std::size_t i = 0; i < flips && ch.bytes.size() > 3; ++i) {
                        const std::size_t at = rng() % 8 == 0 ? rng() % ch.bytes.size()
                                                               : 3 + rng() % (ch.bytes.size() - 3);
                        ch.bytes[at] = static_cast<std::uint8_t>(rng());
                    }
                    b.body().put(ch.bytes);
                }
                if (!b.finish()) continue;
                crypto::seal_params sp;
                sp.key = key;
                auto len = crypto::seal(b, 0, sp);
                BOOST_REQUIRE(len.ok());
                frames.push_back(frame_of(wire::bytes(buf.data(), *len), ++n));
            }
        }
    }
    // One capture, so flow state (metadata, fragments) carries across frames.
    const auto c = decode_capture(frames, nullptr, "mutated", "");
    BOOST_TEST(c.packets.size() == frames.size());
    std::size_t with_errors = 0;
    for (const auto& p : c.packets) {
        BOOST_TEST(p.rtmfp);
        with_errors += !p.errors.empty();
    }
    BOOST_TEST(with_errors > 0u);
    BOOST_TEST_MESSAGE(frames.size() << " mutated packets, " << with_errors << " with reported errors");
}
