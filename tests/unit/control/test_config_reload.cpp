// diff_configs: which keys changed, and whether a running stratod can take
// them (PUT /v1/config and SIGHUP decide from this).
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "control/config.hpp"

using namespace strato::control;

namespace {

const std::string base =
    "[[ports]]\ndevice = \"net_null0\"\nipv4 = [\"198.18.0.1/24\"]\n"
    "[workers]\nlcores = [1]\n"
    "[[apps]]\npath = \"app\"\n";

stratod_config parse(const std::string& text) {
    auto r = parse_config_text(text, "reload.toml");
    BOOST_TEST_INFO(format_errors(r.errors_));
    BOOST_REQUIRE(r.ok());
    return *r.config_;
}

const config_change* find(const config_diff& d, const std::string& path) {
    const auto it = std::find_if(d.changes_.begin(), d.changes_.end(),
                                 [&](const auto& c) { return c.path_ == path; });
    return it == d.changes_.end() ? nullptr : &*it;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_reload)

BOOST_AUTO_TEST_CASE(same_config_has_no_changes) {
    const auto a = parse(base);
    const auto d = diff_configs(a, parse(base));
    BOOST_TEST(d.empty());
    BOOST_TEST(d.all_reloadable());
}

BOOST_AUTO_TEST_CASE(reloadable_changes) {
    const auto a = parse(base);
    const auto b = parse(base +
                         "[[apps]]\npath = \"multicast/k\"\n"
                         "[server]\nlog_level = \"debug\"\n"
                         "[handshake]\nrate_limit_per_second = 50\n"
                         "[rest]\ntoken = \"0123456789abcdef0\"\n");
    const auto d = diff_configs(a, b);
    BOOST_TEST(d.changes_.size() == 4U);
    BOOST_TEST(d.all_reloadable());
    BOOST_TEST(d.restart_required().empty());
    const auto* level = find(d, "server.log_level");
    BOOST_REQUIRE(level);
    BOOST_TEST(level->old_value_ == "\"info\"");
    BOOST_TEST(level->new_value_ == "\"debug\"");
    const auto* apps = find(d, "apps");
    BOOST_REQUIRE(apps);
    BOOST_TEST(apps->old_value_ == "1 entry");
    BOOST_TEST(apps->new_value_ == "2 entries");
    BOOST_TEST(find(d, "handshake.rate_limit_per_second")->new_value_ == "50");
    const auto* token = find(d, "rest.token");
    BOOST_REQUIRE(token);
    BOOST_TEST(token->old_value_ == "(hidden)");
    BOOST_TEST(token->new_value_ == "(hidden)");
}

BOOST_AUTO_TEST_CASE(changes_that_need_a_restart) {
    const auto a = parse(base);
    const auto b = parse(
        "[[ports]]\ndevice = \"net_null0\"\nipv4 = [\"198.18.0.2/24\"]\n"
        "[workers]\nlcores = [1]\nburst_size = 64\n"
        "[[apps]]\npath = \"app\"\nmax_peers = 10\n");
    const auto d = diff_configs(a, b);
    BOOST_TEST(!d.all_reloadable());
    const std::vector<std::string> restart{"ports[0].ipv4", "workers.burst_size"};
    BOOST_TEST(d.restart_required() == restart, boost::test_tools::per_element());
    const auto* peers = find(d, "apps[0].max_peers");
    BOOST_REQUIRE(peers);
    BOOST_TEST(peers->reloadable_);
    BOOST_TEST(peers->old_value_ == "(unset)");
    BOOST_TEST(find(d, "ports[0].ipv4")->new_value_ == "[\"198.18.0.2/24\"]");
}

BOOST_AUTO_TEST_CASE(adding_a_port_needs_a_restart) {
    const auto a = parse(base);
    const auto b = parse(base + "[[ports]]\ndevice = \"net_null1\"\nipv4 = [\"198.18.1.1/24\"]\n");
    const auto d = diff_configs(a, b);
    BOOST_TEST(!d.all_reloadable());
    // Adding a port also changes the automatic queue resolution only through
    // keys that are themselves not reloadable.
    const auto* ports = find(d, "ports");
    BOOST_REQUIRE(ports);
    BOOST_TEST(!ports->reloadable_);
}

BOOST_AUTO_TEST_SUITE_END()
