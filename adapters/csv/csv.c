/*
 * csv.c - the streaming RFC 4180 reader declared in csv.h.  Input arrives
 * in windows of at most 64 KiB (read(2) chunks of a file, or slices of a
 * memory buffer); each window is first checked for UTF-8 with an ASCII
 * fast path, then walked by a small resumable state machine that scans
 * with table-driven tight loops and copies each field's bytes into one
 * reusable record buffer.  A UTF-8 sequence cut by the end of a window is
 * carried over to the next one, so every state survives any split.  Line
 * numbers count LF bytes, columns count code points, both 1-based; every
 * error names name:line:col, what was wrong and what was expected.
 */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define CSV_SSE2 1
#endif

enum {
    CSV_CHUNK = 64 * 1024,
    CSV_CARRY_MAX = 3, /* bytes of an unfinished UTF-8 sequence */
    /* the record buffer never needs more: content, a NUL per field */
    CSV_REC_CAP_MAX = LAB_CSV_MAX_RECORD + LAB_CSV_MAX_FIELDS + 1
};

typedef enum csv_state {
    ST_FIELD_START, /* before the first byte of a field */
    ST_UNQUOTED,    /* inside a field without quotes */
    ST_QUOTED,      /* inside a quoted field */
    ST_QUOTE,       /* after a quote in a quoted field: end or doubled */
    ST_CR           /* after a CR outside quotes: LF must follow */
} csv_state;

typedef struct csv_reader {
    const char *name;
    lab_csv_row_fn fn;
    void *ud;
    /* The current record's fields, back to back, each NUL-terminated, so
     * field i+1 starts right after field i's NUL. */
    char *rec;
    size_t rec_len, rec_cap;
    lab_csv_field *fields; /* fields[nfields] is the one being read */
    size_t nfields, fields_cap;
    size_t field_off; /* where the field being read starts in rec */
    csv_state state;
    unsigned line;    /* current line */
    unsigned col;     /* code points on this line before `mark` */
    const char *mark; /* a point in the current window */
    /* The first non-ASCII byte at or after mark (or the window end): up
     * to it, columns are byte counts. */
    const char *nonascii;
    const char *wend;  /* end of the part of the window being parsed */
    unsigned rec_line; /* where the current record started */
    unsigned cr_line, cr_col;
    lab_meter *meter; /* bytes read are counted here (may be NULL) */
} csv_reader;

/* Bytes that end a run inside an unquoted field, and inside quotes. */
static const unsigned char unquoted_stop[256] = {
    [0] = 1, [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};
static const unsigned char quoted_stop[256] = {[0] = 1, ['"'] = 1, ['\n'] = 1};

/* ---- positions ---- */

/* The first byte of s[i..n) that is not ASCII, or n. */
static size_t skip_ascii(const unsigned char *s, size_t i, size_t n)
{
#ifdef CSV_SSE2
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m = (unsigned)_mm_movemask_epi8(v);
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
#else
    while (n - i >= 16) {
        uint64_t a, b;
        memcpy(&a, s + i, 8);
        memcpy(&b, s + i + 8, 8);
        if ((a | b) & UINT64_C(0x8080808080808080))
            break;
        i += 16;
    }
#endif
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

static unsigned popcount16(unsigned m)
{
    m = m - ((m >> 1) & 0x5555u);
    m = (m & 0x3333u) + ((m >> 2) & 0x3333u);
    m = (m + (m >> 4)) & 0x0F0Fu;
    return (m + (m >> 8)) & 0x1Fu;
}

/* Code points in [p, end): the bytes that are not UTF-8 continuation
 * bytes (10xxxxxx, which as signed chars are below -64). */
static unsigned count_code_points(const char *p, const char *end)
{
    unsigned n = 0;
#ifdef CSV_SSE2
    const __m128i lim = _mm_set1_epi8(-65);
    for (; end - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        n += popcount16((unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(v, lim)));
    }
#endif
    for (; p < end; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

/* The first byte in [p, end) that ends a run of an unquoted field:
 * ',', '"', CR, LF or NUL. */
static inline const char *unquoted_run(const char *p, const char *end)
{
#ifdef CSV_SSE2
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    for (; end - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
            _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)),
                _mm_cmpeq_epi8(v, zero)));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m != 0)
            return p + __builtin_ctz(m);
    }
