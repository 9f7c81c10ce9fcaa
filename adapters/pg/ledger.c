/*
 * ledger.c - the tamper-evident ledger in PostgreSQL.  lab_ledger_init()
 * applies the migrations of ledger.sql (compiled in) in one transaction
 * under an advisory lock, so running it twice, or from two machines at
 * once, changes nothing the second time.  lab_ledger_record_run() writes a
 * run and all its findings in one READ COMMITTED transaction (the
 * database chains each row under its own lock); a run id already present
 * makes it a no-op, and a failure anywhere leaves nothing behind.
 * lab_ledger_verify() reads every ledger table in chain order and
 * recomputes each row's SHA-256 on this side from the column values as
 * text, with the library's own OpenSSL context, naming the first row
 * whose stored hash, predecessor or sequence does not match; a row edited
 * by a superuser with the triggers disabled is found this way.
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

/* SHA-256 of the dataset's records: for each kind, each record, each
 * field that is set, "name=JSON\n"; a blank line ends a record and
 * "#kind\n" starts a kind. */
static int dataset_digest(char out[65], const lab_dataset *ds)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    unsigned char md[32];
    lab_buf b = LAB_BUF_INIT;
    int rc = lab_crypto_libctx(&ctx);
    if (rc != LAB_OK)
        return rc;
    lab_ossl_enter(&scope);
    EVP_MD *sha = EVP_MD_fetch(ctx, "SHA256", NULL);
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int ok = sha != NULL && h != NULL && EVP_DigestInit_ex(h, sha, NULL);
    for (int k = 0; ok && k < LAB_TABLE_COUNT; k++) {
        const lab_table *t = &ds->tables[k];
        const lab_entity *e = t->entity;
        b.len = 0;
        lab_buf_printf(&b, "#%s\n", e->name);
        ok = !b.oom && EVP_DigestUpdate(h, b.data, b.len);
        for (size_t row = 0; ok && row < t->n; row++) {
            const void *rec = lab_table_row(t, row);
            b.len = 0;
            for (size_t i = 0; i < e->nfields; i++) {
                lab_val v = lab_field_get(&e->fields[i], rec);
                if (v.t == LAB_V_NULL)
                    continue;
                lab_buf_printf(&b, "%s=", e->fields[i].name);
                lab_val_to_json(&b, &v);
                lab_buf_addc(&b, '\n');
            }
            lab_buf_addc(&b, '\n');
            ok = !b.oom && EVP_DigestUpdate(h, b.data, b.len);
        }
    }
    ok = ok && EVP_DigestFinal_ex(h, md, NULL);
    if (!ok)
        rc = b.oom
                 ? lab_seterr(LAB_ENOMEM, "out of memory")
                 : lab_ossl_fail(&scope, LAB_ECRYPTO, "dataset digest failed");
    EVP_MD_CTX_free(h);
    EVP_MD_free(sha);
    lab_ossl_leave(&scope);
    lab_buf_free(&b);
    for (int i = 0; rc == LAB_OK && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return rc;
}

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
        "suppliers", "links",          "audits", "documents",
        "products",  "noncompliances", "lots",   "lot_inputs"};
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

static int insert_run(PGconn *c, const lab_report *rep, const char *run_id,
                      const char *digest, int *inserted)
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
        "$4::jsonb, $5, $6::jsonb, $7::jsonb, $8::jsonb) "
        "ON CONFLICT (run_id) DO NOTHING RETURNING seq",
        8, params);
    if (rc == LAB_OK)
        *inserted = PQntuples(r) == 1;
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
    rc = ds != NULL ? dataset_digest(digest, ds) : LAB_OK;
    if (rc == LAB_OK)
        rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger: starting the run's transaction",
                         "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL);
    if (rc == LAB_OK)
        rc = insert_run(c, report, run_id, ds != NULL ? digest : NULL,
                        &inserted);
    if (rc == LAB_OK && inserted)
        rc = insert_findings(c, report, run_id);
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
} ledger_table;

static const ledger_table tables[] = {
    {"runs",
     "seq, run_id, recorded_at, db_user, application, labaudit_version, "
     "as_of, packs, dataset_sha256, records, summary, products",
     "run_id"},
    {"findings",
     "seq, run_id, n, rule_id, pack_id, severity, subject, subject_id, "
     "message, evidence, recorded_at, db_user",
     "run_id, n"},
    {"waivers",
     "seq, waiver_id, rule_id, subject_id, reason, granted_by, valid_from, "
     "valid_until, recorded_at, db_user",
     "waiver_id"},
    {"certificates",
     "seq, serial, status, token, status_list, status_index, reason, "
     "recorded_at, db_user",
     "serial, status"},
    {"status_lists",
     "seq, list_id, purpose, length, credential, recorded_at, db_user",
     "list_id"},
};

