/*
 * credential_status.c - what certificates need beside the credential
 * itself: RFC 3339 times, a small GZIP codec (RFC 1951/1952) so that the
 * library needs no zlib, the W3C Bitstring Status List (a GZIP-compressed
 * bitstring, base64url with the multibase 'u' prefix, at least 16 KiB of
 * bits, bit 0 the most significant of the first byte), the status list
 * credential the issuer keeps in a file and re-signs when it revokes a
 * certificate, and atomic file replacement.  The compressor only emits
 * literals and distance-1 runs with fixed codes, which turns a mostly
 * zero bitstring into a few dozen bytes; the decompressor reads any
 * deflate stream (the approach of zlib's puff.c), bounded in output.
 */
#include "credential.h"
#include "ident.h"

#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- RFC 3339 times ---- */

static int two(const char *s, int *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return 0;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return 1;
}

int lab_time_parse(int64_t *out, const char *s)
{
    int32_t days;
    int hh, mm, ss, oh = 0, om = 0, sign = 0;
    size_t n = s ? strlen(s) : 0;

    if (n < 20 || !lab_date_parse(s, 10, &days) ||
        (s[10] != 'T' && s[10] != 't') || !two(s + 11, &hh) || s[13] != ':' ||
        !two(s + 14, &mm) || s[16] != ':' || !two(s + 17, &ss) || hh > 23 ||
        mm > 59 || ss > 60)
        goto bad;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            goto bad;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        sign = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && two(p + 1, &oh) &&
               p[3] == ':' && two(p + 4, &om) && oh <= 23 && om <= 59) {
        sign = *p == '+' ? 1 : -1;
    } else {
        goto bad;
    }
    if (ss == 60)
        ss = 59; /* a leap second counts as the second before it */
    *out = (int64_t)days * 86400 + hh * 3600 + mm * 60 + ss -
           sign * (oh * 3600 + om * 60);
    return LAB_OK;
bad:
    return lab_seterr(LAB_EPARSE,
                      "'%.40s' is not an RFC 3339 date-time such as "
                      "2026-11-28T12:00:00Z",
                      s ? s : "");
}

