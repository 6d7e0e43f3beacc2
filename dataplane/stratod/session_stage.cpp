#include "dataplane/wire/mix.hpp"
#include "dataplane/stratod/session_stage.hpp"

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <algorithm>
#include <cstring>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/sha.hpp"
#include "dataplane/flash/group.hpp"
#include "dataplane/net/classify.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/worker.hpp"

namespace strato::stratod {

using wire::drop_reason;

namespace {
constexpr unsigned collect_burst = 32;
constexpr unsigned sessions_polled_per_loop = 64;
constexpr std::uint64_t timer_sweep_us = 10000;  // every session's timers at least this often
constexpr std::size_t scratch_size = wire::max_datagram;

std::uint64_t mix(std::uint64_t k) noexcept { return wire::mix64(k); }

// The route of a reply to the frame a datagram arrived in.
net::udp_route reverse_route(const rte_mbuf* m, const net::udp_datagram& d, const net::l3_config& l3) noexcept {
    const auto* eth = rte_pktmbuf_mtod(m, const std::uint8_t*);
    net::udp_route r;
    std::memcpy(r.destination_mac.bytes.data(), eth + 6, 6);
    r.source_mac = l3.mac;
    r.has_vlan = d.has_vlan;
    r.vlan_tci = d.vlan_tci;
    r.source = d.destination;
    r.destination = d.source;
    r.ttl = l3.reply_ttl;
    return r;
}
} // namespace

// Nothing sent toward an unvalidated address exceeds this many times the
// bytes of the datagram that asked for it (issue 6 item 2).
constexpr std::size_t max_amplification = 3;

// The datagram size of a startup packet holding one chunk of `chunk_size`
// bytes, once sealed: session ID, checksum, flags, timestamp, the chunk,
// padding to the AES block (RFC 7016 §2.2.2-§2.2.4).
constexpr std::size_t sealed_startup_size(std::size_t chunk_size) noexcept {
    const std::size_t plain = 2 + 1 + 2 + chunk_size;
    return wire::session_id_size + (plain + wire::cipher_block - 1) / wire::cipher_block * wire::cipher_block;
}

// An introduction for a session of another lcore travels in an mbuf on the
// owner's handoff ring, marked by this port number (no NIC has it).
constexpr std::uint16_t intro_marker = 0xffff;
constexpr std::size_t max_intro_field = 128;
struct intro_record {
    std::uint32_t session_id;
    wire::socket_address reply;
    std::uint8_t epd_size;
    std::uint8_t tag_size;
    std::uint8_t epd[max_intro_field];
    std::uint8_t tag[max_intro_field];
};

// A relayed message for a session of another lcore, in an mbuf on the
// owner's handoff ring, marked by this port number.
constexpr std::uint16_t relay_marker = 0xfffd;
struct relay_record {
    std::uint32_t session_id;
    std::uint16_t args_size;
    std::uint8_t sender[flash::relay_peer_id_size];
    std::uint8_t args[flash::max_relay_args];
};

// ---- server_session ----------------------------------------------------------

void server_session::bind(session_stage* stage, session::session* sess, const engine::netconnection_policy& policy,
                          engine::lcore_counters& counters) noexcept {
    stage_ = stage;
    s = sess;
    group_flows = {};
    next_join_at = 0;
    nc.emplace(policy, *this, *this, counters);
    nc->attach_streams(stage->streams_.get());
}

bool server_session::on_new_flow(session::session&, std::uint64_t flow_id, wire::bytes metadata,
                                 std::optional<std::uint64_t> return_flow) noexcept {
    return nc->on_new_flow(flow_id, metadata, return_flow);
}
void server_session::on_message(session::session&, std::uint64_t flow_id, wire::bytes message) noexcept {
    nc->on_message(flow_id, message);
}
void server_session::on_flow_closed(session::session&, std::uint64_t flow_id, bool sending, session::flow_end) noexcept {
    // Our GC flow rejected by the client ends that membership (§7.4).
    if (sending)
        for (auto& g : group_flows)
            if (g.client_flow != 0 && g.our_flow == flow_id) {
                g.our_flow = 0;
                end_group_flow(g, true);
            }
    nc->on_flow_closed(flow_id, sending);
}
void server_session::on_session_closed(session::session&, session::close_reason) noexcept { nc->on_session_closed(); }
void server_session::on_address_changed(session::session&, const wire::socket_address&) noexcept {
    if (nc->current_state() == engine::netconnection::state::connected) emit(peer_event::kind::address_changed);
}

std::optional<std::uint64_t> server_session::open_flow(wire::bytes metadata, std::optional<std::uint64_t> return_flow) noexcept {
    const auto id = s->open_flow(metadata, return_flow);
    if (id == 0) return std::nullopt;
    return id;
}
bool server_session::send(std::uint64_t flow, wire::bytes message) noexcept {
    return s->send(flow, message) == session::send_status::ok;
}
void server_session::close_flow(std::uint64_t flow) noexcept { (void)s->close_flow(flow); }
void server_session::close_session() noexcept { s->close(stage_->now_us()); }

bool server_session::admit(std::uint16_t app) noexcept { return stage_->admit(app); }
void server_session::on_connected(std::uint16_t) noexcept { emit(peer_event::kind::connected); }
void server_session::on_peer_info(std::span<const wire::socket_address>) noexcept { emit(peer_event::kind::peer_info); }
void server_session::on_disconnected(std::uint16_t app) noexcept {
    stage_->release_app(app);
    // The control thread drops every membership of the session on this event.
    for (auto& g : group_flows)
        if (g.client_flow != 0) end_group_flow(g, false);
    emit(peer_event::kind::disconnected);
}

// ---- NetGroup (protocol reference §7) ------------------------------------------

namespace {
// A legacy join hashes the groupspec; longer ones than any real groupspec
// are refused before hashing.
constexpr std::size_t max_groupspec_bytes = 1024;
} // namespace

void server_session::on_group_join(std::uint64_t flow, wire::bytes message) noexcept {
    auto& c = stage_->counters();
    auto j = flash::read_group_join(message);  // netconnection checked it; the fields are needed here
    if (!j.ok() || (j->legacy && j->groupspec.size() > max_groupspec_bytes)) {
        c.drop(drop_reason::bad_group_join);
        return;
    }
    const session::time_us now = stage_->now_us();
    const session::time_us interval = 1000000 / std::max<std::uint32_t>(stage_->cfg_.group_joins_per_second, 1);
    const session::time_us burst = interval * std::max<std::uint32_t>(stage_->cfg_.group_joins_per_second, 1);
    const session::time_us tat = std::max(next_join_at, now);
    if (tat - now >= burst) {
        c.drop(drop_reason::group_join_rate);
        return;
    }
    group_flow* slot = nullptr;
    for (auto& g : group_flows)
        if (g.client_flow == flow) slot = &g;  // a join again on a member flow (re-join or move)
    if (!slot)
        for (auto& g : group_flows)
            if (g.client_flow == 0 && !slot) slot = &g;
    if (!slot) {
        c.drop(drop_reason::session_group_limit);
        return;
    }
    if (slot->client_flow == 0) {
        static constexpr std::uint8_t gc_metadata[] = {0x47, 0x43};
        const auto ours = open_flow(wire::bytes{gc_metadata, sizeof gc_metadata}, flow);
        if (!ours) {
            c.drop(drop_reason::session_group_limit);  // no sending flow left in this session
            return;
        }
        slot->client_flow = flow;
        slot->our_flow = *ours;
    }
    next_join_at = tat + interval;
    peer_event e;
    e.what = peer_event::kind::group_join;
    e.worker = stage_->worker_index();
    e.app = nc->app_index();
    e.session_id = s->near_id();
    e.time_s = stage_->now_seconds();
    e.peer_id = peer_id;
    e.group_flow = flow;
    if (j->legacy) e.group_id = crypto::sha256(j->groupspec);
    else std::memcpy(e.group_id.data(), j->id.data(), e.group_id.size());
    stage_->post(e);
}

void server_session::on_group_leave(std::uint64_t flow) noexcept {
    for (auto& g : group_flows)
        if (g.client_flow != 0 && g.client_flow == flow) end_group_flow(g, true);
}

void server_session::end_group_flow(group_flow& g, bool post) noexcept {
    if (g.our_flow != 0) (void)s->close_flow(g.our_flow);
    if (post) {
        peer_event e;
        e.what = peer_event::kind::group_leave;
        e.worker = stage_->worker_index();
        e.app = nc->app_index();
        e.session_id = s->near_id();
        e.time_s = stage_->now_seconds();
        e.peer_id = peer_id;
        e.group_flow = g.client_flow;
        stage_->post(e);
    }
    g = group_flow{};
}

void server_session::on_group_command(const group_command& cmd) noexcept {
    auto& c = stage_->counters();
    group_flow* g = nullptr;
    for (auto& x : group_flows)
        if (x.client_flow != 0 && x.client_flow == cmd.flow) g = &x;
    if (!g || g->our_flow == 0) return;  // left since: nothing to answer
    if (cmd.status != drop_reason::none) {
        // Refused by a table limit: counted here, on the lcore that owns the
        // session; the flow stays so the client may leave or try again.
        c.drop(cmd.status);
        return;
    }
    std::uint8_t msg[1 + 32];
    for (std::size_t i = 0; i < cmd.count && i < max_group_command_members; ++i) {
        wire::writer w(wire::mutable_bytes{msg, sizeof msg});
        flash::write_group_member(w, wire::bytes{cmd.peers[i], 32});
        if (!w.ok() || !send(g->our_flow, w.written())) {
            c.drop(drop_reason::tx_full);
            return;
        }
    }
}

engine::relay_outcome server_session::on_relay(const flash::relay_peer_id& target, wire::bytes args) noexcept {
    // Token bucket in thousandths of a message, refilled by elapsed time.
    const auto& policy = *stage_->cfg_.netconnection;
    const std::uint64_t burst_milli = std::uint64_t{policy.relay_burst} * 1000;
    const session::time_us now = stage_->now_us();
    if (!relay_bucket_started) {
        relay_bucket_started = true;
        relay_tokens_milli = burst_milli;
    } else if (now > relay_refilled_us) {
        const std::uint64_t earned = (now - relay_refilled_us) * policy.relay_per_second / 1000;
        relay_tokens_milli = std::min(burst_milli, relay_tokens_milli + earned);
    }
    relay_refilled_us = now;
    if (relay_tokens_milli < 1000) {
        stage_->counters().drop(drop_reason::relay_rate_limited);
        return engine::relay_outcome::rate_limited;
    }
    relay_tokens_milli -= 1000;
    return stage_->route_relay(target, peer_id, args, port_index);
}

void server_session::emit(peer_event::kind k) noexcept {
    peer_event e;
    e.what = k;
    e.worker = stage_->worker_index();
    e.app = nc->app_index();
    e.session_id = s->near_id();
    e.time_s = stage_->now_seconds();
    e.peer_id = peer_id;
    e.address = s->far_address();
    e.address.origin = wire::address_origin::observed;
    const auto addrs = nc->peer_addresses();
    e.private_count = static_cast<std::uint8_t>(addrs.size());
    for (std::size_t i = 0; i < addrs.size(); ++i) {
        e.private_addresses[i] = addrs[i];
        e.private_addresses[i].origin = wire::address_origin::local;
    }
    stage_->post(e);
}

// ---- session_stage -------------------------------------------------------------

session_stage::~session_stage() {
    void* p = nullptr;
    if (events_) {
        while (rte_ring_dequeue(events_, &p) == 0) rte_free(p);
        rte_ring_free(events_);
    }
    if (handoff_) {
        while (rte_ring_dequeue(handoff_, &p) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(p));
        rte_ring_free(handoff_);
    }
}

bool session_stage::init(const session_stage_config& cfg, worker_context& w, dh_service* dh, std::string& error) {
    cfg_ = cfg;
    w_ = &w;
    dh_ = dh;
    if (!table_.init(cfg.table)) {
        error = "cannot allocate the session table (" + std::to_string(cfg.table.capacity) + " sessions)";
        return false;
    }
    states_ = std::make_unique<server_session[]>(cfg.table.capacity);
    streams_ = std::make_unique<engine::stream_table>(live_streams_per_lcore, subscribers_per_stream, counters());
    free_states_.reserve(cfg.table.capacity);
    for (std::uint32_t i = cfg.table.capacity; i-- > 0;) free_states_.push_back(i);
    std::size_t n = 16;
    while (n < std::size_t{cfg.table.capacity} * 2) n <<= 1;
    keyings_.assign(n, keying_entry{});
    keying_mask_ = n - 1;
    scratch_ = std::make_unique<std::uint8_t[]>(scratch_size);
    const std::string tag = std::to_string(cfg.worker_index) + "_" + std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xffff);
    const int socket = static_cast<int>(rte_socket_id());
    handoff_ = rte_ring_create(("strato_ho_" + tag).c_str(), 4096, socket, RING_F_SC_DEQ);
    events_ = rte_ring_create(("strato_ev_" + tag).c_str(), cfg.event_ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!handoff_ || !events_) {
        error = "cannot create the session rings of worker " + std::to_string(cfg.worker_index);
        return false;
    }
    return true;
}

