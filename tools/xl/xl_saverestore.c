/*
 * xl save / xl restore, and the xl save-file header shared with
 * xl migrate (xenstream drop-in for Xen 4.17's tools/xl).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 *
 * What differs from the xl this file replaces:
 *
 *  - "xl save" writes the image into a temporary file next to the
 *    target and renames it into place only once libxl has reported
 *    success and the data has been flushed with fsync.  A failed save
 *    never leaves a file at the target path that looks complete; the
 *    temporary file is removed.
 *  - After a failure the guest is put back the way the options ask
 *    (running, or paused with -p), and the reason is named, including
 *    "no space left" when the target filesystem is what ran out.
 *
 *  - "xl save -z" compresses the image with zstd (XL_MANDATORY_FLAG_ZSTD,
 *    xl_zstd.h); a thread between libxl and the file does it, and one
 *    between the file and libxl undoes it on restore.
 *
 * Without -z the header bytes (struct save_file_header and its optional
 * data, see xl.h) are exactly those stock xl writes and reads.
 */

#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <libxl.h>
#include <libxl_utils.h>
#include <libxlutil.h>
#include "xl.h"
#include "xl_utils.h"
#include "xl_parse.h"
#include "xl_zstd.h"
#include "xl_progress.h"

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#ifndef LIBXL_HAVE_NO_SUSPEND_RESUME

/* Distinctive, so that a build check can tell our xl from upstream's. */
static const char xs_xl_saverestore_id[] __attribute__((used)) =
    "xenstream xl save/restore drop-in";

/* ---- the configuration that travels in the header ---- */

/*
 * Fill *config_data_r with the domain's configuration as JSON (with its
 * NUL, which is part of what stock xl stores), from override_config_file
 * when given, else from libxl's record of the running domain.
 */
void save_domain_core_begin(uint32_t domid,
                            int preserve_domid,
                            const char *override_config_file,
                            uint8_t **config_data_r,
                            int *config_len_r)
{
    libxl_domain_config dc;
    char *json;
    int rc;

    libxl_domain_config_init(&dc);

    if (!override_config_file) {
        rc = libxl_retrieve_domain_configuration(ctx, domid, &dc, NULL);
        if (rc) {
            fprintf(stderr, "xl: cannot get the configuration of domain %u"
                    " (libxl error %d)\n", domid, rc);
            exit(EXIT_FAILURE);
        }
        /* 0 lets the restoring side pick a domid. */
        if (!preserve_domid)
            dc.c_info.domid = 0;
        else
            dc.c_info.domid = domid;
    } else {
        void *text = NULL;
        int text_len = 0;

        rc = libxl_read_file_contents(ctx, override_config_file,
                                      &text, &text_len);
        if (rc) {
            fprintf(stderr, "xl: cannot read configuration file %s: %s\n",
                    override_config_file, strerror(errno));
            exit(EXIT_FAILURE);
        }
        parse_config_data(override_config_file, text, text_len, &dc);
        free(text);
    }

    json = libxl_domain_config_to_json(ctx, &dc);
    libxl_domain_config_dispose(&dc);
    if (!json) {
        fprintf(stderr, "xl: cannot express the domain configuration"
                " as JSON\n");
        exit(EXIT_FAILURE);
    }

    *config_len_r = strlen(json) + 1;
    *config_data_r = (uint8_t *)json;
}

/*
 * Write the header and its optional data (a 4-octet length, then the
 * configuration) in one go.  Returns 0 or an errno value; nothing is
 * printed.
 */
static int write_image_header(int fd, const uint8_t *config_data,
                              int config_len, uint32_t extra_flags,
                              struct save_file_header *out)
{
    struct save_file_header h;
    uint32_t cfg_len32 = config_len;
    size_t total;
    uint8_t *buf;
    int e = 0;

