#include "control/directory/peer_directory.hpp"

#include <rte_prefetch.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

namespace strato::control {

namespace {

std::uint32_t default_spare(std::uint32_t capacity) noexcept { return std::max<std::uint32_t>(64, capacity / 32); }

// Cuckoo insertion starts failing near full buckets; keeping bucket load at
// or under 8/9 makes hash_full a non-event while live <= capacity. Key
// indices must also cover every slot that may still hold one (live peers
// plus removed peers in their grace period): hence at least total_slots.
std::uint32_t hash_entries_for(std::uint32_t capacity, std::uint32_t total_slots) noexcept {
    std::uint64_t want = std::max<std::uint64_t>({total_slots, std::uint64_t{capacity} + capacity / 8, 16});
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(want, RTE_HASH_ENTRIES_MAX));
}

std::uint64_t pow2_at_least(std::uint64_t n) noexcept {
    std::uint64_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

} // namespace

peer_directory::~peer_directory() { release(); }

void peer_directory::release() noexcept {
    if (hash_ != nullptr) rte_hash_free(hash_);
    hash_ = nullptr;
    rte_free(qsbr_);
    qsbr_ = nullptr;
    rte_free(slots_);
    slots_ = nullptr;
    rte_free(ring_);
    ring_ = nullptr;
    rte_free(app_counts_);
    app_counts_ = nullptr;
    sessions_.release();
}

peer_directory::memory_estimate peer_directory::estimate_memory(std::uint32_t capacity, std::uint32_t spare_slots,
                                                                std::uint16_t max_apps,
                                                                std::uint32_t max_readers) noexcept {
    memory_estimate m;
    if (spare_slots == 0) spare_slots = default_spare(capacity);
    m.total_slots = capacity + spare_slots;
    m.hash_entries = hash_entries_for(capacity, m.total_slots);
    m.slots = std::uint64_t{m.total_slots} * sizeof(peer_slot);
    m.free_list = std::uint64_t{m.total_slots} * sizeof(std::uint32_t);
    m.session_index = session_index::bucket_count_for(capacity) * sizeof(std::uint32_t);
    // rte_hash 22.11 for key_len 32, single writer, no extension table:
    // 64-byte buckets of 8 entries over the power of two of entries, a key
    // store of (entries + 1) 48-byte records (8-byte data pointer + key,
    // 16-byte aligned), and a ring of free key indices.
    std::uint64_t e2 = pow2_at_least(m.hash_entries);
    m.hash = e2 / 8 * 64 + (std::uint64_t{m.hash_entries} + 1) * 48 + pow2_at_least(m.hash_entries + 1ULL) * 4;
    m.fixed = rte_rcu_qsbr_get_memsize(max_readers) + std::uint64_t{max_apps} * sizeof(std::uint32_t);
    return m;
}

bool peer_directory::init(const directory_config& cfg, std::string& error) {
    release();
    if (cfg.capacity == 0) {
        error = "peer directory: capacity must be at least 1";
        return false;
    }
    std::uint32_t spare = cfg.spare_slots != 0 ? cfg.spare_slots : default_spare(cfg.capacity);
    if (std::uint64_t{cfg.capacity} + spare > RTE_HASH_ENTRIES_MAX) {
        error = "peer directory: capacity " + std::to_string(cfg.capacity) + " plus " + std::to_string(spare) +
                " spare slots exceeds the rte_hash limit of " + std::to_string(RTE_HASH_ENTRIES_MAX);
        return false;
    }
    if (cfg.max_readers == 0) {
        error = "peer directory: max_readers must be at least 1";
        return false;
    }
    if (cfg.max_apps == 0) {
        error = "peer directory: max_apps must be at least 1";
        return false;
    }
    // rte_hash names are at most RTE_HASH_NAMESIZE bytes with the NUL.
    if (cfg.name.empty() || cfg.name.size() + 2 >= RTE_HASH_NAMESIZE) {
        error = "peer directory: name '" + cfg.name + "' must be 1 to " + std::to_string(RTE_HASH_NAMESIZE - 3) +
                " characters";
        return false;
    }

    capacity_ = cfg.capacity;
    total_slots_ = cfg.capacity + spare;
    hash_entries_ = hash_entries_for(cfg.capacity, total_slots_);
    max_readers_ = cfg.max_readers;
    max_apps_ = cfg.max_apps;

    auto fail = [&](std::string what, std::uint64_t bytes) {
        error = "peer directory '" + cfg.name + "': cannot allocate " + what + " (" + std::to_string(bytes) +
                " bytes for capacity " + std::to_string(cfg.capacity) + "); raise EAL memory (-m) or lower capacity";
        release();
        return false;
    };

    std::uint64_t slot_bytes = std::uint64_t{total_slots_} * sizeof(peer_slot);
    slots_ = static_cast<peer_slot*>(rte_malloc_socket((cfg.name + "_slots").c_str(), slot_bytes, 64, cfg.socket_id));
    if (slots_ == nullptr) return fail("the entry slots", slot_bytes);
    for (std::uint32_t i = 0; i < total_slots_; ++i) new (&slots_[i]) peer_slot{};

    std::uint64_t ring_bytes = std::uint64_t{total_slots_} * sizeof(std::uint32_t);
    ring_ = static_cast<std::uint32_t*>(rte_malloc_socket((cfg.name + "_free").c_str(), ring_bytes, 64, cfg.socket_id));
    if (ring_ == nullptr) return fail("the free list", ring_bytes);
    for (std::uint32_t i = 0; i < total_slots_; ++i) ring_[i] = i;
    head_ = 0;
    free_count_ = total_slots_;
    retired_count_ = 0;

    std::uint64_t app_bytes = std::uint64_t{max_apps_} * sizeof(std::atomic<std::uint32_t>);
    app_counts_ = static_cast<std::atomic<std::uint32_t>*>(
        rte_malloc_socket((cfg.name + "_apps").c_str(), app_bytes, 64, cfg.socket_id));
    if (app_counts_ == nullptr) return fail("the per-app counters", app_bytes);
    for (std::uint32_t i = 0; i < max_apps_; ++i) new (&app_counts_[i]) std::atomic<std::uint32_t>{0};

    std::size_t qsbr_bytes = rte_rcu_qsbr_get_memsize(max_readers_);
    qsbr_ = static_cast<rte_rcu_qsbr*>(
        rte_zmalloc_socket((cfg.name + "_qsbr").c_str(), qsbr_bytes, RTE_CACHE_LINE_SIZE, cfg.socket_id));
    if (qsbr_ == nullptr) return fail("the QSBR variable", qsbr_bytes);
    if (rte_rcu_qsbr_init(qsbr_, max_readers_) != 0) {
        error = "peer directory: rte_rcu_qsbr_init(" + std::to_string(max_readers_) +
                " readers) failed: " + rte_strerror(rte_errno);
        release();
        return false;
    }

    std::string err_sessions;
    if (!sessions_.init(cfg.name, capacity_, slots_, cfg.socket_id, err_sessions)) {
        error = err_sessions;
        release();
        return false;
    }

    std::string hash_name = cfg.name + "_h";
    rte_hash_parameters p{};
    p.name = hash_name.c_str();
    p.entries = hash_entries_;
    p.key_len = peer_id_size;
    // Peer IDs are SHA-256 outputs, so CRC32C (one instruction per 8 bytes)
    // spreads them as well as any hash; the seed varies bucket placement
    // between appliances.
    p.hash_func = rte_hash_crc;
    p.hash_func_init_val = cfg.hash_seed;
    p.socket_id = cfg.socket_id;
    // Lock-free readers; the key index is not freed on delete (our QSBR
    // free list frees it after the grace period).
    p.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
    hash_ = rte_hash_create(&p);
    if (hash_ == nullptr) {
        error = "peer directory: rte_hash_create('" + hash_name + "', " + std::to_string(hash_entries_) +
                " entries) failed: " + rte_strerror(rte_errno) +
                (rte_errno == EEXIST ? " (name already used in this process)" : "");
        release();
        return false;
    }
    count_.store(0, std::memory_order_relaxed);
    stats_ = {};
    return true;
}

bool peer_directory::register_reader(unsigned thread_id) noexcept {
    if (thread_id >= max_readers_) return false;
    if (rte_rcu_qsbr_thread_register(qsbr_, thread_id) != 0) return false;
    rte_rcu_qsbr_thread_online(qsbr_, thread_id);
    return true;
}

void peer_directory::unregister_reader(unsigned thread_id) noexcept {
    if (thread_id >= max_readers_) return;
    rte_rcu_qsbr_thread_offline(qsbr_, thread_id);
    (void)rte_rcu_qsbr_thread_unregister(qsbr_, thread_id);
}

void peer_directory::copy_out(const peer_slot& s, peer_view& out) noexcept {
    out.version = s.version.load(std::memory_order_relaxed);
    out.id = s.id;
    out.public_address = s.public_address;
    out.private_count = s.private_count;
    // Only the used addresses: most peers list one to three.
    for (std::size_t i = 0; i < s.private_count && i < max_private_addresses; ++i)
        out.private_addresses[i] = s.private_addresses[i];
    out.introducible = s.introducible != 0;
    out.lcore = s.lcore;
    out.session_id = s.session_id;
    out.app_index = s.app_index;
    out.connect_time = s.connect_time;
    out.last_activity = s.last_activity.load(std::memory_order_relaxed);
}

std::uint64_t peer_directory::lookup_bulk(const peer_id* const* ids, std::uint32_t n, peer_view* out) const noexcept {
    const void* keys[RTE_HASH_LOOKUP_BULK_MAX];
    void* data[RTE_HASH_LOOKUP_BULK_MAX];
    n = std::min<std::uint32_t>(n, RTE_HASH_LOOKUP_BULK_MAX);
    if (n == 0) return 0;
    for (std::uint32_t i = 0; i < n; ++i) keys[i] = ids[i]->data();
    std::uint64_t hits = 0;
    if (rte_hash_lookup_bulk_data(hash_, keys, n, &hits, data) <= 0) return 0;
    // Start every slot's fetch before the first copy: the slots of a burst
    // are independent cache misses, overlapped instead of taken one by one.
    for (std::uint64_t m = hits; m != 0; m &= m - 1) {
        const auto* p = static_cast<const char*>(data[__builtin_ctzll(m)]);
        rte_prefetch0(p);
        rte_prefetch0(p + 64);
        rte_prefetch0(p + 128);
    }
    std::uint64_t result = 0;
    for (std::uint64_t m = hits; m != 0; m &= m - 1) {
        auto i = static_cast<std::uint32_t>(__builtin_ctzll(m));
        const auto* s = static_cast<const peer_slot*>(data[i]);
        if (s->live.load(std::memory_order_acquire) == 0) continue;
        copy_out(*s, out[i]);
        out[i].slot = index_of(s);
        result |= std::uint64_t{1} << i;
    }
    return result;
}

peer_slot* peer_directory::find(const peer_id& id) const noexcept {
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, id.data(), &data) < 0) return nullptr;
    return static_cast<peer_slot*>(data);
}

