// strato-peer: an RTMFP client on strato's own codec and crypto, over kernel
// UDP sockets. Used by the integration tests and the demo to talk to stratod
// the way real clients do, and to send it malformed input.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "tools/strato-peer/command.hpp"

namespace {

void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: strato-peer COMMAND [ARGS...]\n"
                 "commands:\n"
                 "  hello rtmfp://HOST[:PORT]/APP [--count N] [--timeout MS] [--tag-size N]\n"
                 "        [--epd-form uri|path|hostname] [--peer-id HEX] [-4|-6] [--json]\n"
                 "      send IHello(s) under the default key and check every RHello byte for byte\n"
                 "  connect rtmfp://HOST[:PORT]/APP [--stay SECONDS] [--dh-group 2|5|14|16]\n"
                 "        [--certificate static|ephemeral] [--hmac] [--sseq] [--timeout MS] [--json]\n"
                 "        [--connect-arg K=V]... [--create-stream] [--count N] [--parallel P] [-4|-6]\n"
                 "      handshake, session and NetConnection connect (RFC 7016/7425), then close\n"
                 "  listen rtmfp://HOST[:PORT]/APP [--duration S] [--timeout MS] [--relay-echo] [--json] [-4|-6]\n"
                 "      register with the server and answer peers directly, echoing their messages;\n"
                 "      print relayed messages (onRelay), relaying them back with --relay-echo\n"
                 "  call rtmfp://HOST[:PORT]/APP PEER_ID [--message TEXT] [--count N] [--timeout MS] [--json] [-4|-6]\n"
                 "      ask the server for an introduction to PEER_ID, talk to it directly, check the echoes\n"
                 "  relay rtmfp://HOST[:PORT]/APP PEER_ID MESSAGE [--count N] [--wait-reply] [--timeout MS] [--json] [-4|-6]\n"
                 "      relay MESSAGE through the server to PEER_ID (tcserver relay -> onRelay), check the acks\n"
                 "  publish rtmfp://HOST[:PORT]/APP NAME [--bitrate KBPS] [--fps N] [--keyframe-interval N]\n"
                 "        [--duration S] [--timeout MS] [--json] [-4|-6]\n"
                 "      publish a live stream of synthetic audio/video frames through the server\n"
                 "  play rtmfp://HOST[:PORT]/APP NAME [--count N] [--stall K] [--duration S] [--timeout MS] [--json] [-4|-6]\n"
                 "      play a live stream with N subscribers (K of them stop reading), print frames/s, bitrate, gaps\n"
                 "  group join rtmfp://HOST[:PORT]/APP GROUP_SPEC [--duration S] [--expect N] [--post TEXT]\n"
                 "        [--post-after S] [--expect-posts N] [--leave-after S] [--rejoin-after S] [--legacy] [--raw-join HEX]\n"
                 "        [--repeat-join N] [--join-before-connect]\n"
                 "      join a NetGroup (G:... groupspec or 64-hex ID), print members, post to them peer to peer\n"
                 "  send-raw HOST:PORT HEX [--wait MS]\n"
                 "      send arbitrary bytes as one UDP datagram (malformed-input tests)\n"
                 "exit codes: 0 success, 1 protocol failure, 2 bad usage, 3 timeout/unreachable, 4 connect rejected\n");
}

} // namespace

int main(int argc, char** argv) {
    using namespace strato::peer;
    if (argc < 2) {
        usage(stderr);
        return exit_usage;
    }
    const std::string_view cmd = argv[1];
    const args rest(argv + 2, static_cast<std::size_t>(argc - 2));
    if (cmd == "hello") return hello_command(rest);
    if (cmd == "send-raw") return send_raw_command(rest);
    if (cmd == "connect") return connect_command(rest);
    if (cmd == "listen") return listen_command(rest);
    if (cmd == "call") return call_command(rest);
    if (cmd == "relay") return relay_command(rest);
    if (cmd == "publish") return publish_command(rest);
    if (cmd == "play") return play_command(rest);
    if (cmd == "group") return group_command(rest);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        usage(stdout);
        return exit_ok;
    }
    std::fprintf(stderr, "strato-peer: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return exit_usage;
}
