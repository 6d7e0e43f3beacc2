#include "tools/strato-load/options.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tools/strato-load/peers.hpp"

namespace strato::load {

namespace {

bool to_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    out = std::strtod(s.c_str(), &end);
    return errno == 0 && end == s.c_str() + s.size() && std::isfinite(out);
}

bool to_u64(const std::string& s, std::uint64_t& out) {
    if (s.empty() || s[0] == '-') return false;
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(s.c_str(), &end, 10);
    return errno == 0 && end == s.c_str() + s.size();
}

std::string bad(const char* option, const std::string& value, const char* why) {
    return std::string(option) + ": \"" + value + "\" " + why;
}

bool parse_prefix(const std::string& text, ipv4_prefix& out) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) return false;
    std::uint64_t len = 0;
    if (!to_u64(text.substr(slash + 1), len) || len < 8 || len > 32) return false;
    std::uint32_t a = 0;
    if (!parse_ipv4(text.substr(0, slash), a)) return false;
    out.length = static_cast<std::uint8_t>(len);
    const std::uint32_t mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
    out.base = a & mask;
    return true;
}

// RFC 2544 §C.2.2 benchmarking range: the only addresses strato-load may
// put in packets it crafts itself.
bool in_benchmark_range(const ipv4_prefix& p) {
    return p.length >= 15 && (p.base & 0xfffe0000u) == 0xC6120000u;
}

} // namespace

bool parse_ipv4(const std::string& text, std::uint32_t& out) noexcept {
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
    out = ntohl(a.s_addr);
    return true;
}

void print_usage(std::FILE* out) {
    std::fprintf(out,
        "usage: strato-load SCENARIO [OPTIONS]\n"
        "scenarios (available now):\n"
        "  ihello    valid IHellos with random tags from --peers simulated peers\n"
        "  mix       valid IHellos and malformed packets at --invalid-ratio R (0..1)\n"
        "  spoofed   legitimate IHellos at --rate plus a spoofed-source flood at --spoof-rate\n"
        "            (dpdk backend only); reports the legitimate success rate\n"
        "  reflect   a kernel UDP reflector on --listen HOST:PORT (the generator's ceiling:\n"
        "            run another strato-load with --echo against it)\n"
        "  handshake full handshakes (IHello, RHello, IIKeying, RIKeying, keys derived) at --rate,\n"
        "            each verified by Close/Close Ack under the new session keys\n"
        "  connect   handshake + NetConnection connect (_result checked) + setPeerInfo, then an\n"
        "            orderly close (or --keep the sessions open until the end of the run)\n"
        "  introductions  register --listeners N sessions (setPeerInfo, kept open), then IHellos by\n"
        "            peer ID at --rate from --peers callers: Redirects and Forwarded IHellos checked\n"
        "  joins     --concurrency N sessions (connect + setPeerInfo, kept open) started at --rate, each\n"
        "            joining one of --groups G NetGroups (round robin); every member ID received must\n"
        "            be one of our sessions in that group; latency join -> first member\n"
        "options:\n"
        "  --target rtmfp://HOST[:PORT]/APP  the server; the URI is the EPD (Ancillary Data)\n"
        "  --rate PPS | --rate max      legitimate packets/s, or handshakes/sessions/introductions\n"
        "                               started per second (default 1000; max = open loop)\n"
        "  --duration S  --warmup S  --ramp S  --drain S   (defaults 5, 1, 0, 0.5)\n"
        "  --peers N                    simulated peers, 8 bytes each (default 1000)\n"
        "  --tag-size N                 16..64 (default 16)\n"
        "  --invalid-ratio R            mix: share of malformed packets\n"
        "  --spoof-rate PPS  --spoof-prefix A.B.C.D/L   spoofed: the flood and its sources\n"
        "  --batch N                    packets per burst, 1..256 (default 32)\n"
        "  --json  --quiet  --echo\n"
        "  --backend kernel|dpdk        (default kernel)\n"
        "  kernel: --sockets N (default 16, one source port each)  --bind HOST\n"
        "  dpdk:   --dpdk-device DEV (vdev string or PCI address)  --lcore N\n"
        "          --source-prefix A.B.C.D/L (default 198.18.0.128/25)  --ports-per-address N\n"
        "          --source-port-base P  --server-mac MAC  --eal ARG (repeatable)\n"
        "  sessions: --concurrency N (in flight, default 256)  --dh-pool N (precomputed DH key\n"
        "          pairs, default 64)  --timeout S (per phase, default 5)  --keep (connect)\n"
        "          --listeners N (introductions, default 16); --sockets N source endpoints\n"
        "  joins:  --groups G (default 16)  --bootstrap-max N (default 6)  --notify-neighbours N\n"
        "          (default 1): stratod's group_bootstrap_max and group_notify_neighbours, the caps\n"
        "          member messages are checked against\n"
        "  reflect: --listen HOST:PORT  --duration S (0 = until SIGINT/SIGTERM)\n"
        "exit codes: 0 every reply valid, 1 mismatches or no replies, 2 bad usage, 3 setup failed\n");
}

