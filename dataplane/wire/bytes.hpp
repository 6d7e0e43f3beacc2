#pragma once
// Bounds-checked big-endian reader and writer over caller-owned buffers.
// Nothing here allocates or throws: a failed read leaves the reader where it
// was and returns the reason; a writer that runs out of room remembers it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "dataplane/wire/drop_reason.hpp"

namespace strato::wire {

using bytes = std::span<const std::uint8_t>;
using mutable_bytes = std::span<std::uint8_t>;

inline bytes as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(bytes b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline bool equal(bytes a, bytes b) noexcept {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// A value or the reason it could not be produced.
template <class T>
class [[nodiscard]] result {
public:
    result(T v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(v)) {}
    result(drop_reason r) noexcept : error_(r) {}
    bool ok() const noexcept { return error_ == drop_reason::none; }
    explicit operator bool() const noexcept { return ok(); }
    drop_reason error() const noexcept { return error_; }
    const T& value() const& noexcept { return value_; }
    T& value() & noexcept { return value_; }
    const T* operator->() const noexcept { return &value_; }
    T* operator->() noexcept { return &value_; }
    const T& operator*() const noexcept { return value_; }

private:
    T value_{};
    drop_reason error_ = drop_reason::none;
};

class reader {
public:
    constexpr reader() noexcept = default;
    constexpr explicit reader(bytes b) noexcept : buf_(b) {}

    std::size_t remaining() const noexcept { return buf_.size() - pos_; }
    std::size_t position() const noexcept { return pos_; }
    bool empty() const noexcept { return remaining() == 0; }
    bytes rest() const noexcept { return buf_.subspan(pos_); }
    bytes consumed() const noexcept { return buf_.first(pos_); }
    bytes whole() const noexcept { return buf_; }

    [[nodiscard]] drop_reason u8(std::uint8_t& v) noexcept {
        if (remaining() < 1) return drop_reason::truncated;
        v = buf_[pos_++];
        return drop_reason::none;
    }
    [[nodiscard]] drop_reason u16(std::uint16_t& v) noexcept {
        if (remaining() < 2) return drop_reason::truncated;
        v = static_cast<std::uint16_t>((buf_[pos_] << 8) | buf_[pos_ + 1]);
        pos_ += 2;
        return drop_reason::none;
    }
    [[nodiscard]] drop_reason u32(std::uint32_t& v) noexcept {
        if (remaining() < 4) return drop_reason::truncated;
        v = (std::uint32_t{buf_[pos_]} << 24) | (std::uint32_t{buf_[pos_ + 1]} << 16) |
            (std::uint32_t{buf_[pos_ + 2]} << 8) | std::uint32_t{buf_[pos_ + 3]};
        pos_ += 4;
        return drop_reason::none;
    }
    [[nodiscard]] drop_reason u64(std::uint64_t& v) noexcept {
        std::uint32_t hi = 0, lo = 0;
        if (remaining() < 8) return drop_reason::truncated;
        (void)u32(hi);
        (void)u32(lo);
        v = (std::uint64_t{hi} << 32) | lo;
        return drop_reason::none;
    }
    [[nodiscard]] drop_reason take(std::size_t n, bytes& out) noexcept {
        if (remaining() < n) return drop_reason::length_overrun;
        out = buf_.subspan(pos_, n);
        pos_ += n;
        return drop_reason::none;
    }
    bytes take_rest() noexcept {
        bytes r = rest();
        pos_ = buf_.size();
        return r;
    }
    [[nodiscard]] drop_reason skip(std::size_t n) noexcept {
        if (remaining() < n) return drop_reason::length_overrun;
        pos_ += n;
        return drop_reason::none;
    }
    // RFC 7016 §2.1.2: base-128, most significant group first. Values above
    // 2^64-1 are rejected, never wrapped.
    [[nodiscard]] drop_reason vlu(std::uint64_t& v) noexcept {
        std::uint64_t acc = 0;
        std::size_t p = pos_;
        for (;;) {
            if (p >= buf_.size()) return drop_reason::truncated;
            std::uint8_t b = buf_[p++];
            if (acc > (UINT64_MAX >> 7)) return drop_reason::vlu_overflow;
            acc = (acc << 7) | (b & 0x7fu);
            if (!(b & 0x80u)) break;
        }
        v = acc;
        pos_ = p;
        return drop_reason::none;
    }
    // A VLU length followed by that many bytes.
    [[nodiscard]] drop_reason vlu_prefixed(bytes& out) noexcept {
        std::size_t start = pos_;
        std::uint64_t n = 0;
        if (auto r = vlu(n); r != drop_reason::none) return r;
        if (n > remaining()) {
            pos_ = start;
            return drop_reason::length_overrun;
        }
        return take(static_cast<std::size_t>(n), out);
    }

private:
    bytes buf_{};
    std::size_t pos_ = 0;
};

constexpr std::size_t vlu_size(std::uint64_t v) noexcept {
    std::size_t n = 1;
    while (v >>= 7) ++n;
    return n;
}

class writer {
public:
    explicit writer(mutable_bytes b) noexcept : buf_(b) {}

    std::size_t size() const noexcept { return pos_; }
    std::size_t room() const noexcept { return buf_.size() - pos_; }
    bool ok() const noexcept { return !overflow_; }
    bytes written() const noexcept { return {buf_.data(), pos_}; }
    mutable_bytes buffer() const noexcept { return buf_; }

    void u8(std::uint8_t v) noexcept {
        if (reserve(1)) buf_[pos_++] = v;
    }
    void u16(std::uint16_t v) noexcept {
        if (!reserve(2)) return;
        buf_[pos_++] = static_cast<std::uint8_t>(v >> 8);
        buf_[pos_++] = static_cast<std::uint8_t>(v);
    }
    void u32(std::uint32_t v) noexcept {
        if (!reserve(4)) return;
        for (int s = 24; s >= 0; s -= 8) buf_[pos_++] = static_cast<std::uint8_t>(v >> s);
    }
    void u64(std::uint64_t v) noexcept {
        u32(static_cast<std::uint32_t>(v >> 32));
        u32(static_cast<std::uint32_t>(v));
    }
    void put(bytes b) noexcept {
        if (b.empty() || !reserve(b.size())) return;
        std::memcpy(buf_.data() + pos_, b.data(), b.size());
        pos_ += b.size();
    }
    void fill(std::uint8_t v, std::size_t n) noexcept {
        if (!reserve(n)) return;
        std::memset(buf_.data() + pos_, v, n);
        pos_ += n;
    }
    void vlu(std::uint64_t v) noexcept {
        std::size_t n = vlu_size(v);
        if (!reserve(n)) return;
        for (std::size_t i = 0; i < n; ++i) {
            auto shift = 7 * (n - 1 - i);
            auto digit = static_cast<std::uint8_t>((v >> shift) & 0x7f);
            buf_[pos_++] = static_cast<std::uint8_t>(digit | (i + 1 < n ? 0x80 : 0));
        }
    }
    void vlu_prefixed(bytes b) noexcept {
        vlu(b.size());
        put(b);
    }
    // Reserve n bytes now and patch them later (e.g. a chunk length).
    std::size_t hole(std::size_t n) noexcept {
        std::size_t at = pos_;
        if (reserve(n)) pos_ += n;
        return at;
    }
    void patch_u16(std::size_t at, std::uint16_t v) noexcept {
        if (overflow_ || at + 2 > pos_) return;
        buf_[at] = static_cast<std::uint8_t>(v >> 8);
        buf_[at + 1] = static_cast<std::uint8_t>(v);
    }
    void set_overflow() noexcept { overflow_ = true; }

private:
    bool reserve(std::size_t n) noexcept {
        if (overflow_ || room() < n) {
            overflow_ = true;
            return false;
        }
        return true;
    }
    mutable_bytes buf_;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

} // namespace strato::wire
