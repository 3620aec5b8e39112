/*
 * libxc_walk.c: checks libxc's migration stream as it streams past.
 *
 * The framing (image and domain header, record headers, padding, which
 * record comes when) is the codec's framer (libxl_sr_framer.c); this file
 * checks what is inside libxc's records, as the framer hands them over
 * (xcw_item).  A body is a sequence of two kinds of unit: a small fixed
 * structure that is assembled in w->acc and then checked, and a run of
 * opaque octets that is only counted (page contents, vCPU contexts).  Each
 * record type is a short sequence of such units ("phases"), chosen by
 * body_begin() and advanced by body_unit().  Because no unit is ever
 * larger than w->acc, memory use is the same for a 1 MiB and a 1 TiB image.
 *
 * xcw_push drives a framer of its own over a bare libxc stream, for the
 * tests and the fuzzer of this file.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libxc_walk.h"

enum {
    P_DONE,
    P_PD_HDR, P_PD_PFN, P_PD_DATA,
    P_PV_INFO,
    P_P2M_HDR, P_P2M_FRAMES,
    P_VCPU_HDR, P_VCPU_DATA,
    P_TSC,
    P_HVM_DESC, P_HVM_HEADER, P_HVM_DATA,
    P_PARAMS_HDR, P_PARAM,
    P_OPAQUE,
};

#define HVM_SAVE_END       0u
#define HVM_SAVE_HEADER    1u
#define HVM_SAVE_CODE_MAX  20u
#define HVM_FILE_MAGIC     0x54381286u
#define HVM_DESC_SIZE      8u
#define HVM_HEADER_SIZE    24u

/* PFN type nibble (bits 63-60): which types carry a page of data. */
#define PFN_TYPE_BROKEN    0xdu
#define PFN_TYPE_XALLOC    XCW_PFN_TYPE_XALLOC
#define PFN_TYPE_XTAB      0xfu
#define PFN_MASK           ((UINT64_C(1) << 52) - 1)
#define PFN_RESERVED_MASK  (UINT64_C(0xff) << 52)

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- Names ---- */

const char *xcw_type_name(uint32_t type)
{
    return libxl__sr_xc_type_name(type);
}

const char *xcw_domain_type_name(uint32_t type)
{
    switch (type) {
    case XCW_DOMAIN_X86_PV:  return "x86 PV";
    case XCW_DOMAIN_X86_HVM: return "x86 HVM";
    default:                 return NULL;
    }
}

