// Every endpoint with and without the token, bad inputs, config and apps
// edits, kick.
#include <boost/test/unit_test.hpp>

#include "tests/unit/rest/util.hpp"

namespace json = boost::json;
using namespace strato::rest;
using namespace strato::rest::testing;
using http::verb;

BOOST_AUTO_TEST_SUITE(api)

BOOST_AUTO_TEST_CASE(health_ok_and_degraded) {
    fixture f;
    auto r = f.get("/v1/health");
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.json().at("status").as_string() == "ok");
    f.backend.set_health(health_status{false, {"port 0: link down"}});
    r = f.get("/v1/health");
    BOOST_TEST(r.status == 503u);
    BOOST_TEST(r.json().at("status").as_string() == "degraded");
    BOOST_TEST(r.json().at("reasons").as_array().at(0).as_string() == "port 0: link down");
}

BOOST_AUTO_TEST_CASE(stats_totals_agree_with_lcores) {
    fixture f;
    f.backend.mutate(5);
    auto r = f.get("/v1/stats");
    BOOST_REQUIRE(r.status == 200u);
    const auto j = r.json();
    BOOST_TEST(j.at("workers").to_number<std::uint64_t>() == 2u);
    BOOST_TEST(j.at("totals").at("rx_packets").to_number<std::uint64_t>() == 10u);
    BOOST_TEST(j.at("lcores").as_array().size() == 2u);
    BOOST_TEST(j.at("lcores").at(0).at("rx_packets").to_number<std::uint64_t>() == 5u);
    BOOST_TEST(j.at("ports").at(0).at("rx_bytes").to_number<std::uint64_t>() == 600u);
    BOOST_TEST(j.at("drop_reasons").at("bad_checksum").to_number<std::uint64_t>() == 2u);
    BOOST_TEST(!j.at("drop_reasons").as_object().contains("none"));
    BOOST_TEST(j.at("stages").at("ihello").to_number<std::uint64_t>() == 10u);
    // A GET with the token works too; reads never need it.
    BOOST_TEST(f.get("/v1/stats", true).status == 200u);
}

BOOST_AUTO_TEST_CASE(peers_pages_filter_and_lookup) {
    fixture f;
    for (std::uint64_t i = 10; i < 25; ++i) {
        f.backend.add_peer(peer_info{fake_backend::make_id(i), "live", "198.51.100.1:1", {}, true, 1, 1, 0, 0});
    }
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto r = f.get("/v1/peers?app=live&limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor));
        BOOST_REQUIRE(r.status == 200u);
        const auto j = r.json();
        for (const auto& p : j.at("peers").as_array()) {
            BOOST_TEST(p.at("app").as_string() == "live");
            seen.emplace_back(p.at("peer_id").as_string());
        }
        cursor = j.at("next_cursor").is_null() ? "" : std::string(j.at("next_cursor").as_string());
        ++pages;
    } while (!cursor.empty() && pages < 20);
    BOOST_TEST(seen.size() == 16u);  // 15 added + peer 1
    BOOST_TEST(pages == 4);

    auto one = f.get("/v1/peers/" + fake_backend::make_id(1));
    BOOST_REQUIRE(one.status == 200u);
    BOOST_TEST(one.json().at("public_address").as_string() == "198.51.100.7:50123");
    BOOST_TEST(one.json().at("private_addresses").at(0).as_string() == "10.0.0.2:50123");
    // Upper-case hex is the same peer.
    auto upper = fake_backend::make_id(1);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BOOST_TEST(f.get("/v1/peers/" + upper).status == 200u);

    auto missing = f.get("/v1/peers/" + fake_backend::make_id(999));
    BOOST_TEST(missing.status == 404u);
    BOOST_TEST(missing.error_code() == "not_found");
}

BOOST_AUTO_TEST_CASE(peers_bad_parameters_name_the_field) {
    fixture f;
    for (const char* q : {"limit=0", "limit=1001", "limit=abc", "limit=", "limit=-1"}) {
        auto r = f.get(std::string("/v1/peers?") + q);
        BOOST_TEST(r.status == 400u, q);
        BOOST_TEST(r.json().at("error").at("field").as_string() == "limit", q);
    }
    auto r = f.get("/v1/peers?colour=red");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.error_code() == "unknown_parameter");
    BOOST_TEST(r.json().at("error").at("field").as_string() == "colour");
    r = f.get("/v1/peers?limit=1&limit=2");
    BOOST_TEST(r.status == 400u);
    r = f.get("/v1/peers?cursor=zz");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "cursor");
    r = f.get("/v1/peers/not-hex");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "peer_id");
    r = f.get("/v1/peers?app=%zz");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(f.get("/v1/nothing").status == 404u);
    r = f.request(verb::post, "/v1/stats");
    BOOST_TEST(r.status == 405u);
    BOOST_TEST(r.error_code() == "method_not_allowed");
}

