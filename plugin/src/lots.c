/*
 * lots.c - the lot graph and each product lot's chain.  A lot is a
 * quantity of goods a facility made or holds, kept under a
 * chain-of-custody model; a lot input says that a quantity of one lot went
 * into another.  Once everything is loaded, lab_ds_index_lots() checks
 * every reference (at the file:line it was read), refuses a cycle of lots
 * naming it, and derives per lot, in one pass in topological order (inputs
 * before the lots made from them): the longest run of inputs, the share of
 * the lot traced to origin lots (farms, gins), and by how much its
 * quantity exceeds its inputs times their conversion factors.  A product
 * lot's chain (lab_lot_chain) is then the lots it was made from,
 * transitively, and the facilities that hold them: the chain its verdict
 * is judged on, instead of everything upstream of its maker.
 */
#include "dataset.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rank of a chain-of-custody model: higher keeps lots more apart. */
static int custody_rank(const char *m)
{
    static const char *const order[] = {"unknown", "book_and_claim",
                                        "mass_balance", "segregated",
                                        "identity_preserved"};
    for (int i = 0; m != NULL && i < 5; i++)
        if (strcmp(m, order[i]) == 0)
            return i;
    return 0;
}

static int lot_error(const lab_dataset *ds, lab_record_kind kind, size_t row,
                     const char *fmt, ...) LAB_PRINTF(4, 5);
static int lot_error(const lab_dataset *ds, lab_record_kind kind, size_t row,
                     const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lab_pos p = lab_ds_row_pos(ds, kind, row);
    /* records from EPCIS events have no line: their file names the JSON
     * pointer of the event */
    if (p.line == 0)
        return lab_seterr(LAB_ESCHEMA, "%s: %s", p.file, msg);
    return lab_seterr(LAB_ESCHEMA, "%s:%u: %s", p.file, p.line, msg);
}

void lab_ds_drop_lots(lab_dataset *ds)
{
    free(ds->lot_owner);
    free(ds->lot_in_off);
    free(ds->lot_in_of);
    free(ds->lot_input_from);
    free(ds->product_lot_off);
    free(ds->product_lot_of);
    free(ds->lot_depth);
    free(ds->lot_traced);
    free(ds->lot_excess);
    free(ds->lot_unquantified);
    free(ds->lot_stamp);
    free(ds->lot_list);
    ds->lot_owner = ds->lot_in_off = ds->lot_in_of = ds->lot_input_from = NULL;
    ds->product_lot_off = ds->product_lot_of = NULL;
    ds->lot_depth = NULL;
    ds->lot_traced = ds->lot_excess = NULL;
    ds->lot_unquantified = NULL;
    ds->lot_stamp = ds->lot_list = NULL;
    ds->lot_cur = 0;
}

/* A lot input's quantity in its output lot's units, or NaN when it cannot
 * be known (no quantity; another unit and no conversion factor). */
static double input_in_output_units(const lab_lot_input *in, const lab_lot *out)
{
    if (isnan(in->quantity))
        return NAN;
    if (!isnan(in->conversion_factor))
        return in->quantity * in->conversion_factor;
    if (in->unit == NULL || out->unit == NULL ||
        strcmp(in->unit, out->unit) == 0)
        return in->quantity;
    return NAN;
}

/* Iterative depth-first walk over the inputs of every lot: refuses a cycle
 * (naming it) and fills `order` with the lots in post-order, inputs
 * first. */
