/*
 * inproc-write: saves a pretend domain through our libxl stream writer,
 * in this process, to a file or through a socketpair, so that the stream
 * it writes can be checked by xen-stream and restored by inproc-read.
 *
 *   inproc-write [-v] [--fault SPEC]... [--stall-after N] [--trickle-after N]
 *                --file|--socket KIND LIBXC OUT [DMSIZE]
 *
 * KIND: pv      libxl header, LIBXC_CONTEXT, libxc's octets, END
 *       hvm     the same with the device model's xenstore keys and a
 *               DMSIZE-octet QEMU state (EMULATOR_XENSTORE_DATA and
 *               EMULATOR_CONTEXT before END)
 *       remus   hvm, checkpointed: libxc's stream (without its END) gets
 *               two CHECKPOINT records, after each of which libxl writes
 *               the device model's records and CHECKPOINT_END, then
 *               libxc's END and libxl's END
 *       colo    remus, and after each CHECKPOINT_END a CHECKPOINT_STATE
 *               on the main stream, as a COLO primary writes it
 * LIBXC: a whole libxc stream (mkstream --bare-libxc), the fake save
 *        helper's part.
 *
 *   inproc-write [-v] colo OUT
 *
 * A COLO back channel: the secondary's writer sends CHECKPOINT_STATE
 * records (ids 2, 3, 1, 2, 3, 1: READY, RESUMED, SUSPENDED per
 * checkpoint, in the order Xen 4.17's secondary sends them) through a
 * socketpair to the primary's reader, which must get each id back in
 * order; the octets that went through are also kept in OUT for
 * xen-stream.
 *
 * --fault: see inproc_fault_parse.  --stall-after N (socket only): the
 * receiving end stops reading after N octets, connection open;
 * --trickle-after N: it reads 32 KiB every 50 ms after N octets.
 *
 * Prints "ok: ..." and exits 0, or "error: ..." and exits 1.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <pthread.h>
#include <sys/socket.h>

#include "inproc.h"

#define SAVE_DOMID 9

/*----- draining a socket into the output file -----*/

typedef struct {
    int from, to;
    uint64_t octets;
    bool failed;
    long stall_after;          /* > 0: stop reading after this many */
    long trickle_after;        /* > 0: then 32 KiB every 50 ms */
    volatile bool resume;      /* set once the writer has finished */
} drain;

static void *drain_run(void *opaque)
{
    drain *d = opaque;
    unsigned char buf[65536];
    ssize_t r, w, done;

    for (;;) {
        size_t want = sizeof(buf);

        if (d->stall_after > 0 && !d->resume) {
            if (d->octets >= (uint64_t)d->stall_after) {
                /* A receiver that stopped taking data. */
                usleep(10000);
                continue;
            }
            if (d->stall_after - d->octets < want)
                want = d->stall_after - d->octets;
        }
        if (d->trickle_after > 0 && !d->resume &&
            d->octets >= (uint64_t)d->trickle_after) {
            /* A slow link that never stops. */
            usleep(50000);
            if (want > 32768)
                want = 32768;
        }
        r = __real_read(d->from, buf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (done = 0; done < r; done += w) {
            w = __real_write(d->to, buf + done, r - done);
            if (w <= 0) {
                d->failed = true;
                return NULL;
            }
        }
        d->octets += r;
    }
    return NULL;
}

/*----- the save -----*/

static int save_rc = 1;
static bool save_completed;

static void save_stream_done(libxl__egc *egc,
                             libxl__stream_write_state *sws, int rc)
{
    libxl__domain_save_state *dss = CONTAINER_OF(sws, *dss, sws);

    save_rc = rc;
    save_completed = true;
    libxl__ao_complete(egc, dss->ao, rc);
}

static int save(libxl_ctx *ctx, int fd, bool hvm, bool remus)
{
    AO_CREATE(ctx, SAVE_DOMID, NULL);
    libxl__domain_save_state *dss;

    GCNEW(dss);
    dss->ao = ao;
    dss->domid = SAVE_DOMID;
    dss->fd = fd;
    dss->recv_fd = -1;
    dss->type = hvm ? LIBXL_DOMAIN_TYPE_HVM : LIBXL_DOMAIN_TYPE_PV;
    dss->checkpointed_stream = !remus ? LIBXL_CHECKPOINTED_STREAM_NONE :
        inproc_save.colo ? LIBXL_CHECKPOINTED_STREAM_COLO :
                           LIBXL_CHECKPOINTED_STREAM_REMUS;

    dss->sws.ao = ao;
    dss->sws.dss = dss;
    dss->sws.fd = fd;
    dss->sws.back_channel = false;
    dss->sws.completion_callback = save_stream_done;
    dss->sws.checkpoint_callback = inproc_save_checkpoint_done;

    libxl__stream_write_start(egc, &dss->sws);
    return AO_INPROGRESS;
}

/* The device model's side of a save: its keys and its state file. */
static int device_model_setup(const char *state_dir, size_t dm_size)
{
    static const char *const keys[][2] = {
        { "physmap/f0000000/start_addr", "f0000000" },
        { "physmap/f0000000/size", "800000" },
        { "physmap/f0000000/name", "vga.vram" },
    };
    char path[256], real[512];
    unsigned char chunk[4096];
    size_t i, done;
    int fd;

    snprintf(path, sizeof(path), "/libxl/%u/dm-version", SAVE_DOMID);
    inproc_xs_set(path, "qemu_xen");
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/%s",
                 SAVE_DOMID, keys[i][0]);
        inproc_xs_set(path, keys[i][1]);
    }

    snprintf(path, sizeof(path), "%s.%u", LIBXL_DEVICE_MODEL_SAVE_FILE,
             SAVE_DOMID);
    fd = __real_open(inproc_path(path, real, sizeof(real)),
                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    for (done = 0; done < dm_size; done += i) {
        for (i = 0; i < sizeof(chunk); i++)
            chunk[i] = (unsigned char)((done + i) * 7 + 1);
        if (!done)
            memcpy(chunk, "QEVM", 4);
        i = dm_size - done < sizeof(chunk) ? dm_size - done : sizeof(chunk);
        if (__real_write(fd, chunk, i) != (ssize_t)i) {
            close(fd);
            return -1;
        }
    }
    return close(fd);
}

