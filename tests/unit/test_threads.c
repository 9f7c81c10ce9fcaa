/*
 * test_threads.c - the specification of labaudit's thread-safety promise:
 * one compiled engine (every pack of rules/ with the reference lists of
 * rules/data) is shared by eight threads, each of which makes its own
 * datasets (the cotton example read from disk, and a bigger chain built
 * in memory record by record with lab_dataset_add) and checks them many
 * times, through lab_check and through lab_check_json.  Every rendered
 * JSON report must be byte for byte the one a single thread produced
 * before the threads started, and each thread's lab_errmsg() must be its
 * own.  One verifier is shared by eight threads verifying a certificate
 * and a forged one.  CI runs this under ThreadSanitizer
 * (.ci/stages.d/60-tsan.sh). LAB_THREAD_ROUNDS overrides the number of rounds
 * per thread.
 */
#include "labaudit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NTHREADS = 8, BIG_CHAINS = 60, DEFAULT_ROUNDS = 6 };

static const char AS_OF[] = "2026-11-28";

/* What every thread shares: the engine and the expected reports. */
static struct {
    lab_engine *engine;
    char cotton[4096];
    char *want_cotton;   /* lab_check on the cotton example */
    char *want_shirt;    /* the same, --supplier GM-BD-001 */
    char *want_big;      /* lab_check on the generated chain */
    char *want_json_api; /* lab_check_json on the cotton example */
    char *json_request;
    int rounds;
} g;

struct worker {
    pthread_t thread;
    int id;
    int mismatches; /* reports that differ from the single-thread ones */
    int errors;     /* library calls that failed */
    char first[512];
};

/* ---------------------------------------------------------------- data */

static int add(lab_dataset *ds, lab_record_kind kind, const char *const *names,
               const char *const *values, size_t n)
{
    return lab_dataset_add(ds, kind, names, values, n, "test_threads");
}

/* One farm-to-garment chain of five suppliers with an audit each and a
 * product.  Every third chain is tainted: its gin is in CN-XJ and its
 * spinner holds workers' identity documents. */
static int add_chain(lab_dataset *ds, int c)
{
    static const char *const roles[5] = {"farm", "gin", "spinner",
                                         "fabric_mill", "garment_maker"};
    static const char *const sn[] = {"id",   "name",        "country",
                                     "role", "subdivision", "workers"};
    static const char *const ln[] = {"id", "supplier_id", "buyer_id", "volume",
                                     "unit"};
    static const char *const an[] = {"id",
                                     "supplier_id",
                                     "start_date",
                                     "workers_total",
                                     "documents_held_by_employer",
                                     "max_weekly_hours",
                                     "lowest_wage",
                                     "legal_minimum_wage",
                                     "currency"};
    static const char *const pn[] = {"id", "name", "supplier_id"};
    int tainted = c % 3 == 0;
    char id[5][32], name[64], lid[192], aid[192], pid[32], held[8], hours[8];
    int rc = LAB_OK;

    for (int k = 0; k < 5 && rc == LAB_OK; k++) {
        snprintf(id[k], sizeof id[k], "C%03d-%s", c, roles[k]);
        snprintf(name, sizeof name, "Example %s number %d", roles[k], c);
        const char *region = tainted && k < 2 ? "CN-XJ" : "IN-TN";
        const char *sv[] = {id[k],
                            name,
                            tainted && k < 4 ? "CN" : "IN",
                            roles[k],
                            tainted && k < 4 ? region : "IN-TN",
                            "120"};
        if (tainted && k >= 2 && k < 4)
            sv[4] = "CN-JS";
        rc = add(ds, LAB_RECORD_SUPPLIER, sn, sv, 6);
    }
    for (int k = 0; k < 4 && rc == LAB_OK; k++) {
        snprintf(lid, sizeof lid, "%s>%s", id[k], id[k + 1]);
        const char *lv[] = {lid, id[k], id[k + 1], "1000", "kg"};
        rc = add(ds, LAB_RECORD_LINK, ln, lv, 5);
    }
    for (int k = 0; k < 5 && rc == LAB_OK; k++) {
        snprintf(aid, sizeof aid, "A-%s", id[k]);
        snprintf(held, sizeof held, "%d", tainted && k == 2 ? 7 + c % 5 : 0);
        snprintf(hours, sizeof hours, "%d", 48 + (c + k) % 20);
        const char *av[] = {aid,   id[k], "2026-05-01", "120", held,
                            hours, "900", "800",        "INR"};
        rc = add(ds, LAB_RECORD_AUDIT, an, av, 9);
    }
    if (rc == LAB_OK) {
        snprintf(pid, sizeof pid, "SKU-%03d", c);
        snprintf(name, sizeof name, "Example shirt %d", c);
        const char *pv[] = {pid, name, id[4]};
        rc = add(ds, LAB_RECORD_PRODUCT, pn, pv, 3);
    }
    return rc;
}

