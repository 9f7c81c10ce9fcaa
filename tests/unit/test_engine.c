/*
 * test_engine.c - the specification of rule packs and checks, through the
 * public API (labaudit.h) and, where the inside matters, the internal
 * headers: bad packs fail with the right code and a message naming
 * file:line (and :col for conditions); supplier, audit, link and chain
 * rules fire on the right subjects with their evidence and interpolated
 * messages, in a deterministic order; product verdicts; checks restricted
 * to one product or supplier; chain facts on cycles, on a six-tier chain
 * and with untraced inputs; the JSON-in/JSON-out call agrees with the
 * handle API; the plugin table; the packs' own tests; and evaluating a
 * rule allocates nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Known bugs in rulepack.c, reported to the lead and not fixed yet; the
 * cases that show them are compiled in with -DLAB_TEST_KNOWN_BUGS=1:
 *  R1  the column of a condition error counts characters of the decoded
 *      text, so it is off after an entity (&gt; &lt; &amp;) or CDATA:
 *      "audit.workers_total &gt; 1 1" reports the stray 1 at 7:40, the
 *      file has it at 7:43.
 *  R2  (fixed) a DOCTYPE with an internal subset was reported at line -1.
 */
#ifndef LAB_TEST_KNOWN_BUGS
#define LAB_TEST_KNOWN_BUGS 0
#endif

#define ENGINE_PACK LAB_SOURCE_DIR "/tests/data/packs/engine.xml"
#define STARTER_PACK LAB_SOURCE_DIR "/examples/starter-pack/starter.xml"
#define AS_OF "2026-11-28"

/* ---- helpers ---- */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_engine.XXXXXX",
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

/* Writes text to tmpdir/name; returns the path (static buffer). */
static const char *write_pack(const char *name, const char *text)
{
    static char path[2][512];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    FILE *f = fopen(path[k], "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path[k];
}

static int engine_from(lab_engine **out, const char *const *packs, size_t n)
{
    lab_engine_options o = LAB_ENGINE_OPTIONS_INIT;
    o.packs = packs;
    o.npacks = n;
    return lab_engine_new(out, &o);
}

static lab_engine *engine_ok(const char *path)
{
    lab_engine *e = NULL;
    if (engine_from(&e, &path, 1) != LAB_OK)
        fail_msg("loading %s: %s", path, lab_errmsg());
    return e;
}

/* Adds a record given as "name=value|name=value|...". */
static void add(lab_dataset *ds, lab_record_kind kind, const char *spec)
{
    char buf[1024];
    const char *names[32], *values[32];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *p = buf; p != NULL && *p != '\0' && n < 32;) {
        char *bar = strchr(p, '|');
        if (bar != NULL)
            *bar = '\0';
        char *eq = strchr(p, '=');
        assert_non_null(eq);
        *eq = '\0';
        names[n] = p;
        values[n] = eq + 1;
        n++;
        p = bar ? bar + 1 : NULL;
    }
    if (lab_dataset_add(ds, kind, names, values, n, "test") != LAB_OK)
        fail_msg("adding %s: %s", spec, lab_errmsg());
}

static lab_report *check(const lab_engine *e, lab_dataset *ds,
                         const char *product, const char *supplier)
{
    lab_check_options o = LAB_CHECK_OPTIONS_INIT;
    lab_report *rep = NULL;
    o.as_of = AS_OF;
    o.product = product;
    o.supplier = supplier;
    if (lab_check(&rep, e, ds, &o) != LAB_OK)
        fail_msg("check: %s", lab_errmsg());
    return rep;
}

/* The findings as lines "subject-kind subject-id rule-id", joined. */
static char *finding_list(const lab_report *rep)
{
    static const char *const kinds[] = {"supplier", "link", "audit", "chain"};
    lab_buf b = LAB_BUF_INIT;
    char *out = NULL;
    for (size_t i = 0; i < lab_report_finding_count(rep); i++) {
        const lab_finding *f = lab_report_finding(rep, i);
        lab_buf_printf(&b, "%s %s %s\n", kinds[lab_finding_subject(f)],
                       lab_finding_subject_id(f), lab_finding_rule_id(f));
    }
    lab_buf_adds(&b, "");
    assert_int_equal(lab_buf_detach(&b, &out), LAB_OK);
    return out;
}

static void assert_findings(const lab_report *rep, const char *want)
{
    char *got = finding_list(rep);
    if (strcmp(got, want) != 0)
        fail_msg("findings:\n%s\nexpected:\n%s", got, want);
    free(got);
}

static const lab_finding *find(const lab_report *rep, const char *rule,
                               const char *subject)
{
    for (size_t i = 0; i < lab_report_finding_count(rep); i++) {
        const lab_finding *f = lab_report_finding(rep, i);
        if (strcmp(lab_finding_rule_id(f), rule) == 0 &&
            strcmp(lab_finding_subject_id(f), subject) == 0)
            return f;
    }
    fail_msg("no finding of %s on %s", rule, subject);
    return NULL;
}

static const char *evidence(const lab_finding *f, const char *field)
{
    for (size_t i = 0; i < lab_finding_evidence_count(f); i++) {
        const char *name = NULL, *value = NULL;
        assert_int_equal(lab_finding_evidence(f, i, &name, &value), LAB_OK);
        if (strcmp(name, field) == 0)
            return value;
    }
    fail_msg("finding %s on %s has no evidence %s", lab_finding_rule_id(f),
             lab_finding_subject_id(f), field);
    return NULL;
}

static int product_worst(const lab_report *rep, const char *product)
{
    for (size_t i = 0; i < lab_report_product_count(rep); i++) {
        const char *id = NULL;
        int worst = -2;
        assert_int_equal(lab_report_product(rep, i, &id, &worst), LAB_OK);
        if (strcmp(id, product) == 0)
            return worst;
    }
    fail_msg("product %s was not checked", product);
    return -2;
}

/* ---- bad packs ---- */

/* A pack with one rule; the condition is on line 7 from column 16, the
 * message on line 8.  Fields: pack id, rule id, subject, condition,
 * message, the test records. */
