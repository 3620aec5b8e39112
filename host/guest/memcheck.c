/*
 * memcheck: the test guest's proof that its memory survived, page by page.
 *
 * A region of pages is kept resident (mlock), some pages all zeros and the
 * others filled with contents that name the page and the generation at
 * which it was last written, so that a stale, shifted or zeroed page can
 * never pass for the right one.  What every page should hold is kept in
 * this process's own memory, which travels with the guest.
 *
 * Every STEP_MS a slice of the region is verified and a few pages change
 * (data pages are zeroed or rewritten with a new generation, zero pages get
 * data), so that pages change after a live migration or a Remus checkpoint
 * has first sent them.  It starts with
 *
 *   mem start pages P zero Z seed S
 *
 * and STEPS_PER_PASS slices make a pass over every page, which prints one
 * line:
 *
 *   mem ok pass N gen G zero Z/P cpu C ms
 *   mem BAD page X: want gen G, got zeros          (the first few pages)
 *   mem BAD pass N wrong W total T gen G zero Z/P cpu C ms
 *
 * (G: generations handed out so far, Z of the P pages expected zero, C the
 * CPU time the process used during the pass.)  A page found wrong is
 * rewritten with what it should hold, and once anything was wrong every
 * later pass says BAD: the total travels with the guest, so a mismatch
 * seen before a save is still reported after the restore.  The process
 * runs at nice 10, behind the guest's counter.
 *
 * Between steps the program sleeps SLEEP_MS at a time and measures the
 * time from one wake-up to the next, on CLOCK_MONOTONIC and CLOCK_REALTIME
 * (Linux leaves a suspend out of the former): a sleep and, now and then,
 * a step, so that a pause is seen whether it falls in a sleep or in a
 * step (the guest's processes are frozen for a suspend wherever they
 * are).  A gap of GAP_MS or more (the guest was paused: a migration's
 * last iteration, a Remus checkpoint) prints
 *
 *   mem gap M ms realtime R ms pass N largest L ms
 *
 * Usage:
 *   memcheck [--pages N] [--passes K] [--seed S] [--inject-at-pass K]
 *       --pages N           region size in 4 KiB pages (default 4096)
 *       --seed S            the layout and the changes (default: from the
 *                           clock; tests give one to be repeatable)
 *       --passes K          stop after K passes (default: run forever);
 *                           exit status 1 if anything was wrong
 *       --inject-at-pass K  after pass K, corrupt the region behind the
 *                           checker's back (for tests of the checker)
 *   memcheck --selftest     prove on this machine that each kind of
 *                           corruption is caught (PASS:/FAIL: lines)
 *   memcheck --damage FILE SEED PAGE...
 *                           in FILE, a saved image of a guest whose memcheck
 *                           printed "seed SEED", flip one octet of each
 *                           region PAGE that holds data (see damage_image)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE_ 4096u
#define PAGE_WORDS (PAGE_SIZE_ / 8)
#define DEFAULT_PAGES 4096u
#define MAX_PAGES (1u << 20)
#define STEP_MS 100
#define STEPS_PER_PASS 10
#define SLEEP_MS 10
#define GAP_MS 100
#define CHANGES_PER_STEP 4
/* Mismatch lines printed per pass, and over the life of the process. */
#define REPORT_PER_PASS 4
#define REPORT_TOTAL 32
/* Words 2.. of a data page: a per-page base plus the word index times an
 * odd constant, so no two words of a page are equal and none is skipped. */
#define BODY_STEP UINT64_C(0x9e3779b97f4a7c15)

/* What was found in a page that was not what it should be. */
enum found {
    FOUND_ZEROS,        /* all zeros */
    FOUND_OURS,         /* a data page of ours: header names page, gen */
    FOUND_OTHER,        /* anything else: the first wrong word */
};

struct mismatch {
    uint32_t page;
    uint32_t want_gen;          /* 0: want zeros */
    enum found found;
    uint32_t got_page, got_gen; /* FOUND_OURS */
    int body_intact;            /* FOUND_OURS: the body matches the header */
    uint32_t word;              /* FOUND_OTHER, or damaged body: which word */
    uint64_t got, want;         /* ... and its value */
};

