/*
 * test_xl_zstd.c: the compressed section of `xl save -z` / `xl migrate -z`
 * (tools/xl/xl_zstd.c): encoder and decoder round trips, the decoder
 * never reading past the end mark (on a migration channel xl's handshake
 * follows it), every way the input can be cut or damaged, the window cap,
 * and the encoder lowering its level when the output never waits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "unit.h"
#include "xl_zstd.h"

#define TRAILER "GO-after-the-end-mark"

/* Image-like input: runs of zero pages, text-ish pages, random pages. */
static unsigned char *make_input(size_t len)
{
    unsigned char *p = malloc(len);
    uint32_t x = 12345;
    size_t i;

    for (i = 0; i < len; i++) {
        size_t page = i / 4096;

        x = x * 1103515245 + 12345;
        if (page % 3 == 0)
            p[i] = 0;
        else if (page % 3 == 1)
            p[i] = "xenstream "[i % 10];
        else
            p[i] = x >> 16;
    }
    return p;
}

/* Compress buf with the encoder into a malloc'd buffer via a temp file. */
static unsigned char *encode(const unsigned char *buf, size_t len,
                             bool end_mark, size_t *out_len, uint64_t *frames)
{
    char path[] = "/tmp/test_xl_zstd.XXXXXX";
    int fd = mkstemp(path);
    xlz_enc e;
    unsigned char *out;
    off_t size;

    unlink(path);
    if (fd < 0 || xlz_enc_init(&e, fd, XL_ZSTD_DEFAULT_LEVEL))
        return NULL;
    /* Uneven pieces, as libxl writes them. */
    for (size_t at = 0; at < len; ) {
        size_t k = 1 + (at * 7919) % 300000;

        if (k > len - at)
            k = len - at;
        if (xlz_enc_write(&e, buf + at, k))
            return NULL;
        at += k;
    }
    if (xlz_enc_finish(&e, end_mark))
        return NULL;
    *frames = e.frames;
    xlz_enc_dispose(&e);
    size = lseek(fd, 0, SEEK_END);
    out = malloc(size);
    if (pread(fd, out, size, 0) != size)
        return NULL;
    close(fd);
    *out_len = size;
    return out;
}

/*
 * Decode in[0..len) giving the decoder at most `chunk` octets at a time
 * and never more than it asks for.  Returns 0/-1 as the decoder; *used
 * is what it consumed (it must stop at the end mark).
 */
static int decode(const unsigned char *in, size_t len, size_t chunk,
                  bool need_end_mark, unsigned char *out, size_t out_cap,
                  size_t *out_len, size_t *used, xlz_dec *d)
{
    size_t pos = 0, made_total = 0;
    int rc = 0;

    xlz_dec_init(d);
    d->need_end_mark = need_end_mark;
    for (;;) {
        size_t want = xlz_dec_want(d), give, u, m;

        if (d->ended)
            break;
        give = want < chunk ? want : chunk;
        if (give > len - pos)
            give = len - pos;
        if (!give && want && pos == len) {
            rc = xlz_dec_finish(d);
            break;
        }
        if (xlz_dec_run(d, in + pos, give, &u, out + made_total,
                        out_cap - made_total > 65536 ? 65536
                                                     : out_cap - made_total,
                        &m)) {
            rc = -1;
            break;
        }
        pos += u;
        made_total += m;
    }
    *out_len = made_total;
    *used = pos;
    return rc;
}

