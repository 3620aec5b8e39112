/*
 * convert_legacy.c: `xen-stream convert --from-legacy`.
 *
 * The converter is convert-legacy-stream's own (cls_convert() in
 * tools/convert-legacy-stream/, linked in, not copied).  It pulls its input
 * through a callback and pushes its output through another; here the pull
 * side replays the octets we peeked at and then reads the input, and the
 * push side is cv_feed(), so the v2 stream it makes is checked by the
 * stream walker and cut to the target exactly like a v2 input would be.
 *
 * The guest type is not in a legacy stream; for an xl file it is in the
 * domain configuration (c_info.type), which is read before conversion
 * starts.  The width is the saving toolstack's word size, which nothing
 * in the image says: it defaults to 64, what libxl on x86_64 passes.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cls.h"
#include "convert.h"
#include "input_kind.h"
#include "output.h"

/* A config larger than this is not peeked at: give --guest. */
#define CV_PEEK_CONFIG_MAX  (1u << 20)



/* What was read ahead, handed to the converter before the rest. */
typedef struct replay_src {
    int fd;
    const unsigned char *buf;
    size_t len, pos;
} replay_src;

static ssize_t replay_pull(void *opaque, void *dst, size_t len)
{
    replay_src *r = opaque;
    size_t k = r->len - r->pos;

    if (!k)
        return cls_pull_fd(&r->fd, dst, len);
    if (k > len)
        k = len;
    memcpy(dst, r->buf + r->pos, k);
    r->pos += k;
    return (ssize_t)k;
}

/* The converter's output goes straight into the checked copy. */
static int feed_push(void *opaque, const void *buf, size_t len)
{
    cv_run *c = opaque;

    if (cv_feed(c, buf, len)) {
        errno = EPROTO;     /* the message is ours, not the converter's */
        return -1;
    }
    return 0;
}

