// strato-bench-groups: what the group table costs, on this machine.
// With GROUPS groups (1M by default) of MEMBERS members each already in the
// table: joins per second on one core (each join computes its answer:
// ring neighbours + random members, and the neighbours to notify), join
// latency percentiles (= the control thread's member-list answer time,
// without the event ring and the control loop's wake-up), leaves per
// second, and bytes per membership measured with the allocator (mallinfo2).
// Medians of 5 runs with min and max. No DPDK: the table is plain C++.
//   strato-bench-groups [GROUPS] [MEMBERS]
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/wire/mix.hpp"
#include "control/groups/group_table.hpp"

using namespace strato::control;
using clk = std::chrono::steady_clock;

namespace {

constexpr int runs = 5;
constexpr std::uint32_t joins_per_run = 200'000;

std::uint64_t splitmix(std::uint64_t& x) { return strato::wire::splitmix64_next(x); }

template <class A>
void fill_random(A& a, std::uint64_t& seed) {
    for (std::size_t i = 0; i < a.size(); i += 8) {
        const std::uint64_t r = splitmix(seed);
        std::memcpy(a.data() + i, &r, std::min<std::size_t>(8, a.size() - i));
    }
}

// Everyone is introducible: the real filter is one peer directory lookup
// per candidate (see strato-bench-directory for its cost).
struct everyone final : member_filter {
    bool introducible(const member_peer_id&, std::uint16_t, std::uint32_t) const noexcept override { return true; }
};

struct stat3 {
    double median, min, max;
};
stat3 summarize(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v.front(), v.back()};
}

std::size_t heap_in_use() { return mallinfo2().uordblks + mallinfo2().hblkhd; }

} // namespace

int main(int argc, char** argv) {
    const std::uint32_t groups = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 1'000'000;
    const std::uint32_t members = argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 4;
    if (groups == 0 || members == 0) {
        std::fprintf(stderr, "usage: strato-bench-groups [GROUPS >= 1] [MEMBERS >= 1]\n");
        return 2;
    }
    std::vector<double> join_rates, leave_rates, p50s, p99s, bytes_each;
    everyone filter;
    for (int run = 0; run < runs; ++run) {
        std::uint64_t seed = 0x5eed0000u + static_cast<std::uint64_t>(run);
        std::vector<group_id> ids(groups);
        for (auto& g : ids) fill_random(g, seed);
        const std::size_t heap_before = heap_in_use();
        group_table t;
        std::string error;
        group_limits limits;
        limits.max_groups = groups + 1;
        limits.max_memberships = groups * members + joins_per_run + 1;
        if (!t.init(limits, {app_group_rules{}}, seed, error)) {
            std::fprintf(stderr, "%s\n", error.c_str());
            return 1;
        }
        std::uint32_t session = 1;
        join_request r;
        for (std::uint32_t m = 0; m < members; ++m)
            for (std::uint32_t g = 0; g < groups; ++g) {
                r.group = ids[g];
                fill_random(r.peer, seed);
                r.who = member_key{static_cast<std::uint16_t>(session % 4), session, 3};
                ++session;
                (void)t.join(r, filter);
            }
        const double per_membership =
            double(heap_in_use() - heap_before) / double(t.membership_count());

        // Joins into random existing groups (each computes a full answer).
        std::vector<double> latencies;
        latencies.reserve(joins_per_run);
        const std::uint32_t first_new = session;
        std::uint64_t answered = 0;
        const auto j0 = clk::now();
        for (std::uint32_t i = 0; i < joins_per_run; ++i) {
            r.group = ids[splitmix(seed) % groups];
            fill_random(r.peer, seed);
            r.who = member_key{static_cast<std::uint16_t>(session % 4), session, 3};
            ++session;
            const auto a = clk::now();
            const auto ans = t.join(r, filter);
            latencies.push_back(std::chrono::duration<double, std::micro>(clk::now() - a).count());
            answered += ans.member_count;
        }
        const double join_s = std::chrono::duration<double>(clk::now() - j0).count();
        const auto l0 = clk::now();
        for (std::uint32_t s = first_new; s < session; ++s) (void)t.leave_session(static_cast<std::uint16_t>(s % 4), s);
        const double leave_s = std::chrono::duration<double>(clk::now() - l0).count();
        std::sort(latencies.begin(), latencies.end());
        join_rates.push_back(joins_per_run / join_s);
        leave_rates.push_back(joins_per_run / leave_s);
        p50s.push_back(latencies[latencies.size() / 2]);
        p99s.push_back(latencies[latencies.size() * 99 / 100]);
        bytes_each.push_back(per_membership);
        std::printf("run %d: %u groups, %zu memberships, joins %.0f/s, leaves %.0f/s, join p50 %.2f us p99 %.2f us, "
                    "%.1f members per answer, %.0f bytes/membership\n",
                    run + 1, groups, t.membership_count(), joins_per_run / join_s, joins_per_run / leave_s,
                    latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100],
                    double(answered) / joins_per_run, per_membership);
    }
    const auto jr = summarize(join_rates), lr = summarize(leave_rates), p50 = summarize(p50s), p99 = summarize(p99s),
               b = summarize(bytes_each);
    std::printf("median of %d: joins/s %.0f (min %.0f max %.0f), leaves/s %.0f (min %.0f max %.0f), "
                "join p50 %.2f us (min %.2f max %.2f), p99 %.2f us (min %.2f max %.2f), bytes/membership %.0f\n",
                runs, jr.median, jr.min, jr.max, lr.median, lr.min, lr.max, p50.median, p50.min, p50.max, p99.median,
                p99.min, p99.max, b.median);
    return 0;
}
