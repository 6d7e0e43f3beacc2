#include "control/config_values.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>
#include <vector>
#include <cstdio>

namespace strato::control::values {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_printable(char c) { return c > ' ' && c < 0x7f; }

bool all_of(std::string_view s, bool (*pred)(char)) {
    return std::all_of(s.begin(), s.end(), pred);
}

// Decimal without sign or leading zeros' ambiguity; nullopt when not a number.
std::optional<unsigned> small_number(std::string_view s) {
    if (s.empty() || s.size() > 5 || !all_of(s, is_digit)) return std::nullopt;
    unsigned v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

problem make(std::string_view shown, std::string reason) {
    return problem{std::string(shown), std::move(reason)};
}

// inet_pton wants a C string; the character filter first also keeps an
// embedded NUL from cutting the text short.
bool parse_v4(std::string_view s, std::array<std::uint8_t, 4>& out) {
    if (s.empty() || s.size() > 15) return false;
    if (!all_of(s, [](char c) { return is_digit(c) || c == '.'; })) return false;
    std::string z(s);
    return inet_pton(AF_INET, z.c_str(), out.data()) == 1;
}

bool parse_v6(std::string_view s, std::array<std::uint8_t, 16>& out) {
    if (s.empty() || s.size() > 45) return false;
    if (!all_of(s, [](char c) { return is_hex(c) || c == ':' || c == '.'; })) return false;
    std::string z(s);
    return inet_pton(AF_INET6, z.c_str(), out.data()) == 1;
}

// Splits "address/length"; reports a missing or bad length.
check_result split_prefix(std::string_view text, unsigned max_length, std::string_view example,
                          std::string_view& address, std::uint8_t& length) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return make(text, "has no prefix length (expected address/prefix, e.g. " +
                              std::string(example) + ")");
    }
    address = text.substr(0, slash);
    const auto len = small_number(text.substr(slash + 1));
    if (!len || *len < 1 || *len > max_length) {
        return make(text, "has a bad prefix length, expected 1-" + std::to_string(max_length));
    }
    length = static_cast<std::uint8_t>(*len);
    return std::nullopt;
}

}  // namespace

std::string quote(std::string_view text) {
    constexpr std::size_t max_shown = 80;
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == max_shown) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

check_result parse_ipv4_prefix(std::string_view text, ipv4_prefix& out) {
    std::string_view address;
    if (auto p = split_prefix(text, 32, "198.18.0.1/24", address, out.length_)) return p;
    if (!parse_v4(address, out.address_)) return make(address, "is not an IPv4 address");
    const auto a = out.address_;
    if (a[0] == 0) return make(address, "is not a usable interface address (0.0.0.0/8)");
    if (a[0] == 127) return make(address, "is a loopback address");
    if (a[0] >= 224 && a[0] < 240) return make(address, "is a multicast address");
    if (a[0] >= 240) return make(address, "is a reserved address (240.0.0.0/4)");
    // /31 and /32 have no network or broadcast address (RFC 3021).
    if (out.length_ <= 30) {
        const std::uint32_t value = (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) |
                                    (std::uint32_t{a[2]} << 8) | a[3];
        const std::uint32_t host_mask = ~std::uint32_t{0} >> out.length_;
        if ((value & host_mask) == 0) return make(text, "is the network address of its prefix");
        if ((value & host_mask) == host_mask) {
            return make(text, "is the broadcast address of its prefix");
        }
    }
    return std::nullopt;
}

check_result parse_ipv6_prefix(std::string_view text, ipv6_prefix& out) {
    std::string_view address;
    if (auto p = split_prefix(text, 128, "2001:db8::1/64", address, out.length_)) return p;
    if (!parse_v6(address, out.address_)) return make(address, "is not an IPv6 address");
    const auto& a = out.address_;
    const bool zero_head = std::all_of(a.begin(), a.end() - 1, [](auto b) { return b == 0; });
    if (zero_head && a[15] == 0) return make(address, "is the unspecified address");
    if (zero_head && a[15] == 1) return make(address, "is a loopback address");
    if (a[0] == 0xff) return make(address, "is a multicast address");
    return std::nullopt;
}

check_result parse_mac(std::string_view text, mac_address& out) {
    const auto bad = [&] {
        return make(text, "is not a MAC address (expected six hex pairs, e.g. 02:00:00:00:00:01)");
    };
    if (text.size() != 17) return bad();
    for (std::size_t i = 0; i < 6; ++i) {
        const auto pair = text.substr(i * 3, 2);
        if (!is_hex(pair[0]) || !is_hex(pair[1])) return bad();
        if (i < 5 && text[i * 3 + 2] != ':') return bad();
        std::from_chars(pair.data(), pair.data() + 2, out.bytes_[i], 16);
    }
    if (out.bytes_[0] & 1) return make(text, "is a multicast MAC address");
    if (out == mac_address{}) return make(text, "is the all-zero MAC address");
    return std::nullopt;
}

