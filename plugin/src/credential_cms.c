/*
 * credential_cms.c - the auditor seal, for verifiers who have only
 * OpenSSL: a detached CMS SignedData (RFC 5652) over the RFC 8785
 * canonical bytes of a certificate's credential, signed with a P-256 key
 * and its X.509 certificate in the library's own OpenSSL context (SHA-256,
 * binary content, signing-time attribute, no S/MIME capabilities), and
 * optionally an RFC 3161 timestamp of the signature file from a
 * time-stamping authority, posted with libcurl (https, or plain http to a
 * loopback address only; the HTTP adapter links libcurl, but its fetch
 * layer only GETs).  The timestamp covers the SHA-256 of the .cms file's
 * bytes, so it proves the seal existed at its time and stock `openssl ts
 * -verify -data CERT.cms` checks it; the CMS itself binds the credential
 * bytes.  The three files are written atomically.
 */
#include "credential.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* pem.h before cms.h, which declares PEM_write_bio_CMS only after it. */
#include <openssl/pem.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#if LAB_HAVE_HTTP
#include <curl/curl.h>
#endif

#define VC_JWT_PREFIX "data:application/vc+jwt,"

/* Limits on the TSA transfer. */
enum { TSA_TIMEOUT_S = 30, TSA_CONNECT_TIMEOUT_S = 10 };

static int oom(void)
{
    return lab_seterr(LAB_ENOMEM, "out of memory");
}

/* ---- the signed bytes ---- */

/* The token inside an enveloped credential document (free()). */
static int enveloped_token(char **out, const char *doc, size_t n)
{
    json_error_t err;
    json_t *env = json_loadb(doc, n, JSON_REJECT_DUPLICATES, &err);
    const char *id = json_string_value(json_object_get(env, "id"));
    size_t plen = strlen(VC_JWT_PREFIX);
    int rc = LAB_OK;

    if (id == NULL || strncmp(id, VC_JWT_PREFIX, plen) != 0)
        rc = lab_seterr(LAB_EPARSE, "not an enveloped vc+jwt credential "
                                    "(no id starting with " VC_JWT_PREFIX ")");
    else if ((*out = lab_strdup(id + plen)) == NULL)
        rc = oom();
    json_decref(env);
    return rc;
}

int lab_cms_content(char **out, size_t *len, const char *cert, size_t n)
{
    char *token = NULL, *canon = NULL;
    unsigned char *payload = NULL;
    size_t plen = 0, clen = 0;
    int rc = LAB_OK;

    if (out == NULL || cert == NULL)
        return lab_seterr(LAB_EINVAL, "CMS seal: no certificate given");
    while (n > 0 && (cert[n - 1] == '\n' || cert[n - 1] == '\r'))
        n--;
    if (n > 0 && cert[0] == '{') {
        rc = enveloped_token(&token, cert, n);
        if (rc != LAB_OK)
            return rc;
        cert = token;
        n = strlen(token);
    }
    const char *d1 = memchr(cert, '.', n);
    const char *d2 =
        d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - cert)) : NULL;
    if (d2 == NULL) {
        rc = lab_seterr(LAB_EPARSE, "CMS seal: not a compact JWS");
        goto out;
    }
    rc = lab_b64url_decode(&payload, &plen, d1 + 1, (size_t)(d2 - d1 - 1));
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "CMS seal: JWS payload");
        goto out;
    }
    rc = lab_jcs_text(&canon, &clen, (const char *)payload, plen);
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "CMS seal: JWS payload");
        goto out;
    }
    if (clen == 0 || canon[0] != '{') {
        rc = lab_seterr(LAB_EPARSE, "CMS seal: the JWS payload is not a "
                                    "JSON object");
        goto out;
    }
    *out = canon;
    canon = NULL;
    if (len != NULL)
        *len = clen;
out:
    free(canon);
    free(payload);
    free(token);
    return rc;
}

/* ---- signing ---- */

/* Whether data[0..n) holds a PEM block. */
static int looks_pem(const char *data, size_t n)
{
    static const char begin[] = "-----BEGIN ";
    size_t m = sizeof begin - 1;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(data + i, begin, m) == 0)
            return 1;
    return 0;
}

/* Reads PEM certificates: the first is the signer, the others go to
 * *chain.  Called inside an OpenSSL scope. */
