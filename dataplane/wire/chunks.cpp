#include "dataplane/wire/chunks.hpp"

#include "dataplane/wire/option.hpp"

namespace strato::wire {

std::string_view chunk_name(std::uint8_t type) noexcept {
    switch (static_cast<chunk_type>(type)) {
    case chunk_type::padding0: return "Padding";
    case chunk_type::ping: return "Ping";
    case chunk_type::session_close_request: return "SessionCloseRequest";
    case chunk_type::forwarded_ihello: return "FIHello";
    case chunk_type::user_data: return "UserData";
    case chunk_type::next_user_data: return "NextUserData";
    case chunk_type::buffer_probe: return "BufferProbe";
    case chunk_type::ihello: return "IHello";
    case chunk_type::iikeying: return "IIKeying";
    case chunk_type::ping_reply: return "PingReply";
    case chunk_type::session_close_ack: return "SessionCloseAck";
    case chunk_type::data_ack_bitmap: return "BitmapAck";
    case chunk_type::data_ack_ranges: return "RangeAck";
    case chunk_type::flow_exception_report: return "FlowExceptionReport";
    case chunk_type::rhello: return "RHello";
    case chunk_type::redirect: return "Redirect";
    case chunk_type::rikeying: return "RIKeying";
    case chunk_type::rhello_cookie_change: return "RHelloCookieChange";
    case chunk_type::packet_fragment: return "PacketFragment";
    case chunk_type::ecn_report: return "ECNReport";
    case chunk_type::padding1: return "Padding";
    }
    return "Unknown";
}

bool is_startup_chunk(std::uint8_t type) noexcept {
    switch (static_cast<chunk_type>(type)) {
    case chunk_type::ihello:
    case chunk_type::rhello:
    case chunk_type::redirect:
    case chunk_type::rhello_cookie_change:
    case chunk_type::iikeying:
    case chunk_type::rikeying:
        return true;
    default:
        return false;
    }
}

namespace {

constexpr drop_reason ok = drop_reason::none;

// Any field failure inside a chunk is reported as a malformed chunk, except
// VLU overflow which keeps its own counter.
drop_reason malformed(drop_reason r) noexcept {
    return r == drop_reason::vlu_overflow ? r : drop_reason::malformed_chunk;
}

// Writes the chunk header, lets body() fill the payload, then patches the length.
template <class Body>
void write_chunk(writer& w, chunk_type type, Body&& body) noexcept {
    w.u8(static_cast<std::uint8_t>(type));
    const std::size_t len_at = w.hole(2);
    const std::size_t start = w.size();
    body();
    const std::size_t len = w.size() - start;
    if (len > 0xffff) {
        w.set_overflow();
        return;
    }
    w.patch_u16(len_at, static_cast<std::uint16_t>(len));
}

} // namespace

// ---- startup ------------------------------------------------------------------

result<ihello> parse_ihello(bytes value) noexcept {
    reader in(value);
    ihello c;
    if (auto r = in.vlu_prefixed(c.epd); r != ok) return malformed(r);
    c.tag = in.take_rest();
    return c;
}

result<forwarded_ihello> parse_forwarded_ihello(bytes value) noexcept {
    reader in(value);
    forwarded_ihello c;
    if (auto r = in.vlu_prefixed(c.epd); r != ok) return malformed(r);
    if (read_address(in, c.reply_address) != ok) return drop_reason::bad_address;
    c.tag = in.take_rest();
    return c;
}

result<rhello> parse_rhello(bytes value) noexcept {
    reader in(value);
    rhello c;
    if (auto r = in.vlu_prefixed(c.tag_echo); r != ok) return malformed(r);
    if (auto r = in.vlu_prefixed(c.cookie); r != ok) return malformed(r);
    c.certificate = in.take_rest();
    return c;
}

result<redirect> parse_redirect(bytes value) noexcept {
    reader in(value);
    redirect c;
    if (auto r = in.vlu_prefixed(c.tag_echo); r != ok) return malformed(r);
    while (!in.empty()) {
        if (c.address_count == max_redirect_addresses) return drop_reason::value_out_of_range;
        if (read_address(in, c.addresses[c.address_count]) != ok) return drop_reason::bad_address;
        ++c.address_count;
    }
    return c;
}

result<rhello_cookie_change> parse_rhello_cookie_change(bytes value) noexcept {
    reader in(value);
    rhello_cookie_change c;
    if (auto r = in.vlu_prefixed(c.old_cookie); r != ok) return malformed(r);
    c.new_cookie = in.take_rest();
    return c;
}

result<iikeying> parse_iikeying(bytes value) noexcept {
    reader in(value);
    iikeying c;
    if (in.u32(c.initiator_session_id) != ok) return drop_reason::malformed_chunk;
    if (auto r = in.vlu_prefixed(c.cookie); r != ok) return malformed(r);
    if (auto r = in.vlu_prefixed(c.certificate); r != ok) return malformed(r);
    if (auto r = in.vlu_prefixed(c.skic); r != ok) return malformed(r);
    c.signed_parameters = in.consumed();
    c.signature = in.take_rest();
    return c;
}

result<rikeying> parse_rikeying(bytes value) noexcept {
    reader in(value);
    rikeying c;
    if (in.u32(c.responder_session_id) != ok) return drop_reason::malformed_chunk;
    if (auto r = in.vlu_prefixed(c.skrc); r != ok) return malformed(r);
    c.signature = in.take_rest();
    return c;
}

result<packet_fragment> parse_packet_fragment(bytes value) noexcept {
    reader in(value);
    packet_fragment c;
    std::uint8_t flags = 0;
    if (in.u8(flags) != ok) return drop_reason::malformed_chunk;
    c.more_fragments = (flags & 0x80) != 0;
    if (auto r = in.vlu(c.packet_id); r != ok) return malformed(r);
    if (auto r = in.vlu(c.fragment_number); r != ok) return malformed(r);
    c.fragment = in.take_rest();
    return c;
}

void write_ihello(writer& w, const ihello& c) noexcept {
    write_chunk(w, chunk_type::ihello, [&] {
        w.vlu_prefixed(c.epd);
        w.put(c.tag);
    });
}

void write_forwarded_ihello(writer& w, const forwarded_ihello& c) noexcept {
    write_chunk(w, chunk_type::forwarded_ihello, [&] {
        w.vlu_prefixed(c.epd);
        write_address(w, c.reply_address);
        w.put(c.tag);
    });
}

void write_rhello(writer& w, const rhello& c) noexcept {
    write_chunk(w, chunk_type::rhello, [&] {
        w.vlu_prefixed(c.tag_echo);
        w.vlu_prefixed(c.cookie);
        w.put(c.certificate);
    });
}

void write_redirect(writer& w, const redirect& c) noexcept {
    write_chunk(w, chunk_type::redirect, [&] {
        w.vlu_prefixed(c.tag_echo);
        const std::size_t n = c.address_count < max_redirect_addresses ? c.address_count : max_redirect_addresses;
        for (std::size_t i = 0; i < n; ++i) write_address(w, c.addresses[i]);
    });
}

std::size_t redirect_chunk_size(const redirect& c) noexcept {
    std::size_t n = 3 + vlu_size(c.tag_echo.size()) + c.tag_echo.size();
    const std::size_t count = c.address_count < max_redirect_addresses ? c.address_count : max_redirect_addresses;
    for (std::size_t i = 0; i < count; ++i) n += c.addresses[i].encoded_size();
    return n;
}

void write_rhello_cookie_change(writer& w, const rhello_cookie_change& c) noexcept {
    write_chunk(w, chunk_type::rhello_cookie_change, [&] {
        w.vlu_prefixed(c.old_cookie);
        w.put(c.new_cookie);
    });
}

void write_iikeying(writer& w, const iikeying& c) noexcept {
    write_chunk(w, chunk_type::iikeying, [&] {
        w.u32(c.initiator_session_id);
        w.vlu_prefixed(c.cookie);
        w.vlu_prefixed(c.certificate);
        w.vlu_prefixed(c.skic);
        w.put(c.signature);
    });
}

void write_rikeying(writer& w, const rikeying& c) noexcept {
    write_chunk(w, chunk_type::rikeying, [&] {
        w.u32(c.responder_session_id);
        w.vlu_prefixed(c.skrc);
        w.put(c.signature);
    });
}

void write_packet_fragment(writer& w, const packet_fragment& c) noexcept {
    write_chunk(w, chunk_type::packet_fragment, [&] {
        w.u8(c.more_fragments ? 0x80 : 0x00);
        w.vlu(c.packet_id);
        w.vlu(c.fragment_number);
        w.put(c.fragment);
    });
}

// ---- session ------------------------------------------------------------------

result<ping> parse_ping(bytes value) noexcept { return ping{value}; }
result<ping_reply> parse_ping_reply(bytes value) noexcept { return ping_reply{value}; }

namespace {
// RFC 7016 §2.3.11: an option list ends with a marker; returns the list
// without its marker.
drop_reason read_option_list(reader& in, bytes& list) noexcept {
    option_reader opts(in.rest());
    option o;
    std::size_t before = 0;
    while (opts.next(o)) {
        if (o.marker) {
            // A marker may be a non-minimal zero VLU (80 00): measure it.
            (void)in.take(before, list);
            (void)in.skip(opts.position() - before);
            return ok;
        }
        before = opts.position();
    }
    return opts.error() != ok ? opts.error() : drop_reason::bad_option;  // no marker
}
} // namespace

result<user_data> parse_user_data(bytes value) noexcept {
    reader in(value);
    user_data c;
    if (in.u8(c.flags) != ok) return drop_reason::malformed_chunk;
    if (auto r = in.vlu(c.flow_id); r != ok) return malformed(r);
    if (auto r = in.vlu(c.sequence_number); r != ok) return malformed(r);
    if (auto r = in.vlu(c.fsn_offset); r != ok) return malformed(r);
    // RFC 7016 §2.3.11: sequence numbers start at 1; FSN = seq - offset >= 0.
    if (c.sequence_number == 0 || c.fsn_offset > c.sequence_number) return drop_reason::value_out_of_range;
    if (c.flags & ud_option_flag) {
        if (auto r = read_option_list(in, c.options); r != ok) return r;
    }
    c.data = in.take_rest();
    return c;
}

result<next_user_data> parse_next_user_data(bytes value) noexcept {
    reader in(value);
    next_user_data c;
    if (in.u8(c.flags) != ok) return drop_reason::malformed_chunk;
    if (c.flags & ud_option_flag) {
        if (auto r = read_option_list(in, c.options); r != ok) return r;
    }
    c.data = in.take_rest();
    return c;
}

result<user_data_options> parse_user_data_options(bytes options) noexcept {
    user_data_options u;
    option_reader r(options);
    option o;
    while (r.next(o)) {
        if (o.marker) break;
        if (o.type == option_user_metadata) {
            if (!u.has_metadata) {
                u.has_metadata = true;
                u.metadata = o.value;
            }
        } else if (o.type == option_return_flow_association) {
            reader v(o.value);
            if (v.vlu(u.return_flow_id) != ok) return drop_reason::bad_option;
            u.has_return_association = true;
        } else if (o.type < 0x2000) {
            u.has_unknown_critical = true;  // RFC 7016 §2.3.11.1
        }
    }
    if (r.error() != ok) return r.error();
    return u;
}

void write_user_data(writer& w, const user_data& c) noexcept {
    write_chunk(w, chunk_type::user_data, [&] {
        const bool has_options = !c.options.empty() || (c.flags & ud_option_flag);
        w.u8(static_cast<std::uint8_t>(has_options ? (c.flags | ud_option_flag) : (c.flags & ~ud_option_flag)));
        w.vlu(c.flow_id);
        w.vlu(c.sequence_number);
        w.vlu(c.fsn_offset);
        if (has_options) {
            w.put(c.options);
            write_marker(w);
        }
        w.put(c.data);
    });
}

void write_next_user_data(writer& w, const next_user_data& c) noexcept {
    write_chunk(w, chunk_type::next_user_data, [&] {
        const bool has_options = !c.options.empty() || (c.flags & ud_option_flag);
        w.u8(static_cast<std::uint8_t>(has_options ? (c.flags | ud_option_flag) : (c.flags & ~ud_option_flag)));
        if (has_options) {
            w.put(c.options);
            write_marker(w);
        }
        w.put(c.data);
    });
}

namespace {
template <class Ack>
drop_reason read_ack_head(reader& in, Ack& c) noexcept {
    if (auto r = in.vlu(c.flow_id); r != ok) return malformed(r);
    if (auto r = in.vlu(c.buffer_blocks_available); r != ok) return malformed(r);
    if (auto r = in.vlu(c.cumulative_ack); r != ok) return malformed(r);
    return ok;
}
template <class Ack>
void write_ack_head(writer& w, const Ack& c) noexcept {
    w.vlu(c.flow_id);
    w.vlu(c.buffer_blocks_available);
    w.vlu(c.cumulative_ack);
}
} // namespace

result<data_ack_bitmap> parse_data_ack_bitmap(bytes value) noexcept {
    reader in(value);
    data_ack_bitmap c;
    if (auto r = read_ack_head(in, c); r != ok) return r;
    c.bitmap = in.take_rest();
    return c;
}

result<data_ack_ranges> parse_data_ack_ranges(bytes value) noexcept {
    reader in(value);
    data_ack_ranges c;
    if (auto r = read_ack_head(in, c); r != ok) return r;
    c.ranges = in.take_rest();
    return c;
}

bool ack_range_reader::next(ack_range& out) noexcept {
    std::uint64_t holes_minus_one = 0, received_minus_one = 0;
    if (in_.empty()) return false;
    if (in_.vlu(holes_minus_one) != ok || in_.vlu(received_minus_one) != ok) return false;
    // cursor_ is the last acknowledged sequence number.
    const std::uint64_t first = cursor_ + holes_minus_one + 2;
    const std::uint64_t last = first + received_minus_one;
    if (first <= cursor_ || last < first) return false;  // wrapped: hostile
    cursor_ = last;
    out = ack_range{first, last};
    return true;
}

void write_data_ack_bitmap(writer& w, const data_ack_bitmap& c) noexcept {
    write_chunk(w, chunk_type::data_ack_bitmap, [&] {
        write_ack_head(w, c);
        w.put(c.bitmap);
    });
}

void write_data_ack_ranges(writer& w, const data_ack_ranges& c) noexcept {
    write_chunk(w, chunk_type::data_ack_ranges, [&] {
        write_ack_head(w, c);
        w.put(c.ranges);
    });
}

result<buffer_probe> parse_buffer_probe(bytes value) noexcept {
    reader in(value);
    buffer_probe c;
    if (auto r = in.vlu(c.flow_id); r != ok) return malformed(r);
    return c;
}

result<flow_exception_report> parse_flow_exception_report(bytes value) noexcept {
    reader in(value);
    flow_exception_report c;
    if (auto r = in.vlu(c.flow_id); r != ok) return malformed(r);
    if (auto r = in.vlu(c.exception_code); r != ok) return malformed(r);
    return c;
}

result<session_close_request> parse_session_close_request(bytes) noexcept { return session_close_request{}; }
result<session_close_ack> parse_session_close_ack(bytes) noexcept { return session_close_ack{}; }

void write_ping(writer& w, const ping& c) noexcept {
    write_chunk(w, chunk_type::ping, [&] { w.put(c.message); });
}
void write_ping_reply(writer& w, const ping_reply& c) noexcept {
    write_chunk(w, chunk_type::ping_reply, [&] { w.put(c.message); });
}
void write_buffer_probe(writer& w, const buffer_probe& c) noexcept {
    write_chunk(w, chunk_type::buffer_probe, [&] { w.vlu(c.flow_id); });
}
void write_flow_exception_report(writer& w, const flow_exception_report& c) noexcept {
    write_chunk(w, chunk_type::flow_exception_report, [&] {
        w.vlu(c.flow_id);
        w.vlu(c.exception_code);
    });
}
void write_session_close_request(writer& w) noexcept {
    write_chunk(w, chunk_type::session_close_request, [] {});
}
void write_session_close_ack(writer& w) noexcept {
    write_chunk(w, chunk_type::session_close_ack, [] {});
}
void write_padding_chunk(writer& w, std::size_t n) noexcept {
    write_chunk(w, chunk_type::padding1, [&] { w.fill(0xff, n); });
}

drop_reason check_chunk(const chunk_view& c) noexcept {
    switch (static_cast<chunk_type>(c.type)) {
    case chunk_type::ihello: return parse_ihello(c.value).error();
    case chunk_type::forwarded_ihello: return parse_forwarded_ihello(c.value).error();
    case chunk_type::rhello: return parse_rhello(c.value).error();
    case chunk_type::redirect: return parse_redirect(c.value).error();
    case chunk_type::rhello_cookie_change: return parse_rhello_cookie_change(c.value).error();
    case chunk_type::iikeying: return parse_iikeying(c.value).error();
    case chunk_type::rikeying: return parse_rikeying(c.value).error();
    case chunk_type::packet_fragment: return parse_packet_fragment(c.value).error();
    case chunk_type::ping: return parse_ping(c.value).error();
    case chunk_type::ping_reply: return parse_ping_reply(c.value).error();
    case chunk_type::user_data: return parse_user_data(c.value).error();
    case chunk_type::next_user_data: return parse_next_user_data(c.value).error();
    case chunk_type::data_ack_bitmap: return parse_data_ack_bitmap(c.value).error();
    case chunk_type::data_ack_ranges: return parse_data_ack_ranges(c.value).error();
    case chunk_type::buffer_probe: return parse_buffer_probe(c.value).error();
    case chunk_type::flow_exception_report: return parse_flow_exception_report(c.value).error();
    case chunk_type::session_close_request: return parse_session_close_request(c.value).error();
    case chunk_type::session_close_ack: return parse_session_close_ack(c.value).error();
    case chunk_type::padding0:
    case chunk_type::padding1:
    case chunk_type::ecn_report: return drop_reason::none;
    }
    return drop_reason::unknown_chunk;
}

result<epd_view> parse_epd(bytes epd) noexcept {
    epd_view e;
    option_reader r(epd);
    option o;
    while (r.next(o)) {
        if (o.marker) continue;
        switch (o.type) {
        case epd_fingerprint:
            // RFC 7425 §4.4.2: a SHA-256 fingerprint is 32 bytes.
            if (o.value.size() != 32) return drop_reason::bad_option;
            if (!e.has_fingerprint) {
                e.has_fingerprint = true;
                e.fingerprint = o.value;
            }
            break;
        case epd_ancillary_data:
            if (!e.has_ancillary_data) {
                e.has_ancillary_data = true;
                e.ancillary_data = o.value;
            }
            break;
        case epd_required_hostname:
            if (!e.has_required_hostname) {
                e.has_required_hostname = true;
                e.required_hostname = o.value;
            }
            break;
        default:
            break;  // unknown EPD options are ignored (RFC 7425 §4.4.2)
        }
    }
    if (r.error() != ok) return r.error();
    return e;
}

} // namespace strato::wire
