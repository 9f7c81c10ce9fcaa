/*
 * csv_load.c - loads a folder of CSV files into a dataset: suppliers.csv,
 * links.csv and audits.csv (required unless the audits came as XML
 * reports), documents.csv and products.csv (optional).  Each file's header row
 * maps its columns to schema fields by exact name; a column that is not a
 * labaudit field is a warning and is kept as text for rule packs that
 * declare a field of that name; a duplicate column or a missing required
 * one is an error.  Every data row goes to lab_ds_row() with each value's line
 * and column, which parses and checks it.  The loader stops at the first error
 * and leaves the rollback to its caller (lab_dataset_load).
 */
#include "csv.h"
#include "dataset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Column names quoted in messages are cut to this many bytes. */
enum { CSV_NAME_SHOWN = 64 };

typedef struct csv_load {
    lab_dataset *ds;
    lab_record_kind kind;
    const char *path;
    int skip_known;   /* rows an XML report gave are checked, not added */
    size_t first_row; /* rows of the table before this file */
    unsigned shadow_lines[8]; /* the first shadowed rows' lines */
    size_t nshadowed;
    size_t ncols;           /* 0 until the header has been read */
    const lab_field **cols; /* per column; NULL = not a labaudit field */
    const char **ext;       /* per column: its name if not a field */
    const char **values;
    size_t *lens;
    lab_pos *pos;
} csv_load;

/* How many bytes of a name to show: at most CSV_NAME_SHOWN, never
 * cutting a UTF-8 sequence. */
static int shown(const char *s, size_t n)
{
    if (n <= CSV_NAME_SHOWN)
        return (int)n;
    n = CSV_NAME_SHOWN;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

static int load_alloc(csv_load *L, size_t n)
{
    L->cols = lab_calloc(n, sizeof *L->cols);
    L->values = lab_calloc(n, sizeof *L->values);
    L->lens = lab_calloc(n, sizeof *L->lens);
    L->pos = lab_calloc(n, sizeof *L->pos);
    L->ext = lab_calloc(n, sizeof *L->ext);
    if (L->cols == NULL || L->values == NULL || L->lens == NULL ||
        L->pos == NULL || L->ext == NULL)
        return lab_seterr(LAB_ENOMEM, "%s: out of memory", L->path);
    return LAB_OK;
}

/* Maps column i of the header to its field, warning if unknown. */
static int map_column(csv_load *L, const lab_csv_field *h, size_t i)
{
    const lab_field *f = lab_ds_column(L->kind, h[i].text, h[i].len);
    if (f == NULL) {
        for (size_t j = 0; j < i; j++)
            if (L->ext[j] != NULL && strlen(L->ext[j]) == h[i].len &&
                memcmp(L->ext[j], h[i].text, h[i].len) == 0)
                return lab_seterr(LAB_ESCHEMA,
                                  "%s:%u:%u: duplicate column '%.*s', "
                                  "expected each column once (it is also "
                                  "column %zu)",
                                  L->path, h[i].line, h[i].col,
                                  shown(h[i].text, h[i].len), h[i].text, j + 1);
        L->ext[i] = lab_strtab_intern(&L->ds->strings, h[i].text, h[i].len);
        if (L->ext[i] == NULL)
            return lab_seterr(LAB_ENOMEM, "%s: out of memory", L->path);
        return lab_ds_warn(L->ds,
                           "%s:%u:%u: column '%.*s' is not a labaudit field: "
                           "kept for rule packs that declare it",
                           L->path, h[i].line, h[i].col,
                           shown(h[i].text, h[i].len), h[i].text);
    }
    for (size_t j = 0; j < i; j++) {
        if (L->cols[j] == f)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u:%u: duplicate column '%s', expected each "
                              "column once (it is also column %zu)",
                              L->path, h[i].line, h[i].col, f->name, j + 1);
    }
    L->cols[i] = f;
    return LAB_OK;
}

static int check_required(const csv_load *L, unsigned line)
{
    const lab_entity *e = &lab_entities[L->kind];
    for (size_t k = 0; k < e->nfields; k++) {
        const lab_field *f = &e->fields[k];
        if (!(f->flags & LAB_F_REQUIRED))
            continue;
        size_t i = 0;
        while (i < L->ncols &&
               (L->cols[i] == NULL || strcmp(L->cols[i]->name, f->name) != 0))
            i++;
        if (i == L->ncols)
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: missing column '%s', expected it in "
                              "the header (a required field of %s records)",
                              L->path, line, f->name, e->name);
    }
    return LAB_OK;
}

