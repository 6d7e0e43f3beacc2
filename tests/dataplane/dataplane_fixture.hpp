#pragma once
// The in-process dataplane under test: the real runtime and one worker lcore
// on a ring-backed port, the test acting as the host 198.18.0.2 on the link.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "dataplane/net/udp.hpp"
#include "dataplane/stratod/ring_port.hpp"
#include "dataplane/stratod/runtime.hpp"

namespace strato::test {

inline const net::mac_address client_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline const net::mac_address server_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

inline net::ipv4_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return {{a, b, c, d}}; }

// A runtime with one ring port whose device name is unique per test case.
struct dataplane_fixture {
    std::string name;
    stratod::ring_port port;
    stratod::runtime rt;
    net::l3_config client;  // the test's own "host" on the link

    explicit dataplane_fixture(const std::string& extra_config = "")
        : name("dp" + std::to_string(counter()++)), port(name) {
        BOOST_REQUIRE(port.ok());
        const std::string text = "[[ports]]\ndevice = \"" + port.device_name() + "\"\nipv4 = [\"198.18.0.1/24\"]\n"
                                 "ipv6 = [\"2001:db8::1/64\"]\nmac = \"02:00:00:00:00:01\"\n"
                                 "[workers]\nmain_lcore = 0\nlcores = [1]\ntx_drain_us = 50\n"
                                 "[mempool]\nmbufs_per_port = 2047\ncache_size = 64\n"
                                 "[server]\ncertificate_dh_groups = [2, 5, 14]\nlog_level = \"error\"\n" +
                                 extra_config;
        auto parsed = control::parse_config_text(text, "test");
        BOOST_REQUIRE_MESSAGE(parsed.ok(), control::format_errors(parsed.errors_));
        std::string error;
        BOOST_REQUIRE_MESSAGE(rt.setup(*parsed.config_, error), error);
        BOOST_REQUIRE_MESSAGE(rt.launch(error), error);
        client.mac = client_mac;
        client.ipv4[0] = {v4(198, 18, 0, 2), 24};
        client.ipv4_count = 1;
        client.ipv6[0] = {net::ipv6_address{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}}, 64};
        client.ipv6_count = 1;
    }
    ~dataplane_fixture() {
        rt.stop();
        rt.teardown();
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::uint64_t drops(wire::drop_reason r) const { return rt.totals().drops[static_cast<std::size_t>(r)]; }
    std::uint64_t stage_count(engine::stage s) const { return rt.totals().stages[static_cast<std::size_t>(s)]; }

    // A UDP datagram from the client (198.18.0.2:40000) to the server's 1935.
    std::vector<std::uint8_t> udp_frame(const std::vector<std::uint8_t>& payload, std::uint16_t sport = 40000,
                                        std::uint32_t source_ip = 0xc6120002u) {
        return udp_frame_from(payload, wire::socket_address::v4(source_ip, sport),
                              wire::socket_address::v4(0xc6120001u, 1935));
    }
    // The same from [2001:db8::<host>]:sport to [2001:db8::1]:1935.
    std::vector<std::uint8_t> udp6_frame(const std::vector<std::uint8_t>& payload, std::uint16_t sport, std::uint8_t host) {
        const std::uint8_t from[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, host};
        const std::uint8_t to[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        return udp_frame_from(payload, wire::socket_address::v6(from, sport), wire::socket_address::v6(to, 1935));
    }
    std::vector<std::uint8_t> udp_frame_from(const std::vector<std::uint8_t>& payload, const wire::socket_address& from,
                                             const wire::socket_address& to) {
        const std::size_t offset = net::udp_payload_offset(false, from.ipv6);
        std::vector<std::uint8_t> f(offset + payload.size());
        std::memcpy(f.data() + offset, payload.data(), payload.size());
        net::udp_route r;
        r.source_mac = client_mac;
        r.destination_mac = server_mac;
        r.source = from;
        r.destination = to;
        const auto out = net::write_udp_headers(r, f, payload.size(), net::checksum_mode::software);
        BOOST_REQUIRE(out.frame_length == f.size());
        return f;
    }
};

} // namespace strato::test
