/*
 * test_codec.c: every encode/decode path and every error path of
 * libxl_sr_codec.c, with the offsets and record facts errors must carry.
 */

#include <stdint.h>
#include <stdlib.h>

#include "libxl_sr_codec.h"
#include "unit.h"

static libxl__sr_error err;

static void reset(void)
{
    memset(&err, 0, sizeof(err));
}

static void test_names(void)
{
    char buf[64];
    int code, distinct = 1;

    for (code = SR_OK; code >= SR_E_BAD_FIELD; code--)
        if (!libxl__sr_strerror(code) ||
            !strcmp(libxl__sr_strerror(code), "unknown error"))
            distinct = 0;
    CHECK("strerror/every-code-has-text", distinct);
    CHECK("strerror/unknown-code", !strcmp(libxl__sr_strerror(-999),
                                          "unknown error"));
    CHECK("type_name/end", !strcmp(libxl__sr_type_name(0), "END"));
    CHECK("type_name/libxc-context",
          !strcmp(libxl__sr_type_name(1), "LIBXC_CONTEXT"));
    CHECK("type_name/emulator-context",
          !strcmp(libxl__sr_type_name(3), "EMULATOR_CONTEXT"));
    CHECK("type_name/checkpoint-end",
          !strcmp(libxl__sr_type_name(4), "CHECKPOINT_END"));
    CHECK("type_name/checkpoint-state",
          !strcmp(libxl__sr_type_name(5), "CHECKPOINT_STATE"));
    CHECK("type_name/unknown-null", libxl__sr_type_name(6) == NULL);
    CHECK("type_describe/known",
          !strcmp(libxl__sr_type_describe(2, buf, sizeof(buf)),
                  "EMULATOR_XENSTORE_DATA"));
    CHECK("type_describe/optional",
          !strcmp(libxl__sr_type_describe(0x80000010u, buf, sizeof(buf)),
                  "OPTIONAL(0x80000010)"));
    CHECK("type_describe/unknown",
          !strcmp(libxl__sr_type_describe(9, buf, sizeof(buf)),
                  "UNKNOWN(0x9)"));
    CHECK("type_describe/zero-len-buffer",
          libxl__sr_type_describe(9, buf, 0) == buf);
    CHECK("emulator_name/upstream",
          !strcmp(libxl__sr_emulator_name(2), "qemu-upstream"));
    CHECK("emulator_name/traditional",
          !strcmp(libxl__sr_emulator_name(1), "qemu-traditional"));
    CHECK("emulator_name/unknown-id0", !strcmp(libxl__sr_emulator_name(0),
                                              "unknown"));
    CHECK("emulator_name/other-null", libxl__sr_emulator_name(3) == NULL);
}

static void test_format_error(void)
{
    char buf[256];

    reset();
    err.code = SR_E_BAD_IDENT;
    err.offset = 48;
    err.record_index = -1;
    snprintf(err.detail, sizeof(err.detail), "x");
    libxl__sr_format_error(&err, buf, sizeof(buf));
    CHECK("format_error/header-form",
          !strcmp(buf, "stream header at offset 48: bad ident: x"));
    err.code = SR_E_TOO_LONG;
    err.record_index = 3;
    err.record_type = 3;
    err.offset = 1000;
    libxl__sr_format_error(&err, buf, sizeof(buf));
    CHECK("format_error/record-form",
          !strcmp(buf, "record 3 (EMULATOR_CONTEXT) at offset 1000: "
                       "record body too long: x"));
    err.detail[0] = '\0';
    libxl__sr_format_error(&err, buf, sizeof(buf));
    CHECK("format_error/no-detail",
          !strcmp(buf, "record 3 (EMULATOR_CONTEXT) at offset 1000: "
                       "record body too long"));
    libxl__sr_format_error(NULL, buf, sizeof(buf));
    CHECK("format_error/null-err", !strcmp(buf, "no error information"));
    libxl__sr_format_error(&err, buf, 5);
    CHECK("format_error/truncates", strlen(buf) == 4);
    CHECK("format_error/zero-len", libxl__sr_format_error(&err, buf, 0) == buf);
}

