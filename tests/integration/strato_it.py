"""Shared pieces of the strato integration tests (python3 stdlib only).

A test creates its own network namespace and veth pair (names carry the PID
so parallel runs on a shared machine never collide), runs stratod on the
host end with net_af_packet, and talks to it from the namespace with
strato-peer and kernel sockets. Everything it creates is removed on exit,
failure and SIGTERM (meson's timeout) alike.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

SKIP = 77  # meson's exit code for a skipped test


def log(msg):
    print(msg, flush=True)


def run(cmd, check=True, ns=None, timeout=60, capture=True):
    """Runs a command (inside namespace `ns` when given); returns CompletedProcess."""
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout or "", p.stderr or ""))
    return p


class Failures:
    """Collects failed checks so one run reports all of them."""

    def __init__(self):
        self.items = []

    def check(self, ok, what):
        log(("  PASS " if ok else "  FAIL ") + what)
        if not ok:
            self.items.append(what)
        return ok


def terminate_on_signals():
    """Turns SIGTERM/SIGINT into SystemExit so that `finally` cleanup runs."""
    def handler(signum, _frame):
        raise SystemExit("interrupted by signal %d" % signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


class Netns:
    """A namespace `ns` holding `peer_if`, veth partner of `host_if` (left in
    the root namespace for stratod). Addresses only from 198.18.0.0/15 and
    2001:db8::/32."""

    def __init__(self, tag):
        pid = os.getpid()
        self.ns = "strato-%s-%d" % (tag, pid)
        self.host_if = "sh%d" % pid   # <= 15 characters (PIDs have <= 7 digits)
        self.peer_if = "sp%d" % pid
        self.created_ns = False
        self.created_link = False

    @staticmethod
    def unavailable_reason():
        if os.geteuid() != 0:
            return "needs root (network namespaces, veth pairs)"
        for tool in ("ip", "ethtool", "ping"):
            if shutil.which(tool) is None:
                return "%s is not installed" % tool
        probe = "strato-probe-%d" % os.getpid()
        p = subprocess.run(["ip", "netns", "add", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            return "cannot create a network namespace: " + p.stderr.strip()
        subprocess.run(["ip", "netns", "del", probe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return None

    @staticmethod
    def sweep_stale():
        """Deletes namespaces of earlier runs killed before their cleanup
        (SIGKILL): ours are named strato-<tag>-<pid>, and only those whose
        PID no longer exists are touched. Deleting the namespace deletes the
        veth pair with it."""
        p = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in p.stdout.splitlines():
            m = re.match(r"^(strato-[a-z]+-(\d+))\b", line)
            if m and not os.path.exists("/proc/%s" % m.group(2)):
                subprocess.run(["ip", "netns", "del", m.group(1)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def create(self, peer_v4="198.18.0.2/24", peer_v6="2001:db8::2/64"):
        self.sweep_stale()
        run(["ip", "netns", "add", self.ns])
        self.created_ns = True
        run(["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if])
        self.created_link = True
        run(["ip", "link", "set", self.peer_if, "netns", self.ns])
        # The host end belongs to stratod: the host kernel must neither
        # speak IPv6 on it (MLD/ND noise in the counters) nor forward
        # anything that arrives on it (nothing may leave the machine).
        run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % self.host_if])
        run(["sysctl", "-qw", "net.ipv4.conf.%s.forwarding=0" % self.host_if])
        run(["ip", "link", "set", self.host_if, "up"])
        # Without this the kernel leaves UDP checksums unfinished on veth
        # and stratod would see (and answer) packets with bad checksums.
        run(["ethtool", "-K", self.host_if, "tx", "off"])
        for key in ("accept_ra=0", "router_solicitations=0", "dad_transmits=0"):
            run(["sysctl", "-qw", "net.ipv6.conf.%s.%s" % (self.peer_if, key)], ns=self.ns)
        run(["ip", "addr", "add", peer_v4, "dev", self.peer_if], ns=self.ns)
        run(["ip", "addr", "add", peer_v6, "dev", self.peer_if, "nodad"], ns=self.ns)
        run(["ip", "link", "set", "lo", "up"], ns=self.ns)
        run(["ip", "link", "set", self.peer_if, "up"], ns=self.ns)
        run(["ethtool", "-K", self.peer_if, "tx", "off"], ns=self.ns)

    def host_mac(self):
        with open("/sys/class/net/%s/address" % self.host_if) as f:
            return f.read().strip()

    def destroy(self):
        if self.created_link:
            subprocess.run(["ip", "link", "del", self.host_if], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.created_ns:
            subprocess.run(["ip", "netns", "del", self.ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_tcp_port():
    """A loopback TCP port nobody holds right now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(example_path, out_path, iface, stats_interval=1, rest_port=None):
    """The af_packet example with this run's interface, a fast stats line,
    and a [rest] section on a port of this run's own (stratod's default
    127.0.0.1:8080 would collide between runs and with a running stratod)."""
    with open(example_path) as f:
        text = f.read()
    text = text.replace("iface=strato0", "iface=" + iface)
    text = re.sub(r"stats_interval_seconds\s*=\s*\d+", "stats_interval_seconds = %d" % stats_interval, text)
    text = re.sub(r"\n\[rest\].*", "\n", text, flags=re.S)
    text += '\n[rest]\nlisten = "127.0.0.1:%d"\n' % (rest_port or free_tcp_port())
    with open(out_path, "w") as f:
        f.write(text)


class Stratod:
    """stratod in the background; stdout lines collected by a thread."""

    def __init__(self, binary, config, stderr_path):
        self.stderr_file = open(stderr_path, "w")
        self.proc = subprocess.Popen([binary, "--config", config], stdout=subprocess.PIPE,
                                     stderr=self.stderr_file, stdin=subprocess.DEVNULL, text=True)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, timeout, start=0):
        """First stdout line from index `start` matching `pattern`, or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m, i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and i >= len(self.lines):
                    return None, i
                self.cond.wait(min(left, 0.2))

    def stop(self, timeout=20):
        """SIGTERM, wait; returns the exit code (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        self.reader.join(5)
        self.stderr_file.close()
        return self.proc.returncode

    def final_counters(self):
        out = {}
        for line in self.lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "final":
                out[parts[1]] = int(parts[2])
        return out


def main_for(run_class, doc, tools=()):
    """main() of a test whose run_class(*argv[1:]) has run(), cleanup() and a
    Failures `f`: usage, skip reasons (root, namespaces, `tools`), cleanup
    on every exit, exit code."""
    if len(sys.argv) != 4:
        print(doc)
        return 2
    reason = Netns.unavailable_reason()
    for tool in tools:
        if reason is None and shutil.which(tool) is None:
            reason = "%s is not installed" % tool
    if reason:
        log("SKIP: " + reason)
        return SKIP
    terminate_on_signals()
    r = run_class(*sys.argv[1:])
    try:
        r.run()
    finally:
        r.cleanup()
    if r.f.items:
        log("FAILED: %d check(s)" % len(r.f.items))
        return 1
    log("PASSED")
    return 0
