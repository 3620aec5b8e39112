/*
 * stream_walk.c: the xl container and the libxl layer of a saved image,
 * walked push-style, handing LIBXC_CONTEXT's content to libxc_walk.c.
 *
 * Every libxl-format decision is the codec's (libxl_sr_codec.c); this file
 * only decides which octets go to which check, so that xen-stream can
 * never disagree with libxenlight about what a valid stream is.
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
    ST_LIBXL_HDR,
    ST_REC_HDR,
    ST_EMU_HDR,
    ST_XS_BODY,
    ST_EMU_CTX,
    ST_CP_STATE,
    ST_SKIP,         /* optional record body */
    ST_PAD,
    ST_LIBXC,
    ST_TRAILING,
    ST_BC_HDR,       /* COLO back channel: record header; the bodies and
                      * padding go through ST_CP_STATE, ST_SKIP, ST_PAD */
    ST_FAILED,
};

/* What travels on a COLO back channel besides CHECKPOINT_STATE. */
#define BC_DIRTY_PFN_LIST  XCW_REC_CHECKPOINT_DIRTY_PFN_LIST

/* xl's save-file magic, 32 octets including its embedded NULs. */
static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";

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

/* A codec call failed and filled w->err already. */
static int codec_failed(stream_walk *w, int code)
{
    w->err_layer = SW_LAYER_LIBXL;
    w->err.code = code;
    w->state = ST_FAILED;
    return code;
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
        xcw_format_error(&w->err, buf, len);
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
    libxl__sr_sequence_init(&w->seq, false);
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

static int start_libxc(stream_walk *w)
{
    w->libxc_start = w->offset;
    xcw_init(&w->xc, w->offset, libxc_event, w);
    w->state = ST_LIBXC;
    return SR_OK;
}

/* ---- A COLO back channel ---- */

/*
 * The secondary's records to the primary, framed like the stream's but
 * with no header: libxl CHECKPOINT_STATE and libxc CHECKPOINT_DIRTY_PFN_LIST.
 * Each is checked and reported; w->acc holds the 8-octet header.
 */
static int bc_record_header(stream_walk *w)
{
    uint64_t at = w->offset - LIBXL_SR_REC_HDR_SIZE;
    int64_t index = (int64_t)(w->bc_states + w->bc_dirty_lists);

    memset(&w->rec, 0, sizeof(w->rec));
    w->rec.index = index;
    w->rec.offset = at;
    w->rec.type = le32(w->acc);
    w->rec.length = le32(w->acc + 4);
    if (w->rec.type == LIBXL_SR_REC_CHECKPOINT_STATE) {
        if (w->rec.length != 4)
            return fail(w, SW_LAYER_INPUT, SR_E_BAD_LENGTH, index,
                        w->rec.type, at + 4, "COLO back channel record %lld: "
                        "CHECKPOINT_STATE body length %u, must be 4",
                        (long long)index, w->rec.length);
        expect(w, ST_CP_STATE, 4);
        return SR_OK;
    }
    if (w->rec.type == BC_DIRTY_PFN_LIST) {
        if (w->rec.length % 8 || w->rec.length > XCW_MAX_RECORD)
            return fail(w, SW_LAYER_INPUT, SR_E_BAD_LENGTH, index,
                        w->rec.type, at + 4, "COLO back channel record %lld: "
                        "dirty pfn list of %u octets (a multiple of 8, at "
                        "most %u)", (long long)index, w->rec.length,
                        XCW_MAX_RECORD);
        w->skip = w->rec.length;
        w->state = ST_SKIP;
        return SR_OK;
    }
    return fail(w, SW_LAYER_INPUT, SR_E_UNKNOWN_TYPE, index, w->rec.type, at,
                "COLO back channel record %lld has type 0x%x: only "
                "CHECKPOINT_STATE and dirty pfn lists travel there",
                (long long)index, w->rec.type);
}

/* A dirty pfn list is libxc's record: reported as one. */
static void bc_dirty_done(stream_walk *w)
{
    xcw_record xr;
    xcw_event xev;

    memset(&xr, 0, sizeof(xr));
    xr.index = (uint64_t)w->rec.index;
    xr.offset = w->rec.offset;
    xr.type = w->rec.type;
    xr.length = w->rec.length;
    xr.count = w->rec.length / 8;
    xev.kind = XCW_EV_RECORD;
    xev.offset = xr.offset;
    xev.u.record = &xr;
    libxc_event(w, &xev);
}

/* ---- The xl container ---- */

static int detect(stream_walk *w)
{
    static const unsigned char marker[8] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };
    const char *foreign;
    size_t used;
    int rc;

    if (!memcmp(w->acc, xl_magic, 8)) {
        w->state = ST_XL_HDR;
        w->acc_want = SW_XL_HEADER_SIZE;   /* keep the 8 already read */
        return SR_OK;
    }
    if (!memcmp(w->acc, LIBXL_SR_IDENT_BYTES, 8)) {
        w->state = ST_LIBXL_HDR;
        w->acc_want = LIBXL_SR_HEADER_SIZE;
        return SR_OK;
    }
    if (!memcmp(w->acc, lv_magic, 8)) {
        w->state = ST_LV_HDR;
        w->acc_want = SW_LV_HEADER_SIZE;   /* keep the 8 already read */
        return SR_OK;
    }
    if (xs_colo_back_channel(w->acc, w->acc_have)) {
        w->back_channel = true;
        return bc_record_header(w);
    }
    if (!memcmp(w->acc, marker, 8)) {
        w->bare_libxc = true;
        xcw_init(&w->xc, 0, libxc_event, w);
        w->state = ST_LIBXC;
        rc = xcw_push(&w->xc, w->acc, 8, &used);
        w->libxc_octets = used;
        return rc < 0 ? (w->state = ST_FAILED, w->err_layer = SW_LAYER_LIBXC,
                         w->err = w->xc.err, rc) : SR_OK;
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
    const unsigned char *a = w->acc;
    uint32_t order = le32(a + 32);
    sw_event ev;

    if (memcmp(a, xl_magic, sizeof(xl_magic)))
        return fail(w, SW_LAYER_XL, SR_E_BAD_IDENT, -1, 0, 0,
                    "xl magic damaged");
    if (order == 0x04030201u)
        return fail(w, SW_LAYER_XL, SR_E_BIG_ENDIAN, -1, 0, 32,
                    "byte-order marker says big-endian");
    if (order != 0x01020304u)
        return fail(w, SW_LAYER_XL, SR_E_BAD_FIELD, -1, 0, 32,
                    "byte-order marker 0x%08x", order);
    w->xl_header = true;
    w->xl_mandatory = le32(a + 36);
    w->xl_optional = le32(a + 40);
    w->skip = le32(a + 44);           /* optional data still to come */
    if (w->xl_mandatory & ~SW_XL_FLAGS_KNOWN)
        return fail(w, SW_LAYER_XL, SR_E_RESERVED_OPTION, -1, 0, 36,
                    "unknown mandatory flags 0x%08x", w->xl_mandatory);
    if (!(w->xl_mandatory & SW_XL_FLAG_STREAMV2)) {
        w->legacy = true;
        return fail(w, SW_LAYER_XL, SR_E_BAD_VERSION, -1, 0, 36,
                    "legacy (pre-4.6) image: no STREAMv2 flag; convert it "
                    "with convert-legacy-stream");
    }
    if (w->skip > SW_XL_MAX_OPTIONAL)
        return fail(w, SW_LAYER_XL, SR_E_TOO_LONG, -1, 0, 44,
                    "optional data length %llu exceeds the cap of %u",
                    (unsigned long long)w->skip, SW_XL_MAX_OPTIONAL);
    if (w->skip && w->skip < 4)
        return fail(w, SW_LAYER_XL, SR_E_BAD_LENGTH, -1, 0, 44,
                    "optional data length %llu cannot hold the config "
                    "length", (unsigned long long)w->skip);
    ev.kind = SW_EV_XL_HEADER;
    ev.offset = 0;
    ev.u.xl.mandatory_flags = w->xl_mandatory;
    ev.u.xl.optional_flags = w->xl_optional;
    ev.u.xl.optional_len = (uint32_t)w->skip;
    emit(w, &ev);
    if (w->skip)
        expect(w, ST_XL_CFGLEN, 4);
    else
        expect(w, ST_LIBXL_HDR, LIBXL_SR_HEADER_SIZE);
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
    expect(w, ST_LIBXL_HDR, LIBXL_SR_HEADER_SIZE);
    return SR_OK;
}

/* ---- libxl records ---- */

static int record_header(stream_walk *w)
{
    libxl__sr_rec_hdr rh;
    uint64_t at = w->offset - LIBXL_SR_REC_HDR_SIZE;
    int64_t index = (int64_t)w->seq.records;
    int rc;

    libxl__sr_decode_rec_hdr(w->acc, w->acc_have, &rh);
    memset(&w->rec, 0, sizeof(w->rec));
    w->rec.index = index;
    w->rec.offset = at;
    w->rec.type = rh.type;
    w->rec.length = rh.length;
    rc = libxl__sr_check_rec_hdr(&rh, index, at, &w->err);
    if (rc < 0)
        return codec_failed(w, rc);
    if (rh.type == LIBXL_SR_REC_CHECKPOINT_END && w->xc.end_seen)
        return fail(w, SW_LAYER_LIBXL, SR_E_SEQUENCE, index, rh.type, at,
                    "CHECKPOINT_END after libxc's END");
    rc = libxl__sr_sequence_accept(&w->seq, &rh, at, &w->err);
    if (rc < 0)
        return codec_failed(w, rc);
    w->body_left = rh.length;

    switch (rh.type) {
    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA:
        /* The codec's cap and the caller's buffer must agree; refuse
         * rather than overflow if a caller passed a smaller buffer. */
        if (rh.length > w->body_cap)
            return fail(w, SW_LAYER_LIBXL, SR_E_TOO_LONG, index, rh.type,
                        at + 4, "body length %u exceeds the %zu-octet "
                        "buffer", rh.length, w->body_cap);
        /* fall through */
    case LIBXL_SR_REC_EMULATOR_CONTEXT:
        expect(w, ST_EMU_HDR, LIBXL_SR_EMU_HDR_SIZE);
        break;
    case LIBXL_SR_REC_CHECKPOINT_STATE:
        expect(w, ST_CP_STATE, 4);
        break;
    case LIBXL_SR_REC_END:
    case LIBXL_SR_REC_LIBXC_CONTEXT:
    case LIBXL_SR_REC_CHECKPOINT_END:
        w->state = ST_SKIP;      /* zero-length body */
        w->skip = 0;
        break;
    default:                     /* optional, already length-checked */
        w->optional_skipped++;
        w->state = ST_SKIP;
        w->skip = rh.length;
        break;
    }
    return SR_OK;
}

/* The body has been checked: report it, then deal with the padding. */
static void body_done(stream_walk *w)
{
    sw_event ev;

    if (w->back_channel && w->rec.type == BC_DIRTY_PFN_LIST) {
        bc_dirty_done(w);
    } else {
        ev.kind = SW_EV_RECORD;
        ev.offset = w->rec.offset;
        ev.u.rec = &w->rec;
        emit(w, &ev);
    }
    w->state = ST_PAD;
    w->acc_have = 0;
    w->acc_want = libxl__sr_padding(w->rec.length);
}

static int after_record(stream_walk *w)
{
    if (w->back_channel) {
        if (w->rec.type == LIBXL_SR_REC_CHECKPOINT_STATE)
            w->bc_states++;
        else
            w->bc_dirty_lists++;
        expect(w, ST_BC_HDR, LIBXL_SR_REC_HDR_SIZE);
        return SR_OK;
    }
    switch (w->rec.type) {
    case LIBXL_SR_REC_END:
        w->state = ST_TRAILING;
        return SR_OK;
    case LIBXL_SR_REC_LIBXC_CONTEXT:
        return start_libxc(w);
    case LIBXL_SR_REC_CHECKPOINT_END:
        /* libxc's stream carries on with the next checkpoint's pages. */
        w->checkpoint_boundary = w->offset;
        xcw_resume(&w->xc, w->offset);
        w->state = ST_LIBXC;
        return SR_OK;
    default:
        expect(w, ST_REC_HDR, LIBXL_SR_REC_HDR_SIZE);
        return SR_OK;
    }
}

static int xs_body(stream_walk *w)
{
    uint64_t base = w->rec.offset + LIBXL_SR_REC_HDR_SIZE +
                    LIBXL_SR_EMU_HDR_SIZE;
    libxl__sr_xs_iter it;
    const char *k, *v;
    size_t kl, vl;
    sw_event ev;
    int rc;

    rc = libxl__sr_xs_validate(w->body, w->body_have, w->rec.index, base,
                              &w->err);
    if (rc < 0)
        return codec_failed(w, rc);
    w->rec.xs_pairs = (uint32_t)rc;
    body_done(w);
    libxl__sr_xs_iter_init(&it, w->body, w->body_have, w->rec.index, base);
    while (libxl__sr_xs_next(&it, &k, &kl, &v, &vl, NULL) == 1) {
        ev.kind = SW_EV_XS_PAIR;
        ev.offset = base + (uint64_t)(k - (const char *)w->body);
        ev.u.pair.key = k;
        ev.u.pair.key_len = kl;
        ev.u.pair.value = v;
        ev.u.pair.value_len = vl;
        emit(w, &ev);
    }
    return SR_OK;
}

/* ---- The pump ---- */

int sw_push(stream_walk *w, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t n = len;
    libxl__sr_rec_hdr rh;
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
            /* Keep what fits for display; count the rest. */
            k = n < w->body_left ? n : (size_t)w->body_left;
            if (w->body_have < w->body_cap - 1) {
                size_t keep = w->body_cap - 1 - w->body_have;

                if (keep > k)
                    keep = k;
                memcpy(w->body + w->body_have, p, keep);
                w->body_have += (uint32_t)keep;
            }
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
            expect(w, ST_LIBXL_HDR, LIBXL_SR_HEADER_SIZE);
            break;

        case ST_LV_HDR:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = lv_header(w);
            break;

        case ST_LV_XML:
            /* Keep what fits for display, pass over the rest. */
            k = n < w->body_left ? n : (size_t)w->body_left;
            if (w->body_have < w->body_cap - 1) {
                size_t keep = w->body_cap - 1 - w->body_have;

                if (keep > k)
                    keep = k;
                memcpy(w->body + w->body_have, p, keep);
                w->body_have += (uint32_t)keep;
            }
            if (k)
                w->last_octet = p[k - 1];
            p += k; n -= k; w->offset += k;
            w->body_left -= k;
            if (w->body_left)
                return SR_OK;
            rc = lv_xml_done(w);
            break;

        case ST_LIBXL_HDR: {
            sw_event ev;
            uint64_t at;

            if (!take(w, &p, &n))
                return SR_OK;
            at = w->offset - LIBXL_SR_HEADER_SIZE;
            rc = libxl__sr_decode_header(w->acc, w->acc_have, at, &w->hdr,
                                        &w->err);
            if (rc < 0)
                return codec_failed(w, rc);
            rc = SR_OK;
            w->seq.header_seen = true;
            ev.kind = SW_EV_LIBXL_HEADER;
            ev.offset = at;
            ev.u.libxl_hdr = w->hdr;
            emit(w, &ev);
            expect(w, ST_REC_HDR, LIBXL_SR_REC_HDR_SIZE);
            break;
        }

        case ST_REC_HDR:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = record_header(w);
            break;

        case ST_EMU_HDR:
            if (!take(w, &p, &n))
                return SR_OK;
            rh.type = w->rec.type;
            rh.length = w->rec.length;
            rc = libxl__sr_decode_emu_hdr_opts(w->acc, w->acc_have,
                                              w->hdr.options, &rh,
                                              w->rec.index,
                                              w->offset -
                                              LIBXL_SR_EMU_HDR_SIZE,
                                              &w->rec.emu, &w->err);
            if (rc < 0)
                return codec_failed(w, rc);
            rc = SR_OK;
            w->rec.has_emu = true;
            w->body_left -= LIBXL_SR_EMU_HDR_SIZE;
            w->body_have = 0;
            if (w->rec.type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA) {
                w->state = ST_XS_BODY;
            } else {
                w->emulator_context_octets += w->body_left;
                w->skip = w->body_left;
                w->state = ST_EMU_CTX;
            }
            break;

        case ST_XS_BODY:
            /* The codec capped the body at LIBXL_SR_MAX_XENSTORE_BODY,
             * which is what the body buffer holds. */
            k = n < w->body_left ? n : (size_t)w->body_left;
            memcpy(w->body + w->body_have, p, k);
            w->body_have += (uint32_t)k;
            p += k; n -= k; w->offset += k; w->body_left -= k;
            if (w->body_left)
                return SR_OK;
            rc = xs_body(w);
            break;

        case ST_EMU_CTX:
            /* Peek at QEMU's magic as it goes by, keep nothing else. */
            k = n < w->skip ? n : (size_t)w->skip;
            while (w->body_have < 4 && k) {
                w->acc[w->body_have++] = *p;
                p++; n--; k--; w->offset++; w->skip--;
            }
            if (w->body_have == 4 && !memcmp(w->acc, "QEVM", 4))
                w->rec.qevm = true;
            p += k; n -= k; w->offset += k; w->skip -= k;
            if (w->skip)
                return SR_OK;
            body_done(w);
            break;

        case ST_CP_STATE:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = libxl__sr_decode_checkpoint_state(w->acc, w->acc_have,
                                                  w->rec.index,
                                                  w->offset - 4,
                                                  &w->rec.state_id, &w->err);
            if (rc < 0)
                return codec_failed(w, rc);
            rc = SR_OK;
            body_done(w);
            break;

        case ST_SKIP:
            k = n < w->skip ? n : (size_t)w->skip;
            p += k; n -= k; w->offset += k; w->skip -= k;
            if (w->skip)
                return SR_OK;
            body_done(w);
            break;

        case ST_PAD:
            if (w->acc_want && !take(w, &p, &n))
                return SR_OK;
            rc = libxl__sr_check_padding(w->acc, w->acc_have, NULL,
                                        w->rec.index,
                                        w->offset - w->acc_have, &w->err);
            if (rc < 0) {
                w->err.record_type = w->rec.type;
                return codec_failed(w, rc);
            }
            rc = after_record(w);
            break;

        case ST_LIBXC:
            rc = xcw_push(&w->xc, p, n, &used);
            p += used; n -= used; w->offset += used;
            w->libxc_octets += used;
            if (rc < 0) {
                w->err_layer = SW_LAYER_LIBXC;
                w->err = w->xc.err;
                w->state = ST_FAILED;
                return rc;
            }
            if (rc == XCW_MORE)
                return SR_OK;
            /* Paused at libxc END or CHECKPOINT: libxl's turn. */
            if (w->xc.end_seen && w->bare_libxc) {
                w->state = ST_TRAILING;
            } else {
                if (!w->xc.end_seen)
                    w->seq.checkpointed = true;
                expect(w, ST_REC_HDR, LIBXL_SR_REC_HDR_SIZE);
            }
            rc = SR_OK;
            break;

        case ST_TRAILING:
            w->trailing += n;
            w->offset += n;
            return SR_OK;

        case ST_BC_HDR:
            if (!take(w, &p, &n))
                return SR_OK;
            rc = bc_record_header(w);
            break;
        }
    }
    return rc;
}

