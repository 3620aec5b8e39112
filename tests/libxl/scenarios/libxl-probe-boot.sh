# probe: time h1 create -> first tick for several kernel command lines.
. /run/xs/in/scenarios/libxl-lib-hvm.sh
guest_exists && xl destroy "$XS_GUEST"
res=
i=0
for cl in "console=hvc0 quiet" "console=hvc0 quiet tsc=reliable no_timer_check mitigations=off nokaslr lpj=5000000" "console=hvc0 printk.time=1 loglevel=7 tsc=reliable no_timer_check mitigations=off nokaslr lpj=5000000"; do
    i=$((i+1))
    hvm_exists && xl destroy "$G"
    cfg=$(hvm_cfg)
    sed -i "s|^cmdline = .*|cmdline = \"$cl\"|" $cfg
    from=$(lines "$HVM_LOG")
    t0=$(now)
    xlb "$XS_BUILD" create "$cfg" > /dev/null 2>&1 || { res="$res v$i:createfail"; continue; }
    if wait_tick "$HVM_LOG" "$from" 1 500 > /dev/null; then
        res="$res v$i:$(since "$t0")s"
    else
        res="$res v$i:timeout"
    fi
    note "v$i [$cl]: $(since "$t0") s"
    sed -n "$((from+1)),\$p" "$HVM_LOG" | head -80
    xl list
done
hvm_exists && xl destroy "$G"
pass "boot probe:$res"
