/*
 * credential_verify.c - offline verification of labaudit certificates
 * (lab_verify): a compact vc+jwt token or its EnvelopedVerifiableCredential
 * wrapper is checked step by step, and the first failure is named by a
 * stable reason code: the token's shape and header (malformed), the
 * algorithm against the allow-list {EdDSA, ES256} and the key's type
 * (alg_not_allowed), the issuer and kid against a trust list
 * (untrusted_issuer), the signature and any embedded eddsa-jcs-2022 proof
 * (bad_signature), the validity dates at a given time (not_yet_valid,
 * expired), the Bitstring Status List entry against a status list
 * credential of the same issuer (revoked; a list outside its own
 * validFrom/validUntil at the time of verification is refused:
 * status_unavailable), and the SHA-256 of every audit report file named in
 * the scope (evidence_mismatch).
 */
#include "credential.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vctx {
    int status;      /* lab_verify_status; VALID until something fails */
    lab_buf message; /* why, for a person */
    json_t *header, *cred;
    const char *issuer;    /* borrowed from cred */
    const char *kid, *alg; /* borrowed from header */
    int status_checked;
    int evidence_checked;
    char at[21];         /* the point in time the certificate is judged at */
    char checked_at[21]; /* when the verification ran */
} vctx;

/* Records the first failure; returns 1 so callers can `return fail(..)`. */
static int vfail(vctx *v, int status, const char *fmt, ...) LAB_PRINTF(3, 4);
static int vfail(vctx *v, int status, const char *fmt, ...)
{
    if (v->status != LAB_VERIFY_VALID)
        return 1;
    v->status = status;
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    lab_buf_adds(&v->message, tmp);
    return 1;
}

const char *lab_verify_reason(int status)
{
    static const char *const names[] = {"valid",
                                        "bad_signature",
                                        "untrusted_issuer",
                                        "alg_not_allowed",
                                        "malformed",
                                        "not_yet_valid",
                                        "expired",
                                        "revoked",
                                        "evidence_mismatch",
                                        "status_unavailable",
                                        "suspended",
                                        "status_stale"};
    if (status < 0 || (size_t)status >= LAB_ARRAY_LEN(names))
        return "unknown";
    return names[status];
}

int lab_verify_options_init(lab_verify_options *opts, unsigned version)
{
    if (opts == NULL || version < 1 || version > LAB_VERIFY_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_verify_options version %u is not supported "
                          "(this library knows versions 1 to %d)",
                          version, LAB_VERIFY_OPTIONS_VERSION);
    lab_verify_options d = LAB_VERIFY_OPTIONS_INIT;
    d.version = version;
    /* a version 1 struct ends before status_max_age */
    memcpy(opts, &d,
           version == 1 ? offsetof(lab_verify_options, status_max_age)
                        : sizeof d);
    return LAB_OK;
}

/* ---- trust list ---- */

/* The keys listed for an issuer: an array of JWKs, or {"keys": [...]}. */
static const json_t *issuer_keys(const json_t *trust, const char *issuer)
{
    const json_t *e = json_object_get(trust, issuer);
    if (json_is_object(e))
        e = json_object_get(e, "keys");
    return json_is_array(e) ? e : NULL;
}

/* A key id relative to its issuer: the fragment of a DID URL of the
 * issuer ("did:web:brand.example#abc" -> "abc"), else the id itself, so
 * that a bare thumbprint and the issuer's DID URL of it name one key and
 * another DID's URL names none of the issuer's keys. */
static const char *local_kid(const char *kid, const char *issuer)
{
    size_t n = strlen(issuer);
    if (strncmp(kid, issuer, n) == 0 && kid[n] == '#' && kid[n + 1] != '\0')
        return kid + n + 1;
    return kid;
}

enum { MAX_STATUS_LISTS = 8 };

/* One status list credential given to the verifier, checked once when the
 * verifier is made: its signature against the trust list (status and
 * message say why not), then only what depends on the certificate or the
 * time remains for each verification. */
typedef struct slist {
    int status;      /* LAB_VERIFY_VALID, or why the list is unusable */
    lab_buf message; /* for a person, when unusable */
    const char *id, *purpose, *issuer; /* borrowed from cred */
    json_t *cred;
    unsigned char *bits;
    size_t nbytes;
} slist;

/* A trusted key: its JWK in the trust list and the key made from it. */
typedef struct tkey {
    const json_t *jwk;
    EVP_PKEY *key;
} tkey;

/* What a verifier holds for every certificate it checks: the trust list
 * with its keys made once, and the status lists checked once. */
struct lab_verifier {
    json_t *trust;
    tkey *keys;
    size_t nkeys;
    slist lists[MAX_STATUS_LISTS];
    size_t nlists;
    long max_age;
    char *evidence_dir;
    lab_format format;
};

/* The key made from a trusted JWK: from the verifier's cache, or made now
 * (a JWK that is not in the cache never happens but is handled). */
static int key_of(EVP_PKEY **out, const lab_verifier *vf, const json_t *jwk)
{
    for (size_t i = 0; i < vf->nkeys; i++)
        if (vf->keys[i].jwk == jwk) {
            if (vf->keys[i].key == NULL || !EVP_PKEY_up_ref(vf->keys[i].key))
                return LAB_ECRYPTO;
            *out = vf->keys[i].key;
            return LAB_OK;
        }
    return lab_key_from_jwk(out, jwk);
}

