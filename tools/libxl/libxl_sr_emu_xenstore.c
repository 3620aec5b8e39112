/*
 * libxl_sr_emu_xenstore.c: the device model's xenstore keys, as carried
 * by an EMULATOR_XENSTORE_DATA record.
 *
 * What is saved is the `physmap' subtree of the device model's directory
 * (/local/domain/<dm domid>/device-model/<domid>/): device models built
 * for Xen before 4.10 record there where they placed guest memory of
 * their own, such as video RAM, and need it back after a restore.  The
 * body is packed "key\0value\0" pairs, keys relative to that directory;
 * the codec builds it and checks it, so no absolute or malformed key
 * from a stream ever reaches xenstore.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/* The body of the record holds the sub-header as well. */
#define SR_XS_PAIRS_MAX \
    (LIBXL_SR_MAX_XENSTORE_BODY - LIBXL_SR_EMU_HDR_SIZE)

/* physmap/<gfn>/<field> is all we expect; stop a runaway tree. */
#define SR_XS_MAX_DEPTH 6

typedef struct {
    uint32_t domid;
    const char *root;          /* the device model's directory */
    char *buf;                 /* gc */
    size_t cap, used;
} xs_pairs;

static int add_pair(libxl__gc *gc, xs_pairs *p, const char *key,
                    const char *val)
{
    size_t cap;
    int r;

    for (;;) {
        r = p->buf ? libxl__sr_xs_append(p->buf, p->cap, &p->used, key, val)
                   : SR_E_NO_SPACE;
        if (r >= 0)
            return 0;
        if (r != SR_E_NO_SPACE) {
            LOGD(ERROR, p->domid, "device model key %s (value `%s')"
                 " cannot be saved: %s", key, val, libxl__sr_strerror(r));
            return ERROR_FAIL;
        }
        if (p->cap >= SR_XS_PAIRS_MAX) {
            LOGD(ERROR, p->domid, "device model keys exceed %u octets",
                 (unsigned)SR_XS_PAIRS_MAX);
            return ERROR_FAIL;
        }
        cap = p->cap ? p->cap * 2 : 1024;
        if (cap > SR_XS_PAIRS_MAX)
            cap = SR_XS_PAIRS_MAX;
        p->buf = libxl__realloc(gc, p->buf, cap);
        p->cap = cap;
    }
}

/* Adds every leaf under rel (relative to p->root). */
static int add_subtree(libxl__gc *gc, xs_pairs *p, const char *rel,
                       int depth)
{
    const char *path = GCSPRINTF("%s/%s", p->root, rel);
    char **children;
    unsigned int n, i;
    const char *val;
    int rc;

    children = libxl__xs_directory(gc, XBT_NULL, path, &n);
    if (children && n) {
        if (depth >= SR_XS_MAX_DEPTH) {
            LOGD(ERROR, p->domid, "%s is nested too deeply to save", path);
            return ERROR_FAIL;
        }
        for (i = 0; i < n; i++) {
            rc = add_subtree(gc, p, GCSPRINTF("%s/%s", rel, children[i]),
                             depth + 1);
            if (rc) return rc;
        }
        return 0;
    }

    rc = libxl__xs_read_checked(gc, XBT_NULL, path, &val);
    if (rc) return rc;
    if (!val)
        return 0;   /* removed while we looked: nothing to carry */

    return add_pair(gc, p, rel, val);
}

int libxl__save_emulator_xenstore_data(libxl__domain_save_state *dss,
                                       char **callee_buf,
                                       uint32_t *callee_len)
{
    STATE_AO_GC(dss->ao);
    const uint32_t domid = dss->domid;
    const uint32_t dm_domid = libxl_get_stubdom_id(CTX, domid);
    xs_pairs p;
    char **top;
    unsigned int n, i;
    int rc;

    p.domid = domid;
    p.root = DEVICE_MODEL_XS_PATH(gc, dm_domid, domid, "");
    p.buf = NULL;
    p.cap = 0;
    p.used = 0;

    /* Only what is below physmap/, never a value of physmap itself. */
    top = libxl__xs_directory(gc, XBT_NULL,
                              GCSPRINTF("%s/physmap", p.root), &n);
    for (i = 0; top && i < n; i++) {
        rc = add_subtree(gc, &p, GCSPRINTF("physmap/%s", top[i]), 1);
        if (rc) goto out;
    }

    *callee_buf = p.used ? p.buf : NULL;
    *callee_len = p.used;
    rc = 0;

 out:
    return rc;
}

int libxl__restore_emulator_xenstore_data(libxl__domain_create_state *dcs,
                                          const char *ptr, uint32_t size)
{
    STATE_AO_GC(dcs->ao);
    const uint32_t domid = dcs->guest_domid;
    const uint32_t dm_domid = libxl_get_stubdom_id(CTX, domid);
    const char *root = DEVICE_MODEL_XS_PATH(gc, dm_domid, domid, "");
    xs_transaction_t t = XBT_NULL;
    libxl__sr_xs_iter it;
    libxl__sr_error err;
    const char *key, *val;
    size_t key_len, val_len;
    int r, rc;

    /* Soft reset hands us its own buffer: check it here too. */
    r = libxl__sr_xs_validate(ptr, size, 0, 0, &err);
    if (r < 0) {
        LOGD(ERROR, domid, "device model xenstore data rejected: %s: %s",
             libxl__sr_strerror(r), err.detail);
        rc = ERROR_INVAL;
        goto out;
    }

    for (;;) {
        rc = libxl__xs_transaction_start(gc, &t);
        if (rc) goto out;

        libxl__sr_xs_iter_init(&it, ptr, size, 0, 0);
        while ((r = libxl__sr_xs_next(&it, &key, &key_len, &val, &val_len,
                                     &err)) > 0) {
            rc = libxl__xs_write_checked(gc, t,
                     GCSPRINTF("%s/%.*s", root, (int)key_len, key),
                     libxl__strndup(gc, val, val_len));
            if (rc) goto out;
        }
        if (r < 0) {
            LOGD(ERROR, domid, "device model xenstore data rejected:"
                 " %s: %s", libxl__sr_strerror(r), err.detail);
            rc = ERROR_INVAL;
            goto out;
        }

        rc = libxl__xs_transaction_commit(gc, &t);
        if (!rc) break;
        if (rc < 0) goto out;
    }

 out:
    libxl__xs_transaction_abort(gc, &t);
    return rc;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
