/*
 * fuzz_codec.c: the libxl header and record codec on arbitrary bytes.
 *
 * Walks the input as a bare libxl stream using only codec calls (no
 * walker), and checks that whatever decodes re-encodes to the same
 * octets: the codec must never accept what it could not have written.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_sr_codec.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libxl__sr_error err;
    libxl__sr_hdr hdr;
    libxl__sr_rec_hdr rh;
    libxl__sr_emulator_hdr emu;
    libxl__sr_sequence seq;
    unsigned char again[16];
    char msg[400];
    size_t off = 0;
    int64_t index = 0;
    uint32_t state;

    if (libxl__sr_decode_header(data, size, 0, &hdr, &err) < 0) {
        libxl__sr_format_error(&err, msg, sizeof(msg));
        ASSERT(err.code < 0 && strlen(msg) > 0);
        return 0;
    }
    ASSERT(libxl__sr_encode_header(again, sizeof(again), hdr.options) == 16);
    ASSERT(!memcmp(again, data, 16));
    off = 16;
    libxl__sr_sequence_init(&seq, size > 16 && (data[16] & 1));

    while (off + 8 <= size) {
        uint64_t padded;

        ASSERT(libxl__sr_decode_rec_hdr(data + off, size - off, &rh) == 8);
        ASSERT(libxl__sr_encode_rec_hdr(again, 8, rh.type, rh.length) == 8);
        ASSERT(!memcmp(again, data + off, 8));
        if (libxl__sr_check_rec_hdr(&rh, index, off, &err) < 0 ||
            libxl__sr_sequence_accept(&seq, &rh, off, &err) < 0) {
            ASSERT(err.offset >= off && err.offset < off + 8);
            libxl__sr_format_error(&err, msg, sizeof(msg));
            return 0;
        }
        padded = libxl__sr_padded_len(rh.length);
        ASSERT(padded >= rh.length && padded - rh.length < 8);
        if (off + 8 + padded > size)
            return 0;
        if (rh.type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA ||
            rh.type == LIBXL_SR_REC_EMULATOR_CONTEXT) {
            if (libxl__sr_decode_emu_hdr(data + off + 8, rh.length, &rh,
                                        index, off + 8, &emu, &err) < 0)
                return 0;
            ASSERT(libxl__sr_emulator_name(emu.id) != NULL);
            if (rh.type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA &&
                libxl__sr_xs_validate(data + off + 16, rh.length - 8, index,
                                     off + 16, &err) < 0) {
                ASSERT(err.offset >= off + 16 &&
                       err.offset <= off + 8 + rh.length);
                return 0;
            }
        }
        if (rh.type == LIBXL_SR_REC_CHECKPOINT_STATE)
            ASSERT(libxl__sr_decode_checkpoint_state(data + off + 8, 4, index,
                                                    off + 8, &state,
                                                    &err) == 4);
        if (libxl__sr_check_padding(data + off + 8 + rh.length,
                                   libxl__sr_padding(rh.length), &rh, index,
                                   off + 8 + rh.length, &err) < 0)
            return 0;
        off += 8 + padded;
        index++;
        if (rh.type == LIBXL_SR_REC_END)
            break;
    }
    return 0;
}
