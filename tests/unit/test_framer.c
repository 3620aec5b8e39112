/*
 * test_framer.c: the framer of libxl_sr_framer.c, fed whole units, pushed
 * octet by octet, with libxc's part inline and read elsewhere, on a COLO
 * back channel, and through every error it can report, each checked for
 * its code, record index, type and absolute offset.
 */

#include <stdint.h>
#include <stdlib.h>

#include "libxl_sr_codec.h"
#include "unit.h"

/* ---- A small stream builder ---- */

typedef struct sbuf {
    unsigned char b[8192];
    size_t n;
} sbuf;

static void put(sbuf *s, const void *p, size_t n)
{
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void put32(sbuf *s, uint32_t v)
{
    unsigned char p[4] = { v, v >> 8, v >> 16, v >> 24 };

    put(s, p, 4);
}

static void put_be32(sbuf *s, uint32_t v)
{
    unsigned char p[4] = { v >> 24, v >> 16, v >> 8, v };

    put(s, p, 4);
}

static void pad8(sbuf *s)
{
    while (s->n % 8)
        s->b[s->n++] = 0;
}

static void hdr(sbuf *s, uint32_t options)
{
    s->n = 0;
    put(s, "LibxlFmt", 8);
    put_be32(s, 2);
    put_be32(s, options);
}

/* A record: header, body, zero padding. */
static void rec(sbuf *s, uint32_t type, const void *body, uint32_t len)
{
    put32(s, type);
    put32(s, len);
    if (len)
        put(s, body, len);
    pad8(s);
}

static void xc_headers(sbuf *s, uint32_t domain_type)
{
    static const unsigned char marker[8] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };

    put(s, marker, 8);
    put(s, "XENF", 4);
    put_be32(s, 3);
    put(s, "\0\0\0\0\0\0\0\0", 8);     /* options 0, reserved */
    put32(s, domain_type);
    put(s, "\x0c\0\0\0", 4);             /* page shift 12, reserved */
    put32(s, 4);
    put32(s, 17);
}

static void emu_rec(sbuf *s, uint32_t type, uint32_t emu, const void *body,
                    uint32_t len)
{
    put32(s, type);
    put32(s, 8 + len);
    put32(s, emu);
    put32(s, 0);
    if (len)
        put(s, body, len);
    pad8(s);
}

static const char xs_body[] = "physmap/1/size\0" "1000\0";

/*
 * The reference stream: header, LIBXC_CONTEXT, libxc's stream (a 12-octet
 * record, padded, then END), EMULATOR_XENSTORE_DATA, EMULATOR_CONTEXT,
 * an optional record, END.  Offsets written down as it is built.
 */
static uint64_t at_libxc, at_xc_rec, at_xc_end, at_xs, at_emu, at_opt, at_end;

