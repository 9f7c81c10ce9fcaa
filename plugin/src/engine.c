/*
 * engine.c - compiles rule packs into an immutable engine and runs checks:
 * field references (stored and virtual fields, and which records each
 * rule subject may see), the scope a rule is evaluated on, the check
 * itself (suppliers, audits, links, then product chains, each record
 * once, each rule without allocation), per-product verdicts, the rules'
 * own test cases and the engine's self-description.
 */
#include "engine.h"
#include "owners.h"

#include "ident.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- field references ---- */

static const struct {
    const char *name;
    lab_entity_id ent;
} slot_names[LAB_SLOT_COUNT_] = {
    {"supplier", LAB_ENT_SUPPLIER},
    {"buyer", LAB_ENT_SUPPLIER},
    {"link", LAB_ENT_LINK},
    {"audit", LAB_ENT_AUDIT},
    {"product", LAB_ENT_PRODUCT},
    {"chain", LAB_ENT_CHAIN},
    {"noncompliance", LAB_ENT_NONCOMPLIANCE},
    {"previous", LAB_ENT_AUDIT},
};

/* Which slots each subject may read.  A supplier rule's audit is the
 * facility's newest full audit; an audit rule's is that audit; a
 * non-compliance rule's is the audit that raised it.  `previous` is the
 * full audit before that audit: what history rules look back at. */
static const unsigned char visible[LAB_SUBJECT_COUNT_][LAB_SLOT_COUNT_] = {
    /*               sup buy lnk aud prd chn nc  prev */
    /* supplier */ {1, 0, 0, 1, 0, 1, 0, 1},
    /* link     */ {1, 1, 1, 0, 0, 1, 0, 0},
    /* audit    */ {1, 0, 0, 1, 0, 1, 0, 1},
    /* chain    */ {1, 0, 0, 0, 1, 1, 0, 0},
    /* nc       */ {1, 0, 0, 1, 0, 1, 1, 0},
};

static int v_audit_age(const lab_scope *sc, lab_val *out)
{
    const lab_audit *a = sc->rec[LAB_SLOT_AUDIT];
    int32_t d;
    *out =
        a && lab_audit_day(a, &d) ? lab_val_num(sc->as_of - d) : lab_val_null();
    return LAB_OK;
}

static int v_ilo_count(const lab_scope *sc, lab_val *out)
{
    const lab_audit *a = sc->rec[LAB_SLOT_AUDIT];
    const lab_entity *e = &lab_entities[LAB_ENT_AUDIT];
    int n = 0;
    if (a == NULL) {
        *out = lab_val_null();
        return LAB_OK;
    }
    /* every audit field named ilo_* counts observations of one indicator */
    for (size_t i = 0; i < e->nfields; i++) {
        const lab_field *f = &e->fields[i];
        if (strncmp(f->name, "ilo_", 4) != 0 || f->type != LAB_FT_INT)
            continue;
        lab_val v = lab_field_get(f, a);
        n += v.t == LAB_V_NUM && v.u.d > 0;
    }
    *out = lab_val_num(n);
    return LAB_OK;
}

static int v_days_since_audit(const lab_scope *sc, lab_val *out)
{
    int32_t d;
    *out = sc->latest_audit && lab_audit_day(sc->latest_audit, &d)
               ? lab_val_num(sc->as_of - d)
               : lab_val_null();
    return LAB_OK;
}

static int v_days_since_full(const lab_scope *sc, lab_val *out)
{
    int32_t d;
    *out = sc->full_audit && lab_audit_day(sc->full_audit, &d)
               ? lab_val_num(sc->as_of - d)
               : lab_val_null();
    return LAB_OK;
}

static int v_full_count(const lab_scope *sc, lab_val *out)
{
    *out = lab_val_num(sc->full_count);
    return LAB_OK;
}

static int v_full_unannounced(const lab_scope *sc, lab_val *out)
{
    *out = lab_val_num(sc->full_unannounced);
    return LAB_OK;
}

/* An audit is current unless a newer full audit of the facility
 * superseded it (rule-pack test cases: always current). */
static int v_audit_current(const lab_scope *sc, lab_val *out)
{
    if (sc->rec[LAB_SLOT_AUDIT] == NULL) {
        *out = lab_val_null();
        return LAB_OK;
    }
    *out =
        lab_val_bool(sc->ds == NULL ||
                     sc->ds->hist.superseded_by[sc->audit_index] == LAB_NONE);
    return LAB_OK;
}

static int nc_is_critical(const lab_noncompliance *nc)
{
    return strcmp(nc->severity, "critical") == 0 ||
           strcmp(nc->severity, "zero_tolerance") == 0;
}

/* Where a non-compliance stands as of the check date. */
typedef enum nc_state {
    NC_OPEN = 0, /* open or in progress, or closed after the check date */
    NC_CLOSED,   /* corrected, but not (yet, or not enough) verified */
    NC_VERIFIED  /* corrected and verified */
} nc_state;

static int after(const char *date, int32_t as_of)
{
    int32_t d;
    return date != NULL && lab_date_parse(date, strlen(date), &d) && d > as_of;
}

static int method_is(const lab_noncompliance *nc, const char *m)
{
    return nc->verification_method != NULL &&
           strcmp(nc->verification_method, m) == 0;
}

/* A closure counts from the day it happened; a verification from the day
 * of the visit that made it.  A critical issue (documents, fees, children)
 * is verified by hearing workers: through worker interviews, or a visit
 * that interviewed workers.  A document review, a visit with no interview
 * on record, or no word on how, leaves it awaiting verification. */
static nc_state nc_state_of(const lab_scope *sc, const lab_noncompliance *nc)
{
    if (strcmp(nc->status, "open") == 0 ||
        strcmp(nc->status, "in_progress") == 0 ||
        after(nc->closed_date, sc->as_of))
        return NC_OPEN;
    if (strcmp(nc->status, "verified") != 0)
        return NC_CLOSED;
    const lab_audit *visit = NULL;
    if (nc->closing_audit_id != NULL && sc->ds != NULL) {
        long c = lab_ds_find(sc->ds, LAB_RECORD_AUDIT, nc->closing_audit_id);
        if (c >= 0 && sc->ds->hist.future[c])
            return NC_CLOSED;
        if (c >= 0)
            visit = lab_table_row(&sc->ds->tables[LAB_RECORD_AUDIT], (size_t)c);
    }
    if (!nc_is_critical(nc) || method_is(nc, "worker_interviews"))
        return NC_VERIFIED;
    if (method_is(nc, "document_review"))
        return NC_CLOSED;
    if (visit != NULL)
        return visit->interviews_total != LAB_INT_NONE &&
                       visit->interviews_total > 0
                   ? NC_VERIFIED
                   : NC_CLOSED;
    /* a rule-pack test case names no visit: its method speaks */
    return sc->ds == NULL && method_is(nc, "follow_up_visit") ? NC_VERIFIED
                                                              : NC_CLOSED;
}

static int nc_live(const lab_scope *sc, const lab_noncompliance *nc)
{
    return nc_state_of(sc, nc) == NC_OPEN;
}

static int v_nc_open(const lab_scope *sc, lab_val *out)
{
    const lab_noncompliance *nc = sc->rec[LAB_SLOT_NONCOMPLIANCE];
    *out = nc ? lab_val_bool(nc_live(sc, nc)) : lab_val_null();
    return LAB_OK;
}

static int v_nc_state(const lab_scope *sc, lab_val *out)
{
    static const char *const names[] = {"open", "closed", "verified"};
    const lab_noncompliance *nc = sc->rec[LAB_SLOT_NONCOMPLIANCE];
    const char *s = nc ? names[nc_state_of(sc, nc)] : NULL;
    *out = s ? lab_val_str(s, strlen(s)) : lab_val_null();
    return LAB_OK;
}

static int v_nc_critical(const lab_scope *sc, lab_val *out)
{
    const lab_noncompliance *nc = sc->rec[LAB_SLOT_NONCOMPLIANCE];
    *out = nc ? lab_val_bool(nc_is_critical(nc)) : lab_val_null();
    return LAB_OK;
}

/* Days past the due date of a corrective action still open: 0 when not
 * yet due or no longer open, null when open with no due date. */
static int v_nc_overdue(const lab_scope *sc, lab_val *out)
{
    const lab_noncompliance *nc = sc->rec[LAB_SLOT_NONCOMPLIANCE];
    int32_t due;
    if (nc == NULL || (nc_live(sc, nc) && nc->due_date == NULL)) {
        *out = lab_val_null();
        return LAB_OK;
    }
    if (!nc_live(sc, nc) ||
        !lab_date_parse(nc->due_date, strlen(nc->due_date), &due) ||
        due >= sc->as_of) {
        *out = lab_val_num(0);
        return LAB_OK;
    }
    *out = lab_val_num(sc->as_of - due);
    return LAB_OK;
}

static int v_nc_days_open(const lab_scope *sc, lab_val *out)
{
    const lab_noncompliance *nc = sc->rec[LAB_SLOT_NONCOMPLIANCE];
    int32_t raised;
    if (nc == NULL || !nc_live(sc, nc) || nc->raised_date == NULL ||
        !lab_date_parse(nc->raised_date, strlen(nc->raised_date), &raised)) {
        *out = nc && !nc_live(sc, nc) ? lab_val_num(0) : lab_val_null();
        return LAB_OK;
    }
    *out = lab_val_num(sc->as_of - raised);
    return LAB_OK;
}

static int same_text(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Did the full audit before the raising audit raise one on the same
 * clause, ILO indicator or (failing both) area? */
static int v_nc_repeated(const lab_scope *sc, lab_val *out)
{
    const lab_noncompliance *nc = sc->rec[LAB_SLOT_NONCOMPLIANCE];
    if (nc == NULL || sc->ds == NULL) {
        *out = nc ? lab_val_bool(0) : lab_val_null();
        return LAB_OK;
    }
    const lab_dataset *ds = sc->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_NONCOMPLIANCE];
    uint32_t prev = ds->hist.prev_full[sc->audit_index];
    int rep = 0;
    for (uint32_t k = prev == LAB_NONE ? 0 : ds->nc_off[prev];
         prev != LAB_NONE && k < ds->nc_off[prev + 1] && !rep; k++) {
        const lab_noncompliance *o = lab_table_row(t, ds->nc_of[k]);
        if (nc->clause != NULL || nc->ilo_indicator != NULL)
            rep = same_text(nc->clause, o->clause) ||
                  same_text(nc->ilo_indicator, o->ilo_indicator);
        else
            rep = same_text(nc->area, o->area);
    }
    *out = lab_val_bool(rep);
    return LAB_OK;
}

/* For a facility: the recruitment agencies recruiting for it that hold
 * no licence (licensed = false). */
static int v_unlicensed_recruiters(const lab_scope *sc, lab_val *out)
{
    const lab_supplier *s = sc->rec[LAB_SLOT_SUPPLIER];
    *out = lab_val_null();
    if (s == NULL || sc->ds == NULL)
        return LAB_OK;
    const lab_dataset *ds = sc->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_SUPPLIER];
    uint32_t v =
        (uint32_t)(((const unsigned char *)s - t->rows) / t->entity->size);
    int n = 0;
    for (uint32_t k = ds->recruiter_off[v]; k < ds->recruiter_off[v + 1]; k++) {
        const lab_supplier *r = lab_table_row(t, ds->recruiter_of[k]);
        n += r->licensed == 0;
    }
    *out = lab_val_num(n);
    return LAB_OK;
}

/* Do two products name a lot in common? */
static int share_lot(const lab_product *a, const lab_product *b)
{
    for (uint32_t i = 0; a->lots != NULL && i < a->lots->n; i++)
        for (uint32_t j = 0; b->lots != NULL && j < b->lots->n; j++)
            if (a->lots->items[i].u.s == b->lots->items[j].u.s)
                return 1; /* interned: equal strings are one pointer */
    return 0;
}

/* The volume all claimed products of the product's maker claim together
 * in the product's unit: what the maker's verified volume must cover.
 * When the product is judged per lot, only the products that name one of
 * its lots compete for the same volume. */
static int v_maker_claimed(const lab_scope *sc, lab_val *out)
{
    const lab_product *p = sc->rec[LAB_SLOT_PRODUCT];
    *out = lab_val_null();
    if (p == NULL || sc->ds == NULL || p->claim == NULL ||
        isnan(p->claimed_volume))
        return LAB_OK;
    const lab_dataset *ds = sc->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_PRODUCT];
    uint32_t v = sc->supplier_index;
    const lab_chain *chain = sc->rec[LAB_SLOT_CHAIN];
    int per_lot = chain != NULL && chain->lot != NULL;
    double sum = 0;
    for (uint32_t k = ds->product_off[v]; k < ds->product_off[v + 1]; k++) {
        const lab_product *q = lab_table_row(t, ds->product_of[k]);
        if (per_lot && q != p && !share_lot(p, q))
            continue;
        if (q->claim != NULL && !isnan(q->claimed_volume) &&
            (q->unit == p->unit ||
             (q->unit && p->unit && strcmp(q->unit, p->unit) == 0)))
            sum += q->claimed_volume;
    }
    *out = lab_val_num(sum);
    return LAB_OK;
}

static int v_audit_count(const lab_scope *sc, lab_val *out)
{
    *out = lab_val_num(sc->audit_count);
    return LAB_OK;
}

static int v_unannounced(const lab_scope *sc, lab_val *out)
{
    *out = lab_val_num(sc->unannounced_count);
    return LAB_OK;
}

static int v_listed_score(const lab_scope *sc, lab_val *out)
{
    *out = sc->hit ? lab_val_num(sc->hit->score) : lab_val_null();
    return LAB_OK;
}

static lab_val str_or_null(const char *s)
{
    return s ? lab_val_str(s, strlen(s)) : lab_val_null();
}

