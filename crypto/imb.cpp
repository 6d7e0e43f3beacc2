#include "crypto/imb.hpp"

#include <intel-ipsec-mb.h>

#include <cstdlib>
#include <new>

namespace strato::crypto {

namespace {

struct imb_holder {
    imb_context ctx;
    imb_holder() noexcept {
        IMB_MGR* m = alloc_mb_mgr(0);
        if (m == nullptr) return;
        // Pick the widest implementation the CPU supports: the AVX-512 manager
        // uses VAES for multi-lane AES-CBC and SHA-NI for HMAC-SHA256.
        const std::uint64_t f = m->features;
        if ((f & IMB_CPUFLAGS_AVX512) == IMB_CPUFLAGS_AVX512) {
            init_mb_mgr_avx512(m);
            ctx.arch = "avx512";
        } else if ((f & IMB_CPUFLAGS_AVX2) == IMB_CPUFLAGS_AVX2) {
            init_mb_mgr_avx2(m);
            ctx.arch = "avx2";
        } else if ((f & IMB_CPUFLAGS_AVX) == IMB_CPUFLAGS_AVX) {
            init_mb_mgr_avx(m);
            ctx.arch = "avx";
        } else {
            init_mb_mgr_sse(m);
            ctx.arch = "sse";
        }
        // HMAC-SHA256 goes to an SSE manager: with SHA-NI it hashes one or
        // two messages at full speed, where the AVX-512 manager's 16-lane
        // SIMD SHA needs full lanes (a lone cookie check was ~1 us there).
        IMB_MGR* h = alloc_mb_mgr(0);
        void* jobs = std::aligned_alloc(64, sizeof(IMB_JOB) * max_burst);
        if (jobs == nullptr || h == nullptr) {
            free_mb_mgr(m);
            if (h) free_mb_mgr(h);
            std::free(jobs);
            return;
        }
        init_mb_mgr_sse(h);
        ctx.hash_mgr = h;
        ctx.jobs = static_cast<IMB_JOB*>(jobs);
        for (std::size_t i = 0; i < max_burst; ++i) new (&ctx.jobs[i]) IMB_JOB{};
        ctx.sha_ni = (f & IMB_FEATURE_SHANI) != 0;
        ctx.mgr = m;
    }
    ~imb_holder() {
        if (ctx.mgr) free_mb_mgr(ctx.mgr);
        if (ctx.hash_mgr) free_mb_mgr(ctx.hash_mgr);
        std::free(ctx.jobs);
    }
    imb_holder(const imb_holder&) = delete;
    imb_holder& operator=(const imb_holder&) = delete;
};

} // namespace

imb_context* thread_imb() noexcept {
    thread_local imb_holder holder;
    return holder.ctx.mgr ? &holder.ctx : nullptr;
}

} // namespace strato::crypto
