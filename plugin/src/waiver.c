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

#include <stdint.h>
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
    int rc;
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
    /* grown by doubling: one more each row copied the array every time */
    if (lab_grow((void **)&rep->waivers, &rep->capwaivers, rep->nwaivers + 1,
                 sizeof *rep->waivers) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rep->waivers[rep->nwaivers++] = wv;
    return LAB_OK;
}

/* The waiver of each rule and subject (one at most): matching a finding
 * looks its key up once, so a check costs waivers + findings, not their
 * product. */
typedef struct wgroup {
    size_t first, last; /* indices into rep->waivers */
    size_t unjustified; /* first without a justification, or SIZE_MAX */
    int matched;
} wgroup;

typedef struct windex {
    wgroup *groups;
    size_t ngroups;
    size_t *slots; /* group index + 1; 0 = empty */
    size_t mask;
} windex;

static uint64_t wkey_hash(const char *rule, const char *subject)
{
    uint64_t h = lab_hash(rule, strlen(rule));
    return h ^
           (lab_hash(subject, strlen(subject)) * UINT64_C(0x9e3779b97f4a7c15));
}

/* The slot of (rule, subject): its group's, or the empty one to fill. */
static size_t *wslot(const windex *ix, const lab_waiver *ws, const char *rule,
                     const char *subject)
{
    size_t i = (size_t)wkey_hash(rule, subject) & ix->mask;
    for (;;) {
        size_t g = ix->slots[i];
        if (g == 0)
            return &ix->slots[i];
        const lab_waiver *w = &ws[ix->groups[g - 1].first];
        if (strcmp(w->rule, rule) == 0 && strcmp(w->subject_id, subject) == 0)
            return &ix->slots[i];
        i = (i + 1) & ix->mask;
    }
}

/* Indexes every waiver by rule and subject.  A second waiver for the same
 * finding is an error: which one applies would otherwise depend on the
 * order of lines. */
static int windex_build(windex *ix, const lab_report *rep)
{
    size_t cap = 16;
    while (cap / 2 < rep->nwaivers)
        cap *= 2;
    ix->slots = lab_calloc(cap, sizeof *ix->slots);
    ix->groups = lab_calloc(rep->nwaivers + 1, sizeof *ix->groups);
    ix->mask = cap - 1;
    if (ix->slots == NULL || ix->groups == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = 0; i < rep->nwaivers; i++) {
        const lab_waiver *wv = &rep->waivers[i];
        size_t *slot = wslot(ix, rep->waivers, wv->rule, wv->subject_id);
        if (*slot != 0) {
            const lab_waiver *o = &rep->waivers[ix->groups[*slot - 1].first];
            return lab_seterr(LAB_EDUPLICATE,
                              "%s:%u: second waiver for %s on %s (the first "
                              "is on line %u)",
                              wv->file, wv->line, wv->rule, wv->subject_id,
                              o->line);
        }
        wgroup *g = &ix->groups[ix->ngroups++];
        g->first = g->last = i;
        g->unjustified = wv->justification == NULL ? i : SIZE_MAX;
        *slot = ix->ngroups;
    }
    return LAB_OK;
}

/* Marks each finding with the last waiver of its rule and subject.  Of the
 * waivers without a justification that match a blocker, the first in the
 * file is an error. */
static int windex_match(const windex *ix, lab_report *rep)
{
    size_t bad = SIZE_MAX;
    for (size_t f = 0; f < rep->n; f++) {
        lab_finding *fd = &rep->findings[f];
        size_t g = *wslot(ix, rep->waivers, fd->rule->id, fd->subject_id);
        if (g == 0)
            continue;
        wgroup *grp = &ix->groups[g - 1];
        if (rep->waivers[grp->first].expires[0] == '\0')
            continue; /* expired: reported when read */
        grp->matched = 1;
        fd->waiver = &rep->waivers[grp->last];
        if (fd->severity == LAB_SEV_BLOCKER && grp->unjustified < bad)
            bad = grp->unjustified;
    }
    if (bad != SIZE_MAX) {
        const lab_waiver *wv = &rep->waivers[bad];
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: waiver for blocker %s on %s has no "
                          "justification (a blocker is waived only "
                          "with one)",
                          wv->file, wv->line, wv->rule, wv->subject_id);
    }
    for (size_t i = 0; i < rep->nwaivers; i++) {
        lab_waiver *wv = &rep->waivers[i];
        if (wv->expires[0] == '\0')
            continue;
        size_t g = *wslot(ix, rep->waivers, wv->rule, wv->subject_id);
        if (ix->groups[g - 1].matched)
            wv->used = 1;
    }
    return LAB_OK;
}

int lab_waivers_apply(lab_report *rep, const char *path)
{
    wload w = {rep, path, {-1, -1, -1, -1, -1}, 0};
    windex ix = {NULL, 0, NULL, 0};
    int rc = lab_csv_read_file(path, waiver_row, &w);
    if (rc == LAB_OK)
        rc = windex_build(&ix, rep);
    if (rc == LAB_OK)
        rc = windex_match(&ix, rep);
    free(ix.slots);
    free(ix.groups);
    if (rc != LAB_OK)
        return rc;
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
