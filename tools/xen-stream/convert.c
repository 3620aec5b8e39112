/*
 * convert.c: `xen-stream convert [--to xl|libxl|libxc] IN OUT`.
 *
 * Every target is a contiguous part of the (v2) input:
 *
 *   xl     [xl header + config][libxl stream up to END]  (trailing dropped)
 *   libxl                      [libxl stream up to END]
 *          (from an xl file or a libvirt save image: what follows the
 *          xl config or libvirt's domain XML)
 *   libxc          [the libxc stream inside LIBXC_CONTEXT up to its END]
 *   libvirt  [libvirt header + XML][libxl stream up to END]
 *          (the header and the domain XML, from --xml, are written first;
 *          the rest is the libxl window)
 *
 * so a conversion is a copy of one window of the input, checked octet by
 * octet by the same walker `verify` uses.  The walker reports each edge of
 * the window as an event while it consumes the chunk holding that edge
 * (the edges are ends of structures it has just parsed, or, for the start
 * of the libxl stream in an xl file, known from the xl header before it);
 * so once a chunk has been pushed, its part inside the window is known and
 * is written at once.  Nothing is held back and memory stays at the size
 * of the read buffer whatever the image.
 *
 * OUT is a temporary file next to the destination, renamed over it only
 * when the whole input has been checked: a failed conversion leaves no
 * file behind.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert.h"

#define CV_READ_BUF  (128u << 10)

/* ---- The output file ---- */

typedef struct cv_out {
    const char *path;             /* NULL: standard output */
    char *tmp;                    /* while writing a regular file */
    int fd;
} cv_out;

/* The temporary file, for the signal handler: an interrupted conversion
 * must not leave a half-written file behind either. */
static const char *volatile cv_tmp_for_signal;

static void cv_on_signal(int sig)
{
    if (cv_tmp_for_signal)
        unlink(cv_tmp_for_signal);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void cv_catch_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    size_t i;

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], cv_on_signal);
    /* A reader that went away is a write error, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
}

/*
 * A path that exists and is not a regular file (/dev/null, a fifo) is
 * written in place: there is nothing to rename over it.
 */
static int out_open(cv_out *o, const char *path)
{
    char *copy1 = NULL, *copy2 = NULL;
    struct stat st;
    int n;

    memset(o, 0, sizeof(*o));
    if (!strcmp(path, "-")) {
        o->fd = STDOUT_FILENO;
        return 0;
    }
    o->path = path;
    if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
        o->fd = open(path, O_WRONLY | O_CLOEXEC);
        return o->fd < 0 ? -1 : 0;
    }
    copy1 = strdup(path);
    copy2 = strdup(path);
    if (!copy1 || !copy2)
        goto fail;
    n = asprintf(&o->tmp, "%s/.%s.convert-XXXXXX", dirname(copy1),
                 basename(copy2));
    if (n < 0) {
        o->tmp = NULL;
        goto fail;
    }
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    if (o->fd < 0)
        goto fail;
    cv_tmp_for_signal = o->tmp;
    free(copy1);
    free(copy2);
    return 0;

 fail:
    free(copy1);
    free(copy2);
    free(o->tmp);
    o->tmp = NULL;
    return -1;
}

static void out_discard(cv_out *o)
{
    if (o->path && o->fd >= 0)
        close(o->fd);
    if (o->tmp) {
        unlink(o->tmp);
        cv_tmp_for_signal = NULL;
        free(o->tmp);
        o->tmp = NULL;
    }
    o->fd = -1;
}

/* Flush to disk, give the file the mode a plain creat() would have, put
 * it in place and make the rename itself durable. */
static int out_commit(cv_out *o)
{
    mode_t mask;
    char *copy;
    int dfd, r = 0;

    if (!o->path)
        return 0;
    if (!o->tmp)
        return close(o->fd);
    mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, 0666 & ~mask) || fsync(o->fd) || close(o->fd)) {
        o->fd = -1;
        return -1;
    }
    o->fd = -1;
    if (rename(o->tmp, o->path))
        return -1;
    cv_tmp_for_signal = NULL;
    free(o->tmp);
    o->tmp = NULL;
    copy = strdup(o->path);
    if (!copy)
        return 0;       /* the file is in place; only durability is lost */
    dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        r = fsync(dfd);
        close(dfd);
    }
    free(copy);
    return r;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t r = write(fd, p, n);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/*
 * Write the part [at, at + n) of the output window.  With --zstd an xl
 * file's header goes out as is but for the zstd flag; everything from
 * c->zstart on goes through the encoder.
 */
