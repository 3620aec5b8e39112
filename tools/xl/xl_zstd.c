/*
 * xl_zstd.c: the zstd-compressed section of an xl save file or migration
 * stream.  See xl_zstd.h for the layout and the contracts.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "xl_zstd.h"

enum { XLZ_AT_BOUNDARY, XLZ_IN_FRAME, XLZ_ENDED };

static uint32_t get_le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

/* ---- decoding ---- */

int xlz_dec_init(xlz_dec *d)
{
    memset(d, 0, sizeof(*d));
    d->need_end_mark = true;
    d->state = XLZ_AT_BOUNDARY;
    d->dctx = ZSTD_createDCtx();
    if (!d->dctx)
        return -1;
    /* A frame asking for a bigger window is refused, not allocated. */
    ZSTD_DCtx_setParameter(d->dctx, ZSTD_d_windowLogMax,
                           XL_ZSTD_WINDOW_LOG_MAX);
    return 0;
}

void xlz_dec_dispose(xlz_dec *d)
{
    ZSTD_freeDCtx(d->dctx);
    d->dctx = NULL;
}

size_t xlz_dec_want(const xlz_dec *d)
{
    switch (d->state) {
    case XLZ_AT_BOUNDARY:
        return XL_ZSTD_END_MARK_SIZE - d->head_have;
    case XLZ_IN_FRAME:
        /* Only once head is fed; zstd's hint never passes the frame end. */
        return d->head_fed < d->head_have ? 0 : d->hint;
    default:
        return 0;
    }
}

/*
 * At a frame boundary: collect 8 octets, enough to tell the end mark from
 * the start of another frame (which is never shorter than that).
 */
static size_t dec_boundary(xlz_dec *d, const unsigned char *in, size_t len)
{
    size_t k = XL_ZSTD_END_MARK_SIZE - d->head_have;
    uint32_t magic;

    if (k > len)
        k = len;
    memcpy(d->head + d->head_have, in, k);
    d->head_have += k;
    if (d->head_have < XL_ZSTD_END_MARK_SIZE)
        return k;

    magic = get_le32(d->head);
    d->frame_offset = d->in_octets + k - XL_ZSTD_END_MARK_SIZE;
    if (magic == XL_ZSTD_END_MAGIC && get_le32(d->head + 4) == 0) {
        d->state = XLZ_ENDED;
        d->ended = true;
    } else {
        d->state = XLZ_IN_FRAME;
        d->head_fed = 0;
        d->hint = 0;
    }
    return k;
}

/* ib_at: the offset of ib's first octet, counted as in_octets is. */
static int dec_frame(xlz_dec *d, ZSTD_inBuffer *ib, ZSTD_outBuffer *ob,
                     uint64_t ib_at)
{
    size_t r = ZSTD_decompressStream(d->dctx, ob, ib);
    unsigned long long at = d->base + d->frame_offset;

    if (ZSTD_isError(r)) {
        uint32_t magic = get_le32(d->head);

        if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
            d->err_offset = at;
            snprintf(d->err, sizeof(d->err), "zstd frame %llu (at offset"
                     " %llu) needs a window larger than the %u MiB this"
                     " reader allows", (unsigned long long)d->frames + 1,
                     at, (1U << XL_ZSTD_WINDOW_LOG_MAX) >> 20);
        } else if (magic != XL_ZSTD_FRAME_MAGIC &&
                   (magic & 0xFFFFFFF0U) != 0x184D2A50U) {
            d->err_offset = at;
            snprintf(d->err, sizeof(d->err), "not a zstd frame: magic"
                     " 0x%08x at offset %llu", magic, at);
        } else {
            /* zstd does not say where; the frame and this much of it. */
            d->err_offset = d->base + ib_at + ib->size;
            snprintf(d->err, sizeof(d->err), "corrupt zstd frame %llu"
                     " (at offset %llu), found in its octets before offset"
                     " %llu: %s", (unsigned long long)d->frames + 1, at,
                     (unsigned long long)d->err_offset,
                     ZSTD_getErrorName(r));
        }
        return -1;
    }
    if (r == 0) {
        d->frames++;
        d->state = XLZ_AT_BOUNDARY;
        d->head_have = d->head_fed = 0;
    } else {
        d->hint = r;
    }
    return 0;
}

