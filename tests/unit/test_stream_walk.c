/*
 * test_stream_walk.c: the xl container and libxl layer walker, fed in
 * chunks of many sizes, including checkpointed streams, trailing data and
 * every container-level error.
 */

#include <stdint.h>
#include <stdlib.h>

#include "stream_walk.h"
#include "unit.h"

static unsigned char s[1 << 16];
static size_t n;

static void put(const void *p, size_t len) { memcpy(s + n, p, len); n += len; }
static void p32(uint32_t v)
{
    unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    put(b, 4);
}
/* Padding is relative to the record: the xl header before the libxl
 * stream has no alignment of its own. */
static void rec(uint32_t type, const void *body, uint32_t len)
{
    p32(type); p32(len);
    if (len)
        put(body, len);
    while (len++ % 8)
        s[n++] = 0;
}

static const char magic[32] = "Xen saved domain, xl format\n \0 \r";

static void xl(uint32_t mandatory, const char *config)
{
    size_t len = strlen(config) + 1;

    put(magic, 32);
    p32(0x01020304u);
    p32(mandatory);
    p32(0);
    p32((uint32_t)(4 + len));
    p32((uint32_t)len);
    put(config, len);
}

static void libxl_hdr(void) { put("LibxlFmt\0\0\0\2\0\0\0\0", 16); }

static void libxc_hdrs(uint32_t type)
{
    put("\xff\xff\xff\xff\xff\xff\xff\xffXENF\0\0\0\3\0\0\0\0\0\0\0\0", 24);
    p32(type); p32(12); p32(4); p32(17);
    rec(0x10, NULL, 0);
}

static void one_page(void)
{
    p32(1); p32(8 + 8 + 4096); p32(1); p32(0); p32(7); p32(0);
    memset(s + n, 0x5a, 4096);
    n += 4096;
}

static void emu(uint32_t type, const void *body, uint32_t len)
{
    unsigned char b[256];

    memcpy(b, "\2\0\0\0\0\0\0\0", 8);
    memcpy(b + 8, body, len);
    rec(type, b, len + 8);
}

static const char xs_body[] = "physmap/1/name\0vga\0physmap/1/size\0" "100";

/* Tail layout, from the end: END (8), EMULATOR_CONTEXT (8 + 38 + 2),
 * EMULATOR_XENSTORE_DATA (8 + 46 + 2). */
static void hvm_plain(void)
{
    unsigned char ctx[56] = { 1, 0, 0, 0, 24, 0, 0, 0,
                              0x86, 0x12, 0x38, 0x54 };

    n = 0;
    xl(3, "{ \"c_info\": {} }");
    libxl_hdr();
    rec(1, NULL, 0);
    libxc_hdrs(2);
    one_page();
    rec(9, ctx, 40);                   /* HEADER + END */
    rec(0, NULL, 0);
    emu(2, xs_body, sizeof(xs_body));
    emu(3, "QEVM and then the device state", 30);
    rec(0, NULL, 0);
}

static stream_walk w;
static unsigned char body[SW_BODY_BUF_MIN + 1];
static unsigned ev_count[SW_EV_LIBXC + 1], pairs;
static int saw_qevm;

static void on_event(void *opaque, const sw_event *ev)
{
    (void)opaque;
    ev_count[ev->kind]++;
    if (ev->kind == SW_EV_XS_PAIR)
        pairs++;
    if (ev->kind == SW_EV_RECORD && ev->u.rec->qevm)
        saw_qevm = 1;
}

static int run(size_t chunk)
{
    size_t off = 0;
    int rc = SR_OK;

    memset(ev_count, 0, sizeof(ev_count));
    pairs = 0;
    saw_qevm = 0;
    sw_init(&w, body, sizeof(body), on_event, NULL);
    while (off < n && rc == SR_OK) {
        size_t k = n - off < chunk ? n - off : chunk;

        rc = sw_push(&w, s + off, k);
        off += k;
    }
    return rc < 0 ? rc : sw_finish(&w);
}

static char msg[512];

static int run_msg(void)
{
    int rc = run(n ? n : 1);

    sw_format_error(&w, msg, sizeof(msg));
    return rc;
}

