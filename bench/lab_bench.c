/*
 * lab_bench.c - the labaudit side of bench/run.  It uses only the public
 * API of liblabaudit, as a host would, and prints one JSON object per run
 * on stdout for the driver to tabulate:
 *
 *   lab_bench ingest DIR [REPEAT]
 *       times lab_dataset_load of a dataset folder (best of REPEAT, each
 *       into a fresh dataset);
 *   lab_bench verify CERT TRUST [LIST...]
 *       verifies CERT with the trust list TRUST in a loop (about 2 CPU
 *       seconds each) without status lists, then with each prefix of the
 *       LISTs (a revocation list, then a suspension list too): what the
 *       status checks cost a verify, one lab_verify call each and with one
 *       lab_verifier reused;
 *   lab_bench check PACKS DIR AS_OF [REPEAT]
 *       loads the packs and the folder, runs one lab_check (which also
 *       derives the chain facts), then REPEAT more, timed, and reports the
 *       peak resident memory of the process; then REPEAT checks that
 *       alternate between AS_OF and the day before, so that each one
 *       derives every facility's history anew (a check on an unchanged
 *       dataset and date reuses it): the difference is what deriving the
 *       history costs a whole check;
 *   lab_bench latency PACKS DIR SUPPLIER AS_OF [N [SECONDS]]
 *       through lab_plugin_get_api(), checks one supplier and its chain N
 *       times (or as many as fit in SECONDS, at least 100) on a loaded
 *       dataset and engine, timing each call.
 */
#include <labaudit.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/*
 * Times are CPU seconds of this process (the library is single-threaded
 * in a check), so that a busy machine slows the figures less than wall
 * time would; latency is reported both ways.
 */
static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static double wall(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* Peak resident set size of this process so far, in bytes. */
static long long peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (long long)ru.ru_maxrss * 1024;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_count(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > 100000000)
        return -1;
    *out = v;
    return 0;
}

static int fail(const char *what)
{
    fprintf(stderr, "lab_bench: %s: %s\n", what, lab_errmsg());
    return 1;
}

static void print_counts(const lab_dataset *ds)
{
    printf("\"suppliers\":%zu,\"links\":%zu,\"audits\":%zu,\"products\":%zu,"
           "\"noncompliances\":%zu",
           lab_dataset_count(ds, LAB_RECORD_SUPPLIER),
           lab_dataset_count(ds, LAB_RECORD_LINK),
           lab_dataset_count(ds, LAB_RECORD_AUDIT),
           lab_dataset_count(ds, LAB_RECORD_PRODUCT),
           lab_dataset_count(ds, LAB_RECORD_NONCOMPLIANCE));
}

static int cmd_ingest(const char *dir, long repeat)
{
    double best = -1;
    lab_dataset *keep = NULL;
    for (long i = 0; i < repeat; i++) {
        lab_dataset *ds = NULL;
        if (lab_dataset_new(&ds) != LAB_OK)
            return fail("lab_dataset_new");
        double t0 = now();
        if (lab_dataset_load(ds, dir) != LAB_OK) {
            lab_dataset_free(ds);
            return fail(dir);
        }
        double dt = now() - t0;
        if (best < 0 || dt < best)
            best = dt;
        lab_dataset_free(keep);
        keep = ds;
    }
    printf("{\"seconds\":%.6f,", best);
    print_counts(keep);
    printf(",\"peak_rss\":%lld}\n", peak_rss());
    lab_dataset_free(keep);
    return 0;
}

static int load_engine(lab_engine **out, const char *packs)
{
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = &packs;
    eo.npacks = 1;
    return lab_engine_new(out, &eo);
}

/* The date before YYYY-MM-DD, into out (16 bytes). */
static int day_before(char *out, const char *date)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 0, m = 0, d = 0;
    if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
        return 1;
    if (--d == 0) {
        if (--m == 0) {
            m = 12;
            y--;
        }
        d = mdays[m - 1] +
            (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    }
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
    return 0;
}

