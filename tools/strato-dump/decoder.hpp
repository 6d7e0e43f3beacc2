#pragma once
// Turns pcap frames into capture_record: finds the RTMFP datagrams, opens
// them with the default key or the session keys, parses every chunk with the
// wire codec and the User Data messages with the Flash layer.
#include <string>
#include <vector>

#include "tools/strato-dump/keys_file.hpp"
#include "tools/strato-dump/pcap_input.hpp"
#include "tools/strato-dump/record.hpp"

namespace strato::dump {

// keys may be null (handshakes only). Never throws for packet content:
// whatever cannot be decoded is reported in the packet's line and errors.
capture_record decode_capture(const std::vector<pcap_frame>& frames, const keys_file* keys,
                              const std::string& pcap_name, const std::string& keys_name);

// Reads, validates and decodes a file (throws dump_error for file problems).
capture_record decode_file(const std::string& pcap_path, const std::string& keys_path);

} // namespace strato::dump
