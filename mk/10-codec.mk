# The stream codec, xen-stream, their tests, fuzzers and benchmark.
#
#   make                        build/bin/xen-stream
#   make check-unit             C unit tests + malformed-input table (ASan/UBSan)
#   make check-fuzz             every libFuzzer harness for CODEC_FUZZ_CHECK_SECONDS
#   make fuzz FUZZ_SECONDS=N    every harness for N seconds
#   make bench [BENCH_GIB=N]    cat vs xen-stream verify on an N GiB image

CODEC_DIR      := $(TOP)/tools/libxl
XS_DIR         := $(TOP)/tools/xen-stream
CODEC_BUILD    := $(BUILD)/codec
CODEC_SRC      := $(CODEC_DIR)/libxl_sr_codec.c $(CODEC_DIR)/libxl_sr_framer.c
CODEC_HDR      := $(CODEC_DIR)/libxl_sr_codec.h $(CODEC_DIR)/libxl_sr_framer.h
XS_LIB_SRC     := $(XS_DIR)/libxc_walk.c $(XS_DIR)/stream_walk.c \
                  $(XS_DIR)/input_kind.c
# convert --from-legacy links convert-legacy-stream's converter (not a copy).
XS_CLS_DIR     := $(TOP)/tools/convert-legacy-stream
XS_CLS_SRC     := $(XS_CLS_DIR)/cls_io.c $(XS_CLS_DIR)/cls_emit.c \
                  $(XS_CLS_DIR)/cls_convert.c
# Compressed input and convert --zstd use xl's own zstd section code
# (tools/xl/xl_zstd.c, the same file xl is built with) and libzstd.
XL_ZSTD_DIR    := $(TOP)/tools/xl
XL_ZSTD_SRC    := $(XL_ZSTD_DIR)/xl_zstd.c
ZSTD_LIBS      := -lzstd
XS_APP_SRC     := $(XS_DIR)/main.c $(XS_DIR)/stats.c $(XS_DIR)/out_text.c \
                  $(XS_DIR)/out_json.c $(XS_DIR)/convert.c \
                  $(XS_DIR)/convert_legacy.c $(XS_DIR)/input.c \
                  $(XL_ZSTD_SRC) $(XS_CLS_SRC)
