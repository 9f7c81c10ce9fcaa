/*
 * ledger.c - the tamper-evident ledger in PostgreSQL.  lab_ledger_init()
 * applies the migrations of ledger.sql (compiled in) in one transaction
 * under an advisory lock, so running it twice, or from two machines at
 * once, changes nothing the second time.  lab_ledger_record_run() writes a
 * run's findings and then its row, which seals them, in one READ
 * COMMITTED transaction under the chain lock (the database chains each
 * row); a run id already present makes it a no-op, and a failure anywhere
 * leaves nothing behind.  lab_ledger_verify_anchored() reads every ledger
 * table in chain order in one snapshot and recomputes each row's SHA-256
 * on this side from the column values as text, with the library's own
 * OpenSSL context, naming the first rows whose stored hash, predecessor or
 * sequence does not match (a row edited by a superuser with the triggers
 * disabled is found this way); a chain must start at seq 1 or where a
 * recorded prune ended, every run's findings must match its seal, and,
 * given an anchor (each chain's head, written earlier by the same call
 * and kept by the auditor), each chain must still hold that head, which
 * finds rows cut from the end and truncated tables.
 */
#include "pg/pg.h"

#include "crypto.h"
#include "engine.h"
#include "expr.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char lab_ledger_sql[];
extern const size_t lab_ledger_sql_len;

/* Findings sent per INSERT statement; rows named per table by verify. */
enum { BATCH = 2000, SHOWN_BAD = 10 };

/* A lock key for migrations, apart from the chain's. */
static const char migrate_lock_sql[] =
    "SELECT pg_catalog.pg_advisory_xact_lock(7236828112375906610)";

/* ---- migrations ---- */

typedef struct migration {
    int version;
    const char *desc;
    size_t desc_len;
    const char *start, *end; /* statements, within lab_ledger_sql */
} migration;

static const char mig_tag[] = "-- migration ";

/* Finds migration number `want` (or the first above `after` when want is
 * 0) in the embedded file. */
static int next_migration(migration *m, int after)
{
    const char *p = lab_ledger_sql, *end = p + lab_ledger_sql_len;
    m->version = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if ((size_t)(eol - p) > sizeof mig_tag - 1 &&
            memcmp(p, mig_tag, sizeof mig_tag - 1) == 0) {
            int v = (int)strtol(p + sizeof mig_tag - 1, NULL, 10);
            if (m->version != 0) {
                m->end = p;
                return 1;
            }
            if (v > after) {
                const char *colon = memchr(p, ':', (size_t)(eol - p));
                m->version = v;
                m->desc = colon ? colon + 2 : p;
                m->desc_len =
                    colon && colon + 2 <= eol ? (size_t)(eol - colon - 2) : 0;
                m->start = nl ? nl + 1 : end;
            }
        }
        p = nl ? nl + 1 : end;
    }
    m->end = end;
    return m->version != 0;
}

/* Counts "$$" in a line (comment lines do not count). */
static int dollar_quotes(const char *p, const char *eol)
{
    const char *s = p;
    while (s < eol && (*s == ' ' || *s == '\t'))
        s++;
    if (eol - s >= 2 && s[0] == '-' && s[1] == '-')
        return 0;
    int n = 0;
    for (; p + 1 < eol; p++)
        if (p[0] == '$' && p[1] == '$') {
            n++;
            p++;
        }
    return n;
}

/* Runs each statement of a migration: a statement ends at a line ending
 * in ';' outside $$ quotes. */
static int apply_migration(PGconn *c, const migration *m)
{
    lab_buf stmt = LAB_BUF_INIT;
    int in_body = 0, rc = LAB_OK;
    char what[160];
    snprintf(what, sizeof what, "ledger init: migration %d", m->version);
    for (const char *p = m->start; rc == LAB_OK && p < m->end;) {
        const char *nl = memchr(p, '\n', (size_t)(m->end - p));
        const char *eol = nl ? nl : m->end;
        lab_buf_add(&stmt, p, (size_t)(eol - p));
        lab_buf_addc(&stmt, '\n');
        if (dollar_quotes(p, eol) % 2 == 1)
            in_body = !in_body;
        const char *t = eol;
        while (t > p && (t[-1] == ' ' || t[-1] == '\r'))
            t--;
        if (!in_body && t > p && t[-1] == ';') {
            if (stmt.oom)
                rc = lab_seterr(LAB_ENOMEM, "out of memory");
            else
                rc = lab_pg_exec(c, NULL, what, stmt.data, 0, NULL);
            stmt.len = 0;
        }
        p = nl ? nl + 1 : m->end;
    }
    lab_buf_free(&stmt);
    return rc;
}

static int ledger_version(PGconn *c, int *version)
{
    PGresult *r = NULL;
    int rc = lab_pg_exec(c, &r, "ledger: reading the schema version",
                         "SELECT COALESCE(pg_catalog.max(version),"
                         " 0) FROM labaudit.schema_version",
                         0, NULL);
    if (rc != LAB_OK)
        return rc;
    *version = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return LAB_OK;
}

/* The schema version this code writes and verifies. */
enum { SCHEMA_NEEDED = 2 };

/* Refuses a ledger whose schema predates this code's (or has none). */
static int require_schema(PGconn *c, const char *what)
{
    PGresult *r = NULL;
    int v = 0;
    int rc = lab_pg_exec(c, &r, "ledger: reading the schema version",
                         "SELECT pg_catalog.to_regclass("
                         "'labaudit.schema_version') IS NOT NULL",
                         0, NULL);
    int exists = rc == LAB_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (rc != LAB_OK)
        return rc;
    if (!exists)
        return lab_seterr(LAB_EVERSION,
                          "%s: no labaudit ledger in this database: run "
                          "`labaudit ledger init` first",
                          what);
    rc = ledger_version(c, &v);
    if (rc == LAB_OK && v < SCHEMA_NEEDED)
        rc = lab_seterr(
            LAB_EVERSION,
            "%s: the ledger's schema is at version %d and this labaudit "
            "needs version %d: run `labaudit ledger init` to migrate it (one "
            "transaction; rows already chained keep their hashes)",
            what, v, SCHEMA_NEEDED);
    return rc;
}

