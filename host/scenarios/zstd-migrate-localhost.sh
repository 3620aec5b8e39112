# zstd-migrate-localhost: xl migrate -z to this host, our xl at both ends;
# the captured stream is a compressed one that xen-stream verifies, and
# the counter goes on.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/zstd-lib.sh
need_zstd_xl
XS_BUILD=ours
XS_MIGRATE_OPTS=-z
migrate_local ours ours
