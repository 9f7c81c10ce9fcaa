/*
 * cmd_ledger.c - `labaudit ledger init|record|verify|anchor|show`: the
 * append-only, hash-chained ledger in PostgreSQL.  init creates or
 * migrates the schema; record checks a dataset (a folder or a database
 * read through a mapping) against rule packs and writes the run and its
 * findings in one transaction under a run id; verify recomputes every
 * row's hash, checks the runs' seals and the recorded prunes and, with
 * --anchor, that each chain still holds the head an earlier anchor names
 * (exit 1 naming what does not match); anchor verifies and writes those
 * heads to a file for the auditor to keep; show lists the runs or one
 * run's findings.  The ledger's connection
 * string comes from --db or $LABAUDIT_LEDGER.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char ledger_help[] =
    "usage: labaudit ledger init    [--db CONNINFO]\n"
    "       labaudit ledger record  [--db CONNINFO] --run-id ID DATA\n"
    "                               --rules PACK [--mapping FILE] [--as-of "
    "DATE]\n"
    "       labaudit ledger verify  [--db CONNINFO] [--anchor FILE]\n"
    "       labaudit ledger anchor  [--db CONNINFO] [--anchor FILE] -o FILE\n"
    "       labaudit ledger show    [--db CONNINFO] [RUN-ID]\n"
    "\n"
    "Every subcommand takes --format text|json (--json): JSON documents\n"
    "labaudit.ledger-init/1, -record/1, -verify/1, -runs/1 and -run/1\n"
    "(schemas in share/labaudit/schemas).\n"
    "\n"
    "The ledger is the schema 'labaudit' in a PostgreSQL database: runs,\n"
    "findings, waivers, certificates and status lists, append-only (the\n"
    "database refuses UPDATE, and DELETE for 7 years) and hash-chained.\n"
    "\n"
    "  --db CONNINFO    libpq connection string or postgresql:// URI\n"
    "                   (default $LABAUDIT_LEDGER); prefer "
    "sslmode=verify-full\n"
    "  --run-id ID      the run's id; recording the same id again is a no-op\n"
    "  --mapping FILE   DATA is a database: the mapping of its tables\n"
    "                   (default: labaudit's reference schema)\n"
    "  --anchor FILE    an anchor written earlier by `ledger anchor`: each\n"
    "                   chain must still hold the head it names\n"
    "  -f, --format FMT text (default) or json\n"
    "      --json       same as --format json\n"
    "\n"
    "init      creates or migrates the schema (safe to repeat)\n"
    "record    checks DATA (a folder, or postgresql://...) and records the\n"
    "          run and all its findings in one transaction\n"
    "verify    recomputes every row's hash, checks each run's sealed\n"
    "          findings and the prunes recorded; exit 1 naming what does\n"
    "          not match\n"
    "anchor    verifies, then writes each chain's head to FILE: keep it\n"
    "          away from the database (it finds rows cut from the end)\n"
    "show      lists the runs, or one run with its findings\n";

typedef struct ledger_opts {
    const char *db;
    const char *run_id;
    const char *mapping;
    const char *anchor;
    int json; /* --format json */
} ledger_opts;

/* Takes --db, --run-id, --mapping and --anchor out of argv (compacting it) and
 * leaves the rest for parse_opts. */
static int take_ledger_opts(int *argc, char **argv, ledger_opts *lo)
{
    int j = 0;
    for (int i = 0; i < *argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--db") == 0)
            dst = &lo->db;
        else if (strcmp(argv[i], "--run-id") == 0)
            dst = &lo->run_id;
        else if (strcmp(argv[i], "--mapping") == 0)
            dst = &lo->mapping;
        else if (strcmp(argv[i], "--anchor") == 0)
            dst = &lo->anchor;
        if (dst == NULL) {
            argv[j++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc)
            return usage_error("%s needs a value", argv[i]);
        *dst = argv[++i];
    }
    *argc = j;
    if (lo->db == NULL) {
        const char *env = getenv("LABAUDIT_LEDGER");
        lo->db = env && *env ? env : NULL;
    }
    if (lo->db == NULL)
        return usage_error("no ledger database: give --db CONNINFO (or set "
                           "LABAUDIT_LEDGER)");
    return 0;
}

static int ledger_record(const ledger_opts *lo, opts *o)
{
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    int status = EXIT_USAGE, rc, recorded = 0;

    if (lo->run_id == NULL)
        return usage_error("ledger record needs --run-id ID");
    if (o->npos != 1)
        return usage_error("ledger record needs exactly one DATA");
    if (make_engine(&e, o) != 0)
        goto out;
    if (load_data(&ds, o->pos[0], lo->mapping) != 0)
        goto out;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    co.as_of = o->as_of;
    co.max_steps = o->max_steps;
    rc = lab_check(&rep, e, ds, &co);
    if (rc != LAB_OK) {
        fail(rc, "check");
        goto out;
    }
    rc = lab_ledger_record_run(&recorded, lo->db, rep, ds, lo->run_id);
    if (rc != LAB_OK) {
        fail(rc, "ledger record");
        print_text(stderr,
                   "%s: nothing of run '%s' was recorded; run the same command "
                   "again to retry\n",
                   prog, lo->run_id);
        goto out;
    }
    if (lo->json) {
        fputs("{\"format\":\"labaudit.ledger-record/1\",\"run_id\":", stdout);
        print_json_string(stdout, lo->run_id);
        printf(",\"recorded\":%s,\"findings\":%zu,\"worst\":",
               recorded ? "true" : "false", lab_report_finding_count(rep));
        const char *worst = lab_severity_name(lab_report_worst(rep));
        print_json_string(stdout, worst != NULL ? worst : "none");
        fputs("}\n", stdout);
    } else if (recorded)
        print_text(stdout, "recorded run %s: %zu findings\n", lo->run_id,
                   lab_report_finding_count(rep));
    else
        print_text(stdout,
                   "run %s is already in the ledger: nothing recorded\n",
                   lo->run_id);
    status = 0;
out:
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    return status;
}

/* ledger verify --json: labaudit.ledger-verify/1. */
static void print_verify_json(const char *text, size_t bad,
                              const char *checked_against, const char *written)
{
    printf("{\"format\":\"labaudit.ledger-verify/1\",\"ok\":%s,"
           "\"problems\":%zu,\"anchor\":",
           bad ? "false" : "true", bad);
    if (checked_against != NULL)
        print_json_string(stdout, checked_against);
    else
        fputs("null", stdout);
    fputs(",\"anchor_written\":", stdout);
    if (written != NULL)
        print_json_string(stdout, written);
    else
        fputs("null", stdout);
    fputs(",\"lines\":[", stdout);
    int first = 1;
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = malloc(n + 1);
        if (line != NULL) {
            memcpy(line, p, n);
            line[n] = '\0';
            fputs(first ? "" : ",", stdout);
            print_json_string(stdout, line);
            first = 0;
            free(line);
        }
        p += n + (nl != NULL);
    }
    fputs("]}\n", stdout);
}

