/*
 * libxl_stream_write.c: the sending side of a libxl migration-v2 stream.
 *
 * What goes on the wire, in order:
 *
 *   header, LIBXC_CONTEXT       (we write these)
 *   libxc's own stream          (libxl-save-helper writes it, same fd)
 *   EMULATOR_XENSTORE_DATA      (HVM, only if the device model has keys)
 *   EMULATOR_CONTEXT            (HVM: QEMU's save file, streamed)
 *   END
 *
 * A Remus/COLO stream sends the emulator records and CHECKPOINT_END each
 * time libxc reaches a checkpoint, and may carry CHECKPOINT_STATE
 * records; a back channel carries nothing else.  Every octet of format
 * is produced by libxl_sr_codec.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/*========================= bounded copier ===========================*/

/*
 * Used by both directions of the stream.  Each chunk is one run of a
 * libxl__datacopier; the datacopier reads a regular file in one go, so
 * a chunk is what bounds our memory.
 */
#define SR_COPY_CHUNK      (1u << 20)
#define SR_COPY_DROP_CHUNK (64u << 10)

static void copy_next_chunk(libxl__egc *egc, libxl__sr_copy_state *cs);
static void copy_chunk_done(libxl__egc *egc, libxl__datacopier_state *dc,
                            int rc, int onwrite, int errnoval);
static void copy_finish(libxl__egc *egc, libxl__sr_copy_state *cs, int rc);

void libxl__sr_copy_init(libxl__sr_copy_state *cs)
{
    cs->running = false;
    cs->scratch = NULL;
}

void libxl__sr_copy_start(libxl__egc *egc, libxl__sr_copy_state *cs)
{
    STATE_AO_GC(cs->ao);

    assert(!cs->running);
    /* A prefix only makes sense in front of data going to an fd. */
    assert(!cs->prefix_len || cs->writefd >= 0);
    assert(cs->readfd >= 0 || !cs->len);

    cs->running = true;
    cs->done = 0;
    cs->onwrite = -1;
    cs->prefix_queued = false;
    cs->scratch = NULL;

    if (cs->writefd < 0 && !cs->buf && cs->len)
        cs->scratch = libxl__malloc(NOGC, SR_COPY_DROP_CHUNK);

    copy_next_chunk(egc, cs);
}

static void copy_next_chunk(libxl__egc *egc, libxl__sr_copy_state *cs)
{
    STATE_AO_GC(cs->ao);
    libxl__datacopier_state *dc = &cs->dc;
    uint64_t left = cs->len - cs->done;
    uint64_t limit;
    int rc;

    if (!left && (cs->prefix_queued || !cs->prefix_len)) {
        copy_finish(egc, cs, 0);
        return;
    }

    if (cs->writefd >= 0)
        limit = SR_COPY_CHUNK;
    else if (cs->buf)
        limit = left;
    else
        limit = SR_COPY_DROP_CHUNK;

    cs->asked = left < limit ? left : limit;

    memset(dc, 0, sizeof(*dc));
    dc->ao = ao;
    dc->readfd = cs->asked ? cs->readfd : -1;
    dc->writefd = cs->writefd;
    dc->maxsz = cs->asked + cs->prefix_len + 1;
    dc->bytes_to_read = cs->asked;
    dc->copywhat = cs->copywhat;
    dc->readwhat = cs->readwhat;
    dc->writewhat = cs->writewhat;
    dc->callback = copy_chunk_done;
    if (cs->writefd < 0)
        dc->readbuf = cs->buf ? (char *)cs->buf + cs->done : cs->scratch;

    rc = libxl__datacopier_start(dc);
    if (rc) {
        copy_finish(egc, cs, rc);
        return;
    }

    if (!cs->prefix_queued && cs->prefix_len) {
        libxl__datacopier_prefixdata(egc, dc, cs->prefix, cs->prefix_len);
    }
    cs->prefix_queued = true;
}

static void copy_chunk_done(libxl__egc *egc, libxl__datacopier_state *dc,
                            int rc, int onwrite, int errnoval)
{
    libxl__sr_copy_state *cs = CONTAINER_OF(dc, *cs, dc);
    ssize_t got = cs->asked - dc->bytes_to_read;

    cs->done += got;

    if (rc) {
        cs->onwrite = onwrite;
        copy_finish(egc, cs, rc);
        return;
    }

    if (got < cs->asked) {
        /* End of file before the end of the chunk: the caller judges. */
        copy_finish(egc, cs, 0);
        return;
    }

    copy_next_chunk(egc, cs);
}

