/*
 * test_xl_progress.c: xl's progress lines and totals (tools/xl/
 * xl_progress.c): which reports it takes, the rate and the estimate of
 * what is left, when a line is due in place and in line mode, the text
 * of a line and of the summary, the JSON totals, and the logger that
 * wraps xl's own (reports of an operation drawn, everything else passed
 * through; the operation's first error kept for its last line).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "unit.h"
#include "xl_progress.h"

#define MiB (1024UL * 1024UL)

static void test_events(void)
{
    xlp_state st;

    xlp_init(&st, "xl migrate", XLP_LINES, 1000);
    CHECK("event: another context is not ours",
          !xlp_event(&st, 1000, "libxl", "whatever", 1, 2));
    CHECK("event: no context is not ours",
          !xlp_event(&st, 1000, NULL, "sending", 1, 2));
    CHECK("event: sending is ours",
          xlp_event(&st, 1100, "libxl-stream", "sending", 0, 128 * MiB));
    CHECK("event: sending sets the memory size and the direction",
          st.memory == 128 * MiB && st.sending && st.octets == 0);
    xlp_event(&st, 1500, "libxl-stream", "sending", 32 * MiB, 128 * MiB);
    CHECK("event: octets move on", st.octets == 32 * MiB);
    xlp_event(&st, 1600, "libxl-stream", "sending", 16 * MiB, 128 * MiB);
    CHECK("event: a smaller count does not move octets back",
          st.octets == 32 * MiB);
    CHECK("event: libxc's pass is ours",
          xlp_event(&st, 1700, "xc", "Frames iteration 0", 100, 1000));
    CHECK("event: libxc's pass 0 is iteration 1",
          st.passes == 1 && st.pass_done == 100 && st.pass_total == 1000);
    xlp_event(&st, 1800, "xc", "Frames iteration 4", 5, 50);
    CHECK("event: iteration 5", st.passes == 5 && st.pass_total == 50);
    xlp_event(&st, 1850, "xc", "Frames iteration 4x", 1, 2);
    CHECK("event: a garbled pass is ignored",
          st.passes == 5 && st.pass_total == 50);
    CHECK("event: libxc's other reports are taken (hidden)",
          xlp_event(&st, 1900, "xc", "Domain now suspended", 0, 0) &&
          st.passes == 5);
    CHECK("event: not suspended yet", st.suspended_ms == -1);
    xlp_event(&st, 2000, "libxl-stream", "suspended", 0, 0);
    CHECK("event: suspended noted from the start",
          st.suspended_ms == 1000 && st.suspends == 1);
    xlp_event(&st, 2500, "libxl-stream", "sent", 70 * MiB, 70 * MiB);
    CHECK("event: sent ends the stream with its total",
          st.finished && st.octets == 70 * MiB);

    xlp_init(&st, "xl save", XLP_LINES, 0);
    xlp_event(&st, 10, "xc", "Frames", 10, 100);
    CHECK("event: a non-live save is one pass", st.passes == 1);
    xlp_init(&st, "xl restore", XLP_LINES, 0);
    xlp_event(&st, 10, "libxl-stream", "receiving", 5, 0);
    CHECK("event: receiving, memory not known",
          !st.sending && st.memory == 0 && st.octets == 5);
}

static void test_rate_and_left(void)
{
    xlp_state st;

    xlp_init(&st, "xl restore", XLP_LINES, 1000);
    CHECK("rate: none before any octet", xlp_rate(&st, 3000) == 0);
    CHECK("left: unknown with no memory size", xlp_left(&st) == -1);
    xlp_event(&st, 1000, "libxl-stream", "receiving", 0, 128 * MiB);
    xlp_event(&st, 3000, "libxl-stream", "receiving", 32 * MiB, 128 * MiB);
    CHECK("rate: 32 MiB in 2 s is 16 MiB/s",
          xlp_rate(&st, 3000) == 16.0 * MiB);
    CHECK("rate: no time, no rate", xlp_rate(&st, 1000) == 0);
    CHECK("left: memory minus received", xlp_left(&st) == 96 * (int64_t)MiB);
    xlp_event(&st, 4000, "libxl-stream", "receiving", 200 * MiB, 128 * MiB);
    CHECK("left: never below zero", xlp_left(&st) == 0);

    xlp_init(&st, "xl migrate", XLP_LINES, 0);
    xlp_event(&st, 0, "libxl-stream", "sending", 0, 128 * MiB);
    xlp_event(&st, 100, "xc", "Frames iteration 1", 250, 1000);
    CHECK("left: the rest of libxc's pass, in pages",
          xlp_left(&st) == 750 * 4096);
    xlp_event(&st, 200, "xc", "Frames iteration 1", 1000, 1000);
    CHECK("left: a pass done, the next not known yet", xlp_left(&st) == 0);
    xlp_event(&st, 300, "libxl-stream", "sent", 1, 1);
    CHECK("left: nothing once finished", xlp_left(&st) == 0);
}

static void test_due(void)
{
    xlp_state st;

    xlp_init(&st, "xl save", XLP_LINES, 10000);
    CHECK("lines: nothing in the first interval",
          !xlp_due(&st, 10000) && !xlp_due(&st, 10000 + XLP_LINE_MS - 1));
    CHECK("lines: a line after one interval",
          xlp_due(&st, 10000 + XLP_LINE_MS));
    CHECK("lines: not again at once",
          !xlp_due(&st, 10000 + XLP_LINE_MS + 500));
    CHECK("lines: again after another interval",
          xlp_due(&st, 10000 + 2 * XLP_LINE_MS));
    CHECK("lines: every few seconds", XLP_LINE_MS >= 2000 &&
          XLP_LINE_MS <= 10000);

    xlp_init(&st, "xl save", XLP_INPLACE, 10000);
    CHECK("in place: drawn at once", xlp_due(&st, 10000));
    CHECK("in place: not redrawn within the redraw interval",
          !xlp_due(&st, 10000 + XLP_REDRAW_MS - 1));
    CHECK("in place: redrawn after it",
          xlp_due(&st, 10000 + XLP_REDRAW_MS));

    xlp_init(&st, "xl save", XLP_OFF, 0);
    CHECK("off: never due", !xlp_due(&st, 0) && !xlp_due(&st, 1000000));
}

static void test_format(void)
{
    char buf[256], small[24];
    xlp_state st;

    xlp_init(&st, "xl migrate", XLP_INPLACE, 0);
    xlp_event(&st, 0, "libxl-stream", "sending", 0, 128 * MiB);
    xlp_event(&st, 2000, "libxl-stream", "sending", 32 * MiB, 128 * MiB);
    xlp_format(&st, 2000, buf, sizeof(buf));
    CHECK("format: octets, direction and rate",
          contains(buf, "xl migrate: 32.0 MiB sent, 16.0 MiB/s"));
    CHECK("format: what is left and how long",
          contains(buf, "~96.0 MiB left (~6 s)"));
    CHECK("format: no iteration before libxc's", !contains(buf, "iteration"));
    CHECK("format: no control characters",
          !strchr(buf, '\r') && !strchr(buf, '\n'));
    xlp_event(&st, 2000, "xc", "Frames iteration 2", 0, 256);
    xlp_event(&st, 2000, "libxl-stream", "suspended", 0, 0);
    xlp_format(&st, 2000, buf, sizeof(buf));
    CHECK("format: iteration", contains(buf, ", iteration 3"));
    CHECK("format: suspended", contains(buf, ", guest suspended"));
    CHECK("format: left in the pass", contains(buf, "~1.0 MiB left"));
    xlp_event(&st, 2100, "libxl-stream", "suspended", 0, 0);
    xlp_format(&st, 2100, buf, sizeof(buf));
    CHECK("format: repeated suspensions are checkpoints",
          contains(buf, ", 2 checkpoints"));

    xlp_format(&st, 2000, small, sizeof(small));
    CHECK("format: cut to the buffer, terminated",
          strlen(small) == sizeof(small) - 1);

    xlp_size(512, buf, sizeof(buf));
    CHECK("size: KiB", !strcmp(buf, "0.5 KiB"));
    xlp_size(3UL * 1024 * 1024 * 1024 * 11, buf, sizeof(buf));
    CHECK("size: GiB", !strcmp(buf, "33.00 GiB"));
}

static void test_summary_and_json(void)
{
    xlp_totals t;
    xlp_state st;
    char buf[256], *json = NULL, err[128];
    size_t jlen = 0;
    FILE *f;
    yajl_val tree, v;

    xlp_init(&st, "xl migrate", XLP_OFF, 5000);
    xlp_event(&st, 5000, "libxl-stream", "sending", 0, 128 * MiB);
    xlp_event(&st, 5100, "xc", "Frames iteration 2", 10, 10);
    xlp_event(&st, 6000, "libxl-stream", "suspended", 0, 0);
    xlp_event(&st, 6500, "libxl-stream", "sent", 70 * MiB, 70 * MiB);
    xlp_totals_of(&st, 6500, &t);
    t.operation = "migrate";
    CHECK("totals: taken from the state",
          t.total_ms == 1500 && t.suspended_ms == 1000 &&
          t.octets == 70 * MiB && t.iterations == 3 && t.downtime_ms == -1);
    CHECK("totals: paused from the suspension",
          xlp_paused_for(&t, 7412) == 1412);
    t.downtime_ms = 412;
    t.total_ms = 2000;
    xlp_summary(&t, buf, sizeof(buf));
    CHECK("summary: migrate",
          !strcmp(buf, "xl migrate: sent 70.0 MiB in 2.00 s (35.0 MiB/s),"
                  " 3 iterations; guest paused for 412 ms"));

    f = open_memstream(&json, &jlen);
    CHECK("json: written", f && xlp_write_json(f, &t) == 0);
    fclose(f);
    CHECK("json: one line", jlen > 0 && json[jlen - 1] == '\n' &&
          !memchr(json, '\n', jlen - 1));
    tree = yajl_tree_parse(json, err, sizeof(err));
    CHECK("json: parses", tree != NULL);
    if (tree) {
        const char *k_op[] = { "operation", NULL };
        const char *k_down[] = { "downtime_ms", NULL };
        const char *k_bytes[] = { "bytes", NULL };
        const char *k_it[] = { "iterations", NULL };
        const char *k_mem[] = { "memory_bytes", NULL };
        const char *k_total[] = { "total_ms", NULL };

        v = yajl_tree_get(tree, k_op, yajl_t_string);
        CHECK("json: operation", v && YAJL_IS_STRING(v) &&
              !strcmp(v->u.string, "migrate"));
        v = yajl_tree_get(tree, k_down, yajl_t_number);
        CHECK("json: downtime_ms", v && YAJL_GET_INTEGER(v) == 412);
        v = yajl_tree_get(tree, k_bytes, yajl_t_number);
        CHECK("json: bytes", v && YAJL_GET_INTEGER(v) == 70 * (long)MiB);
        v = yajl_tree_get(tree, k_it, yajl_t_number);
        CHECK("json: iterations", v && YAJL_GET_INTEGER(v) == 3);
        v = yajl_tree_get(tree, k_mem, yajl_t_number);
        CHECK("json: memory_bytes", v && YAJL_GET_INTEGER(v) == 128 * (long)MiB);
        v = yajl_tree_get(tree, k_total, yajl_t_number);
        CHECK("json: total_ms", v && YAJL_GET_INTEGER(v) == 2000);
        yajl_tree_free(tree);
    }
    free(json);

    /* A restore: nothing suspended, no memory known. */
    memset(&t, 0, sizeof(t));
    t.operation = "restore";
    t.downtime_ms = -1;
    t.suspended_ms = -1;
    t.total_ms = 1000;
    t.octets = 10 * MiB;
    xlp_summary(&t, buf, sizeof(buf));
    CHECK("summary: restore",
          !strcmp(buf, "xl restore: restored 10.0 MiB in 1.00 s (10.0 MiB/s)"));
    CHECK("totals: never suspended, no pause", xlp_paused_for(&t, 99) == -1);
    json = NULL;
    f = open_memstream(&json, &jlen);
    xlp_write_json(f, &t);
    fclose(f);
    CHECK("json: unknowns are null",
          contains(json, "\"downtime_ms\":null") &&
          contains(json, "\"memory_bytes\":null") &&
          contains(json, "\"suspended_at_ms\":null"));
    free(json);
}