/* Finds the key `kid` of `issuer`: 0 found (*key set), 1 the issuer is
 * not listed, 2 the kid is not among its keys, 3 the listed JWK is
 * unusable.  A JWK matches by its kid, or without one by its RFC 7638
 * thumbprint; either side may be a DID URL of the issuer. */
static int trust_key(EVP_PKEY **key, const json_t **jwk_out,
                     const lab_verifier *vf, const char *issuer,
                     const char *kid)
{
    const json_t *keys = issuer_keys(vf->trust, issuer);
    if (keys == NULL)
        return 1;
    kid = local_kid(kid, issuer);
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const json_t *jwk = json_array_get(keys, i);
        const char *k = json_string_value(json_object_get(jwk, "kid"));
        char *thumb = NULL;
        if (k == NULL && lab_jwk_thumbprint(&thumb, jwk) == LAB_OK)
            k = thumb;
        int match = k != NULL && strcmp(local_kid(k, issuer), kid) == 0;
        free(thumb);
        if (!match)
            continue;
        *jwk_out = jwk;
        return key_of(key, vf, jwk) == LAB_OK ? 0 : 3;
    }
    return 2;
}

/* The keys of a DID document that may sign credentials: its
 * verificationMethod entries that assertionMethod lists (by id, absolute
 * or relative, or embedded), each with a publicKeyJwk; their ids become
 * the JWKs' kids.  Returns a trust list {did: [JWK...]} or NULL with the
 * error set. */
static int trust_from_did(json_t **out, const json_t *doc, const char *did)
{
    const json_t *vms = json_object_get(doc, "verificationMethod");
    const json_t *am = json_object_get(doc, "assertionMethod");
    json_t *keys = json_array();
    size_t dlen = strlen(did);
    for (size_t i = 0; keys != NULL && i < json_array_size(am); i++) {
        const json_t *ref = json_array_get(am, i);
        const json_t *vm = json_is_object(ref) ? ref : NULL;
        const char *want = json_string_value(ref);
        for (size_t j = 0;
             vm == NULL && want != NULL && j < json_array_size(vms); j++) {
            const json_t *c = json_array_get(vms, j);
            const char *id = json_string_value(json_object_get(c, "id"));
            if (id == NULL)
                continue;
            /* "#frag" and "did#frag" name the same method */
            const char *a = want[0] == '#' ? want : local_kid(want, did);
            const char *b = id[0] == '#' ? id : local_kid(id, did);
            if (strcmp(a[0] == '#' ? a + 1 : a, b[0] == '#' ? b + 1 : b) == 0)
                vm = c;
        }
        const char *id = json_string_value(json_object_get(vm, "id"));
        const char *ctl = json_string_value(json_object_get(vm, "controller"));
        const json_t *jwk = json_object_get(vm, "publicKeyJwk");
        if (vm == NULL || id == NULL || !json_is_object(jwk) ||
            (ctl != NULL && strcmp(ctl, did) != 0)) {
            json_decref(keys);
            return lab_seterr(LAB_EPARSE,
                              "DID document %.200s: assertionMethod %zu is "
                              "not a verificationMethod of this DID with a "
                              "publicKeyJwk",
                              did, i);
        }
        json_t *k = json_deep_copy(jwk);
        lab_buf kid = LAB_BUF_INIT;
        if (id[0] == '#')
            lab_buf_printf(&kid, "%s%s", did, id);
        else
            lab_buf_adds(&kid, id);
        if (k == NULL || kid.oom ||
            (strncmp(kid.data, did, dlen) != 0 || kid.data[dlen] != '#') ||
            json_object_set_new(k, "kid", json_string(kid.data)) != 0 ||
            json_array_append_new(keys, k) != 0) {
            int oom = k == NULL || kid.oom;
            lab_buf_free(&kid);
            json_decref(keys);
            if (oom)
                return lab_seterr(LAB_ENOMEM, "out of memory");
            return lab_seterr(LAB_EPARSE,
                              "DID document %.200s: method %.200s is not a "
                              "key of this DID",
                              did, id);
        }
        lab_buf_free(&kid);
    }
    if (keys != NULL && json_array_size(keys) == 0) {
        json_decref(keys);
        return lab_seterr(LAB_EPARSE,
                          "DID document %.200s lists no assertionMethod key, "
                          "so none of its keys may sign credentials",
                          did);
    }
    *out = keys ? json_pack("{s:o}", did, keys) : NULL;
    return *out ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

/* What the verifier trusts, from JSON text: a trust list {issuer: [JWK]}
 * (or {issuer: {"keys": [...]}}), a DID document, or a JWKS for `issuer`.
 * Anything else is refused, naming the three forms. */
static int parse_trust(json_t **out, const char *text, const char *issuer)
{
    static const char forms[] =
        "expected a trust list {\"ISSUER\": [JWK, ...]}, a DID document "
        "(\"id\" and \"verificationMethod\") or a JWKS ({\"keys\": [...]})";
    json_error_t err;
    json_t *t = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(t)) {
        json_decref(t);
        return t ? lab_seterr(LAB_EPARSE, "trust list: not an object (%s)",
                              forms)
                 : lab_seterr(LAB_EPARSE, "trust list:%d:%d: %s (%s)", err.line,
                              err.column, err.text, forms);
    }
    const char *did = json_string_value(json_object_get(t, "id"));
    const json_t *keys = json_object_get(t, "keys");
    json_t *res = NULL;
    if (did != NULL && json_object_get(t, "verificationMethod") != NULL) {
        int rc = trust_from_did(out, t, did);
        json_decref(t);
        return rc;
    }
    if (json_object_get(t, "kty") != NULL) {
        json_decref(t);
        return lab_seterr(LAB_EPARSE,
                          "trust list: this is a single JWK, which names no "
                          "issuer (%s)",
                          forms);
    }
    if (json_is_array(keys) && json_object_size(t) == 1) {
        if (issuer == NULL) {
            json_decref(t);
            return lab_seterr(LAB_EINVAL,
                              "trust list: a JWKS does not say whose keys "
                              "these are: name the issuer they belong to "
                              "(trust_issuer)");
        }
        res = json_pack("{s:O}", issuer, keys);
        json_decref(t);
        if (res == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        *out = res;
        return LAB_OK;
    }
    const char *k;
    json_t *val;
    json_object_foreach(t, k, val)
    {
        if (!json_is_array(val) &&
            !(json_is_object(val) &&
              json_is_array(json_object_get(val, "keys")))) {
            int rc = lab_seterr(LAB_EPARSE,
                                "trust list: \"%.200s\" is not followed by "
                                "an array of JWKs (%s)",
                                k, forms);
            json_decref(t); /* k points into it */
            return rc;
        }
    }
    *out = t;
    return LAB_OK;
}

/* ---- the steps ---- */

/* Unwraps an EnvelopedVerifiableCredential; *token points into cert. */
static int unwrap(vctx *v, const char **token, size_t *n, json_t **env,
                  const char *cert, size_t len)
{
    static const char prefix[] = "data:application/vc+jwt,";
    *token = cert;
    *n = len;
    if (len == 0 || cert[0] != '{')
        return 0;
    json_error_t err;
    *env = json_loadb(cert, len, JSON_REJECT_DUPLICATES, &err);
    const char *type = json_string_value(json_object_get(*env, "type"));
    const char *id = json_string_value(json_object_get(*env, "id"));
    if (type == NULL || strcmp(type, "EnvelopedVerifiableCredential") != 0 ||
        id == NULL || strncmp(id, prefix, sizeof prefix - 1) != 0)
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "a JSON certificate must be an "
                     "EnvelopedVerifiableCredential whose id is "
                     "data:application/vc+jwt,<token>");
    *token = id + sizeof prefix - 1;
    *n = strlen(*token);
    return 0;
}