static void reference(sbuf *s)
{
    hdr(s, 0);
    rec(s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    at_libxc = s->n;
    xc_headers(s, LIBXL_SR_XC_DOMAIN_X86_HVM);
    at_xc_rec = s->n;
    rec(s, 0x08, "abcdefghijkl", 12);
    at_xc_end = s->n;
    rec(s, LIBXL_SR_XC_REC_END, NULL, 0);
    at_xs = s->n;
    emu_rec(s, LIBXL_SR_REC_EMULATOR_XENSTORE_DATA, 2, xs_body,
            sizeof(xs_body) - 1);
    at_emu = s->n;
    emu_rec(s, LIBXL_SR_REC_EMULATOR_CONTEXT, 2, "QEVM-state", 10);
    at_opt = s->n;
    rec(s, 0x80000010u, "opt", 3);
    at_end = s->n;
    rec(s, LIBXL_SR_REC_END, NULL, 0);
}

/* Feed whole units as asked; returns the number of items, stops at the
 * first error (*rc_r) or when nothing more is wanted. */
typedef struct walk {
    libxl__sr_item items[64];
    int n;
    int rc;
    libxl__sr_error err;
    size_t stopped_at;
} walk;

/* When set, libxc's part read elsewhere is taken to be empty. */
static bool auto_libxc;

static void feed_all(libxl__sr_framer *fr, const sbuf *s, size_t start,
                     walk *w)
{
    size_t pos = start;
    uint64_t size;
    libxl__sr_fr_kind k;

    memset(w, 0, sizeof(*w));
    for (;;) {
        k = libxl__sr_framer_next(fr, &size);
        if (k == LIBXL__SR_FR_LIBXC && auto_libxc) {
            libxl__sr_framer_libxc_done(fr, 0, false, &w->err);
            continue;
        }
        if (k == LIBXL__SR_FR_DONE || k == LIBXL__SR_FR_LIBXC ||
            k == LIBXL__SR_FR_FAILED || pos + size > s->n || w->n >= 64)
            break;
        w->rc = libxl__sr_framer_feed(fr, s->b + pos, (size_t)size,
                                     &w->items[w->n], &w->err);
        if (w->rc < 0)
            break;
        pos += size;
        w->n++;
    }
    w->stopped_at = pos;
}

static int count_kind(const walk *w, libxl__sr_fr_kind k)
{
    int i, c = 0;

    for (i = 0; i < w->n; i++)
        c += w->items[i].kind == k;
    return c;
}

static const libxl__sr_item *find(const walk *w, libxl__sr_fr_kind k,
                                  uint32_t type)
{
    int i;

    for (i = 0; i < w->n; i++)
        if (w->items[i].kind == k && w->items[i].type == type)
            return &w->items[i];
    return NULL;
}

/* ---- Valid streams ---- */

static void test_reference_fed(void)
{
    libxl__sr_framer fr;
    sbuf s;
    walk w;
    const libxl__sr_item *it;
    libxl__sr_error err;

    reference(&s);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("fed/no-error", w.rc == SR_OK);
    CHECK("fed/done", libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_DONE);
    CHECK("fed/all-octets", w.stopped_at == s.n && fr.offset == s.n);
    CHECK("fed/end-ok", libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_OK);
    CHECK("fed/header-item", w.items[0].kind == LIBXL__SR_FR_HEADER &&
          w.items[0].index == -1 && w.items[0].u.hdr.version == 2);
    CHECK("fed/libxl-records", fr.records == 5);
    CHECK("fed/libxc-records", fr.xc_records == 2 && fr.libxc_ended);
    CHECK("fed/libxc-octets", fr.xc_octets == at_xs - at_libxc);
    it = find(&w, LIBXL__SR_FR_XC_IHDR, 0);
    CHECK("fed/xc-image", it && it->offset == at_libxc &&
          it->u.xc_image.version == 3);
    it = find(&w, LIBXL__SR_FR_XC_DHDR, 0);
    CHECK("fed/xc-domain", it && it->u.xc_domain.type == 2 &&
          it->u.xc_domain.page_shift == 12 && it->u.xc_domain.xen_major == 4 &&
          it->u.xc_domain.xen_minor == 17);
    it = find(&w, LIBXL__SR_FR_XC_REC_HDR, 0x08);
    CHECK("fed/xc-record", it && it->offset == at_xc_rec && it->index == 0 &&
          it->length == 12 && !it->complete);
    it = find(&w, LIBXL__SR_FR_XC_CHUNK, 0x08);
    CHECK("fed/xc-chunk", it && it->u.body.len == 12 &&
          !memcmp(it->u.body.data, "abcdefghijkl", 12) && !it->complete);
    it = find(&w, LIBXL__SR_FR_XC_PADDING, 0x08);
    CHECK("fed/xc-padding-completes", it && it->complete &&
          it->offset == at_xc_rec + 20);
    it = find(&w, LIBXL__SR_FR_XC_REC_HDR, 0);
    CHECK("fed/xc-end-completes", it && it->complete && it->index == 1 &&
          it->offset == at_xc_end);
    it = find(&w, LIBXL__SR_FR_BODY, LIBXL_SR_REC_EMULATOR_XENSTORE_DATA);
    CHECK("fed/xenstore-held", it && it->u.body.xs_pairs == 1 &&
          it->u.body.len == sizeof(xs_body) - 1 && it->index == 1 &&
          it->record_offset == at_xs && it->offset == at_xs + 16);
    it = find(&w, LIBXL__SR_FR_EMU_HDR, LIBXL_SR_REC_EMULATOR_CONTEXT);
    CHECK("fed/emu-header", it && it->u.emu.id == 2 &&
          it->offset == at_emu + 8);
    it = find(&w, LIBXL__SR_FR_CHUNK, LIBXL_SR_REC_EMULATOR_CONTEXT);
    CHECK("fed/emu-chunk", it && it->u.body.len == 10 &&
          it->u.body.done == 8 && !memcmp(it->u.body.data, "QEVM", 4));
    it = find(&w, LIBXL__SR_FR_CHUNK, 0x80000010u);
    CHECK("fed/optional-streamed", it && it->u.body.len == 3 &&
          it->index == 3 && it->offset == at_opt + 8);
    it = find(&w, LIBXL__SR_FR_REC_HDR, LIBXL_SR_REC_END);
    CHECK("fed/end-record", it && it->complete && it->index == 4 &&
          it->offset == at_end);
    CHECK("fed/no-empty-steps", count_kind(&w, LIBXL__SR_FR_PADDING) == 3);
    CHECK("fed/feed-after-done",
          libxl__sr_framer_feed(&fr, s.b, 8, NULL, &err) == SR_E_INVALID_ARG);
}

/* Pushing one octet at a time gives the same items but for chunking. */
static void test_reference_pushed(void)
{
    libxl__sr_framer fr;
    unsigned char body[LIBXL_SR_MAX_XENSTORE_BODY / 1024];
    libxl__sr_item it;
    libxl__sr_error err;
    sbuf s;
    size_t pos, used;
    int r, items = 0, chunks = 0, bad = 0;

    reference(&s);
    libxl__sr_framer_init(&fr, 0, 100);
    libxl__sr_framer_set_body_buffer(&fr, body, sizeof(body));
    for (pos = 0; pos < s.n; pos += used) {
        r = libxl__sr_framer_push(&fr, s.b + pos, 1, &used, &it, &err);
        if (r < 0 || used != 1) {
            bad = 1;
            break;
        }
        if (r == 1) {
            items++;
            chunks += it.kind == LIBXL__SR_FR_CHUNK ||
                      it.kind == LIBXL__SR_FR_XC_CHUNK;
            if (it.kind == LIBXL__SR_FR_XC_CHUNK &&
                it.offset != 100 + at_xc_rec + 8 + it.u.body.done)
                bad = 1;
        }
    }
    CHECK("push/octet-by-octet", !bad);
    CHECK("push/chunks-one-octet-each", chunks == 12 + 10 + 3);
    CHECK("push/offset-from-base", fr.offset == 100 + s.n);
    CHECK("push/done", libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_DONE);
    CHECK("push/takes-nothing-after-done",
          libxl__sr_framer_push(&fr, s.b, 4, &used, &it, &err) == 0 &&
          used == 0);
}

/* A whole buffer at once: push stops after each item. */
static void test_push_whole(void)
{
    libxl__sr_framer fr;
    unsigned char body[64];
    libxl__sr_item it;
    libxl__sr_error err;
    sbuf s;
    size_t pos = 0, used;
    int r, items = 0;

    reference(&s);
    libxl__sr_framer_init(&fr, 0, 0);
    libxl__sr_framer_set_body_buffer(&fr, body, sizeof(body));
    while ((r = libxl__sr_framer_push(&fr, s.b + pos, s.n - pos, &used, &it,
                                     &err)) == 1) {
        pos += used;
        items++;
    }
    CHECK("push-whole/all", r == 0 && pos == s.n && items == 20);
}

static void test_skip(void)
{
    libxl__sr_framer fr;
    libxl__sr_item it;
    libxl__sr_error err;
    sbuf s;
    uint64_t size;

    reference(&s);
    libxl__sr_framer_init(&fr, 0, 0);
    /* Up to the libxc record body. */
    libxl__sr_framer_feed(&fr, s.b, 16, &it, &err);
    libxl__sr_framer_feed(&fr, s.b + 16, 8, &it, &err);
    libxl__sr_framer_feed(&fr, s.b + 24, 24, &it, &err);
    libxl__sr_framer_feed(&fr, s.b + 48, 16, &it, &err);
    libxl__sr_framer_feed(&fr, s.b + 64, 8, &it, &err);
    CHECK("skip/wants-chunk",
          libxl__sr_framer_next(&fr, &size) == LIBXL__SR_FR_XC_CHUNK &&
          size == 12);
    CHECK("skip/too-much",
          libxl__sr_framer_skip(&fr, 13, &it, &err) == SR_E_INVALID_ARG);
    CHECK("skip/zero", libxl__sr_framer_skip(&fr, 0, &it, &err) ==
          SR_E_INVALID_ARG);
    CHECK("skip/part", libxl__sr_framer_skip(&fr, 5, &it, &err) == SR_OK &&
          it.u.body.data == NULL && it.u.body.len == 5 && fr.offset == 77);
    CHECK("skip/chunk-too-big",
          libxl__sr_framer_feed(&fr, s.b + 77, 8, &it, &err) ==
          SR_E_INVALID_ARG);
    CHECK("skip/rest", libxl__sr_framer_skip(&fr, 7, &it, &err) == SR_OK &&
          libxl__sr_framer_next(&fr, &size) == LIBXL__SR_FR_XC_PADDING &&
          size == 4);
    CHECK("skip/not-on-padding",
          libxl__sr_framer_skip(&fr, 4, &it, &err) == SR_E_INVALID_ARG);
    CHECK("skip/wrong-size-feed",
          libxl__sr_framer_feed(&fr, s.b + 84, 3, &it, &err) ==
          SR_E_INVALID_ARG && err.code == SR_E_INVALID_ARG);
    CHECK("skip/misuse-keeps-state",
          libxl__sr_framer_feed(&fr, s.b + 84, 4, &it, &err) == SR_OK &&
          it.complete);
}

/* libxl's reader: libxc's part goes to libxc's helper. */
static void test_external(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    sbuf s;
    walk w;
    uint64_t size;

    reference(&s);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("external/stops-at-libxc",
          libxl__sr_framer_next(&fr, &size) == LIBXL__SR_FR_LIBXC &&
          size == 0 && w.stopped_at == at_libxc && w.n == 2 &&
          w.items[1].complete);
    CHECK("external/feed-refused",
          libxl__sr_framer_feed(&fr, s.b, 8, NULL, &err) == SR_E_INVALID_ARG);
    CHECK("external/end-inside-libxc",
          libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_E_TRUNCATED &&
          err.libxc);

    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("external/done",
          libxl__sr_framer_libxc_done(&fr, at_xs - at_libxc, false, &err) ==
          SR_OK && fr.offset == at_xs && fr.libxc_ended);
    CHECK("external/done-twice",
          libxl__sr_framer_libxc_done(&fr, 0, false, &err) ==
          SR_E_INVALID_ARG);
    feed_all(&fr, &s, at_xs, &w);
    CHECK("external/rest", w.rc == SR_OK && fr.end_seen &&
          fr.offset == s.n && fr.records == 5);
}

/* A Remus stream: libxc CHECKPOINT hands over to libxl's records up to
 * CHECKPOINT_END, then libxc goes on. */
static void checkpoint_stream(sbuf *s, bool end_in_checkpoint)
{
    hdr(s, 0);
    rec(s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    xc_headers(s, LIBXL_SR_XC_DOMAIN_X86_PV);
    rec(s, 0x01, "12345678", 8);
    rec(s, LIBXL_SR_XC_REC_CHECKPOINT, NULL, 0);
    emu_rec(s, LIBXL_SR_REC_EMULATOR_CONTEXT, 2, "QEVM", 4);
    if (end_in_checkpoint) {
        rec(s, LIBXL_SR_REC_END, NULL, 0);
        return;
    }
    rec(s, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
    rec(s, 0x01, "12345678", 8);
    rec(s, LIBXL_SR_XC_REC_CHECKPOINT, NULL, 0);
    rec(s, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
}

static void test_checkpoints(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    sbuf s;
    walk w;

    checkpoint_stream(&s, false);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("checkpoint/walks", w.rc == SR_OK && w.stopped_at == s.n);
    CHECK("checkpoint/counted", fr.checkpoints == 2 && fr.checkpointed &&
          fr.checkpoint_boundary == s.n && !fr.in_checkpoint);
    CHECK("checkpoint/next-is-libxc",
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_XC_REC_HDR);
    CHECK("checkpoint/end-is-callers-call",
          libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_E_TRUNCATED &&
          err.libxc && err.record_index == 4);

    checkpoint_stream(&s, true);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("checkpoint/end-inside", w.rc == SR_E_SEQUENCE &&
          w.err.record_type == LIBXL_SR_REC_END &&
          w.err.offset == s.n - 8 && contains(w.err.detail, "END inside"));

    /* External: the reader says where libxc stopped. */
    checkpoint_stream(&s, false);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL |
                          LIBXL__SR_FRAMER_CHECKPOINTED, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("checkpoint/external-libxc",
          libxl__sr_framer_libxc_done(&fr, 24 + 16 + 16 + 8, true, &err) ==
          SR_OK && fr.in_checkpoint);
    feed_all(&fr, &s, fr.offset, &w);
    CHECK("checkpoint/external-records", w.rc == SR_OK && w.n == 5 &&
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_LIBXC &&
          fr.checkpoints == 1);
}

/* COLO: one CHECKPOINT_STATE directly after a CHECKPOINT_END, as Xen
 * 4.17's primary sends it, and nowhere else. */
static void test_checkpoint_state(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    libxl__sr_item it;
    sbuf s, st, ce;
    walk w;
    unsigned char state[4] = { 2, 0, 0, 0 };

    s.n = 0;
    rec(&s, LIBXL_SR_REC_CHECKPOINT_STATE, state, 4);
    ce.n = 0;
    rec(&ce, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
    hdr(&st, 0);
    rec(&st, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);

    /* libxc's first part, its checkpoint's CHECKPOINT_END, the state. */
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &st, 0, &w);
    CHECK("cp-state/at-libxc",
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_LIBXC);
    CHECK("cp-state/libxc-done-at-checkpoint",
          libxl__sr_framer_libxc_done(&fr, 16, true, &err) == SR_OK &&
          fr.offset == 24 + 16 && fr.xc_octets == 16 && fr.in_checkpoint);
    feed_all(&fr, &ce, 0, &w);
    CHECK("cp-state/after-checkpoint-end",
          fr.checkpoints == 1 && fr.at_checkpoint_end &&
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_LIBXC);
    CHECK("cp-state/libxc-paused-at-the-boundary",
          libxl__sr_framer_libxc_read(&fr, 0, &err) == SR_OK &&
          fr.at_checkpoint_end);
    CHECK("cp-state/expect",
          libxl__sr_framer_expect_checkpoint_state(&fr, &err) == SR_OK &&
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_REC_HDR);
    CHECK("cp-state/expect-twice",
          libxl__sr_framer_expect_checkpoint_state(&fr, &err) ==
          SR_E_INVALID_ARG);
    libxl__sr_framer_feed(&fr, s.b, 8, &it, &err);
    CHECK("cp-state/body",
          libxl__sr_framer_feed(&fr, s.b + 8, 4, &it, &err) == SR_OK &&
          it.kind == LIBXL__SR_FR_BODY && it.u.checkpoint_state == 2);
    CHECK("cp-state/padding-then-back",
          libxl__sr_framer_feed(&fr, s.b + 12, 4, &it, &err) == SR_OK &&
          it.complete &&
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_LIBXC &&
          fr.offset == 24 + 16 + 8 + 16 && !fr.libxc_ended &&
          !fr.at_checkpoint_end && fr.checkpoint_boundary == fr.offset);
    /* A second one there is not COLO's. */
    libxl__sr_framer_expect_checkpoint_state(&fr, &err);
    CHECK("cp-state/only-one-per-checkpoint",
          libxl__sr_framer_feed(&fr, s.b, 8, &it, &err) == SR_E_SEQUENCE &&
          err.record_index == 3 && err.offset == 24 + 16 + 8 + 16 &&
          contains(err.detail, "not directly after a CHECKPOINT_END"));

    /* Inside a checkpoint (the layout mkstream once wrote): refused, as
     * Xen 4.17's reader refuses it there. */
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &st, 0, &w);
    libxl__sr_framer_libxc_done(&fr, 16, true, &err);
    CHECK("cp-state/inside-a-checkpoint",
          libxl__sr_framer_feed(&fr, s.b, 8, &it, &err) == SR_E_SEQUENCE &&
          err.record_index == 1 && err.offset == 24 + 16 &&
          contains(err.detail, "inside a checkpoint"));

    /* Once libxc has read on past CHECKPOINT_END, it is too late. */
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &st, 0, &w);
    libxl__sr_framer_libxc_done(&fr, 16, true, &err);
    feed_all(&fr, &ce, 0, &w);
    libxl__sr_framer_libxc_read(&fr, 8, &err);
    libxl__sr_framer_expect_checkpoint_state(&fr, &err);
    CHECK("cp-state/after-libxc-read-on",
          libxl__sr_framer_feed(&fr, s.b, 8, &it, &err) == SR_E_SEQUENCE &&
          err.offset == 24 + 16 + 8 + 8 &&
          contains(err.detail, "not directly after a CHECKPOINT_END"));

    /* Not announced: after libxc's END a reader meets it unasked. */
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL |
                          LIBXL__SR_FRAMER_CHECKPOINTED, 0);
    feed_all(&fr, &st, 0, &w);
    libxl__sr_framer_libxc_done(&fr, 0, false, &err);
    CHECK("cp-state/unannounced",
          libxl__sr_framer_feed(&fr, s.b, 8, &it, &err) == SR_E_SEQUENCE &&
          err.record_index == 1 && err.offset == 24 &&
          contains(err.detail, "not directly after a CHECKPOINT_END"));

    /* Anything else where a CHECKPOINT_STATE was promised. */
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &st, 0, &w);
    CHECK("cp-state/not-mid-unit",
          libxl__sr_framer_expect_checkpoint_state(&fr, &err) ==
          SR_E_INVALID_ARG);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &st, 0, &w);
    libxl__sr_framer_expect_checkpoint_state(&fr, &err);
    s.n = 0;
    rec(&s, LIBXL_SR_REC_END, NULL, 0);
    CHECK("cp-state/other-record",
          libxl__sr_framer_feed(&fr, s.b, 8, &it, &err) == SR_E_SEQUENCE &&
          err.record_index == 1 && err.offset == 24 &&
          contains(err.detail, "CHECKPOINT_STATE record was expected"));
}

