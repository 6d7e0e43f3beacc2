#include "tools/strato-load/histogram.hpp"

#include <cmath>

namespace strato::load {

void histogram::merge(const histogram& o) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    if (o.total_ && o.min_ < min_) min_ = o.min_;
    if (o.max_ > max_) max_ = o.max_;
}

void histogram::reset() noexcept {
    counts_.fill(0);
    total_ = sum_ = max_ = 0;
    min_ = UINT64_MAX;
}

std::uint64_t histogram::percentile(double p) const noexcept {
    if (total_ == 0) return 0;
    if (p < 0) p = 0;
    if (p > 100) p = 100;
    // Rank of the sample wanted, 1-based: ceil(p% of n), at least 1.
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            const std::uint64_t hi = highest_of(i);
            return hi < max_ ? hi : max_;
        }
    }
    return max_;
}

} // namespace strato::load
