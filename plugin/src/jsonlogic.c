/*
 * jsonlogic.c - JsonLogic for conditions: values with JavaScript's
 * coercions, the evaluator, and reading and writing rules as JsonLogic
 * JSON.  Every operator means what it means in the reference
 * implementation json-logic-js 2.0.5, odd corners included (loose ==,
 * parseFloat in "+" and "*", "substr" with a negative length, the
 * arity rules of "if", "missing_some"); tests/interop/jsonlogic checks
 * this case by case against the npm package.  JavaScript's `undefined`
 * (a missing argument, "and" of nothing) is a null value with n == 1
 * inside the evaluator and becomes plain null when handed back.
 * Evaluation allocates only from the caller's scratch arena, and is
 * bounded in depth, temporary memory and steps.
 */
#include "expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Values nested deeper than this are not walked (reduce can build them). */
enum { VAL_MAX_DEPTH = 4096 };
/* Temporary memory one evaluation may take from the scratch arena. */
#define SCRATCH_MAX ((size_t)256 << 20)
/* Nodes evaluated plus values visited by one evaluation. */
#define STEP_MAX ((uint64_t)LAB_EVAL_STEP_MAX)
/* Significant digits kept when converting decimal text to a double:
 * more than the 767 that correct rounding can ever need. */
enum { MAX_SIG_DIGITS = 780 };

static const char replacement_char[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* ---- operator names ---- */

static const char *const op_names[LAB_OP_COUNT_] = {
    [LAB_OP_LIT] = NULL,
    [LAB_OP_ARRAY] = NULL,
    [LAB_OP_VAR] = "var",
    [LAB_OP_MISSING] = "missing",
    [LAB_OP_MISSING_SOME] = "missing_some",
    [LAB_OP_IF] = "if",
    [LAB_OP_TERN] = "?:",
    [LAB_OP_EQ] = "==",
    [LAB_OP_SEQ] = "===",
    [LAB_OP_NE] = "!=",
    [LAB_OP_SNE] = "!==",
    [LAB_OP_NOT] = "!",
    [LAB_OP_NOTNOT] = "!!",
    [LAB_OP_OR] = "or",
    [LAB_OP_AND] = "and",
    [LAB_OP_GT] = ">",
    [LAB_OP_GE] = ">=",
    [LAB_OP_LT] = "<",
    [LAB_OP_LE] = "<=",
    [LAB_OP_MAX] = "max",
    [LAB_OP_MIN] = "min",
    [LAB_OP_ADD] = "+",
    [LAB_OP_SUB] = "-",
    [LAB_OP_MUL] = "*",
    [LAB_OP_DIV] = "/",
    [LAB_OP_MOD] = "%",
    [LAB_OP_MAP] = "map",
    [LAB_OP_FILTER] = "filter",
    [LAB_OP_REDUCE] = "reduce",
    [LAB_OP_ALL] = "all",
    [LAB_OP_NONE] = "none",
    [LAB_OP_SOME] = "some",
    [LAB_OP_MERGE] = "merge",
    [LAB_OP_IN] = "in",
    [LAB_OP_CAT] = "cat",
    [LAB_OP_SUBSTR] = "substr",
    [LAB_OP_LOG] = "log",
};

const char *lab_op_name(lab_op op)
{
    if ((unsigned)op >= LAB_OP_COUNT_)
        return NULL;
    return op_names[op];
}

int lab_op_lookup(const char *s, size_t n)
{
    for (int op = 0; op < LAB_OP_COUNT_; op++) {
        const char *name = op_names[op];
        if (name != NULL && strlen(name) == n && memcmp(name, s, n) == 0)
            return op;
    }
    return -1;
}

lab_node *lab_node_new(lab_arena *a, lab_op op, uint32_t nargs)
{
    lab_node *n = lab_arena_alloc(a, sizeof *n);
    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof *n);
    n->op = (uint16_t)op;
    n->nargs = nargs;
    n->lit = lab_val_null();
    if (nargs == 0)
        return n;
    n->args = lab_arena_alloc(a, nargs * sizeof *n->args);
    if (n->args == NULL)
        return NULL;
    memset(n->args, 0, nargs * sizeof *n->args);
    return n;
}

/* ---- undefined, and type tags with undefined as a type of its own ---- */

enum { VT_UNDEF = LAB_V_OBJ + 1 };

static lab_val val_undef(void)
{
    lab_val v = lab_val_null();
    v.n = 1;
    return v;
}

/* The value's type, treating unknown tags as null. */
static int vtype(const lab_val *v)
{
    if (v->t == LAB_V_NULL)
        return v->n != 0 ? VT_UNDEF : LAB_V_NULL;
    return v->t <= LAB_V_OBJ ? v->t : LAB_V_NULL;
}

static int is_undef(const lab_val *v)
{
    return vtype(v) == VT_UNDEF;
}

static int is_nullish(const lab_val *v)
{
    int t = vtype(v);
    return t == LAB_V_NULL || t == VT_UNDEF;
}

/* ---- UTF-8 and UTF-16 ---- */

/* Bytes in the UTF-8 sequence starting with c (1 for stray bytes). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    if (c >= 0xE0 && c < 0xF0)
        return 3;
    if (c >= 0xC2 && c < 0xE0)
        return 2;
    return 1;
}

/* Decodes the character at s[i] (lenient: a bad byte is itself). */
static uint32_t utf8_decode(const char *s, size_t n, size_t i, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t k = utf8_seq_len(u[0]);
    if (k > n - i)
        k = 1;
    *len = k;
    switch (k) {
    case 2:
        return ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    case 3:
        return ((uint32_t)(u[0] & 0x0F) << 12) |
               ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    case 4:
        return ((uint32_t)(u[0] & 0x07) << 18) |
               ((uint32_t)(u[1] & 0x3F) << 12) |
               ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
    default:
        return u[0];
    }
}

/* A string's length in UTF-16 code units, as JavaScript counts it. */
static size_t utf16_len(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq_len((unsigned char)s[i]);
        if (k > n - i)
            k = 1;
        units += k == 4 ? 2 : 1;
        i += k;
    }
    return units;
}

/* The byte offset of UTF-16 unit `unit`; *split is set when the unit is
 * the second half of a surrogate pair (the offset is then that of the
 * pair's character). */
static size_t utf16_to_byte(const char *s, size_t n, size_t unit, int *split)
{
    size_t b = 0, u = 0;
    *split = 0;
    while (b < n && u < unit) {
        size_t k = utf8_seq_len((unsigned char)s[b]);
        if (k > n - b)
            k = 1;
        size_t w = k == 4 ? 2 : 1;
        if (u + w > unit) {
            *split = 1;
            return b;
        }
        u += w;
        b += k;
    }
    return b;
}

/* The first UTF-16 unit of code point c. */
static uint32_t utf16_first_unit(uint32_t c)
{
    return c >= 0x10000 ? 0xD800 + ((c - 0x10000) >> 10) : c;
}

/* Compares two strings in UTF-16 code unit order, as JavaScript's < does
 * (UTF-8 byte order is code point order, which differs from it only
 * between supplementary characters and U+E000..U+FFFF). */
static int utf16_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, m = an < bn ? an : bn;
    while (i < m && a[i] == b[i])
        i++;
    if (i == m)
        return an < bn ? -1 : an > bn;
    while (i > 0 && ((unsigned char)a[i] & 0xC0) == 0x80)
        i--;
    size_t la, lb;
    uint32_t ca = utf8_decode(a, an, i, &la);
    uint32_t cb = utf8_decode(b, bn, i, &lb);
    uint32_t ua = utf16_first_unit(ca), ub = utf16_first_unit(cb);
    if (ua != ub)
        return ua < ub ? -1 : 1;
    return ca < cb ? -1 : ca > cb;
}

/* ---- JavaScript number syntax ---- */

