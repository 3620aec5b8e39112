/*
 * libxl_sr_restore_guard.c: a restore whose process dies takes its
 * half-restored domain with it.
 *
 * A domain being restored exists in Xen from the moment libxl makes it.
 * If the process restoring it is killed (SIGKILL, the OOM killer, a
 * crash of the daemon that called libxl), nothing in that process can
 * destroy it, and it stays behind, paused and unknown to whoever manages
 * the host.  So when the stream starts we arm a guardian that lives
 * outside this process: libxl-restore-guardian, holding one end of a
 * socket pair whose other end only we hold.  When the create operation
 * ends, however it ends (its failure path has destroyed the domain by
 * then), we send the guardian one octet and close our end, and it exits.
 * If our end closes without that octet, this process is gone: the
 * guardian destroys the domain, provided the domid still names the
 * domain with the uuid it was given.
 *
 * The guardian is not our child.  We fork an intermediate process that
 * starts a session of its own, forks the guardian and exits at once; we
 * reap the intermediate here, synchronously, before returning.  The
 * guardian is then a child of init, so:
 *
 *  - libxl has no child to track (an earlier guardian, forked with
 *    libxl__ev_child_fork, was still unreaped when an xl restore that
 *    failed at once freed its ctx, and libxl_ctx_free asserts that no
 *    child is left);
 *  - whatever the application does about SIGCHLD does not matter: the
 *    intermediate is reaped by pid, and with the ctx locked, so even
 *    libxl's own reaper (libxl_sigchld_owner_libxl, which waits for any
 *    child while it has children of its own) cannot take it first; if
 *    something else did, waitpid says ECHILD and that is fine;
 *  - a signal to the daemon's process group or session does not reach
 *    the guardian.
 *
 * Between fork and exec only async-signal-safe calls are made (the
 * caller may have threads: libvirtd does); everything else is prepared
 * before the first fork.  The guardian itself closes any other
 * descriptor it inherited.  It writes its pid into a close-on-exec
 * status pipe, and an errno there if the exec fails, so that we know,
 * before returning, whether the restore is guarded.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

#include <sys/socket.h>
#include <sys/wait.h>

/* The one octet that tells the guardian the create is over. */
#define GUARD_DONE 'D'

struct libxl__sr_restore_guard {
    libxl__carefd *sock;       /* our end of the pair */
    uint32_t domid;
    pid_t pid;                 /* the guardian's, for the log */
};

/*
 * The intermediate process: runs between fork and exit, so only
 * async-signal-safe calls.  Never returns.
 */
static void guard_intermediate(int theirs, int status_w,
                               const char *path, char *const args[])
{
    pid_t pid;
    int nullfd, e;

    if (setsid() < 0)
        _exit(1);
    pid = fork();
    if (pid)
        _exit(pid < 0 ? 1 : 0);

    /* The guardian. */
    pid = getpid();
    if (write(status_w, &pid, sizeof(pid)) != sizeof(pid))
        _exit(1);
    if (chdir("/") < 0)
        goto fail;
    nullfd = open("/dev/null", O_RDWR);
    if (nullfd < 0)
        goto fail;
    if (dup2(theirs, STDIN_FILENO) < 0 ||
        dup2(nullfd, STDOUT_FILENO) < 0)
        goto fail;
    execv(path, args);
 fail:
    e = errno;
    (void)!write(status_w, &e, sizeof(e));
    _exit(127);
}

/*
 * Reads what the guardian said on the status pipe: its pid, then
 * either end of file (it exec'd) or an errno.  Returns 0 if it runs.
 */
static int guard_started(libxl__gc *gc, int status_r, uint32_t domid,
                         const char *path, pid_t *pid_r)
{
    char buf[sizeof(pid_t) + sizeof(int)];
    size_t got = 0;
    ssize_t r;
    int e;

    for (;;) {
        r = read(status_r, buf + got, sizeof(buf) - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += r;
        if (got == sizeof(buf))
            break;
    }
    if (r < 0) {
        LOGED(WARN, domid, "restore guardian: reading its status");
        return ERROR_FAIL;
    }
    if (got < sizeof(pid_t)) {
        LOGD(WARN, domid, "restore guardian: it was not started");
        return ERROR_FAIL;
    }
    memcpy(pid_r, buf, sizeof(pid_t));
    if (got == sizeof(pid_t))
        return 0;
    if (got == sizeof(buf)) {
        memcpy(&e, buf + sizeof(pid_t), sizeof(e));
        LOGEVD(WARN, e, domid, "restore guardian: cannot execute %s", path);
    } else {
        LOGD(WARN, domid, "restore guardian: a short status from it");
    }
    return ERROR_FAIL;
}

/* Reaps the intermediate process, which exits at once. */
static int guard_reap_intermediate(libxl__gc *gc, pid_t pid, uint32_t domid)
{
    int status;
    pid_t r;

    for (;;) {
        r = waitpid(pid, &status, 0);
        if (r == pid)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ECHILD)
            return 0;          /* someone else reaped it: so be it */
        LOGED(WARN, domid, "restore guardian: waiting for [%ld]",
              (long)pid);
        return ERROR_FAIL;
    }
    if (status) {
        libxl_report_child_exitstatus(CTX, XTL_WARN,
                                      "restore guardian's parent",
                                      pid, status);
        return ERROR_FAIL;
    }
    return 0;
}

