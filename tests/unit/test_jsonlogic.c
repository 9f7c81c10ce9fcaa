/*
 * test_jsonlogic.c - the specification of jsonlogic.c: the official
 * JsonLogic test suite (all 277 cases) passes; JavaScript's coercions hold
 * in the corners json-logic-js shows (each expected value below was
 * produced by json-logic-js 2.0.5); rules written back with lab_jl_write
 * are the rules read; unknown operators, syntax errors, NUL bytes and
 * deep nesting are errors that say where; resolved fields are read
 * through the engine's fetch; and runaway evaluations stop at a limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jsonlogic_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SUITE_CASES = 277 };

static json_t *load_suite(void)
{
    json_error_t err;
    json_t *suite = json_load_file(LAB_CONFORMANCE_DIR "/jsonlogic-tests.json",
                                   JSON_DECODE_INT_AS_REAL, &err);
    if (suite == NULL)
        fail_msg("jsonlogic-tests.json:%d:%d: %s", err.line, err.column,
                 err.text);
    return suite;
}

static void test_official_suite(void **state)
{
    (void)state;
    json_t *suite = load_suite();
    size_t i, total = 0, passed = 0;
    json_t *c;
    json_array_foreach(suite, i, c)
    {
        if (!json_is_array(c))
            continue; /* a comment between groups */
        total++;
        char label[32];
        snprintf(label, sizeof label, "suite case %zu", total);
        passed += jl_check_case(json_array_get(c, 0), json_array_get(c, 1),
                                json_array_get(c, 2), label);
    }
    printf("jsonlogic suite: %zu/%d passed\n", passed, SUITE_CASES);
    json_decref(suite);
    assert_int_equal(total, SUITE_CASES);
    assert_int_equal(passed, SUITE_CASES);
}

/* Parses rule text, writes it back with lab_jl_write. */
static char *rewrite(const char *rule)
{
    lab_arena a;
    lab_arena_init(&a, 0);
    lab_node *n = NULL;
    lab_buf b = LAB_BUF_INIT;
    char *out = NULL;
    int rc = lab_jl_parse(&n, &a, rule, strlen(rule), "rule.json");
    if (rc != LAB_OK)
        fail_msg("%s: %s", rule, lab_errmsg());
    lab_jl_write(&b, n);
    assert_int_equal(lab_buf_detach(&b, &out), LAB_OK);
    lab_arena_free(&a);
    return out;
}

