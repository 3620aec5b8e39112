/*
 * libxl_sr_framer.c: what comes next in a stream, and how many octets.
 * See libxl_sr_framer.h for the contract.
 *
 * The framer is a state machine whose state is the kind of unit it wants
 * next.  Each feed decodes one unit with the codec's field checks, applies
 * the sequence rules that need the stream's history, and picks the next
 * unit, passing over zero-length steps itself so that a caller is never
 * asked for nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libxl_sr_codec.h"

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* ---- Names ---- */

const char *libxl__sr_xc_type_name(uint32_t type)
{
    static const char *const names[] = {
        "END", "PAGE_DATA", "X86_PV_INFO", "X86_PV_P2M_FRAMES",
        "X86_PV_VCPU_BASIC", "X86_PV_VCPU_EXTENDED", "X86_PV_VCPU_XSAVE",
        "SHARED_INFO", "X86_TSC_INFO", "HVM_CONTEXT", "HVM_PARAMS",
        "TOOLSTACK", "X86_PV_VCPU_MSRS", "VERIFY", "CHECKPOINT",
        "CHECKPOINT_DIRTY_PFN_LIST", "STATIC_DATA_END", "X86_CPUID_POLICY",
        "X86_MSR_POLICY",
    };

    return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

/* ---- Errors ---- */

static int fr_error(libxl__sr_error *err, int code, bool libxc,
                    int64_t index, uint32_t type, uint64_t offset,
                    const char *fmt, va_list ap)
{
    libxl__sr_error e;

    memset(&e, 0, sizeof(e));
    e.code = code;
    e.libxc = libxc;
    e.offset = offset;
    e.record_index = index;
    e.record_type = index >= 0 ? type : 0;
    vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
    if (err)
        *err = e;
    return code;
}

/* Fail the framer: every later call returns the same error. */
static int fail(libxl__sr_framer *fr, libxl__sr_error *err, int code,
                bool libxc, int64_t index, uint32_t type, uint64_t offset,
                const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static int fail(libxl__sr_framer *fr, libxl__sr_error *err, int code,
                bool libxc, int64_t index, uint32_t type, uint64_t offset,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fr_error(&fr->err, code, libxc, index, type, offset, fmt, ap);
    va_end(ap);
    fr->state = LIBXL__SR_FR_FAILED;
    if (err)
        *err = fr->err;
    return code;
}

/* The codec filled e: keep it as the framer's error. */
static int fail_with(libxl__sr_framer *fr, libxl__sr_error *err,
                     const libxl__sr_error *e)
{
    fr->err = *e;
    fr->state = LIBXL__SR_FR_FAILED;
    if (err)
        *err = fr->err;
    return fr->err.code;
}

/* A failed framer answers every call with the error that failed it. */
static int failed_again(const libxl__sr_framer *fr, libxl__sr_error *err)
{
    if (err)
        *err = fr->err;
    return fr->err.code;
}

/* A caller's mistake: reported, the framer left as it was. */
static int misuse(libxl__sr_error *err, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int misuse(libxl__sr_error *err, uint64_t offset, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fr_error(err, SR_E_INVALID_ARG, false, LIBXL__SR_INDEX_HEADER, 0, offset,
             fmt, ap);
    va_end(ap);
    return SR_E_INVALID_ARG;
}

/* ---- xl's save-file header ---- */

bool libxl__sr_is_xl_magic(const void *buf, size_t len)
{
    if (len > LIBXL_SR_XL_MAGIC_SIZE)
        len = LIBXL_SR_XL_MAGIC_SIZE;
    return buf && len && !memcmp(buf, LIBXL_SR_XL_MAGIC, len);
}

static int xl_error(libxl__sr_error *err, int code, uint64_t offset,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int xl_error(libxl__sr_error *err, int code, uint64_t offset,
                    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fr_error(err, code, false, LIBXL__SR_INDEX_HEADER, 0, offset, fmt, ap);
    va_end(ap);
    return code;
}

int libxl__sr_decode_xl_header(const void *buf, size_t len,
                              uint32_t known_mandatory,
                              libxl__sr_xl_hdr *out, libxl__sr_error *err)
{
    const unsigned char *p = buf;
    uint32_t order;
    libxl__sr_xl_hdr h;

    if (!buf || !out)
        return xl_error(err, SR_E_INVALID_ARG, 0, "no buffer");
    if (len < LIBXL_SR_XL_HEADER_SIZE)
        return xl_error(err, SR_E_TRUNCATED, len,
                        "xl save header needs %u octets, have %zu",
                        LIBXL_SR_XL_HEADER_SIZE, len);
    if (memcmp(p, LIBXL_SR_XL_MAGIC, LIBXL_SR_XL_MAGIC_SIZE))
        return xl_error(err, SR_E_BAD_IDENT, 0, "xl magic damaged");
    order = le32(p + 32);
    if (order == 0x04030201u)
        return xl_error(err, SR_E_BIG_ENDIAN, 32,
                        "byte-order marker says big-endian");
    if (order != LIBXL_SR_XL_BYTE_ORDER)
        return xl_error(err, SR_E_BAD_FIELD, 32, "byte-order marker 0x%08x",
                        order);
    h.mandatory_flags = le32(p + 36);
    h.optional_flags = le32(p + 40);
    h.optional_len = le32(p + 44);
    if (h.mandatory_flags & ~known_mandatory)
        return xl_error(err, SR_E_RESERVED_OPTION, 36,
                        "unknown mandatory flags 0x%08x", h.mandatory_flags);
    if (h.optional_len > LIBXL_SR_XL_MAX_OPTIONAL)
        return xl_error(err, SR_E_TOO_LONG, 44,
                        "optional data length %u exceeds the cap of %u",
                        h.optional_len, LIBXL_SR_XL_MAX_OPTIONAL);
    if (h.optional_len && h.optional_len < 4)
        return xl_error(err, SR_E_BAD_LENGTH, 44,
                        "optional data length %u cannot hold the config "
                        "length", h.optional_len);
    *out = h;
    return LIBXL_SR_XL_HEADER_SIZE;
}

/* ---- Set-up and queries ---- */

void libxl__sr_framer_init(libxl__sr_framer *fr, unsigned flags,
                          uint64_t base)
{
    memset(fr, 0, sizeof(*fr));
    fr->flags = flags;
    fr->offset = base;
    fr->checkpointed = flags & LIBXL__SR_FRAMER_CHECKPOINTED;
    if (flags & LIBXL__SR_FRAMER_BARE_LIBXC) {
        fr->state = LIBXL__SR_FR_XC_IHDR;
    } else if (flags & LIBXL__SR_FRAMER_BACK_CHANNEL) {
        fr->state = LIBXL__SR_FR_REC_HDR;
        fr->want_cp_state = true;
        fr->checkpointed = true;
    } else {
        fr->state = LIBXL__SR_FR_HEADER;
    }
}

static bool external_libxc(const libxl__sr_framer *fr)
{
    return fr->flags & LIBXL__SR_FRAMER_LIBXC_EXTERNAL;
}

static bool bare_libxc(const libxl__sr_framer *fr)
{
    return fr->flags & LIBXL__SR_FRAMER_BARE_LIBXC;
}

static bool back_channel(const libxl__sr_framer *fr)
{
    return fr->flags & LIBXL__SR_FRAMER_BACK_CHANNEL;
}

bool libxl__sr_fr_kind_is_libxc(libxl__sr_fr_kind k)
{
    return k == LIBXL__SR_FR_XC_IHDR || k == LIBXL__SR_FR_XC_DHDR ||
           k == LIBXL__SR_FR_XC_REC_HDR || k == LIBXL__SR_FR_XC_CHUNK ||
           k == LIBXL__SR_FR_XC_PADDING;
}

libxl__sr_fr_kind libxl__sr_framer_next(const libxl__sr_framer *fr,
                                        uint64_t *size_r)
{
    uint64_t size = 0;

    switch (fr->state) {
    case LIBXL__SR_FR_HEADER:
        size = LIBXL_SR_HEADER_SIZE;
        break;
    case LIBXL__SR_FR_REC_HDR:
    case LIBXL__SR_FR_EMU_HDR:
    case LIBXL__SR_FR_XC_REC_HDR:
        size = LIBXL_SR_REC_HDR_SIZE;
        break;
    case LIBXL__SR_FR_BODY:
        size = fr->body_size;
        break;
    case LIBXL__SR_FR_CHUNK:
    case LIBXL__SR_FR_XC_CHUNK:
        size = fr->body_left;
        break;
    case LIBXL__SR_FR_PADDING:
    case LIBXL__SR_FR_XC_PADDING:
        size = fr->pad;
        break;
    case LIBXL__SR_FR_XC_IHDR:
        size = LIBXL_SR_XC_IHDR_SIZE;
        break;
    case LIBXL__SR_FR_XC_DHDR:
        size = LIBXL_SR_XC_DHDR_SIZE;
        break;
    default:
        break;
    }
    if (size_r)
        *size_r = size;
    return fr->state;
}

/* ---- Moving on ---- */

static void item_start(const libxl__sr_framer *fr, libxl__sr_item *it,
                       libxl__sr_fr_kind kind)
{
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->offset = fr->offset;
    it->index = fr->rec_index;
    it->type = fr->rec.type;
    it->length = fr->rec.length;
    it->record_offset = fr->rec_offset;
}

/* A libxl record is complete, padding included: what comes after it. */
static void libxl_record_done(libxl__sr_framer *fr, libxl__sr_item *it)
{
    it->complete = true;
    switch (fr->rec.type) {
    case LIBXL_SR_REC_END:
        fr->end_seen = true;
        fr->state = LIBXL__SR_FR_DONE;
        return;
    case LIBXL_SR_REC_LIBXC_CONTEXT:
        fr->state = external_libxc(fr) ? LIBXL__SR_FR_LIBXC
                                       : LIBXL__SR_FR_XC_IHDR;
        return;
    case LIBXL_SR_REC_CHECKPOINT_END:
        /* libxc's stream carries on with the next checkpoint's memory. */
        fr->checkpoints++;
        fr->in_checkpoint = false;
        fr->at_checkpoint_end = true;
        fr->checkpoint_boundary = fr->offset;
        fr->state = external_libxc(fr) ? LIBXL__SR_FR_LIBXC
                                       : LIBXL__SR_FR_XC_REC_HDR;
        return;
    case LIBXL_SR_REC_CHECKPOINT_STATE:
        if (!back_channel(fr)) {
            /* One per checkpoint, and part of it: libxc's records come
             * next. */
            fr->at_checkpoint_end = false;
            fr->checkpoint_boundary = fr->offset;
            fr->want_cp_state = false;
            fr->state = fr->resume;
            return;
        }
        break;
    default:
        break;
    }
    fr->state = LIBXL__SR_FR_REC_HDR;
}

static void xc_record_done(libxl__sr_framer *fr, libxl__sr_item *it)
{
    it->complete = true;
    fr->xc_records++;
    if (back_channel(fr)) {
        fr->state = LIBXL__SR_FR_REC_HDR;
        return;
    }
    switch (fr->rec.type) {
    case LIBXL_SR_XC_REC_END:
        fr->libxc_ended = true;
        fr->state = bare_libxc(fr) ? LIBXL__SR_FR_DONE
                                   : LIBXL__SR_FR_REC_HDR;
        return;
    case LIBXL_SR_XC_REC_CHECKPOINT:
        /* The libxl records of this checkpoint follow, up to
         * CHECKPOINT_END; a bare libxc stream just goes on. */
        fr->checkpointed = true;
        if (bare_libxc(fr)) {
            fr->checkpoints++;
            break;
        }
        fr->in_checkpoint = true;
        fr->state = LIBXL__SR_FR_REC_HDR;
        return;
    default:
        break;
    }
    fr->state = LIBXL__SR_FR_XC_REC_HDR;
}

/* The body has gone by: padding, or the record is done. */
static void body_done(libxl__sr_framer *fr, libxl__sr_item *it, bool libxc)
{
    fr->pad = libxl__sr_padding(fr->rec.length);
    if (fr->pad) {
        fr->state = libxc ? LIBXL__SR_FR_XC_PADDING : LIBXL__SR_FR_PADDING;
        return;
    }
    if (libxc)
        xc_record_done(fr, it);
    else
        libxl_record_done(fr, it);
}

/* Start a streamed body of n octets (n may be 0). */
static void stream_body(libxl__sr_framer *fr, libxl__sr_item *it,
                        uint64_t n, bool libxc)
{
    fr->body_left = n;
    fr->body_done = 0;
    if (n)
        fr->state = libxc ? LIBXL__SR_FR_XC_CHUNK : LIBXL__SR_FR_CHUNK;
    else
        body_done(fr, it, libxc);
}

/* ---- libxl units ---- */

static int feed_header(libxl__sr_framer *fr, const unsigned char *p,
                       libxl__sr_item *it, libxl__sr_error *err)
{
    libxl__sr_error e;

    if (libxl__sr_decode_header(p, LIBXL_SR_HEADER_SIZE, fr->offset,
                               &fr->hdr, &e) < 0)
        return fail_with(fr, err, &e);
    it->index = LIBXL__SR_INDEX_HEADER;
    it->type = 0;
    it->length = 0;
    it->u.hdr = fr->hdr;
    fr->offset += LIBXL_SR_HEADER_SIZE;
    fr->state = LIBXL__SR_FR_REC_HDR;
    return SR_OK;
}

/*
 * Where only a CHECKPOINT_STATE may come, anything else is named as out
 * of place there before anything else is said about its header.
 */
static int check_expected_state(libxl__sr_framer *fr,
                                const libxl__sr_rec_hdr *rh, int64_t index,
                                uint64_t at, libxl__sr_error *err)
{
    if (!fr->want_cp_state || rh->type == LIBXL_SR_REC_CHECKPOINT_STATE)
        return SR_OK;
    if (back_channel(fr))
        return fail(fr, err, SR_E_UNKNOWN_TYPE, false, index, rh->type,
                    at, "COLO back channel record %lld has type 0x%x: "
                    "only CHECKPOINT_STATE and dirty pfn lists travel "
                    "there", (long long)index, rh->type);
    return fail(fr, err, SR_E_SEQUENCE, false, index, rh->type, at,
                "a CHECKPOINT_STATE record was expected here (COLO sends "
                "one after every CHECKPOINT_END)");
}

/* The rules that need the stream's history, for one libxl record. */
static int check_sequence(libxl__sr_framer *fr, const libxl__sr_rec_hdr *rh,
                          int64_t index, uint64_t at, libxl__sr_error *err)
{
    const char *why = NULL;

    switch (rh->type) {
    case LIBXL_SR_REC_LIBXC_CONTEXT:
        /* libxc's own stream carries every checkpoint after the first. */
        if (fr->libxc_seen)
            why = "second LIBXC_CONTEXT";
        break;
    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA:
    case LIBXL_SR_REC_EMULATOR_CONTEXT:
        /* The device model's state only means something once the domain's
         * memory exists, which libxc's part creates. */
        if (!fr->libxc_seen)
            why = "emulator record before LIBXC_CONTEXT";
        break;
    case LIBXL_SR_REC_CHECKPOINT_END:
        if (!fr->checkpointed)
            why = "CHECKPOINT_END in a stream that is not checkpointed";
        else if (!fr->libxc_seen)
            why = "CHECKPOINT_END before LIBXC_CONTEXT";
        else if (fr->libxc_ended)
            why = "CHECKPOINT_END after libxc's END";
        break;
    case LIBXL_SR_REC_CHECKPOINT_STATE:
        /* Only directly after a CHECKPOINT_END (see the header).  A
         * reader that hands libxc's part over gets there only by
         * announcing one: after CHECKPOINT_END the fd is libxc's. */
        if (back_channel(fr))
            break;
        if (!fr->checkpointed)
            why = "CHECKPOINT_STATE in a stream that is not checkpointed";
        else if (fr->in_checkpoint)
            why = "CHECKPOINT_STATE inside a checkpoint (before its "
                  "CHECKPOINT_END): COLO sends it after CHECKPOINT_END";
        else if (!fr->at_checkpoint_end)
            why = "CHECKPOINT_STATE not directly after a CHECKPOINT_END";
        break;
    case LIBXL_SR_REC_END:
        /* A checkpoint's records end with CHECKPOINT_END; a primary that
         * stops instead sends nothing more at all. */
        if (fr->in_checkpoint)
            why = "END inside a checkpoint (before its CHECKPOINT_END)";
        break;
    default:
        /* Optional records may appear anywhere; unknown mandatory ones
         * were refused by libxl__sr_check_rec_hdr. */
        break;
    }
    if (why)
        return fail(fr, err, SR_E_SEQUENCE, false, index, rh->type, at,
                    "%s", why);
    return SR_OK;
}

static int feed_xc_rec_hdr(libxl__sr_framer *fr, const unsigned char *p,
                           libxl__sr_item *it, libxl__sr_error *err);

static int feed_rec_hdr(libxl__sr_framer *fr, const unsigned char *p,
                        libxl__sr_item *it, libxl__sr_error *err)
{
    libxl__sr_rec_hdr rh;
    libxl__sr_error e;
    int64_t index = (int64_t)fr->records;
    uint64_t at = fr->offset;
    int rc;

    libxl__sr_decode_rec_hdr(p, LIBXL_SR_REC_HDR_SIZE, &rh);
    if (back_channel(fr)) {
        /* Both kinds of record share one count there. */
        if (rh.type == LIBXL_SR_XC_REC_DIRTY_PFN_LIST)
            return feed_xc_rec_hdr(fr, p, it, err);
        index += (int64_t)fr->xc_records;
    }

    fr->rec = rh;
    fr->rec_index = index;
    fr->rec_offset = at;
    item_start(fr, it, LIBXL__SR_FR_REC_HDR);
    rc = check_expected_state(fr, &rh, index, at, err);
    if (rc < 0)
        return rc;
    if (back_channel(fr) && rh.type == LIBXL_SR_REC_CHECKPOINT_STATE &&
        rh.length != 4)
        return fail(fr, err, SR_E_BAD_LENGTH, false, index, rh.type, at + 4,
                    "COLO back channel record %lld: CHECKPOINT_STATE body "
                    "length %u, must be 4", (long long)index, rh.length);
    if (!back_channel(fr) && libxl__sr_check_rec_hdr(&rh, index, at, &e) < 0)
        return fail_with(fr, err, &e);
    rc = check_sequence(fr, &rh, index, at, err);
    if (rc < 0)
        return rc;

    fr->records++;
    fr->offset += LIBXL_SR_REC_HDR_SIZE;
    if (rh.type == LIBXL_SR_REC_LIBXC_CONTEXT)
        fr->libxc_seen = true;

    switch (rh.type) {
    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA:
    case LIBXL_SR_REC_EMULATOR_CONTEXT:
        fr->state = LIBXL__SR_FR_EMU_HDR;
        break;
    case LIBXL_SR_REC_CHECKPOINT_STATE:
        fr->body_size = rh.length;
        fr->state = LIBXL__SR_FR_BODY;
        break;
    default:
        /* Empty bodies (END, LIBXC_CONTEXT, CHECKPOINT_END) and optional
         * records, whose length the codec has capped. */
        stream_body(fr, it, rh.length, false);
        break;
    }
    return SR_OK;
}

static int feed_emu_hdr(libxl__sr_framer *fr, const unsigned char *p,
                        libxl__sr_item *it, libxl__sr_error *err)
{
    libxl__sr_error e;
    uint32_t rest = fr->rec.length - LIBXL_SR_EMU_HDR_SIZE;

    if (libxl__sr_decode_emu_hdr_opts(p, LIBXL_SR_EMU_HDR_SIZE,
                                     fr->hdr.options, &fr->rec,
                                     fr->rec_index, fr->offset, &it->u.emu,
                                     &e) < 0)
        return fail_with(fr, err, &e);
    fr->offset += LIBXL_SR_EMU_HDR_SIZE;
    if (fr->rec.type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA) {
        /* Held whole: the codec capped it at LIBXL_SR_MAX_XENSTORE_BODY. */
        fr->body_size = rest;
        fr->state = LIBXL__SR_FR_BODY;
    } else {
        stream_body(fr, it, rest, false);
    }
    return SR_OK;
}

static int feed_body(libxl__sr_framer *fr, const unsigned char *p,
                     libxl__sr_item *it, libxl__sr_error *err)
{
    libxl__sr_error e;
    int r;

    if (fr->rec.type == LIBXL_SR_REC_CHECKPOINT_STATE) {
        r = libxl__sr_decode_checkpoint_state(p, fr->body_size,
                                             fr->rec_index, fr->offset,
                                             &it->u.checkpoint_state, &e);
    } else {
        it->u.body.data = p;
        it->u.body.len = fr->body_size;
        it->u.body.done = LIBXL_SR_EMU_HDR_SIZE;
        r = libxl__sr_xs_validate(p, fr->body_size, fr->rec_index,
                                 fr->offset, &e);
        if (r >= 0)
            it->u.body.xs_pairs = (uint32_t)r;
    }
    if (r < 0)
        return fail_with(fr, err, &e);
    fr->offset += fr->body_size;
    body_done(fr, it, false);
    return SR_OK;
}

static int feed_padding(libxl__sr_framer *fr, const unsigned char *p,
                        libxl__sr_item *it, libxl__sr_error *err, bool libxc)
{
    libxl__sr_error e;

    if (libxl__sr_check_padding(p, fr->pad, &fr->rec, fr->rec_index,
                               fr->offset, &e) < 0) {
        e.libxc = libxc;
        return fail_with(fr, err, &e);
    }
    fr->offset += fr->pad;
    if (libxc)
        xc_record_done(fr, it);
    else
        libxl_record_done(fr, it);
    return SR_OK;
}

/* ---- libxc units ---- */

static int xc_header_done(libxl__sr_framer *fr, unsigned size,
                          libxl__sr_fr_kind next)
{
    fr->offset += size;
    fr->xc_octets += size;
    fr->state = next;
    return SR_OK;
}

static int feed_xc_ihdr(libxl__sr_framer *fr, const unsigned char *p,
                        libxl__sr_item *it, libxl__sr_error *err)
{
    uint64_t at = fr->offset;
    uint16_t options;
    unsigned i;

    it->index = LIBXL__SR_INDEX_HEADER;
    it->type = it->length = 0;
    for (i = 0; i < 8; i++)
        if (p[i] != 0xff)
            return fail(fr, err, SR_E_BAD_IDENT, true, -1, 0, at,
                        "marker is not 0xFFFFFFFFFFFFFFFF (a legacy pre-4.6 "
                        "libxc image?)");
    if (memcmp(p + 8, "XENF", 4))
        return fail(fr, err, SR_E_BAD_IDENT, true, -1, 0, at + 8,
                    "id is not \"XENF\"");
    fr->xc_version = be32(p + 12);
    if (fr->xc_version != 2 && fr->xc_version != 3)
        return fail(fr, err, SR_E_BAD_VERSION, true, -1, 0, at + 12,
                    "libxc stream version %u, this walker knows 2 and 3",
                    fr->xc_version);
    options = (uint16_t)(p[16] << 8 | p[17]);
    if (options & 1)
        return fail(fr, err, SR_E_BIG_ENDIAN, true, -1, 0, at + 16,
                    "options 0x%04x", options);
    if (options & ~1u)
        return fail(fr, err, SR_E_RESERVED_OPTION, true, -1, 0, at + 16,
                    "options 0x%04x", options);
    it->u.xc_image.version = fr->xc_version;
    it->u.xc_image.options = options;
    return xc_header_done(fr, LIBXL_SR_XC_IHDR_SIZE, LIBXL__SR_FR_XC_DHDR);
}

static int feed_xc_dhdr(libxl__sr_framer *fr, const unsigned char *p,
                        libxl__sr_item *it, libxl__sr_error *err)
{
    uint64_t at = fr->offset;
    uint32_t type = le32(p);

    it->index = LIBXL__SR_INDEX_XC_DOMAIN;
    it->type = it->length = 0;
    if (type != LIBXL_SR_XC_DOMAIN_X86_PV && type != LIBXL_SR_XC_DOMAIN_X86_HVM)
        return fail(fr, err, SR_E_BAD_FIELD, true, LIBXL__SR_INDEX_XC_DOMAIN,
                    0, at, "domain type %u is not x86 PV or x86 HVM", type);
    if (le16(p + 4) != 12)
        return fail(fr, err, SR_E_BAD_FIELD, true, LIBXL__SR_INDEX_XC_DOMAIN,
                    0, at + 4,
                    "page shift %u, x86 pages are 4096 octets (shift 12)",
                    le16(p + 4));
    fr->xc_domain_type = type;
    it->u.xc_domain.type = type;
    it->u.xc_domain.page_shift = le16(p + 4);
    it->u.xc_domain.xen_major = le32(p + 8);
    it->u.xc_domain.xen_minor = le32(p + 12);
    return xc_header_done(fr, LIBXL_SR_XC_DHDR_SIZE, LIBXL__SR_FR_XC_REC_HDR);
}

static int feed_xc_rec_hdr(libxl__sr_framer *fr, const unsigned char *p,
                           libxl__sr_item *it, libxl__sr_error *err)
{
    uint64_t at = fr->offset;
    /* On a back channel both kinds of record share one count. */
    int64_t index = back_channel(fr) ? (int64_t)(fr->records +
                                                 fr->xc_records)
                                     : (int64_t)fr->xc_records;

    if (fr->at_checkpoint_end && !back_channel(fr)) {
        /* COLO's CHECKPOINT_STATE or libxc's next record (see the
         * header); the first checkpoint says which stream this is. */
        if (!fr->colo_known) {
            fr->colo_known = true;
            fr->colo = le32(p) == LIBXL_SR_REC_CHECKPOINT_STATE;
        }
        if (fr->colo) {
            fr->resume = LIBXL__SR_FR_XC_REC_HDR;
            fr->want_cp_state = true;
            return feed_rec_hdr(fr, p, it, err);
        }
        fr->at_checkpoint_end = false;
    }

    fr->rec.type = le32(p);
    fr->rec.length = le32(p + 4);
    fr->rec_index = index;
    fr->rec_offset = at;
    item_start(fr, it, LIBXL__SR_FR_XC_REC_HDR);
    if (back_channel(fr)) {
        if (fr->rec.length % 8 || fr->rec.length > LIBXL_SR_XC_MAX_RECORD)
            return fail(fr, err, SR_E_BAD_LENGTH, false, index, fr->rec.type,
                        at + 4, "COLO back channel record %lld: dirty pfn "
                        "list of %u octets (a multiple of 8, at most %u)",
                        (long long)index, fr->rec.length,
                        LIBXL_SR_XC_MAX_RECORD);
    } else if (fr->rec.length > LIBXL_SR_XC_MAX_RECORD) {
        return fail(fr, err, SR_E_TOO_LONG, true, index, fr->rec.type, at + 4,
                    "body length %u exceeds the cap of %u", fr->rec.length,
                    LIBXL_SR_XC_MAX_RECORD);
    } else if ((fr->rec.type == LIBXL_SR_XC_REC_END ||
                fr->rec.type == LIBXL_SR_XC_REC_CHECKPOINT) &&
               fr->rec.length) {
        /* These two hand the stream back to libxl: nothing may follow
         * them inside libxc's part. */
        return fail(fr, err, SR_E_BAD_LENGTH, true, index, fr->rec.type,
                    at + 4, "body length %u, must be 0", fr->rec.length);
    }
    fr->offset += LIBXL_SR_REC_HDR_SIZE;
    if (!back_channel(fr))
        fr->xc_octets += LIBXL_SR_REC_HDR_SIZE;
    stream_body(fr, it, fr->rec.length, true);
    return SR_OK;
}

/* ---- Feeding ---- */

static bool fixed_kind(libxl__sr_fr_kind k)
{
    return k != LIBXL__SR_FR_CHUNK && k != LIBXL__SR_FR_XC_CHUNK;
}

static int take_chunk(libxl__sr_framer *fr, const unsigned char *p,
                      uint64_t n, libxl__sr_item *it)
{
    bool libxc = fr->state == LIBXL__SR_FR_XC_CHUNK;

    item_start(fr, it, fr->state);
    it->u.body.data = p;
    it->u.body.len = (size_t)n;
    it->u.body.done = fr->body_done;
    if (fr->rec.type == LIBXL_SR_REC_EMULATOR_CONTEXT && !libxc)
        it->u.body.done += LIBXL_SR_EMU_HDR_SIZE;
    fr->offset += n;
    if (libxc && !back_channel(fr))
        fr->xc_octets += n;
    fr->body_left -= n;
    fr->body_done += n;
    if (!fr->body_left)
        body_done(fr, it, libxc);
    return SR_OK;
}

int libxl__sr_framer_feed(libxl__sr_framer *fr, const void *buf, size_t len,
                         libxl__sr_item *item, libxl__sr_error *err)
{
    const unsigned char *p = buf;
    libxl__sr_item scratch;
    libxl__sr_fr_kind k;
    uint64_t size;

    if (!item)
        item = &scratch;
    if (!fr)
        return misuse(err, 0, "no framer");
    k = libxl__sr_framer_next(fr, &size);
    if (k == LIBXL__SR_FR_FAILED)
        return failed_again(fr, err);
    if (k == LIBXL__SR_FR_DONE || k == LIBXL__SR_FR_LIBXC)
        return misuse(err, fr->offset, "no octets wanted now (%s)",
                      k == LIBXL__SR_FR_DONE ? "the stream has ended"
                                             : "libxc's part is elsewhere");
    if ((len && !buf) || (fixed_kind(k) ? len != size : !len || len > size))
        return misuse(err, fr->offset, "fed %zu octets, %llu wanted", len,
                      (unsigned long long)size);

    if (!fixed_kind(k))
        return take_chunk(fr, p, len, item);

    item_start(fr, item, k);
    switch (k) {
    case LIBXL__SR_FR_HEADER:
        return feed_header(fr, p, item, err);
    case LIBXL__SR_FR_REC_HDR:
        return feed_rec_hdr(fr, p, item, err);
    case LIBXL__SR_FR_EMU_HDR:
        return feed_emu_hdr(fr, p, item, err);
    case LIBXL__SR_FR_BODY:
        return feed_body(fr, p, item, err);
    case LIBXL__SR_FR_PADDING:
        return feed_padding(fr, p, item, err, false);
    case LIBXL__SR_FR_XC_IHDR:
        return feed_xc_ihdr(fr, p, item, err);
    case LIBXL__SR_FR_XC_DHDR:
        return feed_xc_dhdr(fr, p, item, err);
    case LIBXL__SR_FR_XC_REC_HDR:
        return feed_xc_rec_hdr(fr, p, item, err);
    case LIBXL__SR_FR_XC_PADDING:
        if (!back_channel(fr))
            fr->xc_octets += fr->pad;
        return feed_padding(fr, p, item, err, true);
    default:
        return misuse(err, fr->offset, "framer state %d", (int)k);
    }
}

int libxl__sr_framer_skip(libxl__sr_framer *fr, uint64_t n,
                         libxl__sr_item *item, libxl__sr_error *err)
{
    libxl__sr_item scratch;
    uint64_t size;
    libxl__sr_fr_kind k;

    if (!fr)
        return misuse(err, 0, "no framer");
    k = libxl__sr_framer_next(fr, &size);
    if (k == LIBXL__SR_FR_FAILED)
        return failed_again(fr, err);
    if (fixed_kind(k) || !n || n > size)
        return misuse(err, fr->offset, "cannot pass over %llu octets here",
                      (unsigned long long)n);
    return take_chunk(fr, NULL, n, item ? item : &scratch);
}

int libxl__sr_framer_libxc_done(libxl__sr_framer *fr, uint64_t n,
                               bool at_checkpoint, libxl__sr_error *err)
{
    if (!fr || fr->state != LIBXL__SR_FR_LIBXC)
        return misuse(err, fr ? fr->offset : 0,
                      "libxc's part is not being read elsewhere");
    fr->offset += n;
    fr->xc_octets += n;
    fr->at_checkpoint_end = false;
    if (at_checkpoint) {
        fr->checkpointed = true;
        fr->in_checkpoint = true;
    } else {
        fr->libxc_ended = true;
    }
    fr->state = LIBXL__SR_FR_REC_HDR;
    return SR_OK;
}

int libxl__sr_framer_libxc_read(libxl__sr_framer *fr, uint64_t n,
                               libxl__sr_error *err)
{
    if (!fr || fr->state != LIBXL__SR_FR_LIBXC)
        return misuse(err, fr ? fr->offset : 0,
                      "libxc's part is not being read elsewhere");
    fr->offset += n;
    fr->xc_octets += n;
    if (n)
        fr->at_checkpoint_end = false;
    return SR_OK;
}

int libxl__sr_framer_expect_checkpoint_state(libxl__sr_framer *fr,
                                            libxl__sr_error *err)
{
    if (!fr || fr->want_cp_state ||
        (fr->state != LIBXL__SR_FR_REC_HDR &&
         fr->state != LIBXL__SR_FR_LIBXC &&
         fr->state != LIBXL__SR_FR_XC_REC_HDR))
        return misuse(err, fr ? fr->offset : 0,
                      "a CHECKPOINT_STATE can only come between records");
    fr->resume = fr->state;
    fr->want_cp_state = true;
    fr->checkpointed = true;
    fr->state = LIBXL__SR_FR_REC_HDR;
    return SR_OK;
}

/* ---- Failover ---- */

uint64_t libxl__sr_framer_failover_checkpoint(const libxl__sr_framer *fr)
{
    /* A cut is where the primary stopped; anything else is damage. */
    if (fr->state == LIBXL__SR_FR_FAILED && fr->err.code != SR_E_TRUNCATED)
        return 0;
    if (!fr->checkpointed || fr->end_seen || bare_libxc(fr) ||
        back_channel(fr))
        return 0;
    return fr->checkpoints;
}

bool libxl__sr_framer_past_last_checkpoint(const libxl__sr_framer *fr)
{
    return fr->libxc_ended && fr->checkpointed && fr->checkpoints &&
           !bare_libxc(fr) && !back_channel(fr);
}

/* ---- End of input ---- */

int libxl__sr_framer_end(libxl__sr_framer *fr, const void *partial,
                        size_t have, libxl__sr_error *err)
{
    const unsigned char *p = partial;
    uint64_t at;
    bool libxc;
    const char *what;
    uint32_t type;

    if (!fr || (have && !partial))
        return misuse(err, 0, "no framer or no partial octets");
    at = fr->offset + have;
    libxc = libxl__sr_fr_kind_is_libxc(fr->state);
    switch (fr->state) {
    case LIBXL__SR_FR_DONE:
        return SR_OK;
    case LIBXL__SR_FR_FAILED:
        return failed_again(fr, err);
    case LIBXL__SR_FR_HEADER:
        return fail(fr, err, SR_E_TRUNCATED, false, -1, 0, at,
                    "stream ended inside the libxl stream header");
    case LIBXL__SR_FR_XC_IHDR:
        return fail(fr, err, SR_E_TRUNCATED, true, -1, 0, at,
                    "stream ended inside the libxc image header");
    case LIBXL__SR_FR_XC_DHDR:
        return fail(fr, err, SR_E_TRUNCATED, true, LIBXL__SR_INDEX_XC_DOMAIN,
                    0, at, "stream ended inside the libxc domain header");
    case LIBXL__SR_FR_LIBXC:
        return fail(fr, err, SR_E_TRUNCATED, true, (int64_t)fr->xc_records,
                    0xffffffffu, at, "stream ended inside libxc's part");
    case LIBXL__SR_FR_REC_HDR:
    case LIBXL__SR_FR_XC_REC_HDR:
        /* Name the record that was about to start, as far as it came. */
        type = have >= 4 ? le32(p) : 0xffffffffu;
        if (libxc)
            return fail(fr, err, SR_E_TRUNCATED, true,
                        (int64_t)fr->xc_records, type, fr->offset,
                        "stream ended inside a libxc record header");
        if (!have)
            return fail(fr, err, SR_E_TRUNCATED, false,
                        (int64_t)fr->records, 0, at,
                        "stream ended before the END record");
        return fail(fr, err, SR_E_TRUNCATED, false, (int64_t)fr->records,
                    type, fr->offset,
                    "stream ended inside a record header (%zu of 8 octets)",
                    have);
    case LIBXL__SR_FR_PADDING:
    case LIBXL__SR_FR_XC_PADDING:
        what = libxc ? "record padding" : "padding";
        break;
    case LIBXL__SR_FR_EMU_HDR:
        what = "the emulator sub-header";
        break;
    default:
        what = libxc ? "a record body" : "the body";
        break;
    }
    if (libxc && fr->state == LIBXL__SR_FR_XC_CHUNK)
        return fail(fr, err, SR_E_TRUNCATED, true, fr->rec_index,
                    fr->rec.type, at, "stream ended inside %s, %llu of %u "
                    "body octets missing", what,
                    (unsigned long long)fr->body_left, fr->rec.length);
    if (libxc)
        return fail(fr, err, SR_E_TRUNCATED, true, fr->rec_index,
                    fr->rec.type, at, "stream ended inside %s", what);
    return fail(fr, err, SR_E_TRUNCATED, false, fr->rec_index, fr->rec.type,
                at, "stream ended inside %s of a %u-octet record", what,
                fr->rec.length);
}

/* ---- Push-driven use ---- */

void libxl__sr_framer_set_body_buffer(libxl__sr_framer *fr, void *buf,
                                     size_t cap)
{
    fr->body_buf = buf;
    fr->body_cap = buf ? cap : 0;
}

const void *libxl__sr_framer_partial(const libxl__sr_framer *fr,
                                     size_t *have_r)
{
    *have_r = fr->acc_have;
    if (fr->state == LIBXL__SR_FR_BODY)
        return fr->body_buf;
    return fr->acc;
}

int libxl__sr_framer_push(libxl__sr_framer *fr, const void *buf, size_t len,
                         size_t *used, libxl__sr_item *item,
                         libxl__sr_error *err)
{
    const unsigned char *p = buf;
    unsigned char *dst;
    libxl__sr_fr_kind k;
    uint64_t size;
    size_t n;
    int rc;

    *used = 0;
    if (len && !buf)
        return misuse(err, fr->offset, "no input buffer");
    k = libxl__sr_framer_next(fr, &size);
    switch (k) {
    case LIBXL__SR_FR_FAILED:
        return failed_again(fr, err);
    case LIBXL__SR_FR_DONE:
    case LIBXL__SR_FR_LIBXC:
        return 0;
    case LIBXL__SR_FR_CHUNK:
    case LIBXL__SR_FR_XC_CHUNK:
        if (!len)
            return 0;
        n = len < size ? len : (size_t)size;
        *used = n;
        rc = libxl__sr_framer_feed(fr, p, n, item, err);
        return rc < 0 ? rc : 1;
    case LIBXL__SR_FR_BODY:
        /* The codec's caps bound a held body; refuse rather than overflow
         * a smaller buffer. */
        if (size > fr->body_cap)
            return fail(fr, err, SR_E_TOO_LONG, false, fr->rec_index,
                        fr->rec.type, fr->rec_offset + 4,
                        "body length %u exceeds the %zu-octet buffer",
                        fr->rec.length, fr->body_cap);
        dst = fr->body_buf;
        break;
    default:
        dst = fr->acc;
        break;
    }
    n = size - fr->acc_have;
    if (n > len)
        n = len;
    if (n)
        memcpy(dst + fr->acc_have, p, n);
    fr->acc_have += n;
    *used = n;
    if (fr->acc_have < size)
        return 0;
    fr->acc_have = 0;
    rc = libxl__sr_framer_feed(fr, dst, (size_t)size, item, err);
    return rc < 0 ? rc : 1;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
