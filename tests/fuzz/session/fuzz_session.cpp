// libFuzzer target: arbitrary plain packets into a responder session. The
// first input byte steers (source address, clock advance); the rest is split
// at 0xA5 0x5A into packets fed in order, with poll() after each, so state
// built by one packet (flows, stash, acks) meets the next.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/session/session.hpp"

namespace strato::session {
namespace {
struct echo_app final : session_app {
    session* self = nullptr;
    std::uint64_t reply_flow = 0;
    bool on_new_flow(session&, std::uint64_t id, wire::bytes meta, std::optional<std::uint64_t>) noexcept override {
        return !meta.empty() && (id & 3) != 3;  // reject some
    }
    void on_message(session& s, std::uint64_t flow, wire::bytes m) noexcept override {
        if (!reply_flow) {
            const std::uint8_t tc[] = {0x54, 0x43, 0x04, 0x00};
            reply_flow = s.open_flow({tc, 4}, flow);
        }
        if (reply_flow) (void)s.send(reply_flow, m.first(std::min<std::size_t>(m.size(), 3000)));
        if (m.size() == 7) s.close_flow(reply_flow);
    }
    void on_flow_closed(session&, std::uint64_t, bool, flow_end) noexcept override {}
    void on_session_closed(session&, close_reason) noexcept override {}
};
struct null_sink final : packet_sink {
    std::size_t n = 0;
    void send(session&, const wire::socket_address&, wire::packet_builder& b) noexcept override {
        n += b.plaintext().size();
    }
};

session& engine() {
    static session s;
    static session_stats stats;
    static bool ready = [] {
        session_config c;
        c.max_recv_flows = 4;
        c.max_send_flows = 2;
        c.recv_message_max = 8192;
        c.recv_stash_bytes = 4096;
        c.send_flow_bytes = 8192;
        c.send_flow_fragments = 16;
        return s.prepare(c, &stats);
    }();
    (void)ready;
    return s;
}
} // namespace

int fuzz_one(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static crypto::hmac_key secret{};
    static echo_app app;
    null_sink sink;
    session& s = engine();
    app.reply_flow = 0;
    time_us now = 1000 * seconds;
    session_keys keys{};
    const auto home = wire::socket_address::v4(0x0a000001, 1000);
    s.start({0x01000001, 0x02000002, home, false, (data[0] & 1) ? &secret : nullptr}, keys, &app, now);
    const std::uint8_t steer = data[0];
    std::size_t pos = 1;
    while (pos < size) {
        std::size_t end = pos;
        while (end + 1 < size && !(data[end] == 0xa5 && data[end + 1] == 0x5a)) ++end;
        if (end + 1 >= size) end = size;
        wire::plaintext_view pv;
        pv.packet = {data + pos, end - pos};
        const auto from = (steer & 2) && (end & 1) ? wire::socket_address::v4(0x0a000002, 2000) : home;
        (void)s.on_plaintext(pv, from, now);
        now += (steer >> 2) * 37 * ms + 1;
        s.poll(now, sink);
        pos = end + 2;
    }
    // Let every timer fire once.
    for (int i = 0; i < 4; ++i) {
        now += 31 * seconds;
        s.poll(now, sink);
    }
    s.abort();
    s.poll(now, sink);
    return 0;
}

} // namespace strato::session

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return strato::session::fuzz_one(data, size);
}
