#pragma once
// Where the golden captures are, and the five names (README "Files").
#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace strato::dump::test {

inline constexpr std::array<const char*, 5> capture_names{
    "rtmfpcpp-tcserver-connect", "rtmfpcpp-tcserver-p2p", "librtmfp-monaserver2-connect",
    "librtmfp-monaserver2-p2p", "librtmfp-monaserver2-netgroup"};

// STRATO_CAPTURES is set by meson (../shared/captures from the source root).
inline std::filesystem::path captures_dir() {
    const char* d = std::getenv("STRATO_CAPTURES");
    return d ? std::filesystem::path(d) : std::filesystem::path("../shared/captures");
}

inline std::string capture_file(const char* name, const char* ext) {
    return (captures_dir() / (std::string(name) + ext)).string();
}

} // namespace strato::dump::test
