/*
 * stream_walk.c: the containers of a saved image (xl's header and config,
 * libvirt's header and XML), walked push-style, then the stream itself
 * through the codec's framer (libxl_sr_framer.c), whose items are reported
 * as events; the contents of libxc's records go to libxc_walk.c.
 *
 * What comes next in the stream and whether it is allowed there is the
 * framer's decision, the same code libxenlight's reader uses, so that
 * xen-stream can never disagree with libxenlight about what a valid stream
 * is.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "input_kind.h"
#include "stream_walk.h"

enum {
    ST_DETECT,       /* first 8 octets decide what the input is */
    ST_XL_HDR,
    ST_XL_CFGLEN,
    ST_XL_CONFIG,
    ST_XL_OPT_REST,  /* optional data beyond the config, not understood */
    ST_LV_HDR,       /* libvirt's save header */
    ST_LV_XML,       /* the domain XML behind it */
    ST_STREAM,       /* the framer's: libxl, libxc or back channel */
    ST_TRAILING,
    ST_FAILED,
};

/* libvirt's libxl driver: the 16-octet magic of its save images. */
static const char lv_magic[16] = "libvirt-xml\n \0 \r";

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int fail(stream_walk *w, enum sw_layer layer, int code, int64_t index,
                uint32_t type, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int fail(stream_walk *w, enum sw_layer layer, int code, int64_t index,
                uint32_t type, uint64_t offset, const char *fmt, ...)
{
    va_list ap;

    w->err_layer = layer;
    w->err.code = code;
    w->err.offset = offset;
    w->err.record_index = index;
    w->err.record_type = type;
    va_start(ap, fmt);
    vsnprintf(w->err.detail, sizeof(w->err.detail), fmt, ap);
    va_end(ap);
    w->state = ST_FAILED;
    return code;
}

/* The framer or the libxc walker failed and filled w->err already. */
static int stream_failed(stream_walk *w)
{
    if (w->back_channel)
        w->err_layer = SW_LAYER_INPUT;
    else
        w->err_layer = w->err.libxc ? SW_LAYER_LIBXC : SW_LAYER_LIBXL;
    w->state = ST_FAILED;
    return w->err.code;
}

char *sw_format_error(const stream_walk *w, char *buf, size_t len)
{
    size_t n;

    if (!buf || !len)
        return buf;
    switch (w->err_layer) {
    case SW_LAYER_INPUT:
        snprintf(buf, len, "input at offset %llu: %s: %s",
                 (unsigned long long)w->err.offset,
                 libxl__sr_strerror(w->err.code), w->err.detail);
        break;
    case SW_LAYER_XL:
        snprintf(buf, len, "xl save header at offset %llu: %s: %s",
                 (unsigned long long)w->err.offset,
                 libxl__sr_strerror(w->err.code), w->err.detail);
        break;
    case SW_LAYER_LIBVIRT:
        snprintf(buf, len, "libvirt %s at offset %llu: %s: %s",
                 w->err.offset < SW_LV_HEADER_SIZE ?
                 "save header" : "domain XML",
                 (unsigned long long)w->err.offset,
                 libxl__sr_strerror(w->err.code), w->err.detail);
        break;
    case SW_LAYER_LIBXL:
        if (w->err_missing) {
            snprintf(buf, len, "libxl record %lld (missing) at offset %llu: "
                     "%s: %s", (long long)w->err.record_index,
                     (unsigned long long)w->err.offset,
                     libxl__sr_strerror(w->err.code), w->err.detail);
            break;
        }
        snprintf(buf, len, "libxl ");
        n = strlen(buf);
        libxl__sr_format_error(&w->err, buf + n, len - n);
        break;
    case SW_LAYER_LIBXC:
        libxl__sr_format_error(&w->err, buf, len);
        break;
    }
    return buf;
}

static void emit(stream_walk *w, sw_event *ev)
{
    if (w->event)
        w->event(w->opaque, ev);
}

static void libxc_event(void *opaque, const xcw_event *xev)
{
    stream_walk *w = opaque;
    sw_event ev;

    ev.kind = SW_EV_LIBXC;
    ev.offset = xev->offset;
    ev.u.libxc = xev;
    emit(w, &ev);
}

void sw_init(stream_walk *w, unsigned char *body_buf, size_t body_cap,
             sw_event_fn *event, void *opaque)
{
    memset(w, 0, sizeof(*w));
    w->event = event;
    w->opaque = opaque;
    w->body = body_buf;
    w->body_cap = body_cap;
    w->state = ST_DETECT;
    w->acc_want = 8;
    libxl__sr_framer_init(&w->fr, 0, 0);
}

/* Move up to acc_want - acc_have octets into acc.  True when complete. */
static bool take(stream_walk *w, const unsigned char **p, size_t *n)
{
    size_t k = w->acc_want - w->acc_have;

    if (k > *n)
        k = *n;
    memcpy(w->acc + w->acc_have, *p, k);
    w->acc_have += (uint32_t)k;
    *p += k;
    *n -= k;
    w->offset += k;
    return w->acc_have == w->acc_want;
}

static void expect(stream_walk *w, int state, uint32_t n)
{
    w->state = state;
    w->acc_have = 0;
    w->acc_want = n;
}

static int stream_push(stream_walk *w, const unsigned char *p, size_t n,
                       size_t *used_r);

/* The stream proper starts here (its first `have` octets are in acc). */
static int start_stream(stream_walk *w, unsigned flags, size_t have)
{
    size_t used;
    int rc;

    libxl__sr_framer_init(&w->fr, flags, w->offset - have);
    libxl__sr_framer_set_body_buffer(&w->fr, w->body, w->body_cap);
    w->state = ST_STREAM;
    w->offset -= have;
    rc = stream_push(w, w->acc, have, &used);
    return rc < 0 ? rc : SR_OK;
}

/* ---- The xl container ---- */

static int detect(stream_walk *w)
{
    static const unsigned char marker[8] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };
    const char *foreign;

    if (libxl__sr_is_xl_magic(w->acc, 8)) {
        w->state = ST_XL_HDR;
        w->acc_want = SW_XL_HEADER_SIZE;   /* keep the 8 already read */
        return SR_OK;
    }
    if (!memcmp(w->acc, LIBXL_SR_IDENT_BYTES, 8))
        return start_stream(w, 0, 8);
    if (!memcmp(w->acc, lv_magic, 8)) {
        w->state = ST_LV_HDR;
        w->acc_want = SW_LV_HEADER_SIZE;   /* keep the 8 already read */
        return SR_OK;
    }
    if (xs_colo_back_channel(w->acc, w->acc_have)) {
        w->back_channel = true;
        return start_stream(w, LIBXL__SR_FRAMER_BACK_CHANNEL, 8);
    }
    if (!memcmp(w->acc, marker, 8)) {
        w->bare_libxc = true;
        xcw_init(&w->xc, 0, libxc_event, w);
        return start_stream(w, LIBXL__SR_FRAMER_BARE_LIBXC, 8);
    }
    foreign = xs_foreign_input(w->acc, w->acc_have);
    if (foreign)
        return fail(w, SW_LAYER_INPUT, SR_E_BAD_IDENT, -1, 0, 0, "%s",
                    foreign);
    w->legacy = true;
    return fail(w, SW_LAYER_INPUT, SR_E_BAD_IDENT, -1, 0, 0,
                "not a migration-v2 stream (no xl header, no \"LibxlFmt\", "
                "no libxc marker); a legacy (pre-4.6) image must be "
                "converted with convert-legacy-stream");
}

