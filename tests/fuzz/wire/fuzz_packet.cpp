// libFuzzer target: the whole plaintext path of the wire codec on arbitrary
// bytes: plaintext framing, header, chunk walk and every chunk parser.
#include <cstddef>
#include <cstdint>

#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/option.hpp"
#include "dataplane/wire/packet.hpp"

using namespace strato::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool sseq = data[0] & 1;
    const bool checksum_mode = data[0] & 2;
    const bytes input{data + 1, size - 1};
    auto plain = open_plaintext(input, sseq, checksum_mode);
    const bytes packet_bytes = plain.ok() ? plain->packet : input;
    auto pkt = parse_packet(packet_bytes);
    if (!pkt.ok()) return 0;
    chunk_reader chunks(pkt->chunks);
    chunk_view c;
    while (chunks.next(c)) {
        (void)check_chunk(c);
        switch (static_cast<chunk_type>(c.type)) {
        case chunk_type::ihello:
            if (auto ih = parse_ihello(c.value); ih.ok()) (void)parse_epd(ih->epd);
            break;
        case chunk_type::user_data:
            if (auto ud = parse_user_data(c.value); ud.ok()) (void)parse_user_data_options(ud->options);
            break;
        case chunk_type::data_ack_ranges:
            if (auto ra = parse_data_ack_ranges(c.value); ra.ok()) {
                ack_range_reader it(*ra);
                ack_range r{};
                while (it.next(r)) {
                }
            }
            break;
        case chunk_type::iikeying:
            if (auto k = parse_iikeying(c.value); k.ok()) {
                (void)check_options(k->certificate);
                (void)check_options(k->skic);
            }
            break;
        default:
            break;
        }
    }
    return 0;
}
