/*
 * cmd_dossier.c - `labaudit dossier`: the evidence dossier an importer
 * sends to a customs officer (CBP applicability review) or an EU
 * forced-labour authority, built from a product's checked chain
 * (lab_dossier), its offline check (`dossier verify`, lab_dossier_verify)
 * and the drill (`dossier drill`): what an authority's template asks of
 * each entity and the dataset lacks.  Like every command it uses only the
 * public API.  Exit codes: 0 written or valid, 1 an invalid dossier or
 * gaps found by the drill, 2 usage or input errors.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_DOSSIER_LOTS = 64 };

const char dossier_help[] =
    "usage: labaudit dossier DATA --rules PACK [--lists LIST]\n"
    "                        (--product P | --po ID) -o DIR [options]\n"
    "       labaudit dossier verify DIR [--ca-file PEM]\n"
    "       labaudit dossier drill DATA --rules PACK [--lists LIST]\n"
    "                        --product P [--template FILE]\n"
    "\n"
    "Writes the evidence dossier of product P's chain to the new folder\n"
    "DIR: index.html (one printable page: summary and verdict, the chain\n"
    "by tier, every entity with its documents, audits and corrective\n"
    "actions, findings and history, the lists screened against),\n"
    "report.json, evidence/ (every document of the chain, copied\n"
    "unchanged, named by id, its SHA-256 checked), and manifest.json\n"
    "(every file's SHA-256 and size, the dataset digest, packs, lists).\n"
    "\n"
    "  -r, --rules PATH         rule packs (repeatable; $LABAUDIT_RULES)\n"
    "  -l, --lists PATH         reference lists (repeatable)\n"
    "      --product P          the product (or --po)\n"
    "      --po ID              the purchase order answered (a document of\n"
    "                           kind purchase_order, by id or reference):\n"
    "                           its product, and its lots unless --lots\n"
    "      --lots L1,L2         lots covered (default: the product's)\n"
    "      --as-of DATE         check date (default today)\n"
    "  -w, --waivers FILE       waivers the check honours\n"
    "      --evidence DIR       where documents' uri point (default DATA)\n"
    "      --certificate CERT   include a certificate (certify's output)\n"
    "      --importer-id URI    the importer, and --importer-name NAME\n"
    "      --redact personal|none  withhold worker-level documents\n"
    "                           (payroll, permit; the default) or not\n"
    "      --allow-missing      list missing or changed documents as gaps\n"
    "                           instead of refusing\n"
    "      --zip                also write DIR.zip, the folder as one file\n"
    "      --sign-key KEY       the importer's P-256 key (0600): sign\n"
    "                           manifest.json as manifest.json.cms\n"
    "      --sign-cert CERT     its X.509 certificate (PEM or DER)\n"
    "      --passphrase-env V   variable holding the key's passphrase\n"
    "      --tsa URL            RFC 3161 timestamp of the signature\n"
    "                           (manifest.json.cms.tsr)\n"
    "\n"
    "verify: every listed file present and unchanged, no other file, the\n"
    "signature over manifest.json (its signer against --ca-file when\n"
    "given) and the timestamp's imprint; each changed, missing or extra\n"
    "file is named.  Exit 0 valid, 1 invalid.\n"
    "\n"
    "drill: for each entity of the chain, what the template (default\n"
    "dossier/cbp-uflpa-applicability-review.json beside the --rules\n"
    "folder; rules/dossier/ holds the CBP and EU ones) asks for and the\n"
    "dataset lacks, and how complete the dossier would be (--format\n"
    "json, -o FILE).  Exit 1 with gaps.\n";

static int is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static int cmd_verify_dossier(int argc, char **argv)
{
    const char *dir = NULL, *ca = NULL;
    for (int i = 0; i < argc; i++) {
        if (is(argv[i], "--ca-file") && i + 1 < argc)
            ca = argv[++i];
        else if (argv[i][0] != '-' && dir == NULL)
            dir = argv[i];
        else
            return usage_error("dossier verify: unexpected '%s'", argv[i]);
    }
    if (dir == NULL)
        return usage_error("dossier verify: give the dossier folder");
    int ok = 0;
    char *report = NULL;
    int rc = lab_dossier_verify(&ok, &report, dir, ca);
    if (rc != LAB_OK)
        return fail(rc, "dossier verify");
    print_text(stdout, "%s", report);
    lab_free(report);
    return ok ? 0 : EXIT_FINDINGS;
}

/* Splits "A,B,C" into lots[] (pointers into buf). */
static int split_lots(char *buf, const char **lots, size_t *n)
{
    *n = 0;
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        if (*n == MAX_DOSSIER_LOTS)
            return usage_error("at most %d lots", MAX_DOSSIER_LOTS);
        lots[(*n)++] = tok;
    }
    return 0;
}

