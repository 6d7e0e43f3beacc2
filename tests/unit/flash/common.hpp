#pragma once
// Helpers shared by the flash tests.
#include <cstdint>
#include <ostream>
#include <vector>

#include "dataplane/flash/command.hpp"
#include "dataplane/wire/bytes.hpp"
#include "tests/support/hex.hpp"

namespace strato::wire {
// Lets Boost.Test print a failed reason by name.
inline std::ostream& operator<<(std::ostream& os, drop_reason r) { return os << name_of(r); }
} // namespace strato::wire

namespace strato::test {

inline wire::bytes view(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

// Walks every value of an AMF sequence; returns the first failure.
inline wire::drop_reason walk_amf0(wire::bytes b, flash::amf0_limits limits = {},
                                   std::size_t* values = nullptr) {
    flash::amf0_reader r(b, limits);
    flash::amf0_value v;
    std::size_t n = 0;
    while (!r.at_end()) {
        if (auto e = r.next(v); e != wire::drop_reason::none) return e;
        ++n;
    }
    if (values) *values = n;
    return wire::drop_reason::none;
}

} // namespace strato::test
