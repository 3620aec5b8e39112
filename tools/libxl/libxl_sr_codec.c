/*
 * libxl_sr_codec.c: encode, decode and validate the libxl migration-v2
 * stream format.  See libxl_sr_codec.h for the contract and
 * docs/specs/libxl-stream-format.md for the format itself.
 *
 * Everything here works on caller-owned memory and reports through return
 * codes plus an optional libxl__sr_error, so that libxenlight, the tools,
 * the unit tests and the fuzzers all share exactly one parser.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libxl_sr_codec.h"

/* ---- Byte order helpers: the wire is fixed, the host is whatever. ---- */

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The stream header alone is big-endian (it was meant to be readable by a
 * reader that does not yet know the stream's byte order). */
static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* ---- Errors ---- */

static int set_error(libxl__sr_error *err, int code, int64_t index,
                     uint32_t type, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int set_error(libxl__sr_error *err, int code, int64_t index,
                     uint32_t type, uint64_t offset, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->libxc = false;
    err->offset = offset;
    err->record_index = index;
    err->record_type = index >= 0 ? type : 0;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return code;
}

const char *libxl__sr_strerror(int code)
{
    switch (code) {
    case SR_OK:                return "success";
    case SR_E_TRUNCATED:       return "truncated";
    case SR_E_BAD_IDENT:       return "bad ident";
    case SR_E_BAD_VERSION:     return "unsupported version";
    case SR_E_BIG_ENDIAN:      return "big-endian stream";
    case SR_E_RESERVED_OPTION: return "reserved option bit set";
    case SR_E_UNKNOWN_TYPE:    return "unknown mandatory record type";
    case SR_E_TOO_LONG:        return "record body too long";
    case SR_E_BAD_LENGTH:      return "bad record body length";
    case SR_E_BAD_PADDING:     return "non-zero padding";
    case SR_E_BAD_EMULATOR:    return "bad emulator id";
    case SR_E_BAD_KEY:         return "bad xenstore key";
    case SR_E_BAD_VALUE:       return "bad xenstore value";
    case SR_E_UNTERMINATED:    return "unterminated string";
    case SR_E_ODD_STRINGS:     return "key without value";
    case SR_E_SEQUENCE:        return "record out of sequence";
    case SR_E_NO_SPACE:        return "output buffer too small";
    case SR_E_INVALID_ARG:     return "invalid argument";
    case SR_E_BAD_FIELD:       return "bad field value";
    default:                   return "unknown error";
    }
}

/* libxc's part of the stream: its own headers and record numbering. */
static void format_libxc_error(const libxl__sr_error *err, char *buf,
                               size_t len)
{
    const char *sep = err->detail[0] ? ": " : "";
    const char *name = libxl__sr_xc_type_name(err->record_type);
    char what[48];

    if (err->record_index < 0) {
        snprintf(buf, len, "libxc %s header at offset %llu: %s%s%s",
                 err->record_index == LIBXL__SR_INDEX_HEADER ? "image"
                                                             : "domain",
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code), sep, err->detail);
        return;
    }
    if (err->code == SR_E_TRUNCATED && err->record_type == 0xffffffffu)
        snprintf(what, sizeof(what), "header incomplete");
    else if (name)
        snprintf(what, sizeof(what), "%s", name);
    else
        snprintf(what, sizeof(what), "type 0x%08x", err->record_type);
    snprintf(buf, len, "libxc record %lld (%s) at offset %llu: %s%s%s",
             (long long)err->record_index, what,
             (unsigned long long)err->offset, libxl__sr_strerror(err->code),
             sep, err->detail);
}

char *libxl__sr_format_error(const libxl__sr_error *err, char *buf, size_t len)
{
    char tname[32];

    if (!buf || len == 0)
        return buf;
    if (!err) {
        snprintf(buf, len, "no error information");
        return buf;
    }
    if (err->libxc)
        format_libxc_error(err, buf, len);
    else if (err->record_index < 0)
        snprintf(buf, len, "stream header at offset %llu: %s%s%s",
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code),
                 err->detail[0] ? ": " : "", err->detail);
    else
        snprintf(buf, len, "record %lld (%s) at offset %llu: %s%s%s",
                 (long long)err->record_index,
                 libxl__sr_type_describe(err->record_type, tname,
                                        sizeof(tname)),
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code),
                 err->detail[0] ? ": " : "", err->detail);
    return buf;
}

