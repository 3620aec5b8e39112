/*
 * xlt-client: a stranger to `xl migrate-receive --data-port`, for the
 * transport scenarios.  It connects to HOST:PORT and tries the TLS-PSK
 * handshake with a key of its own (fresh and random: never the
 * migration's), as a sender that lost or guessed the key would.
 *
 *   xlt-client [--trusted] HOST PORT
 *
 * Exit status: 0 the handshake succeeded (the listener let a stranger
 * in: a bug), 3 the handshake was refused, 2 no connection (nothing
 * listening, or refused by the kernel), 1 usage.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */
#include <stdio.h>
#include <string.h>

#include "xl_transport.h"

int main(int argc, char **argv)
{
    unsigned char key[XLT_KEY_LEN];
    xlt_session s;
    bool trusted = false;
    int i = 1;

    if (argc > 1 && !strcmp(argv[1], "--trusted")) {
        trusted = true;
        i++;
    }
    if (argc - i != 2 || xlt_make_key(key)) {
        fprintf(stderr, "usage: xlt-client [--trusted] HOST PORT\n");
        return 1;
    }
    if (!xlt_connect(&s, argv[i], argv[i + 1], key, trusted, 10)) {
        printf("handshake succeeded with a random key (%s)\n", s.cipher);
        xlt_dispose(&s);
        return 0;
    }
    printf("%s\n", s.err);
    /* No peer address means the connection itself failed. */
    return strstr(s.err, "TLS") ? 3 : 2;
}