static int make_big(lab_dataset **out)
{
    lab_dataset *ds = NULL;
    int rc = lab_dataset_new(&ds);
    for (int c = 0; c < BIG_CHAINS && rc == LAB_OK; c++)
        rc = add_chain(ds, c);
    if (rc != LAB_OK) {
        lab_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return LAB_OK;
}

/* Checks `ds` and renders the report as JSON into *out. */
static int check_render(char **out, lab_dataset *ds, const char *supplier)
{
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    lab_report *rep = NULL;
    co.as_of = AS_OF;
    co.supplier = supplier;
    int rc = lab_check(&rep, g.engine, ds, &co);
    if (rc == LAB_OK)
        rc = lab_report_render(out, rep, LAB_FORMAT_JSON);
    lab_report_free(rep);
    return rc;
}

static int load_check(char **out, const char *supplier)
{
    lab_dataset *ds = NULL;
    int rc = lab_dataset_new(&ds);
    if (rc == LAB_OK)
        rc = lab_dataset_load(ds, g.cotton);
    if (rc == LAB_OK)
        rc = check_render(out, ds, supplier);
    lab_dataset_free(ds);
    return rc;
}

static int big_check(char **out)
{
    lab_dataset *ds = NULL;
    int rc = make_big(&ds);
    if (rc == LAB_OK)
        rc = check_render(out, ds, NULL);
    lab_dataset_free(ds);
    return rc;
}

/* -------------------------------------------------------------- workers */

static void note(struct worker *w, int *counter, const char *what)
{
    if (w->mismatches + w->errors == 0)
        snprintf(w->first, sizeof w->first, "thread %d: %s: %s", w->id, what,
                 lab_errmsg());
    (*counter)++;
}

static void compare(struct worker *w, int rc, char *got, const char *want,
                    const char *what)
{
    if (rc != LAB_OK)
        note(w, &w->errors, what);
    else if (strcmp(got, want) != 0)
        note(w, &w->mismatches, what);
    lab_free(got);
}

/* Each thread's error message is its own: fail with a supplier id that
 * names the thread, then check that the message names it. */
static void own_errmsg(struct worker *w, lab_dataset *ds)
{
    char bad[32], *out = NULL;
    snprintf(bad, sizeof bad, "NO-SUCH-SUPPLIER-%d", w->id);
    if (check_render(&out, ds, bad) == LAB_OK) {
        lab_free(out);
        note(w, &w->mismatches, "unknown supplier accepted");
    } else if (strstr(lab_errmsg(), bad) == NULL) {
        note(w, &w->mismatches, "lab_errmsg is not this thread's");
    }
}

static void *work(void *arg)
{
    struct worker *w = arg;
    lab_dataset *mine = NULL;
    char *got = NULL;
    int rc;

    /* One dataset kept for the whole run: checked again and again. */
    if (lab_dataset_new(&mine) != LAB_OK ||
        lab_dataset_load(mine, g.cotton) != LAB_OK) {
        note(w, &w->errors, "loading the cotton example");
        lab_dataset_free(mine);
        return NULL;
    }
    for (int r = 0; r < g.rounds; r++) {
        got = NULL;
        rc = check_render(&got, mine, NULL);
        compare(w, rc, got, g.want_cotton, "cotton, kept dataset");
        got = NULL;
        rc = check_render(&got, mine, "GM-BD-001");
        compare(w, rc, got, g.want_shirt, "cotton, one supplier");
        got = NULL;
        rc = load_check(&got, NULL);
        compare(w, rc, got, g.want_cotton, "cotton, fresh dataset");
        got = NULL;
        rc = lab_check_json(&got, g.engine, g.json_request);
        compare(w, rc, got, g.want_json_api, "lab_check_json");
        own_errmsg(w, mine);
        if ((r + w->id) % 2 == 0) {
            got = NULL;
            rc = big_check(&got);
            compare(w, rc, got, g.want_big, "generated chain");
        }
    }
    lab_dataset_free(mine);
    return NULL;
}

/* ---------------------------------------------------------------- tests */

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("LAB_SOURCE_DIR");
    const char *rounds = getenv("LAB_THREAD_ROUNDS");
    char rules[4096], lists[4096];
    if (src == NULL)
        src = LAB_SOURCE_DIR;
    snprintf(rules, sizeof rules, "%s/rules", src);
    snprintf(lists, sizeof lists, "%s/rules/data", src);
    snprintf(g.cotton, sizeof g.cotton, "%s/examples/cotton", src);
    g.rounds = rounds != NULL ? atoi(rounds) : DEFAULT_ROUNDS;
    if (g.rounds <= 0)
        g.rounds = DEFAULT_ROUNDS;

    const char *packs[] = {rules};
    const char *lst[] = {lists};
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = packs;
    eo.npacks = 1;
    eo.lists = lst;
    eo.nlists = 1;
    if (lab_engine_new(&g.engine, &eo) != LAB_OK) {
        fprintf(stderr, "engine: %s\n", lab_errmsg());
        return -1;
    }
    size_t n = strlen(g.cotton) + 64;
    g.json_request = malloc(n);
    if (g.json_request == NULL)
        return -1;
    snprintf(g.json_request, n, "{\"data\": \"%s\", \"as_of\": \"%s\"}",
             g.cotton, AS_OF);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lab_free(g.want_cotton);
    lab_free(g.want_shirt);
    lab_free(g.want_big);
    lab_free(g.want_json_api);
    free(g.json_request);
    lab_engine_free(g.engine);
    return 0;
}

