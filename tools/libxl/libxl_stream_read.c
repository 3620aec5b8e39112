/*
 * libxl_stream_read.c: the receiving side of a libxl migration-v2 stream.
 *
 * The reader asks the codec's framer (libxl_sr_framer.c) what comes next
 * and how many octets, reads exactly those and hands them back: the
 * framer checks every unit and the order of the records, keeps the record
 * index and the offset, and says when a record is complete.  Each unit is
 * read into memory (headers, padding, xenstore data: all bounded by the
 * codec's caps), streamed to a file (QEMU's state) or dropped (optional
 * records).  LIBXC_CONTEXT hands the fd to libxc's restore helper; we
 * carry on when it exits or calls back at a checkpoint, and tell the
 * framer how far it read.
 *
 * QEMU's state is written to a staging file and renamed to the name the
 * device model is started with only once the record is complete.  In a
 * Remus/COLO stream the records between two libxc checkpoints are kept
 * (xenstore data in memory, QEMU's state in the staging file) until
 * CHECKPOINT_END, so a primary that dies half way through a checkpoint
 * leaves the previous one intact.  Once the stream is past its first
 * CHECKPOINT_END, the framer's failover rule decides: a stream that ends
 * or breaks keeps the last complete checkpoint, and the libxl records
 * after libxc's END are read and checked but not applied, because libxc
 * dropped the memory that went with them.
 *
 * A sender that goes silent with the connection still open would leave
 * us (or libxc's helper) waiting in read for ever: a watchdog gives up
 * on a plain stream once neither we nor the helper have read anything
 * for the stall timeout.  Checkpointed streams are left alone, since
 * their quiet spells are the primary's to choose.  For the watchdog to
 * run at all, our own reads must not block: libxl's datacopier reads
 * until EWOULDBLOCK, so the fd is non-blocking while we read and
 * blocking again whenever libxc or our caller gets it back.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

enum {
    SRP_IDLE,             /* back channel, or waiting for libxc */
    SRP_HEADER,
    SRP_RECORDS,          /* reading and applying records one by one */
    SRP_LIBXC,            /* the restore helper owns the fd */
    SRP_CHECKPOINT,       /* collecting a checkpoint's records */
    SRP_CHECKPOINT_STATE, /* reading one CHECKPOINT_STATE */
    SRP_STOPPING,         /* waiting for helpers to exit */
};

/* Xenstore data kept for one checkpoint, at most. */
#define SR_PENDING_MAX (4 * LIBXL_SR_MAX_XENSTORE_BODY)

/*========================= synchronous helpers ======================*/

static uint32_t srs_domid(const libxl__stream_read_state *srs)
{
    return srs->dcs ? srs->dcs->guest_domid : INVALID_DOMID;
}

static bool srs_checkpointed(const libxl__stream_read_state *srs)
{
    return srs->dcs && srs->dcs->restore_params.checkpointed_stream !=
        LIBXL_CHECKPOINTED_STREAM_NONE;
}

static void log_format_error(libxl__gc *gc,
                             const libxl__stream_read_state *srs,
                             const libxl__sr_error *err)
{
    char msg[256];

    libxl__sr_format_error(err, msg, sizeof(msg));
    LOGD(ERROR, srs_domid(srs), "migration stream: %s%s", msg,
         srs->offset_exact ? "" :
         " (offset excludes libxc's part of the stream)");
}

/* For rejections the codec cannot know about (they depend on us). */
static void log_rejection(libxl__gc *gc,
                          const libxl__stream_read_state *srs,
                          int code, const char *detail)
{
    libxl__sr_error err;

    memset(&err, 0, sizeof(err));
    err.code = code;
    err.offset = srs->rec_offset;
    err.record_index = srs->index;
    err.record_type = srs->rec.type;
    snprintf(err.detail, sizeof(err.detail), "%s", detail);
    log_format_error(gc, srs, &err);
}

/*
 * After libxc has read from the fd we no longer know where we are, unless
 * the fd is a file.  The framer is told how far libxc's part went (as far
 * as we know), and whether it is over (at its END or a checkpoint, when
 * libxl records come next) or only paused in a callback.
 */
enum { LIBXC_PAUSED, LIBXC_AT_END, LIBXC_AT_CHECKPOINT };

static int resync_offset(libxl__gc *gc, libxl__stream_read_state *srs,
                         int where)
{
    libxl__sr_error err;
    uint64_t before = srs->offset;
    int r;
    off_t pos;

    if (srs->base_pos < 0) {
        srs->offset_exact = false;
    } else {
        pos = lseek(srs->fd, 0, SEEK_CUR);
        if (pos < srs->base_pos) {
            srs->offset_exact = false;
        } else {
            srs->offset = pos - srs->base_pos;
            srs->offset_exact = true;
            srs->helper_octets = 0;    /* in the offset now */
        }
    }
    if (srs->offset < before)
        srs->offset = before;
    if (where == LIBXC_PAUSED)
        r = libxl__sr_framer_libxc_read(&srs->fr, srs->offset - before,
                                       &err);
    else
        r = libxl__sr_framer_libxc_done(&srs->fr, srs->offset - before,
                                       where == LIBXC_AT_CHECKPOINT, &err);
    if (r) {
        log_format_error(gc, srs, &err);
        return ERROR_FAIL;
    }
    return 0;
}