static int xl_header(stream_walk *w)
{
    libxl__sr_xl_hdr xl;
    sw_event ev;

    if (libxl__sr_decode_xl_header(w->acc, SW_XL_HEADER_SIZE,
                                  SW_XL_FLAGS_KNOWN, &xl, &w->err) < 0) {
        w->err_layer = SW_LAYER_XL;
        w->state = ST_FAILED;
        return w->err.code;
    }
    w->xl_header = true;
    w->xl_mandatory = xl.mandatory_flags;
    w->xl_optional = xl.optional_flags;
    w->skip = xl.optional_len;           /* optional data still to come */
    if (!(w->xl_mandatory & SW_XL_FLAG_STREAMV2)) {
        w->legacy = true;
        return fail(w, SW_LAYER_XL, SR_E_BAD_VERSION, -1, 0, 36,
                    "legacy (pre-4.6) image: no STREAMv2 flag; convert it "
                    "with convert-legacy-stream");
    }
    ev.kind = SW_EV_XL_HEADER;
    ev.offset = 0;
    ev.u.xl.mandatory_flags = w->xl_mandatory;
    ev.u.xl.optional_flags = w->xl_optional;
    ev.u.xl.optional_len = (uint32_t)w->skip;
    emit(w, &ev);
    if (w->skip)
        expect(w, ST_XL_CFGLEN, 4);
    else
        return start_stream(w, 0, 0);
    return SR_OK;
}

