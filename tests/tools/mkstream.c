/*
 * mkstream: writes synthetic Xen save images and migration streams for
 * xen-stream's tests, fuzz corpus and benchmark.
 *
 *   mkstream [--shape pv|hvm] [--pages N] [--checkpoints N] [--final-end]
 *            [--optional] [--xenstore] [--no-xl] [--libvirt]
 *            [--libxc-version 2|3]
 *            [--trailing N] [--bare-libxc] [--variant NAME] OUT
 *   mkstream --list-variants       NAME EXPECTED-EXIT FRAGMENT DESCRIPTION
 *   mkstream --boundaries [...]    offsets of every structure boundary
 *   mkstream --bench-gib N OUT     a PV image of N GiB of PAGE_DATA
 *
 * The layouts follow the format, not any particular writer: records are
 * built field by field here, so a bug shared with the codec cannot hide.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Output buffer with a log of where things are ---- */

typedef struct mark {
    char layer;          /* 'x' xl, 'v' libvirt, 'l' libxl, 'c' libxc */
    uint32_t type;       /* record type, or ~0 for a header */
    size_t offset;
    size_t length;       /* whole structure including padding */
    size_t body;         /* body length (records) */
} mark;

static unsigned char *out;
static size_t out_len, out_cap;
static FILE *out_file;          /* bench mode writes straight through */
static uint64_t out_total;
static mark marks[4096];
static size_t nmarks;

static void emit(const void *p, size_t n)
{
    if (out_file) {
        if (fwrite(p, 1, n, out_file) != n) {
            perror("mkstream: write");
            exit(2);
        }
        out_total += n;
        return;
    }
    if (out_len + n > out_cap) {
        out_cap = (out_len + n) * 2 + 4096;
        out = realloc(out, out_cap);
        if (!out) {
            perror("mkstream");
            exit(2);
        }
    }
    memcpy(out + out_len, p, n);
    out_len += n;
}

static size_t pos(void)
{
    return out_file ? (size_t)out_total : out_len;
}

static void note(char layer, uint32_t type, size_t off, size_t len,
                 size_t body)
{
    if (out_file || nmarks == sizeof(marks) / sizeof(marks[0]))
        return;
    marks[nmarks].layer = layer;
    marks[nmarks].type = type;
    marks[nmarks].offset = off;
    marks[nmarks].length = len;
    marks[nmarks].body = body;
    nmarks++;
}

static void u8(unsigned v) { unsigned char b = (unsigned char)v; emit(&b, 1); }
static void le16(unsigned v) { u8(v & 0xff); u8((v >> 8) & 0xff); }
static void le32(uint32_t v) { le16(v & 0xffff); le16(v >> 16); }
static void le64(uint64_t v) { le32((uint32_t)v); le32((uint32_t)(v >> 32)); }
static void be32(uint32_t v)
{
    u8(v >> 24); u8((v >> 16) & 0xff); u8((v >> 8) & 0xff); u8(v & 0xff);
}
static void zeros(size_t n) { while (n--) u8(0); }

static void put_le32_at(size_t off, uint32_t v)
{
    out[off] = (unsigned char)v;
    out[off + 1] = (unsigned char)(v >> 8);
    out[off + 2] = (unsigned char)(v >> 16);
    out[off + 3] = (unsigned char)(v >> 24);
}

/* ---- Options, which the malformed variants bend ---- */

typedef struct opts {
    int hvm;
    unsigned pages;
    unsigned checkpoints;
    int final_end;
    int optional;
    int xenstore;
    int xl;
    unsigned libxc_version;
    unsigned trailing;
    /* knobs used only by variants */
    uint32_t xl_byteorder, xl_mandatory;
    uint32_t emu_id;
    const char *xs_body; size_t xs_body_len;   /* raw body override */
    int emu_before_libxc;
    int second_libxc;
    int cp_end_plain;        /* CHECKPOINT_END in a plain stream */
    int cp_state_plain;      /* CHECKPOINT_STATE in a plain stream */
    int cp_state_len;        /* CHECKPOINT_STATE body length (COLO: one
                              * after each CHECKPOINT_END) */
    int cp_state_inside;     /* ...before CHECKPOINT_END instead */
    unsigned cp_state_only;  /* ...after the first N checkpoints only */
    unsigned tail_emu_len;   /* QEMU state after libxc's END, if not 7600 */
    int end_body;            /* END carries a body */
    int unknown_mandatory;
    uint32_t optional_len;   /* override libxl optional record length */
    int libxc_unknown;
    int toolstack;           /* a TOOLSTACK record, as Xen 4.6 wrote */
    int libxc_odd_vcpu;      /* an X86_PV_VCPU_EXTENDED needing padding */
    int legacy_bare;
    int bare_libxc;          /* only libxc's stream, for the walker fuzzer */
    int legacy_converted;    /* libxl options bit 1, as the converter sets */
    uint32_t vcpu_extra_type;  /* one more vCPU record of this type ... */
    uint32_t vcpu_extra_ctx;   /* ... with this many octets of context */
    int pv_levels;           /* X86_PV_INFO page-table levels (4) */
    int colo_back;           /* a COLO back channel instead of a stream */
    const char *foreign;     /* not a Xen image: these octets, then filler */
    size_t foreign_len;
    int alloc_only;          /* every 4th pfn XALLOC: zero pages left out */
    int alloc_after_data;    /* checkpoints resend data pfns as XALLOC */
    int libvirt;             /* libvirt's save header + XML instead of xl's */
    uint32_t lv_version;     /* its version (2) */
    int lv_xml_len_set;      /* write lv_xml_len, not the XML's length */
    uint32_t lv_xml_len;
    int lv_xml_no_nul;       /* the XML without its NUL */
    uint32_t lv_xml_extra;   /* added to the XML's length in the header */
} opts;

/* ---- xl and libxl layers ---- */

static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";

static void xl_header(const opts *o)
{
    static const char config[] =
        "{\n    \"c_info\": {\n        \"type\": \"pv\",\n"
        "        \"name\": \"mkstream-guest\"\n    },\n"
        "    \"b_info\": {\n        \"max_memkb\": 131072\n    }\n}\n";
    size_t start = pos();

    emit(xl_magic, 32);
    le32(o->xl_byteorder);
    le32(o->xl_mandatory);
    le32(0);
    le32(4 + sizeof(config));
    le32(sizeof(config));
    emit(config, sizeof(config));
    note('x', ~0u, start, pos() - start, 0);
}

/*
 * libvirt's libxl driver (virsh save / managedsave): 16-octet magic, u32
 * version, u32 length of the domain XML with its NUL, 40 octets of zeros,
 * the XML, then the libxl stream.
 */
