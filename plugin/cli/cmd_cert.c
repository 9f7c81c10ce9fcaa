/*
 * cmd_cert.c - the certificate commands of `labaudit`: keygen (an issuer
 * key pair, its public JWK and optionally a one-issuer trust list),
 * status-list (a new revocation list), certify (check a product's chain
 * and, with no blocker open, issue a signed UNTP conformity credential),
 * verify (offline, with a trust list, a status list, an evidence folder
 * and a point in time), revoke, show (the certificate for a person) and
 * json canon (RFC 8785, for interop debugging).  Like every command it
 * uses only the public API.  Exit codes: 0 success or a valid
 * certificate, 1 an invalid certificate or a refused certify, 2 usage or
 * input errors.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_LOTS = 64, MAX_STATUS_LISTS = 8 };

/* The value after option argv[*i], or NULL (with a usage error printed). */
static const char *optval(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        usage_error("%s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int is(const char *a, const char *name)
{
    return strcmp(a, name) == 0;
}

/* Parses a non-negative decimal number. */
static int parse_count(const char *s, unsigned long long *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno == 0 && *end == '\0' ? 0 : -1;
}

/* A duration: seconds, or a number with s, m, h or d; "none" = -1. */
static int parse_age(const char *s, long *out)
{
    unsigned long long n = 0;
    if (strcmp(s, "none") == 0) {
        *out = -1;
        return 0;
    }
    size_t len = strlen(s);
    long unit = 1;
    char num[24];
    if (len == 0 || len >= sizeof num)
        return -1;
    memcpy(num, s, len + 1);
    switch (num[len - 1]) {
    case 'd':
        unit = 86400;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'm':
        unit = 60;
        break;
    case 's':
        unit = 1;
        break;
    default:
        unit = 0;
    }
    if (unit != 0)
        num[len - 1] = '\0';
    else
        unit = 1;
    if (parse_count(num, &n) != 0 || n == 0 || n > 100ull * 365 * 86400)
        return -1;
    *out = (long)n * unit;
    return 0;
}

/* Reads a whole file, dropping one trailing newline; NULL on error. */
static char *read_trimmed(const char *path, size_t *len)
{
    char *s = slurp(path);
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    *len = n;
    return s;
}

/* Appends s to a JSON string literal in buf (ASCII-safe escaping). */
static void json_quote(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < cap)
        buf[n++] = '"';
    for (; *s && n + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            n += (size_t)snprintf(buf + n, cap - n, "\\%c", c);
        else if (c < 0x20)
            n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
        else
            buf[n++] = (char)c;
    }
    if (n + 1 < cap)
        buf[n++] = '"';
    buf[n < cap ? n : cap - 1] = '\0';
}

/* ---- keygen ---- */

const char keygen_help[] =
    "usage: labaudit keygen [--alg ed25519|p256] [--passphrase-env VAR]\n"
    "                       [--issuer ID] [--force] -o KEY\n"
    "\n"
    "Generates an issuer key pair.  KEY gets the private key (PEM PKCS#8,\n"
    "mode 0600, encrypted when --passphrase-env names a variable holding a\n"
    "passphrase); KEY.pub.jwk the public key as a JWK with its kid and\n"
    "KEY.jwks.json the same as a JWKS; with --issuer, KEY.trust.json a\n"
    "trust list naming ID with this key, for verifiers, and when ID is a\n"
    "DID, KEY.did.json its DID document (for did:web:HOST, serve it at\n"
    "https://HOST/.well-known/did.json).\n";

int cmd_keygen(int argc, char **argv)
{
    lab_keygen_options ko = LAB_KEYGEN_OPTIONS_INIT;
    const char *out = NULL, *issuer = NULL;

    if (want_help(argc, argv)) {
        fputs(keygen_help, stdout);
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (is(a, "--force")) {
            ko.overwrite = 1;
            continue;
        }
        if (!is(a, "--alg") && !is(a, "--passphrase-env") &&
            !is(a, "--issuer") && !is(a, "-o") && !is(a, "--output"))
            return usage_error("keygen: unknown argument '%s'", a);
        if ((v = optval(argc, argv, &i)) == NULL)
            return EXIT_USAGE;
        if (is(a, "--alg")) {
            if (is(v, "ed25519") || is(v, "EdDSA"))
                ko.alg = LAB_KEY_ALG_ED25519;
            else if (is(v, "p256") || is(v, "ES256"))
                ko.alg = LAB_KEY_ALG_P256;
            else
                return usage_error("--alg '%s': expected ed25519 or p256", v);
        } else if (is(a, "--passphrase-env")) {
            ko.passphrase_env = v;
        } else if (is(a, "--issuer")) {
            issuer = v;
        } else {
            out = v;
        }
    }
    if (out == NULL)
        return usage_error("keygen: give the key file with -o KEY");
    char *jwk = NULL;
    int rc = lab_keygen(&jwk, out, &ko);
    if (rc != LAB_OK)
        return fail(rc, "keygen");
    size_t n = strlen(out) + 32;
    char *path = malloc(n);
    size_t tcap = strlen(jwk) + 2 * (issuer ? strlen(issuer) : 0) + 64;
    char *trust = malloc(tcap);
    int status = path && trust ? 0 : EXIT_USAGE;
    if (status == 0) {
        snprintf(path, n, "%s.pub.jwk", out);
        size_t jl = strlen(jwk);
        char *line = malloc(jl + 2);
        if (line == NULL) {
            status = EXIT_USAGE;
        } else {
            memcpy(line, jwk, jl);
            memcpy(line + jl, "\n", 2);
            status = write_output(path, line);
            free(line);
            if (status == 0)
                chmod(path, 0644); /* public: anyone may read it */
        }
    }
    if (status == 0 && issuer != NULL) {
        snprintf(path, n, "%s.trust.json", out);
        trust[0] = '{';
        trust[1] = '\0';
        json_quote(trust, tcap, issuer);
        size_t tl = strlen(trust);
        snprintf(trust + tl, tcap - tl, ": [%s]}\n", jwk);
        status = write_output(path, trust);
        if (status == 0)
            chmod(path, 0644);
    }
    if (status == 0) {
        /* the same key as a JWKS, for JOSE libraries */
        snprintf(path, n, "%s.jwks.json", out);
        snprintf(trust, tcap, "{\"keys\": [%s]}\n", jwk);
        status = write_output(path, trust);
        if (status == 0)
            chmod(path, 0644);
    }
    int did = issuer != NULL && strncmp(issuer, "did:", 4) == 0;
    if (status == 0 && did) {
        char *doc = NULL;
        rc = lab_did_document(&doc, issuer, jwk);
        if (rc != LAB_OK) {
            status = fail(rc, "keygen: DID document");
        } else {
            snprintf(path, n, "%s.did.json", out);
            size_t dl = strlen(doc);
            char *line = malloc(dl + 2);
            status = line ? 0 : EXIT_USAGE;
            if (line) {
                memcpy(line, doc, dl);
                memcpy(line + dl, "\n", 2);
                status = write_output(path, line);
                free(line);
            }
            if (status == 0)
                chmod(path, 0644);
        }
        lab_free(doc);
    }
    if (status == 0)
        print_text(stdout,
                   "%s: private key (0600); %s.pub.jwk: public key; "
                   "%s.jwks.json: JWKS%s%s%s%s%s%s\n",
                   out, out, out, issuer ? "; " : "", issuer ? out : "",
                   issuer ? ".trust.json: trust list" : "", did ? "; " : "",
                   did ? out : "",
                   did ? ".did.json: DID document (for did:web, serve at "
                         "/.well-known/did.json)"
                       : "");
    free(path);
    free(trust);
    lab_free(jwk);
    return status;
}

/* ---- status-list and revoke ---- */

const char status_help[] =
    "usage: labaudit status-list create --url URL --issuer ID --key KEY\n"
    "                [--purpose revocation|suspension] [--valid-days N]\n"
    "                [--bits N] [--passphrase-env VAR] -o FILE\n"
    "       labaudit status-list renew --status-list FILE --key KEY\n"
    "                [--valid-days N] [--passphrase-env VAR]\n"
    "\n"
    "create: a new, all-clear list (a W3C Bitstring Status List credential\n"
    "signed as vc+jwt, 131072 bits unless --bits says more), for\n"
    "revocation (the default) or suspension; --valid-days gives it a\n"
    "validUntil.  Publish FILE at URL; certificates point at it with\n"
    "certify --status-list FILE --status-index N; `labaudit revoke`,\n"
    "`suspend` and `unsuspend` set and clear their bits.\n"
    "renew: re-signs the list as it is with a fresh validFrom (and\n"
    "validUntil).  Verifiers refuse a list issued longer ago than their\n"
    "maximum age (30 days unless they say otherwise): renew and publish\n"
    "at least that often, e.g. from cron.\n";

const char revoke_help[] =
    "usage: labaudit revoke --status-list FILE --index N --key KEY\n"
    "                       [--passphrase-env VAR]\n"
    "\n"
    "Revokes the certificate with status index N: sets bit N of the\n"
    "revocation list in FILE, re-signs it with KEY and replaces FILE\n"
    "atomically.  Publish the new FILE.\n";

const char suspend_help[] =
    "usage: labaudit suspend|unsuspend --status-list FILE --index N --key KEY\n"
    "                       [--passphrase-env VAR]\n"
    "\n"
    "Suspends the certificate with status index N (sets bit N of the\n"
    "suspension list in FILE), or lifts the suspension (clears it), then\n"
    "re-signs FILE with KEY and replaces it atomically.  A suspended\n"
    "certificate verifies as invalid: suspended until it is lifted: the\n"
    "state of a certificate while a corrective action is open.  Publish\n"
    "the new FILE.\n";

/* Shared options of status-list create, renew, revoke and (un)suspend. */
static int parse_status(int argc, char **argv, lab_status_options *so,
                        const char **file, unsigned long long *index,
                        int *have_index)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = optval(argc, argv, &i);
        unsigned long long num = 0;
        if (v == NULL)
            return EXIT_USAGE;
        if (is(a, "--key"))
            so->key_file = v;
        else if (is(a, "--passphrase-env"))
            so->passphrase_env = v;
        else if (is(a, "--url"))
            so->list_url = v;
        else if (is(a, "--issuer"))
            so->issuer_id = v;
        else if (is(a, "--purpose")) {
            if (!is(v, "revocation") && !is(v, "suspension"))
                return usage_error("--purpose '%s': expected revocation or "
                                   "suspension",
                                   v);
            so->purpose = v;
        } else if (is(a, "-o") || is(a, "--output") || is(a, "--status-list"))
            *file = v;
        else if ((is(a, "--bits") || is(a, "--index") ||
                  is(a, "--valid-days")) &&
                 parse_count(v, &num) != 0)
            return usage_error("%s '%s': expected a number", a, v);
        else if (is(a, "--bits"))
            so->bits = (size_t)num;
        else if (is(a, "--valid-days")) {
            if (num == 0 || num > 3650)
                return usage_error("--valid-days '%s': expected 1 to 3650", v);
            so->valid_days = (unsigned)num;
        } else if (is(a, "--index")) {
            *index = num;
            *have_index = 1;
        } else
            return usage_error("unknown option '%s'", a);
    }
    return 0;
}