    memset(&h, 0, sizeof(h));
    memcpy(h.magic, savefileheader_magic, sizeof(h.magic));
    h.byteorder = SAVEFILE_BYTEORDER_VALUE;
    h.mandatory_flags = XL_MANDATORY_FLAG_STREAMv2 |
                        (config_len ? XL_MANDATORY_FLAG_JSON : 0) |
                        extra_flags;
    h.optional_flags = 0;
    /* The length word is always there, even for an empty config. */
    h.optional_data_len = sizeof(cfg_len32) + config_len;

    total = sizeof(h) + h.optional_data_len;
    buf = xmalloc(total);
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), &cfg_len32, sizeof(cfg_len32));
    if (config_len)
        memcpy(buf + sizeof(h) + sizeof(cfg_len32), config_data, config_len);

    for (size_t done = 0; done < total; ) {
        ssize_t n = write(fd, buf + done, total - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            break;
        }
        done += n;
    }
    free(buf);
    if (out)
        *out = h;
    return e;
}

void save_domain_core_writeconfig_flags(int fd, const char *source,
                                        const uint8_t *config_data,
                                        int config_len, uint32_t extra_flags)
{
    struct save_file_header h;
    int e = write_image_header(fd, config_data, config_len, extra_flags, &h);

    if (e) {
        fprintf(stderr, "xl: writing the xl header to %s failed: %s\n",
                source, strerror(e));
        exit(EXIT_FAILURE);
    }
    fprintf(stderr, "Saving to %s new xl format (info"
            " 0x%"PRIx32"/0x%"PRIx32"/%"PRIu32")\n",
            source, h.mandatory_flags, h.optional_flags,
            h.optional_data_len);
}

void save_domain_core_writeconfig(int fd, const char *source,
                                  const uint8_t *config_data, int config_len)
{
    save_domain_core_writeconfig_flags(fd, source, config_data, config_len, 0);
}

/* ---- compression (-z) ---- */

/*
 * One compressing or decompressing thread per xl process: libxl reads or
 * writes one end of a pipe, the thread the other end and the real fd.
 * SIGPIPE is blocked in the thread, so a reader that went away is an
 * EPIPE it reports rather than the end of xl.
 */
static struct {
    pthread_t thread;
    bool running;
    int in_fd, out_fd;      /* the thread's */
    int libxl_fd;           /* the pipe end libxl uses */
    bool adapt;
    uint64_t base;          /* where the compressed data starts in in_fd */
    int rc;
    char msg[256];
    int64_t start_ns;
    xlz_enc enc;
    xlz_dec dec;
} zpump = { .in_fd = -1, .out_fd = -1, .libxl_fd = -1 };

