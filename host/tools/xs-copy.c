/*
 * xs-copy: the emulated host's byte mover.
 *
 * busybox's tee and nc move data in small chunks, which under QEMU TCG makes
 * a 134 MB migration stream take ten times longer than the migration itself.
 * This program moves the same bytes with one 1 MiB buffer per direction.
 *
 *   xs-copy [-v] [-t FILE] [-n N]        stdin -> stdout (and FILE, if -t);
 *                                        -n: stop after N octets (exit 1
 *                                        if the input ends before)
 *   xs-copy [-v] connect HOST PORT [SECS]
 *                                        relay stdin -> socket -> stdout,
 *                                        retrying the connect for SECS (30)
 *   xs-copy [-v] listen [-a ADDR] PORT [-n] -- CMD [ARG...]
 *                                        accept one TCP connection and exec
 *                                        CMD with it as stdin and stdout;
 *                                        -n: print "listening" on stderr
 *                                        once the socket is bound
 *   xs-copy [-v] watch [-a N] [-b] [-x] STRING [-- CMD [ARG...]]
 *                                        stdin -> stdout as it arrives,
 *                                        watching for STRING; N octets
 *                                        after its first occurrence (0)
 *                                        run CMD (sh -c style: waited
 *                                        for), before that octet is
 *                                        written with -b, after it
 *                                        otherwise; -x: then close stdout
 *                                        and drop the rest of stdin
 *
 * "connect" is the transport of the ssh stand-in used for `xl migrate -s`:
 * xl talks to its "ssh" child through two pipes, so this side has to relay.
 * "listen" runs the receiving `xl migrate-receive` directly on the socket,
 * so the receiver copies nothing.
 * "watch" is the stand-ins' way to cut or stall a connection right at a
 * message of xl's handshake ("ready to unpause"): it relays octets the
 * moment they arrive, so a handshake through it costs no time (the shell
 * loops it replaces spawned processes for every octet, seconds per message
 * on a loaded machine).
 *
 * Exit status: 0 done, 1 usage or I/O error, 2 could not connect.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF_SIZE (1u << 20)

static int verbose;
/* -n: octets plain copy stops after; UINT64_MAX: no limit. */
static uint64_t copy_limit = UINT64_MAX;

