/*
 * jsonlogic_check.h - what the JsonLogic tests share: running one case
 * ([rule, data, expected] as jansson values) through lab_jl_parse and
 * lab_eval, and comparing the result with the expected JSON value (numbers
 * by value, so 1 and 1.0 agree).  Included by test_jsonlogic.c and
 * test_jsonlogic_diff.c only.
 */
#ifndef LAB_TEST_JSONLOGIC_CHECK_H
#define LAB_TEST_JSONLOGIC_CHECK_H

#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reloads j with every number as a real, so json_equal compares numbers
 * by value. */
static json_t *jl_normalise(const json_t *j)
{
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    if (text == NULL)
        return NULL;
    json_t *r =
        json_loads(text, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
    free(text);
    return r;
}

/* Evaluates rule on data.  On success *result is the result as JSON text
 * (malloc'd) and 0 is returned; otherwise a lab_error, with *result set to
 * a malloc'd description. */
static int jl_run_case(const json_t *rule, const json_t *data, char **result)
{
    lab_arena arena, scratch;
    lab_arena_init(&arena, 0);
    lab_arena_init(&scratch, 0);
    lab_buf out = LAB_BUF_INIT;
    lab_node *n = NULL;
    lab_val d, v;
    char *text = json_dumps(rule, JSON_ENCODE_ANY | JSON_COMPACT);
    int rc = text != NULL ? LAB_OK : LAB_ENOMEM;
    if (rc == LAB_OK)
        rc = lab_jl_parse(&n, &arena, text, strlen(text), "case");
    if (rc == LAB_OK)
        rc = lab_val_from_json(&d, &arena, data);
    if (rc == LAB_OK) {
        lab_eval_ctx ctx = {&d, NULL, NULL, &scratch, NULL};
        rc = lab_eval(&v, n, &ctx);
    }
    if (rc == LAB_OK) {
        lab_val_to_json(&out, &v);
        rc = lab_buf_detach(&out, result);
    } else {
        *result = strdup(lab_errmsg());
    }
    free(text);
    lab_buf_free(&out);
    lab_arena_free(&scratch);
    lab_arena_free(&arena);
    return rc;
}

/* Runs one case; returns 1 if the result equals expected.  On a mismatch
 * a line saying so is printed (with `label`). */
static int jl_check_case(const json_t *rule, const json_t *data,
                         const json_t *expected, const char *label)
{
    char *got = NULL;
    int rc = jl_run_case(rule, data, &got);
    int ok = 0;
    if (rc == LAB_OK) {
        json_t *g =
            json_loads(got, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        json_t *e = jl_normalise(expected);
        ok = g != NULL && e != NULL && json_equal(g, e);
        json_decref(g);
        json_decref(e);
    }
    if (!ok) {
        char *r = json_dumps(rule, JSON_ENCODE_ANY | JSON_COMPACT);
        char *dt = json_dumps(data, JSON_ENCODE_ANY | JSON_COMPACT);
        char *e = json_dumps(expected, JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%s: rule %s data %s: expected %s, got %s%s\n", label,
               r ? r : "?", dt ? dt : "?", e ? e : "?",
               rc == LAB_OK ? "" : "error: ", got ? got : "?");
        free(r);
        free(dt);
        free(e);
    }
    free(got);
    return ok;
}

#endif /* LAB_TEST_JSONLOGIC_CHECK_H */