static void config_done(stream_walk *w)
{
    sw_event ev;
    size_t shown = w->body_have;

    w->body[shown] = '\0';
    ev.kind = SW_EV_XL_CONFIG;
    ev.offset = SW_XL_HEADER_SIZE + 4;
    ev.u.config.text = (const char *)w->body;
    ev.u.config.shown = shown;
    ev.u.config.total = w->config_len;
    emit(w, &ev);
    w->state = ST_XL_OPT_REST;      /* w->skip holds what is left */
}

/* ---- The libvirt container ---- */

/*
 * libvirt's header: the magic, a version, the length of the domain XML
 * that follows (its NUL included), 40 octets libvirt leaves zero and never
 * reads (so neither do we).  The length only decides how many octets to
 * pass over; nothing is allocated by it.
 */
static int lv_header(stream_walk *w)
{
    const unsigned char *a = w->acc;
    uint32_t version = le32(a + 16);
    uint32_t xml_len = le32(a + 20);
    sw_event ev;

    if (memcmp(a, lv_magic, sizeof(lv_magic)))
        return fail(w, SW_LAYER_LIBVIRT, SR_E_BAD_IDENT, -1, 0, 0,
                    "libvirt magic damaged");
    w->libvirt = true;
    w->lv_version = version;
    if (version == SW_LV_VERSION_LEGACY)
        return fail(w, SW_LAYER_LIBVIRT, SR_E_BAD_VERSION, -1, 0, 16,
                    "version 1: a legacy (pre-4.6) stream follows the "
                    "domain XML; libvirt's libxl driver converts it when "
                    "it restores the image");
    if (version != SW_LV_VERSION_V2)
        return fail(w, SW_LAYER_LIBVIRT, SR_E_BAD_VERSION, -1, 0, 16,
                    "unknown version %u (libvirt writes 1 or 2)", version);
    if (!xml_len)
        return fail(w, SW_LAYER_LIBVIRT, SR_E_BAD_LENGTH, -1, 0, 20,
                    "domain XML length 0 (libvirt refuses such an image)");
    if (xml_len > SW_LV_MAX_XML)
        return fail(w, SW_LAYER_LIBVIRT, SR_E_TOO_LONG, -1, 0, 20,
                    "domain XML length %u exceeds the cap of %u", xml_len,
                    SW_LV_MAX_XML);
    w->config_len = xml_len;
    w->body_left = xml_len;
    w->body_have = 0;
    ev.kind = SW_EV_LV_HEADER;
    ev.offset = 0;
    ev.u.lv.version = version;
    ev.u.lv.xml_len = xml_len;
    emit(w, &ev);
    w->state = ST_LV_XML;
    return SR_OK;
}

/* The whole XML has gone by: it must end in its NUL. */
static int lv_xml_done(stream_walk *w)
{
    sw_event ev;
    size_t shown = w->body_have;

    if (w->last_octet != '\0')
        return fail(w, SW_LAYER_LIBVIRT, SR_E_BAD_FIELD, -1, 0,
                    w->offset - 1, "domain XML (%llu octets from offset "
                    "%u) does not end in a NUL",
                    (unsigned long long)w->config_len, SW_LV_HEADER_SIZE);
    w->body[shown] = '\0';
    ev.kind = SW_EV_LV_XML;
    ev.offset = SW_LV_HEADER_SIZE;
    ev.u.config.text = (const char *)w->body;
    ev.u.config.shown = strlen((const char *)w->body);
    ev.u.config.total = w->config_len;
    emit(w, &ev);
    return start_stream(w, 0, 0);
}

