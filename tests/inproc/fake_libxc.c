/*
 * fake_libxc.c: libxc's save and restore helpers, as the stream code
 * sees them.
 *
 * The real helpers are child processes that own the stream fd until
 * libxc's part is over and call libxl back (checkpoint callbacks, then
 * "done").  Here they run in the test process, driven by libxl timers so
 * that every call back into the stream code comes from the event loop,
 * as it would from the helper's pipe, never from inside the call that
 * started them.
 *
 * Both move their octets with the real read and write, so that a fault
 * injected on the stream (interpose.c) hits libxl's own calls only.
 *
 * Restore reads libxc's stream from the fd exactly as far as libxc would
 * (not one octet past its END or CHECKPOINT record) and checks it with
 * xen-stream's libxc walker, so that a damaged libxc part fails with the
 * message `xen-stream verify' gives.  Like libxc, after a checkpoint has
 * been committed a broken stream is a failover (success with the last
 * checkpoint); before that it is a failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "inproc.h"
#include "libxc_walk.h"

/*----- restore -----*/

inproc_libxc inproc_restore_helper;

static struct {
    libxl__domain_create_state *dcs;
    libxl__ev_time tick;
    xc_walk w;
    bool walking;
    bool state_pending;         /* a CHECKPOINT_STATE read is under way */
    int retval;                 /* for the pending "done" */
    int abort_rc;               /* libxl killed the helper */
} rh;

static void restore_step(libxl__egc *egc, libxl__ev_time *ev,
                         const struct timeval *requested_abs, int rc);
static void restore_finish(libxl__egc *egc, libxl__ev_time *ev,
                           const struct timeval *requested_abs, int rc);

void inproc_restore_helper_reset(uint64_t abs_base, bool file)
{
    memset(&inproc_restore_helper, 0, sizeof(inproc_restore_helper));
    inproc_restore_helper.abs_base = abs_base;
    inproc_restore_helper.file = file;
    memset(&rh, 0, sizeof(rh));
    libxl__ev_time_init(&rh.tick);
}

/* Where in the image file the stream fd is now (for messages only). */
static uint64_t restore_position(void)
{
    const inproc_libxc *h = &inproc_restore_helper;
    const libxl__stream_read_state *srs = &rh.dcs->srs;
    off_t pos;

    if (h->file) {
        pos = lseek(rh.dcs->libxc_fd, 0, SEEK_CUR);
        if (pos >= 0)
            return pos;
    }
    /* libxl's own octets count from its header, ours come on top. */
    return h->abs_base + srs->offset + h->consumed;
}

/* Calls cb from the event loop, as soon as it runs again. */
static void schedule(libxl__ao *ao, libxl__ev_time *ev,
                     libxl__ev_time_callback *cb)
{
    AO_GC;

    if (libxl__ev_time_register_rel(ao, ev, cb, 0)) {
        LOG(ERROR, "fake libxc helper: cannot register a timer");
        abort();
    }
}

void __wrap_libxl__xc_domain_restore(libxl__egc *egc,
                                     libxl__domain_create_state *dcs,
                                     libxl__save_helper_state *shs);

void __wrap_libxl__xc_domain_restore(libxl__egc *egc,
                                     libxl__domain_create_state *dcs,
                                     libxl__save_helper_state *shs)
{
    inproc_libxc *h = &inproc_restore_helper;

    h->calls++;
    rh.dcs = dcs;
    rh.abort_rc = 0;
    /* The reader waits for a helper in use (as for the real child). */
    shs->child.pid = getpid();
    if (!rh.walking) {
        xcw_init(&rh.w, restore_position(), NULL, NULL);
        rh.walking = true;
    }
    schedule(dcs->ao, &rh.tick, restore_step);
}

static void restore_fail(libxl__ao *ao, const libxl__sr_error *err,
                         const char *what)
{
    inproc_libxc *h = &inproc_restore_helper;

    h->failed = true;
    if (err)
        libxl__sr_format_error(err, h->error, sizeof(h->error));
    else
        snprintf(h->error, sizeof(h->error), "%s", what);
    rh.retval = -1;
    schedule(ao, &rh.tick, restore_finish);
}

static void restore_succeed(libxl__ao *ao)
{
    rh.retval = 0;
    schedule(ao, &rh.tick, restore_finish);
}

/*
 * Reads one piece: opaque octets in bulk, anything the walker has to
 * look at one octet at a time, so that nothing past a pause is taken.
 */
