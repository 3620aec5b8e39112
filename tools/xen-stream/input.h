/*
 * input.h: xen-stream's input layer.  It hands the stream walker the
 * uncompressed stream whatever the input is:
 *
 *   plain            passed through (the caller may seek or splice
 *                    past page data itself: xs_input_direct)
 *   xl + zstd flag   the xl header (with the zstd flag taken out, the
 *                    walker judging the stream inside) and its optional
 *                    data as they are, then the compressed section
 *                    (tools/xl/xl_zstd.h) decompressed, then anything
 *                    after its end mark (a capture's xl handshake) as is
 *   bare zstd        the decompressed frames (a .zst of any image)
 *
 * Memory is fixed: one compressed-input buffer and zstd's context, whose
 * window is capped (XL_ZSTD_WINDOW_LOG_MAX) whatever the input asks for.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_INPUT_H
#define XEN_STREAM_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stream_walk.h"
#include "xl_zstd.h"

enum xs_input_kind { XI_PLAIN, XI_XL_ZSTD, XI_BARE_ZSTD };

typedef struct xs_input {
    /* Results. */
    enum xs_input_kind kind;
    uint64_t raw_octets;          /* read from the fd */
    uint64_t compressed_octets;   /* of which zstd data */
    uint64_t produced;            /* handed to the caller */
    char err[320];                /* after -1: what and where */
    bool bad_data;                /* -1 was bad compressed data, not I/O */
    uint64_t err_offset;          /* then: where, in the input */

    /* Private. */
    int fd;
    int phase;
    unsigned char head[SW_XL_HEADER_SIZE];
    size_t head_len, head_pos;
    uint64_t pass_left;           /* xl optional data, passed as is */
    xlz_dec dec;
    bool dec_live;
    unsigned char *zbuf;
    size_t zhave, zpos;
} xs_input;

/* Read the first octets of fd and decide what it is.  0, or -1 with
 * in->err (a read error or no memory). */
int xs_input_open(xs_input *in, int fd);
void xs_input_close(xs_input *in);

/* Up to cap octets of the uncompressed stream: >0, 0 at its end, -1 with
 * in->err on a read error or bad compressed data. */
ssize_t xs_input_read(xs_input *in, void *buf, size_t cap);

/* True when the rest of the stream is the fd's own octets, so that the
 * caller may read, seek or splice on the fd directly. */
bool xs_input_direct(const xs_input *in);

const char *xs_input_kind_name(enum xs_input_kind kind);

#endif /* XEN_STREAM_INPUT_H */