int cmd_status_list(int argc, char **argv)
{
    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    const char *file = NULL;
    unsigned long long index = 0;
    int have_index = 0;

    if (want_help(argc, argv) || argc == 0) {
        fputs(status_help, argc ? stdout : stderr);
        return argc ? 0 : EXIT_USAGE;
    }
    int renew = is(argv[0], "renew");
    if (!renew && !is(argv[0], "create"))
        return usage_error("status-list: unknown subcommand '%s' (create or "
                           "renew)",
                           argv[0]);
    int st = parse_status(argc - 1, argv + 1, &so, &file, &index, &have_index);
    if (st != 0)
        return st;
    if (renew) {
        if (file == NULL || so.key_file == NULL)
            return usage_error("status-list renew: --status-list FILE and "
                               "--key KEY are required");
        int rc = lab_status_list_renew(file, &so);
        if (rc != LAB_OK)
            return fail(rc, "status-list renew");
        print_text(stdout, "%s: re-signed; publish the new file\n", file);
        return 0;
    }
    if (file == NULL || so.key_file == NULL || so.list_url == NULL ||
        so.issuer_id == NULL)
        return usage_error("status-list create: --url, --issuer, --key and "
                           "-o FILE are required");
    int rc = lab_status_list_create(file, &so);
    if (rc != LAB_OK)
        return fail(rc, "status-list");
    print_text(stdout, "%s: %s list %s (all clear)\n", file,
               so.purpose ? so.purpose : "revocation", so.list_url);
    return 0;
}

