/*
 * cls_io.c: where convert-legacy-stream's bytes come from and go to.
 *
 * Reads are exact and unbuffered (see cls.h for why); writes are staged in
 * the sink's buffer so that a page batch leaves in a few large write()s.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cls.h"

/* ---- Concrete sources and sinks ---- */

/*
 * The descriptors come from libxl, which may have made them non-blocking;
 * wait rather than fail when one is not ready.
 */
static int wait_ready(int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };
    int r;

    do {
        r = poll(&p, 1, -1);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

ssize_t cls_pull_fd(void *opaque, void *buf, size_t len)
{
    int fd = *(int *)opaque;
    ssize_t r;

    for (;;) {
        r = read(fd, buf, len);
        if (r >= 0)
            return r;
        if (errno == EINTR)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
            !wait_ready(fd, POLLIN))
            continue;
        return -1;
    }
}

int cls_push_fd(void *opaque, const void *buf, size_t len)
{
    int fd = *(int *)opaque;
    const unsigned char *p = buf;

    while (len) {
        ssize_t r = write(fd, p, len);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
                !wait_ready(fd, POLLOUT))
                continue;
            return -1;
        }
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

ssize_t cls_pull_mem(void *opaque, void *buf, size_t len)
{
    cls_memsrc *m = opaque;
    size_t left = m->len - m->pos;

    if (len > left)
        len = left;
    if (len)
        memcpy(buf, m->data + m->pos, len);
    m->pos += len;
    return (ssize_t)len;
}

int cls_push_null(void *opaque, const void *buf, size_t len)
{
    return 0;
}

/* ---- Reading ---- */

/*
 * Read len octets that are part of a field of span octets starting at
 * span_at (a large field is read in pieces); a short read is reported
 * against the whole field.
 */
static int read_piece(cls_job *job, void *buf, size_t len, const char *what,
                      uint64_t span_at, uint64_t span)
{
    unsigned char *p = buf;
    size_t got = 0;

    if (job->ahead_pos < job->ahead_len) {
        got = job->ahead_len - job->ahead_pos;
        if (got > len)
            got = len;
        memcpy(p, job->ahead + job->ahead_pos, got);
        job->ahead_pos += (unsigned)got;
        job->in->offset += got;
    }
    while (got < len) {
        ssize_t r = job->in->pull(job->in->opaque, p + got, len - got);

        if (r < 0)
            return cls_fail_at(job, CLS_BAD_INPUT, job->in->offset,
                               "read error in %s: %s", what, strerror(errno));
        if (r == 0)
            return cls_fail_at(job, CLS_BAD_INPUT, span_at,
                               "input truncated in %s: %" PRIu64 " octets "
                               "expected, input ended after %" PRIu64, what,
                               span, job->in->offset - span_at);
        got += (size_t)r;
        job->in->offset += (uint64_t)r;
    }
    return 0;
}

int cls_read(cls_job *job, void *buf, size_t len, const char *what)
{
    return read_piece(job, buf, len, what, job->in->offset, len);
}

int cls_read_u32(cls_job *job, uint32_t *v, const char *what)
{
    unsigned char b[4];

    if (cls_read(job, b, sizeof(b), what))
        return -1;
    *v = cls_get_le32(b);
    return 0;
}

int cls_read_u64(cls_job *job, uint64_t *v, const char *what)
{
    unsigned char b[8];

    if (cls_read(job, b, sizeof(b), what))
        return -1;
    *v = cls_get_le64(b);
    return 0;
}

int cls_read_word(cls_job *job, uint64_t *v, const char *what)
{
    uint32_t narrow;

    if (job->word == 8)
        return cls_read_u64(job, v, what);
    if (cls_read_u32(job, &narrow, what))
        return -1;
    *v = narrow;
    return 0;
}

int cls_peek(cls_job *job, size_t n)
{
    if (n > CLS_AHEAD || job->ahead_pos)
        return cls_fail_at(job, CLS_UNSUPPORTED, job->in->offset,
                           "internal: peek of %zu octets", n);
    while (job->ahead_len < n) {
        ssize_t r = job->in->pull(job->in->opaque,
                                  job->ahead + job->ahead_len,
                                  n - job->ahead_len);

        if (r < 0)
            return cls_fail_at(job, CLS_BAD_INPUT, job->in->offset,
                               "read error at the start: %s",
                               strerror(errno));
        if (r == 0)
            break;
        job->ahead_len += (unsigned)r;
    }
    return (int)job->ahead_len;
}

int cls_skip(cls_job *job, uint64_t n, const char *what)
{
    uint64_t at = job->in->offset, span = n;

    while (n) {
        size_t step = n < sizeof(job->copybuf) ? (size_t)n
                                                : sizeof(job->copybuf);

        if (read_piece(job, job->copybuf, step, what, at, span))
            return -1;
        n -= step;
    }
    return 0;
}

/* ---- Writing ---- */

void cls_sink_init(cls_sink *s, unsigned char *buf, cls_push_fn *push,
                   void *opaque)
{
    memset(s, 0, sizeof(*s));
    s->buf = buf;
    s->push = push;
    s->opaque = opaque;
}

static int drain(cls_job *job)
{
    cls_sink *s = job->out;

    if (s->used && s->push(s->opaque, s->buf, s->used))
        return cls_fail_at(job, CLS_BAD_INPUT, job->in->offset,
                           "write error after %llu output octets: %s",
                           (unsigned long long)(s->written - s->used),
                           strerror(errno));
    s->used = 0;
    return 0;
}

int cls_put(cls_job *job, const void *buf, size_t len)
{
    cls_sink *s = job->out;
    const unsigned char *p = buf;

    while (len) {
        size_t room = CLS_SINK_BUF - s->used;
        size_t step = len < room ? len : room;

        memcpy(s->buf + s->used, p, step);
        s->used += step;
        s->written += step;
        p += step;
        len -= step;
        if (s->used == CLS_SINK_BUF && drain(job))
            return -1;
    }
    return 0;
}

int cls_flush(cls_job *job)
{
    return drain(job);
}

int cls_copy(cls_job *job, uint64_t n, const char *what)
{
    uint64_t at = job->in->offset, span = n;

    while (n) {
        size_t step = n < sizeof(job->copybuf) ? (size_t)n
                                                : sizeof(job->copybuf);

        if (read_piece(job, job->copybuf, step, what, at, span) ||
            cls_put(job, job->copybuf, step))
            return -1;
        n -= step;
    }
    return 0;
}
