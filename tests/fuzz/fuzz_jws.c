/*
 * fuzz_jws.c - a fuzz target for the certificate cryptography.  Each input
 * is verified as a compact JWS against two fixed keys (the Ed25519 key of
 * RFC 8037 and the P-256 key of RFC 7515, so that seeds signed with them
 * reach the signature check); read as JSON and canonicalized, where the
 * canonical form must be a fixed point; decoded as base64url and base58,
 * where whatever decodes must encode back to the same text (only
 * canonical encodings are accepted); when it is a JSON object, checked
 * as an eddsa-jcs-2022 secured document; and taken as what a verifier
 * trusts (a trust list, a DID document or a JWKS): a verifier made from
 * it, or an error with a message, and a verification of a fixed token
 * that answers with a known reason.
 */
#include "credential.h"
#include "crypto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *ed_key;
static EVP_PKEY *ec_key;

static void init_keys(void)
{
    static const char d[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    unsigned char *seed = NULL;
    size_t len = 0;

    if (lab_b64url_decode(&seed, &len, d, strlen(d)) != LAB_OK || len != 32 ||
        lab_key_ed25519_private(&ed_key, seed) != LAB_OK)
        abort();
    free(seed);
    json_t *jwk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256",
                            "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                            "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
    if (jwk == NULL || lab_key_from_jwk(&ec_key, jwk) != LAB_OK)
        abort();
    json_decref(jwk);
}

static void check_token(const char *text, size_t n, EVP_PKEY *key)
{
    unsigned char *payload = NULL;
    size_t plen = 0;
    json_t *header = NULL;
    int rc = lab_jws_verify(&payload, &plen, &header, text, n, key,
                            LAB_JWS_EDDSA | LAB_JWS_ES256);
    if (rc != LAB_OK) {
        if (payload != NULL || header != NULL || lab_errmsg()[0] == '\0')
            abort();
        return;
    }
    if (plen == 0 || payload[plen] != '\0' || !json_is_object(header) ||
        json_object_get(header, "crit") != NULL)
        abort();
    free(payload);
    json_decref(header);
}

static void check_jcs(const char *text, size_t n)
{
    json_t *v = NULL, *again = NULL;
    char *c1 = NULL, *c2 = NULL;
    size_t l1 = 0, l2 = 0;

    if (lab_jcs_parse(&v, text, n) != LAB_OK)
        return;
    if (lab_jcs_serialize(&c1, &l1, v) == LAB_OK) {
        /* The canonical form parses and canonicalizes to itself. */
        if (lab_jcs_parse(&again, c1, l1) != LAB_OK ||
            lab_jcs_serialize(&c2, &l2, again) != LAB_OK || l1 != l2 ||
            memcmp(c1, c2, l1) != 0)
            abort();
    }
    if (json_is_object(v)) {
        int rc = lab_di_eddsa_jcs_verify(v, ed_key);
        if (rc != LAB_OK && rc != LAB_EINVAL && rc != LAB_ECRYPTO &&
            rc != LAB_EUNSUPPORTED && rc != LAB_ELIMIT)
            abort();
    }
    free(c1);
    free(c2);
    json_decref(v);
    json_decref(again);
}

static void check_encodings(const char *text, size_t n)
{
    unsigned char *bin = NULL;
    char *back = NULL;
    size_t len = 0;

    if (lab_b64url_decode(&bin, &len, text, n) == LAB_OK) {
        if (lab_b64url_encode(&back, bin, len) != LAB_OK || strlen(back) != n ||
            memcmp(back, text, n) != 0)
            abort();
        free(back);
        back = NULL;
        free(bin);
    }
    if (lab_base58btc_decode(&bin, &len, text, n) == LAB_OK) {
        if (lab_base58btc_encode(&back, bin, len) == LAB_OK &&
            (strlen(back) != n || memcmp(back, text, n) != 0))
            abort();
        free(back);
        free(bin);
    }
}

/* The input as a verifier's trust (NUL-terminated copy). */
static void check_trust(const uint8_t *data, size_t size)
{
    static const char token[] =
        "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDp3ZWI6YnJhbmQuZXhhbXBsZSNrIiwidHlw"
        "IjoidmMrand0In0.eyJpc3N1ZXIiOiJkaWQ6d2ViOmJyYW5kLmV4YW1wbGUifQ.AAAA";
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    vo.trust_list = text;
    vo.trust_issuer = "did:web:brand.example";
    lab_verifier *vf = NULL;
    int rc = lab_verifier_new(&vf, &vo);
    if (rc != LAB_OK && lab_errmsg()[0] == '\0')
        abort();
    if (rc == LAB_OK) {
        int st = -1;
        if (lab_verifier_verify(vf, &st, NULL, token, sizeof token - 1, NULL) !=
                LAB_OK ||
            strcmp(lab_verify_reason(st), "unknown") == 0 ||
            st == LAB_VERIFY_VALID)
            abort();
    }
    lab_verifier_free(vf);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ed_key == NULL)
        init_keys();
    const char *text = (const char *)data;
    check_token(text, size, ed_key);
    check_token(text, size, ec_key);
    check_jcs(text, size);
    check_encodings(text, size);
    if (size > 0 && data[0] == '{')
        check_trust(data, size);
    return 0;
}