static void libvirt_header(const opts *o)
{
    static const char magic[16] = "libvirt-xml\n \0 \r";
    static const char xml[] =
        "<domain type='xen'>\n  <name>mkstream-guest</name>\n"
        "  <memory unit='KiB'>131072</memory>\n</domain>\n";
    uint32_t len = o->lv_xml_no_nul ? sizeof(xml) - 1 : sizeof(xml);
    size_t start = pos();

    emit(magic, sizeof(magic));
    le32(o->lv_version);
    le32(o->lv_xml_len_set ? o->lv_xml_len : len + o->lv_xml_extra);
    zeros(40);
    emit(xml, len);
    note('v', ~0u, start, pos() - start, 0);
}

static void libxl_header(const opts *o)
{
    size_t start = pos();

    emit("LibxlFmt", 8);
    be32(2);
    be32(o->legacy_converted ? 2 : 0);
    note('l', ~0u, start, 16, 0);
}

static void rec(char layer, uint32_t type, const void *body, size_t len)
{
    size_t start = pos();

    le32(type);
    le32((uint32_t)len);
    if (len)
        emit(body, len);
    zeros((8 - len % 8) % 8);
    note(layer, type, start, pos() - start, len);
}

static void emu_rec(uint32_t type, uint32_t id, const void *body, size_t len)
{
    unsigned char *b = malloc(len + 8);

    b[0] = (unsigned char)id; b[1] = b[2] = b[3] = 0;
    memset(b + 4, 0, 4);
    memcpy(b + 8, body, len);
    rec('l', type, b, len + 8);
    free(b);
}

static void emulator_context_of(const opts *o, size_t len)
{
    unsigned char state[7600];
    size_t i;

    memcpy(state, "QEVM", 4);
    for (i = 4; i < sizeof(state); i++)
        state[i] = (unsigned char)(i * 7);
    emu_rec(3, o->emu_id, state, len < sizeof(state) ? len : sizeof(state));
}

static void emulator_context(const opts *o)
{
    emulator_context_of(o, 7600);
}

static void emulator_xenstore(const opts *o)
{
    static const char body[] =
        "physmap/f0000000/start_addr\0f0000000\0"
        "physmap/f0000000/size\0" "1000000\0"
        "physmap/f0000000/name\0vga.vram";

    if (o->xs_body)
        emu_rec(2, o->emu_id, o->xs_body, o->xs_body_len);
    else
        emu_rec(2, o->emu_id, body, sizeof(body));
}

static void libxl_emulator_records(const opts *o)
{
    if (!o->hvm)
        return;
    if (o->xenstore)
        emulator_xenstore(o);
    emulator_context(o);
}

/* ---- libxc layer ---- */

