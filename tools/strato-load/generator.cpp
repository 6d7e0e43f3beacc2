#include "tools/strato-load/generator.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "crypto/flash_keys.hpp"
#include "crypto/random.hpp"
#include "dataplane/wire/chunks.hpp"
#include "tools/strato-peer/startup.hpp"

namespace strato::load {

namespace {

std::uint64_t now_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr std::size_t no_seal = SIZE_MAX;

} // namespace

std::uint64_t run_counters::invalid_sent_total() const noexcept {
    std::uint64_t n = 0;
    for (auto v : sent_invalid) n += v;
    return n;
}

std::uint64_t run_counters::mismatches() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t k = 1; k < reply_kind_count; ++k) n += replies[k];
    return n;
}

run_counters run_counters::minus(const run_counters& o) const noexcept {
    run_counters r = *this;
    r.sent -= o.sent;
    r.sent_valid -= o.sent_valid;
    for (std::size_t k = 0; k < invalid_kind_count; ++k) r.sent_invalid[k] -= o.sent_invalid[k];
    r.sent_spoofed -= o.sent_spoofed;
    r.tx_failed -= o.tx_failed;
    r.received -= o.received;
    for (std::size_t k = 0; k < reply_kind_count; ++k) r.replies[k] -= o.replies[k];
    r.spoofed_replies -= o.spoofed_replies;
    r.unanswered -= o.unanswered;
    return r;
}

generator::generator(const load_options& o, io_backend& io)
    : o_(o), io_(io), codec_(0), checker_({}, codec_, o.echo), random_(0) {}

std::string generator::prepare() {
    std::uint64_t seed[2]{};
    if (!crypto::random_bytes(wire::mutable_bytes(reinterpret_cast<std::uint8_t*>(seed), sizeof seed)))
        return "OpenSSL's random generator failed";
    codec_ = tag_codec(seed[0]);
    random_ = fast_random(seed[1]);
    key_ = crypto::default_aes_key();
    if (key_ == nullptr) return "IPsec-MB is unavailable on this machine (no default-key AES)";
    // Millions of peers: one allocation here, 8 bytes each, touched now so
    // page faults do not land in the measured window.
    peers_.assign(o_.peers, peer_state{});
    checker_ = reply_checker(peers_, codec_, o_.echo);
    // RFC 7425 §5.3.1: Flash names the server by the whole URI as Ancillary Data.
    epd_ = peer::make_epd(peer::epd_form::uri, o_.target, {});
    const std::size_t b = o_.batch;
    tx_slots_.assign(b * slot_size, 0);
    seal_jobs_.resize(b);
    seal_of_.resize(b);
    what_of_.resize(b);
    peer_of_.resize(b);
    tx_.resize(b);
    rx_.resize(b);
    open_jobs_.resize(b);
    open_out_.assign(b * slot_size, 0);
    // One IHello must fit a slot with the largest tag.
    std::uint8_t tag[max_tag_size]{};
    build_ihello(0, 0, wire::bytes(tag, o_.tag_size), 0, false);
    if (seal_jobs_[0].length == 0) return "--target: the URI is too long for one IHello";
    return "";
}

// Writes the plain IHello into tx slot `slot` and prepares its seal job.
void generator::build_ihello(std::size_t slot, std::size_t job_index, wire::bytes tag, std::uint16_t timestamp,
                             bool corrupt_checksum) {
    std::uint8_t* buf = tx_slots_.data() + slot * slot_size;
    // RFC 7016 §2.2.4: startup packets carry a timestamp and the startup mode.
    wire::packet_builder pb(wire::mutable_bytes(buf, slot_size), wire::startup_flags, timestamp, std::nullopt);
    wire::write_ihello(pb.body(), wire::ihello{epd_, tag});
    auto& job = seal_jobs_[job_index];
    if (pb.body().size() > wire::max_plain_packet || !pb.finish()) {
        job.length = 0;
        return;
    }
    // The checksum is the 2 bytes after the SSID (no SSEQ in startup packets).
    if (corrupt_checksum) buf[wire::session_id_size] ^= 0x5a;
    job = crypto::seal_job{buf, slot_size, pb.datagram().size(), 0, crypto::seal_params{key_, nullptr, 0},
                           wire::drop_reason::none};
}

