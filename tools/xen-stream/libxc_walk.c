/*
 * libxc_walk.c: checks libxc's migration stream as it streams past.
 *
 * The walker is a state machine over three kinds of unit: a small fixed
 * structure that is assembled in w->acc and then checked, a run of opaque
 * octets that is only counted (page contents, vCPU contexts), and padding.
 * Each record type is a short sequence of such units ("phases"), chosen
 * by body_begin() and advanced by body_unit().  Because no unit is ever
 * larger than w->acc, memory use is the same for a 1 MiB and a 1 TiB image.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libxc_walk.h"
#include "libxc_record_names.h"

enum {
    S_IHDR,      /* image header */
    S_DHDR,      /* domain header */
    S_RHDR,      /* record header */
    S_BODY,
    S_PAD,
    S_PAUSED,    /* END or CHECKPOINT seen; the layer above owns the bytes */
    S_FAILED,
};

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
#define PFN_TYPE_XALLOC    0xeu
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

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* ---- Names ---- */

const char *xcw_type_name(uint32_t type)
{
    return libxc_record_name(type);
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

    w->err.code = code;
    w->err.offset = offset;
    switch (w->state) {
    case S_IHDR:
        w->err.record_index = -1;
        w->err.record_type = 0;
        break;
    case S_DHDR:
        w->err.record_index = -2;
        w->err.record_type = 0;
        break;
    default:
        w->err.record_index = (int64_t)w->rec.index;
        w->err.record_type = w->rec.type;
        break;
    }
    va_start(ap, fmt);
    vsnprintf(w->err.detail, sizeof(w->err.detail), fmt, ap);
    va_end(ap);
    w->state = S_FAILED;
    return code;
}

char *xcw_format_error(const libxl__sr_error *err, char *buf, size_t len)
{
    const char *name;

    if (!buf || !len)
        return buf;
    if (err->record_index == -1 || err->record_index == -2) {
        snprintf(buf, len, "libxc %s header at offset %llu: %s: %s",
                 err->record_index == -1 ? "image" : "domain",
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code), err->detail);
        return buf;
    }
    name = xcw_type_name(err->record_type);
    if (err->code == SR_E_TRUNCATED && err->record_type == 0xffffffffu)
        snprintf(buf, len, "libxc record %lld (header incomplete) at offset "
                 "%llu: %s: %s", (long long)err->record_index,
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code), err->detail);
    else if (name)
        snprintf(buf, len, "libxc record %lld (%s) at offset %llu: %s: %s",
                 (long long)err->record_index, name,
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code), err->detail);
    else
        snprintf(buf, len,
                 "libxc record %lld (type 0x%08x) at offset %llu: %s: %s",
                 (long long)err->record_index, err->record_type,
                 (unsigned long long)err->offset,
                 libxl__sr_strerror(err->code), err->detail);
    return buf;
}

/* ---- Setup ---- */

void xcw_init(xc_walk *w, uint64_t base, xcw_event_fn *event, void *opaque)
{
    memset(w, 0, sizeof(*w));
    w->event = event;
    w->opaque = opaque;
    w->offset = base;
    w->state = S_IHDR;
    w->acc_want = XCW_IHDR_SIZE;
}

static void start_record_header(xc_walk *w)
{
    w->state = S_RHDR;
    w->acc_have = 0;
    w->acc_want = 8;
}

void xcw_resume(xc_walk *w, uint64_t offset)
{
    w->offset = offset;
    start_record_header(w);
}

uint64_t xcw_skippable(const xc_walk *w)
{
    return w->state == S_BODY ? w->skip : 0;
}

void xcw_skipped(xc_walk *w, uint64_t n)
{
    if (n > xcw_skippable(w))
        n = xcw_skippable(w);
    w->skip -= n;
    w->body_left -= n;
    w->offset += n;
}