static const char pack_template[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"%s\" version=\"1.0.0\">\n"
    "  <title>Test pack</title>\n"
    "  <publisher>tests</publisher>\n"
    "  <rule id=\"%s\" severity=\"major\" subject=\"%s\">\n"
    "    <title>A rule</title>\n"
    "    <condition>%s</condition>\n"
    "    <message>%s</message>\n"
    "    <basis cite=\"test\">Because.</basis>\n"
    "    <remediation>Fix it.</remediation>\n"
    "    <test expect=\"fire\">%s</test>\n"
    "    <test expect=\"pass\"><supplier id=\"S1\" name=\"A\" "
    "country=\"IN\"/></test>\n"
    "  </rule>\n"
    "</pack>\n";

static const char fire_records[] =
    "<supplier id=\"S1\" name=\"A\" country=\"CN\" subdivision=\"CN-XJ\"/>";

static const char *pack_text(const char *pack_id, const char *rule_id,
                             const char *subject, const char *cond,
                             const char *msg)
{
    static char text[4096];
    snprintf(text, sizeof text, pack_template, pack_id, rule_id, subject, cond,
             msg, fire_records);
    return text;
}

/* Loading the pack fails with `code` and a message that contains the
 * pack's path followed by `where`, and `what`. */
static void check_bad_pack(const char *name, const char *text, int code,
                           const char *where, const char *what)
{
    const char *path = write_pack(name, text);
    lab_engine *e = NULL;
    int rc = engine_from(&e, &path, 1);
    if (rc == LAB_OK)
        fail_msg("%s loaded, expected %s", name, what);
    assert_null(e);
    const char *msg = lab_errmsg();
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s%s", path, where);
    if (rc != code || strstr(msg, prefix) == NULL || strstr(msg, what) == NULL)
        fail_msg("%s: code %d (%s), message:\n  %s\nexpected code %d and:\n  "
                 "%s ... %s",
                 name, rc, lab_strerror(rc), msg, code, prefix, what);
    assert_null(strchr(msg, '\n'));
}

static void test_good_template_loads(void **state)
{
    (void)state;
    const char *path =
        write_pack("good.xml", pack_text("t.good", "t.rule", "supplier",
                                         "supplier.subdivision == \"CN-XJ\"",
                                         "Supplier {supplier.id}."));
    lab_engine *e = engine_ok(path);
    assert_int_equal(lab_engine_pack_count(e), 1);
    assert_int_equal(lab_engine_rule_count(e), 1);
    const char *id = NULL, *version = NULL, *sha = NULL;
    assert_int_equal(lab_engine_pack_info(e, 0, &id, &version, &sha), LAB_OK);
    assert_string_equal(id, "t.good");
    assert_string_equal(version, "1.0.0");
    assert_int_equal(strlen(sha), 64);
    assert_int_equal(lab_engine_pack_info(e, 1, &id, &version, &sha),
                     LAB_ENOTFOUND);
    lab_engine_free(e);
}

static void test_bad_condition_syntax(void **state)
{
    (void)state;
    /* the stray "1" is 24 characters into the condition */
    check_bad_pack("syntax.xml",
                   pack_text("t.p", "t.syntax", "audit",
                             "audit.workers_total &gt; 1 1", "m"),
                   LAB_EPARSE,
                   ":7:", "expected an operator or the end of the condition");
    check_bad_pack(
        "syntax2.xml",
        pack_text("t.p", "t.syntax", "audit", "(audit.workers_total", "m"),
        LAB_EPARSE, ":7:36: ", "expected ')'");
    check_bad_pack("syntax3.xml",
                   pack_text("t.p", "t.syntax", "audit", "nope(1)", "m"),
                   LAB_EPARSE, ":7:16: ", "unknown function 'nope'");
    check_bad_pack("syntax4.xml",
                   pack_text("t.p", "t.syntax", "audit",
                             "audit.workers_total == \"x", "m"),
                   LAB_EPARSE, ":7:39: ", "unterminated string");
}

#if LAB_TEST_KNOWN_BUGS
static void test_bad_condition_column_after_entity(void **state)
{
    (void)state;
    /* The column counts characters of the file: "&gt;" is four. */
    check_bad_pack("entity-col.xml",
                   pack_text("t.p", "t.syntax", "audit",
                             "audit.workers_total &gt; 1 1", "m"),
                   LAB_EPARSE, ":7:43: ",
                   "expected an operator or the end of the condition");
    /* and in CDATA */
    check_bad_pack("cdata-col.xml",
                   pack_text("t.p", "t.syntax", "audit",
                             "<![CDATA[audit.workers_total > 1 1]]>", "m"),
                   LAB_EPARSE, ":7:49: ",
                   "expected an operator or the end of the condition");
}
#endif

static void test_bad_condition_fields_and_types(void **state)
{
    (void)state;
    check_bad_pack(
        "unknown-field.xml",
        pack_text("t.p", "t.unknown", "audit", "audit.no_such_field == 1", "m"),
        LAB_ESCHEMA, ":7:16: ", "unknown field 'audit.no_such_field'");
    check_bad_pack(
        "unknown-entity.xml",
        pack_text("t.p", "t.unknown", "audit", "factory.workers == 1", "m"),
        LAB_ESCHEMA, ":7:16: ", "unknown entity");
    /* the comparison is at column 33 */
    check_bad_pack(
        "type.xml",
        pack_text("t.p", "t.type", "supplier", "supplier.country &gt; 5", "m"),
        LAB_ESCHEMA, ":7:", "supplier.country");
    check_bad_pack(
        "type2.xml",
        pack_text("t.p", "t.type", "supplier", "supplier.name + 1 == 2", "m"),
        LAB_ESCHEMA, ":7:", "needs numbers");
    check_bad_pack("type3.xml",
                   pack_text("t.p", "t.type", "audit",
                             "audit.workers_total == \"many\"", "m"),
                   LAB_ESCHEMA, ":7:", "can never be equal");
    check_bad_pack(
        "not-visible.xml",
        pack_text("t.p", "t.visible", "supplier", "link.volume &gt; 0", "m"),
        LAB_ESCHEMA,
        ":7:16: ", "'link.volume' is not visible to a rule about a supplier");
    check_bad_pack("not-visible2.xml",
                   pack_text("t.p", "t.visible", "chain",
                             "audit.workers_total &gt; 0", "m"),
                   LAB_ESCHEMA,
                   ":7:16: ", "not visible to a rule about a chain");
    check_bad_pack(
        "not-a-path.xml",
        pack_text("t.p", "t.path", "supplier", "var(supplier.name) == 1", "m"),
        LAB_ESCHEMA, ":7:", "constant 'entity.field' path");
}

static void test_bad_condition_type_column(void **state)
{
    (void)state;
    /* supplier.country &gt; 5: the '>' is character 18 of the text */
    check_bad_pack(
        "type-col.xml",
        pack_text("t.p", "t.type", "supplier", "supplier.country &gt; 5", "m"),
        LAB_ESCHEMA, ":7:33: ", "compare like with like");
}

static void test_bad_jsonlogic(void **state)
{
    (void)state;
    static const char tmpl[] =
        "<?xml version=\"1.0\"?>\n"
        "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"t.jl\" "
        "version=\"1.0.0\">\n"
        "  <title>T</title><publisher>P</publisher>\n"
        "  <rule id=\"t.jl\" severity=\"info\" subject=\"audit\">\n"
        "    <title>T</title>\n"
        "    <jsonlogic>%s</jsonlogic>\n"
        "    <message>m</message><basis cite=\"c\">b</basis>\n"
        "    <remediation>r</remediation>\n"
        "    <test expect=\"fire\"/><test expect=\"pass\"/>\n"
        "  </rule>\n"
        "</pack>\n";
    char text[2048];
    snprintf(text, sizeof text, tmpl, "{\"&gt;\":[{\"var\":\"audit.x\"},0]}");
    check_bad_pack("jl-field.xml", text, LAB_ESCHEMA,
                   ":6:", "unknown field 'audit.x'");
    snprintf(text, sizeof text, tmpl, "{\"&gt;\":[1,");
    check_bad_pack("jl-syntax.xml", text, LAB_EPARSE,
                   " (rule t.jl, jsonlogic "
                   "at line 6)",
                   "");
    snprintf(text, sizeof text, tmpl, "{\"frobnicate\":[1]}");
    check_bad_pack("jl-op.xml", text, LAB_EPARSE, "", "frobnicate");
}

static void test_bad_message(void **state)
{
    (void)state;
    check_bad_pack("message.xml",
                   pack_text("t.p", "t.msg", "audit",
                             "audit.workers_total == 1",
                             "Audit {audit.id} has {audit.nope} problems."),
                   LAB_ESCHEMA, ":8: ", "unknown field 'audit.nope'");
    check_bad_pack("message2.xml",
                   pack_text("t.p", "t.msg", "supplier",
                             "supplier.country == \"CN\"",
                             "Seen by {link.id}."),
                   LAB_ESCHEMA, ":8: ", "not visible");
    check_bad_pack("message3.xml",
                   pack_text("t.p", "t.msg", "supplier",
                             "supplier.country == \"CN\"", "Open {brace"),
                   LAB_EPARSE, ":8: ", "'{' without '}'");
}

static void test_bad_xml(void **state)
{
    (void)state;
    /* a DOCTYPE with an entity is refused before anything is expanded */
    check_bad_pack("doctype.xml",
                   "<?xml version=\"1.0\"?>\n"
                   "<!DOCTYPE pack [<!ENTITY boom \"boom\">]>\n"
                   "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"t.d\" "
                   "version=\"1.0.0\">\n"
                   "<title>&boom;</title><publisher>p</publisher></pack>\n",
                   LAB_EPARSE, ":2: ", "DOCTYPE is not allowed");
    check_bad_pack("external.xml",
                   "<?xml version=\"1.0\"?>\n"
                   "<!DOCTYPE pack SYSTEM \"http://example.invalid/x.dtd\">\n"
                   "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"t.d\" "
                   "version=\"1.0.0\"/>\n",
                   LAB_EPARSE, ":", "DOCTYPE is not allowed");
    check_bad_pack("broken.xml",
                   "<?xml version=\"1.0\"?>\n<pack>\n  <title>x</titel>\n"
                   "</pack>\n",
                   LAB_EPARSE, ":3:", "");
    check_bad_pack("empty.xml", "", LAB_EPARSE, ":1:", "");
}

static void test_bad_schema(void **state)
{
    (void)state;
    char text[4096];
    /* drop the <basis> line (line 9): the XSD wants one */
    snprintf(text, sizeof text, "%s",
             pack_text("t.p", "t.nobasis", "supplier",
                       "supplier.country == \"CN\"", "m"));
    char *b = strstr(text, "    <basis");
    char *e = strchr(b, '\n') + 1;
    memmove(b, e, strlen(e) + 1);
    check_bad_pack("missing-basis.xml", text, LAB_ESCHEMA,
                   ":9: ", "rulepack.xsd");
    check_bad_pack("bad-severity.xml",
                   "<?xml version=\"1.0\"?>\n"
                   "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"t.s\" "
                   "version=\"1\">\n"
                   "<title>t</title><publisher>p</publisher></pack>\n",
                   LAB_ESCHEMA, ":2: ", "rulepack.xsd");
    check_bad_pack(
        "wrong-namespace.xml",
        "<?xml version=\"1.0\"?>\n"
        "<pack xmlns=\"urn:example\" id=\"t.s\" version=\"1.0.0\"/>\n",
        LAB_ESCHEMA, ":2: ", "rulepack.xsd");
}

static void test_duplicate_rule_ids(void **state)
{
    (void)state;
    /* within one pack: the schema's unique constraint, at the second */
    char text[8192];
    const char *one = pack_text("t.p", "t.same", "supplier",
                                "supplier.country == \"CN\"", "m");
    const char *rule = strstr(one, "  <rule");
    const char *end = strstr(one, "</pack>");
    snprintf(text, sizeof text, "%.*s%.*s</pack>\n", (int)(end - one), one,
             (int)(end - rule), rule);
    check_bad_pack("dup-within.xml", text, LAB_ESCHEMA, ":14: ", "t.same");

    /* across packs */
    const char *packs[2];
    char p1[512];
    snprintf(
        p1, sizeof p1, "%s",
        write_pack("first.xml", pack_text("t.first", "t.same", "supplier",
                                          "supplier.country == \"CN\"", "m")));
    packs[0] = p1;
    packs[1] =
        write_pack("second.xml", pack_text("t.second", "t.same", "supplier",
                                           "supplier.country == \"IN\"", "m"));
    lab_engine *e = NULL;
    assert_int_equal(engine_from(&e, packs, 2), LAB_EDUPLICATE);
    char want[1200];
    snprintf(want, sizeof want,
             "%s:5: rule id 't.same' is already defined in %s:5", packs[1], p1);
    if (strncmp(lab_errmsg(), want, strlen(want)) != 0)
        fail_msg("message: %s\nexpected: %s", lab_errmsg(), want);

    /* the same pack id twice */
    packs[1] =
        write_pack("again.xml", pack_text("t.first", "t.other", "supplier",
                                          "supplier.country == \"IN\"", "m"));
    assert_int_equal(engine_from(&e, packs, 2), LAB_EDUPLICATE);
    assert_non_null(
        strstr(lab_errmsg(), "pack id 't.first' is already loaded"));
}

static void test_bad_test_case(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text, pack_template, "t.p", "t.case", "supplier",
             "supplier.country == \"CN\"", "m",
             "<supplier id=\"S1\" name=\"A\" country=\"CN\" colour=\"red\"/>");
    check_bad_pack("test-field.xml", text, LAB_ESCHEMA, "", "colour");
    snprintf(text, sizeof text, pack_template, "t.p", "t.case", "supplier",
             "supplier.country == \"CN\"", "m",
             "<supplier id=\"S1\" name=\"A\" country=\"XX\"/>");
    lab_engine *e = NULL;
    const char *path = write_pack("test-country.xml", text);
    assert_int_not_equal(engine_from(&e, &path, 1), LAB_OK);
    assert_non_null(strstr(lab_errmsg(), path));
}

