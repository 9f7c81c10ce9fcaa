/*
 * fuzz_history.c - a fuzz target for the inputs of the history model: the
 * non-compliance records of noncompliances.csv (and the audit kinds and
 * extension columns of audits.csv) read by the CSV loader, checked against
 * the audits they name when the dataset is indexed, then judged by a check
 * (each facility's history as of a date taken from the input, the
 * standing of every finding, unknown required facts).  The first input
 * byte picks the file the rest of the input replaces in a small fixed
 * dataset: noncompliances.csv, audits.csv, suppliers.csv or documents.csv
 * (what documents name, and laboratory tests read by a rule).  A load that
 * fails must leave a message naming a file, and the dataset must be left
 * as it was (no record of the failed load); a load that succeeds is
 * checked twice and must give the same report both times.
 */
#include "engine.h"
#include "ident.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[96];
static lab_engine *engine;

static const char suppliers[] =
    "id,name,role,country,subdivision,recruits_for,licensed\n"
    "S1,Example Spinner,spinner,IN,IN-TN,,\n"
    "S2,Example Knits,garment_maker,IN,IN-TN,,\n"
    "R1,Example Recruiters,recruitment_agency,NP,,S1;S2,false\n";
static const char links[] = "supplier_id,buyer_id,volume,conversion_factor\n"
                            "S1,S2,1000,4\n";
static const char audits[] =
    "id,supplier_id,kind,type,start_date,end_date,documents_held_by_employer,"
    "recruitment_fees_paid_by_workers,interviews_total,workers_total,"
    "dormitory_beds\n"
    "A1,S1,full,announced,2025-03-01,2025-03-02,12,3,10,300,40\n"
    "A2,S1,follow_up,unannounced,2025-06-01,2025-06-01,0,0,4,300,\n"
    "A3,S1,full,unannounced,2026-03-01,2026-03-02,,0,20,300,40\n"
    "A4,S2,full,semi_announced,2026-04-01,2026-04-02,0,0,20,400,\n";
static const char ncs[] =
    "id,audit_id,area,ilo_indicator,severity,status,raised_date,due_date,"
    "closed_date,closing_audit_id,verification_method\n"
    "N1,A1,identity-documents,retention_of_documents,critical,verified,"
    "2025-03-02,2025-04-01,2025-05-20,A2,worker_interviews\n"
    "N2,A3,wages-hours,,major,open,2026-03-02,2026-05-01,,,\n";
static const char products[] = "id,supplier_id,claim,claimed_volume,unit,lots\n"
                               "P1,S2,Made without forced labour,4000,pcs,L1\n"
                               "P2,S2,,,pcs,L2\n";
static const char documents[] =
    "id,supplier_id,audit_id,kind,product_id,lots,reference,laboratory,"
    "accreditation,test_method,sample_custody,test_result\n"
    "D1,S1,A1,audit_report,,,,,,,,\n"
    "D2,S2,,purchase_order,P1,L1,PO-1,,,,,\n"
    "D3,S2,,lab_report,,L1,R-1,Lab,17025,isotopic,sealed,inconsistent\n"
    "D4,S2,,lab_report,P2,,R-2,Lab,17025,dna,sealed,consistent\n";
static const char pack[] =
    "<?xml version=\"1.0\"?>\n"
    "<pack xmlns=\"urn:labaudit:rulepack:1\" id=\"fuzz.history\" "
    "version=\"1.0.0\"><title>t</title><publisher>p</publisher>"
    "<field subject=\"audit\" name=\"dormitory_beds\" type=\"integer\">"
    "<description>beds</description></field>"
    "<require field=\"audit.documents_held_by_employer\"/>"
    "<rule id=\"f.docs\" severity=\"blocker\" subject=\"audit\" "
    "area=\"identity-documents\"><title>t</title>"
    "<condition>audit.documents_held_by_employer &gt; 0 or "
    "audit.dormitory_beds &gt; 100</condition><message>{audit.id} "
    "{audit.dormitory_beds}</message><basis cite=\"c\">b</basis>"
    "<remediation>r</remediation>"
    "<test expect=\"fire\"><audit id=\"A\" supplier_id=\"S\" "
    "start_date=\"2026-01-01\" documents_held_by_employer=\"1\"/></test>"
    "<test expect=\"pass\"><audit id=\"A\" supplier_id=\"S\" "
    "start_date=\"2026-01-01\" documents_held_by_employer=\"0\"/></test>"
    "</rule>"
    "<rule id=\"f.nc\" severity=\"major\" subject=\"noncompliance\">"
    "<title>t</title><condition>noncompliance.open and "
    "(noncompliance.overdue_days &gt; 0 or noncompliance.repeated)"
    "</condition><message>{noncompliance.id} {noncompliance.state}"
    "</message><basis cite=\"c\">b</basis><remediation>r</remediation>"
    "<test expect=\"fire\"><noncompliance id=\"N\" audit_id=\"A\" "
    "severity=\"major\" status=\"open\" overdue_days=\"3\"/></test>"
    "<test expect=\"pass\"><noncompliance id=\"N\" audit_id=\"A\" "
    "severity=\"major\" status=\"verified\" verification_method="
    "\"document_review\"/></test></rule>"
    "<rule id=\"f.lab\" severity=\"blocker\" subject=\"chain\">"
    "<title>t</title><condition>product.lab_tests_inconsistent &gt; 0"
    "</condition><message>{product.id} {product.lab_test_inconsistent}"
    "</message><basis cite=\"c\">b</basis><remediation>r</remediation>"
    "<test expect=\"fire\"><product id=\"P\" supplier_id=\"S\" "
    "lab_tests_inconsistent=\"1\"/></test>"
    "<test expect=\"pass\"><product id=\"P\" supplier_id=\"S\"/></test>"
    "</rule>"
    "<rule id=\"f.claim\" severity=\"blocker\" subject=\"chain\">"
    "<title>t</title><condition>product.claimed_volume &gt; "
    "chain.verified_volume</condition><message>{product.id}</message>"
    "<basis cite=\"c\">b</basis><remediation>r</remediation>"
    "<test expect=\"fire\"><product id=\"P\" supplier_id=\"S\" "
    "claimed_volume=\"2\"/><chain verified_volume=\"1\"/></test>"
    "<test expect=\"pass\"><product id=\"P\" supplier_id=\"S\" "
    "claimed_volume=\"1\"/><chain verified_volume=\"1\"/></test></rule>"
    "</pack>\n";

