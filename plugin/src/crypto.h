/*
 * crypto.h - the cryptographic foundation of certificates, internal to the
 * library: RFC 8785 JSON canonicalization (jcs.c), compact JWS signing and
 * verification with EdDSA and ES256 plus base64url (jws.c), key generation,
 * storage, loading and JWK thumbprints (keys.c), and the eddsa-jcs-2022
 * Data Integrity cryptosuite with base58btc (dataintegrity.c).  All
 * OpenSSL work runs in the library's own OSSL_LIB_CTX, never the default
 * one, and leaves the host's OpenSSL error queue as it found it.
 */
#ifndef LAB_CRYPTO_H
#define LAB_CRYPTO_H

#include "internal.h"

#include <jansson.h>
#include <openssl/evp.h>

/* ---- OpenSSL plumbing (jws.c) ---- */

/* The library's own OpenSSL context with the default provider loaded,
 * made once per process.  Returns LAB_OK and sets *out, or LAB_ECRYPTO. */
int lab_crypto_libctx(OSSL_LIB_CTX **out);

/* A scope around OpenSSL calls: lab_ossl_enter() remembers whether the
 * host had errors queued and sets a mark; lab_ossl_fail() turns the errors
 * our calls raised into this thread's message (prefixed by the formatted
 * text) and returns `code`; lab_ossl_leave() removes every error raised
 * since the mark, so the host's queue is left as it was. */
typedef struct lab_ossl_scope {
    int host_had_errors;
} lab_ossl_scope;

void lab_ossl_enter(lab_ossl_scope *s);
int lab_ossl_fail(const lab_ossl_scope *s, int code, const char *fmt, ...)
    LAB_PRINTF(3, 4);
void lab_ossl_leave(lab_ossl_scope *s);

/* SHA-256 of p[0..n), computed in the library context. */
int lab_sha256(unsigned char out[32], const void *p, size_t n);

/* ---- JSON Canonicalization Scheme, RFC 8785 (jcs.c) ---- */

/* Deepest nesting of arrays and objects canonicalized (as jansson's). */
enum { LAB_JCS_MAX_DEPTH = 2048 };

/* Appends the canonical form of v to b: object members sorted by the
 * UTF-16 code units of their names, strings with only the mandatory
 * escapes, numbers as ECMAScript prints them (integers go through double,
 * as in JavaScript).  LAB_EINVAL for a non-finite number, LAB_ELIMIT when
 * nested deeper than LAB_JCS_MAX_DEPTH, LAB_ENOMEM. */
int lab_jcs_append(lab_buf *b, const json_t *v);

/* The canonical form of v as a new NUL-terminated string (caller frees
 * with free()); *len (if not NULL) gets its length. */
int lab_jcs_serialize(char **out, size_t *len, const json_t *v);

/* Parses JSON text for canonicalization: any value at the top, duplicate
 * names refused, every number read as a double (so integers beyond 2^53
 * round exactly as JavaScript's JSON.parse does).  LAB_EPARSE with
 * line:column on malformed input. */
int lab_jcs_parse(json_t **out, const char *text, size_t len);

/* Parses text and canonicalizes it in one step. */
int lab_jcs_text(char **out, size_t *len, const char *text, size_t n);

/* ---- base64url, RFC 4648 section 5, without padding (jws.c) ---- */

/* Encodes p[0..n) as base64url without padding; NUL-terminated, freed by
 * the caller with free(). */
int lab_b64url_encode(char **out, const void *p, size_t n);

/* Decodes canonical base64url only: the alphabet A-Z a-z 0-9 - _, no
 * padding, no white space, a length that is not 1 mod 4, and unused
 * trailing bits zero.  The result is NUL-terminated (not counted in
 * *len) and freed with free().  LAB_EPARSE on anything else. */
int lab_b64url_decode(unsigned char **out, size_t *len, const char *s,
                      size_t n);

/* ---- compact JWS, RFC 7515 (jws.c) ---- */

/* Algorithms, as bits so that an allow-list is a mask. */
typedef enum lab_jws_alg {
    LAB_JWS_EDDSA = 1, /* "EdDSA" with Ed25519 (RFC 8037) */
    LAB_JWS_ES256 = 2  /* "ES256": ECDSA P-256 SHA-256, r||s signature */
} lab_jws_alg;

/* Largest token lab_jws_verify() looks at. */
enum { LAB_JWS_MAX_TOKEN = 256 * 1024 };

/* The JOSE name of an algorithm ("EdDSA", "ES256"), NULL if unknown. */
const char *lab_jws_alg_name(lab_jws_alg alg);