/* Shape, header and algorithm, before any key is looked at. */
static int check_header(vctx *v, const char *token, size_t n)
{
    if (n > LAB_JWS_MAX_TOKEN)
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "token of %zu bytes is over the %d-byte limit", n,
                     LAB_JWS_MAX_TOKEN);
    if (lab_cred_split(&v->header, &v->cred, token, n) != LAB_OK)
        return vfail(v, LAB_VERIFY_MALFORMED, "%s", lab_errmsg());
    const json_t *alg = json_object_get(v->header, "alg");
    v->alg = json_string_value(alg);
    v->kid = json_string_value(json_object_get(v->header, "kid"));
    const char *typ = json_string_value(json_object_get(v->header, "typ"));
    if (v->alg == NULL)
        return vfail(v, LAB_VERIFY_MALFORMED, "the header has no alg");
    if (strcmp(v->alg, "EdDSA") != 0 && strcmp(v->alg, "ES256") != 0)
        return vfail(v, LAB_VERIFY_ALG_NOT_ALLOWED,
                     "algorithm \"%.32s\" is not allowed (only EdDSA and "
                     "ES256 are)",
                     v->alg);
    if (json_object_get(v->header, "crit") != NULL)
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "the header lists critical parameters (\"crit\") that "
                     "are not understood");
    if (typ == NULL || strcmp(typ, "vc+jwt") != 0)
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "the header's typ is \"%.32s\", not \"vc+jwt\"",
                     typ ? typ : "(none)");
    if (v->kid == NULL)
        return vfail(v, LAB_VERIFY_MALFORMED, "the header has no kid");
    const json_t *is = json_object_get(v->cred, "issuer");
    v->issuer = json_is_object(is)
                    ? json_string_value(json_object_get(is, "id"))
                    : json_string_value(is);
    if (v->issuer == NULL)
        return vfail(v, LAB_VERIFY_MALFORMED, "the credential has no issuer");
    return 0;
}