/* ---- The stream, item by item from the framer ---- */

static void report_record(stream_walk *w)
{
    sw_event ev;
    libxl__sr_xs_iter it;
    const char *k, *v;
    size_t kl, vl;
    uint64_t base;

    if (w->rec_reported)
        return;
    w->rec_reported = true;
    ev.kind = SW_EV_RECORD;
    ev.offset = w->rec.offset;
    ev.u.rec = &w->rec;
    emit(w, &ev);
    if (w->rec.type != LIBXL_SR_REC_EMULATOR_XENSTORE_DATA)
        return;
    /* The pairs, from the body the framer checked and left in w->body. */
    base = w->rec.offset + LIBXL_SR_REC_HDR_SIZE + LIBXL_SR_EMU_HDR_SIZE;
    libxl__sr_xs_iter_init(&it, w->body, w->rec.length - LIBXL_SR_EMU_HDR_SIZE,
                          w->rec.index, base);
    while (libxl__sr_xs_next(&it, &k, &kl, &v, &vl, NULL) == 1) {
        ev.kind = SW_EV_XS_PAIR;
        ev.offset = base + (uint64_t)(k - (const char *)w->body);
        ev.u.pair.key = k;
        ev.u.pair.key_len = kl;
        ev.u.pair.value = v;
        ev.u.pair.value_len = vl;
        emit(w, &ev);
    }
}

/* A dirty pfn list on a COLO back channel is libxc's record: reported as
 * one. */
static void bc_dirty_done(stream_walk *w, const libxl__sr_item *it)
{
    xcw_record xr;
    xcw_event xev;

    memset(&xr, 0, sizeof(xr));
    xr.index = (uint64_t)it->index;
    xr.offset = it->record_offset;
    xr.type = it->type;
    xr.length = it->length;
    xr.count = it->length / 8;
    xev.kind = XCW_EV_RECORD;
    xev.offset = xr.offset;
    xev.u.record = &xr;
    libxc_event(w, &xev);
    w->bc_dirty_lists++;
}

static void new_record(stream_walk *w, const libxl__sr_item *it)
{
    memset(&w->rec, 0, sizeof(w->rec));
    w->rec.index = it->index;
    w->rec.offset = it->offset;
    w->rec.type = it->type;
    w->rec.length = it->length;
    w->rec_reported = false;
    w->peeked = 0;
    if ((it->type & LIBXL_SR_REC_OPTIONAL_BIT) && !w->back_channel)
        w->optional_skipped++;
}

/* QEMU's magic as it goes by; nothing else of its state is kept. */
static void peek_qevm(stream_walk *w, const libxl__sr_item *it)
{
    size_t i;

    for (i = 0; i < it->u.body.len && w->peeked < 4; i++)
        w->acc[w->peeked++] = it->u.body.data[i];
    if (w->peeked == 4 && !memcmp(w->acc, "QEVM", 4))
        w->rec.qevm = true;
}