static void test_suite_round_trips(void **state)
{
    (void)state;
    json_t *suite = load_suite();
    size_t i;
    json_t *c;
    json_array_foreach(suite, i, c)
    {
        if (!json_is_array(c))
            continue;
        char *text =
            json_dumps(json_array_get(c, 0), JSON_ENCODE_ANY | JSON_COMPACT);
        char *once = rewrite(text);
        char *twice = rewrite(once);
        json_t *orig = jl_normalise(json_array_get(c, 0));
        json_t *back =
            json_loads(once, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        if (back == NULL || !json_equal(orig, back))
            fail_msg("%s written back as %s", text, once);
        assert_string_equal(once, twice);
        json_decref(orig);
        json_decref(back);
        free(text);
        free(once);
        free(twice);
    }
    json_decref(suite);
}

static void test_scalar_argument_round_trips(void **state)
{
    (void)state;
    static const char *const same[] = {
        "{\"!\":true}",
        "{\"!\":[true]}",
        "{\"var\":\"a.b\"}",
        "{\"var\":[\"a.b\"]}",
        "{\"var\":[\"a\",1]}",
        "{\"missing\":\"a\"}",
        "{\"!\":{\"var\":\"x\"}}",
        "{\"!\":[[1,2]]}",
        "{\"merge\":[[1],[{\"var\":\"x\"}]]}",
        "{\"if\":[]}",
        "[1,{\"var\":\"a\"},[]]",
        "{\"a\":1,\"b\":{\"var\":\"x\"}}",
        "{}",
        "-0",
        "\"text with \\\"quotes\\\" and \\u00e9\"",
    };
    for (size_t i = 0; i < LAB_ARRAY_LEN(same); i++) {
        char *out = rewrite(same[i]);
        json_t *want = json_loads(same[i], JSON_DECODE_ANY, NULL);
        json_t *got = json_loads(out, JSON_DECODE_ANY, NULL);
        if (want == NULL || got == NULL || !json_equal(want, got))
            fail_msg("%s written back as %s", same[i], out);
        json_decref(want);
        json_decref(got);
        free(out);
    }
    char *out = rewrite("{\"!\":true}");
    assert_string_equal(out, "{\"!\":true}");
    free(out);
    out = rewrite("{\"!\":[true]}");
    assert_string_equal(out, "{\"!\":[true]}");
    free(out);
}

/* {rule, data, what json-logic-js 2.0.5 gives (JSON.stringify)}. */
static const char *const edge_cases[][3] = {
    {"{\"==\":[[1],\"1\"]}", "null", "true"},
    {"{\"==\":[[1,2],\"1,2\"]}", "null", "true"},
    {"{\"==\":[[],0]}", "null", "true"},
    {"{\"==\":[[],\"\"]}", "null", "true"},
    {"{\"==\":[null,0]}", "null", "false"},
    {"{\"==\":[null,null]}", "null", "true"},
    {"{\"==\":[{\"var\":\"x\"},{\"var\":\"x\"}]}", "{\"x\":[1]}", "true"},
    {"{\"==\":[[1],[1]]}", "null", "false"},
    {"{\"==\":[true,\"1\"]}", "null", "true"},
    {"{\"==\":[false,[]]}", "null", "true"},
    {"{\"==\":[{\"var\":\"o\"},\"[object Object]\"]}", "{\"o\":{\"a\":1}}",
     "true"},
    {"{\"==\":[\" 12 \",12]}", "null", "true"},
    {"{\"==\":[\"\",0]}", "null", "true"},
    {"{\"==\":[\"abc\",{\"/\":[0,0]}]}", "null", "false"},
    {"{\"==\":[\"0x1A\",26]}", "null", "true"},
    {"{\"==\":[\"1e3\",1000]}", "null", "true"},
    {"{\"==\":[\"1.\",1]}", "null", "true"},
    {"{\"==\":[\".5\",0.5]}", "null", "true"},
    {"{\"==\":[\"Infinity\",{\"/\":[1,0]}]}", "null", "true"},
    {"{\"==\":[\"0b101\",5]}", "null", "true"},
    {"{\"==\":[\"-0x1\",-1]}", "null", "false"},
    {"{\"==\":[\"1_000\",1000]}", "null", "false"},
    {"{\"==\":[\"\\u00a0 7\\n\",7]}", "null", "true"},
    {"{\"==\":[[[\" 3 \"]],3]}", "null", "true"},
    {"{\"==\":[[true],1]}", "null", "false"},
    {"{\"+\":[\"1\",\"2\"]}", "null", "3"},
    {"{\"+\":[\"3.5abc\",1]}", "null", "4.5"},
    {"{\"+\":[\" 12 \",1]}", "null", "13"},
    {"{\"+\":[[2,3],1]}", "null", "3"},
    {"{\"+\":[\"abc\",1]}", "null", "null"},
    {"{\"+\":[]}", "null", "0"},
    {"{\"+\":\"5\"}", "null", "5"},
    {"{\"+\":[\"0x10\",1]}", "null", "1"},
    {"{\"+\":[\"-.5e1x\"]}", "null", "-5"},
    {"{\"*\":[\"2\"]}", "null", "\"2\""},
    {"{\"*\":[2,\"3\",[4]]}", "null", "24"},
    {"{\"-\":[\"5\"]}", "null", "-5"},
    {"{\"-\":[[5],\"2\"]}", "null", "3"},
    {"{\"-\":[{\"and\":[]}]}", "null", "null"},
    {"{\"-\":[5,{\"and\":[]}]}", "null", "-5"},
    {"{\"/\":[\"6\",[3]]}", "null", "2"},
    {"{\"%\":[-7,3]}", "null", "-1"},
    {"{\"<\":[{\"max\":[]},0]}", "null", "true"},
    {"{\">\":[{\"min\":[]},0]}", "null", "true"},
    {"{\"max\":[1,\"3\",[2]]}", "null", "3"},
    {"{\"min\":[1,null]}", "null", "0"},
    {"{\"==\":[{\"max\":[1,\"a\"]},{\"max\":[1,\"a\"]}]}", "null", "false"},
    {"{\"cat\":[\"a\",null,1.5,[1,[2,null]],true]}", "null",
     "\"a1.51,2,true\""},
    {"{\"cat\":[{\"var\":\"o\"}]}", "{\"o\":{}}", "\"[object Object]\""},
    {"{\"cat\":[1e21,0.000001,1e-7,-0]}", "null", "\"1e+210.0000011e-70\""},
    {"{\"cat\":[]}", "null", "\"\""},
    {"{\"cat\":\"x\"}", "null", "\"x\""},
    {"{\"substr\":[\"jsonlogic\",-5,-2]}", "null", "\"log\""},
    {"{\"substr\":[\"jsonlogic\",2,\"-1\"]}", "null", "\"\""},
    {"{\"substr\":[12345,1,2]}", "null", "\"23\""},
    {"{\"substr\":[null,1]}", "null", "\"ull\""},
    {"{\"substr\":[\"héllo\",1,3]}", "null", "\"éll\""},
    {"{\"substr\":[\"abc\",-10]}", "null", "\"abc\""},
    {"{\"substr\":[\"abc\",1,null]}", "null", "\"\""},
    {"{\"substr\":[\"abc\",\"1\"]}", "null", "\"bc\""},
    {"{\"substr\":[]}", "null", "\"undefined\""},
    {"{\"merge\":[1,[2,[3]],[],null]}", "null", "[1,2,[3],null]"},
    {"{\"merge\":[]}", "null", "[]"},
    {"{\"in\":[\"b\",\"abc\"]}", "null", "true"},
    {"{\"in\":[\"\",\"abc\"]}", "null", "true"},
    {"{\"in\":[1,\"a1\"]}", "null", "true"},
    {"{\"in\":[null,\"xnullx\"]}", "null", "true"},
    {"{\"in\":[1,[\"1\"]]}", "null", "false"},
    {"{\"in\":[1,[1]]}", "null", "true"},
    {"{\"in\":[\"a\",\"\"]}", "null", "false"},
    {"{\"in\":[\"a\",null]}", "null", "false"},
    {"{\"in\":[\"a\",5]}", "null", "false"},
    {"{\"in\":[[1],[[1]]]}", "null", "false"},
    {"{\"in\":[[1,2],\"x1,2y\"]}", "null", "true"},
    {"{\"var\":\"a.1\"}", "{\"a\":[\"x\",\"y\"]}", "\"y\""},
    {"{\"var\":\"a.01\"}", "{\"a\":[\"x\",\"y\"]}", "null"},
    {"{\"var\":\"a.length\"}", "{\"a\":[\"x\",\"y\"]}", "2"},
    {"{\"var\":\"s.length\"}", "{\"s\":\"héllo\"}", "5"},
    {"{\"var\":\"s.1\"}", "{\"s\":\"héllo\"}", "\"é\""},
    {"{\"var\":[\"a.b\",\"d\"]}", "{\"a\":{\"b\":null}}", "null"},
    {"{\"var\":[\"x\",\"d\"]}", "{\"x\":0}", "0"},
    {"{\"var\":[\"\"]}", "{\"x\":0}", "{\"x\":0}"},
    {"{\"var\":1.5}", "{\"1\":{\"5\":\"ok\"}}", "\"ok\""},
    {"{\"var\":true}", "{\"true\":1}", "1"},
    {"{\"var\":[\"x\"]}", "\"str\"", "null"},
    {"{\"var\":\"a.-1\"}", "{\"a\":[1]}", "null"},
    {"{\"var\":\"a.b\"}", "{\"a\":{\"b\":[]}}", "[]"},
    {"{\"var\":[\"a\",\"d\"]}", "{\"a\":\"\"}", "\"\""},
    {"{\"var\":{\"cat\":[\"a\",\".\",\"b\"]}}", "{\"a\":{\"b\":7}}", "7"},
    {"{\"var\":[[\"a\"]]}", "{\"a\":3}", "3"},
    {"{\"missing\":[\"a\",\"b\"]}", "{\"a\":\"\",\"b\":0}", "[\"a\"]"},
    {"{\"missing\":[[\"a\",\"b\"],\"c\"]}", "{}", "[\"a\",\"b\"]"},
    {"{\"missing\":{\"merge\":[\"a\",[\"b\"]]}}", "{\"b\":1}", "[\"a\"]"},
    {"{\"missing\":[\"a.b\"]}", "{\"a\":{\"b\":false}}", "[]"},
    {"{\"missing_some\":[1,[\"a\",\"b\"]]}", "{\"a\":1}", "[]"},
    {"{\"missing_some\":[2,[\"a\",\"b\",\"c\"]]}", "{\"a\":1}",
     "[\"b\",\"c\"]"},
    {"{\"missing_some\":[\"1\",[\"a\"]]}", "{\"a\":1}", "[]"},
    {"{\"missing_some\":[0,[]]}", "{}", "[]"},
    {"{\"if\":[]}", "null", "null"},
    {"{\"if\":[\"x\"]}", "null", "\"x\""},
    {"{\"if\":[false,1]}", "null", "null"},
    {"{\"?:\":[0,1,2]}", "null", "2"},
    {"{\"if\":[[],1,2]}", "null", "2"},
    {"{\"and\":[1,\"\",2]}", "null", "\"\""},
    {"{\"or\":[0,[],\"x\"]}", "null", "\"x\""},
    {"{\"or\":[0,null]}", "null", "null"},
    {"{\"and\":[]}", "null", "null"},
    {"{\"and\":[1,[]]}", "null", "[]"},
    {"{\"or\":[]}", "null", "null"},
    {"{\"and\":[0,{\"var\":\"missing.deep\"}]}", "null", "0"},
    {"{\"<\":[1,2,{\"and\":[]}]}", "null", "true"},
    {"{\"<=\":[1,1,1]}", "null", "true"},
    {"{\"<\":[\"a\",\"b\"]}", "null", "true"},
    {"{\"<\":[\"10\",\"9\"]}", "null", "true"},
    {"{\"<\":[\"10\",9]}", "null", "false"},
    {"{\">\":[[10],9]}", "null", "true"},
    {"{\"<\":[null,1]}", "null", "true"},
    {"{\"<\":[{\"and\":[]},1]}", "null", "false"},
    {"{\">=\":[\"a\",1]}", "null", "false"},
    {"{\"<\":[\"\\uffff\",\"😀\"]}", "null", "false"},
    {"{\"<\":[\"😀\",\"\\uffff\"]}", "null", "true"},
    {"{\"<\":[1,2,null]}", "null", "false"},
    {"{\"<\":[[1,2],[1,3]]}", "null", "true"},
    {"{\"<=\":[{\"var\":\"o\"},{\"var\":\"o\"}]}", "{\"o\":{}}", "true"},
    {"{\"<\":[1]}", "null", "false"},
    {"{\">\":[true,0]}", "null", "true"},
    {"{\"map\":[{\"var\":\"a\"},{\"*\":[{\"var\":\"\"},2]}]}", "{\"a\":[1,2]}",
     "[2,4]"},
    {"{\"map\":[5,{\"var\":\"\"}]}", "null", "[]"},
    {"{\"filter\":[[1,0,2,null,[]],{\"var\":\"\"}]}", "null", "[1,2]"},
    {"{\"reduce\":[[1,2,3],{\"+\":[{\"var\":\"current\"},{\"var\":"
     "\"accumulator\"}]},10]}",
     "null", "16"},
    {"{\"reduce\":[[],{\"var\":\"current\"}]}", "null", "null"},
    {"{\"reduce\":[\"x\",{\"var\":\"current\"},5]}", "null", "5"},
    {"{\"map\":[[1,2]]}", "null", "[null,null]"},
    {"{\"reduce\":[[1,2],{\"var\":\"accumulator\"}]}", "null", "null"},
    {"{\"map\":[{\"var\":\"l\"},{\"var\":\"x\"}]}",
     "{\"l\":[{\"x\":1},{\"y\":2}],\"x\":9}", "[1,null]"},
    {"{\"map\":[{\"var\":\"l\"},{\"var\":\"l\"}]}", "{\"l\":[1]}", "[null]"},
    {"{\"reduce\":[[1,2,3],{\"cat\":[{\"var\":\"accumulator\"},{\"var\":"
     "\"current\"}]},\"\"]}",
     "null", "\"123\""},
    {"{\"all\":[[],{\"var\":\"\"}]}", "null", "false"},
    {"{\"none\":[[],{\"var\":\"\"}]}", "null", "true"},
    {"{\"some\":[[0,1],{\"var\":\"\"}]}", "null", "true"},
    {"{\"all\":[[1,[]],{\"var\":\"\"}]}", "null", "false"},
    {"{\"all\":[\"ab\",{\"var\":\"\"}]}", "null", "false"},
    {"{\"some\":[[1]]}", "null", "false"},
    {"{\"none\":[[1]]}", "null", "true"},
    {"{\"log\":\"x\"}", "null", "\"x\""},
    {"{\"log\":[]}", "null", "null"},
    {"{\"log\":[[1,2]]}", "null", "[1,2]"},
    {"{\"!\":[[]]}", "null", "true"},
    {"{\"!!\":[[0]]}", "null", "true"},
    {"{\"!\":[]}", "null", "true"},
    {"{\"!!\":\"0\"}", "null", "true"},
    {"{\"!\":{\"var\":\"x\"}}", "{\"x\":0}", "true"},
    {"[{\"var\":\"a\"},[{\"var\":\"b\"}]]", "{\"a\":1,\"b\":2}", "[1,[2]]"},
    {"{\"a\":{\"var\":\"x\"},\"b\":1}", "null",
     "{\"a\":{\"var\":\"x\"},\"b\":1}"},
    {"{}", "null", "{}"},
    {"[]", "null", "[]"},
    {"{\"===\":[[],[]]}", "null", "false"},
    {"{\"===\":[{\"var\":\"a\"},{\"var\":\"a\"}]}", "{\"a\":[]}", "true"},
    {"{\"!==\":[null,{\"and\":[]}]}", "null", "true"},
    {"{\"==\":[null,{\"and\":[]}]}", "null", "true"},
    {"{\"===\":[1,[1]]}", "null", "false"},
    {"{\"!=\":[\"1\",[1]]}", "null", "false"},
    {"{\"missing_some\":[1,\"ab\"]}", "{}", "[]"},
    {"{\"missing_some\":[2,\"ab\"]}", "{}", "[\"ab\"]"},
    {"{\"reduce\":[[1],{\"var\":\"\"},{\"and\":[]}]}", "null",
     "{\"current\":1}"},
    {"{\"<\":[\"é\",\"z\"]}", "null", "false"},
    {"{\"<\":[\"ü\",\"é\"]}", "null", "false"},

};

static void test_javascript_corners(void **state)
{
    (void)state;
    size_t passed = 0;
    for (size_t i = 0; i < LAB_ARRAY_LEN(edge_cases); i++) {
        json_t *rule = json_loads(edge_cases[i][0], JSON_DECODE_ANY, NULL);
        json_t *data = json_loads(edge_cases[i][1], JSON_DECODE_ANY, NULL);
        json_t *want = json_loads(edge_cases[i][2], JSON_DECODE_ANY, NULL);
        assert_non_null(rule);
        assert_non_null(data);
        assert_non_null(want);
        passed += jl_check_case(rule, data, want, "corner");
        json_decref(rule);
        json_decref(data);
        json_decref(want);
    }
    assert_int_equal(passed, LAB_ARRAY_LEN(edge_cases));
}

/* JavaScript strings are UTF-16: where json-logic-js would cut a
 * supplementary character in half (a lone surrogate, which UTF-8 cannot
 * hold), labaudit gives U+FFFD instead. */
static void test_split_surrogate_pairs(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"{\"var\":\"s.0\"}", "{\"s\":\"\\ud83d\\ude00\"}", "\"\\ufffd\""},
        {"{\"var\":\"s.length\"}", "{\"s\":\"\\ud83d\\ude00\"}", "2"},
        {"{\"substr\":[\"a\\ud83d\\ude00b\",0,2]}", "null", "\"a\\ufffd\""},
        {"{\"substr\":[\"a\\ud83d\\ude00b\",2]}", "null", "\"\\ufffdb\""},
        {"{\"substr\":[\"a\\ud83d\\ude00b\",1,2]}", "null",
         "\"\\ud83d\\ude00\""},
    };
    for (size_t i = 0; i < LAB_ARRAY_LEN(cases); i++) {
        json_t *rule = json_loads(cases[i][0], JSON_DECODE_ANY, NULL);
        json_t *data = json_loads(cases[i][1], JSON_DECODE_ANY, NULL);
        json_t *want = json_loads(cases[i][2], JSON_DECODE_ANY, NULL);
        assert_true(jl_check_case(rule, data, want, "surrogates"));
        json_decref(rule);
        json_decref(data);
        json_decref(want);
    }
}

