#pragma once
// NetGroup server channel messages on "GC" flows (protocol reference
// §7.2-7.3; not in RFC 7425, taken from Cumulus, Mona and librtmfp). These
// messages are not RTMP-framed: the first byte is a message code.
#include <cstdint>

#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

inline constexpr std::uint8_t group_join_code = 0x01;
inline constexpr std::uint8_t group_member_code = 0x0b;
inline constexpr std::size_t group_id_size = 32;
inline constexpr std::size_t peer_id_size = 32;

struct group_join {
    // Current form "01 21 15 <32-byte group ID>": id is those 32 bytes.
    // Legacy form "01 VLU(L) 10 <L-1 bytes>": legacy is true and groupspec
    // holds the bytes whose SHA-256 is the group ID. The caller hashes, so
    // this library stays crypto-free.
    bool legacy = false;
    wire::bytes id{};
    wire::bytes groupspec{};
};

// Code must be 01; L must be non-zero and fit; the byte after L must be
// 0x10 (legacy) or 0x15 with L-1 == 32. Bytes after the L-byte field are
// ignored, as Cumulus and Mona do. Every failure is bad_group_join.
[[nodiscard]] wire::result<group_join> read_group_join(wire::bytes message) noexcept;

// Computes the group ID of a join: copies the current-form ID or hashes the
// legacy groupspec with the injected SHA-256 (if null, out is untouched).
using sha256_fn = void (*)(wire::bytes in, std::uint8_t (&out)[32]) noexcept;
void group_id_of(const group_join& j, sha256_fn sha256, std::uint8_t (&out)[32]) noexcept;

// "01 21 15 <id>": what a client sends (used by tests and tools).
void write_group_join(wire::writer& w, wire::bytes group_id) noexcept;
// "0b <peer ID>": one member per message (§7.3).
void write_group_member(wire::writer& w, wire::bytes peer_id) noexcept;

} // namespace strato::flash
