/*
 * schema.c - field descriptors built from the tables in schema.h, and the
 * one path by which text becomes a typed, validated field value: CSV
 * cells, XML elements, database columns, JSON requests and rule-pack test
 * cases all go through lab_field_set().
 */
#include "schema.h"

#include "ident.h"
#include "owners.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Allowed values of the enumerated fields, named by the tables' column. */
static const char *const lab_ev_ROLES[] = {LAB_ROLES, NULL};
static const char *const lab_ev_SCHEMES[] = {LAB_SCHEMES, NULL};
static const char *const lab_ev_AUDIT_TYPES[] = {LAB_AUDIT_TYPES, NULL};
static const char *const lab_ev_DOC_KINDS[] = {LAB_DOC_KINDS, NULL};
static const char *const lab_ev_TEST_METHODS[] = {LAB_TEST_METHODS, NULL};
static const char *const lab_ev_TEST_RESULTS[] = {LAB_TEST_RESULTS, NULL};
static const char *const lab_ev_AUDIT_KINDS[] = {LAB_AUDIT_KINDS, NULL};
static const char *const lab_ev_NC_SEVERITIES[] = {LAB_NC_SEVERITIES, NULL};
static const char *const lab_ev_NC_STATUSES[] = {LAB_NC_STATUSES, NULL};
static const char *const lab_ev_NC_METHODS[] = {LAB_NC_METHODS, NULL};
static const char *const lab_ev_ILO_INDICATORS[] = {LAB_ILO_INDICATORS, NULL};
static const char *const lab_ev_CUSTODY[] = {LAB_CUSTODY, NULL};
#define lab_ev_NONE NULL

#define LAB_DESC(S, name, type, check, ev, flags, doc) \
    {#name, LAB_FT_##type,     LAB_CK_##check,         \
     flags, offsetof(S, name), lab_ev_##ev,            \
     doc},

#define X_SUPPLIER(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_supplier, name, type, check, ev, flags, doc)
#define X_LINK(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_link, name, type, check, ev, flags, doc)
#define X_AUDIT(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_audit, name, type, check, ev, flags, doc)
#define X_DOCUMENT(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_document, name, type, check, ev, flags, doc)
#define X_PRODUCT(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_product, name, type, check, ev, flags, doc)
#define X_NONCOMPLIANCE(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_noncompliance, name, type, check, ev, flags, doc)
#define X_LOT(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_lot, name, type, check, ev, flags, doc)
#define X_LOT_INPUT(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_lot_input, name, type, check, ev, flags, doc)
#define X_OWNERSHIP(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_ownership, name, type, check, ev, flags, doc)
#define X_CHAIN(name, type, check, ev, flags, doc) \
    LAB_DESC(lab_chain, name, type, check, ev, flags, doc)

static lab_field supplier_fields[] = {LAB_SUPPLIER_FIELDS(X_SUPPLIER)};
static lab_field link_fields[] = {LAB_LINK_FIELDS(X_LINK)};
static lab_field audit_fields[] = {LAB_AUDIT_FIELDS(X_AUDIT)};
static lab_field document_fields[] = {LAB_DOCUMENT_FIELDS(X_DOCUMENT)};
static lab_field product_fields[] = {LAB_PRODUCT_FIELDS(X_PRODUCT)};
static lab_field noncompliance_fields[] = {
    LAB_NONCOMPLIANCE_FIELDS(X_NONCOMPLIANCE)};
static lab_field lot_fields[] = {LAB_LOT_FIELDS(X_LOT)};
static lab_field lot_input_fields[] = {LAB_LOT_INPUT_FIELDS(X_LOT_INPUT)};
static lab_field ownership_fields[] = {LAB_OWNERSHIP_FIELDS(X_OWNERSHIP)};
static lab_field chain_fields[] = {LAB_CHAIN_FIELDS(X_CHAIN)};

const lab_entity lab_entities[LAB_ENT_COUNT_] = {
    {"supplier", "suppliers.csv", supplier_fields,
     LAB_ARRAY_LEN(supplier_fields), sizeof(lab_supplier)},
    {"link", "links.csv", link_fields, LAB_ARRAY_LEN(link_fields),
     sizeof(lab_link)},
    {"audit", "audits.csv", audit_fields, LAB_ARRAY_LEN(audit_fields),
     sizeof(lab_audit)},
    {"document", "documents.csv", document_fields,
     LAB_ARRAY_LEN(document_fields), sizeof(lab_document)},
    {"product", "products.csv", product_fields, LAB_ARRAY_LEN(product_fields),
     sizeof(lab_product)},
    {"noncompliance", "noncompliances.csv", noncompliance_fields,
     LAB_ARRAY_LEN(noncompliance_fields), sizeof(lab_noncompliance)},
    {"lot", "lots.csv", lot_fields, LAB_ARRAY_LEN(lot_fields), sizeof(lab_lot)},
    {"lot_input", "lot_inputs.csv", lot_input_fields,
     LAB_ARRAY_LEN(lot_input_fields), sizeof(lab_lot_input)},
    {"ownership", "ownership.csv", ownership_fields,
     LAB_ARRAY_LEN(ownership_fields), sizeof(lab_ownership)},
    {"chain", NULL, chain_fields, LAB_ARRAY_LEN(chain_fields),
     sizeof(lab_chain)},
};

