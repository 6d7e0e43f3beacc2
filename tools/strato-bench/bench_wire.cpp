// Wire parser benchmarks on real-sized startup chunks.
#include <array>
#include <cstdint>
#include <vector>

#include "bench.hpp"
#include "dataplane/wire/chunks.hpp"

using namespace strato;

namespace {

// The IHello value rtmfp-cpp sends (46 bytes: 29-byte URI EPD, 16-byte tag;
// rtmfpcpp-tcserver-connect.pcap #1).
constexpr std::array<std::uint8_t, 46> ihello_value{
    0x1d, 0x1c, 0x0a, 'r',  't',  'm',  'f',  'p',  ':',  '/',  '/',  '1',  '9',  '8',  '.',  '1',
    '8',  '.',  '0',  '.',  '1',  ':',  '1',  '9',  '3',  '5',  '/',  'a',  'p',  'p',  0x80, 0x64,
    0xbf, 0x9c, 0xc2, 0x73, 0x4f, 0x85, 0x05, 0x45, 0xe7, 0x5e, 0x05, 0xd9, 0x9e, 0x19};

// A Flash-layout IIKeying value, 281 bytes as librtmfp sends it (§3.5):
// ISID | 40 cookie64 | 81 04 cert132 | 4c SKIC76 | 58.
std::vector<std::uint8_t> make_iikeying() {
    std::vector<std::uint8_t> v(400);
    wire::writer w({v.data(), v.size()});
    w.u32(0x02000000);
    w.u8(64);
    w.fill(0x11, 64);
    w.vlu(132);
    w.u8(0x81); w.u8(0x02); w.u8(0x1d); w.u8(0x02);
    w.fill(0x7b, 128);
    w.vlu(76);
    w.u8(0x02); w.u8(0x1d); w.u8(0x02); w.u8(0x41); w.u8(0x0e);
    w.fill(0xa5, 64);
    w.u8(0x03); w.u8(0x1a); w.u8(0x02); w.u8(0x0a); w.u8(0x02); w.u8(0x1e); w.u8(0x02);
    w.u8(0x58);
    v.resize(w.size());
    return v;
}

const std::vector<std::uint8_t> iikeying_value = make_iikeying();

}  // namespace

STRATO_BENCH("wire.ihello_parse_46B", 1) {
    bench::clobber();
    auto r = wire::parse_ihello({ihello_value.data(), ihello_value.size()});
    bench::keep(r.ok());
    bench::keep(r->tag.data());
}

STRATO_BENCH("wire.iikeying_parse_281B", 1) {
    bench::clobber();
    auto r = wire::parse_iikeying({iikeying_value.data(), iikeying_value.size()});
    bench::keep(r.ok());
    bench::keep(r->skic.data());
}
