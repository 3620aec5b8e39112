/*
 * v2read.h: sequential reader of v2 images for the legacy test tools.
 *
 * Understands what xl save files and live streams look like from the
 * outside in: an optional xl file header (decoded by the codec), then a
 * libxl stream with libxc's inside LIBXC_CONTEXT, or a bare libxc stream,
 * both framed by the codec's framer (libxl_sr_framer.c).  Each call hands
 * back one item with its body in memory; this is test code, so bodies are
 * held whole (up to V2R_MAX_BODY).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef V2READ_H
#define V2READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl_sr_codec.h"

#define V2R_MAX_BODY (256u << 20)

enum v2_kind {
    V2K_XL_HDR,      /* type: mandatory flags, body: the option data */
    V2K_LIBXL_HDR,   /* type: options */
    V2K_XC_IHDR,     /* type: version, body: the 24 raw octets */
    V2K_XC_DHDR,     /* type: domain type, body: the 16 raw octets */
    V2K_XC_REC,      /* a libxc record */
    V2K_XL_REC,      /* a libxl record */
};

typedef struct v2_item {
    enum v2_kind kind;
    uint32_t type;
    uint32_t len;            /* body octets */
    uint64_t offset;         /* stream offset of the item's first octet */
    const unsigned char *body;
} v2_item;

typedef struct v2r {
    int fd;
    uint64_t off;
    int state;
    libxl__sr_framer fr;
    unsigned char *body;
    size_t cap;
    char err[256];
} v2r;

void v2r_init(v2r *r, int fd);
void v2r_dispose(v2r *r);
/* 1: *it filled; 0: end of the stream; -1: error, message in r->err. */
int v2r_next(v2r *r, v2_item *it);

/* Names for messages; never NULL. */
const char *v2_xc_type_name(uint32_t type);
const char *v2_kind_name(enum v2_kind k);

#endif
