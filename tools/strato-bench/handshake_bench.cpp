// strato-bench-dataplane --scenario handshake|prebuilt|saturation|connect|all:
// the real stratod runtime on worker lcore 1 behind a ring port, the feeder on
// lcore 0 playing many clients. DH group 2 (modp1024) throughout.
//
//   handshake  closed loop: IHello -> RHello (cookie) -> IIKeying (client keys
//              from a precomputed pool) -> RIKeying, a window of handshakes
//              in flight; 1 in 64 RIKeyings checked fully (SKRC, DH, keys).
//   prebuilt   the same, but every IIKeying is built (IHello/RHello done)
//              before the clock starts: the feeder only enqueues.
//   saturation prebuilt IIKeyings offered open-loop at 3x the raw modexp
//              rate: keying queue bounded, drops under keying_queue_full.
//   connect    sessions made beforehand (every RIKeying checked, keys
//              derived); timed: open a TC control flow, send connect, wait
//              for `_result`.
//
// Next to it, per run: the raw modexp rate (dh_shared_secret, 256-bit
// exponent, group 2, one thread) on the CPU the DH service runs on, and the
// CPU time the DH service thread actually got. Not a test.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "control/config.hpp"
#include "crypto/datagram.hpp"
#include "crypto/dh.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/command.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/stratod/runtime.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/initiator_keying.hpp"

namespace strato::bench_hs {

struct options {
    std::string scenario = "all";
    int runs = 5;
    double seconds = 2.0;
    bool json = false;
};

namespace {

constexpr std::uint32_t server_ip = 0xc6120001u;  // 198.18.0.1
constexpr std::uint32_t client_base = 0xc6130000u;  // 198.19.0.0, inside the /15
constexpr unsigned burst = 32;
constexpr std::size_t key_pool = 256;
constexpr crypto::dh_group group = crypto::dh_group::modp1024;
constexpr std::size_t exponent_bits = 256;  // the DH service's default
constexpr std::size_t directory_bytes_per_peer = 355;  // control/directory benchmark
const std::string uri = "rtmfp://198.18.0.1:1935/app";

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long resident_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

// The DH service threads: std::threads started from the main lcore thread,
// so they inherit its name and CPU affinity. utime+stime in ticks, last CPU.
struct thread_cpu {
    long tid = 0;
    double cpu_seconds = 0;
    int processor = -1;
};
std::string comm_of(const std::string& dir) {
    std::ifstream f(dir + "/comm");
    std::string s;
    std::getline(f, s);
    return s;
}
std::vector<thread_cpu> service_threads() {
    std::vector<thread_cpu> out;
    const long self = ::getpid();
    const std::string main_comm = comm_of("/proc/self/task/" + std::to_string(self));
    DIR* d = ::opendir("/proc/self/task");
    if (!d) return out;
    while (auto* e = ::readdir(d)) {
        const long tid = std::atol(e->d_name);
        if (tid <= 0 || tid == self) continue;
        const std::string dir = "/proc/self/task/" + std::to_string(tid);
        if (comm_of(dir) != main_comm) continue;
        std::ifstream f(dir + "/stat");
        std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        const auto close = all.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(all.substr(close + 2));
        std::vector<std::string> fields;
        std::string x;
        while (rest >> x) fields.push_back(x);
        // fields[0] is stat field 3 (state): utime=14, stime=15, processor=39.
        if (fields.size() < 37) continue;
        thread_cpu t;
        t.tid = tid;
        t.cpu_seconds = double(std::atoll(fields[11].c_str()) + std::atoll(fields[12].c_str())) /
                        double(::sysconf(_SC_CLK_TCK));
        t.processor = std::atoi(fields[36].c_str());
        out.push_back(t);
    }
    ::closedir(d);
    return out;
}
double service_cpu_seconds() {
    double s = 0;
    for (const auto& t : service_threads()) s += t.cpu_seconds;
    return s;
}

struct percentiles {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
percentiles percentiles_of(std::vector<double> v) {
    percentiles p;
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * double(v.size())))]; };
    p.p50 = at(0.5);
    p.p90 = at(0.9);
    p.p99 = at(0.99);
    p.max = v.back();
    return p;
}

struct stat3 {
    double median = 0, min = 0, max = 0;
};
stat3 stat_of(std::vector<double> v) {
    stat3 s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.median = v[v.size() / 2];
    s.min = v.front();
    s.max = v.back();
    return s;
}

// ---- clients ---------------------------------------------------------------