std::size_t generator::build_burst(std::uint64_t now, std::size_t legit, std::size_t spoof) {
    const std::size_t n = legit + spoof;
    const auto ts = static_cast<std::uint16_t>(now / 4'000'000);  // RFC 7016 §2.2.4: 4 ms ticks
    const auto sock = static_cast<std::uint16_t>(burst_no_++ % io_.sockets());
    std::size_t jobs = 0;
    std::size_t spoof_left = spoof;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint8_t* buf = tx_slots_.data() + i * slot_size;
        tx_datagram& t = tx_[i];
        t.data = buf;
        t.socket = sock;
        seal_of_[i] = no_seal;
        // Spread the spoofed packets evenly through the burst.
        const bool is_spoof = spoof_left > 0 && (i * spoof) / n != ((i + 1) * spoof) / n;
        if (is_spoof) {
            --spoof_left;
            std::uint8_t tag[max_tag_size];
            random_.fill(wire::mutable_bytes(tag, o_.tag_size));
            build_ihello(i, jobs, wire::bytes(tag, o_.tag_size), ts, false);
            seal_of_[i] = jobs++;
            const std::uint64_t r = random_.next();
            t.source_ip = o_.spoof_prefix.at(r >> 20);
            t.source_port = static_cast<std::uint16_t>(1024 + (r & 0xffff) % 64000);
            ++c_.sent_spoofed;
            what_of_[i] = -2;
            continue;
        }
        const auto peer = static_cast<std::uint32_t>(next_peer_++ % peers_.size());
        t.source_ip = o_.source_prefix.at(peer / o_.ports_per_address);
        t.source_port = static_cast<std::uint16_t>(o_.source_port_base + peer % o_.ports_per_address);
        // mix: a deterministic share of the packets is malformed, the kinds in turn.
        if (o_.invalid_ratio > 0) {
            invalid_credit_ += o_.invalid_ratio;
            if (invalid_credit_ >= 1.0) {
                invalid_credit_ -= 1.0;
                const auto kind = static_cast<invalid_kind>(invalid_round_++ % invalid_kind_count);
                ++c_.sent_invalid[static_cast<std::size_t>(kind)];
                what_of_[i] = static_cast<std::int16_t>(kind);
                switch (kind) {
                case invalid_kind::datagram_too_short:
                    random_.fill(wire::mutable_bytes(buf, 16));
                    t.length = 16;
                    break;
                case invalid_kind::datagram_misaligned:
                    random_.fill(wire::mutable_bytes(buf, 4 + 32 + 7));
                    t.length = 4 + 32 + 7;
                    break;
                case invalid_kind::bad_checksum:
                case invalid_kind::unknown_session: {
                    std::uint8_t tag[max_tag_size];
                    random_.fill(wire::mutable_bytes(tag, o_.tag_size));
                    build_ihello(i, jobs, wire::bytes(tag, o_.tag_size), ts, kind == invalid_kind::bad_checksum);
                    if (kind == invalid_kind::unknown_session) seal_jobs_[jobs].session_id = random_.nonzero32();
                    seal_of_[i] = jobs++;
                    break;
                }
                case invalid_kind::count_:
                    break;
                }
                continue;
            }
        }
        what_of_[i] = -1;
        peer_of_[i] = peer;
        peer_state& s = peers_[peer];
        if (s.nonce != 0) ++c_.unanswered;  // the previous request never got its reply
        s.nonce = random_.nonzero32();
        s.sent_ns = static_cast<std::uint32_t>(now);
        std::uint8_t tag[max_tag_size];
        codec_.write(peer, s.nonce, wire::mutable_bytes(tag, o_.tag_size));
        build_ihello(i, jobs, wire::bytes(tag, o_.tag_size), ts, false);
        seal_of_[i] = jobs++;
        ++c_.sent_valid;
    }
    crypto::seal_burst(std::span<crypto::seal_job>(seal_jobs_.data(), jobs));
    for (std::size_t i = 0; i < n; ++i) {
        if (seal_of_[i] == no_seal) continue;
        const auto& j = seal_jobs_[seal_of_[i]];
        tx_[i].length = j.status == wire::drop_reason::none ? static_cast<std::uint16_t>(j.length) : 0;
    }
    return n;
}

void generator::unsend(std::size_t from, std::size_t to) noexcept {
    for (std::size_t i = from; i < to; ++i) {
        if (what_of_[i] == -1) {
            --c_.sent_valid;
            peers_[peer_of_[i]].nonce = 0;  // nothing is in flight for it
        } else if (what_of_[i] == -2) {
            --c_.sent_spoofed;
        } else {
            --c_.sent_invalid[static_cast<std::size_t>(what_of_[i])];
        }
    }
}

void generator::poll_replies(std::uint64_t /*unused*/, bool measuring) {
    for (;;) {
        const std::size_t n = io_.receive(std::span<rx_datagram>(rx_.data(), rx_.size()));
        if (n == 0) return;
        const auto now = static_cast<std::uint32_t>(now_ns());
        c_.received += n;
        std::size_t jobs = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const rx_datagram& d = rx_[i];
            if (d.destination_ip != 0 && o_.what == scenario::spoofed && o_.spoof_prefix.length < 32 &&
                d.destination_ip - o_.spoof_prefix.base < o_.spoof_prefix.size()) {
                ++c_.spoofed_replies;  // a reflection, not a reply to us
                --c_.received;
                continue;
            }
            const auto pre = reply_checker::precheck(wire::bytes(d.data, d.length));
            if (pre != reply_kind::valid) {
                ++c_.replies[static_cast<std::size_t>(pre)];
                continue;
            }
            open_jobs_[jobs] = crypto::open_job{d.data, d.length, open_out_.data() + jobs * slot_size,
                                                crypto::open_params{key_, nullptr, 0, false}, {},
                                                wire::drop_reason::none};
            ++jobs;
        }
        crypto::open_burst(std::span<crypto::open_job>(open_jobs_.data(), jobs));
        for (std::size_t j = 0; j < jobs; ++j) {
            const auto& job = open_jobs_[j];
            if (job.status != wire::drop_reason::none) {
                ++c_.replies[static_cast<std::size_t>(reply_kind::undecryptable)];
                continue;
            }
            const auto r = checker_.check(job.plain, job.length, now);
            ++c_.replies[static_cast<std::size_t>(r.kind)];
            if (r.kind == reply_kind::valid && measuring) latency_->record(r.latency_ns);
        }
        if (n < rx_.size()) return;
    }
}