/* Trust list, key type and the signature itself. */
static int check_signature(vctx *v, const lab_verifier *vf, const char *token,
                           size_t n)
{
    EVP_PKEY *key = NULL;
    const json_t *jwk = NULL;
    int t = trust_key(&key, &jwk, vf, v->issuer, v->kid);
    if (t == 1)
        return vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                     "issuer %.200s is not on the trust list", v->issuer);
    if (t == 2)
        return vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                     "key %.64s is not a trusted key of %.200s", v->kid,
                     v->issuer);
    if (t == 3)
        return vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                     "the trust list's key %.64s is not a usable JWK "
                     "(%s)",
                     v->kid, lab_errmsg());
    lab_jws_alg want =
        strcmp(v->alg, "EdDSA") == 0 ? LAB_JWS_EDDSA : LAB_JWS_ES256;
    lab_jws_alg have;
    const char *jalg = json_string_value(json_object_get(jwk, "alg"));
    if (lab_jws_alg_for_key(&have, key) != LAB_OK || have != want ||
        (jalg != NULL && strcmp(jalg, v->alg) != 0)) {
        EVP_PKEY_free(key);
        return vfail(v, LAB_VERIFY_ALG_NOT_ALLOWED,
                     "algorithm %s does not fit key %.64s", v->alg, v->kid);
    }
    /* the header and payload were decoded and checked by check_header:
     * what is left is the signature over the signing input */
    const char *dot = memchr(token, '.', n);
    const char *dot2 =
        dot ? memchr(dot + 1, '.', n - (size_t)(dot + 1 - token)) : NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int rc = dot2 == NULL ? lab_seterr(LAB_EPARSE, "JWS: not three parts")
                          : lab_b64url_decode(&sig, &siglen, dot2 + 1,
                                              n - (size_t)(dot2 + 1 - token));
    if (rc != LAB_OK)
        rc = lab_preerr(rc, "JWS signature");
    else
        rc = lab_sig_verify(want, key, token, (size_t)(dot2 - token), sig,
                            siglen);
    if (rc != LAB_OK && rc != LAB_ENOMEM && rc != LAB_EPARSE)
        rc = lab_preerr(LAB_ECRYPTO, "JWS");
    EVP_PKEY_free(key);
    free(sig);
    if (rc == LAB_ECRYPTO)
        return vfail(v, LAB_VERIFY_BAD_SIGNATURE, "%s", lab_errmsg());
    if (rc != LAB_OK)
        return vfail(v, LAB_VERIFY_MALFORMED, "%s", lab_errmsg());
    return 0;
}

static int has_string(const json_t *arr, const char *s)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *e = json_string_value(json_array_get(arr, i));
        if (e != NULL && strcmp(e, s) == 0)
            return 1;
    }
    return 0;
}

static int check_shape(vctx *v)
{
    const json_t *ctx = json_object_get(v->cred, "@context");
    const char *first = json_string_value(json_array_get(ctx, 0));
    if (first == NULL || strcmp(first, LAB_VC_CONTEXT) != 0)
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "the credential's first @context is not %s",
                     LAB_VC_CONTEXT);
    const json_t *type = json_object_get(v->cred, "type");
    if (!has_string(type, "VerifiableCredential") ||
        !has_string(type, "DigitalConformityCredential"))
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "the credential is not a DigitalConformityCredential");
    if (!json_is_object(json_object_get(v->cred, "credentialSubject")))
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "the credential has no credentialSubject");
    return 0;
}

/* An embedded eddsa-jcs-2022 proof, when there is one. */
static int check_proof(vctx *v, const lab_verifier *vf)
{
    const json_t *proof = json_object_get(v->cred, "proof");
    if (proof == NULL)
        return 0;
    const char *vm =
        json_string_value(json_object_get(proof, "verificationMethod"));
    const char *hash = vm ? strrchr(vm, '#') : NULL;
    size_t ilen = strlen(v->issuer);
    if (hash == NULL || (size_t)(hash - vm) != ilen ||
        strncmp(vm, v->issuer, ilen) != 0)
        return vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                     "the proof's verificationMethod is not a key of the "
                     "issuer");
    EVP_PKEY *key = NULL;
    const json_t *jwk = NULL;
    if (trust_key(&key, &jwk, vf, v->issuer, hash + 1) != 0)
        return vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                     "the proof's key %.64s is not on the trust list",
                     hash + 1);
    int rc = lab_di_eddsa_jcs_verify(v->cred, key);
    EVP_PKEY_free(key);
    if (rc == LAB_ECRYPTO)
        return vfail(v, LAB_VERIFY_BAD_SIGNATURE,
                     "the eddsa-jcs-2022 proof does not verify");
    if (rc != LAB_OK)
        return vfail(v, LAB_VERIFY_MALFORMED, "the proof: %s", lab_errmsg());
    return 0;
}

static int check_dates(vctx *v, int64_t at)
{
    const char *names[2] = {"validFrom", "validUntil"};
    int64_t t[2];
    for (int i = 0; i < 2; i++) {
        const json_t *s = json_object_get(v->cred, names[i]);
        if (s == NULL) {
            t[i] = i ? INT64_MAX : INT64_MIN;
            continue;
        }
        if (lab_time_parse(&t[i], json_string_value(s)) != LAB_OK)
            return vfail(v, LAB_VERIFY_MALFORMED, "%s: %s", names[i],
                         lab_errmsg());
    }
    char when[21];
    lab_time_format(when, at);
    if (at < t[0])
        return vfail(
            v, LAB_VERIFY_NOT_YET_VALID, "not valid before %s (checked at %s)",
            json_string_value(json_object_get(v->cred, names[0])), when);
    if (at >= t[1])
        return vfail(v, LAB_VERIFY_EXPIRED, "expired at %s (checked at %s)",
                     json_string_value(json_object_get(v->cred, names[1])),
                     when);
    return 0;
}

/* ---- status lists ---- */

/* Checks one status list token once, for every certificate: header,
 * trusted signature of its own issuer, id, purpose and bits.  A list that
 * fails keeps why (status, message): each certificate pointing at it then
 * fails for that reason. */
