#pragma once
// Runs the classifier over a copy of a frame held in a buffer of exactly the
// given size, so AddressSanitizer sees any access past it.
#include <memory>

#include "dataplane/net/classify.hpp"
#include "tests/unit/net/frames.hpp"

namespace net_test {

struct outcome {
    strato::net::classification c;
    buf bytes;  // the buffer afterwards, cut to reply_length for replies
};

inline outcome run(const strato::net::l3_config& cfg, const buf& frame, std::size_t extra_room = 0,
                   const strato::net::classify_context& ctx = {}) {
    const std::size_t cap = frame.size() + extra_room;
    std::unique_ptr<std::uint8_t[]> storage(new std::uint8_t[cap ? cap : 1]);
    std::copy(frame.begin(), frame.end(), storage.get());
    outcome o;
    o.c = strato::net::classify(cfg, std::span<std::uint8_t>(storage.get(), cap), frame.size(), ctx);
    std::size_t keep = o.c.kind == strato::net::verdict::reply ? o.c.reply_length : frame.size();
    o.bytes.assign(storage.get(), storage.get() + keep);
    return o;
}

inline strato::wire::drop_reason reason_of(const strato::net::l3_config& cfg, const buf& frame) {
    auto o = run(cfg, frame);
    return o.c.kind == strato::net::verdict::drop ? o.c.reason : strato::wire::drop_reason::none;
}

} // namespace net_test
