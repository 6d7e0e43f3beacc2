#pragma once
// One Intel IPsec-MB manager per thread (VPP, DPDK aesni_mb do the same): the
// manager holds per-lane state and must never be shared between threads.
// The manager and its job array are allocated once, on first use in a thread;
// nothing on the per-packet path allocates afterwards.
#include <cstddef>
#include <string_view>

struct IMB_MGR;
struct IMB_JOB;

namespace strato::crypto {

// Largest burst a single call hands to IPsec-MB; bigger spans are processed
// in slices of this size (IMB_MAX_BURST_SIZE is 128 in IPsec-MB 1.3).
inline constexpr std::size_t max_burst = 64;

struct imb_context {
    IMB_MGR* mgr = nullptr;       // widest arch: VAES multi-lane AES-CBC
    IMB_MGR* hash_mgr = nullptr;  // SSE arch: its HMAC-SHA256 runs on SHA-NI
    IMB_JOB* jobs = nullptr;      // max_burst preallocated jobs for the burst API
    std::string_view arch;        // "avx512", "avx2", "avx", "sse"
    bool sha_ni = false;          // the CPU has SHA-NI: HMAC-SHA256 bursts bypass the job API
};

// The calling thread's manager; created on first call. Returns nullptr only
// if IPsec-MB could not allocate a manager (reported once per thread).
imb_context* thread_imb() noexcept;

} // namespace strato::crypto