static int topo_order(lab_dataset *ds, uint32_t *order)
{
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    size_t nl = lots->n, no = 0;
    uint8_t *state = lab_calloc(nl ? nl : 1, 1); /* 0 new, 1 open, 2 done */
    uint32_t *stack = lab_malloc((nl ? nl : 1) * sizeof *stack);
    uint32_t *next = lab_calloc(nl ? nl : 1, sizeof *next);
    int rc = LAB_OK;
    if (state == NULL || stack == NULL || next == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t root = 0; root < nl && rc == LAB_OK; root++) {
        if (state[root] != 0)
            continue;
        size_t sp = 0;
        stack[sp++] = (uint32_t)root;
        state[root] = 1;
        next[root] = ds->lot_in_off[root];
        while (sp > 0 && rc == LAB_OK) {
            uint32_t l = stack[sp - 1];
            if (next[l] == ds->lot_in_off[l + 1]) {
                state[l] = 2;
                order[no++] = l;
                sp--;
                continue;
            }
            uint32_t j = ds->lot_in_of[next[l]++];
            uint32_t in = ds->lot_input_from[j];
            if (state[in] == 2)
                continue;
            if (state[in] == 0) {
                state[in] = 1;
                next[in] = ds->lot_in_off[in];
                stack[sp++] = in;
                continue;
            }
            /* a back edge: the cycle is the stack from `in` to the top */
            lab_buf b = LAB_BUF_INIT;
            size_t k = sp;
            while (k > 0 && stack[k - 1] != in)
                k--;
            for (size_t i = k - 1; i < sp; i++) {
                const lab_lot *x = lab_table_row(lots, stack[i]);
                lab_buf_printf(&b, "%s <- ", x->id);
            }
            lab_buf_adds(&b, ((const lab_lot *)lab_table_row(lots, in))->id);
            rc = lot_error(ds, LAB_RECORD_LOT_INPUT, j,
                           "lots form a cycle (%s), expected each lot to be "
                           "made only from lots made before it",
                           b.oom ? "?" : b.data);
            lab_buf_free(&b);
        }
    }
out:
    free(state);
    free(stack);
    free(next);
    return rc;
}

/* Per lot, in topological order: depth, traced share, excess. */
static int derive_lot_facts(lab_dataset *ds, const uint32_t *order)
{
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    const lab_table *ins = &ds->tables[LAB_RECORD_LOT_INPUT];
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    size_t nl = lots->n;
    ds->lot_depth = lab_calloc(nl ? nl : 1, sizeof *ds->lot_depth);
    ds->lot_traced = lab_calloc(nl ? nl : 1, sizeof *ds->lot_traced);
    ds->lot_excess = lab_calloc(nl ? nl : 1, sizeof *ds->lot_excess);
    ds->lot_unquantified =
        lab_calloc(nl ? nl : 1, sizeof *ds->lot_unquantified);
    if (ds->lot_depth == NULL || ds->lot_traced == NULL ||
        ds->lot_excess == NULL || ds->lot_unquantified == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; k < nl; k++) {
        uint32_t l = order[k];
        const lab_lot *lot = lab_table_row(lots, l);
        uint32_t a = ds->lot_in_off[l], b = ds->lot_in_off[l + 1];
        ds->lot_excess[l] = NAN;
        if (a == b) {
            const lab_supplier *s = lab_table_row(sup, ds->lot_owner[l]);
            ds->lot_traced[l] = lab_is_origin_role(s->role) ? 1.0 : 0.0;
            continue;
        }
        int32_t depth = 0;
        double total = 0, traced = 0, min_traced = 1;
        int32_t unq = 0;
        for (uint32_t i = a; i < b; i++) {
            uint32_t j = ds->lot_in_of[i], in = ds->lot_input_from[j];
            const lab_lot_input *li = lab_table_row(ins, j);
            if (ds->lot_depth[in] + 1 > depth)
                depth = ds->lot_depth[in] + 1;
            if (ds->lot_traced[in] < min_traced)
                min_traced = ds->lot_traced[in];
            double q = input_in_output_units(li, lot);
            if (isnan(q)) {
                unq++;
                continue;
            }
            total += q;
            traced += q * ds->lot_traced[in];
        }
        ds->lot_depth[l] = depth;
        ds->lot_unquantified[l] = unq;
        if (isnan(lot->quantity) || lot->quantity <= 0) {
            /* no quantity to weigh the inputs by: the weakest input */
            ds->lot_traced[l] = min_traced;
        } else {
            double t = traced / lot->quantity;
            ds->lot_traced[l] = t > 1 ? 1 : t;
            if (unq == 0 && total > 0)
                ds->lot_excess[l] = lot->quantity / total - 1;
        }
    }
    return LAB_OK;
}

/* Is there a link (shipment) from supplier a to supplier b? */
static int has_link(const lab_dataset *ds, uint32_t a, uint32_t b)
{
    for (uint32_t k = ds->out_off[a]; k < ds->out_off[a + 1]; k++)
        if (ds->link_to[ds->out_link[k]] == b)
            return 1;
    return 0;
}