/*
 * COLO's state where the framer frames libxc's part itself: a type 5
 * directly after CHECKPOINT_END is libxl's, and the first checkpoint
 * says whether the stream is COLO's (one after every CHECKPOINT_END).
 */
static void colo_stream(sbuf *s, int states_after, bool libxc_type5)
{
    unsigned char st[4] = { 0, 0, 0, 0 };
    int cp;

    hdr(s, 0);
    rec(s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    xc_headers(s, LIBXL_SR_XC_DOMAIN_X86_PV);
    rec(s, 0x01, "12345678", 8);
    for (cp = 0; cp < 2; cp++) {
        rec(s, LIBXL_SR_XC_REC_CHECKPOINT, NULL, 0);
        rec(s, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
        if (cp < states_after)
            rec(s, LIBXL_SR_REC_CHECKPOINT_STATE, st, 4);
        else if (libxc_type5 && cp > 0)
            rec(s, 0x05, "vcpuhdr!", 8);   /* libxc's, judged as libxc's */
        rec(s, 0x01, "12345678", 8);
    }
}

static void test_colo_framed_here(void)
{
    libxl__sr_framer fr;
    sbuf s;
    walk w;

    colo_stream(&s, 2, false);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("colo-here/walks", w.rc == SR_OK && w.stopped_at == s.n &&
          fr.colo && fr.checkpoints == 2 && fr.records == 5 &&
          fr.xc_records == 5 && !fr.at_checkpoint_end);
    CHECK("colo-here/state-is-a-libxl-item",
          count_kind(&w, LIBXL__SR_FR_BODY) == 2);

    /* Remus (libxc's record after the first CHECKPOINT_END): libxc's
     * records after a later one, even of type 5. */
    colo_stream(&s, 0, true);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("colo-here/remus-type5-is-libxc",
          w.rc == SR_OK && w.stopped_at == s.n && !fr.colo &&
          fr.records == 3 && fr.xc_records == 6 &&
          count_kind(&w, LIBXL__SR_FR_BODY) == 0);

    /* COLO, then no state after checkpoint 2. */
    colo_stream(&s, 1, false);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("colo-here/state-missing",
          w.rc == SR_E_SEQUENCE && fr.colo && w.err.record_index == 4 &&
          !w.err.libxc && w.err.offset == s.n - 16 &&
          contains(w.err.detail, "CHECKPOINT_STATE record was expected"));

    /* Two after one CHECKPOINT_END: the second is libxc's type 5, whose
     * body libxc's checks (not the framer's) refuse. */
    colo_stream(&s, 2, false);
    s.n -= 16;
    rec(&s, LIBXL_SR_REC_CHECKPOINT_STATE, "\0\0\0\0", 4);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("colo-here/second-state-is-libxc",
          w.rc == SR_OK && fr.records == 5 && fr.xc_records == 5 &&
          w.items[w.n - 1].kind == LIBXL__SR_FR_XC_PADDING &&
          w.items[w.n - 1].type == 5);
}

/*
 * The failover rule: what a checkpointed stream that stops here keeps
 * (libxl__sr_framer_failover_checkpoint), and when the libxl records are
 * past the last checkpoint (libxl__sr_framer_past_last_checkpoint).
 */
static void test_failover_rule(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    libxl__sr_item it;
    sbuf s;
    walk w;
    size_t at_cp1_end;

    /* Before the first CHECKPOINT_END: nothing to keep. */
    checkpoint_stream(&s, false);
    at_cp1_end = s.n - 32;      /* then a libxc record, CHECKPOINT, END */
    {
        sbuf cut = s;

        cut.n = at_cp1_end - 8;
        libxl__sr_framer_init(&fr, 0, 0);
        feed_all(&fr, &cut, 0, &w);
        CHECK("failover/none-inside-checkpoint-1",
              w.rc == SR_OK && fr.in_checkpoint &&
              libxl__sr_framer_failover_checkpoint(&fr) == 0);
        cut.n = at_cp1_end;
        libxl__sr_framer_init(&fr, 0, 0);
        feed_all(&fr, &cut, 0, &w);
        CHECK("failover/checkpoint-1-after-its-end",
              w.rc == SR_OK && fr.checkpoints == 1 &&
              libxl__sr_framer_failover_checkpoint(&fr) == 1);
        /* A cut inside the next record keeps it: a cut is not damage. */
        libxl__sr_framer_feed(&fr, s.b + at_cp1_end, 8, &it, &err);
        CHECK("failover/cut-keeps-it",
              libxl__sr_framer_end(&fr, s.b + at_cp1_end + 8, 3, &err) ==
              SR_E_TRUNCATED &&
              libxl__sr_framer_failover_checkpoint(&fr) == 1);
    }
    /* Damage is damage, after any number of checkpoints. */
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("failover/checkpoint-2", libxl__sr_framer_failover_checkpoint(&fr)
          == 2 && !libxl__sr_framer_past_last_checkpoint(&fr));
    {
        sbuf bad;

        bad.n = 0;
        rec(&bad, LIBXL_SR_XC_REC_CHECKPOINT, "x", 1);
        CHECK("failover/not-after-damage",
              libxl__sr_framer_feed(&fr, bad.b, 8, &it, &err) ==
              SR_E_BAD_LENGTH &&
              libxl__sr_framer_failover_checkpoint(&fr) == 0);
    }

    /* libxc's END after checkpoint 2: the libxl records that follow are
     * past it; the stream's own END makes it whole (nothing to fail
     * over to). */
    checkpoint_stream(&s, false);
    rec(&s, LIBXL_SR_XC_REC_END, NULL, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, 2, "QEVM", 4);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("failover/past-last-checkpoint",
          w.rc == SR_OK && fr.libxc_ended &&
          libxl__sr_framer_past_last_checkpoint(&fr) &&
          libxl__sr_framer_failover_checkpoint(&fr) == 2);
    rec(&s, LIBXL_SR_REC_END, NULL, 0);
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("failover/whole-stream", w.rc == SR_OK && fr.end_seen &&
          libxl__sr_framer_past_last_checkpoint(&fr) &&
          libxl__sr_framer_failover_checkpoint(&fr) == 0);

    /* External: libxc's helper says it ended after the checkpoint. */
    checkpoint_stream(&s, false);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL |
                          LIBXL__SR_FRAMER_CHECKPOINTED, 0);
    feed_all(&fr, &s, 0, &w);
    libxl__sr_framer_libxc_done(&fr, 24 + 16 + 16 + 8, true, &err);
    feed_all(&fr, &s, fr.offset, &w);
    CHECK("failover/external-in-libxc",
          libxl__sr_framer_failover_checkpoint(&fr) == 1 &&
          !libxl__sr_framer_past_last_checkpoint(&fr));
    CHECK("failover/external-libxc-ended",
          libxl__sr_framer_libxc_done(&fr, 16, false, &err) == SR_OK &&
          libxl__sr_framer_past_last_checkpoint(&fr));

    /* Plain, bare libxc and back channel streams never fail over. */
    libxl__sr_framer_init(&fr, 0, 0);
    CHECK("failover/plain", libxl__sr_framer_failover_checkpoint(&fr) == 0);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_BACK_CHANNEL, 0);
    CHECK("failover/back-channel",
          libxl__sr_framer_failover_checkpoint(&fr) == 0 &&
          !libxl__sr_framer_past_last_checkpoint(&fr));
}