static int v_listed_name(const lab_scope *sc, lab_val *out)
{
    *out =
        str_or_null(sc->hit && sc->hit->entity ? sc->hit->entity->name : NULL);
    return LAB_OK;
}

static int v_listed_alias(const lab_scope *sc, lab_val *out)
{
    *out = str_or_null(sc->hit ? sc->hit->matched : NULL);
    return LAB_OK;
}

static int v_listed_by(const lab_scope *sc, lab_val *out)
{
    *out = str_or_null(sc->hit ? sc->hit->by : NULL);
    return LAB_OK;
}

/* Laboratory tests of the product (or of the lot judged) that found the
 * item tested inconsistent with its declared origin: how many, and the
 * first one's document id.  A test naming lots counts for a per-lot
 * verdict only when it names the lot judged. */
static int labtests_inconsistent(const lab_scope *sc, lab_val *out, int id)
{
    const lab_product *p = sc->rec[LAB_SLOT_PRODUCT];
    *out = lab_val_null();
    if (p == NULL || sc->ds == NULL || sc->ds->labtest_off == NULL)
        return LAB_OK;
    const lab_dataset *ds = sc->ds;
    const lab_table *pt = &ds->tables[LAB_RECORD_PRODUCT];
    const lab_table *dt = &ds->tables[LAB_RECORD_DOCUMENT];
    size_t row =
        (size_t)((const char *)p - (const char *)pt->rows) / pt->entity->size;
    const lab_chain *chain = sc->rec[LAB_SLOT_CHAIN];
    const char *lot = chain != NULL ? chain->lot : NULL;
    int n = 0;
    const char *first = NULL;
    for (uint32_t k = ds->labtest_off[row]; k < ds->labtest_off[row + 1]; k++) {
        const lab_document *d = lab_table_row(dt, ds->labtest_of[k]);
        int about = lot == NULL || d->lots == NULL;
        for (uint32_t i = 0; !about && i < d->lots->n; i++)
            about = d->lots->items[i].u.s == lot ||
                    strcmp(d->lots->items[i].u.s, lot) == 0;
        if (about && n++ == 0)
            first = d->id;
    }
    *out = id ? str_or_null(first) : lab_val_num(n);
    return LAB_OK;
}

static int v_labtests_inconsistent(const lab_scope *sc, lab_val *out)
{
    return labtests_inconsistent(sc, out, 0);
}

static int v_labtest_inconsistent_id(const lab_scope *sc, lab_val *out)
{
    return labtests_inconsistent(sc, out, 1);
}

static int v_high_risk_region(const lab_scope *sc, lab_val *out)
{
    const lab_supplier *s = sc->rec[LAB_SLOT_SUPPLIER];
    if (s == NULL || sc->ref == NULL) {
        *out = lab_val_null();
        return LAB_OK;
    }
    *out = lab_val_bool(lab_region_listed(sc->ref, s->country) ||
                        lab_region_listed(sc->ref, s->subdivision));
    return LAB_OK;
}

static int v_chain_high_risk(const lab_scope *sc, lab_val *out)
{
    const lab_chain *c = sc->rec[LAB_SLOT_CHAIN];
    if (c == NULL || sc->ref == NULL) {
        *out = lab_val_null();
        return LAB_OK;
    }
    int n = 0;
    const lab_list *lists[2] = {c->countries, c->subdivisions};
    for (int k = 0; k < 2; k++)
        for (uint32_t i = 0; lists[k] != NULL && i < lists[k]->n; i++)
            n += lab_region_listed(sc->ref, lists[k]->items[i].u.s);
    *out = lab_val_num(n);
    return LAB_OK;
}

static int v_listed_upstream(const lab_scope *sc, lab_val *out)
{
    *out = sc->listed_upstream >= 0 ? lab_val_num(sc->listed_upstream)
                                    : lab_val_null();
    return LAB_OK;
}

/* Ties to listed entities beyond the name (owners.c). */
static int v_tie_str(const lab_scope *sc, lab_val *out, size_t off)
{
    const char *const *p =
        sc->tie ? (const char *const *)((const char *)sc->tie + off) : NULL;
    *out = str_or_null(p ? *p : NULL);
    return LAB_OK;
}

#define TIE_STR(fn, member)                                          \
    static int fn(const lab_scope *sc, lab_val *out)                 \
    {                                                                \
        return v_tie_str(sc, out, offsetof(struct lab_tie, member)); \
    }
TIE_STR(v_tie_identifier, identifier)
TIE_STR(v_tie_id_entity, id_cite)
TIE_STR(v_tie_subsidiary, sub_cite)
TIE_STR(v_tie_owner, owner_cite)
TIE_STR(v_tie_address, address)
TIE_STR(v_tie_address_entity, addr_cite)

static int v_tie_owner_path(const lab_scope *sc, lab_val *out)
{
    *out = str_or_null(sc->tie ? lab_tie_owner_path(sc->tie) : NULL);
    return LAB_OK;
}

static int v_tie_owner_share(const lab_scope *sc, lab_val *out)
{
    *out = sc->tie ? lab_val_num(sc->tie->owner_share) : lab_val_null();
    return LAB_OK;
}

static int v_chain_ties(const lab_scope *sc, lab_val *out)
{
    *out = sc->listed_ties >= 0 ? lab_val_num(sc->listed_ties) : lab_val_null();
    return LAB_OK;
}

static int v_chain_owner_max(const lab_scope *sc, lab_val *out)
{
    *out = sc->listed_ties >= 0 ? lab_val_num(sc->owner_share_max)
                                : lab_val_null();
    return LAB_OK;
}

static int v_chain_owner_max_id(const lab_scope *sc, lab_val *out)
{
    *out = str_or_null(sc->listed_ties >= 0 ? sc->owner_share_max_id : NULL);
    return LAB_OK;
}

/* Evidence counts: for audit i, evidence[2i] missing and [2i+1] changed;
 * for supplier v, the same after the audits. */
static int evidence_count(const lab_scope *sc, int audit, int changed,
                          lab_val *out)
{
    if (sc->evidence == NULL) {
        *out = lab_val_null();
        return LAB_OK;
    }
    size_t base = audit ? 2 * (size_t)sc->audit_index
                        : 2 * (sc->naudits + sc->supplier_index);
    int ok = audit ? sc->rec[LAB_SLOT_AUDIT] != NULL
                   : sc->rec[LAB_SLOT_SUPPLIER] != NULL;
    *out =
        ok ? lab_val_num(sc->evidence[base + (size_t)changed]) : lab_val_null();
    return LAB_OK;
}

static int v_ev_audit_missing(const lab_scope *sc, lab_val *out)
{
    return evidence_count(sc, 1, 0, out);
}

static int v_ev_audit_changed(const lab_scope *sc, lab_val *out)
{
    return evidence_count(sc, 1, 1, out);
}

static int v_ev_supplier_missing(const lab_scope *sc, lab_val *out)
{
    return evidence_count(sc, 0, 0, out);
}

static int v_ev_supplier_changed(const lab_scope *sc, lab_val *out)
{
    return evidence_count(sc, 0, 1, out);
}

/* Virtual fields: computed from the scope, named like stored ones.
 * `screening` marks those that need suppliers screened against the
 * entity lists. */
static const struct {
    lab_slot slot;
    const char *name;
    int (*compute)(const lab_scope *, lab_val *);
    lab_vtype vtype;
    int screening;
    const char *doc;
} virtuals[] = {
    {LAB_SLOT_AUDIT, "age_days", v_audit_age, LAB_V_NUM, 0,
     "days from the audit's last day to the check date"},
    {LAB_SLOT_AUDIT, "ilo_indicator_count", v_ilo_count, LAB_V_NUM, 0,
     "how many of the ILO indicators (ilo_* fields) were observed"},
    {LAB_SLOT_SUPPLIER, "days_since_last_audit", v_days_since_audit, LAB_V_NUM,
     0, "days since the supplier's newest audit ended (null: never audited)"},
    {LAB_SLOT_SUPPLIER, "audit_count", v_audit_count, LAB_V_NUM, 0,
     "number of audits of the supplier"},
    {LAB_SLOT_SUPPLIER, "days_since_full_audit", v_days_since_full, LAB_V_NUM,
     0,
     "days since the supplier's newest full audit ended (null: no full "
     "audit)"},
    {LAB_SLOT_SUPPLIER, "full_audits", v_full_count, LAB_V_NUM, 0,
     "number of full audits of the supplier"},
    {LAB_SLOT_SUPPLIER, "unannounced_full_audits", v_full_unannounced,
     LAB_V_NUM, 0, "full audits of the supplier semi- or unannounced"},
    {LAB_SLOT_SUPPLIER, "unlicensed_recruiters", v_unlicensed_recruiters,
     LAB_V_NUM, 0,
     "recruitment agencies recruiting for the facility (recruits_for) "
     "that hold no licence"},
    {LAB_SLOT_PRODUCT, "maker_claimed_volume", v_maker_claimed, LAB_V_NUM, 0,
     "claimed volume of every claimed product of the same maker, in this "
     "product's unit"},
    {LAB_SLOT_PRODUCT, "lab_tests_inconsistent", v_labtests_inconsistent,
     LAB_V_NUM, 0,
     "laboratory tests (lab_report documents) of the product, or of the lot "
     "judged, that found the item tested inconsistent with its declared "
     "origin"},
    {LAB_SLOT_PRODUCT, "lab_test_inconsistent", v_labtest_inconsistent_id,
     LAB_V_STR, 0, "the document id of the first such test"},
    {LAB_SLOT_AUDIT, "current", v_audit_current, LAB_V_BOOL, 0,
     "no newer full audit of the facility supersedes this audit"},
    {LAB_SLOT_NONCOMPLIANCE, "open", v_nc_open, LAB_V_BOOL, 0,
     "open or in progress as of the check date"},
    {LAB_SLOT_NONCOMPLIANCE, "state", v_nc_state, LAB_V_STR, 0,
     "as of the check date: open, closed (awaiting verification: none yet, "
     "one dated later, or a document review of a critical issue) or "
     "verified"},
    {LAB_SLOT_NONCOMPLIANCE, "critical", v_nc_critical, LAB_V_BOOL, 0,
     "severity is critical or zero_tolerance"},
    {LAB_SLOT_NONCOMPLIANCE, "overdue_days", v_nc_overdue, LAB_V_NUM, 0,
     "days an open corrective action is past its due date (0: not overdue "
     "or not open; null: open with no due date)"},
    {LAB_SLOT_NONCOMPLIANCE, "days_open", v_nc_days_open, LAB_V_NUM, 0,
     "days since it was raised, while open (0 once closed)"},
    {LAB_SLOT_NONCOMPLIANCE, "repeated", v_nc_repeated, LAB_V_BOOL, 0,
     "the full audit before the raising audit raised one on the same "
     "clause or ILO indicator (or area, when it names neither)"},
    {LAB_SLOT_SUPPLIER, "unannounced_audits", v_unannounced, LAB_V_NUM, 0,
     "audits of the supplier that were semi-announced or unannounced"},
    {LAB_SLOT_SUPPLIER, "listed_score", v_listed_score, LAB_V_NUM, 1,
     "similarity (0.8-1) of the best match on an entity list; 0 if none"},
    {LAB_SLOT_SUPPLIER, "listed_name", v_listed_name, LAB_V_STR, 1,
     "the listed entity the supplier matched"},
    {LAB_SLOT_SUPPLIER, "listed_alias", v_listed_alias, LAB_V_STR, 1,
     "the listed name or alias that matched"},
    {LAB_SLOT_SUPPLIER, "listed_by", v_listed_by, LAB_V_STR, 1,
     "the supplier's own name or alias that matched"},
    {LAB_SLOT_SUPPLIER, "high_risk_region", v_high_risk_region, LAB_V_BOOL, 0,
     "the supplier's country or region is on a high-risk region list"},
    {LAB_SLOT_CHAIN, "high_risk_regions", v_chain_high_risk, LAB_V_NUM, 0,
     "countries and regions in the chain that are on a high-risk list"},
    {LAB_SLOT_AUDIT, "evidence_missing", v_ev_audit_missing, LAB_V_NUM, 0,
     "documents of the audit whose file is missing (with an evidence dir)"},
    {LAB_SLOT_AUDIT, "evidence_changed", v_ev_audit_changed, LAB_V_NUM, 0,
     "documents of the audit whose file no longer has its SHA-256"},
    {LAB_SLOT_SUPPLIER, "evidence_missing", v_ev_supplier_missing, LAB_V_NUM, 0,
     "documents of the supplier whose file is missing"},
    {LAB_SLOT_SUPPLIER, "evidence_changed", v_ev_supplier_changed, LAB_V_NUM, 0,
     "documents of the supplier whose file no longer has its SHA-256"},
    {LAB_SLOT_CHAIN, "listed_suppliers", v_listed_upstream, LAB_V_NUM, 1,
     "suppliers in a product's chain that match an entity list (chain "
     "rules only)"},
    {LAB_SLOT_SUPPLIER, "listed_identifier", v_tie_identifier, LAB_V_STR, 1,
     "a registry identifier (scheme:value) the supplier shares with a "
     "listed entity, whatever its name (uscc, lei, duns...; not a site)"},
    {LAB_SLOT_SUPPLIER, "listed_identifier_entity", v_tie_id_entity, LAB_V_STR,
     1, "the listed entity with that identifier, and its row"},
    {LAB_SLOT_SUPPLIER, "listed_subsidiary_of", v_tie_subsidiary, LAB_V_STR, 1,
     "the listed entity whose listed subsidiary the supplier's name "
     "matches, and its row"},
    {LAB_SLOT_SUPPLIER, "listed_owner_share", v_tie_owner_share, LAB_V_NUM, 1,
     "percent held by listed entities, OFAC-style: the largest T such that "
     "listed entities and companies they hold T % or more of hold T % or "
     "more of the supplier, through any number of levels (0: none)"},
    {LAB_SLOT_SUPPLIER, "listed_owner", v_tie_owner, LAB_V_STR, 1,
     "the listed entity at the top of those holdings, and its row"},
    {LAB_SLOT_SUPPLIER, "listed_owner_path", v_tie_owner_path, LAB_V_STR, 1,
     "the holdings from the supplier up to the listed entity, each with its "
     "file:line, source and date"},
    {LAB_SLOT_SUPPLIER, "listed_address", v_tie_address, LAB_V_STR, 1,
     "an address or site identifier (OS ID, GLN) the supplier shares with a "
     "listed entity"},
    {LAB_SLOT_SUPPLIER, "listed_address_entity", v_tie_address_entity,
     LAB_V_STR, 1, "the listed entity at that address or site, and its row"},
    {LAB_SLOT_CHAIN, "listed_ties", v_chain_ties, LAB_V_NUM, 1,
     "suppliers in a product's chain that are a listed entity by registry "
     "identifier or a listed subsidiary (chain rules only)"},
    {LAB_SLOT_CHAIN, "listed_owner_share_max", v_chain_owner_max, LAB_V_NUM, 1,
     "the largest supplier.listed_owner_share in a product's chain (chain "
     "rules only)"},
    {LAB_SLOT_CHAIN, "listed_owned_supplier", v_chain_owner_max_id, LAB_V_STR,
     1, "the supplier with that largest share"},
};

