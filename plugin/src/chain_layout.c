/*
 * chain_layout.c - what the report pages draw and where.  A product's
 * drawing is its chain (its lot's, when judged per lot) with tiers as
 * lab_chain_tiers counts them: the maker on the right, tier 1 (its direct
 * suppliers) left of it, the farms furthest left.  A chain too large to
 * read on one screen becomes an overview: the maker and the paths from it
 * to the facilities with the worst findings are shown one by one, and the
 * rest are grouped by tier and country, each group with its size and its
 * worst severity.  The drawing of every chain together counts tiers from
 * the nearest maker.  Boxes sit in columns on one grid of rows, a tall
 * column wrapped into sub-columns, ordered by a few barycentre sweeps so
 * that edges stay short; since every box is on the grid, an edge drawn
 * along the gaps between columns and between rows never crosses a box.
 */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

static int oom(void)
{
    return lab_seterr(LAB_ENOMEM, "out of memory");
}

static const lab_supplier *supplier_of(const lab_dataset *ds, uint32_t v)
{
    return lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], v);
}

void lab_drawing_free(lab_drawing *d)
{
    if (d == NULL)
        return;
    free(d->box);
    free(d->edge);
    free(d->slot);
    free(d->col_x);
    free(d->col_tier);
    memset(d, 0, sizeof *d);
}

/* ---- boxes and edges ---- */

static int add_box(lab_drawing *d, size_t *cap, uint32_t v, int32_t tier)
{
    if (lab_grow((void **)&d->box, cap, d->n + 1, sizeof *d->box) != LAB_OK)
        return oom();
    lab_box *b = &d->box[d->n];
    memset(b, 0, sizeof *b);
    b->supplier = v;
    b->count = 1;
    b->tier = tier;
    b->worst = -1;
    d->slot[v] = (int32_t)d->n++;
    return LAB_OK;
}

