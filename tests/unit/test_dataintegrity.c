/*
 * test_dataintegrity.c - the specification of dataintegrity.c, checked
 * against the W3C test vector of the eddsa-jcs-2022 cryptosuite
 * (w3c/vc-di-eddsa TestVectors): the Multikey key pair decodes, every
 * intermediate (canonical document and proof configuration, their hashes,
 * the combined hash) matches, signing gives exactly the published
 * proofValue, the published signed credential verifies, and changing one
 * character of it does not.  Also base58btc on known values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto.h"

#include <openssl/err.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define VECTOR LAB_CONFORMANCE_DIR "/eddsa-jcs-2022/"

/* Reads a vector file, without trailing white space. */
static char *read_text(const char *name)
{
    char path[1024], *text = NULL;
    size_t len = 0;

    snprintf(path, sizeof path, "%s%s", VECTOR, name);
    if (lab_read_file(&text, &len, path, 1 << 20) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        text[--len] = '\0';
    return text;
}

static json_t *read_json(const char *name)
{
    char *text = read_text(name);
    json_t *v = NULL;
    if (lab_jcs_parse(&v, text, strlen(text)) != LAB_OK)
        fail_msg("%s: %s", name, lab_errmsg());
    free(text);
    return v;
}

static void expect_text(const char *name, const char *got)
{
    char *want = read_text(name);
    if (strcmp(got, want) != 0)
        fail_msg("%s:\n got  %s\n want %s", name, got, want);
    free(want);
}

static void hex(char *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

typedef struct fixture {
    EVP_PKEY *secret;
    EVP_PKEY *public;
    json_t *unsigned_doc;
    json_t *options;
    json_t *signed_doc;
} fixture;

static int setup(void **state)
{
    struct stat st;
    if (stat(VECTOR "keyPair.json", &st) != 0) {
        fprintf(stderr, "%skeyPair.json: conformance data missing\n", VECTOR);
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    json_t *pair = read_json("keyPair.json");
    const char *pub =
        json_string_value(json_object_get(pair, "publicKeyMultibase"));
    const char *sec =
        json_string_value(json_object_get(pair, "privateKeyMultibase"));
    if (f == NULL || lab_multikey_ed25519_public(&f->public, pub) != LAB_OK ||
        lab_multikey_ed25519_private(&f->secret, sec) != LAB_OK)
        return -1;
    json_decref(pair);
    f->unsigned_doc = read_json("unsigned.json");
    f->options = read_json("proofConfigJCS.json");
    f->signed_doc = read_json("signedJCS.json");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f == NULL)
        return 0;
    EVP_PKEY_free(f->secret);
    EVP_PKEY_free(f->public);
    json_decref(f->unsigned_doc);
    json_decref(f->options);
    json_decref(f->signed_doc);
    free(f);
    return 0;
}

#define NEED_VECTOR(f)   \
    do {                 \
        if ((f) == NULL) \
            fail();      \
    } while (0)

static void test_key_pair(void **state)
{
    fixture *f = *state;
    NEED_VECTOR(f);
    char *mb = NULL;
    json_t *pair = read_json("keyPair.json");

    /* The secret key's public half is the published public key. */
    assert_int_equal(EVP_PKEY_eq(f->secret, f->public), 1);
    assert_int_equal(lab_multikey_ed25519_encode(&mb, f->secret), LAB_OK);
    assert_string_equal(
        mb, json_string_value(json_object_get(pair, "publicKeyMultibase")));
    free(mb);
    json_decref(pair);

    EVP_PKEY *k = NULL;
    assert_int_equal(lab_multikey_ed25519_public(&k, "6MkrJVnaZkeFzdQ"),
                     LAB_EPARSE);
    assert_int_equal(lab_multikey_ed25519_public(&k, "z6MkrJVnaZkeFzdQ"),
                     LAB_EPARSE);
    /* A secret key is not taken as a public one, nor the reverse. */
    assert_int_equal(
        lab_multikey_ed25519_public(
            &k, "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"),
        LAB_EPARSE);
    assert_int_equal(
        lab_multikey_ed25519_private(
            &k, "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"),
        LAB_EPARSE);
    assert_null(k);
}

static void test_intermediates(void **state)
{
    fixture *f = *state;
    NEED_VECTOR(f);
    json_t *config = NULL;
    char *text = NULL;
    unsigned char hash[64];
    char hx[129];

    assert_int_equal(lab_di_proof_config(&config, f->unsigned_doc, f->options),
                     LAB_OK);
    assert_int_equal(lab_jcs_serialize(&text, NULL, config), LAB_OK);
    expect_text("proofCanonJCS.txt", text);
    free(text);
    assert_int_equal(lab_jcs_serialize(&text, NULL, f->unsigned_doc), LAB_OK);
    expect_text("canonDocJCS.txt", text);
    free(text);

    assert_int_equal(lab_di_eddsa_jcs_hash(hash, f->unsigned_doc, config),
                     LAB_OK);
    hex(hx, hash, 32);
    expect_text("proofHashJCS.txt", hx);
    hex(hx, hash + 32, 32);
    expect_text("docHashJCS.txt", hx);
    hex(hx, hash, 64);
    expect_text("combinedHashJCS.txt", hx);

    /* The signature over the combined hash, in hex. */
    unsigned char sig[64];
    size_t siglen = 0;
    assert_int_equal(
        lab_sig_sign(sig, &siglen, LAB_JWS_EDDSA, f->secret, hash, sizeof hash),
        LAB_OK);
    hex(hx, sig, siglen);
    expect_text("sigHexJCS.txt", hx);
    json_decref(config);
}

static void test_sign_vector(void **state)
{
    fixture *f = *state;
    NEED_VECTOR(f);
    char *pv = NULL;
    json_t *secured = NULL;

    assert_int_equal(
        lab_di_eddsa_jcs_sign(&pv, f->unsigned_doc, f->options, f->secret),
        LAB_OK);
    expect_text("sigBTC58JCS.txt", pv);
    free(pv);

    /* Securing the document gives the published signed credential. */
    assert_int_equal(lab_di_eddsa_jcs_secure(&secured, f->unsigned_doc,
                                             f->options, f->secret),
                     LAB_OK);
    assert_true(json_equal(secured, f->signed_doc));
    assert_int_equal(
        lab_di_eddsa_jcs_secure(&secured, f->signed_doc, f->options, f->secret),
        LAB_EINVAL);
    json_decref(secured);

    /* Options of another kind are refused. */
    json_t *bad = json_deep_copy(f->options);
    json_object_set_new(bad, "cryptosuite", json_string("ecdsa-jcs-2019"));
    assert_int_equal(
        lab_di_eddsa_jcs_sign(&pv, f->unsigned_doc, bad, f->secret),
        LAB_EINVAL);
    json_decref(bad);
}

static void test_verify_vector(void **state)
{
    fixture *f = *state;
    NEED_VECTOR(f);
    int rc = lab_di_eddsa_jcs_verify(f->signed_doc, f->public);
    if (rc != LAB_OK)
        fail_msg("%s", lab_errmsg());
    /* Another key does not verify it. */
    EVP_PKEY *other = NULL;
    assert_int_equal(lab_key_generate(&other, LAB_KEY_ED25519), LAB_OK);
    assert_int_equal(lab_di_eddsa_jcs_verify(f->signed_doc, other),
                     LAB_ECRYPTO);
    EVP_PKEY_free(other);
    /* Nor does a P-256 key. */
    assert_int_equal(lab_key_generate(&other, LAB_KEY_P256), LAB_OK);
    assert_int_equal(lab_di_eddsa_jcs_verify(f->signed_doc, other),
                     LAB_ECRYPTO);
    EVP_PKEY_free(other);
    assert_int_equal(ERR_peek_error(), 0);
}

/* Replaces member `name` of the object at `path` ("" = top,
 * "credentialSubject", "proof") and expects verification to fail. */
static void tamper(const fixture *f, const char *path, const char *name,
                   json_t *value, int want)
{
    json_t *doc = json_deep_copy(f->signed_doc);
    json_t *obj = path[0] != '\0' ? json_object_get(doc, path) : doc;
    json_object_set_new(obj, name, value);
    int rc = lab_di_eddsa_jcs_verify(doc, f->public);
    if (rc != want)
        fail_msg("%s.%s: got %d (%s), want %d", path, name, rc, lab_errmsg(),
                 want);
    json_decref(doc);
}

static void test_tampering(void **state)
{
    fixture *f = *state;
    NEED_VECTOR(f);
    /* One character of the credential changed. */
    tamper(f, "credentialSubject", "alumniOf",
           json_string("The School of Examplez"), LAB_ECRYPTO);
    tamper(f, "", "validFrom", json_string("2023-01-01T00:00:01Z"),
           LAB_ECRYPTO);
    tamper(f, "", "extra", json_true(), LAB_ECRYPTO);
    /* One character of the proof changed. */
    tamper(f, "proof", "created", json_string("2023-02-24T23:36:39Z"),
           LAB_ECRYPTO);
    tamper(f, "proof", "proofValue",
           json_string("z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS9"
                       "3FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aY"),
           LAB_ECRYPTO);
    tamper(f, "proof", "proofValue", json_string("x2HnFSSPPBzR36zdDgK8"),
           LAB_EINVAL);
    tamper(f, "proof", "proofValue", json_string("z2HnFSSPPBzR36zdDgK8"),
           LAB_EINVAL);
    tamper(f, "proof", "cryptosuite", json_string("eddsa-rdfc-2022"),
           LAB_EINVAL);
    tamper(f, "proof", "@context",
           json_pack("[s]", "https://www.w3.org/ns/credentials/v1"),
           LAB_ECRYPTO);
    tamper(f, "", "proof", json_array(), LAB_EUNSUPPORTED);

    /* Every single character of the credential's text matters. */
    char *text = NULL;
    assert_int_equal(lab_jcs_serialize(&text, NULL, f->signed_doc), LAB_OK);
    size_t n = strlen(text), tested = 0;
    for (size_t i = 0; i < n; i++) {
        char saved = text[i];
        text[i] = saved == 'a' ? 'b' : 'a';
        json_t *doc = NULL;
        if (lab_jcs_parse(&doc, text, n) == LAB_OK) {
            tested++;
            if (lab_di_eddsa_jcs_verify(doc, f->public) == LAB_OK)
                fail_msg("verified with byte %zu changed", i);
            json_decref(doc);
        }
        text[i] = saved;
    }
    assert_true(tested > n / 2);
    free(text);
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_base58(void **state)
{
    (void)state;
    static const struct {
        const char *bin;
        size_t n;
        const char *b58;
    } cases[] = {
        {"", 0, ""},
        {"\0", 1, "1"},
        {"\0\0\x01", 3, "112"},
        {"hello world", 11, "StV1DL6CwTryKyV"},
        {"\x00\x00\x28\x7f\xb4\xcd", 6, "11233QC4"},
        {"\xff\xff", 2, "LUv"},
        {"\x39", 1, "z"},
        {"\x3a", 1, "21"},
    };
    for (size_t i = 0; i < LAB_ARRAY_LEN(cases); i++) {
        char *s = NULL;
        unsigned char *b = NULL;
        size_t len = 0;
        assert_int_equal(
            lab_base58btc_encode(&s, (const unsigned char *)cases[i].bin,
                                 cases[i].n),
            LAB_OK);
        assert_string_equal(s, cases[i].b58);
        assert_int_equal(lab_base58btc_decode(&b, &len, s, strlen(s)), LAB_OK);
        assert_int_equal(len, cases[i].n);
        assert_memory_equal(b, cases[i].bin, len);
        free(s);
        free(b);
    }
    static const char *const bad[] = {"0", "O", "I", "l", "abc+", "z z"};
    for (size_t i = 0; i < LAB_ARRAY_LEN(bad); i++) {
        unsigned char *b = NULL;
        size_t len = 0;
        assert_int_equal(lab_base58btc_decode(&b, &len, bad[i], strlen(bad[i])),
                         LAB_EPARSE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_pair),
        cmocka_unit_test(test_intermediates),
        cmocka_unit_test(test_sign_vector),
        cmocka_unit_test(test_verify_vector),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_base58),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