static void test_back_channel(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    sbuf s;
    walk w;
    unsigned char state[4] = { 1, 0, 0, 0 };

    s.n = 0;
    rec(&s, LIBXL_SR_REC_CHECKPOINT_STATE, state, 4);
    rec(&s, LIBXL_SR_XC_REC_DIRTY_PFN_LIST, "pfnpfnpfnpfnpfn!", 16);
    rec(&s, LIBXL_SR_REC_CHECKPOINT_STATE, state, 4);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_BACK_CHANNEL, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("back-channel/walks", w.rc == SR_OK && w.stopped_at == s.n &&
          fr.records == 2 && fr.xc_records == 1);
    CHECK("back-channel/one-count",
          find(&w, LIBXL__SR_FR_XC_REC_HDR, 0x0f)->index == 1 &&
          w.items[w.n - 2].index == 2);
    CHECK("back-channel/end-between",
          libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_E_TRUNCATED);

    s.n = 0;
    rec(&s, LIBXL_SR_REC_CHECKPOINT_STATE, "12345678", 8);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_BACK_CHANNEL, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("back-channel/state-length", w.rc == SR_E_BAD_LENGTH &&
          w.err.offset == 4 && contains(w.err.detail, "must be 4"));
    s.n = 0;
    rec(&s, LIBXL_SR_XC_REC_DIRTY_PFN_LIST, "pfn", 3);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_BACK_CHANNEL, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("back-channel/dirty-length", w.rc == SR_E_BAD_LENGTH &&
          w.err.offset == 4 && contains(w.err.detail, "dirty pfn list"));
    s.n = 0;
    rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, "x", 1);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_BACK_CHANNEL, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("back-channel/other-type", w.rc == SR_E_UNKNOWN_TYPE &&
          w.err.record_type == 3 && contains(w.err.detail, "back channel"));
}