static void test_value_coercions(void **state)
{
    (void)state;
    lab_val v = lab_val_str("", 0);
    assert_true(lab_val_to_number(&v) == 0);
    v = lab_val_str(" 12 ", 4);
    assert_true(lab_val_to_number(&v) == 12);
    v = lab_val_str("abc", 3);
    assert_true(isnan(lab_val_to_number(&v)));
    v = lab_val_str("-1.5e3", 6);
    assert_true(lab_val_to_number(&v) == -1500);
    v = lab_val_str("0.1", 3);
    assert_true(lab_val_to_number(&v) == 0.1);
    /* More digits than any double needs still round correctly. */
    char longnum[1200];
    memset(longnum, '0', sizeof longnum);
    longnum[0] = '1';
    longnum[1] = '.';
    longnum[sizeof longnum - 1] = '1';
    v = lab_val_str(longnum, sizeof longnum);
    assert_true(lab_val_to_number(&v) == 1.0);
    v = lab_val_null();
    assert_true(lab_val_to_number(&v) == 0);
    assert_false(lab_val_truthy(&v));

    lab_val empty = {LAB_V_ARR, 0, {0}};
    lab_val one[1] = {lab_val_num(0)};
    empty.u.a = one;
    assert_false(lab_val_truthy(&empty));
    lab_val arr = {LAB_V_ARR, 1, {0}};
    arr.u.a = one;
    assert_true(lab_val_truthy(&arr));
    lab_val zero_str = lab_val_str("0", 1);
    assert_true(lab_val_truthy(&zero_str));
    assert_true(lab_val_loose_eq(&arr, &zero_str)); /* [0] == "0" */
    lab_val num0 = lab_val_num(0);
    assert_true(lab_val_loose_eq(&arr, &num0));
    assert_false(lab_val_strict_eq(&arr, &num0));
    assert_true(lab_val_strict_eq(&arr, &arr));
    lab_val nan = lab_val_num(NAN);
    assert_false(lab_val_loose_eq(&nan, &nan));

    lab_buf b = LAB_BUF_INIT;
    lab_val parts[3] = {lab_val_num(1e21), lab_val_null(), lab_val_bool(1)};
    lab_val list = {LAB_V_ARR, 3, {0}};
    list.u.a = parts;
    lab_val_to_string(&b, &list);
    lab_val_to_json(&b, &list);
    char *s = NULL;
    assert_int_equal(lab_buf_detach(&b, &s), LAB_OK);
    assert_string_equal(s, "1e+21,,true[1e+21,null,true]");
    free(s);
}

