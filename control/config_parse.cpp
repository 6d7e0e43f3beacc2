// TOML text -> stratod_config, driven by the schema rows. toml++ is used
// with exceptions here (this is not the packet path); every exception is
// caught and becomes an error, so callers get a result, never a throw.
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "control/config.hpp"
#include "control/config_schema.hpp"
#include "control/config_validate.hpp"

namespace strato::control {

std::string config_error::text() const {
    return path_.empty() ? message_ : path_ + ": " + message_;
}

namespace {

using schema::key;
using schema::kind;
using schema::value;

std::uint32_t line_of(const toml::node& n) { return n.source().begin.line; }

std::string_view type_phrase(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
    }
}

// The value as the error message quotes it.
std::string shown(const toml::node& n) {
    if (const auto* s = n.as_string()) return values::quote(s->get());
    if (n.is_array()) return "[...]";
    if (n.is_table()) return "{...}";
    std::ostringstream os;
    n.visit([&](const auto& v) {
        if constexpr (toml::is_value<decltype(v)>) os << v;
    });
    return os.str();
}

std::string_view expected_phrase(kind k) {
    switch (k) {
    case kind::boolean: return "a boolean";
    case kind::integer: return "an integer";
    case kind::string: return "a string";
    case kind::integer_list: return "an array of integers";
    case kind::string_list: return "an array of strings";
    }
    return "";
}

// A key as written in a path: bare when it can be, else quoted so that odd
// keys ("a.b", "x y", control bytes) stay readable and on one line.
std::string key_text(std::string_view name) {
    const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
    return bare ? std::string(name) : values::quote(name);
}

struct reader {
    std::vector<config_error>& errors_;
    validation_context& ctx_;

    void error(const std::string& path, std::string message, std::uint32_t line) {
        ctx_.mark_bad(path);
        errors_.push_back(config_error{path, std::move(message), line});
    }

    void type_error(const std::string& path, const toml::node& n, std::string_view expected,
                    bool hide = false) {
        error(path,
              (hide ? std::string("(value not shown)") : shown(n)) + " is " +
                  std::string(type_phrase(n)) + ", expected " + std::string(expected),
              line_of(n));
    }

    // Checks one integer (a scalar or a list element); nullopt when bad.
    template <class S>
    std::optional<std::int64_t> read_integer(const toml::node& n, const key<S>& k,
                                             const std::string& path, std::string_view expected) {
        const auto* i = n.as_integer();
        if (!i) {
            type_error(path, n, expected);
            return std::nullopt;
        }
        const std::int64_t v = i->get();
        // The specific check first: "20 is not a supported DH group" says
        // more than "20 is out of range 1-16".
        if (k.check_integer_) {
            if (const char* why = k.check_integer_(v)) {
                error(path, std::to_string(v) + " " + why, line_of(n));
                return std::nullopt;
            }
        }
        if (v < k.min_ || v > k.max_) {
            error(path,
                  std::to_string(v) + " is out of range " + std::to_string(k.min_) + "-" +
                      std::to_string(k.max_),
                  line_of(n));
            return std::nullopt;
        }
        return v;
    }

    template <class S>
    std::optional<std::string> read_string(const toml::node& n, const key<S>& k,
                                           const std::string& path, std::string_view expected) {
        const auto* s = n.as_string();
        if (!s) {
            type_error(path, n, expected, k.has(schema::secret));
            return std::nullopt;
        }
        const std::string& text = s->get();
        if (k.check_string_) {
            if (auto p = k.check_string_(text)) {
                error(path, p->shown_.empty() ? p->reason_ : values::quote(p->shown_) + " " + p->reason_,
                      line_of(n));
                return std::nullopt;
            }
        }
        return text;
    }

