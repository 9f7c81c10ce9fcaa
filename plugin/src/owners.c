/*
 * owners.c - owners and affiliates.  Registry identifiers are checked
 * here (the Chinese Unified Social Credit Code with its GB 32100-2015
 * check character, LEI, D-U-N-S, OS ID, GLN...); the ownership graph of a
 * dataset is built from ownership.csv and suppliers' `parent` once per
 * index, with its cycles reported; and each check derives, for every
 * supplier in scope, its ties to listed entities: the same entity-level
 * identifier under another name, a listed subsidiary, holdings of listed
 * entities aggregated OFAC-style through any number of levels, and a
 * shared address or site.  Lookups go through sorted keys and the
 * dataset's id index, so the cost grows with suppliers plus holdings.
 */
#include "owners.h"

#include "ident.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- identifiers ---- */

static int uscc_valid(const char *s, size_t n)
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                              29, 25, 13, 8,  24, 10, 30, 28};
    if (n != 18)
        return 0;
    int sum = 0, v[18];
    for (size_t i = 0; i < 18; i++) {
        const char *p = s[i] ? strchr(cs, s[i]) : NULL;
        if (p == NULL)
            return 0;
        v[i] = (int)(p - cs);
    }
    for (int i = 0; i < 17; i++)
        sum += v[i] * w[i];
    return (31 - sum % 31) % 31 == v[17];
}