static int cmd_check(const char *packs, const char *dir, const char *as_of,
                     long repeat)
{
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    double *times = NULL;
    int rc = 1;

    if (load_engine(&e, packs) != LAB_OK) {
        fail(packs);
        goto out;
    }
    double t0 = now();
    if (lab_dataset_new(&ds) != LAB_OK || lab_dataset_load(ds, dir) != LAB_OK) {
        fail(dir);
        goto out;
    }
    double load_s = now() - t0;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    co.as_of = as_of;
    t0 = now();
    if (lab_check(&rep, e, ds, &co) != LAB_OK) {
        fail("lab_check");
        goto out;
    }
    double first_s = now() - t0;
    size_t findings = lab_report_finding_count(rep);
    size_t history = lab_report_history_count(rep);
    lab_report_free(rep);
    rep = NULL;

    times = calloc((size_t)repeat, sizeof *times);
    if (times == NULL)
        goto out;
    for (long i = 0; i < repeat; i++) {
        t0 = now();
        if (lab_check(&rep, e, ds, &co) != LAB_OK) {
            fail("lab_check");
            goto out;
        }
        times[i] = now() - t0;
        lab_report_free(rep);
        rep = NULL;
    }
    qsort(times, (size_t)repeat, sizeof *times, cmp_double);
    double best = times[0], median = times[repeat / 2];
    /* the day before as_of, as YYYY-MM-DD (as_of is validated by the
     * first check) */
    char before[16];
    if (day_before(before, as_of) != 0)
        goto out;
    for (long i = 0; i < repeat; i++) {
        co.as_of = i % 2 ? as_of : before;
        t0 = now();
        if (lab_check(&rep, e, ds, &co) != LAB_OK) {
            fail("lab_check");
            goto out;
        }
        times[i] = now() - t0;
        lab_report_free(rep);
        rep = NULL;
    }
    qsort(times, (size_t)repeat, sizeof *times, cmp_double);
    printf("{\"load_seconds\":%.6f,\"first_check_seconds\":%.6f,"
           "\"check_seconds\":%.6f,\"check_seconds_median\":%.6f,"
           "\"rederive_check_seconds\":%.6f,"
           "\"rules\":%zu,\"findings\":%zu,\"history\":%zu,",
           load_s, first_s, best, median, times[0], lab_engine_rule_count(e),
           findings, history);
    print_counts(ds);
    printf(",\"peak_rss\":%lld}\n", peak_rss());
    rc = 0;
out:
    free(times);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    return rc;
}

/* The host's view: everything through the plugin table. */
static int cmd_latency(const char *packs, const char *dir, const char *sup,
                       const char *as_of, long n, double budget)
{
    const lab_api *api = lab_plugin_get_api(LAB_ABI_MAJOR);
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    double *times = NULL, *cpu = NULL;
    int rc = 1, worst = -1;

    if (api == NULL)
        return fail("lab_plugin_get_api");
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = &packs;
    eo.npacks = 1;
    if (api->engine_new(&e, &eo) != LAB_OK) {
        fail(packs);
        goto out;
    }
    if (api->dataset_new(&ds) != LAB_OK ||
        api->dataset_load(ds, dir) != LAB_OK) {
        fail(dir);
        goto out;
    }
    times = calloc((size_t)n, sizeof *times);
    cpu = calloc((size_t)n, sizeof *cpu);
    if (times == NULL || cpu == NULL)
        goto out;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    co.as_of = as_of;
    co.supplier = sup;
    /* The first check derives the dataset's chain facts; a host pays
     * that once per dataset, not per call. */
    double t0 = now();
    if (api->check(&rep, e, ds, &co) != LAB_OK) {
        fail("check");
        goto out;
    }
    double first_s = now() - t0;
    api->report_free(rep);
    rep = NULL;
    double start = wall();
    for (long i = 0; i < n; i++) {
        if (i >= 100 && wall() - start > budget) {
            n = i; /* out of time: report the calls made */
            break;
        }
        double w0 = wall();
        t0 = now();
        if (api->check(&rep, e, ds, &co) != LAB_OK) {
            fail("check");
            goto out;
        }
        worst = api->report_worst(rep);
        api->report_free(rep);
        rep = NULL;
        cpu[i] = now() - t0;
        times[i] = wall() - w0;
    }
    qsort(times, (size_t)n, sizeof *times, cmp_double);
    qsort(cpu, (size_t)n, sizeof *cpu, cmp_double);
    size_t p99 = (size_t)((double)n * 0.99);
    if (p99 >= (size_t)n)
        p99 = (size_t)n - 1;
    printf("{\"calls\":%ld,\"first_check_seconds\":%.6f,"
           "\"median_us\":%.3f,\"p99_us\":%.3f,\"max_us\":%.3f,"
           "\"cpu_median_us\":%.3f,\"cpu_p99_us\":%.3f,\"worst\":%d,",
           n, first_s, times[n / 2] * 1e6, times[p99] * 1e6, times[n - 1] * 1e6,
           cpu[n / 2] * 1e6, cpu[p99] * 1e6, worst);
    print_counts(ds);
    printf("}\n");
    rc = 0;
out:
    free(times);
    free(cpu);
    if (rep != NULL)
        api->report_free(rep);
    api->dataset_free(ds);
    api->engine_free(e);
    return rc;
}

