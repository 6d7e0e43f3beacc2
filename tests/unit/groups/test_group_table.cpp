// The group table and its bootstrap policy (issue 7, protocol reference §7).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "control/groups/group_table.hpp"

using namespace strato;
using namespace strato::control;
using wire::drop_reason;

namespace {

member_peer_id peer(std::uint32_t n) {
    member_peer_id p{};
    p[0] = static_cast<std::uint8_t>(n >> 24);
    p[1] = static_cast<std::uint8_t>(n >> 16);
    p[2] = static_cast<std::uint8_t>(n >> 8);
    p[3] = static_cast<std::uint8_t>(n);
    p[31] = 0x5a;
    return p;
}
group_id gid(std::uint8_t n) {
    group_id g{};
    g.fill(n);
    return g;
}

struct everyone final : member_filter {
    std::set<member_peer_id> hidden;
    bool introducible(const member_peer_id& p, std::uint16_t, std::uint32_t) const noexcept override {
        return hidden.count(p) == 0;
    }
};

struct fixture {
    group_table t;
    everyone filter;
    explicit fixture(group_limits l = {}, std::vector<app_group_rules> rules = {app_group_rules{}}) {
        std::string error;
        BOOST_REQUIRE_MESSAGE(t.init(l, std::move(rules), 42, error), error);
    }
    // Session n, flow 3, on worker n % 2: one peer per session.
    join_answer join(std::uint32_t n, std::uint8_t g = 1, std::uint64_t flow = 3, std::uint16_t app = 0) {
        join_request r;
        r.app = app;
        r.group = gid(g);
        r.peer = peer(n);
        r.who = member_key{static_cast<std::uint16_t>(n % 2), n, flow};
        return t.join(r, filter);
    }
    std::vector<member_peer_id> ring(std::uint8_t g = 1, std::uint16_t app = 0) {
        std::vector<member_peer_id> v;
        (void)t.members_of(app, gid(g), v);
        return v;
    }
};

std::set<member_peer_id> answered(const join_answer& a) {
    return std::set<member_peer_id>(a.members.begin(), a.members.begin() + a.member_count);
}

} // namespace

BOOST_AUTO_TEST_SUITE(group_table_tests)

BOOST_AUTO_TEST_CASE(ring_position_is_the_group_address_prefix) {
    // SHA-256(21 0f || 32 zero bytes), first 8 bytes, computed independently
    // with `printf '\x21\x0f' ; head -c32 /dev/zero` | sha256sum.
    BOOST_TEST(group_table::ring_position(member_peer_id{}) == 0x38a3a3d92c7f247cull);
}

BOOST_AUTO_TEST_CASE(first_member_learns_nobody_and_the_group_exists) {
    fixture f;
    const auto a = f.join(1);
    BOOST_TEST((a.error == drop_reason::none));
    BOOST_TEST(a.created_group);
    BOOST_TEST(a.member_count == 0);
    BOOST_TEST(a.notify_count == 0);
    BOOST_TEST(f.t.group_count() == 1u);
    BOOST_TEST(f.t.membership_count() == 1u);
}

BOOST_AUTO_TEST_CASE(second_member_learns_the_first_and_the_first_is_told) {
    fixture f;
    (void)f.join(1);
    const auto a = f.join(2);
    BOOST_TEST(a.member_count == 1);
    BOOST_TEST((a.members[0] == peer(1)));
    BOOST_TEST(a.notify_count == 1);
    BOOST_TEST((a.notify[0].who == member_key{1, 1, 3}));
}

BOOST_AUTO_TEST_CASE(answer_is_ring_neighbours_plus_random_capped) {
    app_group_rules rules;
    rules.policy = bootstrap_policy{2, 2, 6, 1};
    fixture f({}, {rules});
    for (std::uint32_t n = 1; n <= 50; ++n) (void)f.join(n);
    const auto a = f.join(100);
    BOOST_TEST(a.member_count == 6);
    const auto members = answered(a);
    BOOST_TEST(members.size() == 6u);  // distinct
    BOOST_TEST(members.count(peer(100)) == 0u);
    // The two nearest on each side by group address are in the answer.
    const auto ring = f.ring();
    const auto self = std::find(ring.begin(), ring.end(), peer(100)) - ring.begin();
    const auto n = static_cast<std::ptrdiff_t>(ring.size());
    for (std::ptrdiff_t k : {1, 2}) {
        BOOST_TEST(members.count(ring[static_cast<std::size_t>((self + k) % n)]) == 1u);
        BOOST_TEST(members.count(ring[static_cast<std::size_t>((self - k + n) % n)]) == 1u);
    }
    // Notified: the nearest member on each side.
    BOOST_TEST(a.notify_count == 2);
}

