#include "tools/strato-dump/message.hpp"

#include <charconv>
#include <cmath>

#include "dataplane/flash/amf0.hpp"
#include "dataplane/flash/group.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "dataplane/flash/user_control.hpp"
#include "tools/strato-dump/format.hpp"

namespace strato::dump {

using wire::bytes;
using wire::drop_reason;

namespace {

// Indents of the transcripts: message lines under a chunk, args below them.
constexpr int message_indent = 8;
constexpr int arg_indent = 10;
// Command and data bodies are shown in full up to this size.
constexpr std::size_t max_body_hex = 512;
// Media (audio, video, NetGroup media fragments) is cut to this many bytes.
constexpr std::size_t media_hex = 16;

std::string number_text(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string rtmp_type_name(std::uint8_t t) {
    switch (t) {
    case 1: return "SetChunkSize";
    case 2: return "Abort";
    case 3: return "Acknowledgement";
    case 4: return "UserControl";
    case 5: return "WindowAckSize";
    case 6: return "SetPeerBandwidth";
    case 8: return "Audio";
    case 9: return "Video";
    case 15: return "DataAMF3";
    case 16: return "SharedObjectAMF3";
    case 17: return "CommandAMF3";
    case 18: return "DataAMF0";
    case 19: return "SharedObjectAMF0";
    case 20: return "CommandAMF0";
    case 22: return "Aggregate";
    }
    return "Unknown";
}

std::string user_control_name(std::uint16_t e) {
    namespace uc = flash::user_control_event;
    switch (e) {
    case uc::stream_begin: return "StreamBegin";
    case uc::stream_eof: return "StreamEOF";
    case uc::stream_dry: return "StreamDry";
    case uc::set_buffer_length: return "SetBufferLength";
    case uc::stream_is_recorded: return "StreamIsRecorded";
    case uc::ping_request: return "PingRequest";
    case uc::ping_response: return "PingResponse";
    case uc::flow_sync: return "FlowSync";
    case uc::set_keepalive_timers: return "SetKeepaliveTimers";
    }
    return "Unknown";
}

// librtmfp's names for the peer-to-peer NetGroup message codes.
const char* group_message_name(std::uint8_t code) {
    switch (code) {
    case 0x01: return "GROUP_INIT";
    case 0x02: return "GROUP_DATA";
    case 0x0a: return "GROUP_REPORT";
    case 0x0b: return "GROUP_MEMBER";
    case 0x0c: return "GROUP_ASK_CLOSE";
    case 0x0e: return "GROUP_BEGIN";
    case 0x0f: return "GROUP_BEGIN_NEAREST";
    case 0x10: return "GROUP_MEDIA_NEXT";
    case 0x20: return "GROUP_MEDIA_DATA";
    case 0x21: return "GROUP_MEDIA_INFOS";
    case 0x22: return "GROUP_FRAGMENTS_MAP";
    case 0x23: return "GROUP_PLAY_PUSH";
    case 0x2b: return "GROUP_PLAY_PULL";
    case 0x30: return "GROUP_MEDIA_END";
    }
    return "UNKNOWN";
}
bool is_group_media(std::uint8_t code) { return code == 0x10 || code == 0x20 || code == 0x30; }

// Renders one value (and, for containers, everything up to its end).
drop_reason render_value(flash::amf0_reader& r, const flash::amf0_value& v, std::string& out) {
    using flash::amf0_type;
    switch (v.type) {
    case amf0_type::number: out += number_text(v.number); return drop_reason::none;
    case amf0_type::boolean: out += v.boolean ? "true" : "false"; return drop_reason::none;
    case amf0_type::string: out += quoted(v.text); return drop_reason::none;
    case amf0_type::null: out += "null"; return drop_reason::none;
    case amf0_type::undefined: out += "undefined"; return drop_reason::none;
    case amf0_type::unsupported: out += "unsupported"; return drop_reason::none;
    case amf0_type::reference: out += "ref " + std::to_string(v.reference); return drop_reason::none;
    case amf0_type::date: out += "Date(" + number_text(v.number) + ")"; return drop_reason::none;
    case amf0_type::amf3: out += "amf3(" + hex(v.amf3.raw) + ")"; return drop_reason::none;
    case amf0_type::end: return drop_reason::bad_amf;
    case amf0_type::object_begin:
    case amf0_type::ecma_array_begin:
    case amf0_type::typed_object_begin:
    case amf0_type::strict_array_begin: break;
    }
    const bool array = v.type == amf0_type::strict_array_begin;
    if (v.type == amf0_type::typed_object_begin) out += std::string(v.text) + " ";
    out += array ? "[" : "{";
    bool first = true;
    for (;;) {
        flash::amf0_value m;
        if (auto e = r.next(m); e != drop_reason::none) return e;
        if (m.type == amf0_type::end) break;
        if (!first) out += ", ";
        first = false;
        if (!array) {
            out += m.key;
            out += ": ";
        }
        if (auto e = render_value(r, m, out); e != drop_reason::none) return e;
    }
    out += array ? "]" : "}";
    return drop_reason::none;
}

// "(32B)"; built piecewise because GCC 12 misreports -Wrestrict on "(" + string.
std::string size_note(std::size_t n) {
    std::string s(1, '(');
    s += std::to_string(n);
    s += "B)";
    return s;
}

line& message_line(line& parent, std::string kind) { return parent.child(std::move(kind), message_indent); }

std::string describe_rtmp(line& parent, bytes message) {
    auto m = flash::read_rtmp_message(message);
    if (!m) {
        message_line(parent, "rtmp").word("", "RTMP").kv("error", std::string(wire::name_of(m.error())))
            .kv("bytes", hex(message));
        return std::string(wire::name_of(m.error()));
    }
    const auto& msg = *m;
    line& l = message_line(parent, "rtmp");
    l.word("", "RTMP")
        .word("rtmpType", "type " + std::to_string(msg.type), msg.type)
        .word("typeName", rtmp_type_name(msg.type))
        .num("timestamp", msg.timestamp)
        .word("size", std::to_string(msg.body.size()) + "B:", msg.body.size());
    const bool command = flash::is_command(msg.type);
    const bool data = msg.type == flash::rtmp_type::data_amf0 || msg.type == flash::rtmp_type::data_amf3;
    if (msg.type == flash::rtmp_type::user_control) {
        auto uc = flash::read_user_control(msg.body);
        if (!uc) {
            l.kv("error", std::string(wire::name_of(uc.error()))).kv("data", hex(msg.body));
            return std::string(wire::name_of(uc.error()));
        }
        l.word("event", "event " + std::to_string(uc->event), uc->event)
            .word("eventName", user_control_name(uc->event))
            .kv("data", hex(uc->data));
        return "";
    }
    if (!command && !data) {
        l.word("data", hex_trunc(msg.body, media_hex));
        return "";
    }
    std::string err;
    auto payload = flash::amf_payload(msg);
    std::vector<std::string> values;
    if (!payload) {
        err = std::string(wire::name_of(payload.error()));
    } else if (!render_amf0_values(*payload, values, err)) {
        // err set; what rendered is still shown below
    }
    std::size_t first_arg = 0;
    if (command) {
        // name, transaction ID, then the arguments (command object included).
        std::string name = values.size() > 0 ? values[0] : "?";
        std::string tid = values.size() > 1 ? values[1] : "?";
        std::string plain = name.size() >= 2 && name.front() == '"' ? name.substr(1, name.size() - 2) : name;
        // JSON gets the transaction ID as a number when it is one.
        boost::json::value tid_json(tid);
        if (!tid.empty() && tid.find_first_not_of("0123456789") == std::string::npos && tid.size() < 16)
            tid_json = std::stoull(tid);
        l.word("command", "command " + name, boost::json::value(plain)).kv("transactionID", tid, tid_json);
        first_arg = 2;
    } else {
        l.word("", "");  // the transcripts end a data line with "24B: "
    }
    for (std::size_t i = first_arg; i < values.size(); ++i)
        l.child(command ? "arg" : "value", arg_indent)
            .word(command ? "arg" : "value", (command ? "arg " : "value ") + values[i], boost::json::value(values[i]));
    if (!err.empty()) l.child("error", arg_indent).kv("error", err);
    l.child("bytes", arg_indent).word("bytes", "bytes " + hex_trunc(msg.body, max_body_hex),
                                                             boost::json::value(hex_trunc(msg.body, max_body_hex)));
    return err;
}

std::string describe_gc(line& parent, bytes message) {
    line& l = message_line(parent, "netgroup");
    l.word("", "NetGroup server message (GC, not RTMP-framed)");
    if (message.empty()) {
        l.kv("error", "truncated");
        return "truncated";
    }
    const std::uint8_t code = message[0];
    l.word("code", "code " + hex8(code), code)
        .word("size", std::to_string(message.size()) + "B:", message.size())
        .word("bytes", hex(message));
    if (code == flash::group_join_code) {
        auto j = flash::read_group_join(message);
        if (!j) {
            message_line(parent, "join").kv("error", std::string(wire::name_of(j.error())));
            return std::string(wire::name_of(j.error()));
        }
        line& jl = message_line(parent, "join");
        if (j->legacy) {
            jl.word("", "join (legacy):").word("groupspec", hex(j->groupspec));
        } else {
            jl.word("", "join:")
                .word("length", "length " + std::to_string(message[1]) + ",", message[1])
                .word("type", "type " + hex8(message[2]) + ",", message[2])
                .word("groupID", "groupID " + hex(j->id), boost::json::value(hex(j->id)))
                .word("", size_note(j->id.size()));
        }
    } else if (code == flash::group_member_code) {
        const bytes pid = message.subspan(1);
        message_line(parent, "member")
            .word("", "GROUP_MEMBER")
            .word("peerID", "peerID " + hex(pid), boost::json::value(hex(pid)))
            .word("", size_note(pid.size()));
    }
    return "";
}

std::string describe_gr(line& parent, bytes message) {
    line& l = message_line(parent, "netgroup");
    l.word("", "NetGroup P2P message");
    if (message.empty()) {
        l.kv("error", "truncated");
        return "truncated";
    }
    const std::uint8_t code = message[0];
    l.word("code", "code " + hex8(code), code)
        .word("name", group_message_name(code))
        .word("size", std::to_string(message.size()) + "B:", message.size())
        .word("bytes", is_group_media(code) ? hex_trunc(message, media_hex) : hex(message));
    return "";
}

} // namespace

bool render_amf0_values(bytes amf, std::vector<std::string>& out, std::string& error) {
    flash::amf0_reader r(amf);
    while (!r.at_end()) {
        flash::amf0_value v;
        std::string s;
        drop_reason e = r.next(v);
        if (e == drop_reason::none) e = render_value(r, v, s);
        if (e != drop_reason::none) {
            error = std::string(wire::name_of(e));
            return false;
        }
        out.push_back(std::move(s));
    }
    return true;
}

std::string metadata_text(bytes metadata, flow_kind& kind, std::string& error) {
    auto m = flash::read_flow_metadata(metadata);
    kind = flow_kind::unknown;
    if (!m) {
        error = std::string(wire::name_of(m.error()));
        return "(" + error + ")";
    }
    switch (m->signature) {
    case flash::flow_signature::tc: {
        kind = flow_kind::tc;
        return "(TC flags=" + hex8(m->tc_flags) + " streamID=" + std::to_string(m->stream_id) + ")";
    }
    case flash::flow_signature::gc: kind = flow_kind::gc; return "(GC)";
    case flash::flow_signature::gr: kind = flow_kind::gr; return "(GR " + hex(metadata.subspan(2)) + ")";
    case flash::flow_signature::unknown: break;
    }
    return "(metadata " + hex(metadata) + ")";
}

std::string describe_message(line& parent, flow_kind kind, bytes message) {
    switch (kind) {
    case flow_kind::tc: return describe_rtmp(parent, message);
    case flow_kind::gc: return describe_gc(parent, message);
    case flow_kind::gr: return describe_gr(parent, message);
    case flow_kind::unknown: break;
    }
    message_line(parent, "payload")
        .word("", "payload")
        .word("size", std::to_string(message.size()) + "B:", message.size())
        .word("bytes", hex_trunc(message, media_hex));
    return "";
}

} // namespace strato::dump