static void test_engine_options(void **state)
{
    (void)state;
    lab_engine *e = NULL;
    lab_engine_options o;
    assert_int_equal(lab_engine_options_init(&o, 99), LAB_EVERSION);
    assert_int_equal(lab_engine_options_init(&o, LAB_ENGINE_OPTIONS_VERSION),
                     LAB_OK);
    assert_int_equal(lab_engine_new(&e, &o), LAB_EINVAL); /* no packs */
    o.version = 2;
    assert_int_equal(lab_engine_new(&e, &o), LAB_EVERSION);
    const char *missing = "/nonexistent/pack.xml";
    assert_int_equal(engine_from(&e, &missing, 1), LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), missing));
    assert_null(e);
    lab_engine_free(NULL);
}

/* ---- checks ---- */

/* A tainted chain (Xinjiang farm and gin, a spinner whose audit finds
 * documents held), a clean one, and one with an untraced trader. */
static lab_dataset *cotton(int reverse)
{
    static const struct {
        lab_record_kind kind;
        const char *spec;
    } recs[] = {
        {LAB_RECORD_SUPPLIER,
         "id=FARM-XJ|name=XJ Farm|role=farm|country=CN|subdivision=CN-XJ"},
        {LAB_RECORD_SUPPLIER,
         "id=GIN-XJ|name=XJ Gin|role=gin|country=CN|subdivision=CN-XJ"},
        {LAB_RECORD_SUPPLIER, "id=SPIN-CN|name=JS Spinner|role=spinner|"
                              "country=CN|subdivision=CN-JS"},
        {LAB_RECORD_SUPPLIER,
         "id=MILL-BD|name=BD Mill|role=fabric_mill|country=BD"},
        {LAB_RECORD_SUPPLIER,
         "id=GM-BD|name=BD Garments|role=garment_maker|country=BD"},
        {LAB_RECORD_SUPPLIER,
         "id=FARM-IN|name=IN Farm|role=farm|country=IN|subdivision=IN-GJ"},
        {LAB_RECORD_SUPPLIER,
         "id=GIN-IN|name=IN Gin|role=gin|country=IN|subdivision=IN-GJ"},
        {LAB_RECORD_SUPPLIER, "id=SPIN-IN|name=IN Spinner|role=spinner|"
                              "country=IN|subdivision=IN-TN"},
        {LAB_RECORD_SUPPLIER,
         "id=GM-IN|name=IN Garments|role=garment_maker|country=IN"},
        {LAB_RECORD_SUPPLIER, "id=TRADER|name=Trader|role=trader|country=AE"},
        {LAB_RECORD_SUPPLIER,
         "id=GM-TR|name=Traded Garments|role=garment_maker|country=IN"},
        {LAB_RECORD_LINK, "supplier_id=FARM-XJ|buyer_id=GIN-XJ|volume=900"},
        {LAB_RECORD_LINK, "supplier_id=GIN-XJ|buyer_id=SPIN-CN|volume=800"},
        {LAB_RECORD_LINK, "id=L-EXPORT|supplier_id=SPIN-CN|buyer_id=MILL-BD|"
                          "volume=5000"},
        {LAB_RECORD_LINK, "supplier_id=MILL-BD|buyer_id=GM-BD|volume=4000"},
        {LAB_RECORD_LINK, "supplier_id=FARM-IN|buyer_id=GIN-IN|volume=900"},
        {LAB_RECORD_LINK, "supplier_id=GIN-IN|buyer_id=SPIN-IN|volume=800"},
        {LAB_RECORD_LINK, "supplier_id=SPIN-IN|buyer_id=GM-IN|volume=700"},
        {LAB_RECORD_LINK, "supplier_id=TRADER|buyer_id=GM-TR|volume=600"},
        {LAB_RECORD_AUDIT, "id=AUD-1|supplier_id=SPIN-CN|start_date=2026-03-01|"
                           "documents_held_by_employer=12"},
        {LAB_RECORD_AUDIT, "id=AUD-2|supplier_id=SPIN-IN|start_date=2026-03-01|"
                           "documents_held_by_employer=0"},
        {LAB_RECORD_PRODUCT, "id=P-TAINT|name=Tainted tee|supplier_id=GM-BD"},
        {LAB_RECORD_PRODUCT, "id=P-CLEAN|name=Clean tee|supplier_id=GM-IN"},
        {LAB_RECORD_PRODUCT, "id=P-TRADED|name=Traded tee|supplier_id=GM-TR"},
    };
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    size_t n = LAB_ARRAY_LEN(recs);
    for (size_t i = 0; i < n; i++) {
        size_t k = reverse ? n - 1 - i : i;
        add(ds, recs[k].kind, recs[k].spec);
    }
    return ds;
}

