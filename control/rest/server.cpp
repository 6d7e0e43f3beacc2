#include "control/rest/server.hpp"

#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace strato::rest {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

server_options options_from_config(const control::rest_config& rest) {
    server_options o;
    o.host = rest.listen_.host_;
    o.port = rest.listen_.port_;
    o.token = rest.token_;
    o.max_body_bytes = rest.max_body_bytes_;
    o.max_connections = rest.max_connections_;
    return o;
}

namespace {

class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket socket, const server_options& options, api_router& router, server_counters& counters)
        : stream_(std::move(socket)),
          deadline_(stream_.get_executor()),
          options_(options),
          router_(router),
          counters_(counters) {
        counters_.open_connections.fetch_add(1, std::memory_order_relaxed);
    }
    ~session() { counters_.open_connections.fetch_sub(1, std::memory_order_relaxed); }

    void run() { read_header(); }

private:
    void read_header() {
        parser_.emplace();
        timed_out_ = false;
        parser_->header_limit(options_.max_header_bytes);
        parser_->body_limit(options_.max_body_bytes);
        // One deadline for the whole request: a client trickling bytes
        // cannot keep the connection past it. Our own timer rather than
        // tcp_stream's, because tcp_stream closes the socket on expiry and
        // the client would never learn why (408).
        stream_.expires_never();
        deadline_.expires_after(options_.read_timeout);
        deadline_.async_wait([self = shared_from_this(), generation = ++generation_](beast::error_code ec) {
            if (ec || generation != self->generation_) return;
            self->timed_out_ = true;
            beast::error_code ignored;
            self->stream_.socket().cancel(ignored);
        });
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    self->on_header(ec);
                                });
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        const auto& req = parser_->get();
        std::size_t fields = 0;
        for (auto it = req.begin(); it != req.end(); ++it) ++fields;
        if (fields > options_.max_header_count) {
            counters_.oversized.fetch_add(1, std::memory_order_relaxed);
            return reply_and_close(431, "too_many_headers",
                                   std::to_string(fields) + " header fields; at most " +
                                       std::to_string(options_.max_header_count));
        }
        if (auto length = parser_->content_length(); length && *length > options_.max_body_bytes) {
            counters_.oversized.fetch_add(1, std::memory_order_relaxed);
            return reply_and_close(413, "payload_too_large",
                                   "body of " + std::to_string(*length) + " bytes; rest.max_body_bytes is " +
                                       std::to_string(options_.max_body_bytes));
        }
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_body(e); });
    }

    void on_body(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        ++generation_;   // the request is in: its deadline no longer applies
        deadline_.cancel();
        auto req = parser_->release();
        respond(std::make_shared<http_response>(router_.handle(req)));
    }

    void on_read_error(beast::error_code ec) {
        ++generation_;
        deadline_.cancel();
        if (timed_out_) ec = beast::error::timeout;
        if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
            ec == asio::error::operation_aborted) {
            return close();
        }
        if (ec == beast::error::timeout) {
            counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
            // An idle keep-alive connection just closes; a half-sent request
            // is told why (the write gets its own deadline).
            if (buffer_.size() == 0 && !parser_->got_some()) return close();
            return reply_and_close(408, "request_timeout",
                                   "request not received within " +
                                       std::to_string(options_.read_timeout.count()) + " ms");
        }
        if (ec == http::error::header_limit) {
            counters_.oversized.fetch_add(1, std::memory_order_relaxed);
            return reply_and_close(431, "header_too_large",
                                   "request headers exceed " + std::to_string(options_.max_header_bytes) + " bytes");
        }
        if (ec == http::error::body_limit) {
            counters_.oversized.fetch_add(1, std::memory_order_relaxed);
            return reply_and_close(413, "payload_too_large",
                                   "body exceeds rest.max_body_bytes (" + std::to_string(options_.max_body_bytes) + ")");
        }
        if (ec == http::error::partial_message) return close();
        return reply_and_close(400, "bad_request", "malformed HTTP request: " + ec.message());
    }

    void reply_and_close(unsigned status, std::string_view code, const std::string& message) {
        ++generation_;   // the reply must not be cut off by the read deadline
        deadline_.cancel();
        counters_.count_status(status);
        auto res = std::make_shared<http_response>(error_response(status, code, message, 11, false));
        respond(std::move(res));
    }

    void respond(std::shared_ptr<http_response> res) {
        stream_.expires_after(options_.write_timeout);
        http::async_write(stream_, *res,
                          [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                              if (ec || !res->keep_alive()) return self->close();
                              self->read_header();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    asio::steady_timer deadline_;
    std::uint64_t generation_ = 0;   // which read the pending deadline belongs to
    bool timed_out_ = false;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    const server_options& options_;
    api_router& router_;
    server_counters& counters_;
};

}  // namespace

struct rest_server::impl {
    impl(api_backend& backend, server_options o)
        : options(std::move(o)), token(options.token), router(backend, token, counters) {}

    void accept() {
        acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
            if (!ec) {
                if (counters.open_connections.load(std::memory_order_relaxed) >= options.max_connections) {
                    // Told, not left hanging: one non-blocking write of a
                    // small reply, then closed.
                    counters.rejected_connections.fetch_add(1, std::memory_order_relaxed);
                    counters.count_status(503);
                    auto res = error_response(503, "too_many_connections",
                                              "rest.max_connections (" + std::to_string(options.max_connections) +
                                                  ") are open; retry later",
                                              11, false);
                    std::ostringstream text;
                    text << res;
                    beast::error_code ignored;
                    socket.non_blocking(true, ignored);
                    const auto s = text.str();
                    socket.write_some(asio::buffer(s), ignored);
                    socket.shutdown(tcp::socket::shutdown_both, ignored);
                    socket.close(ignored);
                } else {
                    std::make_shared<session>(std::move(socket), options, router, counters)->run();
                }
            }
            accept();
        });
    }

    server_options options;
    server_counters counters;
    token_holder token;
    api_router router;
    asio::io_context ioc;
    std::optional<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool running = false;
};