static void copy_finish(libxl__egc *egc, libxl__sr_copy_state *cs, int rc)
{
    free(cs->scratch);
    cs->scratch = NULL;
    cs->running = false;
    cs->callback(egc, cs, rc);
}

void libxl__sr_copy_kill(libxl__sr_copy_state *cs)
{
    if (!cs->running)
        return;

    libxl__datacopier_kill(&cs->dc);
    free(cs->scratch);
    cs->scratch = NULL;
    cs->running = false;
}

/*========================= stream writer ============================*/

enum {
    SWP_IDLE,            /* back channel waiting for a request */
    SWP_PROLOGUE,        /* header and LIBXC_CONTEXT */
    SWP_LIBXC,           /* the save helper owns the fd */
    SWP_CHECKPOINT,      /* emulator records and CHECKPOINT_END */
    SWP_CHECKPOINT_STATE,
    SWP_EPILOGUE,        /* emulator records and END */
};

/* ----- synchronous helpers ----- */

static uint32_t sws_domid(const libxl__stream_write_state *sws)
{
    return sws->dss ? sws->dss->domid : INVALID_DOMID;
}

/* Which emulator id a guest's device model state is sent as; 0: none. */
static int emulator_for(libxl__gc *gc, libxl__domain_save_state *dss,
                        uint32_t *id_r)
{
    if (dss->type != LIBXL_DOMAIN_TYPE_HVM) {
        *id_r = 0;
        return 0;
    }

    switch (libxl__device_model_version_running(gc, dss->domid)) {
    case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN:
        *id_r = LIBXL_SR_EMULATOR_QEMU_UPSTREAM;
        return 0;
    case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL:
        *id_r = LIBXL_SR_EMULATOR_QEMU_TRADITIONAL;
        return 0;
    default:
        LOGD(ERROR, dss->domid,
             "cannot tell which device model is running: not saving");
        return ERROR_FAIL;
    }
}

static void close_dm_file(libxl__stream_write_state *sws)
{
    if (sws->dm_file) {
        libxl__carefd_close(sws->dm_file);
        sws->dm_file = NULL;
    }
}

/* ----- the chain of callbacks ----- */

static void emit(libxl__egc *egc, libxl__stream_write_state *sws,
                 const void *data, size_t len,
                 void (*then)(libxl__egc *, libxl__stream_write_state *));
static void write_step_done(libxl__egc *egc, libxl__sr_copy_state *cs,
                            int rc);
static void step_failed(libxl__egc *egc, libxl__stream_write_state *sws,
                        int rc);
static void hand_to_libxc(libxl__egc *egc, libxl__stream_write_state *sws);
static void send_dm_state(libxl__egc *egc, libxl__stream_write_state *sws,
                          uint32_t closing_type);
static void send_dm_context(libxl__egc *egc,
                            libxl__stream_write_state *sws);
static void dm_context_sent(libxl__egc *egc,
                            libxl__stream_write_state *sws);
static void write_closing_record(libxl__egc *egc,
                                 libxl__stream_write_state *sws);
static void closing_record_written(libxl__egc *egc,
                                   libxl__stream_write_state *sws);
static void checkpoint_state_written(libxl__egc *egc,
                                     libxl__stream_write_state *sws);
static void checkpoint_op_done(libxl__egc *egc,
                               libxl__stream_write_state *sws, int rc);
static void write_stream_done(libxl__egc *egc,
                              libxl__stream_write_state *sws, int rc);
static void write_stream_complete(libxl__egc *egc,
                                  libxl__sr_save_failure *sf, int rc);
static int stream_progress(libxl__sr_watchdog *wd, uint64_t *count_r);
static void stream_stalled(libxl__egc *egc, libxl__sr_watchdog *wd);
static int stream_octets(libxl__sr_progress *pr, uint64_t *count_r);

void libxl__stream_write_init(libxl__stream_write_state *sws)
{
    sws->running = false;
    sws->rc = 0;
    sws->phase = SWP_IDLE;
    sws->emulator_id = 0;
    sws->closing_type = LIBXL_SR_REC_END;
    sws->closing_pad = 0;
    sws->dm_path = NULL;
    sws->dm_file = NULL;
    sws->fd_nonblocking = false;
    sws->written = 0;
    sws->base_pos = -1;
    sws->helper_octets = 0;
    sws->after_write = NULL;
    libxl__save_helper_init(&sws->shs);
    libxl__sr_copy_init(&sws->copy);
    libxl__sr_watchdog_init(&sws->watchdog);
    libxl__sr_progress_init(&sws->progress);
    libxl__sr_save_failure_init(&sws->failure);
}

