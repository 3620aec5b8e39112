/*
 * test_libxc_walk.c: the libxc walker, fed whole and in chunks of every
 * awkward size, and every way it refuses a stream.
 */

#include <stdint.h>
#include <stdlib.h>

#include "libxc_walk.h"
#include "unit.h"

/* ---- A tiny stream builder ---- */

static unsigned char s[1 << 16];
static size_t n;

static void put(const void *p, size_t len) { memcpy(s + n, p, len); n += len; }
static void p32(uint32_t v)
{
    unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    put(b, 4);
}
static void p16(unsigned v) { unsigned char b[2] = { v & 0xff, v >> 8 }; put(b, 2); }
static void p64(uint64_t v) { p32((uint32_t)v); p32((uint32_t)(v >> 32)); }
static void pad(void) { while (n % 8) s[n++] = 0; }

static void image(uint32_t version, unsigned options)
{
    put("\xff\xff\xff\xff\xff\xff\xff\xffXENF", 12);
    s[n++] = 0; s[n++] = 0; s[n++] = 0; s[n++] = (unsigned char)version;
    s[n++] = (unsigned char)(options >> 8); s[n++] = (unsigned char)options;
    memset(s + n, 0, 6); n += 6;
}

static void domain(uint32_t type, unsigned shift)
{
    p32(type); p16(shift); p16(0); p32(4); p32(17);
}

static void rec(uint32_t type, const void *body, uint32_t len)
{
    p32(type); p32(len);
    if (len)
        put(body, len);
    pad();
}

static void page_data(uint32_t count, uint32_t data, uint64_t type_bits)
{
    uint32_t i;

    p32(1); p32(8 + 8 * count + 4096 * data);
    p32(count); p32(0);
    for (i = 0; i < count; i++)
        p64(i | (i < data ? 0 : type_bits));
    memset(s + n, 0xab, 4096 * (size_t)data);
    n += 4096 * (size_t)data;
}

static void pv_start(void)
{
    unsigned char info[8] = { 8, 4 };

    n = 0;
    image(3, 0);
    domain(1, 12);
    rec(2, info, 8);
    rec(0x10, NULL, 0);
}

static void hvm_start(void)
{
    n = 0;
    image(3, 0);
    domain(2, 12);
    rec(0x10, NULL, 0);
}

/* HVM_CONTEXT body: HEADER, CPU, END. */
static size_t hvm_body(unsigned char *b, int good_magic, int with_end)
{
    size_t k = 0;

    memcpy(b + k, "\1\0\0\0\x18\0\0\0", 8); k += 8;
    memset(b + k, 0, 24);
    memcpy(b + k, good_magic ? "\x86\x12\x38\x54" : "XXXX", 4); k += 24;
    memcpy(b + k, "\2\0\0\0\x10\0\0\0", 8); k += 8;
    memset(b + k, 0x33, 16); k += 16;
    if (with_end) {
        memcpy(b + k, "\0\0\0\0\0\0\0\0", 8); k += 8;
    }
    return k;
}

/* ---- Running the walker ---- */

static xc_walk w;
static unsigned events[XCW_EV_PAGE_ENTRY + 1];
static unsigned records_seen;
static xcw_record last_vcpu;          /* the last X86_PV_VCPU_* reported */

static bool is_vcpu_record(uint32_t type)
{
    return type == XCW_REC_X86_PV_VCPU_BASIC ||
           type == XCW_REC_X86_PV_VCPU_EXTENDED ||
           type == XCW_REC_X86_PV_VCPU_XSAVE ||
           type == XCW_REC_X86_PV_VCPU_MSRS;
}

static void on_event(void *opaque, const xcw_event *ev)
{
    (void)opaque;
    events[ev->kind]++;
    if (ev->kind == XCW_EV_RECORD)
        records_seen++;
    if (ev->kind == XCW_EV_RECORD && is_vcpu_record(ev->u.record->type))
        last_vcpu = *ev->u.record;
}

/* Push the stream in chunks of `chunk` and return the final status:
 * XCW_PAUSE, or an error, or whatever finish says at the end. */
static int run(size_t chunk, size_t *consumed_total)
{
    size_t off = 0, used;
    int rc = XCW_MORE;

    memset(events, 0, sizeof(events));
    records_seen = 0;
    xcw_init(&w, 1000, on_event, NULL);
    while (off < n) {
        size_t k = n - off < chunk ? n - off : chunk;

        rc = xcw_push(&w, s + off, k, &used);
        off += used;
        if (rc != XCW_MORE)
            break;
    }
    if (consumed_total)
        *consumed_total = off;
    if (rc == XCW_MORE)
        rc = xcw_finish(&w);
    return rc;
}

