#!/usr/bin/env python3
"""Integration test: stratod with net_af_packet on a veth into a namespace.

From the namespace, real kernel sockets: ARP + ping, ND + ping6, strato-peer
hellos over IPv4 and IPv6 (every RHello checked byte for byte, sizes within
the bound), 200 pipelined hellos, then malformed input (truncated,
misaligned, garbage, wrong EPD, non-zero session ID, tag too long, bad UDP
checksum, bad IPv4 header checksum), each followed by a fresh hello. At the
end SIGTERM and the exact drop counters.

usage: stratod_afpacket.py STRATOD STRATO_PEER EXAMPLE_CONFIG
       stratod_afpacket.py --craft KIND IFACE DST_MAC   (inside the namespace)
"""
import json
import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402

SERVER_V4 = "198.18.0.1"
PEER_V4 = "198.18.0.2"
SERVER_V6 = "2001:db8::1"
RTMFP_PORT = 1935
# Largest RHello stratod may send (engine::max_rhello_datagram): a 64-byte
# tag (the longest it echoes) with the 64-byte cookie and 77-byte certificate.
RHELLO_LIMIT = 4 + 16 * 15


# ---- raw frames (run inside the namespace) ---------------------------------

def ones_complement(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def craft_frame(kind, src_mac, dst_mac):
    """Ethernet/IPv4/UDP to 198.18.0.1:1935 with one deliberate fault."""
    payload = startup_garbage(0)
    src, dst = socket.inet_aton(PEER_V4), socket.inet_aton(SERVER_V4)
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 40000, RTMFP_PORT, udp_len, 0) + payload
    csum = ones_complement(pseudo + udp) or 0xFFFF
    if kind == "bad-udp-checksum":
        csum ^= 0x5A5A  # wrong but non-zero (zero would mean "no checksum")
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0x1234, 0x4000, 64, 17, 0, src, dst)
    ip_csum = ones_complement(ip)
    if kind == "bad-ipv4-checksum":
        ip_csum ^= 0x00FF
    ip = ip[:10] + struct.pack("!H", ip_csum) + ip[12:]
    eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00"
    return eth + ip + udp


def craft_main(kind, iface, dst_mac):
    with open("/sys/class/net/%s/address" % iface) as f:
        src_mac = f.read().strip()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(craft_frame(kind, src_mac, dst_mac))
    s.close()
    return 0


def startup_garbage(session_id, length=36):
    """`length` bytes of fixed junk whose scrambled session ID decodes to
    `session_id` (RFC 7016 §2.2.2: SSID ^ W0 ^ W1)."""
    b = bytearray((i * 73 + 41) & 0xFF for i in range(length))
    w = bytes(x ^ y for x, y in zip(b[4:8], b[8:12]))
    sid = struct.pack("!I", session_id)
    b[0:4] = bytes(x ^ y for x, y in zip(w, sid))
    return bytes(b)


# ---- the test ---------------------------------------------------------------

