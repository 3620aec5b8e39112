/*
 * libxl_sr_framer.h: the one decoder of a stream's framing, for every
 * reader (libxenlight's, xen-stream, the legacy tests, the fuzzers).
 *
 * Included by libxl_sr_codec.h (inside its hidden-visibility block); not
 * meant to be included on its own.  Same rules as the codec: no I/O, no
 * allocation, no global state, caller-owned buffers.
 *
 * The model is zstd's buffer-less decoder: the caller asks what comes next
 * (libxl__sr_framer_next: a kind and a size), reads exactly that many
 * octets however it likes, and hands them to libxl__sr_framer_feed, which
 * decodes and checks them and returns one item.  For a streamed body (QEMU's
 * state, an optional record, a libxc record) any part of the remaining size
 * may be fed at a time, or passed over unseen with libxl__sr_framer_skip.
 * Zero-length steps (an empty streamed body, no padding) are never asked
 * for; a held body is, even when empty.  The item that completes a record
 * says so (item->complete).
 *
 * The framer owns the stream header's options, the record sequence rules,
 * the record index and the absolute offset of every octet, for the libxl
 * stream and for libxc's stream inside LIBXC_CONTEXT, which is framed
 * either here (image header, domain header, records padded to 8 octets)
 * or, with LIBXL__SR_FRAMER_LIBXC_EXTERNAL, consumed by someone else (libxl
 * hands the fd to libxc's restore helper) and reported back with
 * libxl__sr_framer_libxc_done.  What is *inside* a libxc record (page data,
 * vCPU contexts...) is the business of whoever reads it; the framer only
 * checks the framing.
 *
 * Push-driven callers that get input in arbitrary chunks use
 * libxl__sr_framer_push, which assembles each fixed-size unit in the
 * framer's own small buffer and held bodies in a buffer the caller lent
 * with libxl__sr_framer_set_body_buffer.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef LIBXL_SR_FRAMER_H
#define LIBXL_SR_FRAMER_H

/* ---- libxc's stream (versions 2 and 3), as far as framing goes ---- */

#define LIBXL_SR_XC_IHDR_SIZE         24u   /* marker, id, version, options */
#define LIBXL_SR_XC_DHDR_SIZE         16u   /* type, page shift, xen version */
#define LIBXL_SR_XC_DOMAIN_X86_PV     1u
#define LIBXL_SR_XC_DOMAIN_X86_HVM    2u
#define LIBXL_SR_XC_REC_END           0x00u
#define LIBXL_SR_XC_REC_CHECKPOINT    0x0eu
#define LIBXL_SR_XC_REC_DIRTY_PFN_LIST 0x0fu
#define LIBXL_SR_XC_REC_OPTIONAL_BIT  0x80000000u
/* No libxc record body is held; the cap refuses absurd lengths early.
 * libxc itself writes PAGE_DATA batches of at most 1024 pages (4 MiB). */
#define LIBXL_SR_XC_MAX_RECORD        (64u << 20)

/* libxc record type name ("PAGE_DATA", ...), NULL when unknown. */
const char *libxl__sr_xc_type_name(uint32_t type);

/* ---- xl's save-file header, in front of an image written by xl ---- */

#define LIBXL_SR_XL_MAGIC             "Xen saved domain, xl format\n \0 \r"
#define LIBXL_SR_XL_MAGIC_SIZE        32u
#define LIBXL_SR_XL_HEADER_SIZE       48u   /* magic, order, 3 x u32 */
#define LIBXL_SR_XL_BYTE_ORDER        0x01020304u
#define LIBXL_SR_XL_FLAG_JSON         (1u << 0)
#define LIBXL_SR_XL_FLAG_STREAMV2     (1u << 1)
/* Optional data (config length + config) larger than this is damage. */
#define LIBXL_SR_XL_MAX_OPTIONAL      (64u << 20)

typedef struct libxl__sr_xl_hdr {
    uint32_t mandatory_flags;
    uint32_t optional_flags;
    uint32_t optional_len;   /* octets of optional data after the header */
} libxl__sr_xl_hdr;

/*
 * Decode xl's 48-octet header.  known_mandatory is the set of mandatory
 * flags the caller can handle; any other is SR_E_RESERVED_OPTION.  A
 * header without STREAMv2 (a legacy image) is still decoded: it is the
 * caller's to decide what to do with one.  Errors use record_index -1 and
 * offsets relative to the start of the header.
 */
