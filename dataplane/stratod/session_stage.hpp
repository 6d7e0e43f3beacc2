#pragma once
// The session side of one worker lcore: finishes keyings handed back by the
// DH service (session + RIKeying), serves packets of the sessions it owns
// (decrypt, session engine, Flash NetConnection), hands packets of other
// lcores' sessions over through their rings, sends what the sessions emit,
// and reports peers joining and leaving to the control thread.
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "control/directory/peer_directory.hpp"
#include "dataplane/engine/netconnection.hpp"
#include "dataplane/net/classification.hpp"
#include "dataplane/session/session_table.hpp"
#include "dataplane/stratod/dh_service.hpp"
#include "dataplane/wire/chunks.hpp"

namespace strato::stratod {

struct worker_context;
class session_stage;

// A control-side request on a worker's handoff ring: an mbuf whose port is
// kick_marker and whose data is the session ID (std::uint32_t) to close
// (DELETE /v1/peers/{id}). No NIC has this port number.
inline constexpr std::uint16_t kick_marker = 0xfffe;
// The control thread's answer to a group join (issue 7): an mbuf whose port
// is group_marker and whose data is a group_command (0xfffd is the relay's).
inline constexpr std::uint16_t group_marker = 0xfffc;
inline constexpr std::size_t max_group_command_members = 16;
struct group_command {
    std::uint32_t session_id = 0;
    std::uint64_t flow = 0;  // the client's GC flow the answer belongs to
    wire::drop_reason status = wire::drop_reason::none;  // a refused join: counted by the worker
    std::uint8_t count = 0;
    std::uint8_t peers[max_group_command_members][32];
};
// GC flows (group memberships) one session may hold at once.
inline constexpr std::size_t max_group_flows_per_session = 2;

// What a worker tells the control thread (peer directory, statistics).
struct peer_event {
    enum class kind : std::uint8_t { connected, peer_info, disconnected, address_changed, group_join, group_leave };
    kind what = kind::connected;
    std::uint16_t worker = 0;
    std::uint16_t app = 0;
    std::uint32_t session_id = 0;
    std::uint32_t time_s = 0;
    crypto::digest peer_id{};
    wire::socket_address address;  // public address as seen
    std::array<wire::socket_address, engine::max_peer_addresses> private_addresses{};
    std::uint8_t private_count = 0;
    // group_join / group_leave: the client's GC flow and the group ID.
    std::uint64_t group_flow = 0;
    crypto::digest group_id{};
};

// Per-session application state, one per session slot.
class server_session final : public session::session_app, public engine::flow_io, public engine::netconnection_events {
public:
    void bind(session_stage* stage, session::session* s, const engine::netconnection_policy& policy,
              engine::lcore_counters& counters) noexcept;

    // session_app
    bool on_new_flow(session::session& s, std::uint64_t flow_id, wire::bytes metadata,
                     std::optional<std::uint64_t> return_flow) noexcept override;
    void on_message(session::session& s, std::uint64_t flow_id, wire::bytes message) noexcept override;
    void on_flow_closed(session::session& s, std::uint64_t flow_id, bool sending, session::flow_end why) noexcept override;
    void on_session_closed(session::session& s, session::close_reason why) noexcept override;
    void on_address_changed(session::session& s, const wire::socket_address& to) noexcept override;
    // flow_io
    std::optional<std::uint64_t> open_flow(wire::bytes metadata, std::optional<std::uint64_t> return_flow) noexcept override;
    bool send(std::uint64_t flow, wire::bytes message) noexcept override;
    void close_flow(std::uint64_t flow) noexcept override;
    void close_session() noexcept override;
    // netconnection_events
    bool admit(std::uint16_t app) noexcept override;
    void on_connected(std::uint16_t app) noexcept override;
    void on_peer_info(std::span<const wire::socket_address> addresses) noexcept override;
    void on_disconnected(std::uint16_t app) noexcept override;
    engine::relay_outcome on_relay(const flash::relay_peer_id& target, wire::bytes args) noexcept override;
    void on_group_join(std::uint64_t flow, wire::bytes message) noexcept override;
    void on_group_leave(std::uint64_t flow) noexcept override;
    // The control thread's answer to a join (group_marker command).
    void on_group_command(const group_command& c) noexcept;