static int run_whole(void)
{
    return run(n ? n : 1, NULL);
}

static void test_valid_pv_chunks(void)
{
    static const size_t chunks[] = { 1, 2, 3, 7, 8, 13, 4096, 65536 };
    static unsigned char vcpu[8 + XCW_VCPU_CTX_64];
    unsigned char tsc[24] = { 1, 0, 0, 0, 0x40, 0x9c };
    unsigned char p2m[16] = { 0, 0, 0, 0, 3, 0, 0, 0, 9 };
    unsigned char shinfo[4096] = { 0 };
    size_t i, used;
    int ok = 1;

    pv_start();
    rec(3, p2m, 16);
    page_data(4, 3, (uint64_t)0xf << 60);
    rec(8, tsc, 24);
    rec(7, shinfo, 4096);
    rec(4, vcpu, sizeof(vcpu));
    rec(5, vcpu, 8 + 12);                /* padded record */
    rec(0x0c, vcpu, 8 + 32);
    rec(0x80000005u, "skip me", 7);      /* optional */
    rec(0, NULL, 0);
    put("TAIL", 4);                      /* the libxl layer's bytes */
    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        int rc = run(chunks[i], &used);

        if (rc != XCW_PAUSE || used != n - 4 || w.pages != 3 ||
            w.records != 11 || !w.end_seen || w.offset != 1000 + n - 4 ||
            records_seen != 11 || events[XCW_EV_IMAGE_HEADER] != 1 ||
            events[XCW_EV_DOMAIN_HEADER] != 1 ||
            events[XCW_EV_PAGE_ENTRY] != 4) {
            printf("  chunk %zu: rc %d used %zu pages %llu records %llu\n",
                   chunks[i], rc, used, (unsigned long long)w.pages,
                   (unsigned long long)w.records);
            ok = 0;
        }
    }
    CHECK("walk/pv-every-chunk-size-same-result", ok);
    CHECK("walk/finish-after-end-ok", xcw_finish(&w) == SR_OK);
    CHECK("walk/between-records-after-end", xcw_between_records(&w));
}

static void test_valid_hvm_and_checkpoint(void)
{
    unsigned char ctx[128], params[8 + 32] = { 2 };
    size_t used;

    hvm_start();
    page_data(2, 2, 0);
    rec(9, ctx, (uint32_t)hvm_body(ctx, 1, 1));
    params[8] = 1; params[16] = 0xfc;    /* STORE_PFN */
    params[24] = 2; params[32] = 3;      /* STORE_EVTCHN */
    rec(10, params, sizeof(params));
    rec(14, NULL, 0);                    /* CHECKPOINT */
    CHECK("walk/hvm-pauses-at-checkpoint", run(5, &used) == XCW_PAUSE &&
          w.checkpointed && w.checkpoints == 1 && !w.end_seen);
    CHECK("walk/hvm-entries-reported", events[XCW_EV_HVM_ENTRY] == 3);
    CHECK("walk/hvm-params-reported", events[XCW_EV_HVM_PARAM] == 2);
    CHECK("walk/finish-at-checkpoint-ok", xcw_finish(&w) == SR_OK);

    /* Second checkpoint: libxc continues without headers. */
    n = 0;
    page_data(1, 1, 0);
    rec(15, "\1\0\0\0\0\0\0\0", 8);      /* dirty pfn list */
    rec(14, NULL, 0);
    xcw_resume(&w, 5000);
    CHECK("walk/resume-continues",
          xcw_push(&w, s, n, &used) == XCW_PAUSE && used == n &&
          w.checkpoints == 2 && w.offset == 5000 + n);
    xcw_resume(&w, 9000);
    CHECK("walk/ended-after-checkpoint-ok", xcw_finish(&w) == SR_OK);
    xcw_resume(&w, 9000);
    xcw_push(&w, "\1\0", 2, &used);
    CHECK("walk/cut-after-checkpoint-truncated",
          xcw_finish(&w) == SR_E_TRUNCATED);
}

typedef struct bad_case {
    const char *name;
    int code;
    const char *detail;
} bad_case;