BOOST_AUTO_TEST_CASE(groups_list_and_members) {
    fixture f;
    auto r = f.get("/v1/groups");
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("groups").as_array().size() == 1u);
    BOOST_TEST(!r.json().at("groups").at(0).as_object().contains("members"));
    r = f.get("/v1/groups/" + std::string(64, 'b'));
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("member_count").to_number<std::uint64_t>() == 1u);
    BOOST_TEST(r.json().at("members").at(0).as_string() == fake_backend::make_id(1));
    BOOST_TEST(f.get("/v1/groups/" + std::string(64, 'c')).status == 404u);
    BOOST_TEST(f.get("/v1/groups/xyz").status == 400u);
}

BOOST_AUTO_TEST_CASE(kick_needs_token_and_closes) {
    fixture f;
    const auto id = fake_backend::make_id(1);
    auto r = f.request(verb::delete_, "/v1/peers/" + id);
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(r.error_code() == "unauthorized");
    BOOST_TEST(r.headers[http::field::www_authenticate].starts_with("Bearer"));
    r = f.request(verb::delete_, "/v1/peers/" + id, {}, {{"Authorization", "Bearer wrong-token-0123456789abc"}});
    BOOST_TEST(r.status == 403u);
    BOOST_TEST(r.error_code() == "forbidden");
    r = f.request(verb::delete_, "/v1/peers/" + id, {}, {{"Authorization", "Basic abc"}});
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(f.backend.kicked().empty());
    r = f.request(verb::delete_, "/v1/peers/" + id, {}, {}, true);
    BOOST_TEST(r.status == 202u);
    BOOST_TEST(r.json().at("status").as_string() == "closing");
    BOOST_TEST(f.backend.kicked().size() == 1u);
    BOOST_TEST(f.get("/v1/peers/" + id).status == 404u);
    BOOST_TEST(f.request(verb::delete_, "/v1/peers/" + id, {}, {}, true).status == 404u);
}

BOOST_AUTO_TEST_CASE(no_configured_token_refuses_mutations) {
    server_options o;
    fixture f(o);
    f.server->set_token("");
    auto r = f.request(verb::delete_, "/v1/peers/" + fake_backend::make_id(1), {}, {}, true);
    BOOST_TEST(r.status == 403u);
    BOOST_TEST(std::string(r.json().at("error").at("message").as_string()).find("rest.token") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(config_get_needs_token) {
    fixture f;
    BOOST_TEST(f.get("/v1/config").status == 401u);
    auto r = f.get("/v1/config", true);
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(std::string(r.json().at("toml").as_string()).find("net_null0") != std::string::npos);
    BOOST_TEST(r.json().at("config").at("ports").at(0).at("device").as_string() == "net_null0");
}

BOOST_AUTO_TEST_CASE(config_put_good_applies) {
    fixture f;
    auto text = base_config();
    text.replace(text.find("log_level = \"warn\""), 18, "log_level = \"debug\"");
    // Dry run first: reported, not applied.
    auto r = f.request(verb::put, "/v1/config?dry_run=true", text, {{"Content-Type", "application/toml"}}, true);
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("applied").at(0).at("field").as_string() == "server.log_level");
    BOOST_TEST(f.backend.config_toml() == base_config());
    // Then for real, wrapped in JSON this time.
    json::object body{{"toml", text}};
    r = f.request(verb::put, "/v1/config", json::serialize(body), {{"Content-Type", "application/json"}}, true);
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("dry_run").as_bool() == false);
    BOOST_TEST(r.json().at("applied").at(0).at("new").as_string() == "\"debug\"");
    BOOST_TEST(f.backend.config_toml() == text);
    // A restart-only key is reported as such.
    auto text2 = text;
    text2.replace(text2.find("net_null0"), 9, "net_null1");
    r = f.request(verb::put, "/v1/config", text2, {}, true);
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("restart_required").as_array().size() >= 1u);
}

BOOST_AUTO_TEST_CASE(config_put_bad_lists_every_error_and_changes_nothing) {
    fixture f;
    auto text = base_config(R"(
[sessions]
max_peers = 0
idle_timeout_seconds = 1
)");
    text.replace(text.find("198.18.0.1/24"), 13, "198.18.0.300/24");
    const auto before = f.backend.config_toml();
    auto r = f.request(verb::put, "/v1/config", text, {}, true);
    BOOST_REQUIRE(r.status == 400u);
    BOOST_TEST(r.error_code() == "invalid_config");
    const auto body = r.json();
    const auto& details = body.at("error").at("details").as_array();
    BOOST_TEST(details.size() >= 3u);
    std::vector<std::string> fields;
    for (const auto& d : details) fields.emplace_back(d.at("field").as_string());
    for (const char* want : {"ports[0].ipv4", "sessions.max_peers", "sessions.idle_timeout_seconds"}) {
        BOOST_TEST((std::find(fields.begin(), fields.end(), want) != fields.end()), want);
    }
    BOOST_TEST(f.backend.config_toml() == before);
    // Syntax errors, unknown keys, JSON wrapping errors, media type, token.
    r = f.request(verb::put, "/v1/config", "this is = = not toml", {}, true);
    BOOST_TEST(r.status == 400u);
    r = f.request(verb::put, "/v1/config", base_config("\n[bogus]\nx = 1\n"), {}, true);
    BOOST_TEST(r.status == 400u);
    r = f.request(verb::put, "/v1/config", R"({"toml": 5})", {{"Content-Type", "application/json"}}, true);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "toml");
    r = f.request(verb::put, "/v1/config", R"({"toml": "", "extra": 1})", {{"Content-Type", "application/json"}}, true);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "extra");
    r = f.request(verb::put, "/v1/config", R"({"toml": )", {{"Content-Type", "application/json"}}, true);
    BOOST_TEST(r.error_code() == "invalid_json");
    r = f.request(verb::put, "/v1/config", "x", {{"Content-Type", "image/png"}}, true);
    BOOST_TEST(r.status == 415u);
    r = f.request(verb::put, "/v1/config?dry_run=maybe", base_config(), {}, true);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "dry_run");
    BOOST_TEST(f.request(verb::put, "/v1/config", base_config()).status == 401u);
    BOOST_TEST(f.backend.config_toml() == before);
}

