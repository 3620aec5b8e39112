/*
 * libxl_sr_os_other.c: what the migration stream code needs from the OS,
 * where it has no Linux-specific way to get it (NetBSD, FreeBSD).
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

/*
 * No portable way to see another process's I/O: the stall watchdog then
 * watches libxl's own part of the stream only (and says so once).
 */
int libxl__sr_os_io_count(libxl__gc *gc, pid_t pid, bool writes,
                          uint64_t *count_r)
{
    return ERROR_NI;
}

int libxl__sr_os_cpu_ticks(libxl__gc *gc, pid_t pid, uint64_t *ticks_r)
{
    return ERROR_NI;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
