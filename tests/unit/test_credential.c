/*
 * test_credential.c - the certificate module as a specification: a clean
 * product gets a UNTP conformity credential sealed as vc+jwt (EdDSA and
 * ES256, compact, enveloped, with an eddsa-jcs-2022 proof) that verifies
 * against its trust list; a product with an open blocker is refused with
 * the blockers named; every changed byte of a token or of its payload is
 * rejected; crafted tokens (alg none, HS256 keyed with the public key, a
 * swapped kid, another certificate's payload) are rejected with the right
 * reason code; validity dates, revocation through a Bitstring Status
 * List and evidence hashes are enforced; and the GZIP codec and RFC 3339
 * times behave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "credential.h"

#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ISSUER "did:web:brand.example"
#define LIST_URL "https://brand.example/status/1"
#define CLEAN "SKU-TEE-CREW-001"
#define TAINTED "SKU-SHIRT-POP-002"

typedef struct fixture {
    char dir[64];
    char key[128], key2[128], pkey[128], list[128];
    char *trust; /* both Ed25519 keys and the P-256 key of ISSUER */
    lab_engine *e;
    lab_dataset *ds;
    lab_report *rep;
} fixture;

static fixture fx;

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", fx.dir, name);
}

static int setup(void **state)
{
    (void)state;
    char *jwk1 = NULL, *jwk2 = NULL, *jwk3 = NULL;
    lab_keygen_options ko = LAB_KEYGEN_OPTIONS_INIT;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/test_credential.XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    path_in(fx.key, sizeof fx.key, "issuer.pem");
    path_in(fx.key2, sizeof fx.key2, "second.pem");
    path_in(fx.pkey, sizeof fx.pkey, "p256.pem");
    path_in(fx.list, sizeof fx.list, "status.jwt");
    if (lab_keygen(&jwk1, fx.key, &ko) != LAB_OK ||
        lab_keygen(&jwk2, fx.key2, &ko) != LAB_OK)
        return -1;
    ko.alg = LAB_KEY_ALG_P256;
    if (lab_keygen(&jwk3, fx.pkey, &ko) != LAB_OK)
        return -1;
    lab_buf b = LAB_BUF_INIT;
    lab_buf_printf(&b, "{\"%s\": [%s, %s, %s]}", ISSUER, jwk1, jwk2, jwk3);
    fx.trust = b.data;
    lab_free(jwk1);
    lab_free(jwk2);
    lab_free(jwk3);

    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    so.key_file = fx.key;
    so.list_url = LIST_URL;
    so.issuer_id = ISSUER;
    if (lab_status_list_create(fx.list, &so) != LAB_OK)
        return -1;

    const char *packs[] = {LAB_SOURCE_DIR "/rules"};
    const char *lists[] = {LAB_SOURCE_DIR "/rules/data"};
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = packs;
    eo.npacks = 1;
    eo.lists = lists;
    eo.nlists = 1;
    if (lab_engine_new(&fx.e, &eo) != LAB_OK ||
        lab_dataset_new(&fx.ds) != LAB_OK ||
        lab_dataset_load(fx.ds, LAB_SOURCE_DIR "/examples/cotton") != LAB_OK ||
        lab_check(&fx.rep, fx.e, fx.ds, NULL) != LAB_OK) {
        fprintf(stderr, "setup: %s\n", lab_errmsg());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    lab_report_free(fx.rep);
    lab_dataset_free(fx.ds);
    lab_engine_free(fx.e);
    free(fx.trust);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Issues a certificate for the clean product with the given key. */
static char *issue(const char *key, int enveloped, lab_seal seal,
                   const char *from, long index)
{
    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    char *tok = NULL;
    co.product = CLEAN;
    co.issuer_id = ISSUER;
    co.issuer_name = "Example Brand";
    co.key_file = key;
    co.enveloped = enveloped;
    co.seal = seal;
    co.valid_from = from;
    co.valid_days = 30;
    if (index >= 0) {
        co.status_list = fx.list;
        co.status_index = index;
    }
    int rc = lab_certify(&tok, fx.rep, fx.ds, &co);
    if (rc != LAB_OK)
        fprintf(stderr, "certify: %s\n", lab_errmsg());
    assert_int_equal(rc, LAB_OK);
    return tok;
}

/* Verifies and returns the status (at a time inside the validity). */
static int check_at(const char *tok, size_t n, const char *at, const char *list,
                    const char *evidence)
{
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    int status = -1;
    vo.trust_list = fx.trust;
    vo.at = at;
    vo.status_list = list;
    vo.status_list_len = list ? strlen(list) : 0;
    vo.evidence_dir = evidence;
    assert_int_equal(lab_verify(&status, NULL, tok, n, &vo), LAB_OK);
    return status;
}

static int check(const char *tok)
{
    return check_at(tok, strlen(tok), "2026-01-10T00:00:00Z", NULL, NULL);
}

#define FROM "2026-01-01T00:00:00Z"

static void test_clean_product_verifies(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    char *res = NULL;
    int status = -1;
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    vo.trust_list = fx.trust;
    vo.at = "2026-01-10T00:00:00Z";
    assert_int_equal(lab_verify(&status, &res, tok, strlen(tok), &vo), LAB_OK);
    assert_int_equal(status, LAB_VERIFY_VALID);
    assert_non_null(strstr(res, "\"conformityTopic\": \"social.labour\""));
    assert_non_null(strstr(res, "\"reason\": \"valid\""));
    assert_non_null(strstr(res, "IN20211186XQ2RT")); /* the gin's OS ID */
    /* The header: typ vc+jwt, cty vc, EdDSA, a kid. */
    json_t *hdr = NULL;
    assert_int_equal(lab_cred_split(&hdr, NULL, tok, strlen(tok)), LAB_OK);
    assert_string_equal(json_string_value(json_object_get(hdr, "typ")),
                        "vc+jwt");
    assert_string_equal(json_string_value(json_object_get(hdr, "cty")), "vc");
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")),
                        "EdDSA");
    assert_non_null(json_object_get(hdr, "kid"));
    json_decref(hdr);
    lab_free(res);
    lab_free(tok);
}

static void test_es256_enveloped_and_data_integrity(void **state)
{
    (void)state;
    char *tok = issue(fx.pkey, 0, LAB_SEAL_JWS, FROM, -1);
    assert_int_equal(check(tok), LAB_VERIFY_VALID);
    assert_non_null(strstr(tok, "eyJhbGciOiJFUzI1NiI")); /* {"alg":"ES256" */
    lab_free(tok);
    tok = issue(fx.key, 1, LAB_SEAL_JWS, FROM, -1);
    assert_non_null(strstr(tok, "\"type\":\"EnvelopedVerifiableCredential\""));
    assert_non_null(strstr(tok, "\"id\":\"data:application/vc+jwt,ey"));
    assert_int_equal(check(tok), LAB_VERIFY_VALID);
    lab_free(tok);
    tok = issue(fx.key, 0, LAB_SEAL_DATA_INTEGRITY, FROM, -1);
    json_t *payload = NULL;
    assert_int_equal(lab_cred_peek(&payload, tok, strlen(tok)), LAB_OK);
    const json_t *proof = json_object_get(payload, "proof");
    assert_string_equal(
        json_string_value(json_object_get(proof, "cryptosuite")),
        "eddsa-jcs-2022");
    json_decref(payload);
    assert_int_equal(check(tok), LAB_VERIFY_VALID);
    lab_free(tok);
}

static void test_blocked_product_is_refused(void **state)
{
    (void)state;
    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    char *tok = NULL;
    co.product = TAINTED;
    co.issuer_id = ISSUER;
    co.key_file = fx.key;
    assert_int_equal(lab_certify(&tok, fx.rep, fx.ds, &co), LAB_EBLOCKED);
    assert_null(tok);
    assert_non_null(strstr(lab_errmsg(), "open blockers"));
    assert_non_null(strstr(lab_errmsg(), "origin.supplier-in-xinjiang"));
    co.issuer_id = "not a uri";
    co.product = CLEAN;
    assert_int_equal(lab_certify(&tok, fx.rep, fx.ds, &co), LAB_EINVAL);
}

/* Certifies the clean product with co's assessment options; the payload
 * (NULL when refused, with *rc the code). */
static json_t *certify_with(lab_certify_options *co, int *rc)
{
    char *tok = NULL;
    json_t *payload = NULL;
    co->product = CLEAN;
    co->issuer_id = ISSUER;
    co->issuer_name = "Example Brand";
    co->key_file = fx.key;
    co->valid_from = FROM;
    *rc = lab_certify(&tok, fx.rep, fx.ds, co);
    if (*rc != LAB_OK)
        return NULL;
    assert_int_equal(check(tok), LAB_VERIFY_VALID);
    assert_int_equal(lab_cred_peek(&payload, tok, strlen(tok)), LAB_OK);
    lab_free(tok);
    return payload;
}

static const char *subj_str(const json_t *cred, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(cred, "credentialSubject"), key));
}