    session::session* s = nullptr;
    std::optional<engine::netconnection> nc;
    crypto::digest peer_id{};
    std::uint32_t initiator_session_id = 0;
    std::uint64_t skic_hash = 0;
    // Where replies go: the last frame's link-layer source, our address.
    std::uint16_t port_index = 0;
    net::mac_address far_mac;
    bool has_vlan = false;
    std::uint16_t vlan_tci = 0;
    wire::socket_address local;
    // The sealed RIKeying, resent verbatim for a retransmitted IIKeying
    // (RFC 7016 §3.5.1.1.2).
    std::array<std::uint8_t, 4 + 16 * 40> rikeying{};
    std::uint16_t rikeying_size = 0;
    // relay token bucket (netconnection_policy relay_per_second / relay_burst).
    std::uint64_t relay_tokens_milli = 0;
    session::time_us relay_refilled_us = 0;
    bool relay_bucket_started = false;

    // NetGroup memberships: the client's GC flow and our GC flow associated
    // to it (protocol reference §7.3); flow 0 = free. The join rate limit is
    // GCRA: the theoretical arrival time of the next join.
    struct group_flow {
        std::uint64_t client_flow = 0;
        std::uint64_t our_flow = 0;
    };
    std::array<group_flow, max_group_flows_per_session> group_flows{};
    session::time_us next_join_at = 0;

private:
    session_stage* stage_ = nullptr;
    void emit(peer_event::kind k) noexcept;
    void end_group_flow(group_flow& g, bool post) noexcept;
};

struct session_stage_config {
    session::table_config table;
    engine::keying_policy keying;
    const engine::netconnection_policy* netconnection = nullptr;
    std::uint16_t worker_index = 0;
    unsigned event_ring_size = 16384;
    std::uint32_t group_joins_per_second = 4;
};

class session_stage final : public session::packet_sink {
public:
    session_stage() = default;
    session_stage(const session_stage&) = delete;
    session_stage& operator=(const session_stage&) = delete;
    ~session_stage() override;
    [[nodiscard]] bool init(const session_stage_config& cfg, worker_context& w, dh_service* dh, std::string& error);

    // A datagram with a non-zero session ID (RFC 7016 §2.2.2). Consumes m.
    void on_datagram(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, std::uint64_t now_tsc) noexcept;
    // An IIKeying whose cookie checked out (engine::startup_action::keying).
    // `packet` is the opened startup packet; the frame in m gives the route.
    void on_iikeying(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, wire::bytes packet,
                     std::uint64_t now_tsc) noexcept;
    // An IHello whose EPD names a peer (RFC 7016 §3.5.1.6): Redirect to the
    // initiator (built in m, sent back), Forwarded IHello to the target's
    // session, on this lcore or through the owner's introduction ring.
    void on_introduction(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, wire::bytes packet,
                         std::uint64_t now_tsc) noexcept;
    // The same for a burst (consumes every mbuf): limiter buckets prefetched
    // and the directory read with one bulk lookup per 32 introductions.
    struct introduction_request {
        rte_mbuf* m;
        std::uint16_t port_index;
        const net::udp_datagram* d;
        wire::bytes packet;
    };
    void on_introductions(std::span<const introduction_request> burst, std::uint64_t now_tsc) noexcept;
    // Once per poll loop: finished keyings, handed-over packets, session timers.
    void poll(std::uint64_t now_tsc) noexcept;

    // Benchmarks: a responder session as if keyed with `keys` (no RIKeying
    // sent), for a peer at `far` reached through `port_index`. Only before
    // the worker runs: the table is the worker's once it does. Returns the
    // session ID, 0 when the table is full.
    std::uint32_t open_session_for_benchmark(const wire::socket_address& far, const wire::socket_address& local,
                                             const net::mac_address& far_mac, std::uint16_t port_index,
                                             const session::session_keys& keys, const crypto::digest& peer_id) noexcept;

