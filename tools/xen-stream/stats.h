/*
 * stats.h: what xen-stream remembers about a stream while walking it, for
 * `info` and for the one-line `verify` verdict.  Fixed size, whatever the
 * image.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_STATS_H
#define XEN_STREAM_STATS_H

#include <stdint.h>

#include "stream_walk.h"

#define STATS_LIBXL_TYPES  6
#define STATS_LIBXC_TYPES  19
#define STATS_HVM_CODES    21

typedef struct stream_stats {
    uint64_t libxl_records[STATS_LIBXL_TYPES];
    uint64_t libxl_optional;
    uint64_t libxc_records[STATS_LIBXC_TYPES];
    uint64_t libxc_optional;
    uint64_t hvm_entries[STATS_HVM_CODES];
    uint64_t hvm_params;
    uint32_t libxc_version, domain_type, xen_major, xen_minor;
    uint64_t xs_keys;
    uint64_t emulator_state_octets;
    int qevm;                      /* -1 unknown, 0 no, 1 yes */

    /*
     * Which pfns have gone into the stream with data, so that an
     * allocate-only entry for one of them can be counted: the receiver
     * keeps such a page's old contents (populating an existing pfn does
     * not clear it), which is wrong for a zero page left out.  The map
     * is the caller's (stats_track_pfns), of fixed size; pfns beyond it
     * are counted as untracked.
     */
    unsigned char *pfn_map;
    uint64_t pfn_map_bits;
    uint64_t alloc_only_after_data;
    uint64_t pfns_untracked;
} stream_stats;

void stats_init(stream_stats *s);
/* Track pfns below bits in map (bits / 8 octets, all zero). */
void stats_track_pfns(stream_stats *s, unsigned char *map, uint64_t bits);
void stats_event(stream_stats *s, const sw_event *ev);

#endif /* XEN_STREAM_STATS_H */