/* Which emulator's records this guest can take; 0: none. */
static uint32_t expected_emulator(libxl__stream_read_state *srs)
{
    const libxl_domain_build_info *info = &srs->dcs->guest_config->b_info;

    if (info->type != LIBXL_DOMAIN_TYPE_HVM)
        return 0;

    switch (info->device_model_version) {
    case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN:
        return LIBXL_SR_EMULATOR_QEMU_UPSTREAM;
    case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL:
        return LIBXL_SR_EMULATOR_QEMU_TRADITIONAL;
    default:
        return 0;
    }
}

static void drop_pending(libxl__stream_read_state *srs)
{
    libxl__sr_pending_rec *p;

    while ((p = srs->pending)) {
        srs->pending = p->next;
        free(p);
    }
    srs->pending_tail = &srs->pending;
    srs->pending_bytes = 0;
}

static void drop_body(libxl__stream_read_state *srs)
{
    free(srs->body);
    srs->body = NULL;
}

/* Forget a partly or wholly received device model state not yet used. */
static void drop_staged_dm(libxl__gc *gc, libxl__stream_read_state *srs)
{
    if (srs->dm_file) {
        libxl__carefd_close(srs->dm_file);
        srs->dm_file = NULL;
    }
    if (srs->dm_staging && (srs->dm_staged || srs->dm_file_opened)) {
        if (unlink(srs->dm_staging) && errno != ENOENT)
            LOGED(WARN, srs_domid(srs), "cannot remove %s",
                  srs->dm_staging);
    }
    srs->dm_staged = false;
    srs->dm_file_opened = false;
}

/* The staged state becomes the one the device model will load. */
static int publish_staged_dm(libxl__gc *gc, libxl__stream_read_state *srs)
{
    if (!srs->dm_staged)
        return 0;

    if (rename(srs->dm_staging, srs->dm_path)) {
        LOGED(ERROR, srs_domid(srs), "cannot rename %s to %s",
              srs->dm_staging, srs->dm_path);
        return ERROR_FAIL;
    }
    srs->dm_staged = false;
    srs->dm_file_opened = false;
    return 0;
}

/*========================= the chain of callbacks ===================*/

static void conversion_done(libxl__egc *egc,
                            libxl__conversion_helper_state *chs, int rc);
static void read_bytes(libxl__egc *egc, libxl__stream_read_state *srs,
                       int writefd, void *buf, uint64_t len,
                       const char *what,
                       void (*then)(libxl__egc *,
                                    libxl__stream_read_state *));
static void read_step_done(libxl__egc *egc, libxl__sr_copy_state *cs,
                           int rc);
static void read_failed(libxl__egc *egc, libxl__stream_read_state *srs,
                        int rc, bool broken);
static bool fail_over(libxl__egc *egc, libxl__stream_read_state *srs,
                      const char *how);
static void header_read(libxl__egc *egc, libxl__stream_read_state *srs);
static void read_record(libxl__egc *egc, libxl__stream_read_state *srs);
static void rec_hdr_read(libxl__egc *egc, libxl__stream_read_state *srs);
static void emu_hdr_read(libxl__egc *egc, libxl__stream_read_state *srs);
static void state_read(libxl__egc *egc, libxl__stream_read_state *srs);
static void body_read(libxl__egc *egc, libxl__stream_read_state *srs);
static void read_rest(libxl__egc *egc, libxl__stream_read_state *srs);
static void padding_read(libxl__egc *egc, libxl__stream_read_state *srs);
static void record_complete(libxl__egc *egc,
                            libxl__stream_read_state *srs);
static void take_xenstore_data(libxl__egc *egc,
                               libxl__stream_read_state *srs);
static void hand_to_libxc(libxl__egc *egc, libxl__stream_read_state *srs);
static void commit_checkpoint(libxl__egc *egc,
                              libxl__stream_read_state *srs);
static void checkpoint_op_done(libxl__egc *egc,
                               libxl__stream_read_state *srs,
                               int rc, bool broken, int value);
static void stream_finish(libxl__egc *egc, libxl__stream_read_state *srs,
                          int rc);
static void stop_check(libxl__egc *egc, libxl__stream_read_state *srs);
static int stream_progress(libxl__sr_watchdog *wd, uint64_t *count_r);
static void stream_stalled(libxl__egc *egc, libxl__sr_watchdog *wd);
static int stream_octets(libxl__sr_progress *pr, uint64_t *count_r);

