#pragma once
// strato-peer subcommands: one file per command, each a function taking the
// arguments after its name. Exit codes are shared so scripts can rely on them.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace strato::peer {

enum exit_code : int {
    exit_ok = 0,
    exit_protocol = 1,  // the server answered wrongly (a named check failed)
    exit_usage = 2,     // bad arguments, bad URI, unresolvable host
    exit_timeout = 3,   // no (or not every) answer before the deadline, or unreachable
    exit_rejected = 4,  // connect answered with _error (NetConnection.Connect.Rejected, ...)
};

using args = std::span<char* const>;

int hello_command(args a);
int send_raw_command(args a);
int connect_command(args a);
int listen_command(args a);
int call_command(args a);
int relay_command(args a);
int publish_command(args a);
int play_command(args a);
int group_command(args a);

// Prints "strato-peer <command>: <message>" to stderr and returns exit_usage.
int usage_error(std::string_view command, const std::string& message);
// Strict decimal parse in [min, max]; nullopt on anything else.
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t min, std::uint64_t max);
std::string json_string(std::string_view s);

// Builds one flat JSON object by appending (no parser, no allocation games:
// the output is small and printed once).
class json_object {
public:
    json_object& text(std::string_view key, std::string_view value);
    json_object& number(std::string_view key, std::uint64_t value);
    json_object& raw(std::string_view key, std::string_view json);
    std::string finish();

private:
    void key(std::string_view k);
    std::string out_ = "{";
};

// One line of a command's event stream, flushed: {"event": E, "text": T}
// with --json, the indented text otherwise.
void emit_event(bool json, const std::string& event, const std::string& text);

} // namespace strato::peer
