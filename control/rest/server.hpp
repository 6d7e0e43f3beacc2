#pragma once
// The REST server: Boost.Beast over Asio on its own threads (the control
// side; never a worker lcore). Routes and JSON live in api.hpp; this class
// owns the listening socket, the per-connection limits and the timeouts.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "control/config.hpp"
#include "control/rest/api.hpp"
#include "control/rest/backend.hpp"

namespace strato::rest {

struct server_options {
    std::string host = "127.0.0.1";     // IP literal
    std::uint16_t port = 8080;          // 0: an ephemeral port (tests)
    std::string token;                  // empty: every token-protected call gets 403
    std::uint32_t max_body_bytes = 1048576;
    std::uint32_t max_connections = 64;
    std::uint32_t max_header_bytes = 8192;   // request line + headers
    std::uint32_t max_header_count = 64;
    // Whole-request deadline (headers and body) and keep-alive idle time;
    // a slow client is cut off after it, others are unaffected.
    std::chrono::milliseconds read_timeout{10000};
    std::chrono::milliseconds write_timeout{10000};
    unsigned threads = 2;
};

// rest.listen, rest.token, rest.max_body_bytes, rest.max_connections.
server_options options_from_config(const control::rest_config& rest);

class rest_server {
public:
    rest_server(api_backend& backend, server_options options);
    ~rest_server();
    rest_server(const rest_server&) = delete;
    rest_server& operator=(const rest_server&) = delete;

    // Binds and starts the threads. Throws std::runtime_error naming the
    // address when it cannot listen.
    void start();
    // Closes the listener and every connection, joins the threads. Idempotent.
    void stop();

    std::uint16_t port() const noexcept;         // the bound port (after start)
    void set_token(std::string token);           // after a config reload
    const server_counters& counters() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace strato::rest
