/*
 * cmd_lists.c - list changes for a buyer: `labaudit lists diff OLD NEW`
 * (entries added, removed and changed between two editions of the
 * reference lists) and `labaudit check DATA --lists NEW --against-lists
 * OLD` (the products and suppliers whose result differs between the two
 * editions, so that an ERP's nightly job can stop the open purchase
 * orders the day a listing takes effect).  Like every command it uses
 * only the public API.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char lists_help[] =
    "usage: labaudit lists diff OLD NEW [--format text|json] [-o FILE]\n"
    "\n"
    "Compares two editions of the reference lists (a list file, or a folder\n"
    "of *.csv lists, each): entries added, removed and changed, each with\n"
    "its file:line.  Exit status: 0 no change, 1 changes, 2 error.\n"
    "\n"
    "  -f, --format FMT   text (default) or json (labaudit.lists-diff/1)\n"
    "      --json         same as --format json\n"
    "  -o, --output FILE  write the result to FILE (atomically)\n";

int cmd_lists(int argc, char **argv)
{
    opts o = {0};
    if (argc < 1 || want_help(argc, argv)) {
        fputs(lists_help, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[0], "diff") != 0)
        return usage_error("lists '%s': expected diff", argv[0]);
    if (parse_opts(argc - 1, argv + 1, &o) != 0)
        return EXIT_USAGE;
    if (o.npos != 2)
        return usage_error("lists diff needs OLD and NEW");
    int json = format_json(o.format, "lists diff");
    if (json < 0)
        return EXIT_USAGE;
    lab_format fmt = json ? LAB_FORMAT_JSON : LAB_FORMAT_TEXT;
    char *text = NULL;
    size_t changes = 0;
    int rc = lab_lists_diff(&text, &changes, o.pos[0], o.pos[1], fmt);
    if (rc != LAB_OK)
        return fail(rc, "lists diff");
    int status = write_output(o.output, text);
    lab_free(text);
    return status != 0 ? status : changes > 0 ? EXIT_FINDINGS : 0;
}

/* ---- check --against-lists ---- */

