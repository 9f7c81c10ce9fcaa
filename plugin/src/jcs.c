/*
 * jcs.c - RFC 8785 JSON Canonicalization Scheme over jansson values, the
 * byte-exact form that certificate hashes and signatures are computed
 * over: object members sorted by the UTF-16 code units of their names,
 * no white space, strings with only the mandatory escapes, and numbers
 * printed as ECMAScript's Number.prototype.toString prints them.
 */
#include "crypto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One member of an object being sorted. */
typedef struct jcs_member {
    const char *key;
    size_t len;
    json_t *value;
} jcs_member;

/* Reads the next UTF-16 code unit of the UTF-8 text s[*i..n), keeping a
 * pending low surrogate in *low between calls.  Input is valid UTF-8 (as
 * jansson guarantees for every string it holds). */
static unsigned next_utf16(const unsigned char *s, size_t n, size_t *i,
                           unsigned *low)
{
    if (*low != 0) {
        unsigned u = *low;
        *low = 0;
        return u;
    }
    unsigned c = s[*i];
    unsigned cp;
    size_t len;
    if (c < 0x80) {
        cp = c;
        len = 1;
    } else if (c < 0xe0) {
        cp = c & 0x1f;
        len = 2;
    } else if (c < 0xf0) {
        cp = c & 0x0f;
        len = 3;
    } else {
        cp = c & 0x07;
        len = 4;
    }
    for (size_t k = 1; k < len && *i + k < n; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3f);
    *i += len;
    if (cp < 0x10000)
        return cp;
    cp -= 0x10000;
    *low = 0xdc00 + (cp & 0x3ff);
    return 0xd800 + (cp >> 10);
}

/* Orders names as RFC 8785 section 3.2.3 says: by UTF-16 code units. */
static int member_cmp(const void *pa, const void *pb)
{
    const jcs_member *a = pa, *b = pb;
    const unsigned char *sa = (const unsigned char *)a->key;
    const unsigned char *sb = (const unsigned char *)b->key;
    size_t i = 0, j = 0;
    unsigned la = 0, lb = 0;

    while ((i < a->len || la != 0) && (j < b->len || lb != 0)) {
        unsigned ua = next_utf16(sa, a->len, &i, &la);
        unsigned ub = next_utf16(sb, b->len, &j, &lb);
        if (ua != ub)
            return ua < ub ? -1 : 1;
    }
    int a_more = i < a->len || la != 0;
    int b_more = j < b->len || lb != 0;
    return a_more - b_more;
}

static int add_number(lab_buf *b, double d)
{
    char num[32];

    if (!isfinite(d))
        return lab_seterr(LAB_EINVAL,
                          "JSON canonicalization: numbers must be finite");
    size_t n = lab_num_format(num, d);
    lab_buf_add(b, num, n);
    return LAB_OK;
}

static int add_value(lab_buf *b, const json_t *v, unsigned depth);

static int add_object(lab_buf *b, const json_t *v, unsigned depth)
{
    size_t count = json_object_size(v), k = 0;
    jcs_member *m = NULL;
    const char *key;
    size_t klen;
    json_t *val;
    int rc = LAB_OK;

    if (count > 0) {
        m = lab_reallocarray(NULL, count, sizeof *m);
        if (m == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    /* The macro takes a non-const object but only reads it. */
    json_t *obj = (json_t *)v;
    json_object_keylen_foreach(obj, key, klen, val)
    {
        m[k].key = key;
        m[k].len = klen;
        m[k].value = val;
        k++;
    }
    if (k > 1)
        qsort(m, k, sizeof *m, member_cmp);
    lab_buf_addc(b, '{');
    for (size_t i = 0; i < k && rc == LAB_OK; i++) {
        if (i > 0)
            lab_buf_addc(b, ',');
        lab_buf_add_json_string(b, m[i].key, m[i].len);
        lab_buf_addc(b, ':');
        rc = add_value(b, m[i].value, depth + 1);
    }
    lab_buf_addc(b, '}');
    free(m);
    return rc;
}

static int add_value(lab_buf *b, const json_t *v, unsigned depth)
{
    int rc = LAB_OK;

    if (depth > LAB_JCS_MAX_DEPTH)
        return lab_seterr(LAB_ELIMIT,
                          "JSON canonicalization: nesting deeper than %d",
                          LAB_JCS_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return add_object(b, v, depth);
    case JSON_ARRAY:
        lab_buf_addc(b, '[');
        for (size_t i = 0; i < json_array_size(v) && rc == LAB_OK; i++) {
            if (i > 0)
                lab_buf_addc(b, ',');
            rc = add_value(b, json_array_get(v, i), depth + 1);
        }
        lab_buf_addc(b, ']');
        return rc;
    case JSON_STRING:
        lab_buf_add_json_string(b, json_string_value(v), json_string_length(v));
        return LAB_OK;
    case JSON_INTEGER:
        /* JavaScript holds every number as a double: convert the same
         * way (round to nearest) before printing. */
        return add_number(b, (double)json_integer_value(v));
    case JSON_REAL:
        return add_number(b, json_real_value(v));
    case JSON_TRUE:
        lab_buf_add(b, "true", 4);
        return LAB_OK;
    case JSON_FALSE:
        lab_buf_add(b, "false", 5);
        return LAB_OK;
    case JSON_NULL:
        lab_buf_add(b, "null", 4);
        return LAB_OK;
    }
    return lab_seterr(LAB_EINVAL, "JSON canonicalization: unknown type");
}

int lab_jcs_append(lab_buf *b, const json_t *v)
{
    if (v == NULL)
        return lab_seterr(LAB_EINVAL, "JSON canonicalization: no value");
    int rc = add_value(b, v, 0);
    if (rc == LAB_OK && b->oom)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    return rc;
}

int lab_jcs_serialize(char **out, size_t *len, const json_t *v)
{
    lab_buf b = LAB_BUF_INIT;
    int rc = lab_jcs_append(&b, v);

    if (rc != LAB_OK) {
        lab_buf_free(&b);
        return rc;
    }
    size_t n = b.len;
    rc = lab_buf_detach(&b, out);
    if (rc == LAB_OK && len != NULL)
        *len = n;
    return rc;
}

int lab_jcs_parse(json_t **out, const char *text, size_t len)
{
    json_error_t err;
    json_t *v = json_loadb(text, len,
                           JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
                               JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL,
                           &err);

    if (v == NULL)
        return lab_seterr(LAB_EPARSE, "JSON:%d:%d: %s", err.line, err.column,
                          err.text);
    *out = v;
    return LAB_OK;
}

int lab_jcs_text(char **out, size_t *len, const char *text, size_t n)
{
    json_t *v = NULL;
    int rc = lab_jcs_parse(&v, text, n);

    if (rc != LAB_OK)
        return rc;
    rc = lab_jcs_serialize(out, len, v);
    json_decref(v);
    return rc;
}
