/*
 * fuzz_codec.c: the codec's framer on arbitrary bytes, fed the units it
 * asks for (libxc's part inline, or read elsewhere when the first octet
 * after the header is odd).
 *
 * Checks that whatever decodes re-encodes to the same octets (the codec
 * must never accept what it could not have written), that every error
 * points inside the unit that caused it, and that truncating the input
 * anywhere gives a truncation error at or before the cut.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_sr_codec.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_item(const libxl__sr_item *it, const uint8_t *p)
{
    unsigned char again[16];

    switch (it->kind) {
    case LIBXL__SR_FR_HEADER:
        ASSERT(libxl__sr_encode_header(again, sizeof(again),
                                      it->u.hdr.options) == 16);
        ASSERT(!memcmp(again, p, 16));
        break;
    case LIBXL__SR_FR_REC_HDR:
        ASSERT(libxl__sr_encode_rec_hdr(again, 8, it->type, it->length) == 8);
        ASSERT(!memcmp(again, p, 8));
        break;
    case LIBXL__SR_FR_EMU_HDR:
        ASSERT(libxl__sr_encode_emu_hdr(again, 8, it->u.emu.id,
                                       it->u.emu.index) == 8);
        ASSERT(!memcmp(again, p, 8));
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libxl__sr_framer fr;
    libxl__sr_item it;
    libxl__sr_error err;
    char msg[400];
    uint64_t want;
    size_t off = 0;
    unsigned flags = size > 16 && (data[16] & 1) ?
                     LIBXL__SR_FRAMER_LIBXC_EXTERNAL : 0;
    libxl__sr_fr_kind k;
    int r;

    libxl__sr_framer_init(&fr, flags, 0);
    for (;;) {
        k = libxl__sr_framer_next(&fr, &want);
        if (k == LIBXL__SR_FR_LIBXC) {
            /* libxc's helper "read" nothing and stopped at its END. */
            ASSERT(libxl__sr_framer_libxc_done(&fr, 0, false, &err) == 0);
            continue;
        }
        if (k == LIBXL__SR_FR_DONE)
            return 0;
        if (off + want > size) {
            r = libxl__sr_framer_end(&fr, data + off, size - off, &err);
            ASSERT(r == SR_E_TRUNCATED && err.offset <= size);
            libxl__sr_format_error(&err, msg, sizeof(msg));
            ASSERT(strstr(msg, "truncated"));
            return 0;
        }
        r = libxl__sr_framer_feed(&fr, data + off, (size_t)want, &it, &err);
        if (r < 0) {
            ASSERT(r != SR_E_INVALID_ARG);
            /* The offending octet is in the unit just fed, or (a length
             * field) in the header of its record. */
            ASSERT((err.offset >= off && err.offset <= off + want) ||
                   (err.offset >= fr.rec_offset &&
                    err.offset < fr.rec_offset + 8));
            libxl__sr_format_error(&err, msg, sizeof(msg));
            ASSERT(strlen(msg) > 0);
            ASSERT(libxl__sr_framer_next(&fr, NULL) == LIBXL__SR_FR_FAILED);
            return 0;
        }
        ASSERT(it.offset == off);
        check_item(&it, data + off);
        off += (size_t)want;
        ASSERT(fr.offset == off);
    }
}
