#pragma once
// Initiator identities for the session scenarios without a modexp per
// handshake: a pool of DH key pairs made before the run, and for each
// handshake a fresh certificate and SKIC around the next pool key. The
// certificate is the ephemeral form (RFC 7425 §4.3.3.3, rtmfp-cpp style) with
// its own Extra Randomness, so every NetConnection still gets its own peer ID
// (RFC 7425 §5.3) although the key is shared; the key itself travels in the
// SKIC. The randomness comes from a fast PRNG seeded by OpenSSL: this is a
// load generator, its sessions protect nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/dh.hpp"
#include "tools/strato-load/peers.hpp"
#include "tools/strato-peer/initiator_keying.hpp"

namespace strato::load {

class identity_pool {
public:
    // Generates `keypairs` key pairs of c.group. Empty string on success.
    std::string prepare(const peer::keying_choice& c, std::size_t keypairs, std::uint64_t seed);
    // The next identity; false only if the certificate or SKIC cannot be built.
    [[nodiscard]] bool make(peer::initiator_identity& out);
    std::size_t size() const noexcept { return keys_.size(); }
    const peer::keying_choice& choice() const noexcept { return choice_; }

private:
    peer::keying_choice choice_;
    std::vector<crypto::dh_keypair> keys_;
    std::size_t next_ = 0;
    fast_random random_{1};
};

} // namespace strato::load
