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
                                        "status_unavailable"};
    if (status < 0 || (size_t)status >= LAB_ARRAY_LEN(names))
        return "unknown";
    return names[status];
}

int lab_verify_options_init(lab_verify_options *opts, unsigned version)
{
    if (opts == NULL || version != LAB_VERIFY_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_verify_options version %u is not supported "
                          "(this library knows version %d)",
                          version, LAB_VERIFY_OPTIONS_VERSION);
    lab_verify_options d = LAB_VERIFY_OPTIONS_INIT;
    *opts = d;
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

/* Finds the key `kid` of `issuer`: 0 found (*key set), 1 the issuer is
 * not listed, 2 the kid is not among its keys, 3 the listed JWK is
 * unusable. */
static int trust_key(EVP_PKEY **key, const json_t **jwk_out,
                     const json_t *trust, const char *issuer, const char *kid)
{
    const json_t *keys = issuer_keys(trust, issuer);
    if (keys == NULL)
        return 1;
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const json_t *jwk = json_array_get(keys, i);
        const char *k = json_string_value(json_object_get(jwk, "kid"));
        char *thumb = NULL;
        if (k == NULL && lab_jwk_thumbprint(&thumb, jwk) == LAB_OK)
            k = thumb;
        int match = k != NULL && strcmp(k, kid) == 0;
        free(thumb);
        if (!match)
            continue;
        *jwk_out = jwk;
        return lab_key_from_jwk(key, jwk) == LAB_OK ? 0 : 3;
    }
    return 2;
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
static int check_signature(vctx *v, const json_t *trust, const char *token,
                           size_t n)
{
    EVP_PKEY *key = NULL;
    const json_t *jwk = NULL;
    unsigned char *payload = NULL;
    size_t plen = 0;
    int t = trust_key(&key, &jwk, trust, v->issuer, v->kid);
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
    int rc =
        lab_jws_verify(&payload, &plen, NULL, token, n, key, (unsigned)want);
    EVP_PKEY_free(key);
    free(payload);
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
static int check_proof(vctx *v, const json_t *trust)
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
    if (trust_key(&key, &jwk, trust, v->issuer, hash + 1) != 0)
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

/* The status list credential: same issuer, trusted key, our entry's
 * list, valid now, and the bit.  A list speaks of the present: its
 * validity window is checked at the real time of verification (`now`),
 * whatever point in time the certificate itself is checked at. */
static int check_status(vctx *v, const json_t *trust, const char *list,
                        size_t len, int64_t now)
{
    const json_t *entry = json_object_get(v->cred, "credentialStatus");
    if (entry == NULL || list == NULL)
        return 0;
    while (len > 0 && (list[len - 1] == '\n' || list[len - 1] == '\r' ||
                       list[len - 1] == ' '))
        len--;
    const char *url =
        json_string_value(json_object_get(entry, "statusListCredential"));
    const char *idx =
        json_string_value(json_object_get(entry, "statusListIndex"));
    const char *purpose =
        json_string_value(json_object_get(entry, "statusPurpose"));
    if (url == NULL || idx == NULL || idx[0] == '\0' ||
        strspn(idx, "0123456789") != strlen(idx) || strlen(idx) > 12)
        return vfail(v, LAB_VERIFY_MALFORMED,
                     "credentialStatus lacks statusListCredential or a "
                     "numeric statusListIndex");
    vctx lv;
    memset(&lv, 0, sizeof lv);
    int bad =
        check_header(&lv, list, len) || check_signature(&lv, trust, list, len);
    int result = 0;
    if (bad) {
        result = vfail(v, lv.status, "status list: %s",
                       lv.message.data ? lv.message.data : "");
        goto out;
    }
    if (strcmp(lv.issuer, v->issuer) != 0) {
        result = vfail(v, LAB_VERIFY_UNTRUSTED_ISSUER,
                       "the status list was issued by %.200s, not by the "
                       "certificate's issuer",
                       lv.issuer);
        goto out;
    }
    if (check_dates(&lv, now)) {
        result = vfail(v,
                       lv.status == LAB_VERIFY_MALFORMED
                           ? LAB_VERIFY_MALFORMED
                           : LAB_VERIFY_STATUS_UNAVAILABLE,
                       "status list: %s: a list outside its validity cannot "
                       "tell whether the certificate is revoked",
                       lv.message.data ? lv.message.data : "");
        goto out;
    }
    const char *lid = json_string_value(json_object_get(lv.cred, "id"));
    const json_t *subj = json_object_get(lv.cred, "credentialSubject");
    const char *lpurpose =
        json_string_value(json_object_get(subj, "statusPurpose"));
    if (lid == NULL || strcmp(lid, url) != 0 ||
        (purpose && lpurpose && strcmp(purpose, lpurpose) != 0)) {
        result = vfail(v, LAB_VERIFY_MALFORMED,
                       "the status list given is %.200s, the certificate "
                       "points at %.200s",
                       lid ? lid : "(no id)", url);
        goto out;
    }
    unsigned char *bits = NULL;
    size_t nbytes = 0;
    if (lab_status_decode(&bits, &nbytes,
                          json_string_value(json_object_get(
                              subj, "encodedList"))) != LAB_OK) {
        result = vfail(v, LAB_VERIFY_MALFORMED, "%s", lab_errmsg());
        goto out;
    }
    int bit = lab_status_get(bits, nbytes, strtoull(idx, NULL, 10));
    free(bits);
    v->status_checked = 1;
    if (bit < 0)
        result = vfail(v, LAB_VERIFY_MALFORMED,
                       "statusListIndex %s is outside the list", idx);
    else if (bit == 1)
        result = vfail(v, LAB_VERIFY_REVOKED, "revoked: bit %s of %s is set",
                       idx, url);
out:
    json_decref(lv.header);
    json_decref(lv.cred);
    lab_buf_free(&lv.message);
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
        "{s:b, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:i, s:O?, s:O?}", "valid",
        v->status == LAB_VERIFY_VALID, "reason", lab_verify_reason(v->status),
        "message",
        v->status == LAB_VERIFY_VALID ? "valid"
        : v->message.data             ? v->message.data
                                      : "",
        "issuer", v->issuer, "kid", v->kid, "alg", v->alg, "status_checked",
        v->status_checked, "evidence_checked", v->evidence_checked, "header",
        v->header, "credential", v->cred);
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
                       v->status_checked ? " (not revoked)"
                                         : " (revocation not checked)");
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
    if (st != NULL)
        lab_buf_printf(&b, "status:      %s index %s in %s\n",
                       jstr(st, "statusPurpose"), jstr(st, "statusListIndex"),
                       jstr(st, "statusListCredential"));
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

int lab_verify(int *status, char **result, const char *cert, size_t len,
               const lab_verify_options *o)
{
    vctx v;
    json_t *trust = NULL, *env = NULL;
    const char *token = NULL;
    size_t n = 0;
    int64_t at = lab_time_now();

    if (status == NULL || cert == NULL)
        return lab_seterr(LAB_EINVAL, "lab_verify: NULL argument");
    if (o == NULL || o->version != LAB_VERIFY_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION, "lab_verify_options: missing or "
                                        "unsupported version");
    if (o->at != NULL && lab_time_parse(&at, o->at) != LAB_OK)
        return lab_preerr(LAB_EINVAL, "verify: --at");
    if (o->trust_list != NULL) {
        json_error_t err;
        trust = json_loads(o->trust_list, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(trust)) {
            json_decref(trust);
            return lab_seterr(LAB_EPARSE,
                              "trust list:%d:%d: %s (expected an object "
                              "mapping issuer ids to arrays of JWKs)",
                              err.line, err.column,
                              trust ? "not an object" : err.text);
        }
    } else {
        trust = json_object();
    }
    memset(&v, 0, sizeof v);
    int done = unwrap(&v, &token, &n, &env, cert, len) ||
               check_header(&v, token, n) ||
               check_signature(&v, trust, token, n) || check_shape(&v) ||
               check_proof(&v, trust) || check_dates(&v, at) ||
               check_status(&v, trust, o->status_list, o->status_list_len,
                            lab_time_now()) ||
               check_evidence(&v, o->evidence_dir);
    (void)done;
    int rc = LAB_OK;
    if (result != NULL)
        rc = o->format == LAB_FORMAT_TEXT ? result_text(result, &v)
                                          : result_json(result, &v);
    if (rc == LAB_OK)
        *status = v.status;
    json_decref(v.header);
    json_decref(v.cred);
    json_decref(env);
    json_decref(trust);
    lab_buf_free(&v.message);
    return rc;
}