/* Verifies (against --anchor when given); with `anchor_path`, writes a
 * new anchor there, only when the ledger verifies. */
static int ledger_verify(const ledger_opts *lo, const char *anchor_path)
{
    char *text = NULL, *prev = NULL, *anchor = NULL;
    size_t bad = 0;
    int status;
    if (lo->anchor != NULL) {
        prev = slurp(lo->anchor);
        if (prev == NULL)
            return EXIT_USAGE;
    }
    int rc =
        lab_ledger_verify_anchored(&text, &bad, anchor_path ? &anchor : NULL,
                                   lo->db, lo->anchor ? prev : NULL);
    free(prev);
    if (rc != LAB_OK)
        return fail(rc, lo->anchor ? lo->anchor : "ledger verify");
    if (!lo->json)
        print_text(bad ? stderr : stdout, "%s", text);
    status = bad ? EXIT_FINDINGS : 0;
    if (anchor_path != NULL && bad)
        fprintf(stderr, "%s: no anchor written: the ledger does not verify\n",
                prog);
    int written = 0;
    if (anchor_path != NULL && !bad) {
        if (write_output(anchor_path, anchor) != 0)
            status = EXIT_USAGE;
        else
            written = 1;
        if (written && !lo->json)
            print_text(stdout, "anchor written to %s\n", anchor_path);
    }
    if (lo->json) /* the account, a line per entry, and the outcome */
        print_verify_json(text, bad, lo->anchor, written ? anchor_path : NULL);
    lab_free(anchor);
    lab_free(text);
    return status;
}

static int ledger_show(const ledger_opts *lo, const opts *o)
{
    char *text = NULL;
    if (o->npos > 1)
        return usage_error("ledger show takes at most one RUN-ID");
    int rc =
        lab_ledger_show_format(&text, lo->db, o->npos ? o->pos[0] : NULL,
                               lo->json ? LAB_FORMAT_JSON : LAB_FORMAT_TEXT);
    if (rc != LAB_OK)
        return fail(rc, "ledger show");
    if (lo->json)
        fputs(text, stdout); /* JSON escapes what a terminal must not see */
    else
        print_text(stdout, "%s", text);
    lab_free(text);
    return 0;
}

int cmd_ledger(int argc, char **argv)
{
    ledger_opts lo = {0};
    opts o = {.fail_on = LAB_SEV_BLOCKER};
    if (argc == 0 || want_help(argc, argv)) {
        fputs(ledger_help, argc == 0 ? stderr : stdout);
        return argc == 0 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[0];
    argc--;
    argv++;
    if (take_ledger_opts(&argc, argv, &lo) != 0)
        return EXIT_USAGE;
    if (parse_opts(argc, argv, &o) != 0)
        return EXIT_USAGE;
    lo.json = format_json(o.format, "ledger");
    if (lo.json < 0)
        return EXIT_USAGE;
    if (strcmp(sub, "init") == 0) {
        int version = 0;
        if (o.npos != 0)
            return usage_error("ledger init takes no arguments");
        int rc = lab_ledger_init(&version, lo.db);
        if (rc != LAB_OK)
            return fail(rc, "ledger init");
        if (lo.json)
            printf("{\"format\":\"labaudit.ledger-init/1\",\"schema\":"
                   "\"labaudit\",\"version\":%d}\n",
                   version);
        else
            print_text(stdout, "ledger schema 'labaudit' at version %d\n",
                       version);
        return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
    }
    if (strcmp(sub, "record") == 0)
        return ledger_record(&lo, &o);
    if (strcmp(sub, "verify") == 0)
        return o.npos ? usage_error("ledger verify takes no arguments")
                      : ledger_verify(&lo, NULL);
    if (strcmp(sub, "anchor") == 0) {
        if (o.npos || o.output == NULL || strcmp(o.output, "-") == 0)
            return usage_error("ledger anchor takes no arguments and needs "
                               "-o FILE");
        return ledger_verify(&lo, o.output);
    }
    if (strcmp(sub, "show") == 0)
        return ledger_show(&lo, &o);
    return usage_error("unknown ledger command '%s' (expected init, record, "
                       "verify, anchor or show)",
                       sub);
}
