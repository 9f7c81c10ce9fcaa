/*
 * fuzz_waiver.c - a fuzz target for waiver files (waiver.c): the CSV
 * header and rows, approvers, justifications and expiry dates, and the
 * matching of waivers to findings.  Each input is written to a temporary
 * file and applied to a small fixed report (findings of three rules, one
 * a blocker, on a handful of subjects), as a check does.  A file that
 * fails must leave a message naming it; one that applies must leave every
 * waived finding pointing at a waiver of its own rule and subject that
 * has not expired, and a blocker waived only with a justification.
 */
#include "engine.h"
#include "ident.h"

#include "fuzz_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const lab_rule rules[3] = {
    {.id = "labour.child", .severity = LAB_SEV_BLOCKER},
    {.id = "audit.stale", .severity = LAB_SEV_MAJOR},
    {.id = "origin.region", .severity = LAB_SEV_MINOR},
};
static const char *const subjects[4] = {"S1", "S2", "AUD-1", "S1 "};

static void check_waived(const lab_report *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        const lab_finding *f = &rep->findings[i];
        const lab_waiver *w = f->waiver;
        if (w == NULL)
            continue;
        if (w < rep->waivers || w >= rep->waivers + rep->nwaivers)
            abort();
        if (strcmp(w->rule, f->rule->id) != 0 ||
            strcmp(w->subject_id, f->subject_id) != 0)
            abort();
        if (w->expires[0] == '\0' || w->approver == NULL || !w->used)
            abort();
        if (f->severity == LAB_SEV_BLOCKER && w->justification == NULL)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    const char *path = fuzz_file("fuzz_waiver", data, size);

    lab_report *rep = lab_calloc(1, sizeof *rep);
    lab_finding *fs = lab_calloc(12, sizeof *fs);
    if (rep == NULL || fs == NULL)
        abort();
    lab_arena_init(&rep->arena, 4096);
    memcpy(rep->as_of, "2026-06-01", 11);
    if (!lab_date_parse(rep->as_of, 10, &rep->as_of_days))
        abort();
    for (size_t i = 0; i < 12; i++) {
        fs[i].rule = &rules[i % 3];
        fs[i].subject_id = subjects[i / 3];
        fs[i].severity = (uint8_t)rules[i % 3].severity;
    }
    rep->findings = fs;
    rep->n = rep->cap = 12;

    int rc = lab_waivers_apply(rep, path);
    if (rc == LAB_OK)
        check_waived(rep);
    else if (strstr(lab_errmsg(), path) == NULL && rc != LAB_ENOMEM)
        abort();
    lab_report_free(rep);
    return 0;
}
