/*
 * test_cms.c - the specification of credential_cms.c: the signed bytes
 * are the canonical credential inside a vc+jwt or an enveloped document;
 * the seal is a detached CMS SignedData (DER or PEM) that OpenSSL's
 * CMS_verify accepts with the signer certificate as trust anchor and
 * rejects for changed content, signed with SHA-256 and carrying a signing
 * time but no S/MIME capabilities; an Ed25519 key, a certificate of
 * another key, an expired certificate or a file that is no certificate
 * are refused with a message, leaving OpenSSL's error queue empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "credential.h"

#include <openssl/pem.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

/* A self-signed certificate for key, valid from `from` to `to` days
 * from now, as PEM text (free()). */
static char *self_signed(EVP_PKEY *key, long from, long to)
{
    OSSL_LIB_CTX *ctx = NULL;
    assert_int_equal(lab_crypto_libctx(&ctx), LAB_OK);
    X509 *x = X509_new_ex(ctx, NULL);
    X509_NAME *name = X509_NAME_new();
    assert_non_null(x);
    assert_non_null(name);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"Test Auditor", -1, -1,
                               0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), from * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), to * 86400L);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    const EVP_MD *md = EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();
    assert_true(X509_sign(x, key, md) > 0);
    BIO *mem = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(mem, x), 1);
    char *p = NULL;
    long n = BIO_get_mem_data(mem, &p);
    char *pem = calloc(1, (size_t)n + 1);
    assert_non_null(pem);
    memcpy(pem, p, (size_t)n);
    BIO_free(mem);
    X509_NAME_free(name);
    X509_free(x);
    return pem;
}

static json_t *credential(void)
{
    json_t *c = json_pack("{s:[s], s:s, s:{s:s}, s:f}", "@context",
                          LAB_VC_CONTEXT, "id", "urn:uuid:1", "issuer", "id",
                          "did:web:brand.example", "score", 1.5);
    assert_non_null(c);
    return c;
}

static void test_content_from_token_and_envelope(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    json_t *cred = credential();
    char *token = NULL, *want = NULL, *got = NULL;
    size_t wlen = 0, glen = 0;

    assert_int_equal(lab_key_generate(&key, LAB_KEY_ED25519), LAB_OK);
    assert_int_equal(lab_cred_seal(&token, cred, key), LAB_OK);
    assert_int_equal(lab_jcs_serialize(&want, &wlen, cred), LAB_OK);
    assert_int_equal(lab_cms_content(&got, &glen, token, strlen(token)),
                     LAB_OK);
    assert_int_equal(glen, wlen);
    assert_memory_equal(got, want, wlen);
    free(got);

    lab_buf env = LAB_BUF_INIT;
    lab_buf_printf(&env,
                   "{\"id\":\"data:application/vc+jwt,%s\",\"type\":"
                   "\"EnvelopedVerifiableCredential\"}\n",
                   token);
    assert_int_equal(lab_cms_content(&got, &glen, env.data, env.len), LAB_OK);
    assert_string_equal(got, want);
    free(got);
    lab_buf_free(&env);

    assert_int_equal(lab_cms_content(&got, NULL, "abc", 3), LAB_EPARSE);
    assert_int_equal(lab_cms_content(&got, NULL, "{\"id\":1}", 8), LAB_EPARSE);
    assert_int_equal(lab_cms_content(&got, NULL, "e30.W10.", 8), LAB_EPARSE);
    free(want);
    free(token);
    json_decref(cred);
    EVP_PKEY_free(key);
}

/* CMS_verify with the certificate as the only trust anchor. */
static int cms_ok(const unsigned char *der, size_t n, const char *cert_pem,
                  const char *content, size_t clen)
{
    BIO *cb = BIO_new_mem_buf(cert_pem, -1);
    X509 *cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    X509_STORE *store = X509_STORE_new();
    BIO *in = BIO_new_mem_buf(der, (int)n);
    BIO *data = BIO_new_mem_buf(content, (int)clen);
    CMS_ContentInfo *cms = d2i_CMS_bio(in, NULL);
    assert_non_null(cert);
    assert_non_null(cms);
    assert_int_equal(X509_STORE_add_cert(store, cert), 1);
    X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
    assert_int_equal(CMS_is_detached(cms), 1);
    int ok = CMS_verify(cms, NULL, store, data, NULL, CMS_BINARY);
    CMS_ContentInfo_free(cms);
    BIO_free(data);
    BIO_free(in);
    BIO_free(cb);
    X509_STORE_free(store);
    X509_free(cert);
    ERR_clear_error();
    return ok;
}