/* The guest's memory in octets, which the stream is about; 0: unknown. */
static uint64_t guest_memory(libxl__gc *gc, uint32_t domid)
{
    xc_domaininfo_t info;
    int r;

    r = xc_domain_getinfolist(CTX->xch, domid, 1, &info);
    if (r != 1 || info.domain != domid)
        return 0;
    return (uint64_t)info.tot_pages * XC_PAGE_SIZE;
}

void libxl__stream_write_start(libxl__egc *egc,
                               libxl__stream_write_state *sws)
{
    STATE_AO_GC(sws->ao);
    unsigned char opening[LIBXL_SR_HEADER_SIZE + LIBXL_SR_REC_HDR_SIZE];
    struct stat st;
    int r, rc;

    libxl__stream_write_init(sws);
    sws->running = true;
    sws->failure.ao = sws->ao;
    sws->failure.domid = sws_domid(sws);
    sws->failure.callback = write_stream_complete;

    if (sws->back_channel) {
        /* Records are written only when COLO asks for them. */
        return;
    }

    sws->phase = SWP_PROLOGUE;

    /* A save that suspends its guest and fails puts the guest back. */
    libxl__sr_save_failure_arm(gc, &sws->failure, sws->dss);

    /*
     * A receiver (or link) that stops taking data would hold the guest
     * here, suspended if libxc was in its last round.  Checkpointed
     * streams pause between checkpoints by design: not watched.
     */
    if (sws->dss->checkpointed_stream == LIBXL_CHECKPOINTED_STREAM_NONE) {
        libxl__sr_watchdog *wd = &sws->watchdog;

        wd->ao = sws->ao;
        wd->timeout_ms = libxl__sr_stall_timeout_ms(gc,
                                             "LIBXL_SAVE_STALL_TIMEOUT");
        wd->progress = stream_progress;
        wd->stalled = stream_stalled;
        rc = libxl__sr_watchdog_start(wd);
        if (rc) goto out;
    }

    /* On a regular file, its position counts libxc's octets exactly. */
    if (!fstat(sws->fd, &st) && S_ISREG(st.st_mode)) {
        sws->base_pos = lseek(sws->fd, 0, SEEK_CUR);
        if (sws->base_pos < 0)
            sws->base_pos = -1;
    }
    sws->progress.ao = sws->ao;
    sws->progress.sending = true;
    sws->progress.count = stream_octets;
    libxl__sr_progress_start(gc, &sws->progress,
                             guest_memory(gc, sws->dss->domid));

    rc = emulator_for(gc, sws->dss, &sws->emulator_id);
    if (rc) goto out;
    /* Once, not per checkpoint: the ao gc lives as long as Remus. */
    if (sws->emulator_id)
        sws->dm_path = libxl__device_model_savefile(gc, sws->dss->domid);

    r = libxl__sr_encode_header(opening, sizeof(opening), 0);
    if (r < 0) { rc = ERROR_FAIL; goto out; }
    r = libxl__sr_encode_rec_hdr(opening + LIBXL_SR_HEADER_SIZE,
                                sizeof(opening) - LIBXL_SR_HEADER_SIZE,
                                LIBXL_SR_REC_LIBXC_CONTEXT, 0);
    if (r < 0) { rc = ERROR_FAIL; goto out; }

    emit(egc, sws, opening, sizeof(opening), hand_to_libxc);
    return;

 out:
    step_failed(egc, sws, rc);
}

/*
 * Writes already encoded octets, then carries on with `then'.  The data
 * is copied before emit returns.
 */
