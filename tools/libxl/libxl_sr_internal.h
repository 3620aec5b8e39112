/*
 * libxl_sr_internal.h: state of the migration-v2 stream writer and reader.
 *
 * Included by libxl_internal.h where the helper states they embed
 * (datacopier, save helper, conversion helper) are complete and before
 * the structures that embed a stream (domain save state, COLO states).
 * Not meant to be included on its own.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef LIBXL_SR_INTERNAL_H
#define LIBXL_SR_INTERNAL_H

#include "libxl_sr_codec.h"

/*----- moving a known number of octets, in bounded memory -----*/

/*
 * A sub-operation on top of libxl__datacopier.  It takes exactly `len'
 * octets from readfd and either writes them to writefd, stores them in
 * buf, or drops them; `prefix' (if any) goes to writefd first.  Octets
 * are moved in chunks, so memory use does not depend on len.
 *
 * With readfd == -1 and len == 0 only the prefix is written: this is how
 * small, already encoded pieces of a stream are emitted.
 *
 * The callback gets rc == 0 when everything asked for was moved or when
 * readfd reached end of file first; `done' says which.  On rc != 0,
 * `onwrite' is as for libxl__datacopier_callback.
 */
typedef struct libxl__sr_copy_state libxl__sr_copy_state;
struct libxl__sr_copy_state {
    /* caller fills these in */
    libxl__ao *ao;
    int readfd;
    int writefd;               /* -1: deliver to buf, or drop */
    void *buf;                 /* with writefd == -1; NULL: drop */
    uint64_t len;
    const void *prefix;        /* copied when the operation starts */
    size_t prefix_len;
    const char *copywhat, *readwhat, *writewhat;
    void (*callback)(libxl__egc *egc, libxl__sr_copy_state *cs, int rc);
    /* results, valid in the callback */
    uint64_t done;
    int onwrite;
    /* private */
    bool running;
    bool prefix_queued;
    ssize_t asked;
    void *scratch;             /* NOGC, only while dropping */
    libxl__datacopier_state dc;
};

_hidden void libxl__sr_copy_init(libxl__sr_copy_state *cs);
_hidden void libxl__sr_copy_start(libxl__egc *egc,
                                  libxl__sr_copy_state *cs);
/* Stops without calling the callback.  Idempotent. */
_hidden void libxl__sr_copy_kill(libxl__sr_copy_state *cs);
static inline bool libxl__sr_copy_inuse(const libxl__sr_copy_state *cs)
{
    return cs->running;
}
/*
 * Octets read so far by the running operation, the chunk in flight
 * included (done counts only finished chunks, which are up to 1 MiB: a
 * slow link would look stalled to a watchdog counting those).  The
 * datacopier counts bytes_to_read down as it reads.
 */
static inline uint64_t libxl__sr_copy_read(const libxl__sr_copy_state *cs)
{
    uint64_t n = cs->done;

    if (cs->running && cs->asked > 0 && cs->dc.bytes_to_read >= 0 &&
        cs->dc.bytes_to_read <= cs->asked)
        n += cs->asked - cs->dc.bytes_to_read;
    return n;
}
/*
 * Octets written so far: those read less those still in the datacopier's
 * buffers.  `used' is the datacopier's own count (marked private in
 * libxl_internal.h; read here, never written) and has no accessor.
 */
static inline uint64_t libxl__sr_copy_written(const libxl__sr_copy_state *cs)
{
    uint64_t n = libxl__sr_copy_read(cs);

    if (cs->running && cs->dc.used > 0 && (uint64_t)cs->dc.used <= n)
        n -= cs->dc.used;
    return n;
}

/*----- noticing a stream that stopped moving -----*/

/*
 * Calls `stalled' once progress() has reported the same count for
 * timeout_ms (<= 0: never).  progress() returns 0 with the count, or an
 * error when the count cannot be had, which is taken as movement.  Stop
 * it before the operation ends; `stalled' is called with it stopped.
 */