static int libxl_item(stream_walk *w, const libxl__sr_item *it)
{
    sw_event ev;

    switch (it->kind) {
    case LIBXL__SR_FR_HEADER:
        w->hdr = it->u.hdr;
        ev.kind = SW_EV_LIBXL_HEADER;
        ev.offset = it->offset;
        ev.u.libxl_hdr = w->hdr;
        emit(w, &ev);
        return SR_OK;
    case LIBXL__SR_FR_REC_HDR:
        new_record(w, it);
        break;
    case LIBXL__SR_FR_EMU_HDR:
        w->rec.has_emu = true;
        w->rec.emu = it->u.emu;
        if (w->rec.type == LIBXL_SR_REC_EMULATOR_CONTEXT)
            w->emulator_context_octets += w->rec.length -
                                          LIBXL_SR_EMU_HDR_SIZE;
        break;
    case LIBXL__SR_FR_BODY:
        if (w->rec.type == LIBXL_SR_REC_CHECKPOINT_STATE)
            w->rec.state_id = it->u.checkpoint_state;
        else
            w->rec.xs_pairs = it->u.body.xs_pairs;
        break;
    case LIBXL__SR_FR_CHUNK:
        if (w->rec.type == LIBXL_SR_REC_EMULATOR_CONTEXT && it->u.body.data)
            peek_qevm(w, it);
        break;
    default:
        break;
    }
    /* Reported once the body is through, before its padding is read. */
    if (it->complete ||
        libxl__sr_framer_next(&w->fr, NULL) == LIBXL__SR_FR_PADDING)
        report_record(w);
    if (!it->complete)
        return SR_OK;
    switch (w->rec.type) {
    case LIBXL_SR_REC_LIBXC_CONTEXT:
        w->libxc_start = w->fr.offset;
        xcw_init(&w->xc, w->fr.offset, libxc_event, w);
        break;
    case LIBXL_SR_REC_CHECKPOINT_END:
        /* libxc's stream carries on with the next checkpoint's pages. */
        w->checkpoint_boundary = w->fr.offset;
        break;
    case LIBXL_SR_REC_CHECKPOINT_STATE:
        if (w->back_channel)
            w->bc_states++;
        else
            w->checkpoint_boundary = w->fr.offset;  /* COLO's, after it */
        break;
    default:
        break;
    }
    return SR_OK;
}

static int dispatch(stream_walk *w, const libxl__sr_item *it)
{
    switch (it->kind) {
    case LIBXL__SR_FR_XC_IHDR:
    case LIBXL__SR_FR_XC_DHDR:
    case LIBXL__SR_FR_XC_REC_HDR:
    case LIBXL__SR_FR_XC_CHUNK:
    case LIBXL__SR_FR_XC_PADDING:
        if (w->back_channel) {
            if (it->kind == LIBXL__SR_FR_XC_REC_HDR)
                w->rec.index = it->index;
            if (it->complete)
                bc_dirty_done(w, it);
            return SR_OK;
        }
        if (xcw_item(&w->xc, it) < 0) {
            w->err = w->xc.err;
            return stream_failed(w);
        }
        return SR_OK;
    default:
        return libxl_item(w, it);
    }
}

/* Feed the framer; every item goes to dispatch. */
static int stream_push(stream_walk *w, const unsigned char *p, size_t n,
                       size_t *used_r)
{
    libxl__sr_item it;
    size_t used;
    int r;

    *used_r = 0;
    for (;;) {
        r = libxl__sr_framer_push(&w->fr, p, n, &used, &it, &w->err);
        p += used;
        n -= used;
        *used_r += used;
        w->offset += used;
        w->libxc_octets = w->fr.xc_octets;
        if (r < 0)
            return stream_failed(w);
        if (r == 0)
            break;
        r = dispatch(w, &it);
        if (r < 0)
            return r;
    }
    if (libxl__sr_framer_next(&w->fr, NULL) == LIBXL__SR_FR_DONE)
        w->state = ST_TRAILING;
    return SR_OK;
}

/* ---- The pump ---- */

/* xl's config or libvirt's XML: keep what fits for display (with room
 * for a NUL), pass over the rest.  Returns the octets taken. */
static size_t keep_text(stream_walk *w, const unsigned char *p, size_t n)
{
    size_t k = n < w->body_left ? n : (size_t)w->body_left;
    size_t keep = 0;

    if (w->body_have < w->body_cap - 1)
        keep = w->body_cap - 1 - w->body_have;
    if (keep > k)
        keep = k;
    memcpy(w->body + w->body_have, p, keep);
    w->body_have += (uint32_t)keep;
    return k;
}

