#pragma once
// Hex text <-> bytes for command lines and reports.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/wire/bytes.hpp"

namespace strato::peer {

// Accepts upper or lower case; spaces, ':' and '-' between byte pairs are
// ignored so that dumps can be pasted as they are. nullopt on anything else
// (odd digit count, a non-hex character).
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text);
std::string to_hex(wire::bytes b);

} // namespace strato::peer