static void emit(libxl__egc *egc, libxl__stream_write_state *sws,
                 const void *data, size_t len,
                 void (*then)(libxl__egc *, libxl__stream_write_state *))
{
    STATE_AO_GC(sws->ao);
    libxl__sr_copy_state *cs = &sws->copy;
    int rc;

    rc = libxl__sr_fd_nonblocking(gc, sws->fd, &sws->fd_nonblocking, true);
    if (rc) {
        step_failed(egc, sws, rc);
        return;
    }

    cs->ao = sws->ao;
    cs->readfd = -1;
    cs->writefd = sws->fd;
    cs->buf = NULL;
    cs->len = 0;
    cs->prefix = data;
    cs->prefix_len = len;
    cs->copywhat = "migration stream records";
    cs->readwhat = "libxl";
    cs->writewhat = "migration stream";
    cs->callback = write_step_done;
    sws->after_write = then;

    libxl__sr_copy_start(egc, cs);
}

static void write_step_done(libxl__egc *egc, libxl__sr_copy_state *cs,
                            int rc)
{
    libxl__stream_write_state *sws = CONTAINER_OF(cs, *sws, copy);
    STATE_AO_GC(sws->ao);

    sws->written += cs->prefix_len + cs->done;
    if (!rc && cs->done < cs->len) {
        LOGD(ERROR, sws_domid(sws), "%s: %s ended after %"PRIu64
             " of %"PRIu64" octets", cs->copywhat, cs->readwhat,
             cs->done, cs->len);
        rc = ERROR_FAIL;
    }
    if (rc) {
        step_failed(egc, sws, rc);
        return;
    }

    sws->after_write(egc, sws);
}

/* Ends whatever the stream was doing, with an error. */
static void step_failed(libxl__egc *egc, libxl__stream_write_state *sws,
                        int rc)
{
    assert(rc);
    close_dm_file(sws);

    switch (sws->phase) {
    case SWP_CHECKPOINT:
    case SWP_CHECKPOINT_STATE:
        checkpoint_op_done(egc, sws, rc);
        break;
    default:
        write_stream_done(egc, sws, rc);
        break;
    }
}

static void hand_to_libxc(libxl__egc *egc, libxl__stream_write_state *sws)
{
    STATE_AO_GC(sws->ao);
    int rc;

    rc = libxl__sr_fd_nonblocking(gc, sws->fd, &sws->fd_nonblocking, false);
    if (rc) {
        step_failed(egc, sws, rc);
        return;
    }
    sws->phase = SWP_LIBXC;
    libxl__xc_domain_save(egc, sws->dss, &sws->shs);
}

/* The save helper has exited: libxc's part of the stream is over. */
void libxl__xc_domain_save_done(libxl__egc *egc, void *dss_void,
                                int rc, int retval, int errnoval)
{
    libxl__domain_save_state *dss = dss_void;
    libxl__stream_write_state *sws = &dss->sws;
    STATE_AO_GC(dss->ao);

    if (!rc && retval) {
        const char *how = dss->dsps.guest_responded ?
            "answered" : "never answered";

        if (errnoval)
            LOGEVD(ERROR, errnoval, dss->domid, "libxc failed to save"
                   " the domain (the guest %s the suspend request)", how);
        else
            LOGD(ERROR, dss->domid, "libxc failed to save the domain"
                 " (the guest %s the suspend request)", how);
        /* A guest that never suspended is still running: tell xl so. */
        rc = dss->dsps.guest_responded ? ERROR_FAIL : ERROR_GUEST_TIMEDOUT;
    }
    if (dss->rc)
        rc = dss->rc;   /* one of our callbacks knew what went wrong */
    if (libxl__sr_copy_inuse(&sws->copy)) {
        /* The helper died while a checkpoint was being written. */
        libxl__sr_copy_kill(&sws->copy);
        if (!rc) rc = ERROR_FAIL;
    }
    if (sws->rc)
        rc = sws->rc;
    if (rc) {
        write_stream_done(egc, sws, rc);
        return;
    }

    sws->phase = SWP_EPILOGUE;
    if (dss->checkpointed_stream != LIBXL_CHECKPOINTED_STREAM_NONE) {
        /* The receiver already has the device model of the last
         * checkpoint. */
        sws->closing_type = LIBXL_SR_REC_END;
        sws->closing_pad = 0;
        write_closing_record(egc, sws);
        return;
    }
    send_dm_state(egc, sws, LIBXL_SR_REC_END);
}

void libxl__stream_write_start_checkpoint(libxl__egc *egc,
                                          libxl__stream_write_state *sws)
{
    assert(sws->running);
    assert(sws->phase == SWP_LIBXC);
    assert(!sws->back_channel);

    sws->phase = SWP_CHECKPOINT;
    send_dm_state(egc, sws, LIBXL_SR_REC_CHECKPOINT_END);
}