/* ---- Names ---- */

const char *libxl__sr_type_name(uint32_t type)
{
    switch (type) {
    case LIBXL_SR_REC_END:                    return "END";
    case LIBXL_SR_REC_LIBXC_CONTEXT:          return "LIBXC_CONTEXT";
    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA: return "EMULATOR_XENSTORE_DATA";
    case LIBXL_SR_REC_EMULATOR_CONTEXT:       return "EMULATOR_CONTEXT";
    case LIBXL_SR_REC_CHECKPOINT_END:         return "CHECKPOINT_END";
    case LIBXL_SR_REC_CHECKPOINT_STATE:       return "CHECKPOINT_STATE";
    default:                                  return NULL;
    }
}

char *libxl__sr_type_describe(uint32_t type, char *buf, size_t len)
{
    const char *name = libxl__sr_type_name(type);

    if (!buf || len == 0)
        return buf;
    if (name)
        snprintf(buf, len, "%s", name);
    else if (type & LIBXL_SR_REC_OPTIONAL_BIT)
        snprintf(buf, len, "OPTIONAL(0x%08x)", type);
    else
        snprintf(buf, len, "UNKNOWN(0x%x)", type);
    return buf;
}

const char *libxl__sr_emulator_name(uint32_t id)
{
    switch (id) {
    case LIBXL_SR_EMULATOR_UNKNOWN:          return "unknown";
    case LIBXL_SR_EMULATOR_QEMU_TRADITIONAL: return "qemu-traditional";
    case LIBXL_SR_EMULATOR_QEMU_UPSTREAM:    return "qemu-upstream";
    default:                                 return NULL;
    }
}

/* ---- Stream header ---- */

int libxl__sr_encode_header(void *buf, size_t cap, uint32_t options)
{
    unsigned char *p = buf;

    if (!buf || (options & ~LIBXL_SR_OPT_KNOWN))
        return SR_E_INVALID_ARG;
    if (cap < LIBXL_SR_HEADER_SIZE)
        return SR_E_NO_SPACE;
    memcpy(p, LIBXL_SR_IDENT_BYTES, 8);
    put_be32(p + 8, LIBXL_SR_VERSION);
    put_be32(p + 12, options);
    return LIBXL_SR_HEADER_SIZE;
}

int libxl__sr_decode_header(const void *buf, size_t len, uint64_t offset,
                           libxl__sr_hdr *out, libxl__sr_error *err)
{
    const unsigned char *p = buf;
    libxl__sr_hdr h;

    if (!buf || !out)
        return set_error(err, SR_E_INVALID_ARG, -1, 0, offset,
                         "no buffer");
    if (len < LIBXL_SR_HEADER_SIZE)
        return set_error(err, SR_E_TRUNCATED, -1, 0, offset + len,
                         "header needs %u octets, have %zu",
                         LIBXL_SR_HEADER_SIZE, len);
    if (memcmp(p, LIBXL_SR_IDENT_BYTES, 8) != 0)
        return set_error(err, SR_E_BAD_IDENT, -1, 0, offset,
                         "ident is not \"LibxlFmt\"");
    h.version = get_be32(p + 8);
    h.options = get_be32(p + 12);
    if (h.version != LIBXL_SR_VERSION)
        return set_error(err, SR_E_BAD_VERSION, -1, 0, offset + 8,
                         "version %u, expected %u", h.version,
                         LIBXL_SR_VERSION);
    if (h.options & LIBXL_SR_OPT_BIG_ENDIAN)
        return set_error(err, SR_E_BIG_ENDIAN, -1, 0, offset + 12,
                         "options 0x%08x", h.options);
    if (h.options & ~LIBXL_SR_OPT_KNOWN)
        return set_error(err, SR_E_RESERVED_OPTION, -1, 0, offset + 12,
                         "options 0x%08x", h.options);
    *out = h;
    return LIBXL_SR_HEADER_SIZE;
}

/* ---- Record framing ---- */

int libxl__sr_encode_rec_hdr(void *buf, size_t cap, uint32_t type,
                            uint32_t body_len)
{
    unsigned char *p = buf;

    if (!buf)
        return SR_E_INVALID_ARG;
    if (cap < LIBXL_SR_REC_HDR_SIZE)
        return SR_E_NO_SPACE;
    put_le32(p, type);
    put_le32(p + 4, body_len);
    return LIBXL_SR_REC_HDR_SIZE;
}

