#!/bin/bash
# xs-ssh with XS_CAPTURE (host/dom0/xs-ssh, the emulated host's ssh
# stand-in): when the receiving command quits while xl still has its
# stream open, xl must see the end of the receiver's replies at once, not
# when its own stream ends (a sender waiting on a receiver that quit would
# hang until its timeout).  Both of xs-ssh's ways: the command run here
# (localhost) and the connection to a listener (any other host).  The
# captured copy must hold what xl sent.
#
# Env: XS_COPY (xs-copy built for this machine), WORK.  Results on stdout.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${XS_COPY:?}" "${WORK:?}"
XS_SSH=$TOP/host/dom0/xs-ssh
XS_COPY=$(realpath "$XS_COPY")
pass=0 failn=0
ok() { echo "PASS: xs-ssh/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL: xs-ssh/$1: $2"; failn=$((failn + 1)); }
rm -rf "$WORK"; mkdir -p "$WORK/bin"
ln -s "$XS_COPY" "$WORK/bin/xs-copy"
export PATH=$WORK/bin:$PATH

# The receiver: take 5 octets, answer, quit.
RECV='head -c 5 > "$0"; echo reply'

# one NAME HOST [CMD...]: xl's side is a writer that sends "hello" and
# then holds the stream open for 20 s; the receiver's reply must end
# within 5 s.
one() {
    local name=$1 host=$2 w=$WORK/$1 wpid spid t0 i
    shift 2
    mkdir -p "$w"
    mkfifo "$w/in"
    ( printf hello; exec sleep 20 ) > "$w/in" &
    wpid=$!
    t0=$(date +%s%N)
    ( XS_CAPTURE=$w/cap sh "$XS_SSH" "$host" "$@" < "$w/in" \
        | { cat > "$w/reply"; date +%s%N > "$w/eof"; } ) &
    spid=$!
    for i in $(seq 100); do
        [ -s "$w/eof" ] && break
        sleep 0.1
    done
    kill "$wpid" 2> /dev/null
    wait "$wpid" "$spid"
    if [ ! -s "$w/eof" ]; then
        bad "$name" "the receiver quit but its reply did not end within 10 s (xl would hang)"
        return
    fi
    ms=$(( ($(cat "$w/eof") - t0) / 1000000 ))
    [ "$ms" -lt 5000 ] || { bad "$name" "reply ended after $ms ms"; return; }
    [ "$(cat "$w/reply")" = reply ] || { bad "$name" "reply was '$(cat "$w/reply")'"; return; }
    [ "$(head -c 5 "$w/cap")" = hello ] || { bad "$name" "capture holds '$(cat "$w/cap")'"; return; }
    ok "$name (reply ended $ms ms after start, capture holds the stream)"
}

one localhost-quits localhost sh -c "$RECV" "$WORK/localhost-quits/got"

port=$((20000 + RANDOM % 20000))
mkdir -p "$WORK/remote-quits"
xs-copy listen -a 127.0.0.2 "$port" -n -- sh -c "$RECV" "$WORK/remote-quits/got" \
    2> "$WORK/listen.log" &
lpid=$!
for i in $(seq 50); do grep -q listening "$WORK/listen.log" && break; sleep 0.1; done
XS_MIGRATE_PORT=$port one remote-quits 127.0.0.2
kill "$lpid" 2> /dev/null; wait "$lpid" 2> /dev/null

echo "xs-ssh: $pass passed, $failn failed"
[ "$failn" = 0 ]