/* revoke, suspend and unsuspend: one bit of one list. */
static int set_status(int argc, char **argv, const char *name, const char *help,
                      int (*op)(const char *, size_t,
                                const lab_status_options *),
                      const char *done)
{
    lab_status_options so = LAB_STATUS_OPTIONS_INIT;
    const char *file = NULL;
    unsigned long long index = 0;
    int have_index = 0;

    if (want_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    int st = parse_status(argc, argv, &so, &file, &index, &have_index);
    if (st != 0)
        return st;
    if (file == NULL || so.key_file == NULL || !have_index)
        return usage_error("%s: --status-list FILE, --index N and --key "
                           "KEY are required",
                           name);
    int rc = op(file, (size_t)index, &so);
    if (rc != LAB_OK)
        return fail(rc, name);
    print_text(stdout, "%s: index %llu %s; publish the new file\n", file, index,
               done);
    return 0;
}

int cmd_revoke(int argc, char **argv)
{
    return set_status(argc, argv, "revoke", revoke_help, lab_revoke, "revoked");
}

int cmd_suspend(int argc, char **argv)
{
    return set_status(argc, argv, "suspend", suspend_help, lab_suspend,
                      "suspended");
}

int cmd_unsuspend(int argc, char **argv)
{
    return set_status(argc, argv, "unsuspend", suspend_help, lab_unsuspend,
                      "no longer suspended");
}

/* ---- certify ---- */

const char certify_help[] =
    "usage: labaudit certify DATA --rules PACK [--lists LIST] --product P\n"
    "                        --issuer ID --key KEY -o CERT [options]\n"
    "\n"
    "Checks product P's whole chain and, if no blocker is open, issues a\n"
    "UN Transparency Protocol Digital Conformity Credential (W3C VC 2.0,\n"
    "topic social.labour) signed as a vc+jwt with KEY (EdDSA for Ed25519,\n"
    "ES256 for P-256).  With an open blocker nothing is written, the\n"
    "blockers are listed and the exit status is 1.  The claim is\n"
    "self-declared by the issuer unless an assessment body is named.\n"
    "\n"
    "  -r, --rules PATH         rule packs (repeatable; $LABAUDIT_RULES)\n"
    "  -l, --lists PATH         reference lists (repeatable)\n"
    "      --product P          the product (required)\n"
    "      --lots L1,L2         lots covered (default: the product's)\n"
    "      --claim TEXT         claim text (default: the product's)\n"
    "      --issuer ID          issuer URI, e.g. did:web:brand.example\n"
    "      --issuer-name NAME   issuer's name\n"
    "      --key KEY            issuer's private key (0600)\n"
    "      --passphrase-env V   variable holding the key's passphrase\n"
    "      --valid-from TIME    RFC 3339 (default now)\n"
    "      --valid-days N       validity (default 365)\n"
    "      --status-list FILE   revocation (or suspension) list made by\n"
    "                           `status-list create`\n"
    "      --status-index N|next|random  this certificate's bit in it\n"
    "                           (default next); each index is given once,\n"
    "                           recorded in FILE.used; random hides the\n"
    "                           order of issue\n"
    "      --suspension-list FILE  a suspension list as well (a second\n"
    "                           status entry; `labaudit suspend`)\n"
    "      --suspension-index N|next|random  the bit in it (default next)\n"
    "      --enveloped          write an EnvelopedVerifiableCredential "
    "(JSON)\n"
    "      --seal data-integrity  also embed an eddsa-jcs-2022 proof\n"
    "      --seal cms           also write an auditor seal: CERT.cms, a\n"
    "                           detached CMS signature over CERT.json, the\n"
    "                           canonical credential (needs --cms-key and\n"
    "                           --cms-cert)\n"
    "      --cms-key KEY        the seal's P-256 private key (0600)\n"
    "      --cms-passphrase-env V  variable holding its passphrase\n"
    "      --cms-cert FILE      its X.509 certificate, PEM (with any\n"
    "                           intermediates after it) or DER\n"
    "      --cms-pem            write CERT.cms as PEM, not DER\n"
    "      --tsa URL            RFC 3161 timestamp of CERT.cms into CERT.tsr\n"
    "                           (https, or http on loopback)\n"
    "      --as-of DATE         evaluate as of DATE (YYYY-MM-DD)\n"
    "  -w, --waivers FILE       accept the findings FILE lists (CSV, as for\n"
    "                           check); the certificate names each waiver\n"
    "  -o, --output CERT        where to write the certificate\n"
    "\n"
    "Who assessed the claim (UNTP assessorLevel / assessmentLevel):\n"
    "      --assessor-level L   self (default: Self), second-party (Buyer),\n"
    "                           third-party (3rdParty, Verified) or\n"
    "                           accredited (3rdParty, Accredited)\n"
    "      --scheme-name NAME   the conformity scheme assessed under, with\n"
    "      --scheme-id URI      its id, version, owner's name and owner's\n"
    "      --scheme-version V   id (all five; default: labaudit's rule\n"
    "      --scheme-owner NAME  packs as the scheme, owned by the issuer)\n"
    "      --scheme-owner-id URI\n"
    "      --body-name NAME     the assessment body (needed by any level\n"
    "      --body-id URI        but self), name and id\n"
    "      --accreditation-id URI  the body's accreditation (needed by\n"
    "      --accreditation-body NAME  accredited): its id, and the name\n"
    "      --accreditation-body-id URI  and id of the body that issued it\n"
    "      --accreditation-name TEXT  what it is (default: Accreditation\n"
    "                           of BODY)\n"
    "      --label-eu           the claim goes on a label for consumers in\n"
    "                           the EU: refused unless a scheme and a\n"
    "                           third-party or accredited body are named\n"
    "                           (Directive (EU) 2024/825)\n";

typedef struct certify_args {
    opts o;
    lab_certify_options co;
    lab_cms_options cms;
    int seal_cms;
    lab_status_pick pick;  /* --status-index: given, next or random */
    lab_status_pick spick; /* --suspension-index */
    const char *lots[MAX_LOTS];
    char *lots_buf;
    char *seal_link; /* CERT.cms's file name, named in the credential */
} certify_args;

/* Splits "A,B" into co.lots (keeps the buffer in a->lots_buf). */
static int add_lots(certify_args *a, const char *v)
{
    char *copy = strdup(v);
    if (copy == NULL)
        return EXIT_USAGE;
    free(a->lots_buf);
    a->lots_buf = copy;
    a->co.nlots = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",;", &save); t != NULL;
         t = strtok_r(NULL, ",;", &save)) {
        if (a->co.nlots == MAX_LOTS)
            return usage_error("--lots: more than %d lots", MAX_LOTS);
        a->lots[a->co.nlots++] = t;
    }
    a->co.lots = a->lots;
    return 0;
}

