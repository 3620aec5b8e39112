# The emulated Xen host: Debian's Xen 4.17 hypervisor and 6.1 kernel under
# QEMU TCG, running our tool build (and the stock one for interop).
#
#   make host-debs    fetch and unpack the pinned Debian packages
#   make host-image   build/host/{xen.elf,vmlinuz,dom0.cpio.gz} from the
#                     stock build, ours if built, xen-stream if built
#   make host-run [HOST_SCENARIOS="create save-restore"] [HOST_BUILD=stock]
#                     boot one host and run scenarios (host/scenarios/)
#   make host-run-two boot two hosts and migrate between them
#   make check-host   the test stage (results in build/results/check-host.log)
#   make check-transport  the two-host run over real ssh: xl migrate
#                     --data-port, and stock <-> ours over plain ssh
#   make demo         everything, from a fresh clone: deps, builds, images,
#                     then a guest created, saved, restored, migrated
#
# See docs/emulated-host.md.

HOST_BUILD_DIR := $(BUILD)/host
HOST_SCENARIOS ?=
HOST_BUILD     ?=

host-debs:
	@bash $(TOP)/host/fetch-debs.sh

# The image takes whatever tool builds exist (stock at least); building them
# is the job of `make xen-stock` / `make xen`, which host-image asks for
# first.  `make xen` failing leaves an image with the stock build only.
host-image:
	@$(MAKE) --no-print-directory xen-stock
	@$(MAKE) --no-print-directory xen || echo "== host: make xen failed; the image gets the stock tools only"
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || echo "== host: no xen-stream; images will not be verified in the host"
	@$(MAKE) --no-print-directory $(BUILD)/bin/convert-legacy-stream || echo "== host: no convert-legacy-stream; legacy scenarios will be skipped"
	@bash $(TOP)/host/fetch-debs.sh
	@bash $(TOP)/host/build-image.sh

# The test guest's memory checker built for this machine with ASan/UBSan:
# check-unit runs its self-test and its loop (tests/unit/memcheck.sh).
# build-image.sh builds the static one that goes into the guest.
$(BUILD)/guest/san/memcheck: $(TOP)/host/guest/memcheck.c
	@mkdir -p $(@D)
	$(CC) $(WARN_CFLAGS) -O1 -g $(SAN_CFLAGS) -o $@ $<

# The emulated host's byte mover built for this machine: check-unit tests
# the ssh stand-in (host/dom0/xs-ssh) with it (tests/unit/xs-ssh.sh).
$(BUILD)/bin/xs-copy: $(TOP)/host/tools/xs-copy.c
	@mkdir -p $(@D)
	$(CC) $(WARN_CFLAGS) -O2 -o $@ $<

host-run:
	@bash $(TOP)/host/run-host.sh $(if $(HOST_BUILD),--build $(HOST_BUILD)) $(HOST_SCENARIOS)

host-run-two:
	@bash $(TOP)/host/run-host.sh $(if $(HOST_BUILD),--build $(HOST_BUILD)) --two-host

CHECK_STAGES_ALL += check-host

# Both tool builds are attempted even if one fails; the script reports each
# outcome and runs what it can.
check-host:
	@mkdir -p $(RESULTS)
	@t0=$$(date +%s); xs=0; $(MAKE) --no-print-directory xen-stock || xs=$$?; \
	t1=$$(date +%s); x=0; $(MAKE) --no-print-directory xen || x=$$?; \
	t2=$$(date +%s); $(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || true; \
	$(MAKE) --no-print-directory $(BUILD)/bin/convert-legacy-stream || true; \
	echo "== host: tool builds took $$(( $$(date +%s) - t0 )) s"; \
	RESULTS=$(RESULTS)/check-host.log XEN_STOCK_RC=$$xs XEN_RC=$$x \
	    XEN_STOCK_SECS=$$((t1 - t0)) XEN_SECS=$$((t2 - t1)) \
	    bash $(TOP)/tests/host/check-host.sh

# What both of make check's lanes use (Makefile), made before the second
# lane starts so that the two never build the same file at once.  Failures
# are left to the stages to report.
check-lane-prep:
	@$(MAKE) --no-print-directory xen-stock || true
	@$(MAKE) --no-print-directory xen || true
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream $(BUILD)/bin/convert-legacy-stream || true
	@bash $(TOP)/host/fetch-debs.sh || true

# Two hosts, real ssh between them: xl migrate --data-port (TLS,
# strangers refused, a cut connection, a stock receiver refusing the
# option) and plain xl migrate over ssh, stock -> ours and ours -> stock
# (~50 s each alone, 100-130 s beside the other lane's emulated hosts).
# A stage of its own, in make check's second lane (docs/transport.md); its
# boot took 642 s of its 1800 s limit in a clean-clone make check.
TRANSPORT_SENDER := transport-migrate transport-migrate-zstd transport-migrate-trusted transport-cut \
    transport-stock-refuses ssh-h2h-stock-to-ours ssh-h2h-ours-to-stock transport-done
CHECK_STAGES_ALL += check-transport
CHECK_LANE_ALL += check-transport
check-transport:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen-stock xen $(BUILD)/bin/xen-stream $(BUILD)/bin/convert-legacy-stream || echo "== transport: a build failed"
	@bash $(TOP)/tests/host/run-own-image.sh transport --build ours --two-host --name check-transport \
	    --timeout 1800 --receiver transport-b --sender "$(TRANSPORT_SENDER)" \
	    | tee $(RESULTS)/check-transport.log

demo:
	@bash $(TOP)/host/demo.sh

.PHONY: host-debs host-image host-run host-run-two check-host check-lane-prep check-transport demo
