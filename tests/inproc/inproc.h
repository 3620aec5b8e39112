/*
 * inproc.h: running our libxl stream reader and writer inside a test
 * process, with no hypervisor.
 *
 * The stream code, libxl's event machinery (ao, egc, ev_fd, ev_time,
 * the datacopier) and libxl_ctx_alloc are the real ones, linked from the
 * patched build's libxenlight.a.  Only the edges are fakes, each reached
 * through the linker's --wrap (see mk/45-inproc.mk and
 * docs/inproc-tests.md):
 *
 *   xc_interface_open/close, xs_open/close  handles that are never used
 *   xs_read, xs_write, xs_directory, ...     an in-memory xenstore
 *   libxl__xc_domain_restore / _save         libxc's helper, played by
 *                                            xen-stream's libxc walker
 *                                            (restore) or by a file of
 *                                            libxc octets (save)
 *   xc_domain_getinfolist                    the guest's size
 *   libxl__sr_restore_guard_arm              counted; no guardian is
 *                                            started (there is no
 *                                            domain to guard)
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef INPROC_H
#define INPROC_H

#include "libxl_osdeps.h"
#include "libxl_internal.h"

/*----- context and log -----*/

/* A libxl_ctx whose log is kept in memory (and echoed with verbose). */
libxl_ctx *inproc_ctx_new(bool verbose);
void inproc_ctx_free(libxl_ctx *ctx);

/* Everything logged so far, one message per line. */
const char *inproc_log_text(void);
/* The first ERROR (or worse) message containing needle, or NULL. */
const char *inproc_log_find(const char *needle);
void inproc_log_clear(void);

/*----- the in-memory xenstore -----*/

/* Value at path (NUL-terminated, owned by the store), or NULL. */
const char *inproc_xs_get(const char *path);
void inproc_xs_set(const char *path, const char *value);
/* Number of nodes with a value at or below prefix. */
unsigned int inproc_xs_count(const char *prefix);
void inproc_xs_clear(void);
/* Fail the next n transaction commits with EAGAIN, or every write. */
void inproc_xs_fail_commits(unsigned int n);
void inproc_xs_fail_writes(bool on);

/*----- files: XEN_LIB_DIR moved, faults injected (interpose.c) -----*/

void inproc_set_state_dir(const char *dir);
/* path, or where it really is when it is under XEN_LIB_DIR. */
const char *inproc_path(const char *path, char *buf, size_t cap);

enum inproc_op { INPROC_OPEN, INPROC_FSTAT, INPROC_WRITE, INPROC_RENAME,
                 INPROC_READ };

/*
 * The nth call of op on a file whose name contains match (for fstat,
 * write and read: the name it was opened or inproc_name_fd'ed with), or
 * on fd when fd >= 0, fails with err; a write or read with err == 0
 * moves only short_len octets (0: half) instead.  Each fires once.
 */
typedef struct inproc_fault {
    enum inproc_op op;
    char match[64];
    int fd;
    unsigned int nth;
    int err;
    size_t short_len;
    /* private */
    unsigned int seen;
    int fired;
} inproc_fault;

void inproc_fault_add(const inproc_fault *f);
void inproc_faults_clear(void);
unsigned int inproc_faults_fired(void);
void inproc_name_fd(int fd, const char *name);
int inproc_fault_parse(const char *spec);
int inproc_count_fds(void);

/* The calls themselves, for the harness's own files. */
int __real_open(const char *path, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t len);
ssize_t __real_read(int fd, void *buf, size_t len);

/*----- libxc's restore helper -----*/

/*
 * What the fake restore helper was told and found.  The harness sets
 * the first group before the restore; the rest is filled in.
 */
