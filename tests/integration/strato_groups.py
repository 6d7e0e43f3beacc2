#!/usr/bin/env python3
"""Integration test: NetGroups (issue 7) with strato-peer group join.

Topology: stratod on the host end of a veth pair into a hub namespace with a
bridge (strato_peer_p2p.Topology); every peer in its own namespace on the
bridge at 198.18.0.10 and up.

1. Ten peers join one group (groupspec of the netgroup capture); each learns
   at least one member from stratod (`0b <peer ID>`), every member ID learned
   is one of the ten; one peer posts and the post reaches every other peer
   over the peer mesh (direct P2P sessions opened through introductions).
2. Two peers in another group (raw ID) learn only each other.
3. Leave (FIN on the GC flow) and rejoin on a new GC flow.
4. Limits: an eleventh member of a group capped at ten, a fourth group when
   three are allowed: refused under group_members_full / group_table_full.
5. Bad input: malformed joins, a join before connect, an oversized legacy
   groupspec, a join flood
   on one flow -- counted (bad_group_join, group_join_rate) and the table
   stays within bounds (final memberships 0 once everyone left).
stratod's counters show no user data crossed it: posts travel peer to peer.

usage: strato_groups.py STRATOD STRATO_PEER EXAMPLE_CONFIG
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
from strato_peer_p2p import Topology  # noqa: E402

SERVER = "198.18.0.1"
URI = "rtmfp://%s/app" % SERVER
# From the librtmfp/MonaServer2 netgroup capture (protocol-errata.md, 7.2):
# its group ID is c3ab09fc...1dc9.
SPEC = "G:027f02010101000103010c050e74657374011b00"
SPEC_ID_PREFIX, SPEC_ID_SUFFIX = "c3ab09fc", "1dc9"
OTHER = "cd" * 32
PEERS = 10


def curl(url):
    p = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10", url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def parse(out):
    lines = out.splitlines()
    gid = next((l.split()[1] for l in lines if l.startswith("group ")), None)
    me = next((l.split()[1] for l in lines if l.startswith("peer-id ")), None)
    members = [l.split()[1] for l in lines if l.startswith("member ")]
    posts = [l for l in lines if l.startswith("post ")]
    return gid, me, members, posts, lines


class Run:
    def __init__(self, stratod_bin, peer_bin, example):
        self.stratod_bin, self.peer_bin, self.example = stratod_bin, peer_bin, example
        self.topo = Topology()
        self.f = it.Failures()
        self.daemon = None
        self.tmp = None

    def start(self, ns, spec, *extra):
        return subprocess.Popen(["ip", "netns", "exec", ns, self.peer_bin, "group", "join", URI, spec] + list(extra),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish(self, p, timeout=90):
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        return p.returncode, out, err

    def one_group_and_posts(self, nss):
        it.log("== ten peers, one group, one post")
        procs = []
        for i, ns in enumerate(nss):
            extra = ["--duration", "22", "--expect", "1"]
            if i == 0:
                extra += ["--post", "hello-group", "--post-after", "12"]
            else:
                extra += ["--expect-posts", "1"]
            procs.append(self.start(ns, SPEC, *extra))
            time.sleep(0.3)
        time.sleep(4)
        self.check_rest()
        # An eleventh member: the group is full (sessions.max_group_members = 10).
        rc, out, _ = self.finish(self.start(nss[0], SPEC, "--duration", "2"))
        self.f.check(rc == 0 and not parse(out)[2], "an 11th member is refused and learns nobody (rc %s)" % rc)
        results = [self.finish(p) for p in procs]
        ids = set()
        parsed = []
        self.rest_members = getattr(self, "rest_members", set())
        for i, (rc, out, err) in enumerate(results):
            gid, me, members, posts, lines = parse(out)
            parsed.append((gid, me, members, posts))
            ids.add(me)
            it.log("  peer %d: rc %s, %d members, posts %s, %s" % (i, rc, len(members), posts, lines[-1:] if lines else err[-200:]))
            self.f.check(gid and gid.startswith(SPEC_ID_PREFIX) and gid.endswith(SPEC_ID_SUFFIX),
                         "peer %d: group ID from the groupspec is c3ab09fc...1dc9 (%s)" % (i, gid))
            self.f.check(rc == 0, "peer %d: exit 0 (got %s; %s)" % (i, rc, err[-300:]))
            self.f.check(len(members) >= 1, "peer %d learned members (%d)" % (i, len(members)))
        for i, (gid, me, members, posts) in enumerate(parsed):
            self.f.check(all(m in ids and m != me for m in members), "peer %d: members are other peers of the group" % i)
            if i:
                self.f.check(any(p.startswith("post %s 1 hello-group" % parsed[0][1]) for p in posts),
                             "peer %d received the post of peer 0 (%s)" % (i, posts))
        self.f.check(not self.rest_members or self.rest_members == ids, "REST members are the ten peers")
        return ids

    def check_rest(self):
        """GET /v1/groups, /v1/groups/{id} and /metrics while the ten are in."""
        base = "http://127.0.0.1:%d" % self.rest_port
        code, body = curl(base + "/v1/groups?limit=10")
        it.log("  GET /v1/groups -> %d %s" % (code, body[:300]))
        try:
            groups = json.loads(body).get("groups", [])
        except ValueError:
            groups = []
        mine = [g for g in groups if g.get("group_id", "").startswith(SPEC_ID_PREFIX)]
        self.f.check(code == 200 and len(mine) == 1 and mine[0].get("member_count") == PEERS and mine[0].get("app") == "app",
                     "REST lists the group with %d members in app (%s)" % (PEERS, mine))
        if mine:
            code, body = curl(base + "/v1/groups/" + mine[0]["group_id"])
            try:
                members = json.loads(body).get("members", [])
            except ValueError:
                members = []
            self.f.check(code == 200 and len(set(members)) == PEERS, "REST group has %d members (%d)" % (PEERS, len(members)))
            self.rest_members = set(members)
        code, _ = curl(base + "/v1/groups/" + "ee" * 32)
        self.f.check(code == 404, "REST unknown group -> 404 (%d)" % code)
        code, body = curl(base + "/metrics")
        m = re.search(r"^strato_groups_all (\d+)", body, re.M)
        self.f.check(code == 200 and m and int(m.group(1)) >= 1, "/metrics strato_groups_all >= 1 (%s)" % (m and m.group(1)))

    def two_groups_apart(self, nss, group_one_ids):
        it.log("== another group stays apart")
        a = self.start(nss[0], OTHER, "--duration", "6", "--expect", "1")
        time.sleep(0.5)
        b = self.start(nss[1], OTHER, "--duration", "5", "--expect", "1")
        ra, rb = self.finish(a), self.finish(b)
        _, ida, ma, _, _ = parse(ra[1])
        _, idb, mb, _, _ = parse(rb[1])
        self.f.check(ra[0] == 0 and rb[0] == 0, "group 2: both exit 0 (%s %s)" % (ra[0], rb[0]))
        self.f.check(ma == [idb] and mb == [ida], "group 2: each learned exactly the other (%s %s)" % (ma, mb))
        self.f.check(not (set(ma + mb) & group_one_ids), "group 2: no member of group 1 leaked")

    def table_limit(self, nss):
        it.log("== the table holds at most sessions.max_groups = 3 groups")
        procs = [self.start(nss[6 + i], "%02x" % (0xa0 + i) * 32, "--duration", "4") for i in range(4)]
        results = [self.finish(p) for p in procs]
        self.f.check(all(rc == 0 for rc, _, _ in results), "four single-member groups: exit 0 (%s)" % [r[0] for r in results])

    def leave_and_rejoin(self, nss):
        it.log("== leave and rejoin")
        a = self.start(nss[2], OTHER, "--duration", "9", "--leave-after", "2", "--rejoin-after", "3")
        time.sleep(0.5)
        b = self.start(nss[3], OTHER, "--duration", "9", "--expect", "1")
        ra, rb = self.finish(a), self.finish(b)
        _, ida, ma, _, la = parse(ra[1])
        _, idb, mb, _, _ = parse(rb[1])
        self.f.check("left" in la and "rejoined" in la, "leave and rejoin printed (%s)" % la)
        self.f.check(ra[0] == 0 and rb[0] == 0, "leave/rejoin peers exit 0 (%s %s)" % (ra[0], rb[0]))
        # b learned a at least once (a's first join or its rejoin).
        self.f.check(ida in mb, "the other member learned the rejoining one (%s)" % mb)

    def bad_input(self, nss):
        it.log("== bad input")
        # Malformed joins: code 01, L = 33, kind 15 but only 3 bytes of ID; and kind 42.
        for raw in ("012115aabbcc", "01214200" + "00" * 32, "02"):
            rc, out, err = self.finish(self.start(nss[4], OTHER, "--duration", "2", "--raw-join", raw))
            self.f.check(rc == 0, "malformed join %s: session stays fine (rc %s %s)" % (raw, rc, err[-200:]))
        # A GC flow opened before connect: refused and counted (bad_group_join).
        rc, out, err = self.finish(self.start(nss[4], OTHER, "--duration", "2", "--join-before-connect"))
        _, _, members, _, _ = parse(out)
        self.f.check(rc == 0 and not members, "join before connect: no member learned (rc %s, %s)" % (rc, members))
        # An oversized groupspec (legacy form, hashed by the server): > 1024 bytes.
        entry = "7e20" + "aa" * 125
        spec = "G:" + entry * 6 + "00"
        rc, out, err = self.finish(self.start(nss[4], spec, "--legacy", "--duration", "2"))
        self.f.check(rc == 0, "oversized legacy groupspec: rc %s %s" % (rc, err[-200:]))
        # An oversized spec is refused by strato-peer itself (usage error).
        rc, out, err = self.finish(self.start(nss[4], "G:" + "01" * 3000, "--duration", "1"))
        self.f.check(rc == 2, "strato-peer refuses a >4096-character groupspec (rc %s)" % rc)
        # A join flood on one GC flow: the rate limit drops most of it.
        rc, out, err = self.finish(self.start(nss[5], OTHER, "--duration", "3", "--repeat-join", "50"))
        self.f.check(rc == 0 and "repeated join 50 times" in out, "join flood sent (rc %s %s)" % (rc, out[-200:]))

    def run(self):
        self.tmp = tempfile.mkdtemp(prefix="strato-groups-")
        self.topo.create()
        nss = [self.topo.on_bridge("g%d" % i, "198.18.0.%d" % (10 + i))[0] for i in range(PEERS)]
        config = os.path.join(self.tmp, "stratod.toml")
        self.rest_port = it.free_tcp_port()
        it.write_config(self.example, config, self.topo.link.host_if, rest_port=self.rest_port)
        with open(config) as c:
            text = c.read()
        # Limits small enough to reach: one group of ten, three groups at once.
        text = text.replace("[sessions]\n", "[sessions]\nmax_groups = 3\nmax_group_members = 10\n", 1)
        with open(config, "w") as c:
            c.write(text)
        self.daemon = it.Stratod(self.stratod_bin, config, os.path.join(self.tmp, "stratod.err"))
        m, _ = self.daemon.wait_for(r"^ready fingerprint=([0-9a-f]{64})$", 60)
        if not m:
            self.daemon.stop()
            with open(os.path.join(self.tmp, "stratod.err")) as e:
                raise RuntimeError("stratod did not print ready:\n" + "\n".join(self.daemon.lines) + e.read()[-3000:])
        for ns in nss:
            it.run(["ping", "-c", "1", "-W", "2", SERVER], check=False, ns=ns)
        ids = self.one_group_and_posts(nss)
        self.two_groups_apart(nss, ids)
        self.leave_and_rejoin(nss)
        self.table_limit(nss)
        self.bad_input(nss)
        time.sleep(1)
        rc = self.daemon.stop()
        self.f.check(rc == 0, "stratod exit 0 (got %s)" % rc)
        c = self.daemon.final_counters()
        it.log("== final counters (non-zero)")
        for k in sorted(c):
            if c[k]:
                it.log("  %s %d" % (k, c[k]))
        self.f.check(c.get("groups.joins", 0) >= PEERS + 4, "groups.joins >= %d (%s)" % (PEERS + 4, c.get("groups.joins")))
        self.f.check(c.get("groups.members_sent", 0) >= PEERS, "groups.members_sent (%s)" % c.get("groups.members_sent"))
        self.f.check(c.get("groups.commands_lost", -1) == 0, "no answer lost on the way to a worker (%s)" % c.get("groups.commands_lost"))
        self.f.check(c.get("groups.count", -1) == 0 and c.get("groups.memberships", -1) == 0,
                     "everyone left: no group, no membership (%s, %s)" % (c.get("groups.count"), c.get("groups.memberships")))
        # Three malformed joins, one before connect, one oversized groupspec.
        self.f.check(c.get("drop.bad_group_join", 0) >= 5, "drop.bad_group_join >= 5 (%s)" % c.get("drop.bad_group_join"))
        self.f.check(c.get("drop.group_members_full", 0) == 1, "drop.group_members_full == 1 (%s)" % c.get("drop.group_members_full"))
        self.f.check(c.get("drop.group_table_full", 0) == 1, "drop.group_table_full == 1 (%s)" % c.get("drop.group_table_full"))
        self.f.check(c.get("drop.group_join_rate", 0) >= 40, "drop.group_join_rate >= 40 (%s)" % c.get("drop.group_join_rate"))
        self.f.check(c.get("stage.introduction", 0) >= PEERS - 1, "introductions for the post (%s)" % c.get("stage.introduction"))
        # Only the group peers' NetConnections opened sessions with stratod:
        # the P2P sessions carrying the posts did not.
        sessions = PEERS + 1 + 2 + 2 + 4 + 3 + 1 + 1 + 1
        self.f.check(c.get("stage.session_opened", -1) == sessions,
                     "sessions opened only by the %d group clients (%s)" % (sessions, c.get("stage.session_opened")))
        self.f.check(c.get("session.messages_in", 10 ** 9) <= sessions * 3 + 60,
                     "no user data crossed stratod: session.messages_in %s" % c.get("session.messages_in"))

    def cleanup(self):
        if self.daemon:
            self.daemon.stop()
        self.topo.destroy()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    return it.main_for(Run, __doc__)


if __name__ == "__main__":
    sys.exit(main())