/* Length of the JavaScript white space or line terminator at s[i], or 0. */
static size_t js_space_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || (c >= 0x09 && c <= 0x0D))
        return 1;
    if (c < 0x80)
        return 0;
    size_t k;
    uint32_t cp = utf8_decode(s, n, i, &k);
    if (cp == 0xA0 || cp == 0xFEFF || cp == 0x1680 ||
        (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202F || cp == 0x205F || cp == 0x3000)
        return k;
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Converts decimal digits (int part, fraction part) and a decimal
 * exponent to the nearest double, without the locale's help. */
static double decimal_to_double(int neg, const char *ip, size_t in,
                                const char *fp, size_t fn, long long exp10)
{
    char buf[MAX_SIG_DIGITS + 32];
    size_t nd = 0;
    long long dexp = exp10;
    int sticky = 0;

    for (size_t i = 0; i < in; i++) {
        if (nd == 0 && ip[i] == '0')
            continue;
        if (nd < MAX_SIG_DIGITS) {
            buf[nd++] = ip[i];
        } else {
            dexp++;
            sticky |= ip[i] != '0';
        }
    }
    for (size_t i = 0; i < fn; i++) {
        if (nd == 0 && fp[i] == '0') {
            dexp--;
        } else if (nd < MAX_SIG_DIGITS) {
            buf[nd++] = fp[i];
            dexp--;
        } else {
            sticky |= fp[i] != '0';
        }
    }
    if (nd == 0)
        return neg ? -0.0 : 0.0;
    if (sticky) {
        buf[nd++] = '1';
        dexp--;
    }
    if (dexp + (long long)nd > 400)
        return neg ? -HUGE_VAL : HUGE_VAL;
    if (dexp + (long long)nd < -400)
        return neg ? -0.0 : 0.0;

    /* buf holds the digits of an integer mantissa; append "e<dexp>". */
    char *o = buf + nd;
    *o++ = 'e';
    if (dexp < 0) {
        *o++ = '-';
        dexp = -dexp;
    }
    char rev[8];
    int k = 0;
    do {
        rev[k++] = (char)('0' + dexp % 10);
        dexp /= 10;
    } while (dexp > 0);
    while (k > 0)
        *o++ = rev[--k];
    *o = '\0';
    double d = strtod(buf, NULL);
    return neg ? -d : d;
}

/* Matches the longest StrDecimalLiteral (sign, "Infinity" or digits with
 * an optional fraction and exponent) at the start of s.  Returns the bytes
 * matched (0 if none) and sets *out. */
static size_t decimal_prefix(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (n - i >= 8 && memcmp(s + i, "Infinity", 8) == 0) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return i + 8;
    }
    const char *ip = s + i;
    size_t in = 0;
    while (i < n && is_digit(s[i])) {
        i++;
        in++;
    }
    const char *fp = NULL;
    size_t fn = 0;
    if (i < n && s[i] == '.') {
        fp = s + i + 1;
        size_t j = i + 1;
        while (j < n && is_digit(s[j])) {
            j++;
            fn++;
        }
        if (in > 0 || fn > 0)
            i = j;
    }
    if (in == 0 && fn == 0)
        return 0;
    long long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        int eneg = 0;
        if (j < n && (s[j] == '+' || s[j] == '-')) {
            eneg = s[j] == '-';
            j++;
        }
        if (j < n && is_digit(s[j])) {
            while (j < n && is_digit(s[j])) {
                if (e < 1000000000)
                    e = e * 10 + (s[j] - '0');
                j++;
            }
            if (eneg)
                e = -e;
            i = j;
        }
    }
    *out = decimal_to_double(neg, ip, in, fp, fn, e);
    return i;
}

/* Parses 0x/0o/0b digits (JavaScript's NonDecimalIntegerLiteral). */
static int radix_literal(const char *s, size_t n, double *out)
{
    if (n < 3 || s[0] != '0')
        return 0;
    int radix;
    switch (s[1]) {
    case 'x':
    case 'X':
        radix = 16;
        break;
    case 'o':
    case 'O':
        radix = 8;
        break;
    case 'b':
    case 'B':
        radix = 2;
        break;
    default:
        return 0;
    }
    double v = 0;
    for (size_t i = 2; i < n; i++) {
        char c = s[i];
        int d;
        if (is_digit(c))
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        if (d >= radix)
            return -1;
        v = v * radix + d;
    }
    *out = v;
    return 1;
}

/* JavaScript's ToNumber of a string: blanks trimmed, "" is 0, anything
 * that is not wholly a number is NaN. */
static double js_str_to_number(const char *s, size_t n)
{
    size_t b = 0, e = 0, i = 0;
    while (i < n) {
        size_t k = js_space_at(s, n, i);
        if (k == 0)
            break;
        i += k;
    }
    b = i;
    e = i;
    while (i < n) {
        size_t k = js_space_at(s, n, i);
        if (k == 0) {
            k = utf8_seq_len((unsigned char)s[i]);
            if (k > n - i)
                k = 1;
            e = i + k;
        }
        i += k;
    }
    if (b == e)
        return 0;
    double d;
    int r = radix_literal(s + b, e - b, &d);
    if (r != 0)
        return r > 0 ? d : NAN;
    if (decimal_prefix(s + b, e - b, &d) != e - b)
        return NAN;
    return d;
}

/* JavaScript's parseFloat of a string. */
static double js_parse_float(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = js_space_at(s, n, i);
        if (k == 0)
            break;
        i += k;
    }
    double d;
    if (decimal_prefix(s + i, n - i, &d) == 0)
        return NAN;
    return d;
}

/* ToIntegerOrInfinity of a number. */
static double to_integer(double d)
{
    if (isnan(d))
        return 0;
    return trunc(d) + 0.0;
}

/* Is s[0..n) a canonical array index ("0", "17"; not "01" or "-1")? */
static int array_index(const char *s, size_t n, size_t *out)
{
    if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v >= 4294967295u)
        return 0;
    *out = (size_t)v;
    return 1;
}

/* ---- sinks: where String(v) goes ---- */

enum { SINK_COUNT, SINK_WRITE, SINK_BUF, SINK_CMP };

/* A destination for text: counting it, writing it to memory sized by a
 * counting pass, appending it to a lab_buf, or comparing it with a known
 * string.  Stops at the first limit hit. */
typedef struct sink {
    int mode;
    int err;      /* LAB_ELIMIT once a limit was hit */
    int differ;   /* SINK_CMP: the text is not cmp */
    lab_buf *buf; /* SINK_BUF */
    char *p;      /* SINK_WRITE */
    const char *cmp;
    size_t cmplen;
    size_t len;   /* bytes emitted so far */
    size_t limit; /* bytes allowed */
    uint64_t steps;
} sink;

static sink sink_make(int mode, size_t limit)
{
    sink s;
    memset(&s, 0, sizeof s);
    s.mode = mode;
    s.limit = limit;
    return s;
}

static int sink_done(const sink *s)
{
    return s->err != LAB_OK || s->differ;
}

static void sink_add(sink *s, const char *p, size_t n)
{
    if (sink_done(s) || n == 0)
        return;
    if (n > s->limit - s->len) {
        s->err = LAB_ELIMIT;
        return;
    }
    switch (s->mode) {
    case SINK_WRITE:
        memcpy(s->p + s->len, p, n);
        break;
    case SINK_BUF:
        lab_buf_add(s->buf, p, n);
        break;
    case SINK_CMP:
        if (n > s->cmplen - s->len || memcmp(s->cmp + s->len, p, n) != 0)
            s->differ = 1;
        break;
    default:
        break;
    }
    s->len += n;
}

static void sink_adds(sink *s, const char *p)
{
    sink_add(s, p, strlen(p));
}

/* Emits JavaScript's String(v).  Inside arrays null and undefined are
 * empty, as Array.prototype.join has it. */
static void emit_string(sink *s, const lab_val *v, int depth)
{
    char num[32];

    if (sink_done(s))
        return;
    if (++s->steps > STEP_MAX || depth > VAL_MAX_DEPTH) {
        s->err = LAB_ELIMIT;
        return;
    }
    switch (vtype(v)) {
    case LAB_V_BOOL:
        sink_adds(s, v->u.b ? "true" : "false");
        break;
    case LAB_V_NUM:
        sink_add(s, num, lab_num_format(num, v->u.d));
        break;
    case LAB_V_STR:
        sink_add(s, v->u.s, v->n);
        break;
    case LAB_V_ARR:
        for (uint32_t i = 0; i < v->n && !sink_done(s); i++) {
            if (i > 0)
                sink_add(s, ",", 1);
            if (!is_nullish(&v->u.a[i]))
                emit_string(s, &v->u.a[i], depth + 1);
        }
        break;
    case LAB_V_OBJ:
        sink_adds(s, "[object Object]");
        break;
    case VT_UNDEF:
        sink_adds(s, "undefined");
        break;
    default:
        sink_adds(s, "null");
        break;
    }
}

static void emit_json(sink *s, const lab_val *v, int depth);

static void emit_json_string(sink *s, const char *p, size_t n)
{
    if (s->mode == SINK_BUF) {
        lab_buf_add_json_string(s->buf, p, n);
        return;
    }
    s->err = LAB_EINVAL; /* only lab_bufs take JSON */
}

