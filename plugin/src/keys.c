/*
 * keys.c - the signing keys of certificates: generating Ed25519 (the
 * default) or P-256 key pairs, writing the private key as PEM PKCS#8
 * (optionally encrypted with a passphrase taken from the environment) to
 * a file only its owner may read, loading it back from such a file or
 * from an environment variable, and publishing the public key as PEM SPKI
 * or as a JWK whose RFC 7638 thumbprint is the key id.  Secrets are wiped
 * from memory after use and never appear in messages.
 */
#include "crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small helpers ---- */

/* Frees a secret after wiping it. */
static void free_secret(void *p, size_t n)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, n);
    free(p);
}

/* Copies the passphrase held in the environment variable `name`. */
static int env_passphrase(char **out, size_t *len, const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || v[0] == '\0')
        return lab_seterr(
            LAB_EINVAL, "the passphrase variable %s is not set or empty", name);
    char *copy = lab_strdup(v);
    if (copy == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    *out = copy;
    *len = strlen(copy);
    return LAB_OK;
}

int lab_key_type_of(lab_key_type *out, const EVP_PKEY *key)
{
    lab_jws_alg alg;
    int rc = lab_jws_alg_for_key(&alg, key);

    if (rc != LAB_OK)
        return rc;
    *out = alg == LAB_JWS_EDDSA ? LAB_KEY_ED25519 : LAB_KEY_P256;
    return LAB_OK;
}

/* ---- generation ---- */

int lab_key_generate(EVP_PKEY **out, lab_key_type type)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    EVP_PKEY *key = NULL;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    if (type != LAB_KEY_ED25519 && type != LAB_KEY_P256)
        return lab_seterr(LAB_EINVAL, "unknown key type %d", (int)type);
    lab_ossl_enter(&scope);
    if (type == LAB_KEY_ED25519)
        key = EVP_PKEY_Q_keygen(ctx, NULL, "ED25519");
    else
        key = EVP_PKEY_Q_keygen(ctx, NULL, "EC", "P-256");
    if (key == NULL)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "key generation failed");
    else
        *out = key;
    lab_ossl_leave(&scope);
    return rc;
}

/* ---- encoding ---- */

/* Encodes key into bio as PEM with the given selection and structure. */
static int encode_key(BIO *bio, EVP_PKEY *key, int selection,
                      const char *structure)
{
    lab_ossl_scope scope;
    int rc = LAB_OK;

    lab_ossl_enter(&scope);
    OSSL_ENCODER_CTX *ec =
        OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM", structure, NULL);
    if (ec == NULL || OSSL_ENCODER_CTX_get_num_encoders(ec) == 0) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "no PEM %s encoder for %s",
                           structure, EVP_PKEY_get0_type_name(key));
        goto out;
    }
    if (OSSL_ENCODER_to_bio(ec, bio) != 1)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "cannot encode the %s key",
                           selection == EVP_PKEY_PUBLIC_KEY ? "public"
                                                            : "private");
out:
    OSSL_ENCODER_CTX_free(ec);
    lab_ossl_leave(&scope);
    return rc;
}

/* Encodes the private key as PEM EncryptedPrivateKeyInfo: PBES2 with
 * PBKDF2-HMAC-SHA256 (LAB_KEY_PBKDF2_ITER rounds, 16-byte random salt) and
 * AES-256-CBC.  OpenSSL's encoder would use only 2048 rounds. */
static int encode_encrypted(BIO *bio, EVP_PKEY *key, const char *pass,
                            size_t passlen)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    EVP_CIPHER *cipher = NULL;
    X509_SIG *sealed = NULL;
    unsigned char salt[16];
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    if (passlen > INT_MAX)
        return lab_seterr(LAB_EINVAL, "the passphrase is too long");
    lab_ossl_enter(&scope);
    p8 = EVP_PKEY2PKCS8(key);
    cipher = EVP_CIPHER_fetch(ctx, "AES-256-CBC", NULL);
    if (p8 == NULL || cipher == NULL) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "cannot set up key encryption");
        goto out;
    }
    if (RAND_bytes_ex(ctx, salt, sizeof salt, 0) != 1) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "no random bytes for a salt");
        goto out;
    }
    sealed =
        PKCS8_encrypt_ex(-1, cipher, pass, (int)passlen, salt, (int)sizeof salt,
                         LAB_KEY_PBKDF2_ITER, p8, ctx, NULL);
    if (sealed == NULL || PEM_write_bio_PKCS8(bio, sealed) != 1)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO,
                           "cannot encrypt the private key");
