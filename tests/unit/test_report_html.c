/*
 * test_report_html.c - the pages people look at, as a specification:
 * text from data is escaped for HTML and XML (markup characters become
 * references, bad UTF-8 and control characters U+FFFD, long names are
 * cut on a character boundary); the cotton report renders as a page with
 * the chain drawn and a row per finding; its JUnit XML parses with
 * libxml2 and counts one testcase per finding and per product; a
 * supplier with a hostile name leaves no markup in either; the chain
 * layout puts farms left of brands; and the certificate page escapes
 * what the credential says and refuses what is not lab_verify's JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"

static char *escaped(const char *s, size_t n)
{
    lab_buf b = LAB_BUF_INIT;
    char *out = NULL;
    lab_buf_add_escaped(&b, s, n);
    lab_buf_addc(&b, '\0');
    assert_int_equal(lab_buf_detach(&b, &out), LAB_OK);
    return out;
}

static void markup_characters_become_references(void **state)
{
    (void)state;
    const char *in = "<script>alert(\"x\" & 'y')</script>";
    char *out = escaped(in, strlen(in));
    assert_string_equal(out, "&lt;script&gt;alert(&quot;x&quot; &amp; "
                             "&#39;y&#39;)&lt;/script&gt;");
    free(out);
}

static void bad_bytes_become_replacement_characters(void **state)
{
    (void)state;
    /* invalid lead byte, a control character, a lone continuation, an
     * overlong '<', a surrogate, U+FFFE; then valid e-acute and tab */
    const char in[] = "a\xff"
                      "b\x01"
                      "c\x80"
                      "d\xC0\xBC"
                      "e\xED\xA0\x80"
                      "f\xEF\xBF\xBE"
                      "\xC3\xA9\t";
    char *out = escaped(in, sizeof in - 1);
    assert_null(strchr(out, '<'));
    assert_non_null(strstr(out, "a\xEF\xBF\xBD"
                                "b\xEF\xBF\xBD"
                                "c\xEF\xBF\xBD"
                                "d"));
    assert_non_null(strstr(out, "f\xEF\xBF\xBD\xC3\xA9\t"));
    assert_int_equal(lab_utf8_check(out, strlen(out)), strlen(out));
    free(out);
    /* a NUL inside the text is a control character too */
    out = escaped("x\0y", 3);
    assert_string_equal(out, "x\xEF\xBF\xBDy");
    free(out);
}

static void long_names_are_cut_on_a_character(void **state)
{
    (void)state;
    lab_buf b = LAB_BUF_INIT;
    char *out = NULL;
    lab_buf_add_esc_cut(&b, "\xC3\xA9\xC3\xA9<\xC3\xA9\xC3\xA9", 3);
    lab_buf_addc(&b, '|');
    lab_buf_add_esc_cut(&b, "short", 10);
    lab_buf_addc(&b, '\0');
    assert_int_equal(lab_buf_detach(&b, &out), LAB_OK);
    assert_string_equal(out, "\xC3\xA9\xC3\xA9&lt;\xE2\x80\xA6|short");
    free(out);
}

/* ---- the cotton report ---- */

typedef struct fixture {
    lab_engine *e;
    lab_dataset *ds;
    lab_report *rep;
} fixture;

static int setup_cotton(void **state, int hostile)
{
    fixture *fx = calloc(1, sizeof *fx);
    const char *packs[] = {LAB_SOURCE_DIR "/rules"};
    const char *lists[] = {LAB_SOURCE_DIR "/rules/data"};
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    eo.packs = packs;
    eo.npacks = 1;
    eo.lists = lists;
    eo.nlists = 1;
    co.as_of = "2026-09-01";
    if (fx == NULL || lab_engine_new(&fx->e, &eo) != LAB_OK ||
        lab_dataset_new(&fx->ds) != LAB_OK ||
        lab_dataset_load(fx->ds, LAB_SOURCE_DIR "/examples/cotton") != LAB_OK)
        return -1;
    if (hostile) {
        const char *sn[] = {"id", "name", "role", "country"};
        const char *sv[] = {"F-\"'<x>",
                            "<script>alert(1)</script><img "
                            "src=x onerror=alert(2)>",
                            "farm", "CN"};
        const char *ln[] = {"supplier_id", "buyer_id"};
        const char *lv[] = {"F-\"'<x>", "G-CN-001"};
        if (lab_dataset_add(fx->ds, LAB_RECORD_SUPPLIER, sn, sv, 4, "test") !=
                LAB_OK ||
            lab_dataset_add(fx->ds, LAB_RECORD_LINK, ln, lv, 2, "test") !=
                LAB_OK)
            return -1;
    }
    if (lab_check(&fx->rep, fx->e, fx->ds, &co) != LAB_OK)
        return -1;
    *state = fx;
    return 0;
}

