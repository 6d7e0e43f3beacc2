#include "dataplane/wire/packet.hpp"

#include "dataplane/wire/ones_complement.hpp"

#include <algorithm>

namespace strato::wire {

std::uint16_t checksum(bytes b) noexcept {
    const std::size_t even = b.size() & ~std::size_t{1};
    std::uint32_t sum = ones_complement_sum_even(b.data(), even);
    // RFC 7425 §4.7.3.1 (and every implementation): an odd trailing byte is
    // added as the low-order byte, unlike RFC 1071's zero padding.
    if (even < b.size()) sum += b[even];
    sum = (sum >> 16) + (sum & 0xffff);
    sum += sum >> 16;
    return static_cast<std::uint16_t>(~sum);
}

namespace {
std::uint32_t word_at(bytes b, std::size_t at) noexcept {
    std::uint32_t w = 0;
    for (std::size_t i = 0; i < 4; ++i) w = (w << 8) | (at + i < b.size() ? b[at + i] : 0u);
    return w;
}
} // namespace

std::uint32_t session_id_of(bytes datagram) noexcept {
    if (datagram.size() < session_id_size) return 0;
    return word_at(datagram, 0) ^ word_at(datagram, 4) ^ word_at(datagram, 8);
}

void scramble_session_id(mutable_bytes datagram, std::uint32_t session_id) noexcept {
    if (datagram.size() < session_id_size) return;
    const bytes d{datagram.data(), datagram.size()};
    const std::uint32_t ssid = session_id ^ word_at(d, 4) ^ word_at(d, 8);
    for (int i = 0; i < 4; ++i) datagram[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ssid >> (24 - 8 * i));
}

result<packet_view> parse_packet(bytes plain) noexcept {
    reader in(plain);
    packet_view p;
    if (in.u8(p.header.flags) != drop_reason::none) return drop_reason::truncated;
    if (p.header.mode() == packet_mode::forbidden) return drop_reason::bad_mode;
    std::uint16_t v = 0;
    if (p.header.flags & flag_timestamp) {
        if (in.u16(v) != drop_reason::none) return drop_reason::truncated;
        p.header.timestamp = v;
    }
    if (p.header.flags & flag_timestamp_echo) {
        if (in.u16(v) != drop_reason::none) return drop_reason::truncated;
        p.header.timestamp_echo = v;
    }
    p.chunks = in.rest();
    return p;
}

bool chunk_reader::next(chunk_view& out) noexcept {
    for (;;) {
        if (in_.remaining() < 3) break;
        const bytes rest = in_.rest();
        const std::uint8_t type = rest[0];
        const std::size_t len = (std::size_t{rest[1]} << 8) | rest[2];
        if (len > rest.size() - 3) break;  // the rest is padding
        (void)in_.skip(3 + len);
        if (type == 0x00 || type == 0xff) continue;  // padding chunks
        out = chunk_view{type, rest.subspan(3, len)};
        return true;
    }
    const bytes tail = in_.take_rest();
    if (!std::all_of(tail.begin(), tail.end(), [](std::uint8_t b) { return b == 0xff; }))
        error_ = drop_reason::bad_padding;
    return false;
}

result<plaintext_view> open_plaintext(bytes plaintext, bool has_sseq, bool checksum_mode) noexcept {
    reader in(plaintext);
    plaintext_view v;
    if (has_sseq) {
        std::uint64_t s = 0;
        if (auto r = in.vlu(s); r != drop_reason::none) return r;
        v.session_sequence_number = s;
    }
    if (checksum_mode) {
        std::uint16_t stored = 0;
        if (in.u16(stored) != drop_reason::none) return drop_reason::truncated;
        if (checksum(in.rest()) != stored) return drop_reason::bad_checksum;
    }
    v.packet = in.rest();
    if (v.packet.empty()) return drop_reason::truncated;
    return v;
}

packet_builder::packet_builder(mutable_bytes datagram, std::uint8_t flags, std::optional<std::uint16_t> timestamp,
                               std::optional<std::uint16_t> timestamp_echo, bool checksum_mode,
                               std::optional<std::uint64_t> sseq) noexcept
    : w_(datagram), checksum_mode_(checksum_mode) {
    (void)w_.hole(session_id_size);
    if (sseq) w_.vlu(*sseq);
    if (checksum_mode_) checksum_at_ = w_.hole(2);
    packet_at_ = w_.size();
    if (timestamp) flags |= flag_timestamp; else flags &= static_cast<std::uint8_t>(~flag_timestamp);
    if (timestamp_echo) flags |= flag_timestamp_echo; else flags &= static_cast<std::uint8_t>(~flag_timestamp_echo);
    w_.u8(flags);
    if (timestamp) w_.u16(*timestamp);
    if (timestamp_echo) w_.u16(*timestamp_echo);
}

std::size_t packet_builder::room() const noexcept {
    const std::size_t used = w_.size() - packet_at_;
    const std::size_t budget = used < max_plain_packet ? max_plain_packet - used : 0;
    return std::min(budget, w_.room());
}

bool packet_builder::finish() noexcept {
    const std::size_t plain_len = w_.size() - session_id_size;
    const std::size_t pad = (cipher_block - plain_len % cipher_block) % cipher_block;
    w_.fill(0xff, pad);
    if (!w_.ok()) return false;
    if (checksum_mode_) {
        const bytes covered{w_.buffer().data() + checksum_at_ + 2, w_.size() - checksum_at_ - 2};
        w_.patch_u16(checksum_at_, checksum(covered));
    }
    return true;
}

} // namespace strato::wire