/* Read up to n octets; fewer only at end of input.  -1 on error. */
static ssize_t read_upto(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static uint32_t get_le32(const unsigned char *p)
{
    return cls_get_le32(p);
}

/*
 * c_info.type from the JSON config at p (len octets).  The octet after
 * the config belongs to the stream and is replayed later, so it is put
 * back after the parser has had its terminating NUL.
 */
static void guest_from_config(unsigned char *p, uint32_t len, char *type,
                              size_t type_len)
{
    unsigned char saved = p[len];

    p[len] = '\0';
    config_guest_type((const char *)p, type, type_len);
    p[len] = saved;
}

typedef struct peeked {
    unsigned char *buf;           /* 48 + CV_PEEK_CONFIG_MAX + 1 octets */
    size_t len;
    bool xl;
    bool cut;                     /* input ended inside what we peeked at */
    char guest[16];               /* from the config, or "" */
} peeked;

/*
 * Look at the start of the input: refuse a v2 stream, learn whether there
 * is an xl header and, if its config is JSON and small, the guest type.
 * Returns 0, or an exit status with the message printed.
 */
static int peek(cv_run *c, peeked *pk)
{
    libxl__sr_xl_hdr xl;
    uint32_t mandatory, optlen, cfglen;
    const char *what;
    ssize_t got;

    got = read_upto(c->in_fd, pk->buf, SW_XL_HEADER_SIZE);
    if (got < 0)
        goto read_error;
    pk->len = (size_t)got;
    what = xs_v2_container(pk->buf, pk->len);
    if (what) {
        fprintf(stderr, "xen-stream: %s: already a migration-v2 stream "
                "(%s), nothing to convert: convert it without "
                "--from-legacy\n", c->in_name, what);
        return CV_EXIT_INVALID;
    }
    if (!xs_xl_magic_start(pk->buf, pk->len)) {
        what = xs_foreign_input(pk->buf, pk->len);
        if (what) {
            fprintf(stderr, "xen-stream: %s: not a legacy image: %s\n",
                    c->in_name, what);
            return CV_EXIT_INVALID;
        }
        return 0;                 /* bare legacy libxc, or garbage */
    }
    pk->xl = true;
    if (pk->len < SW_XL_HEADER_SIZE) {
        pk->cut = true;           /* the converter reports where */
        return 0;
    }
    /* A header the codec refuses: the converter says what is wrong. */
    if (libxl__sr_decode_xl_header(pk->buf, pk->len, ~0u, &xl, NULL) < 0)
        return 0;
    mandatory = xl.mandatory_flags;
    optlen = xl.optional_len;
    if (optlen < 4 || optlen > CV_PEEK_CONFIG_MAX)
        return 0;
    got = read_upto(c->in_fd, pk->buf + pk->len, optlen);
    if (got < 0)
        goto read_error;
    pk->len += (size_t)got;
    pk->cut = (size_t)got < optlen;
    if (pk->cut || !(mandatory & SW_XL_FLAG_JSON))
        return 0;
    cfglen = get_le32(pk->buf + SW_XL_HEADER_SIZE);
    if (cfglen <= optlen - 4)
        guest_from_config(pk->buf + SW_XL_HEADER_SIZE + 4, cfglen,
                          pk->guest, sizeof(pk->guest));
    return 0;

 read_error:
    fprintf(stderr, "xen-stream: %s: read: %s\n", c->in_name,
            strerror(errno));
    return CV_EXIT_USAGE;
}

/* --guest wins; else the config; else we cannot guess. */
static int pick_guest(cv_run *c, const peeked *pk, bool *hvm)
{
    const char *g = c->opts->guest;

    /* A cut xl header: any type will do, the converter stops at the cut
     * with the message that names it. */
    if (pk->cut) {
        *hvm = false;
        return 0;
    }
    if (g && pk->guest[0] && strcmp(g, pk->guest))
        fprintf(stderr, "xen-stream: %s: warning: --guest %s overrides "
                "the config's type \"%s\"\n", c->in_name, g, pk->guest);
    if (!g)
        g = pk->guest;
    if (!strcmp(g, "pv") || !strcmp(g, "hvm")) {
        *hvm = !strcmp(g, "hvm");
        return 0;
    }
    if (g[0])
        fprintf(stderr, "xen-stream: %s: guest type \"%s\" has no legacy "
                "format: give --guest pv|hvm if it is wrong\n", c->in_name,
                g);
    else
        fprintf(stderr, "xen-stream: %s: the guest type is not known (%s): "
                "give --guest pv|hvm\n", c->in_name,
                pk->xl ? "no JSON config to read it from" :
                         "a bare legacy stream does not say");
    return CV_EXIT_USAGE;
}

/* Whatever follows the legacy stream (a capture's handshake) is dropped,
 * but counted so that it can be reported. */
static int drain_rest(cv_run *c, unsigned char *buf, size_t len)
{
    ssize_t got;

    while ((got = read_upto(c->in_fd, buf, len)) > 0)
        c->dropped_after += (uint64_t)got;
    if (got < 0) {
        fprintf(stderr, "xen-stream: %s: read: %s\n", c->in_name,
                strerror(errno));
        return CV_EXIT_USAGE;
    }
    return 0;
}

static int convert(cv_run *c, peeked *pk, bool hvm, unsigned char *sinkbuf)
{
    replay_src rs = { .fd = c->in_fd, .buf = pk->buf, .len = pk->len };
    cls_source src = { .pull = replay_pull, .opaque = &rs };
    cls_sink sink;
    cls_job *job;
    int rc;

    job = calloc(1, sizeof(*job));
    if (!job) {
        fprintf(stderr, "xen-stream: out of memory\n");
        return CV_EXIT_USAGE;
    }
    cls_job_init(job);
    job->prog = "xen-stream";
    job->word = c->opts->width && !strcmp(c->opts->width, "32") ? 4 : 8;
    job->hvm = hvm;
    job->libxl = true;            /* every target is cut from this */
    job->xl_header = pk->xl;
    cls_sink_init(&sink, sinkbuf, feed_push, c);
    job->in = &src;
    job->out = &sink;

    rc = cls_convert(job);
    if (rc && (c->walk_failed || c->refusal[0] || c->write_failed)) {
        if (c->walk_failed)
            fprintf(stderr, "xen-stream: %s: the converted stream is "
                    "invalid (offsets are in the converted stream):\n",
                    c->in_name);
        rc = cv_report_failure(c);
    } else if (rc) {
        fprintf(stderr, "xen-stream: %s: legacy conversion failed: %s%s\n",
                c->in_name, rc == CLS_UNSUPPORTED ? "unsupported: " : "",
                job->message);
        rc = CV_EXIT_INVALID;
    } else {
        rc = drain_rest(c, job->copybuf, sizeof(job->copybuf));
        if (!rc && cv_end(c))
            rc = cv_report_failure(c);
    }
    cls_job_dispose(job);
    free(job);
    return rc;
}

int cv_run_legacy(cv_run *c)
{
    unsigned char *sinkbuf;
    peeked pk;
    bool hvm = false;
    int rc;

    memset(&pk, 0, sizeof(pk));
    pk.buf = malloc(SW_XL_HEADER_SIZE + CV_PEEK_CONFIG_MAX + 1);
    sinkbuf = malloc(CLS_SINK_BUF);
    if (!pk.buf || !sinkbuf) {
        fprintf(stderr, "xen-stream: out of memory\n");
        rc = CV_EXIT_USAGE;
        goto out;
    }
    rc = peek(c, &pk);
    if (rc)
        goto out;
    if (!pk.xl && c->opts->to == CV_TO_XL) {
        fprintf(stderr, "xen-stream: %s: cannot convert to %s: a bare "
                "legacy stream does not carry the domain configuration; "
                "use --to libxl or --to libxc\n", c->in_name,
                cv_target_name(CV_TO_XL));
        rc = CV_EXIT_INVALID;
        goto out;
    }
    rc = pick_guest(c, &pk, &hvm);
    if (!rc)
        rc = convert(c, &pk, hvm, sinkbuf);
 out:
    free(pk.buf);
    free(sinkbuf);
    return rc;
}
