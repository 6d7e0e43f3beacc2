// One EAL per test binary, started by the shared test helper.
#define BOOST_TEST_MODULE strato_dataplane
#include <boost/test/unit_test.hpp>

#include "tests/support/eal.hpp"

namespace {
struct eal_fixture {
    eal_fixture() { strato::test::start_test_eal("strato_dp", 512); }
    ~eal_fixture() { rte_eal_cleanup(); }
};
} // namespace

BOOST_TEST_GLOBAL_FIXTURE(eal_fixture);