/* A scheme and an accredited body, all named. */
static void name_accredited(lab_certify_options *co)
{
    co->assessor_level = LAB_ASSESSOR_ACCREDITED;
    co->scheme_name = "Example Labour Standard";
    co->scheme_id = "https://scheme.example/els";
    co->scheme_version = "2.1";
    co->scheme_owner = "Example Scheme Owner";
    co->scheme_owner_id = "did:web:scheme.example";
    co->body_name = "Example Certification Body Ltd";
    co->body_id = "did:web:cb.example";
    co->accreditation_id = "https://ab.example/accreditations/123";
    co->accreditation_body = "Example Accreditation Service";
    co->accreditation_body_id = "did:web:ab.example";
}

static void test_contexts_and_evidence_links(void **state)
{
    (void)state;
    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    int rc = 0;
    co.seal_link = "tee.jwt.cms";
    json_t *cred = certify_with(&co, &rc);
    assert_int_equal(rc, LAB_OK);
    const json_t *ctx = json_object_get(cred, "@context");
    assert_int_equal(json_array_size(ctx), 3);
    assert_string_equal(json_string_value(json_array_get(ctx, 0)),
                        "https://www.w3.org/ns/credentials/v2");
    assert_string_equal(json_string_value(json_array_get(ctx, 1)),
                        "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/");
    assert_string_equal(json_string_value(json_array_get(ctx, 2)),
                        "https://w3id.org/labaudit/credentials/v1");
    /* audit reports: UNTP SecureLinks, with the fields older verifiers
     * read (file, report_sha256) kept and equal */
    const json_t *subj = json_object_get(cred, "credentialSubject");
    const json_t *reps = json_object_get(
        json_array_get(json_object_get(subj, "assessment"), 0), "auditReports");
    size_t links = 0;
    for (size_t i = 0; i < json_array_size(reps); i++) {
        const json_t *r = json_array_get(reps, i);
        const char *file = json_string_value(json_object_get(r, "file"));
        if (file == NULL) {
            assert_null(json_object_get(r, "linkURL"));
            continue;
        }
        links++;
        assert_string_equal(
            json_string_value(json_array_get(json_object_get(r, "type"), 0)),
            "SecureLink");
        assert_string_equal(json_string_value(json_object_get(r, "linkURL")),
                            file);
        assert_string_equal(
            json_string_value(json_object_get(r, "hashDigest")),
            json_string_value(json_object_get(r, "report_sha256")));
        assert_string_equal(json_string_value(json_object_get(r, "hashMethod")),
                            "SHA-256");
        assert_string_equal(
            json_string_value(json_object_get(r, "encryptionMethod")), "none");
    }
    assert_true(links >= 5);
    const json_t *seal = json_object_get(subj, "seal");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(seal, "type"), 0)),
        "Link");
    assert_string_equal(json_string_value(json_object_get(seal, "linkURL")),
                        "tee.jwt.cms");
    /* self-declared by default, and said so */
    assert_string_equal(subj_str(cred, "assessorLevel"), "Self");
    assert_string_equal(subj_str(cred, "assessmentLevel"), "Unspecified");
    assert_string_equal(subj_str(cred, "attestationType"), "declaration");
    assert_null(json_object_get(subj, "euConsumerLabel"));
    json_decref(cred);
    co.seal_link = "../x.cms";
    assert_null(certify_with(&co, &rc));
    assert_int_equal(rc, LAB_EINVAL);
}