/* Needs srs->ao; _start calls it, nobody else has to. */
void libxl__stream_read_init(libxl__stream_read_state *srs)
{
    srs->running = false;
    srs->rc = 0;
    srs->phase = SRP_IDLE;
    srs->failed_over = false;
    srs->fd_nonblocking = false;
    srs->offset_exact = true;
    srs->offset = 0;
    srs->base_pos = -1;
    srs->options = 0;
    srs->index = -1;
    srs->emulator_id = 0;
    memset(&srs->rec, 0, sizeof(srs->rec));
    srs->rec_offset = 0;
    srs->body = NULL;
    srs->dm_file = NULL;
    srs->dm_path = NULL;
    srs->dm_staging = NULL;
    srs->dm_staged = false;
    srs->dm_file_opened = false;
    srs->pending = NULL;
    srs->pending_tail = &srs->pending;
    srs->pending_bytes = 0;
    srs->after_read = NULL;
    libxl__save_helper_init(&srs->shs);
    srs->chs.ao = srs->ao;
    libxl__conversion_helper_init(&srs->chs);
    libxl__sr_copy_init(&srs->copy);
    libxl__sr_watchdog_init(&srs->watchdog);
    libxl__sr_progress_init(&srs->progress);
    srs->helper_octets = 0;
}

void libxl__stream_read_start(libxl__egc *egc,
                              libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    libxl__domain_create_state *dcs = srs->dcs;
    int rc;

    libxl__stream_read_init(srs);
    srs->running = true;

    if (srs->back_channel) {
        /* Only CHECKPOINT_STATE records, read when COLO asks. */
        libxl__sr_framer_init(&srs->fr, LIBXL__SR_FRAMER_BACK_CHANNEL, 0);
        return;
    }

    assert(dcs);

    /* If this process dies mid-restore, the domain goes with it. */
    libxl__sr_restore_guard_arm(gc, srs);

    srs->phase = SRP_HEADER;
    srs->emulator_id = expected_emulator(srs);
    srs->dm_path = GCSPRINTF(LIBXL_DEVICE_MODEL_RESTORE_FILE".%u",
                             dcs->guest_domid);
    srs->dm_staging = GCSPRINTF("%s.incoming", srs->dm_path);
    libxl__sr_framer_init(&srs->fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL |
                         (srs_checkpointed(srs) ?
                          LIBXL__SR_FRAMER_CHECKPOINTED : 0), 0);

    if (!srs_checkpointed(srs)) {
        libxl__sr_watchdog *wd = &srs->watchdog;

        wd->ao = srs->ao;
        wd->timeout_ms = libxl__sr_stall_timeout_ms(gc,
                                             "LIBXL_RESTORE_STALL_TIMEOUT");
        wd->progress = stream_progress;
        wd->stalled = stream_stalled;
        rc = libxl__sr_watchdog_start(wd);
        if (rc) goto out;
    }

    srs->progress.ao = srs->ao;
    srs->progress.sending = false;
    srs->progress.count = stream_octets;
    libxl__sr_progress_start(gc, &srs->progress,
                    (uint64_t)dcs->guest_config->b_info.target_memkb * 1024);

    if (srs->legacy) {
        libxl__conversion_helper_state *chs = &srs->chs;

        chs->legacy_fd = srs->fd;
        chs->hvm = dcs->guest_config->b_info.type == LIBXL_DOMAIN_TYPE_HVM;
        chs->completion_callback = conversion_done;
        rc = libxl__convert_legacy_stream(egc, chs);
        if (rc) goto out;
        /* From now on the stream, for us and libxc, is its output. */
        srs->fd = libxl__carefd_fd(chs->v2_carefd);
    }

    srs->base_pos = lseek(srs->fd, 0, SEEK_CUR);
    if (srs->base_pos < 0)
        srs->base_pos = -1;

    read_bytes(egc, srs, -1, srs->small, LIBXL_SR_HEADER_SIZE,
               "stream header", header_read);
    return;

 out:
    stream_finish(egc, srs, rc);
}

/* The legacy converter exited; the stream may or may not be over. */
static void conversion_done(libxl__egc *egc,
                            libxl__conversion_helper_state *chs, int rc)
{
    libxl__stream_read_state *srs = CONTAINER_OF(chs, *srs, chs);
    STATE_AO_GC(srs->ao);

    if (rc)
        LOGD(ERROR, srs_domid(srs), "legacy stream conversion failed");

    if (srs->phase == SRP_STOPPING) {
        if (rc && !srs->rc)
            srs->rc = rc;
        stop_check(egc, srs);
        return;
    }
    if (rc)
        stream_finish(egc, srs, rc);
    /* Otherwise the records it wrote are still ours to read. */
}

/*
 * Reads len octets from the stream into buf, or into writefd, or drops
 * them (writefd < 0 and buf == NULL), then calls `then'.  End of file or
 * a read error ends the current operation.
 */
static void read_bytes(libxl__egc *egc, libxl__stream_read_state *srs,
                       int writefd, void *buf, uint64_t len,
                       const char *what,
                       void (*then)(libxl__egc *,
                                    libxl__stream_read_state *))
{
    STATE_AO_GC(srs->ao);
    libxl__sr_copy_state *cs = &srs->copy;
    int rc;

    rc = libxl__sr_fd_nonblocking(gc, srs->fd, &srs->fd_nonblocking,
                                  true);
    if (rc) {
        read_failed(egc, srs, rc, false);
        return;
    }

    cs->ao = srs->ao;
    cs->readfd = srs->fd;
    cs->writefd = writefd;
    cs->buf = buf;
    cs->len = len;
    cs->prefix = NULL;
    cs->prefix_len = 0;
    cs->copywhat = what;
    cs->readwhat = "migration stream";
    cs->writewhat = writefd >= 0 ? srs->dm_staging : "memory";
    cs->callback = read_step_done;
    srs->after_read = then;

    libxl__sr_copy_start(egc, cs);
}

