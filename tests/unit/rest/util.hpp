#pragma once
// A running REST server on 127.0.0.1 (ephemeral port) over a fake backend,
// and a small synchronous client that never throws on HTTP errors.
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "control/rest/fake_backend.hpp"
#include "control/rest/server.hpp"

namespace strato::rest::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

inline constexpr std::string_view token = "test-token-0123456789abcdef";

inline std::string base_config(std::string_view extra = {}) {
    std::string text = R"(
[eal]
args = ["--no-huge"]

[[ports]]
device = "net_null0"
ipv4 = ["198.18.0.1/24"]

[server]
log_level = "warn"

[rest]
token = "test-token-0123456789abcdef"
max_body_bytes = 4096

[[apps]]
path = "live"
developer_keys = ["key-one"]
)";
    text += extra;
    return text;
}

struct reply {
    unsigned status = 0;
    std::string body;
    http::fields headers;
    boost::json::value json() const { return boost::json::parse(body); }
    std::string error_code() const {
        try {
            return std::string(json().at("error").at("code").as_string());
        } catch (...) {
            return "(no error body: " + body + ")";
        }
    }
};

struct fixture {
    explicit fixture(server_options o = {}) : backend(base_config()) {
        o.host = "127.0.0.1";
        o.port = 0;
        if (o.token.empty()) o.token = std::string(token);
        if (o.max_body_bytes == 1048576) o.max_body_bytes = 4096;
        server = std::make_unique<rest_server>(backend, o);
        server->start();
        backend.add_peer(peer_info{fake_backend::make_id(1), "live", "198.51.100.7:50123", {"10.0.0.2:50123"},
                                   true, 1, 77, 1700000000, 1700000100});
        backend.add_peer(peer_info{fake_backend::make_id(2), "chat", "[2001:db8::1]:4000", {}, false, 2, 78,
                                   1700000001, 1700000101});
        backend.add_group(group_info{std::string(64, 'b'), "live", 0, {fake_backend::make_id(1)}});
    }
    ~fixture() { server->stop(); }

    reply request(http::verb method, std::string target, std::string body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}, bool with_token = false) {
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(10));
        stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        if (with_token) req.set(http::field::authorization, "Bearer " + std::string(token));
        for (auto& [k, v] : headers) req.set(k, v);
        req.body() = std::move(body);
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.skip(method == http::verb::head);   // a HEAD reply has no body to read
        http::read(stream, buffer, parser);
        auto res = parser.release();
        reply r{res.result_int(), res.body(), {}};
        for (const auto& f : res) r.headers.insert(f.name_string(), f.value());
        return r;
    }
    reply get(std::string target, bool with_token = false) {
        return request(http::verb::get, std::move(target), {}, {}, with_token);
    }

    // Raw bytes in, everything the server sends until it closes (or timeout).
    std::string raw(std::string_view bytes, std::chrono::milliseconds wait = std::chrono::seconds(5)) {
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
        // Plain blocking reads below: bound them with a socket timeout.
        timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
        ::setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        beast::error_code ec;
        asio::write(stream.socket(), asio::buffer(bytes.data(), bytes.size()), ec);
        std::string out;
        char buf[4096];
        for (;;) {
            const auto n = stream.socket().read_some(asio::buffer(buf), ec);
            out.append(buf, n);
            if (ec) break;
        }
        return out;
    }

    fake_backend backend;
    std::unique_ptr<rest_server> server;
};

}  // namespace strato::rest::testing