uint64_t sw_skippable(const stream_walk *w)
{
    switch (w->state) {
    case ST_LIBXC:
        return xcw_skippable(&w->xc);
    case ST_SKIP:
        return w->skip;
    case ST_EMU_CTX:
        /* Only once QEMU's magic has been seen. */
        return w->body_have >= 4 ? w->skip : 0;
    default:
        return 0;
    }
}

void sw_skipped(stream_walk *w, uint64_t n)
{
    uint64_t max = sw_skippable(w);

    if (n > max)
        n = max;
    if (w->state == ST_LIBXC) {
        xcw_skipped(&w->xc, n);
        w->libxc_octets += n;
    } else {
        w->skip -= n;
    }
    w->offset += n;
}

static int bc_truncated(stream_walk *w)
{
    return fail(w, SW_LAYER_INPUT, SR_E_TRUNCATED, w->rec.index,
                w->rec.type, w->offset, "COLO back channel ends inside "
                "record %lld", (long long)w->rec.index);
}

static int finish_plain(stream_walk *w)
{
    static const unsigned char nothing;
    const char *what;
    int rc;

    /* Settle states that can finish without input (a body the caller
     * discarded with sw_skipped, zero-length padding) before judging. */
    if (w->state != ST_FAILED && w->state != ST_LIBXC &&
        sw_push(w, &nothing, 0) < 0)
        return w->err.code;
    if (w->back_channel && w->state != ST_FAILED && w->state != ST_BC_HDR)
        return bc_truncated(w);

    switch (w->state) {
    case ST_FAILED:
        return w->err.code;
    case ST_TRAILING:
        return SR_OK;
    case ST_BC_HDR:
        if (w->acc_have == 0)
            return fail(w, SW_LAYER_INPUT, SR_E_BAD_IDENT, -1, 0, 0,
                        "a COLO back channel (secondary to primary: %llu "
                        "CHECKPOINT_STATE records, %llu dirty pfn lists, no "
                        "stream header), not a saved domain",
                        (unsigned long long)w->bc_states,
                        (unsigned long long)w->bc_dirty_lists);
        /* Cut inside the header of the next record. */
        w->rec.index = (int64_t)(w->bc_states + w->bc_dirty_lists);
        w->rec.type = w->acc_have >= 4 ? le32(w->acc) : 0xffffffffu;
        return bc_truncated(w);
    case ST_LIBXC:
        rc = xcw_finish(&w->xc);
        if (rc == SR_OK) {
            w->ended_at_checkpoint = true;
            return SR_OK;
        }
        w->err_layer = SW_LAYER_LIBXC;
        w->err = w->xc.err;
        w->state = ST_FAILED;
        return rc;
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
    case ST_LIBXL_HDR:
        return fail(w, SW_LAYER_LIBXL, SR_E_TRUNCATED, -1, 0, w->offset,
                    "stream ended inside the libxl stream header");
    case ST_REC_HDR:
        if (w->acc_have == 0) {
            w->err_missing = true;
            return fail(w, SW_LAYER_LIBXL, SR_E_TRUNCATED,
                        (int64_t)w->seq.records, 0, w->offset,
                        "stream ended before the END record");
        }
        return fail(w, SW_LAYER_LIBXL, SR_E_TRUNCATED,
                    (int64_t)w->seq.records,
                    w->acc_have >= 4 ? le32(w->acc) : 0xffffffffu,
                    w->offset - w->acc_have,
                    "stream ended inside a record header (%u of 8 octets)",
                    w->acc_have);
    case ST_PAD:
        what = "padding";
        break;
    case ST_EMU_HDR:
        what = "the emulator sub-header";
        break;
    default:
        what = "the body";
        break;
    }
    return fail(w, SW_LAYER_LIBXL, SR_E_TRUNCATED, w->rec.index, w->rec.type,
                w->offset, "stream ended inside %s of a %u-octet record",
                what, w->rec.length);
}

/*
 * A Remus/COLO stream has no END: it stops where the primary died, and a
 * failover restores the last checkpoint that arrived whole (closed by
 * CHECKPOINT_END), dropping whatever came of the next one.  Such a stream
 * is therefore valid when it holds at least one complete checkpoint, and
 * the same verdict holds wherever the next checkpoint was cut; with none
 * there is nothing a failover could restore.
 */
static int finish_checkpointed(stream_walk *w, int rc)
{
    static const char prefix[] = "no complete checkpoint: ";
    char detail[sizeof(w->err.detail)];
    size_t n;

    if (!w->seq.checkpointed || w->seq.end_seen || w->bare_libxc)
        return rc;
    if (rc < 0 && rc != SR_E_TRUNCATED)
        return rc;
    if (w->seq.checkpoints == 0) {
        if (rc == SR_OK)
            return fail(w, SW_LAYER_LIBXL, SR_E_TRUNCATED,
                        (int64_t)w->seq.records, 0, w->offset,
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
