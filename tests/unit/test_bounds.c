/*
 * test_bounds.c - the specification of bounded work: inputs built to make
 * the library do much more than their size suggests finish quickly, with
 * the right result or a clear error.  Each case would take many seconds
 * (or gigabytes) without its bound; each asserts it finishes within a
 * CPU-time budget far below that, and what it returns.  Waivers are
 * matched through an index (40 000 waivers on 40 000 findings); XML
 * elements with 100 000 attributes are refused before libxml2 compares
 * each with every other (audit reports and rule packs), while the
 * documents that have up to the limit still load; a check of a
 * condition that costs 0.1 s per record stops at its work budget, naming
 * the rule; long `+` and `and` chains translate in linear time and
 * memory, and a condition is at most 2^20 nodes; a high-risk region list of 100
 * 000 codes is searched, not scanned, for each of 100 000 lookups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine.h"
#include "expr.h"
#include "ident.h"
#include "reflist.h"
#include "xml/auditreport.h"
#include "xmlscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CPU seconds since the last call (the first call starts the clock). */
static double lap(void)
{
    static clock_t start;
    clock_t now = clock();
    double s = (double)(now - start) / CLOCKS_PER_SEC;
    start = now;
    return s;
}

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_bounds.XXXXXX",
             base != NULL && strlen(base) < 200 ? base : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

/* ---- waivers ---- */

enum { NWAIVE = 40000 };

/* 40 000 waivers, each for its own finding among 40 000, apply in well
 * under a second (matching each waiver against every finding took 11 s). */
static void test_waivers_are_indexed(void **state)
{
    (void)state;
    char path[300];
    tmp_path(path, sizeof path, "waivers.csv");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "rule,subject_id,approver,justification,expires\n");
    for (int i = 0; i < NWAIVE; i++)
        fprintf(f, "r.%d,S%d,A. Approver,,2030-01-01\n", i % 7, i);
    fprintf(f, "r.1,NOBODY,A. Approver,,2030-01-01\n");
    fclose(f);

    static lab_rule rules[7];
    static char ids[7][8];
    for (int k = 0; k < 7; k++) {
        snprintf(ids[k], sizeof ids[k], "r.%d", k);
        rules[k].id = ids[k];
        rules[k].severity = LAB_SEV_MAJOR;
    }
    lab_report *rep = lab_calloc(1, sizeof *rep);
    assert_non_null(rep);
    lab_arena_init(&rep->arena, 1 << 16);
    memcpy(rep->as_of, "2026-06-01", 11);
    assert_true(lab_date_parse(rep->as_of, 10, &rep->as_of_days));
    rep->findings = lab_calloc(NWAIVE, sizeof *rep->findings);
    assert_non_null(rep->findings);
    for (int i = 0; i < NWAIVE; i++) {
        char id[16];
        snprintf(id, sizeof id, "S%d", i);
        lab_finding *fd = &rep->findings[i];
        /* every other finding carries another rule: not waived */
        fd->rule = &rules[(i % 7 + (i % 2)) % 7];
        fd->subject_id = lab_arena_strndup(&rep->arena, id, strlen(id));
        fd->severity = LAB_SEV_MAJOR;
    }
    rep->n = rep->cap = NWAIVE;

    lap();
    assert_int_equal(lab_waivers_apply(rep, path), LAB_OK);
    double t = lap();
    print_message("40000 waivers on 40000 findings: %.3f s CPU\n", t);
    assert_true(t < 2.0);

    size_t waived = 0;
    for (int i = 0; i < NWAIVE; i++) {
        const lab_finding *fd = &rep->findings[i];
        if (fd->waiver != NULL) {
            assert_string_equal(fd->waiver->rule, fd->rule->id);
            assert_string_equal(fd->waiver->subject_id, fd->subject_id);
            waived++;
        }
    }
    assert_int_equal(waived, NWAIVE / 2);
    /* the waivers of the other half, and NOBODY's, match no finding */
    assert_int_equal(rep->nwarnings, NWAIVE / 2 + 1);
    lab_report_free(rep);
}

/* ---- XML: attributes per element ---- */

/* An XML document whose line 3 opens <tag> with n attributes a0="1" ... */
static char *many_attributes(const char *head, const char *tag, int n,
                             const char *tail, size_t *len)
{
    lab_buf b = LAB_BUF_INIT;
    char one[32];
    lab_buf_add(&b, head, strlen(head));
    lab_buf_add(&b, "<", 1);
    lab_buf_add(&b, tag, strlen(tag));
    for (int i = 0; i < n; i++) {
        int k = snprintf(one, sizeof one, " a%d=\"1\"", i);
        lab_buf_add(&b, one, (size_t)k);
    }
    lab_buf_add(&b, "/>", 2);
    lab_buf_add(&b, tail, strlen(tail) + 1);
    assert_false(b.oom);
    *len = b.len - 1;
    return b.data;
}

