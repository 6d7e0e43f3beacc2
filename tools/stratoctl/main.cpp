// stratoctl: drive a running stratod through its REST API.
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

#include "tools/stratoctl/client.hpp"
#include "tools/stratoctl/commands.hpp"

namespace {

constexpr std::string_view help = R"(usage: stratoctl [--url URL] [--token-file FILE] [--json] COMMAND

commands:
  stats                                   counters: totals, per lcore, per port, drops
  peers list [--app A] [--limit N] [--cursor C]
  peers show PEER_ID
  peers kick PEER_ID                      close that peer's session (token)
  groups list [--app A] [--limit N] [--cursor C]
  groups show GROUP_ID
  config get                              the running config file (token)
  config check FILE                       validate FILE against stratod, apply nothing (token)
  config apply FILE                       validate FILE and apply its reloadable part (token)
  apps list                               apps and developer keys (token)
  apps add PATH [--key K]... [--max-peers N] [--max-handshakes N]   (token)
  apps remove PATH                        (token)

options:
  --url URL          stratod's REST address (default http://127.0.0.1:8080)
  --token-file FILE  bearer token for protected calls; otherwise $STRATO_TOKEN
  --json             print stratod's JSON answer as is instead of a table

exit codes:
  0  success
  1  stratod refused the request (the HTTP status and its error message are printed)
  2  the configuration (config check/apply, apps add) is invalid; every error is printed
  3  stratod could not be reached (connection refused, timeout, not HTTP)
  64 bad command line
)";

std::uint32_t number(std::string_view flag, std::string_view text) {
    std::uint32_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
        throw stratoctl::usage_error(std::string(flag) + ": \"" + std::string(text) + "\" is not a number");
    }
    return v;
}

stratoctl::options parse(int argc, char** argv) {
    stratoctl::options o;
    std::optional<std::string> token_file;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw stratoctl::usage_error(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::cout << help;
            std::exit(stratoctl::exit_ok);
        } else if (a == "--url") o.url = value();
        else if (a == "--token-file") token_file = value();
        else if (a == "--json") o.json = true;
        else if (a == "--app") o.app = value();
        else if (a == "--cursor") o.cursor = value();
        else if (a == "--limit") o.limit = number(a, value());
        else if (a == "--key") o.keys.push_back(value());
        else if (a == "--max-peers") o.max_peers = number(a, value());
        else if (a == "--max-handshakes") o.max_handshakes = number(a, value());
        else if (a.starts_with("--")) throw stratoctl::usage_error("unknown option " + std::string(a));
        else o.words.emplace_back(a);
    }
    if (token_file) {
        std::ifstream in(*token_file, std::ios::binary);
        if (!in) throw stratoctl::usage_error("--token-file " + *token_file + ": cannot be read");
        std::ostringstream s;
        s << in.rdbuf();
        o.token = s.str();
        while (!o.token.empty() && (o.token.back() == '\n' || o.token.back() == '\r')) o.token.pop_back();
    } else if (const char* env = std::getenv("STRATO_TOKEN")) {
        o.token = env;
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const auto o = parse(argc, argv);
        stratoctl::client c(stratoctl::parse_url(o.url), o.token, std::chrono::seconds(10));
        return stratoctl::run(o, c, std::cout, std::cerr);
    } catch (const stratoctl::usage_error& e) {
        std::cerr << "stratoctl: " << e.what() << '\n';
        return stratoctl::exit_usage;
    } catch (const stratoctl::unreachable_error& e) {
        std::cerr << "stratoctl: " << e.what() << '\n';
        return stratoctl::exit_unreachable;
    } catch (const std::exception& e) {
        // A 2xx answer whose JSON does not have the expected shape.
        std::cerr << "stratoctl: unexpected answer from stratod: " << e.what() << '\n';
        return stratoctl::exit_refused;
    }
}