int sw_push(stream_walk *w, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t n = len;
    size_t used, k;
    int rc = SR_OK;

    while (rc == SR_OK) {
        switch (w->state) {
        case ST_FAILED:
            return w->err.code;

        case ST_DETECT:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = detect(w);
            break;

        case ST_XL_HDR:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = xl_header(w);
            break;

        case ST_XL_CFGLEN:
            if (!take(w, &p, &n))
                return SR_OK;
            w->skip -= 4;
            w->config_len = le32(w->acc);
            if (w->config_len > w->skip)
                return fail(w, SW_LAYER_XL, SR_E_BAD_LENGTH, -1, 0,
                            SW_XL_HEADER_SIZE,
                            "config length %llu exceeds the optional data "
                            "(%llu octets left)",
                            (unsigned long long)w->config_len,
                            (unsigned long long)w->skip);
            w->body_left = w->config_len;
            w->body_have = 0;
            w->state = ST_XL_CONFIG;
            break;

        case ST_XL_CONFIG:
            k = keep_text(w, p, n);
            p += k; n -= k; w->offset += k;
            w->body_left -= k;
            w->skip -= k;
            if (w->body_left)
                return SR_OK;
            config_done(w);
            break;

        case ST_XL_OPT_REST:
            k = n < w->skip ? n : (size_t)w->skip;
            p += k; n -= k; w->offset += k; w->skip -= k;
            if (w->skip)
                return SR_OK;
            rc = start_stream(w, 0, 0);
            break;

        case ST_LV_HDR:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = lv_header(w);
            break;

        case ST_LV_XML:
            k = keep_text(w, p, n);
            if (k)
                w->last_octet = p[k - 1];
            p += k; n -= k; w->offset += k;
            w->body_left -= k;
            if (w->body_left)
                return SR_OK;
            rc = lv_xml_done(w);
            break;

        case ST_STREAM:
            rc = stream_push(w, p, n, &used);
            p += used;
            n -= used;
            if (rc == SR_OK && w->state == ST_STREAM)
                return SR_OK;
            break;

        case ST_TRAILING:
            w->trailing += n;
            w->offset += n;
            return SR_OK;
        }
    }
    return rc;
}

uint64_t sw_skippable(const stream_walk *w)
{
    uint64_t size, xc;

    if (w->state != ST_STREAM)
        return 0;
    switch (libxl__sr_framer_next(&w->fr, &size)) {
    case LIBXL__SR_FR_XC_CHUNK:
        if (w->back_channel)
            return size;
        xc = xcw_skippable(&w->xc);
        return xc < size ? xc : size;
    case LIBXL__SR_FR_CHUNK:
        /* QEMU's state only once its magic has been seen. */
        if (w->rec.type == LIBXL_SR_REC_EMULATOR_CONTEXT && w->peeked < 4)
            return 0;
        return size;
    default:
        return 0;
    }
}

void sw_skipped(stream_walk *w, uint64_t n)
{
    libxl__sr_item it;
    uint64_t max = sw_skippable(w);

    if (n > max)
        n = max;
    if (!n)
        return;
    if (libxl__sr_framer_skip(&w->fr, n, &it, &w->err) < 0) {
        stream_failed(w);
        return;
    }
    w->offset += n;
    w->libxc_octets = w->fr.xc_octets;
    if (dispatch(w, &it) == SR_OK &&
        libxl__sr_framer_next(&w->fr, NULL) == LIBXL__SR_FR_DONE)
        w->state = ST_TRAILING;
}

/* The end of a COLO back channel: it is never an image. */
static int finish_back_channel(stream_walk *w, const unsigned char *partial,
                               size_t have)
{
    libxl__sr_fr_kind k = libxl__sr_framer_next(&w->fr, NULL);

    if (k == LIBXL__SR_FR_REC_HDR && have == 0)
        return fail(w, SW_LAYER_INPUT, SR_E_BAD_IDENT, -1, 0, 0,
                    "a COLO back channel (secondary to primary: %llu "
                    "CHECKPOINT_STATE records, %llu dirty pfn lists, no "
                    "stream header), not a saved domain",
                    (unsigned long long)w->bc_states,
                    (unsigned long long)w->bc_dirty_lists);
    if (k == LIBXL__SR_FR_REC_HDR) {
        /* Cut inside the header of the next record. */
        w->rec.index = (int64_t)(w->bc_states + w->bc_dirty_lists);
        w->rec.type = have >= 4 ? le32(partial) : 0xffffffffu;
    }
    return fail(w, SW_LAYER_INPUT, SR_E_TRUNCATED, w->rec.index,
                w->rec.type, w->offset, "COLO back channel ends inside "
                "record %lld", (long long)w->rec.index);
}

