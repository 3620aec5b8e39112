/*
 * out_json.c: the same facts as out_text.c, as JSON through libyajl.
 *
 * The generator's buffer is flushed after every event, so a dump of a
 * multi-GiB image never holds more than one event's text.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "output.h"

typedef struct json_ctx {
    yajl_gen g;
    FILE *f;
    enum xs_command cmd;
} json_ctx;

static void flush(json_ctx *j)
{
    const unsigned char *buf;
    size_t len;

    if (yajl_gen_get_buf(j->g, &buf, &len) == yajl_gen_status_ok && len) {
        fwrite(buf, 1, len, j->f);
        yajl_gen_clear(j->g);
    }
}

static void str(json_ctx *j, const char *s)
{
    yajl_gen_string(j->g, (const unsigned char *)s, strlen(s));
}

static void strn(json_ctx *j, const char *s, size_t n)
{
    yajl_gen_string(j->g, (const unsigned char *)s, n);
}

static void kv_str(json_ctx *j, const char *k, const char *v)
{
    str(j, k);
    if (v)
        str(j, v);
    else
        yajl_gen_null(j->g);
}

static void kv_int(json_ctx *j, const char *k, uint64_t v)
{
    str(j, k);
    yajl_gen_integer(j->g, (long long)v);
}

static void kv_bool(json_ctx *j, const char *k, bool v)
{
    str(j, k);
    yajl_gen_bool(j->g, v);
}

/* One string under c_info in xl's JSON config, or "". */
static void config_c_info(const char *json, const char *key, char *out,
                          size_t len)
{
    const char *path[] = { "c_info", key, NULL };
    yajl_val tree, val;

    if (!len)
        return;
    out[0] = '\0';
    tree = yajl_tree_parse(json, NULL, 0);
    if (!tree)
        return;
    val = yajl_tree_get(tree, path, yajl_t_string);
    if (val)
        snprintf(out, len, "%s", YAJL_GET_STRING(val));
    yajl_tree_free(tree);
}

void config_guest_name(const char *json, char *out, size_t len)
{
    config_c_info(json, "name", out, len);
}

/*
 * The <name> element of libvirt's domain XML: the first one, which is the
 * domain's (a device's names come later).  Plain text search, no XML
 * parser: it only labels the output.
 */
void xml_guest_name(const char *xml, char *out, size_t len)
{
    const char *a = strstr(xml, "<name>"), *b;

    out[0] = '\0';
    if (!a)
        return;
    a += strlen("<name>");
    b = strstr(a, "</name>");
    if (b && (size_t)(b - a) < len)
        snprintf(out, len, "%.*s", (int)(b - a), a);
}

void config_guest_type(const char *json, char *out, size_t len)
{
    config_c_info(json, "type", out, len);
}

void *json_begin(FILE *f, enum xs_command cmd)
{
    json_ctx *j = calloc(1, sizeof(*j));

    if (!j)
        return NULL;
    j->g = yajl_gen_alloc(NULL);
    if (!j->g) {
        free(j);
        return NULL;
    }
    yajl_gen_config(j->g, yajl_gen_beautify, 1);
    j->f = f;
    j->cmd = cmd;
    yajl_gen_map_open(j->g);
    if (cmd == CMD_DUMP) {
        str(j, "events");
        yajl_gen_array_open(j->g);
    }
    flush(j);
    return j;
}

/* An xl config or libvirt XML event: its text as far as it was shown, and
 * whether it was cut (unshown octets beyond `hidden' ones, e.g. a NUL). */
static void text_block(json_ctx *j, const char *layer, const char *kind,
                       const sw_event *ev, uint64_t hidden)
{
    kv_str(j, "layer", layer);
    kv_str(j, "kind", kind);
    kv_int(j, "offset", ev->offset);
    kv_int(j, "length", ev->u.config.total);
    str(j, "text");
    strn(j, ev->u.config.text, ev->u.config.shown);
    kv_bool(j, "cut", ev->u.config.shown + hidden < ev->u.config.total);
}