static int parse_certify(int argc, char **argv, certify_args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i], *v = NULL;
        if (is(k, "--enveloped")) {
            a->co.enveloped = 1;
            continue;
        }
        if (is(k, "-q") || is(k, "--quiet")) {
            a->o.quiet = 1;
            continue;
        }
        if (is(k, "--cms-pem")) {
            a->cms.pem = 1;
            continue;
        }
        if (is(k, "--label-eu")) {
            a->co.label_eu = 1;
            continue;
        }
        if (k[0] != '-') {
            if (a->o.npos > 0)
                return usage_error("certify: one DATA folder, not '%s'", k);
            a->o.pos[a->o.npos++] = k;
            continue;
        }
        if ((v = optval(argc, argv, &i)) == NULL)
            return EXIT_USAGE;
        unsigned long long num = 0;
        if (is(k, "-r") || is(k, "--rules")) {
            if (a->o.npacks == MAX_PACKS)
                return usage_error("too many --rules");
            a->o.packs[a->o.npacks++] = v;
        } else if (is(k, "-l") || is(k, "--lists")) {
            if (a->o.nlists == MAX_PACKS)
                return usage_error("too many --lists");
            a->o.lists[a->o.nlists++] = v;
        } else if (is(k, "--product")) {
            a->co.product = v;
        } else if (is(k, "--lots")) {
            if (add_lots(a, v) != 0)
                return EXIT_USAGE;
        } else if (is(k, "--claim")) {
            a->co.claim = v;
        } else if (is(k, "--issuer")) {
            a->co.issuer_id = v;
        } else if (is(k, "--issuer-name")) {
            a->co.issuer_name = v;
        } else if (is(k, "--key")) {
            a->co.key_file = v;
        } else if (is(k, "--passphrase-env")) {
            a->co.passphrase_env = v;
        } else if (is(k, "--valid-from")) {
            a->co.valid_from = v;
        } else if ((is(k, "--status-index") || is(k, "--suspension-index")) &&
                   (is(v, "next") || is(v, "random"))) {
            *(is(k, "--status-index") ? &a->pick : &a->spick) =
                is(v, "next") ? LAB_STATUS_PICK_NEXT : LAB_STATUS_PICK_RANDOM;
        } else if (is(k, "--suspension-index")) {
            if (parse_count(v, &num) != 0 || num > 0x7fffffffULL)
                return usage_error("%s '%s': expected a number, next or "
                                   "random",
                                   k, v);
            a->co.suspension_index = (long)num;
            a->spick = LAB_STATUS_PICK_GIVEN;
        } else if (is(k, "--suspension-list")) {
            a->co.suspension_list = v;
        } else if (is(k, "--valid-days") || is(k, "--status-index")) {
            if (parse_count(v, &num) != 0 || num > 0x7fffffffULL)
                return usage_error("%s '%s': expected a number", k, v);
            if (is(k, "--valid-days"))
                a->co.valid_days = (unsigned)num;
            else {
                a->co.status_index = (long)num;
                a->pick = LAB_STATUS_PICK_GIVEN;
            }
        } else if (is(k, "--status-list")) {
            a->co.status_list = v;
        } else if (is(k, "--seal")) {
            if (is(v, "data-integrity"))
                a->co.seal = LAB_SEAL_DATA_INTEGRITY;
            else if (is(v, "cms"))
                a->seal_cms = 1;
            else if (!is(v, "jws"))
                return usage_error("--seal '%s': expected data-integrity or "
                                   "cms",
                                   v);
        } else if (is(k, "--cms-key")) {
            a->cms.key_file = v;
        } else if (is(k, "--cms-passphrase-env")) {
            a->cms.passphrase_env = v;
        } else if (is(k, "--cms-cert")) {
            a->cms.cert_file = v;
        } else if (is(k, "--tsa")) {
            a->cms.tsa_url = v;
        } else if (is(k, "--as-of")) {
            a->o.as_of = v;
        } else if (is(k, "-w") || is(k, "--waivers")) {
            a->o.waivers = v;
        } else if (is(k, "-o") || is(k, "--output")) {
            a->o.output = v;
        } else if (is(k, "--assessor-level")) {
            if (is(v, "self"))
                a->co.assessor_level = LAB_ASSESSOR_SELF;
            else if (is(v, "second-party"))
                a->co.assessor_level = LAB_ASSESSOR_SECOND_PARTY;
            else if (is(v, "third-party"))
                a->co.assessor_level = LAB_ASSESSOR_THIRD_PARTY;
            else if (is(v, "accredited"))
                a->co.assessor_level = LAB_ASSESSOR_ACCREDITED;
            else
                return usage_error("--assessor-level '%s': expected self, "
                                   "second-party, third-party or accredited",
                                   v);
        } else if (is(k, "--scheme-name")) {
            a->co.scheme_name = v;
        } else if (is(k, "--scheme-id")) {
            a->co.scheme_id = v;
        } else if (is(k, "--scheme-version")) {
            a->co.scheme_version = v;
        } else if (is(k, "--scheme-owner")) {
            a->co.scheme_owner = v;
        } else if (is(k, "--scheme-owner-id")) {
            a->co.scheme_owner_id = v;
        } else if (is(k, "--accreditation-body-id")) {
            a->co.accreditation_body_id = v;
        } else if (is(k, "--body-name")) {
            a->co.body_name = v;
        } else if (is(k, "--body-id")) {
            a->co.body_id = v;
        } else if (is(k, "--accreditation-id")) {
            a->co.accreditation_id = v;
        } else if (is(k, "--accreditation-name")) {
            a->co.accreditation_name = v;
        } else if (is(k, "--accreditation-body")) {
            a->co.accreditation_body = v;
        } else {
            return usage_error("certify: unknown option '%s'", k);
        }
    }
    if (a->o.npos != 1 || a->co.product == NULL || a->co.issuer_id == NULL ||
        a->co.key_file == NULL || a->o.output == NULL)
        return usage_error("certify: DATA, --product, --issuer, --key and "
                           "-o CERT are required");
    if (a->seal_cms && (a->cms.key_file == NULL || a->cms.cert_file == NULL ||
                        is(a->o.output, "-")))
        return usage_error("certify: --seal cms needs --cms-key, --cms-cert "
                           "and -o CERT (a file)");
    if (!a->seal_cms &&
        (a->cms.key_file || a->cms.cert_file || a->cms.tsa_url || a->cms.pem))
        return usage_error("certify: --cms-key, --cms-cert, --cms-pem and "
                           "--tsa go with --seal cms");
    if (a->seal_cms) {
        /* the credential names its seal, CERT.cms, by file name: the
         * seal signs the credential, so it cannot hold the seal's hash */
        const char *slash = strrchr(a->o.output, '/');
        const char *base = slash ? slash + 1 : a->o.output;
        size_t n = strlen(base);
        if ((a->seal_link = malloc(n + 5)) == NULL)
            return usage_error("out of memory");
        memcpy(a->seal_link, base, n);
        memcpy(a->seal_link + n, ".cms", 5);
        a->co.seal_link = a->seal_link;
    }
    return 0;
}

