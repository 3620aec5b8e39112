/*
 * xen-stream: inspect and verify Xen saved images and captured migration
 * streams.  See docs/man/xen-stream.1.
 *
 * Input is read through one fixed buffer and pushed into the walker, so a
 * pipe works as well as a file and memory does not grow with the image.
 * Compressed input is decompressed on the way (input.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#define _GNU_SOURCE  /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert.h"
#include "input.h"
#include "output.h"
#include "stats.h"
#include "stream_walk.h"

/* Small enough to stay in L2 while the walker looks at it: with 1 MiB
 * reads, verify ran ~35% slower than cat on a warm 2 GiB image. */
#define READ_BUF_SIZE  (128u << 10)
/* A bigger pipe means fewer wake-ups between the writer and us. */
#define PIPE_SIZE      (1 << 20)
/* pfns whose allocate-only entries after data are counted (stats.h):
 * guests up to 16 GiB, a map of 512 KiB whatever the input. */
#define PFN_MAP_BITS   (UINT64_C(1) << 22)

enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

typedef struct run {
    enum xs_command cmd;
    bool json;
    bool read_all;                /* no seeking or splicing past data */
    void *json_ctx;
    stream_stats stats;
    char guest_name[128];
} run;

static void usage(FILE *f)
{
    fprintf(f,
"usage: xen-stream [--json] [--read-all] COMMAND FILE\n"
"       xen-stream convert [--to xl|libxl|libxc]\n"
"                  [--from-legacy [--width 32|64] [--guest pv|hvm]] IN OUT\n"
"       xen-stream convert --to libvirt --xml DOMAIN.xml IN OUT\n"
"\n"
"Inspect a Xen saved-domain image or a captured migration stream.\n"
"FILE may be an xl save file, a libvirt save image (virsh save), a bare\n"
"libxl stream or a bare libxc stream, each also zstd-compressed\n"
"(`xl save -z`, or a .zst file);\n"
"'-' reads standard input (a pipe is fine).\n"
"\n"
"commands:\n"
"  info     summary: container, versions, domain type, record counts\n"
"  verify   check every record; print one line; exit status says valid\n"
"  dump     one line per record, with HVM save records, HVM params,\n"
"           emulator xenstore keys and values\n"
"  convert  copy IN to OUT as another container, checking every record\n"
"           on the way; OUT ('-' for standard output) is written\n"
"           atomically and not at all if IN is invalid\n"
"\n"
"options:\n"
"  --json   machine-readable output (JSON)\n"
"  --read-all  read every octet, page contents included (by default they\n"
"           are seeked over in files and spliced away from pipes)\n"
"  -h, --help  this text\n"
"\n"
"options of convert:\n"
"  --to xl     (default) an xl save file for `xl restore`: from an xl file\n"
"              or a live-migration capture, up to libxl's END\n"
"  --to libxl  the bare libxl stream (no xl header, nothing after END)\n"
"  --to libvirt  a libvirt save image for `virsh restore`: libvirt's\n"
"              header and the domain XML given with --xml, then the\n"
"              libxl stream (a libvirt image cannot become --to xl: it\n"
"              carries no xl configuration)\n"
"  --to libxc  the bare libxc stream inside LIBXC_CONTEXT (refused for a\n"
"              checkpointed stream)\n"
"  --zstd      compress OUT: an xl file as `xl save -z` writes it, a\n"
"              bare stream as zstd frames (a .zst file)\n"
"  --from-legacy  IN is a pre-4.6 image (xl file or bare libxc stream):\n"
"              convert it to v2 first, with convert-legacy-stream's code\n"
"  --width 32|64  word size of the toolstack that saved it (default 64)\n"
"  --guest pv|hvm  guest type (default: from the xl file's config)\n"
"\n"
"exit status: 0 valid (converted); a checkpointed stream without END is\n"
"valid with at least one complete checkpoint.  1 invalid, not a Xen image\n"
"or not convertible to the target (the message names the record, its type\n"
"and the absolute offset).  2 usage or I/O error.\n");
}

static void on_event(void *opaque, const sw_event *ev)
{
    run *r = opaque;

    stats_event(&r->stats, ev);
    /* The config text lives in a buffer the walker reuses: read it now. */
    if (ev->kind == SW_EV_XL_CONFIG)
        config_guest_name(ev->u.config.text, r->guest_name,
                          sizeof(r->guest_name));
    if (ev->kind == SW_EV_LV_XML)
        xml_guest_name(ev->u.config.text, r->guest_name,
                       sizeof(r->guest_name));
    if (r->cmd != CMD_DUMP)
        return;
    if (r->json)
        json_event(r->json_ctx, ev);
    else
        text_event(stdout, ev);
}

/*
 * From a pipe, page contents can be dropped in the kernel (splice to
 * /dev/null) instead of being copied to us: this is what keeps
 * `cat image | xen-stream verify -` close to the speed of cat alone.
 * Returns octets dropped, 0 if nothing to drop or splice is unavailable,
 * -1 on a read error.
 */
static ssize_t drop_from_pipe(int fd, int null_fd, stream_walk *w)
{
    uint64_t want = sw_skippable(w);
    ssize_t r;

    if (null_fd < 0 || want < 4096)
        return 0;
    if (want > PIPE_SIZE)
        want = PIPE_SIZE;
    r = splice(fd, NULL, null_fd, NULL, (size_t)want, SPLICE_F_MOVE);
    if (r > 0)
        sw_skipped(w, (uint64_t)r);
    return r < 0 && errno != EINVAL ? -1 : (r < 0 ? 0 : r);
}

