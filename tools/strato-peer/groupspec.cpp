#include "tools/strato-peer/groupspec.hpp"

#include <cstring>

#include "crypto/sha.hpp"
#include "dataplane/flash/group.hpp"
#include "tools/strato-peer/hex.hpp"

namespace strato::peer {

std::string group_id_of_spec(std::string_view spec, std::array<std::uint8_t, 32>& id, std::string& hashed) {
    if (spec.size() > max_groupspec_chars)
        return "group spec is " + std::to_string(spec.size()) + " characters, at most " +
               std::to_string(max_groupspec_chars);
    if (spec.substr(0, 2) != "G:") {
        auto raw = parse_hex(spec);
        if (!raw || raw->size() != id.size())
        {
            std::string e(1, '"');
            e.append(spec.substr(0, 80));
            e.append("\" is neither a groupspec (G:...) nor 64 hex digits");
            return e;
        }
        std::memcpy(id.data(), raw->data(), id.size());
        hashed.clear();
        return {};
    }
    // Entries [len][type][value...] as hex pairs after "G:", up to an entry
    // of length 0.
    const std::string_view hex = spec.substr(2);
    bool version2 = false;
    std::size_t pos = 0;
    const auto byte_at = [&](std::size_t p, std::uint8_t& b) {
        if (p + 2 > hex.size()) return false;
        auto v = parse_hex(hex.substr(p, 2));
        if (!v || v->size() != 1) return false;
        b = (*v)[0];
        return true;
    };
    for (;;) {
        std::uint8_t len = 0;
        if (!byte_at(pos, len)) return "groupspec ends without its terminating 00 entry";
        if (len == 0) break;
        std::uint8_t type = 0, value = 0;
        if (!byte_at(pos + 2, type)) return "groupspec entry at offset " + std::to_string(pos / 2) + " is truncated";
        for (std::size_t i = 1; i < len; ++i)
            if (!byte_at(pos + 2 + 2 * i, value)) return "groupspec entry at offset " + std::to_string(pos / 2) + " is truncated";
        if (type == 0x7f && len == 2) {
            (void)byte_at(pos + 4, value);
            version2 = value == 0x02;
        }
        pos += 2 + 2 * std::size_t{len};
    }
    hashed = std::string(spec.substr(0, 2 + pos));
    id = crypto::sha256(wire::bytes{reinterpret_cast<const std::uint8_t*>(hashed.data()), hashed.size()});
    if (version2) id = crypto::sha256(wire::bytes{id.data(), id.size()});
    return {};
}

std::vector<std::uint8_t> group_join_message(const std::array<std::uint8_t, 32>& id) {
    std::vector<std::uint8_t> out(64);
    wire::writer w(wire::mutable_bytes{out.data(), out.size()});
    flash::write_group_join(w, wire::bytes{id.data(), id.size()});
    out.resize(w.written().size());
    return out;
}

std::vector<std::uint8_t> legacy_group_join_message(std::string_view text) {
    std::vector<std::uint8_t> out(text.size() + 16);
    wire::writer w(wire::mutable_bytes{out.data(), out.size()});
    w.u8(flash::group_join_code);
    w.vlu(text.size() + 1);
    w.u8(0x10);
    w.put(wire::bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    out.resize(w.written().size());
    return out;
}

} // namespace strato::peer
