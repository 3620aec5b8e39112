/*
 * libxl-restore-guardian: destroys a half-restored domain whose
 * restoring process died.
 *
 *   libxl-restore-guardian DOMID UUID
 *
 * Started by libxl (libxl_sr_restore_guard.c) when a restore stream
 * starts, with stdin one end of a socket pair whose other end only the
 * restoring process holds.  One octet on it: the create is over (the
 * domain is complete, or libxl's failure path has destroyed it), and
 * we exit.  End of file without it: the restoring process is gone, and
 * nothing there will clean up; we destroy domain DOMID, provided it is
 * still the domain with UUID (a domid can be reused), with a full
 * libxl_domain_destroy in a libxl ctx of our own.  What we did goes to
 * syslog (daemon facility) and to stderr.
 *
 * libxl starts us in a session of our own and not as its child (we are
 * init's), so that a signal to the restoring process's group or session
 * does not reach us and libxl has no child of ours to track.  We inherit
 * whatever descriptors and signal mask the restoring process had (a
 * daemon's sockets, a worker thread's blocked signals): we close the
 * one and clear the other first.  We never outlive our purpose: we exit
 * when told, or after acting.
 *
 * Exit status: 0 disarmed, or nothing left to do; 1 the domain could
 * not be destroyed; 2 bad usage.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>

static uint32_t domid;
static const char *uuid_text;
static libxl_uuid uuid;

static void say(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(int priority, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    syslog(priority, "domain %u (%s): %s", domid, uuid_text, msg);
    fprintf(stderr, "libxl-restore-guardian: domain %u (%s): %s\n",
            domid, uuid_text, msg);
}

/* Returns 0 when told the create is over, 1 when the other end closed. */
static int wait_for_word(void)
{
    char word;
    ssize_t r;

    for (;;) {
        r = read(STDIN_FILENO, &word, 1);
        if (r > 0)
            return 0;
        if (r == 0)
            return 1;
        if (errno == EINTR)
            continue;
        /* Not a socket we can read: we cannot tell, so we do nothing. */
        say(LOG_ERR, "cannot read from the restoring process (%s);"
            " not guarding", strerror(errno));
        return 0;
    }
}

static int destroy_if_same(void)
{
    xentoollog_logger_stdiostream *logger;
    libxl_ctx *ctx = NULL;
    libxl_dominfo info;
    int rc, ret = 1;

    libxl_dominfo_init(&info);

    logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!logger) {
        say(LOG_ERR, "cannot create a logger; the domain is left behind");
        goto out;
    }
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                         (xentoollog_logger *)logger);
    if (rc) {
        say(LOG_ERR, "cannot open libxl (error %d); the domain is left"
            " behind", rc);
        goto out;
    }

    rc = libxl_domain_info(ctx, &info, domid);
    if (rc == ERROR_DOMAIN_NOTFOUND) {
        say(LOG_INFO, "the restoring process is gone and so is the domain;"
            " nothing to do");
        ret = 0;
        goto out;
    }
    if (rc) {
        say(LOG_ERR, "cannot look the domain up (libxl error %d); it may"
            " be left behind", rc);
        goto out;
    }
    if (libxl_uuid_compare(&info.uuid, &uuid)) {
        say(LOG_WARNING, "the restoring process is gone, but domid %u now"
            " belongs to another domain (" LIBXL_UUID_FMT "); left alone",
            domid, LIBXL_UUID_BYTES(info.uuid));
        ret = 0;
        goto out;
    }

    say(LOG_WARNING, "the process restoring this domain died before the"
        " restore ended: destroying the half-restored domain");
    rc = libxl_domain_destroy(ctx, domid, NULL);
    if (rc) {
        say(LOG_ERR, "destroying it failed (libxl error %d); it is left"
            " behind", rc);
        goto out;
    }
    say(LOG_WARNING, "destroyed");
    ret = 0;

 out:
    libxl_dominfo_dispose(&info);
    if (ctx)
        libxl_ctx_free(ctx);
    if (logger)
        xtl_logger_destroy((xentoollog_logger *)logger);
    return ret;
}

/*
 * Keeps stdin, stdout and stderr and nothing else of what the restoring
 * process left us: holding its sockets open would keep its peers (a
 * migration's sender, a daemon's clients) from seeing it gone.
 */
static void shed_inheritance(void)
{
    static const int defaults[] = { SIGHUP, SIGINT, SIGTERM, SIGCHLD };
    sigset_t none;
    size_t i;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        signal(defaults[i], SIG_DFL);
    /* Our stderr may be a pipe whose reader died with the restorer. */
    signal(SIGPIPE, SIG_IGN);

    /* glibc 2.34 and the BSDs have it; no loop over a huge fd limit. */
    closefrom(STDERR_FILENO + 1);
}

int main(int argc, char **argv)
{
    char *end;
    unsigned long v;

    if (argc != 3) {
        fprintf(stderr, "usage: libxl-restore-guardian DOMID UUID"
                " (started by libxl, stdin from the restoring process)\n");
        return 2;
    }
    errno = 0;
    v = strtoul(argv[1], &end, 10);
    if (errno || end == argv[1] || *end || v >= UINT32_MAX) {
        fprintf(stderr, "libxl-restore-guardian: bad domid '%s'\n", argv[1]);
        return 2;
    }
    domid = v;
    uuid_text = argv[2];
    if (libxl_uuid_from_string(&uuid, uuid_text)) {
        fprintf(stderr, "libxl-restore-guardian: bad uuid '%s'\n", uuid_text);
        return 2;
    }

    shed_inheritance();
    openlog("libxl-restore-guardian", LOG_PID, LOG_DAEMON);

    if (!wait_for_word())
        return 0;
    return destroy_if_same();
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
