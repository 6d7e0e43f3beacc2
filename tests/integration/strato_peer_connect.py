#!/usr/bin/env python3
"""Integration test: strato-peer connect against stratod on net_af_packet.

From a namespace: `strato-peer connect` with default options (static
certificate, group 2, HMAC/SSEQ offered as SOR), with --hmac --sseq
(required both ways), with --dh-group 14, with an ephemeral certificate in
group 5, over IPv6, with createStream; 20 clients that connect, stay 2 s and
leave; a connect to an unknown app (exit 4); then bad input while a
long-staying session runs: an IIKeying with a bad cookie, one selecting a
group the certificate does not offer, garbage under a live session ID. At
the end stratod's final counters: sessions opened == closed == connects,
exact drops, and nothing else dropped.

usage: strato_peer_connect.py STRATOD STRATO_PEER EXAMPLE_CONFIG
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402

SERVER_V4 = "198.18.0.1"
SERVER_V6 = "2001:db8::1"
V4 = "rtmfp://%s/app" % SERVER_V4
V6 = "rtmfp://[%s]:1935/app" % SERVER_V6
# Server-side farclose linger (RFC 7016 §3.5.5: 19 s) before a session that
# got our Close is S_CLOSED, plus margin.
LINGER_WAIT = 22


class Run:
    def __init__(self, stratod_bin, peer_bin, example):
        self.stratod_bin, self.peer_bin, self.example = stratod_bin, peer_bin, example
        self.net = it.Netns("conn")
        self.f = it.Failures()
        self.daemon = None
        self.tmp = None
        self.fingerprint = None
        self.sessions = 0          # sessions strato-peer opened (RIKeying received)
        self.expected_drops = {}

    def peer(self, *args, timeout=120):
        return it.run([self.peer_bin] + list(args), check=False, ns=self.net.ns, timeout=timeout)

    def connect(self, uri, *args, expect_rc=0, what=None):
        what = what or "connect %s %s" % (uri, " ".join(args))
        p = self.peer("connect", uri, "--json", *args)
        try:
            j = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.f.check(False, "%s: JSON output (rc %d, stdout %r, stderr %r)" % (what, p.returncode, p.stdout,
                                                                                    p.stderr))
            return None
        if j.get("far_session_id"):
            self.sessions += 1
        ok = self.f.check(p.returncode == expect_rc, "%s: exit %d (got %d: %s %s)" % (
            what, expect_rc, p.returncode, j.get("failed_check") or "", j.get("error", "")))
        if not ok:
            it.log("    steps: " + "\n           ".join(j.get("steps", [])))
        return j

    def expect_drop(self, reason, n=1):
        self.expected_drops[reason] = self.expected_drops.get(reason, 0) + n

    def setup(self):
        self.net.create()
        time.sleep(2.5)  # let the namespace's MLD reports pass before stratod counts
        self.tmp = tempfile.mkdtemp(prefix="strato-it-")
        config = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, config, self.net.host_if)
        self.daemon = it.Stratod(self.stratod_bin, config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            raise RuntimeError("stratod did not print ready:\n" + "\n".join(self.daemon.lines))
        self.fingerprint = m.group(1)
        it.log("stratod ready, fingerprint %s" % self.fingerprint)
        # ARP/ND warm-up so the first connect measures the protocol, not resolution.
        it.run(["ping", "-c", "1", "-W", "2", SERVER_V4], check=False, ns=self.net.ns)
        it.run(["ping", "-6", "-c", "1", "-W", "2", SERVER_V6], check=False, ns=self.net.ns)

    def body(self):
        it.log("== connect, text output")
        p = self.peer("connect", V4)
        it.log(p.stdout.rstrip())
        if p.stderr.strip():
            it.log(p.stderr.rstrip())
        self.f.check(p.returncode == 0, "strato-peer connect %s (text) exits 0 (got %d)" % (V4, p.returncode))
        if "RIKeying" in p.stdout:
            self.sessions += 1

        it.log("== connect variants (JSON)")
        j = self.connect(V4, what="default options")
        if j:
            self.f.check(j["connect_code"] == "NetConnection.Connect.Success", "default: NetConnection.Connect.Success")
            self.f.check(j["server_fingerprint"] == self.fingerprint, "default: server fingerprint is stratod's")
            self.f.check(j["features"] == "hmac send=no recv=no, sseq send=no recv=no",
                         "default: no HMAC, no SSEQ (%s)" % j["features"])
            self.f.check(j["server_hmac"] == "none" and j["server_sseq"] == "none",
                         "default: SKRC starts 03 1a 00 00 02 1e 00 (hmac %s, sseq %s)" % (j["server_hmac"],
                                                                                         j["server_sseq"]))
            self.f.check(j["rhello_size"] == 180 and j["rikeying_size"] == 164,
                         "default: RHello 180 / RIKeying 164 bytes (got %d / %d)" % (j["rhello_size"],
                                                                                     j["rikeying_size"]))
            self.f.check(j["keepalive_server_ms"] == 15000 and j["keepalive_peer_ms"] == 10000,
                         "default: Set Keepalive Timers 15000/10000")
            self.f.check(j["close_acked"], "default: Close acknowledged")
        j = self.connect(V4, "--hmac", "--sseq", what="--hmac --sseq")
        if j:
            self.f.check(j["features"] == "hmac send=16 recv=16, sseq send=yes recv=yes",
                         "--hmac --sseq: HMAC and SSEQ both ways (%s)" % j["features"])
            self.f.check(j["close_acked"], "--hmac --sseq: Close acknowledged")
        j = self.connect(V4, "--hmac", what="--hmac only")
        j = self.connect(V4, "--dh-group", "14", what="--dh-group 14")
        if j:
            self.f.check(j["skrc_size"] == 7 + 4 + 256, "group 14: SKRC %d bytes (7 + 4 + 256)" % j["skrc_size"])
        self.connect(V4, "--dh-group", "5", "--certificate", "ephemeral", what="ephemeral certificate, group 5")
        j = self.connect(V6, what="IPv6")
        if j:
            self.f.check(j["local"].startswith("[2001:db8::2]"), "IPv6: setPeerInfo names %s" % j["local"])
        j = self.connect(V4, "--create-stream", what="createStream")
        if j:
            self.f.check(j.get("stream_id", 0) >= 1, "createStream: _result with stream %s" % j.get("stream_id"))

        it.log("== 20 clients connect, stay 2 s, leave")
        t0 = time.monotonic()
        p = self.peer("connect", V4, "--count", "20", "--parallel", "20", "--stay", "2", "--json")
        lines = [json.loads(l) for l in p.stdout.strip().splitlines() if l.startswith("{")]
        clients = [l for l in lines if l.get("summary") is None]
        summary = next((l for l in lines if l.get("summary") == "clients"), {})
        self.sessions += sum(1 for c in clients if c.get("far_session_id"))
        self.f.check(p.returncode == 0 and summary.get("ok") == 20,
                     "20 clients: all ok (rc %d, %s) in %.1f s" % (p.returncode, summary, time.monotonic() - t0))
        self.f.check(len({c["peer_id"] for c in clients}) == 20, "20 clients: 20 distinct peer IDs")
        self.f.check(len({c["local"] for c in clients}) == 20, "20 clients: 20 distinct source ports")
        self.f.check(all(c.get("close_acked") for c in clients), "20 clients: every Close acknowledged")

        it.log("== rejected connect")
        j = self.connect("rtmfp://%s/nosuchapp" % SERVER_V4, expect_rc=4, what="unknown app")
        if j:
            self.f.check(j["connect_code"].startswith("NetConnection.Connect."),
                         "unknown app: _error %s (%s)" % (j["connect_code"], j["connect_description"]))

        it.log("== usage and reachability errors")
        for args, rc, text in ((["connect", "http://198.18.0.1/app"], 2, "must start with rtmfp://"),
                               (["connect", V4, "--dh-group", "3"], 2, "--dh-group"),
                               (["connect", V4, "--certificate", "x"], 2, "--certificate"),
                               (["connect", "rtmfp://198.18.0.2:1999/app", "--timeout", "1000"], 3, "unreachable")):
            p = self.peer(*args)
            self.f.check(p.returncode == rc and text in p.stderr, "strato-peer %s: exit %d with \"%s\" (got %d: %s)"
                         % (" ".join(args), rc, text, p.returncode, p.stderr.strip()))
        j = self.connect(V4, "--dh-group", "16", expect_rc=1, what="group 16 (not in the certificate)")
        if j:
            self.f.check(j["failed_check"] == "RHello certificate group", "group 16: refused before IIKeying")

        it.log("== bad input while a session stays")
        stayer = subprocess.Popen(["ip", "netns", "exec", self.net.ns, self.peer_bin, "connect", V4, "--stay", "8",
                                   "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        j = self.connect(V4, "--misbehave", "bad-cookie", "--timeout", "2500", expect_rc=3,
                         what="IIKeying with a corrupted cookie")
        if j:
            self.expect_drop("bad_cookie", j["iikeyings_sent"])
        j = self.connect(V4, "--misbehave", "unsupported-group", "--dh-group", "16", "--timeout", "2500",
                         expect_rc=3, what="IIKeying selecting group 16 (not offered)")
        if j:
            self.expect_drop("unsupported_dh_group", j["iikeyings_sent"])
        j = self.connect(V4, "--misbehave", "session-garbage", "--stay", "1",
                         what="garbage under a live session ID, then stay and close")
        self.session_garbage = 1 if j else 0
        out, err = stayer.communicate(timeout=60)
        try:
            sj = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            sj = {}
        if sj.get("far_session_id"):
            self.sessions += 1
        self.f.check(stayer.returncode == 0 and sj.get("close_acked"),
                     "the session that stayed 8 s through the bad input closed cleanly (rc %s, %s)"
                     % (stayer.returncode, sj.get("error", "")))

    def finish(self):
        it.log("== waiting %d s for the server's close lingers" % LINGER_WAIT)
        time.sleep(LINGER_WAIT)
        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exits 0 on SIGTERM (got %s)" % rc)
        c = self.daemon.final_counters()
        self.f.check(len(c) > 0, "stratod printed its final counters")
        it.log("== final counters (non-zero)")
        for k in sorted(c):
            if c[k]:
                it.log("  %s %d" % (k, c[k]))
        opened, closed = c.get("stage.session_opened"), c.get("stage.session_closed")
        self.f.check(opened == self.sessions, "stage.session_opened == %d sessions strato-peer opened (got %s)"
                     % (self.sessions, opened))
        self.f.check(closed == self.sessions, "stage.session_closed == %d (got %s)" % (self.sessions, closed))
        for reason, n in sorted(self.expected_drops.items()):
            self.f.check(c.get("drop." + reason) == n, "drop.%s == %d (got %s)" % (reason, n, c.get("drop." + reason)))
        # Everything else: only the namespace's own background traffic
        # (stray multicast: not_for_us; IGMP/MLD-type protocols:
        # unsupported_ip_protocol) and exactly one drop, under whatever
        # name, for the garbage datagram.
        ambient = ("drop.not_for_us", "drop.unsupported_ip_protocol")
        extra = {k: v for k, v in c.items() if k.startswith("drop.") and v and k[5:] not in self.expected_drops
                 and k not in ambient}
        self.f.check(sum(extra.values()) == self.session_garbage,
                     "no unexpected drops besides %d for the session garbage (got %s)" % (self.session_garbage, extra))


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    reason = it.Netns.unavailable_reason()
    if reason:
        print("SKIP: " + reason)
        return it.SKIP
    it.terminate_on_signals()
    r = Run(argv[1], argv[2], argv[3])
    r.session_garbage = 0
    try:
        r.setup()
        r.body()
        r.finish()
    except Exception as e:  # report, then clean up
        r.f.check(False, "test aborted: %s" % e)
    finally:
        if r.daemon and r.daemon.proc.poll() is None:
            r.daemon.stop()
        r.net.destroy()
        if r.f.items and r.daemon and r.tmp:
            with open(os.path.join(r.tmp, "stratod.err")) as f:
                print("---- stratod stderr (last 40 lines)\n" + "".join(f.readlines()[-40:]))
    if r.f.items:
        print("FAILED %d checks:\n  %s" % (len(r.f.items), "\n  ".join(r.f.items)))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