out:
    X509_SIG_free(sealed);
    EVP_CIPHER_free(cipher);
    /* Frees wipe the key bytes (OpenSSL cleanses PKCS#8 key data). */
    PKCS8_PRIV_KEY_INFO_free(p8);
    lab_ossl_leave(&scope);
    return rc;
}

/* Writes a key file through the library's one writer, with exactly
 * `mode`: a new file beside path renamed into place, so that readers see
 * the old file or the whole new one; without LAB_KEY_OVERWRITE an
 * existing path is refused.  A symbolic link is replaced, not followed:
 * a key is never written somewhere a link points. */
static int write_atomic(const char *path, const char *data, size_t n,
                        mode_t mode, unsigned flags)
{
    int rc =
        lab_write_file(path, data, n, (unsigned)mode,
                       LAB_FILE_LINK_REPLACE_ |
                           ((flags & LAB_KEY_OVERWRITE) ? 0 : LAB_FILE_NEW));
    if (rc == LAB_EDUPLICATE)
        rc = lab_seterr(rc,
                        "%s: already exists (refusing to overwrite a key "
                        "file)",
                        path);
    return rc;
}

int lab_key_write_private(const char *path, EVP_PKEY *key, const char *pass_env,
                          unsigned flags)
{
    char *pass = NULL, *pem = NULL;
    size_t passlen = 0;
    lab_key_type type;
    int rc;

    if (path == NULL || key == NULL)
        return lab_seterr(LAB_EINVAL, "no key file or no key given");
    rc = lab_key_type_of(&type, key);
    if (rc != LAB_OK)
        return rc;
    if (pass_env != NULL) {
        rc = env_passphrase(&pass, &passlen, pass_env);
        if (rc != LAB_OK)
            return rc;
    }
    /* Secure-heap memory BIO: its buffer is wiped when freed. */
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    if (pass != NULL)
        rc = encode_encrypted(bio, key, pass, passlen);
    else
        rc = encode_key(bio, key, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
    if (rc != LAB_OK)
        goto out;
    long n = BIO_get_mem_data(bio, &pem);
    if (n <= 0) {
        rc = lab_seterr(LAB_ECRYPTO, "the private key encoded to nothing");
        goto out;
    }
    rc = write_atomic(path, pem, (size_t)n, 0600, flags);
    OPENSSL_cleanse(pem, (size_t)n);
out:
    BIO_free(bio);
    free_secret(pass, passlen);
    return rc;
}

int lab_key_public_pem(char **out, EVP_PKEY *key)
{
    char *data = NULL;
    int rc;

    if (key == NULL)
        return lab_seterr(LAB_EINVAL, "no key given");
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rc = encode_key(bio, key, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo");
    if (rc == LAB_OK) {
        long n = BIO_get_mem_data(bio, &data);
        char *copy = n > 0 ? lab_strndup(data, (size_t)n) : NULL;
        if (copy == NULL)
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
        else
            *out = copy;
    }
    BIO_free(bio);
    return rc;
}

int lab_key_write_public(const char *path, EVP_PKEY *key, unsigned flags)
{
    char *pem = NULL;
    int rc;

    if (path == NULL)
        return lab_seterr(LAB_EINVAL, "no public key file given");
    rc = lab_key_public_pem(&pem, key);
    if (rc == LAB_OK)
        rc = write_atomic(path, pem, strlen(pem), 0644, flags);
    free(pem);
    return rc;
}

/* ---- loading ---- */

/* Refuses key types other than ours. */
static int accept_key(EVP_PKEY **out, EVP_PKEY *key)
{
    lab_key_type type;
    int rc = lab_key_type_of(&type, key);

    if (rc != LAB_OK) {
        EVP_PKEY_free(key);
        return rc;
    }
    *out = key;
    return LAB_OK;
}

/* Whether text[0..n) contains the string word. */
static int contains(const char *text, size_t n, const char *word)
{
    size_t w = strlen(word);

    for (size_t i = 0; i + w <= n; i++)
        if (memcmp(text + i, word, w) == 0)
            return 1;
    return 0;
}

/* Decodes PEM text into a key of the given selection and structure. */
static int decode_key(EVP_PKEY **out, const char *pem, size_t n, int selection,
                      const char *structure, const char *passphrase)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    EVP_PKEY *key = NULL;
    OSSL_DECODER_CTX *dc = NULL;
    BIO *bio = NULL;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    if (pem == NULL || n == 0 || n > LAB_KEY_MAX_FILE)
        return lab_seterr(n > LAB_KEY_MAX_FILE ? LAB_ELIMIT : LAB_EINVAL,
                          "PEM key text is empty or over %d bytes",
                          LAB_KEY_MAX_FILE);
    lab_ossl_enter(&scope);
    bio = BIO_new_mem_buf(pem, (int)n);
    dc = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", structure, NULL, selection,
                                       ctx, NULL);
    if (bio == NULL || dc == NULL) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "cannot set up decoding");
        goto out;
    }
    if (passphrase != NULL &&
        OSSL_DECODER_CTX_set_passphrase(dc, (const unsigned char *)passphrase,
                                        strlen(passphrase)) != 1) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "cannot set the passphrase");
        goto out;
    }
    if (OSSL_DECODER_from_bio(dc, bio) != 1 || key == NULL) {
        int encrypted = contains(pem, n, "ENCRYPTED");
        if (encrypted && passphrase == NULL)
            rc = lab_seterr(LAB_ECRYPTO, "the key is encrypted and no "
                                         "passphrase was given");
        else if (encrypted)
            rc = lab_seterr(LAB_ECRYPTO, "cannot decrypt the key: wrong "
                                         "passphrase or damaged key");
        else
            rc = lab_ossl_fail(&scope, LAB_EPARSE, "not a PEM %s key",
                               selection == EVP_PKEY_PUBLIC_KEY ? "public"
                                                                : "private");
        EVP_PKEY_free(key);
        key = NULL;
        goto out;
    }
    rc = accept_key(out, key);
