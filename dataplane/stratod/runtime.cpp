#include "dataplane/stratod/runtime.hpp"

#include <rte_launch.h>
#include <rte_lcore.h>

#include <algorithm>
#include <cstdio>

#include "crypto/random.hpp"
#include "dataplane/stratod/log.hpp"

namespace strato::stratod {

runtime::~runtime() {
    stop();
    teardown();
}

bool runtime::setup(const control::stratod_config& cfg, std::string& error) {
    if (cfg.ports_.size() > engine::max_ports) {
        error = "ports: " + std::to_string(cfg.ports_.size()) + " ports configured, at most " +
                std::to_string(engine::max_ports) + " supported";
        return false;
    }
    std::vector<crypto::dh_group> cert_groups;
    for (auto id : cfg.server_.certificate_dh_groups_) {
        crypto::dh_group g;
        if (!crypto::dh_group_from_id(id, g)) {
            error = "server.certificate_dh_groups: group " + std::to_string(id) + " is not supported";
            return false;
        }
        cert_groups.push_back(g);
    }
    // A fresh certificate per instance (its SHA-256 is the server's peer ID)
    // and a random master secret for the cookie schedule.
    shared_ = std::make_unique<shared_state>();
    std::array<std::uint8_t, crypto::certificate_randomness_size> randomness{};
    if (!crypto::random_bytes(randomness) || !crypto::random_bytes(shared_->cookies.master) ||
        crypto::build_server_certificate(randomness, cert_groups, certificate_) != wire::drop_reason::none) {
        error = "cannot create the server certificate (OpenSSL random or IPsec-MB unavailable)";
        return false;
    }
    if (certificate_.size != 77)
        log(log_level::warn, "server certificate is %zu bytes: librtmfp (and Flash-era clients) read exactly 77; "
            "advertise three groups (e.g. [2, 5, 14]) for 77", certificate_.size);

    config_ = cfg;
    // Apps: the rules the NetConnection stage matches connects against.
    if (config_.apps_.size() > shared_state::max_apps) {
        error = "apps: " + std::to_string(config_.apps_.size()) + " apps configured, at most " +
                std::to_string(shared_state::max_apps) + " supported";
        return false;
    }
    app_rules_.clear();
    for (std::size_t i = 0; i < config_.apps_.size(); ++i) {
        const auto& a = config_.apps_[i];
        engine::app_rule r;
        r.path = a.path_;
        for (const auto& k : a.developer_keys_) {
            if (r.developer_key_count == engine::max_developer_keys) break;
            r.developer_keys[r.developer_key_count++] = k;
        }
        r.max_peers = a.max_peers_.value_or(0);
        shared_->app_limits[i].store(r.max_peers, std::memory_order_relaxed);
        app_rules_.push_back(r);
    }
    nc_policy_.apps = app_rules_;
    nc_policy_.keepalive_server_ms = config_.sessions_.keepalive_server_ms_;
    nc_policy_.keepalive_peer_ms = config_.sessions_.keepalive_peer_ms_;
    nc_policy_.relay_per_second = config_.sessions_.relay_per_second_;
    nc_policy_.relay_burst = config_.sessions_.relay_burst_;

    std::vector<queue_plan> queues;
    for (const auto& q : cfg.workers_.resolved_queues_) queues.push_back({q.lcore_, q.port_, q.queue_});
    ports_up_ = true;
    if (!start_ports(cfg, ports_, queues, error)) return false;

    auto& sh = *shared_;
    sh.certificate = &certificate_;
    sh.cookies.rotation_seconds = cfg.handshake_.cookie_secret_rotation_seconds_;
    sh.cookies.lifetime_seconds = cfg.handshake_.cookie_lifetime_seconds_;
    const live_settings initial = live_settings_of(cfg);
    sh.rate_limits = initial.handshake_limits;
    sh.introduction_initiator_limits = initial.introduction_initiator_limits;
    sh.introduction_target_limits = initial.introduction_target_limits;
    sh.port_count = static_cast<std::uint16_t>(ports_.size());
    for (std::size_t p = 0; p < ports_.size(); ++p) {
        sh.pools[p] = ports_[p].pool;
        sh.l3[p] = ports_[p].l3;
        sh.port_ids[p] = ports_[p].port_id;
        sh.checksum_modes[p] = ports_[p].checksum;
    }
    sh.burst = std::min<std::uint16_t>(cfg.workers_.burst_size_, max_burst);
    sh.tx_drain_us = cfg.workers_.tx_drain_us_;
    sh.time = clock::started_now();

    // The peer directory, before the workers that read it.
    directory_ = std::make_unique<control::peer_directory>();
    {
        control::directory_config dcfg;
        dcfg.name = "strato_peers_" + std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xffffff);
        dcfg.capacity = cfg.sessions_.max_peers_;
        dcfg.spare_slots = std::max<std::uint32_t>(64, cfg.sessions_.max_peers_ / 32);
        dcfg.max_apps = static_cast<std::uint16_t>(shared_state::max_apps);
        if (!directory_->init(dcfg, error)) {
            error = "peer directory: " + error;
            return false;
        }
    }
    sh.directory = directory_.get();