static void test_assessor_levels_map_to_untp(void **state)
{
    (void)state;
    static const struct {
        lab_assessor_level level;
        const char *assessor, *assessment;
    } want[] = {
        {LAB_ASSESSOR_SELF, "Self", "Unspecified"},
        {LAB_ASSESSOR_SECOND_PARTY, "Buyer", "Unspecified"},
        {LAB_ASSESSOR_THIRD_PARTY, "3rdParty", "Verified"},
        {LAB_ASSESSOR_ACCREDITED, "3rdParty", "Accredited"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
        int rc = 0;
        if (want[i].level == LAB_ASSESSOR_ACCREDITED) {
            name_accredited(&co);
        } else if (want[i].level != LAB_ASSESSOR_SELF) {
            co.assessor_level = want[i].level;
            co.body_name = "Example Buyer Audits";
            co.body_id = "did:web:buyer.example";
        }
        json_t *cred = certify_with(&co, &rc);
        if (rc != LAB_OK)
            fprintf(stderr, "level %zu: %s\n", i, lab_errmsg());
        assert_int_equal(rc, LAB_OK);
        assert_string_equal(subj_str(cred, "assessorLevel"), want[i].assessor);
        assert_string_equal(subj_str(cred, "assessmentLevel"),
                            want[i].assessment);
        const json_t *subj = json_object_get(cred, "credentialSubject");
        const json_t *a0 =
            json_array_get(json_object_get(subj, "assessment"), 0);
        const json_t *auditor = json_object_get(a0, "auditor");
        if (want[i].level == LAB_ASSESSOR_SELF) {
            assert_null(auditor);
        } else {
            assert_non_null(json_string_value(json_object_get(auditor, "id")));
            assert_non_null(
                json_string_value(json_object_get(auditor, "name")));
        }
        if (want[i].level == LAB_ASSESSOR_ACCREDITED) {
            const json_t *scope = json_object_get(subj, "scope");
            assert_string_equal(json_string_value(json_object_get(scope, "id")),
                                "https://scheme.example/els");
            assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(scope, "owner"), "id")),
                                "did:web:scheme.example");
            assert_non_null(json_object_get(scope, "rulePacks"));
            const json_t *e =
                json_array_get(json_object_get(subj, "authorisation"), 0);
            assert_string_equal(json_string_value(json_array_get(
                                    json_object_get(e, "type"), 0)),
                                "Endorsement");
            assert_string_equal(
                json_string_value(json_object_get(
                    json_object_get(e, "issuingAuthority"), "name")),
                "Example Accreditation Service");
            assert_string_equal(subj_str(cred, "attestationType"),
                                "certification");
        }
        json_decref(cred);
    }
    /* inconsistent stories are refused */
    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    int rc = 0;
    co.body_name = "Body";
    co.body_id = "did:web:body.example";
    assert_null(certify_with(&co, &rc)); /* a body, but self-declared */
    assert_int_equal(rc, LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "not self-declared"));
    co.assessor_level = LAB_ASSESSOR_THIRD_PARTY;
    co.body_id = "not a uri";
    assert_null(certify_with(&co, &rc));
    assert_int_equal(rc, LAB_EINVAL);
    co.body_name = co.body_id = NULL;
    assert_null(certify_with(&co, &rc)); /* third party, no body */
    assert_int_equal(rc, LAB_EINVAL);
    lab_certify_options c2 = LAB_CERTIFY_OPTIONS_INIT;
    name_accredited(&c2);
    c2.accreditation_body_id = NULL;
    assert_null(certify_with(&c2, &rc));
    assert_int_equal(rc, LAB_EINVAL);
    name_accredited(&c2);
    c2.assessor_level = LAB_ASSESSOR_THIRD_PARTY; /* accreditation given */
    assert_null(certify_with(&c2, &rc));
    assert_int_equal(rc, LAB_EINVAL);
    name_accredited(&c2);
    c2.scheme_version = NULL;
    assert_null(certify_with(&c2, &rc));
    assert_int_equal(rc, LAB_EINVAL);
    c2.assessor_level = (lab_assessor_level)7;
    assert_null(certify_with(&c2, &rc));
    assert_int_equal(rc, LAB_EINVAL);
}

static void test_eu_label_needs_scheme_and_third_party(void **state)
{
    (void)state;
    int rc = 0;
    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    co.label_eu = 1;
    assert_null(certify_with(&co, &rc)); /* self-declared, no scheme */
    assert_int_equal(rc, LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "2024/825"));
    assert_non_null(strstr(lab_errmsg(), "scheme_name"));
    assert_non_null(strstr(lab_errmsg(), "body_name"));
    name_accredited(&co);
    co.assessor_level = LAB_ASSESSOR_SECOND_PARTY;
    co.accreditation_id = co.accreditation_body = NULL;
    co.accreditation_body_id = NULL;
    assert_null(certify_with(&co, &rc)); /* a scheme, a second party */
    assert_int_equal(rc, LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "third-party body"));
    assert_null(strstr(lab_errmsg(), "scheme_name"));
    lab_certify_options c2 = LAB_CERTIFY_OPTIONS_INIT;
    c2.label_eu = 1;
    c2.assessor_level = LAB_ASSESSOR_THIRD_PARTY;
    c2.body_name = "Example Certification Body Ltd";
    c2.body_id = "did:web:cb.example";
    assert_null(certify_with(&c2, &rc)); /* a third party, no scheme */
    assert_int_equal(rc, LAB_EINVAL);
    assert_non_null(strstr(lab_errmsg(), "scheme_name"));
    assert_null(strstr(lab_errmsg(), "body_name"));
    /* accepted: a scheme and a third-party body; then accredited */
    c2.scheme_name = "Example Labour Standard";
    c2.scheme_id = "https://scheme.example/els";
    c2.scheme_version = "2.1";
    c2.scheme_owner = "Example Scheme Owner";
    c2.scheme_owner_id = "did:web:scheme.example";
    json_t *cred = certify_with(&c2, &rc);
    assert_int_equal(rc, LAB_OK);
    assert_true(json_is_true(json_object_get(
        json_object_get(cred, "credentialSubject"), "euConsumerLabel")));
    assert_string_equal(subj_str(cred, "attestationType"), "certification");
    json_decref(cred);
    lab_certify_options c3 = LAB_CERTIFY_OPTIONS_INIT;
    name_accredited(&c3);
    c3.label_eu = 1;
    cred = certify_with(&c3, &rc);
    assert_int_equal(rc, LAB_OK);
    json_decref(cred);
}

/* A caller built against version 1 of lab_certify_options passes a
 * shorter struct: it still certifies, self-declared. */
static void test_version_1_options(void **state)
{
    (void)state;
    typedef struct v1 {
        unsigned version;
        const char *product;
        const char *const *lots;
        size_t nlots;
        const char *claim, *issuer_id, *issuer_name, *key_file, *passphrase_env,
            *valid_from;
        unsigned valid_days;
        const char *status_list;
        long status_index;
        int enveloped;
        lab_seal seal;
    } v1;
    assert_int_equal(offsetof(v1, seal), offsetof(lab_certify_options, seal));
    assert_true(sizeof(v1) >= offsetof(lab_certify_options, assessor_level));
    /* lab_certify_options_init(1) leaves what follows seal untouched */
    lab_certify_options co;
    memset(&co, 0x5a, sizeof co);
    assert_int_equal(lab_certify_options_init(&co, 1), LAB_OK);
    assert_int_equal(co.version, 1);
    assert_int_equal(co.status_index, -1);
    unsigned char *tail = (unsigned char *)&co.assessor_level;
    assert_int_equal(tail[0], 0x5a);
    assert_int_equal(lab_certify_options_init(&co, 2), LAB_OK);
    assert_int_equal(co.assessor_level, LAB_ASSESSOR_SELF);
    assert_null(co.seal_link);
    assert_int_equal(lab_certify_options_init(&co, 3), LAB_EVERSION);
    assert_int_equal(lab_certify_options_init(&co, 0), LAB_EVERSION);
    /* a real version 1 struct, at the end of an allocation (ASan sees a
     * read past it) */
    v1 *o = malloc(sizeof *o);
    memset(o, 0, sizeof *o);
    o->version = 1;
    o->product = CLEAN;
    o->issuer_id = ISSUER;
    o->key_file = fx.key;
    o->valid_from = FROM;
    o->status_index = -1;
    o->seal = LAB_SEAL_JWS;
    char *tok = NULL;
    assert_int_equal(
        lab_certify(&tok, fx.rep, fx.ds, (const lab_certify_options *)o),
        LAB_OK);
    free(o);
    assert_int_equal(check(tok), LAB_VERIFY_VALID);
    json_t *cred = NULL;
    assert_int_equal(lab_cred_peek(&cred, tok, strlen(tok)), LAB_OK);
    assert_string_equal(subj_str(cred, "assessorLevel"), "Self");
    json_decref(cred);
    lab_free(tok);
}

