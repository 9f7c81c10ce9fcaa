/*
 * credential.h - certificates, internal to the library: building the UNTP
 * Digital Conformity Credential of one product from a report, a dataset
 * and the engine's packs and lists (credential.c); sealing it as a vc+jwt
 * and verifying such tokens against a trust list, a point in time, a
 * status list and an evidence folder (credential.c); and the W3C
 * Bitstring Status List with the small GZIP codec it needs, RFC 3339
 * times and atomic file replacement (credential_status.c); and the
 * auditor seal, a detached CMS signature with an optional RFC 3161
 * timestamp (credential_cms.c).
 */
#ifndef LAB_CREDENTIAL_H
#define LAB_CREDENTIAL_H

#include "crypto.h"
#include "engine.h"

#include <stdint.h>

/* The JSON-LD contexts a labaudit credential starts with, in this order:
 * the VC 2.0 context, the UNTP DCC context of the released UNTP version
 * labaudit targets (the one place that version is chosen: the schema and
 * context in tests/conformance/untp-dcc/ must be that version's), and
 * labaudit's own context, which defines every term and type labaudit adds
 * (plugin/contexts/labaudit-credentials-v1.jsonld; never changed once
 * published: a new term means a v2 file and URL). */
#define LAB_VC_CONTEXT "https://www.w3.org/ns/credentials/v2"
#define LAB_DCC_CONTEXT "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/"
#define LAB_LABAUDIT_CONTEXT "https://w3id.org/labaudit/credentials/v1"

/* Smallest status list (W3C Bitstring Status List: 16 KiB of bits). */
enum { LAB_STATUS_MIN_BITS = 131072 };
/* Largest decompressed status list accepted (16 MiB of bits). */
enum { LAB_STATUS_MAX_BYTES = 16 * 1024 * 1024 };
/* Largest trust list, status list or evidence file read. */
enum { LAB_CRED_MAX_FILE = 64 * 1024 * 1024 };

/* ---- building (credential.c) ---- */

/* Lists what stops a certificate for product's chain into *out (free()):
 * the open (non-waived) blockers, and the findings whose corrective action
 * awaits verification, as "rule on subject" items, their number
 * in *n, or, when there are none, the required facts unknown as "field at
 * supplier" items, their number in *nunknown.  Items are separated by
 * "; ".  When the product is judged per lot, its chain is that of the
 * lots given (lots[0..nlots), NULL for all the product's lots).
 * LAB_ENOTFOUND if the report did not check the product or it has no such
 * lot. */
int lab_cred_blockers(char **out, size_t *n, size_t *nunknown,
                      const lab_report *rep, const lab_dataset *ds,
                      const char *product, const char *const *lots,
                      size_t nlots);

/* One credentialStatus entry: the list's id, its statusPurpose
 * (revocation or suspension) and the certificate's index in it. */
typedef struct lab_status_ref {
    const char *url, *purpose;
    long index;
} lab_status_ref;

/* Builds the unsigned credential (a JSON object) for opts->product.
 * `now` is the issuing time in seconds since the epoch; st[0..nst) are
 * its status entries (none: no credentialStatus; one: an object; two:
 * an array). */
int lab_cred_build(json_t **out, const lab_report *rep, const lab_dataset *ds,
                   const lab_certify_options *opts, int64_t now,
                   const lab_status_ref *st, size_t nst);

/* ---- the product's chain (credential.c), for dossiers ---- */

/* A product's chain as its certificate covers it: the maker (tier 0), every
 * facility upstream by links from the maker (or, with lot data, the
 * covered lots' facilities) and the recruiters of those facilities. */
typedef struct chain lab_pchain;
int lab_pchain_open(lab_pchain **out, const lab_dataset *ds,
                    const char *product, const char *const *lots, size_t nlots);
void lab_pchain_close(lab_pchain *c);
/* Its facilities, by tier then id: supplier indexes. */
size_t lab_pchain_size(const lab_pchain *c);
uint32_t lab_pchain_member(const lab_pchain *c, size_t i);
/* A supplier's tier (links from the maker), -1 outside the chain. */
int32_t lab_pchain_tier(const lab_pchain *c, uint32_t supplier);
/* Non-zero if finding f is about the chain (as the verdict counts). */
int lab_pchain_has(const lab_pchain *c, const lab_finding *f);

