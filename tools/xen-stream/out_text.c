/*
 * out_text.c: human-readable dump lines and summaries.
 *
 * Every line of a dump starts with the absolute offset, so that a reader
 * can go straight to the octets with a hex viewer.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <inttypes.h>
#include <stdio.h>

#include "output.h"

const char *xs_type_label(uint32_t type, char *buf, size_t len)
{
    return libxl__sr_type_describe(type, buf, len);
}

const char *xs_libxc_type_label(uint32_t type, char *buf, size_t len)
{
    const char *name = xcw_type_name(type);

    if (name)
        snprintf(buf, len, "%s", name);
    else if (type & XCW_REC_OPTIONAL_BIT)
        snprintf(buf, len, "OPTIONAL(0x%08x)", type);
    else
        snprintf(buf, len, "UNKNOWN(0x%x)", type);
    return buf;
}

static void libxc_record_line(FILE *f, const xcw_record *r)
{
    char name[40];

    fprintf(f, "@%010" PRIu64 "     libxc record %" PRIu64 " %s length %u",
            r->offset, r->index, xs_libxc_type_label(r->type, name,
                                                     sizeof(name)),
            r->length);
    switch (r->type) {
    case XCW_REC_PAGE_DATA:
        fprintf(f, ": %u pfns (0x%x..0x%x), %u with data", r->count,
                r->first, r->last, r->data_pages);
        if (r->alloc_only)
            fprintf(f, ", %u allocate-only (XALLOC, no data)",
                    r->alloc_only);
        break;
    case XCW_REC_X86_PV_INFO:
        fprintf(f, ": guest width %u, %u page-table levels",
                r->guest_width, r->pt_levels);
        break;
    case XCW_REC_X86_PV_P2M_FRAMES:
        fprintf(f, ": pfns 0x%x..0x%x in %u frames", r->first, r->last,
                r->count);
        break;
    case XCW_REC_X86_PV_VCPU_BASIC:
    case XCW_REC_X86_PV_VCPU_EXTENDED:
    case XCW_REC_X86_PV_VCPU_XSAVE:
    case XCW_REC_X86_PV_VCPU_MSRS:
        fprintf(f, ": vcpu %u", r->vcpu_id);
        if (r->empty)
            fprintf(f, ", empty (header only, no context: restore skips "
                    "it)");
        break;
    case XCW_REC_X86_TSC_INFO:
        fprintf(f, ": mode %u, %u kHz, %" PRIu64 " ns", r->tsc_mode,
                r->tsc_khz, r->tsc_nsec);
        break;
    case XCW_REC_HVM_CONTEXT:
        fprintf(f, ": HVM save records follow");
        break;
    case XCW_REC_HVM_PARAMS:
        fprintf(f, ": params follow");
        break;
    case XCW_REC_CHECKPOINT_DIRTY_PFN_LIST:
        fprintf(f, ": %u pfns", r->count);
        break;
    case XCW_REC_X86_CPUID_POLICY:
    case XCW_REC_X86_MSR_POLICY:
        fprintf(f, ": %u entries", r->count);
        break;
    default:
        if (r->type & XCW_REC_OPTIONAL_BIT)
            fprintf(f, ": optional, skipped");
        break;
    }
    fputc('\n', f);
}

static void libxc_event_line(FILE *f, const xcw_event *x)
{
    const char *name;

    switch (x->kind) {
    case XCW_EV_IMAGE_HEADER:
        fprintf(f, "@%010" PRIu64 "     libxc image header: version %u, "
                "options 0x%04x\n", x->offset, x->u.image.version,
                x->u.image.options);
        break;
    case XCW_EV_DOMAIN_HEADER:
        fprintf(f, "@%010" PRIu64 "     libxc domain header: %s, page shift "
                "%u, saved by Xen %u.%u\n", x->offset,
                xcw_domain_type_name(x->u.domain.type),
                x->u.domain.page_shift, x->u.domain.xen_major,
                x->u.domain.xen_minor);
        break;
    case XCW_EV_RECORD_BEGIN:
        /* Records with lines of their own inside are announced first, so
         * that a dump reads in offset order. */
        if (x->u.record->type == XCW_REC_HVM_CONTEXT ||
            x->u.record->type == XCW_REC_HVM_PARAMS)
            libxc_record_line(f, x->u.record);
        break;
    case XCW_EV_RECORD:
        if (x->u.record->type != XCW_REC_HVM_CONTEXT &&
            x->u.record->type != XCW_REC_HVM_PARAMS)
            libxc_record_line(f, x->u.record);
        break;
    case XCW_EV_HVM_ENTRY:
        name = xcw_hvm_code_name(x->u.hvm.typecode);
        fprintf(f, "@%010" PRIu64 "         HVM save record %s (%u) "
                "instance %u length %u\n", x->offset, name ? name : "?",
                x->u.hvm.typecode, x->u.hvm.instance, x->u.hvm.length);
        break;
    case XCW_EV_PAGE_ENTRY:
        break;   /* summed up in the PAGE_DATA line */
    case XCW_EV_HVM_PARAM:
        name = xcw_hvm_param_name(x->u.param.index);
        fprintf(f, "@%010" PRIu64 "         HVM param %s (%" PRIu64 ") = "
                "0x%" PRIx64 "\n", x->offset, name ? name : "?",
                x->u.param.index, x->u.param.value);
        break;
    }
}

