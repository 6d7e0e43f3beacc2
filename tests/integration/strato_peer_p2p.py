#!/usr/bin/env python3
"""Integration test: strato-peer listen / call introduced by stratod.

Topology (addresses in 198.18.0.0/15 only): stratod on the host end of a
veth pair whose other end sits in a hub namespace on a bridge; more veth
pairs hang peer namespaces on the same bridge.

1. Direct: listener at 198.18.0.2, caller at 198.18.0.3. The listener
   registers (connect + setPeerInfo) and prints its peer ID; the caller sends
   the IHello naming it to stratod, gets the Redirect, keys with the listener
   directly and gets every echo back.
2. Cone NATs: each peer in its own private network (198.19.1.0/24,
   198.19.2.0/24) behind a NAT namespace (198.18.0.4, 198.18.0.5) doing
   iptables MASQUERADE.

stratod's final counters must show the introductions (stage.introduction,
stage.redirect_sent, stage.fihello_sent) and that no user data crossed it:
sessions were opened by the listeners only, and the messages it received
are those of the listeners' NetConnections (connect, setPeerInfo).

usage: strato_peer_p2p.py STRATOD STRATO_PEER EXAMPLE_CONFIG
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


class Topology:
    def __init__(self):
        pid = os.getpid()
        self.pid = pid
        self.link = it.Netns("p2p")   # host_if for stratod, peer_if into the hub namespace
        self.namespaces = []
        self.count = 0

    def ns(self, tag):
        name = "strato-%s-%d" % (tag, self.pid)
        it.run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        it.run(["ip", "link", "set", "lo", "up"], ns=name)
        return name

    def veth(self, ns_a, ns_b):
        """A veth pair between two namespaces (None = root); returns the names."""
        self.count += 1
        a, b = "pa%d%d" % (self.count, self.pid % 100000), "pb%d%d" % (self.count, self.pid % 100000)
        it.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
        for dev, ns in ((a, ns_a), (b, ns_b)):
            if ns:
                it.run(["ip", "link", "set", dev, "netns", ns])
            it.run(["ip", "link", "set", dev, "up"], ns=ns)
            it.run(["ethtool", "-K", dev, "tx", "off"], ns=ns, check=False)
        return a, b

    def create(self):
        link = self.link
        it.Netns.sweep_stale()
        # The stratod link, as strato_it.Netns does it, without addresses.
        it.run(["ip", "netns", "add", link.ns])
        link.created_ns = True
        self.hub = link.ns
        it.run(["ip", "link", "add", link.host_if, "type", "veth", "peer", "name", link.peer_if])
        link.created_link = True
        it.run(["ip", "link", "set", link.peer_if, "netns", self.hub])
        it.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % link.host_if])
        it.run(["sysctl", "-qw", "net.ipv4.conf.%s.forwarding=0" % link.host_if])
        it.run(["ip", "link", "set", link.host_if, "up"])
        it.run(["ethtool", "-K", link.host_if, "tx", "off"])
        it.run(["ip", "link", "set", "lo", "up"], ns=self.hub)
        it.run(["ip", "link", "add", "br0", "type", "bridge"], ns=self.hub)
        it.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], ns=self.hub)
        it.run(["ip", "link", "set", "br0", "up"], ns=self.hub)
        it.run(["ip", "link", "set", link.peer_if, "master", "br0"], ns=self.hub)
        it.run(["ip", "link", "set", link.peer_if, "up"], ns=self.hub)
        it.run(["ethtool", "-K", link.peer_if, "tx", "off"], ns=self.hub, check=False)

    def on_bridge(self, tag, addr):
        ns = self.ns(tag)
        it.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], ns=ns)
        a, b = self.veth(self.hub, ns)
        it.run(["ip", "link", "set", a, "master", "br0"], ns=self.hub)
        it.run(["ip", "addr", "add", addr + "/24", "dev", b], ns=ns)
        return ns, b

    def behind_nat(self, tag, public, inside_net, symmetric=False):
        """NAT namespace on the bridge at `public`, a peer namespace behind it
        at <inside_net>.2; MASQUERADE out of the public side. symmetric: a
        random source port for every new destination (--random-fully), so
        the port the server sees is useless to a peer."""
        nat, out_if = self.on_bridge(tag + "nat", public)
        peer = self.ns(tag)
        it.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], ns=peer)
        a, b = self.veth(nat, peer)
        it.run(["ip", "addr", "add", inside_net + ".1/24", "dev", a], ns=nat)
        it.run(["ip", "addr", "add", inside_net + ".2/24", "dev", b], ns=peer)
        it.run(["ip", "route", "add", "default", "via", inside_net + ".1"], ns=peer)
        it.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], ns=nat)
        it.run(["iptables", "-t", "nat", "-A", "POSTROUTING", "-o", out_if, "-j", "MASQUERADE"] +
               (["--random-fully"] if symmetric else []), ns=nat)
        # Unsolicited inbound packets are dropped before conntrack confirms
        # an entry for them: otherwise the caller's early IHello to this
        # NAT's public port leaves an entry whose tuple collides with the
        # listener's later RHello, and MASQUERADE moves that RHello to
        # another source port (not cone behaviour any more).
        it.run(["iptables", "-A", "INPUT", "-i", out_if, "-p", "udp", "-m", "conntrack", "--ctstate", "NEW",
                "-j", "DROP"], ns=nat)
        return peer

    def destroy(self):
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.link.destroy()


class Run:
    def __init__(self, stratod_bin, peer_bin, example):
        self.stratod_bin, self.peer_bin, self.example = stratod_bin, peer_bin, example
        self.topo = Topology()
        self.f = it.Failures()
        self.daemon = None
        self.tmp = None
        self.listeners = 0

    def scenario(self, name, listen_ns, call_ns):
        it.log("== %s" % name)
        it.run(["ping", "-c", "1", "-W", "2", SERVER], check=False, ns=listen_ns)
        it.run(["ping", "-c", "1", "-W", "2", SERVER], check=False, ns=call_ns)
        lst = subprocess.Popen(["ip", "netns", "exec", listen_ns, self.peer_bin, "listen", URI, "--json",
                                "--duration", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.listeners += 1
        peer_id = None
        events = []
        deadline = time.monotonic() + 15
        try:
            while time.monotonic() < deadline:
                line = lst.stdout.readline()
                if not line:
                    break
                events.append(line.strip())
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                if j.get("event") == "registered":
                    peer_id = j["text"].split()[2]
                    break
            if not self.f.check(peer_id is not None, "%s: listener registered (%s)" % (name, events[-3:])):
                return
            p = it.run([self.peer_bin, "call", URI, peer_id, "--json", "--count", "3", "--message", "p2p " + name],
                       check=False, ns=call_ns, timeout=60)
            try:
                j = json.loads(p.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                self.f.check(False, "%s: call JSON (rc %d, %r %r)" % (name, p.returncode, p.stdout, p.stderr))
                return
            it.log("  call: " + "; ".join(j.get("steps", [])))
            self.f.check(p.returncode == 0, "%s: call exit 0 (got %d: %s %s)" % (name, p.returncode,
                                                                                j.get("failed_check"), j.get("error")))
            self.f.check(j.get("redirects", 0) >= 1, "%s: Redirect received (candidates %s)" % (name, j.get("candidates")))
            self.f.check(j.get("echoed") == 3, "%s: 3 echoes (got %s)" % (name, j.get("echoed")))
            self.f.check(j.get("direct") is True and j.get("responder", "").split(":")[0] != SERVER,
                         "%s: direct session with %s" % (name, j.get("responder")))
            # A call for a peer nobody registered: no Redirect, exit 3.
            q = it.run([self.peer_bin, "call", URI, "ab" * 32, "--timeout", "1500"], check=False, ns=call_ns)
            self.f.check(q.returncode == 3, "%s: unknown peer ID -> exit 3 (got %d)" % (name, q.returncode))
        finally:
            lst.terminate()
            try:
                out, err = lst.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                lst.kill()
                out, err = lst.communicate()
            tail = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
            summ = [x for x in tail if x.get("event") == "summary"]
            for x in tail:
                if x.get("event") == "peer":
                    it.log("  listener: " + x.get("text", ""))
            if summ:
                s = summ[-1]
                self.f.check(s.get("sessions", 0) >= 1 and s.get("echoed", 0) >= 3,
                             "%s: listener had a session and echoed (%s)" % (name, s))
            self.f.check(lst.returncode == 0, "%s: listener exit 0 (got %s, stderr %r)" % (name, lst.returncode, err[-300:]))

    def run(self):
        self.tmp = tempfile.mkdtemp(prefix="strato-p2p-")
        self.topo.create()
        direct_l, _ = self.topo.on_bridge("pl", "198.18.0.2")
        direct_c, _ = self.topo.on_bridge("pc", "198.18.0.3")
        nat_l = self.topo.behind_nat("nl", "198.18.0.4", "198.19.1")
        nat_c = self.topo.behind_nat("nc", "198.18.0.5", "198.19.2")
        config = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, config, self.topo.link.host_if)
        self.daemon = it.Stratod(self.stratod_bin, config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            raise RuntimeError("stratod did not print ready:\n" + "\n".join(self.daemon.lines))
        self.scenario("direct", direct_l, direct_c)
        self.scenario("cone NAT", nat_l, nat_c)
        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exit 0 (got %s)" % rc)
        c = self.daemon.final_counters()
        it.log("== final counters (non-zero)")
        for k in sorted(c):
            if c[k]:
                it.log("  %s %d" % (k, c[k]))
        self.f.check(c.get("stage.introduction", 0) >= 2, "stage.introduction >= 2 (%s)" % c.get("stage.introduction"))
        self.f.check(c.get("stage.redirect_sent", 0) >= 2, "stage.redirect_sent >= 2 (%s)" % c.get("stage.redirect_sent"))
        self.f.check(c.get("stage.fihello_sent", 0) >= 2, "stage.fihello_sent >= 2 (%s)" % c.get("stage.fihello_sent"))
        self.f.check(c.get("stage.session_opened", -1) == self.listeners,
                     "sessions opened only by the %d listeners (%s)" % (self.listeners, c.get("stage.session_opened")))
        # Each listener's NetConnection sends connect and setPeerInfo; the
        # callers' echo data never reached stratod.
        self.f.check(c.get("session.messages_in", -1) <= 2 * self.listeners,
                     "no user data crossed stratod: session.messages_in %s <= %d" % (c.get("session.messages_in"),
                                                                                    2 * self.listeners))

    def cleanup(self):
        if self.daemon:
            self.daemon.stop()
        self.topo.destroy()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    reason = it.Netns.unavailable_reason()
    if reason is None and shutil.which("iptables") is None:
        reason = "iptables is not installed"
    if reason:
        it.log("SKIP: " + reason)
        return it.SKIP
    it.terminate_on_signals()
    r = Run(*sys.argv[1:])
    try:
        r.run()
    finally:
        r.cleanup()
    if r.f.items:
        it.log("FAILED: %d check(s)" % len(r.f.items))
        return 1
    it.log("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