static int out_put(cv_run *c, const unsigned char *p, size_t n, uint64_t at)
{
    unsigned char head[SW_XL_HEADER_SIZE];

    if (!c->enc)
        return write_all(c->out_fd, p, n);
    if (at < c->zstart) {
        size_t k = n < c->zstart - at ? n : (size_t)(c->zstart - at);

        /* The flag is in the first 48 octets, which arrive together. */
        if (at == 0 && k >= SW_XL_HEADER_SIZE && c->opts->to == CV_TO_XL) {
            memcpy(head, p, sizeof(head));
            head[36] |= XL_ZSTD_MANDATORY_FLAG;
            if (write_all(c->out_fd, head, sizeof(head)))
                return -1;
            p += sizeof(head);
            n -= sizeof(head);
            k -= sizeof(head);
        }
        if (write_all(c->out_fd, p, k))
            return -1;
        p += k;
        n -= k;
    }
    if (n && xlz_enc_write(c->enc, p, n)) {
        errno = c->enc->err;
        return -1;
    }
    return 0;
}

/* ---- libvirt's header ---- */

/*
 * --to libvirt: libvirt's 64-octet header and the domain XML (from a
 * local file the user names, read up to the cap and no further), written
 * before the libxl window.  Returns 0, or -1 with a message printed.
 */
static int write_libvirt_prefix(cv_run *c)
{
    static const char magic[16] = "libvirt-xml\n \0 \r";
    unsigned char hdr[SW_LV_HEADER_SIZE];
    const char *path = c->opts->xml_path;
    char *xml = NULL;
    size_t have = 0;
    ssize_t r;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    xml = malloc(SW_LV_MAX_XML + 1);
    if (fd < 0 || !xml) {
        fprintf(stderr, "xen-stream: %s: %s\n", path,
                fd < 0 ? strerror(errno) : "out of memory");
        goto out;
    }
    while (have <= SW_LV_MAX_XML &&
           (r = read(fd, xml + have, SW_LV_MAX_XML + 1 - have)) > 0)
        have += (size_t)r;
    if (r < 0) {
        fprintf(stderr, "xen-stream: %s: %s\n", path, strerror(errno));
        goto out;
    }
    /* The XML with its NUL must fit the header's length and our cap. */
    if (have < SW_LV_MAX_XML)
        xml[have] = '\0';
    if (!have || have >= SW_LV_MAX_XML || memchr(xml, '\0', have) ||
        !strstr(xml, "<domain")) {
        fprintf(stderr, "xen-stream: %s: not a domain XML for libvirt "
                "(empty, a NUL inside, no <domain element, or %u octets "
                "or more)\n", path, SW_LV_MAX_XML);
        goto out;
    }
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, magic, sizeof(magic));
    hdr[16] = SW_LV_VERSION_V2;
    hdr[20] = (unsigned char)(have + 1);
    hdr[21] = (unsigned char)((have + 1) >> 8);
    hdr[22] = (unsigned char)((have + 1) >> 16);
    hdr[23] = (unsigned char)((have + 1) >> 24);
    if (write_all(c->out_fd, hdr, sizeof(hdr)) ||
        write_all(c->out_fd, (const unsigned char *)xml, have + 1)) {
        fprintf(stderr, "xen-stream: %s: write: %s\n", c->opts->out_path,
                strerror(errno));
        goto out;
    }
    c->prefix = sizeof(hdr) + have + 1;
    rc = 0;
 out:
    if (fd >= 0)
        close(fd);
    free(xml);
    return rc;
}

/* ---- Where the output starts and stops ---- */

