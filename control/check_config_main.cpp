// strato-check-config FILE: validates stratod config files the way
// `stratod --check-config` does (exit 0 valid, 2 invalid, errors on stderr).
// --schema prints every key with its type, range, default and whether a
// running stratod can reload it.
#include <iostream>
#include <string_view>

#include "control/config.hpp"

namespace {

int usage() {
    std::cerr << "usage: strato-check-config FILE\n"
                 "       strato-check-config --schema\n";
    return strato::control::check_config_invalid_exit_code;
}

void print_schema() {
    for (const auto& k : strato::control::describe_config_schema()) {
        std::cout << k.path_ << "  (" << k.type_;
        if (!k.range_.empty()) std::cout << ", " << k.range_;
        std::cout << ", default " << k.default_ << ", "
                  << (k.reloadable_ ? "reloadable" : "restart") << ")\n    " << k.doc_ << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    if (argc == 2 && std::string_view(argv[1]) == "--schema") {
        print_schema();
        return 0;
    }
    // One file: error lines carry key paths, not file names.
    if (argc != 2 || std::string_view(argv[1]).starts_with("-")) return usage();
    return strato::control::check_config(argv[1], std::cout, std::cerr);
}
