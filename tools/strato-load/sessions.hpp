#pragma once
// The session scenarios (handshake, connect, introductions). Each handshake
// or session is one strato-peer client connection (the same state machine
// and the same checks as `strato-peer connect`: RHello byte for byte, SKRC,
// DH, keys, _result), driven here in bulk: up to --concurrency at once, each
// in a slot with its own kernel socket, replies routed to their slot by the
// RHello's tag or the session ID. The initiator's DH key pairs come from a
// pool made before the run (identity_pool), so the only modexp left per
// handshake is the shared secret, as on the server.
//
// introductions: --listeners sessions register (connect + setPeerInfo) and
// stay; then --peers simulated callers (8 bytes of state each) send IHellos
// by listener peer ID at --rate. Every Redirect must echo a tag in flight and
// list the listener's address; every Forwarded IHello on a listener session
// must carry a tag of one of its callers and the caller's address.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/sha.hpp"
#include "tools/strato-load/backend.hpp"
#include "tools/strato-load/histogram.hpp"
#include "tools/strato-load/identity_pool.hpp"
#include "tools/strato-load/options.hpp"
#include "tools/strato-load/peers.hpp"
#include "tools/strato-peer/connection.hpp"

namespace strato::load {

struct session_counters {
    std::uint64_t started = 0;         // handshakes/sessions begun (listeners included)
    std::uint64_t succeeded = 0;       // reached the goal: keys verified (handshake) or connect _result success
    std::uint64_t closed_cleanly = 0;  // our Close was acknowledged
    std::uint64_t failed = 0;          // a check failed or the server refused (see failures)
    std::uint64_t timed_out = 0;
    std::uint64_t close_unacked = 0;   // no Close Ack within --timeout
    std::uint64_t unfinished = 0;      // still in flight when the run ended
    std::uint64_t fingerprint_changed = 0;
    std::uint64_t datagrams_sent = 0, datagrams_received = 0, tx_failed = 0;
    std::uint64_t unroutable = 0;      // matched no handshake, session or request (late retransmissions)
    // introductions
    std::uint64_t listeners = 0;       // registered: connect _result + setPeerInfo
    std::uint64_t intro_sent = 0;
    std::uint64_t redirects = 0;       // valid ones
    std::uint64_t redirect_mismatches = 0;
    std::uint64_t forwarded = 0;       // valid Forwarded IHellos seen on listener sessions
    std::uint64_t forwarded_mismatches = 0;
    std::uint64_t intro_unanswered = 0;
    // Before the run: one IHello per listener, repeated until its Redirect
    // shows stratod's directory knows it (setPeerInfo is applied
    // asynchronously there). Counted apart, but stratod counts them too.
    std::uint64_t probes_sent = 0, probe_redirects = 0, probe_forwarded = 0;
    // joins (succeeded = joins sent: connect _result + setPeerInfo + join)
    std::uint64_t joins_with_members = 0;  // our sessions already in the group when the join went out
    std::uint64_t joins_answered = 0;      // of those, got a member message (latency recorded)
    std::uint64_t member_messages = 0;     // `0b <peer ID>` received, all sessions
    std::uint64_t member_duplicates = 0;   // the same member again on one session (valid, counted)
    std::uint64_t member_mismatches = 0;   // not `0b` + 32 bytes, or no session of ours in that group
    std::uint64_t members_over_cap = 0;    // member messages beyond the bootstrap/notify bound (end of run)

    // Everything that means a reply or a session was wrong.
    std::uint64_t mismatches() const noexcept {
        return failed + timed_out + close_unacked + fingerprint_changed + redirect_mismatches + forwarded_mismatches +
               member_mismatches + members_over_cap;
    }
    session_counters minus(const session_counters& o) const noexcept;
};

struct session_result {
    session_counters total;
    session_counters measured;
    histogram latency;  // handshake: IHello -> RIKeying; connect: IHello -> _result; introductions: IHello -> Redirect;
                        // joins: join sent -> first member (joins with members only)
    double measured_seconds = 0;
    double dh_pool_seconds = 0;
    std::uint64_t behind_schedule = 0;  // starts due but not made: every --concurrency slot busy
    std::map<std::string, std::uint64_t> failures;  // failed check -> count
    std::map<std::string, std::string> failure_examples;  // failed check -> one detail
    bool has_fingerprint = false;
    crypto::digest fingerprint{};
    std::size_t bytes_per_session = 0;  // connection object + session arena, about
    std::string setup_error;            // why the run could not measure (listeners not registered)
    bool interrupted = false;
};

class session_generator {
public:
    session_generator(const load_options& o, io_backend& io);
    ~session_generator();
    // Empty on success; else why the run could not start.
    std::string prepare();
    void run(session_result& out, volatile const int& stop_flag);

    // Called by the slots' datagram_out.
    void queue(std::uint16_t socket, wire::bytes datagram) noexcept;

private:
    struct slot;
    struct listener;
    struct group;

    std::uint64_t now_ns() const noexcept;
    bool start_slot(std::uint64_t now, bool as_listener, std::uint32_t listener_index);
    void after(std::uint32_t index, std::uint64_t now);
    void release(std::uint32_t index);
    void receive(std::uint64_t now);
    void route_startup(wire::bytes datagram, std::uint64_t now);
    void on_redirect(const wire::redirect& r, std::uint64_t now);
    void on_forwarded(std::uint32_t listener_index, const wire::forwarded_ihello& f);
    void on_member(std::uint32_t index, wire::bytes message);
    void check_member_bound();
    void send_introduction(std::uint64_t now);
    void send_probe(std::uint32_t listener_index, std::uint64_t now);
    std::uint16_t caller_socket(std::uint32_t caller) const noexcept;
    void poll_slots(std::uint64_t now);
    void flush() noexcept;
    void fail(const std::string& check, const std::string& detail);
    void progress(std::uint64_t now, std::uint64_t t0);
    bool register_listeners(volatile const int& stop_flag);
    std::size_t active() const noexcept;

    const load_options& o_;
    io_backend& io_;
    identity_pool pool_;
    wire::socket_address server_{};
    std::vector<wire::socket_address> socket_addresses_;  // what the server sees per socket
    std::vector<slot> slots_;
    std::vector<std::uint32_t> free_;
    std::unordered_map<std::uint64_t, std::uint32_t> by_tag_;  // RHello route: first 8 tag bytes
    std::unordered_map<std::uint32_t, std::uint32_t> by_session_;  // our session ID -> slot

    std::vector<listener> listeners_;
    std::vector<peer_state> callers_;  // introductions: 8 bytes per simulated caller
    std::vector<group> groups_;                      // joins
    std::map<crypto::digest, std::uint32_t> group_of_peer_;  // joins: our peer IDs -> group index
    std::vector<std::uint32_t> probe_nonce_;  // per listener, 0 = its directory entry answered
    tag_codec codec_{0};
    fast_random random_{1};
    std::uint64_t next_caller_ = 0;

    static constexpr std::size_t slot_size = 1536;
    std::vector<std::uint8_t> tx_storage_;
    std::vector<tx_datagram> tx_;
    std::size_t tx_count_ = 0;
    std::vector<rx_datagram> rx_;
    std::vector<std::uint8_t> open_buffer_;

    session_counters c_;
    session_result* out_ = nullptr;
    bool measuring_ = false;
    double dh_pool_seconds_ = 0;
    std::uint64_t last_progress_ns_ = 0;
    session_counters last_progress_;
};

} // namespace strato::load
