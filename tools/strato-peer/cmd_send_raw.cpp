// strato-peer send-raw HOST:PORT HEX [--wait MS]: one datagram of arbitrary
// bytes, for malformed-input tests. With --wait it reports whether anything
// came back (exit 3 when nothing did), so a test can assert silence.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/transport.hpp"

namespace strato::peer {

int send_raw_command(args a) {
    constexpr std::string_view cmd = "send-raw";
    std::vector<std::string_view> positional;
    std::optional<std::uint64_t> wait_ms;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        if (s == "--wait") {
            if (i + 1 >= a.size()) return usage_error(cmd, "--wait needs a value in milliseconds");
            wait_ms = parse_number(a[++i], 1, 600000);
            if (!wait_ms) return usage_error(cmd, "--wait: \"" + std::string(a[i]) + "\" is not 1..600000 ms");
        } else if (s.size() > 1 && s[0] == '-' && s[1] == '-') {
            return usage_error(cmd, "unknown option \"" + std::string(s) + "\"");
        } else {
            positional.push_back(s);
        }
    }
    if (positional.size() != 2) return usage_error(cmd, "usage: strato-peer send-raw HOST:PORT HEX [--wait MS]");

    std::string host;
    std::uint16_t port = 0;
    if (auto e = parse_host_port(positional[0], host, port); !e.empty())
        return usage_error(cmd, "bad address \"" + std::string(positional[0]) + "\": " + e);
    auto payload = parse_hex(positional[1]);
    if (!payload) return usage_error(cmd, "bad hex \"" + std::string(positional[1]) + "\"");
    if (payload->size() > 65507) return usage_error(cmd, "payload larger than a UDP datagram");
    std::vector<endpoint> found;
    if (auto e = resolve(host, port, found); !e.empty())
        return usage_error(cmd, "cannot resolve host \"" + host + "\": " + e);

    udp_transport t;
    if (auto e = t.open(found.front()); !e.empty()) return usage_error(cmd, e);
    if (auto e = t.send(found.front(), *payload); !e.empty()) {
        std::fprintf(stderr, "strato-peer send-raw: %s\n", e.c_str());
        return exit_timeout;
    }
    std::printf("sent %zu bytes to %s\n", payload->size(), format_endpoint(found.front()).c_str());
    if (!wait_ms) return exit_ok;

    std::vector<std::uint8_t> buf(65536);
    const auto deadline = steady::now() + std::chrono::milliseconds(*wait_ms);
    for (;;) {
        auto r = t.receive(buf, deadline);
        if (r.status == receive_status::timeout) {
            std::printf("no reply within %llu ms\n", static_cast<unsigned long long>(*wait_ms));
            return exit_timeout;
        }
        if (r.status == receive_status::error) {
            std::fprintf(stderr, "strato-peer send-raw: receive: %s\n", r.error.c_str());
            return exit_protocol;
        }
        if (!same_endpoint(r.from, found.front())) continue;
        const std::size_t shown = std::min(r.length, buf.size());
        std::printf("reply %zu bytes from %s: %s\n", r.length, format_endpoint(r.from).c_str(),
                    to_hex(wire::bytes(buf.data(), shown)).c_str());
        return exit_ok;
    }
}

} // namespace strato::peer
