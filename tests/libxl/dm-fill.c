/*
 * dm-fill.so: an LD_PRELOAD library for the emulated host's HVM scenarios
 * (libxl-hvm5-large-dm-state).  It makes QEMU's saved device state large
 * without touching libxl, and reports what a test needs to see that the
 * state went through the stream intact and in bounded memory.
 *
 * Three jobs, each switched on by the environment:
 *
 *  - In the device model (XS_DM_FILL_CTL=FILE): when QEMU closes a
 *    descriptor of /var/lib/xen/qemu-save.<domid>, i.e. right after
 *    xen-save-devices-state wrote the state and before QEMU answers libxl,
 *    append as many MiB as FILE says (0 or no file: nothing) of a
 *    pseudo-random filler after QEMU's real state.  QEMU's loader stops at
 *    its end-of-state marker and never looks at what follows, so the
 *    restored QEMU still loads the real state.  The state's size, the
 *    file's size and a checksum of the whole file go to
 *    XS_DM_FILL_DIR/qemu-save.<domid>.
 *
 *  - In a device model started to restore (XS_DM_FILL_DIR set and a
 *    descriptor of /var/lib/xen/qemu-resume.<domid> inherited, the one
 *    given as -incoming fd:N): checksum that file, in a thread, through a
 *    descriptor of our own (QEMU closes its descriptor when loaded and
 *    libxl unlinks the name), and write size and checksum to
 *    XS_DM_FILL_DIR/qemu-resume.<domid>.
 *
 *  - In any process (XS_HWM_LOG=FILE): at exit, append one line
 *    "COMM PID VmHWM_kB" to FILE, the peak resident set of that process
 *    alone (not of its children, unlike wait4's ru_maxrss).  With
 *    XS_HWM_BALLAST_MIB=N as well, the process first fills N MiB of memory
 *    of its own and keeps it: the test's control that the measurement sees
 *    what a program that held a whole large state would hold.
 *
 * Built on the build machine against the same glibc as dom0's:
 *   cc -O2 -shared -fPIC -o dm-fill.so dm-fill.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SAVE_PREFIX   "/var/lib/xen/qemu-save."
#define RESUME_PREFIX "/var/lib/xen/qemu-resume."
#define BUF_SIZE      (1u << 20)
/* The filler starts with this, so that a look at the image shows what the
 * bytes are, and so that its first octet is not one QEMU could take for a
 * section after its end-of-state marker. */
#define FILL_MARK     "dm-fill: filler after QEMU's state\n"

static int (*real_close)(int);
static const char *fill_ctl;
static const char *fill_dir;

/* Only one fill per file: QEMU may close more than one descriptor of it
 * (its dup of libxl's descriptor, then the one in the fd set). */
static pthread_mutex_t fill_lock = PTHREAD_MUTEX_INITIALIZER;
static dev_t filled_dev;
static ino_t filled_ino;
static off_t filled_size = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    n = snprintf(line, sizeof(line), "dm-fill[%d]: ", (int)getpid());
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    strncat(line, "\n", sizeof(line) - strlen(line) - 1);
    if (write(2, line, strlen(line)) < 0) {
        /* nowhere else to say it */
    }
}

/*
 * A 64-bit checksum of a byte stream, taken 8 octets at a time (the last
 * few one by one).  Not cryptographic: it has to catch bytes that were
 * lost, repeated, reordered or changed on the way, and be cheap enough
 * for hundreds of MiB in an emulated dom0.
 */
struct sum {
    uint64_t h;
    uint64_t len;
};

static void sum_init(struct sum *s)
{
    s->h = UINT64_C(0x6a09e667f3bcc908);
    s->len = 0;
}

/* len must be a multiple of 8 except for the last call. */
static void sum_add(struct sum *s, const unsigned char *p, size_t len)
{
    uint64_t h = s->h, w;
    size_t i;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        h ^= w;
        h *= UINT64_C(0x100000001b3);
        h ^= h >> 29;
    }
    for (; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    s->h = h;
    s->len += len;
}

