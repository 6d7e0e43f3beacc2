#include "dataplane/engine/stream_table.hpp"

#include <cstring>

#include "dataplane/flash/rtmp.hpp"

namespace strato::engine {

using wire::drop_reason;

bool is_video_keyframe(wire::bytes m) noexcept {
    // u8 type | u32 timestamp | FLV video tag body: frame type in the high nibble.
    return m.size() > flash::rtmp_header_size && m[0] == flash::rtmp_type::video &&
           (m[flash::rtmp_header_size] >> 4) == 1;
}

stream_table::stream_table(std::uint32_t max_streams, std::uint32_t max_subscribers_per_stream, lcore_counters& counters)
    : capacity_(max_streams),
      per_stream_(max_subscribers_per_stream),
      streams_(new stream[max_streams]),
      subscribers_(new subscriber[std::size_t{max_streams} * max_subscribers_per_stream]),
      counters_(&counters) {}

stream_table::stream* stream_table::find(std::uint16_t app, std::string_view name) noexcept {
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        auto& s = streams_[i];
        if (s.live && s.app == app && std::string_view(s.name, s.name_size) == name) return &s;
    }
    return nullptr;
}

publish_result stream_table::publish(std::uint16_t app, std::string_view name, stream_sink& sink, std::uint8_t slot,
                                     std::uint32_t& index) noexcept {
    if (name.empty() || name.size() > max_stream_name) {
        counters_->drop(drop_reason::stream_bad_name);
        return publish_result::bad_name;
    }
    if (find(app, name)) {
        counters_->drop(drop_reason::stream_name_in_use);
        return publish_result::name_in_use;
    }
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        auto& s = streams_[i];
        if (s.live) continue;
        s.live = true;
        s.app = app;
        s.name_size = static_cast<std::uint8_t>(name.size());
        std::memcpy(s.name, name.data(), name.size());
        s.publisher = &sink;
        s.publisher_slot = slot;
        s.subscriber_count = 0;
        ++live_;
        index = i;
        return publish_result::ok;
    }
    counters_->drop(drop_reason::table_full);
    return publish_result::table_full;
}

play_result stream_table::subscribe(std::uint16_t app, std::string_view name, stream_sink& sink, std::uint8_t slot,
                                    std::uint32_t& index) noexcept {
    auto* s = find(app, name);
    if (!s) {
        counters_->drop(drop_reason::stream_not_found);
        return play_result::not_found;
    }
    if (s->subscriber_count == per_stream_) {
        counters_->drop(drop_reason::table_full);
        return play_result::full;
    }
    index = static_cast<std::uint32_t>(s - streams_.get());
    subscribers_of(index)[s->subscriber_count++] = subscriber{&sink, slot, false};
    return play_result::ok;
}

void stream_table::unsubscribe(std::uint32_t index, const stream_sink& sink, std::uint8_t slot) noexcept {
    if (index >= capacity_ || !streams_[index].live) return;
    auto& s = streams_[index];
    auto* subs = subscribers_of(index);
    for (std::uint32_t i = 0; i < s.subscriber_count; ++i) {
        if (subs[i].sink == &sink && subs[i].slot == slot) {
            subs[i] = subs[--s.subscriber_count];  // order is not kept: fan-out order does not matter
            return;
        }
    }
}

void stream_table::unpublish(std::uint32_t index) noexcept {
    if (index >= capacity_ || !streams_[index].live) return;
    auto& s = streams_[index];
    s.live = false;
    --live_;
    // Detached before being told, so a sink may not reach back into this stream.
    const std::uint32_t n = s.subscriber_count;
    s.subscriber_count = 0;
    auto* subs = subscribers_of(index);
    for (std::uint32_t i = 0; i < n; ++i) subs[i].sink->on_stream_unpublished(subs[i].slot);
}

fan_out_result stream_table::fan_out(std::uint32_t index, wire::bytes m) noexcept {
    fan_out_result r;
    if (index >= capacity_ || !streams_[index].live || m.empty()) return r;
    const bool keyframe = is_video_keyframe(m);
    // Data messages (metadata) are not part of the decoding chain: they are
    // offered even to a subscriber that waits for a keyframe.
    const bool media = m[0] == flash::rtmp_type::audio || m[0] == flash::rtmp_type::video;
    auto* subs = subscribers_of(index);
    const std::uint32_t n = streams_[index].subscriber_count;
    std::uint32_t waiting = 0, backlogged = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        auto& sub = subs[i];
        if (sub.awaiting_keyframe && media && !keyframe) {
            ++waiting;
            continue;
        }
        if (sub.sink->send_stream_message(sub.slot, m)) {
            if (keyframe) sub.awaiting_keyframe = false;
            ++r.sent;
        } else {
            if (media) sub.awaiting_keyframe = true;
            ++backlogged;
        }
    }
    if (waiting) counters_->drop(drop_reason::stream_awaiting_keyframe, waiting);
    if (backlogged) counters_->drop(drop_reason::stream_subscriber_backlog, backlogged);
    r.dropped = waiting + backlogged;
    if (r.sent) counters_->count(stage::stream_frames_out, r.sent);
    return r;
}

std::uint32_t stream_table::subscriber_count(std::uint32_t index) const noexcept {
    return index < capacity_ && streams_[index].live ? streams_[index].subscriber_count : 0;
}

} // namespace strato::engine
