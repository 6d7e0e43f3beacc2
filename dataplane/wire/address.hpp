#pragma once
// RFC 7016 §2.1.5 socket address: flags (0x80 = IPv6, 0x03 = origin), the
// IPv4 or IPv6 address and a port, all in network order.
#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/wire/bytes.hpp"

namespace strato::wire {

enum class address_origin : std::uint8_t {
    unknown = 0,   // RFC 7016 §2.1.5
    local = 1,     // reported by its owner (setPeerInfo)
    observed = 2,  // reflexive: source address of received packets
    relay = 3,     // a redirector, forwarder or other server
};

struct socket_address {
    bool ipv6 = false;
    address_origin origin = address_origin::unknown;
    std::array<std::uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
    std::uint16_t port = 0;

    static socket_address v4(std::uint32_t host_order_ip, std::uint16_t port,
                             address_origin o = address_origin::unknown) noexcept;
    static socket_address v6(const std::uint8_t (&ip16)[16], std::uint16_t port,
                             address_origin o = address_origin::unknown) noexcept;
    std::uint32_t ipv4_host_order() const noexcept;
    std::size_t ip_size() const noexcept { return ipv6 ? 16 : 4; }
    std::size_t encoded_size() const noexcept { return ipv6 ? 19 : 7; }
    // Same endpoint, ignoring the origin.
    bool same_endpoint(const socket_address& o) const noexcept;
    // Loopback, link-local, multicast, unspecified or port 0: never worth
    // handing to another peer (protocol reference P18).
    bool is_unusable_candidate() const noexcept;
};

[[nodiscard]] drop_reason read_address(reader& in, socket_address& out) noexcept;
void write_address(writer& w, const socket_address& a) noexcept;

// "198.18.0.1:1935" or "[2001:db8::1]:1935" (the setPeerInfo form, RFC 7425
// §5.3.3). No allocation; rejects anything else.
[[nodiscard]] bool parse_address_text(std::string_view text, socket_address& out) noexcept;
// Writes the text form into buf; returns the length used (0 if it does not fit).
std::size_t format_address(const socket_address& a, char* buf, std::size_t size) noexcept;

} // namespace strato::wire