/* The targets whose window is the libxl stream. */
static bool libxl_window(enum cv_target to)
{
    return to == CV_TO_LIBXL || to == CV_TO_LIBVIRT;
}

static void refuse(cv_run *c, const char *why)
{
    if (!c->refusal[0])
        snprintf(c->refusal, sizeof(c->refusal), "%s", why);
}

static void on_libxc_event(cv_run *c, const xcw_event *x)
{
    const stream_walk *w = c->w;

    if (x->kind == XCW_EV_IMAGE_HEADER && w->bare_libxc) {
        if (c->opts->to == CV_TO_XL)
            refuse(c, "a bare libxc stream carries neither the domain "
                   "configuration nor the libxl records an xl save file "
                   "needs");
        else if (libxl_window(c->opts->to))
            refuse(c, "a bare libxc stream lacks the libxl records (device "
                   "model state) of a libxl stream");
        else
            c->out_start = 0;
    }
    if (x->kind == XCW_EV_RECORD &&
        (c->opts->to == CV_TO_XL || c->opts->to == CV_TO_LIBVIRT) &&
        x->u.record->type == XCW_REC_CHECKPOINT)
        refuse(c, "checkpointed (Remus/COLO) stream: a restore reads a "
               "plain stream and refuses checkpoint records, so no saved "
               "image made from it would restore; --to libxl extracts the "
               "stream as it is");
    if (x->kind != XCW_EV_RECORD || c->opts->to != CV_TO_LIBXC)
        return;
    if (x->u.record->type == XCW_REC_CHECKPOINT)
        refuse(c, "checkpointed (Remus/COLO) stream: its libxc part is "
               "interleaved with libxl records at every checkpoint and is "
               "not a stream of its own; convert it --to libxl or --to xl");
    else if (x->u.record->type == XCW_REC_END)
        c->out_stop = w->xc.offset;   /* just past libxc's END */
}

static void on_event(void *opaque, const sw_event *ev)
{
    cv_run *c = opaque;
    enum cv_target to = c->opts->to;
    const sw_record *rec;

    switch (ev->kind) {
    case SW_EV_XL_HEADER:
        if (to == CV_TO_XL) {
            c->out_start = 0;
            c->zstart = SW_XL_HEADER_SIZE + ev->u.xl.optional_len;
        }
        else if (libxl_window(to))
            c->out_start = SW_XL_HEADER_SIZE + ev->u.xl.optional_len;
        break;
    case SW_EV_LV_HEADER:
        /* The libxl stream starts right behind the domain XML. */
        if (to == CV_TO_XL)
            refuse(c, "a libvirt save image carries libvirt's domain XML, "
                   "not the xl configuration an xl save file needs; "
                   "--to libxl extracts its libxl stream");
        else if (libxl_window(to))
            c->out_start = SW_LV_HEADER_SIZE + (uint64_t)ev->u.lv.xml_len;
        break;
    case SW_EV_LIBXL_HEADER:
        if (c->w->xl_header || c->w->libvirt)
            break;
        if (to == CV_TO_XL)
            refuse(c, "a bare libxl stream does not carry the domain "
                   "configuration an xl save file needs; use --to libxl");
        else if (libxl_window(to))
            c->out_start = ev->offset;
        break;
    case SW_EV_RECORD:
        rec = ev->u.rec;
        if (rec->type == LIBXL_SR_REC_LIBXC_CONTEXT && to == CV_TO_LIBXC)
            c->out_start = rec->offset + LIBXL_SR_REC_HDR_SIZE;
        else if (rec->type == LIBXL_SR_REC_END && to != CV_TO_LIBXC)
            c->out_stop = rec->offset + LIBXL_SR_REC_HDR_SIZE +
                          rec->length + libxl__sr_padding(rec->length);
        break;
    case SW_EV_LIBXC:
        on_libxc_event(c, ev->u.libxc);
        break;
    default:
        break;
    }
}