/* Prints the refusal: the message, then each blocker, finding awaiting
 * verification or unknown required fact on its own line. */
static void print_blockers(void)
{
    const char *msg = lab_errmsg();
    const char *what = strstr(msg, "required fact") ? "UNKNOWN" : "BLOCKER";
    const char *list = strstr(msg, "issued: ");
    print_text(stderr, "%s: certify refused: %.*s\n", prog,
               list ? (int)(list - msg + 6) : (int)strlen(msg), msg);
    if (list == NULL)
        return;
    list += 8;
    while (*list) {
        const char *end = strstr(list, "; ");
        size_t n = end ? (size_t)(end - list) : strlen(list);
        int awaiting =
            n > 23 && memcmp(list + n - 23, "(awaiting verification)", 23) == 0;
        print_text(stderr, "  %s %.*s\n", awaiting ? "AWAITING" : what, (int)n,
                   list);
        list += n + (end ? 2 : 0);
    }
}

int cmd_certify(int argc, char **argv)
{
    certify_args a;
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    char *cert = NULL;
    int status = EXIT_USAGE, rc;

    if (want_help(argc, argv)) {
        fputs(certify_help, stdout);
        return 0;
    }
    memset(&a, 0, sizeof a);
    a.pick = a.spick = LAB_STATUS_PICK_NEXT;
    lab_certify_options_init(&a.co, LAB_CERTIFY_OPTIONS_VERSION);
    lab_cms_options_init(&a.cms, LAB_CMS_OPTIONS_VERSION);
    if (parse_certify(argc, argv, &a) != 0)
        goto out;
    if (make_engine(&e, &a.o) != 0)
        goto out;
    if ((rc = lab_dataset_new(&ds)) != LAB_OK ||
        (rc = lab_dataset_load(ds, a.o.pos[0])) != LAB_OK) {
        fail(rc, a.o.pos[0]);
        goto out;
    }
    lab_check_options chk = LAB_CHECK_OPTIONS_INIT;
    chk.product = a.co.product;
    chk.as_of = a.o.as_of;
    chk.waivers = a.o.waivers;
    if ((rc = lab_check(&rep, e, ds, &chk)) != LAB_OK) {
        fail(rc, "check");
        goto out;
    }
    /* an index the list has not given yet: taken now when chosen here, or
     * checked and recorded once the certificate is made */
    if (a.co.status_list != NULL && a.pick != LAB_STATUS_PICK_GIVEN &&
        (rc = lab_status_claim(&a.co.status_index, a.co.status_list, a.pick)) !=
            LAB_OK) {
        fail(rc, "certify --status-index");
        goto out;
    }
    if (a.co.suspension_list != NULL && a.spick != LAB_STATUS_PICK_GIVEN &&
        (rc = lab_status_claim(&a.co.suspension_index, a.co.suspension_list,
                               a.spick)) != LAB_OK) {
        fail(rc, "certify --suspension-index");
        goto out;
    }
    rc = lab_certify(&cert, rep, ds, &a.co);
    if (rc == LAB_OK && a.co.status_list != NULL &&
        a.pick == LAB_STATUS_PICK_GIVEN) {
        long given = a.co.status_index;
        if ((rc = lab_status_claim(&given, a.co.status_list,
                                   LAB_STATUS_PICK_GIVEN)) != LAB_OK) {
            fail(rc, "certify --status-index");
            goto out;
        }
    }
    if (rc == LAB_OK && a.co.suspension_list != NULL &&
        a.spick == LAB_STATUS_PICK_GIVEN) {
        long given = a.co.suspension_index;
        if ((rc = lab_status_claim(&given, a.co.suspension_list,
                                   LAB_STATUS_PICK_GIVEN)) != LAB_OK) {
            fail(rc, "certify --suspension-index");
            goto out;
        }
    }
    if (rc == LAB_EBLOCKED) {
        print_blockers();
        status = EXIT_FINDINGS;
        goto out;
    }
    if (rc != LAB_OK) {
        fail(rc, "certify");
        goto out;
    }
    /* The seal first: if it (or its timestamp) fails, nothing is written. */
    rc = a.seal_cms ? lab_cms_seal(cert, strlen(cert), a.o.output, &a.cms)
                    : LAB_OK;
    if (rc != LAB_OK) {
        fail(rc, "certify --seal cms");
        goto out;
    }
    size_t n = strlen(cert);
    char *line = malloc(n + 2);
    if (line != NULL) {
        memcpy(line, cert, n);
        memcpy(line + n, "\n", 2);
        status = write_output(a.o.output, line);
        free(line);
    }
    if (status == 0 && !a.o.quiet && !cli_quiet && strcmp(a.o.output, "-") != 0)
        print_text(stderr, "%s: certificate for %s written to %s\n", prog,
                   a.co.product, a.o.output);
    if (status == 0 && !a.o.quiet && !cli_quiet && a.seal_cms)
        print_text(stderr, "%s: CMS seal %s.cms over %s.json%s%s%s\n", prog,
                   a.o.output, a.o.output, a.cms.tsa_url ? ", timestamp " : "",
                   a.cms.tsa_url ? a.o.output : "",
                   a.cms.tsa_url ? ".tsr" : "");
out:
    lab_free(cert);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    free(a.lots_buf);
    free(a.seal_link);
    return status;
}

