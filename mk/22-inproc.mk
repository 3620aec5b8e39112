# Our libxl stream reader and writer run inside a test process, with no
# hypervisor: the drop-ins (tools/libxl/) compiled with ASan and coverage
# against the patched build's headers, the rest of libxl (ctx, ao/egc,
# ev_fd, datacopier) from its libxenlight.a, and fakes only at the edges
# (ASan+UBSan), reached with the linker's --wrap.  docs/inproc-tests.md.
#
#   make check-inproc          the suite (needs `make xen`, which it runs)
#   make inproc-coverage       line/branch figures of the reader and writer

INPROC_BUILD   := $(BUILD)/inproc
INPROC_XEN     := $(BUILD)/xen/src
INPROC_LIGHT   := $(INPROC_XEN)/tools/libs/light
INPROC_LIBDIR  := $(BUILD)/xen/dist/usr/lib
INPROC_DIR     := $(TOP)/tests/inproc

# The flags tools/libs/light is built with (struct layouts must agree).
INPROC_CPPFLAGS := -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
    -D_LARGEFILE_SOURCE -D_LARGEFILE64_SOURCE -DCONFIG_PCI_SUPP_LEGACY_IRQ \
    -D__XEN_TOOLS__ -pthread -I$(CODEC_DIR) -I$(INPROC_DIR) -I$(XS_DIR) \
    -I$(INPROC_LIGHT) -I$(INPROC_XEN)/tools/include -I/usr/include/libnl3 \
    -include $(INPROC_XEN)/tools/config.h
INPROC_WFLAGS  := -std=gnu99 -Wall -Werror -Wno-unused-parameter \
    -Wmissing-prototypes -O1 -g
INPROC_CFLAGS  := $(INPROC_WFLAGS) $(SAN_CFLAGS) $(INPROC_CPPFLAGS)
# The measured drop-ins get ASan (a late pass) but not UBSan, whose
# checks gcov would count as branches of our code.
INPROC_COV_CFLAGS := $(INPROC_WFLAGS) -fsanitize=address \
    -fno-omit-frame-pointer --coverage $(INPROC_CPPFLAGS)

# Ours, measured: every drop-in the reader and writer link with.
INPROC_DROPINS := libxl_stream_read libxl_stream_write libxl_sr_codec \
    libxl_sr_emu_xenstore libxl_sr_watchdog libxl_sr_progress \
    libxl_sr_os_linux
INPROC_DROPIN_OBJS := $(addprefix $(INPROC_BUILD)/cov/,$(addsuffix .o,$(INPROC_DROPINS)))
# xen-stream's walkers: where the libxl stream starts, and libxc's part.
INPROC_WALK_OBJS := $(addprefix $(INPROC_BUILD)/,libxc_walk.o stream_walk.o input_kind.o)
INPROC_HARNESS_OBJS := $(addprefix $(INPROC_BUILD)/,harness.o fake_libxc.o interpose.o read_lib.o)

comma := ,
INPROC_WRAPS := xc_interface_open xc_interface_close xs_open xs_close \
    xs_daemon_destroy_postfork \
    xs_read xs_write xs_directory xs_rm xs_transaction_start \
    xs_transaction_end xs_get_domain_path xc_domain_getinfolist \
    libxl__xc_domain_restore libxl__xc_domain_save libxl__save_helper_abort \
    libxl__sr_restore_guard_arm \
    open unlink rename fstat write read
INPROC_LDFLAGS := -fsanitize=address,undefined --coverage -pthread \
    $(addprefix -Wl$(comma)--wrap=,$(INPROC_WRAPS)) \
    -L$(INPROC_LIBDIR) -Wl,-rpath,$(INPROC_LIBDIR)
INPROC_LIBS := $(INPROC_LIGHT)/libxenlight.a -lxenguest -lxenctrl \
    -lxenstore -lxenevtchn -lxentoollog -lxenhypfs -lxendevicemodel \
    -lxenforeignmemory -lxencall -lxengnttab -lxentoolcore \
    -lnl-route-3 -lnl-3 -luuid -lyajl -lutil

