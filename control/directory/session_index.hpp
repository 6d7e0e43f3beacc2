#pragma once
// (lcore, session ID) -> directory slot. Only the control thread touches
// it (a session close names its lcore and session, not the peer ID), so it
// needs no concurrency at all: open addressing with linear probing and
// backward-shift deletion (no tombstones to pile up under churn). A bucket
// holds only the slot index; the key is read back from the slot, which
// keeps the index at 4 bytes per bucket.
#include <cstddef>
#include <cstdint>
#include <string>

namespace strato::control {

struct peer_slot;

class session_index {
public:
    static constexpr std::uint32_t npos = UINT32_MAX;

    session_index() = default;
    session_index(const session_index&) = delete;
    session_index& operator=(const session_index&) = delete;
    ~session_index();

    // Buckets: the power of two at or above 3/2 of capacity (load <= 2/3).
    static std::uint64_t bucket_count_for(std::uint32_t capacity) noexcept;
    [[nodiscard]] bool init(const std::string& name, std::uint32_t capacity, const peer_slot* slots, int socket_id,
                            std::string& error);
    void release() noexcept;

    std::uint32_t find(std::uint16_t lcore, std::uint32_t session_id) const noexcept;
    // The slot's lcore and session must already be written. The key must
    // not be present (the directory evicts a stale holder first).
    void insert(std::uint32_t slot) noexcept;
    // Same key, new slot (copy-on-write update).
    void replace(std::uint32_t old_slot, std::uint32_t new_slot) noexcept;
    void erase(std::uint32_t slot) noexcept;
    std::uint64_t bytes() const noexcept { return (mask_ + 1) * sizeof(std::uint32_t); }

private:
    std::uint64_t key_of(std::uint32_t slot) const noexcept;
    std::uint64_t home(std::uint64_t key) const noexcept;
    std::uint64_t position_of(std::uint32_t slot) const noexcept;

    std::uint32_t* buckets_ = nullptr;
    std::uint64_t mask_ = 0;
    const peer_slot* slots_ = nullptr;
};

} // namespace strato::control
