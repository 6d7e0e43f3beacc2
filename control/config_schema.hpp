#pragma once
// The declarative config schema (internal to control/). In the spirit of
// Knot DNS's conf/schema.c: each key is one row (name, type, range, flags,
// reloadable, validator, doc) plus a getter and setter generated from the
// struct member, so parsing, diffing for reload and describing the schema all
// walk the same rows instead of repeating per-key code.
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "control/config.hpp"
#include "control/config_values.hpp"

namespace strato::control::schema {

enum class kind : std::uint8_t { boolean, integer, string, integer_list, string_list };
enum class reload : bool { no, yes };

// Flags on a key.
inline constexpr unsigned none = 0;
inline constexpr unsigned required = 1;     // must be present
inline constexpr unsigned non_empty = 2;    // lists: at least one element
inline constexpr unsigned unique = 4;       // lists: no element twice
inline constexpr unsigned secret = 8;       // never echoed in errors or diffs

// A key's value, independent of the struct member's type. monostate means
// "absent" for optional keys.
using value = std::variant<std::monostate, bool, std::int64_t, std::string,
                           std::vector<std::int64_t>, std::vector<std::string>>;

using string_check = values::check_result (*)(std::string_view);
// Returns nullptr when acceptable, else the reason after the value.
using integer_check = const char* (*)(std::int64_t);

template <class S>
struct key {
    std::string_view name_;
    kind kind_ = kind::integer;
    std::int64_t min_ = 0;      // integers and integer-list elements
    std::int64_t max_ = 0;
    unsigned flags_ = none;
    reload reload_ = reload::no;
    string_check check_string_ = nullptr;   // strings and string-list elements
    integer_check check_integer_ = nullptr; // integers and integer-list elements
    value (*get_)(const S&) = nullptr;
    // Called only with a value that passed type, range and check.
    void (*set_)(S&, const value&) = nullptr;
    std::string_view doc_;