static void test_sizes(void)
{
    uint32_t l;
    int ok = 1;

    CHECK("padded_len/0", libxl__sr_padded_len(0) == 0);
    CHECK("padded_len/1", libxl__sr_padded_len(1) == 8);
    CHECK("padded_len/8", libxl__sr_padded_len(8) == 8);
    CHECK("padding/5", libxl__sr_padding(5) == 3);
    for (l = 0xFFFFFFF9u; l != 0; l++)
        if (libxl__sr_padded_len(l) != 0x100000000ull ||
            libxl__sr_padding(l) != 0x100000000ull - l)
            ok = 0;
    CHECK("padded_len/no-wrap-fffffff9-ffffffff", ok);
    CHECK("padded_len/fffffff8", libxl__sr_padded_len(0xFFFFFFF8u) ==
                                 0xFFFFFFF8u);
}

static void test_header(void)
{
    unsigned char b[16];
    libxl__sr_hdr h;

    CHECK("encode_header/ok", libxl__sr_encode_header(b, 16, 0) == 16);
    CHECK("encode_header/wire", !memcmp(b, "LibxlFmt\0\0\0\x02\0\0\0\0", 16));
    CHECK("encode_header/no-space",
          libxl__sr_encode_header(b, 15, 0) == SR_E_NO_SPACE);
    CHECK("encode_header/unknown-option",
          libxl__sr_encode_header(b, 16, 4) == SR_E_INVALID_ARG);
    CHECK("encode_header/null", libxl__sr_encode_header(NULL, 16, 0) ==
                                SR_E_INVALID_ARG);
    CHECK("encode_header/legacy",
          libxl__sr_encode_header(b, 16, LIBXL_SR_OPT_LEGACY) == 16);
    reset();
    CHECK("decode_header/legacy-ok",
          libxl__sr_decode_header(b, 16, 0, &h, &err) == 16 &&
          h.version == 2 && h.options == LIBXL_SR_OPT_LEGACY);

    reset();
    CHECK("decode_header/truncated",
          libxl__sr_decode_header(b, 15, 100, &h, &err) == SR_E_TRUNCATED &&
          err.offset == 115 && err.record_index == -1);
    CHECK("decode_header/null", libxl__sr_decode_header(NULL, 16, 0, &h,
                                                       &err) ==
                                SR_E_INVALID_ARG);
    CHECK("decode_header/null-err-ok",
          libxl__sr_decode_header(b, 15, 0, &h, NULL) == SR_E_TRUNCATED);
    b[0] = 'l';
    reset();
    CHECK("decode_header/bad-ident",
          libxl__sr_decode_header(b, 16, 100, &h, &err) == SR_E_BAD_IDENT &&
          err.offset == 100);
    libxl__sr_encode_header(b, 16, 0);
    b[11] = 3;
    reset();
    CHECK("decode_header/bad-version",
          libxl__sr_decode_header(b, 16, 100, &h, &err) == SR_E_BAD_VERSION &&
          err.offset == 108 && contains(err.detail, "version 3"));
    b[11] = 2;
    b[15] = 1;
    reset();
    CHECK("decode_header/big-endian",
          libxl__sr_decode_header(b, 16, 0, &h, &err) == SR_E_BIG_ENDIAN &&
          err.offset == 12);
    b[15] = 0;
    b[12] = 0x80;
    reset();
    CHECK("decode_header/reserved-option",
          libxl__sr_decode_header(b, 16, 0, &h, &err) ==
          SR_E_RESERVED_OPTION && err.offset == 12);
}

static void test_rec_hdr(void)
{
    unsigned char b[8];
    libxl__sr_rec_hdr r;

    CHECK("encode_rec_hdr/ok", libxl__sr_encode_rec_hdr(b, 8, 3, 0x1234) == 8);
    CHECK("encode_rec_hdr/wire", !memcmp(b, "\3\0\0\0\x34\x12\0\0", 8));
    CHECK("encode_rec_hdr/no-space",
          libxl__sr_encode_rec_hdr(b, 7, 3, 1) == SR_E_NO_SPACE);
    CHECK("encode_rec_hdr/null",
          libxl__sr_encode_rec_hdr(NULL, 8, 3, 1) == SR_E_INVALID_ARG);
    CHECK("decode_rec_hdr/ok", libxl__sr_decode_rec_hdr(b, 8, &r) == 8 &&
                               r.type == 3 && r.length == 0x1234);
    CHECK("decode_rec_hdr/truncated",
          libxl__sr_decode_rec_hdr(b, 7, &r) == SR_E_TRUNCATED);
    CHECK("decode_rec_hdr/null",
          libxl__sr_decode_rec_hdr(NULL, 8, &r) == SR_E_INVALID_ARG);
}

