#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "dataplane/wire/chunks.hpp"
#include "tests/support/hex.hpp"

using namespace strato::wire;
using strato::test::from_hex;
using strato::test::to_hex;

namespace {

// Re-serializes a parsed chunk with its writer and returns the whole chunk hex.
template <class Chunk, class Write>
std::string rewrite(const Chunk& c, Write write) {
    std::array<std::uint8_t, 2048> buf{};
    writer w(buf);
    write(w, c);
    BOOST_REQUIRE(w.ok());
    return to_hex(w.written());
}

std::string with_header(std::uint8_t type, const std::vector<std::uint8_t>& value) {
    std::vector<std::uint8_t> all{type, static_cast<std::uint8_t>(value.size() >> 8),
                                  static_cast<std::uint8_t>(value.size())};
    all.insert(all.end(), value.begin(), value.end());
    return to_hex(all);
}

const char* peer_id = "f41c15a7b80f2938703205463fa7f7e81b93c7b60495554434ac759d9a78e0eb";

} // namespace

BOOST_AUTO_TEST_SUITE(chunks)

BOOST_AUTO_TEST_CASE(redirect_from_monaserver2_capture) {
    // librtmfp-monaserver2-netgroup: Redirect to C1 listing C2 with origin 2.
    const auto v = from_hex("1057d60d859375ef611d569c65d9418f8502c613010cb9c7");
    auto r = parse_redirect(v);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(to_hex(r->tag_echo) == "57d60d859375ef611d569c65d9418f85");
    BOOST_REQUIRE(r->address_count == 1u);
    BOOST_TEST((r->addresses[0].origin == address_origin::observed));
    BOOST_TEST(r->addresses[0].port == 47559u);
    BOOST_TEST(rewrite(*r, write_redirect) == with_header(0x71, v));
}

BOOST_AUTO_TEST_CASE(redirect_reference_example) {
    // Protocol reference §4.1 / KAT-7.
    const auto whole = "71001f10000102030405060708090a0b0c0d0e0f02cb007105c35001c0a80114c350";
    const auto all = from_hex(whole);
    const std::vector<std::uint8_t> v(all.begin() + 3, all.end());
    auto r = parse_redirect(v);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->address_count == 2u);
    BOOST_TEST((r->addresses[1].origin == address_origin::local));
    BOOST_TEST(rewrite(*r, write_redirect) == whole);
}

BOOST_AUTO_TEST_CASE(redirect_chunk_size_matches_what_is_written) {
    const auto tag = from_hex("000102030405060708090a0b0c0d0e0f");
    std::vector<std::uint8_t> long_tag(200, 0x5a);  // two-byte VLU length
    for (const auto& t : {tag, long_tag, std::vector<std::uint8_t>{}}) {
        redirect r;
        r.tag_echo = t;
        for (std::size_t n = 0; n <= max_redirect_addresses; ++n) {
            std::array<std::uint8_t, 2048> buf{};
            writer w(buf);
            write_redirect(w, r);
            BOOST_REQUIRE(w.ok());
            BOOST_TEST(redirect_chunk_size(r) == w.size());
            if (n == max_redirect_addresses) break;
            socket_address a = n % 2 ? socket_address::v4(0xc6120000u + static_cast<std::uint32_t>(n), 1000) : socket_address{};
            if (n % 2 == 0) {
                a.ipv6 = true;
                a.ip[0] = 0x20;
                a.port = 2000;
            }
            r.addresses[r.address_count++] = a;
        }
    }
}

BOOST_AUTO_TEST_CASE(forwarded_ihello_from_capture) {
    const auto v = from_hex(std::string("22210f") + peer_id + "02c613010ba58f57d60d859375ef611d569c65d9418f85");
    auto f = parse_forwarded_ihello(v);
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(f->epd.size() == 34u);
    BOOST_TEST(f->reply_address.port == 0xa58fu);
    BOOST_TEST(f->tag.size() == 16u);
    BOOST_TEST(rewrite(*f, write_forwarded_ihello) == with_header(0x0f, v));
    auto e = parse_epd(f->epd);
    BOOST_REQUIRE(e.ok());
    BOOST_TEST(e->has_fingerprint);
    BOOST_TEST(to_hex(e->fingerprint) == peer_id);
}