/* COLO's checkpoint states, as " (NAME)" for a dump line. */
static const char *checkpoint_state_name(uint32_t id)
{
    switch (id) {
    case CHECKPOINT_NEW:           return " (NEW)";
    case CHECKPOINT_SVM_SUSPENDED: return " (SVM_SUSPENDED)";
    case CHECKPOINT_SVM_READY:     return " (SVM_READY)";
    case CHECKPOINT_SVM_RESUMED:   return " (SVM_RESUMED)";
    default:                       return "";
    }
}

void text_event(FILE *f, const sw_event *ev)
{
    const sw_record *r;
    const char *emu;
    char name[40];

    switch (ev->kind) {
    case SW_EV_XL_HEADER:
        fprintf(f, "@%010" PRIu64 " xl save header: mandatory flags 0x%x%s%s,"
                " optional flags 0x%x, %u octets of optional data\n",
                ev->offset, ev->u.xl.mandatory_flags,
                ev->u.xl.mandatory_flags & SW_XL_FLAG_JSON ? " JSON" : "",
                ev->u.xl.mandatory_flags & SW_XL_FLAG_STREAMV2 ?
                " STREAMv2" : "", ev->u.xl.optional_flags,
                ev->u.xl.optional_len);
        break;
    case SW_EV_XL_CONFIG:
        fprintf(f, "@%010" PRIu64 " xl domain config: %zu octets%s\n",
                ev->offset, ev->u.config.total,
                ev->u.config.shown < ev->u.config.total ? " (cut)" : "");
        fprintf(f, "%.*s\n", (int)ev->u.config.shown, ev->u.config.text);
        break;
    case SW_EV_LV_HEADER:
        fprintf(f, "@%010" PRIu64 " libvirt save header: version %u, domain"
                " XML %u octets\n", ev->offset, ev->u.lv.version,
                ev->u.lv.xml_len);
        break;
    case SW_EV_LV_XML:
        fprintf(f, "@%010" PRIu64 " libvirt domain XML: %zu octets%s\n",
                ev->offset, ev->u.config.total,
                ev->u.config.shown + 1 < ev->u.config.total ? " (cut)" : "");
        fprintf(f, "%.*s\n", (int)ev->u.config.shown, ev->u.config.text);
        break;
    case SW_EV_LIBXL_HEADER:
        fprintf(f, "@%010" PRIu64 " libxl header: version %u, options 0x%x%s"
                "\n", ev->offset, ev->u.libxl_hdr.version,
                ev->u.libxl_hdr.options,
                ev->u.libxl_hdr.options & LIBXL_SR_OPT_LEGACY ?
                " (converted from a legacy image)" : "");
        break;
    case SW_EV_RECORD:
        r = ev->u.rec;
        fprintf(f, "@%010" PRIu64 " libxl record %" PRId64 " %s length %u",
                r->offset, r->index, xs_type_label(r->type, name,
                                                   sizeof(name)),
                r->length);
        if (r->has_emu) {
            emu = libxl__sr_emulator_name(r->emu.id);
            fprintf(f, ": emulator %s index %u", emu ? emu : "?",
                    r->emu.index);
        }
        if (r->type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA)
            fprintf(f, ", %u keys", r->xs_pairs);
        if (r->type == LIBXL_SR_REC_EMULATOR_CONTEXT)
            fprintf(f, ", %u octets of state%s", r->length -
                    LIBXL_SR_EMU_HDR_SIZE, r->qevm ? ", starts with QEVM" :
                    ", no QEVM magic");
        if (r->type == LIBXL_SR_REC_CHECKPOINT_STATE)
            fprintf(f, ": state %u%s", r->state_id,
                    checkpoint_state_name(r->state_id));
        if (r->type & LIBXL_SR_REC_OPTIONAL_BIT)
            fprintf(f, ": optional, skipped");
        fputc('\n', f);
        break;
    case SW_EV_XS_PAIR:
        fprintf(f, "@%010" PRIu64 "     %.*s = \"%.*s\"\n", ev->offset,
                (int)ev->u.pair.key_len, ev->u.pair.key,
                (int)ev->u.pair.value_len, ev->u.pair.value);
        break;
    case SW_EV_LIBXC:
        libxc_event_line(f, ev->u.libxc);
        break;
    }
}

