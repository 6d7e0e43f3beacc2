#include "tools/strato-dump/decoder.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <set>

#include "dataplane/wire/chunks.hpp"
#include "dataplane/wire/option.hpp"
#include "dataplane/wire/packet.hpp"
#include "tools/strato-dump/format.hpp"
#include "tools/strato-dump/message.hpp"
#include "tools/strato-dump/net_decode.hpp"
#include "tools/strato-dump/session_crypto.hpp"

namespace strato::dump {

using wire::bytes;
using wire::drop_reason;

namespace {

constexpr int chunk_indent = 4;
constexpr int detail_indent = 8;
// Certificate options longer than this are cut (the transcripts show 32 bytes).
constexpr std::size_t option_hex = 32;
// RTMFP's registered port: an endpoint on it is a server ("S").
constexpr std::uint16_t rtmfp_port = 1935;

std::string err_name(drop_reason r) { return std::string(wire::name_of(r)); }

std::string opt_type(std::uint64_t t) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%02" PRIx64, t);
    return buf;
}

// "[type value]" for every option; `special` may render known types itself.
template <class Special>
std::string option_list_text(bytes field, Special special, std::string& error) {
    wire::option_reader r(field);
    wire::option o;
    std::string s;
    while (r.next(o)) {
        if (!s.empty()) s.push_back(' ');
        if (o.marker) {
            s += "[marker]";
            continue;
        }
        std::string body;
        if (!special(o, body)) body = hex_trunc(o.value, option_hex);
        // Appended piecewise: GCC 12 misreports -Wrestrict on "lit" + string.
        s.push_back('[');
        s += opt_type(o.type);
        s.push_back(' ');
        s += body;
        s.push_back(']');
    }
    if (r.error() != drop_reason::none) {
        error = err_name(r.error());
        s += (s.empty() ? "" : " ") + std::string("[error=") + error + "]";
    }
    return s;
}

bool plain_options(const wire::option&, std::string&) { return false; }

// Group ID VLU then the rest: used by 0x1d (certificate, SKIC) and 0x0d (SKRC).
bool split_group(const wire::option& o, std::uint64_t& group, std::size_t& rest) {
    wire::reader in(o.value);
    if (in.vlu(group) != drop_reason::none) return false;
    rest = in.remaining();
    return true;
}

std::string epd_text(bytes epd) {
    auto e = wire::parse_epd(epd);
    if (!e) return "(" + err_name(e.error()) + ")";
    std::vector<std::string> parts;
    if (e->has_fingerprint) parts.push_back("peerID=" + hex(e->fingerprint));
    if (e->has_required_hostname) parts.push_back("hostname=" + quoted(wire::as_text(e->required_hostname)));
    if (e->has_ancillary_data) parts.push_back("ancillary=" + quoted(wire::as_text(e->ancillary_data)));
    if (parts.empty()) return "";
    std::string s = "(";
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? " " : "") + parts[i];
    return s + ")";
}

struct flow_state {
    flow_kind kind = flow_kind::unknown;
    std::set<std::uint64_t> seen;
    bool assembling = false;
    std::vector<std::uint8_t> buffer;
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::size_t fragments = 0;
};

class decoder {
public:
    decoder(const keys_file* keys, capture_record& out) : keys_(keys), out_(out) {}
    void frame(const pcap_frame& f);
    void finish();

private:
    std::string host(const wire::socket_address& a);
    void chunk(packet_record& rec, line& pl, const wire::chunk_view& c);
    void user_data(packet_record& rec, line& cl, std::uint8_t flags, std::uint64_t flow, std::uint64_t seq,
                   std::uint64_t fsn_offset, bytes options, bytes data);
    void note(packet_record& rec, line& l, const std::string& error) {
        l.kv("error", error);
        rec.errors.push_back(error);
    }

    const keys_file* keys_;
    capture_record& out_;
    datagram_opener opener_;
    std::uint64_t first_ts_ = 0;
    std::map<std::string, std::string> hosts_;
    int servers_ = 0, clients_ = 0;
    std::map<std::string, flow_state> flows_;
    // Per packet: where Next User Data continues from (RFC 7016 §2.3.12).
    std::string session_key_;
    bool have_prev_ = false;
    std::uint64_t prev_flow_ = 0, prev_seq_ = 0, prev_fsn_offset_ = 0;
};

std::string decoder::host(const wire::socket_address& a) {
    const std::string text = address_text(a);
    auto it = hosts_.find(text);
    if (it != hosts_.end()) return it->second;
    std::string name;
    if (a.port == rtmfp_port) name = ++servers_ == 1 ? "S" : "S" + std::to_string(servers_);
    else name = "C" + std::to_string(++clients_);
    hosts_.emplace(text, name);
    return name;
}

