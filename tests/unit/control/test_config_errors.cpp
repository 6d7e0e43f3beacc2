// Bad configs, each with the exact error text it must produce (and nothing
// else), so operators get the same words the tests promise.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "control/config.hpp"

using namespace strato::control;

namespace {

// A valid port, for cases about other sections.
const std::string port0 = "[[ports]]\ndevice = \"net_null0\"\nipv4 = [\"198.18.0.1/24\"]\n";

std::string port(const std::string& body) { return "[[ports]]\n" + body + "\n"; }

struct bad_case {
    std::string name_;
    std::string text_;
    std::vector<std::string> errors_;
};

std::vector<std::string> error_texts(const config_result& r) {
    std::vector<std::string> out;
    for (const auto& e : r.errors_) out.push_back(e.text());
    return out;
}

std::vector<bad_case> bad_cases() {
    const std::string dev = "device = \"net_null0\"\n";
    std::vector<bad_case> cases{
        // ---- addresses
        {"bad ipv4", port(dev + "ipv4 = [\"198.18.0.300/24\"]"),
         {"ports[0].ipv4: \"198.18.0.300\" is not an IPv4 address"}},
        {"bad ipv4 prefix", port(dev + "ipv4 = [\"198.18.0.1/33\"]"),
         {"ports[0].ipv4: \"198.18.0.1/33\" has a bad prefix length, expected 1-32"}},
        {"ipv4 without prefix", port(dev + "ipv4 = [\"198.18.0.1\"]"),
         {"ports[0].ipv4: \"198.18.0.1\" has no prefix length (expected address/prefix, e.g. "
          "198.18.0.1/24)"}},
        {"ipv4 network address", port(dev + "ipv4 = [\"198.18.0.0/24\"]"),
         {"ports[0].ipv4: \"198.18.0.0/24\" is the network address of its prefix"}},
        {"ipv4 multicast", port(dev + "ipv4 = [\"224.0.0.5/24\"]"),
         {"ports[0].ipv4: \"224.0.0.5\" is a multicast address"}},
        {"bad ipv6", port(dev + "ipv6 = [\"2001:db8::g/64\"]"),
         {"ports[0].ipv6: \"2001:db8::g\" is not an IPv6 address"}},
        {"bad ipv6 prefix", port(dev + "ipv6 = [\"2001:db8::1/129\"]"),
         {"ports[0].ipv6: \"2001:db8::1/129\" has a bad prefix length, expected 1-128"}},
        {"ipv4 in the ipv6 list", port(dev + "ipv6 = [\"198.18.0.1/24\"]"),
         {"ports[0].ipv6: \"198.18.0.1\" is not an IPv6 address"}},
        {"port without address", port(dev),
         {"ports[0]: has no address; give at least one in ipv4 or ipv6"}},
        {"address used twice", port0 + port("device = \"net_null1\"\nipv4 = [\"198.18.0.1/16\"]"),
         {"ports[1].ipv4: \"198.18.0.1\" is already used by ports[0]"}},
        {"address listed twice", port(dev + "ipv4 = [\"198.18.0.1/24\", \"198.18.0.1/24\"]"),
         {"ports[0].ipv4: \"198.18.0.1/24\" is listed twice"}},
        {"multicast mac", port0 + "mac = \"01:00:5e:00:00:01\"\n",
         {"ports[0].mac: \"01:00:5e:00:00:01\" is a multicast MAC address"}},
        // ---- devices
        {"bad pci function", port("device = \"0000:3b:00.8\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"0000:3b:00.8\" is not a PCI address (function must be 0-7)"}},
        {"bad pci form", port("device = \"0000:3b:0.0\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"0000:3b:0.0\" is not a PCI address (expected "
          "domain:bus:device.function, e.g. 0000:3b:00.0)"}},
        {"af_packet without iface", port("device = \"net_af_packet0\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"net_af_packet0\" is not a valid vdev (iface=<interface> is "
          "required)"}},
        {"vdev argument without value",
         port("device = \"net_tap0,iface\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"net_tap0,iface\" is not a valid vdev (argument \"iface\" is not "
          "key=value)"}},
        {"bad memif role", port("device = \"net_memif0,role=boss\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"net_memif0,role=boss\" is not a valid vdev (role must be server or "
          "client)"}},
        {"unknown vdev driver", port("device = \"net_bogus0\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"net_bogus0\" is not a valid vdev (unknown driver; known: net_af_packet, "
          "net_af_xdp, net_bonding, net_failsafe, net_memif, net_null, net_pcap, net_ring, net_softnic, "
          "net_tap, net_tun, net_vhost, net_virtio_user, net_vdev_netvsc)"}},
        {"neither pci nor vdev", port("device = \"eth0\"\nipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: \"eth0\" is neither a PCI address (e.g. 0000:3b:00.0) nor a vdev "
          "(e.g. net_af_packet0,iface=veth0)"}},
        {"device missing", port("ipv4 = [\"198.18.0.1/24\"]"),
         {"ports[0].device: required key is missing"}},
        {"device used twice", port0 + port(dev + "ipv4 = [\"198.18.1.1/24\"]"),
         {"ports[1].device: \"net_null0\" is already used by ports[0]"}},
        // ---- unknown keys
        {"unknown top-level key", "colour = \"blue\"\n" + port0, {"colour: unknown key"}},
        {"unknown port key", port(dev + "ipv4 = [\"198.18.0.1/24\"]\nipv5 = [\"x\"]"),
         {"ports[0].ipv5: unknown key"}},
        {"unknown queue key",
         port0 + "[workers]\nlcores = [1]\n[[workers.queues]]\nlcore = 1\nport = 0\nqueue = 0\n"
                 "ring = 1\n",
         {"workers.queues[0].ring: unknown key"}},
        {"unknown app key", port0 + "[[apps]]\npath = \"app\"\nmax_peer = 5\n",
         {"apps[0].max_peer: unknown key"}},
        {"odd key is quoted", port0 + "[server]\n\"a b\" = 1\n",
         {"server.\"a b\": unknown key"}},
        // ---- types
        {"string for integer", port0 + "[workers]\nburst_size = \"32\"\n",
         {"workers.burst_size: \"32\" is a string, expected an integer"}},
        {"float for integer", port(dev + "ipv4 = [\"198.18.0.1/24\"]\nmtu = 1500.5"),
         {"ports[0].mtu: 1500.5 is a floating-point number, expected an integer"}},
        {"string for boolean", port0 + "[sessions]\nrequire_hmac = \"yes\"\n",
         {"sessions.require_hmac: \"yes\" is a string, expected a boolean"}},
        {"string for array", port0 + "[server]\nudp_ports = \"1935\"\n",
         {"server.udp_ports: \"1935\" is a string, expected an array of integers"}},
        {"integer in string array", port0 + "[eal]\nargs = [\"-l\", 3]\n",
         {"eal.args: 3 is an integer, expected a string"}},
        {"section not a table", "server = 5\n" + port0,
         {"server: 5 is an integer, expected a table"}},
        {"ports not an array", "ports = \"net_null0\"\n",
         {"ports: \"net_null0\" is a string, expected an array of tables ([[ports]])"}},
        {"secret not echoed", port0 + "[rest]\ntoken = 1234567890123456\n",
         {"rest.token: (value not shown) is an integer, expected a string"}},
        // ---- ranges and sets
        {"burst size zero", port0 + "[workers]\nburst_size = 0\n",
         {"workers.burst_size: 0 is out of range 1-256"}},
        {"vlan too large", port(dev + "ipv4 = [\"198.18.0.1/24\"]\nvlan = 4095"),
         {"ports[0].vlan: 4095 is out of range 0-4094"}},
        {"cookie lifetime too short", port0 + "[handshake]\ncookie_lifetime_seconds = 60\n",
         {"handshake.cookie_lifetime_seconds: 60 is out of range 95-3600"}},
        {"rotation too short", port0 + "[handshake]\ncookie_secret_rotation_seconds = 10\n",
         {"handshake.cookie_secret_rotation_seconds: 10 is out of range 30-86400"}},
        {"ipv4 rate prefix", port0 + "[handshake]\nrate_limit_ipv4_prefix = 7\n",
         {"handshake.rate_limit_ipv4_prefix: 7 is out of range 8-32"}},
        {"ipv6 rate prefix", port0 + "[handshake]\nrate_limit_ipv6_prefix = 129\n",
         {"handshake.rate_limit_ipv6_prefix: 129 is out of range 32-128"}},
        {"buckets not a power of two", port0 + "[handshake]\nrate_limit_buckets = 5000\n",
         {"handshake.rate_limit_buckets: 5000 is not a power of two"}},
        {"introduction rate zero", port0 + "[introduction]\nper_initiator_per_second = 0\n",
         {"introduction.per_initiator_per_second: 0 is out of range 1-10000000"}},
        {"introduction target burst too large", port0 + "[introduction]\nper_target_burst = 20000000\n",
         {"introduction.per_target_burst: 20000000 is out of range 1-10000000"}},
        {"introduction prefix", port0 + "[introduction]\ninitiator_ipv6_prefix = 16\n",
         {"introduction.initiator_ipv6_prefix: 16 is out of range 32-128"}},
        {"introduction buckets", port0 + "[introduction]\nbuckets = 3000\n",
         {"introduction.buckets: 3000 is not a power of two"}},
        {"introduction unknown key", port0 + "[introduction]\nper_peer = 5\n",
         {"introduction.per_peer: unknown key"}},
        {"peer keepalive too short", port0 + "[sessions]\nkeepalive_peer_ms = 4000\n",
         {"sessions.keepalive_peer_ms: 4000 is out of range 5000-3600000"}},
        {"udp port zero", port0 + "[server]\nudp_ports = [0]\n",
         {"server.udp_ports: 0 is out of range 1-65535"}},
        {"no udp port", port0 + "[server]\nudp_ports = []\n",
         {"server.udp_ports: [] is empty, expected at least one value"}},
        {"unsupported dh group", port0 + "[server]\ncertificate_dh_groups = [2, 3]\n",
         {"server.certificate_dh_groups: 3 is not a supported DH group (1, 2, 5, 14, 16)"}},
        {"dh groups without 2", port0 + "[server]\ncertificate_dh_groups = [5, 14]\n",
         {"server.certificate_dh_groups: [5, 14] does not include 2, the group every client "
          "implements"}},
        {"bad log level", port0 + "[server]\nlog_level = \"loud\"\n",
         {"server.log_level: \"loud\" is not one of error, warn, info, debug"}},
        {"bad hostname", port0 + "[server]\nhostname = \"-bad-.example\"\n",
         {"server.hostname: \"-bad-.example\" is not a valid host name"}},
        {"mbufs not 2^q-1", port0 + "[mempool]\nmbufs_per_port = 16384\n",
         {"mempool.mbufs_per_port: 16384 is not a power of two minus one (e.g. 16383)"}},
        {"cache too large for pool", port0 + "[mempool]\nmbufs_per_port = 511\ncache_size = 512\n",
         {"mempool.cache_size: 512 is more than mempool.mbufs_per_port / 1.5 (340)"}},
        {"mtu needs larger mbufs", port(dev + "ipv4 = [\"198.18.0.1/24\"]\nmtu = 9000"),
         {"ports[0].mtu: 9000 needs mempool.mbuf_data_size of at least 9142 (128 headroom + "
          "frame), not 2176"}},
        {"relay rate zero", port0 + "[sessions]\nrelay_per_second = 0\n",
         {"sessions.relay_per_second: 0 is out of range 1-10000000"}},
        {"relay burst too large", port0 + "[sessions]\nrelay_burst = 10000001\n",
         {"sessions.relay_burst: 10000001 is out of range 1-10000000"}},
        {"send buffer too small", port0 + "[sessions]\nsend_buffer_bytes = 1000\n",
         {"sessions.send_buffer_bytes: 1000 is out of range 1280-4194304"}},
        {"receive buffer too large", port0 + "[sessions]\nreceive_buffer_bytes = 5000000\n",
         {"sessions.receive_buffer_bytes: 5000000 is out of range 1280-4194304"}},
        {"message size not a number", port0 + "[sessions]\nmax_message_bytes = \"big\"\n",
         {"sessions.max_message_bytes: \"big\" is a string, expected an integer"}},
        {"idle timeout below keepalive",
         port0 + "[sessions]\nidle_timeout_seconds = 20\nkeepalive_server_ms = 15000\n",
         {"sessions.idle_timeout_seconds: 20 is less than twice sessions.keepalive_server_ms "
          "(15000 ms)"}},
        // ---- workers and queues
        {"missing ports", "", {"ports: at least one [[ports]] entry is required"}},
        {"duplicate lcores", port0 + "[workers]\nlcores = [1, 1]\n",
         {"workers.lcores: 1 is listed twice"}},
        {"lcore is main lcore", port0 + "[workers]\nlcores = [0, 1]\nmain_lcore = 0\n",
         {"workers.lcores: 0 is the main lcore (workers.main_lcore); workers must be other "
          "lcores"}},
        {"queue names missing port",
         port0 + "[workers]\nlcores = [1]\n[[workers.queues]]\nlcore = 1\nport = 1\nqueue = 0\n",
         {"workers.queues[0].port: 1 names no port ([[ports]] has 1 entry)"}},
        {"queue names non-worker lcore",
         port0 + "[workers]\nlcores = [1]\n[[workers.queues]]\nlcore = 2\nport = 0\nqueue = 0\n",
         {"workers.queues[0].lcore: 2 is not one of workers.lcores"}},
        {"queue polled twice",
         port0 + "[workers]\nlcores = [1, 2]\n"
                 "[[workers.queues]]\nlcore = 1\nport = 0\nqueue = 0\n"
                 "[[workers.queues]]\nlcore = 2\nport = 0\nqueue = 0\n",
         {"workers.queues[1]: port 0 queue 0 is already polled by lcore 1"}},
        {"queue beyond rx_queues",
         port(dev + "ipv4 = [\"198.18.0.1/24\"]\nrx_queues = 1") +
             "[workers]\nlcores = [1]\n[[workers.queues]]\nlcore = 1\nport = 0\nqueue = 1\n",
         {"workers.queues[0].queue: 1 is not below ports[0].rx_queues (1)"}},
        {"queue polled by nobody",
         port(dev + "ipv4 = [\"198.18.0.1/24\"]\nrx_queues = 2") +
             "[workers]\nlcores = [1]\n[[workers.queues]]\nlcore = 1\nport = 0\nqueue = 0\n",
         {"workers.queues: ports[0] queue 1 is polled by no lcore"}},
        {"queue entry missing keys", port0 + "[workers]\nlcores = [1]\n[[workers.queues]]\nlcore = 1\n",
         {"workers.queues[0].port: required key is missing",
          "workers.queues[0].queue: required key is missing"}},
        {"automatic queues need rx_queues = lcores",
         port(dev + "ipv4 = [\"198.18.0.1/24\"]\nrx_queues = 2") + "[workers]\nlcores = [1]\n",
         {"ports[0].rx_queues: 2 differs from the 1 worker lcores; automatic assignment gives "
          "each worker one queue of every port (list [[workers.queues]] to choose otherwise)"}},
        // ---- apps and rest
        {"duplicate app", port0 + "[[apps]]\npath = \"app\"\n[[apps]]\npath = \"app\"\n",
         {"apps[1].path: \"app\" is already used by apps[0]"}},
        {"app path with slash", port0 + "[[apps]]\npath = \"/app\"\n",
         {"apps[0].path: \"/app\" is not a valid app path (write it without the leading /)"}},
        {"app without path", port0 + "[[apps]]\nmax_peers = 10\n",
         {"apps[0].path: required key is missing"}},
        {"app over directory capacity",
         port0 + "[sessions]\nmax_peers = 100\n[[apps]]\npath = \"app\"\nmax_peers = 1000\n",
         {"apps[0].max_peers: 1000 exceeds sessions.max_peers (100)"}},
        {"group bootstrap learns nobody",
         port0 + "[[apps]]\npath = \"app\"\ngroup_bootstrap_neighbours = 0\ngroup_bootstrap_random = 0\n",
         {"apps[0].group_bootstrap_neighbours: is 0 and so is group_bootstrap_random: a joining group member would "
          "learn nobody"}},
        {"app group members above the server's",
         port0 + "[sessions]\nmax_group_memberships = 100\n[[apps]]\npath = \"app\"\nmax_group_members = 1000\n",
         {"apps[0].max_group_members: 1000 exceeds sessions.max_group_memberships (100)"}},
        {"bad listen host", port0 + "[rest]\nlisten = \"localhost:8080\"\n",
         {"rest.listen: \"localhost:8080\" is not an IP address and port (expected e.g. "
          "127.0.0.1:8080 or [::1]:8080)"}},
        {"listen without port", port0 + "[rest]\nlisten = \"127.0.0.1\"\n",
         {"rest.listen: \"127.0.0.1\" is not an IP address and port (expected e.g. "
          "127.0.0.1:8080 or [::1]:8080)"}},
        {"listen port zero", port0 + "[rest]\nlisten = \"[::1]:0\"\n",
         {"rest.listen: \"[::1]:0\" has a port outside 1-65535"}},
        {"short token", port0 + "[rest]\ntoken = \"short\"\n",
         {"rest.token: must be at least 16 characters long (value not shown)"}},
        {"token and token_file",
         port0 + "[rest]\ntoken = \"0123456789abcdef\"\ntoken_file = \"/nonexistent/t\"\n",
         {"rest.token_file: cannot be used together with rest.token"}},
        {"unreadable token_file", port0 + "[rest]\ntoken_file = \"/nonexistent/t\"\n",
         {"rest.token_file: \"/nonexistent/t\" cannot be read (No such file or directory)"}},
        // ---- syntax
        {"toml syntax error", "[server\n",
         {"case.toml:1:8: TOML syntax error: Error while parsing table header: expected ']', "
          "saw '\\n'"}},
    };
    // An unknown key is caught at every level.
    for (const auto* section : {"eal", "server", "workers", "mempool", "handshake", "sessions",
                                "rest"}) {
        cases.push_back({std::string("unknown key in ") + section,
                         port0 + "[" + section + "]\nbogus = 1\n",
                         {std::string(section) + ".bogus: unknown key"}});
    }
    return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_errors)

BOOST_AUTO_TEST_CASE(each_bad_config_gives_its_exact_error) {
    const auto cases = bad_cases();
    BOOST_TEST(cases.size() >= 25U);
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name_) {
            const auto result = parse_config_text(c.text_, "case.toml");
            BOOST_TEST(!result.ok());
            BOOST_TEST(error_texts(result) == c.errors_, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(all_errors_are_reported_together_in_file_order) {
    const auto result = parse_config_text(port("device = \"0000:3b:00.8\"\n"
                                               "ipv4 = [\"198.18.0.300/24\"]\n"
                                               "ipv5 = 1") +
                                              "[workers]\nburst_size = 300\nlcores = [0]\n"
                                              "[rest]\nlisten = \"localhost:80\"\n",
                                          "many.toml");
    BOOST_TEST(!result.ok());
    const std::vector<std::string> expected{
        "ports[0].device: \"0000:3b:00.8\" is not a PCI address (function must be 0-7)",
        "ports[0].ipv4: \"198.18.0.300\" is not an IPv4 address",
        "ports[0].ipv5: unknown key",
        "workers.burst_size: 300 is out of range 1-256",
        "rest.listen: \"localhost:80\" is not an IP address and port (expected e.g. "
        "127.0.0.1:8080 or [::1]:8080)",
        "workers.lcores: 0 is the main lcore (workers.main_lcore); workers must be other lcores",
    };
    BOOST_TEST(error_texts(result) == expected, boost::test_tools::per_element());
    BOOST_TEST(result.errors_[0].line_ == 2U);
    BOOST_TEST(format_errors(result.errors_).find("ports[0].ipv5: unknown key\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(error_text_stays_on_one_line) {
    const auto result =
        parse_config_text(port0 + "[server]\nhostname = \"a\\nb\\u0000c\"\n", "case.toml");
    BOOST_REQUIRE_EQUAL(result.errors_.size(), 1U);
    BOOST_TEST(result.errors_[0].text() ==
               "server.hostname: \"a\\x0ab\\x00c\" is not a valid host name");
}

BOOST_AUTO_TEST_SUITE_END()