static int64_t zpump_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void zpump_block_sigpipe(void)
{
    sigset_t s;

    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void *zpump_compress(void *unused)
{
    zpump_block_sigpipe();
    zpump.rc = xlz_pump_compress(zpump.in_fd, zpump.out_fd,
                                 XL_ZSTD_DEFAULT_LEVEL, zpump.adapt,
                                 &zpump.enc, zpump.msg, sizeof(zpump.msg));
    /* libxl's writes fail from now on instead of filling the pipe. */
    close(zpump.in_fd);
    zpump.in_fd = -1;
    return unused;
}

static void *zpump_decompress(void *unused)
{
    zpump_block_sigpipe();
    zpump.rc = xlz_pump_decompress(zpump.in_fd, zpump.out_fd, zpump.base,
                                   &zpump.dec, zpump.msg, sizeof(zpump.msg));
    /* libxl sees the end of its stream (early, after an error). */
    close(zpump.out_fd);
    zpump.out_fd = -1;
    return unused;
}

/* Start a thread copying between fd and a new pipe; libxl gets the
 * pipe's other end.  0 or -1 (message printed). */
static int zpump_start(int fd, bool compress, bool adapt)
{
    int p[2];

    /*
     * Close-on-exec: a helper libxl starts (libxl-save-helper) must not
     * inherit our end, or libxl would never see EOF when the thread
     * stops.  libxl hands its own end to the helper itself.
     */
    if (pipe2(p, O_CLOEXEC)) {
        fprintf(stderr, "xl: cannot create a pipe for zstd: %s\n",
                strerror(errno));
        return -1;
    }
    zpump.adapt = adapt;
    zpump.rc = -1;
    zpump.msg[0] = '\0';
    zpump.in_fd = compress ? p[0] : fd;
    zpump.out_fd = compress ? fd : p[1];
    zpump.libxl_fd = compress ? p[1] : p[0];
    zpump.start_ns = zpump_ns();
    if (pthread_create(&zpump.thread, NULL,
                       compress ? zpump_compress : zpump_decompress, NULL)) {
        fprintf(stderr, "xl: cannot start the zstd thread\n");
        close(p[0]);
        close(p[1]);
        return -1;
    }
    zpump.running = true;
    return 0;
}

/*
 * Seconds the compressor may take, once libxl is done, to end the last
 * frame and write the end mark: as long as libxl's own writer waits for a
 * link that takes nothing (LIBXL_SAVE_STALL_TIMEOUT's default).
 */
#define ZPUMP_FINISH_S 180

/*
 * Compressing: libxl is done with its end; closing it is the EOF that
 * ends the last frame.  Decompressing: libxl has read what it wanted.
 * With cancel (libxl failed), or when the thread is still blocked on its
 * fd after ZPUMP_FINISH_S, it is cancelled: its work is of no use, and a
 * stalled peer must not keep xl here.  Returns the thread's 0 or -1.
 */
static int zpump_stop(bool cancel)
{
    struct timespec until;

    if (!zpump.running)
        return -1;
    close(zpump.libxl_fd);
    zpump.libxl_fd = -1;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ZPUMP_FINISH_S;
    if (!cancel && pthread_timedjoin_np(zpump.thread, NULL, &until)) {
        snprintf(zpump.msg, sizeof(zpump.msg), "nothing could be written"
                 " for %d s after the end of the stream", ZPUMP_FINISH_S);
        cancel = true;
    }
    if (cancel) {
        pthread_cancel(zpump.thread);
        pthread_join(zpump.thread, NULL);
    }
    zpump.running = false;
    return cancel ? -1 : zpump.rc;
}

static double zpump_secs(void)
{
    return (zpump_ns() - zpump.start_ns) / 1e9;
}

int save_zstd_begin(int out_fd, int adapt)
{
    if (zpump_start(out_fd, true, adapt))
        return -1;
    return zpump.libxl_fd;
}

int save_zstd_end(const char *what, int save_rc)
{
    int rc = zpump_stop(save_rc != 0);
    const xlz_enc *e = &zpump.enc;

    if (save_rc) {
        /* libxl's failure is the story; the compressor's may be its cause. */
        if (zpump.msg[0])
            fprintf(stderr, "xl: zstd: %s\n", zpump.msg);
        return -1;
    }
    if (rc) {
        fprintf(stderr, "xl: zstd compression of %s failed: %s\n", what,
                zpump.msg);
        return -1;
    }
    fprintf(stderr, "xl: %s compressed with zstd: %"PRIu64" -> %"PRIu64
            " octets (%.1f%%) in %"PRIu64" frames, %.2f s, level %d",
            what, e->in_octets, e->out_octets,
            e->in_octets ? 100.0 * e->out_octets / e->in_octets : 0.0,
            e->frames, zpump_secs(), XL_ZSTD_DEFAULT_LEVEL);
    if (e->min_level_used < XL_ZSTD_DEFAULT_LEVEL)
        fprintf(stderr, " down to %d (the link was waiting for the"
                " compressor)", e->min_level_used);
    fputc('\n', stderr);
    return 0;
}

int restore_zstd_begin(int fd, const char *source)
{
    off_t at = lseek(fd, 0, SEEK_CUR);

    /* Offsets in messages: in the file, or from the end of xl's header. */
    zpump.base = at > 0 ? at : 0;
    if (zpump_start(fd, false, false))
        return -1;
    fprintf(stderr, "Decompressing %s (zstd)\n", source);
    return zpump.libxl_fd;
}

int restore_zstd_end(int restore_rc)
{
    int rc;

    if (!zpump.running)
        return ERROR_FAIL;
    if (restore_rc) {
        /*
         * libxl gave up; the thread may be waiting to write to a pipe
         * nobody reads (closing it ends that) or to read a channel that
         * stays quiet (cancelling ends that).
         */
        zpump_stop(true);
        if (zpump.msg[0])
            fprintf(stderr, "xl: zstd: %s\n", zpump.msg);
        return restore_rc;
    }
    /* The stream is complete; the end mark follows directly. */
    rc = zpump_stop(false);
    if (rc) {
        fprintf(stderr, "xl: zstd: %s\n", zpump.msg);
        return ERROR_FAIL;
    }
    fprintf(stderr, "xl: decompressed %"PRIu64" -> %"PRIu64" octets"
            " (%"PRIu64" zstd frames) in %.2f s\n", zpump.dec.in_octets,
            zpump.dec.out_octets, zpump.dec.frames, zpump_secs());
    return 0;
}

/* ---- where the image goes ---- */

/*
 * An image file under construction.  For a regular file (or a path that
 * does not exist yet) the bytes go to a temporary file in the same
 * directory, renamed over the target at commit.  Anything else (a pipe,
 * /dev/stdout, a device) is written in place: it cannot be renamed over,
 * and it never looked like a finished image anyway.
 */
typedef struct {
    const char *target;
    char *resolved;     /* target with symlinks resolved, when it exists */
    char *tmp;          /* NULL when writing in place */
    int fd;
} image_out;

/* Where a symlink whose target does not exist yet points to, or NULL. */
static char *dangling_link_target(const char *link)
{
    char buf[4096], *dircopy, *path;
    ssize_t n = readlink(link, buf, sizeof(buf) - 1);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    if (buf[0] == '/')
        return xstrdup(buf);
    dircopy = xstrdup(link);
    xasprintf(&path, "%s/%s", dirname(dircopy), buf);
    free(dircopy);
    return path;
}

static int image_out_open(image_out *io, const char *target)
{
    struct stat st;
    char *dircopy, *basecopy;
    mode_t mask;

    io->target = target;
    io->resolved = NULL;
    io->tmp = NULL;
    io->fd = -1;

    /*
     * A symlink at the target: replace the file it points to, as writing
     * through it would, rather than the link itself.
     */
    if (lstat(target, &st) == 0 && S_ISLNK(st.st_mode)) {
        io->resolved = realpath(target, NULL);
        if (!io->resolved)
            io->resolved = dangling_link_target(target);
        if (io->resolved)
            target = io->resolved;
    }

    if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
        io->fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return io->fd < 0 ? errno : 0;
    }

    dircopy = xstrdup(target);
    basecopy = xstrdup(target);
    xasprintf(&io->tmp, "%s/.%s.xl-save.XXXXXX",
              dirname(dircopy), basename(basecopy));
    free(dircopy);
    free(basecopy);

    io->fd = mkstemp(io->tmp);
    if (io->fd >= 0)
        fcntl(io->fd, F_SETFD, FD_CLOEXEC);
    if (io->fd < 0) {
        int e = errno;
        free(io->tmp);
        io->tmp = NULL;
        return e;
    }
    /* mkstemp makes 0600; give the image what open(0644) would. */
    mask = umask(0);
    umask(mask);
    if (fchmod(io->fd, 0644 & ~mask))
        fprintf(stderr, "xl: warning: cannot set the mode of %s: %s\n",
                io->tmp, strerror(errno));
    return 0;
}