static void test_operator_names(void **state)
{
    (void)state;
    assert_null(lab_op_name(LAB_OP_LIT));
    assert_null(lab_op_name(LAB_OP_ARRAY));
    assert_null(lab_op_name(LAB_OP_COUNT_));
    for (int op = LAB_OP_VAR; op < LAB_OP_COUNT_; op++) {
        const char *name = lab_op_name((lab_op)op);
        assert_non_null(name);
        assert_int_equal(lab_op_lookup(name, strlen(name)), op);
    }
    assert_int_equal(lab_op_lookup("===", 2), LAB_OP_EQ);
    assert_int_equal(lab_op_lookup("nope", 4), -1);
    assert_int_equal(lab_op_lookup("", 0), -1);
}

/* Parses text expecting failure `code`; returns the message. */
static const char *parse_error(const char *text, size_t len, int code)
{
    lab_arena a;
    lab_arena_init(&a, 0);
    lab_node *n = NULL;
    int rc = lab_jl_parse(&n, &a, text, len, "rule.json");
    lab_arena_free(&a);
    assert_int_equal(rc, code);
    return lab_errmsg();
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static void test_unknown_operator(void **state)
{
    (void)state;
    const char *r = "{\"and\":[{\"==\":[1,1]},{\"nope\":[1]}]}";
    const char *msg = parse_error(r, strlen(r), LAB_EPARSE);
    assert_string_equal(
        msg, "rule.json: unknown JsonLogic operator \"nope\" at /and/1");

    r = "{\"/\":[{\"!\":{\"bad op\":1}},2]}";
    msg = parse_error(r, strlen(r), LAB_EPARSE);
    assert_string_equal(
        msg, "rule.json: unknown JsonLogic operator \"bad op\" at /~1/0/!");

    r = "{\"Var\":\"x\"}";
    msg = parse_error(r, strlen(r), LAB_EPARSE);
    assert_contains(msg, "\"Var\" at the top of the rule");

    /* From a jansson value there is no file to name. */
    json_t *j = json_loads("[1,{\"x\":2}]", 0, NULL);
    lab_arena a;
    lab_arena_init(&a, 0);
    lab_node *n = NULL;
    assert_int_equal(lab_jl_from_json(&n, &a, j), LAB_EPARSE);
    assert_string_equal(lab_errmsg(), "unknown JsonLogic operator \"x\" at /1");
    lab_arena_free(&a);
    json_decref(j);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    const char *r = "{\"==\":[1,\n  2,]}";
    const char *msg = parse_error(r, strlen(r), LAB_EPARSE);
    assert_contains(msg, "rule.json:2:5: ");

    r = "{\"==\":[1, 2]} x";
    msg = parse_error(r, strlen(r), LAB_EPARSE);
    assert_contains(msg, "rule.json:1:");

    msg = parse_error("", 0, LAB_EPARSE);
    assert_contains(msg, "rule.json:");

    /* A NUL byte, raw or escaped, is refused. */
    static const char raw[] = "{\"cat\":[\"a\0b\"]}";
    msg = parse_error(raw, sizeof raw - 1, LAB_EPARSE);
    assert_contains(msg, "rule.json:1:11: NUL byte");
    r = "{\"cat\":[\"a\\u0000b\"]}";
    parse_error(r, strlen(r), LAB_EPARSE);
}

static char *nested(int depth, const char *open, const char *close,
                    const char *inner)
{
    size_t n = strlen(open) * depth + strlen(close) * depth + strlen(inner);
    char *s = malloc(n + 1);
    char *p = s;
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "%s", open);
    p += sprintf(p, "%s", inner);
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "%s", close);
    return s;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    lab_arena a;
    lab_arena_init(&a, 0);
    lab_node *n = NULL;

    char *ok = nested(LAB_EXPR_MAX_DEPTH, "[", "]", "1");
    assert_int_equal(lab_jl_parse(&n, &a, ok, strlen(ok), "r"), LAB_OK);
    free(ok);

    char *deep = nested(LAB_EXPR_MAX_DEPTH + 1, "[", "]", "1");
    assert_int_equal(lab_jl_parse(&n, &a, deep, strlen(deep), "r"), LAB_ELIMIT);
    assert_contains(lab_errmsg(), "r:1:129: ");
    free(deep);

    /* {"!": {"!": ...}} counts one level per operation. */
    deep = nested(LAB_EXPR_MAX_DEPTH + 1, "{\"!\":", "}", "true");
    assert_int_equal(lab_jl_parse(&n, &a, deep, strlen(deep), "r"), LAB_ELIMIT);
    json_t *j = json_loads(deep, 0, NULL);
    assert_non_null(j);
    assert_int_equal(lab_jl_from_json(&n, &a, j), LAB_ELIMIT);
    json_decref(j);
    free(deep);

    /* Brackets inside strings do not count. */
    char *quoted = nested(300, "[", "]", "");
    char *text = malloc(strlen(quoted) + 3);
    sprintf(text, "\"%s\"", quoted);
    assert_int_equal(lab_jl_parse(&n, &a, text, strlen(text), "r"), LAB_OK);
    free(quoted);
    free(text);
    lab_arena_free(&a);
}

