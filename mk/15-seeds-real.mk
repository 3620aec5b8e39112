# The real seeds of the fuzz corpus (tests/fuzz/seeds-real/): reduced images
# brought back from the emulated host (tests/fuzz/import-real-seeds.sh).
# Their check runs as part of check-unit: every committed seed must pass
# `xen-stream verify` (the sanitized build).

check-seeds-real: $(CODEC_BUILD)/san/xen-stream
	@mkdir -p $(RESULTS)
	@RESULTS=$(RESULTS)/check-unit.log XEN_STREAM=$(CODEC_BUILD)/san/xen-stream \
	    bash $(TOP)/tests/fuzz/check-seeds-real.sh > /dev/null

check-unit: check-seeds-real

# The corpus is rebuilt when a seed changes.
$(CODEC_CORPUS)/.stamp: $(wildcard $(TOP)/tests/fuzz/seeds-real/*)

.PHONY: check-seeds-real