typedef struct inproc_libxc {
    /* set by the harness */
    uint64_t abs_base;         /* file offset of the libxl header */
    bool file;                 /* fd is the image file (offsets exact) */
    bool colo;                 /* after each checkpoint, read one
                                * CHECKPOINT_STATE from the main stream,
                                * as a COLO secondary does */
    /* results */
    int calls;                 /* libxl__xc_domain_restore calls */
    uint64_t consumed;         /* octets of libxc's stream it read */
    uint64_t checkpoints;      /* checkpoints libxl committed */
    bool failed;               /* it reported a failure to libxl */
    unsigned int states;       /* CHECKPOINT_STATEs read (colo) */
    int last_state;            /* the id of the last one */
    char error[320];           /* its message, as xen-stream words it */
    unsigned int guards_armed; /* libxl__sr_restore_guard_arm calls */
    uint32_t guard_domid;      /* the domain the last one was for */
} inproc_libxc;

extern inproc_libxc inproc_restore_helper;
void inproc_restore_helper_reset(uint64_t abs_base, bool file);

/* srs->checkpoint_callback for a checkpointed restore. */
void inproc_restore_checkpoint_done(libxl__egc *egc,
                                    libxl__stream_read_state *srs,
                                    int rc);

/*----- libxc's save helper -----*/

/*
 * The fake save helper writes `len' octets of `data' (a whole libxc
 * stream, made by mkstream --bare-libxc) to the stream fd, in one go or,
 * for a checkpointed stream, cut at each libxc CHECKPOINT record, where
 * it asks libxl for its checkpoint records as libxc would.
 */
typedef struct inproc_save_helper {
    /* set by the harness */
    const unsigned char *data;
    size_t len;
    size_t checkpoint_at[16];  /* offsets just past each CHECKPOINT */
    unsigned int n_checkpoints;
    uint64_t mem_octets;       /* what xc_domain_getinfolist reports */
    bool colo;                 /* after each checkpoint, write one
                                * CHECKPOINT_STATE on the main stream, as
                                * a COLO primary does */
    /* results */
    int calls;
    unsigned int checkpoints_done;
    int last_checkpoint_rc;
    unsigned int states;       /* CHECKPOINT_STATEs written (colo) */
} inproc_save_helper;

/* The state id a COLO primary sends on the main stream: Xen 4.17's
 * CHECKPOINT_NEW (the secondary's ids 1-3 go the other way). */
#define INPROC_COLO_STATE_ID 0

extern inproc_save_helper inproc_save;

void inproc_save_checkpoint_done(libxl__egc *egc,
                                 libxl__stream_write_state *sws, int rc);

/*----- the reader test (read_lib.c) -----*/

#define INPROC_DOMID 7

enum { INPROC_VALID, INPROC_INVALID, INPROC_SKIP, INPROC_HARNESS };

/* Ways to depart from what the image says (all off: zero). */
typedef struct inproc_read_opts {
    const char *config;        /* "pv", "hvm", "hvm-trad": the guest's
                                * configuration instead of the image's */
    long stall_after;          /* > 0: the socket feeder sends this many
                                * octets of the libxl stream, then goes
                                * silent with the connection open */
    long trickle_after;        /* > 0: after this many octets the feeder
                                * sends 128 octets every 50 ms: a slow
                                * link that never stops */
    unsigned int xs_commit_failures;   /* EAGAIN from that many commits */
    bool xs_write_failures;            /* every xenstore write fails */
    bool legacy;               /* the image is a bare legacy (pre-4.6)
                                * stream: the reader converts it with
                                * convert-legacy-stream (set
                                * LIBXL_CONVERT_HELPER); config says PV
                                * or HVM */
    bool colo;                 /* a COLO secondary: checkpointed stream
                                * of kind COLO, a CHECKPOINT_STATE read
                                * after every checkpoint */
} inproc_read_opts;

extern inproc_read_opts inproc_read_options;

/*
 * Restores the image img (len octets) through libxl__stream_read_start,
 * from the file path (which holds img) or, with path NULL, through a
 * socketpair.  Writes the verdict line to out; returns INPROC_*.
 */
int inproc_read_image(const unsigned char *img, size_t len,
                      const char *path, bool verbose,
                      char *out, size_t cap);

#endif /* INPROC_H */
