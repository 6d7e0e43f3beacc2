#include "dataplane/flash/amf3.hpp"

#include <bit>

namespace strato::flash {

using wire::drop_reason;

namespace {

// Traits seen so far inside one AMF3 value; a reference beyond this table is
// rejected rather than guessed.
constexpr std::size_t max_traits = 16;

struct amf3_context {
    wire::reader& in;
    std::uint32_t max_depth;
    std::uint32_t sealed_count[max_traits]{};
    bool dynamic[max_traits]{};
    std::size_t traits = 0;
};

// U29: 1 to 4 bytes, 7 bits each except the fourth which carries 8.
drop_reason read_u29(wire::reader& in, std::uint32_t& v) noexcept {
    std::uint32_t acc = 0;
    for (int i = 0; i < 4; ++i) {
        std::uint8_t b = 0;
        if (in.u8(b) != drop_reason::none) return drop_reason::truncated;
        if (i == 3) {
            v = (acc << 8) | b;
            return drop_reason::none;
        }
        acc = (acc << 7) | (b & 0x7fu);
        if (!(b & 0x80u)) break;
    }
    v = acc;
    return drop_reason::none;
}

// U29S / U29X / U29B: low bit 1 = inline with length >> 1 bytes, else a reference.
drop_reason read_inline_bytes(wire::reader& in, wire::bytes& out, bool& is_ref) noexcept {
    std::uint32_t h = 0;
    if (auto r = read_u29(in, h); r != drop_reason::none) return r;
    is_ref = !(h & 1u);
    out = {};
    if (is_ref) return drop_reason::none;
    return in.take(h >> 1, out);
}

drop_reason skip_string(wire::reader& in, bool& empty) noexcept {
    wire::bytes b;
    bool ref = false;
    if (auto r = read_inline_bytes(in, b, ref); r != drop_reason::none) return r;
    empty = !ref && b.empty();
    return drop_reason::none;
}

// Counts come from the wire; each element needs at least min_bytes, so a
// count the remaining input cannot hold is an overrun, not a loop to run.
drop_reason check_count(const wire::reader& in, std::uint64_t count, std::uint64_t min_bytes) noexcept {
    return count * min_bytes > in.remaining() ? drop_reason::length_overrun : drop_reason::none;
}

drop_reason skip_value(amf3_context& c, std::uint32_t depth, amf3_value* top) noexcept;

drop_reason skip_nested(amf3_context& c, std::uint32_t depth) noexcept {
    if (depth >= c.max_depth) return drop_reason::amf_too_deep;
    return skip_value(c, depth + 1, nullptr);
}

drop_reason skip_object(amf3_context& c, std::uint32_t depth) noexcept {
    std::uint32_t h = 0;
    if (auto r = read_u29(c.in, h); r != drop_reason::none) return r;
    if (!(h & 1u)) return drop_reason::none;  // object reference
    std::uint32_t sealed = 0;
    bool dyn = false;
    if (!(h & 2u)) {  // traits reference
        std::uint32_t idx = h >> 2;
        if (idx >= c.traits) return drop_reason::bad_amf;
        sealed = c.sealed_count[idx];
        dyn = c.dynamic[idx];
    } else {
        if (h & 4u) return drop_reason::bad_amf;  // externalizable: opaque, cannot be skipped
        dyn = (h & 8u) != 0;
        sealed = h >> 4;
        bool empty = false;
        if (auto r = skip_string(c.in, empty); r != drop_reason::none) return r;  // class name
        // Each sealed name and value takes at least one byte each.
        if (auto r = check_count(c.in, sealed, 2); r != drop_reason::none) return r;
        for (std::uint32_t i = 0; i < sealed; ++i)
            if (auto r = skip_string(c.in, empty); r != drop_reason::none) return r;
        if (c.traits < max_traits) {
            c.sealed_count[c.traits] = sealed;
            c.dynamic[c.traits] = dyn;
            ++c.traits;
        }
    }
    if (auto r = check_count(c.in, sealed, 1); r != drop_reason::none) return r;
    for (std::uint32_t i = 0; i < sealed; ++i)
        if (auto r = skip_nested(c, depth); r != drop_reason::none) return r;
    if (dyn) {
        for (;;) {  // name/value pairs ended by the empty string; each pair consumes input
            bool empty = false;
            if (auto r = skip_string(c.in, empty); r != drop_reason::none) return r;
            if (empty) break;
            if (auto r = skip_nested(c, depth); r != drop_reason::none) return r;
        }
    }
    return drop_reason::none;
}

drop_reason skip_array(amf3_context& c, std::uint32_t depth) noexcept {
    std::uint32_t h = 0;
    if (auto r = read_u29(c.in, h); r != drop_reason::none) return r;
    if (!(h & 1u)) return drop_reason::none;
    for (;;) {  // associative part, ended by the empty string
        bool empty = false;
        if (auto r = skip_string(c.in, empty); r != drop_reason::none) return r;
        if (empty) break;
        if (auto r = skip_nested(c, depth); r != drop_reason::none) return r;
    }
    const std::uint32_t dense = h >> 1;
    if (auto r = check_count(c.in, dense, 1); r != drop_reason::none) return r;
    for (std::uint32_t i = 0; i < dense; ++i)
        if (auto r = skip_nested(c, depth); r != drop_reason::none) return r;
    return drop_reason::none;
}

drop_reason skip_vector(amf3_context& c, std::uint32_t depth, std::uint8_t marker) noexcept {
    std::uint32_t h = 0;
    if (auto r = read_u29(c.in, h); r != drop_reason::none) return r;
    if (!(h & 1u)) return drop_reason::none;
    const std::uint32_t count = h >> 1;
    if (auto r = c.in.skip(1); r != drop_reason::none) return drop_reason::truncated;  // fixed-vector flag
    if (marker == amf3_marker::vector_object) {
        bool empty = false;
        if (auto r = skip_string(c.in, empty); r != drop_reason::none) return r;  // type name
        if (auto r = check_count(c.in, count, 1); r != drop_reason::none) return r;
        for (std::uint32_t i = 0; i < count; ++i)
            if (auto r = skip_nested(c, depth); r != drop_reason::none) return r;
        return drop_reason::none;
    }
    const std::uint64_t size = marker == amf3_marker::vector_double ? 8 : 4;
    return c.in.skip(static_cast<std::size_t>(count * size));
}

drop_reason skip_dictionary(amf3_context& c, std::uint32_t depth) noexcept {
    std::uint32_t h = 0;
    if (auto r = read_u29(c.in, h); r != drop_reason::none) return r;
    if (!(h & 1u)) return drop_reason::none;
    const std::uint32_t count = h >> 1;
    if (auto r = c.in.skip(1); r != drop_reason::none) return drop_reason::truncated;  // weak keys
    if (auto r = check_count(c.in, count, 2); r != drop_reason::none) return r;
    for (std::uint32_t i = 0; i < 2 * count; ++i)  // key, value, key, value...
        if (auto r = skip_nested(c, depth); r != drop_reason::none) return r;
    return drop_reason::none;
}

drop_reason skip_value(amf3_context& c, std::uint32_t depth, amf3_value* top) noexcept {
    const std::size_t start = c.in.position();
    std::uint8_t marker = 0;
    if (c.in.u8(marker) != drop_reason::none) return drop_reason::truncated;
    amf3_value scratch;
    amf3_value& v = top ? *top : scratch;
    v.marker = marker;
    drop_reason r = drop_reason::none;
    switch (marker) {
    case amf3_marker::undefined:
    case amf3_marker::null:
    case amf3_marker::false_:
    case amf3_marker::true_:
        break;
    case amf3_marker::integer: {
        std::uint32_t u = 0;
        r = read_u29(c.in, u);
        // 29-bit two's complement.
        v.number = (u & 0x10000000u) ? static_cast<double>(static_cast<std::int32_t>(u) - (1 << 29))
                                     : static_cast<double>(u);
        break;
    }
    case amf3_marker::double_: {
        std::uint64_t bits = 0;
        r = c.in.u64(bits);
        v.number = std::bit_cast<double>(bits);
        break;
    }
    case amf3_marker::string:
    case amf3_marker::xml_doc:
    case amf3_marker::xml:
    case amf3_marker::byte_array: {
        wire::bytes b;
        r = read_inline_bytes(c.in, b, v.is_reference);
        if (marker == amf3_marker::string) v.text = wire::as_text(b);
        break;
    }
    case amf3_marker::date: {
        std::uint32_t h = 0;
        r = read_u29(c.in, h);
        if (r == drop_reason::none && (h & 1u)) r = c.in.skip(8) == drop_reason::none ? r : drop_reason::truncated;
        break;
    }
    case amf3_marker::array:
        r = skip_array(c, depth);
        break;
    case amf3_marker::object:
        r = skip_object(c, depth);
        break;
    case amf3_marker::vector_int:
    case amf3_marker::vector_uint:
    case amf3_marker::vector_double:
    case amf3_marker::vector_object:
        r = skip_vector(c, depth, marker);
        break;
    case amf3_marker::dictionary:
        r = skip_dictionary(c, depth);
        break;
    default:
        r = drop_reason::bad_amf;
    }
    if (r != drop_reason::none) return r;
    v.raw = c.in.whole().subspan(start, c.in.position() - start);
    return drop_reason::none;
}

} // namespace

drop_reason skip_amf3_value(wire::reader& in, amf3_value& out, std::uint32_t max_depth) noexcept {
    // Work on a copy so a failure leaves the caller's reader untouched.
    wire::reader copy = in;
    amf3_context c{copy, max_depth};
    out = amf3_value{};
    if (auto r = skip_value(c, 0, &out); r != drop_reason::none) return r;
    in = copy;
    return drop_reason::none;
}

} // namespace strato::flash