static void expect_bad(const char *name, int code, const char *detail,
                       uint64_t offset)
{
    int rc = run_whole();
    char msg[300];

    libxl__sr_format_error(&w.err, msg, sizeof(msg));
    if (rc != code || !contains(w.err.detail, detail) ||
        (offset != UINT64_MAX && w.err.offset != offset))
        printf("  %s: rc %d offset %llu: %s\n", name, rc,
               (unsigned long long)w.err.offset, msg);
    CHECK(name, rc == code && contains(w.err.detail, detail) &&
          (offset == UINT64_MAX || w.err.offset == offset));
}

#define ANY UINT64_MAX

static void test_header_errors(void)
{
    n = 0; image(3, 0); s[3] = 0;
    expect_bad("walk-err/marker", SR_E_BAD_IDENT, "legacy", 1000);
    n = 0; image(3, 0); s[9] = 'Y';
    expect_bad("walk-err/id", SR_E_BAD_IDENT, "XENF", 1008);
    n = 0; image(1, 0);
    expect_bad("walk-err/version-1", SR_E_BAD_VERSION, "version 1", 1012);
    n = 0; image(4, 0);
    expect_bad("walk-err/version-4", SR_E_BAD_VERSION, "version 4", 1012);
    n = 0; image(3, 1);
    expect_bad("walk-err/big-endian", SR_E_BIG_ENDIAN, "options", 1016);
    n = 0; image(3, 0x100);
    expect_bad("walk-err/reserved-option", SR_E_RESERVED_OPTION, "options",
               1016);
    n = 0; image(3, 0); domain(3, 12);
    expect_bad("walk-err/domain-type", SR_E_BAD_FIELD, "domain type", 1024);
    n = 0; image(3, 0); domain(1, 16);
    expect_bad("walk-err/page-shift", SR_E_BAD_FIELD, "page shift", 1028);
    CHECK("walk-err/domain-header-index", w.err.record_index == -2);
}

static void test_record_errors(void)
{
    unsigned char b[256];

    memset(b, 0, sizeof(b));
    pv_start(); rec(0x13, NULL, 0);
    expect_bad("walk-err/unknown-mandatory", SR_E_UNKNOWN_TYPE, "0x00000013",
               ANY);
    CHECK("walk-err/unknown-index", w.err.record_index == 2 &&
          w.err.record_type == 0x13);
    pv_start(); p32(0x80000000u); p32(XCW_MAX_RECORD + 1);
    expect_bad("walk-err/record-over-cap", SR_E_TOO_LONG, "cap", ANY);
    pv_start(); p32(1); p32(0xfffffff9u);
    expect_bad("walk-err/wrapping-length", SR_E_TOO_LONG, "cap", ANY);
    pv_start(); rec(0, b, 8);
    expect_bad("walk-err/end-with-body", SR_E_BAD_LENGTH, "must be 0", ANY);
    pv_start(); rec(13, b, 8);
    expect_bad("walk-err/verify-with-body", SR_E_BAD_LENGTH, "must be 0", ANY);
    pv_start(); rec(9, b, 16);
    expect_bad("walk-err/hvm-record-in-pv", SR_E_SEQUENCE, "PV", ANY);
    hvm_start(); rec(2, b, 8);
    expect_bad("walk-err/pv-record-in-hvm", SR_E_SEQUENCE, "HVM", ANY);
    pv_start(); rec(0x10, NULL, 0);
    expect_bad("walk-err/second-static-data-end", SR_E_SEQUENCE, "second",
               ANY);
    pv_start(); rec(0x11, b, 24);
    expect_bad("walk-err/cpuid-after-static-end", SR_E_SEQUENCE, "after",
               ANY);
    n = 0; image(3, 0); domain(2, 12); page_data(1, 1, 0);
    expect_bad("walk-err/page-data-before-static-end-v3", SR_E_SEQUENCE,
               "version 3", ANY);
    n = 0; image(2, 0); domain(2, 12); page_data(1, 1, 0); rec(0, NULL, 0);
    CHECK("walk/v2-without-static-end-ok", run_whole() == XCW_PAUSE);
    n = 0; image(3, 0); domain(2, 12); rec(0x11, b, 20);
    expect_bad("walk-err/cpuid-policy-length", SR_E_BAD_LENGTH, "multiple",
               ANY);
    n = 0; image(3, 0); domain(2, 12); rec(0x12, b, 0);
    expect_bad("walk-err/msr-policy-empty", SR_E_BAD_LENGTH, "non-zero", ANY);
    hvm_start(); rec(15, b, 12);
    expect_bad("walk-err/dirty-list-length", SR_E_BAD_LENGTH, "multiple",
               ANY);
    b[0] = 5; b[1] = 4;
    n = 0; image(3, 0); domain(1, 12); rec(2, b, 8);
    expect_bad("walk-err/pv-info-width", SR_E_BAD_FIELD, "width", ANY);
    b[0] = 8; b[1] = 2;
    n = 0; image(3, 0); domain(1, 12); rec(2, b, 8);
    expect_bad("walk-err/pv-info-levels", SR_E_BAD_FIELD, "levels", ANY);
    n = 0; image(3, 0); domain(1, 12); rec(2, b, 4);
    expect_bad("walk-err/pv-info-length", SR_E_BAD_LENGTH, "at least 8",
               ANY);
    memset(b, 0, sizeof(b));
    pv_start(); b[0] = 5; rec(3, b, 16);
    expect_bad("walk-err/p2m-end-below-start", SR_E_BAD_FIELD, "below", ANY);
    pv_start(); b[0] = 0; rec(3, b, 12);
    expect_bad("walk-err/p2m-list-length", SR_E_BAD_LENGTH, "multiple", ANY);
    pv_start(); rec(3, b, 8);
    expect_bad("walk-err/p2m-list-empty", SR_E_BAD_LENGTH, "non-zero", ANY);
    pv_start(); rec(4, b, 4);
    expect_bad("walk-err/vcpu-too-short", SR_E_BAD_LENGTH, "body length 4",
               ANY);
    pv_start(); rec(0x0c, b, 8 + 12);
    expect_bad("walk-err/vcpu-msrs-length", SR_E_BAD_LENGTH, "multiple of 16",
               ANY);
    pv_start(); rec(7, b, 100);
    expect_bad("walk-err/shared-info-length", SR_E_BAD_LENGTH, "must be 4096",
               ANY);
    pv_start(); rec(8, b, 16);
    expect_bad("walk-err/tsc-info-length", SR_E_BAD_LENGTH, "must be 24",
               ANY);
    pv_start(); rec(0x80000001u, "abc", 3); s[n - 1] = 9;
    expect_bad("walk-err/nonzero-padding", SR_E_BAD_PADDING, "padding",
               1000 + n - 1);
}

