/*
 * stats.c: count records by kind as the walker reports them.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <string.h>

#include "stats.h"

void stats_init(stream_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->qevm = -1;
}

void stats_track_pfns(stream_stats *s, unsigned char *map, uint64_t bits)
{
    s->pfn_map = map;
    s->pfn_map_bits = bits;
}

static void page_entry(stream_stats *s, uint64_t pfn, unsigned type,
                       bool has_data)
{
    unsigned char *byte, bit;

    if (!s->pfn_map)
        return;
    if (pfn >= s->pfn_map_bits) {
        s->pfns_untracked++;
        return;
    }
    byte = &s->pfn_map[pfn / 8];
    bit = (unsigned char)(1u << (pfn % 8));
    if (has_data)
        *byte |= bit;
    else if (type == XCW_PFN_TYPE_XALLOC && (*byte & bit))
        s->alloc_only_after_data++;
}

static void libxc_event(stream_stats *s, const xcw_event *x)
{
    switch (x->kind) {
    case XCW_EV_IMAGE_HEADER:
        s->libxc_version = x->u.image.version;
        break;
    case XCW_EV_DOMAIN_HEADER:
        s->domain_type = x->u.domain.type;
        s->xen_major = x->u.domain.xen_major;
        s->xen_minor = x->u.domain.xen_minor;
        break;
    case XCW_EV_RECORD:
        if (x->u.record->type < STATS_LIBXC_TYPES)
            s->libxc_records[x->u.record->type]++;
        else
            s->libxc_optional++;
        break;
    case XCW_EV_HVM_ENTRY:
        if (x->u.hvm.typecode < STATS_HVM_CODES)
            s->hvm_entries[x->u.hvm.typecode]++;
        break;
    case XCW_EV_HVM_PARAM:
        s->hvm_params++;
        break;
    case XCW_EV_PAGE_ENTRY:
        page_entry(s, x->u.page.pfn, x->u.page.type, x->u.page.has_data);
        break;
    case XCW_EV_RECORD_BEGIN:
        break;
    }
}

void stats_event(stream_stats *s, const sw_event *ev)
{
    const sw_record *r;

    switch (ev->kind) {
    case SW_EV_RECORD:
        r = ev->u.rec;
        if (r->type < STATS_LIBXL_TYPES)
            s->libxl_records[r->type]++;
        else
            s->libxl_optional++;
        if (r->type == LIBXL_SR_REC_EMULATOR_CONTEXT) {
            s->emulator_state_octets += r->length - LIBXL_SR_EMU_HDR_SIZE;
            s->qevm = r->qevm;
        }
        break;
    case SW_EV_XS_PAIR:
        s->xs_keys++;
        break;
    case SW_EV_LIBXC:
        libxc_event(s, ev->u.libxc);
        break;
    default:
        break;
    }
}
