/*
 * pg_load.c - reads records from a PostgreSQL database through a mapping
 * file: a small INI file naming the schema to pin in search_path and one
 * SQL query per record kind, whose result columns are named as labaudit
 * fields.  All queries run in one read-only REPEATABLE READ transaction
 * (one consistent snapshot), each in libpq's single-row mode so memory
 * stays bounded however many rows come back; every row goes to
 * lab_ds_row() with the position "MAPPING:KIND:ROW:COLUMN".  Booleans
 * ('t'/'f') and one-dimensional arrays ('{a,b}', for list fields) are
 * turned into the text forms the schema reads.  The mapping's SQL is
 * configuration the operator wrote; no data value is ever spliced into it.
 */
#include "pg/pg.h"

#include <stdio.h>
#include <string.h>

/* A mapping file is at most this big. */
enum { MAP_MAX_BYTES = 1 << 20 };

/* Type OIDs (pg_type.h) that need converting. */
enum {
    OID_BOOL = 16,
    OID_NAME_ARR = 1003,
    OID_INT2_ARR = 1005,
    OID_INT4_ARR = 1007,
    OID_TEXT_ARR = 1009,
    OID_BPCHAR_ARR = 1014,
    OID_VARCHAR_ARR = 1015,
    OID_INT8_ARR = 1016,
    OID_NUMERIC_ARR = 1231
};

typedef struct pg_mapping {
    char *text;   /* the file, edited in place */
    char *schema; /* points into text, or NULL */
    lab_buf query[LAB_TABLE_COUNT];
    unsigned query_line[LAB_TABLE_COUNT];
    const char *name; /* for messages */
} pg_mapping;

static void mapping_free(pg_mapping *m)
{
    free(m->text);
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        lab_buf_free(&m->query[k]);
}

/* A section names a record kind by its entity name or its CSV file's
 * stem ("supplier" or "suppliers", "lot_input" or "lot_inputs"). */
static int kind_of_section(const char *s)
{
    for (int k = 0; k < LAB_TABLE_COUNT; k++) {
        const char *file = lab_entities[k].file;
        size_t n = strlen(file) - 4; /* without ".csv" */
        if (strcmp(s, lab_entities[k].name) == 0 ||
            (strncmp(s, file, n) == 0 && s[n] == '\0'))
            return k;
    }
    if (strcmp(s, "mapping") == 0)
        return -1;
    return -2;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One "key = value" line of section `sec` (-1 = [mapping]). */
static int mapping_key(pg_mapping *m, int sec, char *line, unsigned ln,
                       lab_buf **cont)
{
    char *eq = strchr(line, '=');
    if (eq == NULL)
        return lab_seterr(LAB_EPARSE, "%s:%u:1: expected 'key = value'",
                          m->name, ln);
    *eq = '\0';
    char *key = trim(line), *val = trim(eq + 1);
    *cont = NULL;
    if (sec == -1 && strcmp(key, "schema") == 0) {
        m->schema = val;
        return LAB_OK;
    }
    if (sec >= 0 && strcmp(key, "query") == 0) {
        if (m->query[sec].len > 0)
            return lab_seterr(LAB_EPARSE, "%s:%u:1: second query for %s",
                              m->name, ln, lab_entities[sec].name);
        lab_buf_adds(&m->query[sec], val);
        m->query_line[sec] = ln;
        *cont = &m->query[sec];
        return LAB_OK;
    }
    return lab_seterr(LAB_EPARSE,
                      "%s:%u:1: unknown key '%s' (expected 'schema' in "
                      "[mapping], 'query' in a record section)",
                      m->name, ln, key);
}

/* Parses the INI text: sections, key = value, indented continuation
 * lines, '#' and ';' comments at the start of a line. */
static int mapping_parse(pg_mapping *m)
{
    int sec = -3; /* before any section */
    lab_buf *cont = NULL;
    unsigned ln = 0;
    for (char *p = m->text; p != NULL && *p != '\0';) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        char *line = p;
        p = nl ? nl + 1 : NULL;
        ln++;
        char *t = trim(line);
        if (*t == '\0')
            continue;
        if (cont != NULL && (line[0] == ' ' || line[0] == '\t')) {
            lab_buf_addc(cont, '\n');
            lab_buf_adds(cont, t);
            continue;
        }
        cont = NULL;
        if (*t == '#' || *t == ';')
            continue;
        if (*t == '[') {
            char *end = strchr(t, ']');
            if (end == NULL || end[1] != '\0')
                return lab_seterr(LAB_EPARSE, "%s:%u:1: expected '[section]'",
                                  m->name, ln);
            *end = '\0';
            sec = kind_of_section(trim(t + 1));
            if (sec == -2)
                return lab_seterr(LAB_EPARSE,
                                  "%s:%u:2: unknown section '%s' (expected "
                                  "mapping, supplier, link, audit, document, "
                                  "product, noncompliance, lot or lot_input)",
                                  m->name, ln, trim(t + 1));
            continue;
        }
        if (sec == -3)
            return lab_seterr(LAB_EPARSE, "%s:%u:1: expected a [section] first",
                              m->name, ln);
        int rc = mapping_key(m, sec, t, ln, &cont);
        if (rc != LAB_OK)
            return rc;
    }
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        if (m->query[k].oom)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    if (m->query[LAB_RECORD_SUPPLIER].len == 0)
        return lab_seterr(LAB_EPARSE,
                          "%s: no [supplier] query (a mapping needs at least "
                          "the suppliers)",
                          m->name);
    return LAB_OK;
}

