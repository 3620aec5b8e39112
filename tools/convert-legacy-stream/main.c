/*
 * main.c: command line of convert-legacy-stream.
 *
 * libxl runs us as
 *   convert-legacy-stream --in FD --out FD --width 32|64 --guest pv|hvm
 *                         --format libxl
 * and reads the v2 stream from the other end of --out.  Files (or "-")
 * are accepted wherever a descriptor is, for use by hand.
 *
 * Exit status: 0 converted, 1 bad input or I/O error, 2 unsupported legacy
 * feature or bad usage, 3 the input is already a migration-v2 stream.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cls.h"

#define CLS_VERSION "1.0"

static const char usage_text[] =
"usage: %s --in FD|FILE --out FD|FILE --width 32|64 --guest pv|hvm\n"
"          [--format libxc|libxl] [--xl] [--skip-qemu] [--verbose]\n"
"          [--syslog]\n"
"Convert a legacy (Xen <= 4.5) save stream into a migration-v2 stream.\n"
"  -i, --in        legacy input: a decimal file descriptor, a path or -\n"
"  -o, --out       v2 output: a decimal file descriptor, a path or -\n"
"  -w, --width     word size of the toolstack that saved the stream\n"
"  -g, --guest     guest type in the stream\n"
"  -f, --format    libxc (default): bare libxc stream; libxl: wrapped in a\n"
"                  libxl stream marked legacy, as libxl's restore path wants\n"
"  -x, --xl        the input starts with an xl save-file header; it is\n"
"                  copied, marked v2 when the format is libxl\n"
"      --skip-qemu libxc format only: drop an HVM guest's device model tail\n"
"  -v, --verbose   describe the stream on stderr\n"
"      --syslog    also send errors to syslog\n"
"Exit status: 0 ok, 1 bad input or I/O error, 2 unsupported or bad usage,\n"
"3 the input is already a migration-v2 stream (nothing to convert).\n";

static const char *prog = "convert-legacy-stream";

static void usage_error(const char *why)
{
    if (why)
        fprintf(stderr, "%s: %s\n", prog, why);
    fprintf(stderr, usage_text, prog);
    exit(CLS_UNSUPPORTED);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A descriptor number, "-" or a path; returns the fd or exits. */
static int open_endpoint(const char *spec, bool output)
{
    int fd;

    if (!strcmp(spec, "-"))
        return output ? STDOUT_FILENO : STDIN_FILENO;
    if (all_digits(spec)) {
        long n = strtol(spec, NULL, 10);

        if (n < 0 || n > 65535 || fcntl((int)n, F_GETFD) < 0) {
            fprintf(stderr, "%s: %s descriptor %s is not open\n", prog,
                    output ? "output" : "input", spec);
            exit(CLS_UNSUPPORTED);
        }
        return (int)n;
    }
    fd = output ? open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                : open(spec, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open %s: %s\n", prog, spec,
                strerror(errno));
        exit(CLS_BAD_INPUT);
    }
    return fd;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "in",         required_argument, NULL, 'i' },
        { "out",        required_argument, NULL, 'o' },
        { "width",      required_argument, NULL, 'w' },
        { "guest",      required_argument, NULL, 'g' },
        { "guest-type", required_argument, NULL, 'g' },
        { "format",     required_argument, NULL, 'f' },
        { "xl",         no_argument,       NULL, 'x' },
        { "skip-qemu",  no_argument,       NULL, 'Q' },
        { "verbose",    no_argument,       NULL, 'v' },
        { "syslog",     no_argument,       NULL, 'S' },
        { "help",       no_argument,       NULL, 'h' },
        { "version",    no_argument,       NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *in_spec = NULL, *out_spec = NULL;
    const char *width = NULL, *guest = NULL, *format = "libxc";
    bool use_syslog = false;
    cls_source src;
    cls_sink sink;
    cls_job *job;
    unsigned char *outbuf;
    int c, in_fd, out_fd, rc;

    while ((c = getopt_long(argc, argv, "i:o:w:g:f:xvh", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'i': in_spec = optarg; break;
        case 'o': out_spec = optarg; break;
        case 'w': width = optarg; break;
        case 'g': guest = optarg; break;
        case 'f': format = optarg; break;
        case 'x': case 'Q': case 'v': case 'S':
            break;      /* flags: picked up in the second pass below */
        case 'h':
            printf(usage_text, prog);
            return 0;
        case 'V':
            printf("%s %s\n", prog, CLS_VERSION);
            return 0;
        default:
            usage_error(NULL);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument");
    if (!in_spec || !out_spec || !width || !guest)
        usage_error("--in, --out, --width and --guest are required");
    if (strcmp(width, "32") && strcmp(width, "64"))
        usage_error("--width must be 32 or 64");
    if (strcmp(guest, "pv") && strcmp(guest, "hvm"))
        usage_error("--guest must be pv or hvm");
    if (strcmp(format, "libxc") && strcmp(format, "libxl"))
        usage_error("--format must be libxc or libxl");

    job = calloc(1, sizeof(*job));
    outbuf = malloc(CLS_SINK_BUF);
    if (!job || !outbuf) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return CLS_BAD_INPUT;
    }
    cls_job_init(job);
    job->prog = prog;
    job->word = strcmp(width, "64") ? 4 : 8;
    job->hvm = !strcmp(guest, "hvm");
    job->libxl = !strcmp(format, "libxl");

    /* Flags, read again so that the first loop stays about values. */
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:o:w:g:f:xvh", longopts,
                            NULL)) != -1) {
        if (c == 'x') job->xl_header = true;
        if (c == 'Q') job->skip_qemu = true;
        if (c == 'v') job->verbose++;
        if (c == 'S') use_syslog = true;
    }

    /* A vanished reader must be an error message, not a silent death. */
    signal(SIGPIPE, SIG_IGN);

    in_fd = open_endpoint(in_spec, false);
    out_fd = open_endpoint(out_spec, true);

    src.pull = cls_pull_fd;
    src.opaque = &in_fd;
    src.offset = 0;
    cls_sink_init(&sink, outbuf, cls_push_fd, &out_fd);
    job->in = &src;
    job->out = &sink;

    rc = cls_convert(job);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", prog,
                rc == CLS_UNSUPPORTED ? "unsupported" :
                rc == CLS_ALREADY_V2 ? "not converted" : "error",
                job->message);
        if (use_syslog) {
            openlog(prog, LOG_PID, LOG_USER);
            syslog(LOG_ERR, "%s", job->message);
            closelog();
        }
    }
    if (out_fd != STDOUT_FILENO && close(out_fd) && !rc) {
        fprintf(stderr, "%s: closing output: %s\n", prog, strerror(errno));
        rc = CLS_BAD_INPUT;
    }
    cls_job_dispose(job);
    free(job);
    free(outbuf);
    return rc;
}