/*
 * From a regular file, the same opaque octets are stepped over with lseek,
 * but only within the file's current size, so a truncated image is still
 * reported as truncated at the right record.
 */
static bool seek_over(int fd, const struct stat *st, stream_walk *w)
{
    uint64_t want = sw_skippable(w);

    if (want < 65536 || w->offset + want > (uint64_t)st->st_size)
        return false;
    if (lseek(fd, (off_t)want, SEEK_CUR) < 0)
        return false;
    sw_skipped(w, want);
    return true;
}

int xs_open_input(const char *path)
{
    int fd;

    if (!strcmp(path, "-")) {
        /* Fails harmlessly on anything that is not a pipe. */
        (void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, PIPE_SIZE);
        return STDIN_FILENO;
    }
    fd = open(path, O_RDONLY);
    if (fd >= 0)
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return fd;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *cmdname = NULL;
    unsigned char *iobuf, *body, *pfn_map;
    stream_walk *w;
    xs_input in;
    char errbuf[512];
    xs_result res;
    run r;
    int i, fd, rc, null_fd = -1;
    struct stat st;
    ssize_t got;

    memset(&r, 0, sizeof(r));
    for (i = 1; i < argc; i++) {
        /* convert has operands and options of its own. */
        if (!strcmp(argv[i], "convert") && !cmdname) {
            if (r.json) {
                fprintf(stderr, "xen-stream: convert has no --json output\n");
                return EXIT_USAGE;
            }
            return convert_main(argc - i, argv + i);
        }
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_VALID;
        } else if (!strcmp(argv[i], "--json")) {
            r.json = true;
        } else if (!strcmp(argv[i], "--read-all")) {
            r.read_all = true;
        } else if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--")) {
            fprintf(stderr, "xen-stream: unknown option %s\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else if (!cmdname) {
            cmdname = argv[i];
        } else if (!path) {
            path = argv[i];
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!cmdname || !path) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmdname, "info"))
        r.cmd = CMD_INFO;
    else if (!strcmp(cmdname, "verify"))
        r.cmd = CMD_VERIFY;
    else if (!strcmp(cmdname, "dump"))
        r.cmd = CMD_DUMP;
    else {
        fprintf(stderr, "xen-stream: unknown command '%s'\n", cmdname);
        usage(stderr);
        return EXIT_USAGE;
    }

    fd = xs_open_input(path);
    if (fd < 0) {
        fprintf(stderr, "xen-stream: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    /* Every buffer has a fixed size decided here, never by the input. */
    iobuf = malloc(READ_BUF_SIZE);
    body = malloc(SW_BODY_BUF_MIN + 1);
    w = malloc(sizeof(*w));
    pfn_map = calloc(PFN_MAP_BITS / 8, 1);
    if (!iobuf || !body || !w || !pfn_map) {
        fprintf(stderr, "xen-stream: out of memory\n");
        return EXIT_USAGE;
    }
    if (fstat(fd, &st))
        memset(&st, 0, sizeof(st));
    if (xs_input_open(&in, fd)) {
        fprintf(stderr, "xen-stream: %s: %s\n", path, in.err);
        return EXIT_USAGE;
    }
    if (S_ISFIFO(st.st_mode) && !r.read_all)
        null_fd = open("/dev/null", O_WRONLY);
    stats_init(&r.stats);
    stats_track_pfns(&r.stats, pfn_map, PFN_MAP_BITS);
    if (r.json)
        r.json_ctx = json_begin(stdout, r.cmd);
    sw_init(w, body, SW_BODY_BUF_MIN + 1, on_event, &r);

    rc = SR_OK;
    for (;;) {
        bool direct = xs_input_direct(&in);

        if (direct && S_ISREG(st.st_mode) && !r.read_all &&
            seek_over(fd, &st, w))
            continue;
        got = direct ? drop_from_pipe(fd, null_fd, w) : 0;
        if (got > 0)
            continue;
        if (got < 0) {
            fprintf(stderr, "xen-stream: %s: read: %s\n", path,
                    strerror(errno));
            return EXIT_USAGE;
        }
        got = xs_input_read(&in, iobuf, READ_BUF_SIZE);
        if (got < 0 && in.bad_data) {
            /* The image is invalid; in.err says why. */
            rc = SR_E_TRUNCATED;
            break;
        }
        if (got < 0) {
            fprintf(stderr, "xen-stream: %s: %s\n", path, in.err);
            return EXIT_USAGE;
        }
        if (got == 0) {
            rc = sw_finish(w);
            break;
        }
        rc = sw_push(w, iobuf, (size_t)got);
        if (rc < 0)
            break;
    }

    res.path = strcmp(path, "-") ? path : "<stdin>";
    res.walk = w;
    res.stats = &r.stats;
    res.rc = rc;
    res.error = rc < 0 && !in.bad_data ?
                sw_format_error(w, errbuf, sizeof(errbuf)) : NULL;
    res.guest_name = r.guest_name;
    res.input = &in;
    if (rc < 0 && !res.error)
        res.error = in.err;
    if (r.json) {
        json_end(r.json_ctx, &res);
        if (rc < 0)
            fprintf(stderr, "xen-stream: %s: invalid: %s\n", res.path,
                    res.error);
    } else {
        text_result(stdout, r.cmd, &res);
    }
    if (fflush(stdout) != 0)
        return EXIT_USAGE;
    if (fd != STDIN_FILENO)
        close(fd);
    if (null_fd >= 0)
        close(null_fd);
    xs_input_close(&in);
    free(iobuf);
    free(body);
    free(w);
    free(pfn_map);
    return rc < 0 ? EXIT_INVALID : EXIT_VALID;
}
