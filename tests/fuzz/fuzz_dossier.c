/*
 * fuzz_dossier.c - a fuzz target for what a dossier reads back: the
 * manifest.json that `dossier verify` trusts to name files (paths, sizes,
 * digests, the format line) and the drill's templates.  The first input
 * byte picks the mode.  'T': the rest is a drill template, run against a
 * small fixed dataset and its check; it must give a report or an error
 * with a message, and a report must be the same twice.  Anything else:
 * the rest replaces manifest.json in a dossier folder holding two small
 * files; verify must answer (a report whose last line, and only that
 * line, gives the verdict, agreeing with it: no name or digest quoted from
 * the manifest can start a line of its own) or fail with a message, never read
 * outside the folder, and leave the folder's files as they were.
 */
#include "engine.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[96], data_dir[128], dos[128];
static lab_engine *engine;
static lab_dataset *ds;
static lab_report *rep;

static const char suppliers[] =
    "id,name,role,country,subdivision,address\n"
    "F1,Example Farm,farm,IN,IN-GJ,Plot 4\n"
    "S1,Example Spinner,spinner,IN,IN-TN,\n"
    "G1,Example Knits,garment_maker,IN,IN-TN,1 Road\n";
static const char links[] = "supplier_id,buyer_id,volume\nF1,S1,10\nS1,G1,9\n";
static const char products[] = "id,supplier_id,hs_code\nP1,G1,610910\n";
static const char audits[] = "id,supplier_id,kind,start_date\n"
                             "A1,S1,full,2026-03-01\n";
static const char documents[] = "id,supplier_id,kind,uri\n"
                                "D1,S1,invoice,evidence/d1.txt\n"
                                "D2,F1,production_record,evidence/d2.txt\n";
static const char pack[] =
    "<?xml version=\"1.0\"?>\n"
    "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"fuzz.dossier\" "
    "version=\"1.0.0\"><title>t</title><publisher>p</publisher>"
    "<rule id=\"f.x\" severity=\"minor\" subject=\"supplier\"><title>t"
    "</title><condition>supplier.country == \"IN\"</condition><message>"
    "{supplier.id}</message><basis cite=\"c\">b</basis><remediation>r"
    "</remediation><test expect=\"fire\"><supplier id=\"S\" name=\"n\" "
    "country=\"IN\"/></test><test expect=\"pass\"><supplier id=\"S\" "
    "name=\"n\" country=\"FR\"/></test></rule></pack>\n";

static void put(const char *base, const char *name, const void *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", base, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        abort();
}

static void cleanup(void)
{
    lab_report_free(rep);
    lab_dataset_free(ds);
    lab_engine_free(engine);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return;
}

static void init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_dossier.XXXXXX",
             tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(data_dir, sizeof data_dir, "%s/data", dir);
    snprintf(dos, sizeof dos, "%s/dossier", dir);
    char ev[160];
    snprintf(ev, sizeof ev, "%s/evidence", dos);
    if (mkdir(data_dir, 0700) != 0 || mkdir(dos, 0700) != 0 ||
        mkdir(ev, 0700) != 0)
        abort();
    put(data_dir, "suppliers.csv", suppliers, sizeof suppliers - 1);
    put(data_dir, "links.csv", links, sizeof links - 1);
    put(data_dir, "products.csv", products, sizeof products - 1);
    put(data_dir, "documents.csv", documents, sizeof documents - 1);
    put(data_dir, "audits.csv", audits, sizeof audits - 1);
    put(dir, "pack.xml", pack, sizeof pack - 1);
    put(dos, "index.html", "<p>x</p>\n", 9);
    put(dos, "evidence/d1.txt", "one\n", 4);
    char p[160];
    snprintf(p, sizeof p, "%s/pack.xml", dir);
    const char *packs[] = {p};
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = packs;
    eo.npacks = 1;
    if (lab_engine_new(&engine, &eo) != LAB_OK ||
        lab_dataset_new(&ds) != LAB_OK ||
        lab_dataset_load(ds, data_dir) != LAB_OK ||
        lab_check(&rep, engine, ds, NULL) != LAB_OK) {
        fprintf(stderr, "fuzz_dossier: %s\n", lab_errmsg());
        abort();
    }
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (engine == NULL)
        init();
    if (size < 1)
        return 0;
    if (data[0] == 'T') {
        put(dir, "template.json", data + 1, size - 1);
        char tpl[160];
        snprintf(tpl, sizeof tpl, "%s/template.json", dir);
        char *a = NULL, *b = NULL;
        int ca = 0, cb = 0;
        int rc = lab_dossier_drill(&a, rep, ds, "P1", NULL, 0, tpl,
                                   LAB_FORMAT_JSON, &ca);
        if (rc != LAB_OK) {
            if (lab_errmsg()[0] == '\0')
                abort();
            return 0;
        }
        if (lab_dossier_drill(&b, rep, ds, "P1", NULL, 0, tpl, LAB_FORMAT_JSON,
                              &cb) != LAB_OK ||
            ca != cb || strcmp(a, b) != 0)
            abort();
        lab_free(a);
        lab_free(b);
        return 0;
    }
    put(dos, "manifest.json", data + 1, size - 1);
    int ok = -1;
    char *report = NULL;
    int rc = lab_dossier_verify(&ok, &report, dos, NULL);
    if (rc != LAB_OK) {
        if (lab_errmsg()[0] == '\0')
            abort();
        return 0;
    }
    /* exactly one line says the verdict, the last, and it agrees: no
     * name or digest from the manifest can forge one */
    size_t rl = strlen(report);
    const char *last = report + rl;
    if (rl < 2 || report[rl - 1] != '\n')
        abort();
    for (last -= 2; last > report && last[-1] != '\n'; last--)
        ;
    if ((ok == 1) != (strcmp(last, "result: VALID\n") == 0) ||
        (ok != 1 && strcmp(last, "result: INVALID\n") != 0))
        abort();
    for (const char *p = report; (p = strstr(p, "result: ")) != NULL; p++)
        if (p != last && (p == report || p[-1] == '\n'))
            abort();
    lab_free(report);
    /* the folder's own files are untouched */
    FILE *f = NULL;
    char p[200], buf[8] = {0};
    snprintf(p, sizeof p, "%s/evidence/d1.txt", dos);
    if ((f = fopen(p, "rb")) == NULL || fread(buf, 1, 8, f) != 4 ||
        memcmp(buf, "one\n", 4) != 0)
        abort();
    fclose(f);
    return 0;
}
