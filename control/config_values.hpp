#pragma once
// Parsers and validators for the string-typed values of the config
// (addresses, devices, app paths...). Internal to control/: each returns
// nothing when the text is valid, or the part of the value to quote and the
// reason, which the schema turns into `path: "shown" reason`.
#include <optional>
#include <string>
#include <string_view>

#include "control/config.hpp"

namespace strato::control::values {

struct problem {
    std::string shown_;     // the (part of the) value the message quotes
    std::string reason_;    // "is not an IPv4 address"
};
using check_result = std::optional<problem>;

check_result parse_ipv4_prefix(std::string_view text, ipv4_prefix& out);
check_result parse_ipv6_prefix(std::string_view text, ipv6_prefix& out);
check_result parse_mac(std::string_view text, mac_address& out);
check_result parse_listen(std::string_view text, listen_address& out);
check_result parse_log_level(std::string_view text, log_level& out);
check_result parse_device(std::string_view text, device_kind& out);

check_result check_hostname(std::string_view text);
check_result check_app_path(std::string_view text);
check_result check_developer_key(std::string_view text);
check_result check_eal_arg(std::string_view text);
check_result check_token(std::string_view text);
check_result check_file_path(std::string_view text);

// Renders a string for an error message: quoted, escaped so that one error
// stays on one line, cut after a sane length.
std::string quote(std::string_view text);

}  // namespace strato::control::values