rest_server::rest_server(api_backend& backend, server_options options)
    : impl_(std::make_unique<impl>(backend, std::move(options))) {}

rest_server::~rest_server() { stop(); }

void rest_server::start() {
    auto& i = *impl_;
    if (i.running) return;
    const auto where = i.options.host + ":" + std::to_string(i.options.port);
    beast::error_code ec;
    const auto address = asio::ip::make_address(i.options.host, ec);
    if (ec) throw std::runtime_error("rest.listen " + where + ": " + ec.message());
    const tcp::endpoint endpoint(address, i.options.port);
    i.acceptor.emplace(asio::make_strand(i.ioc));
    i.acceptor->open(endpoint.protocol(), ec);
    if (!ec) i.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) i.acceptor->bind(endpoint, ec);
    if (!ec) i.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        i.acceptor.reset();
        throw std::runtime_error("rest.listen " + where + ": " + ec.message());
    }
    i.port = i.acceptor->local_endpoint().port();
    i.accept();
    i.running = true;
    const unsigned n = i.options.threads == 0 ? 1 : i.options.threads;
    for (unsigned t = 0; t < n; ++t) {
        i.threads.emplace_back([&i] {
            // A handler never throws (api_router::handle is noexcept), but a
            // bug in Asio glue must not take stratod down with it.
            for (;;) {
                try {
                    i.ioc.run();
                    return;
                } catch (...) {
                }
            }
        });
    }
}

void rest_server::stop() {
    auto& i = *impl_;
    if (!i.running) return;
    i.running = false;
    asio::post(i.acceptor->get_executor(), [&i] {
        beast::error_code ignored;
        i.acceptor->close(ignored);
    });
    i.ioc.stop();
    for (auto& t : i.threads) t.join();
    i.threads.clear();
}

std::uint16_t rest_server::port() const noexcept { return impl_->port; }

void rest_server::set_token(std::string token) { impl_->token.set(std::move(token)); }

const server_counters& rest_server::counters() const noexcept { return impl_->counters; }

}  // namespace strato::rest
