#pragma once
// Summing per-lcore counters (lock-free, relaxed reads) and printing them:
// a one-line summary every few seconds, and a full key=value dump at exit
// that tests and operators can parse.
#include <cstdio>
#include <vector>

#include "dataplane/engine/counters.hpp"
#include "dataplane/stratod/worker.hpp"

namespace strato::stratod {

engine::counters_total sum_counters(const std::vector<worker_context*>& workers) noexcept;
void print_summary_line(std::FILE* out, const engine::counters_total& now, const engine::counters_total& before,
                        double seconds);
void print_final_stats(std::FILE* out, const engine::counters_total& t, std::size_t port_count);

} // namespace strato::stratod
