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
    case scenario::handshake: return "handshake";
    case scenario::connect: return "connect";
    case scenario::introductions: return "introductions";
    case scenario::joins: return "joins";
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

namespace {

void json_string(std::FILE* out, const std::string& text) {
    std::fputc('"', out);
    for (const unsigned char ch : text) {
        if (ch == '"' || ch == '\\') std::fprintf(out, "\\%c", ch);
        else if (ch < 0x20) std::fprintf(out, "\\u%04x", ch);
        else std::fputc(ch, out);
    }
    std::fputc('"', out);
}

void session_counters_json(std::FILE* out, const session_counters& c) {
    std::fprintf(out,
                 "{\"started\":%llu,\"succeeded\":%llu,\"closed_cleanly\":%llu,\"failed\":%llu,\"timed_out\":%llu,"
                 "\"close_unacked\":%llu,\"unfinished\":%llu,\"fingerprint_changed\":%llu,\"mismatches\":%llu,"
                 "\"datagrams_sent\":%llu,\"datagrams_received\":%llu,\"tx_failed\":%llu,\"unroutable\":%llu,"
                 "\"listeners\":%llu,\"introductions_sent\":%llu,\"redirects\":%llu,\"redirect_mismatches\":%llu,"
                 "\"forwarded\":%llu,\"forwarded_mismatches\":%llu,\"introductions_unanswered\":%llu,"
                 "\"probes_sent\":%llu,\"probe_redirects\":%llu,\"probe_forwarded\":%llu,"
                 "\"joins_with_members\":%llu,\"joins_answered\":%llu,\"member_messages\":%llu,"
                 "\"member_duplicates\":%llu,\"member_mismatches\":%llu,\"members_over_cap\":%llu}",
                 ull(c.started), ull(c.succeeded), ull(c.closed_cleanly), ull(c.failed), ull(c.timed_out),
                 ull(c.close_unacked), ull(c.unfinished), ull(c.fingerprint_changed), ull(c.mismatches()),
                 ull(c.datagrams_sent), ull(c.datagrams_received), ull(c.tx_failed), ull(c.unroutable),
                 ull(c.listeners), ull(c.intro_sent), ull(c.redirects), ull(c.redirect_mismatches), ull(c.forwarded),
                 ull(c.forwarded_mismatches), ull(c.intro_unanswered), ull(c.probes_sent), ull(c.probe_redirects),
                 ull(c.probe_forwarded), ull(c.joins_with_members), ull(c.joins_answered), ull(c.member_messages),
                 ull(c.member_duplicates), ull(c.member_mismatches), ull(c.members_over_cap));
}

// The scenario's unit of work per second in the measured window.
double goal_per_second(const load_options& o, const session_result& r) {
    const auto& m = r.measured;
    return per_second(o.what == scenario::introductions ? m.redirects : m.succeeded, r.measured_seconds);
}

} // namespace