static int read_pem_certs(X509 **signer, STACK_OF(X509) * *chain,
                          const char *data, size_t n, OSSL_LIB_CTX *ctx,
                          const lab_ossl_scope *scope)
{
    BIO *bio = BIO_new_mem_buf(data, (int)n);
    int rc = LAB_OK;

    *chain = sk_X509_new_null();
    if (bio == NULL || *chain == NULL)
        rc = oom();
    while (rc == LAB_OK) {
        X509 *x = X509_new_ex(ctx, NULL);
        if (x == NULL) {
            rc = oom();
            break;
        }
        if (PEM_read_bio_X509(bio, &x, NULL, NULL) == NULL) {
            X509_free(x);
            break; /* no more certificates (or a bad one: see below) */
        }
        if (*signer == NULL)
            *signer = x;
        else if (sk_X509_push(*chain, x) <= 0) {
            X509_free(x);
            rc = oom();
        }
    }
    if (rc == LAB_OK && *signer == NULL)
        rc = lab_ossl_fail(scope, LAB_EPARSE,
                           "no PEM certificate in the signer certificate file");
    BIO_free(bio);
    return rc;
}

/* Reads the signer certificate (PEM with an optional chain, or one DER
 * certificate) in our library context. */
static int read_certs(X509 **signer, STACK_OF(X509) * *chain, const char *data,
                      size_t n, OSSL_LIB_CTX *ctx, const lab_ossl_scope *scope)
{
    if (looks_pem(data, n))
        return read_pem_certs(signer, chain, data, n, ctx, scope);
    const unsigned char *p = (const unsigned char *)data;
    X509 *x = X509_new_ex(ctx, NULL);
    if (x == NULL)
        return oom();
    if (d2i_X509(&x, &p, (long)n) == NULL) {
        X509_free(x);
        return lab_ossl_fail(scope, LAB_EPARSE,
                             "the signer certificate is neither PEM nor DER");
    }
    if (p != (const unsigned char *)data + n) {
        X509_free(x);
        return lab_seterr(LAB_EPARSE, "bytes after the DER signer "
                                      "certificate");
    }
    *signer = x;
    return LAB_OK;
}

/* Refuses a certificate that does not fit the key, is outside its
 * validity or may not sign. */