std::string parse_options(int argc, char** argv, load_options& o) {
    if (argc < 2) return "missing SCENARIO";
    const std::string_view s = argv[1];
    if (s == "ihello") o.what = scenario::ihello;
    else if (s == "mix") o.what = scenario::mix;
    else if (s == "spoofed") o.what = scenario::spoofed;
    else if (s == "reflect") o.what = scenario::reflect;
    else if (s == "handshake") o.what = scenario::handshake;
    else if (s == "connect") o.what = scenario::connect;
    else if (s == "introductions") o.what = scenario::introductions;
    else if (s == "joins") o.what = scenario::joins;
    else return "unknown scenario \"" + std::string(s) +
                "\"; available: ihello, mix, spoofed, reflect, handshake, connect, introductions, joins";

    bool have_target = false, have_listen = false, have_invalid = false, have_spoof = false;
    bool have_listeners = false, have_group_option = false;
    for (int i = 2; i < argc; ++i) {
        const std::string opt = argv[i];
        auto value = [&](std::string& v) -> bool {
            if (i + 1 >= argc) return false;
            v = argv[++i];
            return true;
        };
        std::string v;
        auto number = [&](double& out, double lo, double hi) -> std::string {
            if (!value(v)) return opt + ": missing value";
            double d = 0;
            if (!to_double(v, d)) return bad(opt.c_str(), v, "is not a number");
            if (d < lo || d > hi) {
                char buf[96];
                std::snprintf(buf, sizeof buf, "is out of range [%g, %g]", lo, hi);
                return bad(opt.c_str(), v, buf);
            }
            out = d;
            return "";
        };
        auto integer = [&](std::uint64_t& out, std::uint64_t lo, std::uint64_t hi) -> std::string {
            if (!value(v)) return opt + ": missing value";
            std::uint64_t n = 0;
            if (!to_u64(v, n)) return bad(opt.c_str(), v, "is not a non-negative integer");
            if (n < lo || n > hi) {
                char buf[96];
                std::snprintf(buf, sizeof buf, "is out of range [%llu, %llu]", static_cast<unsigned long long>(lo),
                              static_cast<unsigned long long>(hi));
                return bad(opt.c_str(), v, buf);
            }
            out = n;
            return "";
        };
        std::string err;
        std::uint64_t n = 0;
        if (opt == "--target") {
            if (!value(v)) return "--target: missing value";
            if (auto e = peer::parse_rtmfp_uri(v, o.target); !e.empty()) return "--target: " + e;
            have_target = true;
        } else if (opt == "--listen") {
            if (!value(v)) return "--listen: missing value";
            if (auto e = peer::parse_host_port(v, o.listen_host, o.listen_port); !e.empty()) return "--listen: " + e;
            have_listen = true;
        } else if (opt == "--rate") {
            if (i + 1 < argc && std::string_view(argv[i + 1]) == "max") {
                ++i;
                o.rate = 0;
            } else {
                err = number(o.rate, 1, 1e9);
            }
        } else if (opt == "--duration") err = number(o.duration, 0, 3600);
        else if (opt == "--warmup") err = number(o.warmup, 0, 600);
        else if (opt == "--ramp") err = number(o.ramp_seconds, 0, 600);
        else if (opt == "--drain") err = number(o.drain_seconds, 0, 60);
        else if (opt == "--peers") err = integer(o.peers, 1, 0xffffffffull);
        else if (opt == "--tag-size") {
            err = integer(n, min_tag_size, max_tag_size);
            o.tag_size = n;
        } else if (opt == "--invalid-ratio") {
            err = number(o.invalid_ratio, 0, 1);
            have_invalid = true;
        } else if (opt == "--spoof-rate") {
            err = number(o.spoof_rate, 1, 1e9);
            have_spoof = true;
        } else if (opt == "--batch") {
            err = integer(n, 1, 256);
            o.batch = static_cast<unsigned>(n);
        } else if (opt == "--sockets") {
            err = integer(n, 1, 4096);
            o.sockets = static_cast<unsigned>(n);
        } else if (opt == "--lcore") {
            err = integer(n, 0, 1023);
            o.lcore = static_cast<unsigned>(n);
        } else if (opt == "--ports-per-address") {
            err = integer(n, 1, 50000);
            o.ports_per_address = static_cast<std::uint32_t>(n);
        } else if (opt == "--source-port-base") {
            err = integer(n, 1024, 65535);
            o.source_port_base = static_cast<std::uint16_t>(n);
        } else if (opt == "--source-prefix" || opt == "--spoof-prefix") {
            if (!value(v)) return opt + ": missing value";
            ipv4_prefix p;
            if (!parse_prefix(v, p)) return bad(opt.c_str(), v, "is not an IPv4 prefix A.B.C.D/L (L 8..32)");
            if (!in_benchmark_range(p)) return bad(opt.c_str(), v, "is outside 198.18.0.0/15, the only range strato-load crafts");
            (opt == "--source-prefix" ? o.source_prefix : o.spoof_prefix) = p;
        } else if (opt == "--bind") {
            if (!value(v)) return "--bind: missing value";
            o.bind_host = v;
        } else if (opt == "--backend") {
            if (!value(v)) return "--backend: missing value";
            if (v == "kernel") o.backend = backend_kind::kernel;
            else if (v == "dpdk") o.backend = backend_kind::dpdk;
            else return bad("--backend", v, "is not kernel or dpdk");
        } else if (opt == "--dpdk-device") {
            if (!value(v)) return "--dpdk-device: missing value";
            o.dpdk_device = v;
        } else if (opt == "--eal") {
            if (!value(v)) return "--eal: missing value";
            o.eal_args.push_back(v);
        } else if (opt == "--server-mac") {
            if (!value(v)) return "--server-mac: missing value";
            unsigned m[6];
            if (std::sscanf(v.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
                return bad("--server-mac", v, "is not a MAC address aa:bb:cc:dd:ee:ff");
            o.server_mac = v;
        } else if (opt == "--concurrency") err = integer(o.concurrency, 1, 1'000'000);
        else if (opt == "--dh-pool") err = integer(o.dh_pool, 1, 100'000);
        else if (opt == "--listeners") {
            err = integer(o.listeners, 1, 1'000'000);
            have_listeners = true;
        } else if (opt == "--groups") {
            err = integer(o.groups, 1, 1'000'000);
            have_group_option = true;
        } else if (opt == "--bootstrap-max") {
            err = integer(o.bootstrap_max, 1, 16);  // stratod's group_bootstrap_max range
            have_group_option = true;
        } else if (opt == "--notify-neighbours") {
            err = integer(o.notify_neighbours, 0, 8);  // stratod's group_notify_neighbours range
            have_group_option = true;
        } else if (opt == "--timeout") err = number(o.session_timeout, 0.1, 600);
        else if (opt == "--keep") o.keep = true;
        else if (opt == "--json") o.json = true;
        else if (opt == "--quiet") o.quiet = true;
        else if (opt == "--echo") o.echo = true;
        else return "unknown option \"" + opt + "\"";
        if (!err.empty()) return err;
    }

    if (o.what == scenario::reflect) {
        if (!have_listen) return "reflect: --listen HOST:PORT is required";
        return "";
    }
    if (!have_target) return "--target rtmfp://HOST[:PORT]/APP is required";
    if (o.what == scenario::mix && !have_invalid) return "mix: --invalid-ratio R is required";
    if (o.what != scenario::mix && have_invalid) return "--invalid-ratio: only for the mix scenario";
    if (o.what == scenario::spoofed) {
        if (!have_spoof) return "spoofed: --spoof-rate PPS is required";
        if (o.backend != backend_kind::dpdk)
            return "spoofed: needs --backend dpdk (kernel sockets cannot send from addresses this host does not own)";
    } else if (have_spoof) {
        return "--spoof-rate: only for the spoofed scenario";
    }
    if (is_session_scenario(o.what)) {
        if (o.what == scenario::introductions && o.sockets < 2)
            return "--sockets: introductions need at least 2 (a caller never shares its listener's address)";
        if (o.what == scenario::introductions && o.listeners > o.concurrency)
            return "--listeners: more than --concurrency (" + std::to_string(o.concurrency) +
                   "): every listener holds a session slot";
    }
    if (o.what == scenario::joins && o.groups > o.concurrency)
        return "--groups: more than --concurrency (" + std::to_string(o.concurrency) +
               "): every group needs at least one of the sessions";
    if (have_group_option && o.what != scenario::joins)
        return "--groups, --bootstrap-max, --notify-neighbours: only for the joins scenario";
    if (o.keep && o.what != scenario::connect)
        return o.what == scenario::joins ? "--keep: joins always keeps its sessions open to the end"
                                         : "--keep: only for the connect scenario";
    if (have_listeners && o.what != scenario::introductions) return "--listeners: only for the introductions scenario";
    if (o.backend == backend_kind::dpdk) {
        if (o.dpdk_device.empty()) return "--backend dpdk: --dpdk-device DEV is required";
        std::uint32_t a = 0;
        if (!parse_ipv4(o.target.host, a)) return "--backend dpdk: --target must name an IPv4 literal (no resolver on the DPDK path)";
        if (o.what == scenario::spoofed) {
            const auto& sp = o.spoof_prefix;
            const auto& lp = o.source_prefix;
            const bool overlap = sp.base <= lp.base + (lp.size() - 1) && lp.base <= sp.base + (sp.size() - 1);
            if (overlap) return "--spoof-prefix overlaps --source-prefix: legitimate replies could not be told apart";
        }
    }
    if (o.duration <= 0) return "--duration: must be positive for a load run";
    return "";
}

} // namespace strato::load