bool xcw_between_records(const xc_walk *w)
{
    return w->state == S_PAUSED || (w->state == S_RHDR && w->acc_have == 0);
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
        if ((rc = exact_len(w, 8)))
            return rc;
        return want(w, 8, P_PV_INFO, "PV_INFO body");
    case XCW_REC_X86_PV_VCPU_BASIC:
    case XCW_REC_X86_PV_VCPU_EXTENDED:
    case XCW_REC_X86_PV_VCPU_XSAVE:
        if ((rc = multiple_len(w, 8, 1, false)))
            return rc;
        return want(w, 8, P_VCPU_HDR, "vCPU header");
    case XCW_REC_X86_PV_VCPU_MSRS:
        if ((rc = multiple_len(w, 8, 16, false)))
            return rc;
        return want(w, 8, P_VCPU_HDR, "vCPU header");
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
        /* Deprecated, but old senders may still write it: pass over. */
        return skip(w, r->length, P_OPAQUE, "toolstack blob");
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

/* The current unit is complete: check it and pick the next one. */
static int body_unit(xc_walk *w)
{
    xcw_record *r = &w->rec;
    const unsigned char *a = w->acc;
    uint64_t off = unit_offset(w);
    xcw_event ev;

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
        if (pfn_type_has_data(type))
            r->data_pages++;
        if (--w->items_left)
            return want(w, 8, P_PD_PFN, "pfn array");
        expect = 8 + (uint64_t)r->count * 8 +
                 (uint64_t)r->data_pages * XCW_PAGE_SIZE;
        if (expect != r->length)
            return fail(w, SR_E_BAD_LENGTH, r->offset + 4,
                        "PAGE_DATA count mismatch: %u pfns with %u "
                        "data pages need body length %llu, have %u",
                        r->count, r->data_pages,
                        (unsigned long long)expect, r->length);
        return skip(w, (uint64_t)r->data_pages * XCW_PAGE_SIZE, P_PD_DATA,
                    "page data");
    }
    case P_PD_DATA:
        w->pages += r->data_pages;
        return done(w);
    case P_PV_INFO:
        r->guest_width = a[0];
        r->pt_levels = a[1];
        if (r->guest_width != 4 && r->guest_width != 8)
            return fail(w, SR_E_BAD_FIELD, off, "guest width %u",
                        r->guest_width);
        if (r->pt_levels != 3 && r->pt_levels != 4)
            return fail(w, SR_E_BAD_FIELD, off + 1, "page table levels %u",
                        r->pt_levels);
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

/* ---- Headers ---- */

static int image_header(xc_walk *w)
{
    const unsigned char *a = w->acc;
    uint16_t options;
    xcw_event ev;
    unsigned i;

    for (i = 0; i < 8; i++)
        if (a[i] != 0xff)
            return fail(w, SR_E_BAD_IDENT, w->offset - XCW_IHDR_SIZE,
                        "marker is not 0xFFFFFFFFFFFFFFFF (a legacy "
                        "pre-4.6 libxc image?)");
    if (memcmp(a + 8, "XENF", 4))
        return fail(w, SR_E_BAD_IDENT, w->offset - XCW_IHDR_SIZE + 8,
                    "id is not \"XENF\"");
    w->version = be32(a + 12);
    if (w->version != 2 && w->version != 3)
        return fail(w, SR_E_BAD_VERSION, w->offset - XCW_IHDR_SIZE + 12,
                    "libxc stream version %u, this walker knows 2 and 3",
                    w->version);
    options = (uint16_t)(a[16] << 8 | a[17]);
    if (options & 1)
        return fail(w, SR_E_BIG_ENDIAN, w->offset - XCW_IHDR_SIZE + 16,
                    "options 0x%04x", options);
    if (options & ~1u)
        return fail(w, SR_E_RESERVED_OPTION, w->offset - XCW_IHDR_SIZE + 16,
                    "options 0x%04x", options);
    ev.kind = XCW_EV_IMAGE_HEADER;
    ev.offset = w->offset - XCW_IHDR_SIZE;
    ev.u.image.version = w->version;
    ev.u.image.options = options;
    emit(w, &ev);
    w->state = S_DHDR;
    w->acc_have = 0;
    w->acc_want = XCW_DHDR_SIZE;
    return SR_OK;
}

static int domain_header(xc_walk *w)
{
    const unsigned char *a = w->acc;
    uint64_t base = w->offset - XCW_DHDR_SIZE;
    xcw_event ev;

    w->domain_type = le32(a);
    if (!xcw_domain_type_name(w->domain_type))
        return fail(w, SR_E_BAD_FIELD, base, "domain type %u is not x86 PV "
                    "or x86 HVM", w->domain_type);
    if (le16(a + 4) != 12)
        return fail(w, SR_E_BAD_FIELD, base + 4,
                    "page shift %u, x86 pages are 4096 octets (shift 12)",
                    le16(a + 4));
    ev.kind = XCW_EV_DOMAIN_HEADER;
    ev.offset = base;
    ev.u.domain.type = w->domain_type;
    ev.u.domain.page_shift = le16(a + 4);
    ev.u.domain.xen_major = le32(a + 8);
    ev.u.domain.xen_minor = le32(a + 12);
    emit(w, &ev);
    start_record_header(w);
    return SR_OK;
}

static int record_header(xc_walk *w)
{
    xcw_event ev;
    int rc;

    memset(&w->rec, 0, sizeof(w->rec));
    w->rec.index = w->records;
    w->rec.offset = w->offset - 8;
    w->rec.type = le32(w->acc);
    w->rec.length = le32(w->acc + 4);
    w->state = S_BODY;
    w->body_left = w->rec.length;
    w->skip = 0;
    w->acc_have = w->acc_want = 0;
    w->phase = P_DONE;
    rc = body_begin(w);
    if (rc == SR_OK) {
        ev.kind = XCW_EV_RECORD_BEGIN;
        ev.offset = w->rec.offset;
        ev.u.record = &w->rec;
        emit(w, &ev);
    }
    return rc;
}

/* Body and padding are complete. */
static int record_complete(xc_walk *w)
{
    xcw_event ev;

    ev.kind = XCW_EV_RECORD;
    ev.offset = w->rec.offset;
    ev.u.record = &w->rec;
    emit(w, &ev);
    w->records++;
    if (w->rec.type == XCW_REC_END) {
        w->end_seen = true;
        w->state = S_PAUSED;
        return XCW_PAUSE;
    }
    if (w->rec.type == XCW_REC_CHECKPOINT) {
        w->checkpointed = true;
        w->checkpoints++;
        w->state = S_PAUSED;
        return XCW_PAUSE;
    }
    start_record_header(w);
    return XCW_MORE;
}

/* ---- The pump ---- */

int xcw_push(xc_walk *w, const void *buf, size_t len, size_t *consumed)
{
    const unsigned char *p = buf;
    size_t used = 0;
    int rc;

    *consumed = 0;
    for (;;) {
        switch (w->state) {
        case S_FAILED:
            return w->err.code;
        case S_PAUSED:
            *consumed = used;
            return XCW_PAUSE;
        case S_PAD:
            while (w->pad_left && used < len) {
                if (p[used])
                    return fail(w, SR_E_BAD_PADDING, w->offset,
                                "padding octet is 0x%02x", p[used]);
                used++;
                w->offset++;
                w->pad_left--;
            }
            if (w->pad_left)
                goto need_more;
            rc = record_complete(w);
            if (rc == XCW_PAUSE) {
                *consumed = used;
                return XCW_PAUSE;
            }
            continue;
        default:
            break;
        }

        /* Assemble a structure, if one is wanted. */
        if (w->acc_have < w->acc_want) {
            size_t n = w->acc_want - w->acc_have;

            if (n > len - used)
                n = len - used;
            memcpy(w->acc + w->acc_have, p + used, n);
            w->acc_have += (uint32_t)n;
            used += n;
            w->offset += n;
            if (w->state == S_BODY)
                w->body_left -= n;
            if (w->acc_have < w->acc_want)
                goto need_more;
        }

        switch (w->state) {
        case S_IHDR:
            rc = image_header(w);
            break;
        case S_DHDR:
            rc = domain_header(w);
            break;
        case S_RHDR:
            rc = record_header(w);
            break;
        case S_BODY:
            if (w->skip) {
                size_t n = len - used;

                if (n > w->skip)
                    n = (size_t)w->skip;
                used += n;
                w->offset += n;
                w->skip -= n;
                w->body_left -= n;
                if (w->skip)
                    goto need_more;
                rc = body_unit(w);
            } else if (w->phase != P_DONE) {
                /* A structure is complete, or a zero-length run ended. */
                rc = body_unit(w);
            } else {
                /* No unit pending: the body is finished. */
                if (w->body_left)
                    return fail(w, SR_E_BAD_LENGTH, w->offset,
                                "%llu unexpected octets at the end of the "
                                "body", (unsigned long long)w->body_left);
                w->state = S_PAD;
                w->pad_left = libxl__sr_padding(w->rec.length);
                rc = SR_OK;
            }
            break;
        default:
            rc = SR_OK;
            break;
        }
        if (rc < 0)
            return rc;
    }

need_more:
    *consumed = used;
    return XCW_MORE;
}

int xcw_finish(xc_walk *w)
{
    static const unsigned char nothing;
    const char *what;
    size_t used;

    /* Let a unit that completed without input (an opaque run the caller
     * discarded with xcw_skipped) move the walker on before judging. */
    if (w->state != S_FAILED && w->state != S_PAUSED &&
        xcw_push(w, &nothing, 0, &used) == XCW_PAUSE)
        return SR_OK;
    if (w->state == S_FAILED)
        return w->err.code;
    if (w->state == S_PAUSED)
        return SR_OK;
    /* A Remus/COLO stream legitimately stops after a checkpoint. */
    if (w->state == S_RHDR && w->acc_have == 0 && w->checkpointed)
        return SR_OK;
    switch (w->state) {
    case S_IHDR: what = "the libxc image header"; break;
    case S_DHDR: what = "the libxc domain header"; break;
    case S_RHDR: what = "a libxc record header"; break;
    case S_PAD:  what = "record padding"; break;
    default:     what = "a record body"; break;
    }
    if (w->state == S_RHDR) {
        /* Name the record that was about to start. */
        memset(&w->rec, 0, sizeof(w->rec));
        w->rec.index = w->records;
        w->rec.offset = w->offset - w->acc_have;
        w->rec.type = w->acc_have >= 4 ? le32(w->acc) : 0xffffffffu;
    }
    if (w->state == S_BODY)
        return fail(w, SR_E_TRUNCATED, w->offset,
                    "stream ended inside %s, %llu of %u body octets missing",
                    what, (unsigned long long)w->body_left, w->rec.length);
    return fail(w, SR_E_TRUNCATED, w->offset, "stream ended inside %s", what);
}