out:
    OSSL_DECODER_CTX_free(dc);
    BIO_free(bio);
    lab_ossl_leave(&scope);
    return rc;
}

int lab_key_load_private_pem(EVP_PKEY **out, const char *pem, size_t n,
                             const char *passphrase)
{
    return decode_key(out, pem, n, EVP_PKEY_KEYPAIR, NULL, passphrase);
}

int lab_key_load_public_pem(EVP_PKEY **out, const char *pem, size_t n)
{
    return decode_key(out, pem, n, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo",
                      NULL);
}

/* Loads with a passphrase from pass_env, if named. */
static int load_with_env_pass(EVP_PKEY **out, const char *pem, size_t n,
                              const char *pass_env)
{
    char *pass = NULL;
    size_t passlen = 0;
    int rc;

    if (pass_env != NULL) {
        rc = env_passphrase(&pass, &passlen, pass_env);
        if (rc != LAB_OK)
            return rc;
    }
    rc = lab_key_load_private_pem(out, pem, n, pass);
    free_secret(pass, passlen);
    return rc;
}

/* Opens a key file for reading, refusing links, non-regular files and
 * files that group or others may access.  Returns the descriptor or -1
 * with the message set (*rc gets the code). */
static int open_key_file(const char *path, struct stat *st, int *rc)
{
    int fd =
        open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0) {
        if (errno == ELOOP)
            *rc = lab_seterr(LAB_EIO,
                             "%s: is a symbolic link (refused for "
                             "a private key)",
                             path);
        else
            *rc = lab_seterr(LAB_EIO, "%s: cannot open: %s", path,
                             strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        *rc = lab_seterr(LAB_EIO, "%s: not a regular file (%s)", path,
                         lab_file_kind(st->st_mode));
        close(fd);
        return -1;
    }
    if ((st->st_mode & 077) != 0) {
        *rc = lab_seterr(LAB_EIO,
                         "%s: private key file is accessible by group or "
                         "others (mode %04o); refusing to use it, run "
                         "'chmod 600' on it",
                         path, (unsigned)(st->st_mode & 07777));
        close(fd);
        return -1;
    }
    if (st->st_size > LAB_KEY_MAX_FILE) {
        *rc = lab_seterr(LAB_ELIMIT, "%s: key file over %d bytes", path,
                         LAB_KEY_MAX_FILE);
        close(fd);
        return -1;
    }
    return fd;
}