static int mapping_read(pg_mapping *m, const char *path)
{
    memset(m, 0, sizeof *m);
    if (path == NULL) {
        m->name = "mapping.ini (built in)";
        m->text =
            lab_strndup(lab_pg_default_mapping, lab_pg_default_mapping_len);
        if (m->text == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    } else {
        size_t len;
        m->name = path;
        int rc = lab_read_text_file(&m->text, &len, path, MAP_MAX_BYTES);
        if (rc != LAB_OK)
            return rc;
    }
    return mapping_parse(m);
}

/* ---- reading one kind ---- */

typedef struct pg_reader {
    lab_dataset *ds;
    lab_record_kind kind;
    char where[512]; /* "MAPPING:KIND" */
    int ncols;
    const lab_field **cols;
    Oid *types;
    const char **values;
    size_t *lens;
    lab_pos *pos;
    lab_buf *conv; /* per column scratch for converted values */
} pg_reader;

static void reader_free(pg_reader *R)
{
    if (R->conv != NULL)
        for (int i = 0; i < R->ncols; i++)
            lab_buf_free(&R->conv[i]);
    free(R->conv);
    free(R->cols);
    free(R->types);
    free(R->values);
    free(R->lens);
    free(R->pos);
}

/* Maps the result's columns to fields, once per query. */
static int reader_columns(pg_reader *R, const PGresult *r)
{
    int n = PQnfields(r);
    R->ncols = n;
    size_t sz = n > 0 ? (size_t)n : 1;
    R->cols = lab_calloc(sz, sizeof *R->cols);
    R->types = lab_calloc(sz, sizeof *R->types);
    R->values = lab_calloc(sz, sizeof *R->values);
    R->lens = lab_calloc(sz, sizeof *R->lens);
    R->pos = lab_calloc(sz, sizeof *R->pos);
    R->conv = lab_calloc(sz, sizeof *R->conv);
    if (!R->cols || !R->types || !R->values || !R->lens || !R->pos || !R->conv)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const char *name = PQfname(r, i);
        R->types[i] = PQftype(r, i);
        R->cols[i] = lab_ds_column(R->kind, name, strlen(name));
        if (R->cols[i] == NULL) {
            int rc = lab_ds_warn(R->ds,
                                 "%s: column '%.64s' is not a %s field; "
                                 "ignored",
                                 R->where, name, lab_entities[R->kind].name);
            if (rc != LAB_OK)
                return rc;
        }
        for (int j = 0; j < i; j++)
            if (R->cols[i] != NULL && R->cols[j] == R->cols[i])
                return lab_seterr(LAB_ESCHEMA,
                                  "%s: column '%s' appears twice in the "
                                  "query's result",
                                  R->where, name);
    }
    return LAB_OK;
}

static int is_array_type(Oid t)
{
    return t == OID_NAME_ARR || t == OID_INT2_ARR || t == OID_INT4_ARR ||
           t == OID_TEXT_ARR || t == OID_BPCHAR_ARR || t == OID_VARCHAR_ARR ||
           t == OID_INT8_ARR || t == OID_NUMERIC_ARR;
}

/* '{a,"b c","d\"e",NULL}' -> 'a;b c;d"e' (NULL elements dropped). */
static void array_to_list(lab_buf *b, const char *s, size_t n)
{
    size_t i = 0, items = 0;
    if (n < 2 || s[0] != '{')
        return;
    i = 1;
    while (i < n && s[i] != '}') {
        size_t start = b->len;
        int quoted = s[i] == '"', had = 1;
        if (items > 0)
            lab_buf_addc(b, ';');
        if (quoted) {
            for (i++; i < n && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n)
                    i++;
                lab_buf_addc(b, s[i]);
            }
            i++; /* closing quote */
        } else {
            size_t j = i;
            while (j < n && s[j] != ',' && s[j] != '}')
                j++;
            if (j - i == 4 && memcmp(s + i, "NULL", 4) == 0)
                had = 0;
            else
                lab_buf_add(b, s + i, j - i);
            i = j;
        }
        if (!had) {
            b->len = start; /* drop the separator too */
            if (b->data != NULL)
                b->data[b->len] = '\0';
        } else {
            items++;
        }
        if (i < n && s[i] == ',')
            i++;
    }
    if (b->data == NULL)
        lab_buf_adds(b, "");
}

