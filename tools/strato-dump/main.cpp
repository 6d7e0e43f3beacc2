// strato-dump [--keys FILE] [--json] FILE.pcap
// Decodes the RTMFP packets of a classic pcap in the format of the golden
// transcripts (../shared/captures/*.txt), or as JSON Lines.
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include "tools/strato-dump/decoder.hpp"
#include "tools/strato-dump/render.hpp"

namespace {
int usage(std::ostream& o, int code) {
    o << "usage: strato-dump [--keys FILE] [--json] FILE.pcap\n"
         "  --keys FILE  session keys (format: captures/README.md, '.keys')\n"
         "  --json       one JSON object per line instead of the transcript text\n"
         "  --write-plaintexts DIR  also write every decrypted plain packet to DIR\n"
         "               (<pcap>-<frame>.bin: a 0x00 mode byte, then the packet; the\n"
         "               input format of the wire fuzz target, used to seed it)\n";
    return code;
}
} // namespace

int main(int argc, char** argv) {
    std::string keys, pcap;
    bool json = false;
    std::string plaintext_dir;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--keys") {
            if (++i >= argc) return usage(std::cerr, 2);
            keys = argv[i];
        } else if (a.rfind("--keys=", 0) == 0) {
            keys = a.substr(7);
        } else if (a == "--write-plaintexts") {
            if (++i >= argc) return usage(std::cerr, 2);
            plaintext_dir = argv[i];
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
        if (!plaintext_dir.empty()) {
            for (const auto& p : c.packets) {
                if (p.packet.empty()) continue;
                const std::string path = plaintext_dir + "/" + c.pcap_name + "-" + std::to_string(p.frame) + ".bin";
                std::ofstream f(path, std::ios::binary);
                f.put('\0');
                f.write(reinterpret_cast<const char*>(p.packet.data()), static_cast<std::streamsize>(p.packet.size()));
                if (!f) throw strato::dump::dump_error(path + ": cannot write");
            }
        }
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