const lab_field *lab_field_find(const lab_entity *e, const char *name, size_t n)
{
    for (size_t i = 0; i < e->nfields; i++) {
        const char *fn = e->fields[i].name;
        if (strlen(fn) == n && memcmp(fn, name, n) == 0)
            return &e->fields[i];
    }
    return NULL;
}

void lab_record_clear(const lab_entity *e, void *rec)
{
    unsigned char *base = rec;
    memset(rec, 0, e->size);
    for (size_t i = 0; i < e->nfields; i++) {
        const lab_field *f = &e->fields[i];
        void *p = base + f->offset;
        switch ((lab_ftype)f->type) {
        case LAB_FT_INT:
            *(int32_t *)p = LAB_INT_NONE;
            break;
        case LAB_FT_NUM:
            *(double *)p = NAN;
            break;
        case LAB_FT_BOOL:
            *(int8_t *)p = -1;
            break;
        case LAB_FT_STR:
        case LAB_FT_LIST:
            break; /* NULL from memset */
        }
    }
}

lab_vtype lab_field_vtype(const lab_field *f)
{
    switch ((lab_ftype)f->type) {
    case LAB_FT_INT:
    case LAB_FT_NUM:
        return LAB_V_NUM;
    case LAB_FT_BOOL:
        return LAB_V_BOOL;
    case LAB_FT_LIST:
        return LAB_V_ARR;
    case LAB_FT_STR:
        break;
    }
    return LAB_V_STR;
}

/* Quotes at most 40 bytes of bad input for a message. */
static const char *excerpt(char buf[64], const char *s, size_t n)
{
    size_t k = n > 40 ? 40 : n;
    size_t j = 0;
    for (size_t i = 0; i < k; i++)
        buf[j++] = (s[i] >= 0x20 && s[i] != 0x7f) ? s[i] : '?';
    if (n > k) {
        buf[j++] = '.';
        buf[j++] = '.';
        buf[j++] = '.';
    }
    buf[j] = '\0';
    return buf;
}

static int bad(const lab_field *f, lab_pos pos, const char *expected,
               const char *s, size_t n)
{
    char ex[64];
    return lab_seterr(LAB_ESCHEMA, "%s:%u:%u: %s: expected %s, got '%s'",
                      pos.file ? pos.file : "<input>", pos.line, pos.col,
                      f->name, expected, excerpt(ex, s, n));
}

/* An optional sign and 1 to 10 digits, within the int32 range less
 * INT32_MIN (which marks a missing value). */
static int parse_whole(const char *s, size_t n, double *out)
{
    size_t i = n > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == n || n - i > 10)
        return 0;
    long long v = 0;
    for (size_t k = i; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return 0;
        v = v * 10 + (s[k] - '0');
    }
    if (v > 2147483647LL)
        return 0;
    *out = s[0] == '-' ? -(double)v : (double)v;
    return 1;
}

/* Whether the decimal text s (already checked by lab_num_parse) is within
 * a double's range: strtod reports ERANGE for "1e-400", which would load
 * as 0, as it does for "1e400" (subnormal results count as underflow). */
static int num_in_range(const char *s, size_t n)
{
    char tmp[64];
    if (n >= sizeof tmp)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    errno = 0;
    (void)strtod(tmp, NULL);
    return errno != ERANGE;
}