static int check_signer(X509 *signer, EVP_PKEY *key,
                        const lab_ossl_scope *scope)
{
    if (X509_check_private_key(signer, key) != 1)
        return lab_ossl_fail(scope, LAB_EINVAL,
                             "the signer certificate is not the CMS key's");
    if (X509_cmp_current_time(X509_get0_notBefore(signer)) > 0)
        return lab_seterr(LAB_EINVAL, "the signer certificate is not valid "
                                      "yet");
    if (X509_cmp_current_time(X509_get0_notAfter(signer)) < 0)
        return lab_seterr(LAB_EINVAL, "the signer certificate has expired");
    if ((X509_get_extension_flags(signer) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(signer) &
          (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
        return lab_seterr(LAB_EINVAL,
                          "the signer certificate's key usage allows "
                          "neither digitalSignature nor nonRepudiation");
    return LAB_OK;
}

/* The encoded SignedData (DER, or PEM text) in a new buffer. */
static int encode_cms(unsigned char **out, size_t *outlen, CMS_ContentInfo *cms,
                      int pem, const lab_ossl_scope *scope)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *p = NULL;
    int rc = LAB_OK;

    if (mem == NULL)
        return oom();
    int ok = pem ? PEM_write_bio_CMS(mem, cms) : i2d_CMS_bio(mem, cms);
    long len = ok == 1 ? BIO_get_mem_data(mem, &p) : 0;
    if (ok != 1 || len <= 0)
        rc = lab_ossl_fail(scope, LAB_ECRYPTO, "cannot encode the CMS seal");
    else if ((*out = lab_malloc((size_t)len + 1)) == NULL)
        rc = oom();
    if (rc == LAB_OK) {
        memcpy(*out, p, (size_t)len);
        (*out)[len] = '\0';
        *outlen = (size_t)len;
    }
    BIO_free(mem);
    return rc;
}

/* Signs with the signer (and chain) inside an OpenSSL scope. */
static int sign_detached(unsigned char **out, size_t *outlen,
                         const void *content, size_t n, EVP_PKEY *key,
                         X509 *signer, STACK_OF(X509) * chain, int pem,
                         OSSL_LIB_CTX *ctx, const lab_ossl_scope *scope)
{
    /* Binary: the bytes are signed as they are, with no S/MIME CRLF
     * translation.  Partial: the signer is added below with SHA-256. */
    const unsigned flags =
        CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
    CMS_ContentInfo *cms =
        CMS_sign_ex(NULL, NULL, chain, NULL, flags, ctx, NULL);
    EVP_MD *md = EVP_MD_fetch(ctx, "SHA2-256", NULL);
    BIO *in = BIO_new_mem_buf(content, (int)n);
    int rc = LAB_OK;

    if (cms == NULL || md == NULL || in == NULL)
        rc = lab_ossl_fail(scope, LAB_ECRYPTO, "cannot set up the CMS seal");
    else if (CMS_add1_signer(cms, signer, key, md, flags) == NULL)
        rc = lab_ossl_fail(scope, LAB_ECRYPTO, "cannot add the CMS signer");
    else if (CMS_final(cms, in, NULL, flags) != 1)
        rc = lab_ossl_fail(scope, LAB_ECRYPTO, "CMS signing failed");
    if (rc == LAB_OK)
        rc = encode_cms(out, outlen, cms, pem, scope);
    BIO_free(in);
    EVP_MD_free(md);
    CMS_ContentInfo_free(cms);
    return rc;
}

int lab_cms_sign(unsigned char **out, size_t *outlen, const void *content,
                 size_t n, EVP_PKEY *key, const char *certs, size_t certs_len,
                 int pem)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    X509 *signer = NULL;
    STACK_OF(X509) *chain = NULL;
    lab_key_type type = LAB_KEY_ED25519;

    if (out == NULL || outlen == NULL || content == NULL || key == NULL ||
        certs == NULL)
        return lab_seterr(LAB_EINVAL, "lab_cms_sign: NULL argument");
    if (n > INT_MAX || certs_len > LAB_CMS_MAX_FILE)
        return lab_seterr(LAB_ELIMIT, "CMS seal: input too large");
    if (lab_key_type_of(&type, key) != LAB_OK || type != LAB_KEY_P256)
        return lab_seterr(LAB_EUNSUPPORTED, "the CMS seal needs a P-256 key");
    int rc = lab_crypto_libctx(&ctx);
    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    rc = read_certs(&signer, &chain, certs, certs_len, ctx, &scope);
    if (rc == LAB_OK)
        rc = check_signer(signer, key, &scope);
    if (rc == LAB_OK)
        rc = sign_detached(out, outlen, content, n, key, signer, chain, pem,
                           ctx, &scope);
    sk_X509_pop_free(chain, X509_free);
    X509_free(signer);
    lab_ossl_leave(&scope);
    return rc;
}

/* ---- RFC 3161 timestamp ---- */

/* A TimeStampReq for a SHA-256 digest, with a random 64-bit nonce and
 * the TSA's certificate requested (so that `openssl ts -verify` finds it
 * in the response). */
static int tsa_request(TS_REQ **out, const unsigned char digest[32],
                       OSSL_LIB_CTX *ctx, const lab_ossl_scope *scope)
{
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = ASN1_INTEGER_new();
    unsigned char r[8];
    uint64_t v = 0;
    int rc = LAB_OK;

    if (req == NULL || mi == NULL || alg == NULL || nonce == NULL)
        rc = oom();
    else if (RAND_bytes_ex(ctx, r, sizeof r, 0) != 1)
        rc = lab_ossl_fail(scope, LAB_ECRYPTO, "no random bytes for a nonce");
    for (size_t i = 0; rc == LAB_OK && i < sizeof r; i++)
        v = v << 8 | r[i];
    if (rc == LAB_OK &&
        (X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) !=
             1 ||
         TS_MSG_IMPRINT_set_algo(mi, alg) != 1 ||
         TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest, 32) != 1 ||
         TS_REQ_set_version(req, 1) != 1 ||
         TS_REQ_set_msg_imprint(req, mi) != 1 ||
         ASN1_INTEGER_set_uint64(nonce, v | 1) != 1 ||
         TS_REQ_set_nonce(req, nonce) != 1 || TS_REQ_set_cert_req(req, 1) != 1))
        rc = lab_ossl_fail(scope, LAB_ECRYPTO,
                           "cannot build the timestamp request");
    if (rc == LAB_OK) {
        *out = req;
        req = NULL;
    }
    ASN1_INTEGER_free(nonce);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    return rc;
}

/* Checks a TimeStampResp against its request: status granted, version,
 * message imprint and nonce.  (The TSA's signature and chain are for the
 * verifier, who holds the TSA's CA.) */