/* Loads a dataset folder whose events/ holds EPCIS documents (as
 * bench/gen_epcis writes it): wall and CPU seconds of the whole load, the
 * records it made and the peak RSS.  With PACKS, then checks it: every
 * product is judged on its own lot's chain, so the check's time is what
 * the per-lot chain facts cost at that size. */
static int cmd_epcis(const char *dir, const char *packs)
{
    lab_dataset *ds = NULL;
    lab_engine *e = NULL;
    lab_report *rep = NULL;
    if (packs != NULL && load_engine(&e, packs) != LAB_OK)
        return fail(packs);
    if (lab_dataset_new(&ds) != LAB_OK) {
        lab_engine_free(e);
        return fail("lab_dataset_new");
    }
    double t0 = now(), w0 = wall();
    if (lab_dataset_load(ds, dir) != LAB_OK) {
        lab_dataset_free(ds);
        lab_engine_free(e);
        return fail(dir);
    }
    double dt = now() - t0, dw = wall() - w0, check_s = -1;
    size_t verdicts = 0;
    if (e != NULL) {
        lab_check_options co = LAB_CHECK_OPTIONS_INIT;
        co.as_of = "2026-12-01";
        t0 = now();
        if (lab_check(&rep, e, ds, &co) != LAB_OK) {
            lab_dataset_free(ds);
            lab_engine_free(e);
            return fail("lab_check");
        }
        check_s = now() - t0;
        verdicts = lab_report_product_count(rep);
    }
    printf("{\"seconds\":%.6f,\"wall_seconds\":%.6f,\"lots\":%zu,"
           "\"lot_inputs\":%zu,\"links\":%zu,\"products\":%zu,"
           "\"warnings\":%zu,\"check_seconds\":%.6f,\"verdicts\":%zu,"
           "\"peak_rss\":%lld}\n",
           dt, dw, lab_dataset_count(ds, LAB_RECORD_LOT),
           lab_dataset_count(ds, LAB_RECORD_LOT_INPUT),
           lab_dataset_count(ds, LAB_RECORD_LINK),
           lab_dataset_count(ds, LAB_RECORD_PRODUCT),
           lab_dataset_warning_count(ds), check_s, verdicts, peak_rss());
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    return 0;
}

/* Reads a whole file (at most 64 MiB) or exits. */
static char *bench_read(const char *path, size_t *len)
{
    char *s = NULL;
    if (lab_file_read(&s, len, path, 0, LAB_FILE_TEXT) != LAB_OK) {
        fprintf(stderr, "lab_bench: %s\n", lab_errmsg());
        exit(2);
    }
    return s;
}

/* Verifies per CPU second with the status lists given: one lab_verify
 * call each (trust list parsed, keys made, lists checked every time), or
 * with one verifier made first and reused (handle != 0). */
