/*
 * test_xl_transport.c: the data connection of `xl migrate --data-port`
 * (tools/xl/xl_transport.c) on this machine's loopback: data through the
 * pumps both encrypted and "trusted" (authenticated, NULL cipher); a
 * wrong key, a port scan, a silent client and a second connection
 * refused; a cut connection told from a complete one; the listener
 * giving up when the control channel closes; what the connection queues
 * while the receiver does not read, bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>

#include "unit.h"
#include "xl_transport.h"

#define DATA_LEN (3U << 20)

static unsigned char key[XLT_KEY_LEN];

/* A listener on an ephemeral loopback port; its number in port. */
static int listen_any(char *port, size_t len)
{
    char msg[200];
    struct sockaddr_storage sa;
    socklen_t sl = sizeof(sa);
    int fd = xlt_listen("0", msg, sizeof(msg));

    if (fd < 0) {
        printf("# %s\n", msg);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    snprintf(port, len, "%u", ntohs(sa.ss_family == AF_INET6
                                    ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                    : ((struct sockaddr_in *)&sa)->sin_port));
    return fd;
}

/* The receiving side on a thread: accept, then pump into a buffer. */
typedef struct {
    int lfd, stop_fd, secs;
    bool trusted;
    int accept_rc, pump_rc;
    volatile int accepted;          /* xlt_accept has returned */
    volatile int hold;              /* set: do not read until cleared */
    xlt_session s;
    unsigned char *got;
    size_t got_len;
} receiver;

static void *receive_main(void *arg)
{
    receiver *r = arg;
    xlt_thread t;
    ssize_t n;

    r->pump_rc = -1;
    r->accept_rc = xlt_accept(&r->s, r->lfd, key, r->trusted, r->secs,
                              r->stop_fd, "test receiver");
    __atomic_store_n(&r->accepted, 1, __ATOMIC_SEQ_CST);
    if (r->accept_rc)
        return NULL;
    while (__atomic_load_n(&r->hold, __ATOMIC_SEQ_CST))
        usleep(10000);
    if (xlt_thread_start(&t, &r->s, false)) {
        xlt_dispose(&r->s);
        return NULL;
    }
    r->got = malloc(DATA_LEN + 1);
    while ((n = read(t.pipe_fd, r->got + r->got_len,
                     DATA_LEN + 1 - r->got_len)) > 0)
        r->got_len += n;
    r->pump_rc = xlt_thread_stop(&t, false, 10);
    xlt_dispose(&r->s);
    return NULL;
}

static void start_receiver_held(receiver *r, pthread_t *th, int lfd,
                                bool trusted, int secs, int stop_fd,
                                bool hold)
{
    memset(r, 0, sizeof(*r));
    r->hold = hold;
    r->lfd = lfd;
    r->trusted = trusted;
    r->secs = secs;
    r->stop_fd = stop_fd;
    pthread_create(th, NULL, receive_main, r);
}

static void start_receiver(receiver *r, pthread_t *th, int lfd, bool trusted,
                           int secs, int stop_fd)
{
    start_receiver_held(r, th, lfd, trusted, secs, stop_fd, false);
}

/* Send len octets of data through a sending pump; the pump's result. */
static int send_all(xlt_session *s, const unsigned char *data, size_t len)
{
    xlt_thread t;
    size_t off = 0;

    if (xlt_thread_start(&t, s, true))
        return -1;
    while (off < len) {
        ssize_t w = write(t.pipe_fd, data + off, len - off);

        if (w <= 0)
            break;
        off += w;
    }
    return xlt_thread_stop(&t, false, 10);
}

static unsigned char *make_data(void)
{
    unsigned char *d = malloc(DATA_LEN);
    uint32_t x = 7;
    size_t i;

    for (i = 0; i < DATA_LEN; i++) {
        x = x * 1103515245 + 12345;
        d[i] = x >> 24;
    }
    return d;
}

static void test_round_trip(bool trusted, const unsigned char *data)
{
    char port[16], name[100];
    receiver r;
    pthread_t th;
    xlt_session c;
    int lfd = listen_any(port, sizeof(port)), rc;

    const char *mode = trusted ? "trusted" : "encrypted";

    snprintf(name, sizeof(name), "transport: %s: listener up", mode);
    CHECK(name, lfd >= 0);
    if (lfd < 0)
        return;
    start_receiver(&r, &th, lfd, trusted, 20, -1);
    rc = xlt_connect(&c, "localhost", port, key, trusted, 10);
    snprintf(name, sizeof(name), "transport: %s: sender authenticated", mode);
    CHECK(name, rc == 0);
    if (rc)
        printf("# %s\n", c.err);
    else
        rc = send_all(&c, data, DATA_LEN);
    snprintf(name, sizeof(name), "transport: %s: cipher is %s (%s)", mode,
             trusted ? "NULL" : "an AEAD one", c.cipher);
    CHECK(name, trusted ? contains(c.cipher, "NULL")
                        : (contains(c.cipher, "CHACHA20") ||
                           contains(c.cipher, "GCM")));
    snprintf(name, sizeof(name), "transport: %s: sender's pump ended with"
             " the TLS close", mode);
    CHECK(name, rc == 0 && c.octets == DATA_LEN);
    xlt_dispose(&c);
    pthread_join(th, NULL);
    snprintf(name, sizeof(name), "transport: %s: %u octets arrived intact",
             mode, DATA_LEN);
    CHECK(name, r.accept_rc == 0 && r.pump_rc == 0 &&
          r.got_len == DATA_LEN && !memcmp(r.got, data, DATA_LEN));
    free(r.got);
}

/* A raw TCP connection to the port: what a port scan or a stranger does. */
static int raw_connect(const char *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_port = htons(atoi(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/*
 * Strangers first, then the sender: each stranger is refused, the sender
 * still gets through, and a connection after it is refused by the kernel.
 */
static void test_strangers(const unsigned char *data)
{
    unsigned char wrong[XLT_KEY_LEN];
    char port[16];
    receiver r;
    pthread_t th;
    xlt_session c;
    int lfd = listen_any(port, sizeof(port)), fd, rc;

    if (lfd < 0)
        return;
    start_receiver(&r, &th, lfd, false, 30, -1);

    memcpy(wrong, key, sizeof(wrong));
    wrong[5] ^= 1;
    rc = xlt_connect(&c, "127.0.0.1", port, wrong, false, 10);
    CHECK("transport: a sender with a wrong key is refused", rc == -1);
    printf("# wrong key, client side: %s\n", c.err);

    /* A port scan: connect and go. */
    fd = raw_connect(port);
    CHECK("transport: a port scan's connection is taken", fd >= 0);
    if (fd >= 0)
        close(fd);
    /* Not TLS at all. */
    fd = raw_connect(port);
    if (fd >= 0) {
        char junk[4096];

        memset(junk, 'A', sizeof(junk));
        memcpy(junk, "GET / HTTP/1.0\r\n\r\n", 18);
        (void)!write(fd, junk, sizeof(junk));
        usleep(300000);
        close(fd);
    }

    rc = xlt_connect(&c, "127.0.0.1", port, key, false, 10);
    CHECK("transport: after three strangers the sender still gets in",
          rc == 0);
    if (rc)
        printf("# %s\n", c.err);

    /*
     * The listener is gone once the sender is in.  (The client may finish
     * its handshake before the listener has: a connection in between
     * waits in the backlog and is reset when the listener closes.)
     */
    while (!rc && !__atomic_load_n(&r.accepted, __ATOMIC_SEQ_CST))
        usleep(10000);
    fd = raw_connect(port);
    CHECK("transport: a second connection is refused (listener closed)",
          fd < 0 && errno == ECONNREFUSED);
    if (fd >= 0)
        close(fd);

    if (!rc)
        rc = send_all(&c, data, DATA_LEN / 4);
    xlt_dispose(&c);
    pthread_join(th, NULL);
    CHECK("transport: and its data arrives intact", r.accept_rc == 0 &&
          r.pump_rc == 0 && r.got_len == DATA_LEN / 4 &&
          !memcmp(r.got, data, DATA_LEN / 4));
    free(r.got);
}

/* No authenticated sender: the listener gives up at its deadline. */
static void test_deadline(void)
{
    unsigned char wrong[XLT_KEY_LEN];
    char port[16];
    receiver r;
    pthread_t th;
    xlt_session c;
    int lfd = listen_any(port, sizeof(port)), fd;

    if (lfd < 0)
        return;
    start_receiver(&r, &th, lfd, true, 3, -1);
    memset(wrong, 0x55, sizeof(wrong));
    CHECK("transport: a wrong key is refused in trusted mode too",
          xlt_connect(&c, "127.0.0.1", port, wrong, true, 10) == -1);
    /* A client that says nothing: the handshake times out. */
    fd = raw_connect(port);
    pthread_join(th, NULL);
    if (fd >= 0)
        close(fd);
    CHECK("transport: no authenticated sender: the listener gives up",
          r.accept_rc == -1 && contains(r.s.err, "within 3 s") &&
          contains(r.s.err, "(2 refused)"));
    printf("# %s\n", r.s.err);
    fd = raw_connect(port);
    CHECK("transport: and then nothing listens", fd < 0);
    if (fd >= 0)
        close(fd);
}

/* The control channel closes while the listener waits. */
static void test_stop_fd(void)
{
    char port[16];
    receiver r;
    pthread_t th;
    int lfd = listen_any(port, sizeof(port)), p[2];

    if (lfd < 0 || pipe(p))
        return;
    start_receiver(&r, &th, lfd, false, 30, p[0]);
    usleep(200000);
    close(p[1]);
    pthread_join(th, NULL);
    close(p[0]);
    CHECK("transport: the listener stops when the control channel closes",
          r.accept_rc == -1 && contains(r.s.err, "went away"));
}

/* The sender's socket closes midway, without TLS's close. */
static void test_cut(const unsigned char *data)
{
    char port[16];
    receiver r;
    pthread_t th;
    xlt_session c;
    int lfd = listen_any(port, sizeof(port)), rc;

    if (lfd < 0)
        return;
    start_receiver(&r, &th, lfd, false, 20, -1);
    rc = xlt_connect(&c, "127.0.0.1", port, key, false, 10);
    if (!rc) {
        size_t off = 0;

        while (off < DATA_LEN / 2) {
            ssize_t n = gnutls_record_send(c.tls, data + off, 16384);

            if (n <= 0)
                break;
            off += n;
        }
        shutdown(c.fd, SHUT_RDWR);
    }
    xlt_dispose(&c);
    pthread_join(th, NULL);
    CHECK("transport: a cut connection is an error, not an end",
          r.accept_rc == 0 && r.pump_rc == -1 &&
          contains(r.s.err, "was cut") && r.got_len < DATA_LEN);
    printf("# %s\n", r.s.err);
    free(r.got);
}

/*
 * The data in flight (xl_transport.h, XLT_RCVBUF and XLT_UNSENT_MAX): the
 * receiver's socket holds a bounded buffer (Linux reports twice the size
 * asked for; without root it stops at net.core.rmem_max), the sender's
 * keeps at most XLT_UNSENT_MAX unsent; and a receiver that stops reading
 * for a while still gets every octet once it reads again.
 */
static int rmem_max(void)
{
    FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
    int v = 0;

    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

static void test_in_flight(const unsigned char *data)
{
    char port[16];
    receiver r;
    pthread_t th;
    xlt_session c;
    xlt_thread t;
    size_t off = 0;
    socklen_t sl = sizeof(int);
    int lfd = listen_any(port, sizeof(port)), i, rc, unsent = 0, rcvbuf = 0;
    int want = 2 * XLT_RCVBUF;

    if (lfd < 0)
        return;
    if (geteuid() && rmem_max() < XLT_RCVBUF)
        want = 2 * rmem_max();
    start_receiver_held(&r, &th, lfd, false, 20, -1, true);
    rc = xlt_connect(&c, "127.0.0.1", port, key, false, 10);
    CHECK("transport: in flight: sender authenticated", rc == 0);
    if (rc || xlt_thread_start(&t, &c, true)) {
        __atomic_store_n(&r.hold, 0, __ATOMIC_SEQ_CST);
        pthread_join(th, NULL);
        return;
    }
    getsockopt(c.fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &unsent, &sl);
    printf("# sender's TCP_NOTSENT_LOWAT %d\n", unsent);
    CHECK("transport: in flight: the sender queues at most XLT_UNSENT_MAX"
          " unsent octets", unsent == XLT_UNSENT_MAX);
    while (!__atomic_load_n(&r.accepted, __ATOMIC_SEQ_CST))
        usleep(10000);
    sl = sizeof(int);
    getsockopt(r.s.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl);
    printf("# receiver's SO_RCVBUF %d (want %d)\n", rcvbuf, want);
    CHECK("transport: in flight: the receiver's socket buffer is"
          " XLT_RCVBUF's", rcvbuf == want);

    /* Keep the pipe full for a second while nothing is read. */
    fcntl(t.pipe_fd, F_SETFL, O_NONBLOCK);
    for (i = 0; i < 20; i++) {
        ssize_t w = write(t.pipe_fd, data + off, DATA_LEN - off);

        if (w > 0)
            off += w;
        usleep(50000);
    }
    printf("# %llu octets into the connection while the receiver did not"
           " read\n", (unsigned long long)__atomic_load_n(&c.octets,
                                                         __ATOMIC_SEQ_CST));
    __atomic_store_n(&r.hold, 0, __ATOMIC_SEQ_CST);
    fcntl(t.pipe_fd, F_SETFL, 0);
    while (off < DATA_LEN) {
        ssize_t w = write(t.pipe_fd, data + off, DATA_LEN - off);

        if (w <= 0)
            break;
        off += w;
    }
    rc = xlt_thread_stop(&t, false, 10);
    xlt_dispose(&c);
    pthread_join(th, NULL);
    CHECK("transport: in flight: everything arrives once it reads again",
          rc == 0 && r.pump_rc == 0 && r.got_len == DATA_LEN &&
          !memcmp(r.got, data, DATA_LEN));
    free(r.got);
}

int main(void)
{
    unsigned char other[XLT_KEY_LEN], zero[XLT_KEY_LEN] = { 0 };
    unsigned char *data = make_data();

    signal(SIGPIPE, SIG_IGN);
    CHECK("transport: a key is made", xlt_make_key(key) == 0);
    CHECK("transport: a second key differs from the first",
          xlt_make_key(other) == 0 && memcmp(key, other, sizeof(key)) &&
          memcmp(key, zero, sizeof(key)));

    test_round_trip(false, data);
    test_round_trip(true, data);
    test_strangers(data);
    test_deadline();
    test_stop_fd();
    test_cut(data);
    test_in_flight(data);
    free(data);
    return unit_failures ? 1 : 0;
}
