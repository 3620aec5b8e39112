/*
 * input.c: xen-stream's input layer (plain, xl + zstd, bare zstd).
 * See input.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define ZBUF_SIZE  (128u << 10)

/* Offsets in xl's header (stream_walk.c reads the same fields). */
#define XL_MANDATORY_AT    36u

enum { P_HEAD, P_PASS, P_ZSTD, P_TAIL, P_DIRECT, P_END };

static uint32_t get_le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static ssize_t read_fd(xs_input *in, void *buf, size_t len)
{
    ssize_t r;

    do {
        r = read(in->fd, buf, len);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        snprintf(in->err, sizeof(in->err), "read: %s", strerror(errno));
    else
        in->raw_octets += (uint64_t)r;
    return r;
}

const char *xs_input_kind_name(enum xs_input_kind kind)
{
    switch (kind) {
    case XI_XL_ZSTD:   return "zstd (xl header flag)";
    case XI_BARE_ZSTD: return "zstd (bare frames)";
    default:           return "none";
    }
}

static int start_zstd(xs_input *in, bool need_end_mark, uint64_t base)
{
    in->zbuf = malloc(ZBUF_SIZE);
    if (!in->zbuf || xlz_dec_init(&in->dec)) {
        snprintf(in->err, sizeof(in->err), "out of memory");
        return -1;
    }
    in->dec_live = true;
    in->dec.need_end_mark = need_end_mark;
    in->dec.base = base;
    return 0;
}

int xs_input_open(xs_input *in, int fd)
{
    libxl__sr_xl_hdr xl;
    ssize_t r;

    memset(in, 0, sizeof(*in));
    in->fd = fd;
    in->kind = XI_PLAIN;
    while (in->head_len < sizeof(in->head)) {
        r = read_fd(in, in->head + in->head_len,
                    sizeof(in->head) - in->head_len);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        in->head_len += (size_t)r;
    }
    in->phase = P_HEAD;

    if (in->head_len >= 4 && get_le32(in->head) == XL_ZSTD_FRAME_MAGIC) {
        in->kind = XI_BARE_ZSTD;
        /* The head is compressed data: the decoder takes it. */
        if (start_zstd(in, false, 0))
            return -1;
        memcpy(in->zbuf, in->head, in->head_len);
        in->zhave = in->head_len;
        in->compressed_octets = in->head_len;
        in->head_len = 0;
        in->phase = P_ZSTD;
        return 0;
    }
    /* xl's header, decoded by the codec: any flag is let through here,
     * the walker judges them once the stream is decompressed. */
    if (in->head_len == sizeof(in->head) &&
        libxl__sr_decode_xl_header(in->head, in->head_len, ~0u, &xl,
                                  NULL) >= 0 &&
        (xl.mandatory_flags & XL_ZSTD_MANDATORY_FLAG)) {
        uint32_t flags = xl.mandatory_flags;

        in->kind = XI_XL_ZSTD;
        /* The walker sees the stream as it is once decompressed. */
        flags &= ~XL_ZSTD_MANDATORY_FLAG;
        in->head[XL_MANDATORY_AT] = flags;
        in->head[XL_MANDATORY_AT + 1] = flags >> 8;
        in->head[XL_MANDATORY_AT + 2] = flags >> 16;
        in->head[XL_MANDATORY_AT + 3] = flags >> 24;
        in->pass_left = xl.optional_len;
        return start_zstd(in, true, SW_XL_HEADER_SIZE + in->pass_left);
    }
    return 0;
}

void xs_input_close(xs_input *in)
{
    if (in->dec_live)
        xlz_dec_dispose(&in->dec);
    in->dec_live = false;
    free(in->zbuf);
    in->zbuf = NULL;
}

bool xs_input_direct(const xs_input *in)
{
    return in->phase == P_DIRECT;
}

static ssize_t bad_data(xs_input *in)
{
    snprintf(in->err, sizeof(in->err), "compressed input: %s", in->dec.err);
    in->bad_data = true;
    in->err_offset = in->dec.err_offset;
    return -1;
}

/* Decompress into buf; moves to P_TAIL after the end mark. */
static ssize_t read_zstd(xs_input *in, unsigned char *buf, size_t cap)
{
    size_t used, made;

    for (;;) {
        if (in->zpos == in->zhave && !in->dec.ended) {
            ssize_t r = read_fd(in, in->zbuf, ZBUF_SIZE);

            if (r < 0)
                return -1;
            if (r == 0) {
                if (xlz_dec_finish(&in->dec))
                    return bad_data(in);
                in->phase = P_END;
                return 0;
            }
            in->zhave = (size_t)r;
            in->zpos = 0;
        }
        if (xlz_dec_run(&in->dec, in->zbuf + in->zpos, in->zhave - in->zpos,
                        &used, buf, cap, &made))
            return bad_data(in);
        in->zpos += used;
        in->compressed_octets = in->dec.in_octets;
        if (in->dec.ended) {
            in->phase = P_TAIL;
            if (made)
                return (ssize_t)made;
            return -2;      /* nothing made: the caller reads the tail */
        }
        if (made)
            return (ssize_t)made;
    }
}

ssize_t xs_input_read(xs_input *in, void *buf, size_t cap)
{
    unsigned char *out = buf;
    ssize_t r;
    size_t k;

    if (!cap)
        return 0;
    switch (in->phase) {
    case P_HEAD:
        k = in->head_len - in->head_pos;
        if (k > cap)
            k = cap;
        memcpy(out, in->head + in->head_pos, k);
        in->head_pos += k;
        if (in->head_pos == in->head_len)
            in->phase = in->kind == XI_XL_ZSTD ? P_PASS : P_DIRECT;
        if (!k)
            return xs_input_read(in, buf, cap);
        in->produced += k;
        return (ssize_t)k;
    case P_PASS:
        if (!in->pass_left) {
            in->phase = P_ZSTD;
            return xs_input_read(in, buf, cap);
        }
        if (cap > in->pass_left)
            cap = (size_t)in->pass_left;
        r = read_fd(in, out, cap);
        if (r > 0) {
            in->pass_left -= (uint64_t)r;
            in->produced += (uint64_t)r;
        }
        return r;
    case P_ZSTD:
        r = read_zstd(in, out, cap);
        if (r == -2)
            return xs_input_read(in, buf, cap);
        if (r > 0)
            in->produced += (uint64_t)r;
        return r;
    case P_TAIL:
        /* After the end mark: what is left buffered, then the fd. */
        if (in->zpos < in->zhave) {
            k = in->zhave - in->zpos;
            if (k > cap)
                k = cap;
            memcpy(out, in->zbuf + in->zpos, k);
            in->zpos += k;
            in->produced += k;
            return (ssize_t)k;
        }
        r = read_fd(in, out, cap);
        if (r > 0)
            in->produced += (uint64_t)r;
        return r;
    case P_DIRECT:
        return read_fd(in, out, cap);
    default:
        return 0;
    }
}