static int check(uint32_t type, uint32_t len)
{
    libxl__sr_rec_hdr r = { type, len };

    reset();
    return libxl__sr_check_rec_hdr(&r, 4, 1000, &err);
}

static void test_check_rec_hdr(void)
{
    uint32_t l;
    int ok = 1;

    CHECK("check/end-ok", check(0, 0) == SR_OK);
    CHECK("check/end-with-body", check(0, 8) == SR_E_BAD_LENGTH &&
          err.offset == 1004 && err.record_index == 4 &&
          err.record_type == 0);
    CHECK("check/libxc-context-ok", check(1, 0) == SR_OK);
    CHECK("check/libxc-context-body", check(1, 1) == SR_E_BAD_LENGTH);
    CHECK("check/checkpoint-end-ok", check(4, 0) == SR_OK);
    CHECK("check/checkpoint-end-body", check(4, 4) == SR_E_BAD_LENGTH);
    CHECK("check/checkpoint-state-ok", check(5, 4) == SR_OK);
    CHECK("check/checkpoint-state-3", check(5, 3) == SR_E_BAD_LENGTH);
    CHECK("check/checkpoint-state-8", check(5, 8) == SR_E_BAD_LENGTH);
    CHECK("check/xenstore-ok", check(2, 8) == SR_OK);
    CHECK("check/xenstore-short", check(2, 7) == SR_E_BAD_LENGTH);
    CHECK("check/xenstore-cap", check(2, LIBXL_SR_MAX_XENSTORE_BODY) == SR_OK);
    CHECK("check/xenstore-over-cap",
          check(2, LIBXL_SR_MAX_XENSTORE_BODY + 1) == SR_E_TOO_LONG &&
          err.offset == 1004);
    CHECK("check/emulator-context-ok", check(3, 7608) == SR_OK);
    CHECK("check/emulator-context-short", check(3, 4) == SR_E_BAD_LENGTH);
    CHECK("check/emulator-context-over-cap",
          check(3, LIBXL_SR_MAX_EMULATOR_BODY + 1) == SR_E_TOO_LONG);
    for (l = 0xFFFFFFF9u; l != 0; l++)
        if (check(3, l) != SR_E_TOO_LONG || check(2, l) != SR_E_TOO_LONG ||
            check(0x80000000u, l) != SR_E_TOO_LONG)
            ok = 0;
    CHECK("check/wrapping-lengths-refused", ok);
    CHECK("check/optional-ok", check(0x80000000u, 100) == SR_OK);
    CHECK("check/optional-cap",
          check(0xffffffffu, LIBXL_SR_MAX_OPTIONAL_BODY) == SR_OK);
    CHECK("check/optional-over-cap",
          check(0x80000001u, LIBXL_SR_MAX_OPTIONAL_BODY + 1) ==
          SR_E_TOO_LONG);
    CHECK("check/unknown-mandatory-6", check(6, 0) == SR_E_UNKNOWN_TYPE &&
          err.offset == 1000 && err.record_type == 6);
    CHECK("check/unknown-mandatory-7fffffff",
          check(0x7fffffffu, 0) == SR_E_UNKNOWN_TYPE);
    reset();
    CHECK("check/null-rec",
          libxl__sr_check_rec_hdr(NULL, 0, 0, &err) == SR_E_INVALID_ARG);
}

static void test_padding(void)
{
    unsigned char pad[8] = { 0 };
    libxl__sr_rec_hdr r = { 2, 13 };

    reset();
    CHECK("padding/zeros-ok",
          libxl__sr_check_padding(pad, 3, &r, 1, 200, &err) == SR_OK);
    CHECK("padding/none-ok",
          libxl__sr_check_padding(NULL, 0, &r, 1, 200, &err) == SR_OK);
    pad[2] = 7;
    CHECK("padding/non-zero",
          libxl__sr_check_padding(pad, 3, &r, 1, 200, &err) ==
          SR_E_BAD_PADDING && err.offset == 202 && err.record_type == 2 &&
          err.record_index == 1);
    CHECK("padding/too-many",
          libxl__sr_check_padding(pad, 8, &r, 1, 200, &err) ==
          SR_E_INVALID_ARG);
    CHECK("padding/null-with-count",
          libxl__sr_check_padding(NULL, 2, &r, 1, 200, &err) ==
          SR_E_INVALID_ARG);
}

