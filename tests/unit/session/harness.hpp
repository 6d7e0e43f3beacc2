#pragma once
// Two session engines joined by a fake network under a fake clock: loss,
// duplication, reordering (random extra delay) and a fixed delay, all from a
// seeded PRNG so failures reproduce.
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/sha.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/option.hpp"
#include <ostream>

namespace strato::session {
// Boost.Test prints these on failure.
inline std::ostream& operator<<(std::ostream& o, flow_end v) { return o << "flow_end(" << int(v) << ")"; }
inline std::ostream& operator<<(std::ostream& o, session_state v) { return o << "session_state(" << int(v) << ")"; }
inline std::ostream& operator<<(std::ostream& o, send_state v) { return o << "send_state(" << int(v) << ")"; }
inline std::ostream& operator<<(std::ostream& o, recv_state v) { return o << "recv_state(" << int(v) << ")"; }
inline std::ostream& operator<<(std::ostream& o, send_status v) { return o << "send_status(" << int(v) << ")"; }
inline std::ostream& operator<<(std::ostream& o, close_reason v) { return o << "close_reason(" << int(v) << ")"; }
} // namespace strato::session
namespace strato::wire {
inline std::ostream& operator<<(std::ostream& o, drop_reason v) { return o << name_of(v); }
}

namespace strato::session::test {

using bytes_vec = std::vector<std::uint8_t>;

struct recorder : session_app {
    struct msg { std::uint64_t flow; bytes_vec data; };
    struct closed_flow { std::uint64_t flow; bool sending; flow_end why; };
    std::vector<msg> messages;
    std::vector<std::uint64_t> new_flows;
    std::vector<closed_flow> closed_flows;
    std::optional<close_reason> session_closed;
    std::vector<wire::socket_address> moved;
    bool accept = true;
    bool on_new_flow(session&, std::uint64_t id, wire::bytes, std::optional<std::uint64_t>) noexcept override {
        new_flows.push_back(id);
        return accept;
    }
    void on_message(session&, std::uint64_t flow, wire::bytes m) noexcept override {
        messages.push_back({flow, bytes_vec(m.begin(), m.end())});
    }
    void on_flow_closed(session&, std::uint64_t flow, bool sending, flow_end why) noexcept override {
        closed_flows.push_back({flow, sending, why});
    }
    void on_session_closed(session&, close_reason why) noexcept override { session_closed = why; }
    void on_address_changed(session&, const wire::socket_address& a) noexcept override { moved.push_back(a); }
};

inline wire::socket_address addr(std::uint32_t ip, std::uint16_t port) { return wire::socket_address::v4(ip, port); }

inline session_keys make_keys(std::uint8_t seed, bool hmac, bool sseq, bool reverse) {
    session_keys k;
    std::uint8_t a[16], b[16], h1[32], h2[32];
    for (int i = 0; i < 16; ++i) a[i] = static_cast<std::uint8_t>(seed + i), b[i] = static_cast<std::uint8_t>(seed * 3 + i);
    for (int i = 0; i < 32; ++i) h1[i] = static_cast<std::uint8_t>(seed + 7 * i), h2[i] = static_cast<std::uint8_t>(seed + 11 * i);
    if (reverse) std::swap(a, b), std::swap(h1, h2);
    (void)crypto::make_aes_key(std::span<const std::uint8_t, 16>(a), k.encrypt);
    (void)crypto::make_aes_key(std::span<const std::uint8_t, 16>(b), k.decrypt);
    (void)crypto::make_hmac_key({h1, 32}, k.hmac_send);
    (void)crypto::make_hmac_key({h2, 32}, k.hmac_recv);
    k.hmac_send_length = k.hmac_recv_length = hmac ? 10 : 0;
    k.sseq_send = k.sseq_recv = sseq;
    return k;
}

struct fake_net : packet_sink {
    struct packet {
        time_us at;
        int to;  // 0 = A, 1 = B, -1 = nowhere
        wire::socket_address from;
        bytes_vec data;
    };
    session a, b;
    recorder app_a, app_b;
    session_stats stats_a, stats_b;
    crypto::hmac_key secret_a, secret_b;
    wire::socket_address addr_a = addr(0x0a000001, 1000), addr_b = addr(0x0a000002, 2000);
    std::deque<packet> queue;
    std::mt19937 rng{7};
    double loss = 0, dup = 0, reorder = 0;
    time_us delay = 20 * ms, now = 1000 * seconds;
    bool sealed = false;
    bool cut = false;  // drop everything
    // Raw copy of every plaintext sent: {from A?, to, plain packet bytes}
    struct seen { bool from_a; wire::socket_address to; bytes_vec plain; time_us at; };
    std::vector<seen> log;