/*
 * Every vCPU record size rule of Xen 4.17's restore, both sides of each
 * boundary: BASIC exactly one context of the guest's width, EXTENDED at
 * most 128, XSAVE at least 16, MSRS whole 16-octet entries, and any of
 * them with no context at all (Xen 4.6-4.8 senders) accepted as empty.
 */
struct vcpu_case {
    const char *name;
    int width;                 /* 0: no X86_PV_INFO before the record */
    uint32_t type, ctx;
    bool ok;
    const char *detail;
};

static const struct vcpu_case vcpu_cases[] = {
    { "basic-empty", 8, 4, 0, true, NULL },
    { "extended-empty", 8, 5, 0, true, NULL },
    { "xsave-empty", 8, 6, 0, true, NULL },
    { "msrs-empty", 8, 0x0c, 0, true, NULL },
    { "basic-64", 8, 4, XCW_VCPU_CTX_64, true, NULL },
    { "basic-64-one-short", 8, 4, XCW_VCPU_CTX_64 - 1, false, "5167" },
    { "basic-64-one-long", 8, 4, XCW_VCPU_CTX_64 + 8, false, "64-bit" },
    { "basic-32-in-64-bit", 8, 4, XCW_VCPU_CTX_32, false, "is 5168" },
    { "basic-32", 4, 4, XCW_VCPU_CTX_32, true, NULL },
    { "basic-64-in-32-bit", 4, 4, XCW_VCPU_CTX_64, false, "is 2800" },
    { "basic-before-pv-info", 0, 4, XCW_VCPU_CTX_64, true, NULL },
    { "basic-old-1024", 8, 4, 1024, false, "vCPU context of 1024" },
    { "extended-1", 8, 5, 1, true, NULL },
    { "extended-128", 8, 5, 128, true, NULL },
    { "extended-129", 8, 5, 129, false, "exceeds 128" },
    { "xsave-15", 8, 6, 15, false, "shorter than" },
    { "xsave-16", 8, 6, 16, true, NULL },
    { "xsave-4096", 8, 6, 4096, true, NULL },
    { "msrs-8", 8, 0x0c, 8, false, "multiple of 16" },
    { "msrs-16", 8, 0x0c, 16, true, NULL },
    { "msrs-48", 8, 0x0c, 48, true, NULL },
};