static int cmp_edge(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* The edges between boxes: one per pair of boxes that some link joins
 * (goods from the first to the second), for the links whose ends are
 * both drawn. */
static int make_edges(lab_drawing *d, const lab_dataset *ds,
                      const uint32_t *members, size_t nmembers)
{
    size_t cap = 0;
    for (size_t i = 0; i < nmembers; i++) {
        uint32_t v = members[i];
        int32_t bv = d->slot[v];
        for (uint32_t k = ds->in_off[v]; bv >= 0 && k < ds->in_off[v + 1];
             k++) {
            int32_t bu = d->slot[ds->link_from[ds->in_link[k]]];
            if (bu < 0 || bu == bv)
                continue;
            if (lab_grow((void **)&d->edge, &cap, d->nedges + 1,
                         sizeof *d->edge) != LAB_OK)
                return oom();
            d->edge[d->nedges][0] = (uint32_t)bu;
            d->edge[d->nedges][1] = (uint32_t)bv;
            d->nedges++;
        }
    }
    if (d->nedges > 1) {
        qsort(d->edge, d->nedges, sizeof *d->edge, cmp_edge);
        size_t w = 1;
        for (size_t i = 1; i < d->nedges; i++)
            if (cmp_edge(d->edge[i], d->edge[w - 1]) != 0)
                memcpy(d->edge[w++], d->edge[i], sizeof *d->edge);
        d->nedges = w;
    }
    return LAB_OK;
}

/* ---- layout ---- */

/* One box while its column is ordered. */
typedef struct ordered {
    double key, old;
    uint32_t k;
    const char *name; /* first ordering: groups by country, else by id */
    uint8_t group;
} ordered;

static int cmp_ordered(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->old != y->old)
        return x->old < y->old ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

static int cmp_named(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->group != y->group)
        return x->group - y->group;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* Columns left to right: the highest tier first, the maker's (tier 0)
 * last but for the boxes outside every chain (tier -1) at the far
 * right. */
static int32_t column_rank(int32_t tier)
{
    return tier < 0 ? INT32_MIN : tier;
}

static int cmp_tier_desc(const void *a, const void *b)
{
    int32_t x = column_rank(*(const int32_t *)a);
    int32_t y = column_rank(*(const int32_t *)b);
    return (x < y) - (x > y);
}

typedef struct work {
    lab_drawing *d;
    uint32_t *col;            /* per box: its column */
    uint32_t *start, *member; /* column c: member[start[c]..start[c+1]) */
    double *pos;              /* per box: place in its column, 0..1 */
    uint32_t *adj_off, *adj;  /* boxes joined to each box by an edge */
    ordered *tmp;
} work;

/* Reorders column c by the mean place of its neighbours in the columns
 * left of it (forward) or right of it (backward). */
static void sweep_column(work *w, int32_t c, int forward)
{
    size_t a = w->start[c], z = w->start[c + 1], n = z - a;
    for (size_t i = a; i < z; i++) {
        uint32_t k = w->member[i];
        double sum = 0;
        size_t cnt = 0;
        for (uint32_t e = w->adj_off[k]; e < w->adj_off[k + 1]; e++) {
            uint32_t j = w->adj[e];
            int32_t cj = (int32_t)w->col[j];
            if (forward ? cj >= c : cj <= c)
                continue;
            sum += w->pos[j];
            cnt++;
        }
        w->tmp[i - a].old = w->pos[k];
        w->tmp[i - a].key = cnt ? sum / (double)cnt : w->pos[k];
        w->tmp[i - a].k = k;
    }
    qsort(w->tmp, n, sizeof *w->tmp, cmp_ordered);
    for (size_t i = 0; i < n; i++) {
        w->member[a + i] = w->tmp[i].k;
        w->pos[w->tmp[i].k] = n > 1 ? (double)i / (double)(n - 1) : 0.5;
    }
}

/* Places every box on the grid: a column of n boxes takes ceil(n / rows
 * per sub-column) sub-columns of equal height, centred by whole rows
 * when the drawing is short. */
static void place(work *w)
{
    lab_drawing *d = w->d;
    const int32_t pitch = LAB_NODE_H + LAB_NODE_GAP_Y;
    size_t maxrows = 1;
    for (int32_t c = 0; c < d->ncols; c++) {
        size_t n = w->start[c + 1] - w->start[c];
        size_t ns = (n + LAB_ROWS_PER_SUBCOL - 1) / LAB_ROWS_PER_SUBCOL;
        size_t rows = ns ? (n + ns - 1) / ns : 1;
        maxrows = rows > maxrows ? rows : maxrows;
    }
    int32_t x = LAB_COL_GAP;
    for (int32_t c = 0; c < d->ncols; c++) {
        size_t a = w->start[c], n = w->start[c + 1] - a;
        size_t ns = (n + LAB_ROWS_PER_SUBCOL - 1) / LAB_ROWS_PER_SUBCOL;
        size_t rows = ns ? (n + ns - 1) / ns : 1;
        /* centred in a short drawing; from the top in a tall one, so
         * that its first screen is full */
        int32_t top = maxrows <= 10 ? (int32_t)((maxrows - rows) / 2) : 0;
        d->col_x[c] = x;
        for (size_t i = 0; i < n; i++) {
            lab_box *b = &d->box[w->member[a + i]];
            size_t sub = i / rows;
            b->col = c;
            b->row = top + (int32_t)(i % rows);
            b->x = x + (int32_t)sub * (LAB_NODE_W + LAB_SUBCOL_GAP);
            b->y = LAB_LAYOUT_TOP + b->row * pitch;
            b->lx = b->x - (sub == 0 ? LAB_COL_GAP : LAB_SUBCOL_GAP) / 2;
            b->rx = b->x + LAB_NODE_W +
                    (sub + 1 == ns ? LAB_COL_GAP : LAB_SUBCOL_GAP) / 2;
        }
        x += (int32_t)ns * (LAB_NODE_W + LAB_SUBCOL_GAP) - LAB_SUBCOL_GAP +
             LAB_COL_GAP;
    }
    d->width = x;
    d->height = LAB_LAYOUT_TOP + (int32_t)maxrows * pitch;
}

static int layout(lab_drawing *d, const lab_dataset *ds)
{
    size_t n = d->n, ne = 2 * d->nedges, nc = 0;
    work w = {0};
    int rc = LAB_ENOMEM;
    w.d = d;
    int32_t *tiers = lab_malloc((n + 1) * sizeof *tiers);
    uint32_t *ends = lab_malloc((ne + 1) * sizeof *ends);
    w.col = lab_malloc((n + 1) * sizeof *w.col);
    w.pos = lab_calloc(n + 1, sizeof *w.pos);
    w.tmp = lab_calloc(n + 1, sizeof *w.tmp);
    if (tiers == NULL || ends == NULL || w.col == NULL || w.pos == NULL ||
        w.tmp == NULL)
        goto out;
    /* the columns: distinct tiers, highest first */
    for (size_t k = 0; k < n; k++)
        tiers[k] = d->box[k].tier;
    qsort(tiers, n, sizeof *tiers, cmp_tier_desc);
    for (size_t k = 0; k < n; k++)
        if (nc == 0 || tiers[nc - 1] != tiers[k])
            tiers[nc++] = tiers[k];
    d->ncols = (int32_t)nc;
    d->col_tier = tiers;
    tiers = NULL;
    d->col_x = lab_calloc(nc + 1, sizeof *d->col_x);
    if (d->col_x == NULL)
        goto out;
    for (size_t k = 0; k < n; k++) {
        int32_t t = d->box[k].tier;
        const int32_t *hit =
            bsearch(&t, d->col_tier, nc, sizeof t, cmp_tier_desc);
        w.col[k] = (uint32_t)(hit - d->col_tier);
    }
    /* each column first in name order (groups after facilities) */
    if (lab_csr_build(&w.start, &w.member, nc, n, w.col) != LAB_OK)
        goto out;
    for (size_t c = 0; c < nc; c++) {
        size_t a = w.start[c], z = w.start[c + 1];
        for (size_t i = a; i < z; i++) {
            const lab_box *b = &d->box[w.member[i]];
            const lab_supplier *s = supplier_of(ds, b->supplier);
            w.tmp[i - a] =
                (ordered){.k = w.member[i],
                          .group = b->group,
                          .name = b->group && s->country ? s->country : s->id};
        }
        qsort(w.tmp, z - a, sizeof *w.tmp, cmp_named);
        for (size_t i = a; i < z; i++) {
            w.member[i] = w.tmp[i - a].k;
            w.pos[w.member[i]] =
                z - a > 1 ? (double)(i - a) / (double)(z - a - 1) : 0.5;
        }
    }
    /* neighbours, for the sweeps: each edge's two ends grouped by box,
     * then each end replaced by the box at the edge's other end */
    for (size_t e = 0; e < d->nedges; e++) {
        ends[2 * e] = d->edge[e][0];
        ends[2 * e + 1] = d->edge[e][1];
    }
    if (lab_csr_build(&w.adj_off, &w.adj, n, ne, ends) != LAB_OK)
        goto out;
    for (size_t i = 0; i < ne; i++)
        w.adj[i] = d->edge[w.adj[i] / 2][1 - w.adj[i] % 2];
    for (int round = 0; round < 3; round++) {
        for (int32_t c = 1; c < d->ncols; c++)
            sweep_column(&w, c, 1);
        for (int32_t c = d->ncols - 2; c >= 0; c--)
            sweep_column(&w, c, 0);
    }
    place(&w);
    rc = LAB_OK;
out:
    free(tiers);
    free(ends);
    free(w.col);
    free(w.start);
    free(w.member);
    free(w.pos);
    free(w.tmp);
    free(w.adj_off);
    free(w.adj);
    return rc == LAB_OK ? LAB_OK : oom();
}

/* ---- one product's chain ---- */

/* A facility of an overview's groups, while they are formed. */
typedef struct grouped {
    int32_t tier;
    const char *country;
    uint32_t v;
} grouped;

static int cmp_grouped(const void *a, const void *b)
{
    const grouped *x = a, *y = b;
    if (x->tier != y->tier)
        return x->tier < y->tier ? -1 : 1;
    int c = strcmp(x->country, y->country);
    return c ? c : (x->v > y->v) - (x->v < y->v);
}

/* A facility with findings, while the overview picks whose path to show. */
typedef struct problem {
    int8_t worst;
    int32_t tier;
    uint32_t v;
} problem;

static int cmp_problem(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->worst != y->worst)
        return x->worst > y->worst ? -1 : 1;
    if (x->tier != y->tier)
        return x->tier < y->tier ? -1 : 1;
    return (x->v > y->v) - (x->v < y->v);
}

