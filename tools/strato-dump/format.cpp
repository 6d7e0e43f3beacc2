#include "tools/strato-dump/format.hpp"

#include <cstdio>

namespace strato::dump {

std::string hex(wire::bytes b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (std::uint8_t c : b) {
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 15]);
    }
    return s;
}

std::string hex_trunc(wire::bytes b, std::size_t keep) {
    if (b.size() <= keep) return hex(b);
    return hex(b.first(keep)) + "..(" + std::to_string(b.size()) + "B)";
}

std::string hex8(std::uint8_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", unsigned{v});
    return buf;
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

std::string address_text(const wire::socket_address& a) {
    char buf[64];
    const std::size_t n = wire::format_address(a, buf, sizeof buf);
    return n ? std::string(buf, n) : std::string("?");
}

std::string origin_text(wire::address_origin o) {
    switch (o) {
    case wire::address_origin::unknown: return "0(unknown)";
    case wire::address_origin::local: return "1(local)";
    case wire::address_origin::observed: return "2(external)";
    case wire::address_origin::relay: return "3(relay)";
    }
    return "?";
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c >= 0x20 && c < 0x7f) {
            out.push_back(ch);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", unsigned{c});
            out += buf;
        }
    }
    out.push_back('"');
    return out;
}

} // namespace strato::dump
