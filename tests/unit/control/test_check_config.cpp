// `stratod --check-config` behaviour: check_config() in-process and the
// strato-check-config tool's exit codes and output.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "control/config.hpp"

using namespace strato::control;

namespace {

const std::string examples = std::string(STRATO_SOURCE_ROOT) + "/control/examples/";

// A file removed when the test ends, even when it fails.
struct temp_file {
    std::string path_;
    explicit temp_file(const std::string& tag, const std::string& text = "")
        : path_("/tmp/strato-control-test-" + std::to_string(::getpid()) + "-" + tag) {
        std::ofstream(path_) << text;
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct run_result {
    int exit_code_ = -1;
    std::string out_;
    std::string err_;
};

run_result run_tool(const std::string& args) {
    temp_file out("out");
    temp_file err("err");
    const auto command =
        std::string(STRATO_CHECK_CONFIG) + " " + args + " >" + out.path_ + " 2>" + err.path_;
    const int status = std::system(command.c_str());
    run_result r;
    r.exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out_ = slurp(out.path_);
    r.err_ = slurp(err.path_);
    return r;
}

const std::string bad_text =
    "[[ports]]\ndevice = \"net_null0\"\nipv4 = [\"198.18.0.300/24\"]\nipv5 = 1\n";
const std::string bad_errors =
    "ports[0].ipv4: \"198.18.0.300\" is not an IPv4 address\n"
    "ports[0].ipv5: unknown key\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(check_config_tool)

BOOST_AUTO_TEST_CASE(in_process_valid_and_invalid) {
    std::ostringstream out;
    std::ostringstream err;
    BOOST_TEST(check_config(examples + "null-bench.toml", out, err) == 0);
    BOOST_TEST(out.str() == examples + "null-bench.toml: configuration is valid\n");
    BOOST_TEST(err.str().empty());

    temp_file bad("bad.toml", bad_text);
    std::ostringstream out2;
    std::ostringstream err2;
    BOOST_TEST(check_config(bad.path_, out2, err2) == 2);
    BOOST_TEST(out2.str().empty());
    BOOST_TEST(err2.str() == bad_errors);
}

BOOST_AUTO_TEST_CASE(tool_exit_codes) {
    for (const auto* name : {"null-bench.toml", "af-packet-veth.toml", "pci-nic.toml"}) {
        BOOST_TEST_CONTEXT(name) {
            const auto r = run_tool(examples + name);
            BOOST_TEST(r.exit_code_ == 0);
            BOOST_TEST(r.out_ == examples + name + ": configuration is valid\n");
            BOOST_TEST(r.err_.empty());
        }
    }
    temp_file bad("bad.toml", bad_text);
    const auto r = run_tool(bad.path_);
    BOOST_TEST(r.exit_code_ == 2);
    BOOST_TEST(r.out_.empty());
    BOOST_TEST(r.err_ == bad_errors);
}

BOOST_AUTO_TEST_CASE(tool_unreadable_file_and_usage) {
    const auto missing = run_tool("/nonexistent/stratod.toml");
    BOOST_TEST(missing.exit_code_ == 2);
    BOOST_TEST(missing.err_ ==
               "/nonexistent/stratod.toml: cannot read: No such file or directory\n");
    const auto directory = run_tool("/tmp");
    BOOST_TEST(directory.exit_code_ == 2);
    BOOST_TEST(directory.err_ == "/tmp: cannot read: is a directory\n");
    const auto usage = run_tool("");
    BOOST_TEST(usage.exit_code_ == 2);
    BOOST_TEST(usage.err_.find("usage: strato-check-config FILE") == 0U);
    const auto schema = run_tool("--schema");
    BOOST_TEST(schema.exit_code_ == 0);
    BOOST_TEST(schema.out_.find("ports[].ipv4  (array of strings") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
