/*
 * epcis.c - reads GS1 EPCIS 2.0 JSON / JSON-LD documents into lots, lot
 * inputs and links.  The document is mapped and walked by hand down to
 * its event list (epcisBody.eventList, or queryResults.resultsBody.
 * eventList); every event, and every other member, is parsed on its own
 * by jansson (at most LAB_EPCIS_MAX_VALUE bytes each), so memory stays
 * bounded by one event plus the records made.  Events are staged first:
 * a lot that several events name becomes one lot, a transformation that
 * several events share a transformationID with is paired once all are
 * read, a shipping and a receiving event for the same lot and parties are
 * one link.  The staged records then go through lab_ds_row() like any
 * other source's, so every value meets the same checks; a bad value is
 * reported at its file and JSON pointer.
 */
#include "epcis.h"

#include "ident.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Quantities above this (in the unit given or in labaudit's unit) are
 * taken as mistakes, not as goods. */
#define EPCIS_MAX_QUANTITY 1e12

/* ---- a map from interned pointers to indexes ---- */

typedef struct ptrmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, n;
} ptrmap;

static size_t pm_slot(const ptrmap *m, const void *k)
{
    uint64_t h = (uint64_t)(uintptr_t)k * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 17) & (m->cap - 1);
    while (m->keys[i] != NULL && m->keys[i] != k)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static long pm_get(const ptrmap *m, const void *k)
{
    if (m->cap == 0 || k == NULL)
        return -1;
    size_t i = pm_slot(m, k);
    return m->keys[i] != NULL ? (long)m->vals[i] : -1;
}