BOOST_AUTO_TEST_CASE(ihello_epd_forms) {
    // librtmfp: path only; rtmfp-cpp: full URI; rtmfp-cpp to a peer: fingerprint + ancillary.
    const auto uri_only = from_hex("040a617070");
    auto e = parse_epd(uri_only);
    BOOST_REQUIRE(e.ok());
    BOOST_TEST(as_text(e->ancillary_data) == "app");
    BOOST_TEST(!e->has_fingerprint);
    const auto with_peer = from_hex(std::string("210f") + peer_id + "070a72746d66703a");
    e = parse_epd(with_peer);
    BOOST_REQUIRE(e.ok());
    BOOST_TEST(e->has_fingerprint);
    BOOST_TEST(as_text(e->ancillary_data) == "rtmfp:");
    // Fingerprint of the wrong size.
    BOOST_TEST((parse_epd(from_hex("040f010203")).error() == drop_reason::bad_option));

    const auto v = from_hex("05040a617070a95a3e269534599a49438be0108e193a");
    auto ih = parse_ihello(v);
    BOOST_REQUIRE(ih.ok());
    BOOST_TEST(to_hex(ih->epd) == "040a617070");
    BOOST_TEST(rewrite(*ih, write_ihello) == with_header(0x30, v));
}

BOOST_AUTO_TEST_CASE(rhello_and_cookie_change_round_trip) {
    std::vector<std::uint8_t> v = from_hex("10000102030405060708090a0b0c0d0e0f40");
    for (int i = 0; i < 64; ++i) v.push_back(static_cast<std::uint8_t>(i));
    const auto cert = from_hex("010a021502");
    v.insert(v.end(), cert.begin(), cert.end());
    auto r = parse_rhello(v);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->cookie.size() == 64u);
    BOOST_TEST(to_hex(r->certificate) == "010a021502");
    BOOST_TEST(rewrite(*r, write_rhello) == with_header(0x70, v));

    const auto cc = from_hex("03aabbcc ddeeff00");
    auto c = parse_rhello_cookie_change(cc);
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(to_hex(c->old_cookie) == "aabbcc");
    BOOST_TEST(to_hex(c->new_cookie) == "ddeeff00");
    BOOST_TEST(rewrite(*c, write_rhello_cookie_change) == with_header(0x79, cc));
}

BOOST_AUTO_TEST_CASE(iikeying_and_rikeying_round_trip) {
    const auto v = from_hex("02000000 03aabbcc 04021d0201 05021d0241ff 58");
    auto k = parse_iikeying(v);
    BOOST_REQUIRE(k.ok());
    BOOST_TEST(k->initiator_session_id == 0x02000000u);
    BOOST_TEST(to_hex(k->cookie) == "aabbcc");
    BOOST_TEST(to_hex(k->certificate) == "021d0201");
    BOOST_TEST(to_hex(k->skic) == "021d0241ff");
    BOOST_TEST(to_hex(k->signature) == "58");
    BOOST_TEST(k->signed_parameters.size() == v.size() - 1);
    BOOST_TEST(rewrite(*k, write_iikeying) == with_header(0x38, v));

    const auto rv = from_hex("00000001 07031a0000021e00 58");
    auto rk = parse_rikeying(rv);
    BOOST_REQUIRE(rk.ok());
    BOOST_TEST(rk->responder_session_id == 1u);
    BOOST_TEST(to_hex(rk->skrc) == "031a0000021e00");
    BOOST_TEST(rewrite(*rk, write_rikeying) == with_header(0x78, rv));
}

BOOST_AUTO_TEST_CASE(user_data_first_server_message_header) {
    // Protocol reference §5.2: flow 1, seq 1, fsnOffset 1, metadata TC 04 00, association 2.
    const auto v = from_hex("80 010101 0500544304 00 020a02 00 14000000000200");
    auto u = parse_user_data(v);
    BOOST_REQUIRE(u.ok());
    BOOST_TEST(u->flow_id == 1u);
    BOOST_TEST(u->sequence_number == 1u);
    BOOST_TEST(u->forward_sequence_number() == 0u);
    BOOST_TEST((u->fragment() == fragment_control::whole));
    BOOST_TEST(to_hex(u->data) == "14000000000200");
    auto o = parse_user_data_options(u->options);
    BOOST_REQUIRE(o.ok());
    BOOST_TEST(o->has_metadata);
    BOOST_TEST(to_hex(o->metadata) == "54430400");
    BOOST_TEST(o->has_return_association);
    BOOST_TEST(o->return_flow_id == 2u);
    BOOST_TEST(!o->has_unknown_critical);
    BOOST_TEST(rewrite(*u, write_user_data) == with_header(0x10, v));
}

BOOST_AUTO_TEST_CASE(next_user_data_and_fragments) {
    const auto v = from_hex("10 0400000000002900003a9800002710");
    auto n = parse_next_user_data(v);  // v outlives n
    BOOST_REQUIRE(n.ok());
    BOOST_TEST(n->options.empty());
    BOOST_TEST(n->data.size() == 15u);
    BOOST_TEST(rewrite(*n, write_next_user_data) == with_header(0x11, v));

    const auto middle = from_hex("31 03 05 02 aabb");
    auto u = parse_user_data(middle);
    BOOST_REQUIRE(u.ok());
    BOOST_TEST((u->fragment() == fragment_control::middle));
    BOOST_TEST(u->final());
    BOOST_TEST(u->forward_sequence_number() == 3u);
}