static int duns_valid(const char *s, size_t n)
{
    if (n != 9)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int wikidata_valid(const char *s, size_t n)
{
    if (n < 2 || s[0] != 'Q')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Known schemes: canonical name, other spelling, site or entity, the
 * check of the normalised value (NULL: any text), what is expected. */
static const struct scheme {
    const char *name, *alias;
    int site;
    int (*valid)(const char *, size_t);
    const char *expected;
} schemes[] = {
    {"uscc", "usci", 0, uscc_valid,
     "an 18-character Unified Social Credit Code with a valid check "
     "character (GB 32100-2015)"},
    {"lei", NULL, 0, lab_lei_valid,
     "a 20-character LEI with valid check digits"},
    {"duns", NULL, 0, duns_valid, "a 9-digit D-U-N-S number"},
    {"osid", "os_id", 1, lab_osid_valid,
     "an Open Supply Hub OS ID with a valid check character"},
    {"gln", NULL, 1, lab_gln_valid, "a 13-digit GLN with a valid check digit"},
    {"wikidata", NULL, 0, wikidata_valid, "a Wikidata item id like Q42"},
    {"opensanctions", NULL, 0, NULL, NULL},
    {"opencorporates", NULL, 0, NULL, NULL},
    {"ogrn", NULL, 0, NULL, NULL},
    {"vat", NULL, 0, NULL, NULL},
    {"cage", NULL, 0, NULL, NULL},
};

const char *lab_ident_schemes(void)
{
    return "uscc (Chinese Unified Social Credit Code), lei, duns, osid "
           "(Open Supply Hub, a site), gln (a site), wikidata, "
           "opensanctions, opencorporates, ogrn, vat, cage";
}

static const struct scheme *find_scheme(const char *s, size_t n)
{
    for (size_t i = 0; i < LAB_ARRAY_LEN(schemes); i++) {
        const struct scheme *k = &schemes[i];
        if ((strlen(k->name) == n && strncmp(k->name, s, n) == 0) ||
            (k->alias && strlen(k->alias) == n && strncmp(k->alias, s, n) == 0))
            return k;
    }
    return NULL;
}

/* The value of an identifier without spaces, dots, dashes or slashes,
 * upper-cased, into out (at most cap - 1 bytes kept). */
static size_t norm_value(char *out, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = s[i];
        if (c == ' ' || c == '.' || c == '-' || c == '/' || c == '\t')
            continue;
        out[k++] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    out[k] = '\0';
    return k;
}

/* Splits "scheme:value", the scheme lower-cased into sch. */
static int split_ident(const char *s, size_t n, char sch[32], size_t *nsch,
                       const char **val, size_t *nval)
{
    const char *colon = memchr(s, ':', n);
    if (colon == NULL)
        return 0;
    size_t a = (size_t)(colon - s);
    while (a > 0 && s[a - 1] == ' ')
        a--;
    size_t b = 0;
    while (b < a && s[b] == ' ')
        b++;
    if (a == b || a - b >= 32)
        return 0;
    for (size_t i = b; i < a; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
        sch[i - b] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    sch[a - b] = '\0';
    *nsch = a - b;
    *val = colon + 1;
    *nval = n - (size_t)(colon + 1 - s);
    return 1;
}

int lab_ident_check(const char *s, size_t n, int *known, char *why,
                    size_t whylen)
{
    char sch[32], v[128];
    size_t ns, nv;
    const char *val;
    *known = 0;
    if (!split_ident(s, n, sch, &ns, &val, &nv)) {
        snprintf(why, whylen,
                 "expected scheme:value (a scheme of letters, digits, '_' "
                 "or '-', e.g. uscc:91650100MA775XXXXX), got '%.*s'",
                 (int)(n > 60 ? 60 : n), s);
        return 0;
    }
    if (nv > 100) {
        snprintf(why, whylen,
                 "%s identifier of %zu bytes, expected at most 100", sch, nv);
        return 0;
    }
    size_t k = norm_value(v, sizeof v, val, nv);
    if (k == 0) {
        snprintf(why, whylen, "%s: expected a value after the ':'", sch);
        return 0;
    }
    const struct scheme *sc = find_scheme(sch, ns);
    if (sc == NULL)
        return 1;
    *known = 1;
    if (sc->valid != NULL && !sc->valid(v, k)) {
        snprintf(why, whylen, "%s: expected %s, got '%.*s'", sc->name,
                 sc->expected, (int)(nv > 40 ? 40 : nv), val);
        return 0;
    }
    return 1;
}

void lab_ident_key(lab_buf *out, const char *s, size_t n)
{
    char sch[32], v[128];
    size_t ns, nv;
    const char *val;
    out->len = 0;
    if (!split_ident(s, n, sch, &ns, &val, &nv) || nv > 100 ||
        norm_value(v, sizeof v, val, nv) == 0) {
        lab_buf_adds(out, "");
        return;
    }
    const struct scheme *sc = find_scheme(sch, ns);
    lab_buf_printf(out, "%s:%s", sc ? sc->name : sch, v);
}

int lab_ident_key_is_site(const char *key)
{
    const char *colon = strchr(key, ':');
    const struct scheme *sc =
        colon ? find_scheme(key, (size_t)(colon - key)) : NULL;
    return sc != NULL && sc->site;
}

/* ---- the ownership graph ---- */

void lab_ds_drop_owners(lab_dataset *ds)
{
    lab_owners *o = ds->owners;
    if (o == NULL)
        return;
    free(o->outside);
    free(o->edges);
    free(o->in_off);
    free(o->in_of);
    free(o->out_off);
    free(o->out_of);
    free(o);
    ds->owners = NULL;
}

/* A small open-addressing map from interned id to outside node. */
typedef struct idmap {
    const char **key;
    uint32_t *val;
    size_t cap, n;
} idmap;

static size_t idmap_slot(const idmap *m, const char *k)
{
    size_t h = (size_t)lab_hash(&k, sizeof k) & (m->cap - 1);
    while (m->key[h] != NULL && m->key[h] != k)
        h = (h + 1) & (m->cap - 1);
    return h;
}

static int idmap_init(idmap *m, size_t n)
{
    m->cap = 16;
    while (m->cap < 2 * n + 2)
        m->cap *= 2;
    m->n = 0;
    m->key = lab_calloc(m->cap, sizeof *m->key);
    m->val = lab_calloc(m->cap, sizeof *m->val);
    return m->key && m->val ? LAB_OK : LAB_ENOMEM;
}

static void idmap_free(idmap *m)
{
    free(m->key);
    free(m->val);
}

typedef struct build {
    lab_dataset *ds;
    lab_owners *o;
    idmap outside; /* outside owner id -> node */
    size_t capout, capedges;
} build;

static const lab_ownership *own_row(const lab_dataset *ds, size_t j)
{
    return lab_table_row(&ds->tables[LAB_RECORD_OWNERSHIP], j);
}

/* The column of a field of an ownership row, for file:line:col. */
static lab_pos own_pos(const lab_dataset *ds, size_t j)
{
    return lab_ds_row_pos(ds, LAB_RECORD_OWNERSHIP, j);
}

/* The node of supplier id, of a known outside owner, or LAB_NONE. */
static uint32_t node_of(build *b, const char *id)
{
    long v = lab_ds_find(b->ds, LAB_RECORD_SUPPLIER, id);
    if (v >= 0)
        return (uint32_t)v;
    size_t h = idmap_slot(&b->outside, id);
    return b->outside.key[h] == id ? b->outside.val[h] : LAB_NONE;
}

static int add_outside(build *b, const char *id, uint32_t *node)
{
    lab_owners *o = b->o;
    if (lab_grow((void **)&o->outside, &b->capout, o->nnodes - o->nsup + 1,
                 sizeof *o->outside) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    lab_own_node *n = &o->outside[o->nnodes - o->nsup];
    memset(n, 0, sizeof *n);
    n->id = id;
    n->name = id;
    size_t h = idmap_slot(&b->outside, id);
    b->outside.key[h] = id;
    b->outside.val[h] = (uint32_t)o->nnodes;
    *node = (uint32_t)o->nnodes++;
    return LAB_OK;
}

/* An outside owner's fact from one row: the first row that gives it sets
 * it, a later row giving another value is an error. */
static int outside_fact(const lab_dataset *ds, size_t j, const char *what,
                        const char **slot, const char *value)
{
    if (value == NULL || *slot == value)
        return LAB_OK;
    if (*slot == NULL) {
        *slot = value;
        return LAB_OK;
    }
    lab_pos p = own_pos(ds, j);
    return lab_seterr(LAB_ESCHEMA,
                      "%s:%u: ownership: %s '%s' of owner '%s' differs from "
                      "'%s' given on an earlier row, expected one value per "
                      "outside owner",
                      p.file, p.line, what, value, own_row(ds, j)->owner,
                      *slot);
}

static int add_edge(build *b, uint32_t owner, uint32_t owned, double share,
                    const char *source, const char *as_of, lab_pos pos)
{
    lab_owners *o = b->o;
    if (lab_grow((void **)&o->edges, &b->capedges, o->nedges + 1,
                 sizeof *o->edges) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    o->edges[o->nedges++] =
        (lab_own_edge){owner, owned, share, source, as_of, pos};
    return LAB_OK;
}

/* Pass 1: outside owners (every owner that is not a supplier), with
 * their facts. */
static int collect_owners(build *b)
{
    const lab_dataset *ds = b->ds;
    size_t n = ds->tables[LAB_RECORD_OWNERSHIP].n;
    int rc = LAB_OK;
    for (size_t j = 0; j < n && rc == LAB_OK; j++) {
        const lab_ownership *r = own_row(ds, j);
        uint32_t v = node_of(b, r->owner);
        if (v == LAB_NONE)
            rc = add_outside(b, r->owner, &v);
        if (rc != LAB_OK || v < b->o->nsup)
            continue;
        lab_own_node *on = &b->o->outside[v - b->o->nsup];
        /* the name defaults to the id until a row gives one */
        if (on->name == on->id && r->owner_name != NULL)
            on->name = NULL;
        rc = outside_fact(ds, j, "owner_name", &on->name, r->owner_name);
        if (on->name == NULL)
            on->name = on->id;
        if (rc == LAB_OK)
            rc = outside_fact(ds, j, "owner_country", &on->country,
                              r->owner_country);
        if (rc == LAB_OK)
            rc = outside_fact(ds, j, "owner_address", &on->address,
                              r->owner_address);
        if (rc == LAB_OK && r->owner_identifiers != NULL)
            on->identifiers = r->owner_identifiers;
    }
    return rc;
}

/* Where each supplier naming a parent was read, by row: the newest
 * position kept wins, as a rolled-back load may have left older ones. */
static lab_pos *supplier_positions(const lab_dataset *ds)
{
    size_t n = ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_pos *p = lab_malloc((n + 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    for (size_t v = 0; v < n; v++)
        p[v] = (lab_pos){"<input>", 0, 0};
    for (size_t j = 0; j < ds->nrecruiter_pos; j++)
        if (ds->recruiter_pos[j].row < n)
            p[ds->recruiter_pos[j].row] = ds->recruiter_pos[j].pos;
    return p;
}

/* Pass 2: holdings from ownership rows, shares of one company adding up
 * to at most 100 %; then parents without a row of their own. */
static int collect_edges(build *b, double *sum)
{
    lab_dataset *ds = b->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_OWNERSHIP];
    int rc = LAB_OK;
    for (size_t j = 0; j < t->n && rc == LAB_OK; j++) {
        const lab_ownership *r = own_row(ds, j);
        lab_pos p = own_pos(ds, j);
        uint32_t owner = node_of(b, r->owner), owned = node_of(b, r->owned);
        if (owned == LAB_NONE)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: ownership: owned '%s' is neither a "
                              "supplier id nor an owner named in "
                              "ownership.csv (expected one of those)",
                              p.file, p.line, r->owned);
        if (owned == owner)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: ownership: '%s' holds itself (expected "
                              "owner and owned to differ)",
                              p.file, p.line, r->owner);
        sum[owned] += r->share;
        if (sum[owned] > 100.0 + 1e-9)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: ownership: the shares held in '%s' add "
                              "up to %g %%, expected at most 100 %%",
                              p.file, p.line, r->owned, sum[owned]);
        rc = add_edge(b, owner, owned, r->share, r->source, r->as_of, p);
    }
    size_t nedges_rows = b->o->nedges;
    /* the rows into each supplier, to tell a parent that a row gives */
    uint32_t *to = lab_malloc((nedges_rows + 1) * sizeof *to);
    uint32_t *off = NULL, *of = NULL;
    lab_pos *spos = supplier_positions(ds);
    if (rc == LAB_OK && (to == NULL || spos == NULL))
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t e = 0; rc == LAB_OK && e < nedges_rows; e++)
        to[e] = b->o->edges[e].owned;
    if (rc == LAB_OK &&
        lab_csr_build(&off, &of, b->o->nnodes, nedges_rows, to) != LAB_OK)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    for (size_t v = 0; v < sup->n && rc == LAB_OK; v++) {
        const lab_supplier *s = lab_table_row(sup, v);
        if (s->parent == NULL)
            continue;
        uint32_t owner = node_of(b, s->parent);
        if (owner == (uint32_t)v) {
            lab_pos p = spos[v];
            rc = lab_seterr(LAB_ESCHEMA,
                            "%s:%u: supplier '%s': parent is the supplier "
                            "itself (expected its controlling owner)",
                            p.file, p.line, s->id);
            break;
        }
        int given = 0;
        for (uint32_t k = off[v]; k < off[v + 1] && owner != LAB_NONE; k++)
            given |= b->o->edges[of[k]].owner == owner;
        if (given)
            continue; /* the ownership row gives its share */
        if (owner == LAB_NONE) {
            /* an outside company named by the parent column */
            rc = add_outside(b, s->parent, &owner);
            if (rc != LAB_OK)
                break;
        }
        rc = add_edge(b, owner, (uint32_t)v, NAN, "suppliers.csv parent", NULL,
                      spos[v]);
    }
    free(spos);
    free(to);
    free(off);
    free(of);
    return rc;
}

/* Cycles of holdings: one warning per strongly connected component
 * (Tarjan's algorithm, iterative), naming its members and a row of it. */
static int report_cycles(lab_dataset *ds, lab_owners *o)
{
    size_t n = o->nnodes;
    uint32_t *idx = lab_malloc((n + 1) * sizeof *idx);
    uint32_t *low = lab_malloc((n + 1) * sizeof *low);
    uint32_t *stack = lab_malloc((n + 1) * sizeof *stack);
    uint32_t *call = lab_malloc((n + 1) * sizeof *call);
    uint32_t *next = lab_malloc((n + 1) * sizeof *next);
    uint8_t *on = lab_calloc(n + 1, 1);
    const uint32_t *out_off = o->out_off, *out_of = o->out_of;
    int rc = LAB_OK;
    if (idx == NULL || low == NULL || stack == NULL || call == NULL ||
        next == NULL || on == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t v = 0; v < n; v++)
        idx[v] = UINT32_MAX;
    uint32_t counter = 0;
    size_t sp = 0, cp = 0;
    for (size_t root = 0; root < n && rc == LAB_OK; root++) {
        if (idx[root] != UINT32_MAX || out_off[root] == out_off[root + 1])
            continue;
        call[cp++] = (uint32_t)root;
        idx[root] = low[root] = counter++;
        next[root] = out_off[root];
        stack[sp++] = (uint32_t)root;
        on[root] = 1;
        while (cp > 0 && rc == LAB_OK) {
            uint32_t v = call[cp - 1];
            if (next[v] < out_off[v + 1]) {
                uint32_t e = out_of[next[v]++];
                uint32_t w = o->edges[e].owned;
                if (idx[w] == UINT32_MAX) {
                    idx[w] = low[w] = counter++;
                    next[w] = out_off[w];
                    stack[sp++] = w;
                    on[w] = 1;
                    call[cp++] = w;
                } else if (on[w] && idx[w] < low[v]) {
                    low[v] = idx[w];
                }
                continue;
            }
            cp--;
            if (cp > 0 && low[v] < low[call[cp - 1]])
                low[call[cp - 1]] = low[v];
            if (low[v] != idx[v])
                continue;
            /* v roots a component: stack[top..sp) */
            size_t top = sp;
            while (stack[top - 1] != v)
                top--;
            top--;
            size_t members = sp - top;
            lab_buf names = LAB_BUF_INIT;
            lab_pos where = {"<input>", 0, 0};
            for (size_t k = top; k < sp; k++)
                on[stack[k]] = 2;
            for (size_t k = top; k < sp; k++) {
                uint32_t w = stack[k];
                if (k - top < 8) {
                    const char *id =
                        w < o->nsup ? ((const lab_supplier *)lab_table_row(
                                           &ds->tables[LAB_RECORD_SUPPLIER], w))
                                          ->id
                                    : o->outside[w - o->nsup].id;
                    lab_buf_printf(&names, "%s'%s'", k > top ? ", " : "", id);
                }
                /* the first holding inside the component, for file:line */
                for (uint32_t i = out_off[w]; i < out_off[w + 1]; i++) {
                    const lab_own_edge *e = &o->edges[out_of[i]];
                    if (on[e->owned] == 2 &&
                        (where.line == 0 || e->pos.line < where.line))
                        where = e->pos;
                }
            }
            for (size_t k = top; k < sp; k++)
                on[stack[k]] = 0;
            sp = top;
            if (members > 1)
                rc = lab_ds_warn(ds,
                                 "%s:%u: ownership cycle among %zu companies "
                                 "(%s%s): each holding is counted once and "
                                 "the cycle is not followed further",
                                 where.file, where.line, members,
                                 names.data ? names.data : "",
                                 members > 8 ? ", ..." : "");
            lab_buf_free(&names);
        }
    }
out:
    free(idx);
    free(low);
    free(stack);
    free(call);
    free(next);
    free(on);
    return rc;
}

int lab_ds_index_owners(lab_dataset *ds)
{
    lab_ds_drop_owners(ds);
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    size_t nown = ds->tables[LAB_RECORD_OWNERSHIP].n;
    build b = {ds, NULL, {0}, 0, 0};
    double *sum = NULL;
    uint32_t *to = NULL;
    int rc = LAB_OK;
    b.o = lab_calloc(1, sizeof *b.o);
    if (b.o == NULL || idmap_init(&b.outside, nown + sup->n) != LAB_OK) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    b.o->nsup = b.o->nnodes = sup->n;
    rc = collect_owners(&b);
    /* parents name at most one new outside node per supplier */
    sum = lab_calloc(b.o->nnodes + sup->n + 1, sizeof *sum);
    if (rc == LAB_OK && sum == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK)
        rc = collect_edges(&b, sum);
    if (rc != LAB_OK)
        goto out;
    lab_owners *o = b.o;
    to = lab_malloc((2 * o->nedges + 1) * sizeof *to);
    if (to == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t e = 0; e < o->nedges; e++) {
        to[e] = o->edges[e].owned;
        to[o->nedges + e] = o->edges[e].owner;
    }
    if (lab_csr_build(&o->in_off, &o->in_of, o->nnodes, o->nedges, to) !=
            LAB_OK ||
        lab_csr_build(&o->out_off, &o->out_of, o->nnodes, o->nedges,
                      to + o->nedges) != LAB_OK) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = report_cycles(ds, o);
    if (rc == LAB_OK) {
        ds->owners = b.o; /* now owned by the dataset */
        b.o = NULL;
    }
out:
    if (b.o != NULL) {
        ds->owners = b.o;
        lab_ds_drop_owners(ds);
    }
    idmap_free(&b.outside);
    free(sum);
    free(to);
    return rc;
}

/* ---- ties, per check ---- */

const char *lab_listed_cite(lab_arena *a, const lab_listed *e)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%.400s (%s:%u)", e->name,
             e->file ? e->file : e->list_id, e->line);
    return lab_arena_strndup(a, buf, strlen(buf));
}

/* What one node of the graph is, for screening: its names, identifiers,
 * address. */
typedef struct nodeview {
    lab_supplier tmp; /* an outside owner seen as a supplier */
    const lab_supplier *s;
    const lab_list *ids;
} nodeview;

static void view(nodeview *nv, const lab_dataset *ds, const lab_owners *o,
                 uint32_t v)
{
    if (v < o->nsup) {
        nv->s = lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], v);
        nv->ids = nv->s->identifiers;
        return;
    }
    const lab_own_node *n = &o->outside[v - o->nsup];
    lab_record_clear(&lab_entities[LAB_ENT_SUPPLIER], &nv->tmp);
    nv->tmp.id = n->id;
    nv->tmp.name = n->name;
    nv->tmp.country = n->country;
    nv->tmp.address = n->address;
    nv->s = &nv->tmp;
    nv->ids = n->identifiers;
}