int libxl__sr_decode_rec_hdr(const void *buf, size_t len, libxl__sr_rec_hdr *out)
{
    const unsigned char *p = buf;

    if (!buf || !out)
        return SR_E_INVALID_ARG;
    if (len < LIBXL_SR_REC_HDR_SIZE)
        return SR_E_TRUNCATED;
    out->type = get_le32(p);
    out->length = get_le32(p + 4);
    return LIBXL_SR_REC_HDR_SIZE;
}

/* Both the length check and the error point at the length field, which is
 * the octet a reader would have to change to make the record acceptable. */
static int expect_len(const libxl__sr_rec_hdr *rec, uint32_t want,
                      int64_t index, uint64_t offset, libxl__sr_error *err)
{
    if (rec->length == want)
        return SR_OK;
    return set_error(err, SR_E_BAD_LENGTH, index, rec->type, offset + 4,
                     "body length %u, must be %u", rec->length, want);
}

static int expect_range(const libxl__sr_rec_hdr *rec, uint32_t min,
                        uint32_t max, int64_t index, uint64_t offset,
                        libxl__sr_error *err)
{
    if (rec->length < min)
        return set_error(err, SR_E_BAD_LENGTH, index, rec->type, offset + 4,
                         "body length %u, must be at least %u",
                         rec->length, min);
    if (rec->length > max)
        return set_error(err, SR_E_TOO_LONG, index, rec->type, offset + 4,
                         "body length %u exceeds the cap of %u",
                         rec->length, max);
    return SR_OK;
}

int libxl__sr_check_rec_hdr(const libxl__sr_rec_hdr *rec, int64_t index,
                           uint64_t offset, libxl__sr_error *err)
{
    if (!rec)
        return set_error(err, SR_E_INVALID_ARG, index, 0, offset,
                         "no record header");

    switch (rec->type) {
    case LIBXL_SR_REC_END:
    case LIBXL_SR_REC_LIBXC_CONTEXT:
    case LIBXL_SR_REC_CHECKPOINT_END:
        return expect_len(rec, 0, index, offset, err);
    case LIBXL_SR_REC_CHECKPOINT_STATE:
        return expect_len(rec, 4, index, offset, err);
    case LIBXL_SR_REC_EMULATOR_XENSTORE_DATA:
        /* The cap covers the sub-header too: it bounds what a reader must
         * hold in memory for this record. */
        return expect_range(rec, LIBXL_SR_EMU_HDR_SIZE,
                            LIBXL_SR_MAX_XENSTORE_BODY, index, offset, err);
    case LIBXL_SR_REC_EMULATOR_CONTEXT:
        return expect_range(rec, LIBXL_SR_EMU_HDR_SIZE,
                            LIBXL_SR_MAX_EMULATOR_BODY, index, offset, err);
    default:
        if (rec->type & LIBXL_SR_REC_OPTIONAL_BIT)
            return expect_range(rec, 0, LIBXL_SR_MAX_OPTIONAL_BODY,
                                index, offset, err);
        return set_error(err, SR_E_UNKNOWN_TYPE, index, rec->type, offset,
                         "type 0x%08x is reserved for mandatory records",
                         rec->type);
    }
}

int libxl__sr_check_padding(const void *pad, size_t n,
                           const libxl__sr_rec_hdr *rec, int64_t index,
                           uint64_t offset, libxl__sr_error *err)
{
    const unsigned char *p = pad;
    uint32_t type = rec ? rec->type : 0;
    size_t i;

    if (n >= LIBXL_SR_ALIGN || (n && !pad))
        return set_error(err, SR_E_INVALID_ARG, index, type, offset,
                         "%zu padding octets", n);
    for (i = 0; i < n; i++)
        if (p[i])
            return set_error(err, SR_E_BAD_PADDING, index, type, offset + i,
                             "padding octet %zu is 0x%02x", i, p[i]);
    return SR_OK;
}

/* ---- Emulator sub-header ---- */

int libxl__sr_encode_emu_hdr(void *buf, size_t cap, uint32_t id, uint32_t index)
{
    unsigned char *p = buf;

    if (!buf)
        return SR_E_INVALID_ARG;
    if (cap < LIBXL_SR_EMU_HDR_SIZE)
        return SR_E_NO_SPACE;
    put_le32(p, id);
    put_le32(p + 4, index);
    return LIBXL_SR_EMU_HDR_SIZE;
}