static void put(const char *name, const void *data, size_t n)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0)
        abort();
}

static void cleanup(void)
{
    static const char *const files[] = {
        "suppliers.csv", "links.csv",     "audits.csv", "noncompliances.csv",
        "products.csv",  "documents.csv", "pack.xml"};
    char p[160];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
    lab_engine_free(engine);
}

static void init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_history.XXXXXX",
             tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    put("pack.xml", pack, sizeof pack - 1);
    char p[160];
    snprintf(p, sizeof p, "%s/pack.xml", dir);
    const char *packs[] = {p};
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    eo.packs = packs;
    eo.npacks = 1;
    if (lab_engine_new(&engine, &eo) != LAB_OK)
        abort();
    atexit(cleanup);
}

/* A date for the check from the input: 2024-01-01 plus up to ~5 years. */
static void as_of(char buf[11], const uint8_t *data, size_t size)
{
    unsigned d = size > 2 ? (unsigned)data[1] * 8u + data[2] % 8u : 900u;
    lab_date_format(buf, 19723 + (int32_t)d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const targets[] = {"noncompliances.csv", "audits.csv",
                                          "suppliers.csv", "documents.csv"};
    if (engine == NULL)
        init();
    put("suppliers.csv", suppliers, sizeof suppliers - 1);
    put("links.csv", links, sizeof links - 1);
    put("audits.csv", audits, sizeof audits - 1);
    put("noncompliances.csv", ncs, sizeof ncs - 1);
    put("products.csv", products, sizeof products - 1);
    put("documents.csv", documents, sizeof documents - 1);
    if (size > 0)
        put(targets[data[0] % 4], data + 1, size - 1);

    lab_dataset *ds = NULL;
    if (lab_dataset_new(&ds) != LAB_OK)
        abort();
    int rc = lab_dataset_load(ds, dir);
    if (rc != LAB_OK) {
        /* a failed load names a file and leaves nothing behind */
        if (strstr(lab_errmsg(), ".csv") == NULL &&
            strstr(lab_errmsg(), "out of memory") == NULL &&
            strstr(lab_errmsg(), "noncompliance") == NULL &&
            strstr(lab_errmsg(), "supplier") == NULL &&
            strstr(lab_errmsg(), "document") == NULL)
            abort();
        for (int k = 0; k < LAB_TABLE_COUNT; k++)
            if (lab_dataset_count(ds, (lab_record_kind)k) != 0)
                abort();
        lab_dataset_free(ds);
        return 0;
    }
    char date[11];
    as_of(date, data, size);
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    co.as_of = date;
    char *text[2] = {NULL, NULL};
    int rcs[2];
    for (int run = 0; run < 2; run++) {
        lab_report *rep = NULL;
        rcs[run] = lab_check(&rep, engine, ds, &co);
        if (rcs[run] == LAB_OK &&
            lab_report_render(&text[run], rep, LAB_FORMAT_JSON) != LAB_OK)
            abort();
        if (rep != NULL && lab_report_history_count(rep) > 0 &&
            lab_finding_history(lab_report_history(rep, 0)) == NULL)
            abort(); /* history always says why */
        lab_report_free(rep);
    }
    if (rcs[0] != rcs[1] || (text[0] == NULL) != (text[1] == NULL) ||
        (text[0] != NULL && strcmp(text[0], text[1]) != 0))
        abort(); /* a check is a function of the dataset and the date */
    lab_free(text[0]);
    lab_free(text[1]);
    lab_dataset_free(ds);
    return 0;
}
