/*
 * inproc-guard: our restore guardian's start and stop
 * (libxl_sr_restore_guard.c, the real code from libxenlight.a), in this
 * process, with no hypervisor.
 *
 *   inproc-guard DIR
 *
 * The guardian program is replaced, at its execv (wrapped), by this
 * program again, which then plays the guardian: it reads what the
 * restoring process sends (one octet, or end of file) and writes what it
 * got, its parent and its session into DIR/report.  What is checked:
 *
 *   armed-no-child     arming leaves this process with no child, and
 *                      libxl's ctx none to track
 *   told-done          the create's end reaches the guardian as an
 *                      octet; it is not our child nor in our session
 *   restorer-dies      a restoring process that arms and dies (after
 *                      freeing its ctx, which must not abort) leaves
 *                      the guardian an end of file
 *   exec-fails         a guardian that cannot be executed: a warning, the
 *                      restore unguarded, no child left
 *   back-channel       a back channel's stream arms nothing
 *
 * One line per check, "PASS<TAB>NAME<TAB>DETAIL" or "FAIL<TAB>...";
 * exit status 0 when every check passed.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdarg.h>
#include <sys/wait.h>

#include "inproc.h"

#define GUARDIAN_NAME "libxl-restore-guardian"

void __real_libxl__sr_restore_guard_arm(libxl__gc *gc,
                                        libxl__stream_read_state *srs);
int __real_execv(const char *path, char *const argv[]);
int __wrap_execv(const char *path, char *const argv[]);

static const char *report_path;
static bool exec_fails;
static int failures;

/* Instead of the guardian: this program, which plays it. */
int __wrap_execv(const char *path, char *const argv[])
{
    const char *base = strrchr(path, '/');

    if (!base || strcmp(base + 1, GUARDIAN_NAME))
        return __real_execv(path, argv);
    if (exec_fails) {
        errno = ENOENT;
        return -1;
    }
    return __real_execv("/proc/self/exe", argv);
}

/* The guardian's part: argv[0] is the guardian's path. */
static int play_guardian(const char *report)
{
    char tmp[PATH_MAX + 8], word;
    const char *what;
    ssize_t r;
    FILE *f;

    do {
        r = read(STDIN_FILENO, &word, 1);
    } while (r < 0 && errno == EINTR);
    what = r == 1 ? (word == 'D' ? "done" : "other") : r == 0 ? "eof" : "error";

    snprintf(tmp, sizeof(tmp), "%s.tmp", report);
    f = fopen(tmp, "w");
    if (!f)
        return 1;
    fprintf(f, "%s %ld %ld\n", what, (long)getppid(), (long)getsid(0));
    if (fclose(f) || rename(tmp, report))
        return 1;
    return 0;
}

