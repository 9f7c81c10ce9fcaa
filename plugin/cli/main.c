/*
 * main.c - the `labaudit` command.  It uses only the public API, exactly as
 * any host would: it compiles rule packs into an engine, loads a dataset,
 * checks it and prints the report; it runs and shows rule packs and their
 * tests; and it evaluates JsonLogic for interop debugging.  Exit codes:
 * 0 nothing at or above the --fail-on threshold (or success), 1 findings
 * at or above it (or failed rule tests), 2 a usage or input error.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *prog = "labaudit";

/* ---- text for the terminal: everything quoting input goes through
 * lab_text_escape, so escape sequences in data never reach it raw ---- */

void print_text(FILE *f, const char *fmt, ...)
{
    va_list ap;
    char small[512], *big = NULL, *esc = NULL;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    const char *s = small;
    if (n < 0)
        return;
    if ((size_t)n >= sizeof small) {
        big = malloc((size_t)n + 1);
        if (big == NULL)
            return;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        s = big;
    }
    if (lab_text_escape(&esc, s, (size_t)n) == LAB_OK)
        fputs(esc, f);
    lab_free(esc);
    free(big);
}

int fail(int code, const char *what)
{
    char msg[2048];
    cli_translate(msg, sizeof msg,
                  lab_errmsg()[0] ? lab_errmsg() : lab_strerror(code));
    print_text(stderr, "%s: %s%s%s\n", prog, what ? what : "", what ? ": " : "",
               msg);
    return EXIT_USAGE;
}

int usage_error(const char *fmt, ...)
{
    va_list ap;
    char msg[1024];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_text(stderr, "%s: %s\n(see '%s --help')\n", prog, msg, prog);
    return EXIT_USAGE;
}

/* ---- output: the library's one writer (see lab_file_write) ---- */

void print_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

int write_output(const char *path, const char *text)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
    }
    int rc = lab_file_write(path, text, strlen(text), 0, 0);
    return rc == LAB_OK ? 0 : fail(rc, "output");
}

/* ---- options shared by the commands ---- */

int want_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int format_json(const char *format, const char *cmd)
{
    if (format == NULL || strcmp(format, "text") == 0)
        return 0;
    if (strcmp(format, "json") == 0)
        return 1;
    usage_error("%s --format '%s': expected text or json", cmd, format);
    return -1;
}

/* Parses a positive decimal step count: digits only, no overflow. */
static int parse_steps(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return v == 0 ? -1 : 0;
}