/* Check one chunk, then write what of it lies in the window. */
static int push_window(cv_run *c, const unsigned char *buf, size_t n)
{
    uint64_t lo = c->fed, hi = c->fed + n;

    if (sw_push(c->w, buf, n) < 0) {
        c->walk_failed = true;
        return -1;
    }
    if (c->refusal[0])
        return -1;
    c->fed += n;
    if (c->out_start == CV_UNKNOWN)
        return 0;
    if (lo < c->out_start)
        lo = c->out_start;
    if (hi > c->out_stop)
        hi = c->out_stop;
    if (lo >= hi)
        return 0;
    if (out_put(c, buf + (lo - (c->fed - n)), (size_t)(hi - lo),
                lo - c->out_start)) {
        c->write_failed = true;
        c->write_errno = errno;
        return -1;
    }
    c->written += hi - lo;
    return 0;
}

/*
 * The container, and with it the start of the window, is known once the
 * xl header (48 octets, the longest first structure) has been seen, so
 * the first push always holds that many: a read that returns fewer must
 * not have its octets pushed and forgotten before the window is known.
 */
int cv_feed(cv_run *c, const void *buf, size_t n)
{
    const unsigned char *p = buf;

    if (!c->pushed_once) {
        size_t k = SW_XL_HEADER_SIZE - c->head_have;

        if (k > n)
            k = n;
        memcpy(c->head + c->head_have, p, k);
        c->head_have += (uint32_t)k;
        p += k;
        n -= k;
        if (c->head_have < SW_XL_HEADER_SIZE)
            return 0;
        c->pushed_once = true;
        if (push_window(c, c->head, c->head_have))
            return -1;
    }
    return n ? push_window(c, p, n) : 0;
}

/* End of the v2 stream: push a short head, then let the walker judge. */
int cv_end(cv_run *c)
{
    if (!c->pushed_once && c->head_have) {
        c->pushed_once = true;
        if (push_window(c, c->head, c->head_have))
            return -1;
    }
    if (sw_finish(c->w) < 0) {
        c->walk_failed = true;
        return -1;
    }
    if (c->refusal[0])
        return -1;
    if (c->out_start == CV_UNKNOWN) {
        /* Valid streams always have what the targets need; keep the
         * promise of never writing an empty file regardless. */
        refuse(c, "the stream has no part that makes the target");
        return -1;
    }
    return 0;
}

/* ---- Reading a v2 input ---- */

static int run_v2(cv_run *c)
{
    unsigned char *buf = malloc(CV_READ_BUF);
    ssize_t got;
    int rc = 0;

    if (!buf) {
        fprintf(stderr, "xen-stream: out of memory\n");
        return CV_EXIT_USAGE;
    }
    for (;;) {
        got = xs_input_read(c->in, buf, CV_READ_BUF);
        if (got < 0 && c->in->bad_data) {
            fprintf(stderr, "xen-stream: %s: invalid: %s\n", c->in_name,
                    c->in->err);
            rc = CV_EXIT_INVALID;
            break;
        }
        if (got < 0) {
            fprintf(stderr, "xen-stream: %s: %s\n", c->in_name,
                    c->in->err);
            rc = CV_EXIT_USAGE;
            break;
        }
        if (got == 0) {
            rc = cv_end(c) ? -1 : 0;
            break;
        }
        if (cv_feed(c, buf, (size_t)got)) {
            rc = -1;
            break;
        }
    }
    free(buf);
    return rc;
}

/* Turn a failed feed into the message and exit status. */
int cv_report_failure(cv_run *c)
{
    char errbuf[512];

    if (c->write_failed) {
        fprintf(stderr, "xen-stream: %s: write: %s\n",
                c->opts->out_path, strerror(c->write_errno));
        return CV_EXIT_USAGE;
    }
    if (c->walk_failed) {
        /* The very line `verify` prints for the same input. */
        fprintf(stderr, "xen-stream: %s: invalid: %s\n", c->in_name,
                sw_format_error(c->w, errbuf, sizeof(errbuf)));
        if (c->w->legacy && !c->opts->from_legacy)
            fprintf(stderr, "xen-stream: %s: a legacy image: convert it "
                    "with `xen-stream convert --from-legacy`\n",
                    c->in_name);
        return CV_EXIT_INVALID;
    }
    fprintf(stderr, "xen-stream: %s: cannot convert to %s: %s\n",
            c->in_name, cv_target_name(c->opts->to), c->refusal);
    return CV_EXIT_INVALID;
}