static int parse_bool(const char *s, size_t n, int8_t *out)
{
    static const char *const yes[] = {"true", "yes", "1",    "y",
                                      "TRUE", "Yes", "True", "YES"};
    static const char *const no[] = {"false", "no", "0",     "n",
                                     "FALSE", "No", "False", "NO"};
    for (size_t i = 0; i < LAB_ARRAY_LEN(yes); i++) {
        if (strlen(yes[i]) == n && memcmp(yes[i], s, n) == 0) {
            *out = 1;
            return 1;
        }
        if (strlen(no[i]) == n && memcmp(no[i], s, n) == 0) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

static int check_text(const lab_field *f, const char *s, size_t n, lab_pos pos)
{
    switch ((lab_fcheck)f->check) {
    case LAB_CK_NONE:
    case LAB_CK_NONNEG:
    case LAB_CK_PERCENT:
        return LAB_OK;
    case LAB_CK_IDENT: {
        char why[160];
        int known;
        if (lab_ident_check(s, n, &known, why, sizeof why))
            return LAB_OK;
        return lab_seterr(LAB_ESCHEMA, "%s:%u:%u: %s: %s",
                          pos.file ? pos.file : "<input>", pos.line, pos.col,
                          f->name, why);
    }
    case LAB_CK_ID:
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return bad(f, pos, "an id without control characters", s, n);
        return LAB_OK;
    case LAB_CK_DATE:
        return lab_date_parse(s, n, NULL)
                   ? LAB_OK
                   : bad(f, pos, "a date YYYY-MM-DD", s, n);
    case LAB_CK_COUNTRY:
        return lab_country_valid(s, n)
                   ? LAB_OK
                   : bad(f, pos, "an ISO 3166-1 alpha-2 country code", s, n);
    case LAB_CK_SUBDIV:
        /* a well-formed code the table does not know yet is a warning
         * (lab_ds_row), not a rejected dataset: ISO 3166-2 changes */
        return lab_subdivision_wellformed(s, n)
                   ? LAB_OK
                   : bad(f, pos,
                         "an ISO 3166-2 subdivision code like CN-XJ (a "
                         "country code, '-', 1 to 3 letters or digits)",
                         s, n);
    case LAB_CK_OSID:
        return lab_osid_valid(s, n)
                   ? LAB_OK
                   : bad(f, pos,
                         "an Open Supply Hub OS ID (15 characters with a "
                         "valid check character)",
                         s, n);
    case LAB_CK_HS:
        return lab_hs_valid(s, n)
                   ? LAB_OK
                   : bad(f, pos, "a Harmonized System code (2-10 digits)", s,
                         n);
    case LAB_CK_LEI:
        return lab_lei_valid(s, n)
                   ? LAB_OK
                   : bad(f, pos, "a 20-character LEI with valid check digits",
                         s, n);
    case LAB_CK_GLN:
        return lab_gln_valid(s, n)
                   ? LAB_OK
                   : bad(f, pos, "a 13-digit GLN with a valid check digit", s,
                         n);
    case LAB_CK_SHA256:
        if (n != 64)
            return bad(f, pos, "64 hexadecimal digits (SHA-256)", s, n);
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F')))
                return bad(f, pos, "64 hexadecimal digits (SHA-256)", s, n);
        }
        return LAB_OK;
    case LAB_CK_CURRENCY:
        if (n != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
            s[2] < 'A' || s[2] > 'Z')
            return bad(f, pos, "an ISO 4217 currency code like USD", s, n);
        return LAB_OK;
    case LAB_CK_ENUM: {
        const char *const *v = f->enum_values;
        char expected[256];
        size_t k = 0;
        for (; v != NULL && *v != NULL; v++) {
            if (strlen(*v) == n && memcmp(*v, s, n) == 0)
                return LAB_OK;
        }
        k += (size_t)snprintf(expected, sizeof expected, "one of");
        for (v = f->enum_values;
             v != NULL && *v != NULL && k < sizeof expected - 32; v++)
            k += (size_t)snprintf(expected + k, sizeof expected - k, " %s", *v);
        return bad(f, pos, expected, s, n);
    }
    }
    return LAB_OK;
}

static int set_list(const lab_field *f, void *p, const char *s, size_t n,
                    lab_strtab *st, lab_pos pos)
{
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += s[i] == ';';
    lab_list *l =
        lab_arena_alloc(&st->arena, sizeof *l + count * sizeof l->items[0]);
    if (l == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    l->n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ';')
            continue;
        size_t a = start, b = i;
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        start = i + 1;
        if (a == b)
            continue;
        int rc = check_text(f, s + a, b - a, pos);
        if (rc != LAB_OK)
            return rc;
        const char *it = lab_strtab_intern(st, s + a, b - a);
        if (it == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        l->items[l->n++] = lab_val_str(it, b - a);
    }
    *(const lab_list **)p = l;
    return LAB_OK;
}

int lab_field_set(const lab_field *f, void *rec, const char *s, size_t n,
                  lab_strtab *st, lab_pos pos)
{
    void *p = (unsigned char *)rec + f->offset;
    double d;

    /* Surrounding blanks are never meaningful in a field. */
    while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        n--;
        pos.col++;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return LAB_OK;
    if (memchr(s, '\0', n) != NULL)
        return bad(f, pos, "text without NUL bytes", s, n);
    if (lab_utf8_check(s, n) != n)
        return bad(f, pos, "valid UTF-8", s, n);

    switch ((lab_ftype)f->type) {
    case LAB_FT_STR: {
        int rc = check_text(f, s, n, pos);
        if (rc != LAB_OK)
            return rc;
        const char *v = lab_strtab_intern(st, s, n);
        if (v == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        *(const char **)p = v;
        return LAB_OK;
    }
    case LAB_FT_INT:
        /* integer syntax only: "1e0", "2.0" or "0.99999999999999999"
         * (which a double rounds to 1) are not whole numbers as written */
        if (!parse_whole(s, n, &d))
            return bad(f, pos,
                       "a whole number (digits only, -2147483647 to "
                       "2147483647)",
                       s, n);
        if (f->check == LAB_CK_NONNEG && d < 0)
            return bad(f, pos, "a number >= 0", s, n);
        *(int32_t *)p = (int32_t)d;
        return LAB_OK;
    case LAB_FT_NUM:
        if (!lab_num_parse(s, n, &d))
            return bad(f, pos, "a number", s, n);
        if (!num_in_range(s, n))
            return bad(f, pos,
                       "a number within the range of a double (it "
                       "underflows or overflows)",
                       s, n);
        if (f->check == LAB_CK_NONNEG && d < 0)
            return bad(f, pos, "a number >= 0", s, n);
        if (f->check == LAB_CK_PERCENT && !(d >= 0 && d <= 100))
            return bad(f, pos, "a percentage from 0 to 100", s, n);
        *(double *)p = d;
        return LAB_OK;
    case LAB_FT_BOOL:
        if (!parse_bool(s, n, (int8_t *)p))
            return bad(f, pos, "true or false", s, n);
        return LAB_OK;
    case LAB_FT_LIST:
        return set_list(f, p, s, n, st, pos);
    }
    return LAB_OK;
}

int lab_field_parse(const lab_field *f, const char *text, size_t len,
                    lab_strtab *st, lab_pos pos, lab_val *out)
{
    /* a one-field record: the value sits at offset 0 */
    union {
        const char *s;
        int32_t i;
        double d;
        int8_t b;
        const lab_list *l;
    } rec;
    lab_field at0 = *f;
    at0.offset = 0;
    lab_entity one = {"", NULL, &at0, 1, sizeof rec};
    lab_record_clear(&one, &rec);
    int rc = lab_field_set(&at0, &rec, text, len, st, pos);
    if (rc == LAB_OK)
        *out = lab_field_get(&at0, &rec);
    return rc;
}

lab_val lab_field_get(const lab_field *f, const void *rec)
{
    const void *p = (const unsigned char *)rec + f->offset;
    switch ((lab_ftype)f->type) {
    case LAB_FT_STR: {
        const char *s = *(const char *const *)p;
        return s ? lab_val_str(s, strlen(s)) : lab_val_null();
    }
    case LAB_FT_INT: {
        int32_t v = *(const int32_t *)p;
        return v == LAB_INT_NONE ? lab_val_null() : lab_val_num(v);
    }
    case LAB_FT_NUM: {
        double v = *(const double *)p;
        return isnan(v) ? lab_val_null() : lab_val_num(v);
    }
    case LAB_FT_BOOL: {
        int8_t v = *(const int8_t *)p;
        return v < 0 ? lab_val_null() : lab_val_bool(v);
    }
    case LAB_FT_LIST: {
        const lab_list *l = *(const lab_list *const *)p;
        if (l == NULL)
            return lab_val_null();
        lab_val v = {LAB_V_ARR, 0, {0}};
        v.n = l->n;
        v.u.a = l->items;
        return v;
    }
    }
    return lab_val_null();
}

void lab_record_defaults(const lab_entity *e, void *rec)
{
    for (size_t i = 0; i < e->nfields; i++) {
        const lab_field *f = &e->fields[i];
        const char **p = (const char **)((unsigned char *)rec + f->offset);
        /* enum_values[0] is a string literal: it outlives any dataset */
        if ((f->flags & LAB_F_DEFAULT) && f->type == LAB_FT_STR && *p == NULL)
            *p = f->enum_values[0];
    }
}

int lab_record_check_required(const lab_entity *e, void *rec, lab_pos pos)
{
    lab_record_defaults(e, rec);
    for (size_t i = 0; i < e->nfields; i++) {
        const lab_field *f = &e->fields[i];
        if (!(f->flags & LAB_F_REQUIRED))
            continue;
        lab_val v = lab_field_get(f, rec);
        if (v.t == LAB_V_NULL)
            return lab_seterr(
                LAB_ESCHEMA, "%s:%u: %s record has no %s (required)",
                pos.file ? pos.file : "<input>", pos.line, e->name, f->name);
    }
    return LAB_OK;
}