std::uint32_t client_ip(std::uint32_t i) { return client_base + (i >> 14); }
std::uint16_t client_port(std::uint32_t i) { return static_cast<std::uint16_t>(1024 + (i & 0x3fff)); }
std::optional<std::uint32_t> client_of(std::uint32_t ip, std::uint16_t port) {
    if (ip < client_base || port < 1024 || port >= 1024 + 0x4000) return std::nullopt;
    return ((ip - client_base) << 14) | std::uint32_t(port - 1024);
}

enum class phase : std::uint8_t { idle, ihello_sent, keying_ready, keying_sent, keyed, connect_sent, done };

struct client {
    phase ph = phase::idle;
    std::uint16_t key = 0;            // index in the key pool
    std::uint64_t sent_tsc = 0;
    std::vector<std::uint8_t> iikeying;  // prebuilt datagram
    std::unique_ptr<peer::initiator_identity> identity;
    std::unique_ptr<session::session_keys> keys;  // connect scenario
    std::uint32_t far_id = 0;
    int slot = -1;                    // connect scenario: client session in use
};

// A precomputed client key pool (keys from 256-bit exponents, like the
// server's) with the ephemeral certificate form, so every client has its own
// certificate and peer ID while sharing a handful of DH key pairs.
struct key_pool_t {
    std::vector<crypto::dh_keypair> pairs;
    peer::keying_choice choice;
};

std::unique_ptr<peer::initiator_identity> identity_for(const key_pool_t& pool, std::uint32_t i, std::mt19937_64& rng) {
    std::array<std::uint8_t, peer::extra_randomness_size> r1{}, r2{};
    for (auto& b : r1) b = static_cast<std::uint8_t>(rng());
    for (auto& b : r2) b = static_cast<std::uint8_t>(rng());
    auto id = std::make_unique<peer::initiator_identity>();
    if (!peer::make_identity(pool.choice, pool.pairs[i % pool.pairs.size()], r1, r2, *id)) std::abort();
    return id;
}

// The feeder's side of the ring port: frames in, frames out.
class feeder {
public:
    explicit feeder(stratod::ring_port& p) : port_(p) {}

    // Queues a datagram from client i to the server (sent at flush()).
    bool send(std::uint32_t i, wire::bytes datagram) {
        rte_mbuf* m = rte_pktmbuf_alloc(port_.pool());
        if (!m) return false;
        const std::size_t off = net::udp_payload_offset(false, false);
        auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(off + datagram.size())));
        if (!p) {
            rte_pktmbuf_free(m);
            return false;
        }
        std::memcpy(p + off, datagram.data(), datagram.size());
        net::udp_route r;
        r.source_mac = net::mac_address{{0x02, 0, 0, 0, 0, 0x02}};
        r.destination_mac = net::mac_address{{0x02, 0, 0, 0, 0, 0x01}};
        r.source = wire::socket_address::v4(client_ip(i), client_port(i));
        r.destination = wire::socket_address::v4(server_ip, 1935);
        (void)net::write_udp_headers(r, std::span<std::uint8_t>(p, off + datagram.size()), datagram.size(),
                                     net::checksum_mode::software);
        pending_[npending_++] = m;
        if (npending_ == burst) flush();
        return true;
    }
    void flush() {
        unsigned done = 0;
        while (done < npending_) {
            done += rte_ring_enqueue_burst(port_.rx_ring(), reinterpret_cast<void**>(pending_ + done), npending_ - done,
                                           nullptr);
            if (done < npending_) rte_pause();
        }
        npending_ = 0;
    }
    // Hands each frame the server sent to fn(client, udp payload); returns how many.
    template <class Fn>
    unsigned receive(Fn&& fn) {
        void* out[burst * 4];
        const unsigned got = rte_ring_dequeue_burst(port_.tx_ring(), out, burst * 4, nullptr);
        for (unsigned k = 0; k < got; ++k) {
            auto* m = static_cast<rte_mbuf*>(out[k]);
            const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
            const std::size_t len = rte_pktmbuf_data_len(m);
            if (len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17) {
                const std::size_t ihl = std::size_t(f[14] & 0x0f) * 4;
                const std::uint32_t dst = (std::uint32_t{f[30]} << 24) | (std::uint32_t{f[31]} << 16) |
                                          (std::uint32_t{f[32]} << 8) | f[33];
                const std::size_t udp = 14 + ihl;
                if (len >= udp + 8) {
                    const auto dport = static_cast<std::uint16_t>((f[udp + 2] << 8) | f[udp + 3]);
                    if (auto c = client_of(dst, dport)) fn(*c, wire::bytes{f + udp + 8, len - udp - 8});
                }
            }
        }
        if (got) rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(out), got);
        return got;
    }

