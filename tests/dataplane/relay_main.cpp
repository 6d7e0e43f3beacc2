// One EAL for the cross-lcore relay test: three lcores (main and two
// workers), lcore 2 sharing CPU 0 with the main lcore on two-CPU machines.
#define BOOST_TEST_MODULE strato_dataplane_relay
#include <boost/test/unit_test.hpp>

#include "tests/support/eal.hpp"

namespace {
struct eal_fixture {
    eal_fixture() { strato::test::start_test_eal("strato_dp_relay", 1024, "0@0,1@1,2@0"); }
    ~eal_fixture() { rte_eal_cleanup(); }
};
} // namespace

BOOST_TEST_GLOBAL_FIXTURE(eal_fixture);
