/*
 * test_owners.c - the specification of owners.c: which registry
 * identifiers are well formed (the USCC check character computed by hand
 * from GB 32100-2015 for real codes), how they are keyed, and the ties a
 * supplier has to listed entities: the listed share by OFAC's 50 percent
 * rule (60 % held is 60, 40 % is 40, two levels of 100 % and 60 % give
 * 60, 40 % of a holding that owns 100 % gives 40, 30 % + 25 % give 55),
 * an identifier under another name, a site shared, a cycle reported and
 * ended, and a chain of 300 000 holdings resolved in linear-ish time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataset.h"
#include "owners.h"
#include "reflist.h"

/* ---- identifiers ---- */

static int ident_ok(const char *s, int *known)
{
    char why[160];
    return lab_ident_check(s, strlen(s), known, why, sizeof why);
}

static void test_uscc(void **state)
{
    (void)state;
    int known;
    /* real codes: Huawei Technologies, Alibaba (China) */
    assert_int_equal(ident_ok("uscc:914403001922038216", &known), 1);
    assert_int_equal(known, 1);
    assert_int_equal(ident_ok("uscc:91330100716105852F", &known), 1);
    assert_int_equal(ident_ok("USCI: 9144 0300-1922.0382/16", &known), 1);
    /* every other check character is refused */
    const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char code[] = "uscc:914403001922038216";
    for (size_t i = 0; i < sizeof cs - 1; i++) {
        code[22] = cs[i];
        assert_int_equal(ident_ok(code, &known), cs[i] == '6');
    }
    assert_int_equal(ident_ok("uscc:91440300192203821", &known), 0);
    assert_int_equal(ident_ok("uscc:9144030019220382I6", &known), 0);
}

static void test_ident_forms(void **state)
{
    (void)state;
    int known;
    char why[160];
    assert_int_equal(ident_ok("duns:123456789", &known), 1);
    assert_int_equal(ident_ok("duns:12-345-6789", &known), 1);
    assert_int_equal(ident_ok("duns:12345678", &known), 0);
    assert_int_equal(ident_ok("lei:5493001KJTIIGC8Y1R12", &known), 1);
    assert_int_equal(ident_ok("lei:5493001KJTIIGC8Y1R13", &known), 0);
    assert_int_equal(ident_ok("wikidata:Q42", &known), 1);
    /* an unknown scheme is usable, and said to be unknown */
    assert_int_equal(ident_ok("cn-bizreg:440301000123", &known), 1);
    assert_int_equal(known, 0);
    assert_int_equal(lab_ident_check("noscheme", 8, &known, why, sizeof why),
                     0);
    assert_non_null(strstr(why, "expected scheme:value"));
    assert_int_equal(ident_ok(":123", &known), 0);
    assert_int_equal(ident_ok("duns:", &known), 0);
    assert_int_equal(ident_ok("du ns:1", &known), 0);
}

static void test_ident_key(void **state)
{
    (void)state;
    lab_buf b = LAB_BUF_INIT;
    const char *s = "USCI: 9144 0300-1922.0382/16";
    lab_ident_key(&b, s, strlen(s));
    assert_string_equal(b.data, "uscc:914403001922038216");
    s = "os_id:cn2019303bq3fzp";
    lab_ident_key(&b, s, strlen(s));
    assert_string_equal(b.data, "osid:CN2019303BQ3FZP");
    assert_int_equal(lab_ident_key_is_site(b.data), 1);
    s = "Duns:123456789";
    lab_ident_key(&b, s, strlen(s));
    assert_string_equal(b.data, "duns:123456789");
    assert_int_equal(lab_ident_key_is_site(b.data), 0);
    lab_ident_key(&b, "x", 1);
    assert_int_equal(b.len, 0);
    lab_buf_free(&b);
}

/* ---- ties ---- */

typedef struct fixture {
    lab_dataset *ds;
    lab_refdata rd;
    lab_arena a;
    lab_strtab st;
    lab_ties *cx;
    char list[64];
} fixture;

static const char list_csv[] =
    "name,aliases,country,identifiers,address,subsidiaries\n"
    "Xinjiang Production and Construction Corps,XPCC,CN,,,\n"
    "\"Example Listed Cotton Group Co., Ltd.\",,CN,"
    "uscc:91650100MA77ABCD1P;osid:CN2019303BQ3FZP,"
    "\"No. 1 Example Avenue, Hotan\",\"Example Hotan Cotton Yarn Co., Ltd.\"\n";

static void fx_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->list, sizeof f->list, "/tmp/test_owners.XXXXXX");
    int fd = mkstemp(f->list);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, list_csv, sizeof list_csv - 1),
                     (ssize_t)(sizeof list_csv - 1));
    close(fd);
    lab_arena_init(&f->a, 4096);
    assert_int_equal(lab_strtab_init(&f->st), LAB_OK);
    assert_int_equal(lab_refdata_load(&f->rd, &f->a, &f->st, f->list), LAB_OK);
    unlink(f->list);
    assert_int_equal(lab_dataset_new(&f->ds), LAB_OK);
}