static int migrate(PGconn *c, int *from, int *to)
{
    static const char *const boot[] = {
        "BEGIN",
        migrate_lock_sql,
        "CREATE SCHEMA IF NOT EXISTS labaudit",
        "CREATE TABLE IF NOT EXISTS labaudit.schema_version ("
        "version integer PRIMARY KEY, description text NOT NULL, "
        "applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(), "
        "applied_by text NOT NULL DEFAULT CURRENT_USER)",
    };
    int rc = LAB_OK, v = 0;
    for (size_t i = 0; rc == LAB_OK && i < LAB_ARRAY_LEN(boot); i++)
        rc = lab_pg_exec(c, NULL, "ledger init", boot[i], 0, NULL);
    if (rc == LAB_OK)
        rc = ledger_version(c, &v);
    *from = v;
    migration m;
    while (rc == LAB_OK && next_migration(&m, v)) {
        char num[16], *desc = lab_strndup(m.desc, m.desc_len);
        if (desc == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        snprintf(num, sizeof num, "%d", m.version);
        const char *params[2] = {num, desc};
        rc = apply_migration(c, &m);
        if (rc == LAB_OK)
            rc = lab_pg_exec(c, NULL, "ledger init: recording the version",
                             "INSERT INTO labaudit.schema_version (version, "
                             "description) VALUES ($1::integer, $2)",
                             2, params);
        free(desc);
        v = m.version;
    }
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger init: commit", "COMMIT", 0, NULL);
    *to = v;
    return rc;
}

int lab_ledger_init(int *version, const char *conninfo)
{
    PGconn *c = NULL;
    int from = 0, to = 0;
    int rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK)
        rc = migrate(c, &from, &to);
    PQfinish(c);
    if (rc == LAB_OK && version != NULL)
        *version = to;
    return rc;
}

/* ---- recording a run ---- */

#define subject_names lab_subject_names

static void json_key(lab_buf *b, const char *k)
{
    lab_buf_add_json_string(b, k, strlen(k));
    lab_buf_addc(b, ':');
}

static void json_str_or_null(lab_buf *b, const char *s)
{
    if (s == NULL)
        lab_buf_adds(b, "null");
    else
        lab_buf_add_json_string(b, s, strlen(s));
}

/* The run's descriptive columns as JSON: packs, records, summary,
 * products. */
static void run_json(lab_buf *packs, lab_buf *records, lab_buf *summary,
                     lab_buf *products, const lab_report *rep)
{
    static const char *const kinds[] = {
        "suppliers",      "links", "audits",     "documents", "products",
        "noncompliances", "lots",  "lot_inputs", "ownership"};
    _Static_assert(sizeof kinds / sizeof *kinds == LAB_TABLE_COUNT,
                   "one name per record kind");
    lab_buf_addc(packs, '[');
    for (size_t i = 0; i < lab_engine_pack_count(rep->engine); i++) {
        const char *id = NULL, *ver = NULL, *sha = NULL;
        lab_engine_pack_info(rep->engine, i, &id, &ver, &sha);
        lab_buf_adds(packs, i ? ",{" : "{");
        json_key(packs, "id");
        json_str_or_null(packs, id);
        lab_buf_addc(packs, ',');
        json_key(packs, "version");
        json_str_or_null(packs, ver);
        lab_buf_addc(packs, ',');
        json_key(packs, "sha256");
        json_str_or_null(packs, sha);
        lab_buf_addc(packs, '}');
    }
    lab_buf_addc(packs, ']');

    lab_buf_addc(records, '{');
    for (int k = 0; k < LAB_TABLE_COUNT; k++)
        lab_buf_printf(records, "%s\"%s\":%zu", k ? "," : "", kinds[k],
                       rep->counts[k]);
    lab_buf_addc(records, '}');

    int worst = lab_report_worst(rep);
    lab_buf_printf(summary, "{\"findings\":%zu", lab_report_finding_count(rep));
    for (int s = LAB_SEV_BLOCKER; s >= LAB_SEV_INFO; s--)
        lab_buf_printf(
            summary, ",\"%s\":%zu", lab_severity_name(s),
            lab_report_count_at_least(rep, (lab_severity)s) -
                (s < LAB_SEV_BLOCKER
                     ? lab_report_count_at_least(rep, (lab_severity)(s + 1))
                     : 0));
    lab_buf_adds(summary, ",\"worst\":");
    json_str_or_null(summary, worst >= 0 ? lab_severity_name(worst) : NULL);
    lab_buf_addc(summary, '}');

    lab_buf_addc(products, '[');
    for (size_t i = 0; i < lab_report_product_count(rep); i++) {
        const char *id = NULL;
        int w = -1;
        lab_report_product(rep, i, &id, &w);
        lab_buf_adds(products, i ? ",{" : "{");
        json_key(products, "id");
        json_str_or_null(products, id);
        lab_buf_adds(products, ",\"worst\":");
        json_str_or_null(products, w >= 0 ? lab_severity_name(w) : NULL);
        lab_buf_addc(products, '}');
    }
    lab_buf_addc(products, ']');
}

/* Writes the run's row, after its findings: the database seals them into
 * it (their count and the last one's hash), closing the run. */
static int insert_run(PGconn *c, const lab_report *rep, const char *run_id,
                      const char *digest)
{
    lab_buf packs = LAB_BUF_INIT, records = LAB_BUF_INIT;
    lab_buf summary = LAB_BUF_INIT, products = LAB_BUF_INIT;
    PGresult *r = NULL;
    int rc = LAB_OK;
    run_json(&packs, &records, &summary, &products, rep);
    if (packs.oom || records.oom || summary.oom || products.oom) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out_free_json;
    }
    const char *params[8] = {
        run_id,       lab_version(), rep->as_of[0] ? rep->as_of : NULL,
        packs.data,   digest,        records.data,
        summary.data, products.data};
    rc = lab_pg_exec(
        c, &r, "ledger: recording the run",
        "INSERT INTO labaudit.runs (run_id, labaudit_version, as_of, packs, "
        "dataset_sha256, records, summary, products) VALUES ($1, $2, $3, "
        "$4::jsonb, $5, $6::jsonb, $7::jsonb, $8::jsonb) RETURNING seq",
        8, params);
    PQclear(r);
out_free_json:
    lab_buf_free(&packs);
    lab_buf_free(&records);
    lab_buf_free(&summary);
    lab_buf_free(&products);
    return rc;
}

