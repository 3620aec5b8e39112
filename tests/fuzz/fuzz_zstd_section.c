/*
 * fuzz_zstd_section.c: the decoder of `xl save -z` / `xl migrate -z`'s
 * compressed section (tools/xl/xl_zstd.c), which reads untrusted input in
 * xl and xen-stream.  The first octet picks a mode:
 *
 *   even  the rest is taken as compressed input as it is;
 *   odd   the rest is compressed with our encoder (plus the end mark),
 *         then one octet of the result is damaged, at an offset and with
 *         a value from the input, so that the fuzzer works on real frames.
 *
 * Either way the result is decoded in chunks of a fuzzer-chosen size,
 * never giving the decoder more than it asks for.  It must never crash,
 * never consume more than it was given, stop at the end mark, and an
 * undamaged encoding must decode to exactly the original.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl_zstd.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char out[1 << 16];
static unsigned char decoded[1 << 17];

/* Our encoder writes to an fd: a memfd-like temporary file. */
static size_t encode(const uint8_t *in, size_t len, unsigned char **res)
{
    FILE *f = tmpfile();
    xlz_enc e;
    long n;

    ASSERT(f);
    ASSERT(!xlz_enc_init(&e, fileno(f), 1));
    ASSERT(!xlz_enc_write(&e, in, len));
    ASSERT(!xlz_enc_finish(&e, true));
    xlz_enc_dispose(&e);
    n = lseek(fileno(f), 0, SEEK_END);
    *res = malloc(n ? n : 1);
    ASSERT(pread(fileno(f), *res, n, 0) == n);
    fclose(f);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *z = NULL;
    size_t zlen, pos = 0, made = 0, chunk;
    bool damaged = false, plain_ok = false;
    xlz_dec d;
    int rc = 0;

    if (size < 4)
        return 0;
    chunk = 1 + data[1] % 64 * 97;
    if (data[0] & 1) {
        size_t at;

        zlen = encode(data + 4, size - 4, &z);
        at = ((size_t)data[2] << 8 | data[3]) % (zlen + 1);
        if (at < zlen && data[0] & 2) {
            z[at] ^= data[0] | 1;
            damaged = true;
        }
        plain_ok = !damaged;
    } else {
        zlen = size - 4;
        z = malloc(zlen ? zlen : 1);
        memcpy(z, data + 4, zlen);
    }

    ASSERT(!xlz_dec_init(&d));
    d.need_end_mark = !(data[0] & 4);
    while (!d.ended) {
        size_t want = xlz_dec_want(&d), give, used, m;

        give = want < chunk ? want : chunk;
        if (give > zlen - pos)
            give = zlen - pos;
        if (want && !give) {
            rc = xlz_dec_finish(&d);
            break;
        }
        rc = xlz_dec_run(&d, z + pos, give, &used, out, sizeof(out), &m);
        ASSERT(used <= give);
        pos += used;
        if (rc)
            break;
        if (plain_ok && m) {
            ASSERT(made + m <= size - 4);
            memcpy(decoded + made, out, m);
        }
        made += m;
    }
    if (rc)
        ASSERT(d.err[0]);
    ASSERT(d.in_octets == pos);
    if (plain_ok) {
        ASSERT(rc == 0 && d.ended && pos == zlen);
        ASSERT(made == size - 4 && !memcmp(decoded, data + 4, made));
    }
    xlz_dec_dispose(&d);
    free(z);
    return 0;
}