struct memcheck {
    /* the region and what it should hold */
    unsigned char *mem;
    uint32_t *gen;              /* per page: 0 = all zeros, else generation */
    uint32_t npages;
    uint32_t seed;              /* per process: a page of another run is wrong */
    uint32_t last_gen;          /* generations handed out */
    uint32_t zero_pages;        /* pages expected all zeros */
    uint64_t rng;
    /* how many of each change were made (the self-test checks all occur) */
    uint64_t zeroed, filled, rewritten;

    /* the pass in progress */
    uint32_t pass;              /* passes completed */
    unsigned step;              /* slices of this pass verified */
    uint32_t wrong;             /* pages wrong in this pass */
    uint64_t total_wrong;       /* since start */
    unsigned reported;          /* mismatch lines printed since start */
    int64_t pass_cpu_ns;        /* CPU time at the start of the pass */

    /* the largest gap seen, ms */
    int64_t largest_gap;

    /* where lines go: fd, or (self-test) appended to capture */
    int fd;
    char *capture;
    size_t capture_len, capture_size;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static uint64_t next_random(struct memcheck *m)
{
    m->rng += BODY_STEP;
    return mix64(m->rng);
}

static uint64_t *page_words(const struct memcheck *m, uint32_t page)
{
    return (uint64_t *)(m->mem + (size_t)page * PAGE_SIZE_);
}

/* The header of a data page: word 0 the seed and page, word 1 the seed's
 * complement and the generation.  The body: words 2.. from body_base. */
static uint64_t header_page_word(const struct memcheck *m, uint32_t page)
{
    return (uint64_t)m->seed << 32 | page;
}

static uint64_t header_gen_word(const struct memcheck *m, uint32_t gen)
{
    return (uint64_t)(uint32_t)~m->seed << 32 | gen;
}

static uint64_t body_base(const struct memcheck *m, uint32_t page,
                          uint32_t gen)
{
    return mix64(header_page_word(m, page) ^ mix64(gen));
}

static uint64_t want_word(const struct memcheck *m, uint32_t page,
                          uint32_t gen, uint32_t i)
{
    if (!gen)
        return 0;
    if (i == 0)
        return header_page_word(m, page);
    if (i == 1)
        return header_gen_word(m, gen);
    return body_base(m, page, gen) + i * BODY_STEP;
}

/* ---- output ---- */

static void say(struct memcheck *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One line, written with a single write() so that it is not mixed with
 * the counter's lines on the shared console. */
static void say(struct memcheck *m, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    line[n] = 0;
    if (m->capture) {
        if (m->capture_len + n < m->capture_size) {
            memcpy(m->capture + m->capture_len, line, n + 1);
            m->capture_len += n;
        }
        return;
    }
    while (write(m->fd, line, n) < 0 && errno == EINTR)
        ;
}

static void describe_want(char *buf, size_t size, uint32_t gen)
{
    if (gen)
        snprintf(buf, size, "gen %" PRIu32, gen);
    else
        snprintf(buf, size, "zeros");
}

static void report_mismatch(struct memcheck *m, const struct mismatch *mm)
{
    char want[32];

    describe_want(want, sizeof(want), mm->want_gen);
    switch (mm->found) {
    case FOUND_ZEROS:
        say(m, "mem BAD page %" PRIu32 ": want %s, got zeros", mm->page, want);
        break;
    case FOUND_OURS:
        if (!mm->body_intact)
            say(m, "mem BAD page %" PRIu32 ": want %s, got page %" PRIu32
                " gen %" PRIu32 " with word %" PRIu32 " = 0x%016" PRIx64
                " (not 0x%016" PRIx64 ")", mm->page, want, mm->got_page,
                mm->got_gen, mm->word, mm->got, mm->want);
        else
            say(m, "mem BAD page %" PRIu32 ": want %s, got page %" PRIu32
                " gen %" PRIu32 "%s", mm->page, want, mm->got_page,
                mm->got_gen,
                mm->got_page != mm->page ? " (another page's)" :
                mm->got_gen < mm->want_gen ? " (stale)" : "");
        break;
    case FOUND_OTHER:
        say(m, "mem BAD page %" PRIu32 ": want %s, got word %" PRIu32
            " = 0x%016" PRIx64 " (not 0x%016" PRIx64 ")", mm->page, want,
            mm->word, mm->got, mm->want);
        break;
    }
}

/* ---- the region ---- */

static void write_page(struct memcheck *m, uint32_t page, uint32_t gen)
{
    uint64_t *w = page_words(m, page);
    uint64_t base;
    uint32_t i;

    if (!gen) {
        memset(w, 0, PAGE_SIZE_);
    } else {
        w[0] = header_page_word(m, page);
        w[1] = header_gen_word(m, gen);
        base = body_base(m, page, gen);
        for (i = 2; i < PAGE_WORDS; i++)
            w[i] = base + i * BODY_STEP;
    }
    if (!gen != !m->gen[page])
        m->zero_pages += gen ? -1 : 1;
    m->gen[page] = gen;
}

/*
 * Check PAGE against what it should hold.  0 if it is right; else fills
 * *MM with what was found there.
 */
static int check_page(const struct memcheck *m, uint32_t page,
                      struct mismatch *mm)
{
    const uint64_t *w = page_words(m, page);
    uint32_t gen = m->gen[page], i, bad = PAGE_WORDS;
    uint64_t base, any = 0;

    if (!gen) {
        for (i = 0; i < PAGE_WORDS; i++)
            any |= w[i];
        if (!any)
            return 0;
    } else {
        base = body_base(m, page, gen);
        if (w[0] != header_page_word(m, page) ||
            w[1] != header_gen_word(m, gen)) {
            bad = w[0] != header_page_word(m, page) ? 0 : 1;
        } else {
            for (i = 2; i < PAGE_WORDS; i++) {
                if (w[i] != base + i * BODY_STEP) {
                    bad = i;
                    break;
                }
            }
        }
        if (bad == PAGE_WORDS)
            return 0;
    }

    /* Wrong: say what is there instead. */
    memset(mm, 0, sizeof(*mm));
    mm->page = page;
    mm->want_gen = gen;
    any = 0;
    for (i = 0; i < PAGE_WORDS; i++)
        any |= w[i];
    if (!any) {
        mm->found = FOUND_ZEROS;
        return 1;
    }
    if (w[0] >> 32 == m->seed && w[1] >> 32 == (uint32_t)~m->seed &&
        (uint32_t)w[0] < m->npages && (uint32_t)w[1] != 0) {
        mm->found = FOUND_OURS;
        mm->got_page = (uint32_t)w[0];
        mm->got_gen = (uint32_t)w[1];
        mm->body_intact = 1;
        for (i = 2; i < PAGE_WORDS; i++) {
            mm->want = want_word(m, mm->got_page, mm->got_gen, i);
            if (w[i] != mm->want) {
                mm->body_intact = 0;
                mm->word = i;
                mm->got = w[i];
                break;
            }
        }
        return 1;
    }
    mm->found = FOUND_OTHER;
    for (i = 0; i < PAGE_WORDS; i++) {
        if (w[i] != want_word(m, page, gen, i))
            break;
    }
    mm->word = i;
    mm->got = w[i];
    mm->want = want_word(m, page, gen, i);
    return 1;
}

static void *map_locked(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

    if (p == MAP_FAILED)
        return NULL;
    /* Resident and each page a frame of its own, zero pages included (a
     * page never written would be the kernel's shared zero page).  Not
     * fatal if it fails: write_page touches every page anyway. */
    if (mlock(p, size))
        fprintf(stderr, "memcheck: mlock: %s\n", strerror(errno));
    return p;
}

/*
 * The initial layout: about a third of the pages zero, in runs of three
 * pages or more (a stream writer batches pages), and one run of a
 * sixteenth of the region.
 */
static int setup(struct memcheck *m, uint32_t npages, uint32_t seed)
{
    uint32_t p;

    m->npages = npages;
    m->seed = seed ? seed : 1;
    m->rng = seed;
    m->mem = map_locked((size_t)npages * PAGE_SIZE_);
    m->gen = map_locked((size_t)npages * sizeof(*m->gen));
    if (!m->mem || !m->gen)
        return -1;
    m->zero_pages = npages;  /* fresh mappings are zeros */
    for (p = 0; p < npages; p++) {
        int zero = mix64(seed ^ (p / 3)) % 3 == 0 ||
                   (p >= npages / 2 && p < npages / 2 + npages / 16);

        write_page(m, p, zero ? 0 : ++m->last_gen);
    }
    return 0;
}

/* One step's changes: pages chosen at random; a zero page gets data, a
 * data page is zeroed or rewritten with a new generation. */
static void change_pages(struct memcheck *m, unsigned count)
{
    unsigned i;

    for (i = 0; i < count; i++) {
        uint64_t r = next_random(m);
        uint32_t page = (uint32_t)(r % m->npages);

        if (!m->gen[page]) {
            write_page(m, page, ++m->last_gen);
            m->filled++;
        } else if (r >> 63) {
            write_page(m, page, 0);
            m->zeroed++;
        } else {
            write_page(m, page, ++m->last_gen);
            m->rewritten++;
        }
    }
}

/* Verify pages [FROM, TO): report, count and repair the wrong ones. */
static void verify_range(struct memcheck *m, uint32_t from, uint32_t to)
{
    struct mismatch mm;
    uint32_t p;

    for (p = from; p < to; p++) {
        if (!check_page(m, p, &mm))
            continue;
        m->wrong++;
        m->total_wrong++;
        if (m->wrong <= REPORT_PER_PASS && m->reported < REPORT_TOTAL) {
            report_mismatch(m, &mm);
            m->reported++;
        }
        write_page(m, p, m->gen[p]);
    }
}

static int64_t clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void end_pass(struct memcheck *m)
{
    int64_t cpu_ms = (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - m->pass_cpu_ns)
                     / 1000000;

    m->pass++;
    if (!m->total_wrong)
        say(m, "mem ok pass %" PRIu32 " gen %" PRIu32 " zero %" PRIu32
            "/%" PRIu32 " cpu %" PRId64 " ms", m->pass, m->last_gen,
            m->zero_pages, m->npages, cpu_ms);
    else
        say(m, "mem BAD pass %" PRIu32 " wrong %" PRIu32 " total %" PRIu64
            " gen %" PRIu32 " zero %" PRIu32 "/%" PRIu32 " cpu %" PRId64
            " ms", m->pass, m->wrong, m->total_wrong, m->last_gen,
            m->zero_pages, m->npages, cpu_ms);
    m->wrong = 0;
    m->step = 0;
    m->pass_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* One step: verify the next slice, then change a few pages (in that order,
 * so that what inject() did is found by the next step whatever the
 * changes pick); returns 1 when the step completed a pass. */
static int step(struct memcheck *m)
{
    uint32_t from = (uint64_t)m->npages * m->step / STEPS_PER_PASS;
    uint32_t to = (uint64_t)m->npages * (m->step + 1) / STEPS_PER_PASS;

    verify_range(m, from, to);
    change_pages(m, CHANGES_PER_STEP);
    if (++m->step < STEPS_PER_PASS)
        return 0;
    end_pass(m);
    return 1;
}

/* From one wake-up to the next: MONO_MS on the monotonic clock and
 * REAL_MS on the wall clock. */
static void note_gap(struct memcheck *m, int64_t mono_ms, int64_t real_ms)
{
    int64_t gap = mono_ms > real_ms ? mono_ms : real_ms;

    if (gap < GAP_MS)
        return;
    if (gap > m->largest_gap)
        m->largest_gap = gap;
    say(m, "mem gap %" PRId64 " ms realtime %" PRId64 " ms pass %" PRIu32
        " largest %" PRId64 " ms", mono_ms, real_ms, m->pass,
        m->largest_gap);
}

/* Corrupt the region behind the checker's back, in the slice the next
 * step verifies: zero its first data page, put data in its first zero
 * page. */
static void inject(struct memcheck *m)
{
    uint32_t p, data = m->npages, zero = m->npages;

    for (p = 0; p < m->npages / STEPS_PER_PASS; p++) {
        if (m->gen[p] && data == m->npages)
            data = p;
        if (!m->gen[p] && zero == m->npages)
            zero = p;
    }
    if (data < m->npages)
        memset(page_words(m, data), 0, PAGE_SIZE_);
    if (zero < m->npages)
        page_words(m, zero)[PAGE_WORDS - 1] = 1;
    fprintf(stderr, "memcheck: injected: page %" PRIu32 " zeroed, page %"
            PRIu32 " given a non-zero word\n", data, zero);
}

static int run(struct memcheck *m, uint32_t passes, uint32_t inject_at)
{
    const struct timespec nap = { 0, SLEEP_MS * 1000000L };
    int64_t next_step, mono0, real0, mono1, real1;

    m->pass_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    next_step = clock_ns(CLOCK_MONOTONIC) / 1000000 + STEP_MS;
    mono0 = clock_ns(CLOCK_MONOTONIC) / 1000000;
    real0 = clock_ns(CLOCK_REALTIME) / 1000000;
    for (;;) {
        nanosleep(&nap, NULL);
        mono1 = clock_ns(CLOCK_MONOTONIC) / 1000000;
        real1 = clock_ns(CLOCK_REALTIME) / 1000000;
        /* Since the last wake-up: the step in between counts too. */
        note_gap(m, mono1 - mono0, real1 - real0);
        mono0 = mono1;
        real0 = real1;
        if (mono1 < next_step)
            continue;
        next_step += STEP_MS;
        if (next_step <= mono1)
            next_step = mono1 + STEP_MS;
        if (!step(m))
            continue;
        if (inject_at && m->pass == inject_at)
            inject(m);
        if (passes && m->pass >= passes)
            return m->total_wrong ? 1 : 0;
    }
}

/* ---- damaging a saved image (the host's test of the whole chain) ---- */

#define DAMAGE_WORD 20      /* the body word whose low octet is flipped */
#define SCAN_CHUNK (1u << 20)
#define HEADER_OCTETS 16

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/*
 * In FILE, a saved image of a guest whose memcheck runs with SEED, find
 * each of the NPAGES region pages in PAGES by its header (a data page
 * carries one; a zero page has none and is not found) and flip one octet
 * of its body.  Prints "damaged page P at offset O" for each; returns how
 * many were damaged, or -1 on an I/O error.  The header may lie at any
 * octet offset in FILE (the libxc stream starts after the xl and libxl
 * headers), so FILE is scanned octet by octet for the seed.
 */
static int damage_image(const char *file, uint32_t seed, const uint32_t *pages,
                        int npages, unsigned char *done)
{
    static unsigned char buf[SCAN_CHUNK + HEADER_OCTETS];
    unsigned char key[4] = { seed, seed >> 8, seed >> 16, seed >> 24 };
    FILE *f = fopen(file, "r+b");
    uint64_t base = 0;          /* file offset of buf[0] */
    size_t have = 0, n, at;
    int damaged = 0, i, c;

    if (!f) {
        fprintf(stderr, "memcheck: %s: %s\n", file, strerror(errno));
        return -1;
    }
    for (;;) {
        n = fread(buf + have, 1, SCAN_CHUNK, f);
        have += n;
        /* A header is word 0 (page, seed) and word 1 (gen, ~seed): the
         * seed is at octet 4 of it. */
        for (at = 4; at + HEADER_OCTETS - 4 <= have; at++) {
            const unsigned char *h;
            uint32_t page;
            uint64_t where;

            h = memchr(buf + at, key[0], have - (HEADER_OCTETS - 4) - at + 1);
            if (!h)
                break;
            at = h - buf;
            if (memcmp(h, key, 4) || le32(h + 8) != (uint32_t)~seed)
                continue;
            page = le32(h - 4);
            for (i = 0; i < npages; i++) {
                if (pages[i] != page || done[i])
                    continue;
                where = base + (h - 4 - buf) + DAMAGE_WORD * 8;
                if (fseeko(f, (off_t)where, SEEK_SET) ||
                    (c = fgetc(f)) == EOF ||
                    fseeko(f, (off_t)where, SEEK_SET) ||
                    fputc(~c & 0xff, f) == EOF ||
                    fflush(f) || fseeko(f, (off_t)(base + have), SEEK_SET)) {
                    fprintf(stderr, "memcheck: %s: writing at %" PRIu64
                            ": %s\n", file, where, strerror(errno));
                    fclose(f);
                    return -1;
                }
                done[i] = 1;
                damaged++;
                printf("damaged page %" PRIu32 " at offset %" PRIu64 "\n",
                       page, where);
            }
        }
        if (n == 0)
            break;
        /* Keep the tail that could start a header cut by the chunk end. */
        at = have > HEADER_OCTETS ? have - HEADER_OCTETS : 0;
        memmove(buf, buf + at, have - at);
        base += at;
        have -= at;
    }
    if (ferror(f)) {
        fprintf(stderr, "memcheck: %s: %s\n", file, strerror(errno));
        fclose(f);
        return -1;
    }
    fclose(f);
    return damaged;
}

/* ---- self-test ---- */

static int selftest_failures;

/* One PASS:/FAIL: line; DETAIL up to its first newline. */
static void expect(const char *name, int ok, const char *detail)
{
    int n = detail ? (int)strcspn(detail, "\n") : 0;

    printf("%s: memcheck/%s%s%.*s%s\n", ok ? "PASS" : "FAIL", name,
           n ? " (" : "", n, detail ? detail : "", n ? ")" : "");
    if (!ok)
        selftest_failures++;
}

/* Verify the whole region as one pass, capturing what it prints. */
static uint32_t full_pass(struct memcheck *m)
{
    uint32_t wrong;

    m->capture_len = 0;
    m->capture[0] = 0;
    verify_range(m, 0, m->npages);
    wrong = m->wrong;
    end_pass(m);
    return wrong;
}

static uint32_t find_page(const struct memcheck *m, int data, uint32_t from)
{
    uint32_t p;

    for (p = from; p < m->npages; p++) {
        if (!m->gen[p] == !data)
            return p;
    }
    return m->npages;
}

/* Corrupt one page with DAMAGE, then one pass must find exactly that page
 * wrong and print SHOULD_SAY in its line about it. */
static void expect_caught(struct memcheck *m, const char *name,
                          uint32_t page, const char *should_say)
{
    char prefix[64];
    uint32_t wrong = full_pass(m);

    snprintf(prefix, sizeof(prefix), "mem BAD page %" PRIu32 ": ", page);
    expect(name, wrong == 1 && strstr(m->capture, prefix) == m->capture &&
           strstr(m->capture, should_say) != NULL &&
           strstr(m->capture, "\nmem BAD pass ") != NULL, m->capture);
}

/*
 * --damage on the region written to a file at an odd offset, chosen so
 * that the last data page's header straddles the end of the first scan
 * chunk, then read back: the data pages asked for are caught as damaged at
 * word 20, a zero page asked for is not touched.
 */
static void selftest_damage(struct memcheck *m)
{
    char path[] = "/tmp/memcheck-selftest-XXXXXX", want[2][64];
    unsigned char done[3] = { 0 };
    uint32_t pages[3], wrong;
    size_t size = (size_t)m->npages * PAGE_SIZE_;
    long at;
    FILE *f;
    int fd = mkstemp(path), n = -1;

    pages[0] = find_page(m, 1, 0);
    pages[1] = find_page(m, 0, 0);
    for (pages[2] = m->npages - 1; !m->gen[pages[2]]; pages[2]--)
        ;
    at = SCAN_CHUNK - (long)pages[2] * PAGE_SIZE_ - 8;
    f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (f && at > 0 && !fseek(f, at, SEEK_SET) &&
        fwrite(m->mem, 1, size, f) == size && fflush(f) == 0) {
        n = damage_image(path, m->seed, pages, 3, done);
        if (fseek(f, at, SEEK_SET) || fread(m->mem, 1, size, f) != size)
            n = -1;
    }
    if (f)
        fclose(f);
    unlink(path);
    wrong = full_pass(m);
    snprintf(want[0], sizeof(want[0]), "mem BAD page %" PRIu32 ": ", pages[0]);
    snprintf(want[1], sizeof(want[1]), "mem BAD page %" PRIu32 ": ", pages[2]);
    expect("damage-finds-data-pages-only", n == 2 && done[0] && !done[1] &&
           done[2], NULL);
    expect("damaged-pages-caught", wrong == 2 &&
           strstr(m->capture, want[0]) && strstr(m->capture, want[1]) &&
           strstr(m->capture, " with word 20 = "), m->capture);
}

static int selftest(void)
{
    struct memcheck m;
    char buf[4096], detail[128], want[160];
    uint64_t saved[PAGE_WORDS];
    uint32_t p, q, old_gen, zeros = 0;

    memset(&m, 0, sizeof(m));
    m.capture = buf;
    m.capture_size = sizeof(buf);
    m.fd = -1;
    if (setup(&m, 256, 12345)) {
        expect("setup", 0, strerror(errno));
        return 1;
    }
    for (p = 0; p < m.npages; p++)
        zeros += !m.gen[p];
    snprintf(detail, sizeof(detail), "%" PRIu32 " of %" PRIu32 " zero",
             zeros, m.npages);
    expect("layout-has-zero-and-data-pages",
           zeros == m.zero_pages && zeros > m.npages / 8 &&
           zeros < m.npages / 2, detail);

    expect("fresh-region-verifies", full_pass(&m) == 0 &&
           strncmp(buf, "mem ok pass 1 gen ", 18) == 0, buf);

    /* Many steps of changes: all three kinds happen, and every page still
     * verifies (the checker tracks its own changes). */
    for (p = 0; p < 200; p++)
        change_pages(&m, CHANGES_PER_STEP);
    snprintf(detail, sizeof(detail), "zeroed %" PRIu64 " filled %" PRIu64
             " rewritten %" PRIu64, m.zeroed, m.filled, m.rewritten);
    expect("changes-zero-fill-and-rewrite",
           m.zeroed > 0 && m.filled > 0 && m.rewritten > 0, detail);
    expect("changed-region-verifies", full_pass(&m) == 0 &&
           strncmp(buf, "mem ok pass 2 ", 14) == 0, buf);

    /* A data page restored as zeros (e.g. sent as allocate-only). */
    p = find_page(&m, 1, 0);
    memset(page_words(&m, p), 0, PAGE_SIZE_);
    expect_caught(&m, "zeroed-data-page", p, "got zeros");

    /* A page that was zeroed after it was first sent, restored with its
     * old contents. */
    p = find_page(&m, 1, p + 1);
    memcpy(saved, page_words(&m, p), PAGE_SIZE_);
    old_gen = m.gen[p];
    write_page(&m, p, 0);
    memcpy(page_words(&m, p), saved, PAGE_SIZE_);
    snprintf(detail, sizeof(detail), "got page %" PRIu32 " gen %" PRIu32,
             p, old_gen);
    expect_caught(&m, "zeroed-page-restored-stale", p, detail);

    /* A page rewritten after it was first sent, restored with the old
     * generation. */
    p = find_page(&m, 1, p + 1);
    memcpy(saved, page_words(&m, p), PAGE_SIZE_);
    write_page(&m, p, ++m.last_gen);
    memcpy(page_words(&m, p), saved, PAGE_SIZE_);
    expect_caught(&m, "rewritten-page-restored-stale", p, "(stale)");

    /* A page holding its neighbour's contents (pfns shifted). */
    p = find_page(&m, 1, p + 1);
    q = find_page(&m, 1, p + 1);
    memcpy(page_words(&m, p), page_words(&m, q), PAGE_SIZE_);
    snprintf(detail, sizeof(detail), "got page %" PRIu32 " gen %" PRIu32
             " (another page's)", q, m.gen[q]);
    expect_caught(&m, "page-with-another-pages-contents", p, detail);

    /* A zero page with one non-zero octet at its very end. */
    p = find_page(&m, 0, 0);
    ((unsigned char *)page_words(&m, p))[PAGE_SIZE_ - 1] = 0x80;
    snprintf(detail, sizeof(detail), "got word %u = 0x8000000000000000",
             PAGE_WORDS - 1);
    expect_caught(&m, "zero-page-with-data", p, detail);

    /* One bit flipped in the last word of a data page. */
    p = find_page(&m, 1, 0);
    page_words(&m, p)[PAGE_WORDS - 1] ^= 1;
    snprintf(detail, sizeof(detail), "with word %u = ", PAGE_WORDS - 1);
    expect_caught(&m, "bit-flip-in-data-page", p, detail);

    /* A page of another run (another seed): not ours. */
    p = find_page(&m, 1, 0);
    page_words(&m, p)[0] ^= UINT64_C(1) << 40;
    expect_caught(&m, "page-of-another-run", p, "got word 0 = ");

    /* Wrong pages were repaired, but the pass line stays BAD. */
    expect("bad-is-sticky-after-repair", full_pass(&m) == 0 &&
           strstr(buf, "mem BAD pass ") == buf &&
           strstr(buf, " wrong 0 total 7 ") != NULL, buf);

    /* Only the first few wrong pages of a pass get a line of their own. */
    for (p = 0; p < 10; p++)
        page_words(&m, p)[0] ^= 2;
    full_pass(&m);
    q = 0;
    for (p = 0; buf[p]; p++)
        q += buf[p] == '\n';
    snprintf(detail, sizeof(detail), "%" PRIu32 " lines", q);
    expect("mismatch-lines-capped", q == REPORT_PER_PASS + 1 &&
           strstr(buf, " wrong 10 total 17 ") != NULL, detail);

    /* 99 ms between wake-ups is no gap; 150 ms on the wall
     * clock is, whatever the monotonic clock says (a suspend). (That run()
     * measures real gaps is tested by stopping the process.) */
    m.capture_len = 0;
    buf[0] = 0;
    note_gap(&m, 99, 99);
    note_gap(&m, 20, 150);
    note_gap(&m, 120, 130);
    snprintf(want, sizeof(want),
             "mem gap 20 ms realtime 150 ms pass %" PRIu32 " largest 150 ms\n"
             "mem gap 120 ms realtime 130 ms pass %" PRIu32 " largest 150 ms\n",
             m.pass, m.pass);
    expect("gap-reported", !strcmp(buf, want), buf);

    selftest_damage(&m);
    return selftest_failures ? 1 : 0;
}

/* ---- main ---- */

static int number(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    struct memcheck m;
    uint32_t npages = DEFAULT_PAGES, passes = 0, inject_at = 0;
    uint32_t seed = 0;
    int i;

    if (argc >= 5 && !strcmp(argv[1], "--damage")) {
        uint32_t pages[64];
        unsigned char done[64] = { 0 };
        int n = argc - 4, r;

        if (n > 64 || number(argv[3], UINT32_MAX, &seed)) {
            fprintf(stderr, "memcheck: --damage FILE SEED PAGE... (up to 64 pages)\n");
            return 2;
        }
        for (i = 0; i < n; i++) {
            if (number(argv[4 + i], MAX_PAGES, &pages[i])) {
                fprintf(stderr, "memcheck: --damage: page '%s' is not a number\n",
                        argv[4 + i]);
                return 2;
            }
        }
        r = damage_image(argv[2], seed, pages, n, done);
        return r > 0 ? 0 : 1;
    }
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--selftest"))
            return selftest();
        if (i + 1 < argc && !strcmp(argv[i], "--pages")) {
            if (number(argv[++i], MAX_PAGES, &npages) || npages < STEPS_PER_PASS) {
                fprintf(stderr, "memcheck: --pages: a number from %d to %u\n",
                        STEPS_PER_PASS, MAX_PAGES);
                return 2;
            }
        } else if (i + 1 < argc && !strcmp(argv[i], "--passes")) {
            if (number(argv[++i], UINT32_MAX, &passes)) {
                fprintf(stderr, "memcheck: --passes: a number\n");
                return 2;
            }
        } else if (i + 1 < argc && !strcmp(argv[i], "--seed")) {
            if (number(argv[++i], UINT32_MAX, &seed)) {
                fprintf(stderr, "memcheck: --seed: a number\n");
                return 2;
            }
        } else if (i + 1 < argc && !strcmp(argv[i], "--inject-at-pass")) {
            if (number(argv[++i], UINT32_MAX, &inject_at)) {
                fprintf(stderr, "memcheck: --inject-at-pass: a number\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: memcheck [--pages N] [--passes K] "
                    "[--seed S] [--inject-at-pass K] | --selftest\n");
            return 2;
        }
    }

    memset(&m, 0, sizeof(m));
    m.fd = STDOUT_FILENO;
    if (!seed)
        seed = (uint32_t)mix64((uint64_t)clock_ns(CLOCK_REALTIME) ^
                               (uint64_t)getpid() << 32);
    if (setup(&m, npages, seed)) {
        fprintf(stderr, "memcheck: no memory for %" PRIu32 " pages: %s\n",
                npages, strerror(errno));
        return 2;
    }
    /* Behind the guest's counter: it must never wait for the check. */
    setpriority(PRIO_PROCESS, 0, 10);
    say(&m, "mem start pages %" PRIu32 " zero %" PRIu32 " seed %" PRIu32,
        m.npages, m.zero_pages, m.seed);
    return run(&m, passes, inject_at);
}