    rte_ring* handoff_ring() const noexcept { return handoff_; }
    rte_ring* event_ring() const noexcept { return events_; }
    const session::session_table& table() const noexcept { return table_; }
    session::session_table& table() noexcept { return table_; }

    // session::packet_sink: seal and transmit what a session built.
    void send(session::session& s, const wire::socket_address& to, wire::packet_builder& packet) noexcept override;

    // Used by server_session.
    void post(const peer_event& e) noexcept;
    bool admit(std::uint16_t app) noexcept;
    void release_app(std::uint16_t app) noexcept;
    engine::lcore_counters& counters() noexcept;
    session::time_us now_us() const noexcept { return now_us_; }
    std::uint16_t worker_index() const noexcept { return cfg_.worker_index; }
    std::uint32_t now_seconds() const noexcept;

private:
    void finish_keying(keying_slot* slot) noexcept;
    void retire(server_session& st) noexcept;
    void serve(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d) noexcept;
    bool transmit(std::uint16_t port_index, const net::udp_route& route, wire::bytes datagram) noexcept;
    server_session* state_of(session::session* s) noexcept { return static_cast<server_session*>(s->user); }

    session_stage_config cfg_{};
    worker_context* w_ = nullptr;
    dh_service* dh_ = nullptr;
    session::session_table table_;
    std::unique_ptr<server_session[]> states_;
    // Live streams published by this lcore's sessions (RFC 7425 §5.4);
    // played only by sessions of this lcore.
    static constexpr std::uint32_t live_streams_per_lcore = 64;
    static constexpr std::uint32_t subscribers_per_stream = 1024;
    std::unique_ptr<engine::stream_table> streams_;
    std::vector<std::uint32_t> free_states_;
    // A relay from `sender` to the peer `target`: onRelay on the target's
    // NetConnection, on this lcore or through the owner's handoff ring.
    engine::relay_outcome route_relay(const flash::relay_peer_id& target, const crypto::digest& sender,
                                      wire::bytes args, std::uint16_t port_index) noexcept;
    session::session* serving_ = nullptr;  // the session whose packet is being processed
    // queued, unknown_peer (the session is gone) or busy (its return flow is full).
    engine::relay_outcome deliver_relay(std::uint32_t session_id, std::span<const std::uint8_t, 32> sender,
                                        wire::bytes args) noexcept;
    void forward_ihello(std::uint32_t session_id, wire::bytes epd, const wire::socket_address& reply,
                        wire::bytes tag) noexcept;
    void introduce_chunk(std::span<const introduction_request> reqs, std::uint64_t now_tsc) noexcept;
    void introduce(const introduction_request& q, const wire::ihello& ih, const control::peer_id& id,
                   const control::peer_view& target, std::uint64_t now_tsc) noexcept;
    rte_ring* handoff_ = nullptr;  // frames of our sessions, and introductions for them, from other lcores
    rte_ring* events_ = nullptr;
    std::unique_ptr<std::uint8_t[]> scratch_;
    session::time_us now_us_ = 0;
    std::uint32_t poll_cursor_ = 0;
    std::uint64_t sweep_credit_ = 0;   // session visits owed, times timer_sweep_us
    session::time_us last_sweep_us_ = 0;

    // IIKeyings in flight and the sessions they made, by (address, ISID):
    // duplicates are coalesced and retransmissions get the same RIKeying.
    struct keying_entry {
        std::uint64_t key = 0;        // 0: empty
        std::uint64_t skic_hash = 0;
        std::uint32_t session_id = 0; // 0: still at the DH service
    };
    std::uint64_t keying_key(const wire::socket_address& a, std::uint32_t isid) const noexcept;
    keying_entry* find_keying(std::uint64_t key) noexcept;
    keying_entry* insert_keying(std::uint64_t key) noexcept;
    void erase_keying(std::uint64_t key) noexcept;
    std::vector<keying_entry> keyings_;
    std::size_t keying_mask_ = 0;
    friend class server_session;
};

} // namespace strato::stratod