static int preload_status_list(slist *l, const lab_verifier *vf,
                               const char *tok, size_t len)
{
    vctx lv;
    memset(&lv, 0, sizeof lv);
    if (check_header(&lv, tok, len) || check_signature(&lv, vf, tok, len)) {
        l->status = lv.status;
        lab_buf_printf(&l->message, "status list: %s",
                       lv.message.data ? lv.message.data : "");
        goto out;
    }
    const json_t *subj = json_object_get(lv.cred, "credentialSubject");
    l->id = json_string_value(json_object_get(lv.cred, "id"));
    l->purpose = json_string_value(json_object_get(subj, "statusPurpose"));
    l->issuer = lv.issuer;
    if (l->id == NULL || l->purpose == NULL) {
        l->status = LAB_VERIFY_MALFORMED;
        lab_buf_adds(&l->message, "a status list without id or statusPurpose");
    } else if (lab_status_decode(&l->bits, &l->nbytes,
                                 json_string_value(json_object_get(
                                     subj, "encodedList"))) != LAB_OK) {
        l->status = LAB_VERIFY_MALFORMED;
        lab_buf_printf(&l->message, "status list %.200s: %s", l->id,
                       lab_errmsg());
    }
    l->cred = lv.cred; /* id, purpose and issuer point into it */
    lv.cred = NULL;
out:
    json_decref(lv.header);
    json_decref(lv.cred);
    lab_buf_free(&lv.message);
    return l->message.oom ? lab_seterr(LAB_ENOMEM, "out of memory") : LAB_OK;
}

/* A preloaded list against this certificate and the present: a list
 * that could not be used, another issuer's list, a list outside its own
 * validity window at `now`, or one issued more than max_age seconds ago
 * (max_age < 0: no limit) fails the certificate; the last is stale, since
 * a newer list may revoke what this one shows as clear. */
static int usable_status_list(vctx *v, const slist *l, int64_t now,
                              long max_age)
{
    if (l->status != LAB_VERIFY_VALID)
        return vfail(v, l->status, "%s",
                     l->message.data ? l->message.data : "status list");
    if (strcmp(l->issuer, v->issuer) != 0)
        return vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                     "the status list %.200s was issued by %.200s, not by "
                     "the certificate's issuer",
                     l->id, l->issuer);
    vctx lv;
    memset(&lv, 0, sizeof lv);
    lv.cred = l->cred;
    int result = 0;
    if (check_dates(&lv, now)) {
        int st = lv.status == LAB_VERIFY_MALFORMED ? LAB_VERIFY_MALFORMED
                 : lv.status == LAB_VERIFY_EXPIRED
                     ? LAB_VERIFY_STATUS_STALE
                     : LAB_VERIFY_STATUS_UNAVAILABLE;
        result = vfail(v, st,
                       "status list %.200s: %s: a list outside its validity "
                       "cannot tell whether the certificate is revoked",
                       l->id, lv.message.data ? lv.message.data : "");
    } else if (max_age >= 0) {
        const char *from =
            json_string_value(json_object_get(l->cred, "validFrom"));
        int64_t t = 0;
        if (from == NULL || lab_time_parse(&t, from) != LAB_OK ||
            now - t > (int64_t)max_age) {
            char when[21];
            lab_time_format(when, now);
            result = vfail(v, LAB_VERIFY_STATUS_STALE,
                           "status list %.200s was issued %s%.40s, more than "
                           "%ld s before %s (the maximum age): a newer list "
                           "may revoke or suspend the certificate",
                           l->id, from ? "at " : "",
                           from ? from : "with no validFrom", max_age, when);
        }
    }
    lab_buf_free(&lv.message);
    return result;
}

/* The certificate's credentialStatus entries (one object or an array)
 * against the status lists given (`text`: one or more vc+jwt tokens
 * separated by white space).  Each entry is checked against the list whose
 * id it names: revocation entries first (revoked), then suspension
 * (suspended); an entry whose list was not given stays unchecked, and
 * status_checked says whether every entry was.  A list speaks of the
 * present: its validity and age are judged at the real time of
 * verification (`now`), whatever point in time the certificate itself is
 * checked at. */
