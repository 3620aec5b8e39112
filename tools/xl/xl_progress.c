/*
 * xl_progress.c: progress lines and totals of xl's save, restore and
 * migration commands (see xl_progress.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "xl_progress.h"

/* libxl's reports (libxl_sr_internal.h) and libxc's (its save code). */
#define CTX_STREAM "libxl-stream"
#define CTX_XC     "xc"
#define XC_PASS    "Frames iteration "
#define PAGE_OCTETS 4096

/* ---- state and text, no I/O ---- */

void xlp_init(xlp_state *st, const char *what, xlp_mode mode,
              int64_t now_ms)
{
    memset(st, 0, sizeof(*st));
    st->what = what;
    st->mode = mode;
    st->start_ms = now_ms;
    st->suspended_ms = -1;
    st->drawn_ms = -1;
}

static void note_pass(xlp_state *st, unsigned pass, unsigned long done,
                      unsigned long total)
{
    if (pass > st->passes)
        st->passes = pass;
    st->pass_done = done;
    st->pass_total = total;
}

bool xlp_event(xlp_state *st, int64_t now_ms, const char *context,
               const char *doing_what, unsigned long done,
               unsigned long total)
{
    if (!context || !doing_what)
        return false;

    if (!strcmp(context, CTX_STREAM)) {
        if (!strcmp(doing_what, "sending") ||
            !strcmp(doing_what, "receiving")) {
            st->sending = doing_what[0] == 's';
            if (done >= st->octets)
                st->octets = done;
            if (total)
                st->memory = total;
        } else if (!strcmp(doing_what, "sent") ||
                   !strcmp(doing_what, "received")) {
            st->sending = doing_what[0] == 's';
            st->octets = done;
            st->finished = true;
        } else if (!strcmp(doing_what, "suspended")) {
            st->suspended_ms = now_ms - st->start_ms;
            st->suspends++;
        }
        /* Any other report of the stream's is ours too, and ignored. */
        return true;
    }

    if (!strcmp(context, CTX_XC)) {
        size_t plen = strlen(XC_PASS);

        /* libxc counts its live passes from 0. */
        if (!strncmp(doing_what, XC_PASS, plen)) {
            char *end;
            unsigned long n = strtoul(doing_what + plen, &end, 10);

            if (!*end && n < 1000000)
                note_pass(st, n + 1, done, total);
        } else if (!strcmp(doing_what, "Frames") ||
                   !strcmp(doing_what, "Checkpointed save")) {
            note_pass(st, 1, done, total);
        }
        /* "Start of stream", "Domain now suspended", ...: ours to hide. */
        return true;
    }
    return false;
}

bool xlp_due(xlp_state *st, int64_t now_ms)
{
    int64_t since;

    switch (st->mode) {
    case XLP_INPLACE:
        if (st->drawn_ms >= 0 && now_ms - st->drawn_ms < XLP_REDRAW_MS)
            return false;
        break;
    case XLP_LINES:
        since = st->drawn_ms >= 0 ? st->drawn_ms : st->start_ms;
        if (now_ms - since < XLP_LINE_MS)
            return false;
        break;
    default:
        return false;
    }
    st->drawn_ms = now_ms;
    return true;
}

double xlp_rate(const xlp_state *st, int64_t now_ms)
{
    int64_t ms = now_ms - st->start_ms;

    if (ms <= 0 || !st->octets)
        return 0;
    return (double)st->octets * 1000.0 / (double)ms;
}

int64_t xlp_left(const xlp_state *st)
{
    if (st->finished)
        return 0;
    /* libxc says how many pages the current pass still has to go. */
    if (st->pass_total && st->pass_done <= st->pass_total)
        return (int64_t)(st->pass_total - st->pass_done) * PAGE_OCTETS;
    /* Before libxc speaks, or on a restore: the rest of the memory. */
    if (st->memory && !st->passes)
        return st->memory > st->octets ? st->memory - st->octets : 0;
    return -1;
}

