#!/usr/bin/env python3
"""Integration test: message relay through stratod (tcserver's relay/onRelay)
between two peers that cannot reach each other.

Topology: strato_peer_p2p's bridge, with each peer in a private network
behind a *symmetric* NAT (iptables MASQUERADE --random-fully: every new
destination gets a new random source port, and unsolicited inbound packets
are dropped). net_af_packet gives stratod one RX queue, so both sessions
live on one worker lcore here; the handoff-ring path is covered by the
dataplane test.

1. A listens (`listen --relay-echo`): registered, prints its peer ID.
2. B's `call` to A's peer ID gets the Redirect but no direct session: the
   NATs defeat hole punching (exit 3).
3. B relays 3 messages to A through stratod (`relay --wait-reply`): all
   acknowledged (_result), A prints each onRelay with B's peer ID as sender
   and relays it back, B gets the 3 echoes.
4. Unknown and malformed peer IDs, and a sender over its token bucket:
   NetConnection.Call.Failed with the reason.
5. stratod's counters: relayed, delivered, the named relay drops.

usage: strato_peer_relay.py STRATOD STRATO_PEER EXAMPLE_CONFIG
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402
import strato_peer_p2p as p2p  # noqa: E402

SERVER = p2p.SERVER
URI = p2p.URI


def json_lines(text):
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


RELAY_BURST = 5


def relay_test_config(path):
    """A small relay token bucket (1/s, burst RELAY_BURST) so that the
    limit shows within one run (write_config already gave the run its own
    REST port)."""
    with open(path) as f:
        text = f.read()
    text = text.replace("[sessions]\n", "[sessions]\nrelay_per_second = 1\nrelay_burst = %d\n" % RELAY_BURST, 1)
    with open(path, "w") as f:
        f.write(text)


class Run:
    def __init__(self, stratod_bin, peer_bin, example):
        self.stratod_bin, self.peer_bin, self.example = stratod_bin, peer_bin, example
        self.topo = p2p.Topology()
        self.f = it.Failures()
        self.daemon = None
        self.tmp = None

    def listener(self, ns, extra):
        """`listen` in ns; returns (process, peer ID or None, lines read)."""
        p = subprocess.Popen(["ip", "netns", "exec", ns, self.peer_bin, "listen", URI, "--json", "--duration", "60"] +
                             extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            j = json_lines(line)
            if j and j[0].get("event") == "registered":
                return p, j[0]["text"].split()[2], lines
        return p, None, lines

    def peer(self, ns, args, timeout=60):
        return it.run([self.peer_bin] + args, check=False, ns=ns, timeout=timeout)

    def run(self):
        self.tmp = tempfile.mkdtemp(prefix="strato-relay-")
        self.topo.create()
        ns_a = self.topo.behind_nat("ra", "198.18.0.4", "198.19.1", symmetric=True)
        ns_b = self.topo.behind_nat("rb", "198.18.0.5", "198.19.2", symmetric=True)
        config = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, config, self.topo.link.host_if)
        relay_test_config(config)
        self.daemon = it.Stratod(self.stratod_bin, config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            with open(os.path.join(self.tmp, "stratod.err")) as f:
                err = f.read()
            raise RuntimeError("stratod did not print ready:\n" + "\n".join(self.daemon.lines) + err[-2000:])
        for ns in (ns_a, ns_b):
            it.run(["ping", "-c", "1", "-W", "2", SERVER], check=False, ns=ns)

        lst, a_id, lines = self.listener(ns_a, ["--relay-echo"])
        # C: a second listener that only prints (the rate-limit target, so
        # that no echoes muddle the counts).
        quiet, c_id, _ = self.listener(ns_b, [])
        try:
            if not self.f.check(a_id is not None and c_id is not None, "A and C registered (%s)" % lines[-3:]):
                return
            # Hole punching fails across two symmetric NATs.
            c = self.peer(ns_b, ["call", URI, a_id, "--json", "--timeout", "4000"])
            cj = json_lines(c.stdout)
            summary = cj[-1] if cj else {}
            it.log("  call: rc %d, redirects %s, direct %s, error %s" % (c.returncode, summary.get("redirects"),
                                                                         summary.get("direct"), summary.get("error")))
            self.f.check(c.returncode == 3 and summary.get("direct") is not True,
                         "direct call through symmetric NATs fails (exit 3, got %d)" % c.returncode)
            self.f.check(summary.get("redirects", 0) >= 1, "the call was introduced (Redirect received)")

            # The relay gets through, both ways.
            r = self.peer(ns_b, ["relay", URI, a_id, "hello through strato", "--count", "3", "--wait-reply", "--json"])
            rj = json_lines(r.stdout)
            rs = rj[-1] if rj else {}
            b_id = rs.get("peer_id", "")
            echoes = [x["text"] for x in rj if x.get("event") == "on_relay"]
            it.log("  relay: rc %d %s" % (r.returncode, rs))
            self.f.check(r.returncode == 0, "relay exit 0 (got %d, stderr %r)" % (r.returncode, r.stderr[-300:]))
            self.f.check(rs.get("acknowledged") == 3 and rs.get("failed") == 0, "3 relays acknowledged")
            self.f.check(len(echoes) == 3 and all(e.startswith("onRelay from " + a_id + ": \"hello through strato #")
                                                  for e in echoes),
                         "3 echoes relayed back from A (%s)" % echoes)

            # Unknown and malformed targets.
            u = self.peer(ns_b, ["relay", URI, "ab" * 32, "anyone there?", "--json"])
            us = (json_lines(u.stdout) or [{}])[-1]
            self.f.check(u.returncode == 1 and us.get("error") ==
                         "relay failed: NetConnection.Call.Failed: relay target is not connected",
                         "unknown peer ID -> exit 1, Call.Failed (got %d, %s)" % (u.returncode, us.get("error")))
            # One sender over its token bucket: the burst gets through, the rest is refused.
            n = RELAY_BURST + 3
            q = self.peer(ns_b, ["relay", URI, c_id, "flood", "--count", str(n), "--json"])
            qs = (json_lines(q.stdout) or [{}])[-1]
            it.log("  flood: " + " / ".join(x.get("text", "") for x in json_lines(q.stdout)))
            self.f.check(q.returncode == 1 and qs.get("acknowledged") == RELAY_BURST and qs.get("failed") == 3 and
                         qs.get("error") == "relay failed: NetConnection.Call.Failed: relay rate limit exceeded",
                         "rate limit: %d of %d relayed, 3 refused (got rc %d, %s)" % (RELAY_BURST, n, q.returncode, qs))
            b = self.peer(ns_b, ["relay", URI, "not-a-peer-id", "x", "--json"])
            bs = (json_lines(b.stdout) or [{}])[-1]
            self.f.check(b.returncode == 1 and "64-hex-digit" in bs.get("error", ""),
                         "malformed peer ID -> exit 1, named (got %d, %s)" % (b.returncode, bs.get("error")))
        finally:
            quiet.terminate()
            quiet.communicate(timeout=10)
            lst.terminate()
            try:
                out, err = lst.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                lst.kill()
                out, err = lst.communicate()
            lj = json_lines("".join(lines) + out)
            got = [x["text"] for x in lj if x.get("event") == "on_relay"]
            for g in got:
                it.log("  A: " + g)
            if a_id:
                self.f.check(len(got) == 3 and all(("onRelay from %s: \"hello through strato #" % b_id) in g
                                                   for g in got),
                             "A printed 3 onRelay from B's peer ID %s" % b_id[:16])

        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exit 0 (got %s)" % rc)
        c = self.daemon.final_counters()
        it.log("== final counters (relay, non-zero)")
        for k in sorted(c):
            if c[k] and ("relay" in k or k.startswith("stage.session_opened") or "handed" in k or k.startswith("drop.")):
                it.log("  %s %d" % (k, c[k]))
        relayed = 6 + RELAY_BURST  # 3 + 3 echoes, and the burst of the flood
        self.f.check(c.get("stage.relayed", 0) == relayed, "stage.relayed == %d (got %s)" % (relayed, c.get("stage.relayed")))
        self.f.check(c.get("stage.relay_delivered", 0) == relayed,
                     "stage.relay_delivered == %d (%s)" % (relayed, c.get("stage.relay_delivered")))
        self.f.check(c.get("drop.relay_rate_limited", 0) == 3, "drop.relay_rate_limited == 3 (%s)" % c.get("drop.relay_rate_limited"))
        self.f.check(c.get("drop.relay_unknown_peer", 0) == 1, "drop.relay_unknown_peer == 1 (%s)" % c.get("drop.relay_unknown_peer"))
        self.f.check(c.get("drop.relay_bad_target", 0) == 1, "drop.relay_bad_target == 1 (%s)" % c.get("drop.relay_bad_target"))
        it.log("  relays across lcores (handoff ring): %s" % c.get("stage.relay_handed_over", 0))

    def cleanup(self):
        if self.daemon:
            self.daemon.stop()
        self.topo.destroy()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    return it.main_for(Run, __doc__, tools=("iptables",))


if __name__ == "__main__":
    sys.exit(main())
