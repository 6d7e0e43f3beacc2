#pragma once
// config_store: the config file's text and its validated form, with the
// all-or-nothing edit operations the API offers (PUT /v1/config, apps add
// and remove). Shared by fake_backend and stratod's backend so both validate
// the same way: every edit produces a whole new TOML text that goes through
// parse_config_text, exactly like a file given at start or on SIGHUP.
//
// Thread-safe (one mutex): edits are rare and control-side only.
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "control/config.hpp"
#include "control/rest/backend.hpp"

namespace strato::rest {

// The TOML document as JSON (tables -> objects, dates -> strings).
// Throws std::runtime_error when the text is not TOML.
boost::json::value toml_to_json(std::string_view toml_text);

class config_store {
public:
    // Called with the old and the new config after validation and before
    // the new one is published (still under the store's lock); stratod
    // pushes the reloadable part to the dataplane here. May throw to refuse,
    // in which case nothing changes and the caller gets a 500.
    using apply_hook = std::function<void(const control::stratod_config& old_config,
                                          const control::stratod_config& new_config,
                                          const control::config_diff& diff)>;

    // text must be a valid config (std::invalid_argument otherwise, with
    // every error).
    explicit config_store(std::string text, apply_hook hook = {});

    std::string text() const;
    control::stratod_config config() const;
    boost::json::value json() const;

    config_apply_result apply(std::string_view text, bool dry_run);

    std::vector<app_spec> apps() const;
    app_change_result add_app(const app_spec& app);
    app_change_result remove_app(std::string_view path);

private:
    // Validates candidate; commits it unless invalid or dry_run.
    config_apply_result commit_locked(std::string candidate, bool dry_run);

    mutable std::mutex mutex_;
    std::string text_;
    control::stratod_config config_;
    apply_hook hook_;
};

}  // namespace strato::rest