INPROC_HDRS := $(INPROC_DIR)/inproc.h $(wildcard $(CODEC_DIR)/*.h) \
    $(INPROC_LIGHT)/libxenlight.a

$(INPROC_BUILD)/cov/%.o: $(CODEC_DIR)/%.c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CC (inproc, coverage) $<"
	@$(CC) $(INPROC_COV_CFLAGS) -c -o $@ $<

$(INPROC_BUILD)/%.o: $(XS_DIR)/%.c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CC (inproc) $<"
	@$(CC) $(INPROC_CFLAGS) -c -o $@ $<

$(INPROC_BUILD)/%.o: $(INPROC_DIR)/%.c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CC (inproc) $<"
	@$(CC) $(INPROC_CFLAGS) -c -o $@ $<

INPROC_PROGS := inproc-read inproc-write inproc-guard
INPROC_BINS  := $(addprefix $(INPROC_BUILD)/,$(INPROC_PROGS))
# inproc-guard runs the real restore guardian arm (libxenlight.a's) and
# puts itself in the guardian program's place at its execv.
$(INPROC_BUILD)/inproc-guard: INPROC_LDFLAGS += -Wl,--wrap=execv

$(INPROC_BUILD)/inproc-%: $(INPROC_BUILD)/%_main.o $(INPROC_HARNESS_OBJS) $(INPROC_DROPIN_OBJS) $(INPROC_WALK_OBJS)
	@echo "  LD $@"
	@$(CC) -o $@ $^ $(INPROC_LDFLAGS) $(INPROC_LIBS)

inproc-bins: $(INPROC_BINS)

# Built through pattern rules, but kept: their .gcno/.gcda sit next to them.
.SECONDARY: $(INPROC_DROPIN_OBJS) $(INPROC_WALK_OBJS) $(INPROC_HARNESS_OBJS) \
    $(addprefix $(INPROC_BUILD)/,$(addsuffix _main.o,$(subst inproc-,,$(INPROC_PROGS))))

CHECK_STAGES_ALL += check-inproc

check-inproc:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen >/dev/null || echo "== inproc: make xen failed"
	@$(MAKE) --no-print-directory $(INPROC_BINS) $(BUILD)/bin/mkstream $(BUILD)/bin/xen-stream \
	    $(BUILD)/bin/convert-legacy-stream $(BUILD)/legacy/san/mklegacy
	@rm -f $(INPROC_BUILD)/cov/*.gcda
	@rc=0; RESULTS=$(RESULTS)/check-inproc.log INPROC=$(INPROC_BUILD) \
	    XEN_STREAM=$(BUILD)/bin/xen-stream MKSTREAM=$(BUILD)/bin/mkstream \
	    CLS=$(BUILD)/bin/convert-legacy-stream MKLEGACY=$(BUILD)/legacy/san/mklegacy \
	    WORK=$(INPROC_BUILD)/work bash $(INPROC_DIR)/run.sh >$(INPROC_BUILD)/run.log 2>&1 || rc=1; \
	RESULTS=$(RESULTS)/check-inproc.log INPROC=$(INPROC_BUILD) SRC=$(CODEC_DIR) \
	    bash $(INPROC_DIR)/coverage.sh || rc=1; \
	grep -c '^PASS: ' $(RESULTS)/check-inproc.log | sed 's/^/check-inproc: passed /'; \
	grep -E '^(FAIL|KNOWN): ' $(RESULTS)/check-inproc.log || true; \
	exit $$rc

# The figures alone, after a run of the suite.
inproc-coverage:
	@RESULTS=/dev/null INPROC=$(INPROC_BUILD) SRC=$(CODEC_DIR) \
	    bash $(INPROC_DIR)/coverage.sh | grep '^coverage:' 

.PHONY: check-inproc inproc-bins inproc-coverage

# ---- a libFuzzer harness driving the reader (tests/fuzz/) ----
#
# Built with clang like the codec's harnesses, against the same patched
# libxenlight.a; it joins their list, so `make fuzz' and check-fuzz's
# smoke run take it too.  check-fuzz runs before check-xen: it builds
# the patched tools first if they are not there (check-xen then finds
# them built); if that fails the harness is reported as SKIP.

INPROC_FUZZ       := fuzz_libxl_reader
INPROC_FUZZ_BIN   := $(CODEC_BUILD)/fuzz/$(INPROC_FUZZ)
INPROC_FUZZ_BUILD := $(INPROC_BUILD)/fuzz
INPROC_FUZZ_SRCS  := $(INPROC_DIR)/harness.c $(INPROC_DIR)/fake_libxc.c \
    $(INPROC_DIR)/interpose.c $(INPROC_DIR)/read_lib.c \
    $(XS_DIR)/libxc_walk.c $(XS_DIR)/stream_walk.c $(XS_DIR)/input_kind.c \
    $(addprefix $(CODEC_DIR)/,$(addsuffix .c,$(INPROC_DROPINS)))
INPROC_FUZZ_OBJS  := $(addprefix $(INPROC_FUZZ_BUILD)/,$(notdir $(INPROC_FUZZ_SRCS:.c=.o)))
INPROC_FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
    -fno-sanitize-recover=all -w $(INPROC_CPPFLAGS)

CODEC_FUZZERS += $(INPROC_FUZZ)

$(INPROC_FUZZ_BUILD)/%.o: $(INPROC_DIR)/%.c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG (fuzz) $<"
	@$(CODEC_CLANG) $(INPROC_FUZZ_CFLAGS) -c -o $@ $<

$(INPROC_FUZZ_BUILD)/%.o: $(XS_DIR)/%.c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG (fuzz) $<"
	@$(CODEC_CLANG) $(INPROC_FUZZ_CFLAGS) -c -o $@ $<

$(INPROC_FUZZ_BUILD)/%.o: $(CODEC_DIR)/%.c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG (fuzz) $<"
	@$(CODEC_CLANG) $(INPROC_FUZZ_CFLAGS) -c -o $@ $<

$(INPROC_FUZZ_BUILD)/$(INPROC_FUZZ).o: $(TOP)/tests/fuzz/$(INPROC_FUZZ).c $(INPROC_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG (fuzz) $<"
	@$(CODEC_CLANG) $(INPROC_FUZZ_CFLAGS) -c -o $@ $<

$(INPROC_FUZZ_BIN): $(INPROC_FUZZ_BUILD)/$(INPROC_FUZZ).o $(INPROC_FUZZ_OBJS)
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CODEC_CLANG) -o $@ $^ -fsanitize=fuzzer,address,undefined -pthread \
	    $(addprefix -Wl$(comma)--wrap=,$(INPROC_WRAPS)) \
	    -L$(INPROC_LIBDIR) -Wl,-rpath,$(INPROC_LIBDIR) $(INPROC_LIBS)

# Seeds: every mkstream variant, whole (small shapes).
$(CODEC_CORPUS)/$(INPROC_FUZZ)/.stamp: $(CODEC_CORPUS)/.stamp $(BUILD)/bin/mkstream
	@mkdir -p $(@D)
	@$(BUILD)/bin/mkstream --list-variants | cut -f1 | while read -r v; do \
	    $(BUILD)/bin/mkstream --pages 3 --variant $$v $(@D)/$$v || exit 1; done
	@touch $@

inproc-fuzz-ready: $(CODEC_CORPUS)/$(INPROC_FUZZ)/.stamp
	@mkdir -p $(INPROC_BUILD)
	@{ $(MAKE) --no-print-directory xen >/dev/null 2>&1 && \
	   $(MAKE) --no-print-directory $(INPROC_FUZZ_BIN); } \
	    >$(INPROC_BUILD)/fuzz-build.log 2>&1 || \
	    echo "== $(INPROC_FUZZ) not built (see $(INPROC_BUILD)/fuzz-build.log)"

check-fuzz fuzz: inproc-fuzz-ready

.PHONY: inproc-fuzz-ready
