/*
 * fuzz_condition.c - a fuzz target for the infix condition language
 * (condition.c).  Each input is parsed as a condition; a parse error must
 * leave a message that starts with the origin and a line and column.  A
 * condition that parses is written as JsonLogic and in the infix language,
 * both are read back, and the round trip must be exact: the JsonLogic of
 * the re-read tree is byte for byte the JsonLogic of the first (unless
 * the JSON form exceeds a nesting limit the infix form does not have).
 * Both trees are then evaluated on a fixed data document without a record
 * scope, with a scratch arena, and must give the same result.  Built with
 * -DLAB_FUZZ_LAX=1, round-trip differences are tolerated (the code is still
 * run), so that a long run looks for memory errors past known printer bugs.
 */
#include "expr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef LAB_FUZZ_LAX
#define LAB_FUZZ_LAX 0
#endif

/* A broken round trip: fatal unless the build is lax. */
static void round_trip_failed(void)
{
    if (!LAB_FUZZ_LAX)
        abort();
}

static const char data_json[] =
    "{\"a\":1,\"b\":2,\"c\":\"three\",\"d\":[1,2,3],\"e\":null,"
    "\"f\":true,\"g\":{\"h\":[{\"x\":1},{\"x\":-2.5}],\"i\":\"2026-01-31\"},"
    "\"supplier\":{\"country\":\"CN\",\"subdivision\":\"CN-XJ\","
    "\"name\":\"Gin \\u00e9\"},\"audit\":{\"workers_total\":920,"
    "\"documents_held_by_employer\":37},\"chain\":{\"subdivisions\":"
    "[\"CN-XJ\",\"IN-GJ\"],\"depth\":5},\"it\":0,\"and\":1}";

static lab_arena doc_arena;
static lab_val doc;

static void init_doc(void)
{
    json_error_t err;
    json_t *j = json_loads(data_json, JSON_DECODE_INT_AS_REAL, &err);
    lab_arena_init(&doc_arena, 4096);
    if (j == NULL || lab_val_from_json(&doc, &doc_arena, j) != LAB_OK)
        abort();
    json_decref(j);
}

static void check_error_message(void)
{
    const char *m = lab_errmsg();
    if (strncmp(m, "fuzz.cond:", 10) != 0)
        abort();
}

/* Evaluates n on the fixed document; the result as JSON text in *out, or
 * the error code. */
static int eval_to_json(lab_buf *out, const lab_node *n, lab_arena *scratch)
{
    lab_eval_ctx ctx = {&doc, NULL, NULL, scratch, NULL};
    lab_val v;
    int rc = lab_eval(&v, n, &ctx);
    if (rc == LAB_OK)
        lab_val_to_json(out, &v);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    lab_arena a, scratch;
    lab_buf jl1 = LAB_BUF_INIT, jl2 = LAB_BUF_INIT, infix = LAB_BUF_INIT;
    lab_buf r1 = LAB_BUF_INIT, r2 = LAB_BUF_INIT;
    lab_node *t1 = NULL, *t2 = NULL, *t3 = NULL;
    lab_pos origin = {"fuzz.cond", 3, 7};

    if (!ready) {
        init_doc();
        ready = 1;
    }
    if (size > 65536)
        return 0;
    lab_arena_init(&a, 16 * 1024);
    lab_arena_init(&scratch, 16 * 1024);
    int rc = lab_cond_parse(&t1, &a, (const char *)data, size, origin);
    if (rc != LAB_OK) {
        if (rc != LAB_EPARSE && rc != LAB_ENOMEM)
            abort();
        check_error_message();
        goto out;
    }
    /* infix -> JsonLogic -> tree -> infix -> tree */
    lab_jl_write(&jl1, t1);
    if (jl1.oom)
        goto out;
    rc = lab_jl_parse(&t2, &a, jl1.data, jl1.len, "fuzz.json");
    if (rc == LAB_ELIMIT)
        goto out; /* JsonLogic nests twice per call; infix once */
    if (rc != LAB_OK)
        abort();
    lab_cond_write(&infix, t2);
    if (infix.oom)
        abort();
    rc = lab_cond_parse(&t3, &a, infix.data, infix.len, origin);
    if (rc != LAB_OK) {
        round_trip_failed();
        goto out;
    }
    lab_jl_write(&jl2, t3);
    if (jl2.oom || jl1.len != jl2.len || memcmp(jl1.data, jl2.data, jl1.len)) {
        round_trip_failed();
        goto out;
    }

    /* same meaning */
    int e1 = eval_to_json(&r1, t1, &scratch);
    lab_arena_reset(&scratch);
    int e2 = eval_to_json(&r2, t3, &scratch);
    if (e1 != e2)
        abort();
    if (e1 == LAB_OK && !r1.oom && !r2.oom &&
        (r1.len != r2.len || memcmp(r1.data, r2.data, r1.len) != 0))
        abort();
out:
    lab_buf_free(&jl1);
    lab_buf_free(&jl2);
    lab_buf_free(&infix);
    lab_buf_free(&r1);
    lab_buf_free(&r2);
    lab_arena_free(&scratch);
    lab_arena_free(&a);
    return 0;
}
