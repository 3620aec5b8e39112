# Sourced by the zstd-* scenarios (after lib.sh): `xl save -z` and
# `xl migrate -z` (tools/xl/xl_zstd.h), which only our xl has.
. /run/xs/in/scenarios/xl-fail-lib.sh   # oneline

need_zstd_xl() {
    has_build ours || skip "needs our xl (build 'ours'); have: $(cat /etc/xs-builds)"
    xlb ours help save 2>&1 | grep -q -- '--zstd' ||
        fail "xl of build 'ours' does not offer save --zstd"
}

# octets FILE
octets() { stat -c %s "$1"; }

# info_field FILE LABEL: a field of `xen-stream info FILE`.
info_field() { xen-stream info "$1" 2>/dev/null | sed -n "s/^$2: *//p"; }

# no_domain_named NAME: nothing by that name (an incoming copy included).
no_domain_named() {
    ! xl list 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -q "^$1\(--incoming\)\?\$"
}