static void info_text(FILE *f, const xs_result *res)
{
    const stream_walk *w = res->walk;
    const stream_stats *s = res->stats;
    char name[40];
    unsigned i;

    const xs_input *in = res->input;
    bool xl_zstd = in && in->kind == XI_XL_ZSTD;

    fprintf(f, "file:             %s\n", res->path);
    fprintf(f, "size:             %" PRIu64 " octets%s\n", w->offset,
            in && in->kind != XI_PLAIN ? " (uncompressed)" : "");
    if (in && in->kind != XI_PLAIN)
        fprintf(f, "compression:      %s, %" PRIu64 " compressed octets of"
                " %" PRIu64 " read (%.1f%% of the uncompressed size)\n",
                xs_input_kind_name(in->kind), in->compressed_octets,
                in->raw_octets, w->offset ?
                100.0 * in->raw_octets / w->offset : 0.0);
    if (w->bare_libxc)
        fprintf(f, "container:        bare libxc stream\n");
    else if (w->xl_header)
        fprintf(f, "container:        xl save file (mandatory flags 0x%x, "
                "config %" PRIu64 " octets)\n",
                w->xl_mandatory | (xl_zstd ? XL_ZSTD_MANDATORY_FLAG : 0),
                w->config_len);
    else if (w->libvirt)
        fprintf(f, "container:        libvirt save image (version %u, "
                "domain XML %" PRIu64 " octets)\n", w->lv_version,
                w->config_len);
    else
        fprintf(f, "container:        bare libxl stream\n");
    if (res->guest_name && res->guest_name[0])
        fprintf(f, "guest:            %s\n", res->guest_name);
    if (!w->bare_libxc)
        fprintf(f, "libxl stream:     version %u, options 0x%x%s\n",
                w->hdr.version, w->hdr.options,
                w->hdr.options & LIBXL_SR_OPT_LEGACY ? " (legacy-converted)"
                                                     : "");
    if (s->libxc_version)
        fprintf(f, "libxc stream:     version %u, %s, saved by Xen %u.%u, "
                "%" PRIu64 " octets\n", s->libxc_version,
                xcw_domain_type_name(s->domain_type) ?
                xcw_domain_type_name(s->domain_type) : "?",
                s->xen_major, s->xen_minor, w->libxc_octets);
    fprintf(f, "memory:           %" PRIu64 " pages (%" PRIu64 " MiB)\n",
            w->xc.pages, w->xc.pages * 4096 >> 20);
    if (s->libxc_version)
        fprintf(f, "allocate-only:    %" PRIu64 " pages without data "
                "(XALLOC; %" PRIu64 " octets left out)\n",
                w->xc.alloc_only_pages,
                w->xc.alloc_only_pages * XCW_PAGE_SIZE);
    if (s->libxc_version)
        fprintf(f, "allocate-only after data: %" PRIu64 " entries for pfns "
                "already sent with data%s\n", s->alloc_only_after_data,
                s->pfns_untracked ? "; some pfns beyond the tracked range" :
                                    "");
    fprintf(f, "checkpoints:      %" PRIu64 "%s%s\n", w->fr.checkpoints,
            w->ended_at_checkpoint ? " complete (no END: a failover "
            "restores the last one)" : "",
            libxl__sr_framer_past_last_checkpoint(&w->fr) ?
            " (libxc's END after the last: a restore keeps it, nothing "
            "after it is applied)" : "");
    if (w->fr.colo)
        fprintf(f, "COLO:             a CHECKPOINT_STATE after every "
                "CHECKPOINT_END\n");
    if (w->incomplete_octets)
        fprintf(f, "incomplete:       %" PRIu64 " octets of checkpoint %"
                PRIu64 " after the last complete one\n",
                w->incomplete_octets, w->fr.checkpoints + 1);
    for (i = 0; i < STATS_LIBXL_TYPES; i++)
        if (s->libxl_records[i])
            fprintf(f, "libxl %-22s %" PRIu64 "\n",
                    xs_type_label(i, name, sizeof(name)),
                    s->libxl_records[i]);
    if (s->libxl_optional)
        fprintf(f, "libxl optional records: %" PRIu64 " (skipped)\n",
                s->libxl_optional);
    for (i = 0; i < STATS_LIBXC_TYPES; i++)
        if (s->libxc_records[i])
            fprintf(f, "libxc %-26s %" PRIu64 "\n",
                    xs_libxc_type_label(i, name, sizeof(name)),
                    s->libxc_records[i]);
    if (s->libxc_optional)
        fprintf(f, "libxc optional records: %" PRIu64 " (skipped)\n",
                s->libxc_optional);
    if (s->xs_keys)
        fprintf(f, "emulator xenstore keys: %" PRIu64 "\n", s->xs_keys);
    if (s->qevm >= 0)
        fprintf(f, "emulator state:   %" PRIu64 " octets%s\n",
                s->emulator_state_octets,
                s->qevm ? " (QEMU, starts with QEVM)" : "");
    if (w->trailing)
        fprintf(f, "trailing data:    %" PRIu64 " octets after END "
                "(xl migration handshake in a captured live stream)\n",
                w->trailing);
}

