#pragma once
// One strato-peer NetConnection from first IHello to Close Ack, as an I/O-free
// state machine: the caller feeds datagrams and the time, and hands out what
// it sends through datagram_out. `connect` drives it over a kernel UDP
// socket; the unit tests drive it against an in-memory server.
//
//   IHello (URI EPD) -> RHello (checked) -> IIKeying [-> Cookie Change ->
//   IIKeying] -> RIKeying (SKRC, DH, keys) -> S_OPEN (mode 1) -> control flow
//   `TC 04 00` + connect -> _result / _error -> setPeerInfo [-> createStream]
//   -> stay -> FIN on the control flow, Close -> Close Ack.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/session/session.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/initiator_keying.hpp"
#include "tools/strato-peer/uri.hpp"

namespace strato::peer {

using session::time_us;

class datagram_out {
public:
    virtual ~datagram_out() = default;
    virtual void send(wire::bytes datagram) noexcept = 0;
};

// Deliberately wrong input for the server's robustness tests (never used by
// a normal connect): what the server must count and survive.
enum class misbehaviour : std::uint8_t {
    none,
    bad_cookie,         // IIKeying echoes a corrupted cookie (server: ignore, count)
    unsupported_group,  // select a group the certificate does not offer
    session_garbage,    // once connected: a junk datagram scrambled with our server session ID
};

struct call_answer {
    double transaction_id = 0;
    bool error = false;  // _error, or onStatus at level "error"
    std::string name;    // "_result", "_error", "onStatus"
    std::string code, description;
};

struct connect_options {
    rtmfp_uri uri;
    wire::socket_address server;     // the address datagrams go to (DESTADDR)
    keying_choice keying;
    std::vector<std::pair<std::string, std::string>> connect_args;  // command object members
    std::vector<std::string> peer_info;  // setPeerInfo strings ("ip:port")
    bool create_stream = false;
    time_us stay = 0;
    time_us timeout = 5 * session::seconds;  // per phase: handshake, connect, close
    misbehaviour misbehave = misbehaviour::none;
    // `listen`: a prepared identity (its certificate is also the responder
    // certificate peers see) instead of a fresh one.
    std::optional<initiator_identity> identity;
    // `listen`: called for every Forwarded IHello (0x0f) the server sends
    // inside our session (the session engine itself ignores the chunk).
    std::function<void(const wire::forwarded_ihello&)> on_forwarded_ihello;
    // `group`: join messages sent right after setPeerInfo, one GC flow each
    // (protocol reference §7.2), and every message the server sends on its GC
    // flows (`0b <peer ID>`, §7.3) with the flow it came on.
    std::vector<std::vector<std::uint8_t>> group_joins;
    std::function<void(std::uint64_t flow, wire::bytes message)> on_group_message;
    // Robustness tests: send the joins before connect instead (the server
    // must refuse a GC flow of a peer that is not connected).
    bool group_join_before_connect = false;
    // Load generator's handshake scenario: no NetConnection. Right after
    // RIKeying the session is closed; the server's Close Ack, sealed with
    // the session keys, proves both ends derived the same keys.
    bool handshake_only = false;
    // Two flows each way and small buffers (a NetConnection needs one
    // each way): strato-load holds thousands of sessions in one process.
    bool compact_session = false;
    // `relay`/`listen`: an onRelay from the server (tcserver's relay):
    // the sender's connection ID as sent (hex) and the AMF0 arguments.
    std::function<void(std::string_view sender, wire::bytes args)> on_relay;
    // Answers to our own calls once connected (call()): _result/_error by
    // transaction ID, and onStatus at level "error" (transaction 0).
    std::function<void(const call_answer&)> on_call_answer;
    // `play`: audio, video and data messages (RFC 7425 §5.4) from any flow
    // of the server, as type, timestamp and body.
    std::function<void(std::uint8_t type, std::uint32_t timestamp, wire::bytes body)> on_media;
    // Session engine settings instead of client_session_config(compact_session).
    std::optional<session::session_config> session;
};

// The session engine configuration of a client connection.
session::session_config client_session_config(bool compact);

enum class phase : std::uint8_t { idle, ihello_sent, keying_sent, connecting, connected, closing, done };

// Exit codes shared with command.hpp (kept numeric here so the core does not
// depend on the command layer).
enum class outcome : std::uint8_t { pending, ok, protocol_failure, timeout, rejected };

struct connection_report {
    std::vector<std::string> steps;  // human-readable, in order
    std::size_t steps_printed = 0;   // for the caller's incremental printing
    std::string failed_check;        // protocol failure: which check
    std::string error;               // detail for any failure
    std::vector<std::uint8_t> tag;
    crypto::digest server_fingerprint{};
    bool have_fingerprint = false;
    crypto::digest peer_id{};
    std::uint32_t near_id = 0, far_id = 0;
    std::string features;
    std::string server_hmac, server_sseq;
    std::size_t ihellos_sent = 0, iikeyings_sent = 0, cookie_changes = 0;
    std::size_t rhello_size = 0, rikeying_size = 0, skrc_size = 0;
    std::string connect_code, connect_description, connect_level;
    double object_encoding = -1;
    std::uint32_t keepalive_server_ms = 0, keepalive_peer_ms = 0;
    std::optional<double> stream_id;
    double handshake_ms = 0, connect_ms = 0;
    bool close_acked = false;        // our Close was acknowledged (S_CLOSED)
    bool closed_by_server = false;
    std::uint64_t packets_in = 0, packets_out = 0, retransmissions = 0;
};

class connection final : public session::session_app, public session::packet_sink {
public:
    explicit connection(connect_options o);
    ~connection() override = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // Generates the identity and sends the first IHello.
    void begin(time_us now, datagram_out& out);
    void on_datagram(wire::bytes datagram, time_us now, datagram_out& out);
    // Retransmissions, session timers, phase deadlines.
    void poll(time_us now, datagram_out& out);
    time_us next_wakeup(time_us now) const;
    // The socket reported an error (ICMP unreachable): stop with a timeout outcome.
    void fail_unreachable(const std::string& why);
    // `listen`: the socket's port is known only after the first send, and
    // setPeerInfo goes out after connect.
    void set_peer_info(std::vector<std::string> info) { o_.peer_info = std::move(info); }
    // Queues one RTMP message on the NetConnection control flow (a command
    // of ours, e.g. relay); false before connect or when it does not fit.
    bool call(wire::bytes rtmp_message);
    // A NetStream flow of ours for `stream_id` (createStream's answer,
    // report().stream_id): metadata TC 04 <stream ID>. Nullopt before
    // connect or without a free flow.
    std::optional<std::uint64_t> open_stream_flow(std::uint32_t stream_id);
    // Queues one RTMP message on one of our flows; false when it does not fit.
    bool send_on(std::uint64_t flow, wire::bytes rtmp_message);
    // End the stay now (listen on SIGTERM): orderly close from here on.
    // `group`: opens a GC flow (metadata `47 43`, associated to the server's
    // NetConnection flow) and sends the join on it; 0 on failure. Closing it
    // (FIN) is the leave (§7.4).
    std::uint64_t open_group_flow(wire::bytes join_message) noexcept;
    bool close_group_flow(std::uint64_t flow) noexcept { return session_.close_flow(flow); }
    bool send_on_group_flow(std::uint64_t flow, wire::bytes message) noexcept {
        return session_.send(flow, message) == session::send_status::ok;
    }
    // The GC flows opened so far, oldest first.
    const std::vector<std::uint64_t>& group_flows() const noexcept { return group_flows_; }
    void stop_staying(time_us now) noexcept {
        if (phase_ == phase::connected) stay_until_ = now;
    }

