#pragma once
// The peer directory: peer ID -> where that peer is connected (issue 5 item 4).
//
// One writer (the control thread) and many lock-free readers (worker lcores
// doing introductions, issue 6; the REST thread paging, issue 8).
//
// Design:
// - An rte_hash (RW_CONCURRENCY_LF) maps the 32-byte peer ID to a pointer
//   into a slot array allocated once at init. No allocation afterwards.
// - Slots are copy-on-write: the fields of a published slot never change,
//   except `last_activity` (one atomic word) and `live` (one atomic byte).
//   An update (mobility, setPeerInfo, a new session) fills a fresh slot,
//   swaps the hash value to it with one release store inside rte_hash, and
//   retires the old slot. Why not a per-entry seqlock: the control thread is
//   an ordinary thread that the kernel may preempt in the middle of a write;
//   with a seqlock every worker reading that peer would spin for the whole
//   preemption. Copy-on-write keeps readers wait-free (no retry loop at all)
//   and updates of addresses are rare next to lookups; the frequent one,
//   touch(), is a single atomic store.
// - Reclamation is our own QSBR free list: a retired slot (and, on removal,
//   its rte_hash key index, which LF mode does not free on delete) carries
//   the token of rte_rcu_qsbr_start() and goes back to the free list only
//   once rte_rcu_qsbr_check() says every registered reader has reported a
//   quiescent state since. One FIFO array of slot indices serves as both
//   the free list and the retire queue, so it costs 4 bytes per slot.
// - Readers copy what they need into a peer_view: no pointer into the table
//   escapes the read-side section, so a reader's only duty is to call
//   quiescent() once per poll loop, outside any lookup.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include "control/directory/session_index.hpp"
#include "dataplane/wire/address.hpp"
#include "dataplane/wire/drop_reason.hpp"

namespace strato::control {

inline constexpr std::size_t peer_id_size = 32;  // SHA-256 of the certificate (RFC 7425 §4.3.2)
using peer_id = std::array<std::uint8_t, peer_id_size>;
// setPeerInfo may list more; the directory keeps the first 8 (issue 5 item 4).
inline constexpr std::size_t max_private_addresses = 8;

// What the writer stores for a peer.
struct peer_record {
    peer_id id{};
    wire::socket_address public_address{};  // as seen by the appliance
    std::array<wire::socket_address, max_private_addresses> private_addresses{};
    std::uint8_t private_count = 0;
    bool introducible = false;  // setPeerInfo received
    std::uint16_t lcore = 0;    // lcore that owns the session
    std::uint32_t session_id = 0;
    std::uint16_t app_index = 0;
    std::uint32_t connect_time = 0;   // seconds
    std::uint32_t last_activity = 0;  // seconds
};

// What a reader gets: a copy, plus where it came from. Only the first
// private_count private addresses are written (the rest keep whatever the
// caller's buffer held): copying 160 bytes per lookup for peers that list
// one or two addresses would be waste on the introduction path.
// Where it came from (slot is the paging
// cursor unit; version identifies the slot's incarnation, for diagnostics).
struct peer_view : peer_record {
    std::uint32_t slot = 0;
    std::uint32_t version = 0;
};

// One table entry. 256 bytes (four cache lines, no line shared between two
// entries, so touch() on one peer never disturbs readers of another).
struct alignas(64) peer_slot {
    // Even while published or free; the writer makes it odd while it fills
    // a free slot. Readers never reach a slot being filled (RCU); tests use
    // the number to prove it.
    std::atomic<std::uint32_t> version{0};
    std::atomic<std::uint32_t> last_activity{0};
    std::atomic<std::uint8_t> live{0};  // cleared when retired, before the grace period
    std::uint8_t private_count = 0;
    std::uint8_t introducible = 0;
    std::uint8_t reserved = 0;
    std::uint16_t lcore = 0;
    std::uint16_t app_index = 0;
    std::uint32_t session_id = 0;
    std::uint32_t connect_time = 0;
    // Writer only (readers never read these two): the rte_hash key index to
    // free together with the slot (-1: the key lives on in another slot),
    // and the QSBR token the slot waits for.
    std::int32_t key_position = -1;
    std::uint64_t retire_token = 0;
    peer_id id{};
    wire::socket_address public_address{};
    std::array<wire::socket_address, max_private_addresses> private_addresses{};
};
static_assert(sizeof(peer_slot) == 256, "peer_slot is four cache lines; keep it so or update the memory notes");

struct directory_config {
    std::string name = "peers";  // prefix for rte_hash and memory names; unique per process
    std::uint32_t capacity = 0;  // live peers at most (config)
    // Extra slots for copy-on-write updates and retired slots waiting for
    // their grace period; 0 picks max(64, capacity / 32).
    std::uint32_t spare_slots = 0;
    std::uint32_t max_readers = RTE_MAX_LCORE;  // QSBR thread IDs are [0, max_readers)
    std::uint16_t max_apps = 1024;              // app_index < max_apps
    std::uint32_t hash_seed = 0;                // rte_hash init value
    int socket_id = SOCKET_ID_ANY;
};

// Per-operation outcome of a write. error != none means nothing changed;
// existed says whether the peer was in the directory before the call.
struct write_result {
    wire::drop_reason error = wire::drop_reason::none;
    bool existed = false;
    bool ok() const noexcept { return error == wire::drop_reason::none; }
};

struct page_result {
    std::uint32_t count = 0;        // views written to out
    std::uint64_t next_cursor = 0;  // pass back to continue
    bool done = false;              // no slot left to scan
};

// Writer-side counters (plain: written and read by the control thread).
struct directory_stats {
    std::uint64_t inserted = 0;
    std::uint64_t updated = 0;
    std::uint64_t removed = 0;
    std::uint64_t touched = 0;
    std::uint64_t table_full = 0;     // refused: capacity, no reclaimable slot, or hash bucket full
    std::uint64_t rejected = 0;       // refused: bad app index or too many private addresses
    std::uint64_t stale_session_evicted = 0;  // a new peer took over an (lcore, session)
    std::uint64_t retired = 0;
    std::uint64_t reclaimed = 0;
};

class peer_directory {
public:
    peer_directory() = default;
    peer_directory(const peer_directory&) = delete;
    peer_directory& operator=(const peer_directory&) = delete;
    ~peer_directory();