static int pm_put(ptrmap *m, const void *k, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        ptrmap g = {lab_calloc(cap, sizeof *g.keys),
                    lab_calloc(cap, sizeof *g.vals), cap, 0};
        if (g.keys == NULL || g.vals == NULL) {
            free(g.keys);
            free(g.vals);
            return lab_seterr(LAB_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != NULL) {
                size_t s = pm_slot(&g, m->keys[i]);
                g.keys[s] = m->keys[i];
                g.vals[s] = m->vals[i];
                g.n++;
            }
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    size_t s = pm_slot(m, k);
    if (m->keys[s] == NULL)
        m->n++;
    m->keys[s] = k;
    m->vals[s] = v;
    return LAB_OK;
}

static void pm_free(ptrmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* ---- staged records ---- */

typedef struct st_lot {
    const char *id, *facility, *unit, *start, *end, *custody, *certs;
    const char *pos; /* "file: /pointer" of the first event naming it */
    double qty;
} st_lot;

typedef struct st_input {
    const char *lot, *input, *facility, *unit, *date, *pos;
    double qty;
} st_input;

typedef struct st_link {
    const char *from, *to, *lot, *unit, *start, *end, *pos;
    double shipped, received; /* NaN until an event gives them */
} st_link;

typedef struct tf_item {
    const char *lot, *unit;
    double qty;
} tf_item;

/* A transformation: the inputs and outputs of every event sharing a
 * transformationID (or of one event without one). */
typedef struct st_tf {
    const char *id, *facility, *pos, *date;
    tf_item *in, *out;
    size_t nin, capin, nout, capout;
} st_tf;

typedef struct epcis {
    lab_dataset *ds;
    lab_epcis_stats st;
    ptrmap gln; /* interned GLN -> supplier row */
    st_lot *lots;
    size_t nlots, caplots;
    ptrmap lotmap;
    st_input *ins;
    size_t nins, capins;
    ptrmap inmap; /* interned "input>lot" */
    st_link *links;
    size_t nlinks, caplinks;
    ptrmap linkmap; /* interned "from>to#lot" */
    st_tf *tfs;
    size_t ntfs, captfs;
    ptrmap tfmap;
    /* the event being read */
    const char *file;
    const char *base; /* "/epcisBody/eventList" */
    char basebuf[64];
    size_t index;
    const char *evpos; /* interned "file: base/index", made when needed */
    const char *date;  /* its eventTime's date, or NULL */
} epcis;

static const char *intern(epcis *E, const char *s, size_t n)
{
    return lab_strtab_intern(&E->ds->strings, s, n);
}

static int ev_err(const epcis *E, int code, const char *ptr, const char *fmt,
                  ...) LAB_PRINTF(4, 5);
static int ev_err(const epcis *E, int code, const char *ptr, const char *fmt,
                  ...)
{
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lab_seterr(code, "%s: %s/%zu%s: %s", E->file, E->base, E->index, ptr,
                      msg);
}

static int ev_warn(epcis *E, const char *ptr, const char *fmt, ...)
    LAB_PRINTF(3, 4);
static int ev_warn(epcis *E, const char *ptr, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lab_ds_warn(E->ds, "%s: %s/%zu%s: %s", E->file, E->base, E->index,
                       ptr, msg);
}

/* The interned position of the current event, for staged records. */
static const char *ev_pos(epcis *E)
{
    if (E->evpos == NULL) {
        char buf[1024];
        int n =
            snprintf(buf, sizeof buf, "%s: %s/%zu", E->file, E->base, E->index);
        if (n > 0)
            E->evpos = intern(
                E, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    }
    return E->evpos;
}

/* Shows at most 80 bytes of an input string in a message. */
static int shown(const char *s)
{
    size_t n = strlen(s);
    return n > 80 ? 80 : (int)n;
}

/* ---- GS1 identifiers ---- */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* The GS1 check digit of the n digits d (weights 3, 1, ... from the
 * right). */
static char gs1_check(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (d[n - 1 - i] - '0') * (i % 2 == 0 ? 3 : 1);
    return (char)('0' + (10 - sum % 10) % 10);
}

/* Is c in GS1's 82-character set (AI 10 and 21 values)? */
static int cset82(unsigned char c)
{
    return c >= 0x21 && c <= 0x7A && c != '#' && c != '$' && c != '@' &&
           c != '[' && c != '\\' && c != ']' && c != '^' && c != '`';
}

/* Percent-decodes s[0..n) into out (at most 20 characters of CSET 82, as
 * a lot number or serial is); 0 if it is not one. */
static int gs1_text(char out[21], const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c == '%') {
            unsigned v = 0;
            if (i + 2 >= n)
                return 0;
            for (int j = 1; j <= 2; j++) {
                char h = s[i + (size_t)j];
                v <<= 4;
                if (h >= '0' && h <= '9')
                    v |= (unsigned)(h - '0');
                else if (h >= 'A' && h <= 'F')
                    v |= (unsigned)(h - 'A' + 10);
                else if (h >= 'a' && h <= 'f')
                    v |= (unsigned)(h - 'a' + 10);
                else
                    return 0;
            }
            c = v;
            i += 2;
        }
        if (k == 20 || !cset82((unsigned char)c))
            return 0;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return k > 0;
}

/* GTIN-14 from an EPC's company prefix and item reference (whose first
 * digit is the indicator). */
static int gtin_from_epc(char out[15], const char *cp, size_t ncp,
                         const char *ir, size_t nir)
{
    if (ncp < 6 || ncp > 12 || ncp + nir != 13 || !all_digits(cp, ncp) ||
        !all_digits(ir, nir))
        return 0;
    out[0] = ir[0];
    memcpy(out + 1, cp, ncp);
    memcpy(out + 1 + ncp, ir + 1, nir - 1);
    out[13] = gs1_check(out, 13);
    out[14] = '\0';
    return 1;
}

/* Splits "a.b.c" after a URN prefix into three parts (c may hold dots
 * only if `last_free`). */
static int split3(const char *s, const char **p, size_t *n)
{
    const char *d1 = strchr(s, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (d1 == NULL || d2 == NULL)
        return 0;
    p[0] = s, n[0] = (size_t)(d1 - s);
    p[1] = d1 + 1, n[1] = (size_t)(d2 - d1 - 1);
    p[2] = d2 + 1, n[2] = strlen(d2 + 1);
    return 1;
}

/* The value after "/<ai>/" in a GS1 Digital Link URI's path (before any
 * query or fragment), or NULL. */
static const char *dl_value(const char *uri, const char *ai, size_t *n)
{
    const char *path = strstr(uri, "://");
    if (path == NULL)
        return NULL;
    path = strchr(path + 3, '/');
    size_t end = path ? strcspn(path, "?#") : 0;
    size_t ai_n = strlen(ai);
    for (size_t i = 0; path != NULL && i + ai_n + 2 <= end; i++) {
        if (path[i] == '/' && memcmp(path + i + 1, ai, ai_n) == 0 &&
            path[i + 1 + ai_n] == '/') {
            const char *v = path + i + ai_n + 2;
            size_t k = strcspn(v, "/?#");
            if (v + k > path + end)
                k = (size_t)(path + end - v);
            *n = k;
            return v;
        }
    }
    return NULL;
}

static int is_uri(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* The lot id an EPC names: "(01)<GTIN-14>(10)<lot>" for a class of a
 * lot (LGTIN URN or Digital Link with AI 10), "(01)<GTIN-14>(21)<serial>"
 * for one serialised item (SGTIN, AI 21), any other URI as it is.  *id is
 * NULL for what names no lot (a pattern, a GTIN without a lot); *item is
 * set for a serialised item. */
static int lot_of_epc(epcis *E, const char *s, const char *ptr, const char **id,
                      int *item)
{
    char gtin[15], text[21], buf[64];
    const char *p[3];
    size_t n[3];
    *id = NULL;
    *item = 0;
    int lgtin = strncmp(s, "urn:epc:class:lgtin:", 20) == 0;
    int sgtin = strncmp(s, "urn:epc:id:sgtin:", 17) == 0;
    if (lgtin || sgtin) {
        if (!split3(s + (lgtin ? 20 : 17), p, n) ||
            !gtin_from_epc(gtin, p[0], n[0], p[1], n[1]) ||
            !gs1_text(text, p[2], n[2]))
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "expected urn:epc:%s:CompanyPrefix.ItemRef.%s "
                          "(13 digits, then 1 to 20 GS1 characters), got "
                          "'%.*s'",
                          lgtin ? "class:lgtin" : "id:sgtin",
                          lgtin ? "Lot" : "Serial", shown(s), s);
        *item = sgtin;
    } else if (strncmp(s, "urn:epc:idpat:", 14) == 0 ||
               strncmp(s, "urn:epc:id:", 11) == 0) {
        return LAB_OK; /* a pattern, a logistic unit, an asset: no lot */
    } else if (is_uri(s) && dl_value(s, "01", &n[0]) != NULL) {
        const char *g = dl_value(s, "01", &n[0]);
        if (n[0] > 14 || n[0] < 8 || !all_digits(g, n[0]) ||
            gs1_check(g, n[0] - 1) != g[n[0] - 1])
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "expected a GTIN with a valid check digit after "
                          "/01/, got '%.*s'",
                          shown(s), s);
        memset(gtin, '0', 14 - n[0]);
        memcpy(gtin + 14 - n[0], g, n[0]);
        gtin[14] = '\0';
        const char *v = dl_value(s, "10", &n[1]);
        if (v == NULL) {
            v = dl_value(s, "21", &n[1]);
            *item = v != NULL;
        }
        if (v == NULL)
            return LAB_OK; /* a trade item, no lot */
        if (!gs1_text(text, v, n[1]))
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "expected 1 to 20 GS1 characters after /%s/, got "
                          "'%.*s'",
                          *item ? "21" : "10", shown(s), s);
    } else {
        size_t len = strlen(s);
        if (len == 0 || len > 512)
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "expected an EPC (1 to 512 bytes), got %zu bytes",
                          len);
        *id = intern(E, s, len);
        return *id ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
    }
    int k = snprintf(buf, sizeof buf, "(01)%s(%s)%s", gtin, *item ? "21" : "10",
                     text);
    *id = intern(E, buf, (size_t)k);
    return *id ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

/* The GLN-13 a location or party names (SGLN, PGLN, Digital Link
 * 414/417): 1 and gln set, 0 when it is not in a GS1 form, or an error
 * for a GS1 form that is malformed. */
static int gln_of(epcis *E, const char *s, const char *ptr, char gln[14])
{
    const char *p[3];
    size_t n[3];
    int sgln = strncmp(s, "urn:epc:id:sgln:", 16) == 0;
    int pgln = strncmp(s, "urn:epc:id:pgln:", 16) == 0;
    if (sgln || pgln) {
        const char *t = s + 16;
        int ok;
        if (sgln) {
            ok = split3(t, p, n);
        } else {
            const char *d = strchr(t, '.');
            ok = d != NULL;
            if (ok)
                p[0] = t, n[0] = (size_t)(d - t), p[1] = d + 1,
                n[1] = strlen(d + 1);
        }
        ok = ok && n[0] >= 6 && n[0] <= 12 && n[0] + n[1] == 12 &&
             all_digits(p[0], n[0]) && (n[1] == 0 || all_digits(p[1], n[1]));
        if (!ok)
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "expected urn:epc:id:%s:CompanyPrefix.%s (12 "
                          "digits), got '%.*s'",
                          sgln ? "sgln" : "pgln",
                          sgln ? "LocationRef.Extension" : "PartyRef", shown(s),
                          s);
        memcpy(gln, p[0], n[0]);
        memcpy(gln + n[0], p[1], n[1]);
        gln[12] = gs1_check(gln, 12);
        gln[13] = '\0';
        return 1;
    }
    size_t k = 0;
    const char *v = is_uri(s) ? dl_value(s, "414", &k) : NULL;
    if (v == NULL && is_uri(s))
        v = dl_value(s, "417", &k);
    if (v == NULL)
        return 0;
    if (k != 13 || !lab_gln_valid(v, k))
        return ev_err(E, LAB_ESCHEMA, ptr,
                      "expected a 13-digit GLN with a valid check digit "
                      "after /414/ or /417/, got '%.*s'",
                      shown(s), s);
    memcpy(gln, v, 13);
    gln[13] = '\0';
    return 1;
}

/* The supplier a location or party string names: by GLN, else by id.
 * *id is NULL when none does (the caller warns). */
static int facility_of(epcis *E, const char *s, const char *ptr,
                       const char **id)
{
    char gln[14];
    *id = NULL;
    int rc = gln_of(E, s, ptr, gln);
    if (rc < 0)
        return rc;
    const lab_table *sup = &E->ds->tables[LAB_RECORD_SUPPLIER];
    if (rc == 1) {
        const char *in = lab_strtab_find(&E->ds->strings, gln, 13);
        long row = pm_get(&E->gln, in);
        if (row >= 0) {
            *id = ((const lab_supplier *)lab_table_row(sup, (size_t)row))->id;
            return LAB_OK;
        }
    }
    long row = lab_ds_find(E->ds, LAB_RECORD_SUPPLIER, s);
    if (row >= 0)
        *id = ((const lab_supplier *)lab_table_row(sup, (size_t)row))->id;
    return LAB_OK;
}

