// Arbitrary text into the config parser: it must answer (config or errors),
// never crash, hang or leak, and every error must be one line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = strato::control::parse_config_text(text, "fuzz.toml");
    if (result.ok() != result.errors_.empty()) std::abort();
    for (const auto& e : result.errors_) {
        if (e.text().find('\n') != std::string::npos) std::abort();
    }
    if (result.ok()) {
        // A valid config must diff cleanly against itself and the defaults.
        if (!strato::control::diff_configs(*result.config_, *result.config_).empty()) std::abort();
        (void)strato::control::diff_configs(strato::control::stratod_config{}, *result.config_);
    }
    return 0;
}