static void test_bare_libxc(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    sbuf s;
    walk w;

    s.n = 0;
    xc_headers(&s, LIBXL_SR_XC_DOMAIN_X86_PV);
    rec(&s, LIBXL_SR_XC_REC_CHECKPOINT, NULL, 0);
    rec(&s, 0x01, "x", 1);
    rec(&s, LIBXL_SR_XC_REC_END, NULL, 0);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_BARE_LIBXC, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("bare/walks", w.rc == SR_OK && w.stopped_at == s.n &&
          libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_OK);
    CHECK("bare/checkpoint-stays-in-libxc", fr.checkpoints == 1 &&
          fr.xc_records == 3 && fr.records == 0);
}

/* ---- Errors: each for its code, index, type and offset ---- */

typedef struct bad_case {
    const char *name;
    int code;
    int64_t index;
    uint32_t type;
    uint64_t offset;
    bool libxc;
    const char *detail;
} bad_case;

static void expect_fail(const bad_case *c, const sbuf *s, unsigned flags)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    walk w;
    char name[96], msg[256];

    libxl__sr_framer_init(&fr, flags, 0);
    auto_libxc = true;
    feed_all(&fr, s, 0, &w);
    auto_libxc = false;
    snprintf(name, sizeof(name), "error/%s", c->name);
    libxl__sr_format_error(&w.err, msg, sizeof(msg));
    CHECK(name, w.rc == c->code && w.err.code == c->code &&
          w.err.record_index == c->index && w.err.offset == c->offset &&
          (c->index < 0 || w.err.record_type == c->type) &&
          w.err.libxc == c->libxc && contains(w.err.detail, c->detail));
    if (w.rc != c->code || w.err.offset != c->offset)
        printf("  got %d: %s\n", w.rc, msg);
    snprintf(name, sizeof(name), "error/%s-sticks", c->name);
    CHECK(name, libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_FAILED &&
          libxl__sr_framer_feed(&fr, s->b, 8, NULL, &err) == c->code &&
          libxl__sr_framer_end(&fr, NULL, 0, &err) == c->code &&
          err.offset == c->offset);
}

static void test_header_errors(void)
{
    sbuf s;
    bad_case c[] = {
        { "header-ident", SR_E_BAD_IDENT, -1, 0, 0, false, "LibxlFmt" },
        { "header-version", SR_E_BAD_VERSION, -1, 0, 8, false, "version 3" },
        { "header-big-endian", SR_E_BIG_ENDIAN, -1, 0, 12, false, "0x00000001" },
        { "header-reserved", SR_E_RESERVED_OPTION, -1, 0, 12, false, "0x00000004" },
    };

    hdr(&s, 0);
    s.b[0] = 'l';
    expect_fail(&c[0], &s, 0);
    hdr(&s, 0);
    s.b[11] = 3;
    expect_fail(&c[1], &s, 0);
    hdr(&s, 1);
    expect_fail(&c[2], &s, 0);
    hdr(&s, 4);
    expect_fail(&c[3], &s, 0);
}

