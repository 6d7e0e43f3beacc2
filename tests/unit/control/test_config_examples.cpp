// The shipped example configs validate, and parse into what they say.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>

#include "control/config.hpp"

using namespace strato::control;

namespace {

stratod_config load(const std::string& name) {
    const auto path = std::string(STRATO_SOURCE_ROOT) + "/control/examples/" + name;
    auto result = parse_config_file(path);
    BOOST_TEST_INFO(format_errors(result.errors_));
    BOOST_REQUIRE(result.ok());
    BOOST_REQUIRE(result.errors_.empty());
    return *result.config_;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_examples)

BOOST_AUTO_TEST_CASE(null_bench) {
    const auto c = load("null-bench.toml");
    BOOST_TEST(c.eal_.args_ == (std::vector<std::string>{"-l", "0-1", "--no-huge", "-m", "1024",
                                                         "--no-pci", "--no-shconf"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(c.ports_.size(), 1U);
    BOOST_TEST(c.ports_[0].device_ == "net_null0");
    BOOST_TEST((c.ports_[0].kind_ == device_kind::vdev));
    BOOST_TEST(to_string(c.ports_[0].ipv4_.at(0)) == "198.18.0.1/24");
    // Automatic assignment: one queue, polled by the one worker.
    BOOST_TEST(c.ports_[0].rx_queues_ == 1);
    BOOST_REQUIRE_EQUAL(c.workers_.resolved_queues_.size(), 1U);
    BOOST_TEST((c.workers_.resolved_queues_[0] == queue_assignment{1, 0, 0}));
    BOOST_TEST((c.server_.log_level_ == log_level::warn));
}

BOOST_AUTO_TEST_CASE(af_packet_veth) {
    const auto c = load("af-packet-veth.toml");
    BOOST_TEST(c.ports_.at(0).device_ == "net_af_packet0,iface=strato0");
    BOOST_TEST(to_string(c.ports_[0].ipv4_.at(0)) == "198.18.0.1/24");
    BOOST_TEST(to_string(c.ports_[0].ipv6_.at(0)) == "2001:db8::1/64");
    BOOST_TEST(c.server_.certificate_dh_groups_ == (std::vector<std::uint8_t>{2, 5, 14}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(c.apps_.size(), 2U);
    BOOST_TEST(c.apps_[1].path_ == "multicast/demo");
    BOOST_TEST(c.apps_[1].max_peers_.value() == 1000U);
    BOOST_TEST(!c.apps_[0].max_peers_.has_value());
    BOOST_TEST(c.rest_.token_ == "strato-demo-token-not-secret");
    BOOST_TEST(to_string(c.rest_.listen_) == "127.0.0.1:8080");
}

BOOST_AUTO_TEST_CASE(pci_nic) {
    const auto c = load("pci-nic.toml");
    const auto& p = c.ports_.at(0);
    BOOST_TEST((p.kind_ == device_kind::pci));
    BOOST_TEST(p.vlan_.value() == 100);
    BOOST_TEST(p.rx_queues_ == 4);
    BOOST_TEST(to_string(p.ipv6_.at(0)) == "2001:db8:10::1/64");
    BOOST_REQUIRE_EQUAL(c.workers_.resolved_queues_.size(), 4U);
    for (std::uint16_t q = 0; q < 4; ++q) {
        BOOST_TEST((c.workers_.resolved_queues_[q] ==
                    queue_assignment{static_cast<std::uint32_t>(q + 2), 0, q}));
    }
    BOOST_TEST(c.mempool_.mbufs_per_port_ == 262143U);
}

BOOST_AUTO_TEST_CASE(defaults_fill_what_the_file_omits) {
    const auto result = parse_config_text(
        "[[ports]]\ndevice = \"net_ring0\"\nipv6 = [\"2001:db8::1/64\"]\n", "minimal.toml");
    BOOST_REQUIRE(result.ok());
    const auto& c = *result.config_;
    BOOST_TEST(c.server_.udp_ports_ == (std::vector<std::uint16_t>{1935}),
               boost::test_tools::per_element());
    BOOST_TEST(c.server_.certificate_dh_groups_ == (std::vector<std::uint8_t>{2, 5, 14}),
               boost::test_tools::per_element());
    BOOST_TEST(c.workers_.burst_size_ == 32);
    BOOST_TEST(c.handshake_.cookie_secret_rotation_seconds_ == 600U);
    BOOST_TEST(c.handshake_.cookie_lifetime_seconds_ == 120U);
    BOOST_TEST(c.handshake_.rate_limit_ipv4_prefix_ == 24);
    BOOST_TEST(c.handshake_.rate_limit_ipv6_prefix_ == 64);
    BOOST_TEST(to_string(c.rest_.listen_) == "127.0.0.1:8080");
    BOOST_TEST(c.rest_.token_.empty());
    BOOST_TEST(c.apps_.empty());
}

BOOST_AUTO_TEST_CASE(every_key_is_documented) {
    const auto keys = describe_config_schema();
    BOOST_TEST(keys.size() > 40U);
    for (const auto& k : keys) {
        BOOST_TEST_CONTEXT(k.path_) {
            BOOST_TEST(!k.doc_.empty());
            BOOST_TEST(!k.type_.empty());
            BOOST_TEST(!k.default_.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(token_file_is_read_and_trimmed) {
    const auto path = std::string("/tmp/strato-test-token-") + std::to_string(::getpid());
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        BOOST_REQUIRE(f);
        std::fputs("0123456789abcdef-token\n", f);
        std::fclose(f);
    }
    const auto result = parse_config_text(
        "[[ports]]\ndevice = \"net_null0\"\nipv4 = [\"198.18.0.1/24\"]\n[rest]\ntoken_file = \"" +
            path + "\"\n",
        "t.toml");
    std::remove(path.c_str());
    BOOST_TEST_INFO(format_errors(result.errors_));
    BOOST_REQUIRE(result.ok());
    BOOST_TEST(result.config_->rest_.token_ == "0123456789abcdef-token");
}

BOOST_AUTO_TEST_SUITE_END()
