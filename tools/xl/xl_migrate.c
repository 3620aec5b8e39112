/*
 * xl migrate, xl migrate-receive and xl remus (xenstream drop-in for
 * Xen 4.17's tools/xl).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 *
 * The wire protocol is stock xl's, byte for byte, so either end may be a
 * stock xl:
 *
 *   receiver -> sender   banner (migrate_receiver_banner, without NUL)
 *   sender   -> receiver xl save-file header + config, then libxl's stream
 *   receiver -> sender   migrate_receiver_ready (with NUL)
 *   sender   -> receiver migrate_permission_to_go ("GO", with NUL)
 *   receiver -> sender   migrate_report (with NUL) and one status octet
 *   receiver -> sender   on a non-zero status, after destroying its copy:
 *                        migrate_permission_to_go
 *
 * What differs from the xl this file replaces:
 *
 *  - Every handshake read and write that xl does itself has a deadline,
 *    so a stalled peer or transport ends the migration with a message
 *    instead of hanging it.  (The libxl stream is libxl's business.)
 *  - The sender says "state undefined" only where it is: after GO was
 *    written and no report came back.  Until GO is written the receiver
 *    cannot start its copy (it waits for GO and destroys its copy
 *    otherwise), so any earlier failure, including failing to write GO,
 *    ends with the domain resumed here under its own name.
 *  - "xl migrate -z" compresses the libxl stream with zstd (header flag
 *    XL_MANDATORY_FLAG_ZSTD, see xl_zstd.h) and starts the receiver with
 *    "migrate-receive --zstd": a stock receiver rejects the option and
 *    exits before its banner, so nothing is sent and the domain stays.
 *  - "xl migrate --data-port PORT" sends xl's header and libxl's stream
 *    over a direct TCP connection, TLS with a one-time pre-shared key
 *    that goes over ssh (xl_transport.h); ssh carries the rest.  The
 *    receiver is started with "migrate-receive --data-port PORT", which a
 *    stock receiver refuses before its banner, as for -z.
 *  - The receiver destroys its half-built copy on every failure before
 *    GO, including a failure to talk back to the sender, and when it is
 *    told to stop (SIGTERM, SIGINT, SIGHUP) while receiving: the libxl
 *    restore is aborted and the domain removed.
 */

#include <libxl.h>
#include <libxl_utils.h>
#include <libxlutil.h>
#include "xl.h"
#include "xl_utils.h"
#include "xl_parse.h"
#include "xl_progress.h"
#include "xl_transport.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdlib.h>

#ifndef LIBXL_HAVE_NO_SUSPEND_RESUME

/* Distinctive, so that a build check can tell our xl from upstream's. */
static const char xs_xl_migrate_id[] __attribute__((used)) =
    "xenstream xl migrate drop-in";

/* ---- deadlines ---- */

/*
 * Seconds allowed for each wait xl itself does.  The banner covers ssh
 * connecting (and perhaps asking for a password) and xl starting there;
 * "ready" covers the receiver finishing its restore after the last byte
 * of the stream; the rest are answers the peer gives at once.
 * XL_MIGRATE_TIMEOUT=<seconds> in the environment replaces all of them
 * (for tests, or for very slow links).
 */
#define WAIT_BANNER_S   300
#define WAIT_READY_S    120
#define WAIT_ANSWER_S    60
#define WAIT_WRITE_S     60

static int wait_secs(int dflt)
{
    const char *env = getenv("XL_MIGRATE_TIMEOUT");
    char *end;
    long v;

    if (!env || !*env)
        return dflt;
    v = strtol(env, &end, 10);
    if (*end || v <= 0 || v > 86400)
        return dflt;
    return v;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- bounded I/O on the handshake channel ---- */

typedef enum {
    HS_OK,
    HS_EOF,           /* the peer closed its end */
    HS_TIMEOUT,
    HS_IOERR,         /* errno in *err */
    HS_GARBLED,       /* bytes arrived, but not the expected message */
    HS_STOPPED,       /* we were told to stop (receiver's signal pipe) */
} hs_status;

static const char *hs_describe(hs_status st, int err, int secs)
{
    static char buf[128];

    switch (st) {
    case HS_OK:      return "ok";
    case HS_EOF:     return "the other end closed the connection";
    case HS_TIMEOUT:
        snprintf(buf, sizeof(buf), "no answer within %d s", secs);
        return buf;
    case HS_IOERR:   return strerror(err);
    case HS_GARBLED: return "unexpected data instead of the protocol message";
    case HS_STOPPED: return "interrupted by a signal";
    }
    return "?";
}

/*
 * Wait until fd is ready for `events` or the deadline passes; stop_fd
 * (if >= 0) becoming readable ends the wait early.
 */
static hs_status hs_wait(int fd, short events, int64_t deadline,
                         int stop_fd, int *err)
{
    struct pollfd p[2];
    int n = 1, r;

    for (;;) {
        int64_t left = deadline - now_ms();

        if (left <= 0)
            return HS_TIMEOUT;
        p[0].fd = fd;
        p[0].events = events;
        p[0].revents = 0;
        if (stop_fd >= 0) {
            p[1].fd = stop_fd;
            p[1].events = POLLIN;
            p[1].revents = 0;
            n = 2;
        }
        r = poll(p, n, left > 1000 ? 1000 : (int)left);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *err = errno;
            return HS_IOERR;
        }
        if (n == 2 && p[1].revents)
            return HS_STOPPED;
        if (p[0].revents)
            return HS_OK;   /* ready, or an error the next syscall reports */
    }
}

static hs_status hs_read(int fd, void *buf, size_t len, int secs,
                         int stop_fd, int *err)
{
    int64_t deadline = now_ms() + (int64_t)secs * 1000;
    size_t got = 0;

    while (got < len) {
        hs_status st = hs_wait(fd, POLLIN, deadline, stop_fd, err);
        ssize_t n;

        if (st != HS_OK)
            return st;
        n = read(fd, (char *)buf + got, len - got);
        if (n == 0)
            return HS_EOF;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            *err = errno;
            return HS_IOERR;
        }
        got += n;
    }
    return HS_OK;
}

static hs_status hs_expect(int fd, const char *msg, size_t len, int secs,
                           int stop_fd, int *err)
{
    char *buf = xmalloc(len);
    hs_status st = hs_read(fd, buf, len, secs, stop_fd, err);

    if (st == HS_OK && memcmp(buf, msg, len))
        st = HS_GARBLED;
    free(buf);
    return st;
}

