/*
 * xl_transport.c: the data connection of `xl migrate --data-port`.  See
 * xl_transport.h for the protocol and the contracts.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* accept4, pthread_timedjoin_np */
#endif

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "xl_transport.h"

/*
 * Encrypted: TLS 1.3 (or 1.2) with the key as PSK, ECDHE on top for
 * forward secrecy.  ChaCha20 first: it is the faster cipher on a CPU
 * without AES instructions, as an emulated or older dom0 often is.
 * Trusted: TLS 1.2 PSK with the NULL cipher, the only way TLS offers to
 * authenticate every record without encrypting it.
 */
static const char prio_encrypted[] =
    "NORMAL:-KX-ALL:+ECDHE-PSK:+PSK:-CIPHER-ALL:+CHACHA20-POLY1305:"
    "+AES-256-GCM:+AES-128-GCM";
static const char prio_trusted[] =
    "NONE:+VERS-TLS1.2:+PSK:+NULL:+SHA256:+COMP-NULL:+SIGN-ALL";

#define PUMP_BUF (256 * 1024)

static void set_err(xlt_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(xlt_session *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_timeouts(int fd, int ms)
{
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void describe_peer(int fd, char *buf, size_t len)
{
    struct sockaddr_storage sa;
    socklen_t sl = sizeof(sa);
    char h[INET6_ADDRSTRLEN], p[8];

    if (getpeername(fd, (struct sockaddr *)&sa, &sl) ||
        getnameinfo((struct sockaddr *)&sa, sl, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV)) {
        snprintf(buf, len, "(unknown address)");
        return;
    }
    /* An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d. */
    if (sa.ss_family == AF_INET6 &&
        IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&sa)->sin6_addr) &&
        !strncmp(h, "::ffff:", 7))
        snprintf(buf, len, "%s:%s", h + 7, p);
    else
        snprintf(buf, len, sa.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
                 h, p);
}

int xlt_make_key(unsigned char key[XLT_KEY_LEN])
{
    return gnutls_rnd(GNUTLS_RND_KEY, key, XLT_KEY_LEN) ? -1 : 0;
}

/* ---- the handshake ---- */

/* The server's side of the PSK: one identity, one key. */
static int psk_lookup(gnutls_session_t tls, const char *identity,
                      gnutls_datum_t *out)
{
    const unsigned char *key = gnutls_session_get_ptr(tls);

    if (!key || strcmp(identity, XLT_PSK_IDENTITY))
        return -1;
    out->data = gnutls_malloc(XLT_KEY_LEN);
    if (!out->data)
        return -1;
    memcpy(out->data, key, XLT_KEY_LEN);
    out->size = XLT_KEY_LEN;
    return 0;
}

void xlt_dispose(xlt_session *s)
{
    if (s->tls) {
        gnutls_deinit(s->tls);
        s->tls = NULL;
    }
    if (s->cred) {
        if (s->server)
            gnutls_psk_free_server_credentials(s->cred);
        else
            gnutls_psk_free_client_credentials(s->cred);
        s->cred = NULL;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

static int setup_credentials(xlt_session *s,
                             const unsigned char key[XLT_KEY_LEN])
{
    gnutls_datum_t k = { (unsigned char *)key, XLT_KEY_LEN };
    int r;

    if (s->server) {
        gnutls_psk_server_credentials_t c;

        r = gnutls_psk_allocate_server_credentials(&c);
        if (r)
            return r;
        s->cred = c;
        gnutls_psk_set_server_credentials_function(c, psk_lookup);
        /* psk_lookup reads the key through the session's pointer. */
        gnutls_session_set_ptr(s->tls, (void *)key);
    } else {
        gnutls_psk_client_credentials_t c;

        r = gnutls_psk_allocate_client_credentials(&c);
        if (r)
            return r;
        s->cred = c;
        r = gnutls_psk_set_client_credentials(c, XLT_PSK_IDENTITY, &k,
                                              GNUTLS_PSK_KEY_RAW);
        if (r)
            return r;
    }
    return gnutls_credentials_set(s->tls, GNUTLS_CRD_PSK, s->cred);
}

/* Handshake failures a stranger causes: worth saying so. */
static bool stranger_error(int r)
{
    return r == GNUTLS_E_DECRYPTION_FAILED ||
           r == GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER ||
           r == GNUTLS_E_FATAL_ALERT_RECEIVED ||
           r == GNUTLS_E_PREMATURE_TERMINATION ||
           r == GNUTLS_E_UNEXPECTED_PACKET_LENGTH ||
           r == GNUTLS_E_UNEXPECTED_PACKET ||
           r == GNUTLS_E_UNSUPPORTED_VERSION_PACKET;
}

int xlt_handshake(xlt_session *s, int fd, bool server,
                  const unsigned char key[XLT_KEY_LEN], bool trusted,
                  int secs)
{
    int64_t deadline = mono_ms() + (int64_t)secs * 1000;
    const char *what = "setting up TLS";
    int r;

    s->tls = NULL;
    s->cred = NULL;
    s->fd = fd;
    s->server = server;
    s->octets = 0;
    s->err[0] = s->cipher[0] = '\0';
    describe_peer(fd, s->peer, sizeof(s->peer));

    r = gnutls_init(&s->tls, server ? GNUTLS_SERVER : GNUTLS_CLIENT);
    if (r) {
        s->tls = NULL;
        goto out;
    }
    r = gnutls_priority_set_direct(s->tls, trusted ? prio_trusted
                                                   : prio_encrypted, NULL);
    if (r)
        goto out;
    r = setup_credentials(s, key);
    if (r)
        goto out;
    gnutls_transport_set_int(s->tls, fd);
    gnutls_handshake_set_timeout(s->tls, secs * 1000U);
    /* Short socket timeouts, so that the deadline is looked at. */
    set_timeouts(fd, 1000);

    what = "TLS handshake";
    do {
        r = gnutls_handshake(s->tls);
    } while (r < 0 && !gnutls_error_is_fatal(r) && mono_ms() < deadline);
    if (r)
        goto out;
    set_timeouts(fd, 0);
    snprintf(s->cipher, sizeof(s->cipher), "%s %s",
             gnutls_protocol_get_name(gnutls_protocol_get_version(s->tls)),
             gnutls_cipher_get_name(gnutls_cipher_get(s->tls)));
    gnutls_session_set_ptr(s->tls, NULL);

 out:
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ||
        r == GNUTLS_E_TIMEDOUT)
        set_err(s, "no TLS handshake from %s within %d s", s->peer, secs);
    else if (r)
        set_err(s, "%s with %s failed: %s%s", what, s->peer,
                gnutls_strerror(r), stranger_error(r)
                ? " (not the one-time key of this migration, or not an xl"
                  " migration at all)" : "");
    if (r)
        xlt_dispose(s);
    return r ? -1 : 0;
}

/* ---- the receiver's listener ---- */

int xlt_listen(const char *port, char *msg, size_t msg_len)
{
    static const int families[] = { AF_INET6, AF_INET };
    struct addrinfo hints, *ai = NULL;
    int i, fd = -1, one = 1, zero = 0, rcvbuf = XLT_RCVBUF, r, err = 0;

    for (i = 0; i < 2 && fd < 0; i++) {
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = families[i];
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        r = getaddrinfo(NULL, port, &hints, &ai);
        if (r) {
            snprintf(msg, msg_len, "port %s: %s", port, gai_strerror(r));
            return -1;
        }
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            /*
             * Before listen(): the window scale is agreed in the SYN.
             * SO_RCVBUF alone stops at net.core.rmem_max (208 KiB by
             * default); root may set the size it asks for.
             */
            if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
                           sizeof(rcvbuf)))
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                           sizeof(rcvbuf));
            if (ai->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
                           sizeof(zero));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4)) {
                err = errno;
                close(fd);
                fd = -1;
            }
        } else {
            err = errno;
        }
        freeaddrinfo(ai);
    }
    if (fd < 0)
        snprintf(msg, msg_len, "cannot listen on port %s: %s", port,
                 strerror(err));
    return fd;
}

