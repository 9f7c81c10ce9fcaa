/*
 * chain.c - derives the chain facts of every supplier (what lies upstream
 * of it: countries, regions, origins, roles, untraced inputs, depth,
 * cycles) in one pass over the supply graph.  Links may form cycles
 * (traders selling back and forth), so the graph is first condensed into
 * strongly connected components with an iterative Tarjan walk (no
 * recursion, so a million-deep chain cannot overflow the stack); Tarjan
 * emits each component after everything upstream of it, so one sweep in
 * emission order sees every input's facts ready.  Sets are sorted lists
 * of interned strings, hash-consed so equal sets share one copy: a large
 * supply base has few distinct sets.
 */
#include "dataset.h"

#include "ident.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A scratch vector of string values. */
typedef struct svec {
    lab_val *v;
    size_t n, cap;
} svec;

static int svec_push(svec *s, lab_val v)
{
    if (lab_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) != LAB_OK)
        return LAB_ENOMEM;
    s->v[s->n++] = v;
    return LAB_OK;
}

static int svec_push_list(svec *s, const lab_list *l)
{
    for (uint32_t i = 0; l != NULL && i < l->n; i++)
        if (svec_push(s, l->items[i]) != LAB_OK)
            return LAB_ENOMEM;
    return LAB_OK;
}

static int cmp_val_str(const void *a, const void *b)
{
    const lab_val *x = a, *y = b;
    if (x->u.s == y->u.s)
        return 0;
    return strcmp(x->u.s, y->u.s);
}

/* Hash-consing table of lists. */
typedef struct listset {
    const lab_list **slot;
    size_t cap, n;
} listset;

static uint64_t list_hash(const lab_val *v, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    for (size_t i = 0; i < n; i++) {
        uintptr_t p = (uintptr_t)v[i].u.s;
        h = (h ^ (uint64_t)p) * 1099511628211ull;
        h ^= h >> 29;
    }
    return h;
}

static int list_eq(const lab_list *l, const lab_val *v, size_t n)
{
    if (l->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (l->items[i].u.s != v[i].u.s)
            return 0;
    return 1;
}

static int listset_grow(listset *ls)
{
    size_t ncap = ls->cap ? ls->cap * 2 : 256;
    const lab_list **slot = lab_calloc(ncap, sizeof *slot);
    if (slot == NULL)
        return LAB_ENOMEM;
    for (size_t i = 0; i < ls->cap; i++) {
        const lab_list *l = ls->slot[i];
        if (l == NULL)
            continue;
        size_t j = (size_t)list_hash(l->items, l->n) & (ncap - 1);
        while (slot[j] != NULL)
            j = (j + 1) & (ncap - 1);
        slot[j] = l;
    }
    free(ls->slot);
    ls->slot = slot;
    ls->cap = ncap;
    return LAB_OK;
}

/* Sorts and dedupes s, then returns the shared list holding it (NULL
 * for an empty set; *out unchanged on error). */
static int make_set(lab_dataset *ds, listset *ls, svec *s, const lab_list **out)
{
    if (s->n == 0) {
        *out = NULL;
        return LAB_OK;
    }
    qsort(s->v, s->n, sizeof *s->v, cmp_val_str);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->v[i].u.s != s->v[k - 1].u.s)
            s->v[k++] = s->v[i];
    s->n = k;

    if ((ls->n + 1) * 2 > ls->cap && listset_grow(ls) != LAB_OK)
        return LAB_ENOMEM;
    size_t j = (size_t)list_hash(s->v, k) & (ls->cap - 1);
    while (ls->slot[j] != NULL) {
        if (list_eq(ls->slot[j], s->v, k)) {
            *out = ls->slot[j];
            return LAB_OK;
        }
        j = (j + 1) & (ls->cap - 1);
    }
    lab_list *l = lab_arena_alloc(&ds->arena, sizeof *l + k * sizeof(lab_val));
    if (l == NULL)
        return LAB_ENOMEM;
    l->n = (uint32_t)k;
    memcpy(l->items, s->v, k * sizeof(lab_val));
    ls->slot[j] = l;
    ls->n++;
    *out = l;
    return LAB_OK;
}

/* Tarjan's algorithm over "v -> each seller of v", iteratively.  comp[v]
 * receives the component number; components are numbered in emission
 * order, which puts every component after all components upstream. */
