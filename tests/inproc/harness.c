/*
 * harness.c: a real libxl_ctx without /dev/xen, its log kept in memory,
 * and the in-memory xenstore it talks to.
 *
 * libxl_ctx_alloc runs as it is; only the two handles it opens (libxc's
 * and xenstore's) are replaced, by tokens that nothing dereferences
 * because every xenstore call the stream code makes lands here.  A call
 * we did not expect would reach the real library with a token and crash,
 * which is a test failure, not a silent pass.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "inproc.h"

/*----- the log -----*/

typedef struct {
    xentoollog_logger vtable;
    bool verbose;
} inproc_logger;

static char *log_buf;
static size_t log_len, log_cap;
static inproc_logger the_logger;

static void log_append(const char *s, size_t n)
{
    if (log_len + n + 1 > log_cap) {
        size_t cap = log_cap ? log_cap : 4096;

        while (log_len + n + 1 > cap)
            cap *= 2;
        log_buf = realloc(log_buf, cap);
        if (!log_buf) abort();
        log_cap = cap;
    }
    memcpy(log_buf + log_len, s, n);
    log_len += n;
    log_buf[log_len] = 0;
}

static void logger_vmessage(xentoollog_logger *lg, xentoollog_level level,
                            int errnoval, const char *context,
                            const char *format, va_list al)
{
    inproc_logger *l = (inproc_logger *)lg;
    char msg[2048];
    int n;

    n = snprintf(msg, sizeof(msg), "%s: ", xtl_level_to_string(level));
    if (n < 0 || (size_t)n >= sizeof(msg)) n = 0;
    vsnprintf(msg + n, sizeof(msg) - n, format, al);
    if (errnoval >= 0) {
        size_t used = strlen(msg);

        snprintf(msg + used, sizeof(msg) - used, ": %s",
                 strerror(errnoval));
    }
    log_append(msg, strlen(msg));
    log_append("\n", 1);
    if (l->verbose)
        fprintf(stderr, "%s\n", msg);
}

static void logger_progress(xentoollog_logger *lg, const char *context,
                            const char *doing_what, int percent,
                            unsigned long done, unsigned long total)
{
}

static void logger_destroy(xentoollog_logger *lg)
{
}

const char *inproc_log_text(void)
{
    return log_buf ? log_buf : "";
}

const char *inproc_log_find(const char *needle)
{
    static char line[2048];
    const char *p = log_buf;

    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);

        if ((!strncmp(p, "error: ", 7) || !strncmp(p, "critical: ", 10)) &&
            n < sizeof(line)) {
            memcpy(line, p, n);
            line[n] = 0;
            if (strstr(line, needle))
                return line;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

void inproc_log_clear(void)
{
    log_len = 0;
    if (log_buf) log_buf[0] = 0;
}

/*----- the context -----*/

/* Stand-ins for the handles; only their addresses are used. */
static char xch_token, xsh_token;

xc_interface *__wrap_xc_interface_open(xentoollog_logger *logger,
                                       xentoollog_logger *dombuild_logger,
                                       unsigned open_flags);
int __wrap_xc_interface_close(xc_interface *xch);
struct xs_handle *__wrap_xs_open(unsigned long flags);
void __wrap_xs_close(struct xs_handle *xsh);
void __wrap_xs_daemon_destroy_postfork(struct xs_handle *xsh);

xc_interface *__wrap_xc_interface_open(xentoollog_logger *logger,
                                       xentoollog_logger *dombuild_logger,
                                       unsigned open_flags)
{
    return (xc_interface *)&xch_token;
}

int __wrap_xc_interface_close(xc_interface *xch)
{
    assert(xch == (xc_interface *)&xch_token);
    return 0;
}

struct xs_handle *__wrap_xs_open(unsigned long flags)
{
    return (struct xs_handle *)&xsh_token;
}

void __wrap_xs_close(struct xs_handle *xsh)
{
    assert(!xsh || xsh == (struct xs_handle *)&xsh_token);
}

/* A child libxl forks (the legacy converter) drops its copy. */
void __wrap_xs_daemon_destroy_postfork(struct xs_handle *xsh)
{
}

libxl_ctx *inproc_ctx_new(bool verbose)
{
    libxl_ctx *ctx;
    int rc;

    the_logger.vtable.vmessage = logger_vmessage;
    the_logger.vtable.progress = logger_progress;
    the_logger.vtable.destroy = logger_destroy;
    the_logger.verbose = verbose;

    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &the_logger.vtable);
    if (rc) {
        fprintf(stderr, "libxl_ctx_alloc failed: %d\n%s", rc,
                inproc_log_text());
        exit(2);
    }
    return ctx;
}

void inproc_ctx_free(libxl_ctx *ctx)
{
    libxl_ctx_free(ctx);
    inproc_xs_clear();
    free(log_buf);
    log_buf = NULL;
    log_len = log_cap = 0;
}

/*----- the in-memory xenstore -----*/

typedef struct xs_node xs_node;
struct xs_node {
    xs_node *next;
    char *path;
    char *value;
};

static xs_node *xs_nodes;
static unsigned int xs_commit_failures;
static bool xs_write_failures;
static xs_transaction_t xs_next_t = 1;

static xs_node *xs_lookup(const char *path)
{
    xs_node *n;

    for (n = xs_nodes; n; n = n->next)
        if (!strcmp(n->path, path))
            return n;
    return NULL;
}

