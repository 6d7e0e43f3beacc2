#!/usr/bin/env python3
"""Counts test results from meson testlog files; prints 'N passed, N failed'.

Boost.Test binaries hold many cases; meson counts each binary once, so the
count here is per test case where the binary reported them (Boost.Test's
summary line), and per binary otherwise."""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        print(f"{path}: {e}")
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        ok = t["result"] == "OK"
        if t["result"] == "SKIP":
            skipped += 1
            continue
        m = re.search(r"Test module \"[^\"]+\" has (passed|failed) with:\s*\n\s*(\d+) test cases? out of (\d+)", out)
        cases = re.findall(r"(\d+) test cases? out of (\d+) (passed|failed)", out)
        if cases:
            p = sum(int(a) for a, _, k in cases if k == "passed")
            f = sum(int(a) for a, _, k in cases if k == "failed")
            if not ok and f == 0:
                f = 1
            passed += p
            failed += f
        elif ok:
            passed += 1
        else:
            failed += 1
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
