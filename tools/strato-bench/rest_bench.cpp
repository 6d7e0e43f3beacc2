// strato-bench-dataplane --scenario rest: the REST API under load while the
// dataplane runs flat out (issue 8 item 8). One worker lcore of the real
// runtime answers IHellos fed at full speed through a ring-backed port (as in
// --scenario ihello); stratod's REST server (api_backend + rest_server, the
// same objects stratod runs) serves keep-alive clients that alternate
// GET /v1/stats and GET /v1/peers pages (limit 100, following next_cursor)
// over a directory of 100000 peers. Each run measures the RHello rate
// without API load, then with it, in the same process: the ratio shows what
// the API costs the dataplane. The REST and client threads inherit the main
// lcore's CPU (EAL pins it), never the worker's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "control/config.hpp"
#include "control/rest/server.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/api_backend.hpp"
#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/stratod/runtime.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-bench/bench_frames.hpp"
#include "tools/strato-bench/worker_cpu.hpp"

namespace strato::bench_rest {

struct options {
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
    unsigned clients = 2;
};

namespace {

constexpr unsigned burst = 32;
constexpr std::uint32_t directory_peers = 100000;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// A keep-alive HTTP/1.1 client: GET, read headers and Content-Length body.
class http_client {
public:
    explicit http_client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~http_client() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    // Status code, body in `body`; 0 on a broken connection.
    int get(const std::string& target, std::string& body) {
        const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return 0;
        std::size_t header_end;
        while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return 0;
        const int status = buf_.size() > 12 ? std::atoi(buf_.c_str() + 9) : 0;
        std::size_t length = 0;
        const auto cl = buf_.find("ontent-Length: ");
        if (cl != std::string::npos && cl < header_end) length = std::strtoul(buf_.c_str() + cl + 15, nullptr, 10);
        while (buf_.size() < header_end + 4 + length)
            if (!fill()) return 0;
        body.assign(buf_, header_end + 4, length);
        buf_.erase(0, header_end + 4 + length);
        return status;
    }

private:
    bool fill() {
        char tmp[65536];
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf_.append(tmp, static_cast<std::size_t>(n));
        return true;
    }
    int fd_ = -1;
    std::string buf_;
};

struct client_totals {
    std::atomic<std::uint64_t> stats{0}, pages{0}, failures{0};
};

void client_loop(std::uint16_t port, const std::atomic<bool>& stop, client_totals& t) {
    http_client c(port);
    if (!c.ok()) {
        t.failures.fetch_add(1);
        return;
    }
    std::string body, cursor;
    while (!stop.load(std::memory_order_relaxed)) {
        if (c.get("/v1/stats", body) != 200) {
            t.failures.fetch_add(1);
            return;
        }
        t.stats.fetch_add(1, std::memory_order_relaxed);
        const std::string target = "/v1/peers?limit=100" + (cursor.empty() ? std::string() : "&cursor=" + cursor);
        if (c.get(target, body) != 200) {
            t.failures.fetch_add(1);
            return;
        }
        t.pages.fetch_add(1, std::memory_order_relaxed);
        // Follow the pages; start again after the last one.
        cursor.clear();
        if (const auto at = body.find("\"next_cursor\":\""); at != std::string::npos) {
            const auto from = at + 15;
            cursor = body.substr(from, body.find('"', from) - from);
        }
    }
}

} // namespace

int rest_main(const options& o) {
    std::mt19937_64 rng(20261125);
    const auto frames = bench::uri_ihello_frames(rng);
    stratod::ring_port port("brest", 16384, 32767);
    const std::string text = "[[ports]]\ndevice = \"" + port.device_name() +
                             "\"\nipv4 = [\"198.18.0.1/15\"]\nmac = \"02:00:00:00:00:01\"\n"
                             "[workers]\nmain_lcore = 0\nlcores = [1]\n"
                             "[mempool]\nmbufs_per_port = 16383\ncache_size = 256\n"
                             "[server]\nlog_level = \"error\"\n"
                             "[handshake]\nrate_limit_per_second = 10000000\nrate_limit_burst = 10000000\n"
                             "[sessions]\nmax_sessions_per_lcore = 1024\nmax_peers = 200000\n";
    auto parsed = control::parse_config_text(text, "bench");
    if (!parsed.ok()) {
        std::fprintf(stderr, "%s", control::format_errors(parsed.errors_).c_str());
        return 1;
    }
    stratod::runtime rt;
    std::string error;
    if (!rt.setup(*parsed.config_, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    for (std::uint32_t i = 0; i < directory_peers; ++i) {
        control::peer_record r;
        for (std::size_t k = 0; k < r.id.size(); ++k) r.id[k] = static_cast<std::uint8_t>(rng());
        r.public_address = wire::socket_address::v4(0xc6130000u | (i & 0xffff), static_cast<std::uint16_t>(10000 + (i >> 16)));
        r.introducible = true;
        r.session_id = 0x80000000u + i;
        r.connect_time = 1;
        r.last_activity = 1;
        if (!rt.directory().insert_or_update(r).ok()) {
            std::fprintf(stderr, "directory insert %u failed\n", i);
            return 1;
        }
    }
    if (!rt.launch(error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    // Declared after rt so that they go before it (the backend holds a
    // directory reader registration).
    auto backend = std::make_unique<stratod::api_backend>(rt, text);
    rest::server_options so;
    so.port = 0;
    so.threads = 1;
    auto server = std::make_unique<rest::rest_server>(*backend, so);
    server->start();

    rte_delay_ms(50);
    const std::string schedstat = bench::thread_schedstat_path();
    std::vector<double> quiet, loaded, ratios, requests, quiet_cpu, loaded_cpu, cpu_ratios;
    std::uint64_t failures = 0;
    for (int r = 0; r < o.runs; ++r) {
        double cpu0 = bench::on_cpu_seconds(schedstat);
        quiet.push_back(bench::feed_ring(port, frames, o.seconds));
        // RHellos per second of worker CPU: the wall-clock rate also moves
        // with whatever else holds the worker's CPU on a shared machine.
        quiet_cpu.push_back(quiet.back() * o.seconds / std::max(1e-9, bench::on_cpu_seconds(schedstat) - cpu0));
        cpu0 = bench::on_cpu_seconds(schedstat);
        client_totals t;
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (unsigned c = 0; c < o.clients; ++c) clients.emplace_back(client_loop, server->port(), std::cref(stop), std::ref(t));
        const std::uint64_t t0 = rte_get_tsc_cycles();
        loaded.push_back(bench::feed_ring(port, frames, o.seconds));
        const double elapsed = static_cast<double>(rte_get_tsc_cycles() - t0) / static_cast<double>(rte_get_tsc_hz());
        const double done = static_cast<double>(t.stats.load() + t.pages.load());
        loaded_cpu.push_back(loaded.back() * elapsed / std::max(1e-9, bench::on_cpu_seconds(schedstat) - cpu0));
        cpu_ratios.push_back(loaded_cpu.back() / quiet_cpu.back());
        stop = true;
        for (auto& th : clients) th.join();
        failures += t.failures.load();
        requests.push_back(done / elapsed);
        ratios.push_back(loaded.back() / quiet.back());
    }
    server->stop();
    server.reset();
    backend.reset();
    rt.stop();
    rt.teardown();
    const double q = median(quiet), l = median(loaded), req = median(requests), ratio = median(ratios);
    const double qc = median(quiet_cpu), lc = median(loaded_cpu), cpu_ratio = median(cpu_ratios);
    if (o.json) {
        std::printf("{\"runs\": %d, \"seconds\": %.1f, \"clients\": %u, \"rhello_pps_quiet\": %.0f, "
                    "\"rhello_pps_loaded\": %.0f, \"ratio\": %.3f, \"rest_requests_per_s\": %.0f, \"failures\": %llu, "
                    "\"rhello_per_cpu_s_quiet\": %.0f, \"rhello_per_cpu_s_loaded\": %.0f, \"cpu_ratio\": %.3f}\n",
                    o.runs, o.seconds, o.clients, q, l, ratio, req, static_cast<unsigned long long>(failures), qc, lc,
                    cpu_ratio);
    } else {
        std::printf("REST under dataplane load (median of %d x %.1f s, %u keep-alive clients, /v1/stats and "
                    "/v1/peers?limit=100 pages over %u peers):\n", o.runs, o.seconds, o.clients, directory_peers);
        std::printf("  REST: %.0f requests/s\n", req);
        std::printf("  dataplane IHello->RHello: %.2f Mpps without API load, %.2f Mpps with it; ratio %.3f "
                    "(median of per-run ratios)\n", q / 1e6, l / 1e6, ratio);
        std::printf("  per second of worker CPU time: %.2f M/s without, %.2f M/s with; ratio %.3f\n", qc / 1e6, lc / 1e6,
                    cpu_ratio);
        if (failures) std::printf("  %llu client failures\n", static_cast<unsigned long long>(failures));
    }
    return failures ? 1 : 0;
}

} // namespace strato::bench_rest
