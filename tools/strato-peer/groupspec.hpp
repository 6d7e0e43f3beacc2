#pragma once
// NetGroup group IDs on the client side (protocol reference §7.2): a
// groupspec "G:<hex entries>00..." hashes to its 32-byte group ID, or a raw
// ID is given as 64 hex digits.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strato::peer {

inline constexpr std::size_t max_groupspec_chars = 4096;

// The group ID of GROUP_SPEC: "G:..." (hashed as librtmfp does: SHA-256 of
// the text up to the terminating entry, twice when an entry 7f = 02 says
// groupspec version 2) or 64 hex digits taken as the ID. Returns an error
// text naming the problem, empty on success; `hashed` gets the text whose
// SHA-256 it is (legacy joins send it).
std::string group_id_of_spec(std::string_view spec, std::array<std::uint8_t, 32>& id, std::string& hashed);

// Join messages (protocol reference §7.2): "01 21 15 <id>" and the legacy
// "01 VLU(L) 10 <L-1 groupspec bytes>".
std::vector<std::uint8_t> group_join_message(const std::array<std::uint8_t, 32>& id);
std::vector<std::uint8_t> legacy_group_join_message(std::string_view groupspec_text);

} // namespace strato::peer