/* Appends finding i as one JSON object of the batch. */
static void finding_json(lab_buf *b, const lab_report *rep, size_t i)
{
    const lab_finding *f = lab_report_finding(rep, i);
    lab_buf_printf(b, "{\"n\":%zu,\"r\":", i + 1);
    json_str_or_null(b, lab_finding_rule_id(f));
    lab_buf_adds(b, ",\"p\":");
    json_str_or_null(b, lab_finding_pack_id(f));
    lab_buf_adds(b, ",\"sv\":");
    json_str_or_null(b, lab_severity_name(lab_finding_severity(f)));
    lab_buf_adds(b, ",\"sj\":");
    json_str_or_null(b, subject_names[lab_finding_subject(f) & 3]);
    lab_buf_adds(b, ",\"id\":");
    json_str_or_null(b, lab_finding_subject_id(f));
    lab_buf_adds(b, ",\"m\":");
    json_str_or_null(b, lab_finding_message(f));
    lab_buf_adds(b, ",\"e\":{");
    for (size_t j = 0; j < lab_finding_evidence_count(f); j++) {
        const char *name = NULL, *val = NULL;
        lab_finding_evidence(f, j, &name, &val);
        if (j > 0)
            lab_buf_addc(b, ',');
        json_key(b, name ? name : "");
        lab_buf_adds(b, val ? val : "null");
    }
    lab_buf_adds(b, "}}");
}

static const char insert_findings_sql[] =
    "INSERT INTO labaudit.findings (run_id, n, rule_id, pack_id, severity, "
    "subject, subject_id, message, evidence) "
    "SELECT $1, x.n, x.r, x.p, x.sv, x.sj, x.id, x.m, x.e "
    "FROM pg_catalog.jsonb_to_recordset($2::pg_catalog.jsonb) AS x(n "
    "integer, r text, p text, sv text, sj text, id text, m text, e jsonb) "
    "ORDER BY x.n";

static int insert_findings(PGconn *c, const lab_report *rep, const char *run_id)
{
    size_t n = lab_report_finding_count(rep);
    lab_buf b = LAB_BUF_INIT;
    int rc = LAB_OK;
    char what[300];
    snprintf(what, sizeof what,
             "ledger: recording the findings of run '%.200s'", run_id);
    for (size_t i = 0; rc == LAB_OK && i < n; i += BATCH) {
        b.len = 0;
        lab_buf_addc(&b, '[');
        for (size_t j = i; j < n && j < i + BATCH; j++) {
            if (j > i)
                lab_buf_addc(&b, ',');
            finding_json(&b, rep, j);
        }
        lab_buf_addc(&b, ']');
        if (b.oom) {
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
            break;
        }
        const char *params[2] = {run_id, b.data};
        rc = lab_pg_exec(c, NULL, what, insert_findings_sql, 2, params);
    }
    lab_buf_free(&b);
    return rc;
}

/* Takes the chain lock (held to the end of the transaction, so no other
 * writer can record the same run meanwhile) and says whether run_id is
 * not yet in the ledger. */
static int run_is_new(PGconn *c, const char *run_id, int *is_new)
{
    PGresult *r = NULL;
    const char *params[1] = {run_id};
    int rc = lab_pg_exec(c, NULL, "ledger: taking the ledger's lock",
                         "SELECT pg_catalog.pg_advisory_xact_lock("
                         "labaudit.lock_key())",
                         0, NULL);
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, &r, "ledger: looking the run up",
                         "SELECT 1 FROM labaudit.runs WHERE run_id = $1", 1,
                         params);
    if (rc == LAB_OK)
        *is_new = PQntuples(r) == 0;
    PQclear(r);
    return rc;
}

int lab_ledger_record_run(int *recorded, const char *conninfo,
                          const lab_report *report, const lab_dataset *ds,
                          const char *run_id)
{
    PGconn *c = NULL;
    char digest[65];
    int inserted = 0, rc;
    if (conninfo == NULL || report == NULL || run_id == NULL)
        return lab_seterr(LAB_EINVAL, "lab_ledger_record_run: NULL argument");
    if (run_id[0] == '\0' || strlen(run_id) > 200)
        return lab_seterr(LAB_EINVAL,
                          "ledger: run id must be 1 to 200 bytes long");
    rc = ds != NULL ? lab_dataset_digest(digest, ds) : LAB_OK;
    if (rc == LAB_OK)
        rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK)
        rc = require_schema(c, "ledger record");
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger: starting the run's transaction",
                         "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL);
    if (rc == LAB_OK)
        rc = run_is_new(c, run_id, &inserted);
    if (rc == LAB_OK && inserted)
        rc = insert_findings(c, report, run_id);
    if (rc == LAB_OK && inserted)
        rc = insert_run(c, report, run_id, ds != NULL ? digest : NULL);
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger: committing the run",
                         inserted ? "COMMIT" : "ROLLBACK", 0, NULL);
    /* On failure the transaction never commits: closing the connection
     * rolls it back, and nothing of the run stays. */
    PQfinish(c);
    if (rc == LAB_OK && recorded != NULL)
        *recorded = inserted;
    return rc;
}

int lab_ledger_record_certificate(const char *conninfo, const char *serial,
                                  const char *status, const char *token,
                                  const char *status_list,
                                  long long status_index, const char *reason)
{
    PGconn *c = NULL;
    char idx[32];
    if (conninfo == NULL || serial == NULL || status == NULL)
        return lab_seterr(LAB_EINVAL,
                          "lab_ledger_record_certificate: NULL argument");
    snprintf(idx, sizeof idx, "%lld", status_index);
    const char *params[6] = {
        serial, status, token, status_list, status_index >= 0 ? idx : NULL,
        reason};
    int rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK)
        rc = lab_pg_exec(
            c, NULL, "ledger: recording the certificate",
            "INSERT INTO labaudit.certificates (serial, status, token, "
            "status_list, status_index, reason) VALUES ($1, $2, $3, $4, "
            "$5::bigint, $6) "
            "ON CONFLICT (serial, status) DO NOTHING",
            6, params);
    PQfinish(c);
    return rc;
}

/* ---- verifying ---- */

typedef struct ledger_table {
    const char *name;
    const char *columns; /* canonical order, then prev_hash, hash */
    const char *label;   /* columns that name a row in messages */
    int nbase; /* columns always hashed; later ones only when not NULL */
} ledger_table;

/* Index of labaudit.runs and labaudit.findings in tables[]. */
enum { T_RUNS = 0, T_FINDINGS = 1, NTABLES = 6 };

