/*
 * mklegacy: test-only inverse of convert-legacy-stream.  Reads a v2 image
 * (an xl save file, a bare libxl stream or a bare libxc stream) and writes
 * the legacy (Xen <= 4.5) stream a toolstack of that era would have written
 * for the same guest, so that the converter can be tested on real images.
 *
 *   mklegacy [options] IN OUT
 *     --width 32|64   word size of the legacy toolstack to imitate (64)
 *     --no-xl         leave out the xl header even if IN has one
 *     --holes         start every page batch with an unmappable-pfn entry
 *     --unmapped N    PV: list N bogus "unmapped" pfns in the tail
 *     --no-qemu       HVM: leave out the device model record
 *     --verbose       say what was dropped
 *
 * IN must be seekable (it is read twice: once to learn what the legacy
 * header needs, once to copy the pages).  State a legacy stream cannot
 * express (MSR and CPUID policy records, X86_PV_VCPU_MSRS, HVM params
 * outside the legacy set, xenstore keys other than physmap) is dropped with
 * a note under --verbose.  Exit status 0 ok, 1 error.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl_sr_codec.h"
#include "v2read.h"

#define MAX_VCPUS    4096
#define MAX_PARAMS   128
#define MAX_PHYSMAP  256

struct physmap {
    uint64_t phys, start, size;
    char name[128];
    unsigned have;          /* bit 0 start, 1 size, 2 name */
};

static struct {
    unsigned word;
    bool no_xl, holes, no_qemu, verbose;
    unsigned unmapped;
} opt = { .word = 8 };

/* Everything pass 1 learns. */
static struct {
    bool hvm, have_dhdr;
    bool xl_hdr;
    uint32_t xl_flags, xl_optlen;
    unsigned char *xl_opts;
    unsigned guest_width, levels;
    unsigned char *p2m;          /* X86_PV_P2M_FRAMES body */
    uint32_t p2m_len;
    uint64_t p2m_size, pfn_end;
    bool have_tsc;
    unsigned char tsc[24];
    unsigned n_params;
    uint64_t params[MAX_PARAMS][2];
    unsigned char *basic[MAX_VCPUS], *ext[MAX_VCPUS], *xsave[MAX_VCPUS];
    uint32_t basic_len[MAX_VCPUS], ext_len[MAX_VCPUS], xsave_len[MAX_VCPUS];
    int max_vcpu;
    unsigned char shinfo[4096];
    bool have_shinfo;
    unsigned char *hvm_ctx;
    uint32_t hvm_ctx_len;
    unsigned n_physmap;
    struct physmap physmap[MAX_PHYSMAP];
    unsigned char *emu;
    uint32_t emu_len;
    bool have_emu;
} g = { .max_vcpu = -1 };