const char *xcw_hvm_code_name(uint16_t code)
{
    static const char *const names[] = {
        "END", "HEADER", "CPU", "PIC", "IOAPIC", "LAPIC", "LAPIC_REGS",
        "PCI_IRQ", "ISA_IRQ", "PCI_LINK", "PIT", "RTC", "HPET", "PMTIMER",
        "MTRR", "VIRIDIAN_DOMAIN", "CPU_XSAVE", "VIRIDIAN_VCPU", "VMCE_VCPU",
        "TSC_ADJUST", "CPU_MSR",
    };

    return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

const char *xcw_hvm_param_name(uint64_t index)
{
    static const char *const names[] = {
        [0] = "CALLBACK_IRQ", [1] = "STORE_PFN", [2] = "STORE_EVTCHN",
        [4] = "PAE_ENABLED", [5] = "IOREQ_PFN", [6] = "BUFIOREQ_PFN",
        [9] = "VIRIDIAN", [10] = "TIMER_MODE", [11] = "HPET_ENABLED",
        [12] = "IDENT_PT", [13] = "DM_DOMAIN", [14] = "ACPI_S_STATE",
        [15] = "VM86_TSS", [16] = "VPT_ALIGN", [17] = "CONSOLE_PFN",
        [18] = "CONSOLE_EVTCHN", [19] = "ACPI_IOPORTS_LOCATION",
        [24] = "NESTEDHVM", [26] = "BUFIOREQ_EVTCHN",
        [27] = "PAGING_RING_PFN", [28] = "MONITOR_RING_PFN",
        [29] = "SHARING_RING_PFN", [31] = "TRIPLE_FAULT_REASON",
        [32] = "IOREQ_SERVER_PFN", [33] = "NR_IOREQ_SERVER_PAGES",
        [34] = "VM_GENERATION_ID_ADDR", [35] = "ALTP2M",
        [36] = "X87_FIP_WIDTH", [37] = "VM86_TSS_SIZED", [38] = "MCA_CAP",
    };

    return index < sizeof(names) / sizeof(names[0]) ? names[index] : NULL;
}

/* ---- Errors ---- */

static int fail(xc_walk *w, int code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(xc_walk *w, int code, uint64_t offset, const char *fmt, ...)
{
    va_list ap;

    memset(&w->err, 0, sizeof(w->err));
    w->err.code = code;
    w->err.libxc = true;
    w->err.offset = offset;
    w->err.record_index = (int64_t)w->rec.index;
    w->err.record_type = w->rec.type;
    va_start(ap, fmt);
    vsnprintf(w->err.detail, sizeof(w->err.detail), fmt, ap);
    va_end(ap);
    w->failed = true;
    return code;
}

/* ---- Setup ---- */

void xcw_init(xc_walk *w, uint64_t base, xcw_event_fn *event, void *opaque)
{
    memset(w, 0, sizeof(*w));
    w->event = event;
    w->opaque = opaque;
    w->offset = base;
    libxl__sr_framer_init(&w->fr, LIBXL__SR_FRAMER_BARE_LIBXC, base);
}

uint64_t xcw_skippable(const xc_walk *w)
{
    return w->acc_have < w->acc_want ? 0 : w->skip;
}

static void emit(xc_walk *w, xcw_event *ev)
{
    if (w->event)
        w->event(w->opaque, ev);
}

/* ---- Units inside a body ---- */

static uint64_t unit_offset(const xc_walk *w)
{
    return w->offset - w->acc_have;
}

/* Ask for the next n octets as a structure.  The record's own length is
 * the authority: a structure that would run past it is an error. */
static int want(xc_walk *w, uint32_t n, int phase, const char *what)
{
    if (n > w->body_left)
        return fail(w, SR_E_BAD_LENGTH, w->offset,
                    "body ends %llu octets in, inside the %s",
                    (unsigned long long)(w->rec.length - w->body_left), what);
    w->acc_have = 0;
    w->acc_want = n;
    w->phase = phase;
    return SR_OK;
}

static int skip(xc_walk *w, uint64_t n, int phase, const char *what)
{
    if (n > w->body_left)
        return fail(w, SR_E_BAD_LENGTH, w->offset,
                    "body ends inside the %s (%llu of %llu octets present)",
                    what, (unsigned long long)w->body_left,
                    (unsigned long long)n);
    w->acc_have = w->acc_want = 0;
    w->skip = n;
    w->phase = phase;
    return SR_OK;
}

static int done(xc_walk *w)
{
    w->acc_have = w->acc_want = 0;
    w->phase = P_DONE;
    return SR_OK;
}

static int exact_len(xc_walk *w, uint32_t len)
{
    if (w->rec.length != len)
        return fail(w, SR_E_BAD_LENGTH, w->rec.offset + 4,
                    "body length %u, must be %u", w->rec.length, len);
    return SR_OK;
}

static int multiple_len(xc_walk *w, uint32_t base, uint32_t unit, bool empty_ok)
{
    if (w->rec.length < base || (w->rec.length - base) % unit ||
        (!empty_ok && w->rec.length == base))
        return fail(w, SR_E_BAD_LENGTH, w->rec.offset + 4,
                    "body length %u is not %u + a %snon-zero multiple of %u",
                    w->rec.length, base, empty_ok ? "(possibly zero) " : "",
                    unit);
    return SR_OK;
}

/*
 * The context sizes Xen 4.17's restore accepts (see libxc_walk.h).  An
 * empty record is valid: senders of Xen 4.6-4.8 wrote them for vCPUs with
 * nothing to report, and restore passes over them without looking at the
 * vcpu id.  Before X86_PV_INFO the guest is taken to be 64-bit, the width
 * a new PV domain has.
 */
static int vcpu_len(xc_walk *w)
{
    xcw_record *r = &w->rec;
    uint32_t ctx, basic;

    if (r->length < XCW_VCPU_HDR_SIZE)
        return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                    "body length %u is shorter than the %u-octet vCPU "
                    "header", r->length, XCW_VCPU_HDR_SIZE);
    ctx = r->length - XCW_VCPU_HDR_SIZE;
    if (ctx == 0) {
        r->empty = true;
        return SR_OK;
    }
    switch (r->type) {
    case XCW_REC_X86_PV_VCPU_BASIC:
        basic = w->guest_width == 4 ? XCW_VCPU_CTX_32 : XCW_VCPU_CTX_64;
        if (ctx != basic)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "vCPU context of %u octets, a %u-bit guest's is %u "
                        "(or 0: an empty record)", ctx,
                        w->guest_width == 4 ? 32 : 64, basic);
        break;
    case XCW_REC_X86_PV_VCPU_EXTENDED:
        if (ctx > XCW_VCPU_EXT_MAX)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "extended vCPU context of %u octets exceeds %u",
                        ctx, XCW_VCPU_EXT_MAX);
        break;
    case XCW_REC_X86_PV_VCPU_XSAVE:
        if (ctx < XCW_VCPU_XSAVE_MIN)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "xsave context of %u octets is shorter than its "
                        "%u-octet feature mask and size (or 0: an empty "
                        "record)", ctx, XCW_VCPU_XSAVE_MIN);
        break;
    default:
        if (ctx % XCW_VCPU_MSR_SIZE)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "MSR list of %u octets is not a multiple of %u",
                        ctx, XCW_VCPU_MSR_SIZE);
        break;
    }
    return SR_OK;
}