/* A fake engine: the scope is a value, every resolved var reads it. */
static int fetch_scope(const void *scope, const lab_fieldref *ref, lab_val *out)
{
    (void)ref;
    *out = *(const lab_val *)scope;
    return LAB_OK;
}

static void test_resolved_fields(void **state)
{
    (void)state;
    lab_arena a, scratch;
    lab_arena_init(&a, 0);
    lab_arena_init(&scratch, 0);
    const char *r = "{\"map\":[{\"var\":\"supplier.ids\"},"
                    "{\"cat\":[{\"var\":\"\"},\"!\"]}]}";
    lab_node *n = NULL;
    assert_int_equal(lab_jl_parse(&n, &a, r, strlen(r), "r"), LAB_OK);
    /* Resolve both vars as the engine would (to a dummy reference). */
    static const char dummy;
    const lab_fieldref *ref = (const lab_fieldref *)&dummy;
    n->args[0]->ref = ref;
    n->args[1]->args[0]->ref = ref; /* inside map: scope is not used */

    lab_val ids[2] = {lab_val_str("a", 1), lab_val_str("b", 1)};
    lab_val scope = {LAB_V_ARR, 2, {0}};
    scope.u.a = ids;
    lab_eval_ctx ctx = {NULL, &scope, fetch_scope, &scratch, NULL};
    lab_val v;
    assert_int_equal(lab_eval(&v, n, &ctx), LAB_OK);
    lab_buf b = LAB_BUF_INIT;
    lab_val_to_json(&b, &v);
    char *s = NULL;
    assert_int_equal(lab_buf_detach(&b, &s), LAB_OK);
    assert_string_equal(s, "[\"a!\",\"b!\"]");
    free(s);

    /* A null field takes the var's default. */
    r = "{\"var\":[\"supplier.x\",7]}";
    assert_int_equal(lab_jl_parse(&n, &a, r, strlen(r), "r"), LAB_OK);
    n->ref = ref;
    scope = lab_val_null();
    assert_int_equal(lab_eval(&v, n, &ctx), LAB_OK);
    assert_int_equal(v.t, LAB_V_NUM);
    assert_true(v.u.d == 7);
    lab_arena_free(&scratch);
    lab_arena_free(&a);
}