    // Keying: groups we advertise, the operator's HMAC/SSEQ policy, and the
    // DH service threads with a bounded queue per worker.
    std::uint64_t groups = 0;
    for (auto g : cfg.server_.certificate_dh_groups_) groups |= std::uint64_t{1} << g;
    dh_service_config dcfg;
    dcfg.groups = groups;
    dcfg.slots_per_worker = cfg.sessions_.keying_queue_depth_;
    if (!dh_.start(dcfg, static_cast<unsigned>(cfg.workers_.lcores_.size()), error)) return false;
    session_stage_config scfg;
    scfg.keying = engine::keying_policy{groups, cfg.sessions_.require_hmac_, cfg.sessions_.require_sseq_};
    scfg.netconnection = &nc_policy_;
    scfg.group_joins_per_second = cfg.sessions_.group_joins_per_second_;
    scfg.table.capacity = cfg.sessions_.max_sessions_per_lcore_;
    scfg.table.owner_bits = 6;
    // A rendezvous session carries a few small flows: NetConnection control
    // and return flows, NetGroup channels, a stream or two. Buffer sizes come
    // from [sessions] (small by default; live streams raise them).
    auto& sc = scfg.table.session;
    sc.max_recv_flows = 3;
    sc.recv_message_max = cfg.sessions_.max_message_bytes_;
    sc.recv_stash_bytes = cfg.sessions_.receive_buffer_bytes_;
    sc.max_send_flows = 3;
    sc.send_flow_bytes = cfg.sessions_.send_buffer_bytes_;
    // About one fragment per 320 queued bytes, within what a receiver tracks.
    sc.send_flow_fragments = static_cast<std::uint16_t>(
        std::clamp<std::uint32_t>(cfg.sessions_.send_buffer_bytes_ / 320, 8, session::recv_seq_window / 2));
    sc.idle_timeout = std::uint64_t{cfg.sessions_.idle_timeout_seconds_} * session::seconds;
    sc.keepalive_idle = sc.idle_timeout / 3;
    bytes_per_session_ = session::session_table::bytes_per_session(sc) + sizeof(server_session);
    log(log_level::info, "sessions: up to %u per lcore, %zu bytes each (%.1f MiB per lcore)",
        scfg.table.capacity, bytes_per_session_,
        double(bytes_per_session_) * scfg.table.capacity / (1024.0 * 1024.0));