int lab_key_load_private_file(EVP_PKEY **out, const char *path,
                              const char *pass_env)
{
    struct stat st;
    int rc = LAB_OK;
    size_t n = 0;

    if (path == NULL)
        return lab_seterr(LAB_EINVAL, "no key file given");
    int fd = open_key_file(path, &st, &rc);
    if (fd < 0)
        return rc;
    size_t cap = (size_t)st.st_size + 1;
    char *pem = lab_malloc(cap);
    if (pem == NULL) {
        close(fd);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    while (n < cap - 1) {
        ssize_t r = read(fd, pem + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = lab_seterr(LAB_EIO, "%s: read failed: %s", path,
                            strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    pem[n] = '\0';
    rc = load_with_env_pass(out, pem, n, pass_env);
    if (rc != LAB_OK)
        rc = lab_preerr(rc, "%s", path);
out:
    free_secret(pem, cap);
    close(fd);
    return rc;
}

int lab_key_load_private_env(EVP_PKEY **out, const char *key_env,
                             const char *pass_env)
{
    if (key_env == NULL)
        return lab_seterr(LAB_EINVAL, "no key variable given");
    const char *pem = getenv(key_env);
    if (pem == NULL || pem[0] == '\0')
        return lab_seterr(LAB_ENOTFOUND,
                          "the key variable %s is not set or empty", key_env);
    int rc = load_with_env_pass(out, pem, strlen(pem), pass_env);
    if (rc != LAB_OK)
        rc = lab_preerr(rc, "key from %s", key_env);
    return rc;
}

/* ---- raw Ed25519 ---- */

static int ed25519_raw(EVP_PKEY **out, const unsigned char raw[32],
                       int private_key)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    EVP_PKEY *key =
        private_key
            ? EVP_PKEY_new_raw_private_key_ex(ctx, "ED25519", NULL, raw, 32)
            : EVP_PKEY_new_raw_public_key_ex(ctx, "ED25519", NULL, raw, 32);
    if (key == NULL)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "not an Ed25519 %s key",
                           private_key ? "private" : "public");
    else
        *out = key;
    lab_ossl_leave(&scope);
    return rc;
}

int lab_key_ed25519_private(EVP_PKEY **out, const unsigned char seed[32])
{
    return ed25519_raw(out, seed, 1);
}

int lab_key_ed25519_public(EVP_PKEY **out, const unsigned char pub[32])
{
    return ed25519_raw(out, pub, 0);
}

/* ---- JWK ---- */

/* Sets member name of obj to the base64url form of p[0..n). */
static int set_b64(json_t *obj, const char *name, const unsigned char *p,
                   size_t n)
{
    char *s = NULL;
    int rc = lab_b64url_encode(&s, p, n);

    if (rc != LAB_OK)
        return rc;
    if (json_object_set_new(obj, name, json_string(s)) != 0)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    free(s);
    return rc;
}

/* The x and y coordinates of a P-256 public key, 32 bytes each. */
static int ec_coordinates(unsigned char x[32], unsigned char y[32],
                          EVP_PKEY *key)
{
    lab_ossl_scope scope;
    BIGNUM *bx = NULL, *by = NULL;
    int rc = LAB_OK;

    lab_ossl_enter(&scope);
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) != 1 ||
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) != 1 ||
        BN_bn2binpad(bx, x, 32) != 32 || BN_bn2binpad(by, y, 32) != 32)
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO,
                           "cannot read the P-256 public point");
    BN_free(bx);
    BN_free(by);
    lab_ossl_leave(&scope);
    return rc;
}