engine::lcore_counters& session_stage::counters() noexcept { return w_->counters; }
std::uint32_t session_stage::now_seconds() const noexcept {
    return static_cast<std::uint32_t>(now_us_ / 1000000);
}

bool session_stage::admit(std::uint16_t app) noexcept {
    auto& sh = *w_->shared;
    if (app >= sh.app_peers.size()) return true;
    const std::uint32_t limit = sh.app_limits[app].load(std::memory_order_relaxed);
    const std::uint32_t n = sh.app_peers[app].fetch_add(1, std::memory_order_relaxed);
    if (limit != 0 && n >= limit) {
        sh.app_peers[app].fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

void session_stage::release_app(std::uint16_t app) noexcept {
    auto& sh = *w_->shared;
    if (app < sh.app_peers.size()) sh.app_peers[app].fetch_sub(1, std::memory_order_relaxed);
}

void session_stage::post(const peer_event& e) noexcept {
    // Events are rare (connect, setPeerInfo, leave); a full ring means the
    // control thread is stalled, and the directory catches up on the next one.
    auto* copy = static_cast<peer_event*>(rte_malloc("strato_event", sizeof(peer_event), 0));
    if (!copy) return;
    *copy = e;
    if (rte_ring_enqueue(events_, copy) != 0) {
        rte_free(copy);
        counters().drop(drop_reason::table_full);
    }
}

std::uint64_t session_stage::keying_key(const wire::socket_address& a, std::uint32_t isid) const noexcept {
    std::uint64_t h = mix(std::uint64_t{isid} << 16 | a.port);
    for (std::size_t i = 0; i < a.ip_size(); i += 4) {
        std::uint32_t w;
        std::memcpy(&w, a.ip.data() + i, 4);
        h = mix(h ^ w);
    }
    return h | 1;
}

session_stage::keying_entry* session_stage::find_keying(std::uint64_t key) noexcept {
    for (std::size_t i = key & keying_mask_, n = 0; n <= keying_mask_; i = (i + 1) & keying_mask_, ++n) {
        if (keyings_[i].key == key) return &keyings_[i];
        if (keyings_[i].key == 0) return nullptr;
    }
    return nullptr;
}

session_stage::keying_entry* session_stage::insert_keying(std::uint64_t key) noexcept {
    for (std::size_t i = key & keying_mask_, n = 0; n <= keying_mask_; i = (i + 1) & keying_mask_, ++n) {
        if (keyings_[i].key == 0 || keyings_[i].key == key) {
            keyings_[i] = keying_entry{key, 0, 0};
            return &keyings_[i];
        }
    }
    return nullptr;
}

void session_stage::erase_keying(std::uint64_t key) noexcept {
    std::size_t i = key & keying_mask_;
    for (std::size_t n = 0; n <= keying_mask_ && keyings_[i].key != key; ++n) {
        if (keyings_[i].key == 0) return;
        i = (i + 1) & keying_mask_;
    }
    if (keyings_[i].key != key) return;
    // Backward-shift deletion keeps every probe chain unbroken.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & keying_mask_; keyings_[j].key != 0; j = (j + 1) & keying_mask_) {
        const std::size_t home = keyings_[j].key & keying_mask_;
        const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            keyings_[hole] = keyings_[j];
            hole = j;
        }
    }
    keyings_[hole] = keying_entry{};
}

