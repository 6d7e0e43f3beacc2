#pragma once
// Diffie-Hellman off the poll loop. Workers hand prepared IIKeyings
// (engine::keying_request) to service threads through rings and collect
// finished ones on their own return ring; nothing here blocks a worker.
// Service threads keep fresh server key pairs per group generated ahead of
// time, so a handshake costs the service one modular exponentiation.
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "crypto/dh.hpp"
#include "dataplane/engine/keying.hpp"
#include "dataplane/net/udp.hpp"

namespace strato::stratod {

// One IIKeying in flight: the request, where to send the answer, the result.
struct keying_slot {
    engine::keying_request request;
    engine::keying_result result;
    net::udp_route reply_route;     // Ethernet/IP/UDP of the RIKeying (reverse of the IIKeying)
    std::uint16_t port_index = 0;
    std::uint16_t worker = 0;
};

struct dh_service_config {
    unsigned threads = 1;
    unsigned slots_per_worker = 1024;   // bounded keying queue per lcore
    std::size_t exponent_bits = 256;    // short server exponents (0 = full length)
    std::uint64_t groups = 0;           // bit n: group n advertised
    // A server key pair answers at most this many handshakes (and is never
    // older than max_key_age_ms) before a fresh one replaces it: bounded
    // reuse keeps one modexp per handshake under load, with forward secrecy
    // per key lifetime.
    unsigned max_key_uses = 64;
    unsigned max_key_age_ms = 1000;
};

class dh_service {
public:
    dh_service() = default;
    dh_service(const dh_service&) = delete;
    dh_service& operator=(const dh_service&) = delete;
    ~dh_service();

    // Allocates every slot and ring up front; starts the threads.
    [[nodiscard]] bool start(const dh_service_config& cfg, unsigned workers, std::string& error);
    void stop();

    // Worker side (each worker only touches its own index): never blocks.
    keying_slot* acquire(unsigned worker) noexcept;
    [[nodiscard]] bool submit(keying_slot* slot) noexcept;       // false: queue full (slot stays the caller's)
    unsigned collect(unsigned worker, keying_slot** out, unsigned n) noexcept;
    void release(keying_slot* slot) noexcept;

    std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_relaxed); }
    std::uint64_t keys_generated() const noexcept { return keys_generated_.load(std::memory_order_relaxed); }

private:
    struct per_worker {
        rte_ring* free = nullptr;   // idle slots (worker enqueues and dequeues: SP/SC)
        rte_ring* done = nullptr;   // finished slots (services enqueue: MP; worker dequeues: SC)
        std::unique_ptr<keying_slot[]> slots;
    };
    void run(unsigned index);

    dh_service_config cfg_;
    rte_ring* requests_ = nullptr;  // workers enqueue (MP), services dequeue (MC)
    std::vector<per_worker> workers_;
    std::vector<std::thread> threads_;
    std::atomic<bool> quit_{false};
    std::atomic<std::uint64_t> completed_{0};
    std::atomic<std::uint64_t> keys_generated_{0};
};

} // namespace strato::stratod
