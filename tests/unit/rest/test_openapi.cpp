// The OpenAPI document in the repository and the routes the server serves
// must be the same set, both ways, and every route's auth must be declared.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/unit/rest/util.hpp"

namespace json = boost::json;
using namespace strato::rest;
using namespace strato::rest::testing;

BOOST_AUTO_TEST_SUITE(openapi)

BOOST_AUTO_TEST_CASE(routes_and_document_match) {
    std::ifstream in(STRATO_SOURCE_ROOT "/control/rest/openapi.json");
    BOOST_REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    // The compiled-in copy is the file in the repository.
    BOOST_TEST(std::string(openapi_document()) + "\n" == text.str());
    const auto doc = json::parse(text.str()).as_object();
    BOOST_TEST(doc.at("openapi").as_string().starts_with("3.0"));

    std::set<std::pair<std::string, std::string>> documented, served;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const auto& [method, op] : item.as_object()) {
            std::string m(method);
            for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.emplace(m, std::string(path));
            const bool secured = op.as_object().contains("security");
            bool needs = false;
            for (const auto& r : served_routes()) {
                if (r.method == m && r.path == path) needs = r.needs_token;
            }
            BOOST_TEST(secured == needs, m << " " << path << ": security in the document must match the server");
            // Every operation documents its errors.
            BOOST_TEST(op.at("responses").as_object().contains("400"), m << " " << path);
            if (needs) BOOST_TEST(op.at("responses").as_object().contains("401"), m << " " << path);
        }
    }
    for (const auto& r : served_routes()) served.emplace(std::string(r.method), std::string(r.path));
    for (const auto& s : served) BOOST_TEST(documented.count(s) == 1u, s.first << " " << s.second << " is not in openapi.json");
    for (const auto& d : documented) BOOST_TEST(served.count(d) == 1u, d.first << " " << d.second << " is documented but not served");

    // And the server really answers each route (not 404/405).
    fixture f;
    for (const auto& [method, path] : served) {
        auto target = path;
        if (auto p = target.find('{'); p != std::string::npos) target = target.substr(0, p) + std::string(64, 'b');
        const auto verb = http::string_to_verb(method);
        auto r = f.request(verb, target, {}, {}, true);
        BOOST_TEST((r.status != 404u || r.error_code() == "not_found"), method << " " << path);
        BOOST_TEST(r.status != 405u, method << " " << path);
    }
}

BOOST_AUTO_TEST_SUITE_END()