static void test_sign_and_verify(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    const char content[] = "{\"a\":1,\"b\":\"x\"}";
    size_t clen = sizeof content - 1;

    assert_int_equal(lab_key_generate(&key, LAB_KEY_P256), LAB_OK);
    char *cert = self_signed(key, -1, 30);
    assert_int_equal(
        lab_cms_sign(&sig, &siglen, content, clen, key, cert, strlen(cert), 0),
        LAB_OK);
    assert_int_equal(cms_ok(sig, siglen, cert, content, clen), 1);
    char changed[sizeof content];
    memcpy(changed, content, sizeof content);
    changed[5] = '2';
    assert_int_equal(cms_ok(sig, siglen, cert, changed, clen), 0);

    /* Attributes: signing time, no S/MIME capabilities; SHA-256. */
    BIO *in = BIO_new_mem_buf(sig, (int)siglen);
    CMS_ContentInfo *cms = d2i_CMS_bio(in, NULL);
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    assert_int_equal(sk_CMS_SignerInfo_num(sis), 1);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    assert_true(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0);
    assert_true(CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities, -1) < 0);
    X509_ALGOR *dig = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
    const ASN1_OBJECT *oid = NULL;
    X509_ALGOR_get0(&oid, NULL, NULL, dig);
    assert_int_equal(OBJ_obj2nid(oid), NID_sha256);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    free(sig);

    /* PEM on request. */
    assert_int_equal(
        lab_cms_sign(&sig, &siglen, content, clen, key, cert, strlen(cert), 1),
        LAB_OK);
    assert_memory_equal(sig, "-----BEGIN CMS-----", 19);
    free(sig);
    free(cert);
    EVP_PKEY_free(key);
}

static void test_refusals(void **state)
{
    (void)state;
    EVP_PKEY *p256 = NULL, *other = NULL, *ed = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0;

    assert_int_equal(lab_key_generate(&p256, LAB_KEY_P256), LAB_OK);
    assert_int_equal(lab_key_generate(&other, LAB_KEY_P256), LAB_OK);
    assert_int_equal(lab_key_generate(&ed, LAB_KEY_ED25519), LAB_OK);
    char *cert = self_signed(p256, -1, 30);
    char *expired = self_signed(p256, -30, -1);
    char *ed_cert = self_signed(ed, -1, 30);

    ERR_clear_error();
    assert_int_equal(
        lab_cms_sign(&sig, &siglen, "{}", 2, ed, ed_cert, strlen(ed_cert), 0),
        LAB_EUNSUPPORTED);
    assert_non_null(strstr(lab_errmsg(), "P-256"));
    assert_int_equal(
        lab_cms_sign(&sig, &siglen, "{}", 2, other, cert, strlen(cert), 0),
        LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "not the CMS key's"));
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(
        lab_cms_sign(&sig, &siglen, "{}", 2, p256, expired, strlen(expired), 0),
        LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "expired"));
    assert_int_equal(lab_cms_sign(&sig, &siglen, "{}", 2, p256, "junk", 4, 0),
                     LAB_EPARSE);
    assert_int_equal(lab_cms_sign(&sig, &siglen, "{}", 2, p256,
                                  "-----BEGIN CERTIFICATE-----\n", 28, 0),
                     LAB_EPARSE);
    assert_int_equal(ERR_peek_error(), 0);
    assert_null(sig);

    lab_cms_options o = LAB_CMS_OPTIONS_INIT;
    assert_int_equal(lab_cms_seal("x", 1, "out", &o), LAB_EINVAL);
    o.version = 99;
    assert_int_equal(lab_cms_seal("x", 1, "out", &o), LAB_EVERSION);
    assert_int_equal(lab_cms_options_init(&o, 2), LAB_EVERSION);
    assert_int_equal(lab_cms_options_init(&o, LAB_CMS_OPTIONS_VERSION), LAB_OK);

    free(cert);
    free(expired);
    free(ed_cert);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(other);
    EVP_PKEY_free(ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_from_token_and_envelope),
        cmocka_unit_test(test_sign_and_verify),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
