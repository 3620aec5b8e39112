/*
 * convert.h: `xen-stream convert`, which copies an image or a captured
 * stream into another container while the stream walker checks it.
 *
 *   convert.c         command line, the copy window, the output file
 *   convert_legacy.c  --from-legacy: convert-legacy-stream's converter
 *                     (tools/convert-legacy-stream/cls_*.c) feeding the
 *                     same copy
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_CONVERT_H
#define XEN_STREAM_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "stream_walk.h"
#include "xl_zstd.h"

#define CV_UNKNOWN  UINT64_MAX

enum cv_target { CV_TO_XL, CV_TO_LIBXL, CV_TO_LIBXC, CV_TO_LIBVIRT };

/* Exit statuses, the same as the other commands'. */
enum { CV_EXIT_OK = 0, CV_EXIT_INVALID = 1, CV_EXIT_USAGE = 2 };

typedef struct cv_opts {
    enum cv_target to;
    bool from_legacy;
    bool zstd;                    /* compress OUT */
    const char *width;            /* "32" or "64"; NULL: 64 */
    const char *guest;            /* "pv" or "hvm"; NULL: from the config */
    const char *xml_path;         /* --to libvirt: the domain XML */
    const char *in_path, *out_path;
} cv_opts;

/*
 * One conversion.  The walker sees the v2 stream (the input itself, or
 * what the legacy converter makes of it); out_start/out_stop are absolute
 * offsets in that stream, CV_UNKNOWN until the walker has passed them.
 */
typedef struct cv_run {
    const cv_opts *opts;
    const char *in_name;          /* for messages: path or "<stdin>" */
    int in_fd, out_fd;
    xs_input *in;                 /* v2 input: decompressed as needed */
    xlz_enc *enc;                 /* --zstd: compresses from zstart on */
    uint64_t zstart;              /* stream offset where compression starts */

    stream_walk *w;
    uint64_t fed;                 /* octets pushed into the walker */
    unsigned char head[SW_XL_HEADER_SIZE];   /* see cv_feed */
    uint32_t head_have;
    bool pushed_once;
    uint64_t out_start, out_stop;
    uint64_t written;
    uint64_t prefix;              /* --to libvirt: header and XML */
    uint64_t dropped_after;       /* octets after the legacy stream */
    char refusal[256];            /* the target cannot be made from this */
    bool walk_failed;             /* c->w->err says why */
    bool write_failed;
    int write_errno;
} cv_run;

/* Push n octets of the v2 stream: check them, write the part inside the
 * output window.  0, or -1 when the walk failed, the target was refused or
 * a write failed (the cv_run says which). */
int cv_feed(cv_run *c, const void *buf, size_t n);

/* The v2 stream has ended: 0 when it was complete and the window found,
 * else -1 as for cv_feed. */
int cv_end(cv_run *c);

/* After cv_feed or the end of input failed: print why (the walker's
 * message is the one `verify` prints) and return the exit status. */
int cv_report_failure(cv_run *c);
const char *cv_target_name(enum cv_target to);

/* --from-legacy: convert c->in_fd and feed the result.  Returns an exit
 * status; on failure the message has been printed. */
int cv_run_legacy(cv_run *c);

/* Shared with main.c. */
int xs_open_input(const char *path);
int convert_main(int argc, char **argv);

#endif /* XEN_STREAM_CONVERT_H */
