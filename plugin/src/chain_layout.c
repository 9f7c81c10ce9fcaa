/*
 * chain_layout.c - where the report page draws each facility.  The
 * suppliers drawn are the products' chains (each maker, everything
 * upstream of it and the buyers it sells to) and the suppliers with
 * findings with their own upstream, capped so that a page of a large
 * supply base stays quick to open; with neither, every supplier.  They
 * are laid out in layers: one column per chain depth (farms, with no
 * inputs, on the left; brands on the right), a tall column wrapped into
 * sub-columns, and the order within each column chosen by a few
 * barycentre sweeps so that edges between neighbouring tiers stay short.
 */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

/* What the selection needs: the walk queue and a mark per supplier. */
typedef struct picker {
    uint32_t *list;
    size_t n;
    unsigned char *seen;
} picker;

static void pick(picker *p, uint32_t v)
{
    if (!p->seen[v]) {
        p->seen[v] = 1;
        p->list[p->n++] = v;
    }
}

/* Fills p->list with the suppliers to draw, the most important first:
 * makers and suppliers with findings, then their upstream breadth first.
 * The makers' buyers go to `buyers` (they are drawn, not walked). */
static void select_nodes(picker *p, picker *buyers, const lab_report *rep)
{
    const lab_dataset *ds = rep->ds;
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    for (size_t i = 0; i < rep->nproducts; i++)
        if (rep->products[i].maker < nv)
            pick(p, rep->products[i].maker);
    for (size_t i = 0; i < rep->n; i++)
        if (rep->findings[i].supplier < nv)
            pick(p, rep->findings[i].supplier);
    for (size_t h = 0; h < p->n; h++) {
        uint32_t v = p->list[h];
        for (uint32_t i = ds->in_off[v]; i < ds->in_off[v + 1]; i++)
            pick(p, ds->link_from[ds->in_link[i]]);
    }
    if (p->n == 0)
        for (uint32_t v = 0; v < nv; v++)
            pick(p, v);
    for (size_t i = 0; i < rep->nproducts; i++) {
        uint32_t m = rep->products[i].maker;
        if (m >= nv)
            continue;
        for (uint32_t k = ds->out_off[m]; k < ds->out_off[m + 1]; k++) {
            uint32_t v = ds->link_to[ds->out_link[k]];
            if (!p->seen[v]) {
                p->seen[v] = 1;
                buyers->list[buyers->n++] = v;
            }
        }
    }
}