/* What was cut off after the last complete checkpoint, if anything. */
static void incomplete_tail(FILE *f, const stream_walk *w)
{
    char where[512];

    if (!w->incomplete_octets) {
        fprintf(f, ", the stream stops right after the last");
        return;
    }
    fprintf(f, ", then an incomplete checkpoint %" PRIu64 " (%" PRIu64
            " octets, cut ", w->fr.checkpoints + 1, w->incomplete_octets);
    if (w->incomplete_cut)
        fprintf(f, "here: %s)", sw_format_error(w, where, sizeof(where)));
    else
        fprintf(f, "between records)");
}

/*
 * A Remus/COLO stream without END: valid when at least one checkpoint is
 * complete, because that is what a failover restores (see sw_finish).
 */
static void checkpointed_verdict(FILE *f, const xs_result *res)
{
    const stream_walk *w = res->walk;

    fprintf(f, "%s: valid checkpointed stream (%" PRIu64 " octets, %"
            PRIu64 " libxl records, %" PRIu64 " libxc records, %" PRIu64
            " pages): %" PRIu64 " complete checkpoint%s", res->path,
            w->offset, w->fr.records, w->xc.records, w->xc.pages,
            w->fr.checkpoints, w->fr.checkpoints == 1 ? "" : "s");
    incomplete_tail(f, w);
    fprintf(f, "; a failover restores checkpoint %" PRIu64 "\n",
            w->fr.checkpoints);
}

void text_result(FILE *f, enum xs_command cmd, const xs_result *res)
{
    const stream_walk *w = res->walk;

    if (res->rc < 0) {
        fprintf(stderr, "xen-stream: %s: invalid: %s\n", res->path,
                res->error);
        if (w->legacy)
            fprintf(stderr, "xen-stream: %s: convert it with "
                    "convert-legacy-stream first\n", res->path);
        return;
    }
    if (res->stats->alloc_only_after_data && cmd == CMD_VERIFY)
        fprintf(stderr, "xen-stream: %s: warning: %" PRIu64 " allocate-only "
                "entries for pfns sent with data earlier in the stream (a "
                "receiver keeps their old contents)\n", res->path,
                res->stats->alloc_only_after_data);
    if (w->trailing && cmd == CMD_VERIFY)
        fprintf(stderr, "xen-stream: %s: warning: %" PRIu64 " octets of "
                "trailing data after END (xl migration handshake?)\n",
                res->path, w->trailing);
    if (cmd == CMD_INFO) {
        info_text(f, res);
        return;
    }
    if (w->fr.checkpointed && !w->fr.end_seen && !w->bare_libxc) {
        checkpointed_verdict(f, res);
        return;
    }
    fprintf(f, "%s: valid (%" PRIu64 " octets, %" PRIu64 " libxl records, "
            "%" PRIu64 " libxc records, %" PRIu64 " pages, %" PRIu64
            " allocate-only, %" PRIu64 " checkpoints%s%s", res->path,
            w->offset, w->fr.records, w->xc.records, w->xc.pages,
            w->xc.alloc_only_pages, w->fr.checkpoints,
            w->ended_at_checkpoint ? ", ends after a checkpoint" : "",
            w->trailing ? ", trailing data" : "");
    /* libxc's END after a checkpoint: see the framer's failover rule. */
    if (libxl__sr_framer_past_last_checkpoint(&w->fr))
        fprintf(f, "; a restore keeps checkpoint %" PRIu64 ", nothing "
                "after it is applied", w->fr.checkpoints);
    fprintf(f, ")\n");
}
