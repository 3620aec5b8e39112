# The patched tools under AddressSanitizer + UBSan in the emulated host.
#
#   make host-asan [HOST_ASAN_SCENARIOS="create save-restore ..."]
#       builds `make xen-asan-recover` (below), an image with it as tool
#       build "asan" (build/host-asan), boots one host with asan as the build under
#       test and runs the scenarios; sanitizer reports come back in
#       build/host-asan/runs/asan/ and tests/host/asan-verdict.sh judges
#       them: the target fails on any ASan report and on UBSan reports in
#       our files; UBSan reports in upstream code are listed only
#       (it greps all of results/ and serial.log: in the run of
#       2026-11-26 the log_path below was not honoured and the reports
#       came on xl's stderr, in results/SCENARIO.log).
#       HOST_ASAN_KEEP_SEEDS=1 also brings reduced images back
#       (results/seeds/, see keep_seed in host/scenarios/lib.sh; then
#       tests/fuzz/import-real-seeds.sh).  Not a check stage: the ASan
#       build alone takes ~5 minutes, the boot ~5 more.
#
# `make xen-asan` is every tool of the patched tree built with -fsanitize
# and -fno-sanitize-recover=all.  Upstream's xenstored aborts on a UBSan report
# of its own at dom0 start (xenstored_core.c:827, memcpy from NULL with
# length 0), which stops the host before any of our code runs.  So the
# host gets a hybrid, build/xen-asan-recover/dist-host: the daemons and helpers the
# save/restore path does not go through (xenstored, xenconsoled,
# xen-init-dom0) are the non-sanitized ones from `make xen`, run through a
# wrapper with their own libraries; xl, libxenlight, libxl-save-helper and
# the libraries under them are the sanitized ones.
#
# ASan's leak check is off (detect_leaks=0): xl is a short-lived process
# (or a daemonised one that is killed), and libxl does not free what it
# hands back at exit.

# Upstream code also stops a -fno-sanitize-recover build at once: at
# `xl create`, libxl_utils.c:659 (libxl_bitmap_copy_alloc, memcpy from NULL
# with length 0, reached from libxl_domain_config_copy).  So the host runs
# build/xen-asan-recover: the same tree with ASan fatal as ever but UBSan
# reporting and going on, each report in the results.  GCC 12
# then warns -Warray-bounds in upstream's generated _libxl_types.c, so that
# one is kept but not fatal either.
XEN_ASAN_R := $(BUILD)/xen-asan-recover
XEN_ASAN_R_ARGS := EXTRA_CFLAGS_XEN_TOOLS="-fsanitize=address,undefined -fsanitize-recover=undefined -fno-omit-frame-pointer -Wno-error=stringop-truncation -Wno-error=array-bounds" \
                   APPEND_LDFLAGS="-fsanitize=address,undefined"

xen-asan-recover:
	@mkdir -p $(BUILD)
	@flock $(BUILD)/.$@.lock $(MAKE) --no-print-directory $@-unlocked

xen-asan-recover-unlocked: $(XEN_ASAN_R)/.stamp-light
$(eval $(call xen_patched_rules,$(XEN_ASAN_R),XEN_ASAN_R_ARGS))

.PHONY: xen-asan-recover xen-asan-recover-unlocked

HOST_ASAN_DIR       := $(BUILD)/host-asan
HOST_ASAN_DIST      := $(XEN_ASAN_R)/dist-host
HOST_ASAN_SCENARIOS ?= create save-restore save-checkpoint migrate-localhost \
    restore-legacy xl-fail-save-enospc xl-fail-migrate-stalled-midstream \
    xl-fail-restore-stalled
HOST_ASAN_TIMEOUT   ?= 1200

host-asan-dist:
	@$(MAKE) --no-print-directory xen-asan-recover
	@$(MAKE) --no-print-directory xen
	@rm -rf $(HOST_ASAN_DIST) && cp -a $(XEN_ASAN_R)/dist $(HOST_ASAN_DIST)
	@nd=$(HOST_ASAN_DIST)/usr/lib/xen/noasan; mkdir -p $$nd; \
	cp -a $(BUILD)/xen/dist/usr/lib/lib*.so* $$nd/; \
	for b in sbin/xenstored sbin/xenconsoled lib/xen/bin/xen-init-dom0; do \
	    n=$$(basename $$b); cp -a $(BUILD)/xen/dist/usr/$$b $$nd/$$n; \
	    printf '#!/bin/sh\n# not sanitized: see mk/35-asan.mk\nLD_LIBRARY_PATH=/usr/lib/xen/noasan exec /usr/lib/xen/noasan/%s "$$@"\n' \
	        $$n > $(HOST_ASAN_DIST)/usr/$$b; \
	    chmod 755 $(HOST_ASAN_DIST)/usr/$$b; \
	done
	@echo "== host-asan: $(HOST_ASAN_DIST) (xenstored, xenconsoled, xen-init-dom0 not sanitized)"

host-asan: host-asan-dist
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream
	@bash $(TOP)/host/fetch-debs.sh
	@mkdir -p $(HOST_ASAN_DIR) && ln -sfn ../host/debs $(HOST_ASAN_DIR)/debs
	@bash $(TOP)/host/build-image.sh --out $(HOST_ASAN_DIR) --build asan=$(HOST_ASAN_DIST)
	@rc=0; bash $(TOP)/host/run-host.sh --image $(HOST_ASAN_DIR) --build asan \
	    --timeout $(HOST_ASAN_TIMEOUT) --name asan --run-dir $(HOST_ASAN_DIR)/runs/asan \
	    --conf "ASAN_OPTIONS=log_path=/run/xs/out/asan:detect_leaks=0" \
	    --conf "UBSAN_OPTIONS=log_path=/run/xs/out/ubsan:print_stacktrace=1" \
	    --conf "XS_KEEP_SEEDS=$(if $(HOST_ASAN_KEEP_SEEDS),1,0)" \
	    $(HOST_ASAN_SCENARIOS) || rc=$$?; \
	TOP=$(TOP) bash $(TOP)/tests/host/asan-verdict.sh $(HOST_ASAN_DIR)/runs/asan || rc=1; \
	exit $$rc

.PHONY: host-asan host-asan-dist