void xlp_size(uint64_t octets, char *buf, size_t len)
{
    if (octets < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", octets / 1024.0);
    else if (octets < UINT64_C(1024) * 1024 * 1024 * 10)
        snprintf(buf, len, "%.1f MiB", octets / (1024.0 * 1024.0));
    else
        snprintf(buf, len, "%.2f GiB", octets / (1024.0 * 1024.0 * 1024.0));
}

/* snprintf at buf + *pos, keeping *pos within len. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list al;
    int n;

    if (*pos >= len)
        return;
    va_start(al, fmt);
    n = vsnprintf(buf + *pos, len - *pos, fmt, al);
    va_end(al);
    if (n < 0)
        return;
    *pos += (size_t)n < len - *pos ? (size_t)n : len - *pos - 1;
}

void xlp_format(const xlp_state *st, int64_t now_ms, char *buf, size_t len)
{
    char moved[32], rate[32], left[32];
    double r = xlp_rate(st, now_ms);
    int64_t l = xlp_left(st);
    size_t pos = 0;

    if (!len)
        return;
    buf[0] = 0;
    xlp_size(st->octets, moved, sizeof(moved));
    xlp_size((uint64_t)r, rate, sizeof(rate));
    append(buf, len, &pos, "%s: %s %s, %s/s", st->what, moved,
           st->sending ? "sent" : "received", rate);
    if (st->passes)
        append(buf, len, &pos, ", iteration %u", st->passes);
    if (l > 0) {
        xlp_size(l, left, sizeof(left));
        append(buf, len, &pos, ", ~%s left", left);
        if (r >= 1)
            append(buf, len, &pos, " (~%.0f s)", l / r + 0.5);
    }
    if (st->suspends == 1)
        append(buf, len, &pos, ", guest suspended");
    else if (st->suspends > 1)
        append(buf, len, &pos, ", %u checkpoints", st->suspends);
}

void xlp_totals_of(const xlp_state *st, int64_t now_ms, xlp_totals *t)
{
    memset(t, 0, sizeof(*t));
    t->start_ms = st->start_ms;
    t->total_ms = now_ms - st->start_ms;
    t->downtime_ms = -1;
    t->suspended_ms = st->suspended_ms;
    t->octets = st->octets;
    t->memory = st->memory;
    t->iterations = st->passes;
}

/*
 * libxl's messages read "FILE.c:LINE:FUNCTION: Domain N:TEXT" (libxl's
 * LOG macros); a line for the operator wants TEXT only.  Anything else is
 * kept as it is, without a trailing newline.
 */
void xlp_message_core(const char *msg, char *buf, size_t len)
{
    const char *p = msg, *colon;
    unsigned long domid;
    char *end;
    size_t n;
    int i;

    /* FILE.c:LINE:FUNCTION: */
    colon = strchr(p, ':');
    if (colon && colon - p > 2 && !strncmp(colon - 2, ".c", 2)) {
        const char *q = colon + 1;

        for (i = 0; i < 2 && q; i++) {
            q = strchr(q, ':');
            if (q) q++;
        }
        if (q && *q == ' ')
            p = q + 1;
    }
    /* Domain N: */
    if (!strncmp(p, "Domain ", 7)) {
        domid = strtoul(p + 7, &end, 10);
        if (end != p + 7 && *end == ':' && domid < (1UL << 16))
            p = end + 1;
    }
    snprintf(buf, len, "%s", p);
    n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
}

int64_t xlp_paused_for(const xlp_totals *t, int64_t now_ms)
{
    if (t->suspended_ms < 0)
        return -1;
    return now_ms - (t->start_ms + t->suspended_ms);
}

static const char *verb_of(const char *operation)
{
    if (!strcmp(operation, "save")) return "saved";
    if (!strcmp(operation, "restore")) return "restored";
    if (!strcmp(operation, "migrate-receive")) return "received";
    return "sent";
}

void xlp_summary(const xlp_totals *t, char *buf, size_t len)
{
    char moved[32], rate[32];
    double secs = t->total_ms / 1000.0;
    size_t pos = 0;

    if (!len)
        return;
    buf[0] = 0;
    xlp_size(t->octets, moved, sizeof(moved));
    xlp_size(secs > 0 ? (uint64_t)(t->octets / secs) : 0, rate,
             sizeof(rate));
    append(buf, len, &pos, "xl %s: %s %s in %.2f s (%s/s)", t->operation,
           verb_of(t->operation), moved, secs, rate);
    if (t->iterations)
        append(buf, len, &pos, ", %u iteration%s", t->iterations,
               t->iterations == 1 ? "" : "s");
    if (t->downtime_ms >= 0)
        append(buf, len, &pos, "; guest paused for %" PRId64 " ms",
               t->downtime_ms);
}

static int json_int(yajl_gen g, const char *key, int64_t v, bool known)
{
    yajl_gen_status s;

    s = yajl_gen_string(g, (const unsigned char *)key, strlen(key));
    if (s != yajl_gen_status_ok) return -1;
    s = known ? yajl_gen_integer(g, v) : yajl_gen_null(g);
    return s == yajl_gen_status_ok ? 0 : -1;
}

int xlp_write_json(FILE *f, const xlp_totals *t)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *out;
    size_t len;
    int rc = EIO;

    if (!g)
        return ENOMEM;
    if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
        yajl_gen_string(g, (const unsigned char *)"operation", 9) !=
            yajl_gen_status_ok ||
        yajl_gen_string(g, (const unsigned char *)t->operation,
                        strlen(t->operation)) != yajl_gen_status_ok ||
        json_int(g, "total_ms", t->total_ms, true) ||
        json_int(g, "downtime_ms", t->downtime_ms, t->downtime_ms >= 0) ||
        json_int(g, "suspended_at_ms", t->suspended_ms,
                 t->suspended_ms >= 0) ||
        json_int(g, "bytes", t->octets, true) ||
        json_int(g, "memory_bytes", t->memory, t->memory > 0) ||
        json_int(g, "iterations", t->iterations, true) ||
        yajl_gen_map_close(g) != yajl_gen_status_ok ||
        yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
        goto out;

    if (fwrite(out, 1, len, f) != len || fputc('\n', f) == EOF ||
        fflush(f)) {
        rc = errno ? errno : EIO;
        goto out;
    }
    rc = 0;

 out:
    yajl_gen_free(g);
    return rc;
}