/* Replaces byte i with another base64url character. */
static char other_char(char c)
{
    return c == 'A' ? 'B' : c == '.' ? 'A' : 'A';
}

static void test_every_token_byte_matters(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    size_t n = strlen(tok);
    char *copy = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(copy, tok, n + 1);
        copy[i] = other_char(copy[i]);
        int st = check(copy);
        if (st == LAB_VERIFY_VALID)
            fail_msg("token byte %zu changed and still valid", i);
    }
    free(copy);
    lab_free(tok);
}

/* Re-assembles header.payload'.signature with payload byte i changed. */
static void test_every_payload_byte_matters(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    unsigned char *raw = NULL;
    size_t len = 0;
    assert_int_equal(
        lab_b64url_decode(&raw, &len, d1 + 1, (size_t)(d2 - d1 - 1)), LAB_OK);
    for (size_t i = 0; i < len; i++) {
        unsigned char saved = raw[i];
        raw[i] = (unsigned char)(saved == 'a' ? 'b' : 'a');
        char *p64 = NULL;
        assert_int_equal(lab_b64url_encode(&p64, raw, len), LAB_OK);
        lab_buf b = LAB_BUF_INIT;
        lab_buf_add(&b, tok, (size_t)(d1 - tok) + 1);
        lab_buf_adds(&b, p64);
        lab_buf_adds(&b, d2);
        if (check(b.data) == LAB_VERIFY_VALID)
            fail_msg("payload byte %zu changed and still valid", i);
        lab_buf_free(&b);
        free(p64);
        raw[i] = saved;
    }
    free(raw);
    lab_free(tok);
}

/* header (JSON text) + the payload and signature parts of tok. */
static char *with_header(const char *tok, const char *header, int keep_sig)
{
    char *h64 = NULL;
    lab_b64url_encode(&h64, header, strlen(header));
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    lab_buf b = LAB_BUF_INIT;
    lab_buf_adds(&b, h64);
    lab_buf_add(&b, d1, keep_sig ? strlen(d1) : (size_t)(d2 - d1) + 1);
    free(h64);
    return b.data;
}

static char *kid_of(const char *tok)
{
    json_t *hdr = NULL;
    lab_cred_split(&hdr, NULL, tok, strlen(tok));
    char *kid = strdup(json_string_value(json_object_get(hdr, "kid")));
    json_decref(hdr);
    return kid;
}

static void test_crafted_tokens(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    char *other = issue(fx.key2, 0, LAB_SEAL_JWS, FROM, -1);
    char *kid = kid_of(tok), *kid2 = kid_of(other);
    char hdr[256];

    /* alg none, with and without a signature part */
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"none\",\"typ\":\"vc+jwt\",\"kid\":\"%s\"}", kid);
    char *t = with_header(tok, hdr, 0);
    assert_int_equal(check(t), LAB_VERIFY_ALG_NOT_ALLOWED);
    free(t);
    t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_ALG_NOT_ALLOWED);
    free(t);

    /* HS256 keyed with the issuer's public key (PEM and JWK x) */
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"HS256\",\"typ\":\"vc+jwt\",\"kid\":\"%s\"}", kid);
    t = with_header(tok, hdr, 0);
    EVP_PKEY *key = NULL;
    char *pem = NULL;
    assert_int_equal(lab_key_load_private_file(&key, fx.key, NULL), LAB_OK);
    assert_int_equal(lab_key_public_pem(&pem, key), LAB_OK);
    unsigned char mac[32];
    unsigned int maclen = 0;
    size_t signed_len = strlen(t) - 1;
    HMAC(EVP_sha256(), pem, (int)strlen(pem), (const unsigned char *)t,
         signed_len, mac, &maclen);
    char *m64 = NULL;
    lab_b64url_encode(&m64, mac, maclen);
    lab_buf b = LAB_BUF_INIT;
    lab_buf_adds(&b, t);
    lab_buf_adds(&b, m64);
    assert_int_equal(check(b.data), LAB_VERIFY_ALG_NOT_ALLOWED);
    lab_buf_free(&b);
    free(m64);
    free(pem);
    free(t);
    EVP_PKEY_free(key);

    /* ES256 claimed over an Ed25519 signature and key */
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"ES256\",\"cty\":\"vc\",\"kid\":\"%s\",\"typ\":"
             "\"vc+jwt\"}",
             kid);
    t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_ALG_NOT_ALLOWED);
    free(t);

    /* a swapped kid: another trusted key's id, and an unknown one */
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"EdDSA\",\"cty\":\"vc\",\"kid\":\"%s\",\"typ\":"
             "\"vc+jwt\"}",
             kid2);
    t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_BAD_SIGNATURE);
    free(t);
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"EdDSA\",\"cty\":\"vc\",\"kid\":\"%s\",\"typ\":"
             "\"vc+jwt\"}",
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_UNTRUSTED_ISSUER);
    free(t);

    /* unknown crit, wrong typ */
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"EdDSA\",\"crit\":[\"x\"],\"kid\":\"%s\",\"typ\":"
             "\"vc+jwt\",\"x\":1}",
             kid);
    t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_MALFORMED);
    free(t);
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"JWT\"}", kid);
    t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_MALFORMED);
    free(t);

    /* the payload of another certificate under this one's signature */
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    const char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
    b = (lab_buf)LAB_BUF_INIT;
    lab_buf_add(&b, tok, (size_t)(d1 - tok));
    lab_buf_add(&b, o1, (size_t)(o2 - o1));
    lab_buf_adds(&b, d2);
    assert_int_equal(check(b.data), LAB_VERIFY_BAD_SIGNATURE);
    lab_buf_free(&b);

    /* an issuer that is not on the trust list */
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    int st = -1;
    vo.trust_list = "{\"did:web:other.example\": []}";
    vo.at = "2026-01-10T00:00:00Z";
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_OK);
    assert_int_equal(st, LAB_VERIFY_UNTRUSTED_ISSUER);
    vo.trust_list = "[not json";
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_EPARSE);

    /* garbage, oversized and two-part tokens */
    assert_int_equal(check("not a token"), LAB_VERIFY_MALFORMED);
    assert_int_equal(check("a.b"), LAB_VERIFY_MALFORMED);
    char *big = malloc(LAB_JWS_MAX_TOKEN + 2);
    memset(big, 'A', LAB_JWS_MAX_TOKEN + 1);
    big[LAB_JWS_MAX_TOKEN + 1] = '\0';
    assert_int_equal(check(big), LAB_VERIFY_MALFORMED);
    free(big);

    free(kid);
    free(kid2);
    lab_free(tok);
    lab_free(other);
}

