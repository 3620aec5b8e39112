# Debian packages of our build: Debian's own xen source package (the pinned
# version) rebuilt with our series, the upstream stream files removed and
# our drop-ins in its quilt patch queue, under a version with a local
# suffix that sorts just above Debian's.
#
#   make deb        build/deb/out/*.deb (arch-dependent packages, built in
#                   a clean Debian 12 root; ~17 min on 2 shared cores, see
#                   docs/debian-packages.md)
#   make check-deb  a throwaway Debian 12 root (debootstrap) with Debian's
#                   stock Xen packages, then ours installed over them and
#                   checked, then Debian's installed again
#                   (results in build/results/check-deb.log)
#   make host-image-deb  an emulated-host image (build/host-deb) whose tool
#                   builds are taken from packages: "ours" from make deb's
#                   .debs, "stock" from Debian's own .debs of the pinned
#                   version (scripts/deb/host-dist.sh)
#   make host-run-deb [DEB_HOST_SCENARIOS="..."]
#                   boot it and run the scenarios with the packaged tools
#                   (default: save/restore, localhost migration and the
#                   four interop scenarios); wrap it in flock /work/host.lock
#
# Stages, each with a stamp under build/deb/:
#
#   deps      scripts/deb/install-deps.sh: quilt, debootstrap, dpkg-dev
#   prepare   scripts/deb/prepare-source.sh: the source package
#             build/deb/src/xen_VERSION.dsc and its unpacked tree
#   build     scripts/deb/build.sh: a clean root with the .dsc's build
#             dependencies, dpkg-buildpackage -B in it -> build/deb/out
#
# A change to the series, the drop-ins or these scripts prepares and builds
# again from a fresh tree (the build is Debian's, not incremental).

DEB_DIR          := $(BUILD)/deb
# The scripts whose change changes the packages.
DEB_SCRIPTS      := $(addprefix $(TOP)/scripts/deb/,pinned.sh fetch-source.sh \
                      prepare-source.sh build.sh)
DEB_LOCAL_SUFFIX ?= +xenstream1
DEB_JOBS         ?= 2
export DEB_LOCAL_SUFFIX DEB_JOBS

deb:
	@mkdir -p $(BUILD)
	@flock -n $(BUILD)/.deb.lock true || echo "== deb: waiting for another 'make deb' to finish"
	@flock $(BUILD)/.deb.lock $(MAKE) --no-print-directory deb-unlocked

deb-unlocked: $(DEB_DIR)/out/build-seconds

deb-deps:
	@bash $(TOP)/scripts/deb/install-deps.sh

$(DEB_DIR)/.stamp-prepare: $(XEN_SERIES) $(XEN_PATCHES) $(XEN_REMOVES) \
                           $(XEN_DROPINS) $(XEN_XL_DROPINS) $(DEB_SCRIPTS) \
                           $(XEN_FETCH)
	@$(MAKE) --no-print-directory deb-deps
	@bash $(TOP)/scripts/deb/fetch-source.sh
	@rm -f $@
	@XEN_PATCH_DIR=$(XEN_PATCH_DIR) XEN_DROPINS="$(XEN_DROPINS)" \
	    XEN_XL_DROPINS="$(XEN_XL_DROPINS)" \
	    bash $(TOP)/scripts/deb/prepare-source.sh $(DEB_DIR)
	@touch $@

$(DEB_DIR)/out/build-seconds: $(DEB_DIR)/.stamp-prepare
	@bash $(TOP)/scripts/deb/build.sh $(DEB_DIR)

# Not a stage of make check: it needs make deb (~17 min here, more when
# the machine is busy).  make check-all runs it.
CHECK_STAGES_EXTRA += check-deb

check-deb:
	@mkdir -p $(RESULTS)
	@rc=0; $(MAKE) --no-print-directory deb || rc=$$?; \
	$(MAKE) --no-print-directory deb-deps; \
	DEB_RC=$$rc RESULTS=$(RESULTS)/check-deb.log bash $(TOP)/tests/deb/check-deb.sh $(DEB_DIR)

# ---- the emulated host with the packaged tools ----

DEB_HOST_IMG       := $(BUILD)/host-deb
DEB_HOST_SCENARIOS ?= save-restore migrate-localhost \
    interop-save-stock-restore-ours interop-save-ours-restore-stock \
    interop-migrate-ours-to-stock interop-migrate-stock-to-ours

host-image-deb: deb
	@bash $(TOP)/scripts/deb/fetch-stock-debs.sh $(DEB_DIR)/stock-debs
	@bash $(TOP)/scripts/deb/host-dist.sh $(DEB_DIR)/out $(DEB_DIR)/host-ours
	@bash $(TOP)/scripts/deb/host-dist.sh $(DEB_DIR)/stock-debs $(DEB_DIR)/host-stock
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || echo "== deb: no xen-stream; images will not be verified in the host"
	@bash $(TOP)/host/fetch-debs.sh $(DEB_HOST_IMG)/debs
	@bash $(TOP)/host/build-image.sh --out $(DEB_HOST_IMG) \
	    --stock $(DEB_DIR)/host-stock --ours $(DEB_DIR)/host-ours

host-run-deb:
	@bash $(TOP)/host/run-host.sh --image $(DEB_HOST_IMG) --build ours \
	    --name deb $(DEB_HOST_SCENARIOS)

.PHONY: deb deb-unlocked deb-deps check-deb host-image-deb host-run-deb
