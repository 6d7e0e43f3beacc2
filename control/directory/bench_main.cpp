// strato-bench-directory: what the peer directory costs, on this machine.
// Lookups per second on one core (hits, misses, bursts of 32 through
// rte_hash's bulk path), insert and copy-on-write update rates, and bytes
// per peer, with 1M peers by default; medians of 5 runs with min and max.
//   strato-bench-directory [PEERS] [-- EAL args]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane/wire/mix.hpp"
#include "control/directory/peer_directory.hpp"

using namespace strato::control;

namespace {

constexpr int runs = 5;
constexpr std::uint32_t lookups_per_run = 4'000'000;
constexpr std::uint32_t burst = 32;

std::uint64_t splitmix(std::uint64_t& x) { return strato::wire::splitmix64_next(x); }

// Peer IDs are SHA-256 outputs: uniformly random bytes are a fair stand-in.
std::vector<peer_id> random_ids(std::size_t n, std::uint64_t seed) {
    std::vector<peer_id> ids(n);
    for (auto& id : ids)
        for (std::size_t i = 0; i < id.size(); i += 8) {
            std::uint64_t r = splitmix(seed);
            std::memcpy(id.data() + i, &r, 8);
        }
    return ids;
}

peer_record record_for(const peer_id& id, std::uint32_t k) {
    peer_record r;
    r.id = id;
    r.public_address = strato::wire::socket_address::v4(0xc6120000u + k, static_cast<std::uint16_t>(1024 + k % 60000),
                                                        strato::wire::address_origin::observed);
    r.private_count = 2;
    r.private_addresses[0] = strato::wire::socket_address::v4(0x0a000000u + k, 1935, strato::wire::address_origin::local);
    r.private_addresses[1] = strato::wire::socket_address::v4(0xc0a80000u + k, 1935, strato::wire::address_origin::local);
    r.introducible = true;
    r.lcore = static_cast<std::uint16_t>(k % 4);
    r.session_id = k;
    r.app_index = static_cast<std::uint16_t>(k % 8);
    r.connect_time = k;
    r.last_activity = k;
    return r;
}

std::uint64_t heap_allocated() {
    std::uint64_t total = 0;
    for (unsigned i = 0; i < rte_socket_count(); ++i) {
        rte_malloc_socket_stats st{};
        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0) total += st.heap_allocsz_bytes;
    }
    return total;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct metric {
    const char* name;
    const char* unit;
    std::vector<double> values;
    void print() const {
        std::vector<double> v = values;
        std::sort(v.begin(), v.end());
        std::printf("  %-28s median %12.3f  min %12.3f  max %12.3f  %s\n", name, v[v.size() / 2], v.front(), v.back(),
                    unit);
    }
};

volatile std::uint64_t sink;

} // namespace