static void test_validity_dates(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    size_t n = strlen(tok);
    assert_int_equal(check_at(tok, n, "2025-12-31T23:59:59Z", NULL, NULL),
                     LAB_VERIFY_NOT_YET_VALID);
    assert_int_equal(check_at(tok, n, FROM, NULL, NULL), LAB_VERIFY_VALID);
    assert_int_equal(check_at(tok, n, "2026-01-30T23:59:59Z", NULL, NULL),
                     LAB_VERIFY_VALID);
    assert_int_equal(check_at(tok, n, "2026-01-31T00:00:00Z", NULL, NULL),
                     LAB_VERIFY_EXPIRED);
    assert_int_equal(check_at(tok, n, "2026-01-31T01:00:00+01:00", NULL, NULL),
                     LAB_VERIFY_EXPIRED);
    lab_free(tok);
}

static char *read_text(const char *path)
{
    char *s = NULL;
    size_t n = 0;
    assert_int_equal(lab_read_file(&s, &n, path, 1 << 20), LAB_OK);
    return s;
}

static void test_revocation(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, 4242);
    char *tok2 = issue(fx.key, 0, LAB_SEAL_JWS, FROM, 4243);
    const char *at = "2026-01-10T00:00:00Z";
    char *list = read_text(fx.list);
    assert_int_equal(check_at(tok, strlen(tok), at, list, NULL),
                     LAB_VERIFY_VALID);
    free(list);

    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    so.key_file = fx.key;
    assert_int_equal(lab_revoke(fx.list, 4242, &so), LAB_OK);
    list = read_text(fx.list);
    assert_int_equal(check_at(tok, strlen(tok), at, list, NULL),
                     LAB_VERIFY_REVOKED);
    assert_int_equal(check_at(tok2, strlen(tok2), at, list, NULL),
                     LAB_VERIFY_VALID);
    free(list);

    /* Another key may not re-sign the list; a list signed by another
     * issuer's key is not trusted. */
    so.key_file = fx.key2;
    assert_int_not_equal(lab_revoke(fx.list, 4243, &so), LAB_OK);
    so.key_file = fx.key;
    assert_int_equal(lab_revoke(fx.list, 131071, &so), LAB_OK);
    assert_int_equal(lab_revoke(fx.list, 131072, &so), LAB_EINVAL);
    lab_free(tok);
    lab_free(tok2);
}

/* A status list signed with the issuer's key, dated as given: what an
 * attacker can replay (an old, validly signed list) or an issuer let
 * lapse.  Bit `set` (if >= 0) is set.  Free with free(). */
static char *crafted_list(const char *url, const char *purpose, int64_t from,
                          int64_t until, long set)
{
    unsigned char *bits = calloc(LAB_STATUS_MIN_BITS / 8, 1);
    char *enc = NULL, *tok = NULL, f[21], u[21];
    EVP_PKEY *key = NULL;
    assert_non_null(bits);
    if (set >= 0)
        bits[set / 8] |= (unsigned char)(0x80u >> (set % 8));
    assert_int_equal(lab_status_encode(&enc, bits, LAB_STATUS_MIN_BITS / 8),
                     LAB_OK);
    lab_time_format(f, from);
    lab_time_format(u, until);
    json_t *cred = json_pack(
        "{s:[s], s:s, s:[s,s], s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "@context",
        LAB_VC_CONTEXT, "id", url, "type", "VerifiableCredential",
        "BitstringStatusListCredential", "issuer", ISSUER, "validFrom", f,
        "credentialSubject", "id", url, "type", "BitstringStatusList",
        "statusPurpose", purpose, "encodedList", enc);
    assert_non_null(cred);
    if (until != 0)
        json_object_set_new(cred, "validUntil", json_string(u));
    assert_int_equal(lab_key_load_private_file(&key, fx.key, NULL), LAB_OK);
    assert_int_equal(lab_cred_seal(&tok, cred, key), LAB_OK);
    EVP_PKEY_free(key);
    json_decref(cred);
    free(enc);
    free(bits);
    return tok;
}

/* Verifies at `at` with status lists `lists` and options version 2. */
static int check_lists(const char *tok, const char *lists, long max_age)
{
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    int status = -1;
    vo.trust_list = fx.trust;
    vo.at = "2026-01-10T00:00:00Z";
    vo.status_list = lists;
    vo.status_list_len = strlen(lists);
    vo.status_max_age = max_age;
    assert_int_equal(lab_verify(&status, NULL, tok, strlen(tok), &vo), LAB_OK);
    return status;
}

/* The attacks of issue 16.4: an expired list, and an old all-clear list
 * replayed over a later revocation, both fail closed (status_stale); a
 * list not yet valid cannot answer (status_unavailable). */
static void test_status_list_freshness(void **state)
{
    (void)state;
    int64_t now = lab_time_now(), day = 86400;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, 77);
    char *fresh = crafted_list(LIST_URL, "revocation", now - day, 0, -1);
    char *revoked = crafted_list(LIST_URL, "revocation", now - day, 0, 77);
    char *old = crafted_list(LIST_URL, "revocation", now - 40 * day, 0, -1);
    char *expired =
        crafted_list(LIST_URL, "revocation", now - 2 * day, now - 60, -1);
    char *future = crafted_list(LIST_URL, "revocation", now + day, 0, -1);

    assert_int_equal(check_lists(tok, fresh, 0), LAB_VERIFY_VALID);
    assert_int_equal(check_lists(tok, revoked, 0), LAB_VERIFY_REVOKED);
    /* 40 days old: past the default 30 days, within a 60-day limit */
    assert_int_equal(check_lists(tok, old, 0), LAB_VERIFY_STATUS_STALE);
    assert_int_equal(check_lists(tok, old, 60 * day), LAB_VERIFY_VALID);
    assert_int_equal(check_lists(tok, old, -1), LAB_VERIFY_VALID);
    assert_int_equal(check_lists(tok, expired, 0), LAB_VERIFY_STATUS_STALE);
    assert_int_equal(check_lists(tok, expired, -1), LAB_VERIFY_STATUS_STALE);
    assert_int_equal(check_lists(tok, future, 0),
                     LAB_VERIFY_STATUS_UNAVAILABLE);
    assert_string_equal(lab_verify_reason(LAB_VERIFY_STATUS_STALE),
                        "status_stale");

    /* a version 1 options struct gets the default maximum age */
    lab_verify_options v1;
    int st = -1;
    assert_int_equal(lab_verify_options_init(&v1, 1), LAB_OK);
    v1.trust_list = fx.trust;
    v1.at = "2026-01-10T00:00:00Z";
    v1.status_list = old;
    v1.status_list_len = strlen(old);
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &v1), LAB_OK);
    assert_int_equal(st, LAB_VERIFY_STATUS_STALE);
    assert_int_equal(lab_verify_options_init(&v1, 3), LAB_EVERSION);

    /* renewing re-dates a list; its window is kept */
    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    char path[160];
    path_in(path, sizeof path, "renew.jwt");
    so.key_file = fx.key;
    so.list_url = LIST_URL;
    so.issuer_id = ISSUER;
    so.valid_days = 7;
    assert_int_equal(lab_status_list_create(path, &so), LAB_OK);
    so.valid_days = 0;
    assert_int_equal(lab_status_list_renew(path, &so), LAB_OK);
    char *renewed = read_text(path);
    assert_int_equal(check_lists(tok, renewed, 0), LAB_VERIFY_VALID);
    json_t *h = NULL, *p = NULL;
    size_t rl = strlen(renewed);
    while (rl > 0 && renewed[rl - 1] == '\n')
        rl--;
    assert_int_equal(lab_cred_split(&h, &p, renewed, rl), LAB_OK);
    int64_t f = 0, u = 0;
    assert_int_equal(
        lab_time_parse(&f, json_string_value(json_object_get(p, "validFrom"))),
        LAB_OK);
    assert_int_equal(
        lab_time_parse(&u, json_string_value(json_object_get(p, "validUntil"))),
        LAB_OK);
    assert_int_equal(u - f, 7 * day);
    json_decref(h);
    json_decref(p);
    free(renewed);

    free(fresh);
    free(revoked);
    free(old);
    free(expired);
    free(future);
    lab_free(tok);
}

