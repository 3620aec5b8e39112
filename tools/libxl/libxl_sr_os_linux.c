/*
 * libxl_sr_os_linux.c: what the migration stream code needs from the OS,
 * on Linux.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/*
 * /proc/PID/io has one "name: value" line per counter; "rchar" and
 * "wchar" count the octets passed to read- and write-like calls, on any
 * fd, whether or not they reached a disk.
 */
int libxl__sr_os_io_count(libxl__gc *gc, pid_t pid, bool writes,
                          uint64_t *count_r)
{
    const char *path = GCSPRINTF("/proc/%ld/io", (long)pid);
    const char *field = writes ? "wchar:" : "rchar:";
    const size_t flen = strlen(field);
    char line[128];
    unsigned long long n;
    int rc = ERROR_NOTFOUND;
    FILE *f;

    f = fopen(path, "r");
    if (!f) goto out;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, field, flen) &&
            sscanf(line + flen, "%llu", &n) == 1) {
            *count_r = n;
            rc = 0;
            break;
        }
    }

 out:
    if (f) fclose(f);
    return rc;
}

/*
 * /proc/PID/stat: "pid (comm) state ..." with utime and stime (clock
 * ticks, user and kernel mode) as fields 14 and 15.  comm may hold
 * spaces and parentheses, so the fields are counted from the last ')'.
 * Time the helper spends in hypercalls (populating or mapping guest
 * memory) is kernel time here, so it shows.
 */
int libxl__sr_os_cpu_ticks(libxl__gc *gc, pid_t pid, uint64_t *ticks_r)
{
    const char *path = GCSPRINTF("/proc/%ld/stat", (long)pid);
    unsigned long long utime, stime;
    char buf[512];
    const char *p;
    int rc = ERROR_NOTFOUND;
    size_t n;
    FILE *f;

    f = fopen(path, "r");
    if (!f) goto out;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p) goto out;
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
               " %llu %llu", &utime, &stime) != 2)
        goto out;
    *ticks_r = utime + stime;
    rc = 0;

 out:
    if (f) fclose(f);
    return rc;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
