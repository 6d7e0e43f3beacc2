#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <ostream>

#include "crypto/cookie.hpp"
#include "crypto/dh.hpp"
#include "dataplane/wire/bytes.hpp"

// Boost.Test printers (ADL customisation point) for the enums under test.
namespace strato::wire {
inline std::ostream& boost_test_print_type(std::ostream& o, drop_reason r) { return o << name_of(r); }
}  // namespace strato::wire
namespace strato::crypto {
inline std::ostream& boost_test_print_type(std::ostream& o, dh_error e) { return o << "dh_error(" << int(e) << ")"; }
inline std::ostream& boost_test_print_type(std::ostream& o, cookie_status s) { return o << name_of(s); }
}  // namespace strato::crypto

namespace test {

using buf = std::vector<std::uint8_t>;

inline buf unhex(std::string_view s) {
    buf out;
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    int hi = -1;
    for (char c : s) {
        const int v = nib(c);
        if (v < 0) continue;  // spaces and newlines
        if (hi < 0) hi = v;
        else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

inline std::string hex(strato::wire::bytes b) {
    static constexpr char d[] = "0123456789abcdef";
    std::string s;
    for (auto x : b) {
        s += d[x >> 4];
        s += d[x & 15];
    }
    return s;
}

template <class C>
std::string hex_of(const C& c) {
    return hex(strato::wire::bytes{c.data(), c.size()});
}

inline buf random_buf(std::mt19937_64& rng, std::size_t n) {
    buf b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

inline strato::wire::bytes view(const buf& b) { return {b.data(), b.size()}; }

}  // namespace test