BOOST_AUTO_TEST_CASE(ring_is_sorted_by_group_address) {
    fixture f;
    for (std::uint32_t n = 1; n <= 40; ++n) (void)f.join(n);
    const auto ring = f.ring();
    BOOST_TEST(ring.size() == 40u);
    for (std::size_t i = 1; i < ring.size(); ++i)
        BOOST_TEST(group_table::ring_position(ring[i - 1]) <= group_table::ring_position(ring[i]));
}

BOOST_AUTO_TEST_CASE(members_that_are_not_introducible_are_skipped) {
    fixture f;
    for (std::uint32_t n = 1; n <= 5; ++n) (void)f.join(n);
    for (std::uint32_t n = 1; n <= 4; ++n) f.filter.hidden.insert(peer(n));
    const auto a = f.join(9);
    BOOST_TEST(a.member_count == 1);
    BOOST_TEST((a.members[0] == peer(5)));
    BOOST_TEST(a.notify_count == 1);
    BOOST_TEST((a.notify[0].who == member_key{1, 5, 3}));
}

BOOST_AUTO_TEST_CASE(leave_and_empty_groups_disappear) {
    fixture f;
    (void)f.join(1);
    (void)f.join(2);
    BOOST_TEST(f.t.leave(member_key{1, 1, 3}));
    BOOST_TEST(!f.t.leave(member_key{1, 1, 3}));
    BOOST_TEST(f.t.group_count() == 1u);
    BOOST_TEST(f.t.leave(member_key{0, 2, 3}));
    BOOST_TEST(f.t.group_count() == 0u);
    BOOST_TEST(f.t.membership_count() == 0u);
    BOOST_TEST(f.t.app_groups(0) == 0u);
    BOOST_TEST(f.t.app_members(0) == 0u);
    BOOST_TEST(f.t.stats().groups_removed == 1u);
}

BOOST_AUTO_TEST_CASE(session_close_removes_every_membership_of_that_session) {
    fixture f;
    (void)f.join(1, 1, 3);
    (void)f.join(1, 2, 5);
    (void)f.join(1, 3, 7);
    (void)f.join(2, 1, 3);
    BOOST_TEST(f.t.leave_session(1, 1) == 3u);
    BOOST_TEST(f.t.group_count() == 1u);
    BOOST_TEST(f.t.membership_count() == 1u);
    BOOST_TEST(f.t.leave_session(1, 1) == 0u);
}

BOOST_AUTO_TEST_CASE(rejoin_on_the_same_flow_answers_again_without_a_second_membership) {
    fixture f;
    (void)f.join(1);
    (void)f.join(2);
    const auto a = f.join(2);
    BOOST_TEST(a.member_count == 1);
    BOOST_TEST(f.t.membership_count() == 2u);
    BOOST_TEST(f.t.stats().rejoins == 1u);
}

BOOST_AUTO_TEST_CASE(join_on_the_same_flow_to_another_group_moves_the_membership) {
    fixture f;
    (void)f.join(1, 1);
    const auto a = f.join(1, 2);
    BOOST_TEST(a.moved);
    BOOST_TEST(f.t.group_count() == 1u);
    BOOST_TEST(f.ring(1).empty());
    BOOST_TEST(f.ring(2).size() == 1u);
}

BOOST_AUTO_TEST_CASE(same_session_same_group_on_a_new_flow_replaces_the_old_flow) {
    fixture f;
    (void)f.join(1, 1, 3);
    (void)f.join(1, 1, 9);
    BOOST_TEST(f.t.membership_count() == 1u);
    BOOST_TEST(!f.t.leave(member_key{1, 1, 3}));
    BOOST_TEST(f.t.leave(member_key{1, 1, 9}));
}

BOOST_AUTO_TEST_CASE(apps_are_separate_groups) {
    fixture f({}, {app_group_rules{}, app_group_rules{}});
    (void)f.join(1, 1, 3, 0);
    const auto a = f.join(2, 1, 3, 1);
    BOOST_TEST(a.created_group);
    BOOST_TEST(a.member_count == 0);
    BOOST_TEST(f.t.group_count() == 2u);
}