int libxl__sr_decode_xl_header(const void *buf, size_t len,
                              uint32_t known_mandatory,
                              libxl__sr_xl_hdr *out, libxl__sr_error *err);
/* True if buf starts with xl's magic (len may be shorter than 32). */
bool libxl__sr_is_xl_magic(const void *buf, size_t len);

/* ---- The framer ---- */

/* What the framer wants next, and what an item holds. */
typedef enum libxl__sr_fr_kind {
    LIBXL__SR_FR_HEADER,       /* 16: the libxl stream header */
    LIBXL__SR_FR_REC_HDR,      /* 8: a libxl record header */
    LIBXL__SR_FR_EMU_HDR,      /* 8: an emulator record's sub-header */
    LIBXL__SR_FR_BODY,         /* a held body, in one piece: the
                                * EMULATOR_XENSTORE_DATA pairs (after the
                                * sub-header) or a CHECKPOINT_STATE */
    LIBXL__SR_FR_CHUNK,        /* part of a streamed libxl body */
    LIBXL__SR_FR_PADDING,      /* 1..7 zero octets */
    LIBXL__SR_FR_LIBXC,        /* libxc's part, read by someone else:
                                * report it with libxl__sr_framer_libxc_done */
    LIBXL__SR_FR_XC_IHDR,      /* 24: libxc's image header */
    LIBXL__SR_FR_XC_DHDR,      /* 16: libxc's domain header */
    LIBXL__SR_FR_XC_REC_HDR,   /* 8: a libxc record header */
    LIBXL__SR_FR_XC_CHUNK,     /* part of a libxc record body */
    LIBXL__SR_FR_XC_PADDING,   /* 1..7 zero octets */
    LIBXL__SR_FR_DONE,         /* the stream has ended (libxl END, or
                                * libxc END of a bare libxc stream) */
    LIBXL__SR_FR_FAILED,       /* an error was returned; nothing more */
} libxl__sr_fr_kind;

/* True for the kinds that are part of libxc's stream. */
bool libxl__sr_fr_kind_is_libxc(libxl__sr_fr_kind k);

/* libxl__sr_framer_init flags. */
#define LIBXL__SR_FRAMER_CHECKPOINTED  (1u << 0) /* Remus/COLO stream */
#define LIBXL__SR_FRAMER_LIBXC_EXTERNAL (1u << 1) /* libxc's part is read
                                                    * elsewhere */
#define LIBXL__SR_FRAMER_BARE_LIBXC    (1u << 2) /* libxc's stream alone */
#define LIBXL__SR_FRAMER_BACK_CHANNEL  (1u << 3) /* COLO secondary->primary:
                                                   * no header, only
                                                   * CHECKPOINT_STATE and
                                                   * libxc dirty pfn lists */

/* Error record_index values for the headers. */
#define LIBXL__SR_INDEX_HEADER        (-1)   /* libxl's or libxc's image */
#define LIBXL__SR_INDEX_XC_DOMAIN     (-2)   /* libxc's domain header */

typedef struct libxl__sr_item {
    libxl__sr_fr_kind kind;  /* the kind of the octets just fed */
    uint64_t offset;         /* absolute offset of the first of them */
    int64_t index;           /* record index, libxl's or libxc's */
    uint32_t type;           /* record type */
    uint32_t length;         /* record body length, padding excluded */
    uint64_t record_offset;  /* offset of the record header */
    bool complete;           /* this feed completed the record */
    union {
        libxl__sr_hdr hdr;                   /* HEADER */
        libxl__sr_emulator_hdr emu;          /* EMU_HDR */
        uint32_t checkpoint_state;           /* BODY of CHECKPOINT_STATE */
        struct {                             /* BODY, CHUNK, XC_CHUNK */
            const unsigned char *data;       /* NULL when skipped */
            size_t len;
            uint64_t done;                   /* body octets before these */
            uint32_t xs_pairs;               /* BODY of XENSTORE_DATA */
        } body;
        struct { uint32_t version; uint16_t options; } xc_image;
        struct {
            uint32_t type;
            uint16_t page_shift;
            uint32_t xen_major, xen_minor;
        } xc_domain;
    } u;
} libxl__sr_item;

/* Laid out here so that callers can embed it; private to the framer
 * except where marked. */
