#pragma once
// Per-lcore statistics: one writer (the lcore), read by the control thread
// with relaxed loads and summed; no atomics with ordering, no locks. Each
// lcore's block is cache-line aligned so that lcores never share a line.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/wire/drop_reason.hpp"

namespace strato::engine {

inline constexpr std::size_t max_ports = 8;

// What a packet went through, besides being dropped.
enum class stage : std::uint8_t {
    arp_replied,
    icmp_echo_replied,
    nd_replied,
    udp_received,        // UDP to one of our ports
    rtmfp_startup,       // session ID 0
    ihello,
    ihello_peer_id,      // EPD names a peer: left for the introduction stage
    rhello_sent,
    cookie_change_sent,
    iikeying,
    rtmfp_session,       // non-zero session ID
    session_opened,      // RIKeying sent, session S_OPEN
    session_packet,      // a packet opened with its session's keys
    session_closed,      // slot released after S_CLOSED
    handed_over,         // a session packet passed to its owner lcore
    introduction,        // IHello naming a connected peer: Redirect + Forwarded IHello
    redirect_sent,
    fihello_sent,
    tx_drained,          // TX buffers flushed by the drain timer
    relayed,             // relay accepted for a connected target (queued on its lcore)
    relay_delivered,     // onRelay queued on the target's NetConnection
    relay_handed_over,   // relay for a session of another lcore, put on its handoff ring
    config_applied,      // a live reload taken over by this lcore
    count_
};
inline constexpr std::size_t stage_count = static_cast<std::size_t>(stage::count_);
inline constexpr std::array<std::string_view, stage_count> stage_names{
    "arp_replied", "icmp_echo_replied", "nd_replied", "udp_received", "rtmfp_startup", "ihello",
    "ihello_peer_id", "rhello_sent", "cookie_change_sent", "iikeying", "rtmfp_session", "session_opened",
    "session_packet", "session_closed", "handed_over", "introduction", "redirect_sent", "fihello_sent",
    "tx_drained", "relayed", "relay_delivered", "relay_handed_over", "config_applied",
};
static_assert(!stage_names.back().empty(), "every stage needs a name");

// Single-writer increment; a relaxed atomic store compiles to a plain add
// but keeps concurrent readers free of data races.
inline void bump(std::uint64_t& c, std::uint64_t n = 1) noexcept {
    std::atomic_ref<std::uint64_t> a(c);
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline std::uint64_t read(const std::uint64_t& c) noexcept {
    return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(c)).load(std::memory_order_relaxed);
}

struct alignas(64) lcore_counters {
    std::array<std::uint64_t, max_ports> rx_packets{};
    std::array<std::uint64_t, max_ports> rx_bytes{};
    std::array<std::uint64_t, max_ports> tx_packets{};
    std::array<std::uint64_t, max_ports> tx_bytes{};
    std::array<std::uint64_t, stage_count> stages{};
    std::array<std::uint64_t, wire::drop_reason_count> drops{};

    void count(stage s, std::uint64_t n = 1) noexcept { bump(stages[static_cast<std::size_t>(s)], n); }
    void drop(wire::drop_reason r, std::uint64_t n = 1) noexcept { bump(drops[static_cast<std::size_t>(r)], n); }
};
static_assert(alignof(lcore_counters) == 64);

// Control-side sum over lcores (plain values, owned by the caller).
struct counters_total {
    std::array<std::uint64_t, max_ports> rx_packets{}, rx_bytes{}, tx_packets{}, tx_bytes{};
    std::array<std::uint64_t, stage_count> stages{};
    std::array<std::uint64_t, wire::drop_reason_count> drops{};
    std::uint64_t rx_total() const noexcept;
    std::uint64_t tx_total() const noexcept;
    std::uint64_t drops_total() const noexcept;
};

void add_into(counters_total& total, const lcore_counters& c) noexcept;

} // namespace strato::engine