static const ledger_table tables[NTABLES] = {
    {"runs",
     "seq, run_id, recorded_at, db_user, application, labaudit_version, "
     "as_of, packs, dataset_sha256, records, summary, products, "
     "findings_count, findings_head",
     "run_id", 12},
    {"findings",
     "seq, run_id, n, rule_id, pack_id, severity, subject, subject_id, "
     "message, evidence, recorded_at, db_user",
     "run_id, n", 12},
    {"waivers",
     "seq, waiver_id, rule_id, subject_id, reason, granted_by, valid_from, "
     "valid_until, recorded_at, db_user",
     "waiver_id", 10},
    {"certificates",
     "seq, serial, status, token, status_list, status_index, reason, "
     "recorded_at, db_user",
     "serial, status", 9},
    {"status_lists",
     "seq, list_id, purpose, length, credential, recorded_at, db_user",
     "list_id", 7},
    {"checkpoints",
     "seq, kind, table_name, through_seq, through_hash, through_recorded_at, "
     "retention, recorded_at, db_user",
     "kind, table_name", 9},
};

/* What one table's chain is checked against: the last prune recorded for
 * it and the head an anchor names. */
typedef struct table_ref {
    long long prune_seq; /* 0: never pruned */
    char prune_hash[65];
    char prune_at[40];
    char prune_retention[40];
    char prune_through_at[40]; /* recorded_at of the last row pruned */
    long long anchor_seq;      /* -1: no anchor */
    char anchor_hash[65];
    char anchor_at[40]; /* recorded_at of the anchored row, or "" */
    int anchor_seen;
    /* the head found */
    long long head_seq;
    char head_hash[65];
    char head_at[40];
    size_t problems; /* found about the table as a whole */
    size_t rows;
} table_ref;

typedef struct verifier {
    EVP_MD *sha;
    EVP_MD_CTX *h;
    lab_buf content;
    lab_buf out; /* the account */
    size_t bad;
    table_ref ref[NTABLES];
    /* per table */
    long long last_seq;
    char last_hash[65];
    char last_at[40];
    size_t rows;
    int table_bad;
} verifier;

static const char zeros[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Describes row r of a verify result for messages: "seq N (run_id X, n
 * Y)". */
static void row_label(lab_buf *b, const ledger_table *t, const PGresult *r,
                      long long seq)
{
    lab_buf_printf(b, "labaudit.%s row seq %lld (", t->name, seq);
    int first = 1;
    for (const char *p = t->label; *p != '\0';) {
        size_t len = strcspn(p, ", ");
        for (int i = 0; len > 0 && i < PQnfields(r); i++) {
            const char *name = PQfname(r, i);
            if (strlen(name) != len || memcmp(name, p, len) != 0)
                continue;
            lab_buf_printf(b, "%s%s %.80s", first ? "" : ", ", name,
                           PQgetisnull(r, 0, i) ? "NULL" : PQgetvalue(r, 0, i));
            first = 0;
        }
        p += len;
        p += strspn(p, ", ");
    }
    lab_buf_addc(b, ')');
}

static void mismatch(verifier *V, const ledger_table *t, const PGresult *r,
                     long long seq, const char *why)
{
    V->bad++;
    if (V->table_bad++ >= SHOWN_BAD)
        return; /* the first few per table are named; the rest counted */
    lab_buf_adds(&V->out, "TAMPERED ");
    row_label(&V->out, t, r, seq);
    lab_buf_printf(&V->out, ": %s\n", why);
}

/* A finding about a table as a whole (not one row). */
static void table_bad(verifier *V, const char *table, const char *why)
{
    V->bad++;
    for (size_t i = 0; i < NTABLES; i++)
        if (strcmp(tables[i].name, table) == 0)
            V->ref[i].problems++;
    lab_buf_printf(&V->out, "TAMPERED labaudit.%s: %s\n", table, why);
}

static int hash_row(verifier *V, const ledger_table *t, const PGresult *r,
                    int ncols, char hex[65])
{
    unsigned char md[32];
    lab_buf *b = &V->content;
    b->len = 0;
    lab_buf_add(b, PQgetvalue(r, 0, ncols - 2),
                (size_t)PQgetlength(r, 0, ncols - 2));
    lab_buf_addc(b, '\n');
    for (int i = 0; i < ncols - 2; i++) {
        if (i >= t->nbase && PQgetisnull(r, 0, i))
            continue; /* a column added later, NULL in older rows */
        lab_buf_adds(b, PQfname(r, i));
        lab_buf_addc(b, '=');
        if (PQgetisnull(r, 0, i)) {
            lab_buf_addc(b, '-');
        } else {
            lab_buf_printf(b, "%d:", PQgetlength(r, 0, i));
            lab_buf_add(b, PQgetvalue(r, 0, i), (size_t)PQgetlength(r, 0, i));
        }
        lab_buf_addc(b, '\n');
    }
    if (b->oom)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (!EVP_DigestInit_ex(V->h, V->sha, NULL) ||
        !EVP_DigestUpdate(V->h, b->data, b->len) ||
        !EVP_DigestFinal_ex(V->h, md, NULL))
        return lab_seterr(LAB_ECRYPTO, "ledger verify: SHA-256 failed");
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return LAB_OK;
}

/* The first row of a table: seq 1 after 64 zeros, or the row after the
 * last prune recorded for the table, chained to the hash it recorded. */
static void check_start(verifier *V, const ledger_table *t,
                        const table_ref *ref, const PGresult *r, long long seq,
                        const char *prev)
{
    char why[300];
    if (seq == 1) {
        if (strcmp(prev, zeros) != 0)
            mismatch(V, t, r, seq, "the first row's prev_hash is not 64 zeros");
        return;
    }
    if (ref->prune_seq == seq - 1 && strcmp(prev, ref->prune_hash) == 0) {
        lab_buf_printf(&V->out,
                       "note: labaudit.%s starts at seq %lld: rows 1 to %lld "
                       "were pruned by labaudit.prune() at %s (retention %s); "
                       "the chain is checked from there\n",
                       t->name, seq, seq - 1, ref->prune_at,
                       ref->prune_retention);
        return;
    }
    if (ref->prune_seq == seq - 1)
        snprintf(why, sizeof why,
                 "its prev_hash is not the hash of row %lld recorded when "
                 "rows 1 to %lld were pruned",
                 seq - 1, seq - 1);
    else if (ref->prune_seq > 0)
        snprintf(why, sizeof why,
                 "rows seq 1 to %lld are missing but the last prune ended at "
                 "seq %lld: rows %lld to %lld were deleted, not pruned",
                 seq - 1, ref->prune_seq, ref->prune_seq + 1, seq - 1);
    else
        snprintf(why, sizeof why,
                 "rows seq 1 to %lld are missing and no prune was recorded: "
                 "they were deleted, not pruned (pruning goes through "
                 "labaudit.prune())",
                 seq - 1);
    mismatch(V, t, r, seq, why);
}