static const char cotton_findings[] = "supplier FARM-XJ eng.supplier-xj\n"
                                      "supplier GIN-XJ eng.supplier-xj\n"
                                      "link L-EXPORT eng.link-cross-border\n"
                                      "audit AUD-1 eng.audit-documents\n"
                                      "chain P-TAINT eng.chain-xj\n"
                                      "chain P-TRADED eng.chain-untraced\n";

static void test_check_findings(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = cotton(0);
    lab_report *rep = check(e, ds, NULL, NULL);

    assert_findings(rep, cotton_findings);

    const lab_finding *f = find(rep, "eng.supplier-xj", "GIN-XJ");
    assert_string_equal(lab_finding_message(f),
                        "Supplier GIN-XJ (XJ Gin) is in CN-XJ.");
    assert_int_equal(lab_finding_severity(f), LAB_SEV_BLOCKER);
    assert_int_equal(lab_finding_subject(f), LAB_SUBJECT_SUPPLIER);
    assert_string_equal(lab_finding_pack_id(f), "labaudit.test.engine");
    assert_string_equal(lab_finding_title(f), "Supplier in Xinjiang");
    assert_string_equal(lab_finding_remediation(f), "Source elsewhere.");
    assert_non_null(strstr(lab_finding_basis(f), "test basis 1"));
    assert_string_equal(evidence(f, "supplier.subdivision"), "\"CN-XJ\"");
    assert_int_equal(lab_finding_evidence_count(f), 1);

    f = find(rep, "eng.audit-documents", "AUD-1");
    assert_string_equal(lab_finding_message(f),
                        "Audit AUD-1 at JS Spinner: 12 workers' documents "
                        "held.");
    assert_string_equal(evidence(f, "audit.documents_held_by_employer"), "12");
    assert_int_equal(lab_finding_severity(f), LAB_SEV_MAJOR);

    f = find(rep, "eng.link-cross-border", "L-EXPORT");
    assert_string_equal(lab_finding_message(f),
                        "Link L-EXPORT: 5000 from CN to BD.");
    assert_string_equal(evidence(f, "link.volume"), "5000");
    assert_string_equal(evidence(f, "supplier.country"), "\"CN\"");
    assert_string_equal(evidence(f, "buyer.country"), "\"BD\"");
    assert_int_equal(lab_finding_evidence_count(f), 3);

    f = find(rep, "eng.chain-xj", "P-TAINT");
    assert_string_equal(lab_finding_message(f),
                        "Product P-TAINT made by GM-BD: regions CN-JS, CN-XJ, "
                        "depth 4.");
    assert_string_equal(evidence(f, "chain.subdivisions"),
                        "[\"CN-JS\",\"CN-XJ\"]");

    f = find(rep, "eng.chain-untraced", "P-TRADED");
    assert_string_equal(lab_finding_message(f),
                        "Product P-TRADED: 1 untraced input(s): TRADER.");

    /* verdicts: the worst finding anywhere upstream of the maker */
    assert_int_equal(lab_report_product_count(rep), 3);
    assert_int_equal(product_worst(rep, "P-TAINT"), LAB_SEV_BLOCKER);
    assert_int_equal(product_worst(rep, "P-CLEAN"), -1);
    assert_int_equal(product_worst(rep, "P-TRADED"), LAB_SEV_MINOR);
    assert_int_equal(lab_report_worst(rep), LAB_SEV_BLOCKER);
    assert_int_equal(lab_report_count_at_least(rep, LAB_SEV_BLOCKER), 3);
    assert_int_equal(lab_report_count_at_least(rep, LAB_SEV_INFO), 6);
    assert_null(lab_report_finding(rep, 6));

    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

static void test_check_deterministic(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *a = cotton(0), *b = cotton(1);
    lab_report *r1 = check(e, a, NULL, NULL);
    lab_report *r2 = check(e, a, NULL, NULL);
    lab_report *r3 = check(e, b, NULL, NULL);
    char *t1 = NULL, *t2 = NULL;
    assert_int_equal(lab_report_render(&t1, r1, LAB_FORMAT_JSON), LAB_OK);
    assert_int_equal(lab_report_render(&t2, r2, LAB_FORMAT_JSON), LAB_OK);
    assert_string_equal(t1, t2);
    /* records added in the opposite order: the same findings, in order */
    assert_findings(r3, cotton_findings);
    for (size_t i = 0; i < lab_report_finding_count(r1); i++)
        assert_string_equal(lab_finding_message(lab_report_finding(r1, i)),
                            lab_finding_message(lab_report_finding(r3, i)));
    char *text = NULL;
    assert_int_equal(lab_report_render(&text, r1, LAB_FORMAT_TEXT), LAB_OK);
    assert_non_null(strstr(text, "P-TAINT"));
    lab_free(text);
    lab_free(t1);
    lab_free(t2);
    lab_report_free(r1);
    lab_report_free(r2);
    lab_report_free(r3);
    lab_dataset_free(a);
    lab_dataset_free(b);
    lab_engine_free(e);
}

static void test_check_restricted(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = cotton(0);

    lab_report *rep = check(e, ds, "P-CLEAN", NULL);
    assert_findings(rep, "");
    assert_int_equal(lab_report_product_count(rep), 1);
    assert_int_equal(product_worst(rep, "P-CLEAN"), -1);
    lab_report_free(rep);

    rep = check(e, ds, "P-TAINT", NULL);
    assert_findings(rep, "supplier FARM-XJ eng.supplier-xj\n"
                         "supplier GIN-XJ eng.supplier-xj\n"
                         "link L-EXPORT eng.link-cross-border\n"
                         "audit AUD-1 eng.audit-documents\n"
                         "chain P-TAINT eng.chain-xj\n");
    assert_int_equal(lab_report_product_count(rep), 1);
    assert_int_equal(product_worst(rep, "P-TAINT"), LAB_SEV_BLOCKER);
    lab_report_free(rep);

    /* a supplier and what lies upstream; no product is made there */
    rep = check(e, ds, NULL, "SPIN-CN");
    assert_findings(rep, "supplier FARM-XJ eng.supplier-xj\n"
                         "supplier GIN-XJ eng.supplier-xj\n"
                         "link L-EXPORT eng.link-cross-border\n"
                         "audit AUD-1 eng.audit-documents\n");
    assert_int_equal(lab_report_product_count(rep), 0);
    lab_report_free(rep);

    rep = check(e, ds, NULL, "GM-TR");
    assert_findings(rep, "chain P-TRADED eng.chain-untraced\n");
    lab_report_free(rep);

    lab_check_options o = LAB_CHECK_OPTIONS_INIT;
    o.product = "P-NONE";
    assert_int_equal(lab_check(&rep, e, ds, &o), LAB_ENOTFOUND);
    assert_non_null(strstr(lab_errmsg(), "P-NONE"));
    o.product = NULL;
    o.supplier = "S-NONE";
    assert_int_equal(lab_check(&rep, e, ds, &o), LAB_ENOTFOUND);
    o.supplier = NULL;
    o.as_of = "28/11/2026";
    assert_int_equal(lab_check(&rep, e, ds, &o), LAB_EINVAL);
    o.as_of = NULL;
    o.version = 7;
    assert_int_equal(lab_check(&rep, e, ds, &o), LAB_EVERSION);
    assert_int_equal(lab_check_options_init(&o, 7), LAB_EVERSION);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

/* Chain facts of the supplier with this id (after a check). */
static const lab_chain *chain_of(lab_dataset *ds, const char *id)
{
    long v = lab_ds_find(ds, LAB_RECORD_SUPPLIER, id);
    assert_true(v >= 0);
    assert_non_null(ds->chain);
    return &ds->chain[v];
}

static void test_chain_cycle(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    add(ds, LAB_RECORD_SUPPLIER, "id=FARM|name=F|role=farm|country=IN");
    add(ds, LAB_RECORD_SUPPLIER, "id=A|name=A|role=trader|country=AE");
    add(ds, LAB_RECORD_SUPPLIER,
        "id=B|name=B|role=trader|country=CN|subdivision=CN-XJ");
    add(ds, LAB_RECORD_SUPPLIER, "id=C|name=C|role=garment_maker|country=BD");
    add(ds, LAB_RECORD_SUPPLIER, "id=D|name=D|role=brand|country=GB");
    add(ds, LAB_RECORD_SUPPLIER, "id=SELF|name=S|role=trader|country=AE");
    add(ds, LAB_RECORD_LINK, "supplier_id=A|buyer_id=B");
    add(ds, LAB_RECORD_LINK, "supplier_id=B|buyer_id=C");
    add(ds, LAB_RECORD_LINK, "supplier_id=C|buyer_id=A");
    add(ds, LAB_RECORD_LINK, "supplier_id=FARM|buyer_id=A");
    add(ds, LAB_RECORD_LINK, "supplier_id=C|buyer_id=D");
    add(ds, LAB_RECORD_LINK, "supplier_id=SELF|buyer_id=SELF");
    add(ds, LAB_RECORD_PRODUCT, "id=P-CYCLE|supplier_id=C");
    add(ds, LAB_RECORD_PRODUCT, "id=P-DOWN|supplier_id=D");
    add(ds, LAB_RECORD_PRODUCT, "id=P-FARM|supplier_id=FARM");
    add(ds, LAB_RECORD_PRODUCT, "id=P-SELF|supplier_id=SELF");

    lab_report *rep = check(e, ds, NULL, NULL);
    assert_findings(rep, "supplier B eng.supplier-xj\n"
                         "chain P-CYCLE eng.chain-xj\n"
                         "chain P-CYCLE eng.chain-cycle\n"
                         "chain P-DOWN eng.chain-xj\n"
                         "chain P-DOWN eng.chain-cycle\n"
                         "chain P-SELF eng.chain-cycle\n");
    assert_int_equal(chain_of(ds, "A")->in_cycle, 1);
    assert_int_equal(chain_of(ds, "C")->in_cycle, 1);
    assert_int_equal(chain_of(ds, "D")->in_cycle, 1);
    assert_int_equal(chain_of(ds, "SELF")->in_cycle, 1);
    assert_int_equal(chain_of(ds, "FARM")->in_cycle, 0);
    /* the farm feeds the cycle; D is one link below it */
    assert_int_equal(chain_of(ds, "A")->depth, 1);
    assert_int_equal(chain_of(ds, "D")->depth, 2);
    assert_int_equal(chain_of(ds, "D")->countries->n, 5);
    lab_report_free(rep);

    rep = check(e, ds, "P-DOWN", NULL);
    assert_int_equal(product_worst(rep, "P-DOWN"), LAB_SEV_BLOCKER);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

static void test_chain_six_tiers(void **state)
{
    (void)state;
    static const char *const tiers[] = {
        "id=T1|name=Farm|role=farm|country=IN|subdivision=IN-GJ",
        "id=T2|name=Gin|role=gin|country=IN|subdivision=IN-GJ",
        "id=T3|name=Spinner|role=spinner|country=IN|subdivision=IN-TN",
        "id=T4|name=Mill|role=fabric_mill|country=BD|subdivision=BD-13",
        "id=T5|name=Garments|role=garment_maker|country=BD",
        "id=T6|name=Brand|role=brand|country=GB|subdivision=GB-LND",
    };
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    for (size_t i = 0; i < LAB_ARRAY_LEN(tiers); i++)
        add(ds, LAB_RECORD_SUPPLIER, tiers[i]);
    add(ds, LAB_RECORD_SUPPLIER, "id=TR|name=Trader|role=trader|country=AE");
    add(ds, LAB_RECORD_SUPPLIER,
        "id=REC|name=Recruiter|role=recruitment_agency|country=NP");
    for (int i = 1; i < 6; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "supplier_id=T%d|buyer_id=T%d", i, i + 1);
        add(ds, LAB_RECORD_LINK, spec);
    }
    /* an untraced input at the spinner; a recruiter is not one */
    add(ds, LAB_RECORD_LINK, "supplier_id=TR|buyer_id=T3");
    add(ds, LAB_RECORD_LINK, "supplier_id=REC|buyer_id=T4");
    add(ds, LAB_RECORD_PRODUCT, "id=P6|supplier_id=T6");

    lab_report *rep = check(e, ds, NULL, NULL);
    assert_findings(rep, "chain P6 eng.chain-untraced\n");
    assert_string_equal(lab_finding_message(lab_report_finding(rep, 0)),
                        "Product P6: 1 untraced input(s): TR.");
    for (int i = 1; i <= 6; i++) {
        char id[8];
        snprintf(id, sizeof id, "T%d", i);
        const lab_chain *c = chain_of(ds, id);
        assert_int_equal(c->depth, i - 1);
        assert_int_equal(c->in_cycle, 0);
        assert_int_equal(c->untraced, i >= 3 ? 1 : 0);
    }
    const lab_chain *top = chain_of(ds, "T6");
    assert_int_equal(top->subdivisions->n, 4); /* BD-13 GB-LND IN-GJ IN-TN */
    assert_string_equal(top->subdivisions->items[0].u.s, "BD-13");
    assert_string_equal(top->subdivisions->items[3].u.s, "IN-TN");
    assert_int_equal(top->countries->n, 5); /* AE BD GB IN NP */
    assert_int_equal(top->untraced_ids->n, 1);
    assert_string_equal(top->untraced_ids->items[0].u.s, "TR");
    assert_int_equal(top->origin_countries->n, 3); /* IN AE NP */
    assert_int_equal(chain_of(ds, "T1")->untraced, 0);
    assert_int_equal(chain_of(ds, "TR")->untraced, 1); /* itself */
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

static void test_check_json_matches_handles(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = cotton(0);
    lab_report *rep = check(e, ds, NULL, NULL);
    char *want = NULL, *got = NULL;
    assert_int_equal(lab_report_render(&want, rep, LAB_FORMAT_JSON), LAB_OK);

    /* the same records, inline */
    json_t *req = json_pack("{s:s,s:{s:[],s:[],s:[],s:[]}}", "as_of", AS_OF,
                            "data", "suppliers", "links", "audits", "products");
    json_t *data = json_object_get(req, "data");
    static const char *const lists[] = {"suppliers", "links", "audits",
                                        "documents", "products"};
    for (size_t t = 0; t < LAB_TABLE_COUNT; t++) {
        const lab_table *tab = &ds->tables[t];
        for (size_t i = 0; i < tab->n; i++) {
            json_t *rec = json_object();
            const void *row = lab_table_row(tab, i);
            for (size_t k = 0; k < tab->entity->nfields; k++) {
                const lab_field *f = &tab->entity->fields[k];
                lab_val v = lab_field_get(f, row);
                if (v.t == LAB_V_STR)
                    json_object_set_new(rec, f->name, json_stringn(v.u.s, v.n));
                else if (v.t == LAB_V_NUM)
                    json_object_set_new(rec, f->name, json_real(v.u.d));
            }
            json_array_append_new(json_object_get(data, lists[t]), rec);
        }
    }
    char *request = json_dumps(req, JSON_COMPACT);
    assert_int_equal(lab_check_json(&got, e, request), LAB_OK);
    if (strcmp(got, want) != 0)
        fail_msg("lab_check_json:\n%s\nhandle API:\n%s", got, want);
    lab_free(got);
    got = NULL;

    /* restricted by product */
    json_object_set_new(req, "product", json_string("P-CLEAN"));
    free(request);
    request = json_dumps(req, JSON_COMPACT);
    assert_int_equal(lab_check_json(&got, e, request), LAB_OK);
    json_t *r = json_loads(got, 0, NULL);
    assert_non_null(r);
    assert_int_equal(json_array_size(json_object_get(r, "findings")), 0);
    json_decref(r);
    lab_free(got);

    /* bad requests */
    assert_int_equal(lab_check_json(&got, e, "{"), LAB_EPARSE);
    assert_int_equal(lab_check_json(&got, e, "[]"), LAB_ESCHEMA);
    assert_int_equal(lab_check_json(&got, e, "{\"as_of\":\"" AS_OF "\"}"),
                     LAB_ESCHEMA);
    assert_int_equal(lab_check_json(&got, e, "{\"data\":{\"factories\":[]}}"),
                     LAB_ESCHEMA);
    assert_int_equal(lab_check_json(&got, e,
                                    "{\"data\":{\"suppliers\":[{\"id\":\"S\","
                                    "\"name\":\"N\",\"country\":\"XX\"}]}}"),
                     LAB_ESCHEMA);

    free(request);
    json_decref(req);
    lab_free(want);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

/* ---- plugin entry point ---- */

static void test_plugin_api(void **state)
{
    (void)state;
    const lab_api *api = lab_plugin_get_api(LAB_ABI_MAJOR);
    assert_non_null(api);
    assert_int_equal(api->size, sizeof(lab_api));
    assert_int_equal(api->abi_version, LAB_ABI_MAJOR);
    assert_int_equal(lab_abi_version(), LAB_ABI_MAJOR);
    assert_string_equal(api->version(), lab_version());
    assert_ptr_equal(api->check_json, lab_check_json);
    assert_ptr_equal(api->engine_new, lab_engine_new);
    assert_ptr_equal(api->free, lab_free);

    assert_null(lab_plugin_get_api(999));
    assert_non_null(strstr(lab_errmsg(), "999"));
    assert_int_not_equal(strlen(lab_errmsg()), 0);
    assert_null(lab_plugin_get_api(0));
    assert_null(lab_plugin_get_api(-1));
}

/* ---- the packs' own tests ---- */

static void test_rule_tests_starter(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(STARTER_PACK);
    char *out = NULL;
    size_t failed = 99;
    assert_int_equal(lab_engine_test(&out, &failed, e), LAB_OK);
    if (failed != 0)
        fail_msg("starter pack tests:\n%s", out);
    assert_non_null(strstr(out, ", 0 failed\n"));
    assert_null(strstr(out, "FAIL"));
    lab_free(out);
    lab_engine_free(e);

    e = engine_ok(ENGINE_PACK);
    assert_int_equal(lab_engine_test(&out, &failed, e), LAB_OK);
    assert_int_equal(failed, 0);
    assert_non_null(strstr(out, "6 rules, 12 cases, 0 failed\n"));
    lab_free(out);
    lab_engine_free(e);
}

static void test_rule_tests_failing(void **state)
{
    (void)state;
    /* the fire case does not fire: the condition looks for IN */
    const char *path = write_pack("wrong-test.xml",
                                  pack_text("t.p", "t.wrong", "supplier",
                                            "supplier.country == \"IN\"", "m"));
    lab_engine *e = engine_ok(path);
    char *out = NULL;
    size_t failed = 0;
    assert_int_equal(lab_engine_test(&out, &failed, e), LAB_OK);
    assert_int_equal(failed, 2); /* both cases are wrong */
    char want[600];
    snprintf(want, sizeof want, "FAIL t.wrong %s:11 must fire", path);
    if (strstr(out, want) == NULL)
        fail_msg("output:\n%s\nlacks: %s", out, want);
    assert_non_null(strstr(out, "1 rules, 2 cases, 2 failed\n"));
    lab_free(out);
    lab_engine_free(e);

    /* a rule with no case that must not fire: both cases must fire */
    char text[4096];
    snprintf(text, sizeof text, pack_template, "t.p", "t.nopass", "supplier",
             "supplier.subdivision == \"CN-XJ\"", "m", fire_records);
    char *pass = strstr(text, "<test expect=\"pass\">");
    char *end = strstr(pass, "</test>") + strlen("</test>");
    char tail[1024];
    snprintf(tail, sizeof tail, "<test expect=\"fire\">%s</test>%s",
             fire_records, end);
    snprintf(pass, sizeof text - (size_t)(pass - text), "%s", tail);
    path = write_pack("no-pass.xml", text);
    e = engine_ok(path);
    assert_int_equal(lab_engine_test(&out, &failed, e), LAB_OK);
    assert_int_equal(failed, 1);
    assert_non_null(strstr(out, "lacks a test that must not fire"));
    assert_non_null(strstr(out, "1 rules, 2 cases, 1 failed\n"));
    lab_free(out);
    lab_engine_free(e);
}

/* ---- progress and self-description ---- */

typedef struct progress_log {
    size_t calls, last_done, last_total;
} progress_log;

static void on_progress(void *ud, size_t done, size_t total)
{
    progress_log *p = ud;
    p->calls++;
    assert_true(done <= total);
    p->last_done = done;
    p->last_total = total;
}

static void test_check_progress(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = cotton(0);
    progress_log log = {0, 0, 0};
    lab_check_options o = LAB_CHECK_OPTIONS_INIT;
    lab_report *rep = NULL;
    o.as_of = AS_OF;
    o.progress = on_progress;
    o.progress_ud = &log;
    assert_int_equal(lab_check(&rep, e, ds, &o), LAB_OK);
    /* at least the final call, with every record done */
    assert_true(log.calls >= 1);
    assert_int_equal(log.last_total, 11 + 8 + 2 + 3);
    assert_int_equal(log.last_done, log.last_total);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

/* A folder load counts the bytes of its files (CSV, audits/ reports,
 * events/) and ends at the total; without a callback nothing is called. */
static void test_load_progress(void **state)
{
    (void)state;
    const char *dir = LAB_SOURCE_DIR "/examples/cotton";
    FILE *wc = popen("cd '" LAB_SOURCE_DIR "/examples/cotton' && "
                     "cat *.csv audits/*.xml 2>/dev/null | wc -c",
                     "r");
    assert_non_null(wc);
    size_t want = 0;
    assert_int_equal(fscanf(wc, "%zu", &want), 1);
    pclose(wc);
    assert_true(want > 1000);

    lab_dataset *ds = NULL;
    progress_log log = {0, 0, 0};
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    lab_dataset_set_progress(ds, on_progress, &log);
    assert_int_equal(lab_dataset_load(ds, dir), LAB_OK);
    assert_true(log.calls >= 2); /* the first bytes, and the end */
    assert_int_equal(log.last_total, want);
    assert_int_equal(log.last_done, want);
    lab_dataset_free(ds);

    progress_log none = {0, 0, 0};
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    lab_dataset_set_progress(ds, on_progress, &none);
    lab_dataset_set_progress(ds, NULL, NULL);
    assert_int_equal(lab_dataset_load(ds, dir), LAB_OK);
    assert_int_equal(none.calls, 0);
    lab_dataset_free(ds);
}

/* What lab_report_write hands its writer, piece by piece. */
typedef struct {
    lab_buf all;
    size_t pieces;
    size_t fail_at; /* 0: never; else the piece to fail (1-based) */
    int fail_rc;
} pieces;

static int collect_piece(void *ud, const void *data, size_t len)
{
    pieces *p = ud;
    p->pieces++;
    if (p->fail_at != 0 && p->pieces == p->fail_at)
        return p->fail_rc;
    assert_true(len > 0 && len <= 2 * LAB_BUF_FLUSH);
    /* no piece starts inside a UTF-8 character */
    assert_true((*(const unsigned char *)data & 0xc0) != 0x80);
    lab_buf_add(&p->all, data, len);
    return 0;
}

/* A report of several megabytes written in pieces is byte for byte the
 * rendered one, in every format; no piece starts inside a character (the
 * names are Chinese, and a page goes out cut in pieces); a terminal
 * escape is still neutralised; a writer's error stops it. */
static void test_report_write(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    /* a long Chinese name: most cuts of a page fall inside a character */
    char cjk[256 * 3 + 1];
    for (int k = 0; k < 256; k++)
        memcpy(cjk + 3 * k, "新疆棉花种植合作社" + 3 * (k % 9), 3);
    cjk[sizeof cjk - 1] = '\0';
    char spec[1024];
    for (int i = 0; i < 6000; i++) {
        snprintf(spec, sizeof spec,
                 "id=S-%05d|name=%s%s 第%d号 \x1b[31m红|role=farm|country=CN|"
                 "subdivision=CN-XJ",
                 i, i % 2 ? "" : "é", cjk, i);
        add(ds, LAB_RECORD_SUPPLIER, spec);
    }
    lab_report *rep = check(e, ds, NULL, NULL);
    for (int f = LAB_FORMAT_TEXT; f <= LAB_FORMAT_JUNIT; f++) {
        char *want = NULL;
        assert_int_equal(lab_report_render(&want, rep, (lab_format)f), LAB_OK);
        pieces p = {LAB_BUF_INIT, 0, 0, 0};
        assert_int_equal(
            lab_report_write(rep, (lab_format)f, collect_piece, &p), LAB_OK);
        assert_non_null(p.all.data);
        assert_int_equal(p.all.len, strlen(want));
        assert_memory_equal(p.all.data, want, p.all.len);
        if (f == LAB_FORMAT_TEXT || f == LAB_FORMAT_JSON)
            if (p.pieces < 3) /* > 2 MiB: not held whole */
                fail_msg("format %d: %zu bytes in %zu piece(s)", f, p.all.len,
                         p.pieces);
        if (f == LAB_FORMAT_JUNIT) {
            /* the page went out in 1 MiB pieces: the data must put a
             * character across such a cut, or this tests nothing */
            size_t inside = 0;
            for (size_t m = 1; (m << 20) < p.all.len; m++)
                inside += ((unsigned char)want[m << 20] & 0xc0) == 0x80;
            assert_true(inside > 0);
        }
        if (f == LAB_FORMAT_TEXT) {
            assert_null(strstr(want, "\\xe")); /* no cut character escaped */
            assert_null(strstr(want, "\\xc3"));
            assert_non_null(strstr(want, "\\x1b[31m"));
            assert_null(strchr(want, '\x1b'));
        }
        lab_buf_free(&p.all);
        lab_free(want);
    }
    /* the writer fails: its code comes back, nothing more is written */
    pieces p = {LAB_BUF_INIT, 0, 2, LAB_ENOMEM};
    assert_int_equal(lab_report_write(rep, LAB_FORMAT_JSON, collect_piece, &p),
                     LAB_ENOMEM);
    assert_int_equal(p.pieces, 2);
    lab_buf_free(&p.all);
    pieces q = {LAB_BUF_INIT, 0, 1, 7};
    assert_int_equal(lab_report_write(rep, LAB_FORMAT_TEXT, collect_piece, &q),
                     LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), "returned 7"));
    lab_buf_free(&q.all);
    assert_int_equal(lab_report_write(NULL, LAB_FORMAT_TEXT, collect_piece, &q),
                     LAB_EINVAL);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

/* The description gives each condition in both languages, and they
 * translate into each other. */
static void test_describe(void **state)
{
    (void)state;
    const char *packs[] = {STARTER_PACK, ENGINE_PACK};
    lab_engine *e = NULL;
    assert_int_equal(engine_from(&e, packs, 2), LAB_OK);
    char *infix = NULL, *jl = NULL;
    assert_int_equal(lab_engine_describe(&infix, e, 0), LAB_OK);
    assert_int_equal(lab_engine_describe(&jl, e, 1), LAB_OK);
    json_t *di = json_loads(infix, 0, NULL), *dj = json_loads(jl, 0, NULL);
    assert_non_null(di);
    assert_non_null(dj);
    json_t *pi = json_object_get(di, "packs"),
           *pj = json_object_get(dj, "packs");
    assert_int_equal(json_array_size(pi), 2);
    size_t nrules = 0;
    for (size_t p = 0; p < 2; p++) {
        json_t *ri = json_object_get(json_array_get(pi, p), "rules");
        json_t *rj = json_object_get(json_array_get(pj, p), "rules");
        for (size_t r = 0; r < json_array_size(ri); r++) {
            const char *cond = json_string_value(
                json_object_get(json_array_get(ri, r), "condition"));
            json_t *want = json_object_get(json_array_get(rj, r), "condition");
            assert_non_null(cond);
            char *got = NULL;
            assert_int_equal(lab_condition_translate(&got, cond, 1), LAB_OK);
            json_t *g = json_loads(got, JSON_DECODE_ANY, NULL);
            if (!json_equal(g, want))
                fail_msg("%s: infix %s translates to %s", cond, cond, got);
            json_decref(g);
            lab_free(got);
            nrules++;
        }
    }
    assert_int_equal(nrules, lab_engine_rule_count(e));
    json_decref(di);
    json_decref(dj);
    lab_free(infix);
    lab_free(jl);
    lab_engine_free(e);
}

/* ---- evaluation allocates nothing ---- */

static void test_no_allocation_per_evaluation(void **state)
{
    (void)state;
    lab_engine *e = engine_ok(ENGINE_PACK);
    lab_dataset *ds = cotton(0);
    lab_report *rep = check(e, ds, NULL, NULL); /* derives the chains */
    lab_arena scratch;
    lab_arena_init(&scratch, 16 * 1024);

    long gm = lab_ds_find(ds, LAB_RECORD_SUPPLIER, "GM-BD");
    long spin = lab_ds_find(ds, LAB_RECORD_SUPPLIER, "SPIN-CN");
    long aud = lab_ds_find(ds, LAB_RECORD_AUDIT, "AUD-1");
    long prod = lab_ds_find(ds, LAB_RECORD_PRODUCT, "P-TAINT");
    assert_true(gm >= 0 && spin >= 0 && aud >= 0 && prod >= 0);
    lab_scope sc;
    memset(&sc, 0, sizeof sc);
    sc.as_of = 20000;
    for (size_t r = 0; r < e->nrules; r++) {
        const lab_rule *rule = &e->rules[r];
        uint32_t who =
            rule->subject == LAB_SUBJECT_CHAIN ? (uint32_t)gm : (uint32_t)spin;
        memset(sc.rec, 0, sizeof sc.rec);
        sc.rec[LAB_SLOT_SUPPLIER] =
            lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], who);
        sc.rec[LAB_SLOT_BUYER] = sc.rec[LAB_SLOT_SUPPLIER];
        sc.rec[LAB_SLOT_CHAIN] = &ds->chain[who];
        sc.rec[LAB_SLOT_AUDIT] =
            lab_table_row(&ds->tables[LAB_RECORD_AUDIT], (size_t)aud);
        sc.rec[LAB_SLOT_LINK] = lab_table_row(&ds->tables[LAB_RECORD_LINK], 2);
        sc.rec[LAB_SLOT_PRODUCT] =
            lab_table_row(&ds->tables[LAB_RECORD_PRODUCT], (size_t)prod);
        int first = lab_rule_eval(rule, &sc, &scratch);
        assert_true(first >= 0);
        /* no reset between evaluations: nothing may accumulate */
        for (int i = 0; i < 10000; i++)
            assert_int_equal(lab_rule_eval(rule, &sc, &scratch), first);
        if (scratch.total != 0)
            fail_msg("rule %s: %zu bytes of scratch after 10000 "
                     "evaluations",
                     rule->id, scratch.total);
    }
    lab_arena_free(&scratch);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_template_loads),
        cmocka_unit_test(test_bad_condition_syntax),
#if LAB_TEST_KNOWN_BUGS
        cmocka_unit_test(test_bad_condition_column_after_entity),
#endif
        cmocka_unit_test(test_bad_condition_fields_and_types),
        cmocka_unit_test(test_bad_condition_type_column),
        cmocka_unit_test(test_bad_jsonlogic),
        cmocka_unit_test(test_bad_message),
        cmocka_unit_test(test_bad_xml),
        cmocka_unit_test(test_bad_schema),
        cmocka_unit_test(test_duplicate_rule_ids),
        cmocka_unit_test(test_bad_test_case),
        cmocka_unit_test(test_engine_options),
        cmocka_unit_test(test_check_findings),
        cmocka_unit_test(test_check_deterministic),
        cmocka_unit_test(test_check_restricted),
        cmocka_unit_test(test_chain_cycle),
        cmocka_unit_test(test_chain_six_tiers),
        cmocka_unit_test(test_check_json_matches_handles),
        cmocka_unit_test(test_plugin_api),
        cmocka_unit_test(test_rule_tests_starter),
        cmocka_unit_test(test_rule_tests_failing),
        cmocka_unit_test(test_check_progress),
        cmocka_unit_test(test_load_progress),
        cmocka_unit_test(test_report_write),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_no_allocation_per_evaluation),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