static hs_status hs_write(int fd, const void *buf, size_t len, int secs,
                          int *err)
{
    int64_t deadline = now_ms() + (int64_t)secs * 1000;
    size_t put = 0;

    while (put < len) {
        hs_status st = hs_wait(fd, POLLOUT, deadline, -1, err);
        ssize_t n;

        if (st != HS_OK)
            return st;
        n = write(fd, (const char *)buf + put, len - put);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            *err = errno;
            return errno == EPIPE ? HS_EOF : HS_IOERR;
        }
        put += n;
    }
    return HS_OK;
}

/* ---- the transport: `sh -c RUNE` on a pair of pipes ---- */

typedef struct {
    const char *rune;
    int to_peer;        /* its stdin */
    int from_peer;      /* its stdout */
} transport;

/* xl migrate --data-port: the stream on a connection of its own. */
typedef struct {
    const char *port;       /* NULL: the stream goes through ssh */
    const char *address;    /* where to connect (default: the host) */
    bool trusted;           /* authenticate, but do not encrypt */
    bool open;
    xlt_session s;
    xlt_thread pump;
} data_channel;

static void transport_start(transport *tp, const char *rune)
{
    int down[2], up[2];
    pid_t pid;

    tp->rune = rune;
    MUST( libxl_pipe(ctx, down) );
    MUST( libxl_pipe(ctx, up) );

    pid = xl_fork(child_migration, "migration transport process");
    if (pid == 0) {
        if (dup2(down[0], STDIN_FILENO) < 0 || dup2(up[1], STDOUT_FILENO) < 0) {
            perror("xl migrate: transport: dup2");
            _exit(127);
        }
        close(down[0]); close(down[1]);
        close(up[0]); close(up[1]);
        execl("/bin/sh", "sh", "-c", rune, (char *)NULL);
        perror("xl migrate: cannot run /bin/sh for the transport");
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    tp->to_peer = down[1];
    tp->from_peer = up[0];

    /* A receiver that dies shows up as EPIPE on the stream, not a kill. */
    signal(SIGPIPE, SIG_IGN);
}

/*
 * Close our sending end (the peer sees EOF) and give the transport a few
 * seconds to exit, reporting a non-zero status.  Does not wait forever:
 * an ssh that is still there after that is sent SIGTERM, and then left.
 */
static void transport_finish(transport *tp)
{
    int64_t deadline = now_ms() + 3000;
    pid_t pid = xl_child_pid(child_migration);
    int status, termed = 0;

    if (tp->to_peer >= 0) {
        close(tp->to_peer);
        tp->to_peer = -1;
    }
    if (!pid)
        return;
    for (;;) {
        pid_t got = xl_waitpid(child_migration, &status, WNOHANG);

        if (got == pid) {
            if (status)
                xl_report_child_exitstatus(XTL_INFO, child_migration,
                                           pid, status);
            return;
        }
        if (got < 0) {
            fprintf(stderr, "xl migrate: waiting for the transport [%ld]: %s\n",
                    (long)pid, strerror(errno));
            return;
        }
        if (now_ms() > deadline) {
            if (termed) {
                fprintf(stderr, "xl migrate: the transport [%ld] has not"
                        " exited; not waiting for it\n", (long)pid);
                return;
            }
            fprintf(stderr, "xl migrate: the transport [%ld] has not exited"
                    " after 3 s; stopping it\n", (long)pid);
            kill(pid, SIGTERM);
            termed = 1;
            deadline = now_ms() + 1000;
        }
        usleep(20000);
    }
}

static int sender_data_open(transport *tp, data_channel *dc,
                            const char *host);

/*
 * What the two senders (migrate, remus) do before the stream: wait for
 * the receiver's banner, then (--data-port) open the data connection,
 * then send xl's header with the configuration on it or on the channel.
 * On failure nothing has happened to the domain: exit.
 */
static void sender_preamble(transport *tp, const uint8_t *config,
                            int config_len, uint32_t extra_flags,
                            data_channel *dc, const char *host)
{
    int err = 0, secs = wait_secs(WAIT_BANNER_S), header_fd = tp->to_peer;
    hs_status st;

    st = hs_expect(tp->from_peer, migrate_receiver_banner,
                   sizeof(migrate_receiver_banner) - 1, secs, -1, &err);
    if (st != HS_OK) {
        fprintf(stderr, "xl migrate: the receiver did not start: no banner"
                " from it (%s)\n(command run was: %s )\n",
                hs_describe(st, err, secs), tp->rune);
        if (extra_flags & XL_MANDATORY_FLAG_ZSTD)
            fprintf(stderr, "xl migrate: -z was given: the receiving xl must"
                    " support zstd (migrate-receive --zstd); a stock xl"
                    " refuses the option.\n");
        if (dc && dc->port)
            fprintf(stderr, "xl migrate: --data-port was given: the"
                    " receiving xl must support it (migrate-receive"
                    " --data-port); a stock xl refuses the option.\n");
        transport_finish(tp);
        fprintf(stderr, "Migration failed; the domain was not touched.\n");
        exit(EXIT_FAILURE);
    }
    if (dc && dc->port) {
        if (sender_data_open(tp, dc, host)) {
            transport_finish(tp);
            fprintf(stderr, "Migration failed; the domain was not"
                    " touched.\n");
            exit(EXIT_FAILURE);
        }
        header_fd = dc->pump.pipe_fd;
    }
    save_domain_core_writeconfig_flags(header_fd, "migration stream",
                                       config, config_len, extra_flags);
}

/*
 * The data connection: a fresh key to the receiver over ssh, then the
 * connection to its port, authenticated by that key, and the thread that
 * moves the stream onto it.  0, or -1 (message printed).
 */
static int sender_data_open(transport *tp, data_channel *dc,
                            const char *host)
{
    unsigned char key[XLT_KEY_LEN];
    const char *addr = dc->address;
    char *h = NULL;
    int err = 0, secs = wait_secs(WAIT_ANSWER_S), rc = -1;
    hs_status st;

    if (!addr) {
        /* ssh's [user@]host: the host part. */
        const char *at = strrchr(host, '@');

        addr = h = xstrdup(at ? at + 1 : host);
    }
    if (xlt_make_key(key)) {
        fprintf(stderr, "xl migrate: no randomness for the data"
                " connection's key\n");
        goto out;
    }
    st = hs_write(tp->to_peer, XLT_KEY_INTRO, sizeof(XLT_KEY_INTRO), secs,
                  &err);
    if (st == HS_OK)
        st = hs_write(tp->to_peer, key, sizeof(key), secs, &err);
    if (st != HS_OK) {
        fprintf(stderr, "xl migrate: cannot send the data connection's key"
                " to the receiver: %s\n", hs_describe(st, err, secs));
        goto out;
    }
    if (xlt_connect(&dc->s, addr, dc->port, key, dc->trusted, secs)) {
        fprintf(stderr, "xl migrate: %s\n", dc->s.err);
        goto out;
    }
    if (xlt_thread_start(&dc->pump, &dc->s, true)) {
        fprintf(stderr, "xl migrate: %s\n", dc->s.err);
        xlt_dispose(&dc->s);
        goto out;
    }
    dc->open = true;
    fprintf(stderr, "migration sender: data connection to %s port %s (%s%s)"
            "\n", dc->s.peer, dc->port, dc->s.cipher,
            dc->trusted ? ", not encrypted: --data-trusted" : "");
    rc = 0;
 out:
    memset(key, 0, sizeof(key));
    free(h);
    return rc;
}

/*
 * The end of the stream on the data connection: TLS's close, sent once
 * the pump has everything.  With failed (libxl failed) the pump is just
 * stopped.  0, or -1 (message in dc->s.err).
 */
static int data_close(data_channel *dc, bool failed)
{
    int rc;

    if (!dc->open)
        return 0;
    rc = xlt_thread_stop(&dc->pump, failed, wait_secs(WAIT_READY_S));
    xlt_dispose(&dc->s);
    dc->open = false;
    return rc;
}

/* ---- the sender's domain ---- */

/*
 * Put the domain back to running at this end.  A live migration that
 * failed may or may not have got as far as suspending it: resume only a
 * suspended domain.  Returns 0 if it is running afterwards.
 */
static int sender_take_back(uint32_t domid)
{
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(ctx, &info, domid);
    if (rc) {
        fprintf(stderr, "migration sender: domain %u has gone\n", domid);
        goto out;
    }
    if (!info.shutdown) {
        if (info.paused)
            rc = libxl_domain_unpause(ctx, domid, NULL);
        goto out;
    }
    if (info.shutdown_reason != LIBXL_SHUTDOWN_REASON_SUSPEND) {
        fprintf(stderr, "migration sender: domain %u shut down (reason %d)"
                " during the migration\n", domid, info.shutdown_reason);
        rc = ERROR_FAIL;
        goto out;
    }
    rc = libxl_domain_resume(ctx, domid, 1, NULL);
 out:
    libxl_dominfo_dispose(&info);
    return rc;
}

typedef struct {
    uint32_t domid;
    const char *host;       /* for messages */
    transport tp;
    char *away_name;        /* set once renamed away */
    data_channel data;
} migration;

static void sender_renamed_back(migration *m)
{
    if (!m->away_name)
        return;
    if (libxl_domain_rename(ctx, m->domid, m->away_name, common_domname))
        fprintf(stderr, "migration sender: could not rename %s back to %s\n",
                m->away_name, common_domname);
    free(m->away_name);
    m->away_name = NULL;
}

/* A failure that leaves the domain ours: take it back, say so, exit. */
static void __attribute__((noreturn))
sender_fail_resume(migration *m, const char *what)
{
    data_close(&m->data, true);
    transport_finish(&m->tp);
    sender_renamed_back(m);
    fprintf(stderr, "migration sender: %s\n", what);
    if (sender_take_back(m->domid) == 0)
        fprintf(stderr, "Migration failed; the domain is running here"
                " (the receiver was never allowed to start its copy).\n");
    else
        fprintf(stderr, "Migration failed, and resuming the domain here"
                " failed too; the receiver was never allowed to start its"
                " copy, so this is the only one: see the messages above.\n");
    exit(EXIT_FAILURE);
}

/* GO was written and the outcome is unknown: say exactly what to check. */
static void __attribute__((noreturn))
sender_fail_unknown(migration *m, const char *what)
{
    const char *name = common_domname ? common_domname : "<domain>";
    const char *away = m->away_name ? m->away_name : name;

    fprintf(stderr,
"** Migration failed after the receiver was given permission to start. **\n"
"Cause: %s.\n"
"Whether the domain is running on %s is not known here.  The copy here\n"
"is suspended and kept, under the name %s (domid %u); it will not run.\n"
"Check on %s with 'xl list':\n"
"  - %s there and running: the migration worked; remove the copy here with\n"
"      xl destroy %s\n"
"  - %s--incoming there (paused), or no such domain: the copy there never\n"
"    ran; destroy what is left there.  The copy here holds the guest's\n"
"    state; bring it back with\n"
"      xl save %s FILE && xl restore FILE && xl rename %s %s\n"
"    (the save first waits about a minute for the guest to acknowledge a\n"
"    suspend it has already done; that is expected).\n"
"Never let both copies run.\n",
            what, m->host, away, m->domid, m->host, name, away, name,
            away, away, name);
    transport_finish(&m->tp);
    exit(EXIT_FAILURE);
}

/* suspend_flags: LIBXL_SUSPEND_* to add to LIBXL_SUSPEND_LIVE. */
static void migrate_domain(uint32_t domid, int preserve_domid,
                           const char *rune, const char *host,
                           int suspend_flags, int zstd,
                           const data_channel *data,
                           const char *override_config_file,
                           int quiet, const char *stats)
{
    migration m = { .domid = domid, .host = host, .data = *data };
    xlp_totals totals;
    int64_t done_ms;
    uint8_t *config = NULL;
    int config_len = 0, rc, err = 0, secs, stream_fd;
    hs_status st;
    char status, msg[256];

    save_domain_core_begin(domid, preserve_domid, override_config_file,
                           &config, &config_len);
    if (!config_len) {
        fprintf(stderr, "xl migrate: domain %u has no stored configuration"
                " and none was given with -C; cannot migrate.\n", domid);
        exit(EXIT_FAILURE);
    }

    transport_start(&m.tp, rune);
    sender_preamble(&m.tp, config, config_len,
                    zstd ? XL_MANDATORY_FLAG_ZSTD : 0, &m.data, host);
    free(config);

    stream_fd = m.data.open ? m.data.pump.pipe_fd : m.tp.to_peer;
    if (zstd) {
        /* Level adapts to the link: see xl_zstd.c. */
        stream_fd = save_zstd_begin(stream_fd, 1);
        if (stream_fd < 0)
            sender_fail_resume(&m, "cannot start compressing");
    }

    xtl_stdiostream_adjust_flags(logger, XTL_STDIOSTREAM_HIDE_PROGRESS, 0);
    xl_progress_begin("xl migrate", xl_progress_mode(quiet,
                                                     progress_use_cr));
    rc = libxl_domain_suspend(ctx, domid, stream_fd,
                              LIBXL_SUSPEND_LIVE | suspend_flags, NULL);
    if (zstd && save_zstd_end("migration stream", rc) && !rc)
        rc = ERROR_FAIL;
    if (m.data.open && (data_close(&m.data, rc != 0) || rc) &&
        m.data.s.err[0]) {
        /* The connection's failure may be the cause of libxl's. */
        fprintf(stderr, "xl migrate: data connection: %s\n", m.data.s.err);
        rc = rc ? rc : ERROR_FAIL;
    }
    xl_progress_end(&totals, "migrate");
    if (rc) {
        const char *why = xl_progress_first_error();

        snprintf(msg, sizeof(msg), "sending the domain failed: %s (libxl"
                 " error %d)", why ? why : "see the messages above", rc);
        sender_fail_resume(&m, msg);
    }

    secs = wait_secs(WAIT_READY_S);
    st = hs_expect(m.tp.from_peer, migrate_receiver_ready,
                   sizeof(migrate_receiver_ready), secs, -1, &err);
    if (st != HS_OK) {
        snprintf(msg, sizeof(msg), "the receiver did not confirm it has the"
                 " domain: %s", hs_describe(st, err, secs));
        sender_fail_resume(&m, msg);
    }
    xtl_stdiostream_adjust_flags(logger, 0, XTL_STDIOSTREAM_HIDE_PROGRESS);
    fprintf(stderr, "migration sender: Target has acknowledged transfer.\n");

    /* Free the name for the receiver's copy before it may take it. */
    if (common_domname) {
        char *away;

        xasprintf(&away, "%s--migratedaway", common_domname);
        if (libxl_domain_rename(ctx, domid, common_domname, away)) {
            free(away);
            sender_fail_resume(&m, "renaming the domain away failed");
        }
        m.away_name = away;
    }

    fprintf(stderr, "migration sender: Giving target permission to start.\n");
    secs = wait_secs(WAIT_WRITE_S);
    st = hs_write(m.tp.to_peer, migrate_permission_to_go,
                  sizeof(migrate_permission_to_go), secs, &err);
    if (st != HS_OK) {
        /*
         * The receiver starts only on a complete GO.  We close our end
         * without having written all of it, so it never will.
         */
        snprintf(msg, sizeof(msg), "permission to start could not be sent"
                 " (%s)", hs_describe(st, err, secs));
        sender_fail_resume(&m, msg);
    }

    secs = wait_secs(WAIT_ANSWER_S);
    st = hs_expect(m.tp.from_peer, migrate_report, sizeof(migrate_report),
                   secs, -1, &err);
    if (st == HS_OK)
        st = hs_read(m.tp.from_peer, &status, 1, secs, -1, &err);
    if (st != HS_OK) {
        snprintf(msg, sizeof(msg), "no report from the receiver after"
                 " permission to start was sent (%s)",
                 hs_describe(st, err, secs));
        sender_fail_unknown(&m, msg);
    }

    if (status) {
        fprintf(stderr, "migration sender: Target reports startup failure"
                " (status code %d).\n", status);
        /* It sends GO back once its copy is destroyed. */
        st = hs_expect(m.tp.from_peer, migrate_permission_to_go,
                       sizeof(migrate_permission_to_go), secs, -1, &err);
        if (st != HS_OK) {
            snprintf(msg, sizeof(msg), "the receiver failed to start its"
                     " copy but did not confirm it destroyed it (%s)",
                     hs_describe(st, err, secs));
            sender_fail_unknown(&m, msg);
        }
        sender_fail_resume(&m, "the receiver could not start the domain and"
                           " has destroyed its copy");
    }

    /*
     * The receiver reports after it unpaused the domain: the guest's
     * pause ends here, one message later than there.
     */
    done_ms = xl_progress_now_ms();
    totals.downtime_ms = xlp_paused_for(&totals, done_ms);
    totals.total_ms = done_ms - totals.start_ms;
    fprintf(stderr, "migration sender: Target reports successful startup.\n");
    libxl_domain_destroy(ctx, domid, NULL);
    transport_finish(&m.tp);
    free(m.away_name);
    rc = xl_progress_report(&totals, quiet, stats);
    fprintf(stderr, "Migration successful.\n");
    exit(rc ? EXIT_FAILURE : EXIT_SUCCESS);
}

/* ---- the receiver ---- */

/*
 * Stopping the receiver (SIGTERM, SIGINT, SIGHUP) while it holds a
 * half-built domain must not leave that domain behind.  The signals are
 * blocked and a thread takes them: while libxl is restoring it aborts the
 * restore (create_domain then destroys the domain); while we wait for GO
 * it wakes the wait through a pipe.  Children get the signals unblocked
 * again (pthread_atfork), so that the monitoring daemon, device models
 * and helpers libxl starts can be stopped as usual.
 */
enum { RG_CREATING, RG_WAITING, RG_STARTED };

static struct {
    sigset_t sigs;
    int wake[2];
    volatile sig_atomic_t phase;
    volatile sig_atomic_t stop;
    char **incoming_name_r;      /* create_domain fills it in early */
    int64_t header_deadline;     /* ms; 0: not watching xl's header */
    int header_secs;
} guard = { .wake = { -1, -1 } };

static void guard_child_after_fork(void)
{
    pthread_sigmask(SIG_UNBLOCK, &guard.sigs, NULL);
}

static void destroy_incoming_by_name(const char *name)
{
    uint32_t domid;

    if (!name || libxl_name_to_domid(ctx, name, &domid))
        return;
    fprintf(stderr, "migration target: destroying the incomplete domain %s"
            " (%u).\n", name, domid);
    libxl_domain_destroy(ctx, domid, NULL);
}

/*
 * xl's header and the domain config are read (in create_domain) with
 * blocking reads, before libxl, and with it our stream watchdog, is
 * involved; the incoming name appears once they are in.  A sender that
 * stops inside them is caught here.  Nothing has been created yet.
 */
static void guard_check_header(void)
{
    if (!guard.header_deadline || guard.phase != RG_CREATING ||
        now_ms() < guard.header_deadline)
        return;
    if (__atomic_load_n(guard.incoming_name_r, __ATOMIC_RELAXED))
        return;
    fprintf(stderr, "migration target: the sender stopped inside xl's"
            " header: no domain config after %d s.\n", guard.header_secs);
    _exit(EXIT_FAILURE);
}

static void *guard_thread(void *unused)
{
    const struct timespec tick = { .tv_sec = 1 };

    for (;;) {
        int sig, rc, tries;

        sig = sigtimedwait(&guard.sigs, NULL, &tick);
        if (sig < 0) {
            guard_check_header();
            continue;
        }
        guard.stop = 1;
        if (write(guard.wake[1], "s", 1) < 0) {
            /* the pipe is full: a wake-up is pending anyway */
        }
        if (guard.phase != RG_CREATING)
            continue;
        fprintf(stderr, "migration target: signal %d: abandoning the"
                " incoming domain.\n", sig);
        for (tries = 0; tries < 30 && guard.phase == RG_CREATING; tries++) {
            rc = libxl_ao_abort(ctx, NULL);
            if (rc != ERROR_NOTFOUND)
                break;
            usleep(100000);
        }
        if (tries == 30 && guard.phase == RG_CREATING) {
            /* Not inside libxl's restore (reading xl's header, say). */
            destroy_incoming_by_name(guard.incoming_name_r ?
                                     *guard.incoming_name_r : NULL);
            _exit(EXIT_FAILURE);
        }
    }
    return unused;
}

static void guard_start(void)
{
    pthread_t t;

    sigemptyset(&guard.sigs);
    sigaddset(&guard.sigs, SIGTERM);
    sigaddset(&guard.sigs, SIGINT);
    sigaddset(&guard.sigs, SIGHUP);
    MUST( libxl_pipe(ctx, guard.wake) );
    fcntl(guard.wake[1], F_SETFL, O_NONBLOCK);
    guard.phase = RG_CREATING;
    pthread_sigmask(SIG_BLOCK, &guard.sigs, NULL);
    pthread_atfork(NULL, NULL, guard_child_after_fork);
    if (pthread_create(&t, NULL, guard_thread, NULL)) {
        /* Without the guard we behave as stock xl does: signals kill. */
        pthread_sigmask(SIG_UNBLOCK, &guard.sigs, NULL);
        fprintf(stderr, "migration target: warning: no signal guard\n");
        return;
    }
    pthread_detach(t);
}

/* Remus/COLO: the primary is gone and we hold the last checkpoint. */
static void __attribute__((noreturn))
receiver_failover(uint32_t domid, libxl_checkpointed_stream kind,
                  const char *incoming_name)
{
    const char *ha = kind == LIBXL_CHECKPOINTED_STREAM_COLO ? "COLO" : "Remus";
    int rc = 0;

    fprintf(stderr, "migration target: %s Failover for domain %u\n",
            ha, domid);
    /* A wrong name is better than no guest: go on if renaming fails. */
    if (incoming_name) {
        rc = libxl_domain_rename(ctx, domid, incoming_name, common_domname);
        if (rc)
            fprintf(stderr, "migration target (%s): could not rename %s to"
                    " %s (libxl error %d)\n", ha, incoming_name,
                    common_domname, rc);
    }
    /* COLO's secondary is already running. */
    if (kind == LIBXL_CHECKPOINTED_STREAM_COLO)
        exit(rc ? -ERROR_FAIL : 0);

    rc = libxl_domain_unpause(ctx, domid, NULL);
    if (rc)
        fprintf(stderr, "migration target (%s): could not unpause %s"
                " (domid %u, libxl error %d); left as it is\n", ha,
                common_domname, domid, rc);
    exit(rc ? EXIT_FAILURE : EXIT_SUCCESS);
}

struct receive_opts {
    int debug, daemonize, monitor, pause_after, quiet;
    const char *data_port;          /* --data-port */
    bool data_trusted;              /* --data-trusted */
    libxl_checkpointed_stream checkpointed;
    char *colo_proxy_script;
    bool userspace_colo_proxy;
};

/*
 * --data-port: the sender's key arrives on the control channel, then the
 * connection that proves it holds it.  The stream's fd, or -1 (message
 * printed).
 */
static int receiver_data_open(const struct receive_opts *o, int lfd,
                              int recv_fd, xlt_session *s, xlt_thread *pump)
{
    char intro[sizeof(XLT_KEY_INTRO)];
    unsigned char key[XLT_KEY_LEN];
    int err = 0, secs = wait_secs(WAIT_ANSWER_S), fd = -1;
    hs_status st;

    st = hs_read(recv_fd, intro, sizeof(intro), secs, guard.wake[0], &err);
    if (st == HS_OK && memcmp(intro, XLT_KEY_INTRO, sizeof(intro)))
        st = HS_GARBLED;
    if (st == HS_OK)
        st = hs_read(recv_fd, key, sizeof(key), secs, guard.wake[0], &err);
    if (st != HS_OK) {
        fprintf(stderr, "migration target: no data connection key from the"
                " sender: %s\n", hs_describe(st, err, secs));
        close(lfd);
        goto out;
    }
    if (xlt_accept(s, lfd, key, o->data_trusted, secs, recv_fd,
                   "migration target")) {
        fprintf(stderr, "migration target: %s; no domain was created.\n",
                s->err);
        goto out;
    }
    fprintf(stderr, "migration target: data connection from %s (%s)\n",
            s->peer, s->cipher);
    if (xlt_thread_start(pump, s, false)) {
        fprintf(stderr, "migration target: %s\n", s->err);
        xlt_dispose(s);
        goto out;
    }
    fd = pump->pipe_fd;
 out:
    memset(key, 0, sizeof(key));
    return fd;
}

/*
 * The end of the data connection at this end.  After a complete restore
 * the sender's TLS close is only hygiene (every record libxl took was
 * authenticated), so a failure is worth a line and no more; failed
 * (libxl failed) just stops the pump.
 */
static void receiver_data_close(xlt_thread *pump, xlt_session *s,
                                bool failed)
{
    if (!pump->running)
        return;
    if (xlt_thread_stop(pump, failed, wait_secs(WAIT_ANSWER_S)) &&
        !failed && s->err[0])
        fprintf(stderr, "migration target: data connection: %s\n", s->err);
    xlt_dispose(s);
}

static void migrate_receive(const struct receive_opts *o,
                            int send_fd, int recv_fd)
{
    struct domain_create dc;
    char *incoming_name = NULL;
    int rc, err = 0, secs, plain, lfd = -1, stream_fd = recv_fd;
    uint32_t domid;
    hs_status st;
    char status, msg[256];
    xlp_totals totals;
    xlt_session data;
    xlt_thread pump = { .running = false };

    signal(SIGPIPE, SIG_IGN);
    if (o->data_port) {
        /* Before the banner: a port we cannot have ends it all here. */
        lfd = xlt_listen(o->data_port, msg, sizeof(msg));
        if (lfd < 0) {
            fprintf(stderr, "migration target: --data-port: %s\n", msg);
            exit(EXIT_FAILURE);
        }
    }
    plain = o->checkpointed == LIBXL_CHECKPOINTED_STREAM_NONE;
    if (plain) {
        guard.incoming_name_r = &incoming_name;
        guard_start();
    }

    fprintf(stderr, "migration target: Ready to receive domain.\n");
    secs = wait_secs(WAIT_WRITE_S);
    st = hs_write(send_fd, migrate_receiver_banner,
                  sizeof(migrate_receiver_banner) - 1, secs, &err);
    if (st != HS_OK) {
        fprintf(stderr, "migration target: cannot send the banner: %s\n",
                hs_describe(st, err, secs));
        exit(EXIT_FAILURE);
    }

    if (lfd >= 0) {
        stream_fd = receiver_data_open(o, lfd, recv_fd, &data, &pump);
        if (stream_fd < 0)
            exit(EXIT_FAILURE);
    }

    /*
     * The sender starts on the domain as soon as it has the banner.  Once
     * bytes flow, the guard thread bounds xl's header (read with blocking
     * reads) and then libxl's stall watchdog the stream.
     */
    secs = wait_secs(WAIT_ANSWER_S);
    st = hs_wait(stream_fd, POLLIN, now_ms() + (int64_t)secs * 1000,
                 guard.wake[0], &err);
    if (st != HS_OK) {
        fprintf(stderr, "migration target: no domain arriving from the"
                " sender: %s\n", hs_describe(st, err, secs));
        exit(EXIT_FAILURE);
    }

    if (plain) {
        guard.header_secs = secs;
        guard.header_deadline = now_ms() + (int64_t)secs * 1000;
    }

    memset(&dc, 0, sizeof(dc));
    dc.debug = o->debug;
    dc.daemonize = o->daemonize;
    dc.monitor = o->monitor;
    dc.paused = 1;
    dc.migrate_fd = stream_fd;
    dc.send_back_fd = send_fd;
    dc.migration_domname_r = &incoming_name;
    dc.checkpointed_stream = o->checkpointed;
    dc.colo_proxy_script = o->colo_proxy_script;
    dc.userspace_colo_proxy = o->userspace_colo_proxy;

    /* Our stderr is the sender's, through ssh: lines, not \r. */
    xl_progress_begin("xl migrate-receive", o->quiet ? XLP_OFF : XLP_LINES);
    rc = create_domain(&dc);
    xl_progress_end(&totals, "migrate-receive");
    /*
     * On success the data connection is closed only once the report is
     * sent: the sender's TLS close comes after its libxl returns, and
     * waiting for it here would add that time to the guest's pause.
     */
    if (rc < 0) {
        receiver_data_close(&pump, &data, true);
        fprintf(stderr, "migration target: Domain creation failed"
                " (code %d).\n", rc);
        /* create_domain destroys what it knows of; make sure. */
        destroy_incoming_by_name(incoming_name);
        exit(EXIT_FAILURE);
    }
    domid = rc;

    if (!plain)
        receiver_failover(domid, o->checkpointed, incoming_name);
    xl_progress_report(&totals, o->quiet, NULL);

    guard.phase = RG_WAITING;
    fprintf(stderr, "migration target: Transfer complete,"
            " requesting permission to start domain.\n");

    rc = ERROR_FAIL;
    if (guard.stop) {
        fprintf(stderr, "migration target: stopped by a signal.\n");
        goto report;
    }
    secs = wait_secs(WAIT_WRITE_S);
    st = hs_write(send_fd, migrate_receiver_ready,
                  sizeof(migrate_receiver_ready), secs, &err);
    if (st != HS_OK) {
        /* The sender cannot send GO to a receiver it cannot hear. */
        fprintf(stderr, "migration target: cannot tell the sender the"
                " domain arrived: %s; destroying our copy.\n",
                hs_describe(st, err, secs));
        libxl_domain_destroy(ctx, domid, NULL);
        exit(EXIT_FAILURE);
    }

    secs = wait_secs(WAIT_ANSWER_S);
    st = hs_expect(recv_fd, migrate_permission_to_go,
                   sizeof(migrate_permission_to_go), secs, guard.wake[0],
                   &err);
    if (st != HS_OK) {
        fprintf(stderr, "migration target: no permission to start from the"
                " sender: %s.\n", hs_describe(st, err, secs));
        goto report;
    }
    fprintf(stderr, "migration target: Got permission, starting domain.\n");

    if (incoming_name) {
        rc = libxl_domain_rename(ctx, domid, incoming_name, common_domname);
        if (rc)
            goto report;
    }
    rc = o->pause_after ? 0 : libxl_domain_unpause(ctx, domid, NULL);
    if (!rc) {
        guard.phase = RG_STARTED;
        fprintf(stderr, "migration target: Domain started successsfully.\n");
    }

 report:
    /* A libxl error code is negative; its magnitude fits the octet. */
    status = (char)-rc;
    if (rc && !status)
        status = 1;
    secs = wait_secs(WAIT_WRITE_S);
    st = hs_write(send_fd, migrate_report, sizeof(migrate_report), secs, &err);
    if (st == HS_OK)
        st = hs_write(send_fd, &status, 1, secs, &err);
    if (st != HS_OK)
        fprintf(stderr, "migration target: cannot send the report: %s\n",
                hs_describe(st, err, secs));
    receiver_data_close(&pump, &data, rc != 0);
    if (!rc)
        exit(st == HS_OK ? EXIT_SUCCESS : EXIT_FAILURE);

    /* Our copy never ran: remove it, then hand the domain back. */
    fprintf(stderr, "migration target: Failure, destroying our copy.\n");
    rc = libxl_domain_destroy(ctx, domid, NULL);
    if (rc) {
        fprintf(stderr, "migration target: Failed to destroy our copy"
                " (code %d).\n", rc);
        exit(EXIT_FAILURE);
    }
    if (st != HS_OK)
        exit(EXIT_FAILURE);
    fprintf(stderr, "migration target: Cleanup OK, granting sender"
            " permission to resume.\n");
    st = hs_write(send_fd, migrate_permission_to_go,
                  sizeof(migrate_permission_to_go), secs, &err);
    exit(EXIT_FAILURE);
}

int main_migrate_receive(int argc, char **argv)
{
    struct receive_opts o = {
        .daemonize = 1,
        .monitor = 1,
        .checkpointed = LIBXL_CHECKPOINTED_STREAM_NONE,
    };
    int opt;
    static struct option long_opts[] = {
        {"colo", 0, 0, 0x100},
        {"coloft-script", 1, 0, 0x200},
        {"userspace-colo-proxy", 0, 0, 0x300},
        {"zstd", 0, 0, 0x400},
        {"data-port", 1, 0, 0x500},
        {"data-trusted", 0, 0, 0x600},
        {"quiet", 0, 0, 'q'},
        COMMON_LONG_OPTS
    };

    SWITCH_FOREACH_OPT(opt, "Fedrpq", long_opts, "migrate-receive", 0) {
    case 0x500: o.data_port = optarg; break;
    case 0x600: o.data_trusted = true; break;
    case 'q': o.quiet = 1; break;
    case 'F': o.daemonize = 0; break;
    case 'e': o.daemonize = 0; o.monitor = 0; break;
    case 'd': o.debug = 1; break;
    case 'r': o.checkpointed = LIBXL_CHECKPOINTED_STREAM_REMUS; break;
    case 'p': o.pause_after = 1; break;
    case 0x100: o.checkpointed = LIBXL_CHECKPOINTED_STREAM_COLO; break;
    case 0x200: o.colo_proxy_script = optarg; break;
    case 0x300: o.userspace_colo_proxy = true; break;
    case 0x400:
        /*
         * Only an announcement, for a stock receiver to refuse: the
         * header's XL_MANDATORY_FLAG_ZSTD says whether the stream is
         * compressed.
         */
        break;
    }

    if (optind != argc) {
        help("migrate-receive");
        return EXIT_FAILURE;
    }
    if (o.data_port && o.checkpointed != LIBXL_CHECKPOINTED_STREAM_NONE) {
        fprintf(stderr, "xl migrate-receive: --data-port is for a plain"
                " migration, not Remus or COLO\n");
        return EXIT_FAILURE;
    }
    migrate_receive(&o, STDOUT_FILENO, STDIN_FILENO);
    return EXIT_SUCCESS;
}

/* ---- xl migrate ---- */

/*
 * The command the sender runs to reach `xl migrate-receive` on HOST.
 * Stock xl builds the same string, and a receiver may be stock xl: the
 * options passed are the ones it knows.
 */
static char *receiver_rune(const char *ssh, const char *host, int daemonize,
                           int debug, int pause_after, int zstd, int quiet,
                           const data_channel *data)
{
    char vflags[16] = "";
    char *rune;
    int extra_v = minmsglevel_default - minmsglevel;

    if (extra_v > 0) {
        if (extra_v > (int)sizeof(vflags) - 3)
            extra_v = sizeof(vflags) - 3;
        vflags[0] = ' ';
        vflags[1] = '-';
        memset(vflags + 2, 'v', extra_v);
        vflags[2 + extra_v] = '\0';
    }
    xasprintf(&rune, "exec %s %s xl%s%s%s migrate-receive%s%s%s%s%s%s%s%s",
              ssh, host,
              (progress_use_cr || isatty(STDERR_FILENO) > 0) ? " -t" : "",
              timestamps ? " -T" : "",
              vflags,
              daemonize ? "" : " -e",
              debug ? " -d" : "",
              pause_after ? " -p" : "",
              zstd ? " --zstd" : "",
              quiet ? " --quiet" : "",
              data->port ? " --data-port " : "",
              data->port ? data->port : "",
              data->trusted ? " --data-trusted" : "");
    return rune;
}

int main_migrate(int argc, char **argv)
{
    const char *config_file = NULL, *ssh = "ssh", *host;
    int opt, daemonize = 1, debug = 0, pause_after = 0, preserve_domid = 0;
    int zstd = 0, suspend_flags = 0, quiet = 0;
    const char *stats = NULL;
    uint32_t domid;
    char *rune;
    data_channel data = { .port = NULL };
    static struct option long_opts[] = {
        {"debug", 0, 0, 0x100},
        {"live", 0, 0, 0x200},
        {"zstd", 0, 0, 'z'},
        {"send-zero-pages", 0, 0, 0x300},
        {"quiet", 0, 0, 'q'},
        {"stats", 1, 0, 0x400},
        {"data-port", 1, 0, 0x500},
        {"data-address", 1, 0, 0x600},
        {"data-trusted", 0, 0, 0x700},
        COMMON_LONG_OPTS
    };

    SWITCH_FOREACH_OPT(opt, "FC:s:epDzq", long_opts, "migrate", 2) {
    case 0x500: data.port = optarg; break;
    case 0x600: data.address = optarg; break;
    case 0x700: data.trusted = true; break;
    case 'q': quiet = 1; break;
    case 0x400: stats = optarg; break;
    case 'C': config_file = optarg; break;
    case 's': ssh = optarg; break;
    case 'F':
    case 'e': daemonize = 0; break;
    case 'p': pause_after = 1; break;
    case 'D': preserve_domid = 1; break;
    case 0x100:
        debug = 1;
        suspend_flags |= LIBXL_SUSPEND_DEBUG;
        break;
    case 0x200: /* --live: xm's option, always the case here */ break;
    case 'z': zstd = 1; break;
    case 0x300: suspend_flags |= LIBXL_SUSPEND_SEND_ZERO_PAGES; break;
    }

    if ((data.address || data.trusted) && !data.port) {
        fprintf(stderr, "xl migrate: --data-address and --data-trusted go"
                " with --data-port\n");
        return EXIT_FAILURE;
    }
    if (data.port && (strspn(data.port, "0123456789") != strlen(data.port)
                      || atoi(data.port) < 1 || atoi(data.port) > 65535)) {
        fprintf(stderr, "xl migrate: --data-port %s: not a TCP port number"
                " (1-65535)\n", data.port);
        return EXIT_FAILURE;
    }
    if (data.port && !*ssh) {
        fprintf(stderr, "xl migrate: --data-port needs the receiver started"
                " by xl (no empty -s)\n");
        return EXIT_FAILURE;
    }

    domid = find_domain(argv[optind]);
    host = argv[optind + 1];
    /* An empty -s: HOST is the whole command. */
    rune = *ssh ? receiver_rune(ssh, host, daemonize, debug, pause_after,
                                zstd, quiet, &data)
                : xstrdup(host);

    migrate_domain(domid, preserve_domid, rune, host, suspend_flags, zstd,
                   &data, config_file, quiet, stats);
    return EXIT_SUCCESS;
}

/* ---- xl remus ---- */

/*
 * The command that starts the backup's receiver: the words stock xl
 * passes, so that the backup may run stock xl.
 */
static char *backup_rune(const char *ssh, const char *host,
                         const libxl_domain_remus_info *ri, int daemonize)
{
    bool colo = libxl_defbool_val(ri->colo);
    const char *script = colo ? ri->netbufscript : NULL;
    char *rune;

    xasprintf(&rune, "exec %s %s xl migrate-receive %s%s%s%s%s",
              ssh, host, colo ? "--colo" : "-r",
              script ? " --coloft-script " : "",
              script ? script : "",
              colo && libxl_defbool_val(ri->userspace_colo_proxy)
                  ? " --userspace-colo-proxy" : "",
              daemonize ? "" : " -e");
    return rune;
}

int main_remus(int argc, char **argv)
{
    libxl_domain_remus_info ri;
    const char *ssh = "ssh", *host, *ha;
    int opt, rc, daemonize = 1, send_fd, recv_fd = -1;
    uint32_t domid;
    bool colo;

    memset(&ri, 0, sizeof(ri));

    SWITCH_FOREACH_OPT(opt, "Fbundi:s:N:ecp", NULL, "remus", 2) {
    case 'i': ri.interval = atoi(optarg); break;
    case 'F': libxl_defbool_set(&ri.allow_unsafe, true); break;
    case 'b': libxl_defbool_set(&ri.blackhole, true); break;
    case 'u': libxl_defbool_set(&ri.compression, false); break;
    case 'n': libxl_defbool_set(&ri.netbuf, false); break;
    case 'N': ri.netbufscript = optarg; break;
    case 'd': libxl_defbool_set(&ri.diskbuf, false); break;
    case 's': ssh = optarg; break;
    case 'e': daemonize = 0; break;
    case 'c': libxl_defbool_set(&ri.colo, true); break;
    case 'p': libxl_defbool_set(&ri.userspace_colo_proxy, true); break;
    }

    domid = find_domain(argv[optind]);
    host = argv[optind + 1];

    libxl_defbool_setdefault(&ri.blackhole, false);
    libxl_defbool_setdefault(&ri.colo, false);
    libxl_defbool_setdefault(&ri.userspace_colo_proxy, false);
    colo = libxl_defbool_val(ri.colo);
    ha = colo ? "COLO" : "Remus";

    if (libxl_defbool_val(ri.userspace_colo_proxy) && !colo) {
        fprintf(stderr, "Option -p must be used in conjunction with -c");
        exit(-1);
    }
    if (!colo) {
        if (!ri.interval)
            ri.interval = 200;
    } else {
        if (ri.interval || libxl_defbool_val(ri.blackhole) ||
            !libxl_defbool_is_default(ri.netbuf) ||
            !libxl_defbool_is_default(ri.diskbuf)) {
            perror("option -c is conflict with -i, -d, -n or -b");
            exit(-1);
        }
        /* COLO compares memory as it is: no compression. */
        if (libxl_defbool_is_default(ri.compression)) {
            perror("COLO can't be used with memory compression. "
                   "Disable memory checkpoint compression now...");
            libxl_defbool_set(&ri.compression, false);
        }
    }
    if (!ri.netbufscript)
        ri.netbufscript = colo ? default_colo_proxy_script
                               : default_remus_netbufscript;

    if (libxl_defbool_val(ri.blackhole)) {
        send_fd = open("/dev/null", O_RDWR, 0644);
        if (send_fd < 0) {
            perror("failed to open /dev/null");
            exit(EXIT_FAILURE);
        }
    } else {
        transport tp;
        uint8_t *config = NULL;
        int config_len = 0;
        char *rune;

        save_domain_core_begin(domid, 0, NULL, &config, &config_len);
        if (!config_len) {
            fprintf(stderr, "xl remus: domain %u has no stored configuration"
                    " to give the backup; cannot start.\n", domid);
            exit(EXIT_FAILURE);
        }
        rune = *ssh ? backup_rune(ssh, host, &ri, daemonize) : xstrdup(host);
        transport_start(&tp, rune);
        sender_preamble(&tp, config, config_len, 0, NULL, host);
        free(config);
        send_fd = tp.to_peer;
        recv_fd = tp.from_peer;
    }

    /* From here the backup may take over at any time. */
    xl_progress_begin(colo ? "xl remus (COLO)" : "xl remus",
                      xl_progress_mode(false, progress_use_cr));
    rc = libxl_domain_remus_start(ctx, &ri, domid, send_fd, recv_fd, 0);
    xl_progress_end(NULL, NULL);

    /* Destroying the primary is how an operator forces failover. */
    if (libxl_domain_info(ctx, 0, domid)) {
        fprintf(stderr, "%s: Primary domain has been destroyed.\n", ha);
        close(send_fd);
        return EXIT_SUCCESS;
    }

    if (rc == ERROR_GUEST_TIMEDOUT) {
        fprintf(stderr, "Failed to suspend domain at primary.\n");
    } else {
        fprintf(stderr, "%s: Backup failed? resuming domain at primary.\n",
                ha);
        libxl_domain_resume(ctx, domid, 1, 0);
    }
    close(send_fd);
    return EXIT_FAILURE;
}

#endif /* LIBXL_HAVE_NO_SUSPEND_RESUME */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