static void msg(const char *fmt, ...)
{
    va_list ap;

    fputs("xs-copy: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static double now(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

static void report(const char *what, uint64_t bytes, double t0)
{
    double dt = now() - t0;

    if (!verbose)
        return;
    msg("%s: %llu bytes in %.2f s (%.1f MB/s)", what,
        (unsigned long long)bytes, dt, dt > 0 ? bytes / dt / 1e6 : 0.0);
}

/* Write all of buf to fd; -1 with errno on failure. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Plain copy: in -> out, and to tee_fd too when it is not -1. */
static int copy_plain(int in, int out, int tee_fd)
{
    char *buf = malloc(BUF_SIZE);
    uint64_t total = 0;
    double t0 = now();
    int rc = 0;

    if (!buf) {
        msg("out of memory");
        return 1;
    }
    while (total < copy_limit) {
        uint64_t want = copy_limit - total;
        ssize_t r = read(in, buf, want < BUF_SIZE ? (size_t)want : BUF_SIZE);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            msg("read: %s", strerror(errno));
            rc = 1;
            break;
        }
        if (r == 0) {
            if (copy_limit != UINT64_MAX) {
                msg("input ended after %llu of %llu octets",
                    (unsigned long long)total, (unsigned long long)copy_limit);
                rc = 1;
            }
            break;
        }
        if (write_all(out, buf, (size_t)r) < 0) {
            msg("write: %s", strerror(errno));
            rc = 1;
            break;
        }
        if (tee_fd >= 0 && write_all(tee_fd, buf, (size_t)r) < 0) {
            msg("write to tee file: %s", strerror(errno));
            rc = 1;
            break;
        }
        total += (uint64_t)r;
    }
    report("copied", total, t0);
    free(buf);
    return rc;
}

/*
 * watch mode: copy in -> out, acting once at a trigger point: the octet
 * `after` octets past the end of the first occurrence of `needle` (after
 * = 0: the needle's last octet).  `before`: act before that octet is
 * written, else after.  `cut`: after acting, close out and read the rest
 * of in to nowhere, so that the writer on the other side can finish.
 */
struct watch {
    const char *needle;
    size_t nlen, matched;    /* a mismatch restarts the match: correct
                              * because main refuses a needle that repeats
                              * its first octet */
    uint64_t after, countdown;
    int seen, done, before, cut;
    char **cmd;
};

/* Run the action: the command, if any, waited for. */
static void watch_act(struct watch *w)
{
    pid_t pid;
    int st;

    w->done = 1;
    if (!w->cmd || !w->cmd[0])
        return;
    pid = fork();
    if (pid < 0) {
        msg("fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        execvp(w->cmd[0], w->cmd);
        msg("%s: %s", w->cmd[0], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
}

/*
 * Offset in buf[0..len) of the trigger octet, or -1 if it is not in this
 * chunk.  Advances the matcher over the octets it looks at.
 */
static ssize_t watch_scan(struct watch *w, const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (w->seen) {
            if (w->countdown == 0)
                return (ssize_t)i;
            w->countdown--;
            continue;
        }
        if (buf[i] == w->needle[w->matched])
            w->matched++;
        else
            w->matched = buf[i] == w->needle[0] ? 1 : 0;
        if (w->matched == w->nlen) {
            w->seen = 1;
            if (w->after == 0)
                return (ssize_t)i;
            w->countdown = w->after - 1;
        }
    }
    return -1;
}

static int copy_watch(int in, int out, struct watch *w)
{
    char *buf = malloc(BUF_SIZE);
    int rc = 0;

    if (!buf) {
        msg("out of memory");
        return 1;
    }
    for (;;) {
        ssize_t r = read(in, buf, BUF_SIZE), at = -1;
        size_t head;

        if (r < 0) {
            if (errno == EINTR)
                continue;
            msg("read: %s", strerror(errno));
            rc = 1;
            break;
        }
        if (r == 0)
            break;
        if (out < 0)
            continue;                   /* cut: dropping the rest */
        if (!w->done)
            at = watch_scan(w, buf, (size_t)r);
        if (at < 0) {
            if (write_all(out, buf, (size_t)r) < 0) {
                msg("write: %s", strerror(errno));
                rc = 1;
                break;
            }
            continue;
        }
        head = (size_t)at + (w->before ? 0 : 1);
        if (write_all(out, buf, head) < 0) {
            msg("write: %s", strerror(errno));
            rc = 1;
            break;
        }
        watch_act(w);
        if (w->cut) {
            close(out);
            out = -1;
            continue;
        }
        if (write_all(out, buf + head, (size_t)r - head) < 0) {
            msg("write: %s", strerror(errno));
            rc = 1;
            break;
        }
    }
    free(buf);
    return rc;
}

/*
 * One direction of a relay.  The buffer holds [off, off+len) not yet
 * written; we read only when it is empty, which keeps the loop simple and
 * still moves up to 1 MiB per read.
 */
struct pipe_dir {
    const char *name;
    int from, to;
    char *buf;
    size_t off, len;
    int eof;        /* read side finished */
    int done;       /* eof seen and everything written, write side shut */
    uint64_t total;
};

static void dir_finish(struct pipe_dir *d, int to_is_socket)
{
    d->done = 1;
    if (to_is_socket)
        shutdown(d->to, SHUT_WR);
    else
        close(d->to);
}

/* Relay stdin -> sock and sock -> stdout until both directions end. */
static int relay(int sock)
{
    struct pipe_dir up = { "stdin->socket", 0, sock, NULL, 0, 0, 0, 0, 0 };
    struct pipe_dir down = { "socket->stdout", sock, 1, NULL, 0, 0, 0, 0, 0 };
    struct pipe_dir *dirs[2] = { &up, &down };
    double t0 = now();
    int i;

    up.buf = malloc(BUF_SIZE);
    down.buf = malloc(BUF_SIZE);
    if (!up.buf || !down.buf) {
        msg("out of memory");
        return 1;
    }

    while (!up.done || !down.done) {
        struct pollfd pfd[2];
        int n = 0, idx[2] = { -1, -1 };

        for (i = 0; i < 2; i++) {
            struct pipe_dir *d = dirs[i];

            if (d->done)
                continue;
            pfd[n].fd = d->len ? d->to : d->from;
            pfd[n].events = d->len ? POLLOUT : POLLIN;
            pfd[n].revents = 0;
            idx[n++] = i;
        }
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            msg("poll: %s", strerror(errno));
            return 1;
        }
        for (i = 0; i < n; i++) {
            struct pipe_dir *d = dirs[idx[i]];
            ssize_t r;

            if (!pfd[i].revents)
                continue;
            if (!d->len) {
                r = read(d->from, d->buf, BUF_SIZE);
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                if (r < 0 && errno != ECONNRESET) {
                    msg("%s: read: %s", d->name, strerror(errno));
                    return 1;
                }
                if (r <= 0) {
                    d->eof = 1;
                    dir_finish(d, d == &up);
                    continue;
                }
                d->off = 0;
                d->len = (size_t)r;
                d->total += (uint64_t)r;
            }
            /* Try to write right away: usually the other side is ready. */
            r = write(d->to, d->buf + d->off, d->len);
            if (r < 0) {
                if (errno == EINTR || errno == EAGAIN)
                    continue;
                if (errno == EPIPE || errno == ECONNRESET) {
                    /* The reader went away: nothing more to do this way. */
                    d->len = 0;
                    d->done = 1;
                    continue;
                }
                msg("%s: write: %s", d->name, strerror(errno));
                return 1;
            }
            d->off += (size_t)r;
            d->len -= (size_t)r;
        }
    }
    report(up.name, up.total, t0);
    report(down.name, down.total, t0);
    free(up.buf);
    free(down.buf);
    return 0;
}

/*
 * Numeric IPv4 addresses only ("localhost" is taken as 127.0.0.1): the
 * emulated hosts have no resolver, and this keeps the static binary free of
 * glibc's NSS.
 */
static int parse_addr(const char *host, const char *port,
                      struct sockaddr_in *sa)
{
    char *end;
    long p = strtol(port, &end, 10);

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (*port == '\0' || *end != '\0' || p <= 0 || p > 65535) {
        msg("%s: not a port number", port);
        return -1;
    }
    sa->sin_port = htons((uint16_t)p);
    if (!host) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    if (!strcmp(host, "localhost"))
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        msg("%s: not a numeric IPv4 address", host);
        return -1;
    }
    return 0;
}

static void tune_socket(int s)
{
    int one = 1, size = 4 << 20;

    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int do_connect(const char *host, const char *port, int secs)
{
    struct sockaddr_in sa;
    double deadline = now() + secs;
    int s, rc;

    if (parse_addr(host, port, &sa))
        return 1;
    for (;;) {
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) {
            msg("socket: %s", strerror(errno));
            return 1;
        }
        tune_socket(s);
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            break;
        if (now() >= deadline) {
            msg("connect %s:%s: %s (gave up after %d s)", host, port,
                strerror(errno), secs);
            close(s);
            return 2;
        }
        close(s);
        usleep(200 * 1000);
    }
    if (verbose)
        msg("connected to %s:%s", host, port);
    rc = relay(s);
    close(s);
    return rc;
}

static int do_listen(const char *addr, const char *port, int notify,
                     char **cmd)
{
    struct sockaddr_in sa;
    int s, c, one = 1;

    if (parse_addr(addr, port, &sa))
        return 1;
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        msg("socket: %s", strerror(errno));
        return 1;
    }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    tune_socket(s);
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
        msg("bind/listen %s:%s: %s", addr ? addr : "*", port, strerror(errno));
        return 1;
    }
    if (notify)
        msg("listening on %s:%s", addr ? addr : "*", port);
    do {
        c = accept(s, NULL, NULL);
    } while (c < 0 && errno == EINTR);
    if (c < 0) {
        msg("accept: %s", strerror(errno));
        return 1;
    }
    close(s);
    tune_socket(c);
    if (verbose)
        msg("accepted a connection, running %s", cmd[0]);
    if (dup2(c, 0) < 0 || dup2(c, 1) < 0) {
        msg("dup2: %s", strerror(errno));
        return 1;
    }
    if (c > 1)
        close(c);
    execvp(cmd[0], cmd);
    msg("exec %s: %s", cmd[0], strerror(errno));
    return 1;
}