/* The first entity-level identifier of the node that a listed entity
 * has, or the first site identifier into *site. */
static const lab_listed *match_ids(const lab_refdata *rd, const nodeview *nv,
                                   lab_buf *key, lab_arena *a,
                                   const char **ident, const char **site,
                                   const lab_listed **site_entity)
{
    const lab_supplier *s = nv->s;
    const char *fixed[4][2] = {{"lei", s->lei},
                               {"duns", s->duns},
                               {"osid", s->os_id},
                               {"gln", s->gln}};
    uint32_t nlist = nv->ids ? nv->ids->n : 0;
    for (uint32_t i = 0; i < nlist + 4; i++) {
        if (i < nlist) {
            lab_ident_key(key, nv->ids->items[i].u.s, nv->ids->items[i].n);
        } else {
            key->len = 0;
            if (fixed[i - nlist][1] == NULL)
                continue;
            lab_buf_printf(key, "%s:%s", fixed[i - nlist][0],
                           fixed[i - nlist][1]);
            char v[128];
            norm_value(v, sizeof v, fixed[i - nlist][1],
                       strlen(fixed[i - nlist][1]));
            key->len = 0;
            lab_buf_printf(key, "%s:%s", fixed[i - nlist][0], v);
        }
        if (key->len == 0 || key->oom)
            continue;
        const lab_listed *e = lab_listed_by_key(rd, 0, key->data);
        if (e == NULL)
            continue;
        if (lab_ident_key_is_site(key->data)) {
            if (*site == NULL) {
                *site = lab_arena_strndup(a, key->data, key->len);
                *site_entity = e;
            }
            continue;
        }
        *ident = lab_arena_strndup(a, key->data, key->len);
        return e;
    }
    return NULL;
}