static int tsa_check(TS_REQ *req, const unsigned char *der, size_t n,
                     const lab_ossl_scope *scope)
{
    const unsigned char *p = der;
    TS_RESP *resp = n <= LONG_MAX ? d2i_TS_RESP(NULL, &p, (long)n) : NULL;
    TS_VERIFY_CTX *vctx = resp ? TS_REQ_to_TS_VERIFY_CTX(req, NULL) : NULL;
    int rc = LAB_OK;

    if (resp == NULL || p != der + n)
        rc = lab_ossl_fail(scope, LAB_EPARSE,
                           "the TSA's answer is not a TimeStampResp");
    else if (vctx == NULL)
        rc = oom();
    if (rc == LAB_OK) {
        /* Not TS_VFY_SIGNATURE: we hold no trust anchor for the TSA. */
        TS_VERIFY_CTX_set_flags(vctx,
                                TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
        if (TS_RESP_verify_response(vctx, resp) != 1)
            rc = lab_ossl_fail(scope, LAB_ECRYPTO,
                               "the TSA refused or answered another request");
    }
    TS_VERIFY_CTX_free(vctx);
    TS_RESP_free(resp);
    return rc;
}

#if LAB_HAVE_HTTP

/* The response body, capped at LAB_CMS_MAX_FILE. */
typedef struct tsa_sink {
    lab_buf buf;
    int too_big;
} tsa_sink;

static size_t tsa_write(char *p, size_t size, size_t nmemb, void *arg)
{
    tsa_sink *s = arg;
    size_t n = size * nmemb; /* size is always 1 */
    if (n > LAB_CMS_MAX_FILE - s->buf.len) {
        s->too_big = 1;
        return 0;
    }
    lab_buf_add(&s->buf, p, n);
    return s->buf.oom ? 0 : n;
}

/* Which scheme the TSA URL may use: "https" anywhere, "http" only to a
 * loopback address (a TSA run beside us, as in the tests).  NULL if the
 * URL is refused. */
static const char *tsa_scheme(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    const char *ok = NULL;

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (strcasecmp(scheme, "https") == 0)
            ok = "https";
        else if (strcasecmp(scheme, "http") == 0 &&
                 (strcmp(host, "localhost") == 0 ||
                  strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0))
            ok = "http";
    }
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok;
}

static int tsa_post(lab_buf *out, const char *url, const unsigned char *req,
                    size_t reqlen)
{
    const char *scheme = tsa_scheme(url);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL, *h = NULL;
    tsa_sink sink = {LAB_BUF_INIT, 0};
    long status = 0;
    char *ctype = NULL;
    int rc = LAB_OK;

    if (scheme == NULL)
        return lab_seterr(LAB_EINVAL,
                          "TSA URL '%.200s': give an https URL (plain http "
                          "only to a loopback address)",
                          url);
    CURL *c = curl_easy_init();
    hdrs = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
    h = hdrs ? curl_slist_append(hdrs, "Accept: application/timestamp-reply")
             : NULL;
    if (c == NULL || h == NULL) {
        rc = oom();
        goto out;
    }
    hdrs = h;
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, scheme);
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
                     scheme[4] == 's' ? CURLPROTO_HTTPS : CURLPROTO_HTTP);
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (scheme[4] != 's') /* loopback: never through a proxy */
        curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TSA_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)TSA_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)LAB_CMS_MAX_FILE);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)req);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)reqlen);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tsa_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    if (sink.buf.oom) {
        rc = oom();
        goto out;
    }
    if (cc != CURLE_OK) {
        rc = lab_seterr(LAB_ENET, "TSA %.200s: %s", url,
                        sink.too_big ? "answer over 1 MiB"
                        : errbuf[0]  ? errbuf
                                     : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
    if (status != 200) {
        rc = lab_seterr(LAB_ENET, "TSA %.200s: HTTP status %ld", url, status);
        goto out;
    }
    if (ctype == NULL ||
        strncasecmp(ctype, "application/timestamp-reply", 27) != 0) {
        rc = lab_seterr(LAB_ENET,
                        "TSA %.200s: answered with content type '%.80s', "
                        "not application/timestamp-reply",
                        url, ctype ? ctype : "");
        goto out;
    }
    *out = sink.buf;
    sink.buf = (lab_buf)LAB_BUF_INIT; /* now the caller's */
out:
    lab_buf_free(&sink.buf);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

#else /* !LAB_HAVE_HTTP */

static int tsa_post(lab_buf *out, const char *url, const unsigned char *req,
                    size_t reqlen)
{
    (void)out;
    (void)req;
    (void)reqlen;
    return lab_seterr(LAB_EUNSUPPORTED,
                      "TSA %.200s: this library was built without the HTTP "
                      "adapter (libcurl)",
                      url);
}

#endif /* LAB_HAVE_HTTP */

int lab_cms_timestamp(lab_buf *out, const char *url, const void *data, size_t n)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    unsigned char digest[32], *der = NULL;
    TS_REQ *req = NULL;
    lab_buf resp = LAB_BUF_INIT;
    int rc = lab_sha256(digest, data, n);

    if (rc == LAB_OK)
        rc = lab_crypto_libctx(&ctx);
    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    rc = tsa_request(&req, digest, ctx, &scope);
    int len = rc == LAB_OK ? i2d_TS_REQ(req, &der) : 0;
    if (rc == LAB_OK && len <= 0)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO,
                           "cannot encode the timestamp request");
    if (rc == LAB_OK)
        rc = tsa_post(&resp, url, der, (size_t)len);
    if (rc == LAB_OK)
        rc = tsa_check(req, (const unsigned char *)resp.data, resp.len, &scope);
    if (rc == LAB_OK) {
        *out = resp;
        resp = (lab_buf)LAB_BUF_INIT; /* now the caller's */
    }
    lab_buf_free(&resp);
    OPENSSL_free(der);
    TS_REQ_free(req);
    lab_ossl_leave(&scope);
    return rc;
}