static double verify_rate(const char *cert, size_t clen, const char *trust,
                          const char *lists, size_t llen, int *status,
                          int handle)
{
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    vo.trust_list = trust;
    vo.status_list = llen ? lists : NULL;
    vo.status_list_len = llen;
    lab_verifier *vf = NULL;
    if (handle && lab_verifier_new(&vf, &vo) != LAB_OK) {
        fprintf(stderr, "lab_bench: verifier: %s\n", lab_errmsg());
        exit(2);
    }
    long n = 0;
    double t0 = now(), t = 0;
    do {
        int rc = handle
                     ? lab_verifier_verify(vf, status, NULL, cert, clen, NULL)
                     : lab_verify(status, NULL, cert, clen, &vo);
        if (rc != LAB_OK) {
            fprintf(stderr, "lab_bench: verify: %s\n", lab_errmsg());
            exit(2);
        }
        n++;
        t = now() - t0;
    } while (t < 2.0);
    lab_verifier_free(vf);
    return (double)n / t;
}

static int cmd_verify(const char *certp, const char *trustp, char *const *listp,
                      int nlists)
{
    size_t clen = 0, tlen = 0;
    char *cert = bench_read(certp, &clen), *trust = bench_read(trustp, &tlen);
    while (clen > 0 && (cert[clen - 1] == '\n' || cert[clen - 1] == '\r'))
        cert[--clen] = '\0';
    char *lists = calloc(1, 1);
    size_t llen = 0;
    printf("{\"cert_bytes\": %zu, \"rates\": [", clen);
    for (int k = 0; k <= nlists; k++) {
        if (k > 0) {
            size_t n = 0;
            char *one = bench_read(listp[k - 1], &n);
            char *grown = realloc(lists, llen + n + 2);
            if (grown == NULL)
                return 2;
            lists = grown;
            memcpy(lists + llen, one, n);
            llen += n;
            lists[llen++] = '\n';
            lists[llen] = '\0';
            lab_free(one);
        }
        int status = -1, status2 = -1;
        double r = verify_rate(cert, clen, trust, lists, llen, &status, 0);
        double rh = verify_rate(cert, clen, trust, lists, llen, &status2, 1);
        printf("%s{\"lists\": %d, \"per_second\": %.1f, "
               "\"per_second_verifier\": %.1f, \"status\": \"%s\"}",
               k ? ", " : "", k, r, rh, lab_verify_reason(status));
    }
    printf("]}\n");
    free(lists);
    lab_free(cert);
    lab_free(trust);
    return 0;
}

static int usage(void)
{
    fprintf(
        stderr,
        "usage: lab_bench ingest DIR [REPEAT]\n"
        "       lab_bench epcis DIR [PACKS]\n"
        "       lab_bench verify CERT TRUST [LIST...]\n"
        "       lab_bench check PACKS DIR AS_OF [REPEAT]\n"
        "       lab_bench latency PACKS DIR SUPPLIER AS_OF [N [SECONDS]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    long k = 1;
    if (argc >= 3 && strcmp(argv[1], "ingest") == 0) {
        if (argc > 3 && parse_count(argv[3], &k) != 0)
            return usage();
        return cmd_ingest(argv[2], k);
    }
    if (argc >= 4 && argc <= 6 && strcmp(argv[1], "verify") == 0)
        return cmd_verify(argv[2], argv[3], argv + 4, argc - 4);
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "epcis") == 0)
        return cmd_epcis(argv[2], argc == 4 ? argv[3] : NULL);
    if (argc >= 5 && strcmp(argv[1], "check") == 0) {
        if (argc > 5 && parse_count(argv[5], &k) != 0)
            return usage();
        return cmd_check(argv[2], argv[3], argv[4], k);
    }
    if (argc >= 6 && strcmp(argv[1], "latency") == 0) {
        long budget = 100000000;
        k = 10000;
        if (argc > 6 && parse_count(argv[6], &k) != 0)
            return usage();
        if (argc > 7 && parse_count(argv[7], &budget) != 0)
            return usage();
        return cmd_latency(argv[2], argv[3], argv[4], argv[5], k,
                           (double)budget);
    }
    return usage();
}
