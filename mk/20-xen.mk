# Building the pinned Xen 4.17 tools, stock and with our patch series.
#
#   make xen-stock   unpatched tools      -> build/xen-stock/dist
#   make xen         patched + drop-ins   -> build/xen/dist
#   make xen-asan    patched, ASan+UBSan  -> build/xen-asan/dist
#   make check-xen   the checks in tests/xen/ (results in build/results)
#
# Each build lives in build/<name>/: src/ is the Xen tree, dist/ the DESTDIR
# install, and .stamp-* record which stage has been done.  Stages:
#
#   unpack     fresh tree from the verified tarball (scripts/fetch-xen-source.sh)
#   patch      xen-patches/series applied with patch -p1, then the upstream
#              files in xen-patches/remove-files deleted (patched builds only)
#   configure  Xen's configure with XEN_CONFIGURE_FLAGS
#   build      every part of the tools the emulated host runs
#   install    make install of those parts with DESTDIR=dist
#
# For the patched builds two more, so that editing a drop-in only recompiles
# what changed in libxenlight and xl:
#
#   dropins    copy tools/libxl/*.[ch] that differ into src/tools/libs/light/,
#              tools/xl/*.[ch] that differ into src/tools/xl/
#   light      rebuild tools/libs/light and tools/xl, reinstall both
#
# Details, outputs and measured times: docs/building.md.
#
# A change to xen-patches/ starts the patched build again from a fresh tree.