BOOST_AUTO_TEST_CASE(limits_refuse_with_named_reasons_and_change_nothing) {
    group_limits l;
    l.max_groups = 2;
    l.max_memberships = 5;
    l.max_members_per_group = 3;
    fixture f(l);
    BOOST_TEST((f.join(1, 1).error == drop_reason::none));
    BOOST_TEST((f.join(2, 2).error == drop_reason::none));
    BOOST_TEST((f.join(3, 3).error == drop_reason::group_table_full));
    BOOST_TEST((f.join(4, 1).error == drop_reason::none));
    BOOST_TEST((f.join(5, 1).error == drop_reason::none));
    BOOST_TEST((f.join(6, 1).error == drop_reason::group_members_full));
    BOOST_TEST((f.join(7, 2).error == drop_reason::none));
    BOOST_TEST((f.join(8, 2).error == drop_reason::group_table_full));  // 5 memberships
    BOOST_TEST(f.t.membership_count() == 5u);
    BOOST_TEST(f.t.group_count() == 2u);
    BOOST_TEST(f.t.stats().refused_groups_full == 1u);
    BOOST_TEST(f.t.stats().refused_group_members_full == 1u);
    BOOST_TEST(f.t.stats().refused_memberships_full == 1u);
    // Moving a flow from a full table is allowed: it frees what it takes.
    BOOST_TEST((f.join(7, 1, 3).error == drop_reason::group_members_full));
    BOOST_TEST(f.t.leave(member_key{0, 4, 3}));
    BOOST_TEST((f.join(7, 1, 3).error == drop_reason::none));
    BOOST_TEST(f.ring(2).size() == 1u);
}

BOOST_AUTO_TEST_CASE(per_app_caps) {
    app_group_rules capped;
    capped.max_groups = 1;
    capped.max_members = 2;
    fixture f({}, {capped});
    BOOST_TEST((f.join(1, 1).error == drop_reason::none));
    BOOST_TEST((f.join(2, 2).error == drop_reason::app_group_limit));
    BOOST_TEST((f.join(3, 1).error == drop_reason::none));
    BOOST_TEST((f.join(4, 1).error == drop_reason::app_group_limit));
    BOOST_TEST(f.t.stats().refused_app_limit == 2u);
}

BOOST_AUTO_TEST_CASE(bad_policy_is_refused_with_the_field_named) {
    group_table t;
    std::string error;
    app_group_rules r;
    r.policy.max_members = 0;
    BOOST_TEST(!t.init({}, {app_group_rules{}, r}, 1, error));
    BOOST_TEST(error.find("apps[1].group_bootstrap_max") != std::string::npos);
    group_limits l;
    l.max_groups = 0;
    BOOST_TEST(!t.init(l, {}, 1, error));
    BOOST_TEST(error.find("max_groups") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(churn_keeps_the_table_consistent) {
    fixture f;
    std::uint64_t x = 7;
    std::set<std::uint32_t> in;
    for (int i = 0; i < 20000; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::uint32_t n = static_cast<std::uint32_t>(x >> 40) % 300 + 1;
        if (in.count(n)) {
            BOOST_REQUIRE(f.t.leave_session(n % 2, n) == 1u);
            in.erase(n);
        } else {
            const auto a = f.join(n, static_cast<std::uint8_t>(n % 7));
            BOOST_REQUIRE((a.error == drop_reason::none));
            BOOST_REQUIRE(answered(a).count(peer(n)) == 0u);
            in.insert(n);
        }
    }
    BOOST_TEST(f.t.membership_count() == in.size());
    std::size_t total = 0;
    for (std::uint8_t g = 0; g < 7; ++g) total += f.ring(g).size();
    BOOST_TEST(total == in.size());
}

BOOST_AUTO_TEST_CASE(paging_visits_every_group_once) {
    fixture f;
    for (std::uint32_t n = 1; n <= 30; ++n) (void)f.join(n, static_cast<std::uint8_t>(n));
    std::vector<group_summary> all;
    std::uint64_t cursor = 0;
    do {
        cursor = f.t.page(cursor, 7, all);
    } while (cursor != 0);
    BOOST_TEST(all.size() == 30u);
}

BOOST_AUTO_TEST_SUITE_END()
