/*
 * jws.c - compact JWS (RFC 7515) as VC-JOSE certificates use it: signing
 * with EdDSA (Ed25519, RFC 8037) or ES256 (P-256, the signature as the
 * 64-byte r||s JOSE form), and strict verification against one expected
 * key and an explicit allow-list of algorithms.  It also holds the
 * library's own OpenSSL context, the scope that keeps the host's OpenSSL
 * error queue untouched, and canonical base64url.
 */
#include "crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the library context ---- */

static pthread_once_t libctx_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *libctx;

static void libctx_init(void)
{
    /* Errors raised here are not the host's business: drop them. */
    ERR_set_mark();
    OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
    if (ctx != NULL && OSSL_PROVIDER_load(ctx, "default") == NULL) {
        OSSL_LIB_CTX_free(ctx);
        ctx = NULL;
    }
    libctx = ctx;
    ERR_pop_to_mark();
}

int lab_crypto_libctx(OSSL_LIB_CTX **out)
{
    if (pthread_once(&libctx_once, libctx_init) != 0 || libctx == NULL)
        return lab_seterr(LAB_ECRYPTO,
                          "OpenSSL: cannot create the library context with "
                          "the default provider");
    *out = libctx;
    return LAB_OK;
}

/* ---- the error scope ---- */

void lab_ossl_enter(lab_ossl_scope *s)
{
    s->host_had_errors = ERR_peek_error() != 0;
    ERR_set_mark();
}

/* Appends the reason of error e to r (of size cap), skipping a repeat. */
static void add_reason(char *r, size_t cap, unsigned long e,
                       unsigned long *prev)
{
    const char *reason = ERR_reason_error_string(e);
    char code[32];
    size_t used = strlen(r);

    if (e == *prev)
        return;
    *prev = e;
    if (reason == NULL) {
        snprintf(code, sizeof code, "error %lx", e);
        reason = code;
    }
    snprintf(r + used, cap - used, "%s%s", used > 0 ? "; " : "", reason);
}

int lab_ossl_fail(const lab_ossl_scope *s, int code, const char *fmt, ...)
{
    char what[512], reasons[512] = "";
    unsigned long prev = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (s->host_had_errors) {
        /* Older entries may be the host's: report only the newest. */
        add_reason(reasons, sizeof reasons, ERR_peek_last_error(), &prev);
    } else {
        /* The queue was empty when we started: every entry is ours. */
        unsigned long e = ERR_get_error();
        while (e != 0) {
            add_reason(reasons, sizeof reasons, e, &prev);
            e = ERR_get_error();
        }
    }
    if (reasons[0] == '\0' || prev == 0)
        return lab_seterr(code, "%s", what);
    return lab_seterr(code, "%s (OpenSSL: %s)", what, reasons);
}

void lab_ossl_leave(lab_ossl_scope *s)
{
    (void)s;
    ERR_pop_to_mark();
}

/* ---- base64url ---- */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The value of each base64url character, 64 for any other byte. */
static const unsigned char b64url_table[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64,
    /* 0x20: '-' is 62, '0'..'9' are 52..61 */
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 52, 53, 54,
    55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    /* 0x40: 'A'..'Z' are 0..25, '_' is 63 */
    64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,
    /* 0x60: 'a'..'z' are 26..51 */
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64, X64, X64, X64, X64, X64,
    X64, X64, X64
#undef X64
};

static int b64url_value(unsigned char c)
{
    return b64url_table[c] == 64 ? -1 : b64url_table[c];
}