void decoder::frame(const pcap_frame& f) {
    packet_record rec;
    rec.frame = f.number;
    line& pl = rec.header;
    pl.kind = "packet";
    pl.indent = 2;
    if (out_.packets.empty()) first_ts_ = f.ts_usec;
    const std::uint64_t rel = f.ts_usec >= first_ts_ ? f.ts_usec - first_ts_ : 0;
    char tbuf[48];
    std::snprintf(tbuf, sizeof tbuf, "%" PRIu64 ".%06" PRIu64, rel / 1000000u, rel % 1000000u);
    pl.word("time", tbuf, static_cast<double>(rel) / 1e6);
    char fbuf[32];
    std::snprintf(fbuf, sizeof fbuf, "#%-3" PRIu64, f.number);
    pl.word("frame", fbuf, f.number);

    auto udp = decode_udp(f.data);
    if (!udp) {
        note(rec, pl, err_name(udp.error()));
        out_.packets.push_back(std::move(rec));
        return;
    }
    const std::string src = address_text(udp->src), dst = address_text(udp->dst);
    const std::string sname = host(udp->src), dname = host(udp->dst);
    pl.word("dir", sname + "->" + dname).word("src", src).word("", "->").word("dst", dst);
    const bytes d = udp->payload;
    if (d.size() < wire::session_id_size) {
        pl.num("len", d.size());
        note(rec, pl, err_name(drop_reason::datagram_too_short));
        out_.packets.push_back(std::move(rec));
        return;
    }
    const std::uint32_t sid = wire::session_id_of(d);
    pl.kv("sid", hex32(sid)).num("len", d.size());

    // README "To decrypt a packet": session ID 0 uses the default key; else
    // the session line matching (src, dst, sid); a packet failing that check
    // is a handshake reply under the default key (RIKeying, Cookie Change).
    opened_datagram od;
    drop_reason r = drop_reason::unknown_session;
    bool session = false;
    if (sid != 0 && keys_) {
        if (const direction_keys* k = keys_->find(udp->src, udp->dst, sid)) {
            r = opener_.open_session(d, *k, od);
            session = r == drop_reason::none;
        }
    }
    if (!session) {
        const drop_reason rd = opener_.open_default(d, od);
        if (rd == drop_reason::none || sid == 0 || r == drop_reason::unknown_session) r = rd;
        if (sid != 0 && rd != drop_reason::none && !keys_) r = drop_reason::unknown_session;
    }
    if (r != drop_reason::none) {
        note(rec, pl, err_name(r));
        out_.packets.push_back(std::move(rec));
        return;
    }
    auto pkt = wire::parse_packet(od.view.packet);
    if (!pkt) {
        note(rec, pl, err_name(pkt.error()));
        out_.packets.push_back(std::move(rec));
        return;
    }
    const auto& h = pkt->header;
    static const char* const modes[] = {"forbidden", "initiator", "responder", "startup"};
    pl.kv("flags", hex8(h.flags)).kv("mode", modes[h.flags & wire::mode_mask]);
    if (h.flags & wire::flag_time_critical) pl.word("TC", "TC", true);
    if (h.flags & wire::flag_time_critical_reverse) pl.word("TCR", "TCR", true);
    if (h.timestamp) pl.num("ts", *h.timestamp);
    if (h.timestamp_echo) pl.num("tsEcho", *h.timestamp_echo);
    pl.kv("key", session ? "session" : "default");
    if (od.view.session_sequence_number) pl.num("sseq", *od.view.session_sequence_number);
    if (od.hmac_len) pl.kv("hmac", std::to_string(od.hmac_len) + "B", od.hmac_len);
    rec.rtmfp = true;
    rec.session_key = session;
    rec.packet.assign(od.view.packet.begin(), od.view.packet.end());

    session_key_ = src + ">" + dst + "/" + hex32(sid) + "/";
    have_prev_ = false;
    wire::chunk_reader cr(pkt->chunks);
    wire::chunk_view c;
    while (cr.next(c)) chunk(rec, pl, c);
    if (cr.error() != drop_reason::none) note(rec, pl, err_name(cr.error()));
    out_.packets.push_back(std::move(rec));
}

