#pragma once
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tools/stratoctl/client.hpp"

namespace stratoctl {

struct options {
    std::string url = "http://127.0.0.1:8080";
    std::string token;                    // from --token-file or STRATO_TOKEN
    bool json = false;
    std::vector<std::string> words;       // the command and its arguments
    std::optional<std::string> app, cursor;
    std::optional<std::uint32_t> limit, max_peers, max_handshakes;
    std::vector<std::string> keys;        // apps add --key
};

// Runs one command; returns the exit code. Throws usage_error for a bad
// command line and unreachable_error when stratod cannot be reached.
int run(const options& o, client& c, std::ostream& out, std::ostream& err);

}  // namespace stratoctl