int main(int argc, char** argv) {
    std::uint32_t peers = 1'000'000;
    int eal_from = argc;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            eal_from = i + 1;
            break;
        }
        peers = static_cast<std::uint32_t>(std::strtoul(argv[i], nullptr, 10));
    }
    std::vector<std::string> args{"strato-bench-directory"};
    if (eal_from < argc) {
        for (int i = eal_from; i < argc; ++i) args.emplace_back(argv[i]);
    } else {
        args.insert(args.end(), {"--no-huge", "-m", "2048", "--no-pci",
                                 "--file-prefix=strato_dbench_" + std::to_string(::getpid()), "-l", "0",
                                 "--log-level=error"});
    }
    std::vector<char*> eal_argv;
    for (auto& a : args) eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "strato-bench-directory: EAL start failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }

    const auto present = random_ids(peers, 1);
    const auto absent = random_ids(peers, 2);
    std::vector<std::uint32_t> order(lookups_per_run);
    std::uint64_t seed = 3;
    for (auto& o : order) o = static_cast<std::uint32_t>(splitmix(seed) % peers);

    metric insert{"insert", "M/s", {}}, update{"update (copy-on-write)", "M/s", {}}, touch{"touch", "M/s", {}},
        hit{"lookup hit", "M/s per core", {}}, miss{"lookup miss", "M/s per core", {}},
        bulk{"lookup hit, bursts of 32", "M/s per core", {}}, hit_ns{"lookup hit", "ns", {}},
        bytes{"bytes per peer (measured)", "B", {}};
    const unsigned self = rte_lcore_id();

    for (int run = 0; run < runs; ++run) {
        const std::uint64_t heap0 = heap_allocated();
        peer_directory d;
        directory_config cfg;
        cfg.name = "bench";
        cfg.capacity = peers;
        cfg.max_apps = 8;
        std::string err;
        if (!d.init(cfg, err)) {
            std::fprintf(stderr, "strato-bench-directory: %s\n", err.c_str());
            return 1;
        }
        bytes.values.push_back(static_cast<double>(heap_allocated() - heap0) / peers);

        auto t0 = std::chrono::steady_clock::now();
        for (std::uint32_t k = 0; k < peers; ++k)
            if (!d.insert_or_update(record_for(present[k], k)).ok()) {
                std::fprintf(stderr, "strato-bench-directory: insert %u refused\n", k);
                return 1;
            }
        insert.values.push_back(peers / seconds_since(t0) / 1e6);

        // The benchmark thread is also the only reader: it reports
        // quiescence once per burst, as a worker would once per poll loop.
        if (!d.register_reader(self)) {
            std::fprintf(stderr, "strato-bench-directory: cannot register lcore %u as a reader\n", self);
            return 1;
        }
        peer_view v;
        std::uint64_t acc = 0;
        t0 = std::chrono::steady_clock::now();
        for (std::uint32_t i = 0; i < lookups_per_run; ++i) {
            if (d.lookup(present[order[i]], v)) acc += v.session_id;
            if ((i & (burst - 1)) == 0) d.quiescent(self);
        }
        double s = seconds_since(t0);
        hit.values.push_back(lookups_per_run / s / 1e6);
        hit_ns.values.push_back(s * 1e9 / lookups_per_run);

        t0 = std::chrono::steady_clock::now();
        for (std::uint32_t i = 0; i < lookups_per_run; ++i) {
            if (d.lookup(absent[order[i]], v)) acc += v.session_id;
            if ((i & (burst - 1)) == 0) d.quiescent(self);
        }
        miss.values.push_back(lookups_per_run / seconds_since(t0) / 1e6);

        static peer_view views[burst];
        const peer_id* ids[burst];
        t0 = std::chrono::steady_clock::now();
        for (std::uint32_t i = 0; i < lookups_per_run; i += burst) {
            for (std::uint32_t j = 0; j < burst; ++j) ids[j] = &present[order[i + j]];
            std::uint64_t m = d.lookup_bulk(ids, burst, views);
            acc += m + views[0].session_id;
            d.quiescent(self);
        }
        bulk.values.push_back(lookups_per_run / seconds_since(t0) / 1e6);
        sink = acc;
        d.unregister_reader(self);

        const std::uint32_t updates = std::min<std::uint32_t>(peers, 1'000'000);
        t0 = std::chrono::steady_clock::now();
        for (std::uint32_t i = 0; i < updates; ++i) {
            std::uint32_t k = order[i % lookups_per_run];
            auto r = record_for(present[k], k);
            r.public_address.port = static_cast<std::uint16_t>(r.public_address.port + 1);
            if (!d.insert_or_update(r).ok()) {
                std::fprintf(stderr, "strato-bench-directory: update refused\n");
                return 1;
            }
        }
        update.values.push_back(updates / seconds_since(t0) / 1e6);

        t0 = std::chrono::steady_clock::now();
        for (std::uint32_t i = 0; i < updates; ++i) (void)d.touch(present[order[i % lookups_per_run]], i);
        touch.values.push_back(updates / seconds_since(t0) / 1e6);
    }

    auto model = peer_directory::estimate_memory(peers, 0, 8);
    auto model10m = peer_directory::estimate_memory(10'000'000, 0, 8);
    std::printf("peer directory, %u peers, %d runs (median, min, max), lcore %u\n", peers, runs, self);
    for (const metric* m : {&insert, &update, &touch, &hit, &hit_ns, &miss, &bulk, &bytes}) m->print();
    std::printf("  model: %.1f bytes per peer at %u peers (slot %zu B); 10M peers: %.2f GiB (%.1f B/peer)\n",
                static_cast<double>(model.total()) / peers, peers, sizeof(peer_slot),
                static_cast<double>(model10m.total()) / double(1ULL << 30),
                static_cast<double>(model10m.total()) / 1e7);
    rte_eal_cleanup();
    return 0;
}
