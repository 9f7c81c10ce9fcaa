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
    int skip_known;         /* skip rows whose id is already in the dataset */
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

/* A summary row for a record already loaded from a richer source (an
 * audit with its XML report) is skipped: the richer record stands.  This
 * is the documented way to keep audits.csv for ERPs that only have
 * summaries beside the reports, so it is not warned about. */
static int skip_row(csv_load *L, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (L->cols[i] == NULL || strcmp(L->cols[i]->name, "id") != 0)
            continue;
        char id[512];
        if (L->lens[i] >= sizeof id)
            return 0;
        memcpy(id, L->values[i], L->lens[i]);
        id[L->lens[i]] = '\0';
        if (lab_ds_find(L->ds, L->kind, id) < 0)
            return 0;
        return 1;
    }
    return 0;
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
    if (L->skip_known && L->cols[0] != NULL && skip_row(L, n))
        return LAB_OK;
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
    csv_load L = {ds, kind, path, skip_known, 0, NULL, NULL, NULL, NULL, NULL};
    int rc = lab_csv_read_file(path, load_row, &L);
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