int libxl__sr_decode_emu_hdr(const void *buf, size_t len,
                            const libxl__sr_rec_hdr *rec, int64_t index,
                            uint64_t offset, libxl__sr_emulator_hdr *out,
                            libxl__sr_error *err)
{
    const unsigned char *p = buf;
    uint32_t type = rec ? rec->type : 0;
    uint32_t id;

    if (!buf || !out)
        return set_error(err, SR_E_INVALID_ARG, index, type, offset,
                         "no buffer");
    if (len < LIBXL_SR_EMU_HDR_SIZE)
        return set_error(err, SR_E_TRUNCATED, index, type, offset + len,
                         "emulator sub-header needs %u octets, have %zu",
                         LIBXL_SR_EMU_HDR_SIZE, len);
    id = get_le32(p);
    /* UNKNOWN only ever appears in converted legacy streams, and the
     * converter always knows which device model it was; a stream that
     * still says UNKNOWN cannot be routed to a device model. */
    if (id != LIBXL_SR_EMULATOR_QEMU_TRADITIONAL &&
        id != LIBXL_SR_EMULATOR_QEMU_UPSTREAM)
        return set_error(err, SR_E_BAD_EMULATOR, index, type, offset,
                         "emulator id %u", id);
    out->id = id;
    out->index = get_le32(p + 4);
    return LIBXL_SR_EMU_HDR_SIZE;
}

int libxl__sr_decode_emu_hdr_opts(const void *buf, size_t len,
                                 uint32_t stream_options,
                                 const libxl__sr_rec_hdr *rec, int64_t index,
                                 uint64_t offset, libxl__sr_emulator_hdr *out,
                                 libxl__sr_error *err)
{
    const unsigned char *p = buf;

    if ((stream_options & LIBXL_SR_OPT_LEGACY) && buf && out &&
        len >= LIBXL_SR_EMU_HDR_SIZE &&
        get_le32(p) == LIBXL_SR_EMULATOR_UNKNOWN) {
        out->id = LIBXL_SR_EMULATOR_UNKNOWN;
        out->index = get_le32(p + 4);
        return LIBXL_SR_EMU_HDR_SIZE;
    }
    return libxl__sr_decode_emu_hdr(buf, len, rec, index, offset, out, err);
}

/* ---- CHECKPOINT_STATE ---- */

int libxl__sr_encode_checkpoint_state(void *buf, size_t cap, uint32_t id)
{
    if (!buf)
        return SR_E_INVALID_ARG;
    if (cap < 4)
        return SR_E_NO_SPACE;
    put_le32(buf, id);
    return 4;
}

int libxl__sr_decode_checkpoint_state(const void *buf, size_t len,
                                     int64_t index, uint64_t offset,
                                     uint32_t *id_out, libxl__sr_error *err)
{
    if (!buf || !id_out)
        return set_error(err, SR_E_INVALID_ARG, index,
                         LIBXL_SR_REC_CHECKPOINT_STATE, offset, "no buffer");
    if (len != 4)
        return set_error(err, len < 4 ? SR_E_TRUNCATED : SR_E_BAD_LENGTH,
                         index, LIBXL_SR_REC_CHECKPOINT_STATE, offset,
                         "state body is %zu octets, must be 4", len);
    *id_out = get_le32(buf);
    return 4;
}

/* ---- Xenstore body ---- */

static bool key_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '@' ||
           c == '-';
}

/* Returns the index of the first offending octet, or len if all is well. */
static size_t key_bad_at(const char *key, size_t len)
{
    size_t i;

    if (len == 0 || len > LIBXL_SR_MAX_XS_KEY)
        return 0;
    if (key[0] == '/')
        return 0;
    for (i = 0; i < len; i++) {
        if (!key_char_ok(key[i]))
            return i;
        if (key[i] == '/' && i > 0 && key[i - 1] == '/')
            return i;
    }
    if (key[len - 1] == '/')
        return len - 1;
    return len;
}

static size_t value_bad_at(const char *val, size_t len)
{
    size_t i;

    if (len > LIBXL_SR_MAX_XS_VALUE)
        return LIBXL_SR_MAX_XS_VALUE;
    for (i = 0; i < len; i++)
        if ((unsigned char)val[i] < 0x20 || (unsigned char)val[i] > 0x7e)
            return i;
    return len;
}

