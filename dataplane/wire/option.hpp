#pragma once
// RFC 7016 §2.1.3-4: option = VLU length | [VLU type | value]; a length of 0
// is a marker. Option lists end with a marker; certificate, EPD and keying
// components are options that simply fill their field.
#include <cstdint>

#include "dataplane/wire/bytes.hpp"

namespace strato::wire {

struct option {
    bool marker = false;     // zero-length option
    std::uint64_t type = 0;  // meaningless for a marker
    bytes value{};
    bytes encoded{};         // the whole option as on the wire
};

// Walks options until the field ends. next() returns false at the end or on
// a malformed option; error() then tells which.
class option_reader {
public:
    explicit option_reader(bytes field) noexcept : in_(field) {}
    [[nodiscard]] bool next(option& out) noexcept;
    drop_reason error() const noexcept { return error_; }
    std::size_t position() const noexcept { return in_.position(); }
    bytes rest() const noexcept { return in_.rest(); }

private:
    reader in_;
    drop_reason error_ = drop_reason::none;
};

inline bool option_reader::next(option& out) noexcept {
    if (in_.empty() || error_ != drop_reason::none) return false;
    const std::size_t start = in_.position();
    std::uint64_t len = 0;
    if (auto r = in_.vlu(len); r != drop_reason::none) {
        error_ = drop_reason::bad_option;
        return false;
    }
    if (len == 0) {
        out = option{true, 0, {}, in_.whole().subspan(start, in_.position() - start)};
        return true;
    }
    if (len > in_.remaining()) {
        error_ = drop_reason::bad_option;
        return false;
    }
    bytes body;
    (void)in_.take(static_cast<std::size_t>(len), body);
    reader b(body);
    std::uint64_t type = 0;
    if (b.vlu(type) != drop_reason::none) {
        error_ = drop_reason::bad_option;
        return false;
    }
    out = option{false, type, b.rest(), in_.whole().subspan(start, in_.position() - start)};
    return true;
}

// Finds the first option of a type in a field that holds only options.
inline bool find_option(bytes field, std::uint64_t type, option& out) noexcept {
    option_reader r(field);
    option o;
    while (r.next(o)) {
        if (!o.marker && o.type == type) {
            out = o;
            return true;
        }
    }
    return false;
}

// Validates that a field is a well-formed sequence of options.
inline drop_reason check_options(bytes field) noexcept {
    option_reader r(field);
    option o;
    while (r.next(o)) {
    }
    return r.error();
}

inline void write_option(writer& w, std::uint64_t type, bytes value) noexcept {
    w.vlu(vlu_size(type) + value.size());
    w.vlu(type);
    w.put(value);
}
inline void write_marker(writer& w) noexcept { w.u8(0); }

} // namespace strato::wire
