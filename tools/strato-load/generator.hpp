#pragma once
// The load loop of the handshake scenarios (ihello, mix, spoofed): paces
// bursts of IHellos (and malformed or spoofed packets) to a rate, seals them
// in one crypto burst, hands them to the backend, and opens and checks every
// reply in bursts. Everything it needs is allocated before the first packet.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "crypto/datagram.hpp"
#include "tools/strato-load/backend.hpp"
#include "tools/strato-load/histogram.hpp"
#include "tools/strato-load/options.hpp"
#include "tools/strato-load/peers.hpp"
#include "tools/strato-load/reply_checker.hpp"

namespace strato::load {

// Malformed packets of the mix scenario. Each is built so that stratod drops
// it for exactly one reason, named like its drop counter, so a test can hold
// both sides' counts equal.
enum class invalid_kind : std::uint8_t {
    datagram_too_short,   // 16 random bytes: under 4 + 16
    datagram_misaligned,  // 4 + 32 + 7 random bytes
    bad_checksum,         // a real IHello whose checksum field was altered before sealing
    unknown_session,      // a real IHello under a non-zero session ID
    count_
};
inline constexpr std::size_t invalid_kind_count = static_cast<std::size_t>(invalid_kind::count_);
inline constexpr std::array<std::string_view, invalid_kind_count> invalid_kind_names{
    "datagram_too_short", "datagram_misaligned", "bad_checksum", "unknown_session"};

// Plain counters, copied at the end of the warm-up so the measured window is
// a subtraction.
struct run_counters {
    std::uint64_t sent = 0;          // every datagram handed to the wire
    std::uint64_t sent_valid = 0;    // legitimate IHellos
    std::uint64_t sent_invalid[invalid_kind_count]{};
    std::uint64_t sent_spoofed = 0;
    std::uint64_t tx_failed = 0;
    std::uint64_t received = 0;      // every datagram from the target
    std::uint64_t replies[reply_kind_count]{};
    std::uint64_t spoofed_replies = 0;  // RHellos reflected to spoofed sources (seen on dpdk)
    std::uint64_t unanswered = 0;       // requests superseded or still open at the end

    std::uint64_t invalid_sent_total() const noexcept;
    std::uint64_t mismatches() const noexcept;  // replies of every kind but valid
    run_counters minus(const run_counters& o) const noexcept;
};

struct run_result {
    run_counters total;     // warm-up included (what the server saw)
    run_counters measured;  // after the warm-up
    histogram latency;      // measured window, ns
    double measured_seconds = 0;
    bool has_fingerprint = false;
    crypto::digest fingerprint{};
    std::uint64_t peers = 0;
    bool interrupted = false;
};

class generator {
public:
    generator(const load_options& o, io_backend& io);
    // Empty on success; else why the run could not start.
    std::string prepare();
    void run(run_result& out, volatile const int& stop_flag);

private:
    std::size_t build_burst(std::uint64_t now_ns, std::size_t legit, std::size_t spoof);
    void unsend(std::size_t from, std::size_t to) noexcept;
    void build_ihello(std::size_t slot, std::size_t job_index, wire::bytes tag, std::uint16_t timestamp,
                      bool corrupt_checksum);
    void poll_replies(std::uint64_t now_ns, bool measuring);
    void progress(std::uint64_t now_ns, std::uint64_t t0);

    const load_options& o_;
    io_backend& io_;
    std::vector<peer_state> peers_;
    tag_codec codec_;
    reply_checker checker_;
    fast_random random_;
    std::vector<std::uint8_t> epd_;
    const crypto::aes_key* key_ = nullptr;

    static constexpr std::size_t slot_size = 1536;
    std::vector<std::uint8_t> tx_slots_;
    std::vector<crypto::seal_job> seal_jobs_;
    std::vector<std::size_t> seal_of_;       // tx index -> seal job index, or SIZE_MAX
    // What each tx entry was, so a send that fails (always a tail of the
    // burst) is taken back out of the counters and the peer table.
    std::vector<std::int16_t> what_of_;      // -1 legitimate, -2 spoofed, else the invalid_kind
    std::vector<std::uint32_t> peer_of_;
    std::vector<tx_datagram> tx_;
    std::vector<rx_datagram> rx_;
    std::vector<crypto::open_job> open_jobs_;
    std::vector<std::uint8_t> open_out_;

    run_counters c_;
    histogram* latency_ = nullptr;
    std::uint64_t next_peer_ = 0;
    std::uint64_t burst_no_ = 0;
    double invalid_credit_ = 0;
    std::uint64_t invalid_round_ = 0;
    run_counters last_progress_;
    std::uint64_t last_progress_ns_ = 0;
};

} // namespace strato::load
