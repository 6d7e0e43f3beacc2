#include "dataplane/wire/mix.hpp"
#include "control/directory/session_index.hpp"

#include <rte_malloc.h>

#include "control/directory/peer_directory.hpp"

namespace strato::control {

namespace {
std::uint64_t pack(std::uint16_t lcore, std::uint32_t session_id) noexcept {
    return (std::uint64_t{lcore} << 32) | session_id;
}
// Session IDs may be sequential per lcore: mix before masking so that
// neighbours do not form one long probe run.
std::uint64_t mix(std::uint64_t k) noexcept { return wire::mix64(k); }
} // namespace

session_index::~session_index() { release(); }

std::uint64_t session_index::bucket_count_for(std::uint32_t capacity) noexcept {
    std::uint64_t want = std::uint64_t{capacity} + capacity / 2 + 1;
    std::uint64_t n = 16;
    while (n < want) n <<= 1;
    return n;
}

bool session_index::init(const std::string& name, std::uint32_t capacity, const peer_slot* slots, int socket_id,
                         std::string& error) {
    release();
    std::uint64_t n = bucket_count_for(capacity);
    buckets_ = static_cast<std::uint32_t*>(
        rte_malloc_socket((name + "_sess").c_str(), n * sizeof(std::uint32_t), 64, socket_id));
    if (buckets_ == nullptr) {
        error = "peer directory: cannot allocate the session index (" + std::to_string(n * sizeof(std::uint32_t)) +
                " bytes)";
        return false;
    }
    for (std::uint64_t i = 0; i < n; ++i) buckets_[i] = npos;
    mask_ = n - 1;
    slots_ = slots;
    return true;
}

void session_index::release() noexcept {
    rte_free(buckets_);
    buckets_ = nullptr;
    mask_ = 0;
}

std::uint64_t session_index::key_of(std::uint32_t slot) const noexcept {
    return pack(slots_[slot].lcore, slots_[slot].session_id);
}

std::uint64_t session_index::home(std::uint64_t key) const noexcept { return mix(key) & mask_; }

std::uint32_t session_index::find(std::uint16_t lcore, std::uint32_t session_id) const noexcept {
    std::uint64_t key = pack(lcore, session_id);
    for (std::uint64_t i = home(key);; i = (i + 1) & mask_) {
        std::uint32_t s = buckets_[i];
        if (s == npos) return npos;
        if (key_of(s) == key) return s;
    }
}

void session_index::insert(std::uint32_t slot) noexcept {
    std::uint64_t i = home(key_of(slot));
    while (buckets_[i] != npos) i = (i + 1) & mask_;
    buckets_[i] = slot;
}

std::uint64_t session_index::position_of(std::uint32_t slot) const noexcept {
    for (std::uint64_t i = home(key_of(slot));; i = (i + 1) & mask_) {
        if (buckets_[i] == slot) return i;
        if (buckets_[i] == npos) return mask_ + 1;
    }
}

void session_index::replace(std::uint32_t old_slot, std::uint32_t new_slot) noexcept {
    std::uint64_t i = position_of(old_slot);
    if (i <= mask_) buckets_[i] = new_slot;
}

void session_index::erase(std::uint32_t slot) noexcept {
    std::uint64_t i = position_of(slot);
    if (i > mask_) return;
    // Backward shift: pull later members of the run into the hole when the
    // hole lies between their home and where they sit.
    for (std::uint64_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
        std::uint32_t s = buckets_[j];
        if (s == npos) break;
        std::uint64_t h = home(key_of(s));
        if (((j - h) & mask_) >= ((j - i) & mask_)) {
            buckets_[i] = s;
            i = j;
        }
    }
    buckets_[i] = npos;
}

} // namespace strato::control
