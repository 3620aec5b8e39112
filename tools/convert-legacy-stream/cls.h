/*
 * cls.h: internals of convert-legacy-stream, the C converter from the
 * pre-Xen-4.6 ("legacy") save format to the migration-v2 format.
 *
 * Layout of the program:
 *   cls_io.c       byte source / byte sink with offset bookkeeping
 *   cls_emit.c     writers for libxc-v2 records and (through the project's
 *                  codec) libxl-v2 records
 *   cls_convert.c  the legacy parser, one phase after another
 *   main.c         the command line
 *
 * The converter never looks further ahead in its input than the field it
 * is decoding: over a migration socket the bytes after the legacy stream
 * belong to xl, not to us.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef CLS_H
#define CLS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- Outcome classes, which are also the process exit codes ---- */

enum {
    CLS_OK = 0,
    CLS_BAD_INPUT = 1,     /* malformed or truncated input, or an I/O error */
    CLS_UNSUPPORTED = 2,   /* valid legacy feature this converter lacks, or
                            * a usage error */
    CLS_ALREADY_V2 = 3,    /* the input is a migration-v2 stream already:
                            * nothing to convert, nothing written */
};

/* ---- Byte source ---- */

/* Returns bytes read (0 at end of input) or -1 with errno set. */
typedef ssize_t cls_pull_fn(void *opaque, void *buf, size_t len);
/* Returns 0 or -1 with errno set; must consume all of buf. */
typedef int cls_push_fn(void *opaque, const void *buf, size_t len);

typedef struct cls_source {
    cls_pull_fn *pull;
    void *opaque;
    uint64_t offset;        /* bytes consumed so far */
} cls_source;

typedef struct cls_sink {
    cls_push_fn *push;
    void *opaque;
    uint64_t written;       /* bytes accepted so far (buffered included) */
    unsigned char *buf;     /* staging buffer, CLS_SINK_BUF octets */
    size_t used;
} cls_sink;

#define CLS_SINK_BUF  (256u * 1024u)

/* Memory source, for the fuzzer and the unit tests. */
typedef struct cls_memsrc {
    const unsigned char *data;
    size_t len, pos;
} cls_memsrc;

ssize_t cls_pull_fd(void *opaque, void *buf, size_t len);  /* opaque: int * */
int cls_push_fd(void *opaque, const void *buf, size_t len);
ssize_t cls_pull_mem(void *opaque, void *buf, size_t len); /* cls_memsrc * */
int cls_push_null(void *opaque, const void *buf, size_t len);

/* ---- Job: options, I/O and everything learnt about the guest ---- */

#define CLS_MAX_BATCH        1024u      /* pages per legacy batch */
#define CLS_MAX_VCPU_ID      4095u
#define CLS_VCPU_WORDS       ((CLS_MAX_VCPU_ID + 1) / 64)
#define CLS_MAX_HVM_PARAMS   64u        /* pairs gathered from chunks */
#define CLS_MAX_XSAVE        (1u << 20) /* per-vcpu extended state */
#define CLS_MAX_TOOLSTACK    (1u << 20) /* one legacy toolstack chunk */
#define CLS_PAGE             4096u
#define CLS_AHEAD            48u        /* an xl save-file header */

typedef struct cls_job {
    /* Filled in by the caller. */
    unsigned word;          /* legacy toolstack's sizeof(unsigned long): 4/8 */
    bool hvm;
    bool libxl;             /* wrap in a libxl-v2 stream */
    bool skip_qemu;         /* libxc output only: drop the device model tail */
    bool xl_header;         /* input starts with xl's save-file header */
    int verbose;
    const char *prog;       /* for messages */
    cls_source *in;
    cls_sink *out;

    /* Filled in while converting. */
    int status;             /* CLS_* of the first failure */
    unsigned char ahead[CLS_AHEAD];   /* read to identify the input, not
                                       * yet consumed (cls_peek) */
    unsigned ahead_len, ahead_pos;
    char message[512];

    uint64_t p2m_size;
    unsigned guest_width;   /* PV: 4 or 8, from the "vcpu" block size */
    unsigned pt_levels;
    uint32_t vcpu_ctx_len;
    bool have_vcpu_block;
    bool ext_vcpu;          /* "extv" seen: 128 octets per vcpu follow */
    uint32_t xsave_len;     /* "xcnt" seen: per-vcpu xsave size + 16 */
    bool vcpu_info_seen;
    uint64_t vcpu_online[CLS_VCPU_WORDS];

    unsigned n_params;
    uint64_t params[CLS_MAX_HVM_PARAMS][2];   /* index, value */

    char *xs_body;          /* EMULATOR_XENSTORE_DATA pairs, lazily made */
    size_t xs_used;

    /* Counters for --verbose and the tests. */
    uint64_t batches, pages, dropped_xtab;

    /* Scratch, sized by our constants only. */
    uint64_t raw_pfns[CLS_MAX_BATCH];
    uint64_t v2_pfns[CLS_MAX_BATCH];
    unsigned char copybuf[64 * 1024];
} cls_job;