#define XR_HEAD                                    \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<audit_report xmlns=\"urn:labaudit:auditreport:1\" version=\"1\">\n"
#define XR_TAIL                                                           \
    "\n<id>A1</id><supplier_id>S1</supplier_id><scheme>slcp</scheme>"     \
    "<type>unannounced</type><auditor><auditor_org>Example</auditor_org>" \
    "</auditor><visit><start_date>2025-01-10</start_date></visit>"        \
    "</audit_report>\n"

/* 100 000 attributes on one element of an audit report: refused at once
 * (libxml2 took 139 s), naming file:line. */
static void test_report_attributes_bounded(void **state)
{
    (void)state;
    size_t len;
    char *doc = many_attributes(XR_HEAD, "note", 100000, XR_TAIL, &len);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    lap();
    assert_int_equal(lab_xml_load_memory(ds, doc, len, "many.xml"), LAB_ELIMIT);
    double t = lap();
    print_message("audit report, 100000 attributes: %.3f s CPU: %s\n", t,
                  lab_errmsg());
    assert_true(t < 2.0);
    assert_non_null(strstr(lab_errmsg(), "many.xml:3: element with more "
                                         "than 256 attributes"));
    free(doc);
    /* at the limit, the scan lets it through to the schema, which
     * refuses the unknown element as usual */
    doc = many_attributes(XR_HEAD, "note", 256, XR_TAIL, &len);
    int rc = lab_xml_load_memory(ds, doc, len, "limit.xml");
    assert_int_not_equal(rc, LAB_ELIMIT);
    assert_null(strstr(lab_errmsg(), "attributes (the limit)"));
    free(doc);
    lab_dataset_free(ds);
}

/* The same in a rule pack; comments, CDATA and quoted values with '='
 * in them do not count. */
static void test_pack_attributes_bounded(void **state)
{
    (void)state;
    char path[300];
    size_t len;
    tmp_path(path, sizeof path, "many.xml");
    char *doc = many_attributes(
        "<?xml version=\"1.0\"?>\n<pack xmlns=\"urn:labaudit:rulepack:1\" "
        "id=\"x\" version=\"1\">\n",
        "title", 100000, "</pack>\n", &len);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(doc, 1, len, f), len);
    fclose(f);
    free(doc);

    const char *packs[] = {path};
    lab_engine_options o = LAB_ENGINE_OPTIONS_INIT;
    o.packs = packs;
    o.npacks = 1;
    lab_engine *e = NULL;
    lap();
    assert_int_equal(lab_engine_new(&e, &o), LAB_ELIMIT);
    double t = lap();
    print_message("rule pack, 100000 attributes: %.3f s CPU: %s\n", t,
                  lab_errmsg());
    assert_true(t < 2.0);
    assert_non_null(strstr(lab_errmsg(), "many.xml:3: element with more "
                                         "than 256 attributes"));

    lab_xmlscan sc;
    lab_xmlscan_init(&sc);
    lab_buf b = LAB_BUF_INIT;
    lab_buf_add(&b, "<a b='", 6);
    for (int i = 0; i < 1000; i++)
        lab_buf_add(&b, "=", 1);
    lab_buf_add(&b, "'><!-- ", 7);
    for (int i = 0; i < 1000; i++)
        lab_buf_add(&b, "<x a=1>", 7);
    lab_buf_add(&b, " --><![CDATA[", 13);
    for (int i = 0; i < 1000; i++)
        lab_buf_add(&b, "<x a=1>", 7);
    lab_buf_add(&b, "]]><?pi ", 8);
    for (int i = 0; i < 1000; i++)
        lab_buf_add(&b, "a=1 ", 4);
    lab_buf_add(&b, "?></a>", 6);
    assert_false(b.oom);
    /* fed a byte at a time, as a reader's chunks may split it */
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(lab_xmlscan_feed(&sc, b.data + i, 1), 0);
    lab_buf_free(&b);
}

/* ---- the work budget of a check ---- */

