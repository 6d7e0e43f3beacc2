#pragma once
#include "tools/strato-load/options.hpp"

namespace strato::load {
// A plain kernel UDP reflector: every datagram goes back to its sender
// unchanged, in recvmmsg/sendmmsg bursts. The generator's own ceiling is
// measured against it (`--echo`), with the same per-reply work as against
// stratod. Returns the exit code.
int run_reflector(const load_options& o, volatile const int& stop_flag);
} // namespace strato::load
