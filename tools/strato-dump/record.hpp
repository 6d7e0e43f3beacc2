#pragma once
// The decoded form of one pcap frame, shared by the text and JSON printers
// and by the golden tests: one header line, one line per chunk, and indented
// lines below a chunk for what it carries (certificates, messages, args).
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace strato::dump {

// One field of a line. Text form: `key=text`, or just `text` when bare (the
// transcripts mix `flowID=2` with words such as `TC` or `(continuation)`).
// JSON form: always key -> json (json falls back to the text when null).
struct field {
    std::string key;
    std::string text;
    bool bare = false;
    boost::json::value json{};
};

struct line {
    std::string kind;      // JSON tag of the line ("packet", "chunk", "arg", ...)
    int indent = 0;        // spaces before the first field in text form
    std::vector<field> fields;
    std::vector<line> children;

    line& kv(std::string key, std::string text, boost::json::value json = nullptr);
    line& word(std::string key, std::string text, boost::json::value json = nullptr);
    line& num(std::string key, std::uint64_t v);
    line& child(std::string kind, int indent);
    // Text of this line alone (no children), fields joined by one space.
    std::string text() const;
};

struct raw_chunk {
    std::uint8_t type = 0;
    std::vector<std::uint8_t> bytes;  // type | length | value, as decrypted
};

struct packet_record {
    std::uint64_t frame = 0;        // 1-based, as in the transcripts
    line header;                    // the packet line, chunks are its children
    std::vector<raw_chunk> chunks;  // decrypted chunks, for round-trip tests
    std::vector<std::string> errors;  // decode problems (drop_reason names)
    bool rtmfp = false;             // decrypted and parsed as RTMFP
    bool session_key = false;       // opened with a session key (not default)
    std::vector<std::uint8_t> packet;  // the plain packet (flags byte onwards), for fuzz seeds
};

struct capture_record {
    std::string pcap_name;   // file name without directory
    std::string keys_name;   // "" without --keys
    std::vector<std::string> hosts;  // "C1=198.19.1.11:45353", sorted by name
    std::vector<packet_record> packets;
};

} // namespace strato::dump
