#include <cstdio>

#include "tools/strato-peer/command.hpp"

namespace strato::peer {

int usage_error(std::string_view command, const std::string& message) {
    std::fprintf(stderr, "strato-peer %.*s: %s\n", static_cast<int>(command.size()), command.data(), message.c_str());
    return exit_usage;
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t min, std::uint64_t max) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v < min || v > max) return std::nullopt;
    return v;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            // Control characters must be escaped; UTF-8 passes through (our
            // texts are UTF-8, and server bytes are only ever shown as hex).
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

void json_object::key(std::string_view k) {
    if (out_.size() > 1) out_.push_back(',');
    out_.append(json_string(k));
    out_.push_back(':');
}

json_object& json_object::text(std::string_view k, std::string_view value) {
    key(k);
    out_.append(json_string(value));
    return *this;
}

json_object& json_object::number(std::string_view k, std::uint64_t value) {
    key(k);
    out_.append(std::to_string(value));
    return *this;
}

json_object& json_object::raw(std::string_view k, std::string_view json) {
    key(k);
    out_.append(json);
    return *this;
}

std::string json_object::finish() {
    out_.push_back('}');
    return out_;
}

void emit_event(bool json, const std::string& event, const std::string& text) {
    if (json) {
        json_object j;
        j.text("event", event).text("text", text);
        std::printf("%s\n", j.finish().c_str());
    } else {
        std::printf("  %s\n", text.c_str());
    }
    std::fflush(stdout);
}

} // namespace strato::peer
