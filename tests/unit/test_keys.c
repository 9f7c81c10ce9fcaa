/*
 * test_keys.c - the specification of keys.c: generated keys are written
 * with mode 0600 and read back; a key file that group or others may read,
 * or a symbolic link, is refused with a clear message; an encrypted key
 * round-trips with a passphrase from the environment and is refused
 * without it or with a wrong one; keys load from an environment variable;
 * public keys round-trip through PEM and JWK; and key ids are RFC 7638
 * thumbprints, checked against the examples of RFC 7638 and RFC 8037.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto.h"

#include <openssl/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/lab_keys_XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void path_in(char *out, size_t n, const fixture *f, const char *name)
{
    snprintf(out, n, "%s/%s", f->dir, name);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static void expect_ok(int rc)
{
    if (rc != LAB_OK)
        fail_msg("%s", lab_errmsg());
}

static void test_generate_write_load(void **state)
{
    fixture *f = *state;
    const lab_key_type types[] = {LAB_KEY_ED25519, LAB_KEY_P256};
    const char *names[] = {"ed.pem", "ec.pem"};

    for (int i = 0; i < 2; i++) {
        char path[128];
        EVP_PKEY *key = NULL, *back = NULL;
        lab_key_type t;
        path_in(path, sizeof path, f, names[i]);
        expect_ok(lab_key_generate(&key, types[i]));
        expect_ok(lab_key_type_of(&t, key));
        assert_int_equal(t, types[i]);
        expect_ok(lab_key_write_private(path, key, NULL, 0));
        assert_int_equal(mode_of(path), 0600);
        char *text = NULL;
        expect_ok(lab_read_file(&text, NULL, path, 1 << 16));
        assert_non_null(strstr(text, "-----BEGIN PRIVATE KEY-----"));
        free(text);
        expect_ok(lab_key_load_private_file(&back, path, NULL));
        assert_int_equal(EVP_PKEY_eq(key, back), 1);
        /* Signatures by the loaded key verify with the original. */
        unsigned char sig[64];
        size_t siglen = 0;
        lab_jws_alg alg = i == 0 ? LAB_JWS_EDDSA : LAB_JWS_ES256;
        expect_ok(lab_sig_sign(sig, &siglen, alg, back, "m", 1));
        expect_ok(lab_sig_verify(alg, key, "m", 1, sig, siglen));

        /* An existing file is kept unless overwriting is asked for. */
        assert_int_equal(lab_key_write_private(path, key, NULL, 0),
                         LAB_EDUPLICATE);
        assert_non_null(strstr(lab_errmsg(), "already exists"));
        expect_ok(lab_key_write_private(path, key, NULL, LAB_KEY_OVERWRITE));
        assert_int_equal(mode_of(path), 0600);
        EVP_PKEY_free(key);
        EVP_PKEY_free(back);
    }
    assert_int_equal(lab_key_generate(&(EVP_PKEY *){NULL}, 7), LAB_EINVAL);
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_refuses_open_modes(void **state)
{
    fixture *f = *state;
    char path[128], link[128];
    EVP_PKEY *key = NULL, *back = NULL;

    path_in(path, sizeof path, f, "open.pem");
    path_in(link, sizeof link, f, "link.pem");
    expect_ok(lab_key_generate(&key, LAB_KEY_ED25519));
    expect_ok(lab_key_write_private(path, key, NULL, 0));

    const unsigned modes[] = {0644, 0640, 0604, 0620, 0602, 0610};
    for (size_t i = 0; i < LAB_ARRAY_LEN(modes); i++) {
        assert_int_equal(chmod(path, modes[i]), 0);
        assert_int_equal(lab_key_load_private_file(&back, path, NULL), LAB_EIO);
        assert_null(back);
        assert_non_null(strstr(lab_errmsg(), "group or others"));
        assert_non_null(strstr(lab_errmsg(), "chmod 600"));
        assert_non_null(strstr(lab_errmsg(), path));
    }
    assert_int_equal(chmod(path, 0400), 0);
    expect_ok(lab_key_load_private_file(&back, path, NULL));
    EVP_PKEY_free(back);
    back = NULL;

    /* A symbolic link to a good key file is refused too. */
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(lab_key_load_private_file(&back, link, NULL), LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), "symbolic link"));
    /* So are folders and missing files. */
    assert_int_equal(lab_key_load_private_file(&back, f->dir, NULL), LAB_EIO);
    path_in(link, sizeof link, f, "missing.pem");
    assert_int_equal(lab_key_load_private_file(&back, link, NULL), LAB_EIO);
    /* A key file is never written through a symbolic link either: the
     * link is kept, or replaced when overwriting. */
    char target[128];
    path_in(link, sizeof link, f, "link2.pem");
    path_in(target, sizeof target, f, "target.pem");
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(lab_key_write_private(link, key, NULL, 0), LAB_EDUPLICATE);
    expect_ok(lab_key_write_private(link, key, NULL, LAB_KEY_OVERWRITE));
    assert_int_equal(mode_of(link), 0600);
    assert_int_not_equal(access(target, F_OK), 0);
    EVP_PKEY_free(key);
}