/* ---- verify and show ---- */

const char verify_help[] =
    "usage: labaudit verify CERT --trust TRUSTLIST [--status-list FILE]\n"
    "                       [--evidence DIR] [--at TIME] [--json]\n"
    "       labaudit show CERT [--trust TRUSTLIST] [same options]\n"
    "\n"
    "Verifies a certificate offline: the signature (EdDSA or ES256 only),\n"
    "the issuer and key against TRUSTLIST (JSON: issuer id -> JWKs), the\n"
    "validity dates at TIME (RFC 3339, default now), revocation against a\n"
    "status list file, and with --evidence the SHA-256 of every audit\n"
    "report file the certificate names.  `show` prints the claim, scope,\n"
    "issuer, validity and the result for a person; `show --format html\n"
    "[--url URL] [-o FILE]` writes them as a page with a QR code (of URL,\n"
    "where the certificate is published, if given).\n"
    "\n"
    "--trust takes a trust list ({\"ISSUER\": [JWK, ...]}), the issuer's\n"
    "DID document (its assertionMethod keys) or a JWKS with\n"
    "--trust-issuer ID saying whose keys they are.\n"
    "\n"
    "--status-list FILE|URL may be given twice (a revocation and a\n"
    "suspension list).  A list must be current: within its own\n"
    "validFrom/validUntil and issued at most --status-list-max-age ago\n"
    "(default 30d; s, m, h, d suffixes; 'none' = its validUntil alone),\n"
    "else the result is invalid: status_stale.  A URL is fetched over\n"
    "https through a cache (--status-cache DIR, --status-max-age SECONDS\n"
    "a cached copy is reused, default 300; --ca-file, --timeout); with no\n"
    "copy to be had, the result is invalid: status_unavailable.\n"
    "\n"
    "Exit status: 0 valid, 1 invalid (the reason code is printed:\n"
    "bad_signature, untrusted_issuer, alg_not_allowed, malformed,\n"
    "not_yet_valid, expired, revoked, suspended, evidence_mismatch,\n"
    "status_unavailable, status_stale), 2 usage.\n";

