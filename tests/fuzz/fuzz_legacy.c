/*
 * fuzz_legacy.c: libFuzzer harness for convert-legacy-stream's parser.
 *
 * The first octet of an input picks the options libxl or a user could
 * pass (bit 0: HVM, bit 1: 32-bit toolstack, bit 2: libxc output instead of
 * libxl, bit 3: xl header present, bit 4: skip the device model tail); the
 * rest is the legacy stream.  Output goes nowhere.  Whatever the input, the
 * converter must finish with a status of 0, 1, 2 or 3 (already v2), with a
 * message when non-zero, and without touching memory it does not own.
 *
 * Seeds: tests/legacy/seed-corpus.sh writes them at build time.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cls_job job;
    static unsigned char outbuf[CLS_SINK_BUF];
    cls_memsrc mem;
    cls_source src;
    cls_sink sink;
    int rc;

    if (size < 1)
        return 0;
    cls_job_init(&job);
    job.hvm = data[0] & 1;
    job.word = data[0] & 2 ? 4 : 8;
    job.libxl = !(data[0] & 4);
    job.xl_header = data[0] & 8;
    job.skip_qemu = data[0] & 16;

    mem.data = data + 1;
    mem.len = size - 1;
    mem.pos = 0;
    src.pull = cls_pull_mem;
    src.opaque = &mem;
    src.offset = 0;
    cls_sink_init(&sink, outbuf, cls_push_null, NULL);
    job.in = &src;
    job.out = &sink;

    rc = cls_convert(&job);
    if (rc != CLS_OK && rc != CLS_BAD_INPUT && rc != CLS_UNSUPPORTED &&
        rc != CLS_ALREADY_V2)
        abort();
    if (rc != CLS_OK && !job.message[0])
        abort();
    if (src.offset > mem.len)
        abort();
    cls_job_dispose(&job);
    return 0;
}
