/*
 * libxc_walk.h: a push-driven, bounded-memory walker over libxc's
 * migration stream (versions 2 and 3), as found inside a libxl
 * LIBXC_CONTEXT record or on its own.
 *
 * The framing is the codec's framer (libxl_sr_framer.h); the walker checks
 * the contents of libxc's records as the framer hands them over
 * (xcw_item), or, for a bare libxc stream, drives a framer of its own
 * (xcw_push).  The walker never holds more than a few dozen octets of any
 * record: page data, vCPU contexts and HVM save records are checked as they
 * stream past and then forgotten, so memory use does not depend on the
 * image.  Everything it learns is passed to an optional event callback,
 * which is how xen-stream prints dumps.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_LIBXC_WALK_H
#define XEN_STREAM_LIBXC_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl_sr_codec.h"   /* libxl__sr_error and the SR_E_* codes */

#define XCW_PAGE_SIZE          4096u

/* PAGE_DATA entry type (bits 63..60): allocate only, no data. */
#define XCW_PFN_TYPE_XALLOC    0xeu

#define XCW_DOMAIN_X86_PV      1u
#define XCW_DOMAIN_X86_HVM     2u

#define XCW_REC_END                        0x00u
#define XCW_REC_PAGE_DATA                  0x01u
#define XCW_REC_X86_PV_INFO                0x02u
#define XCW_REC_X86_PV_P2M_FRAMES          0x03u
#define XCW_REC_X86_PV_VCPU_BASIC          0x04u
#define XCW_REC_X86_PV_VCPU_EXTENDED       0x05u
#define XCW_REC_X86_PV_VCPU_XSAVE          0x06u
#define XCW_REC_SHARED_INFO                0x07u
#define XCW_REC_X86_TSC_INFO               0x08u
#define XCW_REC_HVM_CONTEXT                0x09u
#define XCW_REC_HVM_PARAMS                 0x0au
#define XCW_REC_TOOLSTACK                  0x0bu
#define XCW_REC_X86_PV_VCPU_MSRS           0x0cu
#define XCW_REC_VERIFY                     0x0du
#define XCW_REC_CHECKPOINT                 0x0eu
#define XCW_REC_CHECKPOINT_DIRTY_PFN_LIST  0x0fu
#define XCW_REC_STATIC_DATA_END            0x10u
#define XCW_REC_X86_CPUID_POLICY           0x11u
#define XCW_REC_X86_MSR_POLICY             0x12u
#define XCW_REC_OPTIONAL_BIT               0x80000000u

/*
 * Caps.  Nothing is allocated from a length, so these exist to refuse
 * absurd streams early rather than to protect memory.  libxc itself writes
 * PAGE_DATA batches of at most 1024 pages.
 */
#define XCW_MAX_BATCH          4096u
#define XCW_MAX_RECORD         LIBXL_SR_XC_MAX_RECORD
#define XCW_MAX_HVM_PARAMS     1024u

/*
 * vCPU records carry an 8-octet header (vcpu id, reserved) and then the
 * context, whose size Xen 4.17's restore checks per type: BASIC is one
 * vcpu_guest_context of the guest's width, EXTENDED at most 128 octets,
 * XSAVE at least its 16-octet prefix (feature mask, size), MSRS whole
 * 16-octet entries.  A record with no context at all is skipped there.
 */
#define XCW_VCPU_HDR_SIZE      8u
#define XCW_VCPU_CTX_64        5168u
#define XCW_VCPU_CTX_32        2800u
#define XCW_VCPU_EXT_MAX       128u
#define XCW_VCPU_XSAVE_MIN     16u
#define XCW_VCPU_MSR_SIZE      16u

/* What the walker tells its observer. */
enum xcw_event_kind {
    XCW_EV_IMAGE_HEADER,   /* version, options */
    XCW_EV_DOMAIN_HEADER,  /* domain_type, page_shift, xen_major/minor */
    XCW_EV_RECORD,         /* one record fully checked; see xcw_record */
    XCW_EV_HVM_ENTRY,      /* one save record inside HVM_CONTEXT */
    XCW_EV_HVM_PARAM,      /* one (index, value) inside HVM_PARAMS */
    XCW_EV_RECORD_BEGIN,   /* a record header passed its checks; only
                            * type, index, offset and length are known */
    XCW_EV_PAGE_ENTRY,     /* one pfn entry of PAGE_DATA (pfn, type) */
};