static int load_header(csv_load *L, const lab_csv_field *h, size_t n,
                       unsigned line)
{
    int rc = load_alloc(L, n);
    if (rc != LAB_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = map_column(L, h, i);
        if (rc != LAB_OK)
            return rc;
    }
    L->ncols = n;
    return check_required(L, line);
}

/* The value as JSON text, for comparing and for messages. */
static void val_text(lab_buf *b, const lab_val *v)
{
    b->len = 0;
    lab_val_to_json(b, v);
    lab_buf_addc(b, '\0');
}

/* A row for a record that an XML report already gave (a summary row kept
 * in audits.csv or documents.csv beside the reports) is parsed like any
 * other, then compared with the report's record, which stands: every value
 * the row gives must be the report's, so nothing in the row is lost or
 * left unchecked.  A second row for an id within the same file is a
 * duplicate like anywhere else (lab_ds_row refuses it).  Sets *shadowed
 * when the row was such a summary. */
static int shadow_row(csv_load *L, size_t n, unsigned line, int *shadowed)
{
    *shadowed = 0;
    size_t idcol = n;
    for (size_t i = 0; i < n && idcol == n; i++)
        if (L->cols[i] != NULL && strcmp(L->cols[i]->name, "id") == 0)
            idcol = i;
    if (idcol == n || L->lens[idcol] == 0 || L->lens[idcol] >= 512)
        return LAB_OK;
    char id[512];
    memcpy(id, L->values[idcol], L->lens[idcol]);
    id[L->lens[idcol]] = '\0';
    long row = lab_ds_find(L->ds, L->kind, id);
    if (row < 0 || (size_t)row >= L->first_row)
        return LAB_OK;
    const void *rec = lab_table_row(&L->ds->tables[L->kind], (size_t)row);
    lab_buf here = {0}, there = {0};
    int rc = LAB_OK;
    for (size_t i = 0; i < n && rc == LAB_OK; i++) {
        if (L->lens[i] == 0)
            continue;
        const char *name;
        if (L->cols[i] != NULL) {
            lab_val v, r = lab_field_get(L->cols[i], rec);
            rc = lab_field_parse(L->cols[i], L->values[i], L->lens[i],
                                 &L->ds->strings, L->pos[i], &v);
            if (rc != LAB_OK)
                break;
            val_text(&here, &v);
            val_text(&there, &r);
            name = L->cols[i]->name;
        } else {
            lab_extcol *c = lab_ds_ext_find(L->ds, L->kind, L->ext[i]);
            const char *t =
                c != NULL && (size_t)row < c->cap ? c->text[row] : NULL;
            lab_val v = lab_val_str(L->values[i], L->lens[i]);
            lab_val r = t != NULL ? lab_val_str(t, strlen(t)) : lab_val_null();
            val_text(&here, &v);
            val_text(&there, &r);
            name = L->ext[i];
        }
        if (here.data == NULL || there.data == NULL)
            rc = lab_seterr(LAB_ENOMEM, "%s: out of memory", L->path);
        else if (strcmp(here.data, there.data) != 0)
            rc = lab_seterr(LAB_ESCHEMA,
                            "%s:%u:%u: %s %s of %s '%s' differs from its XML "
                            "report (%s there); the report's record stands, "
                            "so expected this row to agree with it or to be "
                            "removed",
                            L->path, L->pos[i].line, L->pos[i].col, name,
                            here.data, lab_entities[L->kind].name, id,
                            there.data);
    }
    lab_buf_free(&here);
    lab_buf_free(&there);
    if (rc == LAB_OK) {
        if (L->nshadowed < sizeof L->shadow_lines / sizeof *L->shadow_lines)
            L->shadow_lines[L->nshadowed] = line;
        L->nshadowed++;
        *shadowed = 1;
    }
    return rc;
}

/* One warning per file names the summary rows that XML reports stand
 * for. */