static void fx_free(fixture *f)
{
    lab_ties_free(f->cx);
    lab_dataset_free(f->ds);
    lab_refdata_free(&f->rd);
    lab_strtab_free(&f->st);
    lab_arena_free(&f->a);
}

static void supplier(fixture *f, const char *id, const char *name,
                     const char *ids, const char *parent)
{
    const char *names[] = {"id", "name", "country", "identifiers", "parent"};
    const char *values[] = {id, name, "CN", ids ? ids : "",
                            parent ? parent : ""};
    assert_int_equal(lab_dataset_add(f->ds, LAB_RECORD_SUPPLIER, names, values,
                                     5, "suppliers.csv"),
                     LAB_OK);
}

static void holding(fixture *f, const char *owner, const char *owned,
                    const char *share, const char *owner_name)
{
    const char *names[] = {"owner", "owned", "share", "owner_name", "source"};
    const char *values[] = {owner, owned, share, owner_name ? owner_name : "",
                            "registry extract"};
    assert_int_equal(lab_dataset_add(f->ds, LAB_RECORD_OWNERSHIP, names, values,
                                     5, "ownership.csv"),
                     LAB_OK);
}

/* Indexes, screens and derives the ties of every supplier; the
 * derivation stays in f (freed by fx_free). */
static lab_tie *derive(fixture *f)
{
    assert_int_equal(lab_ds_index(f->ds), LAB_OK);
    size_t n = f->ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_hit *hits = calloc(n + 1, sizeof *hits);
    lab_tie *ties = calloc(n + 1, sizeof *ties);
    lab_buf key = LAB_BUF_INIT;
    assert_non_null(hits);
    assert_non_null(ties);
    for (size_t v = 0; v < n; v++)
        lab_screen_supplier(
            &f->rd, lab_table_row(&f->ds->tables[LAB_RECORD_SUPPLIER], v), &key,
            &hits[v]);
    assert_int_equal(
        lab_ties_derive(&f->cx, ties, &f->rd, f->ds, NULL, hits, &f->a),
        LAB_OK);
    lab_buf_free(&key);
    free(hits);
    return ties;
}

static const char *XPCC = "Xinjiang Production and Construction Corps";

static void test_share_direct(void **state)
{
    (void)state;
    fixture f;
    fx_init(&f);
    supplier(&f, "S60", "Wuxi Example Yarn Co., Ltd.", NULL, NULL);
    supplier(&f, "S40", "Nantong Example Textile Co., Ltd.", NULL, NULL);
    holding(&f, "X", "S60", "60", XPCC);
    holding(&f, "X", "S40", "40", XPCC);
    holding(&f, "P", "S40", "60", "Wang Example");
    lab_tie *t = derive(&f);
    assert_true(t[0].owner_share == 60);
    assert_non_null(t[0].owner_root);
    assert_string_equal(t[0].owner_root->name, XPCC);
    assert_non_null(
        strstr(lab_tie_owner_path(&t[0]), "held 60 % by " /* the edge */));
    assert_non_null(strstr(lab_tie_owner_path(&t[0]), "ownership.csv"));
    assert_non_null(
        strstr(lab_tie_owner_path(&t[0]), "source: registry extract"));
    assert_true(t[1].owner_share == 40);
    /* built once, then the same text */
    assert_ptr_equal(lab_tie_owner_path(&t[0]), lab_tie_owner_path(&t[0]));
    free(t);
    fx_free(&f);
}

static void test_share_levels(void **state)
{
    (void)state;
    fixture f;
    fx_init(&f);
    supplier(&f, "S1", "Two Levels Yarn", NULL, NULL);
    supplier(&f, "S2", "Diluted Yarn", NULL, NULL);
    supplier(&f, "S3", "Aggregate Yarn", NULL, NULL);
    supplier(&f, "S4", "Parent Yarn", NULL, XPCC);
    holding(&f, "X", "H1", "100", XPCC);
    holding(&f, "H1", "S1", "60", "Holding One");
    holding(&f, "X", "H2", "40", XPCC);
    holding(&f, "H2", "S2", "100", "Holding Two");
    holding(&f, "X", "S3", "30", XPCC);
    holding(&f, "L2", "S3", "25", "Example Listed Cotton Group Co., Ltd.");
    lab_tie *t = derive(&f);
    assert_true(t[0].owner_share == 60);  /* two levels */
    assert_true(t[1].owner_share == 40);  /* not passed on below 50 */
    assert_true(t[2].owner_share == 55);  /* aggregated */
    assert_true(t[3].owner_share == 100); /* a parent controls */
    assert_non_null(strstr(lab_tie_owner_path(&t[3]), "controlled (parent)"));
    free(t);
    fx_free(&f);
}

