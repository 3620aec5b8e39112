/*
 * libxl_sr_codec.h: the libxl migration-v2 stream format, as pure data
 * transformations.
 *
 * This is the only implementation of the format in the project.  It is
 * compiled into libxenlight (in place of upstream's format header) and into
 * xen-stream, convert-legacy-stream, the unit tests and the fuzzers.
 *
 * Rules for this file and libxl_sr_codec.c:
 *  - no I/O, no libxl, no global state, no allocation at all;
 *  - the caller owns every buffer and says how big it is;
 *  - every failure returns a negative SR_E_* code and, when an error
 *    struct is passed, fills in what went wrong, the record index and type
 *    and the absolute stream offset of the offending byte.
 *
 * The 16-octet stream header is big-endian (so that it can be read before
 * the stream's byte order is known); every other multi-octet field is
 * little-endian on the wire (the only byte order any Xen host has ever
 * written; the big-endian option bit is rejected).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef LIBXL_SR_CODEC_H
#define LIBXL_SR_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Everything declared here is internal to libxenlight, whose ABI is
 * stock libxl's: none of it may be exported from libxenlight.so.  libxl
 * marks such declarations _hidden, but that macro comes from
 * libxl_internal.h and this header is also compiled on its own into the
 * tools, so the whole header is hidden here instead.  In an executable
 * hidden visibility changes nothing.
 */
#pragma GCC visibility push(hidden)

/* ---- Wire constants (see docs/specs/libxl-stream-format.md) ---- */

/* "LibxlFmt" read as a big-endian 64-bit number. */
#define LIBXL_SR_IDENT_BYTES       "LibxlFmt"
#define LIBXL_SR_VERSION           2u
#define LIBXL_SR_OPT_BIG_ENDIAN    (1u << 0)
#define LIBXL_SR_OPT_LEGACY        (1u << 1)
#define LIBXL_SR_OPT_KNOWN         (LIBXL_SR_OPT_BIG_ENDIAN | LIBXL_SR_OPT_LEGACY)

#define LIBXL_SR_HEADER_SIZE       16u  /* ident 8, version 4, options 4 */
#define LIBXL_SR_REC_HDR_SIZE      8u   /* type 4, body length 4 */
#define LIBXL_SR_EMU_HDR_SIZE      8u   /* emulator id 4, index 4 */
#define LIBXL_SR_ALIGN             8u

#define LIBXL_SR_REC_END                    0x00000000u
#define LIBXL_SR_REC_LIBXC_CONTEXT          0x00000001u
#define LIBXL_SR_REC_EMULATOR_XENSTORE_DATA 0x00000002u
#define LIBXL_SR_REC_EMULATOR_CONTEXT       0x00000003u
#define LIBXL_SR_REC_CHECKPOINT_END         0x00000004u
#define LIBXL_SR_REC_CHECKPOINT_STATE       0x00000005u
/* Types with this bit set may be skipped by a reader that does not know them. */
#define LIBXL_SR_REC_OPTIONAL_BIT           0x80000000u

#define LIBXL_SR_EMULATOR_UNKNOWN           0u
#define LIBXL_SR_EMULATOR_QEMU_TRADITIONAL  1u
#define LIBXL_SR_EMULATOR_QEMU_UPSTREAM     2u

/*
 * Upper bounds on record bodies.  A record header claiming more is rejected
 * before anything is allocated.  LIBXC_CONTEXT has no body of its own (libxc's
 * stream follows it), EMULATOR_CONTEXT is streamed and never held in memory,
 * the others are held whole.  The caps count the whole record body,
 * emulator sub-header included, so a reader's buffer of
 * LIBXL_SR_MAX_XENSTORE_BODY octets always holds an accepted
 * EMULATOR_XENSTORE_DATA body.
 */
#define LIBXL_SR_MAX_XENSTORE_BODY   (1u << 20)          /* 1 MiB */
#define LIBXL_SR_MAX_EMULATOR_BODY   (1u << 30)          /* 1 GiB, streamed */
#define LIBXL_SR_MAX_OPTIONAL_BODY   (16u << 20)         /* 16 MiB, skipped */
#define LIBXL_SR_MAX_XS_KEY          3072u  /* xenstore's own path limit */
#define LIBXL_SR_MAX_XS_VALUE        4096u

/* ---- Names kept for the rest of libxl (libxl_colo_*.c use these) ---- */

typedef struct libxl_sr_checkpoint_state {
    uint32_t id;
} libxl_sr_checkpoint_state;

#define CHECKPOINT_NEW               0x00000000u
#define CHECKPOINT_SVM_SUSPENDED     0x00000001u
#define CHECKPOINT_SVM_READY         0x00000002u
#define CHECKPOINT_SVM_RESUMED       0x00000003u

