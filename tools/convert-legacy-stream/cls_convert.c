/*
 * cls_convert.c: turn a legacy (Xen <= 4.5) save stream into a v2 stream.
 *
 * The legacy stream is parsed in the order it was written and each part is
 * re-emitted as soon as it is understood:
 *
 *   [xl file header]         rewritten (v2 flag set) when --xl is given
 *   p2m size                 remembered, checked against every pfn
 *   PV: extended info        -> X86_PV_INFO (from the "vcpu" block size)
 *                            -> STATIC_DATA_END
 *   PV: p2m frame list       -> X86_PV_P2M_FRAMES
 *   chunks until a zero      -> PAGE_DATA per batch, TSC_INFO, and one
 *                               HVM_PARAMS gathering the parameter chunks;
 *                               toolstack chunks become xenstore pairs
 *   PV tail                  -> vcpu records, SHARED_INFO, END
 *   HVM tail                 -> HVM_PARAMS (magic pfns), HVM_CONTEXT, END
 *   [device model record]    -> EMULATOR_CONTEXT (libxl) or copied (libxc)
 *
 * Memory use does not depend on the input: a page batch is at most 1024
 * entries and its pages are copied through a fixed buffer; every length
 * read from the input is checked before it sizes anything.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls.h"
#include "input_kind.h"
#include "libxl_sr_codec.h"

/* ---- Legacy constants ---- */

/* Top nibble of a 32-bit pfn-type entry (XEN_DOMCTL_PFINFO_* of the day). */
#define LEG_TYPE_SHIFT    28
#define LEG_PFN_MASK      0x0fffffffu
#define LEG_TYPE_BROKEN   0xdu
#define LEG_TYPE_XALLOC   0xeu
#define LEG_TYPE_XTAB     0xfu
/* An entry the sender could not map at all: no pfn, no data. */
#define LEG_ENTRY_HOLE    0xf0000000u

#define LEG_VCPU_CTX_64   0x1430u   /* vcpu_guest_context, 64-bit guest */
#define LEG_VCPU_CTX_32   0x0af0u   /* ... 32-bit PAE guest */
#define LEG_EXT_VCPU_LEN  128u
#define LEG_DM_SIG_LEN    21u

#define HVM_PARAM_STORE_PFN             1
#define HVM_PARAM_IOREQ_PFN             5
#define HVM_PARAM_BUFIOREQ_PFN          6
#define HVM_PARAM_VIRIDIAN              9
#define HVM_PARAM_IDENT_PT              12
#define HVM_PARAM_VM86_TSS              15
#define HVM_PARAM_CONSOLE_PFN           17
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19
#define HVM_PARAM_PAGING_RING_PFN       27
#define HVM_PARAM_MONITOR_RING_PFN      28
#define HVM_PARAM_SHARING_RING_PFN      29
#define HVM_PARAM_IOREQ_SERVER_PFN      32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34

/* xl's save-file header: decoded by the codec (libxl_sr_framer.h). */
#define XL_FLAG_STREAM_V2  LIBXL_SR_XL_FLAG_STREAMV2

/* What a negative chunk id means to us. */
enum chunk_kind {
    CK_NOTE,          /* no body, nothing to emit */
    CK_VCPU_INFO,
    CK_HVM_PARAM,     /* 4 octets of padding, then a 64-bit value */
    CK_TSC,
    CK_TOOLSTACK,
    CK_SIZED_UNSUP,   /* a length-prefixed feature we cannot convert */
    CK_UNSUP,
};

struct chunk_desc {
    int32_t id;
    const char *name;
    enum chunk_kind kind;
    uint32_t param;
};