/* The default template: dossier/NAME beside the rule packs given (in a
 * --rules folder, or in the folder above a --rules pack), else under
 * rules/ in the working folder. */
static const char *default_template(char *buf, size_t n, const opts *o)
{
    static const char name[] = "dossier/cbp-uflpa-applicability-review.json";
    for (size_t i = 0; i < o->npacks; i++) {
        const char *p = o->packs[i];
        const char *slash = strrchr(p, '/');
        int len = (int)strlen(p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        snprintf(buf, n, "%.*s/%s", len, p, name);
        if (access(buf, R_OK) == 0)
            return buf;
        if (slash != NULL && slash > p) {
            snprintf(buf, n, "%.*s/%s", (int)(slash - p), p, name);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    snprintf(buf, n, "rules/%s", name);
    return buf;
}

/* dossier drill DATA --product P [--template FILE] [--lots L] */
static int cmd_drill(int argc, char **argv)
{
    const char *tpl = NULL;
    char found[4096];
    const char *lots[MAX_DOSSIER_LOTS];
    size_t nlots = 0;
    char *lots_buf = NULL, *text = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, status = EXIT_USAGE, rc, complete = 0;
    opts o;
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;

    memset(&o, 0, sizeof o);
    if (rest == NULL)
        return usage_error("out of memory");
    for (int i = 0; i < argc; i++) {
        if ((is(argv[i], "--template") || is(argv[i], "--lots")) &&
            i + 1 < argc) {
            if (is(argv[i], "--template")) {
                tpl = argv[++i];
                continue;
            }
            free(lots_buf);
            if ((lots_buf = strdup(argv[++i])) == NULL ||
                split_lots(lots_buf, lots, &nlots) != 0)
                goto out;
            continue;
        }
        rest[nrest++] = argv[i];
    }
    if (parse_opts(nrest, rest, &o) != 0)
        goto out;
    if (o.npos != 1 || o.product == NULL) {
        usage_error("dossier drill: give DATA and --product P");
        goto out;
    }
    if (tpl == NULL)
        tpl = default_template(found, sizeof found, &o);
    int json = format_json(o.format, "dossier drill");
    if (json < 0)
        goto out;
    if (make_engine(&e, &o) != 0 || load_data(&ds, o.pos[0], o.mapping) != 0)
        goto out;
    lab_check_options chk = LAB_CHECK_OPTIONS_INIT;
    chk.product = o.product;
    chk.as_of = o.as_of;
    if ((rc = lab_check(&rep, e, ds, &chk)) != LAB_OK) {
        fail(rc, "check");
        goto out;
    }
    rc = lab_dossier_drill(&text, rep, ds, o.product, nlots ? lots : NULL,
                           nlots, tpl, json ? LAB_FORMAT_JSON : LAB_FORMAT_TEXT,
                           &complete);
    if (rc != LAB_OK) {
        fail(rc, "dossier drill");
        goto out;
    }
    if (write_output(o.output, text) == 0)
        status = complete ? 0 : EXIT_FINDINGS;
out:
    lab_free(text);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    free(lots_buf);
    free(rest);
    return status;
}

int cmd_dossier(int argc, char **argv)
{
    if (argc == 0 || want_help(argc, argv)) {
        fputs(dossier_help, argc ? stdout : stderr);
        return argc ? 0 : EXIT_USAGE;
    }
    if (is(argv[0], "verify"))
        return cmd_verify_dossier(argc - 1, argv + 1);
    if (is(argv[0], "drill"))
        return cmd_drill(argc - 1, argv + 1);

    lab_dossier_options d = LAB_DOSSIER_OPTIONS_INIT;
    opts o;
    const char *lots[MAX_DOSSIER_LOTS];
    char *lots_buf = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, status = EXIT_USAGE, rc;
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;

    memset(&o, 0, sizeof o);
    if (rest == NULL)
        return usage_error("out of memory");
    /* the dossier's own options; the rest are the shared ones */
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i];
        const char **dst = NULL;
        if (is(k, "--allow-missing")) {
            d.allow_missing = 1;
            continue;
        }
        if (is(k, "--zip")) {
            d.zip = 1;
            continue;
        }
        if (is(k, "--certificate"))
            dst = &d.certificate;
        else if (is(k, "--importer-id"))
            dst = &d.importer_id;
        else if (is(k, "--importer-name"))
            dst = &d.importer_name;
        else if (is(k, "--sign-key"))
            dst = &d.cms_key_file;
        else if (is(k, "--sign-cert"))
            dst = &d.cms_cert_file;
        else if (is(k, "--passphrase-env"))
            dst = &d.cms_passphrase_env;
        else if (is(k, "--tsa"))
            dst = &d.tsa_url;
        else if (is(k, "--po"))
            dst = &d.purchase_order;
        else if (is(k, "--redact") || is(k, "--lots")) {
            if (i + 1 >= argc) {
                usage_error("%s needs a value", k);
                goto out;
            }
            const char *v = argv[++i];
            if (is(k, "--lots")) {
                free(lots_buf);
                lots_buf = strdup(v);
                if (lots_buf == NULL ||
                    split_lots(lots_buf, lots, &d.nlots) != 0)
                    goto out;
                d.lots = lots;
            } else if (is(v, "personal") || is(v, "none")) {
                d.redact = is(v, "personal");
            } else {
                usage_error("--redact '%s': expected personal or none", v);
                goto out;
            }
            continue;
        } else {
            rest[nrest++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) {
            usage_error("%s needs a value", k);
            goto out;
        }
        *dst = argv[++i];
    }
    if (parse_opts(nrest, rest, &o) != 0)
        goto out;
    if (o.npos != 1 || (o.product == NULL && d.purchase_order == NULL) ||
        o.output == NULL) {
        usage_error("dossier: give DATA, --product P or --po ID, and -o DIR");
        goto out;
    }
    d.evidence_dir = o.evidence ? o.evidence : o.pos[0];
    if (make_engine(&e, &o) != 0 || load_data(&ds, o.pos[0], o.mapping) != 0)
        goto out;
    if (d.purchase_order != NULL) {
        /* the order names the product (and, unless --lots, the lots) */
        const char *ordered = NULL;
        if ((rc = lab_dossier_purchase_order(ds, d.purchase_order, &ordered,
                                             NULL)) != LAB_OK) {
            fail(rc, "dossier");
            goto out;
        }
        if (o.product != NULL && !is(o.product, ordered)) {
            usage_error("dossier: --po %s is an order for %s, not --product %s",
                        d.purchase_order, ordered, o.product);
            goto out;
        }
        o.product = ordered;
    }
    d.product = o.product;
    lab_check_options chk = LAB_CHECK_OPTIONS_INIT;
    chk.product = o.product;
    chk.as_of = o.as_of;
    chk.waivers = o.waivers;
    if ((rc = lab_check(&rep, e, ds, &chk)) != LAB_OK) {
        fail(rc, "check");
        goto out;
    }
    if ((rc = lab_dossier(o.output, rep, ds, &d)) != LAB_OK) {
        fail(rc, "dossier");
        goto out;
    }
    if (!o.quiet)
        print_text(stderr,
                   "%s: dossier for %s written to %s (manifest.json%s)%s%s%s\n",
                   prog, o.product, o.output,
                   d.cms_key_file ? ", signed as manifest.json.cms" : "",
                   d.zip ? " and " : "", d.zip ? o.output : "",
                   d.zip ? ".zip" : "");
    status = 0;
out:
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    free(lots_buf);
    free(rest);
    return status;
}