static FILE *out;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("mklegacy: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;

    if (!opt.verbose)
        return;
    fputs("mklegacy: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static unsigned char *dup_body(const unsigned char *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);

    if (!d)
        die("out of memory");
    memcpy(d, p, n);
    return d;
}

/* ---- Pass 1 ---- */

static void take_param(uint64_t idx, uint64_t val)
{
    unsigned i;

    for (i = 0; i < g.n_params; i++)
        if (g.params[i][0] == idx) {
            g.params[i][1] = val;
            return;
        }
    if (g.n_params == MAX_PARAMS)
        die("too many HVM params");
    g.params[g.n_params][0] = idx;
    g.params[g.n_params][1] = val;
    g.n_params++;
}

static void take_vcpu(const v2_item *it, unsigned char **slot, uint32_t *len)
{
    uint32_t id;

    if (it->len < 8)
        die("vcpu record at %" PRIu64 " too short", it->offset);
    id = get32(it->body);
    if (id >= MAX_VCPUS)
        die("vcpu id %u too large", id);
    if (slot[id])
        die("vcpu %u: %s twice", id, v2_xc_type_name(it->type));
    slot[id] = dup_body(it->body + 8, it->len - 8);
    len[id] = it->len - 8;
    if ((int)id > g.max_vcpu)
        g.max_vcpu = (int)id;
}

static void scan_xc(const v2_item *it)
{
    const unsigned char *b = it->body;
    uint32_t i, n;

    switch (it->type) {
    case 1:
        n = get32(b);
        for (i = 0; i < n; i++) {
            uint64_t pfn = get64(b + 8 + 8 * i) & ((UINT64_C(1) << 52) - 1);

            if (pfn >= (1u << 28))
                die("pfn 0x%" PRIx64 " cannot be written in a legacy stream",
                    pfn);
            if (pfn + 1 > g.pfn_end)
                g.pfn_end = pfn + 1;
        }
        break;
    case 2:
        g.guest_width = b[0];
        g.levels = b[1];
        break;
    case 3:
        if (get32(b) != 0)
            die("P2M_FRAMES with a non-zero start pfn");
        g.p2m = dup_body(b, it->len);
        g.p2m_len = it->len;
        g.p2m_size = (uint64_t)get32(b + 4) + 1;
        break;
    case 4: take_vcpu(it, g.basic, g.basic_len); break;
    case 5: take_vcpu(it, g.ext, g.ext_len); break;
    case 6: take_vcpu(it, g.xsave, g.xsave_len); break;
    case 7:
        if (it->len != 4096)
            die("SHARED_INFO of %u octets", it->len);
        memcpy(g.shinfo, b, 4096);
        g.have_shinfo = true;
        break;
    case 8:
        if (it->len != 24)
            die("TSC_INFO of %u octets", it->len);
        memcpy(g.tsc, b, 24);
        g.have_tsc = true;
        break;
    case 9:
        g.hvm_ctx = dup_body(b, it->len);
        g.hvm_ctx_len = it->len;
        break;
    case 10:
        n = get32(b);
        if (it->len != 8 + (uint64_t)n * 16)
            die("HVM_PARAMS of bad length");
        for (i = 0; i < n; i++)
            take_param(get64(b + 8 + 16 * i), get64(b + 16 + 16 * i));
        break;
    case 0: case 0x10:
        break;
    default:
        note("dropping %s record (no legacy form)", v2_xc_type_name(it->type));
    }
}

static struct physmap *physmap_slot(uint64_t phys)
{
    unsigned i;

    for (i = 0; i < g.n_physmap; i++)
        if (g.physmap[i].phys == phys)
            return &g.physmap[i];
    if (g.n_physmap == MAX_PHYSMAP)
        die("too many physmap entries");
    g.physmap[g.n_physmap].phys = phys;
    return &g.physmap[g.n_physmap++];
}

static void scan_xenstore(const v2_item *it)
{
    libxl__sr_xs_iter xi;
    libxl__sr_error e;
    const char *k, *v;
    size_t kl, vl;
    int r;

    libxl__sr_xs_iter_init(&xi, it->body + 8, it->len - 8, 0, it->offset + 16);
    while ((r = libxl__sr_xs_next(&xi, &k, &kl, &v, &vl, &e)) == 1) {
        char key[256], val[256], leaf[64];
        unsigned long long phys;
        struct physmap *pm;

        if (kl >= sizeof(key) || vl >= sizeof(val))
            die("xenstore pair too long for a physmap entry");
        memcpy(key, k, kl);
        key[kl] = 0;
        memcpy(val, v, vl);
        val[vl] = 0;
        if (sscanf(key, "physmap/%llx/%63s", &phys, leaf) != 2) {
            note("dropping xenstore key %s (no legacy form)", key);
            continue;
        }
        pm = physmap_slot(phys);
        if (!strcmp(leaf, "start_addr")) {
            pm->start = strtoull(val, NULL, 16);
            pm->have |= 1;
        } else if (!strcmp(leaf, "size")) {
            pm->size = strtoull(val, NULL, 16);
            pm->have |= 2;
        } else if (!strcmp(leaf, "name")) {
            if (vl >= sizeof(pm->name))
                die("physmap name too long");
            memcpy(pm->name, val, vl + 1);
            pm->have |= 4;
        } else {
            note("dropping xenstore key %s (no legacy form)", key);
        }
    }
    if (r < 0)
        die("bad EMULATOR_XENSTORE_DATA at %" PRIu64, it->offset);
}

static void pass1(int fd)
{
    v2r r;
    v2_item it;
    int rc;

    v2r_init(&r, fd);
    while ((rc = v2r_next(&r, &it)) == 1) {
        switch (it.kind) {
        case V2K_XL_HDR:
            g.xl_hdr = true;
            g.xl_flags = it.type;
            g.xl_opts = dup_body(it.body, it.len);
            g.xl_optlen = it.len;
            break;
        case V2K_XC_DHDR:
            g.hvm = it.type == 2;
            g.have_dhdr = true;
            if (it.type != 1 && it.type != 2)
                die("domain type %u is not x86 PV or HVM", it.type);
            break;
        case V2K_XC_REC:
            scan_xc(&it);
            break;
        case V2K_XL_REC:
            if (it.type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA)
                scan_xenstore(&it);
            else if (it.type == LIBXL_SR_REC_EMULATOR_CONTEXT) {
                g.emu = dup_body(it.body + 8, it.len - 8);
                g.emu_len = it.len - 8;
                g.have_emu = true;
            } else if (it.type == LIBXL_SR_REC_CHECKPOINT_END ||
                       it.type == LIBXL_SR_REC_CHECKPOINT_STATE)
                die("checkpointed streams have no legacy form here");
            break;
        default:
            break;
        }
    }
    if (rc < 0)
        die("%s", r.err);
    v2r_dispose(&r);
    if (!g.have_dhdr)
        die("no libxc stream in the input");
}

/* ---- Pass 2: writing ---- */

static void put(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, out) != n)
        die("write failed");
}

