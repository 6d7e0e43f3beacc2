#pragma once
// Time on the worker: the TSC, read without a syscall, turned into the units
// the protocol uses (seconds for cookies, 4 ms ticks for RTMFP timestamps,
// RFC 7016 §2.2.4).
#include <rte_cycles.h>

#include <cstdint>

namespace strato::stratod {

struct clock {
    std::uint64_t start_tsc = 0;
    std::uint64_t hz = 1;

    static clock started_now() noexcept { return clock{rte_get_tsc_cycles(), rte_get_tsc_hz()}; }
    std::uint64_t now() const noexcept { return rte_get_tsc_cycles(); }
    std::uint32_t seconds(std::uint64_t tsc) const noexcept {
        return static_cast<std::uint32_t>((tsc - start_tsc) / hz);
    }
    std::uint16_t rtmfp_ticks(std::uint64_t tsc) const noexcept {
        return static_cast<std::uint16_t>((tsc - start_tsc) * 250 / hz);
    }
    std::uint64_t from_microseconds(std::uint64_t us) const noexcept { return hz * us / 1000000; }
};

} // namespace strato::stratod