static void test_valid(void)
{
    static const size_t chunks[] = { 1, 3, 8, 17, 4096, 1 << 16 };
    size_t i;
    int ok = 1;

    hvm_plain();
    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        if (run(chunks[i]) != SR_OK || w.fr.records != 4 ||
            w.xc.records != 4 || w.xc.pages != 1 || pairs != 2 ||
            !saw_qevm || !w.xl_header || w.trailing != 0 ||
            ev_count[SW_EV_XL_CONFIG] != 1 || w.offset != n)
            ok = 0;
    CHECK("sw/hvm-every-chunk-size", ok);

    put("my copy unpause results are as follows", 38);
    CHECK("sw/trailing-data-counted", run(5) == SR_OK && w.trailing == 38);

    /* Bare libxl stream */
    {
        size_t skip = 32 + 16 + 4 + strlen("{ \"c_info\": {} }") + 1;

        hvm_plain();
        memmove(s, s + skip, n - skip);
        n -= skip;
        CHECK("sw/bare-libxl", run(100) == SR_OK && !w.xl_header);
    }
    /* Bare libxc stream */
    n = 0;
    libxc_hdrs(1);
    rec(0, NULL, 0);
    CHECK("sw/bare-libxc", run(3) == SR_OK && w.bare_libxc);
    /* xl header without optional data */
    n = 0;
    put(magic, 32); p32(0x01020304u); p32(2); p32(0); p32(0);
    libxl_hdr(); rec(1, NULL, 0); libxc_hdrs(1); rec(0, NULL, 0);
    rec(0, NULL, 0);
    CHECK("sw/xl-without-config", run(7) == SR_OK && w.config_len == 0);
    /* optional libxl record is skipped */
    n = 0;
    libxl_hdr(); rec(0x80000003u, "hello", 5); rec(1, NULL, 0);
    libxc_hdrs(1); rec(0, NULL, 0); rec(0, NULL, 0);
    CHECK("sw/optional-skipped", run(2) == SR_OK && w.optional_skipped == 1);
}

/* libvirt's header and domain XML in front of a bare libxl stream. */
static void libvirt_image(uint32_t version, uint32_t xml_len_extra)
{
    static const char xml[] = "<domain type='xen'><name>g</name></domain>";
    size_t skip = 32 + 16 + 4 + strlen("{ \"c_info\": {} }") + 1;
    size_t front = 64 + sizeof(xml);

    hvm_plain();
    memmove(s + front, s + skip, n - skip);
    n = n - skip + front;
    memset(s, 0, 64);
    memcpy(s, "libvirt-xml\n \0 \r", 16);
    s[16] = (unsigned char)version;
    s[20] = (unsigned char)(sizeof(xml) + xml_len_extra);
    memcpy(s + 64, xml, sizeof(xml));
}

static void test_libvirt(void)
{
    static const size_t chunks[] = { 1, 3, 8, 17, 63, 64, 65, 4096 };
    size_t i;
    int ok = 1;

    libvirt_image(2, 0);
    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        if (run(chunks[i]) != SR_OK || !w.libvirt || w.lv_version != 2 ||
            w.config_len != 43 || w.xl_header || w.fr.records != 4 ||
            ev_count[SW_EV_LV_HEADER] != 1 || ev_count[SW_EV_LV_XML] != 1 ||
            ev_count[SW_EV_LIBXL_HEADER] != 1 || w.offset != n)
            ok = 0;
    CHECK("sw/libvirt-every-chunk-size", ok);

    libvirt_image(1, 0);
    CHECK("sw-err/libvirt-version-1",
          run_msg() == SR_E_BAD_VERSION && w.err.offset == 16 &&
          strstr(msg, "libvirt save header at offset 16") &&
          strstr(msg, "legacy"));
    libvirt_image(2, 5);
    CHECK("sw-err/libvirt-xml-length-past-nul",
          run(1) == SR_E_BAD_FIELD && w.err.offset == 64 + 43 + 5 - 1);
    /* Cut at every octet of the header and the XML: truncated, named. */
    libvirt_image(2, 0);
    {
        size_t full = n, cut;

        ok = 1;
        for (cut = 8; cut < 64 + 43; cut++) {
            n = cut;
            if (run(7) != SR_E_TRUNCATED || w.err_layer != SW_LAYER_LIBVIRT)
                ok = 0;
        }
        n = full;
    }
    CHECK("sw-err/libvirt-cut-anywhere-in-front", ok);
}