    // Allocates everything (EAL must be running). On failure error names
    // the field or the DPDK call and why; nothing stays allocated.
    [[nodiscard]] bool init(const directory_config& cfg, std::string& error);

    // ---- readers (any registered thread; wait-free, no allocation) ----

    // Copies the peer into out. Call between two quiescent() reports.
    [[nodiscard]] bool lookup(const peer_id& id, peer_view& out) const noexcept {
        void* data = nullptr;
        if (rte_hash_lookup_data(hash_, id.data(), &data) < 0) return false;
        const auto* s = static_cast<const peer_slot*>(data);
        // A reader that lost the race with remove() may still see the slot
        // (RCU); reporting it gone is both safe and more accurate.
        if (s->live.load(std::memory_order_acquire) == 0) return false;
        copy_out(*s, out);
        out.slot = index_of(s);
        return true;
    }

    // Bursts of up to RTE_HASH_LOOKUP_BULK_MAX IDs; rte_hash prefetches
    // across the burst. Bit i of the result is set when ids[i] was found,
    // and then out[i] holds it.
    [[nodiscard]] std::uint64_t lookup_bulk(const peer_id* const* ids, std::uint32_t n,
                                            peer_view* out) const noexcept;

    // The QSBR variable, for workers that fold the report into their own loop.
    rte_rcu_qsbr* qsbr() const noexcept { return qsbr_; }
    // register + online. thread_id < max_readers (usually the lcore ID).
    [[nodiscard]] bool register_reader(unsigned thread_id) noexcept;
    void unregister_reader(unsigned thread_id) noexcept;
    // Once per poll loop, outside any lookup.
    void quiescent(unsigned thread_id) const noexcept { rte_rcu_qsbr_quiescent(qsbr_, thread_id); }

    // Diagnostics: a slot's current version (tests compare it with
    // peer_view::version to prove a slot was not reused under a reader).
    std::uint32_t slot_version(std::uint32_t slot) const noexcept {
        return slots_[slot].version.load(std::memory_order_acquire);
    }

    // ---- writer (the control thread only) ----