typedef struct libxl__sr_framer {
    /* Read-only results. */
    uint64_t offset;           /* absolute offset of the next octet */
    libxl__sr_hdr hdr;         /* once the header has been fed */
    uint64_t records;          /* libxl record headers accepted */
    uint64_t checkpoints;      /* CHECKPOINT_END records completed */
    uint64_t xc_records;       /* libxc records completed */
    uint64_t xc_octets;        /* octets of libxc's stream */
    uint32_t xc_version, xc_domain_type;
    bool checkpointed;         /* said at init, or libxc's CHECKPOINT seen */
    bool libxc_seen;           /* LIBXC_CONTEXT accepted */
    bool libxc_ended;          /* libxc's END passed */
    bool end_seen;             /* libxl END completed */
    bool in_checkpoint;        /* between libxc CHECKPOINT and CHECKPOINT_END */
    uint64_t checkpoint_boundary; /* just past the last CHECKPOINT_END (and
                                   * COLO's CHECKPOINT_STATE after it) */
    bool colo;                 /* a CHECKPOINT_STATE followed the first
                                * CHECKPOINT_END (framed here only) */
    bool at_checkpoint_end;    /* nothing since the last CHECKPOINT_END */

    /* Private. */
    unsigned flags;
    bool colo_known;           /* what followed the first CHECKPOINT_END */
    libxl__sr_fr_kind state;
    libxl__sr_fr_kind resume;  /* after a one-off CHECKPOINT_STATE */
    bool want_cp_state;
    libxl__sr_error err;       /* the error that failed the framer */
    libxl__sr_rec_hdr rec;     /* record in progress (libxl or libxc) */
    int64_t rec_index;
    uint64_t rec_offset;
    uint64_t body_left, body_done;
    uint32_t body_size;        /* of a held body */
    unsigned pad;
    /* libxl__sr_framer_push's assembly of fixed units. */
    unsigned char acc[LIBXL_SR_XC_IHDR_SIZE];
    size_t acc_have;
    unsigned char *body_buf;
    size_t body_cap;
} libxl__sr_framer;

/* Start at offset base with the LIBXL__SR_FRAMER_* flags. */
void libxl__sr_framer_init(libxl__sr_framer *fr, unsigned flags,
                          uint64_t base);

/* What comes next and how many octets of it (for CHUNK kinds: at most
 * that many may be fed at once; for LIBXC, DONE, FAILED: 0). */
libxl__sr_fr_kind libxl__sr_framer_next(const libxl__sr_framer *fr,
                                        uint64_t *size_r);

/*
 * Feed the octets asked for: exactly the size for fixed kinds and held
 * bodies, 1..size for chunks.  Returns SR_OK with *item filled, or a
 * negative SR_E_* with *err filled (record index, type, absolute offset),
 * after which the framer is FAILED.  SR_E_INVALID_ARG (a caller's mistake:
 * wrong size, nothing wanted) leaves the framer as it was.
 */
int libxl__sr_framer_feed(libxl__sr_framer *fr, const void *buf, size_t len,
                         libxl__sr_item *item, libxl__sr_error *err);

/* Pass over n octets of a CHUNK or XC_CHUNK unseen (item->u.body.data is
 * NULL).  Same returns as feed. */
int libxl__sr_framer_skip(libxl__sr_framer *fr, uint64_t n,
                         libxl__sr_item *item, libxl__sr_error *err);

/* libxc's part, read elsewhere, has taken n octets and stopped at its END
 * (at_checkpoint false) or at a CHECKPOINT: libxl records come next.  Only
 * when next is LIBXL__SR_FR_LIBXC. */
int libxl__sr_framer_libxc_done(libxl__sr_framer *fr, uint64_t n,
                               bool at_checkpoint, libxl__sr_error *err);

/* libxc's part, read elsewhere, has taken n more octets and is not over
 * (its reader is paused in a callback).  Only when next is LIBXC. */
int libxl__sr_framer_libxc_read(libxl__sr_framer *fr, uint64_t n,
                               libxl__sr_error *err);

