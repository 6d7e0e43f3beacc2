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

3. IPv6: listener at 2001:db8::12, caller at 2001:db8::13, both on the
   bridge, talking to stratod at 2001:db8::1 (-6): the Redirect lists IPv6
   candidates and the session between them is direct over IPv6.
4. Bad input during and after the calls: a flood namespace (198.18.0.6-9)
   sends IHellos for made-up peer IDs and for malformed ones (a 31-byte
   fingerprint) while the direct call runs, and then floods the NAT
   listener's real peer ID from four addresses. The call must still work;
   the floods must be counted (unknown_peer, bad_option) and limited
   (introduction_initiator_limited, introduction_target_limited), with the
   Redirects and Forwarded IHellos stratod sent staying within the buckets.

stratod's final counters must show the introductions (stage.introduction,
stage.redirect_sent, stage.fihello_sent) and that no user data crossed it:
sessions were opened by the listeners only, and the messages it received
are those of the listeners' NetConnections (connect, setPeerInfo).

usage: strato_peer_p2p.py STRATOD STRATO_PEER EXAMPLE_CONFIG
"""
import json
import re
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
SERVER_V6 = "2001:db8::1"
URI_V6 = "rtmfp://[%s]/app" % SERVER_V6
FLOOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rtmfp_flood.py")
FLOOD_SOURCES = ["198.18.0.6", "198.18.0.7", "198.18.0.8", "198.18.0.9"]
# [introduction] for this run (the example's values, written out so that the
# bounds below follow them).
INITIATOR_RATE, INITIATOR_BURST = 100, 200
TARGET_RATE, TARGET_BURST = 200, 400
TARGET_FLOOD_SECONDS = 3


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

    def on_bridge6(self, tag, addr, addr6):
        """A peer on the bridge with IPv4 and IPv6 (no DAD, no RA: quiet)."""
        ns = self.ns(tag)
        a, b = self.veth(self.hub, ns)
        it.run(["ip", "link", "set", a, "master", "br0"], ns=self.hub)
        for key in ("accept_ra=0", "router_solicitations=0", "dad_transmits=0"):
            it.run(["sysctl", "-qw", "net.ipv6.conf.%s.%s" % (b, key)], ns=ns)
        it.run(["ip", "addr", "add", addr + "/24", "dev", b], ns=ns)
        it.run(["ip", "addr", "add", addr6 + "/64", "dev", b, "nodad"], ns=ns)
        return ns

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
        self.flooded = 0
        self.target_flood_sent = 0
        self.flood_ns = None

    def flood(self, args, duration, pps, sources):
        cmd = ["ip", "netns", "exec", self.flood_ns, sys.executable, FLOOD, "%s:1935" % SERVER,
               "--duration", str(duration), "--pps", str(pps)]
        for src in sources:
            cmd += ["--source", src]
        return subprocess.Popen(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def flood_result(self, proc, what):
        out, err = proc.communicate(timeout=120)
        try:
            j = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.f.check(False, "%s: flood output (rc %s, %r %r)" % (what, proc.returncode, out, err[-300:]))
            return 0
        it.log("  %s: %s" % (what, j))
        self.f.check(j["sent"] > 0, "%s: flood sent packets" % what)
        return j["sent"]

    def scenario(self, name, listen_ns, call_ns, during=None, after=None, ipv6=False):
        it.log("== %s" % name)
        uri, server = (URI_V6, SERVER_V6) if ipv6 else (URI, SERVER)
        family = ["-6"] if ipv6 else ["-4"]
        server_prefix = "[%s]:" % SERVER_V6 if ipv6 else SERVER + ":"
        it.run(["ping"] + family + ["-c", "1", "-W", "2", server], check=False, ns=listen_ns)
        it.run(["ping"] + family + ["-c", "1", "-W", "2", server], check=False, ns=call_ns)
        lst = subprocess.Popen(["ip", "netns", "exec", listen_ns, self.peer_bin, "listen", uri, "--json",
                                "--duration", "30"] + family, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
            flood = during() if during else None
            p = it.run([self.peer_bin, "call", uri, peer_id, "--json", "--count", "3", "--message", "p2p " + name]
                       + family, check=False, ns=call_ns, timeout=60)
            if flood:
                self.flooded += self.flood_result(flood, "%s: flood of unknown and malformed peer IDs" % name)
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
            responder = j.get("responder", "")
            self.f.check(j.get("direct") is True and not responder.startswith(server_prefix)
                         and responder.startswith("[") == ipv6,
                         "%s: direct session with %s" % (name, responder))
            if ipv6:
                self.f.check(all(c.startswith("[2001:db8:") for c in j.get("candidates", [])),
                             "%s: IPv6 candidates only (%s)" % (name, j.get("candidates")))
            # A call for a peer nobody registered: no Redirect, exit 3.
            q = it.run([self.peer_bin, "call", uri, "ab" * 32, "--timeout", "1500"] + family, check=False, ns=call_ns)
            self.f.check(q.returncode == 3, "%s: unknown peer ID -> exit 3 (got %d)" % (name, q.returncode))
            if after:
                after(peer_id)
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
        v6_l = self.topo.on_bridge6("6l", "198.18.0.12", "2001:db8::12")
        v6_c = self.topo.on_bridge6("6c", "198.18.0.13", "2001:db8::13")
        self.flood_ns, flood_if = self.topo.on_bridge("fl", FLOOD_SOURCES[0])
        for extra in FLOOD_SOURCES[1:]:
            it.run(["ip", "addr", "add", extra + "/24", "dev", flood_if], ns=self.flood_ns)
        config = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, config, self.topo.link.host_if)
        with open(config) as f:
            text = f.read()
        # Every host of this test shares 198.18.0.0/24, which on the internet
        # would be as many networks: handshake buckets per address, so that
        # the flooder's own bucket is the one it empties.
        text = re.sub(r"rate_limit_ipv4_prefix\s*=\s*\d+", "rate_limit_ipv4_prefix = 32", text)
        text = re.sub(r"\n\[introduction\][^\[]*", "\n", text)
        text += ("\n[introduction]\nper_initiator_per_second = %d\nper_initiator_burst = %d\n"
                 "per_target_per_second = %d\nper_target_burst = %d\n"
                 % (INITIATOR_RATE, INITIATOR_BURST, TARGET_RATE, TARGET_BURST))
        with open(config, "w") as f:
            f.write(text)
        self.daemon = it.Stratod(self.stratod_bin, config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            raise RuntimeError("stratod did not print ready:\n" + "\n".join(self.daemon.lines))
        # During the direct call: 3000 IHellos/s for made-up and malformed
        # peer IDs from one address, 50x its introduction rate.
        self.scenario("direct", direct_l, direct_c,
                      during=lambda: self.flood(["--unknown", "64", "--malformed", "8"], 10, 3000, FLOOD_SOURCES[:1]))

        def target_flood(peer_id):
            proc = self.flood(["--peer-id", peer_id], TARGET_FLOOD_SECONDS, 2000, FLOOD_SOURCES)
            self.target_flood_sent = self.flood_result(proc, "cone NAT: flood of the listener's peer ID from 4 addresses")

        self.scenario("cone NAT", nat_l, nat_c, after=target_flood)
        self.scenario("IPv6 direct", v6_l, v6_c, ipv6=True)
        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exit 0 (got %s)" % rc)
        c = self.daemon.final_counters()
        it.log("== final counters (non-zero)")
        for k in sorted(c):
            if c[k]:
                it.log("  %s %d" % (k, c[k]))
        self.f.check(c.get("stage.introduction", 0) >= 3, "stage.introduction >= 3 (%s)" % c.get("stage.introduction"))
        self.f.check(c.get("stage.redirect_sent", 0) >= 3, "stage.redirect_sent >= 3 (%s)" % c.get("stage.redirect_sent"))
        self.f.check(c.get("stage.fihello_sent", 0) >= 3, "stage.fihello_sent >= 3 (%s)" % c.get("stage.fihello_sent"))
        # The floods: counted under their reasons, and limited.
        self.f.check(c.get("drop.unknown_peer", 0) >= 64, "made-up peer IDs counted: drop.unknown_peer %s"
                     % c.get("drop.unknown_peer"))
        self.f.check(c.get("drop.bad_option", 0) >= 8, "malformed peer IDs counted: drop.bad_option %s"
                     % c.get("drop.bad_option"))
        self.f.check(c.get("drop.introduction_initiator_limited", 0) > 0, "drop.introduction_initiator_limited %s"
                     % c.get("drop.introduction_initiator_limited"))
        self.f.check(c.get("drop.introduction_target_limited", 0) > 0, "drop.introduction_target_limited %s"
                     % c.get("drop.introduction_target_limited"))
        # The target flood's four addresses may ask for 4 x 100/s; the target
        # bucket lets through at most its burst plus its rate over the flood
        # (one second of slack for the start-up), plus the real calls.
        bound = TARGET_BURST + TARGET_RATE * (TARGET_FLOOD_SECONDS + 1) + 10
        self.f.check(c.get("stage.fihello_sent", 0) <= bound and c.get("stage.redirect_sent", 0) <= bound,
                     "introductions bounded by the target bucket: fihello_sent %s redirect_sent %s <= %d (flood sent %d)"
                     % (c.get("stage.fihello_sent"), c.get("stage.redirect_sent"), bound, self.target_flood_sent))
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
    return it.main_for(Run, __doc__, tools=("iptables",))


if __name__ == "__main__":
    sys.exit(main())
