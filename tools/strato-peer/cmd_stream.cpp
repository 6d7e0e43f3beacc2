// strato-peer publish / play: live streams through the server (RFC 7425
// §5.4). Both connect like `connect`, ask createStream for a stream ID, open
// a NetStream flow for it (TC 04 <stream ID>) and send publish or play on it.
//
//   publish rtmfp://HOST[:PORT]/APP NAME: after NetStream.Publish.Start,
//     synthetic audio and video at the chosen bitrate and frame rate, a
//     video keyframe every --keyframe-interval frames. Every video payload
//     carries its frame number, so players can count gaps.
//   play rtmfp://HOST[:PORT]/APP NAME --count N: N subscribers (one thread
//     and socket each) report frames/s, bitrate and gaps. --stall K makes K
//     of them stop reading their socket once playing: a slow subscriber,
//     which the server must drop frames for without stalling the others.
#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/replies.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "tools/strato-peer/command.hpp"
#include "tools/strato-peer/connection.hpp"
#include "tools/strato-peer/peer_io.hpp"

namespace strato::peer {

namespace {

constexpr const char* publish_usage =
    "usage: strato-peer publish rtmfp://HOST[:PORT]/APP NAME [--bitrate KBPS] [--fps N] [--keyframe-interval N]\n"
    "       [--duration S] [--timeout MS] [--json] [-4|-6]";
constexpr const char* play_usage =
    "usage: strato-peer play rtmfp://HOST[:PORT]/APP NAME [--count N] [--stall K] [--duration S] [--timeout MS]\n"
    "       [--json] [-4|-6]";
// createStream is transaction 2 (connection.cpp); ours follow.
constexpr double stream_command_transaction = 0;  // publish/play answer with onStatus, not _result
constexpr std::size_t max_frame_bytes = 1200;  // audio + video of one frame
constexpr std::uint8_t video_keyframe = 0x17, video_interframe = 0x27, audio_aac = 0xaf;

struct stream_job {
    bool publish = false;
    rtmfp_uri uri;
    endpoint server;
    std::string name;
    std::uint64_t bitrate_kbps = 160, fps = 25, keyframe_interval = 25;
    time_us duration = 5 * session::seconds;
    time_us timeout = 5 * session::seconds;
    bool stall = false;
};

struct stream_stats {
    std::string status;       // the last onStatus code on the NetStream
    std::vector<std::string> codes;
    std::string error;
    bool started = false, refused = false, unpublished = false;
    std::uint64_t video = 0, audio = 0, data = 0, bytes = 0, keyframes = 0;
    std::uint64_t gaps = 0, missing = 0;  // jumps in the video frame numbers, frames they skipped
    std::uint64_t not_sent = 0;           // publish: frames our own flow had no room for
    bool first_video_keyframe = false;
    time_us first_at = 0, last_at = 0;
    outcome result = outcome::pending;
};

std::vector<std::uint8_t> stream_command(std::string_view name, std::string_view stream_name, bool publish) {
    std::vector<std::uint8_t> buf(stream_name.size() + 64);
    wire::writer w(buf);
    flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
    flash::amf0_writer a(w);
    a.string(name);
    a.number(stream_command_transaction);
    a.null();
    a.string(stream_name);
    if (publish) a.string("live");
    buf.resize(w.ok() ? w.size() : 0);
    return buf;
}

// One synthetic frame: FLV tag byte, the video frame number, filler.
std::vector<std::uint8_t> frame(std::uint8_t type, std::uint32_t timestamp, std::uint8_t tag, std::uint32_t number,
                                std::size_t size) {
    std::vector<std::uint8_t> buf(flash::rtmp_header_size + std::max<std::size_t>(size, 5));
    wire::writer w(buf);
    flash::write_rtmp_header(w, type, timestamp);
    w.u8(tag);
    w.u32(number);
    while (w.size() < buf.size()) w.u8(static_cast<std::uint8_t>(w.size()));
    return buf;
}

void run_stream_client(const stream_job& job, stream_stats& st) {
    udp_transport t;
    std::string e = t.open(job.server);
    if (e.empty()) e = t.connect_to(job.server);
    if (!e.empty()) {
        st.error = e;
        st.result = outcome::timeout;
        return;
    }
    transport_out out;
    out.t = &t;
    out.to = job.server;
    std::uint64_t last_number = 0;
    bool have_number = false;
    time_us now = now_us();

    connect_options co;
    co.uri = job.uri;
    co.server = to_socket_address(job.server);
    co.keying.form = certificate_form::ephemeral;
    co.create_stream = true;
    co.stay = 31ull * 86400 * session::seconds;  // until done; stop_staying() below
    co.timeout = job.timeout;
    co.on_call_answer = [&](const call_answer& a) {
        if (a.name != "onStatus") return;
        st.codes.push_back(a.code);
        st.status = a.code;
        if (a.code == flash::status::publish_start || a.code == flash::status::play_start) st.started = true;
        else if (a.code == flash::status::play_unpublish_notify) st.unpublished = true;
        else if (a.error) st.refused = true;
    };
    co.on_media = [&](std::uint8_t type, std::uint32_t, wire::bytes body) {
        if (st.first_at == 0) st.first_at = now;
        st.last_at = now;
        st.bytes += body.size() + flash::rtmp_header_size;
        if (type == flash::rtmp_type::audio) {
            ++st.audio;
            return;
        }
        if (type != flash::rtmp_type::video) {
            ++st.data;
            return;
        }
        if (st.video == 0) st.first_video_keyframe = !body.empty() && body[0] == video_keyframe;
        ++st.video;
        if (!body.empty() && body[0] == video_keyframe) ++st.keyframes;
        wire::reader r(body);
        std::uint8_t tag = 0;
        std::uint32_t number = 0;
        if (r.u8(tag) != wire::drop_reason::none || r.u32(number) != wire::drop_reason::none) return;
        if (have_number && number > last_number + 1) {
            ++st.gaps;
            st.missing += number - last_number - 1;
        }
        have_number = true;
        last_number = number;
    };
    connection c(std::move(co));
    c.begin(now, out);
    std::vector<std::uint8_t> buf(65536);
    std::optional<std::uint64_t> flow;
    time_us started_at = 0, end_at = 0;
    std::uint64_t next_frame = 0;
    const std::size_t frame_bytes = job.bitrate_kbps * 1000 / 8 / std::max<std::uint64_t>(job.fps, 1);
    const std::size_t audio_bytes = std::max<std::size_t>(frame_bytes / 8, 16);
    const std::size_t video_bytes = frame_bytes > audio_bytes ? frame_bytes - audio_bytes : 16;
    bool finishing = false;
    while (c.result() == outcome::pending) {
        now = now_us();
        const auto& rep = c.report();
        if (c.current_phase() == phase::connected && rep.stream_id && !flow) {
            flow = c.open_stream_flow(static_cast<std::uint32_t>(*rep.stream_id));
            const auto cmd = stream_command(job.publish ? "publish" : "play", job.name, job.publish);
            if (!flow || cmd.empty() || !c.send_on(*flow, wire::bytes{cmd.data(), cmd.size()})) {
                st.error = "cannot open the NetStream flow";
                finishing = true;
                c.stop_staying(now);
            }
            end_at = now + job.timeout;  // the answer's deadline, until it comes
        }
        if (st.started && started_at == 0) {
            started_at = now;
            end_at = now + job.duration;
        }
        if (job.publish && started_at != 0 && !finishing) {
            // Frames due by now (frame i at i/fps after Publish.Start), video then audio.
            for (; next_frame * session::seconds / job.fps <= now - started_at; ++next_frame) {
                const auto ts = static_cast<std::uint32_t>(next_frame * 1000 / job.fps);
                const bool key = next_frame % job.keyframe_interval == 0;
                const auto v = frame(flash::rtmp_type::video, ts, key ? video_keyframe : video_interframe,
                                     static_cast<std::uint32_t>(next_frame), video_bytes);
                const auto a = frame(flash::rtmp_type::audio, ts, audio_aac, static_cast<std::uint32_t>(next_frame), audio_bytes);
                if (c.send_on(*flow, wire::bytes{v.data(), v.size()})) {
                    ++st.video;
                    st.keyframes += key ? 1 : 0;
                    st.bytes += v.size();
                } else {
                    ++st.not_sent;
                }
                if (c.send_on(*flow, wire::bytes{a.data(), a.size()})) {
                    ++st.audio;
                    st.bytes += a.size();
                } else {
                    ++st.not_sent;
                }
            }
        }
        if (!finishing && end_at != 0 && (now >= end_at || st.refused || st.unpublished)) {
            finishing = true;
            if (!st.started && !st.refused && st.error.empty()) st.error = "no onStatus answer to " + std::string(job.publish ? "publish" : "play");
            c.stop_staying(now);
        }
        if (job.stall && st.started && !finishing) {
            // A subscriber that stops reading: nothing is received or
            // acknowledged from here; the server's flow to it fills up.
            std::this_thread::sleep_for(std::chrono::microseconds(end_at > now ? end_at - now : 0));
            st.result = outcome::ok;
            return;  // no orderly close: the server times the session out
        }
        time_us wake = c.next_wakeup(now);
        if (job.publish && started_at != 0 && !finishing)
            wake = std::min(wake, started_at + next_frame * session::seconds / job.fps);
        const auto deadline = steady::now() + std::chrono::microseconds(wake > now ? wake - now : 0);
        auto r = t.receive(buf, std::min(deadline, steady::now() + std::chrono::milliseconds(20)));
        now = now_us();
        if (r.status == receive_status::error) {
            c.fail_unreachable(r.error);
            break;
        }
        if (r.status == receive_status::datagram && same_endpoint(r.from, job.server) && r.length <= buf.size())
            c.on_datagram({buf.data(), r.length}, now, out);
        c.poll(now, out);
    }
    st.result = c.result();
    if (st.error.empty() && !c.report().error.empty()) st.error = c.report().failed_check + ": " + c.report().error;
}

struct parsed {
    stream_job job;
    std::uint64_t count = 1, stall = 0;
    bool json = false;
};

int parse(args a, bool publish, parsed& p) {
    const std::string_view cmd = publish ? "publish" : "play";
    const char* usage = publish ? publish_usage : play_usage;
    std::vector<std::string> positional;
    int family = AF_UNSPEC;
    std::uint64_t duration_s = 5, timeout_ms = 5000;
    p.job.publish = publish;
    bool keyframe_given = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string_view s = a[i];
        struct numeric { std::string_view name; std::uint64_t min, max; std::uint64_t* out; bool publish_only, play_only; };
        const numeric options[] = {
            {"--bitrate", 1, 100000, &p.job.bitrate_kbps, true, false},
            {"--fps", 1, 240, &p.job.fps, true, false},
            {"--keyframe-interval", 1, 100000, &p.job.keyframe_interval, true, false},
            {"--count", 1, 1000, &p.count, false, true},
            {"--stall", 0, 1000, &p.stall, false, true},
            {"--duration", 1, 86400, &duration_s, false, false},
            {"--timeout", 1, 600000, &timeout_ms, false, false},
        };
        const numeric* match = nullptr;
        for (const auto& o : options)
            if (s == o.name && !(publish && o.play_only) && !(!publish && o.publish_only)) match = &o;
        if (match) {
            if (i + 1 >= a.size()) return usage_error(cmd, std::string(s) + " needs a value");
            const char* v = a[++i];
            auto n = parse_number(v, match->min, match->max);
            if (!n)
                return usage_error(cmd, std::string(s) + ": \"" + v + "\" is not a number in [" +
                                            std::to_string(match->min) + ", " + std::to_string(match->max) + "]");
            *match->out = *n;
            keyframe_given |= s == "--keyframe-interval";
        } else if (s == "--json") {
            p.json = true;
        } else if (s == "-4") {
            family = AF_INET;
        } else if (s == "-6") {
            family = AF_INET6;
        } else if (!s.empty() && s[0] == '-') {
            return usage_error(cmd, "unknown option \"" + std::string(s) + "\"\n" + usage);
        } else {
            positional.emplace_back(s);
        }
    }
    if (positional.size() != 2) return usage_error(cmd, usage);
    if (p.stall > p.count) return usage_error(cmd, "--stall: more stalled subscribers than --count");
    if (auto e = parse_rtmfp_uri(positional[0], p.job.uri); !e.empty())
        return usage_error(cmd, "bad URI \"" + positional[0] + "\": " + e);
    // Sent as given: the server judges the name (the tests send bad ones on purpose).
    p.job.name = positional[1];
    if (!keyframe_given) p.job.keyframe_interval = p.job.fps;  // one keyframe a second
    // stratod's sessions keep 2.5 KiB per flow (runtime.cpp): a message must
    // fit that with one fragment to spare.
    if (p.job.bitrate_kbps * 1000 / 8 / p.job.fps > max_frame_bytes)
        return usage_error(cmd, "--bitrate/--fps: over " + std::to_string(max_frame_bytes) +
                                    " bytes a frame (stratod's per-flow buffers take messages up to about 1.4 KiB)");
    p.job.duration = duration_s * session::seconds;
    p.job.timeout = timeout_ms * session::ms;
    if (auto e = resolve_server(p.job.uri, family, p.job.server); !e.empty()) return usage_error(cmd, e);
    return 0;
}

double per_second(std::uint64_t n, const stream_stats& s) {
    const time_us span = s.last_at > s.first_at ? s.last_at - s.first_at : 0;
    return span ? static_cast<double>(n) * session::seconds / static_cast<double>(span) : 0.0;
}

std::string fixed1(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

int exit_for(const stream_stats& s) {
    if (s.refused) return exit_rejected;
    if (!s.error.empty() && s.result == outcome::ok) return exit_timeout;
    switch (s.result) {
    case outcome::ok: return s.started ? exit_ok : exit_timeout;
    case outcome::rejected: return exit_rejected;
    case outcome::timeout: return exit_timeout;
    default: return exit_protocol;
    }
}

} // namespace

int publish_command(args a) {
    parsed p;
    if (int rc = parse(a, true, p)) return rc;
    stream_stats st;
    if (!p.json)
        std::printf("publish %s as \"%s\": %llu kbit/s, %llu frames/s\n", p.job.uri.text.c_str(), p.job.name.c_str(),
                    static_cast<unsigned long long>(p.job.bitrate_kbps), static_cast<unsigned long long>(p.job.fps));
    std::fflush(stdout);
    run_stream_client(p.job, st);
    const int rc = exit_for(st);
    if (p.json) {
        json_object j;
        j.text("event", "summary").text("command", "publish").text("name", p.job.name).text("status", st.status);
        j.number("video", st.video).number("audio", st.audio).number("keyframes", st.keyframes);
        j.number("bytes", st.bytes).number("not_sent", st.not_sent);
        j.text("result", rc == exit_ok ? "ok" : "failed");
        if (!st.error.empty()) j.text("error", st.error);
        std::printf("%s\n", j.finish().c_str());
    } else {
        std::printf("publish: %s; %llu video (%llu keyframes) and %llu audio frames sent, %llu bytes, %llu not sent%s%s\n",
                    st.status.empty() ? "no answer" : st.status.c_str(), static_cast<unsigned long long>(st.video),
                    static_cast<unsigned long long>(st.keyframes), static_cast<unsigned long long>(st.audio),
                    static_cast<unsigned long long>(st.bytes), static_cast<unsigned long long>(st.not_sent),
                    st.error.empty() ? "" : "; ", st.error.c_str());
    }
    std::fflush(stdout);
    return rc;
}

int play_command(args a) {
    parsed p;
    if (int rc = parse(a, false, p)) return rc;
    std::vector<stream_stats> stats(p.count);
    std::vector<std::thread> threads;
    threads.reserve(p.count);
    if (!p.json)
        std::printf("play %s \"%s\" with %llu subscriber%s\n", p.job.uri.text.c_str(), p.job.name.c_str(),
                    static_cast<unsigned long long>(p.count), p.count == 1 ? "" : "s");
    std::fflush(stdout);
    for (std::uint64_t i = 0; i < p.count; ++i) {
        stream_job job = p.job;
        job.stall = i < p.stall;  // the first K subscribers stall
        threads.emplace_back([job, &s = stats[i]] { run_stream_client(job, s); });
    }
    for (auto& th : threads) th.join();
    int rc = exit_ok;
    std::uint64_t receiving = 0;
    for (std::uint64_t i = 0; i < p.count; ++i) {
        const auto& s = stats[i];
        const bool stalled = i < p.stall;
        int r = exit_for(s);
        if (r == exit_ok && !stalled && s.video + s.audio == 0) r = exit_timeout;  // started but nothing came
        if (r == exit_ok && !stalled) ++receiving;
        if (rc == exit_ok) rc = r;
        const double fps = per_second(s.video, s), kbps = per_second(s.bytes * 8, s) / 1000;
        if (p.json) {
            json_object j;
            j.text("event", "subscriber").number("index", i).text("status", s.status);
            std::string codes = "[";
            for (const auto& c : s.codes) {
                if (codes.size() > 1) codes += ',';
                codes += json_string(c);
            }
            j.raw("codes", codes + "]");
            j.raw("stalled", stalled ? "true" : "false");
            j.number("video", s.video).number("audio", s.audio).number("data", s.data).number("keyframes", s.keyframes);
            j.number("bytes", s.bytes).raw("fps", fixed1(fps)).raw("kbps", fixed1(kbps));
            j.number("gaps", s.gaps).number("missing", s.missing);
            j.raw("first_video_keyframe", s.first_video_keyframe ? "true" : "false");
            j.raw("unpublished", s.unpublished ? "true" : "false");
            if (!s.error.empty()) j.text("error", s.error);
            std::printf("%s\n", j.finish().c_str());
        } else {
            std::printf("  #%llu%s %s: %llu video %llu audio, %s frames/s, %s kbit/s, %llu gaps (%llu frames missing)%s%s\n",
                        static_cast<unsigned long long>(i), stalled ? " (stalled)" : "",
                        s.status.empty() ? "no answer" : s.status.c_str(), static_cast<unsigned long long>(s.video),
                        static_cast<unsigned long long>(s.audio), fixed1(fps).c_str(), fixed1(kbps).c_str(),
                        static_cast<unsigned long long>(s.gaps), static_cast<unsigned long long>(s.missing),
                        s.error.empty() ? "" : "; ", s.error.c_str());
        }
    }
    if (p.json) {
        json_object j;
        j.text("event", "summary").text("command", "play").text("name", p.job.name);
        j.number("subscribers", p.count).number("stalled", p.stall).number("receiving", receiving);
        j.text("result", rc == exit_ok ? "ok" : "failed");
        std::printf("%s\n", j.finish().c_str());
    } else {
        std::printf("play: %llu of %llu subscribers received frames (%llu stalled on purpose)\n",
                    static_cast<unsigned long long>(receiving), static_cast<unsigned long long>(p.count),
                    static_cast<unsigned long long>(p.stall));
    }
    std::fflush(stdout);
    return rc;
}

} // namespace strato::peer
