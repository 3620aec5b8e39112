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
#include "../../tools/xen-stream/libxc_record_names.h"

enum { ST_START, ST_AFTER_XL, ST_XL_RECS, ST_XC_IHDR, ST_XC_RECS, ST_DONE };

static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";

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

/* Read exactly len octets; returns len, 0 if at end before the first
 * octet, -1 on a short read or an error. */
static ssize_t take(v2r *r, void *buf, size_t len, const char *what)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(r->fd, (char *)buf + got, len - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(r, r->off, "reading %s: %s", what, strerror(errno));
        if (n == 0) {
            if (got == 0)
                return 0;
            return fail(r, r->off, "truncated in %s", what);
        }
        got += (size_t)n;
        r->off += (uint64_t)n;
    }
    return (ssize_t)len;
}

static int must(v2r *r, void *buf, size_t len, const char *what)
{
    ssize_t n = take(r, buf, len, what);

    if (n == 0 && len)
        return fail(r, r->off, "stream ends before %s", what);
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

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* First octets of whatever follows: xl header, libxl or libxc stream. */
static int sniff(v2r *r, v2_item *it)
{
    unsigned char h[8];
    uint64_t at = r->off;
    ssize_t n = take(r, h, sizeof(h), "stream header");

    if (n <= 0)
        return n == 0 ? fail(r, at, "empty input") : -1;

    if (r->state == ST_START && !memcmp(h, xl_magic, 8)) {
        unsigned char rest[24 + 16];
        uint32_t optlen;

        if (must(r, rest, sizeof(rest), "xl header"))
            return -1;
        if (memcmp(rest, xl_magic + 8, 24))
            return fail(r, at, "bad xl header magic");
        optlen = le32(rest + 24 + 12);
        if (grow(r, optlen) || must(r, r->body, optlen, "xl header options"))
            return -1;
        it->kind = V2K_XL_HDR;
        it->type = le32(rest + 24 + 4);
        it->len = optlen;
        it->offset = at;
        it->body = r->body;
        r->state = ST_AFTER_XL;
        return 1;
    }
    if (!memcmp(h, LIBXL_SR_IDENT_BYTES, 8)) {
        unsigned char full[LIBXL_SR_HEADER_SIZE];
        libxl__sr_hdr hdr;
        libxl__sr_error e;

        memcpy(full, h, 8);
        if (must(r, full + 8, sizeof(full) - 8, "libxl header"))
            return -1;
        if (libxl__sr_decode_header(full, sizeof(full), at, &hdr, &e) < 0) {
            char m[200];
            return fail(r, at, "%s", libxl__sr_format_error(&e, m, sizeof(m)));
        }
        it->kind = V2K_LIBXL_HDR;
        it->type = hdr.options;
        it->len = 0;
        it->offset = at;
        it->body = NULL;
        r->libxl = true;
        r->state = ST_XL_RECS;
        return 1;
    }
    if (!memcmp(h, "\xff\xff\xff\xff\xff\xff\xff\xff", 8)) {
        r->state = ST_XC_IHDR;
        if (grow(r, 24))
            return -1;
        memcpy(r->body, h, 8);
        if (must(r, r->body + 8, 16, "libxc image header"))
            return -1;
        if (memcmp(r->body + 8, "XENF", 4))
            return fail(r, at + 8, "libxc image header: bad ident");
        it->kind = V2K_XC_IHDR;
        it->type = (uint32_t)r->body[12] << 24 | (uint32_t)r->body[13] << 16 |
                   (uint32_t)r->body[14] << 8 | r->body[15];
        it->len = 24;
        it->offset = at;
        it->body = r->body;
        return 1;
    }
    return fail(r, at, "neither an xl header, a libxl nor a libxc stream");
}

static int xc_dhdr(v2r *r, v2_item *it)
{
    uint64_t at = r->off;

    if (grow(r, 16) || must(r, r->body, 16, "libxc domain header"))
        return -1;
    it->kind = V2K_XC_DHDR;
    it->type = le32(r->body);
    it->len = 16;
    it->offset = at;
    it->body = r->body;
    r->state = ST_XC_RECS;
    return 1;
}

static int xc_record(v2r *r, v2_item *it)
{
    unsigned char h[8], pad[8];
    uint64_t at = r->off;
    uint32_t type, len;
    unsigned p, i;

    if (must(r, h, sizeof(h), "libxc record header"))
        return -1;
    type = le32(h);
    len = le32(h + 4);
    if (grow(r, len) || must(r, r->body, len, "libxc record body"))
        return -1;
    p = (8u - (len & 7u)) & 7u;
    if (must(r, pad, p, "libxc record padding"))
        return -1;
    for (i = 0; i < p; i++)
        if (pad[i])
            return fail(r, at + 8 + len + i, "non-zero padding");
    it->kind = V2K_XC_REC;
    it->type = type;
    it->len = len;
    it->offset = at;
    it->body = r->body;
    if (type == 0)
        r->state = r->libxl ? ST_XL_RECS : ST_DONE;
    return 1;
}

static int xl_record(v2r *r, v2_item *it)
{
    unsigned char h[LIBXL_SR_REC_HDR_SIZE], pad[8];
    uint64_t at = r->off;
    libxl__sr_rec_hdr rec;
    libxl__sr_error e;
    char m[200];
    unsigned p;

    if (must(r, h, sizeof(h), "libxl record header"))
        return -1;
    libxl__sr_decode_rec_hdr(h, sizeof(h), &rec);
    if (libxl__sr_check_rec_hdr(&rec, r->xl_index, at, &e) < 0)
        return fail(r, at, "%s", libxl__sr_format_error(&e, m, sizeof(m)));
    if (grow(r, rec.length) || must(r, r->body, rec.length, "libxl record body"))
        return -1;
    p = libxl__sr_padding(rec.length);
    if (must(r, pad, p, "libxl record padding"))
        return -1;
    if (libxl__sr_check_padding(pad, p, &rec, r->xl_index, at + 8 + rec.length,
                               &e) < 0)
        return fail(r, at, "%s", libxl__sr_format_error(&e, m, sizeof(m)));
    r->xl_index++;
    it->kind = V2K_XL_REC;
    it->type = rec.type;
    it->len = rec.length;
    it->offset = at;
    it->body = r->body;
    if (rec.type == LIBXL_SR_REC_LIBXC_CONTEXT)
        r->state = ST_AFTER_XL;     /* a libxc stream follows */
    else if (rec.type == LIBXL_SR_REC_END)
        r->state = ST_DONE;
    return 1;
}

int v2r_next(v2r *r, v2_item *it)
{
    switch (r->state) {
    case ST_START:
    case ST_AFTER_XL:
        return sniff(r, it);
    case ST_XC_IHDR:
        return xc_dhdr(r, it);
    case ST_XC_RECS:
        return xc_record(r, it);
    case ST_XL_RECS:
        return xl_record(r, it);
    default:
        return 0;
    }
}

const char *v2_xc_type_name(uint32_t type)
{
    const char *name = libxc_record_name(type);

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