static uint64_t sum_final(const struct sum *s)
{
    uint64_t h = s->h ^ s->len;

    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

/* Read exactly len octets at off, short only at end of file. */
static ssize_t pread_full(int fd, unsigned char *buf, size_t len, off_t off)
{
    size_t got = 0;
    ssize_t r;

    while (got < len) {
        r = pread(fd, buf + got, len - got, off + got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += r;
    }
    return got;
}

static int sum_file(int fd, unsigned char *buf, uint64_t *sum_r,
                    uint64_t *len_r)
{
    struct sum s;
    off_t off = 0;
    ssize_t r;

    sum_init(&s);
    for (;;) {
        r = pread_full(fd, buf, BUF_SIZE, off);
        if (r < 0)
            return -1;
        sum_add(&s, buf, r);
        off += r;
        if ((size_t)r < BUF_SIZE)
            break;
    }
    *sum_r = sum_final(&s);
    *len_r = s.len;
    return 0;
}

/* XS_DM_FILL_DIR/NAME := TEXT, replaced whole (written, then renamed). */
static void report(const char *name, const char *text)
{
    char path[512], tmp[520];
    int fd;

    if (!fill_dir)
        return;
    snprintf(path, sizeof(path), "%s/%s", fill_dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        say("cannot write %s: %s", tmp, strerror(errno));
        return;
    }
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        say("short write to %s", tmp);
    real_close(fd);
    if (rename(tmp, path))
        say("cannot rename %s: %s", tmp, strerror(errno));
}

static unsigned long fill_mib(void)
{
    char text[32];
    ssize_t r;
    int fd;

    fd = open(fill_ctl, O_RDONLY);
    if (fd < 0)
        return 0;
    r = read(fd, text, sizeof(text) - 1);
    real_close(fd);
    if (r <= 0)
        return 0;
    text[r] = 0;
    return strtoul(text, NULL, 10);
}

static int write_full(int fd, const unsigned char *p, size_t len)
{
    ssize_t r;

    while (len) {
        r = write(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= r;
    }
    return 0;
}

/* fd is a descriptor of QEMU's save file, about to be closed. */
static void fill(int fd, const char *path)
{
    unsigned long mib = fill_mib();
    unsigned char *buf;
    uint64_t x, sum, len;
    struct stat st;
    off_t state;
    unsigned long i;
    size_t j;
    char text[256];
    int rfd;

    if (!mib || fstat(fd, &st))
        return;
    pthread_mutex_lock(&fill_lock);
    if (st.st_dev == filled_dev && st.st_ino == filled_ino &&
        st.st_size == filled_size)
        goto out;
    buf = malloc(BUF_SIZE);
    if (!buf) {
        say("no memory for the filler");
        goto out;
    }
    state = st.st_size;
    if (lseek(fd, 0, SEEK_END) < 0) {
        say("cannot seek in %s: %s", path, strerror(errno));
        free(buf);
        goto out;
    }
    /* A different filler every time, so that a stale copy cannot pass. */
    x = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL) ^ (uint64_t)state;
    for (i = 0; i < mib; i++) {
        for (j = 0; j < BUF_SIZE; j += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(buf + j, &x, 8);
        }
        if (i == 0)
            memcpy(buf, FILL_MARK, sizeof(FILL_MARK) - 1);
        if (write_full(fd, buf, BUF_SIZE)) {
            say("cannot append to %s: %s", path, strerror(errno));
            free(buf);
            goto out;
        }
    }
    if (fstat(fd, &st)) {
        say("cannot stat %s: %s", path, strerror(errno));
        free(buf);
        goto out;
    }
    filled_dev = st.st_dev;
    filled_ino = st.st_ino;
    filled_size = st.st_size;
    /* QEMU's descriptor is write-only: read back through one of our own. */
    snprintf(text, sizeof(text), "/proc/self/fd/%d", fd);
    rfd = open(text, O_RDONLY | O_CLOEXEC);
    if (rfd < 0 || sum_file(rfd, buf, &sum, &len)) {
        say("cannot read back %s: %s", path, strerror(errno));
        if (rfd >= 0)
            real_close(rfd);
        free(buf);
        goto out;
    }
    real_close(rfd);
    free(buf);
    say("%s: %jd octets of QEMU state, %lu MiB of filler appended",
        path, (intmax_t)state, mib);
    snprintf(text, sizeof(text),
             "state=%jd size=%" PRIu64 " sum=%016" PRIx64 "\n",
             (intmax_t)state, len, sum);
    report(strrchr(path, '/') + 1, text);
 out:
    pthread_mutex_unlock(&fill_lock);
}

int close(int fd)
{
    char link[64], path[256];
    ssize_t n;

    if (!real_close)
        real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    if (fill_ctl && fd >= 0) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n > 0) {
            path[n] = 0;
            if (!strncmp(path, SAVE_PREFIX, strlen(SAVE_PREFIX)))
                fill(fd, path);
        }
    }
    return real_close(fd);
}

