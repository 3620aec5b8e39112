/*
 * libxl_sr_suspended.c: is a domain already suspended?
 *
 * libxl's suspend code asks a guest to suspend and waits up to 60 s for
 * it to do so.  A guest that is suspended already never answers, so that
 * wait runs out in full before the save goes on.  Such guests are not
 * rare: a migration whose outcome was lost leaves the sender's copy
 * suspended, and xl tells the operator to save it
 * (xl save NAME--migratedaway FILE).  xen-patches/0013 asks this first.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "libxl_osdeps.h" /* must come before any other headers */

#include "libxl_internal.h"

bool libxl__sr_domain_suspended(libxl__gc *gc, uint32_t domid)
{
    libxl_dominfo info;
    bool suspended = false;
    int rc;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(CTX, &info, domid);
    if (rc) goto out;

    suspended = info.shutdown &&
                info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
 out:
    libxl_dominfo_dispose(&info);
    return suspended;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