void decoder::chunk(packet_record& rec, line& pl, const wire::chunk_view& c) {
    // Chunk values are views into the decrypted packet: the 3 header bytes
    // sit right before the value.
    raw_chunk raw;
    raw.type = c.type;
    raw.bytes.assign(c.value.data() - 3, c.value.data() + c.value.size());
    rec.chunks.push_back(std::move(raw));

    line& cl = pl.child("chunk", chunk_indent);
    cl.word("chunk", std::string(wire::chunk_name(c.type)) + "(" + hex8(c.type) + ")",
            boost::json::value(std::string(wire::chunk_name(c.type))));
    cl.num("len", c.value.size());
    auto fail = [&](drop_reason r) {
        note(rec, cl, err_name(r));
        cl.kv("bytes", hex(c.value));
    };
    using ct = wire::chunk_type;
    switch (static_cast<ct>(c.type)) {
    case ct::ihello: {
        auto v = wire::parse_ihello(c.value);
        if (!v) return fail(v.error());
        cl.num("epdLen", v->epd.size()).kv("epd", hex(v->epd));
        if (auto e = epd_text(v->epd); !e.empty()) cl.word("epdDecoded", e);
        cl.kv("tag", hex(v->tag));
        return;
    }
    case ct::forwarded_ihello: {
        auto v = wire::parse_forwarded_ihello(c.value);
        if (!v) return fail(v.error());
        cl.num("epdLen", v->epd.size()).kv("epd", hex(v->epd));
        if (auto e = epd_text(v->epd); !e.empty()) cl.word("epdDecoded", e);
        cl.kv("replyAddress", address_text(v->reply_address))
            .kv("origin", origin_text(v->reply_address.origin))
            .kv("tag", hex(v->tag));
        cl.child("bytes", detail_indent).word("bytes", "bytes " + hex(c.value), boost::json::value(hex(c.value)));
        return;
    }
    case ct::rhello: {
        auto v = wire::parse_rhello(c.value);
        if (!v) return fail(v.error());
        cl.kv("tag", hex(v->tag_echo)).num("cookieLen", v->cookie.size()).kv("cookie", hex(v->cookie));
        std::string err;
        const std::string opts = option_list_text(v->certificate, plain_options, err);
        cl.child("cert", detail_indent)
            .word("certLen", "cert " + std::to_string(v->certificate.size()) + "B:", v->certificate.size())
            .word("options", opts);
        if (!err.empty()) note(rec, cl, err);
        return;
    }
    case ct::redirect: {
        auto v = wire::parse_redirect(c.value);
        if (!v) return fail(v.error());
        cl.kv("tag", hex(v->tag_echo)).word("", "addresses:");
        for (std::size_t i = 0; i < v->address_count; ++i)
            cl.word("address", address_text(v->addresses[i])).kv("origin", origin_text(v->addresses[i].origin));
        cl.child("bytes", detail_indent).word("bytes", "bytes " + hex(c.value), boost::json::value(hex(c.value)));
        return;
    }
    case ct::iikeying: {
        auto v = wire::parse_iikeying(c.value);
        if (!v) return fail(v.error());
        cl.kv("initiatorSessionID", hex32(v->initiator_session_id))
            .num("cookieLen", v->cookie.size())
            .num("certLen", v->certificate.size())
            .num("skicLen", v->skic.size())
            .kv("signature", hex(v->signature));
        std::string err;
        auto cert = option_list_text(v->certificate, [](const wire::option& o, std::string& s) {
            std::uint64_t g = 0;
            std::size_t n = 0;
            if (o.type != 0x1d || !split_group(o, g, n)) return false;
            s = "group " + std::to_string(g) + " key " + std::to_string(n) + "B";
            return true;
        }, err);
        auto skic = option_list_text(v->skic, [](const wire::option& o, std::string& s) {
            std::uint64_t g = 0;
            std::size_t n = 0;
            if (o.type == 0x1d && split_group(o, g, n) && n == 0) {
                s = "group " + std::to_string(g);
                return true;
            }
            if (o.type == 0x0e) {
                s = "nonce " + std::to_string(o.value.size()) + "B";
                return true;
            }
            return false;
        }, err);
        cl.child("cert", detail_indent).word("", "cert:").word("cert", cert);
        cl.child("skic", detail_indent).word("", "skic:").word("skic", skic);
        if (!err.empty()) note(rec, cl, err);
        return;
    }
    case ct::rikeying: {
        auto v = wire::parse_rikeying(c.value);
        if (!v) return fail(v.error());
        cl.kv("responderSessionID", hex32(v->responder_session_id))
            .num("skrcLen", v->skrc.size())
            .kv("signature", hex(v->signature));
        std::string err;
        auto skrc = option_list_text(v->skrc, [](const wire::option& o, std::string& s) {
            std::uint64_t g = 0;
            std::size_t n = 0;
            if (o.type == 0x0d && split_group(o, g, n)) {
                s = "DH group " + std::to_string(g) + " public key " + std::to_string(n) + "B";
                return true;
            }
            if (o.type == 0x0e) {
                s = "nonce " + std::to_string(o.value.size()) + "B";
                return true;
            }
            return false;
        }, err);
        cl.child("skrc", detail_indent).word("", "skrc:").word("skrc", skrc);
        if (!err.empty()) note(rec, cl, err);
        return;
    }
    case ct::rhello_cookie_change: {
        auto v = wire::parse_rhello_cookie_change(c.value);
        if (!v) return fail(v.error());
        cl.kv("oldCookie", hex(v->old_cookie)).kv("newCookie", hex(v->new_cookie));
        return;
    }
    case ct::packet_fragment: {
        auto v = wire::parse_packet_fragment(c.value);
        if (!v) return fail(v.error());
        cl.kv("more", v->more_fragments ? "1" : "0").num("packetID", v->packet_id)
            .num("fragmentNum", v->fragment_number).kv("data", std::to_string(v->fragment.size()) + "B");
        return;
    }
    case ct::ping:
    case ct::ping_reply: {
        // Both carry an opaque message echoed back (RFC 7016 §2.3.9-10).
        cl.kv("message", hex(c.value));
        return;
    }
    case ct::user_data: {
        auto v = wire::parse_user_data(c.value);
        if (!v) return fail(v.error());
        user_data(rec, cl, v->flags, v->flow_id, v->sequence_number, v->fsn_offset, v->options, v->data);
        return;
    }
    case ct::next_user_data: {
        auto v = wire::parse_next_user_data(c.value);
        if (!v) return fail(v.error());
        if (!have_prev_) return fail(drop_reason::missing_next_user_data_base);
        // The transcripts repeat the previous chunk's fsnOffset here.
        user_data(rec, cl, v->flags, prev_flow_, prev_seq_ + 1, prev_fsn_offset_, v->options, v->data);
        return;
    }
    case ct::data_ack_bitmap: {
        auto v = wire::parse_data_ack_bitmap(c.value);
        if (!v) return fail(v.error());
        cl.num("flowID", v->flow_id).num("bufferBlocksAvailable", v->buffer_blocks_available)
            .num("cumulativeAck", v->cumulative_ack).kv("bitmap", hex(v->bitmap));
        return;
    }
    case ct::data_ack_ranges: {
        auto v = wire::parse_data_ack_ranges(c.value);
        if (!v) return fail(v.error());
        cl.num("flowID", v->flow_id).num("bufferBlocksAvailable", v->buffer_blocks_available)
            .num("cumulativeAck", v->cumulative_ack);
        if (!v->ranges.empty()) {
            wire::ack_range_reader rr(*v);
            wire::ack_range a{};
            std::string s;
            while (rr.next(a)) s += (s.empty() ? "" : ",") + std::to_string(a.first) + "-" + std::to_string(a.last);
            cl.kv("ranges", s);
        }
        return;
    }
    case ct::buffer_probe: {
        auto v = wire::parse_buffer_probe(c.value);
        if (!v) return fail(v.error());
        cl.num("flowID", v->flow_id);
        return;
    }
    case ct::flow_exception_report: {
        auto v = wire::parse_flow_exception_report(c.value);
        if (!v) return fail(v.error());
        cl.num("flowID", v->flow_id).num("exceptionCode", v->exception_code);
        return;
    }
    case ct::session_close_request:
    case ct::session_close_ack: return;
    case ct::ecn_report: {
        wire::reader in(c.value);
        std::uint64_t n = 0;
        if (in.vlu(n) != drop_reason::none) return fail(drop_reason::malformed_chunk);
        cl.num("congestionExperiencedCount", n).word("", "(rtmfp-cpp ECN extension)");
        return;
    }
    case ct::padding0:
    case ct::padding1: return;
    }
    cl.kv("bytes", hex(c.value));
}