check_result parse_listen(std::string_view text, listen_address& out) {
    const auto bad = [&] {
        return make(text,
                    "is not an IP address and port (expected e.g. 127.0.0.1:8080 or [::1]:8080)");
    };
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return bad();
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        std::array<std::uint8_t, 16> bytes{};
        if (!parse_v6(host, bytes)) return bad();
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return bad();
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        std::array<std::uint8_t, 4> bytes{};
        if (!parse_v4(host, bytes)) return bad();
    }
    const auto number = small_number(port);
    if (!number) return bad();
    if (*number < 1 || *number > 65535) return make(text, "has a port outside 1-65535");
    out.host_ = std::string(host);
    out.port_ = static_cast<std::uint16_t>(*number);
    return std::nullopt;
}

check_result parse_log_level(std::string_view text, log_level& out) {
    constexpr std::array names{log_level::error, log_level::warn, log_level::info,
                               log_level::debug};
    for (const auto level : names) {
        if (text == to_string(level)) {
            out = level;
            return std::nullopt;
        }
    }
    return make(text, "is not one of error, warn, info, debug");
}

namespace {

check_result check_pci(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return make(text, "is not a PCI address (" + std::string(why) + ")");
    };
    // DPDK also takes devargs after the address: 0000:3b:00.0,key=value.
    const auto address = text.substr(0, text.find(','));
    std::string_view rest = address;
    if (rest.size() == 12) {    // with the domain: DDDD:BB:DD.F
        if (!all_of(rest.substr(0, 4), is_hex) || rest[4] != ':') {
            return bad("expected domain:bus:device.function, e.g. 0000:3b:00.0");
        }
        rest.remove_prefix(5);
    }
    if (rest.size() != 7 || !is_hex(rest[0]) || !is_hex(rest[1]) || rest[2] != ':' ||
        !is_hex(rest[3]) || !is_hex(rest[4]) || rest[5] != '.' || !is_digit(rest[6])) {
        return bad("expected domain:bus:device.function, e.g. 0000:3b:00.0");
    }
    unsigned device = 0;
    std::from_chars(rest.data() + 3, rest.data() + 5, device, 16);
    if (device > 0x1f) return bad("device must be 00-1f");
    if (rest[6] > '7') return bad("function must be 0-7");
    if (address.size() != text.size()) {
        for (auto args = text.substr(address.size() + 1); !args.empty();) {
            const auto arg = args.substr(0, args.find(','));
            if (arg.find('=') == std::string_view::npos || arg.front() == '=' ||
                !all_of(arg, is_printable)) {
                return make(text, "has a malformed device argument (expected key=value)");
            }
            args.remove_prefix(std::min(args.size(), arg.size() + 1));
        }
    }
    return std::nullopt;
}

check_result check_vdev(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return make(text, "is not a valid vdev (" + std::string(why) + ")");
    };
    const auto name = text.substr(0, text.find(','));
    if (name.size() <= 4 || !all_of(name, [](char c) { return is_alnum(c) || c == '_'; })) {
        return bad("expected net_<driver><n>[,key=value...]");
    }
    // The vdev bus picks the driver whose name prefixes the device name; an
    // unknown one would only fail inside the EAL, after validation.
    static constexpr std::string_view drivers[] = {
        "net_af_packet", "net_af_xdp", "net_bonding", "net_failsafe", "net_memif", "net_null",
        "net_pcap",      "net_ring",   "net_softnic", "net_tap",      "net_tun",   "net_vhost",
        "net_virtio_user", "net_vdev_netvsc"};
    if (std::none_of(std::begin(drivers), std::end(drivers), [&](std::string_view d) { return name.starts_with(d); })) {
        return bad("unknown driver; known: net_af_packet, net_af_xdp, net_bonding, net_failsafe, net_memif, "
                   "net_null, net_pcap, net_ring, net_softnic, net_tap, net_tun, net_vhost, net_virtio_user, "
                   "net_vdev_netvsc");
    }
    std::vector<std::pair<std::string_view, std::string_view>> args;
    if (name.size() != text.size()) {
        auto rest = text.substr(name.size() + 1);
        while (true) {
            const auto arg = rest.substr(0, rest.find(','));
            const auto eq = arg.find('=');
            if (eq == std::string_view::npos || eq == 0 || eq + 1 == arg.size() ||
                !all_of(arg, is_printable)) {
                return bad("argument " + quote(arg) + " is not key=value");
            }
            args.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
            if (arg.size() == rest.size()) break;
            rest.remove_prefix(arg.size() + 1);
        }
    }
    const auto has = [&](std::string_view key) {
        return std::any_of(args.begin(), args.end(), [&](auto& kv) { return kv.first == key; });
    };
    // The drivers whose missing argument would only show up as an EAL
    // failure at start; caught here instead.
    if ((name.starts_with("net_af_packet") || name.starts_with("net_af_xdp")) && !has("iface")) {
        return bad("iface=<interface> is required");
    }
    if (name.starts_with("net_pcap") && !has("iface") && !has("rx_pcap") && !has("tx_pcap") &&
        !has("rx_iface") && !has("tx_iface")) {
        return bad("net_pcap needs iface=, rx_pcap=, tx_pcap=, rx_iface= or tx_iface=");
    }
    for (const auto& [key, value] : args) {
        if (name.starts_with("net_memif") && key == "role" && value != "server" &&
            value != "client") {
            return bad("role must be server or client");
        }
    }
    return std::nullopt;
}

}  // namespace

