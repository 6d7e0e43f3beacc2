// Message relay (tcserver's relay -> onRelay), the server's per-message
// application work on one core: the sender's NetConnection reads the RTMP
// command, validates target and arguments, routes it (the directory lookup
// is left out: it has its own benchmark), and the target's NetConnection
// builds onRelay and hands it to its flow. The second case adds sealing the
// datagram that carries it (AES-128-CBC in bursts of 32, as the worker
// does), leaving out only the session engine's flow bookkeeping.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bench.hpp"
#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/engine/netconnection.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/rtmp.hpp"

using namespace strato;

namespace {

constexpr std::size_t burst = 32;

// A flow_io that keeps the last message (and optionally seals it).
struct sink_io final : engine::flow_io {
    std::array<std::uint8_t, 2048> last{};
    std::size_t last_size = 0;
    std::uint64_t messages = 0;
    std::optional<std::uint64_t> open_flow(wire::bytes, std::optional<std::uint64_t>) noexcept override { return 1; }
    bool send(std::uint64_t, wire::bytes m) noexcept override {
        std::memcpy(last.data(), m.data(), m.size());
        last_size = m.size();
        ++messages;
        return true;
    }
    void close_flow(std::uint64_t) noexcept override {}
    void close_session() noexcept override {}
};

struct relay_pair;

struct events final : engine::netconnection_events {
    relay_pair* pair = nullptr;
    bool admit(std::uint16_t) noexcept override { return true; }
    void on_connected(std::uint16_t) noexcept override {}
    void on_peer_info(std::span<const wire::socket_address>) noexcept override {}
    void on_disconnected(std::uint16_t) noexcept override {}
    engine::relay_outcome on_relay(const flash::relay_peer_id& target, wire::bytes args) noexcept override;
};

struct relay_pair {
    engine::netconnection_policy policy;
    engine::lcore_counters counters;
    sink_io sender_io, target_io;
    events sender_events, target_events;
    engine::netconnection sender{policy, sender_io, sender_events, counters};
    engine::netconnection target{policy, target_io, target_events, counters};
    std::array<std::uint8_t, 32> sender_id{};
    std::vector<std::uint8_t> relay_message;

    relay_pair() {
        sender_events.pair = target_events.pair = this;
        connect(sender);
        connect(target);
        for (std::size_t i = 0; i < sender_id.size(); ++i) sender_id[i] = static_cast<std::uint8_t>(0xa0 + i);
        // relay, 0, null, "<64 hex digits>", "<32-byte message>"
        relay_message.resize(256);
        wire::writer w(relay_message);
        flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
        flash::amf0_writer a(w);
        a.string("relay");
        a.number(0);
        a.null();
        a.string("6965c14b8964ee016451bc44140504f1a67178cfca3a64b2df16683dd263c176");
        a.string("0123456789abcdef0123456789abcde");  // 31 chars + 3 header bytes = 34 B argument
        relay_message.resize(w.size());
    }
    static void connect(engine::netconnection& nc) {
        std::array<std::uint8_t, 8> md{};
        wire::writer mw(md);
        flash::write_tc_metadata(mw, 0);
        (void)nc.on_new_flow(2, mw.written(), std::nullopt);
        std::array<std::uint8_t, 256> c{};
        wire::writer w(c);
        flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
        flash::amf0_writer a(w);
        a.string("connect");
        a.number(1);
        a.object_begin();
        a.key("app");
        a.string("app");
        a.key("tcUrl");
        a.string("rtmfp://198.18.0.1/app");
        a.object_end();
        nc.on_message(2, w.written());
    }
};

engine::relay_outcome events::on_relay(const flash::relay_peer_id&, wire::bytes args) noexcept {
    return pair->target.deliver_relay(pair->sender_id, args) ? engine::relay_outcome::queued
                                                              : engine::relay_outcome::busy;
}

relay_pair& pair() {
    static relay_pair p;
    return p;
}

} // namespace

STRATO_BENCH("relay.message_34B_app_path", burst) {
    auto& p = pair();
    const wire::bytes m{p.relay_message.data(), p.relay_message.size()};
    for (std::size_t i = 0; i < burst; ++i) p.sender.on_message(2, m);
    bench::keep(p.target_io.messages);
    bench::clobber();
}

STRATO_BENCH("relay.message_34B_app_path_and_seal_burst32", burst) {
    auto& p = pair();
    const wire::bytes m{p.relay_message.data(), p.relay_message.size()};
    // Each onRelay in its own datagram: SSID, a 14-byte packet header and
    // User Data chunk overhead, the message (session keys: any AES key).
    static std::vector<std::uint8_t> out(burst * 256);
    std::array<crypto::seal_job, burst> jobs;
    for (std::size_t i = 0; i < burst; ++i) {
        p.sender.on_message(2, m);
        std::memcpy(&out[i * 256 + 4 + 14], p.target_io.last.data(), p.target_io.last_size);
        jobs[i] = {&out[i * 256], 256, 4 + 14 + p.target_io.last_size, 0x01020304, {crypto::default_aes_key()},
                   wire::drop_reason::none};
    }
    crypto::seal_burst(jobs);
    bench::keep(jobs[0].status);
    bench::clobber();
}