int lab_b64url_encode(char **out, const void *p, size_t n)
{
    const unsigned char *s = p;

    if (n > (SIZE_MAX / 4 - 1) * 3)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    size_t olen = n / 3 * 4 + (n % 3 != 0 ? n % 3 + 1 : 0);
    char *o = lab_malloc(olen + 1);
    if (o == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    size_t k = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        o[k++] = b64url_alphabet[v >> 18];
        o[k++] = b64url_alphabet[(v >> 12) & 63];
        o[k++] = b64url_alphabet[(v >> 6) & 63];
        o[k++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        o[k++] = b64url_alphabet[s[i] >> 2];
        o[k++] = b64url_alphabet[(s[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 8 | s[i + 1];
        o[k++] = b64url_alphabet[v >> 10];
        o[k++] = b64url_alphabet[(v >> 4) & 63];
        o[k++] = b64url_alphabet[(v & 15) << 2];
    }
    o[k] = '\0';
    *out = o;
    return LAB_OK;
}

int lab_b64url_decode(unsigned char **out, size_t *len, const char *s, size_t n)
{
    if (n % 4 == 1)
        return lab_seterr(LAB_EPARSE,
                          "base64url: %zu characters is not a possible "
                          "length",
                          n);
    size_t olen = n / 4 * 3 + (n % 4 != 0 ? n % 4 - 1 : 0);
    unsigned char *o = lab_malloc(olen + 1);
    if (o == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t k = 0, i = 0;
    /* four characters, three bytes at a time while all four are valid */
    for (; i + 4 <= n; i += 4) {
        const unsigned char *q = (const unsigned char *)s + i;
        unsigned a = b64url_table[q[0]], b = b64url_table[q[1]];
        unsigned c = b64url_table[q[2]], d = b64url_table[q[3]];
        if ((a | b | c | d) & 64)
            break;
        uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        o[k++] = (unsigned char)(v >> 16);
        o[k++] = (unsigned char)(v >> 8);
        o[k++] = (unsigned char)v;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int v = b64url_value(c);
        if (v < 0) {
            free(o);
            if (c == '=')
                return lab_seterr(LAB_EPARSE, "base64url: padding ('=') is "
                                              "not allowed");
            return lab_seterr(LAB_EPARSE,
                              "base64url: byte 0x%02x at offset %zu is not "
                              "in the alphabet A-Z a-z 0-9 - _",
                              c, i);
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) {
        free(o);
        return lab_seterr(LAB_EPARSE, "base64url: the unused trailing bits "
                                      "are not zero (not canonical)");
    }
    o[k] = '\0';
    *out = o;
    *len = k;
    return LAB_OK;
}

/* ---- algorithms and keys ---- */

const char *lab_jws_alg_name(lab_jws_alg alg)
{
    switch (alg) {
    case LAB_JWS_EDDSA:
        return "EdDSA";
    case LAB_JWS_ES256:
        return "ES256";
    }
    return NULL;
}

static int is_p256(const EVP_PKEY *key)
{
    char group[64];
    size_t glen = 0;

    if (!EVP_PKEY_is_a(key, "EC"))
        return 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &glen) != 1)
        return 0;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* A short name of a key's type, for messages. */
static const char *key_kind(const EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "ED25519"))
        return "Ed25519";
    if (is_p256(key))
        return "P-256";
    if (EVP_PKEY_is_a(key, "EC"))
        return "EC (not P-256)";
    const char *name = EVP_PKEY_get0_type_name(key);
    return name != NULL ? name : "unknown";
}

static int key_fits(lab_jws_alg alg, const EVP_PKEY *key)
{
    if (alg == LAB_JWS_EDDSA)
        return EVP_PKEY_is_a(key, "ED25519");
    if (alg == LAB_JWS_ES256)
        return is_p256(key);
    return 0;
}

int lab_jws_alg_for_key(lab_jws_alg *out, const EVP_PKEY *key)
{
    if (key == NULL)
        return lab_seterr(LAB_EINVAL, "no key given");
    if (key_fits(LAB_JWS_EDDSA, key)) {
        *out = LAB_JWS_EDDSA;
        return LAB_OK;
    }
    if (key_fits(LAB_JWS_ES256, key)) {
        *out = LAB_JWS_ES256;
        return LAB_OK;
    }
    return lab_seterr(LAB_EUNSUPPORTED,
                      "%s keys are not supported (use Ed25519 or P-256)",
                      key_kind(key));
}

/* ---- raw signatures ---- */

/* DER ECDSA-Sig-Value to the JOSE form r||s. */
static int der_to_raw(unsigned char sig[64], const unsigned char *der,
                      size_t derlen)
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    const BIGNUM *r = NULL, *s = NULL;
    int ok = 0;

    if (es == NULL)
        return 0;
    ECDSA_SIG_get0(es, &r, &s);
    ok = BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32;
    ECDSA_SIG_free(es);
    return ok;
}

/* The JOSE form r||s to DER; *der is freed with OPENSSL_free(). */
static int raw_to_der(unsigned char **der, size_t *derlen,
                      const unsigned char sig[64])
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
    int ok = 0;

    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return 0;
    }
    /* now owned by es */
    r = s = NULL;
    unsigned char *d = NULL;
    int n = i2d_ECDSA_SIG(es, &d);
    if (n > 0) {
        *der = d;
        *derlen = (size_t)n;
        ok = 1;
    }
    ECDSA_SIG_free(es);
    return ok;
}