static void test_record_errors(void)
{
    sbuf s;
    unsigned char zero8[8] = { 0 };
    bad_case c[] = {
        { "unknown-type", SR_E_UNKNOWN_TYPE, 0, 9, 16, false, "0x00000009" },
        { "end-length", SR_E_BAD_LENGTH, 0, 0, 20, false, "must be 0" },
        { "xenstore-too-long", SR_E_TOO_LONG, 1, 2, 28, false, "cap" },
        { "second-libxc", SR_E_SEQUENCE, 1, 1, 72, false,
          "second LIBXC_CONTEXT" },
        { "emulator-before-libxc", SR_E_SEQUENCE, 0, 3, 16, false,
          "before LIBXC_CONTEXT" },
        { "checkpoint-end-plain", SR_E_SEQUENCE, 1, 4, 24, false,
          "not checkpointed" },
        { "checkpoint-state-plain", SR_E_SEQUENCE, 0, 5, 16, false,
          "not checkpointed" },
        { "checkpoint-end-before-libxc", SR_E_SEQUENCE, 0, 4, 16, false,
          "before LIBXC_CONTEXT" },
        { "checkpoint-end-after-libxc-end", SR_E_SEQUENCE, 1, 4, 72, false,
          "after libxc's END" },
        { "bad-emulator", SR_E_BAD_EMULATOR, 1, 3, 32, false, "id 7" },
        { "bad-xenstore-body", SR_E_BAD_KEY, 1, 2, 40, false, "absolute" },
        { "bad-padding", SR_E_BAD_PADDING, 1, 3, 45, false, "0x01" },
        { "optional-too-long", SR_E_TOO_LONG, 0, 0x80000001u, 20, false,
          "cap" },
    };

    hdr(&s, 0);
    rec(&s, 9, NULL, 0);
    expect_fail(&c[0], &s, 0);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_END, "x", 1);
    expect_fail(&c[1], &s, 0);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    put32(&s, LIBXL_SR_REC_EMULATOR_XENSTORE_DATA);
    put32(&s, LIBXL_SR_MAX_XENSTORE_BODY + 1);
    expect_fail(&c[2], &s, LIBXL__SR_FRAMER_LIBXC_EXTERNAL);

    /* With libxc's part inline: header 16, record 8, libxc 24 + 16 + 8. */
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    xc_headers(&s, 1);
    rec(&s, LIBXL_SR_XC_REC_END, NULL, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    expect_fail(&c[3], &s, 0);
    hdr(&s, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, 2, NULL, 0);
    expect_fail(&c[4], &s, 0);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    rec(&s, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
    expect_fail(&c[5], &s, LIBXL__SR_FRAMER_LIBXC_EXTERNAL);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_CHECKPOINT_STATE, "1234", 4);
    expect_fail(&c[6], &s, 0);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
    expect_fail(&c[7], &s, LIBXL__SR_FRAMER_CHECKPOINTED);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    xc_headers(&s, 1);
    rec(&s, LIBXL_SR_XC_REC_END, NULL, 0);
    rec(&s, LIBXL_SR_REC_CHECKPOINT_END, NULL, 0);
    expect_fail(&c[8], &s, LIBXL__SR_FRAMER_CHECKPOINTED);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, 7, NULL, 0);
    /* The record was put where libxc's part would be: go external. */
    expect_fail(&c[9], &s, LIBXL__SR_FRAMER_LIBXC_EXTERNAL |
                LIBXL__SR_FRAMER_CHECKPOINTED);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_XENSTORE_DATA, 2, "/abs\0v\0", 7);
    expect_fail(&c[10], &s, LIBXL__SR_FRAMER_LIBXC_EXTERNAL);
    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, 2, "abcde", 5);
    s.b[s.n - 3] = 1;
    expect_fail(&c[11], &s, LIBXL__SR_FRAMER_LIBXC_EXTERNAL);
    hdr(&s, 0);
    put32(&s, 0x80000001u);
    put32(&s, LIBXL_SR_MAX_OPTIONAL_BODY + 1);
    put(&s, zero8, 8);
    expect_fail(&c[12], &s, 0);
}

/* These need libxc_done between the LIBXC_CONTEXT and the record. */
static void test_external_errors(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    sbuf s;
    walk w;

    hdr(&s, 0);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, 7, NULL, 0);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &s, 0, &w);
    libxl__sr_framer_libxc_done(&fr, 0, false, &err);
    feed_all(&fr, &s, 24, &w);
    CHECK("external-error/bad-emulator", w.rc == SR_E_BAD_EMULATOR &&
          w.err.record_index == 1 && w.err.offset == 32);

    /* A legacy-converted stream may say emulator 0. */
    hdr(&s, LIBXL_SR_OPT_LEGACY);
    rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
    emu_rec(&s, LIBXL_SR_REC_EMULATOR_CONTEXT, 0, "Q", 1);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    feed_all(&fr, &s, 0, &w);
    libxl__sr_framer_libxc_done(&fr, 0, false, &err);
    feed_all(&fr, &s, 24, &w);
    CHECK("external/legacy-emulator-0", w.rc == SR_OK && w.n == 4 &&
          w.items[1].u.emu.id == 0);
}

static void test_libxc_errors(void)
{
    sbuf s;
    bad_case c[] = {
        { "xc-marker", SR_E_BAD_IDENT, -1, 0, 24, true, "0xFFFF" },
        { "xc-id", SR_E_BAD_IDENT, -1, 0, 32, true, "XENF" },
        { "xc-version", SR_E_BAD_VERSION, -1, 0, 36, true, "version 4" },
        { "xc-big-endian", SR_E_BIG_ENDIAN, -1, 0, 40, true, "0x0001" },
        { "xc-options", SR_E_RESERVED_OPTION, -1, 0, 40, true, "0x0002" },
        { "xc-domain-type", SR_E_BAD_FIELD, -2, 0, 48, true, "domain type 9" },
        { "xc-page-shift", SR_E_BAD_FIELD, -2, 0, 52, true, "page shift 13" },
        { "xc-too-long", SR_E_TOO_LONG, 0, 1, 68, true, "cap" },
        { "xc-end-length", SR_E_BAD_LENGTH, 0, 0, 68, true, "must be 0" },
        { "xc-checkpoint-length", SR_E_BAD_LENGTH, 0, 14, 68, true,
          "must be 0" },
        { "xc-padding", SR_E_BAD_PADDING, 0, 1, 73, true,
          "octet 0 is 0x07" },
    };
    size_t i;

    for (i = 0; i < 11; i++) {
        hdr(&s, 0);
        rec(&s, LIBXL_SR_REC_LIBXC_CONTEXT, NULL, 0);
        xc_headers(&s, LIBXL_SR_XC_DOMAIN_X86_PV);
        switch (i) {
        case 0: s.b[24 + 3] = 0; break;
        case 1: s.b[32] = 'x'; break;
        case 2: s.b[39] = 4; break;
        case 3: s.b[41] = 1; break;
        case 4: s.b[41] = 2; break;
        case 5: s.b[48] = 9; break;
        case 6: s.b[52] = 13; break;
        case 7:
            put32(&s, 1);
            put32(&s, LIBXL_SR_XC_MAX_RECORD + 1);
            break;
        case 8: rec(&s, LIBXL_SR_XC_REC_END, "x", 1); break;
        case 9: rec(&s, LIBXL_SR_XC_REC_CHECKPOINT, "x", 1); break;
        case 10:
            rec(&s, 1, "x", 1);
            s.b[s.n - 7] = 7;
            break;
        }
        expect_fail(&c[i], &s, 0);
    }
}