    bool has(unsigned flag) const { return (flags_ & flag) != 0; }
};

// ---- generators: one row from a member pointer ---------------------------

template <class>
struct member_traits;
template <class S, class T>
struct member_traits<T S::*> {
    using section = S;
    using type = T;
};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {
    using inner = T;
};

template <auto M>
using section_of = typename member_traits<decltype(M)>::section;
template <auto M>
using type_of = typename member_traits<decltype(M)>::type;

// A range that does not fit the member is a bug in the table; since the
// tables are constexpr it fails the build.
template <class T>
constexpr void check_fits(std::int64_t min, std::int64_t max) {
    if (min < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        static_cast<std::uint64_t>(max) > std::numeric_limits<T>::max() || min > max) {
        throw std::logic_error("schema range does not fit the member type");
    }
}

template <auto M>
constexpr key<section_of<M>> integer(std::string_view name, std::int64_t min, std::int64_t max,
                                     reload r, std::string_view doc, unsigned flags = none,
                                     integer_check check = nullptr) {
    using S = section_of<M>;
    using T = type_of<M>;
    key<S> k{name, kind::integer, min, max, flags, r, nullptr, check, nullptr, nullptr, doc};
    if constexpr (is_optional<T>::value) {
        using I = typename is_optional<T>::inner;
        check_fits<I>(min, max);
        k.get_ = [](const S& s) -> value {
            if (!(s.*M)) return std::monostate{};
            return static_cast<std::int64_t>(*(s.*M));
        };
        k.set_ = [](S& s, const value& v) {
            s.*M = static_cast<I>(std::get<std::int64_t>(v));
        };
    } else {
        check_fits<T>(min, max);
        k.get_ = [](const S& s) -> value { return static_cast<std::int64_t>(s.*M); };
        k.set_ = [](S& s, const value& v) { s.*M = static_cast<T>(std::get<std::int64_t>(v)); };
    }
    return k;
}

template <auto M>
constexpr key<section_of<M>> boolean(std::string_view name, reload r, std::string_view doc) {
    using S = section_of<M>;
    return key<S>{name, kind::boolean, 0, 0, none, r, nullptr, nullptr,
                  [](const S& s) -> value { return static_cast<bool>(s.*M); },
                  [](S& s, const value& v) { s.*M = std::get<bool>(v); }, doc};
}

template <auto M>
constexpr key<section_of<M>> string(std::string_view name, string_check check, reload r,
                                    std::string_view doc, unsigned flags = none) {
    using S = section_of<M>;
    using T = type_of<M>;
    key<S> k{name, kind::string, 0, 0, flags, r, check, nullptr, nullptr, nullptr, doc};
    if constexpr (is_optional<T>::value) {
        k.get_ = [](const S& s) -> value {
            if (!(s.*M)) return std::monostate{};
            return *(s.*M);
        };
    } else {
        k.get_ = [](const S& s) -> value { return s.*M; };
    }
    k.set_ = [](S& s, const value& v) { s.*M = std::get<std::string>(v); };
    return k;
}

template <auto M>
constexpr key<section_of<M>> integer_list(std::string_view name, std::int64_t min,
                                          std::int64_t max, reload r, std::string_view doc,
                                          unsigned flags = none, integer_check check = nullptr) {
    using S = section_of<M>;
    using T = typename type_of<M>::value_type;
    check_fits<T>(min, max);
    return key<S>{name, kind::integer_list, min, max, flags, r, nullptr, check,
                  [](const S& s) -> value {
                      std::vector<std::int64_t> out;
                      for (const auto e : s.*M) out.push_back(static_cast<std::int64_t>(e));
                      return out;
                  },
                  [](S& s, const value& v) {
                      (s.*M).clear();
                      for (const auto e : std::get<std::vector<std::int64_t>>(v)) {
                          (s.*M).push_back(static_cast<T>(e));
                      }
                  },
                  doc};
}

template <auto M>
constexpr key<section_of<M>> string_list(std::string_view name, string_check check, reload r,
                                         std::string_view doc, unsigned flags = none) {
    using S = section_of<M>;
    return key<S>{name, kind::string_list, 0, 0, flags, r, check, nullptr,
                  [](const S& s) -> value { return s.*M; },
                  [](S& s, const value& v) { s.*M = std::get<std::vector<std::string>>(v); },
                  doc};
}

// ---- the tables (config_schema.cpp) --------------------------------------

std::span<const key<eal_config>> eal_keys();
std::span<const key<port_config>> port_keys();
std::span<const key<server_config>> server_keys();
std::span<const key<workers_config>> workers_keys();
std::span<const key<queue_assignment>> queue_keys();
std::span<const key<mempool_config>> mempool_keys();
std::span<const key<handshake_config>> handshake_keys();
std::span<const key<sessions_config>> sessions_keys();
std::span<const key<introduction_config>> introduction_keys();
std::span<const key<app_config>> app_keys();
std::span<const key<rest_config>> rest_keys();

// Calls v.table(path, keys, access, nested) for each [table] and
// v.array(path, keys, access, count_reload) for each [[array of tables]],
// in file-documentation order. access(config) returns the section (const or
// not, following the argument); nested names sub-sections a table walker
// must leave to their own entry.
template <class Visitor>
void for_each_section(Visitor&& v) {
    v.table("eal", eal_keys(), [](auto& c) -> auto& { return c.eal_; }, "");
    v.array("ports", port_keys(), [](auto& c) -> auto& { return c.ports_; }, reload::no);
    v.table("server", server_keys(), [](auto& c) -> auto& { return c.server_; }, "");
    v.table("workers", workers_keys(), [](auto& c) -> auto& { return c.workers_; }, "queues");
    v.array("workers.queues", queue_keys(),
            [](auto& c) -> auto& { return c.workers_.queues_; }, reload::no);
    v.table("mempool", mempool_keys(), [](auto& c) -> auto& { return c.mempool_; }, "");
    v.table("handshake", handshake_keys(), [](auto& c) -> auto& { return c.handshake_; }, "");
    v.table("introduction", introduction_keys(), [](auto& c) -> auto& { return c.introduction_; }, "");
    v.table("sessions", sessions_keys(), [](auto& c) -> auto& { return c.sessions_; }, "");
    v.array("apps", app_keys(), [](auto& c) -> auto& { return c.apps_; }, reload::yes);
    v.table("rest", rest_keys(), [](auto& c) -> auto& { return c.rest_; }, "");
}

// Renders a value the way TOML writes it (strings quoted and escaped).
std::string render(const value& v);

}  // namespace strato::control::schema
