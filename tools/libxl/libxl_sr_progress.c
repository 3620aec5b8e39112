/*
 * libxl_sr_progress.c: tells libxl's user how far a migration stream has
 * got, through the user's logger (see LIBXL_SR_PROGRESS_CONTEXT in
 * libxl_sr_internal.h for what is reported).
 *
 * An operator watching `xl migrate' wants the octets moved, the rate and
 * what is left; a downtime figure needs the moment the guest stopped.
 * The stream writer and reader know the first, libxl's suspend code the
 * second; both are passed on here in one documented form, so that any
 * libxl user (xl, libvirt) can render them.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/* Often enough for a line that updates in place; the user may thin it. */
#define SR_PROGRESS_MS 500

static void progress_tick(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc);

static void progress_report(libxl__gc *gc, const char *doing_what,
                            uint64_t done, uint64_t total)
{
    /* xtl_progress counts in unsigned long. */
    if (done > ULONG_MAX) done = ULONG_MAX;
    if (total > ULONG_MAX) total = ULONG_MAX;
    xtl_progress(CTX->lg, LIBXL_SR_PROGRESS_CONTEXT, doing_what,
                 done, total);
}

void libxl__sr_progress_init(libxl__sr_progress *pr)
{
    libxl__ev_time_init(&pr->tick);
    pr->expected = 0;
    pr->running = false;
}

void libxl__sr_progress_start(libxl__gc *gc, libxl__sr_progress *pr,
                              uint64_t expected)
{
    int rc;

    libxl__sr_progress_init(pr);
    pr->expected = expected;
    pr->running = true;
    progress_report(gc, pr->sending ? "sending" : "receiving", 0, expected);

    rc = libxl__ev_time_register_rel(pr->ao, &pr->tick, progress_tick,
                                     SR_PROGRESS_MS);
    if (rc)
        LOG(WARN, "migration stream: cannot start progress reports");
}

static void progress_tick(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc)
{
    libxl__sr_progress *pr = CONTAINER_OF(ev, *pr, tick);
    STATE_AO_GC(pr->ao);
    uint64_t octets;

    libxl__ev_time_deregister(gc, &pr->tick);
    if (rc != ERROR_TIMEDOUT)
        return;      /* the operation is being aborted */

    /* A count that cannot be had just now is left for the next tick. */
    if (!pr->count(pr, &octets))
        progress_report(gc, pr->sending ? "sending" : "receiving", octets,
                        pr->expected);

    rc = libxl__ev_time_register_rel(pr->ao, &pr->tick, progress_tick,
                                     SR_PROGRESS_MS);
    if (rc)
        LOG(WARN, "migration stream: cannot rearm progress reports");
}

void libxl__sr_progress_stop(libxl__gc *gc, libxl__sr_progress *pr,
                             bool ok)
{
    uint64_t octets;

    if (!pr->running)
        return;
    libxl__ev_time_deregister(gc, &pr->tick);
    pr->running = false;
    if (ok && !pr->count(pr, &octets))
        progress_report(gc, pr->sending ? "sent" : "received", octets,
                        octets);
}

void libxl__sr_guest_suspended(libxl__gc *gc, uint32_t domid)
{
    LOGD(DEBUG, domid, "migration stream: guest suspended");
    progress_report(gc, "suspended", 0, 0);
    libxl__sr_save_failure_note_suspended(gc, domid);
}

/*
 * The helper has told us it is complete; its process is still there, and
 * /proc shows what it moved.  Once it has exited, nothing does.
 */
void libxl__sr_helper_completing(libxl__gc *gc,
                                 libxl__save_helper_state *shs)
{
    const bool saving = shs->completion_callback ==
                        libxl__xc_domain_save_done;
    uint64_t octets;

    if (!libxl__ev_child_inuse(&shs->child))
        return;
    if (libxl__sr_os_io_count(gc, shs->child.pid, saving, &octets))
        return;  /* the last sample stands */

    if (saving) {
        libxl__stream_write_state *sws = CONTAINER_OF(shs, *sws, shs);
        sws->helper_octets = octets;
    } else {
        libxl__stream_read_state *srs = CONTAINER_OF(shs, *srs, shs);
        srs->helper_octets = octets;
    }
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