static int index_product_lots(lab_dataset *ds)
{
    const lab_table *products = &ds->tables[LAB_RECORD_PRODUCT];
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    size_t np = products->n, total = 0;
    for (size_t p = 0; p < np; p++) {
        const lab_product *pr = lab_table_row(products, p);
        total += pr->lots ? pr->lots->n : 0;
    }
    ds->product_lot_off = lab_calloc(np + 1, sizeof *ds->product_lot_off);
    ds->product_lot_of =
        lab_calloc(total ? total : 1, sizeof *ds->product_lot_of);
    if (ds->product_lot_off == NULL || ds->product_lot_of == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t p = 0; p < np; p++) {
        const lab_product *pr = lab_table_row(products, p);
        ds->product_lot_off[p] = (uint32_t)n;
        long maker = lab_ds_find(ds, LAB_RECORD_SUPPLIER, pr->supplier_id);
        for (uint32_t i = 0; pr->lots != NULL && i < pr->lots->n; i++) {
            const char *id = pr->lots->items[i].u.s;
            long l = lab_ds_find(ds, LAB_RECORD_LOT, id);
            if (l < 0)
                return lot_error(ds, LAB_RECORD_PRODUCT, p,
                                 "product '%s': lot '%s' is not a known lot "
                                 "id (expected an id from lots.csv or an "
                                 "event)",
                                 pr->id, id);
            if (maker >= 0 && ds->lot_owner[l] != (uint32_t)maker) {
                const lab_lot *lot = lab_table_row(lots, (size_t)l);
                return lot_error(ds, LAB_RECORD_PRODUCT, p,
                                 "product '%s' is made by '%s' but its lot "
                                 "'%s' is held by '%s', expected the "
                                 "maker's own lots",
                                 pr->id, pr->supplier_id, id, lot->facility_id);
            }
            ds->product_lot_of[n++] = (uint32_t)l;
        }
    }
    ds->product_lot_off[np] = (uint32_t)n;
    return LAB_OK;
}

int lab_ds_index_lots(lab_dataset *ds)
{
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    const lab_table *ins = &ds->tables[LAB_RECORD_LOT_INPUT];
    size_t nl = lots->n, ni = ins->n;
    uint32_t *to = NULL, *order = NULL;
    int rc = LAB_OK;

    if (nl == 0 && ni == 0)
        return LAB_OK; /* products' lots are only labels */
    ds->lot_owner = lab_calloc(nl ? nl : 1, sizeof *ds->lot_owner);
    ds->lot_input_from = lab_calloc(ni ? ni : 1, sizeof *ds->lot_input_from);
    to = lab_calloc(ni ? ni : 1, sizeof *to);
    order = lab_calloc(nl ? nl : 1, sizeof *order);
    if (ds->lot_owner == NULL || ds->lot_input_from == NULL || to == NULL ||
        order == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t l = 0; l < nl && rc == LAB_OK; l++) {
        const lab_lot *lot = lab_table_row(lots, l);
        long s = lab_ds_find(ds, LAB_RECORD_SUPPLIER, lot->facility_id);
        if (s < 0)
            rc = lot_error(ds, LAB_RECORD_LOT, l,
                           "lot '%s': facility_id '%s' is not a known "
                           "supplier id (expected an id from suppliers.csv)",
                           lot->id, lot->facility_id);
        else
            ds->lot_owner[l] = (uint32_t)s;
    }
    for (size_t j = 0; j < ni && rc == LAB_OK; j++) {
        const lab_lot_input *in = lab_table_row(ins, j);
        long out = lab_ds_find(ds, LAB_RECORD_LOT, in->lot_id);
        long from = lab_ds_find(ds, LAB_RECORD_LOT, in->input_lot_id);
        const char *bad = out < 0 ? "lot_id" : from < 0 ? "input_lot_id" : NULL;
        if (bad != NULL) {
            rc =
                lot_error(ds, LAB_RECORD_LOT_INPUT, j,
                          "lot input '%s': %s '%s' is not a known lot id "
                          "(expected an id from lots.csv or an event)",
                          in->id, bad, out < 0 ? in->lot_id : in->input_lot_id);
            break;
        }
        to[j] = (uint32_t)out;
        ds->lot_input_from[j] = (uint32_t)from;
        uint32_t a = ds->lot_owner[from], b = ds->lot_owner[out];
        if (a != b && !has_link(ds, a, b)) {
            lab_pos p = lab_ds_row_pos(ds, LAB_RECORD_LOT_INPUT, j);
            const lab_lot *lf = lab_table_row(lots, (size_t)from);
            const lab_lot *lo = lab_table_row(lots, (size_t)out);
            char line[16] = "";
            if (p.line > 0)
                snprintf(line, sizeof line, ":%u", p.line);
            rc = lab_ds_warn(ds,
                             "%s%s: lot '%s' went from '%s' into lot '%s' "
                             "at '%s', but no link (shipment) between the "
                             "two is recorded",
                             p.file, line, lf->id, lf->facility_id, lo->id,
                             lo->facility_id);
        }
    }
    if (rc == LAB_OK)
        rc =
            lab_csr_build(&ds->lot_in_off, &ds->lot_in_of, nl, ni, to) == LAB_OK
                ? LAB_OK
                : lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK)
        rc = topo_order(ds, order);
    if (rc == LAB_OK)
        rc = derive_lot_facts(ds, order);
    if (rc == LAB_OK)
        rc = index_product_lots(ds);
    if (rc == LAB_OK) {
        ds->lot_stamp = lab_calloc(nl ? nl : 1, sizeof *ds->lot_stamp);
        ds->lot_list = lab_malloc((nl ? nl : 1) * sizeof *ds->lot_list);
        if (ds->lot_stamp == NULL || ds->lot_list == NULL)
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
    }