XS_HDRS        := $(CODEC_HDR) $(wildcard $(XS_DIR)/*.h) $(XS_CLS_DIR)/cls.h \
                  $(XL_ZSTD_DIR)/xl_zstd.h
XS_CPPFLAGS    := -I$(CODEC_DIR) -I$(XS_DIR) -I$(XS_CLS_DIR) -I$(XL_ZSTD_DIR) \
                  $(YAJL_CFLAGS)
XS_CFLAGS      := $(WARN_CFLAGS) $(OPT_CFLAGS) $(XS_CPPFLAGS)
XS_SAN_CFLAGS  := $(WARN_CFLAGS) -O1 -g $(SAN_CFLAGS) $(XS_CPPFLAGS)
CODEC_CLANG    ?= $(if $(CLANG),$(CLANG),clang)

all: $(BUILD)/bin/xen-stream

# Short name, for `make xen-stream` (the demo and host-image use it).
xen-stream: $(BUILD)/bin/xen-stream
.PHONY: xen-stream

$(BUILD)/bin/xen-stream: $(CODEC_SRC) $(XS_LIB_SRC) $(XS_APP_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(XS_CFLAGS) -o $@ $(CODEC_SRC) $(XS_LIB_SRC) $(XS_APP_SRC) $(YAJL_LIBS) $(ZSTD_LIBS)

# The same program with ASan/UBSan, used by the malformed-input table.
$(CODEC_BUILD)/san/xen-stream: $(CODEC_SRC) $(XS_LIB_SRC) $(XS_APP_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(XS_SAN_CFLAGS) -o $@ $(CODEC_SRC) $(XS_LIB_SRC) $(XS_APP_SRC) $(YAJL_LIBS) $(ZSTD_LIBS)

$(BUILD)/bin/mkstream: $(TOP)/tests/tools/mkstream.c
	@mkdir -p $(@D)
	$(CC) $(WARN_CFLAGS) $(OPT_CFLAGS) -o $@ $<

# ---- unit tests ----

CODEC_UNIT_TESTS := test_codec test_framer test_libxc_walk test_stream_walk test_xl_zstd \
                    test_xl_progress test_xl_transport
CODEC_UNIT_BINS  := $(addprefix $(CODEC_BUILD)/unit/,$(CODEC_UNIT_TESTS))

# xl's progress lines and totals (tools/xl/xl_progress.c, the file xl is
# built with): libyajl, and xentoollog.h from libxen-dev.
XL_PROGRESS_SRC := $(XL_ZSTD_DIR)/xl_progress.c
$(CODEC_BUILD)/unit/test_xl_progress: $(TOP)/tests/unit/test_xl_progress.c $(TOP)/tests/unit/unit.h $(XL_PROGRESS_SRC) $(XL_ZSTD_DIR)/xl_progress.h
	@mkdir -p $(@D)
	$(CC) $(XS_SAN_CFLAGS) -I$(TOP)/tests/unit -o $@ $< $(XL_PROGRESS_SRC) $(YAJL_LIBS)

# The data connection of xl migrate --data-port (tools/xl/xl_transport.c):
# GnuTLS from Debian (libgnutls28-dev).
XL_TRANSPORT_SRC := $(XL_ZSTD_DIR)/xl_transport.c
$(CODEC_BUILD)/unit/test_xl_transport: $(TOP)/tests/unit/test_xl_transport.c $(TOP)/tests/unit/unit.h $(XL_TRANSPORT_SRC) $(XL_ZSTD_DIR)/xl_transport.h
	@mkdir -p $(@D)
	$(CC) $(XS_SAN_CFLAGS) -I$(TOP)/tests/unit -o $@ $< $(XL_TRANSPORT_SRC) -lgnutls -lpthread

$(CODEC_BUILD)/unit/%: $(TOP)/tests/unit/%.c $(TOP)/tests/unit/unit.h $(CODEC_SRC) $(XS_LIB_SRC) $(XL_ZSTD_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(XS_SAN_CFLAGS) -I$(TOP)/tests/unit -o $@ $< $(CODEC_SRC) $(XS_LIB_SRC) $(XL_ZSTD_SRC) $(ZSTD_LIBS)

CHECK_STAGES_ALL += check-unit
# Inputs from the field, kept next to the repository; tests/unit/realworld.sh
# says SKIP for them when the directory is absent.
REALWORLD_CASES ?= $(abspath $(TOP)/../shared/cases/real-world-1)
# convert's tests also use the legacy tools of mk/40-legacy.mk.
XS_CONVERT_TOOLS := $(BUILD)/legacy/san/mklegacy \
                    $(BUILD)/legacy/san/convert-legacy-stream $(BUILD)/bin/rss-time

check-unit: $(CODEC_UNIT_BINS) $(CODEC_BUILD)/san/xen-stream $(BUILD)/bin/mkstream $(BUILD)/bin/xen-stream $(XS_CONVERT_TOOLS) $(BUILD)/guest/san/memcheck $(BUILD)/bin/xs-copy
	@mkdir -p $(RESULTS)
	@rc=0; for t in $(CODEC_UNIT_BINS); do \
	    $$t >>$(RESULTS)/check-unit.log 2>&1 || { rc=1; \
	        echo "FAIL: $$(basename $$t) exited non-zero" >>$(RESULTS)/check-unit.log; }; \
	done; \
	RESULTS=$(RESULTS)/check-unit.log XEN_STREAM=$(CODEC_BUILD)/san/xen-stream \
	    MKSTREAM=$(BUILD)/bin/mkstream WORK=$(CODEC_BUILD)/malformed \
	    MAN=$(TOP)/docs/man/xen-stream.1 TABLE=$(TOP)/docs/malformed-inputs.md \
	    bash $(TOP)/tests/unit/malformed.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log XEN_STREAM=$(CODEC_BUILD)/san/xen-stream \
	    XEN_STREAM_OPT=$(BUILD)/bin/xen-stream MKSTREAM=$(BUILD)/bin/mkstream \
	    SEEDS=$(TOP)/tests/fuzz/seeds-real MKLEGACY=$(BUILD)/legacy/san/mklegacy \
	    CLS=$(BUILD)/legacy/san/convert-legacy-stream RSS_TIME=$(BUILD)/bin/rss-time \
	    WORK=$(CODEC_BUILD)/convert MAN=$(TOP)/docs/man/xen-stream.1 \
	    bash $(TOP)/tests/unit/convert.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log XEN_STREAM=$(CODEC_BUILD)/san/xen-stream \
	    MKSTREAM=$(BUILD)/bin/mkstream CLS=$(BUILD)/legacy/san/convert-legacy-stream \
	    WORK=$(CODEC_BUILD)/realworld CASES=$(REALWORLD_CASES) \
	    bash $(TOP)/tests/unit/realworld.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log MEMCHECK=$(BUILD)/guest/san/memcheck \
	    WORK=$(BUILD)/guest/memcheck-test bash $(TOP)/tests/unit/memcheck.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log XEN_STREAM=$(CODEC_BUILD)/san/xen-stream \
	    MKSTREAM=$(BUILD)/bin/mkstream SEEDS=$(TOP)/tests/fuzz/seeds-real \
	    RSS_TIME=$(BUILD)/bin/rss-time XEN_STREAM_OPT=$(BUILD)/bin/xen-stream \
	    WORK=$(CODEC_BUILD)/zstd bash $(TOP)/tests/unit/zstd.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log WORK=$(CODEC_BUILD)/bench-host-report \
	    bash $(TOP)/tests/unit/bench-host-report.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log XEN_STREAM=$(CODEC_BUILD)/san/xen-stream \
	    MKSTREAM=$(BUILD)/bin/mkstream WORK=$(CODEC_BUILD)/libvirt \
	    bash $(TOP)/tests/unit/libvirt.sh || rc=1; \
	RESULTS=$(RESULTS)/check-unit.log XS_COPY=$(BUILD)/bin/xs-copy \
	    WORK=$(BUILD)/host-tools/xs-ssh bash $(TOP)/tests/unit/xs-ssh.sh \
	    >> $(RESULTS)/check-unit.log 2>&1 || rc=1; \
	grep -c '^PASS: ' $(RESULTS)/check-unit.log | sed 's/^/check-unit: passed /'; \
	grep '^FAIL: ' $(RESULTS)/check-unit.log || true; \
	exit $$rc

# ---- fuzzing ----

CODEC_FUZZERS     := fuzz_codec fuzz_xenstore fuzz_libxc_walk fuzz_verify \
                     fuzz_zstd_section
CODEC_FUZZ_BINS   := $(addprefix $(CODEC_BUILD)/fuzz/,$(CODEC_FUZZERS))
CODEC_FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
                     -fno-sanitize-recover=all $(XS_CPPFLAGS)
CODEC_FUZZ_CHECK_SECONDS ?= 8
FUZZ_SECONDS      ?= 60
CODEC_CORPUS      := $(CODEC_BUILD)/corpus

$(CODEC_BUILD)/fuzz/%: $(TOP)/tests/fuzz/%.c $(CODEC_SRC) $(XS_LIB_SRC) $(XL_ZSTD_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(CODEC_CLANG) $(CODEC_FUZZ_CFLAGS) -o $@ $< $(CODEC_SRC) $(XS_LIB_SRC) $(XL_ZSTD_SRC) $(ZSTD_LIBS)

# Seeds come from the generator at build time, plus the small reduced real
# images in tests/fuzz/seeds-real/ (see mk/15-seeds-real.mk).
$(CODEC_CORPUS)/.stamp: $(BUILD)/bin/mkstream $(TOP)/tests/fuzz/make-corpus.sh
	@mkdir -p $(@D)
	MKSTREAM=$(BUILD)/bin/mkstream bash $(TOP)/tests/fuzz/make-corpus.sh $(CODEC_CORPUS)
	@touch $@

codec-fuzz-run = \
	RESULTS=$(RESULTS)/$(1).log FUZZ_DIR=$(CODEC_BUILD)/fuzz \
	    CORPUS=$(CODEC_CORPUS) SECONDS_EACH=$(2) CLANG=$(CODEC_CLANG) \
	    bash $(TOP)/tests/fuzz/run-fuzzers.sh $(CODEC_FUZZERS)

CHECK_STAGES_ALL += check-fuzz
check-fuzz: $(BUILD)/bin/mkstream
	@mkdir -p $(RESULTS) $(CODEC_BUILD)
	@if $(MAKE) --no-print-directory $(CODEC_FUZZ_BINS) $(CODEC_CORPUS)/.stamp \
	        >$(CODEC_BUILD)/fuzz-build.log 2>&1; then \
	    $(call codec-fuzz-run,check-fuzz,$(CODEC_FUZZ_CHECK_SECONDS)); \
	else \
	    for f in $(CODEC_FUZZERS); do \
	        echo "SKIP: $$f (libFuzzer unavailable; see $(CODEC_BUILD)/fuzz-build.log)" \
	            | tee -a $(RESULTS)/check-fuzz.log; done; \
	fi

fuzz: $(CODEC_FUZZ_BINS) $(CODEC_CORPUS)/.stamp
	@mkdir -p $(RESULTS)
	@$(call codec-fuzz-run,fuzz,$(FUZZ_SECONDS))

# ---- benchmark ----

BENCH_GIB ?= 2
CODEC_BENCH_DIR := $(BUILD)/bench

$(BUILD)/bin/rss-time: $(TOP)/tests/bench/rss-time.c
	@mkdir -p $(@D)
	$(CC) $(WARN_CFLAGS) $(OPT_CFLAGS) -o $@ $<

# The zero-page test of xen-patches/0003, taken from the patch itself (its
# added lines from "static bool page_is_all_zero" to the closing brace).
ZP_PATCH := $(TOP)/xen-patches/0003-libxenguest-save-zero-pages-as-allocate-only.patch
$(CODEC_BENCH_DIR)/zero-page-test.h: $(ZP_PATCH)
	@mkdir -p $(@D)
	sed -n '/^+static bool page_is_all_zero/,/^+}/s/^+//p' $< > $@.tmp
	@grep -q 'return true;' $@.tmp || { echo "no page_is_all_zero in $<" >&2; exit 1; }
	@mv $@.tmp $@

$(BUILD)/bin/zero-page-bench: $(TOP)/tests/bench/zero-page-bench.c $(CODEC_BENCH_DIR)/zero-page-test.h
	@mkdir -p $(@D)
	$(CC) $(WARN_CFLAGS) $(OPT_CFLAGS) -I$(CODEC_BENCH_DIR) -o $@ $<

bench: $(BUILD)/bin/xen-stream $(BUILD)/bin/mkstream $(BUILD)/bin/rss-time $(BUILD)/bin/zero-page-bench
	@BENCH_GIB=$(BENCH_GIB) BENCH_DIR=$(CODEC_BENCH_DIR) BIN=$(BUILD)/bin \
	    bash $(TOP)/tests/bench/bench-verify.sh
	@$(BUILD)/bin/zero-page-bench

.PHONY: check-unit check-fuzz fuzz bench

# ---- line/branch coverage of the codec and walkers by the unit tests ----

CODEC_COV := $(CODEC_BUILD)/coverage
codec-coverage:
	@rm -rf $(CODEC_COV); mkdir -p $(CODEC_COV)
	@cd $(CODEC_COV) && \
	for f in $(CODEC_SRC) $(XS_LIB_SRC); do \
	    $(CC) -std=gnu99 -O0 --coverage $(XS_CPPFLAGS) -c $$f || exit 1; done && \
	for t in $(CODEC_UNIT_TESTS); do \
	    $(CC) -std=gnu99 -O0 --coverage $(XS_CPPFLAGS) -I$(TOP)/tests/unit \
	        -o $$t $(TOP)/tests/unit/$$t.c libxl_sr_codec.o libxl_sr_framer.o libxc_walk.o \
	        stream_walk.o input_kind.o && ./$$t >/dev/null || exit 1; done && \
	gcov -b libxl_sr_codec.c libxl_sr_framer.c libxc_walk.c stream_walk.c input_kind.c 2>/dev/null | \
	    awk '/^File .*\.c/ {f=$$2} /^Lines executed/ && f {print f, $$0; f=""}'

.PHONY: codec-coverage