/*
 * Sends the device model's records (if the guest has one), then a record
 * of closing_type.
 */
static void send_dm_state(libxl__egc *egc, libxl__stream_write_state *sws,
                          uint32_t closing_type)
{
    STATE_AO_GC(sws->ao);
    char *pairs = NULL;
    unsigned char *rec = NULL;
    uint32_t pairs_len = 0;
    uint32_t body_len;
    size_t rec_len;
    int r, rc;

    sws->closing_type = closing_type;
    sws->closing_pad = 0;

    if (!sws->emulator_id) {
        write_closing_record(egc, sws);
        return;
    }

    rc = libxl__save_emulator_xenstore_data(sws->dss, &pairs, &pairs_len);
    if (rc) goto out;
    if (!pairs_len) {
        send_dm_context(egc, sws);
        return;
    }

    body_len = LIBXL_SR_EMU_HDR_SIZE + pairs_len;
    rec_len = LIBXL_SR_REC_HDR_SIZE + libxl__sr_padded_len(body_len);
    rec = libxl__zalloc(NOGC, rec_len);

    r = libxl__sr_encode_rec_hdr(rec, rec_len,
                                LIBXL_SR_REC_EMULATOR_XENSTORE_DATA,
                                body_len);
    if (r < 0) { rc = ERROR_FAIL; goto out; }
    r = libxl__sr_encode_emu_hdr(rec + LIBXL_SR_REC_HDR_SIZE,
                                rec_len - LIBXL_SR_REC_HDR_SIZE,
                                sws->emulator_id, 0);
    if (r < 0) { rc = ERROR_FAIL; goto out; }
    memcpy(rec + LIBXL_SR_REC_HDR_SIZE + LIBXL_SR_EMU_HDR_SIZE,
           pairs, pairs_len);

    emit(egc, sws, rec, rec_len, send_dm_context);
    free(rec);
    return;

 out:
    free(rec);
    step_failed(egc, sws, rc);
}

/*
 * QEMU's state goes from its save file to the stream in chunks: the
 * record header and sub-header first, then the file.  Its padding is
 * written in front of the closing record.
 */
static void send_dm_context(libxl__egc *egc,
                            libxl__stream_write_state *sws)
{
    STATE_AO_GC(sws->ao);
    libxl__sr_copy_state *cs = &sws->copy;
    unsigned char prefix[LIBXL_SR_REC_HDR_SIZE + LIBXL_SR_EMU_HDR_SIZE];
    const uint32_t domid = sws->dss->domid;
    const char *path = sws->dm_path;
    struct stat st;
    uint64_t body_len;
    int fd, r, rc;

    libxl__carefd_begin();
    fd = open(path, O_RDONLY);
    sws->dm_file = libxl__carefd_opened(CTX, fd);
    if (fd < 0) {
        LOGED(ERROR, domid, "cannot open device model state %s", path);
        rc = ERROR_FAIL;
        goto out;
    }

    r = fstat(fd, &st);
    if (r) {
        LOGED(ERROR, domid, "cannot stat device model state %s", path);
        rc = ERROR_FAIL;
        goto out;
    }

    body_len = (uint64_t)st.st_size + LIBXL_SR_EMU_HDR_SIZE;
    if (body_len > LIBXL_SR_MAX_EMULATOR_BODY) {
        LOGD(ERROR, domid, "device model state %s is too big for a record"
             " (%"PRIu64" octets)", path, (uint64_t)st.st_size);
        rc = ERROR_FAIL;
        goto out;
    }

    r = libxl__sr_encode_rec_hdr(prefix, sizeof(prefix),
                                LIBXL_SR_REC_EMULATOR_CONTEXT, body_len);
    if (r < 0) { rc = ERROR_FAIL; goto out; }
    r = libxl__sr_encode_emu_hdr(prefix + LIBXL_SR_REC_HDR_SIZE,
                                sizeof(prefix) - LIBXL_SR_REC_HDR_SIZE,
                                sws->emulator_id, 0);
    if (r < 0) { rc = ERROR_FAIL; goto out; }

    sws->closing_pad = libxl__sr_padding(body_len);

    rc = libxl__sr_fd_nonblocking(gc, sws->fd, &sws->fd_nonblocking, true);
    if (rc) goto out;

    cs->ao = sws->ao;
    cs->readfd = fd;
    cs->writefd = sws->fd;
    cs->buf = NULL;
    cs->len = st.st_size;
    cs->prefix = prefix;
    cs->prefix_len = sizeof(prefix);
    cs->copywhat = "device model state";
    cs->readwhat = path;
    cs->writewhat = "migration stream";
    cs->callback = write_step_done;
    sws->after_write = dm_context_sent;

    libxl__sr_copy_start(egc, cs);
    return;

 out:
    step_failed(egc, sws, rc);
}

