/*
 * dataset.c - owns the records: adding them (one validated path for every
 * adapter), rolling a failed load back, id indexes, the supply graph in
 * compressed adjacency form, and the public lab_dataset_* calls.  Chain
 * facts are derived in chain.c.
 */
#include "dataset.h"
#include "owners.h"

#include "crypto.h"
#include "expr.h"
#include "ident.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if LAB_HAVE_XML
#include "xml/auditreport.h"
#endif
#if LAB_HAVE_EPCIS
#include "epcis/epcis.h"
#endif

/* Kinds whose id must be unique (links may repeat a pair). */
static int kind_unique(lab_record_kind kind)
{
    return kind != LAB_RECORD_LINK;
}

static const char *record_id(const lab_table *t, size_t row)
{
    /* Every kind's first field is its id (see the tables in schema.h). */
    return *(const char *const *)lab_table_row(t, row);
}

int lab_dataset_new(lab_dataset **out)
{
    if (out == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dataset_new: out is NULL");
    lab_dataset *ds = lab_calloc(1, sizeof *ds);
    if (ds == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (lab_strtab_init(&ds->strings) != LAB_OK) {
        free(ds);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    lab_arena_init(&ds->arena, 256 * 1024);
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        ds->tables[k].entity = &lab_entities[k];
    *out = ds;
    return LAB_OK;
}

static void drop_graph(lab_dataset *ds)
{
    free(ds->in_off);
    free(ds->in_link);
    free(ds->out_off);
    free(ds->out_link);
    free(ds->audit_off);
    free(ds->audit_of);
    free(ds->chain);
    lab_history_free(&ds->hist);
    free(ds->product_off);
    free(ds->product_of);
    ds->product_off = ds->product_of = NULL;
    free(ds->labtest_off);
    free(ds->labtest_of);
    ds->labtest_off = ds->labtest_of = NULL;
    free(ds->nc_audit);
    free(ds->nc_supplier);
    free(ds->nc_closing);
    free(ds->nc_off);
    free(ds->nc_of);
    ds->nc_audit = ds->nc_supplier = ds->nc_closing = NULL;
    ds->nc_off = ds->nc_of = NULL;
    free(ds->recruiter_off);
    free(ds->recruiter_of);
    ds->recruiter_off = ds->recruiter_of = NULL;
    lab_ds_drop_lots(ds);
    lab_ds_drop_owners(ds);
    for (int i = 0; i < 2; i++) {
        free(ds->walk[i].stamp);
        free(ds->walk[i].pos);
        free(ds->walk[i].list);
        memset(&ds->walk[i], 0, sizeof ds->walk[i]);
    }
    free(ds->link_from);
    free(ds->link_to);
    free(ds->audit_owner);
    ds->link_from = ds->link_to = ds->audit_owner = NULL;
    ds->in_off = ds->in_link = ds->out_off = ds->out_link = NULL;
    ds->audit_off = ds->audit_of = NULL;
    ds->chain = NULL;
    ds->indexed = 0;
}

void lab_dataset_free(lab_dataset *ds)
{
    if (ds == NULL)
        return;
    drop_graph(ds);
    for (int k = 0; k < LAB_TABLE_COUNT; k++) {
        free(ds->tables[k].rows);
        free(ds->tables[k].index);
    }
    for (size_t i = 0; i < ds->nwarnings; i++)
        free(ds->warnings[i]);
    free(ds->warnings);
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        free(ds->row_pos[k]);
    free(ds->recruiter_pos);
    for (size_t i = 0; i < ds->next; i++) {
        free(ds->ext[i].text);
        free(ds->ext[i].pos);
        free(ds->ext[i].vals);
    }
    free(ds->ext);
    lab_strtab_free(&ds->strings);
    lab_arena_free(&ds->arena);
    free(ds);
}

size_t lab_dataset_count(const lab_dataset *ds, lab_record_kind kind)
{
    if (ds == NULL || (int)kind < 0 || (int)kind >= LAB_TABLE_COUNT)
        return 0;
    return ds->tables[kind].n;
}

size_t lab_dataset_warning_count(const lab_dataset *ds)
{
    return ds ? ds->nwarnings : 0;
}

const char *lab_dataset_warning(const lab_dataset *ds, size_t i)
{
    return ds && i < ds->nwarnings ? ds->warnings[i] : NULL;
}

int lab_ds_warn(lab_dataset *ds, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lab_grow((void **)&ds->warnings, &ds->capwarnings, ds->nwarnings + 1,
                 sizeof *ds->warnings) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    char *copy = lab_strdup(msg);
    if (copy == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    ds->warnings[ds->nwarnings++] = copy;
    return LAB_OK;
}

const lab_field *lab_ds_column(lab_record_kind kind, const char *name, size_t n)
{
    if ((int)kind < 0 || (int)kind >= LAB_TABLE_COUNT)
        return NULL;
    const lab_field *f = lab_field_find(&lab_entities[kind], name, n);
    return f != NULL && !(f->flags & LAB_F_DERIVED) ? f : NULL;
}

/* ---- id index (open addressing over row numbers) ---- */

static size_t index_slot(const lab_table *t, const char *id)
{
    size_t mask = t->index_cap - 1;
    size_t i = (size_t)lab_hash(id, strlen(id)) & mask;
    while (t->index[i] != 0) {
        /* ids are interned: equal text is an equal pointer */
        if (record_id(t, t->index[i] - 1) == id)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int index_rebuild(lab_table *t, size_t cap)
{
    free(t->index);
    t->index = lab_calloc(cap, sizeof *t->index);
    t->index_cap = t->index ? cap : 0;
    if (t->index == NULL)
        return LAB_ENOMEM;
    for (size_t r = 0; r < t->n; r++)
        t->index[index_slot(t, record_id(t, r))] = (uint32_t)(r + 1);
    return LAB_OK;
}

/* Row of the record with interned id, or -1. */
static long index_get(const lab_table *t, const char *id)
{
    if (t->index_cap == 0 || id == NULL)
        return -1;
    uint32_t v = t->index[index_slot(t, id)];
    return v ? (long)v - 1 : -1;
}

long lab_ds_find(const lab_dataset *ds, lab_record_kind kind, const char *id)
{
    if ((int)kind < 0 || (int)kind >= LAB_TABLE_COUNT || !kind_unique(kind))
        return -1;
    const char *in = lab_strtab_find(&ds->strings, id, strlen(id));
    return in ? index_get(&ds->tables[kind], in) : -1;
}

/* ---- columns that are not labaudit fields ---- */

lab_extcol *lab_ds_ext_find(lab_dataset *ds, lab_record_kind kind,
                            const char *name)
{
    const char *in = lab_strtab_find(&ds->strings, name, strlen(name));
    for (size_t i = 0; in != NULL && i < ds->next; i++)
        if (ds->ext[i].kind == kind && ds->ext[i].name == in)
            return &ds->ext[i];
    return NULL;
}

int lab_ds_ext_set(lab_dataset *ds, lab_record_kind kind, size_t row,
                   const char *name, const char *text, size_t len, lab_pos pos)
{
    if (len > LAB_FIELD_MAX)
        return lab_seterr(LAB_ELIMIT,
                          "%s:%u:%u: %s is %zu bytes, expected at most %d "
                          "(1 MiB)",
                          pos.file ? pos.file : "<input>", pos.line, pos.col,
                          name, len, LAB_FIELD_MAX);
    lab_extcol *c = lab_ds_ext_find(ds, kind, name);
    if (c == NULL) {
        const char *in = lab_strtab_intern(&ds->strings, name, strlen(name));
        if (in == NULL || lab_grow((void **)&ds->ext, &ds->capext, ds->next + 1,
                                   sizeof *ds->ext) != LAB_OK)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        c = &ds->ext[ds->next++];
        memset(c, 0, sizeof *c);
        c->kind = kind;
        c->name = in;
    }
    size_t old = c->cap;
    if (lab_grow((void **)&c->text, &c->cap, row + 1, sizeof *c->text) !=
        LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (c->cap != old) {
        lab_pos *p = lab_reallocarray(c->pos, c->cap, sizeof *p);
        if (p == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        c->pos = p;
        memset(c->text + old, 0, (c->cap - old) * sizeof *c->text);
    }
    const char *file = pos.file ? pos.file : "<input>";
    pos.file = lab_strtab_intern(&ds->strings, file, strlen(file));
    c->text[row] = lab_strtab_intern(&ds->strings, text, len);
    if (pos.file == NULL || c->text[row] == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    c->pos[row] = pos;
    c->nvals = 0; /* the typed values are stale */
    return LAB_OK;
}

int lab_ds_ext_typed(lab_dataset *ds, lab_extcol *c, const lab_field *f,
                     const lab_val **out)
{
    size_t n = ds->tables[c->kind].n;
    if (c->vals != NULL && c->nvals == n && c->vals_type == f->type &&
        f->check != LAB_CK_ENUM) {
        *out = c->vals;
        return LAB_OK;
    }
    lab_val *vals = lab_reallocarray(c->vals, n + 1, sizeof *vals);
    if (vals == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    c->vals = vals;
    c->nvals = 0;
    for (size_t r = 0; r < n; r++) {
        const char *t = r < c->cap ? c->text[r] : NULL;
        vals[r] = lab_val_null();
        if (t == NULL)
            continue;
        int rc =
            lab_field_parse(f, t, strlen(t), &ds->strings, c->pos[r], &vals[r]);
        if (rc != LAB_OK)
            return rc;
    }
    c->nvals = n;
    c->vals_type = f->type;
    *out = vals;
    return LAB_OK;
}

/* ---- adding records ---- */

/* An edge record without an id (a link, a lot input) is named by its
 * ends, "from>to", and "#lot" when it names one. */
static int default_edge_id(lab_dataset *ds, const char **id, const char *from,
                           const char *to, const char *lot)
{
    if (*id != NULL)
        return LAB_OK;
    lab_buf b = LAB_BUF_INIT;
    lab_buf_printf(&b, "%s>%s", from, to);
    if (lot != NULL)
        lab_buf_printf(&b, "#%s", lot);
    if (b.oom) {
        lab_buf_free(&b);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    *id = lab_strtab_intern(&ds->strings, b.data, b.len);
    lab_buf_free(&b);
    return *id ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

/* A well-formed subdivision code that the ISO 3166-2 table does not list:
 * kept, with a warning naming the table's release (codes are added every
 * year; the table may be older than the data). */
static int warn_unknown_subdivision(lab_dataset *ds, const lab_field *f,
                                    const void *rec, lab_pos p)
{
    lab_val v = lab_field_get(f, rec);
    if (v.t != LAB_V_STR || lab_subdivision_valid(v.u.s, v.n))
        return LAB_OK;
    return lab_ds_warn(ds,
                       "%s:%u:%u: %s '%s' is well-formed but not in ISO 3166-2 "
                       "as of %s; kept as given",
                       p.file ? p.file : "<input>", p.line, p.col, f->name,
                       v.u.s, lab_iso3166_table_version());
}

/* An identifier of a scheme labaudit does not know is kept and matched as
 * written, with a warning (the first 20 of a dataset, then one saying
 * that more are not reported). */
static int warn_unknown_schemes(lab_dataset *ds, const lab_field *f,
                                const void *rec, lab_pos p)
{
    lab_val v = lab_field_get(f, rec);
    for (uint32_t i = 0; v.t == LAB_V_ARR && i < v.n; i++) {
        const lab_val *it = &v.u.a[i];
        char why[160];
        int known, rc = LAB_OK;
        if (!lab_ident_check(it->u.s, it->n, &known, why, sizeof why) || known)
            continue;
        if (ds->ident_warnings < 20)
            rc = lab_ds_warn(ds,
                             "%s:%u:%u: %s: scheme of '%s' is not one "
                             "labaudit knows (%s): kept and matched as "
                             "written",
                             p.file ? p.file : "<input>", p.line, p.col,
                             f->name, it->u.s, lab_ident_schemes());
        else if (ds->ident_warnings == 20)
            rc = lab_ds_warn(ds,
                             "%s: further identifiers of unknown schemes "
                             "are not reported",
                             p.file ? p.file : "<input>");
        ds->ident_warnings++;
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

/* The position kept for a file name: interned, so it outlives the load. */
static int intern_pos(lab_dataset *ds, lab_pos *pos)
{
    const char *file = pos->file ? pos->file : "<input>";
    pos->file = lab_strtab_intern(&ds->strings, file, strlen(file));
    return pos->file ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

/* A supplier that names recruits_for keeps where it was read (few do). */
static int keep_recruiter_position(lab_dataset *ds, size_t row, lab_pos pos)
{
    if (intern_pos(ds, &pos) != LAB_OK ||
        lab_grow((void **)&ds->recruiter_pos, &ds->caprecruiter_pos,
                 ds->nrecruiter_pos + 1, sizeof *ds->recruiter_pos) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    ds->recruiter_pos[ds->nrecruiter_pos].row = row;
    ds->recruiter_pos[ds->nrecruiter_pos++].pos = pos;
    return LAB_OK;
}

/* Non-compliances, lots, lot inputs, products, ownership rows and
 * documents keep where they were read: their
 * references are checked once everything is loaded (lab_ds_index), and a
 * bad one is reported at its own file and line. */
static int keeps_position(lab_record_kind kind)
{
    return kind == LAB_RECORD_NONCOMPLIANCE || kind == LAB_RECORD_LOT ||
           kind == LAB_RECORD_LOT_INPUT || kind == LAB_RECORD_PRODUCT ||
           kind == LAB_RECORD_OWNERSHIP || kind == LAB_RECORD_DOCUMENT;
}

static int keep_position(lab_dataset *ds, lab_record_kind kind, size_t row,
                         lab_pos pos)
{
    if (lab_grow((void **)&ds->row_pos[kind], &ds->row_pos_cap[kind], row + 1,
                 sizeof *ds->row_pos[kind]) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (intern_pos(ds, &pos) != LAB_OK)
        return LAB_ENOMEM;
    ds->row_pos[kind][row] = pos;
    return LAB_OK;
}

lab_pos lab_ds_row_pos(const lab_dataset *ds, lab_record_kind kind, size_t row)
{
    if ((int)kind < 0 || (int)kind >= LAB_TABLE_COUNT ||
        ds->row_pos[kind] == NULL || row >= ds->tables[kind].n)
        return (lab_pos){"<input>", 0, 0};
    return ds->row_pos[kind][row];
}

/* An id is compared byte for byte, so characters that print as nothing
 * would let two ids that look the same pass as different (a BOM or a
 * zero-width space before "S-1"): an id must not hold control or format
 * characters (C0, DEL, C1, soft hyphen, U+200B-U+200F, U+2028-U+202E,
 * U+2060-U+2064, U+2066-U+2069, U+FEFF) nor start or end with a space. */
static int check_id_text(const lab_entity *e, const char *s, size_t n,
                         lab_pos p)
{
    if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u:%u: %s id '%.*s' starts or ends with a space, "
                          "expected an id without surrounding white space",
                          p.file ? p.file : "<input>", p.line, p.col, e->name,
                          (int)(n > 64 ? 64 : n), s);
    for (size_t i = 0; i < n;) {
        const unsigned char *u = (const unsigned char *)s + i;
        uint32_t cp = u[0];
        size_t k = 1;
        if (cp >= 0xF0 && n - i >= 4)
            cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
                 (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F),
            k = 4;
        else if (cp >= 0xE0 && n - i >= 3)
            cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
                 (u[2] & 0x3F),
            k = 3;
        else if (cp >= 0xC0 && n - i >= 2)
            cp = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F), k = 2;
        int bad = cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD ||
                  (cp >= 0x200B && cp <= 0x200F) ||
                  (cp >= 0x2028 && cp <= 0x202E) ||
                  (cp >= 0x2060 && cp <= 0x2064) ||
                  (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
        if (bad)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u:%u: %s id holds the invisible character "
                              "U+%04X at byte %zu, expected an id of visible "
                              "characters (ids are compared byte for byte)",
                              p.file ? p.file : "<input>", p.line, p.col,
                              e->name, (unsigned)cp, i + 1);
        i += k;
    }
    return LAB_OK;
}

int lab_ds_row(lab_dataset *ds, lab_record_kind kind,
               const lab_field *const *fields, const char *const *values,
               const size_t *lens, const lab_pos *pos, size_t n, lab_pos rowpos)
{
    if ((int)kind < 0 || (int)kind >= LAB_TABLE_COUNT)
        return lab_seterr(LAB_EINVAL, "unknown record kind %d", (int)kind);
    lab_table *t = &ds->tables[kind];
    const lab_entity *e = t->entity;
    int rc;

    if (t->n >= UINT32_MAX - 1)
        return lab_seterr(LAB_ELIMIT, "%s: more than 4 billion %s records",
                          rowpos.file ? rowpos.file : "<input>", e->name);
    rc = lab_grow((void **)&t->rows, &t->cap, t->n + 1, e->size);
    if (rc != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    void *rec = lab_table_row(t, t->n);
    lab_record_clear(e, rec);
    for (size_t i = 0; i < ds->next; i++)
        if (ds->ext[i].kind == kind && t->n < ds->ext[i].cap) {
            ds->ext[i].text[t->n] = NULL;
            ds->ext[i].nvals = 0;
        }
    for (size_t i = 0; i < n; i++) {
        if (fields[i] == NULL)
            continue;
        lab_pos p = pos ? pos[i] : rowpos;
        if (lens[i] > LAB_FIELD_MAX)
            return lab_seterr(LAB_ELIMIT,
                              "%s:%u:%u: %s %s is %zu bytes, expected at "
                              "most %d (1 MiB)",
                              p.file ? p.file : "<input>", p.line, p.col,
                              e->name, fields[i]->name, lens[i], LAB_FIELD_MAX);
        rc = fields[i] == &e->fields[0] && kind_unique(kind)
                 ? check_id_text(e, values[i], lens[i], p)
                 : LAB_OK;
        if (rc == LAB_OK)
            rc = lab_field_set(fields[i], rec, values[i], lens[i], &ds->strings,
                               p);
        if (rc == LAB_OK && fields[i]->check == LAB_CK_SUBDIV)
            rc = warn_unknown_subdivision(ds, fields[i], rec, p);
        if (rc == LAB_OK && fields[i]->check == LAB_CK_IDENT)
            rc = warn_unknown_schemes(ds, fields[i], rec, p);
        if (rc != LAB_OK)
            return rc;
    }
    if (kind == LAB_RECORD_LOT_INPUT) {
        lab_lot_input *in = rec;
        rc = default_edge_id(ds, &in->id, in->input_lot_id, in->lot_id, NULL);
        if (rc != LAB_OK)
            return rc;
    }
    if (kind == LAB_RECORD_OWNERSHIP) {
        lab_ownership *o = rec;
        rc = default_edge_id(ds, &o->id, o->owner, o->owned, NULL);
        if (rc != LAB_OK)
            return rc;
    }
    if (kind == LAB_RECORD_LINK) {
        lab_link *l = rec;
        rc = default_edge_id(ds, &l->id, l->supplier_id, l->buyer_id, l->lot);
        if (rc != LAB_OK)
            return rc;
    }
    if (keeps_position(kind)) {
        rc = keep_position(ds, kind, t->n, rowpos);
        if (rc != LAB_OK)
            return rc;
    }
    if (kind == LAB_RECORD_SUPPLIER &&
        (((const lab_supplier *)rec)->recruits_for != NULL ||
         ((const lab_supplier *)rec)->parent != NULL)) {
        rc = keep_recruiter_position(ds, t->n, rowpos);
        if (rc != LAB_OK)
            return rc;
    }
    rc = lab_record_check_required(e, rec, rowpos);
    if (rc != LAB_OK)
        return rc;

    if (kind_unique(kind)) {
        if ((t->n + 1) * 2 > t->index_cap) {
            if (index_rebuild(t, t->index_cap ? t->index_cap * 2 : 1024) !=
                LAB_OK)
                return lab_seterr(LAB_ENOMEM, "out of memory");
        }
        const char *id = record_id(t, t->n);
        size_t slot = index_slot(t, id);
        if (t->index[slot] != 0)
            return lab_seterr(LAB_EDUPLICATE,
                              "%s:%u: duplicate %s id '%s' (first defined "
                              "earlier; ids must be unique)",
                              rowpos.file ? rowpos.file : "<input>",
                              rowpos.line, e->name, id);
        t->index[slot] = (uint32_t)(t->n + 1);
    }
    t->n++;
    ds->indexed = 0;
    return LAB_OK;
}

int lab_dataset_add(lab_dataset *ds, lab_record_kind kind,
                    const char *const *names, const char *const *values,
                    size_t n, const char *origin)
{
    if (ds == NULL || (n > 0 && (names == NULL || values == NULL)))
        return lab_seterr(LAB_EINVAL, "lab_dataset_add: NULL argument");
    if ((int)kind < 0 || (int)kind >= LAB_TABLE_COUNT)
        return lab_seterr(LAB_EINVAL, "lab_dataset_add: unknown kind %d",
                          (int)kind);
    if (n > 4096)
        return lab_seterr(LAB_ELIMIT, "lab_dataset_add: too many fields");

    const lab_field *fields[4096];
    size_t lens[4096];
    lab_pos pos = {origin ? origin : "<api>", 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (names[i] == NULL || values[i] == NULL)
            return lab_seterr(LAB_EINVAL, "%s: field %zu is NULL", pos.file, i);
        fields[i] = lab_ds_column(kind, names[i], strlen(names[i]));
        if (fields[i] == NULL)
            return lab_seterr(LAB_ESCHEMA, "%s: %s has no field '%s'", pos.file,
                              lab_entities[kind].name, names[i]);
        lens[i] = strlen(values[i]);
    }
    lab_ds_mark m;
    lab_ds_mark_set(ds, &m);
    int rc = lab_ds_row(ds, kind, fields, values, lens, NULL, n, pos);
    if (rc != LAB_OK)
        lab_ds_rollback(ds, &m);
    return rc;
}

void lab_ds_mark_set(const lab_dataset *ds, lab_ds_mark *m)
{
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        m->n[k] = ds->tables[k].n;
    m->nwarnings = ds->nwarnings;
}

void lab_ds_rollback(lab_dataset *ds, const lab_ds_mark *m)
{
    for (int k = 0; k < LAB_TABLE_COUNT; k++) {
        lab_table *t = &ds->tables[k];
        if (t->n == m->n[k])
            continue;
        t->n = m->n[k];
        if (t->index_cap > 0)
            index_rebuild(t, t->index_cap); /* same size: cannot grow */
    }
    while (ds->nwarnings > m->nwarnings)
        free(ds->warnings[--ds->nwarnings]);
    drop_graph(ds);
}

/* ---- loading ---- */

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void lab_dataset_set_progress(lab_dataset *ds, lab_progress_fn fn, void *ud)
{
    if (ds == NULL)
        return;
    ds->meter.fn = fn;
    ds->meter.ud = ud;
}

/* The bytes of the files in dir whose names end with one of suffixes:
 * what a load will read, for its progress. */
static uint64_t folder_bytes(const char *dir, const char *const *suffixes)
{
    char **names = NULL;
    size_t n = 0;
    uint64_t total = 0;
    if (lab_dir_list(&names, &n, dir, suffixes, SIZE_MAX, "files") != LAB_OK) {
        lab_clearerr();
        return 0;
    }
    lab_buf path = LAB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        path.len = 0;
        lab_buf_printf(&path, "%s/%s", dir, names[i]);
        if (!path.oom && stat(path.data, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    lab_buf_free(&path);
    lab_dir_free(names, n);
    return total;
}

int lab_dataset_load(lab_dataset *ds, const char *source)
{
    if (ds == NULL || source == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dataset_load: NULL argument");
    if (strncmp(source, "postgresql://", 13) == 0 ||
        strncmp(source, "postgres://", 11) == 0)
        return lab_dataset_load_pg(ds, source, NULL);
    if (!is_dir(source))
        return lab_seterr(LAB_EIO,
                          "%s: not a folder (expected a folder holding "
                          "suppliers.csv, links.csv, and audits.csv or "
                          "audits/*.xml)",
                          source);

    lab_ds_mark m;
    lab_ds_mark_set(ds, &m);
    int rc = LAB_OK;
    unsigned flags = 0;
    char sub[4096];
    if (ds->meter.fn != NULL) {
        static const char *const csv[] = {".csv", NULL};
        static const char *const xml[] = {".xml", NULL};
        static const char *const json[] = {".json", ".jsonld", NULL};
        uint64_t total = folder_bytes(source, csv);
        snprintf(sub, sizeof sub, "%s/audits", source);
        total += folder_bytes(sub, xml);
        snprintf(sub, sizeof sub, "%s/events", source);
        total += folder_bytes(sub, json);
        ds->meter.done = ds->meter.next = 0;
        ds->meter.total = total;
    }
#if LAB_HAVE_XML
    /* XML audit reports first: they are richer than audits.csv's summary
     * rows, which then only add audits that have no report. */
    snprintf(sub, sizeof sub, "%s/audits", source);
    if (is_dir(sub)) {
        rc = lab_xml_load_dir(ds, sub);
        flags |= LAB_CSV_HAVE_AUDITS;
    }
#endif
    if (rc == LAB_OK)
        rc = lab_csv_load_dir(ds, source, flags);
#if LAB_HAVE_EPCIS
    /* EPCIS events last: their locations resolve to suppliers, and their
     * lots may extend lots.csv's. */
    char events[4096];
    snprintf(events, sizeof events, "%s/events", source);
    if (rc == LAB_OK && is_dir(events))
        rc = lab_epcis_load(ds, events, NULL);
#endif
    if (rc == LAB_OK)
        rc = lab_ds_index(ds);
    if (rc != LAB_OK)
        lab_ds_rollback(ds, &m);
    else
        lab_meter_end(&ds->meter);
    return rc;
}

/* ---- graph ---- */

/* Builds CSR offsets: off[v] = first slot of v; fills items with the
 * record index r for each key(r). */
int lab_csr_build(uint32_t **off_out, uint32_t **items_out, size_t nv,
                  size_t nr, const uint32_t *key)
{
    uint32_t *off = lab_calloc(nv + 1, sizeof *off);
    uint32_t *items = lab_calloc(nr ? nr : 1, sizeof *items);
    if (off == NULL || items == NULL) {
        free(off);
        free(items);
        return LAB_ENOMEM;
    }
    for (size_t r = 0; r < nr; r++)
        off[key[r] + 1]++;
    for (size_t v = 0; v < nv; v++)
        off[v + 1] += off[v];
    /* fill in record order, so adjacency is in input order */
    uint32_t *fill = lab_calloc(nv ? nv : 1, sizeof *fill);
    if (fill == NULL) {
        free(off);
        free(items);
        return LAB_ENOMEM;
    }
    memcpy(fill, off, nv * sizeof *fill);
    for (size_t r = 0; r < nr; r++)
        items[fill[key[r]]++] = (uint32_t)r;
    free(fill);
    *off_out = off;
    *items_out = items;
    return LAB_OK;
}

static int resolve(const lab_dataset *ds, const char *what, const char *ref,
                   const char *field, const char *owner, uint32_t *out)
{
    long r = index_get(&ds->tables[LAB_RECORD_SUPPLIER], ref);
    if (r < 0)
        return lab_seterr(LAB_ESCHEMA,
                          "%s '%s': %s '%s' is not a known supplier id "
                          "(expected an id from suppliers.csv)",
                          what, owner, field, ref);
    *out = (uint32_t)r;
    return LAB_OK;
}

static int nc_error(const lab_dataset *ds, size_t j, const char *fmt, ...)
    LAB_PRINTF(3, 4);
static int nc_error(const lab_dataset *ds, size_t j, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const lab_noncompliance *nc =
        lab_table_row(&ds->tables[LAB_RECORD_NONCOMPLIANCE], j);
    lab_pos p = lab_ds_row_pos(ds, LAB_RECORD_NONCOMPLIANCE, j);
    return lab_seterr(LAB_ESCHEMA, "%s:%u: noncompliance '%s': %s", p.file,
                      p.line, nc->id, msg);
}

/* Checks what each document names: its facility, audit and product are
 * records (an audit of another facility than the one named is refused),
 * and, when the dataset has lot records, so is each lot it names.  A
 * document naming nothing known would be left out of every certificate
 * and dossier without a word. */
static int check_documents(const lab_dataset *ds)
{
    const lab_table *t = &ds->tables[LAB_RECORD_DOCUMENT];
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    for (size_t i = 0; i < t->n; i++) {
        const lab_document *d = lab_table_row(t, i);
        long v = d->supplier_id ? index_get(&ds->tables[LAB_RECORD_SUPPLIER],
                                            d->supplier_id)
                                : 0;
        long a = d->audit_id
                     ? index_get(&ds->tables[LAB_RECORD_AUDIT], d->audit_id)
                     : 0;
        long pr = d->product_id ? index_get(&ds->tables[LAB_RECORD_PRODUCT],
                                            d->product_id)
                                : 0;
        const char *field = NULL, *value = NULL, *expected = NULL;
        if (v < 0)
            field = "supplier_id", value = d->supplier_id,
            expected = "an id from suppliers.csv";
        else if (a < 0)
            field = "audit_id", value = d->audit_id,
            expected = "an id from audits.csv or an audit report";
        else if (pr < 0)
            field = "product_id", value = d->product_id,
            expected = "an id from products.csv";
        for (uint32_t k = 0;
             field == NULL && d->lots && lots->n > 0 && k < d->lots->n; k++)
            if (index_get(lots, d->lots->items[k].u.s) < 0)
                field = "lots", value = d->lots->items[k].u.s,
                expected = "an id from lots.csv";
        lab_pos p = lab_ds_row_pos(ds, LAB_RECORD_DOCUMENT, i);
        if (field != NULL)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: document '%s': %s '%s' is not known "
                              "(expected %s)",
                              p.file, p.line, d->id, field, value, expected);
        if (d->supplier_id && d->audit_id) {
            const lab_audit *au =
                lab_table_row(&ds->tables[LAB_RECORD_AUDIT], (size_t)a);
            if (strcmp(au->supplier_id, d->supplier_id) != 0)
                return lab_seterr(LAB_ESCHEMA,
                                  "%s:%u: document '%s': audit_id '%s' is an "
                                  "audit of '%s', not of supplier_id '%s' "
                                  "(expected the audited facility, or no "
                                  "supplier_id)",
                                  p.file, p.line, d->id, d->audit_id,
                                  au->supplier_id, d->supplier_id);
        }
    }
    return LAB_OK;
}

/* Is the laboratory test of document d about product p: it names p, or
 * names no product and one of p's lots? */
static int test_concerns(const lab_document *d, const lab_product *p)
{
    if (d->product_id != NULL)
        return strcmp(d->product_id, p->id) == 0;
    for (uint32_t i = 0; d->lots && i < d->lots->n; i++)
        for (uint32_t j = 0; p->lots && j < p->lots->n; j++)
            if (strcmp(d->lots->items[i].u.s, p->lots->items[j].u.s) == 0)
                return 1;
    return 0;
}

/* Indexes, by product, the laboratory tests that found the item tested
 * inconsistent with its declared origin (few: each is scanned against
 * the products). */
static int index_labtests(lab_dataset *ds)
{
    const lab_table *t = &ds->tables[LAB_RECORD_DOCUMENT];
    const lab_table *pt = &ds->tables[LAB_RECORD_PRODUCT];
    struct pair {
        uint32_t product, doc;
    } *pairs = NULL;
    uint32_t *key = NULL, *off = NULL, *items = NULL;
    size_t n = 0, cap = 0;
    int rc = LAB_OK;
    for (size_t i = 0; i < t->n && rc == LAB_OK; i++) {
        const lab_document *d = lab_table_row(t, i);
        if (d->test_result == NULL || strcmp(d->test_result, "inconsistent"))
            continue;
        for (size_t p = 0; p < pt->n && rc == LAB_OK; p++) {
            if (!test_concerns(d, lab_table_row(pt, p)))
                continue;
            if (lab_grow((void **)&pairs, &cap, n + 1, sizeof *pairs) != LAB_OK)
                rc = lab_seterr(LAB_ENOMEM, "out of memory");
            else
                pairs[n++] = (struct pair){(uint32_t)p, (uint32_t)i};
        }
    }
    if (rc == LAB_OK && (key = lab_calloc(n ? n : 1, sizeof *key)) == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t k = 0; rc == LAB_OK && k < n; k++)
        key[k] = pairs[k].product;
    if (rc == LAB_OK && lab_csr_build(&off, &items, pt->n, n, key) != LAB_OK)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK) {
        for (size_t k = 0; k < n; k++)
            items[k] = pairs[items[k]].doc; /* entries to document rows */
        ds->labtest_off = off;
        ds->labtest_of = items;
    }
    free(pairs);
    free(key);
    return rc;
}

static int32_t day_of(const char *d)
{
    int32_t days = 0;
    if (d != NULL)
        lab_date_parse(d, strlen(d), &days);
    return days;
}

/* Checks one non-compliance against the audits it names and fills its
 * facility and raised date from the raising audit when absent. */
static int check_noncompliance(lab_dataset *ds, size_t j, uint32_t *audit,
                               uint32_t *closing)
{
    const lab_table *audits = &ds->tables[LAB_RECORD_AUDIT];
    lab_noncompliance *nc =
        lab_table_row(&ds->tables[LAB_RECORD_NONCOMPLIANCE], j);
    long a = index_get(audits, nc->audit_id);
    if (a < 0)
        return nc_error(ds, j,
                        "audit_id '%s' is not a known audit id (expected an "
                        "id from audits.csv or audits/*.xml)",
                        nc->audit_id);
    const lab_audit *au = lab_table_row(audits, (size_t)a);
    if (nc->supplier_id == NULL)
        nc->supplier_id = au->supplier_id;
    else if (nc->supplier_id != au->supplier_id)
        return nc_error(ds, j,
                        "supplier_id '%s' is not the facility of audit %s "
                        "(expected '%s')",
                        nc->supplier_id, au->id, au->supplier_id);
    if (nc->raised_date == NULL)
        nc->raised_date = au->end_date ? au->end_date : au->start_date;
    int32_t raised = day_of(nc->raised_date);
    if (nc->closed_date != NULL && day_of(nc->closed_date) < raised)
        return nc_error(ds, j,
                        "closed_date %s is before raised_date %s (expected "
                        "a closure on or after the day it was raised)",
                        nc->closed_date, nc->raised_date);
    if (nc->due_date != NULL && day_of(nc->due_date) < raised)
        return nc_error(ds, j,
                        "due_date %s is before raised_date %s (expected a "
                        "due date on or after the day it was raised)",
                        nc->due_date, nc->raised_date);
    int done = strcmp(nc->status, "closed") == 0 ||
               strcmp(nc->status, "verified") == 0;
    if (nc->closing_audit_id != NULL && !done)
        return nc_error(ds, j,
                        "closing_audit_id %s with status %s (expected status "
                        "closed or verified, or no closing audit)",
                        nc->closing_audit_id, nc->status);
    if (strcmp(nc->status, "verified") == 0 && nc->closing_audit_id == NULL &&
        nc->verification_method == NULL)
        return nc_error(ds, j,
                        "status verified names neither a closing_audit_id "
                        "nor a verification_method (expected how the "
                        "closure was verified)");
    *audit = (uint32_t)a;
    *closing = LAB_NONE;
    if (nc->closing_audit_id == NULL)
        return LAB_OK;
    long c = index_get(audits, nc->closing_audit_id);
    if (c < 0)
        return nc_error(ds, j, "closing_audit_id '%s' is not a known audit id",
                        nc->closing_audit_id);
    const lab_audit *ca = lab_table_row(audits, (size_t)c);
    if (ca->kind == NULL || (strcmp(ca->kind, "follow_up") != 0 &&
                             strcmp(ca->kind, "verification") != 0))
        return nc_error(ds, j,
                        "closing audit %s is a %s audit (expected a "
                        "follow_up or verification audit)",
                        ca->id, ca->kind ? ca->kind : "full");
    if (ca->supplier_id != au->supplier_id)
        return nc_error(ds, j,
                        "closing audit %s is of facility %s (expected the "
                        "facility it was raised at, %s)",
                        ca->id, ca->supplier_id, au->supplier_id);
    int32_t cday = 0;
    lab_audit_day(ca, &cday);
    if (cday < raised)
        return nc_error(ds, j,
                        "closing audit %s ended before it was raised on %s "
                        "(expected a later audit)",
                        ca->id, nc->raised_date);
    *closing = (uint32_t)c;
    return LAB_OK;
}

static int index_noncompliances(lab_dataset *ds)
{
    const lab_table *t = &ds->tables[LAB_RECORD_NONCOMPLIANCE];
    size_t n = t->n, na = ds->tables[LAB_RECORD_AUDIT].n;
    ds->nc_audit = lab_malloc((n + 1) * sizeof *ds->nc_audit);
    ds->nc_supplier = lab_malloc((n + 1) * sizeof *ds->nc_supplier);
    ds->nc_closing = lab_malloc((n + 1) * sizeof *ds->nc_closing);
    if (ds->nc_audit == NULL || ds->nc_supplier == NULL ||
        ds->nc_closing == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++) {
        int rc =
            check_noncompliance(ds, j, &ds->nc_audit[j], &ds->nc_closing[j]);
        if (rc != LAB_OK)
            return rc;
        const lab_noncompliance *nc = lab_table_row(t, j);
        ds->nc_supplier[j] = (uint32_t)index_get(
            &ds->tables[LAB_RECORD_SUPPLIER], nc->supplier_id);
    }
    if (lab_csr_build(&ds->nc_off, &ds->nc_of, na, n, ds->nc_audit) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    return LAB_OK;
}

/* Each facility's recruitment agencies, from the agencies' recruits_for. */
static int index_recruiters(lab_dataset *ds)
{
    const lab_table *sup = &ds->tables[LAB_RECORD_SUPPLIER];
    size_t n = 0, nv = sup->n;
    for (size_t v = 0; v < nv; v++) {
        const lab_supplier *s = lab_table_row(sup, v);
        n += s->recruits_for ? s->recruits_for->n : 0;
    }
    uint32_t *facility = lab_malloc((n + 1) * sizeof *facility);
    uint32_t *agency = lab_malloc((n + 1) * sizeof *agency);
    uint32_t *off = NULL, *items = NULL;
    int rc = LAB_OK;
    if (facility == NULL || agency == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    size_t k = 0;
    for (size_t v = 0; v < nv && rc == LAB_OK; v++) {
        const lab_supplier *s = lab_table_row(sup, v);
        for (uint32_t i = 0; s->recruits_for && i < s->recruits_for->n; i++) {
            const char *id = s->recruits_for->items[i].u.s;
            long f = index_get(sup, id);
            if (f < 0) {
                /* the newest position kept for the row (a rolled-back
                 * load may have left older ones) */
                lab_pos p = {"<input>", 0, 0};
                for (size_t j = ds->nrecruiter_pos; j > 0; j--)
                    if (ds->recruiter_pos[j - 1].row == v) {
                        p = ds->recruiter_pos[j - 1].pos;
                        break;
                    }
                rc = lab_seterr(LAB_ESCHEMA,
                                "%s:%u: supplier '%s': recruits_for '%s' is "
                                "not a known supplier id (expected an id from "
                                "suppliers.csv)",
                                p.file, p.line, s->id, id);
                break;
            }
            facility[k] = (uint32_t)f;
            agency[k++] = (uint32_t)v;
        }
    }
    if (rc == LAB_OK && lab_csr_build(&off, &items, nv, k, facility) != LAB_OK)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK) {
        /* csr_build lists entry numbers; make them agency rows */
        for (size_t i = 0; i < k; i++)
            items[i] = agency[items[i]];
        ds->recruiter_off = off;
        ds->recruiter_of = items;
        off = items = NULL;
    }
out:
    free(facility);
    free(agency);
    free(off);
    free(items);
    return rc;
}

int lab_ds_index(lab_dataset *ds)
{
    if (ds->indexed)
        return LAB_OK;
    drop_graph(ds);
    const lab_table *links = &ds->tables[LAB_RECORD_LINK];
    const lab_table *audits = &ds->tables[LAB_RECORD_AUDIT];
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    uint32_t *seller = lab_calloc(links->n ? links->n : 1, sizeof *seller);
    uint32_t *buyer = lab_calloc(links->n ? links->n : 1, sizeof *buyer);
    uint32_t *owner = lab_calloc(audits->n ? audits->n : 1, sizeof *owner);
    uint32_t *maker = NULL;
    int rc = LAB_OK;

    if (seller == NULL || buyer == NULL || owner == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < links->n && rc == LAB_OK; i++) {
        const lab_link *l = lab_table_row(links, i);
        rc = resolve(ds, "link", l->supplier_id, "supplier_id", l->id,
                     &seller[i]);
        if (rc == LAB_OK)
            rc = resolve(ds, "link", l->buyer_id, "buyer_id", l->id, &buyer[i]);
    }
    for (size_t i = 0; i < audits->n && rc == LAB_OK; i++) {
        const lab_audit *a = lab_table_row(audits, i);
        rc = resolve(ds, "audit", a->supplier_id, "supplier_id", a->id,
                     &owner[i]);
    }
    const lab_table *products = &ds->tables[LAB_RECORD_PRODUCT];
    maker = lab_calloc(products->n ? products->n : 1, sizeof *maker);
    if (maker == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < products->n && rc == LAB_OK; i++) {
        const lab_product *p = lab_table_row(products, i);
        rc = resolve(ds, "product", p->supplier_id, "supplier_id", p->id,
                     &maker[i]);
    }
    if (rc != LAB_OK)
        goto out;
    rc = index_noncompliances(ds);
    if (rc == LAB_OK)
        rc = index_recruiters(ds);
    if (rc == LAB_OK)
        rc = check_documents(ds);
    if (rc == LAB_OK)
        rc = index_labtests(ds);
    if (rc != LAB_OK)
        goto out;
    if (lab_csr_build(&ds->in_off, &ds->in_link, nv, links->n, buyer) !=
            LAB_OK ||
        lab_csr_build(&ds->out_off, &ds->out_link, nv, links->n, seller) !=
            LAB_OK ||
        lab_csr_build(&ds->audit_off, &ds->audit_of, nv, audits->n, owner) !=
            LAB_OK ||
        lab_csr_build(&ds->product_off, &ds->product_of, nv, products->n,
                      maker) != LAB_OK) {
        drop_graph(ds);
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    ds->link_from = seller;
    ds->link_to = buyer;
    ds->audit_owner = owner;
    seller = buyer = owner = NULL; /* now owned by the dataset */
    rc = lab_ds_index_lots(ds);    /* needs the links */
    if (rc == LAB_OK)
        rc = lab_ds_index_owners(ds);
    if (rc != LAB_OK) {
        drop_graph(ds);
        goto out;
    }
    ds->indexed = 1;
out:
    free(seller);
    free(buyer);
    free(owner);
    free(maker);
    return rc;
}

/* ---- digest ---- */

/* SHA-256 of the dataset's records: for each kind, each record, each
 * field that is set, "name=JSON\n"; a blank line ends a record and
 * "#kind\n" starts a kind.  The ledger records it for each run and a
 * dossier's manifest names it. */
int lab_dataset_digest(char out[65], const lab_dataset *ds)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    unsigned char md[32];
    lab_buf b = LAB_BUF_INIT;
    int rc = lab_crypto_libctx(&ctx);
    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    EVP_MD *sha = EVP_MD_fetch(ctx, "SHA256", NULL);
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int ok = sha != NULL && h != NULL && EVP_DigestInit_ex(h, sha, NULL);
    for (int k = 0; ok && k < LAB_TABLE_COUNT; k++) {
        const lab_table *t = &ds->tables[k];
        const lab_entity *e = t->entity;
        b.len = 0;
        lab_buf_printf(&b, "#%s\n", e->name);
        ok = !b.oom && EVP_DigestUpdate(h, b.data, b.len);
        for (size_t row = 0; ok && row < t->n; row++) {
            const void *rec = lab_table_row(t, row);
            b.len = 0;
            for (size_t i = 0; i < e->nfields; i++) {
                lab_val v = lab_field_get(&e->fields[i], rec);
                if (v.t == LAB_V_NULL)
                    continue;
                lab_buf_printf(&b, "%s=", e->fields[i].name);
                lab_val_to_json(&b, &v);
                lab_buf_addc(&b, '\n');
            }
            lab_buf_addc(&b, '\n');
            ok = !b.oom && EVP_DigestUpdate(h, b.data, b.len);
        }
    }
    ok = ok && EVP_DigestFinal_ex(h, md, NULL);
    if (!ok)
        rc = b.oom
                 ? lab_seterr(LAB_ENOMEM, "out of memory")
                 : lab_ossl_fail(&scope, LAB_ECRYPTO, "dataset digest failed");
    EVP_MD_CTX_free(h);
    EVP_MD_free(sha);
    lab_ossl_leave(&scope);
    lab_buf_free(&b);
    for (int i = 0; rc == LAB_OK && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return rc;
}