/* Evaluates rule text on null data; returns the result code. */
static int eval_code(const char *rule)
{
    lab_arena a, scratch;
    lab_arena_init(&a, 0);
    lab_arena_init(&scratch, 0);
    lab_node *n = NULL;
    lab_val v;
    int rc = lab_jl_parse(&n, &a, rule, strlen(rule), "r");
    if (rc == LAB_OK) {
        lab_eval_ctx ctx = {NULL, NULL, NULL, &scratch, NULL};
        rc = lab_eval(&v, n, &ctx);
    }
    lab_arena_free(&scratch);
    lab_arena_free(&a);
    return rc;
}

static char *range_rule(const char *head, int count, const char *tail)
{
    size_t cap = strlen(head) + strlen(tail) + (size_t)count * 8 + 8;
    char *s = malloc(cap);
    char *p = s + sprintf(s, "%s[", head);
    for (int i = 0; i < count; i++)
        p += sprintf(p, i > 0 ? ",%d" : "%d", i);
    sprintf(p, "]%s", tail);
    return s;
}

static void test_runaway_evaluations_stop(void **state)
{
    (void)state;
    /* reduce can nest arrays as deep as it likes: walking them stops. */
    char *r = range_rule("{\"cat\":{\"reduce\":[", 6000,
                         ",[{\"var\":\"accumulator\"},1],0]}}");
    assert_int_equal(eval_code(r), LAB_ELIMIT);
    free(r);
    /* Doubling a string each step runs out of temporary memory. */
    r = range_rule("{\"reduce\":[", 60,
                   ",{\"cat\":[{\"var\":\"accumulator\"},"
                   "{\"var\":\"accumulator\"}]},\"xy\"]}");
    assert_int_equal(eval_code(r), LAB_ELIMIT);
    free(r);
    /* Shared halves make a huge tree of few allocations. */
    r = range_rule("{\"in\":[\"z\",{\"reduce\":[", 60,
                   ",[{\"var\":\"accumulator\"},{\"var\":\"accumulator\"}],"
                   "\"ab\"]}]}");
    /* "in" on an array compares identities: cheap and fine. */
    assert_int_equal(eval_code(r), LAB_OK);
    free(r);
    /* Comparing its text with < walks it, until the budget runs out. */
    r = range_rule("{\"<\":[\"z\",{\"reduce\":[", 60,
                   ",[{\"var\":\"accumulator\"},{\"var\":\"accumulator\"}],"
                   "\"ab\"]}]}");
    assert_int_equal(eval_code(r), LAB_ELIMIT);
    free(r);
    assert_int_equal(eval_code("{\"==\":[1,1]}"), LAB_OK);
}

