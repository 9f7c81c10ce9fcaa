/*
 * util.c - the small machinery every module uses: the per-thread error
 * message, checked allocation, the bump arena, the growable buffer,
 * string interning, ECMAScript number formatting, UTF-8 checking, whole
 * file reading and SHA-256.  Nothing here prints or aborts.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* ---- errors ---- */

static _Thread_local char errmsg[1024];

int lab_vseterr(int code, const char *fmt, va_list ap)
{
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    return code;
}

int lab_seterr(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lab_vseterr(code, fmt, ap);
    va_end(ap);
    return code;
}

int lab_preerr(int code, const char *fmt, ...)
{
    char old[sizeof errmsg];
    char pre[512];
    va_list ap;

    memcpy(old, errmsg, sizeof old);
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    snprintf(errmsg, sizeof errmsg, "%s: %s", pre, old);
    return code;
}

void lab_clearerr(void)
{
    errmsg[0] = '\0';
}

const char *lab_errmsg(void)
{
    return errmsg;
}

/* ---- allocation ---- */

void *lab_malloc(size_t n)
{
    return malloc(n ? n : 1);
}

void *lab_calloc(size_t count, size_t size)
{
    if (count == 0 || size == 0)
        return calloc(1, 1);
    return calloc(count, size);
}

void *lab_realloc(void *p, size_t n)
{
    return realloc(p, n ? n : 1);
}

void *lab_reallocarray(void *p, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return lab_realloc(p, count * size);
}

char *lab_strndup(const char *s, size_t n)
{
    char *d = lab_malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *lab_strdup(const char *s)
{
    return lab_strndup(s, strlen(s));
}

int lab_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return LAB_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return LAB_ENOMEM;
        ncap *= 2;
    }
    void *p = lab_reallocarray(*items, ncap, size);
    if (p == NULL)
        return LAB_ENOMEM;
    *items = p;
    *cap = ncap;
    return LAB_OK;
}

/* ---- arena ---- */

