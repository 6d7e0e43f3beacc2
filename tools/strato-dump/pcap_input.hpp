#pragma once
// Classic pcap input. libpcap does the reading; before it does, every record
// header is checked here so that a truncated or corrupt file is reported
// with the byte offset where it goes wrong (libpcap only says "truncated
// dump file" without saying where).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace strato::dump {

// A file-level problem: the message names the file and the offset or line.
struct dump_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct pcap_frame {
    std::uint64_t number = 0;      // 1-based frame number
    std::uint64_t ts_usec = 0;     // capture time in microseconds
    std::vector<std::uint8_t> data;
};

// Throws dump_error naming `path` and the offset of the first problem.
void validate_pcap(const std::string& path);

// Validates, then reads every frame through libpcap. Ethernet only.
std::vector<pcap_frame> read_pcap(const std::string& path);

} // namespace strato::dump
