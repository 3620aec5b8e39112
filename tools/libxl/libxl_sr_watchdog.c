/*
 * libxl_sr_watchdog.c: notices a migration stream that stopped moving.
 *
 * Neither end of a migration can tell a slow peer from a dead one that
 * left its connection open (a hung host, a partitioned network, a
 * stopped process).  Without a bound, `xl migrate-receive' and its
 * half-built domain would wait forever, and so would a sender holding a
 * suspended guest.  The watchdog samples a progress counter chosen by its
 * user and reports a stall once the counter has stayed put for the whole
 * timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/* How long a stream may stand still before we give up on it. */
#define SR_STALL_DEFAULT_SECS 180

/* Sample often enough that the timeout is kept to within a second. */
static int tick_ms(const libxl__sr_watchdog *wd)
{
    int ms = wd->timeout_ms / 4;

    if (ms > 1000) ms = 1000;
    if (ms < 50) ms = 50;
    return ms;
}

static void watchdog_tick(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc);

void libxl__sr_watchdog_init(libxl__sr_watchdog *wd)
{
    libxl__ev_time_init(&wd->tick);
    wd->last = 0;
    wd->known = false;
    wd->blind_logged = false;
    wd->quiet_ms = 0;
}

int libxl__sr_watchdog_start(libxl__sr_watchdog *wd)
{
    libxl__sr_watchdog_init(wd);
    if (wd->timeout_ms <= 0)
        return 0;
    return libxl__ev_time_register_rel(wd->ao, &wd->tick, watchdog_tick,
                                       tick_ms(wd));
}

void libxl__sr_watchdog_stop(libxl__gc *gc, libxl__sr_watchdog *wd)
{
    libxl__ev_time_deregister(gc, &wd->tick);
}

static void watchdog_tick(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc)
{
    libxl__sr_watchdog *wd = CONTAINER_OF(ev, *wd, tick);
    STATE_AO_GC(wd->ao);
    uint64_t now = 0;
    bool known;

    libxl__ev_time_deregister(gc, &wd->tick);
    if (rc != ERROR_TIMEDOUT)
        return;      /* the operation is being aborted: not our call */

    /* An unknown count counts as movement. */
    rc = wd->progress(wd, &now);
    known = !rc;
    if (rc == ERROR_NI && !wd->blind_logged) {
        LOG(WARN, "migration stream: this OS does not show how far libxc's"
            " helper has got; while the helper moves the stream, a stall"
            " is not detected");
        wd->blind_logged = true;
    }
    if (!known || !wd->known || now != wd->last) {
        wd->last = now;
        wd->known = known;
        wd->quiet_ms = 0;
    } else {
        wd->quiet_ms += tick_ms(wd);
    }

    if (wd->quiet_ms >= wd->timeout_ms) {
        wd->stalled(egc, wd);
        return;
    }

    rc = libxl__ev_time_register_rel(wd->ao, &wd->tick, watchdog_tick,
                                     tick_ms(wd));
    if (rc)
        LOG(WARN, "migration stream: cannot rearm the stall watchdog;"
            " a stalled peer will not be noticed");
}

/*
 * A number that changes while libxc's helper (pid) moves the stream
 * (writes: the save helper) or uses CPU.  Octets and clock ticks are
 * added up because the watchdog only ever compares the sum with itself:
 * between two reads the helper may spend seconds in hypercalls on a busy
 * host (populating and clearing the pages of a batch) and must not be
 * taken for a stalled peer.
 */
int libxl__sr_helper_activity(libxl__gc *gc, pid_t pid, bool writes,
                              uint64_t *count_r)
{
    uint64_t octets, ticks;
    int rc;

    rc = libxl__sr_os_io_count(gc, pid, writes, &octets);
    if (rc) return rc;
    rc = libxl__sr_os_cpu_ticks(gc, pid, &ticks);
    if (rc) return rc;
    *count_r = octets + ticks;
    return 0;
}

/*
 * A stall timeout in milliseconds, from environment variable `var' (whole
 * seconds, 0 turns the watchdog off) or the default.
 */
int libxl__sr_stall_timeout_ms(libxl__gc *gc, const char *var)
{
    const char *env = getenv(var);
    unsigned long secs;
    char *end;

    if (!env || !*env)
        return SR_STALL_DEFAULT_SECS * 1000;

    errno = 0;
    secs = strtoul(env, &end, 10);
    if (errno || *end || env[0] == '-' || secs > INT_MAX / 1000) {
        LOG(WARN, "%s=%s is not a number of seconds; using %d",
            var, env, SR_STALL_DEFAULT_SECS);
        return SR_STALL_DEFAULT_SECS * 1000;
    }
    return secs * 1000;
}

/*
 * Sets or clears O_NONBLOCK on a stream's fd.  libxl's datacopier reads
 * and writes until EWOULDBLOCK, so on a blocking fd a stalled peer would
 * hold the whole event loop (and the watchdog with it) inside read or
 * write; libxc, on the other hand, wants the fd blocking.  *is_on keeps
 * track, so that calls which change nothing cost nothing.
 */
int libxl__sr_fd_nonblocking(libxl__gc *gc, int fd, bool *is_on, bool on)
{
    int rc;

    if (fd < 0 || *is_on == on)
        return 0;
    rc = libxl_fd_set_nonblock(CTX, fd, on);
    if (rc) {
        LOG(ERROR, "migration stream: cannot make fd %d %sblocking", fd,
            on ? "non-" : "");
        return rc;
    }
    *is_on = on;
    return 0;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
