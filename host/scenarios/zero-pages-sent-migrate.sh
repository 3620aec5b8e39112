# zero-pages-sent-migrate: `xl migrate --send-zero-pages` from our xl to a
# stock receiver on this host: the captured stream has no allocate-only
# entry, and the guest's counter and memory check go on on the receiver.
. /run/xs/in/scenarios/lib.sh
need_builds ours stock
command -v xen-stream > /dev/null || skip "no xen-stream in this image"
XS_CAPTURE_STREAMS=1
XS_MIGRATE_OPTS=--send-zero-pages
migrate_local ours stock