static void read_step_done(libxl__egc *egc, libxl__sr_copy_state *cs,
                           int rc)
{
    libxl__stream_read_state *srs = CONTAINER_OF(cs, *srs, copy);
    STATE_AO_GC(srs->ao);
    char tbuf[40];
    const char *where;

    srs->offset += cs->done;

    if (rc) {
        /* Failing to write our own file is not the sender's fault. */
        if (cs->onwrite != 1 && fail_over(egc, srs, "broke"))
            return;
        read_failed(egc, srs, rc, cs->onwrite != 1);
        return;
    }

    if (cs->done < cs->len) {
        if (srs->phase == SRP_HEADER) {
            LOGD(ERROR, srs_domid(srs), "migration stream: ended after"
                 " %"PRIu64" octets, inside the stream header",
                 srs->offset);
            read_failed(egc, srs, ERROR_FAIL, true);
            return;
        }
        where = GCSPRINTF("at offset %"PRIu64"%s, in the %s of record"
                          " %"PRId64" (%s)", srs->offset,
                          srs->offset_exact ? "" :
                          " (excluding libxc's part)",
                          cs->copywhat, srs->index,
                          srs->after_read == rec_hdr_read ? "not yet known" :
                          libxl__sr_type_describe(srs->rec.type, tbuf,
                                                 sizeof(tbuf)));
        if (fail_over(egc, srs, GCSPRINTF("ended %s", where)))
            return;
        LOGD(ERROR, srs_domid(srs), "migration stream: ended %s", where);
        read_failed(egc, srs, ERROR_FAIL, true);
        return;
    }

    srs->after_read(egc, srs);
}

/*
 * The stream ended or broke while we read libxl records (not a
 * checkpoint's: those fail over through the checkpoint callback).  If the
 * framer's rule says a failover keeps a checkpoint here, the restore is
 * that checkpoint, which libxc and we have already applied: finish well.
 */
static bool fail_over(libxl__egc *egc, libxl__stream_read_state *srs,
                      const char *how)
{
    STATE_AO_GC(srs->ao);
    uint64_t cp;

    if (srs->phase != SRP_RECORDS)
        return false;
    cp = libxl__sr_framer_failover_checkpoint(&srs->fr);
    if (!cp)
        return false;
    LOGD(INFO, srs_domid(srs), "checkpointed stream %s: a failover keeps"
         " checkpoint %"PRIu64, how, cp);
    drop_body(srs);
    drop_staged_dm(gc, srs);
    stream_finish(egc, srs, 0);
    return true;
}

/*
 * The current operation cannot go on.  `broken' says that the stream
 * itself failed (end of file, read error) rather than what it carried.
 */
static void read_failed(libxl__egc *egc, libxl__stream_read_state *srs,
                        int rc, bool broken)
{
    STATE_AO_GC(srs->ao);

    assert(rc);
    drop_body(srs);
    drop_staged_dm(gc, srs);

    switch (srs->phase) {
    case SRP_CHECKPOINT:
    case SRP_CHECKPOINT_STATE:
        checkpoint_op_done(egc, srs, rc, broken, rc);
        break;
    default:
        stream_finish(egc, srs, rc);
        break;
    }
}

/*
 * Hands the framer the unit just read (len octets at buf).  On a format
 * error it is logged, the operation fails and false is returned.
 */
static bool feed(libxl__egc *egc, libxl__stream_read_state *srs,
                 const void *buf, size_t len)
{
    STATE_AO_GC(srs->ao);
    libxl__sr_error err;

    if (libxl__sr_framer_feed(&srs->fr, buf, len, &srs->item, &err)) {
        log_format_error(gc, srs, &err);
        read_failed(egc, srs, ERROR_INVAL, false);
        return false;
    }
    return true;
}

static void header_read(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);

    if (!feed(egc, srs, srs->small, LIBXL_SR_HEADER_SIZE))
        return;
    srs->options = srs->item.u.hdr.options;
    if (srs->options & LIBXL_SR_OPT_LEGACY)
        LOGD(INFO, srs_domid(srs), "migration stream was converted from"
             " the legacy format");

    srs->phase = SRP_RECORDS;
    read_record(egc, srs);
}

/* Starts on the next record; the framer says what may come. */
static void read_record(libxl__egc *egc, libxl__stream_read_state *srs)
{
    srs->index = (int64_t)(srs->fr.records + srs->fr.xc_records);
    srs->rec_offset = srs->offset;
    memset(&srs->rec, 0, sizeof(srs->rec));
    read_bytes(egc, srs, -1, srs->small, LIBXL_SR_REC_HDR_SIZE,
               "record header", rec_hdr_read);
}

