/*
 * libxl_sr_save_failure.c: a save that fails after it suspended the
 * guest puts the guest back.
 *
 * libxl_domain_suspend without LIBXL_SUSPEND_LIVE suspends the guest
 * before libxc sends its memory.  When the stream then fails (a full
 * disk, a broken pipe), the guest would stay suspended: xl resumes it
 * itself, libvirt 9.0 does not (virsh save, managedsave, and a
 * non-live virsh migrate whose Perform step fails, after which libvirt
 * calls no Confirm step).  For such a save our writer resumes the
 * guest (suspend cancelled; an HVM guest's device model continued too)
 * before the operation completes with the error it had.
 *
 * Live saves (migrations) and checkpointed ones (Remus, COLO) are left
 * to their callers, which decide what becomes of the guest: xl migrate
 * may keep it suspended when the receiver's fate is unknown, and a
 * resume of a guest that is already running fails (libxc refuses to
 * cancel a suspend that did not happen) and makes libvirt call the
 * guest paused.
 *
 * "This save suspended the guest" is known exactly: libxl's suspend
 * code tells us (libxl__sr_guest_suspended, patch 0008) within the
 * save's own ao, and the armed saves are looked up by that ao and the
 * domid.  A guest that was never suspended, or that another operation
 * suspended, is not touched.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/*
 * The saves that may need to resume their guest.  Several contexts
 * (and so several ctx locks) may save at once in one process, so the
 * list has a lock of its own; it is only held around list operations.
 */
static pthread_mutex_t armed_lock = PTHREAD_MUTEX_INITIALIZER;
static libxl__sr_save_failure *armed_saves;

static void resumed(libxl__egc *egc, libxl__dm_resume_state *dmrs, int rc);

void libxl__sr_save_failure_init(libxl__sr_save_failure *sf)
{
    sf->armed = false;
    sf->suspended = false;
    sf->rc = 0;
    sf->next_armed = NULL;
}

void libxl__sr_save_failure_arm(libxl__gc *gc, libxl__sr_save_failure *sf,
                                const libxl__domain_save_state *dss)
{
    libxl__sr_save_failure_init(sf);

    if (dss->live || dss->remus ||
        dss->checkpointed_stream != LIBXL_CHECKPOINTED_STREAM_NONE)
        return;

    LOGD(DEBUG, sf->domid, "a failure of this save will resume the guest");
    sf->armed = true;
    pthread_mutex_lock(&armed_lock);
    sf->next_armed = armed_saves;
    armed_saves = sf;
    pthread_mutex_unlock(&armed_lock);
}

static void disarm(libxl__sr_save_failure *sf)
{
    libxl__sr_save_failure **p;

    if (!sf->armed)
        return;

    pthread_mutex_lock(&armed_lock);
    for (p = &armed_saves; *p; p = &(*p)->next_armed) {
        if (*p == sf) {
            *p = sf->next_armed;
            break;
        }
    }
    pthread_mutex_unlock(&armed_lock);
    sf->next_armed = NULL;
    sf->armed = false;
}

/*
 * gc is the gc of the ao whose suspend operation saw the guest
 * suspended: an ao's gc is part of the ao, so it names the operation.
 */
void libxl__sr_save_failure_note_suspended(libxl__gc *gc, uint32_t domid)
{
    libxl__sr_save_failure *sf;

    pthread_mutex_lock(&armed_lock);
    for (sf = armed_saves; sf; sf = sf->next_armed) {
        if (&sf->ao->gc == gc && sf->domid == domid)
            sf->suspended = true;
    }
    pthread_mutex_unlock(&armed_lock);
}

void libxl__sr_save_failure_end(libxl__egc *egc, libxl__sr_save_failure *sf,
                                int rc)
{
    EGC_GC;
    const bool resume = rc && sf->armed && sf->suspended;

    disarm(sf);
    if (!resume) {
        sf->callback(egc, sf, rc);
        return;
    }

    LOGD(WARN, sf->domid, "the save failed after the guest was suspended:"
         " resuming the guest (a save that is not live puts its guest back;"
         " the caller still gets the error)");
    sf->rc = rc;
    sf->dmrs.ao = sf->ao;
    sf->dmrs.domid = sf->domid;
    sf->dmrs.callback = resumed;
    libxl__domain_resume(egc, &sf->dmrs, true);
}

static void resumed(libxl__egc *egc, libxl__dm_resume_state *dmrs, int rc)
{
    libxl__sr_save_failure *sf = CONTAINER_OF(dmrs, *sf, dmrs);
    EGC_GC;

    if (rc)
        LOGD(ERROR, sf->domid, "the guest could not be resumed after the"
             " failed save (libxl error %d): it is left suspended", rc);
    else
        LOGD(WARN, sf->domid, "the guest was resumed after the failed save"
             " and is running");
    sf->callback(egc, sf, sf->rc);
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
