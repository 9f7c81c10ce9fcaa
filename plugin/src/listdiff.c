/*
 * listdiff.c - what changed between two editions of the reference lists
 * (`labaudit lists diff OLD NEW`): lists are paired by file name, entries
 * by a key (the `id` column, else `code`, else `name`, else `country` and
 * `good`, else the whole row), and each entry is added, removed or
 * changed (its other columns differ; `retrieved` is not compared, as a
 * re-download is not a change).  Entries are sorted by key and merged, so
 * the cost is O(n log n) in entries; the answer is text or JSON, each
 * entry cited with its file:line.
 */
#include "internal.h"

#include "csv/csv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct drow {
    const char *key;
    const char **cells; /* by column of its file's header */
    unsigned line;
} drow;

typedef struct dfile {
    const char *path, *name; /* name: base name, the pairing key */
    char sha256[65];
    const char **cols;
    size_t ncols;
    drow *rows;
    size_t nrows, cap;
    int keycols[2]; /* -1: none; both -1 and whole: the row */
} dfile;

typedef struct dset {
    dfile *files;
    size_t n;
} dset;

typedef struct dctx {
    lab_strtab st;
    lab_arena a;
    lab_buf key;
} dctx;

static int col_of(const dfile *f, const char *name)
{
    for (size_t i = 0; i < f->ncols; i++)
        if (strcmp(f->cols[i], name) == 0)
            return (int)i;
    return -1;
}

static void choose_key(dfile *f)
{
    static const char *const single[] = {"id", "code", "name"};
    f->keycols[0] = f->keycols[1] = -1;
    for (size_t i = 0; i < LAB_ARRAY_LEN(single); i++)
        if ((f->keycols[0] = col_of(f, single[i])) >= 0)
            return;
    int c = col_of(f, "country"), g = col_of(f, "good");
    if (c >= 0 && g >= 0) {
        f->keycols[0] = c;
        f->keycols[1] = g;
    }
}

typedef struct rstate {
    dctx *cx;
    dfile *f;
} rstate;