/* ---- Command line ---- */

const char *cv_target_name(enum cv_target to)
{
    switch (to) {
    case CV_TO_XL:    return "an xl save file";
    case CV_TO_LIBXL: return "a libxl stream";
    case CV_TO_LIBVIRT: return "a libvirt save image";
    default:          return "a libxc stream";
    }
}

static void usage_short(FILE *f)
{
    fprintf(f,
"usage: xen-stream convert [--to xl|libxl|libxc] [--zstd]\n"
"                          [--from-legacy [--width 32|64] [--guest pv|hvm]]\n"
"                          IN OUT\n"
"       xen-stream convert --to libvirt --xml DOMAIN.xml [--from-legacy ...]\n"
"                          IN OUT\n"
"(xen-stream --help says more)\n");
}

static int usage_error(const char *why)
{
    if (why)
        fprintf(stderr, "xen-stream convert: %s\n", why);
    usage_short(stderr);
    return CV_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, cv_opts *o)
{
    static const struct option longopts[] = {
        { "to",          required_argument, NULL, 't' },
        { "from-legacy", no_argument,       NULL, 'L' },
        { "width",       required_argument, NULL, 'w' },
        { "guest",       required_argument, NULL, 'g' },
        { "zstd",        no_argument,       NULL, 'z' },
        { "xml",         required_argument, NULL, 'x' },
        { "help",        no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    memset(o, 0, sizeof(*o));
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        /* Options may follow the operands; "-" is an operand. */
        switch (ch) {
        case 't':
            if (!strcmp(optarg, "xl"))
                o->to = CV_TO_XL;
            else if (!strcmp(optarg, "libxl"))
                o->to = CV_TO_LIBXL;
            else if (!strcmp(optarg, "libxc"))
                o->to = CV_TO_LIBXC;
            else if (!strcmp(optarg, "libvirt"))
                o->to = CV_TO_LIBVIRT;
            else
                return usage_error("--to must be xl, libxl, libxc or "
                                   "libvirt");
            break;
        case 'L': o->from_legacy = true; break;
        case 'w': o->width = optarg; break;
        case 'g': o->guest = optarg; break;
        case 'z': o->zstd = true; break;
        case 'x': o->xml_path = optarg; break;
        case 'h':
            usage_short(stdout);
            return -1;
        case ':':
            fprintf(stderr, "xen-stream convert: %s needs a value\n",
                    argv[optind - 1]);
            return usage_error(NULL);
        default:
            fprintf(stderr, "xen-stream convert: unknown option %s\n",
                    argv[optind - 1]);
            return usage_error(NULL);
        }
    }
    if (argc - optind != 2)
        return usage_error("IN and OUT are required");
    o->in_path = argv[optind];
    o->out_path = argv[optind + 1];
    if ((o->width || o->guest) && !o->from_legacy)
        return usage_error("--width and --guest go with --from-legacy");
    if (o->width && strcmp(o->width, "32") && strcmp(o->width, "64"))
        return usage_error("--width must be 32 or 64");
    if (o->guest && strcmp(o->guest, "pv") && strcmp(o->guest, "hvm"))
        return usage_error("--guest must be pv or hvm");
    if ((o->to == CV_TO_LIBVIRT) != !!o->xml_path)
        return usage_error("--to libvirt and --xml go together");
    if (o->to == CV_TO_LIBVIRT && o->zstd)
        return usage_error("libvirt does not read compressed images: "
                           "--zstd cannot go with --to libvirt");
    return CV_EXIT_OK;
}

static void report_success(const cv_run *c)
{
    const stream_walk *w = c->w;
    const char *out = strcmp(c->opts->out_path, "-") ? c->opts->out_path
                                                     : "<stdout>";

    fprintf(stderr, "xen-stream: %s: converted to %s: %" PRIu64
            " octets written to %s\n", c->in_name,
            cv_target_name(c->opts->to), c->prefix + c->written, out);
    if (c->enc)
        fprintf(stderr, "xen-stream: %s: compressed with zstd: %" PRIu64
                " octets of the stream made %" PRIu64 " in %" PRIu64
                " frames\n", out, c->enc->in_octets, c->enc->out_octets,
                c->enc->frames);
    if (w->trailing)
        fprintf(stderr, "xen-stream: %s: dropped %" PRIu64 " octets of "
                "trailing data after END (xl migration handshake?)\n",
                c->in_name, w->trailing);
    if (c->dropped_after)
        fprintf(stderr, "xen-stream: %s: dropped %" PRIu64 " octets after "
                "the end of the legacy stream\n", c->in_name,
                c->dropped_after);
}

/* argv[0] is "convert". */
int convert_main(int argc, char **argv)
{
    unsigned char *body = NULL;
    cv_opts opts;
    cv_out out;
    cv_run c;
    xs_input in;
    xlz_enc enc;
    int rc;

    rc = parse_args(argc, argv, &opts);
    if (rc)
        return rc < 0 ? CV_EXIT_OK : rc;   /* -1: --help */

    memset(&c, 0, sizeof(c));
    c.opts = &opts;
    c.in_name = strcmp(opts.in_path, "-") ? opts.in_path : "<stdin>";
    c.out_start = c.out_stop = CV_UNKNOWN;
    c.in_fd = xs_open_input(opts.in_path);
    if (c.in_fd < 0) {
        fprintf(stderr, "xen-stream: %s: %s\n", opts.in_path,
                strerror(errno));
        return CV_EXIT_USAGE;
    }
    /* Fixed sizes, decided here and never by the input. */
    body = malloc(SW_BODY_BUF_MIN + 1);
    c.w = malloc(sizeof(*c.w));
    if (!body || !c.w) {
        fprintf(stderr, "xen-stream: out of memory\n");
        rc = CV_EXIT_USAGE;
        goto done;
    }
    sw_init(c.w, body, SW_BODY_BUF_MIN + 1, on_event, &c);

    cv_catch_signals();
    if (out_open(&out, opts.out_path)) {
        fprintf(stderr, "xen-stream: %s: %s\n", opts.out_path,
                strerror(errno));
        rc = CV_EXIT_USAGE;
        goto done;
    }
    c.out_fd = out.fd;
    if (opts.zstd) {
        if (xlz_enc_init(&enc, out.fd, XL_ZSTD_DEFAULT_LEVEL)) {
            fprintf(stderr, "xen-stream: out of memory\n");
            out_discard(&out);
            rc = CV_EXIT_USAGE;
            goto done;
        }
        c.enc = &enc;
    }

    if (opts.xml_path && write_libvirt_prefix(&c)) {
        out_discard(&out);
        rc = CV_EXIT_USAGE;
        goto done;
    }
    if (opts.from_legacy) {
        rc = cv_run_legacy(&c);
    } else if (xs_input_open(&in, c.in_fd)) {
        fprintf(stderr, "xen-stream: %s: %s\n", c.in_name, in.err);
        rc = CV_EXIT_USAGE;
    } else {
        c.in = &in;
        rc = run_v2(&c);
        xs_input_close(&in);
    }
    if (rc < 0)
        rc = cv_report_failure(&c);
    /* The last frame, and for an xl file the end mark. */
    if (rc == CV_EXIT_OK && c.enc &&
        xlz_enc_finish(c.enc, opts.to == CV_TO_XL)) {
        fprintf(stderr, "xen-stream: %s: write: %s\n", opts.out_path,
                strerror(c.enc->err));
        rc = CV_EXIT_USAGE;
    }
    if (c.enc)
        xlz_enc_dispose(c.enc);
    if (rc == CV_EXIT_OK && out_commit(&out)) {
        fprintf(stderr, "xen-stream: %s: %s\n", opts.out_path,
                strerror(errno));
        rc = CV_EXIT_USAGE;
    }
    if (rc != CV_EXIT_OK)
        out_discard(&out);
    else
        report_success(&c);

 done:
    if (c.in_fd > STDIN_FILENO)
        close(c.in_fd);
    free(body);
    free(c.w);
    return rc;
}