static int warn_shadowed(const csv_load *L)
{
    if (L->nshadowed == 0)
        return LAB_OK;
    char lines[128] = "";
    size_t shown_n = L->nshadowed < 8 ? L->nshadowed : 8, at = 0;
    for (size_t i = 0; i < shown_n && at < sizeof lines; i++)
        at += (size_t)snprintf(lines + at, sizeof lines - at, "%s%u",
                               i ? ", " : "", L->shadow_lines[i]);
    return lab_ds_warn(L->ds,
                       "%s: %zu row%s (line%s %s%s) describe %ss that XML "
                       "reports in audits/ already give; each was checked "
                       "and agrees, and the report's record is used",
                       L->path, L->nshadowed, L->nshadowed == 1 ? "" : "s",
                       L->nshadowed == 1 ? "" : "s", lines,
                       L->nshadowed > shown_n ? ", ..." : "",
                       lab_entities[L->kind].name);
}

static int load_row(void *ud, const lab_csv_field *f, size_t n, unsigned line)
{
    csv_load *L = ud;
    if (L->ncols == 0)
        return load_header(L, f, n, line);
    if (n != L->ncols)
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:1: %zu field%s, expected %zu as in the "
                          "header",
                          L->path, line, n, n == 1 ? "" : "s", L->ncols);
    for (size_t i = 0; i < n; i++) {
        L->values[i] = f[i].text;
        L->lens[i] = f[i].len;
        L->pos[i] = (lab_pos){L->path, f[i].line, f[i].col};
    }
    lab_pos rowpos = {L->path, line, 1};
    if (L->skip_known) {
        int shadowed, src = shadow_row(L, n, line, &shadowed);
        if (src != LAB_OK || shadowed)
            return src;
    }
    int rc = lab_ds_row(L->ds, L->kind, L->cols, L->values, L->lens, L->pos, n,
                        rowpos);
    size_t row = L->ds->tables[L->kind].n - 1;
    for (size_t i = 0; rc == LAB_OK && i < n; i++)
        if (L->ext[i] != NULL && L->lens[i] > 0)
            rc = lab_ds_ext_set(L->ds, L->kind, row, L->ext[i], L->values[i],
                                L->lens[i], L->pos[i]);
    return rc;
}

static int load_file(lab_dataset *ds, lab_record_kind kind, const char *path,
                     int skip_known)
{
    csv_load L = {.ds = ds,
                  .kind = kind,
                  .path = path,
                  .skip_known = skip_known,
                  .first_row = ds->tables[kind].n};
    int rc = lab_csv_read_file_metered(path, &ds->meter, load_row, &L);
    if (rc == LAB_OK)
        rc = warn_shadowed(&L);
    if (rc == LAB_OK && L.ncols == 0)
        rc = lab_seterr(LAB_ESCHEMA,
                        "%s:1: empty file, expected a header row naming the "
                        "columns",
                        path);
    free(L.cols);
    free(L.ext);
    free(L.values);
    free(L.lens);
    free(L.pos);
    return rc;
}

static char *join_path(const char *dir, const char *file)
{
    size_t a = strlen(dir), b = strlen(file);
    char *p = lab_malloc(a + b + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, file, b + 1);
    return p;
}

int lab_csv_load_dir(lab_dataset *ds, const char *dir, unsigned flags)
{
    if (ds == NULL || dir == NULL)
        return lab_seterr(LAB_EINVAL, "lab_csv_load_dir: NULL argument");
    for (int k = LAB_ENT_SUPPLIER; k < LAB_TABLE_COUNT; k++) {
        const lab_entity *e = &lab_entities[k];
        int required = k < LAB_ENT_AUDIT ||
                       (k == LAB_ENT_AUDIT && !(flags & LAB_CSV_HAVE_AUDITS));
        char *path = join_path(dir, e->file);
        if (path == NULL)
            return lab_seterr(LAB_ENOMEM, "%s: out of memory", dir);
        struct stat st;
        int rc = LAB_OK;
        if (stat(path, &st) != 0 && errno == ENOENT) {
            if (required)
                rc = lab_seterr(LAB_EIO,
                                "%s: no such file, expected the %s records "
                                "of the dataset there (a required file)",
                                path, e->name);
        } else {
            rc = load_file(ds, (lab_record_kind)k, path,
                           (flags & LAB_CSV_HAVE_AUDITS) &&
                               (k == LAB_ENT_AUDIT || k == LAB_ENT_DOCUMENT));
        }
        free(path);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}