static void put32(uint32_t v)
{
    unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    put(b, 4);
}

static void put64(uint64_t v)
{
    put32((uint32_t)v);
    put32((uint32_t)(v >> 32));
}

static void put_word(uint64_t v)
{
    if (opt.word == 8)
        put64(v);
    else if (v > UINT32_MAX)
        die("value 0x%" PRIx64 " does not fit a 32-bit toolstack word", v);
    else
        put32((uint32_t)v);
}

static uint32_t ctx_len_for_width(void)
{
    return g.guest_width == 8 ? 0x1430 : 0xaf0;
}

static uint32_t common_xsave(void)
{
    int v;
    uint32_t size = 0;

    for (v = 0; v <= g.max_vcpu; v++) {
        if (!g.basic[v])
            continue;
        if (!g.xsave[v]) {
            if (size)
                die("vcpu %d lacks the xsave record others have", v);
            continue;
        }
        if (size && g.xsave_len[v] != size)
            die("vcpus have xsave areas of different sizes");
        size = g.xsave_len[v];
    }
    return size;
}

static void write_header(void)
{
    uint64_t p2m_size = g.hvm ? (g.pfn_end ? g.pfn_end : 1) : g.p2m_size;

    if (g.xl_hdr && !opt.no_xl) {
        put("Xen saved domain, xl format\n \0 \r", 32);
        put32(0x01020304);
        put32(g.xl_flags & ~2u);       /* no longer a v2 stream */
        put32(0);
        put32(g.xl_optlen);
        put(g.xl_opts, g.xl_optlen);
    }
    if (!g.hvm && !g.p2m)
        die("PV stream without X86_PV_P2M_FRAMES");
    put_word(p2m_size);

    if (!g.hvm) {
        uint32_t ctx = ctx_len_for_width(), xs = common_xsave();
        uint32_t total = 8 + ctx;
        bool any_ext = false;
        unsigned char *zeros = calloc(1, ctx);
        int v;

        if (g.guest_width != 4 && g.guest_width != 8)
            die("PV stream without a usable X86_PV_INFO");
        for (v = 0; v <= g.max_vcpu; v++)
            any_ext |= g.ext[v] != NULL;
        total += any_ext ? 8 : 0;
        total += xs ? 16 : 0;
        put_word(opt.word == 8 ? UINT64_MAX : UINT32_MAX);
        put32(total);
        put("vcpu", 4);
        put32(ctx);
        put(zeros, ctx);
        free(zeros);
        if (any_ext) {
            put("extv", 4);
            put32(0);
        }
        if (xs) {
            put("xcnt", 4);
            put32(8);
            put32(xs + 16);
            put32(0);
        }
        /* The p2m frame list, in toolstack words. */
        {
            uint64_t fpp = 4096 / g.guest_width;
            uint64_t frames = (g.p2m_size - 1) / fpp + 1, i;

            if (g.p2m_len != 8 + frames * 8)
                die("P2M_FRAMES has %u octets, expected %" PRIu64, g.p2m_len,
                    8 + frames * 8);
            for (i = 0; i < frames; i++)
                put_word(get64(g.p2m + 8 + 8 * i));
        }
    }
}