static int check_status(vctx *v, const lab_verifier *vf, int64_t now)
{
    const json_t *st = json_object_get(v->cred, "credentialStatus");
    if (st == NULL || vf->nlists == 0)
        return 0;
    size_t nentries = json_is_array(st) ? json_array_size(st) : 1;
    const slist *lists = vf->lists;
    size_t nlists = vf->nlists, checked = 0, matched = 0;
    int result = 0;
    for (size_t k = 0; k < nlists && result == 0; k++)
        result = usable_status_list(v, &lists[k], now, vf->max_age);
    /* revocation first: a revoked certificate says so whatever else */
    for (int pass = 0; pass < 2 && result == 0; pass++) {
        for (size_t e = 0; e < nentries && result == 0; e++) {
            const json_t *entry =
                json_is_array(st) ? json_array_get(st, e) : st;
            const char *url = json_string_value(
                json_object_get(entry, "statusListCredential"));
            const char *idx =
                json_string_value(json_object_get(entry, "statusListIndex"));
            const char *purpose =
                json_string_value(json_object_get(entry, "statusPurpose"));
            if (url == NULL || idx == NULL || idx[0] == '\0' ||
                purpose == NULL || strspn(idx, "0123456789") != strlen(idx) ||
                strlen(idx) > 12) {
                result = vfail(v, LAB_VERIFY_MALFORMED,
                               "credentialStatus entry %zu lacks "
                               "statusListCredential, statusPurpose or a "
                               "numeric statusListIndex",
                               e);
                break;
            }
            if ((strcmp(purpose, "revocation") == 0) != (pass == 0))
                continue;
            const slist *l = NULL;
            for (size_t k = 0; k < nlists && l == NULL; k++)
                if (strcmp(lists[k].id, url) == 0)
                    l = &lists[k];
            if (l == NULL)
                continue;
            matched++;
            if (strcmp(l->purpose, purpose) != 0) {
                result = vfail(v, LAB_VERIFY_MALFORMED,
                               "the certificate's %s entry points at %.200s, "
                               "a %.32s list",
                               purpose, url, l->purpose);
                break;
            }
            int bit =
                lab_status_get(l->bits, l->nbytes, strtoull(idx, NULL, 10));
            if (bit < 0)
                result =
                    vfail(v, LAB_VERIFY_MALFORMED,
                          "statusListIndex %s is outside %.200s", idx, url);
            else if (bit == 1 && strcmp(purpose, "revocation") == 0)
                result = vfail(v, LAB_VERIFY_REVOKED,
                               "revoked: bit %s of %.200s is set", idx, url);
            else if (bit == 1 && strcmp(purpose, "suspension") == 0)
                result = vfail(v, LAB_VERIFY_SUSPENDED,
                               "suspended: bit %s of %.200s is set (the "
                               "issuer may lift it)",
                               idx, url);
            else if (strcmp(purpose, "revocation") == 0 ||
                     strcmp(purpose, "suspension") == 0)
                checked++;
        }
    }
    if (result == 0 && nlists > 0 && matched == 0)
        result = vfail(v, LAB_VERIFY_MALFORMED,
                       "the status list given is %.200s, the certificate "
                       "points at %.200s",
                       lists[0].id,
                       json_string_value(json_object_get(
                           json_is_array(st) ? json_array_get(st, 0) : st,
                           "statusListCredential")));
    if (result == 0)
        v->status_checked = checked == nentries;
    return result;
}

static int check_evidence(vctx *v, const char *dir)
{
    if (dir == NULL)
        return 0;
    const json_t *as = json_object_get(
        json_object_get(v->cred, "credentialSubject"), "assessment");
    for (size_t i = 0; i < json_array_size(as); i++) {
        const json_t *reps =
            json_object_get(json_array_get(as, i), "auditReports");
        for (size_t j = 0; j < json_array_size(reps); j++) {
            const json_t *r = json_array_get(reps, j);
            const char *file = json_string_value(json_object_get(r, "file"));
            const char *sha =
                json_string_value(json_object_get(r, "report_sha256"));
            const char *id = json_string_value(json_object_get(r, "id"));
            if (file == NULL || sha == NULL)
                continue;
            if (strchr(file, '/') != NULL || strcmp(file, "..") == 0 ||
                strcmp(file, ".") == 0)
                return vfail(v, LAB_VERIFY_MALFORMED,
                             "audit report file name '%.100s' is not a "
                             "plain name",
                             file);
            lab_buf path = LAB_BUF_INIT;
            lab_buf_printf(&path, "%s/%s", dir, file);
            char *data = NULL, hex[65];
            size_t len = 0;
            int rc = path.oom ? LAB_ENOMEM
                              : lab_read_file(&data, &len, path.data,
                                              LAB_CRED_MAX_FILE);
            if (rc == LAB_OK)
                rc = lab_sha256_hex(hex, data, len);
            free(data);
            int bad = rc != LAB_OK || strcmp(hex, sha) != 0;
            if (bad)
                vfail(v, LAB_VERIFY_EVIDENCE_MISMATCH,
                      "audit report %.64s: %.200s %s", id ? id : "?",
                      path.data ? path.data : file,
                      rc != LAB_OK ? "is missing or unreadable"
                                   : "does not have the SHA-256 the "
                                     "certificate records");
            lab_buf_free(&path);
            if (bad)
                return 1;
            v->evidence_checked++;
        }
    }
    return 0;
}

