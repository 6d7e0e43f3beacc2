// stratod: the strato dataplane daemon. Reads one TOML config, validates all
// of it before touching a device, starts DPDK's EAL and the ports, runs one
// worker per configured lcore, prints statistics, and drains and exits on
// SIGINT/SIGTERM with a final statistics dump. The REST API (control/rest)
// runs on its own threads from the moment the dataplane is up; SIGHUP
// reloads the config file all-or-nothing, like PUT /v1/config.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

#include "control/config.hpp"
#include "control/rest/server.hpp"
#include "control/rest/telemetry.hpp"
#include "dataplane/stratod/api_backend.hpp"
#include "dataplane/stratod/log.hpp"
#include "dataplane/stratod/directory_feed.hpp"
#include "dataplane/stratod/runtime.hpp"
#include "dataplane/stratod/ports.hpp"
#include "dataplane/stratod/stats.hpp"

namespace {

using namespace strato;
using namespace strato::stratod;

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }
volatile std::sig_atomic_t reload_requested = 0;
void on_hup(int) { reload_requested = 1; }

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return !in.bad();
}

// SIGHUP: the whole file is validated; any error keeps the old config.
void reload(const std::string& path, api_backend& backend) {
    std::string text;
    if (!read_file(path, text)) {
        log(log_level::error, "reload: cannot read %s; keeping the running config", path.c_str());
        return;
    }
    rest::config_apply_result r;
    try {
        r = backend.apply_config(text, false);
    } catch (const std::exception& e) {
        log(log_level::error, "reload: %s; keeping the running config", e.what());
        return;
    }
    if (!r.valid_) {
        for (const auto& e : r.errors_)
            log(log_level::error, "reload: %s%s%s (line %u)", e.path_.c_str(), e.path_.empty() ? "" : ": ",
                e.message_.c_str(), e.line_);
        log(log_level::error, "reload: %s has %zu error(s); keeping the running config", path.c_str(), r.errors_.size());
        return;
    }
    for (const auto& c : r.applied_) log(log_level::info, "reload: %s applied", c.path_.c_str());
    for (const auto& c : r.restart_required_)
        log(log_level::warn, "reload: %s changed; takes effect after a restart", c.path_.c_str());
    log(log_level::info, "reload: %s applied (%zu live, %zu at restart)", path.c_str(), r.applied_.size(),
        r.restart_required_.size());
}

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

    // Everything that holds EAL memory must be gone before rte_eal_cleanup().
    auto dp_owner = std::make_unique<runtime>();
    runtime& dp = *dp_owner;
    std::unique_ptr<api_backend> backend;
    std::unique_ptr<rest::rest_server> rest_srv;
    const auto shut_down = [&](int code) {
        // The API first: nothing may read the dataplane while it goes away.
        if (rest_srv) rest_srv->stop();
        rest::detach_telemetry();
        rest_srv.reset();
        backend.reset();
        dp.stop();
        dp.teardown();
        dp_owner.reset();
        rte_eal_cleanup();
        return code;
    };
    std::string error;
    if (!dp.setup(cfg, error)) {
        log(log_level::error, "%s", error.c_str());
        return shut_down(1);
    }
    const std::string fp = dp.fingerprint_hex();
    log(log_level::info, "server fingerprint (peer ID) %s, certificate %zu bytes", fp.c_str(), dp.certificate().size);

    control::peer_directory& directory = dp.directory();
    directory_feed_stats feed;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_hup);
    if (!dp.launch(error)) {
        log(log_level::error, "%s", error.c_str());
        return shut_down(1);
    }
    // The control plane, once the dataplane runs: REST on its own threads
    // (the main lcore's thread spawns them; no worker lcore), DPDK telemetry
    // on DPDK's telemetry thread.
    try {
        std::string text;
        if (!read_file(opt.config, text)) throw std::runtime_error("cannot read " + opt.config + " again");
        backend = std::make_unique<api_backend>(dp, std::move(text));
        rest_srv = std::make_unique<rest::rest_server>(*backend, rest::options_from_config(cfg.rest_));
        backend->on_token_change([srv = rest_srv.get()](std::string token) { srv->set_token(std::move(token)); });
        rest_srv->start();
    } catch (const std::exception& e) {
        log(log_level::error, "REST API: %s", e.what());
        return shut_down(1);
    }
    if (int rc = rest::register_telemetry(*backend); rc != 0)
        log(log_level::warn, "DPDK telemetry commands not registered: %s", std::strerror(-rc));
    log(log_level::info, "REST API on %s:%u", cfg.rest_.listen_.host_.c_str(), unsigned{rest_srv->port()});
    log(log_level::info, "running: %zu worker(s), %zu port(s), UDP port %u", dp.worker_count(), dp.ports().size(),
        cfg.server_.udp_ports_.empty() ? 0u : unsigned{cfg.server_.udp_ports_[0]});
    std::printf("ready fingerprint=%s\n", fp.c_str());
    std::fflush(stdout);

    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    auto before = dp.totals();
    bool events_flowing = false;
    while (!stop_requested && !dp.quit_requested()) {
        if (reload_requested) {
            reload_requested = 0;
            reload(opt.config, *backend);
        }
        const auto interval = std::chrono::seconds(std::max<std::uint32_t>(backend->stats_interval_seconds(), 1));
        // Peer and group events wait here until drained (directory entries,
        // member lists): poll briskly while they flow, gently when idle.
        std::this_thread::sleep_for(events_flowing ? std::chrono::microseconds(200) : std::chrono::microseconds(2000));
        std::size_t drained = 0;
        dp.drain_events([&](const peer_event& e) {
            ++drained;
            apply_peer_event(directory, e, feed);
            dp.groups().apply(e);
        });
        events_flowing = drained > 0;
        directory.reclaim();
        const auto now = std::chrono::steady_clock::now();
        if (opt.duration > 0 && std::chrono::duration<double>(now - start).count() >= opt.duration) break;
        if (now - last >= interval) {
            const auto current = dp.totals();
            print_summary_line(stdout, current, before, std::chrono::duration<double>(now - last).count());
            before = current;
            last = now;
        }
    }
    log(log_level::info, "stopping: draining workers");
    rest_srv->stop();
    dp.stop();
    dp.drain_events([&](const peer_event& e) {
            apply_peer_event(directory, e, feed);
            dp.groups().apply(e);
        });
    print_final_stats(stdout, dp.totals(), dp.ports().size());
    print_session_stats(stdout, dp.session_totals());
    std::printf("final sessions.active %zu\nfinal sessions.bytes_each %zu\nfinal keying.completed %llu\n"
                "final directory.peers %llu\nfinal directory.updates %llu\nfinal directory.refused %llu\n"
                "final groups.count %zu\nfinal groups.memberships %zu\nfinal groups.joins %llu\n"
                "final groups.refused %llu\nfinal groups.members_sent %llu\nfinal groups.commands_lost %llu\n",
                dp.sessions_active(), dp.bytes_per_session(),
                static_cast<unsigned long long>(dp.keying().completed()),
                static_cast<unsigned long long>(directory.count()), static_cast<unsigned long long>(feed.applied),
                static_cast<unsigned long long>(feed.refused), dp.groups().table().group_count(),
                dp.groups().table().membership_count(), static_cast<unsigned long long>(dp.groups().table().stats().joins),
                static_cast<unsigned long long>(dp.groups().table().stats().refused_groups_full +
                                                dp.groups().table().stats().refused_group_members_full +
                                                dp.groups().table().stats().refused_app_limit +
                                                dp.groups().table().stats().refused_memberships_full),
                static_cast<unsigned long long>(dp.groups().table().stats().members_sent),
                static_cast<unsigned long long>(dp.groups().stats().commands_lost));
    return shut_down(0);
}
