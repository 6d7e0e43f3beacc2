#pragma once
// stratod's configuration: one TOML file, parsed into plain structs.
//
// Flow (conventions.md, "Errors and config"): parse -> validate everything ->
// hand the finished struct over. Nothing here touches DPDK, so the daemon,
// `stratod --check-config`, `PUT /v1/config` and the unit tests all run the
// same code. Every key is declared once in a schema (config_schema.cpp: type,
// range, default, reloadable, validator, documentation); the structs below
// only hold values, and their member initializers are the defaults.
//
// Errors name the key path, the value and the reason, e.g.
//   ports[0].ipv4: "198.18.0.300" is not an IPv4 address
// and every error found is reported, not just the first.
#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strato::control {

// ---- value types ---------------------------------------------------------

// An interface address with its prefix length, e.g. 198.18.0.1/24.
// Bytes in network order.
struct ipv4_prefix {
    std::array<std::uint8_t, 4> address_{};
    std::uint8_t length_ = 0;
    bool operator==(const ipv4_prefix&) const = default;
};

struct ipv6_prefix {
    std::array<std::uint8_t, 16> address_{};
    std::uint8_t length_ = 0;
    bool operator==(const ipv6_prefix&) const = default;
};

struct mac_address {
    std::array<std::uint8_t, 6> bytes_{};
    bool operator==(const mac_address&) const = default;
};

// A TCP listen address for the REST server, IP literal only (no name
// lookups while validating).
struct listen_address {
    std::string host_;          // "127.0.0.1" or "::1" (no brackets)
    std::uint16_t port_ = 0;
    bool operator==(const listen_address&) const = default;
};

enum class log_level : std::uint8_t { error, warn, info, debug };

enum class device_kind : std::uint8_t { pci, vdev };

// ---- sections ------------------------------------------------------------

// [eal]
struct eal_config {
    std::vector<std::string> args_;     // passed to rte_eal_init after argv[0]
};

// [[ports]]
struct port_config {
    std::string device_;                // PCI address or vdev string
    device_kind kind_ = device_kind::vdev;  // derived from device_
    std::vector<ipv4_prefix> ipv4_;
    std::vector<ipv6_prefix> ipv6_;
    std::optional<mac_address> mac_;    // absent: the port's own MAC
    std::optional<std::uint16_t> vlan_; // absent: untagged
    // Absent in the file: one queue per worker lcore. Validation always
    // leaves the resolved count here.
    std::uint16_t rx_queues_ = 0;
    std::uint16_t mtu_ = 1500;
};

// [server]
struct server_config {
    std::vector<std::uint16_t> udp_ports_{1935};
    std::optional<std::string> hostname_;
    std::vector<std::uint8_t> certificate_dh_groups_{2, 5, 14};
    log_level log_level_ = log_level::info;
    std::uint32_t stats_interval_seconds_ = 5;
};

// One lcore polling one RX queue of one port ([[workers.queues]]).
struct queue_assignment {
    std::uint32_t lcore_ = 0;
    std::uint16_t port_ = 0;            // index into stratod_config::ports_
    std::uint16_t queue_ = 0;
    bool operator==(const queue_assignment&) const = default;
};

// [workers]
struct workers_config {
    std::vector<std::uint32_t> lcores_{1};
    std::uint32_t main_lcore_ = 0;
    // As written in the file; empty means automatic.
    std::vector<queue_assignment> queues_;
    // Always filled by validation: the explicit list, or the automatic one
    // (worker lcore i polls queue i of every port). Sorted by lcore, port.
    std::vector<queue_assignment> resolved_queues_;
    std::uint16_t burst_size_ = 32;
    std::uint32_t tx_drain_us_ = 100;
};

// [mempool]
struct mempool_config {
    std::uint32_t mbufs_per_port_ = 16383;
    std::uint32_t cache_size_ = 256;
    std::uint32_t mbuf_data_size_ = 2176;   // RTE_MBUF_DEFAULT_BUF_SIZE
};

// [handshake]
struct handshake_config {
    std::uint32_t cookie_secret_rotation_seconds_ = 600;
    std::uint32_t cookie_lifetime_seconds_ = 120;
    std::uint8_t rate_limit_ipv4_prefix_ = 24;
    std::uint8_t rate_limit_ipv6_prefix_ = 64;
    std::uint32_t rate_limit_per_second_ = 1000;
    std::uint32_t rate_limit_burst_ = 2000;
    std::uint32_t rate_limit_buckets_ = 65536;
};

// [introduction]: IHellos naming a peer ID (issue 6 item 2). Each worker
// lcore limits on its own, so a target reached through k lcores gets at most
// k times its limit.
struct introduction_config {
    std::uint32_t per_initiator_per_second_ = 100;
    std::uint32_t per_initiator_burst_ = 200;
    std::uint8_t initiator_ipv4_prefix_ = 32;
    std::uint8_t initiator_ipv6_prefix_ = 128;
    std::uint32_t per_target_per_second_ = 200;
    std::uint32_t per_target_burst_ = 400;
    std::uint32_t buckets_ = 65536;
};