/* Every possible reference, made once: [slot][field], then virtuals. */
static lab_fieldref *refs_all;
static size_t refs_n;
static pthread_once_t refs_once = PTHREAD_ONCE_INIT;
static char refs_paths[8192 * 4];

static void refs_init(void)
{
    size_t n = LAB_ARRAY_LEN(virtuals);
    for (int s = 0; s < LAB_SLOT_COUNT_; s++)
        n += lab_entities[slot_names[s].ent].nfields;
    refs_all = calloc(n, sizeof *refs_all);
    if (refs_all == NULL)
        return;
    size_t k = 0, used = 0;
    for (int s = 0; s < LAB_SLOT_COUNT_; s++) {
        const lab_entity *e = &lab_entities[slot_names[s].ent];
        for (size_t i = 0; i < e->nfields; i++) {
            lab_fieldref *r = &refs_all[k];
            int len = snprintf(refs_paths + used, sizeof refs_paths - used,
                               "%s.%s", slot_names[s].name, e->fields[i].name);
            r->slot = (uint8_t)s;
            r->field = &e->fields[i];
            r->vtype = (uint8_t)lab_field_vtype(&e->fields[i]);
            r->path = refs_paths + used;
            r->index = (uint16_t)k++;
            used += (size_t)len + 1;
        }
    }
    for (size_t i = 0; i < LAB_ARRAY_LEN(virtuals); i++) {
        lab_fieldref *r = &refs_all[k];
        int len = snprintf(refs_paths + used, sizeof refs_paths - used, "%s.%s",
                           slot_names[virtuals[i].slot].name, virtuals[i].name);
        r->slot = (uint8_t)virtuals[i].slot;
        r->compute = virtuals[i].compute;
        r->vtype = (uint8_t)virtuals[i].vtype;
        r->path = refs_paths + used;
        r->index = (uint16_t)k++;
        used += (size_t)len + 1;
    }
    refs_n = k;
}

size_t lab_entity_slots(lab_entity_id ent, lab_slot slots[2])
{
    size_t n = 0;
    for (int s = 0; s < LAB_SLOT_COUNT_ && n < 2; s++)
        if (slot_names[s].ent == ent)
            slots[n++] = (lab_slot)s;
    return n;
}

const char *lab_slot_name(lab_slot s)
{
    return (unsigned)s < LAB_SLOT_COUNT_ ? slot_names[s].name : NULL;
}

/* The reference named path[0..n), built in or declared by e's packs. */
static const lab_fieldref *find_ref(const lab_engine *e, const char *path,
                                    size_t n)
{
    for (size_t i = 0; i < refs_n; i++) {
        const lab_fieldref *r = &refs_all[i];
        if (strlen(r->path) == n && memcmp(r->path, path, n) == 0)
            return r;
    }
    for (size_t d = 0; e != NULL && d < e->ndecls; d++)
        for (size_t k = 0; k < e->decls[d]->nrefs; k++) {
            const lab_fieldref *r = &e->decls[d]->refs[k];
            if (strlen(r->path) == n && memcmp(r->path, path, n) == 0)
                return r;
        }
    return NULL;
}

const lab_fieldref *lab_fieldref_resolve(const lab_engine *e, const char *path,
                                         size_t n, lab_subject subject,
                                         char *why, size_t whylen)
{
    pthread_once(&refs_once, refs_init);
    if (refs_all == NULL) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    const lab_fieldref *r = find_ref(e, path, n);
    if (r != NULL) {
        /* a subject beyond the rules' own: any slot (test cases) */
        if ((int)subject < LAB_SUBJECT_COUNT_ && !visible[subject][r->slot]) {
            char sees[128];
            size_t k = 0;
            sees[0] = '\0';
            for (int s = 0; s < LAB_SLOT_COUNT_; s++)
                if (visible[subject][s])
                    k += (size_t)snprintf(sees + k, sizeof sees - k, "%s%s",
                                          k ? ", " : "", slot_names[s].name);
            snprintf(why, whylen,
                     "'%.*s' is not visible to a rule about a %s (it sees "
                     "%s)",
                     (int)n, path, lab_subject_names[subject], sees);
            return NULL;
        }
        return r;
    }
    const char *dot = memchr(path, '.', n);
    if (dot == NULL) {
        snprintf(why, whylen,
                 "'%.*s' is not a field: expected entity.field, e.g. "
                 "supplier.country",
                 (int)n, path);
        return NULL;
    }
    for (int s = 0; s < LAB_SLOT_COUNT_; s++)
        if ((size_t)(dot - path) == strlen(slot_names[s].name) &&
            memcmp(path, slot_names[s].name, (size_t)(dot - path)) == 0) {
            snprintf(why, whylen,
                     "unknown field '%.*s': %s has no field "
                     "'%.*s' (see `labaudit rules fields`)",
                     (int)n, path, slot_names[s].name,
                     (int)(n - (size_t)(dot - path) - 1), dot + 1);
            return NULL;
        }
    snprintf(why, whylen,
             "unknown entity in '%.*s': expected supplier, buyer, link, "
             "audit, product, chain, noncompliance or previous",
             (int)n, path);
    return NULL;
}

/* A pack-declared field of the record in ref's slot: its row's value in
 * the column typed at the start of the check (null if the dataset has no
 * such column, or in a test case that does not give it). */
static int fetch_declared(const lab_scope *sc, const lab_fieldref *ref,
                          lab_val *out)
{
    const unsigned char *rec = sc->rec[ref->slot];
    *out = lab_val_null();
    if (rec == NULL || sc->ds == NULL || sc->ext == NULL ||
        sc->ext[ref->ext - 1] == NULL)
        return LAB_OK;
    const lab_table *t = &sc->ds->tables[slot_names[ref->slot].ent];
    if (rec < t->rows || rec >= t->rows + t->n * t->entity->size)
        return LAB_OK;
    size_t row = (size_t)(rec - t->rows) / t->entity->size;
    *out = sc->ext[ref->ext - 1][row];
    return LAB_OK;
}

int lab_scope_fetch(const void *scope, const lab_fieldref *ref, lab_val *out)
{
    const lab_scope *sc = scope;
    for (size_t i = 0; i < sc->noverrides; i++)
        if (sc->overrides[i].ref == ref) {
            *out = sc->overrides[i].v;
            return LAB_OK;
        }
    if (ref->compute != NULL)
        return ref->compute(sc, out);
    if (ref->ext != 0)
        return fetch_declared(sc, ref, out);
    const void *rec = sc->rec[ref->slot];
    *out = rec ? lab_field_get(ref->field, rec) : lab_val_null();
    return LAB_OK;
}

int lab_rule_eval(const lab_rule *r, const lab_scope *sc, lab_arena *scratch)
{
    lab_val data = lab_val_null();
    lab_eval_ctx ctx = {&data, sc, lab_scope_fetch, scratch, sc->budget};
    lab_val v;
    int rc = lab_eval(&v, r->cond, &ctx);
    if (rc != LAB_OK)
        return lab_preerr(rc, "rule %s", r->id);
    return lab_val_truthy(&v);
}

/* ---- engine ---- */

static int is_screening(const lab_fieldref *r)
{
    for (size_t i = 0; i < LAB_ARRAY_LEN(virtuals); i++)
        if (virtuals[i].compute == r->compute && virtuals[i].screening)
            return 1;
    return 0;
}

size_t lab_engine_list_count(const lab_engine *e)
{
    return e ? e->ref.nlists : 0;
}

int lab_engine_list_info(const lab_engine *e, size_t i, const char **id,
                         const char **kind, const char **version,
                         const char **sha256)
{
    if (e == NULL || i >= e->ref.nlists)
        return lab_seterr(LAB_ENOTFOUND, "no reference list %zu", i);
    const lab_reflist *l = &e->ref.lists[i];
    if (id)
        *id = l->id;
    if (kind)
        *kind = l->kind;
    if (version)
        *version = l->version;
    if (sha256)
        *sha256 = l->sha256;
    return LAB_OK;
}

