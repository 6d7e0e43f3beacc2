// strato-bench: runs every registered benchmark (or those matching --filter)
// at least --runs times (default 7, minimum 5) and prints the median time per
// operation with the min/max spread, operations per second on one core, and
// TSC cycles per operation.
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench.hpp"

namespace strato::bench {

std::vector<bench_case>& registry() {
    static std::vector<bench_case> r;
    return r;
}

}  // namespace strato::bench

namespace {

using clock_type = std::chrono::steady_clock;

struct sample {
    double ns_per_op;
    double cycles_per_op;
};

struct summary {
    std::string name;
    std::size_t runs = 0;
    std::size_t ops_per_run = 0;
    double median_ns = 0, min_ns = 0, max_ns = 0, median_cycles = 0;
};

sample time_calls(const strato::bench::bench_case& b, std::size_t calls) {
    const auto t0 = clock_type::now();
    const unsigned long long c0 = __rdtsc();
    for (std::size_t i = 0; i < calls; ++i) b.call();
    const unsigned long long c1 = __rdtsc();
    const auto t1 = clock_type::now();
    const double ops = static_cast<double>(calls * b.ops_per_call);
    const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    return {ns / ops, static_cast<double>(c1 - c0) / ops};
}

summary run(const strato::bench::bench_case& b, std::size_t runs, double target_ms) {
    // Calibrate: double the call count until one run takes ~target_ms.
    std::size_t calls = 1;
    for (;;) {
        const sample s = time_calls(b, calls);
        const double ms = s.ns_per_op * static_cast<double>(calls * b.ops_per_call) / 1e6;
        if (ms >= target_ms / 4 || calls >= (std::size_t{1} << 30)) {
            calls = std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(calls) * target_ms / std::max(ms, 1e-3)));
            break;
        }
        calls *= 2;
    }
    std::vector<sample> v;
    for (std::size_t r = 0; r < runs; ++r) v.push_back(time_calls(b, calls));
    std::sort(v.begin(), v.end(), [](const sample& a, const sample& c) { return a.ns_per_op < c.ns_per_op; });
    summary s;
    s.name = b.name;
    s.runs = runs;
    s.ops_per_run = calls * b.ops_per_call;
    s.median_ns = v[v.size() / 2].ns_per_op;
    s.min_ns = v.front().ns_per_op;
    s.max_ns = v.back().ns_per_op;
    std::vector<double> cyc;
    for (const auto& x : v) cyc.push_back(x.cycles_per_op);
    std::sort(cyc.begin(), cyc.end());
    s.median_cycles = cyc[cyc.size() / 2];
    return s;
}

void usage() {
    std::puts("usage: strato-bench [--filter SUBSTRING] [--runs N (>=5)] [--ms MILLISECONDS_PER_RUN] [--json] [--list]");
}

}  // namespace

int main(int argc, char** argv) {
    std::string filter;
    std::size_t runs = 7;
    double target_ms = 60;
    bool json = false, list = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--filter" && i + 1 < argc) filter = argv[++i];
        else if (a == "--runs" && i + 1 < argc) runs = std::max<std::size_t>(5, std::strtoul(argv[++i], nullptr, 10));
        else if (a == "--ms" && i + 1 < argc) target_ms = std::max(1.0, std::strtod(argv[++i], nullptr));
        else if (a == "--json") json = true;
        else if (a == "--list") list = true;
        else {
            usage();
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    auto& reg = strato::bench::registry();
    std::sort(reg.begin(), reg.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    if (list) {
        for (const auto& b : reg) std::puts(b.name.c_str());
        return 0;
    }
    std::vector<summary> out;
    if (!json)
        std::printf("%-34s %12s %12s %12s %8s %14s %12s\n", "benchmark", "median ns/op", "min ns/op", "max ns/op",
                    "spread", "ops/s/core", "cycles/op");
    for (const auto& b : reg) {
        if (!filter.empty() && b.name.find(filter) == std::string::npos) continue;
        const summary s = run(b, runs, target_ms);
        out.push_back(s);
        if (!json) {
            std::printf("%-34s %12.1f %12.1f %12.1f %7.1f%% %14.0f %12.1f\n", s.name.c_str(), s.median_ns, s.min_ns,
                        s.max_ns, 100.0 * (s.max_ns - s.min_ns) / s.median_ns, 1e9 / s.median_ns, s.median_cycles);
            std::fflush(stdout);
        }
    }
    if (json) {
        std::printf("[\n");
        for (std::size_t i = 0; i < out.size(); ++i) {
            const summary& s = out[i];
            std::printf("  {\"name\": \"%s\", \"runs\": %zu, \"ops_per_run\": %zu, \"median_ns\": %.2f, \"min_ns\": %.2f, "
                        "\"max_ns\": %.2f, \"ops_per_s\": %.0f, \"cycles_per_op\": %.1f}%s\n",
                        s.name.c_str(), s.runs, s.ops_per_run, s.median_ns, s.min_ns, s.max_ns, 1e9 / s.median_ns,
                        s.median_cycles, i + 1 < out.size() ? "," : "");
        }
        std::printf("]\n");
    }
    return out.empty() ? 1 : 0;
}