void session_stage::on_iikeying(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, wire::bytes packet,
                                std::uint64_t) noexcept {
    auto& c = counters();
    auto p = wire::parse_packet(packet);
    wire::chunk_reader chunks(p.ok() ? p->chunks : wire::bytes{});
    wire::chunk_view ch;
    if (!p.ok() || !chunks.next(ch) || ch.type != static_cast<std::uint8_t>(wire::chunk_type::iikeying)) {
        c.drop(drop_reason::malformed_chunk);
        rte_pktmbuf_free(m);
        return;
    }
    auto k = wire::parse_iikeying(ch.value);
    if (!k.ok()) {
        c.drop(k.error());
        rte_pktmbuf_free(m);
        return;
    }
    const std::uint64_t key = keying_key(d.source, k->initiator_session_id);
    if (keying_entry* e = find_keying(key)) {
        // RFC 7016 §3.5.1.1.2: the same initiator again. If its session exists,
        // resend the RIKeying; if it is still being keyed, this is a duplicate.
        if (e->session_id != 0) {
            if (session::session* s = table_.lookup(e->session_id)) {
                server_session* st = state_of(s);
                transmit(port_index, reverse_route(m, d, w_->shared->l3[port_index]),
                         wire::bytes{st->rikeying.data(), st->rikeying_size});
                rte_pktmbuf_free(m);
                return;
            }
            erase_keying(key);  // the session is gone: key anew
        } else {
            c.drop(drop_reason::duplicate_iikeying);
            rte_pktmbuf_free(m);
            return;
        }
    }
    keying_slot* slot = dh_ ? dh_->acquire(cfg_.worker_index) : nullptr;
    if (!slot) {
        c.drop(drop_reason::keying_queue_full);
        rte_pktmbuf_free(m);
        return;
    }
    const drop_reason r = engine::prepare_keying(*k, d.source, cfg_.keying, slot->request);
    if (r != drop_reason::none) {
        dh_->release(slot);
        c.drop(r);
        rte_pktmbuf_free(m);
        return;
    }
    slot->reply_route = reverse_route(m, d, w_->shared->l3[port_index]);
    slot->port_index = port_index;
    rte_pktmbuf_free(m);
    keying_entry* e = insert_keying(key);
    if (!e || !dh_->submit(slot)) {
        if (e) erase_keying(key);
        dh_->release(slot);
        c.drop(drop_reason::keying_queue_full);
        return;
    }
    e->skic_hash = slot->request.skic_hash;
}

