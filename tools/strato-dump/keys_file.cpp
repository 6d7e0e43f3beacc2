#include "tools/strato-dump/keys_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "tools/strato-dump/pcap_input.hpp"

namespace strato::dump {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool parse_hex(const std::string& s, std::vector<std::uint8_t>& out) {
    if (s.size() % 2) return false;
    out.clear();
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return true;
}

struct line_parser {
    const std::string& path;
    std::size_t line;

    [[noreturn]] void fail(const std::string& what) const {
        throw dump_error(path + ":" + std::to_string(line) + ": " + what);
    }
    wire::socket_address address(const std::string& s, const char* which) const {
        wire::socket_address a;
        if (!wire::parse_address_text(s, a)) fail(std::string("bad address ") + which + " '" + s + "' (want IP:port)");
        return a;
    }
    std::uint32_t sid(const std::string& key, const std::string& v) const {
        std::vector<std::uint8_t> b;
        if (v.size() != 8 || !parse_hex(v, b)) fail(key + " must be 8 hex digits, got '" + v + "'");
        return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    }
    void aes(const std::string& key, const std::string& v, std::array<std::uint8_t, 16>& out) const {
        std::vector<std::uint8_t> b;
        if (v.size() != 32 || !parse_hex(v, b)) fail(key + " must be 32 hex digits (AES-128 key), got '" + v + "'");
        std::memcpy(out.data(), b.data(), 16);
    }
    void hmac(const std::string& key, const std::string& v, direction_keys& d) const {
        if (v == "-") return;
        const auto colon = v.find(':');
        std::vector<std::uint8_t> b;
        if (colon == std::string::npos || colon == 0 || colon > 2)
            fail(key + " must be '-' or LEN:HEX, got '" + v + "'");
        std::size_t len = 0;
        for (std::size_t i = 0; i < colon; ++i) {
            if (v[i] < '0' || v[i] > '9') fail(key + ": length '" + v.substr(0, colon) + "' is not a number");
            len = len * 10 + static_cast<std::size_t>(v[i] - '0');
        }
        // RFC 7425 §4.6.4: hmacLength 4..32.
        if (len < 4 || len > 32) fail(key + ": HMAC length " + std::to_string(len) + " outside 4..32");
        if (!parse_hex(v.substr(colon + 1), b) || b.empty())
            fail(key + ": HMAC key must be hex, got '" + v.substr(colon + 1) + "'");
        d.hmac_len = len;
        d.hmac_key = std::move(b);
    }
    bool flag(const std::string& key, const std::string& v) const {
        if (v == "0") return false;
        if (v == "1") return true;
        fail(key + " must be 0 or 1, got '" + v + "'");
    }
};

} // namespace

const direction_keys* keys_file::find(const wire::socket_address& src, const wire::socket_address& dst,
                                      std::uint32_t sid) const noexcept {
    for (const auto& s : sessions) {
        if (s.a.same_endpoint(src) && s.b.same_endpoint(dst) && s.b_sid == sid) return &s.a2b;
        if (s.b.same_endpoint(src) && s.a.same_endpoint(dst) && s.a_sid == sid) return &s.b2a;
    }
    return nullptr;
}

keys_file parse_keys(const std::string& text, const std::string& path) {
    keys_file kf;
    kf.path = path;
    std::istringstream in(text);
    std::string raw;
    std::size_t n = 0;
    static const char* const required[] = {"a_sid", "b_sid", "a2b_key", "b2a_key",
                                           "a2b_hmac", "b2a_hmac", "a2b_sseq", "b2a_sseq"};
    while (std::getline(in, raw)) {
        ++n;
        line_parser p{path, n};
        if (const auto hash = raw.find('#'); hash != std::string::npos) raw.resize(hash);
        std::istringstream words(raw);
        std::vector<std::string> w;
        for (std::string t; words >> t;) w.push_back(t);
        if (w.empty()) continue;
        if (w[0] != "udp") p.fail("expected 'udp' at the start of the line, got '" + w[0] + "'");
        if (w.size() < 3) p.fail("missing addresses (udp A B key=value...)");
        session_keys s;
        s.line = n;
        s.a = p.address(w[1], "A");
        s.b = p.address(w[2], "B");
        std::map<std::string, std::string> kv;
        for (std::size_t i = 3; i < w.size(); ++i) {
            const auto eq = w[i].find('=');
            if (eq == std::string::npos) p.fail("expected key=value, got '" + w[i] + "'");
            std::string k = w[i].substr(0, eq);
            bool known = false;
            for (const char* r : required) known = known || k == r;
            if (!known) p.fail("unknown key '" + k + "'");
            if (!kv.emplace(k, w[i].substr(eq + 1)).second) p.fail("duplicate key '" + k + "'");
        }
        for (const char* r : required)
            if (!kv.count(r)) p.fail(std::string("missing ") + r);
        s.a_sid = p.sid("a_sid", kv["a_sid"]);
        s.b_sid = p.sid("b_sid", kv["b_sid"]);
        p.aes("a2b_key", kv["a2b_key"], s.a2b.aes_key);
        p.aes("b2a_key", kv["b2a_key"], s.b2a.aes_key);
        p.hmac("a2b_hmac", kv["a2b_hmac"], s.a2b);
        p.hmac("b2a_hmac", kv["b2a_hmac"], s.b2a);
        s.a2b.sseq = p.flag("a2b_sseq", kv["a2b_sseq"]);
        s.b2a.sseq = p.flag("b2a_sseq", kv["b2a_sseq"]);
        kf.sessions.push_back(std::move(s));
    }
    return kf;
}

keys_file load_keys(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw dump_error(path + ": cannot open keys file: " + std::strerror(errno));
    std::ostringstream ss;
    ss << f.rdbuf();
    return parse_keys(ss.str(), path);
}

} // namespace strato::dump
