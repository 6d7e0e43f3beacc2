// AMF0 reader and writer: round trips, every type, AMF3 values after 0x11.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>

#include "dataplane/flash/amf0.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "tests/unit/flash/common.hpp"

using namespace strato;
using namespace strato::flash;
using wire::drop_reason;
using test::from_hex;
using test::to_hex;
using test::view;

BOOST_AUTO_TEST_SUITE(amf0)

BOOST_AUTO_TEST_CASE(round_trip_every_type) {
    std::array<std::uint8_t, 512> buf{};
    wire::writer w(buf);
    amf0_writer a(w);
    a.number(-2.5);
    a.boolean(true);
    a.string("hello");
    a.long_string("long");
    a.xml_document("<x/>");
    a.null();
    a.undefined();
    a.date(1234.0, -60);
    a.object_begin();
    a.key("n");
    a.number(7);
    a.key("inner");
    a.ecma_array_begin(1);
    a.key("k");
    a.string("v");
    a.object_end();
    a.object_end();
    a.strict_array_begin(2);
    a.boolean(false);
    a.typed_object_begin("cls");
    a.key("z");
    a.null();
    a.object_end();
    BOOST_REQUIRE(w.ok());

    amf0_reader r(w.written());
    amf0_value v;
    auto expect = [&](amf0_type t) {
        BOOST_REQUIRE(r.next(v) == drop_reason::none);
        BOOST_REQUIRE(v.type == t);
    };
    expect(amf0_type::number);
    BOOST_TEST(v.number == -2.5);
    expect(amf0_type::boolean);
    BOOST_TEST(v.boolean);
    expect(amf0_type::string);
    BOOST_TEST(v.text == "hello");
    expect(amf0_type::string);
    BOOST_TEST(v.text == "long");
    BOOST_TEST(v.marker == amf0_marker::long_string);
    expect(amf0_type::string);
    BOOST_TEST(v.marker == amf0_marker::xml_document);
    expect(amf0_type::null);
    expect(amf0_type::undefined);
    expect(amf0_type::date);
    BOOST_TEST(v.number == 1234.0);
    BOOST_TEST(v.timezone == -60);
    expect(amf0_type::object_begin);
    BOOST_TEST(r.depth() == 1u);
    expect(amf0_type::number);
    BOOST_TEST(v.key == "n");
    expect(amf0_type::ecma_array_begin);
    BOOST_TEST(v.key == "inner");
    BOOST_TEST(v.count == 1u);
    expect(amf0_type::string);
    BOOST_TEST(v.key == "k");
    expect(amf0_type::end);
    expect(amf0_type::end);
    BOOST_TEST(r.depth() == 0u);
    expect(amf0_type::strict_array_begin);
    BOOST_TEST(v.count == 2u);
    expect(amf0_type::boolean);
    BOOST_TEST(v.key.empty());
    expect(amf0_type::typed_object_begin);
    BOOST_TEST(v.text == "cls");
    expect(amf0_type::null);
    BOOST_TEST(v.key == "z");
    expect(amf0_type::end);
    expect(amf0_type::end);  // strict array ends by count
    BOOST_TEST(r.at_end());
    BOOST_TEST(r.next(v) == drop_reason::truncated);
}

BOOST_AUTO_TEST_CASE(number_encoding_is_big_endian_double) {
    std::array<std::uint8_t, 16> buf{};
    wire::writer w(buf);
    amf0_writer(w).number(1.0);
    BOOST_TEST(to_hex(w.written()) == "003ff0000000000000");
}

BOOST_AUTO_TEST_CASE(long_text_switches_to_long_string) {
    static std::array<char, 70000> text{};
    text.fill('a');
    static std::array<std::uint8_t, 70010> buf{};
    wire::writer w(buf);
    amf0_writer(w).string({text.data(), text.size()});
    BOOST_REQUIRE(w.ok());
    BOOST_TEST(buf[0] == amf0_marker::long_string);
    amf0_reader r(w.written());
    amf0_value v;
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.text.size() == 70000u);
}

