/*
 * labaudit.h - the public API of liblabaudit, a supply-chain labour audit
 * library.  A host (an ERP, a procurement system, the `labaudit` command)
 * compiles rule packs into an engine, loads supplier records into a
 * dataset, runs a check and reads the findings from a report.
 *
 * Conventions (they hold for every call below):
 * - Functions that can fail return int: LAB_OK (0) or a negative lab_error.
 *   On failure lab_errmsg() gives a one-line message for this thread saying
 *   what failed, where (file:line:col when input is at fault) and what was
 *   expected.  Output parameters come first and are written only on success.
 * - Objects are opaque handles made by *_new and released by *_free;
 *   every *_free accepts NULL.  Strings and buffers the library returns
 *   through `char **out` belong to the caller and are released with
 *   lab_free().  `const char *` results are borrowed from the handle they
 *   came from and live as long as it does.
 * - Thread safety: a lab_engine is immutable once made and may be shared
 *   by any number of threads.  A lab_dataset or lab_report is used by one
 *   thread at a time (different threads may use different ones freely).
 *   lab_errmsg() is per thread.
 * - The library never prints, exits or aborts, and leaves the host's global
 *   library state (OpenSSL, libxml2, libcurl) alone.
 * - Constants are enums; versions are functions, so that hosts using FFI
 *   need no macros.  Option structs start with a version field; initialise
 *   them with the *_INIT macro or the *_init() function.
 */
#ifndef LABAUDIT_H
#define LABAUDIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(LAB_BUILDING_LIBRARY)
#define LAB_EXTERN(type) __declspec(dllexport) type
#elif defined(__GNUC__) && defined(LAB_BUILDING_LIBRARY)
#define LAB_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define LAB_EXTERN(type) extern type
#endif

/** The ABI major this header describes; see lab_plugin_get_api(). */
enum { LAB_ABI_MAJOR = 1 };

/**
 * Error codes.  Append only: a code is never renumbered or removed, so a
 * host may store them.  Every code has a text in lab_strerror().
 */
typedef enum lab_error {
    LAB_OK = 0,
    LAB_ENOMEM = -1,        /**< out of memory */
    LAB_EINVAL = -2,        /**< invalid argument from the caller */
    LAB_EIO = -3,           /**< a file could not be read or written */
    LAB_EPARSE = -4,        /**< malformed input (CSV, XML, JSON, condition) */
    LAB_ESCHEMA = -5,       /**< well-formed input that breaks the schema */
    LAB_ENOTFOUND = -6,     /**< a named item does not exist */
    LAB_EVERSION = -7,      /**< unsupported struct, file or ABI version */
    LAB_ELIMIT = -8,        /**< a size, depth or count limit was exceeded */
    LAB_EDUPLICATE = -9,    /**< an id was defined twice */
    LAB_ECRYPTO = -10,      /**< a cryptographic operation failed */
    LAB_EDB = -11,          /**< the database failed */
    LAB_ENET = -12,         /**< a network transfer failed */
    LAB_EUNSUPPORTED = -13, /**< not built in or not supported */
    LAB_ETEST = -14,        /**< a rule-pack test case failed */
    LAB_EBLOCKED = -15      /**< refused: a blocking finding is open */
} lab_error;

/** Finding severities, ordered: a higher value is worse. */
typedef enum lab_severity {
    LAB_SEV_INFO = 0,
    LAB_SEV_MINOR = 1,
    LAB_SEV_MAJOR = 2,
    LAB_SEV_BLOCKER = 3
} lab_severity;

/** What a rule looks at, and what a finding is about. */
typedef enum lab_subject {
    LAB_SUBJECT_SUPPLIER = 0,
    LAB_SUBJECT_LINK = 1,
    LAB_SUBJECT_AUDIT = 2,
    LAB_SUBJECT_CHAIN = 3, /**< a product and everything upstream of it */
    LAB_SUBJECT_NONCOMPLIANCE = 4 /**< one non-compliance an audit raised */
} lab_subject;

/** Kinds of record a dataset holds. */
typedef enum lab_record_kind {
    LAB_RECORD_SUPPLIER = 0,
    LAB_RECORD_LINK = 1,
    LAB_RECORD_AUDIT = 2,
    LAB_RECORD_DOCUMENT = 3,
    LAB_RECORD_PRODUCT = 4,
    LAB_RECORD_NONCOMPLIANCE = 5, /**< noncompliances.csv, or in a report */
    LAB_RECORD_LOT = 6,           /**< lots.csv: a lot and its custody */
    LAB_RECORD_LOT_INPUT = 7,     /**< lot_inputs.csv: a lot made from a lot */
    LAB_RECORD_OWNERSHIP = 8      /**< ownership.csv: a share one owner holds */
} lab_record_kind;

typedef struct lab_engine lab_engine;   /**< compiled rule packs */
typedef struct lab_dataset lab_dataset; /**< records and their graph */
typedef struct lab_report lab_report;   /**< the result of one check */
typedef struct lab_finding lab_finding; /**< one rule firing on one subject */

/* ---------------------------------------------------------------- */
/* Versions, errors, memory                                          */

/** The library version as text, e.g. "0.1.0". */
LAB_EXTERN(const char *) lab_version(void);
/** The library version as a number: major*10000 + minor*100 + patch. */
LAB_EXTERN(int) lab_version_number(void);
/** The ABI major the library implements (LAB_ABI_MAJOR when built). */
LAB_EXTERN(int) lab_abi_version(void);

/** The message of the last failure on this thread ("" if none). */
LAB_EXTERN(const char *) lab_errmsg(void);
/** A short fixed text for an error code; never NULL. */
LAB_EXTERN(const char *) lab_strerror(int code);
/** Releases memory the library returned through a `char **out`. */
LAB_EXTERN(void) lab_free(void *ptr);
/** Name of a severity ("blocker", ...), or NULL if out of range. */
LAB_EXTERN(const char *) lab_severity_name(int severity);
/** Parses "info", "minor", "major" or "blocker"; -1 if unknown. */
LAB_EXTERN(int) lab_severity_parse(const char *name);
/** Name of a rule subject ("supplier", "link", "audit", "chain",
 * "noncompliance"), or NULL if out of range. */
LAB_EXTERN(const char *) lab_subject_name(int subject);

/* ---------------------------------------------------------------- */
/* Engine: compiled rule packs                                       */

enum { LAB_ENGINE_OPTIONS_VERSION = 1 };

/** Options for lab_engine_new(). */
typedef struct lab_engine_options {
    unsigned version;         /**< LAB_ENGINE_OPTIONS_VERSION */
    const char *const *packs; /**< rule-pack files or folders of *.xml */
    size_t npacks;            /**< entries in packs */
    const char *const *lists; /**< reference lists: CSV files or folders */
    size_t nlists;            /**< entries in lists */
} lab_engine_options;

/* clang-format off */
#define LAB_ENGINE_OPTIONS_INIT {LAB_ENGINE_OPTIONS_VERSION, NULL, 0, NULL, 0}
/* clang-format on */

/** Fills *opts with defaults for the given struct version. */
LAB_EXTERN(int)
lab_engine_options_init(lab_engine_options *opts, unsigned version);

/**
 * Loads, validates, type-checks and compiles every rule pack named in
 * opts.  Errors in a pack name its file:line:col.  On success *out is an
 * immutable engine that any number of threads may share; free it with
 * lab_engine_free() once no thread uses it.
 */
LAB_EXTERN(int)
lab_engine_new(lab_engine **out, const lab_engine_options *opts);
LAB_EXTERN(void) lab_engine_free(lab_engine *engine);

/** Number of packs and rules compiled into the engine. */
LAB_EXTERN(size_t) lab_engine_pack_count(const lab_engine *engine);
LAB_EXTERN(size_t) lab_engine_rule_count(const lab_engine *engine);

/**
 * Describes pack i: its id, version and the SHA-256 (hex) of the file as
 * loaded.  Pointers are borrowed from the engine.  LAB_ENOTFOUND if i is
 * out of range.
 */
LAB_EXTERN(int)
lab_engine_pack_info(const lab_engine *engine, size_t i, const char **id,
                     const char **version, const char **sha256);

/**
 * Describes reference list i: its id (file name), kind ("entities",
 * "regions" or "reference"), version and SHA-256 (hex).  Borrowed from the
 * engine.  LAB_ENOTFOUND if i is out of range.
 */
LAB_EXTERN(size_t) lab_engine_list_count(const lab_engine *engine);
LAB_EXTERN(int)
lab_engine_list_info(const lab_engine *engine, size_t i, const char **id,
                     const char **kind, const char **version,
                     const char **sha256);

