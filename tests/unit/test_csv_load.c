/*
 * test_csv_load.c - the specification of loading a folder of CSV files
 * (adapters/csv/csv_load.c) through the public lab_dataset_load(): the
 * header maps columns by name in any order, unknown columns are warnings,
 * missing required columns and files, duplicate columns, bad values and
 * ragged rows are errors naming file:line:col, and a failed load leaves
 * the dataset exactly as it was.
 */
#include "labaudit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];
static int serial;

static const char good_suppliers[] = "id,name,country\n"
                                     "S1,Mill,CN\n"
                                     "S2,Gin,IN\n";
static const char good_links[] = "supplier_id,buyer_id\nS2,S1\n";
static const char good_audits[] = "id,supplier_id,start_date\n"
                                  "A1,S1,2025-01-10\n";

/* Makes a new folder under root holding the given files (NULL content
 * leaves a file out); returns its path in dir. */
static void make_dir(char *dir, size_t size, const char *suppliers,
                     const char *links, const char *audits,
                     const char *products)
{
    const char *names[] = {"suppliers.csv", "links.csv", "audits.csv",
                           "products.csv"};
    const char *texts[] = {suppliers, links, audits, products};
    snprintf(dir, size, "%s/d%d", root, serial++);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (size_t i = 0; i < 4; i++) {
        if (texts[i] == NULL)
            continue;
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(texts[i], f);
        assert_int_equal(fclose(f), 0);
    }
}

/* Loads a folder into a fresh dataset and checks the error message is
 * "<dir>/<want>". */
static void expect_load_error(const char *dir, int code, const char *want)
{
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    assert_int_equal(lab_dataset_load(ds, dir), code);
    char full[512];
    snprintf(full, sizeof full, "%s/%s", dir, want);
    assert_string_equal(lab_errmsg(), full);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_SUPPLIER), 0);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LINK), 0);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_AUDIT), 0);
    lab_dataset_free(ds);
}

static void test_columns_in_any_order(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir,
             "\xEF\xBB\xBF"
             "country,name,id\r\nCN,\"Mill, Ltd\",S1\r\nIN,Gin,S2\r\n",
             "buyer_id,supplier_id\nS1,S2\n",
             "start_date,supplier_id,id\n2025-01-10,S1,A1\n",
             "supplier_id,id,name\nS1,P1,Shirt\n");
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    assert_int_equal(lab_dataset_load(ds, dir), LAB_OK);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_SUPPLIER), 2);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LINK), 1);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_AUDIT), 1);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_DOCUMENT), 0);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_PRODUCT), 1);
    assert_int_equal(lab_dataset_warning_count(ds), 0);
    lab_dataset_free(ds);
}

static void test_unknown_column_warns(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, "id,name,country,colour\nS1,Mill,CN,red\n",
             "supplier_id,buyer_id\n", "id,supplier_id,start_date\n", NULL);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    assert_int_equal(lab_dataset_load(ds, dir), LAB_OK);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_SUPPLIER), 1);
    assert_int_equal(lab_dataset_warning_count(ds), 1);
    char want[256];
    snprintf(want, sizeof want,
             "%s/suppliers.csv:1:17: column 'colour' is not a labaudit field: "
             "kept for rule packs that declare it",
             dir);
    assert_string_equal(lab_dataset_warning(ds, 0), want);
    lab_dataset_free(ds);
}

static void test_missing_required_column(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, "id,name\nS1,Mill\n", good_links, good_audits,
             NULL);
    expect_load_error(dir, LAB_ESCHEMA,
                      "suppliers.csv:1: missing column 'country', expected it "
                      "in the header (a required field of supplier records)");
}

static void test_duplicate_column(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, good_suppliers, good_links,
             "id,supplier_id,start_date,id\nA1,S1,2025-01-10,A2\n", NULL);
    expect_load_error(dir, LAB_ESCHEMA,
                      "audits.csv:1:27: duplicate column 'id', expected each "
                      "column once (it is also column 1)");
}

static void test_bad_country(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, "id,name,country\nS1,Mill,CN\nS2,\"Gin\",XX\n",
             good_links, good_audits, NULL);
    expect_load_error(dir, LAB_ESCHEMA,
                      "suppliers.csv:3:10: country: expected an ISO 3166-1 "
                      "alpha-2 country code, got 'XX'");
}

static void test_ragged_row(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, good_suppliers, "supplier_id,buyer_id\nS2\n",
             good_audits, NULL);
    expect_load_error(dir, LAB_EPARSE,
                      "links.csv:2:1: 1 field, expected 2 as in the header");
}

static void test_missing_file(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, good_suppliers, good_links, NULL, NULL);
    expect_load_error(dir, LAB_EIO,
                      "audits.csv: no such file, expected the audit records "
                      "of the dataset there (a required file)");
}

static void test_empty_file(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, good_suppliers, "\n\n", good_audits, NULL);
    expect_load_error(dir, LAB_ESCHEMA,
                      "links.csv:1: empty file, expected a header row naming "
                      "the columns");
}

static void test_csv_error_names_file(void **state)
{
    (void)state;
    char dir[128];
    make_dir(dir, sizeof dir, good_suppliers, good_links,
             "id,supplier_id,start_date\nA1,S1,\"2025-01-10\n", NULL);
    expect_load_error(dir, LAB_EPARSE,
                      "audits.csv:2:7: unterminated quoted field, expected a "
                      "closing '\"' before the end of the file");
}

/* A load that fails part-way (in the last file) adds nothing, not even
 * the warnings of the files it had read. */
static void test_failed_load_adds_nothing(void **state)
{
    (void)state;
    char good[128], bad[128];
    make_dir(good, sizeof good, good_suppliers, good_links, good_audits, NULL);
    make_dir(bad, sizeof bad, "id,name,country,extra\nS3,Weaver,BD,x\n",
             "supplier_id,buyer_id\nS3,S1\n",
             "id,supplier_id,start_date\nA2,S3,2025-02-01\n"
             "A3,S3,not-a-date\n",
             NULL);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    assert_int_equal(lab_dataset_load(ds, good), LAB_OK);
    assert_int_not_equal(lab_dataset_load(ds, bad), LAB_OK);
    char want[256];
    snprintf(want, sizeof want, "%s/audits.csv:3:7: ", bad);
    assert_memory_equal(lab_errmsg(), want, strlen(want));
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_SUPPLIER), 2);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LINK), 1);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_AUDIT), 1);
    assert_int_equal(lab_dataset_warning_count(ds), 0);
    lab_dataset_free(ds);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/test_csv_load_XXXXXX");
    return mkdtemp(root) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_in_any_order),
        cmocka_unit_test(test_unknown_column_warns),
        cmocka_unit_test(test_missing_required_column),
        cmocka_unit_test(test_duplicate_column),
        cmocka_unit_test(test_bad_country),
        cmocka_unit_test(test_ragged_row),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_csv_error_names_file),
        cmocka_unit_test(test_failed_load_adds_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