static int setup_clean(void **state)
{
    return setup_cotton(state, 0);
}

static int setup_hostile(void **state)
{
    return setup_cotton(state, 1);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    if (fx != NULL) {
        lab_report_free(fx->rep);
        lab_dataset_free(fx->ds);
        lab_engine_free(fx->e);
        free(fx);
    }
    return 0;
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void html_draws_the_chain_and_lists_every_finding(void **state)
{
    fixture *fx = *state;
    char *html = NULL;
    assert_int_equal(lab_report_render(&html, fx->rep, LAB_FORMAT_HTML),
                     LAB_OK);
    assert_non_null(strstr(html, "Content-Security-Policy"));
    assert_non_null(strstr(html, "<svg"));
    assert_null(strstr(html, "<script"));
    size_t n = lab_report_finding_count(fx->rep);
    assert_true(n > 0 && n <= LAB_HTML_MAX_ROWS);
    assert_int_equal(occurrences(html, "<tr id=\"f-"), n);
    /* each facility's box carries its id once, whatever the drawings */
    assert_int_equal(occurrences(html, "\" id=\"n-"),
                     lab_dataset_count(fx->ds, LAB_RECORD_SUPPLIER) - 1);
    assert_true(occurrences(html, "<g class=\"n s") >=
                occurrences(html, "\" id=\"n-"));
    assert_non_null(strstr(html, "class=\"product-chain\""));
    assert_non_null(strstr(html, ">maker</text>"));
    assert_non_null(strstr(html, ">tier 1</text>"));
    assert_non_null(strstr(html, "\xE2\x9C\x95 blocker"));
    assert_non_null(strstr(html, "Example Oasis Cotton Farm"));
    lab_free(html);
}

/* Parses XML the way the project allows: no network, no entities, no
 * DTD; NULL unless well-formed. */
static xmlDoc *parse_xml(const char *text)
{
    return xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING);
}

static size_t count_elements(xmlNode *n, const char *name)
{
    size_t c = 0;
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        c += strcmp((const char *)n->name, name) == 0;
        c += count_elements(n->children, name);
    }
    return c;
}

static void junit_is_well_formed_with_a_case_per_finding(void **state)
{
    fixture *fx = *state;
    char *xml = NULL;
    assert_int_equal(lab_report_render(&xml, fx->rep, LAB_FORMAT_JUNIT),
                     LAB_OK);
    xmlDoc *doc = parse_xml(xml);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "testsuites");
    size_t findings = lab_report_finding_count(fx->rep);
    size_t products = lab_report_product_count(fx->rep);
    assert_int_equal(count_elements(root, "testcase"), findings + products);
    assert_int_equal(count_elements(root, "testsuite"),
                     lab_engine_pack_count(fx->e) + 1);
    /* every open finding fails; so does every blocked product (the
     * tainted shirt, the over-claimed tee and the tee whose lot mixes
     * Xinjiang lint), and the clean tee passes */
    size_t blocked = 0;
    for (size_t i = 0; i < products; i++) {
        int worst = -1;
        assert_int_equal(lab_report_product(fx->rep, i, NULL, &worst), LAB_OK);
        blocked += worst >= LAB_SEV_BLOCKER;
    }
    assert_int_equal(blocked, 3);
    assert_int_equal(count_elements(root, "failure"),
                     lab_report_count_at_least(fx->rep, LAB_SEV_INFO) +
                         blocked);
    xmlChar *tests = xmlGetProp(root, (const xmlChar *)"tests");
    assert_int_equal(strtoul((const char *)tests, NULL, 10),
                     findings + products);
    xmlFree(tests);
    xmlFreeDoc(doc);
    lab_free(xml);
}

static void hostile_names_leave_no_markup(void **state)
{
    fixture *fx = *state;
    char *html = NULL, *xml = NULL;
    assert_int_equal(lab_report_render(&html, fx->rep, LAB_FORMAT_HTML),
                     LAB_OK);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<x>"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "F-&quot;&#39;&lt;x&gt;"));
    assert_int_equal(lab_report_render(&xml, fx->rep, LAB_FORMAT_JUNIT),
                     LAB_OK);
    xmlDoc *doc = parse_xml(xml);
    assert_non_null(doc);
    assert_int_equal(count_elements(xmlDocGetRootElement(doc), "script"), 0);
    xmlFreeDoc(doc);
    lab_free(html);
    lab_free(xml);
}

