#pragma once
// The NetGroup table (protocol reference §7, issue 7): which connected
// sessions are members of which group, and whom a joining member is told
// about.
//
// Ownership: the control thread is the only writer and the only one that
// computes answers (workers post joins and leaves as peer events and get
// the member lists back as command mbufs on their handoff rings), so the
// table needs no concurrency of its own; REST readers take the owner's mutex
// (control/rest only, never a worker lcore).
//
// Layout: memberships live in one array allocated at init (64 bytes each,
// one cache line, index-linked per session); each group keeps its members
// as a vector of membership indices sorted by ring position, the first 8
// bytes of the member's group address SHA-256(21 0f || peer ID) (§3.8), so
// ring neighbours are a binary search away. Groups are keyed by (app,
// 32-byte group ID): two apps never share a group.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/wire/drop_reason.hpp"

namespace strato::control {

inline constexpr std::size_t group_id_bytes = 32;
using group_id = std::array<std::uint8_t, group_id_bytes>;
using member_peer_id = std::array<std::uint8_t, 32>;

// A membership is identified by (session, GC flow) (§7.2).
struct member_key {
    std::uint16_t worker = 0;
    std::uint32_t session = 0;
    std::uint64_t flow = 0;
    bool operator==(const member_key&) const = default;
};

// Whom a joining member learns (§7.3 recommendation): its nearest members on
// both sides of the ring plus a few random ones, at most `max_members`; and
// how many ring neighbours on each side are told about the newcomer.
inline constexpr std::size_t max_bootstrap_members = 16;
inline constexpr std::size_t max_notified_neighbours = 8;  // each side
struct bootstrap_policy {
    std::uint8_t neighbours_each_side = 2;
    std::uint8_t random_members = 2;
    std::uint8_t max_members = 6;        // <= max_bootstrap_members
    std::uint8_t notify_neighbours = 1;  // each side, <= max_notified_neighbours
};

struct group_limits {
    std::uint32_t max_groups = 1u << 20;          // all apps
    std::uint32_t max_memberships = 10u << 20;    // all apps, all groups
    std::uint32_t max_members_per_group = 100000;
};

// Per-app caps (0: no cap besides the global ones) and policy.
struct app_group_rules {
    std::uint32_t max_groups = 0;
    std::uint32_t max_members = 0;
    bootstrap_policy policy;
};

// Decides whether a member may be handed out: connected and introducible
// (the stratod implementation asks the peer directory).
class member_filter {
public:
    virtual ~member_filter() = default;
    virtual bool introducible(const member_peer_id& peer, std::uint16_t worker, std::uint32_t session) const noexcept = 0;
};

struct join_request {
    std::uint16_t app = 0;
    group_id group{};
    member_peer_id peer{};
    member_key who;
};

struct notify_target {
    member_key who;
};

struct join_answer {
    // none, or the limit that refused the join (nothing changed then).
    wire::drop_reason error = wire::drop_reason::none;
    bool created_group = false;
    bool moved = false;  // the flow was a member of another group before
    std::array<member_peer_id, max_bootstrap_members> members{};
    std::uint8_t member_count = 0;
    // Existing members to tell about the newcomer (each gets one `0b`).
    std::array<notify_target, 2 * max_notified_neighbours> notify{};
    std::uint8_t notify_count = 0;
};

struct group_table_stats {
    std::uint64_t joins = 0, rejoins = 0, leaves = 0, groups_created = 0, groups_removed = 0;
    std::uint64_t refused_groups_full = 0, refused_group_members_full = 0, refused_app_limit = 0,
                  refused_memberships_full = 0;
    std::uint64_t members_sent = 0, notifications = 0;
};

// What REST shows.
struct group_summary {
    std::uint16_t app = 0;
    group_id id{};
    std::uint32_t members = 0;
};

class group_table {
public:
    // Allocates the membership array; error names the field when the
    // limits are unusable. app_rules is indexed by app (missing: defaults).
    [[nodiscard]] bool init(const group_limits& limits, std::vector<app_group_rules> app_rules, std::uint64_t seed,
                            std::string& error);

