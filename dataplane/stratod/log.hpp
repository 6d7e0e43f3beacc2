#pragma once
// Control-path logging (never per packet): one line to stderr with a level.
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace strato::stratod {

enum class log_level : int { error = 0, warn = 1, info = 2, debug = 3 };

inline std::atomic<int>& log_threshold() {
    static std::atomic<int> t{static_cast<int>(log_level::info)};
    return t;
}

[[gnu::format(printf, 2, 3)]] inline void log(log_level level, const char* fmt, ...) {
    if (static_cast<int>(level) > log_threshold().load(std::memory_order_relaxed)) return;
    static constexpr const char* names[] = {"error", "warn", "info", "debug"};
    char when[32];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::fprintf(stderr, "%s stratod %s: ", when, names[static_cast<int>(level)]);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
}

} // namespace strato::stratod
