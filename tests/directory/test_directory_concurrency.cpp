// The writer on the main lcore and a reader on lcore 1, at full speed: the
// reader must never see a torn entry, and a slot it found must not be
// reused while it is still inside its read-side section.
#include <boost/test/unit_test.hpp>

#include <atomic>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "tests/directory/directory_fixtures.hpp"

using namespace strato::control;
using namespace strato::control::test;

namespace {

constexpr std::uint32_t keys = 2000;
constexpr std::uint32_t capacity = 1000;  // half the keys: the table runs full
constexpr std::uint32_t spare = 64;       // few spare slots: slots are reused quickly

struct reader_state {
    peer_directory* dir = nullptr;
    unsigned thread_id = 0;
    std::atomic<bool> stop{false};
    std::atomic<bool> started{false};
    // Written by the reader, read after it is joined.
    std::uint64_t loops = 0;
    std::uint64_t hits = 0;
    std::uint64_t torn = 0;
    std::uint64_t reused_under_reader = 0;
    std::uint64_t held_checks = 0;
};

std::uint32_t next_random(std::uint32_t& x) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

int reader_main(void* arg) {
    auto& st = *static_cast<reader_state*>(arg);
    std::uint32_t rng = 0x9e3779b9u;
    peer_view v;
    st.started.store(true);
    while (!st.stop.load(std::memory_order_relaxed)) {
        // One poll loop: a few lookups, hold the first slot found for about
        // a microsecond (the writer keeps retiring and allocating), then
        // check that the slot still has the version we copied.
        std::uint32_t held = UINT32_MAX;
        std::uint32_t held_version = 0;
        for (int j = 0; j < 8; ++j) {
            std::uint32_t k = next_random(rng) % keys;
            if (!st.dir->lookup(make_id(k), v)) continue;
            ++st.hits;
            if (!view_consistent(v) || id_number(v.id) != k) ++st.torn;
            if (held == UINT32_MAX) {
                held = v.slot;
                held_version = v.version;
            }
        }
        if (held != UINT32_MAX) {
            rte_delay_us_block(1);
            ++st.held_checks;
            if (st.dir->slot_version(held) != held_version) ++st.reused_under_reader;
        }
        st.dir->quiescent(st.thread_id);
        ++st.loops;
    }
    return 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(peer_directory_concurrency)

BOOST_AUTO_TEST_CASE(reader_on_lcore_1_against_1m_writes) {
    const unsigned reader_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    BOOST_REQUIRE_MESSAGE(reader_lcore < RTE_MAX_LCORE, "needs a second lcore (-l 0-1)");

    peer_directory d;
    directory_config c;
    c.name = "conc";
    c.capacity = capacity;
    c.spare_slots = spare;
    c.max_readers = RTE_MAX_LCORE;
    c.max_apps = 16;
    std::string err;
    BOOST_REQUIRE_MESSAGE(d.init(c, err), err);

    reader_state st;
    st.dir = &d;
    st.thread_id = reader_lcore;
    BOOST_REQUIRE(d.register_reader(reader_lcore));
    BOOST_REQUIRE(rte_eal_remote_launch(reader_main, &st, reader_lcore) == 0);
    while (!st.started.load()) rte_pause();

    std::uint32_t rng = 12345;
    std::uint32_t stamp = 0;
    std::uint64_t ok_writes = 0;
    std::uint64_t full = 0;
    std::uint64_t max_seen_retired = 0;
    strato::wire::socket_address priv[max_private_addresses];
    std::uint64_t waits = 0;
    // The writer here is far faster than any control thread, so it would
    // drain the pool into retired slots; it waits for the reader's grace
    // period instead. That also keeps the free list near empty, so a slot
    // is reused as soon as the directory allows it: the harshest case for
    // the held-slot check above.
    auto wait_for_free_slot = [&] {
        while (d.free_slots() == 0) {
            if (d.reclaim() == 0) rte_pause();
            ++waits;
        }
    };
    for (std::uint32_t i = 0; i < 1'000'000; ++i) {
        std::uint32_t k = next_random(rng) % keys;
        std::uint32_t op = next_random(rng) % 10;
        ++stamp;
        if (op < 7) wait_for_free_slot();
        if (op < 5) {
            auto r = d.insert_or_update(make_record(k, stamp));
            r.ok() ? ++ok_writes : ++full;
        } else if (op < 7) {
            std::uint8_t n = 0;
            make_private(k, stamp, priv, n);
            auto r = d.set_private_addresses(make_id(k), std::span(priv, n));
            r.ok() ? ++ok_writes : ++full;
        } else if (op < 8) {
            (void)d.touch(make_id(k), stamp);
        } else {
            (void)d.remove(make_id(k));
        }
        max_seen_retired = std::max<std::uint64_t>(max_seen_retired, d.retired_slots());
    }
    st.stop.store(true);
    BOOST_REQUIRE(rte_eal_wait_lcore(reader_lcore) == 0);
    d.unregister_reader(reader_lcore);

    const auto& s = d.stats();
    BOOST_TEST_MESSAGE("reader loops " << st.loops << ", hits " << st.hits << ", held checks " << st.held_checks
                                       << "; writer ok " << ok_writes << ", table_full " << full << ", waits " << waits
                                       << ", retired " << s.retired << ", reclaimed " << s.reclaimed << ", most waiting "
                                       << max_seen_retired);
    BOOST_TEST(st.torn == 0u);
    BOOST_TEST(st.reused_under_reader == 0u);
    // The test only means something if both sides really worked hard.
    BOOST_TEST(st.hits > 10'000u);
    BOOST_TEST(st.held_checks > 10'000u);
    BOOST_TEST(s.reclaimed > 100'000u);  // slots went round many times
    BOOST_TEST(ok_writes > 300'000u);
    // Every slot still in use or waiting is accounted for.
    BOOST_TEST(d.free_slots() + d.retired_slots() + d.count() == d.total_slots());
}

BOOST_AUTO_TEST_SUITE_END()
