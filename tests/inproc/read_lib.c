/*
 * read_lib.c: restores an image through our libxl stream reader, in this
 * process, and says what the reader made of it.
 *
 * The image is what xen-stream reads (an xl save file, a bare libxl
 * stream, ...).  xen-stream's walker finds where the libxl stream starts
 * in it and what the guest is (PV or HVM, checkpointed or not): the
 * configuration a real restore would have been given.  Then the libxl
 * stream goes to libxl__stream_read_start from the image file itself,
 * positioned at the libxl header, or through a socketpair fed by a
 * thread (never seekable).
 *
 * The verdict is one line:
 *
 *   valid: N octets of QEMU state, K xenstore keys
 *          [, S CHECKPOINT_STATE (last ID)]       (N is -1 for none)
 *   invalid: MESSAGE
 *   skip: WHY       not the reader's input: xl's or libvirt's container
 *                   is damaged, the input is compressed, or it holds no
 *                   libxl stream at all
 *   harness: WHAT   the reader broke a rule of its own: it never
 *                   completed, or left a file or a descriptor behind
 *
 * MESSAGE is the reader's own error, with its offsets (counted from the
 * libxl header, and over a socket without libxc's octets) turned into
 * offsets in the image so that it can be compared with xen-stream's; or,
 * when libxc's part is what is damaged, the fake helper's message.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <pthread.h>
#include <sys/socket.h>

#include "inproc.h"
#include "stream_walk.h"

typedef struct {
    bool reached_libxl;
    uint64_t libxl_base;
    bool hvm;
    bool checkpointed;
    bool colo;              /* CHECKPOINT_STATEs on the main stream */
    char why[320];
} image_facts;

static void facts_event(void *opaque, const sw_event *ev)
{
    image_facts *f = opaque;

    switch (ev->kind) {
    case SW_EV_XL_HEADER:
        f->libxl_base = ev->offset + SW_XL_HEADER_SIZE +
                        ev->u.xl.optional_len;
        break;
    case SW_EV_LV_HEADER:
        f->libxl_base = ev->offset + SW_LV_HEADER_SIZE + ev->u.lv.xml_len;
        break;
    case SW_EV_LIBXC:
        if (ev->u.libxc->kind == XCW_EV_DOMAIN_HEADER)
            f->hvm = ev->u.libxc->u.domain.type == XCW_DOMAIN_X86_HVM;
        if (ev->u.libxc->kind == XCW_EV_RECORD &&
            ev->u.libxc->u.record->type == XCW_REC_CHECKPOINT)
            f->checkpointed = true;
        break;
    default:
        break;
    }
}

/*
 * What the restore would be configured with, from xen-stream's walk, and
 * where libxl's stream starts: after xl's or libvirt's container, if
 * there is one.  A damaged container is xl's or libvirt's business, not
 * the reader's.
 */
static void image_facts_get(const unsigned char *img, size_t len,
                            image_facts *f)
{
    stream_walk *w = calloc(1, sizeof(*w));
    unsigned char *body = malloc(SW_BODY_BUF_MIN);
    int r;

    if (!w || !body) abort();
    memset(f, 0, sizeof(*f));
    sw_init(w, body, SW_BODY_BUF_MIN, facts_event, f);
    r = sw_push(w, img, len);
    if (r >= 0)
        r = sw_finish(w);
    f->colo = w->fr.colo;
    f->reached_libxl = !w->bare_libxc && !w->back_channel &&
        (r >= 0 || w->err_layer == SW_LAYER_LIBXL ||
         w->err_layer == SW_LAYER_LIBXC);
    if (!f->reached_libxl) {
        if (r < 0)
            sw_format_error(w, f->why, sizeof(f->why));
        else
            snprintf(f->why, sizeof(f->why), "no libxl stream (%s)",
                     w->bare_libxc ? "a bare libxc stream" :
                     "a COLO back channel");
    }
    free(body);
    free(w);
}

/*----- feeding a socket -----*/

inproc_read_opts inproc_read_options;

typedef struct {
    int fd;
    const unsigned char *data;
    size_t len;
    long stall_after;
    long trickle_after;
} feeder;