static const lab_listed *match_address(const lab_refdata *rd,
                                       const lab_supplier *s, lab_buf *key,
                                       lab_buf *tmp)
{
    if (s->address == NULL || rd->naddrkeys == 0)
        return NULL;
    lab_address_key(key, s->address);
    const lab_listed *e = lab_listed_by_key(rd, 1, key->data);
    if (e == NULL && s->city != NULL) {
        tmp->len = 0;
        lab_buf_printf(tmp, "%s, %s", s->address, s->city);
        lab_address_key(key, tmp->data ? tmp->data : "");
        e = lab_listed_by_key(rd, 1, key->data);
    }
    return e;
}

/* Per node of the graph during a derivation. */
typedef struct nstate {
    double f;            /* the node's value: 100 if listed itself */
    double own;          /* from its owners (the tie's owner_share) */
    double acc;          /* shares of final owners so far */
    uint32_t best;       /* the holding that gave `own`, or LAB_NONE */
    const lab_listed *e; /* listed itself: which entity */
    const lab_listed *root;
    uint8_t final;
} nstate;

typedef struct heap {
    struct hitem {
        double key;
        uint32_t v;
    } * it;
    size_t n, cap;
} heap;

static int heap_push(heap *h, double key, uint32_t v)
{
    if (lab_grow((void **)&h->it, &h->cap, h->n + 1, sizeof *h->it) != LAB_OK)
        return LAB_ENOMEM;
    size_t i = h->n++;
    while (i > 0 && h->it[(i - 1) / 2].key < key) {
        h->it[i] = h->it[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->it[i] = (struct hitem){key, v};
    return LAB_OK;
}

static struct hitem heap_pop(heap *h)
{
    struct hitem top = h->it[0], last = h->it[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->it[c + 1].key > h->it[c].key)
            c++;
        if (h->it[c].key <= last.key)
            break;
        h->it[i] = h->it[c];
        i = c;
    }
    if (h->n > 0)
        h->it[i] = last;
    return top;
}

static double edge_share(const lab_own_edge *e)
{
    return isnan(e->share) ? 100.0 : e->share;
}

/* The holdings that make up node v's share, up the best path to the
 * listed entity at its top. */
static const char *owner_path(lab_arena *a, const lab_dataset *ds,
                              const lab_owners *o, const nstate *st, uint32_t v)
{
    lab_buf b = LAB_BUF_INIT;
    for (int hop = 0; hop < 8 && st[v].best != LAB_NONE; hop++) {
        const lab_own_edge *e = &o->edges[st[v].best];
        uint32_t u = e->owner;
        nodeview nv;
        view(&nv, ds, o, u);
        if (hop > 0)
            lab_buf_adds(&b, ", which is ");
        if (isnan(e->share))
            lab_buf_printf(&b, "controlled (parent) by %s", nv.s->name);
        else
            lab_buf_printf(&b, "held %g %% by %s", e->share, nv.s->name);
        lab_buf_printf(&b, " (%s:%u", e->pos.file ? e->pos.file : "<input>",
                       e->pos.line);
        if (e->source != NULL)
            lab_buf_printf(&b, "; source: %s", e->source);
        if (e->as_of != NULL)
            lab_buf_printf(&b, "; as of %s", e->as_of);
        lab_buf_adds(&b, ")");
        /* others holding alongside, when the share is an aggregate */
        size_t more = 0;
        for (uint32_t k = o->in_off[v]; k < o->in_off[v + 1]; k++) {
            uint32_t x = o->in_of[k];
            if (x != st[v].best && st[o->edges[x].owner].final &&
                st[o->edges[x].owner].f >= st[v].own)
                more++;
        }
        if (more > 0)
            lab_buf_printf(&b,
                           " with %zu other listed or listed-held "
                           "owner%s",
                           more, more == 1 ? "" : "s");
        if (st[u].e != NULL) {
            lab_buf_printf(&b, ", listed as %s (%s:%u)", st[u].e->name,
                           st[u].e->file ? st[u].e->file : "", st[u].e->line);
            break;
        }
        v = u;
    }
    const char *s =
        b.data && !b.oom ? lab_arena_strndup(a, b.data, b.len) : NULL;
    lab_buf_free(&b);
    return s;
}

/* Nodes the derivation needs: everything (no scope), or the scope's
 * suppliers and, transitively, their owners. */
static int reach_owners(const lab_owners *o, const lab_walk *scope, uint8_t *in,
                        uint32_t **list, size_t *n)
{
    *list = lab_malloc((o->nnodes + 1) * sizeof **list);
    if (*list == NULL)
        return LAB_ENOMEM;
    *n = 0;
    if (scope == NULL) {
        for (size_t v = 0; v < o->nnodes; v++) {
            in[v] = 1;
            (*list)[(*n)++] = (uint32_t)v;
        }
        return LAB_OK;
    }
    for (size_t k = 0; k < scope->n; k++) {
        uint32_t v = scope->list[k];
        if (!in[v]) {
            in[v] = 1;
            (*list)[(*n)++] = v;
        }
    }
    for (size_t k = 0; k < *n; k++) {
        uint32_t v = (*list)[k];
        for (uint32_t i = o->in_off[v]; i < o->in_off[v + 1]; i++) {
            uint32_t u = o->edges[o->in_of[i]].owner;
            if (!in[u]) {
                in[u] = 1;
                (*list)[(*n)++] = u;
            }
        }
    }
    return LAB_OK;
}

/* Screens node v (a supplier at scope position pos, or an owner outside
 * the scope): listed itself, by name, identifier or as a subsidiary? */
static void screen_node(const lab_refdata *rd, const lab_dataset *ds,
                        const lab_owners *o, uint32_t v, const lab_hit *hit,
                        lab_tie *tie, lab_buf *key, lab_buf *tmp, lab_arena *a,
                        nstate *st)
{
    nodeview nv;
    lab_hit own;
    view(&nv, ds, o, v);
    if (hit == NULL) {
        lab_screen_supplier(rd, nv.s, key, &own);
        hit = &own;
    }
    lab_tie local;
    lab_tie *t = tie ? tie : &local;
    memset(t, 0, sizeof *t);
    t->id_entity = match_ids(rd, &nv, key, a, &t->identifier, &t->address,
                             &t->addr_entity);
    lab_hit sub = {0};
    if (rd->nsubsidiaries > 0)
        lab_screen_subsidiary(rd, nv.s, key, &sub);
    if (sub.score > 0)
        t->subsidiary = &rd->entities[sub.entity->subsidiary_of - 1];
    if (t->address == NULL) {
        t->addr_entity = match_address(rd, nv.s, key, tmp);
        if (t->addr_entity != NULL)
            t->address = nv.s->address;
    }
    st[v].e = hit->score > 0  ? hit->entity
              : t->id_entity  ? t->id_entity
              : t->subsidiary ? t->subsidiary
                              : NULL;
    st[v].root = st[v].e;
}

struct lab_ties {
    const lab_dataset *ds;
    const lab_owners *o;
    nstate *st;
    lab_arena *a;
};

void lab_ties_free(lab_ties *t)
{
    if (t == NULL)
        return;
    free(t->st);
    free(t);
}

const char *lab_tie_owner_path(const lab_tie *t)
{
    lab_ties *cx = t->ctx;
    if (t->path != NULL || cx == NULL || cx->st[t->node].best == LAB_NONE)
        return t->path;
    /* the tie lives in its check's array: the cache is its own */
    ((lab_tie *)t)->path = owner_path(cx->a, cx->ds, cx->o, cx->st, t->node);
    return t->path;
}

/* Every listed entity's citation, once per derivation: ties point to
 * them rather than each making its own. */
static const char **cite_all(const lab_refdata *rd, lab_arena *a)
{
    const char **c = lab_arena_alloc(a, (rd->nentities + 1) * sizeof *c);
    for (size_t i = 0; c != NULL && i < rd->nentities; i++)
        if ((c[i] = lab_listed_cite(a, &rd->entities[i])) == NULL)
            return NULL;
    return c;
}

int lab_ties_derive(lab_ties **out, lab_tie *ties, const lab_refdata *rd,
                    lab_dataset *ds, const lab_walk *scope, const lab_hit *hits,
                    lab_arena *a)
{
    const lab_owners *o = ds->owners;
    size_t nscope = scope ? scope->n : ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_buf key = LAB_BUF_INIT, tmp = LAB_BUF_INIT;
    lab_ties *cx = NULL;
    nstate *st = NULL;
    uint8_t *in = NULL;
    uint32_t *list = NULL;
    const char **cites = NULL;
    heap h = {0};
    size_t n = 0;
    int rc = LAB_OK;
    if (o == NULL)
        return lab_seterr(LAB_EINVAL, "the dataset is not indexed");
    cx = lab_calloc(1, sizeof *cx);
    st = lab_calloc(o->nnodes + 1, sizeof *st);
    in = lab_calloc(o->nnodes + 1, 1);
    cites = cite_all(rd, a);
    if (cx == NULL || st == NULL || in == NULL || cites == NULL ||
        reach_owners(o, scope, in, &list, &n) != LAB_OK) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    /* screen: suppliers in scope with their name hits, the rest here */
    for (size_t k = 0; k < nscope; k++) {
        uint32_t v = scope ? scope->list[k] : (uint32_t)k;
        screen_node(rd, ds, o, v, &hits[k], &ties[k], &key, &tmp, a, st);
        in[v] = 2;
    }
    for (size_t k = 0; k < n; k++)
        if (in[list[k]] == 1)
            screen_node(rd, ds, o, list[k], NULL, NULL, &key, &tmp, a, st);
    /* best-first: a node is final when popped; its holdings then add
     * its share to what it holds, capped by its own value */
    for (size_t k = 0; k < n && rc == LAB_OK; k++) {
        uint32_t v = list[k];
        st[v].best = LAB_NONE;
        st[v].f = st[v].e ? 100.0 : 0.0;
        if (st[v].e != NULL)
            rc = heap_push(&h, 100.0, v);
    }
    while (h.n > 0 && rc == LAB_OK) {
        struct hitem it = heap_pop(&h);
        uint32_t u = it.v;
        if (st[u].final || it.key < st[u].f)
            continue; /* a stale entry */
        st[u].final = 1;
        for (uint32_t i = o->out_off[u]; i < o->out_off[u + 1]; i++) {
            uint32_t e = o->out_of[i];
            uint32_t w = o->edges[e].owned;
            if (!in[w] || w == u)
                continue;
            /* owners come final in decreasing value, so a node made final
             * (or listed itself) gains nothing it could pass on */
            st[w].acc += edge_share(&o->edges[e]);
            double cand = st[w].acc < st[u].f ? st[w].acc : st[u].f;
            if (cand <= st[w].own)
                continue;
            st[w].own = cand;
            st[w].best = e;
            if (st[w].e == NULL && !st[w].final) {
                st[w].root = st[u].root;
                st[w].f = cand;
                rc = heap_push(&h, cand, w);
            }
        }
    }
    if (rc != LAB_OK) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < nscope; k++) {
        uint32_t v = scope ? scope->list[k] : (uint32_t)k;
        lab_tie *t = &ties[k];
        t->owner_share = st[v].own;
        t->ctx = cx;
        t->node = v;
        if (t->id_entity != NULL)
            t->id_cite = cites[t->id_entity - rd->entities];
        if (t->subsidiary != NULL)
            t->sub_cite = cites[t->subsidiary - rd->entities];
        if (t->addr_entity != NULL)
            t->addr_cite = cites[t->addr_entity - rd->entities];
        if (st[v].best == LAB_NONE)
            continue;
        t->owner_root = st[o->edges[st[v].best].owner].root;
        if (t->owner_root != NULL)
            t->owner_cite = cites[t->owner_root - rd->entities];
    }
    if (key.oom || tmp.oom)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK) {
        *cx = (lab_ties){ds, o, st, a};
        *out = cx; /* now owned by the caller, with st */
        cx = NULL;
        st = NULL;
    }
out:
    free(cx);
    free(h.it);
    free(st);
    free(in);
    free(list);
    lab_buf_free(&key);
    lab_buf_free(&tmp);
    return rc;
}