void session_stage::finish_keying(keying_slot* slot) noexcept {
    auto& c = counters();
    const auto& req = slot->request;
    const std::uint64_t key = keying_key(req.from, req.initiator_session_id);
    if (slot->result.status != drop_reason::none || free_states_.empty()) {
        c.drop(slot->result.status != drop_reason::none ? slot->result.status : drop_reason::table_full);
        erase_keying(key);
        dh_->release(slot);
        return;
    }
    session::session_keys keys;
    const auto& res = slot->result;
    bool ok = crypto::make_aes_key(res.keys.encrypt_aes(), keys.encrypt) &&
              crypto::make_aes_key(res.keys.decrypt_aes(), keys.decrypt);
    if (res.features.send_hmac) {
        ok = ok && crypto::make_hmac_key(res.keys.hmac_send_key, keys.hmac_send);
        keys.hmac_send_length = res.features.send_hmac_length;
    }
    if (res.features.recv_hmac) {
        ok = ok && crypto::make_hmac_key(res.keys.hmac_recv_key, keys.hmac_recv);
        keys.hmac_recv_length = res.features.recv_hmac_length;
    }
    keys.sseq_send = res.features.send_sseq;
    keys.sseq_recv = res.features.recv_sseq;
    const std::uint32_t state_index = free_states_.back();
    server_session* st = &states_[state_index];
    session::session_params params;
    params.far_id = req.initiator_session_id;
    params.far_address = req.from;
    params.initiator = false;
    session::session* s = ok ? table_.create(params, keys, st, now_us_) : nullptr;
    if (!s) {
        c.drop(drop_reason::table_full);
        erase_keying(key);
        dh_->release(slot);
        return;
    }
    free_states_.pop_back();
    s->user = st;
    st->bind(this, s, *cfg_.netconnection, c);
    st->peer_id = req.peer_id;
    st->initiator_session_id = req.initiator_session_id;
    st->skic_hash = req.skic_hash;
    st->port_index = slot->port_index;
    st->far_mac = slot->reply_route.destination_mac;
    st->has_vlan = slot->reply_route.has_vlan;
    st->vlan_tci = slot->reply_route.vlan_tci;
    st->local = slot->reply_route.source;

    // RIKeying: default key, scrambled with the initiator's session ID (P16).
    const std::size_t n = engine::write_rikeying_packet(st->rikeying, s->near_id(), res.skrc_bytes(),
                                                        session::ticks_of(now_us_));
    auto sealed = n ? crypto::seal(st->rikeying, n, req.initiator_session_id,
                                   crypto::seal_params{crypto::default_aes_key(), nullptr, 0})
                    : wire::result<std::size_t>(drop_reason::tx_full);
    if (!sealed.ok()) {
        c.drop(sealed.error());
        table_.release(s);
        erase_keying(key);
        dh_->release(slot);
        return;
    }
    st->rikeying_size = static_cast<std::uint16_t>(*sealed);
    if (keying_entry* e = find_keying(key)) e->session_id = s->near_id();
    transmit(slot->port_index, slot->reply_route, wire::bytes{st->rikeying.data(), st->rikeying_size});
    c.count(engine::stage::session_opened);
    dh_->release(slot);
}