static void test_scratch_only(void **state)
{
    (void)state;
    /* Results live in the scratch arena and survive until it is reset. */
    lab_arena a, scratch;
    lab_arena_init(&a, 0);
    lab_arena_init(&scratch, 0);
    const char *r = "{\"cat\":[{\"var\":\"a\"},\"-\",{\"merge\":[1,[2]]}]}";
    lab_node *n = NULL;
    assert_int_equal(lab_jl_parse(&n, &a, r, strlen(r), "r"), LAB_OK);
    json_t *dj = json_loads("{\"a\":\"x\"}", 0, NULL);
    lab_val d, v;
    assert_int_equal(lab_val_from_json(&d, &a, dj), LAB_OK);
    json_decref(dj);
    lab_eval_ctx ctx = {&d, NULL, NULL, &scratch, NULL};
    for (int i = 0; i < 1000; i++) {
        lab_arena_reset(&scratch);
        assert_int_equal(lab_eval(&v, n, &ctx), LAB_OK);
        assert_int_equal(v.t, LAB_V_STR);
        assert_int_equal(v.n, 5);
        assert_memory_equal(v.u.s, "x-1,2", 5);
    }
    /* Without a scratch arena, temporaries cannot be made. */
    lab_eval_ctx bare = {&d, NULL, NULL, NULL, NULL};
    assert_int_equal(lab_eval(&v, n, &bare), LAB_ENOMEM);
    lab_arena_free(&scratch);
    lab_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_official_suite),
        cmocka_unit_test(test_suite_round_trips),
        cmocka_unit_test(test_scalar_argument_round_trips),
        cmocka_unit_test(test_javascript_corners),
        cmocka_unit_test(test_split_surrogate_pairs),
        cmocka_unit_test(test_value_coercions),
        cmocka_unit_test(test_operator_names),
        cmocka_unit_test(test_unknown_operator),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_resolved_fields),
        cmocka_unit_test(test_runaway_evaluations_stop),
        cmocka_unit_test(test_scratch_only),
    };
    return cmocka_run_group_tests(all, NULL, NULL);
}