static void farms_are_left_of_brands(void **state)
{
    fixture *fx = *state;
    const lab_report *rep = fx->rep;
    size_t nv = lab_dataset_count(fx->ds, LAB_RECORD_SUPPLIER);
    lab_sup_mark *mk = calloc(nv + 1, sizeof *mk);
    assert_non_null(mk);
    for (size_t v = 0; v < nv; v++)
        mk[v].worst = -1, mk[v].first = -1;
    lab_drawing d;
    assert_int_equal(lab_drawing_all(&d, rep, mk, 2000), LAB_OK);
    long farm = lab_ds_find(fx->ds, LAB_RECORD_SUPPLIER, "F-IN-001");
    /* a product's maker: a brand that only buys is in no chain */
    assert_true(rep->nproducts > 0);
    long brand = (long)rep->products[0].maker;
    assert_true(farm >= 0);
    assert_true(d.slot[farm] >= 0 && d.slot[brand] >= 0);
    assert_true(d.box[d.slot[farm]].x < d.box[d.slot[brand]].x);
    assert_true(d.ncols >= 4);
    lab_drawing_free(&d);
    /* a cap draws fewer and says how many were wanted */
    assert_int_equal(lab_drawing_all(&d, rep, mk, 3), LAB_OK);
    assert_int_equal(d.n, 3);
    assert_true(d.wanted > 3);
    lab_drawing_free(&d);

    /* each product's own drawing: the maker alone in the rightmost
     * column, tier 1 its direct suppliers, tiers rising leftwards */
    assert_true(rep->nproducts > 0);
    for (size_t i = 0; i < rep->nproducts; i++) {
        const lab_product_verdict *p = &rep->products[i];
        assert_int_equal(lab_drawing_product(&d, rep, p, mk), LAB_OK);
        assert_true(d.n >= 2);
        assert_int_equal(d.groups, 0);
        int32_t mb = d.slot[p->maker];
        assert_true(mb >= 0);
        assert_int_equal(d.box[mb].tier, 0);
        assert_int_equal(d.col_tier[d.ncols - 1], 0);
        for (size_t k = 0; k < d.n; k++) {
            const lab_box *x = &d.box[k];
            assert_true(x->tier >= 0);
            if (x->tier > 0)
                assert_true(x->x + LAB_NODE_W <= d.box[mb].x);
            for (size_t j = 0; j < d.n; j++)
                if (d.box[j].tier < x->tier)
                    assert_true(x->x < d.box[j].x);
            /* on the grid: no two boxes overlap */
            for (size_t j = k + 1; j < d.n; j++)
                assert_false(d.box[j].x == x->x && d.box[j].y == x->y);
        }
        /* a supplier with a link into the maker is tier 1 */
        for (size_t e = 0; e < d.nedges; e++)
            if (d.edge[e][1] == (uint32_t)mb)
                assert_true(d.box[d.edge[e][0]].tier <= 1);
        lab_drawing_free(&d);
    }
    free(mk);
}

/* ---- the certificate page ---- */

static void certificate_page_escapes_the_credential(void **state)
{
    (void)state;
    const char *json =
        "{\"valid\":false,\"reason\":\"untrusted_issuer\",\"message\":"
        "\"<b>x</b>\",\"credential\":{\"id\":\"urn:uuid:1\",\"issuer\":{"
        "\"name\":\"<script>alert(1)</script>\"},\"credentialSubject\":{"
        "\"assessment\":[{\"claim\":\"<img src=x onerror=alert(2)>\","
        "\"assessedFacility\":[{\"tier\":0,\"supplierId\":\"\\\"'<i>\","
        "\"facility\":{\"name\":\"<svg onload=alert(3)>\"}}]}]}}}";
    char *html = NULL;
    assert_int_equal(
        lab_certificate_render_html(&html, json, "t", 1, "https://x/?a=<b>"),
        LAB_OK);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<svg onload"));
    assert_null(strstr(html, "<i>"));
    assert_null(strstr(html, "<b>"));
    assert_non_null(strstr(html, "Not valid"));
    assert_non_null(strstr(html, "&lt;svg onload=alert(3)&gt;"));
    lab_free(html);
    assert_int_equal(lab_certificate_render_html(&html, "[1]", NULL, 0, NULL),
                     LAB_EPARSE);
    assert_int_equal(lab_certificate_render_html(&html, "{", NULL, 0, NULL),
                     LAB_EPARSE);
}

/* The page's text as a reader sees it: no tags, styles or SVG. */
static char *page_text(const char *html)
{
    char *t = malloc(strlen(html) + 1);
    size_t n = 0;
    for (const char *p = html; *p;) {
        if (strncmp(p, "<style>", 7) == 0 && strstr(p, "</style>")) {
            p = strstr(p, "</style>") + 8;
        } else if (*p == '<' && strchr(p, '>')) {
            p = strchr(p, '>') + 1;
            t[n++] = ' ';
        } else {
            t[n++] = *p++;
        }
    }
    t[n] = '\0';
    return t;
}

static char *cert_page(const char *result)
{
    char *html = NULL;
    assert_int_equal(lab_certificate_render_html(&html, result, NULL, 0,
                                                 "https://brand.example/c/1"),
                     LAB_OK);
    return html;
}