static void test_vcpu_sizes(void)
{
    static unsigned char body[8 + XCW_VCPU_CTX_64 + 8];
    unsigned char info[8] = { 0 };
    char name[80];
    size_t i;

    for (i = 0; i < sizeof(vcpu_cases) / sizeof(vcpu_cases[0]); i++) {
        const struct vcpu_case *t = &vcpu_cases[i];
        int rc;

        n = 0;
        image(3, 0);
        domain(1, 12);
        if (t->width) {
            info[0] = (unsigned char)t->width;
            info[1] = t->width == 8 ? 4 : 3;
            rec(2, info, 8);
        }
        rec(0x10, NULL, 0);
        memset(body, 0x5a, sizeof(body));
        memcpy(body, "\x07\0\0\0\0\0\0\0", 8);   /* vcpu 7 */
        rec(t->type, body, 8 + t->ctx);
        rec(0, NULL, 0);
        snprintf(name, sizeof(name), "walk-vcpu/%s", t->name);
        memset(&last_vcpu, 0, sizeof(last_vcpu));
        rc = run_whole();
        if (t->ok) {
            CHECK(name, rc == XCW_PAUSE && last_vcpu.type == t->type &&
                  last_vcpu.vcpu_id == 7 &&
                  last_vcpu.empty == (t->ctx == 0));
        } else {
            CHECK(name, rc == SR_E_BAD_LENGTH &&
                  contains(w.err.detail, t->detail) &&
                  w.err.record_type == t->type);
            if (rc != SR_E_BAD_LENGTH || !contains(w.err.detail, t->detail))
                printf("  %s: rc %d: %s\n", name, rc, w.err.detail);
        }
    }
    /* TOOLSTACK (Xen 4.6): mandatory, and Xen 4.17 has no handler. */
    n = 0; image(3, 0); domain(2, 12); rec(0x10, NULL, 0);
    rec(11, "old toolstack blob", 18);
    expect_bad("walk-err/toolstack-refused", SR_E_UNKNOWN_TYPE,
               "refuses the image", ANY);
    /* X86_PV_INFO: longer is fine (restore reads 8 octets), twice is not. */
    info[0] = 8; info[1] = 4;
    n = 0; image(3, 0); domain(1, 12); rec(2, info, 8); rec(0x10, NULL, 0);
    memset(body, 0, 24);
    rec(2, body, 0);
    expect_bad("walk-err/pv-info-twice", SR_E_SEQUENCE, "second", ANY);
    memcpy(body, info, 2);
    n = 0; image(3, 0); domain(1, 12); rec(2, body, 20); rec(0, NULL, 0);
    CHECK("walk/pv-info-longer-accepted", run_whole() == XCW_PAUSE &&
          w.guest_width == 8);
    /* X86_PV_P2M_FRAMES: one frame per 512 (64-bit) or 1024 (32-bit)
     * pfns of the range, and only after X86_PV_INFO. */
    {
        static const struct { int width; uint32_t first, last, frames;
                              bool ok; } p2m[] = {
            { 8, 0, 511, 1, true }, { 8, 0, 512, 2, true },
            { 8, 0, 512, 1, false }, { 8, 511, 512, 2, true },
            { 8, 1024, 1535, 1, true }, { 8, 0, 0, 2, false },
            { 4, 0, 1023, 1, true }, { 4, 0, 1024, 1, false },
            { 4, 0, 1024, 2, true },
        };
        unsigned char pb[8 + 8 * 4];
        size_t k;
        int bad = 0;

        for (k = 0; k < sizeof(p2m) / sizeof(p2m[0]); k++) {
            int rc;

            memset(pb, 0, sizeof(pb));
            memcpy(pb, &p2m[k].first, 4);      /* little-endian host */
            memcpy(pb + 4, &p2m[k].last, 4);
            info[0] = (unsigned char)p2m[k].width;
            info[1] = p2m[k].width == 8 ? 4 : 3;
            n = 0; image(3, 0); domain(1, 12); rec(2, info, 8);
            rec(0x10, NULL, 0);
            rec(3, pb, 8 + 8 * p2m[k].frames);
            rec(0, NULL, 0);
            rc = run_whole();
            if (p2m[k].ok ? rc != XCW_PAUSE :
                (rc != SR_E_BAD_LENGTH ||
                 !contains(w.err.detail, "need"))) {
                printf("  p2m case %zu: rc %d: %s\n", k, rc, w.err.detail);
                bad = 1;
            }
        }
        CHECK("walk/p2m-frames-count-as-restore-wants", !bad);
        n = 0; image(3, 0); domain(1, 12); rec(0x10, NULL, 0);
        memset(pb, 0, sizeof(pb));
        rec(3, pb, 16);
        expect_bad("walk-err/p2m-before-pv-info", SR_E_SEQUENCE,
                   "before X86_PV_INFO", ANY);
    }
    /* X86_PV_INFO: the width decides the page-table levels. */
    info[0] = 8; info[1] = 3;
    n = 0; image(3, 0); domain(1, 12); rec(2, info, 8);
    expect_bad("walk-err/pv-info-64-bit-3-levels", SR_E_BAD_FIELD, "levels",
               ANY);
    info[0] = 4; info[1] = 4;
    n = 0; image(3, 0); domain(1, 12); rec(2, info, 8);
    expect_bad("walk-err/pv-info-32-bit-4-levels", SR_E_BAD_FIELD, "levels",
               ANY);
}