void generator::progress(std::uint64_t now, std::uint64_t t0) {
    if (o_.quiet) return;
    const double dt = static_cast<double>(now - last_progress_ns_) / 1e9;
    const auto d = c_.minus(last_progress_);
    std::fprintf(stderr,
                 "[%6.1fs] sent %llu (%.0f/s) received %llu (%.0f/s) valid %llu errors %llu invalid_sent %llu "
                 "unanswered %llu tx_failed %llu\n",
                 static_cast<double>(now - t0) / 1e9, static_cast<unsigned long long>(c_.sent),
                 static_cast<double>(d.sent) / dt, static_cast<unsigned long long>(c_.received),
                 static_cast<double>(d.received) / dt, static_cast<unsigned long long>(c_.replies[0]),
                 static_cast<unsigned long long>(c_.mismatches()),
                 static_cast<unsigned long long>(c_.invalid_sent_total()),
                 static_cast<unsigned long long>(c_.unanswered), static_cast<unsigned long long>(c_.tx_failed));
    last_progress_ = c_;
    last_progress_ns_ = now;
}

void generator::run(run_result& out, volatile const int& stop_flag) {
    latency_ = &out.latency;
    out.peers = peers_.size();
    const std::uint64_t t0 = now_ns();
    const std::uint64_t warm_end = t0 + static_cast<std::uint64_t>(o_.warmup * 1e9);
    const std::uint64_t end = warm_end + static_cast<std::uint64_t>(o_.duration * 1e9);
    const std::uint64_t drain_end = end + static_cast<std::uint64_t>(o_.drain_seconds * 1e9);
    last_progress_ns_ = t0;
    bool measuring = o_.warmup <= 0;
    run_counters at_warmup;
    std::uint64_t legit_sent = 0, spoof_sent = 0;  // paced packets (including failed sends)
    std::uint64_t measure_start = measuring ? t0 : 0;

    for (;;) {
        const std::uint64_t t = now_ns();
        if (t >= end || stop_flag) break;
        if (!measuring && t >= warm_end) {
            measuring = true;
            at_warmup = c_;
            measure_start = t;
        }
        if (t - last_progress_ns_ >= 1'000'000'000ull) progress(t, t0);

        // How many packets the schedule allows by now: rate*t, or the
        // integral of a linear ramp while it lasts.
        const double el = static_cast<double>(t - t0) / 1e9;
        std::size_t legit = o_.batch, spoof = 0;
        if (o_.rate > 0) {
            const double r = o_.ramp_seconds;
            const double due = r > 0 && el < r ? o_.rate * el * el / (2 * r) : o_.rate * (el - r / 2);
            const double allow = due - static_cast<double>(legit_sent);
            legit = allow <= 0 ? 0 : allow >= o_.batch ? o_.batch : static_cast<std::size_t>(allow);
        }
        if (o_.what == scenario::spoofed) {
            const double allow = o_.spoof_rate * el - static_cast<double>(spoof_sent);
            const std::size_t room = o_.batch - legit;
            spoof = allow <= 0 ? 0 : allow >= static_cast<double>(room) ? room : static_cast<std::size_t>(allow);
        }
        if (legit + spoof > 0) {
            const std::size_t n = build_burst(t, legit, spoof);
            const std::size_t sent = io_.send(std::span<const tx_datagram>(tx_.data(), n));
            c_.sent += sent;
            c_.tx_failed += n - sent;
            unsend(sent, n);
            legit_sent += legit;
            spoof_sent += spoof;
        }
        poll_replies(t, measuring);
        if (legit + spoof == 0 && o_.rate > 0 && o_.rate < 200000) {
            // Nothing due: do not spin a core the server may need (2-core
            // machines); 20 us is far below any pacing step that matters here.
            timespec ts{0, 20'000};
            ::nanosleep(&ts, nullptr);
        }
    }
    const std::uint64_t send_end = now_ns();
    while (!stop_flag) {
        const std::uint64_t t = now_ns();
        if (t >= drain_end) break;
        poll_replies(t, measuring);
        timespec ts{0, 50'000};
        ::nanosleep(&ts, nullptr);
    }
    for (const auto& s : peers_)
        if (s.nonce != 0) ++c_.unanswered;
    progress(now_ns(), t0);
    out.interrupted = stop_flag != 0;
    out.total = c_;
    out.measured = measuring ? c_.minus(at_warmup) : run_counters{};
    out.measured_seconds = measuring ? static_cast<double>(send_end - measure_start) / 1e9 : 0;
    out.has_fingerprint = checker_.has_fingerprint();
    out.fingerprint = checker_.fingerprint();
}

} // namespace strato::load