void decoder::user_data(packet_record& rec, line& cl, std::uint8_t flags, std::uint64_t flow, std::uint64_t seq,
                        std::uint64_t fsn_offset, bytes options, bytes data) {
    const bool next = cl.fields.front().text.rfind("NextUserData", 0) == 0;
    have_prev_ = true;
    prev_flow_ = flow;
    prev_seq_ = seq;
    prev_fsn_offset_ = fsn_offset;
    flow_state& fs = flows_[session_key_ + std::to_string(flow)];

    cl.kv("flags", hex8(flags)).num("flowID", flow).num("seq", seq).num("fsnOffset", fsn_offset);
    if (next) cl.word("continuation", "(continuation)", true);
    static const char* const fra[] = {"whole", "first", "last", "middle"};
    const auto frag = static_cast<wire::fragment_control>(flags & wire::ud_fragment_mask);
    cl.kv("fra", fra[(flags & wire::ud_fragment_mask) >> 4]);
    if (flags & wire::ud_abandon) cl.word("ABN", "ABN", true);
    if (flags & wire::ud_final) cl.word("FIN", "FIN", true);
    if (flags & wire::ud_option_flag) {
        auto o = wire::parse_user_data_options(options);
        if (!o) {
            note(rec, cl, err_name(o.error()));
        } else {
            if (o->has_metadata) {
                std::string err;
                flow_kind kind = flow_kind::unknown;
                const std::string decoded = metadata_text(o->metadata, kind, err);
                cl.kv("metadata", hex(o->metadata)).word("metadataDecoded", decoded);
                fs.kind = kind;
                if (!err.empty()) rec.errors.push_back(err);
            }
            if (o->has_return_association) cl.num("returnAssociation", o->return_flow_id);
        }
    }
    cl.word("data", "data=" + std::to_string(data.size()) + "B", data.size());

    auto msg_line = [&](std::string text) {
        cl.child("fragment", detail_indent).word("fragment", std::move(text));
    };
    if (!fs.seen.insert(seq).second) {
        msg_line("(retransmission of seq " + std::to_string(seq) + ", not decoded again)");
        return;
    }
    if (flags & wire::ud_abandon) {
        fs.assembling = false;
        msg_line("(abandoned)");
        return;
    }
    auto decode = [&](bytes message) {
        const std::string err = describe_message(cl, fs.kind, message);
        if (!err.empty()) rec.errors.push_back(err);
    };
    switch (frag) {
    case wire::fragment_control::whole:
        fs.assembling = false;
        decode(data);
        return;
    case wire::fragment_control::first:
        fs.assembling = true;
        fs.buffer.assign(data.begin(), data.end());
        fs.first_seq = fs.last_seq = seq;
        fs.fragments = 1;
        msg_line("(fragment first of a message, " + std::to_string(data.size()) + "B)");
        return;
    case wire::fragment_control::middle:
        if (fs.assembling && seq == fs.last_seq + 1) {
            fs.buffer.insert(fs.buffer.end(), data.begin(), data.end());
            fs.last_seq = seq;
            ++fs.fragments;
        } else {
            fs.assembling = false;  // a gap: the capture lost or reordered a fragment
        }
        msg_line("(fragment middle of a message, " + std::to_string(data.size()) + "B)");
        return;
    case wire::fragment_control::last:
        if (!fs.assembling || seq != fs.last_seq + 1) {
            fs.assembling = false;
            msg_line("(last fragment of a message whose earlier fragments are missing, " +
                     std::to_string(data.size()) + "B)");
            return;
        }
        fs.buffer.insert(fs.buffer.end(), data.begin(), data.end());
        ++fs.fragments;
        fs.assembling = false;
        msg_line("(last fragment: message of " + std::to_string(fs.fragments) + " fragments, seq " +
                 std::to_string(fs.first_seq) + "-" + std::to_string(seq) + ", " + std::to_string(fs.buffer.size()) +
                 "B)");
        decode(fs.buffer);
        return;
    }
}

void decoder::finish() {
    for (const auto& [addr, name] : hosts_) out_.hosts.push_back(name + "=" + addr);
    std::sort(out_.hosts.begin(), out_.hosts.end());
}

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

capture_record decode_capture(const std::vector<pcap_frame>& frames, const keys_file* keys,
                              const std::string& pcap_name, const std::string& keys_name) {
    capture_record c;
    c.pcap_name = pcap_name;
    c.keys_name = keys_name;
    decoder d(keys, c);
    for (const auto& f : frames) d.frame(f);
    d.finish();
    return c;
}

capture_record decode_file(const std::string& pcap_path, const std::string& keys_path) {
    std::optional<keys_file> keys;
    if (!keys_path.empty()) keys = load_keys(keys_path);
    const auto frames = read_pcap(pcap_path);
    return decode_capture(frames, keys ? &*keys : nullptr, base_name(pcap_path),
                          keys_path.empty() ? std::string() : base_name(keys_path));
}

} // namespace strato::dump