/* ---- Decoded forms (host byte order) ---- */

typedef struct libxl__sr_hdr {
    uint32_t version;
    uint32_t options;
} libxl__sr_hdr;

typedef struct libxl__sr_rec_hdr {
    uint32_t type;
    uint32_t length;   /* body length, excluding padding */
} libxl__sr_rec_hdr;

typedef struct libxl__sr_emulator_hdr {
    uint32_t id;
    uint32_t index;
} libxl__sr_emulator_hdr;

/* ---- Errors ---- */

enum {
    SR_OK                  =   0,
    SR_E_TRUNCATED         =  -1, /* input ended inside a structure */
    SR_E_BAD_IDENT         =  -2,
    SR_E_BAD_VERSION       =  -3,
    SR_E_BIG_ENDIAN        =  -4,
    SR_E_RESERVED_OPTION   =  -5,
    SR_E_UNKNOWN_TYPE      =  -6, /* mandatory type this reader does not know */
    SR_E_TOO_LONG          =  -7, /* body length above the cap for its type */
    SR_E_BAD_LENGTH        =  -8, /* body length wrong for its type */
    SR_E_BAD_PADDING       =  -9, /* padding octet not zero */
    SR_E_BAD_EMULATOR      = -10, /* emulator id unknown or not ours */
    SR_E_BAD_KEY           = -11, /* empty, absolute, too long, bad chars */
    SR_E_BAD_VALUE         = -12, /* too long or contains bad chars */
    SR_E_UNTERMINATED      = -13, /* string missing its NUL */
    SR_E_ODD_STRINGS       = -14, /* key without a value */
    SR_E_SEQUENCE          = -15, /* record not allowed here */
    SR_E_NO_SPACE          = -16, /* caller's output buffer too small */
    SR_E_INVALID_ARG       = -17, /* caller passed nonsense */
    SR_E_BAD_FIELD         = -18, /* a field holds a value the format forbids
                                   * (used by the libxc walker in xen-stream) */
};

typedef struct libxl__sr_error {
    int code;                /* SR_E_* */
    bool libxc;              /* in libxc's stream (inside LIBXC_CONTEXT):
                              * record_index -1 is its image header, -2 its
                              * domain header, others count libxc records */
    uint64_t offset;         /* absolute stream offset of the bad octet */
    int64_t record_index;    /* 0-based; -1 for the stream header */
    uint32_t record_type;    /* valid iff record_index >= 0 */
    char detail[160];        /* short human text, NUL-terminated */
} libxl__sr_error;

/* Static English text for an SR_E_* code.  Never NULL. */
const char *libxl__sr_strerror(int code);

/*
 * Write "record N (TYPE) at offset O: strerror: detail" (or the header form)
 * into buf; for an error in libxc's stream "libxc record N (TYPE) at
 * offset O: ..." or "libxc image|domain header at offset O: ...".  Returns
 * buf.  Always NUL-terminates when len > 0.
 */
char *libxl__sr_format_error(const libxl__sr_error *err, char *buf, size_t len);

/* "END", "LIBXC_CONTEXT", ... or "OPTIONAL(0x80000010)" / "UNKNOWN(0x9)"
 * written into buf (>= 32 octets); returns buf.  libxl__sr_type_name returns
 * a static string for known types and NULL for others. */
const char *libxl__sr_type_name(uint32_t type);
char *libxl__sr_type_describe(uint32_t type, char *buf, size_t len);
const char *libxl__sr_emulator_name(uint32_t id);   /* NULL if unknown */

/* ---- Sizes ---- */

/* Body length rounded up to 8.  64-bit so that 0xFFFFFFF9.. cannot wrap. */
static inline uint64_t libxl__sr_padded_len(uint32_t body_len)
{
    return ((uint64_t)body_len + (LIBXL_SR_ALIGN - 1)) & ~(uint64_t)(LIBXL_SR_ALIGN - 1);
}
static inline unsigned libxl__sr_padding(uint32_t body_len)
{
    return (unsigned)(libxl__sr_padded_len(body_len) - body_len);
}

/* ---- Stream header ---- */

/* Encode a header with the given options into buf (>= 16 octets).
 * Returns 16 or SR_E_NO_SPACE / SR_E_INVALID_ARG (unknown option bits). */
int libxl__sr_encode_header(void *buf, size_t cap, uint32_t options);

/* Decode and validate 16 octets.  Checks ident, version, rejects big-endian
 * and reserved option bits.  offset is the stream offset of buf[0] (used
 * only for the error). */
int libxl__sr_decode_header(const void *buf, size_t len, uint64_t offset,
                           libxl__sr_hdr *out, libxl__sr_error *err);

/* ---- Record framing ---- */