/*
 * libxc's part for a checkpointed stream: its records up to END, two
 * CHECKPOINT records, END.  The checkpoints are where the fake helper
 * stops and asks libxl for its records.
 */
static unsigned char *checkpointed_libxc(const unsigned char *libxc,
                                         size_t len, size_t *len_r)
{
    static const unsigned char checkpoint[8] = { 0x0e };
    static const unsigned char end[8] = { 0 };
    unsigned char *out;
    size_t body;

    if (len < 8 || memcmp(libxc + len - 8, end, 8))
        return NULL;
    body = len - 8;
    out = malloc(body + 3 * 8);
    if (!out) abort();
    memcpy(out, libxc, body);
    memcpy(out + body, checkpoint, 8);
    inproc_save.checkpoint_at[0] = body + 8;
    memcpy(out + body + 8, checkpoint, 8);
    inproc_save.checkpoint_at[1] = body + 16;
    memcpy(out + body + 16, end, 8);
    inproc_save.n_checkpoints = 2;
    *len_r = body + 24;
    return out;
}

static unsigned char *slurp(const char *path, size_t *len_r)
{
    struct stat st;
    unsigned char *buf;
    int fd = open(path, O_RDONLY);

    if (fd < 0 || fstat(fd, &st)) {
        perror(path);
        exit(2);
    }
    buf = malloc(st.st_size ? st.st_size : 1);
    if (!buf) abort();
    if (__real_read(fd, buf, st.st_size) != st.st_size) {
        fprintf(stderr, "%s: short read\n", path);
        exit(2);
    }
    close(fd);
    *len_r = st.st_size;
    return buf;
}

/*----- the COLO back channel -----*/

static const uint32_t colo_ids[] = { 2, 3, 1, 2, 3, 1 };

static struct {
    libxl__ao *ao;
    libxl__stream_write_state sws;
    libxl__stream_read_state srs;
    unsigned int next;        /* index into colo_ids */
    int rc;
    bool done;
} colo;

static void colo_written(libxl__egc *egc, libxl__stream_write_state *sws,
                         int rc);
static void colo_read(libxl__egc *egc, libxl__stream_read_state *srs,
                      int id);
static void colo_finish(libxl__egc *egc, int rc);

static void colo_send(libxl__egc *egc)
{
    libxl_sr_checkpoint_state srcs;

    srcs.id = colo_ids[colo.next];
    libxl__stream_write_checkpoint_state(egc, &colo.sws, &srcs);
}

static void colo_written(libxl__egc *egc, libxl__stream_write_state *sws,
                         int rc)
{
    if (rc) {
        colo_finish(egc, rc);
        return;
    }
    libxl__stream_read_checkpoint_state(egc, &colo.srs);
}