#endif
    while (p < end && !unquoted_stop[(unsigned char)*p])
        p++;
    return p;
}

/* col_at() past a non-ASCII byte: counts code points. */
static unsigned col_slow(csv_reader *r, const char *p)
{
    r->col += count_code_points(r->mark, p);
    r->nonascii =
        p + skip_ascii((const unsigned char *)p, 0, (size_t)(r->wend - p));
    r->mark = p;
    return r->col + 1;
}

/* The 1-based column of p, which lies at or after r->mark on the
 * current line.  Moving the mark forward keeps the work linear. */
static inline unsigned col_at(csv_reader *r, const char *p)
{
    if (p > r->nonascii)
        return col_slow(r, p);
    r->col += (unsigned)(p - r->mark);
    r->mark = p;
    return r->col + 1;
}

static void new_line(csv_reader *r, const char *lf)
{
    r->line++;
    r->col = 0;
    r->mark = lf + 1;
}

/* ---- errors ---- */

static int nul_error(csv_reader *r, const char *p)
{
    return lab_seterr(LAB_EPARSE,
                      "%s:%u:%u: NUL byte, expected text (is this a UTF-16 "
                      "or binary file?)",
                      r->name, r->line, col_at(r, p));
}

static int junk_error(csv_reader *r, const char *p)
{
    unsigned char c = (unsigned char)*p;
    unsigned col = col_at(r, p);
    if (c >= 0x20 && c < 0x7F)
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: '%c' after a closing quote, expected ',' "
                          "or the end of the line",
                          r->name, r->line, col, c);
    return lab_seterr(LAB_EPARSE,
                      "%s:%u:%u: byte 0x%02X after a closing quote, expected "
                      "',' or the end of the line",
                      r->name, r->line, col, c);
}

static int io_error(const char *path, const char *what, int err)
{
    char text[128];
    if (strerror_r(err, text, sizeof text) != 0)
        text[0] = '\0';
    return lab_seterr(LAB_EIO, "%s: %s: %s", path, what, text);
}

/* ---- building a record ---- */

/* Makes room for n more bytes and a NUL. */
static int rec_reserve(csv_reader *r, size_t n)
{
    size_t need = r->rec_len + n + 1;
    if (need <= r->rec_cap)
        return LAB_OK;
    size_t cap = r->rec_cap ? r->rec_cap : 256;
    while (cap < need)
        cap *= 2;
    if (cap > CSV_REC_CAP_MAX)
        cap = CSV_REC_CAP_MAX;
    char *p = lab_realloc(r->rec, cap);
    if (p == NULL)
        return lab_seterr(LAB_ENOMEM, "%s:%u: out of memory reading a record",
                          r->name, r->rec_line);
    r->rec = p;
    r->rec_cap = cap;
    return LAB_OK;
}

static int field_begin(csv_reader *r, const char *p)
{
    if (r->nfields == LAB_CSV_MAX_FIELDS)
        return lab_seterr(LAB_ELIMIT,
                          "%s:%u:%u: more than %d fields in one record, "
                          "expected at most %d",
                          r->name, r->line, col_at(r, p), LAB_CSV_MAX_FIELDS,
                          LAB_CSV_MAX_FIELDS);
    if (lab_grow((void **)&r->fields, &r->fields_cap, r->nfields + 1,
                 sizeof *r->fields) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "%s:%u: out of memory reading a record",
                          r->name, r->line);
    if (r->nfields == 0)
        r->rec_line = r->line;
    lab_csv_field *f = &r->fields[r->nfields];
    f->text = NULL;
    f->len = 0;
    f->line = r->line;
    f->col = col_at(r, p);
    r->field_off = r->rec_len;
    return rec_reserve(r, 0);
}