/* ---- the public call ---- */

int lab_cms_options_init(lab_cms_options *opts, unsigned version)
{
    if (opts == NULL || version != LAB_CMS_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_cms_options version %u is not supported "
                          "(this library knows version %d)",
                          version, LAB_CMS_OPTIONS_VERSION);
    lab_cms_options d = LAB_CMS_OPTIONS_INIT;
    *opts = d;
    return LAB_OK;
}

/* base + suffix, in a new string. */
static char *path_with(const char *base, const char *suffix)
{
    lab_buf b = LAB_BUF_INIT;
    lab_buf_adds(&b, base);
    lab_buf_adds(&b, suffix);
    char *s = NULL;
    if (lab_buf_detach(&b, &s) != LAB_OK)
        return NULL;
    return s;
}

/* Writes the three files (or removes a stale timestamp). */
static int write_seal(const char *base, const char *content, size_t clen,
                      const unsigned char *sig, size_t siglen,
                      const lab_buf *tsr)
{
    char *pj = path_with(base, ".json"), *pc = path_with(base, ".cms");
    char *pt = path_with(base, ".tsr");
    int rc = LAB_OK;

    if (pj == NULL || pc == NULL || pt == NULL)
        rc = oom();
    if (rc == LAB_OK)
        rc = lab_cred_write_file(pj, content, clen, 1);
    if (rc == LAB_OK)
        rc = lab_cred_write_file(pc, sig, siglen, 1);
    if (rc == LAB_OK && tsr->len > 0)
        rc = lab_cred_write_file(pt, tsr->data, tsr->len, 1);
    else if (rc == LAB_OK && unlink(pt) != 0 && errno != ENOENT)
        rc = lab_seterr(LAB_EIO, "%s: cannot remove the old timestamp: %s", pt,
                        strerror(errno));
    free(pj);
    free(pc);
    free(pt);
    return rc;
}

int lab_cms_seal(const char *cert, size_t cert_len, const char *base,
                 const lab_cms_options *o)
{
    EVP_PKEY *key = NULL;
    char *content = NULL, *certs = NULL;
    unsigned char *sig = NULL;
    size_t clen = 0, certs_len = 0, siglen = 0;
    lab_buf tsr = LAB_BUF_INIT;

    if (o == NULL || o->version != LAB_CMS_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION, "lab_cms_options: missing or "
                                        "unsupported version");
    if (cert == NULL || base == NULL || base[0] == '\0' ||
        o->key_file == NULL || o->cert_file == NULL)
        return lab_seterr(LAB_EINVAL, "CMS seal: a certificate, an output "
                                      "name, a key file and a signer "
                                      "certificate file are required");
    int rc = lab_cms_content(&content, &clen, cert, cert_len);
    if (rc == LAB_OK)
        rc = lab_key_load_private_file(&key, o->key_file, o->passphrase_env);
    if (rc == LAB_OK) {
        rc = lab_read_file(&certs, &certs_len, o->cert_file, LAB_CMS_MAX_FILE);
        if (rc != LAB_OK)
            rc = lab_preerr(rc, "signer certificate");
    }
    if (rc == LAB_OK) {
        rc = lab_cms_sign(&sig, &siglen, content, clen, key, certs, certs_len,
                          o->pem);
        if (rc != LAB_OK)
            rc = lab_preerr(rc, "%s", o->cert_file);
    }
    if (rc == LAB_OK && o->tsa_url != NULL)
        rc = lab_cms_timestamp(&tsr, o->tsa_url, sig, siglen);
    if (rc == LAB_OK)
        rc = write_seal(base, content, clen, sig, siglen, &tsr);
    lab_buf_free(&tsr);
    free(sig);
    free(certs);
    free(content);
    EVP_PKEY_free(key);
    return rc;
}