struct lab_arena_block {
    lab_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void lab_arena_init(lab_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
}

void *lab_arena_alloc(lab_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    lab_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < n) {
        size_t size = a->block_size;
        if (n > size / 4)
            size = n; /* a big request gets a block of its own */
        if (size > SIZE_MAX - sizeof *b)
            return NULL;
        lab_arena_block *nb = malloc(sizeof *nb + size);
        if (nb == NULL)
            return NULL;
        nb->size = size;
        nb->used = 0;
        if (b != NULL && size == n && b->size - b->used >= 64) {
            /* keep filling the current block: put the big one behind */
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            a->total += n;
            return nb->data;
        }
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

char *lab_arena_strndup(lab_arena *a, const char *s, size_t n)
{
    char *d = lab_arena_alloc(a, n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void lab_arena_reset(lab_arena *a)
{
    lab_arena_block *keep = NULL;
    lab_arena_block *b = a->head;
    while (b != NULL) {
        lab_arena_block *next = b->next;
        if (keep == NULL && b->size == a->block_size)
            keep = b;
        else
            free(b);
        b = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->total = 0;
}

void lab_arena_free(lab_arena *a)
{
    lab_arena_block *b = a->head;
    while (b != NULL) {
        lab_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---- buffer ---- */

int lab_buf_flush(lab_buf *b)
{
    if (b->sink_rc != LAB_OK)
        return b->sink_rc;
    if (b->oom)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (b->sink != NULL && b->len > 0) {
        int rc = b->sink(b->sink_ud, b->data, b->len);
        b->len = 0;
        b->data[0] = '\0';
        if (rc != LAB_OK) {
            b->sink_rc = rc;
            b->oom = 1; /* later appends are no-ops */
            return rc;
        }
    }
    return LAB_OK;
}

static int buf_reserve(lab_buf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->sink != NULL && b->len >= LAB_BUF_FLUSH &&
        lab_buf_flush(b) != LAB_OK)
        return 0;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < need)
            ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        char *p = realloc(b->data, ncap);
        if (p == NULL) {
            b->oom = 1;
            return 0;
        }
        b->data = p;
        b->cap = ncap;
    }
    return 1;
}

void lab_buf_add(lab_buf *b, const void *p, size_t n)
{
    /* With a sink, a long text goes out in pieces of the usual size, each
     * cut before a UTF-8 lead byte: a flush only ever comes between two
     * appends, so no piece ends inside a character. */
    while (b->sink != NULL && n > LAB_BUF_FLUSH && !b->oom) {
        const unsigned char *u = p;
        size_t k = LAB_BUF_FLUSH;
        while (k > LAB_BUF_FLUSH - 3 && (u[k] & 0xc0) == 0x80)
            k--;
        lab_buf_add(b, p, k);
        p = u + k;
        n -= k;
    }
    if (!buf_reserve(b, n))
        return;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void lab_buf_adds(lab_buf *b, const char *s)
{
    lab_buf_add(b, s, strlen(s));
}

void lab_buf_addc(lab_buf *b, char c)
{
    if (b->len + 2 <= b->cap && !b->oom) { /* the common case: room left */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    lab_buf_add(b, &c, 1);
}

void lab_buf_printf(lab_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        lab_buf_add(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Exactly the escapes RFC 8785 section 3.2.2.2 requires, so that the same
 * function serves canonical JSON: \" \\ \b \f \n \r \t, and \u00xx
 * (lower-case hex) for the other control characters; everything else is
 * copied as UTF-8. */
void lab_buf_add_json_string(lab_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

    lab_buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        lab_buf_add(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"':
            lab_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            lab_buf_add(b, "\\\\", 2);
            break;
        case '\b':
            lab_buf_add(b, "\\b", 2);
            break;
        case '\f':
            lab_buf_add(b, "\\f", 2);
            break;
        case '\n':
            lab_buf_add(b, "\\n", 2);
            break;
        case '\r':
            lab_buf_add(b, "\\r", 2);
            break;
        case '\t':
            lab_buf_add(b, "\\t", 2);
            break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            lab_buf_add(b, e, 6);
        }
        }
    }
    lab_buf_add(b, s + start, n - start);
    lab_buf_addc(b, '"');
}

int lab_buf_detach(lab_buf *b, char **out)
{
    if (b->oom) {
        lab_buf_free(b);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    if (b->data == NULL) {
        b->data = lab_strdup("");
        if (b->data == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    *out = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return LAB_OK;
}

void lab_buf_free(lab_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    b->sink_rc = 0;
}

/* ---- progress ---- */

void lab_meter_add(lab_meter *m, uint64_t n)
{
    if (m == NULL || m->fn == NULL)
        return;
    m->done += n;
    if (m->done < m->next)
        return;
    uint64_t step = m->total > 0 ? m->total / 100 : (uint64_t)1 << 16;
    m->next = m->done + (step > 0 ? step : 1);
    m->fn(m->ud, (size_t)m->done,
          (size_t)(m->total > m->done || m->total == 0 ? m->total : m->done));
}

void lab_meter_end(lab_meter *m)
{
    if (m == NULL || m->fn == NULL)
        return;
    if (m->total > m->done)
        m->done = m->total;
    m->fn(m->ud, (size_t)m->done, (size_t)(m->total ? m->done : 0));
}

/* ---- hashing and interning ---- */

uint64_t lab_hash(const void *p, size_t n)
{
    /* Eight bytes at a time, multiply-xorshift mixing: fast for the short
     * identifiers and names we intern, and well spread. */
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, s, 8);
        h = (h ^ k) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t k = 0;
    memcpy(&k, s, n);
    h = (h ^ k) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

int lab_strtab_init(lab_strtab *t)
{
    lab_arena_init(&t->arena, 256 * 1024);
    t->cap = 1024;
    t->count = 0;
    t->slots = calloc(t->cap, sizeof *t->slots);
    if (t->slots == NULL) {
        lab_strtab_free(t);
        return LAB_ENOMEM;
    }
    return LAB_OK;
}

void lab_strtab_free(lab_strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
    lab_arena_free(&t->arena);
}

/* A slot keeps the string's length and the top bits of its hash beside
 * the pointer, all in one cache line, so a probe rarely touches a string
 * that is not the one sought. */
static size_t strtab_probe_h(const lab_strtab *t, const char *s, size_t n,
                             uint64_t h)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;
    uint32_t tag = (uint32_t)(h >> 32);
    while (t->slots[i].s != NULL) {
        if (t->slots[i].tag == tag && t->slots[i].len == n &&
            memcmp(t->slots[i].s, s, n) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int strtab_rehash(lab_strtab *t)
{
    size_t ncap = t->cap * 2;
    lab_strslot *slots = calloc(ncap, sizeof *slots);
    if (slots == NULL)
        return LAB_ENOMEM;
    lab_strslot *old = t->slots;
    size_t oldcap = t->cap;
    t->slots = slots;
    t->cap = ncap;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].s == NULL)
            continue;
        uint64_t h = lab_hash(old[i].s, old[i].len);
        t->slots[strtab_probe_h(t, old[i].s, old[i].len, h)] = old[i];
    }
    free(old);
    return LAB_OK;
}

const char *lab_strtab_find(const lab_strtab *t, const char *s, size_t n)
{
    if (t->cap == 0)
        return NULL;
    return t->slots[strtab_probe_h(t, s, n, lab_hash(s, n))].s;
}

const char *lab_strtab_intern(lab_strtab *t, const char *s, size_t n)
{
    if (n > UINT32_MAX)
        return NULL;
    uint64_t h = lab_hash(s, n);
    size_t i = strtab_probe_h(t, s, n, h);
    if (t->slots[i].s != NULL)
        return t->slots[i].s;
    /* at most half full: probes stay short */
    if ((t->count + 1) * 2 > t->cap) {
        if (strtab_rehash(t) != LAB_OK)
            return NULL;
        i = strtab_probe_h(t, s, n, h);
    }
    char *copy = lab_arena_strndup(&t->arena, s, n);
    if (copy == NULL)
        return NULL;
    t->slots[i].s = copy;
    t->slots[i].len = (uint32_t)n;
    t->slots[i].tag = (uint32_t)(h >> 32);
    t->count++;
    return copy;
}

/* ---- numbers ---- */

size_t lab_num_format(char buf[32], double d)
{
    if (isnan(d))
        return (size_t)snprintf(buf, 32, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, 32, d < 0 ? "-Infinity" : "Infinity");
    if (d == 0)
        return (size_t)snprintf(buf, 32, "0");
    /* integers print as themselves (the range check comes first: casting
     * a double outside int64_t is undefined) */
    if (d > -9007199254740992.0 && d < 9007199254740992.0 &&
        d == (double)(int64_t)d)
        return (size_t)snprintf(buf, 32, "%lld", (long long)d);

    /* Shortest digits that round-trip, from %.{p}e.  Round-tripping is
     * monotonic in the precision, so a binary search over 1..17 finds the
     * shortest in at most five tries. */
    char tmp[40];
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(tmp, sizeof tmp, "%.*e", mid - 1, d);
        if (strtod(tmp, NULL) == d)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(tmp, sizeof tmp, "%.*e", lo - 1, d);
    /* tmp is [-]D[.DDD]e[+-]XX: split into digits and exponent. */
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    char digits[20];
    int k = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    int e10 = (int)strtol(p + 1, NULL, 10); /* at most 3 digits */
    int n = e10 + 1; /* ECMAScript's n: position of the decimal point */

    char *o = buf;
    if (neg)
        *o++ = '-';
    if (k <= n && n <= 21) {
        memcpy(o, digits, (size_t)k);
        o += k;
        for (int i = k; i < n; i++)
            *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, digits, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, digits + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)k);
        o += k;
    } else {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(k - 1));
            o += k - 1;
        }
        o += snprintf(o, 8, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    *o = '\0';
    return (size_t)(o - buf);
}

int lab_num_parse(const char *s, size_t n, double *out)
{
    char tmp[64];
    size_t i = 0;

    if (n == 0 || n >= sizeof tmp)
        return 0;
    if (s[i] == '-' || s[i] == '+')
        i++;
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            ed++;
        }
        if (ed == 0)
            return 0;
    }
    if (i != n)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    double d = strtod(tmp, NULL);
    if (!isfinite(d))
        return 0;
    *out = d;
    return 1;
}

/* ---- UTF-8 ---- */

size_t lab_utf8_check(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            min = 0x80;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            min = 0x800;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += len;
    }
    return n;
}

/* ---- files ---- */

int lab_read_file(char **out, size_t *len, const char *path, size_t limit)
{
    int fd = -1;
    int rc = lab_open_regular(&fd, path, 0);
    if (rc != LAB_OK)
        return rc;
    struct stat st;
    char *data = NULL;

    if (fstat(fd, &st) != 0) {
        rc = lab_seterr(LAB_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto out_close;
    }
    if ((uintmax_t)st.st_size > limit) {
        rc = lab_seterr(LAB_ELIMIT,
                        "%s: file of %jd bytes is over the %zu-byte limit",
                        path, (intmax_t)st.st_size, limit);
        goto out_close;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    data = lab_malloc(cap);
    if (data == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "%s: out of memory", path);
        goto out_close;
    }
    for (;;) {
        if (n + 1 >= cap) {
            /* the file grew while we read it: room for one byte over the
             * limit at most, so that the limit is enforced exactly */
            if (n > limit) {
                rc = lab_seterr(LAB_ELIMIT, "%s: file grew over the limit",
                                path);
                goto out_close;
            }
            size_t ncap = cap > (limit + 2) / 2 ? limit + 2 : cap * 2;
            char *nd = lab_realloc(data, ncap);
            if (nd == NULL) {
                rc = lab_seterr(LAB_ENOMEM, "%s: out of memory", path);
                goto out_close;
            }
            data = nd;
            cap = ncap;
        }
        ssize_t r = read(fd, data + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = lab_seterr(LAB_EIO, "%s: read failed: %s", path,
                            strerror(errno));
            goto out_close;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > limit) {
        rc = lab_seterr(LAB_ELIMIT, "%s: file grew over the limit", path);
        goto out_close;
    }
    data[n] = '\0';
    *out = data;
    data = NULL;
    if (len != NULL)
        *len = n;
out_close:
    free(data);
    close(fd);
    return rc;
}

int lab_sha256_hex(char out[65], const void *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return lab_seterr(LAB_ECRYPTO, "SHA-256 failed");
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return LAB_OK;
}
