#pragma once
// The control thread's side of the peer directory: applies the workers'
// peer events (single writer) so that the directory always names the newest
// session of each peer, its public and private addresses.
#include "control/directory/peer_directory.hpp"
#include "dataplane/stratod/session_stage.hpp"

namespace strato::stratod {

struct directory_feed_stats {
    std::uint64_t applied = 0;
    std::uint64_t refused = 0;  // table full or bad values
};

inline void apply_peer_event(control::peer_directory& dir, const peer_event& e, directory_feed_stats& stats) noexcept {
    using kind = peer_event::kind;
    control::peer_id id;
    std::copy(e.peer_id.begin(), e.peer_id.end(), id.begin());
    control::write_result r;
    switch (e.what) {
    case kind::connected:
    case kind::peer_info:
    case kind::address_changed: {
        control::peer_record rec;
        rec.id = id;
        rec.public_address = e.address;
        rec.private_count = e.private_count;
        for (std::size_t i = 0; i < e.private_count && i < rec.private_addresses.size(); ++i)
            rec.private_addresses[i] = e.private_addresses[i];
        // tcserver only introduces peers that sent setPeerInfo (protocol
        // reference §4.2, D13): connected alone is not introducible.
        rec.introducible = e.what != kind::connected;
        rec.lcore = e.worker;
        rec.session_id = e.session_id;
        rec.app_index = e.app;
        rec.connect_time = e.time_s;
        rec.last_activity = e.time_s;
        if (control::peer_view old; e.what != kind::connected && dir.lookup(id, old) && old.session_id == e.session_id)
            rec.connect_time = old.connect_time;
        r = dir.insert_or_update(rec);
        break;
    }
    case kind::disconnected:
        (void)dir.remove_by_session(e.worker, e.session_id);
        break;
    case kind::group_join:
    case kind::group_leave:
        return;  // the group table's (group_service)
    }
    if (r.ok()) ++stats.applied;
    else ++stats.refused;
}

} // namespace strato::stratod
