/*
 * input_kind.c: recognise inputs that are not Xen images by their magic.
 *
 * Only formats with a fixed, distinctive start are named: a legacy image
 * starts with a small binary number (the p2m size), so none of these can
 * be mistaken for one.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <string.h>

#include "input_kind.h"
#include "libxl_sr_codec.h"

/* Record types and sizes of a COLO back channel (libxl and libxc). */
#define BC_LIBXL_CHECKPOINT_STATE  0x00000005u
#define BC_LIBXC_DIRTY_PFN_LIST    0x0000000fu
#define BC_STATE_BODY              4u
#define BC_MAX_DIRTY_LIST          (64u << 20)


struct magic {
    const char *bytes;
    size_t len;
    const char *what;
};

static const struct magic magics[] = {
    { "\x1f\x8b", 2,
      "compressed data (gzip), not a Xen image: decompress it first "
      "(zcat)" },
    { "\x28\xb5\x2f\xfd", 4,
      "compressed data (zstd), not a Xen image: decompress it first "
      "(zstdcat)" },
    { "\xfd" "7zXZ\0", 6,
      "compressed data (xz), not a Xen image: decompress it first "
      "(xzcat)" },
    { "\x04\x22\x4d\x18", 4,
      "compressed data (lz4), not a Xen image: decompress it first "
      "(lz4cat)" },
    { "\x89LZO\0", 5,
      "compressed data (lzop), not a Xen image: decompress it first" },
    { "\x7f" "ELF", 4,
      "an ELF file (a kernel, a program or `xl dump-core` output), not a "
      "Xen saved domain" },
    { "LibvirtQemudSave", 16,
      "a libvirt save image of a QEMU/KVM guest (\"LibvirtQemudSave\" "
      "header), not a Xen image" },
    { "LibvirtQemudPart", 16,
      "a partly written libvirt save image of a QEMU/KVM guest "
      "(\"LibvirtQemudPart\" header), not a Xen image" },
    { "libvirt-xml\n \0 \r", 16,
      "a libvirt save image (libxl driver): `xen-stream convert --to "
      "libxl` extracts the libxl stream behind libvirt's header" },
    { "QEVM", 4,
      "QEMU's device state on its own (a QEMU migration stream, what "
      "EMULATOR_CONTEXT carries), not a whole Xen image" },
};

static unsigned le32(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 |
           (unsigned)p[3] << 24;
}

/* Magic strings longer than what was read must match as far as it goes,
 * but at least 8 octets of them (or all of a shorter one). */
static bool magic_matches(const struct magic *m, const unsigned char *p,
                          size_t len)
{
    size_t n = m->len < len ? m->len : len;

    if (n < m->len && n < XS_KIND_PEEK)
        return false;
    return !memcmp(p, m->bytes, n);
}

static bool bzip2_magic(const unsigned char *p, size_t len)
{
    return len >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9';
}

/* The first octets are printable ASCII or common whitespace: a
 * configuration file, a README, an error page saved in place of an image.
 * Only XS_KIND_PEEK octets count, so every caller gets the same answer. */
static bool looks_like_text(const unsigned char *p, size_t len)
{
    size_t i;

    if (len < XS_KIND_PEEK)
        return false;
    for (i = 0; i < XS_KIND_PEEK; i++)
        if (!(p[i] >= 0x20 && p[i] < 0x7f) && p[i] != '\n' &&
            p[i] != '\r' && p[i] != '\t')
            return false;
    return true;
}

bool xs_colo_back_channel(const unsigned char *p, size_t len)
{
    unsigned type, length;

    if (len < 8)
        return false;
    type = le32(p);
    length = le32(p + 4);
    if (type == BC_LIBXL_CHECKPOINT_STATE)
        return length == BC_STATE_BODY;
    /* Not empty: a 64-bit legacy image of 15 pages would start the same. */
    if (type == BC_LIBXC_DIRTY_PFN_LIST)
        return length && length % 8 == 0 && length <= BC_MAX_DIRTY_LIST;
    return false;
}

const char *xs_foreign_input(const unsigned char *p, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (magic_matches(&magics[i], p, len))
            return magics[i].what;
    if (bzip2_magic(p, len))
        return "compressed data (bzip2), not a Xen image: decompress it "
               "first (bzcat)";
    if (xs_colo_back_channel(p, len))
        return "a COLO back channel (secondary to primary: "
               "CHECKPOINT_STATE records, no stream header), not a saved "
               "domain";
    if (looks_like_text(p, len))
        return "text, not a Xen image (a domain configuration or a log "
               "saved in its place?)";
    return NULL;
}

bool xs_xl_magic_start(const unsigned char *p, size_t len)
{
    return len >= XS_KIND_PEEK && libxl__sr_is_xl_magic(p, len);
}

const char *xs_v2_container(const unsigned char *p, size_t len)
{
    if (len >= 8 && !memcmp(p, "LibxlFmt", 8))
        return "a libxl stream";
    if (len >= 8 && !memcmp(p, "\xff\xff\xff\xff\xff\xff\xff\xff", 8))
        return "a bare libxc stream";
    if (len >= LIBXL_SR_XL_HEADER_SIZE &&
        libxl__sr_is_xl_magic(p, LIBXL_SR_XL_MAGIC_SIZE) &&
        (le32(p + 36) & LIBXL_SR_XL_FLAG_STREAMV2))
        return "an xl save file";
    return NULL;
}