/* Indexes are given once: a given index twice is refused, next and
 * random never repeat one, index 0 is never given, a corrupt record is an
 * error naming its line, and a full list says so. */
static void test_status_claim(void **state)
{
    (void)state;
    char path[160], used[176];
    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    path_in(path, sizeof path, "claim.jwt");
    snprintf(used, sizeof used, "%s.used", path);
    so.key_file = fx.key;
    so.list_url = "https://brand.example/status/claim";
    so.issuer_id = ISSUER;
    assert_int_equal(lab_status_list_create(path, &so), LAB_OK);
    long idx = 7;
    assert_int_equal(lab_status_claim(&idx, path, LAB_STATUS_PICK_GIVEN),
                     LAB_OK);
    assert_int_equal(lab_status_claim(&idx, path, LAB_STATUS_PICK_GIVEN),
                     LAB_EDUPLICATE);
    idx = 0;
    assert_int_equal(lab_status_claim(&idx, path, LAB_STATUS_PICK_GIVEN),
                     LAB_EINVAL);
    long seen[200];
    for (int i = 0; i < 200; i++) {
        lab_status_pick pick =
            i % 2 ? LAB_STATUS_PICK_RANDOM : LAB_STATUS_PICK_NEXT;
        assert_int_equal(lab_status_claim(&seen[i], path, pick), LAB_OK);
        assert_true(seen[i] >= 1 && seen[i] < LAB_STATUS_MIN_BITS);
        assert_true(seen[i] != 7);
        for (int j = 0; j < i; j++)
            assert_true(seen[j] != seen[i]);
    }
    assert_int_equal(seen[0], 1);
    FILE *f = fopen(used, "a");
    assert_non_null(f);
    fputs("12x\n", f);
    fclose(f);
    assert_int_equal(lab_status_claim(&idx, path, LAB_STATUS_PICK_NEXT),
                     LAB_EPARSE);
    assert_non_null(strstr(lab_errmsg(), ".used:202:"));
}

/* Suspension: a certificate on a suspension list verifies as suspended
 * while its bit is set and valid once it is cleared; revoke and suspend
 * each refuse the other kind of list; a certificate with both entries is
 * judged on both lists, revocation first. */
static void test_suspension(void **state)
{
    (void)state;
    char path[160], *list = NULL;
    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    path_in(path, sizeof path, "suspension.jwt");
    so.key_file = fx.key;
    so.list_url = "https://brand.example/status/suspension";
    so.issuer_id = ISSUER;
    so.purpose = "suspension";
    assert_int_equal(lab_status_list_create(path, &so), LAB_OK);

    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    char *tok = NULL;
    co.product = CLEAN;
    co.issuer_id = ISSUER;
    co.key_file = fx.key;
    co.valid_from = FROM;
    co.valid_days = 30;
    co.status_list = path;
    co.status_index = 9;
    assert_int_equal(lab_certify(&tok, fx.rep, fx.ds, &co), LAB_OK);
    list = read_text(path);
    assert_int_equal(check_lists(tok, list, 0), LAB_VERIFY_VALID);
    free(list);
    assert_int_equal(lab_suspend(path, 9, &so), LAB_OK);
    list = read_text(path);
    assert_int_equal(check_lists(tok, list, 0), LAB_VERIFY_SUSPENDED);
    assert_string_equal(lab_verify_reason(LAB_VERIFY_SUSPENDED), "suspended");
    free(list);
    assert_int_equal(lab_revoke(path, 9, &so), LAB_EINVAL);
    assert_int_equal(lab_unsuspend(path, 9, &so), LAB_OK);
    list = read_text(path);
    assert_int_equal(check_lists(tok, list, 0), LAB_VERIFY_VALID);
    free(list);
    assert_int_equal(lab_suspend(fx.list, 9, &so), LAB_EINVAL);
    so.purpose = "hold";
    assert_int_equal(lab_status_list_create(path, &so), LAB_EINVAL);

    /* both entries: the issuer's credential with a revocation and a
     * suspension entry, and the two lists given together */
    json_t *h = NULL, *p = NULL;
    assert_int_equal(lab_cred_split(&h, &p, tok, strlen(tok)), LAB_OK);
    json_t *entries =
        json_pack("[{s:s, s:s, s:s, s:s, s:s}, O]", "id", LIST_URL "#5", "type",
                  "BitstringStatusListEntry", "statusPurpose", "revocation",
                  "statusListIndex", "5", "statusListCredential", LIST_URL,
                  json_object_get(p, "credentialStatus"));
    json_object_set_new(p, "credentialStatus", entries);
    EVP_PKEY *key = NULL;
    char *both = NULL;
    assert_int_equal(lab_key_load_private_file(&key, fx.key, NULL), LAB_OK);
    assert_int_equal(lab_cred_seal(&both, p, key), LAB_OK);
    int64_t now = lab_time_now();
    char *rev_clear = crafted_list(LIST_URL, "revocation", now - 60, 0, -1);
    char *rev_set = crafted_list(LIST_URL, "revocation", now - 60, 0, 5);
    char *sus_set = crafted_list("https://brand.example/status/suspension",
                                 "suspension", now - 60, 0, 9);
    lab_buf two = LAB_BUF_INIT;
    lab_buf_printf(&two, "%s\n%s\n", sus_set, rev_clear);
    assert_int_equal(check_lists(both, two.data, 0), LAB_VERIFY_SUSPENDED);
    lab_buf_free(&two);
    lab_buf_printf(&two, "%s\n%s\n", sus_set, rev_set);
    assert_int_equal(check_lists(both, two.data, 0), LAB_VERIFY_REVOKED);
    lab_buf_free(&two);
    /* one of the two lists given: the other entry is unchecked */
    char *res = NULL;
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    int st = -1;
    vo.trust_list = fx.trust;
    vo.at = "2026-01-10T00:00:00Z";
    vo.status_list = rev_clear;
    vo.status_list_len = strlen(rev_clear);
    assert_int_equal(lab_verify(&st, &res, both, strlen(both), &vo), LAB_OK);
    assert_int_equal(st, LAB_VERIFY_VALID);
    assert_non_null(strstr(res, "\"status_checked\": false"));
    lab_free(res);

    free(rev_clear);
    free(rev_set);
    free(sus_set);
    free(both);
    EVP_PKEY_free(key);
    json_decref(h);
    json_decref(p);
    lab_free(tok);
}