static int tarjan(const lab_dataset *ds, size_t nv, uint32_t *comp,
                  size_t *ncomp)
{
    const uint32_t UNSEEN = UINT32_MAX;
    uint32_t *index = lab_malloc(nv * sizeof *index);
    uint32_t *low = lab_malloc(nv * sizeof *low);
    uint32_t *stack = lab_malloc(nv * sizeof *stack);
    uint32_t *call = lab_malloc(nv * sizeof *call); /* DFS path */
    uint32_t *edge = lab_malloc(nv * sizeof *edge); /* next in-link */
    unsigned char *onstack = lab_calloc(nv, 1);
    int rc = LAB_OK;

    if (!index || !low || !stack || !call || !edge || !onstack) {
        rc = LAB_ENOMEM;
        goto out;
    }
    for (size_t v = 0; v < nv; v++)
        index[v] = UNSEEN;
    uint32_t next = 0, sp = 0, nc = 0;
    for (size_t root = 0; root < nv; root++) {
        if (index[root] != UNSEEN)
            continue;
        size_t depth = 0;
        call[depth] = (uint32_t)root;
        edge[root] = ds->in_off[root];
        index[root] = low[root] = next++;
        stack[sp++] = (uint32_t)root;
        onstack[root] = 1;
        while (1) {
            uint32_t v = call[depth];
            if (edge[v] < ds->in_off[v + 1]) {
                uint32_t w = ds->link_from[ds->in_link[edge[v]++]];
                if (index[w] == UNSEEN) {
                    index[w] = low[w] = next++;
                    edge[w] = ds->in_off[w];
                    stack[sp++] = w;
                    onstack[w] = 1;
                    call[++depth] = w;
                } else if (onstack[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--sp];
                    onstack[w] = 0;
                    comp[w] = nc;
                } while (w != v);
                nc++;
            }
            if (depth == 0)
                break;
            uint32_t parent = call[--depth];
            if (low[v] < low[parent])
                low[parent] = low[v];
        }
    }
    *ncomp = nc;
out:
    free(index);
    free(low);
    free(stack);
    free(call);
    free(edge);
    free(onstack);
    return rc;
}

int lab_is_origin_role(const char *role)
{
    return role != NULL &&
           (strcmp(role, "farm") == 0 || strcmp(role, "gin") == 0);
}

/* Recruiters supply workers, not goods: never an untraced input. */
static int is_goods_role(const char *role)
{
    return role == NULL || strcmp(role, "recruitment_agency") != 0;
}

static double link_volume(const lab_link *l)
{
    return isnan(l->volume) ? 0 : l->volume;
}

static double link_factor(const lab_link *l)
{
    return isnan(l->conversion_factor) ? 1 : l->conversion_factor;
}

/*
 * Mass balance, in one sweep upstream-first.  A supplier's verified output
 * is what its traced inputs allow: for an origin (a farm or gin with no
 * inputs) everything it ships; otherwise the sum over its input links of
 * volume x traced share of the seller x conversion factor.  The traced
 * share of a seller is its verified output over what it ships, at most 1.
 * Links inside a cycle count as untraced: no origin can be proven there.
 */
static int derive_volumes(lab_dataset *ds, const uint32_t *comp,
                          const uint32_t *order, size_t nv, lab_chain *chain)
{
    const lab_table *links = &ds->tables[LAB_RECORD_LINK];
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    double *shipped = lab_calloc(nv ? nv : 1, sizeof *shipped);
    double *share = lab_calloc(nv ? nv : 1, sizeof *share);
    if (shipped == NULL || share == NULL) {
        free(shipped);
        free(share);
        return LAB_ENOMEM;
    }
    for (size_t k = 0; k < links->n; k++)
        shipped[ds->link_from[k]] += link_volume(lab_table_row(links, k));
    for (size_t i = 0; i < nv; i++) {
        uint32_t v = order[i];
        const lab_supplier *s = lab_table_row(sup, v);
        double traced = 0, untraced = 0;
        for (uint32_t k = ds->in_off[v]; k < ds->in_off[v + 1]; k++) {
            uint32_t l = ds->in_link[k];
            uint32_t w = ds->link_from[l];
            const lab_link *lk = lab_table_row(links, l);
            double vol = link_volume(lk) * link_factor(lk);
            double sh = comp[w] == comp[v] ? 0 : share[w];
            traced += vol * sh;
            untraced += vol * (1 - sh);
        }
        int leaf = ds->in_off[v] == ds->in_off[v + 1];
        double verified =
            leaf && lab_is_origin_role(s->role) ? shipped[v] : traced;
        share[v] = shipped[v] > 0 ? verified / shipped[v] : 0;
        if (share[v] > 1)
            share[v] = 1;
        chain[v].verified_volume = verified;
        chain[v].untraced_volume = untraced;
    }
    free(shipped);
    free(share);
    return LAB_OK;
}