/* ---- quantities ---- */

static const struct unit {
    const char *code, *unit;
    double factor;
} units[] = {
    {"KGM", "kg", 1},         {"kg", "kg", 1},
    {"GRM", "kg", 0.001},     {"g", "kg", 0.001},
    {"MGM", "kg", 1e-6},      {"TNE", "kg", 1000},
    {"t", "kg", 1000},        {"LBR", "kg", 0.45359237},
    {"lb", "kg", 0.45359237}, {"ONZ", "kg", 0.028349523125},
    {"MTR", "m", 1},          {"m", "m", 1},
    {"CMT", "m", 0.01},       {"MMT", "m", 0.001},
    {"KMT", "m", 1000},       {"YRD", "m", 0.9144},
    {"FOT", "m", 0.3048},     {"MTK", "m2", 1},
    {"m2", "m2", 1},          {"YDK", "m2", 0.83612736},
    {"LTR", "l", 1},          {"l", "l", 1},
    {"MTQ", "l", 1000},       {"H87", "pcs", 1},
    {"C62", "pcs", 1},        {"EA", "pcs", 1},
    {"pcs", "pcs", 1},
};

/* A QuantityElement's quantity in labaudit's unit: kg, m, m2, l, or pcs
 * for a count (no uom: a whole number of instances). */
static int quantity_of(epcis *E, json_t *qe, const char *ptr, double *q,
                       const char **unit)
{
    char at[192];
    json_t *jq = json_object_get(qe, "quantity");
    json_t *ju = json_object_get(qe, "uom");
    snprintf(at, sizeof at, "%.160s/quantity", ptr);
    if (!json_is_number(jq))
        return ev_err(E, LAB_ESCHEMA, at, "expected a number");
    double v = json_number_value(jq);
    if (!isfinite(v) || v < 0 || v > EPCIS_MAX_QUANTITY)
        return ev_err(E, LAB_ESCHEMA, at,
                      "expected a quantity from 0 to 1e12, got %g", v);
    if (ju == NULL) {
        if (v != floor(v))
            return ev_err(E, LAB_ESCHEMA, at,
                          "expected a whole number of instances or a uom "
                          "giving the unit, got %g without a uom",
                          v);
        *q = v;
        *unit = "pcs";
        return LAB_OK;
    }
    snprintf(at, sizeof at, "%.160s/uom", ptr);
    const char *u = json_string_value(ju);
    for (size_t i = 0; u != NULL && i < LAB_ARRAY_LEN(units); i++)
        if (strcmp(u, units[i].code) == 0) {
            *q = v * units[i].factor;
            *unit = units[i].unit;
            return LAB_OK;
        }
    return ev_err(E, LAB_ESCHEMA, at,
                  "expected a UN/ECE Rec 20 unit labaudit converts (KGM, GRM, "
                  "TNE, LBR, MTR, MTK, LTR, H87...), got '%.*s'",
                  u ? shown(u) : 4, u ? u : "null");
}

/* ---- staging ---- */

static int cmp_date(const char *a, const char *b)
{
    return a == NULL ? 1 : b == NULL ? -1 : strcmp(a, b);
}

/* Lot attributes an event's ilmd may carry: produced_start/end from
 * cbvmda:harvestStartDate/harvestEndDate, custody and certificates from
 * labaudit:custody and labaudit:certificates. */
typedef struct lot_attrs {
    const char *start, *end, *custody, *certs;
} lot_attrs;

