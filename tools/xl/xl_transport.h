/*
 * xl_transport.h: the data connection of `xl migrate --data-port`.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 *
 * The migration's control messages (banner, ready, GO, report) stay on
 * the ssh channel; the xl header and libxl's stream go over one direct
 * TCP connection from the sender to a port the receiving xl listens on.
 *
 *   sender -> receiver, on ssh:  XLT_KEY_INTRO (with NUL), XLT_KEY_LEN
 *                                random octets: a one-time key
 *   sender -> receiver, on TCP:  TLS, authenticated by that key as a
 *                                pre-shared key (identity XLT_PSK_IDENTITY)
 *
 * Both ends prove they hold the key in the TLS handshake: nothing reaches
 * libxl from a connection that has not.  Encrypted by default; "trusted"
 * (xl migrate --data-trusted) keeps the key exchange and every record's
 * MAC but sends the data in clear (TLS 1.2's PSK with the NULL cipher),
 * for a network the operator vouches for.
 *
 * The receiver accepts connections one at a time until one completes the
 * handshake or its deadline passes; each connection that fails (wrong
 * key, not TLS, a port scan, too slow) gets a line naming its address and
 * why, and is closed.  The listening socket is closed as soon as one is
 * authenticated, so a second connection is refused by the kernel.
 *
 * No I/O of its own beyond the sockets it is given; messages go to the
 * caller's buffer (xlt_session.err) or, for refused connections, to
 * stderr.  The pumps copy between a pipe and the session for xl's
 * threads, as xl_zstd.h's do.
 */
#ifndef XL_TRANSPORT_H
#define XL_TRANSPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLT_KEY_LEN         32
#define XLT_KEY_INTRO       "xl migrate data key v1"
#define XLT_PSK_IDENTITY    "xl-migrate"
/* Seconds one connection may take to complete its handshake. */
#define XLT_HANDSHAKE_S     10
/*
 * Octets the data connection may hold between the two xl processes
 * (docs/transport.md, "Data in flight").  Whatever is queued there when
 * the guest is suspended has to be drained before it can run again, and
 * libxc counts it as sent when it plans its last iteration: an
 * autotuned Linux socket queued megabytes when the receiving dom0 was
 * the slower end.  The receiver's socket buffer (SO_RCVBUF, which Linux
 * doubles for its bookkeeping) bounds the window; the sender keeps at
 * most XLT_UNSENT_MAX unsent octets queued (TCP_NOTSENT_LOWAT).  512 KiB
 * of window is a 10 Gbit/s link's worth over a 0.4 ms round trip.
 */
#define XLT_RCVBUF          (1024 * 1024)
#define XLT_UNSENT_MAX      (128 * 1024)

struct gnutls_session_int;

typedef struct xlt_session {
    /* Results. */
    uint64_t octets;        /* payload moved by a pump */
    char peer[64];          /* "address:port" of the other end */
    char cipher[48];        /* what the handshake agreed on */
    char err[256];          /* after a failure: what went wrong */

    /* Private. */
    struct gnutls_session_int *tls;
    void *cred;
    bool server;
    int fd;
} xlt_session;

/* A fresh one-time key.  0, or -1 when no randomness is available. */
int xlt_make_key(unsigned char key[XLT_KEY_LEN]);

/*
 * Handshake on connected socket fd (which the session then owns),
 * within secs.  0, or -1 with s->err saying why; s is then disposed of
 * (the socket closed).
 */
int xlt_handshake(xlt_session *s, int fd, bool server,
                  const unsigned char key[XLT_KEY_LEN], bool trusted,
                  int secs);

/* Close the session and its socket; a no-op on a disposed one. */
void xlt_dispose(xlt_session *s);

/*
 * Bind and listen on TCP port (any address, IPv4 and IPv6 if the host has
 * it).  The socket, or -1 with msg filled.
 */
int xlt_listen(const char *port, char *msg, size_t msg_len);

/*
 * Take connections on listening socket lfd until one proves it holds key,
 * or secs pass, or stop_fd (if not -1) becomes readable (the control
 * channel: the sender gave up); lfd is closed either way.  Each refused
 * connection gets a line on stderr starting with who (e.g. "migration
 * target").  0, or -1 with s->err saying why none was accepted.
 */
int xlt_accept(xlt_session *s, int lfd, const unsigned char key[XLT_KEY_LEN],
               bool trusted, int secs, int stop_fd, const char *who);

/* Connect to host:port and handshake, all within secs.  As xlt_accept. */
int xlt_connect(xlt_session *s, const char *host, const char *port,
                const unsigned char key[XLT_KEY_LEN], bool trusted,
                int secs);

/*
 * The pumps.  send: in_fd to the session until EOF on in_fd, then the
 * TLS close.  recv: the session to out_fd until the peer's TLS close; an
 * end without it (a cut connection) is an error.  0, or -1 with s->err.
 */
int xlt_pump_send(xlt_session *s, int in_fd);
int xlt_pump_recv(xlt_session *s, int out_fd);

/*
 * A pump on a thread, between the session and a new pipe whose other end
 * is xlt_thread.pipe_fd (for libxl, or for the zstd thread).  Sending:
 * pipe_fd is written, and closing it is the end of the data; receiving:
 * pipe_fd is read, and sees EOF at the end of the data or early after a
 * failure.
 */
typedef struct xlt_thread {
    /* Results. */
    int pipe_fd;
    int rc;

    /* Private. */
    xlt_session *s;
    bool sending, running;
    int own_fd;
    pthread_t thread;
} xlt_thread;

/* 0, or -1 with s->err.  s must stay valid until xlt_thread_stop. */
int xlt_thread_start(xlt_thread *t, xlt_session *s, bool sending);

/*
 * Close pipe_fd (if still open) and wait for the thread: at most secs
 * when finishing normally; at once, cancelling it, with cancel.  The
 * thread's 0 or -1 (s->err), -1 also when it had to be cancelled.
 */
int xlt_thread_stop(xlt_thread *t, bool cancel, int secs);

#endif /* XL_TRANSPORT_H */

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
