/*
 * test_bounds.c - the specification of bounded work: inputs built to make
 * the library do much more than their size suggests finish quickly, with
 * the right result or a clear error.  Each case would take many seconds
 * (or gigabytes) without its bound; each asserts it finishes within a
 * CPU-time budget far below that, and what it returns.  Waivers are
 * matched through an index (40 000 waivers on 40 000 findings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine.h"
#include "ident.h"

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

int main(void)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_waivers_are_indexed),
    };
    return cmocka_run_group_tests(all, make_tmpdir, remove_tmpdir);
}