/**
 * Writes every pack, rule and test as JSON to *out (free with lab_free),
 * {"format": "labaudit.packs/1", "packs": [...]}.  With `jsonlogic`
 * non-zero, each condition is given as JsonLogic and no pack's local path
 * is written (the form `rules export --jsonlogic` shares); otherwise in
 * the infix condition language, with each pack's path.
 */
LAB_EXTERN(int)
lab_engine_describe(char **out, const lab_engine *engine, int jsonlogic);

/**
 * Runs every rule's own test cases.  *out receives a human-readable
 * account, one line per case (free with lab_free); *failed the number of
 * failed cases plus the number of rules that lack a case that must fire
 * or one that must not.  Returns LAB_OK when the tests ran, whatever
 * their outcome.
 */
LAB_EXTERN(int)
lab_engine_test(char **out, size_t *failed, const lab_engine *engine);
/**
 * lab_engine_test(), and with `explain` non-zero, under each failed case,
 * why: every sub-expression of the rule's condition (in the infix
 * language) with the value it had in the case, indented by depth, down
 * to the fields it read (`rules test -v`).
 */
LAB_EXTERN(int)
lab_engine_test_explain(char **out, size_t *failed, const lab_engine *engine,
                        int explain);

/**
 * Lints the packs: one "warning: FILE:LINE: ..." line per rule whose
 * condition lets an unknown (null) value pass on a fact that a pack
 * requires (<require>): with that field unknown, one of its "must fire"
 * test cases no longer fires.  A purchase check then passes on the
 * unknown and only a certificate is refused.  *warnings gets the count.
 * Free *out with lab_free().
 */
LAB_EXTERN(int)
lab_engine_lint(char **out, size_t *warnings, const lab_engine *engine);

/* ---------------------------------------------------------------- */
/* Dataset: suppliers, links, audits, documents, products            */

/** Makes an empty dataset.  Free it with lab_dataset_free(). */
LAB_EXTERN(int) lab_dataset_new(lab_dataset **out);
LAB_EXTERN(void) lab_dataset_free(lab_dataset *ds);

/**
 * A progress callback: called now and then, from the thread doing the
 * work, with how much is done and the total (0 when it is not known).  A
 * load counts bytes read (rows for a database), a check records
 * evaluated.  It must not call back into the library with the same
 * dataset.
 */
typedef void (*lab_progress_fn)(void *ud, size_t done, size_t total);

/**
 * Makes the loads into `ds` report progress to `fn` (NULL: none):
 * lab_dataset_load() gives the bytes read of the bytes its folder's files
 * hold, and ends with done == total; a database load gives the rows read,
 * with total 0.
 */
LAB_EXTERN(void)
lab_dataset_set_progress(lab_dataset *ds, lab_progress_fn fn, void *ud);

/**
 * Loads records from `source` into the dataset.  A folder is read as CSV
 * files (suppliers.csv, links.csv, audits.csv required; documents.csv and
 * products.csv optional), then its events/ folder of EPCIS documents if
 * there is one (lab_dataset_load_epcis()).  Nothing is added if any
 * record is bad: the error names file:line:col (file: /JSON pointer for
 * events) and what was expected.
 */
LAB_EXTERN(int) lab_dataset_load(lab_dataset *ds, const char *source);

/**
 * Loads records from a PostgreSQL database.  `conninfo` is any libpq
 * connection string or postgresql:// URI (use sslmode=verify-full across
 * a network).  `mapping` names an INI file giving the schema to pin in
 * search_path and one SQL query per record kind whose result columns are
 * named as fields (see examples/sql/mapping.ini); NULL uses the built-in
 * mapping of labaudit's reference schema.  Rows stream (bounded memory)
 * from one read-only snapshot.  All or nothing, like lab_dataset_load();
 * errors name MAPPING:KIND:ROW:COLUMN.  LAB_EDB when the database fails,
 * LAB_EUNSUPPORTED when built without PostgreSQL.
 */
LAB_EXTERN(int)
lab_dataset_load_pg(lab_dataset *ds, const char *conninfo, const char *mapping);

/**
 * Loads GS1 EPCIS 2.0 traceability events (JSON or JSON-LD) from `path`:
 * one EPCISDocument or EPCISQueryDocument, or a folder of *.json and
 * *.jsonld files read in byte order of their names.  lab_dataset_load()
 * reads a dataset folder's events/ this way after its CSV files.
 * Commissioning object events make lots, transformation events make the
 * lots they output and a lot input per input, shipping and receiving
 * events make links naming the lot.  Locations (SGLN, PGLN, Digital Link
 * 414/417) resolve to the supplier with that gln, else with that id, so
 * load the suppliers first; an event at an unknown place is skipped with
 * a warning.  All or nothing; errors name the file and the JSON pointer
 * of the bad value.  Each event may be up to 8 MiB; the file streams.
 * LAB_EUNSUPPORTED when built without the EPCIS adapter.
 */
LAB_EXTERN(int) lab_dataset_load_epcis(lab_dataset *ds, const char *path);

/**
 * Adds one record given as field names and text values, the same way the
 * CSV adapter does: each value is parsed and validated for its field's
 * type (dates, countries, OS IDs, numbers...).  `origin` names where the
 * record came from for error messages (may be NULL).  Unknown field names
 * are an error here (the CSV adapter only warns about unknown columns).
 */
LAB_EXTERN(int)
lab_dataset_add(lab_dataset *ds, lab_record_kind kind, const char *const *names,
                const char *const *values, size_t n, const char *origin);

/** Number of records of one kind. */
LAB_EXTERN(size_t)
lab_dataset_count(const lab_dataset *ds, lab_record_kind kind);

/** Warnings collected while loading (unknown columns, ...). */
LAB_EXTERN(size_t) lab_dataset_warning_count(const lab_dataset *ds);
LAB_EXTERN(const char *) lab_dataset_warning(const lab_dataset *ds, size_t i);

/* ---------------------------------------------------------------- */
/* Check and report                                                  */

/* Version 2 added max_steps; version 1 structs are still accepted. */
enum { LAB_CHECK_OPTIONS_VERSION = 2 };

/** The work budget of a check when max_steps is 0: evaluation steps
 *  (condition nodes evaluated, values walked) over all rules and records,
 *  2^32.  The shipped packs take about 400 per supplier (40M on 100k
 *  suppliers with their links and audits), so ten times what 1M
 *  suppliers need; a check of hostile conditions stops within about 40 s
 *  of evaluation. */
#define LAB_CHECK_MAX_STEPS_DEFAULT ((uint64_t)1 << 32)

/** Options for lab_check(). */
typedef struct lab_check_options {
    unsigned version;     /**< LAB_CHECK_OPTIONS_VERSION */
    const char *as_of;    /**< evaluation date YYYY-MM-DD; NULL = today (UTC) */
    const char *product;  /**< only this product's chain; NULL = everything */
    const char *supplier; /**< only this supplier and its chain; NULL = all */
    lab_progress_fn progress; /**< may be NULL */
    void *progress_ud;        /**< passed to progress */
    /** Waiver file (CSV: rule, subject_id, approver, justification,
     *  expires), or NULL.  A waived finding stays in the report, marked,
     *  and no longer counts against --fail-on or a product's verdict. */
    const char *waivers;
    /** Folder the documents' `uri`s are relative to, or NULL.  Given, every
     *  document's file is hashed and compared with its `sha256`: the
     *  counts feed audit.evidence_missing / audit.evidence_changed (and
     *  the supplier's) for the record-retention rules. */
    const char *evidence_dir;
    /** Version 2: the check's work budget, in evaluation steps over all
     *  rules and records; 0 = LAB_CHECK_MAX_STEPS_DEFAULT.  A check that
     *  exhausts it fails with LAB_ELIMIT naming the rule being evaluated.
     *  (Each evaluation also stops at 2^25 steps.) */
    uint64_t max_steps;
} lab_check_options;

/* clang-format off */
#define LAB_CHECK_OPTIONS_INIT                                                \
    {LAB_CHECK_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0}
/* clang-format on */

LAB_EXTERN(int)
lab_check_options_init(lab_check_options *opts, unsigned version);

/**
 * Evaluates every rule of the engine on the dataset and writes the
 * findings to a new report.  The report borrows rule texts from the engine
 * and ids from the dataset: keep both alive, and the dataset unchanged,
 * for as long as the report is used.  The dataset's derived chain facts are
 * computed on first use and kept, so the dataset must not be used by
 * another thread meanwhile; the engine may be.  Free with
 * lab_report_free().
 */
LAB_EXTERN(int)
lab_check(lab_report **out, const lab_engine *engine, lab_dataset *ds,
          const lab_check_options *opts);
LAB_EXTERN(void) lab_report_free(lab_report *report);

