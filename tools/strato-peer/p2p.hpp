#pragma once
// Peer-to-peer pieces shared by `listen` and `call` (RFC 7016 §3.5.1.5-6,
// RFC 7425 §5.4), I/O-free like connection.hpp so the unit tests run them
// over an in-memory network:
//  * listener identity: one certificate in the Cumulus layout (`01 0a`,
//    `41 0e <64>`, `02 15 <g>`...), used both as the initiator certificate
//    towards the server (so the server knows us by its SHA-256 = peer ID)
//    and as the responder certificate for peers (engine::handshake answers
//    IHellos naming it);
//  * peer_responder: startup packets from peers (IHello, IIKeying), Forwarded
//    IHellos from the introducer, responder sessions that echo every message;
//  * peer_caller: the initiator side: IHello with the canonical EPD to the
//    introducer, Redirect candidates, RHello from the target (fingerprint =
//    peer ID), IIKeying, RIKeying, session, messages and their echoes.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/cookie.hpp"
#include "dataplane/engine/counters.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/initiator_keying.hpp"

namespace strato::peer {

using session::time_us;

// Datagrams to any address (a listener and a caller talk to several).
class addressed_out {
public:
    virtual ~addressed_out() = default;
    virtual void send_to(const wire::socket_address& to, wire::bytes datagram) noexcept = 0;
};

std::string address_text(const wire::socket_address& a);

// The first chunk type of a startup packet (session ID 0, default key), or
// nullopt when it does not open as one.
std::optional<std::uint8_t> startup_chunk_type(wire::bytes datagram);

// The listener's identity: an ephemeral-form initiator identity whose
// certificate is the server-style certificate `cert` (peer ID = its SHA-256).
std::string make_listener_identity(crypto::dh_group group, initiator_identity& id, crypto::server_certificate& cert);

struct responder_event {
    std::string text;
};

struct responder_stats {
    std::uint64_t ihellos = 0, fihellos = 0, rhellos_sent = 0, iikeyings = 0, rikeyings_sent = 0, sessions = 0;
    std::uint64_t flows = 0, messages = 0, echoed = 0, bytes = 0, dropped = 0;
};

class peer_responder {
public:
    // `cert` must outlive the responder.
    peer_responder(const crypto::server_certificate& cert, crypto::dh_group group);
    ~peer_responder();
    peer_responder(const peer_responder&) = delete;
    peer_responder& operator=(const peer_responder&) = delete;

    bool ready() const noexcept { return ready_; }
    // A datagram for us (not for the server connection): startup (SID 0) or
    // one of our peer sessions. False if it was not ours (unknown SID).
    bool on_datagram(wire::bytes datagram, const wire::socket_address& from, time_us now, addressed_out& out);
    // A Forwarded IHello from the introducer: answer it like an IHello from
    // its reply address (RFC 7016 §3.5.1.6).
    void on_forwarded_ihello(const wire::forwarded_ihello& f, time_us now, addressed_out& out);
    void poll(time_us now, addressed_out& out);
    time_us next_wakeup(time_us now) const;
    bool owns_session(std::uint32_t sid) const { return links_.count(sid) != 0; }
    void close_all(time_us now, addressed_out& out);

    std::vector<responder_event>& events() noexcept { return events_; }
    const responder_stats& stats() const noexcept { return stats_; }
    // `group`: sees every message a peer sends us (before it is echoed).
    std::function<void(wire::bytes)> on_message;

private:
    struct link;
    void answer_startup(wire::bytes plain_packet, const wire::socket_address& from, time_us now, addressed_out& out);
    void on_iikeying(wire::bytes plain_packet, const wire::socket_address& from, time_us now, addressed_out& out);
    void note(std::string text) { events_.push_back({std::move(text)}); }

    const crypto::server_certificate& cert_;
    crypto::dh_group group_;
    crypto::cookie_jar cookies_;
    engine::lcore_counters counters_{};
    bool ready_ = false;
    std::map<std::uint32_t, std::unique_ptr<link>> links_;  // by our session ID
    std::vector<responder_event> events_;
    responder_stats stats_;
    friend struct link;
};

struct call_options {
    wire::socket_address introducer;  // the server: where the first IHello goes
    crypto::digest target{};          // the listener's peer ID
    keying_choice keying;
    std::vector<std::string> messages;
    time_us timeout = 10 * session::seconds;
};

enum class call_phase : std::uint8_t { idle, ihello_sent, keying_sent, open, closing, done };

struct call_report {
    std::vector<std::string> steps;
    std::size_t steps_printed = 0;
    std::string failed_check, error;
    crypto::digest peer_id{};
    std::vector<wire::socket_address> candidates;  // from Redirects
    std::size_t redirects = 0, ihellos_sent = 0, iikeyings_sent = 0;
    std::optional<wire::socket_address> responder;  // where the RHello came from = the session's DESTADDR
    std::uint32_t near_id = 0, far_id = 0;
    std::size_t sent = 0, echoed = 0, mismatched = 0;
    double handshake_ms = 0, echo_ms = 0;
    std::uint64_t packets_in = 0, packets_out = 0, packets_from_other = 0;
    bool direct = false;  // session DESTADDR differs from the introducer's
};

class peer_caller final : public session::session_app, public session::packet_sink {
public:
    explicit peer_caller(call_options o);
    void begin(time_us now, addressed_out& out);
    void on_datagram(wire::bytes datagram, const wire::socket_address& from, time_us now, addressed_out& out);
    void poll(time_us now, addressed_out& out);
    time_us next_wakeup(time_us now) const;

    call_phase current_phase() const noexcept { return phase_; }
    outcome result() const noexcept { return outcome_; }
    call_report& report() noexcept { return report_; }

    bool on_new_flow(session::session& s, std::uint64_t flow_id, wire::bytes metadata,
                     std::optional<std::uint64_t> return_flow) noexcept override;
    void on_message(session::session& s, std::uint64_t flow_id, wire::bytes message) noexcept override;
    void on_flow_closed(session::session&, std::uint64_t, bool, session::flow_end) noexcept override {}
    void on_session_closed(session::session& s, session::close_reason why) noexcept override;
    void send(session::session& s, const wire::socket_address& to, wire::packet_builder& packet) noexcept override;

private:
    void step(std::string t) { report_.steps.push_back(std::move(t)); }
    void finish(outcome o, std::string check, std::string detail);
    void send_ihellos(time_us now, addressed_out& out);
    void send_iikeying(time_us now, addressed_out& out);
    void on_startup(wire::bytes d, const wire::socket_address& from, time_us now, addressed_out& out);

    call_options o_;
    call_report report_;
    call_phase phase_ = call_phase::idle;
    outcome outcome_ = outcome::pending;
    initiator_identity id_;
    std::vector<std::uint8_t> epd_, tag_, cookie_;
    time_us started_ = 0, deadline_ = 0, retransmit_at_ = 0, retransmit_interval_ = 0, opened_at_ = 0;
    session::session_stats stats_{};
    session::session session_;
    bool session_started_ = false;
    std::uint64_t flow_ = 0;
    addressed_out* out_ = nullptr;
    bool closed_ = false;
    time_us last_now_ = 0;
};

} // namespace strato::peer