check_result parse_device(std::string_view text, device_kind& out) {
    if (text.starts_with("net_")) {
        out = device_kind::vdev;
        return check_vdev(text);
    }
    if (!text.empty() && is_hex(text.front()) && text.find(':') != std::string_view::npos) {
        out = device_kind::pci;
        return check_pci(text);
    }
    return make(text,
                "is neither a PCI address (e.g. 0000:3b:00.0) nor a vdev "
                "(e.g. net_af_packet0,iface=veth0)");
}

check_result check_hostname(std::string_view text) {
    const auto bad = [&] { return make(text, "is not a valid host name"); };
    if (text.empty() || text.size() > 253) return bad();
    for (std::string_view rest = text;;) {
        const auto label = rest.substr(0, rest.find('.'));
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
            !all_of(label, [](char c) { return is_alnum(c) || c == '-'; })) {
            return bad();
        }
        if (label.size() == rest.size()) break;
        rest.remove_prefix(label.size() + 1);
    }
    return std::nullopt;
}

check_result check_app_path(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return make(text, "is not a valid app path (" + std::string(why) + ")");
    };
    if (text.empty()) return bad("empty");
    if (text.front() == '/') return bad("write it without the leading /");
    if (text.size() > 255) return bad("longer than 255 characters");
    for (std::string_view rest = text;;) {
        const auto segment = rest.substr(0, rest.find('/'));
        if (segment.empty()) return bad("empty segment");
        if (segment == "." || segment == "..") return bad(". and .. are not allowed");
        // RFC 3986 unreserved characters: no escaping needed in a URI.
        if (!all_of(segment, [](char c) {
                return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
            })) {
            return bad("segments use A-Z a-z 0-9 - . _ ~");
        }
        if (segment.size() == rest.size()) break;
        rest.remove_prefix(segment.size() + 1);
    }
    return std::nullopt;
}

check_result check_developer_key(std::string_view text) {
    if (text.empty() || text.size() > 256 || !all_of(text, is_printable)) {
        return make(text, "is not a valid developer key (1-256 printable characters, no spaces)");
    }
    return std::nullopt;
}

check_result check_eal_arg(std::string_view text) {
    if (text.empty()) return make(text, "is empty");
    if (!std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; })) {
        return make(text, "contains control characters");
    }
    return std::nullopt;
}

check_result check_token(std::string_view text) {
    // The value is a secret: never echo it.
    constexpr std::size_t min_length = 16;
    if (text.size() < min_length) {
        return problem{"", "must be at least 16 characters long (value not shown)"};
    }
    if (!all_of(text, is_printable)) {
        return problem{"", "must be printable ASCII without spaces (value not shown)"};
    }
    return std::nullopt;
}

check_result check_file_path(std::string_view text) {
    if (text.empty()) return make(text, "is empty");
    if (text.find('\0') != std::string_view::npos) return make(text, "contains a NUL byte");
    return std::nullopt;
}

}  // namespace strato::control::values

namespace strato::control {

std::string_view to_string(log_level l) {
    switch (l) {
    case log_level::error: return "error";
    case log_level::warn: return "warn";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
    }
    return "info";
}

std::string to_string(const ipv4_prefix& p) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, p.address_.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(p.length_);
}

std::string to_string(const ipv6_prefix& p) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, p.address_.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(p.length_);
}

std::string to_string(const mac_address& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.bytes_[0], m.bytes_[1],
                  m.bytes_[2], m.bytes_[3], m.bytes_[4], m.bytes_[5]);
    return buf;
}

std::string to_string(const listen_address& a) {
    if (a.host_.find(':') != std::string::npos) {
        return "[" + a.host_ + "]:" + std::to_string(a.port_);
    }
    return a.host_ + ":" + std::to_string(a.port_);
}

}  // namespace strato::control