BOOST_AUTO_TEST_CASE(writer_overflow_is_reported) {
    std::array<std::uint8_t, 4> buf{};
    wire::writer w(buf);
    amf0_writer(w).string("too long for four bytes");
    BOOST_TEST(!w.ok());
    std::array<std::uint8_t, 16> buf2{};
    wire::writer w2(buf2);
    amf0_writer(w2).key("");  // would read back as an object end
    BOOST_TEST(!w2.ok());
}

BOOST_AUTO_TEST_CASE(skip_nested_container) {
    auto b = from_hex("03 0001 61 03 0001 62 0a 00000002 05 05 000009 000009 02 0001 7a");
    amf0_reader r(view(b));
    amf0_value v;
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_REQUIRE(r.skip(v) == drop_reason::none);
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.text == "z");
    BOOST_TEST(r.at_end());
}

BOOST_AUTO_TEST_CASE(reference_and_unsupported_are_read) {
    auto b = from_hex("07 0003 0d");
    amf0_reader r(view(b));
    amf0_value v;
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::reference));
    BOOST_TEST(v.reference == 3);
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::unsupported));
}

BOOST_AUTO_TEST_CASE(ecma_count_is_only_a_hint) {
    auto b = from_hex("08 ffffffff 0001 61 05 000009");
    std::size_t n = 0;
    BOOST_TEST(test::walk_amf0(view(b), {}, &n) == drop_reason::none);
    BOOST_TEST(n == 3u);
}

BOOST_AUTO_TEST_CASE(amf3_scalars_are_decoded) {
    auto b = from_hex("11 06 0b 68656c6c6f  11 04 7f  11 04 ffffffff  11 05 4008000000000000"
                      "11 03  11 02  11 01  11 00  11 04 8100");
    amf0_reader r(view(b));
    amf0_value v;
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::string));
    BOOST_TEST(v.text == "hello");
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.number == 127.0);
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.number == -1.0);  // U29 0x1fffffff, 29-bit two's complement
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.number == 3.0);
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::boolean && v.boolean));
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::boolean && !v.boolean));
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::null));
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST((v.type == amf0_type::undefined));
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.number == 128.0);
    BOOST_TEST(r.at_end());
}

BOOST_AUTO_TEST_CASE(amf3_complex_values_are_skipped) {
    // dynamic anonymous object {a: 1}; array of two objects sharing traits
    // (second by traits reference); vector<double>; byte array; date;
    // dictionary {1: null}; then an AMF0 string to show the reader resumes.
    auto b = from_hex(
        "11 0a 0b 01 03 61 04 01 01"
        "11 09 05 01 0a 13 01 03 78 04 01 0a 01 04 02"
        "11 0f 05 00 3ff0000000000000 4000000000000000"
        "11 0c 07 aabbcc"
        "11 08 01 0000000000000000"
        "11 11 03 00 04 01 01"
        "11 10 03 00 01 01"
        "11 06 00"
        "02 0001 7a");
    amf0_reader r(view(b));
    amf0_value v;
    const std::size_t raw_sizes[] = {8, 14, 19, 5, 10, 6, 5};
    for (std::size_t size : raw_sizes) {
        BOOST_REQUIRE(r.next(v) == drop_reason::none);
        BOOST_TEST((v.type == amf0_type::amf3));
        BOOST_TEST(v.amf3.raw.size() == size);
    }
    BOOST_REQUIRE(r.next(v) == drop_reason::none);  // string reference: opaque
    BOOST_TEST((v.type == amf0_type::amf3));
    BOOST_TEST(v.amf3.is_reference);
    BOOST_REQUIRE(r.next(v) == drop_reason::none);
    BOOST_TEST(v.text == "z");
    BOOST_TEST(r.at_end());
}

BOOST_AUTO_TEST_SUITE_END()