int xlt_accept(xlt_session *s, int lfd, const unsigned char key[XLT_KEY_LEN],
               bool trusted, int secs, int stop_fd, const char *who)
{
    int64_t deadline = mono_ms() + (int64_t)secs * 1000;
    int refused = 0, rc = -1;

    s->fd = -1;
    s->tls = NULL;
    s->cred = NULL;
    for (;;) {
        struct pollfd p[2] = {
            { .fd = lfd, .events = POLLIN },
            { .fd = stop_fd, .events = POLLIN },
        };
        int64_t left = deadline - mono_ms();
        int c, hs_secs;

        if (left <= 0) {
            set_err(s, "no authenticated data connection within %d s"
                    " (%d refused)", secs, refused);
            break;
        }
        if (poll(p, stop_fd >= 0 ? 2 : 1, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            set_err(s, "waiting for the data connection: %s",
                    strerror(errno));
            break;
        }
        if (p[1].revents) {
            set_err(s, "the sender went away (control channel closed)"
                    " before its data connection was accepted");
            break;
        }
        if (!p[0].revents)
            continue;
        c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
                continue;
            set_err(s, "accepting the data connection: %s", strerror(errno));
            break;
        }
        hs_secs = XLT_HANDSHAKE_S;
        if (hs_secs * 1000 > left)
            hs_secs = (int)((left + 999) / 1000);
        if (!xlt_handshake(s, c, true, key, trusted, hs_secs)) {
            rc = 0;
            break;
        }
        refused++;
        fprintf(stderr, "%s: data connection refused: %s\n", who, s->err);
    }
    close(lfd);
    return rc;
}

/* ---- the sender's connection ---- */

