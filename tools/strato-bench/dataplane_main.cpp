// strato-bench-dataplane: one worker lcore of the real runtime fed at full
// speed with a prebuilt mix of valid IHellos (random tags, many source
// addresses and ports) through a ring-backed port, against bare I/O
// forwarding on the same port in the same run. Reports RHellos per second,
// cycles per packet on the worker core, the ratio to forwarding, and the
// process's resident memory before and after (a spoofed flood must not grow
// it). Not a test: numbers go to the README's benchmark section.
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/stratod/runtime.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-bench/bench_frames.hpp"
#include "tools/strato-bench/worker_cpu.hpp"

namespace strato::bench_hs {
struct options {
    std::string scenario = "all";
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
};
int handshake_main(const options& o);  // handshake_bench.cpp
} // namespace strato::bench_hs

namespace strato::bench_intro {
struct options {
    std::uint32_t peers = 1000000;
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
};
int introduction_main(const options& o);  // introduction_bench.cpp
} // namespace strato::bench_intro

namespace strato::bench_rest {
struct options {
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
    unsigned clients = 2;
};
int rest_main(const options& o);  // rest_bench.cpp
} // namespace strato::bench_rest

namespace {

using namespace strato;

constexpr unsigned worker_lcore = 1;
constexpr std::size_t template_count = 4096;
constexpr unsigned burst = 32;

long resident_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

std::atomic<bool> forward_quit{false};
int forward_main(void* arg) {
    const auto port = *static_cast<std::uint16_t*>(arg);
    rte_mbuf* pkts[burst];
    while (!forward_quit.load(std::memory_order_relaxed)) {
        const std::uint16_t n = rte_eth_rx_burst(port, 0, pkts, burst);
        if (n == 0) continue;
        const std::uint16_t s = rte_eth_tx_burst(port, 0, pkts, n);
        if (s < n) rte_pktmbuf_free_bulk(pkts + s, n - s);
    }
    return 0;
}

// The net_null port mode: the worker's own RX fills each mbuf net_null
// hands it with the next prebuilt IHello (an RX callback on the worker
// lcore), so frames arrive in the worker's cache as a NIC's DMA lands them
// in the LLC, with no second core writing them. The copy and the mbuf
// alloc/free are charged to the worker. TX is net_null's sink.
struct null_fill {
    const std::vector<std::vector<std::uint8_t>>* frames = nullptr;
    std::size_t next = 0;
};

std::uint16_t fill_ihellos(std::uint16_t, std::uint16_t, rte_mbuf* pkts[], std::uint16_t n, std::uint16_t,
                           void* arg) {
    auto& st = *static_cast<null_fill*>(arg);
    for (std::uint16_t i = 0; i < n; ++i) {
        const auto& f = (*st.frames)[st.next];
        st.next = st.next + 1 == st.frames->size() ? 0 : st.next + 1;
        std::memcpy(rte_pktmbuf_mtod(pkts[i], void*), f.data(), f.size());
        pkts[i]->data_len = static_cast<std::uint16_t>(f.size());
        pkts[i]->pkt_len = static_cast<std::uint32_t>(f.size());
        pkts[i]->ol_flags = 0;
    }
    return n;
}

struct null_run {
    double wall_pps = 0;
    double per_cpu_pps = 0;
    std::uint64_t answered = 0;
    long rss_start_kib = 0;  // resident memory when the measured window opens and closes:
    long rss_end_kib = 0;    // nothing may be kept per IHello
};



null_run run_null_port(const std::vector<std::vector<std::uint8_t>>& frames, double seconds, int r) {
    null_run out;
    const std::string name = "net_null_bench" + std::to_string(r);
    const std::string text = "[[ports]]\ndevice = \"" + name +
                             "\"\nipv4 = [\"198.18.0.1/15\"]\nmac = \"02:00:00:00:00:01\"\n"
                             "[workers]\nmain_lcore = 0\nlcores = [1]\n"
                             "[mempool]\nmbufs_per_port = 8191\ncache_size = 256\n"
                             "[server]\nlog_level = \"error\"\n"
                             "[handshake]\nrate_limit_per_second = 10000000\nrate_limit_burst = 10000000\n";
    auto parsed = control::parse_config_text(text, "bench");
    if (!parsed.ok()) {
        std::fprintf(stderr, "%s", control::format_errors(parsed.errors_).c_str());
        std::exit(1);
    }
    if (rte_eal_hotplug_add("vdev", name.c_str(), "size=64") != 0) {
        std::fprintf(stderr, "cannot create %s (is the net_null driver installed?)\n", name.c_str());
        std::exit(1);
    }
    stratod::runtime rt;
    std::string error;
    if (!rt.setup(*parsed.config_, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::exit(1);
    }
    std::uint16_t pid = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &pid) != 0) {
        std::fprintf(stderr, "cannot find port %s\n", name.c_str());
        std::exit(1);
    }
    null_fill fill{&frames, 0};
    const rte_eth_rxtx_callback* cb = rte_eth_add_rx_callback(pid, 0, fill_ihellos, &fill);
    if (!cb || !rt.launch(error)) {
        std::fprintf(stderr, "cannot start the net_null run: %s\n", cb ? error.c_str() : "no RX callback");
        std::exit(1);
    }
    const auto answered = [&rt] { return rt.totals().stages[static_cast<std::size_t>(engine::stage::rhello_sent)]; };
    const double hz = static_cast<double>(rte_get_tsc_hz());
    rte_delay_ms(200);  // warm-up
    out.rss_start_kib = resident_kib();
    const std::uint64_t a0 = answered();
    const std::string schedstat = bench::thread_schedstat_path();
    const double c0 = bench::on_cpu_seconds(schedstat);
    const std::uint64_t t0 = rte_get_tsc_cycles();
    rte_delay_us_sleep(static_cast<unsigned>(seconds * 1e6));
    const std::uint64_t a1 = answered();
    const double c1 = bench::on_cpu_seconds(schedstat);
    const std::uint64_t t1 = rte_get_tsc_cycles();
    out.rss_end_kib = resident_kib();
    rt.stop();
    (void)rte_eth_remove_rx_callback(pid, 0, cb);
    const auto t = rt.totals();
    if (t.drops_total() != 0)
        std::fprintf(stderr, "warning: %llu drops in run %d\n", static_cast<unsigned long long>(t.drops_total()), r);
    rt.teardown();
    (void)rte_eal_hotplug_remove("vdev", name.c_str());
    out.answered = a1 - a0;
    out.wall_pps = static_cast<double>(a1 - a0) * hz / static_cast<double>(t1 - t0);
    if (!schedstat.empty() && c1 > c0) out.per_cpu_pps = static_cast<double>(a1 - a0) / (c1 - c0);
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
    bool forwarding = true;  // --no-forwarding: only the runtime, for profiling the worker
    bool null_port = false;  // --port null: net_null filled on the worker core instead of a ring feeder
    std::string scenario = "ihello";
    std::uint32_t peers = 1000000;
    unsigned clients = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::max(5, std::atoi(argv[++i]));
        else if (a == "--seconds" && i + 1 < argc) seconds = std::max(0.2, std::atof(argv[++i]));
        else if (a == "--json") json = true;
        else if (a == "--no-forwarding") forwarding = false;
        else if (a == "--port" && i + 1 < argc && (std::string(argv[i + 1]) == "null" || std::string(argv[i + 1]) == "ring"))
            null_port = std::string(argv[++i]) == "null";
        else if (a == "--scenario" && i + 1 < argc) scenario = argv[++i];
        else if (a == "--clients" && i + 1 < argc) clients = static_cast<unsigned>(std::clamp(std::atoi(argv[++i]), 1, 64));
        else if (a == "--peers" && i + 1 < argc) peers = static_cast<std::uint32_t>(std::clamp(std::atol(argv[++i]), 4096L, 50000000L));
        else {
            std::fprintf(stderr, "usage: strato-bench-dataplane [--scenario ihello|handshake|prebuilt|saturation|"
                                 "connect|all|introduction|rest] [--peers N] [--clients N] [--runs N>=5] [--seconds S] "
                                 "[--json] [--no-forwarding] [--port ring|null]\n");
            return 2;
        }
    }
    const bool introductions = scenario == "introduction";
    const bool rest_load = scenario == "rest";
    const bool handshakes = scenario != "ihello" && !introductions && !rest_load;
    if (handshakes && scenario != "handshake" && scenario != "prebuilt" && scenario != "saturation" &&
        scenario != "connect" && scenario != "all") {
        std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
        return 2;
    }
    std::string prefix = "--file-prefix=strato_bench_" + std::to_string(::getpid());
    // Introductions: the directory's memory (about 360 bytes a peer) on top
    // of sessions and pools.
    const std::string memory = introductions ? std::to_string(1024 + std::uint64_t{peers} * 420 / (1024 * 1024))
                               : handshakes || rest_load ? "3072"
                                             : "1024";
    std::vector<std::string> eal{"strato-bench-dataplane", "--no-huge", "-m", memory, "--no-pci", prefix,
                                 "-l", "0-1", "--log-level=error"};
    std::vector<char*> eal_argv;
    for (auto& a : eal) eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "EAL start failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    if (rest_load) {
        const int rc = strato::bench_rest::rest_main({runs, seconds, json, clients});
        rte_eal_cleanup();
        return rc;
    }
    if (introductions) {
        const int rc = strato::bench_intro::introduction_main({peers, runs, seconds, json});
        rte_eal_cleanup();
        return rc;
    }
    if (handshakes) {
        const int rc = strato::bench_hs::handshake_main({scenario, runs, seconds, json});
        rte_eal_cleanup();
        return rc;
    }
    std::mt19937_64 rng(20261125);
    const auto frames = bench::uri_ihello_frames(rng);
    const double hz = static_cast<double>(rte_get_tsc_hz());
    if (null_port) {
        std::vector<double> wall, per_cpu;
        std::uint64_t answered = 0;
        long rss_growth_kib = 0;  // largest growth within one measured window
        for (int r = 0; r < runs; ++r) {
            const auto n = run_null_port(frames, seconds, r);
            wall.push_back(n.wall_pps);
            if (n.per_cpu_pps > 0) per_cpu.push_back(n.per_cpu_pps);
            answered += n.answered;
            rss_growth_kib = std::max(rss_growth_kib, n.rss_end_kib - n.rss_start_kib);
        }
        const double w = median(wall), c = per_cpu.size() == wall.size() ? median(per_cpu) : 0.0;
        const auto [w_min, w_max] = std::minmax_element(wall.begin(), wall.end());
        if (json)
            std::printf("{\"port\": \"null\", \"runs\": %d, \"seconds\": %.1f, \"rhello_pps\": %.0f, "
                        "\"rhello_pps_min\": %.0f, \"rhello_pps_max\": %.0f, \"rhello_cycles_per_packet\": %.0f, "
                        "\"rhello_pps_per_worker_cpu_second\": %.0f, \"rhellos\": %llu, \"rss_growth_kib\": %ld}\n",
                        runs, seconds, w, *w_min, *w_max, hz / w, c, static_cast<unsigned long long>(answered),
                        rss_growth_kib);
        else {
            std::printf("IHello->RHello on net_null (frames filled on the worker core): median %.2f Mpps "
                        "(min %.2f, max %.2f), %.0f cycles/packet\n", w / 1e6, *w_min / 1e6, *w_max / 1e6, hz / w);
            if (c > 0)
                std::printf("  per worker CPU-second (schedstat; discounts preemption): %.2f Mpps, %.0f cycles/packet\n",
                            c / 1e6, hz / c);
            std::printf("  %llu RHellos in the measured windows; RSS grew at most %ld KiB within one\n",
                        static_cast<unsigned long long>(answered), rss_growth_kib);
        }
        rte_eal_cleanup();
        return 0;
    }
    std::vector<double> rhello_rates, forward_rates, rhello_per_cpu;
    long rss_before = 0, rss_after = 0;
    std::uint64_t total_ihellos = 0;

    for (int r = 0; r < runs; ++r) {
        // Bare forwarding on a fresh ring port.
        if (forwarding) {
            stratod::ring_port port("bfwd" + std::to_string(r), 16384, 32767);
            rte_eth_conf conf{};
            std::uint16_t pid = port.port_id();
            if (rte_eth_dev_configure(pid, 1, 1, &conf) != 0 ||
                rte_eth_rx_queue_setup(pid, 0, 1024, 0, nullptr, port.pool()) != 0 ||
                rte_eth_tx_queue_setup(pid, 0, 1024, 0, nullptr) != 0 || rte_eth_dev_start(pid) != 0) {
                std::fprintf(stderr, "cannot start the forwarding port\n");
                return 1;
            }
            forward_quit = false;
            rte_eal_remote_launch(forward_main, &pid, worker_lcore);
            std::uint64_t sent = 0;
            forward_rates.push_back(bench::feed_ring(port, frames, seconds, &sent));
            forward_quit = true;
            rte_eal_wait_lcore(worker_lcore);
            (void)rte_eth_dev_stop(pid);
            (void)rte_eth_dev_close(pid);
        }
        // The real runtime answering IHellos.
        {
            stratod::ring_port port("bih" + std::to_string(r), 16384, 32767);
            const std::string text = "[[ports]]\ndevice = \"" + port.device_name() +
                                     "\"\nipv4 = [\"198.18.0.1/15\"]\nmac = \"02:00:00:00:00:01\"\n"
                                     "[workers]\nmain_lcore = 0\nlcores = [1]\n"
                                     "[mempool]\nmbufs_per_port = 2047\ncache_size = 64\n"
                                     "[server]\nlog_level = \"error\"\n"
                                     "[handshake]\nrate_limit_per_second = 10000000\nrate_limit_burst = 10000000\n";
            auto parsed = control::parse_config_text(text, "bench");
            if (!parsed.ok()) {
                std::fprintf(stderr, "%s", control::format_errors(parsed.errors_).c_str());
                return 1;
            }
            stratod::runtime rt;
            std::string error;
            if (!rt.setup(*parsed.config_, error) || !rt.launch(error)) {
                std::fprintf(stderr, "%s\n", error.c_str());
                return 1;
            }
            if (r == 0) rss_before = resident_kib();
            std::uint64_t sent = 0;
            const std::string schedstat = bench::thread_schedstat_path();
            const double cpu_before = bench::on_cpu_seconds(schedstat);
            rhello_rates.push_back(bench::feed_ring(port, frames, seconds, &sent));
            const double cpu_after = bench::on_cpu_seconds(schedstat);
            if (!schedstat.empty() && cpu_after > cpu_before)
                rhello_per_cpu.push_back(static_cast<double>(sent) / (cpu_after - cpu_before));
            rt.stop();
            const auto t = rt.totals();
            total_ihellos += t.stages[static_cast<std::size_t>(engine::stage::ihello)];
            if (t.drops_total() != 0) std::fprintf(stderr, "warning: %llu drops in run %d\n",
                                                   static_cast<unsigned long long>(t.drops_total()), r);
            rss_after = resident_kib();
            rt.teardown();
        }
    }
    if (forward_rates.empty()) forward_rates.push_back(0.0);
    const double rh = median(rhello_rates), fw = median(forward_rates);
    const auto [rh_min, rh_max] = std::minmax_element(rhello_rates.begin(), rhello_rates.end());
    const double per_cpu = rhello_per_cpu.size() == rhello_rates.size() ? median(rhello_per_cpu) : 0.0;
    if (json) {
        std::printf("{\"runs\": %d, \"seconds\": %.1f, \"rhello_pps\": %.0f, \"rhello_pps_min\": %.0f, "
                    "\"rhello_pps_max\": %.0f, \"rhello_cycles_per_packet\": %.0f, \"forward_pps\": %.0f, "
                    "\"forward_cycles_per_packet\": %.0f, \"ratio\": %.3f, \"ihellos\": %llu, "
                    "\"rhello_pps_per_worker_cpu_second\": %.0f, \"rss_kib_before\": %ld, \"rss_kib_after\": %ld}\n",
                    runs, seconds, rh, *rh_min, *rh_max, hz / rh, fw, hz / fw, rh / fw,
                    static_cast<unsigned long long>(total_ihellos), per_cpu, rss_before, rss_after);
    } else {
        std::printf("IHello->RHello, one worker core: median %.2f Mpps (min %.2f, max %.2f), %.0f cycles/packet\n",
                    rh / 1e6, *rh_min / 1e6, *rh_max / 1e6, hz / rh);
        if (per_cpu > 0)
            std::printf("  per worker CPU-second (schedstat; discounts preemption): %.2f Mpps, %.0f cycles/packet\n",
                        per_cpu / 1e6, hz / per_cpu);
        std::printf("bare I/O forwarding, same port:   median %.2f Mpps, %.0f cycles/packet (feeder-bound)\n",
                    fw / 1e6, hz / fw);
        std::printf("ratio RHello/forwarding: %.2f; %llu IHellos answered from %zu sources; RSS %ld KiB -> %ld KiB\n",
                    rh / fw, static_cast<unsigned long long>(total_ihellos), frames.size(), rss_before, rss_after);
    }
    rte_eal_cleanup();
    return 0;
}
