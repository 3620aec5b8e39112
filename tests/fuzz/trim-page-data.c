/*
 * trim-page-data IN OUT OFFSET N: copy IN to OUT with the libxc PAGE_DATA
 * record at absolute OFFSET (as `xen-stream dump` prints it) cut down to
 * its first N pfns and their page contents.  Every other octet is copied
 * as it is, so the result stays a valid image when IN was one.
 *
 * Used by tests/fuzz/import-real-seeds.sh to turn an image brought back
 * from the emulated host into a seed of a few KiB.  Only little-endian
 * hosts (like the streams it reads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_PAGE_DATA 0x00000001u
#define PAGE_SIZE 4096u

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Types without page contents: XTAB, XALLOC, BROKEN (libxc's spec). */
static int has_data(uint64_t pfn)
{
    unsigned type = (unsigned)(pfn >> 60) & 0xf;

    return !(type == 0xf || type == 0xe || type == 0xd);
}

static int die(const char *msg)
{
    fprintf(stderr, "trim-page-data: %s\n", msg);
    return 2;
}

int main(int argc, char **argv)
{
    FILE *f;
    uint8_t *buf;
    long size;
    unsigned long long off;
    uint32_t len, count, n, i, kept = 0, all = 0;
    size_t rec_end, data0;

    if (argc != 5)
        return die("usage: trim-page-data IN OUT OFFSET N");
    off = strtoull(argv[3], NULL, 0);
    n = (uint32_t)strtoul(argv[4], NULL, 0);
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        return die("cannot read IN");
    buf = malloc(size ? (size_t)size : 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        return die("cannot read IN");
    fclose(f);

    if (off + 16 > (unsigned long long)size)
        return die("OFFSET is past the end");
    if (get32(buf + off) != REC_PAGE_DATA)
        return die("no PAGE_DATA record at OFFSET");
    len = get32(buf + off + 4);
    count = get32(buf + off + 8);
    rec_end = off + 8 + ((len + 7u) & ~7u);
    if (rec_end > (size_t)size || 8 + 8ull * count > len)
        return die("PAGE_DATA record does not fit");
    if (n > count)
        n = count;
    for (i = 0; i < count; i++)
        if (has_data(get64(buf + off + 16 + 8ull * i))) {
            all++;
            if (i < n)
                kept++;
        }
    if (8 + 8ull * count + (unsigned long long)PAGE_SIZE * all > len)
        return die("PAGE_DATA contents do not fit the record");
    data0 = off + 16 + 8ull * count;

    f = fopen(argv[2], "wb");
    if (!f)
        return die("cannot write OUT");
    {
        uint8_t hdr[16];
        uint32_t newlen = 8 + 8 * n + PAGE_SIZE * kept;

        put32(hdr, REC_PAGE_DATA);
        put32(hdr + 4, newlen);
        put32(hdr + 8, n);
        memcpy(hdr + 12, buf + off + 12, 4);
        fwrite(buf, 1, off, f);
        fwrite(hdr, 1, 16, f);
        fwrite(buf + off + 16, 8, n, f);
        /* the contents of the first n pfns come first in the data */
        fwrite(buf + data0, PAGE_SIZE, kept, f);
        fwrite(buf + rec_end, 1, (size_t)size - rec_end, f);
    }
    if (fclose(f))
        return die("cannot write OUT");
    printf("trim-page-data: PAGE_DATA at %llu: %u of %u pfns kept, %u with data\n",
           off, n, count, kept);
    free(buf);
    return 0;
}
