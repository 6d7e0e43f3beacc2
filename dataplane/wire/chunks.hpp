#pragma once
// Every chunk of RFC 7016 §2.3: zero-copy views for parsing, and writers
// that append type | length | payload to a packet. Parsers never allocate,
// never throw and never read outside the chunk value they are given.
#include <cstdint>

#include "dataplane/wire/address.hpp"
#include "dataplane/wire/bytes.hpp"
#include "dataplane/wire/packet.hpp"

namespace strato::wire {

// RFC 7016 §2.3 chunk type codes.
enum class chunk_type : std::uint8_t {
    padding0 = 0x00,
    ping = 0x01,
    session_close_request = 0x0c,
    forwarded_ihello = 0x0f,
    user_data = 0x10,
    next_user_data = 0x11,
    buffer_probe = 0x18,
    ihello = 0x30,
    iikeying = 0x38,
    ping_reply = 0x41,
    session_close_ack = 0x4c,
    data_ack_bitmap = 0x50,
    data_ack_ranges = 0x51,
    flow_exception_report = 0x5e,
    rhello = 0x70,
    redirect = 0x71,
    rikeying = 0x78,
    rhello_cookie_change = 0x79,
    packet_fragment = 0x7f,
    ecn_report = 0xec,  // rtmfp-cpp experiment; ignored
    padding1 = 0xff,
};

std::string_view chunk_name(std::uint8_t type) noexcept;
// Startup chunks are valid only in startup mode (RFC 7016 §2.2.4).
bool is_startup_chunk(std::uint8_t type) noexcept;

// ---- startup chunks -------------------------------------------------------
struct ihello {  // 0x30, RFC 7016 §2.3.2
    bytes epd;
    bytes tag;
};
struct forwarded_ihello {  // 0x0f, RFC 7016 §2.3.3
    bytes epd;
    socket_address reply_address;
    bytes tag;
};
struct rhello {  // 0x70, RFC 7016 §2.3.4
    bytes tag_echo;
    bytes cookie;
    bytes certificate;
};
inline constexpr std::size_t max_redirect_addresses = 24;  // REDIRECT_THRESHOLD, RFC 7016 §3.5.1.1.1
struct redirect {  // 0x71, RFC 7016 §2.3.5
    bytes tag_echo;
    socket_address addresses[max_redirect_addresses];
    std::size_t address_count = 0;
};
struct rhello_cookie_change {  // 0x79, RFC 7016 §2.3.6
    bytes old_cookie;
    bytes new_cookie;
};
struct iikeying {  // 0x38, RFC 7016 §2.3.7
    std::uint32_t initiator_session_id = 0;
    bytes cookie;
    bytes certificate;
    bytes skic;                // session key initiator component
    bytes signed_parameters;   // everything the signature covers
    bytes signature;
};
struct rikeying {  // 0x78, RFC 7016 §2.3.8
    std::uint32_t responder_session_id = 0;
    bytes skrc;                // session key responder component
    bytes signature;
};
struct packet_fragment {  // 0x7f, RFC 7016 §2.3.1
    bool more_fragments = false;
    std::uint64_t packet_id = 0;
    std::uint64_t fragment_number = 0;
    bytes fragment;
};

// ---- session chunks -------------------------------------------------------
struct ping { bytes message; };        // 0x01, §2.3.9
struct ping_reply { bytes message; };  // 0x41, §2.3.10

// User Data flags, RFC 7016 §2.3.11.
inline constexpr std::uint8_t ud_option_flag = 0x80;
inline constexpr std::uint8_t ud_fragment_mask = 0x30;
inline constexpr std::uint8_t ud_abandon = 0x02;
inline constexpr std::uint8_t ud_final = 0x01;
enum class fragment_control : std::uint8_t { whole = 0x00, first = 0x10, last = 0x20, middle = 0x30 };

// RFC 7016 §2.3.11.1 user data option types.
inline constexpr std::uint64_t option_user_metadata = 0x00;
inline constexpr std::uint64_t option_return_flow_association = 0x0a;

struct user_data {  // 0x10
    std::uint8_t flags = 0;
    std::uint64_t flow_id = 0;
    std::uint64_t sequence_number = 0;
    std::uint64_t fsn_offset = 0;
    bytes options;  // the option list without its marker (empty when no OPT flag)
    bytes data;
    fragment_control fragment() const noexcept { return static_cast<fragment_control>(flags & ud_fragment_mask); }
    bool abandoned() const noexcept { return flags & ud_abandon; }
    bool final() const noexcept { return flags & ud_final; }
    std::uint64_t forward_sequence_number() const noexcept { return sequence_number - fsn_offset; }
};
struct next_user_data {  // 0x11: flow, seq+1, same FSN as the chunk before
    std::uint8_t flags = 0;
    bytes options;
    bytes data;
};
// Flow metadata and return association from a User Data option list.
struct user_data_options {
    bool has_metadata = false;
    bytes metadata;
    bool has_return_association = false;
    std::uint64_t return_flow_id = 0;
    bool has_unknown_critical = false;  // unknown type < 0x2000: reject the flow
};
result<user_data_options> parse_user_data_options(bytes options) noexcept;

struct data_ack_bitmap {  // 0x50, §2.3.13
    std::uint64_t flow_id = 0;
    std::uint64_t buffer_blocks_available = 0;
    std::uint64_t cumulative_ack = 0;
    bytes bitmap;
};
struct data_ack_ranges {  // 0x51, §2.3.14
    std::uint64_t flow_id = 0;
    std::uint64_t buffer_blocks_available = 0;
    std::uint64_t cumulative_ack = 0;
    bytes ranges;  // VLU pairs (holes-1, received-1)
};
// Walks received sequence ranges of a Range Ack after the cumulative ack.
struct ack_range { std::uint64_t first; std::uint64_t last; };
class ack_range_reader {
public:
    explicit ack_range_reader(const data_ack_ranges& a) noexcept : in_(a.ranges), cursor_(a.cumulative_ack) {}
    // false at the end; a truncated final pair is ignored (RFC 7016 §2.3.14).
    [[nodiscard]] bool next(ack_range& out) noexcept;
private:
    reader in_;
    std::uint64_t cursor_;
};
struct buffer_probe { std::uint64_t flow_id = 0; };  // 0x18, §2.3.15
struct flow_exception_report {                       // 0x5e, §2.3.16
    std::uint64_t flow_id = 0;
    std::uint64_t exception_code = 0;
};
struct session_close_request {};  // 0x0c, §2.3.17
struct session_close_ack {};      // 0x4c, §2.3.18

// ---- parsers (value = chunk payload without the 3-byte header) ------------
result<ihello> parse_ihello(bytes value) noexcept;
result<forwarded_ihello> parse_forwarded_ihello(bytes value) noexcept;
result<rhello> parse_rhello(bytes value) noexcept;
result<redirect> parse_redirect(bytes value) noexcept;
result<rhello_cookie_change> parse_rhello_cookie_change(bytes value) noexcept;
result<iikeying> parse_iikeying(bytes value) noexcept;
result<rikeying> parse_rikeying(bytes value) noexcept;
result<packet_fragment> parse_packet_fragment(bytes value) noexcept;
result<ping> parse_ping(bytes value) noexcept;
result<ping_reply> parse_ping_reply(bytes value) noexcept;
result<user_data> parse_user_data(bytes value) noexcept;
result<next_user_data> parse_next_user_data(bytes value) noexcept;
result<data_ack_bitmap> parse_data_ack_bitmap(bytes value) noexcept;
result<data_ack_ranges> parse_data_ack_ranges(bytes value) noexcept;
result<buffer_probe> parse_buffer_probe(bytes value) noexcept;
result<flow_exception_report> parse_flow_exception_report(bytes value) noexcept;
result<session_close_request> parse_session_close_request(bytes value) noexcept;
result<session_close_ack> parse_session_close_ack(bytes value) noexcept;

// ---- writers: append a whole chunk (type, length, payload) -----------------
void write_ihello(writer& w, const ihello& c) noexcept;
void write_forwarded_ihello(writer& w, const forwarded_ihello& c) noexcept;
void write_rhello(writer& w, const rhello& c) noexcept;
void write_redirect(writer& w, const redirect& c) noexcept;
// Bytes write_redirect writes (type, length, body): lets a sender trim the
// address list to a size budget before building anything.
std::size_t redirect_chunk_size(const redirect& c) noexcept;
void write_rhello_cookie_change(writer& w, const rhello_cookie_change& c) noexcept;
void write_iikeying(writer& w, const iikeying& c) noexcept;  // uses cookie/certificate/skic/signature
void write_rikeying(writer& w, const rikeying& c) noexcept;
void write_packet_fragment(writer& w, const packet_fragment& c) noexcept;
void write_ping(writer& w, const ping& c) noexcept;
void write_ping_reply(writer& w, const ping_reply& c) noexcept;
void write_user_data(writer& w, const user_data& c) noexcept;  // options: list body without marker
void write_next_user_data(writer& w, const next_user_data& c) noexcept;
void write_data_ack_bitmap(writer& w, const data_ack_bitmap& c) noexcept;
void write_data_ack_ranges(writer& w, const data_ack_ranges& c) noexcept;
void write_buffer_probe(writer& w, const buffer_probe& c) noexcept;
void write_flow_exception_report(writer& w, const flow_exception_report& c) noexcept;
void write_session_close_request(writer& w) noexcept;
void write_session_close_ack(writer& w) noexcept;
// Padding chunk of type 0xff with n payload bytes (PMTU probes).
void write_padding_chunk(writer& w, std::size_t n) noexcept;

// Parses a chunk with the parser its type calls for and returns only the
// verdict: none, the parser's reason, or unknown_chunk for types RFC 7016
// does not define (callers ignore those, but count them).
drop_reason check_chunk(const chunk_view& c) noexcept;

// Endpoint discriminator (RFC 7425 §4.4.2).
inline constexpr std::uint64_t epd_required_hostname = 0x00;
inline constexpr std::uint64_t epd_ancillary_data = 0x0a;
inline constexpr std::uint64_t epd_fingerprint = 0x0f;
struct epd_view {
    bool has_fingerprint = false;
    bytes fingerprint;  // 32 bytes when has_fingerprint
    bool has_ancillary_data = false;
    bytes ancillary_data;
    bool has_required_hostname = false;
    bytes required_hostname;
};
// Walks all EPD options: a Fingerprint anywhere decides (RFC 7425 §4.4.3).
result<epd_view> parse_epd(bytes epd) noexcept;

} // namespace strato::wire
