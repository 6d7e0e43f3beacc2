#include "dataplane/stratod/worker.hpp"

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <cstdio>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "dataplane/engine/handshake.hpp"
#include "dataplane/net/classify.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::stratod {

using engine::stage;
using wire::drop_reason;

namespace {

constexpr std::size_t neighbour_slots = 4096;
constexpr std::size_t scratch_slot = 2048;  // a decrypted UDP payload (mbufs hold < 2 KiB)
// Slots one cache line more than 2 KiB apart: at a power-of-two stride the
// first lines of a burst's 32 plaintexts all fall into two L1 sets and evict
// each other between decryption and parsing.
constexpr std::size_t scratch_stride = scratch_slot + 64;

// Which L2/L3 reply this is, for the stage counters (cold path: ARP, ping, ND).
stage reply_stage(const std::uint8_t* frame, std::size_t len) noexcept {
    std::size_t l2 = 14;
    if (len < 14) return stage::icmp_echo_replied;
    std::uint16_t type = static_cast<std::uint16_t>(frame[12] << 8 | frame[13]);
    if (type == 0x8100 && len >= 18) {
        type = static_cast<std::uint16_t>(frame[16] << 8 | frame[17]);
        l2 = 18;
    }
    if (type == 0x0806) return stage::arp_replied;
    if (type == 0x86dd && len > l2 + 40 && frame[l2 + 6] == 58 && frame[l2 + 40] == 136) return stage::nd_replied;
    return stage::icmp_echo_replied;
}

constexpr std::uint16_t frame_lookahead = 4;

void prefetch_frame(rte_mbuf* m) noexcept {
    const auto* data = rte_pktmbuf_mtod(m, const std::uint8_t*);
    rte_prefetch0(data);
    rte_prefetch0(data + RTE_CACHE_LINE_SIZE);
}

std::span<std::uint8_t> frame_of(rte_mbuf* m) noexcept {
    return {rte_pktmbuf_mtod(m, std::uint8_t*),
            static_cast<std::size_t>(rte_pktmbuf_data_len(m)) + rte_pktmbuf_tailroom(m)};
}

void set_frame_length(rte_mbuf* m, std::size_t len) noexcept {
    m->data_len = static_cast<std::uint16_t>(len);
    m->pkt_len = static_cast<std::uint32_t>(len);
}

struct pending_datagram {
    rte_mbuf* mbuf;
    std::uint16_t port_index;
    net::udp_datagram udp;
};

class worker_loop {
public:
    explicit worker_loop(worker_context& w) noexcept : w_(w), sh_(*w.shared), c_(w.counters) {}

    int run() noexcept {
        if (!crypto::make_aes_key(crypto::default_session_key, default_key_)) {
            std::fprintf(stderr, "lcore %u: IPsec-MB unavailable\n", w_.lcore_id);
            return -1;
        }
        scratch_ = static_cast<std::uint8_t*>(rte_malloc_socket("strato_scratch", max_burst * scratch_stride, 64,
                                                                 static_cast<int>(rte_socket_id())));
        if (!scratch_) {
            std::fprintf(stderr, "lcore %u: cannot allocate scratch\n", w_.lcore_id);
            return -1;
        }
        hctx_ = engine::handshake_context{sh_.certificate, &w_.cookies.jar};
        cookie_schedule_ = sh_.cookies;
        const std::uint64_t drain_ticks = sh_.time.from_microseconds(sh_.tx_drain_us);
        std::uint64_t last_drain = sh_.time.now();
        if (sh_.directory && !sh_.directory->register_reader(w_.index)) {
            std::fprintf(stderr, "lcore %u: cannot register as a directory reader\n", w_.lcore_id);
            return -1;
        }
        w_.running.store(true, std::memory_order_release);

        while (!sh_.quit.load(std::memory_order_relaxed)) {
            for (const auto& q : w_.queues) poll(q);
            const std::uint64_t now = sh_.time.now();
            if (w_.sessions) w_.sessions->poll(now);
            // RCU: this lcore holds no directory pointer past this point.
            if (sh_.directory) sh_.directory->quiescent(w_.index);
            if (now - last_drain >= drain_ticks) {
                drain();
                apply_reload(now);
                w_.cookies.maybe_rotate(cookie_schedule_, sh_.time.seconds(now));
                last_drain = now;
            }
        }
        drain();
        if (sh_.directory) sh_.directory->unregister_reader(w_.index);
        rte_free(scratch_);
        w_.running.store(false, std::memory_order_release);
        return 0;
    }

private:
    // A reload published by the control thread: all of it at once.
    void apply_reload(std::uint64_t now) noexcept {
        const live_settings* l = sh_.live.load(std::memory_order_acquire);
        if (l == applied_) return;
        applied_ = l;
        w_.limiter->reconfigure(l->handshake_limits);
        w_.introduction_initiator_limiter->reconfigure(l->introduction_initiator_limits);
        w_.introduction_target_limiter->reconfigure(l->introduction_target_limits);
        cookie_schedule_.rotation_seconds = l->cookie_rotation_seconds;
        cookie_schedule_.lifetime_seconds = l->cookie_lifetime_seconds;
        w_.cookies.reschedule(cookie_schedule_, sh_.time.seconds(now));
        c_.count(stage::config_applied);
    }

