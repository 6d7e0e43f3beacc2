#pragma once
// What the session engine tells its owner, and how it hands out packets.
// Both are small abstract classes (no std::function, no allocation); the
// engine calls them synchronously from on_packet() and poll().
#include <cstdint>
#include <optional>

#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::session {

class session;

enum class flow_end : std::uint8_t {
    finished,    // every sequence number up to FIN arrived / was acknowledged
    rejected,    // we refused it (receiving) or the peer sent a Flow Exception (sending)
    aborted,     // the session closed under it
};

enum class close_reason : std::uint8_t {
    local,        // close() (orderly, S_NEARCLOSE)
    remote,       // the peer sent Close (S_FARCLOSE_LINGER)
    close_ack,    // a Close Ack arrived while open (abrupt close by the peer)
    idle_timeout, // nothing received for config.idle_timeout
    abuse,        // the peer broke a hard limit and the session was aborted
};

class session_app {
public:
    virtual ~session_app() = default;
    // A new receiving flow (RFC 7016 §3.6.3.1). Return false to reject it: the
    // engine answers with a Flow Exception Report (code 0, RFC 7425 §5.3.5.3).
    // return_flow names one of our open sending flows when present.
    virtual bool on_new_flow(session& s, std::uint64_t flow_id, wire::bytes metadata,
                             std::optional<std::uint64_t> return_flow) noexcept = 0;
    // A complete message, in sequence order. The bytes live until return.
    virtual void on_message(session& s, std::uint64_t flow_id, wire::bytes message) noexcept = 0;
    // A receiving (sending == false) or sending flow ended; its ID lingers.
    virtual void on_flow_closed(session& s, std::uint64_t flow_id, bool sending, flow_end why) noexcept = 0;
    // The session stopped carrying data; it reaches S_CLOSED later (closed()).
    virtual void on_session_closed(session& s, close_reason why) noexcept = 0;
    // DESTADDR moved after a successful mobility check (RFC 7016 §3.5.4.2).
    virtual void on_address_changed(session& /*s*/, const wire::socket_address& /*to*/) noexcept {}
};

// Receives each plaintext packet the engine builds. The builder is finished
// (padded, checksummed); the sink seals it (seal_packet) and transmits it, or
// copies it, before returning.
class packet_sink {
public:
    virtual ~packet_sink() = default;
    virtual void send(session& s, const wire::socket_address& to, wire::packet_builder& packet) noexcept = 0;
};

} // namespace strato::session
