/*
 * mkv2: write a synthetic v2 image shaped like what Xen 4.17 saves, for the
 * legacy converter's tests (the emulated host provides real ones later).
 *
 *   mkv2 [options] > image
 *     --guest pv|hvm       guest type (pv)
 *     --bits 32|64         PV guest width (64)
 *     --pages N            pages carrying data (300)
 *     --batch N            entries per PAGE_DATA record (1024, max 1024)
 *     --stride N           pfn spacing of the pages (1)
 *     --vcpus N            vcpus (2); a PV guest's vcpu 1 is left offline
 *                          when N > 2, to exercise the online map
 *     --ext                PV: X86_PV_VCPU_EXTENDED records (128 octets)
 *     --xsave N            PV: X86_PV_VCPU_XSAVE records of N octets
 *     --msrs               PV: X86_PV_VCPU_MSRS records (no legacy form)
 *     --types              PV: page-table, pinned, XALLOC, BROKEN and XTAB
 *                          entries besides plain pages
 *     --extra-param        HVM: a parameter legacy streams cannot carry
 *     --physmap N          HVM: N physmap entries in EMULATOR_XENSTORE_DATA
 *     --qemu N             HVM: EMULATOR_CONTEXT of N octets (7600)
 *     --format libxl|libxc libxl stream around libxc's, or bare libxc (libxl)
 *     --xl                 prefix an xl save-file header
 *     --seed N             contents seed (1)
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_sr_codec.h"

static struct {
    bool hvm, ext, msrs, types, extra_param, libxl, xl;
    unsigned bits, pages, batch, stride, vcpus, xsave, physmap, qemu;
    uint64_t seed;
} o = {
    .bits = 64, .pages = 300, .batch = 1024, .stride = 1, .vcpus = 2,
    .qemu = 7600, .libxl = true, .seed = 1,
};

static uint64_t rng;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill(unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (unsigned char)(next_rand() >> 32);
}

static void out(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n) {
        perror("mkv2: write");
        exit(1);
    }
}

static void le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static void le64(unsigned char *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

static void pad_to8(size_t n)
{
    static const unsigned char z[8];

    out(z, (8 - (n & 7)) & 7);
}

/* libxc record with a body in memory. */
static void xc_rec(uint32_t type, const void *body, size_t len)
{
    unsigned char h[8];

    le32(h, type);
    le32(h + 4, (uint32_t)len);
    out(h, 8);
    out(body, len);
    pad_to8(len);
}

static void xl_rec(uint32_t type, const void *body, size_t len)
{
    unsigned char h[LIBXL_SR_REC_HDR_SIZE];

    if (libxl__sr_encode_rec_hdr(h, sizeof(h), type, (uint32_t)len) < 0)
        abort();
    out(h, sizeof(h));
    out(body, len);
    pad_to8(len);
}

static void vcpu_rec(uint32_t type, unsigned id, size_t len)
{
    unsigned char *b = calloc(1, 8 + len);

    le32(b, id);
    fill(b + 8, len);
    xc_rec(type, b, 8 + len);
    free(b);
}

/* Page type (v2 numbering, top nibble) for data page i of a PV guest. */
static unsigned pv_type(unsigned i)
{
    static const unsigned cycle[] = { 0, 1, 2, 3, 4, 9, 10, 11, 12, 0, 0 };

    if (!o.types)
        return 0;
    return cycle[i % (sizeof(cycle) / sizeof(cycle[0]))];
}

static void page_data(uint64_t p2m_size)
{
    unsigned done = 0, extra = 0;
    unsigned char *rec = malloc(8 + 1024 * 8 + 1024 * 4096);

    while (done < o.pages) {
        unsigned n = 0, data = 0, i;
        unsigned char *pfns = rec + 8;
        unsigned char *pages;
        unsigned want = o.pages - done < o.batch ? o.pages - done : o.batch;

        /* With --types, every batch also gets data-less entries, at pfns
         * past the data pages. */
        unsigned holes = o.types && want + 3 <= 1024 ? 3 : 0;

        pages = pfns + 8 * (size_t)(want + holes);
        for (i = 0; i < want; i++, n++) {
            uint64_t pfn = (uint64_t)(done + i) * o.stride;

            le64(pfns + 8 * n, (uint64_t)pv_type(done + i) << 60 | pfn);
            fill(pages + 4096 * (size_t)data++, 4096);
        }
        for (i = 0; i < holes; i++, n++) {
            uint64_t pfn = (uint64_t)o.pages * o.stride + extra++;
            static const unsigned kinds[] = { 0xe, 0xd, 0xf };

            if (pfn >= p2m_size)
                abort();
            le64(pfns + 8 * n, (uint64_t)kinds[i] << 60 | pfn);
        }
        le32(rec, n);
        le32(rec + 4, 0);
        xc_rec(1, rec, 8 + 8 * (size_t)n + 4096 * (size_t)data);
        done += want;
    }
    free(rec);
}

