#pragma once
// Cross-field rules (internal to control/): what no single schema row can
// check. They run after every key has been read, and skip a rule whose inputs
// already had an error, so one mistake is reported once, not echoed by every
// rule that depends on it.
#include <string>
#include <string_view>
#include <vector>

#include "control/config.hpp"

namespace strato::control {

class validation_context {
public:
    void mark_bad(std::string_view path) { bad_.emplace_back(path); }
    // True when path, a parent of it or a child of it had an error.
    bool bad(std::string_view path) const;
    // True when exactly this path had an error.
    bool bad_exact(std::string_view path) const {
        for (const auto& b : bad_) {
            if (b == path) return true;
        }
        return false;
    }

private:
    std::vector<std::string> bad_;
};

// Checks the rules, appends errors, and resolves derived values
// (ports[].rx_queues, workers.resolved_queues_, rest.token_ from token_file).
void validate_cross_fields(stratod_config& config, const validation_context& ctx,
                           std::vector<config_error>& errors);

}  // namespace strato::control