/* Appends p[0..n) to the field being read, within the limits. */
static int field_add(csv_reader *r, const char *p, size_t n)
{
    if (n == 0)
        return LAB_OK;
    const lab_csv_field *f = &r->fields[r->nfields];
    if (r->rec_len - r->field_off + n > LAB_CSV_MAX_FIELD)
        return lab_seterr(LAB_ELIMIT,
                          "%s:%u:%u: field longer than %d bytes, expected at "
                          "most %d",
                          r->name, f->line, f->col, LAB_CSV_MAX_FIELD,
                          LAB_CSV_MAX_FIELD);
    /* rec holds one NUL per finished field besides the content */
    if (r->rec_len - r->nfields + n > LAB_CSV_MAX_RECORD)
        return lab_seterr(LAB_ELIMIT,
                          "%s:%u:1: record longer than %d bytes, expected at "
                          "most %d",
                          r->name, r->rec_line, LAB_CSV_MAX_RECORD,
                          LAB_CSV_MAX_RECORD);
    int rc = rec_reserve(r, n);
    if (rc != LAB_OK)
        return rc;
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return LAB_OK;
}

/* Room for the NUL was made by field_begin() or field_add(). */
static void field_end(csv_reader *r)
{
    r->fields[r->nfields].len = r->rec_len - r->field_off;
    r->rec[r->rec_len++] = '\0';
    r->nfields++;
}

static int record_end(csv_reader *r)
{
    size_t off = 0;
    for (size_t i = 0; i < r->nfields; i++) {
        r->fields[i].text = r->rec + off;
        off += r->fields[i].len + 1;
    }
    int rc = r->fn(r->ud, r->fields, r->nfields, r->rec_line);
    r->nfields = 0;
    r->rec_len = 0;
    return rc;
}

/* Ends the field and the record at a line end (LF or CR at *p). */
static int line_end(csv_reader *r, const char *p)
{
    field_end(r);
    int rc = record_end(r);
    if (*p == '\n') {
        new_line(r, p);
        r->state = ST_FIELD_START;
    } else {
        r->cr_line = r->line;
        r->cr_col = col_at(r, p);
        r->state = ST_CR;
    }
    return rc;
}

/* ---- the state machine; each step consumes from *pp ---- */

static int step_field_start(csv_reader *r, const char **pp)
{
    const char *p = *pp;
    if (r->nfields == 0 && (*p == '\n' || *p == '\r')) {
        /* a blank line: no record */
        if (*p == '\n') {
            new_line(r, p);
        } else {
            r->cr_line = r->line;
            r->cr_col = col_at(r, p);
            r->state = ST_CR;
        }
        *pp = p + 1;
        return LAB_OK;
    }
    int rc = field_begin(r, p);
    if (rc != LAB_OK)
        return rc;
    if (*p == '"') {
        r->state = ST_QUOTED;
        *pp = p + 1;
    } else {
        r->state = ST_UNQUOTED;
    }
    return LAB_OK;
}

static int step_unquoted(csv_reader *r, const char **pp, const char *end)
{
    const char *p = *pp, *q = unquoted_run(p, end);
    int rc = field_add(r, p, (size_t)(q - p));
    *pp = q;
    if (rc != LAB_OK || q == end)
        return rc;
    *pp = q + 1;
    switch (*q) {
    case ',':
        field_end(r);
        r->state = ST_FIELD_START;
        return LAB_OK;
    case '\n':
    case '\r':
        return line_end(r, q);
    case '"':
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: '\"' inside an unquoted field, expected "
                          "the whole field in quotes with '\"' doubled",
                          r->name, r->line, col_at(r, q));
    default:
        return nul_error(r, q);
    }
}

