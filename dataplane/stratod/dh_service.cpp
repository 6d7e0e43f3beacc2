#include "dataplane/stratod/dh_service.hpp"

#include <rte_lcore.h>

#include <array>
#include <chrono>
#include <string>

#include "dataplane/stratod/log.hpp"

namespace strato::stratod {

namespace {
constexpr std::array<crypto::dh_group, 5> all_groups{crypto::dh_group::modp768, crypto::dh_group::modp1024,
                                                     crypto::dh_group::modp1536, crypto::dh_group::modp2048,
                                                     crypto::dh_group::modp4096};

unsigned ring_size_for(unsigned n) {
    unsigned s = 2;
    while (s < n + 1) s <<= 1;
    return s;
}

// The current server key pair of one group on one service thread.
struct group_key {
    crypto::dh_keypair pair;
    bool valid = false;
    unsigned uses = 0;
    std::chrono::steady_clock::time_point born;
};
} // namespace

dh_service::~dh_service() { stop(); }

bool dh_service::start(const dh_service_config& cfg, unsigned workers, std::string& error) {
    cfg_ = cfg;
    const int socket = static_cast<int>(rte_socket_id());
    const std::string tag = std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xffffff);
    const unsigned total = cfg.slots_per_worker * workers;
    requests_ = rte_ring_create(("dhq_" + tag).c_str(), ring_size_for(total), socket, 0);
    if (!requests_) {
        error = "cannot create the keying request ring (" + std::to_string(total) + " slots)";
        return false;
    }
    workers_.resize(workers);
    for (unsigned w = 0; w < workers; ++w) {
        auto& pw = workers_[w];
        const unsigned size = ring_size_for(cfg.slots_per_worker);
        pw.free = rte_ring_create(("dhf_" + tag + "_" + std::to_string(w)).c_str(), size, socket,
                                  RING_F_SP_ENQ | RING_F_SC_DEQ);
        pw.done = rte_ring_create(("dhd_" + tag + "_" + std::to_string(w)).c_str(), size, socket, RING_F_SC_DEQ);
        pw.slots = std::make_unique<keying_slot[]>(cfg.slots_per_worker);
        if (!pw.free || !pw.done) {
            error = "cannot create the keying rings of worker " + std::to_string(w);
            return false;
        }
        for (unsigned i = 0; i < cfg.slots_per_worker; ++i) {
            pw.slots[i].worker = static_cast<std::uint16_t>(w);
            (void)rte_ring_enqueue(pw.free, &pw.slots[i]);
        }
    }
    for (unsigned t = 0; t < std::max(1u, cfg.threads); ++t) threads_.emplace_back([this, t] { run(t); });
    return true;
}

void dh_service::stop() {
    quit_ = true;
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    for (auto& pw : workers_) {
        rte_ring_free(pw.free);
        rte_ring_free(pw.done);
        pw.free = pw.done = nullptr;
    }
    workers_.clear();
    rte_ring_free(requests_);
    requests_ = nullptr;
}

keying_slot* dh_service::acquire(unsigned worker) noexcept {
    void* p = nullptr;
    if (worker >= workers_.size() || rte_ring_dequeue(workers_[worker].free, &p) != 0) return nullptr;
    return static_cast<keying_slot*>(p);
}

bool dh_service::submit(keying_slot* slot) noexcept { return rte_ring_enqueue(requests_, slot) == 0; }

unsigned dh_service::collect(unsigned worker, keying_slot** out, unsigned n) noexcept {
    if (worker >= workers_.size()) return 0;
    return rte_ring_dequeue_burst(workers_[worker].done, reinterpret_cast<void**>(out), n, nullptr);
}

void dh_service::release(keying_slot* slot) noexcept { (void)rte_ring_enqueue(workers_[slot->worker].free, slot); }

void dh_service::run(unsigned) {
    std::array<group_key, all_groups.size()> keys{};
    auto refresh = [&](group_key& k, crypto::dh_group g) {
        if (crypto::dh_generate(g, cfg_.exponent_bits, k.pair) != crypto::dh_error::ok) return false;
        k.valid = true;
        k.uses = 0;
        k.born = std::chrono::steady_clock::now();
        keys_generated_.fetch_add(1, std::memory_order_relaxed);
        return true;
    };
    const auto max_age = std::chrono::milliseconds(cfg_.max_key_age_ms);
    while (!quit_.load(std::memory_order_relaxed)) {
        void* p = nullptr;
        if (rte_ring_dequeue(requests_, &p) != 0) {
            // Idle: have a fresh key pair ready for every advertised group, so
            // the next handshake costs only its own exponentiation.
            bool worked = false;
            for (std::size_t i = 0; i < all_groups.size(); ++i) {
                const auto g = all_groups[i];
                if (!((cfg_.groups >> static_cast<unsigned>(g)) & 1u)) continue;
                auto& k = keys[i];
                if (!k.valid || k.uses > 0 || std::chrono::steady_clock::now() - k.born > max_age)
                    worked |= refresh(k, g);
            }
            if (!worked) std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        auto* slot = static_cast<keying_slot*>(p);
        std::size_t gi = 0;
        while (gi < all_groups.size() && all_groups[gi] != slot->request.group) ++gi;
        if (gi == all_groups.size()) {
            slot->result.status = wire::drop_reason::unsupported_dh_group;
        } else {
            auto& k = keys[gi];
            const bool stale = !k.valid || k.uses >= cfg_.max_key_uses ||
                               std::chrono::steady_clock::now() - k.born > max_age;
            if (stale && !refresh(k, slot->request.group)) {
                slot->result.status = wire::drop_reason::unsupported_dh_group;
            } else {
                ++k.uses;
                engine::complete_keying(slot->request, k.pair, slot->result);
            }
        }
        completed_.fetch_add(1, std::memory_order_relaxed);
        while (rte_ring_enqueue(workers_[slot->worker].done, slot) != 0) std::this_thread::yield();
    }
}

} // namespace strato::stratod
