#pragma once
// The one kernel UDP socket every strato-peer command talks through. Later
// commands (connect, listen, relay) keep a session on it; none of them needs
// more than send, receive-with-deadline and the local address.
#include <chrono>
#include <cstdint>
#include <string>

#include "dataplane/wire/bytes.hpp"
#include "tools/strato-peer/uri.hpp"

namespace strato::peer {

using steady = std::chrono::steady_clock;

enum class receive_status : std::uint8_t { datagram, timeout, error };

struct received {
    receive_status status = receive_status::timeout;
    std::size_t length = 0;
    endpoint from;
    std::string error;  // errno text for receive_status::error
};

class udp_transport {
public:
    udp_transport() = default;
    ~udp_transport();
    udp_transport(const udp_transport&) = delete;
    udp_transport& operator=(const udp_transport&) = delete;

    // Opens a socket of the family of `toward`, bound to an ephemeral port.
    // Empty string on success, else why not.
    std::string open(const endpoint& toward);
    // Connects the socket to one server (connect uses it): the kernel then
    // reports ICMP port/host unreachable as ECONNREFUSED/EHOSTUNREACH on
    // receive, and local() names the real source address, not the wildcard.
    std::string connect_to(const endpoint& server);
    // Whole datagram or an error text (empty on success).
    std::string send(const endpoint& to, wire::bytes datagram);
    // Waits until a datagram arrives or the deadline passes. ICMP errors on
    // the socket (port unreachable) are reported as errors, not timeouts.
    received receive(wire::mutable_bytes buffer, steady::time_point deadline);
    endpoint local() const;

private:
    int fd_ = -1;
};

} // namespace strato::peer
