#pragma once
// Lines for the messages carried by User Data: RTMP on TC flows (with AMF0
// commands and data rendered like the transcripts), NetGroup messages on GC
// and GR flows, raw payload on anything else.
#include <cstdint>

#include "dataplane/flash/metadata.hpp"
#include "dataplane/wire/bytes.hpp"
#include "tools/strato-dump/record.hpp"

namespace strato::dump {

enum class flow_kind : std::uint8_t { unknown, tc, gc, gr };

// "(TC flags=0x04 streamID=0)", "(GC)", "(GR 1c)", "(metadata ...)"; sets kind.
std::string metadata_text(wire::bytes metadata, flow_kind& kind, std::string& error);

// Appends the lines describing one complete message under `parent`. Returns
// the name of a decode problem, or "" when the message decoded.
std::string describe_message(line& parent, flow_kind kind, wire::bytes message);

// AMF0 values rendered like the transcripts ({key: value, ...}, [a, b]).
// Returns false when the AMF is malformed; out then holds what was rendered.
bool render_amf0_values(wire::bytes amf, std::vector<std::string>& out, std::string& error);

} // namespace strato::dump