    template <class S>
    std::optional<value> read_value(const toml::node& n, const key<S>& k, const std::string& path) {
        switch (k.kind_) {
        case kind::boolean:
            if (const auto* b = n.as_boolean()) return value{b->get()};
            type_error(path, n, "a boolean");
            return std::nullopt;
        case kind::integer:
            if (auto v = read_integer(n, k, path, "an integer")) return value{*v};
            return std::nullopt;
        case kind::string:
            if (auto v = read_string(n, k, path, "a string")) return value{std::move(*v)};
            return std::nullopt;
        case kind::integer_list:
        case kind::string_list: break;
        }
        const auto* array = n.as_array();
        if (!array) {
            type_error(path, n, expected_phrase(k.kind_));
            return std::nullopt;
        }
        if (array->empty() && k.has(schema::non_empty)) {
            error(path, "[] is empty, expected at least one value", line_of(n));
            return std::nullopt;
        }
        const auto element = k.kind_ == kind::integer_list ? "an integer" : "a string";
        bool ok = true;
        std::vector<std::int64_t> integers;
        std::vector<std::string> strings;
        for (const auto& e : *array) {
            if (k.kind_ == kind::integer_list) {
                auto v = read_integer(e, k, path, element);
                if (!v) {
                    ok = false;
                } else if (k.has(schema::unique) &&
                           std::find(integers.begin(), integers.end(), *v) != integers.end()) {
                    error(path, std::to_string(*v) + " is listed twice", line_of(e));
                    ok = false;
                } else {
                    integers.push_back(*v);
                }
            } else {
                auto v = read_string(e, k, path, element);
                if (!v) {
                    ok = false;
                } else if (k.has(schema::unique) &&
                           std::find(strings.begin(), strings.end(), *v) != strings.end()) {
                    error(path, values::quote(*v) + " is listed twice", line_of(e));
                    ok = false;
                } else {
                    strings.push_back(std::move(*v));
                }
            }
        }
        if (!ok) return std::nullopt;
        if (k.kind_ == kind::integer_list) return value{std::move(integers)};
        return value{std::move(strings)};
    }

    template <class S>
    void read_table(const toml::table& t, std::span<const key<S>> keys, S& out,
                    const std::string& prefix, std::string_view nested) {
        for (const auto& [name, node] : t) {
            const std::string_view n = name.str();
            if (!nested.empty() && n == nested) continue;
            const auto it = std::find_if(keys.begin(), keys.end(),
                                         [&](const auto& k) { return k.name_ == n; });
            const std::string path = prefix + "." + key_text(n);
            if (it == keys.end()) {
                error(path, "unknown key", line_of(node));
                continue;
            }
            if (auto v = read_value(node, *it, path)) it->set_(out, *v);
        }
        for (const auto& k : keys) {
            if (k.has(schema::required) && !t.contains(k.name_)) {
                error(prefix + "." + std::string(k.name_), "required key is missing",
                      line_of(t));
            }
        }
    }

    // Finds a dotted section ("workers.queues") below root; nullptr when
    // absent or when a parent is not a table (reported by the parent).
    static const toml::node* find(const toml::table& root, std::string_view path) {
        const toml::table* t = &root;
        while (true) {
            const auto dot = path.find('.');
            const toml::node* n = t->get(path.substr(0, dot));
            if (!n || dot == std::string_view::npos) return n;
            t = n->as_table();
            if (!t) return nullptr;
            path.remove_prefix(dot + 1);
        }
    }

    const toml::table* root_ = nullptr;
    stratod_config* config_ = nullptr;

    template <class S, class Access>
    void table(std::string_view path, std::span<const key<S>> keys, Access access,
               std::string_view nested) {
        const toml::node* n = find(*root_, path);
        if (!n) return;
        const auto* t = n->as_table();
        if (!t) {
            type_error(std::string(path), *n, "a table");
            return;
        }
        read_table(*t, keys, access(*config_), std::string(path), nested);
    }