static void test_identifier_and_site(void **state)
{
    (void)state;
    fixture f;
    fx_init(&f);
    supplier(&f, "S1", "Wuxi Other Name Co.", "uscc:91650100MA77ABCD1P", NULL);
    supplier(&f, "S2", "Shares A Site", "osid:cn2019303bq3fzp", NULL);
    supplier(&f, "S3", "Example Hetian Cotton Yarn Company Limited", NULL,
             NULL);
    supplier(&f, "S4", "Nobody", "uscc:914403001922038216", NULL);
    lab_tie *t = derive(&f);
    assert_non_null(t[0].id_entity);
    assert_string_equal(t[0].identifier, "uscc:91650100MA77ABCD1P");
    assert_null(t[1].id_entity);
    assert_string_equal(t[1].address, "osid:CN2019303BQ3FZP");
    assert_non_null(t[2].subsidiary);
    assert_string_equal(t[2].subsidiary->name,
                        "Example Listed Cotton Group Co., Ltd.");
    assert_null(t[3].id_entity);
    assert_null(t[3].subsidiary);
    assert_true(t[3].owner_share == 0);
    free(t);
    fx_free(&f);
}

static void test_cycle(void **state)
{
    (void)state;
    fixture f;
    fx_init(&f);
    supplier(&f, "A", "Alpha Spinning", NULL, NULL);
    supplier(&f, "B", "Beta Spinning", NULL, NULL);
    holding(&f, "A", "B", "60", NULL);
    holding(&f, "B", "A", "60", NULL);
    holding(&f, "X", "A", "30", XPCC);
    lab_tie *t = derive(&f);
    int warned = 0;
    for (size_t i = 0; i < lab_dataset_warning_count(f.ds); i++)
        warned |= strstr(lab_dataset_warning(f.ds, i),
                         "ownership cycle among 2 companies") != NULL;
    assert_true(warned);
    assert_true(t[0].owner_share == 30);
    assert_true(t[1].owner_share == 30); /* A is not held 50 %: nor is B */
    free(t);
    fx_free(&f);
}

static void test_bad_rows(void **state)
{
    (void)state;
    fixture f;
    fx_init(&f);
    supplier(&f, "A", "Alpha Spinning", NULL, NULL);
    holding(&f, "P1", "A", "70", NULL);
    holding(&f, "P2", "A", "40", NULL);
    assert_int_equal(lab_ds_index(f.ds), LAB_ESCHEMA);
    assert_non_null(strstr(lab_errmsg(), "add up to 110 %"));
    fx_free(&f);

    fx_init(&f);
    const char *names[] = {"owner", "owned", "share"};
    const char *values[] = {"P1", "A", "101"};
    assert_int_equal(lab_dataset_add(f.ds, LAB_RECORD_OWNERSHIP, names, values,
                                     3, "ownership.csv"),
                     LAB_ESCHEMA);
    assert_non_null(strstr(lab_errmsg(), "a percentage from 0 to 100"));
    fx_free(&f);
}

/* A chain of n companies, each 60 % held by the one before (odd ones:
 * controlled as the parent the one before), the first held by the XPCC:
 * every company is held 60 %, and the cost is near-linear. */
static void test_long_chain(void **state)
{
    (void)state;
    enum { N = 300000 };
    fixture f;
    fx_init(&f);
    char id[32], prev[32], name[48];
    for (int i = 0; i < N; i++) {
        snprintf(prev, sizeof prev, "S%d", i - 1);
        snprintf(id, sizeof id, "S%d", i);
        snprintf(name, sizeof name, "Company %d", i);
        supplier(&f, id, name, NULL, i % 2 ? prev : NULL);
    }
    holding(&f, "X", "S0", "60", XPCC);
    for (int i = 2; i < N; i += 2) {
        snprintf(prev, sizeof prev, "S%d", i - 1);
        snprintf(id, sizeof id, "S%d", i);
        holding(&f, prev, id, "60", NULL);
    }
    clock_t t0 = clock();
    lab_tie *t = derive(&f);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(t[N - 1].owner_share == 60);
    assert_true(t[N / 2].owner_share == 60);
    assert_non_null(lab_tie_owner_path(&t[N - 1]));
    /* the path is cut after 8 holdings, not followed 300 000 deep */
    assert_true(strlen(lab_tie_owner_path(&t[N - 1])) < 2000);
    print_message("300000 holdings: index and ties in %.2f s\n", secs);
    assert_true(secs < 30);
    free(t);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc),
        cmocka_unit_test(test_ident_forms),
        cmocka_unit_test(test_ident_key),
        cmocka_unit_test(test_share_direct),
        cmocka_unit_test(test_share_levels),
        cmocka_unit_test(test_identifier_and_site),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_long_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
