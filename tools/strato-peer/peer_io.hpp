#pragma once
// Kernel-socket glue shared by the strato-peer commands: one unconnected UDP
// socket talking to the server and to peers, the clock, address conversion.
#include <string>

#include "dataplane/wire/address.hpp"
#include "tools/strato-peer/p2p.hpp"
#include "tools/strato-peer/transport.hpp"

namespace strato::peer {

time_us now_us();
endpoint to_endpoint(const wire::socket_address& a);

// Sends through a udp_transport; remembers the first error.
struct socket_sender final : addressed_out {
    udp_transport* t = nullptr;
    std::string error;
    std::uint64_t datagrams = 0;
    void send_to(const wire::socket_address& to, wire::bytes d) noexcept override;
};

// What a client connection sends, to one fixed destination (the server):
// straight over a udp_transport, remembering the first send error ...
struct transport_out final : datagram_out {
    udp_transport* t = nullptr;
    endpoint to;
    std::string error;
    void send(wire::bytes d) noexcept override;
};
// ... or through a socket_sender that also talks to peers.
struct sender_out final : datagram_out {
    socket_sender* s = nullptr;
    wire::socket_address to;
    void send(wire::bytes d) noexcept override { s->send_to(to, d); }
};

// The local IP the kernel would use toward `server`, with `port`: what
// setPeerInfo reports (a wildcard-bound socket's own name says nothing).
std::string local_address_toward(const endpoint& server, std::uint16_t port);
std::uint16_t local_port(const udp_transport& t);

} // namespace strato::peer