static void rec_hdr_read(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    libxl__sr_rec_hdr *rec = &srs->rec;
    char tbuf[40];

    if (!feed(egc, srs, srs->small, LIBXL_SR_REC_HDR_SIZE))
        return;
    srs->index = srs->item.index;
    rec->type = srs->item.type;
    rec->length = srs->item.length;

    switch (rec->type) {
    case LIBXL_SR_REC_LIBXC_CONTEXT:
    case LIBXL_SR_REC_END:
    case LIBXL_SR_REC_CHECKPOINT_END:
        record_complete(egc, srs);
        return;

    case LIBXL_SR_REC_CHECKPOINT_STATE:
        read_bytes(egc, srs, -1, srs->small, rec->length,
                   "checkpoint state", state_read);
        return;

    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA:
    case LIBXL_SR_REC_EMULATOR_CONTEXT:
        if (!srs->emulator_id) {
            log_rejection(gc, srs, SR_E_BAD_EMULATOR,
                          "this guest has no device model");
            read_failed(egc, srs, ERROR_INVAL, false);
            return;
        }
        read_bytes(egc, srs, -1, srs->small, LIBXL_SR_EMU_HDR_SIZE,
                   "emulator header", emu_hdr_read);
        return;

    default:
        /* The framer let it through: an optional record. */
        LOGD(INFO, srs_domid(srs), "migration stream: skipping optional"
             " record %"PRId64" (%s, %"PRIu32" octets) at offset %"PRIu64,
             srs->index, libxl__sr_type_describe(rec->type, tbuf,
                                                sizeof(tbuf)),
             rec->length, srs->rec_offset);
        read_bytes(egc, srs, -1, NULL, rec->length, "optional record",
                   body_read);
        return;
    }
}