/*
 * CHECKPOINT_STATE on the main stream (primary to secondary).  A COLO
 * primary sends one after each CHECKPOINT_END, before libxc's next
 * record: libxc calls its wait_checkpoint hook only once the checkpoint's
 * libxl records are out, and that hook sends it; the secondary reads it in
 * its own wait_checkpoint hook, between CHECKPOINT_END and libxc's next
 * record.  So the rule is: at most one CHECKPOINT_STATE directly after
 * each CHECKPOINT_END, and none anywhere else (inside a checkpoint it is
 * refused, as Xen 4.17's reader refuses it there).
 *
 * A reader that hands libxc's part over (LIBXL__SR_FRAMER_LIBXC_EXTERNAL)
 * is told by COLO when one comes, and announces it with this call;
 * afterwards the framer wants what it wanted before.  Only between
 * records or while libxc's part is read elsewhere.  A CHECKPOINT_STATE
 * that was not announced so is refused.
 *
 * Where the framer frames libxc's part itself, the octets after a
 * CHECKPOINT_END are libxl's CHECKPOINT_STATE when their type is 5:
 * libxc's record type 5 (X86_PV_VCPU_EXTENDED) always follows the same
 * vCPU's X86_PV_VCPU_BASIC, so it never starts a checkpoint.  What
 * follows the first CHECKPOINT_END says which stream it is: COLO's (a
 * CHECKPOINT_STATE; `colo' is set and one must follow every later
 * CHECKPOINT_END, as a COLO secondary waits for it) or Remus' (libxc's
 * records; a later type 5 there is libxc's, and libxc's checks judge it).
 */
int libxl__sr_framer_expect_checkpoint_state(libxl__sr_framer *fr,
                                            libxl__sr_error *err);

/*
 * Failover.  A checkpointed stream (Remus, COLO) has no END of its own:
 * it stops where the primary stopped.  A restore then keeps the last
 * checkpoint closed by CHECKPOINT_END.  libxc's restore buffers its
 * records after a checkpoint and applies them only at the next CHECKPOINT;
 * if the stream ends first (at libxc's END too) it drops them and
 * completes the domain with the last checkpoint's memory.  So nothing
 * after the last CHECKPOINT_END is ever part of the restored guest, and
 * the libxl records after libxc's END (QEMU's state and keys of a later
 * moment) must not be applied either.  The rule every reader follows:
 *
 * - a checkpointed stream that ends anywhere after its first
 *   CHECKPOINT_END (between records, inside a record, inside libxc's part,
 *   inside the libxl records after libxc's END, before the libxl END) is
 *   good: a failover restores the last complete checkpoint;
 * - one that ends before its first CHECKPOINT_END has nothing to restore;
 * - damage is damage wherever it is.
 *
 * Returns the number of the checkpoint a failover restores here (0: none,
 * the stream must be complete).  For a stream framed here: checkpointed
 * once libxc's CHECKPOINT has been seen; for an external libxc part: as
 * said at init.
 */
uint64_t libxl__sr_framer_failover_checkpoint(const libxl__sr_framer *fr);

/* True once libxc's part has ended after a complete checkpoint: the libxl
 * records that follow are framed and checked, but a restore must not
 * apply them (see above). */
bool libxl__sr_framer_past_last_checkpoint(const libxl__sr_framer *fr);

/*
 * The input has ended after `have` octets of the unit asked for (partial,
 * which may be NULL when have is 0).  SR_OK when the stream is complete
 * (DONE); otherwise SR_E_TRUNCATED with *err naming what was cut, or the
 * error that failed the framer.  Whether a Remus/COLO stream that stops
 * after a checkpoint is good enough is the caller's decision (checkpoints,
 * checkpoint_boundary and err->record_index say where it stopped).
 */
int libxl__sr_framer_end(libxl__sr_framer *fr, const void *partial,
                        size_t have, libxl__sr_error *err);

/* Lend the framer a buffer for held bodies (libxl__sr_framer_push only);
 * at least LIBXL_SR_MAX_XENSTORE_BODY octets take any accepted body. */
void libxl__sr_framer_set_body_buffer(libxl__sr_framer *fr, void *buf,
                                     size_t cap);

/*
 * Push-driven use: take octets from buf until one item is complete.
 * Returns 1 with *item filled, 0 when all len octets were taken without
 * completing one, or a negative SR_E_*.  *used says how many were taken
 * (on 1, the rest are for the next call).  Chunks are returned as they
 * come, not assembled.  In LIBXC (external), DONE and FAILED nothing is
 * taken.
 */
int libxl__sr_framer_push(libxl__sr_framer *fr, const void *buf, size_t len,
                         size_t *used, libxl__sr_item *item,
                         libxl__sr_error *err);
/* Octets of the current unit assembled by push so far (for _end). */
const void *libxl__sr_framer_partial(const libxl__sr_framer *fr,
                                     size_t *have_r);

#endif /* LIBXL_SR_FRAMER_H */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
