#include "tools/strato-dump/pcap_input.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace strato::dump {
namespace {

constexpr std::uint32_t magic_usec = 0xa1b2c3d4;
constexpr std::uint32_t magic_nsec = 0xa1b23c4d;
constexpr std::uint32_t magic_pcapng = 0x0a0d0d0a;
constexpr std::size_t global_header_size = 24;
constexpr std::size_t record_header_size = 16;
// libpcap refuses records above 256 KiB for Ethernet (MAXIMUM_SNAPLEN).
constexpr std::uint32_t max_record = 262144;
constexpr int linktype_ethernet = 1;

std::uint32_t swap32(std::uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

std::string where(const std::string& path, long offset) {
    return path + ": at byte offset " + std::to_string(offset) + ": ";
}

struct file_closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
struct pcap_closer {
    void operator()(pcap_t* p) const { pcap_close(p); }
};

} // namespace

void validate_pcap(const std::string& path) {
    std::unique_ptr<std::FILE, file_closer> f(std::fopen(path.c_str(), "rb"));
    if (!f) throw dump_error(path + ": cannot open: " + std::strerror(errno));
    unsigned char gh[global_header_size];
    const std::size_t got = std::fread(gh, 1, sizeof gh, f.get());
    if (got == 0) throw dump_error(where(path, 0) + "empty file, expected a 24-byte pcap global header");
    std::uint32_t magic = 0;
    if (got >= 4) std::memcpy(&magic, gh, 4);
    const bool swapped = magic == swap32(magic_usec) || magic == swap32(magic_nsec);
    if (got >= 4 && (magic == magic_pcapng))
        throw dump_error(where(path, 0) + "pcapng file; only classic pcap is supported (convert with editcap -F pcap)");
    if (got < 4 || !(magic == magic_usec || magic == magic_nsec || swapped)) {
        char m[32];
        std::snprintf(m, sizeof m, "0x%02x%02x%02x%02x", gh[0], got > 1 ? gh[1] : 0, got > 2 ? gh[2] : 0,
                      got > 3 ? gh[3] : 0);
        throw dump_error(where(path, 0) + "not a classic pcap file (magic " + m + ")");
    }
    if (got < global_header_size)
        throw dump_error(where(path, static_cast<long>(got)) + "truncated pcap global header (" + std::to_string(got) +
                         " of 24 bytes)");
    const bool nsec = magic == magic_nsec || magic == swap32(magic_nsec);
    auto u32 = [&](const unsigned char* p) {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return swapped ? swap32(v) : v;
    };
    const std::uint32_t linktype = u32(gh + 20) & 0x0fffffffu;
    if (linktype != linktype_ethernet)
        throw dump_error(where(path, 20) + "link type " + std::to_string(linktype) + " is not Ethernet (1)");

    std::uint64_t record = 0;
    for (;;) {
        const long offset = std::ftell(f.get());
        unsigned char rh[record_header_size];
        const std::size_t n = std::fread(rh, 1, sizeof rh, f.get());
        if (n == 0) break;  // clean end of file
        ++record;
        if (n < record_header_size)
            throw dump_error(where(path, offset) + "truncated record header of frame " + std::to_string(record) +
                             " (" + std::to_string(n) + " of 16 bytes)");
        const std::uint32_t frac = u32(rh + 4);
        const std::uint32_t incl = u32(rh + 8);
        if (frac >= (nsec ? 1000000000u : 1000000u))
            throw dump_error(where(path, offset) + "corrupt record header of frame " + std::to_string(record) +
                             " (sub-second timestamp " + std::to_string(frac) + " out of range)");
        if (incl > max_record)
            throw dump_error(where(path, offset) + "corrupt record header of frame " + std::to_string(record) +
                             " (captured length " + std::to_string(incl) + " above 262144)");
        if (incl > 0 && std::fseek(f.get(), static_cast<long>(incl) - 1, SEEK_CUR) != 0)
            throw dump_error(where(path, offset) + "cannot seek in the file");
        // Read the record's last byte: proves the whole record is present.
        unsigned char last = 0;
        if (incl > 0 && std::fread(&last, 1, 1, f.get()) != 1) {
            std::fseek(f.get(), 0, SEEK_END);
            const long size = std::ftell(f.get());
            throw dump_error(where(path, offset + static_cast<long>(record_header_size)) + "truncated frame " +
                             std::to_string(record) + ": record says " + std::to_string(incl) + " bytes, only " +
                             std::to_string(size - offset - static_cast<long>(record_header_size)) + " remain");
        }
    }
}

std::vector<pcap_frame> read_pcap(const std::string& path) {
    validate_pcap(path);
    char err[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, pcap_closer> p(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err));
    if (!p) throw dump_error(path + ": libpcap: " + err);
    std::vector<pcap_frame> frames;
    for (;;) {
        pcap_pkthdr* h = nullptr;
        const u_char* data = nullptr;
        const int r = pcap_next_ex(p.get(), &h, &data);
        if (r == PCAP_ERROR_BREAK) break;
        if (r != 1) throw dump_error(path + ": libpcap: frame " + std::to_string(frames.size() + 1) + ": " +
                                     pcap_geterr(p.get()));
        pcap_frame fr;
        fr.number = frames.size() + 1;
        fr.ts_usec = static_cast<std::uint64_t>(h->ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(h->ts.tv_usec);
        fr.data.assign(data, data + h->caplen);
        frames.push_back(std::move(fr));
    }
    return frames;
}

} // namespace strato::dump