/**
 * Instead of evaluating, writes what every rule would see: one JSON
 * document per line, {"subject": "audit", "id": "A1", "scope":
 * {"audit": {...}, "supplier": {...}, "chain": {...}}}, with every stored
 * and computed field.  Evaluating a pack's exported JsonLogic
 * (lab_engine_describe with jsonlogic) on each "scope" with any JsonLogic
 * library gives the same verdicts as lab_check.  Free with lab_free().
 */
LAB_EXTERN(int)
lab_check_scopes(char **out, const lab_engine *engine, lab_dataset *ds,
                 const lab_check_options *opts);

/** Findings, in a deterministic order (subject kind, subject id, rule). */
LAB_EXTERN(size_t) lab_report_finding_count(const lab_report *report);
LAB_EXTERN(const lab_finding *)
lab_report_finding(const lab_report *report, size_t i);
/** The worst severity of any finding not waived, or -1 when none. */
LAB_EXTERN(int) lab_report_worst(const lab_report *report);
/** Warnings of the check (expired or unmatched waivers, ...). */
LAB_EXTERN(size_t) lab_report_warning_count(const lab_report *report);
LAB_EXTERN(const char *) lab_report_warning(const lab_report *report, size_t i);
/** Non-zero if a waiver accepts the finding; then *approver,
 *  *justification and *expires (YYYY-MM-DD) describe it (any may be
 *  NULL). */
LAB_EXTERN(int)
lab_finding_waiver(const lab_finding *f, const char **approver,
                   const char **justification, const char **expires);
/** Number of findings at or above `severity` that no waiver accepts. */
LAB_EXTERN(size_t)
lab_report_count_at_least(const lab_report *report, lab_severity severity);

/**
 * Findings that the facilities' history took out of play, in the same
 * order: those on an audit a newer full audit superseded, and those whose
 * non-compliances were all corrected and verified.  They never count in
 * a verdict; lab_finding_history() says why each is history.
 */
LAB_EXTERN(size_t) lab_report_history_count(const lab_report *report);
LAB_EXTERN(const lab_finding *)
lab_report_history(const lab_report *report, size_t i);
/** How a facility's history changed a finding ("superseded by AUD-7,
 *  the full audit of 2026-09-12", "corrected: NC-3 verified by AUD-8",
 *  "... closed, not yet verified: at most major"), or NULL. */
LAB_EXTERN(const char *) lab_finding_history(const lab_finding *f);

/**
 * Unknown is not compliant: facts a rule pack requires (<require>) that
 * a facility's current audits leave unknown.  lab_report_unknown() gives
 * the i-th one's supplier id, field ("audit.documents_held_by_employer")
 * and the id of the pack requiring it (any pointer may be NULL).
 */
LAB_EXTERN(size_t) lab_report_unknown_count(const lab_report *report);
LAB_EXTERN(int)
lab_report_unknown(const lab_report *report, size_t i, const char **supplier_id,
                   const char **field, const char **pack_id);
/** Required facts unknown in the chain of product i (as numbered by
 *  lab_report_product()); a certificate is refused while any is. */
LAB_EXTERN(size_t)
lab_report_product_unknowns(const lab_report *report, size_t i);

/** Products checked, with the worst severity found in each one's chain. */
LAB_EXTERN(size_t) lab_report_product_count(const lab_report *report);
LAB_EXTERN(int)
lab_report_product(const lab_report *report, size_t i, const char **id,
                   int *worst);
/** The lot verdict i judges, when the product is judged per lot (the
 *  dataset has lot records the product names: one verdict per lot), and
 *  the weakest chain-of-custody model on that lot's chain; both NULL for a
 *  verdict on the chain of whole suppliers.  Any pointer may be NULL. */
LAB_EXTERN(int)
lab_report_product_lot(const lab_report *report, size_t i, const char **lot,
                       const char **custody);

/** Accessors of a finding; strings are borrowed from the report. */
LAB_EXTERN(const char *) lab_finding_rule_id(const lab_finding *f);
LAB_EXTERN(const char *) lab_finding_pack_id(const lab_finding *f);
LAB_EXTERN(lab_subject) lab_finding_subject(const lab_finding *f);
LAB_EXTERN(const char *) lab_finding_subject_id(const lab_finding *f);
LAB_EXTERN(lab_severity) lab_finding_severity(const lab_finding *f);
LAB_EXTERN(const char *) lab_finding_title(const lab_finding *f);
LAB_EXTERN(const char *) lab_finding_message(const lab_finding *f);
LAB_EXTERN(const char *) lab_finding_basis(const lab_finding *f);
LAB_EXTERN(const char *) lab_finding_remediation(const lab_finding *f);
/** The evidence: the fields the condition read and their values. */
LAB_EXTERN(size_t) lab_finding_evidence_count(const lab_finding *f);
LAB_EXTERN(int)
lab_finding_evidence(const lab_finding *f, size_t i, const char **field,
                     const char **value_json);

/** Output formats for lab_report_render(). */
typedef enum lab_format {
    LAB_FORMAT_TEXT = 0,
    LAB_FORMAT_JSON = 1,
    LAB_FORMAT_HTML = 2, /**< one self-contained page: summary, the chain
                              drawn by tier (SVG), the findings table */
    LAB_FORMAT_JUNIT = 3 /**< JUnit XML: a failing testcase per finding,
                              one testcase per product */
} lab_format;

/** Renders the whole report; free *out with lab_free(). */
LAB_EXTERN(int)
lab_report_render(char **out, const lab_report *report, lab_format format);

/**
 * Where lab_report_write() puts the text: called with pieces of about
 * 1 MiB, in order.  Return 0 to go on; a negative LAB_E* code (as
 * lab_file_put() returns, with its message) stops the rendering and is
 * returned as it is; any other value stops it with LAB_EIO.
 */
typedef int (*lab_write_fn)(void *ud, const void *data, size_t len);

/**
 * Renders the report as lab_report_render() does, byte for byte, but
 * hands the text to `write` as it is made, so that memory does not grow
 * with the report (a text report of 400,000 findings is over 500 MB).
 * With lab_file_open() and lab_file_put() as the writer, a failure leaves
 * no half-written file.
 */
LAB_EXTERN(int)
lab_report_write(const lab_report *report, lab_format format,
                 lab_write_fn write, void *ud);

/**
 * Compares two editions of the reference lists (`labaudit lists diff`).
 * old_path and new_path are each a list file or a folder of *.csv lists,
 * as --lists takes them; lists are paired by file name.  An entry is
 * keyed by its `id` column, else `code`, else `name`, else `country` and
 * `good` (the DOL list), else the whole row, and is added, removed or
 * changed (another column differs; `retrieved` is not compared).  *out
 * receives the changes in `format` (LAB_FORMAT_TEXT, or LAB_FORMAT_JSON:
 * {"lists": [{"list", "status", "old_sha256", "new_sha256", "entries",
 * "added", "removed", "changed"}], "summary"}), each entry with its line;
 * free it with lab_free().  *changes (may be NULL) receives the number of
 * entries added, removed or changed plus lists added or removed.  A list
 * that does not parse is an error naming file:line.
 */
LAB_EXTERN(int)
lab_lists_diff(char **out, size_t *changes, const char *old_path,
               const char *new_path, lab_format format);

/* ---------------------------------------------------------------- */
/* JSON in, JSON out (for FFI hosts)                                 */

/**
 * One call for hosts where handles are awkward.  `request` is a JSON
 * object:
 *   {"data": "/path/to/folder"              -- or inline records:
 *    "data": {"suppliers":[{"id":"S1",...}], "links":[...],
 *             "audits":[...], "documents":[...], "products":[...]},
 *    "as_of": "2026-11-28", "product": "P1", "supplier": "S1"}
 * Field values may be JSON strings, numbers or booleans.  On success *out
 * receives the report as JSON (the same as LAB_FORMAT_JSON).
 */
LAB_EXTERN(int)
lab_check_json(char **out, const lab_engine *engine, const char *request);

/* ---------------------------------------------------------------- */
/* Conditions and JsonLogic                                          */

/**
 * Evaluates one JsonLogic rule on one JSON document and writes the
 * result as JSON to *out (free with lab_free).
 */
LAB_EXTERN(int)
lab_jsonlogic_apply(char **out, const char *rule_json, const char *data_json);

/**
 * Translates a condition between the infix language and JsonLogic.
 * `to_jsonlogic` non-zero: infix in, JsonLogic JSON out; zero: JsonLogic
 * in, infix out.  No type-checking against the record schema is done.
 */
LAB_EXTERN(int)
lab_condition_translate(char **out, const char *text, int to_jsonlogic);

/**
 * Describes the record schema as JSON: every record kind with its fields
 * (name, type, check, required, description), and the chain facts and
 * computed fields conditions can read.  For rule authors and tools.
 */