static void usage(void)
{
    fputs("usage: xs-copy [-v] [-t FILE] [-n N]\n"
          "       xs-copy [-v] connect HOST PORT [SECS]\n"
          "       xs-copy [-v] listen [-a ADDR] PORT [-n] -- CMD [ARG...]\n"
          "       xs-copy [-v] watch [-a N] [-b] [-x] STRING [-- CMD [ARG...]]\n",
          stderr);
    exit(1);
}

int main(int argc, char **argv)
{
    const char *tee_path = NULL;
    int i = 1;

    /* A vanished reader must be an error we see, not a silent death. */
    signal(SIGPIPE, SIG_IGN);

    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            tee_path = argv[++i];
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            copy_limit = strtoull(argv[++i], NULL, 10);
        else
            usage();
    }

    if (i < argc && !strcmp(argv[i], "connect")) {
        if (argc - i < 3 || argc - i > 4)
            usage();
        return do_connect(argv[i + 1], argv[i + 2],
                          argc - i == 4 ? atoi(argv[i + 3]) : 30);
    }

    if (i < argc && !strcmp(argv[i], "listen")) {
        const char *addr = NULL, *port = NULL;
        int notify = 0;

        for (i++; i < argc && strcmp(argv[i], "--"); i++) {
            if (!strcmp(argv[i], "-a") && i + 1 < argc)
                addr = argv[++i];
            else if (!strcmp(argv[i], "-n"))
                notify = 1;
            else if (!port)
                port = argv[i];
            else
                usage();
        }
        if (!port || i + 1 >= argc)
            usage();
        return do_listen(addr, port, notify, argv + i + 1);
    }

    if (i < argc && !strcmp(argv[i], "watch")) {
        struct watch w;

        memset(&w, 0, sizeof(w));
        for (i++; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
            if (!strcmp(argv[i], "-a") && i + 1 < argc)
                w.after = strtoull(argv[++i], NULL, 10);
            else if (!strcmp(argv[i], "-b"))
                w.before = 1;
            else if (!strcmp(argv[i], "-x"))
                w.cut = 1;
            else
                usage();
        }
        if (i >= argc || !argv[i][0])
            usage();
        w.needle = argv[i++];
        w.nlen = strlen(w.needle);
        /* The restart-on-mismatch matcher needs a needle whose first
         * octet does not occur again in it. */
        if (memchr(w.needle + 1, w.needle[0], w.nlen - 1)) {
            msg("watch: STRING must not repeat its first octet");
            return 1;
        }
        if (i < argc) {
            if (strcmp(argv[i], "--") || i + 1 >= argc)
                usage();
            w.cmd = argv + i + 1;
        }
        return copy_watch(0, 1, &w);
    }

    if (i != argc)
        usage();
    if (tee_path) {
        int fd = open(tee_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int rc;

        if (fd < 0) {
            msg("%s: %s", tee_path, strerror(errno));
            return 1;
        }
        rc = copy_plain(0, 1, fd);
        if (close(fd) < 0) {
            msg("%s: %s", tee_path, strerror(errno));
            rc = 1;
        }
        return rc;
    }
    return copy_plain(0, 1, -1);
}