/* ---- the restoring device model: checksum the state it was given ---- */

struct resume_job {
    int fd;
    char name[64];
};

static void *sum_resume(void *arg)
{
    struct resume_job *job = arg;
    unsigned char *buf = malloc(BUF_SIZE);
    uint64_t sum, len;
    char text[128];

    if (!buf || sum_file(job->fd, buf, &sum, &len)) {
        say("cannot checksum %s", job->name);
        snprintf(text, sizeof(text), "error\n");
    } else {
        snprintf(text, sizeof(text), "size=%" PRIu64 " sum=%016" PRIx64 "\n",
                 len, sum);
    }
    report(job->name, text);
    free(buf);
    real_close(job->fd);
    free(job);
    return NULL;
}

static void look_for_resume_file(void)
{
    char link[300], path[256];
    struct resume_job *job;
    struct dirent *de;
    pthread_t t;
    DIR *d;
    ssize_t n;

    d = opendir("/proc/self/fd");
    if (!d)
        return;
    while ((de = readdir(d))) {
        snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
        n = readlink(link, path, sizeof(path) - 1);
        if (n <= 0)
            continue;
        path[n] = 0;
        if (strncmp(path, RESUME_PREFIX, strlen(RESUME_PREFIX)))
            continue;
        job = calloc(1, sizeof(*job));
        if (!job)
            break;
        /* Our own open file: QEMU's offset is not moved, and the data
         * stays reachable after QEMU closes its descriptor and libxl
         * removes the name. */
        job->fd = open(link, O_RDONLY | O_CLOEXEC);
        snprintf(job->name, sizeof(job->name), "%s", strrchr(path, '/') + 1);
        if (job->fd < 0 || pthread_create(&t, NULL, sum_resume, job)) {
            say("cannot watch %s", path);
            if (job->fd >= 0)
                real_close(job->fd);
            free(job);
            break;
        }
        pthread_detach(t);
        break;
    }
    closedir(d);
}

/* ---- peak resident set at exit ---- */

static const char *hwm_log;
/* Not static: a store to memory nothing reads could be optimised away. */
void *dm_fill_ballast;

static void log_hwm(void)
{
    char status[4096], comm[32] = "?", line[128];
    unsigned long hwm = 0;
    const char *p;
    ssize_t r;
    int fd;

    fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return;
    r = read(fd, status, sizeof(status) - 1);
    real_close(fd);
    if (r <= 0)
        return;
    status[r] = 0;
    p = strstr(status, "VmHWM:");
    if (p)
        hwm = strtoul(p + 6, NULL, 10);
    if (sscanf(status, "Name:\t%31s", comm) != 1)
        strcpy(comm, "?");
    snprintf(line, sizeof(line), "%s %d %lu\n", comm, (int)getpid(), hwm);
    fd = open(hwm_log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, strlen(line)) < 0) {
        /* the test will see the line missing */
    }
    real_close(fd);
}

static void __attribute__((constructor)) dm_fill_init(void)
{
    real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    fill_ctl = getenv("XS_DM_FILL_CTL");
    fill_dir = getenv("XS_DM_FILL_DIR");
    hwm_log = getenv("XS_HWM_LOG");
    if (fill_dir)
        look_for_resume_file();
    if (hwm_log) {
        const char *b = getenv("XS_HWM_BALLAST_MIB");
        size_t n = b ? (size_t)strtoul(b, NULL, 10) << 20 : 0;

        if (n && (dm_fill_ballast = malloc(n)))
            memset(dm_fill_ballast, 0x5a, n);
        atexit(log_hwm);
    }
}
