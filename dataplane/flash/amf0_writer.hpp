#pragma once
// AMF0 encoder over a wire::writer. The server emits only AMF0 (protocol
// reference §6.4), so there is no AMF3 writer. Lengths that do not fit
// their field mark the writer as overflowed instead of truncating silently.
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

class amf0_writer {
public:
    explicit amf0_writer(wire::writer& w) noexcept : w_(w) {}

    void number(double v) noexcept;
    void boolean(bool v) noexcept;
    // Strings over 65535 bytes are written as long strings (AMF0 §2.14).
    void string(std::string_view s) noexcept;
    void long_string(std::string_view s) noexcept;
    void xml_document(std::string_view s) noexcept;
    void null() noexcept;
    void undefined() noexcept;
    void date(double ms, std::int16_t timezone = 0) noexcept;

    void object_begin() noexcept;
    void typed_object_begin(std::string_view class_name) noexcept;
    void ecma_array_begin(std::uint32_t count) noexcept;
    // Ends an object, typed object or ECMA array: 00 00 09.
    void object_end() noexcept;
    // Followed by exactly count values; no end marker.
    void strict_array_begin(std::uint32_t count) noexcept;
    // A member name inside an object or ECMA array; the value follows.
    void key(std::string_view k) noexcept;

    // Pre-encoded AMF0 bytes (a value built elsewhere).
    void raw(wire::bytes b) noexcept { w_.put(b); }

    wire::writer& out() noexcept { return w_; }

private:
    wire::writer& w_;
};

// One member of an info object. Lets callers add members such as tcserver's
// connectionID or a nested map (as pre-encoded AMF0) without a callback.
struct amf0_member {
    enum class kind : std::uint8_t { string, number, boolean, raw };
    std::string_view key{};
    kind type = kind::string;
    std::string_view text{};
    double number = 0;
    bool boolean = false;
    wire::bytes raw{};

    static amf0_member str(std::string_view k, std::string_view v) noexcept {
        return {k, kind::string, v, 0, false, {}};
    }
    static amf0_member num(std::string_view k, double v) noexcept { return {k, kind::number, {}, v, false, {}}; }
    static amf0_member flag(std::string_view k, bool v) noexcept { return {k, kind::boolean, {}, 0, v, {}}; }
    static amf0_member encoded(std::string_view k, wire::bytes v) noexcept {
        return {k, kind::raw, {}, 0, false, v};
    }
};

// key + value for each member, in order.
void write_members(amf0_writer& a, std::span<const amf0_member> members) noexcept;

} // namespace strato::flash