/* Marks in `shown` the maker and the paths (through `parent`) to the
 * facilities with the worst findings, the nearest first, while they fit
 * in LAB_HTML_OVERVIEW_NODES. */
static int pick_paths(unsigned char *shown, const uint32_t *order, size_t n,
                      const int32_t *tier, const uint32_t *parent,
                      const lab_sup_mark *mk)
{
    problem *pb = lab_malloc((n + 1) * sizeof *pb);
    size_t np = 0, picked = 1;
    if (pb == NULL)
        return oom();
    shown[order[0]] = 1;
    for (size_t i = 0; i < n; i++)
        if (mk[order[i]].worst >= 0)
            pb[np++] = (problem){mk[order[i]].worst, tier[order[i]], order[i]};
    qsort(pb, np, sizeof *pb, cmp_problem);
    for (size_t i = 0; i < np && picked < LAB_HTML_OVERVIEW_NODES; i++) {
        size_t add = 0;
        for (uint32_t v = pb[i].v; v != LAB_NONE && !shown[v]; v = parent[v])
            add++;
        if (picked + add > LAB_HTML_OVERVIEW_NODES)
            continue;
        for (uint32_t v = pb[i].v; v != LAB_NONE && !shown[v]; v = parent[v])
            shown[v] = 1;
        picked += add;
    }
    free(pb);
    return LAB_OK;
}

