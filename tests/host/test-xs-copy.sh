#!/bin/bash
# Tests of host/tools/xs-copy.c on this machine (no emulation needed):
# plain copy, tee, watch (act at a string), the TCP relay in both directions with half-close, the
# listener exec, and the exit statuses.  Usage: test-xs-copy.sh XS_COPY_BINARY
# Prints PASS:/FAIL: lines through tests/lib/report.sh.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/report.sh"
X=$1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
head -c 9000000 /dev/urandom > "$D/in"     # not a multiple of the 1 MiB buffer
sum() { sha256sum "$1" | cut -c1-16; }

"$X" < "$D/in" > "$D/out"; rc=$?
cmp -s "$D/in" "$D/out"; report host/xs-copy/plain $(( rc | $? ))

"$X" -t "$D/tee" < "$D/in" > "$D/out"; rc=$?
cmp -s "$D/in" "$D/out" && cmp -s "$D/in" "$D/tee"; report host/xs-copy/tee $(( rc | $? ))

# -n: exactly the first N octets (not a multiple of the buffer), and an
# input shorter than N is an error.
"$X" -n 3000001 < "$D/in" > "$D/out"; rc=$?
head -c 3000001 "$D/in" | cmp -s - "$D/out"; report host/xs-copy/limit $(( rc | $? ))
"$X" -n 9000001 < "$D/in" > "$D/out" 2> "$D/err"; rc=$?
[ $rc = 1 ] && cmp -s "$D/in" "$D/out" && grep -q 'ended after 9000000 of 9000001' "$D/err"
report host/xs-copy/limit-short-input $? "exit $rc"

: > "$D/empty"
"$X" < "$D/empty" > "$D/out"; rc=$?
[ ! -s "$D/out" ]; report host/xs-copy/empty-input $(( rc | $? ))

# watch: the action runs at the trigger octet; -b before it is written,
# otherwise after; -a N moves the trigger N octets on; -x then cuts the
# output and drains the input.  The action records how much output
# existed when it ran.  The needle is split across two writes, to cross
# a read boundary.
N='ready to unpause'
pre=$(head -c 700 /dev/zero | tr '\0' 'x')
watch_case() {    # NAME WANT_AT WANT_OUT_LEN ARGS...
    local name=$1 want_at=$2 want_len=$3 at len rc; shift 3
    rm -f "$D/at"
    { printf '%sready to' "$pre"; sleep 0.3; printf ' unpause\0%s' "$pre"; } |
        "$X" watch "$@" "$N" -- sh -c "wc -c < '$D/wout' > '$D/at'" > "$D/wout"
    rc=$?
    at=$(cat "$D/at" 2>/dev/null); len=$(wc -c < "$D/wout")
    [ $rc = 0 ] && [ "$at" = "$want_at" ] && [ "$len" = "$want_len" ]
    report "host/xs-copy/watch-$name" $? "exit $rc, output $at octets when acting, $len in all"
}
watch_case before 715 1417 -b
watch_case after 716 1417
watch_case cut-after-nul 717 717 -a 1 -x
printf 'no needle here' | "$X" watch "$N" -- sh -c "echo acted > '$D/acted'" > "$D/wout"; rc=$?
[ $rc = 0 ] && [ ! -e "$D/acted" ] && [ "$(cat "$D/wout")" = 'no needle here' ]
report host/xs-copy/watch-absent $? "exit $rc"
"$X" watch 'abca' < /dev/null > /dev/null 2>&1; rc=$?
[ $rc = 1 ]; report host/xs-copy/watch-bad-needle $? "exit $rc"

# A port that is free now (the listener binds it right after).
port() {
    local p
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$((40000 + RANDOM % 20000))
        grep -q "$(printf ':%04X ' $p)" /proc/net/tcp || { echo $p; return; }
    done
}

# Relay: the listener's command reads everything (so it needs the sender's
# half-close to end) and then answers with a checksum, which must come back
# through the relay after the sender's side has closed.
p=$(port)
# (Without the half-close both sides would wait forever: hence timeout.)
timeout 20 "$X" listen -a 127.0.0.1 "$p" -- sh -c 'sha256sum | cut -c1-16' > /dev/null 2>&1 &
lpid=$!
got=$(timeout 20 "$X" connect 127.0.0.1 "$p" 10 < "$D/in" 2>/dev/null); rc=$?
wait $lpid; lrc=$?
[ "$got" = "$(sum "$D/in")" ]; report host/xs-copy/relay-half-close $(( rc | lrc | $? ))

# The listener must exec with the socket on stdin and stdout, and pass the
# command's exit status on (it is the command, after exec).
p=$(port)
timeout 20 "$X" listen -a 127.0.0.1 "$p" -- sh -c 'cat > /dev/null; exit 7' > /dev/null 2>&1 &
lpid=$!
echo hi | timeout 20 "$X" connect 127.0.0.1 "$p" 10 > /dev/null 2>&1; rc=$?
wait $lpid; lrc=$?
[ $rc = 0 ] && [ $lrc = 7 ]; report host/xs-copy/listen-exec $? "connect $rc, command $lrc"

# Nobody listening: give up after the given seconds with status 2.
p=$(port)
t0=$(date +%s)
"$X" connect 127.0.0.1 "$p" 1 < /dev/null > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && [ $(( $(date +%s) - t0 )) -le 3 ]; report host/xs-copy/connect-refused $? "exit $rc"

"$X" connect 127.0.0.1 notaport < /dev/null > /dev/null 2>&1; rc=$?
[ $rc = 1 ]; report host/xs-copy/bad-port $? "exit $rc"
"$X" connect example.invalid 80 < /dev/null > /dev/null 2>&1; rc=$?
[ $rc = 1 ]; report host/xs-copy/not-numeric $? "exit $rc"
"$X" bogus > /dev/null 2>&1; rc=$?
[ $rc = 1 ]; report host/xs-copy/usage $? "exit $rc"

# A reader that goes away is an error, not a silent death by SIGPIPE.
"$X" < "$D/in" 2> "$D/err" | head -c 10 > /dev/null; rc=${PIPESTATUS[0]}
[ $rc = 1 ] && grep -q 'write' "$D/err"; report host/xs-copy/reader-gone $? "exit $rc"
exit 0
