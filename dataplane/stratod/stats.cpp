#include "dataplane/stratod/stats.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace strato::stratod {

void print_summary_line(std::FILE* out, const engine::counters_total& now, const engine::counters_total& before,
                        double seconds) {
    const auto rate = [&](std::uint64_t a, std::uint64_t b) { return seconds > 0 ? double(a - b) / seconds : 0.0; };
    const auto st = [&](engine::stage s) { return now.stages[static_cast<std::size_t>(s)]; };
    std::fprintf(out, "stats: rx %llu (%.0f pps) tx %llu (%.0f pps) rhello %llu cookie_change %llu drops %llu",
                 static_cast<unsigned long long>(now.rx_total()), rate(now.rx_total(), before.rx_total()),
                 static_cast<unsigned long long>(now.tx_total()), rate(now.tx_total(), before.tx_total()),
                 static_cast<unsigned long long>(st(engine::stage::rhello_sent)),
                 static_cast<unsigned long long>(st(engine::stage::cookie_change_sent)),
                 static_cast<unsigned long long>(now.drops_total()));
    // The three biggest drop reasons, so a flood's cause shows at a glance.
    std::array<std::pair<std::uint64_t, std::size_t>, wire::drop_reason_count> d{};
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = {now.drops[i], i};
    std::partial_sort(d.begin(), d.begin() + 3, d.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (int i = 0; i < 3 && d[static_cast<std::size_t>(i)].first > 0; ++i)
        std::fprintf(out, "%s%s %llu", i == 0 ? " [" : ", ",
                     wire::drop_reason_names[d[static_cast<std::size_t>(i)].second].data(),
                     static_cast<unsigned long long>(d[static_cast<std::size_t>(i)].first));
    if (d[0].first > 0) std::fputc(']', out);
    std::fputc('\n', out);
    std::fflush(out);
}

void print_final_stats(std::FILE* out, const engine::counters_total& t, std::size_t port_count) {
    for (std::size_t p = 0; p < port_count; ++p) {
        std::fprintf(out, "final port%zu.rx_packets %llu\n", p, static_cast<unsigned long long>(t.rx_packets[p]));
        std::fprintf(out, "final port%zu.rx_bytes %llu\n", p, static_cast<unsigned long long>(t.rx_bytes[p]));
        std::fprintf(out, "final port%zu.tx_packets %llu\n", p, static_cast<unsigned long long>(t.tx_packets[p]));
        std::fprintf(out, "final port%zu.tx_bytes %llu\n", p, static_cast<unsigned long long>(t.tx_bytes[p]));
    }
    for (std::size_t s = 0; s < engine::stage_count; ++s)
        std::fprintf(out, "final stage.%s %llu\n", engine::stage_names[s].data(),
                     static_cast<unsigned long long>(t.stages[s]));
    for (std::size_t r = 1; r < wire::drop_reason_count; ++r)
        std::fprintf(out, "final drop.%s %llu\n", wire::drop_reason_names[r].data(),
                     static_cast<unsigned long long>(t.drops[r]));
    std::fflush(out);
}

void print_session_stats(std::FILE* out, const session::session_stats& s) {
    const std::pair<const char*, std::uint64_t> rows[] = {
        {"packets_in", s.packets_in},         {"packets_out", s.packets_out},
        {"messages_in", s.messages_in},       {"messages_out", s.messages_out},
        {"retransmissions", s.retransmissions}, {"timeouts", s.timeouts},
        {"flows_rejected", s.flows_rejected}, {"idle_timeouts", s.idle_timeouts},
    };
    for (const auto& [name, v] : rows) std::fprintf(out, "final session.%s %llu\n", name, static_cast<unsigned long long>(v));
    for (std::size_t r = 1; r < wire::drop_reason_count; ++r)
        if (s.drops[r] != 0)
            std::fprintf(out, "final session_drop.%s %llu\n", wire::drop_reason_names[r].data(),
                         static_cast<unsigned long long>(s.drops[r]));
    std::fflush(out);
}

} // namespace strato::stratod
