#pragma once
// The HTTP API without the network: a request goes in, a response comes
// out. server.cpp owns sockets, limits and timeouts; this file owns routes,
// authentication, input checks and JSON shapes, so both can be tested alone.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include "control/rest/backend.hpp"

namespace strato::rest {

namespace http = boost::beast::http;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

// One served route; `path` uses OpenAPI templating ("/v1/peers/{peer_id}").
struct route_description {
    std::string_view method;
    std::string_view path;
    bool needs_token;
};
std::span<const route_description> served_routes();

// The OpenAPI document kept in the repository (control/rest/openapi.json),
// compiled in so an installed stratod needs no data files.
std::string_view openapi_document();

// Counters the server keeps about itself, exported on /metrics.
struct server_counters {
    std::atomic<std::uint64_t> requests_2xx{0}, requests_4xx{0}, requests_5xx{0};
    std::atomic<std::uint64_t> rejected_connections{0};   // over max_connections
    std::atomic<std::uint64_t> timeouts{0};               // slow or idle clients cut off
    std::atomic<std::uint64_t> oversized{0};              // 413 and 431
    std::atomic<std::uint64_t> open_connections{0};
    void count_status(unsigned status) noexcept;
};

// The bearer token; replaceable at run time (rest.token is reloadable).
class token_holder {
public:
    explicit token_holder(std::string token = {}) : token_(std::move(token)) {}
    void set(std::string token);
    bool configured() const;
    // Constant time in the length of the presented token.
    bool matches(std::string_view presented) const;

private:
    mutable std::mutex mutex_;
    std::string token_;
};

// Constant-time byte comparison (exposed for its unit test).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// {"error": {"code": ..., "message": ...}} plus optional extras (field,
// details); also used by the server for 408/413/431/503.
http_response error_response(unsigned status, std::string_view code, std::string_view message,
                             unsigned http_version, bool keep_alive);

class api_router {
public:
    api_router(api_backend& backend, token_holder& token, server_counters& counters)
        : backend_(backend), token_(token), counters_(counters) {}

    // Never throws: every failure becomes a 4xx/5xx JSON error.
    http_response handle(const http_request& request) noexcept;

private:
    api_backend& backend_;
    token_holder& token_;
    server_counters& counters_;
};

}  // namespace strato::rest
