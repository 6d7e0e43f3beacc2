#include "dataplane/wire/mix.hpp"
#include "control/groups/group_table.hpp"

#include <algorithm>
#include <cstring>

#include "crypto/sha.hpp"

namespace strato::control {

using wire::drop_reason;

namespace {
std::uint64_t mix(std::uint64_t k) noexcept { return wire::mix64(k); }
} // namespace

// Group IDs in the current join form are chosen by clients, so the bucket
// hash mixes all 32 bytes with a per-process seed: a client cannot line up
// IDs that share a bucket by fixing a prefix.
std::size_t group_table::group_key_hash::operator()(const group_key& k) const noexcept {
    std::uint64_t h = mix(seed ^ k.app);
    for (std::size_t i = 0; i < group_id_bytes; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, k.id.data() + i, 8);
        h = mix(h ^ w);
    }
    return static_cast<std::size_t>(h);
}

std::uint64_t group_table::ring_position(const member_peer_id& peer) noexcept {
    std::array<std::uint8_t, 34> epd{0x21, 0x0f};
    std::memcpy(epd.data() + 2, peer.data(), peer.size());
    const auto address = crypto::sha256(wire::bytes{epd.data(), epd.size()});
    std::uint64_t r = 0;
    for (std::size_t i = 0; i < 8; ++i) r = r << 8 | address[i];
    return r;
}

bool group_table::init(const group_limits& limits, std::vector<app_group_rules> app_rules, std::uint64_t seed,
                       std::string& error) {
    if (limits.max_groups == 0 || limits.max_memberships == 0 || limits.max_members_per_group == 0) {
        error = "group limits: max_groups, max_memberships and max_members_per_group must be at least 1";
        return false;
    }
    for (std::size_t i = 0; i < app_rules.size(); ++i) {
        const auto& p = app_rules[i].policy;
        if (p.max_members == 0 || p.max_members > max_bootstrap_members) {
            error = "apps[" + std::to_string(i) + "].group_bootstrap_max: " + std::to_string(p.max_members) +
                    " is not in 1.." + std::to_string(max_bootstrap_members);
            return false;
        }
        if (p.notify_neighbours > max_notified_neighbours) {
            error = "apps[" + std::to_string(i) + "].group_notify_neighbours: " + std::to_string(p.notify_neighbours) +
                    " is above " + std::to_string(max_notified_neighbours);
            return false;
        }
    }
    limits_ = limits;
    app_rules_ = std::move(app_rules);
    random_state_ = mix(seed) | 1;
    index_ = decltype(index_)(1024, group_key_hash{mix(seed + 1)});
    app_groups_.assign(std::max<std::size_t>(app_rules_.size(), 1), 0);
    app_members_.assign(app_groups_.size(), 0);
    return true;
}

const app_group_rules& group_table::rules_of(std::uint16_t app) const noexcept {
    return app < app_rules_.size() ? app_rules_[app] : default_rules_;
}

std::uint64_t group_table::next_random() noexcept {
    // xorshift64*: only spreads the random bootstrap picks, no secrecy needed.
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    return random_state_ * 0x2545f4914f6cdd1dull;
}

std::uint32_t group_table::find_flow(const member_key& who, std::uint32_t* prev) const noexcept {
    const auto it = sessions_.find(session_key(who.worker, who.session));
    std::uint32_t before = none;
    for (std::uint32_t m = it == sessions_.end() ? none : it->second; m != none; m = members_[m].next_in_session) {
        if (members_[m].flow == who.flow) {
            if (prev) *prev = before;
            return m;
        }
        before = m;
    }
    return none;
}

std::size_t group_table::ring_index(const group_entry& g, std::uint32_t m) const noexcept {
    const auto& rec = members_[m];
    const auto it = std::lower_bound(g.ring.begin(), g.ring.end(), m, [&](std::uint32_t a, std::uint32_t) {
        const auto& x = members_[a];
        return x.ring != rec.ring ? x.ring < rec.ring : std::memcmp(x.peer.data(), rec.peer.data(), 32) < 0 ||
                                                            (x.peer == rec.peer && a < m);
    });
    return static_cast<std::size_t>(it - g.ring.begin());
}

void group_table::remove_membership(std::uint32_t m) {
    membership& rec = members_[m];
    group_entry& g = groups_[rec.group];
    const std::size_t pos = ring_index(g, m);
    if (pos < g.ring.size() && g.ring[pos] == m) g.ring.erase(g.ring.begin() + static_cast<std::ptrdiff_t>(pos));
    // Unlink from the session's chain.
    const std::uint64_t sk = session_key(rec.worker, rec.session);
    auto it = sessions_.find(sk);
    if (it != sessions_.end()) {
        if (it->second == m) {
            if (rec.next_in_session == none) sessions_.erase(it);
            else it->second = rec.next_in_session;
        } else {
            for (std::uint32_t p = it->second; p != none; p = members_[p].next_in_session) {
                if (members_[p].next_in_session == m) {
                    members_[p].next_in_session = rec.next_in_session;
                    break;
                }
            }
        }
    }
    if (rec.app < app_members_.size()) --app_members_[rec.app];
    --used_;
    free_members_.push_back(m);
    ++stats_.leaves;
    if (g.ring.empty()) {
        index_.erase(group_key{g.id, g.app});
        if (g.app < app_groups_.size()) --app_groups_[g.app];
        g.live = false;
        std::vector<std::uint32_t>().swap(g.ring);
        free_groups_.push_back(rec.group);
        ++stats_.groups_removed;
    }
    rec = membership{};
}

