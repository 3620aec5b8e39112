/*
 * xl_zstd.h: the zstd-compressed section of an xl save file or migration
 * stream (`xl save -z`, `xl migrate -z`), shared by xl and xen-stream.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 *
 * When the xl header carries XL_ZSTD_MANDATORY_FLAG, everything libxl
 * writes after the header and its optional data is sent as
 *
 *     zstd frame, zstd frame, ..., end mark
 *
 * The end mark is an empty zstd skippable frame with magic
 * XL_ZSTD_END_MAGIC (8 octets: the magic and a zero length, both
 * little-endian).  It tells a receiver where the compressed section ends
 * without reading past it: on a migration channel xl's own handshake
 * follows on the same file descriptor.  A sender starts a new frame every
 * XL_ZSTD_FRAME_INPUT octets of input, so that it can change the level
 * between frames.
 *
 * The decoder (xlz_dec) does no I/O and never asks for an octet beyond
 * the end mark; its memory is bounded by XL_ZSTD_WINDOW_LOG_MAX whatever
 * the input says.  The encoder (xlz_enc) writes to a file descriptor.
 * The pumps copy between two descriptors, for xl's threads.
 */
#ifndef XL_ZSTD_H
#define XL_ZSTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bit 2 of the xl header's mandatory flags. */
#define XL_ZSTD_MANDATORY_FLAG  (1U << 2)
#define XL_ZSTD_FRAME_MAGIC     0xFD2FB528U
#define XL_ZSTD_END_MAGIC       0x184D2A5EU
#define XL_ZSTD_END_MARK_SIZE   8
/* 16 MiB: zstd levels up to 19 need no more; ours use 512 KiB. */
#define XL_ZSTD_WINDOW_LOG_MAX  24
#define XL_ZSTD_FRAME_INPUT     (8U << 20)
/* The level of `xl save -z`, and where `xl migrate -z` starts. */
#define XL_ZSTD_DEFAULT_LEVEL   1

struct ZSTD_DCtx_s;
struct ZSTD_CCtx_s;

/* ---- decoding ---- */

typedef struct xlz_dec {
    /* Caller-set, after xlz_dec_init. */
    bool need_end_mark;     /* false: a bare .zst file, EOF may end it */
    uint64_t base;          /* offset of the section, for messages */

    /* Results. */
    uint64_t in_octets;     /* compressed octets consumed */
    uint64_t out_octets;    /* octets produced */
    uint64_t frames;        /* zstd frames completed */
    bool ended;             /* the end mark was read */
    char err[200];          /* after a failure: what and where */
    uint64_t err_offset;    /* where (base included) */

    /* Private. */
    struct ZSTD_DCtx_s *dctx;
    int state;
    unsigned char head[XL_ZSTD_END_MARK_SIZE];
    size_t head_have, head_fed;
    uint64_t frame_offset;  /* where the current frame started */
    size_t hint;
} xlz_dec;

/* 0, or -1 when out of memory. */
int xlz_dec_init(xlz_dec *d);
void xlz_dec_dispose(xlz_dec *d);

/*
 * Most octets the decoder may be given next without going past the end
 * of the compressed section; 0 once it has ended.  Read more input only
 * when the previous call used all it was given.
 */
size_t xlz_dec_want(const xlz_dec *d);

/*
 * Decompress in[0..in_len) into out[0..out_cap).  *in_used and *out_len
 * say how much was used and produced.  When out filled up, call again
 * with the rest of the input (possibly none) before reading more.
 * 0, or -1 with d->err naming the offset (base + compressed octets).
 */
int xlz_dec_run(xlz_dec *d, const void *in, size_t in_len, size_t *in_used,
                void *out, size_t out_cap, size_t *out_len);

/* The input has ended: 0 if the section was complete, else -1 (d->err). */
int xlz_dec_finish(xlz_dec *d);

/* ---- encoding ---- */

typedef struct xlz_enc {
    /* Caller-set, after xlz_enc_init. */
    int fd;                 /* where the compressed octets go */
    bool adapt;             /* lower the level while the output never waits */

    /* Results. */
    int level;              /* of the next frame */
    int min_level_used;
    uint64_t in_octets, out_octets, frames;
    int err;                /* errno of the failed write */

    /* Private. */
    struct ZSTD_CCtx_s *cctx;
    unsigned char *out;
    size_t out_cap;
    uint64_t frame_in;
    bool in_frame;
    int64_t frame_ns_compress, frame_ns_write;
} xlz_enc;

/* 0, or -1 when out of memory. */
int xlz_enc_init(xlz_enc *e, int fd, int level);
void xlz_enc_dispose(xlz_enc *e);
/* 0, or -1 with e->err set. */
int xlz_enc_write(xlz_enc *e, const void *buf, size_t len);
/* End the last frame and, if asked, write the end mark. */
int xlz_enc_finish(xlz_enc *e, bool end_mark);

/* ---- pumps (xl's threads) ---- */

/*
 * Copy in_fd to out_fd compressed until EOF on in_fd, then write the end
 * mark.  0, or -1 with a message in msg.
 */
int xlz_pump_compress(int in_fd, int out_fd, int level, bool adapt,
                      xlz_enc *stats, char *msg, size_t msg_len);

/*
 * Copy the compressed section on in_fd to out_fd decompressed, reading
 * nothing after the end mark.  base: the section's offset in in_fd, for
 * messages.  0, or -1 with a message in msg.
 */
int xlz_pump_decompress(int in_fd, int out_fd, uint64_t base,
                        xlz_dec *stats, char *msg, size_t msg_len);

#endif /* XL_ZSTD_H */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