static int finish_plain(stream_walk *w)
{
    const void *partial;
    libxl__sr_fr_kind k;
    size_t have;

    switch (w->state) {
    case ST_FAILED:
        return w->err.code;
    case ST_TRAILING:
        return SR_OK;
    case ST_DETECT:
        return fail(w, SW_LAYER_INPUT, SR_E_TRUNCATED, -1, 0, w->offset,
                    w->offset ? "input too short to identify"
                              : "input is empty");
    case ST_XL_HDR:
    case ST_XL_CFGLEN:
    case ST_XL_CONFIG:
    case ST_XL_OPT_REST:
        return fail(w, SW_LAYER_XL, SR_E_TRUNCATED, -1, 0, w->offset,
                    "stream ended inside the xl save header or config");
    case ST_LV_HDR:
        return fail(w, SW_LAYER_LIBVIRT, SR_E_TRUNCATED, -1, 0, w->offset,
                    "stream ended inside libvirt's %u-octet header (%u "
                    "octets)", SW_LV_HEADER_SIZE, w->acc_have);
    case ST_LV_XML:
        return fail(w, SW_LAYER_LIBVIRT, SR_E_TRUNCATED, -1, 0, w->offset,
                    "stream ended inside the domain XML (%llu of %llu "
                    "octets)", (unsigned long long)(w->config_len -
                                                    w->body_left),
                    (unsigned long long)w->config_len);
    default:
        break;
    }

    partial = libxl__sr_framer_partial(&w->fr, &have);
    if (w->back_channel)
        return finish_back_channel(w, partial, have);
    k = libxl__sr_framer_next(&w->fr, NULL);
    /* A Remus/COLO stream legitimately stops between libxc's records
     * after a checkpoint. */
    if (k == LIBXL__SR_FR_XC_REC_HDR && have == 0 && w->fr.checkpointed) {
        w->ended_at_checkpoint = true;
        return SR_OK;
    }
    w->err_missing = k == LIBXL__SR_FR_REC_HDR && have == 0;
    libxl__sr_framer_end(&w->fr, partial, have, &w->err);
    return stream_failed(w);
}

/*
 * A Remus/COLO stream has no END: it stops where the primary died, and a
 * failover restores the last checkpoint that arrived whole (closed by
 * CHECKPOINT_END), dropping whatever came after it, the libxl records
 * after libxc's END included.  The framer owns that rule
 * (libxl__sr_framer_failover_checkpoint): such a stream is valid when it
 * holds at least one complete checkpoint, wherever it was cut after it;
 * with none there is nothing a failover could restore.
 */
static int finish_checkpointed(stream_walk *w, int rc)
{
    static const char prefix[] = "no complete checkpoint: ";
    char detail[sizeof(w->err.detail)];
    size_t n;

    if (!w->fr.checkpointed || w->fr.end_seen || w->bare_libxc ||
        w->back_channel)
        return rc;
    if (rc < 0 && rc != SR_E_TRUNCATED)
        return rc;
    if (libxl__sr_framer_failover_checkpoint(&w->fr) == 0) {
        if (rc == SR_OK)
            return fail(w, SW_LAYER_LIBXL, SR_E_TRUNCATED,
                        (int64_t)w->fr.records, 0, w->offset,
                        "no complete checkpoint (no CHECKPOINT_END)");
        /* The prefix first (once, if asked again), then the cut's own
         * detail as far as it fits. */
        n = sizeof(prefix) - 1;
        if (!strncmp(w->err.detail, prefix, n))
            return rc;
        memcpy(detail, w->err.detail, sizeof(detail));
        memcpy(w->err.detail, prefix, n);
        memcpy(w->err.detail + n, detail, sizeof(detail) - n - 1);
        w->err.detail[sizeof(w->err.detail) - 1] = '\0';
        return rc;
    }
    w->ended_at_checkpoint = true;
    w->incomplete_octets = w->offset - w->checkpoint_boundary;
    w->incomplete_cut = rc < 0 && !w->err_missing;
    return SR_OK;
}

int sw_finish(stream_walk *w)
{
    return finish_checkpointed(w, finish_plain(w));
}