static void write_batches(const v2_item *it)
{
    const unsigned char *b = it->body;
    uint32_t n = get32(b), i = 0;
    const unsigned char *data = b + 8 + 8 * (size_t)n;

    while (i < n) {
        uint32_t take = n - i, j, with_data = 0, hole = 0;

        if (opt.holes && take > 1023)
            take = 1023;
        else if (take > 1024)
            take = 1024;
        hole = opt.holes ? 1 : 0;
        put32(take + hole);
        if (hole)
            put_word(0xf0000000u);
        for (j = 0; j < take; j++) {
            uint64_t e = get64(b + 8 + 8 * (size_t)(i + j));
            unsigned t = (unsigned)(e >> 60);

            put_word((uint64_t)t << 28 | (e & 0x0fffffff));
            if (t < 0xd)
                with_data++;
        }
        put(data, (size_t)with_data * 4096);
        data += (size_t)with_data * 4096;
        i += take;
    }
}

/* HVM param index -> legacy chunk id, in the order legacy wrote them. */
static const struct { uint64_t param; int32_t chunk; } param_chunks[] = {
    { 12, -3 }, { 15, -4 }, { 17, -8 }, { 19, -10 }, { 9, -11 },
    { 34, -14 }, { 27, -15 }, { 28, -16 }, { 29, -17 }, { 32, -19 },
    { 33, -20 },
};

static bool param_get(uint64_t idx, uint64_t *val)
{
    unsigned i;

    for (i = 0; i < g.n_params; i++)
        if (g.params[i][0] == idx) {
            *val = g.params[i][1];
            return true;
        }
    return false;
}

static void write_chunks_after_pages(void)
{
    unsigned i, words;
    int v, max_id = g.hvm ? 0 : g.max_vcpu;
    uint64_t map[MAX_VCPUS / 64];

    if (max_id < 0)
        die("PV stream without vcpu records");
    memset(map, 0, sizeof(map));
    if (g.hvm)
        map[0] = 1;
    for (v = 0; !g.hvm && v <= g.max_vcpu; v++)
        if (g.basic[v])
            map[v / 64] |= UINT64_C(1) << (v % 64);
    put32((uint32_t)-2);
    put32((uint32_t)max_id);
    words = (unsigned)max_id / 64 + 1;
    for (i = 0; i < words; i++)
        put64(map[i]);

    if (g.have_tsc) {
        put32((uint32_t)-7);
        put(g.tsc, 4);          /* mode */
        put(g.tsc + 8, 8);      /* nanoseconds */
        put(g.tsc + 4, 4);      /* kHz */
        put(g.tsc + 16, 4);     /* incarnation */
    }

    for (i = 0; i < sizeof(param_chunks) / sizeof(param_chunks[0]); i++) {
        uint64_t val;

        if (!param_get(param_chunks[i].param, &val))
            continue;
        put32((uint32_t)param_chunks[i].chunk);
        put32(0);
        put64(val);
    }
    for (i = 0; i < g.n_params; i++) {
        uint64_t p = g.params[i][0];
        unsigned j;
        bool known = p == 1 || p == 5 || p == 6;

        for (j = 0; j < sizeof(param_chunks) / sizeof(param_chunks[0]); j++)
            known |= param_chunks[j].param == p;
        if (!known)
            note("dropping HVM param %" PRIu64 " (no legacy form)", p);
    }

    if (g.n_physmap) {
        uint32_t len = 8, stray = opt.word == 8 ? 4 : 0;

        for (i = 0; i < g.n_physmap; i++) {
            if (g.physmap[i].have != 7)
                die("physmap entry %" PRIx64 " is incomplete",
                    g.physmap[i].phys);
            len += 28 + (uint32_t)strlen(g.physmap[i].name) + 1 + stray;
        }
        put32((uint32_t)-18);
        put32(len);
        put32(1);
        put32(g.n_physmap);
        for (i = 0; i < g.n_physmap; i++) {
            uint32_t nl = (uint32_t)strlen(g.physmap[i].name) + 1;

            put64(g.physmap[i].phys);
            put64(g.physmap[i].start);
            put64(g.physmap[i].size);
            put32(nl);
            put(g.physmap[i].name, nl);
            put("\x55\x55\x55\x55", stray);
        }
    }
    put32(0);
}