/*
 * Tells the guardian the create is over, and lets it go.  quiet: there
 * may well be no guardian to tell.
 */
static void guard_release(libxl__gc *gc, libxl__sr_restore_guard *g,
                          bool quiet)
{
    const char word = GUARD_DONE;
    ssize_t r;

    /* MSG_NOSIGNAL: a guardian that died must not take us with it. */
    r = send(libxl__carefd_fd(g->sock), &word, 1, MSG_NOSIGNAL);
    if (!quiet && r != 1)
        LOGED(WARN, g->domid, "restore guardian [%ld]: cannot tell it the"
              " create is over", (long)g->pid);
    else if (!quiet)
        LOGD(DEBUG, g->domid, "restore guardian [%ld] told the create is"
             " over", (long)g->pid);
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
    xc_domaininfo_t info;
    libxl_uuid uuid;
    char *args[4];
    int pair[2] = { -1, -1 }, status[2] = { -1, -1 };
    pid_t pid;
    int r, rc;

    if (srs->back_channel || srs->guard)
        return;

    r = xc_domain_getinfolist(CTX->xch, domid, 1, &info);
    if (r != 1 || info.domain != domid) {
        LOGED(WARN, domid, "restore guardian: cannot read the domain's"
              " uuid; the restore goes on unguarded");
        return;
    }
    memcpy(libxl_uuid_bytearray(&uuid), info.handle, sizeof(info.handle));
    args[0] = (char *)path;
    args[1] = GCSPRINTF("%u", domid);
    args[2] = GCSPRINTF(LIBXL_UUID_FMT, LIBXL_UUID_BYTES(uuid));
    args[3] = NULL;

    /*
     * Both made close-on-exec at once: a process another thread forks
     * meanwhile must not keep the guardian's pair open.
     */
    r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair);
    if (!r)
        r = pipe2(status, O_CLOEXEC);
    if (r) {
        LOGED(WARN, domid, "restore guardian: cannot make its pipes; the"
              " restore goes on unguarded");
        goto out;
    }

    pid = fork();
    if (pid < 0) {
        LOGED(WARN, domid, "restore guardian: cannot fork; the restore"
              " goes on unguarded");
        goto out;
    }
    if (!pid)
        guard_intermediate(pair[1], status[1], path, args);

    close(pair[1]);
    pair[1] = -1;
    close(status[1]);
    status[1] = -1;

    g = libxl__zalloc(NOGC, sizeof(*g));
    g->domid = domid;
    g->sock = libxl__carefd_opened(CTX, pair[0]);
    pair[0] = -1;

    rc = guard_reap_intermediate(gc, pid, domid);
    if (!rc)
        rc = guard_started(gc, status[0], domid, path, &g->pid);
    if (rc) {
        LOGD(WARN, domid, "the restore goes on unguarded: if this process"
             " dies before it ends, the domain is left behind");
        /* Should a guardian run after all, it must not act on our close. */
        guard_release(gc, g, true);
        goto out;
    }

    srs->guard = g;
    LOGD(DEBUG, domid, "restore guardian [%ld] armed: the domain is"
         " destroyed if this process dies before the create ends",
         (long)g->pid);

 out:
    if (pair[0] >= 0) close(pair[0]);
    if (pair[1] >= 0) close(pair[1]);
    if (status[0] >= 0) close(status[0]);
    if (status[1] >= 0) close(status[1]);
}

void libxl__sr_restore_guard_disarm(libxl__gc *gc,
                                    libxl__stream_read_state *srs)
{
    libxl__sr_restore_guard *g = srs->guard;

    if (!g)
        return;
    srs->guard = NULL;
    guard_release(gc, g, false);
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
