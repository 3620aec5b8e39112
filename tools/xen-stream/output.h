/*
 * output.h: how xen-stream prints what it found, as text or as JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#ifndef XEN_STREAM_OUTPUT_H
#define XEN_STREAM_OUTPUT_H

#include <stdio.h>

#include "input.h"
#include "stats.h"
#include "stream_walk.h"

enum xs_command { CMD_INFO, CMD_VERIFY, CMD_DUMP };

typedef struct xs_result {
    const char *path;
    const stream_walk *walk;
    const stream_stats *stats;
    int rc;                       /* SR_OK or the walker's error */
    const char *error;            /* formatted, when rc < 0 */
    const char *guest_name;       /* from xl's JSON config, or "" */
    const xs_input *input;        /* compression, sizes read */
} xs_result;

/* Pull c_info.name out of xl's JSON domain config (yajl tree parser; the
 * text is at most the walker's 1 MiB body buffer).  Writes "" when the
 * config is not JSON or has no name. */
void config_guest_name(const char *json, char *out, size_t len);
void xml_guest_name(const char *xml, char *out, size_t len);
/* c_info.type ("pv", "hvm", "pvh"), the same way. */
void config_guest_type(const char *json, char *out, size_t len);

/* Text */
void text_event(FILE *f, const sw_event *ev);
void text_result(FILE *f, enum xs_command cmd, const xs_result *res);

/* JSON (yajl).  json_begin/json_end bracket a document; events stream
 * out as they happen so memory stays flat during a dump. */
void *json_begin(FILE *f, enum xs_command cmd);
void json_event(void *ctx, const sw_event *ev);
void json_end(void *ctx, const xs_result *res);

/* Shared wording. */
const char *xs_type_label(uint32_t type, char *buf, size_t len);
const char *xs_libxc_type_label(uint32_t type, char *buf, size_t len);

#endif /* XEN_STREAM_OUTPUT_H */