typedef struct verifier {
    EVP_MD *sha;
    EVP_MD_CTX *h;
    lab_buf content;
    lab_buf out; /* the account */
    size_t bad;
    /* per table */
    long long last_seq;
    char last_hash[65];
    size_t rows;
    int table_bad;
} verifier;

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

static int hash_row(verifier *V, const PGresult *r, int ncols, char hex[65])
{
    unsigned char md[32];
    lab_buf *b = &V->content;
    b->len = 0;
    lab_buf_add(b, PQgetvalue(r, 0, ncols - 2),
                (size_t)PQgetlength(r, 0, ncols - 2));
    lab_buf_addc(b, '\n');
    for (int i = 0; i < ncols - 2; i++) {
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

static int check_row(verifier *V, const ledger_table *t, const PGresult *r)
{
    int ncols = PQnfields(r);
    long long seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    const char *prev = PQgetvalue(r, 0, ncols - 2);
    const char *hash = PQgetvalue(r, 0, ncols - 1);
    char hex[65], why[200];
    static const char zeros[] =
        "0000000000000000000000000000000000000000000000000000000000000000";

    if (V->rows == 0 && seq != 1) {
        lab_buf_printf(&V->out,
                       "note: labaudit.%s starts at seq %lld: rows 1 to %lld "
                       "were deleted (allowed after the retention period); "
                       "the chain is checked from there\n",
                       t->name, seq, seq - 1);
    } else if (V->rows == 0 && strcmp(prev, zeros) != 0) {
        mismatch(V, t, r, seq, "the first row's prev_hash is not 64 zeros");
    } else if (V->rows > 0 && seq != V->last_seq + 1) {
        snprintf(why, sizeof why,
                 "rows seq %lld to %lld are missing (deleted behind the "
                 "triggers' back)",
                 V->last_seq + 1, seq - 1);
        mismatch(V, t, r, seq, why);
    } else if (V->rows > 0 && strcmp(prev, V->last_hash) != 0) {
        mismatch(V, t, r, seq,
                 "prev_hash does not match the previous row's hash");
    }
    int rc = hash_row(V, r, ncols, hex);
    if (rc != LAB_OK)
        return rc;
    if (strlen(hash) != 64 || CRYPTO_memcmp(hex, hash, 64) != 0)
        mismatch(V, t, r, seq,
                 "its content does not match its hash (changed after it was "
                 "written)");
    V->rows++;
    V->last_seq = seq;
    snprintf(V->last_hash, sizeof V->last_hash, "%s", hash);
    return LAB_OK;
}

static int verify_table(verifier *V, PGconn *c, const ledger_table *t)
{
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
            rc = check_row(V, t, r);
        else if (rc == LAB_OK && st != PGRES_TUPLES_OK)
            rc = lab_pg_fail(c, r, what);
        PQclear(r);
    }
    if (rc == LAB_OK)
        lab_buf_printf(&V->out, "%-8s labaudit.%s: %zu rows%s%s%s\n",
                       V->table_bad ? "BAD" : "ok", t->name, V->rows,
                       V->rows ? ", head " : "", V->rows ? V->last_hash : "",
                       V->table_bad ? " (chain broken)" : "");
    return rc;
}

int lab_ledger_verify(char **out, size_t *bad, const char *conninfo)
{
    OSSL_LIB_CTX *ctx = NULL;
    lab_ossl_scope scope;
    PGconn *c = NULL;
    verifier V = {.content = LAB_BUF_INIT, .out = LAB_BUF_INIT};
    if (out == NULL || bad == NULL || conninfo == NULL)
        return lab_seterr(LAB_EINVAL, "lab_ledger_verify: NULL argument");
    int rc = lab_crypto_libctx(&ctx);
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
    /* One snapshot for every table. */
    if (rc == LAB_OK)
        rc = lab_pg_exec(c, NULL, "ledger verify",
                         "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
                         NULL);
    for (size_t i = 0; rc == LAB_OK && i < LAB_ARRAY_LEN(tables); i++)
        rc = verify_table(&V, c, &tables[i]);
    if (rc == LAB_OK)
        lab_buf_printf(&V.out, "%s: %zu row(s) do not match\n",
                       V.bad ? "ledger verify FAILED" : "ledger verify ok",
                       V.bad);
    if (rc == LAB_OK && V.out.oom)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
    if (rc == LAB_OK) {
        rc = lab_buf_detach(&V.out, out);
        *bad = V.bad;
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

int lab_ledger_show(char **out, const char *conninfo, const char *run_id)
{
    PGconn *c = NULL;
    lab_buf b = LAB_BUF_INIT;
    if (out == NULL || conninfo == NULL)
        return lab_seterr(LAB_EINVAL, "lab_ledger_show: NULL argument");
    int rc = lab_pg_connect(&c, conninfo, NULL);
    if (rc == LAB_OK && run_id == NULL) {
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