/* Asks an RFC 3161 time-stamping authority to timestamp `data` (its
 * SHA-256) and checks the answer; *out gets the TimeStampResp DER
 * (credential_cms.c). */
int lab_cms_timestamp(lab_buf *out, const char *url, const void *data,
                      size_t n);

/* ---- RFC 3339 times (credential_status.c) ---- */

/* Parses "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)" (fractions are
 * dropped) into seconds since the epoch.  LAB_EPARSE otherwise. */
int lab_time_parse(int64_t *out, const char *s);
/* Formats t as "YYYY-MM-DDThh:mm:ssZ" (buf needs 21 bytes). */
void lab_time_format(char buf[21], int64_t t);
/* The current time, seconds since the epoch. */
int64_t lab_time_now(void);

/* ---- GZIP, RFC 1952 (credential_status.c) ---- */

/* Compresses p[0..n) as one GZIP member (fixed Huffman codes, runs as
 * distance-1 matches: what a bitstring needs).  free() the result. */
int lab_gzip(unsigned char **out, size_t *outlen, const unsigned char *p,
             size_t n);
/* Decompresses one GZIP member (stored, fixed and dynamic blocks), with
 * its CRC-32 and length checked and at most `limit` bytes out. */
int lab_gunzip(unsigned char **out, size_t *outlen, const unsigned char *p,
               size_t n, size_t limit);

/* ---- Bitstring Status List (credential_status.c) ---- */

/* The encodedList value of a bitstring: multibase 'u' + base64url of its
 * GZIP.  free() the result. */
int lab_status_encode(char **out, const unsigned char *bits, size_t nbytes);
/* Decodes an encodedList back to its bytes (free()).  LAB_EPARSE for a
 * value that is not 'u' + base64url of a GZIP of at least 16 KiB. */
int lab_status_decode(unsigned char **bits, size_t *nbytes, const char *enc);
/* Bit `index` of a bitstring: index 0 is the most significant bit of the
 * first byte.  -1 if out of range. */
int lab_status_get(const unsigned char *bits, size_t nbytes, size_t index);

/* ---- sealing and verifying (credential.c) ---- */

/* Signs a credential as a vc+jwt (typ "vc+jwt", cty "vc", kid). */
int lab_cred_seal(char **token, const json_t *credential, EVP_PKEY *key);

/* Splits a compact JWS and decodes its header and payload as JSON
 * objects (either output may be NULL), verifying nothing.  LAB_EPARSE
 * unless there are three parts, canonical base64url and objects. */
int lab_cred_split(json_t **hdr, json_t **payload, const char *t, size_t n);

/* Decodes the payload of a compact JWS without verifying it (for a
 * status list the issuer itself keeps).  json_decref the result. */
int lab_cred_peek(json_t **payload, const char *token, size_t n);

/* ---- files (credential_status.c) ---- */

/* Writes data through lab_write_file (the one output rule; mode kept, or
 * 0666 less the umask).  An existing file is replaced only if `replace`. */
int lab_cred_write_file(const char *path, const void *data, size_t n,
                        int replace);

/* ---- the auditor seal: detached CMS and RFC 3161 (credential_cms.c) ---- */

/* Largest signer certificate file or TimeStampResp accepted. */
enum { LAB_CMS_MAX_FILE = 1024 * 1024 };

/* The bytes the CMS seal covers: the RFC 8785 canonical form of the
 * credential inside cert (a compact vc+jwt, or an enveloped JSON document
 * whose id is "data:application/vc+jwt,<token>").  The signature is not
 * checked.  *out is NUL-terminated and freed with free(). */
int lab_cms_content(char **out, size_t *len, const char *cert, size_t n);

/* A detached CMS SignedData over content[0..n): SHA-256, the P-256 key
 * (LAB_EUNSUPPORTED for other keys), signing time, no S/MIME
 * capabilities, binary content, signed by the first certificate in
 * certs[0..certs_len) (PEM, possibly followed by more certificates that
 * are included, or one DER certificate), which must match the key.  *out
 * is DER, or PEM text if `pem`; freed with free(). */
int lab_cms_sign(unsigned char **out, size_t *outlen, const void *content,
                 size_t n, EVP_PKEY *key, const char *certs, size_t certs_len,
                 int pem);

#endif /* LAB_CREDENTIAL_H */