/* Groups the facilities not shown by tier and country. */
static int make_groups(lab_drawing *d, size_t *cap, const lab_dataset *ds,
                       const uint32_t *order, size_t n, const int32_t *tier,
                       const unsigned char *shown, const lab_sup_mark *mk)
{
    grouped *g = lab_malloc((n + 1) * sizeof *g);
    size_t ng = 0;
    if (g == NULL)
        return oom();
    for (size_t i = 0; i < n; i++) {
        uint32_t v = order[i];
        if (!shown[v]) {
            const char *c = supplier_of(ds, v)->country;
            g[ng++] = (grouped){tier[v], c ? c : "", v};
        }
    }
    qsort(g, ng, sizeof *g, cmp_grouped);
    int rc = LAB_OK;
    for (size_t i = 0; rc == LAB_OK && i < ng; i++) {
        if (i == 0 || g[i].tier != g[i - 1].tier ||
            strcmp(g[i].country, g[i - 1].country) != 0) {
            rc = add_box(d, cap, g[i].v, g[i].tier);
            if (rc != LAB_OK)
                break;
            d->box[d->n - 1].group = 1;
            d->box[d->n - 1].count = 0;
            d->groups++;
        }
        lab_box *b = &d->box[d->n - 1];
        d->slot[g[i].v] = (int32_t)(d->n - 1);
        b->count++;
        int8_t worst = mk[g[i].v].worst;
        if (worst > b->worst) {
            b->worst = worst;
            b->nworst = 0;
        }
        if (worst >= 0 && worst == b->worst)
            b->nworst++;
    }
    free(g);
    /* a group of one is its facility */
    for (size_t k = 0; rc == LAB_OK && k < d->n; k++)
        if (d->box[k].group && d->box[k].count == 1) {
            d->box[k].group = 0;
            d->groups--;
        }
    return rc;
}

