/*
 * inproc-read: restores images through our libxl stream reader, in this
 * process (read_lib.c), and prints what the reader made of each.
 *
 *   inproc-read [-v] [--file] [--socket] [--fault SPEC]... IMAGE...
 *
 * --fault makes a call on a file fail (see inproc_fault_parse), afresh
 * for every image and mode.  --config pv|hvm|hvm-trad restores as that
 * guest whatever the image is; --stall-after N (socket only) stops
 * sending after N octets of the libxl stream, connection open;
 * --trickle-after N (socket only) sends 128 octets every 50 ms after N;
 * --xs-commit-fail N and --xs-write-fail make xenstore refuse; --colo
 * restores as a COLO secondary (a CHECKPOINT_STATE read from the main
 * stream after every checkpoint); --legacy takes a bare legacy image,
 * which the reader converts (LIBXL_CONVERT_HELPER names the converter).
 * One line per image and way of reading it (both when neither is named):
 *
 *   MODE<TAB>IMAGE<TAB>VERDICT
 *
 * Exit status 0 when every verdict could be had (valid, invalid or skip),
 * 2 when the harness itself failed for one.
 *
 * SPDX-License-Identifier: LGPL-2.1-only
 */

#include "inproc.h"

static void usage(void)
{
    fprintf(stderr, "usage: inproc-read [-v] [--file] [--socket]"
            " [--fault OP,MATCH,NTH,ERR]... [--config pv|hvm|hvm-trad]\n"
            "       [--stall-after N] [--trickle-after N] [--xs-commit-fail N]"
            " [--xs-write-fail]"
            " [--colo] [--legacy]"
            " IMAGE...\n");
    exit(2);
}

static unsigned char *slurp(const char *path, size_t *len_r)
{
    struct stat st;
    unsigned char *img;
    ssize_t r;
    int fd;

    fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st)) {
        perror(path);
        exit(2);
    }
    img = malloc(st.st_size ? st.st_size : 1);
    if (!img) abort();
    r = read(fd, img, st.st_size);
    if (r != st.st_size) {
        fprintf(stderr, "%s: short read\n", path);
        exit(2);
    }
    close(fd);
    *len_r = st.st_size;
    return img;
}

int main(int argc, char **argv)
{
    bool verbose = false, socket_mode = false, file_mode = false;
    char verdict[1024];
    const char *faults[8];
    int i, j, first = 0, status = 0, n_faults = 0;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-v")) verbose = true;
        else if (!strcmp(argv[i], "--socket")) socket_mode = true;
        else if (!strcmp(argv[i], "--file")) file_mode = true;
        else if (!strcmp(argv[i], "--fault") && i + 1 < argc && n_faults < 8)
            faults[n_faults++] = argv[++i];
        else if (!strcmp(argv[i], "--config") && i + 1 < argc)
            inproc_read_options.config = argv[++i];
        else if (!strcmp(argv[i], "--stall-after") && i + 1 < argc)
            inproc_read_options.stall_after = atol(argv[++i]);
        else if (!strcmp(argv[i], "--trickle-after") && i + 1 < argc)
            inproc_read_options.trickle_after = atol(argv[++i]);
        else if (!strcmp(argv[i], "--xs-commit-fail") && i + 1 < argc)
            inproc_read_options.xs_commit_failures = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--xs-write-fail"))
            inproc_read_options.xs_write_failures = true;
        else if (!strcmp(argv[i], "--colo"))
            inproc_read_options.colo = true;
        else if (!strcmp(argv[i], "--legacy"))
            inproc_read_options.legacy = true;
        else usage();
    }
    first = i;
    if (first == argc)
        usage();
    if (!socket_mode && !file_mode)
        socket_mode = file_mode = true;

    signal(SIGPIPE, SIG_IGN);
    for (i = first; i < argc; i++) {
        size_t len;
        unsigned char *img = slurp(argv[i], &len);

        if (file_mode) {
            inproc_faults_clear();
            for (j = 0; j < n_faults; j++)
                if (inproc_fault_parse(faults[j])) usage();
            if (inproc_read_image(img, len, argv[i], verbose, verdict,
                                  sizeof(verdict)) == INPROC_HARNESS)
                status = 2;
            printf("file\t%s\t%s%s\n", argv[i], verdict,
                   n_faults && !inproc_faults_fired() ?
                   " (fault never fired)" : "");
        }
        if (socket_mode) {
            inproc_faults_clear();
            for (j = 0; j < n_faults; j++)
                if (inproc_fault_parse(faults[j])) usage();
            if (inproc_read_image(img, len, NULL, verbose, verdict,
                                  sizeof(verdict)) == INPROC_HARNESS)
                status = 2;
            printf("socket\t%s\t%s%s\n", argv[i], verdict,
                   n_faults && !inproc_faults_fired() ?
                   " (fault never fired)" : "");
        }
        fflush(stdout);
        free(img);
    }
    return status;
}
