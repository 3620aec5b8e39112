/*
 * v2read.c: see v2read.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl_sr_codec.h"
#include "v2read.h"

enum { ST_START, ST_AFTER_XL, ST_STREAM };

void v2r_init(v2r *r, int fd)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    r->state = ST_START;
}

void v2r_dispose(v2r *r)
{
    free(r->body);
    r->body = NULL;
}

static int fail(v2r *r, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(v2r *r, uint64_t off, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->err, sizeof(r->err), "offset %" PRIu64 ": ", off);

    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int codec_fail(v2r *r, const libxl__sr_error *e)
{
    char m[200];

    return fail(r, e->offset, "%s", libxl__sr_format_error(e, m, sizeof(m)));
}

/* Read up to len octets; returns how many (short only at the end), or -1. */
static ssize_t take(v2r *r, void *buf, size_t len, const char *what)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(r->fd, (char *)buf + got, len - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(r, r->off, "reading %s: %s", what, strerror(errno));
        if (n == 0)
            break;
        got += (size_t)n;
        r->off += (uint64_t)n;
    }
    return (ssize_t)got;
}

static int must(v2r *r, void *buf, size_t len, const char *what)
{
    ssize_t n = take(r, buf, len, what);

    if (n >= 0 && (size_t)n < len)
        return fail(r, r->off, "truncated in %s", what);
    return n < 0 ? -1 : 0;
}

static int grow(v2r *r, size_t len)
{
    unsigned char *nb;

    if (len <= r->cap)
        return 0;
    if (len > V2R_MAX_BODY)
        return fail(r, r->off, "record body of %zu octets is over the test "
                    "tools' limit", len);
    nb = realloc(r->body, len);
    if (!nb)
        return fail(r, r->off, "out of memory");
    r->body = nb;
    r->cap = len;
    return 0;
}

/* xl's header and its optional data, decoded by the codec. */
static int xl_header(v2r *r, const unsigned char *first, v2_item *it)
{
    unsigned char h[LIBXL_SR_XL_HEADER_SIZE];
    libxl__sr_xl_hdr xl;
    libxl__sr_error e;

    memcpy(h, first, 8);
    if (must(r, h + 8, sizeof(h) - 8, "xl header"))
        return -1;
    /* The test tools pass any flags on; only the layout is checked. */
    if (libxl__sr_decode_xl_header(h, sizeof(h), ~0u, &xl, &e) < 0)
        return codec_fail(r, &e);
    if (grow(r, xl.optional_len) ||
        must(r, r->body, xl.optional_len, "xl header options"))
        return -1;
    it->kind = V2K_XL_HDR;
    it->type = xl.mandatory_flags;
    it->len = xl.optional_len;
    it->offset = 0;
    it->body = r->body;
    r->state = ST_AFTER_XL;
    return 1;
}

/*
 * One item from the framer, a whole record at a time: the headers of the
 * streams as they are, a record with its body (emulator sub-header
 * included) in r->body.
 */
