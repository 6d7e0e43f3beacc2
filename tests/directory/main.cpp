// One EAL per test binary (the EAL cannot be restarted in a process).
#define BOOST_TEST_MODULE strato_directory
#include <boost/test/unit_test.hpp>

#include <rte_eal.h>
#include <rte_errno.h>

#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace {
struct eal_fixture {
    eal_fixture() {
        // Unique prefix: parallel test binaries on one machine must not meet.
        std::string prefix = "--file-prefix=strato_dir_" + std::to_string(::getpid());
        std::vector<std::string> args{"test_peer_directory", "--no-huge", "-m", "1024", "--no-pci", prefix,
                                      "-l", "0-1", "--log-level=error"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
            throw std::runtime_error(std::string("EAL start failed: ") + rte_strerror(rte_errno));
    }
    ~eal_fixture() { rte_eal_cleanup(); }
};
} // namespace

BOOST_TEST_GLOBAL_FIXTURE(eal_fixture);
