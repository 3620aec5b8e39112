# Sourced by the shell stages of check-unit (tests/unit/*.sh): the
# report() of report.sh, a check() that also counts failures in $fails,
# and the working directory $WORK, made if missing and entered.  A script
# that wants a clean WORK sets UNIT_FRESH_WORK=1 before sourcing this.
. "$(dirname "${BASH_SOURCE[0]}")/report.sh"
[ "${UNIT_FRESH_WORK:-0}" = 1 ] && rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
fails=0
check() { report "$@"; [ "$2" = 0 ] || fails=$((fails + 1)); }
