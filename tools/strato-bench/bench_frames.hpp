#pragma once
// Prebuilt startup frames and the ring-port feeder shared by the
// strato-bench-dataplane scenarios (IHello, introduction, REST under load).
#include <cstdint>
#include <random>
#include <vector>

#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/wire/bytes.hpp"

namespace strato::bench {

using frame = std::vector<std::uint8_t>;

// An Ethernet/IPv4/UDP frame to 198.18.0.1:1935 (MAC 02:00:00:00:00:01)
// carrying an IHello with this EPD and a random 16-byte tag, sealed with the
// default key, from a random source in 198.18.0.2–198.18.255.255 (never the
// server's own address) and a random port.
frame ihello_frame(wire::bytes epd, std::mt19937_64& rng);

// `count` IHellos for the URI EPD rtmfp://198.18.0.1:1935/app.
std::vector<frame> uri_ihello_frames(std::mt19937_64& rng, std::size_t count = 4096);

// Keeps the port's RX ring full with `frames` (round robin) and frees what
// the worker sends, for `seconds`. Returns the frames sent per second; the
// total is added to *sent when given. With drain, waits for the worker to
// finish what is queued and frees that too.
double feed_ring(stratod::ring_port& port, const std::vector<frame>& frames, double seconds,
                 std::uint64_t* sent = nullptr, bool drain = false);

} // namespace strato::bench