static void dm_context_sent(libxl__egc *egc,
                            libxl__stream_write_state *sws)
{
    close_dm_file(sws);
    write_closing_record(egc, sws);
}

/* Any padding still owed, then an END or CHECKPOINT_END record. */
static void write_closing_record(libxl__egc *egc,
                                 libxl__stream_write_state *sws)
{
    unsigned char tail[LIBXL_SR_ALIGN + LIBXL_SR_REC_HDR_SIZE];
    unsigned int pad = sws->closing_pad;
    int r;

    assert(pad < LIBXL_SR_ALIGN);
    memset(tail, 0, sizeof(tail));
    r = libxl__sr_encode_rec_hdr(tail + pad, sizeof(tail) - pad,
                                sws->closing_type, 0);
    if (r < 0) {
        step_failed(egc, sws, ERROR_FAIL);
        return;
    }
    sws->closing_pad = 0;

    emit(egc, sws, tail, pad + LIBXL_SR_REC_HDR_SIZE,
         closing_record_written);
}

static void closing_record_written(libxl__egc *egc,
                                   libxl__stream_write_state *sws)
{
    if (sws->phase == SWP_CHECKPOINT)
        checkpoint_op_done(egc, sws, 0);
    else
        write_stream_done(egc, sws, 0);
}

void libxl__stream_write_checkpoint_state(libxl__egc *egc,
                                          libxl__stream_write_state *sws,
                                          libxl_sr_checkpoint_state *srcs)
{
    unsigned char rec[LIBXL_SR_REC_HDR_SIZE + LIBXL_SR_ALIGN];
    int r;

    assert(sws->running);
    assert(sws->phase == SWP_IDLE || sws->phase == SWP_LIBXC);

    sws->phase = SWP_CHECKPOINT_STATE;

    memset(rec, 0, sizeof(rec));
    r = libxl__sr_encode_rec_hdr(rec, sizeof(rec),
                                LIBXL_SR_REC_CHECKPOINT_STATE,
                                sizeof(srcs->id));
    if (r < 0) goto fail;
    r = libxl__sr_encode_checkpoint_state(rec + LIBXL_SR_REC_HDR_SIZE,
                sizeof(rec) - LIBXL_SR_REC_HDR_SIZE, srcs->id);
    if (r < 0) goto fail;

    emit(egc, sws, rec, sizeof(rec), checkpoint_state_written);
    return;

 fail:
    step_failed(egc, sws, ERROR_FAIL);
}

static void checkpoint_state_written(libxl__egc *egc,
                                     libxl__stream_write_state *sws)
{
    checkpoint_op_done(egc, sws, 0);
}

/*
 * A checkpoint operation is over.  A failed one leaves the stream broken
 * (the receiver may have half a checkpoint): the final result will say so.
 */
static void checkpoint_op_done(libxl__egc *egc,
                               libxl__stream_write_state *sws, int rc)
{
    STATE_AO_GC(sws->ao);

    /* libxc or COLO gets the fd back. */
    if (libxl__sr_fd_nonblocking(gc, sws->fd, &sws->fd_nonblocking,
                                 false) && !rc)
        rc = ERROR_FAIL;
    if (rc && !sws->rc)
        sws->rc = rc;

    sws->phase = sws->back_channel ? SWP_IDLE : SWP_LIBXC;
    /*
     * The next checkpoint suspends the guest again: whether it answers
     * that request is a new question (libxl__xc_domain_save_done's
     * message and error code depend on it).
     */
    if (!sws->back_channel)
        sws->dss->dsps.guest_responded = 0;
    sws->checkpoint_callback(egc, sws, rc);
}