/* Parses options; positional arguments go to o->pos. */
int parse_opts(int argc, char **argv, opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (strcmp(a, "--rules") == 0 || strcmp(a, "-r") == 0) {
            if (o->npacks == MAX_PACKS)
                return usage_error("too many --rules (%s)", a);
            dst = &o->packs[o->npacks++];
        } else if (strcmp(a, "--lists") == 0 || strcmp(a, "-l") == 0) {
            if (o->nlists == MAX_PACKS)
                return usage_error("too many --lists (%s)", a);
            dst = &o->lists[o->nlists++];
        } else if (strcmp(a, "--against-lists") == 0) {
            if (o->nagainst == MAX_PACKS)
                return usage_error("too many --against-lists (%s)", a);
            dst = &o->against[o->nagainst++];
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
            dst = &o->format;
        } else if (strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0) {
            dst = &o->output;
        } else if (strcmp(a, "--waivers") == 0 || strcmp(a, "-w") == 0) {
            dst = &o->waivers;
        } else if (strcmp(a, "--evidence") == 0) {
            dst = &o->evidence;
        } else if (strcmp(a, "--mapping") == 0) {
            dst = &o->mapping;
        } else if (strcmp(a, "--as-of") == 0) {
            dst = &o->as_of;
        } else if (strcmp(a, "--product") == 0) {
            dst = &o->product;
        } else if (strcmp(a, "--supplier") == 0) {
            dst = &o->supplier;
        } else if (strcmp(a, "--fail-on") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *v = argv[++i];
            o->fail_on = strcmp(v, "never") == 0 ? 99 : lab_severity_parse(v);
            if (o->fail_on < 0)
                return usage_error("--fail-on '%s': expected info, minor, "
                                   "major, blocker or never",
                                   v);
            continue;
        } else if (strcmp(a, "--max-steps") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            if (parse_steps(argv[++i], &o->max_steps) != 0)
                return usage_error("--max-steps '%s': expected a whole "
                                   "number of evaluation steps, 1 to 2^64-1",
                                   argv[i]);
            continue;
        } else if (strcmp(a, "--jsonlogic") == 0) {
            o->jsonlogic = 1;
            continue;
        } else if (strcmp(a, "--scopes") == 0) {
            o->scopes = 1;
            continue;
        } else if (strcmp(a, "--json") == 0) {
            o->format = "json";
            continue;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = 1;
            continue;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            continue; /* cli_verbose, set by cli_normalize */
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else {
            if (o->npos == sizeof o->pos / sizeof o->pos[0])
                return usage_error("too many arguments ('%s')", a);
            o->pos[o->npos++] = a;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("%s needs a value", a);
        *dst = argv[++i];
    }
    o->quiet |= cli_quiet;
    return 0;
}

int is_database(const char *data, const char *mapping)
{
    struct stat st;
    if (strncmp(data, "postgresql://", 13) == 0 ||
        strncmp(data, "postgres://", 11) == 0)
        return 1;
    if (stat(data, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return mapping != NULL || strchr(data, '=') != NULL;
}

double cli_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int load_data(lab_dataset **out, const char *data, const char *mapping)
{
    static const char *const kinds[] = {
        "suppliers",       "links", "audits",     "documents",     "products",
        "non-compliances", "lots",  "lot inputs", "ownership rows"};
    double t0 = cli_seconds();
    lab_dataset *ds = NULL;
    int db = is_database(data, mapping);
    cli_meter m;
    cli_meter_init(&m, "loading", db ? "rows" : "bytes");
    int rc = lab_dataset_new(&ds);
    if (rc == LAB_OK && m.on)
        lab_dataset_set_progress(ds, cli_meter_update, &m);
    if (rc == LAB_OK && db)
        rc = lab_dataset_load_pg(ds, data, mapping);
    else if (rc == LAB_OK)
        rc = lab_dataset_load(ds, data);
    cli_meter_done(&m);
    lab_dataset_set_progress(ds, NULL, NULL);
    if (rc != LAB_OK) {
        lab_dataset_free(ds);
        return fail(rc, "data");
    }
    for (size_t i = 0; i < lab_dataset_warning_count(ds); i++)
        print_text(stderr, "%s: warning: %s\n", prog,
                   lab_dataset_warning(ds, i));
    if (cli_verbose) {
        print_text(stderr, "%s: loaded %s in %.3f s:", prog, data,
                   cli_seconds() - t0);
        for (int k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); k++)
            if (lab_dataset_count(ds, (lab_record_kind)k) > 0)
                fprintf(stderr, " %zu %s",
                        lab_dataset_count(ds, (lab_record_kind)k), kinds[k]);
        fputc('\n', stderr);
    }
    *out = ds;
    return 0;
}

/* The rule packs (and, with them, the lists) installed beside this
 * command: BINDIR/LAB_BIN_TO_DATA/labaudit/rules, found from the running
 * executable, so that `cmake --install --prefix P` gives a command that
 * works anywhere.  NULL when not installed that way (a build tree). */
static const char *installed_rules(int lists)
{
#ifdef LAB_BIN_TO_DATA
    static char rules[4096], data[4200];
    if (rules[0] == '\0') {
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
        snprintf(rules, sizeof rules, "%.3900s/%.150s/labaudit/rules", exe,
                 LAB_BIN_TO_DATA);
        snprintf(data, sizeof data, "%.4090s/data", rules);
    }
    struct stat st;
    if (stat(rules, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    if (lists)
        return stat(data, &st) == 0 && S_ISDIR(st.st_mode) ? data : NULL;
    return rules;
#else
    (void)lists;
    return NULL;
#endif
}

static const char *default_rules(void)
{
    const char *env = getenv("LABAUDIT_RULES");
    return env && *env ? env : installed_rules(0);
}

int make_engine(lab_engine **e, opts *o)
{
    if (o->npacks == 0) {
        const char *d = default_rules();
        if (d == NULL) {
            fprintf(stderr,
                    "%s: no rule packs: give --rules FILE-OR-FOLDER "
                    "(or set LABAUDIT_RULES, or install labaudit: it "
                    "then uses its installed packs)\n",
                    prog);
            return EXIT_USAGE;
        }
        o->packs[o->npacks++] = d;
        /* the installed packs come with the installed lists */
        const char *env = getenv("LABAUDIT_RULES");
        const char *data = installed_rules(1);
        if ((env == NULL || *env == '\0') && o->nlists == 0 &&
            getenv("LABAUDIT_LISTS") == NULL && data != NULL)
            o->lists[o->nlists++] = data;
    }
    const char *lists = getenv("LABAUDIT_LISTS");
    if (o->nlists == 0 && lists != NULL && *lists != '\0')
        o->lists[o->nlists++] = lists;
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = o->packs;
    eo.npacks = o->npacks;
    eo.lists = o->lists;
    eo.nlists = o->nlists;
    double t0 = cli_seconds();
    int rc = lab_engine_new(e, &eo);
    if (rc == LAB_OK && cli_verbose)
        fprintf(stderr,
                "%s: compiled %zu rule pack path(s) and %zu list "
                "path(s) in %.3f s\n",
                prog, o->npacks, o->nlists, cli_seconds() - t0);
    return rc == LAB_OK ? 0 : fail(rc, "rule packs");
}

/* ---- check ---- */

const char check_help[] =
    "usage: labaudit check DATA --rules PACK [--rules PACK...] [--lists "
    "LISTS]\n"
    "                      [--format text|json|html|junit] [-o FILE]\n"
    "                      [--fail-on SEV] [--as-of DATE] [--waivers FILE]\n"
    "                      [--product ID | --supplier ID] [options]\n"
    "       labaudit check DATA --rules PACK --lists NEW --against-lists OLD\n"
    "\n"
    "Checks a dataset against rule packs and prints the findings.\n"
    "DATA is a folder of suppliers.csv, links.csv, audits.csv (and\n"
    "optionally products.csv, documents.csv, audits/*.xml), or a\n"
    "PostgreSQL connection string (postgresql://... or key=value; use\n"
    "sslmode=verify-full across a network) read through --mapping.\n"
    "\n"
    "  -r, --rules PATH      rule pack file, or folder of packs (repeatable;\n"
    "                        default $LABAUDIT_RULES)\n"
    "  -l, --lists PATH      reference lists: CSV file or folder, e.g.\n"
    "                        rules/data (repeatable; default $LABAUDIT_LISTS)\n"
    "  -f, --format FMT      text (default), json, html (a page with the\n"
    "                        chain drawn) or junit (JUnit XML)\n"
    "      --json            same as --format json\n"
    "  -o, --output FILE     write the report to FILE (atomically)\n"
    "      --fail-on SEV     exit 1 if a finding is at least SEV: info, "
    "minor,\n"
    "                        major, blocker (default) or never\n"
    "      --mapping FILE    SQL queries per record kind for a database\n"
    "                        (default: labaudit's reference schema)\n"
    "  -w, --waivers FILE    accept findings listed in FILE (CSV: rule,\n"
    "                        subject_id, approver, justification, expires)\n"
    "      --evidence DIR    check every document's file under DIR against\n"
    "                        its SHA-256 (missing or changed: a finding)\n"
    "      --as-of DATE      evaluate as of DATE (YYYY-MM-DD; default today)\n"
    "      --product ID      check only this product's chain\n"
    "      --supplier ID     check only this supplier and its upstream chain\n"
    "      --scopes          print, one JSON line per subject, what the\n"
    "                        rules see instead of evaluating them\n"
    "      --max-steps N     the check's work budget: evaluation steps over\n"
    "                        all rules and records (default 2^32); a check\n"
    "                        that needs more fails naming the rule\n"
    "  -q, --quiet           no progress on stderr\n"
    "      --against-lists PATH  check again with these (older) lists and\n"
    "                        print only the products and supplier findings\n"
    "                        whose result differs (repeatable); exit 1 if\n"
    "                        any does\n"
    "\n"
    "Exit status: 0 no finding at or above the threshold, 1 findings,\n"
    "2 usage or input error.\n";

int cmd_check(int argc, char **argv)
{
    opts o = {.fail_on = LAB_SEV_BLOCKER};
    lab_engine *e = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    char *text = NULL;
    int status = EXIT_USAGE, rc;

    if (want_help(argc, argv)) {
        fputs(check_help, stdout);
        return 0;
    }
    if (parse_opts(argc, argv, &o) != 0)
        return EXIT_USAGE;
    if (o.npos != 1)
        return usage_error("check needs exactly one DATA folder");
    lab_format fmt = LAB_FORMAT_TEXT;
    if (o.format != NULL && strcmp(o.format, "json") == 0)
        fmt = LAB_FORMAT_JSON;
    else if (o.format != NULL && strcmp(o.format, "html") == 0)
        fmt = LAB_FORMAT_HTML;
    else if (o.format != NULL && strcmp(o.format, "junit") == 0)
        fmt = LAB_FORMAT_JUNIT;
    else if (o.format != NULL && strcmp(o.format, "text") != 0)
        return usage_error("--format '%s': expected text, json, html or junit",
                           o.format);
    if (make_engine(&e, &o) != 0)
        goto out;
    if (load_data(&ds, o.pos[0], o.mapping) != 0)
        goto out;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    co.as_of = o.as_of;
    co.product = o.product;
    co.supplier = o.supplier;
    co.waivers = o.waivers;
    co.evidence_dir = o.evidence;
    co.max_steps = o.max_steps;
    cli_meter cm;
    cli_meter_init(&cm, "checking", "records");
    if (cm.on) {
        co.progress = cli_meter_update;
        co.progress_ud = &cm;
    }
    if (o.scopes) {
        rc = lab_check_scopes(&text, e, ds, &co);
        if (rc != LAB_OK) {
            fail(rc, "check");
            goto out;
        }
        status = write_output(o.output, text);
        goto out;
    }
    double t0 = cli_seconds();
    rc = lab_check(&rep, e, ds, &co);
    cli_meter_done(&cm);
    if (rc == LAB_OK && cli_verbose)
        fprintf(stderr, "%s: checked in %.3f s: %zu finding(s)\n", prog,
                cli_seconds() - t0, lab_report_finding_count(rep));
    co.progress = NULL; /* a check against older lists runs unseen */
    if (rc == LAB_OK && o.nagainst > 0) {
        status = against_lists(&o, e, ds, &co, rep, fmt == LAB_FORMAT_JSON);
        goto out;
    }
    if (rc != LAB_OK) {
        fail(rc, "check");
        goto out;
    }
    for (size_t i = 0; i < lab_report_warning_count(rep); i++)
        print_text(stderr, "%s: warning: %s\n", prog,
                   lab_report_warning(rep, i));
    t0 = cli_seconds();
    if (write_report(o.output, rep, fmt) != 0)
        goto out;
    if (cli_verbose)
        fprintf(stderr, "%s: wrote the report in %.3f s\n", prog,
                cli_seconds() - t0);
    status = o.fail_on <= 3 &&
                     lab_report_count_at_least(rep, (lab_severity)o.fail_on) > 0
                 ? EXIT_FINDINGS
                 : 0;
out:
    lab_free(text);
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(e);
    return status;
}

/* ---- rules ---- */

const char rules_help[] =
    "usage: labaudit rules lint|test [-v] PACK...\n"
    "       labaudit rules show [--jsonlogic] PACK...\n"
    "       labaudit rules export --jsonlogic PACK... [-o FILE]\n"
    "       labaudit rules fields [PACK...] [--format text|json]\n"
    "       labaudit rules translate TEXT | --jsonlogic JSON\n"
    "\n"
    "  lint PACK...              load, validate and type-check the packs\n"
    "  test PACK...              run every rule's test cases; fails if a rule\n"
    "                            lacks a case that must fire or one that must\n"
    "                            not; with -v, under a failed case, each part\n"
    "                            of the condition and its value\n"
    "  show [--jsonlogic] PACK...  print packs and rules as JSON\n"
    "  export --jsonlogic PACK...  print every rule's condition as JsonLogic,\n"
    "                            with its test cases in the JsonLogic test\n"
    "                            suite's format, and no local path\n"
    "  fields [PACK...]          print the fields conditions can read (with\n"
    "                            the fields the packs declare)\n"
    "  translate TEXT            print an infix condition as JsonLogic\n"
    "  translate --jsonlogic JSON  print JsonLogic as an infix condition\n"
    "\n"
    "PACK is a rule-pack file or a folder of them.\n"
    "\n"
    "  -f, --format FMT      fields: text (a table, the default) or json\n"
    "      --json            same as --format json\n"
    "  -o, --output FILE     write what is printed to FILE (atomically)\n"
    "      --jsonlogic       show, export: conditions as JsonLogic;\n"
    "                        translate: the input is JsonLogic\n"
    "  -l, --lists PATH      reference lists the packs are compiled with\n"
    "                        (lint, test)\n";

/* rules fields: a table (the default) or --format json. */
static int fields_format(const opts *o)
{
    int json = format_json(o->format, "rules fields");
    return json < 0 ? -1 : json ? LAB_FORMAT_JSON : LAB_FORMAT_TEXT;
}

int cmd_rules(int argc, char **argv)
{
    opts o = {0};
    lab_engine *e = NULL;
    char *text = NULL;
    int status = EXIT_USAGE, rc;

    if (argc < 1 || want_help(argc, argv)) {
        fputs(rules_help, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[0];
    if (parse_opts(argc - 1, argv + 1, &o) != 0)
        return EXIT_USAGE;
    if (strcmp(sub, "fields") == 0 && fields_format(&o) < 0)
        return EXIT_USAGE;
    if (strcmp(sub, "fields") == 0 && o.npos > 0) {
        /* with packs: their declared fields too */
        for (size_t i = 0; i < o.npos && o.npacks < MAX_PACKS; i++)
            o.packs[o.npacks++] = o.pos[i];
        if (make_engine(&e, &o) != 0)
            return EXIT_USAGE;
        rc = lab_engine_fields(&text, e, (lab_format)fields_format(&o));
        lab_engine_free(e);
        if (rc != LAB_OK)
            return fail(rc, "fields");
        status = write_output(o.output, text);
        lab_free(text);
        return status;
    }
    if (strcmp(sub, "fields") == 0) {
        rc = lab_engine_fields(&text, NULL, (lab_format)fields_format(&o));
        if (rc != LAB_OK)
            return fail(rc, "fields");
        status = write_output(o.output, text);
        lab_free(text);
        return status;
    }
    if (strcmp(sub, "translate") == 0) {
        if (o.npos != 1)
            return usage_error("rules translate needs one condition");
        rc = lab_condition_translate(&text, o.pos[0], !o.jsonlogic);
        if (rc != LAB_OK)
            return fail(rc, NULL);
        print_text(stdout, "%s\n", text);
        lab_free(text);
        return 0;
    }
    for (size_t i = 0; i < o.npos && o.npacks < MAX_PACKS; i++)
        o.packs[o.npacks++] = o.pos[i];
    if (make_engine(&e, &o) != 0)
        return EXIT_USAGE;
    if (strcmp(sub, "lint") == 0) {
        for (size_t i = 0; i < lab_engine_pack_count(e); i++) {
            const char *id, *ver, *sha;
            lab_engine_pack_info(e, i, &id, &ver, &sha);
            print_text(stdout, "ok %s %s sha256:%s\n", id, ver, sha);
        }
        size_t nwarn = 0;
        rc = lab_engine_lint(&text, &nwarn, e);
        if (rc != LAB_OK) {
            fail(rc, "rules lint");
            goto out;
        }
        print_text(stdout, "%s", text);
        printf("%zu packs, %zu rules, %zu warning%s\n",
               lab_engine_pack_count(e), lab_engine_rule_count(e), nwarn,
               nwarn == 1 ? "" : "s");
        status = 0;
    } else if (strcmp(sub, "test") == 0) {
        size_t failed = 0;
        rc = lab_engine_test_explain(&text, &failed, e, cli_verbose);
        if (rc != LAB_OK) {
            fail(rc, "rules test");
            goto out;
        }
        print_text(stdout, "%s", text);
        status = failed ? EXIT_FINDINGS : 0;
    } else if (strcmp(sub, "show") == 0 || strcmp(sub, "export") == 0) {
        if (strcmp(sub, "export") == 0 && !o.jsonlogic)
            return usage_error("rules export needs --jsonlogic");
        rc = lab_engine_describe(&text, e, o.jsonlogic);
        if (rc != LAB_OK) {
            fail(rc, "rules");
            goto out;
        }
        size_t n = strlen(text);
        char *nl = malloc(n + 2);
        if (nl != NULL) {
            memcpy(nl, text, n);
            memcpy(nl + n, "\n", 2);
            status = write_output(o.output, nl);
            free(nl);
        }
    } else {
        usage_error("unknown rules command '%s'", sub);
    }
out:
    lab_free(text);
    lab_engine_free(e);
    return status;
}

/* ---- jsonlogic ---- */

/* Reads stdin whole, at most LAB_INPUT_MAX bytes; NULL on error. */
static char *slurp_stdin(size_t *len)
{
    const size_t limit = LAB_INPUT_MAX;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - n - 1, stdin);
        n += r;
        if (n > limit) {
            fprintf(stderr, "%s: -: over the %zu-byte (64 MiB) input cap\n",
                    prog, limit);
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        if (n + 1 == cap) {
            /* never more than one byte over the cap */
            size_t ncap = cap > (limit + 2) / 2 ? limit + 2 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (nb == NULL)
                break;
            buf = nb;
            cap = ncap;
        }
    }
    if (buf == NULL || ferror(stdin)) {
        fprintf(stderr, "%s: -: cannot read: %s\n", prog, strerror(errno));
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *slurp(const char *path)
{
    char *buf = NULL;
    size_t n = 0;
    if (strcmp(path, "-") == 0) {
        buf = slurp_stdin(&n);
        if (buf != NULL && memchr(buf, '\0', n) != NULL) {
            fprintf(stderr,
                    "%s: -: NUL byte at byte offset %zu (text input may "
                    "not hold NUL bytes)\n",
                    prog, (size_t)((char *)memchr(buf, '\0', n) - buf));
            free(buf);
            buf = NULL;
        }
        return buf;
    }
    int rc = lab_file_read(&buf, &n, path, 0, LAB_FILE_TEXT);
    if (rc != LAB_OK) {
        fail(rc, NULL);
        return NULL;
    }
    return buf;
}

const char jsonlogic_help[] =
    "usage: labaudit jsonlogic RULE.json [DATA.json]\n"
    "\n"
    "Evaluates one JsonLogic rule on one JSON document (default\n"
    "null) and prints the result as JSON.  '-' reads stdin.\n";

int cmd_jsonlogic(int argc, char **argv)
{
    if (want_help(argc, argv) || argc < 1 || argc > 2) {
        fputs(jsonlogic_help, argc >= 1 && argc <= 2 ? stdout : stderr);
        return argc >= 1 && argc <= 2 ? 0 : EXIT_USAGE;
    }
    char *rule = slurp(argv[0]);
    char *data = argc > 1 ? slurp(argv[1]) : NULL;
    char *out = NULL;
    int status = EXIT_USAGE;
    if (rule != NULL && (argc < 2 || data != NULL)) {
        int rc = lab_jsonlogic_apply(&out, rule, data);
        if (rc == LAB_OK) {
            printf("%s\n", out);
            status = 0;
        } else {
            fail(rc, NULL);
        }
    }
    lab_free(out);
    free(rule);
    free(data);
    return status;
}

/* ---- main ---- */

void cli_print_main_help(FILE *f)
{
    fputs("usage: labaudit COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Supply-chain labour audit: checks supplier data against rule packs\n"
          "for forced labour, child labour and document retention, signs\n"
          "certificates for chains that pass, and assembles evidence for\n"
          "customs.\n"
          "\n"
          "commands:\n",
          f);
    cli_print_commands(f);
    fputs("\n"
          "Every command takes --help, -q (quiet: no progress or notes; "
          "warnings\n"
          "about the data are always printed) and -v (verbose: what was\n"
          "loaded, and how long each step took).\n"
          "Options take the GNU forms (--opt value, --opt=value, -qv, --).\n"
          "'labaudit help --man' prints the manual page; 'labaudit\n"
          "completion bash|zsh|fish' a completion script.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_main_help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        cli_print_main_help(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("labaudit %s (ABI %d)\n", lab_version(), lab_abi_version());
        return 0;
    }
    const cli_command *c = cli_find_command(cmd);
    if (c == NULL)
        return cli_unknown_command(cmd);
    cli_current = c;
    cli_args a;
    if (cli_normalize(c, argc - 2, argv + 2, &a) != 0)
        return EXIT_USAGE;
    int rc = c->fn(a.argc, a.argc ? a.argv : (char *[]){NULL});
    cli_args_free(&a);
    return rc;
}