    void drain() noexcept {
        for (std::uint16_t p = 0; p < sh_.port_count; ++p)
            if (w_.tx[p] && rte_eth_tx_buffer_flush(sh_.port_ids[p], w_.tx_queue, w_.tx[p]) > 0)
                c_.count(stage::tx_drained);
    }

    void send(std::uint16_t port_index, rte_mbuf* m) noexcept {
        engine::bump(c_.tx_packets[port_index]);
        engine::bump(c_.tx_bytes[port_index], rte_pktmbuf_pkt_len(m));
        rte_eth_tx_buffer(sh_.port_ids[port_index], w_.tx_queue, w_.tx[port_index], m);
    }

    void drop(rte_mbuf* m, drop_reason r) noexcept {
        c_.drop(r);
        rte_pktmbuf_free(m);
    }

    void poll(const rx_queue_ref& q) noexcept {
        rte_mbuf* pkts[max_burst];
        const std::uint16_t n = rte_eth_rx_burst(q.port_id, q.queue, pkts, sh_.burst);
        if (n == 0) return;
        engine::bump(c_.rx_packets[q.port_index], n);
        const std::uint64_t now = sh_.time.now();
        const net::classify_context cctx{w_.neighbours.get(), now, 0};
        const net::l3_config& l3 = sh_.l3[q.port_index];
        pending_count_ = 0;

        // Every mbuf header of the burst first (cold when the producer was
        // another core, e.g. a software ring), then the frames a few packets
        // ahead: two lines cover an IHello or IIKeying frame.
        for (std::uint16_t i = 0; i < n; ++i) rte_prefetch0(pkts[i]);
        for (std::uint16_t i = 0; i < n && i < frame_lookahead; ++i) prefetch_frame(pkts[i]);
        for (std::uint16_t i = 0; i < n; ++i) {
            if (i + frame_lookahead < n) prefetch_frame(pkts[i + frame_lookahead]);
            rte_mbuf* m = pkts[i];
            engine::bump(c_.rx_bytes[q.port_index], rte_pktmbuf_pkt_len(m));
            if (m->nb_segs != 1) {
                drop(m, drop_reason::bad_ethernet);  // jumbo chains are never RTMFP
                continue;
            }
            net::classify_context ctx = cctx;
            const auto ip_ok = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
            const auto l4_ok = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
            if (ip_ok == RTE_MBUF_F_RX_IP_CKSUM_GOOD) ctx.rx_offload |= net::rx_ipv4_checksum_good;
            if (l4_ok == RTE_MBUF_F_RX_L4_CKSUM_GOOD) ctx.rx_offload |= net::rx_l4_checksum_good;
            const auto frame = frame_of(m);
            const auto cls = net::classify(l3, frame, rte_pktmbuf_data_len(m), ctx);
            switch (cls.kind) {
            case net::verdict::reply:
                c_.count(reply_stage(frame.data(), cls.reply_length));
                set_frame_length(m, cls.reply_length);
                send(q.port_index, m);
                break;
            case net::verdict::consumed:
                rte_pktmbuf_free(m);
                break;
            case net::verdict::drop:
                drop(m, cls.reason);
                break;
            case net::verdict::udp:
                c_.count(stage::udp_received);
                accept_datagram(m, q.port_index, cls.udp, now);
                break;
            }
        }
        if (pending_count_ > 0) answer_startup_batch(now);
    }

    // RTMFP multiplex (RFC 7016 §2.2.2): session ID 0 is the startup
    // pseudo-session; others belong to sessions (not served yet).
    void accept_datagram(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, std::uint64_t now) noexcept {
        const std::uint8_t* payload = rte_pktmbuf_mtod_offset(m, const std::uint8_t*, d.payload_offset);
        const std::size_t len = d.payload_length;
        if (len < wire::min_datagram) return drop(m, drop_reason::datagram_too_short);
        if ((len - wire::session_id_size) % wire::cipher_block != 0 || len > scratch_slot)
            return drop(m, drop_reason::datagram_misaligned);
        if (wire::session_id_of(wire::bytes{payload, len}) != 0) {
            c_.count(stage::rtmfp_session);
            if (!w_.sessions) return drop(m, drop_reason::unknown_session);
            w_.sessions->on_datagram(m, port_index, d, now);
            return;
        }
        // Limit before any crypto: a flood costs a hash lookup, not an AES pass.
        if (!w_.limiter->allow(d.source, now)) return drop(m, drop_reason::rate_limited);
        const std::size_t k = pending_count_++;
        pending_[k] = pending_datagram{m, port_index, d};
        open_jobs_[k] = crypto::open_job{payload, len, scratch_ + k * scratch_stride,
                                         crypto::open_params{&default_key_, nullptr, 0, false}, {}, drop_reason::none};
    }