static void *feed(void *opaque)
{
    feeder *fe = opaque;
    size_t done = 0;
    ssize_t r;

    while (done < fe->len) {
        size_t want = fe->len - done;

        if (fe->stall_after > 0 && done + want > (size_t)fe->stall_after) {
            char c;

            want = fe->stall_after - done;
            if (!want) {
                /* Silent, connection open, until the reader hangs up. */
                while (__real_read(fe->fd, &c, 1) > 0)
                    ;
                break;
            }
        }
        if (fe->trickle_after > 0 && done >= (size_t)fe->trickle_after) {
            usleep(50000);
            if (want > 128)
                want = 128;
        } else if (fe->trickle_after > 0 &&
                   done + want > (size_t)fe->trickle_after) {
            want = fe->trickle_after - done;
        }
        r = __real_write(fe->fd, fe->data + done, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;      /* the reader stopped and closed its end */
        done += r;
    }
    close(fe->fd);
    return NULL;
}

/*----- the restore -----*/

typedef struct {
    int rc;
    bool completed;
} restore_result;

static restore_result result;

static void restore_stream_done(libxl__egc *egc,
                                libxl__stream_read_state *srs, int rc)
{
    libxl__domain_create_state *dcs = CONTAINER_OF(srs, *dcs, srs);

    result.rc = rc;
    result.completed = true;
    libxl__ao_complete(egc, dcs->ao, rc);
}

static int restore(libxl_ctx *ctx, int fd, const image_facts *f)
{
    AO_CREATE(ctx, INPROC_DOMID, NULL);
    libxl__domain_create_state *dcs;
    libxl_domain_config *cfg;

    GCNEW(dcs);
    GCNEW(cfg);
    libxl_domain_config_init(cfg);
    cfg->b_info.type = f->hvm ? LIBXL_DOMAIN_TYPE_HVM :
                                LIBXL_DOMAIN_TYPE_PV;
    cfg->b_info.device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
    if (inproc_read_options.config) {
        const char *c = inproc_read_options.config;

        cfg->b_info.type = strcmp(c, "pv") ? LIBXL_DOMAIN_TYPE_HVM :
                                             LIBXL_DOMAIN_TYPE_PV;
        if (!strcmp(c, "hvm-trad"))
            cfg->b_info.device_model_version =
                LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    }
    cfg->b_info.target_memkb = 64 * 1024;

    dcs->ao = ao;
    dcs->guest_config = cfg;
    dcs->guest_domid = INPROC_DOMID;
    dcs->restore_fd = fd;
    dcs->libxc_fd = -1;
    dcs->restore_params.checkpointed_stream = f->checkpointed ?
        LIBXL_CHECKPOINTED_STREAM_REMUS : LIBXL_CHECKPOINTED_STREAM_NONE;
    if (inproc_read_options.colo || f->colo)
        dcs->restore_params.checkpointed_stream =
            LIBXL_CHECKPOINTED_STREAM_COLO;

    dcs->srs.ao = ao;
    dcs->srs.dcs = dcs;
    dcs->srs.fd = fd;
    dcs->srs.legacy = inproc_read_options.legacy;
    dcs->srs.back_channel = false;
    dcs->srs.completion_callback = restore_stream_done;
    dcs->srs.checkpoint_callback = inproc_restore_checkpoint_done;

    libxl__stream_read_start(egc, &dcs->srs);
    return AO_INPROGRESS;
}

/*
 * The reader counts offsets from its header; over a socket, once libxc
 * has had the fd, without libxc's octets (and says so).  Rewrites
 * "at offset N" and "after N octets" as offsets in the image.
 */
static void absolute_offsets(const char *msg, uint64_t base,
                             uint64_t libxc_octets, char *out, size_t cap)
{
    static const char excl[] = " (offset excludes libxc's part of the stream)";
    static const char excl2[] = " (excluding libxc's part)";
    static const char *const marks[] = { "at offset ", "after ", NULL };
    char *tail;
    size_t o = 0;
    bool excluded = strstr(msg, excl) || strstr(msg, excl2);

    while (*msg && o + 32 < cap) {
        const char *const *m;
        bool done = false;

        if (excluded && !strncmp(msg, excl, sizeof(excl) - 1)) {
            msg += sizeof(excl) - 1;
            continue;
        }
        if (excluded && !strncmp(msg, excl2, sizeof(excl2) - 1)) {
            msg += sizeof(excl2) - 1;
            continue;
        }
        for (m = marks; *m && !done; m++) {
            size_t ml = strlen(*m);
            unsigned long long v;

            if (strncmp(msg, *m, ml) || !isdigit((unsigned char)msg[ml]))
                continue;
            v = strtoull(msg + ml, &tail, 10);
            if (!strcmp(*m, "after ") && strncmp(tail, " octets", 7))
                continue;
            v += base + (excluded ? libxc_octets : 0);
            o += snprintf(out + o, cap - o, "%s%llu", *m, v);
            msg = tail;
            done = true;
        }
        if (!done)
            out[o++] = *msg++;
    }
    out[o] = 0;
}

int inproc_read_image(const unsigned char *img, size_t len,
                      const char *path, bool verbose,
                      char *out, size_t cap)
{
    image_facts f;
    pthread_t feeder_thread;
    feeder fe;
    libxl_ctx *ctx;
    char dm_file[512], line[1024];
    char state_dir[] = "/tmp/inproc-XXXXXX";
    const char *err;
    int fd, rc, status, fds_before;

    fds_before = inproc_count_fds();
    if (inproc_read_options.legacy) {
        /* No libxl stream to look at: the converter makes one. */
        memset(&f, 0, sizeof(f));
        f.reached_libxl = true;
    } else {
        image_facts_get(img, len, &f);
    }
    if (!f.reached_libxl) {
        snprintf(out, cap, "skip: %s", f.why);
        return INPROC_SKIP;
    }

    if (!mkdtemp(state_dir)) {
        snprintf(out, cap, "harness: mkdtemp: %s", strerror(errno));
        return INPROC_HARNESS;
    }
    inproc_set_state_dir(state_dir);
    snprintf(line, sizeof(line), "%s.%u", LIBXL_DEVICE_MODEL_RESTORE_FILE,
             INPROC_DOMID);
    inproc_path(line, dm_file, sizeof(dm_file));

    if (!path) {
        int sv[2];

        /* Close-on-exec: a child libxl starts (the legacy converter)
         * must not hold the feeder's end open. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
            snprintf(out, cap, "harness: socketpair: %s", strerror(errno));
            rmdir(state_dir);
            return INPROC_HARNESS;
        }
        fe.fd = sv[1];
        fe.data = img + f.libxl_base;
        fe.len = len - f.libxl_base;
        fe.stall_after = inproc_read_options.stall_after;
        fe.trickle_after = inproc_read_options.trickle_after;
        if (pthread_create(&feeder_thread, NULL, feed, &fe)) {
            snprintf(out, cap, "harness: cannot start the feeder");
            close(sv[0]);
            close(sv[1]);
            rmdir(state_dir);
            return INPROC_HARNESS;
        }
        fd = sv[0];
        inproc_name_fd(fd, "migration stream");
    } else {
        fd = open(path, O_RDONLY);
        if (fd < 0 || lseek(fd, f.libxl_base, SEEK_SET) < 0) {
            snprintf(out, cap, "harness: %s: %s", path, strerror(errno));
            if (fd >= 0) close(fd);
            rmdir(state_dir);
            return INPROC_HARNESS;
        }
        inproc_name_fd(fd, "migration stream");
    }

    ctx = inproc_ctx_new(verbose);
    inproc_xs_fail_commits(inproc_read_options.xs_commit_failures);
    inproc_xs_fail_writes(inproc_read_options.xs_write_failures);
    inproc_restore_helper_reset(f.libxl_base, path != NULL);
    inproc_restore_helper.colo = inproc_read_options.colo || f.colo;
    memset(&result, 0, sizeof(result));
    rc = restore(ctx, fd, &f);

    close(fd);
    if (!path)
        pthread_join(feeder_thread, NULL);

    if (!result.completed) {
        snprintf(out, cap, "harness: the reader never completed (rc %d)",
                 rc);
        status = INPROC_HARNESS;
    } else if (!rc) {
        struct stat dst;
        char root[64];
        long long dm = -1;

        if (!stat(dm_file, &dst))
            dm = dst.st_size;
        snprintf(root, sizeof(root), "/local/domain/0/device-model/%u/",
                 INPROC_DOMID);
        snprintf(out, cap, "valid: %lld octets of QEMU state,"
                 " %u xenstore keys", dm, inproc_xs_count(root));
        if (inproc_restore_helper.colo)
            snprintf(out + strlen(out), cap - strlen(out),
                     ", %u CHECKPOINT_STATE (last %d)",
                     inproc_restore_helper.states,
                     inproc_restore_helper.last_state);
        status = INPROC_VALID;
    } else if ((err = inproc_log_find("migration stream: "))) {
        absolute_offsets(strstr(err, "migration stream: ") + 18,
                         f.libxl_base, inproc_restore_helper.consumed,
                         line, sizeof(line));
        snprintf(out, cap, "invalid: %s", line);
        status = INPROC_INVALID;
    } else if (inproc_restore_helper.failed &&
               inproc_log_find("libxc failed to restore the domain")) {
        snprintf(out, cap, "invalid: %s", inproc_restore_helper.error);
        status = INPROC_INVALID;
    } else {
        err = inproc_log_find("");
        snprintf(out, cap, "invalid: rc %d, %s", rc,
                 err ? err : "nothing logged");
        status = INPROC_INVALID;
    }
    if (verbose && status != INPROC_VALID)
        fputs(inproc_log_text(), stderr);

    /*
     * Whatever became of the stream, the reader guarded its domain from
     * the start: once, for that domain.
     */
    if (inproc_restore_helper.guards_armed != 1 ||
        inproc_restore_helper.guard_domid != INPROC_DOMID) {
        snprintf(out, cap, "harness: the reader armed the restore guardian"
                 " %u times (last for domain %u), not once for domain %u",
                 inproc_restore_helper.guards_armed,
                 inproc_restore_helper.guard_domid, INPROC_DOMID);
        status = INPROC_HARNESS;
    }

    /*
     * A failed restore leaves no partial QEMU state: the staging file
     * must be gone.  A complete state already published under the name
     * the device model loads is removed by the domain's destruction
     * (libxl_domain.c), not by the reader.
     */
    snprintf(line, sizeof(line), "%s.incoming", dm_file);
    if (!access(line, F_OK)) {
        snprintf(out, cap, "harness: staging file %s left behind", line);
        status = INPROC_HARNESS;
    }
    unlink(line);
    unlink(dm_file);
    if (rmdir(state_dir)) {
        snprintf(out, cap, "harness: files left in %s", state_dir);
        status = INPROC_HARNESS;
    }

    inproc_ctx_free(ctx);
    if (inproc_count_fds() != fds_before) {
        snprintf(out, cap, "harness: %d file descriptors before, %d after",
                 fds_before, inproc_count_fds());
        status = INPROC_HARNESS;
    }
    return status;
}
