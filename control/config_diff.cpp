// Which keys differ between two validated configs, and whether a running
// stratod can take each change: the schema rows' reload flag decides, so a
// new key is covered as soon as it has a row.
#include <algorithm>

#include "control/config.hpp"
#include "control/config_schema.hpp"

namespace strato::control {
namespace {

std::string entries(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " entry" : " entries");
}

struct differ {
    const stratod_config& old_;
    const stratod_config& new_;
    std::vector<config_change>& out_;

    template <class S>
    void rows(const std::string& prefix, std::span<const schema::key<S>> keys, const S& a,
              const S& b) {
        for (const auto& k : keys) {
            const auto x = k.get_(a);
            const auto y = k.get_(b);
            if (x == y) continue;
            const bool hide = k.has(schema::secret);
            out_.push_back(config_change{prefix + std::string(k.name_),
                                         hide ? "(hidden)" : schema::render(x),
                                         hide ? "(hidden)" : schema::render(y),
                                         k.reload_ == schema::reload::yes});
        }
    }

    template <class S, class Access>
    void table(std::string_view path, std::span<const schema::key<S>> keys, Access access,
               std::string_view) {
        rows(std::string(path) + ".", keys, access(old_), access(new_));
    }

    template <class S, class Access>
    void array(std::string_view path, std::span<const schema::key<S>> keys, Access access,
               schema::reload count_reload) {
        const auto& a = access(old_);
        const auto& b = access(new_);
        if (a.size() != b.size()) {
            out_.push_back(config_change{std::string(path), entries(a.size()), entries(b.size()),
                                         count_reload == schema::reload::yes});
        }
        for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
            rows(std::string(path) + "[" + std::to_string(i) + "].", keys, a[i], b[i]);
        }
    }
};

}  // namespace

bool config_diff::all_reloadable() const {
    return std::all_of(changes_.begin(), changes_.end(),
                       [](const auto& c) { return c.reloadable_; });
}

std::vector<std::string> config_diff::restart_required() const {
    std::vector<std::string> out;
    for (const auto& c : changes_) {
        if (!c.reloadable_) out.push_back(c.path_);
    }
    return out;
}

config_diff diff_configs(const stratod_config& old_config, const stratod_config& new_config) {
    config_diff diff;
    schema::for_each_section(differ{old_config, new_config, diff.changes_});
    return diff;
}

}  // namespace strato::control