static void test_truncation(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    sbuf s;
    walk w;
    size_t cut, bad = 0, ok = 0;
    char msg[256];

    /* Cut the reference stream at every octet: exactly one length (the
     * whole) is complete, every other cut names a place at or before it. */
    reference(&s);
    for (cut = 0; cut <= s.n; cut++) {
        sbuf t = s;

        t.n = cut;
        libxl__sr_framer_init(&fr, 0, 0);
        feed_all(&fr, &t, 0, &w);
        if (libxl__sr_framer_end(&fr, t.b + w.stopped_at, cut - w.stopped_at,
                                &err) == SR_OK) {
            ok++;
            continue;
        }
        libxl__sr_format_error(&err, msg, sizeof(msg));
        if (err.code != SR_E_TRUNCATED || err.offset > cut ||
            !contains(msg, "truncated"))
            bad++;
    }
    CHECK("truncation/every-octet", !bad && ok == 1);

    /* The forms of the message, one per place. */
    hdr(&s, 0);
    libxl__sr_framer_init(&fr, 0, 0);
    CHECK("truncation/header",
          libxl__sr_framer_end(&fr, s.b, 5, &err) == SR_E_TRUNCATED &&
          err.record_index == -1 && err.offset == 5 &&
          contains(err.detail, "stream header"));
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    CHECK("truncation/before-end",
          libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_E_TRUNCATED &&
          err.record_index == 0 && contains(err.detail, "before the END"));
    libxl__sr_framer_init(&fr, 0, 0);
    feed_all(&fr, &s, 0, &w);
    rec(&s, 3, NULL, 0);
    CHECK("truncation/record-header",
          libxl__sr_framer_end(&fr, s.b + 16, 5, &err) == SR_E_TRUNCATED &&
          err.record_type == 3 && err.offset == 16 &&
          contains(err.detail, "5 of 8"));
    CHECK("truncation/partial-null",
          libxl__sr_framer_end(&fr, NULL, 3, &err) == SR_E_INVALID_ARG);

    reference(&s);
    libxl__sr_framer_init(&fr, 0, 0);
    s.n = at_libxc + 30;
    feed_all(&fr, &s, 0, &w);
    CHECK("truncation/xc-domain-header",
          libxl__sr_framer_end(&fr, s.b + w.stopped_at, 6, &err) ==
          SR_E_TRUNCATED && err.libxc && err.record_index == -2 &&
          err.offset == at_libxc + 30);
    libxl__sr_framer_init(&fr, 0, 0);
    s.n = at_xc_rec + 10;
    feed_all(&fr, &s, 0, &w);
    CHECK("truncation/xc-body",
          libxl__sr_framer_end(&fr, NULL, 0, &err) == SR_E_TRUNCATED &&
          err.libxc && err.record_type == 8 &&
          contains(err.detail, "12 of 12 body octets missing"));
    libxl__sr_framer_init(&fr, 0, 0);
    s.n = at_emu + 12;
    feed_all(&fr, &s, 0, &w);
    CHECK("truncation/emu-header",
          libxl__sr_framer_end(&fr, s.b + at_emu + 8, 4, &err) ==
          SR_E_TRUNCATED && err.record_index == 2 &&
          contains(err.detail, "emulator sub-header of a 18-octet record"));
}

static void test_push_errors(void)
{
    libxl__sr_framer fr;
    unsigned char body[4];
    libxl__sr_item it;
    libxl__sr_error err;
    size_t used;
    sbuf s;

    reference(&s);
    libxl__sr_framer_init(&fr, 0, 0);
    libxl__sr_framer_set_body_buffer(&fr, body, sizeof(body));
    while (libxl__sr_framer_push(&fr, s.b + fr.offset, s.n - fr.offset,
                                 &used, &it, &err) == 1)
        ;
    CHECK("push/body-buffer-too-small", err.code == SR_E_TOO_LONG &&
          err.record_index == 1 && err.offset == at_xs + 4 &&
          contains(err.detail, "4-octet buffer"));
    libxl__sr_framer_init(&fr, 0, 0);
    CHECK("push/null-input",
          libxl__sr_framer_push(&fr, NULL, 3, &used, &it, &err) ==
          SR_E_INVALID_ARG);
    CHECK("push/partial",
          libxl__sr_framer_push(&fr, s.b, 5, &used, &it, &err) == 0 &&
          used == 5 && libxl__sr_framer_partial(&fr, &used) &&
          used == 5);
}

static void test_misuse(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;

    libxl__sr_framer_init(&fr, 0, 0);
    CHECK("misuse/feed-null", libxl__sr_framer_feed(NULL, "x", 1, NULL,
                                                   &err) == SR_E_INVALID_ARG);
    CHECK("misuse/feed-null-buffer",
          libxl__sr_framer_feed(&fr, NULL, 16, NULL, &err) ==
          SR_E_INVALID_ARG);
    CHECK("misuse/skip-header", libxl__sr_framer_skip(&fr, 16, NULL, &err) ==
          SR_E_INVALID_ARG);
    CHECK("misuse/skip-null", libxl__sr_framer_skip(NULL, 1, NULL, &err) ==
          SR_E_INVALID_ARG);
    CHECK("misuse/libxc-read-early",
          libxl__sr_framer_libxc_read(&fr, 1, &err) == SR_E_INVALID_ARG);
    CHECK("misuse/libxc-done-early",
          libxl__sr_framer_libxc_done(&fr, 1, false, &err) ==
          SR_E_INVALID_ARG);
    CHECK("misuse/end-null", libxl__sr_framer_end(NULL, NULL, 0, &err) ==
          SR_E_INVALID_ARG);
    CHECK("misuse/state-kept",
          libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_HEADER);
}

