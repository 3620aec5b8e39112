/*
 * cls_emit.c: the v2 side of the conversion.
 *
 * libxc's records (inside LIBXC_CONTEXT) are libxc's own format, framed the
 * same way as libxl's (type, length, body, zeros to a multiple of 8); the
 * libxl layer around them is encoded only by libxl_sr_codec.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <string.h>

#include "cls.h"
#include "libxl_sr_codec.h"

static const unsigned char zeros[8];

/*
 * libxc image header: marker (all ones), "XENF", version, options, and
 * reserved space; unlike everything after it, big-endian on the wire.  We
 * claim version 3 because we emit STATIC_DATA_END.
 */
#define XC2_IHDR_SIZE      24u
#define XC2_DHDR_SIZE      16u
#define XC2_VERSION        3u
#define XC2_PAGE_SHIFT     12u
/* The domain header carries the saving Xen's version.  A converted stream
 * has none; 0.1 is what converted streams have always said. */
#define XC2_CONVERTED_MAJOR 0u
#define XC2_CONVERTED_MINOR 1u

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

int cls_emit_xc_headers(cls_job *job)
{
    unsigned char h[XC2_IHDR_SIZE + XC2_DHDR_SIZE];

    memset(h, 0, sizeof(h));
    memset(h, 0xff, 8);
    memcpy(h + 8, "XENF", 4);
    be32(h + 12, XC2_VERSION);
    /* h[16..23]: options 0 (little-endian stream), reserved. */

    cls_le32(h + 24, job->hvm ? XC2_DOM_X86_HVM : XC2_DOM_X86_PV);
    cls_le16(h + 28, XC2_PAGE_SHIFT);
    cls_le32(h + 32, XC2_CONVERTED_MAJOR);
    cls_le32(h + 36, XC2_CONVERTED_MINOR);
    return cls_put(job, h, sizeof(h));
}

int cls_emit_rec_hdr(cls_job *job, uint32_t type, uint32_t body_len)
{
    unsigned char h[8];

    cls_le32(h, type);
    cls_le32(h + 4, body_len);
    return cls_put(job, h, sizeof(h));
}

int cls_emit_pad(cls_job *job, uint32_t body_len)
{
    unsigned pad = (8u - (body_len & 7u)) & 7u;

    return pad ? cls_put(job, zeros, pad) : 0;
}

int cls_emit_rec(cls_job *job, uint32_t type, const void *body, uint32_t len)
{
    if (cls_emit_rec_hdr(job, type, len))
        return -1;
    if (len && cls_put(job, body, len))
        return -1;
    return cls_emit_pad(job, len);
}

/* ---- libxl layer ---- */

static int codec_failed(cls_job *job, int rc, const char *what)
{
    return cls_fail_at(job, CLS_BAD_INPUT, job->in->offset,
                       "cannot encode %s: %s", what, libxl__sr_strerror(rc));
}

int cls_emit_xl_header(cls_job *job)
{
    unsigned char h[LIBXL_SR_HEADER_SIZE];
    int rc = libxl__sr_encode_header(h, sizeof(h), LIBXL_SR_OPT_LEGACY);

    if (rc < 0)
        return codec_failed(job, rc, "libxl header");
    return cls_put(job, h, (size_t)rc);
}

int cls_emit_xl_rec_hdr(cls_job *job, uint32_t type, uint32_t body_len)
{
    unsigned char h[LIBXL_SR_REC_HDR_SIZE];
    int rc = libxl__sr_encode_rec_hdr(h, sizeof(h), type, body_len);

    if (rc < 0)
        return codec_failed(job, rc, "libxl record header");
    return cls_put(job, h, (size_t)rc);
}

int cls_emit_xl_pad(cls_job *job, uint32_t body_len)
{
    unsigned pad = libxl__sr_padding(body_len);

    return pad ? cls_put(job, zeros, pad) : 0;
}

/*
 * Header and emulator sub-header of an emulator record whose payload (after
 * the sub-header) is payload_len octets.  A legacy stream does not say which
 * device model wrote it, so the id is "unknown", as in every converted
 * stream libxl has ever read.
 */
int cls_emit_xl_emu_hdr(cls_job *job, uint32_t type, uint32_t payload_len)
{
    unsigned char h[LIBXL_SR_EMU_HDR_SIZE];
    int rc;

    if (payload_len > UINT32_MAX - LIBXL_SR_EMU_HDR_SIZE)
        return cls_fail_at(job, CLS_BAD_INPUT, job->in->offset,
                           "emulator payload of %u octets does not fit a "
                           "record", payload_len);
    if (cls_emit_xl_rec_hdr(job, type, payload_len + LIBXL_SR_EMU_HDR_SIZE))
        return -1;
    rc = libxl__sr_encode_emu_hdr(h, sizeof(h), LIBXL_SR_EMULATOR_UNKNOWN, 0);
    if (rc < 0)
        return codec_failed(job, rc, "emulator sub-header");
    return cls_put(job, h, (size_t)rc);
}
