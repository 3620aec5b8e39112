/*
 * v2list: print a v2 image as text, for comparing two images in tests.
 *
 *   v2list FILE            one line per header or record, in stream order:
 *                          offset, layer, type, length, body hash
 *   v2list --canon FILE    the guest state the image carries, one fact per
 *                          line (pages by pfn, HVM params by index, vcpu
 *                          state by id, xenstore pairs...), for `sort` and
 *                          diff: two images that restore the same guest
 *                          print the same facts, whatever their grouping
 *
 * --canon leaves out what a legacy stream cannot carry (headers' version
 * fields, MSR/CPUID policy records, HVM params outside the legacy set or
 * of value 0) so
 * that a v2 -> legacy -> v2 round trip compares equal.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl_sr_codec.h"
#include "v2read.h"

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    while (n--) {
        h ^= *p++;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static bool legacy_param(uint64_t idx)
{
    static const unsigned set[] = { 1, 5, 6, 9, 12, 15, 17, 19, 27, 28, 29,
                                    32, 33, 34 };
    size_t i;

    for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
        if (set[i] == idx)
            return true;
    return false;
}

static int canon_xc(const v2_item *it)
{
    const unsigned char *b = it->body;
    uint32_t i, n;

    switch (it->type) {
    case 1: /* PAGE_DATA */
    {
        uint32_t data = 0;

        if (it->len < 8)
            return -1;
        n = get32(b);
        if (it->len < 8 + (uint64_t)n * 8)
            return -1;
        for (i = 0; i < n; i++) {
            uint64_t e = get64(b + 8 + 8 * i);
            unsigned t = (unsigned)(e >> 60);

            if (t < 0xd) {
                if (8 + (uint64_t)n * 8 + (uint64_t)(data + 1) * 4096 > it->len)
                    return -1;
                printf("page %013" PRIx64 " type %x %016" PRIx64 "\n",
                       e & ((UINT64_C(1) << 52) - 1), t,
                       fnv(b + 8 + 8 * n + 4096 * (size_t)data, 4096));
                data++;
            } else {
                printf("page %013" PRIx64 " type %x\n",
                       e & ((UINT64_C(1) << 52) - 1), t);
            }
        }
        return 0;
    }
    case 4: case 5: case 6: /* vcpu basic / extended / xsave */
    {
        size_t len;

        if (it->len < 8)
            return -1;
        len = it->len - 8;
        /* Xen 4.17 saves the extended context at the size Xen reports; a
         * legacy stream always carried 128 octets, zero-filled. */
        if (it->type == 5)
            while (len && b[8 + len - 1] == 0)
                len--;
        printf("vcpu %u %s %016" PRIx64 "\n", get32(b),
               v2_xc_type_name(it->type), fnv(b + 8, len));
        return 0;
    }
    case 10: /* HVM_PARAMS */
        if (it->len < 8)
            return -1;
        n = get32(b);
        if (it->len != 8 + (uint64_t)n * 16)
            return -1;
        /* A parameter of value 0 is one Xen 4.17 does not bother to save;
         * a legacy HVM tail always names three, 0 or not. */
        for (i = 0; i < n; i++)
            if (legacy_param(get64(b + 8 + 16 * i)) &&
                get64(b + 16 + 16 * i) != 0)
                printf("param %" PRIu64 " %" PRIx64 "\n",
                       get64(b + 8 + 16 * i), get64(b + 16 + 16 * i));
        return 0;
    case 2: case 3: case 7: case 8: case 9:
        printf("rec %s %u %016" PRIx64 "\n", v2_xc_type_name(it->type),
               it->len, fnv(b, it->len));
        return 0;
    default:
        return 0;
    }
}

static int canon_xl(const v2_item *it)
{
    libxl__sr_xs_iter xi;
    libxl__sr_error e;
    const char *k, *v;
    size_t kl, vl;
    int r;

    if (it->type == LIBXL_SR_REC_EMULATOR_CONTEXT && it->len >= 8) {
        printf("emulator-context %u %016" PRIx64 "\n", it->len - 8,
               fnv(it->body + 8, it->len - 8));
    } else if (it->type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA &&
               it->len >= 8) {
        libxl__sr_xs_iter_init(&xi, it->body + 8, it->len - 8, 0,
                              it->offset + 16);
        while ((r = libxl__sr_xs_next(&xi, &k, &kl, &v, &vl, &e)) == 1)
            printf("xenstore %.*s = %.*s\n", (int)kl, k, (int)vl, v);
        if (r < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool canon = false;
    const char *path;
    v2r r;
    v2_item it;
    int fd, rc;

    if (argc == 3 && !strcmp(argv[1], "--canon"))
        canon = true;
    else if (argc != 2) {
        fprintf(stderr, "usage: v2list [--canon] FILE|-\n");
        return 2;
    }
    path = argv[argc - 1];
    fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
    if (fd < 0) {
        perror(path);
        return 1;
    }
    v2r_init(&r, fd);
    while ((rc = v2r_next(&r, &it)) == 1) {
        if (!canon) {
            printf("%10" PRIu64 " %-20s %-26s %10u %016" PRIx64 "\n",
                   it.offset, v2_kind_name(it.kind),
                   it.kind == V2K_XL_REC ?
                       (libxl__sr_type_name(it.type) ?: "?") :
                   it.kind == V2K_XC_REC ? v2_xc_type_name(it.type) : "-",
                   it.len, it.body ? fnv(it.body, it.len) : 0);
            continue;
        }
        if (it.kind == V2K_XC_DHDR)
            printf("domain-type %u\n", it.type);
        else if (it.kind == V2K_XC_REC && canon_xc(&it))
            rc = -1;
        else if (it.kind == V2K_XL_REC && canon_xl(&it))
            rc = -1;
        if (rc < 0) {
            fprintf(stderr, "v2list: malformed %s record at offset %" PRIu64
                    "\n", v2_kind_name(it.kind), it.offset);
            break;
        }
    }
    if (rc < 0 && r.err[0])
        fprintf(stderr, "v2list: %s\n", r.err);
    v2r_dispose(&r);
    return rc < 0 ? 1 : 0;
}