/* ---- the logger ---- */

static int inner_progress, inner_messages;
static char inner_last[128];

static void inner_vmessage(xentoollog_logger *lg, xentoollog_level level,
                           int errnoval, const char *context,
                           const char *format, va_list al)
{
    inner_messages++;
    vsnprintf(inner_last, sizeof(inner_last), format, al);
}

static void inner_progress_fn(xentoollog_logger *lg, const char *context,
                              const char *doing_what, int percent,
                              unsigned long done, unsigned long total)
{
    inner_progress++;
}

static void inner_destroy(xentoollog_logger *lg) { }

static xentoollog_logger inner = {
    inner_vmessage, inner_progress_fn, inner_destroy,
};

static void logmsg_at(xentoollog_logger *lg, xentoollog_level level,
                      const char *fmt, ...)
{
    va_list al;

    va_start(al, fmt);
    lg->vmessage(lg, level, -1, "libxl", fmt, al);
    va_end(al);
}
#define logmsg(lg, ...) logmsg_at((lg), XTL_ERROR, __VA_ARGS__)

/* What the logger wrote to stderr while fn ran. */
static char *stderr_of(void (*fn)(xentoollog_logger *), xentoollog_logger *lg)
{
    char path[] = "/tmp/test_xl_progress.XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    static char buf[4096];
    ssize_t n;

    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    fn(lg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    n = pread(fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    close(fd);
    unlink(path);
    return buf;
}

static void run_inplace(xentoollog_logger *lg)
{
    xl_progress_begin("xl save", XLP_INPLACE);
    lg->progress(lg, "libxl-stream", "sending", 0, 1 * MiB, 128 * MiB);
    logmsg(lg, "a message in between");
    xl_progress_end(NULL, NULL);
}

static void run_debug(xentoollog_logger *lg)
{
    xl_progress_begin("xl save", XLP_INPLACE);
    lg->progress(lg, "libxl-stream", "sending", 0, 1 * MiB, 128 * MiB);
    logmsg_at(lg, XTL_DEBUG, "below xl's level");
    fputs("|M", stderr);
    xl_progress_end(NULL, NULL);
}

static void run_finished(xentoollog_logger *lg)
{
    xl_progress_begin("xl save", XLP_INPLACE);
    lg->progress(lg, "libxl-stream", "sending", 0, 1 * MiB, 128 * MiB);
    lg->progress(lg, "libxl-stream", "sent", 0, 2 * MiB, 2 * MiB);
    fputs("|after", stderr);
    xl_progress_end(NULL, NULL);
}

static void run_lines(xentoollog_logger *lg)
{
    xl_progress_begin("xl save", XLP_LINES);
    lg->progress(lg, "libxl-stream", "sending", 0, 1 * MiB, 128 * MiB);
    lg->progress(lg, "libxl-stream", "sending", 0, 2 * MiB, 128 * MiB);
    xl_progress_end(NULL, NULL);
}

static void run_off(xentoollog_logger *lg)
{
    xl_progress_begin("xl save", XLP_OFF);
    lg->progress(lg, "libxl-stream", "sending", 0, 1 * MiB, 128 * MiB);
    lg->progress(lg, "xc", "Frames", 0, 1, 2);
    xl_progress_end(NULL, NULL);
}

static void test_logger(void)
{
    xentoollog_logger *lg = xl_progress_logger(&inner, XTL_INFO);
    char *out;

    lg->progress(lg, "libxl-stream", "sending", 0, 1, 2);
    lg->progress(lg, "xc", "Frames", 0, 1, 2);
    CHECK("logger: outside an operation, progress goes to xl's logger",
          inner_progress == 2);
    logmsg(lg, "hello %d", 42);
    CHECK("logger: messages go to xl's logger",
          inner_messages == 1 && !strcmp(inner_last, "hello 42"));

    out = stderr_of(run_inplace, lg);
    CHECK("logger: in place, drawn with \\r",
          out[0] == '\r' && contains(out, "xl save: 1.0 MiB sent"));
    CHECK("logger: in place, no newline of its own",
          !strchr(out, '\n'));
    CHECK("logger: in place, the line erased before a message",
          inner_messages == 2 && contains(out + 1, "\r"));
    CHECK("logger: during an operation its reports are not passed on",
          inner_progress == 2);

    out = stderr_of(run_debug, lg);
    CHECK("logger: a message xl does not print leaves the line",
          out[0] == '\r' && contains(out, "|M") &&
          !contains(out, "\r|M") && inner_messages == 3);
    out = stderr_of(run_finished, lg);
    CHECK("logger: the line is erased when the stream ends",
          contains(out, "\r|after") && !contains(out, "|after\r"));

    out = stderr_of(run_lines, lg);
    CHECK("logger: lines, nothing within the first interval", !*out);

    out = stderr_of(run_off, lg);
    CHECK("logger: quiet, nothing drawn and nothing passed on",
          !*out && inner_progress == 2);

    lg->progress(lg, "libxl-stream", "sending", 0, 1, 2);
    CHECK("logger: after the operation, passed on again",
          inner_progress == 3);
    CHECK("mode: quiet is off", xl_progress_mode(true, true) == XLP_OFF);
    CHECK("mode: -t is in place", xl_progress_mode(false, true) ==
          XLP_INPLACE);
    CHECK("mode: a file is lines",
          isatty(STDERR_FILENO) || xl_progress_mode(false, false) ==
          XLP_LINES);
    lg->destroy(lg);
}

static void test_message_core(void)
{
    char buf[64];

    xlp_message_core("libxl_stream_read.c:1032:stream_stalled: Domain 2:"
                     "migration stream: stalled\n", buf, sizeof(buf));
    CHECK("core: location and domain removed",
          !strcmp(buf, "migration stream: stalled"));
    xlp_message_core("libxl_create.c:9:f: cannot build", buf, sizeof(buf));
    CHECK("core: location removed without a domain",
          !strcmp(buf, "cannot build"));
    xlp_message_core("Savefile has flags 0x4: need newer xl", buf,
                     sizeof(buf));
    CHECK("core: a message without a location is kept",
          !strcmp(buf, "Savefile has flags 0x4: need newer xl"));
    xlp_message_core("Domain x: not a domid", buf, sizeof(buf));
    CHECK("core: 'Domain' without a number is kept",
          !strcmp(buf, "Domain x: not a domid"));
    xlp_message_core("a.c:1:f: 0123456789012345678901234567890123456789"
                     "0123456789012345678901234567890123456789", buf, 16);
    CHECK("core: cut to the buffer", !strcmp(buf, "012345678901234"));
}

static void run_errors(xentoollog_logger *lg)
{
    xl_progress_begin("xl restore", XLP_OFF);
    logmsg_at(lg, XTL_INFO, "x.c:1:f: Domain 1:not an error");
    logmsg(lg, "libxl_stream_read.c:7:g: Domain 5:migration stream: record"
           " %d at offset %d: bad", 3, 40);
    logmsg(lg, "libxl_create.c:8:h: Domain 5:cannot (re-)build domain");
    xl_progress_end(NULL, NULL);
}

static void test_first_error(void)
{
    xentoollog_logger *lg = xl_progress_logger(&inner, XTL_INFO);
    const char *e;

    stderr_of(run_errors, lg);
    e = xl_progress_first_error();
    CHECK("first error: the first one of the operation, without prefixes",
          e && !strcmp(e, "migration stream: record 3 at offset 40: bad"));
    CHECK("first error: the message still reaches xl's logger",
          !strcmp(inner_last, "libxl_create.c:8:h: Domain 5:cannot"
                  " (re-)build domain"));
    xl_progress_begin("xl restore", XLP_OFF);
    logmsg(lg, "a.c:1:f: outside");
    xl_progress_end(NULL, NULL);
    CHECK("first error: a new operation starts afresh",
          (e = xl_progress_first_error()) && !strcmp(e, "outside"));
    xl_progress_begin("xl restore", XLP_OFF);
    xl_progress_end(NULL, NULL);
    logmsg(lg, "a.c:1:f: after the operation");
    CHECK("first error: none when the operation logged none",
          !xl_progress_first_error());
    lg->destroy(lg);
}

int main(void)
{
    test_events();
    test_rate_and_left();
    test_due();
    test_format();
    test_summary_and_json();
    test_logger();
    test_message_core();
    test_first_error();
    return unit_failures ? 1 : 0;
}