LAB_EXTERN(int) lab_schema_describe(char **out);
/** The same, with the fields the engine's packs declare (<field>) among
 *  their record kind's, each with its "unit" and "declared_by" pack
 *  ({"format": "labaudit.fields/1", ...}; engine may be NULL). */
LAB_EXTERN(int) lab_engine_schema(char **out, const lab_engine *engine);
/**
 * The fields as lab_engine_schema() gives them, as JSON (LAB_FORMAT_JSON)
 * or as a table for a person (LAB_FORMAT_TEXT): per record kind and its
 * file, each field with its type, whether it is required, its allowed
 * values or check, its unit and declaring pack, and its description;
 * then the computed fields.  engine may be NULL.
 */
LAB_EXTERN(int)
lab_engine_fields(char **out, const lab_engine *engine, lab_format format);

/* ---------------------------------------------------------------- */
/* Certificates: keys, issuing, verifying, revoking                  */

/*
 * A certificate is a UN Transparency Protocol Digital Conformity
 * Credential (W3C Verifiable Credentials 2.0, conformityTopic
 * "social.labour") for one product, sealed as a compact JWS with header
 * typ "vc+jwt", cty "vc", alg EdDSA (Ed25519 key) or ES256 (P-256 key)
 * and kid (the RFC 7638 thumbprint of the issuer's public JWK).  A trust
 * list is a JSON object mapping each trusted issuer id to its public keys:
 *   {"did:web:brand.example": [{"kty":"OKP","crv":"Ed25519","x":"..",
 *                               "kid":".."}]}
 * (the value may also be {"keys": [...]}).  Revocation uses a W3C
 * Bitstring Status List credential, itself a vc+jwt kept in a file.
 */

/** Key types for lab_keygen(). */
typedef enum lab_key_alg {
    LAB_KEY_ALG_ED25519 = 0, /**< EdDSA (the default) */
    LAB_KEY_ALG_P256 = 1     /**< ES256 */
} lab_key_alg;

enum { LAB_KEYGEN_OPTIONS_VERSION = 1 };

/** Options for lab_keygen(). */
typedef struct lab_keygen_options {
    unsigned version;           /**< LAB_KEYGEN_OPTIONS_VERSION */
    lab_key_alg alg;            /**< key type */
    const char *passphrase_env; /**< encrypt with the passphrase in this
                                     environment variable; NULL = plain */
    int overwrite;              /**< replace an existing key file */
} lab_keygen_options;

/* clang-format off */
#define LAB_KEYGEN_OPTIONS_INIT                                               \
    {LAB_KEYGEN_OPTIONS_VERSION, LAB_KEY_ALG_ED25519, NULL, 0}
/* clang-format on */

LAB_EXTERN(int)
lab_keygen_options_init(lab_keygen_options *opts, unsigned version);

/**
 * Generates a key pair and writes the private key to `path` as PEM
 * PKCS#8 with mode 0600 (atomically; an existing file is kept with
 * LAB_EDUPLICATE unless opts->overwrite).  *public_jwk receives the
 * public key as a JWK with "kid" and "alg" (free with lab_free).
 */
LAB_EXTERN(int)
lab_keygen(char **public_jwk, const char *path, const lab_keygen_options *opts);

/**
 * The DID document that publishes an issuer's public key (as lab_keygen()
 * gives it) for `did`: one JsonWebKey verification method with the id
 * did#<RFC 7638 thumbprint>, the kid labaudit's certificates carry, listed
 * under assertionMethod (and authentication).  For did:web:brand.example
 * serve it at https://brand.example/.well-known/did.json.  lab_verify()
 * accepts it as a trust list.  Free *out with lab_free().
 */
LAB_EXTERN(int)
lab_did_document(char **out, const char *did, const char *public_jwk);

/** How lab_certify() seals the credential. */
typedef enum lab_seal {
    LAB_SEAL_JWS = 0,           /**< vc+jwt compact JWS only */
    LAB_SEAL_DATA_INTEGRITY = 1 /**< and an embedded eddsa-jcs-2022 proof
                                     (Ed25519 keys only) */
} lab_seal;

/** Who assessed the claim a certificate makes (UNTP assessorLevel and
 *  assessmentLevel, README "Certificates"). */
typedef enum lab_assessor_level {
    LAB_ASSESSOR_SELF = 0,         /**< self-declared by the issuer:
                                        Self / Unspecified (the default) */
    LAB_ASSESSOR_SECOND_PARTY = 1, /**< by a party with a user interest,
                                        e.g. a buyer: Buyer / Unspecified */
    LAB_ASSESSOR_THIRD_PARTY = 2,  /**< by an independent body:
                                        3rdParty / Verified */
    LAB_ASSESSOR_ACCREDITED = 3    /**< by an independent body accredited
                                        for it: 3rdParty / Accredited */
} lab_assessor_level;

/* Version 2 added who assessed the claim (assessor_level to label_eu)
 * and the seal link; version 1 structs are still accepted. */
enum { LAB_CERTIFY_OPTIONS_VERSION = 2 };

/** Options for lab_certify(). */
typedef struct lab_certify_options {
    unsigned version;           /**< LAB_CERTIFY_OPTIONS_VERSION */
    const char *product;        /**< product id (required) */
    const char *const *lots;    /**< lots covered; NULL = the product's */
    size_t nlots;               /**< entries in lots */
    const char *claim;          /**< claim text; NULL = the product's */
    const char *issuer_id;      /**< issuer URI, e.g. did:web:... */
    const char *issuer_name;    /**< issuer's name; NULL = issuer_id */
    const char *key_file;       /**< issuer's private key (PEM, 0600) */
    const char *passphrase_env; /**< variable holding its passphrase */
    const char *valid_from;     /**< RFC 3339 UTC; NULL = now */
    unsigned valid_days;        /**< validity; 0 = 365 days */
    const char *status_list;    /**< status list credential file, or NULL */
    long status_index;          /**< this certificate's bit; -1 = none */
    int enveloped;              /**< give an EnvelopedVerifiableCredential
                                     JSON document instead of the token */
    lab_seal seal;              /**< LAB_SEAL_JWS or DATA_INTEGRITY */
    /* ---- version 2: who assessed the claim ---- */
    lab_assessor_level assessor_level; /**< default LAB_ASSESSOR_SELF;
                                            any other level needs body_name
                                            and body_id */
    /** The conformity scheme the claim is assessed under (the
     *  credential's scope), or NULL for labaudit's rule packs as the
     *  scheme, owned by the issuer.  Given, scheme_id (a URI),
     *  scheme_version, scheme_owner (its owner's name) and
     *  scheme_owner_id (a URI) are required. */
    const char *scheme_name;
    const char *scheme_id;       /**< the scheme's URI */
    const char *scheme_version;  /**< the scheme's version */
    const char *scheme_owner;    /**< the scheme owner's name */
    const char *scheme_owner_id; /**< the scheme owner's URI */
    const char *body_name;       /**< assessment body (the assessment's
                                      auditor), or NULL */
    const char *body_id;         /**< its URI */
    /** The body's accreditation (an Endorsement in the attestation's
     *  authorisation), for LAB_ASSESSOR_ACCREDITED, which needs
     *  accreditation_id, accreditation_body and accreditation_body_id. */
    const char *accreditation_id;      /**< the accreditation's URI */
    const char *accreditation_name;    /**< NULL = "Accreditation of BODY" */
    const char *accreditation_body;    /**< the accreditation body's name */
    const char *accreditation_body_id; /**< its URI */
    /** The claim goes on a label for consumers in the EU: refused with
     *  LAB_EINVAL unless a scheme and a third-party (or accredited) body
     *  are named (Directive 2005/29/EC Annex I point 2a, as amended by
     *  Directive (EU) 2024/825). */
    int label_eu;
    /** File name of the CMS seal made over this credential (what
     *  lab_cms_seal() writes as BASE.cms), referenced from the credential
     *  as a Link; NULL = none.  A plain name, no '/'. */
    const char *seal_link;
    /** A suspension list (status-list create --purpose suspension) to
     *  point at beside status_list, and this certificate's bit in it;
     *  NULL = none.  The certificate then carries two credentialStatus
     *  entries, revocation and suspension. */
    const char *suspension_list;
    long suspension_index; /**< its bit; -1 = none */
} lab_certify_options;

/* clang-format off */
#define LAB_CERTIFY_OPTIONS_INIT                                              \
    {LAB_CERTIFY_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, NULL, NULL,     \
     NULL, NULL, 0, NULL, -1, 0, LAB_SEAL_JWS, LAB_ASSESSOR_SELF, NULL, NULL, \
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL,  \
     -1}
/* clang-format on */

/** Fills opts with the defaults of `version` (1 or 2: a version 1 struct
 *  ends after `seal`). */
LAB_EXTERN(int)
lab_certify_options_init(lab_certify_options *opts, unsigned version);

