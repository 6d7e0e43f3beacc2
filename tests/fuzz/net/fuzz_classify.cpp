// libFuzzer target for the worker's L2/L3 classifier. The input is a frame;
// its first byte picks how much writable room follows the frame, the reply
// payload size tried on UDP datagrams, and whether to steer the frame (our
// MAC, fixed-up checksums, NIC-verified checksums). The frame is copied into a heap
// block of exactly the chosen capacity so AddressSanitizer catches any
// access outside it; the library's promises are checked with abort().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "dataplane/net/arp.hpp"
#include "dataplane/net/checksum.hpp"
#include "dataplane/net/classify.hpp"
#include "dataplane/net/ndp.hpp"
#include "dataplane/net/udp.hpp"

namespace {

strato::net::l3_config make_config() {
    using namespace strato::net;
    l3_config c;
    c.mac = mac_address{{0x02, 0, 0, 0, 0, 0x01}};
    c.ipv4[0] = {ipv4_address{{198, 18, 0, 1}}, 24};
    c.ipv4[1] = {ipv4_address{{198, 19, 0, 1}}, 16};
    c.ipv4_count = 2;
    c.ipv6[0] = {ipv6_address{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}, 64};
    c.ipv6_count = 1;
    c.udp_ports[0] = 1935;
    c.udp_port_count = 1;
    c.ipv4_gateway = ipv4_address{{198, 18, 0, 254}};
    return c;
}

const strato::net::l3_config config = make_config();
strato::net::fixed_neighbour_cache<64> cache(1000, 0x5eed);
std::uint64_t clock_now = 0;

// Random bytes almost never carry our MAC or a right checksum; the knobs
// let the fuzzer ask for them so that the deeper stages get exercised.
void steer(std::uint8_t* f, std::size_t n, std::uint8_t knobs) {
    using namespace strato::net;
    if ((knobs & 0x40) && n >= 6) store(f, config.mac);
    if (!(knobs & 0x20) || n < ethernet_header_size) return;
    std::size_t l2 = ethernet_header_size;
    if (load_u16(f + 12) == ethertype_vlan) l2 += vlan_tag_size;
    if (n < l2 + 2) return;
    const std::uint16_t type = load_u16(f + l2 - 2);
    std::uint8_t* l3 = f + l2;
    const std::size_t rest = n - l2;
    if (type == ethertype_ipv4 && rest >= ipv4_header_size) {
        const std::size_t ihl = static_cast<std::size_t>(l3[0] & 0x0f) * 4;
        if (ihl < ipv4_header_size || ihl > rest) return;
        store_u16(l3 + 10, 0);
        store_u16(l3 + 10, checksum_finish(checksum_add(l3, ihl)));
        const std::size_t total = load_u16(l3 + 2);
        if (l3[9] == ip_protocol_icmp && total >= ihl + 4 && total <= rest) {
            store_u16(l3 + ihl + 2, 0);
            store_u16(l3 + ihl + 2, checksum_finish(checksum_add(l3 + ihl, total - ihl)));
        }
    } else if (type == ethertype_ipv6 && rest >= ipv6_header_size + 4 && l3[6] == ip_protocol_icmpv6) {
        const std::size_t len = load_u16(l3 + 4);
        if (len < 4 || ipv6_header_size + len > rest) return;
        std::uint8_t* m = l3 + ipv6_header_size;
        store_u16(m + 2, 0);
        const std::uint32_t sum = pseudo_header_sum(load_ipv6(l3 + 8), load_ipv6(l3 + 24), ip_protocol_icmpv6,
                                                    static_cast<std::uint32_t>(len));
        store_u16(m + 2, checksum_finish(checksum_add(m, len, sum)));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace strato::net;
    if (size < 1) return 0;
    const std::uint8_t knobs = data[0];
    ++data;
    --size;
    const std::size_t room = (knobs & 0x03) * 8;         // 0, 8, 16 or 24 bytes of tailroom
    const std::size_t reply_payload = ((knobs >> 2) & 0x07) * 61;  // 0..427
    const std::size_t capacity = size + room;
    std::unique_ptr<std::uint8_t[]> frame(new std::uint8_t[capacity ? capacity : 1]);
    if (size) std::memcpy(frame.get(), data, size);
    if (room) std::memset(frame.get() + size, 0xa5, room);
    steer(frame.get(), size, knobs);

    classify_context ctx{&cache, ++clock_now, static_cast<std::uint8_t>(knobs & 0x80 ? rx_ipv4_checksum_good | rx_l4_checksum_good : 0)};
    std::span<std::uint8_t> buf(frame.get(), capacity);
    classification c = classify(config, buf, size, ctx);
    switch (c.kind) {
    case verdict::reply:
        if (c.reply_length > capacity || c.reply_length < ethernet_header_size) std::abort();
        break;
    case verdict::udp: {
        const auto& d = c.udp;
        if (std::size_t{d.payload_offset} + d.payload_length > size) std::abort();
        if (d.reply_payload_offset > d.payload_offset) std::abort();
        if (d.reply_payload_offset + reply_payload <= capacity) {
            std::memset(frame.get() + d.reply_payload_offset, 0x5a, reply_payload);
            udp_frame f = finish_udp_reply(config, d, buf, reply_payload, checksum_mode::software);
            if (f.frame_length != d.reply_payload_offset + reply_payload) std::abort();
        }
        break;
    }
    case verdict::drop:
        if (c.reason == strato::wire::drop_reason::none) std::abort();
        break;
    case verdict::consumed:
        break;
    }
    // The builders for originated packets, steered by the input.
    if (size >= 4) {
        std::uint8_t out[128];
        ipv4_address t4{{data[0], data[1], data[2], data[3]}};
        if (build_arp_request(config, t4, knobs & 1, 7, out) == 0) std::abort();
        mac_address m;
        (void)resolve(config, cache, t4, clock_now, m);
    }
    if (size >= 16) {
        std::uint8_t out[128];
        ipv6_address t6;
        std::memcpy(t6.bytes.data(), data, 16);
        if (build_neighbor_solicitation(config, t6, knobs & 1, 7, out) == 0) std::abort();
    }
    return 0;
}
