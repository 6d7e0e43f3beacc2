#include "tools/stratoctl/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stratoctl {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

endpoint parse_url(std::string_view url) {
    endpoint e;
    e.url = std::string(url);
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) {
        throw usage_error("--url " + e.url + ": only http:// URLs are supported (stratod serves plain HTTP on loopback)");
    }
    auto rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        e.prefix = std::string(rest.substr(slash));
        while (e.prefix.ends_with('/')) e.prefix.pop_back();
    }
    e.port = "80";
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) throw usage_error("--url " + e.url + ": unterminated [IPv6 address]");
        e.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (authority.starts_with(':')) e.port = std::string(authority.substr(1));
        else if (!authority.empty()) throw usage_error("--url " + e.url + ": unexpected text after ]");
    } else {
        const auto colon = authority.rfind(':');
        e.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) e.port = std::string(authority.substr(colon + 1));
    }
    if (e.host.empty()) throw usage_error("--url " + e.url + ": no host");
    if (e.port.empty() || e.port.find_first_not_of("0123456789") != std::string::npos || e.port.size() > 5) {
        throw usage_error("--url " + e.url + ": bad port");
    }
    return e;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

response client::request(std::string_view method, const std::string& target, const std::string& body,
                         std::string_view content_type) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(where_.host, where_.port, ec);
    if (ec) throw unreachable_error("cannot resolve " + where_.host + " (" + where_.url + "): " + ec.message());
    stream.expires_after(timeout_);
    stream.connect(results, ec);
    if (ec) throw unreachable_error("cannot reach stratod at " + where_.url + ": " + ec.message());

    http::request<http::string_body> req{http::string_to_verb(method), where_.prefix + target, 11};
    req.set(http::field::host, where_.host);
    req.set(http::field::user_agent, "stratoctl");
    req.set(http::field::accept, "application/json");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req, ec);
    if (ec) throw unreachable_error("sending to stratod at " + where_.url + " failed: " + ec.message());

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u * 1024 * 1024);   // a large peers page is fine; unbounded is not
    http::read(stream, buffer, parser, ec);
    if (ec) throw unreachable_error("no valid HTTP answer from " + where_.url + ": " + ec.message());
    auto res = parser.release();
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return response{res.result_int(), std::string(res[http::field::content_type]), std::move(res.body())};
}

}  // namespace stratoctl