/* The required members of the key's public JWK (no kid, no alg). */
static int jwk_core(json_t **out, EVP_PKEY *key)
{
    unsigned char x[32], y[32];
    size_t len = sizeof x;
    lab_key_type type;
    json_t *jwk = NULL;
    int rc = lab_key_type_of(&type, key);

    if (rc != LAB_OK)
        return rc;
    if (type == LAB_KEY_ED25519) {
        if (EVP_PKEY_get_raw_public_key(key, x, &len) != 1 || len != 32)
            return lab_seterr(LAB_ECRYPTO, "cannot read the Ed25519 "
                                           "public key");
        jwk = json_pack("{s:s,s:s}", "kty", "OKP", "crv", "Ed25519");
    } else {
        rc = ec_coordinates(x, y, key);
        if (rc != LAB_OK)
            return rc;
        jwk = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256");
    }
    if (jwk == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rc = set_b64(jwk, "x", x, 32);
    if (rc == LAB_OK && type == LAB_KEY_P256)
        rc = set_b64(jwk, "y", y, 32);
    if (rc != LAB_OK) {
        json_decref(jwk);
        return rc;
    }
    *out = jwk;
    return LAB_OK;
}

/* Copies the named members (all strings) of jwk into a new object. */
static int pick_members(json_t **out, const json_t *jwk,
                        const char *const *names, size_t count)
{
    json_t *o = json_object();

    if (o == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        json_t *v = json_object_get(jwk, names[i]);
        if (!json_is_string(v)) {
            json_decref(o);
            return lab_seterr(LAB_EINVAL,
                              "JWK: member \"%s\" is missing "
                              "or not text",
                              names[i]);
        }
        if (json_object_set(o, names[i], v) != 0) {
            json_decref(o);
            return lab_seterr(LAB_ENOMEM, "out of memory");
        }
    }
    *out = o;
    return LAB_OK;
}

int lab_jwk_thumbprint(char **out, const json_t *jwk)
{
    static const char *const rsa[] = {"e", "kty", "n"};
    static const char *const ec[] = {"crv", "kty", "x", "y"};
    static const char *const okp[] = {"crv", "kty", "x"};
    json_t *req = NULL;
    char *text = NULL;
    size_t len = 0;
    unsigned char digest[32];
    int rc;

    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    if (!json_is_object(jwk) || kty == NULL)
        return lab_seterr(LAB_EINVAL, "JWK: no \"kty\"");
    if (strcmp(kty, "RSA") == 0)
        rc = pick_members(&req, jwk, rsa, LAB_ARRAY_LEN(rsa));
    else if (strcmp(kty, "EC") == 0)
        rc = pick_members(&req, jwk, ec, LAB_ARRAY_LEN(ec));
    else if (strcmp(kty, "OKP") == 0)
        rc = pick_members(&req, jwk, okp, LAB_ARRAY_LEN(okp));
    else
        return lab_seterr(LAB_EUNSUPPORTED,
                          "JWK: key type \"%.16s\" is not "
                          "supported",
                          kty);
    if (rc != LAB_OK)
        return rc;
    /* RFC 7638 section 3: the required members, sorted, no white space:
     * exactly what the canonical form gives. */
    rc = lab_jcs_serialize(&text, &len, req);
    if (rc == LAB_OK)
        rc = lab_sha256(digest, text, len);
    if (rc == LAB_OK)
        rc = lab_b64url_encode(out, digest, sizeof digest);
    free(text);
    json_decref(req);
    return rc;
}

int lab_key_public_jwk(json_t **out, EVP_PKEY *key)
{
    json_t *jwk = NULL;
    char *kid = NULL;
    lab_jws_alg alg;
    int rc = lab_jws_alg_for_key(&alg, key);

    if (rc == LAB_OK)
        rc = jwk_core(&jwk, key);
    if (rc == LAB_OK)
        rc = lab_jwk_thumbprint(&kid, jwk);
    if (rc != LAB_OK) {
        json_decref(jwk);
        return rc;
    }
    if (json_object_set_new(jwk, "kid", json_string(kid)) != 0 ||
        json_object_set_new(jwk, "alg", json_string(lab_jws_alg_name(alg))) !=
            0) {
        free(kid);
        json_decref(jwk);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    free(kid);
    *out = jwk;
    return LAB_OK;
}

int lab_key_id(char **out, EVP_PKEY *key)
{
    json_t *jwk = NULL;
    int rc = jwk_core(&jwk, key);

    if (rc == LAB_OK)
        rc = lab_jwk_thumbprint(out, jwk);
    json_decref(jwk);
    return rc;
}

/* Decodes member name of jwk, which must be base64url of 32 bytes. */
static int get_coord(unsigned char out[32], const json_t *jwk, const char *name)
{
    const json_t *v = json_object_get(jwk, name);
    unsigned char *raw = NULL;
    size_t len = 0;

    if (!json_is_string(v))
        return lab_seterr(LAB_EINVAL, "JWK: no \"%s\"", name);
    int rc = lab_b64url_decode(&raw, &len, json_string_value(v),
                               json_string_length(v));
    if (rc != LAB_OK)
        return lab_preerr(rc, "JWK \"%s\"", name);
    if (len != 32) {
        free(raw);
        return lab_seterr(LAB_EINVAL, "JWK: \"%s\" is %zu bytes, not 32", name,
                          len);
    }
    memcpy(out, raw, 32);
    free(raw);
    return LAB_OK;
}

/* A P-256 public key from its coordinates, checked to be on the curve. */
static int p256_public(EVP_PKEY **out, const unsigned char x[32],
                       const unsigned char y[32])
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    unsigned char point[65];
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *check = NULL;
    int rc = lab_crypto_libctx(&ctx);

    if (rc != LAB_OK)
        return rc;
    point[0] = 0x04;
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                               OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
                           OSSL_PARAM_construct_octet_string(
                               OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
                           OSSL_PARAM_construct_end()};
    lab_ossl_enter(&scope);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(ctx, "EC", NULL);
    if (pc == NULL || EVP_PKEY_fromdata_init(pc) != 1 ||
        EVP_PKEY_fromdata(pc, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "JWK: not a P-256 point");
        goto out;
    }
    check = EVP_PKEY_CTX_new_from_pkey(ctx, key, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "JWK: not a P-256 point");
        goto out;
    }
    *out = key;
    key = NULL;
out:
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(pc);
    lab_ossl_leave(&scope);
    return rc;
}