    phase current_phase() const noexcept { return phase_; }
    outcome result() const noexcept { return outcome_; }
    const connection_report& report() const noexcept { return report_; }
    connection_report& report() noexcept { return report_; }
    const initiator_identity& identity() const noexcept { return id_; }

    // session_app
    bool on_new_flow(session::session& s, std::uint64_t flow_id, wire::bytes metadata,
                     std::optional<std::uint64_t> return_flow) noexcept override;
    void on_message(session::session& s, std::uint64_t flow_id, wire::bytes message) noexcept override;
    void on_flow_closed(session::session& s, std::uint64_t flow_id, bool sending, session::flow_end why) noexcept override;
    void on_session_closed(session::session& s, session::close_reason why) noexcept override;
    // packet_sink
    void send(session::session& s, const wire::socket_address& to, wire::packet_builder& packet) noexcept override;

private:
    void step(std::string text);
    void finish(outcome o, std::string check, std::string detail);
    void send_ihello(time_us now, datagram_out& out);
    void send_iikeying(time_us now, datagram_out& out);
    void on_rhello(wire::bytes datagram, time_us now, datagram_out& out);
    void on_startup_reply(wire::bytes datagram, time_us now, datagram_out& out);
    void start_session(const initiator_keys& k, time_us now);
    void send_connect();
    void on_command(wire::bytes amf);
    void after_connect(time_us now);
    void begin_close(time_us now);
    void flush(time_us now, datagram_out& out);

    connect_options o_;
    connection_report report_;
    phase phase_ = phase::idle;
    outcome outcome_ = outcome::pending;
    initiator_identity id_;
    std::vector<std::uint8_t> epd_;
    std::vector<std::uint8_t> cookie_;
    bool cookie_changed_ = false;

    time_us started_ = 0;
    time_us last_now_ = 0;
    time_us phase_deadline_ = 0;
    time_us retransmit_at_ = 0;
    time_us retransmit_interval_ = 0;
    time_us stay_until_ = 0;
    time_us flow_close_until_ = 0;
    bool session_close_sent_ = false;

    session::session_stats stats_{};
    session::session session_;
    bool session_started_ = false;
    std::uint64_t control_flow_ = 0;
    std::optional<std::uint64_t> return_flow_;
    std::vector<std::uint64_t> server_group_flows_;
    std::vector<std::uint64_t> group_flows_;  // the server's GC flows to us
    bool awaiting_stream_ = false;
    bool control_flow_done_ = false;  // our FIN was acknowledged
    int pending_result_ = 0;          // 1: _result, 2: _error seen for connect (handled after the packet)
    session::close_reason server_close_reason_ = session::close_reason::remote;
    datagram_out* out_ = nullptr;  // valid during a call that may emit packets
};

wire::socket_address to_socket_address(const endpoint& e);

} // namespace strato::peer
