/*
 * history.c - compliance as a history: for every facility, which of its
 * audits are current and which a newer full audit superseded, the full
 * audit each audit follows (what history rules look back at), and counts
 * of full and unannounced audits.  A facility's standing is its newest
 * full audit and what came after it (follow-ups, verifications), never
 * every audit ever recorded.  Derived as of the check date (an audit that
 * ended after it has not happened yet) in O(suppliers + audits log audits),
 * and kept while the dataset and the date do not change.
 */
#include "dataset.h"

#include "ident.h"

#include <stdlib.h>
#include <string.h>

int lab_audit_day(const lab_audit *a, int32_t *days)
{
    const char *d = a->end_date ? a->end_date : a->start_date;
    return d != NULL && lab_date_parse(d, strlen(d), days);
}

int lab_audit_is_full(const lab_audit *a)
{
    return a->kind == NULL || strcmp(a->kind, "full") == 0;
}

int lab_audit_is_unannounced(const lab_audit *a)
{
    return a->type != NULL && strcmp(a->type, "announced") != 0;
}

void lab_history_free(lab_history *h)
{
    free(h->latest);
    free(h->full_latest);
    free(h->full_prev);
    free(h->unannounced);
    free(h->full_count);
    free(h->full_unannounced);
    free(h->day);
    free(h->superseded_by);
    free(h->prev_full);
    free(h->future);
    memset(h, 0, sizeof *h);
}

/* Audits of one facility in date order (ties: full audits last, then by
 * id), so that "the full audit before" and "the next full audit" are a
 * scan. */
typedef struct {
    const lab_table *audits;
    const int32_t *day;
} order_ctx;

static _Thread_local const order_ctx *order_of;

static int cmp_audit(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const order_ctx *o = order_of;
    if (o->day[a] != o->day[b])
        return o->day[a] < o->day[b] ? -1 : 1;
    const lab_audit *x = lab_table_row(o->audits, a);
    const lab_audit *y = lab_table_row(o->audits, b);
    int fx = lab_audit_is_full(x), fy = lab_audit_is_full(y);
    if (fx != fy)
        return fx - fy;
    return strcmp(x->id, y->id);
}

/* One facility: its audits sorted in `list`, then the links between them.
 * Audits that ended the same day (two reports of one joint visit, or a
 * follow-up the day of the audit) are one step of the history: neither
 * supersedes nor precedes the other. */
static void derive_facility(lab_history *h, const lab_table *audits, uint32_t v,
                            uint32_t *list, size_t n)
{
    uint32_t full = LAB_NONE, before = LAB_NONE;
    h->latest[v] = n ? list[n - 1] : LAB_NONE;
    for (size_t k = 0; k < n; k++) {
        uint32_t a = list[k];
        const lab_audit *au = lab_table_row(audits, a);
        if (k == 0 || h->day[a] != h->day[list[k - 1]])
            before = full; /* the newest full audit of an earlier day */
        h->unannounced[v] += lab_audit_is_unannounced(au);
        h->prev_full[a] = before;
        if (lab_audit_is_full(au)) {
            full = a;
            h->full_count[v]++;
            h->full_unannounced[v] += lab_audit_is_unannounced(au);
        }
    }
    h->full_latest[v] = full;
    h->full_prev[v] = full == LAB_NONE ? LAB_NONE : h->prev_full[full];
    /* Backwards: the first full audit of a later day supersedes. */
    uint32_t later = LAB_NONE, group_full = LAB_NONE;
    for (size_t k = n; k > 0; k--) {
        uint32_t a = list[k - 1];
        if (k == n || h->day[a] != h->day[list[k]]) {
            if (group_full != LAB_NONE)
                later = group_full;
            group_full = LAB_NONE;
        }
        h->superseded_by[a] = later;
        if (lab_audit_is_full(lab_table_row(audits, a)))
            group_full = a;
    }
}

int lab_ds_derive_history(lab_dataset *ds, int32_t as_of)
{
    if (ds->hist.valid && ds->hist.as_of == as_of)
        return LAB_OK;
    const lab_table *audits = &ds->tables[LAB_RECORD_AUDIT];
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n, na = audits->n;
    lab_history h;
    uint32_t *list = NULL;
    memset(&h, 0, sizeof h);

    h.latest = lab_malloc((nv + 1) * sizeof *h.latest);
    h.full_latest = lab_malloc((nv + 1) * sizeof *h.full_latest);
    h.full_prev = lab_malloc((nv + 1) * sizeof *h.full_prev);
    h.unannounced = lab_calloc(nv + 1, sizeof *h.unannounced);
    h.full_count = lab_calloc(nv + 1, sizeof *h.full_count);
    h.full_unannounced = lab_calloc(nv + 1, sizeof *h.full_unannounced);
    h.day = lab_calloc(na + 1, sizeof *h.day);
    h.superseded_by = lab_malloc((na + 1) * sizeof *h.superseded_by);
    h.prev_full = lab_malloc((na + 1) * sizeof *h.prev_full);
    h.future = lab_calloc(na + 1, sizeof *h.future);
    list = lab_malloc((na + 1) * sizeof *list);
    if (h.latest == NULL || h.full_latest == NULL || h.full_prev == NULL ||
        h.unannounced == NULL || h.full_count == NULL ||
        h.full_unannounced == NULL || h.day == NULL ||
        h.superseded_by == NULL || h.prev_full == NULL || h.future == NULL ||
        list == NULL) {
        lab_history_free(&h);
        free(list);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    for (size_t a = 0; a < na; a++) {
        lab_audit_day(lab_table_row(audits, a), &h.day[a]);
        h.future[a] = h.day[a] > as_of;
        h.superseded_by[a] = h.prev_full[a] = LAB_NONE;
    }
    order_ctx ctx = {audits, h.day};
    order_of = &ctx;
    for (size_t v = 0; v < nv; v++) {
        uint32_t off = ds->audit_off[v], n = 0;
        for (uint32_t k = off; k < ds->audit_off[v + 1]; k++)
            if (!h.future[ds->audit_of[k]])
                list[n++] = ds->audit_of[k];
        if (n > 1)
            qsort(list, n, sizeof *list, cmp_audit);
        derive_facility(&h, audits, (uint32_t)v, list, n);
    }
    order_of = NULL;
    free(list);
    lab_history_free(&ds->hist);
    h.valid = 1;
    h.as_of = as_of;
    ds->hist = h;
    return LAB_OK;
}