static int run_verify(int argc, char **argv, int show)
{
    lab_verify_options vo = LAB_VERIFY_OPTIONS_INIT;
    const char *page_url = NULL, *page_out = NULL, *format = NULL;
    const char *cert_path = NULL, *trust_path = NULL;
    const char *status_paths[MAX_STATUS_LISTS];
    size_t nstatus = 0;
    char *cert = NULL, *trust = NULL, *list = NULL, *result = NULL;
    size_t cert_len = 0, list_len = 0, trust_len = 0;
    int json = 0, status = EXIT_USAGE, vstatus = 0, http_arg = 0;

    if (want_help(argc, argv)) {
        fputs(verify_help, stdout);
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i], *v = NULL;
        if (is(k, "--json")) {
            json = 1;
            continue;
        }
        if (k[0] != '-' || is(k, "-")) {
            if (cert_path != NULL)
                return usage_error("one certificate at a time ('%s')", k);
            cert_path = k;
            continue;
        }
        if ((v = optval(argc, argv, &i)) == NULL)
            return EXIT_USAGE;
        if (is(k, "--trust"))
            trust_path = v;
        else if (is(k, "--status-list")) {
            if (nstatus == MAX_STATUS_LISTS)
                return usage_error("at most %d --status-list",
                                   MAX_STATUS_LISTS);
            status_paths[nstatus++] = v;
        } else if (is(k, "--status-list-max-age")) {
            if (parse_age(v, &vo.status_max_age) != 0)
                return usage_error("--status-list-max-age '%s': expected "
                                   "seconds, or a number with s, m, h or d, "
                                   "or 'none'",
                                   v);
        } else if (is(k, "--trust-issuer"))
            vo.trust_issuer = v;
        else if (is(k, "--evidence"))
            vo.evidence_dir = v;
        else if (is(k, "--at"))
            vo.at = v;
        else if (is(k, "--format") || is(k, "-f"))
            format = v;
        else if (is(k, "--url"))
            page_url = v;
        else if (is(k, "-o") || is(k, "--output"))
            page_out = v;
        else if ((http_arg = http_opt(k, v)) <= 0)
            return http_arg < 0 ? EXIT_USAGE
                                : usage_error("unknown option '%s'", k);
    }
    if (cert_path == NULL || (!show && trust_path == NULL))
        return usage_error("verify: give CERT and --trust TRUSTLIST");
    int html = format != NULL && is(format, "html");
    if (format != NULL && !html && !is(format, "text") && !is(format, "json"))
        return usage_error("--format '%s': expected text, json or html",
                           format);
    json |= format != NULL && is(format, "json");
    if ((cert = read_trimmed(cert_path, &cert_len)) == NULL)
        goto out;
    if (trust_path && (trust = read_trimmed(trust_path, &trust_len)) == NULL)
        goto out;
    /* the lists, one token per line, for lab_verify */
    for (size_t k = 0; k < nstatus; k++) {
        const char *sp = status_paths[k];
        char *one = NULL;
        size_t one_len = 0;
        if (is_url(sp)) {
            /* Never fail open: without a current status list, not valid. */
            if ((one = fetch_status_list(sp, &one_len)) == NULL) {
                puts(json ? "{\"format\": \"labaudit.verify/1\", "
                            "\"valid\": false, \"reason\": "
                            "\"status_unavailable\"}"
                          : "invalid: status_unavailable");
                status = EXIT_FINDINGS;
                goto out;
            }
        } else if ((one = read_trimmed(sp, &one_len)) == NULL) {
            goto out;
        }
        char *grown = realloc(list, list_len + one_len + 2);
        if (grown == NULL) {
            free(one);
            fputs("labaudit: out of memory\n", stderr);
            goto out;
        }
        list = grown;
        memcpy(list + list_len, one, one_len);
        list_len += one_len;
        list[list_len++] = '\n';
        list[list_len] = '\0';
        free(one);
    }
    vo.trust_list = trust;
    vo.status_list = list;
    vo.status_list_len = list_len;
    vo.format = json || html ? LAB_FORMAT_JSON : LAB_FORMAT_TEXT;
    int rc = lab_verify(&vstatus, &result, cert, cert_len, &vo);
    if (rc != LAB_OK) {
        fail(rc, "verify");
        goto out;
    }
    if (html) {
        char *page = NULL;
        rc = lab_certificate_render_html(&page, result, cert, cert_len,
                                         page_url);
        if (rc != LAB_OK) {
            fail(rc, "show");
            goto out;
        }
        int wrc = write_output(page_out, page);
        lab_free(page);
        if (wrc != 0)
            goto out;
    } else if (json) {
        fputs(result, stdout);
        fputc('\n', stdout);
    } else if (show) {
        print_text(stdout, "%s", result);
    } else if (vstatus == LAB_VERIFY_VALID) {
        print_text(stdout, "valid\n");
    } else {
        /* The text account starts with "result: INVALID (reason): why". */
        const char *nl = strchr(result, '\n');
        print_text(stdout, "invalid: %s\n", lab_verify_reason(vstatus));
        print_text(stderr, "%s: %.*s\n", prog,
                   nl ? (int)(nl - result) : (int)strlen(result), result);
    }
    status = vstatus == LAB_VERIFY_VALID ? 0 : EXIT_FINDINGS;
out:
    free(cert);
    free(trust);
    free(list);
    lab_free(result);
    return status;
}

int cmd_verify(int argc, char **argv)
{
    return run_verify(argc, argv, 0);
}

int cmd_show(int argc, char **argv)
{
    return run_verify(argc, argv, 1);
}

/* ---- json canon ---- */

const char json_help[] =
    "usage: labaudit json canon FILE\n"
    "\n"
    "Prints the RFC 8785 canonical form of a JSON file (no newline\n"
    "added).\n";

int cmd_json(int argc, char **argv)
{
    if (argc != 2 || !is(argv[0], "canon")) {
        if (want_help(argc, argv)) {
            fputs(json_help, stdout);
            return 0;
        }
        return usage_error("usage: labaudit json canon FILE");
    }
    char *text = slurp(argv[1]);
    if (text == NULL)
        return EXIT_USAGE;
    char *out = NULL;
    int rc = lab_json_canon(&out, text, strlen(text));
    free(text);
    if (rc != LAB_OK)
        return fail(rc, argv[1]);
    fputs(out, stdout);
    lab_free(out);
    return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}
