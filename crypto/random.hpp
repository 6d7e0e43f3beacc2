#pragma once
// Cryptographic random bytes for cookies and certificates. A per-thread pool
// refilled from OpenSSL's DRBG in 4 KiB steps keeps the per-cookie cost to a
// memcpy (RAND_bytes per call would cost a lock and a DRBG round each time).
#include "dataplane/wire/bytes.hpp"

namespace strato::crypto {

// Returns false only if OpenSSL's DRBG fails (then out is unspecified).
[[nodiscard]] bool random_bytes(wire::mutable_bytes out) noexcept;

} // namespace strato::crypto