static bool pv_only(uint32_t type)
{
    return type == XCW_REC_X86_PV_INFO || type == XCW_REC_X86_PV_P2M_FRAMES ||
           type == XCW_REC_X86_PV_VCPU_BASIC ||
           type == XCW_REC_X86_PV_VCPU_EXTENDED ||
           type == XCW_REC_X86_PV_VCPU_XSAVE ||
           type == XCW_REC_X86_PV_VCPU_MSRS || type == XCW_REC_SHARED_INFO;
}

static bool hvm_only(uint32_t type)
{
    return type == XCW_REC_HVM_CONTEXT || type == XCW_REC_HVM_PARAMS;
}

/* Called once the record header is known: check the length for the type
 * and set up the first unit of the body. */
static int body_begin(xc_walk *w)
{
    xcw_record *r = &w->rec;
    int rc;

    if (r->length > XCW_MAX_RECORD)
        return fail(w, SR_E_TOO_LONG, r->offset + 4,
                    "body length %u exceeds the cap of %u", r->length,
                    XCW_MAX_RECORD);
    if ((pv_only(r->type) && w->domain_type != XCW_DOMAIN_X86_PV) ||
        (hvm_only(r->type) && w->domain_type != XCW_DOMAIN_X86_HVM))
        return fail(w, SR_E_SEQUENCE, r->offset, "%s record in an %s stream",
                    xcw_type_name(r->type),
                    xcw_domain_type_name(w->domain_type));

    switch (r->type) {
    case XCW_REC_END:
    case XCW_REC_VERIFY:
    case XCW_REC_CHECKPOINT:
        if ((rc = exact_len(w, 0)))
            return rc;
        return done(w);
    case XCW_REC_STATIC_DATA_END:
        if ((rc = exact_len(w, 0)))
            return rc;
        if (w->static_data_end)
            return fail(w, SR_E_SEQUENCE, r->offset,
                        "second STATIC_DATA_END");
        w->static_data_end = true;
        return done(w);
    case XCW_REC_PAGE_DATA:
    case XCW_REC_X86_PV_P2M_FRAMES:
        /* Version 3 promises all static data before any memory. */
        if (w->version >= 3 && !w->static_data_end)
            return fail(w, SR_E_SEQUENCE, r->offset,
                        "%s before STATIC_DATA_END in a version 3 stream",
                        xcw_type_name(r->type));
        if (r->type == XCW_REC_PAGE_DATA)
            return want(w, 8, P_PD_HDR, "PAGE_DATA header");
        return want(w, 8, P_P2M_HDR, "P2M_FRAMES header");
    case XCW_REC_X86_PV_INFO:
        /* Xen 4.17's restore takes it once, reads the first 8 octets and
         * ignores any more. */
        if (w->guest_width)
            return fail(w, SR_E_SEQUENCE, r->offset, "second X86_PV_INFO");
        if (r->length < 8)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "body length %u, must be at least 8", r->length);
        return want(w, 8, P_PV_INFO, "PV_INFO body");
    case XCW_REC_X86_PV_VCPU_BASIC:
    case XCW_REC_X86_PV_VCPU_EXTENDED:
    case XCW_REC_X86_PV_VCPU_XSAVE:
    case XCW_REC_X86_PV_VCPU_MSRS:
        if ((rc = vcpu_len(w)))
            return rc;
        return want(w, XCW_VCPU_HDR_SIZE, P_VCPU_HDR, "vCPU header");
    case XCW_REC_SHARED_INFO:
        if ((rc = exact_len(w, XCW_PAGE_SIZE)))
            return rc;
        return skip(w, r->length, P_OPAQUE, "shared info page");
    case XCW_REC_X86_TSC_INFO:
        if ((rc = exact_len(w, 24)))
            return rc;
        return want(w, 24, P_TSC, "TSC_INFO body");
    case XCW_REC_HVM_CONTEXT:
        w->hvm_end_seen = false;
        w->hvm_entries = 0;
        return want(w, HVM_DESC_SIZE, P_HVM_DESC, "HVM save descriptor");
    case XCW_REC_HVM_PARAMS:
        return want(w, 8, P_PARAMS_HDR, "HVM_PARAMS header");
    case XCW_REC_CHECKPOINT_DIRTY_PFN_LIST:
        if ((rc = multiple_len(w, 0, 8, true)))
            return rc;
        r->count = r->length / 8;
        return skip(w, r->length, P_OPAQUE, "dirty pfn list");
    case XCW_REC_X86_CPUID_POLICY:
    case XCW_REC_X86_MSR_POLICY:
        if ((rc = multiple_len(w, 0,
                               r->type == XCW_REC_X86_CPUID_POLICY ? 24 : 16,
                               false)))
            return rc;
        if (w->static_data_end)
            return fail(w, SR_E_SEQUENCE, r->offset,
                        "%s after STATIC_DATA_END", xcw_type_name(r->type));
        r->count = r->length / (r->type == XCW_REC_X86_CPUID_POLICY ? 24 : 16);
        return skip(w, r->length, P_OPAQUE, "policy entries");
    case XCW_REC_TOOLSTACK:
        /* Xen 4.6's libxl kept the device model's physmap keys here; from
         * 4.7 they are EMULATOR_XENSTORE_DATA, and Xen 4.17's restore has
         * no handler for this mandatory record, so it refuses the image. */
        return fail(w, SR_E_UNKNOWN_TYPE, r->offset,
                    "TOOLSTACK (Xen 4.6's toolstack data): Xen 4.17's "
                    "restore does not handle it and refuses the image");
    default:
        if (r->type & XCW_REC_OPTIONAL_BIT)
            return skip(w, r->length, P_OPAQUE, "optional record");
        return fail(w, SR_E_UNKNOWN_TYPE, r->offset,
                    "type 0x%08x is reserved for mandatory records", r->type);
    }
}

