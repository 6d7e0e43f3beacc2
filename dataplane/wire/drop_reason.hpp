#pragma once
// Every reason a packet or a field is rejected, declared once. Parsers return
// these; the dataplane turns each into a named per-lcore drop counter.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strato::wire {

enum class drop_reason : std::uint8_t {
    none = 0,
    // generic field decoding
    truncated,                // input ends before the field does
    vlu_overflow,             // VLU value above 2^64-1
    length_overrun,           // a length field claims more bytes than remain
    trailing_bytes,           // bytes left where a field must end exactly
    value_out_of_range,       // a field holds a value the protocol forbids
    // datagram / packet layer (RFC 7016 §2.2, RFC 7425 §4.7)
    datagram_too_short,       // under 4 + 16 bytes
    datagram_misaligned,      // ciphertext not a multiple of 16 bytes
    bad_checksum,             // 16-bit checksum mismatch
    bad_hmac,                 // packet HMAC mismatch
    bad_padding,              // padding bytes are not 0xFF
    bad_mode,                 // header mode 0, or a chunk in the wrong mode
    bad_startup_flags,        // startup packet whose flags are not acceptable
    unknown_session,          // session ID not in the table
    // chunks (RFC 7016 §2.3)
    unknown_chunk,            // chunk type this parser does not know
    malformed_chunk,          // chunk payload does not fit its layout
    bad_address,              // socket address option malformed
    bad_option,               // option or option list malformed
    missing_next_user_data_base, // Next User Data without a User Data before it
    // keying (RFC 7425 §4)
    bad_certificate,
    bad_keying_component,
    unsupported_dh_group,
    bad_public_key,
    bad_cookie,
    expired_cookie,
    cookie_wrong_address,
    keying_queue_full,        // the lcore's DH queue is full: IIKeying dropped, the client retries
    duplicate_iikeying,       // retransmission while the first copy is still being keyed
    unknown_peer,             // introduction to a peer ID that is not connected (or not introducible)
    // Flash application layer (RFC 7425 §5)
    bad_metadata,
    bad_rtmp_message,
    bad_amf,
    amf_too_deep,
    unknown_command,
    bad_group_join,
    group_table_full,         // the group table holds its most groups or memberships (config)
    group_members_full,       // the group holds its most members (config)
    app_group_limit,          // the app holds its most groups or group members (config)
    group_join_rate,          // a session re-joins faster than sessions.group_joins_per_second
    session_group_limit,      // a session is in as many groups as a session may be
    // L2/L3 on the worker
    not_for_us,               // destination MAC/IP is not ours
    bad_ethernet,             // runt frame or malformed VLAN tag
    unsupported_ethertype,
    bad_arp,
    bad_ipv4_header,
    bad_ipv4_checksum,
    bad_ipv6_header,
    ip_fragment,              // fragments are not reassembled
    unsupported_ip_protocol,
    bad_icmp,
    bad_udp_length,
    bad_udp_checksum,
    closed_udp_port,
    no_neighbour,             // no ARP/ND entry for the next hop yet
    tx_full,                  // TX ring/buffer full
    // capacity
    rate_limited,
    table_full,
    // introductions (issue 6 item 2)
    introduction_initiator_limited,  // the initiator's address asked for more introductions than allowed
    introduction_target_limited,     // the target peer is being introduced more often than allowed
    amplification_limited,           // no Redirect fits 3x the bytes the unvalidated initiator sent
    // message relay (rtmfp-cpp tcserver's relay command)
    relay_bad_target,         // target is not a 64-hex-digit connection (peer) ID
    relay_too_large,          // arguments over flash::max_relay_args bytes
    relay_unknown_peer,       // no connected peer has the target ID (or it left before delivery)
    relay_rate_limited,       // the sender's relay token bucket is empty
    // live streams (RFC 7425 §5.4)
    stream_bad_name,             // publish with an empty or over-long stream name
    stream_name_in_use,          // publish of a name already published (NetStream.Publish.BadName)
    stream_not_found,            // play of a name nobody publishes on this lcore (NetStream.Play.StreamNotFound)
    stream_not_publishing,       // media on a NetStream that is not publishing
    stream_subscriber_backlog,   // a subscriber's NetStream flow was full: frame dropped, waits for a keyframe
    stream_awaiting_keyframe,    // audio/video skipped for a subscriber waiting for the next keyframe
    count_ // keep last
};

inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(drop_reason::count_);

inline constexpr std::array<std::string_view, drop_reason_count> drop_reason_names{
    "none",
    "truncated",
    "vlu_overflow",
    "length_overrun",
    "trailing_bytes",
    "value_out_of_range",
    "datagram_too_short",
    "datagram_misaligned",
    "bad_checksum",
    "bad_hmac",
    "bad_padding",
    "bad_mode",
    "bad_startup_flags",
    "unknown_session",
    "unknown_chunk",
    "malformed_chunk",
    "bad_address",
    "bad_option",
    "missing_next_user_data_base",
    "bad_certificate",
    "bad_keying_component",
    "unsupported_dh_group",
    "bad_public_key",
    "bad_cookie",
    "expired_cookie",
    "cookie_wrong_address",
    "keying_queue_full",
    "duplicate_iikeying",
    "unknown_peer",
    "bad_metadata",
    "bad_rtmp_message",
    "bad_amf",
    "amf_too_deep",
    "unknown_command",
    "bad_group_join",
    "group_table_full",
    "group_members_full",
    "app_group_limit",
    "group_join_rate",
    "session_group_limit",
    "not_for_us",
    "bad_ethernet",
    "unsupported_ethertype",
    "bad_arp",
    "bad_ipv4_header",
    "bad_ipv4_checksum",
    "bad_ipv6_header",
    "ip_fragment",
    "unsupported_ip_protocol",
    "bad_icmp",
    "bad_udp_length",
    "bad_udp_checksum",
    "closed_udp_port",
    "no_neighbour",
    "tx_full",
    "rate_limited",
    "table_full",
    "introduction_initiator_limited",
    "introduction_target_limited",
    "amplification_limited",
    "relay_bad_target",
    "relay_too_large",
    "relay_unknown_peer",
    "relay_rate_limited",
    "stream_bad_name",
    "stream_name_in_use",
    "stream_not_found",
    "stream_not_publishing",
    "stream_subscriber_backlog",
    "stream_awaiting_keyframe",
};

static_assert(!drop_reason_names.back().empty(), "every drop_reason needs a name");

constexpr std::string_view name_of(drop_reason r) noexcept {
    auto i = static_cast<std::size_t>(r);
    return i < drop_reason_count ? drop_reason_names[i] : std::string_view{"invalid"};
}

} // namespace strato::wire
