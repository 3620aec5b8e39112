/*
 * zero-page-bench: what the zero-page test of xen-patches/0003 costs per
 * page, on 32768 pages (a 128 MiB guest).  The function measured is the
 * patch's own page_is_all_zero(), extracted from the patch at build time
 * (mk/10-codec.mk), so this measures the code libxenguest runs.
 *
 * Rows: all pages zero (the test reads all 4 KiB: the worst case, and the
 * case that saves a page of stream); pages non-zero in their first octet
 * (typical data: the test stops at once); non-zero only in their last
 * octet (the worst case for a page that is sent anyway).  Yardstick:
 * copying each page once, which libxc's writev of a data page costs
 * anyway (into the pipe or socket).  Best of RUNS passes, ns per page.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#define _POSIX_C_SOURCE 200112L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_SIZE 4096u
#define NPAGES    32768u
#define RUNS      20

#include "zero-page-test.h"   /* page_is_all_zero(), from the patch */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned char *mem, *copy;
static volatile unsigned sink;

static double time_test(void)
{
    double best = 1e9, t0, t;
    unsigned r, i, zeros;

    for (r = 0; r < RUNS; r++) {
        t0 = now();
        for (i = zeros = 0; i < NPAGES; i++)
            zeros += page_is_all_zero(mem + (size_t)i * PAGE_SIZE);
        t = now() - t0;
        sink = zeros;
        if (t < best)
            best = t;
    }
    return best;
}

static double time_copy(void)
{
    double best = 1e9, t0, t;
    unsigned r, i;

    for (r = 0; r < RUNS; r++) {
        t0 = now();
        for (i = 0; i < NPAGES; i++)
            memcpy(copy + (size_t)(i % 64) * PAGE_SIZE,
                   mem + (size_t)i * PAGE_SIZE, PAGE_SIZE);
        t = now() - t0;
        sink = copy[(r * 7) % (64 * PAGE_SIZE)];
        if (t < best)
            best = t;
    }
    return best;
}

static void row(const char *what, double s, unsigned expect_zero)
{
    unsigned i, zeros = 0;

    for (i = 0; i < NPAGES; i++)
        zeros += page_is_all_zero(mem + (size_t)i * PAGE_SIZE);
    if (zeros != expect_zero) {
        fprintf(stderr, "zero-page-bench: %s: %u zero pages, expected %u\n",
                what, zeros, expect_zero);
        exit(1);
    }
    printf("  %-44s %8.2f ms %7.1f ns/page %8.1f GB/s\n", what, s * 1e3,
           s * 1e9 / NPAGES, (double)NPAGES * PAGE_SIZE / s / 1e9);
}

int main(void)
{
    size_t len = (size_t)NPAGES * PAGE_SIZE;
    unsigned i;

    if (posix_memalign((void **)&mem, PAGE_SIZE, len) ||
        posix_memalign((void **)&copy, PAGE_SIZE, 64 * PAGE_SIZE)) {
        perror("zero-page-bench");
        return 2;
    }
    printf("== zero-page test (xen-patches/0003 page_is_all_zero) on %u "
           "pages (%u MiB), best of %u\n", NPAGES, NPAGES / 256, RUNS);
    memset(mem, 0, len);
    row("all zero (full 4 KiB read)", time_test(), NPAGES);
    for (i = 0; i < NPAGES; i++)
        mem[(size_t)i * PAGE_SIZE] = 1;
    row("non-zero first octet (stops at once)", time_test(), 0);
    for (i = 0; i < NPAGES; i++) {
        mem[(size_t)i * PAGE_SIZE] = 0;
        mem[(size_t)i * PAGE_SIZE + PAGE_SIZE - 1] = 1;
    }
    row("non-zero last octet only (full read)", time_test(), 0);
    row("yardstick: memcpy of each page", time_copy(), 0);
    free(mem);
    free(copy);
    return 0;
}