/* A failed framer answers every call with its error. */
static void test_after_failure(void)
{
    libxl__sr_framer fr;
    libxl__sr_error err;
    libxl__sr_item it;
    unsigned char body[64];
    size_t used, have;
    sbuf s;

    hdr(&s, 0);
    s.b[0] = 'x';
    libxl__sr_framer_init(&fr, 0, 0);
    libxl__sr_framer_feed(&fr, s.b, 16, &it, &err);
    memset(&err, 0, sizeof(err));
    CHECK("failed/skip", libxl__sr_framer_skip(&fr, 1, &it, &err) ==
          SR_E_BAD_IDENT && err.code == SR_E_BAD_IDENT);
    memset(&err, 0, sizeof(err));
    CHECK("failed/push", libxl__sr_framer_push(&fr, s.b, 4, &used, &it,
                                              &err) == SR_E_BAD_IDENT &&
          used == 0 && err.code == SR_E_BAD_IDENT);

    /* A held body being assembled is what push has so far. */
    reference(&s);
    libxl__sr_framer_init(&fr, LIBXL__SR_FRAMER_LIBXC_EXTERNAL, 0);
    libxl__sr_framer_set_body_buffer(&fr, body, sizeof(body));
    libxl__sr_framer_push(&fr, s.b, 16, &used, &it, &err);
    libxl__sr_framer_push(&fr, s.b + 16, 8, &used, &it, &err);
    libxl__sr_framer_libxc_done(&fr, at_xs - at_libxc, false, &err);
    libxl__sr_framer_push(&fr, s.b + at_xs, 8, &used, &it, &err);
    libxl__sr_framer_push(&fr, s.b + at_xs + 8, 8, &used, &it, &err);
    CHECK("push/partial-body",
          libxl__sr_framer_push(&fr, s.b + at_xs + 16, 5, &used, &it,
                                &err) == 0 &&
          libxl__sr_framer_partial(&fr, &have) == body && have == 5 &&
          !memcmp(body, xs_body, 5));
    CHECK("push/nothing-to-give",
          libxl__sr_framer_push(&fr, s.b, 0, &used, &it, &err) == 0 &&
          used == 0);
    CHECK("xl/magic-longer-input",
          libxl__sr_is_xl_magic(LIBXL_SR_XL_MAGIC "more", 36));
}

static void test_xl_header(void)
{
    unsigned char h[48];
    libxl__sr_xl_hdr xl;
    libxl__sr_error err;
    sbuf s;
    uint32_t known = LIBXL_SR_XL_FLAG_JSON | LIBXL_SR_XL_FLAG_STREAMV2;

    s.n = 0;
    put(&s, LIBXL_SR_XL_MAGIC, 32);
    put32(&s, LIBXL_SR_XL_BYTE_ORDER);
    put32(&s, known);
    put32(&s, 0);
    put32(&s, 100);
    memcpy(h, s.b, 48);
    CHECK("xl/decode", libxl__sr_decode_xl_header(h, 48, known, &xl, &err) ==
          48 && xl.mandatory_flags == known && xl.optional_len == 100);
    CHECK("xl/magic", libxl__sr_is_xl_magic(h, 8) &&
          !libxl__sr_is_xl_magic("LibxlFmt", 8) &&
          !libxl__sr_is_xl_magic(h, 0));
    CHECK("xl/short", libxl__sr_decode_xl_header(h, 47, known, &xl, &err) ==
          SR_E_TRUNCATED && err.offset == 47);
    CHECK("xl/null", libxl__sr_decode_xl_header(NULL, 48, known, &xl, &err) ==
          SR_E_INVALID_ARG);
    h[5] ^= 1;
    CHECK("xl/bad-magic", libxl__sr_decode_xl_header(h, 48, known, &xl, &err) ==
          SR_E_BAD_IDENT && err.offset == 0);
    h[5] ^= 1;
    h[32] = 1; h[33] = 2; h[34] = 3; h[35] = 4;
    CHECK("xl/big-endian", libxl__sr_decode_xl_header(h, 48, known, &xl,
                                                      &err) ==
          SR_E_BIG_ENDIAN && err.offset == 32);
    h[32] = 9;
    CHECK("xl/order", libxl__sr_decode_xl_header(h, 48, known, &xl, &err) ==
          SR_E_BAD_FIELD && contains(err.detail, "0x04030209"));
    memcpy(h, s.b, 48);
    h[36] |= 8;
    CHECK("xl/unknown-mandatory",
          libxl__sr_decode_xl_header(h, 48, known, &xl, &err) ==
          SR_E_RESERVED_OPTION && err.offset == 36);
    CHECK("xl/caller-knows-more",
          libxl__sr_decode_xl_header(h, 48, known | 8, &xl, &err) == 48);
    memcpy(h, s.b, 48);
    h[47] = 0x10;
    CHECK("xl/optional-cap", libxl__sr_decode_xl_header(h, 48, known, &xl,
                                                       &err) ==
          SR_E_TOO_LONG && err.offset == 44);
    memcpy(h, s.b, 48);
    h[44] = 3;
    CHECK("xl/optional-short",
          libxl__sr_decode_xl_header(h, 48, known, &xl, &err) ==
          SR_E_BAD_LENGTH && err.offset == 44);
}

static void test_names_and_format(void)
{
    libxl__sr_error err;
    char buf[256];

    CHECK("xc-names/page-data", !strcmp(libxl__sr_xc_type_name(1),
                                        "PAGE_DATA"));
    CHECK("xc-names/msr-policy", !strcmp(libxl__sr_xc_type_name(0x12),
                                         "X86_MSR_POLICY"));
    CHECK("xc-names/unknown", libxl__sr_xc_type_name(0x13) == NULL);
    memset(&err, 0, sizeof(err));
    err.libxc = true;
    err.code = SR_E_BAD_IDENT;
    err.record_index = -1;
    err.offset = 24;
    snprintf(err.detail, sizeof(err.detail), "d");
    CHECK("format/xc-image", !strcmp(libxl__sr_format_error(&err, buf,
                                                          sizeof(buf)),
          "libxc image header at offset 24: bad ident: d"));
    err.record_index = -2;
    CHECK("format/xc-domain", contains(libxl__sr_format_error(&err, buf,
                                                             sizeof(buf)),
          "libxc domain header at offset 24"));
    err.record_index = 3;
    err.record_type = 1;
    CHECK("format/xc-record", !strcmp(libxl__sr_format_error(&err, buf,
                                                           sizeof(buf)),
          "libxc record 3 (PAGE_DATA) at offset 24: bad ident: d"));
    err.record_type = 0x99;
    CHECK("format/xc-unknown", contains(libxl__sr_format_error(&err, buf,
                                                              sizeof(buf)),
          "(type 0x00000099)"));
    err.code = SR_E_TRUNCATED;
    err.record_type = 0xffffffffu;
    err.detail[0] = '\0';
    CHECK("format/xc-incomplete", !strcmp(libxl__sr_format_error(&err, buf,
                                                               sizeof(buf)),
          "libxc record 3 (header incomplete) at offset 24: truncated"));
}

int main(void)
{
    test_reference_fed();
    test_reference_pushed();
    test_push_whole();
    test_skip();
    test_external();
    test_checkpoints();
    test_checkpoint_state();
    test_colo_framed_here();
    test_failover_rule();
    test_back_channel();
    test_bare_libxc();
    test_header_errors();
    test_record_errors();
    test_external_errors();
    test_libxc_errors();
    test_truncation();
    test_push_errors();
    test_misuse();
    test_after_failure();
    test_xl_header();
    test_names_and_format();
    return unit_failures ? 1 : 0;
}