    // The startup stage in phases, each over the whole burst: open (AES
    // decrypt) all; parse, decide, check and make cookies, build replies
    // (engine::handle_startup_burst: one HMAC burst per cookie MAC); seal
    // all; finish and send.
    void answer_startup_batch(std::uint64_t now) noexcept {
        crypto::open_burst(std::span<crypto::open_job>(open_jobs_, pending_count_));
        const std::uint32_t secs = sh_.time.seconds(now);
        const std::uint16_t ticks = sh_.time.rtmfp_ticks(now);
        std::size_t opened = 0;
        for (std::size_t k = 0; k < pending_count_; ++k) {
            auto& p = pending_[k];
            if (open_jobs_[k].status != drop_reason::none) {
                drop(p.mbuf, open_jobs_[k].status);
                continue;
            }
            // The reply goes where the payload of a reply belongs; the
            // request was decrypted into scratch, so nothing overlaps.
            const auto reply = frame_of(p.mbuf).subspan(p.udp.reply_payload_offset);
            item_index_[opened] = static_cast<std::uint16_t>(k);
            items_[opened++] = engine::startup_item{open_jobs_[k].plain.packet, &p.udp.source, reply, {}};
        }
        engine::handle_startup_burst(hctx_, std::span<engine::startup_item>(items_, opened), secs, ticks, c_);
        std::size_t sealing = 0;
        std::size_t intro_count = 0;
        for (std::size_t j = 0; j < opened; ++j) {
            auto& p = pending_[item_index_[j]];
            const auto& item = items_[j];
            if (item.outcome.action == engine::startup_action::keying && w_.sessions) {
                w_.sessions->on_iikeying(p.mbuf, p.port_index, p.udp, item.packet, now);
                continue;
            }
            if (item.outcome.action == engine::startup_action::introduction && w_.sessions) {
                intros_[intro_count++] = session_stage::introduction_request{p.mbuf, p.port_index, &p.udp, item.packet};
                continue;
            }
            if (item.outcome.action != engine::startup_action::reply) {
                // Dropped (already counted), or an IHello naming a peer ID,
                // left for the introduction stage.
                rte_pktmbuf_free(p.mbuf);
                continue;
            }
            seal_index_[sealing] = item_index_[j];
            seal_jobs_[sealing++] = crypto::seal_job{item.reply.data(), item.reply.size(), item.outcome.reply_size,
                                                     item.outcome.reply_session_id,
                                                     crypto::seal_params{&default_key_, nullptr, 0}, drop_reason::none};
        }
        // IHellos naming peers, together: one bulk directory lookup per 32.
        if (intro_count > 0)
            w_.sessions->on_introductions(std::span<const session_stage::introduction_request>(intros_, intro_count), now);
        crypto::seal_burst(std::span<crypto::seal_job>(seal_jobs_, sealing));
        for (std::size_t s = 0; s < sealing; ++s) {
            auto& p = pending_[seal_index_[s]];
            if (seal_jobs_[s].status != drop_reason::none) {
                drop(p.mbuf, seal_jobs_[s].status);
                continue;
            }
            const auto mode = sh_.checksum_modes[p.port_index];
            const auto f = net::finish_udp_reply(sh_.l3[p.port_index], p.udp, frame_of(p.mbuf), seal_jobs_[s].length, mode);
            if (f.frame_length == 0) {
                drop(p.mbuf, drop_reason::tx_full);
                continue;
            }
            transmit_udp_frame(w_, p.port_index, p.mbuf, f, p.udp.ipv6, mode);
        }
        pending_count_ = 0;
    }

    worker_context& w_;
    shared_state& sh_;
    engine::lcore_counters& c_;
    crypto::aes_key default_key_;
    engine::handshake_context hctx_;
    std::uint8_t* scratch_ = nullptr;
    std::size_t pending_count_ = 0;
    pending_datagram pending_[max_burst];
    crypto::open_job open_jobs_[max_burst];
    crypto::seal_job seal_jobs_[max_burst];
    std::uint16_t seal_index_[max_burst];
    engine::startup_item items_[max_burst];
    std::uint16_t item_index_[max_burst];
    session_stage::introduction_request intros_[max_burst];
    // This worker's copy of the cookie schedule (a reload changes it) and
    // the reload it applied last.
    cookie_schedule cookie_schedule_;
    const live_settings* applied_ = nullptr;
};

} // namespace

