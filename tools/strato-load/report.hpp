#pragma once
// End-of-run summary: text for people, one JSON object for machines.
#include <cstdio>

#include "tools/strato-load/generator.hpp"
#include "tools/strato-load/options.hpp"
#include "tools/strato-load/sessions.hpp"

namespace strato::load {

void print_summary(std::FILE* out, const load_options& o, const run_result& r);
void print_json(std::FILE* out, const load_options& o, const run_result& r);
void print_session_summary(std::FILE* out, const load_options& o, const session_result& r);
void print_session_json(std::FILE* out, const load_options& o, const session_result& r);

} // namespace strato::load