static int step_quoted(csv_reader *r, const char **pp, const char *end)
{
    const char *p = *pp, *q = p;
    for (;;) {
        while (q < end && !quoted_stop[(unsigned char)*q])
            q++;
        if (q == end || *q != '\n')
            break;
        new_line(r, q); /* kept in the field */
        q++;
    }
    int rc = field_add(r, p, (size_t)(q - p));
    *pp = q;
    if (rc != LAB_OK || q == end)
        return rc;
    if (*q == '\0')
        return nul_error(r, q);
    r->state = ST_QUOTE;
    *pp = q + 1;
    return LAB_OK;
}

static int step_quote(csv_reader *r, const char **pp)
{
    const char *p = *pp;
    switch (*p) {
    case '"':
        r->state = ST_QUOTED;
        *pp = p + 1;
        return field_add(r, p, 1);
    case ',':
        field_end(r);
        r->state = ST_FIELD_START;
        *pp = p + 1;
        return LAB_OK;
    case '\n':
    case '\r':
        *pp = p + 1;
        return line_end(r, p);
    case '\0':
        return nul_error(r, p);
    default:
        return junk_error(r, p);
    }
}

static int step_cr(csv_reader *r, const char **pp)
{
    const char *p = *pp;
    if (*p != '\n')
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: CR not followed by LF, expected a CRLF "
                          "or LF line end",
                          r->name, r->cr_line, r->cr_col);
    new_line(r, p);
    r->state = ST_FIELD_START;
    *pp = p + 1;
    return LAB_OK;
}

/* ---- the fast path ---- */

/* Copies the rest of a quoted field on this line (from after its opening
 * quote, undoubling quotes) to *dst; returns the byte after the closing
 * quote, or NULL if it does not close before `le`. */
static const char *copy_quoted(const char *s, const char *le, char **dst)
{
    for (;;) {
        const char *c = memchr(s, '"', (size_t)(le - s));
        if (c == NULL)
            return NULL;
        memcpy(*dst, s, (size_t)(c - s));
        *dst += c - s;
        if (c + 1 == le || c[1] != '"')
            return c + 1;
        *(*dst)++ = '"';
        s = c + 2;
    }
}

/* Copies one field of the line [s, le) to *dst; returns where the next
 * field starts, `le` + 1 after the last one, or NULL if the field needs
 * the state machine. */
static const char *copy_field(const char *s, const char *le, char **dst)
{
    const char *q = s;
    if (q < le && *q == '"') {
        q = copy_quoted(q + 1, le, dst);
        if (q == NULL || (q < le && *q != ','))
            return NULL;
        return q + 1;
    }
    q = unquoted_run(q, le);
    if (q < le && *q != ',')
        return NULL;
    memcpy(*dst, s, (size_t)(q - s));
    *dst += q - s;
    return q + 1;
}

/*
 * The common case: a whole record on one line of the window, with no
 * multi-line field, nothing to report and within the limits, read
 * without the state machine (at most one line's worth of extra work when
 * it gives up).  On success *pp moves past the line end; otherwise it
 * stays and nothing has changed.
 */
static int fast_record(csv_reader *r, const char **pp, const char *end)
{
    const char *p = *pp;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL || nl == p)
        return LAB_OK;
    const char *le = nl[-1] == '\r' ? nl - 1 : nl;
    size_t n = (size_t)(le - p);
    if (n == 0 || n > LAB_CSV_MAX_FIELD || memchr(p, '\0', n) != NULL ||
        rec_reserve(r, n) != LAB_OK)
        return LAB_OK;
    unsigned col0 = r->col;
    const char *mark0 = r->mark, *nonascii0 = r->nonascii;
    char *dst = r->rec;
    size_t nf = 0;
    for (const char *s = p; s <= le; nf++) {
        if (nf == LAB_CSV_MAX_FIELDS ||
            (nf == r->fields_cap &&
             lab_grow((void **)&r->fields, &r->fields_cap, nf + 1,
                      sizeof *r->fields) != LAB_OK))
            goto give_up;
        lab_csv_field *f = &r->fields[nf];
        char *start = dst;
        f->line = r->line;
        f->col = col_at(r, s);
        s = copy_field(s, le, &dst);
        if (s == NULL)
            goto give_up;
        f->len = (size_t)(dst - start);
        *dst++ = '\0';
    }
    r->rec_line = r->line;
    r->nfields = nf;
    r->rec_len = (size_t)(dst - r->rec);
    int rc = record_end(r);
    new_line(r, nl);
    *pp = nl + 1;
    return rc;
