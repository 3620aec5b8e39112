#!/usr/bin/env python3
"""similarity.py OURS... -- UPSTREAM...: report runs of N or more
consecutive similar lines (default 8) shared by one of our files and one of
upstream's.  Lines are compared after squeezing whitespace; blank lines and
lines of only braces/punctuation are left out on both sides (they match
anything and prove nothing).  Two lines are "similar" when difflib's ratio
is at least 0.85.  Exit status 1 when a run is found.
"""
import difflib
import re
import sys

MIN_RUN = 8
RATIO = 0.85


def norm_lines(path):
    out = []
    with open(path, errors="replace") as f:
        for no, line in enumerate(f, 1):
            s = re.sub(r"\s+", " ", line).strip()
            if not s or re.fullmatch(r"[{}();,*/ ]*", s):
                continue
            out.append((no, s))
    return out


def runs(a, b):
    """Longest diagonal runs of similar lines between a and b."""
    found = []
    sim = {}
    for i, (_, x) in enumerate(a):
        for j, (_, y) in enumerate(b):
            if x != y:
                if abs(len(x) - len(y)) >= 0.3 * max(len(x), len(y)):
                    continue
                m = difflib.SequenceMatcher(None, x, y, autojunk=False)
                if m.real_quick_ratio() < RATIO or m.quick_ratio() < RATIO \
                        or m.ratio() < RATIO:
                    continue
            sim[(i, j)] = sim.get((i - 1, j - 1), 0) + 1
    for (i, j), n in sim.items():
        if n >= MIN_RUN and sim.get((i + 1, j + 1), 0) == 0:
            found.append((a[i - n + 1][0], a[i][0], b[j - n + 1][0], b[j][0], n))
    return found


def main(argv):
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    k = argv.index("--")
    ours, theirs = argv[:k], argv[k + 1:]
    bad = 0
    for o in ours:
        ol = norm_lines(o)
        for t in theirs:
            for (a0, a1, b0, b1, n) in runs(ol, norm_lines(t)):
                bad = 1
                print(f"{o}:{a0}-{a1} ~ {t}:{b0}-{b1} ({n} similar lines)")
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