bool libxl__sr_xs_key_ok(const char *key, size_t len)
{
    return key && key_bad_at(key, len) == len && len > 0;
}

bool libxl__sr_xs_value_ok(const char *val, size_t len)
{
    return (val || len == 0) && value_bad_at(val, len) == len;
}

int libxl__sr_xs_append(void *buf, size_t cap, size_t *used,
                       const char *key, const char *val)
{
    size_t klen, vlen, need;
    char *p = buf;

    if (!buf || !used || !key || !val || *used > cap)
        return SR_E_INVALID_ARG;
    klen = strlen(key);
    vlen = strlen(val);
    if (!libxl__sr_xs_key_ok(key, klen))
        return SR_E_BAD_KEY;
    if (!libxl__sr_xs_value_ok(val, vlen))
        return SR_E_BAD_VALUE;
    need = klen + 1 + vlen + 1;
    if (need > cap - *used)
        return SR_E_NO_SPACE;
    memcpy(p + *used, key, klen + 1);
    memcpy(p + *used + klen + 1, val, vlen + 1);
    *used += need;
    return SR_OK;
}

void libxl__sr_xs_iter_init(libxl__sr_xs_iter *it, const void *body, size_t len,
                           int64_t index, uint64_t base_offset)
{
    it->body = body;
    it->len = body ? len : 0;
    it->pos = 0;
    it->base_offset = base_offset;
    it->index = index;
    it->type = LIBXL_SR_REC_EMULATOR_XENSTORE_DATA;
}

int libxl__sr_xs_next(libxl__sr_xs_iter *it, const char **key, size_t *key_len,
                     const char **val, size_t *val_len, libxl__sr_error *err)
{
    const char *k, *v, *nul;
    size_t klen, vlen, bad, vpos;

    if (!it || !key || !key_len || !val || !val_len)
        return SR_E_INVALID_ARG;
    if (it->pos >= it->len)
        return 0;

    k = it->body + it->pos;
    nul = memchr(k, '\0', it->len - it->pos);
    if (!nul)
        return set_error(err, SR_E_UNTERMINATED, it->index, it->type,
                         it->base_offset + it->len,
                         "key at body offset %zu has no NUL", it->pos);
    klen = (size_t)(nul - k);
    bad = key_bad_at(k, klen);
    if (bad != klen || klen == 0)
        return set_error(err, SR_E_BAD_KEY, it->index, it->type,
                         it->base_offset + it->pos + bad,
                         klen == 0 ? "empty key" :
                         klen > LIBXL_SR_MAX_XS_KEY ? "key longer than %u" :
                         k[0] == '/' ? "absolute key" :
                         "illegal character or empty path component",
                         LIBXL_SR_MAX_XS_KEY);

    vpos = it->pos + klen + 1;
    if (vpos >= it->len)
        return set_error(err, SR_E_ODD_STRINGS, it->index, it->type,
                         it->base_offset + vpos,
                         "key \"%.40s\" has no value", k);
    v = it->body + vpos;
    nul = memchr(v, '\0', it->len - vpos);
    if (!nul)
        return set_error(err, SR_E_UNTERMINATED, it->index, it->type,
                         it->base_offset + it->len,
                         "value of key \"%.40s\" has no NUL", k);
    vlen = (size_t)(nul - v);
    bad = value_bad_at(v, vlen);
    if (bad != vlen)
        return set_error(err, SR_E_BAD_VALUE, it->index, it->type,
                         it->base_offset + vpos + bad,
                         vlen > LIBXL_SR_MAX_XS_VALUE ?
                         "value of key \"%.40s\" longer than %u" :
                         "value of key \"%.40s\" has a non-printable octet",
                         k, LIBXL_SR_MAX_XS_VALUE);

    *key = k;
    *key_len = klen;
    *val = v;
    *val_len = vlen;
    it->pos = vpos + vlen + 1;
    return 1;
}

int libxl__sr_xs_validate(const void *body, size_t len, int64_t index,
                         uint64_t base_offset, libxl__sr_error *err)
{
    libxl__sr_xs_iter it;
    const char *k, *v;
    size_t kl, vl;
    int n = 0, r;

    if (!body && len)
        return SR_E_INVALID_ARG;
    libxl__sr_xs_iter_init(&it, body, len, index, base_offset);
    while ((r = libxl__sr_xs_next(&it, &k, &kl, &v, &vl, err)) == 1)
        n++;
    return r < 0 ? r : n;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