static bool pfn_type_has_data(unsigned type)
{
    return type != PFN_TYPE_BROKEN && type != PFN_TYPE_XALLOC &&
           type != PFN_TYPE_XTAB;
}

/*
 * X86_PV_P2M_FRAMES lists one frame per page of the guest's p2m that holds
 * an entry between its start and end pfns; a page of p2m holds 4096 /
 * guest width entries.  Xen 4.17's restore needs X86_PV_INFO first, for
 * the width, and the list to be exactly that long.
 */
static int p2m_frames_len(xc_walk *w)
{
    const xcw_record *r = &w->rec;
    uint32_t per_frame, frames;

    if (!w->guest_width)
        return fail(w, SR_E_SEQUENCE, r->offset,
                    "X86_PV_P2M_FRAMES before X86_PV_INFO (the guest width "
                    "sizes the p2m)");
    per_frame = XCW_PAGE_SIZE / w->guest_width;
    frames = r->last / per_frame - r->first / per_frame + 1;
    if (w->body_left != (uint64_t)frames * 8)
        return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                    "p2m frame list of %llu octets, pfns 0x%x..0x%x of a "
                    "%u-bit guest need %u frames (%u octets)",
                    (unsigned long long)w->body_left, r->first, r->last,
                    w->guest_width * 8, frames, frames * 8);
    return SR_OK;
}