static void test_emu_hdr(void)
{
    unsigned char b[8];
    libxl__sr_rec_hdr r = { 3, 100 };
    libxl__sr_emulator_hdr e;

    CHECK("encode_emu_hdr/ok", libxl__sr_encode_emu_hdr(b, 8, 2, 1) == 8);
    CHECK("encode_emu_hdr/no-space",
          libxl__sr_encode_emu_hdr(b, 4, 2, 1) == SR_E_NO_SPACE);
    CHECK("encode_emu_hdr/null",
          libxl__sr_encode_emu_hdr(NULL, 8, 2, 1) == SR_E_INVALID_ARG);
    reset();
    CHECK("decode_emu_hdr/ok",
          libxl__sr_decode_emu_hdr(b, 8, &r, 2, 508, &e, &err) == 8 &&
          e.id == 2 && e.index == 1);
    libxl__sr_encode_emu_hdr(b, 8, 1, 0);
    CHECK("decode_emu_hdr/traditional",
          libxl__sr_decode_emu_hdr(b, 8, &r, 2, 508, &e, &err) == 8 &&
          e.id == 1);
    CHECK("decode_emu_hdr/truncated",
          libxl__sr_decode_emu_hdr(b, 6, &r, 2, 508, &e, &err) ==
          SR_E_TRUNCATED && err.offset == 514);
    libxl__sr_encode_emu_hdr(b, 8, 0, 0);
    reset();
    CHECK("decode_emu_hdr/unknown-0",
          libxl__sr_decode_emu_hdr(b, 8, &r, 2, 508, &e, &err) ==
          SR_E_BAD_EMULATOR && err.offset == 508 && err.record_type == 3);
    libxl__sr_encode_emu_hdr(b, 8, 3, 0);
    CHECK("decode_emu_hdr/reserved-3",
          libxl__sr_decode_emu_hdr(b, 8, &r, 2, 508, &e, &err) ==
          SR_E_BAD_EMULATOR);
    libxl__sr_encode_emu_hdr(b, 8, 0, 1);
    CHECK("decode_emu_hdr_opts/legacy-unknown-ok",
          libxl__sr_decode_emu_hdr_opts(b, 8, LIBXL_SR_OPT_LEGACY, &r, 2, 508,
                                       &e, &err) == 8 && e.id == 0 &&
          e.index == 1);
    CHECK("decode_emu_hdr_opts/plain-unknown-refused",
          libxl__sr_decode_emu_hdr_opts(b, 8, 0, &r, 2, 508, &e, &err) ==
          SR_E_BAD_EMULATOR);
    CHECK("decode_emu_hdr_opts/legacy-short",
          libxl__sr_decode_emu_hdr_opts(b, 4, LIBXL_SR_OPT_LEGACY, &r, 2, 508,
                                       &e, &err) == SR_E_TRUNCATED);
    libxl__sr_encode_emu_hdr(b, 8, 2, 0);
    CHECK("decode_emu_hdr_opts/legacy-known-id",
          libxl__sr_decode_emu_hdr_opts(b, 8, LIBXL_SR_OPT_LEGACY, &r, 2, 508,
                                       &e, &err) == 8 && e.id == 2);
    libxl__sr_encode_emu_hdr(b, 8, 5, 0);
    CHECK("decode_emu_hdr_opts/legacy-reserved-id-refused",
          libxl__sr_decode_emu_hdr_opts(b, 8, LIBXL_SR_OPT_LEGACY, &r, 2, 508,
                                       &e, &err) == SR_E_BAD_EMULATOR);
    CHECK("decode_emu_hdr/null",
          libxl__sr_decode_emu_hdr(NULL, 8, &r, 2, 508, &e, &err) ==
          SR_E_INVALID_ARG);
}

