#pragma once
// A tiny synchronous HTTP/1.1 client for stratod's REST API (Boost.Beast).
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stratoctl {

// Exit codes (documented in --help and the README).
inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;        // stratod answered with an error
inline constexpr int exit_invalid_config = 2; // config check/apply, apps add: validation errors
inline constexpr int exit_unreachable = 3;    // no connection, or no valid HTTP answer
inline constexpr int exit_usage = 64;         // bad command line (EX_USAGE)

struct endpoint {
    std::string url;      // as given, for messages
    std::string host;
    std::string port;
    std::string prefix;   // path prefix, "" or "/api"
};

// "http://host[:port][/prefix]"; throws usage_error on anything else.
endpoint parse_url(std::string_view url);

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// Could not talk HTTP to stratod at all.
struct unreachable_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct response {
    unsigned status = 0;
    std::string content_type;
    std::string body;
};

class client {
public:
    client(endpoint where, std::string token, std::chrono::seconds timeout)
        : where_(std::move(where)), token_(std::move(token)), timeout_(timeout) {}
    // Throws unreachable_error; HTTP errors are returned, not thrown.
    response request(std::string_view method, const std::string& target, const std::string& body = {},
                     std::string_view content_type = {});
    const endpoint& where() const { return where_; }

private:
    endpoint where_;
    std::string token_;
    std::chrono::seconds timeout_;
};

std::string percent_encode(std::string_view text);

}  // namespace stratoctl
