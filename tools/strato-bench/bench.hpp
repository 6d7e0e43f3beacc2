#pragma once
// A tiny benchmark registry: a benchmark is a name, the number of operations
// one call performs, and the call. Add one anywhere with
//   STRATO_BENCH("area.name", ops_per_call) { ...body... }
// The runner times repeated calls, at least five runs, and reports medians.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace strato::bench {

struct bench_case {
    std::string name;
    std::size_t ops_per_call = 1;
    std::function<void()> call;
};

std::vector<bench_case>& registry();

struct registrar {
    registrar(std::string name, std::size_t ops, std::function<void()> fn) {
        registry().push_back({std::move(name), ops, std::move(fn)});
    }
};

// Keeps the optimiser from dropping a computed value.
template <class T>
inline void keep(const T& v) {
    asm volatile("" : : "r,m"(v) : "memory");
}
inline void clobber() { asm volatile("" : : : "memory"); }

}  // namespace strato::bench

#define STRATO_BENCH_CAT2(a, b) a##b
#define STRATO_BENCH_CAT(a, b) STRATO_BENCH_CAT2(a, b)
#define STRATO_BENCH(name, ops)                                                                        \
    static void STRATO_BENCH_CAT(bench_fn_, __LINE__)();                                              \
    static ::strato::bench::registrar STRATO_BENCH_CAT(bench_reg_, __LINE__)(name, ops,                \
                                                                             STRATO_BENCH_CAT(bench_fn_, __LINE__)); \
    static void STRATO_BENCH_CAT(bench_fn_, __LINE__)()