static void write_stream_done(libxl__egc *egc,
                              libxl__stream_write_state *sws, int rc)
{
    STATE_AO_GC(sws->ao);

    assert(sws->running);
    assert(!libxl__save_helper_inuse(&sws->shs));

    libxl__sr_watchdog_stop(gc, &sws->watchdog);
    libxl__sr_copy_kill(&sws->copy);
    close_dm_file(sws);
    if (libxl__sr_fd_nonblocking(gc, sws->fd, &sws->fd_nonblocking,
                                 false) && !rc)
        rc = ERROR_FAIL;
    libxl__sr_progress_stop(gc, &sws->progress, !rc);
    sws->running = false;
    sws->phase = SWP_IDLE;

    libxl__sr_save_failure_end(egc, &sws->failure, rc);
}

static void write_stream_complete(libxl__egc *egc,
                                  libxl__sr_save_failure *sf, int rc)
{
    libxl__stream_write_state *sws = CONTAINER_OF(sf, *sws, failure);

    if (sws->completion_callback)
        sws->completion_callback(egc, sws, rc);
}

/*
 * What has gone out so far: our finished writes, the current copy, and
 * what libxc's save helper has written.  While the helper runs it is
 * asked; for the watchdog (busy) its CPU time counts too, for the
 * user's progress only octets, which are then kept for after it exits.
 * For the user, a file's position is better still: it is exact (the
 * helper shares the open file), where the helper's count includes its
 * messages to us.
 */
static int stream_sent(libxl__gc *gc, libxl__stream_write_state *sws,
                       bool busy, uint64_t *count_r)
{
    uint64_t count = sws->written, helper;
    off_t pos;
    int rc;

    if (!busy && sws->base_pos >= 0) {
        pos = lseek(sws->fd, 0, SEEK_CUR);
        if (pos >= sws->base_pos) {
            *count_r = pos - sws->base_pos;
            return 0;
        }
    }

    if (libxl__sr_copy_inuse(&sws->copy))
        count += libxl__sr_copy_written(&sws->copy);
    if (libxl__save_helper_inuse(&sws->shs) && !sws->shs.completed) {
        pid_t pid = sws->shs.child.pid;

        rc = busy ? libxl__sr_helper_activity(gc, pid, true, &helper)
                  : libxl__sr_os_io_count(gc, pid, true, &helper);
        if (rc) return rc;
        if (!busy)
            sws->helper_octets = helper;
        count += helper;
    } else {
        count += sws->helper_octets;
    }
    *count_r = count;
    return 0;
}

static int stream_progress(libxl__sr_watchdog *wd, uint64_t *count_r)
{
    libxl__stream_write_state *sws = CONTAINER_OF(wd, *sws, watchdog);
    STATE_AO_GC(sws->ao);

    return stream_sent(gc, sws, true, count_r);
}

static int stream_octets(libxl__sr_progress *pr, uint64_t *count_r)
{
    libxl__stream_write_state *sws = CONTAINER_OF(pr, *sws, progress);
    STATE_AO_GC(sws->ao);

    return stream_sent(gc, sws, false, count_r);
}

static void stream_stalled(libxl__egc *egc, libxl__sr_watchdog *wd)
{
    libxl__stream_write_state *sws = CONTAINER_OF(wd, *sws, watchdog);
    STATE_AO_GC(sws->ao);

    LOGD(ERROR, sws_domid(sws), "migration stream: nothing could be sent"
         " for %d s %s (%"PRIu64" octets of ours sent): the receiver or"
         " the link stopped taking data; giving up"
         " (LIBXL_SAVE_STALL_TIMEOUT)", wd->timeout_ms / 1000,
         sws->phase == SWP_LIBXC ? "inside libxc's part" :
         "in libxl's records", sws->written);
    libxl__stream_write_abort(egc, sws, ERROR_TIMEDOUT);
}

/*
 * COLO tears its streams down with this (passing 1, which we take as a
 * plain failure).  Whatever is in flight is stopped; if libxc is still
 * running we wait for the save helper to go before finishing.
 */
void libxl__stream_write_abort(libxl__egc *egc,
                               libxl__stream_write_state *sws, int rc)
{
    if (!sws->running)
        return;

    if (rc >= 0)
        rc = ERROR_FAIL;
    if (!sws->rc)
        sws->rc = rc;

    libxl__sr_copy_kill(&sws->copy);
    close_dm_file(sws);

    if (libxl__save_helper_inuse(&sws->shs)) {
        /* libxl__xc_domain_save_done finishes the stream. */
        libxl__save_helper_abort(egc, &sws->shs);
        return;
    }

    write_stream_done(egc, sws, sws->rc);
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