/* A PV stream whose PAGE_DATA has one page with data and one pfn of a
 * type without data, while its length counts a page for both. */
static void page_data_claiming_data(unsigned type)
{
    size_t rec_at;
    uint32_t len = 8 + 16 + 2 * 4096;

    pv_start();
    page_data(2, 1, (uint64_t)type << 60);
    rec_at = n - (8 + 8 + 16 + 4096);
    memcpy(s + rec_at + 4, &len, 4);
}

static void test_page_data_errors(void)
{
    pv_start(); p32(1); p32(8); p32(0); p32(0);
    expect_bad("walk-err/page-data-count-0", SR_E_BAD_FIELD, "count is 0",
               ANY);
    pv_start(); p32(1); p32(16); p32(XCW_MAX_BATCH + 1); p32(0);
    expect_bad("walk-err/page-data-count-over-cap", SR_E_TOO_LONG, "cap",
               ANY);
    pv_start(); p32(1); p32(16); p32(2); p32(0); p64(0);
    expect_bad("walk-err/page-data-pfns-beyond-body", SR_E_BAD_LENGTH,
               "needs", ANY);
    pv_start(); page_data(2, 2, 0); s[n - 8192 - 1] = 0x60;
    expect_bad("walk-err/page-data-reserved-type", SR_E_BAD_FIELD,
               "reserved type", ANY);
    pv_start(); page_data(2, 2, 0); s[n - 8192 - 1] = 0x01;
    expect_bad("walk-err/page-data-reserved-bits", SR_E_BAD_FIELD,
               "reserved bits", ANY);
    /* count says 2 data pages, the record holds 3 pages' worth */
    pv_start(); page_data(3, 3, 0);
    {
        size_t rec_at = n - (8 + 8 + 24 + 3 * 4096);

        s[rec_at + 8] = 2;
    }
    expect_bad("walk-err/page-data-count-mismatch", SR_E_BAD_LENGTH,
               "count mismatch", ANY);
    /* XTAB and XALLOC (zero pages left out) pfns carry no data: a record
     * claiming data for them is wrong */
    page_data_claiming_data(0xf);
    expect_bad("walk-err/page-data-xtab-with-data", SR_E_BAD_LENGTH,
               "count mismatch", ANY);
    pv_start(); page_data(3, 1, (uint64_t)0xd << 60); rec(0, NULL, 0);
    CHECK("walk/page-data-broken-no-data-ok", run_whole() == XCW_PAUSE &&
          w.pages == 1);
    pv_start(); page_data(3, 1, (uint64_t)0xe << 60); rec(0, NULL, 0);
    CHECK("walk/page-data-xalloc-no-data-ok", run_whole() == XCW_PAUSE &&
          w.pages == 1 && w.alloc_only_pages == 2);
    page_data_claiming_data(0xe);
    expect_bad("walk-err/page-data-xalloc-with-data", SR_E_BAD_LENGTH,
               "allocate-only entries carry no data", ANY);
    /* XTAB and BROKEN entries are not counted as left-out zero pages */
    pv_start(); page_data(3, 1, (uint64_t)0xf << 60); rec(0, NULL, 0);
    CHECK("walk/page-data-xtab-not-alloc-only", run_whole() == XCW_PAUSE &&
          w.pages == 1 && w.alloc_only_pages == 0);
    pv_start(); page_data(2, 2, (uint64_t)0x9 << 60); rec(0, NULL, 0);
    CHECK("walk/page-data-pinned-l1-ok", run_whole() == XCW_PAUSE);
}

