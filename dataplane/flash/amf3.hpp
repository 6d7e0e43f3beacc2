#pragma once
// Skipping one AMF3 value (the value after an AMF0 0x11 "avmplus" marker,
// protocol reference §6.4; RFC 7425 §5.3.3 note). The server emits only
// AMF0, so it never needs AMF3 values beyond their extent, except scalars
// that commands may carry (strings, numbers, booleans), which are decoded.
#include <cstdint>
#include <string_view>

#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

// AMF3 type markers (AMF3 specification §3.1).
namespace amf3_marker {
inline constexpr std::uint8_t undefined = 0x00, null = 0x01, false_ = 0x02, true_ = 0x03,
                              integer = 0x04, double_ = 0x05, string = 0x06, xml_doc = 0x07,
                              date = 0x08, array = 0x09, object = 0x0a, xml = 0x0b,
                              byte_array = 0x0c, vector_int = 0x0d, vector_uint = 0x0e,
                              vector_double = 0x0f, vector_object = 0x10, dictionary = 0x11;
} // namespace amf3_marker

// A skipped AMF3 value. Scalars are decoded so that command readers can use
// them like AMF0 values; everything else is only delimited.
struct amf3_value {
    std::uint8_t marker = 0;
    wire::bytes raw{};          // marker and payload as on the wire
    double number = 0;          // integer (sign-extended U29) or double
    std::string_view text{};    // inline string (not a string reference)
    bool is_reference = false;  // string/object/... given by reference index
};

// Nesting inside one AMF3 value is bounded by max_depth; element counts are
// checked against the bytes left (every element takes at least one byte), so
// skipping is linear in the input. Object traits given by reference are
// resolved from a small table local to this value (the AMF3 reference tables
// restart at each 0x11 switch, AMF0 specification §3.1); externalizable
// traits cannot be skipped and are rejected.
[[nodiscard]] wire::drop_reason skip_amf3_value(wire::reader& in, amf3_value& out,
                                                std::uint32_t max_depth) noexcept;

} // namespace strato::flash
