// stratod: the strato dataplane daemon. Reads one TOML config, validates all
// of it before touching a device, starts DPDK's EAL and the ports, runs one
// worker per configured lcore, prints statistics, and drains and exits on
// SIGINT/SIGTERM with a final statistics dump.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "control/config.hpp"
#include "crypto/certificate.hpp"
#include "crypto/random.hpp"
#include "dataplane/stratod/log.hpp"
#include "dataplane/stratod/ports.hpp"
#include "dataplane/stratod/stats.hpp"
#include "dataplane/stratod/worker.hpp"

namespace {

using namespace strato;
using namespace strato::stratod;

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: stratod --config FILE [--duration SECONDS] [-- EAL ARGS...]\n"
                 "       stratod --check-config FILE\n"
                 "  --config FILE         run with this TOML config\n"
                 "  --check-config FILE   validate FILE, print every error, exit 0 (valid) or 2\n"
                 "  --duration SECONDS    stop by itself after this long (tests, demos)\n"
                 "  --version             print the version\n"
                 "Arguments after -- go to DPDK's EAL after those from the config.\n");
}

struct options {
    std::string config;
    std::string check;
    double duration = 0;
    std::vector<std::string> eal_extra;
};

// Exit code 2 for usage and config errors, as for an invalid config.
int parse_args(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* name) -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "stratod: %s needs a value\n", name);
                return nullptr;
            }
            return argv[++i];
        };
        if (a == "--") {
            for (++i; i < argc; ++i) o.eal_extra.emplace_back(argv[i]);
            break;
        } else if (a == "--config") {
            const char* v = value("--config");
            if (!v) return 2;
            o.config = v;
        } else if (a == "--check-config") {
            const char* v = value("--check-config");
            if (!v) return 2;
            o.check = v;
        } else if (a == "--duration") {
            const char* v = value("--duration");
            if (!v) return 2;
            char* end = nullptr;
            o.duration = std::strtod(v, &end);
            if (!end || *end || o.duration <= 0) {
                std::fprintf(stderr, "stratod: --duration: \"%s\" is not a positive number of seconds\n", v);
                return 2;
            }
        } else if (a == "--version") {
            std::printf("stratod 0.1.0\n");
            return -1;
        } else if (a == "--help" || a == "-h") {
            usage(stdout);
            return -1;
        } else {
            std::fprintf(stderr, "stratod: unknown argument \"%s\"\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (o.config.empty() && o.check.empty()) {
        usage(stderr);
        return 2;
    }
    return 0;
}