typedef struct libxl__sr_watchdog libxl__sr_watchdog;
struct libxl__sr_watchdog {
    /* caller fills these in */
    libxl__ao *ao;
    int timeout_ms;
    int (*progress)(libxl__sr_watchdog *wd, uint64_t *count_r);
    void (*stalled)(libxl__egc *egc, libxl__sr_watchdog *wd);
    /* private */
    libxl__ev_time tick;
    uint64_t last;
    bool known;
    bool blind_logged;         /* ERROR_NI from progress() reported */
    int quiet_ms;
};

_hidden void libxl__sr_watchdog_init(libxl__sr_watchdog *wd);
_hidden int libxl__sr_watchdog_start(libxl__sr_watchdog *wd);
_hidden void libxl__sr_watchdog_stop(libxl__gc *gc, libxl__sr_watchdog *wd);
/*
 * Changes while libxc's helper pid moves the stream or computes; errors
 * as libxl__sr_os_io_count (below).  Only for comparing with itself.
 */
_hidden int libxl__sr_helper_activity(libxl__gc *gc, pid_t pid, bool writes,
                                      uint64_t *count_r);
/* Environment variable var (seconds) or the default, in ms. */
_hidden int libxl__sr_stall_timeout_ms(libxl__gc *gc, const char *var);
/* O_NONBLOCK on the stream's fd while we move data ourselves. */
_hidden int libxl__sr_fd_nonblocking(libxl__gc *gc, int fd, bool *is_on,
                                     bool on);

/*
 * OS-specific, in libxl_sr_os_linux.c or libxl_sr_os_other.c (the
 * Makefile picks one, as it picks libxl_linux.c and friends):
 *
 * libxl__sr_os_io_count - the octets process pid has read (writes ==
 * false) or written (writes == true) so far, on all its fds together.
 * This is how the watchdog sees libxc's save and restore helpers move
 * the stream, which they do themselves.
 *
 * Returns 0 with *count_r set; ERROR_NOTFOUND if the process cannot be
 * looked at just now; ERROR_NI if the OS gives no way to know at all.
 * Either error leaves the watchdog blind while the helper owns the fd
 * (it counts as movement), and ERROR_NI is logged once per stream.
 */
_hidden int libxl__sr_os_io_count(libxl__gc *gc, pid_t pid, bool writes,
                                  uint64_t *count_r);
/*
 * libxl__sr_os_cpu_ticks - the CPU time process pid has used so far, user
 * and kernel together, in the OS's clock ticks.  A helper that reads or
 * writes nothing for a while but uses CPU (populating, clearing or
 * mapping guest memory in hypercalls) is working, not stalled.  Same
 * returns as libxl__sr_os_io_count.
 */
_hidden int libxl__sr_os_cpu_ticks(libxl__gc *gc, pid_t pid,
                                   uint64_t *ticks_r);

/*----- telling libxl's user how far a stream has got -----*/

/*
 * Progress goes to the user through libxl's logger, as xtl_progress
 * calls with context LIBXL_SR_PROGRESS_CONTEXT:
 *
 *   doing_what    done                    total
 *   "sending"     octets sent so far      the guest's memory in octets
 *   "receiving"   octets received so far  (0: not known)
 *   "sent"        octets of the whole stream, once, when it ended well
 *   "received"    (total == done)
 *   "suspended"   0                       0: the guest has just been
 *                                         seen suspended (every time)
 *
 * "sending"/"receiving" come when the stream starts and about every
 * SR_PROGRESS_MS (libxl_sr_progress.c) while it runs.  libxc's own
 * progress (context "xc", e.g. "Frames iteration N") is passed through
 * unchanged by libxl_save_callout.c.  The migration API takes no
 * libxl_asyncprogress_how (libxl_domain_suspend has none, and
 * libxl_domain_create_restore's is for the console), and adding one
 * would change libxenlight's ABI: the logger is the channel libxl
 * already has for progress, and any user's logger gets these.
 *
 * The octets are ours plus what libxc's helper moved on its own (counted
 * by libxl__sr_os_io_count, so they include the few kilobytes of its
 * messages to us).
 */
#define LIBXL_SR_PROGRESS_CONTEXT "libxl-stream"