out:
    free(to);
    free(order);
    if (rc != LAB_OK)
        lab_ds_drop_lots(ds);
    return rc;
}

/* ---- a product lot's chain ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct strings of s[0..n) as a sorted list in arena a (NULL for
 * none).  Sorts s. */
static int make_list(lab_arena *a, const char **s, size_t n,
                     const lab_list **out)
{
    *out = NULL;
    if (n == 0)
        return LAB_OK;
    qsort(s, n, sizeof *s, cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(s[m - 1], s[i]) != 0)
            s[m++] = s[i];
    lab_list *l = lab_arena_alloc(a, sizeof *l + m * sizeof l->items[0]);
    if (l == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    l->n = (uint32_t)m;
    for (size_t i = 0; i < m; i++)
        l->items[i] = lab_val_str(s[i], strlen(s[i]));
    *out = l;
    return LAB_OK;
}

static void lot_reach(lab_dataset *ds, uint32_t l)
{
    if (ds->lot_stamp[l] != ds->lot_cur) {
        ds->lot_stamp[l] = ds->lot_cur;
        ds->lot_list[ds->lot_n++] = l;
    }
}

int lab_lot_walk(lab_dataset *ds, uint32_t product, uint32_t lot, lab_walk *w,
                 size_t *nowners)
{
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    const lab_product *pr =
        lab_table_row(&ds->tables[LAB_RECORD_PRODUCT], product);
    int rc = lab_walk_begin(w, ds);
    if (rc != LAB_OK)
        return rc;
    if (++ds->lot_cur == UINT32_MAX) {
        memset(ds->lot_stamp, 0, lots->n * sizeof *ds->lot_stamp);
        ds->lot_cur = 1;
    }
    ds->lot_n = 0;
    long maker = lab_ds_find(ds, LAB_RECORD_SUPPLIER, pr->supplier_id);
    if (maker >= 0)
        lab_walk_reach(w, (uint32_t)maker);
    lot_reach(ds, lot);
    for (size_t head = 0; head < ds->lot_n; head++) {
        uint32_t l = ds->lot_list[head];
        lab_walk_reach(w, ds->lot_owner[l]);
        for (uint32_t k = ds->lot_in_off[l]; k < ds->lot_in_off[l + 1]; k++)
            lot_reach(ds, ds->lot_input_from[ds->lot_in_of[k]]);
    }
    if (nowners != NULL)
        *nowners = w->n;
    lab_walk_add_recruiters(w, ds, 0);
    return LAB_OK;
}

int lab_lot_chain(lab_dataset *ds, uint32_t product, uint32_t lot, lab_walk *w,
                  lab_arena *a, lab_chain *out)
{
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    size_t nowners;
    int rc = lab_lot_walk(ds, product, lot, w, &nowners);
    if (rc != LAB_OK)
        return rc;

    /* scratch for the sets: at most one string per lot or owner */
    size_t cap = ds->lot_n + nowners + 1;
    const char **tmp = lab_malloc(4 * cap * sizeof *tmp);
    if (tmp == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    const char **countries = tmp, **subdivs = tmp + cap,
               **roles = tmp + 2 * cap, **other = tmp + 3 * cap;
    size_t nc = 0, ns = 0, nr = 0;
    for (size_t i = 0; i < nowners; i++) {
        const lab_supplier *s = lab_table_row(sup, w->list[i]);
        countries[nc++] = s->country;
        if (s->subdivision != NULL)
            subdivs[ns++] = s->subdivision;
        if (s->role != NULL)
            roles[nr++] = s->role;
    }
    memset(out, 0, sizeof *out);
    out->in_cycle = 0;
    out->depth = ds->lot_depth[lot];
    const lab_lot *self = lab_table_row(lots, lot);
    out->lot = self->id;
    rc = make_list(a, countries, nc, &out->countries);
    if (rc == LAB_OK)
        rc = make_list(a, subdivs, ns, &out->subdivisions);
    if (rc == LAB_OK)
        rc = make_list(a, roles, nr, &out->roles);
    /* origin countries and untraced holders: lots made from nothing */
    size_t no = 0, nu = 0;
    const char **untraced = countries; /* reused: countries are done */
    int weakest = 5;
    double max_excess = NAN;
    int32_t unq = 0;
    for (size_t i = 0; rc == LAB_OK && i < ds->lot_n; i++) {
        uint32_t l = ds->lot_list[i];
        const lab_lot *x = lab_table_row(lots, l);
        int r = custody_rank(x->custody);
        if (r < weakest) {
            weakest = r;
            out->custody = x->custody;
            out->custody_weakest_lot = x->id;
        }
        unq += ds->lot_unquantified[l];
        if (!isnan(ds->lot_excess[l]) &&
            (isnan(max_excess) || ds->lot_excess[l] > max_excess)) {
            max_excess = ds->lot_excess[l];
            out->overdeclared_lot = x->id;
        }
        if (ds->lot_in_off[l] != ds->lot_in_off[l + 1])
            continue;
        const lab_supplier *s = lab_table_row(sup, ds->lot_owner[l]);
        other[no++] = s->country;
        if (!lab_is_origin_role(s->role))
            untraced[nu++] = s->id;
    }
    if (rc == LAB_OK)
        rc = make_list(a, other, no, &out->origin_countries);
    if (rc == LAB_OK)
        rc = make_list(a, untraced, nu, &out->untraced_ids);
    out->untraced = out->untraced_ids ? (int32_t)out->untraced_ids->n : 0;
    out->max_output_excess = max_excess;
    if (out->overdeclared_lot != NULL && !(max_excess > 0))
        out->overdeclared_lot = NULL;
    out->unquantified_inputs = unq;
    /* the lots it was made from: every lot reached but itself */
    size_t nl = 0;
    for (size_t i = 1; i < ds->lot_n; i++)
        other[nl++] =
            ((const lab_lot *)lab_table_row(lots, ds->lot_list[i]))->id;
    if (rc == LAB_OK)
        rc = make_list(a, other, nl, &out->lots);
    free(tmp);
    /* the claim's cover: every lot of the product, traced or not */
    double verified = 0, untraced_q = 0;
    int any = 0;
    for (uint32_t k = ds->product_lot_off[product];
         k < ds->product_lot_off[product + 1]; k++) {
        uint32_t l = ds->product_lot_of[k];
        const lab_lot *x = lab_table_row(lots, l);
        if (isnan(x->quantity))
            continue;
        any = 1;
        verified += x->quantity * ds->lot_traced[l];
        untraced_q += x->quantity * (1 - ds->lot_traced[l]);
    }
    out->verified_volume = any ? verified : NAN;
    out->untraced_volume = any ? untraced_q : NAN;
    return rc;
}
