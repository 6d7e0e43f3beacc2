#pragma once
// An HDR-style latency histogram: log-linear buckets over 64-bit values
// (nanoseconds here). Values below 2^sub_bits are exact; above, each power of
// two is split into 2^(sub_bits-1) equal buckets, so every recorded value is
// known to within 1/64 (1.6 %) of itself. The counts live in a fixed array
// inside the object: recording is a count-leading-zeros and an increment,
// never an allocation, so it is safe in the packet loop.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace strato::load {

class histogram {
public:
    static constexpr unsigned sub_bits = 7;
    static constexpr std::uint64_t sub_count = 1ull << sub_bits;  // 128 exact values
    static constexpr std::uint64_t half = sub_count / 2;          // buckets per octave
    // Octaves 7..63 each add `half` buckets after the exact range.
    static constexpr std::size_t bucket_count = sub_count + (64 - sub_bits) * half;

    static constexpr std::size_t index_of(std::uint64_t v) noexcept {
        if (v < sub_count) return static_cast<std::size_t>(v);
        const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
        const unsigned shift = msb - (sub_bits - 1);  // v >> shift is in [half, sub_count)
        return static_cast<std::size_t>(sub_count + (shift - 1) * half + ((v >> shift) - half));
    }
    // Smallest and largest value that land in bucket i.
    static constexpr std::uint64_t lowest_of(std::size_t i) noexcept {
        if (i < sub_count) return i;
        const std::uint64_t shift = (i - sub_count) / half + 1;
        const std::uint64_t mantissa = (i - sub_count) % half + half;
        return mantissa << shift;
    }
    static constexpr std::uint64_t highest_of(std::size_t i) noexcept {
        if (i < sub_count) return i;
        const std::uint64_t shift = (i - sub_count) / half + 1;
        return lowest_of(i) + ((1ull << shift) - 1);
    }

    void record(std::uint64_t v) noexcept {
        ++counts_[index_of(v)];
        ++total_;
        sum_ += v;
        if (v < min_) min_ = v;
        if (v > max_) max_ = v;
    }
    void merge(const histogram& o) noexcept;
    void reset() noexcept;

    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0; }
    // The value at or below which `p` percent (0..100) of the samples lie,
    // reported as the highest value of its bucket (never optimistic) and
    // clamped to the true maximum. 0 when empty.
    std::uint64_t percentile(double p) const noexcept;

private:
    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
};

} // namespace strato::load