static int32_t depth_of(const lab_dataset *ds, uint32_t v)
{
    if (ds->chain == NULL)
        return 0;
    int32_t d = ds->chain[v].depth;
    return d == LAB_INT_NONE || d < 0 ? 0 : d;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* One node of a column while it is being ordered. */
typedef struct ordered {
    double key, old;
    uint32_t k;
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

static int cmp_by_id(const void *a, const void *b, const lab_dataset *ds)
{
    const lab_table *t = &ds->tables[LAB_RECORD_SUPPLIER];
    const lab_supplier *x = lab_table_row(t, *(const uint32_t *)a);
    const lab_supplier *y = lab_table_row(t, *(const uint32_t *)b);
    return strcmp(x->id, y->id);
}

/* Working state of the layout. */
typedef struct work {
    const lab_dataset *ds;
    lab_chain_layout *l;
    int32_t *col;     /* column of each drawn node */
    size_t *start;    /* first member of column c in members[] */
    uint32_t *member; /* drawn nodes grouped by column */
    double *pos;      /* position within the column, 0..1 */
    ordered *tmp;
} work;

/* Reorders column c by the mean position of its neighbours in the
 * columns before it (forward) or after it (backward). */
static void sweep_column(work *w, int32_t c, int forward)
{
    const lab_dataset *ds = w->ds;
    const lab_chain_layout *l = w->l;
    size_t a = w->start[c], z = w->start[c + 1], n = z - a;
    for (size_t i = a; i < z; i++) {
        uint32_t k = w->member[i], v = l->nodes[k];
        double sum = 0;
        size_t cnt = 0;
        const uint32_t *off = forward ? ds->in_off : ds->out_off;
        const uint32_t *lnk = forward ? ds->in_link : ds->out_link;
        const uint32_t *end = forward ? ds->link_from : ds->link_to;
        for (uint32_t e = off[v]; e < off[v + 1]; e++) {
            int32_t j = l->slot[end[lnk[e]]];
            if (j < 0 || (forward ? w->col[j] >= c : w->col[j] <= c))
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

/* Starts each column in supplier id order, so that the page is the same
 * for the same data.  Large columns keep the order of selection (breadth
 * first from the makers), which the sweeps then refine. */
static void sort_members_by_id(work *w)
{
    const lab_chain_layout *l = w->l;
    for (int32_t c = 0; c < l->ncols; c++) {
        size_t a = w->start[c], z = w->start[c + 1];
        for (size_t i = a + 1; z - a <= 256 && i < z; i++) {
            uint32_t k = w->member[i];
            size_t j = i;
            while (j > a && cmp_by_id(&l->nodes[w->member[j - 1]], &l->nodes[k],
                                      w->ds) > 0) {
                w->member[j] = w->member[j - 1];
                j--;
            }
            w->member[j] = k;
        }
        for (size_t i = a; i < z; i++)
            w->pos[w->member[i]] =
                z - a > 1 ? (double)(i - a) / (double)(z - a - 1) : 0.5;
    }
}

/* Places every node: columns left to right, tall columns wrapped into
 * balanced sub-columns, short ones centred vertically. */
static void place(work *w)
{
    lab_chain_layout *l = w->l;
    const int pitch = LAB_NODE_H + LAB_NODE_GAP_Y;
    size_t maxrows = 1;
    for (int32_t c = 0; c < l->ncols; c++) {
        size_t n = w->start[c + 1] - w->start[c];
        size_t ns = (n + LAB_ROWS_PER_SUBCOL - 1) / LAB_ROWS_PER_SUBCOL;
        size_t rows = ns ? (n + ns - 1) / ns : 1;
        if (rows > maxrows)
            maxrows = rows;
    }
    int32_t x = 16;
    for (int32_t c = 0; c < l->ncols; c++) {
        size_t a = w->start[c], n = w->start[c + 1] - a;
        size_t ns = (n + LAB_ROWS_PER_SUBCOL - 1) / LAB_ROWS_PER_SUBCOL;
        size_t rows = ns ? (n + ns - 1) / ns : 1;
        int32_t top = LAB_LAYOUT_TOP + (int32_t)((maxrows - rows) * pitch / 2);
        l->col_x[c] = x;
        for (size_t i = 0; i < n; i++) {
            uint32_t k = w->member[a + i];
            l->x[k] = x + (int32_t)(i / rows) * (LAB_NODE_W + LAB_SUBCOL_GAP);
            l->y[k] = top + (int32_t)(i % rows) * pitch;
        }
        x += (int32_t)ns * (LAB_NODE_W + LAB_SUBCOL_GAP) - LAB_SUBCOL_GAP +
             LAB_COL_GAP;
    }
    l->width = l->ncols > 0 ? x - LAB_COL_GAP + 16 : 32;
    l->height = LAB_LAYOUT_TOP + (int32_t)maxrows * pitch + 8;
}

static int layout_columns(work *w)
{
    lab_chain_layout *l = w->l;
    size_t n = l->n;
    int32_t *depths = lab_malloc((n + 1) * sizeof *depths);
    if (depths == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        depths[k] = depth_of(w->ds, l->nodes[k]);
    qsort(depths, n, sizeof *depths, cmp_i32);
    size_t nd = 0;
    for (size_t k = 0; k < n; k++)
        if (nd == 0 || depths[nd - 1] != depths[k])
            depths[nd++] = depths[k];
    l->ncols = (int32_t)nd;
    l->col_depth = depths;
    l->col_x = lab_calloc(nd + 1, sizeof *l->col_x);
    w->start = lab_calloc(nd + 2, sizeof *w->start);
    if (l->col_x == NULL || w->start == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        int32_t d = depth_of(w->ds, l->nodes[k]);
        const int32_t *hit = bsearch(&d, depths, nd, sizeof *depths, cmp_i32);
        w->col[k] = (int32_t)(hit - depths);
        w->start[w->col[k] + 1]++;
    }
    for (size_t c = 0; c < nd; c++)
        w->start[c + 1] += w->start[c];
    size_t *fill = lab_calloc(nd + 1, sizeof *fill);
    if (fill == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        w->member[w->start[w->col[k]] + fill[w->col[k]]++] = (uint32_t)k;
    free(fill);
    sort_members_by_id(w);
    for (int round = 0; round < 2; round++) {
        for (int32_t c = 1; c < l->ncols; c++)
            sweep_column(w, c, 1);
        for (int32_t c = l->ncols - 2; c >= 0; c--)
            sweep_column(w, c, 0);
    }
    place(w);
    return LAB_OK;
}

void lab_chain_layout_free(lab_chain_layout *l)
{
    if (l == NULL)
        return;
    free(l->nodes);
    free(l->x);
    free(l->y);
    free(l->slot);
    free(l->col_x);
    free(l->col_depth);
    memset(l, 0, sizeof *l);
}

int lab_chain_layout_make(lab_chain_layout *out, const lab_report *rep,
                          size_t max_nodes)
{
    const lab_dataset *ds = rep->ds;
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_chain_layout l;
    work w;
    picker p = {0}, buyers = {0};
    int rc = LAB_ENOMEM;

    memset(&l, 0, sizeof l);
    memset(&w, 0, sizeof w);
    w.ds = ds;
    w.l = &l;
    p.list = lab_malloc((nv + 1) * sizeof *p.list);
    p.seen = lab_calloc(nv + 1, 1);
    buyers.list = lab_malloc((nv + 1) * sizeof *buyers.list);
    l.slot = lab_malloc((nv + 1) * sizeof *l.slot);
    if (p.list == NULL || p.seen == NULL || buyers.list == NULL ||
        l.slot == NULL)
        goto out;
    if (ds->indexed)
        select_nodes(&p, &buyers, rep);
    l.wanted = p.n + buyers.n;
    size_t keep_buyers = buyers.n < max_nodes ? buyers.n : max_nodes;
    size_t keep = p.n < max_nodes - keep_buyers ? p.n : max_nodes - keep_buyers;
    l.n = keep + keep_buyers;
    l.nodes = lab_malloc((l.n + 1) * sizeof *l.nodes);
    l.x = lab_calloc(l.n + 1, sizeof *l.x);
    l.y = lab_calloc(l.n + 1, sizeof *l.y);
    w.col = lab_calloc(l.n + 1, sizeof *w.col);
    w.member = lab_calloc(l.n + 1, sizeof *w.member);
    w.pos = lab_calloc(l.n + 1, sizeof *w.pos);
    w.tmp = lab_calloc(l.n + 1, sizeof *w.tmp);
    if (l.nodes == NULL || l.x == NULL || l.y == NULL || w.col == NULL ||
        w.member == NULL || w.pos == NULL || w.tmp == NULL)
        goto out;
    if (keep > 0)
        memcpy(l.nodes, p.list, keep * sizeof *l.nodes);
    if (keep_buyers > 0)
        memcpy(l.nodes + keep, buyers.list, keep_buyers * sizeof *l.nodes);
    for (size_t v = 0; v < nv; v++)
        l.slot[v] = -1;
    for (size_t k = 0; k < l.n; k++)
        l.slot[l.nodes[k]] = (int32_t)k;
    rc = layout_columns(&w);
out:
    free(p.list);
    free(p.seen);
    free(buyers.list);
    free(w.col);
    free(w.start);
    free(w.member);
    free(w.pos);
    free(w.tmp);
    if (rc != LAB_OK) {
        lab_chain_layout_free(&l);
        return rc == LAB_ENOMEM ? lab_seterr(LAB_ENOMEM, "out of memory") : rc;
    }
    *out = l;
    return LAB_OK;
}