void transmit_udp_frame(worker_context& w, std::uint16_t port_index, rte_mbuf* m, const net::udp_frame& f, bool ipv6,
                        net::checksum_mode mode) noexcept {
    set_frame_length(m, f.frame_length);
    if (mode == net::checksum_mode::offload) {
        m->l2_len = f.l2_length & 0x7fu;
        m->l3_len = f.l3_length & 0x1ffu;
        m->ol_flags = ipv6 ? (RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM)
                           : (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
    }
    engine::bump(w.counters.tx_packets[port_index]);
    engine::bump(w.counters.tx_bytes[port_index], rte_pktmbuf_pkt_len(m));
    rte_eth_tx_buffer(w.shared->port_ids[port_index], w.tx_queue, w.tx[port_index], m);
}

live_settings live_settings_of(const control::stratod_config& c) noexcept {
    live_settings l;
    l.handshake_limits = engine::rate_limit_config{c.handshake_.rate_limit_per_second_, c.handshake_.rate_limit_burst_,
                                                   c.handshake_.rate_limit_ipv4_prefix_,
                                                   c.handshake_.rate_limit_ipv6_prefix_, c.handshake_.rate_limit_buckets_};
    l.introduction_initiator_limits = introduction_initiator_limits(c.introduction_);
    l.introduction_target_limits = introduction_target_limits(c.introduction_);
    l.cookie_rotation_seconds = c.handshake_.cookie_secret_rotation_seconds_;
    l.cookie_lifetime_seconds = c.handshake_.cookie_lifetime_seconds_;
    return l;
}

engine::rate_limit_config introduction_initiator_limits(const control::introduction_config& c) noexcept {
    return {c.per_initiator_per_second_, c.per_initiator_burst_, c.initiator_ipv4_prefix_, c.initiator_ipv6_prefix_,
            c.buckets_};
}

engine::rate_limit_config introduction_target_limits(const control::introduction_config& c) noexcept {
    return {c.per_target_per_second_, c.per_target_burst_, 32, 128, c.buckets_};  // prefixes unused: keyed by peer ID
}

bool prepare_worker(worker_context& w, unsigned socket_id) {
    const auto& sh = *w.shared;
    w.limiter = std::make_unique<engine::rate_limiter>(sh.rate_limits, sh.time.hz);
    w.introduction_initiator_limiter = std::make_unique<engine::rate_limiter>(sh.introduction_initiator_limits, sh.time.hz);
    w.introduction_target_limiter = std::make_unique<engine::rate_limiter>(sh.introduction_target_limits, sh.time.hz);
    w.neighbour_storage = std::make_unique<net::neighbour_entry[]>(neighbour_slots);
    w.neighbours = std::make_unique<net::neighbour_cache>(
        std::span<net::neighbour_entry>(w.neighbour_storage.get(), neighbour_slots), sh.time.hz * 300, w.lcore_id);
    if (!w.cookies.start(sh.cookies, sh.time.seconds(sh.time.now()))) {
        std::fprintf(stderr, "lcore %u: cookie secrets need IPsec-MB\n", w.lcore_id);
        return false;
    }
    for (std::uint16_t p = 0; p < sh.port_count; ++p) {
        auto* b = static_cast<rte_eth_dev_tx_buffer*>(
            rte_zmalloc_socket("strato_tx", RTE_ETH_TX_BUFFER_SIZE(max_burst), 0, static_cast<int>(socket_id)));
        if (!b || rte_eth_tx_buffer_init(b, sh.burst) != 0) {
            std::fprintf(stderr, "lcore %u: cannot allocate TX buffer for port %u\n", w.lcore_id, p);
            return false;
        }
        // Unsent packets (TX ring full) are freed and counted, never retried.
        rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback,
                                           &w.counters.drops[static_cast<std::size_t>(drop_reason::tx_full)]);
        w.tx[p] = b;
    }
    return true;
}

int worker_main(void* arg) {
    auto* w = static_cast<worker_context*>(arg);
    // The loop object holds burst arrays: keep it off the lcore stack.
    auto* loop = static_cast<worker_loop*>(rte_zmalloc("strato_loop", sizeof(worker_loop), 64));
    if (!loop) return -1;
    new (loop) worker_loop(*w);
    const int rc = loop->run();
    loop->~worker_loop();
    rte_free(loop);
    return rc;
}

} // namespace strato::stratod
