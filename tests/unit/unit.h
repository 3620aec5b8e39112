/*
 * unit.h: the whole unit-test "framework": each check prints one
 * PASS:/FAIL: line (the format tests/lib/summary.sh counts) and the
 * program's exit status says whether any failed.
 */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures;

#define CHECK(name, cond)                                                   \
    do {                                                                    \
        if (cond) {                                                         \
            printf("PASS: %s\n", (name));                                   \
        } else {                                                            \
            printf("FAIL: %s (%s:%d: %s)\n", (name), __FILE__, __LINE__,   \
                   #cond);                                                  \
            unit_failures++;                                                \
        }                                                                   \
    } while (0)

static inline int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

#endif /* TESTS_UNIT_H */