static void write_file(const char *name, const char *text)
{
    char path[300];
    tmp_path(path, sizeof path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    fclose(f);
}

/* A pack whose one rule nests four `some` over 40 numbers: 2.56M
 * comparisons, about 10M steps and 0.1 s for each supplier, from a
 * condition of under 500 bytes. */
static void write_slow_pack(void)
{
    lab_buf b = LAB_BUF_INIT, arr = LAB_BUF_INIT;
    lab_buf_adds(&arr, "[0");
    for (int i = 1; i < 40; i++)
        lab_buf_printf(&arr, ",%d", i);
    lab_buf_adds(&arr, "]");
    lab_buf_adds(&b,
                 "<?xml version=\"1.0\"?>\n"
                 "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"slow\" "
                 "version=\"1.0.0\"><title>t</title><publisher>p</publisher>\n"
                 "<rule id=\"slow.nested-some\" severity=\"minor\" "
                 "subject=\"supplier\" area=\"origin\"><title>t</title>"
                 "<condition>");
    for (int i = 0; i < 4; i++)
        lab_buf_printf(&b, "some(%s, ", arr.data);
    lab_buf_adds(&b, "it == -1))))</condition><message>m</message>"
                     "<basis cite=\"c\">b</basis><remediation>r</remediation>"
                     "<test expect=\"pass\"><supplier id=\"S1\" name=\"A\" "
                     "country=\"IN\"/></test></rule></pack>\n");
    assert_false(b.oom);
    lab_buf_add(&b, "", 1);
    write_file("slow.xml", b.data);
    lab_buf_free(&b);
    lab_buf_free(&arr);
}

/* 400 suppliers: unbounded, the check would take 40 s. */
static void write_suppliers(void)
{
    lab_buf b = LAB_BUF_INIT;
    lab_buf_adds(&b, "id,name,role,country\n");
    for (int i = 0; i < 400; i++)
        lab_buf_printf(&b, "S%d,Supplier %d,gin,IN\n", i, i);
    lab_buf_add(&b, "", 1);
    assert_false(b.oom);
    write_file("suppliers.csv", b.data);
    lab_buf_free(&b);
    write_file("links.csv", "id,supplier_id,buyer_id\n");
    write_file("audits.csv", "id,supplier_id,scheme,type,start_date\n");
}

static void test_check_budget(void **state)
{
    (void)state;
    char pack[300];
    write_slow_pack();
    write_suppliers();
    tmp_path(pack, sizeof pack, "slow.xml");
    const char *packs[] = {pack};
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = packs;
    eo.npacks = 1;
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    if (lab_engine_new(&e, &eo) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    if (lab_dataset_load(ds, tmpdir) != LAB_OK)
        fail_msg("%s", lab_errmsg());

    lab_check_options o;
    assert_int_equal(lab_check_options_init(&o, LAB_CHECK_OPTIONS_VERSION),
                     LAB_OK);
    assert_true(o.max_steps == 0); /* the default, LAB_CHECK_MAX_STEPS_ */
    assert_true(LAB_CHECK_MAX_STEPS_DEFAULT == (uint64_t)1 << 32);
    o.as_of = "2026-11-01";
    o.max_steps = 10000000;
    lap();
    assert_int_equal(lab_check(&rep, e, ds, &o), LAB_ELIMIT);
    double t = lap();
    print_message("400 slow suppliers, budget 1e7 steps: %.3f s CPU: %s\n", t,
                  lab_errmsg());
    assert_null(rep);
    assert_true(t < 5.0);
    assert_non_null(strstr(lab_errmsg(), "rule slow.nested-some: the check's "
                                         "work budget of 10000000 "
                                         "evaluation steps is exhausted"));

    /* One supplier fits in a budget of 20M steps; the version 1 struct,
     * without max_steps, is still accepted (and gets the default). */
    o.supplier = "S7";
    o.max_steps = 20000000;
    if (lab_check(&rep, e, ds, &o) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    assert_int_equal(lab_report_finding_count(rep), 0);
    lab_report_free(rep);
    rep = NULL;
    lab_check_options v1;
    assert_int_equal(lab_check_options_init(&v1, 1), LAB_OK);
    assert_int_equal(v1.version, 1);
    v1.supplier = "S7";
    v1.as_of = "2026-11-01";
    assert_int_equal(lab_check(&rep, e, ds, &v1), LAB_OK);
    lab_report_free(rep);
    assert_int_equal(lab_check_options_init(&v1, 3), LAB_EVERSION);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

/* ---- translating long chains ---- */

/* `1 + 1 + ...` and `a and a and ...` with 50 000 terms become one n-ary
 * JsonLogic operator each, and back, within a second (copying the
 * argument list on every term took 1.6 GB for 20 000 terms). */
static void test_long_chains_translate(void **state)
{
    (void)state;
    static const char *const terms[][2] = {{"1", " + "}, {"a", " and "}};
    for (size_t k = 0; k < 2; k++) {
        lab_buf b = LAB_BUF_INIT;
        for (int i = 0; i < 50000; i++) {
            if (i > 0)
                lab_buf_adds(&b, terms[k][1]);
            lab_buf_adds(&b, terms[k][0]);
        }
        lab_buf_add(&b, "", 1);
        assert_false(b.oom);
        char *jl = NULL, *back = NULL;
        lap();
        if (lab_condition_translate(&jl, b.data, 1) != LAB_OK)
            fail_msg("%s", lab_errmsg());
        if (lab_condition_translate(&back, jl, 0) != LAB_OK)
            fail_msg("%s", lab_errmsg());
        double t = lap();
        print_message("50000 terms of '%s' there and back: %.3f s CPU\n",
                      terms[k][1], t);
        assert_true(t < 2.0);
        const char *want = k == 0 ? "{\"+\":[1,1," : "{\"and\":[{";
        assert_true(strncmp(jl, want, strlen(want)) == 0);
        assert_string_equal(back, b.data);
        lab_free(jl);
        lab_free(back);
        lab_buf_free(&b);
    }
}

/* A condition of more than 2^20 operations and values is refused when it
 * is read, in either language, naming where. */
static void test_condition_size_bounded(void **state)
{
    (void)state;
    lab_buf in = LAB_BUF_INIT, jl = LAB_BUF_INIT;
    lab_buf_adds(&in, "1");
    lab_buf_adds(&jl, "{\"+\":[1");
    for (int i = 0; i < LAB_EXPR_MAX_NODES; i++) {
        lab_buf_adds(&in, "+1");
        lab_buf_adds(&jl, ",1");
    }
    lab_buf_add(&in, "", 1);
    lab_buf_adds(&jl, "]}");
    lab_buf_add(&jl, "", 1);
    assert_false(in.oom || jl.oom);
    char *out = NULL;
    lap();
    assert_int_equal(lab_condition_translate(&out, in.data, 1), LAB_EPARSE);
    assert_non_null(strstr(lab_errmsg(), "condition:1:"));
    assert_non_null(strstr(lab_errmsg(), "more than 1048576 operations"));
    assert_int_equal(lab_condition_translate(&out, jl.data, 0), LAB_ELIMIT);
    assert_non_null(strstr(lab_errmsg(), "more than 1048576 operations"));
    double t = lap();
    print_message("conditions of 2^20 + 1 terms refused: %.3f s CPU\n", t);
    assert_true(t < 3.0);
    assert_null(out);
    lab_buf_free(&in);
    lab_buf_free(&jl);
}

/* ---- region lists ---- */

static void test_region_lookup_is_searched(void **state)
{
    (void)state;
    char path[300];
    tmp_path(path, sizeof path, "regions.csv");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "code\n");
    for (int i = 0; i < 100000; i++)
        fprintf(f, "XX-%05d\n", (i * 7919) % 100000); /* not in order */
    fclose(f);
    lab_refdata rd;
    lab_arena a;
    lab_strtab st;
    memset(&rd, 0, sizeof rd);
    lab_arena_init(&a, 1 << 16);
    assert_int_equal(lab_strtab_init(&st), LAB_OK);
    if (lab_refdata_load(&rd, &a, &st, path) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    assert_int_equal(rd.nregions, 100000);
    size_t found = 0;
    char code[16];
    lap();
    for (int i = 0; i < 200000; i++) {
        snprintf(code, sizeof code, "XX-%05d", i); /* half are missing */
        found += (size_t)lab_region_listed(&rd, code);
    }
    double t = lap();
    print_message("200000 lookups in 100000 regions: %.3f s CPU\n", t);
    assert_int_equal(found, 100000);
    assert_true(t < 1.0);
    assert_false(lab_region_listed(&rd, NULL));
    lab_refdata_free(&rd);
    lab_strtab_free(&st);
    lab_arena_free(&a);
}

/* One field-size rule for every source: a value over 1 MiB is refused
 * through the API (the path JSON records and PostgreSQL rows take) as the
 * CSV reader refuses it, and nothing is added. */
static void test_field_size_is_one_rule(void **state)
{
    (void)state;
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    size_t n = (1u << 20) + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    const char *names[] = {"id", "name", "country"};
    const char *values[] = {"S1", big, "IN"};
    assert_int_equal(
        lab_dataset_add(ds, LAB_RECORD_SUPPLIER, names, values, 3, "api"),
        LAB_ELIMIT);
    assert_non_null(strstr(lab_errmsg(), "supplier name is 1048577 bytes"));
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_SUPPLIER), 0);
    big[n - 1] = '\0'; /* exactly 1 MiB is allowed */
    assert_int_equal(
        lab_dataset_add(ds, LAB_RECORD_SUPPLIER, names, values, 3, "api"),
        LAB_OK);
    free(big);
    lab_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_waivers_are_indexed),
        cmocka_unit_test(test_report_attributes_bounded),
        cmocka_unit_test(test_pack_attributes_bounded),
        cmocka_unit_test(test_check_budget),
        cmocka_unit_test(test_long_chains_translate),
        cmocka_unit_test(test_condition_size_bounded),
        cmocka_unit_test(test_region_lookup_is_searched),
        cmocka_unit_test(test_field_size_is_one_rule),
    };
    return cmocka_run_group_tests(all, make_tmpdir, remove_tmpdir);
}