static void write_tail(void)
{
    int v;
    unsigned i;

    if (!g.hvm) {
        uint32_t ctx = ctx_len_for_width();
        bool any_ext = false;
        uint32_t xs = common_xsave();

        for (v = 0; v <= g.max_vcpu; v++)
            any_ext |= g.ext[v] != NULL;
        put32(opt.unmapped);
        for (i = 0; i < opt.unmapped; i++)
            put_word(0x1000 + i);
        for (v = 0; v <= g.max_vcpu; v++) {
            unsigned char ext[128];

            if (!g.basic[v])
                continue;
            if (g.basic_len[v] != ctx)
                die("vcpu %d context is %u octets, legacy needs %u", v,
                    g.basic_len[v], ctx);
            put(g.basic[v], ctx);
            if (any_ext) {
                if (g.ext[v] && g.ext_len[v] > sizeof(ext))
                    die("vcpu %d extended context too large", v);
                memset(ext, 0, sizeof(ext));
                if (g.ext[v])
                    memcpy(ext, g.ext[v], g.ext_len[v]);
                put(ext, sizeof(ext));
            }
            if (xs) {
                put64(xs >= 8 ? get64(g.xsave[v]) : 0);
                put64(xs);
                put(g.xsave[v], xs);
            }
        }
        if (!g.have_shinfo)
            die("PV stream without SHARED_INFO");
        put(g.shinfo, 4096);
    } else {
        uint64_t val;

        put64(param_get(5, &val) ? val : 0);
        put64(param_get(6, &val) ? val : 0);
        put64(param_get(1, &val) ? val : 0);
        if (!g.hvm_ctx)
            die("HVM stream without HVM_CONTEXT");
        put32(g.hvm_ctx_len);
        put(g.hvm_ctx, g.hvm_ctx_len);
        if (!opt.no_qemu) {
            put("DeviceModelRecord0002", 21);
            put32(g.have_emu ? g.emu_len : 0);
            if (g.have_emu)
                put(g.emu, g.emu_len);
        }
    }
}

static void pass2(int fd)
{
    v2r r;
    v2_item it;
    int rc;

    if (lseek(fd, 0, SEEK_SET) != 0)
        die("input is not seekable");
    write_header();
    v2r_init(&r, fd);
    while ((rc = v2r_next(&r, &it)) == 1)
        if (it.kind == V2K_XC_REC && it.type == 1)
            write_batches(&it);
    if (rc < 0)
        die("%s", r.err);
    v2r_dispose(&r);
    write_chunks_after_pages();
    write_tail();
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "width", 1, NULL, 'w' }, { "no-xl", 0, NULL, 'x' },
        { "holes", 0, NULL, 'H' }, { "unmapped", 1, NULL, 'u' },
        { "no-qemu", 0, NULL, 'q' }, { "verbose", 0, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    int c, fd;

    while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
        switch (c) {
        case 'w':
            if (strcmp(optarg, "32") && strcmp(optarg, "64"))
                die("--width must be 32 or 64");
            opt.word = strcmp(optarg, "32") ? 8 : 4;
            break;
        case 'x': opt.no_xl = true; break;
        case 'H': opt.holes = true; break;
        case 'u': opt.unmapped = (unsigned)atoi(optarg); break;
        case 'q': opt.no_qemu = true; break;
        case 'v': opt.verbose = true; break;
        default: die("usage: mklegacy [options] IN OUT");
        }
    }
    if (argc - optind != 2)
        die("usage: mklegacy [options] IN OUT");
    fd = open(argv[optind], O_RDONLY);
    if (fd < 0)
        die("cannot open %s", argv[optind]);
    out = strcmp(argv[optind + 1], "-") ? fopen(argv[optind + 1], "wb")
                                         : stdout;
    if (!out)
        die("cannot create %s", argv[optind + 1]);
    pass1(fd);
    pass2(fd);
    if (fflush(out) || (out != stdout && fclose(out)))
        die("write failed");
    return 0;
}