    // Creates the peer or replaces all of its fields. table_full when the
    // directory holds capacity peers or no slot has finished its grace
    // period; value_out_of_range for app_index >= max_apps or
    // private_count > max_private_addresses. If another peer held the same
    // (lcore, session), that stale entry is removed first.
    [[nodiscard]] write_result insert_or_update(const peer_record& r) noexcept;
    bool remove(const peer_id& id) noexcept;
    // setPeerInfo: replaces the private addresses, marks the peer introducible.
    [[nodiscard]] write_result set_private_addresses(const peer_id& id,
                                                     std::span<const wire::socket_address> addrs) noexcept;
    // Address mobility: a new public address for a known peer.
    [[nodiscard]] write_result set_public_address(const peer_id& id, const wire::socket_address& a) noexcept;
    // Last activity only: one atomic store, no copy.
    bool touch(const peer_id& id, std::uint32_t now) noexcept;
    // When a session closes the control thread only knows where it lived.
    bool remove_by_session(std::uint16_t lcore, std::uint32_t session_id) noexcept;
    // Moves retired slots whose grace period is over back to the free
    // list; returns how many. Called on demand by writes; call it from a
    // timer too so that free slots are ready before they are needed.
    std::uint32_t reclaim() noexcept;
    const directory_stats& stats() const noexcept { return stats_; }

    // ---- any control-side thread ----

    std::uint32_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    std::uint32_t app_count(std::uint16_t app_index) const noexcept;
    // REST paging in slot order from cursor (0 to start). At most out.size()
    // views and max_scan slots per call, so one page has bounded cost even
    // when the app filter is rare. Entries changed during paging may be
    // missed or seen twice, never torn. Call from the writer thread or from
    // a registered reader between two quiescent() reports.
    page_result page(std::optional<std::uint16_t> app_index, std::uint64_t cursor, std::span<peer_view> out,
                     std::uint32_t max_scan = 1u << 20) const noexcept;

    std::uint32_t capacity() const noexcept { return capacity_; }
    std::uint32_t total_slots() const noexcept { return total_slots_; }
    std::uint32_t free_slots() const noexcept { return free_count_; }
    std::uint32_t retired_slots() const noexcept { return retired_count_; }
    std::uint32_t hash_entries() const noexcept { return hash_entries_; }

    // Memory model shared by the tests, the benchmark and the README: what
    // init() allocates for a given config (slots, free list, session index,
    // rte_hash buckets, key store and free-slot ring).
    struct memory_estimate {
        std::uint32_t total_slots = 0;
        std::uint32_t hash_entries = 0;
        std::uint64_t slots = 0;
        std::uint64_t free_list = 0;
        std::uint64_t session_index = 0;
        std::uint64_t hash = 0;
        std::uint64_t fixed = 0;  // QSBR variable, per-app counters
        std::uint64_t total() const noexcept { return slots + free_list + session_index + hash + fixed; }
    };
    static memory_estimate estimate_memory(std::uint32_t capacity, std::uint32_t spare_slots = 0,
                                           std::uint16_t max_apps = 1024,
                                           std::uint32_t max_readers = RTE_MAX_LCORE) noexcept;

private:
    static void copy_out(const peer_slot& s, peer_view& out) noexcept;
    std::uint32_t index_of(const peer_slot* s) const noexcept {
        return static_cast<std::uint32_t>(s - slots_);
    }
    peer_slot* find(const peer_id& id) const noexcept;
    bool alloc_slot(std::uint32_t& slot) noexcept;
    void unalloc_slot(std::uint32_t slot) noexcept;  // never published: straight back
    void fill(std::uint32_t slot, const peer_record& r) noexcept;
    void retire(std::uint32_t slot, std::int32_t key_position) noexcept;
    void remove_slot(std::uint32_t slot) noexcept;
    write_result replace(std::uint32_t old_slot, const peer_record& r) noexcept;
    peer_record record_of(std::uint32_t slot) const noexcept;
    void release() noexcept;

    rte_hash* hash_ = nullptr;
    rte_rcu_qsbr* qsbr_ = nullptr;
    peer_slot* slots_ = nullptr;
    // Circular: [head_, head_+free_count_) free, then retired_count_ retired
    // slots in retirement (hence token) order.
    std::uint32_t* ring_ = nullptr;
    std::atomic<std::uint32_t>* app_counts_ = nullptr;
    session_index sessions_;
    std::uint32_t capacity_ = 0;
    std::uint32_t total_slots_ = 0;
    std::uint32_t hash_entries_ = 0;
    std::uint32_t max_readers_ = 0;
    std::uint16_t max_apps_ = 0;
    std::uint32_t head_ = 0;
    std::uint32_t free_count_ = 0;
    std::uint32_t retired_count_ = 0;
    std::atomic<std::uint32_t> count_{0};
    directory_stats stats_;
};

} // namespace strato::control