static void verdict(const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verdict(const char *name, bool ok, const char *fmt, ...)
{
    va_list ap;

    printf("%s\t%s\t", ok ? "PASS" : "FAIL", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (!ok)
        failures++;
}

/* Waits up to 20 s for the guardian's report; false if none came. */
static bool read_report(char *what, size_t cap, long *ppid, long *sid)
{
    char fmt[32];
    FILE *f;
    int i, n;

    snprintf(fmt, sizeof(fmt), "%%%zus %%ld %%ld", cap - 1);
    for (i = 0; i < 200; i++) {
        f = fopen(report_path, "r");
        if (f) {
            n = fscanf(f, fmt, what, ppid, sid);
            fclose(f);
            unlink(report_path);
            return n == 3;
        }
        usleep(100 * 1000);
    }
    return false;
}

/* True when this process has no child at all, live or unreaped. */
static bool no_child(void)
{
    int status;

    return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

static void stream_for(libxl__domain_create_state *dcs, bool back_channel)
{
    memset(dcs, 0, sizeof(*dcs));
    dcs->guest_domid = INPROC_DOMID;
    dcs->srs.dcs = dcs;
    dcs->srs.back_channel = back_channel;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    libxl__domain_create_state dcs;
    char what[16], path[PATH_MAX + 8], dir[PATH_MAX];
    long ppid, sid;
    libxl_ctx *ctx;
    pid_t child;
    int status;
    bool ok;

    if (base && !strcmp(base + 1, GUARDIAN_NAME))
        return play_guardian(getenv("INPROC_GUARD_REPORT"));
    if (argc != 2) {
        fprintf(stderr, "usage: inproc-guard DIR\n");
        return 2;
    }
    /* The guardian runs in "/": the report's path must be absolute. */
    if (!realpath(argv[1], dir)) {
        perror(argv[1]);
        return 2;
    }
    snprintf(path, sizeof(path), "%s/report", dir);
    report_path = path;
    unlink(report_path);
    if (setenv("INPROC_GUARD_REPORT", report_path, 1))
        return 2;

    ctx = inproc_ctx_new(false);
    {
        GC_INIT(ctx);

        /* armed-no-child, told-done */
        stream_for(&dcs, false);
        __real_libxl__sr_restore_guard_arm(gc, &dcs.srs);
        verdict("armed-no-child", dcs.srs.guard && no_child() &&
                XEN_LIST_EMPTY(&CTX->children),
                "guard %s, %s, libxl tracking %s",
                dcs.srs.guard ? "armed" : "not armed",
                no_child() ? "no child here" : "a child here",
                XEN_LIST_EMPTY(&CTX->children) ? "no child" : "a child");
        libxl__sr_restore_guard_disarm(gc, &dcs.srs);
        ok = read_report(what, sizeof(what), &ppid, &sid);
        verdict("told-done", ok && !strcmp(what, "done") &&
                ppid != getpid() && sid != getsid(0) && !dcs.srs.guard,
                "guardian read '%s', its parent %ld (we are %ld), its"
                " session %ld (ours %ld)", ok ? what : "(no report)",
                ppid, (long)getpid(), sid, (long)getsid(0));

        /* exec-fails */
        exec_fails = true;
        stream_for(&dcs, false);
        inproc_log_clear();
        __real_libxl__sr_restore_guard_arm(gc, &dcs.srs);
        exec_fails = false;
        ok = !dcs.srs.guard && no_child() &&
             strstr(inproc_log_text(), "cannot execute") &&
             strstr(inproc_log_text(), "goes on unguarded");
        verdict("exec-fails", ok, "guard %s, %s; log: %s",
                dcs.srs.guard ? "armed" : "not armed",
                no_child() ? "no child" : "a child",
                strstr(inproc_log_text(), "cannot execute") ?
                "cannot execute ... unguarded" : inproc_log_text());

        /* back-channel */
        stream_for(&dcs, true);
        __real_libxl__sr_restore_guard_arm(gc, &dcs.srs);
        usleep(200 * 1000);
        verdict("back-channel", !dcs.srs.guard && access(report_path, F_OK),
                "guard %s", dcs.srs.guard ? "armed" : "not armed");

        GC_FREE;
    }
    inproc_ctx_free(ctx);

    /* restorer-dies: a process arms, frees its ctx and exits. */
    fflush(stdout);
    child = fork();
    if (child < 0)
        return 2;
    if (!child) {
        libxl_ctx *cctx = inproc_ctx_new(false);
        {
            GC_INIT(cctx);
            stream_for(&dcs, false);
            __real_libxl__sr_restore_guard_arm(gc, &dcs.srs);
            if (!dcs.srs.guard)
                _exit(3);
            GC_FREE;
        }
        libxl_ctx_free(cctx);
        _exit(0);
    }
    if (waitpid(child, &status, 0) != child)
        return 2;
    ok = read_report(what, sizeof(what), &ppid, &sid);
    verdict("restorer-dies", WIFEXITED(status) && !WEXITSTATUS(status) &&
            ok && !strcmp(what, "eof"),
            "restoring process exit status %d, guardian read '%s'",
            status, ok ? what : "(no report)");

    return failures ? 1 : 0;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