int xlt_connect(xlt_session *s, const char *host, const char *port,
                const unsigned char key[XLT_KEY_LEN], bool trusted,
                int secs)
{
    struct addrinfo hints, *ai = NULL, *a;
    int r, fd = -1, err = 0, one = 1, unsent = XLT_UNSENT_MAX;

    s->fd = -1;
    s->tls = NULL;
    s->cred = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    r = getaddrinfo(host, port, &hints, &ai);
    if (r) {
        set_err(s, "data connection to %s port %s: %s", host, port,
                gai_strerror(r));
        return -1;
    }
    for (a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        /* connect() gives up after SO_SNDTIMEO. */
        set_timeouts(fd, secs * 1000);
        if (connect(fd, a->ai_addr, a->ai_addrlen)) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        set_err(s, "data connection to %s port %s: %s", host, port,
                strerror(err == EINPROGRESS ? ETIMEDOUT : err));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &unsent, sizeof(unsent));
    return xlt_handshake(s, fd, false, key, trusted, secs);
}

/* ---- the pumps ---- */

int xlt_pump_send(xlt_session *s, int in_fd)
{
    unsigned char *buf = malloc(PUMP_BUF);
    int rc = -1;

    if (!buf) {
        set_err(s, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t got = read(in_fd, buf, PUMP_BUF), off = 0;

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            set_err(s, "reading the stream to send: %s", strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        while (off < got) {
            ssize_t r = gnutls_record_send(s->tls, buf + off, got - off);

            if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
                continue;
            if (r < 0) {
                set_err(s, "sending to %s after %llu octets: %s", s->peer,
                        (unsigned long long)s->octets,
                        gnutls_strerror((int)r));
                goto out;
            }
            off += r;
            s->octets += r;
        }
    }
    /* TLS's close: the receiver tells a complete stream from a cut one. */
    if (gnutls_bye(s->tls, GNUTLS_SHUT_WR)) {
        set_err(s, "closing the data connection to %s failed", s->peer);
        goto out;
    }
    rc = 0;
 out:
    free(buf);
    return rc;
}

int xlt_pump_recv(xlt_session *s, int out_fd)
{
    unsigned char *buf = malloc(PUMP_BUF);
    int rc = -1;

    if (!buf) {
        set_err(s, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t got = gnutls_record_recv(s->tls, buf, PUMP_BUF), off = 0;

        if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED)
            continue;
        if (got == 0)
            break;
        if (got < 0) {
            set_err(s, "the data connection from %s %s after %llu octets:"
                    " %s", s->peer,
                    got == GNUTLS_E_PREMATURE_TERMINATION
                    ? "was cut (no TLS close)" : "failed",
                    (unsigned long long)s->octets,
                    gnutls_strerror((int)got));
            goto out;
        }
        while (off < got) {
            ssize_t w = write(out_fd, buf + off, got - off);

            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                set_err(s, "passing on the stream after %llu octets: %s",
                        (unsigned long long)s->octets, strerror(errno));
                goto out;
            }
            off += w;
            s->octets += w;
        }
    }
    rc = 0;
 out:
    free(buf);
    return rc;
}

/* ---- the pump on a thread ---- */

static void *pump_thread(void *arg)
{
    xlt_thread *t = arg;

    t->rc = t->sending ? xlt_pump_send(t->s, t->own_fd)
                       : xlt_pump_recv(t->s, t->own_fd);
    /*
     * Sending: libxl's writes fail from now on instead of filling the
     * pipe.  Receiving: libxl sees the end of its stream (early, after
     * an error).
     */
    close(t->own_fd);
    t->own_fd = -1;
    return NULL;
}

int xlt_thread_start(xlt_thread *t, xlt_session *s, bool sending)
{
    int p[2];

    t->running = false;
    t->pipe_fd = -1;
    /*
     * Close-on-exec: a helper libxl starts must not inherit our end, or
     * the other end would never see EOF.
     */
    if (pipe2(p, O_CLOEXEC)) {
        set_err(s, "cannot create a pipe for the data connection: %s",
                strerror(errno));
        return -1;
    }
    t->s = s;
    t->sending = sending;
    t->rc = -1;
    t->own_fd = sending ? p[0] : p[1];
    t->pipe_fd = sending ? p[1] : p[0];
    if (pthread_create(&t->thread, NULL, pump_thread, t)) {
        set_err(s, "cannot start the data connection's thread");
        close(p[0]);
        close(p[1]);
        t->pipe_fd = -1;
        return -1;
    }
    t->running = true;
    return 0;
}

int xlt_thread_stop(xlt_thread *t, bool cancel, int secs)
{
    struct timespec until;

    if (!t->running)
        return -1;
    if (t->pipe_fd >= 0) {
        close(t->pipe_fd);
        t->pipe_fd = -1;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += secs;
    if (!cancel && pthread_timedjoin_np(t->thread, NULL, &until)) {
        set_err(t->s, "the data connection with %s did not finish within"
                " %d s of the end of the stream", t->s->peer, secs);
        cancel = true;
    }
    if (cancel) {
        pthread_cancel(t->thread);
        pthread_join(t->thread, NULL);
        if (t->own_fd >= 0) {
            close(t->own_fd);
            t->own_fd = -1;
        }
    }
    t->running = false;
    return cancel ? -1 : t->rc;
}

/*
 * Local variables:
 * mode: C
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
