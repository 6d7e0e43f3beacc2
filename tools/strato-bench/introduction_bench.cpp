// strato-bench-dataplane --scenario introduction [--peers N]: one worker
// lcore of the real runtime with N peers in the directory, fed IHellos that
// name peers by ID (RFC 7016 §3.5.1.6) through a ring-backed port.
//
//   full   every IHello names one of the 4096 peers that have a session on
//          the worker (made beforehand with fixed keys): Redirect to the
//          initiator + Forwarded IHello sealed inside the target's session.
//          The directory still holds N peers, but these 4096 stay cached.
//   cold   every IHello names one of 262144 peers drawn from all N (more
//          than the last-level cache holds): Redirect sent, and the
//          Forwarded IHello finds no session (those N peers are directory
//          entries only) and is counted, not sealed.
//   lookup the directory alone on the main core: lookup() one at a time and
//          lookup_bulk() by 32, over random IDs of all N.
//
// Reports introductions per second on the worker core and cycles per
// introduction (the worker busy-polls, so cycles = TSC Hz / rate), the
// lookup's cycles on their own, and the directory's memory.
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <cstdio>
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
#include "dataplane/wire/mix.hpp"
#include "tools/strato-bench/bench_frames.hpp"
#include "tools/strato-bench/worker_cpu.hpp"

