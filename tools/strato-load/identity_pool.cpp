#include "tools/strato-load/identity_pool.hpp"

#include <array>

namespace strato::load {

namespace {
// Short exponents, like stratod's own (RFC 3526 §8: twice the symmetric
// strength): the shared secret per handshake is the generator's largest
// cost, and a full 1024-bit exponent would triple it.
constexpr std::size_t pool_exponent_bits = 256;
} // namespace

std::string identity_pool::prepare(const peer::keying_choice& c, std::size_t keypairs, std::uint64_t seed) {
    if (keypairs == 0) return "the DH pool needs at least one key pair";
    choice_ = c;
    choice_.form = peer::certificate_form::ephemeral;
    random_ = fast_random(seed);
    keys_.assign(keypairs, crypto::dh_keypair{});
    for (auto& k : keys_)
        if (crypto::dh_generate(choice_.group, pool_exponent_bits, k) != crypto::dh_error::ok)
            return "cannot generate a DH key pair for group " + std::to_string(static_cast<int>(choice_.group));
    next_ = 0;
    return "";
}

bool identity_pool::make(peer::initiator_identity& out) {
    if (keys_.empty()) return false;
    std::array<std::uint8_t, peer::extra_randomness_size> skic_random{}, cert_random{};
    random_.fill(skic_random);
    random_.fill(cert_random);
    const auto& key = keys_[next_];
    next_ = (next_ + 1) % keys_.size();
    return peer::make_identity(choice_, key, skic_random, cert_random, out);
}

} // namespace strato::load