/* The facts of one component, from its members and its inputs. */
static int derive_component(lab_dataset *ds, listset *ls, svec tmp[5],
                            const uint32_t *members, size_t nmembers,
                            const uint32_t *comp, uint32_t c, lab_chain *facts)
{
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    lab_chain f;
    lab_record_clear(&lab_entities[LAB_ENT_CHAIN], &f);
    f.depth = 0;
    f.in_cycle = nmembers > 1;
    for (int i = 0; i < 5; i++)
        tmp[i].n = 0;

    for (size_t m = 0; m < nmembers; m++) {
        uint32_t v = members[m];
        const lab_supplier *s = lab_table_row(sup, v);
        int rc =
            svec_push(&tmp[0], lab_val_str(s->country, strlen(s->country)));
        if (rc == LAB_OK && s->subdivision)
            rc = svec_push(&tmp[1],
                           lab_val_str(s->subdivision, strlen(s->subdivision)));
        if (rc == LAB_OK && s->role)
            rc = svec_push(&tmp[3], lab_val_str(s->role, strlen(s->role)));
        int leaf = ds->in_off[v] == ds->in_off[v + 1];
        if (rc == LAB_OK && leaf)
            rc =
                svec_push(&tmp[2], lab_val_str(s->country, strlen(s->country)));
        if (rc == LAB_OK && leaf && !lab_is_origin_role(s->role) &&
            is_goods_role(s->role))
            rc = svec_push(&tmp[4], lab_val_str(s->id, strlen(s->id)));
        if (rc != LAB_OK)
            return rc;
        for (uint32_t k = ds->in_off[v]; k < ds->in_off[v + 1]; k++) {
            uint32_t w = ds->link_from[ds->in_link[k]];
            if (w == v)
                f.in_cycle = 1; /* a supplier selling to itself */
            if (comp[w] == c)
                continue;
            const lab_chain *up = &facts[comp[w]];
            if (up->depth + 1 > f.depth)
                f.depth = up->depth + 1;
            if (up->in_cycle == 1)
                f.in_cycle = 1;
            if (svec_push_list(&tmp[0], up->countries) != LAB_OK ||
                svec_push_list(&tmp[1], up->subdivisions) != LAB_OK ||
                svec_push_list(&tmp[2], up->origin_countries) != LAB_OK ||
                svec_push_list(&tmp[3], up->roles) != LAB_OK ||
                svec_push_list(&tmp[4], up->untraced_ids) != LAB_OK)
                return LAB_ENOMEM;
        }
    }
    if (make_set(ds, ls, &tmp[0], &f.countries) != LAB_OK ||
        make_set(ds, ls, &tmp[1], &f.subdivisions) != LAB_OK ||
        make_set(ds, ls, &tmp[2], &f.origin_countries) != LAB_OK ||
        make_set(ds, ls, &tmp[3], &f.roles) != LAB_OK ||
        make_set(ds, ls, &tmp[4], &f.untraced_ids) != LAB_OK)
        return LAB_ENOMEM;
    f.untraced = f.untraced_ids ? (int32_t)f.untraced_ids->n : 0;
    facts[c] = f;
    return LAB_OK;
}

void lab_walk_reach(lab_walk *w, uint32_t x)
{
    if (w->stamp[x] != w->cur) {
        w->stamp[x] = w->cur;
        w->pos[x] = (uint32_t)w->n;
        w->list[w->n++] = x;
    }
}

int lab_walk_begin(lab_walk *w, const lab_dataset *ds)
{
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    if (w->stamp == NULL) {
        w->stamp = lab_calloc(nv + 1, sizeof *w->stamp);
        w->pos = lab_malloc((nv + 1) * sizeof *w->pos);
        w->list = lab_malloc((nv + 1) * sizeof *w->list);
        w->cur = 0;
        if (w->stamp == NULL || w->pos == NULL || w->list == NULL) {
            free(w->stamp);
            free(w->pos);
            free(w->list);
            w->stamp = w->pos = w->list = NULL;
            return lab_seterr(LAB_ENOMEM, "out of memory");
        }
    }
    if (++w->cur == UINT32_MAX) {
        /* after four billion walks the stamps start over */
        memset(w->stamp, 0, (nv + 1) * sizeof *w->stamp);
        w->cur = 1;
    }
    w->n = 0;
    return LAB_OK;
}

void lab_walk_add_recruiters(lab_walk *w, const lab_dataset *ds, size_t from)
{
    for (size_t i = from; i < w->n; i++) {
        uint32_t u = w->list[i];
        for (uint32_t k = ds->recruiter_off[u]; k < ds->recruiter_off[u + 1];
             k++)
            lab_walk_reach(w, ds->recruiter_of[k]);
    }
}

