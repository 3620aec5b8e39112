/*
 * libxc_record_names.h: names of libxc migration-stream record types
 * (versions 2 and 3), shared by xen-stream and the legacy test tools so
 * the table exists once.
 */
#ifndef LIBXC_RECORD_NAMES_H
#define LIBXC_RECORD_NAMES_H

#include <stdint.h>

/* Name of a libxc record type, or NULL for a type this table lacks. */
static inline const char *libxc_record_name(uint32_t type)
{
    static const char *const names[] = {
        "END", "PAGE_DATA", "X86_PV_INFO", "X86_PV_P2M_FRAMES",
        "X86_PV_VCPU_BASIC", "X86_PV_VCPU_EXTENDED", "X86_PV_VCPU_XSAVE",
        "SHARED_INFO", "X86_TSC_INFO", "HVM_CONTEXT", "HVM_PARAMS",
        "TOOLSTACK", "X86_PV_VCPU_MSRS", "VERIFY", "CHECKPOINT",
        "CHECKPOINT_DIRTY_PFN_LIST", "STATIC_DATA_END", "X86_CPUID_POLICY",
        "X86_MSR_POLICY",
    };

    return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

#endif /* LIBXC_RECORD_NAMES_H */