typedef struct xcw_record {
    uint64_t index;        /* 0-based within the libxc stream */
    uint64_t offset;       /* absolute offset of the record header */
    uint32_t type;
    uint32_t length;       /* body length without padding */
    /* Type-specific summary; zero where it does not apply. */
    uint32_t count;        /* PAGE_DATA pfns, HVM entries/params, policy
                            * entries, dirty pfns, P2M frames */
    uint32_t data_pages;   /* PAGE_DATA pages carrying data */
    uint32_t alloc_only;   /* PAGE_DATA XALLOC entries: populate, no data */
    uint32_t vcpu_id;      /* X86_PV_VCPU_* */
    bool empty;            /* X86_PV_VCPU_*: header only, no context */
    uint32_t first, last;  /* PAGE_DATA first/last pfn, P2M start/end pfn */
    uint8_t guest_width, pt_levels;    /* X86_PV_INFO */
    uint32_t tsc_mode, tsc_khz;        /* X86_TSC_INFO */
    uint64_t tsc_nsec;
} xcw_record;

typedef struct xcw_event {
    enum xcw_event_kind kind;
    uint64_t offset;
    union {
        struct { uint32_t version; uint16_t options; } image;
        struct {
            uint32_t type; uint16_t page_shift;
            uint32_t xen_major, xen_minor;
        } domain;
        const xcw_record *record;
        struct {
            uint16_t typecode, instance;
            uint32_t length;
        } hvm;
        struct { uint64_t index, value; } param;
        struct { uint64_t pfn; unsigned type; bool has_data; } page;
    } u;
} xcw_event;

typedef void xcw_event_fn(void *opaque, const xcw_event *ev);

/* Walker state.  Opaque in spirit; laid out here so callers can embed it
 * without allocation. */
typedef struct xc_walk {
    /* Caller-set (via xcw_init). */
    xcw_event_fn *event;
    void *opaque;

    /* Shared with the caller: read-only outside libxc_walk.c. */
    uint64_t offset;          /* absolute offset of the next byte */
    uint32_t version;         /* image header version, once known */
    uint32_t domain_type;
    uint64_t records;         /* records completed */
    uint64_t pages;           /* data-bearing pages seen */
    uint64_t alloc_only_pages; /* XALLOC entries seen (zero pages left out) */
    uint64_t checkpoints;     /* CHECKPOINT records seen */
    bool checkpointed;
    bool end_seen;
    bool static_data_end;
    uint8_t guest_width;      /* from X86_PV_INFO; 0 until then */
    libxl__sr_error err;       /* filled when a call returns < 0 */

    /* Private. */
    bool failed;
    bool paused;              /* xcw_push: at END or CHECKPOINT */
    libxl__sr_framer fr;      /* xcw_push's, for a bare libxc stream */
    int phase;                /* per-record sub-state */
    unsigned char acc[32];    /* small structure being assembled */
    uint32_t acc_have, acc_want;
    uint64_t skip;            /* opaque octets to pass over */
    uint64_t body_left;       /* body octets not yet consumed */
    uint32_t items_left;      /* pfns / params still to come */
    uint64_t hvm_bytes_left;
    bool hvm_end_seen;
    uint32_t hvm_entries;
    xcw_record rec;
} xc_walk;

enum {
    XCW_MORE = 0,     /* all input consumed, more wanted */
    XCW_PAUSE = 1,    /* END or CHECKPOINT reached: the bytes after
                       * *consumed belong to the layer above */
};

/* Start a walk at the libxc image header, whose first byte is at stream
 * offset base. */
void xcw_init(xc_walk *w, uint64_t base, xcw_event_fn *event, void *opaque);

/* One item of libxc's stream from the framer (the XC_* kinds; others are
 * ignored).  SR_OK, or a negative SR_E_* with w->err filled. */
int xcw_item(xc_walk *w, const libxl__sr_item *item);

/* For a bare libxc stream: feed len bytes.  Returns XCW_MORE, XCW_PAUSE or a negative SR_E_* code
 * with w->err filled.  *consumed says how many octets were used. */
int xcw_push(xc_walk *w, const void *buf, size_t len, size_t *consumed);

/* After a PAUSE at CHECKPOINT, continue with the next libxc record (the
 * layer above has had its say).  offset is where that record starts. */
void xcw_resume(xc_walk *w, uint64_t offset);

/* The input has ended.  Returns SR_OK if the walker is at a PAUSE or
 * between records after a checkpoint, SR_E_TRUNCATED otherwise. */
int xcw_finish(xc_walk *w);

/* Opaque octets (page contents, vCPU blobs) the walker would only count:
 * a caller may discard up to this many without reading them and then
 * report it with xcw_skipped().  0 when the next octets matter. */
uint64_t xcw_skippable(const xc_walk *w);
void xcw_skipped(xc_walk *w, uint64_t n);

/* True when the walker has consumed nothing of the next record yet. */
bool xcw_between_records(const xc_walk *w);

/* Names (static strings; NULL when unknown). */
const char *xcw_type_name(uint32_t type);
const char *xcw_domain_type_name(uint32_t type);
const char *xcw_hvm_code_name(uint16_t code);
const char *xcw_hvm_param_name(uint64_t index);


#endif /* XEN_STREAM_LIBXC_WALK_H */