/* The kid is the issuer's DID URL of the key; the issuer's DID document
 * and a JWKS (naming its issuer) serve as trust lists; a kid that is a
 * DID URL of another DID names none of the issuer's keys. */
static void test_did_trust(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    char *kid = kid_of(tok), *thumb = NULL, *jwk = NULL, *doc = NULL;
    EVP_PKEY *key = NULL;
    assert_int_equal(lab_key_load_private_file(&key, fx.key, NULL), LAB_OK);
    assert_int_equal(lab_key_id(&thumb, key), LAB_OK);
    lab_buf want = LAB_BUF_INIT;
    lab_buf_printf(&want, "%s#%s", ISSUER, thumb);
    assert_string_equal(kid, want.data);
    lab_buf_free(&want);
    json_t *jwk_obj = NULL;
    assert_int_equal(lab_key_public_jwk(&jwk_obj, key), LAB_OK);
    jwk = json_dumps(jwk_obj, JSON_COMPACT);
    json_decref(jwk_obj);
    assert_int_equal(lab_did_document(&doc, ISSUER, jwk), LAB_OK);
    assert_int_equal(lab_did_document(&doc, "https://x", jwk), LAB_EINVAL);

    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    int st = -1;
    vo.at = "2026-01-10T00:00:00Z";
    vo.trust_list = doc;
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_OK);
    assert_int_equal(st, LAB_VERIFY_VALID);
    /* a DID document whose key may not sign credentials */
    json_t *d = json_loads(doc, 0, NULL);
    json_object_set_new(d, "assertionMethod", json_array());
    char *noassert = json_dumps(d, 0);
    vo.trust_list = noassert;
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_EPARSE);
    assert_non_null(strstr(lab_errmsg(), "assertionMethod"));
    /* another DID's document naming the same key */
    json_object_set_new(d, "id", json_string("did:web:evil.example"));
    char *other = json_dumps(d, 0);
    vo.trust_list = other;
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_EPARSE);
    json_decref(d);

    lab_buf jwks = LAB_BUF_INIT;
    lab_buf_printf(&jwks, "{\"keys\": [%s]}", jwk);
    vo.trust_list = jwks.data;
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_EINVAL);
    vo.trust_issuer = ISSUER;
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_OK);
    assert_int_equal(st, LAB_VERIFY_VALID);
    vo.trust_issuer = "did:web:other.example";
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_OK);
    assert_int_equal(st, LAB_VERIFY_UNTRUSTED_ISSUER);
    vo.trust_issuer = NULL;
    vo.trust_list = jwk; /* a bare JWK names no issuer */
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_EPARSE);
    vo.trust_list = "{\"did:web:brand.example\": \"key\"}";
    assert_int_equal(lab_verify(&st, NULL, tok, strlen(tok), &vo), LAB_EPARSE);

    /* kid: another DID's URL of the same key */
    char hdr[300];
    snprintf(hdr, sizeof hdr,
             "{\"alg\":\"EdDSA\",\"cty\":\"vc\",\"kid\":\"did:web:evil.example"
             "#%s\",\"typ\":\"vc+jwt\"}",
             thumb);
    char *t = with_header(tok, hdr, 1);
    assert_int_equal(check(t), LAB_VERIFY_UNTRUSTED_ISSUER);
    free(t);
    /* a certificate of an older release (bare thumbprint kid) still
     * verifies */
    json_t *h = NULL, *p = NULL;
    assert_int_equal(lab_cred_split(&h, &p, tok, strlen(tok)), LAB_OK);
    json_object_set_new(h, "kid", json_string(thumb));
    json_object_del(h, "alg");
    char *payload = NULL, *legacy = NULL;
    size_t plen = 0;
    assert_int_equal(lab_jcs_serialize(&payload, &plen, p), LAB_OK);
    assert_int_equal(lab_jws_sign(&legacy, h, payload, plen, key), LAB_OK);
    assert_int_equal(check(legacy), LAB_VERIFY_VALID);
    free(legacy);
    free(payload);
    json_decref(h);
    json_decref(p);

    lab_buf_free(&jwks);
    free(noassert);
    free(other);
    lab_free(doc);
    free(jwk);
    free(thumb);
    free(kid);
    EVP_PKEY_free(key);
    lab_free(tok);
}

static void test_evidence(void **state)
{
    (void)state;
    char *tok = issue(fx.key, 0, LAB_SEAL_JWS, FROM, -1);
    char ev[128], cmd[512];
    const char *at = "2026-01-10T00:00:00Z";
    path_in(ev, sizeof ev, "evidence");
    snprintf(cmd, sizeof cmd, "cp -r '%s/examples/cotton/evidence' '%s'",
             LAB_SOURCE_DIR, ev);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(check_at(tok, strlen(tok), at, NULL, ev),
                     LAB_VERIFY_VALID);
    snprintf(cmd, sizeof cmd, "echo tampered >> '%s/AUD-2026-0103.txt'", ev);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(check_at(tok, strlen(tok), at, NULL, ev),
                     LAB_VERIFY_EVIDENCE_MISMATCH);
    snprintf(cmd, sizeof cmd, "rm '%s/AUD-2026-0103.txt'", ev);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(check_at(tok, strlen(tok), at, NULL, ev),
                     LAB_VERIFY_EVIDENCE_MISMATCH);
    lab_free(tok);
}

/* A certificate as labaudit wrote it before UNTP 0.6.1 and its own
 * context (the working UNTP context, two contexts, audit reports with only
 * file and report_sha256) still verifies, evidence included. */
