/*
 * fuzz_rulepack.c - a fuzz target for the rule-pack loader (rulepack.c):
 * XML parsing with DTDs refused, validation against rulepack.xsd, condition
 * parsing and type checking, message templates and test cases.  Each
 * input is written to a temporary file and loaded into a fresh engine
 * through the library's internal calls, as lab_engine_new does.  A pack
 * that fails must leave a message naming the file; a pack that loads has
 * its own tests run, is described in both condition languages, and every
 * rule's condition must survive an infix round trip unchanged.
 */
#include "engine.h"

#include "fuzz_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The condition of every rule, written in the infix language and read
 * back, must give the same JsonLogic. */
static void check_round_trips(const lab_engine *e)
{
    for (size_t i = 0; i < e->nrules; i++) {
        lab_arena a;
        lab_buf jl1 = LAB_BUF_INIT, jl2 = LAB_BUF_INIT, infix = LAB_BUF_INIT;
        lab_node *t = NULL;
        lab_pos origin = {"round-trip", 1, 1};

        lab_arena_init(&a, 4096);
        lab_jl_write(&jl1, e->rules[i].cond);
        lab_cond_write(&infix, e->rules[i].cond);
        if (lab_cond_parse(&t, &a, infix.data, infix.len, origin) != LAB_OK)
            abort();
        lab_jl_write(&jl2, t);
        if (jl1.len != jl2.len || memcmp(jl1.data, jl2.data, jl1.len) != 0)
            abort();
        lab_buf_free(&jl1);
        lab_buf_free(&jl2);
        lab_buf_free(&infix);
        lab_arena_free(&a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    const char *path = fuzz_file("fuzz_rulepack", data, size);

    lab_engine *e = lab_calloc(1, sizeof *e);
    if (e == NULL)
        return 0;
    lab_arena_init(&e->arena, 64 * 1024);
    if (lab_strtab_init(&e->strings) != LAB_OK)
        abort();
    int rc = lab_pack_load(e, path);
    if (rc != LAB_OK) {
        if (strstr(lab_errmsg(), path) == NULL && rc != LAB_ENOMEM)
            abort();
        if (e->nrules != 0 || e->npacks != 0)
            abort(); /* nothing committed from a failed pack */
        goto out;
    }
    char *text = NULL;
    size_t failed = 0;
    if (lab_engine_test(&text, &failed, e) != LAB_OK)
        abort();
    lab_free(text);
    for (int jl = 0; jl <= 1; jl++) {
        text = NULL;
        if (lab_engine_describe(&text, e, jl) != LAB_OK)
            abort();
        lab_free(text);
    }
    check_round_trips(e);
out:
    lab_engine_free(e);
    return 0;
}
