/*
 * libxl_sr_restore_guard.c: a restore whose process dies takes its
 * half-restored domain with it.
 *
 * A domain being restored exists in Xen from the moment libxl makes it;
 * if the process restoring it is killed (SIGKILL, the OOM killer, a
 * crash of the daemon that called libxl), nothing in that process can
 * destroy it, and it stays behind, paused and unknown to whoever
 * manages the host.  So when the stream starts we arm a guardian that
 * lives outside this process: libxl-restore-guardian, exec'd the way
 * libxl-save-helper is (after fork in a threaded program only exec is
 * safe), holding one end of a socket pair whose other end only we
 * hold.  When the create operation ends, however it ends (the failure
 * path has destroyed the domain by then), we tell the guardian so and
 * it exits.  If our end closes without that word, this process has
 * gone: the guardian destroys the domain, after checking that the
 * domid still names the same domain (its uuid), in a libxl ctx of its
 * own, and logs what it did.
 *
 * Our end is a carefd (close-on-exec, closed by libxl_postfork_child_
 * noexec), so helpers and scripts libxl starts do not keep it open.
 *
 * The state is not in the ao's gc: the guardian is reaped after it has
 * read the word, which may be after the ao is gone.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

#include <sys/socket.h>

/* The one octet that tells the guardian the restore is over. */
#define GUARD_DISARM 'D'

struct libxl__sr_restore_guard {
    libxl__ev_child child;
    libxl__carefd *sock;       /* our end */
    uint32_t domid;
    bool disarmed;             /* the guardian may exit; free on reaping */
};

static void guard_exited(libxl__egc *egc, libxl__ev_child *child,
                         pid_t pid, int status);

static void guard_free(libxl__sr_restore_guard *g)
{
    if (g->sock)
        libxl__carefd_close(g->sock);
    free(g);
}

void libxl__sr_restore_guard_arm(libxl__gc *gc,
                                 libxl__stream_read_state *srs)
{
    const uint32_t domid = srs->dcs->guest_domid;
    const char *path = GCSPRINTF("%s/libxl-restore-guardian",
                                 libxl__private_bindir_path());
    libxl__sr_restore_guard *g = NULL;
    libxl__carefd *theirs = NULL;
    xc_domaininfo_t info;
    libxl_uuid uuid;
    const char *args[4];
    int fds[2];
    pid_t pid;
    int r;

    if (srs->back_channel || srs->guard)
        return;

    r = xc_domain_getinfolist(CTX->xch, domid, 1, &info);
    if (r != 1 || info.domain != domid) {
        LOGED(WARN, domid, "restore guardian: cannot read the domain's"
              " uuid; the restore goes on unguarded");
        return;
    }
    memcpy(libxl_uuid_bytearray(&uuid), info.handle, sizeof(info.handle));
    args[0] = path;
    args[1] = GCSPRINTF("%u", domid);
    args[2] = GCSPRINTF(LIBXL_UUID_FMT, LIBXL_UUID_BYTES(uuid));
    args[3] = NULL;

    g = libxl__zalloc(NOGC, sizeof(*g));
    libxl__ev_child_init(&g->child);
    g->domid = domid;

    libxl__carefd_begin();
    r = socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    if (!r) {
        g->sock = libxl__carefd_record(CTX, fds[0]);
        theirs = libxl__carefd_record(CTX, fds[1]);
    }
    libxl__carefd_unlock();
    if (r) {
        LOGED(WARN, domid, "restore guardian: socketpair failed; the"
              " restore goes on unguarded");
        goto fail;
    }

    pid = libxl__ev_child_fork(gc, &g->child, guard_exited);
    if (pid < 0) {
        LOGD(WARN, domid, "restore guardian: cannot fork; the restore"
             " goes on unguarded");
        goto fail;
    }
    if (!pid) {
        /* The child: the guardian's stdin is its end of the pair. */
        int nullfd = open("/dev/null", O_RDWR);

        libxl__exec(gc, libxl__carefd_fd(theirs), nullfd, -1,
                    args[0], (char **)args, NULL);
        /* not reached: libxl__exec exits when it cannot exec */
    }

    libxl__carefd_close(theirs);
    srs->guard = g;
    LOGD(DEBUG, domid, "restore guardian [%ld] armed: the domain is"
         " destroyed if this process dies before the restore ends",
         (long)pid);
    return;

 fail:
    if (theirs)
        libxl__carefd_close(theirs);
    guard_free(g);
}

void libxl__sr_restore_guard_disarm(libxl__gc *gc,
                                    libxl__stream_read_state *srs)
{
    libxl__sr_restore_guard *g = srs->guard;
    const char word = GUARD_DISARM;
    ssize_t r;

    if (!g)
        return;
    srs->guard = NULL;

    if (libxl__ev_child_inuse(&g->child)) {
        /* MSG_NOSIGNAL: a guardian that died must not kill us. */
        r = send(libxl__carefd_fd(g->sock), &word, 1, MSG_NOSIGNAL);
        if (r != 1)
            LOGED(WARN, g->domid, "restore guardian [%ld]: cannot tell it"
                  " the restore is over", (long)g->child.pid);
        else
            LOGD(DEBUG, g->domid, "restore guardian [%ld] disarmed",
                 (long)g->child.pid);
    }
    libxl__carefd_close(g->sock);
    g->sock = NULL;

    if (libxl__ev_child_inuse(&g->child))
        g->disarmed = true;       /* guard_exited frees it */
    else
        guard_free(g);
}

static void guard_exited(libxl__egc *egc, libxl__ev_child *child,
                         pid_t pid, int status)
{
    libxl__sr_restore_guard *g = CONTAINER_OF(child, *g, child);
    EGC_GC;

    if (g->disarmed) {
        if (status)
            libxl_report_child_exitstatus(CTX, XTL_WARN,
                                          "restore guardian (disarmed)",
                                          pid, status);
        guard_free(g);
        return;
    }

    /*
     * Still armed: the restore is running and now unguarded.  g stays
     * with the stream until disarm frees it.
     */
    libxl_report_child_exitstatus(CTX, XTL_WARN, "restore guardian",
                                  pid, status);
    LOGD(WARN, g->domid, "the restore is no longer guarded: if this"
         " process dies before it ends, the domain is left behind");
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