static const struct chunk_desc chunks[] = {
    {  -1, "ENABLE_VERIFY_MODE",    CK_NOTE,      0 },
    {  -2, "VCPU_INFO",             CK_VCPU_INFO, 0 },
    {  -3, "HVM_IDENT_PT",          CK_HVM_PARAM, HVM_PARAM_IDENT_PT },
    {  -4, "HVM_VM86_TSS",          CK_HVM_PARAM, HVM_PARAM_VM86_TSS },
    {  -5, "TMEM",                  CK_UNSUP,     0 },
    {  -6, "TMEM_EXTRA",            CK_UNSUP,     0 },
    {  -7, "TSC_INFO",              CK_TSC,       0 },
    {  -8, "HVM_CONSOLE_PFN",       CK_HVM_PARAM, HVM_PARAM_CONSOLE_PFN },
    {  -9, "LAST_CHECKPOINT",       CK_NOTE,      0 },
    { -10, "HVM_ACPI_IOPORTS_LOCATION", CK_HVM_PARAM,
      HVM_PARAM_ACPI_IOPORTS_LOCATION },
    { -11, "HVM_VIRIDIAN",          CK_HVM_PARAM, HVM_PARAM_VIRIDIAN },
    { -12, "COMPRESSED_DATA",       CK_SIZED_UNSUP, 0 },
    { -13, "ENABLE_COMPRESSION",    CK_UNSUP,     0 },
    { -14, "HVM_GENERATION_ID_ADDR", CK_HVM_PARAM,
      HVM_PARAM_VM_GENERATION_ID_ADDR },
    { -15, "HVM_PAGING_RING_PFN",   CK_HVM_PARAM, HVM_PARAM_PAGING_RING_PFN },
    { -16, "HVM_MONITOR_RING_PFN",  CK_HVM_PARAM, HVM_PARAM_MONITOR_RING_PFN },
    { -17, "HVM_SHARING_RING_PFN",  CK_HVM_PARAM, HVM_PARAM_SHARING_RING_PFN },
    { -18, "TOOLSTACK",             CK_TOOLSTACK, 0 },
    { -19, "HVM_IOREQ_SERVER_PFN",  CK_HVM_PARAM, HVM_PARAM_IOREQ_SERVER_PFN },
    { -20, "HVM_NR_IOREQ_SERVER_PAGES", CK_HVM_PARAM,
      HVM_PARAM_NR_IOREQ_SERVER_PAGES },
};

/* ---- Job lifetime and messages ---- */

void cls_job_init(cls_job *job)
{
    memset(job, 0, sizeof(*job));
    job->word = 8;
    job->prog = "convert-legacy-stream";
}

void cls_job_dispose(cls_job *job)
{
    free(job->xs_body);
    job->xs_body = NULL;
}