/* The current unit is complete: check it and pick the next one. */
static int body_unit(xc_walk *w)
{
    xcw_record *r = &w->rec;
    const unsigned char *a = w->acc;
    uint64_t off = unit_offset(w);
    xcw_event ev;
    int rc;

    switch (w->phase) {
    case P_PD_HDR:
        r->count = le32(a);
        if (r->count == 0)
            return fail(w, SR_E_BAD_FIELD, off, "PAGE_DATA count is 0");
        if (r->count > XCW_MAX_BATCH)
            return fail(w, SR_E_TOO_LONG, off,
                        "PAGE_DATA count %u exceeds the cap of %u",
                        r->count, XCW_MAX_BATCH);
        if ((uint64_t)r->count * 8 > w->body_left)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "PAGE_DATA count %u needs %llu octets of pfns, "
                        "body length is %u", r->count,
                        (unsigned long long)r->count * 8, r->length);
        w->items_left = r->count;
        return want(w, 8, P_PD_PFN, "pfn array");
    case P_PD_PFN: {
        uint64_t ent = le64(a);
        unsigned type = (unsigned)(ent >> 60);
        uint64_t expect;

        if (type >= 5 && type <= 8)
            return fail(w, SR_E_BAD_FIELD, off,
                        "pfn entry %u has reserved type 0x%x",
                        r->count - w->items_left, type);
        if (ent & PFN_RESERVED_MASK)
            return fail(w, SR_E_BAD_FIELD, off,
                        "pfn entry %u has reserved bits set (0x%016llx)",
                        r->count - w->items_left, (unsigned long long)ent);
        if (w->items_left == r->count)
            r->first = (uint32_t)(ent & PFN_MASK);
        r->last = (uint32_t)(ent & PFN_MASK);
        ev.kind = XCW_EV_PAGE_ENTRY;
        ev.offset = off;
        ev.u.page.pfn = ent & PFN_MASK;
        ev.u.page.type = type;
        ev.u.page.has_data = pfn_type_has_data(type);
        emit(w, &ev);
        if (pfn_type_has_data(type))
            r->data_pages++;
        else if (type == PFN_TYPE_XALLOC)
            r->alloc_only++;
        if (--w->items_left)
            return want(w, 8, P_PD_PFN, "pfn array");
        expect = 8 + (uint64_t)r->count * 8 +
                 (uint64_t)r->data_pages * XCW_PAGE_SIZE;
        if (expect != r->length)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "PAGE_DATA count mismatch: %u pfns with %u "
                        "data pages need body length %llu, have %u%s",
                        r->count, r->data_pages,
                        (unsigned long long)expect, r->length,
                        r->alloc_only ? " (allocate-only entries carry "
                                        "no data)" : "");
        return skip(w, (uint64_t)r->data_pages * XCW_PAGE_SIZE, P_PD_DATA,
                    "page data");
    }
    case P_PD_DATA:
        w->pages += r->data_pages;
        w->alloc_only_pages += r->alloc_only;
        return done(w);
    case P_PV_INFO:
        r->guest_width = a[0];
        r->pt_levels = a[1];
        if (r->guest_width != 4 && r->guest_width != 8)
            return fail(w, SR_E_BAD_FIELD, off, "guest width %u",
                        r->guest_width);
        if (r->pt_levels != (r->guest_width == 8 ? 4 : 3))
            return fail(w, SR_E_BAD_FIELD, off + 1,
                        "page table levels %u with guest width %u (a "
                        "64-bit guest has 4, a 32-bit one 3)", r->pt_levels,
                        r->guest_width);
        w->guest_width = r->guest_width;
        if (w->body_left)
            return skip(w, w->body_left, P_OPAQUE, "X86_PV_INFO tail");
        return done(w);
    case P_P2M_HDR:
        r->first = le32(a);
        r->last = le32(a + 4);
        if (r->last < r->first)
            return fail(w, SR_E_BAD_FIELD, off,
                        "p2m end pfn %u below start pfn %u", r->last,
                        r->first);
        if (w->body_left == 0 || w->body_left % 8)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "p2m frame list of %llu octets is not a non-zero "
                        "multiple of 8", (unsigned long long)w->body_left);
        if ((rc = p2m_frames_len(w)))
            return rc;
        r->count = (uint32_t)(w->body_left / 8);
        return skip(w, w->body_left, P_P2M_FRAMES, "p2m frame list");
    case P_VCPU_HDR:
        r->vcpu_id = le32(a);
        return skip(w, w->body_left, P_VCPU_DATA, "vCPU context");
    case P_TSC:
        r->tsc_mode = le32(a);
        r->tsc_khz = le32(a + 4);
        r->tsc_nsec = le64(a + 8);
        return done(w);
    case P_HVM_DESC: {
        uint16_t code = le16(a), inst = le16(a + 2);
        uint32_t len = le32(a + 4);

        ev.kind = XCW_EV_HVM_ENTRY;
        ev.offset = off;
        ev.u.hvm.typecode = code;
        ev.u.hvm.instance = inst;
        ev.u.hvm.length = len;
        if (w->hvm_entries == 0 && code != HVM_SAVE_HEADER)
            return fail(w, SR_E_BAD_FIELD, off,
                        "first HVM save record is %s, not HEADER",
                        xcw_hvm_code_name(code) ? xcw_hvm_code_name(code)
                                                : "unknown");
        if (code > HVM_SAVE_CODE_MAX)
            return fail(w, SR_E_BAD_FIELD, off,
                        "HVM save record %u has unknown typecode %u",
                        w->hvm_entries, code);
        if (len > w->body_left)
            return fail(w, SR_E_BAD_LENGTH, off + 4,
                        "HVM save record %u (%s) length %u runs past the "
                        "body (%llu octets left)", w->hvm_entries,
                        xcw_hvm_code_name(code), len,
                        (unsigned long long)w->body_left);
        w->hvm_entries++;
        r->count = w->hvm_entries;
        emit(w, &ev);
        if (code == HVM_SAVE_END) {
            if (len != 0)
                return fail(w, SR_E_BAD_FIELD, off + 4,
                            "HVM END save record has length %u", len);
            if (w->body_left)
                return fail(w, SR_E_BAD_LENGTH, off + HVM_DESC_SIZE,
                            "%llu octets after the HVM END save record",
                            (unsigned long long)w->body_left);
            w->hvm_end_seen = true;
            return done(w);
        }
        if (code == HVM_SAVE_HEADER) {
            if (len != HVM_HEADER_SIZE)
                return fail(w, SR_E_BAD_FIELD, off + 4,
                            "HVM HEADER save record has length %u, must "
                            "be %u", len, HVM_HEADER_SIZE);
            return want(w, HVM_HEADER_SIZE, P_HVM_HEADER,
                        "HVM HEADER save record");
        }
        return skip(w, len, P_HVM_DATA, "HVM save record");
    }
    case P_HVM_HEADER:
        if (le32(a) != HVM_FILE_MAGIC)
            return fail(w, SR_E_BAD_FIELD, off,
                        "HVM save HEADER magic 0x%08x, expected 0x%08x",
                        le32(a), HVM_FILE_MAGIC);
        /* fall through */
    case P_HVM_DATA:
        if (w->body_left == 0)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "HVM_CONTEXT ends without an END save record");
        return want(w, HVM_DESC_SIZE, P_HVM_DESC, "HVM save descriptor");
    case P_PARAMS_HDR:
        r->count = le32(a);
        if (r->count > XCW_MAX_HVM_PARAMS)
            return fail(w, SR_E_TOO_LONG, off,
                        "HVM_PARAMS count %u exceeds the cap of %u",
                        r->count, XCW_MAX_HVM_PARAMS);
        if (8 + (uint64_t)r->count * 16 != r->length)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "HVM_PARAMS count %u needs body length %llu, "
                        "have %u", r->count,
                        (unsigned long long)(8 + (uint64_t)r->count * 16),
                        r->length);
        w->items_left = r->count;
        if (!r->count)
            return done(w);
        return want(w, 16, P_PARAM, "HVM param entry");
    case P_PARAM:
        ev.kind = XCW_EV_HVM_PARAM;
        ev.offset = off;
        ev.u.param.index = le64(a);
        ev.u.param.value = le64(a + 8);
        emit(w, &ev);
        if (--w->items_left)
            return want(w, 16, P_PARAM, "HVM param entry");
        return done(w);
    case P_P2M_FRAMES:
    case P_VCPU_DATA:
    case P_OPAQUE:
        return done(w);
    default:
        return fail(w, SR_E_INVALID_ARG, off, "walker phase %d", w->phase);
    }
}

