/*
 * fuzz_jsonlogic.c - a fuzz target for the JsonLogic reader, writer and
 * evaluator.  An input is a rule and its data, split at the first line
 * "---" (or the first NUL byte); without a split it is all rule and the
 * data is null.  Whatever parses is evaluated in a scratch arena, its
 * result written as JSON and as String(v); the rule is written back with
 * lab_jl_write, which must read again, write the same text and evaluate
 * to the same result.  Nothing may crash, leak or disagree.
 */
#include "expr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The result of rule on doc as JSON text (malloc'd), or NULL on an
 * evaluation error. */
static char *evaluate(const lab_node *rule, const lab_val *doc)
{
    lab_arena scratch;
    lab_arena_init(&scratch, 0);
    lab_eval_ctx ctx = {doc, NULL, NULL, &scratch, NULL};
    lab_val v;
    char *out = NULL;
    if (lab_eval(&v, rule, &ctx) == LAB_OK) {
        lab_buf b = LAB_BUF_INIT;
        lab_val_to_string(&b, &v);
        lab_buf_free(&b);
        lab_val_to_json(&b, &v);
        if (lab_buf_detach(&b, &out) != LAB_OK)
            out = NULL;
        lab_buf_free(&b);
    }
    lab_arena_free(&scratch);
    return out;
}

static char *write_rule(const lab_node *rule)
{
    lab_buf b = LAB_BUF_INIT;
    char *out = NULL;
    lab_jl_write(&b, rule);
    if (lab_buf_detach(&b, &out) != LAB_OK)
        out = NULL;
    lab_buf_free(&b);
    return out;
}

static void split(const uint8_t *data, size_t size, size_t *rule_len,
                  const char **doc, size_t *doc_len)
{
    static const char sep[] = "\n---\n";
    const char *text = (const char *)data;
    *rule_len = size;
    *doc = NULL;
    *doc_len = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == 0) {
            *rule_len = i;
            *doc = text + i + 1;
            *doc_len = size - i - 1;
            return;
        }
        if (size - i >= sizeof sep - 1 &&
            memcmp(text + i, sep, sizeof sep - 1) == 0) {
            *rule_len = i;
            *doc = text + i + sizeof sep - 1;
            *doc_len = size - i - (sizeof sep - 1);
            return;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t rule_len, doc_len;
    const char *doc_text;
    split(data, size, &rule_len, &doc_text, &doc_len);

    lab_arena arena;
    lab_arena_init(&arena, 0);
    lab_val doc = lab_val_null();
    if (doc_text != NULL) {
        json_t *j = json_loadb(doc_text, doc_len,
                               JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        if (j != NULL && lab_val_from_json(&doc, &arena, j) != LAB_OK)
            doc = lab_val_null();
        json_decref(j);
    }

    lab_node *rule = NULL, *again = NULL;
    char *text1 = NULL, *text2 = NULL, *res1 = NULL, *res2 = NULL;
    if (lab_jl_parse(&rule, &arena, (const char *)data, rule_len, "fuzz") !=
        LAB_OK)
        goto out_free;
    res1 = evaluate(rule, &doc);
    text1 = write_rule(rule);
    if (text1 == NULL)
        goto out_free;
    if (lab_jl_parse(&again, &arena, text1, strlen(text1), "rewritten") !=
        LAB_OK)
        abort(); /* what we write must read back */
    text2 = write_rule(again);
    if (text2 == NULL || strcmp(text1, text2) != 0)
        abort();
    res2 = evaluate(again, &doc);
    if ((res1 == NULL) != (res2 == NULL) ||
        (res1 != NULL && strcmp(res1, res2) != 0))
        abort();

out_free:
    free(res1);
    free(res2);
    free(text1);
    free(text2);
    lab_arena_free(&arena);
    return 0;
}
