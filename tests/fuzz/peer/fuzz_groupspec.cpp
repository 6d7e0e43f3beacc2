// libFuzzer target: groupspec text -> group ID and join messages, on
// arbitrary text (the command line is input too).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/strato-peer/groupspec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::array<std::uint8_t, 32> id{};
    std::string hashed;
    if (strato::peer::group_id_of_spec(text, id, hashed).empty()) {
        (void)strato::peer::group_join_message(id);
        if (!hashed.empty()) (void)strato::peer::legacy_group_join_message(hashed);
    }
    return 0;
}