static int from_framer(v2r *r, v2_item *it)
{
    unsigned char unit[LIBXL_SR_XC_IHDR_SIZE];
    libxl__sr_item fi;
    libxl__sr_error e;
    libxl__sr_fr_kind k;
    uint64_t size;
    uint32_t have = 0;
    unsigned char *dst;
    ssize_t n;

    for (;;) {
        k = libxl__sr_framer_next(&r->fr, &size);
        if (k == LIBXL__SR_FR_DONE)
            return 0;
        switch (k) {
        case LIBXL__SR_FR_EMU_HDR:
        case LIBXL__SR_FR_BODY:
        case LIBXL__SR_FR_CHUNK:
        case LIBXL__SR_FR_XC_CHUNK:
            if (grow(r, (size_t)have + size))
                return -1;
            dst = r->body + have;
            break;
        default:
            dst = unit;
            break;
        }
        n = take(r, dst, (size_t)size, "stream");
        if (n < 0)
            return -1;
        if ((uint64_t)n < size) {
            libxl__sr_framer_end(&r->fr, dst, (size_t)n, &e);
            return codec_fail(r, &e);
        }
        if (libxl__sr_framer_feed(&r->fr, dst, (size_t)size, &fi, &e) < 0)
            return codec_fail(r, &e);
        if (dst != unit)
            have += (uint32_t)size;
        switch (fi.kind) {
        case LIBXL__SR_FR_HEADER:
            it->kind = V2K_LIBXL_HDR;
            it->type = fi.u.hdr.options;
            it->len = 0;
            it->offset = fi.offset;
            it->body = NULL;
            return 1;
        case LIBXL__SR_FR_XC_IHDR:
        case LIBXL__SR_FR_XC_DHDR:
            if (grow(r, (size_t)size))
                return -1;
            memcpy(r->body, unit, (size_t)size);
            it->kind = fi.kind == LIBXL__SR_FR_XC_IHDR ? V2K_XC_IHDR
                                                       : V2K_XC_DHDR;
            it->type = fi.kind == LIBXL__SR_FR_XC_IHDR ?
                       fi.u.xc_image.version : fi.u.xc_domain.type;
            it->len = (uint32_t)size;
            it->offset = fi.offset;
            it->body = r->body;
            return 1;
        default:
            break;
        }
        if (!fi.complete)
            continue;
        it->kind = libxl__sr_fr_kind_is_libxc(fi.kind) ? V2K_XC_REC : V2K_XL_REC;
        it->type = fi.type;
        it->len = fi.length;
        it->offset = fi.record_offset;
        it->body = r->body;
        return 1;
    }
}

/* First octets of the input: xl header, libxl or libxc stream. */
static int sniff(v2r *r, v2_item *it)
{
    static const unsigned char marker[8] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };
    unsigned char h[8];
    uint64_t at = r->off;
    libxl__sr_error e;
    ssize_t n = take(r, h, sizeof(h), "stream header");
    unsigned flags;

    if (n < 0)
        return -1;
    if (n == 0)
        return fail(r, at, r->state == ST_START ? "empty input"
                                                : "stream ends before its "
                                                  "header");
    if (n < 8)
        return fail(r, at, "truncated in the stream header");
    if (r->state == ST_START && libxl__sr_is_xl_magic(h, 8))
        return xl_header(r, h, it);
    if (!memcmp(h, LIBXL_SR_IDENT_BYTES, 8))
        flags = 0;
    else if (!memcmp(h, marker, 8))
        flags = LIBXL__SR_FRAMER_BARE_LIBXC;
    else
        return fail(r, at, "neither an xl header, a libxl nor a libxc "
                    "stream");
    /* The framer is fed whole units: these 8 octets and the rest of the
     * header go in together. */
    libxl__sr_framer_init(&r->fr, flags, at);
    r->state = ST_STREAM;
    if (grow(r, LIBXL_SR_XC_IHDR_SIZE))
        return -1;
    {
        uint64_t size;
        libxl__sr_item fi;

        libxl__sr_framer_next(&r->fr, &size);
        memcpy(r->body, h, 8);
        if (must(r, r->body + 8, (size_t)size - 8, "stream header"))
            return -1;
        if (libxl__sr_framer_feed(&r->fr, r->body, (size_t)size, &fi, &e) < 0)
            return codec_fail(r, &e);
        it->kind = flags ? V2K_XC_IHDR : V2K_LIBXL_HDR;
        it->type = flags ? fi.u.xc_image.version : fi.u.hdr.options;
        it->len = flags ? (uint32_t)size : 0;
        it->offset = at;
        it->body = flags ? r->body : NULL;
    }
    return 1;
}

int v2r_next(v2r *r, v2_item *it)
{
    switch (r->state) {
    case ST_START:
    case ST_AFTER_XL:
        return sniff(r, it);
    default:
        return from_framer(r, it);
    }
}

const char *v2_xc_type_name(uint32_t type)
{
    const char *name = libxl__sr_xc_type_name(type);

    return name ? name : "UNKNOWN";
}

const char *v2_kind_name(enum v2_kind k)
{
    switch (k) {
    case V2K_XL_HDR:    return "xl-header";
    case V2K_LIBXL_HDR: return "libxl-header";
    case V2K_XC_IHDR:   return "libxc-image-header";
    case V2K_XC_DHDR:   return "libxc-domain-header";
    case V2K_XC_REC:    return "libxc";
    case V2K_XL_REC:    return "libxl";
    }
    return "?";
}