give_up:
    r->col = col0;
    r->mark = mark0;
    r->nonascii = nonascii0;
    return LAB_OK;
}

static int parse(csv_reader *r, const char *p, const char *end)
{
    int rc = LAB_OK;
    while (p < end && rc == LAB_OK) {
        switch (r->state) {
        case ST_FIELD_START:
            if (r->nfields == 0) {
                const char *before = p;
                rc = fast_record(r, &p, end);
                if (p != before || rc != LAB_OK)
                    break;
            }
            rc = step_field_start(r, &p);
            break;
        case ST_UNQUOTED:
            rc = step_unquoted(r, &p, end);
            break;
        case ST_QUOTED:
            rc = step_quoted(r, &p, end);
            break;
        case ST_QUOTE:
            rc = step_quote(r, &p);
            break;
        case ST_CR:
            rc = step_cr(r, &p);
            break;
        }
    }
    return rc;
}

/* At the end of the input: the last line may lack its line end. */
static int finish(csv_reader *r)
{
    int rc;
    switch (r->state) {
    case ST_FIELD_START:
        if (r->nfields == 0)
            return LAB_OK;
        /* "a,b," ends with an empty field */
        rc = field_begin(r, r->mark);
        if (rc != LAB_OK)
            return rc;
        field_end(r);
        return record_end(r);
    case ST_UNQUOTED:
    case ST_QUOTE:
        field_end(r);
        return record_end(r);
    case ST_QUOTED:
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: unterminated quoted field, expected a "
                          "closing '\"' before the end of the file",
                          r->name, r->fields[r->nfields].line,
                          r->fields[r->nfields].col);
    case ST_CR:
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: CR not followed by LF, expected a CRLF "
                          "or LF line end",
                          r->name, r->cr_line, r->cr_col);
    }
    return LAB_OK;
}

/* ---- UTF-8 per window ---- */

/* Length of an unfinished UTF-8 sequence at the end of s[0..n) (a lead
 * byte followed by fewer continuation bytes than it announces), or 0. */
static size_t utf8_tail(const unsigned char *s, size_t n)
{
    for (size_t k = 1; k <= CSV_CARRY_MAX && k <= n; k++) {
        unsigned char c = s[n - k];
        if (c >= 0xC0) {
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            return need > k ? k : 0;
        }
        if (c < 0x80)
            return 0;
    }
    return 0;
}

/*
 * Returns the length of the valid UTF-8 prefix of data[0..n).  Unless
 * this is the last window, an unfinished sequence at the very end is not
 * an error: *carry receives its length (the prefix stops before it).
 */
static size_t utf8_prefix(const char *data, size_t n, int last, size_t *carry)
{
    const unsigned char *s = (const unsigned char *)data;
    size_t i = 0;
    *carry = 0;
    for (;;) {
        i = skip_ascii(s, i, n);
        if (i == n)
            return n;
        size_t j = i + 1;
        while (j < n && s[j] >= 0x80)
            j++;
        size_t tail = (j == n && !last) ? utf8_tail(s + i, j - i) : 0;
        size_t run = j - i - tail;
        size_t ok = lab_utf8_check(data + i, run);
        if (ok < run)
            return i + ok;
        if (tail > 0) {
            *carry = tail;
            return n - tail;
        }
        i = j;
    }
}

/* Parses one window; *used receives how many bytes were consumed (all
 * but an unfinished UTF-8 sequence at the end). */
