#pragma once
// AMF0 pull reader (AMF0 specification; protocol reference §6.4) for the
// commands of RFC 7425 §5.3. Zero allocation: strings are views into the
// packet. Hostile input is assumed: containers are tracked on a fixed stack
// (bounded depth), counts are checked against the bytes left, and every
// failure is a drop_reason that stays set.
#include <cstdint>
#include <string_view>

#include "dataplane/flash/amf3.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::flash {

// AMF0 type markers (AMF0 specification §2.1).
namespace amf0_marker {
inline constexpr std::uint8_t number = 0x00, boolean = 0x01, string = 0x02, object = 0x03,
                              movieclip = 0x04, null = 0x05, undefined = 0x06, reference = 0x07,
                              ecma_array = 0x08, object_end = 0x09, strict_array = 0x0a,
                              date = 0x0b, long_string = 0x0c, unsupported = 0x0d,
                              recordset = 0x0e, xml_document = 0x0f, typed_object = 0x10,
                              avmplus = 0x11;
} // namespace amf0_marker

enum class amf0_type : std::uint8_t {
    number,
    boolean,
    string,        // string, long string and XML document (text holds the bytes)
    null,
    undefined,
    unsupported,
    reference,     // u16 index into earlier objects; not resolved (callers skip it)
    date,          // number = ms since epoch, timezone = minutes (ignored by Flash)
    object_begin,
    ecma_array_begin,  // count = the sender's hint, not trusted
    typed_object_begin, // text = class name
    strict_array_begin, // count = element count (checked against the input)
    end,           // closes the innermost container
    amf3,          // a complex AMF3 value after 0x11, skipped; amf3.raw delimits it
};

struct amf0_value {
    amf0_type type = amf0_type::null;
    std::uint8_t marker = 0;      // the AMF0 marker (0x11 for values switched to AMF3)
    std::string_view key{};       // member name inside an object, ECMA array or typed object
    double number = 0;            // number, date, and AMF3 integer/double
    bool boolean = false;
    std::string_view text{};      // string / long string / XML / AMF3 string / class name
    std::uint32_t count = 0;      // strict array count, ECMA array hint
    std::uint16_t reference = 0;
    std::int16_t timezone = 0;
    amf3_value amf3{};            // set when marker == 0x11

    bool is_begin() const noexcept {
        return type == amf0_type::object_begin || type == amf0_type::ecma_array_begin ||
               type == amf0_type::typed_object_begin || type == amf0_type::strict_array_begin;
    }
    bool is_nullish() const noexcept { return type == amf0_type::null || type == amf0_type::undefined; }
};

// Hard cap on the container stack; limits may lower it, never raise it.
inline constexpr std::uint32_t amf0_max_depth = 32;

struct amf0_limits {
    std::uint32_t max_depth = 16;        // nested containers (AMF0 and AMF3 together)
    std::uint32_t max_members = 4096;    // members or elements in one container
};

class amf0_reader {
public:
    amf0_reader() noexcept = default;
    explicit amf0_reader(wire::bytes in, amf0_limits limits = {}) noexcept;

    // Reads the next value or container event. At depth 0 with no input left
    // it fails with truncated: callers check at_end() when values are optional.
    [[nodiscard]] wire::drop_reason next(amf0_value& out) noexcept;
    // After a *_begin value, consumes everything up to its matching end;
    // for any other value does nothing.
    [[nodiscard]] wire::drop_reason skip(const amf0_value& v) noexcept;

    // No more top-level values (and no container open).
    bool at_end() const noexcept { return depth_ == 0 && in_.empty(); }
    std::uint32_t depth() const noexcept { return depth_; }
    wire::drop_reason error() const noexcept { return error_; }
    std::size_t position() const noexcept { return in_.position(); }
    wire::bytes rest() const noexcept { return in_.rest(); }

private:
    enum class frame_kind : std::uint8_t { object, strict_array };
    struct frame {
        frame_kind kind = frame_kind::object;
        std::uint32_t remaining = 0;  // strict arrays: elements still to come
        std::uint32_t members = 0;    // objects: members seen so far
    };

    wire::drop_reason fail(wire::drop_reason r) noexcept { return error_ = r; }
    wire::drop_reason read_value(amf0_value& out) noexcept;
    wire::drop_reason push(frame_kind k, std::uint32_t remaining) noexcept;

    wire::reader in_{};
    amf0_limits limits_{};
    frame stack_[amf0_max_depth]{};
    std::uint32_t depth_ = 0;
    wire::drop_reason error_ = wire::drop_reason::none;
};

// Convenience views over a value that commands use for loosely typed fields.
inline bool amf0_is_string(const amf0_value& v) noexcept { return v.type == amf0_type::string; }
inline bool amf0_is_number(const amf0_value& v) noexcept { return v.type == amf0_type::number; }

} // namespace strato::flash
