#include "control/rest/config_store.hpp"

#include <toml++/toml.h>

#include <sstream>
#include <stdexcept>

namespace strato::rest {
namespace {

boost::json::value node_to_json(const toml::node& node) {
    if (const auto* t = node.as_table()) {
        boost::json::object o;
        for (const auto& [k, v] : *t) o[std::string(k.str())] = node_to_json(v);
        return o;
    }
    if (const auto* a = node.as_array()) {
        boost::json::array arr;
        for (const auto& v : *a) arr.push_back(node_to_json(v));
        return arr;
    }
    if (const auto* s = node.as_string()) return boost::json::string(s->get());
    if (const auto* i = node.as_integer()) return i->get();
    if (const auto* f = node.as_floating_point()) return f->get();
    if (const auto* b = node.as_boolean()) return b->get();
    // Dates and times have no JSON type; their TOML spelling is unambiguous.
    std::ostringstream out;
    node.visit([&](const auto& v) { out << v; });
    return boost::json::string(out.str());
}

std::string render(const toml::table& table) {
    std::ostringstream out;
    out << toml::toml_formatter(table);
    out << '\n';
    return out.str();
}

toml::table parse_table(std::string_view text) {
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(std::string(e.description()));
    }
}

// The config's own first error when the running text somehow stopped parsing
// is impossible (it was validated); edits therefore only fail on the new app.
control::config_error edit_error(std::string path, std::string message) {
    return control::config_error{std::move(path), std::move(message), 0};
}

}  // namespace

boost::json::value toml_to_json(std::string_view toml_text) {
    return node_to_json(parse_table(toml_text));
}

config_store::config_store(std::string text, apply_hook hook) : hook_(std::move(hook)) {
    auto result = control::parse_config_text(text, "config");
    if (!result.ok()) throw std::invalid_argument(control::format_errors(result.errors_));
    text_ = std::move(text);
    config_ = std::move(*result.config_);
}

std::string config_store::text() const {
    std::lock_guard lock(mutex_);
    return text_;
}

control::stratod_config config_store::config() const {
    std::lock_guard lock(mutex_);
    return config_;
}

boost::json::value config_store::json() const {
    return toml_to_json(text());
}

config_apply_result config_store::apply(std::string_view text, bool dry_run) {
    std::lock_guard lock(mutex_);
    return commit_locked(std::string(text), dry_run);
}

config_apply_result config_store::commit_locked(std::string candidate, bool dry_run) {
    config_apply_result r;
    auto parsed = control::parse_config_text(candidate, "config");
    if (!parsed.ok()) {
        r.errors_ = std::move(parsed.errors_);
        return r;
    }
    r.valid_ = true;
    const auto diff = control::diff_configs(config_, *parsed.config_);
    for (const auto& c : diff.changes_) (c.reloadable_ ? r.applied_ : r.restart_required_).push_back(c);
    if (dry_run || diff.empty()) return r;
    if (hook_) hook_(config_, *parsed.config_, diff);
    text_ = std::move(candidate);
    config_ = std::move(*parsed.config_);
    return r;
}

std::vector<app_spec> config_store::apps() const {
    std::lock_guard lock(mutex_);
    std::vector<app_spec> out;
    for (const auto& a : config_.apps_) {
        out.push_back(app_spec{a.path_, a.developer_keys_, a.max_peers_, a.max_handshakes_per_second_});
    }
    return out;
}

app_change_result config_store::add_app(const app_spec& app) {
    std::lock_guard lock(mutex_);
    auto table = parse_table(text_);
    app_change_result r;
    auto* apps = table.get("apps");
    if (apps == nullptr) {
        table.insert("apps", toml::array{});
        apps = table.get("apps");
    }
    auto* array = apps->as_array();
    if (array == nullptr) {
        r.status_ = app_change_status::invalid;
        r.errors_.push_back(edit_error("apps", "is not an array of tables in the running config"));
        return r;
    }
    toml::table entry;
    entry.insert("path", app.path_);
    if (!app.developer_keys_.empty()) {
        toml::array keys;
        for (const auto& k : app.developer_keys_) keys.push_back(k);
        entry.insert("developer_keys", std::move(keys));
    }
    if (app.max_peers_) entry.insert("max_peers", static_cast<std::int64_t>(*app.max_peers_));
    if (app.max_handshakes_per_second_) {
        entry.insert("max_handshakes_per_second",
                     static_cast<std::int64_t>(*app.max_handshakes_per_second_));
    }
    array->push_back(std::move(entry));
    auto applied = commit_locked(render(table), false);
    if (!applied.valid_) {
        r.status_ = app_change_status::invalid;
        r.errors_ = std::move(applied.errors_);
    }
    return r;
}

app_change_result config_store::remove_app(std::string_view path) {
    std::lock_guard lock(mutex_);
    auto table = parse_table(text_);
    app_change_result r;
    auto* array = table["apps"].as_array();
    bool found = false;
    if (array != nullptr) {
        for (auto it = array->begin(); it != array->end(); ++it) {
            const auto* t = it->as_table();
            if (t == nullptr) continue;
            if (auto p = (*t)["path"].value<std::string>(); p && *p == path) {
                array->erase(it);
                found = true;
                break;
            }
        }
    }
    if (!found) {
        r.status_ = app_change_status::not_found;
        return r;
    }
    auto applied = commit_locked(render(table), false);
    if (!applied.valid_) {
        r.status_ = app_change_status::invalid;
        r.errors_ = std::move(applied.errors_);
    }
    return r;
}

}  // namespace strato::rest