#define CRED_SELF                                                         \
    "\"credential\":{\"id\":\"urn:uuid:1\",\"issuer\":{\"id\":"           \
    "\"did:web:brand.example\",\"name\":\"Example Brand\"},"              \
    "\"credentialSubject\":{\"assessorLevel\":\"Self\",\"assessment\":[{" \
    "\"claim\":\"Made without forced labour\"}]}}"
#define CRED_ASSESSED                                                        \
    "\"credential\":{\"id\":\"urn:uuid:2\",\"issuer\":{\"id\":"              \
    "\"did:web:brand.example\",\"name\":\"Example Brand\"},"                 \
    "\"credentialSubject\":{\"assessorLevel\":\"3rdParty\","                 \
    "\"assessmentLevel\":\"Accredited\",\"scope\":{\"id\":"                  \
    "\"https://scheme.example/els\",\"name\":\"Example Labour Standard\","   \
    "\"version\":\"2.1\"},\"assessment\":[{\"claim\":\"Made without forced " \
    "labour\",\"auditor\":{\"id\":\"did:web:cb.example\",\"name\":"          \
    "\"Example Certification Body\"}}]}}"

static void certificate_page_says_who_assessed_and_when(void **state)
{
    (void)state;
    char *html =
        cert_page("{\"valid\":true,\"reason\":\"valid\","
                  "\"checked_at\":\"2026-12-03T10:20:30Z\"," CRED_SELF "}");
    char *text = page_text(html);
    const char *who = strstr(html, "Self-declared by Example Brand");
    assert_non_null(who);
    /* prominent: before the result and the claim */
    assert_true(who < strstr(html, "id=\"result\""));
    assert_true(who < strstr(html, "id=\"claim\""));
    assert_non_null(strstr(html, "Checked on 2026-12-03 at 10:20:30 UTC"));
    assert_null(strstr(html, "<s>"));
    assert_null(strstr(html, "card void"));
    /* nothing for a command line on a page meant for consumers */
    assert_null(strstr(text, "labaudit "));
    assert_null(strstr(text, "--"));
    free(text);
    lab_free(html);

    html = cert_page("{\"valid\":true,\"reason\":\"valid\"," CRED_ASSESSED "}");
    text = page_text(html);
    assert_non_null(strstr(html, "Assessed by Example Certification Body "
                                 "under Example Labour Standard (version "
                                 "2.1)"));
    assert_non_null(strstr(html, "An accredited, independent (third-party) "
                                 "assessment"));
    assert_null(strstr(html, "Self-declared"));
    assert_non_null(strstr(html, "Checked on 2")); /* now, without a time */
    assert_null(strstr(text, "labaudit "));
    assert_null(strstr(text, "--"));
    free(text);
    lab_free(html);
}

static void certificate_page_voids_an_invalid_certificate(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"revoked", "Revoked", "revoked by its issuer"},
        {"suspended", "Suspended", "suspended by its issuer"},
        {"expired", "Expired", "it has expired"},
        {"bad_signature", "Not valid", "the signature does not match"},
        {"status_stale", "Not valid", "out of date"},
        {"something_new", "Not valid", "could not be verified"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[2048];
        snprintf(json, sizeof json,
                 "{\"valid\":false,\"reason\":\"%s\",\"message\":\"bit 5 "
                 "is set\"," CRED_ASSESSED "}",
                 cases[i][0]);
        char *html = cert_page(json);
        char *text = page_text(html);
        assert_non_null(strstr(html, "class=\"card void\""));
        assert_non_null(
            strstr(html, "<s>Made without forced labour</s>")); /* struck */
        assert_non_null(strstr(html, cases[i][1]));
        assert_non_null(strstr(html, cases[i][2]));
        assert_non_null(strstr(html, "Checked on "));
        assert_null(strstr(text, "labaudit "));
        assert_null(strstr(text, "--"));
        free(text);
        lab_free(html);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(markup_characters_become_references),
        cmocka_unit_test(bad_bytes_become_replacement_characters),
        cmocka_unit_test(long_names_are_cut_on_a_character),
        cmocka_unit_test_setup_teardown(
            html_draws_the_chain_and_lists_every_finding, setup_clean,
            teardown),
        cmocka_unit_test_setup_teardown(
            junit_is_well_formed_with_a_case_per_finding, setup_clean,
            teardown),
        cmocka_unit_test_setup_teardown(farms_are_left_of_brands, setup_clean,
                                        teardown),
        cmocka_unit_test_setup_teardown(hostile_names_leave_no_markup,
                                        setup_hostile, teardown),
        cmocka_unit_test(certificate_page_escapes_the_credential),
        cmocka_unit_test(certificate_page_says_who_assessed_and_when),
        cmocka_unit_test(certificate_page_voids_an_invalid_certificate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
