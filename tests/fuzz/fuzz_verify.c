/*
 * fuzz_verify.c: the whole verify path of xen-stream (xl container, libxl
 * layer through the codec, libxc walker) on arbitrary bytes, pushed whole
 * and in chunks of a fuzzer-chosen size, optionally discarding opaque data
 * the way the pipe reader does: same verdict, same error text.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream_walk.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char body_a[SW_BODY_BUF_MIN + 1], body_b[SW_BODY_BUF_MIN + 1];
static stream_walk a, b;

static void count(void *opaque, const sw_event *ev)
{
    (*(unsigned *)opaque)++;
    (void)ev;
}

/* With drop set, behave like xen-stream reading a pipe: whatever the
 * walker calls skippable is discarded unseen (sw_skipped) instead of
 * pushed.  The verdict must not change. */
static int walk(stream_walk *w, unsigned char *body, unsigned *events,
                const uint8_t *data, size_t size, size_t chunk, bool drop)
{
    size_t off = 0;
    int rc = SR_OK;

    sw_init(w, body, SW_BODY_BUF_MIN + 1, count, events);
    while (off < size && rc == SR_OK) {
        size_t k = size - off < chunk ? size - off : chunk;
        uint64_t skip = drop ? sw_skippable(w) : 0;

        if (skip) {
            if (skip > size - off)
                skip = size - off;
            sw_skipped(w, skip);
            off += (size_t)skip;
            continue;
        }
        rc = sw_push(w, data + off, k);
        off += k;
    }
    return rc < 0 ? rc : sw_finish(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned ea = 0, eb = 0;
    char ma[512], mb[512];
    size_t chunk;
    int ra, rb;

    if (size < 1)
        return 0;
    chunk = 1 + (data[0] & 0x7f) % 61;
    ra = walk(&a, body_a, &ea, data + 1, size - 1, size, false);
    rb = walk(&b, body_b, &eb, data + 1, size - 1, chunk, data[0] & 0x80);
    ASSERT(ra == rb);
    if (ra < 0) {
        sw_format_error(&a, ma, sizeof(ma));
        sw_format_error(&b, mb, sizeof(mb));
        ASSERT(!strcmp(ma, mb));
        ASSERT(strstr(ma, "offset ") != NULL);
    } else {
        ASSERT(ea == eb && a.trailing == b.trailing && a.offset == b.offset);
    }
    return 0;
}
