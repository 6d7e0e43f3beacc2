// libFuzzer target: NetStream handling on the server (publish, play, media
// fan-out, closeStream, deleteStream, flows and sessions ending) for three
// connected peers sharing one stream table. The input is a script of
// records: u8 op, u16 length, bytes; op selects the peer (op % 3) and what
// happens (op / 3 % 4: message on its NetStream flow, message on its
// control flow, NetStream flow ends, session ends). Peers whose send buffer
// is "full" (op bit 7) refuse messages, as a backlogged flow does.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <optional>

#include "dataplane/engine/netconnection.hpp"

using namespace strato;
using namespace strato::engine;

namespace {
struct io_stub : flow_io {
    bool full = false;
    std::uint64_t next = 1;
    std::optional<std::uint64_t> open_flow(wire::bytes, std::optional<std::uint64_t>) noexcept override { return next++; }
    bool send(std::uint64_t, wire::bytes m) noexcept override {
        if (m.empty()) std::abort();  // nobody queues an empty message
        return !full;
    }
    void close_flow(std::uint64_t) noexcept override {}
    void close_session() noexcept override {}
};
struct events_stub : netconnection_events {
    bool admit(std::uint16_t) noexcept override { return true; }
    void on_connected(std::uint16_t) noexcept override {}
    void on_peer_info(std::span<const wire::socket_address>) noexcept override {}
    void on_disconnected(std::uint16_t) noexcept override {}
};
// librtmfp's connect (tests/unit/engine/test_netconnection.cpp) and a createStream.
constexpr std::uint8_t connect_message[] = {
    0x14, 0, 0, 0, 0, 0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't', 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    0x03, 0x00, 0x05, 't', 'c', 'U', 'r', 'l', 0x02, 0x00, 0x0c, 'r', 't', 'm', 'f', 'p', ':', '/', '/', 'h', '/', 'a', 'p',
    0x00, 0x00, 0x09};
constexpr std::uint8_t create_stream[] = {0x14, 0, 0, 0, 0, 0x02, 0x00, 0x0c, 'c', 'r', 'e', 'a', 't', 'e', 'S',
                                          't', 'r', 'e', 'a', 'm', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x05};
constexpr std::uint8_t control_md[] = {0x54, 0x43, 0x04, 0x00};
constexpr std::uint8_t stream_md[] = {0x54, 0x43, 0x04, 0x01};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lcore_counters counters;
    stream_table table(4, 4, counters);
    netconnection_policy policy;
    io_stub io[3];
    events_stub events[3];
    std::optional<netconnection> nc[3];
    for (int i = 0; i < 3; ++i) {
        nc[i].emplace(policy, io[i], events[i], counters);
        nc[i]->attach_streams(&table);
        nc[i]->on_new_flow(2, control_md, std::nullopt);
        nc[i]->on_message(2, connect_message);
        nc[i]->on_message(2, create_stream);
        nc[i]->on_new_flow(3, stream_md, std::nullopt);
    }
    wire::reader r(wire::bytes{data, size});
    while (!r.empty()) {
        std::uint8_t op = 0;
        std::uint16_t len = 0;
        if (r.u8(op) != wire::drop_reason::none || r.u16(len) != wire::drop_reason::none) break;
        wire::bytes body;
        if (r.take(std::min<std::size_t>(len, r.remaining()), body) != wire::drop_reason::none) break;
        const int who = (op & 0x7f) % 3;
        io[who].full = (op & 0x80) != 0;
        switch ((op & 0x7f) / 3 % 4) {
        case 0: nc[who]->on_message(3, body); break;
        case 1: nc[who]->on_message(2, body); break;
        case 2: nc[who]->on_flow_closed(3, false); break;
        default: nc[who]->on_session_closed(); break;
        }
    }
    // Everyone leaves: nothing may stay registered with a connection that is gone.
    for (auto& n : nc) n->on_session_closed();
    if (table.stream_count() != 0) std::abort();
    return 0;
}
