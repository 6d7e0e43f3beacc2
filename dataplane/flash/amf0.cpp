#include "dataplane/flash/amf0.hpp"

#include <algorithm>
#include <bit>

namespace strato::flash {

using wire::drop_reason;

amf0_reader::amf0_reader(wire::bytes in, amf0_limits limits) noexcept : in_(in), limits_(limits) {
    limits_.max_depth = std::min(limits_.max_depth, amf0_max_depth);
}

drop_reason amf0_reader::push(frame_kind k, std::uint32_t remaining) noexcept {
    if (depth_ >= limits_.max_depth) return drop_reason::amf_too_deep;
    stack_[depth_++] = frame{k, remaining, 0};
    return drop_reason::none;
}

drop_reason amf0_reader::next(amf0_value& out) noexcept {
    if (error_ != drop_reason::none) return error_;
    out = amf0_value{};
    if (depth_ > 0) {
        frame& f = stack_[depth_ - 1];
        if (f.kind == frame_kind::strict_array) {
            if (f.remaining == 0) {  // strict arrays end by count, not by a marker
                --depth_;
                out.type = amf0_type::end;
                return drop_reason::none;
            }
            --f.remaining;
            return read_value(out);
        }
        // Object, ECMA array, typed object: u16 key | value, ended by 00 00 09.
        std::uint16_t klen = 0;
        if (in_.u16(klen) != drop_reason::none) return fail(drop_reason::truncated);
        if (klen == 0 && !in_.empty() && in_.rest()[0] == amf0_marker::object_end) {
            (void)in_.skip(1);
            --depth_;
            out.type = amf0_type::end;
            out.marker = amf0_marker::object_end;
            return drop_reason::none;
        }
        if (++f.members > limits_.max_members) return fail(drop_reason::bad_amf);
        wire::bytes key;
        if (in_.take(klen, key) != drop_reason::none) return fail(drop_reason::length_overrun);
        out.key = wire::as_text(key);
        return read_value(out);
    }
    return read_value(out);
}

drop_reason amf0_reader::read_value(amf0_value& out) noexcept {
    std::uint8_t m = 0;
    if (in_.u8(m) != drop_reason::none) return fail(drop_reason::truncated);
    out.marker = m;
    switch (m) {
    case amf0_marker::number: {
        std::uint64_t bits = 0;
        if (in_.u64(bits) != drop_reason::none) return fail(drop_reason::truncated);
        out.type = amf0_type::number;
        out.number = std::bit_cast<double>(bits);
        return drop_reason::none;
    }
    case amf0_marker::boolean: {
        std::uint8_t b = 0;
        if (in_.u8(b) != drop_reason::none) return fail(drop_reason::truncated);
        out.type = amf0_type::boolean;
        out.boolean = b != 0;
        return drop_reason::none;
    }
    case amf0_marker::string: {
        std::uint16_t len = 0;
        wire::bytes b;
        if (in_.u16(len) != drop_reason::none) return fail(drop_reason::truncated);
        if (in_.take(len, b) != drop_reason::none) return fail(drop_reason::length_overrun);
        out.type = amf0_type::string;
        out.text = wire::as_text(b);
        return drop_reason::none;
    }
    case amf0_marker::long_string:
    case amf0_marker::xml_document: {
        std::uint32_t len = 0;
        wire::bytes b;
        if (in_.u32(len) != drop_reason::none) return fail(drop_reason::truncated);
        if (in_.take(len, b) != drop_reason::none) return fail(drop_reason::length_overrun);
        out.type = amf0_type::string;
        out.text = wire::as_text(b);
        return drop_reason::none;
    }
    case amf0_marker::object:
        out.type = amf0_type::object_begin;
        if (auto r = push(frame_kind::object, 0); r != drop_reason::none) return fail(r);
        return drop_reason::none;
    case amf0_marker::typed_object: {
        std::uint16_t len = 0;
        wire::bytes b;
        if (in_.u16(len) != drop_reason::none) return fail(drop_reason::truncated);
        if (in_.take(len, b) != drop_reason::none) return fail(drop_reason::length_overrun);
        out.type = amf0_type::typed_object_begin;
        out.text = wire::as_text(b);
        if (auto r = push(frame_kind::object, 0); r != drop_reason::none) return fail(r);
        return drop_reason::none;
    }
    case amf0_marker::ecma_array: {
        // The count is only a hint (senders often write 0); the members are
        // read like an object's and bounded by max_members.
        if (in_.u32(out.count) != drop_reason::none) return fail(drop_reason::truncated);
        out.type = amf0_type::ecma_array_begin;
        if (auto r = push(frame_kind::object, 0); r != drop_reason::none) return fail(r);
        return drop_reason::none;
    }
    case amf0_marker::strict_array: {
        if (in_.u32(out.count) != drop_reason::none) return fail(drop_reason::truncated);
        // Every element takes at least its marker byte.
        if (out.count > in_.remaining()) return fail(drop_reason::length_overrun);
        if (out.count > limits_.max_members) return fail(drop_reason::bad_amf);
        out.type = amf0_type::strict_array_begin;
        if (auto r = push(frame_kind::strict_array, out.count); r != drop_reason::none) return fail(r);
        return drop_reason::none;
    }
    case amf0_marker::null:
        out.type = amf0_type::null;
        return drop_reason::none;
    case amf0_marker::undefined:
        out.type = amf0_type::undefined;
        return drop_reason::none;
    case amf0_marker::unsupported:
        out.type = amf0_type::unsupported;
        return drop_reason::none;
    case amf0_marker::reference:
        if (in_.u16(out.reference) != drop_reason::none) return fail(drop_reason::truncated);
        out.type = amf0_type::reference;
        return drop_reason::none;
    case amf0_marker::date: {
        std::uint64_t bits = 0;
        std::uint16_t tz = 0;
        if (in_.u64(bits) != drop_reason::none || in_.u16(tz) != drop_reason::none)
            return fail(drop_reason::truncated);
        out.type = amf0_type::date;
        out.number = std::bit_cast<double>(bits);
        out.timezone = static_cast<std::int16_t>(tz);
        return drop_reason::none;
    }
    case amf0_marker::avmplus: {
        // One AMF3 value follows; it shares the nesting budget.
        const std::uint32_t budget = limits_.max_depth - depth_;
        if (auto r = skip_amf3_value(in_, out.amf3, budget); r != drop_reason::none) return fail(r);
        switch (out.amf3.marker) {
        case amf3_marker::undefined: out.type = amf0_type::undefined; break;
        case amf3_marker::null: out.type = amf0_type::null; break;
        case amf3_marker::false_: out.type = amf0_type::boolean; out.boolean = false; break;
        case amf3_marker::true_: out.type = amf0_type::boolean; out.boolean = true; break;
        case amf3_marker::integer:
        case amf3_marker::double_: out.type = amf0_type::number; out.number = out.amf3.number; break;
        case amf3_marker::string:
            if (out.amf3.is_reference) {
                out.type = amf0_type::amf3;  // needs the string table: leave opaque
            } else {
                out.type = amf0_type::string;
                out.text = out.amf3.text;
            }
            break;
        default: out.type = amf0_type::amf3;
        }
        return drop_reason::none;
    }
    default:
        // movieclip and recordset are reserved; 0x09 is only valid as an
        // object end; anything above 0x11 is not AMF0.
        return fail(drop_reason::bad_amf);
    }
}

drop_reason amf0_reader::skip(const amf0_value& v) noexcept {
    if (!v.is_begin()) return error_;
    // Loop, not recursion: the frame stack already tracks nesting.
    const std::uint32_t target = depth_ - 1;
    amf0_value tmp;
    while (depth_ > target) {
        if (auto r = next(tmp); r != drop_reason::none) return r;
    }
    return drop_reason::none;
}

} // namespace strato::flash