static void libxc_headers(const opts *o)
{
    size_t start = pos();

    emit("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
    emit("XENF", 4);
    be32(o->libxc_version);
    u8(0); u8(0);           /* options, big-endian */
    zeros(6);
    note('c', ~0u, start, 24, 0);
    start = pos();
    le32(o->hvm ? 2 : 1);
    le16(12);
    le16(0);
    le32(4);
    le32(17);
    note('c', ~1u, start, 16, 0);
}

/* Which call of memory() this is: 0 the first round of pages, then one
 * per checkpoint. */
static unsigned memory_round;

/* The PAGE_DATA type of pfn: every 97th is XTAB (no data) in HVM shapes so
 * the data-count rule is exercised; with alloc_only every 4th is XALLOC
 * (allocate only, no data), as a writer that leaves zero pages out sends
 * them; with alloc_after_data, after the first round, also pfns that went
 * with data in it (which a correct writer never does). */
static unsigned pfn_type(const opts *o, uint64_t pfn)
{
    if (o->hvm && pfn % 97 == 96)
        return 0xfu;
    if (o->alloc_only && pfn % 4 == 3)
        return 0xeu;
    if (o->alloc_after_data && memory_round > 0 && pfn % 4 == 2)
        return 0xeu;
    return 0;
}

/* One PAGE_DATA record: n pfns from first. */
static void page_batch(const opts *o, uint64_t first, unsigned n)
{
    static unsigned char page[4096];
    size_t start = pos();
    unsigned i, data = 0;
    uint64_t body;

    for (i = 0; i < n; i++)
        if (!pfn_type(o, first + i))
            data++;
    body = 8 + 8 * (uint64_t)n + 4096 * (uint64_t)data;
    le32(1);
    le32((uint32_t)body);
    le32(n);
    le32(0);
    for (i = 0; i < n; i++)
        le64((first + i) | (uint64_t)pfn_type(o, first + i) << 60);
    for (i = 0; i < n; i++) {
        if (pfn_type(o, first + i))
            continue;
        memset(page, (int)((first + i) & 0xff), sizeof(page));
        memcpy(page, &first, sizeof(first));
        emit(page, sizeof(page));
    }
    note('c', 1, start, pos() - start, (size_t)body);
}

static void memory(const opts *o, uint64_t first, unsigned pages)
{
    while (pages) {
        unsigned n = pages > 1024 ? 1024 : pages;

        page_batch(o, first, n);
        first += n;
        pages -= n;
    }
    memory_round++;
}

static void static_records(const opts *o)
{
    unsigned char b[24 * 4];
    unsigned i;

    if (!o->hvm) {
        unsigned char info[8] = { 8, 4, 0, 0, 0, 0, 0, 0 };

        info[1] = (unsigned char)o->pv_levels;
        rec('c', 2, info, sizeof(info));
    }
    if (o->libxc_version >= 3) {
        for (i = 0; i < sizeof(b); i++)
            b[i] = (unsigned char)i;
        rec('c', 0x11, b, sizeof(b));            /* 4 CPUID leaves */
        rec('c', 0x12, b, 32);                   /* 2 MSRs */
        rec('c', 0x10, NULL, 0);                 /* STATIC_DATA_END */
    }
    if (!o->hvm) {
        /* One p2m frame per 512 pfns of a 64-bit guest. */
        unsigned frames = (o->pages - 1) / 512 + 1, f;
        unsigned char *p2m = calloc(1, 8 + 8 * (size_t)frames);

        p2m[4] = (unsigned char)(o->pages - 1);
        p2m[5] = (unsigned char)((o->pages - 1) >> 8);
        p2m[6] = (unsigned char)((o->pages - 1) >> 16);
        for (f = 0; f < frames; f++)
            p2m[8 + 8 * f] = (unsigned char)(0x42 + f);
        rec('c', 3, p2m, 8 + 8 * (size_t)frames);
        free(p2m);
    }
}

static void hvm_entry(unsigned char **p, unsigned code, unsigned inst,
                      uint32_t len)
{
    unsigned char *q = *p;

    q[0] = (unsigned char)code; q[1] = 0;
    q[2] = (unsigned char)inst; q[3] = 0;
    q[4] = (unsigned char)len; q[5] = (unsigned char)(len >> 8);
    q[6] = q[7] = 0;
    memset(q + 8, 0x11, len);
    *p = q + 8 + len;
}

static void hvm_context(void)
{
    static unsigned char b[8192];
    unsigned char *p = b;

    hvm_entry(&p, 1, 0, 24);          /* HEADER */
    b[8] = 0x86; b[9] = 0x12; b[10] = 0x38; b[11] = 0x54;
    hvm_entry(&p, 2, 0, 1024);        /* CPU */
    hvm_entry(&p, 3, 0, 8);           /* PIC master */
    hvm_entry(&p, 3, 1, 8);           /* PIC slave */
    hvm_entry(&p, 4, 0, 216);         /* IOAPIC */
    hvm_entry(&p, 5, 0, 40);          /* LAPIC */
    hvm_entry(&p, 6, 0, 1024);        /* LAPIC_REGS */
    hvm_entry(&p, 7, 0, 16);          /* PCI_IRQ */
    hvm_entry(&p, 8, 0, 8);           /* ISA_IRQ */
    hvm_entry(&p, 9, 0, 8);           /* PCI_LINK */
    hvm_entry(&p, 10, 0, 60);         /* PIT */
    hvm_entry(&p, 11, 0, 14);         /* RTC */
    hvm_entry(&p, 12, 0, 96);         /* HPET */
    hvm_entry(&p, 13, 0, 8);          /* PMTIMER */
    hvm_entry(&p, 14, 0, 472);        /* MTRR */
    hvm_entry(&p, 16, 0, 576);        /* CPU_XSAVE */
    hvm_entry(&p, 0, 0, 0);           /* END */
    rec('c', 9, b, (size_t)(p - b));
}

static void hvm_params(void)
{
    static const uint64_t params[][2] = {
        { 1, 0xfeffc }, { 2, 1 }, { 17, 0xfefff }, { 18, 2 },
        { 9, 0 }, { 10, 1 }, { 12, 0xfeffd000 }, { 0, 0x100000000000001ULL },
    };
    unsigned char b[8 + sizeof(params)];
    size_t i, j;

    memset(b, 0, 8);
    b[0] = sizeof(params) / sizeof(params[0]);
    for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
        for (j = 0; j < 8; j++) {
            b[8 + 16 * i + j] = (unsigned char)(params[i][0] >> (8 * j));
            b[16 + 16 * i + j] = (unsigned char)(params[i][1] >> (8 * j));
        }
    rec('c', 10, b, sizeof(b));
}

/* A 64-bit PV guest's vcpu_guest_context, as Xen 4.17's restore wants it. */
#define VCPU_CTX_64  5168u

static void vcpu_state(const opts *o)
{
    unsigned char b[8 + VCPU_CTX_64];
    unsigned char tsc[24] = { 0 };

    tsc[4] = 0x40; tsc[5] = 0x9c;             /* 40000 kHz */
    rec('c', 8, tsc, sizeof(tsc));
    if (o->hvm) {
        hvm_context();
        hvm_params();
        return;
    }
    memset(b, 0, sizeof(b));
    memset(b + 8, 0x5a, VCPU_CTX_64);
    {
        static unsigned char shinfo[4096];

        rec('c', 7, shinfo, sizeof(shinfo));      /* SHARED_INFO */
    }
    rec('c', 4, b, sizeof(b));                    /* VCPU_BASIC, vcpu 0 */
    rec('c', 5, b, o->libxc_odd_vcpu ? 8 + 12 : 8 + 16);
    rec('c', 0x0c, b, 8 + 32);                    /* VCPU_MSRS */
    if (o->vcpu_extra_type) {
        /* vcpu 1: an empty record as Xen 4.6-4.8 wrote, or a bad size. */
        b[0] = 1;
        rec('c', o->vcpu_extra_type, b, 8 + o->vcpu_extra_ctx);
    }
}

/*
 * What a COLO secondary sends back to the primary: libxl CHECKPOINT_STATE
 * records (no stream header) and libxc's dirty pfn lists, per checkpoint
 * in the order Xen 4.17's secondary sends them: READY and RESUMED from its
 * postcopy hook, SUSPENDED from its suspend hook, then libxc's list.
 */
static void colo_back_channel(void)
{
    static const uint32_t states[] = { 2, 3, 1 };
    unsigned char s[4] = { 0 }, pfns[24];
    unsigned cp, i;

    for (cp = 0; cp < 3; cp++) {
        for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
            s[0] = (unsigned char)states[i];
            rec('l', 5, s, sizeof(s));
        }
        memset(pfns, 0, sizeof(pfns));
        pfns[0] = (unsigned char)(5 + cp);
        pfns[8] = (unsigned char)(6 + cp);
        pfns[16] = (unsigned char)(7 + cp);
        rec('c', 0x0f, pfns, sizeof(pfns));
    }
}

/* ---- The whole stream ---- */

static void libxc_optional(const opts *o)
{
    static const char note_text[] = "mkstream optional libxc record";

    if (o->optional)
        rec('c', 0x80000001u, note_text, sizeof(note_text));
}