static void test_hvm_errors(void)
{
    unsigned char ctx[128], p[8 + 16];
    size_t k;

    hvm_start(); k = hvm_body(ctx, 0, 1); rec(9, ctx, (uint32_t)k);
    expect_bad("walk-err/hvm-bad-magic", SR_E_BAD_FIELD, "magic", ANY);
    hvm_start(); k = hvm_body(ctx, 1, 0); rec(9, ctx, (uint32_t)k);
    expect_bad("walk-err/hvm-no-end", SR_E_BAD_LENGTH, "without an END", ANY);
    hvm_start(); k = hvm_body(ctx, 1, 1); ctx[0] = 2; rec(9, ctx, (uint32_t)k);
    expect_bad("walk-err/hvm-first-not-header", SR_E_BAD_FIELD,
               "not HEADER", ANY);
    hvm_start(); k = hvm_body(ctx, 1, 1); ctx[32] = 21;
    rec(9, ctx, (uint32_t)k);
    expect_bad("walk-err/hvm-unknown-code", SR_E_BAD_FIELD, "typecode 21",
               ANY);
    hvm_start(); k = hvm_body(ctx, 1, 1); ctx[36] = 200;
    rec(9, ctx, (uint32_t)k);
    expect_bad("walk-err/hvm-entry-past-body", SR_E_BAD_LENGTH, "runs past",
               ANY);
    hvm_start(); k = hvm_body(ctx, 1, 1); ctx[4] = 20;
    rec(9, ctx, (uint32_t)k);
    expect_bad("walk-err/hvm-header-length", SR_E_BAD_FIELD, "must be 24",
               ANY);
    hvm_start(); k = hvm_body(ctx, 1, 1); ctx[k - 4] = 1;
    memset(ctx + k, 0, 8);
    rec(9, ctx, (uint32_t)k + 1);
    expect_bad("walk-err/hvm-end-with-length", SR_E_BAD_FIELD, "END save "
               "record has length", ANY);
    hvm_start(); k = hvm_body(ctx, 1, 1); memset(ctx + k, 0, 8);
    rec(9, ctx, (uint32_t)k + 8);
    expect_bad("walk-err/hvm-data-after-end", SR_E_BAD_LENGTH, "after the "
               "HVM END", ANY);
    hvm_start(); rec(9, ctx, 5);
    expect_bad("walk-err/hvm-short-descriptor", SR_E_BAD_LENGTH, "inside the "
               "HVM save descriptor", ANY);
    memset(p, 0, sizeof(p));
    p[0] = 2;
    hvm_start(); rec(10, p, sizeof(p));
    expect_bad("walk-err/hvm-params-count", SR_E_BAD_LENGTH, "needs body",
               ANY);
    p[0] = 0; p[1] = 0x10;
    hvm_start(); rec(10, p, sizeof(p));
    expect_bad("walk-err/hvm-params-over-cap", SR_E_TOO_LONG, "cap", ANY);
    p[0] = 0; p[1] = 0;
    hvm_start(); rec(10, p, 8); rec(0, NULL, 0);
    CHECK("walk/hvm-params-empty-ok", run_whole() == XCW_PAUSE);
}

static void test_truncation(void)
{
    size_t full, cut;
    int ok = 1;
    unsigned char shinfo[4096] = { 0 };

    pv_start();
    page_data(2, 2, 0);
    rec(7, shinfo, 4096);
    rec(0x80000001u, "abc", 3);
    rec(0, NULL, 0);
    full = n;
    for (cut = 0; cut < full; cut++) {
        n = cut;
        if (run(977, NULL) != SR_E_TRUNCATED) {
            printf("  cut at %zu not reported as truncated\n", cut);
            ok = 0;
            break;
        }
    }
    CHECK("walk/truncation-at-every-offset", ok);
    n = 10;
    run_whole();
    CHECK("walk/truncated-image-header-named", w.err.record_index == -1 &&
          contains(w.err.detail, "image header"));
    n = 30;
    run_whole();
    CHECK("walk/truncated-domain-header-named", w.err.record_index == -2);
}

