#pragma once
// Text (transcript format) and JSON printers over capture_record.
#include <ostream>
#include <string>

#include "tools/strato-dump/record.hpp"

namespace strato::dump {

// The whole transcript: '#' header lines, then packet and chunk lines.
void write_text(std::ostream& out, const capture_record& c);
// One JSON object per line (JSON Lines): a capture object, then one per packet.
void write_json(std::ostream& out, const capture_record& c);

std::string packet_text(const packet_record& p);

} // namespace strato::dump