static void test_older_certificates_keep_verifying(void **state)
{
    (void)state;
    lab_certify_options co = LAB_CERTIFY_OPTIONS_INIT;
    co.product = CLEAN;
    co.issuer_id = ISSUER;
    co.key_file = fx.key;
    json_t *cred = NULL;
    int64_t now = 0;
    assert_int_equal(lab_time_parse(&now, FROM), LAB_OK);
    assert_int_equal(lab_cred_build(&cred, fx.rep, fx.ds, &co, now, NULL, 0),
                     LAB_OK);
    json_object_set_new(
        cred, "@context",
        json_pack("[s,s]", "https://www.w3.org/ns/credentials/v2",
                  "https://test.uncefact.org/vocabulary/untp/dcc/working/"));
    json_t *reps = json_object_get(
        json_array_get(
            json_object_get(json_object_get(cred, "credentialSubject"),
                            "assessment"),
            0),
        "auditReports");
    size_t files = 0;
    for (size_t i = 0; i < json_array_size(reps); i++) {
        json_t *r = json_array_get(reps, i);
        static const char *const added[] = {"type",       "linkURL",
                                            "linkName",   "hashDigest",
                                            "hashMethod", "encryptionMethod"};
        for (size_t k = 0; k < sizeof added / sizeof added[0]; k++)
            json_object_del(r, added[k]);
        files += json_object_get(r, "file") != NULL;
    }
    assert_true(files >= 5);
    EVP_PKEY *key = NULL;
    char *tok = NULL;
    assert_int_equal(lab_key_load_private_file(&key, fx.key, NULL), LAB_OK);
    assert_int_equal(lab_cred_seal(&tok, cred, key), LAB_OK);
    EVP_PKEY_free(key);
    json_decref(cred);
    char ev[128], cmd[512];
    const char *at = "2026-01-10T00:00:00Z";
    path_in(ev, sizeof ev, "evidence-old");
    snprintf(cmd, sizeof cmd, "cp -r '%s/examples/cotton/evidence' '%s'",
             LAB_SOURCE_DIR, ev);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(check_at(tok, strlen(tok), at, NULL, ev),
                     LAB_VERIFY_VALID);
    snprintf(cmd, sizeof cmd, "echo tampered >> '%s/AUD-2026-0105.txt'", ev);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(check_at(tok, strlen(tok), at, NULL, ev),
                     LAB_VERIFY_EVIDENCE_MISMATCH);
    lab_free(tok);
}

static void test_gzip_and_status_lists(void **state)
{
    (void)state;
    /* The example encodedList of the W3C Bitstring Status List spec: a
     * dynamic-Huffman GZIP of 16 KiB of zeros. */
    unsigned char *bits = NULL;
    size_t n = 0;
    assert_int_equal(
        lab_status_decode(&bits, &n,
                          "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAA"
                          "AAAIC3AYbSVKsAQAAA"),
        LAB_OK);
    assert_int_equal(n, 16384);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(bits[i], 0);
    bits[0] = 0x80;
    bits[n - 1] = 0x01;
    assert_int_equal(lab_status_get(bits, n, 0), 1);
    assert_int_equal(lab_status_get(bits, n, 1), 0);
    assert_int_equal(lab_status_get(bits, n, n * 8 - 1), 1);
    assert_int_equal(lab_status_get(bits, n, n * 8), -1);
    char *enc = NULL;
    assert_int_equal(lab_status_encode(&enc, bits, n), LAB_OK);
    assert_true(strlen(enc) < 200); /* runs compress */
    unsigned char *back = NULL;
    size_t m = 0;
    assert_int_equal(lab_status_decode(&back, &m, enc), LAB_OK);
    assert_int_equal(m, n);
    assert_memory_equal(back, bits, n);
    free(back);
    free(enc);
    free(bits);

    /* Noisy data round-trips; corrupt data and short lists are refused. */
    unsigned char noise[5000], *gz = NULL, *out = NULL;
    size_t gzlen = 0, outlen = 0;
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (unsigned char)((i * 7919u) >> (i % 5));
    assert_int_equal(lab_gzip(&gz, &gzlen, noise, sizeof noise), LAB_OK);
    assert_int_equal(lab_gunzip(&out, &outlen, gz, gzlen, 1 << 20), LAB_OK);
    assert_int_equal(outlen, sizeof noise);
    assert_memory_equal(out, noise, sizeof noise);
    free(out);
    assert_int_equal(lab_gunzip(&out, &outlen, gz, gzlen, 100), LAB_ELIMIT);
    gz[gzlen - 5] ^= 1; /* CRC */
    assert_int_equal(lab_gunzip(&out, &outlen, gz, gzlen, 1 << 20), LAB_EPARSE);
    for (size_t cut = 0; cut < gzlen; cut += 7)
        assert_int_not_equal(lab_gunzip(&out, &outlen, gz, cut, 1 << 20),
                             LAB_OK);
    free(gz);
    unsigned char small[100] = {0};
    assert_int_equal(lab_status_encode(&enc, small, sizeof small), LAB_OK);
    assert_int_equal(lab_status_decode(&back, &m, enc), LAB_EPARSE);
    free(enc);
}

static void test_times(void **state)
{
    (void)state;
    int64_t t = 0;
    char buf[21];
    assert_int_equal(lab_time_parse(&t, "1970-01-01T00:00:00Z"), LAB_OK);
    assert_int_equal(t, 0);
    assert_int_equal(lab_time_parse(&t, "2026-11-28T12:34:56.789+02:00"),
                     LAB_OK);
    lab_time_format(buf, t);
    assert_string_equal(buf, "2026-11-28T10:34:56Z");
    assert_int_equal(lab_time_parse(&t, "2026-02-30T00:00:00Z"), LAB_EPARSE);
    assert_int_equal(lab_time_parse(&t, "2026-11-28 00:00:00Z"), LAB_EPARSE);
    assert_int_equal(lab_time_parse(&t, "2026-11-28T00:00:00"), LAB_EPARSE);
}

static void test_json_canon(void **state)
{
    (void)state;
    char *out = NULL;
    const char *in = "{\"b\": 1.0, \"a\": [1e21, \"\\u00e9\"]}";
    assert_int_equal(lab_json_canon(&out, in, strlen(in)), LAB_OK);
    assert_string_equal(out, "{\"a\":[1e+21,\"\xc3\xa9\"],\"b\":1}");
    lab_free(out);
    assert_int_not_equal(lab_json_canon(&out, "{\"a\":1,\"a\":2}", 13), LAB_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_product_verifies),
        cmocka_unit_test(test_es256_enveloped_and_data_integrity),
        cmocka_unit_test(test_blocked_product_is_refused),
        cmocka_unit_test(test_contexts_and_evidence_links),
        cmocka_unit_test(test_assessor_levels_map_to_untp),
        cmocka_unit_test(test_eu_label_needs_scheme_and_third_party),
        cmocka_unit_test(test_version_1_options),
        cmocka_unit_test(test_older_certificates_keep_verifying),
        cmocka_unit_test(test_every_token_byte_matters),
        cmocka_unit_test(test_every_payload_byte_matters),
        cmocka_unit_test(test_crafted_tokens),
        cmocka_unit_test(test_validity_dates),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_status_list_freshness),
        cmocka_unit_test(test_suspension),
        cmocka_unit_test(test_status_claim),
        cmocka_unit_test(test_did_trust),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_gzip_and_status_lists),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_json_canon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
