// Live stream fan-out (RFC 7425 §5.4), the server's per-output work on one
// core: the publisher's NetConnection reads a media message from its
// NetStream flow, the lcore's stream table applies the keyframe policy and
// hands the message to each subscriber's NetStream flow. One operation is
// one subscriber output. The second case adds sealing one datagram per
// output (AES-128-CBC in bursts of 32, as the worker does); the session
// engine's flow bookkeeping and the NIC are left out.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "bench.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/engine/netconnection.hpp"
#include "dataplane/engine/stream_table.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/rtmp.hpp"

using namespace strato;

namespace {

constexpr std::size_t subscribers = 96;  // a multiple of the seal burst
constexpr std::size_t burst = 32;
constexpr std::size_t slot_bytes = 256;

// A flow_io that copies each message into a datagram slot of its own.
struct copy_io final : engine::flow_io {
    std::uint8_t* slot = nullptr;
    std::size_t last_size = 0;
    std::optional<std::uint64_t> open_flow(wire::bytes, std::optional<std::uint64_t>) noexcept override { return 1; }
    bool send(std::uint64_t, wire::bytes m) noexcept override {
        if (slot && m.size() <= slot_bytes - 4 - 14 - 16) std::memcpy(slot + 4 + 14, m.data(), m.size());
        last_size = m.size();
        return true;
    }
    void close_flow(std::uint64_t) noexcept override {}
    void close_session() noexcept override {}
};

struct quiet_events final : engine::netconnection_events {
    bool admit(std::uint16_t) noexcept override { return true; }
    void on_connected(std::uint16_t) noexcept override {}
    void on_peer_info(std::span<const wire::socket_address>) noexcept override {}
    void on_disconnected(std::uint16_t) noexcept override {}
};

std::vector<std::uint8_t> command(std::string_view name, double tx, std::string_view arg) {
    std::vector<std::uint8_t> b(256);
    wire::writer w(b);
    flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
    flash::amf0_writer a(w);
    a.string(name);
    a.number(tx);
    if (name == "connect") {
        a.object_begin();
        a.key("tcUrl");
        a.string("rtmfp://198.18.0.1/app");
        a.object_end();
    } else {
        a.null();
        if (!arg.empty()) a.string(arg);
    }
    b.resize(w.size());
    return b;
}

struct peer {
    copy_io io;
    quiet_events events;
    engine::netconnection nc;
    peer(const engine::netconnection_policy& p, engine::lcore_counters& c, engine::stream_table& t) : nc(p, io, events, c) {
        nc.attach_streams(&t);
        std::array<std::uint8_t, 8> md{};
        wire::writer mw(md);
        flash::write_tc_metadata(mw, 0);
        (void)nc.on_new_flow(2, mw.written(), std::nullopt);
        auto c1 = command("connect", 1, {});
        nc.on_message(2, c1);
        auto c2 = command("createStream", 2, {});
        nc.on_message(2, c2);
        wire::writer sw(md);
        flash::write_tc_metadata(sw, 1);
        (void)nc.on_new_flow(3, sw.written(), std::nullopt);
    }
};

struct fan_out_rig {
    engine::netconnection_policy policy;
    engine::lcore_counters counters;
    engine::stream_table table{4, subscribers, counters};
    std::vector<std::unique_ptr<peer>> subs;
    std::unique_ptr<peer> publisher;
    std::vector<std::uint8_t> audio;  // a 64-byte audio message body
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(subscribers * slot_bytes);

    fan_out_rig() {
        publisher = std::make_unique<peer>(policy, counters, table);
        auto pub = command("publish", 0, "bench");
        publisher->nc.on_message(3, pub);
        auto play = command("play", 0, "bench");
        for (std::size_t i = 0; i < subscribers; ++i) {
            subs.push_back(std::make_unique<peer>(policy, counters, table));
            subs.back()->nc.on_message(3, play);
            subs.back()->io.slot = &out[i * slot_bytes];
        }
        // A rig that fans out to nobody would time nothing.
        if (table.stream_count() != 1 || table.subscriber_count(0) != subscribers) std::abort();
        audio.resize(flash::rtmp_header_size + 64, 0x5a);
        wire::writer w(audio);
        flash::write_rtmp_header(w, flash::rtmp_type::audio, 0);
        w.u8(0xaf);
    }
};

fan_out_rig& rig() {
    static fan_out_rig r;
    return r;
}

} // namespace

STRATO_BENCH("stream.fan_out_69B_to_96_subscribers_app_path", subscribers) {
    auto& r = rig();
    r.publisher->nc.on_message(3, wire::bytes{r.audio.data(), r.audio.size()});
    bench::keep(r.subs[subscribers - 1]->io.last_size);
    bench::clobber();
}

STRATO_BENCH("stream.fan_out_69B_to_96_subscribers_and_seal_burst32", subscribers) {
    auto& r = rig();
    r.publisher->nc.on_message(3, wire::bytes{r.audio.data(), r.audio.size()});
    // Each output in its own datagram: SSID, a 14-byte packet header and
    // User Data chunk overhead, the message.
    const std::size_t plain = 4 + 14 + r.audio.size();
    for (std::size_t b = 0; b < subscribers; b += burst) {
        std::array<crypto::seal_job, burst> jobs;
        for (std::size_t i = 0; i < burst; ++i)
            jobs[i] = {&r.out[(b + i) * slot_bytes], slot_bytes, plain, 0x01020304, {crypto::default_aes_key()},
                       wire::drop_reason::none};
        crypto::seal_burst(jobs);
        bench::keep(jobs[0].status);
    }
    bench::clobber();
}