/* Make the image durable and visible under its name.  0 or errno. */
static int image_out_commit(image_out *io)
{
    char *dircopy;
    int dfd, e = 0;

    if (fsync(io->fd) && errno != EINVAL && errno != EROFS)
        e = errno;
    if (close(io->fd) && !e)
        e = errno;
    io->fd = -1;
    if (e || !io->tmp)
        return e;

    if (rename(io->tmp, io->resolved ? io->resolved : io->target))
        return errno;
    free(io->tmp);
    io->tmp = NULL;

    /* The rename itself, on disk; failing here is not worth a failed save. */
    dircopy = xstrdup(io->resolved ? io->resolved : io->target);
    dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dircopy);
    free(io->resolved);
    io->resolved = NULL;
    return 0;
}

static void image_out_discard(image_out *io)
{
    if (io->fd >= 0)
        close(io->fd);
    io->fd = -1;
    if (io->tmp && unlink(io->tmp) && errno != ENOENT)
        fprintf(stderr, "xl: could not remove the partial image %s: %s\n",
                io->tmp, strerror(errno));
    free(io->tmp);
    io->tmp = NULL;
    free(io->resolved);
    io->resolved = NULL;
}

/*
 * libxl reports a failed save as an error code without the errno behind
 * it.  The common cause an operator can fix is a full filesystem; say so
 * when the target's filesystem has (next to) nothing left.
 */