static void test_checkpoint_state(void)
{
    unsigned char b[4];
    uint32_t id;

    CHECK("encode_cp_state/ok",
          libxl__sr_encode_checkpoint_state(b, 4, CHECKPOINT_SVM_READY) == 4);
    CHECK("encode_cp_state/no-space",
          libxl__sr_encode_checkpoint_state(b, 3, 1) == SR_E_NO_SPACE);
    CHECK("encode_cp_state/null",
          libxl__sr_encode_checkpoint_state(NULL, 4, 1) == SR_E_INVALID_ARG);
    reset();
    CHECK("decode_cp_state/ok",
          libxl__sr_decode_checkpoint_state(b, 4, 1, 0, &id, &err) == 4 &&
          id == CHECKPOINT_SVM_READY);
    CHECK("decode_cp_state/short",
          libxl__sr_decode_checkpoint_state(b, 3, 1, 0, &id, &err) ==
          SR_E_TRUNCATED && err.record_type == 5);
    CHECK("decode_cp_state/long",
          libxl__sr_decode_checkpoint_state(b, 5, 1, 0, &id, &err) ==
          SR_E_BAD_LENGTH);
    CHECK("decode_cp_state/null",
          libxl__sr_decode_checkpoint_state(NULL, 4, 1, 0, &id, &err) ==
          SR_E_INVALID_ARG);
}

static void test_xs_rules(void)
{
    static char long_key[LIBXL_SR_MAX_XS_KEY + 2];
    static char long_val[LIBXL_SR_MAX_XS_VALUE + 2];

    CHECK("key_ok/plain", libxl__sr_xs_key_ok("physmap/1/name", 14));
    CHECK("key_ok/chars", libxl__sr_xs_key_ok("aZ09_@-/x", 9));
    CHECK("key_ok/empty", !libxl__sr_xs_key_ok("", 0));
    CHECK("key_ok/absolute", !libxl__sr_xs_key_ok("/a", 2));
    CHECK("key_ok/double-slash", !libxl__sr_xs_key_ok("a//b", 4));
    CHECK("key_ok/trailing-slash", !libxl__sr_xs_key_ok("a/", 2));
    CHECK("key_ok/space", !libxl__sr_xs_key_ok("a b", 3));
    CHECK("key_ok/dot", !libxl__sr_xs_key_ok("a.b", 3));
    CHECK("key_ok/null", !libxl__sr_xs_key_ok(NULL, 3));
    memset(long_key, 'k', sizeof(long_key) - 1);
    CHECK("key_ok/at-limit", libxl__sr_xs_key_ok(long_key,
                                                LIBXL_SR_MAX_XS_KEY));
    CHECK("key_ok/over-limit", !libxl__sr_xs_key_ok(long_key,
                                                   LIBXL_SR_MAX_XS_KEY + 1));
    CHECK("value_ok/empty", libxl__sr_xs_value_ok("", 0));
    CHECK("value_ok/printable", libxl__sr_xs_value_ok("a b~", 4));
    CHECK("value_ok/newline", !libxl__sr_xs_value_ok("a\n", 2));
    CHECK("value_ok/high-bit", !libxl__sr_xs_value_ok("\xc3\xa9", 2));
    memset(long_val, 'v', sizeof(long_val) - 1);
    CHECK("value_ok/at-limit",
          libxl__sr_xs_value_ok(long_val, LIBXL_SR_MAX_XS_VALUE));
    CHECK("value_ok/over-limit",
          !libxl__sr_xs_value_ok(long_val, LIBXL_SR_MAX_XS_VALUE + 1));
}