/**
 * Issues a certificate for opts->product from a report made by lab_check()
 * on `ds` (with or without a product restriction, as long as the product
 * was checked).  The scope lists the product and lots, the claim, every
 * facility upstream of the product's maker (OS ID, country, tier =
 * links from the maker), the engine's rule packs and reference lists
 * (id, version, SHA-256), the audit reports of those facilities (SHA-256)
 * and the waivers.  Refused with LAB_ETEST while any blocker that is not
 * waived is open in the product's chain: lab_errmsg() then lists them
 * ("rule on subject; ...").  The credential's @context is the VC 2.0
 * context, the UNTP DCC 0.6.1 context and labaudit's own
 * (https://w3id.org/labaudit/credentials/v1); it says who assessed the
 * claim (assessor level, scheme, body, accreditation: version 2 options)
 * and gives the audit reports as UNTP SecureLinks.  Inconsistent
 * assessment options (a body without its id, a level above self without
 * a body, --label-eu without a scheme and a third-party body...) are
 * LAB_EINVAL.  *out receives the token (or the enveloped JSON document);
 * free it with lab_free().
 */
LAB_EXTERN(int)
lab_certify(char **out, const lab_report *report, const lab_dataset *ds,
            const lab_certify_options *opts);

enum { LAB_CMS_OPTIONS_VERSION = 1 };

/** Options for lab_cms_seal(). */
typedef struct lab_cms_options {
    unsigned version;           /**< LAB_CMS_OPTIONS_VERSION */
    const char *key_file;       /**< signer's P-256 private key (PEM, 0600) */
    const char *passphrase_env; /**< variable holding its passphrase */
    const char *cert_file;      /**< signer's X.509 certificate, PEM or DER;
                                     further PEM certificates in the file
                                     (intermediates) go into the seal */
    int pem;                    /**< write the seal as PEM, not DER */
    const char *tsa_url;        /**< RFC 3161 time-stamping authority
                                     (https, or http on loopback); NULL =
                                     no timestamp */
} lab_cms_options;

/* clang-format off */
#define LAB_CMS_OPTIONS_INIT                                                  \
    {LAB_CMS_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL}
/* clang-format on */

LAB_EXTERN(int) lab_cms_options_init(lab_cms_options *opts, unsigned version);

/**
 * The auditor seal: a detached CMS SignedData (RFC 5652; SHA-256,
 * ECDSA P-256, signing-time attribute, signer certificate included) over
 * the RFC 8785 canonical bytes of the credential inside `cert` (a vc+jwt
 * token or an enveloped JSON document, as lab_certify() gives it), so
 * that `openssl cms -verify -binary` checks it.  Writes, each atomically,
 * `base`.json (the signed bytes), `base`.cms (the signature, DER or PEM)
 * and, with a TSA, `base`.tsr: the RFC 3161 TimeStampResp over the SHA-256
 * of the .cms file's bytes, for `openssl ts -verify -data base.cms`; a
 * stale `base`.tsr is removed when no TSA is given.  Nothing is written
 * when signing or the timestamp fails.  The TSA's answer is checked for
 * status, nonce and imprint; its certificate chain is the verifier's to
 * check.
 */
LAB_EXTERN(int)
lab_cms_seal(const char *cert, size_t cert_len, const char *base,
             const lab_cms_options *opts);

/** Outcomes of lab_verify(); append only. */
typedef enum lab_verify_status {
    LAB_VERIFY_VALID = 0,
    LAB_VERIFY_BAD_SIGNATURE = 1,      /**< "bad_signature" */
    LAB_VERIFY_UNTRUSTED_ISSUER = 2,   /**< "untrusted_issuer": issuer or kid
                                            not on the trust list */
    LAB_VERIFY_ALG_NOT_ALLOWED = 3,    /**< "alg_not_allowed": not EdDSA or
                                            ES256, or not the key's */
    LAB_VERIFY_MALFORMED = 4,          /**< "malformed" */
    LAB_VERIFY_NOT_YET_VALID = 5,      /**< "not_yet_valid" */
    LAB_VERIFY_EXPIRED = 6,            /**< "expired" */
    LAB_VERIFY_REVOKED = 7,            /**< "revoked" */
    LAB_VERIFY_EVIDENCE_MISMATCH = 8,  /**< "evidence_mismatch" */
    LAB_VERIFY_STATUS_UNAVAILABLE = 9, /**< "status_unavailable": the
                                           status list given is not yet
                                           valid, or none could be had, so
                                           it cannot say "not revoked" */
    LAB_VERIFY_SUSPENDED = 10,         /**< "suspended": the certificate's
                                            bit is set in its suspension
                                            list (the issuer may lift it) */
    LAB_VERIFY_STATUS_STALE = 11       /**< "status_stale": the status list
                                            given has expired (its
                                            validUntil) or was issued longer
                                            ago than the maximum age: a
                                            newer list may revoke */
} lab_verify_status;

/** The reason code of a status ("bad_signature"...; "valid" for 0). */
LAB_EXTERN(const char *) lab_verify_reason(int status);

/** Version 2 added status_max_age and trust_issuer; version 1 callers
 *  get their defaults. */
enum { LAB_VERIFY_OPTIONS_VERSION = 2 };

/** Default maximum age of a status list: 30 days after its validFrom. */
enum { LAB_STATUS_DEFAULT_MAX_AGE = 30 * 24 * 3600 };

/** Options for lab_verify(). */
typedef struct lab_verify_options {
    unsigned version;         /**< LAB_VERIFY_OPTIONS_VERSION */
    const char *trust_list;   /**< what the verifier trusts, JSON text
                                   (required): a trust list {"ISSUER":
                                   [JWK, ...], ...}, an issuer's DID
                                   document (its assertionMethod keys), or
                                   a JWKS {"keys": [...]} with trust_issuer
                                   naming whose keys they are */
    const char *status_list;  /**< status list credentials (vc+jwt tokens
                                   as fetched or read from files, one or
                                   more separated by white space: say a
                                   revocation and a suspension list), or
                                   NULL */
    size_t status_list_len;   /**< its length in bytes */
    const char *evidence_dir; /**< folder of the audit report files whose
                                   SHA-256 must match; NULL = not checked */
    const char *at;           /**< point in time, RFC 3339; NULL = now */
    lab_format format;        /**< of *result_json: LAB_FORMAT_JSON, or
                                   LAB_FORMAT_TEXT for a person (claim,
                                   scope, issuer, validity, result) */
    long status_max_age;      /**< seconds after its validFrom that a status
                                   list is fresh; 0 = 30 days; negative = no
                                   limit but the list's own validUntil */
    const char *trust_issuer; /**< the issuer a JWKS trust_list speaks for;
                                   NULL otherwise */
} lab_verify_options;

/* clang-format off */
#define LAB_VERIFY_OPTIONS_INIT                                               \
    {LAB_VERIFY_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, LAB_FORMAT_JSON, \
     0, NULL}
/* clang-format on */

LAB_EXTERN(int)
lab_verify_options_init(lab_verify_options *opts, unsigned version);

/**
 * Verifies a certificate: a compact vc+jwt token or an enveloped JSON
 * document.  Only EdDSA and ES256 are accepted; the issuer and the kid
 * must be on the trust list; the credential must be valid at opts->at;
 * with a status list, its signature (same issuer) and the certificate's
 * bit are checked; with an evidence folder, every audit report file the
 * certificate names must be there with the SHA-256 it records.  Returns
 * LAB_OK when verification ran, whatever its outcome: *status is a
 * lab_verify_status, and *result_json (if not NULL; free with lab_free)
 * is {"valid", "reason", "message", "issuer", "kid", "alg",
 * "status_checked", "evidence_checked", "header", "credential"} where
 * "credential" is the decoded payload (trust it only when valid).  A bad
 * trust list or argument is an error (LAB_EPARSE, LAB_EINVAL).
 */
LAB_EXTERN(int)
lab_verify(int *status, char **result_json, const char *cert, size_t cert_len,
           const lab_verify_options *opts);

/**
 * The SHA-256 of a dataset's records (hex, NUL-terminated, into out): for
 * each record kind, each record, each field that is set, "name=JSON\n"; a
 * blank line ends a record and "#kind\n" starts a kind.  Two datasets
 * with the same records have the same digest, whatever their source.  The
 * ledger records it per run; a dossier's manifest names it.
 */
LAB_EXTERN(int) lab_dataset_digest(char out[65], const lab_dataset *ds);

/**
 * A verifier: the trust list parsed and its keys made once, and the status
 * lists' signatures checked once, for many certificates.  Made from the
 * same options as lab_verify() (their `at` is not used: give it to each
 * verification); read-only once made, so any number of threads may
 * verify with one verifier at once.  A list's validity and age are still
 * judged at each verification's real time.
 */