// [sessions]
struct sessions_config {
    std::uint32_t max_sessions_per_lcore_ = 4096;
    std::uint32_t keying_queue_depth_ = 1024;
    std::uint32_t idle_timeout_seconds_ = 120;
    std::uint32_t keepalive_server_ms_ = 15000;
    std::uint32_t keepalive_peer_ms_ = 10000;
    bool require_hmac_ = false;
    bool require_sseq_ = false;
    std::uint32_t max_peers_ = 1000000;
    std::uint32_t relay_per_second_ = 100;
    std::uint32_t relay_burst_ = 200;
    // NetGroup table (issue 7), all apps together.
    std::uint32_t max_groups_ = 1000000;
    std::uint32_t max_group_memberships_ = 10000000;
    std::uint32_t max_group_members_ = 100000;      // in one group
    std::uint32_t group_joins_per_second_ = 4;      // per session, burst of the same size
    // Per-flow session buffers (bytes per session follow from them): sized
    // for rendezvous by default; live streams want more.
    std::uint32_t send_buffer_bytes_ = 2560;     // queued, unacknowledged bytes per sending flow
    std::uint32_t receive_buffer_bytes_ = 1536;  // out-of-order bytes stashed per receiving flow
    std::uint32_t max_message_bytes_ = 2048;     // largest message reassembled from fragments
};

// [[apps]]
struct app_config {
    std::string path_;                      // "app" or "multicast/<key>"
    std::vector<std::string> developer_keys_;   // empty: no key needed
    std::optional<std::uint32_t> max_peers_;    // absent: sessions.max_peers
    std::optional<std::uint32_t> max_handshakes_per_second_;   // absent: no limit
    // NetGroup (issue 7): caps (absent: only the sessions.* ones) and the
    // bootstrap policy (protocol reference §7.3).
    std::optional<std::uint32_t> max_groups_;
    std::optional<std::uint32_t> max_group_members_;
    std::uint32_t group_bootstrap_neighbours_ = 2;  // each side of the ring
    std::uint32_t group_bootstrap_random_ = 2;
    std::uint32_t group_bootstrap_max_ = 6;
    std::uint32_t group_notify_neighbours_ = 1;     // each side
};

// [rest]
struct rest_config {
    listen_address listen_{"127.0.0.1", 8080};
    // The bearer token for mutating calls: `token` as written, or the
    // content of `token_file` (read during validation, trailing newline
    // stripped). Empty: mutating calls are refused.
    std::string token_;
    std::optional<std::string> token_file_;
    std::uint32_t max_body_bytes_ = 1048576;
    std::uint32_t max_connections_ = 64;
};

struct stratod_config {
    eal_config eal_;
    std::vector<port_config> ports_;
    server_config server_;
    workers_config workers_;
    mempool_config mempool_;
    handshake_config handshake_;
    introduction_config introduction_;
    sessions_config sessions_;
    std::vector<app_config> apps_;  // empty: any app path is accepted
    rest_config rest_;
};

// ---- parsing and validation ----------------------------------------------

struct config_error {
    std::string path_;          // "ports[0].ipv4"; empty for file-level errors
    std::string message_;       // "\"198.18.0.300\" is not an IPv4 address"
    std::uint32_t line_ = 0;    // 1-based source line when known, else 0
    std::string text() const;   // "path: message"
    bool operator==(const config_error&) const = default;
};

struct config_result {
    std::optional<stratod_config> config_;  // set only when errors_ is empty
    std::vector<config_error> errors_;
    bool ok() const { return config_.has_value(); }
};

// Parse and validate TOML text; origin_name names it in syntax errors
// ("stratod.toml:3:7: ..."). Never throws.
config_result parse_config_text(std::string_view text, std::string_view origin_name);
// Same, reading the file first; an unreadable file is one error.
config_result parse_config_file(const std::string& path);

// One error per line, each ending in '\n'.
std::string format_errors(std::span<const config_error> errors);

// `stratod --check-config FILE`: prints "FILE: configuration is valid" to
// out and returns 0, or prints every error to err, one per line, and
// returns 2.
inline constexpr int check_config_invalid_exit_code = 2;
int check_config(const std::string& path, std::ostream& out, std::ostream& err);

// ---- reload --------------------------------------------------------------

struct config_change {
    std::string path_;          // "server.log_level", "apps" (count changed)
    std::string old_value_;     // TOML-ish rendering; secrets are "(hidden)"
    std::string new_value_;
    bool reloadable_ = false;
};

struct config_diff {
    std::vector<config_change> changes_;
    bool empty() const { return changes_.empty(); }
    // True when every change can be applied to a running stratod.
    bool all_reloadable() const;
    // Paths of the changes that need a restart.
    std::vector<std::string> restart_required() const;
};

// Both configs must be validated ones (from parse_config_*).
config_diff diff_configs(const stratod_config& old_config, const stratod_config& new_config);

// ---- schema description (docs, `strato-check-config --schema`, REST) ----

struct key_description {
    std::string path_;          // "ports[].ipv4", "workers.queues[].lcore"
    std::string type_;          // "integer", "array of strings", ...
    std::string range_;         // "1-256", "" when not applicable
    std::string default_;       // rendered default; "(required)", "(unset)"
    bool reloadable_ = false;
    std::string doc_;
};
std::vector<key_description> describe_config_schema();

// ---- helpers shared with the dataplane and tools -------------------------

std::string to_string(const ipv4_prefix& p);
std::string to_string(const ipv6_prefix& p);
std::string to_string(const mac_address& m);
std::string to_string(const listen_address& a);    // "[::1]:8080" for IPv6
std::string_view to_string(log_level l);

}  // namespace strato::control
