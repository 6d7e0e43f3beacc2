// stratoctl against a live test server: tables, --json, token handling,
// unreachable server and refusals with their exit codes.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "tests/unit/rest/util.hpp"

using namespace strato::rest;
using namespace strato::rest::testing;

namespace {

struct outcome {
    int code = -1;
    std::string out;   // stdout and stderr together
};

// Runs stratoctl through the shell; the token goes through the environment
// only when asked, so the default case is "no token".
outcome stratoctl(const std::string& args, bool with_token = false) {
    const std::string cmd = std::string(with_token ? "STRATO_TOKEN=" + std::string(token) + " " : "env -u STRATO_TOKEN ") +
                            STRATOCTL + " " + args + " 2>&1";
    outcome o;
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
    const int status = ::pclose(p);
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return o;
}

bool has(const outcome& o, std::string_view what) { return o.out.find(what) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(stratoctl_cli)

BOOST_AUTO_TEST_CASE(commands_against_test_server) {
    fixture f;
    f.backend.mutate(3);
    const auto url = "--url http://127.0.0.1:" + std::to_string(f.server->port());

    auto o = stratoctl(url + " stats");
    BOOST_TEST(o.code == 0, o.out);
    BOOST_TEST(has(o, "LCORE"), o.out);
    BOOST_TEST(has(o, "net_null0"), o.out);

    o = stratoctl(url + " --json stats");
    BOOST_TEST(o.code == 0);
    BOOST_TEST(boost::json::parse(o.out).at("totals").at("rx_packets").to_number<std::uint64_t>() == 6u);

    o = stratoctl(url + " peers list --app live --limit 5");
    BOOST_TEST(o.code == 0, o.out);
    BOOST_TEST(has(o, fake_backend::make_id(1)), o.out);
    BOOST_TEST(!has(o, fake_backend::make_id(2)), o.out);   // app chat filtered out

    o = stratoctl(url + " peers show " + fake_backend::make_id(1));
    BOOST_TEST(o.code == 0);
    BOOST_TEST(has(o, "198.51.100.7:50123"), o.out);

    o = stratoctl(url + " groups show " + std::string(64, 'b'));
    BOOST_TEST(o.code == 0);
    BOOST_TEST(has(o, fake_backend::make_id(1)), o.out);

    // Kick: 401 without a token, then done with it.
    o = stratoctl(url + " peers kick " + fake_backend::make_id(2));
    BOOST_TEST(o.code == 1);
    BOOST_TEST(has(o, "stratod refused (401 unauthorized)"), o.out);
    BOOST_TEST(has(o, "STRATO_TOKEN"), o.out);
    o = stratoctl(url + " peers kick " + fake_backend::make_id(2), true);
    BOOST_TEST(o.code == 0, o.out);
    BOOST_TEST(f.backend.kicked().size() == 1u);

    // A token file with a wrong token: 403.
    const std::string token_file = "stratoctl-test-token";
    std::ofstream(token_file) << "wrong-token-0123456789abc\n";
    o = stratoctl(url + " --token-file " + token_file + " config get");
    BOOST_TEST(o.code == 1);
    BOOST_TEST(has(o, "403 forbidden"), o.out);
    std::ofstream(token_file) << token << "\n";
    o = stratoctl(url + " --token-file " + token_file + " config get");
    BOOST_TEST(o.code == 0, o.out);
    BOOST_TEST(has(o, "net_null0"), o.out);

    // Apps round trip.
    o = stratoctl(url + " apps add chat --key k1 --key k2 --max-peers 9", true);
    BOOST_TEST(o.code == 0, o.out);
    o = stratoctl(url + " apps list", true);
    BOOST_TEST(has(o, "k1,k2"), o.out);
    o = stratoctl(url + " apps add 'bad path'", true);
    BOOST_TEST(o.code == 2, o.out);
    BOOST_TEST(has(o, "apps[2].path"), o.out);
    o = stratoctl(url + " apps remove chat", true);
    BOOST_TEST(o.code == 0, o.out);

    // Config check and apply, good and bad.
    const std::string good = "stratoctl-test-good.toml", bad = "stratoctl-test-bad.toml";
    auto text = base_config();
    text.replace(text.find("\"warn\""), 6, "\"info\"");
    std::ofstream(good) << text;
    std::ofstream(bad) << base_config("\n[sessions]\nmax_peers = 0\n");
    const auto before = f.backend.config_toml();
    o = stratoctl(url + " config check " + good, true);
    BOOST_TEST(o.code == 0, o.out);
    BOOST_TEST(has(o, "would apply server.log_level"), o.out);
    BOOST_TEST(f.backend.config_toml() == before);
    o = stratoctl(url + " config check " + bad, true);
    BOOST_TEST(o.code == 2, o.out);
    BOOST_TEST(has(o, "sessions.max_peers"), o.out);
    o = stratoctl(url + " config apply " + good, true);
    BOOST_TEST(o.code == 0, o.out);
    BOOST_TEST(f.backend.config_toml() == text);
    std::remove(good.c_str());
    std::remove(bad.c_str());
    std::remove(token_file.c_str());

    o = stratoctl(url + " peers show " + fake_backend::make_id(77));
    BOOST_TEST(o.code == 1);
    BOOST_TEST(has(o, "404 not_found"), o.out);
}

BOOST_AUTO_TEST_CASE(unreachable_and_usage) {
    // A port nobody listens on: bind one, note it, close it.
    std::uint16_t port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    const auto url = "http://127.0.0.1:" + std::to_string(port);
    auto o = stratoctl("--url " + url + " stats");
    BOOST_TEST(o.code == 3, o.out);
    BOOST_TEST(has(o, "cannot reach stratod at " + url), o.out);
    BOOST_TEST(has(o, "refused"), o.out);

    o = stratoctl("--url ftp://x stats");
    BOOST_TEST(o.code == 64, o.out);
    o = stratoctl("frobnicate");
    BOOST_TEST(o.code == 64, o.out);
    o = stratoctl("peers list --limit many");
    BOOST_TEST(o.code == 64, o.out);
    o = stratoctl("--help");
    BOOST_TEST(o.code == 0);
    BOOST_TEST(has(o, "exit codes"), o.out);
}

BOOST_AUTO_TEST_SUITE_END()
