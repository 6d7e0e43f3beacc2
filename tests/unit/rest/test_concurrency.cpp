// Readers hammer /v1/stats and /v1/peers while the backend changes under
// them: no crash, every answer a 200 with a consistent body.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "tests/unit/rest/util.hpp"

using namespace strato::rest;
using namespace strato::rest::testing;

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(readers_while_backend_mutates) {
    server_options o;
    o.threads = 4;
    fixture f(o);
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> ok{0}, bad{0};
    std::thread writer([&] {
        for (std::uint64_t step = 1; !stop.load(); ++step) {
            f.backend.mutate(step);
            if (step % 7 == 0) f.backend.remove_peer(fake_backend::make_id(1000000 + step - 3));
        }
    });
    std::vector<std::thread> readers;
    for (int t = 0; t < 6; ++t) {
        readers.emplace_back([&, t] {
            for (int i = 0; i < 60; ++i) {
                try {
                    const auto r = f.get(t % 2 == 0 ? "/v1/stats" : "/v1/peers?limit=20");
                    const auto j = r.json();   // a torn body would not parse
                    if (r.status == 200u && j.is_object()) ++ok;
                    else ++bad;
                } catch (...) {
                    ++bad;
                }
            }
        });
    }
    for (auto& r : readers) r.join();
    stop = true;
    writer.join();
    BOOST_TEST(bad.load() == 0u);
    BOOST_TEST(ok.load() == 360u);
    BOOST_TEST(f.get("/metrics").status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
