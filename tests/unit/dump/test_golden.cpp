// Golden captures (../shared/captures): every packet decrypts and parses,
// chunks re-serialize byte for byte with the wire writers, and strato-dump's
// text agrees field for field with the transcripts.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json/parse.hpp>

#include "dataplane/wire/chunks.hpp"
#include "tests/unit/dump/fixtures.hpp"
#include "tools/strato-dump/decoder.hpp"
#include "tools/strato-dump/render.hpp"

namespace fs = std::filesystem;
using namespace strato;
using namespace strato::dump;
using namespace strato::dump::test;

namespace {

// Fields of the transcripts that strato-dump does not reproduce. Keep this
// as short as possible; every entry needs a reason.
const std::set<std::string> not_reproduced_fields = {};

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f, "cannot read " << path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// Splits a transcript line on spaces that are outside quotes and outside
// (), [] and {} groups, so "(TC flags=0x04 streamID=0)" and
// "{app: "app", ...}" stay single tokens.
std::vector<std::string> tokens(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    bool quote = false, escape = false;
    for (char c : line) {
        if (quote) {
            cur.push_back(c);
            if (escape) escape = false;
            else if (c == '\\') escape = true;
            else if (c == '"') quote = false;
            continue;
        }
        if (c == '"') quote = true;
        else if (c == '(' || c == '[' || c == '{') ++depth;
        else if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
        if (c == ' ' && depth == 0) {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
            continue;
        }
        cur.push_back(c);
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

using field_list = std::vector<std::pair<std::string, std::string>>;

// key=value tokens become (key, value); other tokens (words, groups) are
// positional and keyed by their position among the positional tokens.
field_list fields_of(const std::string& line) {
    field_list f;
    int positional = 0;
    for (const auto& t : tokens(line)) {
        const auto eq = t.find('=');
        const bool kv = eq != std::string::npos && eq > 0 && t.find_first_of("([{\"") > eq;
        if (kv) f.emplace_back(t.substr(0, eq), t.substr(eq + 1));
        else f.emplace_back(std::string(1, '#').append(std::to_string(positional++)), t);
    }
    std::erase_if(f, [](const auto& p) { return not_reproduced_fields.count(p.first) != 0; });
    return f;
}

std::string show(const field_list& f) {
    std::string s;
    for (const auto& [k, v] : f) s += "[" + k + "=" + v + "] ";
    return s;
}

capture_record decode(const char* name) {
    return decode_file(capture_file(name, ".pcap"), capture_file(name, ".keys"));
}

// ---- round trips -----------------------------------------------------------

std::vector<std::uint8_t> rewrite(const raw_chunk& c, bool& has_writer) {
    std::vector<std::uint8_t> buf(c.bytes.size() + 64);
    wire::writer w(buf);
    const wire::bytes v(c.bytes.data() + 3, c.bytes.size() - 3);
    has_writer = true;
    using ct = wire::chunk_type;
    switch (static_cast<ct>(c.type)) {
    case ct::ihello: write_ihello(w, *wire::parse_ihello(v)); break;
    case ct::forwarded_ihello: write_forwarded_ihello(w, *wire::parse_forwarded_ihello(v)); break;
    case ct::rhello: write_rhello(w, *wire::parse_rhello(v)); break;
    case ct::redirect: write_redirect(w, *wire::parse_redirect(v)); break;
    case ct::iikeying: write_iikeying(w, *wire::parse_iikeying(v)); break;
    case ct::rikeying: write_rikeying(w, *wire::parse_rikeying(v)); break;
    case ct::rhello_cookie_change: write_rhello_cookie_change(w, *wire::parse_rhello_cookie_change(v)); break;
    case ct::user_data: write_user_data(w, *wire::parse_user_data(v)); break;
    case ct::next_user_data: write_next_user_data(w, *wire::parse_next_user_data(v)); break;
    case ct::data_ack_ranges: write_data_ack_ranges(w, *wire::parse_data_ack_ranges(v)); break;
    case ct::data_ack_bitmap: write_data_ack_bitmap(w, *wire::parse_data_ack_bitmap(v)); break;
    case ct::ping: write_ping(w, *wire::parse_ping(v)); break;
    case ct::ping_reply: write_ping_reply(w, *wire::parse_ping_reply(v)); break;
    case ct::buffer_probe: write_buffer_probe(w, *wire::parse_buffer_probe(v)); break;
    case ct::flow_exception_report: write_flow_exception_report(w, *wire::parse_flow_exception_report(v)); break;
    case ct::session_close_request: write_session_close_request(w); break;
    case ct::session_close_ack: write_session_close_ack(w); break;
    case ct::ecn_report: {
        // rtmfp-cpp's experiment has no wire writer (the server ignores it):
        // re-encode its one field, a VLU count, to check it is canonical too.
        wire::reader in(v);
        std::uint64_t n = 0;
        BOOST_REQUIRE(in.vlu(n) == wire::drop_reason::none && in.empty());
        w.u8(c.type);
        w.u16(static_cast<std::uint16_t>(wire::vlu_size(n)));
        w.vlu(n);
        break;
    }
    default: has_writer = false; return {};
    }
    BOOST_REQUIRE(w.ok());
    return {w.written().begin(), w.written().end()};
}

} // namespace

BOOST_AUTO_TEST_CASE(captures_present) {
    const fs::path dir = captures_dir();
    BOOST_REQUIRE_MESSAGE(fs::is_directory(dir), "golden captures directory missing: "
                                                     << dir << " (set STRATO_CAPTURES or check out ../shared)");
    for (const char* name : capture_names)
        for (const char* ext : {".pcap", ".keys", ".txt"})
            BOOST_TEST(fs::is_regular_file(capture_file(name, ext)), "missing " << capture_file(name, ext));
}

BOOST_AUTO_TEST_CASE(every_packet_decrypts_and_parses) {
    const std::map<std::string, std::size_t> expected_packets{
        {"rtmfpcpp-tcserver-connect", 15},   {"rtmfpcpp-tcserver-p2p", 220},
        {"librtmfp-monaserver2-connect", 20}, {"librtmfp-monaserver2-p2p", 158},
        {"librtmfp-monaserver2-netgroup", 295}};
    std::size_t total = 0, chunks = 0;
    for (const char* name : capture_names) {
        const auto c = decode(name);
        BOOST_TEST(c.packets.size() == expected_packets.at(name), name);
        for (const auto& p : c.packets) {
            BOOST_TEST(p.rtmfp, name << " #" << p.frame << " did not decode: " << p.header.text());
            BOOST_TEST(p.errors.empty(), name << " #" << p.frame << " has errors: " << packet_text(p));
            BOOST_TEST(!p.chunks.empty(), name << " #" << p.frame << " has no chunks");
            // Handshake chunks travel under the default key, everything else
            // under a session key (README "Common facts").
            for (const auto& ch : p.chunks)
                BOOST_TEST(wire::is_startup_chunk(ch.type) == !p.session_key,
                           name << " #" << p.frame << " chunk " << wire::chunk_name(ch.type));
            chunks += p.chunks.size();
        }
        total += c.packets.size();
    }
    BOOST_TEST(total == 708u);
    BOOST_TEST_MESSAGE("decoded " << total << " packets, " << chunks << " chunks");
}

BOOST_AUTO_TEST_CASE(chunks_reserialize_byte_for_byte) {
    std::map<std::string, std::size_t> same, differ, no_writer;
    for (const char* name : capture_names) {
        const auto c = decode(name);
        for (const auto& p : c.packets) {
            for (const auto& ch : p.chunks) {
                const std::string n(wire::chunk_name(ch.type));
                bool has_writer = false;
                const auto out = rewrite(ch, has_writer);
                if (!has_writer) {
                    ++no_writer[n];
                    continue;
                }
                if (out == ch.bytes) {
                    ++same[n];
                } else {
                    ++differ[n];
                    BOOST_ERROR(name << " #" << p.frame << " " << n << " re-serializes differently");
                }
            }
        }
    }
    for (const auto& [n, k] : same) BOOST_TEST_MESSAGE(n << ": " << k << " byte-identical");
    // Every chunk type in the captures has a writer, and every encoding seen
    // is canonical (minimal VLUs, option lists as the writers emit them), so
    // nothing here is compared at the value level only.
    for (const auto& [n, k] : no_writer) BOOST_ERROR(n << " has no writer (" << k << " chunks)");
    BOOST_TEST(differ.empty());
    for (const char* n : {"IHello", "RHello", "IIKeying", "RIKeying", "Redirect", "FIHello", "UserData",
                          "NextUserData", "RangeAck", "ECNReport"})
        BOOST_TEST(same[n] > 0u, n << " never seen in the captures");
}

BOOST_AUTO_TEST_CASE(text_output_matches_transcripts) {
    for (const char* name : capture_names) {
        const auto c = decode(name);
        std::ostringstream out;
        write_text(out, c);
        const auto mine = lines_of(out.str());
        const auto golden = lines_of(read_text(capture_file(name, ".txt")));
        BOOST_TEST(mine.size() == golden.size(), name << ": " << mine.size() << " lines, transcript has "
                                                       << golden.size());
        int reported = 0;
        std::size_t compared = 0;
        for (std::size_t i = 0; i < std::min(mine.size(), golden.size()); ++i) {
            const auto a = fields_of(mine[i]);
            const auto b = fields_of(golden[i]);
            ++compared;
            if (a != b && reported++ < 20)
                BOOST_ERROR(name << ".txt line " << i + 1 << " differs\n  ours:       " << show(a)
                                 << "\n  transcript: " << show(b));
        }
        BOOST_TEST(reported == 0, name << ": " << reported << " of " << compared << " lines differ");
        BOOST_TEST_MESSAGE(name << ": " << compared << " lines compared field by field");
    }
}

BOOST_AUTO_TEST_CASE(field_comparison_sees_differences) {
    // The transcript comparison is only as good as its tokenizer: groups and
    // quoted strings stay whole, and a changed value is a difference.
    const std::string l = R"(    UserData(0x10) len=47 flags=0x80 fra=whole metadata=4743 (GC) returnAssociation=1 data=35B)";
    const auto f = fields_of(l);
    BOOST_TEST(f.size() == 8u);
    BOOST_TEST(f[0].second == "UserData(0x10)");
    BOOST_TEST(f[5].second == "(GC)");
    BOOST_TEST((fields_of(l) != fields_of(std::string(l).replace(l.find("=1 "), 3, "=3 "))));
    const auto t = tokens(R"(          arg {a: "x y", b: [1, 2]} "q \" r" (k=v w))");
    BOOST_TEST(t.size() == 4u);
    BOOST_TEST(t[1] == R"({a: "x y", b: [1, 2]})");
    BOOST_TEST(t[3] == "(k=v w)");
}

BOOST_AUTO_TEST_CASE(json_output_has_every_packet) {
    const auto c = decode("librtmfp-monaserver2-connect");
    std::ostringstream out;
    write_json(out, c);
    const auto ls = lines_of(out.str());
    BOOST_REQUIRE(ls.size() == c.packets.size() + 1);
    for (std::size_t i = 1; i < ls.size(); ++i) {
        boost::system::error_code ec;
        const auto v = boost::json::parse(ls[i], ec);
        BOOST_REQUIRE_MESSAGE(!ec, "line " << i << " is not JSON: " << ls[i]);
        const auto& o = v.as_object();
        BOOST_TEST((o.at("frame").template to_number<std::uint64_t>()) == i);
        BOOST_TEST(o.contains("chunks"));
        BOOST_TEST(o.contains("sid"));
    }
    // #7: _result Connect.Success, then Set Keepalive Timers in Next User Data.
    const auto v = boost::json::parse(ls[7]);
    const auto& ch = v.at("chunks").as_array();
    BOOST_TEST(ch.size() == 2u);
    BOOST_TEST(ch[0].at("chunk").as_string() == "UserData");
    BOOST_TEST(ch[0].at("lines").as_array()[0].at("command").as_string() == "_result");
    BOOST_TEST(ch[1].at("lines").as_array()[0].at("eventName").as_string() == "SetKeepaliveTimers");
}
