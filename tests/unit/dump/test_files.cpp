// Malformed input files: every problem is a dump_error naming the file and
// the byte offset (pcap) or line (keys); the CLI exits 1. Also: truncated
// frames never crash the decoder.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tests/unit/dump/fixtures.hpp"
#include "tools/strato-dump/decoder.hpp"
#include "tools/strato-dump/render.hpp"

namespace fs = std::filesystem;
using namespace strato::dump;
using namespace strato::dump::test;

namespace {

std::vector<char> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f, "cannot read " << path);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        path = fs::temp_directory_path() / ("strato-dump-test-" + std::to_string(::getpid()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const char* data, std::size_t n) const {
        const auto p = (path / name).string();
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f.write(data, static_cast<std::streamsize>(n));
        return p;
    }
};

// The error text of read_pcap, or "" when the file was accepted.
std::string pcap_error(const std::string& path) {
    try {
        (void)read_pcap(path);
    } catch (const dump_error& e) {
        return e.what();
    }
    return "";
}

std::string keys_error(const std::string& text) {
    try {
        (void)parse_keys(text, "test.keys");
    } catch (const dump_error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Offsets where records start in a classic pcap (and the file end).
std::vector<std::size_t> record_starts(const std::vector<char>& f) {
    std::vector<std::size_t> out{24};
    std::size_t off = 24;
    while (off + 16 <= f.size()) {
        std::uint32_t incl = 0;
        std::memcpy(&incl, f.data() + off + 8, 4);  // the captures are little-endian
        off += 16 + incl;
        out.push_back(off);
    }
    return out;
}

const char* const good_keys_line =
    "udp 198.19.1.11:46705 198.18.0.1:1935 a_sid=02000000 b_sid=00000001 "
    "a2b_key=32d8ec71073d579e36eb203f154076bf b2a_key=31024141f3e80f44214e13db89ff10d2 "
    "a2b_hmac=- b2a_hmac=16:ffb78e8b4ae049d14a19ed3a7664cb0c7192effd77c72ec21a41b9a39da38f9f "
    "a2b_sseq=0 b2a_sseq=1 # comment\n";

} // namespace

BOOST_AUTO_TEST_CASE(truncated_pcap_names_file_and_offset) {
    const auto orig = read_bytes(capture_file("rtmfpcpp-tcserver-connect", ".pcap"));
    const auto starts = record_starts(orig);
    BOOST_REQUIRE(starts.back() == orig.size());
    temp_dir t;
    // A few offsets with the exact expected message...
    struct cut_case { std::size_t at; std::string expect; };
    const std::vector<cut_case> cases{
        {10, "at byte offset 10: truncated pcap global header (10 of 24 bytes)"},
        {24 + 7, "at byte offset 24: truncated record header of frame 1 (7 of 16 bytes)"},
        {24 + 16 + 20, "at byte offset 40: truncated frame 1: record says"},
        {orig.size() - 1, "truncated frame 15"},
    };
    for (const auto& c : cases) {
        const auto p = t.write("cut.pcap", orig.data(), c.at);
        const auto e = pcap_error(p);
        BOOST_TEST(contains(e, p), "cut at " << c.at << ": " << e);
        BOOST_TEST(contains(e, c.expect), "cut at " << c.at << ": " << e);
    }
    // ...and many cuts (every byte of the first records, then a stride and
    // both sides of every record boundary): accepted exactly at boundaries,
    // otherwise an error that names the file and an offset.
    std::vector<std::size_t> cuts;
    for (std::size_t at = 1; at < orig.size(); at += at < 400 ? 1 : 29) cuts.push_back(at);
    for (std::size_t s : starts) {
        for (std::size_t at : {s - 1, s, s + 1})
            if (at > 0 && at < orig.size()) cuts.push_back(at);
    }
    std::size_t errors = 0, expected_errors = 0;
    for (std::size_t at : cuts) {
        const auto p = t.write("cut.pcap", orig.data(), at);
        const auto e = pcap_error(p);
        const bool boundary = std::find(starts.begin(), starts.end(), at) != starts.end();
        if (!boundary) ++expected_errors;
        if (boundary) {
            BOOST_TEST(e.empty(), "cut at record boundary " << at << " rejected: " << e);
        } else {
            ++errors;
            if (!contains(e, p + ": at byte offset ")) BOOST_ERROR("cut at " << at << ": unclear error '" << e << "'");
        }
    }
    BOOST_TEST(errors == expected_errors);
    BOOST_TEST(errors > 300u);
}

BOOST_AUTO_TEST_CASE(not_a_pcap) {
    temp_dir t;
    const std::string text = "this is not a capture, just text\n";
    auto p = t.write("text.pcap", text.data(), text.size());
    auto e = pcap_error(p);
    BOOST_TEST(contains(e, p + ": at byte offset 0: not a classic pcap file (magic 0x74686973)"), e);

    p = t.write("empty.pcap", "", 0);
    e = pcap_error(p);
    BOOST_TEST(contains(e, p + ": at byte offset 0: empty file"), e);

    const char ng[] = "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a";
    p = t.write("ng.pcap", ng, sizeof ng - 1);
    e = pcap_error(p);
    BOOST_TEST(contains(e, "pcapng file"), e);

    e = pcap_error((t.path / "does-not-exist.pcap").string());
    BOOST_TEST(contains(e, "does-not-exist.pcap: cannot open"), e);

    // A record header claiming 1 GB: corrupt, at the record's offset.
    auto orig = read_bytes(capture_file("rtmfpcpp-tcserver-connect", ".pcap"));
    const std::uint32_t huge = 1u << 30;
    std::memcpy(orig.data() + 24 + 8, &huge, 4);
    p = t.write("huge.pcap", orig.data(), orig.size());
    e = pcap_error(p);
    BOOST_TEST(contains(e, "at byte offset 24: corrupt record header of frame 1 (captured length"), e);

    // Not Ethernet: link type 101 (raw IP).
    orig = read_bytes(capture_file("rtmfpcpp-tcserver-connect", ".pcap"));
    orig[20] = 101;
    p = t.write("raw.pcap", orig.data(), orig.size());
    e = pcap_error(p);
    BOOST_TEST(contains(e, "at byte offset 20: link type 101 is not Ethernet"), e);
}

BOOST_AUTO_TEST_CASE(bad_keys_lines) {
    BOOST_TEST(keys_error(std::string("# comment\n\n") + good_keys_line).empty());
    const auto kf = parse_keys(good_keys_line, "k");
    BOOST_REQUIRE(kf.sessions.size() == 1u);
    BOOST_TEST(kf.sessions[0].b2a.hmac_len == 16u);
    BOOST_TEST(kf.sessions[0].b2a.sseq);
    BOOST_TEST(kf.sessions[0].b_sid == 1u);

    auto with = [](const std::string& from, const std::string& to) {
        std::string l = good_keys_line;
        l.replace(l.find(from), from.size(), to);
        return "# header\n" + l;  // the bad line is line 2
    };
    const std::vector<std::pair<std::string, std::string>> cases{
        {with("udp ", "tcp "), "test.keys:2: expected 'udp'"},
        {with("198.19.1.11:46705", "198.19.1.11"), "test.keys:2: bad address A '198.19.1.11'"},
        {with("a_sid=02000000", "a_sid=0200"), "test.keys:2: a_sid must be 8 hex digits"},
        {with("a2b_key=32d8", "a2b_key=zzd8"), "test.keys:2: a2b_key must be 32 hex digits"},
        {with("a2b_hmac=-", "a2b_hmac=40:00"), "test.keys:2: a2b_hmac: HMAC length 40 outside 4..32"},
        {with("a2b_hmac=-", "a2b_hmac=x"), "test.keys:2: a2b_hmac must be '-' or LEN:HEX"},
        {with("a2b_sseq=0", "a2b_sseq=2"), "test.keys:2: a2b_sseq must be 0 or 1"},
        {with("a2b_sseq=0", "colour=blue"), "test.keys:2: unknown key 'colour'"},
        {with("b2a_sseq=1", ""), "test.keys:2: missing b2a_sseq"},
        {with("a2b_sseq=0", "a2b_sseq"), "test.keys:2: expected key=value, got 'a2b_sseq'"},
    };
    for (const auto& [text, expect] : cases) {
        const auto e = keys_error(text);
        BOOST_TEST(contains(e, expect), "want '" << expect << "', got '" << e << "'");
    }
}

BOOST_AUTO_TEST_CASE(truncated_frames_never_crash) {
    // Every frame of a capture cut at every length: each packet is decoded
    // or reported with a reason, never a crash (run under ASan/UBSan too).
    const auto frames = read_pcap(capture_file("librtmfp-monaserver2-connect", ".pcap"));
    const auto keys = load_keys(capture_file("librtmfp-monaserver2-connect", ".keys"));
    std::size_t reported = 0, decoded = 0;
    for (const auto& f : frames) {
        for (std::size_t n = 0; n < f.data.size(); ++n) {
            pcap_frame g = f;
            g.data.resize(n);
            const auto c = decode_capture({g}, &keys, "x", "y");
            BOOST_REQUIRE(c.packets.size() == 1u);
            const auto& p = c.packets[0];
            if (p.rtmfp) ++decoded;
            else ++reported;
            if (!p.rtmfp && p.errors.empty()) BOOST_ERROR("frame " << f.number << " cut at " << n << ": no reason");
        }
    }
    BOOST_TEST(reported > 0u);
    BOOST_TEST_MESSAGE(decoded << " cut frames still decoded, " << reported << " reported with a reason");
}

BOOST_AUTO_TEST_CASE(cli_exit_codes) {
    const char* exe = std::getenv("STRATO_DUMP");
    BOOST_REQUIRE_MESSAGE(exe, "STRATO_DUMP not set (meson sets it)");
    temp_dir t;
    const auto err = (t.path / "err.txt").string();
    auto run = [&](const std::string& args) {
        const int s = std::system((std::string(exe) + " " + args + " >/dev/null 2>" + err).c_str());
        return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
    };
    auto stderr_text = [&] {
        std::ifstream f(err);
        return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    };
    const auto pcap = capture_file("rtmfpcpp-tcserver-connect", ".pcap");
    const auto keys = capture_file("rtmfpcpp-tcserver-connect", ".keys");
    BOOST_TEST(run("--keys " + keys + " " + pcap) == 0);
    BOOST_TEST(run("--json --keys " + keys + " " + pcap) == 0);
    BOOST_TEST(run(pcap) == 0);  // handshakes only
    BOOST_TEST(run("") == 2);
    BOOST_TEST(run("--bogus " + pcap) == 2);
    BOOST_TEST(run((t.path / "missing.pcap").string()) == 1);
    BOOST_TEST(contains(stderr_text(), "missing.pcap: cannot open"));
    const auto bad = t.write("bad.keys", "udp x\n", 6);
    BOOST_TEST(run("--keys " + bad + " " + pcap) == 1);
    BOOST_TEST(contains(stderr_text(), "bad.keys:1: "), stderr_text());
    const auto cut = read_bytes(pcap);
    const auto p = t.write("cut.pcap", cut.data(), 100);
    BOOST_TEST(run(p) == 1);
    BOOST_TEST(contains(stderr_text(), "cut.pcap: at byte offset 40: truncated frame 1"), stderr_text());
}