static const char *guess_save_failure(const image_out *io)
{
    struct statvfs sv;
    const char *where = io->tmp ? io->tmp : io->target;
    char *dircopy;
    int r;

    dircopy = xstrdup(where);
    r = statvfs(dirname(dircopy), &sv);
    free(dircopy);
    if (r == 0 && (unsigned long long)sv.f_bavail * sv.f_frsize < 1024 * 1024)
        return strerror(ENOSPC);
    return NULL;
}

/* ---- putting the guest back after a failure ---- */

/*
 * A save that failed may have got as far as suspending the guest, or not.
 * Resume it only if it is suspended (resuming a running PV guest is not
 * harmless), then pause it if the caller asked for that.
 */
static void put_guest_back(uint32_t domid, int leave_paused)
{
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(ctx, &info, domid);
    if (rc) {
        fprintf(stderr, "xl: domain %u is gone (libxl error %d)\n",
                domid, rc);
        goto out;
    }

    if (info.shutdown && info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND) {
        if (leave_paused)
            libxl_domain_pause(ctx, domid, NULL);
        rc = libxl_domain_resume(ctx, domid, 1, NULL);
        if (rc)
            fprintf(stderr, "xl: resuming domain %u failed (libxl error %d);"
                    " it is still suspended\n", domid, rc);
        else
            fprintf(stderr, "xl: domain %u resumed%s\n", domid,
                    leave_paused ? " and left paused (-p)" : "");
    } else if (info.shutdown) {
        fprintf(stderr, "xl: domain %u has shut down (reason %d)\n",
                domid, info.shutdown_reason);
    } else {
        if (leave_paused && !info.paused)
            libxl_domain_pause(ctx, domid, NULL);
        /* libxl resumes the guest of a failed save that is not live. */
        fprintf(stderr, "xl: domain %u is not suspended: it is %s\n", domid,
                leave_paused ? "paused (-p)" : "running");
    }
 out:
    libxl_dominfo_dispose(&info);
}

/* ---- xl save ---- */

struct save_request {
    uint32_t domid;
    const char *target;
    const char *config_file;    /* NULL: the domain's own */
    int keep_running;           /* -c */
    int leave_paused;           /* -p */
    int preserve_domid;         /* -D */
    int zstd;                   /* -z */
    int send_zero_pages;        /* --send-zero-pages */
    int quiet;                  /* -q */
    const char *stats;          /* --stats=FILE */
};

