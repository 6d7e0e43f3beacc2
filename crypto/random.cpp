#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <cstring>

namespace strato::crypto {

bool random_bytes(wire::mutable_bytes out) noexcept {
    struct pool {
        std::uint8_t buf[4096];
        std::size_t left = 0;
    };
    thread_local pool p;
    if (out.size() > sizeof p.buf) return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
    if (p.left < out.size()) {
        if (RAND_bytes(p.buf, sizeof p.buf) != 1) return false;
        p.left = sizeof p.buf;
    }
    std::uint8_t* src = p.buf + (sizeof p.buf - p.left);
    std::memcpy(out.data(), src, out.size());
    // Bytes handed out are wiped so that a later memory disclosure cannot
    // reveal cookies already issued.
    std::memset(src, 0, out.size());
    p.left -= out.size();
    return true;
}

} // namespace strato::crypto