/* Set up / tear down a job (the caller fills the option fields after init). */
void cls_job_init(cls_job *job);
void cls_job_dispose(cls_job *job);

/* Run the conversion.  Returns CLS_OK or the failure class; job->message
 * then holds one line naming the problem and the input offset. */
int cls_convert(cls_job *job);

/* ---- Failure reporting (cls_convert.c) ---- */

/* Record a failure at input offset off (the first one wins); returns -1. */
int cls_fail_at(cls_job *job, int status, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cls_info(cls_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Reading (cls_io.c) ---- */

/* Read exactly len octets describing `what`; on a short read fails with
 * CLS_BAD_INPUT naming what and the offset.  Returns 0 or -1. */
int cls_read(cls_job *job, void *buf, size_t len, const char *what);
int cls_read_u32(cls_job *job, uint32_t *v, const char *what);
int cls_read_u64(cls_job *job, uint64_t *v, const char *what);
/* An unsigned long of the legacy toolstack (job->word octets). */
int cls_read_word(cls_job *job, uint64_t *v, const char *what);
/* Consume and drop n octets. */
int cls_skip(cls_job *job, uint64_t n, const char *what);
/* Have the first n (<= CLS_AHEAD) octets of the input read into
 * job->ahead without consuming them: the reads above return them first.
 * Fewer only at end of input.  Returns the count, or -1 on a read error. */
int cls_peek(cls_job *job, size_t n);

/* ---- Writing (cls_io.c) ---- */

void cls_sink_init(cls_sink *s, unsigned char *buf, cls_push_fn *push,
                   void *opaque);
int cls_put(cls_job *job, const void *buf, size_t len);
int cls_flush(cls_job *job);
/* Copy n octets from the input to the output unchanged. */
int cls_copy(cls_job *job, uint64_t n, const char *what);

/* ---- v2 records (cls_emit.c) ---- */

/* libxc-v2 record types we produce. */
#define XC2_REC_END              0x00u
#define XC2_REC_PAGE_DATA        0x01u
#define XC2_REC_PV_INFO          0x02u
#define XC2_REC_PV_P2M_FRAMES    0x03u
#define XC2_REC_PV_VCPU_BASIC    0x04u
#define XC2_REC_PV_VCPU_EXTENDED 0x05u
#define XC2_REC_PV_VCPU_XSAVE    0x06u
#define XC2_REC_SHARED_INFO      0x07u
#define XC2_REC_TSC_INFO         0x08u
#define XC2_REC_HVM_CONTEXT      0x09u
#define XC2_REC_HVM_PARAMS       0x0au
#define XC2_REC_STATIC_DATA_END  0x10u

#define XC2_DOM_X86_PV           1u
#define XC2_DOM_X86_HVM          2u

/* libxc's image and domain headers (format version 3). */
int cls_emit_xc_headers(cls_job *job);
/* Record header; the caller then writes exactly body_len octets and calls
 * cls_emit_pad(body_len). */
int cls_emit_rec_hdr(cls_job *job, uint32_t type, uint32_t body_len);
int cls_emit_pad(cls_job *job, uint32_t body_len);
/* Whole record from memory. */
int cls_emit_rec(cls_job *job, uint32_t type, const void *body, uint32_t len);

/* libxl layer, encoded by libxl_sr_codec. */
int cls_emit_xl_header(cls_job *job);
int cls_emit_xl_rec_hdr(cls_job *job, uint32_t type, uint32_t body_len);
int cls_emit_xl_pad(cls_job *job, uint32_t body_len);
int cls_emit_xl_emu_hdr(cls_job *job, uint32_t type, uint32_t payload_len);

/* ---- Little-endian helpers ---- */

static inline void cls_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static inline void cls_le32(unsigned char *p, uint32_t v)
{
    cls_le16(p, (uint16_t)v);
    cls_le16(p + 2, (uint16_t)(v >> 16));
}
static inline void cls_le64(unsigned char *p, uint64_t v)
{
    cls_le32(p, (uint32_t)v);
    cls_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t cls_get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t cls_get_le64(const unsigned char *p)
{
    return (uint64_t)cls_get_le32(p) | (uint64_t)cls_get_le32(p + 4) << 32;
}

#endif /* CLS_H */