static int reader_row(pg_reader *R, const PGresult *r, unsigned row)
{
    for (int i = 0; i < R->ncols; i++) {
        R->pos[i] = (lab_pos){R->where, row, (unsigned)i + 1};
        if (R->cols[i] == NULL || PQgetisnull(r, 0, i)) {
            R->values[i] = "";
            R->lens[i] = 0;
            continue;
        }
        const char *v = PQgetvalue(r, 0, i);
        size_t len = (size_t)PQgetlength(r, 0, i);
        if (R->types[i] == OID_BOOL && len == 1) {
            v = v[0] == 't' ? "true" : "false";
            len = strlen(v);
        } else if (is_array_type(R->types[i])) {
            lab_buf *b = &R->conv[i];
            b->len = 0;
            array_to_list(b, v, len);
            if (b->oom)
                return lab_seterr(LAB_ENOMEM, "out of memory");
            v = b->data;
            len = b->len;
        }
        R->values[i] = v;
        R->lens[i] = len;
    }
    lab_pos rowpos = {R->where, row, 1};
    lab_meter_add(&R->ds->meter, 1);
    return lab_ds_row(R->ds, R->kind, R->cols, R->values, R->lens, R->pos,
                      (size_t)R->ncols, rowpos);
}

/* Runs one kind's query in single-row mode, feeding every row. */
static int read_kind(PGconn *c, lab_dataset *ds, const pg_mapping *m,
                     lab_record_kind kind)
{
    pg_reader R = {.ds = ds, .kind = kind};
    const char *base = strrchr(m->name, '/');
    snprintf(R.where, sizeof R.where, "%s:%s", base ? base + 1 : m->name,
             lab_entities[kind].name);
    int rc = LAB_OK;
    unsigned row = 0;

    if (!PQsendQueryParams(c, m->query[kind].data, 0, NULL, NULL, NULL, NULL,
                           0) ||
        !PQsetSingleRowMode(c)) {
        rc = lab_pg_fail(c, NULL, R.where);
        goto out_free_reader;
    }
    for (;;) {
        PGresult *r = PQgetResult(c);
        if (r == NULL)
            break;
        ExecStatusType st = PQresultStatus(r);
        if (rc != LAB_OK) {
            /* after an error: drain what is left */
        } else if (st == PGRES_SINGLE_TUPLE) {
            if (R.cols == NULL)
                rc = reader_columns(&R, r);
            if (rc == LAB_OK)
                rc = reader_row(&R, r, ++row);
        } else if (st == PGRES_TUPLES_OK) {
            if (R.cols == NULL)
                rc = reader_columns(&R, r); /* empty result: check names */
        } else {
            char what[600];
            snprintf(what, sizeof what, "%s (query at %s:%u)", R.where, m->name,
                     m->query_line[kind]);
            rc = lab_pg_fail(c, r, what);
        }
        PQclear(r);
        if (rc != LAB_OK && rc != LAB_EDB) {
            /* Stop the server sending the rest; the caller closes the
             * connection, which also ends the transaction. */
            PGcancel *cancel = PQgetCancel(c);
            char ebuf[256];
            if (cancel != NULL) {
                PQcancel(cancel, ebuf, sizeof ebuf);
                PQfreeCancel(cancel);
            }
            break;
        }
    }
out_free_reader:
    reader_free(&R);
    return rc;
}

int lab_pg_load(lab_dataset *ds, const char *conninfo, const char *mapping_path)
{
    pg_mapping m;
    PGconn *c = NULL;
    int rc = mapping_read(&m, mapping_path);
    if (rc != LAB_OK)
        goto out_free_mapping;
    rc = lab_pg_connect(&c, conninfo, m.schema);
    if (rc != LAB_OK)
        goto out_free_mapping;
    rc =
        lab_pg_exec(c, NULL, "PostgreSQL: starting a read-only snapshot",
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL);
    for (int k = 0; rc == LAB_OK && k < LAB_TABLE_COUNT; k++)
        if (m.query[k].len > 0)
            rc = read_kind(c, ds, &m, (lab_record_kind)k);
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "PostgreSQL: ending the snapshot", "COMMIT",
                         0, NULL);
out_free_mapping:
    PQfinish(c);
    mapping_free(&m);
    return rc;
}

int lab_dataset_load_pg(lab_dataset *ds, const char *conninfo,
                        const char *mapping)
{
    if (ds == NULL || conninfo == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dataset_load_pg: NULL argument");
    lab_ds_mark mark;
    lab_ds_mark_set(ds, &mark);
    ds->meter.done = ds->meter.next = ds->meter.total = 0; /* rows */
    int rc = lab_pg_load(ds, conninfo, mapping);
    if (rc == LAB_OK)
        rc = lab_ds_index(ds);
    if (rc != LAB_OK)
        lab_ds_rollback(ds, &mark);
    else
        lab_meter_end(&ds->meter);
    return rc;
}