static void test_checkpointed(void)
{
    unsigned char st[4] = { 2, 0, 0, 0 };

    n = 0;
    libxl_hdr();
    rec(1, NULL, 0);
    libxc_hdrs(1);
    one_page();
    rec(14, NULL, 0);                  /* libxc CHECKPOINT */
    rec(4, NULL, 0);                   /* CHECKPOINT_END */
    rec(5, st, 4);                     /* COLO's CHECKPOINT_STATE */
    one_page();
    rec(14, NULL, 0);
    rec(4, NULL, 0);
    rec(5, st, 4);
    CHECK("sw/checkpointed-failover-end", run(9) == SR_OK &&
          w.ended_at_checkpoint && w.fr.checkpoints == 2 && w.fr.colo &&
          w.checkpoint_boundary == n && !w.incomplete_octets);
    one_page();
    rec(0, NULL, 0);                   /* libxc END */
    rec(0, NULL, 0);                   /* libxl END */
    CHECK("sw/checkpointed-final-end", run(11) == SR_OK &&
          !w.ended_at_checkpoint && w.fr.checkpoints == 2 &&
          libxl__sr_framer_past_last_checkpoint(&w.fr));
    rec(4, NULL, 0);
    CHECK("sw/record-after-end-is-trailing", run(11) == SR_OK &&
          w.trailing == 8);
    n -= 16;
    rec(4, NULL, 0);
    CHECK("sw/checkpoint-end-after-libxc-end",
          run_msg() == SR_E_SEQUENCE && contains(msg, "CHECKPOINT_END"));
}

/*
 * A Remus stream cut at every octet: invalid before checkpoint 1's
 * CHECKPOINT_END, valid from there on with the complete checkpoints
 * counted and the octets of the incomplete one after them; the verdict
 * and its message do not change when sw_finish is asked twice.
 */
static void test_checkpoint_cuts(void)
{
    unsigned char full[3 * 4096 + 512];
    size_t total, cut, end1, end2;
    char again[512];
    int ok = 1;

    n = 0;
    libxl_hdr();
    rec(1, NULL, 0);
    libxc_hdrs(1);
    one_page();
    rec(14, NULL, 0);
    rec(4, NULL, 0);
    end1 = n;
    one_page();
    rec(14, NULL, 0);
    rec(4, NULL, 0);
    end2 = n;
    total = n;
    memcpy(full, s, total);
    for (cut = 0; cut <= total && ok; cut++) {
        int rc;

        memcpy(s, full, cut);
        n = cut;
        rc = run_msg();
        if (cut < end1) {
            ok = rc == SR_E_TRUNCATED && !w.ended_at_checkpoint;
        } else {
            size_t boundary = cut < end2 ? end1 : end2;

            ok = rc == SR_OK && w.ended_at_checkpoint &&
                 w.fr.checkpoints == (cut < end2 ? 1u : 2u) &&
                 w.incomplete_octets == cut - boundary;
        }
        if (rc < 0) {
            sw_finish(&w);
            sw_format_error(&w, again, sizeof(again));
            ok = ok && !strcmp(again, msg);
        }
        if (!ok)
            printf("  cut %zu (ends %zu, %zu): rc %d checkpoints %llu "
                   "incomplete %llu: %s\n", cut, end1, end2, rc,
                   (unsigned long long)w.fr.checkpoints,
                   (unsigned long long)w.incomplete_octets, msg);
    }
    CHECK("sw/remus-cut-at-every-octet", ok);
    memcpy(s, full, end1 - 3);
    n = end1 - 3;
    CHECK("sw/remus-cut-before-first-end-named",
          run_msg() == SR_E_TRUNCATED &&
          contains(msg, "no complete checkpoint"));
}

