// Peer directory, single thread: the writer API, limits, the session
// index, paging, per-app counts, the grace period and the memory budget.
#include <boost/test/unit_test.hpp>

#include <set>
#include <vector>

#include "tests/directory/directory_fixtures.hpp"

using namespace strato::control;
using namespace strato::control::test;
using strato::wire::drop_reason;

namespace {
directory_config config(const char* name, std::uint32_t capacity, std::uint32_t spare = 0) {
    directory_config c;
    c.name = name;
    c.capacity = capacity;
    c.spare_slots = spare;
    c.max_readers = 4;
    c.max_apps = 16;
    return c;
}
} // namespace

BOOST_AUTO_TEST_SUITE(peer_directory_single)

BOOST_AUTO_TEST_CASE(init_errors_are_clear) {
    peer_directory d;
    std::string err;
    BOOST_TEST(!d.init(config("bad", 0), err));
    BOOST_TEST(err.find("capacity") != std::string::npos);
    directory_config c = config("a_name_much_too_long_for_rte_hash", 10);
    BOOST_TEST(!d.init(c, err));
    BOOST_TEST(err.find("name") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(insert_lookup_update_remove) {
    peer_directory d;
    std::string err;
    BOOST_REQUIRE_MESSAGE(d.init(config("basic", 64), err), err);

    peer_view v;
    BOOST_TEST(!d.lookup(make_id(7), v));
    auto r = d.insert_or_update(make_record(7, 100));
    BOOST_TEST(r.ok());
    BOOST_TEST(!r.existed);
    BOOST_TEST(d.count() == 1u);
    BOOST_REQUIRE(d.lookup(make_id(7), v));
    BOOST_TEST(view_consistent(v));
    BOOST_TEST(v.public_address.port == make_record(7, 100).public_address.port);
    BOOST_TEST(!v.introducible);

    // Full update: a new public address; the slot changes (copy-on-write).
    const std::uint32_t first_slot = v.slot;
    r = d.insert_or_update(make_record(7, 200));
    BOOST_TEST(r.ok());
    BOOST_TEST(r.existed);
    BOOST_TEST(d.count() == 1u);
    BOOST_REQUIRE(d.lookup(make_id(7), v));
    BOOST_TEST(view_consistent(v));
    BOOST_TEST(v.public_address.port == make_record(7, 200).public_address.port);
    BOOST_TEST(v.slot != first_slot);

    // setPeerInfo.
    strato::wire::socket_address priv[max_private_addresses];
    std::uint8_t n = 0;
    make_private(7, 5, priv, n);
    r = d.set_private_addresses(make_id(7), std::span(priv, n));
    BOOST_TEST(r.ok());
    BOOST_TEST(r.existed);
    BOOST_REQUIRE(d.lookup(make_id(7), v));
    BOOST_TEST(v.introducible);
    BOOST_TEST(v.private_count == n);
    BOOST_TEST(view_consistent(v));
    // More than 8: the first 8 are kept.
    strato::wire::socket_address many[12];
    for (std::uint8_t i = 0; i < 12; ++i) many[i] = make_address(7, 9, static_cast<std::uint8_t>(i + 1));
    BOOST_TEST(d.set_private_addresses(make_id(7), std::span(many, 12)).ok());
    BOOST_REQUIRE(d.lookup(make_id(7), v));
    BOOST_TEST(v.private_count == max_private_addresses);
    BOOST_TEST(v.private_addresses[7].port == many[7].port);

    // Mobility.
    auto moved = make_address(7, 300, 0);
    BOOST_TEST(d.set_public_address(make_id(7), moved).ok());
    BOOST_REQUIRE(d.lookup(make_id(7), v));
    BOOST_TEST(v.public_address.same_endpoint(moved));
    BOOST_TEST(v.private_count == max_private_addresses);  // kept across the move

    // touch: in place.
    const std::uint32_t slot_before = v.slot;
    BOOST_TEST(d.touch(make_id(7), 123456));
    BOOST_REQUIRE(d.lookup(make_id(7), v));
    BOOST_TEST(v.last_activity == 123456u);
    BOOST_TEST(v.slot == slot_before);

    // Unknown peers.
    BOOST_TEST(!d.touch(make_id(8), 1));
    BOOST_TEST(!d.set_private_addresses(make_id(8), std::span(priv, n)).existed);
    BOOST_TEST(!d.remove(make_id(8)));

    BOOST_TEST(d.remove(make_id(7)));
    BOOST_TEST(!d.lookup(make_id(7), v));
    BOOST_TEST(!d.remove(make_id(7)));
    BOOST_TEST(d.count() == 0u);
    BOOST_TEST(d.app_count(7 % test_apps) == 0u);
}

BOOST_AUTO_TEST_CASE(capacity_limits_and_bad_values) {
    peer_directory d;
    std::string err;
    BOOST_REQUIRE_MESSAGE(d.init(config("cap", 100), err), err);
    for (std::uint32_t k = 0; k < 100; ++k) BOOST_REQUIRE(d.insert_or_update(make_record(k, 1)).ok());
    auto r = d.insert_or_update(make_record(100, 1));
    BOOST_TEST((r.error == drop_reason::table_full));
    BOOST_TEST(d.stats().table_full == 1u);
    BOOST_TEST(d.count() == 100u);
    peer_view v;
    BOOST_TEST(!d.lookup(make_id(100), v));
    // Updates of present peers still work when full (spare slots).
    for (std::uint32_t k = 0; k < 100; ++k) BOOST_REQUIRE(d.insert_or_update(make_record(k, 2)).ok());
    // Room again after a removal (no reader registered: no grace to wait for).
    BOOST_TEST(d.remove(make_id(3)));
    BOOST_TEST(d.insert_or_update(make_record(100, 1)).ok());

    peer_record bad = make_record(200, 1);
    bad.app_index = 16;
    BOOST_TEST((d.insert_or_update(bad).error == drop_reason::value_out_of_range));
    bad = make_record(200, 1);
    bad.private_count = 9;
    BOOST_TEST((d.insert_or_update(bad).error == drop_reason::value_out_of_range));
    BOOST_TEST(d.stats().rejected == 2u);
}

BOOST_AUTO_TEST_CASE(remove_by_session_and_stale_sessions) {
    peer_directory d;
    std::string err;
    BOOST_REQUIRE_MESSAGE(d.init(config("sess", 5000), err), err);
    for (std::uint32_t k = 0; k < 5000; ++k) BOOST_REQUIRE(d.insert_or_update(make_record(k, 1)).ok());
    // Remove every third peer by its (lcore, session), interleaved with
    // updates that move entries between slots (the index must follow).
    for (std::uint32_t k = 0; k < 5000; ++k) {
        if (k % 3 == 0) {
            BOOST_REQUIRE(d.remove_by_session(static_cast<std::uint16_t>(k & 1), k * 2 + 1));
        } else {
            BOOST_REQUIRE(d.insert_or_update(make_record(k, 2)).ok());
        }
    }
    BOOST_TEST(!d.remove_by_session(0, 1));  // k = 0 is gone
    BOOST_TEST(!d.remove_by_session(1, 0));  // never existed
    peer_view v;
    for (std::uint32_t k = 0; k < 5000; ++k) BOOST_TEST(d.lookup(make_id(k), v) == (k % 3 != 0));
    BOOST_TEST(d.count() == 5000u - 1667u);

    // A new peer with a known (lcore, session): the stale holder goes.
    peer_record r = make_record(1, 3);
    r.id = make_id(90001);
    BOOST_TEST(d.insert_or_update(r).ok());
    BOOST_TEST(!d.lookup(make_id(1), v));
    BOOST_TEST(d.lookup(make_id(90001), v));
    BOOST_TEST(d.stats().stale_session_evicted == 1u);
    BOOST_TEST(d.remove_by_session(1, 3));
    BOOST_TEST(!d.lookup(make_id(90001), v));
}

BOOST_AUTO_TEST_CASE(paging_100k_and_per_app_counts) {
    constexpr std::uint32_t n = 100000;
    peer_directory d;
    std::string err;
    BOOST_REQUIRE_MESSAGE(d.init(config("page", n), err), err);
    for (std::uint32_t k = 0; k < n; ++k) BOOST_REQUIRE(d.insert_or_update(make_record(k, 1)).ok());
    // Move a third of them so that slots are not in insertion order.
    for (std::uint32_t k = 0; k < n; k += 3) BOOST_REQUIRE(d.insert_or_update(make_record(k, 2)).ok());
    for (std::uint16_t a = 0; a < test_apps; ++a) BOOST_TEST(d.app_count(a) == n / test_apps);

    std::vector<peer_view> out(1000);
    std::vector<std::uint8_t> seen(n, 0);
    std::uint64_t cursor = 0;
    std::uint32_t pages = 0;
    for (;;) {
        auto res = d.page(std::nullopt, cursor, out);
        for (std::uint32_t i = 0; i < res.count; ++i) {
            BOOST_REQUIRE(view_consistent(out[i]));
            ++seen[id_number(out[i].id)];
        }
        ++pages;
        BOOST_REQUIRE(res.next_cursor > cursor);
        cursor = res.next_cursor;
        if (res.done) break;
    }
    BOOST_TEST(pages >= n / 1000);
    for (std::uint32_t k = 0; k < n; ++k) BOOST_REQUIRE_MESSAGE(seen[k] == 1, "peer " << k << " seen " << int(seen[k]));

    // By app, with a small scan budget: partial pages, still complete.
    for (std::uint16_t a = 0; a < test_apps; ++a) {
        std::uint32_t total = 0;
        cursor = 0;
        for (;;) {
            auto res = d.page(a, cursor, out, 4096);
            for (std::uint32_t i = 0; i < res.count; ++i) BOOST_REQUIRE(out[i].app_index == a);
            total += res.count;
            cursor = res.next_cursor;
            if (res.done) break;
        }
        BOOST_TEST(total == d.app_count(a));
    }

    // Changes during paging: entries may be missed or repeated, never torn.
    cursor = 0;
    std::uint32_t k_next = 0;
    for (;;) {
        auto res = d.page(std::nullopt, cursor, out);
        for (std::uint32_t i = 0; i < res.count; ++i) BOOST_REQUIRE(view_consistent(out[i]));
        for (int j = 0; j < 500 && k_next < n; ++j, ++k_next) {
            if (k_next % 2 == 0)
                (void)d.remove(make_id(k_next));
            else
                BOOST_REQUIRE(d.insert_or_update(make_record(k_next, 3)).ok());
        }
        cursor = res.next_cursor;
        if (res.done) break;
    }
    for (; k_next < n; ++k_next)
        if (k_next % 2 == 0) (void)d.remove(make_id(k_next));
    BOOST_TEST(d.count() == n / 2);
}

// A removed slot must not be handed out again before every registered
// reader has reported a quiescent state.
BOOST_AUTO_TEST_CASE(slots_reused_only_after_quiescence) {
    peer_directory d;
    std::string err;
    BOOST_REQUIRE_MESSAGE(d.init(config("grace", 16, 64), err), err);
    BOOST_REQUIRE(d.register_reader(2));  // a reader that stays inside its read section

    BOOST_REQUIRE(d.insert_or_update(make_record(1, 1)).ok());
    peer_view v;
    BOOST_REQUIRE(d.lookup(make_id(1), v));
    const std::uint32_t held = v.slot;
    const std::uint32_t held_version = v.version;
    BOOST_REQUIRE(d.remove(make_id(1)));

    // Churn through far more slots than exist: every allocation must avoid
    // the held slot, until no free slot is left.
    std::uint32_t refused = 0;
    for (std::uint32_t i = 0; i < 1000; ++i) {
        std::uint32_t k = 1000 + i % 10;
        auto r = d.insert_or_update(make_record(k, i));
        if (!r.ok()) {
            BOOST_REQUIRE((r.error == drop_reason::table_full));
            ++refused;
            continue;
        }
        BOOST_REQUIRE(d.lookup(make_id(k), v));
        BOOST_REQUIRE(v.slot != held);
        if (i % 7 == 0) (void)d.remove(make_id(k));
    }
    BOOST_TEST(refused > 0u);  // the pool ran dry while the reader held on
    BOOST_TEST(d.slot_version(held) == held_version);
    BOOST_TEST(d.retired_slots() > 0u);

    d.quiescent(2);
    BOOST_TEST(d.reclaim() > 0u);
    bool reused = false;
    for (std::uint32_t i = 0; i < 200 && !reused; ++i) {
        std::uint32_t k = 2000 + i;
        if (d.count() >= d.capacity()) (void)d.remove(make_id(2000 + i - 1));
        if (!d.insert_or_update(make_record(k, i)).ok()) continue;
        BOOST_REQUIRE(d.lookup(make_id(k), v));
        reused = v.slot == held;
        d.quiescent(2);
    }
    BOOST_TEST(reused);
    BOOST_TEST(d.slot_version(held) != held_version);
    d.unregister_reader(2);
}

BOOST_AUTO_TEST_CASE(ten_million_peers_fit_in_4_gib) {
    auto m = peer_directory::estimate_memory(10'000'000);
    const double per_peer = static_cast<double>(m.total()) / 10'000'000.0;
    BOOST_TEST_MESSAGE("10M peers: " << m.total() << " bytes (" << per_peer << " per peer): slots " << m.slots
                                     << ", hash " << m.hash << ", free list " << m.free_list << ", session index "
                                     << m.session_index << ", fixed " << m.fixed);
    BOOST_TEST(m.total() < (std::uint64_t{4} << 30));
    BOOST_TEST(sizeof(peer_slot) == 256u);

    // The model against what the EAL heap actually hands out, at a size this
    // machine's no-huge memory holds.
    constexpr std::uint32_t cap = 500'000;
    const std::uint64_t before = heap_allocated();
    {
        peer_directory d;
        std::string err;
        BOOST_REQUIRE_MESSAGE(d.init(config("mem", cap), err), err);
        const std::uint64_t used = heap_allocated() - before;
        auto e = peer_directory::estimate_memory(cap, 0, 16, 4);
        BOOST_TEST_MESSAGE("500k peers: measured " << used << " bytes, model " << e.total() << ", "
                                                   << static_cast<double>(used) / cap << " per peer");
        BOOST_TEST(static_cast<double>(used) >= 0.95 * static_cast<double>(e.total()));
        BOOST_TEST(static_cast<double>(used) <= 1.05 * static_cast<double>(e.total()));
    }
}

BOOST_AUTO_TEST_SUITE_END()
