#include "tools/strato-load/sessions.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "crypto/datagram.hpp"
#include "crypto/flash_keys.hpp"
#include "crypto/random.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/packet.hpp"
#include "tools/strato-peer/groupspec.hpp"
#include "tools/strato-peer/startup.hpp"

namespace strato::load {

namespace {

using ull = unsigned long long;

constexpr std::size_t intro_tag_size = 16;
constexpr std::uint64_t probe_interval_ns = 250'000'000;
// A kept session or a listener stays until the run ends (stop_staying).
constexpr session::time_us stay_until_stopped = 24ull * 3600 * session::seconds;

std::uint64_t tag_key(wire::bytes tag) noexcept {
    std::uint64_t k = 0;
    std::memcpy(&k, tag.data(), std::min<std::size_t>(8, tag.size()));
    return k;
}

std::string address_text(const wire::socket_address& a) {
    char buf[64];
    const auto n = wire::format_address(a, buf, sizeof buf);
    return std::string(buf, n);
}

// A compact session with one more sending flow: with the compact two (the
// NetConnection's and the GC flow), a session never received the notice of
// a newcomer joining after it (measured: 0 notices with two, all with
// three; not analysed further).
session::session_config joins_session_config() {
    auto c = peer::client_session_config(true);
    c.max_send_flows = 3;
    return c;
}

} // namespace

// Sends through the generator's tx queue with this slot's socket.
class slot_out final : public peer::datagram_out {
public:
    session_generator* g = nullptr;
    std::uint16_t socket = 0;
    void send(wire::bytes d) noexcept override { g->queue(socket, d); }
};

struct session_generator::slot {
    std::unique_ptr<peer::connection> c;
    slot_out out;
    std::uint64_t tag = 0;        // registered RHello route, 0 = none
    std::uint32_t near_id = 0;    // registered session route, 0 = none
    session::time_us wake = 0;
    bool counted = false;         // goal reached and counted
    bool fingerprint_seen = false;
    bool listener = false;
    std::uint32_t listener_index = 0;
    // joins
    std::uint32_t group = 0;
    std::uint32_t members_before = 0;  // our sessions in the group when this one's join went out
    std::uint64_t join_ns = 0;         // 0 = join not sent yet
    std::uint32_t members_seen = 0;
    std::vector<crypto::digest> members;  // distinct, for duplicates
};

struct session_generator::group {
    std::array<std::uint8_t, 32> id{};
    std::uint32_t assigned = 0;  // sessions started for it
    std::uint32_t joined = 0;    // joins sent
};

struct session_generator::listener {
    std::uint32_t slot = 0;
    wire::socket_address address{};  // what the server sees (and setPeerInfo says)
    std::vector<std::uint8_t> epd;   // `21 0f <peer ID>`
};

session_counters session_counters::minus(const session_counters& o) const noexcept {
    session_counters r = *this;
    r.started -= o.started;
    r.succeeded -= o.succeeded;
    r.closed_cleanly -= o.closed_cleanly;
    r.failed -= o.failed;
    r.timed_out -= o.timed_out;
    r.close_unacked -= o.close_unacked;
    r.unfinished -= o.unfinished;
    r.fingerprint_changed -= o.fingerprint_changed;
    r.datagrams_sent -= o.datagrams_sent;
    r.datagrams_received -= o.datagrams_received;
    r.tx_failed -= o.tx_failed;
    r.unroutable -= o.unroutable;
    r.listeners -= o.listeners;
    r.intro_sent -= o.intro_sent;
    r.redirects -= o.redirects;
    r.redirect_mismatches -= o.redirect_mismatches;
    r.forwarded -= o.forwarded;
    r.forwarded_mismatches -= o.forwarded_mismatches;
    r.intro_unanswered -= o.intro_unanswered;
    r.probes_sent -= o.probes_sent;
    r.probe_redirects -= o.probe_redirects;
    r.probe_forwarded -= o.probe_forwarded;
    r.joins_with_members -= o.joins_with_members;
    r.joins_answered -= o.joins_answered;
    r.member_messages -= o.member_messages;
    r.member_duplicates -= o.member_duplicates;
    r.member_mismatches -= o.member_mismatches;
    r.members_over_cap -= o.members_over_cap;
    return r;
}

session_generator::session_generator(const load_options& o, io_backend& io) : o_(o), io_(io) {}
session_generator::~session_generator() = default;

std::size_t session_generator::active() const noexcept { return slots_.size() - free_.size(); }

std::uint64_t session_generator::now_ns() const noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string session_generator::prepare() {
    std::uint64_t seed[3]{};
    if (!crypto::random_bytes(wire::mutable_bytes(reinterpret_cast<std::uint8_t*>(seed), sizeof seed)))
        return "OpenSSL's random generator failed";
    codec_ = tag_codec(seed[0]);
    random_ = fast_random(seed[1]);
    if (crypto::default_aes_key() == nullptr) return "IPsec-MB is unavailable on this machine (no default-key AES)";

    peer::endpoint server;
    if (auto e = peer::resolve_server(o_.target, AF_UNSPEC, server); !e.empty()) return "--target: " + e;
    server_ = peer::to_socket_address(server);
    socket_addresses_.resize(io_.sockets());
    for (unsigned i = 0; i < io_.sockets(); ++i)
        if (!io_.local_address(i, socket_addresses_[i])) return "cannot read the local address of socket " + std::to_string(i);

    const std::uint64_t t = now_ns();
    peer::keying_choice choice;  // DH group 2, the SOR-only negotiation Flash and librtmfp offer
    if (auto e = pool_.prepare(choice, o_.dh_pool, seed[2]); !e.empty()) return e;
    dh_pool_seconds_ = static_cast<double>(now_ns() - t) / 1e9;

    slots_.resize(o_.concurrency);
    free_.reserve(o_.concurrency);
    for (std::size_t i = slots_.size(); i-- > 0;) {
        slots_[i].out.g = this;
        slots_[i].out.socket = static_cast<std::uint16_t>(i % io_.sockets());
        free_.push_back(static_cast<std::uint32_t>(i));
    }
    by_tag_.reserve(o_.concurrency * 2);
    by_session_.reserve(o_.concurrency * 2);
    if (o_.what == scenario::introductions) {
        callers_.assign(o_.peers, peer_state{});
        listeners_.resize(o_.listeners);
    }
    if (o_.what == scenario::joins) {
        // Random group IDs: a run never meets groups of an earlier one.
        groups_.resize(o_.groups);
        for (auto& g : groups_)
            if (!crypto::random_bytes(wire::mutable_bytes(g.id.data(), g.id.size())))
                return "OpenSSL's random generator failed";
    }
    const std::size_t b = std::max<std::size_t>(o_.batch, 64);
    tx_storage_.assign(b * slot_size, 0);
    tx_.resize(b);
    rx_.resize(o_.batch);
    open_buffer_.assign(slot_size, 0);
    return "";
}

void session_generator::queue(std::uint16_t socket, wire::bytes d) noexcept {
    if (d.size() > slot_size) {
        ++c_.tx_failed;
        return;
    }
    if (tx_count_ == tx_.size()) flush();
    std::uint8_t* buf = tx_storage_.data() + tx_count_ * slot_size;
    std::memcpy(buf, d.data(), d.size());
    // The kernel backend sends from the socket; DPDK crafts the source.
    const auto& from = socket_addresses_[socket % socket_addresses_.size()];
    tx_[tx_count_++] = tx_datagram{buf, static_cast<std::uint16_t>(d.size()), from.ipv6 ? 0 : from.ipv4_host_order(),
                                   from.port, socket};
}

void session_generator::flush() noexcept {
    if (tx_count_ == 0) return;
    // Datagrams of one socket together: one sendmmsg each.
    std::stable_sort(tx_.begin(), tx_.begin() + static_cast<long>(tx_count_),
                     [](const tx_datagram& a, const tx_datagram& b) { return a.socket < b.socket; });
    const std::size_t sent = io_.send(std::span<const tx_datagram>(tx_.data(), tx_count_));
    c_.datagrams_sent += sent;
    c_.tx_failed += tx_count_ - sent;
    tx_count_ = 0;
}

void session_generator::fail(const std::string& check, const std::string& detail) {
    auto& n = out_->failures[check];
    if (n++ == 0) out_->failure_examples[check] = detail;
}

bool session_generator::start_slot(std::uint64_t now, bool as_listener, std::uint32_t listener_index) {
    if (free_.empty()) return false;
    const std::uint32_t index = free_.back();
    slot& s = slots_[index];
    peer::connect_options co;
    co.uri = o_.target;
    co.server = server_;
    co.keying = pool_.choice();
    co.timeout = static_cast<session::time_us>(o_.session_timeout * 1e6);
    peer::initiator_identity id;
    if (!pool_.make(id)) {
        fail("local identity", "cannot build a certificate and SKIC around a pool key");
        return false;
    }
    co.identity = std::move(id);
    co.handshake_only = o_.what == scenario::handshake;
    co.compact_session = true;
    // setPeerInfo with the address the server sees for this socket, like a
    // client that knows its own address.
    co.peer_info = {address_text(socket_addresses_[s.out.socket])};
    if (as_listener) {
        co.stay = stay_until_stopped;
        co.on_forwarded_ihello = [this, listener_index](const wire::forwarded_ihello& f) { on_forwarded(listener_index, f); };
    } else if (o_.keep || o_.what == scenario::joins) {
        co.stay = stay_until_stopped;
    }
    if (o_.what == scenario::joins) {
        // Round robin over the groups; the join goes out right after setPeerInfo.
        s.group = static_cast<std::uint32_t>(c_.started % groups_.size());
        ++groups_[s.group].assigned;
        co.group_joins = {peer::group_join_message(groups_[s.group].id)};
        co.on_group_message = [this, index](std::uint64_t, wire::bytes m) { on_member(index, m); };
        co.session = joins_session_config();
    }
    s.join_ns = 0;
    s.members_before = 0;
    s.members_seen = 0;
    s.members.clear();
    free_.pop_back();
    s.c = std::make_unique<peer::connection>(std::move(co));
    s.counted = false;
    s.fingerprint_seen = false;
    s.listener = as_listener;
    s.listener_index = listener_index;
    ++c_.started;
    const session::time_us us = now / 1000;
    s.c->begin(us, s.out);
    if (o_.what == scenario::joins) group_of_peer_[s.c->identity().peer_id] = s.group;
    const auto& tag = s.c->report().tag;
    if (tag.size() >= 8) {
        s.tag = tag_key(tag);
        by_tag_[s.tag] = index;
    }
    after(index, now);
    return true;
}

// After every call into a connection: routes, the goal, the end.
void session_generator::after(std::uint32_t index, std::uint64_t now) {
    slot& s = slots_[index];
    const auto& r = s.c->report();
    if (r.near_id != 0 && r.near_id != s.near_id) {
        if (s.near_id != 0) by_session_.erase(s.near_id);
        s.near_id = r.near_id;
        by_session_[s.near_id] = index;
    }
    if (r.have_fingerprint && !s.fingerprint_seen) {
        s.fingerprint_seen = true;
        if (!out_->has_fingerprint) {
            out_->fingerprint = r.server_fingerprint;
            out_->has_fingerprint = true;
        } else if (out_->fingerprint != r.server_fingerprint) {
            ++c_.fingerprint_changed;
        }
    }
    const auto ph = s.c->current_phase();
    if (!s.counted) {
        bool reached = false;
        double goal_ms = 0;
        if (o_.what == scenario::handshake) {
            // Keys are verified once the Close Ack sealed with them came back.
            reached = r.close_acked;
            goal_ms = r.handshake_ms;
        } else {
            reached = r.connect_ms > 0 && r.connect_code == "NetConnection.Connect.Success" &&
                      (ph == peer::phase::connected || ph == peer::phase::closing ||
                       (ph == peer::phase::done && s.c->result() == peer::outcome::ok));
            goal_ms = r.connect_ms;
        }
        if (reached) {
            s.counted = true;
            if (s.listener) {
                ++c_.listeners;
            } else if (o_.what == scenario::joins) {
                // connection queued setPeerInfo and the join with the
                // _result's acknowledgement: the join leaves now.
                ++c_.succeeded;
                s.join_ns = now;
                group& g = groups_[s.group];
                s.members_before = g.joined++;
                if (s.members_before > 0) ++c_.joins_with_members;
            } else {
                ++c_.succeeded;
                if (measuring_) out_->latency.record(static_cast<std::uint64_t>(goal_ms * 1e6));
            }
        }
    }
    if (ph == peer::phase::done) {
        switch (s.c->result()) {
        case peer::outcome::ok:
            if (r.close_acked) ++c_.closed_cleanly;
            else {
                ++c_.close_unacked;
                fail("close", "no Close Ack within --timeout");
            }
            if (!s.counted) {
                // Done without the goal: for handshake, the Close Ack is the goal.
                fail("goal", "ended without reaching the goal: connect \"" + r.connect_code + "\" after " +
                                 std::to_string(r.connect_ms) + " ms, last step: " +
                                 (r.steps.empty() ? std::string("none") : r.steps.back()));
                ++c_.failed;
            }
            break;
        case peer::outcome::timeout:
            ++c_.timed_out;
            fail("timeout", r.error);
            break;
        case peer::outcome::rejected:
            ++c_.failed;
            fail("rejected", r.error);
            break;
        case peer::outcome::protocol_failure:
        case peer::outcome::pending:
            ++c_.failed;
            fail(r.failed_check.empty() ? std::string("protocol") : r.failed_check, r.error);
            break;
        }
        release(index);
        return;
    }
    s.wake = s.c->next_wakeup(now / 1000);
}

void session_generator::release(std::uint32_t index) {
    slot& s = slots_[index];
    if (s.tag != 0) by_tag_.erase(s.tag);
    if (s.near_id != 0) by_session_.erase(s.near_id);
    s.tag = 0;
    s.near_id = 0;
    s.c.reset();
    free_.push_back(index);
}

void session_generator::route_startup(wire::bytes d, std::uint64_t now) {
    // Startup replies (SSID 0) are RHellos for our handshakes or Redirects
    // for our introduction requests; opened once here to find the tag, and
    // the RHello again by its connection, which checks it byte for byte.
    auto opened = crypto::open(d, open_buffer_, crypto::open_params{crypto::default_aes_key(), nullptr, 0, false});
    if (!opened.ok()) {
        ++c_.unroutable;
        return;
    }
    auto packet = wire::parse_packet(opened->packet);
    wire::chunk_view first;
    if (!packet.ok()) {
        ++c_.unroutable;
        return;
    }
    wire::chunk_reader chunks(packet->chunks);
    if (!chunks.next(first)) {
        ++c_.unroutable;
        return;
    }
    if (first.type == static_cast<std::uint8_t>(wire::chunk_type::rhello)) {
        auto rh = wire::parse_rhello(first.value);
        auto it = rh.ok() && rh->tag_echo.size() >= 8 ? by_tag_.find(tag_key(rh->tag_echo)) : by_tag_.end();
        if (it == by_tag_.end()) {
            ++c_.unroutable;
            return;
        }
        const std::uint32_t index = it->second;
        slots_[index].c->on_datagram(d, now / 1000, slots_[index].out);
        after(index, now);
        return;
    }
    if (first.type == static_cast<std::uint8_t>(wire::chunk_type::redirect) && o_.what == scenario::introductions) {
        auto r = wire::parse_redirect(first.value);
        if (!r.ok()) {
            ++c_.redirect_mismatches;
            fail("redirect layout", std::string(wire::name_of(r.error())));
            return;
        }
        on_redirect(*r, now);
        return;
    }
    ++c_.unroutable;
}

void session_generator::on_redirect(const wire::redirect& r, std::uint64_t now) {
    std::uint32_t caller = 0, nonce = 0;
    const bool ours = codec_.read(r.tag_echo, caller, nonce);
    if (ours && caller >= callers_.size() && caller - callers_.size() < listeners_.size()) {
        // A directory probe: every copy counts (stratod counted it too).
        const std::size_t li = caller - callers_.size();
        if (probe_nonce_[li] == nonce) probe_nonce_[li] = 0;
        ++c_.probe_redirects;
        return;
    }
    if (!ours || caller >= callers_.size()) {
        ++c_.redirect_mismatches;
        fail("redirect tag", "the tag echo is none of ours");
        return;
    }
    peer_state& st = callers_[caller];
    if (st.nonce == 0 || st.nonce != nonce) {
        ++c_.redirect_mismatches;
        fail("redirect stale", "a Redirect for a request already answered or superseded");
        return;
    }
    const listener& l = listeners_[caller % listeners_.size()];
    bool listed = false;
    for (std::size_t i = 0; i < r.address_count; ++i)
        if (r.addresses[i].same_endpoint(l.address)) listed = true;
    st.nonce = 0;
    if (!listed) {
        ++c_.redirect_mismatches;
        fail("redirect addresses", "the listener's address " + address_text(l.address) + " is not among " +
                                       std::to_string(r.address_count) + " candidates");
        return;
    }
    ++c_.redirects;
    if (measuring_) out_->latency.record(static_cast<std::uint32_t>(now) - st.sent_ns);
}

void session_generator::on_member(std::uint32_t index, wire::bytes m) {
    slot& s = slots_[index];
    ++c_.member_messages;
    if (m.size() != 33 || m[0] != 0x0b) {
        ++c_.member_mismatches;
        fail("member layout", "a GC message of " + std::to_string(m.size()) + " bytes, not 0b + a 32-byte peer ID");
        return;
    }
    crypto::digest p{};
    std::memcpy(p.data(), m.data() + 1, p.size());
    const auto it = group_of_peer_.find(p);
    if (it == group_of_peer_.end() || it->second != s.group || p == s.c->identity().peer_id) {
        ++c_.member_mismatches;
        fail("member identity", it == group_of_peer_.end() ? "a member ID that is none of our sessions"
                                : it->second != s.group ? "a member of another group"
                                                        : "the session's own peer ID");
        return;
    }
    if (std::find(s.members.begin(), s.members.end(), p) != s.members.end()) {
        ++c_.member_duplicates;
        return;
    }
    s.members.push_back(p);
    if (s.members_seen++ == 0 && s.members_before > 0 && s.join_ns != 0) {
        ++c_.joins_answered;
        if (measuring_) out_->latency.record(now_ns() - s.join_ns);
    }
}

// stratod sends a joiner at most bootstrap_max members, and tells at most
// 2 x notify_neighbours members about each newcomer; neither can exceed the
// other sessions in the group.
void session_generator::check_member_bound() {
    std::uint64_t bound = 0;
    for (const auto& g : groups_) {
        const std::uint64_t others = g.joined > 0 ? g.joined - 1 : 0;
        bound += g.joined * (std::min<std::uint64_t>(o_.bootstrap_max, others) +
                             std::min<std::uint64_t>(2 * o_.notify_neighbours, others));
    }
    if (c_.member_messages > bound) {
        c_.members_over_cap = c_.member_messages - bound;
        fail("member bound", std::to_string(c_.member_messages) + " member messages, at most " +
                                 std::to_string(bound) + " expected from the bootstrap caps and group sizes");
    }
}

void session_generator::on_forwarded(std::uint32_t listener_index, const wire::forwarded_ihello& f) {
    std::uint32_t caller = 0, nonce = 0;
    const bool ours = codec_.read(f.tag, caller, nonce);
    if (ours && caller >= callers_.size() && caller - callers_.size() == listener_index) {
        ++c_.probe_forwarded;
        return;
    }
    if (!ours || caller >= callers_.size() || caller % listeners_.size() != listener_index) {
        ++c_.forwarded_mismatches;
        fail("forwarded tag", "a Forwarded IHello whose tag is no request to this listener");
        return;
    }
    // The introducer tells the listener where the caller is: its socket.
    const auto& caller_address = socket_addresses_[caller_socket(caller)];
    if (!f.reply_address.same_endpoint(caller_address)) {
        ++c_.forwarded_mismatches;
        fail("forwarded address", "reply address " + address_text(f.reply_address) + ", the caller is at " +
                                      address_text(caller_address));
        return;
    }
    ++c_.forwarded;
}

std::uint16_t session_generator::caller_socket(std::uint32_t caller) const noexcept {
    // Never the listener's own socket: a server does not introduce an
    // address to itself (stratod answers nothing).
    const unsigned n = io_.sockets();
    const unsigned own = slots_[listeners_[caller % listeners_.size()].slot].out.socket;
    const unsigned s = caller % n;
    return static_cast<std::uint16_t>(s == own ? (s + 1) % n : s);
}

void session_generator::send_probe(std::uint32_t li, std::uint64_t now) {
    probe_nonce_[li] = random_.nonzero32();
    std::uint8_t tag[intro_tag_size];
    const auto probe_caller = static_cast<std::uint32_t>(callers_.size() + li);
    codec_.write(probe_caller, probe_nonce_[li], wire::mutable_bytes(tag, sizeof tag));
    const auto d = peer::build_ihello(listeners_[li].epd, wire::bytes(tag, sizeof tag), session::ticks_of(now / 1000));
    const unsigned own = slots_[listeners_[li].slot].out.socket;
    queue(static_cast<std::uint16_t>((own + 1) % io_.sockets()), d);
    ++c_.probes_sent;
}

void session_generator::send_introduction(std::uint64_t now) {
    const auto caller = static_cast<std::uint32_t>(next_caller_++ % callers_.size());
    peer_state& st = callers_[caller];
    if (st.nonce != 0) ++c_.intro_unanswered;  // its previous request never got a Redirect
    st.nonce = random_.nonzero32();
    st.sent_ns = static_cast<std::uint32_t>(now);
    std::uint8_t tag[intro_tag_size];
    codec_.write(caller, st.nonce, wire::mutable_bytes(tag, sizeof tag));
    const listener& l = listeners_[caller % listeners_.size()];
    const auto d = peer::build_ihello(l.epd, wire::bytes(tag, sizeof tag), session::ticks_of(now / 1000));
    queue(caller_socket(caller), d);
    ++c_.intro_sent;
}

void session_generator::receive(std::uint64_t) {
    for (;;) {
        const std::size_t n = io_.receive(std::span<rx_datagram>(rx_.data(), rx_.size()));
        if (n == 0) return;
        // The time of arrival (the loop's time may be a burst old).
        const std::uint64_t now = now_ns();
        c_.datagrams_received += n;
        for (std::size_t i = 0; i < n; ++i) {
            const wire::bytes d(rx_[i].data, rx_[i].length);
            if (d.size() < wire::min_datagram) {
                ++c_.unroutable;
                continue;
            }
            const std::uint32_t sid = wire::session_id_of(d);
            if (sid == 0) {
                route_startup(d, now);
                continue;
            }
            const auto it = by_session_.find(sid);
            if (it == by_session_.end()) {
                ++c_.unroutable;
                continue;
            }
            const std::uint32_t index = it->second;
            slots_[index].c->on_datagram(d, now / 1000, slots_[index].out);
            after(index, now);
        }
        if (n < rx_.size()) return;
    }
}

void session_generator::poll_slots(std::uint64_t now) {
    const session::time_us us = now / 1000;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        slot& s = slots_[i];
        if (!s.c || s.wake > us) continue;
        s.c->poll(us, s.out);
        after(i, now);
    }
}

