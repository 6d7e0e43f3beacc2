// libFuzzer target: the AMF0 pull reader (with AMF3 skipping) on arbitrary
// bytes. Checks invariants besides "no crash": the reader never reports a
// position past the input, depth stays within the limit, and skip() of a
// container returns to the depth before it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dataplane/flash/amf0.hpp"

using namespace strato;
using namespace strato::flash;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const wire::bytes in{data, size};
    // Small limits on odd first bytes so both limit paths get exercised.
    amf0_limits lim;
    if (size > 0 && (data[0] & 1)) lim = {.max_depth = 3, .max_members = 8};
    amf0_reader r(in, lim);
    amf0_value v;
    bool alternate = false;
    while (!r.at_end()) {
        const std::uint32_t before = r.depth();
        if (r.next(v) != wire::drop_reason::none) break;
        if (r.position() > size || r.depth() > lim.max_depth || r.depth() > amf0_max_depth) std::abort();
        if (v.type == amf0_type::string && !v.text.empty() &&
            (v.text.data() < reinterpret_cast<const char*>(data) ||
             v.text.data() + v.text.size() > reinterpret_cast<const char*>(data) + size))
            std::abort();
        // Skip every other container instead of walking it.
        if (v.is_begin() && (alternate = !alternate)) {
            if (r.skip(v) != wire::drop_reason::none) break;
            if (r.depth() != before) std::abort();
        }
    }
    return 0;
}