static void test_xs_append_iter(void)
{
    char buf[64];
    size_t used = 0;
    libxl__sr_xs_iter it;
    const char *k, *v;
    size_t kl, vl;

    CHECK("xs_append/first",
          libxl__sr_xs_append(buf, sizeof(buf), &used, "a/b", "1") == SR_OK &&
          used == 6);
    CHECK("xs_append/second",
          libxl__sr_xs_append(buf, sizeof(buf), &used, "c", "") == SR_OK &&
          used == 9);
    CHECK("xs_append/bad-key-unchanged",
          libxl__sr_xs_append(buf, sizeof(buf), &used, "/c", "x") ==
          SR_E_BAD_KEY && used == 9);
    CHECK("xs_append/bad-value-unchanged",
          libxl__sr_xs_append(buf, sizeof(buf), &used, "c", "\t") ==
          SR_E_BAD_VALUE && used == 9);
    CHECK("xs_append/no-space-unchanged",
          libxl__sr_xs_append(buf, 12, &used, "key", "value") ==
          SR_E_NO_SPACE && used == 9);
    CHECK("xs_append/null",
          libxl__sr_xs_append(buf, sizeof(buf), NULL, "a", "b") ==
          SR_E_INVALID_ARG);
    CHECK("xs_append/used-beyond-cap",
          libxl__sr_xs_append(buf, 4, &used, "a", "b") == SR_E_INVALID_ARG);

    libxl__sr_xs_iter_init(&it, buf, used, 2, 1000);
    reset();
    CHECK("xs_next/pair-1",
          libxl__sr_xs_next(&it, &k, &kl, &v, &vl, &err) == 1 &&
          kl == 3 && !memcmp(k, "a/b", 3) && vl == 1 && v[0] == '1');
    CHECK("xs_next/pair-2-empty-value",
          libxl__sr_xs_next(&it, &k, &kl, &v, &vl, &err) == 1 &&
          kl == 1 && vl == 0);
    CHECK("xs_next/end", libxl__sr_xs_next(&it, &k, &kl, &v, &vl, &err) == 0);
    CHECK("xs_next/null-args",
          libxl__sr_xs_next(&it, NULL, &kl, &v, &vl, &err) ==
          SR_E_INVALID_ARG);
    CHECK("xs_validate/count",
          libxl__sr_xs_validate(buf, used, 2, 1000, &err) == 2);
    CHECK("xs_validate/empty-body",
          libxl__sr_xs_validate(buf, 0, 2, 1000, &err) == 0);
    CHECK("xs_validate/null-body-with-len",
          libxl__sr_xs_validate(NULL, 3, 2, 1000, &err) == SR_E_INVALID_ARG);
}

static int xs_bad(const char *body, size_t len)
{
    reset();
    return libxl__sr_xs_validate(body, len, 7, 2000, &err);
}

static void test_xs_errors(void)
{
    static char big[LIBXL_SR_MAX_XS_KEY + LIBXL_SR_MAX_XS_VALUE + 8];

    CHECK("xs_err/absolute", xs_bad("/a\0b", 5) == SR_E_BAD_KEY &&
          err.offset == 2000 && err.record_index == 7 &&
          err.record_type == 2 && contains(err.detail, "absolute"));
    CHECK("xs_err/empty-key", xs_bad("\0b", 3) == SR_E_BAD_KEY &&
          contains(err.detail, "empty"));
    CHECK("xs_err/illegal-char", xs_bad("ab c\0v", 7) == SR_E_BAD_KEY &&
          err.offset == 2002);
    CHECK("xs_err/double-slash", xs_bad("a//b\0v", 7) == SR_E_BAD_KEY &&
          err.offset == 2002);
    CHECK("xs_err/trailing-slash", xs_bad("ab/\0v", 6) == SR_E_BAD_KEY);
    CHECK("xs_err/unterminated-key", xs_bad("abc", 3) == SR_E_UNTERMINATED &&
          err.offset == 2003);
    CHECK("xs_err/odd-strings", xs_bad("a\0b\0c", 6) == SR_E_ODD_STRINGS &&
          err.offset == 2006);
    CHECK("xs_err/unterminated-value",
          xs_bad("a\0bc", 4) == SR_E_UNTERMINATED && err.offset == 2004);
    CHECK("xs_err/bad-value", xs_bad("a\0b\x01\0", 5) == SR_E_BAD_VALUE &&
          err.offset == 2003);
    memset(big, 'k', LIBXL_SR_MAX_XS_KEY + 1);
    big[LIBXL_SR_MAX_XS_KEY + 1] = '\0';
    CHECK("xs_err/long-key", xs_bad(big, LIBXL_SR_MAX_XS_KEY + 2) ==
          SR_E_BAD_KEY && contains(err.detail, "longer"));
    memset(big, 0, sizeof(big));
    big[0] = 'k';
    memset(big + 2, 'v', LIBXL_SR_MAX_XS_VALUE + 1);
    CHECK("xs_err/long-value", xs_bad(big, LIBXL_SR_MAX_XS_VALUE + 4) ==
          SR_E_BAD_VALUE && contains(err.detail, "longer"));
    CHECK("xs_err/no-err-struct",
          libxl__sr_xs_validate("/a\0b", 5, 0, 0, NULL) == SR_E_BAD_KEY);
}

int main(void)
{
    test_names();
    test_format_error();
    test_sizes();
    test_header();
    test_rec_hdr();
    test_check_rec_hdr();
    test_padding();
    test_emu_hdr();
    test_checkpoint_state();
    test_xs_rules();
    test_xs_append_iter();
    test_xs_errors();
    return unit_failures ? 1 : 0;
}
