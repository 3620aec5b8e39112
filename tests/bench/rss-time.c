/*
 * rss-time: run a command and report its wall time and peak RSS, the
 * numbers `make bench` prints.  With --pipe-from FILE the command's stdin
 * is a pipe fed by `cat FILE` (a real, unseekable pipe), and the figures
 * are for the command alone, not for cat.  The command's stdout goes to
 * /dev/null.
 *
 *   rss-time [--pipe-from FILE] -- COMMAND [ARGS...]
 *   prints: elapsed=SECONDS maxrss_kib=N status=N
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *pipe_from = NULL;
    struct rusage ru;
    pid_t cat_pid = -1, pid;
    int i = 1, fds[2], status = 0, cat_status;
    double t0, t1;

    if (i + 1 < argc && !strcmp(argv[i], "--pipe-from")) {
        pipe_from = argv[i + 1];
        i += 2;
    }
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (i >= argc) {
        fprintf(stderr, "usage: rss-time [--pipe-from FILE] -- CMD...\n");
        return 2;
    }
    if (pipe_from && pipe(fds)) {
        perror("pipe");
        return 2;
    }
    t0 = now();
    if (pipe_from) {
        cat_pid = fork();
        if (cat_pid == 0) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
            execlp("cat", "cat", pipe_from, (char *)NULL);
            _exit(127);
        }
    }
    pid = fork();
    if (pid == 0) {
        /* The command's output is not the point; keep it off our stdout. */
        int null_fd = open("/dev/null", O_WRONLY);

        if (null_fd >= 0)
            dup2(null_fd, STDOUT_FILENO);
        if (pipe_from) {
            dup2(fds[0], STDIN_FILENO);
            close(fds[0]);
            close(fds[1]);
        }
        execvp(argv[i], argv + i);
        _exit(127);
    }
    if (pipe_from) {
        close(fds[0]);
        close(fds[1]);
    }
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 2;
    }
    t1 = now();
    if (cat_pid > 0)
        waitpid(cat_pid, &cat_status, 0);
    printf("elapsed=%.3f maxrss_kib=%ld status=%d\n", t1 - t0, ru.ru_maxrss,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return 0;
}