/* The order n of P-256 and n / 2 (rounded down), big-endian. */
static const unsigned char p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
static const unsigned char p256_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b,
    0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8};

static int is_zero32(const unsigned char *v)
{
    unsigned char acc = 0;
    for (int i = 0; i < 32; i++)
        acc |= v[i];
    return acc == 0;
}

/* Non-zero if r||s is the one canonical ES256 signature of its pair:
 * 0 < r < n and 0 < s <= n/2.  (s and n - s both verify; accepting only
 * the low one leaves a single valid token per credential and key.) */
static int es256_canonical(const unsigned char sig[64])
{
    return !is_zero32(sig) && memcmp(sig, p256_order, 32) < 0 &&
           !is_zero32(sig + 32) && memcmp(sig + 32, p256_half_order, 32) <= 0;
}

/* s := n - s (big-endian, s < n), turning a high-S signature low. */
static void es256_negate_s(unsigned char s[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = p256_order[i] - s[i] - borrow;
        borrow = d < 0;
        s[i] = (unsigned char)(d + (borrow ? 256 : 0));
    }
}

/* Signs with an initialized ECDSA context and converts to r||s, low S. */
static int sign_es256(unsigned char sig[64], EVP_MD_CTX *md, const void *msg,
                      size_t n)
{
    size_t len = 0;
    int ok = 0;

    if (EVP_DigestSign(md, NULL, &len, msg, n) != 1)
        return 0;
    unsigned char *der = OPENSSL_malloc(len);
    if (der == NULL)
        return 0;
    if (EVP_DigestSign(md, der, &len, msg, n) == 1)
        ok = der_to_raw(sig, der, len);
    OPENSSL_free(der);
    if (ok && memcmp(sig + 32, p256_half_order, 32) > 0)
        es256_negate_s(sig + 32);
    return ok;
}

/* SHA-256 in the library context. */
int lab_sha256(unsigned char out[32], const void *p, size_t n)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    unsigned int len = 0;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    EVP_MD *md = EVP_MD_fetch(ctx, "SHA256", NULL);
    if (md == NULL || EVP_Digest(p, n, out, &len, md, NULL) != 1 || len != 32)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "SHA-256 failed");
    EVP_MD_free(md);
    lab_ossl_leave(&scope);
    return rc;
}

int lab_sig_sign(unsigned char sig[64], size_t *siglen, lab_jws_alg alg,
                 EVP_PKEY *key, const void *msg, size_t n)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    EVP_MD_CTX *md = NULL;
    size_t len = 0;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    if (key == NULL || !key_fits(alg, key))
        return lab_seterr(LAB_EINVAL, "cannot sign %s with %s key",
                          lab_jws_alg_name(alg) ? lab_jws_alg_name(alg) : "?",
                          key == NULL ? "no" : key_kind(key));
    lab_ossl_enter(&scope);
    md = EVP_MD_CTX_new();
    if (md == NULL ||
        EVP_DigestSignInit_ex(md, NULL, alg == LAB_JWS_ES256 ? "SHA256" : NULL,
                              ctx, NULL, key, NULL) != 1) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO,
                           "cannot start signing (is it a private key?)");
        goto out;
    }
    if (alg == LAB_JWS_EDDSA) {
        len = 64;
        if (EVP_DigestSign(md, sig, &len, msg, n) != 1 || len != 64) {
            rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "Ed25519 signing failed");
            goto out;
        }
    } else if (!sign_es256(sig, md, msg, n)) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "ES256 signing failed");
        goto out;
    }
    *siglen = 64;
out:
    EVP_MD_CTX_free(md);
    lab_ossl_leave(&scope);
    return rc;
}