namespace strato::bench_intro {

struct options {
    std::uint32_t peers = 1000000;
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
};

namespace {

constexpr unsigned burst = 32;
constexpr std::uint32_t session_peers = 4096;    // max_sessions_per_lcore below
constexpr std::size_t cold_templates = 262144;  // IHellos naming random peers

long resident_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

control::peer_id peer_id_of(std::uint32_t i) {
    // Distinct, uniformly spread IDs (the directory hashes them as SHA-256s).
    control::peer_id id{};
    std::uint64_t x = std::uint64_t{i} << 8;
    for (std::size_t k = 0; k < id.size(); k += 8) {
        const std::uint64_t w = wire::splitmix64_next(x);
        std::memcpy(id.data() + k, &w, 8);
    }
    return id;
}

// An IHello naming peer `id` (EPD type 0x0f), from a random initiator.
bench::frame intro_frame(const control::peer_id& id, std::mt19937_64& rng) {
    std::vector<std::uint8_t> epd{static_cast<std::uint8_t>(id.size() + 1), 0x0f};
    epd.insert(epd.end(), id.begin(), id.end());
    return bench::ihello_frame(epd, rng);
}

wire::socket_address target_address(std::uint32_t i) {
    return wire::socket_address::v4(0xc6130000u | (i & 0xffff), static_cast<std::uint16_t>(10000 + (i >> 16)));
}

struct window {
    double introductions_per_s = 0;       // wall clock
    double fihello_per_s = 0;
    double introductions_per_cpu_s = 0;   // per second the worker was on a CPU
    double worker_cpu_share = 0;
};

window measure(stratod::runtime& rt, stratod::ring_port& port, const std::vector<std::vector<std::uint8_t>>& frames,
               double seconds, const std::string& schedstat) {
    const auto stage = [](const engine::counters_total& t, engine::stage s) {
        return static_cast<double>(t.stages[static_cast<std::size_t>(s)]);
    };
    const auto before = rt.totals();
    const double cpu0 = bench::on_cpu_seconds(schedstat);
    const std::uint64_t t0 = rte_get_tsc_cycles();
    bench::feed_ring(port, frames, seconds, nullptr, true);
    const double elapsed = static_cast<double>(rte_get_tsc_cycles() - t0) / static_cast<double>(rte_get_tsc_hz());
    const double cpu = bench::on_cpu_seconds(schedstat) - cpu0;
    const auto after = rt.totals();
    const double intros = stage(after, engine::stage::redirect_sent) - stage(before, engine::stage::redirect_sent);
    return {intros / elapsed, (stage(after, engine::stage::fihello_sent) - stage(before, engine::stage::fihello_sent)) / elapsed,
            cpu > 0 ? intros / cpu : 0, cpu / elapsed};
}

} // namespace

int introduction_main(const options& o) {
    std::mt19937_64 rng(20261125);
    stratod::ring_port port("bintro", 16384, 32767);
    const std::uint32_t capacity = std::max(o.peers, session_peers);
    const std::string text =
        "[[ports]]\ndevice = \"" + port.device_name() +
        "\"\nipv4 = [\"198.18.0.1/15\"]\nmac = \"02:00:00:00:00:01\"\n"
        "[workers]\nmain_lcore = 0\nlcores = [1]\n"
        "[mempool]\nmbufs_per_port = 16383\ncache_size = 256\n"
        "[server]\nlog_level = \"error\"\n"
        "[handshake]\nrate_limit_per_second = 10000000\nrate_limit_burst = 10000000\n"
        "[introduction]\nper_initiator_per_second = 10000000\nper_initiator_burst = 10000000\n"
        "per_target_per_second = 10000000\nper_target_burst = 10000000\n"
        "[sessions]\nmax_sessions_per_lcore = " + std::to_string(session_peers) +
        "\nmax_peers = " + std::to_string(capacity) + "\n";
    auto parsed = control::parse_config_text(text, "bench");
    if (!parsed.ok()) {
        std::fprintf(stderr, "%s", control::format_errors(parsed.errors_).c_str());
        return 1;
    }
    const long rss_start = resident_kib();
    stratod::runtime rt;
    std::string error;
    if (!rt.setup(*parsed.config_, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    const long rss_setup = resident_kib();

    // Sessions for the first 4096 peers, then the directory: all N peers,
    // the first 4096 pointing at those sessions.
    auto& stage = *rt.workers()[0]->sessions;
    session::session_keys keys;
    if (!crypto::make_aes_key(crypto::default_session_key, keys.encrypt) ||
        !crypto::make_aes_key(crypto::default_session_key, keys.decrypt))
        return 1;
    const net::mac_address peer_mac{{0x02, 0, 0, 0, 0, 0x03}};
    const auto local = wire::socket_address::v4(0xc6120001u, 1935);
    std::vector<std::uint32_t> session_ids(session_peers);
    for (std::uint32_t i = 0; i < session_peers; ++i) {
        session_ids[i] = stage.open_session_for_benchmark(target_address(i), local, peer_mac, 0, keys, peer_id_of(i));
        if (session_ids[i] == 0) {
            std::fprintf(stderr, "cannot open benchmark session %u\n", i);
            return 1;
        }
    }
    const std::uint64_t insert_start = rte_get_tsc_cycles();
    for (std::uint32_t i = 0; i < o.peers; ++i) {
        control::peer_record r;
        r.id = peer_id_of(i);
        r.public_address = target_address(i);
        r.private_addresses[0] = wire::socket_address::v4(0xc6130000u | (i & 0xffff), static_cast<std::uint16_t>(5000 + (i >> 16)));
        r.private_count = 1;
        r.introducible = true;
        r.lcore = 0;
        r.session_id = i < session_peers ? session_ids[i] : 0x80000000u + i;  // no such session beyond 4096
        if (!rt.directory().insert_or_update(r).ok()) {
            std::fprintf(stderr, "directory insert %u failed\n", i);
            return 1;
        }
    }
    const double insert_s = static_cast<double>(rte_get_tsc_cycles() - insert_start) / static_cast<double>(rte_get_tsc_hz());
    const long rss_filled = resident_kib();

    // The directory lookup on its own (main core, nothing else running yet).
    const std::uint32_t lookups = 1u << 20;
    std::vector<control::peer_id> probe(lookups);
    for (auto& id : probe) id = peer_id_of(static_cast<std::uint32_t>(rng() % o.peers));
    std::vector<double> single_cycles, bulk_cycles;
    std::uint64_t found = 0;
    for (int r = 0; r < o.runs; ++r) {
        control::peer_view v;
        std::uint64_t t0 = rte_rdtsc_precise();
        for (const auto& id : probe) found += rt.directory().lookup(id, v);
        single_cycles.push_back(static_cast<double>(rte_rdtsc_precise() - t0) / lookups);
        std::array<const control::peer_id*, burst> ptrs;
        std::array<control::peer_view, burst> views;
        t0 = rte_rdtsc_precise();
        for (std::uint32_t i = 0; i < lookups; i += burst) {
            for (unsigned k = 0; k < burst; ++k) ptrs[k] = &probe[i + k];
            found += static_cast<std::uint64_t>(__builtin_popcountll(rt.directory().lookup_bulk(ptrs.data(), burst, views.data())));
        }
        bulk_cycles.push_back(static_cast<double>(rte_rdtsc_precise() - t0) / lookups);
    }
    if (found != 2ull * lookups * static_cast<std::uint64_t>(o.runs)) {
        std::fprintf(stderr, "lookup: %llu of %llu found\n", static_cast<unsigned long long>(found),
                     2ull * lookups * static_cast<unsigned long long>(o.runs));
        return 1;
    }

    std::vector<std::vector<std::uint8_t>> full_frames, cold_frames;
    for (std::uint32_t i = 0; i < session_peers; ++i) full_frames.push_back(intro_frame(peer_id_of(i), rng));
    std::shuffle(full_frames.begin(), full_frames.end(), rng);
    for (std::size_t i = 0; i < cold_templates; ++i)
        cold_frames.push_back(intro_frame(peer_id_of(static_cast<std::uint32_t>(rng() % o.peers)), rng));

    if (!rt.launch(error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    rte_delay_ms(50);
    const std::string schedstat = bench::thread_schedstat_path();
    if (schedstat.empty()) std::fprintf(stderr, "warning: no rte-worker-1 thread found: no on-CPU figures\n");
    std::vector<double> full_rates, full_fihello, cold_rates, full_cpu_rates, cold_cpu_rates, shares;
    for (int r = 0; r < o.runs; ++r) {
        const auto f = measure(rt, port, full_frames, o.seconds, schedstat);
        full_rates.push_back(f.introductions_per_s);
        full_fihello.push_back(f.fihello_per_s);
        full_cpu_rates.push_back(f.introductions_per_cpu_s);
        shares.push_back(f.worker_cpu_share);
        const auto c = measure(rt, port, cold_frames, o.seconds, schedstat);
        cold_rates.push_back(c.introductions_per_s);
        cold_cpu_rates.push_back(c.introductions_per_cpu_s);
        shares.push_back(c.worker_cpu_share);
    }
    rt.stop();
    const auto t = rt.totals();
    const auto drop = [&](wire::drop_reason d) {
        return static_cast<unsigned long long>(t.drops[static_cast<std::size_t>(d)]);
    };
    const double hz = static_cast<double>(rte_get_tsc_hz());
    const double full = median(full_rates), cold = median(cold_rates), fih = median(full_fihello);
    const double full_cpu = median(full_cpu_rates), cold_cpu = median(cold_cpu_rates), share = median(shares);
    const auto mem = control::peer_directory::estimate_memory(capacity, std::max<std::uint32_t>(64, capacity / 32), 64);
    const auto [full_min, full_max] = std::minmax_element(full_rates.begin(), full_rates.end());
    const auto [cold_min, cold_max] = std::minmax_element(cold_rates.begin(), cold_rates.end());
    if (o.json) {
        std::printf("{\"peers\": %u, \"runs\": %d, \"seconds\": %.1f, \"full_introductions_per_s\": %.0f, "
                    "\"full_min\": %.0f, \"full_max\": %.0f, \"full_fihello_per_s\": %.0f, \"full_cycles\": %.0f, "
                    "\"cold_introductions_per_s\": %.0f, \"cold_min\": %.0f, \"cold_max\": %.0f, \"cold_cycles\": %.0f, "
                    "\"lookup_cycles\": %.0f, \"lookup_bulk_cycles\": %.0f, \"directory_bytes\": %llu, "
                    "\"rss_kib_setup\": %ld, \"rss_kib_filled\": %ld, \"insert_seconds\": %.2f, "
                    "\"full_per_cpu_s\": %.0f, \"full_cycles_on_cpu\": %.0f, \"cold_per_cpu_s\": %.0f, "
                    "\"cold_cycles_on_cpu\": %.0f, \"worker_cpu_share\": %.2f}\n",
                    o.peers, o.runs, o.seconds, full, *full_min, *full_max, fih, hz / full, cold, *cold_min, *cold_max,
                    hz / cold, median(single_cycles), median(bulk_cycles),
                    static_cast<unsigned long long>(mem.total()), rss_setup, rss_filled, insert_s, full_cpu,
                    hz / full_cpu, cold_cpu, hz / cold_cpu, share);
    } else {
        std::printf("introductions, one worker core, %u peers in the directory (median of %d x %.1f s):\n", o.peers, o.runs,
                    o.seconds);
        std::printf("  full (Redirect + Forwarded IHello, 4096 targets with sessions): %.2f M/s (min %.2f, max %.2f), "
                    "%.0f cycles/introduction; Forwarded IHellos %.2f M/s\n",
                    full / 1e6, *full_min / 1e6, *full_max / 1e6, hz / full, fih / 1e6);
        std::printf("  cold (Redirect, 262144 random targets of all peers):          %.2f M/s (min %.2f, max %.2f), "
                    "%.0f cycles/introduction\n",
                    cold / 1e6, *cold_min / 1e6, *cold_max / 1e6, hz / cold);
        std::printf("  per second of worker CPU time (the worker had %.0f%% of a CPU, median): full %.2f M/s = %.0f "
                    "cycles/introduction, cold %.2f M/s = %.0f cycles/introduction\n",
                    share * 100, full_cpu / 1e6, hz / full_cpu, cold_cpu / 1e6, hz / cold_cpu);
        std::printf("  directory lookup alone, random IDs: %.0f cycles one at a time, %.0f cycles each in bulks of %u\n",
                    median(single_cycles), median(bulk_cycles), burst);
        std::printf("  directory: %.1f MiB estimated for %u peers (%.0f bytes/peer); RSS %ld KiB at start, %ld after "
                    "setup, %ld filled; %.2f s to insert\n",
                    static_cast<double>(mem.total()) / (1024.0 * 1024.0), capacity,
                    static_cast<double>(mem.total()) / capacity, rss_start, rss_setup, rss_filled, insert_s);
        std::printf("  drops: tx_full %llu, unknown_peer %llu (cold: no session), rate limits %llu/%llu/%llu\n",
                    drop(wire::drop_reason::tx_full), drop(wire::drop_reason::unknown_peer),
                    drop(wire::drop_reason::rate_limited), drop(wire::drop_reason::introduction_initiator_limited),
                    drop(wire::drop_reason::introduction_target_limited));
    }
    rt.teardown();
    return 0;
}

} // namespace strato::bench_intro