static int check_row(verifier *V, const ledger_table *t, table_ref *ref,
                     const PGresult *r)
{
    int ncols = PQnfields(r);
    long long seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    const char *prev = PQgetvalue(r, 0, ncols - 2);
    const char *hash = PQgetvalue(r, 0, ncols - 1);
    char hex[65], why[200];

    if (V->rows == 0) {
        check_start(V, t, ref, r, seq, prev);
    } else if (seq != V->last_seq + 1) {
        snprintf(why, sizeof why,
                 "rows seq %lld to %lld are missing (deleted behind the "
                 "triggers' back)",
                 V->last_seq + 1, seq - 1);
        mismatch(V, t, r, seq, why);
    } else if (strcmp(prev, V->last_hash) != 0) {
        mismatch(V, t, r, seq,
                 "prev_hash does not match the previous row's hash");
    }
    int rc = hash_row(V, t, r, ncols, hex);
    if (rc != LAB_OK)
        return rc;
    if (strlen(hash) != 64 || CRYPTO_memcmp(hex, hash, 64) != 0)
        mismatch(V, t, r, seq,
                 "its content does not match its hash (changed after it was "
                 "written)");
    if (seq == ref->anchor_seq) {
        ref->anchor_seen = 1;
        if (strlen(hash) != 64 || CRYPTO_memcmp(ref->anchor_hash, hash, 64))
            mismatch(V, t, r, seq,
                     "its hash is not the one the anchor recorded for it "
                     "(the chain was rewritten up to here)");
    }
    int at = PQfnumber(r, "recorded_at");
    V->rows++;
    V->last_seq = seq;
    snprintf(V->last_hash, sizeof V->last_hash, "%s", hash);
    snprintf(V->last_at, sizeof V->last_at, "%s",
             at >= 0 ? PQgetvalue(r, 0, at) : "");
    return LAB_OK;
}

/* The first prune that went past the anchored row must have come at
 * least its retention after the row was recorded (the anchor says when),
 * and not after this snapshot: a prune record made up to excuse deleting
 * young rows fails here, however well it is chained. */
static int check_pruned_anchor(verifier *V, PGconn *c, const ledger_table *t,
                               const table_ref *ref)
{
    PGresult *r = NULL;
    char seq[32], why[400];
    snprintf(seq, sizeof seq, "%lld", ref->anchor_seq);
    const char *params[3] = {ref->anchor_at, t->name, seq};
    int rc = lab_pg_exec(
        c, &r, "ledger verify: checking the prune past the anchor",
        "SELECT recorded_at >= $1::timestamptz + retention AND recorded_at "
        "<= pg_catalog.now(), recorded_at FROM labaudit.checkpoints WHERE "
        "kind = 'prune' AND table_name = $2 AND through_seq >= $3::bigint "
        "ORDER BY seq LIMIT 1",
        3, params);
    if (rc != LAB_OK)
        return rc;
    if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        snprintf(why, sizeof why,
                 "the prune recorded at %s removed the anchored row seq %lld, "
                 "recorded at %s, before its retention ran out: the prune "
                 "record is not genuine",
                 PQgetvalue(r, 0, 1), ref->anchor_seq, ref->anchor_at);
        table_bad(V, t->name, why);
    }
    PQclear(r);
    return LAB_OK;
}

/* After a table's rows: the anchor's head must still be there, or have
 * been pruned by the record, in its time. */
static int check_anchor_end(verifier *V, PGconn *c, const ledger_table *t,
                            const table_ref *ref)
{
    char why[400];
    if (ref->anchor_seq <= 0 || ref->anchor_seen)
        return LAB_OK;
    if (ref->anchor_seq <= ref->prune_seq) {
        if (ref->anchor_seq == ref->prune_seq &&
            CRYPTO_memcmp(ref->anchor_hash, ref->prune_hash, 64) != 0)
            table_bad(V, t->name,
                      "the anchored head was pruned, but with another hash "
                      "than the anchor's (the chain was rewritten)");
        else
            lab_buf_printf(&V->out,
                           "note: labaudit.%s: the anchored row seq %lld has "
                           "since been pruned by labaudit.prune()\n",
                           t->name, ref->anchor_seq);
        return ref->anchor_at[0] ? check_pruned_anchor(V, c, t, ref) : LAB_OK;
    }
    if (V->rows == 0)
        snprintf(why, sizeof why,
                 "the anchor names row seq %lld (hash %.16s...) but the "
                 "table is empty: its rows were deleted or the table "
                 "truncated",
                 ref->anchor_seq, ref->anchor_hash);
    else
        snprintf(why, sizeof why,
                 "the anchor names row seq %lld (hash %.16s...) but the "
                 "chain ends at seq %lld: rows were cut from its end",
                 ref->anchor_seq, ref->anchor_hash, V->last_seq);
    table_bad(V, t->name, why);
    return LAB_OK;
}

static int verify_table(verifier *V, PGconn *c, size_t ti)
{
    const ledger_table *t = &tables[ti];
    table_ref *ref = &V->ref[ti];
    char sql[512], what[128];
    snprintf(sql, sizeof sql,
             "SELECT %s, prev_hash, hash FROM labaudit.%s ORDER BY seq",
             t->columns, t->name);
    snprintf(what, sizeof what, "ledger verify: reading labaudit.%s", t->name);
    V->rows = 0;
    V->table_bad = 0;
    V->last_seq = 0;
    V->last_hash[0] = '\0';
    if (!PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0) ||
        !PQsetSingleRowMode(c))
        return lab_pg_fail(c, NULL, what);
    int rc = LAB_OK;
    for (;;) {
        PGresult *r = PQgetResult(c);
        if (r == NULL)
            break;
        ExecStatusType st = PQresultStatus(r);
        if (rc == LAB_OK && st == PGRES_SINGLE_TUPLE)
            rc = check_row(V, t, ref, r);
        else if (rc == LAB_OK && st != PGRES_TUPLES_OK)
            rc = lab_pg_fail(c, r, what);
        PQclear(r);
    }
    if (rc != LAB_OK)
        return rc;
    if (V->rows == 0 && ref->prune_seq > 0)
        lab_buf_printf(&V->out,
                       "note: labaudit.%s: rows 1 to %lld were pruned by "
                       "labaudit.prune() at %s (retention %s)\n",
                       t->name, ref->prune_seq, ref->prune_at,
                       ref->prune_retention);
    rc = check_anchor_end(V, c, t, ref);
    if (rc != LAB_OK)
        return rc;
    ref->rows = V->rows;
    ref->head_seq = V->rows ? V->last_seq : ref->prune_seq;
    snprintf(ref->head_hash, sizeof ref->head_hash, "%s",
             V->rows          ? V->last_hash
             : ref->prune_seq ? ref->prune_hash
                              : "-");
    snprintf(ref->head_at, sizeof ref->head_at, "%s",
             V->rows          ? V->last_at
             : ref->prune_seq ? ref->prune_through_at
                              : "");
    int is_bad = V->table_bad > 0 || ref->problems > 0;
    lab_buf_printf(&V->out, "%-8s labaudit.%s: %zu rows%s%s%s\n",
                   is_bad ? "BAD" : "ok", t->name, V->rows,
                   V->rows ? ", head " : "", V->rows ? V->last_hash : "",
                   V->table_bad    ? " (chain broken)"
                   : ref->problems ? " (see above)"
                                   : "");
    return LAB_OK;
}