static int feed(csv_reader *r, const char *data, size_t n, int last,
                size_t *used)
{
    size_t carry;
    size_t ok = utf8_prefix(data, n, last, &carry);
    r->mark = data;
    r->wend = data + ok;
    r->nonascii = data + skip_ascii((const unsigned char *)data, 0, ok);
    int rc = parse(r, data, data + ok);
    if (rc != LAB_OK)
        return rc;
    if (ok + carry < n)
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: invalid UTF-8 (byte 0x%02X), expected "
                          "UTF-8 text",
                          r->name, r->line, col_at(r, data + ok),
                          (unsigned char)data[ok]);
    col_at(r, data + ok);
    *used = ok;
    return LAB_OK;
}

/* ---- readers ---- */

static void reader_init(csv_reader *r, const char *name, lab_csv_row_fn fn,
                        void *ud)
{
    memset(r, 0, sizeof *r);
    r->name = name != NULL ? name : "(buffer)";
    r->fn = fn;
    r->ud = ud;
    r->state = ST_FIELD_START;
    r->line = 1;
    r->rec_line = 1;
}

static void reader_free(csv_reader *r)
{
    free(r->rec);
    free(r->fields);
}

static size_t bom_len(const char *p, size_t n)
{
    return n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

int lab_csv_read_buffer_chunked(const char *data, size_t len, const char *name,
                                size_t chunk, lab_csv_row_fn fn, void *ud)
{
    if ((data == NULL && len > 0) || fn == NULL || chunk == 0)
        return lab_seterr(LAB_EINVAL, "lab_csv_read_buffer: no input");
    csv_reader r;
    reader_init(&r, name, fn, ud);
    size_t start = bom_len(data, len);
    size_t end = start; /* end of the bytes seen so far */
    int rc = LAB_OK;
    while (rc == LAB_OK && end < len) {
        /* each window brings `chunk` new bytes after any carried ones */
        end = len - end > chunk ? end + chunk : len;
        size_t used = 0;
        rc = feed(&r, data + start, end - start, end == len, &used);
        start += used;
    }
    if (rc == LAB_OK)
        rc = finish(&r);
    reader_free(&r);
    return rc;
}

int lab_csv_read_buffer(const char *data, size_t len, const char *name,
                        lab_csv_row_fn fn, void *ud)
{
    return lab_csv_read_buffer_chunked(data, len, name, CSV_CHUNK, fn, ud);
}

/* Reads until buf is full or the file ends. */
static int read_full(int fd, const char *path, char *buf, size_t cap,
                     size_t *got)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return io_error(path, "cannot read", errno);
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *got = n;
    return LAB_OK;
}

static int read_fd(csv_reader *r, int fd, char *buf)
{
    size_t carry = 0;
    int first = 1;
    for (;;) {
        size_t got = 0;
        int rc = read_full(fd, r->name, buf + carry, CSV_CHUNK, &got);
        if (rc != LAB_OK)
            return rc;
        int last = got < CSV_CHUNK;
        lab_meter_add(r->meter, got);
        const char *w = buf;
        size_t wn = carry + got;
        if (first) {
            size_t bom = bom_len(w, wn);
            w += bom;
            wn -= bom;
            first = 0;
        }
        size_t used = 0;
        rc = feed(r, w, wn, last, &used);
        if (rc != LAB_OK)
            return rc;
        if (last)
            return finish(r);
        carry = wn - used;
        memmove(buf, w + used, carry);
    }
}

int lab_csv_read_file(const char *path, lab_csv_row_fn fn, void *ud)
{
    return lab_csv_read_file_metered(path, NULL, fn, ud);
}

int lab_csv_read_file_metered(const char *path, lab_meter *meter,
                              lab_csv_row_fn fn, void *ud)
{
    if (path == NULL || fn == NULL)
        return lab_seterr(LAB_EINVAL, "lab_csv_read_file: no path");
    csv_reader r;
    reader_init(&r, path, fn, ud);
    r.meter = meter;
    int rc;
    char *buf = NULL;
    int fd = -1;
    rc = lab_open_regular(&fd, path, 0);
    if (rc != LAB_OK)
        goto out;
    buf = lab_malloc(CSV_CHUNK + CSV_CARRY_MAX);
    if (buf == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    rc = read_fd(&r, fd, buf);
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    reader_free(&r);
    return rc;
}