static void emit_json(sink *s, const lab_val *v, int depth)
{
    char num[32];

    if (sink_done(s))
        return;
    if (++s->steps > STEP_MAX || depth > VAL_MAX_DEPTH) {
        s->err = LAB_ELIMIT;
        return;
    }
    switch (vtype(v)) {
    case LAB_V_BOOL:
        sink_adds(s, v->u.b ? "true" : "false");
        break;
    case LAB_V_NUM:
        if (isfinite(v->u.d))
            sink_add(s, num, lab_num_format(num, v->u.d));
        else
            sink_adds(s, "null");
        break;
    case LAB_V_STR:
        emit_json_string(s, v->u.s, v->n);
        break;
    case LAB_V_ARR:
        sink_add(s, "[", 1);
        for (uint32_t i = 0; i < v->n && !sink_done(s); i++) {
            if (i > 0)
                sink_add(s, ",", 1);
            emit_json(s, &v->u.a[i], depth + 1);
        }
        sink_add(s, "]", 1);
        break;
    case LAB_V_OBJ: {
        int first = 1;
        sink_add(s, "{", 1);
        for (uint32_t i = 0; i < v->n && !sink_done(s); i++) {
            const lab_kv *kv = &v->u.o[i];
            if (is_undef(&kv->v))
                continue; /* JSON.stringify leaves these out */
            if (!first)
                sink_add(s, ",", 1);
            first = 0;
            emit_json_string(s, kv->k, kv->klen);
            sink_add(s, ":", 1);
            emit_json(s, &kv->v, depth + 1);
        }
        sink_add(s, "}", 1);
        break;
    }
    default:
        sink_adds(s, "null");
        break;
    }
}

/* ---- public value functions ---- */

int lab_val_truthy(const lab_val *v)
{
    switch (vtype(v)) {
    case LAB_V_BOOL:
        return v->u.b != 0;
    case LAB_V_NUM:
        return v->u.d != 0 && !isnan(v->u.d);
    case LAB_V_STR:
    case LAB_V_ARR:
        return v->n > 0;
    case LAB_V_OBJ:
        return 1;
    default:
        return 0;
    }
}

double lab_val_to_number(const lab_val *v)
{
    int nested = 0;

    /* String(array) is the join of its elements: with two or more it has
     * a comma and is NaN; with one it is String(that element). */
    while (vtype(v) == LAB_V_ARR) {
        if (v->n == 0)
            return 0;
        if (v->n > 1)
            return NAN;
        v = &v->u.a[0];
        nested = 1;
        if (is_nullish(v))
            return 0;
    }
    switch (vtype(v)) {
    case LAB_V_NUM:
        return nested && v->u.d == 0 ? 0.0 : v->u.d;
    case LAB_V_BOOL:
        return nested ? NAN : (double)(v->u.b != 0);
    case LAB_V_STR:
        return js_str_to_number(v->u.s, v->n);
    case LAB_V_NULL:
        return 0;
    default:
        return NAN;
    }
}

static int same_object(const lab_val *a, const lab_val *b)
{
    if (a->t == LAB_V_ARR)
        return a->u.a == b->u.a && a->n == b->n;
    return a->u.o == b->u.o && a->n == b->n;
}

int lab_val_strict_eq(const lab_val *a, const lab_val *b)
{
    int t = vtype(a);
    if (t != vtype(b))
        return 0;
    switch (t) {
    case LAB_V_BOOL:
        return (a->u.b != 0) == (b->u.b != 0);
    case LAB_V_NUM:
        return a->u.d == b->u.d;
    case LAB_V_STR:
        return a->n == b->n && (a->n == 0 || memcmp(a->u.s, b->u.s, a->n) == 0);
    case LAB_V_ARR:
    case LAB_V_OBJ:
        return same_object(a, b);
    default:
        return 1; /* null === null, undefined === undefined */
    }
}

/* Is String(v) equal to the string s (without building String(v))? */
static int string_equals(const lab_val *v, const lab_val *s)
{
    sink k = sink_make(SINK_CMP, SIZE_MAX);
    k.cmp = s->u.s;
    k.cmplen = s->n;
    emit_string(&k, v, 0);
    return k.err == LAB_OK && !k.differ && k.len == s->n;
}

int lab_val_loose_eq(const lab_val *a, const lab_val *b)
{
    int ta = vtype(a), tb = vtype(b);

    if (ta == tb)
        return lab_val_strict_eq(a, b);
    if (is_nullish(a) || is_nullish(b))
        return is_nullish(a) && is_nullish(b);
    if (ta == LAB_V_BOOL) {
        lab_val x = lab_val_num(a->u.b != 0);
        return lab_val_loose_eq(&x, b);
    }
    if (tb == LAB_V_BOOL) {
        lab_val y = lab_val_num(b->u.b != 0);
        return lab_val_loose_eq(a, &y);
    }
    if (ta == LAB_V_NUM && tb == LAB_V_STR)
        return a->u.d == js_str_to_number(b->u.s, b->n);
    if (ta == LAB_V_STR && tb == LAB_V_NUM)
        return js_str_to_number(a->u.s, a->n) == b->u.d;
    /* An object against a primitive: compare its ToPrimitive, which is
     * String(v) for arrays and "[object Object]" for objects. */
    if ((ta == LAB_V_ARR || ta == LAB_V_OBJ) &&
        (tb == LAB_V_NUM || tb == LAB_V_STR)) {
        if (tb == LAB_V_NUM)
            return lab_val_to_number(a) == b->u.d;
        return string_equals(a, b);
    }
    if ((tb == LAB_V_ARR || tb == LAB_V_OBJ) &&
        (ta == LAB_V_NUM || ta == LAB_V_STR))
        return lab_val_loose_eq(b, a);
    return 0;
}

void lab_val_to_string(lab_buf *b, const lab_val *v)
{
    sink s = sink_make(SINK_BUF, SIZE_MAX);
    s.buf = b;
    emit_string(&s, v, 0);
    if (s.err != LAB_OK)
        b->oom = 1; /* too deep or too big: make the buffer fail */
}

void lab_val_to_json(lab_buf *b, const lab_val *v)
{
    sink s = sink_make(SINK_BUF, SIZE_MAX);
    s.buf = b;
    emit_json(&s, v, 0);
    if (s.err != LAB_OK)
        b->oom = 1;
}

static int from_json(lab_val *out, lab_arena *a, const json_t *j, int depth,
                     int max_depth);