typedef struct libxl__sr_progress libxl__sr_progress;
struct libxl__sr_progress {
    /* caller fills these in */
    libxl__ao *ao;
    bool sending;
    int (*count)(libxl__sr_progress *pr, uint64_t *octets_r);
    /* private */
    libxl__ev_time tick;
    uint64_t expected;
    bool running;
};

_hidden void libxl__sr_progress_init(libxl__sr_progress *pr);
/* Reports 0 of `expected' octets now, then keeps reporting. */
_hidden void libxl__sr_progress_start(libxl__gc *gc, libxl__sr_progress *pr,
                                      uint64_t expected);
/* Stops reporting; with ok, reports the stream's total.  Idempotent. */
_hidden void libxl__sr_progress_stop(libxl__gc *gc, libxl__sr_progress *pr,
                                     bool ok);
/*
 * Called by libxl_dom_suspend.c when it sees the guest suspended, and
 * by libxl_save_callout.c when libxc's helper says it is complete (it
 * has moved all its octets and is about to exit: the last moment they
 * can be counted).
 */
_hidden void libxl__sr_guest_suspended(libxl__gc *gc, uint32_t domid);
_hidden void libxl__sr_helper_completing(libxl__gc *gc,
                                         libxl__save_helper_state *shs);

/*
 * True if domid exists and is shut down for suspend (false on any error).
 * libxl_dom_suspend.c asks before requesting a suspend (see
 * libxl_sr_suspended.c).
 */
_hidden bool libxl__sr_domain_suspended(libxl__gc *gc, uint32_t domid);

/*----- putting the guest back after a failed save -----*/

/*
 * A save that is not live and not checkpointed, and that fails after it
 * suspended the guest, resumes the guest (suspend cancelled, device
 * model continued) before it reports its error (libxl_sr_save_failure.c
 * says why only those).  Used by the stream writer:
 *
 *   libxl__sr_save_failure_init   makes _end a plain callback
 *   libxl__sr_save_failure_arm    when the stream starts; does nothing
 *                                 for a live or checkpointed save
 *   libxl__sr_save_failure_end    once, when the stream has ended;
 *                                 calls callback with rc, after
 *                                 resuming the guest when rc is an
 *                                 error and this save suspended it
 *
 * libxl__sr_guest_suspended passes on what libxl's suspend code saw to
 * libxl__sr_save_failure_note_suspended.
 */
struct libxl__domain_save_state;
typedef struct libxl__sr_save_failure libxl__sr_save_failure;
struct libxl__sr_save_failure {
    /* caller fills these in before _arm */
    libxl__ao *ao;
    uint32_t domid;
    void (*callback)(libxl__egc *egc, libxl__sr_save_failure *sf, int rc);
    /* private */
    bool armed;
    bool suspended;            /* by this save's own suspend request */
    int rc;                    /* the save's error, while resuming */
    libxl__sr_save_failure *next_armed;
    libxl__dm_resume_state dmrs;
};

_hidden void libxl__sr_save_failure_init(libxl__sr_save_failure *sf);
_hidden void libxl__sr_save_failure_arm(libxl__gc *gc,
                            libxl__sr_save_failure *sf,
                            const struct libxl__domain_save_state *dss);
_hidden void libxl__sr_save_failure_end(libxl__egc *egc,
                                        libxl__sr_save_failure *sf, int rc);
_hidden void libxl__sr_save_failure_note_suspended(libxl__gc *gc,
                                                   uint32_t domid);

/*----- destroying a half-restored domain if its restorer dies -----*/

/*
 * libxl__sr_restore_guard_arm starts libxl-restore-guardian for the
 * domain a main (not back channel) stream is being restored into;
 * libxl__sr_restore_guard_disarm, called where the create operation
 * ends (libxl_create.c's domain_create_cb, patch 0014), tells it the
 * create is over.  Should this process die in between, the guardian
 * destroys the domain (libxl_sr_restore_guard.c says how it is kept out
 * of libxl's child tracking).  Both are no-ops when there is nothing to
 * do; a guardian that cannot be started is logged and the restore goes
 * on without one.
 */
