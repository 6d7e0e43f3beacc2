#pragma once
// Ethernet [802.1Q] IPv4/IPv6 UDP, enough to find RTMFP datagrams in a
// capture. Checksums are not verified: captures taken with offload on carry
// wrong ones, and the RTMFP layer has its own check.
#include <cstdint>
#include <span>

#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::dump {

struct udp_datagram {
    wire::socket_address src;
    wire::socket_address dst;
    wire::bytes payload;
};

wire::result<udp_datagram> decode_udp(wire::bytes frame) noexcept;

} // namespace strato::dump