/* Reads the prunes recorded (the checkpoints' own chain is verified with
 * the other tables); a prune of rows younger than the retention it
 * recorded is itself a finding. */
static int read_prunes(verifier *V, PGconn *c)
{
    PGresult *r = NULL;
    int rc = lab_pg_exec(
        c, &r, "ledger verify: reading the prunes",
        "SELECT table_name, through_seq, through_hash, recorded_at, "
        "retention, through_recorded_at > recorded_at - retention, "
        "through_recorded_at, retention < interval '7 years' "
        "FROM labaudit.checkpoints WHERE kind = 'prune' ORDER BY seq",
        0, NULL);
    if (rc != LAB_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        for (size_t ti = 0; ti < NTABLES; ti++) {
            table_ref *ref = &V->ref[ti];
            if (strcmp(PQgetvalue(r, i, 0), tables[ti].name) != 0)
                continue;
            ref->prune_seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);
            snprintf(ref->prune_hash, sizeof ref->prune_hash, "%s",
                     PQgetvalue(r, i, 2));
            snprintf(ref->prune_at, sizeof ref->prune_at, "%s",
                     PQgetvalue(r, i, 3));
            snprintf(ref->prune_retention, sizeof ref->prune_retention, "%s",
                     PQgetvalue(r, i, 4));
            snprintf(ref->prune_through_at, sizeof ref->prune_through_at, "%s",
                     PQgetvalue(r, i, 6));
            if (strcmp(PQgetvalue(r, i, 5), "t") == 0) {
                char why[200];
                snprintf(why, sizeof why,
                         "the prune at %s removed rows younger than its own "
                         "retention (%s)",
                         ref->prune_at, ref->prune_retention);
                table_bad(V, tables[ti].name, why);
            }
            if (strcmp(PQgetvalue(r, i, 7), "t") == 0)
                lab_buf_printf(&V->out,
                               "note: labaudit.%s was pruned at %s with a "
                               "retention of %s, shorter than the 7 years "
                               "the LkSG asks for (labaudit.retention() was "
                               "changed)\n",
                               tables[ti].name, ref->prune_at,
                               ref->prune_retention);
        }
    }
    PQclear(r);
    return LAB_OK;
}

/* Every run recorded since schema 2 sealed its findings: their number
 * and the hash of the last one must still be what they were; findings
 * must belong to a recorded run. */
static int check_seals(verifier *V, PGconn *c)
{
    PGresult *r = NULL;
    size_t unsealed = 0;
    char why[400];
    int rc = lab_pg_exec(
        c, &r, "ledger verify: checking the runs' seals",
        "SELECT r.run_id, r.findings_count, r.findings_head, "
        "(SELECT count(*) FROM labaudit.findings f WHERE f.run_id = "
        "r.run_id), coalesce((SELECT f.hash FROM labaudit.findings f WHERE "
        "f.run_id = r.run_id ORDER BY f.seq DESC LIMIT 1), "
        "pg_catalog.repeat('0', 64)), r.recorded_at <= pg_catalog.now() - "
        "labaudit.retention() FROM labaudit.runs r ORDER BY r.seq",
        0, NULL);
    for (int i = 0; rc == LAB_OK && i < PQntuples(r); i++) {
        const char *run = PQgetvalue(r, i, 0);
        if (PQgetisnull(r, i, 1)) {
            unsealed++;
            continue;
        }
        long long want = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        long long got = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        int prunable = strcmp(PQgetvalue(r, i, 5), "t") == 0;
        if (got == 0 && prunable && V->ref[T_FINDINGS].prune_seq > 0)
            continue; /* its findings were pruned with their age */
        if (got != want)
            snprintf(why, sizeof why,
                     "run %.200s was sealed with %lld finding(s) but %lld "
                     "are there: findings were %s after it closed",
                     run, want, got, got > want ? "added" : "removed");
        else if (strcmp(PQgetvalue(r, i, 2), PQgetvalue(r, i, 4)) != 0)
            snprintf(why, sizeof why,
                     "run %.200s: its last finding is not the one it was "
                     "sealed with",
                     run);
        else
            continue;
        table_bad(V, "findings", why);
    }
    PQclear(r);
    r = NULL;
    if (rc == LAB_OK)
        rc = lab_pg_exec(
            c, &r, "ledger verify: looking for findings without a run",
            "SELECT f.run_id, count(*) FROM labaudit.findings f WHERE NOT "
            "EXISTS (SELECT 1 FROM labaudit.runs r WHERE r.run_id = f.run_id) "
            "GROUP BY f.run_id ORDER BY pg_catalog.min(f.seq)",
            0, NULL);
    for (int i = 0; rc == LAB_OK && i < PQntuples(r); i++) {
        snprintf(why, sizeof why,
                 "%s finding(s) of run %.200s belong to no recorded run (its "
                 "row was deleted, or they were added behind the triggers' "
                 "back)",
                 PQgetvalue(r, i, 1), PQgetvalue(r, i, 0));
        table_bad(V, "findings", why);
    }
    PQclear(r);
    if (rc == LAB_OK && unsealed > 0)
        lab_buf_printf(&V->out,
                       "note: %zu run(s) recorded before schema version 2 "
                       "did not seal their findings: findings added to them "
                       "are found only by the chain\n",
                       unsealed);
    return rc;
}

