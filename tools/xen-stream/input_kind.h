/*
 * input_kind.h: say what an input is when it is not something the stream
 * tools read, from its first octets, so that a user handed the wrong file
 * hears what it is and what to do (decompress it, skip libvirt's header,
 * it is already v2) instead of a parse error deep inside it.
 *
 * Shared by xen-stream's walker and convert-legacy-stream.  No I/O, no
 * allocation: the caller passes the octets it has already read.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_INPUT_KIND_H
#define XEN_STREAM_INPUT_KIND_H

#include <stdbool.h>
#include <stddef.h>

/* Octets the identification looks at; fewer may be passed. */
#define XS_KIND_PEEK  8u

/*
 * One line naming what the input is and what to do about it, for an input
 * that is neither a Xen migration-v2 stream (in any container) nor a
 * legacy image: compressed data, an ELF file, a libvirt save image, QEMU's
 * own state, a COLO back channel, text.  NULL when nothing is recognised,
 * which leaves "legacy image" as the likely answer.  The text fits the
 * codec's 160-octet error detail.
 */
const char *xs_foreign_input(const unsigned char *p, size_t len);

/* The input starts like a COLO back channel (records from the secondary
 * to the primary: CHECKPOINT_STATE, libxc's dirty pfn lists; no header). */
bool xs_colo_back_channel(const unsigned char *p, size_t len);

/*
 * The container of a migration-v2 stream starting at p ("an xl save file",
 * "a libxl stream", "a bare libxc stream"), or NULL.  For an xl save file
 * the STREAMv2 flag decides, so a whole 48-octet xl header is needed; with
 * fewer octets an xl magic gives NULL.
 */
const char *xs_v2_container(const unsigned char *p, size_t len);

/* True when p starts with xl's save-file magic (8 octets suffice). */
bool xs_xl_magic_start(const unsigned char *p, size_t len);

#endif /* XEN_STREAM_INPUT_KIND_H */