/* ---- Records as the framer hands them over ---- */

/* Body octets (NULL: passed over unseen, only inside an opaque run). */
static int body_bytes(xc_walk *w, const unsigned char *p, size_t len)
{
    size_t n;
    int rc;

    if (!p && len && (w->acc_have < w->acc_want || w->skip < len))
        return fail(w, SR_E_INVALID_ARG, w->offset,
                    "%zu octets passed over where they must be read", len);
    for (;;) {
        if (w->phase == P_DONE) {
            if (len)
                return fail(w, SR_E_BAD_LENGTH, w->offset,
                            "%llu unexpected octets at the end of the body",
                            (unsigned long long)w->body_left);
            return SR_OK;
        }
        if (w->acc_have < w->acc_want) {
            n = w->acc_want - w->acc_have;
            if (n > len)
                n = len;
            if (n)
                memcpy(w->acc + w->acc_have, p, n);
            w->acc_have += (uint32_t)n;
            if (w->acc_have < w->acc_want) {
                w->offset += n;
                w->body_left -= n;
                return SR_OK;
            }
        } else if (w->skip) {
            if (!len)
                return SR_OK;
            n = len < w->skip ? len : (size_t)w->skip;
            w->skip -= n;
        } else {
            n = 0;
        }
        if (p)
            p += n;
        len -= n;
        w->offset += n;
        w->body_left -= n;
        if (w->skip)
            return SR_OK;
        rc = body_unit(w);
        if (rc < 0)
            return rc;
    }
}