    // Records the membership (moving the flow from another group, or the
    // session's earlier flow in the same group) and fills the answer.
    join_answer join(const join_request& r, const member_filter& filter);
    // Returns false if the flow was no member.
    bool leave(const member_key& who);
    // Every membership of a session (NetConnection or session closed).
    std::size_t leave_session(std::uint16_t worker, std::uint32_t session);

    std::size_t group_count() const noexcept { return index_.size(); }
    std::size_t membership_count() const noexcept { return used_; }
    std::uint32_t app_groups(std::uint16_t app) const noexcept { return app < app_groups_.size() ? app_groups_[app] : 0; }
    std::uint32_t app_members(std::uint16_t app) const noexcept {
        return app < app_members_.size() ? app_members_[app] : 0;
    }
    const group_table_stats& stats() const noexcept { return stats_; }
    const group_limits& limits() const noexcept { return limits_; }

    // Members of one group in ring order (peer IDs); false if no such group.
    bool members_of(std::uint16_t app, const group_id& g, std::vector<member_peer_id>& out) const;
    // Groups whose (app, id) lookup finds nothing for any app: by ID only.
    bool find_any_app(const group_id& g, group_summary& out) const;
    // Groups in slot order from cursor, only app's when given: at most
    // `limit` added and `max_scan` slots looked at per call (a rare app
    // costs a bounded page). Returns the next cursor (0: done).
    std::uint64_t page(std::uint64_t cursor, std::size_t limit, std::vector<group_summary>& out,
                       std::optional<std::uint16_t> app = std::nullopt, std::size_t max_scan = 1u << 20) const;

    // Bytes the fixed parts take per membership (record + ring entry); the
    // benchmark measures the real total with the allocator.
    static constexpr std::size_t membership_record_bytes = 64;

    // The ring position of a member: the first 8 bytes of SHA-256(21 0f ||
    // peer ID), big-endian (§3.8).
    static std::uint64_t ring_position(const member_peer_id& peer) noexcept;

private:
    struct membership {
        member_peer_id peer{};
        std::uint64_t ring = 0;
        std::uint64_t flow = 0;
        std::uint32_t session = 0;
        std::uint32_t group = 0;               // slot in groups_
        std::uint32_t next_in_session = none;  // chain of the session's memberships
        std::uint16_t worker = 0;
        std::uint16_t app = 0;
    };
    static_assert(sizeof(membership) == membership_record_bytes);
    struct group_entry {
        group_id id{};
        std::uint16_t app = 0;
        bool live = false;
        std::vector<std::uint32_t> ring;  // membership indices by (ring, peer)
    };
    struct group_key {
        group_id id;
        std::uint16_t app;
        bool operator==(const group_key&) const = default;
    };
    struct group_key_hash {
        std::uint64_t seed;
        std::size_t operator()(const group_key& k) const noexcept;
    };
    static constexpr std::uint32_t none = 0xffffffffu;

    const app_group_rules& rules_of(std::uint16_t app) const noexcept;
    std::uint32_t find_flow(const member_key& who, std::uint32_t* prev = nullptr) const noexcept;
    void remove_membership(std::uint32_t m);
    std::size_t ring_index(const group_entry& g, std::uint32_t m) const noexcept;
    void answer(const group_entry& g, std::size_t pos, const app_group_rules& rules, const member_filter& filter,
                join_answer& out);
    std::uint64_t next_random() noexcept;
    static std::uint64_t session_key(std::uint16_t worker, std::uint32_t session) noexcept {
        return std::uint64_t{worker} << 32 | session;
    }

    group_limits limits_;
    std::vector<app_group_rules> app_rules_;
    app_group_rules default_rules_;
    std::vector<membership> members_;
    std::vector<std::uint32_t> free_members_;
    std::size_t used_ = 0;
    std::vector<group_entry> groups_;
    std::vector<std::uint32_t> free_groups_;
    std::unordered_map<group_key, std::uint32_t, group_key_hash> index_{0, group_key_hash{0}};
    std::unordered_map<std::uint64_t, std::uint32_t> sessions_;  // session -> first membership
    std::vector<std::uint32_t> app_groups_, app_members_;
    std::uint64_t random_state_ = 1;
    group_table_stats stats_;
};

} // namespace strato::control
