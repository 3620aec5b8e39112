/*
 * interpose.c: the system calls the stream code makes on its files,
 * through the linker's --wrap, for two reasons:
 *
 *  - paths under XEN_LIB_DIR (where libxl keeps QEMU's save and restore
 *    files) are moved into a private directory, so that a test needs no
 *    /var/lib/xen and leaves nothing there;
 *  - a test can make the nth open, fstat, write, rename or read on a
 *    chosen file fail, or a write or read come up short.
 *
 * Only calls from the linked objects are affected (our drop-ins, libxl
 * from libxenlight.a, the harness): libc's own calls are not.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "inproc.h"

static char state_dir[256];

int __real_unlink(const char *path);
int __real_rename(const char *from, const char *to);
int __real_fstat(int fd, struct stat *st);

int __wrap_open(const char *path, int flags, ...);
int __wrap_unlink(const char *path);
int __wrap_rename(const char *from, const char *to);
int __wrap_fstat(int fd, struct stat *st);
ssize_t __wrap_write(int fd, const void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);

void inproc_set_state_dir(const char *dir)
{
    snprintf(state_dir, sizeof(state_dir), "%s", dir);
}

/* The file a path stands for in this test: XEN_LIB_DIR moved. */
const char *inproc_path(const char *path, char *buf, size_t cap)
{
    static const char lib[] = XEN_LIB_DIR "/";

    if (!state_dir[0] || strncmp(path, lib, sizeof(lib) - 1))
        return path;
    snprintf(buf, cap, "%s/%s", state_dir, path + sizeof(lib) - 1);
    return buf;
}

/*----- faults -----*/

static inproc_fault faults[8];
static unsigned int n_faults;

void inproc_fault_add(const inproc_fault *f)
{
    assert(n_faults < sizeof(faults) / sizeof(faults[0]));
    faults[n_faults++] = *f;
}

void inproc_faults_clear(void)
{
    n_faults = 0;
}

unsigned int inproc_faults_fired(void)
{
    unsigned int i, fired = 0;

    for (i = 0; i < n_faults; i++)
        fired += faults[i].fired;
    return fired;
}

/* Names of the fds the faults are about, as opened through us. */
static char fd_names[1024][64];

static const char *fd_name(int fd)
{
    if (fd < 0 || fd >= (int)(sizeof(fd_names) / sizeof(fd_names[0])))
        return "";
    return fd_names[fd];
}

/*
 * The fault for this call, if one is due: op matches, the file's name
 * contains the fault's substring (or the fd is the one named), and it is
 * the nth such call.
 */
static inproc_fault *due(enum inproc_op op, const char *name, int fd)
{
    unsigned int i;

    for (i = 0; i < n_faults; i++) {
        inproc_fault *f = &faults[i];

        if (f->op != op || f->fired)
            continue;
        if (f->fd >= 0 ? f->fd != fd :
            !f->match[0] || !strstr(name, f->match))
            continue;
        if (++f->seen < f->nth)
            continue;
        f->fired = 1;
        return f;
    }
    return NULL;
}

int __wrap_open(const char *path, int flags, ...)
{
    char buf[512];
    const char *real = inproc_path(path, buf, sizeof(buf));
    inproc_fault *f = due(INPROC_OPEN, path, -1);
    mode_t mode = 0;
    int fd;

    if (flags & O_CREAT) {
        va_list ap;

        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    if (f) {
        errno = f->err;
        return -1;
    }
    fd = __real_open(real, flags, mode);
    if (fd >= 0 && fd < (int)(sizeof(fd_names) / sizeof(fd_names[0])))
        snprintf(fd_names[fd], sizeof(fd_names[fd]), "%s", path);
    return fd;
}

int __wrap_unlink(const char *path)
{
    char buf[512];

    return __real_unlink(inproc_path(path, buf, sizeof(buf)));
}

int __wrap_rename(const char *from, const char *to)
{
    char b1[512], b2[512];
    inproc_fault *f = due(INPROC_RENAME, to, -1);

    if (f) {
        errno = f->err;
        return -1;
    }
    return __real_rename(inproc_path(from, b1, sizeof(b1)),
                         inproc_path(to, b2, sizeof(b2)));
}

int __wrap_fstat(int fd, struct stat *st)
{
    inproc_fault *f = due(INPROC_FSTAT, fd_name(fd), fd);

    if (f) {
        errno = f->err;
        return -1;
    }
    return __real_fstat(fd, st);
}

/*
 * A read or write on fd: -1 (errno set) if it is to fail, else 0 with
 * *len cut down if it is to come up short.
 */
static int transfer_fault(enum inproc_op op, int fd, size_t *len)
{
    inproc_fault *f = due(op, fd_name(fd), fd);

    if (f && f->err) {
        errno = f->err;
        return -1;
    }
    if (f && *len > 1)
        *len = f->short_len && f->short_len < *len ? f->short_len
                                                   : *len / 2;
    return 0;
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
    if (transfer_fault(INPROC_WRITE, fd, &len))
        return -1;
    return __real_write(fd, buf, len);
}

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
    if (transfer_fault(INPROC_READ, fd, &len))
        return -1;
    return __real_read(fd, buf, len);
}

/* Where the stream fd came from, for faults by name. */
void inproc_name_fd(int fd, const char *name)
{
    if (fd >= 0 && fd < (int)(sizeof(fd_names) / sizeof(fd_names[0])))
        snprintf(fd_names[fd], sizeof(fd_names[fd]), "%s", name);
}

/*
 * "OP,MATCH,NTH,ERR" with OP open|fstat|write|rename|read, MATCH a part
 * of the file's name, ERR an errno name (EACCES, EIO, ENOENT, ENOSPC,
 * EXDEV) or "short".  Returns 0, or -1 if spec is not understood.
 */
int inproc_fault_parse(const char *spec)
{
    static const char *const ops[] = { "open", "fstat", "write", "rename",
                                       "read" };
    static const struct { const char *name; int err; } errs[] = {
        { "EACCES", EACCES }, { "EIO", EIO }, { "ENOENT", ENOENT },
        { "ENOSPC", ENOSPC }, { "EXDEV", EXDEV }, { "short", 0 },
    };
    char *copy = strdup(spec), *op, *match, *nth, *err, *save = NULL;
    inproc_fault f;
    unsigned int i;
    int rc = -1;

    if (!copy) abort();
    memset(&f, 0, sizeof(f));
    f.fd = -1;
    op = strtok_r(copy, ",", &save);
    match = strtok_r(NULL, ",", &save);
    nth = strtok_r(NULL, ",", &save);
    err = strtok_r(NULL, ",", &save);
    if (!op || !match || !nth || !err)
        goto out;
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (!strcmp(op, ops[i]))
            break;
    if (i == sizeof(ops) / sizeof(ops[0]))
        goto out;
    f.op = i;
    for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
        if (!strcmp(err, errs[i].name))
            break;
    if (i == sizeof(errs) / sizeof(errs[0]))
        goto out;
    f.err = errs[i].err;
    f.nth = atoi(nth);
    snprintf(f.match, sizeof(f.match), "%s", match);
    inproc_fault_add(&f);
    rc = 0;

 out:
    free(copy);
    return rc;
}

/* Open file descriptors of this process (for leak checks). */
int inproc_count_fds(void)
{
    int fd, n = 0;

    for (fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}
