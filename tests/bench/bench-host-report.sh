#!/bin/bash
# The table of `make bench-host`, from the raw figures the host's bench
# scenario wrote (host/scenarios/bench.sh):
#
#   bench-host-report.sh BENCH.RAW
#   bench-host-report.sh --strace TRACE
#
# One line per operation in BENCH.RAW:
#   round R op save|restore|migrate variant V secs S octets N age A xalloc X
#
# Prints, per operation, each variant's mean and minimum time over the
# rounds and the ratio of its mean to stock's; then the image and stream
# sizes of the first round (the fresh guest) and of the last (the guest
# after it has run through the others), each with its ratio to stock's in
# the same round; then the size targets, met or not.
#
# With --strace, TRACE is the output of strace -f -tt -T of one xl save or
# restore: per process (named by the program it last executed, or its
# parent's with "+" for a thread or fork), the time from its first to its
# last system call, how much of that it spent inside system calls, and
# the four calls it spent most of that in.  A system call that blocks
# (read on an empty pipe, poll) counts as time inside it, so "outside"
# is roughly the process's own CPU time.
#
# Exit status: 0 table printed, 1 the file is missing, malformed or lacks
# stock or ours.
set -u
case $#,${1:-} in
    1,*|2,--strace) ;;
    *) echo "usage: $0 BENCH.RAW | --strace TRACE" >&2; exit 1 ;;
esac
raw=${2:-$1}
[ -s "$raw" ] || { echo "bench-host-report: $raw: missing or empty" >&2; exit 1; }