static void libxc_json(json_ctx *j, const xcw_event *x)
{
    const xcw_record *r;
    char name[40];

    kv_str(j, "layer", "libxc");
    kv_int(j, "offset", x->offset);
    switch (x->kind) {
    case XCW_EV_IMAGE_HEADER:
        kv_str(j, "kind", "image_header");
        kv_int(j, "version", x->u.image.version);
        kv_int(j, "options", x->u.image.options);
        break;
    case XCW_EV_DOMAIN_HEADER:
        kv_str(j, "kind", "domain_header");
        kv_str(j, "domain_type", xcw_domain_type_name(x->u.domain.type));
        kv_int(j, "page_shift", x->u.domain.page_shift);
        kv_int(j, "xen_major", x->u.domain.xen_major);
        kv_int(j, "xen_minor", x->u.domain.xen_minor);
        break;
    case XCW_EV_RECORD:
        r = x->u.record;
        kv_str(j, "kind", "record");
        kv_int(j, "index", r->index);
        kv_str(j, "type", xs_libxc_type_label(r->type, name, sizeof(name)));
        kv_int(j, "length", r->length);
        if (r->type == XCW_REC_PAGE_DATA) {
            kv_int(j, "count", r->count);
            kv_int(j, "data_pages", r->data_pages);
            kv_int(j, "alloc_only", r->alloc_only);
            kv_int(j, "first_pfn", r->first);
            kv_int(j, "last_pfn", r->last);
        } else if ((r->type >= XCW_REC_X86_PV_VCPU_BASIC &&
                    r->type <= XCW_REC_X86_PV_VCPU_XSAVE) ||
                   r->type == XCW_REC_X86_PV_VCPU_MSRS) {
            kv_int(j, "vcpu", r->vcpu_id);
            kv_bool(j, "empty", r->empty);
        } else if (r->count) {
            kv_int(j, "count", r->count);
        }
        break;
    case XCW_EV_HVM_ENTRY:
        kv_str(j, "kind", "hvm_save_record");
        kv_str(j, "typecode_name", xcw_hvm_code_name(x->u.hvm.typecode));
        kv_int(j, "typecode", x->u.hvm.typecode);
        kv_int(j, "instance", x->u.hvm.instance);
        kv_int(j, "length", x->u.hvm.length);
        break;
    case XCW_EV_RECORD_BEGIN:
        r = x->u.record;
        kv_str(j, "kind", "record_begin");
        kv_int(j, "index", r->index);
        kv_str(j, "type", xs_libxc_type_label(r->type, name, sizeof(name)));
        kv_int(j, "length", r->length);
        break;
    case XCW_EV_PAGE_ENTRY:
        break;
    case XCW_EV_HVM_PARAM:
        kv_str(j, "kind", "hvm_param");
        kv_str(j, "name", xcw_hvm_param_name(x->u.param.index));
        kv_int(j, "index", x->u.param.index);
        kv_int(j, "value", x->u.param.value);
        break;
    }
}

void json_event(void *ctx, const sw_event *ev)
{
    json_ctx *j = ctx;
    const sw_record *r;
    char name[40];

    if (!j)
        return;
    /* As in the text dump, only records with entries inside announce
     * themselves before those entries. */
    if (ev->kind == SW_EV_LIBXC &&
        ev->u.libxc->kind == XCW_EV_PAGE_ENTRY)
        return;   /* summed up in the PAGE_DATA record */
    if (ev->kind == SW_EV_LIBXC &&
        ev->u.libxc->kind == XCW_EV_RECORD_BEGIN &&
        ev->u.libxc->u.record->type != XCW_REC_HVM_CONTEXT &&
        ev->u.libxc->u.record->type != XCW_REC_HVM_PARAMS)
        return;
    yajl_gen_map_open(j->g);
    switch (ev->kind) {
    case SW_EV_XL_HEADER:
        kv_str(j, "layer", "xl");
        kv_str(j, "kind", "save_header");
        kv_int(j, "offset", ev->offset);
        kv_int(j, "mandatory_flags", ev->u.xl.mandatory_flags);
        kv_int(j, "optional_flags", ev->u.xl.optional_flags);
        kv_int(j, "optional_data_length", ev->u.xl.optional_len);
        break;
    case SW_EV_XL_CONFIG:
        text_block(j, "xl", "config", ev, 0);
        break;
    case SW_EV_LV_HEADER:
        kv_str(j, "layer", "libvirt");
        kv_str(j, "kind", "save_header");
        kv_int(j, "offset", ev->offset);
        kv_int(j, "version", ev->u.lv.version);
        kv_int(j, "xml_length", ev->u.lv.xml_len);
        break;
    case SW_EV_LV_XML:
        /* libvirt's length counts the XML's NUL, which is never shown. */
        text_block(j, "libvirt", "domain_xml", ev, 1);
        break;
    case SW_EV_LIBXL_HEADER:
        kv_str(j, "layer", "libxl");
        kv_str(j, "kind", "header");
        kv_int(j, "offset", ev->offset);
        kv_int(j, "version", ev->u.libxl_hdr.version);
        kv_int(j, "options", ev->u.libxl_hdr.options);
        break;
    case SW_EV_RECORD:
        r = ev->u.rec;
        kv_str(j, "layer", "libxl");
        kv_str(j, "kind", "record");
        kv_int(j, "offset", r->offset);
        kv_int(j, "index", (uint64_t)r->index);
        kv_str(j, "type", xs_type_label(r->type, name, sizeof(name)));
        kv_int(j, "length", r->length);
        if (r->has_emu) {
            kv_str(j, "emulator", libxl__sr_emulator_name(r->emu.id));
            kv_int(j, "emulator_index", r->emu.index);
        }
        if (r->type == LIBXL_SR_REC_EMULATOR_XENSTORE_DATA)
            kv_int(j, "keys", r->xs_pairs);
        if (r->type == LIBXL_SR_REC_EMULATOR_CONTEXT) {
            kv_int(j, "state_length", r->length - LIBXL_SR_EMU_HDR_SIZE);
            kv_bool(j, "qevm", r->qevm);
        }
        if (r->type == LIBXL_SR_REC_CHECKPOINT_STATE)
            kv_int(j, "state", r->state_id);
        break;
    case SW_EV_XS_PAIR:
        kv_str(j, "layer", "libxl");
        kv_str(j, "kind", "xenstore_pair");
        kv_int(j, "offset", ev->offset);
        str(j, "key");
        strn(j, ev->u.pair.key, ev->u.pair.key_len);
        str(j, "value");
        strn(j, ev->u.pair.value, ev->u.pair.value_len);
        break;
    case SW_EV_LIBXC:
        libxc_json(j, ev->u.libxc);
        break;
    }
    yajl_gen_map_close(j->g);
    flush(j);
}