bool peer_directory::alloc_slot(std::uint32_t& slot) noexcept {
    if (free_count_ == 0) reclaim();
    if (free_count_ == 0) return false;
    slot = ring_[head_];
    head_ = head_ + 1 == total_slots_ ? 0 : head_ + 1;
    --free_count_;
    return true;
}

void peer_directory::unalloc_slot(std::uint32_t slot) noexcept {
    slots_[slot].live.store(0, std::memory_order_relaxed);
    head_ = head_ == 0 ? total_slots_ - 1 : head_ - 1;
    ring_[head_] = slot;
    ++free_count_;
}

void peer_directory::fill(std::uint32_t slot, const peer_record& r) noexcept {
    peer_slot& s = slots_[slot];
    // Seqlock-style marking of the refill: readers never get here while the
    // grace period works, and a test that looks can tell if they did.
    std::uint32_t v = s.version.load(std::memory_order_relaxed);
    s.version.store(v + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    s.id = r.id;
    s.public_address = r.public_address;
    s.private_count = r.private_count;
    for (std::size_t i = 0; i < max_private_addresses; ++i)
        s.private_addresses[i] = i < r.private_count ? r.private_addresses[i] : wire::socket_address{};
    s.introducible = r.introducible ? 1 : 0;
    s.lcore = r.lcore;
    s.session_id = r.session_id;
    s.app_index = r.app_index;
    s.connect_time = r.connect_time;
    s.key_position = -1;
    s.last_activity.store(r.last_activity, std::memory_order_relaxed);
    s.live.store(1, std::memory_order_relaxed);
    s.version.store(v + 2, std::memory_order_release);
}

void peer_directory::retire(std::uint32_t slot, std::int32_t key_position) noexcept {
    peer_slot& s = slots_[slot];
    s.live.store(0, std::memory_order_release);
    s.key_position = key_position;
    // The slot is already unreachable through the hash: readers that start
    // after this token cannot find it, and those that started before will
    // have reported quiescence past it when the check succeeds.
    s.retire_token = rte_rcu_qsbr_start(qsbr_);
    std::uint64_t tail = (std::uint64_t{head_} + free_count_ + retired_count_) % total_slots_;
    ring_[tail] = slot;
    ++retired_count_;
    ++stats_.retired;
}

std::uint32_t peer_directory::reclaim() noexcept {
    std::uint32_t n = 0;
    while (retired_count_ > 0) {
        std::uint64_t pos = (std::uint64_t{head_} + free_count_) % total_slots_;
        peer_slot& s = slots_[ring_[pos]];
        // FIFO with increasing tokens: the first slot still in its grace
        // period means all later ones are too.
        if (rte_rcu_qsbr_check(qsbr_, s.retire_token, false) != 1) break;
        if (s.key_position >= 0) (void)rte_hash_free_key_with_position(hash_, s.key_position);
        s.key_position = -1;
        ++free_count_;
        --retired_count_;
        ++n;
    }
    stats_.reclaimed += n;
    return n;
}

void peer_directory::remove_slot(std::uint32_t slot) noexcept {
    peer_slot& s = slots_[slot];
    std::int32_t pos = rte_hash_del_key(hash_, s.id.data());
    sessions_.erase(slot);
    app_counts_[s.app_index].fetch_sub(1, std::memory_order_relaxed);
    count_.fetch_sub(1, std::memory_order_relaxed);
    retire(slot, pos >= 0 ? pos : -1);
    ++stats_.removed;
}

peer_record peer_directory::record_of(std::uint32_t slot) const noexcept {
    peer_view v;
    copy_out(slots_[slot], v);
    return static_cast<peer_record&>(v);
}

write_result peer_directory::insert_or_update(const peer_record& r) noexcept {
    peer_slot* old = find(r.id);
    if (r.private_count > max_private_addresses || r.app_index >= max_apps_) {
        ++stats_.rejected;
        return {wire::drop_reason::value_out_of_range, old != nullptr};
    }
    if (old != nullptr) return replace(index_of(old), r);

    // A session ID names one peer: whoever held it before is gone.
    std::uint32_t stale = sessions_.find(r.lcore, r.session_id);
    if (stale != session_index::npos) {
        remove_slot(stale);
        ++stats_.stale_session_evicted;
    }
    std::uint32_t slot = 0;
    if (count() >= capacity_ || !alloc_slot(slot)) {
        ++stats_.table_full;
        return {wire::drop_reason::table_full, false};
    }
    fill(slot, r);
    if (rte_hash_add_key_data(hash_, r.id.data(), &slots_[slot]) < 0) {
        unalloc_slot(slot);
        ++stats_.table_full;
        return {wire::drop_reason::table_full, false};
    }
    sessions_.insert(slot);
    app_counts_[r.app_index].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    ++stats_.inserted;
    return {wire::drop_reason::none, false};
}

write_result peer_directory::replace(std::uint32_t old_slot, const peer_record& r) noexcept {
    std::uint32_t slot = 0;
    if (!alloc_slot(slot)) {
        ++stats_.table_full;
        return {wire::drop_reason::table_full, true};
    }
    const peer_slot& o = slots_[old_slot];
    const bool same_session = o.lcore == r.lcore && o.session_id == r.session_id;
    const std::uint16_t old_app = o.app_index;
    fill(slot, r);
    // The key exists, so this only swaps the value (one release store):
    // readers see either the whole old slot or the whole new one.
    if (rte_hash_add_key_data(hash_, r.id.data(), &slots_[slot]) < 0) {
        unalloc_slot(slot);
        ++stats_.table_full;
        return {wire::drop_reason::table_full, true};
    }
    if (same_session) {
        sessions_.replace(old_slot, slot);
    } else {
        sessions_.erase(old_slot);
        std::uint32_t stale = sessions_.find(r.lcore, r.session_id);
        if (stale != session_index::npos) {
            remove_slot(stale);
            ++stats_.stale_session_evicted;
        }
        sessions_.insert(slot);
    }
    if (old_app != r.app_index) {
        app_counts_[old_app].fetch_sub(1, std::memory_order_relaxed);
        app_counts_[r.app_index].fetch_add(1, std::memory_order_relaxed);
    }
    retire(old_slot, -1);
    ++stats_.updated;
    return {wire::drop_reason::none, true};
}

bool peer_directory::remove(const peer_id& id) noexcept {
    peer_slot* s = find(id);
    if (s == nullptr) return false;
    remove_slot(index_of(s));
    return true;
}

write_result peer_directory::set_private_addresses(const peer_id& id,
                                                   std::span<const wire::socket_address> addrs) noexcept {
    peer_slot* s = find(id);
    if (s == nullptr) return {wire::drop_reason::none, false};
    std::uint32_t slot = index_of(s);
    peer_record r = record_of(slot);
    r.private_count = static_cast<std::uint8_t>(std::min(addrs.size(), max_private_addresses));
    for (std::size_t i = 0; i < r.private_count; ++i) r.private_addresses[i] = addrs[i];
    r.introducible = true;
    return replace(slot, r);
}

write_result peer_directory::set_public_address(const peer_id& id, const wire::socket_address& a) noexcept {
    peer_slot* s = find(id);
    if (s == nullptr) return {wire::drop_reason::none, false};
    std::uint32_t slot = index_of(s);
    peer_record r = record_of(slot);
    r.public_address = a;
    return replace(slot, r);
}

bool peer_directory::touch(const peer_id& id, std::uint32_t now) noexcept {
    peer_slot* s = find(id);
    if (s == nullptr) return false;
    s->last_activity.store(now, std::memory_order_relaxed);
    ++stats_.touched;
    return true;
}

bool peer_directory::remove_by_session(std::uint16_t lcore, std::uint32_t session_id) noexcept {
    std::uint32_t slot = sessions_.find(lcore, session_id);
    if (slot == session_index::npos) return false;
    remove_slot(slot);
    return true;
}

std::uint32_t peer_directory::app_count(std::uint16_t app_index) const noexcept {
    return app_index < max_apps_ ? app_counts_[app_index].load(std::memory_order_relaxed) : 0;
}

page_result peer_directory::page(std::optional<std::uint16_t> app_index, std::uint64_t cursor,
                                 std::span<peer_view> out, std::uint32_t max_scan) const noexcept {
    page_result res;
    std::uint64_t i = cursor;
    const std::uint64_t end = std::min<std::uint64_t>(total_slots_, cursor + std::max<std::uint32_t>(max_scan, 1));
    while (i < end && res.count < out.size()) {
        const peer_slot& s = slots_[i];
        const auto slot = static_cast<std::uint32_t>(i++);
        if (s.live.load(std::memory_order_acquire) == 0) continue;
        std::uint32_t v = s.version.load(std::memory_order_acquire);
        if ((v & 1) != 0) continue;
        if (app_index && s.app_index != *app_index) continue;
        peer_view& o = out[res.count];
        copy_out(s, o);
        // Belt and braces for a caller outside the rules: a refill during
        // the copy changes the version, and the view is dropped.
        std::atomic_thread_fence(std::memory_order_acquire);
        if (s.version.load(std::memory_order_relaxed) != v) continue;
        o.slot = slot;
        o.version = v;
        ++res.count;
    }
    res.next_cursor = i;
    res.done = i >= total_slots_;
    return res;
}

} // namespace strato::control
