#include "dataplane/stratod/group_service.hpp"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>
#include <random>

namespace strato::stratod {

namespace {
// Members handed out must be connected, introducible (setPeerInfo seen),
// and still on the session that joined (a peer that reconnected elsewhere
// is reached through its new session's membership).
struct directory_filter final : control::member_filter {
    const control::peer_directory* directory = nullptr;
    bool introducible(const control::member_peer_id& peer, std::uint16_t worker,
                      std::uint32_t session) const noexcept override {
        control::peer_view v;
        return directory && directory->lookup(peer, v) && v.introducible && v.lcore == worker && v.session_id == session;
    }
};
} // namespace

control::group_limits group_service::limits_of(const control::stratod_config& cfg) {
    control::group_limits l;
    l.max_groups = cfg.sessions_.max_groups_;
    l.max_memberships = cfg.sessions_.max_group_memberships_;
    l.max_members_per_group = cfg.sessions_.max_group_members_;
    return l;
}

std::vector<control::app_group_rules> group_service::rules_of(const control::stratod_config& cfg) {
    std::vector<control::app_group_rules> rules;
    for (const auto& a : cfg.apps_) {
        control::app_group_rules r;
        r.max_groups = a.max_groups_.value_or(0);
        r.max_members = a.max_group_members_.value_or(0);
        r.policy.neighbours_each_side = static_cast<std::uint8_t>(a.group_bootstrap_neighbours_);
        r.policy.random_members = static_cast<std::uint8_t>(a.group_bootstrap_random_);
        r.policy.max_members = static_cast<std::uint8_t>(a.group_bootstrap_max_);
        r.policy.notify_neighbours = static_cast<std::uint8_t>(a.group_notify_neighbours_);
        rules.push_back(r);
    }
    return rules;
}

bool group_service::init(const control::stratod_config& cfg, const control::peer_directory& directory,
                         std::vector<rte_ring*> handoff, rte_mempool* pool, std::string& error) {
    directory_ = &directory;
    handoff_ = std::move(handoff);
    pool_ = pool;
    if (!table_.init(limits_of(cfg), rules_of(cfg), std::random_device{}(), error)) {
        error = "group table: " + error;
        return false;
    }
    return true;
}

void group_service::send_command(std::uint16_t worker, const group_command& c) {
    rte_mbuf* m = worker < handoff_.size() && handoff_[worker] && pool_ ? rte_pktmbuf_alloc(pool_) : nullptr;
    if (!m || rte_pktmbuf_tailroom(m) < sizeof c) {
        if (m) rte_pktmbuf_free(m);
        ++stats_.commands_lost;
        return;
    }
    std::memcpy(rte_pktmbuf_mtod(m, void*), &c, sizeof c);
    m->port = group_marker;
    if (rte_ring_enqueue(handoff_[worker], m) != 0) {
        rte_pktmbuf_free(m);
        ++stats_.commands_lost;
    }
}

void group_service::apply(const peer_event& e) {
    using kind = peer_event::kind;
    if (e.what != kind::group_join && e.what != kind::group_leave && e.what != kind::disconnected) return;
    std::lock_guard lock(mutex_);
    if (e.what == kind::disconnected) {
        (void)table_.leave_session(e.worker, e.session_id);
        return;
    }
    const control::member_key who{e.worker, e.session_id, e.group_flow};
    if (e.what == kind::group_leave) {
        (void)table_.leave(who);
        return;
    }
    control::join_request r;
    r.app = e.app;
    std::memcpy(r.group.data(), e.group_id.data(), r.group.size());
    std::memcpy(r.peer.data(), e.peer_id.data(), r.peer.size());
    r.who = who;
    directory_filter filter;
    filter.directory = directory_;
    const auto a = table_.join(r, filter);

    group_command answer{};
    answer.session_id = e.session_id;
    answer.flow = e.group_flow;
    answer.status = a.error;
    answer.count = a.member_count;
    for (std::size_t i = 0; i < a.member_count; ++i) std::memcpy(answer.peers[i], a.members[i].data(), 32);
    if (a.error != wire::drop_reason::none || a.member_count != 0) {
        send_command(e.worker, answer);
        ++stats_.answers_sent;
    }
    // Neighbours told about a newcomer they cannot be introduced to would only fail.
    if (a.error != wire::drop_reason::none || !filter.introducible(r.peer, e.worker, e.session_id)) return;
    for (std::size_t i = 0; i < a.notify_count; ++i) {
        group_command tell{};
        tell.session_id = a.notify[i].who.session;
        tell.flow = a.notify[i].who.flow;
        tell.count = 1;
        std::memcpy(tell.peers[0], r.peer.data(), 32);
        send_command(a.notify[i].who.worker, tell);
        ++stats_.notifications_sent;
    }
}

} // namespace strato::stratod