static int do_save(const struct save_request *req)
{
    image_out io;
    uint8_t *config = NULL;
    int config_len = 0, e, rc, libxl_fd;
    const char *why;
    xlp_totals totals;

    save_domain_core_begin(req->domid, req->preserve_domid,
                           req->config_file, &config, &config_len);
    if (!config_len)
        fputs(" Savefile will not contain xl domain config\n", stderr);

    e = image_out_open(&io, req->target);
    if (e) {
        fprintf(stderr, "xl save: cannot create an image file next to %s: %s\n",
                req->target, strerror(e));
        free(config);
        return EXIT_FAILURE;
    }

    e = write_image_header(io.fd, config, config_len,
                           req->zstd ? XL_MANDATORY_FLAG_ZSTD : 0, NULL);
    free(config);
    if (e) {
        fprintf(stderr, "xl save: writing the image header failed: %s;"
                " domain %u untouched\n", strerror(e), req->domid);
        image_out_discard(&io);
        return EXIT_FAILURE;
    }
    libxl_fd = io.fd;

    if (req->zstd) {
        /* A write to a compressor that failed must not kill xl. */
        signal(SIGPIPE, SIG_IGN);
        libxl_fd = save_zstd_begin(io.fd, 0);
        if (libxl_fd < 0) {
            image_out_discard(&io);
            fprintf(stderr, "xl save: domain %u untouched\n", req->domid);
            return EXIT_FAILURE;
        }
    }

    xl_progress_begin("xl save", xl_progress_mode(req->quiet,
                                                  progress_use_cr));
    rc = libxl_domain_suspend(ctx, req->domid, libxl_fd,
                              req->send_zero_pages ?
                                  LIBXL_SUSPEND_SEND_ZERO_PAGES : 0,
                              NULL);
    if (req->zstd && save_zstd_end(req->target, rc) && !rc)
        rc = ERROR_FAIL;
    xl_progress_end(&totals, "save");
    if (rc) {
        /* Written in place (a pipe, a device): the reader sees it cut. */
        const char *left = io.tmp ? "no image was left at"
                                  : "what was written is incomplete:";

        why = guess_save_failure(&io);
        if (!why)
            why = xl_progress_first_error();
        image_out_discard(&io);
        fprintf(stderr, "xl save: saving domain %u to %s failed: %s"
                " (libxl error %d); %s %s\n",
                req->domid, req->target,
                why ? why : "see the messages above", rc, left, req->target);
        put_guest_back(req->domid, req->leave_paused);
        return EXIT_FAILURE;
    }

    e = image_out_commit(&io);
    if (e) {
        const char *left = io.tmp ? "no image was left there"
                                  : "what was written may be incomplete";

        image_out_discard(&io);
        fprintf(stderr, "xl save: the image of domain %u could not be"
                " completed at %s: %s; %s\n",
                req->domid, req->target, strerror(e), left);
        put_guest_back(req->domid, req->leave_paused);
        return EXIT_FAILURE;
    }

    /* The image is safe: now the domain can go (or carry on). */
    if (req->keep_running || req->leave_paused) {
        if (req->leave_paused)
            libxl_domain_pause(ctx, req->domid, NULL);
        rc = libxl_domain_resume(ctx, req->domid, 1, NULL);
        if (rc) {
            fprintf(stderr, "xl save: image written, but resuming domain %u"
                    " failed (libxl error %d)\n", req->domid, rc);
            return EXIT_FAILURE;
        }
        /* The guest ran again just now: that ends its pause. */
        totals.downtime_ms = xlp_paused_for(&totals, xl_progress_now_ms());
    } else {
        libxl_domain_destroy(ctx, req->domid, NULL);
    }
    return xl_progress_report(&totals, req->quiet, req->stats) ?
           EXIT_FAILURE : EXIT_SUCCESS;
}

int main_save(int argc, char **argv)
{
    struct save_request req = { 0 };
    int opt, nargs;
    static struct option long_opts[] = {
        {"zstd", 0, 0, 'z'},
        {"send-zero-pages", 0, 0, 0x100},
        {"quiet", 0, 0, 'q'},
        {"stats", 1, 0, 0x101},
        COMMON_LONG_OPTS
    };

    SWITCH_FOREACH_OPT(opt, "cpDzq", long_opts, "save", 2) {
    case 'c': req.keep_running = 1; break;
    case 'p': req.leave_paused = 1; break;
    case 'D': req.preserve_domid = 1; break;
    case 'z': req.zstd = 1; break;
    case 0x100: req.send_zero_pages = 1; break;
    case 'q': req.quiet = 1; break;
    case 0x101: req.stats = optarg; break;
    }

    nargs = argc - optind;
    if (nargs > 3) {
        help("save");
        return EXIT_FAILURE;
    }
    req.domid = find_domain(argv[optind]);
    req.target = argv[optind + 1];
    req.config_file = nargs == 3 ? argv[optind + 2] : NULL;

    return do_save(&req);
}