std::uint32_t session_stage::open_session_for_benchmark(const wire::socket_address& far, const wire::socket_address& local,
                                                        const net::mac_address& far_mac, std::uint16_t port_index,
                                                        const session::session_keys& keys,
                                                        const crypto::digest& peer_id) noexcept {
    if (free_states_.empty()) return 0;
    const std::uint32_t state_index = free_states_.back();
    server_session* st = &states_[state_index];
    session::session_params params;
    params.far_id = 0x40000000u | state_index;
    params.far_address = far;
    params.initiator = false;
    session::session* s = table_.create(params, keys, st, now_us_);
    if (!s) return 0;
    free_states_.pop_back();
    s->user = st;
    st->bind(this, s, *cfg_.netconnection, counters());
    st->peer_id = peer_id;
    st->initiator_session_id = params.far_id;
    st->port_index = port_index;
    st->far_mac = far_mac;
    st->local = local;
    return s->near_id();
}

engine::relay_outcome session_stage::route_relay(const flash::relay_peer_id& target, const crypto::digest& sender,
                                                 wire::bytes args, std::uint16_t port_index) noexcept {
    auto& c = counters();
    auto& sh = *w_->shared;
    control::peer_id id;
    std::memcpy(id.data(), target.data(), id.size());
    control::peer_view where;
    if (!sh.directory || !sh.directory->lookup(id, where) || args.size() > flash::max_relay_args) {
        c.drop(drop_reason::relay_unknown_peer);
        return engine::relay_outcome::unknown_peer;
    }
    if (where.lcore == cfg_.worker_index) {
        // Same lcore: the sender learns at once whether the target's flow
        // took it (across lcores it is told "routed" only).
        const engine::relay_outcome o = deliver_relay(where.session_id, sender, args);
        if (o == engine::relay_outcome::queued) c.count(engine::stage::relayed);
        return o;
    }
    rte_mbuf* carrier = where.lcore < sh.handoff.size() && sh.handoff[where.lcore] && port_index < sh.port_count
                            ? rte_pktmbuf_alloc(sh.pools[port_index])
                            : nullptr;
    if (!carrier || rte_pktmbuf_tailroom(carrier) < sizeof(relay_record)) {
        if (carrier) rte_pktmbuf_free(carrier);
        c.drop(drop_reason::tx_full);
        return engine::relay_outcome::busy;
    }
    auto* rec = rte_pktmbuf_mtod(carrier, relay_record*);
    rec->session_id = where.session_id;
    rec->args_size = static_cast<std::uint16_t>(args.size());
    std::memcpy(rec->sender, sender.data(), sizeof rec->sender);
    if (!args.empty()) std::memcpy(rec->args, args.data(), args.size());
    carrier->port = relay_marker;
    if (rte_ring_enqueue(sh.handoff[where.lcore], carrier) != 0) {
        rte_pktmbuf_free(carrier);
        c.drop(drop_reason::tx_full);
        return engine::relay_outcome::busy;
    }
    c.count(engine::stage::relayed);
    c.count(engine::stage::relay_handed_over);
    return engine::relay_outcome::queued;
}

engine::relay_outcome session_stage::deliver_relay(std::uint32_t session_id, std::span<const std::uint8_t, 32> sender,
                                                   wire::bytes args) noexcept {
    session::session* s = table_.lookup(session_id);
    if (!s || s->closed()) {
        counters().drop(drop_reason::relay_unknown_peer);  // left since the directory said otherwise
        return engine::relay_outcome::unknown_peer;
    }
    // A full return flow: tx_full, counted by the NetConnection.
    if (!state_of(s)->nc->deliver_relay(sender, args)) return engine::relay_outcome::busy;
    counters().count(engine::stage::relay_delivered);
    // Out with this loop's burst, unless it is the session being served
    // (a peer relaying to itself): that one is polled right after.
    if (s != serving_) s->poll(now_us_, *this);
    return engine::relay_outcome::queued;
}

void session_stage::forward_ihello(std::uint32_t session_id, wire::bytes epd, const wire::socket_address& reply,
                                   wire::bytes tag) noexcept {
    session::session* s = table_.lookup(session_id);
    if (!s) {
        counters().drop(drop_reason::unknown_peer);  // gone since the directory said otherwise
        return;
    }
    if (s->send_forwarded_ihello(now_us_, *this, epd, reply, tag)) counters().count(engine::stage::fihello_sent);
}

void session_stage::on_introduction(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, wire::bytes packet,
                                    std::uint64_t now_tsc) noexcept {
    const introduction_request one{m, port_index, &d, packet};
    on_introductions({&one, 1}, now_tsc);
}

void session_stage::on_introductions(std::span<const introduction_request> burst, std::uint64_t now_tsc) noexcept {
    constexpr std::size_t chunk = 32;  // one rte_hash bulk lookup (at most 64)
    for (std::size_t base = 0; base < burst.size(); base += chunk)
        introduce_chunk(burst.subspan(base, std::min(chunk, burst.size() - base)), now_tsc);
}