int lab_key_from_jwk(EVP_PKEY **out, const json_t *jwk)
{
    unsigned char x[32], y[32];
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    int rc;

    if (kty == NULL || crv == NULL)
        return lab_seterr(LAB_EINVAL, "JWK: no \"kty\" or \"crv\"");
    if (strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0) {
        rc = get_coord(x, jwk, "x");
        return rc == LAB_OK ? lab_key_ed25519_public(out, x) : rc;
    }
    if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0) {
        rc = get_coord(x, jwk, "x");
        if (rc == LAB_OK)
            rc = get_coord(y, jwk, "y");
        return rc == LAB_OK ? p256_public(out, x, y) : rc;
    }
    return lab_seterr(LAB_EUNSUPPORTED,
                      "JWK: %.16s/%.16s keys are not supported (use OKP "
                      "Ed25519 or EC P-256)",
                      kty, crv);
}

/* ---- publishing a public key: DID document and JWKS ---- */

int lab_did_document(char **out, const char *did, const char *public_jwk)
{
    json_error_t err;
    if (out == NULL || did == NULL || public_jwk == NULL)
        return lab_seterr(LAB_EINVAL, "lab_did_document: NULL argument");
    if (strncmp(did, "did:", 4) != 0 || strchr(did, '#') != NULL ||
        strchr(did, '?') != NULL)
        return lab_seterr(LAB_EINVAL,
                          "'%.200s' is not a DID (did:method:id, no # or ?)",
                          did);
    json_t *jwk = json_loads(public_jwk, JSON_REJECT_DUPLICATES, &err);
    EVP_PKEY *key = NULL;
    char *thumb = NULL;
    int rc = json_is_object(jwk) && json_object_get(jwk, "d") == NULL
                 ? lab_key_from_jwk(&key, jwk)
                 : lab_seterr(LAB_EPARSE, "not a public JWK");
    if (rc == LAB_OK)
        rc = lab_jwk_thumbprint(&thumb, jwk);
    lab_buf vm = LAB_BUF_INIT;
    json_t *doc = NULL;
    if (rc == LAB_OK) {
        lab_buf_printf(&vm, "%s#%s", did, thumb);
        json_object_del(jwk, "kid"); /* the method's id names it */
        doc = vm.oom ? NULL
                     : json_pack("{s:[s,s], s:s, s:[{s:s, s:s, s:s, s:O}], "
                                 "s:[s], s:[s]}",
                                 "@context", "https://www.w3.org/ns/did/v1",
                                 "https://w3id.org/security/jwk/v1", "id", did,
                                 "verificationMethod", "id", vm.data, "type",
                                 "JsonWebKey", "controller", did,
                                 "publicKeyJwk", jwk, "assertionMethod",
                                 vm.data, "authentication", vm.data);
        if (doc == NULL)
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
    }
    if (rc == LAB_OK) {
        *out = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        if (*out == NULL)
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
    }
    lab_buf_free(&vm);
    json_decref(doc);
    json_decref(jwk);
    EVP_PKEY_free(key);
    free(thumb);
    return rc;
}
