#pragma once
// Human-readable text of AMF0 values (relayed messages, printed by `relay`
// and `listen`), and the relay command strato-peer sends.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/wire/bytes.hpp"

namespace strato::peer {

// "\"text\", 5, true, null, {a: 1}, [1, 2]"; "<malformed: reason>" where
// the values stop parsing.
std::string amf_values_text(wire::bytes amf);

// "relay", tx, null, "<target hex>", "<message>" as a whole RTMP message.
std::vector<std::uint8_t> relay_message(double transaction_id, std::string_view target_hex, std::string_view message);

} // namespace strato::peer
