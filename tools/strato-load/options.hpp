#pragma once
// Command line of strato-load: parsed and validated completely before any
// socket, EAL or port is touched; every error names the option, the value
// and why (exit 2).
#include <cstdint>
#include <string>
#include <vector>

#include "tools/strato-peer/uri.hpp"

namespace strato::load {

inline constexpr int exit_ok = 0;
inline constexpr int exit_mismatch = 1;  // replies failed checks, or nothing came back
inline constexpr int exit_usage = 2;
inline constexpr int exit_runtime = 3;   // sockets, EAL or port setup failed

enum class scenario : std::uint8_t { ihello, mix, spoofed, reflect, handshake, connect, introductions, joins };
constexpr bool is_session_scenario(scenario s) noexcept {
    return s == scenario::handshake || s == scenario::connect || s == scenario::introductions || s == scenario::joins;
}
enum class backend_kind : std::uint8_t { kernel, dpdk };

// An IPv4 prefix in host order, e.g. 198.18.0.128/25.
struct ipv4_prefix {
    std::uint32_t base = 0;
    std::uint8_t length = 32;
    std::uint64_t size() const noexcept { return 1ull << (32 - length); }
    std::uint32_t at(std::uint64_t i) const noexcept { return base + static_cast<std::uint32_t>(i % size()); }
};

struct load_options {
    scenario what = scenario::ihello;
    backend_kind backend = backend_kind::kernel;
    peer::rtmfp_uri target;           // host, port and the EPD (the URI as Ancillary Data)
    std::string listen_host;          // reflect
    std::uint16_t listen_port = 0;

    double rate = 1000;               // legitimate packets per second; 0 = open loop
    double ramp_seconds = 0;          // linear 0 -> rate over the first seconds (warm-up included)
    double duration = 5;              // measured seconds, after the warm-up
    double warmup = 1;
    double drain_seconds = 0.5;       // wait for late replies after the last send
    std::uint64_t peers = 1000;
    std::size_t tag_size = 16;
    double invalid_ratio = 0;         // mix
    double spoof_rate = 0;            // spoofed
    unsigned batch = 32;
    bool json = false;
    bool quiet = false;               // no progress lines
    bool echo = false;                // the target is `strato-load reflect`

    // kernel backend
    unsigned sockets = 16;
    std::string bind_host;            // local address for the sockets (default: any)

    // dpdk backend
    std::string dpdk_device;          // vdev string or PCI address
    std::vector<std::string> eal_args;  // extra EAL arguments
    unsigned lcore = 0;
    ipv4_prefix source_prefix{0xC6120080u, 25};  // 198.18.0.128/25
    ipv4_prefix spoof_prefix{0xC6120100u, 24};   // 198.18.1.0/24
    std::uint16_t source_port_base = 10000;
    std::uint32_t ports_per_address = 64;
    std::string server_mac;           // skip ARP when given

    // session scenarios (handshake, connect, introductions)
    std::uint64_t concurrency = 256;  // handshakes/sessions in flight at once
    std::uint64_t dh_pool = 64;       // precomputed initiator DH key pairs
    bool keep = false;                // connect: keep sessions open until the end of the run
    std::uint64_t listeners = 16;     // introductions: sessions registered with setPeerInfo
    double session_timeout = 5;       // per phase (handshake, connect, close), seconds
    // joins: --concurrency sessions (kept open) each join one of --groups
    // groups; the bootstrap caps are stratod's app settings (its defaults),
    // the bound every session's member messages are checked against.
    std::uint64_t groups = 16;
    std::uint64_t bootstrap_max = 6;      // group_bootstrap_max
    std::uint64_t notify_neighbours = 1;  // group_notify_neighbours (each side)
};

// Returns an empty string on success, else the message (exit_usage).
std::string parse_options(int argc, char** argv, load_options& out);
void print_usage(std::FILE* out);

// "198.18.0.1" -> host-order address.
bool parse_ipv4(const std::string& text, std::uint32_t& out) noexcept;

} // namespace strato::load