void session_stage::introduce_chunk(std::span<const introduction_request> reqs, std::uint64_t now_tsc) noexcept {
    auto& c = counters();
    auto& sh = *w_->shared;
    constexpr std::size_t chunk = 32;
    wire::ihello hellos[chunk];
    wire::bytes fingerprints[chunk];  // views into the opened packets
    std::uint64_t initiator_keys[chunk];
    bool parsed[chunk];
    // Parse all, and start fetching each initiator's bucket.
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        const auto& q = reqs[i];
        auto p = wire::parse_packet(q.packet);
        wire::chunk_reader chunks(p.ok() ? p->chunks : wire::bytes{});
        wire::chunk_view ch;
        auto ih = chunks.next(ch) ? wire::parse_ihello(ch.value) : wire::result<wire::ihello>(drop_reason::malformed_chunk);
        auto epd = ih.ok() ? wire::parse_epd(ih->epd) : wire::result<wire::epd_view>(ih.error());
        parsed[i] = epd.ok() && epd->has_fingerprint && ih->epd.size() <= max_intro_field &&
                    ih->tag.size() <= max_intro_field && sh.directory;
        if (!parsed[i]) {
            c.drop(epd.ok() ? drop_reason::value_out_of_range : epd.error());
            rte_pktmbuf_free(q.m);
            continue;
        }
        hellos[i] = *ih;
        fingerprints[i] = epd->fingerprint;
        initiator_keys[i] = w_->introduction_initiator_limiter->prefetch(q.d->source);
    }
    // Per initiator before the directory is read: a flood of made-up peer
    // IDs costs a bucket lookup, not a hash probe per packet.
    control::peer_id ids[chunk];
    const control::peer_id* id_refs[chunk];
    std::uint8_t request_of[chunk];
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        if (!parsed[i]) continue;
        if (!w_->introduction_initiator_limiter->allow_key(initiator_keys[i], now_tsc)) {
            c.drop(drop_reason::introduction_initiator_limited);
            rte_pktmbuf_free(reqs[i].m);
            continue;
        }
        std::memcpy(ids[n].data(), fingerprints[i].data(), ids[n].size());
        id_refs[n] = &ids[n];
        request_of[n++] = static_cast<std::uint8_t>(i);
    }
    if (n == 0) return;
    control::peer_view targets[chunk];
    const std::uint64_t found = sh.directory->lookup_bulk(id_refs, n, targets);
    for (std::uint32_t k = 0; k < n; ++k) {
        if (found >> k & 1) {
            std::uint64_t target_key = 0;
            std::memcpy(&target_key, ids[k].data(), sizeof target_key);
            w_->introduction_target_limiter->prefetch_key(target_key);
        }
    }
    for (std::uint32_t k = 0; k < n; ++k) {
        const auto& q = reqs[request_of[k]];
        if (!(found >> k & 1)) {
            c.drop(drop_reason::unknown_peer);
            rte_pktmbuf_free(q.m);
            continue;
        }
        introduce(q, hellos[request_of[k]], ids[k], targets[k], now_tsc);
    }
}

void session_stage::introduce(const introduction_request& q, const wire::ihello& ih, const control::peer_id& id,
                              const control::peer_view& target, std::uint64_t now_tsc) noexcept {
    auto& c = counters();
    auto& sh = *w_->shared;
    rte_mbuf* const m = q.m;
    const std::uint16_t port_index = q.port_index;
    const net::udp_datagram& d = *q.d;
    // Only peers that completed connect and setPeerInfo are introduced
    // (tcserver's rule, protocol reference D13); a peer asking for itself is not.
    if (!target.introducible || target.public_address.same_endpoint(d.source)) {
        c.drop(drop_reason::unknown_peer);
        rte_pktmbuf_free(m);
        return;
    }
    // Per target: many initiators cannot make one peer's NAT (and the peer)
    // answer a storm of Forwarded IHellos. A peer ID is a SHA-256: its first
    // bytes are already uniformly mixed.
    std::uint64_t target_key = 0;
    std::memcpy(&target_key, id.data(), sizeof target_key);
    if (!w_->introduction_target_limiter->allow_key(target_key, now_tsc)) {
        c.drop(drop_reason::introduction_target_limited);
        rte_pktmbuf_free(m);
        return;
    }
    // Copy what the FIHello needs before the Redirect overwrites the frame.
    intro_record rec{};
    rec.session_id = target.session_id;
    rec.reply = d.source;
    rec.reply.origin = wire::address_origin::observed;  // RFC 7016 §2.3.3, both servers in the captures
    rec.epd_size = static_cast<std::uint8_t>(ih.epd.size());
    rec.tag_size = static_cast<std::uint8_t>(ih.tag.size());
    std::memcpy(rec.epd, ih.epd.data(), rec.epd_size);
    std::memcpy(rec.tag, ih.tag.data(), rec.tag_size);

    // Redirect first (rtmfp-cpp's order: the initiator's IHellos open its NAT
    // before the target's RHello arrives): the target's observed address,
    // then the addresses it reported, same family as the initiator (P18).
    wire::redirect r;
    r.tag_echo = wire::bytes{rec.tag, rec.tag_size};
    const auto add = [&](const wire::socket_address& a, wire::address_origin o) {
        if (a.ipv6 != d.source.ipv6 || a.is_unusable_candidate() || r.address_count == wire::max_redirect_addresses) return;
        for (std::size_t i = 0; i < r.address_count; ++i)
            if (r.addresses[i].same_endpoint(a)) return;
        r.addresses[r.address_count] = a;
        r.addresses[r.address_count++].origin = o;
    };
    add(target.public_address, wire::address_origin::observed);
    for (std::size_t i = 0; i < target.private_count; ++i) add(target.private_addresses[i], wire::address_origin::local);
    if (r.address_count == 0) {
        // An empty Redirect would mean "the responder is here" (RFC 7016
        // §2.3.5): never send one for a peer we cannot place.
        c.drop(drop_reason::unknown_peer);
        rte_pktmbuf_free(m);
        return;
    }
    // The initiator's address is unvalidated (spoofable): what goes back to
    // it stays within 3x what it sent. The observed address comes first, so
    // trimming keeps the most useful candidates.
    const std::size_t budget = max_amplification * d.payload_length;
    while (r.address_count > 0 && sealed_startup_size(wire::redirect_chunk_size(r)) > budget) --r.address_count;
    if (r.address_count == 0) {
        c.drop(drop_reason::amplification_limited);
        rte_pktmbuf_free(m);
        return;
    }
    c.count(engine::stage::introduction);
    const auto frame = std::span<std::uint8_t>(rte_pktmbuf_mtod(m, std::uint8_t*),
                                               rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m));
    const auto reply = frame.subspan(d.reply_payload_offset);
    wire::packet_builder b(reply, wire::startup_flags, session::ticks_of(now_us_), std::nullopt);
    wire::write_redirect(b.body(), r);
    auto sealed = b.finish() ? crypto::seal(b, 0, crypto::seal_params{crypto::default_aes_key(), nullptr, 0})
                             : wire::result<std::size_t>(drop_reason::tx_full);
    const auto mode = sh.checksum_modes[port_index];
    const auto f = sealed.ok() && *sealed <= budget ? net::finish_udp_reply(sh.l3[port_index], d, frame, *sealed, mode)
                                                    : net::udp_frame{};
    if (f.frame_length == 0) {
        c.drop(!sealed.ok() ? sealed.error() : *sealed > budget ? drop_reason::amplification_limited : drop_reason::tx_full);
        rte_pktmbuf_free(m);
        return;  // no Redirect: no Forwarded IHello either
    }
    transmit_udp_frame(*w_, port_index, m, f, d.ipv6, mode);
    c.count(engine::stage::redirect_sent);

    // Then the Forwarded IHello, inside the target's session.
    if (target.lcore == cfg_.worker_index) {
        forward_ihello(rec.session_id, {rec.epd, rec.epd_size}, rec.reply, {rec.tag, rec.tag_size});
        return;
    }
    rte_mbuf* carrier = target.lcore < sh.handoff.size() && sh.handoff[target.lcore] ? rte_pktmbuf_alloc(sh.pools[port_index]) : nullptr;
    if (!carrier || rte_pktmbuf_tailroom(carrier) < sizeof rec) {
        if (carrier) rte_pktmbuf_free(carrier);
        c.drop(drop_reason::tx_full);
        return;
    }
    std::memcpy(rte_pktmbuf_mtod(carrier, void*), &rec, sizeof rec);
    carrier->port = intro_marker;
    if (rte_ring_enqueue(sh.handoff[target.lcore], carrier) != 0) {
        rte_pktmbuf_free(carrier);
        c.drop(drop_reason::tx_full);
    }
}