static int from_json_object(lab_val *out, lab_arena *a, const json_t *j,
                            int depth, int max_depth)
{
    size_t n = json_object_size(j);
    if (n > UINT32_MAX || n > SIZE_MAX / sizeof(lab_kv) - 1)
        return lab_seterr(LAB_ELIMIT, "JSON object too large");
    /* At least one slot, so that every object has its own address. */
    lab_kv *kv = lab_arena_alloc(a, (n + 1) * sizeof *kv);
    if (kv == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    size_t i = 0;
    json_t *obj = (json_t *)j; /* jansson's iterators take no const */
    for (void *it = json_object_iter(obj); it != NULL && i < n;
         it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = strlen(key);
        if (klen > UINT32_MAX)
            return lab_seterr(LAB_ELIMIT, "JSON key too long");
        kv[i].k = lab_arena_strndup(a, key, klen);
        if (kv[i].k == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        kv[i].klen = (uint32_t)klen;
        int rc = from_json(&kv[i].v, a, json_object_iter_value(it), depth + 1,
                           max_depth);
        if (rc != LAB_OK)
            return rc;
        i++;
    }
    out->t = LAB_V_OBJ;
    out->n = (uint32_t)i;
    out->u.o = kv;
    return LAB_OK;
}

static int from_json_array(lab_val *out, lab_arena *a, const json_t *j,
                           int depth, int max_depth)
{
    size_t n = json_array_size(j);
    if (n > UINT32_MAX || n > SIZE_MAX / sizeof(lab_val) - 1)
        return lab_seterr(LAB_ELIMIT, "JSON array too large");
    lab_val *items = lab_arena_alloc(a, (n + 1) * sizeof *items);
    if (items == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int rc =
            from_json(&items[i], a, json_array_get(j, i), depth + 1, max_depth);
        if (rc != LAB_OK)
            return rc;
    }
    out->t = LAB_V_ARR;
    out->n = (uint32_t)n;
    out->u.a = items;
    return LAB_OK;
}

static int from_json(lab_val *out, lab_arena *a, const json_t *j, int depth,
                     int max_depth)
{
    if (j == NULL) {
        *out = lab_val_null();
        return LAB_OK;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT:
    case JSON_ARRAY:
        if (depth >= max_depth)
            return lab_seterr(
                LAB_ELIMIT, "JSON nested more than %d levels deep", max_depth);
        if (json_is_object(j))
            return from_json_object(out, a, j, depth, max_depth);
        return from_json_array(out, a, j, depth, max_depth);
    case JSON_STRING: {
        size_t n = json_string_length(j);
        if (n > UINT32_MAX)
            return lab_seterr(LAB_ELIMIT, "JSON string too long");
        char *s = lab_arena_strndup(a, json_string_value(j), n);
        if (s == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        *out = lab_val_str(s, n);
        return LAB_OK;
    }
    case JSON_INTEGER:
        *out = lab_val_num((double)json_integer_value(j));
        return LAB_OK;
    case JSON_REAL:
        *out = lab_val_num(json_real_value(j));
        return LAB_OK;
    case JSON_TRUE:
        *out = lab_val_bool(1);
        return LAB_OK;
    case JSON_FALSE:
        *out = lab_val_bool(0);
        return LAB_OK;
    default:
        *out = lab_val_null();
        return LAB_OK;
    }
}

int lab_val_from_json(lab_val *out, lab_arena *a, const json_t *j)
{
    lab_val v;
    int rc = from_json(&v, a, j, 0, VAL_MAX_DEPTH);
    if (rc == LAB_OK)
        *out = v;
    return rc;
}

/* ---- the evaluator's machinery ---- */

/* What one evaluation shares: the scratch arena and its budget. */
typedef struct machine {
    lab_arena *scratch;
    lab_fetch_fn fetch;
    size_t used;        /* bytes taken from scratch */
    uint64_t steps;     /* nodes evaluated and values walked */
    uint64_t max_steps; /* STEP_MAX, or less when the budget is short */
    const lab_budget *budget;
} machine;

/* The error for running out of steps: the evaluation's own limit, or the
 * whole check's budget. */
static int steps_error(const machine *m)
{
    if (m->budget != NULL && m->max_steps < STEP_MAX)
        return lab_seterr(LAB_ELIMIT,
                          "the check's work budget of %llu evaluation steps "
                          "is exhausted (raise max_steps)",
                          (unsigned long long)m->budget->total);
    return lab_seterr(LAB_ELIMIT, "condition takes too many steps");
}

/* Where a node is evaluated: the data "var" reads, the record scope, and
 * the nesting depth. */
typedef struct frame {
    machine *m;
    const lab_val *data;
    const void *scope;
    int depth;
} frame;

static int scratch_alloc(machine *m, size_t n, void **out)
{
    if (n == 0)
        n = 1;
    if (n > SCRATCH_MAX - m->used)
        return lab_seterr(LAB_ELIMIT,
                          "condition needs more than %zu MiB of temporary "
                          "memory",
                          SCRATCH_MAX >> 20);
    void *p = m->scratch != NULL ? lab_arena_alloc(m->scratch, n) : NULL;
    if (p == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory evaluating a condition");
    m->used += n;
    *out = p;
    return LAB_OK;
}

/* A fresh array of `count` values (never sharing its address). */
static int scratch_vals(machine *m, size_t count, lab_val **out)
{
    if (count > UINT32_MAX)
        return lab_seterr(LAB_ELIMIT, "condition builds an array of more "
                                      "than 2^32 elements");
    void *p;
    int rc = scratch_alloc(m, (count + 1) * sizeof(lab_val), &p);
    if (rc == LAB_OK)
        *out = p;
    return rc;
}

static int sink_error(machine *m, const sink *s)
{
    m->steps += s->steps;
    if (m->steps > m->max_steps)
        return steps_error(m);
    if (s->err == LAB_OK)
        return LAB_OK;
    return lab_seterr(LAB_ELIMIT, "condition builds a string too long or a "
                                  "value nested too deeply");
}

static size_t scratch_room(const machine *m)
{
    size_t room = SCRATCH_MAX - m->used;
    return room > UINT32_MAX - 1 ? UINT32_MAX - 1 : room;
}

/* String(v) for each of vals[0..n) concatenated (join-style: null and
 * undefined are empty when `join` is set), as a string in scratch. */
static int concat_strings(machine *m, const lab_val *vals, size_t n, int join,
                          lab_val *out)
{
    sink s = sink_make(SINK_COUNT, scratch_room(m));
    for (size_t i = 0; i < n; i++)
        if (!join || !is_nullish(&vals[i]))
            emit_string(&s, &vals[i], 0);
    int rc = sink_error(m, &s);
    if (rc != LAB_OK)
        return rc;
    if (s.len == 0) {
        *out = lab_val_str("", 0);
        return LAB_OK;
    }
    void *p;
    rc = scratch_alloc(m, s.len + 1, &p);
    if (rc != LAB_OK)
        return rc;
    sink w = sink_make(SINK_WRITE, s.len);
    w.p = p;
    for (size_t i = 0; i < n; i++)
        if (!join || !is_nullish(&vals[i]))
            emit_string(&w, &vals[i], 0);
    w.p[w.len] = '\0';
    *out = lab_val_str(w.p, w.len);
    return sink_error(m, &w);
}

/* JavaScript's String(v), in scratch unless v is a string already. */
static int to_str(machine *m, const lab_val *v, lab_val *out)
{
    if (vtype(v) == LAB_V_STR) {
        *out = *v;
        return LAB_OK;
    }
    return concat_strings(m, v, 1, 0, out);
}

/* ToPrimitive: arrays become String(v), objects "[object Object]". */
static int to_primitive(machine *m, const lab_val *v, lab_val *out)
{
    switch (vtype(v)) {
    case LAB_V_ARR:
        return to_str(m, v, out);
    case LAB_V_OBJ:
        *out = lab_val_str("[object Object]", 15);
        return LAB_OK;
    default:
        *out = *v;
        return LAB_OK;
    }
}

/* JavaScript's parseFloat(v): String(v), then its longest numeric
 * prefix. */
static int parse_float(machine *m, const lab_val *v, double *out)
{
    switch (vtype(v)) {
    case LAB_V_NUM:
        *out = v->u.d == 0 ? 0.0 : v->u.d; /* String(-0) is "0" */
        return LAB_OK;
    case LAB_V_STR:
        *out = js_parse_float(v->u.s, v->n);
        return LAB_OK;
    case LAB_V_ARR: {
        lab_val s;
        int rc = to_str(m, v, &s);
        if (rc == LAB_OK)
            *out = js_parse_float(s.u.s, s.n);
        return rc;
    }
    default:
        *out = NAN; /* "null", "true", "undefined", "[object Object]" */
        return LAB_OK;
    }
}

/* The Abstract Relational Comparison a < b: 1 true, 0 false, -1 undefined
 * (a NaN was involved; every comparison is then false). */
static int js_less(machine *m, const lab_val *a, const lab_val *b, int *r)
{
    lab_val pa, pb;
    int rc = to_primitive(m, a, &pa);
    if (rc == LAB_OK)
        rc = to_primitive(m, b, &pb);
    if (rc != LAB_OK)
        return rc;
    if (vtype(&pa) == LAB_V_STR && vtype(&pb) == LAB_V_STR) {
        *r = utf16_cmp(pa.u.s, pa.n, pb.u.s, pb.n) < 0;
        return LAB_OK;
    }
    double x = lab_val_to_number(&pa), y = lab_val_to_number(&pb);
    if (isnan(x) || isnan(y))
        *r = -1;
    else
        *r = x < y;
    return LAB_OK;
}

/* a < b, a > b, a <= b, a >= b as JavaScript has them. */
static int js_lt(machine *m, const lab_val *a, const lab_val *b, int *out)
{
    int r, rc = js_less(m, a, b, &r);
    *out = r == 1;
    return rc;
}

static int js_le(machine *m, const lab_val *a, const lab_val *b, int *out)
{
    int r, rc = js_less(m, b, a, &r);
    *out = r == 0;
    return rc;
}

/* ---- evaluation ---- */

static int eval_node(const frame *f, const lab_node *n, lab_val *out);

/* Evaluates argument i of n, or gives undefined when there is none. */
static int eval_arg(const frame *f, const lab_node *n, uint32_t i, lab_val *out)
{
    if (i >= n->nargs || n->args[i] == NULL) {
        *out = val_undef();
        return LAB_OK;
    }
    return eval_node(f, n->args[i], out);
}

/* Evaluates every argument into vals (a stack array when it is big
 * enough, else scratch). */
static int eval_args(const frame *f, const lab_node *n, lab_val *stack,
                     size_t stack_len, lab_val **vals)
{
    lab_val *v = stack;
    if (n->nargs > stack_len) {
        int rc = scratch_vals(f->m, n->nargs, &v);
        if (rc != LAB_OK)
            return rc;
    }
    for (uint32_t i = 0; i < n->nargs; i++) {
        int rc = eval_arg(f, n, i, &v[i]);
        if (rc != LAB_OK)
            return rc;
    }
    *vals = v;
    return LAB_OK;
}

/* Reads property key[0..kn) of v as JavaScript would (own keys of objects;
 * "length" and indexes of arrays and strings).  Returns 0 when the result
 * is undefined. */
static int get_prop(const lab_val *v, const char *key, size_t kn, lab_val *out)
{
    size_t idx;
    switch (vtype(v)) {
    case LAB_V_OBJ:
        for (uint32_t i = 0; i < v->n; i++) {
            const lab_kv *kv = &v->u.o[i];
            if (kv->klen == kn && (kn == 0 || memcmp(kv->k, key, kn) == 0)) {
                *out = kv->v;
                return !is_undef(out);
            }
        }
        return 0;
    case LAB_V_ARR:
        if (kn == 6 && memcmp(key, "length", 6) == 0) {
            *out = lab_val_num(v->n);
            return 1;
        }
        if (!array_index(key, kn, &idx) || idx >= v->n)
            return 0;
        *out = v->u.a[idx];
        return !is_undef(out);
    case LAB_V_STR: {
        if (kn == 6 && memcmp(key, "length", 6) == 0) {
            *out = lab_val_num((double)utf16_len(v->u.s, v->n));
            return 1;
        }
        if (!array_index(key, kn, &idx))
            return 0;
        int split;
        size_t b = utf16_to_byte(v->u.s, v->n, idx, &split);
        if (b >= v->n)
            return 0;
        size_t k = utf8_seq_len((unsigned char)v->u.s[b]);
        if (k > v->n - b)
            k = 1;
        if (split || k == 4) /* half of a surrogate pair */
            *out = lab_val_str(replacement_char, 3);
        else
            *out = lab_val_str(v->u.s + b, k);
        return 1;
    }
    default:
        return 0;
    }
}

/* The text of a var path: String(a), without scratch for scalars. */
static int path_text(machine *m, const lab_val *a, char tmp[32], lab_val *out)
{
    switch (vtype(a)) {
    case LAB_V_NUM:
        *out = lab_val_str(tmp, lab_num_format(tmp, a->u.d));
        return LAB_OK;
    case LAB_V_BOOL:
        *out = a->u.b ? lab_val_str("true", 4) : lab_val_str("false", 5);
        return LAB_OK;
    default:
        return to_str(m, a, out);
    }
}

/* "var": walks data by the dotted path String(a); b is the value when
 * nothing is there (undefined means null). */
static int var_lookup(machine *m, const lab_val *data, const lab_val *a,
                      const lab_val *b, lab_val *out)
{
    lab_val not_found = is_undef(b) ? lab_val_null() : *b;
    lab_val cur = data != NULL ? *data : lab_val_null();

    if (is_nullish(a) || (vtype(a) == LAB_V_STR && a->n == 0)) {
        *out = cur;
        return LAB_OK;
    }
    char tmp[32];
    lab_val path;
    int rc = path_text(m, a, tmp, &path);
    if (rc != LAB_OK)
        return rc;
    const char *s = path.u.s;
    size_t n = path.n, start = 0;
    for (;;) {
        const char *dot = n > start ? memchr(s + start, '.', n - start) : NULL;
        size_t end = dot != NULL ? (size_t)(dot - s) : n;
        lab_val next;
        if (is_nullish(&cur) ||
            !get_prop(&cur, s + start, end - start, &next)) {
            *out = not_found;
            return LAB_OK;
        }
        cur = next;
        if (dot == NULL)
            break;
        start = end + 1;
    }
    *out = cur;
    return LAB_OK;
}

static int op_var(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val a, b;
    int rc;

    if (n->ref != NULL && f->scope != NULL && f->m->fetch != NULL) {
        rc = f->m->fetch(f->scope, n->ref, out);
        if (rc == LAB_OK && vtype(out) == LAB_V_NULL && n->nargs > 1)
            return eval_arg(f, n, 1, out); /* the default */
        return rc;
    }
    rc = eval_arg(f, n, 0, &a);
    if (rc == LAB_OK)
        rc = eval_arg(f, n, 1, &b);
    if (rc != LAB_OK)
        return rc;
    return var_lookup(f->m, f->data, &a, &b, out);
}

/* "missing" over keys[0..nk): the keys whose var is null or "". */
static int missing_keys(const frame *f, const lab_val *keys, size_t nk,
                        lab_val *out)
{
    lab_val *res = NULL;
    int rc = scratch_vals(f->m, nk, &res);
    if (rc != LAB_OK)
        return rc;
    uint32_t count = 0;
    for (size_t i = 0; i < nk; i++) {
        const lab_val *k = &keys[i];
        lab_val a = *k, b = val_undef(), v;
        if (vtype(k) == LAB_V_ARR) {
            /* {"var": key} with an array key is var(key[0], key[1]). */
            a = k->n > 0 ? k->u.a[0] : val_undef();
            b = k->n > 1 ? k->u.a[1] : val_undef();
        }
        rc = var_lookup(f->m, f->data, &a, &b, &v);
        if (rc != LAB_OK)
            return rc;
        if (vtype(&v) == LAB_V_NULL || (vtype(&v) == LAB_V_STR && v.n == 0))
            res[count++] = *k;
    }
    out->t = LAB_V_ARR;
    out->n = count;
    out->u.a = res;
    return LAB_OK;
}

/* The keys "missing" checks: its first argument if that is an array,
 * else all its arguments. */
static int missing_of_list(const frame *f, const lab_val *args, size_t n,
                           lab_val *out)
{
    if (n > 0 && vtype(&args[0]) == LAB_V_ARR)
        return missing_keys(f, args[0].u.a, args[0].n, out);
    return missing_keys(f, args, n, out);
}

static int op_missing(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val stack[8], *vals = NULL;
    int rc = eval_args(f, n, stack, LAB_ARRAY_LEN(stack), &vals);
    if (rc != LAB_OK)
        return rc;
    return missing_of_list(f, vals, n->nargs, out);
}

static int op_missing_some(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val need, opts, missing;
    int rc = eval_arg(f, n, 0, &need);
    if (rc == LAB_OK)
        rc = eval_arg(f, n, 1, &opts);
    if (rc != LAB_OK)
        return rc;
    if (vtype(&opts) == LAB_V_ARR)
        rc = missing_of_list(f, opts.u.a, opts.n, &missing);
    else
        rc = missing_of_list(f, &opts, 1, &missing);
    if (rc != LAB_OK)
        return rc;

    double have = NAN; /* options.length - are_missing.length */
    if (vtype(&opts) == LAB_V_ARR)
        have = (double)opts.n - missing.n;
    else if (vtype(&opts) == LAB_V_STR)
        have = (double)utf16_len(opts.u.s, opts.n) - missing.n;
    lab_val h = lab_val_num(have);
    int enough;
    rc = js_le(f->m, &need, &h, &enough);
    if (rc != LAB_OK)
        return rc;
    if (!enough) {
        *out = missing;
        return LAB_OK;
    }
    lab_val *empty = NULL;
    rc = scratch_vals(f->m, 0, &empty);
    if (rc == LAB_OK) {
        out->t = LAB_V_ARR;
        out->n = 0;
        out->u.a = empty;
    }
    return rc;
}

static int op_if(const frame *f, const lab_node *n, lab_val *out)
{
    uint32_t i = 0;
    for (; i + 1 < n->nargs; i += 2) {
        lab_val c;
        int rc = eval_arg(f, n, i, &c);
        if (rc != LAB_OK)
            return rc;
        if (lab_val_truthy(&c))
            return eval_arg(f, n, i + 1, out);
    }
    if (i + 1 == n->nargs)
        return eval_arg(f, n, i, out);
    *out = lab_val_null();
    return LAB_OK;
}

/* "and"/"or": the first falsy (truthy) operand, or the last. */
static int op_andor(const frame *f, const lab_node *n, int want, lab_val *out)
{
    lab_val cur = val_undef();
    for (uint32_t i = 0; i < n->nargs; i++) {
        int rc = eval_arg(f, n, i, &cur);
        if (rc != LAB_OK)
            return rc;
        if (lab_val_truthy(&cur) == want)
            break;
    }
    *out = cur;
    return LAB_OK;
}

static int op_compare(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val a, b, c;
    int r = 0, rc = eval_arg(f, n, 0, &a);
    if (rc == LAB_OK)
        rc = eval_arg(f, n, 1, &b);
    if (rc != LAB_OK)
        return rc;
    switch (n->op) {
    case LAB_OP_EQ:
        r = lab_val_loose_eq(&a, &b);
        break;
    case LAB_OP_NE:
        r = !lab_val_loose_eq(&a, &b);
        break;
    case LAB_OP_SEQ:
        r = lab_val_strict_eq(&a, &b);
        break;
    case LAB_OP_SNE:
        r = !lab_val_strict_eq(&a, &b);
        break;
    case LAB_OP_GT:
        rc = js_lt(f->m, &b, &a, &r);
        break;
    case LAB_OP_GE:
        rc = js_le(f->m, &b, &a, &r);
        break;
    default: { /* < and <=, "between" with a third argument */
        int (*cmp)(machine *, const lab_val *, const lab_val *, int *) =
            n->op == LAB_OP_LT ? js_lt : js_le;
        rc = cmp(f->m, &a, &b, &r);
        if (rc != LAB_OK || !r || n->nargs < 3)
            break;
        rc = eval_arg(f, n, 2, &c);
        if (rc == LAB_OK && !is_undef(&c))
            rc = cmp(f->m, &b, &c, &r);
        break;
    }
    }
    *out = lab_val_bool(r);
    return rc;
}

static double js_max(double r, double x, int want_max)
{
    if (isnan(r) || isnan(x))
        return NAN;
    if (x == r && x == 0) /* +0 is the larger zero */
        return (signbit(x) != 0) == want_max ? r : x;
    if (want_max)
        return x > r ? x : r;
    return x < r ? x : r;
}

static int op_arith(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val stack[8], *v = NULL;
    int rc = eval_args(f, n, stack, LAB_ARRAY_LEN(stack), &v);
    if (rc != LAB_OK)
        return rc;
    uint32_t k = n->nargs;
    lab_val u = val_undef();
    const lab_val *a = k > 0 ? &v[0] : &u, *b = k > 1 ? &v[1] : &u;
    double r = 0, x, y;

    switch (n->op) {
    case LAB_OP_ADD:
        for (uint32_t i = 0; i < k && rc == LAB_OK; i++) {
            rc = parse_float(f->m, &v[i], &x);
            r = (r == 0 ? 0.0 : r) + x; /* parseFloat(String(sum)) */
        }
        break;
    case LAB_OP_MUL:
        if (k == 0) { /* a TypeError in json-logic-js */
            *out = lab_val_null();
            return LAB_OK;
        }
        if (k == 1) { /* reduce without a start gives the value itself */
            *out = v[0];
            return LAB_OK;
        }
        rc = parse_float(f->m, &v[0], &r);
        for (uint32_t i = 1; i < k && rc == LAB_OK; i++) {
            rc = parse_float(f->m, &v[i], &x);
            r = (r == 0 ? 0.0 : r) * x;
        }
        break;
    case LAB_OP_SUB:
        x = lab_val_to_number(a);
        r = is_undef(b) ? -x : x - lab_val_to_number(b);
        break;
    case LAB_OP_DIV:
        r = lab_val_to_number(a) / lab_val_to_number(b);
        break;
    case LAB_OP_MOD:
        x = lab_val_to_number(a);
        y = lab_val_to_number(b);
        r = fmod(x, y);
        break;
    default: /* max, min */
        r = n->op == LAB_OP_MAX ? -HUGE_VAL : HUGE_VAL;
        for (uint32_t i = 0; i < k; i++)
            r = js_max(r, lab_val_to_number(&v[i]), n->op == LAB_OP_MAX);
        break;
    }
    *out = lab_val_num(r);
    return rc;
}

/* Evaluates the callback of map/filter/... with data = elem, no scope. */
static int eval_scoped(const frame *f, const lab_node *logic,
                       const lab_val *elem, lab_val *out)
{
    if (logic == NULL) {
        *out = val_undef();
        return LAB_OK;
    }
    frame child = {f->m, elem, NULL, f->depth + 1};
    return eval_node(&child, logic, out);
}

static int op_reduce(const frame *f, const lab_node *n, const lab_val *list,
                     lab_val *out)
{
    const lab_node *logic = n->nargs > 1 ? n->args[1] : NULL;
    lab_val acc = lab_val_null();
    int rc = LAB_OK;

    if (n->nargs > 2)
        rc = eval_arg(f, n, 2, &acc);
    for (uint32_t i = 0;
         rc == LAB_OK && vtype(list) == LAB_V_ARR && i < list->n; i++) {
        void *p;
        rc = scratch_alloc(f->m, 2 * sizeof(lab_kv), &p);
        if (rc != LAB_OK)
            break;
        lab_kv *kv = p;
        kv[0].k = "current";
        kv[0].klen = 7;
        kv[0].v = list->u.a[i];
        kv[1].k = "accumulator";
        kv[1].klen = 11;
        kv[1].v = acc;
        lab_val scope = {LAB_V_OBJ, 2, {0}};
        scope.u.o = kv;
        rc = eval_scoped(f, logic, &scope, &acc);
    }
    *out = acc;
    return rc;
}

static int op_iterate(const frame *f, const lab_node *n, lab_val *out)
{
    const lab_node *logic = n->nargs > 1 ? n->args[1] : NULL;
    lab_val list, r;
    int rc = eval_arg(f, n, 0, &list);
    if (rc != LAB_OK)
        return rc;
    if (n->op == LAB_OP_REDUCE)
        return op_reduce(f, n, &list, out);

    int is_arr = vtype(&list) == LAB_V_ARR;
    uint32_t len = is_arr ? list.n : 0;
    if (n->op == LAB_OP_ALL || n->op == LAB_OP_SOME || n->op == LAB_OP_NONE) {
        /* all: false when empty; some: false; none: true. */
        int want = n->op != LAB_OP_ALL; /* the value that decides */
        int result = n->op == LAB_OP_NONE;
        if (n->op == LAB_OP_ALL && len > 0)
            result = 1;
        for (uint32_t i = 0; i < len; i++) {
            rc = eval_scoped(f, logic, &list.u.a[i], &r);
            if (rc != LAB_OK)
                return rc;
            if (lab_val_truthy(&r) == want) {
                result = n->op == LAB_OP_SOME;
                break;
            }
        }
        *out = lab_val_bool(result);
        return LAB_OK;
    }

    lab_val *res = NULL;
    rc = scratch_vals(f->m, len, &res);
    if (rc != LAB_OK)
        return rc;
    uint32_t count = 0;
    for (uint32_t i = 0; i < len; i++) {
        rc = eval_scoped(f, logic, &list.u.a[i], &r);
        if (rc != LAB_OK)
            return rc;
        if (n->op == LAB_OP_MAP)
            res[count++] = r;
        else if (lab_val_truthy(&r))
            res[count++] = list.u.a[i];
    }
    out->t = LAB_V_ARR;
    out->n = count;
    out->u.a = res;
    return LAB_OK;
}

static int op_merge(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val stack[8], *v = NULL, *res = NULL;
    int rc = eval_args(f, n, stack, LAB_ARRAY_LEN(stack), &v);
    if (rc != LAB_OK)
        return rc;
    size_t total = 0;
    for (uint32_t i = 0; i < n->nargs; i++)
        total += vtype(&v[i]) == LAB_V_ARR ? v[i].n : 1;
    rc = scratch_vals(f->m, total, &res);
    if (rc != LAB_OK)
        return rc;
    size_t k = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (vtype(&v[i]) != LAB_V_ARR) {
            res[k++] = v[i];
            continue;
        }
        if (v[i].n > 0)
            memcpy(res + k, v[i].u.a, v[i].n * sizeof *res);
        k += v[i].n;
    }
    out->t = LAB_V_ARR;
    out->n = (uint32_t)k;
    out->u.a = res;
    return LAB_OK;
}

static int op_cat(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val stack[8], *v = NULL;
    int rc = eval_args(f, n, stack, LAB_ARRAY_LEN(stack), &v);
    if (rc != LAB_OK)
        return rc;
    return concat_strings(f->m, v, n->nargs, 1, out);
}

/* Is needle a substring of hay?  Steps are charged to the budget. */
static int contains(machine *m, const lab_val *hay, const lab_val *needle,
                    int *found)
{
    *found = 0;
    if (needle->n == 0) {
        *found = 1;
        return LAB_OK;
    }
    const char *h = hay->u.s, *p = needle->u.s;
    size_t hn = hay->n, pn = needle->n;
    for (size_t i = 0; pn <= hn && i <= hn - pn; i++) {
        const char *c = memchr(h + i, p[0], hn - pn - i + 1);
        if (c == NULL)
            break;
        i = (size_t)(c - h);
        if (++m->steps > m->max_steps)
            return steps_error(m);
        if (memcmp(h + i, p, pn) == 0) {
            *found = 1;
            break;
        }
    }
    return LAB_OK;
}

static int op_in(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val a, b, s;
    int found = 0, rc = eval_arg(f, n, 0, &a);
    if (rc == LAB_OK)
        rc = eval_arg(f, n, 1, &b);
    if (rc != LAB_OK)
        return rc;
    if (vtype(&b) == LAB_V_STR && b.n > 0) {
        rc = to_str(f->m, &a, &s);
        if (rc == LAB_OK)
            rc = contains(f->m, &b, &s, &found);
    } else if (vtype(&b) == LAB_V_ARR) {
        for (uint32_t i = 0; i < b.n && !found; i++)
            found = lab_val_strict_eq(&b.u.a[i], &a);
    }
    *out = lab_val_bool(found);
    return rc;
}

/* String.prototype.substr(start, length) on a string; has_len = 0 when
 * length is undefined.  Halves of surrogate pairs become U+FFFD. */
static int js_substr(machine *m, const lab_val *s, double start, int has_len,
                     double length, lab_val *out)
{
    double size = (double)utf16_len(s->u.s, s->n);
    double from = to_integer(start);
    if (from < 0)
        from = from + size < 0 ? 0 : from + size;
    else if (from > size)
        from = size;
    double len = has_len ? to_integer(length) : size;
    len = len < 0 ? 0 : len > size ? size : len;
    double to = from + len > size ? size : from + len;
    if (from >= to) {
        *out = lab_val_str("", 0);
        return LAB_OK;
    }
    int split0, split1;
    size_t b0 = utf16_to_byte(s->u.s, s->n, (size_t)from, &split0);
    size_t b1 = utf16_to_byte(s->u.s, s->n, (size_t)to, &split1);
    if (!split0 && !split1) {
        *out = lab_val_str(s->u.s + b0, b1 - b0);
        return LAB_OK;
    }
    if (split0)
        b0 += 4; /* the surrogate pair's character */
    size_t mid = b1 > b0 ? b1 - b0 : 0;
    char *p;
    int rc = scratch_alloc(m, mid + 7, (void **)&p);
    if (rc != LAB_OK)
        return rc;
    size_t k = 0;
    if (split0) {
        memcpy(p, replacement_char, 3);
        k += 3;
    }
    if (mid > 0)
        memcpy(p + k, s->u.s + b0, mid);
    k += mid;
    if (split1) {
        memcpy(p + k, replacement_char, 3);
        k += 3;
    }
    p[k] = '\0';
    *out = lab_val_str(p, k);
    return LAB_OK;
}

/* temp.length + end when end < 0: a number, or (end being a string or an
 * array) the concatenation of the two as text, then ToNumber. */
static int length_plus(machine *m, double tlen, const lab_val *end, double *out)
{
    if (vtype(end) == LAB_V_NUM) {
        *out = tlen + end->u.d;
        return LAB_OK;
    }
    lab_val parts[2], text;
    parts[0] = lab_val_num(tlen);
    int rc = to_primitive(m, end, &parts[1]);
    if (rc == LAB_OK)
        rc = concat_strings(m, parts, 2, 0, &text);
    if (rc == LAB_OK)
        *out = js_str_to_number(text.u.s, text.n);
    return rc;
}

static int op_substr(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val src, start, end, s, temp;
    int neg, rc = eval_arg(f, n, 0, &src);
    if (rc == LAB_OK)
        rc = eval_arg(f, n, 1, &start);
    if (rc == LAB_OK)
        rc = eval_arg(f, n, 2, &end);
    if (rc == LAB_OK)
        rc = to_str(f->m, &src, &s);
    lab_val zero = lab_val_num(0);
    if (rc == LAB_OK)
        rc = js_lt(f->m, &end, &zero, &neg);
    if (rc != LAB_OK)
        return rc;
    double from = lab_val_to_number(&start);
    if (!neg)
        return js_substr(f->m, &s, from, !is_undef(&end),
                         lab_val_to_number(&end), out);
    /* A negative length counts from the end, as PHP's substr does. */
    rc = js_substr(f->m, &s, from, 0, 0, &temp);
    double len;
    if (rc == LAB_OK)
        rc = length_plus(f->m, (double)utf16_len(temp.u.s, temp.n), &end, &len);
    if (rc != LAB_OK)
        return rc;
    return js_substr(f->m, &temp, 0, 1, len, out);
}

static int op_array(const frame *f, const lab_node *n, lab_val *out)
{
    lab_val *res = NULL;
    int rc = scratch_vals(f->m, n->nargs, &res);
    for (uint32_t i = 0; rc == LAB_OK && i < n->nargs; i++)
        rc = eval_arg(f, n, i, &res[i]);
    if (rc != LAB_OK)
        return rc;
    out->t = LAB_V_ARR;
    out->n = n->nargs;
    out->u.a = res;
    return LAB_OK;
}

static int eval_node(const frame *f, const lab_node *n, lab_val *out)
{
    if (++f->m->steps > f->m->max_steps)
        return steps_error(f->m);
    if (f->depth > 2 * LAB_EXPR_MAX_DEPTH)
        return lab_seterr(LAB_ELIMIT, "condition nested too deeply");
    frame inner = *f;
    inner.depth++;
    f = &inner;

    lab_val v;
    int rc;
    switch (n->op) {
    case LAB_OP_LIT:
        *out = n->lit;
        return LAB_OK;
    case LAB_OP_ARRAY:
        return op_array(f, n, out);
    case LAB_OP_VAR:
        return op_var(f, n, out);
    case LAB_OP_MISSING:
        return op_missing(f, n, out);
    case LAB_OP_MISSING_SOME:
        return op_missing_some(f, n, out);
    case LAB_OP_IF:
    case LAB_OP_TERN:
        return op_if(f, n, out);
    case LAB_OP_EQ:
    case LAB_OP_SEQ:
    case LAB_OP_NE:
    case LAB_OP_SNE:
    case LAB_OP_GT:
    case LAB_OP_GE:
    case LAB_OP_LT:
    case LAB_OP_LE:
        return op_compare(f, n, out);
    case LAB_OP_NOT:
    case LAB_OP_NOTNOT:
        rc = eval_arg(f, n, 0, &v);
        *out = lab_val_bool(lab_val_truthy(&v) == (n->op == LAB_OP_NOTNOT));
        return rc;
    case LAB_OP_OR:
        return op_andor(f, n, 1, out);
    case LAB_OP_AND:
        return op_andor(f, n, 0, out);
    case LAB_OP_MAX:
    case LAB_OP_MIN:
    case LAB_OP_ADD:
    case LAB_OP_SUB:
    case LAB_OP_MUL:
    case LAB_OP_DIV:
    case LAB_OP_MOD:
        return op_arith(f, n, out);
    case LAB_OP_MAP:
    case LAB_OP_FILTER:
    case LAB_OP_REDUCE:
    case LAB_OP_ALL:
    case LAB_OP_NONE:
    case LAB_OP_SOME:
        return op_iterate(f, n, out);
    case LAB_OP_MERGE:
        return op_merge(f, n, out);
    case LAB_OP_IN:
        return op_in(f, n, out);
    case LAB_OP_CAT:
        return op_cat(f, n, out);
    case LAB_OP_SUBSTR:
        return op_substr(f, n, out);
    case LAB_OP_LOG:
        return eval_arg(f, n, 0, out); /* the library never prints */
    default:
        return lab_seterr(LAB_EINVAL, "unknown operator %u in a condition",
                          (unsigned)n->op);
    }
}

int lab_eval(lab_val *out, const lab_node *n, const lab_eval_ctx *ctx)
{
    machine m = {ctx->scratch, ctx->fetch, 0, 0, STEP_MAX, ctx->budget};
    if (ctx->budget != NULL && ctx->budget->left < STEP_MAX)
        m.max_steps = ctx->budget->left;
    frame f = {&m, ctx->data, ctx->scope, 0};
    lab_val v;
    int rc = eval_node(&f, n, &v);
    if (ctx->budget != NULL)
        ctx->budget->left -=
            m.steps < ctx->budget->left ? m.steps : ctx->budget->left;
    if (rc != LAB_OK)
        return rc;
    if (is_undef(&v))
        v = lab_val_null();
    *out = v;
    return LAB_OK;
}

/* ---- reading JsonLogic ---- */

/* One step of the path to the node being built: an object key or an
 * array index. */
typedef struct path_step {
    const char *key; /* NULL for an index */
    size_t index;
} path_step;

typedef struct builder {
    lab_arena *a;
    const char *origin; /* for messages; NULL when there is no file */
    int depth;          /* JSON containers entered */
    size_t nodes;       /* values and operations read: a limit */
    path_step path[LAB_EXPR_MAX_DEPTH + 2];
    int npath;
} builder;

static int build(builder *b, const json_t *j, lab_node **out);

static int build_oom(void)
{
    return lab_seterr(LAB_ENOMEM, "out of memory reading a JsonLogic rule");
}

static void push_key(builder *b, const char *key)
{
    b->path[b->npath].key = key;
    b->path[b->npath].index = 0;
    b->npath++;
}

static void push_index(builder *b, size_t i)
{
    b->path[b->npath].key = NULL;
    b->path[b->npath].index = i;
    b->npath++;
}

/* Appends text, cut at a character boundary after about `max` bytes. */
static size_t cut_len(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static int unknown_operator(const builder *b, const char *name)
{
    lab_buf m = LAB_BUF_INIT;
    size_t n = strlen(name);
    if (b->origin != NULL)
        lab_buf_printf(&m, "%s: ", b->origin);
    lab_buf_adds(&m, "unknown JsonLogic operator ");
    lab_buf_add_json_string(&m, name, cut_len(name, n, 64));
    if (b->npath == 0)
        lab_buf_adds(&m, " at the top of the rule");
    else
        lab_buf_adds(&m, " at ");
    for (int i = 0; i < b->npath; i++) {
        const path_step *p = &b->path[i];
        lab_buf_addc(&m, '/');
        if (p->key == NULL) {
            lab_buf_printf(&m, "%zu", p->index);
            continue;
        }
        size_t kn = cut_len(p->key, strlen(p->key), 64);
        for (size_t k = 0; k < kn; k++) {
            if (p->key[k] == '~')
                lab_buf_adds(&m, "~0");
            else if (p->key[k] == '/')
                lab_buf_adds(&m, "~1");
            else
                lab_buf_addc(&m, p->key[k]);
        }
    }
    int rc = LAB_EPARSE;
    if (m.oom || m.data == NULL)
        lab_seterr(rc, "unknown JsonLogic operator");
    else
        lab_seterr(rc, "%s", m.data);
    lab_buf_free(&m);
    return rc;
}

static int too_deep(const builder *b)
{
    if (b->origin != NULL)
        return lab_seterr(LAB_ELIMIT,
                          "%s: JsonLogic rule nested more than %d levels deep",
                          b->origin, LAB_EXPR_MAX_DEPTH);
    return lab_seterr(LAB_ELIMIT,
                      "JsonLogic rule nested more than %d levels deep",
                      LAB_EXPR_MAX_DEPTH);
}

/* A JSON array: element-wise evaluation, folded to a constant when every
 * element is one. */
static int build_array(builder *b, const json_t *j, lab_node **out)
{
    size_t n = json_array_size(j);
    if (n > UINT32_MAX)
        return lab_seterr(LAB_ELIMIT, "JsonLogic array too large");
    lab_node *node = lab_node_new(b->a, LAB_OP_ARRAY, (uint32_t)n);
    if (node == NULL)
        return build_oom();
    int all_lit = 1;
    for (size_t i = 0; i < n; i++) {
        push_index(b, i);
        int rc = build(b, json_array_get(j, i), &node->args[i]);
        b->npath--;
        if (rc != LAB_OK)
            return rc;
        all_lit &= node->args[i]->op == LAB_OP_LIT;
    }
    if (all_lit) {
        lab_val *items = lab_arena_alloc(b->a, (n + 1) * sizeof *items);
        if (items == NULL)
            return build_oom();
        for (size_t i = 0; i < n; i++)
            items[i] = node->args[i]->lit;
        node->op = LAB_OP_LIT;
        node->lit.t = LAB_V_ARR;
        node->lit.n = (uint32_t)n;
        node->lit.u.a = items;
        node->nargs = 0;
        node->args = NULL;
    }
    *out = node;
    return LAB_OK;
}

/* {"op": args}: an operation, whose args are an array of arguments or a
 * single one (kept as LAB_NODE_SCALAR_ARG). */
static int build_operation(builder *b, const char *name, const json_t *args,
                           lab_node **out)
{
    int op = lab_op_lookup(name, strlen(name));
    if (op < 0)
        return unknown_operator(b, name);
    int scalar = !json_is_array(args);
    size_t n = scalar ? 1 : json_array_size(args);
    if (n > UINT32_MAX)
        return lab_seterr(LAB_ELIMIT, "JsonLogic operation has too many "
                                      "arguments");
    if (!scalar && ++b->depth > LAB_EXPR_MAX_DEPTH)
        return too_deep(b);
    lab_node *node = lab_node_new(b->a, (lab_op)op, (uint32_t)n);
    if (node == NULL)
        return build_oom();
    if (scalar)
        node->flags |= LAB_NODE_SCALAR_ARG;
    push_key(b, name);
    for (size_t i = 0; i < n; i++) {
        if (!scalar)
            push_index(b, i);
        int rc =
            build(b, scalar ? args : json_array_get(args, i), &node->args[i]);
        if (!scalar)
            b->npath--;
        if (rc != LAB_OK)
            return rc;
    }
    b->npath--;
    if (!scalar)
        b->depth--;
    *out = node;
    return LAB_OK;
}

static int build(builder *b, const json_t *j, lab_node **out)
{
    int rc;
    if (++b->nodes > LAB_EXPR_MAX_NODES)
        return lab_seterr(LAB_ELIMIT,
                          "%s%sJsonLogic rule has more than %d operations "
                          "and values",
                          b->origin ? b->origin : "", b->origin ? ": " : "",
                          LAB_EXPR_MAX_NODES);
    if (json_is_array(j) || json_is_object(j)) {
        if (++b->depth > LAB_EXPR_MAX_DEPTH)
            return too_deep(b);
    }
    if (json_is_array(j)) {
        rc = build_array(b, j, out);
    } else if (json_is_object(j) && json_object_size(j) == 1) {
        void *it = json_object_iter((json_t *)j);
        rc = build_operation(b, json_object_iter_key(it),
                             json_object_iter_value(it), out);
    } else {
        lab_node *node = lab_node_new(b->a, LAB_OP_LIT, 0);
        if (node == NULL)
            return build_oom();
        /* A literal object's members are not evaluated. */
        rc = from_json(&node->lit, b->a, j, b->depth - json_is_object(j),
                       LAB_EXPR_MAX_DEPTH);
        *out = node;
    }
    if (json_is_array(j) || json_is_object(j))
        b->depth--;
    return rc;
}

static int jl_from_json(lab_node **out, lab_arena *a, const json_t *rule,
                        const char *origin)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.a = a;
    b.origin = origin;
    lab_node *n = NULL;
    int rc = build(&b, rule, &n);
    if (rc == LAB_OK)
        *out = n;
    return rc;
}

int lab_jl_from_json(lab_node **out, lab_arena *a, const json_t *rule)
{
    if (out == NULL || a == NULL || rule == NULL)
        return lab_seterr(LAB_EINVAL, "lab_jl_from_json: NULL argument");
    return jl_from_json(out, a, rule, NULL);
}

/* Rejects text nested deeper than LAB_EXPR_MAX_DEPTH, and NUL bytes, before
 * jansson sees it; positions are counted as jansson counts them (lines
 * from 1, columns in characters from 1). */
static int scan_text(const char *text, size_t len, const char *origin)
{
    unsigned line = 1, col = 0;
    int depth = 0, in_string = 0, escaped = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            line++;
            col = 0;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
        if (c == 0)
            return lab_seterr(LAB_EPARSE, "%s:%u:%u: NUL byte in JSON text",
                              origin, line, col);
        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > LAB_EXPR_MAX_DEPTH)
                return lab_seterr(LAB_ELIMIT,
                                  "%s:%u:%u: JsonLogic rule nested more "
                                  "than %d levels deep",
                                  origin, line, col, LAB_EXPR_MAX_DEPTH);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return LAB_OK;
}

int lab_jl_parse(lab_node **out, lab_arena *a, const char *text, size_t len,
                 const char *origin)
{
    if (out == NULL || a == NULL || (text == NULL && len > 0))
        return lab_seterr(LAB_EINVAL, "lab_jl_parse: NULL argument");
    if (origin == NULL)
        origin = "<rule>";
    int rc = scan_text(text != NULL ? text : "", len, origin);
    if (rc != LAB_OK)
        return rc;
    json_error_t err;
    json_t *j = json_loadb(text != NULL ? text : "", len,
                           JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &err);
    if (j == NULL)
        return lab_seterr(LAB_EPARSE, "%s:%d:%d: %s", origin,
                          err.line > 0 ? err.line : 1,
                          err.column > 0 ? err.column : 1, err.text);
    rc = jl_from_json(out, a, j, origin);
    json_decref(j);
    return rc;
}

/* ---- writing JsonLogic ---- */

static void jl_write(lab_buf *b, const lab_node *n, int depth);

static int is_array_like(const lab_node *n)
{
    return n->op == LAB_OP_ARRAY ||
           (n->op == LAB_OP_LIT && n->lit.t == LAB_V_ARR);
}

static void jl_write_args(lab_buf *b, const lab_node *n, int depth)
{
    if ((n->flags & LAB_NODE_SCALAR_ARG) && n->nargs == 1 &&
        n->args[0] != NULL && !is_array_like(n->args[0])) {
        jl_write(b, n->args[0], depth + 1);
        return;
    }
    lab_buf_addc(b, '[');
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (i > 0)
            lab_buf_addc(b, ',');
        jl_write(b, n->args[i], depth + 1);
    }
    lab_buf_addc(b, ']');
}

static void jl_write(lab_buf *b, const lab_node *n, int depth)
{
    if (n == NULL) {
        lab_buf_adds(b, "null");
        return;
    }
    if (depth > VAL_MAX_DEPTH) {
        b->oom = 1;
        return;
    }
    const char *name = lab_op_name((lab_op)n->op);
    if (n->op == LAB_OP_LIT) {
        if (n->lit.t == LAB_V_NUM && n->lit.u.d == 0 && signbit(n->lit.u.d))
            lab_buf_adds(b, "-0"); /* keep 1/-0 meaning what it meant */
        else
            lab_val_to_json(b, &n->lit);
    } else if (n->op == LAB_OP_ARRAY) {
        lab_buf_addc(b, '[');
        for (uint32_t i = 0; i < n->nargs; i++) {
            if (i > 0)
                lab_buf_addc(b, ',');
            jl_write(b, n->args[i], depth + 1);
        }
        lab_buf_addc(b, ']');
    } else if (name != NULL) {
        lab_buf_addc(b, '{');
        lab_buf_add_json_string(b, name, strlen(name));
        lab_buf_addc(b, ':');
        jl_write_args(b, n, depth);
        lab_buf_addc(b, '}');
    } else {
        lab_buf_adds(b, "null");
    }
}

void lab_jl_write(lab_buf *b, const lab_node *n)
{
    jl_write(b, n, 0);
}
