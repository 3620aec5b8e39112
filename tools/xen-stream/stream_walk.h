/*
 * stream_walk.h: push-driven walker over a whole saved image or captured
 * migration stream, as xen-stream sees it:
 *
 *   [xl save-file header + config]  libxl stream  [trailing octets]
 *
 * or a bare libxc stream.  The libxl layer is checked with the codec in
 * tools/libxl/libxl_sr_codec.c (the same code libxenlight uses), the libxc
 * stream inside LIBXC_CONTEXT with libxc_walk.c.
 *
 * Memory: the walker itself is a fixed-size struct; the only buffer is the
 * caller's body buffer (>= SW_BODY_BUF_MIN), which holds one
 * EMULATOR_XENSTORE_DATA body and the first part of xl's config.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_STREAM_WALK_H
#define XEN_STREAM_STREAM_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl_sr_codec.h"
#include "libxc_walk.h"

#define SW_BODY_BUF_MIN     LIBXL_SR_MAX_XENSTORE_BODY
#define SW_XL_HEADER_SIZE   48u
#define SW_XL_MAX_OPTIONAL  (64u << 20)

#define SW_XL_FLAG_JSON     (1u << 0)
#define SW_XL_FLAG_STREAMV2 (1u << 1)
#define SW_XL_FLAGS_KNOWN   (SW_XL_FLAG_JSON | SW_XL_FLAG_STREAMV2)

enum sw_layer { SW_LAYER_INPUT, SW_LAYER_XL, SW_LAYER_LIBXL, SW_LAYER_LIBXC };

enum sw_event_kind {
    SW_EV_XL_HEADER,      /* u.xl */
    SW_EV_XL_CONFIG,      /* u.config: the (possibly cut) config text */
    SW_EV_LIBXL_HEADER,   /* u.libxl_hdr */
    SW_EV_RECORD,         /* u.rec: one libxl record checked */
    SW_EV_XS_PAIR,        /* u.pair: inside the last EMULATOR_XENSTORE_DATA */
    SW_EV_LIBXC,          /* u.libxc: an event from libxc_walk */
};

typedef struct sw_record {
    int64_t index;
    uint64_t offset;
    uint32_t type;
    uint32_t length;
    bool has_emu;                 /* emulator records */
    libxl__sr_emulator_hdr emu;
    uint32_t xs_pairs;            /* EMULATOR_XENSTORE_DATA */
    bool qevm;                    /* EMULATOR_CONTEXT starts with "QEVM" */
    uint32_t state_id;            /* CHECKPOINT_STATE */
} sw_record;

typedef struct sw_event {
    enum sw_event_kind kind;
    uint64_t offset;
    union {
        struct {
            uint32_t mandatory_flags, optional_flags, optional_len;
        } xl;
        struct { const char *text; size_t shown, total; } config;
        libxl__sr_hdr libxl_hdr;
        const sw_record *rec;
        struct {
            const char *key, *value;
            size_t key_len, value_len;
        } pair;
        const xcw_event *libxc;
    } u;
} sw_event;

typedef void sw_event_fn(void *opaque, const sw_event *ev);

typedef struct stream_walk {
    /* Caller-set (sw_init). */
    sw_event_fn *event;
    void *opaque;
    unsigned char *body;
    size_t body_cap;

    /* Results, read-only for callers. */
    uint64_t offset;              /* octets consumed so far */
    bool xl_header, bare_libxc, legacy;
    uint32_t xl_mandatory, xl_optional;
    uint64_t config_len;
    libxl__sr_hdr hdr;
    libxl__sr_sequence seq;
    xc_walk xc;
    uint64_t libxc_start, libxc_octets;
    uint64_t emulator_context_octets;
    uint64_t optional_skipped;
    uint64_t trailing;            /* octets after libxl END */
    bool ended_at_checkpoint;     /* Remus/COLO stream stopped after one */
    enum sw_layer err_layer;
    libxl__sr_error err;
    bool err_missing;             /* error is about a record that never came */

    /* Private. */
    int state;
    unsigned char acc[SW_XL_HEADER_SIZE];
    uint32_t acc_have, acc_want;
    uint64_t skip;                /* octets to pass over in this state */
    uint64_t body_left;
    uint32_t body_have;
    sw_record rec;
} stream_walk;

void sw_init(stream_walk *w, unsigned char *body_buf, size_t body_cap,
             sw_event_fn *event, void *opaque);
/* Feed a chunk.  SR_OK or a negative SR_E_* code (w->err, w->err_layer). */
int sw_push(stream_walk *w, const void *buf, size_t len);
/* End of input: SR_OK if the stream was complete, else SR_E_TRUNCATED or
 * the error already reported. */
int sw_finish(stream_walk *w);
/* Octets the walker would pass over unseen (page data, QEMU state,
 * optional records).  A reader that can discard input cheaply (splice from
 * a pipe to /dev/null) may drop up to this many and call sw_skipped(). */
uint64_t sw_skippable(const stream_walk *w);
void sw_skipped(stream_walk *w, uint64_t n);
/* One line naming layer, record, type and offset. */
char *sw_format_error(const stream_walk *w, char *buf, size_t len);

#endif /* XEN_STREAM_STREAM_WALK_H */
