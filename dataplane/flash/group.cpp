#include "dataplane/flash/group.hpp"

#include <cstring>

namespace strato::flash {

using wire::drop_reason;

// The bytes after the code look like an option header (length 33, type
// 0x15, protocol reference §7.2); parsed the way Cumulus and Mona do.
wire::result<group_join> read_group_join(wire::bytes message) noexcept {
    wire::reader in(message);
    std::uint8_t code = 0, kind = 0;
    std::uint64_t len = 0;
    if (in.u8(code) != drop_reason::none || code != group_join_code) return drop_reason::bad_group_join;
    if (in.vlu(len) != drop_reason::none || len == 0 || len > in.remaining())
        return drop_reason::bad_group_join;
    (void)in.u8(kind);
    const auto body_len = static_cast<std::size_t>(len - 1);
    group_join j;
    if (kind == 0x10) {
        j.legacy = true;
        (void)in.take(body_len, j.groupspec);
        return j;
    }
    if (kind != 0x15 || body_len != group_id_size) return drop_reason::bad_group_join;
    (void)in.take(body_len, j.id);
    return j;
}

void group_id_of(const group_join& j, sha256_fn sha256, std::uint8_t (&out)[32]) noexcept {
    if (j.legacy) {
        if (sha256) sha256(j.groupspec, out);  // no hash given: out is left as it was
        return;
    }
    if (j.id.size() == group_id_size) std::memcpy(out, j.id.data(), group_id_size);
}

void write_group_join(wire::writer& w, wire::bytes group_id) noexcept {
    if (group_id.size() != group_id_size) return w.set_overflow();
    w.u8(group_join_code);
    w.vlu(group_id_size + 1);
    w.u8(0x15);
    w.put(group_id);
}

void write_group_member(wire::writer& w, wire::bytes peer_id) noexcept {
    if (peer_id.size() != peer_id_size) return w.set_overflow();
    w.u8(group_member_code);
    w.put(peer_id);
}

} // namespace strato::flash