static void emu_hdr_read(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    const libxl__sr_rec_hdr *rec = &srs->rec;
    const uint64_t body_len = rec->length - LIBXL_SR_EMU_HDR_SIZE;
    libxl__sr_emulator_hdr emu;
    int fd;

    if (!feed(egc, srs, srs->small, LIBXL_SR_EMU_HDR_SIZE))
        return;
    emu = srs->item.u.emu;
    /*
     * A legacy stream never said which device model wrote it: the
     * converter marks the state as emulator 0 ("unknown"), which the
     * framer accepts only in such a stream.  It can only be for the
     * emulator this guest is configured with.
     */
    if (emu.id == LIBXL_SR_EMULATOR_UNKNOWN)
        emu.id = srs->emulator_id;
    if (emu.id != srs->emulator_id) {
        log_rejection(gc, srs, SR_E_BAD_EMULATOR, GCSPRINTF(
            "state is for emulator %"PRIu32", this guest uses %"PRIu32,
            emu.id, srs->emulator_id));
        goto reject;
    }
    if (emu.index != 0) {
        log_rejection(gc, srs, SR_E_BAD_EMULATOR, GCSPRINTF(
            "emulator index %"PRIu32": only one emulator is supported",
            emu.index));
        goto reject;
    }

    if (rec->type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA) {
        /* The codec capped the length: this allocation is bounded. */
        srs->body = libxl__malloc(NOGC, body_len ? body_len : 1);
        read_bytes(egc, srs, -1, srs->body, body_len, "xenstore data",
                   body_read);
        return;
    }

    if (libxl__sr_framer_past_last_checkpoint(&srs->fr)) {
        /* A later device model than libxc's memory: checked, dropped. */
        read_bytes(egc, srs, -1, NULL, body_len, "emulator context",
                   body_read);
        return;
    }

    /* EMULATOR_CONTEXT: into the staging file, chunk by chunk. */
    drop_staged_dm(gc, srs);
    libxl__carefd_begin();
    fd = open(srs->dm_staging, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    srs->dm_file = libxl__carefd_opened(CTX, fd);
    if (fd < 0) {
        LOGED(ERROR, srs_domid(srs), "cannot create %s", srs->dm_staging);
        read_failed(egc, srs, ERROR_FAIL, false);
        return;
    }
    srs->dm_file_opened = true;
    read_bytes(egc, srs, fd, NULL, body_len, "emulator context",
               body_read);
    return;

 reject:
    read_failed(egc, srs, ERROR_INVAL, false);
}

static void state_read(libxl__egc *egc, libxl__stream_read_state *srs)
{
    if (!feed(egc, srs, srs->small, srs->rec.length))
        return;
    srs->state_id = srs->item.u.checkpoint_state;
    read_rest(egc, srs);
}

/* The body went to memory, to the staging file or nowhere. */
static void body_read(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    libxl__sr_error err;
    uint64_t size;
    libxl__sr_fr_kind next = libxl__sr_framer_next(&srs->fr, &size);

    if (srs->rec.type == LIBXL_SR_REC_EMULATOR_CONTEXT && srs->dm_file) {
        libxl__carefd_close(srs->dm_file);
        srs->dm_file = NULL;
        srs->dm_staged = true;
    }
    if (next == LIBXL__SR_FR_BODY) {
        /* The xenstore pairs, checked by the framer. */
        if (!feed(egc, srs, srs->body, size))
            return;
    } else if (next == LIBXL__SR_FR_CHUNK &&
               libxl__sr_framer_skip(&srs->fr, size, &srs->item, &err)) {
        log_format_error(gc, srs, &err);
        read_failed(egc, srs, ERROR_INVAL, false);
        return;
    }
    read_rest(egc, srs);
}

/* After a body: its padding, if it has any, completes the record. */
static void read_rest(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    uint64_t pad;
    libxl__sr_fr_kind next;

    if (srs->item.complete) {
        record_complete(egc, srs);
        return;
    }
    next = libxl__sr_framer_next(&srs->fr, &pad);
    if (next != LIBXL__SR_FR_PADDING) {
        LOGD(ERROR, srs_domid(srs), "migration stream: record %"PRId64
             " not complete after its body (framer wants %d)", srs->index,
             (int)next);
        read_failed(egc, srs, ERROR_FAIL, false);
        return;
    }
    read_bytes(egc, srs, -1, srs->small + LIBXL_SR_ALIGN, pad,
               "record padding", padding_read);
}

static void padding_read(libxl__egc *egc, libxl__stream_read_state *srs)
{
    if (!feed(egc, srs, srs->small + LIBXL_SR_ALIGN,
              libxl__sr_padding(srs->rec.length)))
        return;
    record_complete(egc, srs);
}

/* The current record has been read in full and its padding checked. */
static void record_complete(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    int rc;

    switch (srs->rec.type) {
    case LIBXL_SR_REC_LIBXC_CONTEXT:
        hand_to_libxc(egc, srs);
        return;

    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA:
        take_xenstore_data(egc, srs);
        return;

    case LIBXL_SR_REC_EMULATOR_CONTEXT:
        if (srs->phase == SRP_RECORDS) {
            rc = publish_staged_dm(gc, srs);
            if (rc) {
                read_failed(egc, srs, rc, false);
                return;
            }
        }
        break;

    case LIBXL_SR_REC_END:
        stream_finish(egc, srs, 0);
        return;

    case LIBXL_SR_REC_CHECKPOINT_END:
        commit_checkpoint(egc, srs);
        return;

    case LIBXL_SR_REC_CHECKPOINT_STATE:
        checkpoint_op_done(egc, srs, 0, false, srs->state_id);
        return;

    default:
        break;          /* optional: already dropped */
    }

    read_record(egc, srs);
}

/*
 * Applies the pairs (the framer has checked that no absolute, empty or
 * odd key is among them), or keeps them until the checkpoint is complete.
 */
static int apply_or_keep_xenstore_data(libxl__gc *gc,
                                       libxl__stream_read_state *srs,
                                       uint32_t len)
{
    libxl__sr_pending_rec *p;

    if (srs->phase != SRP_CHECKPOINT)
        return libxl__restore_emulator_xenstore_data(srs->dcs, srs->body,
                                                     len);

    if (srs->pending_bytes + len > SR_PENDING_MAX) {
        log_rejection(gc, srs, SR_E_TOO_LONG,
                      "too much xenstore data in one checkpoint");
        return ERROR_INVAL;
    }
    p = libxl__malloc(NOGC, sizeof(*p) + len);
    p->next = NULL;
    p->len = len;
    memcpy(p->body, srs->body, len);
    *srs->pending_tail = p;
    srs->pending_tail = &p->next;
    srs->pending_bytes += len;
    return 0;
}

static void take_xenstore_data(libxl__egc *egc,
                               libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    int rc;

    /* After libxc's END in a checkpointed stream the keys are of a later
     * moment than libxc's memory: checked by the framer, dropped. */
    if (!libxl__sr_framer_past_last_checkpoint(&srs->fr)) {
        rc = apply_or_keep_xenstore_data(gc, srs, srs->rec.length -
                                                  LIBXL_SR_EMU_HDR_SIZE);
        if (rc) goto out;
    }

    drop_body(srs);
    read_record(egc, srs);
    return;

 out:
    read_failed(egc, srs, rc, false);
}

static void hand_to_libxc(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    libxl__domain_create_state *dcs = srs->dcs;
    int rc;

    rc = libxl__sr_fd_nonblocking(gc, srs->fd, &srs->fd_nonblocking, false);
    if (rc) {
        stream_finish(egc, srs, rc);
        return;
    }

    srs->phase = SRP_LIBXC;
    dcs->libxc_fd = srs->fd;
    libxl__xc_domain_restore(egc, dcs, &srs->shs);
}

/* The restore helper has exited (for COLO, via its teardown). */
void libxl__xc_domain_restore_done(libxl__egc *egc, void *dcs_void,
                                   int rc, int retval, int errnoval)
{
    libxl__domain_create_state *dcs = dcs_void;
    libxl__stream_read_state *srs = &dcs->srs;
    STATE_AO_GC(dcs->ao);

    if (!rc && retval) {
        if (errnoval)
            LOGEVD(ERROR, errnoval, dcs->guest_domid,
                   "libxc failed to restore the domain");
        else
            LOGD(ERROR, dcs->guest_domid,
                 "libxc failed to restore the domain");
        rc = ERROR_FAIL;
    }

    if (srs->phase == SRP_STOPPING) {
        if (rc && !srs->rc)
            srs->rc = rc;
        stop_check(egc, srs);
        return;
    }
    if (libxl__sr_copy_inuse(&srs->copy)) {
        /* The helper went while we were in one of its callbacks. */
        libxl__sr_copy_kill(&srs->copy);
        if (!rc) rc = ERROR_FAIL;
    }
    if (rc) {
        stream_finish(egc, srs, rc);
        return;
    }
    if (srs->failed_over) {
        /* libxc chose the last complete checkpoint; so have we. */
        LOGD(INFO, dcs->guest_domid, "continuing from the last complete"
             " checkpoint");
        stream_finish(egc, srs, 0);
        return;
    }

    rc = resync_offset(gc, srs, LIBXC_AT_END);
    if (rc) {
        stream_finish(egc, srs, rc);
        return;
    }
    if (libxl__sr_framer_past_last_checkpoint(&srs->fr))
        LOGD(INFO, dcs->guest_domid, "libxc's part ended after checkpoint"
             " %"PRIu64": keeping it; the records after libxc's END are"
             " checked, not applied", srs->fr.checkpoints);
    srs->phase = SRP_RECORDS;
    read_record(egc, srs);
}

/* Called from libxc's checkpoint callback: read up to CHECKPOINT_END. */
void libxl__stream_read_start_checkpoint(libxl__egc *egc,
                                         libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);

    assert(srs->running);
    assert(srs->phase == SRP_LIBXC);
    assert(!srs->back_channel);

    srs->phase = SRP_CHECKPOINT;
    if (resync_offset(gc, srs, LIBXC_AT_CHECKPOINT)) {
        checkpoint_op_done(egc, srs, ERROR_FAIL, false, ERROR_FAIL);
        return;
    }
    read_record(egc, srs);
}