static void restore_step(libxl__egc *egc, libxl__ev_time *ev,
                         const struct timeval *requested_abs, int rc)
{
    inproc_libxc *h = &inproc_restore_helper;
    libxl__ao *ao = rh.dcs->ao;
    unsigned char buf[65536];
    size_t used;
    ssize_t r;
    int p;

    for (;;) {
        uint64_t skip = xcw_skippable(&rh.w);
        size_t want = skip ? (skip < sizeof(buf) ? skip : sizeof(buf)) : 1;

        r = __real_read(rh.dcs->libxc_fd, buf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            restore_fail(ao, NULL, "read error in libxc's stream");
            return;
        }
        if (r == 0) {
            p = xcw_finish(&rh.w);
            if (h->checkpoints) {
                /* The primary went away: libxc keeps the last
                 * checkpoint, whatever it had of the next. */
                restore_succeed(ao);
                return;
            }
            restore_fail(ao, p < 0 ? &rh.w.err : NULL,
                         "libxc's stream ended with no checkpoint");
            return;
        }
        h->consumed += r;
        if (skip) {
            xcw_skipped(&rh.w, r);
            continue;
        }
        p = xcw_push(&rh.w, buf, r, &used);
        assert(p < 0 || used == (size_t)r);
        if (p < 0 && h->checkpoints) {
            restore_succeed(ao);
            return;
        }
        if (p < 0) {
            restore_fail(ao, &rh.w.err, NULL);
            return;
        }
        if (p == XCW_PAUSE)
            break;
    }

    if (rh.w.end_seen) {
        restore_succeed(ao);
        return;
    }
    /* libxc's CHECKPOINT: libxl reads its records up to CHECKPOINT_END. */
    libxl__stream_read_start_checkpoint(egc, &rh.dcs->srs);
}

void inproc_restore_checkpoint_done(libxl__egc *egc,
                                    libxl__stream_read_state *srs,
                                    int rc)
{
    inproc_libxc *h = &inproc_restore_helper;
    libxl__ao *ao = rh.dcs->ao;

    if (rh.state_pending) {
        /* COLO: the primary's state after the checkpoint. */
        rh.state_pending = false;
        if (rc < 0 && srs->failed_over) {
            /* The primary went away after CHECKPOINT_END: Xen 4.17's
             * COLO secondary takes a broken read for a failover (its
             * callback answers 2, libxc keeps the last checkpoint). */
            restore_succeed(ao);
            return;
        }
        if (rc < 0) {
            restore_fail(ao, NULL, "reading CHECKPOINT_STATE failed");
            return;
        }
        h->states++;
        h->last_state = rc;
        xcw_resume(&rh.w, restore_position());
        schedule(ao, &rh.tick, restore_step);
        return;
    }

    /* Xen 4.17's COLO answers libxc 2 (failover) for any failure of
     * libxl's checkpoint; here only for a broken stream, so that damage
     * stays a failure (the framer's rule). */
    if (h->colo && rc < 0 && srs->failed_over)
        rc = XGR_CHECKPOINT_FAILOVER;

    switch (rc) {
    case XGR_CHECKPOINT_SUCCESS:
        h->checkpoints++;
        if (h->colo) {
            rh.state_pending = true;
            libxl__stream_read_checkpoint_state(egc, srs);
            return;
        }
        xcw_resume(&rh.w, restore_position());
        schedule(ao, &rh.tick, restore_step);
        return;
    case XGR_CHECKPOINT_FAILOVER:
        if (h->checkpoints) {
            restore_succeed(ao);
            return;
        }
        restore_fail(ao, NULL, "failover before the first checkpoint");
        return;
    default:
        restore_fail(ao, NULL, "libxl's checkpoint callback failed");
        return;
    }
}

static void restore_finish(libxl__egc *egc, libxl__ev_time *ev,
                           const struct timeval *requested_abs, int rc)
{
    rh.dcs->srs.shs.child.pid = -1;
    libxl__xc_domain_restore_done(egc, rh.dcs, rh.abort_rc, rh.retval,
                                  rh.retval ? EIO : 0);
}

/*----- save -----*/

inproc_save_helper inproc_save;

static struct {
    libxl__domain_save_state *dss;
    libxl__ev_time tick;
    size_t pos;
    bool state_pending;         /* a CHECKPOINT_STATE write is under way */
    int retval, errnoval;
    int abort_rc;               /* libxl killed the helper */
} sh;

static void save_step(libxl__egc *egc, libxl__ev_time *ev,
                      const struct timeval *requested_abs, int rc);
static void save_finish(libxl__egc *egc, libxl__ev_time *ev,
                        const struct timeval *requested_abs, int rc);

void __wrap_libxl__xc_domain_save(libxl__egc *egc,
                                  libxl__domain_save_state *dss,
                                  libxl__save_helper_state *shs);