static void stream(const opts *o)
{
    unsigned cp;

    memory_round = 0;

    if (o->foreign) {
        unsigned i;

        emit(o->foreign, o->foreign_len);
        for (i = 0; o->foreign_len && i < 56; i++)
            u8(0x80 | (i * 13));
        return;
    }
    if (o->colo_back) {
        colo_back_channel();
        return;
    }
    if (o->legacy_bare) {
        /* First octets of a 64-bit legacy image: p2m size, then chunks. */
        le64(32768);
        le32(0xfffffff0u);
        zeros(256);
        return;
    }
    if (o->bare_libxc) {
        libxc_headers(o);
        static_records(o);
        libxc_optional(o);
        memory(o, 0, o->pages);
        vcpu_state(o);
        rec('c', 0, NULL, 0);
        return;
    }
    if (o->libvirt)
        libvirt_header(o);
    else if (o->xl)
        xl_header(o);
    libxl_header(o);
    if (o->optional) {
        static const char text[] = "mkstream optional libxl record";

        rec('l', 0x80000010u, text, sizeof(text));
    }
    if (o->optional_len) {
        size_t start = pos();

        le32(0x80000011u);
        le32(o->optional_len);
        zeros(64);
        note('l', 0x80000011u, start, 72, o->optional_len);
    }
    if (o->emu_before_libxc)
        emulator_context(o);
    if (o->unknown_mandatory)
        rec('l', 6, "abcd", 4);
    if (o->cp_end_plain)
        rec('l', 4, NULL, 0);
    if (o->cp_state_plain) {
        unsigned char s[4] = { 1, 0, 0, 0 };

        rec('l', 5, s, 4);
    }
    rec('l', 1, NULL, 0);                         /* LIBXC_CONTEXT */
    libxc_headers(o);
    static_records(o);
    libxc_optional(o);
    if (o->libxc_unknown)
        rec('c', 0x13, NULL, 0);
    if (o->toolstack)
        rec('c', 11, "physmap toolstack blob", 22);
    memory(o, 0, o->pages);
    vcpu_state(o);

    for (cp = 0; cp < o->checkpoints; cp++) {
        /* COLO's CHECKPOINT_NEW (0), from the primary's wait_checkpoint
         * hook, once the checkpoint's libxl records are out. */
        unsigned char s[16] = { 0 };
        bool state = o->cp_state_len &&
                     (!o->cp_state_only || cp < o->cp_state_only);

        rec('c', 14, NULL, 0);                    /* libxc CHECKPOINT */
        libxl_emulator_records(o);
        if (state && o->cp_state_inside)
            rec('l', 5, s, (size_t)o->cp_state_len);
        rec('l', 4, NULL, 0);                     /* CHECKPOINT_END */
        if (state && !o->cp_state_inside)
            rec('l', 5, s, (size_t)o->cp_state_len);
        if (cp + 1 == o->checkpoints && !o->final_end)
            goto out;                             /* failover: no END */
        memory(o, 16 * cp, 16);                   /* dirty pages */
        vcpu_state(o);
    }
    rec('c', 0, NULL, 0);                         /* libxc END */
    if (o->second_libxc)
        rec('l', 1, NULL, 0);
    if (o->tail_emu_len && o->hvm) {
        /* A later moment's device model: one more key, a smaller state. */
        static const char later[] =
            "physmap/f0000000/start_addr\0f0000000\0"
            "physmap/f0000000/size\0" "1000000\0"
            "physmap/f0000000/name\0vga.vram\0"
            "physmap/f1000000/name\0later";

        if (o->xenstore)
            emu_rec(2, o->emu_id, later, sizeof(later));
        emulator_context_of(o, o->tail_emu_len);
    } else {
        libxl_emulator_records(o);
    }
    if (o->end_body)
        rec('l', 0, "\0\0\0\0\0\0\0\0", 8);
    else
        rec('l', 0, NULL, 0);                     /* libxl END */
out:
    if (o->trailing) {
        static const char banner[] = "domain received, ready to unpause";
        unsigned i;

        for (i = 0; i < o->trailing; i++)
            u8((unsigned char)banner[i % sizeof(banner)]);
    }
}

/* ---- Malformed variants ---- */

static const mark *find(char layer, uint32_t type, unsigned nth)
{
    size_t i;

    for (i = 0; i < nmarks; i++)
        if (marks[i].layer == layer && marks[i].type == type && !nth--)
            return &marks[i];
    fprintf(stderr, "mkstream: variant needs a %c record 0x%x\n", layer,
            type);
    exit(2);
}

typedef struct variant {
    const char *name;
    int expect;                /* xen-stream exit status */
    const char *fragment;      /* must appear in the message */
    const char *what;
} variant;

