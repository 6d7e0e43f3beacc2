// Built without libdpdk: the DPDK backend says so instead of failing later.
#include "tools/strato-load/backend.hpp"

namespace strato::load {
std::unique_ptr<io_backend> make_dpdk_backend(const load_options&, std::string& error) {
    error = "--backend dpdk: this strato-load was built without DPDK";
    return nullptr;
}
} // namespace strato::load