int xlz_dec_run(xlz_dec *d, const void *in, size_t in_len, size_t *in_used,
                void *out, size_t out_cap, size_t *out_len)
{
    const unsigned char *p = in;
    ZSTD_outBuffer ob = { out, out_cap, 0 };
    size_t used = 0;
    int rc = 0;

    while (d->state != XLZ_ENDED && ob.pos < ob.size) {
        if (d->state == XLZ_AT_BOUNDARY) {
            size_t k;

            if (used == in_len)
                break;
            k = dec_boundary(d, p + used, in_len - used);
            used += k;
            d->in_octets += k;
            continue;
        }
        if (d->head_fed < d->head_have) {
            ZSTD_inBuffer hb = { d->head, d->head_have, d->head_fed };

            rc = dec_frame(d, &hb, &ob, d->frame_offset);
            if (d->state == XLZ_IN_FRAME)
                d->head_fed = hb.pos;
        } else {
            ZSTD_inBuffer ib = { p + used, in_len - used, 0 };
            size_t before = ob.pos;

            rc = dec_frame(d, &ib, &ob, d->in_octets);
            used += ib.pos;
            d->in_octets += ib.pos;
            /* Nothing in, nothing out: zstd wants more input. */
            if (!rc && d->state == XLZ_IN_FRAME && !ib.pos &&
                ob.pos == before)
                break;
        }
        if (rc)
            break;
    }
    d->out_octets += ob.pos;
    *in_used = used;
    *out_len = ob.pos;
    return rc;
}

int xlz_dec_finish(xlz_dec *d)
{
    unsigned long long end = d->base + d->in_octets;

    if (d->state == XLZ_ENDED)
        return 0;
    if (d->state == XLZ_AT_BOUNDARY && d->head_have == 0 &&
        !d->need_end_mark)
        return 0;
    d->err_offset = end;
    if (d->state == XLZ_IN_FRAME)
        snprintf(d->err, sizeof(d->err), "truncated: the input ends at"
                 " offset %llu inside zstd frame %llu (at offset %llu)",
                 end, (unsigned long long)d->frames + 1,
                 (unsigned long long)(d->base + d->frame_offset));
    else
        snprintf(d->err, sizeof(d->err), "truncated: the input ends at"
                 " offset %llu, after %llu complete zstd frame(s) but"
                 " before the end mark", end,
                 (unsigned long long)d->frames);
    return -1;
}

/* ---- encoding ---- */

/*
 * Levels `xl migrate -z` steps through: down while the link is waiting
 * for the compressor, up again while the compressor is waiting for the
 * link.  The last is close to a plain copy (zstd stores what it cannot
 * compress quickly).
 */
static const int adapt_levels[] = { 1, -2, -5, -10, -100 };
#define N_ADAPT_LEVELS (sizeof(adapt_levels) / sizeof(adapt_levels[0]))

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int xlz_enc_init(xlz_enc *e, int fd, int level)
{
    memset(e, 0, sizeof(*e));
    e->fd = fd;
    e->level = level;
    e->min_level_used = level;
    e->cctx = ZSTD_createCCtx();
    e->out_cap = ZSTD_CStreamOutSize();
    e->out = malloc(e->out_cap);
    if (!e->cctx || !e->out) {
        xlz_enc_dispose(e);
        return -1;
    }
    return 0;
}

void xlz_enc_dispose(xlz_enc *e)
{
    ZSTD_freeCCtx(e->cctx);
    e->cctx = NULL;
    free(e->out);
    e->out = NULL;
}

static int enc_put(xlz_enc *e, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    int64_t t0 = mono_ns();

    while (len) {
        ssize_t r = write(e->fd, p, len);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = { .fd = e->fd, .events = POLLOUT };

                poll(&pfd, 1, 1000);
                continue;
            }
            e->err = errno;
            return -1;
        }
        p += r;
        len -= r;
        e->out_octets += r;
    }
    e->frame_ns_write += mono_ns() - t0;
    return 0;
}

static int level_index(int level)
{
    unsigned i;

    for (i = 0; i < N_ADAPT_LEVELS; i++)
        if (adapt_levels[i] == level)
            return i;
    return 0;
}

/*
 * After a frame: if writing took under a tenth of the time compressing
 * did, the output could have taken more, faster: compress less.  If
 * writing took longer than compressing, there is CPU to spare: more.
 */
static void enc_adapt(xlz_enc *e)
{
    int i = level_index(e->level);

    if (e->frame_ns_write * 10 < e->frame_ns_compress &&
        i + 1 < (int)N_ADAPT_LEVELS)
        i++;
    else if (e->frame_ns_write > e->frame_ns_compress && i > 0)
        i--;
    e->level = adapt_levels[i];
    if (e->level < e->min_level_used)
        e->min_level_used = e->level;
}

static int enc_step(xlz_enc *e, ZSTD_inBuffer *ib, ZSTD_EndDirective how)
{
    for (;;) {
        ZSTD_outBuffer ob = { e->out, e->out_cap, 0 };
        int64_t t0 = mono_ns();
        size_t r = ZSTD_compressStream2(e->cctx, &ob, ib, how);

        e->frame_ns_compress += mono_ns() - t0;
        if (ZSTD_isError(r)) {
            e->err = EINVAL;
            return -1;
        }
        if (ob.pos && enc_put(e, e->out, ob.pos))
            return -1;
        if (how == ZSTD_e_continue ? ib->pos == ib->size : r == 0)
            return 0;
    }
}

