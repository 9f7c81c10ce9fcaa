/*
 * test_jws.c - the specification of jws.c, compact JWS for certificates:
 * EdDSA and ES256 tokens round-trip and match the published examples of
 * RFC 8037 and RFC 7515; changing any byte of a token breaks it; and the
 * verifier refuses alg "none", HS256 keyed with the public key, algorithms
 * off the allow-list or unfit for the key, "crit", padded or otherwise
 * non-canonical base64url, malformed headers and oversized tokens, while
 * leaving the host's OpenSSL error queue as it found it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto.h"

#include <openssl/err.h>

#include <stdlib.h>
#include <string.h>

#define ALL (LAB_JWS_EDDSA | LAB_JWS_ES256)

static const char payload[] = "{\"iss\":\"did:web:example.org\",\"n\":1}";

/* RFC 8037 appendix A.1: the Ed25519 key, as JWK "d" and "x". */
static const char rfc8037_d[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
static const char rfc8037_x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

typedef struct fixture {
    EVP_PKEY *ed;  /* Ed25519 */
    EVP_PKEY *ec;  /* P-256 */
    EVP_PKEY *ed2; /* another Ed25519 key */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || lab_key_generate(&f->ed, LAB_KEY_ED25519) != LAB_OK ||
        lab_key_generate(&f->ec, LAB_KEY_P256) != LAB_OK ||
        lab_key_generate(&f->ed2, LAB_KEY_ED25519) != LAB_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    EVP_PKEY_free(f->ed);
    EVP_PKEY_free(f->ec);
    EVP_PKEY_free(f->ed2);
    free(f);
    return 0;
}

static char *sign(EVP_PKEY *key, const char *typ)
{
    json_t *hdr = json_pack("{s:s,s:s}", "typ", typ, "kid", "key-1");
    char *token = NULL;
    int rc = lab_jws_sign(&token, hdr, payload, strlen(payload), key);
    if (rc != LAB_OK)
        fail_msg("sign: %s", lab_errmsg());
    json_decref(hdr);
    return token;
}

static int verify(const char *token, size_t n, EVP_PKEY *key, unsigned allowed)
{
    unsigned char *body = NULL;
    size_t len = 0;
    int rc = lab_jws_verify(&body, &len, NULL, token, n, key, allowed);
    if (rc == LAB_OK)
        free(body);
    else
        assert_null(body);
    return rc;
}

/* b64url(header) "." b64url(payload) "." b64url(sig) from raw parts. */
static char *assemble(const char *header, const void *body, size_t n,
                      const unsigned char *sig, size_t siglen)
{
    char *h = NULL, *p = NULL, *s = NULL;
    lab_buf b = LAB_BUF_INIT;
    char *out = NULL;

    assert_int_equal(lab_b64url_encode(&h, header, strlen(header)), LAB_OK);
    assert_int_equal(lab_b64url_encode(&p, body, n), LAB_OK);
    assert_int_equal(lab_b64url_encode(&s, sig, siglen), LAB_OK);
    lab_buf_printf(&b, "%s.%s.%s", h, p, s);
    assert_int_equal(lab_buf_detach(&b, &out), LAB_OK);
    free(h);
    free(p);
    free(s);
    return out;
}

/* Signs header.payload properly with key, whatever the header says. */
static char *sign_raw(const char *header, EVP_PKEY *key, lab_jws_alg alg)
{
    char *h = NULL, *p = NULL, *s = NULL, *out = NULL;
    unsigned char sig[64];
    size_t siglen = 0;
    lab_buf b = LAB_BUF_INIT;

    assert_int_equal(lab_b64url_encode(&h, header, strlen(header)), LAB_OK);
    assert_int_equal(lab_b64url_encode(&p, payload, strlen(payload)), LAB_OK);
    lab_buf_printf(&b, "%s.%s", h, p);
    assert_int_equal(lab_sig_sign(sig, &siglen, alg, key, b.data, b.len),
                     LAB_OK);
    assert_int_equal(lab_b64url_encode(&s, sig, siglen), LAB_OK);
    lab_buf_printf(&b, ".%s", s);
    assert_int_equal(lab_buf_detach(&b, &out), LAB_OK);
    free(h);
    free(p);
    free(s);
    return out;
}

static void expect_refused(const char *token, EVP_PKEY *key, unsigned allowed,
                           int code, const char *needle)
{
    int rc = verify(token, strlen(token), key, allowed);
    if (rc != code)
        fail_msg("got %d (%s), want %d for %s", rc, lab_errmsg(), code, token);
    if (needle != NULL && strstr(lab_errmsg(), needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", lab_errmsg(), needle);
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    EVP_PKEY *keys[] = {f->ed, f->ec};
    const char *algs[] = {"EdDSA", "ES256"};

    for (int i = 0; i < 2; i++) {
        char *token = sign(keys[i], "vc+jwt");
        unsigned char *body = NULL;
        json_t *hdr = NULL;
        size_t len = 0;
        int rc = lab_jws_verify(&body, &len, &hdr, token, strlen(token),
                                keys[i], ALL);
        if (rc != LAB_OK)
            fail_msg("%s: %s", algs[i], lab_errmsg());
        assert_int_equal(len, strlen(payload));
        assert_memory_equal(body, payload, len);
        assert_string_equal(json_string_value(json_object_get(hdr, "alg")),
                            algs[i]);
        assert_string_equal(json_string_value(json_object_get(hdr, "typ")),
                            "vc+jwt");
        /* The other key, or a key of the other type, does not verify. */
        assert_int_equal(verify(token, strlen(token), f->ed2, ALL),
                         LAB_ECRYPTO);
        assert_int_equal(verify(token, strlen(token), keys[1 - i], ALL),
                         LAB_ECRYPTO);
        free(body);
        json_decref(hdr);
        free(token);
    }
    assert_int_equal(ERR_peek_error(), 0);
}

/* ES256 signatures are written low-S (ECDSA nonces are random, so without
 * the normalisation about half would be high), and the high twin of each,
 * valid for plain ECDSA, is refused. */
static void test_es256_low_s(void **state)
{
    fixture *f = *state;
    static const unsigned char n[32] = {
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
        0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

    for (int i = 0; i < 64; i++) {
        char *token = sign(f->ec, "vc+jwt");
        const char *dot = strrchr(token, '.');
        unsigned char *sig = NULL;
        size_t len = 0;
        assert_int_equal(
            lab_b64url_decode(&sig, &len, dot + 1, strlen(dot + 1)), LAB_OK);
        assert_int_equal(len, 64);
        /* s <= n/2 exactly when 2s <= n, i.e. s <= n - s */
        unsigned char neg[32];
        int borrow = 0;
        for (int k = 31; k >= 0; k--) {
            int d = n[k] - sig[32 + k] - borrow;
            borrow = d < 0;
            neg[k] = (unsigned char)(d + (borrow ? 256 : 0));
        }
        assert_true(memcmp(sig + 32, neg, 32) <= 0);
        assert_int_equal(verify(token, strlen(token), f->ec, ALL), LAB_OK);
        memcpy(sig + 32, neg, 32);
        char *b64 = NULL;
        assert_int_equal(lab_b64url_encode(&b64, sig, 64), LAB_OK);
        lab_buf t = {0};
        lab_buf_printf(&t, "%.*s.%s", (int)(dot - token), token, b64);
        expect_refused(t.data, f->ec, ALL, LAB_ECRYPTO, "low-S");
        lab_buf_free(&t);
        free(b64);
        free(sig);
        free(token);
    }
}

/* RFC 8037 appendix A.4: Ed25519 is deterministic, so signing the example
 * gives exactly the published token. */
static void test_rfc8037_example(void **state)
{
    (void)state;
    static const char want[] =
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsP"
        "t9g7sVvpAr_MuM0KAg";
    unsigned char *seed = NULL;
    size_t len = 0;
    EVP_PKEY *key = NULL;
    char *token = NULL;
    const char *msg = "Example of Ed25519 signing";

    assert_int_equal(
        lab_b64url_decode(&seed, &len, rfc8037_d, strlen(rfc8037_d)), LAB_OK);
    assert_int_equal(len, 32);
    assert_int_equal(lab_key_ed25519_private(&key, seed), LAB_OK);
    unsigned char pub[32];
    size_t publen = sizeof pub;
    char *x = NULL;
    assert_int_equal(EVP_PKEY_get_raw_public_key(key, pub, &publen), 1);
    assert_int_equal(lab_b64url_encode(&x, pub, publen), LAB_OK);
    assert_string_equal(x, rfc8037_x);
    free(x);
    assert_int_equal(lab_jws_sign(&token, NULL, msg, strlen(msg), key), LAB_OK);
    assert_string_equal(token, want);
    assert_int_equal(verify(want, strlen(want), key, LAB_JWS_EDDSA), LAB_OK);
    free(token);
    free(seed);
    EVP_PKEY_free(key);
}

/* RFC 7515 appendix A.3: the published ES256 token has a high S (s above
 * n/2), so it is refused as it stands; its low-S twin (s replaced by
 * n - s, the other signature the same key and message give) verifies with
 * the published public key. */
static void test_rfc7515_es256_example(void **state)
{
    (void)state;
#define RFC7515_A3_SIGNED                                                  \
    "eyJhbGciOiJFUzI1NiJ9."                                                \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl" \
    "LmNvbS9pc19yb290Ijp0cnVlfQ."
    static const char high[] = RFC7515_A3_SIGNED
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQ"
        "xfKTUJqPP3-Kg6NU1Q";
    static const char token[] = RFC7515_A3_SIGNED
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmU69fgrc8OPGycO0lD3tat_FoFp"
        "57SETepkeks4eL_QfA";
    /* r = n, the group order: out of range whatever s is. */
    static const char r_is_n[] = RFC7515_A3_SIGNED
        "_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE69fgrc8OPGycO0lD3tat_FoFp"
        "57SETepkeks4eL_QfA";
#undef RFC7515_A3_SIGNED
    json_t *jwk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256",
                            "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                            "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
    EVP_PKEY *key = NULL;

    assert_int_equal(lab_key_from_jwk(&key, jwk), LAB_OK);
    int rc = verify(token, strlen(token), key, LAB_JWS_ES256);
    if (rc != LAB_OK)
        fail_msg("%s", lab_errmsg());
    /* ES256 is not on the list: refused although the signature is good. */
    expect_refused(token, key, LAB_JWS_EDDSA, LAB_ECRYPTO, "allow-list");
    expect_refused(high, key, LAB_JWS_ES256, LAB_ECRYPTO, "low-S");
    expect_refused(r_is_n, key, LAB_JWS_ES256, LAB_ECRYPTO, "not canonical");
    json_decref(jwk);
    EVP_PKEY_free(key);
}

/* Changing any single byte of a token makes it fail. */
static void test_tamper_every_byte(void **state)
{
    fixture *f = *state;
    EVP_PKEY *keys[] = {f->ed, f->ec};

    for (int k = 0; k < 2; k++) {
        char *token = sign(keys[k], "vc+jwt");
        size_t n = strlen(token);
        for (size_t i = 0; i < n; i++) {
            char saved = token[i];
            static const char repl[] = "AB.-_=+/ \x80";
            for (size_t r = 0; r < sizeof repl - 1; r++) {
                if (repl[r] == saved)
                    continue;
                token[i] = repl[r];
                if (verify(token, n, keys[k], ALL) == LAB_OK)
                    fail_msg("accepted with byte %zu changed to '%c'", i,
                             repl[r]);
            }
            token[i] = saved;
        }
        assert_int_equal(verify(token, n, keys[k], ALL), LAB_OK);
        /* Truncated or extended tokens fail too. */
        assert_int_not_equal(verify(token, n - 1, keys[k], ALL), LAB_OK);
        free(token);
    }
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_alg_none(void **state)
{
    fixture *f = *state;
    char *token = assemble("{\"alg\":\"none\"}", payload, strlen(payload),
                           (const unsigned char *)"", 0);
    expect_refused(token, f->ed, ALL, LAB_ECRYPTO, "none");
    free(token);
    token = assemble("{\"alg\":\"NONE\"}", payload, strlen(payload),
                     (const unsigned char *)"x", 1);
    expect_refused(token, f->ed, ALL, LAB_ECRYPTO, "none");
    free(token);
}

/* The classic confusion: HS256 with the verifier's public key as the
 * HMAC secret. */
static void test_hs256_with_public_key(void **state)
{
    fixture *f = *state;
    unsigned char pub[32], mac[32];
    size_t publen = sizeof pub, maclen = 0;
    char *h = NULL, *p = NULL, *s = NULL;
    const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"vc+jwt\"}";
    lab_buf b = LAB_BUF_INIT;

    assert_int_equal(EVP_PKEY_get_raw_public_key(f->ed, pub, &publen), 1);
    assert_int_equal(lab_b64url_encode(&h, hdr, strlen(hdr)), LAB_OK);
    assert_int_equal(lab_b64url_encode(&p, payload, strlen(payload)), LAB_OK);
    lab_buf_printf(&b, "%s.%s", h, p);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, pub, publen,
                              (unsigned char *)b.data, b.len, mac, sizeof mac,
                              &maclen));
    assert_int_equal(lab_b64url_encode(&s, mac, maclen), LAB_OK);
    lab_buf_printf(&b, ".%s", s);
    expect_refused(b.data, f->ed, ALL, LAB_ECRYPTO, "HS256");
    /* Whatever the allow-list says. */
    expect_refused(b.data, f->ed, ~0u, LAB_ECRYPTO, "HS256");
    lab_buf_free(&b);
    free(h);
    free(p);
    free(s);

    char *t = assemble("{\"alg\":\"RS256\"}", payload, strlen(payload), mac,
                       sizeof mac);
    expect_refused(t, f->ed, ~0u, LAB_ECRYPTO, "not supported");
    free(t);
}

static void test_key_and_alg_must_match(void **state)
{
    fixture *f = *state;
    /* A good EdDSA signature relabelled ES256, and the reverse. */
    char *t1 = sign_raw("{\"alg\":\"ES256\"}", f->ed, LAB_JWS_EDDSA);
    expect_refused(t1, f->ed, ALL, LAB_ECRYPTO, "does not match");
    /* (an Ed25519 signature read as r||s: not canonical half the time) */
    expect_refused(t1, f->ec, ALL, LAB_ECRYPTO, NULL);
    char *t2 = sign_raw("{\"alg\":\"EdDSA\"}", f->ec, LAB_JWS_ES256);
    expect_refused(t2, f->ec, ALL, LAB_ECRYPTO, "does not match");
    char *t3 = sign_raw("{\"alg\":\"EdDSA\"}", f->ed, LAB_JWS_EDDSA);
    assert_int_equal(verify(t3, strlen(t3), f->ed, LAB_JWS_EDDSA), LAB_OK);
    expect_refused(t3, f->ed, LAB_JWS_ES256, LAB_ECRYPTO, "allow-list");
    expect_refused(t3, f->ed, 0, LAB_ECRYPTO, "allow-list");
    free(t1);
    free(t2);
    free(t3);
}

static void test_header_rules(void **state)
{
    fixture *f = *state;
    char *t;

    t = sign_raw("{\"alg\":\"EdDSA\",\"crit\":[\"exp\"],\"exp\":1}", f->ed,
                 LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_ECRYPTO, "crit");
    free(t);
    t = sign_raw("{\"alg\":\"EdDSA\",\"crit\":[]}", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_ECRYPTO, "crit");
    free(t);
    t = sign_raw("{\"alg\":\"EdDSA\",\"b64\":false}", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_ECRYPTO, "b64");
    free(t);
    t = sign_raw("{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\"}", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_EPARSE, "duplicate");
    free(t);
    t = sign_raw("[\"EdDSA\"]", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_EPARSE, "object");
    free(t);
    t = sign_raw("\"EdDSA\"", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_EPARSE, "JWS header");
    free(t);
    t = sign_raw("{\"typ\":\"vc+jwt\"}", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_EPARSE, "alg");
    free(t);
    t = sign_raw("{\"alg\":\"EdDSA\" ", f->ed, LAB_JWS_EDDSA);
    expect_refused(t, f->ed, ALL, LAB_EPARSE, "JWS header");
    free(t);

    /* The signer refuses what the verifier would. */
    char *out = NULL;
    json_t *h = json_pack("{s:[s]}", "crit", "exp");
    assert_int_equal(lab_jws_sign(&out, h, "x", 1, f->ed), LAB_EINVAL);
    json_decref(h);
    h = json_pack("{s:s}", "alg", "ES256");
    assert_int_equal(lab_jws_sign(&out, h, "x", 1, f->ed), LAB_EINVAL);
    json_decref(h);
    h = json_pack("[]");
    assert_int_equal(lab_jws_sign(&out, h, "x", 1, f->ed), LAB_EINVAL);
    json_decref(h);
    assert_int_equal(lab_jws_sign(&out, NULL, "", 0, f->ed), LAB_EINVAL);
    assert_null(out);
}

static void test_structure(void **state)
{
    fixture *f = *state;
    char *token = sign(f->ed, "vc+jwt");
    lab_buf b = LAB_BUF_INIT;

    /* Padding on a part whose length is not a multiple of four. */
    char *d1 = strchr(token, '.');
    char *d2 = strchr(d1 + 1, '.');
    assert_true((d1 - token) % 4 != 0 || (d2 - d1 - 1) % 4 != 0 ||
                strlen(d2 + 1) % 4 != 0);
    lab_buf_printf(&b, "%s=", token); /* the signature has 86 chars */
    expect_refused(b.data, f->ed, ALL, LAB_EPARSE, "padding");
    lab_buf_free(&b);
    lab_buf_add(&b, token, (size_t)(d1 - token));
    lab_buf_printf(&b, "==%s", d1);
    expect_refused(b.data, f->ed, ALL, LAB_EPARSE, NULL);
    lab_buf_free(&b);

    /* Four parts, two parts, JWE-like five parts. */
    lab_buf_printf(&b, "%s.", token);
    expect_refused(b.data, f->ed, ALL, LAB_EPARSE, "three parts");
    lab_buf_free(&b);
    lab_buf_add(&b, token, (size_t)(d2 - token));
    expect_refused(b.data, f->ed, ALL, LAB_EPARSE, "three parts");
    lab_buf_free(&b);
    expect_refused("a.b.c.d.e", f->ed, ALL, LAB_EPARSE, "three parts");
    expect_refused("", f->ed, ALL, LAB_EPARSE, NULL);
    expect_refused("..", f->ed, ALL, LAB_EPARSE, NULL);

    /* An empty payload (detached content) is refused. */
    lab_buf_add(&b, token, (size_t)(d1 - token) + 1);
    lab_buf_adds(&b, d2);
    expect_refused(b.data, f->ed, ALL, LAB_EPARSE, "empty payload");
    lab_buf_free(&b);
    free(token);
}

static void test_size_limit(void **state)
{
    fixture *f = *state;
    size_t n = LAB_JWS_MAX_TOKEN + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'A', n);
    big[n] = '\0';
    expect_refused(big, f->ed, ALL, LAB_ELIMIT, "limit");

    /* A properly signed token just over the limit. */
    size_t plen = LAB_JWS_MAX_TOKEN / 4 * 3;
    memset(big, 'x', plen);
    char *token = NULL;
    assert_int_equal(lab_jws_sign(&token, NULL, big, plen, f->ed), LAB_OK);
    assert_true(strlen(token) > LAB_JWS_MAX_TOKEN);
    expect_refused(token, f->ed, ALL, LAB_ELIMIT, "limit");
    free(token);
    /* And one under it verifies. */
    assert_int_equal(lab_jws_sign(&token, NULL, big, plen - 200, f->ed),
                     LAB_OK);
    assert_int_equal(verify(token, strlen(token), f->ed, ALL), LAB_OK);
    free(token);
    free(big);
}

static void test_base64url(void **state)
{
    (void)state;
    unsigned char data[16], *back = NULL;
    size_t len = 0;
    char *enc = NULL;

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 37 + 250);
    for (size_t n = 0; n <= sizeof data; n++) {
        assert_int_equal(lab_b64url_encode(&enc, data, n), LAB_OK);
        assert_int_equal(strlen(enc), (n * 4 + 2) / 3);
        assert_null(strchr(enc, '='));
        assert_int_equal(lab_b64url_decode(&back, &len, enc, strlen(enc)),
                         LAB_OK);
        assert_int_equal(len, n);
        assert_memory_equal(back, data, n);
        free(enc);
        free(back);
    }
    assert_int_equal(lab_b64url_encode(&enc, "\xfb\xff", 2), LAB_OK);
    assert_string_equal(enc, "-_8");
    free(enc);

    static const char *const bad[] = {"YQ==", "YQ=",   "+/8",  "ab/",
                                      "YR",   "YWJ",   "A",    "YWJjZ",
                                      "YW J", "YW\nJ", "Y\0Q", "YWI="};
    static const size_t badlen[] = {4, 3, 3, 3, 2, 3, 1, 5, 4, 4, 3, 4};
    for (size_t i = 0; i < LAB_ARRAY_LEN(bad); i++) {
        if (lab_b64url_decode(&back, &len, bad[i], badlen[i]) != LAB_EPARSE)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(lab_b64url_decode(&back, &len, "YWI", 3), LAB_OK);
    assert_string_equal((char *)back, "ab");
    free(back);
    assert_int_equal(lab_b64url_decode(&back, &len, "", 0), LAB_OK);
    assert_int_equal(len, 0);
    free(back);
}

/* Errors our calls raise never stay on the queue, and errors the host
 * had queued are still there afterwards. */
static void test_host_error_queue(void **state)
{
    fixture *f = *state;
    char *token = sign(f->ec, "vc+jwt");

    ERR_clear_error();
    ERR_raise(ERR_LIB_USER, 42);
    unsigned long host = ERR_peek_error();
    assert_int_not_equal(host, 0);
    token[strlen(token) - 3] ^= 1;
    assert_int_not_equal(verify(token, strlen(token), f->ec, ALL), LAB_OK);
    assert_int_not_equal(verify(token, strlen(token), f->ed, ALL), LAB_OK);
    EVP_PKEY *pub = NULL;
    assert_int_not_equal(lab_key_load_public_pem(&pub, "junk", 4), LAB_OK);
    assert_int_equal(ERR_peek_last_error(), host);
    assert_int_equal(ERR_get_error(), host);
    assert_int_equal(ERR_get_error(), 0);
    assert_int_not_equal(lab_key_load_public_pem(&pub, "junk", 4), LAB_OK);
    assert_int_equal(ERR_peek_error(), 0);
    free(token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_es256_low_s),
        cmocka_unit_test(test_rfc8037_example),
        cmocka_unit_test(test_rfc7515_es256_example),
        cmocka_unit_test(test_tamper_every_byte),
        cmocka_unit_test(test_alg_none),
        cmocka_unit_test(test_hs256_with_public_key),
        cmocka_unit_test(test_key_and_alg_must_match),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_host_error_queue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