void session_stage::on_datagram(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d, std::uint64_t) noexcept {
    const auto* payload = rte_pktmbuf_mtod_offset(m, const std::uint8_t*, d.payload_offset);
    const std::uint32_t sid = wire::session_id_of(wire::bytes{payload, d.payload_length});
    const std::uint32_t owner = session::session_table::owner_of(sid, cfg_.table.owner_bits);
    if (owner != cfg_.worker_index) {
        // RFC 7016 §3.5.4.2 / NAT rebinding or RSS: the session lives on
        // another lcore; hand the whole frame over, it classifies it again.
        auto& sh = *w_->shared;
        if (owner < sh.handoff.size() && sh.handoff[owner] && rte_ring_enqueue(sh.handoff[owner], m) == 0) {
            counters().count(engine::stage::handed_over);
            return;
        }
        counters().drop(drop_reason::unknown_session);
        rte_pktmbuf_free(m);
        return;
    }
    serve(m, port_index, d);
}

void session_stage::serve(rte_mbuf* m, std::uint16_t port_index, const net::udp_datagram& d) noexcept {
    auto& c = counters();
    const auto* payload = rte_pktmbuf_mtod_offset(m, const std::uint8_t*, d.payload_offset);
    const wire::bytes datagram{payload, d.payload_length};
    session::session* s = table_.lookup(wire::session_id_of(datagram));
    if (!s) {
        c.drop(drop_reason::unknown_session);  // never answered: no reflection (protocol reference §1.2)
        rte_pktmbuf_free(m);
        return;
    }
    auto plain = s->open_datagram(datagram, wire::mutable_bytes{scratch_.get(), scratch_size});
    if (!plain.ok()) {
        c.drop(plain.error());
        rte_pktmbuf_free(m);
        return;
    }
    server_session* st = state_of(s);
    const auto* eth = rte_pktmbuf_mtod(m, const std::uint8_t*);
    std::memcpy(st->far_mac.bytes.data(), eth + 6, 6);
    st->port_index = port_index;
    st->has_vlan = d.has_vlan;
    st->vlan_tci = d.vlan_tci;
    st->local = d.destination;
    rte_pktmbuf_free(m);
    c.count(engine::stage::session_packet);
    serving_ = s;
    const drop_reason r = s->on_plaintext(*plain, d.source, now_us_);
    serving_ = nullptr;
    if (r != drop_reason::none) c.drop(r);
    s->poll(now_us_, *this);  // acks and answers go out with this burst
}

void session_stage::send(session::session& s, const wire::socket_address& to, wire::packet_builder& packet) noexcept {
    auto sealed = s.seal_packet(packet);
    if (!sealed.ok()) {
        counters().drop(sealed.error());
        return;
    }
    const server_session* st = state_of(&s);
    net::udp_route r;
    r.source_mac = w_->shared->l3[st->port_index].mac;
    r.destination_mac = st->far_mac;
    r.has_vlan = st->has_vlan;
    r.vlan_tci = st->vlan_tci;
    r.source = st->local;
    r.destination = to;
    r.ttl = w_->shared->l3[st->port_index].reply_ttl;
    transmit(st->port_index, r, wire::bytes{packet.datagram().data(), *sealed});
}