static void test_errors(void)
{
    n = 0;
    CHECK("sw-err/empty", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "input is empty"));
    put("Xen", 3);
    CHECK("sw-err/too-short", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "too short"));
    n = 0; put("\0\0\x80\0\0\0\0\0\xf0\xff\xff\xff", 12);
    CHECK("sw-err/legacy-bare", run_msg() == SR_E_BAD_IDENT && w.legacy &&
          contains(msg, "convert-legacy-stream") &&
          contains(msg, "offset 0"));
    n = 0; xl(1, "{}");
    CHECK("sw-err/legacy-xl", run_msg() == SR_E_BAD_VERSION && w.legacy &&
          contains(msg, "xl save header at offset 36"));
    n = 0; xl(3, "{}"); s[20] = 'X';
    CHECK("sw-err/xl-magic", run_msg() == SR_E_BAD_IDENT &&
          contains(msg, "magic"));
    n = 0; xl(3, "{}"); memcpy(s + 32, "\1\2\3\4", 4);
    CHECK("sw-err/xl-big-endian", run_msg() == SR_E_BIG_ENDIAN);
    n = 0; xl(3, "{}"); memcpy(s + 32, "\1\1\1\1", 4);
    CHECK("sw-err/xl-byte-order-garbage", run_msg() == SR_E_BAD_FIELD);
    n = 0; xl(3 | 8, "{}");
    CHECK("sw-err/xl-mandatory-flags", run_msg() == SR_E_RESERVED_OPTION);
    n = 0; xl(3, "{}"); s[44] = 2; s[45] = 0;
    CHECK("sw-err/xl-optional-too-short", run_msg() == SR_E_BAD_LENGTH);
    n = 0; xl(3, "{}"); s[47] = 0x10;
    CHECK("sw-err/xl-optional-over-cap", run_msg() == SR_E_TOO_LONG);
    n = 0; xl(3, "{}"); s[48] = 50;
    CHECK("sw-err/xl-config-longer-than-optional",
          run_msg() == SR_E_BAD_LENGTH && contains(msg, "config length"));
    n = 0; xl(3, "{}");
    CHECK("sw-err/cut-after-config", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "libxl stream header"));
    n = 0; xl(3, "{ long config }"); n -= 3;
    CHECK("sw-err/cut-inside-config", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "xl save header"));

    hvm_plain();
    n -= 8;
    CHECK("sw-err/missing-end", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "(missing)"));
    hvm_plain();
    n -= 4;
    CHECK("sw-err/cut-end-header", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "inside a record header"));
    hvm_plain();
    n -= 35;                           /* inside QEMU's state */
    CHECK("sw-err/cut-emulator-context", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "EMULATOR_CONTEXT") && contains(msg, "body"));
    hvm_plain();
    n -= 45;                           /* inside the sub-header */
    CHECK("sw-err/cut-emulator-subheader", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "sub-header"));
    hvm_plain();
    n -= 57;                           /* inside xenstore padding */
    CHECK("sw-err/cut-xenstore-padding", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "padding"));
    hvm_plain();
    s[n - 57] = 1;
    CHECK("sw-err/xenstore-padding-nonzero", run_msg() == SR_E_BAD_PADDING &&
          contains(msg, "EMULATOR_XENSTORE_DATA"));
    hvm_plain();
    s[n - 48] = 9;                     /* EMULATOR_CONTEXT's id */
    CHECK("sw-err/emulator-id", run_msg() == SR_E_BAD_EMULATOR);
    n = 0; libxl_hdr(); rec(5, "\1\0\0\0", 4);
    CHECK("sw-err/checkpoint-state-plain", run_msg() == SR_E_SEQUENCE);
    n = 0; libxl_hdr(); rec(1, NULL, 0); libxc_hdrs(1); rec(14, NULL, 0);
    rec(5, "\1\0\0", 3);
    CHECK("sw-err/checkpoint-state-size", run_msg() == SR_E_BAD_LENGTH);
    /* A cut inside COLO's state after checkpoint 1: that checkpoint is
     * what a failover restores (the framer's failover rule). */
    n = 0; libxl_hdr(); rec(1, NULL, 0); libxc_hdrs(1); rec(14, NULL, 0);
    rec(4, NULL, 0); p32(5); p32(4); p32(1);
    CHECK("sw/checkpoint-state-cut-is-a-failover",
          run(5) == SR_OK && w.ended_at_checkpoint &&
          w.fr.checkpoints == 1 && w.incomplete_cut &&
          w.incomplete_octets == 12);
    n = 0; libxl_hdr(); rec(1, NULL, 0); libxc_hdrs(1); rec(14, NULL, 0);
    rec(5, "\1\0\0\0", 4);
    CHECK("sw-err/checkpoint-state-inside-a-checkpoint",
          run_msg() == SR_E_SEQUENCE && contains(msg, "inside a checkpoint"));
    n = 0; libxl_hdr(); rec(1, NULL, 0); put("\xff\xff\xff\xff", 4);
    CHECK("sw-err/libxc-cut", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "libxc image header"));
    n = 0; libxl_hdr(); n -= 2;
    CHECK("sw-err/libxl-header-cut", run_msg() == SR_E_TRUNCATED &&
          contains(msg, "libxl stream header"));
    n = 0; libxl_hdr(); s[11] = 1;
    CHECK("sw-err/libxl-version", run_msg() == SR_E_BAD_VERSION &&
          contains(msg, "libxl stream header at offset 8"));
    n = 0; libxl_hdr(); rec(0x80000003u, "x", 1); n -= 3;
    CHECK("sw-err/optional-cut", run_msg() == SR_E_TRUNCATED);
    n = 0; libxl_hdr(); rec(6, NULL, 0);
    CHECK("sw-err/unknown-mandatory", run_msg() == SR_E_UNKNOWN_TYPE &&
          contains(msg, "libxl record 0 (UNKNOWN(0x6)) at offset 16"));
    CHECK("sw-err/stays-failed", sw_push(&w, "x", 1) == SR_E_UNKNOWN_TYPE &&
          sw_finish(&w) == SR_E_UNKNOWN_TYPE);
    n = 0; libxl_hdr(); rec(1, NULL, 0); libxc_hdrs(1); rec(0x13, NULL, 0);
    CHECK("sw-err/libxc-layer-error", run_msg() == SR_E_UNKNOWN_TYPE &&
          w.err_layer == SW_LAYER_LIBXC && contains(msg, "libxc record 1"));
}