int lab_drawing_product(lab_drawing *out, const lab_report *rep,
                        const lab_product_verdict *p, const lab_sup_mark *mk)
{
    lab_dataset *ds = (lab_dataset *)rep->ds;
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n, cap = 0;
    lab_drawing d;
    lab_walk walk = {0};
    unsigned char *member = NULL, *shown = NULL;
    int rc = LAB_ENOMEM;

    memset(&d, 0, sizeof d);
    if (p->maker >= nv || !ds->indexed) {
        *out = d;
        return LAB_OK;
    }
    int32_t *tier = lab_malloc((nv + 1) * sizeof *tier);
    uint32_t *parent = lab_malloc((nv + 1) * sizeof *parent);
    uint32_t *order = lab_malloc((nv + 1) * sizeof *order);
    d.slot = lab_malloc((nv + 1) * sizeof *d.slot);
    if (tier == NULL || parent == NULL || order == NULL || d.slot == NULL)
        goto out;
    for (size_t v = 0; v < nv; v++)
        d.slot[v] = -1;
    if (p->lot != LAB_NONE) {
        /* the lot's facilities: the walk keeps its stamps in the
         * dataset, like the engine's (one thread at a time) */
        member = lab_calloc(nv + 1, 1);
        if (member == NULL)
            goto out;
        rc = lab_lot_walk(ds, p->row, p->lot, &walk, NULL);
        if (rc != LAB_OK)
            goto out;
        for (size_t i = 0; i < walk.n; i++)
            member[walk.list[i]] = 1;
        rc = LAB_ENOMEM;
    }
    size_t n = lab_chain_tiers(ds, &p->maker, 1, member, tier, parent, order);
    d.facilities = d.wanted = n;
    shown = lab_calloc(nv + 1, 1);
    if (shown == NULL)
        goto out;
    if (n <= LAB_HTML_FULL_NODES)
        memset(shown, 1, nv);
    else if ((rc = pick_paths(shown, order, n, tier, parent, mk)) != LAB_OK)
        goto out;
    rc = LAB_OK;
    for (size_t i = 0; rc == LAB_OK && i < n; i++)
        if (shown[order[i]])
            rc = add_box(&d, &cap, order[i], tier[order[i]]);
    if (rc == LAB_OK && n > LAB_HTML_FULL_NODES)
        rc = make_groups(&d, &cap, ds, order, n, tier, shown, mk);
    for (size_t k = 0; rc == LAB_OK && k < d.n; k++)
        if (!d.box[k].group)
            d.box[k].worst = mk[d.box[k].supplier].worst;
    if (rc == LAB_OK)
        rc = make_edges(&d, ds, order, n);
    if (rc == LAB_OK)
        rc = layout(&d, ds);
out:
    free(tier);
    free(parent);
    free(order);
    free(member);
    free(shown);
    free(walk.stamp);
    free(walk.pos);
    free(walk.list);
    if (rc != LAB_OK) {
        lab_drawing_free(&d);
        return rc == LAB_ENOMEM ? oom() : rc;
    }
    *out = d;
    return LAB_OK;
}

/* ---- every chain together ---- */

int lab_drawing_all(lab_drawing *out, const lab_report *rep,
                    const lab_sup_mark *mk, size_t max_nodes)
{
    const lab_dataset *ds = rep->ds;
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n, cap = 0, nroots = 0;
    lab_drawing d;
    int rc = LAB_ENOMEM;

    memset(&d, 0, sizeof d);
    int32_t *tier = lab_malloc((nv + 1) * sizeof *tier);
    uint32_t *order = lab_malloc((nv + 1) * sizeof *order);
    uint32_t *roots = lab_malloc((nv + rep->nproducts + 1) * sizeof *roots);
    d.slot = lab_malloc((nv + 1) * sizeof *d.slot);
    if (tier == NULL || order == NULL || roots == NULL || d.slot == NULL)
        goto out;
    for (size_t v = 0; v < nv; v++)
        d.slot[v] = -1;
    if (!ds->indexed) {
        rc = LAB_OK;
        goto out;
    }
    /* the makers; without products, the suppliers that sell to no one */
    for (size_t i = 0; i < rep->nproducts; i++)
        roots[nroots++] = rep->products[i].maker;
    for (uint32_t v = 0; rep->nproducts == 0 && v < nv; v++)
        if (ds->out_off[v] == ds->out_off[v + 1])
            roots[nroots++] = v;
    size_t n = lab_chain_tiers(ds, roots, nroots, NULL, tier, NULL, order);
    /* then, outside the chains, those with findings (or, without
     * products, every other supplier) */
    for (uint32_t v = 0; v < nv; v++)
        if (tier[v] < 0 && (mk[v].count > 0 || rep->nproducts == 0))
            order[n++] = v;
    d.wanted = n;
    n = n < max_nodes ? n : max_nodes;
    d.facilities = n;
    rc = LAB_OK;
    for (size_t i = 0; rc == LAB_OK && i < n; i++) {
        rc = add_box(&d, &cap, order[i], tier[order[i]]);
        if (rc == LAB_OK)
            d.box[d.n - 1].worst = mk[order[i]].worst;
    }
    if (rc == LAB_OK)
        rc = make_edges(&d, ds, order, n);
    if (rc == LAB_OK)
        rc = layout(&d, ds);
out:
    free(tier);
    free(order);
    free(roots);
    if (rc != LAB_OK) {
        lab_drawing_free(&d);
        return rc == LAB_ENOMEM ? oom() : rc;
    }
    *out = d;
    return LAB_OK;
}
