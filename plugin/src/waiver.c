/*
 * waiver.c - waivers: findings a named approver accepts, with a
 * justification, until a date.  A waiver file is CSV with the columns
 * rule, subject_id, approver, justification and expires (YYYY-MM-DD).  A
 * waived finding stays in the report, marked with who accepted it and
 * why; it no longer counts against the failure threshold or a product's
 * verdict.  A waiver without an approver or expiry, or a blocker's waiver
 * without a justification (blank counts as none), a second waiver for the
 * same finding, and an unknown or repeated column are errors naming
 * file:line(:column) (the check then fails whole: nothing is
 * half-applied); an expired waiver, or one that matches no finding, is a
 * warning in the report.
 */
#include "engine.h"

#include "csv/csv.h"
#include "ident.h"

#include <stdlib.h>
#include <string.h>

typedef struct wload {
    lab_report *rep;
    const char *path;
    int col[5]; /* rule, subject_id, approver, justification, expires */
    int header_done;
} wload;

static const char *const wcols[5] = {"rule", "subject_id", "approver",
                                     "justification", "expires"};

/* Field k of the record, or NULL if absent, empty or only blanks (a
 * blank approver is no approver). */
static const char *field(wload *w, const lab_csv_field *f, size_t n, int k)
{
    int c = w->col[k];
    if (c < 0 || (size_t)c >= n)
        return NULL;
    size_t blank = strspn(f[c].text, " \t");
    if (blank >= f[c].len)
        return NULL;
    return lab_arena_strndup(&w->rep->arena, f[c].text, f[c].len);
}

/* The header: every column known, none twice, all but justification
 * present. */
static int waiver_header(wload *w, const lab_csv_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < 5 && strcmp(f[i].text, wcols[k]) != 0)
            k++;
        if (k == 5)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u:%u: unknown column '%s' (expected rule, "
                              "subject_id, approver, justification, expires)",
                              w->path, f[i].line, f[i].col, f[i].text);
        if (w->col[k] >= 0)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u:%u: column '%s' given twice (first as "
                              "column %d)",
                              w->path, f[i].line, f[i].col, f[i].text,
                              w->col[k] + 1);
        w->col[k] = (int)i;
    }
    for (int k = 0; k < 5; k++)
        if (w->col[k] < 0 && k != 3)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:1: missing column '%s' (expected rule, "
                              "subject_id, approver, justification, "
                              "expires)",
                              w->path, wcols[k]);
    return LAB_OK;
}

/* A second waiver for the same finding is an error: which one applies
 * would otherwise depend on the order of lines. */
static int waiver_unique(const wload *w, const lab_waiver *wv)
{
    const lab_report *rep = w->rep;
    for (size_t i = 0; i < rep->nwaivers; i++) {
        const lab_waiver *o = &rep->waivers[i];
        if (strcmp(o->rule, wv->rule) == 0 &&
            strcmp(o->subject_id, wv->subject_id) == 0)
            return lab_seterr(LAB_EDUPLICATE,
                              "%s:%u: second waiver for %s on %s (the first "
                              "is on line %u)",
                              w->path, wv->line, wv->rule, wv->subject_id,
                              o->line);
    }
    return LAB_OK;
}

static int waiver_row(void *ud, const lab_csv_field *f, size_t n, unsigned line)
{
    wload *w = ud;
    lab_report *rep = w->rep;
    if (!w->header_done) {
        w->header_done = 1;
        return waiver_header(w, f, n);
    }
    lab_waiver wv;
    memset(&wv, 0, sizeof wv);
    wv.rule = field(w, f, n, 0);
    wv.subject_id = field(w, f, n, 1);
    wv.approver = field(w, f, n, 2);
    wv.justification = field(w, f, n, 3);
    const char *exp = field(w, f, n, 4);
    wv.file = w->path;
    wv.line = line;
    if (wv.rule == NULL || wv.subject_id == NULL)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: a waiver names the rule and "
                          "the subject_id of the finding it accepts",
                          w->path, line);
    if (wv.approver == NULL)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: waiver for %s on %s has no "
                          "approver (expected the name of who accepts it)",
                          w->path, line, wv.rule, wv.subject_id);
    int32_t days;
    if (exp == NULL || !lab_date_parse(exp, strlen(exp), &days))
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: waiver for %s on %s: expires: "
                          "expected a date YYYY-MM-DD",
                          w->path, line, wv.rule, wv.subject_id);
    int rc = waiver_unique(w, &wv);
    if (rc != LAB_OK)
        return rc;
    lab_date_format(wv.expires, days);
    if (days < rep->as_of_days) {
        wv.used = 1; /* reported here, not as unmatched */
        rc = lab_report_warn(rep,
                             "%s:%u: waiver for %s on %s expired on %s; "
                             "the finding stands",
                             w->path, line, wv.rule, wv.subject_id, wv.expires);
        if (rc != LAB_OK)
            return rc;
        wv.expires[0] = '\0'; /* marks it as not applying */
    }
    lab_waiver *arr =
        lab_reallocarray(rep->waivers, rep->nwaivers + 1, sizeof *arr);
    if (arr == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rep->waivers = arr;
    rep->waivers[rep->nwaivers++] = wv;
    return LAB_OK;
}

int lab_waivers_apply(lab_report *rep, const char *path)
{
    wload w = {rep, path, {-1, -1, -1, -1, -1}, 0};
    int rc = lab_csv_read_file(path, waiver_row, &w);
    if (rc != LAB_OK)
        return rc;
    for (size_t i = 0; i < rep->nwaivers; i++) {
        lab_waiver *wv = &rep->waivers[i];
        if (wv->expires[0] == '\0')
            continue;
        for (size_t f = 0; f < rep->n; f++) {
            lab_finding *fd = &rep->findings[f];
            if (strcmp(fd->rule->id, wv->rule) != 0 ||
                strcmp(fd->subject_id, wv->subject_id) != 0)
                continue;
            if (fd->severity == LAB_SEV_BLOCKER && wv->justification == NULL)
                return lab_seterr(LAB_ESCHEMA,
                                  "%s:%u: waiver for blocker %s on %s has no "
                                  "justification (a blocker is waived only "
                                  "with one)",
                                  wv->file, wv->line, wv->rule, wv->subject_id);
            fd->waiver = wv;
            wv->used = 1;
        }
    }
    for (size_t i = 0; i < rep->nwaivers; i++) {
        const lab_waiver *wv = &rep->waivers[i];
        if (!wv->used) {
            rc = lab_report_warn(rep,
                                 "%s:%u: waiver for %s on %s matches no "
                                 "finding",
                                 wv->file, wv->line, wv->rule, wv->subject_id);
            if (rc != LAB_OK)
                return rc;
        }
    }
    return LAB_OK;
}