    explicit fake_net(session_config c = {}, bool hmac = false, bool sseq = false, bool crypt = false) {
        sealed = crypt;
        BOOST_REQUIRE(a.prepare(c, &stats_a));
        BOOST_REQUIRE(b.prepare(c, &stats_b));
        const std::uint8_t s1[32] = {1}, s2[32] = {2};
        BOOST_REQUIRE(crypto::make_hmac_key({s1, 32}, secret_a));
        BOOST_REQUIRE(crypto::make_hmac_key({s2, 32}, secret_b));
        session_params pa{0x11111111, 0x22222222, addr_b, true, &secret_a};
        session_params pb{0x22222222, 0x11111111, addr_a, false, &secret_b};
        a.start(pa, make_keys(5, hmac, sseq, false), &app_a, now);
        b.start(pb, make_keys(5, hmac, sseq, true), &app_b, now);
    }

    void send(session& s, const wire::socket_address& to, wire::packet_builder& pkt) noexcept override {
        const bool from_a = &s == &a;
        const wire::bytes plain = pkt.plaintext();
        // The packet proper starts after SSEQ and checksum; keep the whole plaintext.
        log.push_back({from_a, to, bytes_vec(plain.begin(), plain.end()), now});
        bytes_vec data;
        if (sealed) {
            auto n = s.seal_packet(pkt);
            BOOST_REQUIRE(n.ok());
            data.assign(pkt.datagram().data(), pkt.datagram().data() + *n);
        } else {
            data.assign(plain.begin(), plain.end());
        }
        const int dest = to.same_endpoint(addr_a) ? 0 : to.same_endpoint(addr_b) ? 1 : -1;
        if (cut || dest < 0) return;
        std::uniform_real_distribution<double> u(0, 1);
        if (u(rng) < loss) return;
        const int copies = u(rng) < dup ? 2 : 1;
        for (int i = 0; i < copies; ++i) {
            time_us d = delay;
            if (u(rng) < reorder) d += static_cast<time_us>(u(rng) * 50.0 * ms);
            queue.push_back({now + d, dest, from_a ? addr_a : addr_b, data});
        }
    }

    wire::drop_reason deliver(session& s, const wire::socket_address& from, const bytes_vec& data) {
        if (sealed) {
            std::uint8_t out[wire::max_datagram];
            auto p = s.open_datagram({data.data(), data.size()}, {out, sizeof out});
            if (!p) return p.error();
            return s.on_plaintext(*p, from, now);
        }
        auto p = wire::open_plaintext({data.data(), data.size()}, false, true);
        if (!p) return p.error();
        return s.on_plaintext(*p, from, now);
    }

    void step(time_us dt) {
        now += dt;
        for (std::size_t i = 0; i < queue.size();) {
            if (queue[i].at <= now) {
                packet p = std::move(queue[i]);
                queue.erase(queue.begin() + static_cast<long>(i));
                (void)deliver(p.to == 0 ? a : b, p.from, p.data);
            } else {
                ++i;
            }
        }
        a.poll(now, *this);
        b.poll(now, *this);
    }
    void run(time_us duration, time_us dt = 1 * ms) {
        const time_us end = now + duration;
        while (now < end) step(dt);
    }
    template <class Pred>
    bool run_until(Pred p, time_us limit, time_us dt = 1 * ms) {
        const time_us end = now + limit;
        while (now < end) {
            if (p()) return true;
            step(dt);
        }
        return p();
    }
};

// Builds a mode-1 (initiator) plaintext packet for direct injection into B.
struct injector {
    std::uint8_t buf[datagram_buffer];
    wire::packet_builder b;
    explicit injector(time_us now, std::uint8_t mode = 1)
        : b({buf, sizeof buf}, mode, ticks_of(now), std::nullopt, true, std::nullopt) {}
    wire::writer& w() { return b.body(); }
    wire::drop_reason into(session& s, const wire::socket_address& from, time_us now) {
        BOOST_REQUIRE(b.finish());
        auto p = wire::open_plaintext(b.plaintext(), false, true);
        BOOST_REQUIRE(p.ok());
        return s.on_plaintext(*p, from, now);
    }
};

// Chunks of a logged plaintext (checksum mode, no SSEQ).
inline std::vector<std::pair<std::uint8_t, bytes_vec>> chunks_of(const bytes_vec& plain) {
    std::vector<std::pair<std::uint8_t, bytes_vec>> out;
    auto p = wire::open_plaintext({plain.data(), plain.size()}, false, true);
    if (!p) return out;
    auto pk = wire::parse_packet(p->packet);
    if (!pk) return out;
    wire::chunk_reader r(pk->chunks);
    wire::chunk_view c;
    while (r.next(c)) out.push_back({c.type, bytes_vec(c.value.begin(), c.value.end())});
    return out;
}

inline bytes_vec pattern(std::size_t n, std::uint32_t seed) {
    bytes_vec v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i * 31 + seed * 7 + (i >> 8)) & 0xff);
    return v;
}

} // namespace strato::session::test
