# Shared compiler settings for everything built outside the Xen tree.
# The codec is also compiled inside libxenlight with Xen's flags, so it is
# held to the same warnings here.
WARN_CFLAGS := -std=gnu99 -Wall -Wextra -Werror -Wmissing-prototypes \
               -Wstrict-prototypes -Wdeclaration-after-statement \
               -Wno-unused-parameter -Wshadow
OPT_CFLAGS  ?= -O2 -g
SAN_CFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer

CHECK_STAGES_ALL :=
# Of those, the ones that run in make check's second lane (see Makefile).
CHECK_LANE_ALL :=
# Stages only make check-all runs (too long for make check's budget).
CHECK_STAGES_EXTRA :=
all:
