#pragma once
// Live streams of one worker lcore (RFC 7425 §5.4): publishers registered by
// (app, name), their subscribers, and the fan-out of the publisher's media
// messages. Sized once at construction; publish, play and fan-out allocate
// nothing. Only sessions of the owning lcore take part (no cross-lcore
// subscribers yet).
//
// Flow control per subscriber: a frame that does not fit in the
// subscriber's NetStream flow (its send buffer is bounded by the session
// engine) puts that subscriber into "awaiting keyframe": its audio and video
// are dropped, counted, until the next video keyframe, so that it resumes
// on a decodable picture and never builds a queue.
#include <cstdint>
#include <memory>
#include <string_view>

#include "dataplane/engine/counters.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::engine {

// The receiving end of a stream: a NetConnection, with its own NetStream
// slot number so that one connection may publish or play several streams.
class stream_sink {
public:
    virtual ~stream_sink() = default;
    // Queue one RTMP message (type, timestamp, body) on the NetStream's
    // return flow; false when it does not fit.
    virtual bool send_stream_message(std::uint8_t slot, wire::bytes message) noexcept = 0;
    // The publisher left: the subscriber is detached from the table already.
    virtual void on_stream_unpublished(std::uint8_t slot) noexcept = 0;
};

inline constexpr std::size_t max_stream_name = 128;

enum class publish_result : std::uint8_t { ok, name_in_use, bad_name, table_full };
enum class play_result : std::uint8_t { ok, not_found, full };

// A video message (RTMP type 9) whose first payload nibble is frame type 1.
bool is_video_keyframe(wire::bytes rtmp_message) noexcept;

struct fan_out_result {
    std::uint32_t sent = 0;
    std::uint32_t dropped = 0;  // backlogged or awaiting a keyframe
};

class stream_table {
public:
    stream_table(std::uint32_t max_streams, std::uint32_t max_subscribers_per_stream, lcore_counters& counters);

    // Registers the publisher of `name` in app `app`; `index` names the stream from then on.
    publish_result publish(std::uint16_t app, std::string_view name, stream_sink& sink, std::uint8_t slot,
                           std::uint32_t& index) noexcept;
    play_result subscribe(std::uint16_t app, std::string_view name, stream_sink& sink, std::uint8_t slot,
                          std::uint32_t& index) noexcept;
    void unsubscribe(std::uint32_t index, const stream_sink& sink, std::uint8_t slot) noexcept;
    // The publisher leaves: every subscriber is detached and told.
    void unpublish(std::uint32_t index) noexcept;
    // One message of the publisher to every subscriber, under the keyframe policy.
    fan_out_result fan_out(std::uint32_t index, wire::bytes rtmp_message) noexcept;

    std::uint32_t stream_count() const noexcept { return live_; }
    std::uint32_t subscriber_count(std::uint32_t index) const noexcept;

private:
    struct subscriber {
        stream_sink* sink = nullptr;
        std::uint8_t slot = 0;
        bool awaiting_keyframe = false;
    };
    struct stream {
        bool live = false;
        std::uint16_t app = 0;
        std::uint8_t name_size = 0;
        char name[max_stream_name];
        stream_sink* publisher = nullptr;
        std::uint8_t publisher_slot = 0;
        std::uint32_t subscriber_count = 0;
    };
    stream* find(std::uint16_t app, std::string_view name) noexcept;
    subscriber* subscribers_of(std::uint32_t index) noexcept { return subscribers_.get() + std::size_t{index} * per_stream_; }

    std::uint32_t capacity_;
    std::uint32_t per_stream_;
    std::uint32_t live_ = 0;
    std::unique_ptr<stream[]> streams_;
    std::unique_ptr<subscriber[]> subscribers_;
    lcore_counters* counters_;
};

} // namespace strato::engine