/* The reports one thread produces, which the threads must reproduce. */
static void test_single_thread_reference(void **state)
{
    (void)state;
    assert_int_equal(load_check(&g.want_cotton, NULL), LAB_OK);
    assert_int_equal(load_check(&g.want_shirt, "GM-BD-001"), LAB_OK);
    assert_int_equal(big_check(&g.want_big), LAB_OK);
    assert_int_equal(lab_check_json(&g.want_json_api, g.engine, g.json_request),
                     LAB_OK);
    /* The references are real reports, not empty ones. */
    assert_non_null(strstr(g.want_cotton, "\"SKU-SHIRT-POP-002\""));
    assert_non_null(strstr(g.want_cotton, "origin.xinjiang-in-chain"));
    assert_non_null(strstr(g.want_shirt, "\"blocker\""));
    assert_non_null(strstr(g.want_big, "\"SKU-059\""));
    assert_non_null(strstr(g.want_big, "identity-documents"));
    assert_string_equal(g.want_json_api, g.want_cotton);
    assert_string_not_equal(g.want_shirt, g.want_cotton);
}

static void test_eight_threads_one_engine(void **state)
{
    (void)state;
    struct worker w[NTHREADS];
    assert_non_null(g.want_cotton);
    for (int i = 0; i < NTHREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        assert_int_equal(pthread_create(&w[i].thread, NULL, work, &w[i]), 0);
    }
    int mismatches = 0, errors = 0;
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(w[i].thread, NULL), 0);
        if (w[i].first[0] != '\0')
            fprintf(stderr, "%s\n", w[i].first);
        mismatches += w[i].mismatches;
        errors += w[i].errors;
    }
    assert_int_equal(errors, 0);
    assert_int_equal(mismatches, 0);
}

/* ---------------------------------------------------------------- verify */

static struct {
    lab_verifier *vf;
    char *cert, *bad, *want;
} gv;

/* Blanks the verification's own time, the one part of a result that
 * differs from call to call. */
static void blank_checked_at(char *res)
{
    char *p = res ? strstr(res, "\"checked_at\": \"") : NULL;
    if (p != NULL)
        memset(p + 15, '-', 20);
}