/* ---- xl restore ---- */

/*
 * The ids of the domains that exist now, sorted as libxl lists them; NULL
 * (and *nr 0) if they cannot be listed.  The caller frees the result.
 */
static uint32_t *domids_now(int *nr)
{
    libxl_dominfo *info;
    uint32_t *ids;
    int i, n;

    *nr = 0;
    info = libxl_list_domain(ctx, &n);
    if (!info)
        return NULL;
    ids = malloc(sizeof(*ids) * (n ? n : 1));
    if (ids) {
        for (i = 0; i < n; i++)
            ids[i] = info[i].domid;
        *nr = n;
    }
    libxl_dominfo_list_free(info, n);
    return ids;
}

/*
 * The last line of a failed restore: what failed (the first error logged
 * during it, normally the stream reader's message with record and
 * offset) and what it left, judged by the domains that exist now and did
 * not before.
 */
static void restore_failed(const char *file, const uint32_t *before,
                           int nr_before)
{
    const char *why = xl_progress_first_error();
    uint32_t *after;
    int nr_after, i, j, left = 0;
    uint32_t left_id = 0;

    if (!why)
        why = "see the messages above";

    after = domids_now(&nr_after);
    if (!after || !before) {
        fprintf(stderr, "xl restore: restoring %s failed: %s; cannot list"
                " domains to say whether one was left\n", file, why);
        free(after);
        return;
    }
    for (i = 0; i < nr_after; i++) {
        for (j = 0; j < nr_before && before[j] != after[i]; j++)
            ;
        if (j == nr_before) {
            left++;
            left_id = after[i];
        }
    }
    if (!left)
        fprintf(stderr, "xl restore: restoring %s failed: %s; no domain"
                " was left behind\n", file, why);
    else
        fprintf(stderr, "xl restore: restoring %s failed: %s; domain %u is"
                " still there: xl destroy %u\n", file, why, left_id,
                left_id);
    free(after);
}

int main_restore(int argc, char **argv)
{
    struct domain_create dc;
    uint32_t *before;
    int opt, nargs, nr_before, rc, quiet = 0;
    const char *stats = NULL;
    xlp_totals totals;
    static struct option long_opts[] = {
        {"vncviewer", 0, 0, 'V'},
        {"vncviewer-autopass", 0, 0, 'A'},
        {"quiet", 0, 0, 'q'},
        {"stats", 1, 0, 0x100},
        COMMON_LONG_OPTS
    };

    memset(&dc, 0, sizeof(dc));
    dc.daemonize = 1;
    dc.monitor = 1;
    dc.migrate_fd = -1;
    dc.send_back_fd = -1;

    SWITCH_FOREACH_OPT(opt, "FcpdeVAq", long_opts, "restore", 1) {
    case 'q': quiet = 1; break;
    case 0x100: stats = optarg; break;
    case 'c': dc.console_autoconnect = 1; break;
    case 'p': dc.paused = 1; break;
    case 'd': dc.debug = 1; break;
    case 'F': dc.daemonize = 0; break;
    case 'e': dc.daemonize = 0; dc.monitor = 0; break;
    case 'V': dc.vnc = 1; break;
    case 'A': dc.vnc = 1; dc.vncautopass = 1; break;
    }

    nargs = argc - optind;
    switch (nargs) {
    case 2:
        dc.config_file = argv[optind++];
        /* fall through */
    case 1:
        dc.restore_file = argv[optind];
        break;
    default:
        help("restore");
        return EXIT_FAILURE;
    }

    before = domids_now(&nr_before);
    xl_progress_begin("xl restore", xl_progress_mode(quiet, progress_use_cr));
    rc = create_domain(&dc);
    xl_progress_end(&totals, "restore");
    if (rc < 0)
        restore_failed(dc.restore_file, before, nr_before);
    free(before);
    if (rc < 0)
        return EXIT_FAILURE;
    return xl_progress_report(&totals, quiet, stats) ?
           EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* LIBXL_HAVE_NO_SUSPEND_RESUME */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