static void colo_read(libxl__egc *egc, libxl__stream_read_state *srs,
                      int id)
{
    libxl__ao *ao = colo.ao;
    AO_GC;

    if (id < 0) {
        colo_finish(egc, id);
        return;
    }
    if ((uint32_t)id != colo_ids[colo.next]) {
        LOG(ERROR, "back channel: sent state %u, read %d",
            colo_ids[colo.next], id);
        colo_finish(egc, ERROR_FAIL);
        return;
    }
    if (++colo.next == sizeof(colo_ids) / sizeof(colo_ids[0])) {
        colo_finish(egc, 0);
        return;
    }
    colo_send(egc);
}

/* COLO ends its back channels by aborting them. */
static void colo_finish(libxl__egc *egc, int rc)
{
    colo.rc = rc;
    colo.done = true;
    libxl__stream_write_abort(egc, &colo.sws, ERROR_FAIL);
    libxl__stream_read_abort(egc, &colo.srs, ERROR_FAIL);
    libxl__ao_complete(egc, colo.ao, rc);
}

static int colo_run(libxl_ctx *ctx, int wfd, int rfd)
{
    AO_CREATE(ctx, SAVE_DOMID, NULL);

    colo.ao = ao;
    colo.next = 0;
    colo.done = false;

    colo.sws.ao = ao;
    colo.sws.dss = NULL;
    colo.sws.fd = wfd;
    colo.sws.back_channel = true;
    colo.sws.completion_callback = NULL;
    colo.sws.checkpoint_callback = colo_written;
    libxl__stream_write_start(egc, &colo.sws);

    colo.srs.ao = ao;
    colo.srs.dcs = NULL;
    colo.srs.fd = rfd;
    colo.srs.back_channel = true;
    colo.srs.completion_callback = NULL;
    colo.srs.checkpoint_callback = colo_read;
    libxl__stream_read_start(egc, &colo.srs);

    colo_send(egc);
    return AO_INPROGRESS;
}

/*
 * The writer sends into one socket; a thread copies what arrives both
 * into OUT and on to the reader's socket, so that xen-stream can look
 * at exactly what went through.
 */
typedef struct {
    int from, to, keep;
} tee_state;

static void *tee_run(void *opaque)
{
    tee_state *t = opaque;
    unsigned char buf[4096];
    ssize_t r;

    while ((r = __real_read(t->from, buf, sizeof(buf))) > 0) {
        if (__real_write(t->keep, buf, r) != r ||
            __real_write(t->to, buf, r) != r)
            break;
    }
    close(t->to);
    return NULL;
}

static int colo_main(bool verbose, const char *out)
{
    int w[2], r[2], rc;
    pthread_t tee;
    tee_state t;
    libxl_ctx *ctx;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, w) ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, r)) {
        perror("socketpair");
        return 2;
    }
    t.from = w[1];
    t.to = r[1];
    t.keep = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (t.keep < 0) {
        perror(out);
        return 2;
    }
    if (pthread_create(&tee, NULL, tee_run, &t))
        return 2;

    ctx = inproc_ctx_new(verbose);
    rc = colo_run(ctx, w[0], r[0]);
    close(w[0]);
    pthread_join(tee, NULL);
    close(w[1]);
    close(r[0]);
    close(t.keep);

    if (rc || !colo.done || colo.rc)
        printf("error: back channel: rc %d, %u of %zu states read back: %s\n",
               rc ? rc : colo.rc, colo.next,
               sizeof(colo_ids) / sizeof(colo_ids[0]),
               inproc_log_find("") ? inproc_log_find("") : "");
    else
        printf("ok: %u CHECKPOINT_STATE records written and read back\n",
               colo.next);
    inproc_ctx_free(ctx);
    return rc || colo.rc ? 1 : 0;
}

/*----- main -----*/