BOOST_AUTO_TEST_CASE(unknown_critical_option_is_flagged) {
    const auto crit = from_hex("03 00 4743 02 05 01 04 bf7f 0000");
    auto o = parse_user_data_options(crit);
    BOOST_REQUIRE(o.ok());
    BOOST_TEST(o->has_unknown_critical);  // type 5 < 0x2000
    const auto ignorable = from_hex("03 00 4743 04 c000 0102");
    o = parse_user_data_options(ignorable);
    BOOST_REQUIRE(o.ok());
    BOOST_TEST(!o->has_unknown_critical);  // type 0x2000 is ignorable
}

BOOST_AUTO_TEST_CASE(acks_round_trip_and_ranges) {
    // KAT-7 examples.
    const auto bitmap = from_hex("027f107906");
    auto b = parse_data_ack_bitmap(bitmap);
    BOOST_REQUIRE(b.ok());
    BOOST_TEST(b->flow_id == 2u);
    BOOST_TEST(b->buffer_blocks_available == 127u);
    BOOST_TEST(b->cumulative_ack == 16u);
    BOOST_TEST(rewrite(*b, write_data_ack_bitmap) == with_header(0x50, bitmap));

    const auto ranges = from_hex("027f1000000103");
    auto r = parse_data_ack_ranges(ranges);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(rewrite(*r, write_data_ack_ranges) == with_header(0x51, ranges));
    ack_range_reader it(*r);
    ack_range a{};
    BOOST_REQUIRE(it.next(a));
    BOOST_TEST(a.first == 18u);
    BOOST_TEST(a.last == 18u);
    BOOST_REQUIRE(it.next(a));
    BOOST_TEST(a.first == 21u);
    BOOST_TEST(a.last == 24u);
    BOOST_TEST(!it.next(a));

    // MonaServer2's window 65407 = 83 fe 7f.
    const auto mona = from_hex("0283fe7f01");
    auto m = parse_data_ack_ranges(mona);
    BOOST_REQUIRE(m.ok());
    BOOST_TEST(m->buffer_blocks_available == 65407u);
    // A truncated final pair is ignored, not fatal.
    const auto truncated_pair = from_hex("027f100000 81");
    auto t = parse_data_ack_ranges(truncated_pair);
    BOOST_REQUIRE(t.ok());
    ack_range_reader it2(*t);
    BOOST_REQUIRE(it2.next(a));
    BOOST_TEST(!it2.next(a));
}

BOOST_AUTO_TEST_CASE(small_session_chunks_round_trip) {
    const auto msg = from_hex("4d0102");
    auto p = parse_ping(msg);
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(rewrite(*p, write_ping) == "0100034d0102");
    auto pr = parse_ping_reply(msg);
    BOOST_REQUIRE(pr.ok());
    BOOST_TEST(rewrite(*pr, write_ping_reply) == "4100034d0102");
    auto bp = parse_buffer_probe(from_hex("8100"));
    BOOST_REQUIRE(bp.ok());
    BOOST_TEST(bp->flow_id == 128u);
    BOOST_TEST(rewrite(*bp, write_buffer_probe) == "1800028100");
    auto fe = parse_flow_exception_report(from_hex("0300"));
    BOOST_REQUIRE(fe.ok());
    BOOST_TEST(rewrite(*fe, write_flow_exception_report) == "5e00020300");
    std::array<std::uint8_t, 16> buf{};
    writer w(buf);
    write_session_close_request(w);
    write_session_close_ack(w);
    write_padding_chunk(w, 2);
    BOOST_TEST(to_hex(w.written()) == "0c00004c0000ff0002ffff");
    const auto frag = from_hex("80 05 00 aabb");
    auto fr = parse_packet_fragment(frag);
    BOOST_REQUIRE(fr.ok());
    BOOST_TEST(fr->more_fragments);
    BOOST_TEST(fr->packet_id == 5u);
    BOOST_TEST(rewrite(*fr, write_packet_fragment) == "7f000580050" "0aabb");
}

BOOST_AUTO_TEST_CASE(chunk_names) {
    BOOST_TEST(chunk_name(0x30) == "IHello");
    BOOST_TEST(chunk_name(0x51) == "RangeAck");
    BOOST_TEST(chunk_name(0x99) == "Unknown");
    BOOST_TEST(is_startup_chunk(0x38));
    BOOST_TEST(!is_startup_chunk(0x10));
}

BOOST_AUTO_TEST_SUITE_END()