int lab_engine_options_init(lab_engine_options *opts, unsigned version)
{
    if (opts == NULL || version != LAB_ENGINE_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_engine_options version %u is not supported "
                          "(this library knows version %d)",
                          version, LAB_ENGINE_OPTIONS_VERSION);
    lab_engine_options d = LAB_ENGINE_OPTIONS_INIT;
    *opts = d;
    return LAB_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

/* Loads a pack file, or every *.xml below a folder in sorted order. */
static int load_path(lab_engine *e, const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return lab_seterr(LAB_EIO, "%s: no such rule pack or folder", path);
    if (!S_ISDIR(st.st_mode))
        return lab_pack_load(e, path);
    if (depth > 4)
        return lab_seterr(LAB_ELIMIT, "%s: folders nested too deeply", path);

    DIR *d = opendir(path);
    if (d == NULL)
        return lab_seterr(LAB_EIO, "%s: cannot open folder", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = LAB_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        char *full = lab_malloc(len);
        if (full == NULL ||
            lab_grow((void **)&names, &cap, n + 1, sizeof *names) != LAB_OK) {
            free(full);
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
            break;
        }
        snprintf(full, len, "%s/%s", path, de->d_name);
        names[n++] = full;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == LAB_OK; i++) {
        if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = load_path(e, names[i], depth + 1);
        else if (has_suffix(names[i], ".xml"))
            rc = lab_pack_load(e, names[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int lab_engine_new(lab_engine **out, const lab_engine_options *opts)
{
    if (out == NULL || opts == NULL)
        return lab_seterr(LAB_EINVAL, "lab_engine_new: NULL argument");
    if (opts->version != LAB_ENGINE_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_engine_options version %u is not supported",
                          opts->version);
    if (opts->npacks == 0 || opts->packs == NULL)
        return lab_seterr(LAB_EINVAL, "no rule packs given");

    lab_engine *e = lab_calloc(1, sizeof *e);
    if (e == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    lab_arena_init(&e->arena, 64 * 1024);
    int rc = lab_strtab_init(&e->strings);
    for (size_t i = 0; i < opts->npacks && rc == LAB_OK; i++)
        rc = load_path(e, opts->packs[i], 0);
    for (size_t i = 0; i < opts->nlists && rc == LAB_OK; i++) {
        if (opts->lists == NULL || opts->lists[i] == NULL)
            rc = lab_seterr(LAB_EINVAL, "reference list %zu is NULL", i);
        else
            rc = lab_refdata_load(&e->ref, &e->arena, &e->strings,
                                  opts->lists[i]);
    }
    for (size_t i = 0; rc == LAB_OK && i < e->nrules; i++)
        for (size_t k = 0; k < e->rules[i].nrefs; k++)
            e->uses_screening |= is_screening(e->rules[i].refs[k]);
    if (rc == LAB_OK && e->nrules == 0)
        rc = lab_seterr(LAB_ENOTFOUND, "no rules found in the packs given");
    for (int s = 0; s < LAB_SUBJECT_COUNT_ && rc == LAB_OK; s++) {
        e->by_subject[s] =
            lab_arena_alloc(&e->arena, (e->nrules + 1) * sizeof(void *));
        if (e->by_subject[s] == NULL)
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
        for (size_t i = 0; rc == LAB_OK && i < e->nrules; i++)
            if ((int)e->rules[i].subject == s)
                e->by_subject[s][e->nby_subject[s]++] = &e->rules[i];
    }
    if (rc != LAB_OK) {
        lab_engine_free(e);
        return rc;
    }
    *out = e;
    return LAB_OK;
}

void lab_engine_free(lab_engine *e)
{
    if (e == NULL)
        return;
    lab_refdata_free(&e->ref);
    free(e->requires);
    free(e->decls);
    free(e->packs);
    free(e->rules);
    lab_strtab_free(&e->strings);
    lab_arena_free(&e->arena);
    free(e);
}

size_t lab_engine_pack_count(const lab_engine *e)
{
    return e ? e->npacks : 0;
}

size_t lab_engine_rule_count(const lab_engine *e)
{
    return e ? e->nrules : 0;
}

int lab_engine_pack_info(const lab_engine *e, size_t i, const char **id,
                         const char **version, const char **sha256)
{
    if (e == NULL || i >= e->npacks)
        return lab_seterr(LAB_ENOTFOUND, "no pack %zu", i);
    if (id)
        *id = e->packs[i]->id;
    if (version)
        *version = e->packs[i]->version;
    if (sha256)
        *sha256 = e->packs[i]->sha256;
    return LAB_OK;
}

/* ---- checking ---- */

typedef struct checkrun {
    const lab_check_options *opts;
    size_t done, total; /* records evaluated, for progress */
    const lab_engine *e;
    lab_dataset *ds;
    lab_report *rep;
    lab_arena scratch;
    lab_scope sc;
    lab_budget budget;   /* evaluation steps left to the check */
    lab_walk *scope;     /* suppliers to check, NULL = all */
    lab_hit *hits;       /* screening per supplier (or per place in
                            the scope), NULL if unused */
    lab_tie *ties;       /* ties to listed entities, the same way */
    lab_ties *tiectx;    /* their derivation, for the paths */
    lab_buf *dump;       /* set: write scopes instead of evaluating */
    const lab_val **ext; /* typed declared fields, see type_declared */
    int32_t *evidence;   /* see check_evidence */
} checkrun;

/* Writes the records subject `subj` sees in sc as the JSON document a
 * JsonLogic library needs to evaluate the same rules: each record with
 * every stored and computed field (absent ones as null). */
static void scope_json(lab_buf *b, const lab_engine *e, const lab_scope *sc,
                       lab_subject subj)
{
    pthread_once(&refs_once, refs_init);
    lab_buf_addc(b, '{');
    int first = 1;
    for (int s = 0; s < LAB_SLOT_COUNT_; s++) {
        if (!visible[subj][s] || sc->rec[s] == NULL)
            continue;
        lab_buf_printf(b, "%s\"%s\":{", first ? "" : ",", slot_names[s].name);
        first = 0;
        int ffirst = 1;
        for (size_t i = 0; i < refs_n + e->ndecls * 2; i++) {
            const lab_fieldref *r = NULL;
            if (i < refs_n)
                r = &refs_all[i];
            else if ((i - refs_n) % 2 < e->decls[(i - refs_n) / 2]->nrefs)
                r = &e->decls[(i - refs_n) / 2]->refs[(i - refs_n) % 2];
            if (r == NULL || r->slot != s)
                continue;
            lab_val v;
            lab_scope_fetch(sc, r, &v);
            const char *name = strchr(r->path, '.') + 1;
            lab_buf_printf(b, "%s\"%s\":", ffirst ? "" : ",", name);
            lab_val_to_json(b, &v);
            ffirst = 0;
        }
        lab_buf_addc(b, '}');
    }
    lab_buf_addc(b, '}');
}

/* One line of `check --scopes`: the subject and what it sees. */
static void dump_scope(checkrun *cr, lab_subject subj, const char *subject_id)
{
    lab_buf *b = cr->dump;
    lab_buf_adds(b, "{\"subject\":");
    lab_buf_printf(b, "\"%s\",\"id\":", lab_subject_names[subj]);
    lab_buf_add_json_string(b, subject_id, strlen(subject_id));
    lab_buf_adds(b, ",\"scope\":");
    scope_json(b, cr->e, &cr->sc, subj);
    lab_buf_adds(b, "}\n");
}

/* A note in the report's arena ("superseded by ..."), or NULL. */
static const char *note(checkrun *cr, const char *fmt, ...) LAB_PRINTF(2, 3);
static const char *note(checkrun *cr, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lab_arena_strndup(&cr->rep->arena, msg, strlen(msg));
}

static const lab_audit *audit_row(const lab_dataset *ds, uint32_t a)
{
    return lab_table_row(&ds->tables[LAB_RECORD_AUDIT], a);
}

static const char *audit_last_day(const lab_audit *a)
{
    return a->end_date ? a->end_date : a->start_date;
}

/* The pack area an audit field's facts belong to, so that a corrective
 * action in that area bears on every rule reading the field (a verified
 * return of passports corrects the identity-document rules and the ILO
 * indicator of retained documents alike).  First match wins. */
static const struct {
    const char *prefix, *area;
} field_areas[] = {
    {"documents_held_by_", "identity-documents"},
    {"documents_safekeeping", "identity-documents"},
    {"ilo_retention_of_documents", "identity-documents"},
    {"recruitment_fee", "recruitment-debt"},
    {"workers_with_recruitment_loans", "recruitment-debt"},
    {"deposits_required", "recruitment-debt"},
    {"ilo_debt_bondage", "recruitment-debt"},
    {"permits_", "migrant-workers"},
    {"contracts_substituted", "migrant-workers"},
    {"workers_under_15", "child-labour"},
    {"workers_below_minimum_age", "child-labour"},
    {"young_workers_hazardous", "child-labour"},
    {"age_verification", "child-labour"},
    {"lowest_wage", "wages-hours"},
    {"wage_delay_days", "wages-hours"},
    {"max_weekly_hours", "wages-hours"},
    {"max_consecutive_days", "wages-hours"},
    {"ilo_withholding_of_wages", "wages-hours"},
    {"ilo_excessive_overtime", "wages-hours"},
    {"worker_representation", "voice"},
    {"grievance_mechanism", "voice"},
    {"retaliation_cases", "voice"},
    {"workers_state_transfer", "origin"},
    {"ilo_", "ilo-indicators"},
    /* the report's summary counts: every non-compliance of the audit */
    {"noncompliances_", "noncompliances"},
};

static const char *area_of_field(const char *name)
{
    for (size_t i = 0; i < LAB_ARRAY_LEN(field_areas); i++)
        if (strncmp(name, field_areas[i].prefix,
                    strlen(field_areas[i].prefix)) == 0)
            return field_areas[i].area;
    return NULL;
}

/* The area of a non-compliance's ILO indicator, or NULL. */
static const char *indicator_area(const lab_noncompliance *nc)
{
    char name[64];
    if (nc->ilo_indicator == NULL)
        return NULL;
    snprintf(name, sizeof name, "ilo_%s", nc->ilo_indicator);
    return area_of_field(name);
}

/* Does the non-compliance concern `area` (its own, or its indicator's)? */
static int nc_concerns(const lab_noncompliance *nc, const char *area)
{
    if (strcmp(area, "noncompliances") == 0)
        return 1;
    if (nc->area != NULL && strcmp(nc->area, area) == 0)
        return 1;
    const char *ia = indicator_area(nc);
    return ia != NULL && strcmp(ia, area) == 0;
}

/* The value of an audit field (built in or declared) in audit a. */
static lab_val audit_value(const checkrun *cr, const lab_fieldref *f,
                           uint32_t a)
{
    if (f->ext != 0) {
        const lab_val *col = cr->ext ? cr->ext[f->ext - 1] : NULL;
        return col ? col[a] : lab_val_null();
    }
    return lab_field_get(f->field, audit_row(cr->ds, a));
}

/* Is ref a stored field of the audit slot? */
static int audit_fact(const lab_fieldref *f)
{
    return f->slot == LAB_SLOT_AUDIT && f->field != NULL;
}

/* Does full audit b answer every audit field the rule read that audit a
 * answered?  If not, *missing names the first one b leaves unknown. */
static int reassesses(const checkrun *cr, const lab_rule *r, uint32_t a,
                      uint32_t b, const char **missing)
{
    for (size_t i = 0; i < r->nrefs; i++) {
        const lab_fieldref *f = r->refs[i];
        if (!audit_fact(f) || audit_value(cr, f, a).t == LAB_V_NULL)
            continue;
        if (audit_value(cr, f, b).t == LAB_V_NULL) {
            *missing = f->path;
            return 0;
        }
    }
    return 1;
}

/* The area of an audit field's facts: built in, or as its pack says. */
static const char *ref_area(const checkrun *cr, const lab_fieldref *f)
{
    if (f->ext != 0)
        return cr->e->decls[f->ext - 1]->area;
    return area_of_field(f->field->name);
}

/* Does full audit b answer any field (built in or declared) of `area`? */
static int reassesses_area(const checkrun *cr, uint32_t b, const char *area)
{
    const lab_entity *e = &lab_entities[LAB_ENT_AUDIT];
    const lab_audit *au = audit_row(cr->ds, b);
    if (area == NULL || strcmp(area, "noncompliances") == 0)
        return 0;
    for (size_t i = 0; i < e->nfields; i++) {
        const char *fa = area_of_field(e->fields[i].name);
        if (fa != NULL && strcmp(fa, area) == 0 &&
            lab_field_get(&e->fields[i], au).t != LAB_V_NULL)
            return 1;
    }
    for (size_t d = 0; d < cr->e->ndecls; d++) {
        const lab_decl *dc = cr->e->decls[d];
        if (dc->ent == LAB_ENT_AUDIT && dc->area != NULL &&
            strcmp(dc->area, area) == 0 && cr->ext != NULL &&
            cr->ext[d] != NULL && cr->ext[d][b].t != LAB_V_NULL)
            return 1;
    }
    return 0;
}

/* The areas a finding on audit a rests on: those of the audit fields the
 * rule read that hold a fact there (a count above zero, a yes or no, a
 * text), or else, if it read any audit field, the rule's own area.  At
 * most `max`.  A finding that reads no audit fact (where a supplier is,
 * what it is called) rests on none: no corrective action changes it. */
static size_t fact_areas(const checkrun *cr, const lab_rule *r, uint32_t a,
                         const char **areas, size_t max)
{
    size_t n = 0;
    int facts = 0;
    for (size_t i = 0; i < r->nrefs; i++) {
        const lab_fieldref *f = r->refs[i];
        if (!audit_fact(f))
            continue;
        facts = 1;
        lab_val v = audit_value(cr, f, a);
        const char *fa = ref_area(cr, f);
        if (fa == NULL || v.t == LAB_V_NULL || (v.t == LAB_V_NUM && v.u.d == 0))
            continue;
        size_t k = 0;
        while (k < n && strcmp(areas[k], fa) != 0)
            k++;
        if (k == n && n < max)
            areas[n++] = fa;
    }
    if (n == 0 && facts && r->area != NULL)
        areas[n++] = r->area;
    return n;
}

/* State-imposed forced labour and import-ban origins: no corrective
 * action at a facility corrects them (workers under a state transfer
 * programme cannot give free consent, whatever an audit records). */
static int uncorrectable(const char *area)
{
    return strcmp(area, "origin") == 0;
}

/*
 * How the facility's history bears on a finding that fired on a fact of
 * audit `a` (the audit itself, or a supplier's newest full audit):
 * - a newer full audit that re-assessed the facts the rule read (answered
 *   them) supersedes it; one that left them unknown does not, and the
 *   finding is carried over;
 * - the non-compliances audit a raised on what the finding rests on, once
 *   all are verified (as of the check date), correct it; while some are
 *   closed but not verified it stays live, at most major and awaiting
 *   verification; an open one keeps it as it is.
 */
static int standing(checkrun *cr, const lab_rule *r, uint32_t a,
                    lab_standing *st)
{
    const lab_dataset *ds = cr->ds;
    const char *missing = NULL;
    uint32_t next = ds->hist.superseded_by[a];
    for (uint32_t b = next; b != LAB_NONE; b = ds->hist.superseded_by[b]) {
        if (!reassesses(cr, r, a, b, &missing))
            continue;
        const lab_audit *sup = audit_row(ds, b);
        st->history = 1;
        st->note = note(cr, "superseded by %s, the full audit of %s", sup->id,
                        audit_last_day(sup));
        return st->note ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
    }
    if (next != LAB_NONE)
        st->note = note(cr,
                        "carried over: no full audit since re-assessed it "
                        "(%s, the full audit of %s, leaves %s unknown)",
                        audit_row(ds, next)->id,
                        audit_last_day(audit_row(ds, next)), missing);
    const char *areas[16];
    size_t nareas = fact_areas(cr, r, a, areas, LAB_ARRAY_LEN(areas));
    const lab_table *t = &ds->tables[LAB_RECORD_NONCOMPLIANCE];
    const lab_noncompliance *closed = NULL, *verified = NULL;
    for (size_t k = 0; k < nareas; k++) {
        int state = -1; /* no non-compliance on it */
        if (uncorrectable(areas[k]))
            return st->note || next == LAB_NONE
                       ? LAB_OK
                       : lab_seterr(LAB_ENOMEM, "out of memory");
        for (uint32_t m = ds->nc_off[a]; m < ds->nc_off[a + 1]; m++) {
            const lab_noncompliance *nc = lab_table_row(t, ds->nc_of[m]);
            if (!nc_concerns(nc, areas[k]))
                continue;
            nc_state s = nc_state_of(&cr->sc, nc);
            if (state < 0 || (int)s < state)
                state = (int)s;
            if (s == NC_CLOSED)
                closed = nc;
            else if (s == NC_VERIFIED)
                verified = nc;
        }
        if (state < 0 || state == NC_OPEN)
            return st->note || next == LAB_NONE
                       ? LAB_OK
                       : lab_seterr(LAB_ENOMEM, "out of memory");
    }
    if (nareas == 0 || (closed == NULL && verified == NULL))
        return LAB_OK;
    if (closed != NULL) {
        if (st->severity > LAB_SEV_MAJOR)
            st->severity = LAB_SEV_MAJOR;
        st->awaiting = 1;
        st->note = note(cr,
                        "corrective action %s closed%s%s, not verified as of "
                        "the check date: at most major, and no certificate, "
                        "until a follow-up or verification visit confirms it",
                        closed->id, closed->closed_date ? " on " : "",
                        closed->closed_date ? closed->closed_date : "");
    } else {
        st->history = 1;
        st->note = note(
            cr, "corrected: %s verified%s%s%s%s%s%s", verified->id,
            verified->closing_audit_id ? " by " : "",
            verified->closing_audit_id ? verified->closing_audit_id : "",
            verified->closed_date ? " on " : "",
            verified->closed_date ? verified->closed_date : "",
            verified->verification_method ? " through " : "",
            verified->verification_method ? verified->verification_method : "");
    }
    return st->note ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

/* A non-compliance raised by an audit that a newer full audit superseded
 * is history when that audit re-assessed what it concerns (answered a
 * field of its area); otherwise its own status speaks for it.  A critical
 * one closed but not verified awaits verification. */
static int nc_standing(checkrun *cr, const lab_noncompliance *nc, uint32_t a,
                       lab_standing *st)
{
    const lab_dataset *ds = cr->ds;
    if (nc_is_critical(nc) && nc_state_of(&cr->sc, nc) == NC_CLOSED)
        st->awaiting = 1;
    for (uint32_t b = ds->hist.superseded_by[a]; b != LAB_NONE;
         b = ds->hist.superseded_by[b]) {
        if (!reassesses_area(cr, b, nc->area) &&
            !reassesses_area(cr, b, indicator_area(nc)))
            continue;
        const lab_audit *sup = audit_row(ds, b);
        st->history = 1;
        st->awaiting = 0;
        st->note = note(cr,
                        "superseded by %s, the full audit of %s, which "
                        "re-assessed %s",
                        sup->id, audit_last_day(sup),
                        nc->area ? nc->area : indicator_area(nc));
        return st->note ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
    }
    return LAB_OK;
}

/* The audit whose facts a finding on this subject rests on. */
static uint32_t fact_audit(const checkrun *cr, lab_subject subj)
{
    if (subj != LAB_SUBJECT_AUDIT && subj != LAB_SUBJECT_SUPPLIER &&
        subj != LAB_SUBJECT_NONCOMPLIANCE)
        return LAB_NONE;
    return cr->sc.rec[LAB_SLOT_AUDIT] != NULL ? cr->sc.audit_index : LAB_NONE;
}

static int eval_rules(checkrun *cr, lab_subject subj, const char *subject_id,
                      uint32_t supplier)
{
    if (cr->opts->progress != NULL && (++cr->done & 0xffff) == 0)
        cr->opts->progress(cr->opts->progress_ud, cr->done, cr->total);
    if (cr->dump != NULL) {
        dump_scope(cr, subj, subject_id);
        return LAB_OK;
    }
    const lab_rule *const *rules = cr->e->by_subject[subj];
    for (size_t i = 0; i < cr->e->nby_subject[subj]; i++) {
        lab_arena_reset(&cr->scratch);
        int fired = lab_rule_eval(rules[i], &cr->sc, &cr->scratch);
        if (fired < 0)
            return fired;
        if (!fired)
            continue;
        lab_standing st = {0, rules[i]->severity, 0, NULL};
        uint32_t a = fact_audit(cr, subj);
        int rc = LAB_OK;
        if (a != LAB_NONE && subj == LAB_SUBJECT_NONCOMPLIANCE)
            rc = nc_standing(cr, cr->sc.rec[LAB_SLOT_NONCOMPLIANCE], a, &st);
        else if (a != LAB_NONE)
            rc = standing(cr, rules[i], a, &st);
        if (rc == LAB_OK)
            rc = lab_report_add(cr->rep, rules[i], &cr->sc, subj, subject_id,
                                supplier, &st);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

/* Fills the supplier part of the scope: the record, its chain facts, its
 * newest audit and newest full audit, and the counts of its audits. */
static void scope_supplier(checkrun *cr, lab_slot slot, uint32_t v)
{
    const lab_dataset *ds = cr->ds;
    const lab_history *h = &ds->hist;
    cr->sc.rec[slot] = lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], v);
    if (slot != LAB_SLOT_SUPPLIER)
        return;
    cr->sc.supplier_index = v;
    cr->sc.rec[LAB_SLOT_CHAIN] = &ds->chain[v];
    cr->sc.latest_audit =
        h->latest[v] == LAB_NONE ? NULL : audit_row(ds, h->latest[v]);
    cr->sc.full_audit =
        h->full_latest[v] == LAB_NONE ? NULL : audit_row(ds, h->full_latest[v]);
    if (h->full_latest[v] != LAB_NONE)
        cr->sc.audit_index = h->full_latest[v];
    cr->sc.unannounced_count = h->unannounced[v];
    cr->sc.full_count = h->full_count[v];
    cr->sc.full_unannounced = h->full_unannounced[v];
    cr->sc.audit_count = (int32_t)(ds->audit_off[v + 1] - ds->audit_off[v]);
    cr->sc.hit = NULL;
    cr->sc.tie = NULL;
    if (cr->hits != NULL)
        cr->sc.hit = &cr->hits[cr->scope ? cr->scope->pos[v] : v];
    if (cr->ties != NULL)
        cr->sc.tie = &cr->ties[cr->scope ? cr->scope->pos[v] : v];
}
static void scope_clear(checkrun *cr)
{
    cr->sc.hit = NULL;
    cr->sc.tie = NULL;
    cr->sc.listed_upstream = -1;
    cr->sc.listed_ties = -1;
    for (int s = 0; s < LAB_SLOT_COUNT_; s++)
        cr->sc.rec[s] = NULL;
    cr->sc.latest_audit = NULL;
    cr->sc.full_audit = NULL;
    cr->sc.audit_count = 0;
    cr->sc.full_count = 0;
    cr->sc.full_unannounced = 0;
}

/* Puts audit a in the audit slot, and the full audit before it in
 * `previous`. */
static void scope_audit(checkrun *cr, uint32_t a)
{
    const lab_dataset *ds = cr->ds;
    uint32_t p = ds->hist.prev_full[a];
    cr->sc.rec[LAB_SLOT_AUDIT] = audit_row(ds, a);
    cr->sc.audit_index = a;
    cr->sc.rec[LAB_SLOT_PREVIOUS] = p == LAB_NONE ? NULL : audit_row(ds, p);
}

/* The suppliers to check: the scope's list, or every supplier. */
static size_t scope_count(const checkrun *cr)
{
    return cr->scope ? cr->scope->n : cr->ds->tables[LAB_RECORD_SUPPLIER].n;
}

static uint32_t scope_at(const checkrun *cr, size_t k)
{
    return cr->scope ? cr->scope->list[k] : (uint32_t)k;
}

static int check_suppliers(checkrun *cr)
{
    for (size_t k = 0; k < scope_count(cr); k++) {
        uint32_t v = scope_at(cr, k);
        scope_clear(cr);
        scope_supplier(cr, LAB_SLOT_SUPPLIER, v);
        if (cr->ds->hist.full_latest[v] != LAB_NONE)
            scope_audit(cr, cr->ds->hist.full_latest[v]);
        const lab_supplier *s = cr->sc.rec[LAB_SLOT_SUPPLIER];
        int rc = eval_rules(cr, LAB_SUBJECT_SUPPLIER, s->id, v);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}
static int check_audits(checkrun *cr)
{
    const lab_dataset *ds = cr->ds;
    for (size_t k = 0; k < scope_count(cr); k++) {
        uint32_t v = scope_at(cr, k);
        for (uint32_t j = ds->audit_off[v]; j < ds->audit_off[v + 1]; j++) {
            uint32_t i = ds->audit_of[j];
            if (ds->hist.future[i])
                continue; /* after the check date: not yet */
            scope_clear(cr);
            scope_supplier(cr, LAB_SLOT_SUPPLIER, v);
            scope_audit(cr, i);
            const lab_audit *a = cr->sc.rec[LAB_SLOT_AUDIT];
            int rc = eval_rules(cr, LAB_SUBJECT_AUDIT, a->id, v);
            if (rc != LAB_OK)
                return rc;
        }
    }
    return LAB_OK;
}
/* Non-compliances, with the audit that raised them. */
static int check_noncompliances(checkrun *cr)
{
    const lab_dataset *ds = cr->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_NONCOMPLIANCE];
    if (cr->e->nby_subject[LAB_SUBJECT_NONCOMPLIANCE] == 0 && cr->dump == NULL)
        return LAB_OK;
    for (size_t k = 0; k < scope_count(cr); k++) {
        uint32_t v = scope_at(cr, k);
        for (uint32_t j = ds->audit_off[v]; j < ds->audit_off[v + 1]; j++) {
            uint32_t a = ds->audit_of[j];
            if (ds->hist.future[a])
                continue;
            for (uint32_t m = ds->nc_off[a]; m < ds->nc_off[a + 1]; m++) {
                const lab_noncompliance *nc = lab_table_row(t, ds->nc_of[m]);
                if (after(nc->raised_date, cr->sc.as_of))
                    continue;
                scope_clear(cr);
                scope_supplier(cr, LAB_SLOT_SUPPLIER, v);
                scope_audit(cr, a);
                cr->sc.rec[LAB_SLOT_PREVIOUS] = NULL;
                cr->sc.rec[LAB_SLOT_NONCOMPLIANCE] = nc;
                int rc = eval_rules(cr, LAB_SUBJECT_NONCOMPLIANCE, nc->id, v);
                if (rc != LAB_OK)
                    return rc;
            }
        }
    }
    return LAB_OK;
}
static int check_links(checkrun *cr)
{
    const lab_dataset *ds = cr->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_LINK];
    for (size_t k = 0; k < scope_count(cr); k++) {
        uint32_t from = scope_at(cr, k);
        for (uint32_t j = ds->out_off[from]; j < ds->out_off[from + 1]; j++) {
            uint32_t i = ds->out_link[j];
            scope_clear(cr);
            scope_supplier(cr, LAB_SLOT_SUPPLIER, from);
            scope_supplier(cr, LAB_SLOT_BUYER, ds->link_to[i]);
            const lab_link *l = lab_table_row(t, i);
            cr->sc.rec[LAB_SLOT_LINK] = l;
            cr->sc.rec[LAB_SLOT_AUDIT] = NULL;
            cr->sc.link_index = i;
            int rc = eval_rules(cr, LAB_SUBJECT_LINK, l->id, from);
            if (rc != LAB_OK)
                return rc;
        }
    }
    return LAB_OK;
}
/* The walk a verdict folds over: the lot's chain when the product is
 * judged per lot, else everything upstream of its maker. */
static int verdict_walk(checkrun *cr, const lab_product_verdict *pv,
                        lab_walk *w)
{
    if (pv->lot == LAB_NONE)
        return lab_walk_upstream(w, cr->ds, pv->maker);
    return lab_lot_walk(cr->ds, pv->row, pv->lot, w, NULL);
}

/* Evaluates the chain rules of one product verdict (a product, or one of
 * its lots) and appends the verdict. */
static int check_product_chain(checkrun *cr, const lab_product *p, uint32_t row,
                               uint32_t maker, uint32_t lot)
{
    lab_dataset *ds = cr->ds;
    lab_walk *w = &ds->walk[1];
    lab_product_verdict v = {p->id, p->name, maker, row, lot, NULL,
                             NULL,  -1,      0,     0,   0};
    int rc = LAB_OK;
    scope_clear(cr);
    scope_supplier(cr, LAB_SLOT_SUPPLIER, maker);
    cr->sc.rec[LAB_SLOT_PRODUCT] = p;
    if (lot != LAB_NONE) {
        lab_chain *facts = lab_arena_alloc(&cr->rep->arena, sizeof *facts);
        if (facts == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        rc = lab_lot_chain(ds, row, lot, w, &cr->rep->arena, facts);
        v.chain = facts;
        v.lot_id = facts->lot;
        cr->sc.rec[LAB_SLOT_CHAIN] = facts;
    } else if (cr->hits != NULL) {
        rc = lab_walk_upstream(w, ds, maker);
    }
    if (rc == LAB_OK && cr->hits != NULL) {
        cr->sc.listed_upstream = 0;
        cr->sc.listed_ties = 0;
        cr->sc.owner_share_max = 0;
        cr->sc.owner_share_max_id = NULL;
        for (size_t i = 0; i < w->n; i++) {
            uint32_t u = w->list[i];
            size_t h = cr->scope ? cr->scope->pos[u] : u;
            const lab_tie *t = &cr->ties[h];
            cr->sc.listed_upstream += cr->hits[h].score > 0;
            cr->sc.listed_ties += t->id_entity != NULL || t->subsidiary != NULL;
            if (t->owner_share > cr->sc.owner_share_max) {
                cr->sc.owner_share_max = t->owner_share;
                cr->sc.owner_share_max_id =
                    ((const lab_supplier *)lab_table_row(
                         &ds->tables[LAB_RECORD_SUPPLIER], u))
                        ->id;
            }
        }
    }
    if (rc == LAB_OK)
        rc = eval_rules(cr, LAB_SUBJECT_CHAIN, p->id, maker);
    cr->rep->products[cr->rep->nproducts++] = v;
    return rc;
}

/* Product chains: the chain rules of every product in scope, once per lot
 * when the product names lots of the dataset's lot records.  Verdicts
 * come later (compute_verdicts), once waivers are applied. */
static int check_products(checkrun *cr, const char *only)
{
    lab_dataset *ds = cr->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_PRODUCT];
    int rc = LAB_OK;
    size_t entries = t->n + 1;
    if (lab_ds_has_lots(ds))
        entries += ds->product_lot_off[t->n];
    cr->rep->products =
        lab_arena_alloc(&cr->rep->arena, entries * sizeof *cr->rep->products);
    if (cr->rep->products == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; k < scope_count(cr) && rc == LAB_OK; k++) {
        uint32_t maker = scope_at(cr, k);
        for (uint32_t j = ds->product_off[maker];
             j < ds->product_off[maker + 1] && rc == LAB_OK; j++) {
            uint32_t row = ds->product_of[j];
            const lab_product *p = lab_table_row(t, row);
            if (only != NULL && strcmp(only, p->id) != 0)
                continue;
            uint32_t a = 0, b = 0;
            if (lab_ds_has_lots(ds)) {
                a = ds->product_lot_off[row];
                b = ds->product_lot_off[row + 1];
            }
            if (a == b)
                rc = check_product_chain(cr, p, row, maker, LAB_NONE);
            for (uint32_t i = a; i < b && rc == LAB_OK; i++)
                rc = check_product_chain(cr, p, row, maker,
                                         ds->product_lot_of[i]);
        }
    }
    return rc;
}
static int is_production_role(const char *role)
{
    static const char *const roles[] = {
        "farm", "gin", "spinner", "fabric_mill", "dye_house", "garment_maker"};
    for (size_t i = 0; role != NULL && i < LAB_ARRAY_LEN(roles); i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

static int requirement_applies(const lab_require *req, const char *role)
{
    if (req->roles == NULL)
        return is_production_role(role);
    for (uint32_t i = 0; role != NULL && i < req->roles->n; i++)
        if (strcmp(req->roles->items[i].u.s, role) == 0)
            return 1;
    return 0;
}

/* Does any current audit of facility v answer the required field (built
 * in, or declared by a pack and typed in cr->ext)? */
static int fact_known(const checkrun *cr, uint32_t v, const lab_fieldref *f)
{
    const lab_dataset *ds = cr->ds;
    for (uint32_t k = ds->audit_off[v]; k < ds->audit_off[v + 1]; k++) {
        uint32_t a = ds->audit_of[k];
        const char *kind = audit_row(ds, a)->kind;
        /* a facility's own declaration, or a desk review, verifies nothing
         * about documents held or fees */
        /* a fact more than a year old is not known any more: audit
         * schemes' reports are valid for a year at most */
        if (cr->sc.as_of - ds->hist.day[a] > 365)
            continue;
        if (ds->hist.superseded_by[a] != LAB_NONE || ds->hist.future[a] ||
            (kind != NULL && (strcmp(kind, "self_assessment") == 0 ||
                              strcmp(kind, "desk_review") == 0)))
            continue;
        if (f->ext != 0) {
            const lab_val *col = cr->ext ? cr->ext[f->ext - 1] : NULL;
            if (col != NULL && col[a].t != LAB_V_NULL)
                return 1;
        } else if (lab_field_get(f->field, audit_row(ds, a)).t != LAB_V_NULL) {
            return 1;
        }
    }
    return 0;
}

/* Unknown is not compliant: every required fact that no current audit of
 * a facility answers, once per facility and field. */
static int find_unknowns(checkrun *cr)
{
    const lab_engine *e = cr->e;
    const lab_dataset *ds = cr->ds;
    lab_report *rep = cr->rep;
    for (size_t k = 0; k < scope_count(cr) && e->nrequires > 0; k++) {
        uint32_t v = scope_at(cr, k);
        const lab_supplier *s =
            lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], v);
        for (size_t i = 0; i < e->nrequires; i++) {
            const lab_require *req = &e->requires[i];
            size_t j = 0;
            while (j < i && e->requires[j].ref != req->ref)
                j++;
            if (j < i || !requirement_applies(req, s->role) ||
                fact_known(cr, v, req->ref))
                continue;
            if (lab_grow((void **)&rep->unknowns, &rep->capunknowns,
                         rep->nunknowns + 1, sizeof *rep->unknowns) != LAB_OK)
                return lab_seterr(LAB_ENOMEM, "out of memory");
            rep->unknowns[rep->nunknowns++] = (lab_unknown){v, req};
        }
    }
    return LAB_OK;
}

/* Each product's verdict: the worst finding not waived on any supplier
 * upstream of its maker or on the product's own chain.  Findings are
 * tallied per supplier once; each product then folds over what its walk
 * visits, so the cost is the findings plus the chains, not their
 * product. */
static int compute_verdicts(checkrun *cr)
{
    lab_dataset *ds = cr->ds;
    lab_report *rep = cr->rep;
    size_t n = scope_count(cr);
    uint32_t *nfind = lab_calloc(n + 1, sizeof *nfind);
    uint32_t *nwaived = lab_calloc(n + 1, sizeof *nwaived);
    uint32_t *nunknown = lab_calloc(n + 1, sizeof *nunknown);
    signed char *worst = lab_malloc(n + 1);
    /* link findings by their seller: linkf[link_off[h]..link_off[h+1]) */
    uint32_t *link_off = lab_calloc(n + 2, sizeof *link_off);
    uint32_t *linkf = lab_malloc((rep->n + 1) * sizeof *linkf);
    lab_walk *w = &ds->walk[1];
    int rc = LAB_OK;

    if (nfind == NULL || nwaived == NULL || nunknown == NULL || worst == NULL ||
        link_off == NULL || linkf == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    memset(worst, -1, n + 1);
    for (size_t i = 0; i < rep->nproducts; i++)
        rep->products[i].worst = -1;
    for (size_t f = 0; f < rep->n; f++) {
        const lab_finding *fd = &rep->findings[f];
        int sev = (int)fd->severity;
        if (fd->subject == LAB_SUBJECT_CHAIN) {
            /* the product's own chain findings */
            lab_product_verdict *pv = &rep->products[fd->product];
            if (fd->waiver != NULL) {
                pv->nwaived++;
            } else {
                pv->nfindings++;
                pv->worst = sev > pv->worst ? sev : pv->worst;
            }
            continue;
        }
        size_t h = cr->scope ? cr->scope->pos[fd->supplier] : fd->supplier;
        if (fd->subject == LAB_SUBJECT_LINK) {
            link_off[h + 2]++;
            continue;
        }
        if (fd->waiver != NULL) {
            nwaived[h]++;
            continue;
        }
        nfind[h]++;
        if (sev > worst[h])
            worst[h] = (signed char)sev;
    }
    for (size_t h = 0; h < n; h++)
        link_off[h + 2] += link_off[h + 1];
    for (size_t f = 0; f < rep->n; f++) {
        const lab_finding *fd = &rep->findings[f];
        if (fd->subject != LAB_SUBJECT_LINK)
            continue;
        size_t h = cr->scope ? cr->scope->pos[fd->supplier] : fd->supplier;
        linkf[link_off[h + 1]++] = (uint32_t)f;
    }
    for (size_t u = 0; u < rep->nunknowns; u++) {
        uint32_t v = rep->unknowns[u].supplier;
        nunknown[cr->scope ? cr->scope->pos[v] : v]++;
    }
    for (size_t i = 0; i < rep->nproducts && rc == LAB_OK; i++) {
        lab_product_verdict *pv = &rep->products[i];
        rc = verdict_walk(cr, pv, w);
        for (size_t k = 0; rc == LAB_OK && k < w->n; k++) {
            uint32_t v = w->list[k];
            size_t h = cr->scope ? cr->scope->pos[v] : v;
            pv->nfindings += nfind[h];
            pv->nwaived += nwaived[h];
            pv->nunknowns += nunknown[h];
            if (worst[h] > pv->worst)
                pv->worst = worst[h];
            /* a link's finding is about goods that went from its seller to
             * its buyer: it bears on a chain holding both */
            for (uint32_t m = link_off[h]; m < link_off[h + 1]; m++) {
                const lab_finding *fd = &rep->findings[linkf[m]];
                if (!lab_walk_has(w, ds->link_to[fd->link]))
                    continue;
                if (fd->waiver != NULL) {
                    pv->nwaived++;
                    continue;
                }
                pv->nfindings++;
                if ((int)fd->severity > pv->worst)
                    pv->worst = fd->severity;
            }
        }
    }
out:
    free(nfind);
    free(nwaived);
    free(nunknown);
    free(worst);
    free(link_off);
    free(linkf);
    return rc;
}
/* Workers at the facilities whose audits have open findings, by sex and
 * age band: the disaggregation the OSCE Action Plan asks for. */
static int count_affected(checkrun *cr)
{
    lab_report *rep = cr->rep;
    const lab_table *audits = &cr->ds->tables[LAB_RECORD_AUDIT];
    unsigned char *seen = lab_calloc(audits->n + 1, 1);
    if (seen == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    memset(&rep->affected, 0, sizeof rep->affected);
    for (size_t f = 0; f < rep->n; f++) {
        const lab_finding *fd = &rep->findings[f];
        if (fd->subject != LAB_SUBJECT_AUDIT || fd->waiver != NULL)
            continue;
        long a = lab_ds_find(cr->ds, LAB_RECORD_AUDIT, fd->subject_id);
        if (a < 0 || seen[a])
            continue;
        seen[a] = 1;
        const lab_audit *au = lab_table_row(audits, (size_t)a);
        rep->affected.audits++;
        int32_t v[4] = {au->workers_total, au->workers_female, au->workers_male,
                        au->workers_under_18};
        int64_t *dst[4] = {&rep->affected.workers, &rep->affected.women,
                           &rep->affected.men, &rep->affected.under_18};
        for (int k = 0; k < 4; k++)
            if (v[k] != LAB_INT_NONE)
                *dst[k] += v[k];
            else
                rep->affected.unknown |= 1 << k;
    }
    free(seen);
    return LAB_OK;
}

/* Hashes every document's file under the evidence folder and counts, per
 * audit and per supplier, the files missing and the files changed.  A
 * uri that is absolute or climbs out of the folder counts as missing. */
static int check_evidence(checkrun *cr, const char *dir)
{
    const lab_dataset *ds = cr->ds;
    const lab_table *docs = &ds->tables[LAB_RECORD_DOCUMENT];
    size_t na = ds->tables[LAB_RECORD_AUDIT].n;
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    int32_t *ev = lab_calloc(2 * (na + nv) + 2, sizeof *ev);
    if (ev == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    int rc = LAB_OK;
    for (size_t i = 0; i < docs->n && rc == LAB_OK; i++) {
        const lab_document *d = lab_table_row(docs, i);
        if (d->uri == NULL || d->sha256 == NULL)
            continue;
        int changed = 0, missing = 0;
        if (d->uri[0] == '/' || strstr(d->uri, "..") != NULL ||
            strstr(d->uri, "://") != NULL) {
            missing = 1;
            rc = lab_report_warn(cr->rep,
                                 "document %s: uri '%s' is not a "
                                 "path inside the evidence folder",
                                 d->id, d->uri);
        } else {
            char path[4096];
            char *buf = NULL;
            size_t len = 0;
            char hex[65];
            snprintf(path, sizeof path, "%s/%s", dir, d->uri);
            if (lab_read_file(&buf, &len, path, (size_t)1 << 31) != LAB_OK)
                missing = 1;
            else if (lab_sha256_hex(hex, buf, len) != LAB_OK ||
                     strcasecmp(hex, d->sha256) != 0)
                changed = 1;
            free(buf);
            lab_clearerr();
        }
        long a =
            d->audit_id ? lab_ds_find(ds, LAB_RECORD_AUDIT, d->audit_id) : -1;
        long v = d->supplier_id
                     ? lab_ds_find(ds, LAB_RECORD_SUPPLIER, d->supplier_id)
                     : -1;
        if (v < 0 && a >= 0)
            v = (long)ds->audit_owner[a];
        if (a >= 0) {
            ev[2 * a] += missing;
            ev[2 * a + 1] += changed;
        }
        if (v >= 0) {
            ev[2 * (na + (size_t)v)] += missing;
            ev[2 * (na + (size_t)v) + 1] += changed;
        }
    }
    cr->evidence = ev;
    cr->sc.evidence = ev;
    cr->sc.naudits = na;
    return rc;
}

/* Types the columns that the packs' declared fields read, once per check
 * (the dataset keeps them typed while it does not change). */
static int type_declared(checkrun *cr)
{
    const lab_engine *e = cr->e;
    if (e->ndecls == 0)
        return LAB_OK;
    const lab_val **ext = lab_calloc(e->ndecls, sizeof *ext);
    if (ext == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    cr->ext = ext;
    cr->sc.ext = ext;
    for (size_t d = 0; d < e->ndecls; d++) {
        const lab_decl *dc = e->decls[d];
        lab_extcol *c =
            lab_ds_ext_find(cr->ds, (lab_record_kind)dc->ent, dc->field.name);
        if (c == NULL)
            continue;
        int rc = lab_ds_ext_typed(cr->ds, c, &dc->field, &ext[d]);
        if (rc != LAB_OK)
            return lab_preerr(rc, "field %s declared by %s:%u", dc->field.name,
                              dc->file, dc->line);
    }
    return LAB_OK;
}

/* Screens every supplier in scope against the entity lists, once. */
static int screen_all(checkrun *cr)
{
    const lab_table *t = &cr->ds->tables[LAB_RECORD_SUPPLIER];
    lab_buf key = LAB_BUF_INIT;
    size_t n = scope_count(cr);
    cr->hits = lab_calloc(n + 1, sizeof *cr->hits);
    if (cr->hits == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        lab_screen_supplier(&cr->e->ref, lab_table_row(t, scope_at(cr, k)),
                            &key, &cr->hits[k]);
    int oom = key.oom;
    lab_buf_free(&key);
    if (oom)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    /* then identifiers, subsidiaries, owners and addresses (owners.c) */
    cr->ties = lab_calloc(n + 1, sizeof *cr->ties);
    if (cr->ties == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    return lab_ties_derive(&cr->tiectx, cr->ties, &cr->e->ref, cr->ds,
                           cr->scope, cr->hits, &cr->rep->arena);
}
int lab_check_options_init(lab_check_options *opts, unsigned version)
{
    if (opts == NULL || version < 1 || version > LAB_CHECK_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_check_options version %u is not supported "
                          "(this library knows versions 1 to %d)",
                          version, LAB_CHECK_OPTIONS_VERSION);
    lab_check_options d = LAB_CHECK_OPTIONS_INIT;
    d.version = version;
    /* a version 1 struct ends before max_steps */
    memcpy(opts, &d,
           version == 1 ? offsetof(lab_check_options, max_steps) : sizeof d);
    return LAB_OK;
}

/* A product lot's chain may hold facilities with no link path to the
 * maker (a lot moved without a recorded shipment): a scope that holds the
 * maker holds them too, so that their findings are there to count. */
static int scope_add_lot_chains(lab_dataset *ds, lab_walk *scope)
{
    int rc = LAB_OK;
    size_t n0 = scope->n;
    lab_walk *w = &ds->walk[1];
    for (size_t k = 0; k < n0 && rc == LAB_OK; k++) {
        uint32_t maker = scope->list[k];
        for (uint32_t j = ds->product_off[maker];
             j < ds->product_off[maker + 1] && rc == LAB_OK; j++) {
            uint32_t row = ds->product_of[j];
            for (uint32_t i = ds->product_lot_off[row];
                 i < ds->product_lot_off[row + 1] && rc == LAB_OK; i++) {
                rc = lab_lot_walk(ds, row, ds->product_lot_of[i], w, NULL);
                for (size_t m = 0; rc == LAB_OK && m < w->n; m++)
                    lab_walk_reach(scope, w->list[m]);
            }
        }
    }
    return rc;
}

static int restrict_scope(checkrun *cr, const lab_check_options *o)
{
    const lab_dataset *ds = cr->ds;
    long root = -1;
    if (o->product != NULL) {
        long p = lab_ds_find(ds, LAB_RECORD_PRODUCT, o->product);
        if (p < 0)
            return lab_seterr(LAB_ENOTFOUND, "no product '%s' in the dataset",
                              o->product);
        const lab_product *pr =
            lab_table_row(&ds->tables[LAB_RECORD_PRODUCT], (size_t)p);
        root = lab_ds_find(ds, LAB_RECORD_SUPPLIER, pr->supplier_id);
    } else if (o->supplier != NULL) {
        root = lab_ds_find(ds, LAB_RECORD_SUPPLIER, o->supplier);
        if (root < 0)
            return lab_seterr(LAB_ENOTFOUND, "no supplier '%s' in the dataset",
                              o->supplier);
    } else {
        return LAB_OK;
    }
    int rc = lab_walk_upstream(&cr->ds->walk[0], ds, (uint32_t)root);
    if (rc == LAB_OK && lab_ds_has_lots(ds))
        rc = scope_add_lot_chains(cr->ds, &cr->ds->walk[0]);
    if (rc == LAB_OK)
        cr->scope = &cr->ds->walk[0];
    return rc;
}

static int run_check(lab_report **out, const lab_engine *e, lab_dataset *ds,
                     const lab_check_options *opts, lab_buf *dump);

int lab_check(lab_report **out, const lab_engine *e, lab_dataset *ds,
              const lab_check_options *opts)
{
    return run_check(out, e, ds, opts, NULL);
}

int lab_check_scopes(char **out, const lab_engine *e, lab_dataset *ds,
                     const lab_check_options *opts)
{
    lab_buf b = LAB_BUF_INIT;
    lab_report *rep = NULL;
    if (out == NULL)
        return lab_seterr(LAB_EINVAL, "lab_check_scopes: NULL argument");
    int rc = run_check(&rep, e, ds, opts, &b);
    lab_report_free(rep);
    if (rc != LAB_OK) {
        lab_buf_free(&b);
        return rc;
    }
    return lab_buf_detach(&b, out);
}

static int run_check(lab_report **out, const lab_engine *e, lab_dataset *ds,
                     const lab_check_options *opts, lab_buf *dump)
{
    lab_check_options defaults = LAB_CHECK_OPTIONS_INIT;
    const lab_check_options *o = opts ? opts : &defaults;
    if (out == NULL || e == NULL || ds == NULL)
        return lab_seterr(LAB_EINVAL, "lab_check: NULL argument");
    if (o->version < 1 || o->version > LAB_CHECK_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_check_options version %u is not supported",
                          o->version);
    checkrun cr;
    memset(&cr, 0, sizeof cr);
    cr.e = e;
    cr.ds = ds;
    cr.opts = o;
    cr.dump = dump;
    cr.total = ds->tables[LAB_RECORD_SUPPLIER].n +
               ds->tables[LAB_RECORD_AUDIT].n + ds->tables[LAB_RECORD_LINK].n +
               ds->tables[LAB_RECORD_PRODUCT].n +
               ds->tables[LAB_RECORD_NONCOMPLIANCE].n;
    cr.sc.as_of = lab_date_today();
    if (o->as_of != NULL &&
        !lab_date_parse(o->as_of, strlen(o->as_of), &cr.sc.as_of))
        return lab_seterr(LAB_EINVAL, "as_of '%s': expected a date YYYY-MM-DD",
                          o->as_of);
    int rc = lab_ds_derive_chains(ds);
    if (rc == LAB_OK)
        rc = lab_ds_derive_history(ds, cr.sc.as_of);
    if (rc != LAB_OK)
        return rc;

    lab_report *rep = lab_calloc(1, sizeof *rep);
    if (rep == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rep->engine = e;
    rep->ds = ds;
    lab_arena_init(&rep->arena, 64 * 1024);
    lab_date_format(rep->as_of, cr.sc.as_of);
    rep->as_of_days = cr.sc.as_of;
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        rep->counts[k] = ds->tables[k].n;
    cr.rep = rep;
    lab_arena_init(&cr.scratch, 16 * 1024);

    cr.sc.ref = &e->ref;
    cr.sc.ds = ds;
    cr.budget.total = o->version >= 2 && o->max_steps != 0
                          ? o->max_steps
                          : LAB_CHECK_MAX_STEPS_DEFAULT;
    cr.budget.left = cr.budget.total;
    cr.sc.budget = &cr.budget;
    rc = restrict_scope(&cr, o);
    if (rc == LAB_OK)
        rc = type_declared(&cr);
    if (rc == LAB_OK && e->uses_screening)
        rc = screen_all(&cr);
    if (rc == LAB_OK && o->evidence_dir != NULL)
        rc = check_evidence(&cr, o->evidence_dir);
    if (rc == LAB_OK)
        rc = check_suppliers(&cr);
    if (rc == LAB_OK)
        rc = check_audits(&cr);
    if (rc == LAB_OK)
        rc = check_noncompliances(&cr);
    if (rc == LAB_OK)
        rc = check_links(&cr);
    if (rc == LAB_OK)
        rc = check_products(&cr, o->product);
    if (rc == LAB_OK && dump == NULL)
        rc = find_unknowns(&cr);
    if (rc == LAB_OK && o->waivers != NULL)
        rc = lab_waivers_apply(rep, o->waivers);
    if (rc == LAB_OK)
        rc = compute_verdicts(&cr);
    if (rc == LAB_OK)
        rc = count_affected(&cr);
    lab_arena_free(&cr.scratch);
    free((void *)cr.ext);
    free(cr.hits);
    free(cr.ties);
    lab_ties_free(cr.tiectx);
    free(cr.evidence);
    if (rc == LAB_OK && o->progress != NULL)
        o->progress(o->progress_ud, cr.total, cr.total);
    if (rc != LAB_OK) {
        lab_report_free(rep);
        return rc;
    }
    lab_report_sort(rep);
    *out = rep;
    return LAB_OK;
}

/* ---- the rules' own tests ---- */

/* Writes each sub-expression of n with its value in the scope, indented
 * by depth: why a case fired or did not.  The bodies of map, filter,
 * reduce, all, some and none are evaluated per element and not listed. */
static void explain_node(lab_buf *b, const lab_node *n, const lab_eval_ctx *cx,
                         int depth)
{
    if (n->op == LAB_OP_LIT || depth > 16)
        return;
    lab_buf text = LAB_BUF_INIT;
    lab_cond_write(&text, n);
    lab_val v;
    int rc = lab_eval(&v, n, cx);
    lab_buf_printf(b, "       %*s", depth * 2, "");
    if (text.len > 100)
        lab_buf_printf(b, "%.97s...", text.data);
    else
        lab_buf_adds(b, text.data ? text.data : "");
    lab_buf_adds(b, "  =  ");
    if (rc == LAB_OK)
        lab_val_to_json(b, &v);
    else
        lab_buf_printf(b, "(error: %s)", lab_errmsg());
    lab_buf_addc(b, '\n');
    lab_buf_free(&text);
    if (n->op == LAB_OP_MAP || n->op == LAB_OP_FILTER ||
        n->op == LAB_OP_REDUCE || n->op == LAB_OP_ALL || n->op == LAB_OP_SOME ||
        n->op == LAB_OP_NONE)
        return;
    for (uint32_t i = 0; i < n->nargs; i++)
        explain_node(b, n->args[i], cx, depth + 1);
}

/* The scope rule r sees in its test case tc. */
static void testcase_scope(lab_scope *sc, const lab_engine *e,
                           const lab_rule *r, const lab_testcase *tc)
{
    memset(sc, 0, sizeof *sc);
    memcpy(sc->rec, tc->rec, sizeof sc->rec);
    sc->latest_audit = tc->rec[LAB_SLOT_AUDIT];
    sc->audit_count = sc->latest_audit ? 1 : 0;
    sc->unannounced_count =
        sc->latest_audit && lab_audit_is_unannounced(sc->latest_audit);
    /* a test case's audit is the facility's whole history, and its
     * previous audit the full audit before it */
    sc->full_audit = sc->latest_audit && lab_audit_is_full(sc->latest_audit)
                         ? sc->latest_audit
                         : NULL;
    sc->full_count =
        (sc->full_audit != NULL) + (tc->rec[LAB_SLOT_PREVIOUS] != NULL);
    sc->full_unannounced =
        (sc->full_audit && lab_audit_is_unannounced(sc->full_audit)) +
        (tc->rec[LAB_SLOT_PREVIOUS] &&
         lab_audit_is_unannounced(tc->rec[LAB_SLOT_PREVIOUS]));
    /* as in a check, a supplier rule sees the newest full audit */
    if (r->subject == LAB_SUBJECT_SUPPLIER)
        sc->rec[LAB_SLOT_AUDIT] = sc->full_audit;
    sc->as_of = tc->as_of;
    sc->overrides = tc->overrides;
    sc->noverrides = tc->noverrides;
    sc->ref = &e->ref;
    sc->listed_upstream = -1;
    sc->listed_ties = -1;
}

/* A rule's test cases in the official JsonLogic test suite's form: a
 * string naming each case, then [logic, data, expected], where logic is
 * {"!!": [condition]} (a rule fires when its condition is truthy), data
 * the scope the case builds and expected whether it must fire. */
static void jsonlogic_tests(lab_buf *b, const lab_engine *e, const lab_rule *r)
{
    lab_buf_addc(b, '[');
    for (size_t t = 0; t < r->ntests; t++) {
        const lab_testcase *tc = &r->tests[t];
        lab_scope sc;
        testcase_scope(&sc, e, r, tc);
        lab_buf name = LAB_BUF_INIT;
        lab_buf_printf(&name, "%s, case at line %u: %s%s%s", r->id, tc->line,
                       tc->expect_fire ? "must fire" : "must not fire",
                       tc->name ? ": " : "", tc->name ? tc->name : "");
        lab_buf_adds(b, t ? "," : "");
        lab_buf_add_json_string(b, name.data ? name.data : "", name.len);
        b->oom |= name.oom;
        lab_buf_free(&name);
        lab_buf_adds(b, ",[{\"!!\":[");
        lab_jl_write(b, r->cond);
        lab_buf_adds(b, "]},");
        scope_json(b, e, &sc, r->subject);
        lab_buf_adds(b, tc->expect_fire ? ",true]" : ",false]");
    }
    lab_buf_addc(b, ']');
}

int lab_engine_test(char **out, size_t *failed, const lab_engine *e)
{
    return lab_engine_test_explain(out, failed, e, 0);
}

int lab_engine_test_explain(char **out, size_t *failed, const lab_engine *e,
                            int explain)
{
    lab_buf b = LAB_BUF_INIT;
    lab_arena scratch;
    size_t nfail = 0, ncases = 0;

    if (out == NULL || failed == NULL || e == NULL)
        return lab_seterr(LAB_EINVAL, "lab_engine_test: NULL argument");
    lab_arena_init(&scratch, 16 * 1024);
    for (size_t i = 0; i < e->nrules; i++) {
        const lab_rule *r = &e->rules[i];
        int nfire = 0, npass = 0;
        for (size_t t = 0; t < r->ntests; t++) {
            const lab_testcase *tc = &r->tests[t];
            lab_scope sc;
            testcase_scope(&sc, e, r, tc);
            lab_arena_reset(&scratch);
            int fired = lab_rule_eval(r, &sc, &scratch);
            ncases++;
            nfire += tc->expect_fire;
            npass += !tc->expect_fire;
            int ok = fired >= 0 && fired == tc->expect_fire;
            nfail += !ok;
            lab_buf_printf(&b, "%s %s %s:%u %s%s%s\n", ok ? "ok  " : "FAIL",
                           r->id, r->file, tc->line,
                           tc->expect_fire ? "must fire" : "must not fire",
                           tc->name ? ": " : "", tc->name ? tc->name : "");
            if (fired < 0)
                lab_buf_printf(&b, "     error: %s\n", lab_errmsg());
            if (!ok && explain) {
                lab_val data = lab_val_null();
                lab_eval_ctx cx = {&data, &sc, lab_scope_fetch, &scratch, NULL};
                lab_buf_printf(&b, "     why (each part of the condition "
                                   "and its value in this case):\n");
                explain_node(&b, r->cond, &cx, 0);
            }
        }
        if (nfire == 0 || npass == 0) {
            nfail++;
            lab_buf_printf(&b, "FAIL %s %s:%u lacks a test that %s\n", r->id,
                           r->file, r->line,
                           nfire == 0 ? "must fire" : "must not fire");
        }
    }
    lab_buf_printf(&b, "%zu rules, %zu cases, %zu failed\n", e->nrules, ncases,
                   nfail);
    lab_arena_free(&scratch);
    int rc = lab_buf_detach(&b, out);
    if (rc == LAB_OK)
        *failed = nfail;
    return rc;
}

/* ---- lint ---- */

/* Does rule r, on test case tc, still fire with `ref` unknown? */
static int fires_with_null(const lab_engine *e, const lab_rule *r,
                           const lab_testcase *tc, const lab_fieldref *ref,
                           lab_arena *scratch)
{
    lab_override ov[17];
    size_t n = tc->noverrides < 16 ? tc->noverrides : 16;
    memcpy(ov, tc->overrides, n * sizeof *ov);
    ov[n].ref = ref;
    ov[n].v = lab_val_null();
    lab_scope sc;
    memset(&sc, 0, sizeof sc);
    memcpy(sc.rec, tc->rec, sizeof sc.rec);
    sc.latest_audit = sc.full_audit = tc->rec[LAB_SLOT_AUDIT];
    sc.as_of = tc->as_of;
    sc.overrides = ov;
    sc.noverrides = n + 1;
    sc.ref = &e->ref;
    sc.listed_upstream = -1;
    sc.listed_ties = -1;
    lab_arena_reset(scratch);
    return lab_rule_eval(r, &sc, scratch);
}

int lab_engine_lint(char **out, size_t *warnings, const lab_engine *e)
{
    lab_buf b = LAB_BUF_INIT;
    lab_arena scratch;
    size_t nw = 0;
    if (out == NULL || warnings == NULL || e == NULL)
        return lab_seterr(LAB_EINVAL, "lab_engine_lint: NULL argument");
    lab_arena_init(&scratch, 16 * 1024);
    for (size_t i = 0; i < e->nrules; i++) {
        const lab_rule *r = &e->rules[i];
        for (size_t q = 0; q < e->nrequires; q++) {
            const lab_require *req = &e->requires[q];
            size_t k = 0;
            while (k < r->nrefs && r->refs[k] != req->ref)
                k++;
            if (k == r->nrefs)
                continue;
            /* a "must fire" case that no longer fires: null passes */
            for (size_t t = 0; t < r->ntests; t++) {
                const lab_testcase *tc = &r->tests[t];
                if (!tc->expect_fire ||
                    fires_with_null(e, r, tc, req->ref, &scratch) != 0)
                    continue;
                lab_buf_printf(&b,
                               "warning: %s:%u: rule %s does not fire when "
                               "%s is unknown (test at line %u): a purchase "
                               "check passes on the unknown; only `certify` "
                               "refuses it, as %s requires the fact (%s:%u). "
                               "Write '%s == null or ...' if unknown should "
                               "fire.\n",
                               r->file, r->line, r->id, req->ref->path,
                               tc->line, req->pack->id, req->file, req->line,
                               req->ref->path);
                nw++;
                break;
            }
        }
    }
    lab_arena_free(&scratch);
    int rc = lab_buf_detach(&b, out);
    if (rc == LAB_OK)
        *warnings = nw;
    return rc;
}

/* ---- description ---- */

static void json_kv(lab_buf *b, const char *k, const char *v, int comma)
{
    if (comma)
        lab_buf_addc(b, ',');
    lab_buf_add_json_string(b, k, strlen(k));
    lab_buf_addc(b, ':');
    if (v == NULL)
        lab_buf_adds(b, "null");
    else
        lab_buf_add_json_string(b, v, strlen(v));
}

int lab_engine_describe(char **out, const lab_engine *e, int jsonlogic)
{
    lab_buf b = LAB_BUF_INIT;
    if (out == NULL || e == NULL)
        return lab_seterr(LAB_EINVAL, "lab_engine_describe: NULL argument");
    lab_buf_adds(&b, "{\"format\":\"labaudit.packs/1\",\"packs\":[");
    for (size_t p = 0; p < e->npacks; p++) {
        const lab_pack *pk = e->packs[p];
        lab_buf_adds(&b, p ? ",{" : "{");
        json_kv(&b, "id", pk->id, 0);
        json_kv(&b, "version", pk->version, 1);
        json_kv(&b, "title", pk->title, 1);
        json_kv(&b, "publisher", pk->publisher, 1);
        json_kv(&b, "source", pk->source, 1);
        if (!jsonlogic) /* a shared export names no local path */
            json_kv(&b, "path", pk->path, 1);
        json_kv(&b, "sha256", pk->sha256, 1);
        lab_buf_adds(&b, ",\"rules\":[");
        for (size_t i = 0; i < pk->nrules; i++) {
            const lab_rule *r = &e->rules[pk->first_rule + i];
            lab_buf_adds(&b, i ? ",{" : "{");
            json_kv(&b, "id", r->id, 0);
            json_kv(&b, "title", r->title, 1);
            json_kv(&b, "severity", lab_severity_name((int)r->severity), 1);
            json_kv(&b, "subject", lab_subject_names[r->subject], 1);
            json_kv(&b, "area", r->area, 1);
            lab_buf_adds(&b, ",\"condition\":");
            if (jsonlogic) {
                lab_jl_write(&b, r->cond);
            } else {
                lab_buf cb = LAB_BUF_INIT;
                lab_cond_write(&cb, r->cond);
                lab_buf_add_json_string(&b, cb.data ? cb.data : "", cb.len);
                b.oom |= cb.oom;
                lab_buf_free(&cb);
            }
            lab_buf_adds(&b, ",\"basis\":[");
            for (size_t k = 0; k < r->nbasis; k++) {
                lab_buf_adds(&b, k ? ",{" : "{");
                json_kv(&b, "cite", r->basis[k].cite, 0);
                json_kv(&b, "text", r->basis[k].text, 1);
                json_kv(&b, "url", r->basis[k].url, 1);
                lab_buf_addc(&b, '}');
            }
            lab_buf_addc(&b, ']');
            json_kv(&b, "remediation", r->remediation, 1);
            lab_buf_printf(&b, ",\"tests\":%zu", r->ntests);
            if (jsonlogic) {
                lab_buf_adds(&b, ",\"jsonlogic_tests\":");
                jsonlogic_tests(&b, e, r);
            }
            lab_buf_addc(&b, '}');
        }
        lab_buf_adds(&b, "]}");
    }
    lab_buf_adds(&b, "]}");
    return lab_buf_detach(&b, out);
}

/* ---- schema description ---- */

/* One field as JSON; `d` when a pack declared it. */
static void field_json(lab_buf *b, const lab_field *f, const lab_decl *d,
                       int comma)
{
    static const char *const types[] = {"string", "number", "number", "boolean",
                                        "list"};
    static const char *const checks[] = {
        NULL,       "id",      "date",        "country",     "subdivision",
        "os_id",    "hs_code", "lei",         "gln",         "sha256",
        "currency", "enum",    "nonnegative", "identifiers", "percent"};
    _Static_assert(sizeof checks / sizeof *checks == LAB_CK_PERCENT + 1,
                   "a name per field check");
    lab_buf_adds(b, comma ? ",{" : "{");
    json_kv(b, "name", f->name, 0);
    json_kv(b, "type", types[f->type], 1);
    json_kv(b, "check", checks[f->check], 1);
    lab_buf_printf(b, ",\"required\":%s,\"derived\":%s",
                   (f->flags & LAB_F_REQUIRED) ? "true" : "false",
                   (f->flags & LAB_F_DERIVED) ? "true" : "false");
    if (f->enum_values != NULL) {
        lab_buf_adds(b, ",\"values\":[");
        for (size_t v = 0; f->enum_values[v] != NULL; v++) {
            if (v > 0)
                lab_buf_addc(b, ',');
            lab_buf_add_json_string(b, f->enum_values[v],
                                    strlen(f->enum_values[v]));
        }
        lab_buf_addc(b, ']');
    }
    json_kv(b, "description", f->doc, 1);
    if (d != NULL) {
        json_kv(b, "unit", d->unit, 1);
        json_kv(b, "declared_by", d->pack->id, 1);
    }
    lab_buf_addc(b, '}');
}

/* One field of the table: its name, type and what is checked, then its
 * description on a line of its own.  Text a pack wrote (a declared
 * field's values, unit and description) is escaped for the terminal. */
static void field_text(lab_buf *b, const lab_field *f, const lab_decl *d)
{
    static const char *const types[] = {"string", "integer", "number",
                                        "boolean", "list"};
    lab_buf what = LAB_BUF_INIT;
    if (f->flags & LAB_F_REQUIRED)
        lab_buf_adds(&what, "required; ");
    if (f->enum_values != NULL) {
        lab_buf_adds(&what, "one of ");
        for (size_t v = 0; f->enum_values[v] != NULL; v++)
            lab_buf_printf(&what, "%s%s", v ? ", " : "", f->enum_values[v]);
        lab_buf_adds(&what, "; ");
    }
    if (d != NULL && d->unit != NULL)
        lab_buf_printf(&what, "in %s; ", d->unit);
    if (d != NULL)
        lab_buf_printf(&what, "declared by %s; ", d->pack->id);
    if (what.len > 2) {
        lab_buf_printf(b, "  %-34s %-8s ", f->name, types[f->type]);
        lab_buf_add_terminal(b, what.data, what.len - 2);
    } else {
        lab_buf_printf(b, "  %-34s %s", f->name, types[f->type]);
    }
    lab_buf_printf(b, "\n  %-34s ", "");
    if (f->doc != NULL)
        lab_buf_add_terminal(b, f->doc, strlen(f->doc));
    lab_buf_addc(b, '\n');
    lab_buf_free(&what);
}

int lab_engine_fields(char **out, const lab_engine *e, lab_format format)
{
    if (out == NULL)
        return lab_seterr(LAB_EINVAL, "lab_engine_fields: NULL argument");
    if (format == LAB_FORMAT_JSON)
        return lab_engine_schema(out, e);
    if (format != LAB_FORMAT_TEXT)
        return lab_seterr(LAB_EINVAL,
                          "lab_engine_fields: format %d, expected text or "
                          "JSON",
                          (int)format);
    lab_buf b = LAB_BUF_INIT;
    for (int k = 0; k < LAB_ENT_COUNT_; k++) {
        const lab_entity *ent = &lab_entities[k];
        lab_buf_printf(&b, "%s%s%s%s%s\n", k ? "\n" : "", ent->name,
                       ent->file ? " (" : " (derived by the engine",
                       ent->file ? ent->file : "", ")");
        for (size_t i = 0; i < ent->nfields; i++)
            field_text(&b, &ent->fields[i], NULL);
        for (size_t i = 0; e != NULL && i < e->ndecls; i++)
            if ((int)e->decls[i]->ent == k)
                field_text(&b, &e->decls[i]->field, e->decls[i]);
    }
    lab_buf_adds(&b, "\ncomputed (from the records and the check date)\n");
    for (size_t i = 0; i < LAB_ARRAY_LEN(virtuals); i++) {
        char name[96];
        snprintf(name, sizeof name, "%s.%s", slot_names[virtuals[i].slot].name,
                 virtuals[i].name);
        lab_buf_printf(&b, "  %-34s %s\n  %-34s %s\n", name,
                       virtuals[i].vtype == LAB_V_NUM    ? "number"
                       : virtuals[i].vtype == LAB_V_BOOL ? "boolean"
                                                         : "string",
                       "", virtuals[i].doc);
    }
    return lab_buf_detach(&b, out) == LAB_OK
               ? LAB_OK
               : lab_seterr(LAB_ENOMEM, "out of memory");
}

int lab_schema_describe(char **out)
{
    return lab_engine_schema(out, NULL);
}

int lab_engine_schema(char **out, const lab_engine *e)
{
    lab_buf b = LAB_BUF_INIT;
    if (out == NULL)
        return lab_seterr(LAB_EINVAL, "lab_schema_describe: NULL argument");
    pthread_once(&refs_once, refs_init);
    lab_buf_adds(&b, "{\"format\":\"labaudit.fields/1\"");
    for (int k = 0; k < LAB_ENT_COUNT_; k++) {
        const lab_entity *ent = &lab_entities[k];
        lab_buf_printf(&b, ",\"%s\":{\"file\":", ent->name);
        if (ent->file)
            lab_buf_printf(&b, "\"%s\"", ent->file);
        else
            lab_buf_adds(&b, "null");
        lab_buf_adds(&b, ",\"fields\":[");
        for (size_t i = 0; i < ent->nfields; i++)
            field_json(&b, &ent->fields[i], NULL, i > 0);
        for (size_t i = 0; e != NULL && i < e->ndecls; i++)
            if ((int)e->decls[i]->ent == k)
                field_json(&b, &e->decls[i]->field, e->decls[i],
                           ent->nfields > 0);
        lab_buf_adds(&b, "]}");
    }
    lab_buf_adds(&b, ",\"computed\":[");
    for (size_t i = 0; i < LAB_ARRAY_LEN(virtuals); i++) {
        lab_buf_adds(&b, i ? ",{" : "{");
        lab_buf_printf(&b, "\"name\":\"%s.%s\",\"type\":\"%s\"",
                       slot_names[virtuals[i].slot].name, virtuals[i].name,
                       virtuals[i].vtype == LAB_V_NUM    ? "number"
                       : virtuals[i].vtype == LAB_V_BOOL ? "boolean"
                                                         : "string");
        json_kv(&b, "description", virtuals[i].doc, 1);
        lab_buf_addc(&b, '}');
    }
    lab_buf_adds(&b, "],\"visible\":{");
    for (int s = 0; s < LAB_SUBJECT_COUNT_; s++) {
        lab_buf_printf(&b, "%s\"%s\":[", s ? "," : "", lab_subject_names[s]);
        int first = 1;
        for (int k = 0; k < LAB_SLOT_COUNT_; k++)
            if (visible[s][k]) {
                lab_buf_printf(&b, "%s\"%s\"", first ? "" : ",",
                               slot_names[k].name);
                first = 0;
            }
        lab_buf_addc(&b, ']');
    }
    lab_buf_adds(&b, "}}\n");
    return lab_buf_detach(&b, out);
}