static int record_begin(xc_walk *w, const libxl__sr_item *it)
{
    xcw_event ev;
    int rc;

    memset(&w->rec, 0, sizeof(w->rec));
    w->rec.index = (uint64_t)it->index;
    w->rec.offset = it->offset;
    w->rec.type = it->type;
    w->rec.length = it->length;
    w->offset = it->offset + 8;
    w->body_left = it->length;
    w->skip = 0;
    w->acc_have = w->acc_want = 0;
    w->phase = P_DONE;
    rc = body_begin(w);
    if (rc < 0)
        return rc;
    ev.kind = XCW_EV_RECORD_BEGIN;
    ev.offset = w->rec.offset;
    ev.u.record = &w->rec;
    emit(w, &ev);
    return SR_OK;
}

/* Body and padding are complete. */
static void record_complete(xc_walk *w)
{
    xcw_event ev;

    ev.kind = XCW_EV_RECORD;
    ev.offset = w->rec.offset;
    ev.u.record = &w->rec;
    emit(w, &ev);
    w->records++;
    if (w->rec.type == XCW_REC_END)
        w->end_seen = true;
    if (w->rec.type == XCW_REC_CHECKPOINT) {
        w->checkpointed = true;
        w->checkpoints++;
    }
}

int xcw_item(xc_walk *w, const libxl__sr_item *it)
{
    xcw_event ev;
    int rc = SR_OK;

    if (w->failed)
        return w->err.code;
    switch (it->kind) {
    case LIBXL__SR_FR_XC_IHDR:
        w->version = it->u.xc_image.version;
        ev.kind = XCW_EV_IMAGE_HEADER;
        ev.offset = it->offset;
        ev.u.image.version = it->u.xc_image.version;
        ev.u.image.options = it->u.xc_image.options;
        emit(w, &ev);
        w->offset = it->offset + LIBXL_SR_XC_IHDR_SIZE;
        return SR_OK;
    case LIBXL__SR_FR_XC_DHDR:
        w->domain_type = it->u.xc_domain.type;
        ev.kind = XCW_EV_DOMAIN_HEADER;
        ev.offset = it->offset;
        ev.u.domain.type = it->u.xc_domain.type;
        ev.u.domain.page_shift = it->u.xc_domain.page_shift;
        ev.u.domain.xen_major = it->u.xc_domain.xen_major;
        ev.u.domain.xen_minor = it->u.xc_domain.xen_minor;
        emit(w, &ev);
        w->offset = it->offset + LIBXL_SR_XC_DHDR_SIZE;
        return SR_OK;
    case LIBXL__SR_FR_XC_REC_HDR:
        rc = record_begin(w, it);
        break;
    case LIBXL__SR_FR_XC_CHUNK:
        rc = body_bytes(w, it->u.body.data, it->u.body.len);
        break;
    case LIBXL__SR_FR_XC_PADDING:
        w->offset = it->offset + libxl__sr_padding(it->length);
        break;
    default:
        return SR_OK;
    }
    if (rc == SR_OK && it->complete)
        record_complete(w);
    return rc;
}