/* path itself holds a value, or something below it does. */
static bool xs_exists(const char *path)
{
    size_t len = strlen(path);
    xs_node *n;

    for (n = xs_nodes; n; n = n->next)
        if (!strncmp(n->path, path, len) &&
            (n->path[len] == 0 || n->path[len] == '/'))
            return true;
    return false;
}

const char *inproc_xs_get(const char *path)
{
    xs_node *n = xs_lookup(path);

    return n ? n->value : NULL;
}

void inproc_xs_set(const char *path, const char *value)
{
    xs_node *n = xs_lookup(path);

    if (!n) {
        n = calloc(1, sizeof(*n));
        if (!n) abort();
        n->path = strdup(path);
        n->next = xs_nodes;
        xs_nodes = n;
    }
    free(n->value);
    n->value = strdup(value);
    if (!n->path || !n->value) abort();
}

unsigned int inproc_xs_count(const char *prefix)
{
    size_t len = strlen(prefix);
    unsigned int count = 0;
    xs_node *n;

    for (n = xs_nodes; n; n = n->next)
        if (!strncmp(n->path, prefix, len))
            count++;
    return count;
}

void inproc_xs_clear(void)
{
    xs_node *n;

    while ((n = xs_nodes)) {
        xs_nodes = n->next;
        free(n->path);
        free(n->value);
        free(n);
    }
    xs_commit_failures = 0;
    xs_write_failures = false;
}

void inproc_xs_fail_commits(unsigned int n)
{
    xs_commit_failures = n;
}

void inproc_xs_fail_writes(bool on)
{
    xs_write_failures = on;
}

void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t,
                     const char *path, unsigned int *len);
bool __wrap_xs_write(struct xs_handle *h, xs_transaction_t t,
                     const char *path, const void *data, unsigned int len);
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t,
                           const char *path, unsigned int *num);
bool __wrap_xs_rm(struct xs_handle *h, xs_transaction_t t,
                  const char *path);
xs_transaction_t __wrap_xs_transaction_start(struct xs_handle *h);
char *__wrap_xs_get_domain_path(struct xs_handle *h, unsigned int domid);
bool __wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t,
                               bool abort);

void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t,
                     const char *path, unsigned int *len)
{
    xs_node *n = xs_lookup(path);
    char *v;

    if (!n) {
        errno = ENOENT;
        return NULL;
    }
    v = strdup(n->value);
    if (!v) abort();
    if (len) *len = strlen(v);
    return v;
}

bool __wrap_xs_write(struct xs_handle *h, xs_transaction_t t,
                     const char *path, const void *data, unsigned int len)
{
    char *v;

    if (xs_write_failures) {
        errno = EACCES;
        return false;
    }
    v = malloc(len + 1);
    if (!v) abort();
    memcpy(v, data, len);
    v[len] = 0;
    inproc_xs_set(path, v);
    free(v);
    return true;
}

/* The names just below path, in one allocation as xenstore gives them. */
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t,
                           const char *path, unsigned int *num)
{
    size_t plen = strlen(path), names = 0, chars = 0;
    char **list, *store;
    unsigned int count = 0, i;
    xs_node *n;
    int pass;

    if (!xs_exists(path)) {
        errno = ENOENT;
        return NULL;
    }
    /* Pass 0 sizes the list, pass 1 fills it; duplicates are skipped. */
    list = NULL;
    store = NULL;
    for (pass = 0; pass < 2; pass++) {
        count = 0;
        for (n = xs_nodes; n; n = n->next) {
            const char *rest, *slash;
            size_t clen;
            bool seen = false;

            if (strncmp(n->path, path, plen) || n->path[plen] != '/')
                continue;
            rest = n->path + plen + 1;
            slash = strchr(rest, '/');
            clen = slash ? (size_t)(slash - rest) : strlen(rest);
            if (pass == 0) {
                names++;
                chars += clen + 1;
                continue;
            }
            for (i = 0; i < count; i++)
                if (strlen(list[i]) == clen && !strncmp(list[i], rest, clen))
                    seen = true;
            if (seen)
                continue;
            memcpy(store, rest, clen);
            store[clen] = 0;
            list[count++] = store;
            store += clen + 1;
        }
        if (pass == 0) {
            list = malloc((names + 1) * sizeof(char *) + chars + 1);
            if (!list) abort();
            store = (char *)(list + names + 1);
        }
    }
    *num = count;
    return list;
}

bool __wrap_xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    size_t len = strlen(path);
    xs_node **pp = &xs_nodes, *n;

    while ((n = *pp)) {
        if (!strncmp(n->path, path, len) &&
            (n->path[len] == 0 || n->path[len] == '/')) {
            *pp = n->next;
            free(n->path);
            free(n->value);
            free(n);
        } else {
            pp = &n->next;
        }
    }
    return true;
}

xs_transaction_t __wrap_xs_transaction_start(struct xs_handle *h)
{
    return xs_next_t++;
}

bool __wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t,
                               bool abort)
{
    if (!abort && xs_commit_failures) {
        xs_commit_failures--;
        errno = EAGAIN;
        return false;
    }
    return true;
}

char *__wrap_xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
    char *p;

    if (asprintf(&p, "/local/domain/%u", domid) < 0)
        abort();
    return p;
}
