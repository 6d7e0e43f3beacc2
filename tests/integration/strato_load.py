#!/usr/bin/env python3
"""Integration test: strato-load against stratod on net_af_packet.

stratod owns 198.18.0.1 on the host end of a veth; strato-load runs in the
namespace. Short runs, correctness only (not speed):
  1. ihello over kernel sockets: every reply valid, fingerprint = stratod's;
  2. mix --invalid-ratio 0.25 over kernel sockets: malformed packets counted
     by kind on our side;
  3. ihello over DPDK net_af_packet on the namespace's veth, sources from
     198.18.0.128/25 (crafted frames, proxy ARP);
  4. spoofed over DPDK: the legitimate success rate stays 1.0, and the
     RHellos reflected to the spoofed sources are seen and counted;
  5. bad options are refused with exit 2 naming the option (joins itself is
     tested with the session scenarios in strato_load_sessions.py).
At the end stratod's final counters must agree: stage.rhello_sent equals the
valid replies strato-load saw, and each drop.<kind> equals what the mix sent.

usage: strato_load.py STRATOD STRATO_LOAD EXAMPLE_CONFIG
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402

TARGET = "rtmfp://198.18.0.1:1935/app"


class Run:
    def __init__(self, stratod, load, example):
        self.stratod_bin, self.load_bin, self.example = stratod, load, example
        self.f = it.Failures()
        self.net = it.Netns("load")
        self.daemon = None
        self.valid = 0
        self.invalid = {}
        self.fingerprint = None
        self.tmp = tempfile.mkdtemp(prefix="strato-load-it-")

    def setup(self):
        self.net.create()
        cfg = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, cfg, self.net.host_if)
        # Correctness, not flood safety: the per-/24 token bucket must not
        # drop any of this test's packets (all come from 198.18.0.0/24).
        with open(cfg) as fh:
            text = fh.read()
        text = re.sub(r"rate_limit_per_second\s*=\s*\d+", "rate_limit_per_second = 10000000", text)
        text = re.sub(r"rate_limit_burst\s*=\s*\d+", "rate_limit_burst = 10000000", text)
        with open(cfg, "w") as fh:
            fh.write(text)
        self.daemon = it.Stratod(self.stratod_bin, cfg, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"ready fingerprint=([0-9a-f]{64})", 30)
        if not m:
            raise RuntimeError("stratod did not print its ready line")
        self.fingerprint = m.group(1)

    def load(self, *args, timeout=60):
        p = it.run([self.load_bin] + list(args) + ["--json", "--quiet"], check=False, ns=self.net.ns, timeout=timeout)
        try:
            j = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            j = None
        return p, j

    def account(self, what, p, j, expect_invalid=False):
        ok = self.f.check(p.returncode == 0 and j is not None,
                          "%s: exit 0 with a JSON summary (got %d)%s" % (what, p.returncode,
                                                                         "" if p.returncode == 0 else
                                                                         "\n" + p.stdout + p.stderr))
        if not ok or j is None:
            return
        t = j["total"]
        it.log("  %s: sent %d (valid %d, invalid %d), valid replies %d, p50 %.1f us, p99 %.1f us"
               % (what, t["sent"], t["sent_valid"], t["invalid_sent"], t["valid"], j["latency_us"]["p50"],
                  j["latency_us"]["p99"]))
        self.f.check(t["mismatches"] == 0, "%s: no mismatched reply (%s)" % (what, t["replies"]))
        self.f.check(t["tx_failed"] == 0, "%s: every packet was sent" % what)
        self.f.check(t["valid"] == t["sent_valid"] and t["unanswered"] == 0,
                     "%s: every valid IHello got a valid RHello (%d of %d)" % (what, t["valid"], t["sent_valid"]))
        self.f.check(j["fingerprint"] == self.fingerprint, "%s: fingerprint is stratod's" % what)
        self.f.check(j["bytes_per_peer"] == 8, "%s: 8 bytes of state per peer" % what)
        if expect_invalid:
            self.f.check(t["invalid_sent"] > 0 and all(v > 0 for v in t["sent_invalid"].values()),
                         "%s: every malformed kind was sent (%s)" % (what, t["sent_invalid"]))
            ratio = t["invalid_sent"] / max(1, t["sent"])
            self.f.check(abs(ratio - 0.25) < 0.01, "%s: invalid share %.3f ~ 0.25" % (what, ratio))
        self.valid += t["valid"]
        for k, v in t["sent_invalid"].items():
            self.invalid[k] = self.invalid.get(k, 0) + v

    def body(self):
        it.log("== ihello, kernel sockets")
        p, j = self.load("ihello", "--target", TARGET, "--rate", "4000", "--duration", "2", "--warmup", "0.5",
                         "--peers", "100000", "--sockets", "8")
        self.account("ihello/kernel", p, j)

        it.log("== mix --invalid-ratio 0.25, kernel sockets")
        p, j = self.load("mix", "--invalid-ratio", "0.25", "--target", TARGET, "--rate", "4000", "--duration", "2",
                         "--warmup", "0", "--tag-size", "32")
        self.account("mix/kernel", p, j, expect_invalid=True)

        it.log("== ihello, DPDK net_af_packet on the namespace's veth")
        p, j = self.load("ihello", "--backend", "dpdk", "--dpdk-device", "net_af_packet0,iface=" + self.net.peer_if,
                         "--lcore", "0", "--target", TARGET, "--rate", "4000", "--duration", "2", "--warmup", "0.5",
                         "--peers", "1000000", "--eal", "--no-shconf", timeout=90)
        self.account("ihello/dpdk-af_packet", p, j)

        it.log("== spoofed: 2000/s legitimate + 2000/s from 198.18.1.0/24, DPDK net_af_packet")
        p, j = self.load("spoofed", "--spoof-rate", "2000", "--backend", "dpdk",
                         "--dpdk-device", "net_af_packet0,iface=" + self.net.peer_if, "--lcore", "0",
                         "--target", TARGET, "--rate", "2000", "--duration", "2", "--warmup", "0.5",
                         "--eal", "--no-shconf", timeout=90)
        self.account("spoofed/dpdk-af_packet", p, j)
        if j is not None:
            t = j["total"]
            self.f.check(t["sent_spoofed"] > 0 and t["success_rate"] == 1.0,
                         "spoofed: legitimate success rate 1.0 beside %d spoofed" % t["sent_spoofed"])
            # stratod answers to the source MAC, so the RHellos reflected
            # toward the spoofed addresses come back past us and are counted.
            self.f.check(t["spoofed_replies"] == t["sent_spoofed"],
                         "spoofed: %d of %d reflected RHellos seen" % (t["spoofed_replies"], t["sent_spoofed"]))
            self.valid += t["spoofed_replies"]

        it.log("== refusals")
        # The session scenarios have their own test (strato_load_sessions.py).
        for args, text in ((["ihello"], "--target"),
                           (["ihello", "--target", TARGET, "--groups", "4"], "only for the joins scenario"),
                           (["mix", "--target", TARGET], "--invalid-ratio"),
                           (["ihello", "--target", TARGET, "--rate", "-1"], "out of range"),
                           (["ihello", "--target", TARGET, "--peers", "x"], "not a non-negative integer"),
                           (["spoofed", "--target", TARGET, "--spoof-rate", "10"], "needs --backend dpdk"),
                           (["spoofed", "--target", TARGET, "--spoof-rate", "10", "--backend", "dpdk",
                             "--dpdk-device", "net_null0", "--spoof-prefix", "10.0.0.0/24"], "outside 198.18.0.0/15"),
                           (["ihello", "--target", TARGET, "--bogus"], "unknown option")):
            p = it.run([self.load_bin] + args, check=False)
            self.f.check(p.returncode == 2 and text in p.stderr,
                         "%s: exit 2 naming %r (got %d)" % (" ".join(args), text, p.returncode))

    def finish(self):
        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exits 0 on SIGTERM (got %s)" % rc)
        c = self.daemon.final_counters()
        self.f.check(len(c) > 0, "stratod printed its final counters")
        self.f.check(c.get("stage.rhello_sent", -1) == self.valid,
                     "stage.rhello_sent == %d valid RHellos seen by strato-load (got %s)"
                     % (self.valid, c.get("stage.rhello_sent")))
        for kind, n in sorted(self.invalid.items()):
            self.f.check(c.get("drop." + kind, -1) == n, "drop.%s == %d sent by strato-load (got %s)"
                         % (kind, n, c.get("drop." + kind)))
        self.f.check(c.get("stage.rtmfp_session", -1) == self.invalid.get("unknown_session", 0),
                     "stage.rtmfp_session == unknown_session sent")
        self.f.check(c.get("drop.rate_limited", 0) == 0, "nothing rate limited")


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
        if r.f.items and r.daemon:
            with open(os.path.join(r.tmp, "stratod.err")) as fh:
                print("---- stratod stderr\n" + fh.read())
    if r.f.items:
        print("%d check(s) failed" % len(r.f.items))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