static void libxc_stream(void)
{
    unsigned char b[64];
    uint64_t p2m_size = (uint64_t)o.pages * o.stride +
                        3 * (o.pages / o.batch + 1) + 16;
    unsigned v;

    /* Image header (big-endian) and domain header. */
    memset(b, 0, 24);
    memset(b, 0xff, 8);
    memcpy(b + 8, "XENF", 4);
    b[15] = 3;
    out(b, 24);
    memset(b, 0, 16);
    le32(b, o.hvm ? 2 : 1);
    b[4] = 12;
    le32(b + 8, 4);
    le32(b + 12, 17);
    out(b, 16);

    if (!o.hvm) {
        memset(b, 0, 8);
        b[0] = (unsigned char)(o.bits / 8);
        b[1] = o.bits == 64 ? 4 : 3;
        xc_rec(2, b, 8);
    }
    xc_rec(0x10, NULL, 0);      /* STATIC_DATA_END */

    if (!o.hvm) {
        uint64_t fpp = 4096 / (o.bits / 8);
        uint64_t frames = (p2m_size + fpp - 1) / fpp, i;
        unsigned char *f = malloc(8 + 8 * frames);

        le32(f, 0);
        le32(f + 4, (uint32_t)(p2m_size - 1));
        for (i = 0; i < frames; i++)
            le64(f + 8 + 8 * i, 0x10000 + (next_rand() & 0xfffff));
        xc_rec(3, f, 8 + 8 * frames);
        free(f);
    }

    page_data(p2m_size);

    memset(b, 0, 24);           /* TSC_INFO: mode, khz, nsec, incarnation */
    le32(b, 0);
    le32(b + 4, 2400000);
    le64(b + 8, 123456789012ULL + o.seed);
    le32(b + 16, 3);
    xc_rec(8, b, 24);

    if (!o.hvm) {
        unsigned char shinfo[4096];

        fill(shinfo, sizeof(shinfo));
        xc_rec(7, shinfo, sizeof(shinfo));
        for (v = 0; v < o.vcpus; v++) {
            if (v == 1 && o.vcpus > 2)
                continue;       /* offline */
            vcpu_rec(4, v, o.bits == 64 ? 0x1430 : 0xaf0);
            if (o.ext)
                vcpu_rec(5, v, 128);
            if (o.xsave)
                vcpu_rec(6, v, o.xsave);
            if (o.msrs)
                vcpu_rec(12, v, 32);
        }
    } else {
        unsigned char ctx[2000];
        static const uint64_t params[][2] = {
            { 17, 0xfefff }, { 1, 0xfeffc }, { 5, 0xfeffd }, { 6, 0xfeffe },
            { 12, 0xfeffd000 }, { 15, 0xfeffc000 }, { 9, 0x1 },
            { 19, 1 }, { 34, 0xfc00000 }, { 33, 2 }, { 32, 0xfeff0 },
        };
        unsigned n = sizeof(params) / sizeof(params[0]), i;
        unsigned char pb[8 + 16 * 16];

        /* Xen's own HVM save format: descriptors (type, instance,
         * length), a HEADER first, an END last. */
        {
            size_t at = 0, body = sizeof(ctx) - 8 - 24 - 8 - 8;

            memset(ctx, 0, sizeof(ctx));
            le32(ctx + at, 1);              /* HEADER, instance 0 */
            le32(ctx + at + 4, 24);
            le32(ctx + at + 8, 0x54381286); /* HVM_FILE_MAGIC */
            le32(ctx + at + 12, 1);
            fill(ctx + at + 16, 16);
            at += 8 + 24;
            le32(ctx + at, 2);              /* CPU, instance 0 */
            le32(ctx + at + 4, (uint32_t)body);
            fill(ctx + at + 8, body);
            at += 8 + body;
            le32(ctx + at, 0);              /* END */
            le32(ctx + at + 4, 0);
            at += 8;
            xc_rec(9, ctx, at);
        }
        le32(pb, n + (o.extra_param ? 1 : 0));
        le32(pb + 4, 0);
        for (i = 0; i < n; i++) {
            le64(pb + 8 + 16 * i, params[i][0]);
            le64(pb + 16 + 16 * i, params[i][1] + o.seed);
        }
        if (o.extra_param) {
            le64(pb + 8 + 16 * n, 38);      /* MCA capabilities */
            le64(pb + 16 + 16 * n, 1);
            n++;
        }
        xc_rec(10, pb, 8 + 16 * (size_t)n);
    }
    xc_rec(0, NULL, 0);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "guest", 1, NULL, 'g' }, { "bits", 1, NULL, 'b' },
        { "pages", 1, NULL, 'p' }, { "batch", 1, NULL, 'B' },
        { "stride", 1, NULL, 's' }, { "vcpus", 1, NULL, 'v' },
        { "ext", 0, NULL, 'e' }, { "xsave", 1, NULL, 'X' },
        { "msrs", 0, NULL, 'm' }, { "types", 0, NULL, 't' },
        { "extra-param", 0, NULL, 'P' }, { "physmap", 1, NULL, 'M' },
        { "qemu", 1, NULL, 'q' }, { "format", 1, NULL, 'f' },
        { "xl", 0, NULL, 'x' }, { "seed", 1, NULL, 'S' },
        { NULL, 0, NULL, 0 },
    };
    unsigned char h[64];
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'g': o.hvm = !strcmp(optarg, "hvm"); break;
        case 'b': o.bits = (unsigned)atoi(optarg); break;
        case 'p': o.pages = (unsigned)atoi(optarg); break;
        case 'B': o.batch = (unsigned)atoi(optarg); break;
        case 's': o.stride = (unsigned)atoi(optarg); break;
        case 'v': o.vcpus = (unsigned)atoi(optarg); break;
        case 'e': o.ext = true; break;
        case 'X': o.xsave = (unsigned)atoi(optarg); break;
        case 'm': o.msrs = true; break;
        case 't': o.types = true; break;
        case 'P': o.extra_param = true; break;
        case 'M': o.physmap = (unsigned)atoi(optarg); break;
        case 'q': o.qemu = (unsigned)atoi(optarg); break;
        case 'f': o.libxl = !strcmp(optarg, "libxl"); break;
        case 'x': o.xl = true; break;
        case 'S': o.seed = strtoull(optarg, NULL, 0); break;
        default:
            fprintf(stderr, "mkv2: see the comment at the top of mkv2.c\n");
            return 2;
        }
    }
    if ((o.bits != 32 && o.bits != 64) || !o.batch || o.batch > 1024 ||
        !o.stride || !o.vcpus || o.vcpus > 64) {
        fprintf(stderr, "mkv2: bad option value\n");
        return 2;
    }
    rng = o.seed * 0x9e3779b97f4a7c15ULL + 1;

    if (o.xl) {
        static const char cfg[] = "name = \"synthetic\"\nmemory = 128\n";

        out("Xen saved domain, xl format\n \0 \r", 32);
        le32(h, 0x01020304);
        le32(h + 4, 2);         /* mandatory: stream v2 */
        le32(h + 8, 0);
        le32(h + 12, 4 + sizeof(cfg));  /* options: config length, config */
        le32(h + 16, sizeof(cfg));
        out(h, 20);
        out(cfg, sizeof(cfg));
    }
    if (o.libxl) {
        if (libxl__sr_encode_header(h, sizeof(h), 0) < 0)
            abort();
        out(h, LIBXL_SR_HEADER_SIZE);
        xl_rec(LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    }
    libxc_stream();
    if (o.libxl) {
        if (o.hvm && o.physmap) {
            static char body[65536];
            size_t used = LIBXL_SR_EMU_HDR_SIZE;
            unsigned i;

            libxl__sr_encode_emu_hdr(body, sizeof(body),
                                    LIBXL_SR_EMULATOR_QEMU_UPSTREAM, 0);
            for (i = 0; i < o.physmap; i++) {
                char k[64], v[64];
                uint64_t gfn = 0xf0000000ULL + 0x1000000ULL * i;

                snprintf(k, sizeof(k), "physmap/%llx/start_addr",
                         (unsigned long long)gfn);
                snprintf(v, sizeof(v), "%llx", 0xfc000000ULL + i);
                libxl__sr_xs_append(body, sizeof(body), &used, k, v);
                snprintf(k, sizeof(k), "physmap/%llx/size",
                         (unsigned long long)gfn);
                snprintf(v, sizeof(v), "%x", 0x800000 + i);
                libxl__sr_xs_append(body, sizeof(body), &used, k, v);
                snprintf(k, sizeof(k), "physmap/%llx/name",
                         (unsigned long long)gfn);
                snprintf(v, sizeof(v), "vga.vram%s", i % 2 ? "-odd" : "");
                libxl__sr_xs_append(body, sizeof(body), &used, k, v);
            }
            xl_rec(LIBXL_SR_REC_EMULATOR_XENSTORE_DATA, body, used);
        }
        if (o.hvm) {
            unsigned char *q = malloc(8 + (size_t)o.qemu);

            libxl__sr_encode_emu_hdr(q, 8, LIBXL_SR_EMULATOR_QEMU_UPSTREAM, 0);
            fill(q + 8, o.qemu);
            if (o.qemu >= 4)
                memcpy(q + 8, "QEVM", 4);
            xl_rec(LIBXL_SR_REC_EMULATOR_CONTEXT, q, 8 + (size_t)o.qemu);
            free(q);
        }
        xl_rec(LIBXL_SR_REC_END, NULL, 0);
    }
    if (fflush(stdout)) {
        perror("mkv2");
        return 1;
    }
    return 0;
}