static void test_round_trips(void)
{
    size_t len = 3 * XL_ZSTD_FRAME_INPUT + 12345, zlen, olen, used;
    unsigned char *in = make_input(len), *z, *with_trailer;
    unsigned char *out = malloc(len + 1);
    uint64_t frames;
    xlz_dec d;
    int rc;

    z = encode(in, len, true, &zlen, &frames);
    CHECK("zstd/encode", z != NULL);
    if (!z)
        return;
    CHECK("zstd/frame-per-8MiB", frames == 4);
    CHECK("zstd/compresses", zlen < len / 2);

    with_trailer = malloc(zlen + sizeof(TRAILER));
    memcpy(with_trailer, z, zlen);
    memcpy(with_trailer + zlen, TRAILER, sizeof(TRAILER));

    rc = decode(with_trailer, zlen + sizeof(TRAILER), 1 << 20, true, out,
                len + 1, &olen, &used, &d);
    CHECK("zstd/round-trip", rc == 0 && olen == len && !memcmp(in, out, len));
    CHECK("zstd/stops-at-end-mark", used == zlen && d.ended);
    CHECK("zstd/counts", d.in_octets == zlen && d.out_octets == len &&
          d.frames == 4);
    xlz_dec_dispose(&d);

    /* One octet at a time: push-driven, no assumption about chunks. */
    rc = decode(with_trailer, zlen + sizeof(TRAILER), 1, true, out, len + 1,
                &olen, &used, &d);
    CHECK("zstd/round-trip-1-octet-chunks",
          rc == 0 && olen == len && !memcmp(in, out, len) && used == zlen);
    xlz_dec_dispose(&d);

    /* Cut anywhere: a clear "truncated" naming the offset. */
    {
        size_t cuts[] = { 0, 3, 8, 9, 100, zlen / 2, zlen - 9, zlen - 8,
                          zlen - 1 };
        int ok = 1;

        for (unsigned i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
            char want[64];

            rc = decode(z, cuts[i], 1 << 20, true, out, len + 1, &olen,
                        &used, &d);
            snprintf(want, sizeof(want), "ends at offset %zu", cuts[i]);
            if (rc != -1 || !contains(d.err, "truncated") ||
                !contains(d.err, want)) {
                printf("  cut %zu: rc %d: %s\n", cuts[i], rc, d.err);
                ok = 0;
            }
            xlz_dec_dispose(&d);
        }
        CHECK("zstd/truncation-named", ok);
    }

    /* A damaged octet inside a frame: the frame's checksum catches it. */
    {
        unsigned char *bad = malloc(zlen);
        int ok = 1;

        for (size_t at = 20; at < zlen - 8; at += zlen / 7) {
            memcpy(bad, z, zlen);
            bad[at] ^= 0x5a;
            rc = decode(bad, zlen, 1 << 20, true, out, len + 1, &olen,
                        &used, &d);
            if (rc != -1 || (!contains(d.err, "corrupt zstd frame") &&
                             !contains(d.err, "not a zstd frame"))) {
                printf("  damage at %zu: rc %d: %s\n", at, rc, d.err);
                ok = 0;
            }
            xlz_dec_dispose(&d);
        }
        CHECK("zstd/corruption-named", ok);
        free(bad);
    }

    /* Something that is not zstd at all where a frame should start. */
    rc = decode((const unsigned char *)"LibxlFmt\0\0\0\0", 12, 1 << 20, true,
                out, len + 1, &olen, &used, &d);
    CHECK("zstd/not-zstd-named", rc == -1 &&
          contains(d.err, "not a zstd frame: magic 0x7862694c at offset 0"));
    xlz_dec_dispose(&d);

    /* A bare .zst file ends at EOF; a section of ours needs its mark. */
    free(z);
    z = encode(in, len, false, &zlen, &frames);
    rc = decode(z, zlen, 1 << 20, false, out, len + 1, &olen, &used, &d);
    CHECK("zstd/bare-frames-end-at-eof", rc == 0 && olen == len);
    xlz_dec_dispose(&d);
    rc = decode(z, zlen, 1 << 20, true, out, len + 1, &olen, &used, &d);
    CHECK("zstd/missing-end-mark", rc == -1 &&
          contains(d.err, "before the end mark"));
    xlz_dec_dispose(&d);

    free(z);
    free(with_trailer);
    free(in);
    free(out);
}

/* A frame made with a 128 MiB window is refused, not allocated for. */
static void test_window_cap(void)
{
    size_t len = 1 << 20, zcap = ZSTD_compressBound(len), zlen, olen, used;
    unsigned char *in = make_input(len), *z = malloc(zcap + 8);
    unsigned char *out = malloc(len);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    xlz_dec d;
    int rc;

    ZSTD_inBuffer ib = { in, len, 0 };
    ZSTD_outBuffer ob = { z, zcap, 0 };

    /* Streamed, size unknown: zstd cannot shrink the window to fit. */
    ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 27);
    ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue);
    while (ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end))
        ;
    zlen = ob.pos;
    ZSTD_freeCCtx(cc);
    rc = decode(z, zlen, 1 << 20, false, out, len, &olen, &used, &d);
    CHECK("zstd/window-cap", rc == -1 &&
          contains(d.err, "needs a window larger than the 16 MiB"));
    xlz_dec_dispose(&d);
    free(in);
    free(z);
    free(out);
}

/* The pumps, over pipes, as xl runs them. */
struct feeder { int fd; const unsigned char *buf; size_t len; };

static void *feed(void *arg)
{
    struct feeder *f = arg;

    for (size_t at = 0; at < f->len; ) {
        ssize_t r = write(f->fd, f->buf + at, f->len - at);

        if (r <= 0)
            break;
        at += r;
    }
    close(f->fd);
    return NULL;
}