static void test_encrypted_round_trip(void **state)
{
    fixture *f = *state;
    char path[128];
    EVP_PKEY *key = NULL, *back = NULL;
    char *text = NULL;

    path_in(path, sizeof path, f, "enc.pem");
    setenv("LAB_TEST_PASS", "correct horse battery staple", 1);
    setenv("LAB_TEST_WRONG", "incorrect horse", 1);
    unsetenv("LAB_TEST_UNSET");
    expect_ok(lab_key_generate(&key, LAB_KEY_P256));

    assert_int_equal(lab_key_write_private(path, key, "LAB_TEST_UNSET", 0),
                     LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "LAB_TEST_UNSET"));
    expect_ok(lab_key_write_private(path, key, "LAB_TEST_PASS", 0));
    assert_int_equal(mode_of(path), 0600);
    expect_ok(lab_read_file(&text, NULL, path, 1 << 16));
    assert_non_null(strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_null(strstr(text, "horse"));

    assert_int_equal(lab_key_load_private_file(&back, path, NULL), LAB_ECRYPTO);
    assert_non_null(strstr(lab_errmsg(), "no passphrase"));
    assert_int_equal(lab_key_load_private_file(&back, path, "LAB_TEST_WRONG"),
                     LAB_ECRYPTO);
    assert_non_null(strstr(lab_errmsg(), "wrong passphrase"));
    assert_null(strstr(lab_errmsg(), "horse"));
    expect_ok(lab_key_load_private_file(&back, path, "LAB_TEST_PASS"));
    assert_int_equal(EVP_PKEY_eq(key, back), 1);
    EVP_PKEY_free(back);
    back = NULL;

    /* The same PEM text from an environment variable. */
    setenv("LAB_TEST_KEY", text, 1);
    expect_ok(lab_key_load_private_env(&back, "LAB_TEST_KEY", "LAB_TEST_PASS"));
    assert_int_equal(EVP_PKEY_eq(key, back), 1);
    EVP_PKEY_free(back);
    back = NULL;
    assert_int_equal(lab_key_load_private_env(&back, "LAB_TEST_KEY", NULL),
                     LAB_ECRYPTO);
    assert_int_equal(lab_key_load_private_env(&back, "LAB_TEST_UNSET", NULL),
                     LAB_ENOTFOUND);
    setenv("LAB_TEST_KEY", "-----BEGIN PRIVATE KEY-----\nAAAA\n", 1);
    assert_int_equal(lab_key_load_private_env(&back, "LAB_TEST_KEY", NULL),
                     LAB_EPARSE);
    unsetenv("LAB_TEST_KEY");
    free(text);
    EVP_PKEY_free(key);
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_public_pem_and_jwk(void **state)
{
    fixture *f = *state;
    const lab_key_type types[] = {LAB_KEY_ED25519, LAB_KEY_P256};

    for (int i = 0; i < 2; i++) {
        EVP_PKEY *key = NULL, *pub = NULL, *pub2 = NULL;
        char *pem = NULL, *kid = NULL, path[128];
        json_t *jwk = NULL;

        expect_ok(lab_key_generate(&key, types[i]));
        expect_ok(lab_key_public_pem(&pem, key));
        assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
        assert_null(strstr(pem, "PRIVATE"));
        expect_ok(lab_key_load_public_pem(&pub, pem, strlen(pem)));
        assert_int_equal(EVP_PKEY_eq(key, pub), 1);
        /* A public key cannot sign. */
        unsigned char sig[64];
        size_t siglen;
        assert_int_equal(lab_sig_sign(sig, &siglen,
                                      i == 0 ? LAB_JWS_EDDSA : LAB_JWS_ES256,
                                      pub, "m", 1),
                         LAB_ECRYPTO);
        /* Nor is a public key file taken as a private key. */
        EVP_PKEY *bad = NULL;
        assert_int_not_equal(
            lab_key_load_private_pem(&bad, pem, strlen(pem), NULL), LAB_OK);

        path_in(path, sizeof path, f, i == 0 ? "ed.pub" : "ec.pub");
        expect_ok(lab_key_write_public(path, key, 0));
        assert_int_equal(mode_of(path), 0644);

        expect_ok(lab_key_public_jwk(&jwk, key));
        expect_ok(lab_key_id(&kid, key));
        assert_string_equal(json_string_value(json_object_get(jwk, "kid")),
                            kid);
        assert_int_equal(strlen(kid), 43);
        assert_null(json_object_get(jwk, "d"));
        assert_string_equal(json_string_value(json_object_get(jwk, "kty")),
                            i == 0 ? "OKP" : "EC");
        expect_ok(lab_key_from_jwk(&pub2, jwk));
        assert_int_equal(EVP_PKEY_eq(key, pub2), 1);

        json_decref(jwk);
        free(kid);
        free(pem);
        EVP_PKEY_free(key);
        EVP_PKEY_free(pub);
        EVP_PKEY_free(pub2);
    }
}

static void test_bad_jwks(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    /* A point not on the curve (y of the RFC 7515 key, last byte off). */
    json_t *jwk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256",
                            "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                            "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4");
    assert_int_equal(lab_key_from_jwk(&key, jwk), LAB_ECRYPTO);
    json_decref(jwk);
    jwk = json_pack("{s:s,s:s,s:s}", "kty", "OKP", "crv", "Ed448", "x", "AA");
    assert_int_equal(lab_key_from_jwk(&key, jwk), LAB_EUNSUPPORTED);
    json_decref(jwk);
    jwk =
        json_pack("{s:s,s:s,s:s}", "kty", "OKP", "crv", "Ed25519", "x", "AAAA");
    assert_int_equal(lab_key_from_jwk(&key, jwk), LAB_EINVAL);
    json_decref(jwk);
    assert_null(key);
    assert_int_equal(ERR_peek_error(), 0);
}

/* RFC 7638 section 3.1: the thumbprint of the RSA key of RFC 7517. */
static void test_rfc7638_example(void **state)
{
    (void)state;
    json_t *jwk = json_pack(
        "{s:s,s:s,s:s,s:s}", "kty", "RSA", "n",
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"
        "aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX"
        "Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
        "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"
        "4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e", "AQAB", "alg", "RS256", "kid", "2011-04-29");
    char *tp = NULL;
    expect_ok(lab_jwk_thumbprint(&tp, jwk));
    assert_string_equal(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    free(tp);
    json_decref(jwk);
}

/* RFC 8037 appendix A.3: the thumbprint of the Ed25519 example key, which
 * is also labaudit's key id for that key. */
static void test_rfc8037_thumbprint(void **state)
{
    (void)state;
    static const char x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    static const char want[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
    json_t *jwk =
        json_pack("{s:s,s:s,s:s}", "kty", "OKP", "crv", "Ed25519", "x", x);
    char *tp = NULL, *kid = NULL;
    unsigned char *seed = NULL;
    size_t len = 0;
    EVP_PKEY *key = NULL;

    expect_ok(lab_jwk_thumbprint(&tp, jwk));
    assert_string_equal(tp, want);
    const char *d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    expect_ok(lab_b64url_decode(&seed, &len, d, strlen(d)));
    expect_ok(lab_key_ed25519_private(&key, seed));
    expect_ok(lab_key_id(&kid, key));
    assert_string_equal(kid, want);

    json_t *missing = json_pack("{s:s,s:s}", "kty", "OKP", "crv", "Ed25519");
    assert_int_equal(lab_jwk_thumbprint(&tp, missing), LAB_EINVAL);
    json_decref(missing);
    free(tp);
    free(kid);
    free(seed);
    json_decref(jwk);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_write_load),
        cmocka_unit_test(test_refuses_open_modes),
        cmocka_unit_test(test_encrypted_round_trip),
        cmocka_unit_test(test_public_pem_and_jwk),
        cmocka_unit_test(test_bad_jwks),
        cmocka_unit_test(test_rfc7638_example),
        cmocka_unit_test(test_rfc8037_thumbprint),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