bool group_table::leave(const member_key& who) {
    const std::uint32_t m = find_flow(who);
    if (m == none) return false;
    remove_membership(m);
    return true;
}

std::size_t group_table::leave_session(std::uint16_t worker, std::uint32_t session) {
    std::size_t n = 0;
    for (;;) {
        const auto it = sessions_.find(session_key(worker, session));
        if (it == sessions_.end()) return n;
        remove_membership(it->second);
        ++n;
    }
}

join_answer group_table::join(const join_request& r, const member_filter& filter) {
    join_answer out;
    const auto& rules = rules_of(r.app);
    const group_key key{r.group, r.app};
    auto found = index_.find(key);

    // A flow that is already a member: the same group again is a re-join
    // (answered again); another group moves it (Mona's behaviour, §7.2).
    if (const std::uint32_t m = find_flow(r.who); m != none) {
        if (found != index_.end() && members_[m].group == found->second) {
            ++stats_.rejoins;
            answer(groups_[found->second], ring_index(groups_[found->second], m), rules, filter, out);
            return out;
        }
        out.moved = true;
    }
    // A session joining a group it is already in on another flow: the old
    // flow's membership gives way (one membership per session and group).
    std::uint32_t same_group = none;
    if (found != index_.end()) {
        const auto it = sessions_.find(session_key(r.who.worker, r.who.session));
        for (std::uint32_t m = it == sessions_.end() ? none : it->second; m != none; m = members_[m].next_in_session)
            if (members_[m].group == found->second) same_group = m;
    }

    // Limits, checked before anything changes. Memberships given up by this
    // join (moved flow, replaced flow) are credited.
    const std::uint32_t moving = out.moved ? find_flow(r.who) : none;
    const std::size_t freed = (moving != none) + (same_group != none && same_group != moving);
    const bool moving_app = moving != none && members_[moving].app == r.app;
    if (found == index_.end()) {
        const bool last_of_its_group = moving != none && groups_[members_[moving].group].ring.size() == 1;
        if (index_.size() - last_of_its_group >= limits_.max_groups) {
            out.error = drop_reason::group_table_full;
            ++stats_.refused_groups_full;
            return out;
        }
        if (rules.max_groups != 0 && app_groups(r.app) - (last_of_its_group && moving_app) >= rules.max_groups) {
            out.error = drop_reason::app_group_limit;
            ++stats_.refused_app_limit;
            return out;
        }
    } else if (same_group == none && groups_[found->second].ring.size() >= limits_.max_members_per_group) {
        out.error = drop_reason::group_members_full;
        ++stats_.refused_group_members_full;
        return out;
    }
    if (used_ - freed >= limits_.max_memberships) {
        out.error = drop_reason::group_table_full;
        ++stats_.refused_memberships_full;
        return out;
    }
    if (rules.max_members != 0 && app_members(r.app) - (freed != 0 && moving_app) >= rules.max_members) {
        out.error = drop_reason::app_group_limit;
        ++stats_.refused_app_limit;
        return out;
    }

    if (moving != none) remove_membership(moving);
    if (same_group != none && same_group != moving) remove_membership(same_group);
    found = index_.find(key);  // the removals above may have deleted this group (its last member moved)
    std::uint32_t gi;
    if (found == index_.end()) {
        if (!free_groups_.empty()) {
            gi = free_groups_.back();
            free_groups_.pop_back();
        } else {
            gi = static_cast<std::uint32_t>(groups_.size());
            groups_.emplace_back();
        }
        groups_[gi].id = r.group;
        groups_[gi].app = r.app;
        groups_[gi].live = true;
        index_.emplace(key, gi);
        if (r.app >= app_groups_.size()) {
            app_groups_.resize(r.app + 1u, 0);
            app_members_.resize(r.app + 1u, 0);
        }
        ++app_groups_[r.app];
        out.created_group = true;
        ++stats_.groups_created;
    } else {
        gi = found->second;
    }
    std::uint32_t m;
    if (!free_members_.empty()) {
        m = free_members_.back();
        free_members_.pop_back();
    } else {
        m = static_cast<std::uint32_t>(members_.size());
        members_.emplace_back();
    }
    membership& rec = members_[m];
    rec.peer = r.peer;
    rec.ring = ring_position(r.peer);
    rec.flow = r.who.flow;
    rec.session = r.who.session;
    rec.worker = r.who.worker;
    rec.app = r.app;
    rec.group = gi;
    auto [sit, inserted] = sessions_.try_emplace(session_key(r.who.worker, r.who.session), m);
    rec.next_in_session = inserted ? none : sit->second;
    sit->second = m;
    group_entry& g = groups_[gi];
    const std::size_t pos = ring_index(g, m);
    g.ring.insert(g.ring.begin() + static_cast<std::ptrdiff_t>(pos), m);
    ++used_;
    if (r.app >= app_members_.size()) {
        app_groups_.resize(r.app + 1u, 0);
        app_members_.resize(r.app + 1u, 0);
    }
    ++app_members_[r.app];
    ++stats_.joins;
    answer(g, pos, rules, filter, out);
    return out;
}

