#include "dataplane/flash/amf0_writer.hpp"

#include <bit>
#include <limits>

#include "dataplane/flash/amf0.hpp"

namespace strato::flash {

void amf0_writer::number(double v) noexcept {
    w_.u8(amf0_marker::number);
    w_.u64(std::bit_cast<std::uint64_t>(v));
}

void amf0_writer::boolean(bool v) noexcept {
    w_.u8(amf0_marker::boolean);
    w_.u8(v ? 1 : 0);
}

void amf0_writer::string(std::string_view s) noexcept {
    if (s.size() > std::numeric_limits<std::uint16_t>::max()) return long_string(s);
    w_.u8(amf0_marker::string);
    w_.u16(static_cast<std::uint16_t>(s.size()));
    w_.put(wire::as_bytes(s));
}

void amf0_writer::long_string(std::string_view s) noexcept {
    if (s.size() > std::numeric_limits<std::uint32_t>::max()) return w_.set_overflow();
    w_.u8(amf0_marker::long_string);
    w_.u32(static_cast<std::uint32_t>(s.size()));
    w_.put(wire::as_bytes(s));
}

void amf0_writer::xml_document(std::string_view s) noexcept {
    if (s.size() > std::numeric_limits<std::uint32_t>::max()) return w_.set_overflow();
    w_.u8(amf0_marker::xml_document);
    w_.u32(static_cast<std::uint32_t>(s.size()));
    w_.put(wire::as_bytes(s));
}

void amf0_writer::null() noexcept { w_.u8(amf0_marker::null); }
void amf0_writer::undefined() noexcept { w_.u8(amf0_marker::undefined); }

void amf0_writer::date(double ms, std::int16_t timezone) noexcept {
    w_.u8(amf0_marker::date);
    w_.u64(std::bit_cast<std::uint64_t>(ms));
    w_.u16(static_cast<std::uint16_t>(timezone));
}

void amf0_writer::object_begin() noexcept { w_.u8(amf0_marker::object); }

void amf0_writer::typed_object_begin(std::string_view class_name) noexcept {
    if (class_name.size() > std::numeric_limits<std::uint16_t>::max()) return w_.set_overflow();
    w_.u8(amf0_marker::typed_object);
    w_.u16(static_cast<std::uint16_t>(class_name.size()));
    w_.put(wire::as_bytes(class_name));
}

void amf0_writer::ecma_array_begin(std::uint32_t count) noexcept {
    w_.u8(amf0_marker::ecma_array);
    w_.u32(count);
}

void amf0_writer::object_end() noexcept {
    w_.u16(0);
    w_.u8(amf0_marker::object_end);
}

void amf0_writer::strict_array_begin(std::uint32_t count) noexcept {
    w_.u8(amf0_marker::strict_array);
    w_.u32(count);
}

void amf0_writer::key(std::string_view k) noexcept {
    // An empty key would read back as the object end when followed by 0x09,
    // and longer keys do not fit the u16 length.
    if (k.empty() || k.size() > std::numeric_limits<std::uint16_t>::max()) return w_.set_overflow();
    w_.u16(static_cast<std::uint16_t>(k.size()));
    w_.put(wire::as_bytes(k));
}

void write_members(amf0_writer& a, std::span<const amf0_member> members) noexcept {
    for (const auto& m : members) {
        a.key(m.key);
        switch (m.type) {
        case amf0_member::kind::string: a.string(m.text); break;
        case amf0_member::kind::number: a.number(m.number); break;
        case amf0_member::kind::boolean: a.boolean(m.boolean); break;
        case amf0_member::kind::raw: a.raw(m.raw); break;
        }
    }
}

} // namespace strato::flash
