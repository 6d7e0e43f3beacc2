#pragma once
// Kernel-socket glue shared by `listen` and `call`: one unconnected UDP
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

// The local IP the kernel would use toward `server`, with `port`: what
// setPeerInfo reports (a wildcard-bound socket's own name says nothing).
std::string local_address_toward(const endpoint& server, std::uint16_t port);
std::uint16_t local_port(const udp_transport& t);

} // namespace strato::peer