BOOST_AUTO_TEST_CASE(apps_list_add_remove) {
    fixture f;
    BOOST_TEST(f.get("/v1/apps").status == 401u);
    auto r = f.get("/v1/apps", true);
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("apps").at(0).at("path").as_string() == "live");
    BOOST_TEST(r.json().at("apps").at(0).at("developer_keys").at(0).as_string() == "key-one");

    r = f.request(verb::post, "/v1/apps", R"({"path": "chat", "developer_keys": ["k2"], "max_peers": 10})", {}, true);
    BOOST_REQUIRE(r.status == 201u);
    BOOST_TEST(f.get("/v1/apps", true).json().at("apps").as_array().size() == 2u);
    BOOST_TEST(f.backend.store().config().apps_.at(1).max_peers_.value() == 10u);

    BOOST_TEST(f.request(verb::post, "/v1/apps", R"({"path": "chat"})", {}, true).status == 409u);
    r = f.request(verb::post, "/v1/apps", R"({"path": "/bad path"})", {}, true);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.json().at("error").at("details").at(0).at("field").as_string() == "apps[2].path");
    r = f.request(verb::post, "/v1/apps", R"({"path": "x", "max_peers": "ten"})", {}, true);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "max_peers");
    r = f.request(verb::post, "/v1/apps", R"({"path": "x", "max_peers": -1})", {}, true);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "max_peers");
    r = f.request(verb::post, "/v1/apps", R"({"path": "x", "developer_keys": [1]})", {}, true);
    BOOST_TEST(r.json().at("error").at("field").as_string() == "developer_keys[0]");
    r = f.request(verb::post, "/v1/apps", R"({"path": "x", "colour": "red"})", {}, true);
    BOOST_TEST(r.error_code() == "unknown_field");
    BOOST_TEST(r.json().at("error").at("field").as_string() == "colour");
    r = f.request(verb::post, "/v1/apps", R"({"developer_keys": []})", {}, true);
    BOOST_TEST(r.error_code() == "missing_field");
    r = f.request(verb::post, "/v1/apps", R"([1,2])", {}, true);
    BOOST_TEST(r.error_code() == "invalid_json");
    r = f.request(verb::post, "/v1/apps", R"({"path": "x",})", {}, true);
    BOOST_TEST(r.error_code() == "invalid_json");
    BOOST_TEST(f.request(verb::post, "/v1/apps", R"({"path": "y"})").status == 401u);
    BOOST_TEST(f.get("/v1/apps", true).json().at("apps").as_array().size() == 2u);

    BOOST_TEST(f.request(verb::delete_, "/v1/apps?path=chat").status == 401u);
    BOOST_TEST(f.request(verb::delete_, "/v1/apps?path=chat", {}, {}, true).status == 200u);
    BOOST_TEST(f.request(verb::delete_, "/v1/apps?path=chat", {}, {}, true).status == 404u);
    BOOST_TEST(f.request(verb::delete_, "/v1/apps", {}, {}, true).status == 400u);
    BOOST_TEST(f.get("/v1/apps", true).json().at("apps").as_array().size() == 1u);
}

BOOST_AUTO_TEST_CASE(constant_time_compare) {
    BOOST_TEST(constant_time_equal("abc", "abc"));
    BOOST_TEST(!constant_time_equal("abd", "abc"));
    BOOST_TEST(!constant_time_equal("ab", "abc"));
    BOOST_TEST(!constant_time_equal("abcd", "abc"));
    BOOST_TEST(!constant_time_equal("", "abc"));
    BOOST_TEST(!constant_time_equal("abcabc", "abc"));
}

BOOST_AUTO_TEST_CASE(openapi_and_head) {
    fixture f;
    auto r = f.get("/v1/openapi.json");
    BOOST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.json().at("openapi").as_string().starts_with("3.0"));
    r = f.request(verb::head, "/v1/health");
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body.empty());
}

BOOST_AUTO_TEST_SUITE_END()
