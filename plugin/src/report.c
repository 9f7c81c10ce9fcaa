/*
 * report.c - findings and what is made of them: recording a finding (its
 * message filled in from the template, its evidence copied), the final
 * deterministic order, the accessors of the public API, and rendering as
 * text for people or JSON for machines.  A report borrows rule texts from
 * the engine that made it.
 */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *arena_copy(lab_arena *a, const lab_buf *b)
{
    return lab_arena_strndup(a, b->data ? b->data : "", b->len);
}

/* Appends a value as message text: strings bare, others as JSON. */
static void add_value_text(lab_buf *b, const lab_val *v)
{
    if (v->t == LAB_V_STR) {
        lab_buf_add(b, v->u.s, v->n);
    } else if (v->t == LAB_V_ARR) {
        for (uint32_t i = 0; i < v->n; i++) {
            if (i > 0)
                lab_buf_adds(b, ", ");
            add_value_text(b, &v->u.a[i]);
        }
    } else if (v->t == LAB_V_NULL) {
        lab_buf_adds(b, "(none)");
    } else {
        lab_val_to_string(b, v);
    }
}

int lab_report_add(lab_report *rep, const lab_rule *r, const lab_scope *sc,
                   lab_subject subject, const char *subject_id,
                   uint32_t supplier, const lab_standing *st)
{
    lab_finding **arr = st->history ? &rep->history : &rep->findings;
    size_t *n = st->history ? &rep->nhistory : &rep->n;
    size_t *cap = st->history ? &rep->caphistory : &rep->cap;
    if (lab_grow((void **)arr, cap, *n + 1, sizeof **arr) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    lab_finding *f = &(*arr)[*n];
    memset(f, 0, sizeof *f);
    f->rule = r;
    f->severity = (uint8_t)st->severity;
    f->awaiting = (uint8_t)st->awaiting;
    f->note = st->note;
    f->subject = subject;
    f->subject_id = subject_id;
    f->supplier = supplier;
    /* a chain finding belongs to the product whose verdict comes next */
    f->product = (uint32_t)rep->nproducts;
    f->link = subject == LAB_SUBJECT_LINK ? sc->link_index : LAB_NONE;
    const lab_chain *chain = sc->rec[LAB_SLOT_CHAIN];
    f->lot = subject == LAB_SUBJECT_CHAIN && chain ? chain->lot : NULL;

    lab_buf b = LAB_BUF_INIT;
    for (size_t i = 0; i < r->nmsg; i++) {
        lab_buf_add(&b, r->msg[i].text, r->msg[i].len);
        if (r->msg[i].ref != NULL) {
            lab_val v;
            lab_scope_fetch(sc, r->msg[i].ref, &v);
            add_value_text(&b, &v);
        }
    }
    f->message = arena_copy(&rep->arena, &b);
    f->nev = r->nrefs;
    f->ev_names = lab_arena_alloc(&rep->arena, (r->nrefs + 1) * sizeof(char *));
    f->ev_values =
        lab_arena_alloc(&rep->arena, (r->nrefs + 1) * sizeof(char *));
    int oom = f->message == NULL || f->ev_names == NULL || f->ev_values == NULL;
    for (size_t i = 0; !oom && i < r->nrefs; i++) {
        lab_val v;
        lab_scope_fetch(sc, r->refs[i], &v);
        b.len = 0;
        lab_val_to_json(&b, &v);
        f->ev_names[i] = r->refs[i]->path;
        f->ev_values[i] = arena_copy(&rep->arena, &b);
        oom |= f->ev_values[i] == NULL;
    }
    oom |= b.oom;
    lab_buf_free(&b);
    if (oom)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    (*n)++;
    return LAB_OK;
}

static int cmp_finding(const void *pa, const void *pb)
{
    const lab_finding *a = pa, *b = pb;
    if (a->subject != b->subject)
        return (int)a->subject - (int)b->subject;
    int c = strcmp(a->subject_id, b->subject_id);
    if (c != 0)
        return c;
    /* rules are in load order in one array */
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    /* links may share an id: their messages tell them apart */
    return strcmp(a->message, b->message);
}

typedef struct product_key {
    int worst;
    size_t nfindings, index;
} product_key;

static int cmp_product(const void *pa, const void *pb)
{
    const product_key *a = pa, *b = pb;
    if (a->worst != b->worst)
        return b->worst - a->worst;
    if (a->nfindings != b->nfindings)
        return a->nfindings < b->nfindings ? 1 : -1;
    return a->index < b->index ? -1 : a->index > b->index;
}

size_t *lab_report_products_worst_first(const lab_report *rep)
{
    if (rep == NULL || rep->nproducts == 0)
        return NULL;
    product_key *k = lab_calloc(rep->nproducts, sizeof *k);
    size_t *order = lab_calloc(rep->nproducts, sizeof *order);
    if (k == NULL || order == NULL) {
        free(k);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < rep->nproducts; i++)
        k[i] = (product_key){rep->products[i].worst, rep->products[i].nfindings,
                             i};
    qsort(k, rep->nproducts, sizeof *k, cmp_product);
    for (size_t i = 0; i < rep->nproducts; i++)
        order[i] = k[i].index;
    free(k);
    return order;
}

void lab_report_sort(lab_report *rep)
{
    if (rep->n > 1)
        qsort(rep->findings, rep->n, sizeof *rep->findings, cmp_finding);
    if (rep->nhistory > 1)
        qsort(rep->history, rep->nhistory, sizeof *rep->history, cmp_finding);
}

int lab_report_warn(lab_report *rep, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lab_grow((void **)&rep->warnings, &rep->capwarnings, rep->nwarnings + 1,
                 sizeof *rep->warnings) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    char **w = rep->warnings;
    w[rep->nwarnings] = lab_arena_strndup(&rep->arena, msg, strlen(msg));
    if (w[rep->nwarnings] == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rep->nwarnings++;
    return LAB_OK;
}

size_t lab_report_warning_count(const lab_report *rep)
{
    return rep ? rep->nwarnings : 0;
}

const char *lab_report_warning(const lab_report *rep, size_t i)
{
    return rep && i < rep->nwarnings ? rep->warnings[i] : NULL;
}

int lab_finding_waiver(const lab_finding *f, const char **approver,
                       const char **justification, const char **expires)
{
    if (f == NULL || f->waiver == NULL)
        return 0;
    if (approver)
        *approver = f->waiver->approver;
    if (justification)
        *justification = f->waiver->justification;
    if (expires)
        *expires = f->waiver->expires;
    return 1;
}

void lab_report_free(lab_report *rep)
{
    if (rep == NULL)
        return;
    free(rep->waivers);
    free(rep->warnings);
    free(rep->findings);
    free(rep->history);
    free(rep->unknowns);
    lab_arena_free(&rep->arena);
    free(rep);
}

/* ---- accessors ---- */

size_t lab_report_finding_count(const lab_report *rep)
{
    return rep ? rep->n : 0;
}

const lab_finding *lab_report_finding(const lab_report *rep, size_t i)
{
    return rep && i < rep->n ? &rep->findings[i] : NULL;
}

int lab_report_worst(const lab_report *rep)
{
    int worst = -1;
    for (size_t i = 0; rep && i < rep->n; i++)
        if (rep->findings[i].waiver == NULL &&
            (int)rep->findings[i].severity > worst)
            worst = (int)rep->findings[i].severity;
    return worst;
}

size_t lab_report_count_at_least(const lab_report *rep, lab_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; rep && i < rep->n; i++)
        n +=
            rep->findings[i].waiver == NULL && rep->findings[i].severity >= sev;
    return n;
}

size_t lab_report_history_count(const lab_report *rep)
{
    return rep ? rep->nhistory : 0;
}

const lab_finding *lab_report_history(const lab_report *rep, size_t i)
{
    return rep && i < rep->nhistory ? &rep->history[i] : NULL;
}

const char *lab_finding_history(const lab_finding *f)
{
    return f ? f->note : NULL;
}

size_t lab_report_unknown_count(const lab_report *rep)
{
    return rep ? rep->nunknowns : 0;
}

int lab_report_unknown(const lab_report *rep, size_t i,
                       const char **supplier_id, const char **field,
                       const char **pack_id)
{
    if (rep == NULL || i >= rep->nunknowns)
        return lab_seterr(LAB_ENOTFOUND, "no unknown %zu in the report", i);
    const lab_unknown *u = &rep->unknowns[i];
    const lab_supplier *s =
        lab_table_row(&rep->ds->tables[LAB_RECORD_SUPPLIER], u->supplier);
    if (supplier_id)
        *supplier_id = s->id;
    if (field)
        *field = u->req->ref->path;
    if (pack_id)
        *pack_id = u->req->pack->id;
    return LAB_OK;
}

size_t lab_report_product_unknowns(const lab_report *rep, size_t i)
{
    return rep && i < rep->nproducts ? rep->products[i].nunknowns : 0;
}

size_t lab_report_product_count(const lab_report *rep)
{
    return rep ? rep->nproducts : 0;
}

int lab_report_product(const lab_report *rep, size_t i, const char **id,
                       int *worst)
{
    if (rep == NULL || i >= rep->nproducts)
        return lab_seterr(LAB_ENOTFOUND, "no product %zu in the report", i);
    if (id)
        *id = rep->products[i].id;
    if (worst)
        *worst = rep->products[i].worst;
    return LAB_OK;
}

int lab_report_product_lot(const lab_report *rep, size_t i, const char **lot,
                           const char **custody)
{
    if (rep == NULL || i >= rep->nproducts)
        return lab_seterr(LAB_ENOTFOUND, "no product %zu in the report", i);
    const lab_product_verdict *p = &rep->products[i];
    if (lot)
        *lot = p->lot_id;
    if (custody)
        *custody = p->chain ? p->chain->custody : NULL;
    return LAB_OK;
}

const char *lab_finding_rule_id(const lab_finding *f)
{
    return f ? f->rule->id : NULL;
}
const char *lab_finding_pack_id(const lab_finding *f)
{
    return f ? f->rule->pack->id : NULL;
}
lab_subject lab_finding_subject(const lab_finding *f)
{
    return f ? f->subject : LAB_SUBJECT_SUPPLIER;
}
const char *lab_finding_subject_id(const lab_finding *f)
{
    return f ? f->subject_id : NULL;
}
lab_severity lab_finding_severity(const lab_finding *f)
{
    return f ? (lab_severity)f->severity : LAB_SEV_INFO;
}
const char *lab_finding_title(const lab_finding *f)
{
    return f ? f->rule->title : NULL;
}
const char *lab_finding_message(const lab_finding *f)
{
    return f ? f->message : NULL;
}
const char *lab_finding_basis(const lab_finding *f)
{
    return f && f->rule->nbasis ? f->rule->basis[0].cite : NULL;
}
const char *lab_finding_remediation(const lab_finding *f)
{
    return f ? f->rule->remediation : NULL;
}
size_t lab_finding_evidence_count(const lab_finding *f)
{
    return f ? f->nev : 0;
}
int lab_finding_evidence(const lab_finding *f, size_t i, const char **field,
                         const char **value_json)
{
    if (f == NULL || i >= f->nev)
        return lab_seterr(LAB_ENOTFOUND, "no evidence item %zu", i);
    if (field)
        *field = f->ev_names[i];
    if (value_json)
        *value_json = f->ev_values[i];
    return LAB_OK;
}

/* ---- rendering ---- */

#define subject_names lab_subject_names

static void jstr(lab_buf *b, const char *s)
{
    if (s == NULL)
        lab_buf_adds(b, "null");
    else
        lab_buf_add_json_string(b, s, strlen(s));
}

static void jkey(lab_buf *b, const char *k, int comma)
{
    if (comma)
        lab_buf_addc(b, ',');
    jstr(b, k);
    lab_buf_addc(b, ':');
}

/* A required fact unknown at a facility, as JSON. */
static void json_unknown(lab_buf *b, const lab_report *rep,
                         const lab_unknown *u, int comma)
{
    const lab_supplier *s =
        lab_table_row(&rep->ds->tables[LAB_RECORD_SUPPLIER], u->supplier);
    lab_buf_adds(b, comma ? ",{" : "{");
    jkey(b, "supplier", 0);
    jstr(b, s->id);
    jkey(b, "field", 1);
    jstr(b, u->req->ref->path);
    jkey(b, "pack", 1);
    jstr(b, u->req->pack->id);
    lab_buf_addc(b, '}');
}

static void json_finding(lab_buf *b, const lab_finding *f, int comma)
{
    const lab_rule *r = f->rule;
    lab_buf_adds(b, comma ? ",{" : "{");
    jkey(b, "rule", 0);
    jstr(b, r->id);
    jkey(b, "pack", 1);
    jstr(b, r->pack->id);
    jkey(b, "severity", 1);
    jstr(b, lab_severity_name((int)f->severity));
    if (f->severity != r->severity) {
        jkey(b, "rule_severity", 1);
        jstr(b, lab_severity_name((int)r->severity));
    }
    jkey(b, "subject", 1);
    jstr(b, subject_names[f->subject]);
    jkey(b, "subject_id", 1);
    jstr(b, f->subject_id);
    if (f->lot != NULL) {
        jkey(b, "lot", 1);
        jstr(b, f->lot);
    }
    jkey(b, "area", 1);
    jstr(b, r->area);
    jkey(b, "title", 1);
    jstr(b, r->title);
    jkey(b, "message", 1);
    jstr(b, f->message);
    if (f->note != NULL) {
        jkey(b, "history", 1);
        jstr(b, f->note);
    }
    lab_buf_adds(b, ",\"evidence\":{");
    for (size_t k = 0; k < f->nev; k++) {
        jkey(b, f->ev_names[k], k > 0);
        lab_buf_adds(b, f->ev_values[k]);
    }
    lab_buf_adds(b, "},\"basis\":[");
    for (size_t k = 0; k < r->nbasis; k++) {
        lab_buf_adds(b, k ? ",{" : "{");
        jkey(b, "cite", 0);
        jstr(b, r->basis[k].cite);
        jkey(b, "text", 1);
        jstr(b, r->basis[k].text);
        if (r->basis[k].url) {
            jkey(b, "url", 1);
            jstr(b, r->basis[k].url);
        }
        lab_buf_addc(b, '}');
    }
    lab_buf_addc(b, ']');
    jkey(b, "remediation", 1);
    jstr(b, r->remediation);
    if (f->waiver != NULL) {
        lab_buf_adds(b, ",\"waiver\":{");
        jkey(b, "approver", 0);
        jstr(b, f->waiver->approver);
        jkey(b, "justification", 1);
        jstr(b, f->waiver->justification);
        jkey(b, "expires", 1);
        jstr(b, f->waiver->expires);
        lab_buf_addc(b, '}');
    }
    lab_buf_addc(b, '}');
}

static void render_json(lab_buf *b, const lab_report *rep)
{
    const lab_engine *e = rep->engine;
    size_t by_sev[4] = {0}, waived = 0;
    for (size_t i = 0; i < rep->n; i++) {
        if (rep->findings[i].waiver != NULL)
            waived++;
        else
            by_sev[rep->findings[i].severity & 3]++;
    }

    lab_buf_adds(b, "{");
    jkey(b, "format", 0);
    jstr(b, "labaudit.report/1");
    jkey(b, "labaudit", 1);
    jstr(b, lab_version());
    jkey(b, "as_of", 1);
    jstr(b, rep->as_of);
    jkey(b, "packs", 1);
    lab_buf_addc(b, '[');
    for (size_t p = 0; p < e->npacks; p++) {
        lab_buf_adds(b, p ? ",{" : "{");
        jkey(b, "id", 0);
        jstr(b, e->packs[p]->id);
        jkey(b, "version", 1);
        jstr(b, e->packs[p]->version);
        jkey(b, "sha256", 1);
        jstr(b, e->packs[p]->sha256);
        lab_buf_printf(b, ",\"rules\":%zu}", e->packs[p]->nrules);
    }
    lab_buf_adds(b, "],\"lists\":[");
    for (size_t i = 0; i < e->ref.nlists; i++) {
        const lab_reflist *l = &e->ref.lists[i];
        lab_buf_adds(b, i ? ",{" : "{");
        jkey(b, "id", 0);
        jstr(b, l->id);
        jkey(b, "kind", 1);
        jstr(b, l->kind);
        jkey(b, "version", 1);
        jstr(b, l->version);
        jkey(b, "sha256", 1);
        jstr(b, l->sha256);
        if (l->source != NULL) {
            jkey(b, "source", 1);
            jstr(b, l->source);
            jkey(b, "fetched_at", 1);
            jstr(b, l->fetched_at);
        }
        lab_buf_printf(b, ",\"entries\":%zu}", l->entries);
    }
    lab_buf_adds(b, "],\"records\":{");
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        lab_buf_printf(b, "%s\"%ss\":%zu", k ? "," : "", lab_entities[k].name,
                       rep->counts[k]);
    lab_buf_adds(b, "},\"summary\":{");
    lab_buf_printf(b, "\"findings\":%zu", rep->n);
    for (int s = 3; s >= 0; s--)
        lab_buf_printf(b, ",\"%s\":%zu", lab_severity_name(s), by_sev[s]);
    lab_buf_printf(b, ",\"waived\":%zu", waived);
    jkey(b, "worst", 1);
    jstr(b, lab_severity_name(lab_report_worst(rep)));
    lab_buf_printf(b, ",\"affected\":{\"audits\":%zu", rep->affected.audits);
    static const char *const akeys[4] = {"workers", "women", "men", "under_18"};
    const int64_t avals[4] = {rep->affected.workers, rep->affected.women,
                              rep->affected.men, rep->affected.under_18};
    for (int k = 0; k < 4; k++)
        lab_buf_printf(b, ",\"%s\":%lld%s", akeys[k], (long long)avals[k], "");
    lab_buf_adds(b, "}},\"warnings\":[");
    for (size_t i = 0; i < rep->nwarnings; i++) {
        if (i > 0)
            lab_buf_addc(b, ',');
        jstr(b, rep->warnings[i]);
    }
    lab_buf_adds(b, "],\"products\":[");
    for (size_t i = 0; i < rep->nproducts; i++) {
        const lab_product_verdict *p = &rep->products[i];
        lab_buf_adds(b, i ? ",{" : "{");
        jkey(b, "id", 0);
        jstr(b, p->id);
        jkey(b, "name", 1);
        jstr(b, p->name);
        jkey(b, "lot", 1);
        jstr(b, p->lot_id);
        jkey(b, "chain_of", 1);
        jstr(b, p->lot != LAB_NONE ? "lots" : "suppliers");
        jkey(b, "custody", 1);
        jstr(b, p->chain ? p->chain->custody : NULL);
        jkey(b, "worst", 1);
        jstr(b, lab_severity_name(p->worst));
        lab_buf_printf(b,
                       ",\"findings\":%zu,\"waived\":%zu,\"unknowns\":%zu,"
                       "\"blocked\":%s}",
                       p->nfindings, p->nwaived, p->nunknowns,
                       p->worst >= LAB_SEV_BLOCKER ? "true" : "false");
    }
    lab_buf_adds(b, "],\"unknowns\":[");
    for (size_t i = 0; i < rep->nunknowns; i++)
        json_unknown(b, rep, &rep->unknowns[i], i > 0);
    lab_buf_adds(b, "],\"findings\":[");
    for (size_t i = 0; i < rep->n; i++)
        json_finding(b, &rep->findings[i], i > 0);
    lab_buf_adds(b, "],\"history\":[");
    for (size_t i = 0; i < rep->nhistory; i++)
        json_finding(b, &rep->history[i], i > 0);
    lab_buf_adds(b, "]}\n");
}

static void upper(lab_buf *b, const char *s, int width)
{
    int n = 0;
    for (; *s; s++, n++)
        lab_buf_addc(b, (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s);
    for (; n < width; n++)
        lab_buf_addc(b, ' ');
}

static void text_finding(lab_buf *b, const lab_finding *f)
{
    const lab_rule *r = f->rule;
    lab_buf_adds(b, "  ");
    upper(b, lab_severity_name((int)f->severity), 8);
    if (f->waiver != NULL)
        lab_buf_adds(b, "(WAIVED) ");
    lab_buf_printf(b, "%s  %s %s: %s\n", r->id, subject_names[f->subject],
                   f->subject_id, r->title);
    lab_buf_printf(b, "           %s\n", f->message);
    if (f->note != NULL)
        lab_buf_printf(b, "           history: %s\n", f->note);
    if (f->nev > 0) {
        lab_buf_adds(b, "           evidence:");
        for (size_t k = 0; k < f->nev; k++)
            lab_buf_printf(b, " %s=%s", f->ev_names[k], f->ev_values[k]);
        lab_buf_addc(b, '\n');
    }
    for (size_t k = 0; k < r->nbasis; k++)
        lab_buf_printf(b, "           basis: %s\n", r->basis[k].cite);
    if (r->remediation)
        lab_buf_printf(b, "           remedy: %s\n", r->remediation);
    if (f->waiver != NULL)
        lab_buf_printf(b, "           waived by %s until %s: %s\n",
                       f->waiver->approver, f->waiver->expires,
                       f->waiver->justification ? f->waiver->justification
                                                : "(no justification)");
}

static void render_text(lab_buf *b, const lab_report *rep)
{
    const lab_engine *e = rep->engine;
    lab_buf_printf(b, "labaudit %s: check as of %s\n", lab_version(),
                   rep->as_of);
    lab_buf_printf(b,
                   "data: %zu suppliers, %zu links, %zu audits, %zu "
                   "products",
                   rep->counts[LAB_RECORD_SUPPLIER],
                   rep->counts[LAB_RECORD_LINK], rep->counts[LAB_RECORD_AUDIT],
                   rep->counts[LAB_RECORD_PRODUCT]);
    if (rep->counts[LAB_RECORD_LOT] > 0)
        lab_buf_printf(b, ", %zu lots", rep->counts[LAB_RECORD_LOT]);
    lab_buf_addc(b, '\n');
    for (size_t p = 0; p < e->npacks; p++)
        lab_buf_printf(b, "pack: %s %s (%zu rules) sha256:%s\n",
                       e->packs[p]->id, e->packs[p]->version,
                       e->packs[p]->nrules, e->packs[p]->sha256);
    for (size_t i = 0; i < e->ref.nlists; i++) {
        const lab_reflist *l = &e->ref.lists[i];
        lab_buf_printf(b, "list: %s (%s, %zu entries) version %s sha256:%s\n",
                       l->id, l->kind, l->entries,
                       l->version ? l->version : "unknown", l->sha256);
        if (l->source != NULL)
            lab_buf_printf(b, "      from %s fetched %s\n", l->source,
                           l->fetched_at ? l->fetched_at
                                         : "at an unknown time");
    }
    if (rep->nproducts > 0)
        lab_buf_adds(b, "\nproducts (worst first):\n");
    size_t *order = lab_report_products_worst_first(rep);
    for (size_t i = 0; i < rep->nproducts; i++) {
        const lab_product_verdict *p = &rep->products[order ? order[i] : i];
        lab_buf_printf(b, "  %s %s%s%s%s",
                       p->worst >= LAB_SEV_BLOCKER ? "BLOCKED" : "ok     ",
                       p->id, p->name ? " (" : "", p->name ? p->name : "",
                       p->name ? ")" : "");
        if (p->lot_id != NULL)
            lab_buf_printf(b, " lot %s, %s custody", p->lot_id,
                           p->chain && p->chain->custody ? p->chain->custody
                                                         : "unknown");
        lab_buf_adds(b, ": ");
        if (p->nfindings == 0)
            lab_buf_adds(b, "no findings in its chain");
        else
            lab_buf_printf(b, "%zu finding%s in its chain, worst %s",
                           p->nfindings, p->nfindings == 1 ? "" : "s",
                           lab_severity_name(p->worst));
        if (p->nwaived > 0)
            lab_buf_printf(b, " (%zu waived)", p->nwaived);
        if (p->nunknowns > 0)
            lab_buf_printf(b, "; %zu required fact%s unknown", p->nunknowns,
                           p->nunknowns == 1 ? "" : "s");
        lab_buf_addc(b, '\n');
    }
    free(order);
    if (rep->affected.audits > 0) {
        lab_buf_printf(
            b,
            "\nworkers at facilities with audit findings: %lld "
            "(women %lld, men %lld, under 18 %lld) in %zu "
            "audit%s%s\n",
            (long long)rep->affected.workers, (long long)rep->affected.women,
            (long long)rep->affected.men, (long long)rep->affected.under_18,
            rep->affected.audits, rep->affected.audits == 1 ? "" : "s",
            rep->affected.unknown ? "; some audits lack figures" : "");
    }
    for (size_t i = 0; i < rep->nwarnings; i++)
        lab_buf_printf(b, "warning: %s\n", rep->warnings[i]);
    if (rep->nunknowns > 0)
        lab_buf_printf(b, "\nunknown (required before a certificate): %zu\n",
                       rep->nunknowns);
    for (size_t i = 0; i < rep->nunknowns; i++) {
        const lab_unknown *u = &rep->unknowns[i];
        const lab_supplier *s =
            lab_table_row(&rep->ds->tables[LAB_RECORD_SUPPLIER], u->supplier);
        lab_buf_printf(b, "  %s (%s): %s unknown (required by %s)\n", s->id,
                       s->name, u->req->ref->path, u->req->pack->id);
    }
    lab_buf_printf(b, "\nfindings: %zu (worst first)\n", rep->n);
    /* worst first; within a severity, the report's order (by subject) */
    for (int sev = LAB_SEV_BLOCKER; sev >= 0; sev--)
        for (size_t i = 0; i < rep->n; i++)
            if ((int)rep->findings[i].severity == sev)
                text_finding(b, &rep->findings[i]);
    if (rep->nhistory > 0)
        lab_buf_printf(b,
                       "\nhistory (superseded or corrected, not live): %zu\n",
                       rep->nhistory);
    for (int sev = LAB_SEV_BLOCKER; sev >= 0; sev--)
        for (size_t i = 0; i < rep->nhistory; i++)
            if ((int)rep->history[i].severity == sev)
                text_finding(b, &rep->history[i]);
}

/* Text is for terminals: whatever the data holds (escape sequences, bidi
 * overrides) is neutralised in one place, as the text goes by.  Pieces
 * come between appends, so none ends inside a character (lab_buf_add). */
static int terminal_sink(void *ud, const char *data, size_t n)
{
    lab_buf *out = ud;
    lab_buf_add_terminal(out, data, n);
    return out->sink_rc != LAB_OK ? out->sink_rc
           : out->oom             ? lab_seterr(LAB_ENOMEM, "out of memory")
                                  : LAB_OK;
}

/* Renders into out, which may hand its text on to a sink as it fills. */
static int render_to(lab_buf *out, const lab_report *rep, lab_format format)
{
    switch (format) {
    case LAB_FORMAT_TEXT: {
        lab_buf t = LAB_BUF_INIT;
        t.sink = terminal_sink;
        t.sink_ud = out;
        render_text(&t, rep);
        int rc = lab_buf_flush(&t);
        lab_buf_free(&t);
        return rc;
    }
    case LAB_FORMAT_JSON:
        render_json(out, rep);
        return LAB_OK;
    case LAB_FORMAT_HTML:
    case LAB_FORMAT_JUNIT: {
        char *page = NULL;
        int rc = lab_report_render_page(&page, rep, format);
        if (rc == LAB_OK)
            lab_buf_adds(out, page);
        lab_free(page);
        return rc;
    }
    default:
        return lab_seterr(LAB_EINVAL, "unknown report format %d", (int)format);
    }
}

int lab_report_render(char **out, const lab_report *rep, lab_format format)
{
    lab_buf b = LAB_BUF_INIT;
    if (out == NULL || rep == NULL)
        return lab_seterr(LAB_EINVAL, "lab_report_render: NULL argument");
    int rc = render_to(&b, rep, format);
    if (rc != LAB_OK) {
        lab_buf_free(&b);
        return rc;
    }
    return lab_buf_detach(&b, out);
}

typedef struct {
    lab_write_fn write;
    void *ud;
} write_sink_ud;

static int write_sink(void *ud, const char *data, size_t n)
{
    const write_sink_ud *w = ud;
    int rc = w->write(w->ud, data, n);
    if (rc <= LAB_OK) /* go on, or a labaudit error with its message */
        return rc;
    return lab_seterr(LAB_EIO, "the report's writer stopped (it returned %d)",
                      rc);
}

int lab_report_write(const lab_report *rep, lab_format format,
                     lab_write_fn write, void *ud)
{
    if (rep == NULL || write == NULL)
        return lab_seterr(LAB_EINVAL, "lab_report_write: NULL argument");
    write_sink_ud w = {write, ud};
    lab_buf b = LAB_BUF_INIT;
    b.sink = write_sink;
    b.sink_ud = &w;
    int rc = render_to(&b, rep, format);
    int frc = lab_buf_flush(&b);
    lab_buf_free(&b);
    return rc != LAB_OK ? rc : frc;
}