/* CHECKPOINT_END: the checkpoint is whole, apply what it carried. */
static void commit_checkpoint(libxl__egc *egc,
                              libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);
    libxl__sr_pending_rec *p;
    int rc;

    for (p = srs->pending; p; p = p->next) {
        rc = libxl__restore_emulator_xenstore_data(srs->dcs, p->body,
                                                   p->len);
        if (rc) goto out;
    }
    rc = publish_staged_dm(gc, srs);
    if (rc) goto out;

    checkpoint_op_done(egc, srs, 0, false, XGR_CHECKPOINT_SUCCESS);
    return;

 out:
    checkpoint_op_done(egc, srs, rc, false, rc);
}

void libxl__stream_read_checkpoint_state(libxl__egc *egc,
                                         libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);

    assert(srs->running);
    assert(srs->phase == SRP_IDLE || srs->phase == SRP_LIBXC);

    srs->phase = SRP_CHECKPOINT_STATE;
    if (!srs->back_channel) {
        /* Between two parts of libxc's stream: COLO knows one comes. */
        libxl__sr_error err;

        if (resync_offset(gc, srs, LIBXC_PAUSED) ||
            libxl__sr_framer_expect_checkpoint_state(&srs->fr, &err)) {
            checkpoint_op_done(egc, srs, ERROR_FAIL, false, ERROR_FAIL);
            return;
        }
    }
    read_record(egc, srs);
}

/*
 * Reports the end of a checkpoint operation.  value is what the caller
 * gets when rc == 0.  When the stream broke in a checkpoint, Remus wants
 * libxc told to fail over; COLO does that itself on any error.  Either
 * way, if libxc then finishes well, so does the stream.
 */
static void checkpoint_op_done(libxl__egc *egc,
                               libxl__stream_read_state *srs,
                               int rc, bool broken, int value)
{
    STATE_AO_GC(srs->ao);

    drop_pending(srs);
    drop_body(srs);
    drop_staged_dm(gc, srs);
    srs->phase = srs->back_channel ? SRP_IDLE : SRP_LIBXC;
    if (libxl__sr_fd_nonblocking(gc, srs->fd, &srs->fd_nonblocking,
                                 false) && !rc)
        rc = ERROR_FAIL;

    if (rc) {
        value = rc;
        if (broken && !srs->back_channel) {
            srs->failed_over = true;
            if (srs->dcs->restore_params.checkpointed_stream ==
                LIBXL_CHECKPOINTED_STREAM_REMUS)
                value = XGR_CHECKPOINT_FAILOVER;
        }
    }

    srs->checkpoint_callback(egc, srs, value);
}

/*
 * Ends the stream with rc (0: success), once the helpers have gone.
 * Idempotent; the first nonzero rc wins.
 */
static void stream_finish(libxl__egc *egc, libxl__stream_read_state *srs,
                          int rc)
{
    STATE_AO_GC(srs->ao);

    if (rc && !srs->rc)
        srs->rc = rc;
    srs->phase = SRP_STOPPING;

    libxl__sr_watchdog_stop(gc, &srs->watchdog);
    libxl__sr_progress_stop(gc, &srs->progress, !srs->rc);
    libxl__sr_copy_kill(&srs->copy);
    drop_body(srs);
    drop_pending(srs);
    if (srs->rc)
        drop_staged_dm(gc, srs);

    if (srs->rc) {
        if (libxl__conversion_helper_inuse(&srs->chs))
            libxl__conversion_helper_abort(egc, &srs->chs, srs->rc);
        if (libxl__save_helper_inuse(&srs->shs))
            libxl__save_helper_abort(egc, &srs->shs);
    }

    stop_check(egc, srs);
}