int cls_fail_at(cls_job *job, int status, uint64_t off, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (job->status)
        return -1;
    job->status = status;
    n = snprintf(job->message, sizeof(job->message),
                 "input offset %" PRIu64 " (0x%" PRIx64 "): ", off, off);
    if (n < 0 || (size_t)n >= sizeof(job->message))
        return -1;
    va_start(ap, fmt);
    vsnprintf(job->message + n, sizeof(job->message) - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

void cls_info(cls_job *job, const char *fmt, ...)
{
    va_list ap;

    if (!job->verbose)
        return;
    fprintf(stderr, "%s: [%" PRIu64 "] ", job->prog, job->in->offset);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define BAD(off, ...)  cls_fail_at(job, CLS_BAD_INPUT, (off), __VA_ARGS__)
#define UNSUP(off, ...) cls_fail_at(job, CLS_UNSUPPORTED, (off), __VA_ARGS__)

/* ---- xl save-file header (optional, --xl) ---- */

static int convert_xl_header(cls_job *job)
{
    unsigned char whole[LIBXL_SR_XL_HEADER_SIZE];
    unsigned char *magic = whole, *h = whole + LIBXL_SR_XL_MAGIC_SIZE;
    const size_t hlen = sizeof(whole) - LIBXL_SR_XL_MAGIC_SIZE;
    libxl__sr_xl_hdr xl;
    libxl__sr_error e;
    uint32_t mandatory, optlen;

    if (cls_read(job, magic, LIBXL_SR_XL_MAGIC_SIZE, "xl header magic"))
        return -1;
    if (!libxl__sr_is_xl_magic(magic, LIBXL_SR_XL_MAGIC_SIZE))
        return BAD(0, "not an xl save file (bad magic)");
    if (cls_read(job, h, hlen, "xl header"))
        return -1;
    /* Any flag is passed on; the layout itself must be xl's. */
    if (libxl__sr_decode_xl_header(whole, sizeof(whole), ~0u, &xl, &e) < 0)
        return BAD(e.offset, "xl header: %s", e.detail);
    mandatory = xl.mandatory_flags;
    optlen = xl.optional_len;
    if (mandatory & XL_FLAG_STREAM_V2)
        return BAD(sizeof(magic) + 4,
                   "xl header says the stream is already v2");
    if (job->libxl)
        cls_le32(h + 4, mandatory | XL_FLAG_STREAM_V2);
    cls_info(job, "xl header: %u octets of options", optlen);
    if (cls_put(job, magic, LIBXL_SR_XL_MAGIC_SIZE) || cls_put(job, h, hlen))
        return -1;
    return cls_copy(job, optlen, "xl header options");
}

/* ---- PV extended info ---- */

static int ext_vcpu_block(cls_job *job, uint64_t at, uint32_t size)
{
    unsigned char body[8];

    if (job->have_vcpu_block)
        return BAD(at, "second \"vcpu\" block in extended info");
    switch (size) {
    case LEG_VCPU_CTX_64:
        job->guest_width = 8;
        job->pt_levels = 4;
        break;
    case LEG_VCPU_CTX_32:
        job->guest_width = 4;
        job->pt_levels = 3;
        break;
    default:
        return BAD(at, "\"vcpu\" block of %u octets matches no known guest "
                   "context size (0x%x for 64-bit, 0x%x for 32-bit)",
                   size, LEG_VCPU_CTX_64, LEG_VCPU_CTX_32);
    }
    job->have_vcpu_block = true;
    job->vcpu_ctx_len = size;
    cls_info(job, "guest is %u-bit, %u paging levels",
             job->guest_width * 8, job->pt_levels);

    memset(body, 0, sizeof(body));
    body[0] = (unsigned char)job->guest_width;
    body[1] = (unsigned char)job->pt_levels;
    if (cls_emit_rec(job, XC2_REC_PV_INFO, body, sizeof(body)))
        return -1;
    return cls_skip(job, size, "extended info \"vcpu\" block");
}

static int convert_extended_info(cls_job *job)
{
    uint64_t at = job->in->offset, marker, ones;
    uint32_t total, done = 0;

    ones = job->word == 8 ? UINT64_MAX : UINT32_MAX;
    if (cls_read_word(job, &marker, "extended info marker"))
        return -1;
    if (marker != ones)
        return BAD(at, "expected the extended info marker (all ones), "
                   "found 0x%" PRIx64, marker);
    if (cls_read_u32(job, &total, "extended info length"))
        return -1;
    cls_info(job, "extended info: %u octets", total);

    while (done < total) {
        char id[4];
        uint32_t size;

        at = job->in->offset;
        if (total - done < 8)
            return BAD(at, "extended info block header overruns the "
                       "declared length (%u octets left)", total - done);
        if (cls_read(job, id, sizeof(id), "extended info block id") ||
            cls_read_u32(job, &size, "extended info block size"))
            return -1;
        done += 8;
        if (size > total - done)
            return BAD(at + 4, "extended info block of %u octets overruns "
                       "the declared length (%u octets left)",
                       size, total - done);
        done += size;

        if (!memcmp(id, "vcpu", 4)) {
            if (ext_vcpu_block(job, at + 4, size))
                return -1;
        } else if (!memcmp(id, "extv", 4)) {
            job->ext_vcpu = true;
            if (cls_skip(job, size, "extended info \"extv\" block"))
                return -1;
        } else if (!memcmp(id, "xcnt", 4)) {
            if (size < 4)
                return BAD(at + 4, "\"xcnt\" block of %u octets is too short",
                           size);
            if (cls_read_u32(job, &job->xsave_len, "\"xcnt\" size") ||
                cls_skip(job, size - 4, "extended info \"xcnt\" block"))
                return -1;
            if (job->xsave_len && (job->xsave_len < 16 ||
                                   job->xsave_len - 16 > CLS_MAX_XSAVE))
                return BAD(at + 8, "implausible xsave size %u in \"xcnt\"",
                           job->xsave_len);
            cls_info(job, "xsave area: %u octets per vcpu", job->xsave_len);
        } else {
            return BAD(at, "unknown extended info block id %02x %02x %02x %02x",
                       (unsigned char)id[0], (unsigned char)id[1],
                       (unsigned char)id[2], (unsigned char)id[3]);
        }
    }
    if (!job->have_vcpu_block)
        return BAD(job->in->offset, "extended info has no \"vcpu\" block, so "
                   "the guest width is unknown");
    return 0;
}

/* ---- PV p2m frame list ---- */

static int convert_p2m_frames(cls_job *job)
{
    uint64_t per_frame = CLS_PAGE / job->guest_width;
    uint64_t frames = (job->p2m_size + per_frame - 1) / per_frame;
    uint64_t body = 8 + frames * 8, i;
    unsigned char h[8];

    /* p2m_size <= 2^32 was checked, so this cannot wrap; it can still
     * exceed what a record can carry for a 32-bit guest. */
    if (body > UINT32_MAX)
        return BAD(job->in->offset, "p2m frame list of %" PRIu64 " entries "
                   "is too large for one record", frames);
    cls_info(job, "p2m frame list: %" PRIu64 " frames", frames);

    if (cls_emit_rec_hdr(job, XC2_REC_PV_P2M_FRAMES, (uint32_t)body))
        return -1;
    cls_le32(h, 0);
    cls_le32(h + 4, (uint32_t)(job->p2m_size - 1));
    if (cls_put(job, h, sizeof(h)))
        return -1;
    for (i = 0; i < frames; i++) {
        uint64_t mfn;

        if (cls_read_word(job, &mfn, "p2m frame list"))
            return -1;
        cls_le64(h, mfn);
        if (cls_put(job, h, sizeof(h)))
            return -1;
    }
    return 0;
}

/* ---- Page batches ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static bool type_known(unsigned t)
{
    /* Plain, L1-L4 page tables with or without the pin bit, and the three
     * data-less kinds.  5-8 were never produced. */
    return t <= 4 || (t >= 9 && t <= 12) || t >= LEG_TYPE_BROKEN;
}

static bool type_has_data(unsigned t)
{
    return t < LEG_TYPE_BROKEN;
}

static int convert_batch(cls_job *job, uint32_t entries, uint64_t at)
{
    uint64_t pfns_at = job->in->offset;
    unsigned i, kept = 0, with_data = 0;
    uint64_t body;
    unsigned char h[8];

    if (entries > CLS_MAX_BATCH)
        return BAD(at, "page batch of %u entries exceeds the legacy maximum "
                   "of %u", entries, CLS_MAX_BATCH);

    for (i = 0; i < entries; i++) {
        uint64_t e;
        unsigned t;

        if (cls_read_word(job, &e, "page batch pfn array"))
            return -1;
        if (e > UINT32_MAX)
            return BAD(pfns_at + (uint64_t)i * job->word,
                       "pfn entry %u (0x%" PRIx64 ") has bits above 31 set",
                       i, e);
        if (e == LEG_ENTRY_HOLE) {
            job->dropped_xtab++;
            continue;
        }
        t = (unsigned)(e >> LEG_TYPE_SHIFT);
        if (!type_known(t))
            return BAD(pfns_at + (uint64_t)i * job->word,
                       "pfn entry %u (0x%" PRIx64 ") has unknown page type "
                       "0x%x", i, e, t);
        if ((e & LEG_PFN_MASK) >= job->p2m_size)
            return BAD(pfns_at + (uint64_t)i * job->word,
                       "pfn 0x%" PRIx64 " in entry %u is beyond the p2m size "
                       "0x%" PRIx64, e & LEG_PFN_MASK, i, job->p2m_size);
        if (type_has_data(t))
            with_data++;
        job->v2_pfns[kept] = ((uint64_t)t << 60) | (e & LEG_PFN_MASK);
        /* Sort key: pfn above the entry's index, so that a repeat can be
         * reported at the later entry's own offset. */
        job->raw_pfns[kept] = (e & LEG_PFN_MASK) << 16 | i;
        kept++;
    }

    if (kept > 1) {
        qsort(job->raw_pfns, kept, sizeof(job->raw_pfns[0]), cmp_u64);
        for (i = 1; i < kept; i++)
            if (job->raw_pfns[i] >> 16 == job->raw_pfns[i - 1] >> 16) {
                unsigned second = (unsigned)(job->raw_pfns[i] & 0xffff);

                return BAD(pfns_at + (uint64_t)second * job->word,
                           "pfn 0x%" PRIx64 " appears twice in one page "
                           "batch (entries %u and %u)", job->raw_pfns[i] >> 16,
                           (unsigned)(job->raw_pfns[i - 1] & 0xffff), second);
            }
    }

    job->batches++;
    job->pages += with_data;
    if (!kept)
        /* Nothing but holes: libxc rejects an empty PAGE_DATA record. */
        return 0;

    body = 8 + (uint64_t)kept * 8 + (uint64_t)with_data * CLS_PAGE;
    if (cls_emit_rec_hdr(job, XC2_REC_PAGE_DATA, (uint32_t)body))
        return -1;
    cls_le32(h, kept);
    cls_le32(h + 4, 0);
    if (cls_put(job, h, sizeof(h)))
        return -1;
    for (i = 0; i < kept; i++) {
        cls_le64(h, job->v2_pfns[i]);
        if (cls_put(job, h, sizeof(h)))
            return -1;
    }
    return cls_copy(job, (uint64_t)with_data * CLS_PAGE, "page batch data");
}

/* ---- Chunks other than page batches ---- */

static int chunk_vcpu_info(cls_job *job, uint64_t at)
{
    uint32_t raw;
    int32_t max_id;
    unsigned words, i, top_bits;

    if (cls_read_u32(job, &raw, "VCPU_INFO max vcpu id"))
        return -1;
    max_id = (int32_t)raw;
    if (max_id < 0 || (uint32_t)max_id > CLS_MAX_VCPU_ID)
        return BAD(at + 4, "VCPU_INFO max vcpu id %d is outside 0..%u",
                   max_id, CLS_MAX_VCPU_ID);
    words = (unsigned)max_id / 64 + 1;
    memset(job->vcpu_online, 0, sizeof(job->vcpu_online));
    for (i = 0; i < words; i++)
        if (cls_read_u64(job, &job->vcpu_online[i], "VCPU_INFO online map"))
            return -1;

    top_bits = (unsigned)max_id % 64 + 1;
    if (top_bits < 64 && (job->vcpu_online[words - 1] >> top_bits))
        return BAD(at + 8, "VCPU_INFO marks a vcpu above max id %d online",
                   max_id);
    job->vcpu_info_seen = true;
    cls_info(job, "VCPU_INFO: max id %d", max_id);
    return 0;
}

static int chunk_hvm_param(cls_job *job, const struct chunk_desc *d,
                           uint64_t at)
{
    unsigned char b[12];

    if (!job->hvm)
        return BAD(at, "HVM-only chunk %s in a PV stream", d->name);
    if (cls_read(job, b, sizeof(b), d->name))
        return -1;
    if (job->n_params == CLS_MAX_HVM_PARAMS)
        return BAD(at, "more than %u HVM parameter chunks",
                   CLS_MAX_HVM_PARAMS);
    job->params[job->n_params][0] = d->param;
    job->params[job->n_params][1] = cls_get_le64(b + 4);
    cls_info(job, "%s = 0x%" PRIx64, d->name, job->params[job->n_params][1]);
    job->n_params++;
    return 0;
}

static int chunk_tsc(cls_job *job)
{
    unsigned char in[20], out[24];

    /* Legacy order: mode, nanoseconds (64-bit), kHz, incarnation; v2 moves
     * the 64-bit field after kHz and adds reserved space. */
    if (cls_read(job, in, sizeof(in), "TSC_INFO"))
        return -1;
    memset(out, 0, sizeof(out));
    memcpy(out, in, 4);
    memcpy(out + 4, in + 12, 4);
    memcpy(out + 8, in + 4, 8);
    memcpy(out + 16, in + 16, 4);
    cls_info(job, "TSC_INFO mode %u", cls_get_le32(in));
    return cls_emit_rec(job, XC2_REC_TSC_INFO, out, sizeof(out));
}

static int xs_add(cls_job *job, uint64_t at, const char *key, const char *val)
{
    const size_t cap = LIBXL_SR_MAX_XENSTORE_BODY - LIBXL_SR_EMU_HDR_SIZE;
    int rc;

    if (!job->xs_body) {
        job->xs_body = malloc(cap);
        if (!job->xs_body)
            return BAD(at, "out of memory for emulator xenstore data");
    }
    rc = libxl__sr_xs_append(job->xs_body, cap, &job->xs_used, key, val);
    if (rc == SR_E_NO_SPACE)
        return BAD(at, "toolstack data exceeds %zu octets of xenstore pairs",
                   cap);
    if (rc < 0)
        return BAD(at, "toolstack entry gives xenstore pair \"%s\" = \"%s\": "
                   "%s", key, val, libxl__sr_strerror(rc));
    return 0;
}

/*
 * Version 1 of libxl's legacy toolstack blob: a count of physmap entries,
 * each three 64-bit numbers, a name length and the name.  A 64-bit libxl
 * built the entries from a struct with 4 octets of tail padding, so its
 * names are followed by 4 stray octets.
 */
static int toolstack_physmap(cls_job *job, const unsigned char *p, uint32_t len,
                             uint64_t base)
{
    uint32_t count, i, pos = 8;
    const uint32_t stray = job->word == 8 ? 4 : 0;

    if (len < 8)
        return BAD(base, "toolstack data of %u octets is too short", len);
    if (cls_get_le32(p) != 1)
        return BAD(base, "toolstack data version %u is not 1",
                   cls_get_le32(p));
    count = cls_get_le32(p + 4);
    cls_info(job, "toolstack: %u physmap entries", count);

    for (i = 0; i < count; i++) {
        uint64_t phys, start, size, at = base + pos;
        uint32_t namelen;
        const char *name;
        char key[64], val[24];

        if (len - pos < 28)
            return BAD(at, "physmap entry %u truncated", i);
        phys = cls_get_le64(p + pos);
        start = cls_get_le64(p + pos + 8);
        size = cls_get_le64(p + pos + 16);
        namelen = cls_get_le32(p + pos + 24);
        pos += 28;
        if (namelen == 0)
            return BAD(at + 24, "physmap entry %u has an empty name", i);
        if (namelen > len - pos || stray > len - pos - namelen)
            return BAD(at + 24, "physmap entry %u name of %u octets runs past "
                       "the toolstack data", i, namelen);
        name = (const char *)p + pos;
        if (name[namelen - 1] != '\0' ||
            memchr(name, '\0', namelen - 1) != NULL)
            return BAD(base + pos, "physmap entry %u name is not one "
                       "NUL-terminated string", i);
        pos += namelen + stray;

        snprintf(key, sizeof(key), "physmap/%" PRIx64 "/start_addr", phys);
        snprintf(val, sizeof(val), "%" PRIx64, start);
        if (xs_add(job, at, key, val))
            return -1;
        snprintf(key, sizeof(key), "physmap/%" PRIx64 "/size", phys);
        snprintf(val, sizeof(val), "%" PRIx64, size);
        if (xs_add(job, at, key, val))
            return -1;
        snprintf(key, sizeof(key), "physmap/%" PRIx64 "/name", phys);
        if (xs_add(job, at, key, name))
            return -1;
    }
    if (pos != len)
        cls_info(job, "toolstack: ignoring %u trailing octets", len - pos);
    return 0;
}

static int chunk_toolstack(cls_job *job, uint64_t at)
{
    uint32_t len;
    unsigned char *data;
    uint64_t base;
    int rc;

    if (cls_read_u32(job, &len, "TOOLSTACK length"))
        return -1;
    if (!len)
        return 0;
    if (!job->libxl) {
        cls_info(job, "toolstack: %u octets dropped (libxc output)", len);
        return cls_skip(job, len, "TOOLSTACK data");
    }
    if (len > CLS_MAX_TOOLSTACK)
        return BAD(at + 4, "TOOLSTACK chunk of %u octets exceeds the limit "
                   "of %u", len, CLS_MAX_TOOLSTACK);
    data = malloc(len);
    if (!data)
        return BAD(at, "out of memory for %u octets of toolstack data", len);
    base = job->in->offset;
    rc = cls_read(job, data, len, "TOOLSTACK data");
    if (!rc)
        rc = toolstack_physmap(job, data, len, base);
    free(data);
    return rc;
}

static int emit_hvm_params(cls_job *job, const uint64_t (*pairs)[2],
                           unsigned n)
{
    unsigned char b[16];
    unsigned i;

    if (cls_emit_rec_hdr(job, XC2_REC_HVM_PARAMS, 8 + 16 * n))
        return -1;
    cls_le32(b, n);
    cls_le32(b + 4, 0);
    if (cls_put(job, b, 8))
        return -1;
    for (i = 0; i < n; i++) {
        cls_le64(b, pairs[i][0]);
        cls_le64(b + 8, pairs[i][1]);
        if (cls_put(job, b, 16))
            return -1;
    }
    return 0;
}

static const struct chunk_desc *find_chunk(int32_t id)
{
    size_t i;

    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        if (chunks[i].id == id)
            return &chunks[i];
    return NULL;
}

static int convert_chunks(cls_job *job)
{
    for (;;) {
        uint64_t at = job->in->offset;
        const struct chunk_desc *d;
        uint32_t raw, len;
        int32_t id;

        if (cls_read_u32(job, &raw, "chunk header"))
            return -1;
        id = (int32_t)raw;

        if (id > 0) {
            if (convert_batch(job, (uint32_t)id, at))
                return -1;
            continue;
        }
        if (id == 0) {
            cls_info(job, "end of chunks: %" PRIu64 " batches, %" PRIu64
                     " pages", job->batches, job->pages);
            if (job->n_params)
                return emit_hvm_params(job,
                                       (const uint64_t (*)[2])job->params,
                                       job->n_params);
            return 0;
        }

        d = find_chunk(id);
        if (!d)
            return BAD(at, "unknown chunk type %d", id);
        switch (d->kind) {
        case CK_NOTE:
            cls_info(job, "%s", d->name);
            break;
        case CK_VCPU_INFO:
            if (chunk_vcpu_info(job, at))
                return -1;
            break;
        case CK_HVM_PARAM:
            if (chunk_hvm_param(job, d, at))
                return -1;
            break;
        case CK_TSC:
            if (chunk_tsc(job))
                return -1;
            break;
        case CK_TOOLSTACK:
            if (chunk_toolstack(job, at))
                return -1;
            break;
        case CK_SIZED_UNSUP:
            if (cls_read_u32(job, &len, d->name))
                return -1;
            return UNSUP(at, "chunk %s (%d) is not supported by this "
                         "converter", d->name, id);
        case CK_UNSUP:
            return UNSUP(at, "chunk %s (%d) is not supported by this "
                         "converter", d->name, id);
        }
    }
}

/* ---- Tails ---- */

static int convert_pv_tail(cls_job *job)
{
    uint64_t at = job->in->offset;
    uint32_t unmapped;
    unsigned v;
    unsigned char h[8];

    if (cls_read_u32(job, &unmapped, "count of unmapped pfns"))
        return -1;
    /* Those pfns carry nothing a v2 stream could use. */
    if (cls_skip(job, (uint64_t)unmapped * job->word, "unmapped pfn list"))
        return -1;
    if (!job->vcpu_info_seen)
        return BAD(at, "PV tail reached without a VCPU_INFO chunk");

    for (v = 0; v <= CLS_MAX_VCPU_ID; v++) {
        if (!(job->vcpu_online[v / 64] >> (v % 64) & 1))
            continue;
        cls_le32(h, v);
        cls_le32(h + 4, 0);

        if (cls_emit_rec_hdr(job, XC2_REC_PV_VCPU_BASIC,
                             8 + job->vcpu_ctx_len) ||
            cls_put(job, h, 8) ||
            cls_copy(job, job->vcpu_ctx_len, "vcpu context") ||
            cls_emit_pad(job, 8 + job->vcpu_ctx_len))
            return -1;

        if (job->ext_vcpu &&
            (cls_emit_rec_hdr(job, XC2_REC_PV_VCPU_EXTENDED,
                              8 + LEG_EXT_VCPU_LEN) ||
             cls_put(job, h, 8) ||
             cls_copy(job, LEG_EXT_VCPU_LEN, "extended vcpu context")))
            return -1;

        if (job->xsave_len) {
            uint64_t xat = job->in->offset, mask, size;

            if (cls_read_u64(job, &mask, "xsave feature mask") ||
                cls_read_u64(job, &size, "xsave size"))
                return -1;
            if (size != job->xsave_len - 16)
                return BAD(xat + 8, "vcpu %u xsave size %" PRIu64 " does not "
                           "match %u announced by \"xcnt\"", v, size,
                           job->xsave_len - 16);
            if (cls_emit_rec_hdr(job, XC2_REC_PV_VCPU_XSAVE,
                                 8 + (uint32_t)size) ||
                cls_put(job, h, 8) ||
                cls_copy(job, size, "xsave area") ||
                cls_emit_pad(job, 8 + (uint32_t)size))
                return -1;
        }
        cls_info(job, "vcpu %u", v);
    }

    if (cls_emit_rec_hdr(job, XC2_REC_SHARED_INFO, CLS_PAGE) ||
        cls_copy(job, CLS_PAGE, "shared info page"))
        return -1;
    return cls_emit_rec(job, XC2_REC_END, NULL, 0);
}

static int convert_hvm_tail(cls_job *job)
{
    uint64_t magic[3][2] = {
        { HVM_PARAM_IOREQ_PFN, 0 },
        { HVM_PARAM_BUFIOREQ_PFN, 0 },
        { HVM_PARAM_STORE_PFN, 0 },
    };
    uint32_t ctx_len;
    unsigned i;

    for (i = 0; i < 3; i++)
        if (cls_read_u64(job, &magic[i][1], "HVM magic pfns"))
            return -1;
    if (emit_hvm_params(job, (const uint64_t (*)[2])magic, 3))
        return -1;

    if (cls_read_u32(job, &ctx_len, "HVM context length"))
        return -1;
    cls_info(job, "HVM context: %u octets", ctx_len);
    if (cls_emit_rec_hdr(job, XC2_REC_HVM_CONTEXT, ctx_len) ||
        cls_copy(job, ctx_len, "HVM context") ||
        cls_emit_pad(job, ctx_len))
        return -1;
    return cls_emit_rec(job, XC2_REC_END, NULL, 0);
}

static int convert_device_model(cls_job *job)
{
    uint64_t at = job->in->offset;
    char sig[LEG_DM_SIG_LEN];
    unsigned char raw_len[4];
    uint32_t len;

    if (cls_read(job, sig, sizeof(sig), "device model signature"))
        return -1;
    if (!memcmp(sig, "QemuDeviceModelRecord", sizeof(sig)))
        return UNSUP(at, "device model record without a length "
                     "(\"QemuDeviceModelRecord\") is not supported");
    if (memcmp(sig, "DeviceModelRecord0002", sizeof(sig)) &&
        memcmp(sig, "RemusDeviceModelState", sizeof(sig)))
        return BAD(at, "bad device model signature");
    if (cls_read(job, raw_len, sizeof(raw_len), "device model length"))
        return -1;
    len = cls_get_le32(raw_len);
    cls_info(job, "device model state: %u octets", len);

    if (!job->libxl) {
        if (cls_put(job, sig, sizeof(sig)) ||
            cls_put(job, raw_len, sizeof(raw_len)))
            return -1;
        return cls_copy(job, len, "device model state");
    }
    if (len > LIBXL_SR_MAX_EMULATOR_BODY - LIBXL_SR_EMU_HDR_SIZE)
        return BAD(at + sizeof(sig), "device model state of %u octets exceeds "
                   "the EMULATOR_CONTEXT limit", len);
    if (cls_emit_xl_emu_hdr(job, LIBXL_SR_REC_EMULATOR_CONTEXT, len) ||
        cls_copy(job, len, "device model state"))
        return -1;
    return cls_emit_xl_pad(job, len + LIBXL_SR_EMU_HDR_SIZE);
}

/* ---- What the input is ---- */

/*
 * Before parsing, make sure the input is a legacy image at all: libvirt
 * once handed v2 images to the converter, and users hand it compressed
 * or otherwise foreign files.  Only the first octets are read for this,
 * never more than any legacy image has, and they are parsed afterwards
 * as if they had not been looked at.
 */
static int identify_input(cls_job *job)
{
    const char *what;
    int have;

    have = cls_peek(job, XS_KIND_PEEK);
    if (have < 0)
        return -1;
    if (have == 0)
        return BAD(0, "input is empty (truncated before the p2m size)");
    if (xs_xl_magic_start(job->ahead, (size_t)have)) {
        have = cls_peek(job, CLS_AHEAD);
        if (have < 0)
            return -1;
    }
    what = xs_v2_container(job->ahead, (size_t)have);
    if (what)
        return cls_fail_at(job, CLS_ALREADY_V2, 0, "already a migration-v2 "
                           "stream (%s), nothing to convert", what);
    if (xs_xl_magic_start(job->ahead, (size_t)have)) {
        if (!job->xl_header)
            return BAD(0, "an xl save file: give --xl to convert the "
                       "legacy image inside it");
        return 0;
    }
    what = xs_foreign_input(job->ahead, (size_t)have);
    if (what)
        return BAD(0, "not a legacy image: %s", what);
    return 0;
}

/* ---- The whole stream ---- */

int cls_convert(cls_job *job)
{
    uint64_t at;

    if (job->word != 4 && job->word != 8)
        return UNSUP(0, "toolstack width must be 32 or 64");

    if (identify_input(job))
        goto out;
    if (job->xl_header && convert_xl_header(job))
        goto out;

    at = job->in->offset;
    if (cls_read_word(job, &job->p2m_size, "p2m size"))
        goto out;
    if (job->p2m_size == 0 || job->p2m_size > (UINT64_C(1) << 32)) {
        BAD(at, "p2m size 0x%" PRIx64 " is outside 1..2^32", job->p2m_size);
        goto out;
    }
    cls_info(job, "p2m size 0x%" PRIx64, job->p2m_size);

    if (job->libxl &&
        (cls_emit_xl_header(job) ||
         cls_emit_xl_rec_hdr(job, LIBXL_SR_REC_LIBXC_CONTEXT, 0)))
        goto out;
    if (cls_emit_xc_headers(job))
        goto out;
    if (!job->hvm && convert_extended_info(job))
        goto out;
    if (cls_emit_rec(job, XC2_REC_STATIC_DATA_END, NULL, 0))
        goto out;
    if (!job->hvm && convert_p2m_frames(job))
        goto out;
    if (convert_chunks(job))
        goto out;
    if (job->hvm ? convert_hvm_tail(job) : convert_pv_tail(job))
        goto out;

    if (job->libxl && job->xs_used) {
        if (cls_emit_xl_emu_hdr(job, LIBXL_SR_REC_EMULATOR_XENSTORE_DATA,
                                (uint32_t)job->xs_used) ||
            cls_put(job, job->xs_body, job->xs_used) ||
            cls_emit_xl_pad(job, (uint32_t)job->xs_used +
                                 LIBXL_SR_EMU_HDR_SIZE))
            goto out;
    }
    if (job->hvm && (job->libxl || !job->skip_qemu) &&
        convert_device_model(job))
        goto out;
    if (job->libxl &&
        (cls_emit_xl_rec_hdr(job, LIBXL_SR_REC_END, 0)))
        goto out;
    if (cls_flush(job))
        goto out;
    cls_info(job, "done: %" PRIu64 " octets in, %" PRIu64 " out",
             job->in->offset, job->out->written);

 out:
    return job->status;
}