static int diff_row(void *ud, const lab_csv_field *fl, size_t n, unsigned line)
{
    rstate *rs = ud;
    dfile *f = rs->f;
    dctx *cx = rs->cx;
    if (f->cols == NULL) {
        f->cols = lab_arena_alloc(&cx->a, (n + 1) * sizeof *f->cols);
        if (f->cols == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            if ((f->cols[i] =
                     lab_strtab_intern(&cx->st, fl[i].text, fl[i].len)) == NULL)
                return lab_seterr(LAB_ENOMEM, "out of memory");
        f->ncols = n;
        choose_key(f);
        return LAB_OK;
    }
    if (lab_grow((void **)&f->rows, &f->cap, f->nrows + 1, sizeof *f->rows) !=
        LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    drow *r = &f->rows[f->nrows];
    r->line = line;
    r->cells = lab_arena_alloc(&cx->a, (f->ncols + 1) * sizeof *r->cells);
    if (r->cells == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->ncols; i++) {
        r->cells[i] = lab_strtab_intern(&cx->st, i < n ? fl[i].text : "",
                                        i < n ? fl[i].len : 0);
        if (r->cells[i] == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    cx->key.len = 0;
    if (f->keycols[0] >= 0) {
        lab_buf_adds(&cx->key, r->cells[f->keycols[0]]);
        if (f->keycols[1] >= 0) {
            lab_buf_addc(&cx->key, '/');
            lab_buf_adds(&cx->key, r->cells[f->keycols[1]]);
        }
    } else {
        for (size_t i = 0; i < f->ncols; i++) {
            if (i > 0)
                lab_buf_addc(&cx->key, ',');
            lab_buf_adds(&cx->key, r->cells[i]);
        }
    }
    if (cx->key.oom)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    r->key = lab_strtab_intern(&cx->st, cx->key.data, cx->key.len);
    if (r->key == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    f->nrows++;
    return LAB_OK;
}

static int cmp_row(const void *a, const void *b)
{
    const drow *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int load_one(dctx *cx, dset *s, const char *path)
{
    dfile *f = lab_reallocarray(s->files, s->n + 1, sizeof *f);
    if (f == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    s->files = f;
    f = &s->files[s->n];
    memset(f, 0, sizeof *f);
    f->path = lab_arena_strndup(&cx->a, path, strlen(path));
    if (f->path == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    const char *base = strrchr(f->path, '/');
    f->name = base ? base + 1 : f->path;
    s->n++;
    char *buf = NULL;
    size_t len = 0;
    int rc = lab_read_text_file(&buf, &len, path, LAB_INPUT_MAX);
    if (rc == LAB_OK)
        rc = lab_sha256_hex(f->sha256, buf, len);
    rstate rs = {cx, f};
    if (rc == LAB_OK)
        rc = lab_csv_read_buffer(buf, len, f->path, diff_row, &rs);
    free(buf);
    if (rc != LAB_OK)
        return lab_preerr(rc, "reference list");
    if (f->nrows > 1)
        qsort(f->rows, f->nrows, sizeof *f->rows, cmp_row);
    return LAB_OK;
}

/* A list file, or every *.csv in a folder, in name order. */
static int load_set(dctx *cx, dset *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return lab_seterr(LAB_EIO, "%s: no such reference list or folder",
                          path);
    if (!S_ISDIR(st.st_mode))
        return load_one(cx, s, path);
    static const char *const csv[] = {".csv", NULL};
    char **names = NULL;
    size_t n = 0;
    int rc = lab_dir_list(&names, &n, path, csv, 4096, "reference lists");
    lab_buf full = LAB_BUF_INIT;
    for (size_t i = 0; i < n && rc == LAB_OK; i++) {
        full.len = 0;
        lab_buf_printf(&full, "%s/%s", path, names[i]);
        rc = full.oom ? lab_seterr(LAB_ENOMEM, "out of memory")
                      : load_one(cx, s, full.data);
    }
    lab_buf_free(&full);
    lab_dir_free(names, n);
    return rc;
}

static const dfile *find_file(const dset *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->files[i].name, name) == 0)
            return &s->files[i];
    return NULL;
}

/* ---- output ---- */

typedef struct out {
    lab_buf *b;
    int json;
    size_t added, removed, changed, lists;
    int first_list, first_item;
} out;

static void text_str(lab_buf *b, const char *s)
{
    char *esc = NULL;
    if (lab_text_escape(&esc, s, strlen(s)) == LAB_OK) {
        lab_buf_adds(b, esc);
        lab_free(esc);
    }
}

static void jstr(lab_buf *b, const char *s)
{
    lab_buf_add_json_string(b, s, strlen(s));
}

static const char *cell(const dfile *f, const drow *r, const char *col)
{
    int c = col_of(f, col);
    return c >= 0 ? r->cells[c] : NULL;
}

/* An entry added (sign '+') or removed ('-'). */
static void entry(out *o, const dfile *f, const drow *r, char sign)
{
    if (o->json) {
        lab_buf_adds(o->b, o->first_item ? "{" : ",{");
        o->first_item = 0;
        lab_buf_adds(o->b, "\"key\":");
        jstr(o->b, r->key);
        lab_buf_printf(o->b, ",\"line\":%u,\"entry\":{", r->line);
        for (size_t i = 0; i < f->ncols; i++) {
            lab_buf_adds(o->b, i ? "," : "");
            jstr(o->b, f->cols[i]);
            lab_buf_addc(o->b, ':');
            jstr(o->b, r->cells[i]);
        }
        lab_buf_adds(o->b, "}}");
        return;
    }
    lab_buf_printf(o->b, "  %c ", sign);
    text_str(o->b, r->key);
    const char *eff = cell(f, r, "effective_date");
    if (eff != NULL && *eff != '\0')
        lab_buf_printf(o->b, " (effective %s)", eff);
    lab_buf_printf(o->b, "  %s:%u\n", f->path, r->line);
}

/* The column of `to` that column c of `from` pairs with: the same name,
 * and as many columns of that name before it (a header may repeat a
 * name); -1 if none. */
static int match_col(const dfile *from, size_t c, const dfile *to)
{
    size_t rank = 0;
    for (size_t i = 0; i < c; i++)
        rank += from->cols[i] == from->cols[c];
    for (size_t i = 0; i < to->ncols; i++)
        if (strcmp(to->cols[i], from->cols[c]) == 0 && rank-- == 0)
            return (int)i;
    return -1;
}

/* Does column c of the old row differ from its new column? */
static int differs(const dfile *fo, const drow *ro, const dfile *fn,
                   const drow *rn, size_t c, const char **newv)
{
    if (strcmp(fo->cols[c], "retrieved") == 0)
        return 0;
    int k = match_col(fo, c, fn);
    *newv = k >= 0 ? rn->cells[k] : "";
    return strcmp(ro->cells[c], *newv) != 0;
}

static int changed(const dfile *fo, const drow *ro, const dfile *fn,
                   const drow *rn)
{
    const char *v;
    for (size_t c = 0; c < fo->ncols; c++)
        if (differs(fo, ro, fn, rn, c, &v))
            return 1;
    for (size_t c = 0; c < fn->ncols; c++)
        if (match_col(fn, c, fo) < 0 && rn->cells[c][0] != '\0')
            return 1;
    return 0;
}

static void change(out *o, const dfile *fo, const drow *ro, const dfile *fn,
                   const drow *rn)
{
    const char *v;
    if (o->json) {
        lab_buf_adds(o->b, o->first_item ? "{" : ",{");
        o->first_item = 0;
        lab_buf_adds(o->b, "\"key\":");
        jstr(o->b, rn->key);
        lab_buf_printf(o->b, ",\"old_line\":%u,\"new_line\":%u,\"fields\":{",
                       ro->line, rn->line);
    } else {
        lab_buf_adds(o->b, "  ~ ");
        text_str(o->b, rn->key);
        lab_buf_printf(o->b, "  %s:%u:", fn->path, rn->line);
    }
    int first = 1;
    for (size_t c = 0; c < fo->ncols + fn->ncols; c++) {
        const char *col, *old;
        if (c < fo->ncols) {
            if (!differs(fo, ro, fn, rn, c, &v))
                continue;
            col = fo->cols[c];
            old = ro->cells[c];
        } else {
            size_t k = c - fo->ncols;
            if (match_col(fn, k, fo) >= 0 || rn->cells[k][0] == '\0')
                continue;
            col = fn->cols[k];
            old = "";
            v = rn->cells[k];
        }
        if (o->json) {
            lab_buf_adds(o->b, first ? "" : ",");
            jstr(o->b, col);
            lab_buf_adds(o->b, ":{\"old\":");
            jstr(o->b, old);
            lab_buf_adds(o->b, ",\"new\":");
            jstr(o->b, v);
            lab_buf_addc(o->b, '}');
        } else {
            lab_buf_printf(o->b, "%s %s '", first ? "" : ";", col);
            text_str(o->b, old);
            lab_buf_adds(o->b, "' -> '");
            text_str(o->b, v);
            lab_buf_addc(o->b, '\'');
        }
        first = 0;
    }
    lab_buf_adds(o->b, o->json ? "}}" : "\n");
}

/* Merges one pair of files (either may be NULL: a list added or gone). */
static void diff_pair(out *o, const dfile *fo, const dfile *fn)
{
    const dfile *f = fn ? fn : fo;
    size_t a = 0, r = 0, c = 0;
    size_t i = 0, j = 0, no = fo ? fo->nrows : 0, nn = fn ? fn->nrows : 0;
    /* count first, so the text header can say it */
    while (i < no || j < nn) {
        int k = i == no   ? 1
                : j == nn ? -1
                          : strcmp(fo->rows[i].key, fn->rows[j].key);
        if (k < 0) {
            r++;
            i++;
        } else if (k > 0) {
            a++;
            j++;
        } else {
            c += changed(fo, &fo->rows[i], fn, &fn->rows[j]);
            i++;
            j++;
        }
    }
    o->added += a;
    o->removed += r;
    o->changed += c;
    const char *status = fo == NULL   ? "added"
                         : fn == NULL ? "removed"
                         : a + r + c  ? "changed"
                                      : "unchanged";
    o->lists += fo == NULL || fn == NULL;
    if (o->json) {
        lab_buf_adds(o->b, o->first_list ? "{" : ",{");
        o->first_list = 0;
        lab_buf_adds(o->b, "\"list\":");
        jstr(o->b, f->name);
        lab_buf_printf(o->b, ",\"status\":\"%s\",\"old_sha256\":", status);
        if (fo)
            jstr(o->b, fo->sha256);
        else
            lab_buf_adds(o->b, "null");
        lab_buf_adds(o->b, ",\"new_sha256\":");
        if (fn)
            jstr(o->b, fn->sha256);
        else
            lab_buf_adds(o->b, "null");
        lab_buf_printf(o->b, ",\"entries\":{\"old\":%zu,\"new\":%zu}", no, nn);
    } else {
        lab_buf_adds(o->b, f->name);
        lab_buf_printf(o->b,
                       ": %s, %zu added, %zu removed, %zu changed (%zu -> "
                       "%zu entries)\n",
                       status, a, r, c, no, nn);
    }
    for (int pass = 0; pass < 3; pass++) {
        static const char *const names[] = {"added", "removed", "changed"};
        if (o->json) {
            lab_buf_printf(o->b, ",\"%s\":[", names[pass]);
            o->first_item = 1;
        }
        i = j = 0;
        while (i < no || j < nn) {
            int k = i == no   ? 1
                    : j == nn ? -1
                              : strcmp(fo->rows[i].key, fn->rows[j].key);
            if (k < 0) {
                if (pass == 1)
                    entry(o, fo, &fo->rows[i], '-');
                i++;
            } else if (k > 0) {
                if (pass == 0)
                    entry(o, fn, &fn->rows[j], '+');
                j++;
            } else {
                if (pass == 2 && changed(fo, &fo->rows[i], fn, &fn->rows[j]))
                    change(o, fo, &fo->rows[i], fn, &fn->rows[j]);
                i++;
                j++;
            }
        }
        if (o->json)
            lab_buf_addc(o->b, ']');
    }
    if (o->json)
        lab_buf_addc(o->b, '}');
}

static void free_set(dset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->files[i].rows);
    free(s->files);
}

int lab_lists_diff(char **out_text, size_t *changes, const char *old_path,
                   const char *new_path, lab_format format)
{
    if (out_text == NULL || old_path == NULL || new_path == NULL)
        return lab_seterr(LAB_EINVAL, "lab_lists_diff: NULL argument");
    if (format != LAB_FORMAT_TEXT && format != LAB_FORMAT_JSON)
        return lab_seterr(LAB_EINVAL,
                          "lab_lists_diff: format %d, expected text or JSON",
                          (int)format);
    dctx cx;
    dset so = {0}, sn = {0};
    lab_buf b = LAB_BUF_INIT;
    memset(&cx, 0, sizeof cx);
    lab_arena_init(&cx.a, 64 * 1024);
    int rc = lab_strtab_init(&cx.st);
    if (rc == LAB_OK)
        rc = load_set(&cx, &so, old_path);
    if (rc == LAB_OK)
        rc = load_set(&cx, &sn, new_path);
    if (rc == LAB_OK) {
        out o = {&b, format == LAB_FORMAT_JSON, 0, 0, 0, 0, 1, 1};
        if (o.json) {
            lab_buf_adds(&b, "{\"format\":\"labaudit.lists-diff/1\",\"old\":");
            jstr(&b, old_path);
            lab_buf_adds(&b, ",\"new\":");
            jstr(&b, new_path);
            lab_buf_adds(&b, ",\"lists\":[");
        } else {
            lab_buf_adds(&b, "lists diff ");
            text_str(&b, old_path);
            lab_buf_adds(&b, " -> ");
            text_str(&b, new_path);
            lab_buf_addc(&b, '\n');
        }
        for (size_t i = 0; i < so.n; i++)
            diff_pair(&o, &so.files[i], find_file(&sn, so.files[i].name));
        for (size_t i = 0; i < sn.n; i++)
            if (find_file(&so, sn.files[i].name) == NULL)
                diff_pair(&o, NULL, &sn.files[i]);
        if (o.json)
            lab_buf_printf(&b,
                           "],\"summary\":{\"added\":%zu,\"removed\":%zu,"
                           "\"changed\":%zu,\"lists_added_or_removed\":%zu}}"
                           "\n",
                           o.added, o.removed, o.changed, o.lists);
        else
            lab_buf_printf(&b,
                           "summary: %zu added, %zu removed, %zu changed, %zu "
                           "list(s) added or removed\n",
                           o.added, o.removed, o.changed, o.lists);
        if (changes != NULL)
            *changes = o.added + o.removed + o.changed + o.lists;
        rc = b.oom ? lab_seterr(LAB_ENOMEM, "out of memory")
                   : lab_buf_detach(&b, out_text);
    }
    lab_buf_free(&b);
    free_set(&so);
    free_set(&sn);
    lab_buf_free(&cx.key);
    lab_strtab_free(&cx.st);
    lab_arena_free(&cx.a);
    return rc;
}