class Run:
    def __init__(self, stratod, peer, example):
        self.stratod_bin, self.peer_bin, self.example = stratod, peer, example
        self.f = it.Failures()
        self.net = it.Netns("it")
        self.daemon = None
        self.valid_rhellos = 0
        self.max_rhello = 0
        self.max_rhello_16 = 0
        self.expected_drops = {}
        self.fingerprint = None

    def peer(self, *args, timeout=60):
        return it.run([self.peer_bin] + list(args), check=False, ns=self.net.ns, timeout=timeout)

    def hello(self, uri, *extra, expect_rc=0, what=None):
        """strato-peer hello --json; checks the exit code and, on success,
        that every RHello was valid, within its bound and from this server."""
        p = self.peer("hello", uri, "--json", *extra)
        what = what or "hello %s %s" % (uri, " ".join(extra))
        try:
            j = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            j = None
        if not self.f.check(p.returncode == expect_rc and j is not None,
                            "%s: exit %d (expected %d)%s" % (what, p.returncode, expect_rc,
                                                            "" if p.returncode == expect_rc else
                                                            "\n" + p.stdout + p.stderr)):
            return j
        self.valid_rhellos += j["valid"]
        if expect_rc == 0:
            self.f.check(j["valid"] == j["sent"] and j["invalid"] == 0,
                         "%s: %d/%d valid RHellos" % (what, j["valid"], j["sent"]))
            self.f.check(j["rhello_size_max"] <= j["rhello_bound"] <= RHELLO_LIMIT,
                         "%s: RHello %d bytes <= bound %d <= %d" % (what, j["rhello_size_max"], j["rhello_bound"],
                                                                  RHELLO_LIMIT))
            self.f.check(j["fingerprint"] == self.fingerprint,
                         "%s: certificate fingerprint is the one stratod printed" % what)
            self.max_rhello = max(self.max_rhello, j["rhello_size_max"])
            if j["tag_size"] == 16:
                self.max_rhello_16 = max(self.max_rhello_16, j["rhello_size_max"])
        return j

    def fresh_hello(self, after):
        self.hello("rtmfp://%s/app" % SERVER_V4, what="fresh hello after %s" % after)

    def expect_drop(self, reason, n=1):
        self.expected_drops[reason] = self.expected_drops.get(reason, 0) + n

    def setup(self):
        self.net.create()
        # MLD reports from the namespace's new interface arrive within about
        # a second of link-up; let them pass before stratod counts anything.
        time.sleep(2.5)
        self.tmp = tempfile.mkdtemp(prefix="strato-it-")
        self.config = os.path.join(self.tmp, "stratod.toml")
        it.write_config(self.example, self.config, self.net.host_if)
        self.daemon = it.Stratod(self.stratod_bin, self.config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            with open(os.path.join(self.tmp, "stratod.err")) as f:
                err = f.read()
            raise RuntimeError("stratod did not print ready:\n%s\n%s" % ("\n".join(self.daemon.lines), err))
        self.fingerprint = m.group(1)
        it.log("stratod ready, fingerprint %s" % self.fingerprint)
        # Counters stratod took before any test traffic (stray multicast).
        m, idx = self.daemon.wait_for(r"^stats: ", 10)
        m2, _ = self.daemon.wait_for(r"^stats: ", 10, idx + 1)
        line = (m2 or m).string if (m2 or m) else ""
        nfu = re.search(r"not_for_us (\d+)", line)
        self.baseline_not_for_us = int(nfu.group(1)) if nfu else 0
        it.log("baseline before test traffic: %s" % line)

    def body(self):
        ns, v4, v6 = self.net.ns, "rtmfp://%s/app" % SERVER_V4, "rtmfp://[%s]:%d/app" % (SERVER_V6, RTMFP_PORT)
        it.log("== ARP + ICMP echo")
        p = it.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", SERVER_V4], check=False, ns=ns)
        self.f.check(p.returncode == 0, "ping %s%s" % (SERVER_V4, "" if p.returncode == 0 else "\n" + p.stdout))
        neigh = it.run(["ip", "neigh", "show", SERVER_V4, "dev", self.net.peer_if], check=False, ns=ns).stdout
        self.f.check(self.net.host_mac() in neigh, "ARP resolved %s to the port MAC %s (%s)"
                     % (SERVER_V4, self.net.host_mac(), neigh.strip()))
        it.log("== ND + ICMPv6 echo")
        p = it.run(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", SERVER_V6], check=False, ns=ns)
        self.f.check(p.returncode == 0, "ping -6 %s%s" % (SERVER_V6, "" if p.returncode == 0 else "\n" + p.stdout))
        neigh = it.run(["ip", "-6", "neigh", "show", SERVER_V6, "dev", self.net.peer_if], check=False, ns=ns).stdout
        self.f.check(self.net.host_mac() in neigh, "ND resolved %s to the port MAC (%s)" % (SERVER_V6, neigh.strip()))

        it.log("== strato-peer hello")
        p = self.peer("hello", v4)
        it.log(p.stdout.rstrip())
        self.f.check(p.returncode == 0, "strato-peer hello %s (text output) exits 0" % v4)
        if p.returncode == 0:
            self.valid_rhellos += 1
        self.hello(v4)
        self.hello(v6)
        self.hello(v4, "--epd-form", "path")
        self.hello(v6, "--epd-form", "path")
        self.hello(v4, "--peer-id", self.fingerprint, what="hello with the server's own peer ID as EPD")
        self.hello(v4, "--tag-size", "64", what="hello with the longest tag stratod echoes (64 bytes)")
        j = self.hello(v4, "--count", "200", what="200 pipelined hellos")
        if j:
            it.log("  200 hellos: %d valid, RHello %d..%d bytes, IHello %d bytes"
                   % (j["valid"], j["rhello_size_min"], j["rhello_size_max"], j["ihello_size"]))
        self.hello(v6, "--count", "50", what="50 pipelined hellos over IPv6")

        it.log("== usage errors (exit 2, nothing sent)")
        for args, text in ((["hello", "http://198.18.0.1/app"], "must start with rtmfp://"),
                           (["hello", "rtmfp://198.18.0.1"], "missing /APP"),
                           (["hello", "rtmfp://198.18.0.1:99999/app"], "port"),
                           (["hello", "rtmfp://[2001:db8::1/app"], "unterminated"),
                           # No route leaves the namespace: the lookup fails
                           # without sending anything off the machine.
                           (["hello", "rtmfp://no-such-host.invalid/app", "--timeout", "200"], "cannot resolve host"),
                           (["hello", v4, "--count", "0"], "--count"),
                           (["send-raw", "198.18.0.1", "00"], "missing port"),
                           (["send-raw", "198.18.0.1:1935", "0g"], "bad hex")):
            p = self.peer(*args)
            self.f.check(p.returncode == 2 and text in p.stderr,
                         "strato-peer %s: exit 2 with \"%s\" (got %d: %s)" % (" ".join(args), text, p.returncode,
                                                                          p.stderr.strip()))

        it.log("== malformed input, each followed by a fresh hello")
        raw = "%s:%d" % (SERVER_V4, RTMFP_PORT)

        def send_raw(data, what, reason):
            p = self.peer("send-raw", raw, data.hex(), "--wait", "300")
            self.f.check(p.returncode == 3, "%s (%d bytes): no reply (exit %d)" % (what, len(data), p.returncode))
            self.expect_drop(reason)
            self.fresh_hello(what)

        send_raw(startup_garbage(0, 19), "truncated datagram", "datagram_too_short")
        send_raw(startup_garbage(0, 4 + 17), "misaligned datagram", "datagram_misaligned")
        send_raw(startup_garbage(0, 4 + 32), "garbage of valid length", "bad_checksum")
        send_raw(startup_garbage(0x01020304, 4 + 32), "non-zero session ID", "unknown_session")

        self.hello(v4, "--epd-form", "hostname", "--timeout", "500", expect_rc=3,
                   what="IHello with a Required Hostname EPD is not answered")
        self.expect_drop("not_for_us")
        self.fresh_hello("wrong EPD")
        self.hello(v4, "--tag-size", "65", "--timeout", "500", expect_rc=3,
                   what="IHello with a 65-byte tag is not answered")
        self.expect_drop("value_out_of_range")
        self.fresh_hello("long tag")
        other = "ab" * 32
        self.hello(v4, "--peer-id", other, "--timeout", "500", expect_rc=3,
                   what="IHello naming a peer that is not connected gets no answer")
        self.expect_drop("unknown_peer")
        self.fresh_hello("peer-ID EPD")

        for kind, reason in (("bad-udp-checksum", "bad_udp_checksum"), ("bad-ipv4-checksum", "bad_ipv4_checksum")):
            p = it.run([sys.executable, os.path.abspath(__file__), "--craft", kind, self.net.peer_if,
                        self.net.host_mac()], check=False, ns=ns)
            self.f.check(p.returncode == 0, "raw frame with %s sent%s" % (kind, "" if p.returncode == 0 else
                                                                           "\n" + p.stderr))
            self.expect_drop(reason)
            self.fresh_hello(kind)

    def finish(self):
        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exits 0 on SIGTERM (got %s)" % rc)
        c = self.daemon.final_counters()
        self.f.check(len(c) > 0, "stratod printed its final counters")
        it.log("== final counters (non-zero)")
        for k in sorted(c):
            if c[k]:
                it.log("  %s %d" % (k, c[k]))
        self.expected_drops["not_for_us"] = self.expected_drops.get("not_for_us", 0) + self.baseline_not_for_us
        for key in sorted(k for k in c if k.startswith("drop.")):
            reason = key[len("drop."):]
            want = self.expected_drops.get(reason, 0)
            self.f.check(c[key] == want, "drop.%s == %d (got %d)" % (reason, want, c[key]))
        for reason in self.expected_drops:
            self.f.check("drop." + reason in c, "counter drop.%s exists" % reason)
        self.f.check(c.get("stage.rhello_sent", -1) == self.valid_rhellos,
                     "stage.rhello_sent == %d valid RHellos seen by strato-peer (got %s)"
                     % (self.valid_rhellos, c.get("stage.rhello_sent")))
        self.f.check(c.get("stage.ihello_peer_id", -1) == 1, "stage.ihello_peer_id == 1 (got %s)"
                     % c.get("stage.ihello_peer_id"))
        self.f.check(c.get("stage.rtmfp_session", -1) == 1, "stage.rtmfp_session == 1 (got %s)"
                     % c.get("stage.rtmfp_session"))
        self.f.check(c.get("stage.arp_replied", 0) >= 1, "stage.arp_replied >= 1")
        self.f.check(c.get("stage.nd_replied", 0) >= 1, "stage.nd_replied >= 1")
        self.f.check(c.get("stage.icmp_echo_replied", 0) >= 6, "stage.icmp_echo_replied >= 6 (3 ping + 3 ping6)")
        self.f.check(self.max_rhello_16 <= 180, "largest RHello for a 16-byte tag: %d bytes <= 180" % self.max_rhello_16)
        self.f.check(self.max_rhello <= RHELLO_LIMIT, "largest RHello seen: %d bytes <= %d" % (self.max_rhello,
                                                                                          RHELLO_LIMIT))


def main(argv):
    if len(argv) >= 2 and argv[1] == "--craft":
        return craft_main(argv[2], argv[3], argv[4])
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
            with open(os.path.join(r.tmp, "stratod.err")) as f:
                print("---- stratod stderr\n" + f.read())
        if getattr(r, "tmp", None):
            shutil.rmtree(r.tmp, ignore_errors=True)
    if r.f.items:
        print("\n%d check(s) failed:" % len(r.f.items))
        for item in r.f.items:
            print("  - " + item.splitlines()[0])
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