XEN_FETCH        := $(TOP)/scripts/fetch-xen-source.sh
XEN_TARBALL      := $(shell XEN_SRC_CACHE=$(XEN_SRC_CACHE) $(XEN_FETCH) --print-tarball)
XEN_JOBS         ?= 2
XEN_PATCH_DIR    := $(TOP)/xen-patches
XEN_SERIES       := $(XEN_PATCH_DIR)/series
XEN_PATCHES      := $(addprefix $(XEN_PATCH_DIR)/,$(shell sed -e 's/\#.*//' $(XEN_SERIES) 2>/dev/null))
# Upstream files the series removes: deleted after the patches are applied
# (so that the patches do not carry their contents), by the same script
# check-xen uses.
XEN_REMOVES      := $(XEN_PATCH_DIR)/remove-files
XEN_APPLY        := $(TOP)/scripts/apply-xen-series.sh
XEN_DROPIN_DIR   := $(TOP)/tools/libxl
XEN_DROPINS      := $(sort $(wildcard $(XEN_DROPIN_DIR)/*.c $(XEN_DROPIN_DIR)/*.h))
# The drop-ins the patched Makefile cannot build without.
XEN_DROPINS_REQUIRED := libxl_sr_codec.c libxl_sr_codec.h \
                        libxl_sr_framer.c libxl_sr_framer.h \
                        libxl_stream_write.c libxl_stream_read.c \
                        libxl_sr_os_linux.c libxl_sr_os_other.c
# xl drop-ins (tools/xl/*.[ch], owned by the xl glue): copied over the
# tree's tools/xl/ files of the same name.  The required ones replace
# upstream files outright, so a missing one must stop the build rather than
# let upstream's copy be used.
XEN_XL_DROPIN_DIR := $(TOP)/tools/xl
XEN_XL_DROPINS    := $(sort $(wildcard $(XEN_XL_DROPIN_DIR)/*.c $(XEN_XL_DROPIN_DIR)/*.h))
XEN_XL_DROPINS_REQUIRED := xl_saverestore.c xl_migrate.c xl_zstd.c xl_zstd.h \
                           xl_transport.c xl_transport.h \
                           xl_progress.c xl_progress.h

XEN_CONFIGURE_FLAGS := --prefix=/usr --disable-stubdom --disable-docs \
    --disable-qemu-traditional --disable-rombios --disable-seabios \
    --disable-ipxe --disable-ocamltools --disable-xsmpolicy --disable-ovmf \
    --disable-pvshim --disable-golang \
    --with-system-qemu=/usr/bin/qemu-system-i386

# What the emulated host runs: every library (libxenlight and
# libxl-save-helper live in tools/libs/light), xl, xenstored and the
# xenstore-* clients, xenconsoled, xen-init-dom0.  tools/include first.
XEN_PARTS := tools/libs tools/xl tools/xenstore tools/console tools/helpers
# The parts a drop-in change touches.
XEN_LIGHT_PARTS := tools/libs/light tools/xl

# Xen's build is run as a separate make: our MAKEFLAGS (and any variables
# given on our command line) are not passed into it.  Installs run serially
# (they take seconds, and Xen's install rules are not all written for -j).
XEN_MAKE_1 := env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL $(MAKE)
XEN_MAKE   := $(XEN_MAKE_1) -j$(XEN_JOBS)

# Print how long a stage took: $(call xen_time,LABEL,START)
xen_time = echo "== xen: $(1) took $$(( $$(date +%s) - $(2) )) s"

# ---- recipes shared by the builds; $(1) is the build directory ----

define xen_unpack
	@t0=$$(date +%s); $(XEN_FETCH) --unpack $(1)/src && \
	    $(call xen_time,$(notdir $(1)) unpack,$$t0)
	@rm -f $(1)/.stamp-*
	@touch $(1)/.stamp-unpack
endef

define xen_apply_series
	@echo "== xen: applying xen-patches/series to $(1)/src"
	@XEN_PATCH_DIR=$(XEN_PATCH_DIR) $(XEN_APPLY) $(1)/src
	@touch $(1)/.stamp-patch
endef

define xen_configure
	@echo "== xen: configuring $(1)/src"
	@t0=$$(date +%s); cd $(1)/src && ./configure $(XEN_CONFIGURE_FLAGS) \
	    > $(1)/configure.log 2>&1 || \
	    { tail -30 $(1)/configure.log; echo "xen: configure failed, see $(1)/configure.log" >&2; exit 1; }; \
	    $(call xen_time,$(notdir $(1)) configure,$$t0)
	@touch $(1)/.stamp-configure
endef

# $(1): build directory, $(2): the parts to build, in order, $(3): extra
# arguments for Xen's make.  Xen's output goes to $(1)/build.log; its errors
# are shown when something fails.
define xen_make_parts
	@echo "== xen: building $(2) in $(1)/src (log: $(1)/build.log)"
	@t0=$$(date +%s); \
	for d in $(2); do \
	    $(XEN_MAKE) -C $(1)/src/$$d $(3) >> $(1)/build.log 2>&1 || { \
	        grep -E ': (fatal )?(error|warning):|\*\*\*' $(1)/build.log | tail -40; \
	        echo "xen: building $$d failed, see $(1)/build.log" >&2; exit 1; }; \
	done; \
	$(call xen_time,$(notdir $(1)) build,$$t0)
endef

define xen_build
	@rm -f $(1)/build.log
	$(call xen_make_parts,$(1),tools/include $(XEN_PARTS))
	@touch $(1)/.stamp-build
endef

# $(1): build directory, $(2): the parts to install, $(3): as above
define xen_install
	@echo "== xen: installing $(2) into $(1)/dist"
	@# tools/libs installs each .pc file to the directory path; Xen's top-level
	@# install creates that directory first, our per-part install must too.
	@mkdir -p $(1)/dist/usr/lib/pkgconfig
	@t0=$$(date +%s); \
	for d in $(2); do \
	    $(XEN_MAKE_1) -C $(1)/src/$$d install $(3) DESTDIR=$(1)/dist >> $(1)/install.log 2>&1 || { \
	        tail -20 $(1)/install.log; \
	        echo "xen: installing $$d failed, see $(1)/install.log" >&2; exit 1; }; \
	done; \
	$(call xen_time,$(notdir $(1)) install,$$t0)
endef

# Copy the drop-ins that differ (unchanged ones keep their mtime, so Xen's
# make does not recompile them).  A missing required drop-in stops here.
define xen_dropins
	@set -e; for f in $(XEN_DROPINS_REQUIRED); do \
	    test -f $(XEN_DROPIN_DIR)/$$f || \
	        { echo "xen: missing drop-in tools/libxl/$$f (needed by the patched libxl Makefile)" >&2; exit 1; }; \
	done; \
	for f in $(XEN_DROPINS); do \
	    dst=$(1)/src/tools/libs/light/$$(basename $$f); \
	    cmp -s $$f $$dst || { echo "   drop-in $$(basename $$f)"; cp $$f $$dst; }; \
	done; \
	for f in $(1)/src/tools/libs/light/libxl_sr_*.[ch]; do \
	    test -e $(XEN_DROPIN_DIR)/$$(basename $$f) || test ! -e $$f || \
	        { echo "   removing stale drop-in $$(basename $$f)"; rm -f $$f; }; \
	done
	@# xl drop-ins: same rule, into tools/xl/ (see XEN_XL_DROPINS).
	@set -e; for f in $(XEN_XL_DROPINS_REQUIRED); do \
	    test -f $(XEN_XL_DROPIN_DIR)/$$f || \
	        { echo "xen: missing drop-in tools/xl/$$f (replaces upstream's)" >&2; exit 1; }; \
	done; \
	for f in $(XEN_XL_DROPINS); do \
	    dst=$(1)/src/tools/xl/$$(basename $$f); \
	    cmp -s $$f $$dst || { echo "   drop-in xl/$$(basename $$f)"; cp $$f $$dst; }; \
	done
	@touch $(1)/.stamp-dropins
endef

# ---- entry points ----

# Several people run make in the same checkout: one build per build
# directory at a time, the others wait for it (and then find it done).
xen xen-stock xen-asan:
	@mkdir -p $(BUILD)
	@flock -n $(BUILD)/.$@.lock true || echo "== xen: waiting for another 'make $@' to finish"
	@flock $(BUILD)/.$@.lock $(MAKE) --no-print-directory $@-unlocked

.PHONY: xen xen-stock xen-asan

# ---- stock ----

XEN_STOCK := $(BUILD)/xen-stock

xen-stock-unlocked: $(XEN_STOCK)/.stamp-install

$(XEN_STOCK)/.stamp-unpack: $(XEN_TARBALL) $(XEN_FETCH)
	$(call xen_unpack,$(XEN_STOCK))

$(XEN_STOCK)/.stamp-configure: $(XEN_STOCK)/.stamp-unpack
	$(call xen_configure,$(XEN_STOCK))

$(XEN_STOCK)/.stamp-build: $(XEN_STOCK)/.stamp-configure
	$(call xen_build,$(XEN_STOCK))

$(XEN_STOCK)/.stamp-install: $(XEN_STOCK)/.stamp-build
	@rm -rf $(XEN_STOCK)/dist $(XEN_STOCK)/install.log
	$(call xen_install,$(XEN_STOCK),$(XEN_PARTS))
	@touch $@

# The cached tarball is a prerequisite; this fetches it when it is missing.
$(XEN_TARBALL):
	$(XEN_FETCH)

.PHONY: xen-stock-unlocked xen-fetch
xen-fetch:
	$(XEN_FETCH)

# ---- patched ----

# $(1): build directory.  $(2): the name of a variable holding extra
# arguments for every make in Xen's tree (a name, because the value may
# contain commas).  The stamps chain as described at the top; .stamp-build
# waits for the drop-ins (order-only) but is not redone when one changes:
# .stamp-light is.
define xen_patched_rules
$(1)/.stamp-unpack: $(XEN_TARBALL) $(XEN_FETCH) $(XEN_SERIES) $(XEN_PATCHES) \
                   $(XEN_REMOVES) $(XEN_APPLY)
	$$(call xen_unpack,$(1))

$(1)/.stamp-patch: $(1)/.stamp-unpack
	$$(call xen_apply_series,$(1))

$(1)/.stamp-configure: $(1)/.stamp-patch
	$$(call xen_configure,$(1))

$(1)/.stamp-dropins: $(1)/.stamp-configure $(XEN_DROPINS) $(XEN_XL_DROPINS)
	$$(call xen_dropins,$(1))

$(1)/.stamp-build: $(1)/.stamp-configure | $(1)/.stamp-dropins
	@rm -f $(1)/build.log
	$$(call xen_make_parts,$(1),tools/include $(XEN_PARTS),$$($(2)))
	@touch $$@

$(1)/.stamp-install: $(1)/.stamp-build
	@rm -rf $(1)/dist $(1)/install.log
	$$(call xen_install,$(1),$(XEN_PARTS),$$($(2)))
	@touch $$@

$(1)/.stamp-light: $(1)/.stamp-install $(1)/.stamp-dropins
	$$(call xen_make_parts,$(1),$(XEN_LIGHT_PARTS),$$($(2)))
	$$(call xen_install,$(1),$(XEN_LIGHT_PARTS),$$($(2)))
	@touch $$@
endef

XEN_PATCHED := $(BUILD)/xen

xen-unlocked: $(XEN_PATCHED)/.stamp-light
XEN_PATCHED_ARGS :=
$(eval $(call xen_patched_rules,$(XEN_PATCHED),XEN_PATCHED_ARGS))

.PHONY: xen-unlocked

# ---- patched, with AddressSanitizer and UBSan ----

# The whole tree is built with the sanitizers (flags from mk/00-base.mk), so
# libxenlight, libxl-save-helper and xl agree with everything they load.  In
# one pass: rebuilding only libs/light and xl over a plain build left make
# remaking objects at install time, serially, for minutes.  GCC 12 with
# -fsanitize=address reports -Wstringop-truncation in upstream libxenguest
# (xg_dom_*.c, libelf), so that one warning is kept but not fatal here; our
# code is held to all of -Werror by `make xen`.  The emulated host needs
# libasan.so.8 and libubsan.so.1 next to these binaries.
XEN_ASAN := $(BUILD)/xen-asan
XEN_ASAN_ARGS := EXTRA_CFLAGS_XEN_TOOLS="$(SAN_CFLAGS) -Wno-error=stringop-truncation" \
                 APPEND_LDFLAGS="-fsanitize=address,undefined"

xen-asan-unlocked: $(XEN_ASAN)/.stamp-light
$(eval $(call xen_patched_rules,$(XEN_ASAN),XEN_ASAN_ARGS))

.PHONY: xen-asan-unlocked

# ---- check stage ----

CHECK_STAGES_ALL += check-xen

# Both builds are attempted even if one fails; the script reports each
# build's outcome and checks whatever exists.
check-xen:
	@mkdir -p $(RESULTS)
	@xs=0; $(MAKE) --no-print-directory xen-stock || xs=$$?; \
	x=0; $(MAKE) --no-print-directory xen || x=$$?; \
	XEN_STOCK_RC=$$xs XEN_RC=$$x XEN_DROPIN_DIR=$(XEN_DROPIN_DIR) bash $(TOP)/tests/xen/check-xen.sh

.PHONY: check-xen
