// strato-load: a load generator for strato (issue 9): startup packets
// (ihello, mix, spoofed), sessions (handshake, connect, introductions) and a
// reflector for the generator's own ceiling. joins is refused until stratod
// serves NetGroups.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "tools/strato-load/backend.hpp"
#include "tools/strato-load/generator.hpp"
#include "tools/strato-load/options.hpp"
#include "tools/strato-load/reflect.hpp"
#include "tools/strato-load/report.hpp"
#include "tools/strato-load/sessions.hpp"

namespace {

volatile int stop_flag = 0;

extern "C" void on_signal(int) { stop_flag = 1; }

} // namespace

int main(int argc, char** argv) {
    using namespace strato::load;
    if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
        print_usage(stdout);
        return exit_ok;
    }
    load_options o;
    if (auto e = parse_options(argc, argv, o); !e.empty()) {
        std::fprintf(stderr, "strato-load: %s\n", e.c_str());
        if (e.find("not yet available") == std::string::npos) print_usage(stderr);
        return exit_usage;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    if (o.what == scenario::reflect) return run_reflector(o, stop_flag);

    std::string error;
    std::unique_ptr<io_backend> io =
        o.backend == backend_kind::dpdk ? make_dpdk_backend(o, error) : make_kernel_backend(o, error);
    if (!io) {
        std::fprintf(stderr, "strato-load: %s\n", error.c_str());
        return exit_runtime;
    }
    if (is_session_scenario(o.what)) {
        session_generator g(o, *io);
        if (auto e = g.prepare(); !e.empty()) {
            std::fprintf(stderr, "strato-load: %s\n", e.c_str());
            return exit_runtime;
        }
        auto result = std::make_unique<session_result>();
        g.run(*result, stop_flag);
        print_session_summary(o.json ? stderr : stdout, o, *result);
        if (o.json) print_session_json(stdout, o, *result);
        const auto& t = result->total;
        const std::uint64_t goals = o.what == scenario::introductions ? t.redirects : t.succeeded;
        if (!result->setup_error.empty() || t.mismatches() > 0 || t.unfinished > 0 || goals == 0) return exit_mismatch;
        return exit_ok;
    }
    generator g(o, *io);
    if (auto e = g.prepare(); !e.empty()) {
        std::fprintf(stderr, "strato-load: %s\n", e.c_str());
        return exit_runtime;
    }
    auto result = std::make_unique<run_result>();
    g.run(*result, stop_flag);
    print_summary(o.json ? stderr : stdout, o, *result);
    if (o.json) print_json(stdout, o, *result);
    const auto& bc = io->counters();
    if (bc.rx_other || bc.arp_replies)
        std::fprintf(stderr, "  backend: %llu other frames received, %llu ARP requests answered\n",
                     static_cast<unsigned long long>(bc.rx_other), static_cast<unsigned long long>(bc.arp_replies));
    if (result->total.mismatches() > 0 || result->total.replies[0] == 0) return exit_mismatch;
    return exit_ok;
}
