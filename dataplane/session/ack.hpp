#pragma once
// Acknowledgement chunks (RFC 7016 §2.3.13-14, §3.6.3.5): building the shorter
// of Bitmap and Range form from a receiving flow's state, and walking either
// form as a list of acknowledged sequence ranges on the sending side.
#include <array>
#include <cstdint>

#include "dataplane/session/config.hpp"
#include "dataplane/wire/bytes.hpp"
#include "dataplane/wire/chunks.hpp"

namespace strato::session {

// Sequence numbers received above the cumulative ack: bit i stands for
// cumulative_ack + 1 + i (bit 0 is clear by definition).
struct received_set {
    std::array<std::uint64_t, recv_seq_window / 64> bits{};
    bool test(std::size_t i) const noexcept { return (bits[i / 64] >> (i % 64)) & 1u; }
    void set(std::size_t i) noexcept { bits[i / 64] |= std::uint64_t{1} << (i % 64); }
    // Highest set index + 1 (0 when empty).
    std::size_t extent() const noexcept;
};

enum class ack_form : std::uint8_t { shortest, bitmap, ranges };

// Appends one ack chunk for the flow. Returns false (writing nothing) when it
// does not fit in `room` bytes.
[[nodiscard]] bool write_ack(wire::writer& w, std::size_t room, std::uint64_t flow_id, std::uint64_t blocks,
                             std::uint64_t cumulative_ack, const received_set& above,
                             ack_form form = ack_form::shortest) noexcept;

// Acknowledged ranges of an incoming ack chunk, cumulative part first.
struct ack_info {
    std::uint64_t flow_id = 0;
    std::uint64_t blocks = 0;
    std::uint64_t cumulative_ack = 0;
};
class acked_ranges {
public:
    explicit acked_ranges(const wire::data_ack_bitmap& a) noexcept;
    explicit acked_ranges(const wire::data_ack_ranges& a) noexcept;
    const ack_info& info() const noexcept { return info_; }
    // Next range above the cumulative ack; false at the end.
    [[nodiscard]] bool next(wire::ack_range& out) noexcept;

private:
    ack_info info_;
    bool bitmap_ = false;
    wire::bytes bitmap_bytes_{};
    std::size_t bit_ = 0;  // next bitmap bit to look at
    wire::ack_range_reader ranges_;
};

} // namespace strato::session
