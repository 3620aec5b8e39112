# transport-b (host B of the transport run): receive what host A sends
# (sshd starts the receiving xl); host A does the judging over ssh and
# touches /run/xs/transport-done when it is finished.
. /run/xs/in/scenarios/lib.sh
t0=$(now)
until [ -e /run/xs/transport-done ]; do
    awk -v a="$t0" -v b="$(now)" -v s="$((XS_SCENARIO_TIMEOUT - 20))" 'BEGIN { exit !(b - a > s) }' &&
        fail "host A did not finish within $((XS_SCENARIO_TIMEOUT - 20)) s"
    sleep 2
done
logins=$(grep -c "Accepted publickey for root" "$XS_OUT/sshd.log")
pass "host A done; $logins ssh logins from it; domains here: $(xl list | awk 'NR > 1 && $1 != "Domain-0" { printf "%s ", $1 }')"
