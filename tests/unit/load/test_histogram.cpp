// The latency histogram: bucket arithmetic, bounded error, percentiles
// against sorted samples, merge.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <initializer_list>
#include <cmath>
#include <random>
#include <vector>

#include "tools/strato-load/histogram.hpp"

using strato::load::histogram;

BOOST_AUTO_TEST_SUITE(load_histogram)

BOOST_AUTO_TEST_CASE(small_values_are_exact) {
    for (std::uint64_t v = 0; v < histogram::sub_count; ++v) {
        BOOST_TEST(histogram::index_of(v) == v);
        BOOST_TEST(histogram::lowest_of(v) == v);
        BOOST_TEST(histogram::highest_of(v) == v);
    }
}

BOOST_AUTO_TEST_CASE(buckets_tile_the_range_with_bounded_error) {
    // Consecutive buckets touch; exact below 128, then at most 1/64 of the value wide.
    for (std::size_t i = 0; i + 1 < histogram::bucket_count; ++i) {
        BOOST_TEST_REQUIRE(histogram::highest_of(i) + 1 == histogram::lowest_of(i + 1));
        const double lo = static_cast<double>(histogram::lowest_of(i));
        const double width = static_cast<double>(histogram::highest_of(i) - histogram::lowest_of(i)) + 1;
        if (i >= histogram::sub_count) BOOST_TEST_REQUIRE(width / lo <= 1.0 / 64 + 1e-12);
        else BOOST_TEST_REQUIRE(width == 1.0);
    }
    BOOST_TEST(histogram::highest_of(histogram::bucket_count - 1) == UINT64_MAX);
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{128, 129, 255, 256, 1000, 123456789, (1ull << 40) + 7, UINT64_MAX}) {
        const auto i = histogram::index_of(v);
        BOOST_TEST(histogram::lowest_of(i) <= v);
        BOOST_TEST(histogram::highest_of(i) >= v);
    }
}

BOOST_AUTO_TEST_CASE(percentiles_match_sorted_samples_within_bucket_width) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(11.0, 1.0);  // ~60 us median, long tail (ns)
    histogram h;
    std::vector<std::uint64_t> samples;
    for (int i = 0; i < 200000; ++i) {
        const auto v = static_cast<std::uint64_t>(dist(rng));
        samples.push_back(v);
        h.record(v);
    }
    std::sort(samples.begin(), samples.end());
    BOOST_TEST(h.count() == samples.size());
    BOOST_TEST(h.min() == samples.front());
    BOOST_TEST(h.max() == samples.back());
    for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
        const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(samples.size())));
        const auto exact = samples[rank - 1];
        const auto got = h.percentile(p);
        // Never optimistic, at most one bucket (1/64) pessimistic.
        BOOST_TEST(got >= exact);
        BOOST_TEST(static_cast<double>(got) <= static_cast<double>(exact) * (1 + 1.0 / 64) + 1);
    }
}

BOOST_AUTO_TEST_CASE(empty_merge_reset) {
    histogram a, b;
    BOOST_TEST(a.percentile(50) == 0u);
    BOOST_TEST(a.min() == 0u);
    a.record(10);
    b.record(1000);
    b.record(2000);
    a.merge(b);
    BOOST_TEST(a.count() == 3u);
    BOOST_TEST(a.min() == 10u);
    BOOST_TEST(a.max() == 2000u);
    BOOST_TEST(a.percentile(0) == 10u);
    BOOST_TEST(a.percentile(100) == 2000u);
    a.reset();
    BOOST_TEST(a.count() == 0u);
    BOOST_TEST(a.max() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
