#!/usr/bin/env python3
# build-aux/count-results.py BUILDDIR...: prints "N passed, N failed, N skipped"
# (all three, always) over the meson test logs of the given build folders. A
# test counts as passed when meson says OK (or EXPECTEDFAIL); SKIP is counted
# apart; anything else fails, and so does a folder without a test log.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import sys

passed = failed = skipped = 0
for d in sys.argv[1:]:
    path = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        print(f"{d}: no test log", file=sys.stderr)
        failed += 1
        continue
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
