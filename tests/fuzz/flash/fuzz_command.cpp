// libFuzzer target: RTMP framing, the command readers, flow metadata and
// the GC join parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dataplane/flash/command.hpp"
#include "dataplane/flash/group.hpp"
#include "dataplane/flash/metadata.hpp"
#include "dataplane/flash/rtmp.hpp"

using namespace strato;
using namespace strato::flash;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const wire::bytes in{data, size};
    (void)read_flow_metadata(in);
    (void)read_group_join(in);
    auto m = read_rtmp_message(in);
    if (!m) return 0;
    auto p = amf_payload(*m);
    if (!p) return 0;
    auto c = read_command(*p);
    if (!c) return 0;
    // Run every reader whatever the name says, so each sees every shape.
    command_view cv = *c;
    for (auto k : {command_kind::connect, command_kind::set_peer_info, command_kind::create_stream,
                   command_kind::delete_stream, command_kind::play, command_kind::publish, command_kind::relay}) {
        cv.kind = k;
        switch (k) {
        case command_kind::connect: (void)read_connect(cv); break;
        case command_kind::set_peer_info: {
            auto s = read_set_peer_info(cv);
            if (s && s->address_count > max_peer_info_addresses) std::abort();
            break;
        }
        case command_kind::create_stream: (void)read_create_stream(cv); break;
        case command_kind::delete_stream: (void)read_delete_stream(cv); break;
        case command_kind::play: (void)read_play(cv); break;
        case command_kind::publish: (void)read_publish(cv); break;
        case command_kind::relay: {
            // Accepted arguments are whole AMF0 values within the size cap:
            // re-walking them must succeed.
            auto r = read_relay(cv);
            if (r) {
                if (r->args.size() > max_relay_args) std::abort();
                amf0_reader again(r->args);
                amf0_value v;
                while (!again.at_end())
                    if (again.next(v) != wire::drop_reason::none || again.skip(v) != wire::drop_reason::none) std::abort();
            }
            break;
        }
        case command_kind::other: break;
        }
    }
    return 0;
}