typedef struct lab_verifier lab_verifier;

LAB_EXTERN(int)
lab_verifier_new(lab_verifier **out, const lab_verify_options *opts);

/** lab_verify() with a verifier: `at` is the point in time (RFC 3339;
 *  NULL = now). */
LAB_EXTERN(int)
lab_verifier_verify(const lab_verifier *verifier, int *status,
                    char **result_json, const char *cert, size_t cert_len,
                    const char *at);

LAB_EXTERN(void) lab_verifier_free(lab_verifier *verifier);

/**
 * Renders a certificate page: one self-contained HTML file (no scripts,
 * no network) for a shopper and an auditor, from `result_json` (what
 * lab_verify() gave with LAB_FORMAT_JSON) and the certificate `cert`
 * itself: who assessed the claim ("Self-declared by ISSUER" or "Assessed
 * by BODY under SCHEME"), the verification result and when it was made
 * (result_json's "checked_at" or "at" if it has one, else now), claim,
 * product and lots, issuer, validity, and the scope (facilities, rule
 * packs and lists with their SHA-256, audit report digests, waivers).  A
 * certificate that is not valid is greyed out with its claim struck
 * through and the reason in words; the page holds no command lines.  Its
 * QR code carries `url`
 * when given, else the token when it fits in a QR code, else the
 * credential's id; built without libqrencode the page says so instead.
 * Free *out with lab_free().
 */
LAB_EXTERN(int)
lab_certificate_render_html(char **out, const char *result_json,
                            const char *cert, size_t cert_len, const char *url);

/** Version 2 added purpose and valid_days. */
enum { LAB_STATUS_OPTIONS_VERSION = 2 };

/** Options for lab_status_list_create(), lab_revoke(), lab_suspend(),
 *  lab_unsuspend() and lab_status_list_renew(). */
typedef struct lab_status_options {
    unsigned version;           /**< LAB_STATUS_OPTIONS_VERSION */
    const char *key_file;       /**< issuer's private key */
    const char *passphrase_env; /**< variable holding its passphrase */
    const char *list_url;       /**< create: the list credential's id URL */
    const char *issuer_id;      /**< create: issuer URI */
    size_t bits;                /**< create: size; 0 = 131072 (16 KiB) */
    const char *purpose;        /**< create: "revocation" (NULL) or
                                     "suspension" */
    unsigned valid_days;        /**< the list's validUntil, days after each
                                     signing; 0 = create: none, re-signing:
                                     the window the list had */
} lab_status_options;

/* clang-format off */
#define LAB_STATUS_OPTIONS_INIT                                               \
    {LAB_STATUS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, NULL, 0}
/* clang-format on */

LAB_EXTERN(int)
lab_status_options_init(lab_status_options *opts, unsigned version);

/**
 * Writes a new, all-clear Bitstring Status List credential (signed
 * vc+jwt; statusPurpose opts->purpose, revocation by default) to `path`,
 * atomically; an existing file is kept (LAB_EDUPLICATE).
 */
LAB_EXTERN(int)
lab_status_list_create(const char *path, const lab_status_options *opts);

/**
 * Sets bit `index` of the status list credential in `path` (revoking the
 * certificates that point at it), re-signs it with opts->key_file and
 * replaces the file atomically.  The key must be the list issuer's.
 */
LAB_EXTERN(int)
lab_revoke(const char *path, size_t index, const lab_status_options *opts);

/**
 * Suspends (lab_suspend: sets) or lifts the suspension of (lab_unsuspend:
 * clears) bit `index` of the suspension list in `path` (a list created
 * with purpose "suspension"; a revocation list is refused), re-signs it
 * and replaces the file atomically.  A suspended certificate verifies as
 * "suspended" until the bit is cleared: the state of a certificate while
 * a corrective action is open.
 */
LAB_EXTERN(int)
lab_suspend(const char *path, size_t index, const lab_status_options *opts);
LAB_EXTERN(int)
lab_unsuspend(const char *path, size_t index, const lab_status_options *opts);

/** How lab_status_claim() picks an index. */
typedef enum lab_status_pick {
    LAB_STATUS_PICK_GIVEN = 0, /**< *index as given (refused if used) */
    LAB_STATUS_PICK_NEXT = 1,  /**< the lowest unused index */
    LAB_STATUS_PICK_RANDOM = 2 /**< an unused index chosen at random, so
                                    that an index says nothing about when
                                    or in what order certificates were
                                    issued (herd privacy) */
} lab_status_pick;

/**
 * Takes an index of the status list in `list` for one certificate, and
 * records it in `list`.used (one index per line, replaced atomically,
 * under a lock on `list`.used.lock) so that it is never given again:
 * a revoked index must not come back to life on a new certificate.  Index
 * 0 is never given.  LAB_EDUPLICATE for a given index already used;
 * LAB_EINVAL when the list is full.
 */
LAB_EXTERN(int)
lab_status_claim(long *index, const char *list, lab_status_pick pick);

/**
 * Re-signs the status list in `path` unchanged but for a fresh validFrom
 * (and validUntil), so that verifiers, which refuse a list older than
 * their maximum age (30 days by default), keep accepting it.  Run it at
 * least as often as that age, then publish the file.
 */
LAB_EXTERN(int)
lab_status_list_renew(const char *path, const lab_status_options *opts);

/* ---------------------------------------------------------------- */
/* Evidence dossiers                                                 */

enum { LAB_DOSSIER_OPTIONS_VERSION = 2 };

/** Options for lab_dossier(). */
typedef struct lab_dossier_options {
    unsigned version;               /**< LAB_DOSSIER_OPTIONS_VERSION */
    const char *product;            /**< product id (required) */
    const char *const *lots;        /**< lots covered; NULL = the product's */
    size_t nlots;                   /**< entries in lots */
    const char *evidence_dir;       /**< folder the documents' uri are
                                         relative to (for a CSV dataset, its
                                         folder) */
    const char *certificate;        /**< a certificate file to include, or
                                         NULL */
    const char *importer_id;        /**< the importer (URI), or NULL */
    const char *importer_name;      /**< its name, or NULL */
    int redact;                     /**< withhold documents with worker-level
                                         personal data (kinds payroll and
                                         permit); the manifest names them */
    int allow_missing;              /**< list missing or changed documents as
                                         gaps instead of refusing */
    const char *cms_key_file;       /**< importer's P-256 key (0600), to sign
                                         the manifest; NULL = unsigned */
    const char *cms_passphrase_env; /**< variable holding its passphrase */
    const char *cms_cert_file;      /**< the key's X.509 certificate (PEM or
                                         DER; more PEM certificates after it
                                         go into the signature) */
    const char *tsa_url;            /**< RFC 3161 time-stamping authority
                                         (https, or http on loopback) for
                                         the signature, or NULL */
    int zip;                        /**< also write DIR.zip: the folder as
                                         one ZIP file (needs libarchive;
                                         LAB_EUNSUPPORTED without) */
    /* version 2 */
    const char *purchase_order; /**< a purchase_order document (its id
                                     or reference) the dossier answers
                                     for: its product must be `product`
                                     and, when lots is NULL, its lots
                                     are the lots covered; NULL = none */
} lab_dossier_options;

/* clang-format off */
#define LAB_DOSSIER_OPTIONS_INIT                                              \
    {LAB_DOSSIER_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, NULL, NULL, 1,   \
     0, NULL, NULL, NULL, NULL, 0, NULL}
/* clang-format on */

LAB_EXTERN(int)
lab_dossier_options_init(lab_dossier_options *opts, unsigned version);

/**
 * The purchase order `po` of `ds`: a document of kind purchase_order whose
 * id or reference is `po`.  *product is the product it names (its
 * product_id, borrowed from the dataset) and *nlots the number of lots it
 * names (lab_dossier() covers them when given the order).  An unknown
 * order, a document of another kind, an order naming no product, or two
 * orders with that reference are errors (LAB_ENOTFOUND, LAB_ESCHEMA)
 * naming it.
 */
LAB_EXTERN(int)
lab_dossier_purchase_order(const lab_dataset *ds, const char *po,
                           const char **product, size_t *nlots);