void json_end(void *ctx, const xs_result *res)
{
    json_ctx *j = ctx;
    const stream_walk *w = res->walk;
    const stream_stats *s = res->stats;
    char name[40];
    unsigned i;

    if (!j)
        return;
    if (j->cmd == CMD_DUMP)
        yajl_gen_array_close(j->g);
    kv_str(j, "file", res->path);
    kv_bool(j, "valid", res->rc >= 0);
    if (res->rc < 0) {
        kv_str(j, "error", res->error);
        kv_int(j, "error_offset", res->input && res->input->bad_data ?
                                  res->input->err_offset : w->err.offset);
        kv_bool(j, "legacy", w->legacy);
    }
    kv_int(j, "size", w->offset);
    kv_str(j, "container", w->back_channel ? "colo_back_channel" :
                           w->bare_libxc ? "libxc" :
                           w->xl_header ? "xl" :
                           w->libvirt ? "libvirt" : "libxl");
    if (w->libvirt) {
        kv_int(j, "libvirt_version", w->lv_version);
        kv_int(j, "libvirt_xml_length", w->config_len);
    }
    if (res->input && res->input->kind != XI_PLAIN) {
        kv_str(j, "compression", "zstd");
        kv_bool(j, "compression_xl_flag", res->input->kind == XI_XL_ZSTD);
        kv_int(j, "compressed_octets", res->input->compressed_octets);
        kv_int(j, "octets_read", res->input->raw_octets);
    }
    if (res->guest_name && res->guest_name[0])
        kv_str(j, "guest_name", res->guest_name);
    kv_int(j, "libxl_records", w->fr.records);
    kv_int(j, "libxc_records", w->xc.records);
    kv_int(j, "pages", w->xc.pages);
    kv_int(j, "alloc_only_pages", w->xc.alloc_only_pages);
    kv_int(j, "alloc_only_octets",
           w->xc.alloc_only_pages * XCW_PAGE_SIZE);
    kv_int(j, "alloc_only_after_data", s->alloc_only_after_data);
    kv_int(j, "pfns_untracked", s->pfns_untracked);
    kv_int(j, "checkpoints", w->fr.checkpoints);
    kv_bool(j, "ends_after_checkpoint", w->ended_at_checkpoint);
    kv_bool(j, "colo", w->fr.colo);
    /* libxc's END after a checkpoint: what follows is not applied. */
    kv_bool(j, "past_last_checkpoint",
            libxl__sr_framer_past_last_checkpoint(&w->fr));
    if (w->ended_at_checkpoint) {
        kv_int(j, "incomplete_checkpoint_octets", w->incomplete_octets);
        kv_bool(j, "incomplete_checkpoint_cut_inside_record",
                w->incomplete_cut);
    }
    kv_int(j, "trailing_octets", w->trailing);
    if (j->cmd == CMD_INFO) {
        kv_int(j, "libxc_version", s->libxc_version);
        kv_str(j, "domain_type", xcw_domain_type_name(s->domain_type));
        str(j, "libxl_record_counts");
        yajl_gen_map_open(j->g);
        for (i = 0; i < STATS_LIBXL_TYPES; i++)
            if (s->libxl_records[i])
                kv_int(j, xs_type_label(i, name, sizeof(name)),
                       s->libxl_records[i]);
        yajl_gen_map_close(j->g);
        str(j, "libxc_record_counts");
        yajl_gen_map_open(j->g);
        for (i = 0; i < STATS_LIBXC_TYPES; i++)
            if (s->libxc_records[i])
                kv_int(j, xs_libxc_type_label(i, name, sizeof(name)),
                       s->libxc_records[i]);
        yajl_gen_map_close(j->g);
        kv_int(j, "emulator_xenstore_keys", s->xs_keys);
        kv_int(j, "emulator_state_octets", s->emulator_state_octets);
    }
    yajl_gen_map_close(j->g);
    flush(j);
    fputc('\n', j->f);
    yajl_gen_free(j->g);
    free(j);
}
