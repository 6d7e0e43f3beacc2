#pragma once
// Summing per-lcore counters (lock-free, relaxed reads) and printing them:
// a one-line summary every few seconds, and a full key=value dump at exit
// that tests and operators can parse.
#include <cstdio>

#include "dataplane/engine/counters.hpp"
#include "dataplane/session/config.hpp"

namespace strato::stratod {

void print_summary_line(std::FILE* out, const engine::counters_total& now, const engine::counters_total& before,
                        double seconds);
void print_final_stats(std::FILE* out, const engine::counters_total& t, std::size_t port_count);
void print_session_stats(std::FILE* out, const session::session_stats& s);

} // namespace strato::stratod