static void *verify_work(void *arg)
{
    struct worker *w = arg;
    for (int r = 0; r < 40 * g.rounds; r++) {
        int st = -1, st2 = -1;
        char *res = NULL;
        if (lab_verifier_verify(gv.vf, &st, &res, gv.cert, strlen(gv.cert),
                                "2026-12-01T00:00:00Z") != LAB_OK ||
            lab_verifier_verify(gv.vf, &st2, NULL, gv.bad, strlen(gv.bad),
                                "2026-12-01T00:00:00Z") != LAB_OK) {
            note(w, &w->errors, "lab_verifier_verify");
            break;
        }
        blank_checked_at(res);
        if (st != LAB_VERIFY_VALID || st2 != LAB_VERIFY_BAD_SIGNATURE ||
            strcmp(res, gv.want) != 0)
            note(w, &w->mismatches, "a verification differs");
        lab_free(res);
    }
    return NULL;
}

/* One verifier (trust list, keys and a status list made once) shared by
 * eight threads: every answer is the single-threaded one. */
static void test_eight_threads_one_verifier(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_threads.XXXXXX", key[64], list[64];
    assert_non_null(mkdtemp(dir));
    snprintf(key, sizeof key, "%s/k.pem", dir);
    snprintf(list, sizeof list, "%s/s.jwt", dir);
    char *jwk = NULL;
    lab_keygen_options ko = LAB_KEYGEN_OPTIONS_INIT;
    assert_int_equal(lab_keygen(&jwk, key, &ko), LAB_OK);
    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    so.key_file = key;
    so.list_url = "https://brand.example/status/t";
    so.issuer_id = "did:web:brand.example";
    assert_int_equal(lab_status_list_create(list, &so), LAB_OK);
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    co.as_of = AS_OF;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    assert_int_equal(lab_dataset_load(ds, g.cotton), LAB_OK);
    assert_int_equal(lab_check(&rep, g.engine, ds, &co), LAB_OK);
    lab_certify_options cf = LAB_CERTIFY_OPTIONS_INIT;
    cf.product = "SKU-TEE-CREW-001";
    cf.issuer_id = "did:web:brand.example";
    cf.key_file = key;
    cf.valid_from = "2026-11-28T00:00:00Z";
    cf.status_list = list;
    cf.status_index = 3;
    assert_int_equal(lab_certify(&gv.cert, rep, ds, &cf), LAB_OK);
    gv.bad = strdup(gv.cert);
    size_t n = strlen(gv.bad);
    gv.bad[n - 2] = gv.bad[n - 2] == 'A' ? 'B' : 'A';

    FILE *f = fopen(list, "rb");
    char tok[65536];
    size_t tn = f ? fread(tok, 1, sizeof tok - 1, f) : 0;
    if (f)
        fclose(f);
    tok[tn] = '\0';
    char trust[1024];
    snprintf(trust, sizeof trust, "{\"did:web:brand.example\": [%s]}", jwk);
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    vo.trust_list = trust;
    vo.status_list = tok;
    vo.status_list_len = tn;
    assert_int_equal(lab_verifier_new(&gv.vf, &vo), LAB_OK);
    int st = -1;
    assert_int_equal(lab_verifier_verify(gv.vf, &st, &gv.want, gv.cert,
                                         strlen(gv.cert),
                                         "2026-12-01T00:00:00Z"),
                     LAB_OK);
    assert_int_equal(st, LAB_VERIFY_VALID);
    assert_non_null(strstr(gv.want, "\"status_checked\": true"));
    assert_non_null(strstr(gv.want, "\"checked_at\": \"20"));
    blank_checked_at(gv.want);

    struct worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        assert_int_equal(pthread_create(&w[i].thread, NULL, verify_work, &w[i]),
                         0);
    }
    int mismatches = 0, errors = 0;
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(w[i].thread, NULL), 0);
        if (w[i].first[0] != '\0')
            fprintf(stderr, "%s\n", w[i].first);
        mismatches += w[i].mismatches;
        errors += w[i].errors;
    }
    assert_int_equal(errors, 0);
    assert_int_equal(mismatches, 0);
    lab_verifier_free(gv.vf);
    lab_free(gv.want);
    lab_free(gv.cert);
    free(gv.bad);
    lab_free(jwk);
    lab_report_free(rep);
    lab_dataset_free(ds);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_thread_reference),
        cmocka_unit_test(test_eight_threads_one_engine),
        cmocka_unit_test(test_eight_threads_one_verifier),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
