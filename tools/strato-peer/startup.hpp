#pragma once
// The initiator's side of the startup exchange (RFC 7016 §3.5.1): building
// an IHello under the default key and checking the RHello byte for byte
// against what Flash, librtmfp and rtmfp-cpp accept (protocol reference
// §3.2-3.4). Shared by `hello` now and by `connect` later.
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/sha.hpp"
#include "dataplane/wire/bytes.hpp"
#include "tools/strato-peer/uri.hpp"

namespace strato::peer {

// What the EPD of the IHello names (RFC 7425 §4.4.2).
enum class epd_form : std::uint8_t {
    uri,       // Ancillary Data = the whole URI (Flash Player, RFC 7425 §5.3.1)
    path,      // Ancillary Data = the app part only (librtmfp, in the captures)
    hostname,  // Required Hostname = the host (no strato certificate names one)
    peer_id,   // the canonical peer EPD `21 0f <32 bytes>` (RFC 7425 §4.4.4)
};

// RFC 7016 §2.1.3: option = VLU length | VLU type | value.
std::vector<std::uint8_t> make_epd(epd_form form, const rtmfp_uri& uri, wire::bytes peer_id);

// A whole IHello datagram sealed with the default key, or empty if the EPD
// and tag do not fit one packet.
std::vector<std::uint8_t> build_ihello(wire::bytes epd, wire::bytes tag, std::uint16_t timestamp);

// RFC 7425 §4.3: what a Flash-profile server certificate must look like for
// every client to accept it (librtmfp reads exactly 77 bytes, P5).
inline constexpr std::size_t expected_cookie_size = 64;
inline constexpr std::size_t expected_certificate_size = 77;

// The size an RHello answering a tag of this size has when it carries the
// 64-byte cookie and the 77-byte certificate and nothing else: SSID, then
// checksum, flags, timestamp and the chunk, padded to the cipher block only.
std::size_t expected_rhello_size(std::size_t tag_size) noexcept;

struct check_step {
    std::string name;
    bool ok = false;
    std::string detail;
};

struct rhello_result {
    std::vector<check_step> steps;
    std::string failed_check;  // empty when every check passed
    std::vector<std::uint8_t> tag_echo;
    std::vector<std::uint8_t> cookie;
    std::vector<std::uint8_t> certificate;
    crypto::digest fingerprint{};
    std::size_t size = 0;
    bool ok() const noexcept { return failed_check.empty(); }
};

// Runs every check in order and stops at the first failure. `tag` is the
// tag this reply must echo; when empty, the echoed tag is only extracted
// (the caller matches it against the IHellos in flight).
rhello_result check_rhello(wire::bytes datagram, wire::bytes tag);

} // namespace strato::peer