/* An EMULATOR_XENSTORE_DATA body exactly at the cap fits the walker's
 * fixed buffer and is accepted; one octet more is refused. */
static void test_big_xenstore(void)
{
    const size_t body_len = LIBXL_SR_MAX_XENSTORE_BODY;
    size_t prefix, k, i;
    unsigned char *p;
    int rc;

    n = 0;
    libxl_hdr(); rec(1, NULL, 0); libxc_hdrs(2); rec(0, NULL, 0);
    prefix = n;
    p = malloc(prefix + 8 + body_len + 8 + 8);
    memcpy(p, s, prefix);
    k = prefix;
    memcpy(p + k, "\2\0\0\0", 4);
    memcpy(p + k + 4, &body_len, 4);       /* little-endian host */
    memcpy(p + k + 8, "\2\0\0\0\0\0\0\0", 8);
    k += 16;
    for (i = 0; k + 64 <= prefix + 8 + body_len; i++, k += 64) {
        sprintf((char *)p + k, "k%07zu", i);
        memset(p + k + 9, 'v', 54);
        p[k + 63] = 0;
    }
    /* last pair fills the remainder exactly */
    sprintf((char *)p + k, "k%07zu", i);
    memset(p + k + 9, 'w', prefix + 8 + body_len - k - 10);
    p[prefix + 8 + body_len - 1] = 0;
    k = prefix + 8 + body_len;
    memcpy(p + k, "\0\0\0\0\0\0\0\0", 8);  /* END */
    sw_init(&w, body, sizeof(body), on_event, NULL);
    pairs = 0;
    rc = sw_push(&w, p, k + 8);
    CHECK("sw/xenstore-body-at-cap", rc == SR_OK && sw_finish(&w) == SR_OK &&
          pairs == i + 1);
    memcpy(p + prefix + 4, &(uint32_t){ LIBXL_SR_MAX_XENSTORE_BODY + 1 }, 4);
    sw_init(&w, body, sizeof(body), on_event, NULL);
    CHECK("sw/xenstore-body-over-cap", sw_push(&w, p, k + 8) == SR_E_TOO_LONG);
    free(p);
}

/* The pipe reader drops opaque octets unseen: same verdict, same counts. */
static int run_dropping(size_t upto)
{
    size_t off = 0;
    int rc = SR_OK;

    sw_init(&w, body, sizeof(body), on_event, NULL);
    while (off < upto && rc == SR_OK) {
        uint64_t k = sw_skippable(&w);

        if (k) {
            if (k > upto - off)
                k = upto - off;
            sw_skipped(&w, k);
            off += (size_t)k;
            continue;
        }
        k = upto - off < 7 ? upto - off : 7;
        rc = sw_push(&w, s + off, (size_t)k);
        off += (size_t)k;
    }
    return rc < 0 ? rc : sw_finish(&w);
}

static void test_dropping(void)
{
    size_t cut;
    int ok = 1;

    hvm_plain();
    CHECK("sw-drop/valid", run_dropping(n) == SR_OK && w.offset == n &&
          w.xc.pages == 1 && w.fr.records == 4);
    CHECK("sw-drop/nothing-skippable-in-headers", sw_skippable(&w) == 0);
    for (cut = 0; cut < n; cut++)
        if (run_dropping(cut) != SR_E_TRUNCATED)
            ok = 0;
    CHECK("sw-drop/truncated-at-every-offset", ok);
    /* cut right after the page contents: the record is whole, END is not */
    hvm_plain();
    run_dropping(32 + 16 + 4 + 17 + 16 + 8 + 24 + 16 + 8 + 8 + 8 + 8 + 4096);
    sw_format_error(&w, msg, sizeof(msg));
    CHECK("sw-drop/cut-after-page-data-names-next-record",
          w.err.code == SR_E_TRUNCATED && contains(msg, "libxc record 2"));
}

int main(void)
{
    test_valid();
    test_dropping();
    test_checkpointed();
    test_checkpoint_cuts();
    test_errors();
    test_big_xenstore();
    test_libvirt();
    return unit_failures ? 1 : 0;
}