/**
 * Writes the evidence dossier of opts->product's chain, as checked in
 * `report` (made by lab_check() on `ds`), to the new folder `dir`:
 * index.html (one printable page: summary and verdict, the chain by tier
 * with every entity's identifiers and documents, audits with their
 * non-compliances and corrective actions, findings live and as history,
 * the reference lists and rule packs with their versions and SHA-256, the
 * evidence files), report.json, evidence/ (each document of the chain
 * copied unchanged, named by its id, its SHA-256 checked against the
 * dataset's), certificate.jwt when opts->certificate is given, and
 * manifest.json ("format": "labaudit.dossier/1": every file with SHA-256
 * and size, the dataset digest, packs, lists, as-of date, labaudit's
 * version, gaps, what was withheld and why); with a key and certificate,
 * manifest.json.cms, a detached CMS signature (SHA-256, ECDSA P-256) over
 * manifest.json, and with a TSA manifest.json.cms.tsr, an RFC 3161
 * timestamp over the .cms file.  A document missing or with another
 * SHA-256 refuses the dossier (LAB_ENOTFOUND) unless allow_missing.  The
 * folder is built under a temporary name beside `dir` and renamed when
 * complete; an existing `dir` is refused (LAB_EDUPLICATE).  With
 * opts->zip, `dir`.zip holds the same files under the folder's name
 * (written to a temporary file and renamed; the folder stays).
 */
LAB_EXTERN(int)
lab_dossier(const char *dir, const lab_report *report, const lab_dataset *ds,
            const lab_dossier_options *opts);

/**
 * Checks a dossier folder offline: manifest.json parses; every file it
 * lists is there with its size and SHA-256; no other file is there (but
 * the manifest's signature and timestamp); the CMS signature, when
 * present, verifies over manifest.json (its signer certificate checked
 * against `ca_file` when given, else reported as not checked), and the
 * timestamp, when present, covers the .cms file's SHA-256.  *ok is 1 when
 * all holds; *report (free with lab_free) says, one line each, what was
 * checked and every file changed, missing or extra.
 */
LAB_EXTERN(int)
lab_dossier_verify(int *ok, char **report, const char *dir,
                   const char *ca_file);

/**
 * The drill: for product's chain (as checked in `report`), what the
 * authority's template in `template_path` (JSON, "format":
 * "labaudit.dossier-template/1", e.g. the files in rules/dossier/) asks of the
 * product and of each entity (fields, and documents by kind, for every
 * entity and by role) and the dataset lacks, with the share present.
 * *out (free with lab_free) is text for a person or, with
 * LAB_FORMAT_JSON, {"format": "labaudit.drill/1", "completeness", ...};
 * *complete (may be NULL) is 1 when nothing is missing.  A template
 * naming a field labaudit does not know is an error.
 */
LAB_EXTERN(int)
lab_dossier_drill(char **out, const lab_report *report, const lab_dataset *ds,
                  const char *product, const char *const *lots, size_t nlots,
                  const char *template_path, lab_format format, int *complete);

/**
 * RFC 8785 canonical form of a JSON text (duplicate names refused,
 * numbers as ECMAScript prints them).  Free *out with lab_free().
 */
LAB_EXTERN(int) lab_json_canon(char **out, const char *json, size_t len);

/* ---------------------------------------------------------------- */
/* Ledger: an append-only, hash-chained record in PostgreSQL         */

/*
 * The ledger is the schema `labaudit` in a PostgreSQL database: runs,
 * findings, waivers, certificates and status lists.  The database refuses
 * UPDATE, TRUNCATE and the DELETE of rows younger than 7 years, and
 * chains every row to the one before it with SHA-256, so that a change
 * made behind the triggers' back is found by lab_ledger_verify().  Rows
 * older than that leave only through the SQL function labaudit.prune(),
 * which records where it stopped; a run's findings are sealed into its
 * row when it is recorded.  Each call opens and closes its own
 * connection (`conninfo` as for lab_dataset_load_pg()); any thread may
 * call them.
 */

/** Creates or migrates the ledger schema; idempotent and safe to run
 *  concurrently.  *version (may be NULL) gets the schema version. */
LAB_EXTERN(int) lab_ledger_init(int *version, const char *conninfo);

/**
 * Records a run (pack digests, the dataset's SHA-256 when ds is not NULL,
 * counts, verdicts) and all its findings in one transaction under
 * `run_id` (1 to 200 bytes).  A run id already in the ledger records
 * nothing and sets *recorded (may be NULL) to 0; otherwise 1.  On any
 * failure, a lost connection included, nothing of the run is kept and
 * the call may simply be repeated.
 */
LAB_EXTERN(int)
lab_ledger_record_run(int *recorded, const char *conninfo,
                      const lab_report *report, const lab_dataset *ds,
                      const char *run_id);

/**
 * Records a certificate event: `status` "issued" (with its token and its
 * index in status list `status_list`), "revoked" or "suspended" (`reason`
 * may be NULL).  The same serial and status twice records nothing.
 * Pass -1 as status_index when there is none.
 */
LAB_EXTERN(int)
lab_ledger_record_certificate(const char *conninfo, const char *serial,
                              const char *status, const char *token,
                              const char *status_list, long long status_index,
                              const char *reason);

/**
 * Recomputes every row's hash on this side and checks each table's chain.
 * *out receives a human-readable account (free with lab_free) naming, per
 * table, the first rows that do not match; *bad the number of such rows.
 * Returns LAB_OK when the check ran, whatever its outcome.
 */
LAB_EXTERN(int)
lab_ledger_verify(char **out, size_t *bad, const char *conninfo);

/**
 * lab_ledger_verify(), and more: rows missing at the start of a chain
 * must have been removed by labaudit.prune() (which records up to where),
 * every run's findings must still be the ones sealed when it closed, and,
 * when `anchor` (the text of an earlier anchor, may be NULL) is given,
 * each chain must still hold the head it names, so rows cut from the end
 * or a truncated table are found too.  When anchor_out is not NULL and
 * the ledger verifies, *anchor_out receives a new anchor (free with
 * lab_free): a few lines of text naming each chain's head, for the
 * auditor to keep outside the database.  LAB_EPARSE for a malformed
 * anchor; LAB_EVERSION for a ledger whose schema needs `ledger init`.
 */
LAB_EXTERN(int)
lab_ledger_verify_anchored(char **out, size_t *bad, char **anchor_out,
                           const char *conninfo, const char *anchor);

/** Lists the runs (run_id NULL), or one run with its findings, as text
 *  in *out (free with lab_free).  LAB_ENOTFOUND for an unknown run. */
LAB_EXTERN(int)
lab_ledger_show(char **out, const char *conninfo, const char *run_id);

/** lab_ledger_show() as text or JSON: "labaudit.ledger-runs/1" (the runs)
 *  or "labaudit.ledger-run/1" (one run and its findings), one line. */
LAB_EXTERN(int)
lab_ledger_show_format(char **out, const char *conninfo, const char *run_id,
                       lab_format format);

/* ---------------------------------------------------------------- */
/* HTTP: reference lists, status lists, Open Supply Hub              */

/*
 * Fetches go over https only (plain http only to 127.0.0.1 or ::1, for
 * tests), with TLS peer and host verification always on, redirects only
 * to https and at most 5, connect and total timeouts and a cap on the
 * response size; 429 and 5xx answers are retried with backoff (honouring
 * Retry-After).  Each call uses its own connection, so any thread may
 * call them.  Without the HTTP adapter they return LAB_EUNSUPPORTED.
 */

enum { LAB_HTTP_OPTIONS_VERSION = 2 };

/** Options for the HTTP calls. */
typedef struct lab_http_options {
    unsigned version;         /**< LAB_HTTP_OPTIONS_VERSION */
    const char *ca_file;      /**< CA bundle (PEM) to trust instead of the
                                   system's; NULL = the system's.  There is
                                   no way to switch verification off. */
    unsigned connect_timeout; /**< seconds; 0 = 10 */
    unsigned timeout;         /**< seconds for a whole transfer; 0 = 60 */
    size_t max_bytes;         /**< response size cap; 0 = 64 MiB */
    unsigned retries;         /**< retries after a 429 or 5xx (INIT: 3) */
    const char *cache_dir;    /**< status lists: folder of cached copies;
                                   NULL = no cache */
    long max_age;             /**< status lists: seconds a cached copy is
                                   used without fetching (INIT: 300) */
    const char *osh_url;      /**< Open Supply Hub base URL; NULL =
                                   https://opensupplyhub.org */
    const char *token_env;    /**< environment variable holding the Open
                                   Supply Hub token; NULL = "OSH_TOKEN" */
    double max_shrink;        /**< version 2: lab_refresh_list refuses a
                                   list with fewer than (1 - max_shrink)
                                   times the entries of the cached copy;
                                   0 = 0.5, 1 = any shrink is accepted */
} lab_http_options;

/* clang-format off */
#define LAB_HTTP_OPTIONS_INIT                                                 \
    {LAB_HTTP_OPTIONS_VERSION, NULL, 0, 0, 0, 3, NULL, 300, NULL, NULL, 0}
/* clang-format on */

LAB_EXTERN(int)
lab_http_options_init(lab_http_options *opts, unsigned version);

