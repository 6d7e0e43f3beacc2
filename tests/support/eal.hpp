#pragma once
// One EAL per test binary (the EAL cannot be restarted in a process), started
// the way every machine here allows: no hugepages, no PCI, two lcores, and a
// file prefix unique to the process so parallel test binaries never meet.
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace strato::test {

// lcores: an EAL --lcores map ("0@0,1@1,2@0" runs three lcores on two CPUs).
inline void start_test_eal(const std::string& name, unsigned memory_mb, const std::string& lcores = "0-1") {
    std::vector<std::string> args{name, "--no-huge", "-m", std::to_string(memory_mb), "--no-pci",
                                  "--file-prefix=" + name + "_" + std::to_string(::getpid()),
                                  "--lcores", lcores, "--log-level=error"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
        throw std::runtime_error(std::string("EAL start failed: ") + rte_strerror(rte_errno));
}

} // namespace strato::test
