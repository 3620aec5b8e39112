# convert-legacy-stream: C converter of pre-4.6 save streams, its test tools
# and the check-legacy stage.
#
#   make build/bin/convert-legacy-stream   the converter (part of `all`)
#   make check-legacy                      converter tests, the cross-check
#                                          against upstream's Python converter,
#                                          malformed inputs, fuzz seed smoke
#   make fuzz-legacy FUZZ_SECONDS=N        run the libFuzzer harness
#
# The binary is built with the project's normal flags; everything the tests
# run is built again with ASan+UBSan under build/legacy/san/.

LEG_SRC_DIR  := $(TOP)/tools/convert-legacy-stream
LEG_TEST_DIR := $(TOP)/tests/legacy
LEG_BUILD    := $(BUILD)/legacy
LEG_CODEC_C  := $(TOP)/tools/libxl/libxl_sr_codec.c $(TOP)/tools/libxl/libxl_sr_framer.c
LEG_CODEC_H  := $(TOP)/tools/libxl/libxl_sr_codec.h $(TOP)/tools/libxl/libxl_sr_framer.h

# input_kind.c (xen-stream's) names inputs that are not legacy images.
LEG_CORE_C   := $(LEG_SRC_DIR)/cls_io.c $(LEG_SRC_DIR)/cls_emit.c \
                $(LEG_SRC_DIR)/cls_convert.c $(TOP)/tools/xen-stream/input_kind.c
LEG_HDRS     := $(LEG_SRC_DIR)/cls.h $(LEG_CODEC_H) \
                $(TOP)/tools/xen-stream/input_kind.h
LEG_CPPFLAGS := -I$(LEG_SRC_DIR) -I$(TOP)/tools/libxl -I$(TOP)/tools/xen-stream
LEG_CFLAGS   := $(WARN_CFLAGS) $(OPT_CFLAGS) $(LEG_CPPFLAGS)
LEG_SAN      := $(WARN_CFLAGS) -O1 -g $(SAN_CFLAGS) $(LEG_CPPFLAGS)

all: $(BUILD)/bin/convert-legacy-stream

$(BUILD)/bin/convert-legacy-stream: $(LEG_SRC_DIR)/main.c $(LEG_CORE_C) \
                                    $(LEG_CODEC_C) $(LEG_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LEG_CFLAGS) -o $@ $(LEG_SRC_DIR)/main.c $(LEG_CORE_C) $(LEG_CODEC_C)

# ---- Sanitized builds for the tests ----

LEG_SAN_BIN  := $(LEG_BUILD)/san
LEG_TOOLS    := $(LEG_SAN_BIN)/convert-legacy-stream $(LEG_SAN_BIN)/mklegacy \
                $(LEG_SAN_BIN)/v2list $(LEG_SAN_BIN)/mkv2

$(LEG_SAN_BIN)/convert-legacy-stream: $(LEG_SRC_DIR)/main.c $(LEG_CORE_C) \
                                      $(LEG_CODEC_C) $(LEG_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LEG_SAN) -o $@ $(LEG_SRC_DIR)/main.c $(LEG_CORE_C) $(LEG_CODEC_C)

LEG_V2READ := $(LEG_TEST_DIR)/v2read.c
LEG_V2HDRS := $(LEG_TEST_DIR)/v2read.h $(LEG_CODEC_H)

$(LEG_SAN_BIN)/mklegacy: $(LEG_TEST_DIR)/mklegacy.c $(LEG_V2READ) \
                         $(LEG_CODEC_C) $(LEG_V2HDRS)
	@mkdir -p $(@D)
	$(CC) $(LEG_SAN) -o $@ $(LEG_TEST_DIR)/mklegacy.c $(LEG_V2READ) $(LEG_CODEC_C)

$(LEG_SAN_BIN)/v2list: $(LEG_TEST_DIR)/v2list.c $(LEG_V2READ) \
                       $(LEG_CODEC_C) $(LEG_V2HDRS)
	@mkdir -p $(@D)
	$(CC) $(LEG_SAN) -o $@ $(LEG_TEST_DIR)/v2list.c $(LEG_V2READ) $(LEG_CODEC_C)

$(LEG_SAN_BIN)/mkv2: $(LEG_TEST_DIR)/mkv2.c $(LEG_CODEC_C) $(LEG_CODEC_H)
	@mkdir -p $(@D)
	$(CC) $(LEG_SAN) -o $@ $(LEG_TEST_DIR)/mkv2.c $(LEG_CODEC_C)

# ---- Fuzzer (clang only) ----

LEG_FUZZ := $(LEG_BUILD)/fuzz_legacy
LEG_FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
                   -fno-sanitize-recover=all $(LEG_CPPFLAGS)

$(LEG_FUZZ): $(TOP)/tests/fuzz/fuzz_legacy.c $(LEG_CORE_C) $(LEG_CODEC_C) \
             $(LEG_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(LEG_FUZZ_CFLAGS) -o $@ $(TOP)/tests/fuzz/fuzz_legacy.c \
	    $(LEG_CORE_C) $(LEG_CODEC_C)

FUZZ_SECONDS ?= 60
# `make fuzz` (mk/10-codec.mk) runs this harness too.
fuzz: fuzz-legacy
fuzz-legacy: $(LEG_FUZZ) $(LEG_TOOLS)
	@bash $(LEG_TEST_DIR)/seed-corpus.sh $(LEG_SAN_BIN) $(LEG_BUILD)/corpus
	@mkdir -p $(LEG_BUILD)/corpus-run
	$(LEG_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    $(LEG_BUILD)/corpus-run $(LEG_BUILD)/corpus

# ---- The check stage ----

CHECK_STAGES_ALL += check-legacy

# Without clang the fuzz part of the stage reports SKIP.
LEG_FUZZ_DEP := $(if $(CLANG),$(LEG_FUZZ))
# The codec's stream generator (mk/10-codec.mk), for a second source of images.
LEG_MKSTREAM := $(if $(wildcard $(TOP)/tests/tools/mkstream.c),$(BUILD)/bin/mkstream)
LEG_XEN_STREAM := $(if $(wildcard $(TOP)/tools/xen-stream),$(BUILD)/bin/xen-stream)

check-legacy: $(BUILD)/bin/convert-legacy-stream $(LEG_TOOLS) $(LEG_FUZZ_DEP) \
              $(LEG_MKSTREAM) $(LEG_XEN_STREAM)
	@mkdir -p $(RESULTS); rm -f $(RESULTS)/check-legacy.log
	@RESULTS=$(RESULTS)/check-legacy.log LEG_BIN=$(LEG_SAN_BIN) \
	    LEG_BUILD=$(LEG_BUILD) LEG_FUZZ=$(LEG_FUZZ_DEP) \
	    LEG_REL=$(BUILD)/bin/convert-legacy-stream MKSTREAM=$(LEG_MKSTREAM) \
	    XEN_STREAM=$(LEG_XEN_STREAM) \
	    bash $(LEG_TEST_DIR)/run.sh

.PHONY: check-legacy fuzz-legacy

# Short name, for `make convert-legacy-stream`.
convert-legacy-stream: $(BUILD)/bin/convert-legacy-stream
.PHONY: convert-legacy-stream