/* The algorithm a key signs with: LAB_JWS_EDDSA for Ed25519,
 * LAB_JWS_ES256 for a P-256 EC key; LAB_EUNSUPPORTED for other keys. */
int lab_jws_alg_for_key(lab_jws_alg *out, const EVP_PKEY *key);

/* Signs payload[0..n) (n > 0) with key as a compact JWS.  The protected
 * header is a copy of `header` (an object or NULL; typically "typ", "kid",
 * "cty") with "alg" set from the key, serialized canonically.  A header
 * that names another "alg" or carries "crit" is refused (LAB_EINVAL).
 * *out is NUL-terminated and freed with free(). */
int lab_jws_sign(char **out, const json_t *header, const void *payload,
                 size_t n, EVP_PKEY *key);

/* Verifies a compact JWS against one expected public key and an
 * allow-list (a mask of lab_jws_alg).  Refuses: tokens over
 * LAB_JWS_MAX_TOKEN (LAB_ELIMIT); anything but three canonical base64url
 * parts; a header that is not a JSON object or repeats a name; "alg"
 * "none", HS*, unknown or not allowed; a key whose type does not fit the
 * algorithm; any "crit"; "b64" other than true; an empty payload; a bad
 * signature (LAB_ECRYPTO).  On success *payload (NUL-terminated, freed
 * with free()) and *payload_len are set, and *header (if not NULL) gets
 * the decoded protected header (json_decref it). */
int lab_jws_verify(unsigned char **payload, size_t *payload_len,
                   json_t **header, const char *token, size_t token_len,
                   EVP_PKEY *key, unsigned allowed);

/* Raw signatures as JWS and Data Integrity use them: Ed25519 gives 64
 * bytes; ES256 gives r||s, 32 bytes each, hashing with SHA-256.  sig needs
 * 64 bytes; *siglen is set to 64. */
int lab_sig_sign(unsigned char sig[64], size_t *siglen, lab_jws_alg alg,
                 EVP_PKEY *key, const void *msg, size_t n);
/* LAB_OK if sig is a valid signature of msg, LAB_ECRYPTO if not. */
int lab_sig_verify(lab_jws_alg alg, EVP_PKEY *key, const void *msg, size_t n,
                   const unsigned char *sig, size_t siglen);

/* ---- keys (keys.c) ---- */

typedef enum lab_key_type {
    LAB_KEY_ED25519 = 0, /* the default */
    LAB_KEY_P256 = 1
} lab_key_type;

/* Flags for lab_key_write_private() and lab_key_write_public(). */
enum { LAB_KEY_OVERWRITE = 1 };

/* PBKDF2-HMAC-SHA256 rounds protecting an encrypted key file (OWASP's
 * 2023 advice for this function). */
enum { LAB_KEY_PBKDF2_ITER = 600000 };

/* Largest key file or PEM variable read. */
enum { LAB_KEY_MAX_FILE = 64 * 1024 };

/* Generates a new key pair of the given type. */
int lab_key_generate(EVP_PKEY **out, lab_key_type type);

/* The type of a key (private or public); LAB_EUNSUPPORTED for keys that
 * are neither Ed25519 nor P-256. */
int lab_key_type_of(lab_key_type *out, const EVP_PKEY *key);

/* Writes the private key as PEM PKCS#8 to path with mode 0600, through a
 * temporary file in the same folder renamed into place.  If pass_env is
 * not NULL, the key is encrypted (PBES2: PBKDF2-HMAC-SHA256 with
 * LAB_KEY_PBKDF2_ITER rounds, AES-256-CBC) with the passphrase
 * held in the environment variable of that name (which must be set and
 * not empty).  An existing file is kept (LAB_EDUPLICATE) unless flags has
 * LAB_KEY_OVERWRITE. */
int lab_key_write_private(const char *path, EVP_PKEY *key, const char *pass_env,
                          unsigned flags);

/* Writes the public key as PEM SubjectPublicKeyInfo, mode 0644. */
int lab_key_write_public(const char *path, EVP_PKEY *key, unsigned flags);

/* The public key as PEM SubjectPublicKeyInfo text (free()). */
int lab_key_public_pem(char **out, EVP_PKEY *key);

/* Loads a private key from a PEM file.  The file is opened without
 * following symbolic links and refused (LAB_EIO) unless it is a regular
 * file that neither group nor others may access.  pass_env names the
 * variable holding the passphrase of an encrypted key (NULL if none).
 * Only Ed25519 and P-256 keys are accepted. */
