#pragma once
// The server side of a Flash NetConnection (RFC 7425 §5.3) on one session:
// accepts the control flow, answers connect with _result (and Set Keepalive
// Timers) or _error, records setPeerInfo addresses, answers createStream and
// deleteStream, fails unknown calls, and tells its owner when the peer
// becomes connected, introducible, or leaves. It talks to the session engine
// only through flow_io, so it is tested without one.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dataplane/engine/counters.hpp"
#include "dataplane/flash/command.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::engine {

// What the session engine offers the application layer.
class flow_io {
public:
    virtual ~flow_io() = default;
    // Opens one of our sending flows with this metadata, associated to the
    // peer's flow `return_flow` when given; nullopt when no flow is free.
    virtual std::optional<std::uint64_t> open_flow(wire::bytes metadata, std::optional<std::uint64_t> return_flow) noexcept = 0;
    // Queues one message on a sending flow; false when it does not fit.
    virtual bool send(std::uint64_t flow, wire::bytes message) noexcept = 0;
    virtual void close_flow(std::uint64_t flow) noexcept = 0;
    virtual void close_session() noexcept = 0;
};

// An application of the config ([[apps]]): the URI path a client connects
// to, optional developer keys (the path segment after it), a peer quota.
inline constexpr std::size_t max_developer_keys = 16;
struct app_rule {
    std::string_view path;  // "app", "multicast" (no leading slash)
    std::array<std::string_view, max_developer_keys> developer_keys{};
    std::size_t developer_key_count = 0;
    std::uint32_t max_peers = 0;  // 0: unlimited
};

struct netconnection_policy {
    std::span<const app_rule> apps;   // empty: any app path is accepted
    std::uint32_t keepalive_server_ms = 15000;
    std::uint32_t keepalive_peer_ms = 10000;
    // relay command token bucket, per sender NetConnection.
    std::uint32_t relay_per_second = 100;
    std::uint32_t relay_burst = 200;
};

// What became of a relay request (the owner's answer to on_relay).
enum class relay_outcome : std::uint8_t { queued, unknown_peer, rate_limited, busy };
std::string_view description_of(relay_outcome r) noexcept;

// Owner-side hooks (the worker: peer directory events, quotas).
class netconnection_events {
public:
    virtual ~netconnection_events() = default;
    // Asked before accepting a connect to app `app_index`: false = quota full.
    virtual bool admit(std::uint16_t app_index) noexcept = 0;
    virtual void on_connected(std::uint16_t app_index) noexcept = 0;
    virtual void on_peer_info(std::span<const wire::socket_address> addresses) noexcept = 0;
    virtual void on_disconnected(std::uint16_t app_index) noexcept = 0;
    // A GC flow join (RFC-less NetGroup channel, protocol reference §7.2).
    virtual void on_group_join(std::uint64_t /*flow*/, wire::bytes /*group_id*/) noexcept {}
    virtual void on_group_leave(std::uint64_t /*flow*/) noexcept {}
    // A well-formed relay from this peer to `target` (tcserver's relay
    // command): route it to the target's NetConnection, or say why not.
    virtual relay_outcome on_relay(const flash::relay_peer_id& /*target*/, wire::bytes /*args*/) noexcept {
        return relay_outcome::unknown_peer;
    }
};

// Why a connect was refused, as told to the client in _error.
enum class connect_refusal : std::uint8_t { none, unknown_app, bad_developer_key, quota_full, malformed };
std::string_view description_of(connect_refusal r) noexcept;

// Resolves a connect's app path against the rules: the longest rule path
// that matches whole leading segments; the next segment is the developer
// key when the rule lists keys.
connect_refusal match_app(std::span<const app_rule> apps, std::string_view uri_path, std::uint16_t& app_index) noexcept;
// The path of a tcUrl ("rtmfp://host:port/app/x" -> "app/x"), empty if none.
std::string_view tc_url_path(std::string_view tc_url) noexcept;

inline constexpr std::size_t max_peer_addresses = 8;

class netconnection {
public:
    enum class state : std::uint8_t { awaiting_connect, connected, closed };

    netconnection(const netconnection_policy& policy, flow_io& io, netconnection_events& events,
                  lcore_counters& counters) noexcept
        : policy_(&policy), io_(&io), events_(&events), counters_(&counters) {}

    // Session engine callbacks, forwarded.
    bool on_new_flow(std::uint64_t flow, wire::bytes metadata, std::optional<std::uint64_t> return_flow) noexcept;
    void on_message(std::uint64_t flow, wire::bytes message) noexcept;
    void on_flow_closed(std::uint64_t flow, bool sending) noexcept;
    void on_session_closed() noexcept;
    // A message relayed to this peer: onRelay on the control return flow
    // (stream ID 0, as tcserver sends it). False when not connected or the
    // flow's buffer is full.
    bool deliver_relay(std::span<const std::uint8_t, 32> sender, wire::bytes args) noexcept;

    state current_state() const noexcept { return state_; }
    bool introducible() const noexcept { return introducible_; }
    std::uint16_t app_index() const noexcept { return app_index_; }
    std::span<const wire::socket_address> peer_addresses() const noexcept { return {addresses_.data(), address_count_}; }

private:
    void handle_command(wire::bytes amf) noexcept;
    void handle_connect(const flash::connect_command& c) noexcept;
    void handle_relay(const flash::command_view& c) noexcept;
    bool reply(wire::bytes message) noexcept;  // on the control return flow
    void disconnect() noexcept;

    const netconnection_policy* policy_;
    flow_io* io_;
    netconnection_events* events_;
    lcore_counters* counters_;
    state state_ = state::awaiting_connect;
    std::optional<std::uint64_t> control_flow_;  // the client's NetConnection flow
    std::optional<std::uint64_t> return_flow_;   // ours, associated to it
    std::uint16_t app_index_ = 0;
    bool introducible_ = false;
    std::uint32_t next_stream_id_ = 1;
    std::array<wire::socket_address, max_peer_addresses> addresses_{};
    std::size_t address_count_ = 0;
};

} // namespace strato::engine