private:
    stratod::ring_port& port_;
    rte_mbuf* pending_[burst]{};
    unsigned npending_ = 0;
};

std::vector<std::uint8_t> ihello_datagram(std::uint32_t i) {
    std::vector<std::uint8_t> epd{static_cast<std::uint8_t>(uri.size() + 1), 0x0a};
    epd.insert(epd.end(), uri.begin(), uri.end());
    std::array<std::uint8_t, 16> tag{};
    for (std::size_t k = 0; k < 4; ++k) tag[k] = static_cast<std::uint8_t>(i >> (8 * k));
    std::array<std::uint8_t, 256> dgram{};
    wire::packet_builder b(dgram, wire::startup_flags, static_cast<std::uint16_t>(i), std::nullopt);
    wire::write_ihello(b.body(), wire::ihello{epd, tag});
    if (!b.finish()) std::abort();
    auto sealed = crypto::seal(b, 0, crypto::seal_params{crypto::default_aes_key(), nullptr, 0});
    if (!sealed.ok()) std::abort();
    return {dgram.begin(), dgram.begin() + static_cast<std::ptrdiff_t>(*sealed)};
}

// The cookie of an RHello, or empty.
std::vector<std::uint8_t> rhello_cookie(wire::bytes d) {
    if (wire::session_id_of(d) != 0) return {};
    std::array<std::uint8_t, 1600> plain{};
    if (d.size() > plain.size()) return {};
    auto opened = crypto::open(d, plain, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
    if (!opened.ok()) return {};
    auto packet = wire::parse_packet(opened->packet);
    if (!packet.ok()) return {};
    wire::chunk_reader chunks(packet->chunks);
    wire::chunk_view c;
    if (!chunks.next(c) || c.type != static_cast<std::uint8_t>(wire::chunk_type::rhello)) return {};
    auto rh = wire::parse_rhello(c.value);
    if (!rh.ok()) return {};
    return {rh->cookie.begin(), rh->cookie.end()};
}

std::uint32_t isid_of(std::uint32_t i) { return i + 1; }

// ---- one runtime -----------------------------------------------------------

struct server {
    std::unique_ptr<stratod::ring_port> port;
    std::unique_ptr<stratod::runtime> rt;
};

bool start_server(server& s, const std::string& name, unsigned max_sessions, unsigned queue_depth) {
    s.port = std::make_unique<stratod::ring_port>(name, 16384, 65535);
    const std::string text = "[[ports]]\ndevice = \"" + s.port->device_name() +
                             "\"\nipv4 = [\"198.18.0.1/15\"]\nmac = \"02:00:00:00:00:01\"\n"
                             "[workers]\nmain_lcore = 0\nlcores = [1]\n"
                             "[mempool]\nmbufs_per_port = 8191\ncache_size = 64\n"
                             "[server]\nlog_level = \"error\"\n"
                             "[handshake]\nrate_limit_per_second = 10000000\nrate_limit_burst = 10000000\n"
                             "[sessions]\nmax_sessions_per_lcore = " + std::to_string(max_sessions) +
                             "\nkeying_queue_depth = " + std::to_string(queue_depth) +
                             "\n[[apps]]\npath = \"app\"\n";
    auto parsed = control::parse_config_text(text, "bench");
    if (!parsed.ok()) {
        std::fprintf(stderr, "%s", control::format_errors(parsed.errors_).c_str());
        return false;
    }
    s.rt = std::make_unique<stratod::runtime>();
    std::string error;
    if (!s.rt->setup(*parsed.config_, error) || !s.rt->launch(error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return false;
    }
    return true;
}

void stop_server(server& s) {
    s.rt->stop();
    s.rt->teardown();
    s.rt.reset();
    s.port.reset();
}

// dh_shared_secret against the client key pool, one thread, for `seconds`.
double modexp_rate(const key_pool_t& pool, double seconds) {
    crypto::dh_keypair own;
    if (crypto::dh_generate(group, exponent_bits, own) != crypto::dh_error::ok) std::abort();
    std::array<std::uint8_t, crypto::dh_max_prime_bytes> secret{};
    std::size_t n = 0, len = 0;
    const double t0 = now_s();
    double t = t0;
    while (t - t0 < seconds) {
        for (int k = 0; k < 16; ++k, ++n)
            if (crypto::dh_shared_secret(own, pool.pairs[n % pool.pairs.size()].public_key(), secret, len) !=
                crypto::dh_error::ok)
                std::abort();
        t = now_s();
    }
    return double(n) / (t - t0);
}

void drain(server& s) {
    (void)s.rt->drain_events([](const stratod::peer_event&) {});
}

// Idle: sleep long enough that the DH service thread, which shares this CPU,
// gets it (a window of 256 handshakes in flight covers the sleep).
void idle_wait() { std::this_thread::sleep_for(std::chrono::microseconds(500)); }

std::uint64_t drop_count(const server& s, wire::drop_reason r) {
    return s.rt->totals().drops[static_cast<std::size_t>(r)];
}

// Every client IHello -> RHello -> IIKeying datagram ready (untimed).
bool prepare_iikeyings(server& s, feeder& fd, std::vector<client>& clients, const key_pool_t& pool,
                       std::mt19937_64& rng, std::uint32_t first, std::uint32_t count) {
    std::uint32_t next = first, ready = 0, in_flight = 0;
    const double deadline = now_s() + 30;
    while (ready < count && now_s() < deadline) {
        while (in_flight < 2048 && next < first + count) {
            clients[next].ph = phase::ihello_sent;
            if (!fd.send(next, ihello_datagram(next))) break;
            ++next;
            ++in_flight;
        }
        fd.flush();
        fd.receive([&](std::uint32_t i, wire::bytes d) {
            if (i >= clients.size() || clients[i].ph != phase::ihello_sent) return;
            auto cookie = rhello_cookie(d);
            if (cookie.empty()) return;
            auto& c = clients[i];
            c.identity = identity_for(pool, i, rng);
            c.key = static_cast<std::uint16_t>(i % pool.pairs.size());
            c.iikeying = peer::build_iikeying(isid_of(i), cookie, *c.identity, static_cast<std::uint16_t>(i));
            if (c.iikeying.empty()) std::abort();
            c.ph = phase::keying_ready;
            ++ready;
            --in_flight;
        });
        drain(s);
    }
    return ready == count;
}

// ---- scenarios -----------------------------------------------------------

struct handshake_run {
    double rate = 0, modexp = 0, dh_cpu_share = 0, per_dh_cpu_second = 0;
    std::uint64_t completed = 0, checked = 0, check_failures = 0, keys_generated = 0, dh_completed = 0;
    std::uint64_t queue_full = 0, offered = 0;
    percentiles latency_us;
    int dh_cpu = -1;
    long rss_before = 0, rss_after = 0;
    std::size_t bytes_per_session = 0;
};

// mode 0: closed loop building every packet on the fly; 1: prebuilt IIKeyings
// in a closed loop; 2: prebuilt IIKeyings offered open-loop at `offer` per second.
handshake_run run_handshakes(int mode, double seconds, const key_pool_t& pool, std::uint32_t window, double offer,
                             int run, std::mt19937_64& rng) {
    handshake_run out;
    out.modexp = modexp_rate(pool, 0.5);
    const double hz = double(rte_get_tsc_hz());
    const double expect = out.modexp * 1.3 + 2000;
    const std::uint32_t total = mode == 2 ? static_cast<std::uint32_t>(offer * seconds)
                                          : static_cast<std::uint32_t>(expect * seconds);
    const unsigned depth = 1024;
    server s;
    if (!start_server(s, "hs" + std::to_string(mode) + "_" + std::to_string(run), std::max(total + 1024, 4096u), depth))
        std::exit(1);
    out.bytes_per_session = s.rt->bytes_per_session();
    feeder fd(*s.port);
    std::vector<client> clients(total);
    if (mode != 0 && !prepare_iikeyings(s, fd, clients, pool, rng, 0, total)) {
        std::fprintf(stderr, "could not prebuild %u IIKeyings\n", total);
        std::exit(1);
    }
    out.rss_before = resident_kib();
    const auto threads = service_threads();
    if (!threads.empty()) out.dh_cpu = threads.front().processor;
    const double cpu0 = service_cpu_seconds();
    const std::uint64_t dh0 = s.rt->keying().completed(), gen0 = s.rt->keying().keys_generated();
    std::vector<double> latency;
    latency.reserve(total);
    std::uint32_t next = 0, in_flight = 0;
    const std::uint64_t start = rte_get_tsc_cycles();
    const std::uint64_t end = start + static_cast<std::uint64_t>(seconds * hz);
    std::uint64_t now = start;
    auto on_reply = [&](std::uint32_t i, wire::bytes d) {
        if (i >= clients.size()) return;
        auto& c = clients[i];
        if (c.ph == phase::ihello_sent) {
            auto cookie = rhello_cookie(d);
            if (cookie.empty()) return;
            c.identity = identity_for(pool, i, rng);
            auto dg = peer::build_iikeying(isid_of(i), cookie, *c.identity, static_cast<std::uint16_t>(i));
            c.ph = phase::keying_sent;
            (void)fd.send(i, dg);
            return;
        }
        if (c.ph != phase::keying_sent) return;
        peer::startup_reply r;
        if (!peer::open_startup_reply(d, isid_of(i), r).empty() ||
            r.chunk_type != static_cast<std::uint8_t>(wire::chunk_type::rikeying))
            return;
        c.ph = phase::done;
        ++out.completed;
        if (in_flight) --in_flight;
        latency.push_back(double(rte_get_tsc_cycles() - c.sent_tsc) * 1e6 / hz);
        if ((out.completed & 63) == 1) {
            peer::initiator_keys k;
            ++out.checked;
            if (!peer::complete_initiator_keying(*c.identity, r.value, k).empty()) ++out.check_failures;
        }
        c.identity.reset();
    };
    while (now < end) {
        if (mode == 2) {
            const auto due = static_cast<std::uint32_t>(std::min(double(total), offer * double(now - start) / hz));
            while (next < due) {
                clients[next].ph = phase::keying_sent;
                clients[next].sent_tsc = now;
                (void)fd.send(next, clients[next].iikeying);
                ++next;
            }
        } else {
            while (in_flight < window && next < total) {
                auto& c = clients[next];
                c.sent_tsc = now;
                if (mode == 0) {
                    c.ph = phase::ihello_sent;
                    (void)fd.send(next, ihello_datagram(next));
                } else {
                    c.ph = phase::keying_sent;
                    (void)fd.send(next, c.iikeying);
                }
                ++next;
                ++in_flight;
            }
        }
        fd.flush();
        const unsigned got = fd.receive(on_reply);
        fd.flush();
        drain(s);
        if (got == 0) idle_wait();
        now = rte_get_tsc_cycles();
    }
    const double elapsed = double(rte_get_tsc_cycles() - start) / hz;
    const double cpu = service_cpu_seconds() - cpu0;
    out.offered = next;
    out.rate = double(out.completed) / elapsed;
    out.dh_cpu_share = cpu / elapsed;
    out.per_dh_cpu_second = cpu > 0 ? double(out.completed) / cpu : 0;
    out.dh_completed = s.rt->keying().completed() - dh0;
    out.keys_generated = s.rt->keying().keys_generated() - gen0;
    out.queue_full = drop_count(s, wire::drop_reason::keying_queue_full);
    out.latency_us = percentiles_of(latency);
    out.rss_after = resident_kib();
    stop_server(s);
    return out;
}

// Client side of the connect scenario: one session engine per window slot.
class connect_client final : public session::session_app, public session::packet_sink {
public:
    bool on_new_flow(session::session&, std::uint64_t, wire::bytes, std::optional<std::uint64_t>) noexcept override {
        return true;
    }
    void on_message(session::session&, std::uint64_t, wire::bytes message) noexcept override {
        auto m = flash::read_rtmp_message(message);
        if (!m.ok() || !flash::is_command(m->type)) return;
        auto amf = flash::amf_payload(*m);
        if (!amf.ok()) return;
        auto c = flash::read_command(*amf);
        if (!c.ok() || c->transaction_id != 1) return;
        if (c->name == "_result") result = 1;
        else if (c->name == "_error") result = 2;
    }
    void on_flow_closed(session::session&, std::uint64_t, bool, session::flow_end) noexcept override {}
    void on_session_closed(session::session&, session::close_reason) noexcept override {}
    void send(session::session& s, const wire::socket_address&, wire::packet_builder& packet) noexcept override {
        auto n = s.seal_packet(packet);
        if (n.ok() && fd) (void)fd->send(client, packet.datagram().first(*n));
    }

    session::session sess;
    session::session_stats stats{};
    feeder* fd = nullptr;
    std::uint32_t client = 0;
    int result = 0;
};

std::vector<std::uint8_t> connect_message() {
    std::vector<std::uint8_t> buf(1024);
    wire::writer w(buf);
    flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
    flash::amf0_writer a(w);
    a.string("connect");
    a.number(1);
    a.object_begin();
    a.key("app");
    a.string("app");
    a.key("flashVer");
    a.string("LNX 20,0,0,286");
    a.key("swfUrl");
    a.string("");
    a.key("tcUrl");
    a.string(uri);
    a.key("fpad");
    a.boolean(false);
    a.key("capabilities");
    a.number(235);
    a.key("audioCodecs");
    a.number(3575);
    a.key("videoCodecs");
    a.number(252);
    a.key("videoFunction");
    a.number(1);
    a.key("pageUrl");
    a.string("");
    a.key("objectEncoding");
    a.number(3);
    a.object_end();
    if (!w.ok()) std::abort();
    auto wr = w.written();
    return {wr.begin(), wr.end()};
}

struct connect_run {
    double rate = 0;
    std::uint64_t completed = 0, errors = 0, sessions = 0;
    percentiles latency_us;
    std::size_t bytes_per_session = 0;
    long rss_before = 0, rss_after = 0;
};

connect_run run_connects(std::uint32_t count, std::uint32_t window, const key_pool_t& pool, int run,
                         std::mt19937_64& rng) {
    connect_run out;
    server s;
    if (!start_server(s, "cn" + std::to_string(run), count + 1024, 1024)) std::exit(1);
    out.bytes_per_session = s.rt->bytes_per_session();
    feeder fd(*s.port);
    std::vector<client> clients(count);
    if (!prepare_iikeyings(s, fd, clients, pool, rng, 0, count)) {
        std::fprintf(stderr, "could not prebuild %u IIKeyings\n", count);
        std::exit(1);
    }
    // Handshakes (untimed), every RIKeying checked and keyed.
    std::uint32_t next = 0, keyed = 0, in_flight = 0;
    const double deadline = now_s() + 60;
    while (keyed < count && now_s() < deadline) {
        while (in_flight < 512 && next < count) {
            clients[next].ph = phase::keying_sent;
            (void)fd.send(next, clients[next].iikeying);
            ++next;
            ++in_flight;
        }
        fd.flush();
        fd.receive([&](std::uint32_t i, wire::bytes d) {
            if (i >= count || clients[i].ph != phase::keying_sent) return;
            peer::startup_reply r;
            if (!peer::open_startup_reply(d, isid_of(i), r).empty() ||
                r.chunk_type != static_cast<std::uint8_t>(wire::chunk_type::rikeying))
                return;
            peer::initiator_keys k;
            auto& c = clients[i];
            c.keys = std::make_unique<session::session_keys>();
            if (!peer::complete_initiator_keying(*c.identity, r.value, k).empty() || !peer::engine_keys(k, *c.keys)) {
                std::fprintf(stderr, "RIKeying check failed for client %u\n", i);
                std::exit(1);
            }
            c.far_id = k.responder_session_id;
            c.ph = phase::keyed;
            c.iikeying.clear();
            c.identity.reset();
            ++keyed;
            --in_flight;
        });
        drain(s);
    }
    if (keyed < count) {
        std::fprintf(stderr, "only %u of %u handshakes completed\n", keyed, count);
        std::exit(1);
    }
    out.sessions = s.rt->sessions_active();
    // Timed: connect on a TC control flow, wait for _result.
    std::vector<std::unique_ptr<connect_client>> slots(window);
    std::vector<int> free_slots;
    session::session_config cc;
    for (std::uint32_t k = 0; k < window; ++k) {
        slots[k] = std::make_unique<connect_client>();
        slots[k]->fd = &fd;
        if (!slots[k]->sess.prepare(cc, &slots[k]->stats)) std::abort();
        free_slots.push_back(static_cast<int>(k));
    }
    const auto msg = connect_message();
    std::uint8_t meta[16];
    wire::writer mw(meta);
    flash::write_tc_metadata(mw, 0);
    const wire::bytes metadata = mw.written();
    std::vector<double> latency;
    latency.reserve(count);
    const double hz = double(rte_get_tsc_hz());
    out.rss_before = resident_kib();
    auto us = [&](std::uint64_t tsc) { return static_cast<session::time_us>(double(tsc) * 1e6 / hz); };
    const std::uint64_t start = rte_get_tsc_cycles();
    std::uint64_t finished = 0;
    next = 0;
    std::vector<std::uint8_t> plain(2048);
    while (finished < count && double(rte_get_tsc_cycles() - start) / hz < 30) {
        const std::uint64_t now = rte_get_tsc_cycles();
        while (!free_slots.empty() && next < count) {
            auto& c = clients[next];
            const int k = free_slots.back();
            free_slots.pop_back();
            auto& cl = *slots[static_cast<std::size_t>(k)];
            cl.client = next;
            cl.result = 0;
            cl.sess.retire();
            session::session_params p;
            p.near_id = isid_of(next);
            p.far_id = c.far_id;
            p.far_address = wire::socket_address::v4(server_ip, 1935);
            p.initiator = true;
            cl.sess.start(p, *c.keys, &cl, us(now));
            const auto flow = cl.sess.open_flow(metadata);
            if (flow == 0 || cl.sess.send(flow, msg) != session::send_status::ok) std::abort();
            c.slot = k;
            c.sent_tsc = now;
            c.ph = phase::connect_sent;
            cl.sess.poll(us(now), cl);
            ++next;
        }
        fd.flush();
        fd.receive([&](std::uint32_t i, wire::bytes d) {
            if (i >= count || clients[i].ph != phase::connect_sent) return;
            auto& c = clients[i];
            auto& cl = *slots[static_cast<std::size_t>(c.slot)];
            auto p = cl.sess.open_datagram(d, plain);
            if (!p.ok()) return;
            const std::uint64_t t = rte_get_tsc_cycles();
            (void)cl.sess.on_plaintext(*p, wire::socket_address::v4(server_ip, 1935), us(t));
            if (cl.result == 0) return;
            if (cl.result == 1) {
                ++out.completed;
                latency.push_back(double(t - c.sent_tsc) * 1e6 / hz);
            } else {
                ++out.errors;
            }
            ++finished;
            c.ph = phase::done;
            c.keys.reset();
            cl.sess.retire();
            free_slots.push_back(c.slot);
        });
        fd.flush();
        drain(s);
    }
    const double elapsed = double(rte_get_tsc_cycles() - start) / hz;
    out.rate = double(out.completed) / elapsed;
    out.latency_us = percentiles_of(latency);
    out.rss_after = resident_kib();
    stop_server(s);
    return out;
}

} // namespace

int handshake_main(const options& o) {
    (void)::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    std::mt19937_64 rng(20261126);
    key_pool_t pool;
    pool.choice.group = group;
    pool.choice.form = peer::certificate_form::ephemeral;
    pool.pairs.resize(key_pool);
    for (auto& p : pool.pairs)
        if (crypto::dh_generate(group, exponent_bits, p) != crypto::dh_error::ok) return 1;
    const bool all = o.scenario == "all";
    const int main_cpu = sched_getcpu();
    std::string json = "{\"group\": 2, \"exponent_bits\": 256, \"runs\": " + std::to_string(o.runs) +
                       ", \"seconds\": " + std::to_string(o.seconds) + ", \"main_cpu\": " + std::to_string(main_cpu) +
                       ", \"worker_lcore\": 1, \"cpus\": " + std::to_string(std::thread::hardware_concurrency());
    char buf[1024];
    std::size_t bytes_per_session = 0;

    const std::array<std::pair<const char*, int>, 3> hs_modes{{{"handshake", 0}, {"prebuilt", 1}, {"saturation", 2}}};
    double saturation_offer = 0;
    for (const auto& [name, mode] : hs_modes) {
        if (!all && o.scenario != name) continue;
        std::vector<double> rate, modexp, share, per_cpu, lat50, lat99, latmax;
        std::uint64_t checked = 0, failures = 0, queue_full = 0, offered = 0, completed = 0, gens = 0, dhc = 0;
        int dh_cpu = -1;
        long rss_b = 0, rss_a = 0;
        for (int r = 0; r < o.runs; ++r) {
            double offer = 0;
            if (mode == 2) offer = saturation_offer = 3 * modexp_rate(pool, 0.3);
            auto h = run_handshakes(mode, o.seconds, pool, 256, offer, r, rng);
            rate.push_back(h.rate);
            modexp.push_back(h.modexp);
            share.push_back(h.dh_cpu_share);
            per_cpu.push_back(h.per_dh_cpu_second);
            lat50.push_back(h.latency_us.p50);
            lat99.push_back(h.latency_us.p99);
            latmax.push_back(h.latency_us.max);
            checked += h.checked;
            failures += h.check_failures;
            queue_full += h.queue_full;
            offered += h.offered;
            completed += h.completed;
            gens += h.keys_generated;
            dhc += h.dh_completed;
            dh_cpu = h.dh_cpu;
            if (r == 0) rss_b = h.rss_before;
            rss_a = h.rss_after;
            bytes_per_session = h.bytes_per_session;
        }
        const auto R = stat_of(rate), M = stat_of(modexp), S = stat_of(share), P = stat_of(per_cpu);
        const auto L50 = stat_of(lat50), L99 = stat_of(lat99), LM = stat_of(latmax);
        if (!o.json) {
            std::printf("%-10s handshakes/s %8.0f (min %.0f, max %.0f) | raw modexp/s %8.0f (min %.0f, max %.0f) | "
                        "ratio %.2f\n",
                        name, R.median, R.min, R.max, M.median, M.min, M.max, R.median / M.median);
            std::printf("%-10s DH thread on CPU %d got %.0f%% of it; handshakes per DH CPU-second %.0f (%.2f of raw) | "
                        "RIKeying latency p50 %.0f us p99 %.0f us max %.0f us\n",
                        "", dh_cpu, 100 * S.median, P.median, P.median / M.median, L50.median, L99.median, LM.median);
            std::printf("%-10s %llu RIKeyings checked fully, %llu failed; server keys generated %llu for %llu DH jobs",
                        "", (unsigned long long)checked, (unsigned long long)failures, (unsigned long long)gens,
                        (unsigned long long)dhc);
            if (mode == 2)
                std::printf("; offered %.0f/s: %llu IIKeyings, %llu completed, drop.keying_queue_full %llu, queue depth "
                            "1024, RSS %ld -> %ld KiB",
                            saturation_offer, (unsigned long long)offered, (unsigned long long)completed,
                            (unsigned long long)queue_full, rss_b, rss_a);
            std::printf("\n");
        }
        std::snprintf(buf, sizeof buf,
                      ", \"%s\": {\"handshakes_per_s\": %.0f, \"min\": %.0f, \"max\": %.0f, \"modexp_per_s\": %.0f, "
                      "\"modexp_min\": %.0f, \"modexp_max\": %.0f, \"ratio\": %.3f, \"dh_cpu\": %d, "
                      "\"dh_cpu_share\": %.3f, \"handshakes_per_dh_cpu_s\": %.0f, \"latency_us_p50\": %.0f, "
                      "\"latency_us_p99\": %.0f, \"latency_us_max\": %.0f, \"checked\": %llu, \"check_failures\": %llu, "
                      "\"keys_generated\": %llu, \"dh_jobs\": %llu, \"offered\": %llu, \"completed\": %llu, "
                      "\"keying_queue_full\": %llu, \"offer_per_s\": %.0f, \"rss_kib_before\": %ld, \"rss_kib_after\": %ld}",
                      name, R.median, R.min, R.max, M.median, M.min, M.max, R.median / M.median, dh_cpu, S.median,
                      P.median, L50.median, L99.median, LM.median, (unsigned long long)checked,
                      (unsigned long long)failures, (unsigned long long)gens, (unsigned long long)dhc,
                      (unsigned long long)offered, (unsigned long long)completed, (unsigned long long)queue_full,
                      mode == 2 ? saturation_offer : 0.0, rss_b, rss_a);
        json += buf;
    }
    if (all || o.scenario == "connect") {
        std::vector<double> rate, p50, p90, p99, pmax;
        std::uint64_t completed = 0, errors = 0;
        for (int r = 0; r < o.runs; ++r) {
            auto c = run_connects(8192, 64, pool, r, rng);
            rate.push_back(c.rate);
            p50.push_back(c.latency_us.p50);
            p90.push_back(c.latency_us.p90);
            p99.push_back(c.latency_us.p99);
            pmax.push_back(c.latency_us.max);
            completed += c.completed;
            errors += c.errors;
            bytes_per_session = c.bytes_per_session;
        }
        const auto R = stat_of(rate);
        if (!o.json)
            std::printf("connect    connects/s (_result) %8.0f (min %.0f, max %.0f), 64 in flight | latency p50 %.0f us "
                        "p90 %.0f us p99 %.0f us max %.0f us | %llu _result, %llu _error\n",
                        R.median, R.min, R.max, stat_of(p50).median, stat_of(p90).median, stat_of(p99).median,
                        stat_of(pmax).median, (unsigned long long)completed, (unsigned long long)errors);
        std::snprintf(buf, sizeof buf,
                      ", \"connect\": {\"connects_per_s\": %.0f, \"min\": %.0f, \"max\": %.0f, \"in_flight\": 64, "
                      "\"latency_us_p50\": %.0f, \"latency_us_p90\": %.0f, \"latency_us_p99\": %.0f, "
                      "\"latency_us_max\": %.0f, \"results\": %llu, \"errors\": %llu}",
                      R.median, R.min, R.max, stat_of(p50).median, stat_of(p90).median, stat_of(p99).median,
                      stat_of(pmax).median, (unsigned long long)completed, (unsigned long long)errors);
        json += buf;
    }
    if (bytes_per_session) {
        if (!o.json)
            std::printf("memory     %zu bytes per session (runtime::bytes_per_session, sessions.bytes_each); "
                        "%zu bytes per directory entry (control/directory benchmark)\n",
                        bytes_per_session, directory_bytes_per_peer);
        std::snprintf(buf, sizeof buf, ", \"bytes_per_session\": %zu, \"bytes_per_directory_entry\": %zu",
                      bytes_per_session, directory_bytes_per_peer);
        json += buf;
    }
    json += "}";
    if (o.json) std::printf("%s\n", json.c_str());
    return 0;
}

} // namespace strato::bench_hs
