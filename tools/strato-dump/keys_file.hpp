#pragma once
// The session key log of ../shared/captures/README.md ("`.keys` format"):
//   udp A B a_sid=HEX b_sid=HEX a2b_key=HEX b2a_key=HEX
//       a2b_hmac=LEN:HEX|- b2a_hmac=LEN:HEX|- a2b_sseq=0|1 b2a_sseq=0|1 [# ...]
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/wire/address.hpp"

namespace strato::dump {

// Parameters for one direction of one session.
struct direction_keys {
    std::array<std::uint8_t, 16> aes_key{};
    std::size_t hmac_len = 0;  // 0: no HMAC, checksum mode
    std::vector<std::uint8_t> hmac_key;
    bool sseq = false;
};

struct session_keys {
    wire::socket_address a;  // initiator
    wire::socket_address b;  // responder
    std::uint32_t a_sid = 0;  // in packets B -> A
    std::uint32_t b_sid = 0;  // in packets A -> B
    direction_keys a2b;
    direction_keys b2a;
    std::size_t line = 0;
};

struct keys_file {
    std::string path;
    std::vector<session_keys> sessions;
    // The keys for a packet src -> dst carrying session ID sid, if any.
    const direction_keys* find(const wire::socket_address& src, const wire::socket_address& dst,
                               std::uint32_t sid) const noexcept;
};

// Throws dump_error "PATH:LINE: problem" on the first bad line.
keys_file load_keys(const std::string& path);
// Same, from text (tests); `path` is only used in messages.
keys_file parse_keys(const std::string& text, const std::string& path);

} // namespace strato::dump
