#!/bin/bash
# findable-tests.sh - issue 10, "tests a newcomer can find": every
# deviation that docs/semantics.md lists ends with "Shown by:" and the tests
# that show it, each a file `tests/...` with the names of its tests in
# double quotes (a conformance scenario's file is one test), and each of
# those files and names exists: a test renamed or removed fails here, not
# in a reader's search.  And every core/X.c has its unit tests in
# tests/unit/test_X.c, run alone as `build/unit-tests X` (the group X of
# tests/unit/main.c).
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # skip python3 is not installed (run scripts/install-deps.sh)"
    exit 0
fi
cd "$REPO" || exit 125
exec python3 - <<'EOF'
import os, re

def tap(n, ok, name, diag):
    print("%sok %d - %s" % ("" if ok else "not ", n, name))
    for d in diag[:40]:
        print("# " + d)
    return ok

def deviations(text):
    """The bullets of the Deviations section, each joined into one line."""
    part = text.split("\n## Deviations", 1)[1].split("\n## ", 1)[0]
    out, cur = [], None
    for line in part.splitlines():
        if line.startswith("* "):
            cur = [line[2:]]
            out.append(cur)
        elif cur is not None and line.strip():
            cur.append(line.strip())
    return [" ".join(b) for b in out]

with open("docs/semantics.md") as f:
    bullets = deviations(f.read())
unnamed, missing, refs = [], [], 0
for b in bullets:
    title = (re.match(r"\*\*(.*?)\*\*", b) or re.match(r"(.{0,60})", b)).group(1)
    if "Shown by:" not in b:
        unnamed.append(title)
        continue
    tail = b.rsplit("Shown by:", 1)[1]
    files = []     # [path, [names]]
    for m in re.finditer(r"`(tests/[^`]+)`|\"([^\"]+)\"", tail):
        if m.group(1):
            files.append([m.group(1), []])
        elif files:
            files[-1][1].append(m.group(2))
    if not files:
        unnamed.append(title)
    for path, names in files:
        refs += 1 + len(names)
        if not os.path.isfile(path):
            missing.append("%s: no file %s" % (title, path))
            continue
        if not names and not path.endswith(".scn"):
            missing.append("%s: %s names no test (\"NAME\" after it)" % (title, path))
        with open(path, errors="replace") as f:
            body = f.read()
        for n in names:
            if n not in body:
                missing.append("%s: %s has no test \"%s\"" % (title, path, n))
failed = 0
print("1..3")
failed += not tap(1, bullets and not unnamed, "each of the %d deviations of docs/semantics.md ends with \"Shown by:\" and its tests" % len(bullets),
                  ["no test named: " + t for t in unnamed] + ([] if bullets else ["no Deviations section found"]))
failed += not tap(2, not missing, "each test they name exists, file and name (%d)" % refs, missing)

# core/X.c -> tests/unit/test_X.c, registered as the group X
with open("tests/unit/main.c") as f:
    groups = dict(re.findall(r'\{\s*"([\w-]+)",\s*(test_\w+)\s*\}', f.read()))
bad = []
for c in sorted(os.listdir("core")):
    if not c.endswith(".c"):
        continue
    x = c[:-2]
    t = "tests/unit/test_%s.c" % x
    if not os.path.isfile(t):
        bad.append("core/%s has no %s" % (c, t))
    elif groups.get(x) != "test_" + x:
        bad.append("%s is not the group \"%s\" of tests/unit/main.c" % (t, x))
    else:
        with open(t) as f:
            if not re.search(r"\bvoid test_%s\(void\)" % x, f.read()):
                bad.append("%s defines no test_%s()" % (t, x))
failed += not tap(3, not bad, "every core/X.c has its unit tests in tests/unit/test_X.c, the group X", bad)
raise SystemExit(1 if failed else 0)
EOF