bool map_groups(const std::vector<std::uint8_t>& ids, std::vector<crypto::dh_group>& out) {
    for (auto id : ids) {
        crypto::dh_group g;
        if (!crypto::dh_group_from_id(id, g)) return false;
        out.push_back(g);
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    if (int rc = parse_args(argc, argv, opt); rc != 0) return rc < 0 ? 0 : rc;
    if (!opt.check.empty()) return control::check_config(opt.check, std::cout, std::cerr);

    // Everything is validated before the EAL or any port is touched.
    auto parsed = control::parse_config_file(opt.config);
    if (!parsed.ok()) {
        std::cerr << control::format_errors(parsed.errors_);
        return control::check_config_invalid_exit_code;
    }
    const control::stratod_config& cfg = *parsed.config_;
    log_threshold().store(static_cast<int>(cfg.server_.log_level_));
    if (cfg.ports_.size() > engine::max_ports) {
        std::fprintf(stderr, "ports: %zu ports configured, at most %zu supported\n", cfg.ports_.size(), engine::max_ports);
        return 2;
    }
    std::vector<crypto::dh_group> groups;
    if (!map_groups(cfg.server_.certificate_dh_groups_, groups)) {
        std::fprintf(stderr, "server.certificate_dh_groups: unsupported group\n");
        return 2;
    }

    auto eal_args = build_eal_args(cfg, opt.eal_extra);
    std::string joined;
    for (const auto& a : eal_args) joined += " " + a;
    log(log_level::info, "EAL arguments:%s", joined.c_str());
    std::vector<char*> eal_argv;
    for (auto& a : eal_args) eal_argv.push_back(a.data());
    eal_argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(eal_args.size()), eal_argv.data()) < 0) {
        log(log_level::error, "EAL start failed: %s", rte_strerror(rte_errno));
        return 1;
    }

    // Server identity for this instance: a fresh certificate (its SHA-256 is
    // the server's peer ID) and a random master secret for the cookies.
    static crypto::server_certificate certificate;
    std::array<std::uint8_t, crypto::certificate_randomness_size> randomness{};
    auto shared = std::make_unique<shared_state>();
    if (!crypto::random_bytes(randomness) || !crypto::random_bytes(shared->cookies.master) ||
        crypto::build_server_certificate(randomness, groups, certificate) != wire::drop_reason::none) {
        log(log_level::error, "cannot create the server certificate");
        rte_eal_cleanup();
        return 1;
    }
    char fp[65];
    for (std::size_t i = 0; i < 32; ++i) std::snprintf(fp + 2 * i, 3, "%02x", certificate.fingerprint[i]);
    log(log_level::info, "server fingerprint (peer ID) %s, certificate %zu bytes", fp, certificate.size);

    std::vector<queue_plan> queues;
    for (const auto& q : cfg.workers_.resolved_queues_) queues.push_back({q.lcore_, q.port_, q.queue_});
    std::vector<port_runtime> ports;
    std::string error;
    if (!start_ports(cfg, ports, queues, error)) {
        log(log_level::error, "%s", error.c_str());
        stop_ports(ports);
        rte_eal_cleanup();
        return 1;
    }

    shared->certificate = &certificate;
    shared->cookies.rotation_seconds = cfg.handshake_.cookie_secret_rotation_seconds_;
    shared->cookies.lifetime_seconds = cfg.handshake_.cookie_lifetime_seconds_;
    shared->rate_limits = engine::rate_limit_config{cfg.handshake_.rate_limit_per_second_, cfg.handshake_.rate_limit_burst_,
                                                    cfg.handshake_.rate_limit_ipv4_prefix_,
                                                    cfg.handshake_.rate_limit_ipv6_prefix_,
                                                    cfg.handshake_.rate_limit_buckets_};
    shared->port_count = static_cast<std::uint16_t>(ports.size());
    for (std::size_t p = 0; p < ports.size(); ++p) {
        shared->l3[p] = ports[p].l3;
        shared->port_ids[p] = ports[p].port_id;
        shared->checksum_modes[p] = ports[p].checksum;
    }
    shared->burst = std::min<std::uint16_t>(cfg.workers_.burst_size_, max_burst);
    shared->tx_drain_us = cfg.workers_.tx_drain_us_;
    shared->time = clock::started_now();

    std::vector<std::unique_ptr<worker_context>> workers;
    std::vector<worker_context*> worker_ptrs;
    std::uint16_t tx_queue = 0;
    for (auto lcore : cfg.workers_.lcores_) {
        auto w = std::make_unique<worker_context>();
        w->lcore_id = lcore;
        w->shared = shared.get();
        w->tx_queue = tx_queue++;
        for (const auto& q : queues)
            if (q.lcore == lcore) w->queues.push_back({ports[q.port_index].port_id, q.port_index, q.queue});
        if (!rte_lcore_is_enabled(lcore)) {
            log(log_level::error, "workers.lcores: lcore %u is not enabled in the EAL lcore list", lcore);
            stop_ports(ports);
            rte_eal_cleanup();
            return 1;
        }
        if (!prepare_worker(*w, rte_lcore_to_socket_id(lcore))) {
            stop_ports(ports);
            rte_eal_cleanup();
            return 1;
        }
        if (w->queues.empty()) log(log_level::warn, "lcore %u polls no queue", lcore);
        worker_ptrs.push_back(w.get());
        workers.push_back(std::move(w));
    }

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    for (auto* w : worker_ptrs) {
        if (int rc = rte_eal_remote_launch(worker_main, w, w->lcore_id); rc != 0) {
            log(log_level::error, "cannot launch lcore %u: %s", w->lcore_id, rte_strerror(-rc));
            shared->quit = true;
            break;
        }
    }
    log(log_level::info, "running: %zu worker(s), %zu port(s), UDP port %u", workers.size(), ports.size(),
        cfg.server_.udp_ports_.empty() ? 0u : unsigned{cfg.server_.udp_ports_[0]});
    std::printf("ready fingerprint=%s\n", fp);
    std::fflush(stdout);

    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    auto before = sum_counters(worker_ptrs);
    const auto interval = std::chrono::seconds(std::max<std::uint32_t>(cfg.server_.stats_interval_seconds_, 1));
    while (!stop_requested && !shared->quit) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto now = std::chrono::steady_clock::now();
        if (opt.duration > 0 && std::chrono::duration<double>(now - start).count() >= opt.duration) break;
        if (now - last >= interval) {
            const auto current = sum_counters(worker_ptrs);
            print_summary_line(stdout, current, before, std::chrono::duration<double>(now - last).count());
            before = current;
            last = now;
        }
    }
    log(log_level::info, "stopping: draining workers");
    shared->quit = true;
    rte_eal_mp_wait_lcore();
    print_final_stats(stdout, sum_counters(worker_ptrs), ports.size());
    stop_ports(ports);
    workers.clear();
    rte_eal_cleanup();
    return 0;
}
