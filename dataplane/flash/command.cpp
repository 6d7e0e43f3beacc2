#include "dataplane/flash/command.hpp"

namespace strato::flash {

using wire::drop_reason;

command_kind classify_command(std::string_view name) noexcept {
    if (name == "connect") return command_kind::connect;
    if (name == "setPeerInfo") return command_kind::set_peer_info;
    if (name == "createStream") return command_kind::create_stream;
    if (name == "deleteStream") return command_kind::delete_stream;
    if (name == "play") return command_kind::play;
    if (name == "publish") return command_kind::publish;
    if (name == "relay") return command_kind::relay;
    return command_kind::other;
}

wire::result<command_view> read_command(wire::bytes amf, amf0_limits limits) noexcept {
    command_view c;
    c.args = amf0_reader(amf, limits);
    amf0_value v;
    if (auto r = c.args.next(v); r != drop_reason::none) return r;
    if (v.type != amf0_type::string) return drop_reason::bad_amf;
    c.name = v.text;
    if (auto r = c.args.next(v); r != drop_reason::none) return r;
    if (v.type != amf0_type::number) return drop_reason::bad_amf;
    c.transaction_id = v.number;
    c.kind = classify_command(c.name);
    return c;
}

namespace {

// Reads the value after the transaction ID. The command object is null in
// RTMP, but librtmfp leaves it out of setPeerInfo and createStream (errata
// #6, #9), and some clients send an object; so a null/undefined or a whole
// container is consumed here as the command object, and anything else is
// returned as the first argument (have_arg).
drop_reason take_command_object(amf0_reader& in, amf0_value& arg, bool& have_arg) noexcept {
    have_arg = false;
    if (in.at_end()) return drop_reason::none;
    if (auto r = in.next(arg); r != drop_reason::none) return r;
    if (arg.is_nullish()) return drop_reason::none;
    if (arg.is_begin()) return in.skip(arg);
    have_arg = true;
    return drop_reason::none;
}

// The first argument after the optional command object; missing = truncated.
drop_reason first_argument(amf0_reader& in, amf0_value& arg) noexcept {
    bool have = false;
    if (auto r = take_command_object(in, arg, have); r != drop_reason::none) return r;
    if (have) return drop_reason::none;
    return in.next(arg);  // fails with truncated at the end of the message
}

} // namespace

wire::result<connect_command> read_connect(command_view c) noexcept {
    if (c.kind != command_kind::connect) return drop_reason::unknown_command;
    connect_command out;
    out.transaction_id = c.transaction_id;
    amf0_reader& in = c.args;
    amf0_value v;
    if (auto r = in.next(v); r != drop_reason::none) return r;
    if (v.type != amf0_type::object_begin && v.type != amf0_type::ecma_array_begin) return drop_reason::bad_amf;
    for (;;) {
        if (auto r = in.next(v); r != drop_reason::none) return r;
        if (v.type == amf0_type::end) break;
        const bool str = v.type == amf0_type::string, num = v.type == amf0_type::number;
        const std::string_view k = v.key;
        if (k == "app" && str) out.app = v.text;
        else if (k == "tcUrl" && str) out.tc_url = v.text;
        else if (k == "flashVer" && str) out.flash_ver = v.text;
        else if (k == "swfUrl" && str) out.swf_url = v.text;
        else if (k == "pageUrl" && str) out.page_url = v.text;
        else if (k == "objectEncoding" && num) { out.object_encoding = v.number; out.has_object_encoding = true; }
        else if (k == "fpad" && v.type == amf0_type::boolean) out.fpad = v.boolean;
        else if (k == "capabilities" && num) out.capabilities = v.number;
        else if (k == "audioCodecs" && num) out.audio_codecs = v.number;
        else if (k == "videoCodecs" && num) out.video_codecs = v.number;
        else if (k == "videoFunction" && num) out.video_function = v.number;
        else ++out.unknown_members;
        if (auto r = in.skip(v); r != drop_reason::none) return r;
    }
    out.extra_args = in.rest();
    return out;
}

wire::result<set_peer_info_command> read_set_peer_info(command_view c) noexcept {
    if (c.kind != command_kind::set_peer_info) return drop_reason::unknown_command;
    set_peer_info_command out;
    out.transaction_id = c.transaction_id;
    amf0_reader& in = c.args;
    amf0_value v;
    bool have = false;
    if (auto r = take_command_object(in, v, have); r != drop_reason::none) return r;
    for (;;) {
        if (!have) {
            if (in.at_end()) break;
            if (auto r = in.next(v); r != drop_reason::none) return r;
        }
        have = false;
        wire::socket_address a;
        if (v.type == amf0_type::string && wire::parse_address_text(v.text, a)) {
            a.origin = wire::address_origin::local;  // reported by its owner, RFC 7016 §2.1.5
            if (out.address_count < max_peer_info_addresses) out.addresses[out.address_count++] = a;
            else ++out.over_capacity;
        } else {
            ++out.malformed;
            if (auto r = in.skip(v); r != drop_reason::none) return r;
        }
    }
    return out;
}

wire::result<create_stream_command> read_create_stream(command_view c) noexcept {
    if (c.kind != command_kind::create_stream) return drop_reason::unknown_command;
    // Nothing after the transaction ID matters; the optional command object
    // is read only so that a malformed one is still reported.
    amf0_value v;
    bool have = false;
    if (auto r = take_command_object(c.args, v, have); r != drop_reason::none) return r;
    return create_stream_command{c.transaction_id};
}

wire::result<delete_stream_command> read_delete_stream(command_view c) noexcept {
    if (c.kind != command_kind::delete_stream) return drop_reason::unknown_command;
    amf0_value v;
    if (auto r = first_argument(c.args, v); r != drop_reason::none) return r;
    if (v.type != amf0_type::number) return drop_reason::bad_amf;
    return delete_stream_command{c.transaction_id, v.number};
}

namespace {
drop_reason read_stream_name(command_view& c, stream_name_command& out) noexcept {
    out.transaction_id = c.transaction_id;
    amf0_value v;
    if (auto r = first_argument(c.args, v); r != drop_reason::none) return r;
    if (v.type != amf0_type::string) return drop_reason::bad_amf;
    out.name = v.text;
    return drop_reason::none;
}
} // namespace

wire::result<stream_name_command> read_play(command_view c) noexcept {
    if (c.kind != command_kind::play) return drop_reason::unknown_command;
    stream_name_command out;
    if (auto r = read_stream_name(c, out); r != drop_reason::none) return r;
    return out;  // start/duration/reset are irrelevant to a rendezvous server
}

wire::result<stream_name_command> read_publish(command_view c) noexcept {
    if (c.kind != command_kind::publish) return drop_reason::unknown_command;
    stream_name_command out;
    if (auto r = read_stream_name(c, out); r != drop_reason::none) return r;
    if (!c.args.at_end()) {
        amf0_value v;
        if (auto r = c.args.next(v); r != drop_reason::none) return r;
        if (v.type == amf0_type::string) out.publish_type = v.text;
    }
    return out;
}

namespace {
// Hex digit values by character; 0xff for anything else.
constexpr std::array<std::uint8_t, 256> hex_values = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(0xff);
    for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<std::uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<std::uint8_t>(c - 'A' + 10);
    return t;
}();
} // namespace

