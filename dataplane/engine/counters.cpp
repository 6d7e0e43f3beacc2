#include "dataplane/engine/counters.hpp"

namespace strato::engine {

namespace {
template <std::size_t N>
void sum_array(std::array<std::uint64_t, N>& into, const std::array<std::uint64_t, N>& from) noexcept {
    for (std::size_t i = 0; i < N; ++i) into[i] += read(from[i]);
}
template <std::size_t N>
std::uint64_t total_of(const std::array<std::uint64_t, N>& a) noexcept {
    std::uint64_t t = 0;
    for (auto v : a) t += v;
    return t;
}
} // namespace

void add_into(counters_total& total, const lcore_counters& c) noexcept {
    sum_array(total.rx_packets, c.rx_packets);
    sum_array(total.rx_bytes, c.rx_bytes);
    sum_array(total.tx_packets, c.tx_packets);
    sum_array(total.tx_bytes, c.tx_bytes);
    sum_array(total.stages, c.stages);
    sum_array(total.drops, c.drops);
}

std::uint64_t counters_total::rx_total() const noexcept { return total_of(rx_packets); }
std::uint64_t counters_total::tx_total() const noexcept { return total_of(tx_packets); }
std::uint64_t counters_total::drops_total() const noexcept { return total_of(drops); }

} // namespace strato::engine