int lab_walk_upstream(lab_walk *w, const lab_dataset *ds, uint32_t v)
{
    int rc = lab_walk_begin(w, ds);
    if (rc != LAB_OK)
        return rc;
    lab_walk_reach(w, v);
    for (size_t head = 0; head < w->n; head++) {
        uint32_t u = w->list[head];
        for (uint32_t k = ds->in_off[u]; k < ds->in_off[u + 1]; k++)
            lab_walk_reach(w, ds->link_from[ds->in_link[k]]);
        /* the agencies that recruit its workers are part of its chain */
        for (uint32_t k = ds->recruiter_off[u]; k < ds->recruiter_off[u + 1];
             k++)
            lab_walk_reach(w, ds->recruiter_of[k]);
    }
    return LAB_OK;
}

size_t lab_chain_tiers(const lab_dataset *ds, const uint32_t *roots,
                       size_t nroots, const unsigned char *member,
                       int32_t *tier, uint32_t *parent, uint32_t *order)
{
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n, n = 0;
    for (size_t v = 0; v < nv; v++)
        tier[v] = -1;
    for (size_t i = 0; i < nroots; i++) {
        uint32_t r = roots[i];
        if (r < nv && tier[r] < 0) {
            tier[r] = 0;
            if (parent != NULL)
                parent[r] = LAB_NONE;
            order[n++] = r;
        }
    }
    for (size_t head = 0; head < n; head++) {
        uint32_t u = order[head];
        for (uint32_t k = ds->in_off[u]; k < ds->in_off[u + 1]; k++) {
            uint32_t w = ds->link_from[ds->in_link[k]];
            if (tier[w] < 0 && (member == NULL || member[w])) {
                tier[w] = tier[u] + 1;
                if (parent != NULL)
                    parent[w] = u;
                order[n++] = w;
            }
        }
        for (uint32_t k = ds->recruiter_off[u]; k < ds->recruiter_off[u + 1];
             k++) {
            uint32_t w = ds->recruiter_of[k];
            if (tier[w] < 0 && (member == NULL || member[w])) {
                tier[w] = tier[u];
                if (parent != NULL)
                    parent[w] = u;
                order[n++] = w;
            }
        }
    }
    int32_t last = 0;
    for (size_t i = 0; i < n; i++)
        last = tier[order[i]] > last ? tier[order[i]] : last;
    for (size_t v = 0; member != NULL && v < nv; v++)
        if (member[v] && tier[v] < 0) {
            tier[v] = last + 1;
            if (parent != NULL)
                parent[v] = LAB_NONE;
            order[n++] = (uint32_t)v;
        }
    return n;
}

int lab_ds_derive_chains(lab_dataset *ds)
{
    int rc = lab_ds_index(ds);
    if (rc != LAB_OK || ds->chain != NULL)
        return rc;

    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    size_t nc = 0;
    uint32_t *comp = lab_malloc(nv * sizeof *comp);
    uint32_t *order = lab_malloc(nv * sizeof *order);
    uint32_t *start = NULL;
    lab_chain *facts = NULL, *chain = NULL;
    listset ls = {NULL, 0, 0};
    svec tmp[5] = {{0}};

    if (comp == NULL || order == NULL) {
        rc = LAB_ENOMEM;
        goto out;
    }
    rc = tarjan(ds, nv, comp, &nc);
    if (rc != LAB_OK)
        goto out;
    /* members of each component, grouped: counting sort by comp */
    start = lab_calloc(nc + 1, sizeof *start);
    facts = lab_calloc(nc ? nc : 1, sizeof *facts);
    chain = lab_calloc(nv ? nv : 1, sizeof *chain);
    if (start == NULL || facts == NULL || chain == NULL) {
        rc = LAB_ENOMEM;
        goto out;
    }
    for (size_t v = 0; v < nv; v++)
        start[comp[v] + 1]++;
    for (size_t c = 0; c < nc; c++)
        start[c + 1] += start[c];
    for (size_t v = 0; v < nv; v++)
        order[start[comp[v]]++] = (uint32_t)v;
    for (size_t c = nc; c > 0; c--)
        start[c] = start[c - 1];
    start[0] = 0;

    for (size_t c = 0; c < nc && rc == LAB_OK; c++)
        rc =
            derive_component(ds, &ls, tmp, order + start[c],
                             start[c + 1] - start[c], comp, (uint32_t)c, facts);
    if (rc != LAB_OK)
        goto out;
    for (size_t v = 0; v < nv; v++)
        chain[v] = facts[comp[v]];
    rc = derive_volumes(ds, comp, order, nv, chain);
    if (rc != LAB_OK)
        goto out;
    ds->chain = chain;
    chain = NULL; /* now owned by the dataset */
out:
    if (rc == LAB_ENOMEM)
        lab_seterr(rc, "out of memory while deriving chain facts");
    free(comp);
    free(order);
    free(start);
    free(facts);
    free(chain);
    free(ls.slot);
    for (int i = 0; i < 5; i++)
        free(tmp[i].v);
    return rc;
}
