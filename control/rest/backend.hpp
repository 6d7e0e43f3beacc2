#pragma once
// api_backend: everything the REST server, /metrics and the DPDK telemetry
// commands know about stratod. The server never includes a dataplane header;
// stratod implements this interface over its runtime, peer directory, group
// table and config store, and the tests implement it with fake_backend.
//
// Threading: every method may be called concurrently from the REST I/O
// threads and the DPDK telemetry thread, so implementations must be
// thread-safe. None of them runs on a worker lcore; implementations read
// dataplane counters with relaxed loads and the tables through their
// lock-free reader APIs, never with a lock a worker could wait on.
//
// Errors: methods report expected failures in their results (not found,
// invalid input). They may throw for unexpected ones; the server turns any
// exception into a 500 and keeps serving.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "control/config.hpp"

namespace strato::rest {

// ---- health ----------------------------------------------------------------

struct health_status {
    bool ok_ = true;
    std::vector<std::string> reasons_;  // why degraded, e.g. "port 0: link down"
};

// ---- statistics --------------------------------------------------------------

struct port_counters {
    std::uint64_t rx_packets_ = 0;
    std::uint64_t rx_bytes_ = 0;
    std::uint64_t tx_packets_ = 0;
    std::uint64_t tx_bytes_ = 0;
};

struct port_info {
    std::uint16_t port_ = 0;     // index in the config's [[ports]]
    std::string device_;         // PCI address or vdev string
    bool link_up_ = true;
};

// One worker lcore's counters. ports_ is indexed like stats_snapshot::ports_;
// stages_ and drops_ like stage_names_ and drop_reason_names_.
struct lcore_stats {
    std::uint32_t lcore_ = 0;
    std::vector<port_counters> ports_;
    std::vector<std::uint64_t> stages_;
    std::vector<std::uint64_t> drops_;
    std::uint64_t sessions_ = 0;   // sessions this lcore owns (gauge)
};

struct app_count {
    std::string app_;
    std::uint64_t peers_ = 0;
    std::uint64_t groups_ = 0;
};

// A consistent-enough copy: each counter is read once with a relaxed load;
// totals are summed by the REST side from lcores_, so they always agree with
// the per-lcore numbers of the same response.
struct stats_snapshot {
    std::uint64_t uptime_seconds_ = 0;
    std::vector<std::string> stage_names_;        // engine::stage_names
    std::vector<std::string> drop_reason_names_;  // wire::drop_reason_names
    std::vector<port_info> ports_;
    std::vector<lcore_stats> lcores_;
    std::uint64_t peers_ = 0;
    std::uint64_t groups_ = 0;
    std::vector<app_count> apps_;
};

// ---- peers and groups ----------------------------------------------------

struct page_request {
    std::optional<std::string> app_;     // only this app
    std::string cursor_;                 // "" = from the start; otherwise opaque
    std::uint32_t limit_ = 100;          // 1..max_page_limit, checked by the server
};
inline constexpr std::uint32_t default_page_limit = 100;
inline constexpr std::uint32_t max_page_limit = 1000;

struct peer_info {
    std::string peer_id_;                // 64 lowercase hex digits
    std::string app_;
    std::string public_address_;         // "198.51.100.7:50123", "[2001:db8::1]:50123"
    std::vector<std::string> private_addresses_;
    bool introducible_ = false;          // setPeerInfo received
    std::uint32_t lcore_ = 0;
    std::uint32_t session_id_ = 0;
    std::uint64_t connect_time_ = 0;     // seconds since the epoch
    std::uint64_t last_activity_ = 0;
};

struct peers_page {
    std::vector<peer_info> peers_;
    std::string next_cursor_;            // "" = no more
};

struct group_info {
    std::string group_id_;               // lowercase hex
    std::string app_;
    std::uint64_t member_count_ = 0;
    std::vector<std::string> members_;   // peer IDs; filled by group() only
};

struct groups_page {
    std::vector<group_info> groups_;
    std::string next_cursor_;
};

// Cursor strings come from clients: a backend that cannot decode one
// returns bad_cursor and the server answers 400 naming `cursor`.
enum class lookup_status : std::uint8_t { ok, not_found, bad_cursor };

enum class kick_status : std::uint8_t { closing, not_found };

// ---- configuration -------------------------------------------------------

struct config_apply_result {
    // False: errors_ lists every problem and nothing changed.
    bool valid_ = false;
    std::vector<control::config_error> errors_;
    // Changes now in effect (or, in a dry run, that would be).
    std::vector<control::config_change> applied_;
    // Changes that only take effect after a restart; the running value is
    // kept, the new file's value is remembered as the configured one.
    std::vector<control::config_change> restart_required_;
};

// An [[apps]] entry as the API sees it (same fields as the config file).
struct app_spec {
    std::string path_;
    std::vector<std::string> developer_keys_;
    std::optional<std::uint32_t> max_peers_;
    std::optional<std::uint32_t> max_handshakes_per_second_;
};

enum class app_change_status : std::uint8_t { done, invalid, not_found };

struct app_change_result {
    app_change_status status_ = app_change_status::done;
    std::vector<control::config_error> errors_;   // when invalid
};

// ---- the interface ---------------------------------------------------------

class api_backend {
public:
    virtual ~api_backend() = default;

    virtual health_status health() = 0;
    virtual stats_snapshot stats() = 0;

    virtual lookup_status peers(const page_request& request, peers_page& out) = 0;
    virtual std::optional<peer_info> peer(std::string_view peer_id_hex) = 0;
    // Asks the owning lcore to close the session; returns before it is gone.
    virtual kick_status kick_peer(std::string_view peer_id_hex) = 0;

    virtual lookup_status groups(const page_request& request, groups_page& out) = 0;
    virtual std::optional<group_info> group(std::string_view group_id_hex) = 0;

    // The running config file as TOML text, and the same file as JSON.
    virtual std::string config_toml() = 0;
    virtual boost::json::value config_json() = 0;
    // Validates the whole text (parse_config_text); when valid and not a dry
    // run, applies every reloadable change at once. Never half-applies.
    virtual config_apply_result apply_config(std::string_view toml_text, bool dry_run) = 0;

    virtual std::vector<app_spec> apps() = 0;
    // Validated exactly like a config reload with that app added/removed.
    virtual app_change_result add_app(const app_spec& app) = 0;
    virtual app_change_result remove_app(std::string_view path) = 0;
};

}  // namespace strato::rest