static const char *sev(int s)
{
    return s < 0 ? "none" : lab_severity_name(s);
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;
         p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* The live (not waived) supplier findings of a report. */
static int live_supplier(const lab_finding *f)
{
    return lab_finding_subject(f) == LAB_SUBJECT_SUPPLIER &&
           !lab_finding_waiver(f, NULL, NULL, NULL);
}

/* Is finding f of `rep` (supplier, rule) also live in `other`?  Reports
 * are sorted the same way; a linear search keeps this simple, and is
 * run only for supplier findings, which are few. */
static int has_finding(const lab_report *other, const lab_finding *f)
{
    for (size_t i = 0; i < lab_report_finding_count(other); i++) {
        const lab_finding *g = lab_report_finding(other, i);
        if (live_supplier(g) &&
            strcmp(lab_finding_subject_id(g), lab_finding_subject_id(f)) == 0 &&
            strcmp(lab_finding_rule_id(g), lab_finding_rule_id(f)) == 0)
            return 1;
    }
    return 0;
}

/* Writes the supplier findings live in `a` and not in `b`, as `mark`. */
static size_t supplier_changes(FILE *out, int json, const lab_report *a,
                               const lab_report *b, const char *mark,
                               size_t *first)
{
    size_t n = 0;
    for (size_t i = 0; i < lab_report_finding_count(a); i++) {
        const lab_finding *f = lab_report_finding(a, i);
        if (!live_supplier(f) || has_finding(b, f))
            continue;
        n++;
        if (json) {
            fputs((*first)++ ? ",{\"supplier\":" : "{\"supplier\":", out);
            jstr(out, lab_finding_subject_id(f));
            fprintf(out, ",\"change\":\"%s\",\"rule\":", mark);
            jstr(out, lab_finding_rule_id(f));
            fprintf(out, ",\"severity\":\"%s\",\"message\":",
                    sev((int)lab_finding_severity(f)));
            jstr(out, lab_finding_message(f));
            fputc('}', out);
        } else {
            print_text(out, "supplier %s: %s %s %s: %s\n",
                       lab_finding_subject_id(f), mark,
                       sev((int)lab_finding_severity(f)),
                       lab_finding_rule_id(f), lab_finding_message(f));
        }
    }
    return n;
}

static int same_verdict(const lab_report *r, size_t i, const char *id,
                        const char *lot)
{
    const char *id2 = NULL, *lot2 = NULL;
    if (lab_report_product(r, i, &id2, NULL) != LAB_OK)
        return 0;
    lab_report_product_lot(r, i, &lot2, NULL);
    return strcmp(id, id2) == 0 &&
           (lot == lot2 || (lot && lot2 && strcmp(lot, lot2) == 0));
}

/* Each list's id, version and digest, as JSON. */
static void list_versions(FILE *out, const lab_engine *e)
{
    fputc('[', out);
    for (size_t i = 0; i < lab_engine_list_count(e); i++) {
        const char *id = NULL, *ver = NULL, *sha = NULL;
        lab_engine_list_info(e, i, &id, NULL, &ver, &sha);
        fputs(i ? ",{\"id\":" : "{\"id\":", out);
        jstr(out, id);
        fputs(",\"version\":", out);
        jstr(out, ver);
        fputs(",\"sha256\":", out);
        jstr(out, sha);
        fputc('}', out);
    }
    fputc(']', out);
}

int against_lists(opts *o, const lab_engine *enew, lab_dataset *ds,
                  const lab_check_options *co, const lab_report *now, int json)
{
    opts old = *o;
    lab_engine *e = NULL;
    lab_report *before = NULL;
    int status = EXIT_USAGE;
    memcpy(old.lists, o->against, sizeof old.lists);
    old.nlists = o->nagainst;
    if (make_engine(&e, &old) != 0)
        return EXIT_USAGE;
    int rc = lab_check(&before, e, ds, co);
    if (rc != LAB_OK) {
        fail(rc, "check against the old lists");
        goto out;
    }
    /* written whole through write_output (atomically) at the end */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL) {
        perror("open_memstream");
        goto out;
    }
    size_t nprod = 0, first = 0;
    if (json) {
        fputs("{\"lists\":{\"old\":", out);
        list_versions(out, e);
        fputs(",\"new\":", out);
        list_versions(out, enew);
        fputs("},\"products\":[", out);
    }
    for (size_t i = 0; i < lab_report_product_count(now); i++) {
        const char *id = NULL, *lot = NULL;
        int w_new = -1, w_old = -1;
        lab_report_product(now, i, &id, &w_new);
        lab_report_product_lot(now, i, &lot, NULL);
        size_t j = i;
        if (!same_verdict(before, j, id, lot))
            for (j = 0; j < lab_report_product_count(before) &&
                        !same_verdict(before, j, id, lot);
                 j++)
                ;
        if (j < lab_report_product_count(before))
            lab_report_product(before, j, NULL, &w_old);
        if (w_old == w_new)
            continue;
        nprod++;
        int b_new = w_new == LAB_SEV_BLOCKER, b_old = w_old == LAB_SEV_BLOCKER;
        if (json) {
            fputs(first++ ? ",{\"product\":" : "{\"product\":", out);
            jstr(out, id);
            fputs(",\"lot\":", out);
            if (lot)
                jstr(out, lot);
            else
                fputs("null", out);
            fprintf(out,
                    ",\"old_worst\":\"%s\",\"new_worst\":\"%s\","
                    "\"old_blocked\":%s,\"new_blocked\":%s}",
                    sev(w_old), sev(w_new), b_old ? "true" : "false",
                    b_new ? "true" : "false");
        } else {
            print_text(out, "product %s%s%s: %s -> %s (worst %s -> %s)\n", id,
                       lot ? " lot " : "", lot ? lot : "",
                       b_old ? "BLOCKED" : "ok", b_new ? "BLOCKED" : "ok",
                       sev(w_old), sev(w_new));
        }
    }
    first = 0;
    if (json)
        fputs("],\"suppliers\":[", out);
    size_t nsup = supplier_changes(out, json, now, before, "new", &first);
    nsup += supplier_changes(out, json, before, now, "gone", &first);
    if (json)
        fprintf(out,
                "],\"summary\":{\"products\":%zu,\"supplier_findings\":%zu}}\n",
                nprod, nsup);
    else
        fprintf(out,
                "%zu product verdict(s) and %zu supplier finding(s) changed "
                "against the old lists\n",
                nprod, nsup);
    if (fclose(out) != 0 || text == NULL) {
        free(text);
        perror("open_memstream");
        goto out;
    }
    status = write_output(o->output, text);
    free(text);
    if (status == 0)
        status = nprod + nsup > 0 ? EXIT_FINDINGS : 0;
out:
    lab_report_free(before);
    lab_engine_free(e);
    return status;
}
