// Hostile clients: huge bodies, many headers, garbage, slow senders, too
// many connections. Each gets a clear 4xx (or 503) and the server goes on
// serving everyone else.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "tests/unit/rest/util.hpp"

using namespace strato::rest;
using namespace strato::rest::testing;
using namespace std::chrono_literals;
using http::verb;

namespace {

std::string put_config_head(std::size_t length) {
    return "PUT /v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(token) +
           "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

unsigned status_of(const std::string& raw) {
    if (raw.size() < 12 || !raw.starts_with("HTTP/1.1 ")) return 0;
    return static_cast<unsigned>(std::stoul(raw.substr(9, 3)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(oversized_body_is_413_and_changes_nothing) {
    fixture f;
    const auto before = f.backend.config_toml();
    // Announced too large: refused before the body is read.
    auto out = f.raw(put_config_head(100000));
    BOOST_TEST(status_of(out) == 413u);
    BOOST_TEST(out.find("payload_too_large") != std::string::npos);
    BOOST_TEST(out.find("max_body_bytes") != std::string::npos);
    // Through the normal client, over the limit by one byte.
    auto r = f.request(verb::put, "/v1/config", std::string(4097, '#'), {}, true);
    BOOST_TEST(r.status == 413u);
    // Chunked without a length: the limit still holds while reading.
    std::string chunked = "POST /v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(token) +
                          "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 10; ++i) chunked += "400\r\n" + std::string(1024, ' ') + "\r\n";
    chunked += "0\r\n\r\n";
    out = f.raw(chunked);
    BOOST_TEST(status_of(out) == 413u);
    BOOST_TEST(f.backend.config_toml() == before);
    BOOST_TEST(f.get("/v1/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(too_many_or_too_large_headers_is_431) {
    fixture f;
    std::string req = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 100; ++i) req += "X-H" + std::to_string(i) + ": v\r\n";
    req += "\r\n";
    auto out = f.raw(req);
    BOOST_TEST(status_of(out) == 431u);
    BOOST_TEST(out.find("too_many_headers") != std::string::npos);
    out = f.raw("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n");
    BOOST_TEST(status_of(out) == 431u);
    BOOST_TEST(f.get("/v1/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(garbage_is_400) {
    fixture f;
    auto out = f.raw("HELLO THERE\r\n\r\n");
    BOOST_TEST(status_of(out) == 400u);
    BOOST_TEST(out.find("\"code\":\"bad_request\"") != std::string::npos);
    out = f.raw(std::string("GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"));
    BOOST_TEST(status_of(out) == 400u);
    BOOST_TEST(f.get("/v1/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(slow_client_times_out_others_served) {
    server_options o;
    o.read_timeout = 300ms;
    fixture f(o);
    asio::io_context ioc;
    tcp::socket slow(ioc);
    slow.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.server->port()));
    const auto start = std::chrono::steady_clock::now();
    // Trickle a request, a byte at a time, slower than the deadline allows;
    // meanwhile a normal client is served promptly.
    const std::string partial = "GET /v1/health HTTP/1.1\r\nHo";
    std::thread trickle([&] {
        for (char c : partial) {
            boost::system::error_code ec;
            asio::write(slow, asio::buffer(&c, 1), ec);
            if (ec) return;
            std::this_thread::sleep_for(20ms);
        }
    });
    BOOST_TEST(f.get("/v1/stats").status == 200u);
    trickle.join();
    std::string out;
    char buf[1024];
    boost::system::error_code ec;
    for (;;) {
        const auto n = slow.read_some(asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec) break;
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST(status_of(out) == 408u);
    BOOST_TEST(out.find("request_timeout") != std::string::npos);
    BOOST_TEST(elapsed < 5s);
    BOOST_TEST(f.server->counters().timeouts.load() >= 1u);
    BOOST_TEST(f.get("/v1/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(idle_keep_alive_connection_is_closed_quietly) {
    server_options o;
    o.read_timeout = 200ms;
    fixture f(o);
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.server->port()));
    char buf[64];
    boost::system::error_code ec;
    const auto n = s.read_some(asio::buffer(buf), ec);
    BOOST_TEST(n == 0u);
    BOOST_TEST(ec == asio::error::eof);
}

BOOST_AUTO_TEST_CASE(connection_limit_answers_503_then_recovers) {
    server_options o;
    o.max_connections = 3;
    fixture f(o);
    asio::io_context ioc;
    std::vector<tcp::socket> held;
    for (int i = 0; i < 3; ++i) {
        held.emplace_back(ioc);
        held.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.server->port()));
    }
    // Let the server accept them before the fourth arrives.
    for (int i = 0; i < 100 && f.server->counters().open_connections.load() < 3; ++i) std::this_thread::sleep_for(10ms);
    auto out = f.raw("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(status_of(out) == 503u);
    BOOST_TEST(out.find("too_many_connections") != std::string::npos);
    held.clear();
    for (int i = 0; i < 100 && f.server->counters().open_connections.load() > 0; ++i) std::this_thread::sleep_for(10ms);
    BOOST_TEST(f.get("/v1/health").status == 200u);
    BOOST_TEST(f.server->counters().rejected_connections.load() == 1u);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_several_requests) {
    fixture f;
    const auto out = f.raw("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::size_t count = 0;
    for (auto pos = out.find("HTTP/1.1 200"); pos != std::string::npos; pos = out.find("HTTP/1.1 200", pos + 1)) ++count;
    BOOST_TEST(count == 2u);
}

BOOST_AUTO_TEST_CASE(listen_failure_names_the_address) {
    fake_backend backend(base_config());
    server_options o;
    o.host = "203.0.113.250";   // not ours
    o.port = 1;
    rest_server s(backend, o);
    try {
        s.start();
        BOOST_FAIL("start should have thrown");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("rest.listen 203.0.113.250:1") != std::string::npos);
    }
    o.host = "not-an-ip";
    rest_server s2(backend, o);
    BOOST_CHECK_THROW(s2.start(), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