typedef struct libxl__sr_restore_guard libxl__sr_restore_guard;
struct libxl__stream_read_state;
_hidden void libxl__sr_restore_guard_arm(libxl__gc *gc,
                                 struct libxl__stream_read_state *srs);
_hidden void libxl__sr_restore_guard_disarm(libxl__gc *gc,
                                 struct libxl__stream_read_state *srs);

/*----- stream reader -----*/

/*
 * Reads a libxl migration-v2 stream from fd.  Calls, in the order they
 * are allowed:
 *
 *   libxl__stream_read_start            once; the state needs no _init
 *                                       beforehand (callers zero it)
 *   libxl__stream_read_start_checkpoint from libxc's checkpoint callback
 *                                       (Remus/COLO main stream)
 *   libxl__stream_read_checkpoint_state when no other operation of this
 *                                       stream is in progress
 *   libxl__stream_read_abort            any time, any number of times
 *
 * completion_callback (may be NULL on a back channel, or set to NULL by
 * COLO to silence it) is called once, when the stream is finished.
 *
 * checkpoint_callback reports the end of a checkpoint operation:
 *   - after start_checkpoint: XGR_CHECKPOINT_SUCCESS, or
 *     XGR_CHECKPOINT_FAILOVER (Remus, the primary went away in the
 *     middle of a checkpoint), or a negative libxl error code;
 *   - after checkpoint_state: the state id (>= 0) or a negative error.
 * Abort does not call checkpoint_callback.
 */
typedef struct libxl__stream_read_state libxl__stream_read_state;

/* A record of a checkpoint kept until the checkpoint is complete. */
typedef struct libxl__sr_pending_rec libxl__sr_pending_rec;
struct libxl__sr_pending_rec {
    libxl__sr_pending_rec *next;
    uint32_t len;
    char body[];               /* the xenstore pairs, NOGC with this */
};

struct libxl__stream_read_state {
    /* filled by the user */
    libxl__ao *ao;
    struct libxl__domain_create_state *dcs;
    int fd;                    /* replaced by the converter's output when
                                * legacy */
    bool legacy;
    bool back_channel;
    void (*completion_callback)(libxl__egc *egc,
                                libxl__stream_read_state *srs,
                                int rc);
    void (*checkpoint_callback)(libxl__egc *egc,
                                libxl__stream_read_state *srs,
                                int rc);
    /* shared with libxc's restore helper and the legacy converter */
    libxl__save_helper_state shs;
    libxl__conversion_helper_state chs;

    /* private */
    bool running;
    int rc;                    /* first error; stream is stopping if set */
    int phase;                 /* SRP_* in libxl_stream_read.c */
    bool failed_over;          /* a checkpoint broke: libxc decides */
    bool fd_nonblocking;       /* set while we read; libxc wants it off */
    bool offset_exact;         /* offsets still count from the header */
    uint64_t offset;           /* of the next octet we will read */
    int64_t base_pos;          /* file position of the header, or -1 */
    uint32_t options;          /* from the stream header */
    int64_t index;             /* of the current record */
    uint32_t emulator_id;      /* expected in emulator records, 0: none */
    libxl__sr_framer fr;       /* what comes next, sequence, index */
    libxl__sr_item item;       /* the framer's last */
    uint32_t state_id;         /* of the CHECKPOINT_STATE being read */
    libxl__sr_rec_hdr rec;
    uint64_t rec_offset;
    unsigned char small[16];   /* header, record header, sub-header, pad */
    void *body;                /* NOGC, current in-memory body */
    libxl__carefd *dm_file;    /* emulator context being received */
    const char *dm_path;       /* where the device model will look */
    const char *dm_staging;    /* where it is written until complete */
    bool dm_file_opened;       /* staging file exists, maybe partial */
    bool dm_staged;            /* staging file holds a complete context */
    libxl__sr_pending_rec *pending, **pending_tail;
    uint64_t pending_bytes;
    void (*after_read)(libxl__egc *egc, libxl__stream_read_state *srs);
    libxl__sr_copy_state copy;
    libxl__sr_watchdog watchdog;
    libxl__sr_progress progress;
    uint64_t helper_octets;    /* read by libxc's helper, once it is done */
    libxl__sr_restore_guard *guard;  /* NOGC; NULL: none armed */
};

