/*
 * xl_progress.h: progress and totals of `xl save', `xl restore',
 * `xl migrate' (both ends) and `xl remus'.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 *
 * libxl reports how far a stream has got through its logger (context
 * "libxl-stream": "sending"/"receiving" octets of the guest's memory
 * size, "sent"/"received" at the end, "suspended" when the guest stops;
 * see libxl_sr_internal.h), and libxc's helper its passes over memory
 * (context "xc", "Frames iteration N" with pages done of the pass).
 * xl_progress_logger() wraps xl's stdio logger: while an operation is
 * being watched (xl_progress_begin .. xl_progress_end) it takes those
 * reports for itself, draws them, and notes when the guest was suspended;
 * everything else, and everything outside an operation, goes to the
 * wrapped logger unchanged.
 *
 * The state and the text of a line (xlp_*) are kept apart from any I/O
 * and clock, for the unit test.
 */
#ifndef XL_PROGRESS_H
#define XL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xentoollog.h>

typedef enum {
    XLP_OFF,          /* nothing (quiet) */
    XLP_LINES,        /* a line every XLP_LINE_MS, for pipes and logs */
    XLP_INPLACE,      /* one line redrawn with \r, for a terminal */
} xlp_mode;

#define XLP_LINE_MS    3000
#define XLP_REDRAW_MS   250

typedef struct {
    const char *what;          /* "xl migrate", ... (first word of a line) */
    xlp_mode mode;
    int64_t start_ms;
    int64_t suspended_ms;      /* last "suspended", from start; -1: none */
    unsigned suspends;
    uint64_t octets;           /* moved so far */
    uint64_t memory;           /* the guest's memory, 0: unknown */
    bool sending;
    bool finished;             /* "sent"/"received" seen */
    unsigned passes;           /* libxc's passes over memory seen */
    uint64_t pass_done, pass_total;  /* pages of the current pass */
    int64_t drawn_ms;          /* when a line was last drawn, -1: never */
} xlp_state;

void xlp_init(xlp_state *st, const char *what, xlp_mode mode,
              int64_t now_ms);
/* Takes one progress report; false if it is not one of ours. */
bool xlp_event(xlp_state *st, int64_t now_ms, const char *context,
               const char *doing_what, unsigned long done,
               unsigned long total);
/* Whether a line is due now (and notes that it is drawn). */
bool xlp_due(xlp_state *st, int64_t now_ms);
/* Octets per second since the start; 0 before any. */
double xlp_rate(const xlp_state *st, int64_t now_ms);
/* Estimated octets still to move, or -1 if unknown. */
int64_t xlp_left(const xlp_state *st);
/* The text of a progress line, without \r or \n. */
void xlp_format(const xlp_state *st, int64_t now_ms, char *buf,
                size_t len);
/* "134.5 MiB" */
void xlp_size(uint64_t octets, char *buf, size_t len);

/* What an operation ended with. */
typedef struct {
    const char *operation;     /* "save", "restore", "migrate" */
    int64_t start_ms;          /* on xl_progress_now_ms()'s clock */
    int64_t total_ms;
    int64_t downtime_ms;       /* -1: not measured */
    int64_t suspended_ms;      /* from start; -1: never */
    uint64_t octets;
    uint64_t memory;
    unsigned iterations;
} xlp_totals;

void xlp_totals_of(const xlp_state *st, int64_t now_ms, xlp_totals *t);
/* From the guest's suspension to now_ms, or -1 if it was not suspended. */
int64_t xlp_paused_for(const xlp_totals *t, int64_t now_ms);
/* The text of a libxl message without its source location and domain
 * prefix ("f.c:12:fn: Domain 3:text" -> "text"), cut to len - 1. */
void xlp_message_core(const char *msg, char *buf, size_t len);
/* The one-line summary, without \n. */
void xlp_summary(const xlp_totals *t, char *buf, size_t len);
/* The totals as one JSON object and a newline; 0 or an errno value. */
int xlp_write_json(FILE *f, const xlp_totals *t);

/* ---- xl's side: one operation at a time, in the main thread ---- */

/* inner prints messages of min_level and above. */
xentoollog_logger *xl_progress_logger(xentoollog_logger *inner,
                                     xentoollog_level min_level);
/* XLP_OFF when quiet, else in place on a terminal (or with xl -t). */
xlp_mode xl_progress_mode(bool quiet, bool use_cr);
void xl_progress_begin(const char *what, xlp_mode mode);
/* Ends the line being drawn; fills t (may be NULL). */
void xl_progress_end(xlp_totals *t, const char *operation);
int64_t xl_progress_now_ms(void);
/* The first error logged during the last operation, its source
 * location and domain prefix removed; NULL if there was none. */
const char *xl_progress_first_error(void);
/* Summary to stderr (unless quiet) and JSON to json_path ("-": stdout)
 * if given; returns 0, or 1 if the JSON could not be written. */
int xl_progress_report(const xlp_totals *t, bool quiet,
                       const char *json_path);

#endif /* XL_PROGRESS_H */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