bool session_stage::transmit(std::uint16_t port_index, const net::udp_route& route, wire::bytes datagram) noexcept {
    auto& sh = *w_->shared;
    rte_mbuf* m = rte_pktmbuf_alloc(sh.pools[port_index]);
    if (!m) {
        counters().drop(drop_reason::tx_full);
        return false;
    }
    const std::size_t offset = net::udp_payload_offset(route.has_vlan, route.destination.ipv6);
    const std::size_t room = rte_pktmbuf_tailroom(m);
    if (offset + datagram.size() > room) {
        rte_pktmbuf_free(m);
        counters().drop(drop_reason::tx_full);
        return false;
    }
    auto* base = rte_pktmbuf_mtod(m, std::uint8_t*);
    std::memcpy(base + offset, datagram.data(), datagram.size());
    const auto mode = sh.checksum_modes[port_index];
    const auto f = net::write_udp_headers(route, std::span<std::uint8_t>(base, room), datagram.size(), mode);
    if (f.frame_length == 0) {
        rte_pktmbuf_free(m);
        counters().drop(drop_reason::tx_full);
        return false;
    }
    transmit_udp_frame(*w_, port_index, m, f, route.destination.ipv6, mode);
    return true;
}

void session_stage::poll(std::uint64_t now_tsc) noexcept {
    const auto& clk = w_->shared->time;
    now_us_ = (now_tsc - clk.start_tsc) * 1000000 / clk.hz;
    if (dh_) {
        keying_slot* done[collect_burst];
        const unsigned n = dh_->collect(cfg_.worker_index, done, collect_burst);
        for (unsigned i = 0; i < n; ++i) finish_keying(done[i]);
    }
    // Frames handed over by other lcores: classified again here.
    rte_mbuf* handed[collect_burst];
    const unsigned h = rte_ring_dequeue_burst(handoff_, reinterpret_cast<void**>(handed), collect_burst, nullptr);
    for (unsigned i = 0; i < h; ++i) {
        rte_mbuf* m = handed[i];
        if (m->port == intro_marker) {
            intro_record rec;
            std::memcpy(&rec, rte_pktmbuf_mtod(m, const void*), sizeof rec);
            rte_pktmbuf_free(m);
            forward_ihello(rec.session_id, {rec.epd, rec.epd_size}, rec.reply, {rec.tag, rec.tag_size});
            continue;
        }
        if (m->port == group_marker) {
            group_command cmd;
            std::memcpy(&cmd, rte_pktmbuf_mtod(m, const void*), sizeof cmd);
            rte_pktmbuf_free(m);
            session::session* s = table_.lookup(cmd.session_id);
            if (s && !s->closed() && s->user) {
                state_of(s)->on_group_command(cmd);
                s->poll(now_us_, *this);  // the members go out now, not at the next timer slice
            }
            continue;
        }
        if (m->port == relay_marker) {
            const auto* rec = rte_pktmbuf_mtod(m, const relay_record*);
            (void)deliver_relay(rec->session_id, std::span<const std::uint8_t, 32>(rec->sender, 32),
                                wire::bytes{rec->args, std::min<std::size_t>(rec->args_size, flash::max_relay_args)});
            rte_pktmbuf_free(m);
            continue;
        }
        if (m->port == kick_marker) {
            std::uint32_t sid = 0;
            std::memcpy(&sid, rte_pktmbuf_mtod(m, const void*), sizeof sid);
            rte_pktmbuf_free(m);
            if (session::session* s = table_.lookup(sid); s && !s->closed()) s->close(now_us_);
            continue;
        }
        std::uint16_t port_index = 0;
        while (port_index < w_->shared->port_count && w_->shared->port_ids[port_index] != m->port) ++port_index;
        if (port_index == w_->shared->port_count) {
            rte_pktmbuf_free(m);
            continue;
        }
        const auto cls = net::classify(w_->shared->l3[port_index],
                                       std::span<std::uint8_t>(rte_pktmbuf_mtod(m, std::uint8_t*),
                                                               rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m)),
                                       rte_pktmbuf_data_len(m));
        if (cls.kind != net::verdict::udp) {
            rte_pktmbuf_free(m);
            continue;
        }
        serve(m, port_index, cls.udp);
    }
    // Timers of a slice of the sessions per loop: at most 64, and no more
    // than a whole sweep every timer_sweep_us needs (well inside the 200 ms
    // ack delay; packets of a session poll it at once anyway). A busy loop
    // then spends its time on packets, not on re-walking idle sessions.
    const std::uint32_t capacity = cfg_.table.capacity;
    sweep_credit_ = std::min<std::uint64_t>(sweep_credit_ + (now_us_ - last_sweep_us_) * capacity,
                                            std::uint64_t{sessions_polled_per_loop} * timer_sweep_us);
    last_sweep_us_ = now_us_;
    const auto slice = static_cast<unsigned>(sweep_credit_ / timer_sweep_us);
    sweep_credit_ -= std::uint64_t{slice} * timer_sweep_us;
    for (unsigned n = 0; n < slice && n < capacity; ++n) {
        server_session& st = states_[poll_cursor_];
        poll_cursor_ = poll_cursor_ + 1 == capacity ? 0 : poll_cursor_ + 1;
        if (!st.s) continue;
        st.s->poll(now_us_, *this);
        if (st.s->closed()) retire(st);
    }
}

void session_stage::retire(server_session& st) noexcept {
    erase_keying(keying_key(st.s->far_address(), st.initiator_session_id));
    table_.release(st.s);
    st.s = nullptr;
    if (st.nc) st.nc->leave_streams();  // normally done when the session ended; never leave a dangling subscriber
    st.nc.reset();
    free_states_.push_back(static_cast<std::uint32_t>(&st - states_.get()));
    counters().count(engine::stage::session_closed);
}

} // namespace strato::stratod
