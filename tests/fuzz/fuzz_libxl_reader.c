/*
 * fuzz_libxl_reader: libFuzzer drives our libxl stream reader itself
 * (libxl__stream_read_start and everything it calls, with libxl's real
 * event loop), not a model of it.  Each input is an image as xen-stream
 * reads it; it goes through the in-process harness of tests/inproc/
 * (read_lib.c) over a socketpair, with the fake libxc helper, xenstore
 * and files of that harness.
 *
 * Besides what the sanitizers catch, an input fails if the reader breaks
 * a rule of its own: it never completes, leaves its staging file or any
 * other file behind, or leaks a file descriptor.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "inproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool once;
    char verdict[1024];

    if (!once) {
        signal(SIGPIPE, SIG_IGN);
        once = true;
    }
    if (inproc_read_image(data, size, NULL, false, verdict,
                          sizeof(verdict)) == INPROC_HARNESS) {
        fprintf(stderr, "fuzz_libxl_reader: %s\n", verdict);
        abort();
    }
    return 0;
}
