#pragma once
// On-CPU time of a worker lcore thread, from /proc schedstat: on a shared
// machine the wall clock also counts the time others held the worker's CPU,
// so per-packet costs are priced against the worker's own CPU time.
#include <filesystem>
#include <fstream>
#include <string>

namespace strato::bench {

// The schedstat file of the thread named `comm` (EAL names workers
// rte-worker-N), or empty.
inline std::string thread_schedstat_path(const std::string& comm = "rte-worker-1") {
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream f(e.path() / "comm");
        std::string name;
        if (std::getline(f, name) && name == comm) return (e.path() / "schedstat").string();
    }
    return {};
}

// Seconds that thread has been on a CPU (0 when unknown).
inline double on_cpu_seconds(const std::string& schedstat_path) {
    std::ifstream f(schedstat_path);
    unsigned long long ns = 0;
    if (!(f >> ns)) return 0;
    return static_cast<double>(ns) / 1e9;
}

} // namespace strato::bench