static int enc_end_frame(xlz_enc *e)
{
    ZSTD_inBuffer ib = { NULL, 0, 0 };

    if (!e->in_frame)
        return 0;
    if (enc_step(e, &ib, ZSTD_e_end))
        return -1;
    e->in_frame = false;
    e->frames++;
    if (e->adapt)
        enc_adapt(e);
    return 0;
}

int xlz_enc_write(xlz_enc *e, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len) {
        size_t k = len;
        ZSTD_inBuffer ib;

        if (!e->in_frame) {
            ZSTD_CCtx_reset(e->cctx, ZSTD_reset_session_only);
            ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_compressionLevel,
                                   e->level);
            ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_checksumFlag, 1);
            e->in_frame = true;
            e->frame_in = 0;
            e->frame_ns_compress = e->frame_ns_write = 0;
        }
        if (k > XL_ZSTD_FRAME_INPUT - e->frame_in)
            k = XL_ZSTD_FRAME_INPUT - e->frame_in;
        ib = (ZSTD_inBuffer){ p, k, 0 };
        if (enc_step(e, &ib, ZSTD_e_continue))
            return -1;
        e->frame_in += k;
        e->in_octets += k;
        p += k;
        len -= k;
        if (e->frame_in == XL_ZSTD_FRAME_INPUT && enc_end_frame(e))
            return -1;
    }
    return 0;
}

int xlz_enc_finish(xlz_enc *e, bool end_mark)
{
    unsigned char mark[XL_ZSTD_END_MARK_SIZE];

    if (enc_end_frame(e))
        return -1;
    if (!end_mark)
        return 0;
    put_le32(mark, XL_ZSTD_END_MAGIC);
    put_le32(mark + 4, 0);
    return enc_put(e, mark, sizeof(mark));
}

/* ---- pumps ---- */

#define PUMP_BUF (128U << 10)

int xlz_pump_compress(int in_fd, int out_fd, int level, bool adapt,
                      xlz_enc *stats, char *msg, size_t msg_len)
{
    unsigned char *buf = malloc(PUMP_BUF);
    xlz_enc e;
    int rc = -1;

    if (!buf || xlz_enc_init(&e, out_fd, level)) {
        free(buf);
        snprintf(msg, msg_len, "out of memory for zstd");
        return -1;
    }
    e.adapt = adapt;
    for (;;) {
        ssize_t got = read(in_fd, buf, PUMP_BUF);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(msg, msg_len, "reading the stream to compress: %s",
                     strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        if (xlz_enc_write(&e, buf, got))
            goto write_failed;
    }
    if (xlz_enc_finish(&e, true))
        goto write_failed;
    rc = 0;
    goto out;

 write_failed:
    snprintf(msg, msg_len, "writing compressed data after %llu octets: %s",
             (unsigned long long)e.out_octets,
             e.err == EINVAL ? "zstd refused to compress" : strerror(e.err));
 out:
    if (stats)
        *stats = e;
    xlz_enc_dispose(&e);
    if (stats) {
        stats->cctx = NULL;
        stats->out = NULL;
    }
    free(buf);
    return rc;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t r = write(fd, p, n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        p += r;
        n -= r;
    }
    return 0;
}

int xlz_pump_decompress(int in_fd, int out_fd, uint64_t base,
                        xlz_dec *stats, char *msg, size_t msg_len)
{
    size_t in_cap = PUMP_BUF, out_cap = ZSTD_DStreamOutSize();
    unsigned char *in = malloc(in_cap), *out = malloc(out_cap);
    size_t have = 0, pos = 0;
    xlz_dec d;
    int rc = -1;

    if (!in || !out || xlz_dec_init(&d)) {
        free(in);
        free(out);
        snprintf(msg, msg_len, "out of memory for zstd");
        return -1;
    }
    d.base = base;
    for (;;) {
        size_t used, made, want;

        if (pos == have) {
            ssize_t got;

            want = xlz_dec_want(&d);
            if (d.ended)
                break;
            /* 0: the decoder has input of its own to finish first. */
            got = 0;
            if (want)
                got = read(in_fd, in, want < in_cap ? want : in_cap);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                snprintf(msg, msg_len, "reading compressed data at offset"
                         " %llu: %s", (unsigned long long)d.in_octets,
                         strerror(errno));
                goto out;
            }
            if (got == 0 && want) {
                if (xlz_dec_finish(&d)) {
                    snprintf(msg, msg_len, "%s", d.err);
                    goto out;
                }
                break;
            }
            have = got;
            pos = 0;
        }
        if (xlz_dec_run(&d, in + pos, have - pos, &used, out, out_cap,
                        &made)) {
            snprintf(msg, msg_len, "%s", d.err);
            goto out;
        }
        pos += used;
        if (made && write_all(out_fd, out, made)) {
            snprintf(msg, msg_len, "passing on decompressed data: %s",
                     strerror(errno));
            goto out;
        }
    }
    rc = 0;
 out:
    if (stats) {
        *stats = d;
        stats->dctx = NULL;
    }
    xlz_dec_dispose(&d);
    free(in);
    free(out);
    return rc;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