void print_session_summary(std::FILE* out, const load_options& o, const session_result& r) {
    const auto& m = r.measured;
    const auto& t = r.total;
    const double s = r.measured_seconds;
    std::fprintf(out, "scenario %s, backend %s, concurrency %llu, DH pool %llu key pairs (%.2f s to make), "
                      "%.1f s measured%s\n",
                 scenario_name(o.what), o.backend == backend_kind::dpdk ? "dpdk" : "kernel", ull(o.concurrency), ull(o.dh_pool), r.dh_pool_seconds, s,
                 r.interrupted ? " (interrupted)" : "");
    if (!r.setup_error.empty()) std::fprintf(out, "  SETUP FAILED: %s\n", r.setup_error.c_str());
    if (o.what == scenario::introductions) {
        std::fprintf(out, "  listeners %llu registered (connect + setPeerInfo, kept open); %llu callers (%zu bytes each)\n",
                     ull(t.listeners), ull(o.peers), sizeof(peer_state));
        std::fprintf(out, "  directory probes before the run: %llu sent, %llu Redirects, %llu Forwarded IHellos\n",
                     ull(t.probes_sent), ull(t.probe_redirects), ull(t.probe_forwarded));
        std::fprintf(out, "  introductions sent %llu (%.0f/s): %llu Redirects (%.0f/s), %llu Forwarded IHellos on "
                          "listeners, %llu unanswered\n",
                     ull(m.intro_sent), per_second(m.intro_sent, s), ull(m.redirects), per_second(m.redirects, s),
                     ull(m.forwarded), ull(m.intro_unanswered));
    } else {
        std::fprintf(out, "  %s started %llu (%.0f/s), succeeded %llu (%.0f/s), closed cleanly %llu%s\n",
                     o.what == scenario::handshake ? "handshakes" : "sessions", ull(m.started),
                     per_second(m.started, s), ull(m.succeeded), per_second(m.succeeded, s), ull(m.closed_cleanly),
                     o.keep || o.what == scenario::joins ? " (kept open: closed at the end)" : "");
        if (o.what == scenario::joins)
            std::fprintf(out, "  joins sent %llu (%.0f/s) over %llu groups; %llu joined a group with members, %llu of "
                              "them answered; member messages %llu (%llu duplicates, %llu wrong, %llu over the "
                              "bootstrap bound)\n",
                         ull(m.succeeded), per_second(m.succeeded, s), ull(o.groups), ull(t.joins_with_members),
                         ull(t.joins_answered), ull(t.member_messages), ull(t.member_duplicates),
                         ull(t.member_mismatches), ull(t.members_over_cap));
        if (r.behind_schedule)
            std::fprintf(out, "  %llu starts behind schedule: every --concurrency slot was busy\n",
                         ull(r.behind_schedule));
    }
    const auto& h = r.latency;
    const char* what = o.what == scenario::handshake ? "IHello -> RIKeying"
                       : o.what == scenario::connect ? "IHello -> connect _result"
                       : o.what == scenario::joins   ? "join -> first member"
                                                      : "IHello -> Redirect";
    std::fprintf(out, "  latency (%s) p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us (min %.1f, max %.1f, n %llu)\n",
                 what, us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)), us(h.percentile(99.9)),
                 us(h.min()), us(h.max()), ull(h.count()));
    std::fprintf(out, "  whole run: %llu started, %llu succeeded, %llu mismatches (failed %llu, timed out %llu, no Close "
                      "Ack %llu, redirect %llu, forwarded %llu, member %llu), %llu unfinished, %llu unroutable datagrams\n",
                 ull(t.started), ull(t.succeeded), ull(t.mismatches()), ull(t.failed), ull(t.timed_out),
                 ull(t.close_unacked), ull(t.redirect_mismatches), ull(t.forwarded_mismatches),
                 ull(t.member_mismatches + t.members_over_cap), ull(t.unfinished),
                 ull(t.unroutable));
    std::fprintf(out, "  datagrams sent %llu, received %llu, failed to send %llu; about %zu bytes per open session\n",
                 ull(t.datagrams_sent), ull(t.datagrams_received), ull(t.tx_failed), r.bytes_per_session);
    for (const auto& [check, n] : r.failures) {
        const auto ex = r.failure_examples.find(check);
        std::fprintf(out, "  FAILED %s: %llu (e.g. %s)\n", check.c_str(), ull(n),
                     ex == r.failure_examples.end() ? "" : ex->second.c_str());
    }
    if (r.has_fingerprint) {
        std::fprintf(out, "  server fingerprint ");
        hex(out, r.fingerprint);
        std::fprintf(out, "%s\n", t.fingerprint_changed ? " (CHANGED during the run)" : " (the same in every RHello)");
    }
}

void print_session_json(std::FILE* out, const load_options& o, const session_result& r) {
    const auto& h = r.latency;
    std::fprintf(out, "{\"scenario\":\"%s\",\"backend\":\"%s\",\"concurrency\":%llu,\"dh_pool\":%llu,"
                      "\"dh_pool_seconds\":%.3f,\"peers\":%llu,\"bytes_per_peer\":%zu,\"bytes_per_session\":%zu,"
                      "\"measured_seconds\":%.3f,\"interrupted\":%s,\"keep\":%s,\"setup_error\":",
                 scenario_name(o.what), o.backend == backend_kind::dpdk ? "dpdk" : "kernel", ull(o.concurrency),
                 ull(o.dh_pool), r.dh_pool_seconds, ull(o.what == scenario::introductions ? o.peers : 0),
                 sizeof(peer_state), r.bytes_per_session, r.measured_seconds, r.interrupted ? "true" : "false",
                 o.keep ? "true" : "false");
    json_string(out, r.setup_error);
    if (o.what == scenario::joins) std::fprintf(out, ",\"groups\":%llu", ull(o.groups));
    std::fprintf(out, ",\"per_second\":%.1f,\"started_per_second\":%.1f,\"behind_schedule\":%llu,",
                 goal_per_second(o, r), per_second(r.measured.started, r.measured_seconds), ull(r.behind_schedule));
    std::fprintf(out, "\"latency_us\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p99.9\":%.2f,\"min\":%.2f,\"max\":%.2f,"
                      "\"mean\":%.2f,\"count\":%llu},",
                 us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)), us(h.percentile(99.9)), us(h.min()),
                 us(h.max()), h.mean() / 1000.0, ull(h.count()));
    std::fprintf(out, "\"fingerprint\":\"");
    if (r.has_fingerprint) hex(out, r.fingerprint);
    std::fprintf(out, "\",\"failures\":{");
    bool first = true;
    for (const auto& [check, n] : r.failures) {
        if (!first) std::fputc(',', out);
        first = false;
        json_string(out, check);
        std::fprintf(out, ":%llu", ull(n));
    }
    std::fprintf(out, "},\"measured\":");
    session_counters_json(out, r.measured);
    std::fprintf(out, ",\"total\":");
    session_counters_json(out, r.total);
    std::fprintf(out, "}\n");
}

} // namespace strato::load