void session_generator::progress(std::uint64_t now, std::uint64_t t0) {
    if (o_.quiet) return;
    const double dt = static_cast<double>(now - last_progress_ns_) / 1e9;
    const auto d = c_.minus(last_progress_);
    if (o_.what == scenario::introductions)
        std::fprintf(stderr,
                     "[%6.1fs] listeners %llu introductions sent %llu (%.0f/s) redirects %llu (%.0f/s) forwarded %llu "
                     "errors %llu unanswered %llu\n",
                     static_cast<double>(now - t0) / 1e9, ull(c_.listeners), ull(c_.intro_sent),
                     static_cast<double>(d.intro_sent) / dt, ull(c_.redirects), static_cast<double>(d.redirects) / dt,
                     ull(c_.forwarded), ull(c_.mismatches()), ull(c_.intro_unanswered));
    else if (o_.what == scenario::joins)
        std::fprintf(stderr,
                     "[%6.1fs] sessions %llu joins %llu (%.0f/s) answered %llu of %llu member messages %llu errors %llu "
                     "in flight %zu\n",
                     static_cast<double>(now - t0) / 1e9, ull(c_.started), ull(c_.succeeded),
                     static_cast<double>(d.succeeded) / dt, ull(c_.joins_answered), ull(c_.joins_with_members),
                     ull(c_.member_messages), ull(c_.mismatches()), active());
    else
        std::fprintf(stderr,
                     "[%6.1fs] started %llu (%.0f/s) succeeded %llu (%.0f/s) closed %llu errors %llu in flight %zu "
                     "sent %llu received %llu\n",
                     static_cast<double>(now - t0) / 1e9, ull(c_.started), static_cast<double>(d.started) / dt,
                     ull(c_.succeeded), static_cast<double>(d.succeeded) / dt, ull(c_.closed_cleanly),
                     ull(c_.mismatches()), active(), ull(c_.datagrams_sent), ull(c_.datagrams_received));
    last_progress_ = c_;
    last_progress_ns_ = now;
}