/* ---- A bare libxc stream, pushed ---- */

int xcw_push(xc_walk *w, const void *buf, size_t len, size_t *consumed)
{
    const unsigned char *p = buf;
    libxl__sr_item it;
    size_t used;
    int r;

    *consumed = 0;
    for (;;) {
        if (w->failed)
            return w->err.code;
        if (w->paused)
            return XCW_PAUSE;
        r = libxl__sr_framer_push(&w->fr, p + *consumed, len - *consumed,
                                 &used, &it, &w->err);
        *consumed += used;
        if (r < 0) {
            w->failed = true;
            return r;
        }
        if (r == 0) {
            w->offset = w->fr.offset;
            return XCW_MORE;
        }
        r = xcw_item(w, &it);
        if (r < 0)
            return r;
        if (it.complete && (it.type == XCW_REC_END ||
                            it.type == XCW_REC_CHECKPOINT)) {
            w->paused = true;
            w->offset = w->fr.offset;
        }
    }
}

/* The layer above has had octets of its own in between: the next libxc
 * record starts at offset. */
void xcw_resume(xc_walk *w, uint64_t offset)
{
    w->paused = false;
    w->offset = offset;
    w->fr.offset = offset;
}

void xcw_skipped(xc_walk *w, uint64_t n)
{
    libxl__sr_item it;
    uint64_t size;

    if (n > xcw_skippable(w))
        n = xcw_skippable(w);
    if (!n || libxl__sr_framer_next(&w->fr, &size) != LIBXL__SR_FR_XC_CHUNK)
        return;
    if (libxl__sr_framer_skip(&w->fr, n, &it, &w->err) < 0 ||
        xcw_item(w, &it) < 0)
        w->failed = true;
}

bool xcw_between_records(const xc_walk *w)
{
    size_t have;

    libxl__sr_framer_partial(&w->fr, &have);
    return w->paused ||
           (libxl__sr_framer_next(&w->fr, NULL) == LIBXL__SR_FR_XC_REC_HDR &&
            have == 0);
}

int xcw_finish(xc_walk *w)
{
    const void *partial;
    size_t have;
    int r;

    if (w->failed)
        return w->err.code;
    if (w->paused)
        return SR_OK;
    /* A Remus/COLO stream legitimately stops after a checkpoint. */
    if (w->checkpointed && xcw_between_records(w))
        return SR_OK;
    partial = libxl__sr_framer_partial(&w->fr, &have);
    r = libxl__sr_framer_end(&w->fr, partial, have, &w->err);
    if (r < 0)
        w->failed = true;
    return r;
}