/** Outcomes of lab_refresh_list(). */
typedef enum lab_refresh_outcome {
    LAB_REFRESH_UPDATED = 0,      /**< a new version was stored */
    LAB_REFRESH_NOT_MODIFIED = 1, /**< the server has nothing newer */
    LAB_REFRESH_CACHED = 2        /**< the server could not be reached (or
                                       kept failing); the cached copy stays */
} lab_refresh_outcome;

/**
 * Refreshes the reference list file `path` from `url`: a conditional GET
 * (ETag, Last-Modified of the last fetch), and when a new body arrives it
 * must parse as a reference list; it then replaces `path` atomically, the
 * previous file is kept as PATH.prev, and PATH.meta (JSON: url,
 * fetched_at, etag, last_modified, sha256) records the fetch.  When the
 * server cannot be reached (refused, timed out, unknown host, 429 or 5xx
 * to the last retry) and `path` exists, the result is LAB_OK with
 * LAB_REFRESH_CACHED.  Any other failure (HTTP 404, TLS, a refused
 * redirect, the size cap, a body that does not parse) is an error and
 * leaves `path` as it was.  *summary (may be NULL; free with lab_free)
 * gets one line for a person, e.g. "offline (connection refused); using
 * cached uflpa-entity-list.csv fetched 3 days ago".
 */
LAB_EXTERN(int)
lab_refresh_list(int *outcome, char **summary, const char *url,
                 const char *path, const lab_http_options *opts);

/**
 * Gets a status list credential from `url` for lab_verify().  With
 * opts->cache_dir, a cached copy younger than opts->max_age seconds is
 * used without fetching, and a fetched copy is stored.  When no copy is
 * fresh enough and the fetch fails the call fails (LAB_ENET): never fall
 * back to an old list.  *from_cache (may be NULL) is 1 when the cache
 * was used.  *out is the list (free with lab_free), *len its length.
 */
LAB_EXTERN(int)
lab_status_list_fetch(char **out, size_t *len, int *from_cache, const char *url,
                      const lab_http_options *opts);

/**
 * Looks up a facility on Open Supply Hub by OS ID: GET
 * {osh_url}/api/facilities/{os_id}/ with "Authorization: Token" and the
 * token from opts->token_env (never printed nor put in messages).  Calls
 * are limited to 100 a minute per process.  *out (free with lab_free) is,
 * with LAB_FORMAT_JSON, {"os_id", "name", "address", "country_code",
 * "country_name", "lat", "lng", "number_of_workers"} (missing values are
 * null); with LAB_FORMAT_TEXT the same as "field: value" lines.
 * LAB_ENOTFOUND for an unknown OS ID.
 */
LAB_EXTERN(int)
lab_osh_facility(char **out, const char *os_id, lab_format format,
                 const lab_http_options *opts);

/* ---------------------------------------------------------------- */
/* Files and terminal text: the rules every labaudit input and output   */
/* follows, for hosts (and the CLI) that read and write the same way.   */

/** The input cap: the most any file read whole (a list, a token, a JSON
 * document, a fetched body) may hold unless a smaller cap applies. */
#define LAB_INPUT_MAX ((size_t)64 << 20)

/** Flags for lab_file_read() and lab_file_write(). */
enum {
    LAB_FILE_TEXT = 1, /**< read: a NUL byte is an error (file, offset) */
    LAB_FILE_NEW = 2   /**< write: refuse a path that already exists */
};

/**
 * Reads a whole regular file (at most `limit` bytes; 0 or more than
 * 64 MiB means 64 MiB) into *out, NUL-terminated (free with lab_free);
 * *len (may be NULL) gets its length.  Anything but a regular file (a
 * FIFO, a device, a directory) is refused without blocking.
 */
LAB_EXTERN(int)
lab_file_read(char **out, size_t *len, const char *path, size_t limit,
              unsigned flags);

/**
 * Writes `len` bytes to `path`.  A path naming a character or block
 * device, a FIFO or a socket is written in place (a FIFO without a reader
 * is an error, not a wait); a directory is refused; a regular file, or a
 * path that does not exist, is replaced atomically (a temporary file in
 * the same folder, fsync, rename).  A symbolic link is followed: its
 * target is replaced and the link stays.  `mode` 0 keeps an existing
 * file's mode (a new one gets 0666 less the umask); any other mode is set
 * exactly (0600 for a private key).
 */
LAB_EXTERN(int)
lab_file_write(const char *path, const void *data, size_t len, unsigned mode,
               unsigned flags);

/**
 * The same rule for an output written in pieces, so that it need not be
 * held in memory whole: lab_file_open() opens `path` (the checks of
 * lab_file_write(); for a regular file, a temporary beside it),
 * lab_file_put() appends, lab_file_commit() syncs and renames the
 * temporary over `path` and frees the handle, whatever it returns;
 * lab_file_abort() (NULL is fine) removes the temporary and frees, so
 * that an output that fails half-way leaves the old file as it was.  A
 * failed put makes the commit fail.  A device or FIFO is written as the
 * pieces come.  One thread at a time per handle.
 */
typedef struct lab_file lab_file;
LAB_EXTERN(int)
lab_file_open(lab_file **out, const char *path, unsigned mode, unsigned flags);
LAB_EXTERN(int) lab_file_put(lab_file *f, const void *data, size_t len);
LAB_EXTERN(int) lab_file_commit(lab_file *f);
LAB_EXTERN(void) lab_file_abort(lab_file *f);

/**
 * Copies text for a terminal into *out (free with lab_free): C0 control
 * characters other than newline and tab, DEL and invalid UTF-8 bytes
 * become \xHH; C1 controls (U+0080 to U+009F) and the bidirectional
 * overrides and isolates (U+202A to U+202E, U+2066 to U+2069) become
 * \uHHHH.  Text reports and every message quoting input pass through it.
 */
LAB_EXTERN(int) lab_text_escape(char **out, const char *text, size_t len);

/* ---------------------------------------------------------------- */
/* Plugin entry point                                                */

/**
 * The table a host gets from lab_plugin_get_api().  It starts with its own
 * size and ABI version and only ever grows at the end: a host compiled
 * against an older header reads a prefix of it.
 */
typedef struct lab_api {
    size_t size;     /**< sizeof the table as built */
    int abi_version; /**< LAB_ABI_MAJOR of the library */
    const char *(*version)(void);
    const char *(*errmsg)(void);
    const char *(*strerror)(int code);
    void (*free)(void *ptr);
    int (*engine_new)(lab_engine **out, const lab_engine_options *opts);
    void (*engine_free)(lab_engine *engine);
    int (*dataset_new)(lab_dataset **out);
    int (*dataset_load)(lab_dataset *ds, const char *source);
    int (*dataset_add)(lab_dataset *ds, lab_record_kind kind,
                       const char *const *names, const char *const *values,
                       size_t n, const char *origin);
    void (*dataset_free)(lab_dataset *ds);
    int (*check)(lab_report **out, const lab_engine *engine, lab_dataset *ds,
                 const lab_check_options *opts);
    int (*report_render)(char **out, const lab_report *report,
                         lab_format format);
    int (*report_worst)(const lab_report *report);
    void (*report_free)(lab_report *report);
    int (*check_json)(char **out, const lab_engine *engine,
                      const char *request);
    /* added in 0.1.0, after check_json */
    size_t (*report_product_count)(const lab_report *report);
    int (*report_product)(const lab_report *report, size_t i, const char **id,
                          int *worst);
    size_t (*report_count_at_least)(const lab_report *report,
                                    lab_severity severity);
    const char *(*severity_name)(int severity);
    int (*dataset_load_pg)(lab_dataset *ds, const char *conninfo,
                           const char *mapping);
    /* added in 0.2.0, after dataset_load_pg */
    size_t (*report_history_count)(const lab_report *report);
    const lab_finding *(*report_history)(const lab_report *report, size_t i);
    const char *(*finding_history)(const lab_finding *f);
    size_t (*report_unknown_count)(const lab_report *report);
    int (*report_unknown)(const lab_report *report, size_t i,
                          const char **supplier_id, const char **field,
                          const char **pack_id);
    size_t (*report_product_unknowns)(const lab_report *report, size_t i);
    const char *(*subject_name)(int subject);
    /* added in 0.2.0, after subject_name */
    int (*dataset_load_epcis)(lab_dataset *ds, const char *path);
    int (*report_product_lot)(const lab_report *report, size_t i,
                              const char **lot, const char **custody);
    /* added in 0.2.0, after report_product_lot */
    int (*lists_diff)(char **out, size_t *changes, const char *old_path,
                      const char *new_path, lab_format format);
} lab_api;

/**
 * Returns the API table for ABI major `abi_major`, or NULL (with a message
 * in lab_errmsg()) if this library does not implement that major.
 */
LAB_EXTERN(const lab_api *) lab_plugin_get_api(int abi_major);

#ifdef __cplusplus
}
#endif

#endif /* LABAUDIT_H */