/* Parses an anchor written by lab_ledger_verify_anchored(): a first line
 * "labaudit-ledger-anchor 1", then lines "TABLE SEQ HASH RECORDED-AT"
 * (the head row's recorded_at with 'T' for the blank; "TABLE 0 - -" for
 * an empty table); lines starting with '#' are comments. */
static int parse_anchor(verifier *V, const char *text)
{
    static const char magic[] = "labaudit-ledger-anchor 1\n";
    int line = 1;
    if (strncmp(text, magic, sizeof magic - 1) != 0)
        return lab_seterr(LAB_EPARSE,
                          "ledger anchor:1: expected '%.*s' (not a labaudit "
                          "ledger anchor)",
                          (int)sizeof magic - 2, magic);
    for (const char *p = text + sizeof magic - 1; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char name[32], hash[80], at[40] = "";
        long long seq = -1;
        line++;
        if (len > 0 && p[0] != '#') {
            char buf[160];
            snprintf(buf, sizeof buf, "%.*s", (int)(len < 159 ? len : 159), p);
            size_t ti = NTABLES;
            if (sscanf(buf, "%31s %lld %79s %39s", name, &seq, hash, at) >= 3)
                for (ti = 0; ti < NTABLES; ti++)
                    if (strcmp(name, tables[ti].name) == 0)
                        break;
            int hash_ok = seq == 0 ? strcmp(hash, "-") == 0
                                   : strlen(hash) == 64 &&
                                         strspn(hash, "0123456789abcdef") == 64;
            int at_ok = strcmp(at, "-") == 0 ||
                        strspn(at, "0123456789-:.+T") == strlen(at);
            if (ti == NTABLES || seq < 0 || !hash_ok || !at_ok)
                return lab_seterr(LAB_EPARSE,
                                  "ledger anchor:%d: expected 'TABLE SEQ "
                                  "HASH TIME' with a ledger table, a seq, 64 "
                                  "hex digits and the head's recorded_at",
                                  line);
            V->ref[ti].anchor_seq = seq;
            snprintf(V->ref[ti].anchor_hash, sizeof V->ref[ti].anchor_hash,
                     "%.64s", seq ? hash : "");
            snprintf(V->ref[ti].anchor_at, sizeof V->ref[ti].anchor_at, "%s",
                     seq && strcmp(at, "-") != 0 ? at : "");
        }
        p += len;
        if (*p == '\n')
            p++;
    }
    return LAB_OK;
}

static int write_anchor(const verifier *V, PGconn *c, char **anchor)
{
    PGresult *r = NULL;
    lab_buf b = LAB_BUF_INIT;
    int rc =
        lab_pg_exec(c, &r, "ledger anchor", "SELECT pg_catalog.now()", 0, NULL);
    if (rc != LAB_OK)
        return rc;
    lab_buf_printf(&b,
                   "labaudit-ledger-anchor 1\n"
                   "# the head of each chain of the ledger at %s; keep this "
                   "file apart from the database\n"
                   "# and check the ledger against it (lab_ledger_verify, or "
                   "labaudit ledger verify given this file as its anchor)\n",
                   PQgetvalue(r, 0, 0));
    PQclear(r);
    for (size_t ti = 0; ti < NTABLES; ti++) {
        char at[40];
        snprintf(at, sizeof at, "%s",
                 V->ref[ti].head_at[0] ? V->ref[ti].head_at : "-");
        for (char *p = at; *p != '\0'; p++)
            if (*p == ' ')
                *p = 'T';
        lab_buf_printf(&b, "%s %lld %s %s\n", tables[ti].name,
                       V->ref[ti].head_seq, V->ref[ti].head_hash, at);
    }
    if (b.oom) {
        lab_buf_free(&b);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    return lab_buf_detach(&b, anchor);
}

static int verify_all(verifier *V, PGconn *c, const char *anchor_in,
                      char **anchor_out)
{
    int rc = require_schema(c, "ledger verify");
    /* One snapshot for every table; interval text as the triggers wrote
     * it. */
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger verify",
                         "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
                         NULL);
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger verify",
                         "SET LOCAL IntervalStyle = postgres", 0, NULL);
    if (rc == LAB_OK)
        rc = read_prunes(V, c);
    /* the seals first, so that each table's line counts what they found */
    if (rc == LAB_OK)
        rc = check_seals(V, c);
    for (size_t i = 0; rc == LAB_OK && i < NTABLES; i++)
        rc = verify_table(V, c, i);
    if (rc == LAB_OK && anchor_in == NULL)
        lab_buf_adds(&V->out,
                     "note: no anchor given: rows cut from the end of a "
                     "chain, or a whole table emptied, are found only "
                     "against an anchor kept elsewhere (write one with "
                     "lab_ledger_anchor, then verify with it)\n");
    if (rc == LAB_OK && anchor_out != NULL && V->bad == 0)
        rc = write_anchor(V, c, anchor_out);
    return rc;
}

int lab_ledger_verify_anchored(char **out, size_t *bad, char **anchor_out,
                               const char *conninfo, const char *anchor_in)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    PGconn *c = NULL;
    verifier V = {.content = LAB_BUF_INIT, .out = LAB_BUF_INIT};
    if (out == NULL || bad == NULL || conninfo == NULL)
        return lab_seterr(LAB_EINVAL, "lab_ledger_verify: NULL argument");
    if (anchor_out != NULL)
        *anchor_out = NULL;
    for (size_t i = 0; i < NTABLES; i++)
        V.ref[i].anchor_seq = -1;
    int rc = anchor_in != NULL ? parse_anchor(&V, anchor_in) : LAB_OK;
    if (rc == LAB_OK)
        rc = lab_crypto_libctx(&ctx);
    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    V.sha = EVP_MD_fetch(ctx, "SHA256", NULL);
    V.h = EVP_MD_CTX_new();
    if (V.sha == NULL || V.h == NULL) {
        rc = lab_ossl_fail(&scope, LAB_ECRYPTO, "ledger verify: no SHA-256");
        goto out_free;
    }
    rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK)
        rc = verify_all(&V, c, anchor_in, anchor_out);
    if (rc == LAB_OK)
        lab_buf_printf(&V.out, "%s: %zu problem(s) found\n",
                       V.bad ? "ledger verify FAILED" : "ledger verify ok",
                       V.bad);
    if (rc == LAB_OK && V.out.oom)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK) {
        rc = lab_buf_detach(&V.out, out);
        *bad = V.bad;
    }
    if (rc != LAB_OK && anchor_out != NULL) {
        lab_free(*anchor_out);
        *anchor_out = NULL;
    }
