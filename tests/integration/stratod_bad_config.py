#!/usr/bin/env python3
"""Integration test: bad config files are refused before anything starts.

Each case edits the af_packet example in one place. `stratod --config` must
exit 2 and print the specific error (key, value, reason) without starting
DPDK's EAL (no EAL output, no ready line) and without touching the
interface it names; `stratod --check-config` must agree. The unmodified
example must pass --check-config. Needs no root.

usage: stratod_bad_config.py STRATOD EXAMPLE_CONFIG
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402


def sub(old, new):
    def edit(text):
        if old not in text:
            raise RuntimeError("the example no longer contains %r; update this case" % old)
        return text.replace(old, new, 1)
    return edit


def drop_section(header):
    def edit(text):
        out, n = re.subn(r"\n" + re.escape(header) + r"\n.*?(?=\n\[|\Z)", "\n", text, count=1, flags=re.S)
        if n != 1:
            raise RuntimeError("the example has no %s section" % header)
        return out
    return edit


# (name, edit, expected error text)
CASES = [
    ("bad IPv4 address", sub('"198.18.0.1/24"', '"198.18.0.300/24"'),
     'ports[0].ipv4: "198.18.0.300" is not an IPv4 address'),
    ("bad IPv6 prefix", sub('"2001:db8::1/64"', '"2001:db8::1/129"'),
     'ports[0].ipv6: "2001:db8::1/129" has a bad prefix length, expected 1-128'),
    ("unknown key", sub("log_level =", "log_levl ="), "server.log_levl: unknown key"),
    ("wrong type", sub("udp_ports = [1935]", 'udp_ports = "1935"'),
     'server.udp_ports: "1935" is a string, expected an array of integers'),
    ("out of range", lambda t: re.sub(r"stats_interval_seconds = \d+", "stats_interval_seconds = 0", t),
     "server.stats_interval_seconds: 0 is out of range 1-3600"),
    ("duplicate lcore", sub("lcores = [1]", "lcores = [1, 1]"), "workers.lcores: 1 is listed twice"),
    ("worker on the main lcore", sub("lcores = [1]", "lcores = [0]"),
     "workers.lcores: 0 is the main lcore (workers.main_lcore); workers must be other lcores"),
    ("missing ports", drop_section("[[ports]]"), "ports: at least one [[ports]] entry is required"),
    ("bad vdev (af_packet without iface)", lambda t: re.sub(r"net_af_packet0,iface=\S+?\"", 'net_af_packet0"', t),
     'ports[0].device: "net_af_packet0" is not a valid vdev (iface=<interface> is required)'),
    ("neither vdev nor PCI", lambda t: re.sub(r"net_af_packet0,iface=\S+?\"", 'eth0"', t),
     'ports[0].device: "eth0" is neither a PCI address (e.g. 0000:3b:00.0) nor a vdev'),
    ("bad group list", lambda t: re.sub(r"certificate_dh_groups = \[[^\]]*\]", "certificate_dh_groups = [2, 3]", t),
     "server.certificate_dh_groups: 3 is not a supported DH group (1, 2, 5, 14, 16)"),
    ("empty group list", lambda t: re.sub(r"certificate_dh_groups = \[[^\]]*\]", "certificate_dh_groups = []", t),
     "server.certificate_dh_groups: [] is empty, expected at least one value"),
    ("mempool size", sub("mbufs_per_port = 16383", "mbufs_per_port = 1000"),
     "mempool.mbufs_per_port: 1000 is not a power of two minus one (e.g. 16383)"),
]


def interface_state(name):
    """Operstate and RX/TX counters of the interface, or None if absent."""
    base = "/sys/class/net/%s" % name
    if not os.path.isdir(base):
        return None
    vals = []
    for f in ("operstate", "statistics/rx_packets", "statistics/tx_packets", "flags"):
        with open(os.path.join(base, f)) as fh:
            vals.append(fh.read().strip())
    return tuple(vals)


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    stratod, example = argv[1], argv[2]
    f = it.Failures()
    tmp = tempfile.mkdtemp(prefix="strato-badcfg-")
    # A dummy interface the configs name: if stratod touched it (EAL probe,
    # promiscuous mode, link up) its flags or counters would change. Without
    # root the name simply does not exist and only the output is checked.
    iface = "sd%d" % os.getpid()
    created = False
    if os.geteuid() == 0 and shutil.which("ip"):
        created = subprocess.run(["ip", "link", "add", iface, "type", "dummy"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).returncode == 0
    it.terminate_on_signals()
    try:
        with open(example) as fh:
            base = fh.read().replace("iface=strato0", "iface=" + iface)
        good = os.path.join(tmp, "good.toml")
        with open(good, "w") as fh:
            fh.write(base)
        p = subprocess.run([stratod, "--check-config", good], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        f.check(p.returncode == 0, "the example passes --check-config (exit %d %s)" % (p.returncode, p.stderr.strip()))

        for i, (name, edit, expected) in enumerate(CASES):
            it.log("== %s" % name)
            path = os.path.join(tmp, "bad%02d.toml" % i)
            try:
                text = edit(base)
            except RuntimeError as e:
                f.check(False, "%s: %s" % (name, e))
                continue
            with open(path, "w") as fh:
                fh.write(text)
            before = interface_state(iface)
            p = subprocess.run([stratod, "--config", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, timeout=60)
            out = p.stdout + p.stderr
            f.check(p.returncode == 2, "%s: --config exits 2 (got %d)" % (name, p.returncode))
            f.check(expected in p.stderr, "%s: error says %r%s" % (name, expected,
                                                                 "" if expected in p.stderr else
                                                                 " (got: %s)" % p.stderr.strip()))
            f.check("EAL" not in out and "ready" not in out and "TELEMETRY" not in out,
                    "%s: nothing started (no EAL output)%s" % (name, "" if "EAL" not in out else "\n" + out))
            f.check(interface_state(iface) == before, "%s: interface %s untouched" % (name, iface))
            c = subprocess.run([stratod, "--check-config", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=30)
            f.check(c.returncode == 2 and expected in c.stdout + c.stderr,
                    "%s: --check-config agrees (exit %d)" % (name, c.returncode))
    finally:
        if created:
            subprocess.run(["ip", "link", "del", iface], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    if f.items:
        print("\n%d check(s) failed:" % len(f.items))
        for item in f.items:
            print("  - " + item.splitlines()[0])
        return 1
    print("\nall %d bad configs refused with their specific error" % len(CASES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