if [ $# = 2 ]; then
    awk '
    function secs(t,  a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
    $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+$/ { next }
    {
        pid = $1; t = secs($2); lines++
        if (!(pid in first)) { first[pid] = t; order[++np] = pid }
        last[pid] = t
        call = ""
        if ($3 ~ /^<\.\.\./) call = $4
        else if (match($3, /^[a-z_0-9]+\(/)) call = substr($3, 1, RLENGTH - 1)
        if (call == "execve" && $0 ~ /= 0 <[0-9.]+>$/ && match($0, /execve\("[^"]*"/)) {
            prog = substr($0, RSTART + 8, RLENGTH - 9); sub(/.*\//, "", prog); name[pid] = prog
        }
        if ((call == "clone" || call == "clone3" || call == "fork" || call == "vfork") &&
            match($0, /= [0-9]+ <[0-9.]+>$/)) {
            child = substr($0, RSTART + 2); sub(/ .*/, "", child); parent[child] = pid
        }
        if (call != "" && $0 !~ /<unfinished \.\.\.>$/ && match($0, /<[0-9.]+>$/)) {
            d = substr($0, RSTART + 1, RLENGTH - 2)
            insys[pid] += d; by[pid, call] += d; nby[pid, call]++
            if (!((pid, call) in seen)) { seen[pid, call] = 1; calls[pid] = calls[pid] " " call }
        }
    }
    function nameof(p,  q) {
        if (p in name) return name[p]
        q = (p in parent) ? nameof(parent[p]) "+" : "?"
        return q
    }
    END {
        if (!lines) { print "bench-host-report: " FILENAME ": no strace -f -tt -T lines" > "/dev/stderr"; exit 1 }
        printf "%-8s %-22s %9s %9s %9s  %s\n", "pid", "process", "span s", "in calls", "outside", "most time in (calls)"
        for (i = 1; i <= np; i++) {
            p = order[i]
            n = split(calls[p], cs, " ")
            top = ""
            for (k = 1; k <= 4; k++) {
                best = ""
                for (j = 1; j <= n; j++)
                    if (!(cs[j] in used) && (best == "" || by[p, cs[j]] > by[p, best])) best = cs[j]
                if (best == "") break
                used[best] = 1
                top = top sprintf("%s %.3f (%d)  ", best, by[p, best], nby[p, best])
            }
            delete used
            span = last[p] - first[p]
            printf "%-8s %-22s %9.3f %9.3f %9.3f  %s\n", p, nameof(p), span, insys[p], span - insys[p], top
        }
    }' "$raw"
    exit
fi

awk '
function bad(msg) { printf "bench-host-report: %s line %d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; err = 1; exit 1 }
function mb(o) { return sprintf("%.1f MB", o / 1e6) }
function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
{
    if (NF != 14 || $1 != "round" || $3 != "op" || $5 != "variant" || $7 != "secs" ||
        $9 != "octets" || $11 != "age" || $13 != "xalloc")
        bad("not a bench line: " $0)
    r = $2; op = $4; v = $6; s = $8; o = $10
    if (r !~ /^[0-9]+$/ || s !~ /^[0-9]+(\.[0-9]+)?$/) bad("bad round or seconds: " $0)
    if (op != "save" && op != "restore" && op != "migrate") bad("unknown operation " op)
    if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
    k = op SUBSEP v
    n[k]++; sum[k] += s
    if (!(k in min) || s < min[k]) min[k] = s
    if (r > last) last = r
    if (first == "" || r < first) first = r
    if (o ~ /^[0-9]+$/) { size[op, v, r] = o; age[op, v, r] = $12 }
    if ($14 ~ /^[0-9]+$/) xalloc[op, v, r] = $14
}
END {
    if (err) exit 1
    if (!("stock" in seen) || !("ours" in seen)) {
        print "bench-host-report: " FILENAME ": needs both the stock and the ours variant" > "/dev/stderr"
        exit 1
    }
    # Columns in the order of the variants names (ours, ours-z, stock),
    # whatever order the rounds ran them in.
    for (i = 2; i <= nv; i++)
        for (j = i; j > 1 && order[j - 1] > order[j]; j--) {
            t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
        }
    printf "%-11s", "operation"
    for (i = 1; i <= nv; i++) printf "  %-20s", order[i] " mean (min)"
    for (i = 1; i <= nv; i++) if (order[i] != "stock") printf "  %-11s", order[i] "/stock"
    printf "\n"
    split("save restore migrate", ops, " ")
    for (j = 1; j <= 3; j++) {
        op = ops[j]
        if (!((op, "stock") in n)) continue
        printf "%-11s", "xl " op
        for (i = 1; i <= nv; i++) {
            k = op SUBSEP order[i]
            if (k in n) printf "  %-20s", sprintf("%.2f s (%.2f)", sum[k] / n[k], min[k])
            else printf "  %-20s", "-"
        }
        sk = op SUBSEP "stock"
        for (i = 1; i <= nv; i++) {
            if (order[i] == "stock") continue
            k = op SUBSEP order[i]
            printf "  %-11s", (k in n) ? ratio(sum[k] / n[k], sum[sk] / n[sk]) : "-"
        }
        printf "\n"
    }
    printf "\nsizes (MB = 10^6 octets; ratio to stock in the same round; guest age from its counter when ours saved or migrated it)\n"
    nr = split(first (last != first ? " " last : ""), rounds, " ")
    for (j = 1; j <= 2; j++) {
        op = j == 1 ? "save" : "migrate"
        what = j == 1 ? "save image" : "migration stream"
        for (q = 1; q <= nr; q++) {
            r = rounds[q]
            if (!((op, "stock", r) in size)) continue
            st = size[op, "stock", r]
            printf "%-16s round %s (guest up %s s):", what, r, age[op, "ours", r]
            for (i = 1; i <= nv; i++) {
                v = order[i]
                if (!((op, v, r) in size)) continue
                printf "  %s %s", v, mb(size[op, v, r])
                if (v != "stock") printf " (%s)", ratio(size[op, v, r], st)
                if ((op, v, r) in xalloc) printf " [%d zero pages left out]", xalloc[op, v, r]
            }
            printf "\n"
            if (j == 1) {
                q_d[r] = size[op, "ours", r] / st
                if ((op, "ours-z", r) in size) q_z[r] = size[op, "ours-z", r] / st
            }
        }
    }
    printf "\ntargets (issue 12):\n"
    for (q = 1; q <= nr; q++) {
        r = rounds[q]
        if (r in q_d)
            printf "  default image <= 0.50x stock: round %s %.2fx: %s\n", r, q_d[r], q_d[r] <= 0.5 ? "met" : "NOT met"
        if (r in q_z)
            printf "  -z image <= 0.125x stock: round %s %.3fx: %s\n", r, q_z[r], q_z[r] <= 0.125 ? "met" : "NOT met"
    }
    for (j = 1; j <= 3; j++) {
        op = ops[j]
        sk = op SUBSEP "stock"; ok = op SUBSEP "ours"
        if ((sk in n) && (ok in n))
            printf "  xl %s not slower than stock (mean): %s: %s\n", op, ratio(sum[ok] / n[ok], sum[sk] / n[sk]), sum[ok] / n[ok] <= sum[sk] / n[sk] ? "met" : "NOT met"
    }
}' "$raw"