void __wrap_libxl__xc_domain_save(libxl__egc *egc,
                                  libxl__domain_save_state *dss,
                                  libxl__save_helper_state *shs)
{
    inproc_save.calls++;
    sh.dss = dss;
    sh.abort_rc = 0;
    shs->child.pid = getpid();
    sh.pos = 0;
    sh.state_pending = false;
    sh.retval = sh.errnoval = 0;
    libxl__ev_time_init(&sh.tick);
    /* The guest answered the suspend request. */
    dss->dsps.guest_responded = 1;
    schedule(dss->ao, &sh.tick, save_step);
}

/* Writes libxc's octets up to the next checkpoint or the end. */
static void save_step(libxl__egc *egc, libxl__ev_time *ev,
                      const struct timeval *requested_abs, int rc)
{
    inproc_save_helper *s = &inproc_save;
    size_t stop = s->len;
    ssize_t r;

    if (s->checkpoints_done < s->n_checkpoints)
        stop = s->checkpoint_at[s->checkpoints_done];

    while (sh.pos < stop) {
        r = __real_write(sh.dss->fd, s->data + sh.pos, stop - sh.pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            sh.retval = -1;
            sh.errnoval = r < 0 ? errno : EIO;
            schedule(sh.dss->ao, &sh.tick, save_finish);
            return;
        }
        sh.pos += r;
    }
    if (s->checkpoints_done < s->n_checkpoints) {
        libxl__stream_write_start_checkpoint(egc, &sh.dss->sws);
        return;
    }
    schedule(sh.dss->ao, &sh.tick, save_finish);
}

void inproc_save_checkpoint_done(libxl__egc *egc,
                                 libxl__stream_write_state *sws, int rc)
{
    inproc_save_helper *s = &inproc_save;

    s->last_checkpoint_rc = rc;
    if (rc) {
        /* libxc gives up the stream when libxl's part of it failed. */
        sh.retval = -1;
        sh.errnoval = 0;
        schedule(sh.dss->ao, &sh.tick, save_finish);
        return;
    }
    if (sh.state_pending) {
        sh.state_pending = false;
        s->states++;
    } else {
        s->checkpoints_done++;
        if (s->colo) {
            /* COLO: the primary tells the secondary where it stands. */
            libxl_sr_checkpoint_state srcs;

            srcs.id = INPROC_COLO_STATE_ID;
            sh.state_pending = true;
            libxl__stream_write_checkpoint_state(egc, sws, &srcs);
            return;
        }
    }
    schedule(sh.dss->ao, &sh.tick, save_step);
}

static void save_finish(libxl__egc *egc, libxl__ev_time *ev,
                        const struct timeval *requested_abs, int rc)
{
    sh.dss->sws.shs.child.pid = -1;
    libxl__xc_domain_save_done(egc, sh.dss, sh.abort_rc, sh.retval,
                               sh.errnoval);
}

/*
 * libxl gives up on the helper (the stream failed under it): the real
 * one is killed and reported as failed once it has exited.  Whatever
 * the fake was about to do next is replaced by that report.
 */
void __wrap_libxl__save_helper_abort(libxl__egc *egc,
                                     libxl__save_helper_state *shs);

void __wrap_libxl__save_helper_abort(libxl__egc *egc,
                                     libxl__save_helper_state *shs)
{
    if (rh.dcs && shs == &rh.dcs->srs.shs && shs->child.pid >= 0) {
        libxl__ao *ao = rh.dcs->ao;
        AO_GC;

        libxl__ev_time_deregister(gc, &rh.tick);
        rh.abort_rc = ERROR_FAIL;
        rh.state_pending = false;
        schedule(ao, &rh.tick, restore_finish);
    } else if (sh.dss && shs == &sh.dss->sws.shs && shs->child.pid >= 0) {
        libxl__ao *ao = sh.dss->ao;
        AO_GC;

        libxl__ev_time_deregister(gc, &sh.tick);
        sh.abort_rc = ERROR_FAIL;
        sh.state_pending = false;
        schedule(ao, &sh.tick, save_finish);
    }
}

/*
 * The reader arms the restore guardian when its stream starts; here we
 * count that instead of starting a process to guard a domain that does
 * not exist (and that would outlive a fuzzer's iteration).
 */
void __wrap_libxl__sr_restore_guard_arm(libxl__gc *gc,
                                        libxl__stream_read_state *srs);

void __wrap_libxl__sr_restore_guard_arm(libxl__gc *gc,
                                        libxl__stream_read_state *srs)
{
    inproc_restore_helper.guards_armed++;
    inproc_restore_helper.guard_domid = srs->dcs->guest_domid;
}

int __wrap_xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
                                 unsigned int max_domains,
                                 xc_domaininfo_t *info);

int __wrap_xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
                                 unsigned int max_domains,
                                 xc_domaininfo_t *info)
{
    memset(info, 0, sizeof(*info));
    info->domain = first_domain;
    info->tot_pages = inproc_save.mem_octets / XC_PAGE_SIZE;
    return 1;
}