bool parse_peer_id_hex(std::string_view text, relay_peer_id& out) noexcept {
    if (text.size() != 2 * out.size()) return false;
    std::uint8_t bad = 0;  // any 0xff marks a non-digit; checked once at the end
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::uint8_t hi = hex_values[static_cast<unsigned char>(text[2 * i])];
        const std::uint8_t lo = hex_values[static_cast<unsigned char>(text[2 * i + 1])];
        bad |= static_cast<std::uint8_t>((hi | lo) & 0xf0);
        out[i] = static_cast<std::uint8_t>(hi << 4 | (lo & 0x0f));
    }
    return bad == 0;
}

wire::result<relay_command> read_relay(command_view c) noexcept {
    if (c.kind != command_kind::relay) return drop_reason::unknown_command;
    relay_command out;
    out.transaction_id = c.transaction_id;
    amf0_value v;
    if (auto r = first_argument(c.args, v); r != drop_reason::none) return r;
    if (v.type != amf0_type::string) return drop_reason::bad_amf;
    if (!parse_peer_id_hex(v.text, out.target)) return drop_reason::relay_bad_target;
    out.args = c.args.rest();
    if (out.args.size() > max_relay_args) return drop_reason::relay_too_large;
    // Walk every value so that only whole AMF0 reaches the other peer.
    while (!c.args.at_end()) {
        if (auto r = c.args.next(v); r != drop_reason::none) return r;
        if (v.type == amf0_type::end) return drop_reason::bad_amf;
        if (auto r = c.args.skip(v); r != drop_reason::none) return r;
    }
    return out;
}

} // namespace strato::flash