void lab_time_format(char buf[21], int64_t t)
{
    int64_t days = t / 86400, sec = t % 86400;
    if (sec < 0) {
        sec += 86400;
        days--;
    }
    char date[11];
    lab_date_format(date, (int32_t)days);
    snprintf(buf, 21, "%sT%02d:%02d:%02dZ", date, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

int64_t lab_time_now(void)
{
    return (int64_t)time(NULL);
}

/* ---- CRC-32 (the GZIP trailer) ---- */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

/* ---- deflate tables ---- */

static const uint16_t len_base[29] = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                      1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                      4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
    1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
    33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                       4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                       9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* ---- compressor ---- */

typedef struct bitwriter {
    lab_buf b;
    uint32_t acc;
    int n;
} bitwriter;

/* Appends `count` bits of v, least significant first. */
static void put_bits(bitwriter *w, uint32_t v, int count)
{
    w->acc |= v << w->n;
    w->n += count;
    while (w->n >= 8) {
        lab_buf_addc(&w->b, (char)(w->acc & 0xff));
        w->acc >>= 8;
        w->n -= 8;
    }
}

/* Appends a Huffman code: its bits go most significant first. */
static void put_code(bitwriter *w, uint32_t code, int len)
{
    uint32_t rev = 0;
    for (int i = 0; i < len; i++)
        rev |= ((code >> i) & 1u) << (len - 1 - i);
    put_bits(w, rev, len);
}

/* A literal/length symbol with the fixed code of RFC 1951 3.2.6. */
static void put_fixed(bitwriter *w, unsigned sym)
{
    if (sym < 144)
        put_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        put_code(w, 0x190 + (sym - 144), 9);
    else if (sym < 280)
        put_code(w, sym - 256, 7);
    else
        put_code(w, 0xc0 + (sym - 280), 8);
}

static void put_run(bitwriter *w, unsigned len)
{
    int i = 28;
    if (len != 258)
        for (i = 27; len_base[i] > len; i--)
            ;
    put_fixed(w, 257 + (unsigned)i);
    put_bits(w, len - len_base[i], len_extra[i]);
    put_code(w, 0, 5); /* distance 1 */
}

int lab_gzip(unsigned char **out, size_t *outlen, const unsigned char *p,
             size_t n)
{
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0,
                                          0,    0,    0, 0, 0xff};
    bitwriter w = {LAB_BUF_INIT, 0, 0};

    lab_buf_add(&w.b, hdr, sizeof hdr);
    put_bits(&w, 1, 1); /* BFINAL */
    put_bits(&w, 1, 2); /* BTYPE 01: fixed codes */
    size_t i = 0;
    while (i < n) {
        size_t run = 0;
        while (i > 0 && i + run < n && run < 258 && p[i + run] == p[i - 1])
            run++;
        if (run >= 3) {
            put_run(&w, (unsigned)run);
            i += run;
        } else {
            put_fixed(&w, p[i]);
            i++;
        }
    }
    put_fixed(&w, 256);
    if (w.n > 0)
        put_bits(&w, 0, 8 - w.n);
    uint32_t crc = crc32_of(p, n), isize = (uint32_t)n;
    unsigned char tr[8];
    for (int k = 0; k < 4; k++) {
        tr[k] = (unsigned char)(crc >> (8 * k));
        tr[4 + k] = (unsigned char)(isize >> (8 * k));
    }
    lab_buf_add(&w.b, tr, sizeof tr);
    size_t len = w.b.len;
    char *data = NULL;
    if (lab_buf_detach(&w.b, &data) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    *out = (unsigned char *)data;
    *outlen = len;
    return LAB_OK;
}

/* ---- decompressor ---- */

typedef struct inflater {
    const unsigned char *in;
    size_t inlen, pos;
    uint32_t bitbuf;
    int bitcnt;
    unsigned char *out;
    size_t outlen, outcap, limit;
    int err; /* 0, or LAB_EPARSE / LAB_ELIMIT / LAB_ENOMEM */
} inflater;

typedef struct huffman {
    short count[16];
    short symbol[288];
} huffman;

static unsigned get_bits(inflater *s, int need)
{
    uint32_t val = s->bitbuf;
    while (s->bitcnt < need) {
        if (s->pos >= s->inlen) {
            s->err = LAB_EPARSE;
            return 0;
        }
        val |= (uint32_t)s->in[s->pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    s->bitbuf = (uint32_t)((uint64_t)val >> need);
    s->bitcnt -= need;
    return (unsigned)(val & ((1u << need) - 1u));
}

static void emit(inflater *s, unsigned char c)
{
    if (s->outlen == s->outcap) {
        if (s->outlen >= s->limit) {
            s->err = LAB_ELIMIT;
            return;
        }
        size_t cap = s->outcap ? s->outcap * 2 : 4096;
        if (cap > s->limit)
            cap = s->limit;
        unsigned char *p = lab_realloc(s->out, cap);
        if (p == NULL) {
            s->err = LAB_ENOMEM;
            return;
        }
        s->out = p;
        s->outcap = cap;
    }
    s->out[s->outlen++] = c;
}

static int decode_sym(inflater *s, const huffman *h)
{
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; len++) {
        code |= (int)get_bits(s, 1);
        if (s->err)
            return -1;
        int count = h->count[len];
        if (code - count < first)
            return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    s->err = LAB_EPARSE;
    return -1;
}

/* Builds decoding tables from code lengths; <0 if over-subscribed. */
static int construct(huffman *h, const short *length, int n)
{
    short offs[16];
    memset(h->count, 0, sizeof h->count);
    for (int sym = 0; sym < n; sym++)
        h->count[length[sym]]++;
    if (h->count[0] == n)
        return 0;
    int left = 1;
    for (int len = 1; len < 16; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0)
            return -1;
    }
    offs[1] = 0;
    for (int len = 1; len < 15; len++)
        offs[len + 1] = (short)(offs[len] + h->count[len]);
    for (int sym = 0; sym < n; sym++)
        if (length[sym] != 0)
            h->symbol[offs[length[sym]]++] = (short)sym;
    return left;
}

static void inflate_codes(inflater *s, const huffman *lencode,
                          const huffman *distcode)
{
    for (;;) {
        int sym = decode_sym(s, lencode);
        if (s->err)
            return;
        if (sym < 256) {
            emit(s, (unsigned char)sym);
        } else if (sym == 256) {
            return;
        } else {
            sym -= 257;
            if (sym >= 29) {
                s->err = LAB_EPARSE;
                return;
            }
            size_t len = len_base[sym] + get_bits(s, len_extra[sym]);
            int ds = decode_sym(s, distcode);
            if (s->err)
                return;
            if (ds >= 30) {
                s->err = LAB_EPARSE;
                return;
            }
            size_t dist = dist_base[ds] + get_bits(s, dist_extra[ds]);
            if (s->err)
                return;
            if (dist > s->outlen) {
                s->err = LAB_EPARSE;
                return;
            }
            while (len-- > 0 && !s->err)
                emit(s, s->out[s->outlen - dist]);
        }
        if (s->err)
            return;
    }
}

static void inflate_stored(inflater *s)
{
    s->bitbuf = 0;
    s->bitcnt = 0;
    if (s->pos + 4 > s->inlen) {
        s->err = LAB_EPARSE;
        return;
    }
    unsigned len = s->in[s->pos] | (unsigned)s->in[s->pos + 1] << 8;
    unsigned nlen = s->in[s->pos + 2] | (unsigned)s->in[s->pos + 3] << 8;
    s->pos += 4;
    if (len != (~nlen & 0xffffu) || s->pos + len > s->inlen) {
        s->err = LAB_EPARSE;
        return;
    }
    for (unsigned i = 0; i < len && !s->err; i++)
        emit(s, s->in[s->pos + i]);
    s->pos += len;
}

static void inflate_fixed(inflater *s)
{
    /* Built on every call (a few hundred steps), so no shared state. */
    short lengths[288];
    huffman lencode, distcode;
    for (int i = 0; i < 288; i++)
        lengths[i] = (short)(i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
    construct(&lencode, lengths, 288);
    for (int i = 0; i < 30; i++)
        lengths[i] = 5;
    construct(&distcode, lengths, 30);
    inflate_codes(s, &lencode, &distcode);
}

static void inflate_dynamic(inflater *s)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    short lengths[320];
    huffman lencode, distcode;
    int nlen = (int)get_bits(s, 5) + 257;
    int ndist = (int)get_bits(s, 5) + 1;
    int ncode = (int)get_bits(s, 4) + 4;
    if (s->err || nlen > 286 || ndist > 30) {
        s->err = LAB_EPARSE;
        return;
    }
    memset(lengths, 0, sizeof lengths);
    for (int i = 0; i < ncode; i++)
        lengths[order[i]] = (short)get_bits(s, 3);
    if (s->err || construct(&lencode, lengths, 19) != 0) {
        s->err = LAB_EPARSE;
        return;
    }
    int index = 0;
    while (index < nlen + ndist) {
        int sym = decode_sym(s, &lencode);
        if (s->err)
            return;
        if (sym < 16) {
            lengths[index++] = (short)sym;
            continue;
        }
        short len = 0;
        int rep;
        if (sym == 16) {
            if (index == 0) {
                s->err = LAB_EPARSE;
                return;
            }
            len = lengths[index - 1];
            rep = 3 + (int)get_bits(s, 2);
        } else if (sym == 17) {
            rep = 3 + (int)get_bits(s, 3);
        } else {
            rep = 11 + (int)get_bits(s, 7);
        }
        if (s->err || index + rep > nlen + ndist) {
            s->err = LAB_EPARSE;
            return;
        }
        while (rep-- > 0)
            lengths[index++] = len;
    }
    if (lengths[256] == 0 || construct(&lencode, lengths, nlen) < 0 ||
        construct(&distcode, lengths + nlen, ndist) < 0) {
        s->err = LAB_EPARSE;
        return;
    }
    inflate_codes(s, &lencode, &distcode);
}

/* Skips the GZIP member header; LAB_OK or LAB_EPARSE. */
static int gzip_header(inflater *s)
{
    const unsigned char *p = s->in;
    size_t n = s->inlen, i = 10;
    if (n < 18 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8 ||
        (p[3] & 0xe0) != 0)
        return LAB_EPARSE;
    unsigned flg = p[3];
    if (flg & 4) {
        if (i + 2 > n)
            return LAB_EPARSE;
        i += 2 + (p[i] | (size_t)p[i + 1] << 8);
    }
    for (unsigned bit = 8; bit <= 16; bit <<= 1) {
        if (!(flg & bit))
            continue;
        while (i < n && p[i] != 0)
            i++;
        i++;
    }
    if (flg & 2)
        i += 2;
    if (i + 8 > n)
        return LAB_EPARSE;
    s->pos = i;
    return LAB_OK;
}

int lab_gunzip(unsigned char **out, size_t *outlen, const unsigned char *p,
               size_t n, size_t limit)
{
    inflater s;
    memset(&s, 0, sizeof s);
    s.in = p;
    s.inlen = n;
    s.limit = limit;
    if (gzip_header(&s) != LAB_OK)
        return lab_seterr(LAB_EPARSE, "GZIP: not a GZIP member header");
    int last;
    do {
        last = (int)get_bits(&s, 1);
        unsigned type = get_bits(&s, 2);
        if (s.err)
            break;
        if (type == 0)
            inflate_stored(&s);
        else if (type == 1)
            inflate_fixed(&s);
        else if (type == 2)
            inflate_dynamic(&s);
        else
            s.err = LAB_EPARSE;
    } while (!last && !s.err);
    if (!s.err && s.pos + 8 > s.inlen)
        s.err = LAB_EPARSE;
    if (!s.err) {
        const unsigned char *t = p + s.pos;
        uint32_t crc = t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                       (uint32_t)t[3] << 24;
        uint32_t isize = t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 |
                         (uint32_t)t[7] << 24;
        if (crc != crc32_of(s.out, s.outlen) || isize != (uint32_t)s.outlen)
            s.err = LAB_EPARSE;
    }
    if (s.err) {
        free(s.out);
        if (s.err == LAB_ENOMEM)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        if (s.err == LAB_ELIMIT)
            return lab_seterr(
                LAB_ELIMIT, "GZIP: decompresses to more than %zu bytes", limit);
        return lab_seterr(LAB_EPARSE, "GZIP: corrupt or truncated data");
    }
    if (s.out == NULL && (s.out = lab_malloc(1)) == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    *out = s.out;
    *outlen = s.outlen;
    return LAB_OK;
}

/* ---- Bitstring Status List ---- */

int lab_status_encode(char **out, const unsigned char *bits, size_t nbytes)
{
    unsigned char *gz = NULL;
    size_t gzlen = 0;
    char *b64 = NULL;
    int rc = lab_gzip(&gz, &gzlen, bits, nbytes);
    if (rc == LAB_OK)
        rc = lab_b64url_encode(&b64, gz, gzlen);
    free(gz);
    if (rc != LAB_OK)
        return rc;
    size_t len = strlen(b64);
    char *s = lab_malloc(len + 2);
    if (s == NULL) {
        free(b64);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    s[0] = 'u';
    memcpy(s + 1, b64, len + 1);
    free(b64);
    *out = s;
    return LAB_OK;
}

int lab_status_decode(unsigned char **bits, size_t *nbytes, const char *enc)
{
    unsigned char *gz = NULL, *raw = NULL;
    size_t gzlen = 0, rawlen = 0;

    if (enc == NULL || enc[0] != 'u')
        return lab_seterr(LAB_EPARSE, "status list: encodedList must be "
                                      "multibase base64url ('u' prefix)");
    int rc = lab_b64url_decode(&gz, &gzlen, enc + 1, strlen(enc + 1));
    if (rc != LAB_OK)
        return lab_preerr(rc, "status list encodedList");
    rc = lab_gunzip(&raw, &rawlen, gz, gzlen, LAB_STATUS_MAX_BYTES);
    free(gz);
    if (rc != LAB_OK)
        return lab_preerr(rc, "status list encodedList");
    if (rawlen < LAB_STATUS_MIN_BITS / 8) {
        free(raw);
        return lab_seterr(LAB_EPARSE,
                          "status list: %zu bits, fewer than the %d the "
                          "Bitstring Status List requires",
                          rawlen * 8, LAB_STATUS_MIN_BITS);
    }
    *bits = raw;
    *nbytes = rawlen;
    return LAB_OK;
}

int lab_status_get(const unsigned char *bits, size_t nbytes, size_t index)
{
    if (index / 8 >= nbytes)
        return -1;
    return (bits[index / 8] >> (7 - index % 8)) & 1;
}

/* ---- files ---- */

int lab_cred_write_file(const char *path, const void *data, size_t n,
                        int replace)
{
    return lab_write_file(path, data, n, 0, replace ? 0 : LAB_FILE_NEW);
}

/* ---- the status list credential ---- */

int lab_status_options_init(lab_status_options *opts, unsigned version)
{
    if (opts == NULL || version < 1 || version > LAB_STATUS_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_status_options version %u is not supported "
                          "(this library knows versions 1 to %d)",
                          version, LAB_STATUS_OPTIONS_VERSION);
    lab_status_options d = LAB_STATUS_OPTIONS_INIT;
    d.version = version;
    /* a version 1 struct ends before purpose */
    memcpy(opts, &d,
           version == 1 ? offsetof(lab_status_options, purpose) : sizeof d);
    return LAB_OK;
}

/* The purpose a (version 2) options struct asks for; NULL if unknown. */
static const char *opts_purpose(const lab_status_options *o)
{
    const char *p = o->version >= 2 && o->purpose ? o->purpose : "revocation";
    return strcmp(p, "revocation") == 0 || strcmp(p, "suspension") == 0 ? p
                                                                        : NULL;
}

/* Sets the list's validFrom to now and its validUntil valid_days later;
 * without valid_days a list that had a validity window keeps its length
 * (a re-signed list is as long-lived as the one it replaces). */
static int stamp_list(json_t *cred, const lab_status_options *o)
{
    char now[21], until[21];
    int64_t t = lab_time_now(), from = 0, to = 0;
    int64_t window = (int64_t)(o->version >= 2 ? o->valid_days : 0) * 86400;
    if (window == 0 &&
        lab_time_parse(&from, json_string_value(json_object_get(
                                  cred, "validFrom"))) == LAB_OK &&
        lab_time_parse(&to, json_string_value(json_object_get(
                                cred, "validUntil"))) == LAB_OK &&
        to > from)
        window = to - from;
    lab_clearerr();
    lab_time_format(now, t);
    if (json_object_set_new(cred, "validFrom", json_string(now)) != 0)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (window == 0)
        return json_object_del(cred, "validUntil"), LAB_OK;
    lab_time_format(until, t + window);
    if (json_object_set_new(cred, "validUntil", json_string(until)) != 0)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    return LAB_OK;
}

/* Signs the list credential and writes it to path. */
static int write_list(const char *path, json_t *cred, EVP_PKEY *key,
                      int replace)
{
    char *token = NULL;
    int rc = lab_cred_seal(&token, cred, key);
    if (rc != LAB_OK)
        return rc;
    size_t n = strlen(token);
    lab_buf b = LAB_BUF_INIT;
    lab_buf_add(&b, token, n);
    lab_buf_addc(&b, '\n');
    free(token);
    if (b.oom) {
        lab_buf_free(&b);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    rc = lab_cred_write_file(path, b.data, b.len, replace);
    lab_buf_free(&b);
    return rc;
}

static int check_status_opts(const lab_status_options *o)
{
    if (o == NULL || o->version != LAB_STATUS_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_status_options: missing or unsupported "
                          "version");
    if (o->key_file == NULL)
        return lab_seterr(LAB_EINVAL, "status list: no key file given");
    if (opts_purpose(o) == NULL)
        return lab_seterr(LAB_EINVAL,
                          "status list: purpose \"%.32s\" (expected "
                          "revocation or suspension)",
                          o->purpose);
    return LAB_OK;
}

int lab_status_list_create(const char *path, const lab_status_options *o)
{
    EVP_PKEY *key = NULL;
    json_t *cred = NULL;
    unsigned char *bits = NULL;
    char *enc = NULL;
    int rc = check_status_opts(o);

    if (rc != LAB_OK)
        return rc;
    if (path == NULL || o->list_url == NULL || o->issuer_id == NULL)
        return lab_seterr(LAB_EINVAL, "status list: the file, the list URL "
                                      "and the issuer id are required");
    size_t nbits = o->bits ? o->bits : LAB_STATUS_MIN_BITS;
    if (nbits < LAB_STATUS_MIN_BITS || nbits % 8 != 0 ||
        nbits / 8 > LAB_STATUS_MAX_BYTES)
        return lab_seterr(LAB_EINVAL,
                          "status list: %zu bits; give a multiple of 8 from "
                          "%d to %d",
                          nbits, LAB_STATUS_MIN_BITS, LAB_STATUS_MAX_BYTES * 8);
    rc = lab_key_load_private_file(&key, o->key_file, o->passphrase_env);
    if (rc != LAB_OK)
        return rc;
    bits = lab_calloc(nbits / 8, 1);
    if (bits == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = lab_status_encode(&enc, bits, nbits / 8);
    if (rc != LAB_OK)
        goto out;
    lab_buf subj = LAB_BUF_INIT;
    lab_buf_printf(&subj, "%s#list", o->list_url);
    cred = json_pack("{s:[s], s:s, s:[s,s], s:s, s:{s:s%, s:s, s:s, s:s}}",
                     "@context", LAB_VC_CONTEXT, "id", o->list_url, "type",
                     "VerifiableCredential", "BitstringStatusListCredential",
                     "issuer", o->issuer_id, "credentialSubject", "id",
                     subj.data ? subj.data : "", subj.len, "type",
                     "BitstringStatusList", "statusPurpose", opts_purpose(o),
                     "encodedList", enc);
    lab_buf_free(&subj);
    if (cred == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = stamp_list(cred, o);
    if (rc == LAB_OK)
        rc = write_list(path, cred, key, 0);
out:
    json_decref(cred);
    free(enc);
    free(bits);
    EVP_PKEY_free(key);
    return rc;
}

/* Sets (value 1) or clears (0) bit `index` of the list in `path`, whose
 * purpose must be `purpose`, or with index SIZE_MAX changes no bit; then
 * stamps it anew (validFrom now), re-signs it and replaces the file. */
static int status_update(const char *path, size_t index, int value,
                         const char *purpose, const char *what,
                         const lab_status_options *o)
{
    EVP_PKEY *key = NULL;
    json_t *cred = NULL;
    char *text = NULL, *enc = NULL;
    unsigned char *bits = NULL;
    size_t len = 0, nbytes = 0;
    int rc = check_status_opts(o);

    if (rc != LAB_OK)
        return rc;
    if (path == NULL)
        return lab_seterr(LAB_EINVAL, "%s: no status list file given", what);
    rc = lab_key_load_private_file(&key, o->key_file, o->passphrase_env);
    if (rc == LAB_OK)
        rc = lab_read_text_file(&text, &len, path, LAB_CRED_MAX_FILE);
    if (rc != LAB_OK)
        goto out;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    /* The list is ours: check that our key signed it before changing it. */
    unsigned char *payload = NULL;
    size_t plen = 0;
    rc = lab_jws_verify(&payload, &plen, NULL, text, len, key,
                        LAB_JWS_EDDSA | LAB_JWS_ES256);
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "%s: not a status list signed with this key", path);
        goto out;
    }
    json_error_t err;
    cred =
        json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, &err);
    free(payload);
    json_t *subj = json_object_get(cred, "credentialSubject");
    const char *cur = json_string_value(json_object_get(subj, "encodedList"));
    if (cur == NULL) {
        rc = lab_seterr(LAB_EPARSE, "%s: no credentialSubject.encodedList",
                        path);
        goto out;
    }
    rc = lab_status_decode(&bits, &nbytes, cur);
    if (rc != LAB_OK)
        goto out;
    const char *have =
        json_string_value(json_object_get(subj, "statusPurpose"));
    if (purpose != NULL && (have == NULL || strcmp(have, purpose) != 0)) {
        rc = lab_seterr(LAB_EINVAL, "%s: %s is a %.32s list, not a %s list",
                        what, path, have ? have : "(no purpose)", purpose);
        goto out;
    }
    if (index != SIZE_MAX && index / 8 >= nbytes) {
        rc = lab_seterr(LAB_EINVAL,
                        "%s: index %zu is beyond the list's %zu bits", what,
                        index, nbytes * 8);
        goto out;
    }
    if (index != SIZE_MAX) {
        unsigned char mask = (unsigned char)(0x80u >> (index % 8));
        bits[index / 8] = (unsigned char)(value ? bits[index / 8] | mask
                                                : bits[index / 8] & ~mask);
    }
    rc = lab_status_encode(&enc, bits, nbytes);
    if (rc != LAB_OK)
        goto out;
    if (json_object_set_new(subj, "encodedList", json_string(enc)) != 0) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = stamp_list(cred, o);
    if (rc == LAB_OK)
        rc = write_list(path, cred, key, 1);
out:
    json_decref(cred);
    free(text);
    free(enc);
    free(bits);
    EVP_PKEY_free(key);
    return rc;
}

int lab_revoke(const char *path, size_t index, const lab_status_options *o)
{
    return status_update(path, index, 1, "revocation", "revoke", o);
}

int lab_suspend(const char *path, size_t index, const lab_status_options *o)
{
    return status_update(path, index, 1, "suspension", "suspend", o);
}

int lab_unsuspend(const char *path, size_t index, const lab_status_options *o)
{
    return status_update(path, index, 0, "suspension", "unsuspend", o);
}

int lab_status_list_renew(const char *path, const lab_status_options *o)
{
    return status_update(path, SIZE_MAX, 0, NULL, "renew", o);
}

/* ---- allocating indexes: each used once ---- */

/* Reads the indexes recorded in `used` (one decimal per line) into the
 * bitmap `seen` of nbits bits; a line that is not an index inside the list
 * is an error naming used:line. */
static int read_used(const char *used, unsigned char *seen, size_t nbits,
                     size_t *count)
{
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    *count = 0;
    if (stat(used, &st) != 0 && errno == ENOENT)
        return LAB_OK;
    int rc = lab_read_text_file(&text, &len, used, LAB_CRED_MAX_FILE);
    if (rc != LAB_OK)
        return rc;
    unsigned line = 1;
    for (char *p = text; rc == LAB_OK && *p != '\0'; line++) {
        char *end = strchr(p, '\n');
        if (end == NULL)
            end = p + strlen(p);
        char *num = NULL;
        unsigned long long v = 0;
        errno = 0;
        if (end > p && *p >= '0' && *p <= '9')
            v = strtoull(p, &num, 10);
        if (num != end || errno != 0 || v >= nbits)
            rc = lab_seterr(LAB_EPARSE,
                            "%s:%u: expected a status index below %zu", used,
                            line, nbits);
        else if (!(seen[v / 8] & (0x80u >> (v % 8)))) {
            seen[v / 8] |= (unsigned char)(0x80u >> (v % 8));
            (*count)++;
        }
        p = *end ? end + 1 : end;
    }
    free(text);
    return rc;
}

int lab_status_claim(long *index, const char *list, lab_status_pick pick)
{
    char *text = NULL, *usedtext = NULL;
    size_t len = 0;
    json_t *hdr = NULL, *cred = NULL;
    unsigned char *bits = NULL, *seen = NULL;
    size_t nbytes = 0, count = 0;
    int lock = -1;

    if (index == NULL || list == NULL)
        return lab_seterr(LAB_EINVAL, "lab_status_claim: NULL argument");
    int rc = lab_read_text_file(&text, &len, list, LAB_CRED_MAX_FILE);
    while (rc == LAB_OK && len > 0 &&
           (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    if (rc == LAB_OK && lab_cred_split(&hdr, &cred, text, len) != LAB_OK)
        rc = lab_preerr(LAB_EPARSE, "%s: not a status list", list);
    if (rc == LAB_OK)
        rc = lab_status_decode(
            &bits, &nbytes,
            json_string_value(json_object_get(
                json_object_get(cred, "credentialSubject"), "encodedList")));
    lab_buf used = LAB_BUF_INIT, lockp = LAB_BUF_INIT;
    lab_buf_printf(&used, "%s.used", list);
    lab_buf_printf(&lockp, "%s.used.lock", list);
    if (rc == LAB_OK && (used.oom || lockp.oom))
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    /* one certify at a time per list: the lock file is never removed */
    if (rc == LAB_OK) {
        lock = open(lockp.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock < 0 || flock(lock, LOCK_EX) != 0)
            rc = lab_seterr(LAB_EIO, "%s: cannot lock: %s", lockp.data,
                            strerror(errno));
    }
    size_t nbits = nbytes * 8;
    if (rc == LAB_OK && (seen = lab_calloc(nbytes ? nbytes : 1, 1)) == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK)
        rc = read_used(used.data, seen, nbits, &count);
    /* index 0 is left unused: some readers take 0 for "no index" */
    if (rc == LAB_OK && count + 1 >= nbits)
        rc = lab_seterr(LAB_EINVAL,
                        "%s: every index of the list is used (%zu): create a "
                        "new list",
                        list, count);
    size_t pickd = 0;
    if (rc == LAB_OK && pick == LAB_STATUS_PICK_GIVEN) {
        if (*index < 1 || (size_t)*index >= nbits)
            rc = lab_seterr(LAB_EINVAL,
                            "status index %ld is outside the list's 1..%zu",
                            *index, nbits - 1);
        else if (seen[*index / 8] & (0x80u >> (*index % 8)))
            rc = lab_seterr(LAB_EDUPLICATE,
                            "status index %ld of %s is already used (%s): "
                            "an index serves one certificate only",
                            *index, list, used.data);
        pickd = (size_t)*index;
    } else if (rc == LAB_OK && pick == LAB_STATUS_PICK_NEXT) {
        for (pickd = 1; seen[pickd / 8] & (0x80u >> (pickd % 8)); pickd++)
            ;
    } else if (rc == LAB_OK) {
        /* herd privacy: uniform among the free indexes, by rejection
         * while at least half are free, else by counting */
        OSSL_LIB_CTX *ctx = NULL;
        rc = lab_crypto_libctx(&ctx);
        for (int tries = 0; rc == LAB_OK; tries++) {
            uint64_t r = 0;
            if (RAND_bytes_ex(ctx, (unsigned char *)&r, sizeof r, 0) != 1) {
                rc = lab_seterr(LAB_ECRYPTO, "no random bytes");
                break;
            }
            if (tries < 64) {
                pickd = 1 + (size_t)(r % (nbits - 1));
                if (!(seen[pickd / 8] & (0x80u >> (pickd % 8))))
                    break;
                continue;
            }
            size_t k = (size_t)(r % (nbits - 1 - count));
            for (pickd = 1;; pickd++)
                if (!(seen[pickd / 8] & (0x80u >> (pickd % 8))) && k-- == 0)
                    break;
            break;
        }
    }
    if (rc == LAB_OK) {
        size_t ulen = 0;
        struct stat st;
        if (stat(used.data, &st) == 0)
            rc = lab_read_text_file(&usedtext, &ulen, used.data,
                                    LAB_CRED_MAX_FILE);
        lab_buf nb = LAB_BUF_INIT;
        if (rc == LAB_OK) {
            if (usedtext != NULL)
                lab_buf_add(&nb, usedtext, ulen);
            if (nb.len > 0 && nb.data[nb.len - 1] != '\n')
                lab_buf_addc(&nb, '\n');
            lab_buf_printf(&nb, "%zu\n", pickd);
            rc = nb.oom ? lab_seterr(LAB_ENOMEM, "out of memory")
                        : lab_write_file(used.data, nb.data, nb.len, 0, 0);
        }
        lab_buf_free(&nb);
    }
    if (rc == LAB_OK)
        *index = (long)pickd;
    if (lock >= 0)
        close(lock);
    lab_buf_free(&used);
    lab_buf_free(&lockp);
    free(usedtext);
    free(seen);
    free(bits);
    json_decref(hdr);
    json_decref(cred);
    free(text);
    return rc;
}
