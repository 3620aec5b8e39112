# The xl glue (tools/xl/: xl save / restore / migrate), dropped into the
# patched builds by mk/20-xen.mk's drop-in step.
#
#   make check-xl   the patched xl is ours and not upstream's (tests/xl/);
#                   its behaviour on failures is tested by check-host
#                   (host/scenarios/xl-fail-*.sh).  See docs/man/xl-saverestore.md.

CHECK_STAGES_ALL += check-xl

check-xl:
	@mkdir -p $(RESULTS)
	@xs=0; $(MAKE) --no-print-directory xen-stock || xs=$$?; \
	x=0; $(MAKE) --no-print-directory xen || x=$$?; \
	XEN_STOCK_RC=$$xs XEN_RC=$$x bash $(TOP)/tests/xl/check-xl.sh

.PHONY: check-xl