static void test_names_and_format(void)
{
    libxl__sr_error e;
    char buf[256];

    CHECK("names/page-data", !strcmp(xcw_type_name(1), "PAGE_DATA"));
    CHECK("names/msr-policy", !strcmp(xcw_type_name(0x12), "X86_MSR_POLICY"));
    CHECK("names/unknown", xcw_type_name(0x13) == NULL);
    CHECK("names/domain", !strcmp(xcw_domain_type_name(2), "x86 HVM") &&
          xcw_domain_type_name(0) == NULL);
    CHECK("names/hvm-codes", !strcmp(xcw_hvm_code_name(20), "CPU_MSR") &&
          !strcmp(xcw_hvm_code_name(16), "CPU_XSAVE") &&
          xcw_hvm_code_name(21) == NULL);
    CHECK("names/hvm-params", !strcmp(xcw_hvm_param_name(1), "STORE_PFN") &&
          xcw_hvm_param_name(3) == NULL && xcw_hvm_param_name(1000) == NULL);
    memset(&e, 0, sizeof(e));
    e.libxc = true;
    e.code = SR_E_BAD_LENGTH;
    e.record_index = 4;
    e.record_type = 1;
    e.offset = 99;
    strcpy(e.detail, "d");
    libxl__sr_format_error(&e, buf, sizeof(buf));
    CHECK("format/record", !strcmp(buf, "libxc record 4 (PAGE_DATA) at "
                                        "offset 99: bad record body length: d"));
    e.record_type = 0x77;
    libxl__sr_format_error(&e, buf, sizeof(buf));
    CHECK("format/unknown-type", contains(buf, "(type 0x00000077)"));
    e.record_index = -1;
    libxl__sr_format_error(&e, buf, sizeof(buf));
    CHECK("format/image-header", contains(buf, "libxc image header at "
                                               "offset 99"));
    e.record_index = -2;
    libxl__sr_format_error(&e, buf, sizeof(buf));
    CHECK("format/domain-header", contains(buf, "libxc domain header"));
    e.record_index = 3;
    e.code = SR_E_TRUNCATED;
    e.record_type = 0xffffffffu;
    libxl__sr_format_error(&e, buf, sizeof(buf));
    CHECK("format/incomplete-header", contains(buf, "header incomplete"));
}

static void test_failed_stays_failed(void)
{
    size_t used;

    n = 0; image(9, 0);
    run_whole();
    CHECK("walk/failed-stays-failed",
          xcw_push(&w, s, n, &used) == SR_E_BAD_VERSION &&
          xcw_finish(&w) == SR_E_BAD_VERSION);
}

static void test_static_and_skips(void)
{
    unsigned char b[48];
    size_t used;

    memset(b, 0, sizeof(b));
    n = 0;
    image(3, 0);
    domain(2, 12);
    rec(0x11, b, 48);                  /* 2 CPUID leaves */
    rec(0x12, b, 32);                  /* 2 MSRs */
    rec(0x10, NULL, 0);
    rec(0x80000003u, "skip me too", 11);  /* optional: passed over */
    page_data(2, 2, 0);
    rec(0, NULL, 0);
    CHECK("walk/policies-then-static-end-ok", run_whole() == XCW_PAUSE &&
          w.records == 6 && w.pages == 2);
    CHECK("walk/push-after-pause-consumes-nothing",
          xcw_push(&w, s, n, &used) == XCW_PAUSE && used == 0);

    /* Drop page contents unseen, as the pipe reader does. */
    xcw_init(&w, 0, NULL, NULL);
    {
        size_t off = 0;
        int rc = XCW_MORE;

        while (off < n && rc == XCW_MORE) {
            uint64_t k = xcw_skippable(&w);

            if (k) {
                xcw_skipped(&w, k + 100);  /* clamped to what is opaque */
                off += (size_t)k;
                continue;
            }
            rc = xcw_push(&w, s + off, 1, &used);
            off += used;
        }
        CHECK("walk/skipped-clamped-and-valid", rc == XCW_PAUSE &&
              w.pages == 2 && w.offset == n);
    }
    CHECK("walk/nothing-skippable-when-paused", xcw_skippable(&w) == 0);
}

int main(void)
{
    test_static_and_skips();
    test_valid_pv_chunks();
    test_valid_hvm_and_checkpoint();
    test_header_errors();
    test_record_errors();
    test_page_data_errors();
    test_vcpu_sizes();
    test_hvm_errors();
    test_truncation();
    test_names_and_format();
    test_failed_stays_failed();
    return unit_failures ? 1 : 0;
}
