#pragma once
// Small text helpers in the transcripts' notation.
#include <cstdint>
#include <string>

#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::dump {

std::string hex(wire::bytes b);
// The first `keep` bytes in hex, then "..(NB)" with the full size when the
// value is longer (the transcripts' way of truncating keys and media).
std::string hex_trunc(wire::bytes b, std::size_t keep);
std::string hex8(std::uint8_t v);    // "0x0b"
std::string hex32(std::uint32_t v);  // "02000000"
std::string address_text(const wire::socket_address& a);
// "0(unknown)", "2(external)", as the transcripts label address origins.
std::string origin_text(wire::address_origin o);
// Printable ASCII as is; anything else as \xNN. Quotes and backslashes escaped.
std::string quoted(std::string_view s);

} // namespace strato::dump