/* ---- xl's logger ---- */

typedef struct {
    xentoollog_logger vtable;
    xentoollog_logger *inner;
    xentoollog_level min_level;  /* the inner logger's */
} xlp_logger;

static struct {
    bool active;
    xlp_state st;
    int shown;                 /* length of the line drawn in place */
    char first_error[320];     /* the operation's first error, "" if none */
} op;

int64_t xl_progress_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void erase_line(void)
{
    if (op.shown) {
        fprintf(stderr, "\r%*s\r", op.shown, "");
        op.shown = 0;
    }
}

static void draw(int64_t now)
{
    char line[256];
    int n;

    xlp_format(&op.st, now, line, sizeof(line));
    if (op.st.mode == XLP_LINES) {
        fprintf(stderr, "%s\n", line);
        return;
    }
    n = fprintf(stderr, "\r%s", line) - 1;
    if (n < op.shown)
        fprintf(stderr, "%*s", op.shown - n, "");
    op.shown = n;
}

static void logger_vmessage(xentoollog_logger *lg, xentoollog_level level,
                            int errnoval, const char *context,
                            const char *format, va_list al)
{
    xlp_logger *l = (xlp_logger *)lg;
    va_list copy;

    /* The first error says why an operation failed: kept for its last
     * line (the inner logger consumes al, hence the copy). */
    if (op.active && level >= XTL_ERROR && !op.first_error[0]) {
        char text[sizeof(op.first_error)];

        va_copy(copy, al);
        vsnprintf(text, sizeof(text), format, copy);
        va_end(copy);
        xlp_message_core(text, op.first_error, sizeof(op.first_error));
    }

    /* Only a message that will be printed takes the line away. */
    if (level >= l->min_level)
        erase_line();
    l->inner->vmessage(l->inner, level, errnoval, context, format, al);
}

static void logger_progress(xentoollog_logger *lg, const char *context,
                            const char *doing_what, int percent,
                            unsigned long done, unsigned long total)
{
    xlp_logger *l = (xlp_logger *)lg;
    int64_t now = xl_progress_now_ms();

    if (op.active && xlp_event(&op.st, now, context, doing_what, done,
                               total)) {
        /* The totals follow; a restore's xl may fork a daemon now. */
        if (op.st.finished)
            erase_line();
        else if (xlp_due(&op.st, now))
            draw(now);
        return;
    }
    l->inner->progress(l->inner, context, doing_what, percent, done, total);
}

static void logger_destroy(xentoollog_logger *lg)
{
    xlp_logger *l = (xlp_logger *)lg;

    erase_line();
    l->inner->destroy(l->inner);
    free(l);
}

xentoollog_logger *xl_progress_logger(xentoollog_logger *inner,
                                     xentoollog_level min_level)
{
    xlp_logger *l = calloc(1, sizeof(*l));

    if (!l)
        return inner;
    l->vtable.vmessage = logger_vmessage;
    l->vtable.progress = logger_progress;
    l->vtable.destroy = logger_destroy;
    l->inner = inner;
    l->min_level = min_level;
    return &l->vtable;
}

xlp_mode xl_progress_mode(bool quiet, bool use_cr)
{
    if (quiet)
        return XLP_OFF;
    return use_cr || isatty(STDERR_FILENO) > 0 ? XLP_INPLACE : XLP_LINES;
}

void xl_progress_begin(const char *what, xlp_mode mode)
{
    erase_line();
    op.first_error[0] = 0;
    xlp_init(&op.st, what, mode, xl_progress_now_ms());
    op.active = true;
}

void xl_progress_end(xlp_totals *t, const char *operation)
{
    if (t) {
        xlp_totals_of(&op.st, xl_progress_now_ms(), t);
        t->operation = operation;
    }
    erase_line();
    op.active = false;
}

const char *xl_progress_first_error(void)
{
    return op.first_error[0] ? op.first_error : NULL;
}

int xl_progress_report(const xlp_totals *t, bool quiet,
                       const char *json_path)
{
    char line[256];
    FILE *f;
    int err;

    if (!quiet) {
        xlp_summary(t, line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
    if (!json_path)
        return 0;

    f = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;
    if (!f) {
        fprintf(stderr, "xl %s: cannot write the totals to %s: %s\n",
                t->operation, json_path, strerror(errno));
        return 1;
    }
    errno = 0;
    err = xlp_write_json(f, t);
    if (f != stdout && fclose(f) && !err)
        err = errno ? errno : EIO;
    if (err) {
        fprintf(stderr, "xl %s: cannot write the totals to %s: %s\n",
                t->operation, json_path, strerror(err));
        return 1;
    }
    return 0;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
