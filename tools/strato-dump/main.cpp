// strato-dump [--keys FILE] [--json] FILE.pcap
// Decodes the RTMFP packets of a classic pcap in the format of the golden
// transcripts (../shared/captures/*.txt), or as JSON Lines.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "tools/strato-dump/decoder.hpp"
#include "tools/strato-dump/render.hpp"

namespace {
int usage(std::ostream& o, int code) {
    o << "usage: strato-dump [--keys FILE] [--json] FILE.pcap\n"
         "  --keys FILE  session keys (format: captures/README.md, '.keys')\n"
         "  --json       one JSON object per line instead of the transcript text\n";
    return code;
}
} // namespace

int main(int argc, char** argv) {
    std::string keys, pcap;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--keys") {
            if (++i >= argc) return usage(std::cerr, 2);
            keys = argv[i];
        } else if (a.rfind("--keys=", 0) == 0) {
            keys = a.substr(7);
        } else if (a == "--json") {
            json = true;
        } else if (a == "-h" || a == "--help") {
            return usage(std::cout, 0);
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "strato-dump: unknown option " << a << "\n";
            return usage(std::cerr, 2);
        } else if (pcap.empty()) {
            pcap = a;
        } else {
            std::cerr << "strato-dump: more than one pcap file given\n";
            return usage(std::cerr, 2);
        }
    }
    if (pcap.empty()) return usage(std::cerr, 2);
    try {
        const auto c = strato::dump::decode_file(pcap, keys);
        if (json) strato::dump::write_json(std::cout, c);
        else strato::dump::write_text(std::cout, c);
        std::cout.flush();
    } catch (const strato::dump::dump_error& e) {
        std::cerr << "strato-dump: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "strato-dump: " << pcap << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
