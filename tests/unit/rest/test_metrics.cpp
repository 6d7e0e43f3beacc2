// /metrics checked by a small parser of the text exposition format 0.0.4:
// every sample belongs to a family with HELP and TYPE seen first, names and
// label names are valid, label values are correctly escaped, values parse.
#include <boost/test/unit_test.hpp>

#include <map>
#include <regex>
#include <set>

#include "control/rest/metrics.hpp"
#include "tests/unit/rest/util.hpp"

using namespace strato::rest;
using namespace strato::rest::testing;

namespace {

struct sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct exposition {
    std::map<std::string, std::string> types;
    std::set<std::string> helps;
    std::vector<sample> samples;
};

bool valid_name(const std::string& s) { return std::regex_match(s, std::regex("[a-zA-Z_:][a-zA-Z0-9_:]*")); }
bool valid_label(const std::string& s) { return std::regex_match(s, std::regex("[a-zA-Z_][a-zA-Z0-9_]*")); }

// Throws std::runtime_error naming the line on any violation.
exposition parse(const std::string& text) {
    exposition e;
    std::size_t pos = 0;
    std::string family;
    std::set<std::string> finished;   // families whose samples ended
    BOOST_REQUIRE(text.ends_with('\n'));
    while (pos < text.size()) {
        const auto eol = text.find('\n', pos);
        const std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        const auto bad = [&](const std::string& why) { throw std::runtime_error(why + ": " + line); };
        if (line.empty()) continue;
        if (line.starts_with("# HELP ")) {
            const auto rest = line.substr(7);
            const auto name = rest.substr(0, rest.find(' '));
            if (!valid_name(name)) bad("bad HELP name");
            if (!e.helps.insert(name).second) bad("HELP twice");
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            std::istringstream in(line.substr(7));
            std::string name, type;
            in >> name >> type;
            if (!valid_name(name)) bad("bad TYPE name");
            if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped") bad("bad type");
            if (e.types.count(name)) bad("TYPE twice");
            if (!family.empty()) finished.insert(family);
            family = name;
            e.types[name] = type;
            continue;
        }
        if (line.starts_with('#')) continue;
        sample s;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        s.name = line.substr(0, i);
        if (!valid_name(s.name)) bad("bad sample name");
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const auto eq = line.find('=', i);
                if (eq == std::string::npos) bad("label without =");
                const auto label = line.substr(i, eq - i);
                if (!valid_label(label)) bad("bad label name");
                i = eq + 1;
                if (i >= line.size() || line[i] != '"') bad("label value not quoted");
                ++i;
                std::string value;
                for (;; ++i) {
                    if (i >= line.size()) bad("unterminated label value");
                    if (line[i] == '"') break;
                    if (line[i] == '\\') {
                        ++i;
                        if (i >= line.size()) bad("dangling backslash");
                        if (line[i] == 'n') value += '\n';
                        else if (line[i] == '\\' || line[i] == '"') value += line[i];
                        else bad("bad escape");
                    } else {
                        value += line[i];
                    }
                }
                ++i;
                if (!s.labels.emplace(label, value).second) bad("label twice");
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size()) bad("unterminated labels");
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') bad("no value");
        const auto value = line.substr(i + 1);
        std::size_t used = 0;
        s.value = std::stod(value, &used);
        if (used != value.size()) bad("trailing text after value");
        // Every sample needs its family's TYPE, and families are contiguous.
        if (!e.types.count(s.name)) bad("sample without TYPE");
        if (s.name != family || finished.count(s.name)) bad("sample outside its family block");
        if (!e.helps.count(s.name)) bad("sample without HELP");
        if (e.types[s.name] == "counter" && !s.name.ends_with("_total")) bad("counter not named _total");
        e.samples.push_back(std::move(s));
    }
    return e;
}

double value_of(const exposition& e, const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& s : e.samples) {
        if (s.name == name && s.labels == labels) return s.value;
    }
    throw std::runtime_error("no sample " + name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(exposition_parses_and_has_the_numbers) {
    fixture f;
    f.backend.mutate(7);
    f.backend.add_peer(peer_info{fake_backend::make_id(50), "odd\"app\\name\nx", "1.2.3.4:5", {}, false, 1, 1, 0, 0});
    auto r = f.get("/metrics");
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.headers[http::field::content_type] == std::string(metrics_content_type));
    exposition e;
    try {
        e = parse(r.body);
    } catch (const std::exception& ex) {
        BOOST_FAIL(ex.what());
    }
    BOOST_TEST(e.samples.size() > 20u);
    BOOST_TEST(e.types.at("strato_rx_packets_total") == "counter");
    BOOST_TEST(e.types.at("strato_peers") == "gauge");
    BOOST_TEST(value_of(e, "strato_rx_packets_total", {{"lcore", "1"}, {"port", "0"}}) == 7.0);
    BOOST_TEST(value_of(e, "strato_drops_total", {{"lcore", "2"}, {"reason", "bad_checksum"}}) == 1.0);
    // The awkward names survive escaping and come back identical.
    BOOST_TEST(value_of(e, "strato_drops_total", {{"lcore", "2"}, {"reason", "weird \"quoted\"\\reason"}}) == 0.0);
    BOOST_TEST(value_of(e, "strato_peers", {{"app", "odd\"app\\name\nx"}}) == 1.0);
    BOOST_TEST(value_of(e, "strato_stage_packets_total", {{"lcore", "1"}, {"stage", "ihello"}}) == 7.0);
    BOOST_TEST(value_of(e, "strato_up", {}) == 1.0);
    BOOST_TEST(value_of(e, "strato_rest_requests_total", {{"class", "2xx"}}) >= 0.0);
    for (const auto& s : e.samples) BOOST_TEST((s.labels.count("reason") == 0u || s.labels.at("reason") != "none"));
}

BOOST_AUTO_TEST_CASE(parser_catches_mistakes) {
    BOOST_CHECK_THROW(parse("x_total 1\n"), std::runtime_error);
    BOOST_CHECK_THROW(parse("# HELP a h\n# TYPE a gauge\na{l=\"x\\q\"} 1\n"), std::runtime_error);
    BOOST_CHECK_THROW(parse("# HELP a h\n# TYPE a gauge\na{9l=\"x\"} 1\n"), std::runtime_error);
    BOOST_CHECK_NO_THROW(parse("# HELP a h\n# TYPE a gauge\na{l=\"x\\\"\"} 1\n"));
    BOOST_TEST(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

BOOST_AUTO_TEST_SUITE_END()