int lab_sig_verify(lab_jws_alg alg, EVP_PKEY *key, const void *msg, size_t n,
                   const unsigned char *sig, size_t siglen)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    EVP_MD_CTX *md = NULL;
    unsigned char *der = NULL;
    size_t derlen = 0;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    if (key == NULL || !key_fits(alg, key))
        return lab_seterr(LAB_ECRYPTO, "cannot verify %s with %s key",
                          lab_jws_alg_name(alg) ? lab_jws_alg_name(alg) : "?",
                          key == NULL ? "no" : key_kind(key));
    if (siglen != 64)
        return lab_seterr(LAB_ECRYPTO,
                          "%s signature of %zu bytes (64 expected)",
                          lab_jws_alg_name(alg), siglen);
    if (alg == LAB_JWS_ES256 && !es256_canonical(sig))
        return lab_seterr(LAB_ECRYPTO,
                          "the ES256 signature is not canonical (r or s out "
                          "of range, or s above n/2: low-S form expected)");
    lab_ossl_enter(&scope);
    if (alg == LAB_JWS_ES256 && !raw_to_der(&der, &derlen, sig)) {
        rc = lab_ossl_fail(&scope, LAB_ENOMEM, "out of memory");
        goto out;
    }
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit_ex(
                          md, NULL, alg == LAB_JWS_ES256 ? "SHA256" : NULL, ctx,
                          NULL, key, NULL) != 1) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "cannot start verifying");
        goto out;
    }
    int ok = alg == LAB_JWS_ES256 ? EVP_DigestVerify(md, der, derlen, msg, n)
                                  : EVP_DigestVerify(md, sig, siglen, msg, n);
    if (ok != 1)
        rc = lab_seterr(LAB_ECRYPTO, "the %s signature does not verify",
                        lab_jws_alg_name(alg));
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    lab_ossl_leave(&scope);
    return rc;
}

/* ---- compact JWS ---- */

int lab_jws_sign(char **out, const json_t *header, const void *payload,
                 size_t n, EVP_PKEY *key)
{
    lab_jws_alg alg;
    json_t *hdr = NULL;
    char *htext = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL;
    size_t hlen = 0, siglen = 0;
    unsigned char sig[64];
    lab_buf b = LAB_BUF_INIT;
    int rc = lab_jws_alg_for_key(&alg, key);

    if (rc != LAB_OK)
        return rc;
    if (payload == NULL || n == 0)
        return lab_seterr(LAB_EINVAL, "JWS: the payload is empty");
    if (header != NULL && !json_is_object(header))
        return lab_seterr(LAB_EINVAL, "JWS: the header is not an object");
    hdr = header != NULL ? json_deep_copy(header) : json_object();
    if (hdr == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    const json_t *given = json_object_get(hdr, "alg");
    if (given != NULL &&
        (!json_is_string(given) ||
         strcmp(json_string_value(given), lab_jws_alg_name(alg)) != 0)) {
        rc = lab_seterr(LAB_EINVAL,
                        "JWS: the header names another \"alg\" "
                        "than the key's %s",
                        lab_jws_alg_name(alg));
        goto out;
    }
    if (json_object_get(hdr, "crit") != NULL) {
        rc = lab_seterr(LAB_EINVAL,
                        "JWS: critical header parameters are not supported");
        goto out;
    }
    if (json_object_set_new(hdr, "alg", json_string(lab_jws_alg_name(alg))) !=
        0) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = lab_jcs_serialize(&htext, &hlen, hdr);
    if (rc == LAB_OK)
        rc = lab_b64url_encode(&h64, htext, hlen);
    if (rc == LAB_OK)
        rc = lab_b64url_encode(&p64, payload, n);
    if (rc != LAB_OK)
        goto out;
    lab_buf_adds(&b, h64);
    lab_buf_addc(&b, '.');
    lab_buf_adds(&b, p64);
    if (b.oom) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = lab_sig_sign(sig, &siglen, alg, key, b.data, b.len);
    if (rc == LAB_OK)
        rc = lab_b64url_encode(&s64, sig, siglen);
    if (rc != LAB_OK)
        goto out;
    lab_buf_addc(&b, '.');
    lab_buf_adds(&b, s64);
    rc = lab_buf_detach(&b, out);
out:
    lab_buf_free(&b);
    free(htext);
    free(h64);
    free(p64);
    free(s64);
    json_decref(hdr);
    return rc;
}

/* Checks the protected header and picks the algorithm. */
static int check_header(lab_jws_alg *alg, const json_t *hdr, EVP_PKEY *key,
                        unsigned allowed)
{
    const json_t *a = json_object_get(hdr, "alg");
    const json_t *b64 = json_object_get(hdr, "b64");

    if (!json_is_string(a))
        return lab_seterr(LAB_EPARSE, "JWS: the header has no \"alg\" text");
    const char *name = json_string_value(a);
    if (strcasecmp(name, "none") == 0)
        return lab_seterr(LAB_ECRYPTO,
                          "JWS: unsigned tokens (alg \"none\") are refused");
    if (strncasecmp(name, "HS", 2) == 0)
        return lab_seterr(
            LAB_ECRYPTO, "JWS: symmetric algorithm \"%.32s\" is refused", name);
    if (strcmp(name, "EdDSA") == 0)
        *alg = LAB_JWS_EDDSA;
    else if (strcmp(name, "ES256") == 0)
        *alg = LAB_JWS_ES256;
    else
        return lab_seterr(LAB_ECRYPTO,
                          "JWS: algorithm \"%.32s\" is not supported", name);
    if ((allowed & (unsigned)*alg) == 0)
        return lab_seterr(LAB_ECRYPTO,
                          "JWS: algorithm %s is not on the allow-list", name);
    if (!key_fits(*alg, key))
        return lab_seterr(LAB_ECRYPTO,
                          "JWS: algorithm %s does not match the expected "
                          "key (%s)",
                          name, key_kind(key));
    if (json_object_get(hdr, "crit") != NULL)
        return lab_seterr(LAB_ECRYPTO, "JWS: the header lists critical "
                                       "parameters (\"crit\"), none of "
                                       "which are understood");
    if (b64 != NULL && !json_is_true(b64))
        return lab_seterr(LAB_ECRYPTO,
                          "JWS: unencoded payloads (\"b64\") are refused");
    return LAB_OK;
}

/* Splits a token at its two dots; LAB_EPARSE unless there are exactly
 * two. */
static int split_token(const char *t, size_t n, size_t *d1, size_t *d2)
{
    size_t dots = 0;

    for (size_t i = 0; i < n; i++) {
        if (t[i] != '.')
            continue;
        if (dots == 0)
            *d1 = i;
        else if (dots == 1)
            *d2 = i;
        dots++;
    }
    if (dots != 2)
        return lab_seterr(LAB_EPARSE,
                          "JWS: a compact token has three parts separated "
                          "by dots, this one has %zu",
                          dots + 1);
    return LAB_OK;
}

static int decode_header(json_t **out, const char *s, size_t n)
{
    unsigned char *text = NULL;
    size_t len = 0;
    json_error_t err;
    int rc = lab_b64url_decode(&text, &len, s, n);

    if (rc != LAB_OK)
        return lab_preerr(rc, "JWS header");
    json_t *hdr =
        json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &err);
    free(text);
    if (hdr == NULL)
        return lab_seterr(LAB_EPARSE, "JWS header: %s", err.text);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        return lab_seterr(LAB_EPARSE, "JWS header: not a JSON object");
    }
    *out = hdr;
    return LAB_OK;
}