bool session_generator::register_listeners(volatile const int& stop_flag) {
    const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>((o_.session_timeout * 3 + 1) * 1e9);
    for (std::uint32_t i = 0; i < listeners_.size(); ++i) {
        listeners_[i].slot = free_.empty() ? 0 : free_.back();
        listeners_[i].address = socket_addresses_[slots_[listeners_[i].slot].out.socket];
        if (!start_slot(now_ns(), true, i)) return false;
        const auto& id = slots_[listeners_[i].slot].c->identity();
        // RFC 7425 §4.4.4: a peer is asked for by its ID (SHA-256 of its certificate).
        listeners_[i].epd = peer::make_epd(peer::epd_form::peer_id, o_.target, id.peer_id);
        if ((i + 1) % o_.batch == 0) flush();
    }
    flush();
    while (c_.listeners < listeners_.size() && !stop_flag) {
        const std::uint64_t t = now_ns();
        if (t >= deadline) return false;
        receive(t);
        poll_slots(t);
        flush();
        if (c_.failed + c_.timed_out > 0) return false;
        timespec ts{0, 50'000};
        ::nanosleep(&ts, nullptr);
    }
    if (c_.listeners != listeners_.size()) return false;
    // stratod applies setPeerInfo to its directory from its control thread:
    // probe each listener until a Redirect shows it is known.
    probe_nonce_.assign(listeners_.size(), 0);
    std::uint64_t next_round = 0;
    for (;;) {
        const std::uint64_t t = now_ns();
        if (stop_flag || t >= deadline) return false;
        bool all = true;
        for (std::uint32_t i = 0; i < listeners_.size(); ++i) {
            if (probe_nonce_[i] == 0 && next_round != 0) continue;
            all = false;
            if (t >= next_round) send_probe(i, t);
        }
        if (all) break;
        if (t >= next_round) next_round = t + probe_interval_ns;
        flush();
        receive(t);
        poll_slots(t);
        flush();
        timespec ts{0, 200'000};
        ::nanosleep(&ts, nullptr);
    }
    return true;
}

void session_generator::run(session_result& out, volatile const int& stop_flag) {
    out_ = &out;
    out.dh_pool_seconds = dh_pool_seconds_;
    out.bytes_per_session = sizeof(peer::connection) +
                            session::session::arena_bytes(o_.what == scenario::joins ? joins_session_config()
                                                                                      : peer::client_session_config(true));
    if (o_.what == scenario::introductions && !register_listeners(stop_flag)) {
        out.setup_error = "only " + std::to_string(c_.listeners) + " of " + std::to_string(listeners_.size()) +
                          " listeners registered";
    }
    const std::uint64_t t0 = now_ns();
    const std::uint64_t warm_end = t0 + static_cast<std::uint64_t>(o_.warmup * 1e9);
    const std::uint64_t end = warm_end + static_cast<std::uint64_t>(o_.duration * 1e9);
    last_progress_ns_ = t0;
    last_progress_ = c_;
    measuring_ = o_.warmup <= 0;
    session_counters at_warmup = measuring_ ? c_ : session_counters{};
    std::uint64_t measure_start = t0;
    std::uint64_t due_started = 0;  // starts (or introduction requests) made so far against the schedule
    double due = 0;

    while (out.setup_error.empty()) {
        const std::uint64_t t = now_ns();
        if (t >= end || stop_flag) break;
        if (!measuring_ && t >= warm_end) {
            measuring_ = true;
            at_warmup = c_;
            measure_start = t;
        }
        if (t - last_progress_ns_ >= 1'000'000'000ull) progress(t, t0);

        const double el = static_cast<double>(t - t0) / 1e9;
        std::size_t want = o_.batch;
        if (o_.rate > 0) {
            const double r = o_.ramp_seconds;
            due = r > 0 && el < r ? o_.rate * el * el / (2 * r) : o_.rate * (el - r / 2);
            const double allow = due - static_cast<double>(due_started);
            want = allow <= 0 ? 0 : allow >= o_.batch ? o_.batch : static_cast<std::size_t>(allow);
        }
        if (o_.what == scenario::joins) {
            // The sessions stay: --concurrency of them, then the run only listens.
            const std::uint64_t left = o_.concurrency - std::min<std::uint64_t>(o_.concurrency, c_.started);
            if (want > left) {
                want = static_cast<std::size_t>(left);
                if (left == 0) due_started = static_cast<std::uint64_t>(due);
            }
        }
        std::size_t made = 0;
        for (; made < want; ++made) {
            if (o_.what == scenario::introductions) send_introduction(t);
            else if (!start_slot(t, false, 0)) break;
        }
        due_started += made;
        flush();
        const std::uint64_t received_before = c_.datagrams_received;
        receive(t);
        poll_slots(t);
        flush();
        if (made == 0 && c_.datagrams_received == received_before) {
            // Nothing to do: leave the CPU to the server (2-core machines).
            timespec ts{0, 20'000};
            ::nanosleep(&ts, nullptr);
        }
    }
    const std::uint64_t send_end = now_ns();
    if (o_.rate > 0 && due > static_cast<double>(due_started))
        out.behind_schedule = static_cast<std::uint64_t>(due - static_cast<double>(due_started));

    // The end: late replies get --drain; then listeners and kept sessions
    // close, and everything still in flight gets --timeout to finish.
    auto drain_until = [&](std::uint64_t until, bool stop_when_idle) {
        while (!stop_flag) {
            const std::uint64_t t = now_ns();
            if (t >= until || (stop_when_idle && active() == 0)) break;
            receive(t);
            poll_slots(t);
            flush();
            timespec ts{0, 50'000};
            ::nanosleep(&ts, nullptr);
        }
    };
    drain_until(send_end + static_cast<std::uint64_t>(o_.drain_seconds * 1e9), false);
    const std::uint64_t close_start = now_ns();
    for (std::uint32_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].c) {
            slots_[i].c->stop_staying(close_start / 1000);
            slots_[i].wake = 0;
        }
    drain_until(close_start + static_cast<std::uint64_t>((o_.session_timeout + 1.5) * 1e9), true);
    c_.unfinished += active();
    if (o_.what == scenario::joins) check_member_bound();
    for (const auto& st : callers_)
        if (st.nonce != 0) ++c_.intro_unanswered;
    progress(now_ns(), t0);
    out.interrupted = stop_flag != 0;
    out.total = c_;
    out.measured = measuring_ ? c_.minus(at_warmup) : session_counters{};
    out.measured_seconds = measuring_ ? static_cast<double>(send_end - measure_start) / 1e9 : 0;
}

} // namespace strato::load