int lab_key_load_private_file(EVP_PKEY **out, const char *path,
                              const char *pass_env);

/* Loads a private key from PEM text held in the environment variable
 * key_env; pass_env as above. */
int lab_key_load_private_env(EVP_PKEY **out, const char *key_env,
                             const char *pass_env);

/* Loads a private key from PEM text in memory (passphrase may be NULL). */
int lab_key_load_private_pem(EVP_PKEY **out, const char *pem, size_t n,
                             const char *passphrase);

/* Loads a public key from PEM SubjectPublicKeyInfo text. */
int lab_key_load_public_pem(EVP_PKEY **out, const char *pem, size_t n);

/* Ed25519 keys from their 32 raw bytes (seed or public point). */
int lab_key_ed25519_private(EVP_PKEY **out, const unsigned char seed[32]);
int lab_key_ed25519_public(EVP_PKEY **out, const unsigned char pub[32]);

/* The public key as a JWK object: {"kty":"OKP","crv":"Ed25519","x"} or
 * {"kty":"EC","crv":"P-256","x","y"}, plus "kid" (the thumbprint) and
 * "alg".  json_decref the result. */
int lab_key_public_jwk(json_t **out, EVP_PKEY *key);

/* The public key from a JWK object (OKP Ed25519 or EC P-256; any "d" is
 * ignored, so only the public part is ever taken). */
int lab_key_from_jwk(EVP_PKEY **out, const json_t *jwk);

/* The RFC 7638 thumbprint of a JWK (SHA-256 over the required members in
 * canonical form, base64url): kty RSA (e, n), EC (crv, x, y) and OKP
 * (crv, x) are understood.  free() the result. */
int lab_jwk_thumbprint(char **out, const json_t *jwk);

/* The key id used by labaudit: the thumbprint of the key's public JWK. */
int lab_key_id(char **out, EVP_PKEY *key);

/* ---- Data Integrity, eddsa-jcs-2022 (dataintegrity.c) ---- */

/* Bitcoin base58 alphabet, as multibase 'z' uses it.  encode gives a
 * NUL-terminated string; decode refuses characters outside the alphabet
 * (LAB_EPARSE).  Results are freed with free(). */
int lab_base58btc_encode(char **out, const unsigned char *p, size_t n);
int lab_base58btc_decode(unsigned char **out, size_t *len, const char *s,
                         size_t n);

/* Ed25519 keys as Multikey values ("z6Mk..." public, multicodec 0xed01;
 * "z3u2..." secret, multicodec 0x8026). */
int lab_multikey_ed25519_public(EVP_PKEY **out, const char *multibase);
int lab_multikey_ed25519_private(EVP_PKEY **out, const char *multibase);
int lab_multikey_ed25519_encode(char **out, EVP_PKEY *key);

/* The 64 bytes signed by eddsa-jcs-2022: SHA-256(JCS(proof_config)) ||
 * SHA-256(JCS(document without "proof")).  proof_config is used as given
 * (see lab_di_proof_config()). */
int lab_di_eddsa_jcs_hash(unsigned char out[64], const json_t *document,
                          const json_t *proof_config);

/* The proof configuration eddsa-jcs-2022 signs (vc-di-eddsa, Proof
 * Configuration): a copy of options without "proofValue" whose "@context"
 * is the document's (removed if the document has none).  "type" must be
 * "DataIntegrityProof" and "cryptosuite" "eddsa-jcs-2022" (LAB_EINVAL). */
int lab_di_proof_config(json_t **out, const json_t *document,
                        const json_t *options);

/* The proofValue (multibase base58btc, 'z' prefix) of an eddsa-jcs-2022
 * proof over document with the given options and an Ed25519 private key.
 * free() the result. */
int lab_di_eddsa_jcs_sign(char **proof_value, const json_t *document,
                          const json_t *options, EVP_PKEY *key);

/* A copy of document with an eddsa-jcs-2022 "proof" added (the proof
 * configuration plus "proofValue").  json_decref the result. */
int lab_di_eddsa_jcs_secure(json_t **out, const json_t *document,
                            const json_t *options, EVP_PKEY *key);

/* Verifies the "proof" of a secured document against an Ed25519 public
 * key: LAB_OK, LAB_ECRYPTO for a bad signature, LAB_EINVAL for a proof
 * that is not a well-formed eddsa-jcs-2022 proof. */
int lab_di_eddsa_jcs_verify(const json_t *secured, EVP_PKEY *key);

#endif /* LAB_CRYPTO_H */