static const variant variants[] = {
    { "valid-pv", 0, "valid", "PV guest, xl header, libxc v3" },
    { "valid-hvm", 0, "valid", "HVM guest with HVM_CONTEXT, HVM_PARAMS, EMULATOR_CONTEXT" },
    { "valid-hvm-xenstore", 0, "valid", "HVM guest with EMULATOR_XENSTORE_DATA physmap keys" },
    { "valid-bare-libxl", 0, "valid", "no xl header" },
    { "valid-libxc-v2", 0, "valid", "libxc stream version 2 (no STATIC_DATA_END)" },
    { "valid-optional", 0, "valid", "optional libxl and libxc records are skipped" },
    { "valid-checkpointed", 0, "valid", "3 checkpoints, stream stops after the last (failover)" },
    { "valid-checkpointed-end", 0, "valid", "HVM, 2 checkpoints then libxc END, a later device model (4 keys, 4000 octets of state: not applied) and libxl END" },
    { "valid-colo-state", 0, "valid", "HVM COLO: a CHECKPOINT_STATE after each CHECKPOINT_END" },
    { "valid-trailing", 0, "valid", "live capture: xl handshake after END is trailing data" },
    { "valid-zero-pages", 0, "valid", "every 4th pfn an allocate-only (XALLOC) entry with no data" },
    { "valid-alloc-after-data", 0, "valid", "2 checkpoints resend 8 pfns sent with data as XALLOC (valid, warned)" },
    { "trunc-xl-header", 1, "xl save header", "cut inside the xl header" },
    { "trunc-libxl-header", 1, "stream header", "cut inside the libxl header" },
    { "trunc-record-header", 1, "record 0", "cut inside the LIBXC_CONTEXT record header" },
    { "trunc-libxc-image-header", 1, "libxc image header", "cut inside libxc's image header" },
    { "trunc-libxc-domain-header", 1, "libxc domain header", "cut inside libxc's domain header" },
    { "trunc-page-data-pfns", 1, "PAGE_DATA", "cut inside a PAGE_DATA pfn array" },
    { "trunc-page-data-pages", 1, "PAGE_DATA", "cut inside PAGE_DATA page contents" },
    { "trunc-before-libxc-end", 1, "libxc record", "cut where libxc's END should be" },
    { "trunc-emulator-context", 1, "EMULATOR_CONTEXT", "cut inside QEMU's state" },
    { "trunc-xenstore-padding", 1, "EMULATOR_XENSTORE_DATA", "cut inside a record's padding" },
    { "trunc-before-end", 1, "END record", "cut where libxl END should be" },
    { "bad-xl-magic", 1, "xl save header", "xl magic damaged after its first 8 octets" },
    { "xl-big-endian", 1, "big-endian", "xl byte-order marker big-endian" },
    { "xl-unknown-mandatory", 1, "mandatory flags", "xl mandatory flag bit 5" },
    { "legacy-xl", 1, "convert-legacy-stream", "xl header without STREAMv2: pre-4.6 image" },
    { "legacy-bare", 1, "convert-legacy-stream", "bare legacy libxc image" },
    { "bad-ident", 1, "bad ident", "libxl ident \"LibxlFmX\"" },
    { "bad-version", 1, "unsupported version", "libxl version 3" },
    { "big-endian", 1, "big-endian", "libxl options bit 0" },
    { "reserved-option", 1, "reserved option", "libxl options bit 5" },
    { "wrap-fffffff9", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFF9" },
    { "wrap-fffffffa", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFFA" },
    { "wrap-fffffffb", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFFB" },
    { "wrap-fffffffc", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFFC" },
    { "wrap-fffffffd", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFFD" },
    { "wrap-fffffffe", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFFE" },
    { "wrap-ffffffff", 1, "EMULATOR_CONTEXT", "EMULATOR_CONTEXT length 0xFFFFFFFF" },
    { "xenstore-over-cap", 1, "too long", "EMULATOR_XENSTORE_DATA length 1 MiB + 1" },
    { "optional-over-cap", 1, "too long", "optional record length 16 MiB + 1" },
    { "unknown-mandatory", 1, "UNKNOWN(0x6)", "libxl record type 6" },
    { "end-with-body", 1, "(END)", "END with an 8-octet body" },
    { "nonzero-padding", 1, "non-zero padding", "EMULATOR_XENSTORE_DATA padding octet 0x5a" },
    { "second-libxc-context", 1, "second LIBXC_CONTEXT", "LIBXC_CONTEXT after libxc's END" },
    { "emulator-before-libxc", 1, "before LIBXC_CONTEXT", "EMULATOR_CONTEXT first" },
    { "unknown-emulator", 1, "emulator id", "emulator id 7" },
    { "emulator-zero-plain", 1, "emulator id 0", "emulator id 0 in a stream without the legacy bit" },
    { "valid-legacy-converted", 0, "valid", "legacy bit set, emulator id 0 (as convert-legacy-stream writes)" },
    { "xs-absolute-key", 1, "absolute key", "key \"/local/domain/0\"" },
    { "xs-empty-key", 1, "empty key", "body starting with NUL" },
    { "xs-long-key", 1, "bad xenstore key", "key of 3073 octets" },
    { "xs-illegal-char", 1, "bad xenstore key", "key with a space" },
    { "xs-bad-value", 1, "bad xenstore value", "value with a newline" },
    { "xs-no-terminator", 1, "unterminated", "last value without NUL" },
    { "xs-odd-strings", 1, "key without value", "three strings" },
    { "checkpoint-end-plain", 1, "CHECKPOINT_END", "CHECKPOINT_END in a plain stream" },
    { "checkpoint-state-plain", 1, "CHECKPOINT_STATE", "CHECKPOINT_STATE in a plain stream" },
    { "checkpoint-state-size", 1, "CHECKPOINT_STATE", "CHECKPOINT_STATE with 8 octets" },
    { "colo-state-in-checkpoint", 1, "inside a checkpoint", "COLO: CHECKPOINT_STATE before its checkpoint's CHECKPOINT_END" },
    { "colo-state-missing", 1, "CHECKPOINT_STATE record was expected", "COLO: no CHECKPOINT_STATE after checkpoint 2's CHECKPOINT_END" },
    { "page-data-count-mismatch", 1, "PAGE_DATA count mismatch", "count 1023 in a record holding 1024 pfns and pages" },
    { "page-data-zero-count", 1, "PAGE_DATA", "count 0" },
    { "page-data-bad-type", 1, "PAGE_DATA", "pfn type 0x5 (reserved)" },
    { "page-data-xalloc-with-data", 1, "allocate-only entries carry no data", "record length counts a page of data for an XALLOC entry" },
    { "libxc-bad-marker", 1, "libxc image header", "marker with a zero octet" },
    { "libxc-bad-version", 1, "libxc image header", "libxc version 4" },
    { "libxc-bad-domain", 1, "libxc domain header", "domain type 5" },
    { "libxc-unknown-type", 1, "type 0x00000013", "libxc record type 0x13" },
    { "libxc-bad-padding", 1, "X86_PV_VCPU_EXTENDED", "non-zero libxc padding" },
    { "hvm-bad-magic", 1, "HVM_CONTEXT", "HVM save HEADER magic wrong" },
    { "hvm-no-end", 1, "HVM_CONTEXT", "HVM_CONTEXT without END save record" },
    { "hvm-params-count", 1, "HVM_PARAMS", "HVM_PARAMS count one too many" },
    { "static-data-after", 1, "STATIC_DATA_END", "PAGE_DATA before STATIC_DATA_END in v3" },
    { "valid-empty-vcpu-basic", 0, "valid", "PV: an X86_PV_VCPU_BASIC with only the vcpu header (Xen 4.6-4.8)" },
    { "valid-empty-vcpu-extended", 0, "valid", "PV: an empty X86_PV_VCPU_EXTENDED" },
    { "valid-empty-vcpu-xsave", 0, "valid", "PV: an empty X86_PV_VCPU_XSAVE" },
    { "valid-empty-vcpu-msrs", 0, "valid", "PV: an empty X86_PV_VCPU_MSRS" },
    { "vcpu-basic-size", 1, "X86_PV_VCPU_BASIC", "VCPU_BASIC of 1024 octets (a 64-bit context is 5168)" },
    { "vcpu-extended-long", 1, "exceeds 128", "VCPU_EXTENDED of 136 octets" },
    { "vcpu-xsave-short", 1, "X86_PV_VCPU_XSAVE", "VCPU_XSAVE of 8 octets (16 at least)" },
    { "vcpu-msrs-partial", 1, "multiple of 16", "VCPU_MSRS of 24 octets" },
    { "pv-info-levels", 1, "page table levels", "64-bit PV guest with 3 page-table levels" },
    { "remus-full", 0, "2 complete checkpoints", "HVM Remus stream: 2 checkpoints, no END" },
    { "remus-cut-a", 0, "1 complete checkpoint,", "Remus cut right after checkpoint 1's CHECKPOINT_END" },
    { "remus-cut-b", 0, "1 complete checkpoint,", "Remus cut between libxc records of checkpoint 2" },
    { "remus-cut-c", 0, "1 complete checkpoint,", "Remus cut inside PAGE_DATA of checkpoint 2" },
    { "remus-cut-d", 0, "1 complete checkpoint,", "Remus cut after libxc's CHECKPOINT of checkpoint 2" },
    { "remus-cut-e", 0, "1 complete checkpoint,", "Remus cut inside EMULATOR_CONTEXT of checkpoint 2" },
    { "remus-cut-f", 1, "no complete checkpoint", "Remus cut inside EMULATOR_CONTEXT of checkpoint 1" },
    { "colo-back-channel", 1, "COLO back channel", "CHECKPOINT_STATE and dirty pfn list records, no header" },
    { "foreign-gzip", 1, "compressed data (gzip)", "gzip magic" },
    { "foreign-zstd", 1, "zstd", "zstd frame magic, then no valid frame" },
    { "foreign-xz", 1, "compressed data (xz)", "xz magic" },
    { "foreign-bzip2", 1, "compressed data (bzip2)", "bzip2 magic" },
    { "foreign-lz4", 1, "compressed data (lz4)", "lz4 frame magic" },
    { "foreign-elf", 1, "an ELF file", "ELF magic" },
    { "foreign-libvirt-qemu", 1, "QEMU/KVM", "libvirt qemu save header \"LibvirtQemudSave\"" },
    { "foreign-libvirt-xml", 1, "libvirt save", "libvirt libxl save header \"libvirt-xml\", then no XML length that makes sense" },
    { "valid-libvirt", 0, "valid", "libvirt save image (virsh save): libvirt's header and domain XML, then the libxl stream" },
    { "libvirt-version-1", 1, "legacy (pre-4.6) stream", "libvirt save image version 1 (a legacy stream behind the XML)" },
    { "libvirt-version-3", 1, "unknown version 3", "libvirt save image version 3" },
    { "libvirt-xml-zero", 1, "domain XML length 0", "libvirt save image with an XML length of 0" },
    { "libvirt-xml-absurd", 1, "exceeds the cap", "libvirt XML length 0xFFFFFFF0 (nothing is allocated by it)" },
    { "libvirt-xml-no-nul", 1, "does not end in a NUL", "libvirt domain XML without its NUL" },
    { "libvirt-xml-too-long", 1, "does not end in a NUL", "libvirt XML length 8 octets past the XML (the libxl header taken for XML)" },
    { "trunc-libvirt-xml", 1, "inside the domain XML", "libvirt XML length past the end of the file" },
    { "foreign-qemu-state", 1, "QEMU's device state", "a bare QEMU migration stream (\"QEVM\")" },
    { "foreign-text", 1, "text", "an xl domain configuration" },
    { "foreign-empty", 1, "input is empty", "a file of 0 octets" },
    { "libxc-toolstack", 1, "TOOLSTACK", "HVM: a TOOLSTACK record (Xen 4.6), which Xen 4.17's restore refuses" },
};

#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static void defaults(opts *o)
{
    memset(o, 0, sizeof(*o));
    o->pages = 256;
    o->xl = 1;
    o->libxc_version = 3;
    o->xl_byteorder = 0x01020304u;
    o->xl_mandatory = 3;
    o->emu_id = 2;
    o->pv_levels = 4;
    o->lv_version = 2;
}

struct foreign_magic {
    const char *variant, *bytes;
    size_t len;
};

static const struct foreign_magic foreign_magics[] = {
    { "foreign-gzip", "\x1f\x8b\x08\x08", 4 },
    { "foreign-zstd", "\x28\xb5\x2f\xfd\x64", 5 },
    { "foreign-xz", "\xfd" "7zXZ\0\0\x04", 8 },
    { "foreign-bzip2", "BZh91AY&SY", 10 },
    { "foreign-lz4", "\x04\x22\x4d\x18\x64\x40", 6 },
    { "foreign-elf", "\x7f" "ELF\2\1\1\0", 8 },
    { "foreign-libvirt-qemu", "LibvirtQemudSave", 16 },
    { "foreign-libvirt-xml", "libvirt-xml\n \0 \r\2\0\0\0", 20 },
    { "foreign-qemu-state", "QEVM\0\0\0\3", 8 },
    { "foreign-text", "name = \"guest\"\nmemory = 128\n", 30 },
    { "foreign-empty", "", 0 },
};

static char long_key[3200];

/* Settings that shape generation. */
static void prepare(const char *name, opts *o)
{
    static const char abs_key[] = "/local/domain/0\0x";
    static const char empty_key[] = "\0x";
    static const char space_key[] = "physmap/a b\0x";
    static const char nl_value[] = "physmap/a\0x\ny";
    static const char unterminated[] = "physmap/a\0xyz";
    static const char odd[] = "physmap/a\0x\0physmap/b";

    if (!strncmp(name, "valid-hvm", 9) || !strncmp(name, "xs-", 3) ||
        !strcmp(name, "trunc-emulator-context") ||
        !strncmp(name, "wrap-", 5) || !strcmp(name, "xenstore-over-cap") ||
        !strcmp(name, "nonzero-padding") || !strcmp(name, "unknown-emulator") ||
        !strncmp(name, "hvm-", 4) || !strcmp(name, "trunc-xenstore-padding"))
        o->hvm = 1;
    if (!strcmp(name, "valid-hvm-xenstore") ||
        !strcmp(name, "xenstore-over-cap") ||
        !strcmp(name, "nonzero-padding") ||
        !strcmp(name, "trunc-xenstore-padding"))
        o->xenstore = 1;
    if (!strcmp(name, "valid-bare-libxl"))
        o->xl = 0;
    if (!strcmp(name, "valid-libvirt") || !strncmp(name, "libvirt-", 8) ||
        !strcmp(name, "trunc-libvirt-xml")) {
        o->libvirt = 1;
        if (!strcmp(name, "libvirt-version-1"))
            o->lv_version = 1;
        if (!strcmp(name, "libvirt-version-3"))
            o->lv_version = 3;
        if (!strcmp(name, "libvirt-xml-zero")) {
            o->lv_xml_len_set = 1;
            o->lv_xml_len = 0;
        }
        if (!strcmp(name, "libvirt-xml-absurd")) {
            o->lv_xml_len_set = 1;
            o->lv_xml_len = 0xfffffff0u;
        }
        if (!strcmp(name, "libvirt-xml-no-nul"))
            o->lv_xml_no_nul = 1;
        if (!strcmp(name, "libvirt-xml-too-long")) {
            o->lv_xml_extra = 8;
        }
        if (!strcmp(name, "trunc-libvirt-xml")) {
            o->lv_xml_len_set = 1;
            o->lv_xml_len = 12u << 20;
        }
    }
    if (!strncmp(name, "valid-empty-vcpu-", 17)) {
        const char *k = name + 17;

        o->vcpu_extra_type = !strcmp(k, "basic") ? 4 :
                             !strcmp(k, "extended") ? 5 :
                             !strcmp(k, "xsave") ? 6 : 0x0c;
    }
    if (!strcmp(name, "vcpu-basic-size")) {
        o->vcpu_extra_type = 4;
        o->vcpu_extra_ctx = 1024;
    }
    if (!strcmp(name, "vcpu-extended-long")) {
        o->vcpu_extra_type = 5;
        o->vcpu_extra_ctx = 136;
    }
    if (!strcmp(name, "vcpu-xsave-short")) {
        o->vcpu_extra_type = 6;
        o->vcpu_extra_ctx = 8;
    }
    if (!strcmp(name, "vcpu-msrs-partial")) {
        o->vcpu_extra_type = 0x0c;
        o->vcpu_extra_ctx = 24;
    }
    if (!strcmp(name, "pv-info-levels"))
        o->pv_levels = 3;
    if (!strncmp(name, "remus-", 6)) {
        /* Remus of an HVM guest, captured as a bare libxl stream. */
        o->hvm = 1;
        o->xl = 0;
        o->checkpoints = 2;
    }
    if (!strcmp(name, "colo-back-channel"))
        o->colo_back = 1;
    {
        size_t i;

        for (i = 0; i < sizeof(foreign_magics) / sizeof(foreign_magics[0]);
             i++)
            if (!strcmp(name, foreign_magics[i].variant)) {
                o->foreign = foreign_magics[i].bytes;
                o->foreign_len = foreign_magics[i].len;
            }
    }
    if (!strcmp(name, "valid-libxc-v2"))
        o->libxc_version = 2;
    if (!strcmp(name, "valid-optional"))
        o->optional = 1;
    if (!strcmp(name, "valid-checkpointed"))
        o->checkpoints = 3;
    if (!strcmp(name, "valid-checkpointed-end")) {
        o->hvm = 1;
        o->checkpoints = 2;
        o->final_end = 1;
        o->xenstore = 1;
        o->tail_emu_len = 4000;
    }
    if (!strcmp(name, "valid-colo-state") ||
        !strncmp(name, "colo-state-", 11)) {
        o->hvm = 1;
        o->checkpoints = 2;
        o->cp_state_len = 4;
    }
    if (!strcmp(name, "colo-state-in-checkpoint"))
        o->cp_state_inside = 1;
    if (!strcmp(name, "colo-state-missing")) {
        o->checkpoints = 3;
        o->cp_state_only = 1;
    }
    if (!strcmp(name, "checkpoint-state-size")) {
        o->checkpoints = 1;
        o->cp_state_len = 8;
    }
    if (!strcmp(name, "valid-trailing"))
        o->trailing = 60;
    if (!strcmp(name, "xl-big-endian"))
        o->xl_byteorder = 0x04030201u;
    if (!strcmp(name, "xl-unknown-mandatory"))
        o->xl_mandatory = 3 | 1u << 5;
    if (!strcmp(name, "legacy-xl"))
        o->xl_mandatory = 1;
    if (!strcmp(name, "legacy-bare"))
        o->legacy_bare = 1;
    if (!strcmp(name, "optional-over-cap"))
        o->optional_len = (16u << 20) + 1;
    if (!strcmp(name, "unknown-mandatory"))
        o->unknown_mandatory = 1;
    if (!strcmp(name, "end-with-body"))
        o->end_body = 1;
    if (!strcmp(name, "second-libxc-context"))
        o->second_libxc = 1;
    if (!strcmp(name, "emulator-before-libxc")) {
        o->hvm = 1;
        o->emu_before_libxc = 1;
    }
    if (!strcmp(name, "unknown-emulator"))
        o->emu_id = 7;
    if (!strcmp(name, "emulator-zero-plain") ||
        !strcmp(name, "valid-legacy-converted")) {
        o->hvm = 1;
        o->emu_id = 0;
    }
    if (!strcmp(name, "valid-legacy-converted"))
        o->legacy_converted = 1;
    if (!strcmp(name, "checkpoint-end-plain"))
        o->cp_end_plain = 1;
    if (!strcmp(name, "checkpoint-state-plain"))
        o->cp_state_plain = 1;
    if (!strcmp(name, "libxc-unknown-type"))
        o->libxc_unknown = 1;
    if (!strcmp(name, "libxc-toolstack")) {
        o->hvm = 1;
        o->toolstack = 1;
    }
    if (!strcmp(name, "libxc-bad-padding"))
        o->libxc_odd_vcpu = 1;
    if (!strcmp(name, "page-data-count-mismatch"))
        o->pages = 1024;
    if (!strcmp(name, "valid-zero-pages") ||
        !strcmp(name, "page-data-xalloc-with-data"))
        o->alloc_only = 1;
    if (!strcmp(name, "valid-alloc-after-data")) {
        o->alloc_only = 1;
        o->alloc_after_data = 1;
        o->checkpoints = 2;
        o->final_end = 1;
    }
#define XS(s) (o->xs_body = (s), o->xs_body_len = sizeof(s))
    if (!strcmp(name, "xs-absolute-key")) XS(abs_key);
    if (!strcmp(name, "xs-empty-key")) XS(empty_key);
    if (!strcmp(name, "xs-illegal-char")) XS(space_key);
    if (!strcmp(name, "xs-bad-value")) XS(nl_value);
    if (!strcmp(name, "xs-odd-strings")) XS(odd);
    if (!strcmp(name, "xs-no-terminator")) {
        o->xs_body = unterminated;
        o->xs_body_len = sizeof(unterminated) - 1;
    }
    if (!strcmp(name, "xs-long-key")) {
        memset(long_key, 'k', 3073);
        memcpy(long_key + 3074, "v", 2);
        o->xs_body = long_key;
        o->xs_body_len = 3076;
    }
#undef XS
    if (!strncmp(name, "xs-", 3))
        o->xenstore = 1;
}

/* Byte surgery on the generated stream.  Returns the new length. */
static size_t patch(const char *name, size_t len)
{
    const mark *m;

    if (!strcmp(name, "trunc-xl-header"))
        return 20;
    if (!strcmp(name, "trunc-libxl-header"))
        return find('l', ~0u, 0)->offset + 11;
    if (!strcmp(name, "trunc-record-header"))
        return find('l', 1, 0)->offset + 5;
    if (!strcmp(name, "trunc-libxc-image-header"))
        return find('c', ~0u, 0)->offset + 13;
    if (!strcmp(name, "trunc-libxc-domain-header"))
        return find('c', ~1u, 0)->offset + 3;
    if (!strcmp(name, "trunc-page-data-pfns"))
        return find('c', 1, 0)->offset + 8 + 8 + 100;
    if (!strcmp(name, "trunc-page-data-pages"))
        return find('c', 1, 0)->offset + 8 + 8 + 8 * 256 + 5000;
    if (!strcmp(name, "trunc-before-libxc-end"))
        return find('c', 0, 0)->offset;
    if (!strcmp(name, "trunc-emulator-context"))
        return find('l', 3, 0)->offset + 3000;
    if (!strcmp(name, "trunc-xenstore-padding")) {
        m = find('l', 2, 0);
        return m->offset + m->length - 1;
    }
    if (!strcmp(name, "trunc-before-end"))
        return find('l', 0, 0)->offset;
    /* Remus cuts: where the primary may die, checkpoint 2 then 1. */
    if (!strcmp(name, "remus-cut-a")) {
        m = find('l', 4, 0);
        return m->offset + m->length;
    }
    if (!strcmp(name, "remus-cut-b"))
        return find('c', 8, 1)->offset;         /* checkpoint 2's TSC_INFO */
    if (!strcmp(name, "remus-cut-c")) {
        m = find('c', 1, 1);                    /* checkpoint 2's pages */
        return m->offset + m->length / 2;
    }
    if (!strcmp(name, "remus-cut-d")) {
        m = find('c', 14, 1);
        return m->offset + m->length;
    }
    if (!strcmp(name, "remus-cut-e"))
        return find('l', 3, 1)->offset + 3000;
    if (!strcmp(name, "remus-cut-f"))
        return find('l', 3, 0)->offset + 3000;
    if (!strcmp(name, "bad-xl-magic"))
        out[12] ^= 0x20;
    if (!strcmp(name, "bad-ident"))
        out[find('l', ~0u, 0)->offset + 7] = 'X';
    if (!strcmp(name, "bad-version"))
        out[find('l', ~0u, 0)->offset + 11] = 3;
    if (!strcmp(name, "big-endian"))
        out[find('l', ~0u, 0)->offset + 15] = 1;
    if (!strcmp(name, "reserved-option"))
        out[find('l', ~0u, 0)->offset + 15] = 0x20;
    if (!strncmp(name, "wrap-", 5))
        put_le32_at(find('l', 3, 0)->offset + 4,
                    (uint32_t)strtoul(name + 5, NULL, 16));
    if (!strcmp(name, "xenstore-over-cap"))
        put_le32_at(find('l', 2, 0)->offset + 4, (1u << 20) + 1);
    if (!strcmp(name, "nonzero-padding")) {
        m = find('l', 2, 0);
        out[m->offset + m->length - 1] = 0x5a;
    }
    if (!strcmp(name, "page-data-count-mismatch")) {
        m = find('c', 1, 0);
        put_le32_at(m->offset + 8, 1023);
    }
    if (!strcmp(name, "page-data-zero-count"))
        put_le32_at(find('c', 1, 0)->offset + 8, 0);
    if (!strcmp(name, "page-data-xalloc-with-data")) {
        m = find('c', 1, 0);
        put_le32_at(m->offset + 4, (uint32_t)m->body + 4096);
    }
    if (!strcmp(name, "page-data-bad-type"))
        out[find('c', 1, 0)->offset + 16 + 8 * 3 + 7] = 0x50;
    if (!strcmp(name, "libxc-bad-marker"))
        out[find('c', ~0u, 0)->offset + 3] = 0;
    if (!strcmp(name, "libxc-bad-version"))
        out[find('c', ~0u, 0)->offset + 15] = 4;
    if (!strcmp(name, "libxc-bad-domain"))
        out[find('c', ~1u, 0)->offset] = 5;
    if (!strcmp(name, "libxc-bad-padding")) {
        m = find('c', 5, 0);
        out[m->offset + m->length - 2] = 1;
    }
    if (!strcmp(name, "hvm-bad-magic"))
        out[find('c', 9, 0)->offset + 8 + 8] ^= 0xff;
    if (!strcmp(name, "hvm-no-end")) {
        /* Turn the END descriptor into a second PMTIMER with no room. */
        m = find('c', 9, 0);
        out[m->offset + 8 + m->body - 8] = 13;
        out[m->offset + 8 + m->body - 4] = 8;
    }
    if (!strcmp(name, "hvm-params-count"))
        out[find('c', 10, 0)->offset + 8] += 1;
    if (!strcmp(name, "static-data-after")) {
        /* Relabel STATIC_DATA_END as VERIFY: memory then precedes it. */
        out[find('c', 0x10, 0)->offset] = 0x0d;
    }
    return len;
}

/* ---- Bench image: xl + libxl + libxc with N GiB of PAGE_DATA ---- */

static void bench(const char *path, unsigned gib)
{
    opts o;
    uint64_t pages = (uint64_t)gib << 18, done_pages = 0;

    out_file = fopen(path, "wb");
    if (!out_file) {
        perror(path);
        exit(2);
    }
    setvbuf(out_file, NULL, _IOFBF, 1 << 20);
    defaults(&o);
    o.pages = 1024;
    xl_header(&o);
    libxl_header(&o);
    rec('l', 1, NULL, 0);
    libxc_headers(&o);
    static_records(&o);
    while (done_pages < pages) {
        page_batch(&o, done_pages, 1024);
        done_pages += 1024;
    }
    vcpu_state(&o);
    rec('c', 0, NULL, 0);
    rec('l', 0, NULL, 0);
    if (fclose(out_file)) {
        perror(path);
        exit(2);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: mkstream [--shape pv|hvm] [--pages N] "
            "[--checkpoints N] [--final-end] [--optional] [--xenstore] "
            "[--no-xl] [--libvirt] [--bare-libxc] [--libxc-version 2|3] [--trailing N] "
            "[--variant NAME] [--boundaries] OUT\n"
            "       mkstream --list-variants\n"
            "       mkstream --bench-gib N OUT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *path = NULL, *variant_name = NULL;
    int boundaries = 0;
    size_t len, i;
    opts o;
    FILE *f;

    defaults(&o);
    for (i = 1; i < (size_t)argc; i++) {
        const char *a = argv[i], *v = i + 1 < (size_t)argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--list-variants")) {
            for (i = 0; i < NVARIANTS; i++)
                printf("%s\t%d\t%s\t%s\n", variants[i].name,
                       variants[i].expect, variants[i].fragment,
                       variants[i].what);
            return 0;
        } else if (!strcmp(a, "--bench-gib") && v && i + 2 < (size_t)argc) {
            bench(argv[i + 2], (unsigned)atoi(v));
            return 0;
        } else if (!strcmp(a, "--shape") && v) {
            o.hvm = !strcmp(v, "hvm");
            i++;
        } else if (!strcmp(a, "--pages") && v) {
            o.pages = (unsigned)atoi(v);
            i++;
        } else if (!strcmp(a, "--checkpoints") && v) {
            o.checkpoints = (unsigned)atoi(v);
            i++;
        } else if (!strcmp(a, "--libxc-version") && v) {
            o.libxc_version = (unsigned)atoi(v);
            i++;
        } else if (!strcmp(a, "--trailing") && v) {
            o.trailing = (unsigned)atoi(v);
            i++;
        } else if (!strcmp(a, "--variant") && v) {
            variant_name = v;
            i++;
        } else if (!strcmp(a, "--final-end")) {
            o.final_end = 1;
        } else if (!strcmp(a, "--optional")) {
            o.optional = 1;
        } else if (!strcmp(a, "--xenstore")) {
            o.xenstore = 1;
        } else if (!strcmp(a, "--bare-libxc")) {
            o.bare_libxc = 1;
        } else if (!strcmp(a, "--no-xl")) {
            o.xl = 0;
        } else if (!strcmp(a, "--libvirt")) {
            o.libvirt = 1;
        } else if (!strcmp(a, "--boundaries")) {
            boundaries = 1;
        } else if (a[0] == '-' && a[1]) {
            usage();
        } else {
            path = a;
        }
    }
    if (o.pages < 1)
        o.pages = 1;
    if (variant_name) {
        for (i = 0; i < NVARIANTS; i++)
            if (!strcmp(variants[i].name, variant_name))
                break;
        if (i == NVARIANTS) {
            fprintf(stderr, "mkstream: no variant %s\n", variant_name);
            return 2;
        }
        prepare(variant_name, &o);
    }
    stream(&o);
    len = variant_name ? patch(variant_name, out_len) : out_len;

    if (boundaries) {
        /* Every structure start, plus a point inside each structure. */
        for (i = 0; i < nmarks; i++) {
            printf("%zu\n", marks[i].offset);
            if (marks[i].length > 1)
                printf("%zu\n", marks[i].offset + marks[i].length / 2);
        }
        if (!path)
            return 0;
    }
    if (!path)
        usage();
    f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f || fwrite(out, 1, len, f) != len || (f != stdout && fclose(f))) {
        perror(path);
        return 2;
    }
    free(out);
    return 0;
}