static void usage(void)
{
    fprintf(stderr, "usage: inproc-write [-v] [--fault OP,MATCH,NTH,ERR]..."
            " --file|--socket pv|hvm|remus|colo"
            " LIBXC OUT [DMSIZE]\n       inproc-write [-v] colo OUT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    bool verbose = false, socket_mode = false, hvm, remus, colo_main_stream;
    char state_dir[] = "/tmp/inproc-w-XXXXXX", path[256], real[512];
    const char *kind, *out;
    unsigned char *libxc, *data;
    size_t libxc_len, data_len, dm_size = 0;
    pthread_t drainer;
    drain d;
    libxl_ctx *ctx;
    int i = 1, fd, outfd, rc, status, fds_before;
    bool faulted = false;
    long stall_after = 0, trickle_after = 0;

    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) {
            verbose = true;
        } else if (!strcmp(argv[i], "--stall-after") && i + 1 < argc) {
            stall_after = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--trickle-after") && i + 1 < argc) {
            trickle_after = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--fault") && i + 1 < argc) {
            if (inproc_fault_parse(argv[++i]))
                usage();
            faulted = true;
        } else {
            break;
        }
    }
    if (i + 2 == argc && !strcmp(argv[i], "colo")) {
        signal(SIGPIPE, SIG_IGN);
        return colo_main(verbose, argv[i + 1]);
    }
    if (i + 4 > argc)
        usage();
    if (!strcmp(argv[i], "--socket")) socket_mode = true;
    else if (strcmp(argv[i], "--file")) usage();
    kind = argv[i + 1];
    colo_main_stream = !strcmp(kind, "colo");
    remus = !strcmp(kind, "remus") || colo_main_stream;
    hvm = !strcmp(kind, "hvm") || remus;
    if (!hvm && strcmp(kind, "pv"))
        usage();
    libxc = slurp(argv[i + 2], &libxc_len);
    out = argv[i + 3];
    if (i + 5 == argc)
        dm_size = strtoul(argv[i + 4], NULL, 0);

    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(state_dir)) {
        perror("mkdtemp");
        return 2;
    }
    inproc_set_state_dir(state_dir);

    fds_before = inproc_count_fds();
    memset(&inproc_save, 0, sizeof(inproc_save));
    data = libxc;
    data_len = libxc_len;
    if (remus && !(data = checkpointed_libxc(libxc, libxc_len, &data_len))) {
        fprintf(stderr, "%s: not a libxc stream ending in END\n",
                argv[i + 2]);
        return 2;
    }
    inproc_save.data = data;
    inproc_save.len = data_len;
    inproc_save.mem_octets = 64 << 20;
    inproc_save.colo = colo_main_stream;

    ctx = inproc_ctx_new(verbose);
    if (hvm && device_model_setup(state_dir, dm_size)) {
        perror("device model state");
        inproc_ctx_free(ctx);
        return 2;
    }

    outfd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (outfd < 0) {
        perror(out);
        return 2;
    }
    if (socket_mode) {
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
            perror("socketpair");
            return 2;
        }
        d.from = sv[1];
        d.to = outfd;
        d.octets = 0;
        d.failed = false;
        d.stall_after = stall_after;
        d.trickle_after = trickle_after;
        d.resume = false;
        if (pthread_create(&drainer, NULL, drain_run, &d))
            return 2;
        fd = sv[0];
    } else {
        fd = outfd;
    }
    inproc_name_fd(fd, "migration stream");

    rc = save(ctx, fd, hvm, remus);

    if (socket_mode) {
        d.resume = true;
        close(fd);
        pthread_join(drainer, NULL);
        close(d.from);
    }
    close(outfd);

    status = 1;
    if (!save_completed)
        printf("error: the writer never completed (rc %d)\n", rc);
    else if (rc)
        printf("error: rc %d: %s\n", rc, inproc_log_find("") ?
               inproc_log_find("") : "nothing logged");
    else if (socket_mode && d.failed)
        printf("error: could not keep what the writer sent\n");
    else if (inproc_save.checkpoints_done != inproc_save.n_checkpoints)
        printf("error: %u of %u checkpoints written\n",
               inproc_save.checkpoints_done, inproc_save.n_checkpoints);
    else {
        printf("ok: %s stream written, %u checkpoints, %u states\n", kind,
               inproc_save.checkpoints_done, inproc_save.states);
        status = 0;
    }

    snprintf(path, sizeof(path), "%s.%u", LIBXL_DEVICE_MODEL_SAVE_FILE,
             SAVE_DOMID);
    unlink(inproc_path(path, real, sizeof(real)));
    if (rmdir(state_dir)) {
        printf("error: files left in %s\n", state_dir);
        status = 1;
    }
    inproc_ctx_free(ctx);
    if (inproc_count_fds() != fds_before) {
        printf("error: %d file descriptors before, %d after\n",
               fds_before, inproc_count_fds());
        status = 1;
    }
    if (faulted && !inproc_faults_fired()) {
        printf("error: the fault never fired\n");
        status = 1;
    }
    if (data != libxc)
        free(data);
    free(libxc);
    return status;
}
