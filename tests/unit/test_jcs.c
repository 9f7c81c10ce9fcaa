/*
 * test_jcs.c - the specification of jcs.c, RFC 8785 JSON canonicalization:
 * every input of the reference test data (cyberphone/json-canonicalization)
 * gives its published canonical form byte for byte, the number table of
 * RFC 8785 Appendix B prints as ECMAScript does, integers round as
 * JavaScript rounds them, and names sort by UTF-16 code units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_file(const char *name)
{
    char in[1024], outp[1024];
    char *input = NULL, *want = NULL, *got = NULL;
    size_t inlen = 0, wantlen = 0, gotlen = 0;

    snprintf(in, sizeof in, "%s/jcs/input/%s", LAB_CONFORMANCE_DIR, name);
    snprintf(outp, sizeof outp, "%s/jcs/output/%s", LAB_CONFORMANCE_DIR, name);
    assert_int_equal(lab_read_file(&input, &inlen, in, 1 << 20), LAB_OK);
    assert_int_equal(lab_read_file(&want, &wantlen, outp, 1 << 20), LAB_OK);
    int rc = lab_jcs_text(&got, &gotlen, input, inlen);
    if (rc != LAB_OK)
        fail_msg("%s: %s", name, lab_errmsg());
    if (gotlen != wantlen || memcmp(got, want, wantlen) != 0)
        fail_msg("%s:\n got  %s\n want %s", name, got, want);
    free(input);
    free(want);
    free(got);
}

static void test_conformance_files(void **state)
{
    (void)state;
    static const char *const names[] = {"arrays.json",     "french.json",
                                        "structures.json", "unicode.json",
                                        "values.json",     "weird.json"};
    for (size_t i = 0; i < LAB_ARRAY_LEN(names); i++)
        check_file(names[i]);
}

/* Canonicalizes text and compares with want. */
static void expect(const char *text, const char *want)
{
    char *got = NULL;
    size_t len = 0;
    int rc = lab_jcs_text(&got, &len, text, strlen(text));
    if (rc != LAB_OK)
        fail_msg("%s: %s", text, lab_errmsg());
    if (strcmp(got, want) != 0)
        fail_msg("%s:\n got  %s\n want %s", text, got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

static void expect_double(uint64_t bits, const char *want)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    json_t *v = json_real(d);
    char *got = NULL;
    assert_non_null(v);
    assert_int_equal(lab_jcs_serialize(&got, NULL, v), LAB_OK);
    if (strcmp(got, want) != 0)
        fail_msg("%016llx: got %s want %s", (unsigned long long)bits, got,
                 want);
    free(got);
    json_decref(v);
}

/* RFC 8785 Appendix B: IEEE 754 values and their canonical text. */
static void test_rfc8785_numbers(void **state)
{
    (void)state;
    expect_double(0x0000000000000000ull, "0");
    expect_double(0x8000000000000000ull, "0");
    expect_double(0x0000000000000001ull, "5e-324");
    expect_double(0x8000000000000001ull, "-5e-324");
    expect_double(0x7fefffffffffffffull, "1.7976931348623157e+308");
    expect_double(0xffefffffffffffffull, "-1.7976931348623157e+308");
    expect_double(0x4340000000000000ull, "9007199254740992");
    expect_double(0xc340000000000000ull, "-9007199254740992");
    expect_double(0x4430000000000000ull, "295147905179352830000");
    expect_double(0x44b52d02c7e14af5ull, "9.999999999999997e+22");
    expect_double(0x44b52d02c7e14af6ull, "1e+23");
    expect_double(0x44b52d02c7e14af7ull, "1.0000000000000001e+23");
    expect_double(0x444b1ae4d6e2ef4eull, "999999999999999700000");
    expect_double(0x444b1ae4d6e2ef4full, "999999999999999900000");
    expect_double(0x444b1ae4d6e2ef50ull, "1e+21");
    expect_double(0x3eb0c6f7a0b5ed8cull, "9.999999999999997e-7");
    expect_double(0x3eb0c6f7a0b5ed8dull, "0.000001");
    expect_double(0x41b3de4355555553ull, "333333333.3333332");
    expect_double(0x41b3de4355555554ull, "333333333.33333325");
    expect_double(0x41b3de4355555555ull, "333333333.3333333");
    expect_double(0x41b3de4355555556ull, "333333333.3333334");
    expect_double(0x41b3de4355555557ull, "333333333.33333343");
    expect_double(0xbecbf647612f3696ull, "-0.0000033333333333333333");
    expect_double(0x43143ff3c1cb0959ull, "1424953923781206.2");
}

/* Numbers in text go through double exactly as JSON.parse does. */
static void test_number_text(void **state)
{
    (void)state;
    expect("-0", "0");
    expect("-0.0", "0");
    expect("1E30", "1e+30");
    expect("4.50", "4.5");
    expect("333333333.33333329", "333333333.3333333");
    expect("0.000001", "0.000001");
    expect("0.0000001", "1e-7");
    expect("1e21", "1e+21");
    expect("100000000000000000000", "100000000000000000000");
    expect("9007199254740993", "9007199254740992");
    expect("18446744073709551616", "18446744073709552000");
    expect("-123456789012345678901234567890", "-1.2345678901234568e+29");
    expect("[1e-400]", "[0]");
}

static void test_integers_in_memory(void **state)
{
    (void)state;
    json_t *v = json_pack("[I,I,I]", (json_int_t)9007199254740993LL,
                          (json_int_t)INT64_MAX, (json_int_t)INT64_MIN);
    char *got = NULL;
    assert_int_equal(lab_jcs_serialize(&got, NULL, v), LAB_OK);
    assert_string_equal(got, "[9007199254740992,9223372036854776000,"
                             "-9223372036854776000]");
    free(got);
    json_decref(v);
}

static void test_strings(void **state)
{
    (void)state;
    expect("\"\\u0000\\u001f\\u007f\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
           "\"\\u0000\\u001f\x7f/\\b\\f\\n\\r\\t\\\"\\\\\"");
    expect("\"\\u00e9\\u2028\\ud83d\\ude02\"",
           "\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x82\"");
    expect("\"</script>\"", "\"</script>\"");
}

static void test_sorting(void **state)
{
    (void)state;
    /* U+1F602 is D83D DE02 in UTF-16, before U+FB33 although its UTF-8
     * form sorts after; a prefix sorts before the longer name. */
    expect("{\"\\ufb33\":1,\"\\ud83d\\ude02\":2,\"ab\":3,\"a\":4,\"B\":5}",
           "{\"B\":5,\"a\":4,\"ab\":3,\"\xf0\x9f\x98\x82\":2,"
           "\"\xef\xac\xb3\":1}");
    expect("{\"\\u00e9\":1,\"\\ud800\\udc00\":2,\"\\uffff\":3}",
           "{\"\xc3\xa9\":1,\"\xf0\x90\x80\x80\":2,\"\xef\xbf\xbf\":3}");
    expect("{\"b\":{\"d\":[],\"c\":{}},\"a\":[{\"z\":null,\"y\":true}]}",
           "{\"a\":[{\"y\":true,\"z\":null}],\"b\":{\"c\":{},\"d\":[]}}");
    expect(" [ ] ", "[]");
    expect("\"x\"", "\"x\"");
    expect("true", "true");
}

static void test_rejects(void **state)
{
    (void)state;
    char *got = NULL;
    static const char *const bad[] = {
        "{\"a\":1,\"a\":2}", "[1,]", "NaN", "Infinity", "1e400",
        "\"\\ud800\"",       "",     "{",   "[01]",     "\"\xff\""};
    for (size_t i = 0; i < LAB_ARRAY_LEN(bad); i++) {
        int rc = lab_jcs_text(&got, NULL, bad[i], strlen(bad[i]));
        if (rc != LAB_EPARSE)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(lab_errmsg(), "JSON"));
    }
    assert_int_equal(lab_jcs_serialize(&got, NULL, NULL), LAB_EINVAL);
}

static void test_depth_limit(void **state)
{
    (void)state;
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < LAB_JCS_MAX_DEPTH + 10; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    char *got = NULL;
    assert_int_equal(lab_jcs_serialize(&got, NULL, root), LAB_ELIMIT);
    assert_null(got);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance_files),
        cmocka_unit_test(test_rfc8785_numbers),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_integers_in_memory),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_sorting),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