/* Encode an 8-octet record header.  Returns 8 or SR_E_NO_SPACE. */
int libxl__sr_encode_rec_hdr(void *buf, size_t cap, uint32_t type,
                            uint32_t body_len);

/* Decode 8 octets into out.  No validation beyond the length of the input. */
int libxl__sr_decode_rec_hdr(const void *buf, size_t len, libxl__sr_rec_hdr *out);

/*
 * Validate a decoded record header on its own (no stream context): known
 * mandatory type or optional type, length cap for the type, exact lengths
 * (END 0, CHECKPOINT_END 0, CHECKPOINT_STATE 4, LIBXC_CONTEXT 0, emulator
 * records >= 8).  index/offset describe where it is, for the error.
 */
int libxl__sr_check_rec_hdr(const libxl__sr_rec_hdr *rec, int64_t index,
                           uint64_t offset, libxl__sr_error *err);

/* Check n padding octets are zero.  offset is the stream offset of pad[0]. */
int libxl__sr_check_padding(const void *pad, size_t n,
                           const libxl__sr_rec_hdr *rec, int64_t index,
                           uint64_t offset, libxl__sr_error *err);

/* ---- Emulator sub-header (EMULATOR_XENSTORE_DATA, EMULATOR_CONTEXT) ---- */

int libxl__sr_encode_emu_hdr(void *buf, size_t cap, uint32_t id, uint32_t index);
/* Decodes and checks the id is a known emulator (not UNKNOWN). */
int libxl__sr_decode_emu_hdr(const void *buf, size_t len,
                            const libxl__sr_rec_hdr *rec, int64_t index,
                            uint64_t offset, libxl__sr_emulator_hdr *out,
                            libxl__sr_error *err);

/* As above, for a stream whose header options are known: a stream written
 * by the legacy converter (LIBXL_SR_OPT_LEGACY) may say emulator 0
 * ("unknown": legacy images never named their device model), which then
 * stands for the guest's configured device model.  out->id is left 0 for
 * the caller to resolve. */
int libxl__sr_decode_emu_hdr_opts(const void *buf, size_t len,
                                 uint32_t stream_options,
                                 const libxl__sr_rec_hdr *rec, int64_t index,
                                 uint64_t offset, libxl__sr_emulator_hdr *out,
                                 libxl__sr_error *err);

/* ---- CHECKPOINT_STATE body ---- */

int libxl__sr_encode_checkpoint_state(void *buf, size_t cap, uint32_t id);
int libxl__sr_decode_checkpoint_state(const void *buf, size_t len,
                                     int64_t index, uint64_t offset,
                                     uint32_t *id_out, libxl__sr_error *err);

/* ---- Emulator xenstore body: packed "key\0value\0" pairs ---- */

/*
 * Keys are relative to the device model's xenstore directory: non-empty,
 * not starting with '/', no "//", not ending in '/', only [A-Za-z0-9/_@-],
 * at most LIBXL_SR_MAX_XS_KEY octets.  Values: at most LIBXL_SR_MAX_XS_VALUE
 * octets, printable ASCII (0x20..0x7e).
 */
bool libxl__sr_xs_key_ok(const char *key, size_t len);
bool libxl__sr_xs_value_ok(const char *val, size_t len);

/* Append one pair at *used in buf.  SR_E_NO_SPACE, SR_E_BAD_KEY or
 * SR_E_BAD_VALUE leave *used unchanged. */
int libxl__sr_xs_append(void *buf, size_t cap, size_t *used,
                       const char *key, const char *val);

/* Iterator over a body (the part after the emulator sub-header). */
typedef struct libxl__sr_xs_iter {
    const char *body;
    size_t len;
    size_t pos;
    uint64_t base_offset;   /* stream offset of body[0] */
    int64_t index;          /* record index, for errors */
    uint32_t type;
} libxl__sr_xs_iter;

void libxl__sr_xs_iter_init(libxl__sr_xs_iter *it, const void *body, size_t len,
                           int64_t index, uint64_t base_offset);
/* Returns 1 with *key and *val pointing into the body, 0 at the end, or a
 * negative SR_E_* (with err filled) for a malformed body. */
int libxl__sr_xs_next(libxl__sr_xs_iter *it, const char **key, size_t *key_len,
                     const char **val, size_t *val_len, libxl__sr_error *err);
/* Walk the whole body; returns the pair count or a negative SR_E_*. */
int libxl__sr_xs_validate(const void *body, size_t len, int64_t index,
                         uint64_t base_offset, libxl__sr_error *err);

/* ---- The framer: what comes next, and how many octets ---- */

#include "libxl_sr_framer.h"

#pragma GCC visibility pop

#endif /* LIBXL_SR_CODEC_H */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
