// strato-peer hello rtmfp://HOST[:PORT]/APP: sends IHello(s) under the
// default key and checks each RHello byte for byte (startup.cpp). One hello
// prints every check; --count N pipelines N IHellos with distinct tags and
// reports how many valid RHellos came back.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "crypto/random.hpp"
#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/hex.hpp"
#include "tools/strato-peer/startup.hpp"
#include "tools/strato-peer/transport.hpp"

namespace strato::peer {

namespace {

constexpr std::string_view cmd = "hello";
// IHellos in flight at once for --count: enough to keep the server busy,
// few enough that no queue on the way (veth, af_packet ring) overflows.
constexpr std::size_t window = 32;

struct hello_options {
    std::string uri_text;
    std::uint64_t count = 1;
    std::uint64_t timeout_ms = 2000;
    std::uint64_t tag_size = 16;
    epd_form form = epd_form::uri;
    std::vector<std::uint8_t> peer_id;
    int family = AF_UNSPEC;
    bool json = false;
};

int parse_options(args a, hello_options& o) {
    bool have_uri = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        auto value = [&](std::string_view name) -> const char* {
            if (i + 1 >= a.size()) return nullptr;
            (void)name;
            return a[++i];
        };
        auto need = [&](std::string_view name) { return usage_error(cmd, std::string(name) + " needs a value"); };
        if (s == "--count") {
            const char* v = value(s);
            if (!v) return need(s);
            auto n = parse_number(v, 1, 1000000);
            if (!n) return usage_error(cmd, "--count: \"" + std::string(v) + "\" is not 1..1000000");
            o.count = *n;
        } else if (s == "--timeout") {
            const char* v = value(s);
            if (!v) return need(s);
            auto n = parse_number(v, 1, 600000);
            if (!n) return usage_error(cmd, "--timeout: \"" + std::string(v) + "\" is not 1..600000 ms");
            o.timeout_ms = *n;
        } else if (s == "--tag-size") {
            const char* v = value(s);
            if (!v) return need(s);
            // A tag must be at least 4 bytes here so that --count can make
            // every tag distinct; 1024 keeps the IHello within one packet.
            auto n = parse_number(v, 4, 1024);
            if (!n) return usage_error(cmd, "--tag-size: \"" + std::string(v) + "\" is not 4..1024");
            o.tag_size = *n;
        } else if (s == "--epd-form") {
            const char* v = value(s);
            if (!v) return need(s);
            const std::string_view f = v;
            if (f == "uri") o.form = epd_form::uri;
            else if (f == "path") o.form = epd_form::path;
            else if (f == "hostname") o.form = epd_form::hostname;
            else return usage_error(cmd, "--epd-form: \"" + std::string(f) + "\" is not uri, path or hostname");
        } else if (s == "--peer-id") {
            const char* v = value(s);
            if (!v) return need(s);
            auto id = parse_hex(v);
            if (!id || id->size() != crypto::sha256_size)
                return usage_error(cmd, "--peer-id: \"" + std::string(v) + "\" is not 64 hex digits (a SHA-256 peer ID)");
            o.peer_id = *id;
            o.form = epd_form::peer_id;
        } else if (s == "-4") {
            o.family = AF_INET;
        } else if (s == "-6") {
            o.family = AF_INET6;
        } else if (s == "--json") {
            o.json = true;
        } else if (!s.empty() && s[0] == '-') {
            return usage_error(cmd, "unknown option \"" + std::string(s) + "\"");
        } else if (have_uri) {
            return usage_error(cmd, "more than one URI given");
        } else {
            o.uri_text = std::string(s);
            have_uri = true;
        }
    }
    if (!have_uri)
        return usage_error(cmd, "usage: strato-peer hello rtmfp://HOST[:PORT]/APP [--count N] [--timeout MS] "
                                "[--tag-size N] [--epd-form uri|path|hostname] [--peer-id HEX] [-4|-6] [--json]");
    return exit_ok;
}

const char* form_name(epd_form f) {
    switch (f) {
    case epd_form::uri: return "uri";
    case epd_form::path: return "path";
    case epd_form::hostname: return "hostname";
    case epd_form::peer_id: return "peer-id";
    }
    return "?";
}

std::uint16_t rtmfp_timestamp() {
    // RFC 7016 §2.2.4: a 16-bit timestamp in 4 ms ticks.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now().time_since_epoch()).count();
    return static_cast<std::uint16_t>((ms / 4) & 0xffff);
}

// Tag i of a run: 4 bytes of index then random bytes, so tags are distinct
// within a run and unpredictable across runs.
std::vector<std::uint8_t> make_tag(std::size_t size, std::uint64_t index) {
    std::vector<std::uint8_t> t(size);
    if (!crypto::random_bytes(t)) {
        for (std::size_t i = 0; i < size; ++i) t[i] = static_cast<std::uint8_t>(i * 37 + 11);
    }
    for (int b = 0; b < 4; ++b) t[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(index >> (24 - 8 * b));
    return t;
}

std::uint32_t tag_index(wire::bytes tag) {
    if (tag.size() < 4) return UINT32_MAX;
    return (std::uint32_t{tag[0]} << 24) | (std::uint32_t{tag[1]} << 16) | (std::uint32_t{tag[2]} << 8) | tag[3];
}

struct hello_totals {
    std::uint64_t sent = 0, valid = 0, invalid = 0, ignored = 0;
    std::size_t ihello_size = 0;
    std::size_t rhello_min = 0, rhello_max = 0;
    double first_rtt_ms = 0;
    bool have_fingerprint = false;
    crypto::digest fingerprint{};
    std::vector<check_step> shown_steps;  // every check of the first reply, or of the first bad one
    std::string failed_check;
    std::string send_error;
};

void print_steps(const std::vector<check_step>& steps) {
    for (const auto& s : steps) std::printf("  %-4s %s: %s\n", s.ok ? "ok" : "FAIL", s.name.c_str(), s.detail.c_str());
}

} // namespace

int hello_command(args a) {
    hello_options o;
    if (int rc = parse_options(a, o); rc != exit_ok) return rc;
    rtmfp_uri uri;
    if (auto e = parse_rtmfp_uri(o.uri_text, uri); !e.empty())
        return usage_error(cmd, "bad URI \"" + o.uri_text + "\": " + e);
    endpoint server;
    if (auto e = resolve_server(uri, o.family, server); !e.empty()) return usage_error(cmd, e);

    udp_transport t;
    if (auto e = t.open(server); !e.empty()) return usage_error(cmd, e);
    const auto epd = make_epd(o.form, uri, o.peer_id);

    hello_totals tot;
    std::map<std::uint32_t, std::vector<std::uint8_t>> in_flight;  // tag index -> whole tag
    std::vector<std::uint8_t> first_tag;
    std::vector<std::uint8_t> buf(65536);
    bool timed_out = false;
    steady::time_point last_send = steady::now();
    steady::time_point first_send = last_send;

    if (!o.json) {
        std::printf("hello %s -> %s (EPD %s form, %zu bytes: %s)\n", uri.text.c_str(), format_endpoint(server).c_str(),
                    form_name(o.form), epd.size(), to_hex(epd).c_str());
    }

    auto handle_reply = [&](wire::bytes d) {
        const bool single = o.count == 1;
        auto r = check_rhello(d, single ? wire::bytes(first_tag) : wire::bytes{});
        if (r.ok() && !single) {
            auto it = in_flight.find(tag_index(r.tag_echo));
            if (it == in_flight.end() || !wire::equal(it->second, r.tag_echo)) {
                r.steps.push_back({"tag echo", false, "echoed " + to_hex(r.tag_echo) + ", not a tag in flight"});
                r.failed_check = "tag echo";
            } else {
                in_flight.erase(it);
            }
        } else if (single) {
            in_flight.clear();
        }
        if (r.ok() && tot.have_fingerprint && r.fingerprint != tot.fingerprint) {
            r.steps.push_back({"certificate stable", false, "fingerprint differs from the first RHello's"});
            r.failed_check = "certificate stable";
        }
        if (r.ok()) {
            ++tot.valid;
            tot.rhello_min = tot.rhello_min == 0 ? r.size : std::min(tot.rhello_min, r.size);
            tot.rhello_max = std::max(tot.rhello_max, r.size);
            if (!tot.have_fingerprint) {
                tot.have_fingerprint = true;
                tot.fingerprint = r.fingerprint;
                tot.shown_steps = r.steps;
            }
        } else {
            if (!single && r.tag_echo.size() >= 4) {
                // A bad reply still answers its IHello: stop waiting for it.
                auto it = in_flight.find(tag_index(r.tag_echo));
                if (it != in_flight.end() && wire::equal(it->second, r.tag_echo)) in_flight.erase(it);
            }
            ++tot.invalid;
            if (tot.failed_check.empty()) {
                tot.failed_check = r.failed_check;
                tot.shown_steps = r.steps;
            }
        }
    };

    // Waits for one datagram from the server; false on timeout or error.
    auto wait_one = [&](steady::time_point deadline) {
        for (;;) {
            auto r = t.receive(buf, deadline);
            if (r.status == receive_status::timeout) return false;
            if (r.status == receive_status::error) {
                tot.send_error = "receive: " + r.error;
                return false;
            }
            if (!same_endpoint(r.from, server)) {
                ++tot.ignored;  // not from the server we asked: never judged
                continue;
            }
            if (tot.valid + tot.invalid == 0)
                tot.first_rtt_ms = std::chrono::duration<double, std::milli>(steady::now() - first_send).count();
            handle_reply(wire::bytes(buf.data(), std::min(r.length, buf.size())));
            return true;
        }
    };

    const auto timeout = std::chrono::milliseconds(o.timeout_ms);
    for (std::uint64_t i = 0; i < o.count && !timed_out && tot.send_error.empty(); ++i) {
        while (in_flight.size() >= window) {
            if (!wait_one(last_send + timeout)) {
                timed_out = true;
                break;
            }
        }
        if (timed_out) break;
        auto tag = make_tag(o.tag_size, i);
        const auto ihello = build_ihello(epd, tag, rtmfp_timestamp());
        if (ihello.empty()) return usage_error(cmd, "the EPD and tag do not fit one RTMFP packet");
        tot.ihello_size = ihello.size();
        if (auto e = t.send(server, ihello); !e.empty()) {
            tot.send_error = e;
            break;
        }
        ++tot.sent;
        last_send = steady::now();
        if (i == 0) {
            first_send = last_send;
            first_tag = tag;
            if (!o.json)
                std::printf("sent IHello %zu bytes from %s, tag %s\n", ihello.size(), format_endpoint(t.local()).c_str(),
                            to_hex(tag).c_str());
        }
        in_flight.emplace(static_cast<std::uint32_t>(i), std::move(tag));
    }
    while (!in_flight.empty() && tot.send_error.empty() && !timed_out) {
        if (!wait_one(last_send + timeout)) timed_out = true;
    }
    const std::uint64_t missing = o.count - tot.valid - tot.invalid;

    int rc = exit_ok;
    std::string result = "ok";
    if (!tot.send_error.empty()) {
        rc = exit_timeout;
        result = "unreachable";
    } else if (tot.invalid > 0) {
        rc = exit_protocol;
        result = "protocol_failure";
    } else if (missing > 0) {
        rc = exit_timeout;
        result = "timeout";
    }
    const std::size_t bound = expected_rhello_size(o.tag_size);

    if (o.json) {
        json_object j;
        j.text("command", "hello").text("uri", uri.text).text("server", format_endpoint(server));
        j.text("epd_form", form_name(o.form)).text("epd", to_hex(epd));
        j.number("tag_size", o.tag_size).number("ihello_size", tot.ihello_size);
        j.number("sent", tot.sent).number("valid", tot.valid).number("invalid", tot.invalid);
        j.number("missing", missing).number("ignored", tot.ignored);
        j.number("rhello_size_min", tot.rhello_min).number("rhello_size_max", tot.rhello_max).number("rhello_bound", bound);
        if (tot.have_fingerprint) j.text("fingerprint", to_hex(tot.fingerprint));
        else j.raw("fingerprint", "null");
        std::string checks = "[";
        for (std::size_t i = 0; i < tot.shown_steps.size(); ++i) {
            const auto& s = tot.shown_steps[i];
            json_object c;
            c.text("name", s.name).raw("ok", s.ok ? "true" : "false").text("detail", s.detail);
            if (i) checks.push_back(',');
            checks.append(c.finish());
        }
        checks.push_back(']');
        j.raw("checks", checks);
        if (tot.failed_check.empty()) j.raw("failed_check", "null");
        else j.text("failed_check", tot.failed_check);
        if (!tot.send_error.empty()) j.text("error", tot.send_error);
        j.text("result", result).number("exit_code", static_cast<std::uint64_t>(rc));
        std::printf("%s\n", j.finish().c_str());
        return rc;
    }

    if (!tot.shown_steps.empty()) {
        std::printf("RHello checks%s:\n", tot.failed_check.empty() ? "" : " (first failing reply)");
        print_steps(tot.shown_steps);
    }
    if (tot.valid > 0) {
        std::printf("rhello size min=%zu max=%zu bound=%zu ihello=%zu ratio=%.2f\n", tot.rhello_min, tot.rhello_max, bound,
                    tot.ihello_size, double(tot.rhello_max) / double(tot.ihello_size));
        std::printf("first reply after %.3f ms\n", tot.first_rtt_ms);
        std::printf("server fingerprint %s\n", to_hex(tot.fingerprint).c_str());
    }
    std::printf("hello: %llu sent, %llu valid RHellos, %llu invalid, %llu missing, %llu from elsewhere\n",
                static_cast<unsigned long long>(tot.sent), static_cast<unsigned long long>(tot.valid),
                static_cast<unsigned long long>(tot.invalid), static_cast<unsigned long long>(missing),
                static_cast<unsigned long long>(tot.ignored));
    if (!tot.send_error.empty()) {
        std::fprintf(stderr, "strato-peer hello: %s\n", tot.send_error.c_str());
    } else if (rc == exit_protocol) {
        std::fprintf(stderr, "strato-peer hello: protocol failure: check \"%s\" failed\n", tot.failed_check.c_str());
    } else if (rc == exit_timeout) {
        std::fprintf(stderr, "strato-peer hello: timeout: %llu of %llu IHellos got no RHello within %llu ms\n",
                     static_cast<unsigned long long>(missing), static_cast<unsigned long long>(o.count),
                     static_cast<unsigned long long>(o.timeout_ms));
    }
    return rc;
}

} // namespace strato::peer
