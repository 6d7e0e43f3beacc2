#include "dataplane/session/ack.hpp"

#include <bit>

namespace strato::session {

std::size_t received_set::extent() const noexcept {
    for (std::size_t w = bits.size(); w-- > 0;) {
        if (bits[w]) return w * 64 + 64 - static_cast<std::size_t>(std::countl_zero(bits[w]));
    }
    return 0;
}

namespace {
constexpr std::size_t scratch_size = 8 + 3 * 10 + recv_seq_window;  // chunk header, head VLUs, worst-case body

// Bitmap: bytes after the head; byte k bit j (LSB = 0) is cumAck + 2 + 8k + j.
std::size_t build_bitmap(wire::mutable_bytes out, std::uint64_t flow_id, std::uint64_t blocks, std::uint64_t cum,
                         const received_set& above) noexcept {
    std::uint8_t body[recv_seq_window / 8 + 1]{};
    const std::size_t extent = above.extent();
    const std::size_t nbytes = extent > 1 ? (extent - 1 + 7) / 8 : 0;
    for (std::size_t i = 1; i < extent; ++i) {
        if (above.test(i)) body[(i - 1) / 8] |= static_cast<std::uint8_t>(1u << ((i - 1) % 8));
    }
    wire::writer w(out);
    wire::write_data_ack_bitmap(w, {flow_id, blocks, cum, wire::bytes{body, nbytes}});
    return w.ok() ? w.size() : SIZE_MAX;
}

// Ranges: (holes - 1, received - 1) pairs starting after cumAck.
std::size_t build_ranges(wire::mutable_bytes out, std::uint64_t flow_id, std::uint64_t blocks, std::uint64_t cum,
                         const received_set& above) noexcept {
    std::uint8_t body[recv_seq_window * 2 + 8];
    wire::writer b({body, sizeof body});
    const std::size_t extent = above.extent();
    std::size_t i = 0;
    while (i < extent) {
        std::size_t holes = 0;
        while (i < extent && !above.test(i)) ++holes, ++i;
        std::size_t got = 0;
        while (i < extent && above.test(i)) ++got, ++i;
        b.vlu(holes - 1);
        b.vlu(got - 1);
    }
    wire::writer w(out);
    wire::write_data_ack_ranges(w, {flow_id, blocks, cum, b.written()});
    return w.ok() && b.ok() ? w.size() : SIZE_MAX;
}
} // namespace

bool write_ack(wire::writer& w, std::size_t room, std::uint64_t flow_id, std::uint64_t blocks,
               std::uint64_t cumulative_ack, const received_set& above, ack_form form) noexcept {
    std::uint8_t bm[scratch_size], rg[recv_seq_window * 2 + 40];
    const std::size_t nb = form == ack_form::ranges ? SIZE_MAX
                                                    : build_bitmap({bm, sizeof bm}, flow_id, blocks, cumulative_ack, above);
    const std::size_t nr = form == ack_form::bitmap ? SIZE_MAX
                                                    : build_ranges({rg, sizeof rg}, flow_id, blocks, cumulative_ack, above);
    // Range wins ties: it is the form legacy servers send (MonaServer2).
    const bool use_ranges = nr <= nb;
    const std::size_t n = use_ranges ? nr : nb;
    if (n == SIZE_MAX || n > room) return false;
    w.put(wire::bytes{use_ranges ? rg : bm, n});
    return w.ok();
}

acked_ranges::acked_ranges(const wire::data_ack_bitmap& a) noexcept
    : info_{a.flow_id, a.buffer_blocks_available, a.cumulative_ack}, bitmap_(true), bitmap_bytes_(a.bitmap),
      ranges_(wire::data_ack_ranges{}) {}

acked_ranges::acked_ranges(const wire::data_ack_ranges& a) noexcept
    : info_{a.flow_id, a.buffer_blocks_available, a.cumulative_ack}, ranges_(a) {}

bool acked_ranges::next(wire::ack_range& out) noexcept {
    if (!bitmap_) return ranges_.next(out);
    const std::size_t nbits = bitmap_bytes_.size() * 8;
    auto test = [&](std::size_t b) { return (bitmap_bytes_[b / 8] >> (b % 8)) & 1u; };
    while (bit_ < nbits && !test(bit_)) ++bit_;
    if (bit_ >= nbits) return false;
    const std::size_t first = bit_;
    while (bit_ < nbits && test(bit_)) ++bit_;
    // Bit b stands for cumAck + 2 + b; refuse ranges that would wrap.
    const std::uint64_t base = info_.cumulative_ack + 2;
    if (base < info_.cumulative_ack || base + (bit_ - 1) < base) return false;
    out = wire::ack_range{base + first, base + (bit_ - 1)};
    return true;
}

} // namespace strato::session
