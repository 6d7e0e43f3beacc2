#!/usr/bin/env python3
"""Integration test: live stream relay through stratod (RFC 7425 §5.4
publish/play), one publisher and 50 subscribers.

stratod on af_packet (one worker lcore) in the root namespace, every
strato-peer in one network namespace.

1. `publish NAME`: NetStream.Publish.Start, synthetic audio/video.
2. A second `publish NAME`: NetStream.Publish.BadName (exit 4).
3. `play unknown`: NetStream.Play.StreamNotFound (exit 4).
4. `play NAME --count 50 --stall 1`: 50 subscribers in one process, the
   first stops reading its socket once playing. The 49 others get
   Play.Reset + Play.Start, video and audio at about the published frame
   rate, starting on frames the publisher sent; the stalled one does not
   hold them back (the server drops its frames, counted).
5. The publisher ends: subscribers still playing get
   NetStream.Play.UnpublishNotify.
6. stratod's counters: frames in/out, the named stream drops.

usage: strato_stream_relay.py STRATOD STRATO_PEER EXAMPLE_CONFIG
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402

SERVER = "198.18.0.1"
URI = "rtmfp://%s/app" % SERVER
NAME = "camera1"
SUBSCRIBERS = 50
FPS = 10
PUBLISH_SECONDS = 9
PLAY_SECONDS = 5


def json_lines(text):
    out = []
    for line in (text or "").splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


class Run:
    def __init__(self, stratod_bin, peer_bin, example):
        self.stratod_bin, self.peer_bin, self.example = stratod_bin, peer_bin, example
        self.net = it.Netns("stream")
        self.f = it.Failures()
        self.daemon = None
        self.tmp = None

    def peer(self, args, timeout=60):
        return it.run([self.peer_bin] + args, check=False, ns=self.net.ns, timeout=timeout)

    def run(self):
        self.tmp = tempfile.mkdtemp(prefix="strato-stream-")
        self.net.create()
        config = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, config, self.net.host_if)
        self.daemon = it.Stratod(self.stratod_bin, config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            with open(os.path.join(self.tmp, "stratod.err")) as f:
                err = f.read()
            raise RuntimeError("stratod did not print ready:\n" + "\n".join(self.daemon.lines) + err[-2000:])
        it.run(["ping", "-c", "1", "-W", "2", SERVER], check=False, ns=self.net.ns)

        # Nobody publishes yet.
        n = self.peer(["play", URI, NAME, "--json", "--duration", "2"])
        ns = [x for x in json_lines(n.stdout) if x.get("event") == "subscriber"]
        self.f.check(n.returncode == 4 and ns and ns[0].get("status") == "NetStream.Play.StreamNotFound",
                     "play before publish -> NetStream.Play.StreamNotFound, exit 4 (got %d, %s)" % (n.returncode, ns))

        pub = subprocess.Popen(["ip", "netns", "exec", self.net.ns, self.peer_bin, "publish", URI, NAME, "--json",
                                "--fps", str(FPS), "--bitrate", "64", "--duration", str(PUBLISH_SECONDS)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        live = []
        try:
            time.sleep(1.0)  # publishing by now
            d = self.peer(["publish", URI, NAME, "--json", "--duration", "2"])
            ds = (json_lines(d.stdout) or [{}])[-1]
            self.f.check(d.returncode == 4 and ds.get("status") == "NetStream.Publish.BadName",
                         "duplicate publisher -> NetStream.Publish.BadName, exit 4 (got %d, %s)" % (d.returncode, ds))
            u = self.peer(["play", URI, "no-such-stream", "--json", "--duration", "2"])
            us = [x for x in json_lines(u.stdout) if x.get("event") == "subscriber"]
            self.f.check(u.returncode == 4 and us and us[0].get("status") == "NetStream.Play.StreamNotFound",
                         "unknown stream -> NetStream.Play.StreamNotFound, exit 4 (got %d, %s)" % (u.returncode, us))

            t0 = time.monotonic()
            p = self.peer(["play", URI, NAME, "--json", "--count", str(SUBSCRIBERS), "--stall", "1",
                           "--duration", str(PLAY_SECONDS)], timeout=120)
            it.log("  play took %.1f s, rc %d" % (time.monotonic() - t0, p.returncode))
            if p.stderr:
                it.log("  play stderr: " + p.stderr[-500:])
            subs = [x for x in json_lines(p.stdout) if x.get("event") == "subscriber"]
            live = [s for s in subs if not s.get("stalled")]
            summary = (json_lines(p.stdout) or [{}])[-1]
            it.log("  play summary: %s" % summary)
            self.f.check(p.returncode == 0, "play with %d subscribers exit 0 (got %d)" % (SUBSCRIBERS, p.returncode))
            self.f.check(len(subs) == SUBSCRIBERS, "%d subscriber reports (got %d)" % (SUBSCRIBERS, len(subs)))
            for s in subs[:3] + subs[-2:]:
                it.log("  subscriber %s" % s)
            self.f.check(all(s.get("codes", [])[:2] == ["NetStream.Play.Reset", "NetStream.Play.Start"] for s in subs),
                         "every subscriber got NetStream.Play.Reset then NetStream.Play.Start")
        finally:
            try:
                out, err = pub.communicate(timeout=PUBLISH_SECONDS + 30)
            except subprocess.TimeoutExpired:
                pub.kill()
                out, err = pub.communicate()
        ps = (json_lines(out) or [{}])[-1]
        it.log("  publisher: %s" % ps)
        self.f.check(pub.returncode == 0 and ps.get("status") == "NetStream.Publish.Start" and ps.get("video", 0) > 0,
                     "publisher: NetStream.Publish.Start, frames sent, exit 0 (got %s)" % pub.returncode)

        # Every live subscriber gets what the publisher got through to the
        # server during its play window, with no gaps: the stalled one holds
        # nobody back. (The publisher's own rate is bounded by stratod's
        # rendezvous-sized session buffers, see README "Live streams".)
        pub_rate = ps.get("video", 0) / float(PUBLISH_SECONDS)
        want = pub_rate * PLAY_SECONDS * 0.6
        it.log("  publisher got %.1f video frames/s out; each subscriber should see >= %.0f" % (pub_rate, want))
        short = [(s["index"], s.get("video"), s.get("gaps")) for s in live
                 if s.get("video", 0) < want or s.get("audio", 0) == 0 or s.get("gaps", 0) != 0]
        self.f.check(len(live) == SUBSCRIBERS - 1 and pub_rate > 0 and not short,
                     "all %d non-stalled subscribers received the stream without gaps (short: %s)" % (SUBSCRIBERS - 1, short))
        fps = sorted(s.get("fps", 0) for s in live)
        if fps:
            it.log("  frames/s per subscriber: min %.1f median %.1f max %.1f" % (fps[0], fps[len(fps) // 2], fps[-1]))
            self.f.check(fps[0] >= pub_rate * 0.6, "slowest live subscriber >= 60%% of the publisher's rate (%.1f)" % fps[0])

        # Unpublish while someone plays: a player gets UnpublishNotify.
        pub2 = subprocess.Popen(["ip", "netns", "exec", self.net.ns, self.peer_bin, "publish", URI, NAME, "--json",
                                 "--duration", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        w = self.peer(["play", URI, NAME, "--json", "--duration", "10"])
        pub2.communicate(timeout=30)
        ws = [x for x in json_lines(w.stdout) if x.get("event") == "subscriber"]
        self.f.check(ws and ws[0].get("unpublished") and ws[0].get("status") == "NetStream.Play.UnpublishNotify",
                     "publisher leaving -> NetStream.Play.UnpublishNotify (got %s)" % ws)

        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exit 0 (got %s)" % rc)
        c = self.daemon.final_counters()
        it.log("== final counters (streams, non-zero)")
        for k in sorted(c):
            if c[k] and ("stream" in k or k.startswith("drop.")):
                it.log("  %s %d" % (k, c[k]))
        self.f.check(c.get("stage.stream_frames_in", 0) > 0, "stage.stream_frames_in > 0")
        self.f.check(c.get("stage.stream_frames_out", 0) >= c.get("stage.stream_frames_in", 0),
                     "stage.stream_frames_out >= frames in (fan-out)")
        self.f.check(c.get("drop.stream_name_in_use", 0) == 1, "drop.stream_name_in_use == 1 (%s)" % c.get("drop.stream_name_in_use"))
        self.f.check(c.get("drop.stream_not_found", 0) == 2, "drop.stream_not_found == 2 (%s)" % c.get("drop.stream_not_found"))
        self.f.check(c.get("drop.stream_subscriber_backlog", 0) > 0,
                     "the stalled subscriber's frames were dropped (drop.stream_subscriber_backlog %s)" %
                     c.get("drop.stream_subscriber_backlog"))

    def cleanup(self):
        if self.daemon:
            self.daemon.stop()
        self.net.destroy()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    return it.main_for(Run, __doc__)


if __name__ == "__main__":
    sys.exit(main())
