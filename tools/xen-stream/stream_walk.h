/*
 * stream_walk.h: push-driven walker over a whole saved image or captured
 * migration stream, as xen-stream sees it:
 *
 *   [xl save-file header + config]  libxl stream  [trailing octets]
 *   libvirt save header + domain XML  libxl stream  [trailing octets]
 *
 * or a bare libxc stream.  The libvirt container is what libvirt's libxl
 * driver writes for `virsh save` and `virsh managedsave`: a 64-octet header
 * (magic "libvirt-xml\n \0 \r", u32 version, u32 length of the domain XML
 * including its NUL, 40 unused octets), the XML, then libxl's stream.  A COLO back channel (records from the secondary,
 * no header) is walked too, so that dump shows it, but it is not an image:
 * sw_finish says what it is and fails.  The stream is framed by the codec's
 * framer (tools/libxl/libxl_sr_framer.c, the same code libxenlight uses),
 * the contents of libxc's records are checked by libxc_walk.c.
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
#define SW_XL_HEADER_SIZE   LIBXL_SR_XL_HEADER_SIZE
#define SW_XL_MAX_OPTIONAL  LIBXL_SR_XL_MAX_OPTIONAL

#define SW_XL_FLAG_JSON     LIBXL_SR_XL_FLAG_JSON
#define SW_XL_FLAG_STREAMV2 LIBXL_SR_XL_FLAG_STREAMV2
#define SW_XL_FLAGS_KNOWN   (SW_XL_FLAG_JSON | SW_XL_FLAG_STREAMV2)

#define SW_LV_HEADER_SIZE   64u
/* libvirt writes version 2 in front of a migration-v2 stream; version 1
 * images carry a legacy (pre-4.6) stream. */
#define SW_LV_VERSION_V2    2u
#define SW_LV_VERSION_LEGACY 1u
/* Far above any domain XML; a larger length is damage. */
#define SW_LV_MAX_XML       (16u << 20)

enum sw_layer {
    SW_LAYER_INPUT, SW_LAYER_XL, SW_LAYER_LIBVIRT, SW_LAYER_LIBXL,
    SW_LAYER_LIBXC
};

enum sw_event_kind {
    SW_EV_XL_HEADER,      /* u.xl */
    SW_EV_XL_CONFIG,      /* u.config: the (possibly cut) config text */
    SW_EV_LV_HEADER,      /* u.lv */
    SW_EV_LV_XML,         /* u.config: the (possibly cut) domain XML */
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
        struct { uint32_t version, xml_len; } lv;
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
    bool back_channel;            /* a COLO back channel, not an image */
    uint64_t bc_states, bc_dirty_lists;
    uint32_t xl_mandatory, xl_optional;
    uint64_t config_len;          /* xl config or libvirt domain XML */
    bool libvirt;                 /* libvirt save header in front */
    uint32_t lv_version;
    libxl__sr_hdr hdr;
    libxl__sr_framer fr;          /* records, checkpoints, sequence */
    xc_walk xc;
    uint64_t libxc_start, libxc_octets;
    uint64_t emulator_context_octets;
    uint64_t optional_skipped;
    uint64_t trailing;            /* octets after libxl END */
    bool ended_at_checkpoint;     /* Remus/COLO stream stopped after one */
    uint64_t checkpoint_boundary; /* just past the last CHECKPOINT_END (and
                                   * COLO's CHECKPOINT_STATE after it) */
    uint64_t incomplete_octets;   /* of the checkpoint after that one */
    bool incomplete_cut;          /* ...cut inside a structure: err says
                                   * where; else between records */
    enum sw_layer err_layer;
    libxl__sr_error err;
    bool err_missing;             /* error is about a record that never came */

    /* Private. */
    int state;
    unsigned char acc[SW_LV_HEADER_SIZE];   /* the largest fixed header */
    uint32_t acc_have, acc_want;
    uint64_t skip;                /* octets to pass over in this state */
    uint64_t body_left;
    uint32_t body_have;
    unsigned char last_octet;     /* of the libvirt XML: its NUL */
    sw_record rec;
    bool rec_reported;            /* its SW_EV_RECORD has gone out */
    unsigned peeked;              /* octets of QEMU's magic seen */
} stream_walk;

void sw_init(stream_walk *w, unsigned char *body_buf, size_t body_cap,
             sw_event_fn *event, void *opaque);
/* Feed a chunk.  SR_OK or a negative SR_E_* code (w->err, w->err_layer). */
int sw_push(stream_walk *w, const void *buf, size_t len);
/* End of input: SR_OK if the stream was complete, else SR_E_TRUNCATED or
 * the error already reported.  A checkpointed stream without END is
 * complete when it holds at least one whole checkpoint, whatever follows
 * the last one (incomplete_octets says how much did). */
int sw_finish(stream_walk *w);
/* Octets the walker would pass over unseen (page data, QEMU state,
 * optional records).  A reader that can discard input cheaply (splice from
 * a pipe to /dev/null) may drop up to this many and call sw_skipped(). */
uint64_t sw_skippable(const stream_walk *w);
void sw_skipped(stream_walk *w, uint64_t n);
/* One line naming layer, record, type and offset. */
char *sw_format_error(const stream_walk *w, char *buf, size_t len);

#endif /* XEN_STREAM_STREAM_WALK_H */