static int result_json(char **out, const vctx *v)
{
    json_t *r = json_pack(
        "{s:s, s:b, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:i, s:s, s:s, s:O?, "
        "s:O?}",
        "format", "labaudit.verify/1", "valid", v->status == LAB_VERIFY_VALID,
        "reason", lab_verify_reason(v->status), "message",
        v->status == LAB_VERIFY_VALID ? "valid"
        : v->message.data             ? v->message.data
                                      : "",
        "issuer", v->issuer, "kid", v->kid, "alg", v->alg, "status_checked",
        v->status_checked, "evidence_checked", v->evidence_checked, "at", v->at,
        "checked_at", v->checked_at, "header", v->header, "credential",
        v->cred);
    if (r == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    char *s = json_dumps(r, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(r);
    if (s == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    *out = s;
    return LAB_OK;
}

/* ---- the account for a person (labaudit show) ---- */

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void text_list(lab_buf *b, const json_t *arr, const char *title,
                      const char *const *keys, size_t nkeys)
{
    lab_buf_printf(b, "%s (%zu):\n", title, json_array_size(arr));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        lab_buf_adds(b, " ");
        for (size_t k = 0; k < nkeys; k++) {
            const json_t *v = json_object_get(e, keys[k]);
            if (json_is_string(v))
                lab_buf_printf(b, " %s", json_string_value(v));
            else if (json_is_integer(v))
                lab_buf_printf(b, " %s=%lld", keys[k],
                               (long long)json_integer_value(v));
        }
        lab_buf_addc(b, '\n');
    }
}

static int result_text(char **out, const vctx *v)
{
    static const char *const pack_keys[] = {"id", "version", "sha256"};
    static const char *const list_keys[] = {"id", "version", "sha256"};
    static const char *const fac_keys[] = {
        "tier", "supplierId", "country", "subdivision", "role", "osId"};
    static const char *const rep_keys[] = {"id", "facility", "date",
                                           "report_sha256", "file"};
    static const char *const fnd_keys[] = {"severity", "rule", "subject",
                                           "subjectId"};
    lab_buf b = LAB_BUF_INIT;
    const json_t *c = v->cred;
    const json_t *subj = json_object_get(c, "credentialSubject");
    const json_t *as = json_array_get(json_object_get(subj, "assessment"), 0);
    const json_t *scope = json_object_get(subj, "scope");
    const json_t *issuer = json_object_get(c, "issuer");
    const json_t *st = json_object_get(c, "credentialStatus");

    if (v->status == LAB_VERIFY_VALID)
        lab_buf_printf(&b, "result:      VALID%s\n",
                       v->status_checked ? " (not revoked or suspended)"
                                         : " (status not checked)");
    else
        lab_buf_printf(&b, "result:      INVALID (%s): %s\n",
                       lab_verify_reason(v->status),
                       v->message.data ? v->message.data : "");
    if (c == NULL)
        goto done;
    lab_buf_printf(&b, "certificate: %s\n", jstr(c, "id"));
    lab_buf_printf(&b, "claim:       %s\n", jstr(as, "claim"));
    const json_t *prod = json_object_get(
        json_array_get(json_object_get(as, "assessedProduct"), 0), "product");
    lab_buf_printf(&b, "product:     %s (%s)\n", jstr(prod, "registeredId"),
                   jstr(prod, "name"));
    const json_t *lots = json_object_get(as, "lots");
    lab_buf_adds(&b, "lots:       ");
    for (size_t i = 0; i < json_array_size(lots); i++)
        lab_buf_printf(&b, " %s", json_string_value(json_array_get(lots, i)));
    lab_buf_printf(&b, "%s\n", json_array_size(lots) ? "" : " (all)");
    lab_buf_printf(&b, "issuer:      %s (%s)%s%s%s%s\n",
                   json_is_object(issuer) ? jstr(issuer, "name") : "",
                   v->issuer ? v->issuer : "", v->kid ? ", key " : "",
                   v->kid ? v->kid : "", v->alg ? ", " : "",
                   v->alg ? v->alg : "");
    lab_buf_printf(&b, "valid:       from %s until %s\n", jstr(c, "validFrom"),
                   jstr(c, "validUntil"));
    const json_t *auditor = json_object_get(as, "auditor");
    if (auditor != NULL)
        lab_buf_printf(&b, "assessed by: %s (%s, %s)\n", jstr(auditor, "name"),
                       jstr(subj, "assessorLevel"),
                       jstr(subj, "assessmentLevel"));
    else
        lab_buf_printf(&b, "assessed by: self-declared by the issuer (%s)\n",
                       jstr(subj, "assessorLevel"));
    lab_buf_printf(&b, "checked:     at %s (the certificate judged at %s)\n",
                   v->checked_at, v->at);
    for (size_t i = 0;
         st != NULL && i < (json_is_array(st) ? json_array_size(st) : 1); i++) {
        const json_t *e = json_is_array(st) ? json_array_get(st, i) : st;
        lab_buf_printf(&b, "status:      %s index %s in %s\n",
                       jstr(e, "statusPurpose"), jstr(e, "statusListIndex"),
                       jstr(e, "statusListCredential"));
    }
    lab_buf_printf(&b, "assessed:    %s, topic %s, result %s\n",
                   jstr(as, "assessmentDate"), jstr(as, "conformityTopic"),
                   jstr(as, "result"));
    text_list(&b, json_object_get(scope, "rulePacks"), "rule packs", pack_keys,
              3);
    text_list(&b, json_object_get(scope, "referenceLists"), "reference lists",
              list_keys, 3);
    text_list(&b, json_object_get(as, "assessedFacility"),
              "facilities (tier = links from the maker)", fac_keys, 6);
    text_list(&b, json_object_get(as, "auditReports"), "audit reports",
              rep_keys, 5);
    text_list(&b, json_object_get(as, "findings"),
              "open findings below blocker", fnd_keys, 4);
    text_list(&b, json_object_get(as, "waivers"), "waivers", fnd_keys, 4);
done:;
    /* the account quotes the certificate: neutralised for a terminal */
    lab_buf t = LAB_BUF_INIT;
    if (b.oom)
        t.oom = 1;
    else if (b.data != NULL)
        lab_buf_add_terminal(&t, b.data, b.len);
    lab_buf_free(&b);
    if (lab_buf_detach(&t, out) != LAB_OK)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    return LAB_OK;
}

void lab_verifier_free(lab_verifier *vf)
{
    if (vf == NULL)
        return;
    for (size_t i = 0; i < vf->nkeys; i++)
        EVP_PKEY_free(vf->keys[i].key);
    free(vf->keys);
    for (size_t k = 0; k < vf->nlists; k++) {
        json_decref(vf->lists[k].cred);
        free(vf->lists[k].bits);
        lab_buf_free(&vf->lists[k].message);
    }
    json_decref(vf->trust);
    free(vf->evidence_dir);
    free(vf);
}

/* Makes every trusted JWK's key once (a JWK that does not make a key is
 * left out of the cache: using it fails as it always did). */
static int cache_keys(lab_verifier *vf)
{
    const char *issuer;
    json_t *val;
    size_t n = 0;
    json_object_foreach(vf->trust, issuer, val)
    {
        n += json_array_size(issuer_keys(vf->trust, issuer));
    }
    vf->keys = lab_calloc(n ? n : 1, sizeof *vf->keys);
    if (vf->keys == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    json_object_foreach(vf->trust, issuer, val)
    {
        const json_t *keys = issuer_keys(vf->trust, issuer);
        for (size_t i = 0; i < json_array_size(keys); i++) {
            tkey *t = &vf->keys[vf->nkeys];
            t->jwk = json_array_get(keys, i);
            if (lab_key_from_jwk(&t->key, t->jwk) == LAB_OK)
                vf->nkeys++;
            else
                t->key = NULL;
        }
    }
    lab_clearerr();
    return LAB_OK;
}

int lab_verifier_new(lab_verifier **out, const lab_verify_options *o)
{
    if (out == NULL)
        return lab_seterr(LAB_EINVAL, "lab_verifier_new: NULL argument");
    if (o == NULL || o->version < 1 || o->version > LAB_VERIFY_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION, "lab_verify_options: missing or "
                                        "unsupported version");
    lab_verifier *vf = lab_calloc(1, sizeof *vf);
    if (vf == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    vf->max_age = o->version >= 2 ? o->status_max_age : 0;
    if (vf->max_age == 0)
        vf->max_age = LAB_STATUS_DEFAULT_MAX_AGE;
    vf->format = o->format;
    int rc = LAB_OK;
    if (o->evidence_dir != NULL &&
        (vf->evidence_dir = lab_strdup(o->evidence_dir)) == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK && o->trust_list != NULL)
        rc = parse_trust(&vf->trust, o->trust_list,
                         o->version >= 2 ? o->trust_issuer : NULL);
    else if (rc == LAB_OK && (vf->trust = json_object()) == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK)
        rc = cache_keys(vf);
    /* the status lists: tokens separated by white space */
    const char *text = o->status_list;
    size_t len = text ? o->status_list_len : 0;
    for (size_t i = 0; rc == LAB_OK && i < len;) {
        while (i < len && strchr(" \t\r\n", text[i]) != NULL)
            i++;
        size_t j = i;
        while (j < len && strchr(" \t\r\n", text[j]) == NULL)
            j++;
        if (j == i)
            break;
        if (vf->nlists == MAX_STATUS_LISTS)
            rc = lab_seterr(LAB_ELIMIT, "more than %d status lists given",
                            MAX_STATUS_LISTS);
        else
            rc = preload_status_list(&vf->lists[vf->nlists++], vf, text + i,
                                     j - i);
        i = j;
    }
    if (rc != LAB_OK) {
        lab_verifier_free(vf);
        return rc;
    }
    *out = vf;
    return LAB_OK;
}

int lab_verifier_verify(const lab_verifier *vf, int *status, char **result,
                        const char *cert, size_t len, const char *at_text)
{
    vctx v;
    json_t *env = NULL;
    const char *token = NULL;
    size_t n = 0;
    int64_t at = lab_time_now();

    if (vf == NULL || status == NULL || cert == NULL)
        return lab_seterr(LAB_EINVAL, "lab_verifier_verify: NULL argument");
    if (at_text != NULL && lab_time_parse(&at, at_text) != LAB_OK)
        return lab_preerr(LAB_EINVAL, "verify: the point in time (at)");
    memset(&v, 0, sizeof v);
    int64_t checked = lab_time_now();
    lab_time_format(v.at, at);
    lab_time_format(v.checked_at, checked);
    int done =
        unwrap(&v, &token, &n, &env, cert, len) || check_header(&v, token, n) ||
        check_signature(&v, vf, token, n) || check_shape(&v) ||
        check_proof(&v, vf) || check_dates(&v, at) ||
        check_status(&v, vf, checked) || check_evidence(&v, vf->evidence_dir);
    (void)done;
    int rc = LAB_OK;
    if (result != NULL)
        rc = vf->format == LAB_FORMAT_TEXT ? result_text(result, &v)
                                           : result_json(result, &v);
    if (rc == LAB_OK)
        *status = v.status;
    json_decref(v.header);
    json_decref(v.cred);
    json_decref(env);
    lab_buf_free(&v.message);
    return rc;
}

int lab_verify(int *status, char **result, const char *cert, size_t len,
               const lab_verify_options *o)
{
    lab_verifier *vf = NULL;
    if (status == NULL || cert == NULL)
        return lab_seterr(LAB_EINVAL, "lab_verify: NULL argument");
    int rc = lab_verifier_new(&vf, o);
    if (rc == LAB_OK)
        rc = lab_verifier_verify(vf, status, result, cert, len, o->at);
    lab_verifier_free(vf);
    return rc;
}
