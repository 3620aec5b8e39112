/*
 * fuzz_libxc_walk.c: the libxc walker on arbitrary bytes, pushed whole and
 * in small chunks; both ways must reach the same verdict at the same
 * offset (the push-driven contract).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxc_walk.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int walk(xc_walk *w, const uint8_t *data, size_t size, size_t chunk,
                size_t *consumed)
{
    size_t off = 0, used;
    int rc = XCW_MORE;

    xcw_init(w, 0, NULL, NULL);
    while (off < size) {
        size_t k = size - off < chunk ? size - off : chunk;

        rc = xcw_push(w, data + off, k, &used);
        ASSERT(used <= k);
        off += used;
        if (rc != XCW_MORE)
            break;
        ASSERT(used == k);
    }
    *consumed = off;
    if (rc == XCW_MORE)
        rc = xcw_finish(w);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xc_walk a, b;
    size_t ca, cb, chunk;
    char msg[400];
    int ra, rb;

    if (size < 1)
        return 0;
    chunk = 1 + data[0] % 13;
    ra = walk(&a, data + 1, size - 1, size, &ca);
    rb = walk(&b, data + 1, size - 1, chunk, &cb);
    ASSERT(ra == rb);
    ASSERT(a.records == b.records && a.pages == b.pages &&
           a.alloc_only_pages == b.alloc_only_pages);
    if (ra < 0) {
        ASSERT(a.err.offset == b.err.offset);
        ASSERT(a.err.offset <= size);
        libxl__sr_format_error(&a.err, msg, sizeof(msg));
    } else {
        ASSERT(ca == cb);
    }
    return 0;
}
