# diag-downtime (host A, two-host, not in any suite): where does the
# pause of a live migration go?  Our xl migrates the guest to B and back,
# over ssh and over --data-port, with xl -T -vvv (timestamps on both ends'
# messages, the receiver's coming back through ssh); every log is kept in
# the results.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g7
need_peer
create_guest ours || fail "xl create failed"
sleep 20
for i in 1 2 3; do
    for mode in ssh tls; do
        case $mode in
            ssh) set -- ;;
            tls) set -- --data-port $DATA_PORT --data-address "$PEER" ;;
        esac
        out=$XS_OUT/diag-$mode-$i.log
        # Each line stamped with dom0's uptime (10 ms) as it arrives.
        run "$mode $i there" sh -c 'xs-with ours xl -vvv migrate "$@" 2>&1 |
            awk "{ getline u < \"/proc/uptime\"; close(\"/proc/uptime\"); split(u, a, \" \"); print a[1], \$0; fflush() }"' \
            sh --stats="$XS_OUT/diag-$mode-$i.json" "$@" "$XS_GUEST" "$PEER xs-with ours" > "$out" 2>&1 ||
            fail "$mode $i: migrate failed: $(oneline "$out")"
        note "$mode $i: $(cat "$XS_OUT/diag-$mode-$i.json")"
        sleep 15
        on_peer "xs-with ours xl migrate $XS_GUEST '$XS_IP xs-with ours'" \
            > "$XS_OUT/diag-back-$mode-$i.log" 2>&1 ||
            fail "$mode $i: back failed: $(oneline "$XS_OUT/diag-back-$mode-$i.log")"
        sleep 15
    done
done
pass "logs in diag-*.log"
