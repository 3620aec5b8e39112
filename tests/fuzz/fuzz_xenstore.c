/*
 * fuzz_xenstore.c: the EMULATOR_XENSTORE_DATA body parser.
 *
 * Property: a body the parser accepts is exactly what libxl__sr_xs_append
 * writes for the same pairs, and every pair obeys the key/value rules.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_sr_codec.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char rebuilt[LIBXL_SR_MAX_XENSTORE_BODY];
    static char key[LIBXL_SR_MAX_XS_KEY + 1], val[LIBXL_SR_MAX_XS_VALUE + 1];
    libxl__sr_error err;
    libxl__sr_xs_iter it;
    const char *k, *v;
    size_t kl, vl, used = 0;
    int r, count = 0, total;

    if (size > sizeof(rebuilt))
        return 0;
    total = libxl__sr_xs_validate(data, size, 1, 100, &err);
    if (total < 0) {
        ASSERT(err.offset >= 100 && err.offset <= 100 + size);
        ASSERT(err.record_type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA);
        return 0;
    }
    libxl__sr_xs_iter_init(&it, data, size, 1, 100);
    while ((r = libxl__sr_xs_next(&it, &k, &kl, &v, &vl, &err)) == 1) {
        ASSERT(libxl__sr_xs_key_ok(k, kl) && libxl__sr_xs_value_ok(v, vl));
        memcpy(key, k, kl);
        key[kl] = '\0';
        memcpy(val, v, vl);
        val[vl] = '\0';
        ASSERT(libxl__sr_xs_append(rebuilt, sizeof(rebuilt), &used, key,
                                  val) == SR_OK);
        count++;
    }
    ASSERT(r == 0 && count == total);
    ASSERT(used == size && !memcmp(rebuilt, data, size));
    return 0;
}
