#!/usr/bin/env python3
"""Integration test: the REST API of a running stratod (net_af_packet).

curl and stratoctl against stratod: /v1/health, /v1/stats (counters move
after strato-peer hellos), /metrics parses, /v1/peers lists a client that
stays connected and /v1/peers/{id} shows it, DELETE without a token -> 401,
with a wrong one -> 403, PUT /v1/config with a bad config -> 400 and nothing
changed, a PUT lowering the handshake and introduction rate limits is
applied by the running workers (IHellos beyond the new burst are dropped as
rate_limited) and a bad limit is refused naming the field, an app's
max_peers lowered to 1 refuses a second client at once, SIGHUP with a bad
file keeps stratod running, with a good one logs the reload and restores the
file's limits on the workers.

usage: stratod_rest.py STRATOD STRATO_PEER STRATOCTL EXAMPLE_CONFIG
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strato_it as it  # noqa: E402

SERVER = "rtmfp://198.18.0.1/app"
TOKEN = "it-token-0123456789abcdef"


def curl(url, *args):
    """(status, body) of one request."""
    p = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"] + list(args) + [url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def telemetry(eal_prefix, command):
    """One command on stratod's DPDK telemetry socket (what dpdk-telemetry.py
    speaks): the decoded JSON answer, or None."""
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % eal_prefix
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(5)
            s.connect(path)
            s.recv(4096)  # greeting: version, pid, max_output_len
            s.send(command.encode())
            return json.loads(s.recv(1 << 20).decode())
    except (OSError, ValueError):
        return None


def counters_sum(stats):
    t = stats.get("totals", {})
    total = 0
    for v in t.values() if isinstance(t, dict) else []:
        if isinstance(v, int):
            total += v
        elif isinstance(v, dict):
            total += sum(x for x in v.values() if isinstance(x, int))
        elif isinstance(v, list):
            total += sum(x for x in v if isinstance(x, int))
    return total


def parse_metrics(text):
    """Prometheus text format: every non-comment line is `name{labels} value`."""
    rx = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+\-]+|NaN$')
    samples = 0
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not rx.match(line):
            return None, line
        samples += 1
    return samples, None


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    stratod_bin, peer_bin, stratoctl, example = sys.argv[1:]
    reason = it.Netns.unavailable_reason()
    if reason:
        print("SKIP: " + reason)
        return 77
    if subprocess.run(["which", "curl"], stdout=subprocess.DEVNULL).returncode != 0:
        print("SKIP: curl not installed")
        return 77
    it.terminate_on_signals()
    it.Netns.sweep_stale()
    net = it.Netns("rest")
    f = it.Failures()
    daemon = None
    stay = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            net.create()
            port = it.free_tcp_port()
            base = "http://127.0.0.1:%d" % port
            config = os.path.join(tmp, "stratod.toml")
            it.write_config(example, config, net.host_if, rest_port=port)
            # A runtime directory of this run's own: its DPDK telemetry socket.
            eal_prefix = "strato-rest-%d" % os.getpid()
            with open(config) as c:
                text = c.read()
            text = text.replace('"--no-shconf"]', '"--no-shconf", "--file-prefix=%s"]' % eal_prefix, 1)
            with open(config, "w") as c:
                c.write(text)
            with open(config, "a") as c:
                c.write('token = "%s"\n' % TOKEN)  # write_config's [rest] is the last table
            good_text = open(config).read()
            token_file = os.path.join(tmp, "token")
            with open(token_file, "w") as t:
                t.write(TOKEN + "\n")
            err_path = os.path.join(tmp, "stratod.err")
            daemon = it.Stratod(stratod_bin, config, err_path)
            m, _ = daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
            if not m:
                raise RuntimeError("stratod did not print ready:\n" + "\n".join(daemon.lines) + open(err_path).read())
            auth = ["-H", "Authorization: Bearer " + TOKEN]
            ctl = lambda *a: subprocess.run([stratoctl, "--url", base, "--token-file", token_file] + list(a),  # noqa: E731
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            # The listener comes up right after ready.
            deadline = time.monotonic() + 10
            code, body = 0, ""
            while time.monotonic() < deadline:
                try:
                    code, body = curl(base + "/v1/health")
                except subprocess.TimeoutExpired:
                    code = 0
                if code:
                    break
                time.sleep(0.2)

            it.log("== health and stats")
            f.check(code == 200 and json.loads(body).get("status") == "ok", "GET /v1/health: 200 ok (%d %s)" % (code, body))
            code, body = curl(base + "/v1/stats")
            before = counters_sum(json.loads(body)) if code == 200 else -1
            f.check(code == 200, "GET /v1/stats: 200 (%d)" % code)
            p = it.run([peer_bin, "hello", SERVER, "--count", "5"], check=False, ns=net.ns)
            f.check(p.returncode == 0, "strato-peer hello x5 (rc %d %s)" % (p.returncode, p.stderr.strip()))
            code, body = curl(base + "/v1/stats")
            after = counters_sum(json.loads(body)) if code == 200 else -1
            f.check(after > before >= 0, "/v1/stats counters moved after hellos (%d -> %d)" % (before, after))
            p = ctl("stats")
            f.check(p.returncode == 0 and p.stdout.strip() != "", "stratoctl stats (rc %d)" % p.returncode)
            p = ctl("--json", "stats")
            try:
                f.check("lcores" in json.loads(p.stdout), "stratoctl --json stats: JSON with lcores")
            except ValueError:
                f.check(False, "stratoctl --json stats: JSON (%r)" % p.stdout[:200])
            code, body = curl(base + "/metrics")
            samples, bad = parse_metrics(body) if code == 200 else (None, "status %d" % code)
            f.check(samples and samples > 0, "GET /metrics parses (%s samples; bad line %r)" % (samples, bad))

            it.log("== peers")
            stay = subprocess.Popen(["ip", "netns", "exec", net.ns, peer_bin, "connect", SERVER, "--stay", "15",
                                     "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            peers = []
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline and not peers:
                time.sleep(0.3)
                code, body = curl(base + "/v1/peers")
                if code == 200:
                    peers = json.loads(body).get("peers", [])
            f.check(len(peers) == 1, "GET /v1/peers lists the staying client (%d)" % len(peers))
            if peers:
                pid = peers[0].get("peer_id", "")
                f.check(re.fullmatch(r"[0-9a-f]{64}", pid) is not None and peers[0].get("app") == "app"
                        and peers[0].get("public_address", "").startswith("198.18.0.2:"),
                        "peer: hex ID, app, public address (%s)" % peers[0])
                code, body = curl(base + "/v1/peers/" + pid)
                f.check(code == 200 and json.loads(body).get("peer_id") == pid, "GET /v1/peers/{id}: 200 (%d)" % code)
                p = ctl("peers", "show", pid)
                f.check(p.returncode == 0 and pid[:16] in p.stdout, "stratoctl peers show (rc %d)" % p.returncode)
                p = ctl("peers", "list")
                f.check(p.returncode == 0 and pid[:16] in p.stdout, "stratoctl peers list (rc %d)" % p.returncode)
                code, _ = curl(base + "/v1/peers/" + pid, "-X", "DELETE")
                f.check(code == 401, "DELETE without token: 401 (%d)" % code)
                code, _ = curl(base + "/v1/peers/" + pid, "-X", "DELETE", "-H", "Authorization: Bearer wrong")
                f.check(code == 403, "DELETE with a wrong token: 403 (%d)" % code)
                code, body = curl(base + "/v1/peers/" + pid, "-X", "DELETE", *auth)
                f.check(code in (200, 202), "DELETE with the token: kick accepted (%d %s)" % (code, body))
                gone = False
                deadline = time.monotonic() + 8
                while time.monotonic() < deadline and not gone:
                    time.sleep(0.3)
                    gone = curl(base + "/v1/peers/" + pid)[0] == 404
                f.check(gone, "kicked peer leaves the directory well before its 15 s stay")
            code, _ = curl(base + "/v1/peers/" + "0" * 64)
            f.check(code == 404, "GET unknown peer: 404 (%d)" % code)
            stay.communicate(timeout=40)
            stay = None
            code, body = curl(base + "/v1/groups")
            f.check(code == 200 and json.loads(body).get("groups") == [], "GET /v1/groups: 200, empty (%d)" % code)

            it.log("== config")
            code, body = curl(base + "/v1/config", *auth)
            f.check(code == 200, "GET /v1/config with token: 200 (%d)" % code)
            bad = good_text.replace("udp_ports = [1935]", "udp_ports = [99999]") + "\n[nonsense]\nx = 1\n"
            code, body = curl(base + "/v1/config", "-X", "PUT", "-H", "Content-Type: application/toml",
                              "--data-binary", bad, *auth)
            f.check(code == 400, "PUT /v1/config bad: 400 (%d %s)" % (code, body[:300]))
            code, body2 = curl(base + "/v1/config", *auth)
            f.check(code == 200 and body2 == curl(base + "/v1/config", *auth)[1] and "99999" not in body2,
                    "config unchanged after the bad PUT")
            new_text = re.sub(r"stats_interval_seconds\s*=\s*\d+", "stats_interval_seconds = 2", good_text)
            code, body = curl(base + "/v1/config", "-X", "PUT", "-H", "Content-Type: application/toml",
                              "--data-binary", new_text, *auth)
            f.check(code == 200 and "server.stats_interval_seconds" in body,
                    "PUT /v1/config good: 200, stats interval applied (%d %s)" % (code, body[:300]))

            it.log("== live reload of rate limits")
            # Handshake replies 1/s with a burst of 3, introductions 1/s with
            # a burst of 2: the running workers must apply both.
            limited = re.sub(r"\n\[introduction\][^\[]*", "\n", new_text)
            limited += "\n[introduction]\nper_initiator_per_second = 1\nper_initiator_burst = 2\n"
            limited = re.sub(r"rate_limit_per_second\s*=\s*\d+", "rate_limit_per_second = 1", limited)
            limited = re.sub(r"rate_limit_burst\s*=\s*\d+", "rate_limit_burst = 3", limited)
            code, body = curl(base + "/v1/config", "-X", "PUT", "-H", "Content-Type: application/toml",
                              "--data-binary", limited, *auth)
            try:
                r = json.loads(body)
                applied = [c["field"] for c in r.get("applied", [])]
                later = [c["field"] for c in r.get("restart_required", [])]
            except (ValueError, KeyError, TypeError):
                applied, later = [], []
            f.check(code == 200 and "handshake.rate_limit_burst" in applied and
                    "introduction.per_initiator_burst" in applied and not later,
                    "PUT /v1/config limits: 200, applied live (%d applied %s restart %s)" % (code, applied, later))

            def drops():
                c, b = curl(base + "/v1/stats")
                return json.loads(b).get("drop_reasons", {}) if c == 200 else {}

            def stages():
                c, b = curl(base + "/v1/stats")
                return json.loads(b).get("stages", {}) if c == 200 else {}

            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and stages().get("config_applied", 0) < 1:
                time.sleep(0.1)
            f.check(stages().get("config_applied", 0) >= 1, "workers took the reload (stage.config_applied)")
            limited_before = drops().get("rate_limited", 0)
            p = it.run([peer_bin, "hello", SERVER, "--count", "10", "--timeout", "1000", "--json"], check=False, ns=net.ns)
            try:
                valid = json.loads(p.stdout.strip().splitlines()[-1]).get("valid", -1)
            except (ValueError, IndexError):
                valid = -1
            f.check(0 < valid <= 4, "10 IHellos at burst 3: %s answered" % valid)
            f.check(drops().get("rate_limited", 0) >= limited_before + 6, "the rest counted as rate_limited (%s)"
                    % drops().get("rate_limited"))
            # A bad reload changes nothing and names the field.
            bad_limits = limited.replace("per_initiator_burst = 2\n", "per_initiator_burst = 0\n")
            code, body = curl(base + "/v1/config", "-X", "PUT", "-H", "Content-Type: application/toml",
                              "--data-binary", bad_limits, *auth)
            f.check(code == 400 and "introduction.per_initiator_burst" in body,
                    "PUT /v1/config bad limit: 400 naming the field (%d %s)" % (code, body[:300]))
            code, body = curl(base + "/v1/config", *auth)
            f.check(code == 200 and re.search(r'per_initiator_burst"?\s*[:=]\s*2\b', body) is not None,
                    "limits unchanged after the bad PUT (%s)" % re.findall(r'per_initiator_burst\W+\d+', body))

            it.log("== live reload of an app quota")
            quota = new_text.replace('path = "app"\n', 'path = "app"\nmax_peers = 1\n', 1)
            code, body = curl(base + "/v1/config", "-X", "PUT", "-H", "Content-Type: application/toml",
                              "--data-binary", quota, *auth)
            try:
                applied = [c["field"] for c in json.loads(body).get("applied", [])]
            except (ValueError, AttributeError):
                applied = []
            f.check(code == 200 and "apps[0].max_peers" in applied,
                    "PUT /v1/config apps[0].max_peers = 1: applied live (%d %s)" % (code, applied))
            first = subprocess.Popen(["ip", "netns", "exec", net.ns, peer_bin, "connect", SERVER, "--stay", "5"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                c, b = curl(base + "/v1/peers")
                if c == 200 and json.loads(b).get("peers"):
                    break
                time.sleep(0.2)
            p = it.run([peer_bin, "connect", SERVER], check=False, ns=net.ns, timeout=30)
            f.check(p.returncode == 4, "second connect to app with max_peers 1: rejected, exit 4 (got %d)" % p.returncode)
            first.communicate(timeout=30)
            f.check(first.returncode == 0, "the first client stayed connected (exit %s)" % first.returncode)

            it.log("== every route through stratoctl, curl and the telemetry socket")
            code, body = curl(base + "/v1/openapi.json")
            try:
                paths = json.loads(body).get("paths", {}) if code == 200 else {}
            except ValueError:
                paths = {}
            f.check(all(r in paths for r in ("/v1/health", "/v1/stats", "/v1/peers", "/v1/peers/{peer_id}", "/v1/groups",
                                             "/v1/groups/{group_id}", "/v1/config", "/v1/apps", "/metrics")),
                    "GET /v1/openapi.json: 200, every route described (%d, %d paths)" % (code, len(paths)))
            p = ctl("groups", "list")
            f.check(p.returncode == 0 and "GROUP" in p.stdout.upper(), "stratoctl groups list (rc %d)" % p.returncode)
            p = ctl("groups", "show", "ab" * 32)
            f.check(p.returncode == 1 and "not" in (p.stdout + p.stderr).lower(),
                    "stratoctl groups show unknown: refused, exit 1 (%d %s)" % (p.returncode, p.stderr.strip()[:120]))
            p = ctl("peers", "kick", "0" * 64)
            f.check(p.returncode == 1, "stratoctl peers kick unknown: refused, exit 1 (%d)" % p.returncode)
            p = ctl("config", "get")
            f.check(p.returncode == 0 and "[server]" in p.stdout, "stratoctl config get (rc %d)" % p.returncode)
            with open(os.path.join(tmp, "bad.toml"), "w") as c:
                c.write(bad)
            with open(os.path.join(tmp, "good.toml"), "w") as c:
                c.write(new_text)
            p = ctl("config", "check", os.path.join(tmp, "bad.toml"))
            f.check(p.returncode == 2 and "server.udp_ports" in (p.stdout + p.stderr),
                    "stratoctl config check bad: exit 2 naming server.udp_ports (%d)" % p.returncode)
            p = ctl("config", "check", os.path.join(tmp, "good.toml"))
            f.check(p.returncode == 0, "stratoctl config check good: exit 0 (%d %s)" % (p.returncode, p.stderr[:200]))
            p = ctl("config", "apply", os.path.join(tmp, "good.toml"))
            f.check(p.returncode == 0, "stratoctl config apply good: exit 0 (%d %s)" % (p.returncode, p.stderr[:200]))
            code, _ = curl(base + "/v1/apps")
            f.check(code == 401, "GET /v1/apps without token: 401 (%d)" % code)
            code, body = curl(base + "/v1/apps", *auth)
            f.check(code == 200 and "apps" in json.loads(body), "GET /v1/apps with token: 200 (%d)" % code)
            p = ctl("apps", "add", "loadtest", "--key", "k3y-for-tests", "--max-peers", "50")
            f.check(p.returncode == 0, "stratoctl apps add loadtest (%d %s)" % (p.returncode, p.stderr[:200]))
            code, body = curl(base + "/v1/apps", "-X", "POST", "-H", "Content-Type: application/json",
                              "--data-binary", '{"path": "loadtest"}', *auth)
            f.check(code == 409, "POST /v1/apps duplicate: 409 (%d %s)" % (code, body[:200]))
            code, body = curl(base + "/v1/apps", "-X", "POST", "-H", "Content-Type: application/json",
                              "--data-binary", '{"path": "x", "max_peers": "many"}', *auth)
            f.check(code == 400 and "max_peers" in body, "POST /v1/apps wrong type: 400 naming max_peers (%d)" % code)
            p = ctl("apps", "list")
            f.check(p.returncode == 0 and "loadtest" in p.stdout and "k3y-for-tests" in p.stdout,
                    "stratoctl apps list shows the new app and its key (rc %d)" % p.returncode)
            p = ctl("apps", "remove", "loadtest")
            f.check(p.returncode == 0, "stratoctl apps remove loadtest (%d %s)" % (p.returncode, p.stderr[:200]))
            code, body = curl(base + "/v1/apps?path=loadtest", "-X", "DELETE", *auth)
            f.check(code == 404, "DELETE /v1/apps again: 404 (%d)" % code)
            p = subprocess.run([stratoctl, "--url", "http://127.0.0.1:%d" % it.free_tcp_port(), "stats"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            f.check(p.returncode == 3, "stratoctl against nothing: exit 3, unreachable (%d)" % p.returncode)
            for cmd, key in (("/strato/stats", "rx_packets"), ("/strato/peers", "total"), ("/strato/groups", "total")):
                answer = telemetry(eal_prefix, cmd)
                f.check(isinstance(answer, dict) and isinstance(answer.get(cmd), dict) and
                        isinstance(answer[cmd].get(key), int),
                        "telemetry %s answers with %s (%s)" % (cmd, key, json.dumps(answer)[:160]))

            it.log("== SIGHUP")
            with open(config, "w") as c:
                c.write(bad)
            daemon.proc.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            code, _ = curl(base + "/v1/health")
            f.check(daemon.proc.poll() is None and code == 200, "SIGHUP with a bad file: still running (%d)" % code)
            errs = open(err_path).read()
            f.check("keeping the running config" in errs, "SIGHUP bad: errors logged, old config kept")
            with open(config, "w") as c:
                c.write(good_text)
            daemon.proc.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            f.check(daemon.proc.poll() is None and "reload: %s applied" % config in open(err_path).read(),
                    "SIGHUP with a good file: reloaded")
            # The file's limits (1000/s, burst 2000) are back on the workers.
            p = it.run([peer_bin, "hello", SERVER, "--count", "10", "--json"], check=False, ns=net.ns)
            try:
                valid = json.loads(p.stdout.strip().splitlines()[-1]).get("valid", -1)
            except (ValueError, IndexError):
                valid = -1
            f.check(valid == 10 and stages().get("config_applied", 0) >= 2,
                    "after SIGHUP all 10 IHellos answered (%s; config_applied %s)" % (valid, stages().get("config_applied")))
        finally:
            if stay is not None:
                stay.kill()
                stay.wait()
            rc = daemon.stop() if daemon else None
            if daemon:
                f.check(rc == 0, "stratod exits 0 (%s)" % rc)
            net.destroy()
    if f.items:
        it.log("FAILED: %d check(s)" % len(f.items))
        return 1
    it.log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