    std::uint16_t tx_queue = 0;
    for (auto lcore : cfg.workers_.lcores_) {
        if (!rte_lcore_is_enabled(lcore)) {
            error = "workers.lcores: lcore " + std::to_string(lcore) + " is not enabled in the EAL lcore list";
            return false;
        }
        auto w = std::make_unique<worker_context>();
        w->lcore_id = lcore;
        w->index = static_cast<std::uint16_t>(workers_.size());
        w->shared = shared_.get();
        w->tx_queue = tx_queue++;
        for (const auto& q : queues)
            if (q.lcore == lcore) w->queues.push_back({ports_[q.port_index].port_id, q.port_index, q.queue});
        if (!prepare_worker(*w, rte_lcore_to_socket_id(lcore))) {
            error = "lcore " + std::to_string(lcore) + ": cannot prepare worker state";
            return false;
        }
        if (w->queues.empty()) log(log_level::warn, "lcore %u polls no queue", lcore);
        scfg.worker_index = w->index;
        scfg.table.owner = w->index;
        w->sessions = std::make_unique<session_stage>();
        if (!w->sessions->init(scfg, *w, &dh_, error)) return false;
        sh.handoff[w->index] = w->sessions->handoff_ring();
        workers_.push_back(std::move(w));
    }
    // NetGroups: the control thread answers joins through the handoff rings.
    {
        std::vector<rte_ring*> rings;
        for (const auto& w : workers_) rings.push_back(w->sessions ? w->sessions->handoff_ring() : nullptr);
        groups_ = std::make_unique<group_service>();
        if (!groups_->init(cfg, *directory_, std::move(rings), ports_.empty() ? nullptr : ports_[0].pool, error))
            return false;
    }
    return true;
}

bool runtime::launch(std::string& error) {
    for (auto& w : workers_) {
        if (int rc = rte_eal_remote_launch(worker_main, w.get(), w->lcore_id); rc != 0) {
            error = "cannot launch lcore " + std::to_string(w->lcore_id) + ": " + rte_strerror(-rc);
            stop();
            return false;
        }
        launched_ = true;
    }
    return true;
}

void runtime::stop() {
    if (shared_) shared_->quit = true;
    if (launched_) {
        for (auto& w : workers_) (void)rte_eal_wait_lcore(w->lcore_id);
        launched_ = false;
    }
    dh_.stop();
}

session::session_stats runtime::session_totals() const noexcept {
    session::session_stats t;
    for (const auto& w : workers_) {
        if (!w->sessions) continue;
        const auto& s = w->sessions->table().stats();
        t.packets_in += engine::read(s.packets_in);
        t.packets_out += engine::read(s.packets_out);
        t.messages_in += engine::read(s.messages_in);
        t.messages_out += engine::read(s.messages_out);
        t.retransmissions += engine::read(s.retransmissions);
        t.timeouts += engine::read(s.timeouts);
        t.flows_rejected += engine::read(s.flows_rejected);
        t.idle_timeouts += engine::read(s.idle_timeouts);
        for (std::size_t i = 0; i < t.drops.size(); ++i) t.drops[i] += engine::read(s.drops[i]);
    }
    return t;
}

void runtime::apply_live(const control::stratod_config& cfg) {
    live_.push_back(std::make_unique<live_settings>(live_settings_of(cfg)));
    shared_->live.store(live_.back().get(), std::memory_order_release);
    // App quotas, for apps still at the same index with the same path (the
    // workers match connects against the apps they started with).
    for (std::size_t i = 0; i < cfg.apps_.size() && i < config_.apps_.size(); ++i)
        if (cfg.apps_[i].path_ == config_.apps_[i].path_)
            shared_->app_limits[i].store(cfg.apps_[i].max_peers_.value_or(0), std::memory_order_relaxed);
}

std::size_t runtime::sessions_active() const noexcept {
    std::size_t n = 0;
    for (const auto& w : workers_)
        if (w->sessions) n += w->sessions->table().active();
    return n;
}

void runtime::teardown() {
    groups_.reset();
    directory_.reset();
    if (ports_up_) {
        stop_ports(ports_);
        ports_.clear();
        ports_up_ = false;
    }
}

engine::counters_total runtime::totals() const noexcept {
    engine::counters_total t;
    for (const auto& w : workers_) engine::add_into(t, w->counters);
    return t;
}

std::string runtime::fingerprint_hex() const {
    char fp[65];
    for (std::size_t i = 0; i < 32; ++i) std::snprintf(fp + 2 * i, 3, "%02x", certificate_.fingerprint[i]);
    return std::string(fp, 64);
}

} // namespace strato::stratod