out_free:
    PQfinish(c);
    EVP_MD_CTX_free(V.h);
    EVP_MD_free(V.sha);
    lab_ossl_leave(&scope);
    lab_buf_free(&V.content);
    lab_buf_free(&V.out);
    return rc;
}

int lab_ledger_verify(char **out, size_t *bad, const char *conninfo)
{
    return lab_ledger_verify_anchored(out, bad, NULL, conninfo, NULL);
}

/* ---- showing ---- */

/* Appends each row of the query's result as one line, its columns
 * separated by two blanks (or, with `vertical`, one column per line). */
static int show_rows(lab_buf *b, PGconn *c, const char *what, const char *sql,
                     int nparams, const char *const *params, int vertical)
{
    PGresult *r = NULL;
    int rc = lab_pg_exec(c, &r, what, sql, nparams, params);
    if (rc != LAB_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        for (int j = 0; j < PQnfields(r); j++)
            lab_buf_printf(b, "%s%s", j ? (vertical ? "\n" : "  ") : "",
                           PQgetisnull(r, i, j) ? "-" : PQgetvalue(r, i, j));
        lab_buf_addc(b, '\n');
    }
    PQclear(r);
    return LAB_OK;
}

/* The runs, or one run with its findings, as one JSON document the
 * server builds (labaudit.ledger-runs/1, labaudit.ledger-run/1). */
static const char show_runs_json[] =
    "SELECT json_build_object('format', 'labaudit.ledger-runs/1', 'runs', "
    "coalesce(json_agg(json_build_object('seq', seq, 'run_id', run_id, "
    "'recorded_at', recorded_at, 'db_user', db_user, 'application', "
    "application, 'labaudit', labaudit_version, 'as_of', as_of, "
    "'findings', (summary->>'findings')::bigint, 'worst', summary->>'worst', "
    "'hash', hash) ORDER BY seq), '[]'::json))::text FROM labaudit.runs";
static const char show_run_json[] =
    "SELECT json_build_object('format', 'labaudit.ledger-run/1', 'seq', seq, "
    "'run_id', run_id, 'recorded_at', recorded_at, 'db_user', db_user, "
    "'application', application, 'labaudit', labaudit_version, 'as_of', "
    "as_of, 'dataset_sha256', dataset_sha256, 'packs', packs, 'summary', "
    "summary, 'hash', hash, 'findings', (SELECT coalesce(json_agg("
    "json_build_object('n', f.n, 'severity', f.severity, 'rule', f.rule_id, "
    "'pack', f.pack_id, 'subject', f.subject, 'subject_id', f.subject_id, "
    "'message', f.message) ORDER BY f.n), '[]'::json) FROM labaudit.findings "
    "f WHERE f.run_id = r.run_id))::text FROM labaudit.runs r "
    "WHERE r.run_id = $1";

static int show_json(lab_buf *b, PGconn *c, const char *run_id)
{
    PGresult *r = NULL;
    const char *params[1] = {run_id};
    int rc = lab_pg_exec(c, &r, "ledger show: reading the ledger",
                         run_id ? show_run_json : show_runs_json,
                         run_id ? 1 : 0, run_id ? params : NULL);
    if (rc != LAB_OK)
        return rc;
    if (PQntuples(r) == 0)
        rc = lab_seterr(LAB_ENOTFOUND, "ledger show: no run '%s'", run_id);
    else
        lab_buf_printf(b, "%s\n", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

int lab_ledger_show(char **out, const char *conninfo, const char *run_id)
{
    return lab_ledger_show_format(out, conninfo, run_id, LAB_FORMAT_TEXT);
}

int lab_ledger_show_format(char **out, const char *conninfo, const char *run_id,
                           lab_format format)
{
    PGconn *c = NULL;
    lab_buf b = LAB_BUF_INIT;
    if (out == NULL || conninfo == NULL)
        return lab_seterr(LAB_EINVAL, "lab_ledger_show: NULL argument");
    if (format != LAB_FORMAT_TEXT && format != LAB_FORMAT_JSON)
        return lab_seterr(LAB_EINVAL,
                          "lab_ledger_show: format %d (expected text or "
                          "JSON)",
                          (int)format);
    int rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK && format == LAB_FORMAT_JSON) {
        rc = require_schema(c, "ledger show");
        if (rc == LAB_OK)
            rc = show_json(&b, c, run_id);
    } else if (rc == LAB_OK && run_id == NULL) {
        lab_buf_adds(&b, "seq  run  recorded at (UTC)  by  findings  worst  "
                         "hash\n");
        rc = show_rows(&b, c, "ledger show: reading the runs",
                       "SELECT seq, run_id, recorded_at, db_user || "
                       "CASE WHEN application <> '' THEN '/' || application "
                       "ELSE '' END, summary->>'findings', "
                       "coalesce(summary->>'worst', 'none'), hash "
                       "FROM labaudit.runs ORDER BY seq",
                       0, NULL, 0);
    } else if (rc == LAB_OK) {
        const char *params[1] = {run_id};
        rc = show_rows(&b, c, "ledger show: reading the run",
                       "SELECT 'run ' || run_id, 'recorded ' || recorded_at, "
                       "'by ' || db_user || '/' || application, "
                       "'labaudit ' || labaudit_version, "
                       "'as of ' || coalesce(as_of, '-'), "
                       "'dataset sha256:' || coalesce(dataset_sha256, '-'), "
                       "'packs ' || packs::text, 'summary ' || summary::text, "
                       "'hash ' || hash FROM labaudit.runs WHERE run_id = $1",
                       1, params, 1);
        if (rc == LAB_OK && b.len == 0)
            rc = lab_seterr(LAB_ENOTFOUND, "ledger show: no run '%s'", run_id);
        if (rc == LAB_OK)
            rc = show_rows(&b, c, "ledger show: reading the findings",
                           "SELECT n, severity, rule_id, subject || ' ' || "
                           "subject_id, message FROM labaudit.findings "
                           "WHERE run_id = $1 ORDER BY n",
                           1, params, 0);
    }
    PQfinish(c);
    if (rc == LAB_OK)
        rc = b.oom ? lab_seterr(LAB_ENOMEM, "out of memory")
                   : lab_buf_detach(&b, out);
    lab_buf_free(&b);
    return rc;
}