static int ilmd_date(epcis *E, json_t *ilmd, const char *key, const char **out)
{
    json_t *j = json_object_get(ilmd, key);
    if (j == NULL)
        return LAB_OK;
    const char *s = json_string_value(j);
    char at[96];
    snprintf(at, sizeof at, "/ilmd/%s", key);
    if (s == NULL || strlen(s) < 10 || !lab_date_parse(s, 10, NULL) ||
        (s[10] != '\0' && s[10] != 'T'))
        return ev_err(E, LAB_ESCHEMA, at, "expected a date YYYY-MM-DD");
    *out = intern(E, s, 10);
    return *out ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

static int ilmd_attrs(epcis *E, json_t *ev, lot_attrs *a)
{
    memset(a, 0, sizeof *a);
    json_t *ilmd = json_object_get(ev, "ilmd");
    if (ilmd == NULL)
        return LAB_OK;
    if (!json_is_object(ilmd))
        return ev_err(E, LAB_ESCHEMA, "/ilmd", "expected an object");
    int rc = ilmd_date(E, ilmd, "cbvmda:harvestStartDate", &a->start);
    if (rc == LAB_OK)
        rc = ilmd_date(E, ilmd, "cbvmda:harvestEndDate", &a->end);
    if (rc != LAB_OK)
        return rc;
    json_t *c = json_object_get(ilmd, "labaudit:custody");
    if (c != NULL) {
        const lab_field *f = lab_ds_column(LAB_RECORD_LOT, "custody", 7);
        const char *s = json_string_value(c);
        for (const char *const *v = f->enum_values; s && *v; v++)
            if (strcmp(*v, s) == 0)
                a->custody = *v;
        if (a->custody == NULL)
            return ev_err(E, LAB_ESCHEMA, "/ilmd/labaudit:custody",
                          "expected one of unknown identity_preserved "
                          "segregated mass_balance book_and_claim");
    }
    json_t *certs = json_object_get(ilmd, "labaudit:certificates");
    if (certs == NULL)
        return LAB_OK;
    lab_buf b = LAB_BUF_INIT;
    size_t i;
    json_t *it;
    rc = json_is_array(certs) ? LAB_OK : LAB_ESCHEMA;
    json_array_foreach(certs, i, it)
    {
        const char *s = json_string_value(it);
        if (s == NULL || *s == '\0' || strchr(s, ';') != NULL) {
            rc = LAB_ESCHEMA;
            break;
        }
        lab_buf_printf(&b, "%s%s", i ? ";" : "", s);
    }
    if (rc == LAB_OK && b.len > 0)
        a->certs = b.oom ? NULL : intern(E, b.data, b.len);
    if (rc == LAB_OK && b.len > 0 && a->certs == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    lab_buf_free(&b);
    if (rc == LAB_ESCHEMA)
        return ev_err(E, rc, "/ilmd/labaudit:certificates",
                      "expected an array of certificate references (strings "
                      "without ';')");
    return rc;
}

/* The position a lot already in the dataset was read at, for messages. */
static int lot_known_elsewhere(epcis *E, const char *id, const char *facility,
                               const char *ptr, int *known)
{
    long row = lab_ds_find(E->ds, LAB_RECORD_LOT, id);
    *known = row >= 0;
    if (row < 0)
        return LAB_OK;
    const lab_lot *l =
        lab_table_row(&E->ds->tables[LAB_RECORD_LOT], (size_t)row);
    if (l->facility_id == facility)
        return LAB_OK;
    lab_pos p = lab_ds_row_pos(E->ds, LAB_RECORD_LOT, (size_t)row);
    char line[16] = "";
    if (p.line > 0)
        snprintf(line, sizeof line, ":%u", p.line);
    return ev_err(E, LAB_ESCHEMA, ptr,
                  "lot '%s' is held by '%s' (%s%s) but this event makes it "
                  "at '%s', expected one facility per lot",
                  id, l->facility_id, p.file, line, facility);
}

/* Stages lot `id` made or commissioned at `facility`. */
static int stage_lot(epcis *E, const char *id, const char *facility, double qty,
                     const char *unit, const lot_attrs *a, const char *ptr)
{
    int known;
    int rc = lot_known_elsewhere(E, id, facility, ptr, &known);
    if (rc != LAB_OK || known)
        return rc; /* lots.csv's record stands */
    long k = pm_get(&E->lotmap, id);
    if (k < 0) {
        if (lab_grow((void **)&E->lots, &E->caplots, E->nlots + 1,
                     sizeof *E->lots) != LAB_OK ||
            pm_put(&E->lotmap, id, (uint32_t)E->nlots) != LAB_OK)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        st_lot *l = &E->lots[E->nlots++];
        memset(l, 0, sizeof *l);
        l->id = id;
        l->facility = facility;
        l->qty = NAN;
        l->pos = ev_pos(E);
        if (l->pos == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        k = (long)E->nlots - 1;
    }
    st_lot *l = &E->lots[k];
    if (l->facility != facility)
        return ev_err(E, LAB_ESCHEMA, ptr,
                      "lot '%s' is made at '%s' here but at '%s' by %s, "
                      "expected one facility per lot",
                      id, facility, l->facility, l->pos);
    if (!isnan(qty)) {
        if (l->unit != NULL && !isnan(l->qty) && strcmp(l->unit, unit) != 0)
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "lot '%s' is counted in %s here but in %s by %s, "
                          "expected one unit per lot",
                          id, unit, l->unit, l->pos);
        l->qty = isnan(l->qty) ? qty : l->qty + qty;
        l->unit = unit;
    }
    const char *start = a->start ? a->start : E->date;
    const char *end = a->end ? a->end : E->date;
    if (start != NULL && cmp_date(start, l->start) < 0)
        l->start = start;
    if (end != NULL && (l->end == NULL || strcmp(end, l->end) > 0))
        l->end = end;
    if (a->custody != NULL)
        l->custody = a->custody;
    if (a->certs != NULL)
        l->certs = a->certs;
    return LAB_OK;
}

static int stage_input(epcis *E, const st_tf *t, const char *lot,
                       const char *input, double qty, const char *unit)
{
    lab_buf b = LAB_BUF_INIT;
    lab_buf_printf(&b, "%s>%s", input, lot);
    const char *key = b.oom ? NULL : intern(E, b.data, b.len);
    lab_buf_free(&b);
    if (key == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    long k = pm_get(&E->inmap, key);
    if (k >= 0) {
        st_input *in = &E->ins[k];
        if (isnan(qty) || isnan(in->qty) || strcmp(in->unit, unit) != 0)
            in->qty = NAN; /* not summable: unquantified */
        else
            in->qty += qty;
        return LAB_OK;
    }
    if (lab_grow((void **)&E->ins, &E->capins, E->nins + 1, sizeof *E->ins) !=
            LAB_OK ||
        pm_put(&E->inmap, key, (uint32_t)E->nins) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    E->ins[E->nins++] =
        (st_input){lot, input, t->facility, unit, t->date, t->pos, qty};
    return LAB_OK;
}

/* Pairs every input of a transformation with every output: one lot input
 * each.  With one output the input's whole quantity went into it; with
 * several of one unit and known quantities, a share by their quantity;
 * otherwise the quantity is left unknown (the lot graph counts it as
 * unquantified). */
static int pair_transformation(epcis *E, const st_tf *t)
{
    double total = 0;
    int shares = t->nout > 0 && !isnan(t->out[0].qty);
    for (size_t o = 0; o < t->nout && shares; o++) {
        if (isnan(t->out[o].qty) || strcmp(t->out[o].unit, t->out[0].unit) != 0)
            shares = 0;
        else
            total += t->out[o].qty;
    }
    if (!(total > 0))
        shares = 0;
    for (size_t o = 0; o < t->nout; o++)
        for (size_t i = 0; i < t->nin; i++) {
            double q = t->in[i].qty;
            if (t->nout > 1)
                q = shares ? q * (t->out[o].qty / total) : NAN;
            int rc = stage_input(E, t, t->out[o].lot, t->in[i].lot, q,
                                 t->in[i].unit);
            if (rc != LAB_OK)
                return rc;
        }
    return LAB_OK;
}

static int tf_add(tf_item **items, size_t *n, size_t *cap, const char *lot,
                  double qty, const char *unit)
{
    if (lab_grow((void **)items, cap, *n + 1, sizeof **items) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    (*items)[(*n)++] = (tf_item){lot, unit, qty};
    return LAB_OK;
}

static int stage_link(epcis *E, const char *from, const char *to,
                      const char *lot, double qty, const char *unit,
                      int receiving)
{
    lab_buf b = LAB_BUF_INIT;
    lab_buf_printf(&b, "%s>%s#%s", from, to, lot);
    const char *key = b.oom ? NULL : intern(E, b.data, b.len);
    lab_buf_free(&b);
    if (key == NULL || ev_pos(E) == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    long k = pm_get(&E->linkmap, key);
    if (k < 0) {
        if (lab_grow((void **)&E->links, &E->caplinks, E->nlinks + 1,
                     sizeof *E->links) != LAB_OK ||
            pm_put(&E->linkmap, key, (uint32_t)E->nlinks) != LAB_OK)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        E->links[E->nlinks++] =
            (st_link){from, to, lot, NULL, NULL, NULL, E->evpos, NAN, NAN};
        k = (long)E->nlinks - 1;
    }
    st_link *l = &E->links[k];
    if (!isnan(qty)) {
        if (l->unit != NULL && strcmp(l->unit, unit) != 0) {
            l->shipped = l->received = NAN; /* mixed units: no volume */
        } else {
            double *sum = receiving ? &l->received : &l->shipped;
            *sum = isnan(*sum) ? qty : *sum + qty;
        }
        l->unit = unit;
    }
    if (E->date != NULL && cmp_date(E->date, l->start) < 0)
        l->start = E->date;
    if (E->date != NULL && (l->end == NULL || strcmp(E->date, l->end) > 0))
        l->end = E->date;
    return LAB_OK;
}

/* ---- events ---- */

/* The last word of a CBV value given bare, as a URN or as a URI:
 * "shipping", "urn:epcglobal:cbv:bizstep:shipping",
 * "https://ref.gs1.org/cbv/BizStep-shipping". */
static const char *cbv_word(const char *s)
{
    if (s == NULL)
        return "";
    const char *c = strrchr(s, ':');
    const char *d = strrchr(s, '-');
    if (is_uri(s) && d != NULL)
        return d + 1;
    return c != NULL && !is_uri(s) ? c + 1 : s;
}

/* The facility an event happened at (bizLocation, else readPoint); NULL
 * with a warning if it names none that is known. */
static int event_facility(epcis *E, json_t *ev, const char **id, int *skip)
{
    const char *where = "/bizLocation/id";
    json_t *loc = json_object_get(json_object_get(ev, "bizLocation"), "id");
    if (loc == NULL) {
        where = "/readPoint/id";
        loc = json_object_get(json_object_get(ev, "readPoint"), "id");
    }
    *id = NULL;
    *skip = 0;
    if (loc == NULL) {
        *skip = 1;
        E->st.skipped++;
        return ev_warn(E, "",
                       "no bizLocation or readPoint: the lots cannot "
                       "be placed, event skipped");
    }
    if (!json_is_string(loc))
        return ev_err(E, LAB_ESCHEMA, where, "expected a string");
    int rc = facility_of(E, json_string_value(loc), where, id);
    if (rc != LAB_OK || *id != NULL)
        return rc;
    *skip = 1;
    E->st.skipped++;
    return ev_warn(E, where,
                   "'%.*s' is not a known facility (no supplier has that gln "
                   "or id): the lots cannot be placed, event skipped",
                   shown(json_string_value(loc)), json_string_value(loc));
}

/* Calls fn for each lot an event's EPC list and quantity list name. */
typedef int (*lot_fn)(epcis *E, void *ud, const char *lot, double qty,
                      const char *unit, const char *ptr);

static int each_lot(epcis *E, json_t *ev, const char *epcs, const char *qtys,
                    lot_fn fn, void *ud)
{
    char at[128];
    size_t i;
    json_t *it;
    json_t *list = json_object_get(ev, epcs);
    if (list != NULL && !json_is_array(list)) {
        snprintf(at, sizeof at, "/%s", epcs);
        return ev_err(E, LAB_ESCHEMA, at, "expected an array of EPCs");
    }
    json_array_foreach(list, i, it)
    {
        snprintf(at, sizeof at, "/%s/%zu", epcs, i);
        const char *s = json_string_value(it), *id;
        int item, rc;
        if (s == NULL)
            return ev_err(E, LAB_ESCHEMA, at, "expected an EPC string");
        rc = lot_of_epc(E, s, at, &id, &item);
        if (rc == LAB_OK && id == NULL)
            rc =
                ev_warn(E, at, "'%.*s' names no lot: not counted", shown(s), s);
        else if (rc == LAB_OK)
            rc = fn(E, ud, id, item ? 1 : NAN, item ? "pcs" : NULL, at);
        if (rc != LAB_OK)
            return rc;
    }
    list = json_object_get(ev, qtys);
    if (list != NULL && !json_is_array(list)) {
        snprintf(at, sizeof at, "/%s", qtys);
        return ev_err(E, LAB_ESCHEMA, at, "expected an array of quantities");
    }
    json_array_foreach(list, i, it)
    {
        snprintf(at, sizeof at, "/%s/%zu", qtys, i);
        json_t *cls = json_object_get(it, "epcClass");
        const char *s = json_string_value(cls), *id, *unit = NULL;
        double q = NAN;
        int item, rc;
        if (s == NULL) {
            char at2[160];
            snprintf(at2, sizeof at2, "%s/epcClass", at);
            return ev_err(E, LAB_ESCHEMA, at2, "expected an EPC class string");
        }
        rc = quantity_of(E, it, at, &q, &unit);
        if (rc == LAB_OK)
            rc = lot_of_epc(E, s, at, &id, &item);
        if (rc == LAB_OK && id == NULL)
            rc =
                ev_warn(E, at, "'%.*s' names no lot: not counted", shown(s), s);
        else if (rc == LAB_OK)
            rc = fn(E, ud, id, q, unit, at);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

typedef struct lot_ctx {
    const char *facility;
    lot_attrs attrs;
    st_tf *tf;
    const char *from, *to;
    int receiving;
} lot_ctx;

static int commission_one(epcis *E, void *ud, const char *lot, double qty,
                          const char *unit, const char *ptr)
{
    lot_ctx *c = ud;
    return stage_lot(E, lot, c->facility, qty, unit, &c->attrs, ptr);
}

static int ship_one(epcis *E, void *ud, const char *lot, double qty,
                    const char *unit, const char *ptr)
{
    lot_ctx *c = ud;
    (void)ptr;
    return stage_link(E, c->from, c->to, lot, qty, unit, c->receiving);
}

/* The party or location at one end of a shipment: the first entry of
 * sourceList / destinationList of type location, else possessing_party,
 * else owning_party, that names a known facility. */
static int end_of(epcis *E, json_t *ev, const char *list, const char *member,
                  const char **id, const char **named)
{
    static const char *const order[] = {"location", "possessing_party",
                                        "owning_party"};
    char at[128];
    json_t *l = json_object_get(ev, list);
    *id = NULL;
    if (l != NULL && !json_is_array(l)) {
        snprintf(at, sizeof at, "/%s", list);
        return ev_err(E, LAB_ESCHEMA, at, "expected an array");
    }
    for (size_t o = 0; o < LAB_ARRAY_LEN(order) && *id == NULL; o++) {
        size_t i;
        json_t *it;
        json_array_foreach(l, i, it)
        {
            const char *type =
                cbv_word(json_string_value(json_object_get(it, "type")));
            if (strcmp(type, order[o]) != 0)
                continue;
            snprintf(at, sizeof at, "/%s/%zu/%s", list, i, member);
            const char *s = json_string_value(json_object_get(it, member));
            if (s == NULL)
                return ev_err(E, LAB_ESCHEMA, at, "expected a string");
            *named = s;
            int rc = facility_of(E, s, at, id);
            if (rc != LAB_OK || *id != NULL)
                return rc;
        }
    }
    return LAB_OK;
}

static int shipment(epcis *E, json_t *ev, int receiving)
{
    lot_ctx c = {.receiving = receiving};
    const char *here = NULL, *sname = NULL, *dname = NULL;
    int skip = 0;
    int rc = end_of(E, ev, "sourceList", "source", &c.from, &sname);
    if (rc == LAB_OK)
        rc = end_of(E, ev, "destinationList", "destination", &c.to, &dname);
    /* no list: the event's own place is the shipping or receiving end */
    if (rc == LAB_OK && ((c.from == NULL && sname == NULL && !receiving) ||
                         (c.to == NULL && dname == NULL && receiving)))
        rc = event_facility(E, ev, &here, &skip);
    if (rc != LAB_OK || skip)
        return rc;
    if (c.from == NULL && sname == NULL && !receiving)
        c.from = here;
    if (c.to == NULL && dname == NULL && receiving)
        c.to = here;
    if (c.from == NULL || c.to == NULL) {
        const char *which = c.from == NULL ? "source" : "destination";
        const char *named = c.from == NULL ? sname : dname;
        E->st.skipped++;
        return ev_warn(E, c.from == NULL ? "/sourceList" : "/destinationList",
                       "the %s %s%.*s%s is not a known facility: no link "
                       "made, event skipped",
                       which, named ? "'" : "(none given)",
                       named ? shown(named) : 0, named ? named : "",
                       named ? "'" : "");
    }
    return each_lot(E, ev, "epcList", "quantityList", ship_one, &c);
}

static int object_event(epcis *E, json_t *ev)
{
    const char *action = json_string_value(json_object_get(ev, "action"));
    const char *step =
        cbv_word(json_string_value(json_object_get(ev, "bizStep")));
    E->st.object++;
    if (strcmp(step, "shipping") == 0 || strcmp(step, "receiving") == 0)
        return shipment(E, ev, step[0] == 'r');
    if (action == NULL || strcmp(action, "ADD") != 0 ||
        (strcmp(step, "commissioning") != 0 &&
         strcmp(step, "creating_class_instance") != 0))
        return LAB_OK; /* observations: no lot made or moved */
    lot_ctx c = {0};
    int skip;
    int rc = event_facility(E, ev, &c.facility, &skip);
    if (rc == LAB_OK && !skip)
        rc = ilmd_attrs(E, ev, &c.attrs);
    if (rc != LAB_OK || skip)
        return rc;
    return each_lot(E, ev, "epcList", "quantityList", commission_one, &c);
}

static int tf_input(epcis *E, void *ud, const char *lot, double qty,
                    const char *unit, const char *ptr)
{
    lot_ctx *c = ud;
    for (size_t o = 0; o < c->tf->nout; o++)
        if (c->tf->out[o].lot == lot)
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "lot '%s' is both an input and an output of the "
                          "transformation, expected a lot made from others",
                          lot);
    return tf_add(&c->tf->in, &c->tf->nin, &c->tf->capin, lot, qty, unit);
}

static int tf_output(epcis *E, void *ud, const char *lot, double qty,
                     const char *unit, const char *ptr)
{
    lot_ctx *c = ud;
    for (size_t i = 0; i < c->tf->nin; i++)
        if (c->tf->in[i].lot == lot)
            return ev_err(E, LAB_ESCHEMA, ptr,
                          "lot '%s' is both an input and an output of the "
                          "transformation, expected a lot made from others",
                          lot);
    int rc = stage_lot(E, lot, c->facility, qty, unit, &c->attrs, ptr);
    if (rc == LAB_OK)
        rc = tf_add(&c->tf->out, &c->tf->nout, &c->tf->capout, lot, qty, unit);
    return rc;
}

/* The transformation an event belongs to: its transformationID's, shared
 * with other events, or one of its own. */
static int tf_of(epcis *E, json_t *ev, const char *facility, st_tf **out)
{
    json_t *jid = json_object_get(ev, "transformationID");
    const char *id = NULL;
    if (jid != NULL) {
        const char *s = json_string_value(jid);
        if (s == NULL || *s == '\0')
            return ev_err(E, LAB_ESCHEMA, "/transformationID",
                          "expected a non-empty string");
        id = intern(E, s, strlen(s));
        if (id == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        long k = pm_get(&E->tfmap, id);
        if (k >= 0) {
            *out = &E->tfs[k];
            if ((*out)->facility != facility)
                return ev_err(E, LAB_ESCHEMA, "/transformationID",
                              "transformation '%.*s' happens at '%s' here "
                              "but at '%s' by %s, expected one place",
                              shown(s), s, facility, (*out)->facility,
                              (*out)->pos);
            return LAB_OK;
        }
    }
    if (lab_grow((void **)&E->tfs, &E->captfs, E->ntfs + 1, sizeof *E->tfs) !=
            LAB_OK ||
        (id != NULL && pm_put(&E->tfmap, id, (uint32_t)E->ntfs) != LAB_OK) ||
        ev_pos(E) == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    *out = &E->tfs[E->ntfs++];
    memset(*out, 0, sizeof **out);
    (*out)->id = id;
    (*out)->facility = facility;
    (*out)->pos = E->evpos;
    (*out)->date = E->date;
    return LAB_OK;
}

static void tf_free(st_tf *t)
{
    free(t->in);
    free(t->out);
}

static int transformation_event(epcis *E, json_t *ev)
{
    lot_ctx c = {0};
    int skip;
    E->st.transformation++;
    int rc = event_facility(E, ev, &c.facility, &skip);
    if (rc == LAB_OK && !skip)
        rc = ilmd_attrs(E, ev, &c.attrs);
    if (rc == LAB_OK && !skip)
        rc = tf_of(E, ev, c.facility, &c.tf);
    if (rc != LAB_OK || skip)
        return rc;
    int grouped = c.tf->id != NULL;
    rc = each_lot(E, ev, "outputEPCList", "outputQuantityList", tf_output, &c);
    if (rc == LAB_OK)
        rc = each_lot(E, ev, "inputEPCList", "inputQuantityList", tf_input, &c);
    if (rc == LAB_OK && !grouped) {
        /* one event, one transformation: paired now, then dropped */
        rc = pair_transformation(E, c.tf);
        tf_free(c.tf);
        E->ntfs--;
    }
    return rc;
}

static int on_event(epcis *E, json_t *ev)
{
    E->evpos = NULL;
    E->date = NULL;
    E->st.events++;
    if (!json_is_object(ev))
        return ev_err(E, LAB_ESCHEMA, "", "expected an event object");
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (type == NULL)
        return ev_err(E, LAB_ESCHEMA, "/type", "expected the event's type");
    json_t *t = json_object_get(ev, "eventTime");
    if (t != NULL) {
        const char *s = json_string_value(t);
        if (s == NULL || strlen(s) < 11 || s[10] != 'T' ||
            !lab_date_parse(s, 10, NULL))
            return ev_err(E, LAB_ESCHEMA, "/eventTime",
                          "expected an ISO 8601 date and time");
        E->date = intern(E, s, 10);
        if (E->date == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    if (strcmp(type, "ObjectEvent") == 0)
        return object_event(E, ev);
    if (strcmp(type, "TransformationEvent") == 0)
        return transformation_event(E, ev);
    if (strcmp(type, "AggregationEvent") == 0) {
        E->st.aggregation++; /* packing: the lots stay what they were */
        return LAB_OK;
    }
    if (strcmp(type, "AssociationEvent") == 0 ||
        strcmp(type, "TransactionEvent") == 0) {
        E->st.other++;
        return LAB_OK;
    }
    E->st.skipped++;
    return ev_warn(E, "/type",
                   "'%.*s' is not an EPCIS 2.0 event type: event skipped",
                   shown(type), type);
}

/* ---- walking a document ---- */

typedef struct reader {
    const char *p;
    size_t n, off;
    const char *name;
    size_t released; /* bytes of a mapping handed back already */
    int mapped;
} reader;

static void skip_ws(reader *r)
{
    while (r->off < r->n && (r->p[r->off] == ' ' || r->p[r->off] == '\t' ||
                             r->p[r->off] == '\n' || r->p[r->off] == '\r'))
        r->off++;
}

static int syntax(const reader *r, const char *what)
{
    return lab_seterr(LAB_EPARSE, "%s: byte %zu: expected %s", r->name,
                      r->off + 1, what);
}

/* Parses the one JSON value at r->off (at most LAB_EPCIS_MAX_VALUE
 * bytes). */
static int read_value(reader *r, json_t **out)
{
    json_error_t err;
    skip_ws(r);
    if (r->off >= r->n)
        return syntax(r, "a JSON value");
    size_t rest = r->n - r->off;
    size_t win = rest > LAB_EPCIS_MAX_VALUE ? LAB_EPCIS_MAX_VALUE : rest;
    *out = json_loadb(r->p + r->off, win,
                      JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY |
                          JSON_REJECT_DUPLICATES,
                      &err);
    if (*out == NULL) {
        if (win < rest &&
            json_error_code(&err) == json_error_premature_end_of_input)
            return lab_seterr(LAB_ELIMIT,
                              "%s: byte %zu: a value larger than %d MiB, "
                              "expected each event within that limit",
                              r->name, r->off + 1, LAB_EPCIS_MAX_VALUE >> 20);
        return lab_seterr(
            LAB_EPARSE, "%s: byte %zu: %s", r->name,
            r->off + (size_t)(err.position > 0 ? err.position : 0), err.text);
    }
    r->off += (size_t)err.position;
    /* hand read pages of a large mapping back */
    if (r->mapped && r->off - r->released > ((size_t)64 << 20)) {
        long pg = sysconf(_SC_PAGESIZE);
        size_t upto = (r->off / (size_t)pg) * (size_t)pg;
        madvise((void *)(uintptr_t)(r->p + r->released), upto - r->released,
                MADV_DONTNEED);
        r->released = upto;
    }
    return LAB_OK;
}

static int read_key(reader *r, json_t **key)
{
    skip_ws(r);
    if (r->off >= r->n || r->p[r->off] != '"')
        return syntax(r, "a member name");
    int rc = read_value(r, key);
    if (rc != LAB_OK)
        return rc;
    skip_ws(r);
    if (r->off >= r->n || r->p[r->off] != ':') {
        json_decref(*key);
        *key = NULL;
        return syntax(r, "':'");
    }
    r->off++;
    return LAB_OK;
}

/* After a member or element: ',' (returns 1) or the closing c (0). */
static int next_or_end(reader *r, char close, int *more)
{
    skip_ws(r);
    if (r->off < r->n && r->p[r->off] == ',') {
        r->off++;
        *more = 1;
        return LAB_OK;
    }
    if (r->off < r->n && r->p[r->off] == close) {
        r->off++;
        *more = 0;
        return LAB_OK;
    }
    return syntax(r, close == '}' ? "',' or '}'" : "',' or ']'");
}

static int read_events(epcis *E, reader *r)
{
    skip_ws(r);
    if (r->off >= r->n || r->p[r->off] != '[')
        return syntax(r, "'[' opening eventList");
    r->off++;
    skip_ws(r);
    if (r->off < r->n && r->p[r->off] == ']') {
        r->off++;
        return LAB_OK;
    }
    for (int more = 1; more;) {
        json_t *ev;
        int rc = read_value(r, &ev);
        if (rc != LAB_OK)
            return rc;
        rc = on_event(E, ev);
        json_decref(ev);
        E->index++;
        if (rc == LAB_OK)
            rc = next_or_end(r, ']', &more);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

/* Levels of the walk: the document, queryResults, and epcisBody or
 * resultsBody (which hold eventList, or queryResults). */
enum { LV_DOC, LV_QUERY, LV_BODY };

static int read_object(epcis *E, reader *r, int level, const char *at,
                       int *events, char type[32]);

/* Descends into member `key` of the object at `at`. */
static int read_member(epcis *E, reader *r, int level, const char *at,
                       const char *key, int *events, char type[32])
{
    char here[64];
    snprintf(here, sizeof here, "%s/%s", at, key);
    if ((level == LV_DOC && strcmp(key, "epcisBody") == 0) ||
        (level == LV_QUERY && strcmp(key, "resultsBody") == 0))
        return read_object(E, r, LV_BODY, here, events, type);
    if ((level == LV_DOC || level == LV_BODY) &&
        strcmp(key, "queryResults") == 0)
        return read_object(E, r, LV_QUERY, here, events, type);
    if (level == LV_BODY && strcmp(key, "eventList") == 0) {
        if (*events)
            return syntax(r, "one eventList");
        *events = 1;
        snprintf(E->basebuf, sizeof E->basebuf, "%s", here);
        E->base = E->basebuf;
        return read_events(E, r);
    }
    json_t *v = NULL;
    int rc = read_value(r, &v);
    if (rc == LAB_OK && level == LV_DOC && strcmp(key, "type") == 0)
        snprintf(type, 32, "%s",
                 json_is_string(v) ? json_string_value(v) : "?");
    json_decref(v);
    return rc;
}

static int read_object(epcis *E, reader *r, int level, const char *at,
                       int *events, char type[32])
{
    skip_ws(r);
    if (r->off >= r->n || r->p[r->off] != '{')
        return syntax(r, level == LV_DOC ? "'{' opening an EPCIS document"
                                         : "'{'");
    r->off++;
    skip_ws(r);
    if (r->off < r->n && r->p[r->off] == '}') {
        r->off++;
        return LAB_OK;
    }
    for (int more = 1; more;) {
        json_t *key = NULL;
        int rc = read_key(r, &key);
        if (rc == LAB_OK)
            rc = read_member(E, r, level, at, json_string_value(key), events,
                             type);
        json_decref(key);
        if (rc == LAB_OK)
            rc = next_or_end(r, '}', &more);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

static int read_document(epcis *E, reader *r)
{
    char type[32] = "";
    int events = 0;
    E->index = 0;
    E->base = "/epcisBody/eventList";
    if (r->n >= 3 && memcmp(r->p, "\xEF\xBB\xBF", 3) == 0)
        r->off = 3;
    int rc = read_object(E, r, LV_DOC, "", &events, type);
    if (rc != LAB_OK)
        return rc;
    skip_ws(r);
    if (r->off != r->n)
        return syntax(r, "the end of the document after its closing '}'");
    if (strcmp(type, "EPCISDocument") != 0 &&
        strcmp(type, "EPCISQueryDocument") != 0)
        return lab_seterr(LAB_ESCHEMA,
                          "%s: /type: expected EPCISDocument or "
                          "EPCISQueryDocument, got '%s'",
                          r->name, type);
    return LAB_OK;
}

/* ---- the load: set up, files, flush ---- */

static int index_glns(epcis *E)
{
    const lab_table *sup = &E->ds->tables[LAB_RECORD_SUPPLIER];
    for (size_t i = 0; i < sup->n; i++) {
        const lab_supplier *s = lab_table_row(sup, i);
        if (s->gln != NULL && pm_get(&E->gln, s->gln) < 0 &&
            pm_put(&E->gln, s->gln, (uint32_t)i) != LAB_OK)
            return LAB_ENOMEM;
    }
    return LAB_OK;
}

static void epcis_free(epcis *E)
{
    pm_free(&E->gln);
    pm_free(&E->lotmap);
    pm_free(&E->inmap);
    pm_free(&E->linkmap);
    pm_free(&E->tfmap);
    for (size_t i = 0; i < E->ntfs; i++)
        tf_free(&E->tfs[i]);
    free(E->tfs);
    free(E->lots);
    free(E->ins);
    free(E->links);
}

/* Adds one record through lab_ds_row; a message about a value names the
 * record's file and pointer as "file: /pointer: ..." (lab_ds_row writes
 * positions as file:line:col, and events have no lines). */
static int add_row(epcis *E, lab_record_kind kind, const char *const *names,
                   const char *const *values, size_t n, const char *pos)
{
    const lab_field *f[8];
    size_t lens[8];
    for (size_t i = 0; i < n; i++) {
        f[i] =
            values[i] ? lab_ds_column(kind, names[i], strlen(names[i])) : NULL;
        lens[i] = values[i] ? strlen(values[i]) : 0;
    }
    int rc =
        lab_ds_row(E->ds, kind, f, values, lens, NULL, n, (lab_pos){pos, 0, 0});
    if (rc == LAB_OK || rc == LAB_ENOMEM)
        return rc;
    const char *m = lab_errmsg();
    size_t pl = strlen(pos);
    if (strncmp(m, pos, pl) == 0) {
        const char *rest = m + pl;
        if (strncmp(rest, ":0:0: ", 6) == 0)
            rest += 6;
        else if (strncmp(rest, ":0: ", 4) == 0)
            rest += 4;
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", rest);
        return lab_seterr(rc, "%s: %s", pos, copy);
    }
    return rc;
}

static const char *num_text(char buf[32], double d)
{
    if (isnan(d))
        return NULL;
    lab_num_format(buf, d);
    return buf;
}

/* An input lot that no event or lots.csv gives: taken as held by the
 * facility that transformed it, with no known inputs of its own. */
static int placeholder_lots(epcis *E)
{
    lot_attrs none = {0};
    for (size_t j = 0; j < E->nins; j++) {
        const st_input *in = &E->ins[j];
        if (pm_get(&E->lotmap, in->input) >= 0 ||
            lab_ds_find(E->ds, LAB_RECORD_LOT, in->input) >= 0)
            continue;
        const char *saved = E->evpos, *date = E->date;
        E->evpos = in->pos;
        E->date = NULL;
        int rc = stage_lot(E, in->input, in->facility, NAN, NULL, &none, "");
        E->evpos = saved;
        E->date = date;
        if (rc == LAB_OK)
            rc = lab_ds_warn(E->ds,
                             "%s: input lot '%s' is not given by any event "
                             "or lots.csv: taken as held by '%s', with no "
                             "known inputs",
                             in->pos, in->input, in->facility);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

static int flush(epcis *E)
{
    int rc = LAB_OK;
    for (size_t i = 0; i < E->ntfs && rc == LAB_OK; i++)
        rc = pair_transformation(E, &E->tfs[i]);
    if (rc == LAB_OK)
        rc = placeholder_lots(E);
    char q[32];
    for (size_t i = 0; i < E->nlots && rc == LAB_OK; i++) {
        const st_lot *l = &E->lots[i];
        static const char *const names[] = {
            "id",      "facility_id",    "quantity",
            "unit",    "produced_start", "produced_end",
            "custody", "certificates"};
        const char *values[] = {l->id,      l->facility, num_text(q, l->qty),
                                l->unit,    l->start,    l->end,
                                l->custody, l->certs};
        rc = add_row(E, LAB_RECORD_LOT, names, values, 8, l->pos);
        E->st.lots += rc == LAB_OK;
    }
    for (size_t i = 0; i < E->nins && rc == LAB_OK; i++) {
        const st_input *in = &E->ins[i];
        static const char *const names[] = {"lot_id", "input_lot_id",
                                            "quantity", "unit", "date"};
        const char *values[] = {in->lot, in->input, num_text(q, in->qty),
                                isnan(in->qty) ? NULL : in->unit, in->date};
        rc = add_row(E, LAB_RECORD_LOT_INPUT, names, values, 5, in->pos);
        E->st.lot_inputs += rc == LAB_OK;
    }
    for (size_t i = 0; i < E->nlinks && rc == LAB_OK; i++) {
        const st_link *l = &E->links[i];
        /* a shipping and a receiving event of the same goods: one link,
         * the larger of the two counts */
        double v = isnan(l->shipped)          ? l->received
                   : isnan(l->received)       ? l->shipped
                   : l->shipped > l->received ? l->shipped
                                              : l->received;
        static const char *const names[] = {
            "supplier_id", "buyer_id",     "volume",    "unit",
            "lot",         "period_start", "period_end"};
        const char *values[] = {
            l->from, l->to,    num_text(q, v), isnan(v) ? NULL : l->unit,
            l->lot,  l->start, l->end};
        rc = add_row(E, LAB_RECORD_LINK, names, values, 7, l->pos);
        E->st.links += rc == LAB_OK;
    }
    return rc;
}

static int load_bytes(epcis *E, const char *data, size_t len, const char *name,
                      int mapped)
{
    reader r = {data, len, 0, name, 0, mapped};
    E->file = name;
    return read_document(E, &r);
}

/* Maps a file and reads it. */
static int load_file(epcis *E, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lab_seterr(LAB_EIO, "%s: cannot open: %s", path,
                          strerror(errno));
    struct stat st;
    int rc = LAB_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = lab_seterr(LAB_EIO, "%s: not a regular file", path);
    else if (st.st_size == 0)
        rc = lab_seterr(LAB_EPARSE,
                        "%s: empty file, expected an EPCIS document", path);
    if (rc != LAB_OK) {
        close(fd);
        return rc;
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return lab_seterr(LAB_EIO, "%s: cannot map: %s", path, strerror(errno));
    madvise(map, len, MADV_SEQUENTIAL);
    rc = load_bytes(E, map, len, path, 1);
    munmap(map, len);
    lab_meter_add(&E->ds->meter, len);
    return rc;
}

static int load_dir(epcis *E, const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    lab_buf path = LAB_BUF_INIT;
    static const char *const json[] = {".json", ".jsonld", NULL};
    int rc =
        lab_dir_list(&names, &n, dir, json, LAB_EPCIS_MAX_FILES, "documents");
    for (size_t i = 0; i < n && rc == LAB_OK; i++) {
        path.len = 0;
        lab_buf_printf(&path, "%s/%s", dir, names[i]);
        /* messages name the file as long as the dataset lives */
        const char *p = path.oom ? NULL : intern(E, path.data, path.len);
        rc = p == NULL ? lab_seterr(LAB_ENOMEM, "out of memory")
                       : load_file(E, p);
    }
    lab_dir_free(names, n);
    lab_buf_free(&path);
    return rc;
}

/* Runs one load: reads what `read` reads, then adds the staged records;
 * all or nothing. */
static int run(lab_dataset *ds, const char *path, const char *data, size_t len,
               lab_epcis_stats *stats)
{
    epcis E = {.ds = ds};
    lab_ds_mark mark;
    lab_ds_mark_set(ds, &mark);
    int rc = index_glns(&E);
    if (rc != LAB_OK) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    } else if (data != NULL) {
        const char *name = intern(&E, path, strlen(path));
        rc = name ? load_bytes(&E, data, len, name, 0)
                  : lab_seterr(LAB_ENOMEM, "out of memory");
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = load_dir(&E, path);
        } else {
            const char *name = intern(&E, path, strlen(path));
            rc = name ? load_file(&E, name)
                      : lab_seterr(LAB_ENOMEM, "out of memory");
        }
    }
    if (rc == LAB_OK)
        rc = flush(&E);
    if (rc != LAB_OK)
        lab_ds_rollback(ds, &mark);
    else if (stats != NULL)
        *stats = E.st;
    epcis_free(&E);
    return rc;
}

int lab_epcis_load(lab_dataset *ds, const char *path, lab_epcis_stats *stats)
{
    if (ds == NULL || path == NULL)
        return lab_seterr(LAB_EINVAL, "lab_epcis_load: NULL argument");
    return run(ds, path, NULL, 0, stats);
}

int lab_epcis_load_memory(lab_dataset *ds, const char *data, size_t len,
                          const char *name, lab_epcis_stats *stats)
{
    if (ds == NULL || data == NULL)
        return lab_seterr(LAB_EINVAL, "lab_epcis_load_memory: NULL argument");
    return run(ds, name ? name : "<memory>", len ? data : "", len, stats);
}

int lab_dataset_load_epcis(lab_dataset *ds, const char *path)
{
    if (ds == NULL || path == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dataset_load_epcis: NULL argument");
    lab_ds_mark mark;
    lab_ds_mark_set(ds, &mark);
    int rc = lab_epcis_load(ds, path, NULL);
    if (rc == LAB_OK)
        rc = lab_ds_index(ds);
    if (rc != LAB_OK)
        lab_ds_rollback(ds, &mark);
    return rc;
}