static void test_pumps(void)
{
    size_t len = XL_ZSTD_FRAME_INPUT + 777, zlen, got = 0;
    unsigned char *in = make_input(len), *z, *out = malloc(len + 64);
    int a[2], b[2], c[2];
    struct feeder f1, f2;
    pthread_t t1, t2;
    char msg[256], tail[64];
    xlz_enc es;
    xlz_dec ds;
    ssize_t r;
    int rc;

    /* compress: a -> b, read back from b into a file-less buffer */
    if (pipe(a) || pipe(b) || pipe(c))
        return;
    f1 = (struct feeder){ a[1], in, len };
    pthread_create(&t1, NULL, feed, &f1);
    {
        char path[] = "/tmp/test_xl_zstd.XXXXXX";
        int fd = mkstemp(path);
        off_t size;

        unlink(path);
        rc = xlz_pump_compress(a[0], fd, XL_ZSTD_DEFAULT_LEVEL, false, &es,
                               msg, sizeof(msg));
        pthread_join(t1, NULL);
        CHECK("zstd/pump-compress", rc == 0 && es.in_octets == len &&
              es.frames == 2);
        size = lseek(fd, 0, SEEK_END);
        z = malloc(size + sizeof(TRAILER));
        zlen = pread(fd, z, size, 0);
        close(fd);
    }
    /* decompress from a channel that carries more after the section */
    memcpy(z + zlen, TRAILER, sizeof(TRAILER));
    f2 = (struct feeder){ b[1], z, zlen + sizeof(TRAILER) };
    pthread_create(&t2, NULL, feed, &f2);
    {
        char path[] = "/tmp/test_xl_zstd.XXXXXX";
        int fd = mkstemp(path);

        unlink(path);
        rc = xlz_pump_decompress(b[0], fd, 100, &ds, msg, sizeof(msg));
        while ((r = pread(fd, out + got, len + 64 - got, got)) > 0)
            got += r;
        close(fd);
    }
    CHECK("zstd/pump-decompress", rc == 0 && got == len &&
          !memcmp(in, out, len));
    r = read(b[0], tail, sizeof(tail));
    CHECK("zstd/pump-leaves-handshake", r == (ssize_t)sizeof(TRAILER) &&
          !memcmp(tail, TRAILER, sizeof(TRAILER)));
    pthread_join(t2, NULL);
    close(a[0]); close(b[0]); close(c[0]); close(c[1]);

    /* cut: the pump's message has the offset, counted from base */
    if (pipe(b) || pipe(c))
        return;
    f2 = (struct feeder){ b[1], z, 5000 };
    pthread_create(&t2, NULL, feed, &f2);
    rc = xlz_pump_decompress(b[0], c[1], 100, &ds, msg, sizeof(msg));
    pthread_join(t2, NULL);
    CHECK("zstd/pump-truncated", rc == -1 &&
          contains(msg, "truncated: the input ends at offset 5100"));
    close(b[0]); close(c[0]); close(c[1]);

    /* the output goes away: an error, not a hang or a signal */
    if (pipe(a) || pipe(b))
        return;
    close(b[0]);
    f1 = (struct feeder){ a[1], in, len };
    pthread_create(&t1, NULL, feed, &f1);
    rc = xlz_pump_compress(a[0], b[1], XL_ZSTD_DEFAULT_LEVEL, false, &es,
                           msg, sizeof(msg));
    close(a[0]);
    pthread_join(t1, NULL);
    CHECK("zstd/pump-write-error", rc == -1 && contains(msg, "Broken pipe"));
    close(b[1]);

    free(z);
    free(in);
    free(out);
}

/* With an output that never waits (a file), adapt lowers the level. */
static void test_adapt(void)
{
    size_t len = 4 * XL_ZSTD_FRAME_INPUT;
    unsigned char *in = make_input(len);
    int fd = open("/dev/null", O_WRONLY);
    xlz_enc e;

    xlz_enc_init(&e, fd, XL_ZSTD_DEFAULT_LEVEL);
    e.adapt = true;
    xlz_enc_write(&e, in, len);
    xlz_enc_finish(&e, true);
    CHECK("zstd/adapt-lowers-level", e.min_level_used < XL_ZSTD_DEFAULT_LEVEL);
    xlz_enc_dispose(&e);

    xlz_enc_init(&e, fd, XL_ZSTD_DEFAULT_LEVEL);
    xlz_enc_write(&e, in, len);
    xlz_enc_finish(&e, true);
    CHECK("zstd/fixed-level-without-adapt",
          e.min_level_used == XL_ZSTD_DEFAULT_LEVEL);
    xlz_enc_dispose(&e);
    close(fd);
    free(in);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_round_trips();
    test_window_cap();
    test_pumps();
    test_adapt();
    return unit_failures ? 1 : 0;
}
