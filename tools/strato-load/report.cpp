#include "tools/strato-load/report.hpp"

namespace strato::load {

namespace {

using ull = unsigned long long;

const char* scenario_name(scenario s) {
    switch (s) {
    case scenario::ihello: return "ihello";
    case scenario::mix: return "mix";
    case scenario::spoofed: return "spoofed";
    case scenario::reflect: return "reflect";
    }
    return "?";
}

double per_second(std::uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; }
double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

// Share of legitimate requests in the window that got a valid reply.
double success_rate(const run_counters& c) {
    return c.sent_valid ? static_cast<double>(c.replies[0]) / static_cast<double>(c.sent_valid) : 0.0;
}

void hex(std::FILE* out, const crypto::digest& d) {
    for (auto b : d) std::fprintf(out, "%02x", b);
}

void counters_json(std::FILE* out, const run_counters& c) {
    std::fprintf(out, "{\"sent\":%llu,\"sent_valid\":%llu,\"sent_spoofed\":%llu,\"tx_failed\":%llu,\"sent_invalid\":{",
                 ull(c.sent), ull(c.sent_valid), ull(c.sent_spoofed), ull(c.tx_failed));
    for (std::size_t k = 0; k < invalid_kind_count; ++k)
        std::fprintf(out, "%s\"%s\":%llu", k ? "," : "", invalid_kind_names[k].data(), ull(c.sent_invalid[k]));
    std::fprintf(out, "},\"invalid_sent\":%llu,\"received\":%llu,\"valid\":%llu,\"mismatches\":%llu,\"replies\":{",
                 ull(c.invalid_sent_total()), ull(c.received), ull(c.replies[0]), ull(c.mismatches()));
    for (std::size_t k = 0; k < reply_kind_count; ++k)
        std::fprintf(out, "%s\"%s\":%llu", k ? "," : "", reply_kind_names[k].data(), ull(c.replies[k]));
    std::fprintf(out, "},\"spoofed_replies\":%llu,\"unanswered\":%llu,\"success_rate\":%.6f}", ull(c.spoofed_replies),
                 ull(c.unanswered), success_rate(c));
}

} // namespace

void print_summary(std::FILE* out, const load_options& o, const run_result& r) {
    const auto& m = r.measured;
    const double s = r.measured_seconds;
    std::fprintf(out, "scenario %s, backend %s, %llu peers (%zu bytes of state each), %.1f s measured%s\n",
                 scenario_name(o.what), o.backend == backend_kind::dpdk ? "dpdk" : "kernel", ull(r.peers),
                 sizeof(peer_state), s, r.interrupted ? " (interrupted)" : "");
    std::fprintf(out, "  sent      %llu (%.0f/s): %llu valid IHellos, %llu invalid, %llu spoofed, %llu failed to send\n",
                 ull(m.sent), per_second(m.sent, s), ull(m.sent_valid), ull(m.invalid_sent_total()),
                 ull(m.sent_spoofed), ull(m.tx_failed));
    std::fprintf(out, "  received  %llu (%.0f/s): %llu valid (%.0f/s), %llu mismatches, %llu unanswered\n",
                 ull(m.received), per_second(m.received, s), ull(m.replies[0]), per_second(m.replies[0], s),
                 ull(m.mismatches()), ull(m.unanswered));
    if (o.what == scenario::spoofed)
        std::fprintf(out, "  legitimate success rate %.2f %%; RHellos reflected to spoofed sources %llu\n",
                     100.0 * success_rate(m), ull(m.spoofed_replies));
    const auto& h = r.latency;
    std::fprintf(out, "  latency   p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us (min %.1f, max %.1f, n %llu)\n",
                 us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)), us(h.percentile(99.9)), us(h.min()),
                 us(h.max()), ull(h.count()));
    if (r.total.invalid_sent_total()) {
        std::fprintf(out, "  invalid sent (whole run):");
        for (std::size_t k = 0; k < invalid_kind_count; ++k)
            std::fprintf(out, " %s %llu", invalid_kind_names[k].data(), ull(r.total.sent_invalid[k]));
        std::fprintf(out, "\n");
    }
    if (r.total.mismatches()) {
        std::fprintf(out, "  MISMATCHES (whole run):");
        for (std::size_t k = 1; k < reply_kind_count; ++k)
            if (r.total.replies[k]) std::fprintf(out, " %s %llu", reply_kind_names[k].data(), ull(r.total.replies[k]));
        std::fprintf(out, "\n");
    }
    std::fprintf(out, "  whole run: sent %llu, valid replies %llu\n", ull(r.total.sent), ull(r.total.replies[0]));
    if (r.has_fingerprint) {
        std::fprintf(out, "  server fingerprint ");
        hex(out, r.fingerprint);
        std::fprintf(out, " (the same in every reply)\n");
    }
}

void print_json(std::FILE* out, const load_options& o, const run_result& r) {
    const auto& h = r.latency;
    std::fprintf(out, "{\"scenario\":\"%s\",\"backend\":\"%s\",\"peers\":%llu,\"bytes_per_peer\":%zu,"
                      "\"measured_seconds\":%.3f,\"interrupted\":%s,",
                 scenario_name(o.what), o.backend == backend_kind::dpdk ? "dpdk" : "kernel", ull(r.peers),
                 sizeof(peer_state), r.measured_seconds, r.interrupted ? "true" : "false");
    std::fprintf(out, "\"sent_per_second\":%.1f,\"valid_per_second\":%.1f,", per_second(r.measured.sent, r.measured_seconds),
                 per_second(r.measured.replies[0], r.measured_seconds));
    std::fprintf(out, "\"latency_us\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p99.9\":%.2f,\"min\":%.2f,\"max\":%.2f,"
                      "\"mean\":%.2f,\"count\":%llu},",
                 us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)), us(h.percentile(99.9)), us(h.min()),
                 us(h.max()), h.mean() / 1000.0, ull(h.count()));
    std::fprintf(out, "\"fingerprint\":\"");
    if (r.has_fingerprint) hex(out, r.fingerprint);
    std::fprintf(out, "\",\"measured\":");
    counters_json(out, r.measured);
    std::fprintf(out, ",\"total\":");
    counters_json(out, r.total);
    std::fprintf(out, "}\n");
}

} // namespace strato::load
