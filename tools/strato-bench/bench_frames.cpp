#include "tools/strato-bench/bench_frames.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/wire/chunks.hpp"

namespace strato::bench {

namespace {
constexpr unsigned burst = 32;
} // namespace

frame ihello_frame(wire::bytes epd, std::mt19937_64& rng) {
    static const crypto::aes_key key = [] {
        crypto::aes_key k;
        if (!crypto::make_aes_key(crypto::default_session_key, k)) std::abort();
        return k;
    }();
    std::array<std::uint8_t, 16> tag;
    for (auto& b : tag) b = static_cast<std::uint8_t>(rng());
    std::array<std::uint8_t, 256> dgram{};
    wire::packet_builder b(dgram, wire::startup_flags, static_cast<std::uint16_t>(rng()), std::nullopt);
    wire::write_ihello(b.body(), wire::ihello{epd, tag});
    if (!b.finish()) std::abort();
    auto sealed = crypto::seal(b, 0, crypto::seal_params{&key, nullptr, 0});
    if (!sealed.ok()) std::abort();
    const std::size_t payload = *sealed;
    const std::size_t offset = net::udp_payload_offset(false, false);
    frame f(offset + payload);
    std::memcpy(f.data() + offset, dgram.data(), payload);
    net::udp_route r;
    r.source_mac = net::mac_address{{0x02, 0, 0, 0, 0, 0x02}};
    r.destination_mac = net::mac_address{{0x02, 0, 0, 0, 0, 0x01}};
    r.source = wire::socket_address::v4(0xc6120000u | static_cast<std::uint32_t>(2 + rng() % 0xfffe),
                                        static_cast<std::uint16_t>(1024 + rng() % 60000));
    r.destination = wire::socket_address::v4(0xc6120001u, 1935);
    if (net::write_udp_headers(r, f, payload, net::checksum_mode::software).frame_length != f.size()) std::abort();
    return f;
}

std::vector<frame> uri_ihello_frames(std::mt19937_64& rng, std::size_t count) {
    const std::string uri = "rtmfp://198.18.0.1:1935/app";
    std::vector<std::uint8_t> epd{static_cast<std::uint8_t>(uri.size() + 1), 0x0a};
    epd.insert(epd.end(), uri.begin(), uri.end());
    std::vector<frame> frames;
    frames.reserve(count);
    for (std::size_t i = 0; i < count; ++i) frames.push_back(ihello_frame(epd, rng));
    return frames;
}

double feed_ring(stratod::ring_port& port, const std::vector<frame>& frames, double seconds, std::uint64_t* sent_out,
                 bool drain) {
    rte_mbuf* bufs[burst];
    void* out[burst * 4];
    std::size_t next = 0;
    std::uint64_t sent = 0;
    const std::uint64_t hz = rte_get_tsc_hz();
    const std::uint64_t start = rte_get_tsc_cycles();
    const std::uint64_t end = start + static_cast<std::uint64_t>(seconds * static_cast<double>(hz));
    while (rte_get_tsc_cycles() < end) {
        const unsigned got = rte_ring_dequeue_burst(port.tx_ring(), out, burst * 4, nullptr);
        if (got) {
            sent += got;
            rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(out), got);
        }
        if (rte_ring_free_count(port.rx_ring()) < burst) continue;
        if (rte_pktmbuf_alloc_bulk(port.pool(), bufs, burst) != 0) continue;
        for (unsigned i = 0; i < burst; ++i) {
            const auto& f = frames[next];
            next = next + 1 == frames.size() ? 0 : next + 1;
            std::memcpy(rte_pktmbuf_append(bufs[i], static_cast<std::uint16_t>(f.size())), f.data(), f.size());
        }
        const unsigned n = rte_ring_enqueue_burst(port.rx_ring(), reinterpret_cast<void**>(bufs), burst, nullptr);
        if (n < burst) rte_pktmbuf_free_bulk(bufs + n, burst - n);
    }
    const double elapsed = static_cast<double>(rte_get_tsc_cycles() - start) / static_cast<double>(hz);
    if (drain) {
        rte_delay_ms(5);  // the worker finishes what is queued
        for (unsigned got; (got = rte_ring_dequeue_burst(port.tx_ring(), out, burst * 4, nullptr)) != 0;)
            rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(out), got);
    }
    if (sent_out) *sent_out += sent;
    return static_cast<double>(sent) / elapsed;
}

} // namespace strato::bench