/*
 * Entry points of the reader.  start begins a restore; start_checkpoint
 * is called from libxc's checkpoint callback (Remus/COLO);
 * checkpoint_state reads one CHECKPOINT_STATE from a COLO back channel.
 */
typedef void libxl__stream_read_step(libxl__egc *egc,
                                     libxl__stream_read_state *stream);
_hidden libxl__stream_read_step libxl__stream_read_start;
_hidden libxl__stream_read_step libxl__stream_read_start_checkpoint;
_hidden libxl__stream_read_step libxl__stream_read_checkpoint_state;
_hidden void libxl__stream_read_init(libxl__stream_read_state *stream);
_hidden void libxl__stream_read_abort(libxl__egc *egc,
                                      libxl__stream_read_state *stream,
                                      int rc);
static inline bool
libxl__stream_read_inuse(const libxl__stream_read_state *stream)
{
    return stream->running;
}

/*----- stream writer -----*/

/*
 * Writes a libxl migration-v2 stream to fd.  Calls, in the order they
 * are allowed:
 *
 *   libxl__stream_write_start             once; no _init needed
 *   libxl__stream_write_start_checkpoint  from libxc's checkpoint
 *                                         callback (Remus/COLO)
 *   libxl__stream_write_checkpoint_state  when no other operation of
 *                                         this stream is in progress
 *   libxl__stream_write_abort             any time, any number of times
 *
 * On a back channel nothing is written until checkpoint_state is called;
 * dss is not used and may be NULL.  checkpoint_callback gets 0 or a
 * negative libxl error code; completion_callback (may be NULL on a back
 * channel) is called once, when the stream is finished.
 */
typedef struct libxl__stream_write_state libxl__stream_write_state;

struct libxl__stream_write_state {
    /* filled by the user */
    libxl__ao *ao;
    struct libxl__domain_save_state *dss;
    int fd;
    bool back_channel;
    void (*completion_callback)(libxl__egc *egc,
                                libxl__stream_write_state *sws,
                                int rc);
    void (*checkpoint_callback)(libxl__egc *egc,
                                libxl__stream_write_state *sws,
                                int rc);
    /* shared with libxc's save helper */
    libxl__save_helper_state shs;

    /* private */
    bool running;
    int rc;                    /* first error */
    int phase;                 /* SWP_* in libxl_stream_write.c */
    uint32_t emulator_id;      /* 0: no device model state to send */
    uint32_t closing_type;     /* END or CHECKPOINT_END */
    unsigned int closing_pad;  /* padding owed by the previous record */
    const char *dm_path;       /* QEMU's save file */
    libxl__carefd *dm_file;
    bool fd_nonblocking;       /* set while we write; libxc wants it off */
    uint64_t written;          /* octets of finished writes, ours only */
    int64_t base_pos;          /* file position of the header, or -1 */
    void (*after_write)(libxl__egc *egc, libxl__stream_write_state *sws);
    libxl__sr_copy_state copy;
    libxl__sr_watchdog watchdog;
    libxl__sr_progress progress;
    uint64_t helper_octets;    /* written by libxc's helper, once done */
    libxl__sr_save_failure failure;
};

_hidden void libxl__stream_write_init(libxl__stream_write_state *stream);
_hidden void libxl__stream_write_start(libxl__egc *egc,
                                       libxl__stream_write_state *stream);
_hidden void
libxl__stream_write_start_checkpoint(libxl__egc *egc,
                                     libxl__stream_write_state *stream);
_hidden void
libxl__stream_write_checkpoint_state(libxl__egc *egc,
                                     libxl__stream_write_state *stream,
                                     libxl_sr_checkpoint_state *srcs);
_hidden void libxl__stream_write_abort(libxl__egc *egc,
                                       libxl__stream_write_state *stream,
                                       int rc);
static inline bool
libxl__stream_write_inuse(const libxl__stream_write_state *stream)
{
    return stream->running;
}

#endif /* LIBXL_SR_INTERNAL_H */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