int lab_jws_verify(unsigned char **payload, size_t *payload_len,
                   json_t **header, const char *token, size_t token_len,
                   EVP_PKEY *key, unsigned allowed)
{
    size_t d1 = 0, d2 = 0, plen = 0, siglen = 0;
    json_t *hdr = NULL;
    unsigned char *body = NULL, *sig = NULL;
    lab_jws_alg alg = LAB_JWS_EDDSA;
    int rc;

    if (token == NULL || key == NULL || payload == NULL || payload_len == NULL)
        return lab_seterr(LAB_EINVAL, "JWS: no token or no key");
    if (token_len > LAB_JWS_MAX_TOKEN)
        return lab_seterr(LAB_ELIMIT,
                          "JWS: token of %zu bytes is over the %d-byte limit",
                          token_len, LAB_JWS_MAX_TOKEN);
    rc = split_token(token, token_len, &d1, &d2);
    if (rc == LAB_OK)
        rc = decode_header(&hdr, token, d1);
    if (rc == LAB_OK)
        rc = check_header(&alg, hdr, key, allowed);
    if (rc != LAB_OK)
        goto out;
    rc = lab_b64url_decode(&body, &plen, token + d1 + 1, d2 - d1 - 1);
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "JWS payload");
        goto out;
    }
    if (plen == 0) {
        rc = lab_seterr(LAB_EPARSE, "JWS: empty payload (detached content "
                                    "is not supported)");
        goto out;
    }
    rc = lab_b64url_decode(&sig, &siglen, token + d2 + 1, token_len - d2 - 1);
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "JWS signature");
        goto out;
    }
    rc = lab_sig_verify(alg, key, token, d2, sig, siglen);
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "JWS");
        goto out;
    }
    *payload = body;
    body = NULL;
    *payload_len = plen;
    if (header != NULL) {
        *header = hdr;
        hdr = NULL;
    }
out:
    free(body);
    free(sig);
    json_decref(hdr);
    return rc;
}
