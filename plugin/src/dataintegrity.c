/*
 * dataintegrity.c - the W3C Data Integrity cryptosuite eddsa-jcs-2022
 * (vc-di-eddsa): an Ed25519 signature over SHA-256 of the canonical (JCS)
 * proof configuration followed by SHA-256 of the canonical document
 * without its proof, carried as a multibase base58btc proofValue.  It
 * also holds base58btc and the Multikey form of Ed25519 keys, so that
 * credentials can carry an embedded proof beside the VC-JOSE envelope.
 */
#include "crypto.h"

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

/* Largest input base58 is asked to convert: the conversion is quadratic,
 * and keys and signatures are far smaller. */
enum { B58_MAX_BYTES = 1024, B58_MAX_CHARS = 1400 };

static const char b58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Multicodec prefixes of Ed25519 keys (varints of 0xed and 0x1300). */
static const unsigned char mc_ed25519_pub[2] = {0xed, 0x01};
static const unsigned char mc_ed25519_priv[2] = {0x80, 0x26};

/* ---- base58btc ---- */

int lab_base58btc_encode(char **out, const unsigned char *p, size_t n)
{
    size_t zeros = 0, length = 0;

    if (n > B58_MAX_BYTES)
        return lab_seterr(LAB_ELIMIT, "base58: %zu bytes is over the limit", n);
    while (zeros < n && p[zeros] == 0)
        zeros++;
    /* log(256) / log(58) < 1.38 */
    size_t size = (n - zeros) * 138 / 100 + 1;
    unsigned char *digits = lab_calloc(size, 1);
    if (digits == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = p[i];
        size_t k = 0;
        for (size_t j = size; j > 0 && (carry != 0 || k < length); j--, k++) {
            carry += 256u * digits[j - 1];
            digits[j - 1] = (unsigned char)(carry % 58);
            carry /= 58;
        }
        length = k;
    }
    char *s = lab_malloc(zeros + length + 1);
    if (s == NULL) {
        free(digits);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    memset(s, '1', zeros);
    for (size_t i = 0; i < length; i++)
        s[zeros + i] = b58_alphabet[digits[size - length + i]];
    s[zeros + length] = '\0';
    free(digits);
    *out = s;
    return LAB_OK;
}

static int b58_value(unsigned char c)
{
    const char *hit = c != 0 ? strchr(b58_alphabet, c) : NULL;
    return hit != NULL ? (int)(hit - b58_alphabet) : -1;
}

int lab_base58btc_decode(unsigned char **out, size_t *len, const char *s,
                         size_t n)
{
    size_t zeros = 0, length = 0;

    if (n > B58_MAX_CHARS)
        return lab_seterr(LAB_ELIMIT,
                          "base58: %zu characters is over the limit", n);
    while (zeros < n && s[zeros] == '1')
        zeros++;
    /* log(58) / log(256) < 0.733 */
    size_t size = (n - zeros) * 733 / 1000 + 1;
    unsigned char *bin = lab_calloc(size, 1);
    if (bin == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = zeros; i < n; i++) {
        int v = b58_value((unsigned char)s[i]);
        if (v < 0) {
            free(bin);
            return lab_seterr(LAB_EPARSE,
                              "base58: byte 0x%02x at offset %zu is not in "
                              "the alphabet",
                              (unsigned char)s[i], i);
        }
        unsigned carry = (unsigned)v;
        size_t k = 0;
        for (size_t j = size; j > 0 && (carry != 0 || k < length); j--, k++) {
            carry += 58u * bin[j - 1];
            bin[j - 1] = (unsigned char)(carry & 0xff);
            carry >>= 8;
        }
        length = k;
    }
    unsigned char *o = lab_malloc(zeros + length + 1);
    if (o == NULL) {
        free(bin);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    memset(o, 0, zeros);
    memcpy(o + zeros, bin + size - length, length);
    o[zeros + length] = '\0';
    free(bin);
    *out = o;
    *len = zeros + length;
    return LAB_OK;
}

/* ---- Multikey ---- */

/* Decodes 'z' + base58btc(prefix || 32 bytes) into raw[32]. */
static int multikey_raw(unsigned char raw[32], const char *mb,
                        const unsigned char prefix[2], const char *what)
{
    unsigned char *bytes = NULL;
    size_t len = 0;

    if (mb == NULL || mb[0] != 'z')
        return lab_seterr(LAB_EPARSE,
                          "%s: not a multibase base58btc value "
                          "(no 'z' prefix)",
                          what);
    int rc = lab_base58btc_decode(&bytes, &len, mb + 1, strlen(mb + 1));
    if (rc != LAB_OK)
        return lab_preerr(rc, "%s", what);
    if (len != 34 || memcmp(bytes, prefix, 2) != 0)
        rc = lab_seterr(LAB_EPARSE, "%s: not an Ed25519 Multikey", what);
    else
        memcpy(raw, bytes + 2, 32);
    OPENSSL_cleanse(bytes, len);
    free(bytes);
    return rc;
}

int lab_multikey_ed25519_public(EVP_PKEY **out, const char *multibase)
{
    unsigned char raw[32];
    int rc = multikey_raw(raw, multibase, mc_ed25519_pub, "public Multikey");

    return rc == LAB_OK ? lab_key_ed25519_public(out, raw) : rc;
}

int lab_multikey_ed25519_private(EVP_PKEY **out, const char *multibase)
{
    unsigned char raw[32];
    int rc = multikey_raw(raw, multibase, mc_ed25519_priv, "secret Multikey");

    if (rc == LAB_OK)
        rc = lab_key_ed25519_private(out, raw);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

/* Multibase base58btc: 'z' and the base58btc text of the bytes. */
static int multibase_z(char **out, const unsigned char *p, size_t n)
{
    char *b58 = NULL;
    int rc = lab_base58btc_encode(&b58, p, n);
    if (rc != LAB_OK)
        return rc;
    size_t len = strlen(b58);
    char *s = lab_malloc(len + 2);
    if (s == NULL) {
        free(b58);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    s[0] = 'z';
    memcpy(s + 1, b58, len + 1);
    free(b58);
    *out = s;
    return LAB_OK;
}

int lab_multikey_ed25519_encode(char **out, EVP_PKEY *key)
{
    unsigned char bytes[34];
    size_t len = 32;

    if (key == NULL || !EVP_PKEY_is_a(key, "ED25519"))
        return lab_seterr(LAB_EINVAL, "Multikey: not an Ed25519 key");
    memcpy(bytes, mc_ed25519_pub, 2);
    if (EVP_PKEY_get_raw_public_key(key, bytes + 2, &len) != 1 || len != 32)
        return lab_seterr(LAB_ECRYPTO, "cannot read the Ed25519 public key");
    return multibase_z(out, bytes, sizeof bytes);
}

/* ---- the cryptosuite ---- */

/* SHA-256 of the canonical form of v into out[32]. */
static int hash_jcs(unsigned char out[32], const json_t *v)
{
    char *text = NULL;
    size_t len = 0;
    int rc = lab_jcs_serialize(&text, &len, v);

    if (rc == LAB_OK)
        rc = lab_sha256(out, text, len);
    free(text);
    return rc;
}

int lab_di_eddsa_jcs_hash(unsigned char out[64], const json_t *document,
                          const json_t *proof_config)
{
    if (!json_is_object(document) || !json_is_object(proof_config))
        return lab_seterr(LAB_EINVAL, "Data Integrity: the document and the "
                                      "proof configuration must be objects");
    /* A shallow copy is enough to leave "proof" out. */
    json_t *doc = json_copy((json_t *)document);
    if (doc == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    json_object_del(doc, "proof");
    int rc = hash_jcs(out, proof_config);
    if (rc == LAB_OK)
        rc = hash_jcs(out + 32, doc);
    json_decref(doc);
    return rc;
}

/* Checks a member of a proof for an exact text. */
static int expect_member(const json_t *obj, const char *name, const char *want)
{
    const char *got = json_string_value(json_object_get(obj, name));

    if (got == NULL || strcmp(got, want) != 0)
        return lab_seterr(LAB_EINVAL,
                          "Data Integrity: proof \"%s\" must be \"%s\"", name,
                          want);
    return LAB_OK;
}

int lab_di_proof_config(json_t **out, const json_t *document,
                        const json_t *options)
{
    if (!json_is_object(document) || !json_is_object(options))
        return lab_seterr(LAB_EINVAL, "Data Integrity: the document and the "
                                      "proof options must be objects");
    int rc = expect_member(options, "type", "DataIntegrityProof");
    if (rc == LAB_OK)
        rc = expect_member(options, "cryptosuite", "eddsa-jcs-2022");
    if (rc != LAB_OK)
        return rc;
    const json_t *created = json_object_get(options, "created");
    if (created != NULL && !json_is_string(created))
        return lab_seterr(LAB_EINVAL,
                          "Data Integrity: proof \"created\" is not text");
    json_t *config = json_deep_copy(options);
    if (config == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    json_object_del(config, "proofValue");
    /* vc-di-eddsa, Proof Configuration: the configuration carries the
     * document's @context, so that the signature covers it. */
    const json_t *ctx = json_object_get(document, "@context");
    if (ctx == NULL) {
        json_object_del(config, "@context");
    } else if (json_object_set_new(config, "@context", json_deep_copy(ctx)) !=
               0) {
        json_decref(config);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    *out = config;
    return LAB_OK;
}

/* Signs the hash data of document and config into a proofValue. */
static int sign_config(char **proof_value, const json_t *document,
                       const json_t *config, EVP_PKEY *key)
{
    unsigned char hash[64], sig[64];
    size_t siglen = 0;
    int rc = lab_di_eddsa_jcs_hash(hash, document, config);

    if (rc == LAB_OK)
        rc = lab_sig_sign(sig, &siglen, LAB_JWS_EDDSA, key, hash, sizeof hash);
    if (rc == LAB_OK)
        rc = multibase_z(proof_value, sig, siglen);
    return rc;
}

int lab_di_eddsa_jcs_sign(char **proof_value, const json_t *document,
                          const json_t *options, EVP_PKEY *key)
{
    json_t *config = NULL;
    int rc = lab_di_proof_config(&config, document, options);

    if (rc != LAB_OK)
        return rc;
    rc = sign_config(proof_value, document, config, key);
    json_decref(config);
    return rc;
}

int lab_di_eddsa_jcs_secure(json_t **out, const json_t *document,
                            const json_t *options, EVP_PKEY *key)
{
    json_t *config = NULL, *secured = NULL;
    char *value = NULL;
    int rc;

    if (json_object_get(document, "proof") != NULL)
        return lab_seterr(LAB_EINVAL,
                          "Data Integrity: the document already has a proof");
    rc = lab_di_proof_config(&config, document, options);
    if (rc == LAB_OK)
        rc = sign_config(&value, document, config, key);
    if (rc != LAB_OK)
        goto out;
    secured = json_deep_copy(document);
    if (secured == NULL ||
        json_object_set_new(config, "proofValue", json_string(value)) != 0 ||
        json_object_set(secured, "proof", config) != 0) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    *out = secured;
    secured = NULL;
out:
    json_decref(secured);
    json_decref(config);
    free(value);
    return rc;
}

/* The @context values as an array view: a lone value counts as one. */
static size_t context_size(const json_t *c)
{
    return json_is_array(c) ? json_array_size(c) : 1;
}

static const json_t *context_item(const json_t *c, size_t i)
{
    return json_is_array(c) ? json_array_get(c, i) : c;
}

/* vc-di-eddsa, Verify Proof step 4: the document's @context starts with
 * every value of the proof's @context, in the same order. */
static int context_prefix(const json_t *doc_ctx, const json_t *proof_ctx)
{
    if (doc_ctx == NULL || context_size(proof_ctx) > context_size(doc_ctx))
        return 0;
    for (size_t i = 0; i < context_size(proof_ctx); i++)
        if (!json_equal((json_t *)context_item(doc_ctx, i),
                        (json_t *)context_item(proof_ctx, i)))
            return 0;
    return 1;
}

/* Decodes a proofValue into the 64 signature bytes. */
static int decode_proof_value(unsigned char sig[64], const json_t *proof)
{
    const char *pv = json_string_value(json_object_get(proof, "proofValue"));
    unsigned char *bytes = NULL;
    size_t len = 0;

    if (pv == NULL || pv[0] != 'z')
        return lab_seterr(LAB_EINVAL, "Data Integrity: \"proofValue\" is "
                                      "missing or not multibase base58btc");
    int rc = lab_base58btc_decode(&bytes, &len, pv + 1, strlen(pv + 1));
    if (rc != LAB_OK)
        return lab_preerr(LAB_EINVAL, "Data Integrity: \"proofValue\"");
    if (len != 64)
        rc = lab_seterr(LAB_EINVAL,
                        "Data Integrity: \"proofValue\" holds %zu bytes, "
                        "not an Ed25519 signature",
                        len);
    else
        memcpy(sig, bytes, 64);
    free(bytes);
    return rc;
}

int lab_di_eddsa_jcs_verify(const json_t *secured, EVP_PKEY *key)
{
    json_t *unsecured = NULL, *options = NULL, *config = NULL;
    unsigned char sig[64], hash[64];
    int rc;

    const json_t *proof = json_object_get(secured, "proof");
    if (!json_is_object(secured) || proof == NULL)
        return lab_seterr(LAB_EINVAL, "Data Integrity: no \"proof\"");
    if (!json_is_object(proof))
        return lab_seterr(LAB_EUNSUPPORTED,
                          "Data Integrity: only a single proof object is "
                          "supported");
    rc = decode_proof_value(sig, proof);
    if (rc != LAB_OK)
        return rc;
    unsecured = json_copy((json_t *)secured);
    options = json_copy((json_t *)proof);
    if (unsecured == NULL || options == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    json_object_del(unsecured, "proof");
    json_object_del(options, "proofValue");
    json_t *pctx = json_object_get(options, "@context");
    if (pctx != NULL) {
        if (!context_prefix(json_object_get(secured, "@context"), pctx)) {
            rc = lab_seterr(LAB_ECRYPTO,
                            "Data Integrity: the document's @context does "
                            "not start with the proof's");
            goto out;
        }
        if (json_object_set(unsecured, "@context", pctx) != 0) {
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
            goto out;
        }
    }
    rc = lab_di_proof_config(&config, unsecured, options);
    if (rc == LAB_OK)
        rc = lab_di_eddsa_jcs_hash(hash, unsecured, config);
    if (rc == LAB_OK)
        rc = lab_sig_verify(LAB_JWS_EDDSA, key, hash, sizeof hash, sig, 64);
    if (rc != LAB_OK)
        rc = lab_preerr(rc, "Data Integrity proof");
out:
    json_decref(unsecured);
    json_decref(options);
    json_decref(config);
    return rc;
}