// Ring neighbours first (both sides, nearest first, alternating), then
// random members, all distinct, never the joiner's own peer, only members
// the filter calls introducible. Then the neighbours to tell.
void group_table::answer(const group_entry& g, std::size_t pos, const app_group_rules& rules,
                         const member_filter& filter, join_answer& out) {
    const auto& p = rules.policy;
    const std::size_t n = g.ring.size();
    const membership& self = members_[g.ring[pos]];
    std::array<std::uint32_t, max_bootstrap_members> picked{};
    std::size_t count = 0;
    const std::size_t cap = std::min<std::size_t>(p.max_members, max_bootstrap_members);
    const auto usable = [&](std::uint32_t m) {
        const membership& x = members_[m];
        if (x.peer == self.peer) return false;
        for (std::size_t i = 0; i < count; ++i)
            if (picked[i] == m || members_[picked[i]].peer == x.peer) return false;
        return filter.introducible(x.peer, x.worker, x.session);
    };
    // Walk outwards: step k looks at pos+k and pos-k. Members that fail the
    // filter are skipped without using up a neighbour place, but the walk is
    // bounded so a group full of unreachable members costs O(limit).
    const auto walk = [&](std::size_t wanted, std::size_t max_steps, auto&& take) {
        std::size_t right = 0, left = 0;
        for (std::size_t k = 1; k < n && k <= max_steps && (right < wanted || left < wanted); ++k) {
            if (right < wanted && take(g.ring[(pos + k) % n])) ++right;
            if (left < wanted && (pos + n - k) % n != (pos + k) % n && take(g.ring[(pos + n - k) % n])) ++left;
        }
    };
    const std::size_t steps = 4 * max_bootstrap_members;
    walk(p.neighbours_each_side, steps, [&](std::uint32_t m) {
        if (count >= cap || !usable(m)) return false;
        picked[count++] = m;
        return true;
    });
    for (std::size_t tries = 0, want = std::min<std::size_t>(count + p.random_members, cap);
         count < want && tries < 4u * p.random_members && n > 1; ++tries) {
        const std::uint32_t m = g.ring[next_random() % n];
        if (usable(m)) picked[count++] = m;
    }
    for (std::size_t i = 0; i < count; ++i) out.members[i] = members_[picked[i]].peer;
    out.member_count = static_cast<std::uint8_t>(count);
    stats_.members_sent += count;

    // The newcomer's ring neighbours learn its ID (Mona's side of §7.3).
    walk(std::min<std::size_t>(p.notify_neighbours, max_notified_neighbours), steps, [&](std::uint32_t m) {
        const membership& x = members_[m];
        if (x.peer == self.peer || out.notify_count == out.notify.size()) return false;
        for (std::size_t i = 0; i < out.notify_count; ++i)
            if (out.notify[i].who == member_key{x.worker, x.session, x.flow}) return false;
        if (!filter.introducible(x.peer, x.worker, x.session)) return false;
        out.notify[out.notify_count++] = notify_target{member_key{x.worker, x.session, x.flow}};
        return true;
    });
    stats_.notifications += out.notify_count;
}

bool group_table::members_of(std::uint16_t app, const group_id& g, std::vector<member_peer_id>& out) const {
    const auto it = index_.find(group_key{g, app});
    if (it == index_.end()) return false;
    for (std::uint32_t m : groups_[it->second].ring) out.push_back(members_[m].peer);
    return true;
}

bool group_table::find_any_app(const group_id& g, group_summary& out) const {
    for (std::size_t app = 0; app < app_groups_.size(); ++app) {
        const auto it = index_.find(group_key{g, static_cast<std::uint16_t>(app)});
        if (it == index_.end()) continue;
        out = group_summary{static_cast<std::uint16_t>(app), g, static_cast<std::uint32_t>(groups_[it->second].ring.size())};
        return true;
    }
    return false;
}

std::uint64_t group_table::page(std::uint64_t cursor, std::size_t limit, std::vector<group_summary>& out,
                                std::optional<std::uint16_t> app, std::size_t max_scan) const {
    std::size_t i = static_cast<std::size_t>(cursor);
    const std::size_t stop = out.size() + std::max<std::size_t>(limit, 1);
    const std::size_t scan_end = i + std::max<std::size_t>(max_scan, 1);
    for (; i < groups_.size() && i < scan_end && out.size() < stop; ++i) {
        const auto& g = groups_[i];
        if (g.live && (!app || g.app == *app))
            out.push_back(group_summary{g.app, g.id, static_cast<std::uint32_t>(g.ring.size())});
    }
    return i < groups_.size() ? i : 0;
}

} // namespace strato::control