    template <class S, class Access>
    void array(std::string_view path, std::span<const key<S>> keys, Access access,
               schema::reload) {
        const toml::node* n = find(*root_, path);
        if (!n) return;
        const auto* a = n->as_array();
        const std::string p(path);
        if (!a) {
            type_error(p, *n, "an array of tables ([[" + p + "]])");
            return;
        }
        auto& out = access(*config_);
        out.clear();
        for (std::size_t i = 0; i < a->size(); ++i) {
            const std::string element = p + "[" + std::to_string(i) + "]";
            const auto* t = (*a)[i].as_table();
            if (!t) {
                type_error(element, (*a)[i], "a table");
                ctx_.mark_bad(p + "[]");   // the entry count is off now
                continue;
            }
            S s{};
            read_table(*t, keys, s, element, "");
            out.push_back(std::move(s));
        }
    }
};

// Top-level names: the first component of every section path.
struct top_level_names {
    std::vector<std::string_view>& names_;
    void add(std::string_view path) {
        const auto head = path.substr(0, path.find('.'));
        if (std::find(names_.begin(), names_.end(), head) == names_.end()) names_.push_back(head);
    }
    template <class S, class A>
    void table(std::string_view path, std::span<const key<S>>, A, std::string_view) {
        add(path);
    }
    template <class S, class A>
    void array(std::string_view path, std::span<const key<S>>, A, schema::reload) {
        add(path);
    }
};

std::string one_line(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

config_result parse_unchecked(std::string_view text, std::string_view origin_name) {
    config_result result;
    toml::table root;
    try {
        root = toml::parse(text, std::string(origin_name));
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        result.errors_.push_back(config_error{
            "",
            std::string(origin_name) + ":" + std::to_string(where.line) + ":" +
                std::to_string(where.column) + ": TOML syntax error: " + one_line(e.description()),
            where.line});
        return result;
    }

    stratod_config config;
    validation_context ctx;
    reader r{result.errors_, ctx};
    r.root_ = &root;
    r.config_ = &config;

    std::vector<std::string_view> sections;
    schema::for_each_section(top_level_names{sections});
    for (const auto& [name, node] : root) {
        if (std::find(sections.begin(), sections.end(), name.str()) == sections.end()) {
            r.error(key_text(name.str()), "unknown key", line_of(node));
        }
    }
    schema::for_each_section(r);

    // File order reads best; cross-field errors (which have no single line)
    // follow.
    std::stable_sort(result.errors_.begin(), result.errors_.end(),
                     [](const auto& a, const auto& b) { return a.line_ < b.line_; });
    validate_cross_fields(config, ctx, result.errors_);
    if (result.errors_.empty()) result.config_ = std::move(config);
    return result;
}

}  // namespace

config_result parse_config_text(std::string_view text, std::string_view origin_name) {
    try {
        return parse_unchecked(text, origin_name);
    } catch (const std::exception& e) {
        // Only resource exhaustion gets here; still an answer, not a crash.
        config_result result;
        result.errors_.push_back(
            config_error{"", std::string(origin_name) + ": cannot parse: " + one_line(e.what()), 0});
        return result;
    }
}

config_result parse_config_file(const std::string& path) {
    const auto unreadable = [&](std::string why) {
        config_result result;
        result.errors_.push_back(config_error{"", path + ": cannot read: " + why, 0});
        return result;
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return unreadable("is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return unreadable(std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return unreadable(std::strerror(errno));
    return parse_config_text(text.str(), path);
}

std::string format_errors(std::span<const config_error> errors) {
    std::string out;
    for (const auto& e : errors) out += e.text() + "\n";
    return out;
}

int check_config(const std::string& path, std::ostream& out, std::ostream& err) {
    const auto result = parse_config_file(path);
    if (!result.ok()) {
        err << format_errors(result.errors_) << std::flush;
        return check_config_invalid_exit_code;
    }
    out << path << ": configuration is valid\n" << std::flush;
    return 0;
}

}  // namespace strato::control