static void stop_check(libxl__egc *egc, libxl__stream_read_state *srs)
{
    STATE_AO_GC(srs->ao);

    if (!srs->running)
        return;
    if (libxl__conversion_helper_inuse(&srs->chs) ||
        libxl__save_helper_inuse(&srs->shs))
        return;   /* their completion callbacks bring us back */

    drop_staged_dm(gc, srs);
    if (libxl__sr_fd_nonblocking(gc, srs->fd, &srs->fd_nonblocking,
                                 false) && !srs->rc)
        srs->rc = ERROR_FAIL;
    if (srs->chs.v2_carefd) {
        libxl__carefd_close(srs->chs.v2_carefd);
        srs->chs.v2_carefd = NULL;
        srs->fd = -1;
    }

    srs->running = false;
    if (srs->completion_callback)
        srs->completion_callback(egc, srs, srs->rc);
}

/*
 * What the stream has given so far: our reads, plus what libxc's helper
 * has read (unless the offset, resynchronised on a file, has it).  While
 * the helper runs it is asked; for the watchdog (busy) its CPU time
 * counts too, for the user's progress only octets, kept for after it
 * exits.
 */
static int stream_received(libxl__gc *gc, libxl__stream_read_state *srs,
                           bool busy, uint64_t *count_r)
{
    uint64_t count = srs->offset, helper;
    int rc;

    if (libxl__sr_copy_inuse(&srs->copy))
        count += libxl__sr_copy_read(&srs->copy);
    if (libxl__save_helper_inuse(&srs->shs) && !srs->shs.completed) {
        pid_t pid = srs->shs.child.pid;

        rc = busy ? libxl__sr_helper_activity(gc, pid, false, &helper)
                  : libxl__sr_os_io_count(gc, pid, false, &helper);
        if (rc) return rc;
        if (!busy)
            srs->helper_octets = helper;
        count += helper;
    } else {
        count += srs->helper_octets;
    }
    *count_r = count;
    return 0;
}

static int stream_progress(libxl__sr_watchdog *wd, uint64_t *count_r)
{
    libxl__stream_read_state *srs = CONTAINER_OF(wd, *srs, watchdog);
    STATE_AO_GC(srs->ao);

    return stream_received(gc, srs, true, count_r);
}

static int stream_octets(libxl__sr_progress *pr, uint64_t *count_r)
{
    libxl__stream_read_state *srs = CONTAINER_OF(pr, *srs, progress);
    STATE_AO_GC(srs->ao);

    return stream_received(gc, srs, false, count_r);
}

static void stream_stalled(libxl__egc *egc, libxl__sr_watchdog *wd)
{
    libxl__stream_read_state *srs = CONTAINER_OF(wd, *srs, watchdog);
    STATE_AO_GC(srs->ao);
    const int secs = wd->timeout_ms / 1000;
    uint64_t at = srs->offset;
    char tbuf[40];

    if (srs->phase == SRP_LIBXC) {
        uint64_t helper_read;
        const char *got = "";

        /* What the helper has read tells how far into its part it got. */
        if (libxl__save_helper_inuse(&srs->shs) &&
            !libxl__sr_os_io_count(gc, srs->shs.child.pid, false,
                                   &helper_read))
            got = GCSPRINTF("; libxc's helper has read %"PRIu64" octets"
                            " from all its fds", helper_read);
        LOGD(ERROR, srs_domid(srs), "migration stream: nothing received"
             " for %d s inside libxc's part (which starts at offset"
             " %"PRIu64"%s): giving up (LIBXL_RESTORE_STALL_TIMEOUT)",
             secs, at, got);
    } else if (srs->phase == SRP_HEADER) {
        LOGD(ERROR, srs_domid(srs), "migration stream: nothing received"
             " for %d s, inside the stream header: giving up"
             " (LIBXL_RESTORE_STALL_TIMEOUT)", secs);
    } else {
        if (libxl__sr_copy_inuse(&srs->copy))
            at += libxl__sr_copy_read(&srs->copy);
        LOGD(ERROR, srs_domid(srs), "migration stream: nothing received"
             " for %d s at offset %"PRIu64"%s, in the %s of record"
             " %"PRId64" (%s): giving up (LIBXL_RESTORE_STALL_TIMEOUT)",
             secs, at, srs->offset_exact ? "" : " (excluding libxc's part)",
             srs->copy.copywhat ? srs->copy.copywhat : "stream",
             srs->index,
             srs->after_read == rec_hdr_read ? "not yet known" :
             libxl__sr_type_describe(srs->rec.type, tbuf, sizeof(tbuf)));
    }
    stream_finish(egc, srs, ERROR_TIMEDOUT);
}

/*
 * COLO tears its streams down with this (passing 1, which we take as a
 * plain failure).  A checkpoint operation in progress ends without its
 * callback.
 */
void libxl__stream_read_abort(libxl__egc *egc,
                              libxl__stream_read_state *srs, int rc)
{
    if (!srs->running)
        return;
    if (rc >= 0)
        rc = ERROR_FAIL;

    stream_finish(egc, srs, rc);
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
